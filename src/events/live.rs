//! The one shape of a live, replayable subscription that filters by access: replay the topic
//! after the client's cursor, then go live ([`super::log::replay_then_live`]); decode each
//! event's payload; judge it with the subscriber's access *now* (their scope read afresh from
//! the per-process cache, which access changes invalidate on every instance); and map it to the
//! GraphQL item. A domain supplies only the judge.
//!
//! Invariants:
//! - No gap and no duplicate: positions come from the event log (see [`super::log`]).
//! - Every event is judged with the scope as it is when the event is delivered, never the one
//!   the subscription started with: a resident who moves out stops receiving at once.
//! - An event whose payload does not decode (another shape on the same topic) is skipped with a
//!   warning; an error ends the stream with that error.

use std::{future::Future, sync::Arc};

use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{
    Topic,
    log::{Cursor, replay_then_live},
};
use crate::{app::AppState, domains::estate::access::Scope, error::AppResult};

/// One event as a judge sees it.
pub struct LiveEvent<P> {
    /// Pass as `after` to resume after this event.
    pub cursor: String,
    /// The event kind.
    pub kind: String,
    /// The decoded payload.
    pub payload: P,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// The events of `topic` after `after` (live from now without it) that `judge` lets through for
/// `user`, mapped to what `judge` returns. `judge` gets the state, the user's scope as it is
/// now, and the event; it returns `None` to skip the event.
pub async fn judged<P, T, F, Fut>(
    state: &AppState,
    user: Uuid,
    topic: Topic,
    after: Option<Cursor>,
    judge: F,
) -> AppResult<impl Stream<Item = async_graphql::Result<T>> + Send + use<P, T, F, Fut>>
where
    P: DeserializeOwned + Send + 'static,
    T: Send + 'static,
    F: Fn(AppState, Arc<Scope>, LiveEvent<P>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = AppResult<Option<T>>> + Send + 'static,
{
    // Boxed while they run: a subscription keeps its streams for its whole life, and an idle
    // one should not carry the space of a database read or of a judgement (`filter_map` keeps
    // room for one pending future inline).
    // Set up in turn (see `AppState::setup_turn`).
    let events = state
        .in_turn(|| replay_then_live(state.db.clone(), &state.bus, topic, after))
        .await?;
    let state = state.clone();
    Ok(events.filter_map(move |event| {
        let state = state.clone();
        let judge = judge.clone();
        Box::pin(async move {
            let result: AppResult<Option<T>> = async {
                let event = event?;
                let payload = match serde_json::from_value::<P>(event.payload.clone()) {
                    Ok(payload) => payload,
                    Err(err) => {
                        tracing::warn!(error = %err, kind = %event.kind, "undecodable live event");
                        return Ok(None);
                    }
                };
                let scope = state.scopes.get(&state, user).await?;
                let live = LiveEvent {
                    cursor: event.cursor(),
                    kind: event.kind,
                    payload,
                    created_at: event.created_at,
                };
                judge(state, scope, live).await
            }
            .await;
            result.map_err(Into::into).transpose()
        })
    }))
}
