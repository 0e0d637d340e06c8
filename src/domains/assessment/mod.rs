//! Staff assessment (考核评价): cycles (a month, quarter or year, for a staff group) with weighted
//! indicators; the peer reviews and supervisor scores entered while a cycle is open; and its
//! finalisation, which turns resident ratings, SLA performance, survey answers, reviews,
//! inspections and complaints into a score per indicator, a total, a grade, a performance-pay
//! factor, proposed ledger entries and training enrolments.
//!
//! Invariants:
//! - A cycle's indicator weights sum to 100; each source has a minimum sample (the cycle's or
//!   [`rules::DEFAULT_MINIMUMS`]); a source below it is left out, the remaining sources and
//!   weights are renormalised, and the result says so ([`rules`]).
//! - Finalising is one write, claimed by a conditional update on the cycle's status and version:
//!   of two finalisations one wins, the other gets `CONFLICT`. Results, ledger proposals (through
//!   `conduct::service::propose_in`), enrolments and notifications commit together or not at
//!   all. A finalised cycle never changes (`INVALID_STATE`); a correction is a new revision that
//!   supersedes it.
//! - Every review bumps the cycle's version, so a finalisation that read the facts before a late
//!   review lands gets `CONFLICT` instead of leaving the review out.
//! - Who sees a result is `estate::access::StaffOversight`: staff their own, managers their
//!   buildings' staff, administrators and supervisors everyone's.
//!
//! Layout: [`rules`] (pure scoring), [`facts`] (what the sources say, read before the write),
//! [`service`] (rules and transactions), [`graphql`], [`types`].

pub mod facts;
pub mod graphql;
pub mod rules;
pub mod service;
pub mod types;
