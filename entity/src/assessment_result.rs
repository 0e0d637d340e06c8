//! One staff member's result of a finalised assessment cycle (immutable but for their comment).

use sea_orm::entity::prelude::*;

/// A row of `assessment_result`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_result")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The cycle.
    pub cycle_id: Uuid,
    /// The staff record.
    pub staff_id: Uuid,
    /// Total 0..=100 (none when no source had enough samples).
    pub total: Option<f64>,
    /// `A`..`D`.
    pub grade: Option<String>,
    /// Performance-pay factor, a decimal string.
    pub pay_factor: Option<String>,
    /// Scores per indicator with their sources, as JSON.
    pub indicators: String,
    /// What was left out and why, a JSON array of sentences.
    pub left_out: String,
    /// The ledger entry proposed.
    pub ledger_entry_id: Option<Uuid>,
    /// Training needs and their enrolments, as JSON.
    pub training: String,
    /// The staff member's comment.
    pub comment: Option<String>,
    /// Commented at.
    pub commented_at: Option<DateTimeUtc>,
    /// Written at.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
