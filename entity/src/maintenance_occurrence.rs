//! One due occurrence of a maintenance plan for one asset, created with its work order; unique
//! per (plan, asset, due key), so it is created once across instances.

use sea_orm::entity::prelude::*;

/// One occurrence.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "maintenance_occurrence")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// The asset.
    pub asset_id: Uuid,
    /// The asset's building.
    pub building_id: Uuid,
    /// The due date (`2026-12-01`) or the meter threshold (`meter:1000`): unique per plan and
    /// asset.
    pub due_key: String,
    /// When it is due (the end of its due date).
    pub due_at: DateTimeUtc,
    /// The meter reading that made it due.
    pub meter_threshold: Option<f64>,
    /// `ORDERED`, `DONE` or `SKIPPED` (planned and overdue are read from the clock).
    pub status: String,
    /// Its work order.
    pub work_order_id: Option<Uuid>,
    /// The overdue escalation was claimed.
    pub escalated: bool,
    /// Checklist results: a JSON array of `{item, ok, note}`.
    pub results: Option<String>,
    /// Who completed it (a user).
    pub completed_by: Option<Uuid>,
    /// When.
    pub completed_at: Option<DateTimeUtc>,
    /// Why it was skipped.
    pub skip_reason: Option<String>,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
