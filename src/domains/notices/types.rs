//! Notice and notification types.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{error::AppResult, events::log::Replayable, text_enum};
use entity::{notice, notification};

text_enum! {
    /// What a notice is about.
    pub enum NoticeKind {
        /// General information.
        General => "GENERAL",
        /// Planned maintenance.
        Maintenance => "MAINTENANCE",
        /// Water, power or lift outage.
        Outage => "OUTAGE",
        /// Safety.
        Safety => "SAFETY",
        /// Fire safety.
        Fire => "FIRE",
        /// Community activity.
        Activity => "ACTIVITY",
        /// Health.
        Health => "HEALTH",
        /// Rules and policies.
        Policy => "POLICY",
    }
}

text_enum! {
    /// How urgent a notice is.
    pub enum NoticePriority {
        /// Normal.
        Normal => "NORMAL",
        /// Important.
        Important => "IMPORTANT",
        /// Emergency: reaches everyone in the audience, even those who muted its kind.
        Emergency => "EMERGENCY",
    }
}

text_enum! {
    /// Where a notice stands.
    pub enum NoticeStatus {
        /// Being written; visible to publishers only.
        Draft => "DRAFT",
        /// Waiting for its publication time.
        Scheduled => "SCHEDULED",
        /// Published and current.
        Published => "PUBLISHED",
        /// Published, past its expiry time.
        Expired => "EXPIRED",
        /// Taken down.
        Withdrawn => "WITHDRAWN",
    }
}

/// A notice on the bulletin board.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Notice {
    /// Id.
    pub id: ID,
    /// Title.
    pub title: String,
    /// Body (Markdown).
    pub body: String,
    /// Kind.
    pub kind: NoticeKind,
    /// Priority.
    pub priority: NoticePriority,
    /// Status (a published notice past `expiresAt` shows as `EXPIRED`).
    pub status: NoticeStatus,
    /// Publication time.
    pub publish_at: DateTime<Utc>,
    /// Expiry time.
    pub expires_at: Option<DateTime<Utc>>,
    /// Shown above the others.
    pub pinned: bool,
    /// Readers are asked to acknowledge it.
    pub requires_ack: bool,
    /// The notice this one corrects.
    pub supersedes_id: Option<ID>,
    /// The notice id as a UUID.
    #[graphql(skip)]
    pub uuid: Uuid,
}

impl Notice {
    /// From a model, judging expiry at `now`.
    pub fn try_from_model(model: notice::Model, now: DateTime<Utc>) -> AppResult<Notice> {
        let mut status = NoticeStatus::from_stored(&model.status)?;
        if status == NoticeStatus::Published && model.expires_at.is_some_and(|at| at <= now) {
            status = NoticeStatus::Expired;
        }
        Ok(Notice {
            id: ID(model.id.to_string()),
            title: model.title,
            body: model.body,
            kind: NoticeKind::from_stored(&model.kind)?,
            priority: NoticePriority::from_stored(&model.priority)?,
            status,
            publish_at: model.publish_at,
            expires_at: model.expires_at,
            pinned: model.pinned,
            requires_ack: model.requires_ack,
            supersedes_id: model.supersedes_id.map(|id| ID(id.to_string())),
            uuid: model.id,
        })
    }
}

/// A notification as stored and as it travels on a user's feed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotificationRow {
    /// Id and cursor.
    pub id: Uuid,
    /// Recipient.
    pub user_id: Uuid,
    /// Kind (the notice kind).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Short text.
    pub text: String,
    /// Subject type.
    pub subject_type: String,
    /// Subject id.
    pub subject_id: Uuid,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Read at.
    pub read_at: Option<DateTime<Utc>>,
}

impl Replayable for NotificationRow {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl From<notification::Model> for NotificationRow {
    fn from(m: notification::Model) -> Self {
        NotificationRow {
            id: m.id,
            user_id: m.user_id,
            kind: m.kind,
            title: m.title,
            text: m.text,
            subject_type: m.subject_type,
            subject_id: m.subject_id,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// One notification in a user's inbox.
#[derive(SimpleObject, Clone)]
pub struct Notification {
    /// Id.
    pub id: ID,
    /// Kind: the kind of notice it comes from.
    pub kind: NoticeKind,
    /// Title.
    pub title: String,
    /// Short text.
    pub text: String,
    /// What it links to (`NOTICE`; work orders and others later).
    pub subject_type: String,
    /// Id of what it links to.
    pub subject_id: ID,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was read.
    pub read_at: Option<DateTime<Utc>>,
}

impl Notification {
    /// From a stored row.
    pub fn try_from_row(row: NotificationRow) -> AppResult<Notification> {
        Ok(Notification {
            id: ID(row.id.to_string()),
            kind: NoticeKind::from_stored(&row.kind)?,
            title: row.title,
            text: row.text,
            subject_type: row.subject_type,
            subject_id: ID(row.subject_id.to_string()),
            created_at: row.created_at,
            read_at: row.read_at,
        })
    }
}

#[async_graphql::ComplexObject]
impl Notice {
    /// The newer notice that corrects this one, if any (it stays visible, linked).
    async fn superseded_by(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<ID>> {
        use crate::graphql::ContextExt;
        let newer = ctx.loaders()?.superseded_by.load_one(self.uuid).await?;
        Ok(newer.map(|id| ID(id.to_string())))
    }
}
