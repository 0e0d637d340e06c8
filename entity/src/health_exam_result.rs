//! A physical-examination result of a subject at a `PHYSICAL_EXAM_DAY` activity, attached to
//! their health profile (only with an `EXAM_RESULTS` consent).

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_exam_result")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The profile.
    pub profile_id: Uuid,
    /// Its subject.
    pub subject_id: Uuid,
    /// The exam day (activity).
    pub activity_id: Uuid,
    /// The results.
    pub results: String,
    /// Advice given.
    pub advice: Option<String>,
    /// The health staff member who recorded them.
    pub recorded_by: Uuid,
    /// When.
    pub recorded_at: DateTimeUtc,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
