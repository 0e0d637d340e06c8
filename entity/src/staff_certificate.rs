//! A certificate a staff member holds for a qualification, its verification, and the claim
//! flags of its expiry reminders.

use sea_orm::entity::prelude::*;

/// One certificate.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_certificate")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The staff record holding it.
    pub staff_id: Uuid,
    /// The qualification it certifies.
    pub qualification_id: Uuid,
    /// Certificate number.
    pub number: String,
    /// Who issued it.
    pub issuer: String,
    /// Issue date.
    pub issued_on: Date,
    /// Last day it is valid; `None`: never expires.
    pub expires_on: Option<Date>,
    /// Where the scanned certificate is (https).
    pub evidence_url: Option<String>,
    /// `PENDING_VERIFICATION`, `VALID`, `EXPIRED` or `REVOKED` as last written; a valid or
    /// pending certificate past its expiry date counts as expired whatever is stored.
    pub status: String,
    /// The administrator who verified it.
    pub verified_by: Option<Uuid>,
    /// When it was verified.
    pub verified_at: Option<DateTimeUtc>,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<DateTimeUtc>,
    /// The 30-day reminder was claimed.
    #[sea_orm(column_name = "warned_30")]
    pub warned_30: bool,
    /// The 7-day reminder was claimed.
    #[sea_orm(column_name = "warned_7")]
    pub warned_7: bool,
    /// The expiry notice was claimed.
    pub expiry_notified: bool,
    /// Submitted at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
