//! Training courses: what staff learn, for which posts, and how long a pass stays valid.

use sea_orm::entity::prelude::*;

/// One course.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_course")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique code, e.g. `ORIENTATION`.
    #[sea_orm(unique)]
    pub code: String,
    /// Title.
    pub title: String,
    /// `CUSTOMER_SERVICE`, `COMMUNICATION`, `EMERGENCY_HANDLING`, `LAW_AND_REGULATION`,
    /// `JOB_SKILL` or `SAFETY`.
    pub topic: String,
    /// `ONLINE`, `CLASSROOM`, `DRILL` or `EXAM`.
    pub delivery: String,
    /// `PRE_JOB`, `IN_SERVICE` or `JOB_SPECIFIC`.
    pub kind: String,
    /// Months a pass stays valid; none: forever.
    pub recurrence_months: Option<i32>,
    /// Hours of training.
    pub hours: i32,
    /// Least score (0–100) that passes.
    pub pass_score: i32,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
