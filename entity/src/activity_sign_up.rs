//! Sign-ups for activities: a resident, for themselves and household members, holding seats or
//! a place on the waitlist.

use sea_orm::entity::prelude::*;

/// One sign-up.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "activity_sign_up")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The activity.
    pub activity_id: Uuid,
    /// The resident who signed up.
    pub user_id: Uuid,
    /// Their household (unit).
    pub unit_id: Uuid,
    /// Whether the resident comes too (else only the members named).
    pub include_self: bool,
    /// Seats it holds or waits for.
    pub seats: i32,
    /// `CONFIRMED`, `WAITLISTED`, `CANCELLED`, `CHECKED_IN` or `NO_SHOW`.
    pub status: String,
    /// Waitlist number while waitlisted (lower goes first).
    pub waitlist_seq: Option<i32>,
    /// The one-time check-in code, shown to the resident only.
    pub check_in_code: String,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// When it got its seats.
    pub confirmed_at: Option<DateTimeUtc>,
    /// When it was checked in.
    pub checked_in_at: Option<DateTimeUtc>,
    /// Who checked it in.
    pub checked_in_by: Option<Uuid>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
