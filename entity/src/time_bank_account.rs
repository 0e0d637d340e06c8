//! A resident's time-bank balance, in minutes. Never negative: every debit is a conditional update.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "time_bank_account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The resident.
    pub user_id: Uuid,
    /// Minutes held.
    pub balance_minutes: i32,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
