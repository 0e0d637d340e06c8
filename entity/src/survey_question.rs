//! A survey's questions, in order: SINGLE, MULTI, SCALE or TEXT, optionally tagged with an
//! assessment indicator and the staff post or staff member it rates.

use sea_orm::entity::prelude::*;

/// One question.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_question")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The survey.
    pub survey_id: Uuid,
    /// Order within the survey, from 0.
    pub position: i32,
    /// `SINGLE`, `MULTI`, `SCALE` or `TEXT`.
    pub kind: String,
    /// The question as asked.
    pub prompt: String,
    /// Whether every response must answer it.
    pub required: bool,
    /// Lowest value (`SCALE`: 1 or 0).
    pub scale_min: Option<i32>,
    /// Highest value (`SCALE`: 5 or 10).
    pub scale_max: Option<i32>,
    /// `ATTITUDE`, `SKILL`, `EFFICIENCY` or `RESIDENT_SATISFACTION`, when it feeds staff
    /// assessment.
    pub indicator: Option<String>,
    /// The staff post it rates (e.g. `SECURITY_GUARD`).
    pub staff_post: Option<String>,
    /// The staff member (staff record) it rates.
    pub staff_id: Option<Uuid>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
