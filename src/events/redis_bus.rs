//! The Redis side of the bus: one publisher connection (auto-reconnecting) and one pub/sub
//! connection per process, driven by a task that reconnects and resubscribes by itself.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::{
    BusHealth,
    hub::{Hub, HubMessage},
};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

enum Command {
    Subscribe(String, oneshot::Sender<()>),
    Unsubscribe(String),
}

pub(crate) struct RedisBackend {
    publisher: ConnectionManager,
    commands: mpsc::UnboundedSender<Command>,
    connected: Arc<AtomicBool>,
}

impl RedisBackend {
    pub(crate) async fn connect(
        url: &str,
        hub: Arc<Hub>,
        shutdown: CancellationToken,
    ) -> Result<RedisBackend, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(2);
        let publisher = client.get_connection_manager_with_config(config).await?;
        let pubsub = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub())
            .await
            .map_err(|_| {
                redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
            })??;
        let (commands, receiver) = mpsc::unbounded_channel();
        let connected = Arc::new(AtomicBool::new(true));
        tokio::spawn(
            Subscriber {
                client,
                hub,
                commands: receiver,
                connected: connected.clone(),
                shutdown,
            }
            .run(pubsub),
        );
        Ok(RedisBackend {
            publisher,
            commands,
            connected,
        })
    }

    pub(crate) async fn publish_many(
        &self,
        messages: Vec<(String, String)>,
    ) -> redis::RedisResult<()> {
        let mut conn = self.publisher.clone();
        let mut pipe = redis::pipe();
        for (channel, json) in messages {
            pipe.cmd("PUBLISH").arg(channel).arg(json).ignore();
        }
        match tokio::time::timeout(COMMAND_TIMEOUT * 5, pipe.query_async::<()>(&mut conn)).await {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into()),
        }
    }

    pub(crate) async fn subscribe(&self, channel: &str) {
        let (done, confirmed) = oneshot::channel();
        if self
            .commands
            .send(Command::Subscribe(channel.to_owned(), done))
            .is_ok()
        {
            // Bounded: a subscription that is not confirmed in time is still made on reconnect.
            let _ = tokio::time::timeout(COMMAND_TIMEOUT, confirmed).await;
        }
    }

    pub(crate) fn unsubscribe(&self, channel: &str) {
        let _ = self.commands.send(Command::Unsubscribe(channel.to_owned()));
    }

    pub(crate) async fn health(&self) -> BusHealth {
        if !self.connected.load(Ordering::Acquire) {
            return BusHealth::Degraded("Redis subscription connection is down".to_owned());
        }
        let mut conn = self.publisher.clone();
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut conn);
        match tokio::time::timeout(COMMAND_TIMEOUT, ping).await {
            Ok(Ok(_)) => BusHealth::Up,
            Ok(Err(err)) => BusHealth::Degraded(format!("Redis does not answer: {err}")),
            Err(_) => BusHealth::Degraded("Redis did not answer in time".to_owned()),
        }
    }
}

struct Subscriber {
    client: redis::Client,
    hub: Arc<Hub>,
    commands: mpsc::UnboundedReceiver<Command>,
    connected: Arc<AtomicBool>,
    shutdown: CancellationToken,
}

impl Subscriber {
    async fn run(mut self, first: redis::aio::PubSub) {
        let mut pubsub = Some(first);
        let mut backoff = Duration::from_millis(100);
        loop {
            let connection = match pubsub.take() {
                Some(connection) => Some(connection),
                None => {
                    let attempt =
                        tokio::time::timeout(CONNECT_TIMEOUT, self.client.get_async_pubsub());
                    match attempt.await {
                        Ok(Ok(connection)) => Some(connection),
                        _ => None,
                    }
                }
            };
            let Some(connection) = connection else {
                // Keep answering subscription requests while Redis is away: they will be
                // made upstream when it comes back.
                let wait = tokio::time::sleep(backoff);
                tokio::pin!(wait);
                loop {
                    tokio::select! {
                        () = &mut wait => break,
                        () = self.shutdown.cancelled() => return,
                        command = self.commands.recv() => match command {
                            Some(Command::Subscribe(_, done)) => { let _ = done.send(()); }
                            Some(Command::Unsubscribe(_)) => {}
                            None => return,
                        },
                    }
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            };
            let reconnected = !self.connected.swap(true, Ordering::AcqRel);
            backoff = Duration::from_millis(100);
            match self.serve(connection, reconnected).await {
                Exit::Shutdown => return,
                Exit::ConnectionLost => {
                    self.connected.store(false, Ordering::Release);
                    tracing::warn!("Redis pub/sub connection lost; reconnecting");
                }
            }
        }
    }

    async fn serve(&mut self, connection: redis::aio::PubSub, reconnected: bool) -> Exit {
        let (mut sink, mut stream) = connection.split();
        let wanted = self.hub.channels();
        if !wanted.is_empty() && sink.subscribe(&wanted).await.is_err() {
            return Exit::ConnectionLost;
        }
        if reconnected {
            tracing::info!(
                topics = wanted.len(),
                "Redis pub/sub reconnected; subscribers told to resync"
            );
            self.hub.deliver_all(HubMessage::Resync);
        }
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => return Exit::Shutdown,
                message = stream.next() => {
                    let Some(message) = message else { return Exit::ConnectionLost };
                    match message.get_payload::<String>() {
                        Ok(json) => self.hub.deliver(
                            message.get_channel_name(),
                            HubMessage::Event(Arc::from(json)),
                        ),
                        Err(err) => tracing::warn!(error = %err, "undecodable Redis message"),
                    }
                }
                command = self.commands.recv() => match command {
                    None => return Exit::Shutdown,
                    Some(Command::Subscribe(channel, done)) => {
                        if self.hub.is_wanted(&channel) && sink.subscribe(&channel).await.is_err() {
                            return Exit::ConnectionLost;
                        }
                        let _ = done.send(());
                    }
                    Some(Command::Unsubscribe(channel)) => {
                        if !self.hub.is_wanted(&channel) && sink.unsubscribe(&channel).await.is_err() {
                            return Exit::ConnectionLost;
                        }
                    }
                },
            }
        }
    }
}

enum Exit {
    Shutdown,
    ConnectionLost,
}
