//! The job that marks no-shows: once an activity has ended, its confirmed sign-ups that were
//! never checked in become `NO_SHOW`. It runs at the end rather than the start because check-in
//! stays open for the whole activity (late arrivals are still welcome); no staff action is
//! needed. Every instance runs it; each activity is claimed with a conditional update, so it is
//! marked once.

use super::service::ActivityService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The no-show sweep.
pub struct ActivityNoShows;

impl ActivityNoShows {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "activity-no-shows";
}

impl Job for ActivityNoShows {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { ActivityService::new(state).mark_no_shows().await })
    }
}
