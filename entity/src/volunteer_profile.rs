//! A resident's volunteer profile: skills, availability, and whether staff verified them.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "volunteer_profile")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The resident (one profile each).
    pub user_id: Uuid,
    /// Skills, a JSON array of short texts.
    pub skills: String,
    /// When they are available, in their own words.
    pub availability: String,
    /// Verified by staff.
    pub verified: bool,
    /// Who verified (or unverified) them last.
    pub verified_by: Option<Uuid>,
    /// When.
    pub verified_at: Option<DateTimeUtc>,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
