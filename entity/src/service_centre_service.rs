//! A service (catalogue category) a centre offers, with its appointment slot length and places per slot.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "service_centre_service")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The centre.
    pub centre_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    /// The catalogue category.
    pub category_id: Uuid,
    /// Length of a booked slot, in minutes.
    pub slot_minutes: i32,
    /// Appointments per slot.
    pub capacity: i32,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
