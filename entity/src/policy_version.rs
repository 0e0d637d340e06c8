//! Policy versions: each publication of a conduct or workflow policy, the latest being current.

use sea_orm::entity::prelude::*;

/// One published version of a policy.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_version")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `SERVICE_STANDARD`, `WORKFLOW`, `CODE_OF_CONDUCT` or `EMERGENCY_PROCEDURE`.
    pub policy: String,
    /// 1, 2, … per policy (unique with `policy`).
    pub version: i32,
    /// Title.
    pub title: String,
    /// The text, when given inline.
    pub body: Option<String>,
    /// Where the document lives, when given as a link.
    pub url: Option<String>,
    /// The staff posts it applies to, as a JSON array of post codes.
    pub posts: String,
    /// Days staff have to acknowledge it before they become unassignable.
    pub grace_days: i32,
    /// Published at.
    pub published_at: DateTimeUtc,
    /// The administrator who published it.
    pub published_by: Uuid,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
