//! Who needs a qualification: a staff post (`POST`, `ELECTRICIAN`) or a service-category group
//! (`GROUP`, `REPAIR`).

use sea_orm::entity::prelude::*;

/// One requirement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "qualification_requirement")]
pub struct Model {
    /// The qualification required.
    #[sea_orm(primary_key, auto_increment = false)]
    pub qualification_id: Uuid,
    /// `POST` or `GROUP`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The staff post or service-category group, as stored text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub value: String,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
