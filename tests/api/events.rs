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
    let mut attempt = 0;
    let message = loop {
        attempt += 1;
        let (status, _) = b
            .graphql(
                "mutation($m: String!) { ping(input: { message: $m }) { ping { id } } }",
                json!({ "m": format!("from b #{attempt}") }),
                Some(&token),
            )
            .await;
        assert_eq!(status, 200);
        assert!(attempt < 20, "no ping arrived");
        if let Some(message) = ws.try_recv(Duration::from_millis(500)).await {
            break message;
        }
    };
    let text = message["payload"]["data"]["pings"]["ping"]["message"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("from b"), "{text}");
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
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return PrivateRedis { port, child };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not listen on {port}");
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

pub async fn wait_for_readiness(app: &TestApp, status: u16) -> serde_json::Value {
    for _ in 0..200 {
        let (now, body) = readiness(app).await;
        if now == status {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("/readyz never answered {status}");
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
    loop {
        send("warm-up").await;
        if ws.try_recv(Duration::from_millis(500)).await.is_some() {
            break;
        }
    }
    while ws.try_recv(Duration::from_millis(200)).await.is_some() {}

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

#[tokio::test]
async fn a_subscriber_that_falls_behind_catches_up_from_the_log_without_slowing_the_publisher() {
    use futures_util::StreamExt;
    use resident_hub::events::{
        TOPIC_BUFFER, Topic,
        log::{append, replay_then_live},
    };
    let app = TestApp::spawn().await;
    let state = &app.state;
    let mut slow = replay_then_live(state.db.clone(), &state.bus, Topic::Ping, None).await;
    // Publish far more than the subscriber's buffer while it reads nothing.
    let total = TOPIC_BUFFER + 50;
    let started = std::time::Instant::now();
    for i in 0..total {
        let event = append(
            &state.db,
            &Topic::Ping,
            "PING",
            json!({ "n": i }),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        state.bus.publish(&Topic::Ping, &event).await;
    }
    let publishing = started.elapsed();
    let mut seen = Vec::new();
    while seen.len() < total {
        let event = tokio::time::timeout(Duration::from_secs(10), slow.next())
            .await
            .expect("caught up in time")
            .expect("stream open")
            .expect("no error");
        seen.push(event.payload["n"].as_u64().unwrap() as usize);
    }
    assert_eq!(
        seen,
        (0..total).collect::<Vec<_>>(),
        "every event, in order, once"
    );
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("resident_hub_events_dropped_total ") && !l.ends_with(" 0")),
        "the lag was noticed: {text}"
    );
    eprintln!("published {total} events in {publishing:?} with a stalled subscriber");
}
