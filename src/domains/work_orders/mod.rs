//! Work orders: a resident books a service or reports a problem, the right staff member does it,
//! everyone follows it live, the resident rates it.
//!
//! Invariants:
//! - A status changes only through the transition table in [`flow`]; each change writes its
//!   timeline entry, its live event and its notifications in the same transaction, and an
//!   illegal change is `INVALID_STATE` and writes nothing.
//! - Every change is conditional on the order's `version` being the one read: of two concurrent
//!   changes one wins and the other gets `CONFLICT` (so two staff grabbing one order: one wins).
//! - One eligibility rule ([`service::eligibility`]) serves assign, grab, automatic dispatch,
//!   transfer and `eligibleStaff`.
//! - Who sees what is decided in [`access`] alone, for lists, single orders and live events;
//!   internal comments and assignment reasons never reach residents.
//! - Service-level clocks come from the category's policy; holds for reasons that wait on others
//!   stop them; warnings and breaches are claimed by a conditional update, so each goes out once
//!   across instances.

pub mod access;
pub mod flow;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod sla;
pub mod types;
