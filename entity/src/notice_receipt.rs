//! Who read and who acknowledged a notice.

use sea_orm::entity::prelude::*;

/// One reader of one notice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_receipt")]
pub struct Model {
    /// The notice.
    #[sea_orm(primary_key, auto_increment = false)]
    pub notice_id: Uuid,
    /// The reader.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// First read.
    pub read_at: Option<DateTimeUtc>,
    /// Acknowledged.
    pub acknowledged_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
