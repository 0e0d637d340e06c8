//! The `patrol-runs` job: makes scheduled runs ahead and flags runs not started in time.
//! Every instance runs it; each route's stretch and each flag is claimed by a conditional
//! update, so each run is made once and each alert goes out once across instances.

use super::service::PatrolService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The patrol job.
pub struct PatrolRuns;

impl PatrolRuns {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "patrol-runs";
}

impl Job for PatrolRuns {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { PatrolService::new(state).sweep().await })
    }
}
