//! The requester's rating of a resolved work order, and the assignee's one reply.

use sea_orm::entity::prelude::*;

/// One rating per order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_order_rating")]
pub struct Model {
    /// The order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub work_order_id: Uuid,
    /// The requester.
    pub rater_id: Uuid,
    /// Overall, 1–5.
    pub score: i16,
    /// Speed, 1–5.
    pub speed: Option<i16>,
    /// Attitude, 1–5.
    pub attitude: Option<i16>,
    /// Quality, 1–5.
    pub quality: Option<i16>,
    /// Tags as a JSON array.
    pub tags: String,
    /// Comment.
    pub comment: Option<String>,
    /// The requester said it is not fixed (the order reopened).
    pub not_fixed: bool,
    /// The assignee's reply.
    pub reply: Option<String>,
    /// Replied at.
    pub replied_at: Option<DateTimeUtc>,
    /// Rated at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
