//! A message in a channel, numbered 1, 2, 3, … per channel.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "channel_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The channel.
    pub channel_id: Uuid,
    /// Position in the channel.
    pub number: i32,
    /// Who wrote it.
    pub sender_id: Uuid,
    /// The text (NULL once deleted: a tombstone).
    pub text: Option<String>,
    /// The message it answers.
    pub reply_to_id: Option<Uuid>,
    /// An object it links to (notice, work order, activity).
    pub ref_id: Option<Uuid>,
    /// Mentioned users, comma-separated ids (empty: none).
    pub mentions: String,
    /// Posted at.
    pub created_at: DateTimeUtc,
    /// Last edited at.
    pub edited_at: Option<DateTimeUtc>,
    /// Deleted by its sender at.
    pub deleted_at: Option<DateTimeUtc>,
    /// Hidden by a moderator at.
    pub hidden_at: Option<DateTimeUtc>,
    /// The moderator who hid it.
    pub hidden_by: Option<Uuid>,
    /// Why.
    pub hidden_reason: Option<String>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
