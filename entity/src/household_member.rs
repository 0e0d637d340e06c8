//! Household members cared for by personalised services: children, elders, pets. They belong to a unit (the household).

use sea_orm::entity::prelude::*;

/// One household member.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "household_member")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The household (unit).
    pub unit_id: Uuid,
    /// `CHILD`, `ELDER` or `PET`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Birth date, when known.
    pub birth_date: Option<Date>,
    /// Species, for pets.
    pub species: Option<String>,
    /// Care needs, free text.
    pub care_needs: String,
    /// When the household consented to keeping these details.
    pub consent_at: DateTimeUtc,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
