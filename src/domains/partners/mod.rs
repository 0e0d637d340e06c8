//! Partners: merchants and institutions (shops, restaurants, clinics, pharmacies, schools, care
//! agencies, pet services) that serve some buildings under a contract, and the users who act for
//! them. A MERCHANT user belongs to at most one partner (`partner_member`).
//!
//! Perks: what partners offer residents (discounts, free services, time-bank exchanges). A
//! resident in a perk's audience claims it and gets a one-time code; a MERCHANT member of the
//! perk's partner redeems the code.
//!
//! Layout: [`facts`] (who acts for which partner, read by perks, health and care), [`service`]
//! (partners and their members), [`perks`] (perks, claims, redemptions, statistics),
//! [`types`] and [`graphql`].
//!
//! Invariants:
//! - A perk's audience is the notices' audience model
//!   ([`crate::domains::notices::audience`]), stored in `perk_audience`.
//! - Limits hold under concurrency: a claim takes its place with one conditional update of the
//!   perk's counter (`claimed < total_limit`) and one of the resident's claim row
//!   (`claims < per_resident_limit`), in the claim's transaction; a time-bank exchange debits
//!   the resident's time bank in the same transaction (a conditional update too).
//! - A code redeems once: `ISSUED → REDEEMED` is a conditional update.
//! - A merchant sees its own partner's perks and redemptions, and of a resident only the
//!   display name.

pub mod facts;
pub mod graphql;
pub mod perks;
pub mod service;
pub mod types;
