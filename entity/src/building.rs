//! Buildings of the estate.

use sea_orm::entity::prelude::*;

/// One building.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "building")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Name, e.g. "Building A".
    pub name: String,
    /// Street address.
    pub address: String,
    /// Opening hours of the service centre, free text.
    pub service_centre_hours: String,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
