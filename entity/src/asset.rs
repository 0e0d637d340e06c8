//! A facility asset of a building (an elevator, a fire extinguisher, a pump…), with its
//! inspection certificate, its meter and the claim flags of its certificate reminders.

use sea_orm::entity::prelude::*;

/// One asset.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "asset")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The building.
    pub building_id: Uuid,
    /// `ELEVATOR`, `FIRE_EXTINGUISHER`, …
    pub kind: String,
    /// Code, unique in its building.
    pub code: String,
    /// Name.
    pub name: String,
    /// Where in the building.
    pub location: String,
    /// Make and model.
    pub model: Option<String>,
    /// Installed on.
    pub installed_on: Option<Date>,
    /// Warranty until.
    pub warranty_until: Option<Date>,
    /// `IN_SERVICE`, `OUT_OF_SERVICE`, `RETIRED`.
    pub status: String,
    /// Since when it has had that status.
    pub status_since: DateTimeUtc,
    /// The qualification required to service it.
    pub qualification_id: Option<Uuid>,
    /// Last day of its inspection certificate.
    pub certificate_expires_on: Option<Date>,
    /// The 30-day reminder was claimed.
    #[sea_orm(column_name = "certificate_warned_30")]
    pub certificate_warned_30: bool,
    /// The 7-day reminder was claimed.
    #[sea_orm(column_name = "certificate_warned_7")]
    pub certificate_warned_7: bool,
    /// The expiry notice was claimed.
    pub certificate_expired_notified: bool,
    /// Last meter reading.
    pub meter_value: Option<f64>,
    /// When the meter was last read.
    pub meter_read_at: Option<DateTimeUtc>,
    /// Who registered it.
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
