//! Health services, privacy first: opt-in health profiles of residents and of the children and
//! elders of their households, consents, the access log, consultations with slots, and
//! physical-examination results.
//!
//! Invariants:
//! - A profile is read by its *owner side* (the resident it describes; for a child or elder, the
//!   current residents of the household: household members have no accounts) and by nobody else
//!   unless a consent holds: `HEALTH_STAFF` opens it to active `HEALTH_ASSISTANT` staff, `CLINIC`
//!   to the members of the clinic partner it names (while the partner is in business). Managers,
//!   supervisors and administrators get `NOT_FOUND` like everyone else.
//! - Every read by a consent holder writes an access-log row (who, when, what, under which
//!   consent) in the same transaction that judges the consent, so a withdrawn consent hides the
//!   profile from the next request on: nothing about consents is cached.
//! - Deleting a profile deletes every health row of its subject: consents, the access log, exam
//!   results and consultations (their notifications are removed; slot places are freed). Nothing
//!   is kept.
//! - Exam results are attached only while an `EXAM_RESULTS` consent holds; otherwise
//!   `INVALID_STATE` and nothing is written.
//! - No health data leaves through notifications, events or log lines: notifications say only
//!   what happened ("Consultation confirmed"), with the consultation or profile id as subject.
//! - A slot never takes more consultations than its capacity (a conditional update), and one
//!   subject holds one live consultation per slot (a unique index).
//!
//! Layout: [`access`] (who reads what), [`service`] (rules and transactions), [`types`],
//! [`graphql`].

pub mod access;
pub mod graphql;
pub mod service;
pub mod types;
