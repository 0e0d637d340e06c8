//! The job that tells staff and their managers about expiring certificates: 30 days and 7 days
//! before expiry and at expiry. Every instance runs it; each reminder is claimed by a
//! conditional update, so it goes out once.

use super::service::QualificationService;
use crate::{
    app::AppState,
    jobs::{Job, JobFuture},
};

/// The certificate expiry sweep.
pub struct CertificateExpiry;

impl CertificateExpiry {
    /// The job's name (for [`crate::jobs::Jobs::run_now`]).
    pub const NAME: &'static str = "certificate-expiry";
}

impl Job for CertificateExpiry {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a> {
        Box::pin(async move { QualificationService::new(state).sweep().await })
    }
}
