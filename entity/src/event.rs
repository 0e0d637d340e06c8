//! The event log: every event published on the bus is first a row here, written in the same
//! transaction as the change it describes. Redis is the fast path; this table is the record that
//! subscribers replay from after a gap.

use sea_orm::entity::prelude::*;

/// One published event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Topic key without the deployment prefix (for example `ping`).
    pub topic: String,
    /// Position in the topic, dense and in commit order (1, 2, 3, …): the replay cursor.
    pub seq: i64,
    /// Event kind within the topic.
    pub kind: String,
    /// Event body as JSON.
    pub payload: Json,
    /// When the event was written.
    pub created_at: DateTimeUtc,
}

/// The event log has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
