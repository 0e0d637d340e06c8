//! Residencies: who lives in which unit, from when to when. Only current ones (no move-out date, or one in the future) grant access.

use sea_orm::entity::prelude::*;

/// One residency.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "residency")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The resident.
    pub user_id: Uuid,
    /// The unit.
    pub unit_id: Uuid,
    /// `OWNER`, `TENANT` or `FAMILY`.
    pub relation: String,
    /// Move-in date.
    pub moved_in: Date,
    /// Move-out date, if any.
    pub moved_out: Option<Date>,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations used by batched joins in the DataLoaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The unit.
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id",
        on_delete = "Cascade"
    )]
    Unit,
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
