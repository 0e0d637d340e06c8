//! The timeline of a rectification: one entry per step, written in the step's transaction.

use sea_orm::entity::prelude::*;

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "rectification_entry")]
pub struct Model {
    /// UUID v7 (orders the entries of one rectification).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The rectification.
    pub rectification_id: Uuid,
    /// Who acted; `None` for the system.
    pub actor_id: Option<Uuid>,
    /// The step (`OPEN`, `START`, `SUBMIT`, `VERIFY`, `REJECT`, …).
    pub action: String,
    /// Status before; `None` for the opening.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: String,
    /// The note given, if any.
    pub note: Option<String>,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
