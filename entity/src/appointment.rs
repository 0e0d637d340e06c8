//! An appointment at a service centre: booked into a slot, or a walk-in with a queue number.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "appointment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The centre.
    pub centre_id: Uuid,
    /// The service (catalogue category).
    pub category_id: Uuid,
    /// The resident served.
    pub user_id: Uuid,
    /// `BOOKED` or `WALK_IN`.
    pub kind: String,
    /// `BOOKED`, `WAITING`, `SERVED` or `CANCELLED`.
    pub status: String,
    /// The slot of a booked appointment.
    pub slot_id: Option<Uuid>,
    /// The slot while live, NULL once cancelled (unique with `user_id`: no double booking).
    pub active_slot_id: Option<Uuid>,
    /// Start of a booked appointment.
    pub starts_at: Option<DateTimeUtc>,
    /// The day it is for.
    pub day: Date,
    /// A walk-in's queue number (per centre and day).
    pub queue_number: Option<i32>,
    /// The day list's order: the start of a booking, the arrival of a walk-in.
    pub sort_at: DateTimeUtc,
    /// The resident's note.
    pub note: Option<String>,
    /// The work order opened from it.
    pub work_order_id: Option<Uuid>,
    /// Who made it (the resident, or staff at the centre).
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
