//! A staff member's acknowledgement of one policy version.

use sea_orm::entity::prelude::*;

/// One acknowledgement (unique per staff record and version).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_acknowledgement")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The staff record.
    pub staff_id: Uuid,
    /// The version acknowledged.
    pub version_id: Uuid,
    /// The version's policy (kept for reading acknowledgements per policy).
    pub policy: String,
    /// Acknowledged at.
    pub acknowledged_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
