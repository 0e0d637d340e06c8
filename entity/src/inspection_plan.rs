//! An inspection plan: a named checklist of weighted items. Immutable: a change is a new
//! version that replaces (retires) the old one, so an inspection keeps the items it was scored
//! against.

use sea_orm::entity::prelude::*;

/// One plan version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "inspection_plan")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// 1 for a new plan, one more than the plan it replaces otherwise.
    pub version: i32,
    /// The plan version this one replaces.
    pub replaces_id: Option<Uuid>,
    /// When it was retired (replaced); retired plans take no new inspections.
    pub retired_at: Option<DateTimeUtc>,
    /// Who made it.
    pub created_by: Option<Uuid>,
    /// Made at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
