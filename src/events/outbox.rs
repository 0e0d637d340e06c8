//! The one write path: a unit of work that runs a domain's changes in a transaction, collects
//! the events they produce, numbers them in commit order, and publishes them after the commit.
//!
//! ```ignore
//! let mut write = Write::begin(state).await?;
//! notice::Entity::insert(model).exec(write.txn()).await?;
//! Notifier::notify(&mut write, recipients, &draft).await?;           // inbox rows, queued
//! write.event(Topic::Notices, "NOTICE_PUBLISHED", payload);          // event-log row, queued
//! write.commit().await?;                    // number, insert, commit, then publish
//! ```
//!
//! Invariants:
//! - Nothing reaches the bus unless the transaction committed; dropping a `Write` without
//!   committing rolls back and publishes nothing.
//! - Every replayable topic's events are rows written in the same transaction: event-log rows
//!   ([`Write::event`]) and inbox rows ([`Write::notify_rows`]; existing rows whose state changed,
//!   such as a removal, through [`Write::move_rows`]). Their positions (`seq`) are taken
//!   at the very end, just before the commit, from each topic's counter row: first the users'
//!   feeds, then the shared topics, each in sorted order, so writers never deadlock and the
//!   counters' row locks make positions follow commit order with no gaps (see
//!   [`super::log`]). A writer waits for an earlier writer of the same topic at most the
//!   sequencing lock timeout; the wait is counted in the metrics.
//! - State topics whose subscribers re-read the current state get a bare [`Write::signal`];
//!   access changes get [`Write::access_changed`]. Neither is replayable nor numbered.
//! - An access change also raises the named users' access version (`user_account.access_version`)
//!   in the transaction itself, so every instance sees it on the user's next request even before
//!   the bus delivers the change (see [`crate::auth::scope::ScopeCache::shared`]).
//! - Events go out in the order they were queued; a feed's positions are given in that order too,
//!   so every feed publishes in position order.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, Statement};
use serde::Serialize;
use uuid::Uuid;

use super::{Topic, log::LoggedEvent};
use crate::{
    app::AppState,
    error::{AppError, AppResult},
    notifications::types::NotificationRow,
};
use entity::{event, notification};

/// The payload of a [`Write::signal`]: "this topic's state changed, read it again".
pub const CHANGED: &str = r#"{"changed":true}"#;
/// Rows inserted per statement.
const INSERT_CHUNK: usize = 1000;
/// Counters taken per statement.
const COUNTER_CHUNK: usize = 1000;
/// How long a write waits for an earlier writer of the same topic before giving up (PostgreSQL).
const SEQUENCING_LOCK_TIMEOUT: &str = "10s";

enum Queued {
    Event(usize),
    Notification(usize),
    Moved(usize),
    Raw(Topic, String),
}

/// A unit of work: one transaction and the events waiting for its commit.
pub struct Write<'a> {
    state: &'a AppState,
    txn: DatabaseTransaction,
    now: DateTime<Utc>,
    events: Vec<(Topic, LoggedEvent)>,
    notifications: Vec<NotificationRow>,
    moved: Vec<NotificationRow>,
    order: Vec<Queued>,
    /// Users whose access version goes up at commit (`None`: everyone's).
    access: Option<Vec<Uuid>>,
    /// Users whose unread notification count changed other than by the rows queued here.
    reads: Vec<Uuid>,
}

/// What a committed write produced.
pub struct Committed {
    /// The event-log rows written, with their positions, in the order they were queued.
    pub events: Vec<LoggedEvent>,
}

impl<'a> Write<'a> {
    /// Opens a transaction on the state's database.
    pub async fn begin(state: &'a AppState) -> AppResult<Write<'a>> {
        Ok(Write {
            state,
            txn: crate::db::begin_write(&state.db).await?,
            now: state.clock.now(),
            events: Vec::new(),
            notifications: Vec::new(),
            moved: Vec::new(),
            order: Vec::new(),
            access: Some(Vec::new()),
            reads: Vec::new(),
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

    /// Queues an event on `topic`'s log: its row is written (numbered) at commit, in this
    /// transaction, and published after it.
    pub fn event(&mut self, topic: Topic, kind: &str, payload: serde_json::Value) {
        let event = LoggedEvent {
            id: Uuid::now_v7(),
            seq: 0,
            kind: kind.to_owned(),
            payload,
            created_at: self.now,
        };
        self.order.push(Queued::Event(self.events.len()));
        self.events.push((topic, event));
    }

    /// Queues inbox rows (the notifier's): written (numbered per recipient) at commit, in this
    /// transaction, and each published on its recipient's feed after it.
    pub fn notify_rows(&mut self, rows: Vec<NotificationRow>) {
        for row in rows {
            self.order
                .push(Queued::Notification(self.notifications.len()));
            self.notifications.push(row);
        }
    }

    /// Queues inbox rows that exist already and changed state in this transaction (a removal):
    /// at commit each moves to a new position in its recipient's feed, taken like a new row's,
    /// and is published there after it. The old position is left empty, so a replay from before
    /// it meets the row once, in its new state.
    pub fn move_rows(&mut self, rows: Vec<NotificationRow>) {
        for row in rows {
            self.order.push(Queued::Moved(self.moved.len()));
            self.moved.push(row);
        }
    }

    /// Queues word that `users`' unread notification counts changed (marked read) for
    /// [`Topic::ViewerReads`]. Inbox rows queued through [`Write::notify_rows`] and
    /// [`Write::move_rows`] name their users themselves.
    pub fn unread_changed(&mut self, users: &[Uuid]) {
        self.reads.extend_from_slice(users);
    }

    /// Queues a "changed" signal on a state topic (no row: its subscribers read the current
    /// state again when they get it).
    pub fn signal(&mut self, topic: Topic) {
        self.order.push(Queued::Raw(topic, CHANGED.to_owned()));
    }

    /// Queues a message with a body on a state topic (no row, not replayable): its subscribers
    /// read what the body names again when they get it.
    pub fn signal_with(&mut self, topic: Topic, body: &serde_json::Value) {
        self.order.push(Queued::Raw(topic, body.to_string()));
    }

    /// Queues word that the access of `users` changed (residencies, staff records, roles,
    /// status): every instance's subscription scopes for them are dropped after the commit.
    pub fn access_changed(&mut self, users: &[Uuid]) -> AppResult<()> {
        self.access_change(&crate::auth::scope::AccessChanged {
            users: Some(users.to_vec()),
            ..Default::default()
        })
    }

    /// Queues an access change as given: one that also ends users' or sessions' open
    /// connections (signing out, disabling, new roles or password) on every instance.
    pub fn access_change(&mut self, change: &crate::auth::scope::AccessChanged) -> AppResult<()> {
        let json = serde_json::to_string(change).map_err(AppError::internal)?;
        self.order.push(Queued::Raw(Topic::Access, json));
        match (&mut self.access, &change.users) {
            (Some(users), Some(named)) => {
                users.extend(named.iter().chain(&change.end_users).copied());
            }
            (access, None) => *access = None,
            (None, Some(_)) => {}
        }
        Ok(())
    }

    /// Raises the access version of the users whose access changed in this write.
    async fn raise_access_versions(&mut self) -> Result<(), sea_orm::DbErr> {
        use sea_orm::{
            ColumnTrait, QueryFilter,
            sea_query::{Expr, ExprTrait},
        };
        let version = sea_orm::sea_query::Alias::new("access_version");
        let update = entity::user::Entity::update_many()
            .col_expr(version.clone(), Expr::col(version).add(1));
        match &mut self.access {
            Some(users) if users.is_empty() => return Ok(()),
            Some(users) => {
                users.sort_unstable();
                users.dedup();
                update
                    .filter(entity::user::Column::Id.is_in(users.iter().copied()))
                    .exec(&self.txn)
                    .await?;
            }
            None => {
                update.exec(&self.txn).await?;
            }
        }
        Ok(())
    }

    /// Numbers and writes the queued rows, commits, then publishes every queued event (in one
    /// round trip on Redis). Bus failures are logged, never returned: the rows are the record
    /// and subscribers replay them.
    pub async fn commit(mut self) -> AppResult<Committed> {
        // Before the feed counters: a write that changed a user's row holds it first too, so
        // writers take user rows, then counters, in one order.
        self.raise_access_versions().await?;
        let started = std::time::Instant::now();
        if !self.notifications.is_empty() || !self.moved.is_empty() || !self.events.is_empty() {
            if self.txn.get_database_backend() == DbBackend::Postgres {
                self.txn
                    .execute_unprepared(&format!(
                        "SET LOCAL lock_timeout = '{SEQUENCING_LOCK_TIMEOUT}'"
                    ))
                    .await?;
            }
            let sequenced = self.sequence().await;
            self.state.metrics.sequencing_waited(started.elapsed());
            if let Err(err) = sequenced {
                if is_lock_timeout(&err) {
                    self.state.metrics.sequencing_timed_out();
                }
                return Err(err.into());
            }
        }
        self.txn.commit().await?;
        let mut out = Vec::with_capacity(self.order.len());
        for queued in self.order {
            out.push(match queued {
                Queued::Event(i) => {
                    let (topic, event) = &self.events[i];
                    (topic.clone(), json(event)?)
                }
                Queued::Notification(i) => {
                    let row = &self.notifications[i];
                    (Topic::UserFeed(row.user_id), json(row)?)
                }
                Queued::Moved(i) => {
                    let row = &self.moved[i];
                    (Topic::UserFeed(row.user_id), json(row)?)
                }
                Queued::Raw(topic, json) => (topic, json),
            });
        }
        if let Some(reads) = reads_changed(&self.notifications, &self.moved, self.reads)? {
            out.push((Topic::ViewerReads, reads));
        }
        // This instance's kept token checks follow the change before its caller hears of the
        // commit; other instances' follow when the bus delivers it.
        for (topic, json) in &out {
            self.state.token_checks.apply(topic, json);
        }
        if !out.is_empty() {
            self.state.bus.publish_json(out).await;
        }
        Ok(Committed {
            events: self.events.into_iter().map(|(_, e)| e).collect(),
        })
    }

    /// Takes the positions (feeds first, then shared topics, each sorted) and inserts the rows.
    async fn sequence(&mut self) -> Result<(), sea_orm::DbErr> {
        let backend = self.txn.get_database_backend();
        if !self.notifications.is_empty() || !self.moved.is_empty() {
            let mut counts: BTreeMap<Uuid, i64> = BTreeMap::new();
            for row in self.notifications.iter().chain(&self.moved) {
                *counts.entry(row.user_id).or_default() += 1;
            }
            let mut next: HashMap<Uuid, i64> = HashMap::with_capacity(counts.len());
            let counts: Vec<(Uuid, i64)> = counts.into_iter().collect();
            // PostgreSQL takes every counter in one statement (the keys travel as one JSON
            // parameter); SQLite binds two values a key, so it goes a chunk at a time.
            let chunk_size = match backend {
                DbBackend::Postgres => counts.len().max(1),
                _ => COUNTER_CHUNK,
            };
            for chunk in counts.chunks(chunk_size) {
                let taken = take_counters(
                    &self.txn,
                    backend,
                    "feed_sequence",
                    "user_id",
                    chunk.iter().map(|(u, n)| ((*u).into(), *n)),
                )
                .await?;
                // RETURNING promises no order: match rows by key.
                let asked: HashMap<Uuid, i64> = chunk.iter().copied().collect();
                for row in taken {
                    let user: Uuid = row.try_get("", "user_id")?;
                    let last: i64 = row.try_get("", "last")?;
                    let n = asked.get(&user).copied().unwrap_or(1);
                    next.insert(user, last - n + 1);
                }
            }
            // In the order queued, which is the order of publication.
            for queued in &self.order {
                let row = match queued {
                    Queued::Notification(i) => &mut self.notifications[*i],
                    Queued::Moved(i) => &mut self.moved[*i],
                    Queued::Event(_) | Queued::Raw(..) => continue,
                };
                let seq = next.get_mut(&row.user_id).ok_or_else(|| {
                    sea_orm::DbErr::Custom("a feed counter was not taken".to_owned())
                })?;
                row.seq = *seq;
                *seq += 1;
            }
            if self.notifications.is_empty() {
                // Only moved rows.
            } else if backend == DbBackend::Postgres {
                insert_notifications_pg(&self.txn, &self.notifications).await?;
            } else {
                for chunk in self.notifications.chunks(INSERT_CHUNK) {
                    notification::Entity::insert_many(
                        chunk.iter().map(notification::ActiveModel::from),
                    )
                    .exec_without_returning(&self.txn)
                    .await?;
                }
            }
            if !self.moved.is_empty() {
                renumber_notifications(&self.txn, backend, &self.moved).await?;
            }
        }
        if !self.events.is_empty() {
            let mut counts: BTreeMap<String, i64> = BTreeMap::new();
            for (topic, _) in &self.events {
                *counts.entry(topic.key()).or_default() += 1;
            }
            let mut next: HashMap<String, i64> = HashMap::with_capacity(counts.len());
            for (key, n) in counts {
                let taken = take_counters(
                    &self.txn,
                    backend,
                    "topic_sequence",
                    "topic",
                    std::iter::once((key.clone().into(), n)),
                )
                .await?;
                let last: i64 = taken
                    .first()
                    .ok_or_else(|| sea_orm::DbErr::Custom("no topic counter".to_owned()))?
                    .try_get("", "last")?;
                next.insert(key, last - n + 1);
            }
            for (topic, event) in &mut self.events {
                let seq = next.get_mut(&topic.key()).ok_or_else(|| {
                    sea_orm::DbErr::Custom("a topic counter was not taken".to_owned())
                })?;
                event.seq = *seq;
                *seq += 1;
            }
            event::Entity::insert_many(self.events.iter().map(|(topic, e)| event::ActiveModel {
                id: sea_orm::ActiveValue::Set(e.id),
                topic: sea_orm::ActiveValue::Set(topic.key()),
                seq: sea_orm::ActiveValue::Set(e.seq),
                kind: sea_orm::ActiveValue::Set(e.kind.clone()),
                payload: sea_orm::ActiveValue::Set(e.payload.clone()),
                created_at: sea_orm::ActiveValue::Set(e.created_at),
            }))
            .exec_without_returning(&self.txn)
            .await?;
        }
        Ok(())
    }
}

/// Users named at most by one [`Topic::ViewerReads`] message; a write that reaches more names
/// everyone (an estate-wide notice).
const MAX_NAMED_READERS: usize = 1000;

/// The [`Topic::ViewerReads`] message of a write whose inbox rows (new or moved) and marked
/// reads concern the users found in them; `None` when there are none.
fn reads_changed(
    notifications: &[NotificationRow],
    moved: &[NotificationRow],
    marked: Vec<Uuid>,
) -> AppResult<Option<String>> {
    let mut users = marked;
    users.extend(notifications.iter().chain(moved).map(|row| row.user_id));
    if users.is_empty() {
        return Ok(None);
    }
    users.sort_unstable();
    users.dedup();
    let change = crate::auth::token_cache::ReadsChanged {
        users: (users.len() <= MAX_NAMED_READERS).then_some(users),
    };
    serde_json::to_string(&change)
        .map(Some)
        .map_err(AppError::internal)
}

/// Writes inbox rows on PostgreSQL in one statement: the rows travel as one JSON parameter
/// (binding twelve parameters a row, a thousand rows a statement, costs more than the insert).
async fn insert_notifications_pg(
    txn: &DatabaseTransaction,
    rows: &[NotificationRow],
) -> Result<(), sea_orm::DbErr> {
    let json = serde_json::to_value(rows).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO notification (id, user_id, seq, category, priority, kind, title, text, \
         subject_type, subject_id, created_at, read_at) \
         SELECT id, user_id, seq, category, priority, kind, title, text, subject_type, \
         subject_id, created_at, read_at FROM json_to_recordset($1::json) AS r(id uuid, \
         user_id uuid, seq bigint, category text, priority text, kind text, title text, \
         text text, subject_type text, subject_id uuid, created_at timestamptz, \
         read_at timestamptz)",
        [json.into()],
    ))
    .await?;
    Ok(())
}

/// Gives existing inbox rows their new positions: one statement on PostgreSQL (the pairs as one
/// JSON parameter), a statement per [`INSERT_CHUNK`] rows on SQLite.
async fn renumber_notifications(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    rows: &[NotificationRow],
) -> Result<(), sea_orm::DbErr> {
    if backend == DbBackend::Postgres {
        let pairs: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| serde_json::json!({ "id": r.id, "seq": r.seq }))
            .collect();
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE notification SET seq = r.seq \
             FROM json_to_recordset($1::json) AS r(id uuid, seq bigint) \
             WHERE notification.id = r.id",
            [serde_json::Value::Array(pairs).into()],
        ))
        .await?;
        return Ok(());
    }
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 2);
        for row in chunk {
            values.push(row.id.into());
            values.push(row.seq.into());
        }
        let sql = format!(
            "WITH r(id, seq) AS (VALUES {}) \
             UPDATE notification SET seq = (SELECT r.seq FROM r WHERE r.id = notification.id) \
             WHERE id IN (SELECT id FROM r)",
            vec!["(?, ?)"; chunk.len()].join(", ")
        );
        txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// Adds `n` to each key's counter (creating it at `n`) and returns the new values: one
/// statement whose row locks last until the commit, taken in key order.
async fn take_counters(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    table: &str,
    key: &str,
    items: impl Iterator<Item = (sea_orm::Value, i64)>,
) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
    if backend == DbBackend::Postgres {
        // One JSON parameter instead of two bound values a key; the keys are already sorted.
        let pairs: Vec<serde_json::Value> = items
            .map(|(k, n)| serde_json::json!([value_text(&k), n]))
            .collect();
        let cast = if key == "user_id" { "uuid" } else { "text" };
        let sql = format!(
            "INSERT INTO {table} ({key}, last) \
             SELECT (e->>0)::{cast}, (e->>1)::bigint FROM json_array_elements($1::json) \
             WITH ORDINALITY AS t(e, i) ORDER BY i \
             ON CONFLICT ({key}) DO UPDATE SET last = {table}.last + excluded.last \
             RETURNING {key}, last"
        );
        return txn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [serde_json::Value::Array(pairs).into()],
            ))
            .await;
    }
    let mut values = Vec::new();
    let mut rows = Vec::new();
    for (i, (k, n)) in items.enumerate() {
        rows.push(match backend {
            DbBackend::Postgres => format!("(${}, ${})", 2 * i + 1, 2 * i + 2),
            _ => "(?, ?)".to_owned(),
        });
        values.push(k);
        values.push(n.into());
    }
    let sql = format!(
        "INSERT INTO {table} ({key}, last) VALUES {} \
         ON CONFLICT ({key}) DO UPDATE SET last = {table}.last + excluded.last \
         RETURNING {key}, last",
        rows.join(", ")
    );
    txn.query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
}

fn value_text(value: &sea_orm::Value) -> String {
    match value {
        sea_orm::Value::Uuid(Some(u)) => u.to_string(),
        sea_orm::Value::String(Some(s)) => s.to_string(),
        other => format!("{other:?}"),
    }
}

fn is_lock_timeout(err: &sea_orm::DbErr) -> bool {
    err.to_string().contains("lock timeout")
}

fn json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}
