//! Comments on a work order, visible to residents or internal to staff.

use sea_orm::entity::prelude::*;

/// One comment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_order_comment")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order.
    pub work_order_id: Uuid,
    /// Who wrote it.
    pub author_id: Uuid,
    /// Text.
    pub body: String,
    /// `RESIDENT_VISIBLE` or `INTERNAL`.
    pub visibility: String,
    /// Attachment URLs as a JSON array.
    pub attachments: String,
    /// Written at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
