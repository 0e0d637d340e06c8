//! The event log: events are rows first. A service appends the event in the transaction that
//! makes the change and publishes the stored row after commit; subscribers that reconnect with a
//! cursor, lag behind, or lived through a Redis outage replay the rows they missed.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream::BoxStream};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

use super::{Delivery, EventBus, Topic};
use crate::error::{AppError, AppResult};
use entity::event;

/// Rows replayed per database round trip.
pub const REPLAY_BATCH: u64 = 200;

/// A stored event as it travels on the bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoggedEvent {
    /// The event id; also the subscription cursor.
    pub id: Uuid,
    /// Event kind within the topic.
    pub kind: String,
    /// Event body.
    pub payload: serde_json::Value,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl From<event::Model> for LoggedEvent {
    fn from(model: event::Model) -> Self {
        LoggedEvent {
            id: model.id,
            kind: model.kind,
            payload: model.payload,
            created_at: model.created_at,
        }
    }
}

/// Writes an event row inside the caller's transaction. Producers call it through the write
/// path ([`super::outbox::Write::event`]), which publishes the row once the transaction commits.
pub async fn append<C: ConnectionTrait>(
    conn: &C,
    topic: &Topic,
    kind: &str,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<LoggedEvent> {
    let model = event::ActiveModel {
        id: Set(Uuid::now_v7()),
        topic: Set(topic.key()),
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        created_at: Set(now),
    };
    let model = event::Entity::insert(model)
        .exec_with_returning(conn)
        .await?;
    Ok(model.into())
}

/// Parses a subscription cursor (an event id).
pub fn parse_cursor(field: &str, cursor: &str) -> AppResult<Uuid> {
    Uuid::parse_str(cursor).map_err(|_| AppError::bad_input(field, "not a valid cursor"))
}

/// Up to [`REPLAY_BATCH`] events of the topic `topic_key` after `after`, in id order.
pub async fn rows_after(
    db: &DatabaseConnection,
    topic_key: &str,
    after: Uuid,
) -> AppResult<Vec<LoggedEvent>> {
    let rows = event::Entity::find()
        .filter(event::Column::Topic.eq(topic_key))
        .filter(event::Column::Id.gt(after))
        .order_by_asc(event::Column::Id)
        .limit(REPLAY_BATCH)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A stored, ordered record that a subscription can replay: rows with UUID v7 ids that travel
/// on the bus as JSON.
pub trait Replayable: DeserializeOwned + Send + 'static {
    /// The row's id (also its cursor).
    fn id(&self) -> Uuid;
}

impl Replayable for LoggedEvent {
    fn id(&self) -> Uuid {
        self.id
    }
}

/// One batch read by a replay.
pub struct ReplayBatch<R> {
    /// The rows to deliver, in id order (a source may leave some out).
    pub rows: Vec<R>,
    /// The last id read, delivered or not: the next batch starts after it.
    pub read_to: Option<Uuid>,
    /// Whether the source may hold more rows after `read_to`.
    pub more: bool,
}

impl<R: Replayable> ReplayBatch<R> {
    /// A batch of everything read (`more` when the batch was full).
    pub fn all(rows: Vec<R>) -> ReplayBatch<R> {
        ReplayBatch {
            read_to: rows.last().map(Replayable::id),
            more: rows.len() as u64 == REPLAY_BATCH,
            rows,
        }
    }
}

/// Where a replay reads the rows it missed.
pub trait ReplaySource: Send + 'static {
    /// The rows.
    type Row: Replayable;
    /// The next batch after `after` (read [`REPLAY_BATCH`] at a time), in id order.
    fn rows_after(
        &self,
        db: &DatabaseConnection,
        after: Uuid,
    ) -> impl std::future::Future<Output = AppResult<ReplayBatch<Self::Row>>> + Send;
}

/// The event log of one topic.
struct TopicLog(String);

impl ReplaySource for TopicLog {
    type Row = LoggedEvent;

    async fn rows_after(
        &self,
        db: &DatabaseConnection,
        after: Uuid,
    ) -> AppResult<ReplayBatch<LoggedEvent>> {
        Ok(ReplayBatch::all(rows_after(db, &self.0, after).await?))
    }
}

/// The events of `topic` after `after` from the log, then live from the bus. See
/// [`replay_rows_then_live`].
pub async fn replay_then_live(
    db: DatabaseConnection,
    bus: &EventBus,
    topic: Topic,
    after: Option<Uuid>,
) -> BoxStream<'static, AppResult<LoggedEvent>> {
    let source = TopicLog(topic.key());
    replay_rows_then_live(db, bus, topic, source, after).await
}

/// The rows of `source` after `after`, then live ones from `topic`, in id order with no gap and
/// no duplicate: the live subscription is opened before the replay starts, live rows already
/// replayed are skipped, and whenever the bus reports a gap (lag or reconnect) the source is read
/// again from the last row delivered.
pub async fn replay_rows_then_live<S: ReplaySource>(
    db: DatabaseConnection,
    bus: &EventBus,
    topic: Topic,
    source: S,
    after: Option<Uuid>,
) -> BoxStream<'static, AppResult<S::Row>> {
    let live = bus.subscribe(&topic).await;
    let state = ReplayState {
        db,
        source,
        live,
        // Without a cursor there is nothing to replay: start with what is written from now on.
        last: after.unwrap_or_else(Uuid::now_v7),
        catching_up: after.is_some(),
        pending: VecDeque::new(),
    };
    futures_util::stream::unfold(state, |mut state| async move {
        let item = state.next().await?;
        Some((item, state))
    })
    .boxed()
}

struct ReplayState<S: ReplaySource> {
    db: DatabaseConnection,
    source: S,
    live: super::Subscription,
    last: Uuid,
    catching_up: bool,
    pending: VecDeque<S::Row>,
}

impl<S: ReplaySource> ReplayState<S> {
    async fn next(&mut self) -> Option<AppResult<S::Row>> {
        loop {
            if let Some(row) = self.pending.pop_front() {
                self.last = self.last.max(row.id());
                return Some(Ok(row));
            }
            if self.catching_up {
                match self.source.rows_after(&self.db, self.last).await {
                    Ok(batch) => {
                        self.catching_up = batch.more;
                        if let Some(read_to) = batch.read_to {
                            self.last = self.last.max(read_to);
                        }
                        self.pending.extend(batch.rows);
                        continue;
                    }
                    Err(err) => return Some(Err(err)),
                }
            }
            match self.live.next().await? {
                Delivery::Event(json) => match serde_json::from_str::<S::Row>(&json) {
                    Ok(row) if row.id() > self.last => self.pending.push_back(row),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "undecodable event on the bus"),
                },
                Delivery::Lagged(_) | Delivery::Resync => self.catching_up = true,
            }
        }
    }
}
