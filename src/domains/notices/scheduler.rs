//! The job that publishes scheduled notices when they fall due. Every instance runs it; the
//! conditional claim in [`NoticeService::publish_due`] makes each publication happen once.

use super::service::NoticeService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// Publishes the scheduled notices that are due.
pub struct PublishDueNotices;

impl PublishDueNotices {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "publish-due-notices";
}

impl Job for PublishDueNotices {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { NoticeService::new(state).publish_due().await })
    }
}
