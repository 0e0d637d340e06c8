//! Satisfaction surveys and polls: a survey for an audience (the notices' audience model) with a
//! window, questions (SINGLE, MULTI, SCALE 1–5 or 0–10, TEXT), one response per user or per
//! unit, results per question and per building, and the facts other domains read.
//!
//! Layout: [`access`] (who sees, answers and runs which survey), [`service`] (every change,
//! through the write path, and the results), [`reminders`] (the job reminding the audience and
//! sealing closed anonymous surveys), [`facts`] (aggregates for staff assessment and the
//! standard-compliance report), [`types`], [`loaders`] and [`graphql`].
//!
//! Invariants:
//! - A response stores the respondent's building at submission, so every aggregate can be cut
//!   by building without naming anyone.
//! - On an anonymous survey a response stores no user and no unit: only a key hashed under the
//!   survey's own salt (wiped when the survey closes) tells that a respondent has answered.
//!   Nothing written on a response names the respondent: no event (a submission only signals
//!   `Topic::SurveyResults`, which carries no payload and is not logged), no notification, no
//!   log line; anonymous responses' ids are random (v4, no time in them) and their times are
//!   cut to the hour; reminders of anonymous surveys go to the whole audience, and results per
//!   building hold back their per-question figures below `service::MIN_GROUP` responses.
//! - One response per user or home: a unique index on `(survey_id, respondent_key)`; a second
//!   (also two at once) is `CONFLICT` and writes nothing. The author changes it until the
//!   survey closes.
//! - The stored status is `DRAFT` or `PUBLISHED`; `SCHEDULED`, `OPEN` and `CLOSED` follow from
//!   the clock.

pub mod access;
pub mod facts;
pub mod graphql;
pub mod loaders;
pub mod reminders;
pub mod service;
pub mod types;
