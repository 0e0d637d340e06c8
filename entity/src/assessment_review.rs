//! A peer review or a supervisor's score of one staff member in one assessment cycle.

use sea_orm::entity::prelude::*;

/// A row of `assessment_review`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_review")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The cycle.
    pub cycle_id: Uuid,
    /// `PEER` or `SUPERVISOR`.
    pub kind: String,
    /// Who reviewed (a user).
    pub reviewer_id: Uuid,
    /// Who was reviewed (a staff record).
    pub staff_id: Uuid,
    /// Scores 0..=100 by indicator, a JSON object.
    pub scores: String,
    /// Comment.
    pub comment: Option<String>,
    /// Entered at.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
