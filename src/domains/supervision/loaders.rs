//! Supervision DataLoaders: plans, plan items, scores and findings of a page of inspections, one
//! statement each.

use crate::{
    graphql::loaders::{ByColumn, ById, ColumnKey},
    store::Named,
};
use entity::{
    inspection, inspection_finding, inspection_plan, inspection_plan_item, inspection_score,
    supervision_member,
};

impl Named for inspection::Entity {
    const NOUN: &'static str = "inspection";
}

impl Named for inspection_plan::Entity {
    const NOUN: &'static str = "inspection plan";
}

impl Named for supervision_member::Entity {
    const NOUN: &'static str = "supervision group member";
}

/// Plans by id.
pub type PlanById = ById<inspection_plan::Entity>;

/// An item's plan.
pub struct ItemPlan;
impl ColumnKey for ItemPlan {
    type Entity = inspection_plan_item::Entity;
    const COLUMN: inspection_plan_item::Column = inspection_plan_item::Column::PlanId;
}
/// Each plan's items.
pub type ItemsByPlan = ByColumn<ItemPlan>;

/// A score's inspection.
pub struct ScoreInspection;
impl ColumnKey for ScoreInspection {
    type Entity = inspection_score::Entity;
    const COLUMN: inspection_score::Column = inspection_score::Column::InspectionId;
}
/// Each inspection's scores.
pub type ScoresByInspection = ByColumn<ScoreInspection>;

/// A finding's inspection.
pub struct FindingInspection;
impl ColumnKey for FindingInspection {
    type Entity = inspection_finding::Entity;
    const COLUMN: inspection_finding::Column = inspection_finding::Column::InspectionId;
}
/// Each inspection's findings.
pub type FindingsByInspection = ByColumn<FindingInspection>;
