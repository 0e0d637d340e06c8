//! A centre's regular opening hours on one weekday (minutes after midnight, UTC).

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "service_centre_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The centre.
    pub centre_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    /// 1 (Monday) to 7 (Sunday).
    pub weekday: i32,
    /// Opens at (minutes after midnight).
    pub opens: i32,
    /// Closes at (minutes after midnight).
    pub closes: i32,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
