//! Notices: the bulletin board, live. Notices are one producer of notifications among many
//! (see [`crate::notifications`]).
//!
//! Layout: [`audience`] (who a notice is for, the visibility rule), [`board`] (reads),
//! [`service`] (changes, through the write path), [`scheduler`] (the publishing job),
//! [`types`] and [`graphql`].
//!
//! Invariants:
//! - Publishing a notice writes the notice, its audience, one notification per recipient
//!   (batched inserts, through the notifier) and an event-log row in one transaction; events go
//!   on the bus only after the commit. A bus failure loses nothing: subscribers replay from the
//!   database.
//! - A notice is visible to a viewer when one of its audience targets includes them: the whole
//!   estate, a building, floor or unit of a current residency (or a building they serve as
//!   active staff), or one of their roles. Queries, notification subjects, links between
//!   corrections and subscriptions use the same rule; subscriptions judge each event with the
//!   subscriber's current scope.
//! - Administrators publish anywhere; active managers only to the buildings they serve (and
//!   floors and units in them).
//! - A published notice is never edited; a correction is a new notice that supersedes it.
//! - Scheduled notices are published exactly once, whatever the number of instances: the
//!   `SCHEDULED → PUBLISHED` change is a conditional update only one instance can win.

pub mod audience;
pub mod board;
pub mod graphql;
pub mod loaders;
pub mod scheduler;
pub mod service;
pub mod types;
