//! An offering inside a category (e.g. "2-hour home cleaning"), bookable in time slots.

use sea_orm::entity::prelude::*;

/// One offering.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_offering")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The category.
    pub category_id: Uuid,
    /// Display name.
    pub name: String,
    /// What it includes.
    pub description: String,
    /// Price as a decimal string (`"120.00"`); `None`: free or quoted on site.
    pub price: Option<String>,
    /// How long it takes.
    pub duration_minutes: i32,
    /// Bookings each slot takes by default.
    pub slot_capacity: i32,
    /// `ONLINE` or `SERVICE_CENTRE`.
    pub channel: String,
    /// Inactive offerings take no bookings.
    pub active: bool,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
