//! The job that warns before an in-service pass lapses. Every instance runs it; each record's
//! reminder is claimed with a conditional update, so it goes out once.

use super::service::TrainingService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The lapse reminder.
pub struct TrainingLapse;

impl TrainingLapse {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "training-lapse";
}

impl Job for TrainingLapse {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { TrainingService::new(state).remind_lapsing().await })
    }
}
