//! The event bus: typed topics, one upstream subscription per process, local fan-out.
//!
//! Invariants:
//! - Channel names are built only by [`Topic::channel`], always under the configured prefix.
//! - A process holds one Redis pub/sub connection whatever its number of subscribers; each topic
//!   is subscribed upstream while at least one local subscriber wants it ([`hub`]).
//! - Delivery to local subscribers goes through bounded per-topic buffers. A subscriber that
//!   falls behind loses the oldest events and is told so ([`Delivery::Lagged`]); it never slows
//!   the others or the publisher.
//! - After a Redis reconnect every subscriber is told ([`Delivery::Resync`]), since events
//!   published meanwhile were dropped by Redis; the database's event log is the record to replay.
//! - Publishing never fails the caller: the change is committed before it is published, so a bus
//!   error is logged and counted, not returned.
//! - The write path ([`outbox::Write`]) is the only publisher: events reach the bus only after
//!   the transaction that wrote them (or their rows) committed.

mod hub;
pub mod live;
pub mod log;
pub mod outbox;
mod redis_bus;

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use futures_util::Stream;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

pub use hub::HubMessage;

/// A topic events are published on. Every channel name comes from here, so names stay
/// consistent across instances and each topic maps to one shardable Redis channel.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Diagnostic pings, used to check delivery end to end.
    Ping,
    /// Every published notice (subscribers filter by audience).
    Notices,
    /// One user's personal feed (notifications).
    UserFeed(uuid::Uuid),
    /// Read and acknowledgement counts of one notice (a state topic: a signal to recount).
    NoticeReceipts(uuid::Uuid),
    /// Every work-order change (subscribers filter by what they may see).
    WorkOrders,
    /// Something that may change staff compliance happened (a state topic: a signal to
    /// recompute the board).
    StaffCompliance,
    /// Every rectification change (subscribers filter by what they may see).
    Rectifications,
    /// Every complaint change (subscribers filter by what they may see).
    Complaints,
    /// Every supervision inspection change (subscribers filter by building and access).
    Supervision,
    /// Changes to users' access (residencies, staff records, roles, status): scope caches drop
    /// the users named.
    Access,
    /// Seats and waitlist of one activity (a state topic: a signal to read them again).
    ActivitySeats(uuid::Uuid),
    /// One group channel's messages: posted, edited, deleted, hidden (replayable).
    Channel(uuid::Uuid),
    /// A channel's message count or a reader's position moved (a state topic whose messages
    /// name the channel: subscribers recount that channel's unread messages).
    ChannelActivity,
    /// Result counts of one survey (a state topic: a signal to recount; it carries nothing
    /// about who answered).
    SurveyResults(uuid::Uuid),
    /// Every patrol run change (subscribers filter by building, post and access).
    Patrols,
    /// Users whose unread notification count changed (a state topic whose messages name them:
    /// kept token checks drop their counts).
    ViewerReads,
}

impl Topic {
    /// The topic key without the deployment prefix, as stored in the event log.
    pub fn key(&self) -> String {
        match self {
            Topic::Ping => "ping".to_owned(),
            Topic::Notices => "notices".to_owned(),
            Topic::UserFeed(user) => format!("user:{user}"),
            Topic::NoticeReceipts(notice) => format!("notice-receipts:{notice}"),
            Topic::WorkOrders => "work-orders".to_owned(),
            Topic::StaffCompliance => "staff-compliance".to_owned(),
            Topic::Access => "access".to_owned(),
            Topic::Rectifications => "rectifications".to_owned(),
            Topic::Complaints => "complaints".to_owned(),
            Topic::Supervision => "supervision".to_owned(),
            Topic::ActivitySeats(activity) => format!("activity-seats:{activity}"),
            Topic::Channel(channel) => format!("channel:{channel}"),
            Topic::ChannelActivity => "channel-activity".to_owned(),
            Topic::SurveyResults(survey) => format!("survey-results:{survey}"),
            Topic::Patrols => "patrols".to_owned(),
            Topic::ViewerReads => "viewer-reads".to_owned(),
        }
    }

    /// Messages buffered for each local subscriber before it counts as lagging (and reads the
    /// gap back from the database). A personal topic carries a trickle for one or two sockets,
    /// and the buffer is allocated for every topic up front, so it is kept small there.
    pub fn buffer(&self) -> usize {
        match self {
            Topic::Ping
            | Topic::Notices
            | Topic::WorkOrders
            | Topic::StaffCompliance
            | Topic::Access
            | Topic::Rectifications
            | Topic::Complaints => TOPIC_BUFFER,
            Topic::Supervision => TOPIC_BUFFER,
            Topic::UserFeed(_) | Topic::NoticeReceipts(_) => PERSONAL_TOPIC_BUFFER,
            Topic::ActivitySeats(_) => PERSONAL_TOPIC_BUFFER,
            Topic::Channel(_) | Topic::ChannelActivity => TOPIC_BUFFER,
            Topic::SurveyResults(_) => PERSONAL_TOPIC_BUFFER,
            Topic::Patrols | Topic::ViewerReads => TOPIC_BUFFER,
        }
    }

    /// The channel name under `prefix`.
    pub fn channel(&self, prefix: &str) -> String {
        format!("{prefix}:{}", self.key())
    }
}

/// What a subscriber receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// One event, as the JSON text it was published with.
    Event(Arc<str>),
    /// The subscriber fell behind and this many events were dropped for it.
    Lagged(u64),
    /// The bus lost its upstream connection and got it back: events may have been missed.
    Resync,
}

impl Delivery {
    /// Decodes an event's JSON into `T`; `None` for signals and for JSON that does not fit.
    pub fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        match self {
            Delivery::Event(json) => serde_json::from_str(json).ok(),
            _ => None,
        }
    }
}

/// Whether the bus can deliver right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusHealth {
    /// Connected (or in-process).
    Up,
    /// Not connected upstream; publishing is lost until it reconnects.
    Degraded(String),
}

/// The event bus shared by the whole process. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    prefix: String,
    hub: Arc<hub::Hub>,
    backend: Backend,
    metrics: Arc<Metrics>,
}

enum Backend {
    InProcess,
    Redis(redis_bus::RedisBackend),
}

/// Events buffered on a shared topic for each subscriber before it counts as lagging.
pub const TOPIC_BUFFER: usize = 256;
/// The same for a personal topic.
pub const PERSONAL_TOPIC_BUFFER: usize = 16;

impl EventBus {
    /// A bus inside this process only (the embedded default).
    pub fn in_process(prefix: impl Into<String>, metrics: Arc<Metrics>) -> EventBus {
        EventBus {
            inner: Arc::new(Inner {
                prefix: prefix.into(),
                hub: Arc::new(hub::Hub::new()),
                backend: Backend::InProcess,
                metrics,
            }),
        }
    }

    /// A bus over Redis pub/sub. Fails when Redis cannot be reached at start; later outages are
    /// survived (reconnect, resubscribe, resync signal).
    pub async fn redis(
        url: &str,
        prefix: impl Into<String>,
        metrics: Arc<Metrics>,
        shutdown: CancellationToken,
    ) -> Result<EventBus, redis::RedisError> {
        let hub = Arc::new(hub::Hub::new());
        let backend = redis_bus::RedisBackend::connect(url, hub.clone(), shutdown).await?;
        Ok(EventBus {
            inner: Arc::new(Inner {
                prefix: prefix.into(),
                hub,
                backend: Backend::Redis(backend),
                metrics,
            }),
        })
    }

    /// Which implementation runs, for `serverInfo` and logs.
    pub fn kind(&self) -> &'static str {
        match self.inner.backend {
            Backend::InProcess => "in-process",
            Backend::Redis(_) => "redis",
        }
    }

    /// Publishes events already serialised to JSON, in order (one Redis round trip). Only the
    /// write path ([`outbox::Write::commit`]) calls this, after its commit: there is no other way
    /// to put an event on the bus.
    pub(crate) async fn publish_json(&self, events: Vec<(Topic, String)>) {
        let messages: Vec<(String, String)> = events
            .into_iter()
            .map(|(topic, json)| (topic.channel(&self.inner.prefix), json))
            .collect();
        self.send(messages).await;
    }

    async fn send(&self, messages: Vec<(String, String)>) {
        match &self.inner.backend {
            Backend::InProcess => {
                for (channel, json) in messages {
                    self.inner
                        .hub
                        .deliver(&channel, HubMessage::Event(Arc::from(json)));
                    self.inner.metrics.event_published();
                }
            }
            Backend::Redis(redis) => {
                let count = messages.len();
                match redis.publish_many(messages).await {
                    Ok(()) => (0..count).for_each(|_| self.inner.metrics.event_published()),
                    Err(err) => {
                        tracing::warn!(error = %err, count, "events not published on Redis");
                        (0..count).for_each(|_| self.inner.metrics.event_publish_failed());
                    }
                }
            }
        }
    }

    /// Subscribes to `topic`. On Redis this returns once Redis has confirmed the subscription
    /// (or at once while Redis is unreachable: the subscription is made on reconnect).
    pub async fn subscribe(&self, topic: &Topic) -> Subscription {
        let channel = topic.channel(&self.inner.prefix);
        let (receiver, first) = self.inner.hub.subscribe(&channel, topic.buffer());
        let guard = SubscriptionGuard {
            channel: channel.clone(),
            bus: self.inner.clone(),
        };
        if first && let Backend::Redis(redis) = &self.inner.backend {
            redis.subscribe(&channel).await;
        }
        Subscription {
            receiver: tokio_stream::wrappers::BroadcastStream::new(receiver),
            metrics: self.inner.metrics.clone(),
            _guard: guard,
        }
    }

    /// Checks the upstream connection.
    pub async fn health(&self) -> BusHealth {
        match &self.inner.backend {
            Backend::InProcess => BusHealth::Up,
            Backend::Redis(redis) => redis.health().await,
        }
    }

    /// Number of topics with local subscribers (for metrics and tests).
    pub fn local_topics(&self) -> usize {
        self.inner.hub.topic_count()
    }
}

struct SubscriptionGuard {
    channel: String,
    bus: Arc<Inner>,
}

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        let last = self.bus.hub.unsubscribe(&self.channel);
        if last && let Backend::Redis(redis) = &self.bus.backend {
            redis.unsubscribe(&self.channel);
        }
    }
}

/// A live subscription to one topic; a stream of [`Delivery`]. Dropping it unsubscribes.
pub struct Subscription {
    receiver: tokio_stream::wrappers::BroadcastStream<HubMessage>,
    metrics: Arc<Metrics>,
    _guard: SubscriptionGuard,
}

impl Subscription {
    /// Counts a gap this subscriber read back from the database.
    pub fn note_gap(&self) {
        self.metrics.gap_read();
    }
}

impl Stream for Subscription {
    type Item = Delivery;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Delivery>> {
        use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
        match Pin::new(&mut self.receiver).poll_next(cx) {
            Poll::Ready(Some(Ok(HubMessage::Event(json)))) => {
                self.metrics.event_delivered();
                Poll::Ready(Some(Delivery::Event(json)))
            }
            Poll::Ready(Some(Ok(HubMessage::Resync))) => Poll::Ready(Some(Delivery::Resync)),
            Poll::Ready(Some(Err(BroadcastStreamRecvError::Lagged(n)))) => {
                self.metrics.events_dropped(n);
                Poll::Ready(Some(Delivery::Lagged(n)))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}
