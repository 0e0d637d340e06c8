//! A staff member's training record: one per enrolment in a session, then its result. A passed
//! record is valid until `valid_until` (none: forever).

use sea_orm::entity::prelude::*;

/// One record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_record")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The session (unique with the staff member).
    pub session_id: Uuid,
    /// The session's course (kept here so validity is read without the session).
    pub course_id: Uuid,
    /// The staff record.
    pub staff_id: Uuid,
    /// `ENROLLED`, `PASSED` or `FAILED`.
    pub result: String,
    /// Whether they attended (once recorded).
    pub attended: Option<bool>,
    /// Score 0–100 (once recorded).
    pub score: Option<i32>,
    /// When the result was recorded.
    pub issued_at: Option<DateTimeUtc>,
    /// Until when a pass is valid; none: forever (or not passed).
    pub valid_until: Option<DateTimeUtc>,
    /// Who recorded the result.
    pub recorded_by: Option<Uuid>,
    /// When the lapse reminder went out (claimed once across instances).
    pub lapse_reminded_at: Option<DateTimeUtc>,
    /// When they enrolled.
    pub enrolled_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
