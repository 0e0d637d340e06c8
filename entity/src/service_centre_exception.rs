//! A centre's hours on one date, replacing its weekday's: closed when `opens` is NULL.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "service_centre_exception")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The centre.
    pub centre_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    /// The date.
    pub date: Date,
    /// Opens at (minutes after midnight); NULL: closed all day.
    pub opens: Option<i32>,
    /// Closes at.
    pub closes: Option<i32>,
    /// Why (a holiday, training day).
    pub note: Option<String>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
