//! Integration tests: the real server, started on port 0 with a fresh database, driven over
//! real HTTP and WebSocket. See `helpers.rs` for the backends.

// Tests may panic freely: a failed expectation is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod access;
mod activities;
mod assessment;
mod assets;
mod care;
mod catalogue;
mod channels;
mod client;
mod community;
mod complaints;
mod compliance;
mod conduct;
mod demo;
mod estate;
mod events;
mod front_desk;
mod fuzz;
mod fuzz_gen;
mod hardening;
mod health;
mod helpers;
mod hot_path;
mod http_transport;
mod identity;
mod ids;
mod input_errors;
mod leaks_and_input;
mod migrations;
mod node;
mod notices;
mod operations;
mod ordering;
mod pagination;
mod patrols;
mod perks;
mod process;
mod project;
mod qualifications;
mod rectifications;
mod reports;
mod sessions;
mod spec_responses;
mod supervision;
mod surveys;
mod throttling;
mod training;
mod websocket;
mod work_orders;
