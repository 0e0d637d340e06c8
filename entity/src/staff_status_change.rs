//! The history of a staff record's status changes made by rules (training completes
//! onboarding), with the reason and what caused it.

use sea_orm::entity::prelude::*;

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_status_change")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The staff record.
    pub staff_id: Uuid,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Why.
    pub reason: String,
    /// The user whose action caused it.
    pub actor_id: Option<Uuid>,
    /// The training record that completed the requirement, if any.
    pub training_record_id: Option<Uuid>,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
