//! Staff records: a user employed as service staff, their post and status.

use sea_orm::entity::prelude::*;

/// One staff record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_record")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The staff member's user account (one record per user).
    #[sea_orm(unique)]
    pub user_id: Uuid,
    /// Post, e.g. `REPAIR_TECHNICIAN`.
    pub post: String,
    /// Employee number, unique.
    #[sea_orm(unique)]
    pub employee_number: String,
    /// Hire date.
    pub hire_date: Date,
    /// `ONBOARDING`, `ACTIVE`, `SUSPENDED` or `LEFT`.
    pub status: String,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
