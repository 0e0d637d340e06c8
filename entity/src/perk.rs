//! A perk a partner offers residents: a discount, a free service or a time-bank exchange, with
//! a validity window, an audience (`perk_audience`), limits and the counters that keep them.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "perk")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The partner offering it.
    pub partner_id: Uuid,
    /// Title.
    pub title: String,
    /// What the resident gets.
    pub description: String,
    /// `PerkKind` (DISCOUNT, FREE_SERVICE, TIME_BANK_EXCHANGE).
    pub kind: String,
    /// Claimable from.
    pub starts_at: DateTimeUtc,
    /// Claimable and redeemable until (exclusive).
    pub ends_at: DateTimeUtc,
    /// Volunteer minutes a resident must have earned to claim it (0: none).
    pub min_volunteer_minutes: i32,
    /// Time-bank minutes a claim costs (TIME_BANK_EXCHANGE only).
    pub time_bank_minutes: Option<i32>,
    /// Most claims in all.
    pub total_limit: i32,
    /// Most claims per resident.
    pub per_resident_limit: i32,
    /// Claims so far (a conditional update keeps it at most `total_limit`).
    pub claimed: i32,
    /// Redemptions so far.
    pub redeemed: i32,
    /// `ACTIVE` or `WITHDRAWN`.
    pub status: String,
    /// Who created it.
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
