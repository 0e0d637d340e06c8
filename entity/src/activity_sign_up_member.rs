//! The household members a sign-up brings.

use sea_orm::entity::prelude::*;

/// One member on one sign-up.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_sign_up_member")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The sign-up.
    pub sign_up_id: Uuid,
    /// Its activity.
    pub activity_id: Uuid,
    /// The household member.
    pub household_member_id: Uuid,
}

/// Relations used by batched joins in the DataLoaders.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The household member.
    #[sea_orm(
        belongs_to = "super::household_member::Entity",
        from = "Column::HouseholdMemberId",
        to = "super::household_member::Column::Id",
        on_delete = "Cascade"
    )]
    HouseholdMember,
}

impl Related<super::household_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::HouseholdMember.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
