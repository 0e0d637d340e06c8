//! A member's reaction to a channel message (one of a small fixed set); one row per message,
//! member and reaction.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "channel_message_reaction")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The message.
    pub message_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    /// Who reacted.
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    /// The reaction (`ChannelReaction`).
    pub reaction: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
