//! Scopes for long-lived subscriptions: a per-process cache of each subscriber's current
//! [`Scope`], read for every event, forgotten as soon as the user's access changes.
//!
//! Invariants:
//! - A change to residencies, staff records, staff buildings, roles or a user's status queues an
//!   [`AccessChanged`] event on [`Topic::Access`] in its write; every instance drops the scopes
//!   it names, so the next event is judged on the new rights (on every instance, through the bus).
//! - After a gap on the bus (lag or Redis reconnect) the whole cache is dropped: a missed
//!   invalidation can never leave a stale scope behind.
//! - A cached scope keeps the facets its subscriber's events have needed so far (loaded on first
//!   use, see [`Scope::facet`]); forgetting the scope forgets them with it.
//! - A scope is judged on the day it was computed for: once the clock's today moves on (a
//!   residency ending or starting at midnight announces nothing), it is computed afresh.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::estate::access::Scope,
    error::AppResult,
    events::{Delivery, EventBus, Topic},
};

/// Scopes kept at most; past this the cache starts again (subscribers reload on their next
/// event).
const MAX_ENTRIES: usize = 100_000;

/// The payload of an access change: whose scopes to forget (`None`: everyone's).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AccessChanged {
    /// The users whose access changed.
    pub users: Option<Vec<Uuid>>,
}

/// The scopes of this process's subscribers.
#[derive(Clone, Default)]
pub struct ScopeCache {
    entries: Arc<Mutex<HashMap<Uuid, Entry>>>,
}

/// A cached scope and the day (on the clock) it was computed for.
type Entry = (NaiveDate, Arc<Scope>);

impl ScopeCache {
    /// The current scope of `user_id`, from the cache or loaded afresh.
    pub async fn get(&self, state: &AppState, user_id: Uuid) -> AppResult<Arc<Scope>> {
        let today = state.clock.today();
        if let Some((day, scope)) = self.lock().get(&user_id)
            && *day == today
        {
            return Ok(scope.clone());
        }
        let scope = Arc::new(Scope::load_user(&state.db, user_id, today).await?);
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(user_id, (today, scope.clone()));
        Ok(scope)
    }

    /// Forgets the scopes of `users` (everyone's with `None`).
    pub fn invalidate(&self, users: Option<&[Uuid]>) {
        let mut entries = self.lock();
        match users {
            Some(users) => users.iter().for_each(|u| {
                entries.remove(u);
            }),
            None => entries.clear(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Entry>> {
        // A panic while holding the lock cannot leave the map half-changed: recover it.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Listens for access changes on the bus until `shutdown`. Returns once subscribed, so a
    /// change made after start-up is never missed.
    pub async fn listen(&self, bus: &EventBus, shutdown: CancellationToken) {
        let mut changes = bus.subscribe(&Topic::Access).await;
        let cache = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    delivery = changes.next() => match delivery {
                        Some(Delivery::Event(json)) => {
                            match serde_json::from_str::<AccessChanged>(&json) {
                                Ok(change) => cache.invalidate(change.users.as_deref()),
                                Err(_) => cache.invalidate(None),
                            }
                        }
                        Some(Delivery::Lagged(_) | Delivery::Resync) => cache.invalidate(None),
                        None => return,
                    },
                }
            }
        });
    }
}
