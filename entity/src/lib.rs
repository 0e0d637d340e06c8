//! SeaORM entities of Resident Hub: one module per table group, models only.
//!
//! GraphQL types live in the server crate and are built `From` these models, so a column can
//! never reach a client unless a GraphQL type names it.

pub mod event;
pub mod session;
pub mod sign_in_throttle;
pub mod user;
pub mod user_role;
