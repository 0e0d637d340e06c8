//! One entry of an asset's history: a status change (with its reason), a work order about it,
//! or a maintenance occurrence.

use sea_orm::entity::prelude::*;

/// One history entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "asset_history")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The asset.
    pub asset_id: Uuid,
    /// `STATUS_CHANGE`, `WORK_ORDER`, `MAINTENANCE`.
    pub kind: String,
    /// When.
    pub at: DateTimeUtc,
    /// The work order, for `WORK_ORDER` (and `MAINTENANCE`) entries.
    pub work_order_id: Option<Uuid>,
    /// The occurrence, for `MAINTENANCE` entries.
    pub occurrence_id: Option<Uuid>,
    /// Status before a change.
    pub from_status: Option<String>,
    /// Status after a change.
    pub to_status: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Who.
    pub actor_id: Option<Uuid>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
