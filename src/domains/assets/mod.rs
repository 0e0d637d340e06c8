//! Facility assets and preventive maintenance.
//!
//! Invariants:
//! - An asset belongs to one building; its code is unique there (a unique index). Elevators
//!   and fire equipment carry an inspection certificate expiry date, required at every write.
//! - Every status change is one conditional update on the status read, with its history entry
//!   (from, to, reason, actor) in the same write; a shared facility (elevator, access gate,
//!   water pump, lighting, playground) going `OUT_OF_SERVICE` notifies the building's residents
//!   in that write.
//! - Work orders about an asset (`work_order.asset_id`) join its history where they are born
//!   (`work_orders::service`), so every path that opens one records it.
//! - A maintenance occurrence is unique per (plan, asset, due key) and is inserted in the same
//!   write as its work order (`work_orders::service::open_in`): the `preventive-maintenance` job
//!   creates each order once across instances, and escalates each overdue occurrence once (a
//!   conditional update on `escalated`).
//! - The `asset-certificates` job claims each reminder (30 days, 7 days, expiry) with a
//!   conditional update, like staff certificates.
//!
//! Layout: [`service`] (assets, access, history, outages), [`maintenance`] (plans, occurrences,
//! the job's rules), [`jobs`], [`types`], [`graphql`].

pub mod graphql;
pub mod jobs;
pub mod maintenance;
pub mod service;
pub mod types;
