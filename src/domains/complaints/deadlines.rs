//! The job that keeps complaint deadlines: reminders before the acknowledgement and reply
//! deadlines, escalations to the building's managers after them, and the closing of replied
//! complaints whose reopen window has passed. Every instance runs it; each reminder and
//! escalation is claimed by a conditional update, so it goes out once.

use super::service::ComplaintService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The complaint deadline sweep.
pub struct ComplaintDeadlines;

impl ComplaintDeadlines {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "complaint-deadlines";
}

impl Job for ComplaintDeadlines {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { ComplaintService::new(state).sweep().await })
    }
}
