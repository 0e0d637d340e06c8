//! Identity: users, roles, sign-in sessions and the viewer of each request.
//!
//! Invariants:
//! - Emails are stored lower-cased and trimmed, so uniqueness is case-insensitive.
//! - Only argon2id hashes of passwords and SHA-256 hashes of refresh tokens are stored.
//! - A refresh token is spent by its first use; its successor belongs to the same family.
//!   Presenting a spent or revoked token revokes the whole family (a stolen token is useless
//!   once either party refreshes).
//! - The viewer of a request is loaded from the database on every request: a disabled user or a
//!   removed role stops working at once, whatever the access token still says.
//! - Failed sign-ins are throttled per account and per client address; the answer never says
//!   whether the email exists.

pub mod graphql;
pub mod input;
pub mod loaders;
pub mod service;
pub mod throttle;
pub mod types;
