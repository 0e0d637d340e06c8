//! The job that starts approved suspensions when their period begins and returns the staff
//! record to `ACTIVE` when it ends. Every instance runs it; each start and end is claimed with a
//! conditional update, so it happens once.

use super::service::ConductService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The suspension sweep.
pub struct Suspensions;

impl Suspensions {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "conduct-suspensions";
}

impl Job for Suspensions {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { ConductService::new(state).sweep_suspensions().await })
    }
}
