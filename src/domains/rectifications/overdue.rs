//! The job that keeps rectifications' due dates visible: reminders before, the overdue flag
//! after. Every instance runs it; each flag is claimed by a conditional update, so each
//! notification goes out once across instances.

use super::service::RectificationService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The overdue sweep.
pub struct RectificationOverdue;

impl RectificationOverdue {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "rectification-overdue";
}

impl Job for RectificationOverdue {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { RectificationService::new(state).sweep().await })
    }
}
