//! One patrol run of a route: scheduled (materialised by the job) or ad hoc, its guard, status
//! and tallies.

use sea_orm::entity::prelude::*;

/// One run.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "patrol_run")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The route.
    pub route_id: Uuid,
    /// The route's building (access follows it).
    pub building_id: Uuid,
    /// The route's post when the run was made.
    pub post: String,
    /// `SCHEDULED`, `IN_PROGRESS`, `FINISHED` or `NOT_STARTED`.
    pub status: String,
    /// The scheduled start; `None` for a run started ad hoc.
    pub scheduled_at: Option<DateTimeUtc>,
    /// The scheduled start plus the route's grace.
    pub due_by: Option<DateTimeUtc>,
    /// The guard's user id, once started.
    pub guard_id: Option<Uuid>,
    /// Started at.
    pub started_at: Option<DateTimeUtc>,
    /// Finished at.
    pub finished_at: Option<DateTimeUtc>,
    /// When the job flagged it not started and alerted the managers (once).
    pub alerted_at: Option<DateTimeUtc>,
    /// The position of the checkpoint to scan next (scans claim on it).
    pub next_position: i32,
    /// Checkpoints in the run.
    pub checkpoint_count: i32,
    /// Checkpoints scanned (late ones included).
    pub scanned_count: i32,
    /// Checkpoints scanned outside their window.
    pub late_count: i32,
    /// Checkpoints missed.
    pub missed_count: i32,
    /// Abnormal findings.
    pub abnormal_count: i32,
    /// Raised by every change.
    pub version: i32,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
