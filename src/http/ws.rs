//! GraphQL subscriptions over WebSocket, speaking graphql-transport-ws exactly as the
//! `graphql-ws` client expects it:
//!
//! | situation                                   | close code |
//! |---------------------------------------------|------------|
//! | message that is not a valid protocol message| 4400       |
//! | `subscribe` before `connection_ack`          | 4401       |
//! | token in `connection_init` rejected          | 4403       |
//! | a credential under a key other than `Authorization` | 4403 |
//! | the user's access ended (see below)          | 4403       |
//! | sub-protocol other than graphql-transport-ws | 4406       |
//! | no `connection_init` within the timeout      | 4408       |
//! | `subscribe` with an id already in use        | 4409       |
//! | a second `connection_init`                   | 4429       |
//! | the user already holds `--ws-max-sockets-per-user` sockets | 4430 |
//! | server shutting down                         | 1001       |
//!
//! `connection_init` carries the access token as `{"Authorization": "Bearer <token>"}` (the key
//! in any case); an empty or absent payload makes an anonymous socket. A payload that carries
//! something credential-like under another key (`token`, `accessToken`, `authToken`, `jwt`,
//! `headers`, …) is refused with 4403 rather than served anonymously; other keys are ignored.
//!
//! Identity stays current for the life of the socket: the token of `connection_init` is checked
//! again (signature, expiry, session, the user's status and roles) for every `subscribe`, and
//! when an access change names the user (through the bus, on every instance). The socket is
//! closed with 4403 when the user is disabled, their roles or password change, the session is
//! signed out or revoked, or the access token expires (checked at each server ping). To keep a
//! socket open past the token's expiry, the client re-authenticates by sending a `ping` whose
//! payload carries a fresh token of the same user, `{"type":"ping","payload":{"Authorization":
//! "Bearer <new token>"}}`; a token that does not verify, or names another user, closes 4403.
//! An operation past `--ws-max-subscriptions` running on the socket gets an `error` message (the
//! socket stays open). Queries and mutations run under the HTTP request timeout (`TIMEOUT` in an
//! `error` message), and a result larger than `--max-response-bytes` is replaced by an error.
//!
//! The server pings on an interval; the client's pongs need no answer. One task per connection
//! drives every subscription of that connection, so a slow socket only slows itself.

mod shared;

use std::{collections::HashMap, net::IpAddr, sync::Arc, time::Instant};

use async_graphql::Variables;
use axum::{
    extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
    http::HeaderMap,
    response::Response,
};
use futures_util::{StreamExt, stream::BoxStream};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio_stream::StreamMap;

use super::{
    HttpContext,
    graphql::request_id,
    limits::SocketSlot,
    response::{finish_errors, response_json, shape_data, too_large_error},
};
use crate::{
    app::AppState,
    auth::{Viewer, bearer_token, scope::AccessChanged, tokens::Claims},
    domains::identity::{graphql::ClientAddr, service::IdentityService},
    error::{ErrorCode, set_code},
    graphql::context::LazyLoaders,
    graphql::guardrails::{RequestInfo, Transport},
    graphql::shared::{ResumeAfter, SharedProbe},
    metrics::OperationKind,
};

/// The sub-protocol spoken.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// Read buffer per socket. tungstenite allocates it up front and fills it with zeros before its
/// first read, so every open socket keeps all of it resident: its default (128 KiB) alone made an
/// idle subscriber cost ~150 KiB, and 4 KiB was still a third of one. Clients send little: a
/// `connection_init` with its token, `subscribe` documents, pings. A larger message still arrives
/// whole (tungstenite grows the buffer to the frame's length, up to the message limit), in reads
/// of this size.
const READ_BUFFER: usize = 1024;
/// Outgoing messages are written as they are sent (each send is flushed anyway).
const WRITE_BUFFER: usize = 0;
/// Cap on what may queue up for a socket whose writes keep failing.
const MAX_WRITE_BUFFER: usize = 1024 * 1024;

/// Longest close reason a control frame can carry.
const MAX_CLOSE_REASON: usize = 123;

/// Messages a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        /// May carry a fresh token (`Authorization`) to re-authenticate.
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[expect(
            dead_code,
            reason = "the protocol allows a payload; the server ignores it"
        )]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribePayload {
    query: String,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Map<String, Value>>,
}

/// Accepts the upgrade; the connection runs as a tracked task so shutdown can close it cleanly.
pub(super) fn upgrade(
    ctx: HttpContext,
    upgrade: WebSocketUpgrade,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> Response {
    let offered: Vec<String> = headers
        .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    // A client that names no sub-protocol is served graphql-transport-ws; one that names only
    // others is told so with 4406.
    let supported = offered.is_empty() || offered.iter().any(|p| p == PROTOCOL);
    let request_id = request_id(headers);
    let max = ctx.state.config.max_body_bytes;
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| {
            let sockets = ctx.sockets.clone();
            sockets.track_future(async move {
                let access = ctx.state.scopes.changes();
                let connection = Connection {
                    socket,
                    access,
                    session: None,
                    ctx,
                    request_id,
                    client,
                    viewer: Viewer::Anonymous,
                    init_received: false,
                    acked: false,
                    subscriptions: StreamMap::new(),
                    running: HashMap::new(),
                    slot: None,
                };
                connection.run(supported).await;
            })
        })
}

pub(crate) use shared::SharedGroups;

enum Item {
    Response(Box<async_graphql::Response>),
    /// A shared group's payload for this operation.
    Shared(Arc<str>),
    /// The operation leaves its shared group and goes on alone from here.
    Resume(Box<shared::Resume>),
    /// A query or mutation ran past the request timeout.
    TimedOut,
    End,
}

struct Connection {
    socket: WebSocket,
    /// Access changes on this instance (from every instance, through the bus).
    access: tokio::sync::broadcast::Receiver<Arc<AccessChanged>>,
    /// The signed-in user's token and its claims; `None` for an anonymous socket.
    session: Option<(String, Claims)>,
    ctx: HttpContext,
    request_id: Arc<str>,
    client: Option<IpAddr>,
    viewer: Viewer,
    init_received: bool,
    acked: bool,
    subscriptions: StreamMap<String, BoxStream<'static, Item>>,
    running: HashMap<String, (Instant, Arc<RequestInfo>)>,
    /// This socket's place among its user's open sockets.
    slot: Option<SocketSlot>,
}

/// What to do after handling a message.
enum Flow {
    Continue,
    Close(u16, String),
}

impl Connection {
    async fn run(mut self, supported: bool) {
        let metrics = self.ctx.state.metrics.clone();
        metrics.websocket_opened();
        if supported {
            self.serve().await;
        } else {
            self.close(4406, "Subprotocol not acceptable").await;
        }
        for (_, (started, info)) in self.running.drain() {
            metrics.record_operation(info.kind(), started.elapsed());
        }
        metrics.websocket_closed();
    }

    /// The connection's loop. The task lives as long as the socket and its future is as large
    /// as its largest state, so what handles a message (token checks, database reads, sending)
    /// is boxed while it runs: an idle socket keeps only the `select!` below.
    async fn serve(&mut self) {
        let config = self.ctx.state.config.clone();
        let shutdown = self.ctx.shutdown.clone();
        let init_deadline = tokio::time::sleep(config.ws_init_timeout);
        tokio::pin!(init_deadline);
        let mut pings = tokio::time::interval_at(
            tokio::time::Instant::now() + config.ws_ping_interval,
            config.ws_ping_interval,
        );
        loop {
            let flow = tokio::select! {
                () = shutdown.cancelled() => Flow::Close(1001, "Server shutting down".to_owned()),
                () = &mut init_deadline, if !self.init_received => {
                    Flow::Close(4408, "Connection initialisation timeout".to_owned())
                }
                message = self.socket.recv() => match message {
                    None | Some(Err(_)) => return,
                    Some(Ok(Message::Close(_))) => {
                        // Complete the close handshake: the answering close frame, which the
                        // socket has queued, goes out before the connection is dropped.
                        let _ = futures_util::SinkExt::flush(&mut self.socket).await;
                        return;
                    }
                    Some(Ok(Message::Text(text))) => Box::pin(self.on_text(&text)).await,
                    Some(Ok(Message::Binary(_))) => {
                        Flow::Close(4400, "Binary messages are not part of the protocol".to_owned())
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Flow::Continue,
                },
                Some((id, item)) = self.subscriptions.next(), if !self.subscriptions.is_empty() => {
                    Box::pin(self.on_item(id, item)).await
                }
                change = self.access.recv(), if self.session.is_some() => {
                    Box::pin(self.on_access_change(change)).await
                }
                _ = pings.tick() => match self.expired() {
                    Some(flow) => flow,
                    None => self.send(json!({ "type": "ping" })).await,
                },
            };
            if let Flow::Close(code, reason) = flow {
                Box::pin(self.close(code, &reason)).await;
                return;
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Flow {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(err) => return Flow::Close(4400, format!("Invalid message received: {err}")),
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.init_received {
                    return Flow::Close(4429, "Too many initialisation requests".to_owned());
                }
                self.init_received = true;
                let state = self.ctx.state.clone();
                match state.in_turn(|| authenticate(&state, payload)).await {
                    Ok(Some((viewer, token, claims))) => {
                        self.viewer = viewer;
                        self.session = Some((token, claims));
                    }
                    Ok(None) => self.viewer = Viewer::Anonymous,
                    Err(flow) => return flow,
                }
                if let Viewer::User(user) = &self.viewer {
                    let max = state.config.ws_max_sockets_per_user;
                    match self.ctx.user_sockets.acquire(user.id, max) {
                        Some(slot) => self.slot = Some(slot),
                        None => {
                            return Flow::Close(
                                4430,
                                format!("Too many open sockets for this user (limit {max})"),
                            );
                        }
                    }
                }
                self.acked = true;
                self.send(json!({ "type": "connection_ack" })).await
            }
            ClientMessage::Ping { payload } => {
                if let Some(flow) = Box::pin(self.reauthenticate(payload)).await {
                    return flow;
                }
                self.send(json!({ "type": "pong" })).await
            }
            ClientMessage::Pong { .. } => Flow::Continue,
            ClientMessage::Subscribe { id, payload } => {
                if !self.acked {
                    return Flow::Close(4401, "Unauthorized".to_owned());
                }
                if self.running.contains_key(&id) {
                    return Flow::Close(4409, format!("Subscriber for {id} already exists"));
                }
                // Every operation runs as the user is now, not as they were at init. Boxed after
                // the turn: a socket queued for it holds no database future.
                let state = self.ctx.state.clone();
                if let Some(flow) = state.in_turn(|| self.refresh_viewer()).await {
                    return flow;
                }
                let max = self.ctx.state.config.ws_max_subscriptions;
                if self.running.len() >= max {
                    let mut err = async_graphql::ServerError::new(
                        format!("this socket already runs {max} operations; complete one first"),
                        None,
                    );
                    set_code(&mut err, ErrorCode::RateLimited);
                    self.ctx.state.metrics.record_error(ErrorCode::RateLimited);
                    return self
                        .send(json!({ "id": id, "type": "error", "payload": [err] }))
                        .await;
                }
                self.subscribe(id, payload);
                Flow::Continue
            }
            ClientMessage::Complete { id } => {
                self.subscriptions.remove(&id);
                self.finish(&id);
                Flow::Continue
            }
        }
    }
}

/// Parts of key names that mark a credential a client meant to send (compared without case,
/// `-` or `_`): a payload carrying one under any key but `Authorization` is refused rather than
/// silently served anonymously.
const CREDENTIAL_HINTS: [&str; 10] = [
    "token",
    "auth",
    "bearer",
    "jwt",
    "credential",
    "session",
    "password",
    "secret",
    "cookie",
    "headers",
];

/// Whether `key` looks like it carries a credential the server does not read.
fn unrecognised_credential(key: &str) -> bool {
    let folded: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    folded != "authorization" && CREDENTIAL_HINTS.iter().any(|hint| folded.contains(hint))
}

/// The token in a payload's `Authorization` entry: `Ok(None)` without one, `Err` when the
/// payload or the value is malformed, or a credential arrives under another key.
fn token_in(payload: Option<Value>) -> Result<Option<String>, Flow> {
    let payload = match payload {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(Flow::Close(4400, "payload must be an object".to_owned()));
        }
    };
    if let Some(key) = payload.keys().find(|key| unrecognised_credential(key)) {
        return Err(Flow::Close(
            4403,
            format!(
                "Unrecognised credential key {:?}; send {{\"Authorization\": \"Bearer <token>\"}}",
                truncate(key, 32)
            ),
        ));
    }
    let value = payload
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value);
    let Some(value) = value else {
        return Ok(None);
    };
    value
        .as_str()
        .and_then(bearer_token)
        .map(|token| Some(token.to_owned()))
        .ok_or_else(forbidden)
}

fn forbidden() -> Flow {
    Flow::Close(4403, "Forbidden".to_owned())
}

/// The viewer named by the `connection_init` payload's `Authorization` entry, with its token
/// and claims (`None`: anonymous).
async fn authenticate(
    state: &AppState,
    payload: Option<Value>,
) -> Result<Option<(Viewer, String, Claims)>, Flow> {
    let Some(token) = token_in(payload)? else {
        return Ok(None);
    };
    let (viewer, claims) = IdentityService::new(state)
        .verify_token(&token)
        .await
        .map_err(|_| forbidden())?;
    Ok(Some((viewer, token, claims)))
}

impl Connection {
    /// Checks the socket's token again and loads the viewer as the user is now; a close when
    /// the token expired, its session was revoked or the user was disabled.
    async fn refresh_viewer(&mut self) -> Option<Flow> {
        let (token, _) = self.session.as_ref()?;
        match IdentityService::new(&self.ctx.state)
            .verify_token(token)
            .await
        {
            Ok((viewer, _)) => {
                self.viewer = viewer;
                None
            }
            Err(_) => Some(forbidden()),
        }
    }

    /// A close when the socket's token has expired (judged by the server's clock).
    fn expired(&self) -> Option<Flow> {
        let (_, claims) = self.session.as_ref()?;
        let now = self.ctx.state.clock.now().timestamp();
        (now > claims
            .exp
            .saturating_add(crate::auth::tokens::LEEWAY.num_seconds()))
        .then(|| Flow::Close(4403, "Token expired".to_owned()))
    }

    /// Handles an access change received from the bus.
    async fn on_access_change(
        &mut self,
        change: Result<Arc<AccessChanged>, tokio::sync::broadcast::error::RecvError>,
    ) -> Flow {
        let Some((_, claims)) = &self.session else {
            return Flow::Continue;
        };
        let (user, sid) = (claims.sub, claims.sid);
        let recheck = match change {
            Ok(change) if change.ends(user, sid) => return forbidden(),
            Ok(change) => change.concerns(user),
            // Missed changes: check again.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                return Flow::Close(1011, "Access changes unavailable".to_owned());
            }
        };
        if recheck && let Some(flow) = self.refresh_viewer().await {
            return flow;
        }
        Flow::Continue
    }

    /// Re-authentication: a `ping` whose payload carries a fresh token of the same user
    /// replaces the socket's token. A close when it does not verify or names another user.
    async fn reauthenticate(&mut self, payload: Option<Value>) -> Option<Flow> {
        let token = match token_in(payload) {
            Ok(Some(token)) => token,
            Ok(None) => return None,
            Err(flow) => return Some(flow),
        };
        if !self.acked {
            return Some(Flow::Close(4401, "Unauthorized".to_owned()));
        }
        let (viewer, claims) = match IdentityService::new(&self.ctx.state)
            .verify_token(&token)
            .await
        {
            Ok(verified) => verified,
            Err(_) => return Some(forbidden()),
        };
        match &self.session {
            Some((_, current)) if current.sub == claims.sub => {
                self.viewer = viewer;
                self.session = Some((token, claims));
                None
            }
            // An anonymous socket cannot become a user's, nor one user's socket another's.
            _ => Some(forbidden()),
        }
    }
}

impl Connection {
    fn subscribe(&mut self, id: String, payload: SubscribePayload) {
        let info = RequestInfo::new(
            Transport::WebSocket,
            Arc::from(format!("{}/{id}", self.request_id)),
            payload.operation_name.clone(),
        );
        let shareable =
            crate::graphql::shared::shareable(&payload.query, payload.operation_name.as_deref());
        let stream = match shareable {
            // Served by a shared group once a probe with this socket's viewer passes.
            Some(field) => {
                let key = Arc::new(shared::GroupKey::new(
                    payload.query,
                    payload.operation_name,
                    payload.variables,
                ));
                let probe = self.request(&info, &key).data(SharedProbe);
                let user = match &self.viewer {
                    Viewer::User(user) => Some(user.id),
                    Viewer::Anonymous => None,
                };
                shared::member_stream(self.ctx.clone(), field, key, probe, user)
            }
            None => {
                let key =
                    shared::GroupKey::new(payload.query, payload.operation_name, payload.variables);
                let request = self.request(&info, &key);
                self.execution(request, &info)
            }
        };
        self.running.insert(id.clone(), (Instant::now(), info));
        self.subscriptions.insert(id, stream);
    }

    /// The operation `key` names, as this socket's viewer runs it.
    fn request(&self, info: &Arc<RequestInfo>, key: &shared::GroupKey) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(key.query.clone())
            .data(self.viewer.clone())
            .data(info.clone())
            .data(ClientAddr(self.client))
            .data(LazyLoaders::default());
        if let Some(name) = &key.operation_name {
            request = request.operation_name(name.clone());
        }
        if let Some(variables) = &key.variables {
            request = request.variables(Variables::from_json(Value::Object(variables.clone())));
        }
        request
    }

    /// The items of `request` run on its own.
    fn execution(
        &self,
        request: async_graphql::Request,
        info: &Arc<RequestInfo>,
    ) -> BoxStream<'static, Item> {
        // Queries and mutations get the HTTP request timeout; subscriptions run until completed.
        let timeout = self.ctx.state.config.request_timeout;
        let timed_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let deadline = {
            let info = info.clone();
            let timed_out = timed_out.clone();
            async move {
                tokio::time::sleep(timeout).await;
                if info.kind() == OperationKind::Subscription {
                    std::future::pending::<()>().await;
                }
                timed_out.store(true, std::sync::atomic::Ordering::Release);
            }
        };
        self.ctx
            .schema
            .execute_stream(request)
            .map(|response| Item::Response(Box::new(response)))
            .take_until(deadline)
            .chain(futures_util::stream::once(async move {
                if timed_out.load(std::sync::atomic::Ordering::Acquire) {
                    Item::TimedOut
                } else {
                    Item::End
                }
            }))
            .boxed()
    }

    async fn on_item(&mut self, id: String, item: Item) -> Flow {
        let Some((_, info)) = self.running.get(&id) else {
            return Flow::Continue;
        };
        let info = info.clone();
        match item {
            Item::Shared(payload) => {
                let id = Value::String(id).to_string();
                self.send_text(format!(
                    r#"{{"id":{id},"type":"next","payload":{payload}}}"#
                ))
                .await
            }
            Item::Resume(resume) => {
                // The same operation, alone, after the last event its group handled for it.
                let info = RequestInfo::new(
                    Transport::WebSocket,
                    info.request_id.clone(),
                    resume.key.operation_name.clone(),
                );
                let request = self
                    .request(&info, &resume.key)
                    .data(ResumeAfter(resume.after));
                let stream = self.execution(request, &info);
                if let Some(running) = self.running.get_mut(&id) {
                    running.1 = info;
                }
                self.subscriptions.insert(id, stream);
                Flow::Continue
            }
            Item::Response(mut response) => {
                finish_errors(&mut response.errors, &info, &self.ctx.state.metrics);
                if info.accepted() {
                    shape_data(&self.ctx.shape, &info, &mut response);
                    let limit = self.ctx.state.config.max_response_bytes;
                    // Serialised once: the size check measures the text that is sent.
                    let mut payload = response_json(&response, true).to_string();
                    if payload.len() > limit {
                        self.ctx
                            .state
                            .metrics
                            .record_error(ErrorCode::QueryTooComplex);
                        payload = json!({ "errors": [too_large_error(limit)] }).to_string();
                    }
                    let id = Value::String(id).to_string();
                    self.send_text(format!(
                        r#"{{"id":{id},"type":"next","payload":{payload}}}"#
                    ))
                    .await
                } else {
                    // Refused before execution: `error` ends the operation, no `complete` follows.
                    self.subscriptions.remove(&id);
                    self.finish(&id);
                    let errors =
                        serde_json::to_value(&response.errors).unwrap_or_else(|_| json!([]));
                    self.send(json!({ "id": id, "type": "error", "payload": errors }))
                        .await
                }
            }
            Item::TimedOut => {
                self.subscriptions.remove(&id);
                self.finish(&id);
                let timeout = self.ctx.state.config.request_timeout;
                let mut err = async_graphql::ServerError::new(
                    format!(
                        "the operation did not finish within {} s",
                        timeout.as_secs()
                    ),
                    None,
                );
                set_code(&mut err, ErrorCode::Timeout);
                self.ctx.state.metrics.record_error(ErrorCode::Timeout);
                self.send(json!({ "id": id, "type": "error", "payload": [err] }))
                    .await
            }
            Item::End => {
                self.finish(&id);
                self.send(json!({ "id": id, "type": "complete" })).await
            }
        }
    }

    fn finish(&mut self, id: &str) {
        if let Some((started, info)) = self.running.remove(id) {
            self.ctx
                .state
                .metrics
                .record_operation(info.kind(), started.elapsed());
        }
    }

    async fn send(&mut self, message: Value) -> Flow {
        self.send_text(message.to_string()).await
    }

    async fn send_text(&mut self, text: String) -> Flow {
        match self.socket.send(Message::Text(Utf8Bytes::from(text))).await {
            Ok(()) => Flow::Continue,
            // The peer is gone; nothing more can be said to it.
            Err(_) => Flow::Close(1006, String::new()),
        }
    }

    async fn close(&mut self, code: u16, reason: &str) {
        if code == 1006 {
            return;
        }
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from(truncate(reason, MAX_CLOSE_REASON)),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
        // Give the peer a moment to answer the close handshake.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), async {
            while let Some(Ok(message)) = self.socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

/// `s` cut to at most `max` bytes on a character boundary.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn credential_keys_other_than_authorization_are_recognised() {
        for key in [
            "token",
            "accessToken",
            "access_token",
            "authToken",
            "AUTH",
            "jwt",
            "headers",
            "x-session-id",
            "Bearer",
        ] {
            assert!(super::unrecognised_credential(key), "{key}");
        }
        for key in ["Authorization", "authorization", "locale", "clientVersion"] {
            assert!(!super::unrecognised_credential(key), "{key}");
        }
    }

    #[test]
    fn close_reasons_fit_a_control_frame() {
        let long = "é".repeat(100);
        let cut = super::truncate(&long, super::MAX_CLOSE_REASON);
        assert!(cut.len() <= super::MAX_CLOSE_REASON);
        assert!(long.starts_with(&cut));
    }
}
