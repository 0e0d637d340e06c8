//! The event bus across instances: two servers on one Redis and one database.

use std::time::Duration;

use resident_hub::auth::Role;
use serde_json::json;

use crate::helpers::{TestApp, test_redis_url};

#[tokio::test]
async fn a_subscriber_on_one_instance_receives_a_ping_sent_to_another() {
    if test_redis_url().is_none() {
        eprintln!("skipped: set TEST_REDIS_URL to run the two-instance test");
        return;
    }
    let a = TestApp::spawn().await;
    let b = a.spawn_sibling().await;
    let token = a.token(&[Role::Admin]).await;
    let mut ws = a.ws().await;
    ws.init(json!({})).await;
    ws.subscribe(
        "s",
        "subscription { pings { ping { message } } }",
        json!({}),
    )
    .await;
    // Warm-up pings go to b: the first one to arrive on a already crossed instances.
    ws.warm_up_pings(&b, &token).await;
    let (status, json) = b
        .graphql(
            "mutation($m: String!) { ping(input: { message: $m }) { ping { id } } }",
            json!({ "m": "from b" }),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    let message = ws.recv().await;
    assert_eq!(
        message["payload"]["data"]["pings"]["ping"]["message"], "from b",
        "{message}"
    );
}

/// A Redis server of this test's own, so it can be stopped without disturbing other tests.
pub struct PrivateRedis {
    pub port: u16,
    child: std::process::Child,
}

impl PrivateRedis {
    #[expect(clippy::zombie_processes, reason = "Drop kills and waits for it")]
    pub fn start(port: u16) -> PrivateRedis {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts");
        // Bounded: 100 attempts, 50 ms apart.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return PrivateRedis { port, child };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not listen on {port} within 5 s");
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

async fn readiness(app: &TestApp) -> (u16, serde_json::Value) {
    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Polls `/readyz` until it answers `status`; fails the test after 20 s, with the last answer.
pub async fn wait_for_readiness(app: &TestApp, status: u16) -> serde_json::Value {
    let mut last = None;
    let polled = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let (now, body) = readiness(app).await;
            if now == status {
                return body;
            }
            last = Some((now, body));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    polled.unwrap_or_else(|_| panic!("/readyz did not answer {status} within 20 s; last: {last:?}"))
}

#[tokio::test]
async fn the_bus_survives_a_redis_outage_and_fills_the_gap_from_the_database() {
    if test_redis_url().is_none()
        || std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
    {
        eprintln!("skipped: needs TEST_REDIS_URL and a redis-server binary");
        return;
    }
    let port = free_port();
    let mut redis = PrivateRedis::start(port);
    let app = TestApp::builder()
        .config(move |c| c.redis_url = Some(format!("redis://127.0.0.1:{port}")))
        .spawn()
        .await;
    let token = app.token(&[Role::Admin]).await;
    let send = |message: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            app.graphql(
                "mutation($m: String!) { ping(input: { message: $m }) { ping { id message } } }",
                json!({ "m": message }),
                Some(token),
            )
            .await
        }
    };
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.subscribe(
        "s",
        "subscription { pings { ping { message } } }",
        json!({}),
    )
    .await;
    ws.warm_up_pings(&app, &token).await;

    redis.stop();
    let body = wait_for_readiness(&app, 503).await;
    assert_eq!(body["eventBus"]["status"], "degraded", "{body}");
    let (status, json) = send("during the outage").await;
    assert_eq!(status, 200);
    assert_eq!(
        json["data"]["ping"]["ping"]["message"], "during the outage",
        "the write succeeds: {json}"
    );

    let _redis = PrivateRedis::start(redis.port);
    let seen = ws.recv().await;
    assert_eq!(
        seen["payload"]["data"]["pings"]["ping"]["message"],
        "during the outage"
    );
    wait_for_readiness(&app, 200).await;
    send("after the outage").await;
    let seen = ws.recv().await;
    assert_eq!(
        seen["payload"]["data"]["pings"]["ping"]["message"],
        "after the outage"
    );
}

/// The value of an unlabelled counter on `/metrics`.
async fn counter(app: &TestApp, name: &str) -> f64 {
    let text = app.metrics_text().await;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Holds the publisher to what it must do, by causality rather than by the clock: every publish
/// call returns while the subscriber has not read a single event (so the publisher cannot be
/// waiting for it), and the subscriber then still gets every event once, in order, from the log.
#[tokio::test]
async fn a_subscriber_that_falls_behind_catches_up_from_the_log_without_slowing_the_publisher() {
    use futures_util::StreamExt;
    use resident_hub::events::{
        TOPIC_BUFFER, Topic,
        log::{LoggedEvent, replay_then_live},
        outbox::Write,
    };
    let app = TestApp::spawn().await;
    let state = app.state.clone();
    // Far more than the subscriber's buffer.
    let total = TOPIC_BUFFER + 50;
    let n_of = |event: &LoggedEvent| event.payload["n"].as_u64().unwrap() as usize;

    // The stalled subscriber: its live subscription exists from here on, but it reads nothing
    // until `go` fires. `read` tells how many events it has taken.
    let (read_tx, mut read) = tokio::sync::watch::channel(0_usize);
    let (go, gate) = tokio::sync::oneshot::channel::<()>();
    let mut stalled = replay_then_live(state.db.clone(), &state.bus, Topic::Ping, None)
        .await
        .unwrap();
    let subscriber = tokio::spawn(async move {
        gate.await.expect("released");
        let mut seen = Vec::new();
        while seen.len() < total + 1 {
            let event = stalled
                .next()
                .await
                .expect("stream open")
                .expect("no error");
            seen.push(n_of(&event));
            read_tx.send_replace(seen.len());
        }
        seen
    });

    // A probe on the same topic reads as fast as it can, so that once it has the last event the
    // bus has fanned every event out locally (on Redis too): the stalled subscriber's buffer has
    // certainly overflowed. Lag on the probe itself only skips events it does not need.
    let mut probe = state.bus.subscribe(&Topic::Ping).await;
    let probe = tokio::spawn(async move {
        while let Some(delivery) = probe.next().await {
            let last = delivery
                .decode::<LoggedEvent>()
                .is_some_and(|event| event.payload["n"] == (total - 1) as u64);
            if last {
                return;
            }
        }
        panic!("the probe's subscription ended");
    });

    // The publisher. The timeout is only a guard against a hang (a publisher blocked by the
    // stalled subscriber would never finish); it is not what the test measures.
    tokio::time::timeout(Duration::from_secs(120), async {
        for i in 0..total {
            // The write path: the event row commits, then goes on the bus.
            let mut write = Write::begin(&state).await.unwrap();
            write.event(Topic::Ping, "PING", json!({ "n": i }));
            write.commit().await.unwrap();
        }
    })
    .await
    .expect("the publisher did not finish within 120 s: a stalled subscriber must not hold it up");
    assert_eq!(
        *read.borrow(),
        0,
        "every publish returned while the subscriber had read nothing"
    );
    tokio::time::timeout(Duration::from_secs(30), probe)
        .await
        .expect("the bus fanned the last event out")
        .expect("probe");
    let dropped_before = counter(&app, "resident_hub_events_dropped_total").await;

    // Released, the subscriber catches up: every event, once, in order (the ones its buffer
    // lost come from the event log), then continues live: the next event is the next one
    // published, so nothing was delivered twice.
    go.send(()).expect("subscriber waiting");
    tokio::time::timeout(Duration::from_secs(60), read.wait_for(|n| *n >= total))
        .await
        .expect("the subscriber caught up in time")
        .expect("the subscriber is running");
    let mut write = Write::begin(&state).await.unwrap();
    write.event(Topic::Ping, "PING", json!({ "n": total }));
    write.commit().await.unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(30), subscriber)
        .await
        .expect("the subscriber received the live event")
        .expect("subscriber");
    assert_eq!(
        seen,
        (0..=total).collect::<Vec<_>>(),
        "every event, in order, once, then live"
    );
    let dropped_after = counter(&app, "resident_hub_events_dropped_total").await;
    assert!(
        dropped_after > dropped_before,
        "the stalled subscriber's buffer overflowed ({dropped_before} → {dropped_after} dropped), \
         so what it missed came from the log"
    );
}
