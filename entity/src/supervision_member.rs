//! A member of a building's supervision group: its chair, a staff member or a resident
//! representative, for a term.

use sea_orm::entity::prelude::*;

/// One membership.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "supervision_member")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The building whose group it is.
    pub building_id: Uuid,
    /// The member's account.
    pub user_id: Uuid,
    /// `CHAIR`, `STAFF` or `RESIDENT`.
    pub role: String,
    /// The member's staff record, for staff members (and a chair who is staff).
    pub staff_id: Option<Uuid>,
    /// First day of the term.
    pub term_from: Date,
    /// Last day of the term; `None`: open-ended.
    pub term_until: Option<Date>,
    /// Who appointed the member.
    pub appointed_by: Option<Uuid>,
    /// Appointed at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
