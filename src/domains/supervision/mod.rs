//! The supervision group (监督小组) and its inspections: each building's group of a chair, staff
//! members and resident representatives; immutable inspection plans (weighted checklists by
//! area); inspections, scheduled (announced) or unannounced, scored and completed once; findings
//! that open rectifications and work orders; results that feed the staff members' records.
//!
//! Invariants:
//! - Membership is judged at use time: a member counts while today is within the term
//!   (`termFrom` ≤ today < `termUntil`), and a resident representative only while they also
//!   live in the building (a current residency). Who may see or do what is decided in
//!   [`access`] alone, for queries, lists, `node`, live events and notification subjects.
//! - An unannounced inspection is invisible to the building's staff (managers included: they are
//!   inspected too) until it is completed; its events are judged by the inspection as it was when
//!   the event was written, so its scheduling never reaches them, not even by replay.
//! - A plan's weights sum to 100 and a plan never changes: a revision is a new version that
//!   retires the old one, and an inspection keeps a copy of the items it was scored against.
//! - Completing (scoring) an inspection is one write, claimed by a conditional update on its
//!   status: of two completions one wins, the other gets `INVALID_STATE`, and the scores,
//!   findings, their rectifications and work orders, the event and the notifications commit
//!   together or not at all.
//!
//! Layout: [`access`] (who sees what), [`service`] (rules and transactions), [`graphql`]
//! (resolvers and the board subscription), [`types`], [`loaders`].

pub mod access;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod types;
