//! A care plan: regular visits to a household member (child, elder, pet) by an assigned
//! caregiver, on a weekly schedule between two dates.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "care_plan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The household member cared for.
    pub household_member_id: Uuid,
    /// The member's unit (the household), kept for access checks.
    pub unit_id: Uuid,
    /// The unit's building, kept for access checks.
    pub building_id: Uuid,
    /// The member's kind (`CHILD`, `ELDER`, `PET`).
    pub member_kind: String,
    /// What the member needs.
    pub needs: String,
    /// `CareVisitKind` (CHECK_IN_CALL, HOME_VISIT, WALK, AFTER_SCHOOL, OTHER).
    pub visit_kind: String,
    /// Weekdays of the schedule: bit 0 Monday … bit 6 Sunday.
    pub days: i32,
    /// Start of each visit, minutes after midnight (UTC, the estate's clock).
    pub start_minute: i32,
    /// Length of each visit's window, in minutes.
    pub duration_minutes: i32,
    /// The staff record of a staff caregiver.
    pub caregiver_staff_id: Option<Uuid>,
    /// The user of a staff caregiver.
    pub caregiver_user_id: Option<Uuid>,
    /// A partner caregiver (care agency, pet service): any of its members records.
    pub caregiver_partner_id: Option<Uuid>,
    /// First day.
    pub starts_on: Date,
    /// Last day (open-ended when absent).
    pub ends_on: Option<Date>,
    /// `CarePlanStatus` (ACTIVE, ENDED).
    pub status: String,
    /// Occurrences before this instant have been made visits (the visits job's mark).
    pub materialised_until: DateTimeUtc,
    /// Who created it.
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
    /// When it was ended.
    pub ended_at: Option<DateTimeUtc>,
    /// Why it was ended.
    pub end_reason: Option<String>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
