//! The one write path: a unit of work that runs a domain's changes in a transaction, collects
//! the events they produce, and publishes them only after the commit.
//!
//! ```ignore
//! let mut write = Write::begin(state).await?;
//! notice::Entity::insert(model).exec(write.txn()).await?;
//! write.event(Topic::Notices, "NOTICE_PUBLISHED", payload).await?;   // event row + publish
//! Notifier::notify(&mut write, &recipients, &draft).await?;          // rows + feed events
//! write.commit().await?;                                             // commit, then publish
//! ```
//!
//! Invariants:
//! - Nothing reaches the bus unless the transaction committed; dropping a `Write` without
//!   committing rolls back and publishes nothing.
//! - Every replayable topic's events are rows written in the same transaction (the event log via
//!   [`Write::event`], or a domain table that is the topic's record, such as the inbox, via
//!   [`Write::publish_row`]); only state topics whose subscribers re-read the current state get a
//!   bare [`Write::signal`].
//! - Events go out in the order they were queued.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde::Serialize;

use super::{
    Topic,
    log::{self, LoggedEvent},
};
use crate::{
    app::AppState,
    error::{AppError, AppResult},
};

/// The payload of a [`Write::signal`]: "this topic's state changed, read it again".
pub const CHANGED: &str = r#"{"changed":true}"#;

/// A unit of work: one transaction and the events waiting for its commit.
pub struct Write<'a> {
    state: &'a AppState,
    txn: DatabaseTransaction,
    now: DateTime<Utc>,
    queued: Vec<(Topic, String)>,
}

impl<'a> Write<'a> {
    /// Opens a transaction on the state's database.
    pub async fn begin(state: &'a AppState) -> AppResult<Write<'a>> {
        Ok(Write {
            state,
            txn: state.db.begin().await?,
            now: state.clock.now(),
            queued: Vec::new(),
        })
    }

    /// The transaction, for the domain's own statements.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The application state.
    pub fn state(&self) -> &'a AppState {
        self.state
    }

    /// The time of this unit of work (read once from the clock when it began), so every row it
    /// writes carries the same instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Appends an event to `topic`'s log in this transaction and queues it for publication.
    pub async fn event(
        &mut self,
        topic: Topic,
        kind: &str,
        payload: serde_json::Value,
    ) -> AppResult<LoggedEvent> {
        let event = log::append(&self.txn, &topic, kind, payload, self.now).await?;
        self.publish_row(topic, &event)?;
        Ok(event)
    }

    /// Queues `row` for publication on `topic`: a row this transaction wrote to the table that is
    /// the topic's record (replays read that table).
    pub fn publish_row<T: Serialize>(&mut self, topic: Topic, row: &T) -> AppResult<()> {
        let json = serde_json::to_string(row).map_err(AppError::internal)?;
        self.queued.push((topic, json));
        Ok(())
    }

    /// Queues a "changed" signal on a state topic (no row: its subscribers read the current
    /// state again when they get it).
    pub fn signal(&mut self, topic: Topic) {
        self.queued.push((topic, CHANGED.to_owned()));
    }

    /// Queues word that the access of `users` changed (residencies, staff records, roles,
    /// status): every instance's subscription scopes for them are dropped after the commit.
    pub fn access_changed(&mut self, users: &[uuid::Uuid]) -> AppResult<()> {
        let change = crate::auth::scope::AccessChanged {
            users: Some(users.to_vec()),
            ..Default::default()
        };
        self.publish_row(Topic::Access, &change)
    }

    /// Commits, then publishes every queued event (in one round trip on Redis). Bus failures are
    /// logged, never returned: the rows are the record and subscribers replay them.
    pub async fn commit(self) -> AppResult<()> {
        self.txn.commit().await?;
        if !self.queued.is_empty() {
            self.state.bus.publish_json(self.queued).await;
        }
        Ok(())
    }
}
