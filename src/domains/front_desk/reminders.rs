//! The parcel job: a parcel still waiting `RESIDENT_HUB_PARCEL_REMINDER_DAYS` after it was
//! logged reminds the unit's residents, and again after as many days (at most
//! [`MAX_REMINDERS`](super::service::MAX_REMINDERS) times). Every instance runs it; each
//! reminder is claimed with a conditional update in the write that sends it.

use super::service::FrontDesk;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// Unclaimed-parcel reminders.
pub struct ParcelReminders;

impl ParcelReminders {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "parcel-reminders";
}

impl Job for ParcelReminders {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { FrontDesk::new(state).run_reminders().await })
    }
}
