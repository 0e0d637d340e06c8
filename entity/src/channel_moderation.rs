//! One moderation action in a channel, with its reason (visible to the member it affects).

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "channel_moderation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The channel.
    pub channel_id: Uuid,
    /// The member affected.
    pub user_id: Uuid,
    /// The message, when the action was on one.
    pub message_id: Option<Uuid>,
    /// `HIDE`, `MUTE` or `REMOVE`.
    pub action: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub moderator_id: Uuid,
    /// Until when (a mute).
    pub until: Option<DateTimeUtc>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
