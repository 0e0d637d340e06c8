//! Notices and notifications: the bulletin board and each user's inbox, live.
//!
//! Invariants:
//! - Publishing a notice writes the notice, its audience, one notification per recipient
//!   (batched inserts) and an event-log row in one transaction; events go on the bus only after
//!   the commit. A bus failure loses nothing: subscribers replay from the database.
//! - A notice is visible to a viewer when one of its audience targets includes them: the whole
//!   estate, a building, floor or unit of a current residency (or a building they serve as
//!   staff), or one of their roles. Subscriptions filter with the same rule.
//! - A published notice is never edited; a correction is a new notice that supersedes it.
//! - Scheduled notices are published exactly once, whatever the number of instances: the
//!   `SCHEDULED → PUBLISHED` change is a conditional update only one instance can win.
//! - A user may mute notice kinds; `EMERGENCY` notices reach them anyway.

pub mod graphql;
pub mod scheduler;
pub mod service;
pub mod types;
