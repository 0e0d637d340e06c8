//! One scheduled occurrence of a care plan, and what the caregiver recorded about it.

use sea_orm::entity::prelude::*;

/// One row; unique per (plan, scheduled_at).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "care_visit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// When the visit is due.
    pub scheduled_at: DateTimeUtc,
    /// The end of its window: unrecorded by then, it is missed.
    pub window_ends_at: DateTimeUtc,
    /// `CareVisitStatus` (SCHEDULED, DONE, MISSED).
    pub status: String,
    /// Why it was missed.
    pub reason: Option<String>,
    /// The caregiver's notes.
    pub notes: Option<String>,
    /// Who recorded it (none when the job marked it missed).
    pub recorded_by: Option<Uuid>,
    /// When it was recorded or marked missed.
    pub recorded_at: Option<DateTimeUtc>,
    /// Marked missed by the job (nobody recorded it in its window).
    pub detected: bool,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
