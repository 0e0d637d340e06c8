//! Rectifications (整改): a problem found by a complaint, an inspection, a low work-order
//! rating or a survey, put right by a responsible staff member and verified by someone else.
//!
//! Invariants:
//! - Every rectification is opened through [`service::open`], inside the write of whatever
//!   found the problem (a complaint's step, an inspection's completion, a rating), so the
//!   problem and its rectification are committed together or not at all.
//! - It belongs to one building (access follows it) and names one responsible staff record; its
//!   timeline (`rectification_entry`) gets one entry per step, written in the step's
//!   transaction, and every step publishes one `CHANGED` event on
//!   [`Topic::Rectifications`](crate::events::Topic::Rectifications).
//! - The responsible person hears of it at once (inbox + live, category `RECTIFICATION`).
//! - A status changes only through the transition table in [`flow`], conditional on the
//!   `version` read (of two concurrent steps one wins, the other gets `CONFLICT`); the verifier
//!   is never the responsible person.
//! - Who sees what is decided in [`access`] alone, for lists, single rectifications,
//!   notification subjects and live events.
//! - The overdue flag and the due-soon reminder are claimed by conditional updates
//!   ([`overdue`]), so each goes out once across instances.
//!
//! Layout: [`service`] (rules and transactions), [`flow`], [`access`], [`graphql`],
//! [`loaders`], [`overdue`] (the job), [`types`].

pub mod access;
pub mod flow;
pub mod graphql;
pub mod loaders;
pub mod overdue;
pub mod service;
pub mod types;
