//! Rules of the system domain.

use futures_util::{StreamExt, stream::BoxStream};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::Viewer,
    error::{AppError, AppResult},
    events::{
        Topic,
        log::{self, LoggedEvent},
        outbox::Write,
    },
};

/// Longest ping message, in characters.
pub const MAX_PING_MESSAGE: usize = 200;

/// Event kind of a ping in the log.
const PING_KIND: &str = "PING";

/// A ping as stored and delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingBody {
    /// The message.
    pub message: String,
    /// Who sent it.
    pub sender_id: Uuid,
}

/// A delivered ping with its log entry.
#[derive(Clone, Debug)]
pub struct Ping {
    /// The log entry (id, time).
    pub event: LoggedEvent,
    /// The ping itself.
    pub body: PingBody,
}

impl TryFrom<LoggedEvent> for Ping {
    type Error = AppError;

    fn try_from(event: LoggedEvent) -> AppResult<Ping> {
        let body = serde_json::from_value(event.payload.clone()).map_err(AppError::internal)?;
        Ok(Ping { event, body })
    }
}

/// A validated ping message.
pub struct PingMessage(String);

impl PingMessage {
    /// Trims and checks a message; `field` names it in errors.
    pub fn parse(field: &str, raw: &str) -> AppResult<PingMessage> {
        let message = crate::graphql::text::text(field, raw, MAX_PING_MESSAGE)?;
        Ok(PingMessage(message))
    }
}

/// The system service.
pub struct SystemService<'a> {
    state: &'a AppState,
}

impl<'a> SystemService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        SystemService { state }
    }

    /// Logs a ping and publishes it to every instance.
    pub async fn ping(&self, viewer: &Viewer, message: PingMessage) -> AppResult<Ping> {
        let user = viewer.require_user()?;
        let body = PingBody {
            message: message.0,
            sender_id: user.id,
        };
        let payload = serde_json::to_value(&body).map_err(AppError::internal)?;
        let mut write = Write::begin(self.state).await?;
        write.event(Topic::Ping, PING_KIND, payload);
        let event = write
            .commit()
            .await?
            .events
            .pop()
            .ok_or_else(|| AppError::internal("the ping was not logged"))?;
        Ok(Ping { event, body })
    }

    /// Pings after `after` (a cursor from an earlier ping), then live ones.
    pub async fn pings(
        &self,
        after: Option<log::Cursor>,
    ) -> AppResult<BoxStream<'static, AppResult<Ping>>> {
        Ok(
            log::replay_then_live(self.state.db.clone(), &self.state.bus, Topic::Ping, after)
                .await?
                .map(|event| event.and_then(Ping::try_from))
                .boxed(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_messages_are_trimmed_and_bounded() {
        assert_eq!(PingMessage::parse("m", "  hi ").unwrap().0, "hi");
        assert!(PingMessage::parse("m", "   ").is_err());
        assert!(PingMessage::parse("m", &"x".repeat(201)).is_err());
        assert!(PingMessage::parse("m", &"é".repeat(200)).is_ok());
    }
}
