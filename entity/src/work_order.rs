//! A work order: a booked service or a reported problem, from submission to closure.

use sea_orm::entity::prelude::*;

/// One work order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "work_order")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Human-readable number, unique (`WO-2026-000123`).
    #[sea_orm(unique)]
    pub number: String,
    /// The building.
    pub building_id: Uuid,
    /// The unit, when the order concerns one.
    pub unit_id: Option<Uuid>,
    /// A public-area location, when the order concerns no unit.
    pub location: Option<String>,
    /// The catalogue category.
    pub category_id: Uuid,
    /// The booked offering, if any.
    pub offering_id: Option<Uuid>,
    /// The booked slot, if any.
    pub slot_id: Option<Uuid>,
    /// Who asked for it.
    pub requester_id: Uuid,
    /// How it arrived (`APP`, `SERVICE_CENTRE`, …).
    pub channel: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// `LOW`, `NORMAL`, `HIGH`, `EMERGENCY`.
    pub priority: String,
    /// Current status; changed only through the transition table.
    pub status: String,
    /// The staff record doing it.
    pub assignee_id: Option<Uuid>,
    /// When the first response is due (moves later while paused).
    pub response_due_at: DateTimeUtc,
    /// When resolution is due (moves later while paused).
    pub resolution_due_at: DateTimeUtc,
    /// When it was first accepted.
    pub first_response_at: Option<DateTimeUtc>,
    /// When it was last resolved.
    pub resolved_at: Option<DateTimeUtc>,
    /// When it closed (closed, cancelled or rejected).
    pub closed_at: Option<DateTimeUtc>,
    /// When the current pause began, while on hold for a reason that pauses the clocks.
    pub paused_at: Option<DateTimeUtc>,
    /// Seconds the clocks stood still in all.
    pub paused_seconds: i64,
    /// The current hold reason.
    pub hold_reason: Option<String>,
    /// The response warning went out.
    pub response_warned: bool,
    /// The response was late.
    pub response_breached: bool,
    /// The resolution warning went out.
    pub resolution_warned: bool,
    /// The resolution was late.
    pub resolution_breached: bool,
    /// Escalated to the building's manager.
    pub escalated: bool,
    /// The return visit was recorded.
    pub return_visit_done: bool,
    /// Times reopened.
    pub reopen_count: i32,
    /// Times urged.
    pub urge_count: i32,
    /// Last urged at.
    pub last_urged_at: Option<DateTimeUtc>,
    /// Amount to pay as a decimal string.
    pub amount: Option<String>,
    /// What was done.
    pub resolution: Option<String>,
    /// Raised by every change (optimistic concurrency).
    pub version: i32,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
    /// The household member a personalised service is for (childcare, elderly care, pet care).
    pub household_member_id: Option<Uuid>,
    /// The facility asset it concerns, if any.
    #[serde(default)]
    pub asset_id: Option<Uuid>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
