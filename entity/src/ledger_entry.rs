//! The rewards and penalties ledger: one row per proposed reward or penalty, with its decision
//! and, for penalties, its appeal.

use sea_orm::entity::prelude::*;

/// One ledger entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    /// UUID v7 (also the list order: newest first).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The staff record it is about.
    pub staff_id: Uuid,
    /// `BONUS`, `COMMENDATION`, `PROMOTION`, `WARNING`, `FINE`, `DEMERIT` or `SUSPENSION`.
    pub kind: String,
    /// `PROPOSED`, `APPROVED`, `REJECTED`, `APPEALED`, `UPHELD` or `OVERTURNED`.
    pub status: String,
    /// Amount with two decimals (`BONUS`, `FINE`).
    pub amount: Option<String>,
    /// Why.
    pub reason: String,
    /// The record behind a penalty: `COMPLAINT`, `INSPECTION`, `RATING`, `ASSESSMENT` or
    /// `WORK_ORDER`.
    pub source_kind: Option<String>,
    /// That record's id.
    pub source_id: Option<Uuid>,
    /// Start of a suspension.
    pub suspension_from: Option<DateTimeUtc>,
    /// End of a suspension.
    pub suspension_until: Option<DateTimeUtc>,
    /// Where an approved suspension stands: `PENDING` (not started), `ACTIVE`, `ENDED`; the job
    /// claims each step with a conditional update on it.
    pub suspension_state: Option<String>,
    /// Who proposed it.
    pub proposed_by: Uuid,
    /// Proposed at.
    pub proposed_at: DateTimeUtc,
    /// Who approved or rejected it.
    pub decided_by: Option<Uuid>,
    /// Approved or rejected at.
    pub decided_at: Option<DateTimeUtc>,
    /// The decision's note.
    pub decision_note: Option<String>,
    /// The staff member's grounds for appeal.
    pub appeal_reason: Option<String>,
    /// Appealed at.
    pub appealed_at: Option<DateTimeUtc>,
    /// The supervisor who decided the appeal.
    pub appeal_decided_by: Option<Uuid>,
    /// Appeal decided at.
    pub appeal_decided_at: Option<DateTimeUtc>,
    /// The appeal decision's note.
    pub appeal_note: Option<String>,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
