//! Work-order DataLoaders: timelines, comments and ratings of a page of orders, one statement
//! each.

use crate::{
    graphql::loaders::{ByColumn, ById, ColumnKey},
    store::Named,
};
use entity::{
    work_order, work_order_assistant, work_order_comment, work_order_entry, work_order_rating,
};

impl Named for work_order::Entity {
    const NOUN: &'static str = "work order";
}

/// Work orders by id.
pub type WorkOrderById = ById<work_order::Entity>;

/// A timeline entry's order.
pub struct EntryOrder;
impl ColumnKey for EntryOrder {
    type Entity = work_order_entry::Entity;
    const COLUMN: work_order_entry::Column = work_order_entry::Column::WorkOrderId;
}
/// Each order's timeline, oldest first.
pub type EntriesByOrder = ByColumn<EntryOrder>;

/// A comment's order.
pub struct CommentOrder;
impl ColumnKey for CommentOrder {
    type Entity = work_order_comment::Entity;
    const COLUMN: work_order_comment::Column = work_order_comment::Column::WorkOrderId;
}
/// Each order's comments, oldest first.
pub type CommentsByOrder = ByColumn<CommentOrder>;

/// Each order's rating (keyed by the order).
pub type RatingByOrder = ById<work_order_rating::Entity>;

/// An assistant's order.
pub struct AssistantOrder;
impl ColumnKey for AssistantOrder {
    type Entity = work_order_assistant::Entity;
    const COLUMN: work_order_assistant::Column = work_order_assistant::Column::WorkOrderId;
}
/// Each order's assistants.
pub type AssistantsByOrder = ByColumn<AssistantOrder>;
