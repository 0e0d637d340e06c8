//! Security and fire patrols: routes of ordered checkpoints (each with a random QR or NFC tag
//! code) and a schedule, walked by the building's staff of the route's post; runs made ahead
//! by the `patrol-runs` job, started by a guard, scanned in order within time windows,
//! finished with every unscanned checkpoint missed; findings that open work orders or
//! rectifications; alerts for runs not started in time; and the security office's live feed.
//!
//! Invariants:
//! - Who sees what is decided in [`access`] alone (queries, lists, `node`, notification
//!   subjects, live events); residents see nothing, and tag codes reach only the building's
//!   managers and administrators.
//! - A scan claims the run by a conditional update on its status and the position to scan
//!   next: scans go in order, a checkpoint is scanned once, and a refused scan writes nothing.
//!   The finding's work order or rectification commits with the scan or not at all.
//! - Scheduled runs are made once (each route's stretch claimed on `materialised_until`, and a
//!   unique key on route and start), and a run not started by its due time is flagged and
//!   alerted once (claimed on its status), across instances.
//! - A run keeps its own copy of its checkpoints from its start: changing the route never
//!   changes a run under way or past.
//!
//! Layout: [`access`], [`service`] (rules and transactions), [`graphql`], [`types`],
//! [`schedule`], [`job`].

pub mod access;
pub mod graphql;
pub mod job;
pub mod schedule;
pub mod service;
pub mod types;
