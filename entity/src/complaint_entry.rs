//! The timeline of a complaint: one entry per step, written in the step's transaction.

use sea_orm::entity::prelude::*;

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "complaint_entry")]
pub struct Model {
    /// UUID v7 (orders the entries of one complaint).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The complaint.
    pub complaint_id: Uuid,
    /// Who acted; `None` for the system, and for the complainant of an anonymous complaint.
    pub actor_id: Option<Uuid>,
    /// The complainant took this step.
    pub by_complainant: bool,
    /// The step (`SUBMIT`, `ACKNOWLEDGE`, `ASSIGN`, `NOTE`, …).
    pub action: String,
    /// Status before; `None` for the submission.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: String,
    /// The note, reason or reply given.
    pub note: Option<String>,
    /// Staff only: never shown to the complainant or the staff member concerned.
    pub internal: bool,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
