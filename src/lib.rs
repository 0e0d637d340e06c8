//! Resident Hub: the GraphQL backend for apartment-building resident services.
//!
//! # Layout
//! - [`config`]: the command line and every setting (the only reader of the environment).
//! - [`app`]: [`app::AppState`] and [`app::Application`] (build, bind, run until stopped).
//! - [`http`]: GraphQL over HTTP and WebSocket, playground, health, readiness, metrics.
//! - [`graphql`]: the schema merged from the domains, guardrails, context helpers.
//! - [`domains`]: one vertical slice per business area (service rules + thin resolvers).
//! - [`events`]: typed topics, the event bus (Redis or in-process) and the event log.
//! - [`auth`]: the viewer, roles and access tokens.
//! - [`error`]: [`error::AppError`] and the stable error codes.
//! - [`store`]: persistence helpers shared by the services (not found, links, changes).
//! - [`db`], [`metrics`], [`telemetry`]: plumbing.
//!
//! Entities live in the `entity` crate and migrations in the `migration` crate.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domains;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod notifications;
pub mod store;
pub mod telemetry;
