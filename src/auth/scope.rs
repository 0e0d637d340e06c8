//! Scopes for long-lived subscriptions: a per-process cache of each subscriber's current
//! [`Scope`], read for every event, forgotten as soon as the user's access changes.
//!
//! Invariants:
//! - A change to residencies, staff records, staff buildings, roles or a user's status queues an
//!   [`AccessChanged`] event on [`Topic::Access`] in its write; every instance drops the scopes
//!   it names, so the next event is judged on the new rights (on every instance, through the bus).
//!   So does a change to what a resident's homes show (a unit, its building, its household), for
//!   the residents living there.
//! - After a gap on the bus (lag or Redis reconnect) the whole cache is dropped: a missed
//!   invalidation can never leave a stale scope behind.
//! - A cached scope keeps the facets its subscriber's events have needed so far (loaded on first
//!   use, see [`Scope::facet`]); forgetting the scope forgets them with it.
//! - Every access change is also passed on to this process's WebSocket connections
//!   ([`ScopeCache::changes`]): a socket whose user or session it ends closes (4403), and one
//!   whose user it names loads its viewer again. After a gap they all load their viewer again.
//! - A scope is judged on the day it was computed for: once the clock's today moves on (a
//!   residency ending or starting at midnight announces nothing), it is computed afresh.
//! - HTTP requests share their viewer's resident and staff facets through
//!   [`ScopeCache::shared`], keyed by the user's access version as the request's token check
//!   read it (with the roles and the day): any access change raises the version in its own
//!   transaction, so the next request on any instance loads the facets afresh, whether or not
//!   the bus has delivered the change yet. The bus only frees the memory sooner.

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
    auth::Role,
    domains::estate::access::{Scope, SharedFacets},
    error::AppResult,
    events::{Delivery, EventBus, Topic},
};

/// Scopes kept at most; past this the cache starts again (subscribers reload on their next
/// event).
const MAX_ENTRIES: usize = 100_000;

/// The payload of an access change: whose scopes to forget (`None`: everyone's), and whose
/// open connections end.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AccessChanged {
    /// The users whose access changed.
    pub users: Option<Vec<Uuid>>,
    /// Users whose every connection ends (disabled, roles changed, password changed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub end_users: Vec<Uuid>,
    /// Sessions (refresh-token families, the `sid` of access tokens) whose connections end
    /// (signed out, revoked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub end_sessions: Vec<Uuid>,
}

impl AccessChanged {
    /// Whether the change concerns `user` (a change naming nobody concerns everyone).
    pub fn concerns(&self, user: Uuid) -> bool {
        self.users
            .as_ref()
            .is_none_or(|users| users.contains(&user))
            || self.end_users.contains(&user)
    }

    /// Whether the change ends the connections of `user` in session `sid`.
    pub fn ends(&self, user: Uuid, sid: Uuid) -> bool {
        self.end_users.contains(&user) || self.end_sessions.contains(&sid)
    }
}

/// Access changes queued per connection before a slow one is told it lagged.
const CHANGES_BUFFER: usize = 1024;

/// The scopes of this process's subscribers.
#[derive(Clone)]
pub struct ScopeCache {
    entries: Arc<Mutex<HashMap<Uuid, Entry>>>,
    shared: Arc<Mutex<HashMap<Uuid, SharedEntry>>>,
    changes: tokio::sync::broadcast::Sender<Arc<AccessChanged>>,
}

impl Default for ScopeCache {
    fn default() -> Self {
        ScopeCache {
            entries: Arc::default(),
            shared: Arc::default(),
            changes: tokio::sync::broadcast::channel(CHANGES_BUFFER).0,
        }
    }
}

/// The access version a request's token check read for its viewer (request data).
#[derive(Clone, Copy, Debug)]
pub struct AccessStamp(pub i64);

/// What a request's token check read besides its viewer, in the same statement (request data):
/// each is as fresh as a statement of its own at the start of the request would be.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenReads {
    /// The notices topic's head: the notice board kept for it still holds while it is the same.
    pub notices_head: Option<i64>,
    /// The viewer's unread notification count.
    pub unread: Option<u64>,
}

/// The facets one user's requests share, and what they were loaded for.
struct SharedEntry {
    version: i64,
    today: NaiveDate,
    roles: Vec<Role>,
    facets: SharedFacets,
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
        {
            let mut entries = self.lock();
            match users {
                Some(users) => users.iter().for_each(|u| {
                    entries.remove(u);
                }),
                None => entries.clear(),
            }
        }
        let mut shared = self.lock_shared();
        match users {
            Some(users) => users.iter().for_each(|u| {
                shared.remove(u);
            }),
            None => shared.clear(),
        }
    }

    /// The facets the requests of `user` share while their access version is `version` (as the
    /// request's token check read it), their roles `roles` and the day `today`: fresh ones once
    /// any of them differs. A request that read an older version than the one kept gets facets
    /// of its own, never the newer ones.
    pub fn shared(
        &self,
        user: Uuid,
        version: i64,
        roles: &[Role],
        today: NaiveDate,
    ) -> SharedFacets {
        let mut shared = self.lock_shared();
        if let Some(entry) = shared.get(&user) {
            if entry.version == version && entry.today == today && entry.roles == roles {
                return entry.facets.clone();
            }
            if entry.version > version {
                return SharedFacets::default();
            }
        }
        if shared.len() >= MAX_ENTRIES {
            shared.clear();
        }
        let facets = SharedFacets::default();
        shared.insert(
            user,
            SharedEntry {
                version,
                today,
                roles: roles.to_vec(),
                facets: facets.clone(),
            },
        );
        facets
    }

    fn lock_shared(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, SharedEntry>> {
        // As `lock`: recover a poisoned map.
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Access changes as this process receives them from the bus (after a gap, one naming
    /// everyone), for WebSocket connections.
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<Arc<AccessChanged>> {
        self.changes.subscribe()
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
                            let change = serde_json::from_str::<AccessChanged>(&json)
                                .unwrap_or_default();
                            cache.invalidate(change.users.as_deref());
                            // No connection listening is not an error.
                            let _ = cache.changes.send(Arc::new(change));
                        }
                        Some(Delivery::Lagged(_) | Delivery::Resync) => {
                            cache.invalidate(None);
                            let _ = cache.changes.send(Arc::new(AccessChanged::default()));
                        }
                        None => return,
                    },
                }
            }
        });
    }
}
