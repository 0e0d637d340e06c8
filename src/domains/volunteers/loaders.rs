//! Volunteer DataLoaders: an opportunity's shifts, and the nouns the entities are named by in
//! `NOT_FOUND` errors. Rows by id load through the generic `ById`.

use crate::{graphql::loaders::ColumnKey, store::Named};
use entity::{volunteer_opportunity, volunteer_shift, volunteer_sign_up};

/// Shifts by their opportunity.
pub struct ShiftsByOpportunity;

impl ColumnKey for ShiftsByOpportunity {
    type Entity = volunteer_shift::Entity;
    const COLUMN: volunteer_shift::Column = volunteer_shift::Column::OpportunityId;
}

impl Named for volunteer_opportunity::Entity {
    const NOUN: &'static str = "volunteer opportunity";
}

impl Named for volunteer_shift::Entity {
    const NOUN: &'static str = "volunteer shift";
}

impl Named for volunteer_sign_up::Entity {
    const NOUN: &'static str = "volunteer sign-up";
}
