//! Who a perk is for (the notices' audience model): one row per target (the whole estate, a building, a floor, a unit, or a role).

use sea_orm::entity::prelude::*;

/// One audience target.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "perk_audience")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The perk.
    pub perk_id: Uuid,
    /// `ESTATE`, `BUILDING`, `FLOOR`, `UNIT` or `ROLE`.
    pub scope: String,
    /// Building (for `BUILDING` and `FLOOR`).
    pub building_id: Option<Uuid>,
    /// Floor (for `FLOOR`).
    pub floor: Option<i32>,
    /// Unit (for `UNIT`).
    pub unit_id: Option<Uuid>,
    /// Role (for `ROLE`).
    pub role: Option<String>,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
