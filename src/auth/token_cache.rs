//! Checked tokens, kept per process: an HTTP request whose token this instance checked a moment
//! ago skips the statement that turns it into a viewer (and that reads the notices head and the
//! unread count with it).
//!
//! Invariants:
//! - An entry is the answer of one token check statement: the user row and roles, the access
//!   version and what the document wanted besides. It is found by the token's session (`sid`)
//!   and only for the same user, and only within the time to live (`--token-cache-ttl-ms`,
//!   read from the [`Clock`]). The token's signature and expiry are checked on every request.
//! - Every change that could make an entry wrong reaches every instance on the bus after its
//!   commit, and drops what it names: an access change (residencies, staff records, roles,
//!   status, profile, password, sign-out, a revoked family) on [`Topic::Access`]; a new, read or
//!   removed notification on [`Topic::ViewerReads`]; any notice event on [`Topic::Notices`]
//!   (the head). So do the WebSocket connections of the same instances (see
//!   [`super::scope::ScopeCache`]): HTTP is exactly as current as the sockets are.
//! - A gap on the bus (a lagging listener, a Redis reconnect) drops everything.
//! - Every drop raises a generation; a check whose statement started before a drop does not
//!   keep its answer, so an answer read before a change committed can never outlive the change.
//! - The time to live bounds what a message lost without a gap signal could leave behind.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Viewer, scope::AccessChanged, scope::TokenReads};
use crate::{
    clock::Clock,
    domains::identity::service::{UserRecord, WantedReads},
    events::{Delivery, EventBus, Topic},
};

/// Sessions kept at most; past this the cache starts again.
const MAX_ENTRIES: usize = 50_000;

/// The body of a [`Topic::ViewerReads`] message: whose unread count changed (`None`:
/// anyone's).
#[derive(Debug, Default, serde::Serialize, Deserialize)]
pub struct ReadsChanged {
    /// The users named.
    pub users: Option<Vec<Uuid>>,
}

/// What a kept check answers.
#[derive(Clone)]
pub struct KeptCheck {
    /// The viewer.
    pub viewer: Viewer,
    /// The user row and roles.
    pub record: Arc<UserRecord>,
    /// The user's access version.
    pub version: i64,
    /// What the document wanted besides.
    pub reads: TokenReads,
}

struct Entry {
    user: Uuid,
    checked_at: DateTime<Utc>,
    check: KeptCheck,
}

#[derive(Default)]
struct Inner {
    /// Raised by every drop.
    generation: u64,
    /// By session (`sid`).
    sessions: HashMap<Uuid, Entry>,
    /// The notices head as last read (`None`: read it again).
    notices_head: Option<i64>,
}

/// The process's kept token checks. Cheap to clone.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<Mutex<Inner>>,
    ttl: Duration,
    clock: Clock,
}

/// A place in the cache's history, taken before a token check's statement: the answer is kept
/// only if nothing was dropped since.
#[derive(Clone, Copy, Debug)]
pub struct Generation(u64);

impl TokenCache {
    /// A cache keeping checks `ttl` long (zero: keeps nothing).
    pub fn new(ttl: Duration, clock: Clock) -> TokenCache {
        TokenCache {
            inner: Arc::default(),
            ttl,
            clock,
        }
    }

    /// Whether it keeps anything.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every change leaves the maps whole: recover a poisoned lock.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The kept check of session `sid` for `user`, when it holds everything `wanted` asks for;
    /// otherwise the generation to hand back to [`TokenCache::keep`] with the fresh answer.
    pub fn get(&self, sid: Uuid, user: Uuid, wanted: WantedReads) -> Result<KeptCheck, Generation> {
        if !self.enabled() {
            // Nothing is kept, so nothing is looked up (and `keep` keeps nothing).
            return Err(Generation(0));
        }
        let now = self.clock.now();
        let inner = self.lock();
        let generation = Generation(inner.generation);
        let Some(entry) = inner.sessions.get(&sid) else {
            return Err(generation);
        };
        let fresh = entry.user == user
            && entry.checked_at <= now
            && now
                .signed_duration_since(entry.checked_at)
                .to_std()
                .is_ok_and(|age| age < self.ttl);
        if !fresh || (wanted.unread && entry.check.reads.unread.is_none()) {
            return Err(generation);
        }
        let mut check = entry.check.clone();
        if wanted.notices_head {
            match inner.notices_head {
                Some(head) => check.reads.notices_head = Some(head),
                None => return Err(generation),
            }
        }
        if !wanted.unread {
            check.reads.unread = None;
        }
        Ok(check)
    }

    /// Keeps the answer of a check that began at `generation`, unless something was dropped
    /// since.
    pub fn keep(&self, generation: Generation, sid: Uuid, user: Uuid, check: &KeptCheck) {
        if !self.enabled() {
            return;
        }
        let now = self.clock.now();
        let mut inner = self.lock();
        if inner.generation != generation.0 {
            return;
        }
        if let Some(head) = check.reads.notices_head {
            inner.notices_head = Some(head);
        }
        if inner.sessions.len() >= MAX_ENTRIES {
            inner.sessions.clear();
        }
        let mut kept = check.clone();
        // The head lives beside the sessions; a later check that wants it reads that one.
        kept.reads.notices_head = None;
        if kept.reads.unread.is_none()
            && let Some(previous) = inner.sessions.get(&sid)
            && previous.user == user
        {
            // A check that did not read the count does not forget one read at the same
            // generation.
            kept.reads.unread = previous.check.reads.unread;
        }
        inner.sessions.insert(
            sid,
            Entry {
                user,
                checked_at: now,
                check: kept,
            },
        );
    }

    /// Drops what an access change names (everything when it names everyone).
    fn access_changed(&self, change: &AccessChanged) {
        let mut inner = self.lock();
        inner.generation += 1;
        let Some(users) = &change.users else {
            inner.sessions.clear();
            inner.notices_head = None;
            return;
        };
        inner.sessions.retain(|sid, entry| {
            !users.contains(&entry.user)
                && !change.end_users.contains(&entry.user)
                && !change.end_sessions.contains(sid)
        });
    }

    /// Drops the unread counts of the users named (everyone's when `None`).
    fn reads_changed(&self, users: Option<&[Uuid]>) {
        let mut inner = self.lock();
        inner.generation += 1;
        match users {
            None => inner
                .sessions
                .values_mut()
                .for_each(|entry| entry.check.reads.unread = None),
            Some(users) => inner
                .sessions
                .values_mut()
                .filter(|entry| users.contains(&entry.user))
                .for_each(|entry| entry.check.reads.unread = None),
        }
    }

    /// Forgets the notices head.
    fn notices_changed(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.notices_head = None;
    }

    /// Forgets everything.
    fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.sessions.clear();
        inner.notices_head = None;
    }

    /// Applies a message published on `topic` (a no-op for topics the cache does not follow).
    /// The write path calls this after its commit, before publishing, so the instance that made
    /// a change answers its next request with it; the listener calls it for every instance.
    pub fn apply(&self, topic: &Topic, json: &str) {
        if !self.enabled() {
            return;
        }
        match topic {
            Topic::Access => {
                self.access_changed(
                    &serde_json::from_str::<AccessChanged>(json).unwrap_or_default(),
                );
            }
            Topic::ViewerReads => {
                let change = serde_json::from_str::<ReadsChanged>(json).unwrap_or_default();
                self.reads_changed(change.users.as_deref());
            }
            Topic::Notices => self.notices_changed(),
            _ => {}
        }
    }

    /// Listens on the bus until `shutdown`. Returns once subscribed, so no change made after
    /// start-up is missed. Does nothing when the cache keeps nothing.
    pub async fn listen(&self, bus: &EventBus, shutdown: CancellationToken) {
        if !self.enabled() {
            return;
        }
        let mut access = bus.subscribe(&Topic::Access).await;
        let mut reads = bus.subscribe(&Topic::ViewerReads).await;
        let mut notices = bus.subscribe(&Topic::Notices).await;
        let cache = self.clone();
        tokio::spawn(async move {
            loop {
                let (topic, delivery) = tokio::select! {
                    () = shutdown.cancelled() => return,
                    Some(delivery) = access.next() => (Topic::Access, delivery),
                    Some(delivery) = reads.next() => (Topic::ViewerReads, delivery),
                    Some(delivery) = notices.next() => (Topic::Notices, delivery),
                    else => return,
                };
                match delivery {
                    Delivery::Event(json) => cache.apply(&topic, &json),
                    // A lag or a reconnect: anything may have been missed.
                    Delivery::Lagged(_) | Delivery::Resync => cache.clear(),
                }
            }
        });
    }

    /// Sessions kept (for tests).
    pub fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auth::AuthenticatedUser, auth::Role};

    const WANT_ALL: WantedReads = WantedReads {
        notices_head: true,
        unread: true,
    };

    fn check(user: Uuid, head: i64, unread: u64) -> KeptCheck {
        let now = chrono::Utc::now();
        KeptCheck {
            viewer: Viewer::User(AuthenticatedUser {
                id: user,
                roles: vec![Role::Resident],
            }),
            record: Arc::new(UserRecord {
                user: entity::user::Model {
                    id: user,
                    email: "someone@example.test".to_owned(),
                    phone: None,
                    display_name: "Someone".to_owned(),
                    password_hash: String::new(),
                    status: "ACTIVE".to_owned(),
                    created_at: now,
                    updated_at: now,
                },
                roles: vec![Role::Resident],
            }),
            version: 7,
            reads: TokenReads {
                notices_head: Some(head),
                unread: Some(unread),
            },
        }
    }

    /// A cache with one session of `user` kept (head 3, 2 unread).
    fn kept(user: Uuid, sid: Uuid) -> TokenCache {
        let cache = TokenCache::new(Duration::from_secs(5), Clock::system());
        let generation = cache.get(sid, user, WANT_ALL).err().unwrap();
        cache.keep(generation, sid, user, &check(user, 3, 2));
        cache
    }

    #[test]
    fn a_kept_check_answers_its_session_and_user_only() {
        let (user, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let cache = kept(user, sid);
        let found = cache.get(sid, user, WANT_ALL).ok().unwrap();
        assert_eq!(found.version, 7);
        assert_eq!(found.reads.notices_head, Some(3));
        assert_eq!(found.reads.unread, Some(2));
        assert!(cache.get(sid, Uuid::now_v7(), WANT_ALL).is_err());
        assert!(cache.get(Uuid::now_v7(), user, WANT_ALL).is_err());
        // What the document did not ask for is not handed out.
        let bare = WantedReads::default();
        let found = cache.get(sid, user, bare).ok().unwrap();
        assert_eq!((found.reads.notices_head, found.reads.unread), (None, None));
    }

    #[test]
    fn a_check_that_began_before_a_change_is_not_kept() {
        let (user, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let cache = TokenCache::new(Duration::from_secs(5), Clock::system());
        let generation = cache.get(sid, user, WANT_ALL).err().unwrap();
        // The sign-out commits while the check's statement runs.
        cache.apply(
            &Topic::Access,
            &serde_json::json!({ "users": [], "end_sessions": [sid] }).to_string(),
        );
        cache.keep(generation, sid, user, &check(user, 3, 2));
        assert!(cache.is_empty());
        assert!(cache.get(sid, user, WANT_ALL).is_err());
    }

    #[test]
    fn each_change_drops_what_it_names() {
        let (user, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let other = Uuid::now_v7();
        let access = |body: serde_json::Value| (Topic::Access, body.to_string());
        let cases = [
            (
                "an access change of the user",
                access(serde_json::json!({ "users": [user] })),
            ),
            (
                "an ended user",
                access(serde_json::json!({ "users": [], "end_users": [user] })),
            ),
            (
                "an ended session",
                access(serde_json::json!({ "users": [], "end_sessions": [sid] })),
            ),
            (
                "everyone's access",
                access(serde_json::json!({ "users": null })),
            ),
        ];
        for (what, (topic, json)) in &cases {
            let cache = kept(user, sid);
            cache.apply(topic, json);
            assert!(
                cache.get(sid, user, WantedReads::default()).is_err(),
                "{what}"
            );
        }
        // Others' changes leave it.
        let cache = kept(user, sid);
        cache.apply(
            &Topic::Access,
            &serde_json::json!({ "users": [other] }).to_string(),
        );
        cache.apply(
            &Topic::ViewerReads,
            &serde_json::json!({ "users": [other] }).to_string(),
        );
        cache.apply(&Topic::Ping, "{}");
        assert!(cache.get(sid, user, WANT_ALL).is_ok());
        // A read of the user's drops the count only.
        cache.apply(
            &Topic::ViewerReads,
            &serde_json::json!({ "users": [user] }).to_string(),
        );
        let unread = WantedReads {
            notices_head: false,
            unread: true,
        };
        assert!(cache.get(sid, user, unread).is_err());
        assert!(cache.get(sid, user, WantedReads::default()).is_ok());
        // Anyone's reads (an estate-wide notice) drop every count.
        let cache = kept(user, sid);
        cache.apply(&Topic::ViewerReads, r#"{"users":null}"#);
        assert!(cache.get(sid, user, unread).is_err());
        // A notice drops the head only.
        let cache = kept(user, sid);
        cache.apply(&Topic::Notices, "{}");
        let head = WantedReads {
            notices_head: true,
            unread: false,
        };
        assert!(cache.get(sid, user, head).is_err());
        assert!(cache.get(sid, user, unread).is_ok());
    }

    #[test]
    fn a_kept_check_lasts_its_time_to_live_on_the_clock() {
        let (user, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let clock = Clock::system();
        let cache = TokenCache::new(Duration::from_secs(5), clock.clone());
        let generation = cache.get(sid, user, WANT_ALL).err().unwrap();
        cache.keep(generation, sid, user, &check(user, 3, 2));
        clock.advance(chrono::Duration::milliseconds(4900));
        assert!(cache.get(sid, user, WANT_ALL).is_ok());
        clock.advance(chrono::Duration::milliseconds(200));
        assert!(cache.get(sid, user, WANT_ALL).is_err());
        // A zero time to live keeps nothing.
        let off = TokenCache::new(Duration::ZERO, Clock::system());
        let generation = off.get(sid, user, WANT_ALL).err().unwrap();
        off.keep(generation, sid, user, &check(user, 3, 2));
        assert!(off.is_empty());
    }
}
