//! The notifier every domain calls inside its unit of work: recipients and a draft in, inbox rows
//! written in batches, one feed event per row queued for after the commit; and the removal of a
//! subject's notifications when its producer takes the subject back.

use std::collections::BTreeSet;

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use super::types::{NotificationCategory, NotificationPriority, NotificationRow, SubjectRef};
use crate::{
    error::AppResult,
    events::{
        log::{REPLAY_BATCH, ReplayBatch, ReplaySource},
        outbox::Write,
    },
};
use entity::{notification, notification_mute};

/// Longest title kept, in characters (the column's size).
pub const MAX_TITLE: usize = 200;
/// Longest text kept, in characters (the column's size).
pub const MAX_TEXT: usize = 300;

/// What to tell the recipients.
#[derive(Clone, Debug)]
pub struct Draft {
    /// Which part of the service it comes from (mutes are per category).
    pub category: NotificationCategory,
    /// How urgent; `EMERGENCY` ignores mutes.
    pub priority: NotificationPriority,
    /// The producing domain's own kind (e.g. the notice kind).
    pub kind: String,
    /// Title (cut to [`MAX_TITLE`] characters).
    pub title: String,
    /// Short text (cut to [`MAX_TEXT`] characters).
    pub text: String,
    /// What it is about.
    pub subject: SubjectRef,
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Writes notifications.
pub struct Notifier;

impl Notifier {
    /// Writes one notification per recipient (duplicates ignored; users who muted the category
    /// left out unless the draft is an emergency) in `write`'s transaction, numbered per
    /// recipient in commit order, and queues each on its recipient's feed for after the commit.
    /// Returns how many notifications it queued (their positions are taken at commit).
    pub async fn notify(
        write: &mut Write<'_>,
        recipients: impl IntoIterator<Item = Uuid>,
        draft: &Draft,
    ) -> AppResult<usize> {
        let mut users: BTreeSet<Uuid> = recipients.into_iter().collect();
        if users.is_empty() {
            return Ok(0);
        }
        if draft.priority != NotificationPriority::Emergency {
            // Mutes are few: reading every muter of the category beats an IN list of thousands.
            let muted: Vec<Uuid> = notification_mute::Entity::find()
                .select_only()
                .column(notification_mute::Column::UserId)
                .filter(notification_mute::Column::Category.eq(draft.category.as_str()))
                .into_tuple()
                .all(write.txn())
                .await?;
            for id in muted {
                users.remove(&id);
            }
        }
        let now = write.now();
        let (title, text) = (cut(&draft.title, MAX_TITLE), cut(&draft.text, MAX_TEXT));
        let rows: Vec<NotificationRow> = users
            .into_iter()
            .map(|user_id| NotificationRow {
                id: Uuid::now_v7(),
                user_id,
                seq: 0,
                category: draft.category.as_str().to_owned(),
                priority: draft.priority.as_str().to_owned(),
                kind: draft.kind.clone(),
                title: title.clone(),
                text: text.clone(),
                subject_type: draft.subject.kind.to_owned(),
                subject_id: draft.subject.id,
                created_at: now,
                read_at: None,
                removed_at: None,
            })
            .collect();
        // Written and numbered per recipient when the write commits (see `Write::commit`).
        let written = rows.len();
        write.notify_rows(rows);
        Ok(written)
    }

    /// Removes every notification about `subject` not removed yet, because its producer took the
    /// subject back (a withdrawn notice): in `write`'s transaction, in one statement whatever
    /// the number of recipients. The rows stay, marked removed: the inbox no longer lists or
    /// counts them, and each moves to a new position in its recipient's feed, where it is
    /// published as a removal after the commit (so a replay never serves it as new again).
    /// Returns how many it removed.
    pub async fn remove(write: &mut Write<'_>, subject: SubjectRef) -> AppResult<usize> {
        let removed = notification::Entity::update_many()
            .col_expr(notification::Column::RemovedAt, Expr::value(write.now()))
            .filter(notification::Column::SubjectType.eq(subject.kind))
            .filter(notification::Column::SubjectId.eq(subject.id))
            .filter(notification::Column::RemovedAt.is_null())
            .exec_with_returning(write.txn())
            .await?;
        let count = removed.len();
        write.move_rows(removed.into_iter().map(NotificationRow::from).collect());
        Ok(count)
    }
}

/// Reads a user's notifications after a cursor, for replay: the inbox table is the record of
/// the user's feed topic.
pub struct InboxSource(pub Uuid);

impl ReplaySource for InboxSource {
    type Row = NotificationRow;

    async fn rows_after(
        &self,
        db: &DatabaseConnection,
        after: i64,
    ) -> AppResult<ReplayBatch<NotificationRow>> {
        let rows = notification::Entity::find()
            .filter(notification::Column::UserId.eq(self.0))
            .filter(notification::Column::Seq.gt(after))
            .order_by_asc(notification::Column::Seq)
            .limit(REPLAY_BATCH)
            .all(db)
            .await?;
        Ok(ReplayBatch::all(rows.into_iter().map(Into::into).collect()))
    }

    async fn head(&self, db: &DatabaseConnection) -> AppResult<i64> {
        Ok(notification::Entity::find()
            .select_only()
            .column_as(notification::Column::Seq.max(), "head")
            .filter(notification::Column::UserId.eq(self.0))
            .into_tuple::<Option<i64>>()
            .one(db)
            .await?
            .flatten()
            .unwrap_or(0))
    }

    async fn seq_of(&self, db: &DatabaseConnection, id: Uuid) -> AppResult<Option<i64>> {
        Ok(notification::Entity::find_by_id(id)
            .filter(notification::Column::UserId.eq(self.0))
            .select_only()
            .column(notification::Column::Seq)
            .into_tuple::<i64>()
            .one(db)
            .await?)
    }
}
