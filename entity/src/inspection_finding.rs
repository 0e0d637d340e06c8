//! A finding of a completed inspection: what is wrong with one item, who answers for it, and
//! the rectification (and work order) it opened.

use sea_orm::entity::prelude::*;

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "inspection_finding")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The inspection.
    pub inspection_id: Uuid,
    /// The plan item it concerns.
    pub item_id: Uuid,
    /// The item's area.
    pub area: String,
    /// `MINOR`, `MAJOR` or `CRITICAL`.
    pub severity: String,
    /// What was found.
    pub note: String,
    /// The staff record responsible.
    pub responsible_staff_id: Uuid,
    /// Whether it needs work (a work order was opened).
    pub needs_work: bool,
    /// The work order opened for it.
    pub work_order_id: Option<Uuid>,
    /// The rectification it opened.
    pub rectification_id: Uuid,
    /// Recorded at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
