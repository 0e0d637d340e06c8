//! Notifications, a platform service: every domain tells people things through one
//! [`Notifier`](notifier::Notifier), and every user reads them in one inbox.
//!
//! Invariants:
//! - A domain calls `Notifier::notify(&mut write, recipients, &draft)` inside its unit of work
//!   ([`crate::events::outbox::Write`]): the rows commit with the domain's change, and each
//!   recipient's feed event is published after the commit.
//! - Mutes are per category; an `EMERGENCY` notification reaches everyone regardless.
//! - The inbox never fails on a row it does not understand: an unknown category shows as
//!   `OTHER`, an unknown priority as `NORMAL`, an unknown subject type as a null `subject`.
//! - `subject` is the linked object only when the viewer may see it under that object's own
//!   rules (a withdrawn notice or one no longer addressed to them is null).
//! - The inbox table is the record of each user's feed topic: `notificationReceived` replays it
//!   from a cursor, then continues live, with no gap and no duplicate.
//! - A removed notification (its subject taken back, [`notifier::Notifier::remove`]) is never
//!   listed or counted again, and moves to a new position of its feed in the removing
//!   transaction: live and replaying subscribers get it once, as a removal, never as new.

pub mod graphql;
pub mod notifier;
pub mod service;
pub mod subjects;
pub mod types;
