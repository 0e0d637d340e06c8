//! A patrol route of a building: its post, schedule and grace; its checkpoints are
//! `patrol_checkpoint` rows.

use sea_orm::entity::prelude::*;

/// One route.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "patrol_route")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The building patrolled (access follows it).
    pub building_id: Uuid,
    /// Name.
    pub name: String,
    /// The staff post that walks it: `SECURITY` or `FIRE_CONTROL`.
    pub post: String,
    /// The schedule as JSON (`PatrolSchedule`).
    pub schedule: String,
    /// Minutes after a scheduled start before the run counts as not started.
    pub grace_minutes: i32,
    /// Whether runs are still scheduled.
    pub active: bool,
    /// Runs are materialised up to here (the job claims on it).
    pub materialised_until: DateTimeUtc,
    /// Raised by every change.
    pub version: i32,
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
