//! Shared subscriptions on the WebSocket: the sockets that run the same document of a shareable
//! field (see `graphql::shared`) with the same variables form a group. The group reads the topic
//! once, executes the document once per event and serialises the payload once; each member
//! keeps only its position and a receiver, and judges each event with its own access when it is
//! delivered.
//!
//! Invariants:
//! - A member is refused, or set up, exactly as the unshared operation would be: a probe runs
//!   the document with the member's own viewer (validation, guardrails, the resolver's checks),
//!   and only a probe that yields nothing joins.
//! - A member delivers what the unshared path would: the events committed after it subscribed
//!   (it reads the topic's head after joining a group that is already reading live, and skips
//!   what is not after it), in commit order, each judged with its access at delivery.
//! - Nothing is lost: a member that falls behind its group, or whose group fails, goes on alone
//!   as an unshared operation resuming after the last event it handled.
//! - A group lives while it has members: the last one leaving stops its task and its topic
//!   subscription.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicU64, Ordering},
    },
};

use async_graphql::{Request, Variables};
use futures_util::{StreamExt, stream::BoxStream};
use serde_json::{Map, Value, json};
use tokio::sync::{OnceCell, broadcast};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Item;
use crate::{
    app::AppState,
    auth::Viewer,
    error::{AppError, AppResult, ErrorCode},
    events::log::LoggedEvent,
    graphql::{
        context::LazyLoaders,
        guardrails::{RequestInfo, Transport},
        shared::{Admits, LiveEvents, ShareableField, SharedEvent},
    },
    http::{
        HttpContext,
        response::{finish_errors, response_json, shape_data, too_large_error},
    },
};

/// What identifies a group: the document, the operation chosen and the variables' JSON.
pub(in crate::http) struct GroupKey {
    pub(super) query: String,
    pub(super) operation_name: Option<String>,
    pub(super) variables: Option<Map<String, Value>>,
    /// `variables` as JSON, for hashing.
    variables_json: String,
}

impl GroupKey {
    pub(super) fn new(
        query: String,
        operation_name: Option<String>,
        variables: Option<Map<String, Value>>,
    ) -> GroupKey {
        let variables_json = variables
            .as_ref()
            .map(|variables| Value::Object(variables.clone()).to_string())
            .unwrap_or_default();
        GroupKey {
            query,
            operation_name,
            variables,
            variables_json,
        }
    }
}

impl std::hash::Hash for HashKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.query.hash(state);
        self.0.operation_name.hash(state);
        self.0.variables_json.hash(state);
    }
}

impl PartialEq for HashKey {
    fn eq(&self, other: &HashKey) -> bool {
        self.0.query == other.0.query
            && self.0.operation_name == other.0.operation_name
            && self.0.variables_json == other.0.variables_json
    }
}

impl Eq for HashKey {}

/// A group key in the registry (hashed by its text, not by the parsed variables).
#[derive(Clone)]
struct HashKey(Arc<GroupKey>);

/// The groups of one server.
#[derive(Default)]
pub(crate) struct SharedGroups {
    groups: Mutex<HashMap<HashKey, Weak<Group>>>,
    /// Numbers the groups, for their request ids.
    numbered: AtomicU64,
}

impl SharedGroups {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<HashKey, Weak<Group>>> {
        // Every critical section is one lookup, insert or removal: a poisoned map is whole.
        self.groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The running group of `key`, or a new one (not started yet).
    fn group(
        self: &Arc<Self>,
        ctx: &HttpContext,
        field: &'static ShareableField,
        key: Arc<GroupKey>,
    ) -> Arc<Group> {
        let hash_key = HashKey(key.clone());
        let mut groups = self.lock();
        // A group found stopping is let go only after the lock is released: if it was the last
        // reference, its drop takes the lock to forget itself.
        let stale = match groups.get(&hash_key).and_then(Weak::upgrade) {
            Some(group) if !group.stop.is_cancelled() => return group,
            stale => stale,
        };
        let (sender, _) = broadcast::channel(ctx.state.config.ws_shared_buffer.max(1));
        let group = Arc::new(Group {
            key,
            field,
            sender,
            started: OnceCell::new(),
            stop: CancellationToken::new(),
            registry: Arc::downgrade(self),
            number: self.numbered.fetch_add(1, Ordering::Relaxed),
            metrics: ctx.state.metrics.clone(),
        });
        groups.insert(hash_key, Arc::downgrade(&group));
        drop(groups);
        drop(stale);
        group
    }

    /// Forgets `group`'s entry if it is still the one registered for its key.
    fn forget(&self, group: &Group) {
        let mut groups = self.lock();
        let key = HashKey(group.key.clone());
        if groups
            .get(&key)
            .is_some_and(|entry| std::ptr::eq(entry.as_ptr(), group))
        {
            groups.remove(&key);
        }
    }
}

/// What a group sends its members.
#[derive(Clone)]
enum Shared {
    /// One event, executed and serialised.
    Event(Arc<SharedItem>),
    /// The group stopped reading (an error): members go on alone.
    Closed,
}

struct SharedItem {
    /// The event's position in its topic.
    seq: i64,
    /// Who may receive it.
    admits: Arc<dyn Admits>,
    /// The `payload` of the `next` message.
    payload: Arc<str>,
}

/// Sockets running one document of a shareable field.
struct Group {
    key: Arc<GroupKey>,
    field: &'static ShareableField,
    sender: broadcast::Sender<Shared>,
    /// Set once the group reads the topic live.
    started: OnceCell<()>,
    /// Cancelled when the group ends (its last member left, or it failed).
    stop: CancellationToken,
    registry: Weak<SharedGroups>,
    number: u64,
    metrics: Arc<crate::metrics::Metrics>,
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(registry) = self.registry.upgrade() {
            registry.forget(self);
        }
        if self.started.initialized() {
            self.metrics.shared_group(false);
        }
    }
}

impl Group {
    /// Starts reading the topic (once; a failed start is tried again by the next member).
    async fn start(self: &Arc<Self>, ctx: &HttpContext) -> AppResult<()> {
        self.started
            .get_or_try_init(|| async {
                let events = (self.field.live)(ctx.state.clone()).await?;
                self.metrics.shared_group(true);
                let runner = Runner {
                    ctx: ctx.clone(),
                    key: self.key.clone(),
                    field: self.field,
                    sender: self.sender.clone(),
                    stop: self.stop.clone(),
                    registry: self.registry.clone(),
                    request_id: Arc::from(format!("shared-{}", self.number)),
                    group: Arc::downgrade(self),
                };
                tokio::spawn(runner.run(events));
                Ok(())
            })
            .await
            .map(|_| ())
    }
}

/// A group's task: reads the topic, executes each event once, hands it to the members.
struct Runner {
    ctx: HttpContext,
    key: Arc<GroupKey>,
    field: &'static ShareableField,
    sender: broadcast::Sender<Shared>,
    stop: CancellationToken,
    registry: Weak<SharedGroups>,
    request_id: Arc<str>,
    group: Weak<Group>,
}

impl Runner {
    async fn run(self, mut events: LiveEvents) {
        let shutdown = self.ctx.shutdown.clone();
        loop {
            let event = tokio::select! {
                () = self.stop.cancelled() => return,
                () = shutdown.cancelled() => return,
                event = events.next() => event,
            };
            let event = match event {
                Some(Ok(event)) => event,
                Some(Err(err)) => {
                    tracing::warn!(error = %err, request_id = %self.request_id, "a shared subscription stopped reading; its members go on alone");
                    break;
                }
                None => break,
            };
            let Some(admits) = (self.field.judgement)(&event) else {
                continue;
            };
            let seq = event.seq;
            if let Some(payload) = Box::pin(self.execute(Arc::new(event))).await {
                // An error only means that no member is listening right now.
                let _ = self.sender.send(Shared::Event(Arc::new(SharedItem {
                    seq,
                    admits,
                    payload,
                })));
            }
        }
        // No member may join a group that stopped; those it has go on alone.
        self.stop.cancel();
        if let (Some(registry), Some(group)) = (self.registry.upgrade(), self.group.upgrade()) {
            registry.forget(&group);
        }
        let _ = self.sender.send(Shared::Closed);
    }

    /// The `payload` of the `next` message for `event`, as every member receives it; `None`
    /// when the document yields nothing for it.
    async fn execute(&self, event: Arc<LoggedEvent>) -> Option<Arc<str>> {
        let state = &self.ctx.state;
        let info = RequestInfo::new(
            Transport::WebSocket,
            self.request_id.clone(),
            self.key.operation_name.clone(),
        );
        let mut request = Request::new(self.key.query.clone())
            .data(Viewer::Anonymous)
            .data(info.clone())
            .data(LazyLoaders::default())
            .data(SharedEvent(event));
        if let Some(name) = &self.key.operation_name {
            request = request.operation_name(name.clone());
        }
        if let Some(variables) = &self.key.variables {
            request = request.variables(Variables::from_json(Value::Object(variables.clone())));
        }
        let mut response = self.ctx.schema.execute_stream(request).next().await?;
        finish_errors(&mut response.errors, &info, &state.metrics);
        if !info.accepted() {
            // Its members' probes passed the same document: this is a bug, not their input.
            tracing::error!(request_id = %self.request_id, errors = ?response.errors, "a shared subscription's document was refused");
            return None;
        }
        shape_data(&self.ctx.shape, &info, &mut response);
        let limit = state.config.max_response_bytes;
        let mut payload = response_json(&response, true).to_string();
        if payload.len() > limit {
            state.metrics.record_error(ErrorCode::QueryTooComplex);
            payload = json!({ "errors": [too_large_error(limit)] }).to_string();
        }
        Some(Arc::from(payload))
    }
}

/// One socket's operation in a group.
struct Member {
    state: AppState,
    user: Uuid,
    receiver: broadcast::Receiver<Shared>,
    /// The last position handled (delivered or judged out), or the head when it joined.
    last: i64,
    group: Arc<Group>,
}

impl Drop for Member {
    fn drop(&mut self) {
        self.state.metrics.shared_member(false);
    }
}

/// What a member does next.
enum Next {
    Deliver(Arc<str>),
    Failed(AppError),
    /// Go on alone after the last position handled.
    Alone,
}

impl Member {
    async fn next(&mut self) -> Next {
        loop {
            // What the group sent before it stopped is taken first; a group that stopped (it
            // may have said so before this member subscribed) sends nothing more.
            let received = tokio::select! {
                biased;
                received = self.receiver.recv() => received,
                () = self.group.stop.cancelled() => return Next::Alone,
            };
            let item = match received {
                Ok(Shared::Event(item)) => item,
                Ok(Shared::Closed)
                | Err(broadcast::error::RecvError::Lagged(_))
                | Err(broadcast::error::RecvError::Closed) => return Next::Alone,
            };
            if item.seq <= self.last {
                continue;
            }
            // Judged with the member's access now (the scope cache follows access changes on
            // every instance); boxed, as a scope load may read the database.
            let admitted = Box::pin(async {
                let scope = self.state.scopes.get(&self.state, self.user).await?;
                item.admits.admits(&self.state, &scope).await
            })
            .await;
            self.last = item.seq;
            match admitted {
                Ok(true) => return Next::Deliver(item.payload.clone()),
                Ok(false) => {}
                Err(err) => return Next::Failed(err),
            }
        }
    }
}

/// Where a member that leaves its group goes on from.
pub(super) struct Resume {
    pub(super) key: Arc<GroupKey>,
    pub(super) after: i64,
}

/// The items of an operation that runs `field` shared: the probe's refusal, or the group's
/// payloads for this member. `probe` is the operation's request with `SharedProbe` added.
pub(super) fn member_stream(
    ctx: HttpContext,
    field: &'static ShareableField,
    key: Arc<GroupKey>,
    probe: Request,
    user: Option<Uuid>,
) -> BoxStream<'static, Item> {
    // Set up in one turn (`AppState::in_turn`), made and boxed only once the turn is taken: a
    // socket queued behind a burst of subscribers holds only its request. Boxed itself, so
    // that its space is given back once the member is in its group.
    let state = ctx.state.clone();
    let setup = Box::pin(async move {
        state
            .in_turn(|| async {
                // The probe reads nothing from the database (see `graphql::shared`).
                if let Some(response) = ctx.schema.execute_stream(probe).next().await {
                    return Err(Item::Response(Box::new(response)));
                }
                // A probe that passed ran a resolver that requires a signed-in user.
                let user = user.ok_or_else(|| failed(AppError::Unauthenticated))?;
                join(&ctx, field, key, user).await.map_err(failed)
            })
            .await
    });
    futures_util::stream::once(setup)
        .flat_map(|joined| match joined {
            Err(item) => futures_util::stream::iter([item, Item::End]).boxed(),
            Ok(member) => deliveries(member),
        })
        .boxed()
}

/// `user`'s place in the group of `key`, starting the group if needed.
async fn join(
    ctx: &HttpContext,
    field: &'static ShareableField,
    key: Arc<GroupKey>,
    user: Uuid,
) -> AppResult<Member> {
    let state = &ctx.state;
    (field.warm)(state.clone(), user).await?;
    let group = ctx.shared.group(ctx, field, key);
    group.start(ctx).await?;
    // Subscribed before the head is read: whatever commits after the head reaches this member
    // through the group.
    let receiver = group.sender.subscribe();
    let head = (field.head)(state.clone()).await?;
    state.metrics.shared_member(true);
    Ok(Member {
        state: state.clone(),
        user,
        receiver,
        last: head,
        group,
    })
}

/// A member's items until it fails or leaves its group.
fn deliveries(member: Member) -> BoxStream<'static, Item> {
    futures_util::stream::unfold(Some(member), |member| async move {
        let mut member = member?;
        match Box::pin(member.next()).await {
            Next::Deliver(payload) => Some((Item::Shared(payload), Some(member))),
            Next::Failed(err) => Some((failed(err), None)),
            Next::Alone => {
                member.state.metrics.shared_fallback();
                let resume = Resume {
                    key: member.group.key.clone(),
                    after: member.last,
                };
                Some((Item::Resume(Box::new(resume)), None))
            }
        }
    })
    .chain(futures_util::stream::once(async { Item::End }))
    .boxed()
}

/// The item that reports `err` to the member (a `next` with the error; `complete` follows).
fn failed(err: AppError) -> Item {
    let err: async_graphql::Error = err.into();
    Item::Response(Box::new(async_graphql::Response::from_errors(vec![
        err.into_server_error(async_graphql::Pos::default()),
    ])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_equal_by_their_text_and_variables() {
        let key = |operation_name: Option<&str>, variables: Value| {
            HashKey(Arc::new(GroupKey::new(
                "subscription { x }".into(),
                operation_name.map(str::to_owned),
                variables.as_object().cloned(),
            )))
        };
        let a = key(None, json!({ "a": 1 }));
        assert!(a == key(None, json!({ "a": 1 })));
        assert!(a != key(None, json!({ "a": 2 })));
        assert!(a != key(Some("X"), json!({ "a": 1 })));
    }
}
