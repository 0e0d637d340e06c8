//! A staff assessment cycle: a period, the staff group it assesses, its weighted indicators and
//! minimum samples; open until finalised once, a correction being a new revision.

use sea_orm::entity::prelude::*;

/// A row of `assessment_cycle`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_cycle")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `MONTH`, `QUARTER` or `YEAR`.
    pub period: String,
    /// The staff posts assessed, a JSON array (empty: every post).
    pub posts: String,
    /// Start of the window (inclusive).
    pub starts_at: DateTimeUtc,
    /// End of the window (exclusive).
    pub ends_at: DateTimeUtc,
    /// The indicators, their weights and training courses, as JSON.
    pub indicators: String,
    /// Minimum samples per source, as JSON.
    pub min_samples: String,
    /// `OPEN`, `FINALIZED` or `SUPERSEDED`.
    pub status: String,
    /// 1 for a first cycle, one more for each correction.
    pub revision: i32,
    /// The finalised cycle this one corrects.
    pub supersedes: Option<Uuid>,
    /// Bumped by every change (reviews included), for conditional updates.
    pub version: i32,
    /// Who created it (a user).
    pub created_by: Uuid,
    /// Who finalised it (a user).
    pub finalized_by: Option<Uuid>,
    /// Finalised at.
    pub finalized_at: Option<DateTimeUtc>,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
