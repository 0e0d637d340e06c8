//! A qualification staff can hold (e.g. "Low-voltage electrician licence"), with how long a
//! certificate of it stays valid.

use sea_orm::entity::prelude::*;

/// One qualification.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "qualification")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Stable code, unique (e.g. `LOW_VOLTAGE_ELECTRICIAN`).
    #[sea_orm(unique)]
    pub code: String,
    /// Display name.
    pub name: String,
    /// Who usually issues it.
    pub issuer: String,
    /// Months a certificate stays valid from its issue date; `None`: it never expires.
    pub validity_months: Option<i32>,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
