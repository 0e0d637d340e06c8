//! Complaints and suggestions: a resident complains, suggests or praises; the complaint is
//! acknowledged and replied to against deadlines, by a handler who is never the staff member it
//! is about; the complainant follows it live, may reopen it once or appeal to the supervisors,
//! and rates the handling once. Praise of a staff member proposes a commendation.
//!
//! Invariants:
//! - A status changes only through the transition table in [`flow`]; each step writes its
//!   timeline entry, its live event (`COMPLAINT_CHANGED` on
//!   [`Topic::Complaints`](crate::events::Topic::Complaints)) and its notifications in the same
//!   transaction, conditional on the complaint's `version` (of two concurrent steps one wins,
//!   the other gets `CONFLICT`); an illegal step is `INVALID_STATE` and writes nothing.
//! - Who sees what is decided in [`access`] alone, for lists, single complaints, notification
//!   subjects and live events.
//! - An anonymous complainant is never named to anyone else: not in queries, lists, timeline
//!   entries (their steps carry no actor), event payloads (the complainant id is blanked),
//!   notification texts or log lines. They are still rate-limited and still follow their own
//!   complaint.
//! - The submission limit is counted in the submission's own transaction on the complainant's
//!   quota row (a conditional upsert), so parallel submissions cannot pass it and a refused one
//!   writes nothing.
//! - Reminders and escalations are claimed with conditional updates ([`deadlines`]), so each
//!   goes out once across instances.
//! - Rectifications are opened only through
//!   [`rectifications::service::open`](crate::domains::rectifications::service::open), in the
//!   step's write.

pub mod access;
pub mod deadlines;
pub mod flow;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod types;
