//! A checkpoint of a patrol route: its place in the order, its tag code (unique across the
//! estate) and its time window. Checkpoints taken off a route are retired, never deleted, so
//! past runs keep pointing at them.

use sea_orm::entity::prelude::*;

/// One checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "patrol_checkpoint")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The route.
    pub route_id: Uuid,
    /// 1-based place in the route's order (among checkpoints not retired).
    pub position: i32,
    /// Name.
    pub name: String,
    /// Where it is.
    pub location: String,
    /// The QR or NFC tag's code.
    pub code: String,
    /// Minutes after the run's start it is expected at.
    pub expected_minutes: i32,
    /// Minutes either side of the expected time that still count as on time.
    pub tolerance_minutes: i32,
    /// Taken off the route.
    pub retired: bool,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
