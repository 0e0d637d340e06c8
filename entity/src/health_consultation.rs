//! A consultation requested for a subject from the estate's health staff (`partner_id` empty)
//! or a clinic partner: `REQUESTED` → `CONFIRMED` → `DONE`, or `CANCELLED`.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_consultation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The subject: a user id or a household member id.
    pub subject_id: Uuid,
    /// `RESIDENT` or `HOUSEHOLD_MEMBER`.
    pub subject_kind: String,
    /// The household of a household member.
    pub unit_id: Option<Uuid>,
    /// The resident who asked.
    pub requested_by: Uuid,
    /// The clinic, or none for the estate's health staff.
    pub partner_id: Option<Uuid>,
    /// The slot booked, if any.
    pub slot_id: Option<Uuid>,
    /// The slot while the consultation holds a place in it (unique per subject).
    pub live_slot_id: Option<Uuid>,
    /// When (the slot's start, or the preferred time).
    pub starts_at: DateTimeUtc,
    /// `ONLINE` or `ONSITE`.
    pub mode: String,
    /// Why.
    pub reason: String,
    /// `REQUESTED`, `CONFIRMED`, `DONE` or `CANCELLED`.
    pub status: String,
    /// The clinician who confirmed it.
    pub clinician_id: Option<Uuid>,
    /// The clinician's notes (the resident's side and the clinician only).
    pub clinician_notes: Option<String>,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
