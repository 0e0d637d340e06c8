//! One weighted item of an inspection plan's checklist.

use sea_orm::entity::prelude::*;

/// One item.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "inspection_plan_item")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// Order in the checklist, from 0.
    pub position: i32,
    /// `CLEANING`, `SECURITY`, `FIRE_SAFETY`, `GREENING`, `FACILITIES` or `CUSTOMER_SERVICE`.
    pub area: String,
    /// What is checked.
    pub title: String,
    /// Points (the plan's weights sum to 100).
    pub weight: i32,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
