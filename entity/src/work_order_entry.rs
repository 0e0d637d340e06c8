//! The timeline of a work order: one entry per transition, written in the transition's
//! transaction.

use sea_orm::entity::prelude::*;

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "work_order_entry")]
pub struct Model {
    /// UUID v7 (orders entries of one work order).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order.
    pub work_order_id: Uuid,
    /// Who acted; `None` for the system (a job).
    pub actor_id: Option<Uuid>,
    /// The action (`SUBMIT`, `ASSIGN`, `GRAB`, …).
    pub action: String,
    /// Status before; `None` for the submission.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: String,
    /// The reason given, if any.
    pub reason: Option<String>,
    /// Staff-only (assignment reasons): never shown to residents.
    pub internal: bool,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
