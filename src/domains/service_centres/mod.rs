//! Service centres (offline service stations) and their appointments.
//!
//! Invariants:
//! - A centre has a name, an address, contact details, the buildings it covers, the services
//!   (catalogue categories) it offers with their slot length and places per slot, weekly
//!   opening hours and dated exceptions (a date's exception replaces its weekday). Times are
//!   minutes after midnight on the estate's clock (UTC).
//! - A booking starts on the slot grid of an opening day (every slot length from opening, each
//!   slot ending by closing), in the future; a slot never takes more appointments than its
//!   places (a conditional update in the booking's transaction) and a resident holds one live
//!   appointment per slot (a unique index on the live slot).
//! - Walk-ins are taken while the centre is open and get the next queue number of the
//!   centre's day from one atomic upsert, backed by a unique index: never a duplicate.
//! - Residents book for themselves at centres covering their building; staff at the centre
//!   (active staff serving a covered building) and administrators book for residents, see the
//!   centre's day list, serve, cancel, and open a work order from an appointment (channel
//!   `SERVICE_CENTRE`), which marks it served in the same transaction.
//!
//! Layout: [`service`] (rules and transactions), [`hours`] (opening hours and the slot grid),
//! [`types`], [`graphql`], [`loaders`].

pub mod graphql;
pub mod hours;
pub mod loaders;
pub mod service;
pub mod types;
