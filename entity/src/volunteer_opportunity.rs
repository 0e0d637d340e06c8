//! A volunteer opportunity: standalone (elder visiting, tutoring, environment days) or linked to an activity (`activity_id`, no foreign key: the activities domain owns that table).

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "volunteer_opportunity")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// What volunteers do.
    pub description: String,
    /// `ELDER_VISITING`, `TUTORING`, `ENVIRONMENT`, `EVENT_SUPPORT` or `OTHER`.
    pub kind: String,
    /// The activity it supports, if any.
    pub activity_id: Option<Uuid>,
    /// The catalogue category of the work, if any (never one that needs a certificate).
    pub category_id: Option<Uuid>,
    /// Where.
    pub place: Option<String>,
    /// `OPEN` or `CANCELLED`.
    pub status: String,
    /// The coordinator who created it.
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
