//! A consultation slot published by the estate's health staff (`partner_id` empty) or by a
//! clinic partner. `taken` never passes `capacity`: a booking raises it with a conditional update.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_slot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The clinic, or none for the estate's health staff.
    pub partner_id: Option<Uuid>,
    /// Who published it.
    pub published_by: Uuid,
    /// `ONLINE` or `ONSITE`.
    pub mode: String,
    /// Starts at.
    pub starts_at: DateTimeUtc,
    /// Ends at.
    pub ends_at: DateTimeUtc,
    /// Consultations it takes.
    pub capacity: i32,
    /// Places taken by live consultations.
    pub taken: i32,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
