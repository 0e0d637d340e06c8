//! Staff training: courses, sessions, enrolments and results, and what the standard makes of
//! them (who may start work, who may keep being assigned it).
//!
//! Invariants:
//! - Administrators manage courses and sessions; staff, supervisors and administrators read
//!   them; residents and merchants are `FORBIDDEN`. Training records are read under
//!   [`StaffOversight`](crate::domains::estate::access::StaffOversight): one's own, a manager's
//!   buildings' staff, everyone's for supervisors and administrators.
//! - An `IN_SERVICE` course recurs at most every 12 months; a pass score is 0–100.
//! - A session never takes more enrolments than its capacity (one conditional update, so
//!   concurrent enrolments cannot overfill it), and nobody is enrolled twice (`CONFLICT`).
//! - A result is `PASSED` iff attended with at least the pass score; a pass is valid until issued
//!   plus the course's recurrence (forever without one).
//! - In the result's transaction, an `ONBOARDING` staff record becomes `ACTIVE` once every
//!   `PRE_JOB` course required for its post holds a valid pass: the change is written with its
//!   history row (`staff_status_change`), the user is told, and their access is refreshed.
//! - [`service::training_blockers`] is the one rule work-order eligibility reads: pre-job
//!   incomplete, or a required `IN_SERVICE` course without a valid pass (a post with no
//!   required in-service course is not blocked by it).
//! - The `training-lapse` job tells a staff member and their managers 30 days before an
//!   in-service pass lapses, once across instances (each record claimed by a conditional update).

pub mod graphql;
pub mod jobs;
pub mod loaders;
pub mod service;
pub mod types;
