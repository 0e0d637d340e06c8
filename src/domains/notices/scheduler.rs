//! Publishes scheduled notices when they fall due, on every instance; the claim in
//! [`NoticeService::publish_due`] makes each publication happen once.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::service::NoticeService;
use crate::app::AppState;

/// Checks for due notices every `interval` until `shutdown`.
pub fn spawn(state: AppState, interval: Duration, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = tick.tick() => {
                    match NoticeService::new(&state).publish_due().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(published = n, "published scheduled notices"),
                        Err(err) => tracing::warn!(error = %err, "scheduled notices not published this round"),
                    }
                }
            }
        }
    });
}
