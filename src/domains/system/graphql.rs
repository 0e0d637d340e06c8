//! GraphQL surface of the system domain: `serverInfo`, `ping`, `pings`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::service::{Ping as PingRecord, PingMessage, SystemService};
use crate::{config::DatabaseConfig, events::log::parse_cursor, graphql::ContextExt};

/// Which database engine the server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum DatabaseEngine {
    /// The embedded SQLite file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Which event bus carries live events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum EventBusKind {
    /// Inside this process only.
    InProcess,
    /// Redis pub/sub, shared by every instance.
    Redis,
}

/// What this server runs.
#[derive(SimpleObject)]
pub struct ServerInfo {
    /// The server's version.
    version: String,
    /// The database engine.
    database: DatabaseEngine,
    /// The event bus.
    event_bus: EventBusKind,
}

/// A diagnostic ping.
#[derive(SimpleObject)]
pub struct Ping {
    /// The ping's id (its event-log id).
    id: ID,
    /// The message.
    message: String,
    /// Id of the user who sent it.
    sender_id: ID,
    /// When it was sent.
    sent_at: DateTime<Utc>,
}

impl From<PingRecord> for Ping {
    fn from(ping: PingRecord) -> Self {
        Ping {
            id: ID(ping.event.id.to_string()),
            message: ping.body.message,
            sender_id: ID(ping.body.sender_id.to_string()),
            sent_at: ping.event.created_at,
        }
    }
}

/// A ping delivered on the `pings` subscription.
#[derive(SimpleObject)]
pub struct PingEvent {
    /// Pass as `after` when resubscribing to receive only what came later.
    cursor: String,
    /// The ping.
    ping: Ping,
}

/// Input of `ping`.
#[derive(InputObject)]
pub struct PingInput {
    /// The message, 1–200 characters.
    message: String,
}

/// Result of `ping`.
#[derive(SimpleObject)]
pub struct PingPayload {
    /// The ping as sent.
    ping: Ping,
}

/// System queries.
#[derive(Default)]
pub struct SystemQuery;

#[Object]
impl SystemQuery {
    /// What this server runs on.
    async fn server_info(&self, ctx: &Context<'_>) -> ServerInfo {
        let state = ctx.state();
        ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database: match state.config.database {
                DatabaseConfig::Sqlite(_) => DatabaseEngine::Sqlite,
                DatabaseConfig::Postgres(_) => DatabaseEngine::Postgres,
            },
            event_bus: match state.bus.kind() {
                "redis" => EventBusKind::Redis,
                _ => EventBusKind::InProcess,
            },
        }
    }
}

/// System mutations.
#[derive(Default)]
pub struct SystemMutation;

#[Object]
impl SystemMutation {
    /// Sends a ping to every `pings` subscriber on every instance. Requires a signed-in user.
    async fn ping(
        &self,
        ctx: &Context<'_>,
        input: PingInput,
    ) -> async_graphql::Result<PingPayload> {
        let message = PingMessage::parse("input.message", &input.message)?;
        let ping = SystemService::new(ctx.state())
            .ping(ctx.viewer(), message)
            .await?;
        Ok(PingPayload { ping: ping.into() })
    }
}

/// System subscriptions.
#[derive(Default)]
pub struct SystemSubscription;

#[Subscription]
impl SystemSubscription {
    /// Pings as they are sent. With `after` (a cursor from an earlier event) the pings sent since
    /// then are replayed first, in order, without gap or duplicate.
    async fn pings(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<PingEvent>> + use<>> {
        let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
        let stream = SystemService::new(ctx.state()).pings(after).await?;
        Ok(stream.map(|ping| {
            let ping = ping?;
            Ok(PingEvent {
                cursor: ping.event.cursor(),
                ping: ping.into(),
            })
        }))
    }
}
