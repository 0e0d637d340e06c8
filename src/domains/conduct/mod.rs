//! Conduct: the policies staff work by, and the rewards and penalties ledger.
//!
//! Invariants:
//! - A policy (`SERVICE_STANDARD`, `WORKFLOW`, `CODE_OF_CONDUCT`, `EMERGENCY_PROCEDURE`) has
//!   numbered versions; the highest is current. Only administrators publish, and publishing
//!   notifies the staff whose post it applies to (category `TRAINING`).
//! - Staff acknowledge only the current version of a policy applying to their post (an older
//!   one is `INVALID_STATE`, nothing written); acknowledging twice is the same as once.
//! - Once the current version's grace period has passed, a staff member who has not
//!   acknowledged it is unassignable: [`service::unacknowledged`] says who, in two statements.
//! - A ledger entry is proposed by an administrator or by an active manager for the staff of
//!   their buildings, never about oneself; penalties (`WARNING`, `FINE`, `DEMERIT`,
//!   `SUSPENSION`) name the record they rest on. Another person (never the proposer, never the
//!   subject), an administrator or supervisor, approves or rejects it; the subject may appeal an
//!   approved penalty within 7 days, and a supervisor upholds or overturns it. Every step is in
//!   [`service::TRANSITIONS`], runs in one write, and changes the status with a conditional
//!   update, so of concurrent steps exactly one wins.
//! - An approved suspension sets the staff record `SUSPENDED` for its period; the
//!   [`suspensions`] job returns it to `ACTIVE` at the end, once across instances.
//! - Reading follows the `StaffOversight` facet: staff their own records, managers those of
//!   their buildings' staff, supervisors and administrators everyone's; others `FORBIDDEN`.
//!
//! Layout: [`service`] (rules and transactions), [`suspensions`] (the job), [`types`],
//! [`graphql`], [`loaders`].

pub mod graphql;
pub mod loaders;
pub mod service;
pub mod suspensions;
pub mod types;
