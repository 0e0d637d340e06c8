//! The estate: buildings, units, who lives where (residencies), the households' members, and
//! the staff who serve the buildings.
//!
//! Invariants:
//! - Only current residencies (moved in, not yet moved out) grant a resident access to a unit,
//!   its building and its household.
//! - What a viewer may see is decided by [`access::Scope`] (`ctx.scope()`), the one access
//!   helper every query and later feature (work orders, notices) uses, with its resident and
//!   staff facets loaded once per request when first needed: administrators see
//!   everything; supervisors see buildings, units and staff but no household; staff see the
//!   buildings they serve; residents see their own units, buildings and households.
//! - Lists leave out rows outside the viewer's scope; a single object outside it is `NOT_FOUND`,
//!   so its existence is not revealed.
//! - Household details are kept only with the household's recorded consent.

pub mod access;
pub mod graphql;
pub mod homes;
pub mod loaders;
pub mod service;
pub mod types;
