//! Partners: merchants and institutions (shops, restaurants, clinics, pharmacies, schools, care
//! agencies, pet services) that serve some buildings under a contract, and the users who act for
//! them. A MERCHANT user belongs to at most one partner (`partner_member`).
//!
//! Layout: [`facts`] (who acts for which partner, read by perks, health and care).

pub mod facts;
