//! Staff qualifications and certificates: who is certified to do which work.
//!
//! - A qualification ("Low-voltage electrician licence", code `LOW_VOLTAGE_ELECTRICIAN`) says
//!   how long its certificates stay valid (or that they never expire) and which staff posts and
//!   service-category groups require it. Administrators manage the catalogue; staff,
//!   supervisors and administrators read it; residents may not.
//! - Staff submit their own certificates (`PENDING_VERIFICATION`); administrators verify
//!   (`VALID`) or revoke them (`REVOKED`, with a reason). The steps are one table
//!   ([`service::TRANSITIONS`]); any other step is `INVALID_STATE` and writes nothing. A step is a
//!   conditional update on the status read, so of two at once one wins.
//! - `EXPIRED` is a fact of the clock, not of a batch: a pending or valid certificate counts as
//!   expired from the first instant after its expiry date (UTC), in every read and in
//!   eligibility. The expiry job also stores it, but nothing waits for the job.
//! - The expiry job tells the staff member and the managers of their buildings 30 days and 7
//!   days before expiry and at expiry, each once across instances (conditional updates claim
//!   each flag).
//! - Who reads whose certificates is the estate's `StaffOversight` facet: staff their own,
//!   managers their buildings' staff, supervisors and administrators everyone.
//! - Eligibility ([`service::missing_certificates`], [`service::certified_for`]) is two
//!   statements for any number of staff.
//!
//! Layout: [`service`] (rules, transactions, eligibility), [`expiry`] (the job), [`loaders`],
//! [`types`] and [`graphql`].

pub mod expiry;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod types;
