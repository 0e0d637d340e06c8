//! One item's score in a completed inspection, with a copy of the item as it was scored.

use sea_orm::entity::prelude::*;

/// One score.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "inspection_score")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The inspection.
    pub inspection_id: Uuid,
    /// The plan item scored.
    pub item_id: Uuid,
    /// The item's position in its plan.
    pub position: i32,
    /// The item's area.
    pub area: String,
    /// The item's title.
    pub title: String,
    /// The item's weight (its highest score).
    pub weight: i32,
    /// Points given, 0..=weight.
    pub score: i32,
    /// The inspector's note.
    pub note: Option<String>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
