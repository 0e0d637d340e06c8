//! The asset jobs: `preventive-maintenance` (due occurrences and their work orders, overdue
//! escalations) and `asset-certificates` (inspection certificate reminders). Every instance
//! runs both; each piece of work is claimed by a unique insert or a conditional update.

use super::{maintenance::Maintenance, service::Assets};
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The preventive maintenance job.
pub struct PreventiveMaintenance;

impl PreventiveMaintenance {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "preventive-maintenance";
}

impl Job for PreventiveMaintenance {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move {
            let outcome = Maintenance::new(state).run().await?;
            Ok(outcome.created + outcome.escalated)
        })
    }
}

/// The asset certificate reminder job.
pub struct AssetCertificates;

impl AssetCertificates {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "asset-certificates";
}

impl Job for AssetCertificates {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { Assets::new(state).certificate_sweep().await })
    }
}
