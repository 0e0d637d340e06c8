//! The qualifications' DataLoaders and entity nouns: a page of qualifications loads its
//! requirements in one statement, a page of certificates its qualifications and staff records
//! in one each.

use crate::{
    graphql::loaders::{ByColumn, ById, ColumnKey},
    store::Named,
};
use entity::{qualification, qualification_requirement, staff_certificate};

impl Named for qualification::Entity {
    const NOUN: &'static str = "qualification";
}
impl Named for staff_certificate::Entity {
    const NOUN: &'static str = "certificate";
}

/// Qualifications by id.
pub type QualificationById = ById<qualification::Entity>;

/// A requirement's qualification.
pub struct RequirementQualification;
impl ColumnKey for RequirementQualification {
    type Entity = qualification_requirement::Entity;
    const COLUMN: qualification_requirement::Column =
        qualification_requirement::Column::QualificationId;
}
/// Requirements by qualification.
pub type RequirementsByQualification = ByColumn<RequirementQualification>;
