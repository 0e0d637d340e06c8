//! A building a partner serves.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "partner_building")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The partner.
    pub partner_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    /// The building.
    pub building_id: Uuid,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
