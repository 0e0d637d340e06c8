//! Community activities: culture and sports events, lectures, health talks, physical-exam days,
//! festivals and volunteer services, with seats, a first-come-first-served waitlist, check-in
//! codes and feedback.
//!
//! Layout: [`access`] (who sees and runs which activity), [`service`] (every change, through the
//! write path), [`no_shows`] (the job marking those who did not come), [`types`], [`loaders`]
//! and [`graphql`].
//!
//! Invariants:
//! - An activity's audience is the notices' audience model ([`crate::domains::notices::audience`]),
//!   stored in `activity_audience`; residents see published (and cancelled) activities
//!   addressed to them by the same rule as notices.
//! - Seats are never oversold: every sign-up, cancellation and promotion first locks the
//!   activity row (a conditional update; SQLite's writes are serialised anyway), then counts,
//!   decides and writes in the same transaction. `seats_taken` and `waitlist_length` on the row
//!   are the counts, kept in step by the same statements.
//! - The waitlist is first come, first served: a new sign-up waits whenever anyone waits, and
//!   when seats free the head of the line is promoted while it fits (a party that does not fit
//!   keeps its place; nobody behind it jumps the line).
//! - The stored status is `DRAFT`, `PUBLISHED` or `CANCELLED`; `OPEN`, `FULL`, `CLOSED` and
//!   `DONE` follow from the seats and the clock, so they can never be stale.
//! - Every change that moves the seats or the waitlist signals `Topic::ActivitySeats`, which
//!   `activitySeatsChanged` re-reads.

pub mod access;
pub mod graphql;
pub mod loaders;
pub mod no_shows;
pub mod service;
pub mod types;
