//! The catalogue's DataLoaders and entity nouns: a page of categories loads its service-level
//! tables and offerings in one statement each, and offerings their categories in one.

use crate::{
    graphql::loaders::{ByColumn, ById, ColumnKey},
    store::Named,
};
use entity::{service_category, service_category_sla, service_offering, service_slot};

impl Named for service_category::Entity {
    const NOUN: &'static str = "service category";
}
impl Named for service_offering::Entity {
    const NOUN: &'static str = "service offering";
}
impl Named for service_slot::Entity {
    const NOUN: &'static str = "service slot";
}

/// Categories by id.
pub type CategoryById = ById<service_category::Entity>;

/// A service-level target's category.
pub struct SlaCategory;
impl ColumnKey for SlaCategory {
    type Entity = service_category_sla::Entity;
    const COLUMN: service_category_sla::Column = service_category_sla::Column::CategoryId;
}
/// Service-level targets by category.
pub type SlaByCategory = ByColumn<SlaCategory>;

/// An offering's category.
pub struct OfferingCategory;
impl ColumnKey for OfferingCategory {
    type Entity = service_offering::Entity;
    const COLUMN: service_offering::Column = service_offering::Column::CategoryId;
}
/// Offerings by category, oldest first (active and inactive: the field filters).
pub type OfferingsByCategory = ByColumn<OfferingCategory>;
