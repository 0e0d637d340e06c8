//! Complaint DataLoaders: the timelines of a page of complaints in one statement.

use crate::{
    graphql::loaders::{ByColumn, ColumnKey},
    store::Named,
};
use entity::{complaint, complaint_entry};

impl Named for complaint::Entity {
    const NOUN: &'static str = "complaint";
}

/// A timeline entry's complaint.
pub struct EntryComplaint;
impl ColumnKey for EntryComplaint {
    type Entity = complaint_entry::Entity;
    const COLUMN: complaint_entry::Column = complaint_entry::Column::ComplaintId;
}
/// Each complaint's timeline, oldest first.
pub type EntriesByComplaint = ByColumn<EntryComplaint>;
