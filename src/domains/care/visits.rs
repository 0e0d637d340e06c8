//! The `care-visits` job: makes visits of the care plans' coming occurrences, marks those nobody
//! recorded in their window missed, and alerts for elders. Every instance runs it; each plan and
//! each visit is claimed with a conditional update, so it is done once.

use super::service::CareService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The care-visits job.
pub struct CareVisits;

impl CareVisits {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "care-visits";
}

impl Job for CareVisits {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { CareService::new(state).run_visits_job().await })
    }
}
