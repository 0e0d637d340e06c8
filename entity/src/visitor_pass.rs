//! A visitor pass a resident registers for their unit: who, when, how many, which car, and the
//! pass code the desk or gate checks in and out.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "visitor_pass")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// Id (UUID v7).
    pub id: Uuid,
    /// The unit's building.
    pub building_id: Uuid,
    /// The unit visited.
    pub unit_id: Uuid,
    /// The resident who registered the visitor.
    pub registered_by: Uuid,
    /// The visitor's name.
    pub name: String,
    /// Valid from.
    pub valid_from: DateTimeUtc,
    /// Valid until.
    pub valid_until: DateTimeUtc,
    /// Number of people.
    pub people: i32,
    /// Car plate, normalised (upper case, no spaces), if any.
    pub car_plate: Option<String>,
    /// The pass code (unique).
    pub code: String,
    /// `VisitorPassStatus`.
    pub status: String,
    /// When the visitor arrived.
    pub checked_in_at: Option<DateTimeUtc>,
    /// Who checked them in.
    pub checked_in_by: Option<Uuid>,
    /// When the visitor left.
    pub checked_out_at: Option<DateTimeUtc>,
    /// Who checked them out.
    pub checked_out_by: Option<Uuid>,
    /// Registered at.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
