//! A claimed perk: the one-time code a resident shows the partner, and whether it was redeemed.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "perk_redemption")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The perk.
    pub perk_id: Uuid,
    /// The perk's partner (copied, for the partner's lists).
    pub partner_id: Uuid,
    /// The resident who claimed it.
    pub user_id: Uuid,
    /// The one-time code (unique).
    pub code: String,
    /// `ISSUED` or `REDEEMED` (`EXPIRED` follows from the clock).
    pub status: String,
    /// Time-bank minutes the claim took (0 unless a time-bank exchange).
    pub time_bank_minutes: i32,
    /// Claimed at.
    pub claimed_at: DateTimeUtc,
    /// The code is refused from then on.
    pub expires_at: DateTimeUtc,
    /// Redeemed at.
    pub redeemed_at: Option<DateTimeUtc>,
    /// The merchant who redeemed it.
    pub redeemed_by: Option<Uuid>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
