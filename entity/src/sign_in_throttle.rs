//! Failed sign-in counters per account and per client address, shared by every instance.

use sea_orm::entity::prelude::*;

/// Failures recorded under one key (`account:<email>` or `address:<ip>`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_throttle")]
pub struct Model {
    /// The throttled key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Consecutive failures in the current window.
    pub failures: i32,
    /// The latest failure.
    pub last_failure_at: DateTimeUtc,
    /// No attempt is checked before this time.
    pub blocked_until: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
