//! A category's service-level targets for one priority.

use sea_orm::entity::prelude::*;

/// Targets for one (category, priority).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_category_sla")]
pub struct Model {
    /// The category.
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_id: Uuid,
    /// `LOW`, `NORMAL`, `HIGH` or `EMERGENCY`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub priority: String,
    /// Minutes from submission to the first response (acceptance).
    pub response_minutes: i32,
    /// Minutes from submission to resolution.
    pub resolution_minutes: i32,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
