//! The yardstick for fan-out: a bare WebSocket broadcaster on tokio-tungstenite, with no GraphQL,
//! no database and no access rules. It speaks just enough graphql-transport-ws for the benches'
//! clients (`connection_init` → `connection_ack`, then `subscribe`), with the server's socket
//! settings (1 KiB read buffer, unbuffered writes), and runs as a process of its own so that its
//! memory is measured like the server's.
//!
//! A socket whose `subscribe` query is `publish` is the publisher: each text it sends is sent to
//! every other socket as a `next` message whose payload is that text, serialised once.

use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes, protocol::WebSocketConfig};

/// The flag that makes a bench binary run the broadcaster instead of the bench.
pub const FLAG: &str = "--bare-broadcaster";

/// Runs the broadcaster on `listen` until killed.
pub async fn run(listen: &str) {
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    let (tx, _) = broadcast::channel::<Utf8Bytes>(64);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            let config = WebSocketConfig::default()
                .read_buffer_size(1024)
                .write_buffer_size(0);
            let Ok(mut ws) = tokio_tungstenite::accept_hdr_async_with_config(
                stream,
                with_protocol,
                Some(config),
            )
            .await
            else {
                return;
            };
            // connection_init → connection_ack
            if !matches!(ws.next().await, Some(Ok(Message::Text(_)))) {
                return;
            }
            if ws
                .send(Message::Text(r#"{"type":"connection_ack"}"#.into()))
                .await
                .is_err()
            {
                return;
            }
            let Some(Ok(Message::Text(subscribe))) = ws.next().await else {
                return;
            };
            if subscribe.contains(r#""query":"publish""#) {
                while let Some(Ok(message)) = ws.next().await {
                    if let Message::Text(text) = message {
                        let frame: Utf8Bytes =
                            format!(r#"{{"id":"1","type":"next","payload":{}}}"#, text.as_str())
                                .into();
                        let _ = tx.send(frame);
                    }
                }
                return;
            }
            let mut events = tx.subscribe();
            loop {
                tokio::select! {
                    frame = events.recv() => match frame {
                        Ok(frame) => {
                            if ws.send(Message::Text(frame)).await.is_err() {
                                return;
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    incoming = ws.next() => match incoming {
                        Some(Ok(_)) => {}
                        _ => return,
                    },
                }
            }
        });
    }
}

/// Accepts the handshake naming graphql-transport-ws, as the server does.
#[allow(clippy::result_large_err)]
fn with_protocol(
    _: &tokio_tungstenite::tungstenite::handshake::server::Request,
    mut response: tokio_tungstenite::tungstenite::handshake::server::Response,
) -> Result<
    tokio_tungstenite::tungstenite::handshake::server::Response,
    tokio_tungstenite::tungstenite::handshake::server::ErrorResponse,
> {
    response.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    Ok(response)
}
