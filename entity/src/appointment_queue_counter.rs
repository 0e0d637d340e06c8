//! The last walk-in queue number handed out per centre and day.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "appointment_queue_counter")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The centre.
    pub centre_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    /// The day.
    pub day: Date,
    /// The last number used.
    pub last: i32,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
