//! Which service categories a staff member works in.

use sea_orm::entity::prelude::*;

/// One category.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_category")]
pub struct Model {
    /// The staff record.
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_id: Uuid,
    /// The category, e.g. `REPAIR`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub category: String,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
