//! A resident's complaint, suggestion or praise, with its deadlines, handling and outcome.

use sea_orm::entity::prelude::*;

/// One complaint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "complaint")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The building it concerns (one the complainant lives in).
    pub building_id: Uuid,
    /// The complainant (hidden from everyone else when `anonymous`).
    pub complainant_id: Uuid,
    /// `SERVICE_QUALITY`, `STAFF_CONDUCT`, …, `PRAISE`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// A work order it is about.
    pub work_order_id: Option<Uuid>,
    /// The staff record it is about (never its handler).
    pub staff_id: Option<Uuid>,
    /// The complainant is hidden from staff.
    pub anonymous: bool,
    /// Status.
    pub status: String,
    /// The staff record handling it.
    pub handler_id: Option<Uuid>,
    /// Acknowledgement due by.
    pub ack_due_at: DateTimeUtc,
    /// Reply due by (moves on a reopen).
    pub reply_due_at: DateTimeUtc,
    /// First acknowledged at.
    pub acknowledged_at: Option<DateTimeUtc>,
    /// Last replied at (the reopen window runs from here).
    pub replied_at: Option<DateTimeUtc>,
    /// First replied at (from then on the staff member concerned sees it).
    pub first_replied_at: Option<DateTimeUtc>,
    /// Closed at.
    pub closed_at: Option<DateTimeUtc>,
    /// The reply to the complainant.
    pub reply: Option<String>,
    /// Times reopened (at most once).
    pub reopen_count: i32,
    /// Appealed to the supervisors at.
    pub appealed_at: Option<DateTimeUtc>,
    /// Why it was appealed.
    pub appeal_reason: Option<String>,
    /// The rectification opened for it.
    pub rectification_id: Option<Uuid>,
    /// The complainant's rating of the handling, 1–5.
    pub rating: Option<i16>,
    /// The rating's comment.
    pub rating_comment: Option<String>,
    /// Rated at.
    pub rated_at: Option<DateTimeUtc>,
    /// The commendation proposed for praise.
    pub praise_entry_id: Option<Uuid>,
    /// The acknowledgement reminder went out at (claimed once).
    pub ack_reminded_at: Option<DateTimeUtc>,
    /// The missed acknowledgement was escalated at (claimed once).
    pub ack_escalated_at: Option<DateTimeUtc>,
    /// The reply reminder went out at (claimed once per reply deadline).
    pub reply_reminded_at: Option<DateTimeUtc>,
    /// The missed reply was escalated at (claimed once per reply deadline).
    pub reply_escalated_at: Option<DateTimeUtc>,
    /// Raised by every change.
    pub version: i32,
    /// Submitted at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
