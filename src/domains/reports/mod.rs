//! Reports: the standard-compliance report (how a building, or the estate, met the service
//! standard over a period, each figure with the records behind it) and the administrators'
//! service statistics (computed in SQL aggregates).
//!
//! Invariants:
//! - The report reuses the rules of the domains it reports on rather than restating them:
//!   staff standing is [`crate::domains::compliance::service::standings`] (certificates,
//!   training, policy acknowledgements), judged at the period's end (or now, for a period not
//!   over yet); complaint deadlines are the stored acknowledgement deadline and the configured
//!   reply window from submission; rectifications and work orders are judged against their own
//!   due times and breach flags.
//! - A record still within its deadline at the moment judged is `pending`: counted in neither
//!   the numerator nor the denominator, but listed, so the figures never change once judged.
//! - The statistics run a fixed number of statements whatever the number of orders: every
//!   figure is an aggregate (counts, and median and 90th percentile by window functions) in
//!   the database, on SQLite and PostgreSQL alike.
//! - Access ([`service::authorise`]): administrators and supervisors for any building or the
//!   estate, active managers for the buildings they serve; the statistics are for
//!   administrators.

pub mod graphql;
pub mod service;
pub mod statistics;
