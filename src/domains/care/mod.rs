//! Personalised care: care plans for household members (children, elders, pets), the visits
//! each scheduled occurrence becomes, and what the caregiver records about them.
//!
//! Invariants:
//! - A plan belongs to one household member; its schedule is weekdays, a start time and a
//!   window length (UTC, the estate's clock), between a first and an optional last day. Two
//!   active plans of one member never overlap (same weekday, intersecting windows and dates).
//! - The caregiver is either an active staff member whose post is `CAREGIVER` serving the
//!   member's building, or a partner of kind `CARE_AGENCY` (or `PET_SERVICE`, for pets) in
//!   business and serving the building; then any member of that partner records visits.
//! - Plans are created by a resident of the member's household, the building's manager or an
//!   administrator, and changed or ended by the same people.
//! - The `care-visits` job makes each occurrence due within a day a visit row (unique per plan
//!   and time, so running it twice or on two instances adds nothing) and marks a visit nobody
//!   recorded by the end of its window `MISSED` (a conditional update: once).
//! - Only the assigned caregiver records a visit, once; `MISSED` needs a reason. A missed visit
//!   of an elder (recorded or detected) alerts the household's residents and the building's
//!   managers at once with an `EMERGENCY` notification, which mutes do not hold back.
//! - Who sees plans and visits: the household (current residents of the member's unit), the
//!   caregiver (the staff member, or the partner's members), the building's managers and
//!   administrators; nobody else, not even through `node(id:)` (`NOT_FOUND`).
//!
//! Layout: [`access`] (who sees and records), [`schedule`] (weekly occurrences, overlaps),
//! [`service`] (rules and transactions), [`visits`] (the job), [`types`], [`graphql`].

pub mod access;
pub mod graphql;
pub mod schedule;
pub mod service;
pub mod types;
pub mod visits;
