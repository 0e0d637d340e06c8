//! Notice rules that change things: publishing (now, scheduled or from a draft), withdrawal and
//! receipts. Every change goes through the write path ([`Write`]): the rows, the event-log row and
//! the recipients' notifications commit together and are published after the commit.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TryInsertResult, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    audience::{Audience, recipients},
    types::{NoticeKind, NoticePriority, NoticeStatus},
};
use crate::{
    app::AppState,
    auth::guard,
    domains::estate::{access::Scope, types::StaffPost},
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{notice, notice_audience, notice_receipt, notification};

/// Longest notice body, in characters.
pub const MAX_BODY: usize = 20_000;
/// Event kind of a publication in the event log.
pub const PUBLISHED: &str = "NOTICE_PUBLISHED";
/// Event kind of a withdrawal in the event log.
pub const WITHDRAWN: &str = "NOTICE_WITHDRAWN";

/// A notice to publish.
pub struct NewNotice {
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Kind.
    pub kind: NoticeKind,
    /// Priority.
    pub priority: NoticePriority,
    /// Audience.
    pub audience: Audience,
    /// Publication time; now when absent or past.
    pub publish_at: Option<DateTime<Utc>>,
    /// Expiry time.
    pub expires_at: Option<DateTime<Utc>>,
    /// Pinned.
    pub pinned: bool,
    /// Requires acknowledgement.
    pub requires_ack: bool,
    /// The notice this corrects.
    pub supersedes: Option<Uuid>,
    /// Keep it as a draft instead of publishing.
    pub draft: bool,
}

impl NewNotice {
    /// When it is published: `publish_at` when that is in the future, otherwise `now`.
    pub fn publication_time(
        publish_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> DateTime<Utc> {
        publish_at.filter(|at| *at > now).unwrap_or(now)
    }

    /// `BAD_USER_INPUT` on `input.expiresAt` unless the notice expires after it is published.
    pub fn check_expiry(
        publish_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> AppResult<()> {
        if expires_at.is_some_and(|expires| expires <= publish_at) {
            return Err(AppError::bad_input(
                "input.expiresAt",
                "must be after the publication time",
            ));
        }
        Ok(())
    }
}

/// A notice as it travels on the bus and in the event log.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeSnapshot {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Kind.
    pub kind: String,
    /// Priority.
    pub priority: String,
    /// Publication time.
    pub publish_at: DateTime<Utc>,
    /// Expiry time.
    pub expires_at: Option<DateTime<Utc>>,
    /// Pinned.
    pub pinned: bool,
    /// Requires acknowledgement.
    pub requires_ack: bool,
    /// Corrected notice.
    pub supersedes_id: Option<Uuid>,
    /// Author.
    pub author_id: Uuid,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

impl From<&notice::Model> for NoticeSnapshot {
    fn from(m: &notice::Model) -> Self {
        NoticeSnapshot {
            id: m.id,
            title: m.title.clone(),
            body: m.body.clone(),
            kind: m.kind.clone(),
            priority: m.priority.clone(),
            publish_at: m.publish_at,
            expires_at: m.expires_at,
            pinned: m.pinned,
            requires_ack: m.requires_ack,
            supersedes_id: m.supersedes_id,
            author_id: m.author_id,
            created_at: m.created_at,
        }
    }
}

impl From<NoticeSnapshot> for notice::Model {
    fn from(s: NoticeSnapshot) -> Self {
        notice::Model {
            id: s.id,
            title: s.title,
            body: s.body,
            kind: s.kind,
            priority: s.priority,
            status: NoticeStatus::Published.as_str().to_owned(),
            publish_at: s.publish_at,
            expires_at: s.expires_at,
            pinned: s.pinned,
            requires_ack: s.requires_ack,
            author_id: s.author_id,
            supersedes_id: s.supersedes_id,
            audience_size: 0,
            created_at: s.created_at,
        }
    }
}

/// The payload of a withdrawal event: enough to tell the audience's boards to drop the notice,
/// and nothing of its content.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Withdrawal {
    /// The notice withdrawn.
    pub id: Uuid,
    /// Its audience, so each subscriber's rights decide delivery as for the publication (absent
    /// from withdrawals written by earlier versions).
    #[serde(default)]
    pub audience: Option<Audience>,
}

/// The payload of a publication event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Publication {
    /// The notice.
    pub notice: NoticeSnapshot,
    /// Its audience.
    pub audience: Audience,
}

/// Characters of a notice's body its notifications show.
const EXCERPT: usize = 140;

/// One word without its Markdown markup: `*`, `` ` ``, `[` and `]` anywhere, `_` and `~` where
/// they open or close emphasis (before trailing punctuation too: `*Monday*.` is `Monday.`), while
/// `snake_case` keeps its underscore.
fn plain_word(word: &str) -> String {
    let word: String = word
        .chars()
        .filter(|c| !matches!(c, '*' | '`' | '[' | ']'))
        .collect();
    let punctuation = |c: char| matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | ')' | '"' | '\'');
    let core_end = word.trim_end_matches(punctuation).len();
    let (core, tail) = word.split_at(core_end);
    let core = core.trim_matches(|c| matches!(c, '_' | '~'));
    format!("{core}{tail}")
}

/// A plain-text excerpt of Markdown: markup dropped, whitespace collapsed, cut at a word
/// boundary with an ellipsis when longer than `max` characters.
pub fn excerpt(markdown: &str, max: usize) -> String {
    let mut plain = String::with_capacity(markdown.len().min(max * 4));
    for line in markdown.lines() {
        let line = line
            .trim_start()
            .trim_start_matches(['#', '>', '-', '+', '*'])
            .trim_start();
        for word in line.split_whitespace() {
            // Emphasis, code and link markup around words; link targets dropped.
            let word = match word.find("](") {
                // The link text, and what follows the target (`[plan](url).` is `plan.`).
                Some(at) => {
                    let tail = word[at..].rsplit_once(')').map_or("", |(_, tail)| tail);
                    format!("{}{tail}", &word[..at])
                }
                None => word.to_owned(),
            };
            let word = plain_word(&word);
            if word.is_empty() {
                continue;
            }
            if !plain.is_empty() {
                plain.push(' ');
            }
            plain.push_str(&word);
        }
    }
    if plain.chars().count() <= max {
        return plain;
    }
    let cut: String = plain.chars().take(max).collect();
    let at_word = match cut.rfind(' ') {
        Some(space) if space > 0 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// Writes a published notice's notifications and its event-log row in `write`, and records its
/// audience size. `users` are the audience's recipients, resolved once by the caller.
async fn deliver(
    write: &mut Write<'_>,
    notice: &notice::Model,
    audience: &Audience,
    users: HashSet<Uuid>,
) -> AppResult<()> {
    notice::Entity::update_many()
        .col_expr(
            notice::Column::AudienceSize,
            Expr::value(i32::try_from(users.len()).unwrap_or(i32::MAX)),
        )
        .filter(notice::Column::Id.eq(notice.id))
        .exec(write.txn())
        .await?;
    let priority = match NoticePriority::parse(&notice.priority) {
        Some(NoticePriority::Emergency) => NotificationPriority::Emergency,
        Some(NoticePriority::Important) => NotificationPriority::Important,
        _ => NotificationPriority::Normal,
    };
    let draft = Draft {
        category: NotificationCategory::Notice,
        priority,
        kind: notice.kind.clone(),
        title: notice.title.clone(),
        text: excerpt(&notice.body, EXCERPT),
        subject: SubjectRef::notice(notice.id),
    };
    Notifier::notify(write, users, &draft).await?;
    let payload = serde_json::to_value(Publication {
        notice: NoticeSnapshot::from(notice),
        audience: audience.clone(),
    })
    .map_err(AppError::internal)?;
    write.event(Topic::Notices, PUBLISHED, payload);
    Ok(())
}

/// What the viewer may publish to.
enum Publisher {
    /// Anywhere.
    Administrator(Uuid),
    /// The buildings they serve (floors and units in them included).
    Manager(Uuid, HashSet<Uuid>),
}

impl Publisher {
    fn user_id(&self) -> Uuid {
        match self {
            Publisher::Administrator(id) | Publisher::Manager(id, _) => *id,
        }
    }
}

/// The notice service: the changes. Reads are in [`super::board`].
pub struct NoticeService<'a> {
    state: &'a AppState,
}

impl<'a> NoticeService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        NoticeService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    async fn publisher(&self, scope: &Scope) -> AppResult<Publisher> {
        let user_id = scope.require_user()?;
        if scope.admin {
            return Ok(Publisher::Administrator(user_id));
        }
        let manager = guard::require_active_post(
            scope,
            StaffPost::Manager,
            "only administrators and managers publish notices",
        )
        .await?;
        Ok(Publisher::Manager(
            user_id,
            manager.served_buildings.clone(),
        ))
    }

    /// `FORBIDDEN` unless the viewer may publish (administrators, active managers).
    pub async fn require_publisher(&self, scope: &Scope) -> AppResult<()> {
        self.publisher(scope).await.map(|_| ())
    }

    /// The notice `id` when the viewer may manage it (withdraw it, publish it if a draft, read
    /// its receipt counts): administrators any; a manager the notices they wrote, and published
    /// or scheduled ones whose whole audience lies in buildings they serve. Any other notice is
    /// `NOT_FOUND`, as `notice(id:)` answers; non-publishers get `FORBIDDEN`.
    pub async fn manageable(&self, scope: &Scope, id: Uuid) -> AppResult<notice::Model> {
        let publisher = self.publisher(scope).await?;
        let notice = notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("notice"))?;
        if matches!(publisher, Publisher::Administrator(_))
            || notice.author_id == publisher.user_id()
        {
            return Ok(notice);
        }
        if notice.status == NoticeStatus::Draft.as_str() {
            return Err(AppError::NotFound("notice"));
        }
        let audience = super::board::audience_of(self.db(), id).await?;
        match self.check_audience(&publisher, &audience).await {
            Ok(()) => Ok(notice),
            Err(err) if err.code() == crate::error::ErrorCode::Forbidden => {
                Err(AppError::NotFound("notice"))
            }
            Err(err) => Err(err),
        }
    }

    /// Checks that every target exists and that a manager names only buildings they serve
    /// (administrators publish anywhere).
    async fn check_audience(&self, publisher: &Publisher, audience: &Audience) -> AppResult<()> {
        let served = match publisher {
            Publisher::Administrator(_) => None,
            Publisher::Manager(_, served) => Some(served),
        };
        super::audience::check_targets(self.db(), audience, served).await
    }

    /// Publishes a notice now, or schedules it for `publish_at`, or keeps it as a draft.
    pub async fn publish(&self, scope: &Scope, new: NewNotice) -> AppResult<notice::Model> {
        let publisher = self.publisher(scope).await?;
        let now = self.state.clock.now();
        let publish_at = NewNotice::publication_time(new.publish_at, now);
        NewNotice::check_expiry(publish_at, new.expires_at)?;
        self.check_audience(&publisher, &new.audience).await?;
        let users = recipients(self.db(), &new.audience, self.state.clock.today()).await?;
        if users.is_empty() {
            return Err(AppError::bad_input("input.audience", "matches nobody"));
        }
        if let Some(old) = new.supersedes {
            // Only a notice the publisher may see can be corrected.
            super::board::NoticeBoard::new(self.state)
                .notice(scope, old)
                .await
                .map_err(|err| err.on_field("input.supersedes"))?;
        }
        let status = if new.draft {
            NoticeStatus::Draft
        } else if publish_at > now {
            NoticeStatus::Scheduled
        } else {
            NoticeStatus::Published
        };
        let model = notice::Model {
            id: Uuid::now_v7(),
            title: new.title,
            body: new.body,
            kind: new.kind.as_str().to_owned(),
            priority: new.priority.as_str().to_owned(),
            status: status.as_str().to_owned(),
            publish_at,
            expires_at: new.expires_at,
            pinned: new.pinned,
            requires_ack: new.requires_ack,
            author_id: publisher.user_id(),
            supersedes_id: new.supersedes,
            audience_size: 0,
            created_at: now,
        };
        let mut write = Write::begin(self.state).await?;
        notice::Entity::insert(notice::ActiveModel::from(model.clone()))
            .exec(write.txn())
            .await?;
        notice_audience::Entity::insert_many(new.audience.rows(model.id))
            .exec(write.txn())
            .await?;
        if status == NoticeStatus::Published {
            deliver(&mut write, &model, &new.audience, users).await?;
        }
        write.commit().await?;
        Ok(notice::Entity::find_by_id(model.id)
            .one(self.db())
            .await?
            .unwrap_or(model))
    }

    /// Publishes every scheduled notice that is due (the scheduling job). Each is claimed with a
    /// conditional update, so with several instances each notice is published by exactly one.
    pub async fn publish_due(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let due = notice::Entity::find()
            .filter(notice::Column::Status.eq(NoticeStatus::Scheduled.as_str()))
            .filter(notice::Column::PublishAt.lte(now))
            .order_by_asc(notice::Column::PublishAt)
            .limit(20)
            .all(self.db())
            .await?;
        let mut published = 0;
        for notice in due {
            let mut write = Write::begin(self.state).await?;
            let claimed = notice::Entity::update_many()
                .col_expr(
                    notice::Column::Status,
                    Expr::value(NoticeStatus::Published.as_str()),
                )
                .filter(notice::Column::Id.eq(notice.id))
                .filter(notice::Column::Status.eq(NoticeStatus::Scheduled.as_str()))
                .exec(write.txn())
                .await?;
            if claimed.rows_affected != 1 {
                // Another instance won it; dropping the write rolls back.
                continue;
            }
            let audience = Audience::from_rows(
                &notice_audience::Entity::find()
                    .filter(notice_audience::Column::NoticeId.eq(notice.id))
                    .all(write.txn())
                    .await?,
            );
            let users = recipients(write.txn(), &audience, self.state.clock.today()).await?;
            deliver(&mut write, &notice, &audience, users).await?;
            write.commit().await?;
            published += 1;
        }
        Ok(published)
    }

    /// Publishes a draft now, or schedules it for `publish_at`.
    pub async fn publish_draft(
        &self,
        scope: &Scope,
        id: Uuid,
        publish_at: Option<DateTime<Utc>>,
    ) -> AppResult<notice::Model> {
        let publisher = self.publisher(scope).await?;
        let now = self.state.clock.now();
        let draft = self.manageable(scope, id).await?;
        if draft.status != NoticeStatus::Draft.as_str() {
            return Err(AppError::InvalidState(
                "only a draft can be published this way".to_owned(),
            ));
        }
        let publish_at = publish_at.filter(|at| *at > now).unwrap_or(now);
        if draft
            .expires_at
            .is_some_and(|expires| expires <= publish_at)
        {
            return Err(AppError::bad_input(
                "input.publishAt",
                "is after the notice's expiry time",
            ));
        }
        let audience = super::board::audience_of(self.db(), id).await?;
        self.check_audience(&publisher, &audience).await?;
        let users = recipients(self.db(), &audience, self.state.clock.today()).await?;
        if users.is_empty() {
            return Err(AppError::bad_input(
                "input.id",
                "the draft's audience matches nobody",
            ));
        }
        let status = if publish_at > now {
            NoticeStatus::Scheduled
        } else {
            NoticeStatus::Published
        };
        let mut write = Write::begin(self.state).await?;
        let claimed = notice::Entity::update_many()
            .col_expr(notice::Column::Status, Expr::value(status.as_str()))
            .col_expr(notice::Column::PublishAt, Expr::value(publish_at))
            .filter(notice::Column::Id.eq(id))
            .filter(notice::Column::Status.eq(NoticeStatus::Draft.as_str()))
            .exec(write.txn())
            .await?;
        if claimed.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "the draft was published or withdrawn meanwhile".to_owned(),
            ));
        }
        let model = notice::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("notice"))?;
        if status == NoticeStatus::Published {
            deliver(&mut write, &model, &audience, users).await?;
        }
        write.commit().await?;
        Ok(notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .unwrap_or(model))
    }

    /// Withdraws a notice: it leaves the board, and a scheduled one is never published. A
    /// withdrawal of a published notice is an event on the notices topic, so live boards drop
    /// it, and removes its notifications from every recipient's inbox in the same transaction
    /// (set-based, whatever the audience's size), so inboxes and unread counts drop it too.
    /// Withdrawing twice is not an error.
    pub async fn withdraw(&self, scope: &Scope, id: Uuid) -> AppResult<notice::Model> {
        self.manageable(scope, id).await?;
        let mut write = Write::begin(self.state).await?;
        let take_down = |from: NoticeStatus| {
            notice::Entity::update_many()
                .col_expr(
                    notice::Column::Status,
                    Expr::value(NoticeStatus::Withdrawn.as_str()),
                )
                .filter(notice::Column::Id.eq(id))
                .filter(notice::Column::Status.eq(from.as_str()))
        };
        // Conditional updates, written before anything is read (on SQLite a transaction that
        // reads first cannot wait for the write lock): of two concurrent withdrawals only one
        // changes the row, so the withdrawal event is written once.
        let was_published = take_down(NoticeStatus::Published)
            .exec(write.txn())
            .await?
            .rows_affected
            == 1;
        if was_published {
            let audience = super::board::audience_of(write.txn(), id).await?;
            Notifier::remove(&mut write, SubjectRef::notice(id)).await?;
            let payload = serde_json::to_value(Withdrawal {
                id,
                audience: Some(audience),
            })
            .map_err(AppError::internal)?;
            write.event(Topic::Notices, WITHDRAWN, payload);
        } else {
            for status in [NoticeStatus::Draft, NoticeStatus::Scheduled] {
                take_down(status).exec(write.txn()).await?;
            }
        }
        let notice = notice::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("notice"))?;
        write.commit().await?;
        Ok(notice)
    }

    /// Records that the viewer read (and, with `acknowledge`, acknowledged) a notice addressed to
    /// them. Idempotent: the first times are kept. Publishers watching the counts are told.
    pub async fn receipt(
        &self,
        scope: &Scope,
        id: Uuid,
        acknowledge: bool,
    ) -> AppResult<(notice::Model, notice_receipt::Model)> {
        let notice = super::board::NoticeBoard::new(self.state)
            .notice(scope, id)
            .await?;
        let user_id = scope.user_id.ok_or(AppError::Unauthenticated)?;
        if acknowledge && !notice.requires_ack {
            return Err(AppError::InvalidState(
                "this notice does not ask for acknowledgement: mark it read instead".to_owned(),
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        // Concurrent calls (two tabs, a double click) meet on the primary key: the first insert
        // wins, the others change nothing; acknowledging later only fills an empty column.
        let inserted = notice_receipt::Entity::insert(notice_receipt::ActiveModel {
            notice_id: Set(id),
            user_id: Set(user_id),
            read_at: Set(Some(now)),
            acknowledged_at: Set(acknowledge.then_some(now)),
        })
        .on_conflict_do_nothing_on([
            notice_receipt::Column::NoticeId,
            notice_receipt::Column::UserId,
        ])
        .exec_without_returning(write.txn())
        .await?;
        let mut changed = matches!(inserted, TryInsertResult::Inserted(n) if n > 0);
        if acknowledge && !changed {
            let acknowledged = notice_receipt::Entity::update_many()
                .col_expr(notice_receipt::Column::AcknowledgedAt, Expr::value(now))
                .filter(notice_receipt::Column::NoticeId.eq(id))
                .filter(notice_receipt::Column::UserId.eq(user_id))
                .filter(notice_receipt::Column::AcknowledgedAt.is_null())
                .exec(write.txn())
                .await?;
            changed = acknowledged.rows_affected > 0;
        }
        // One read state: reading the notice reads the notifications it produced.
        let read = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(now))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::SubjectType.eq(SubjectRef::NOTICE))
            .filter(notification::Column::SubjectId.eq(id))
            .filter(notification::Column::ReadAt.is_null())
            .exec(write.txn())
            .await?;
        if read.rows_affected > 0 {
            write.unread_changed(&[user_id]);
        }
        let receipt = notice_receipt::Entity::find_by_id((id, user_id))
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("receipt"))?;
        if changed {
            // Counts are a state topic: watchers recount on the signal, so concurrent readers
            // never leave them showing a stale number.
            write.signal(Topic::NoticeReceipts(id));
        }
        write.commit().await?;
        Ok((notice, receipt))
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn markup_inside_words_and_before_punctuation_is_dropped() {
        assert_eq!(
            excerpt(
                "Serviced on *Monday*. Bring **your** `key`, _please_! See [the plan](https://x.test/p).",
                200
            ),
            "Serviced on Monday. Bring your key, please! See the plan."
        );
        assert_eq!(
            excerpt("keep snake_case and ~~old~~ text", 200),
            "keep snake_case and old text"
        );
    }

    #[test]
    fn excerpts_are_plain_text_cut_at_a_word() {
        assert_eq!(
            excerpt(
                "## Water off\n\n**Tuesday** 9:00–12:00, see [the plan](https://x.test/p).",
                140
            ),
            "Water off Tuesday 9:00–12:00, see the plan."
        );
        let long = "word ".repeat(60);
        let cut = excerpt(&long, 23);
        assert_eq!(cut, "word word word word…");
        assert!(cut.chars().count() <= 24);
        assert_eq!(excerpt(&"x".repeat(30), 10), format!("{}…", "x".repeat(10)));
    }
}
