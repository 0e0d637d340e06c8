//! A supervision inspection of one building against one plan: scheduled (announced) or
//! unannounced, scored and completed once.

use sea_orm::entity::prelude::*;

/// One inspection.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "inspection")]
pub struct Model {
    /// UUID v7 (also the list order: newest first).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The building inspected.
    pub building_id: Uuid,
    /// The plan it is scored against.
    pub plan_id: Uuid,
    /// `SCHEDULED` (announced) or `UNANNOUNCED`.
    pub kind: String,
    /// `PLANNED`, `IN_PROGRESS`, `COMPLETED` or `CANCELLED`.
    pub status: String,
    /// When it is to take place.
    pub scheduled_at: DateTimeUtc,
    /// The inspecting group member's account.
    pub inspector_id: Uuid,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// Started at.
    pub started_at: Option<DateTimeUtc>,
    /// Completed (scored) at.
    pub completed_at: Option<DateTimeUtc>,
    /// Total score, 0–100, once completed.
    pub total: Option<i32>,
    /// The inspector's summary.
    pub summary: Option<String>,
    /// Raised by every change.
    pub version: i32,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
