//! Units: flats, shops and parking spaces, each in one building.

use sea_orm::entity::prelude::*;

/// One unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The building.
    pub building_id: Uuid,
    /// Floor (negative below ground).
    pub floor: i32,
    /// Number, unique within the building.
    pub number: String,
    /// `FLAT`, `COMMERCIAL` or `PARKING`.
    pub kind: String,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
