//! Business domains, one vertical slice each: `mod.rs` states purpose and invariants,
//! `service.rs` owns rules and transactions, `graphql.rs` holds thin resolvers.

pub mod activities;
pub mod assessment;
pub mod assets;
pub mod care;
pub mod catalogue;
pub mod channels;
pub mod complaints;
pub mod compliance;
pub mod conduct;
pub mod estate;
pub mod front_desk;
pub mod health;
pub mod identity;
pub mod notices;
pub mod partners;
pub mod patrols;
pub mod qualifications;
pub mod rectifications;
pub mod reports;
pub mod service_centres;
pub mod supervision;
pub mod surveys;
pub mod system;
pub mod training;
pub mod volunteers;
pub mod work_orders;
