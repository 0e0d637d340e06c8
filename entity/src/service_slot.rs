//! A bookable time slot of an offering. `booked` never passes `capacity`: a booking raises it
//! with a conditional update.

use sea_orm::entity::prelude::*;

/// One slot.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_slot")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The offering.
    pub offering_id: Uuid,
    /// Starts at.
    pub starts_at: DateTimeUtc,
    /// Ends at.
    pub ends_at: DateTimeUtc,
    /// Bookings it takes.
    pub capacity: i32,
    /// Bookings taken.
    pub booked: i32,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
