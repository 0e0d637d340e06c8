//! System: what the server is running on, and diagnostic pings that prove event delivery end to
//! end (database log → bus → every instance → WebSocket subscribers).
//!
//! Invariants: a ping is written to the event log in a transaction and published only after the
//! commit; only signed-in users may send pings; messages are 1–200 characters.

pub mod graphql;
pub mod service;
