//! Process metrics in the Prometheus text format: requests and latency by operation type,
//! errors by code, open WebSockets, and event-bus traffic. Plain atomics: recording is a few
//! relaxed increments on the hot path, and rendering happens only when `/metrics` is scraped.

use std::{
    fmt::Write,
    sync::atomic::{AtomicI64, AtomicU64, Ordering},
    time::Duration,
};

use crate::error::ErrorCode;

/// GraphQL operation types as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationKind {
    /// A query.
    Query,
    /// A mutation.
    Mutation,
    /// A subscription.
    Subscription,
    /// A request that never reached a known operation (unparsable, invalid, refused).
    Invalid,
}

impl OperationKind {
    const ALL: [OperationKind; 4] = [
        OperationKind::Query,
        OperationKind::Mutation,
        OperationKind::Subscription,
        OperationKind::Invalid,
    ];

    fn label(self) -> &'static str {
        match self {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
            OperationKind::Subscription => "subscription",
            OperationKind::Invalid => "invalid",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// All counters of one process.
#[derive(Default)]
pub struct Metrics {
    requests: [AtomicU64; 4],
    latency: [Histogram; 4],
    errors: [AtomicU64; ErrorCode::ALL.len()],
    open_websockets: AtomicI64,
    shared_groups: AtomicI64,
    shared_members: AtomicI64,
    shared_fallbacks: AtomicU64,
    events_published: AtomicU64,
    events_publish_failed: AtomicU64,
    events_delivered: AtomicU64,
    events_dropped: AtomicU64,
    sequencing_waits_micros: AtomicU64,
    sequencing_timeouts: AtomicU64,
    gap_reads: AtomicU64,
    documents_reused: AtomicU64,
}

impl Metrics {
    /// Records one finished GraphQL operation.
    pub fn record_operation(&self, kind: OperationKind, elapsed: Duration) {
        let i = kind.index();
        self.requests[i].fetch_add(1, Ordering::Relaxed);
        let histogram = &self.latency[i];
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&histogram.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        histogram.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        histogram.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Records one error sent to a client.
    pub fn record_error(&self, code: ErrorCode) {
        self.errors[code.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// A WebSocket opened.
    pub fn websocket_opened(&self) {
        self.open_websockets.fetch_add(1, Ordering::Relaxed);
    }

    /// A WebSocket closed.
    pub fn websocket_closed(&self) {
        self.open_websockets.fetch_sub(1, Ordering::Relaxed);
    }

    /// WebSockets open right now.
    pub fn open_websockets(&self) -> i64 {
        self.open_websockets.load(Ordering::Relaxed)
    }

    /// A shared subscription group started (`true`) or ended (`false`).
    pub fn shared_group(&self, started: bool) {
        self.shared_groups
            .fetch_add(if started { 1 } else { -1 }, Ordering::Relaxed);
    }

    /// A socket's operation joined (`true`) or left (`false`) a shared group.
    pub fn shared_member(&self, joined: bool) {
        self.shared_members
            .fetch_add(if joined { 1 } else { -1 }, Ordering::Relaxed);
    }

    /// A member left its group to go on alone (it fell behind, or the group ended).
    pub fn shared_fallback(&self) {
        self.shared_fallbacks.fetch_add(1, Ordering::Relaxed);
    }

    /// Shared subscription groups running now.
    pub fn shared_groups(&self) -> i64 {
        self.shared_groups.load(Ordering::Relaxed)
    }

    /// Operations served by a shared group now.
    pub fn shared_members(&self) -> i64 {
        self.shared_members.load(Ordering::Relaxed)
    }

    /// Members that went on alone so far.
    pub fn shared_fallbacks(&self) -> u64 {
        self.shared_fallbacks.load(Ordering::Relaxed)
    }

    /// A query ran again without the guardrails, its document accepted before.
    pub fn document_reused(&self) {
        self.documents_reused.fetch_add(1, Ordering::Relaxed);
    }

    /// Queries that ran again without the guardrails so far.
    pub fn documents_reused(&self) -> u64 {
        self.documents_reused.load(Ordering::Relaxed)
    }

    /// An event went out on the bus.
    pub fn event_published(&self) {
        self.events_published.fetch_add(1, Ordering::Relaxed);
    }

    /// An event could not be published.
    pub fn event_publish_failed(&self) {
        self.events_publish_failed.fetch_add(1, Ordering::Relaxed);
    }

    /// An event reached a local subscriber.
    pub fn event_delivered(&self) {
        self.events_delivered.fetch_add(1, Ordering::Relaxed);
    }

    /// Events a lagging subscriber lost.
    pub fn events_dropped(&self, n: u64) {
        self.events_dropped.fetch_add(n, Ordering::Relaxed);
    }

    /// Time a write spent taking its event positions (waiting for earlier writers of the same
    /// topics to commit).
    pub fn sequencing_waited(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sequencing_waits_micros
            .fetch_add(micros, Ordering::Relaxed);
    }

    /// A write gave up waiting for another writer of the same topic (the lock timeout).
    pub fn sequencing_timed_out(&self) {
        self.sequencing_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// A subscriber got an event ahead of one it had not received and read the gap back.
    pub fn gap_read(&self) {
        self.gap_reads.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let _ = self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP resident_hub_graphql_requests_total GraphQL operations handled, by operation type."
        )?;
        writeln!(out, "# TYPE resident_hub_graphql_requests_total counter")?;
        for kind in OperationKind::ALL {
            writeln!(
                out,
                "resident_hub_graphql_requests_total{{operation=\"{}\"}} {}",
                kind.label(),
                self.requests[kind.index()].load(Ordering::Relaxed)
            )?;
        }
        writeln!(
            out,
            "# HELP resident_hub_graphql_request_duration_seconds Time to answer a GraphQL operation (subscriptions: until the subscription ends)."
        )?;
        writeln!(
            out,
            "# TYPE resident_hub_graphql_request_duration_seconds histogram"
        )?;
        for kind in OperationKind::ALL {
            let h = &self.latency[kind.index()];
            let label = kind.label();
            for (bound, bucket) in BUCKETS.iter().zip(&h.buckets) {
                writeln!(
                    out,
                    "resident_hub_graphql_request_duration_seconds_bucket{{operation=\"{label}\",le=\"{bound}\"}} {}",
                    bucket.load(Ordering::Relaxed)
                )?;
            }
            let count = h.count.load(Ordering::Relaxed);
            writeln!(
                out,
                "resident_hub_graphql_request_duration_seconds_bucket{{operation=\"{label}\",le=\"+Inf\"}} {count}"
            )?;
            // Micros to seconds for the exposition only; precision loss is irrelevant here.
            #[expect(clippy::cast_precision_loss, reason = "display only")]
            let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            writeln!(
                out,
                "resident_hub_graphql_request_duration_seconds_sum{{operation=\"{label}\"}} {sum}"
            )?;
            writeln!(
                out,
                "resident_hub_graphql_request_duration_seconds_count{{operation=\"{label}\"}} {count}"
            )?;
        }
        writeln!(
            out,
            "# HELP resident_hub_graphql_errors_total Errors sent to clients, by extensions.code."
        )?;
        writeln!(out, "# TYPE resident_hub_graphql_errors_total counter")?;
        for code in ErrorCode::ALL {
            writeln!(
                out,
                "resident_hub_graphql_errors_total{{code=\"{}\"}} {}",
                code.as_str(),
                self.errors[code.index()].load(Ordering::Relaxed)
            )?;
        }
        writeln!(
            out,
            "# HELP resident_hub_websockets_open WebSocket connections open now."
        )?;
        writeln!(out, "# TYPE resident_hub_websockets_open gauge")?;
        writeln!(
            out,
            "resident_hub_websockets_open {}",
            self.open_websockets()
        )?;
        for (name, help, value) in [
            (
                "resident_hub_shared_subscription_groups",
                "Shared subscription groups running now (one execution per event each).",
                self.shared_groups(),
            ),
            (
                "resident_hub_shared_subscribers",
                "Subscriptions served by a shared group now.",
                self.shared_members(),
            ),
        ] {
            writeln!(out, "# HELP {name} {help}")?;
            writeln!(out, "# TYPE {name} gauge")?;
            writeln!(out, "{name} {value}")?;
        }
        for (name, help, value) in [
            (
                "resident_hub_events_published_total",
                "Events published on the bus.",
                &self.events_published,
            ),
            (
                "resident_hub_events_publish_failed_total",
                "Events the bus could not publish (the database still has them).",
                &self.events_publish_failed,
            ),
            (
                "resident_hub_events_delivered_total",
                "Events handed to local subscribers.",
                &self.events_delivered,
            ),
            (
                "resident_hub_events_dropped_total",
                "Events lagging subscribers lost (they were told to resync).",
                &self.events_dropped,
            ),
            (
                "resident_hub_event_sequencing_wait_microseconds_total",
                "Time writes spent waiting for earlier writers of the same topics to commit.",
                &self.sequencing_waits_micros,
            ),
            (
                "resident_hub_event_sequencing_timeouts_total",
                "Writes that gave up waiting for another writer of the same topic.",
                &self.sequencing_timeouts,
            ),
            (
                "resident_hub_event_gap_reads_total",
                "Times a subscriber read events back from the database because a later one arrived first.",
                &self.gap_reads,
            ),
            (
                "resident_hub_shared_subscription_fallbacks_total",
                "Shared subscribers that went on alone (they fell behind, or their group ended).",
                &self.shared_fallbacks,
            ),
            (
                "resident_hub_graphql_documents_reused_total",
                "Queries whose document this instance had parsed, validated and accepted before, run again without the per-field guardrails.",
                &self.documents_reused,
            ),
        ] {
            writeln!(out, "# HELP {name} {help}")?;
            writeln!(out, "# TYPE {name} counter")?;
            writeln!(out, "{name} {}", value.load(Ordering::Relaxed))?;
        }
        Ok(())
    }
}
