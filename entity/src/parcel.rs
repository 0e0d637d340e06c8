//! A parcel logged at the front desk for a unit, waiting on a shelf until a resident picks it up
//! with its one-time code or the desk hands it to a named member of the household.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "parcel")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// Id (UUID v7).
    pub id: Uuid,
    /// The unit's building (kept for the desk's shelf view).
    pub building_id: Uuid,
    /// The unit it is for.
    pub unit_id: Uuid,
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// `ParcelSize`.
    pub size: String,
    /// Where it is kept.
    pub storage_spot: String,
    /// `ParcelStatus`.
    pub status: String,
    /// The one-time pickup code (kept after pickup, to tell a second pickup from a wrong code).
    pub pickup_code: String,
    /// The pickup code while the parcel waits (unique among waiting parcels), null after.
    pub waiting_code: Option<String>,
    /// The desk member who logged it.
    pub logged_by: Uuid,
    /// When it was logged.
    pub logged_at: DateTimeUtc,
    /// When the next unclaimed reminder is due (null once collected or reminded enough).
    pub next_reminder_at: Option<DateTimeUtc>,
    /// Reminders sent so far.
    pub reminders_sent: i32,
    /// When it was collected.
    pub collected_at: Option<DateTimeUtc>,
    /// The desk member who gave it out.
    pub collected_by: Option<Uuid>,
    /// `CODE` or `HANDOVER`.
    pub collected_how: Option<String>,
    /// The resident it was handed to.
    pub collector_user_id: Option<Uuid>,
    /// The household member it was handed to.
    pub collector_member_id: Option<Uuid>,
    /// The collector's name as recorded.
    pub collector_name: Option<String>,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
