//! Which buildings a staff member serves.

use sea_orm::entity::prelude::*;

/// One served building.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_building")]
pub struct Model {
    /// The staff record.
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_id: Uuid,
    /// The building.
    #[sea_orm(primary_key, auto_increment = false)]
    pub building_id: Uuid,
}

/// Relations used by batched joins in the DataLoaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The building.
    #[sea_orm(
        belongs_to = "super::building::Entity",
        from = "Column::BuildingId",
        to = "super::building::Column::Id",
        on_delete = "Cascade"
    )]
    Building,
}

impl Related<super::building::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Building.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
