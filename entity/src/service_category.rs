//! A category of the service catalogue (e.g. "Plumbing repair"), grouped by an estate service
//! category (`REPAIR`), with its dispatch rules and service-level policy.

use sea_orm::entity::prelude::*;

/// One category.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_category")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Stable code, unique (e.g. `PLUMBING`).
    #[sea_orm(unique)]
    pub code: String,
    /// Display name.
    pub name: String,
    /// What it covers.
    pub description: String,
    /// The estate service category it belongs to (`REPAIR`, `CLEANING`, …); staff who serve
    /// that category are eligible for its orders.
    pub group_kind: String,
    /// Whether residents may request it themselves.
    pub requestable: bool,
    /// Priority of a new order that names none.
    pub default_priority: String,
    /// Minutes before a due time at which the warning goes out.
    pub warning_minutes: i32,
    /// `ASSIGN`, `GRAB` or `AUTO`.
    pub dispatch_mode: String,
    /// Whether orders wait for a return visit before they close.
    pub return_visit_required: bool,
    /// Whether orders carry an amount to pay.
    pub payable: bool,
    /// Inactive categories take no new orders and are hidden from residents.
    pub active: bool,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
