//! The event log and replay: events are rows first, numbered per topic in commit order.
//!
//! Invariants:
//! - Every replayable topic numbers its rows 1, 2, 3, … (`seq`) in the order their transactions
//!   committed, with no gaps: the write path ([`super::outbox::Write`]) takes the numbers from
//!   the topic's counter row just before it commits, and the counter's row lock holds any other
//!   writer of that topic until then. A row numbered `n` is therefore visible only after every
//!   row numbered below `n` is. An inbox row that changes state (a removal) is numbered again the
//!   same way and leaves its old number empty; readers read past an empty number (a gap read
//!   finds the rows after it), so they never wait for it.
//! - The cursor of an event is its `seq`. A subscriber, live or replaying, delivers `last + 1`
//!   next; a live event further ahead means something committed before it has not reached this
//!   subscriber yet (its publish is still on the way, or was lost), so the subscriber reads the
//!   gap back from the database, where it already is, before going on. Nothing is skipped and
//!   nothing is delivered twice, whatever the order in which writers' publishes arrive, and no
//!   instance's clock takes part.
//! - Delivery never waits for a writer: an open transaction holds back only other writers of the
//!   same topic (bounded by the sequencing lock timeout), never readers.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream::BoxStream};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value as Json;
use uuid::Uuid;

use super::{Delivery, EventBus, Topic};
use crate::{
    error::{AppError, AppResult},
    graphql::pagination::{decode_cursor, encode_cursor},
};
use entity::event;

/// Rows replayed per database round trip.
pub const REPLAY_BATCH: u64 = 200;

/// A stored event as it travels on the bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoggedEvent {
    /// The event id.
    pub id: Uuid,
    /// Position in its topic (commit order): the subscription cursor.
    pub seq: i64,
    /// Event kind within the topic.
    pub kind: String,
    /// Event body.
    pub payload: serde_json::Value,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl LoggedEvent {
    /// The subscription cursor of this event.
    pub fn cursor(&self) -> String {
        seq_cursor(self.seq)
    }
}

impl From<event::Model> for LoggedEvent {
    fn from(model: event::Model) -> Self {
        LoggedEvent {
            id: model.id,
            seq: model.seq,
            kind: model.kind,
            payload: model.payload,
            created_at: model.created_at,
        }
    }
}

/// The opaque cursor of position `seq`.
pub fn seq_cursor(seq: i64) -> String {
    encode_cursor(&[Json::from(seq)])
}

/// Where a subscription starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// After this position of the topic (0: from the beginning).
    Seq(i64),
    /// After this row, named by id: a cursor from before positions existed (a bare UUID), or a
    /// connection cursor that carries an id only.
    Id(Uuid),
}

/// Parses a subscription's `after`: a cursor this server gave (opaque), or a bare row id as
/// earlier versions gave out; the nil UUID means from the beginning.
pub fn parse_cursor(field: &str, raw: &str) -> AppResult<Cursor> {
    if let Ok(id) = Uuid::parse_str(raw) {
        return Ok(if id.is_nil() {
            Cursor::Seq(0)
        } else {
            Cursor::Id(id)
        });
    }
    let values = decode_cursor(field, raw)?;
    match values.first() {
        Some(Json::Number(n)) => n
            .as_i64()
            .filter(|n| *n >= 0)
            .map(Cursor::Seq)
            .ok_or_else(|| AppError::bad_input(field, "is not a valid cursor")),
        Some(Json::String(id)) => Uuid::parse_str(id)
            .map(Cursor::Id)
            .map_err(|_| AppError::bad_input(field, "is not a valid cursor")),
        _ => Err(AppError::bad_input(field, "is not a valid cursor")),
    }
}

/// Up to [`REPLAY_BATCH`] events of the topic `topic_key` after position `after`, in order.
pub async fn rows_after(
    db: &DatabaseConnection,
    topic_key: &str,
    after: i64,
) -> AppResult<Vec<LoggedEvent>> {
    let rows = event::Entity::find()
        .filter(event::Column::Topic.eq(topic_key))
        .filter(event::Column::Seq.gt(after))
        .order_by_asc(event::Column::Seq)
        .limit(REPLAY_BATCH)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The last position of an event-log topic (0 when it has none).
pub async fn topic_head(db: &DatabaseConnection, topic_key: &str) -> AppResult<i64> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT last FROM topic_sequence WHERE topic = $1",
        _ => "SELECT last FROM topic_sequence WHERE topic = ?",
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [topic_key.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "last")?,
        None => 0,
    })
}

/// A stored, ordered record that a subscription can replay: rows numbered in commit order that
/// travel on the bus as JSON.
pub trait Replayable: DeserializeOwned + Send + 'static {
    /// The row's position in its topic.
    fn seq(&self) -> i64;
}

impl Replayable for LoggedEvent {
    fn seq(&self) -> i64 {
        self.seq
    }
}

/// One batch read by a replay.
pub struct ReplayBatch<R> {
    /// The rows to deliver, in order (a source may leave some out).
    pub rows: Vec<R>,
    /// The last position read, delivered or not: the next batch starts after it.
    pub read_to: Option<i64>,
    /// Whether the source may hold more rows after `read_to`.
    pub more: bool,
}

impl<R: Replayable> ReplayBatch<R> {
    /// A batch of everything read (`more` when the batch was full).
    pub fn all(rows: Vec<R>) -> ReplayBatch<R> {
        ReplayBatch {
            read_to: rows.last().map(Replayable::seq),
            more: rows.len() as u64 == REPLAY_BATCH,
            rows,
        }
    }
}

/// Where a replay reads the rows it missed.
pub trait ReplaySource: Send + 'static {
    /// The rows.
    type Row: Replayable;
    /// The next batch after position `after` (read [`REPLAY_BATCH`] at a time), in order.
    fn rows_after(
        &self,
        db: &DatabaseConnection,
        after: i64,
    ) -> impl std::future::Future<Output = AppResult<ReplayBatch<Self::Row>>> + Send;
    /// The last position committed so far (where a subscription without a cursor starts).
    fn head(
        &self,
        db: &DatabaseConnection,
    ) -> impl std::future::Future<Output = AppResult<i64>> + Send;
    /// The position of the row `id` of this topic, if there is one.
    fn seq_of(
        &self,
        db: &DatabaseConnection,
        id: Uuid,
    ) -> impl std::future::Future<Output = AppResult<Option<i64>>> + Send;
}

/// The event log of one topic.
pub struct TopicLog(pub String);

impl ReplaySource for TopicLog {
    type Row = LoggedEvent;

    async fn rows_after(
        &self,
        db: &DatabaseConnection,
        after: i64,
    ) -> AppResult<ReplayBatch<LoggedEvent>> {
        Ok(ReplayBatch::all(rows_after(db, &self.0, after).await?))
    }

    async fn head(&self, db: &DatabaseConnection) -> AppResult<i64> {
        topic_head(db, &self.0).await
    }

    async fn seq_of(&self, db: &DatabaseConnection, id: Uuid) -> AppResult<Option<i64>> {
        Ok(event::Entity::find_by_id(id)
            .filter(event::Column::Topic.eq(&self.0))
            .select_only()
            .column(event::Column::Seq)
            .into_tuple::<i64>()
            .one(db)
            .await?)
    }
}

/// The events of `topic` after `after` from the log, then live from the bus. See
/// [`replay_rows_then_live`].
pub async fn replay_then_live(
    db: DatabaseConnection,
    bus: &EventBus,
    topic: Topic,
    after: Option<Cursor>,
) -> AppResult<BoxStream<'static, AppResult<LoggedEvent>>> {
    let source = TopicLog(topic.key());
    replay_rows_then_live(db, bus, topic, source, after).await
}

/// The rows of `source` after `after`, then live ones from `topic`, in commit order with no gap
/// and no duplicate (see the module's invariants). The live subscription is opened before the
/// starting position is read, so nothing committed in between is missed. A cursor naming a row
/// this topic does not have is `BAD_USER_INPUT` on `after`.
pub async fn replay_rows_then_live<S: ReplaySource>(
    db: DatabaseConnection,
    bus: &EventBus,
    topic: Topic,
    source: S,
    after: Option<Cursor>,
) -> AppResult<BoxStream<'static, AppResult<S::Row>>> {
    let live = bus.subscribe(&topic).await;
    let (last, catching_up) = match after {
        // Without a cursor there is nothing to replay: start with what commits from now on.
        None => (source.head(&db).await?, false),
        Some(Cursor::Seq(seq)) => (seq, true),
        Some(Cursor::Id(id)) => match source.seq_of(&db, id).await? {
            Some(seq) => (seq, true),
            None => {
                return Err(AppError::bad_input(
                    "after",
                    "names no event of this subscription: resubscribe without `after`",
                ));
            }
        },
    };
    let state = ReplayState {
        db,
        source,
        live,
        last,
        catching_up,
        pending: VecDeque::new(),
    };
    Ok(futures_util::stream::unfold(state, |mut state| async move {
        let item = state.next().await?;
        Some((item, state))
    })
    .boxed())
}

struct ReplayState<S: ReplaySource> {
    db: DatabaseConnection,
    source: S,
    live: super::Subscription,
    /// The last position delivered (or read past).
    last: i64,
    catching_up: bool,
    pending: VecDeque<S::Row>,
}

impl<S: ReplaySource> ReplayState<S> {
    async fn next(&mut self) -> Option<AppResult<S::Row>> {
        loop {
            if let Some(row) = self.pending.pop_front() {
                self.last = self.last.max(row.seq());
                return Some(Ok(row));
            }
            if self.catching_up {
                // Boxed while it runs: the stream lives as long as the subscription, and an
                // idle one should not carry a database read's state.
                match Box::pin(self.source.rows_after(&self.db, self.last)).await {
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
                    // Already delivered (or read past by a replay).
                    Ok(row) if row.seq() <= self.last => {}
                    Ok(row) if row.seq() == self.last + 1 => self.pending.push_back(row),
                    // Something that committed before it has not arrived yet: it is in the
                    // database already, so read the gap (and this row) back from there.
                    Ok(_) => {
                        self.live.note_gap();
                        self.catching_up = true;
                    }
                    Err(err) => tracing::warn!(error = %err, "undecodable event on the bus"),
                },
                Delivery::Lagged(_) | Delivery::Resync => self.catching_up = true,
            }
        }
    }
}
