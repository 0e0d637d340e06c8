//! Background jobs: one pattern for every periodic rule (scheduled notices today; SLA warnings,
//! certificate expiry and reminders later).
//!
//! Invariants:
//! - Every instance runs every job; a job claims each piece of work with a conditional update
//!   (or `FOR UPDATE SKIP LOCKED`), so several instances never do the same piece twice.
//! - A run is idempotent: running it again, or on two instances at once, changes nothing more.
//! - Jobs read time from the [`Clock`](crate::clock::Clock); tests move the clock and call
//!   [`Jobs::run_now`] instead of waiting for a tick.

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use crate::{app::AppState, error::AppResult};

/// What a job run returns: how many pieces of work it did.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = AppResult<usize>> + Send + 'a>>;

/// One periodic job.
pub trait Job: Send + Sync + 'static {
    /// Stable name, used in logs and by [`Jobs::run_now`].
    fn name(&self) -> &'static str;
    /// Does whatever is due now, claiming each piece of work so other instances skip it.
    fn run<'a>(&'a self, state: &'a AppState) -> JobFuture<'a>;
}

/// The jobs of this process.
#[derive(Clone, Default)]
pub struct Jobs {
    jobs: Arc<Vec<Arc<dyn Job>>>,
}

impl Jobs {
    /// Every job the server runs, in one list.
    pub fn all() -> Jobs {
        Jobs {
            jobs: Arc::new(vec![
                Arc::new(crate::domains::notices::scheduler::PublishDueNotices),
                Arc::new(crate::domains::work_orders::sla::WorkOrderSla),
                Arc::new(crate::domains::qualifications::expiry::CertificateExpiry),
                Arc::new(crate::domains::conduct::suspensions::Suspensions),
                Arc::new(crate::domains::training::jobs::TrainingLapse),
                Arc::new(crate::domains::rectifications::overdue::RectificationOverdue),
                Arc::new(crate::domains::complaints::deadlines::ComplaintDeadlines),
                Arc::new(crate::domains::activities::no_shows::ActivityNoShows),
                Arc::new(crate::domains::surveys::reminders::SurveyReminders),
                Arc::new(crate::domains::front_desk::reminders::ParcelReminders),
                Arc::new(crate::domains::patrols::job::PatrolRuns),
                Arc::new(crate::domains::care::visits::CareVisits),
                Arc::new(crate::domains::assets::jobs::PreventiveMaintenance),
                Arc::new(crate::domains::assets::jobs::AssetCertificates),
            ]),
        }
    }

    /// The names of the registered jobs.
    pub fn names(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|job| job.name()).collect()
    }

    /// Runs the job `name` once, now, in the caller's task (tests and tools).
    pub async fn run_now(&self, state: &AppState, name: &str) -> AppResult<usize> {
        let job = self
            .jobs
            .iter()
            .find(|job| job.name() == name)
            .ok_or_else(|| crate::error::AppError::internal(format!("no job named {name}")))?;
        job.run(state).await
    }

    /// Runs every job every `interval` until `shutdown`, each in its own task.
    pub fn spawn_all(&self, state: &AppState, interval: Duration, shutdown: &CancellationToken) {
        for job in self.jobs.iter() {
            let (job, state, shutdown) = (job.clone(), state.clone(), shutdown.clone());
            tokio::spawn(async move {
                let start = tokio::time::Instant::now() + interval;
                let mut tick = tokio::time::interval_at(start, interval);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        _ = tick.tick() => match job.run(&state).await {
                            Ok(0) => {}
                            Ok(done) => tracing::info!(job = job.name(), done, "job ran"),
                            Err(err) => {
                                tracing::warn!(job = job.name(), error = %err, "job failed this round");
                            }
                        },
                    }
                }
            });
        }
    }
}
