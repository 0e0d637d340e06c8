//! A run's copy of one checkpoint, made when the run starts: its expected time, and the scan,
//! lateness, miss and finding recorded against it.

use sea_orm::entity::prelude::*;

/// One checkpoint of one run.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "patrol_run_checkpoint")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The run.
    pub run_id: Uuid,
    /// The route's checkpoint.
    pub checkpoint_id: Uuid,
    /// 1-based place in the run's order.
    pub position: i32,
    /// Name (as when the run started).
    pub name: String,
    /// Where it is (as when the run started).
    pub location: String,
    /// When it is expected: the run's start plus the checkpoint's minutes.
    pub expected_at: DateTimeUtc,
    /// Minutes either side that still count as on time.
    pub tolerance_minutes: i32,
    /// `PENDING`, `SCANNED`, `LATE` or `MISSED`.
    pub status: String,
    /// Scanned at.
    pub scanned_at: Option<DateTimeUtc>,
    /// Who scanned it.
    pub scanned_by: Option<Uuid>,
    /// `NORMAL` or `ABNORMAL`, when a finding was recorded.
    pub finding: Option<String>,
    /// The finding's note.
    pub note: Option<String>,
    /// The finding's photo (an https URL).
    pub photo_url: Option<String>,
    /// The work order an abnormal finding opened.
    pub work_order_id: Option<Uuid>,
    /// The rectification an abnormal finding opened.
    pub rectification_id: Option<Uuid>,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
