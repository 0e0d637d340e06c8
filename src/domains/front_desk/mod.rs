//! The front desk: parcels and visitors.
//!
//! Invariants:
//! - A parcel is logged by front-desk staff (an `ACTIVE` staff record with a desk post:
//!   `CUSTOMER_SERVICE` at the reception, `SECURITY` at the gate, `MANAGER`) serving the
//!   unit's building, or an administrator; the unit's current residents are notified in the
//!   same transaction (inbox, and live through `notificationReceived`).
//! - Every waiting parcel has a one-time pickup code, random and unique among waiting parcels
//!   (a unique index on `waiting_code`, which is cleared when the parcel leaves the shelf).
//!   The code is shown only to the unit's current residents; the desk never lists it, it only
//!   types it in. A parcel leaves the shelf once (a conditional update): a second pickup is
//!   `CONFLICT`, a wrong code `NOT_FOUND`, and nothing is written either way.
//! - Unclaimed parcels remind the unit's residents every `RESIDENT_HUB_PARCEL_REMINDER_DAYS`
//!   (at most [`service::MAX_REMINDERS`] times); each reminder is claimed with a conditional
//!   update on the count sent, so two instances never send it twice.
//! - A visitor pass is registered by a resident for their own unit and carries a random,
//!   unique pass code shown to the unit's residents only. The desk checks it in within its
//!   window (with [`service::GRACE_MINUTES`] minutes' grace either side: otherwise
//!   `INVALID_STATE`), never for a name or car plate on the building's blacklist (`FORBIDDEN`),
//!   once (`CONFLICT`); the resident who registered the visitor is notified on arrival.
//! - Who sees what: a unit's residents its parcels and passes; front-desk staff and managers
//!   those of the buildings they serve; administrators all; nobody else (`NOT_FOUND`, `null`
//!   from `node(id:)`). The blacklist is kept by administrators and the building's managers and
//!   read by the building's front desk.
//!
//! Layout: [`service`] (rules and transactions), [`access`] (who is at the desk),
//! [`reminders`] (the job), [`types`], [`graphql`].

pub mod access;
pub mod graphql;
pub mod reminders;
pub mod service;
pub mod types;
