//! Notices on the bulletin board. A published notice is never edited: a correction is a new notice that supersedes it.

use sea_orm::entity::prelude::*;

/// One notice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Body, Markdown.
    pub body: String,
    /// Kind, e.g. `MAINTENANCE`.
    pub kind: String,
    /// `NORMAL`, `IMPORTANT` or `EMERGENCY`.
    pub priority: String,
    /// `DRAFT`, `SCHEDULED`, `PUBLISHED` or `WITHDRAWN` (expiry is judged from `expires_at`).
    pub status: String,
    /// When it is (or was) published.
    pub publish_at: DateTimeUtc,
    /// When it stops being shown by default.
    pub expires_at: Option<DateTimeUtc>,
    /// Shown above the others.
    pub pinned: bool,
    /// Readers are asked to acknowledge it.
    pub requires_ack: bool,
    /// Who wrote it.
    pub author_id: Uuid,
    /// The notice this one corrects.
    pub supersedes_id: Option<Uuid>,
    /// People in the audience when it was published.
    pub audience_size: i32,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
