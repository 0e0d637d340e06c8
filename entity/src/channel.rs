//! A group channel: building, floor, interest, staff or direct (a resident's service line).

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "channel")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// `BUILDING`, `FLOOR`, `INTEREST`, `STAFF` or `DIRECT`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Description (may be empty).
    pub description: String,
    /// The building (BUILDING, FLOOR, DIRECT; optional for INTEREST and STAFF).
    pub building_id: Option<Uuid>,
    /// The floor (FLOOR).
    pub floor: Option<i32>,
    /// The resident of a DIRECT channel.
    pub resident_id: Option<Uuid>,
    /// `EVERYONE` or `STAFF` (an announcement channel).
    pub post_policy: String,
    /// `OPEN` or `APPROVAL` (INTEREST).
    pub join_policy: String,
    /// `LISTED` (INTEREST channels others may find and join) or `UNLISTED`.
    pub visibility: String,
    /// Minimum seconds between two messages of one member (0: off).
    pub slow_mode_seconds: i32,
    /// Messages posted so far: the number of the last one.
    pub message_count: i32,
    /// Who created it.
    pub created_by: Uuid,
    /// When it was archived (read only from then on).
    pub archived_at: Option<DateTimeUtc>,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
