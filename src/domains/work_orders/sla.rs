//! The job that keeps service-level promises visible: warnings, breaches, escalations and the
//! closing of orders left unrated. Every instance runs it; each notification is claimed by a
//! conditional update, so it goes out once.

use super::service::WorkOrderService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The SLA sweep.
pub struct WorkOrderSla;

impl WorkOrderSla {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "work-order-sla";
}

impl Job for WorkOrderSla {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { WorkOrderService::new(state).sweep().await })
    }
}
