//! The service catalogue: what residents can book or report, and how the estate answers it.
//!
//! - A category (`PLUMBING`, "Plumbing repair") belongs to one estate service category
//!   (`REPAIR`): staff who serve that category are the ones eligible for its work orders.
//! - Each category carries its service-level policy: response and resolution minutes for every
//!   priority, and how long before a due time the warning goes out.
//! - Offerings inside a category are booked in time slots; a slot never takes more bookings
//!   than its capacity (a conditional update, so concurrent bookings cannot overbook).
//! - Administrators manage the catalogue; everyone signed in reads its active part.

pub mod types;
