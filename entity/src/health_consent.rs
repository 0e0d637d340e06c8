//! A consent that opens a health profile to a party (health staff, a clinic) or lets exam
//! results be attached; `live_key` is set while it holds, so one party has one live consent.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_consent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The profile.
    pub profile_id: Uuid,
    /// The profile's subject.
    pub subject_id: Uuid,
    /// `HEALTH_STAFF`, `CLINIC` or `EXAM_RESULTS`.
    pub scope: String,
    /// The clinic partner, for `CLINIC`.
    pub partner_id: Option<Uuid>,
    /// Unique while the consent holds; cleared when withdrawn.
    pub live_key: Option<String>,
    /// Who gave it.
    pub granted_by: Uuid,
    /// Given at.
    pub granted_at: DateTimeUtc,
    /// Withdrawn at.
    pub withdrawn_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
