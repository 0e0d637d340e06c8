//! Volunteers: residents' volunteer profiles, opportunities with shifts, sign-ups, attendance
//! verified by staff, and the time bank.
//!
//! Invariants:
//! - Residents (a current residency) volunteer: they keep one profile, sign up for shifts and
//!   hold time-bank hours. Administrators and active staff coordinate: they verify profiles,
//!   create opportunities and verify attendance — never their own.
//! - An opportunity's catalogue category never needs a certificate (a `GROUP` requirement of
//!   the qualifications domain): volunteers do not take work that needs a qualification.
//! - A shift never has more live sign-ups than places: the place is taken with a conditional
//!   update in the sign-up's transaction; one live sign-up per resident and shift (a unique
//!   index on the live shift).
//! - The time bank is a ledger: every movement is a `time_bank_entry` (`EARNED`, `DONATED`,
//!   `RECEIVED`, `REDEEMED`) written with the account change, and the balance never goes below
//!   zero ([`service::debit`] is a conditional update). A sign-up earns once.
//!
//! Layout: [`service`] (rules and transactions), [`types`], [`graphql`], [`loaders`].

pub mod graphql;
pub mod loaders;
pub mod service;
pub mod types;
