//! A health profile: the opt-in health details of a resident or of a child or elder of their
//! household. Readable only as `domains::health::access` says.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_profile")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The subject: a user id or a household member id (unique).
    pub subject_id: Uuid,
    /// `RESIDENT` or `HOUSEHOLD_MEMBER`.
    pub subject_kind: String,
    /// The household (unit) of a household member.
    pub unit_id: Option<Uuid>,
    /// Conditions.
    pub conditions: String,
    /// Allergies.
    pub allergies: String,
    /// Medications.
    pub medications: String,
    /// Emergency contact's name.
    pub emergency_name: Option<String>,
    /// Emergency contact's phone.
    pub emergency_phone: Option<String>,
    /// Notes.
    pub notes: String,
    /// Who created it.
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
