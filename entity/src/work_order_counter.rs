//! The last work-order number handed out in each year.

use sea_orm::entity::prelude::*;

/// One year.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_order_counter")]
pub struct Model {
    /// The year.
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    /// The last number used.
    pub last: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
