//! How many times one resident has claimed one perk: the row a conditional update keeps at most
//! the perk's per-resident limit, so concurrent claims by one resident cannot exceed it.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "perk_claim")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The perk.
    pub perk_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    /// The resident.
    pub user_id: Uuid,
    /// Claims made.
    pub claims: i32,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
