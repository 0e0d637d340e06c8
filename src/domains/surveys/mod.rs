//! Satisfaction surveys and polls: a survey for an audience (the notices' audience model) with a
//! window, questions (SINGLE, MULTI, SCALE 1–5 or 0–10, TEXT), one response per user or per
//! unit, results per question and per building, and the facts other domains read.
//!
//! Layout: [`facts`] (aggregates for staff assessment and the standard-compliance report).
//!
//! Invariants:
//! - A response stores the respondent's building at submission, so every aggregate can be cut
//!   by building without naming anyone.
//! - On an anonymous survey a response stores no user and no unit: only a key hashed under the
//!   survey's own salt (wiped when the survey closes) tells that a respondent has answered.

pub mod facts;
