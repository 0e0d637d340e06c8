//! Rectifications (整改): a problem to put right, its responsible staff member, due date,
//! evidence and verification.

use sea_orm::entity::prelude::*;

/// One rectification.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "rectification")]
pub struct Model {
    /// UUID v7 (also the list order: newest first).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The building it concerns (access follows it).
    pub building_id: Uuid,
    /// `COMPLAINT`, `INSPECTION`, `LOW_RATING` or `SURVEY`.
    pub source_kind: String,
    /// The complaint, inspection, work order (for a low rating) or survey behind it.
    pub source_id: Option<Uuid>,
    /// The staff record responsible for putting it right.
    pub responsible_staff_id: Uuid,
    /// What is wrong.
    pub problem: String,
    /// What is to be done, or was done.
    pub corrective_action: Option<String>,
    /// Evidence of the correction: a JSON array of `{ url, note }`.
    pub evidence: String,
    /// Due by.
    pub due_at: DateTimeUtc,
    /// `OPEN`, `IN_PROGRESS`, `SUBMITTED` or `VERIFIED`.
    pub status: String,
    /// A work order opened for the work, if any.
    pub work_order_id: Option<Uuid>,
    /// Who opened it; `None` when the system did (a low rating).
    pub opened_by: Option<Uuid>,
    /// Opened at.
    pub opened_at: DateTimeUtc,
    /// Last submitted for verification at.
    pub submitted_at: Option<DateTimeUtc>,
    /// Who verified it (never the responsible person).
    pub verified_by: Option<Uuid>,
    /// Verified at.
    pub verified_at: Option<DateTimeUtc>,
    /// When the overdue sweep flagged it (set once; the sweep claims on it).
    pub overdue_at: Option<DateTimeUtc>,
    /// When the sweep reminded the responsible person that it is due soon (set once; claimed
    /// like `overdue_at`).
    pub reminded_at: Option<DateTimeUtc>,
    /// Raised by every change (optimistic concurrency).
    pub version: i32,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
