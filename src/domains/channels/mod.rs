//! Group channels: building, floor, interest, staff and direct channels where residents and
//! the staff serving them talk, live, with moderation.
//!
//! Invariants:
//! - Who reads, posts in and moderates a channel is decided in [`access`] alone. BUILDING,
//!   FLOOR, STAFF and DIRECT membership is derived from the viewer's current residencies and
//!   staff assignments, so a resident who moves out leaves at once; INTEREST membership is an
//!   explicit row whose changes queue an access change.
//! - Messages are numbered 1, 2, 3, … per channel under the channel row's lock, in the posting
//!   transaction; every post, edit, delete and hide writes its event on the channel's
//!   replayable topic ([`Topic::Channel`](crate::events::Topic::Channel)) in the same
//!   transaction, so `channelMessages` resumes with no gap and no duplicate.
//! - Rate limits and slow mode are counted in the posting transaction, after the channel row is
//!   locked: parallel posts cannot pass them, on any number of instances, and a refused post
//!   writes nothing.
//! - A person in a channel is a display name and an id; contact details never appear.
//! - A message's reference is resolved per reader through the referenced object's own access
//!   check (`node`): a reader who may not see it gets null.

pub mod access;
pub mod graphql;
pub mod reactions;
pub mod service;
pub mod types;
