//! Responses to surveys: one per respondent (user or unit) and survey, changed in place until
//! the survey closes. An anonymous survey's responses keep no user and no unit.

use sea_orm::entity::prelude::*;

/// One response.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_response")]
pub struct Model {
    /// UUID v7 (named surveys) or v4 (anonymous ones, so the id carries no time).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The survey.
    pub survey_id: Uuid,
    /// The respondent (user or unit) hashed under the survey's salt; unique per survey. Never
    /// exposed.
    pub respondent_key: String,
    /// The user who wrote it hashed under the survey's salt (only they read and change it).
    /// Never exposed.
    pub author_key: String,
    /// Who answered (named surveys only).
    pub user_id: Option<Uuid>,
    /// For whose unit (named surveys answered once per unit only).
    pub unit_id: Option<Uuid>,
    /// The respondent's building at submission (for results per building).
    pub building_id: Option<Uuid>,
    /// First submitted at (to the hour on anonymous surveys).
    pub submitted_at: DateTimeUtc,
    /// The Monday (UTC) of the week it was first submitted in (for the index over time).
    pub week: Date,
    /// Last changed at (to the hour on anonymous surveys).
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
