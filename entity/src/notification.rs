//! Each user's inbox: one row per recipient, numbered in commit order per user (`seq`), which is
//! also the subscription cursor. A row that changes state in the feed (its removal) moves to a
//! new position, taken like a new row's.

use sea_orm::entity::prelude::*;

/// One notification.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The recipient.
    pub user_id: Uuid,
    /// Position in the recipient's feed, in commit order: the replay cursor. Positions are
    /// taken densely; a removed row moves to a new one, leaving its old one empty.
    pub seq: i64,
    /// Category (which part of the service), e.g. `NOTICE`, `WORK_ORDER`.
    pub category: String,
    /// Priority: `NORMAL`, `IMPORTANT` or `EMERGENCY`.
    pub priority: String,
    /// The producing domain's own kind, e.g. the notice kind `MAINTENANCE`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Short text.
    pub text: String,
    /// What it is about, e.g. `NOTICE`.
    pub subject_type: String,
    /// Id of the subject.
    pub subject_id: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Read at.
    pub read_at: Option<DateTimeUtc>,
    /// When its producer removed it (its subject was withdrawn). A removed row is no longer
    /// listed or counted; it stays as the record of the feed, at the position of its removal.
    pub removed_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
