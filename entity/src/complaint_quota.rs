//! How many complaints a user submitted in the current 24-hour window (the rate limit).

use sea_orm::entity::prelude::*;

/// One row per user who has submitted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_quota")]
pub struct Model {
    /// The user.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// When the current window began.
    pub window_started_at: DateTimeUtc,
    /// Submissions in it.
    pub used: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
