//! The service catalogue: what residents can book or report, and how the estate answers it.
//!
//! - A category (`PLUMBING`, "Plumbing repair") belongs to one estate service category
//!   (`REPAIR`): staff who serve that category are the ones eligible for its work orders.
//! - Each category carries its service-level policy: response and resolution minutes for every
//!   priority, and how long before a due time the warning goes out.
//! - Offerings inside a category are booked in time slots; a slot never takes more bookings
//!   than its capacity (a conditional update, so concurrent bookings cannot overbook).
//! - Administrators manage the catalogue; everyone signed in reads its active part.

//!
//! Layout: [`input`] (parsed inputs: codes, prices, the service-level table), [`service`]
//! (reads, the administrators' changes, and the slot functions work orders call inside their own
//! transactions), [`loaders`], [`types`] and [`graphql`].

pub mod graphql;
pub mod input;
pub mod loaders;
pub mod service;
pub mod types;
