//! Staff compliance: whether each staff member meets the service standard now (certified,
//! trained, policies acknowledged, not suspended), and a staff member's own profile.
//!
//! Invariants:
//! - The reasons are the work-order eligibility's own ([`crate::domains::work_orders::types::
//!   IneligibleReason`]), computed by the same functions of the qualifications, training and
//!   conduct domains, judged by the clock at the moment of the query.
//! - Who sees whom is the [`crate::domains::estate::access::StaffOversight`] rule: administrators
//!   and supervisors everyone, managers the staff of the buildings they serve, staff themselves.

pub mod graphql;
pub mod service;
