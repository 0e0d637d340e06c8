//! A resident's sign-up for a volunteer shift, and the attendance staff verified.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "volunteer_sign_up")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The shift.
    pub shift_id: Uuid,
    /// The shift's opportunity.
    pub opportunity_id: Uuid,
    /// The volunteer.
    pub user_id: Uuid,
    /// `SIGNED_UP`, `CANCELLED`, `ATTENDED` or `ABSENT`.
    pub status: String,
    /// The shift while the sign-up is live (`SIGNED_UP` or `ATTENDED`), NULL once cancelled:
    /// unique with `user_id`, so one resident holds one live sign-up per shift.
    pub active_shift_id: Option<Uuid>,
    /// Verified minutes (attended).
    pub minutes: Option<i32>,
    /// Who verified the attendance.
    pub verified_by: Option<Uuid>,
    /// When.
    pub verified_at: Option<DateTimeUtc>,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
