//! Rectification DataLoaders: the timelines of a page of rectifications, one statement.

use crate::{
    graphql::loaders::{ByColumn, ColumnKey},
    store::Named,
};
use entity::{rectification, rectification_entry};

impl Named for rectification::Entity {
    const NOUN: &'static str = "rectification";
}

/// A timeline entry's rectification.
pub struct EntryRectification;
impl ColumnKey for EntryRectification {
    type Entity = rectification_entry::Entity;
    const COLUMN: rectification_entry::Column = rectification_entry::Column::RectificationId;
}
/// Each rectification's timeline, oldest first.
pub type EntriesByRectification = ByColumn<EntryRectification>;
