//! Staff members helping the assignee of a work order.

use sea_orm::entity::prelude::*;

/// One assistant.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_order_assistant")]
pub struct Model {
    /// The order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub work_order_id: Uuid,
    /// The staff record.
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_id: Uuid,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
