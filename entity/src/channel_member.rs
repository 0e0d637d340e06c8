//! One user's row in a channel: explicit membership (INTEREST) and, for every kind, the read position, mute and slow-mode clock.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "channel_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The channel.
    pub channel_id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// `ACTIVE`, `PENDING` (asked to join), `REMOVED`, or `TRACKING` (derived membership:
    /// the row only keeps the read position, mute and slow mode).
    pub status: String,
    /// Number of the last message read.
    pub read_number: i32,
    /// Muted until then.
    pub muted_until: Option<DateTimeUtc>,
    /// When the user last posted (slow mode).
    pub last_posted_at: Option<DateTimeUtc>,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
