//! The survey job: once a survey's reminder time has come (and it is still open), its audience
//! is reminded, once; once an anonymous survey has closed, the salt of its respondent keys is
//! wiped, so no response can be matched to a user or home again, by anyone. Every instance runs
//! it; each reminder is claimed with a conditional update in the write that sends it.

use super::service::SurveyService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// Reminders and sealing.
pub struct SurveyReminders;

impl SurveyReminders {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "survey-reminders";
}

impl Job for SurveyReminders {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { SurveyService::new(state).run_reminders().await })
    }
}
