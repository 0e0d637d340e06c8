//! Notice benchmark: publishing to a 10,000-person audience, and fanning one notice out to
//! 10,000 WebSocket subscribers on one server instance (latency, and server memory per idle
//! subscriber). Not a test: run it on purpose, on a quiet machine.
//!
//! ```sh
//! cargo bench --bench notices                                   # PostgreSQL on 127.0.0.1, in-process bus
//! BENCH_REDIS_URL=redis://127.0.0.1:6379 cargo bench --bench notices   # with the Redis bus
//! BENCH_SUBSCRIBERS=2000 cargo bench --bench notices            # a smaller run
//! ```
//!
//! It creates a database of its own (`rh_bench_<pid>`) next to `BENCH_DATABASE_URL`'s (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), starts the release binary against it, and drops
//! the database at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use resident_hub::auth::{AuthenticatedUser, Role, tokens::TokenKeys};
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, DbBackend, EntityTrait, Statement};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};
use uuid::Uuid;

const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";

fn with_database(url: &str, name: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{name}")
}

async fn admin(url: &str, sql: &str) {
    let conn = Database::connect(url).await.unwrap();
    conn.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap();
    conn.close().await.unwrap();
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() {
    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let redis = std::env::var("BENCH_REDIS_URL").ok();
    let subscribers: usize = std::env::var("BENCH_SUBSCRIBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let audience: usize = subscribers.max(10_000);
    let name = format!("rh_bench_{}", std::process::id());
    admin(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
    admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
    let url = with_database(&admin_url, &name);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_resident-hub"));
    command
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data.path())
        .env("DATABASE_URL", &url)
        .env("RESIDENT_HUB_JWT_SECRET", SECRET)
        .env("RESIDENT_HUB_ADMIN_EMAIL", "admin@bench.test")
        .env("RESIDENT_HUB_ADMIN_PASSWORD", "bench-admin-password")
        .env("RESIDENT_HUB_DB_MAX_CONNECTIONS", "20")
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null());
    if let Some(redis) = &redis {
        command.env("REDIS_URL", redis).env(
            "RESIDENT_HUB_BUS_PREFIX",
            format!("bench-{}", std::process::id()),
        );
    }
    let server = Server(command.spawn().expect("release binary starts"));
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // An estate of `audience` residents in one building, written directly.
    let db = Database::connect(&url).await.unwrap();
    let now = chrono::Utc::now();
    let building = Uuid::now_v7();
    entity::building::Entity::insert(entity::building::ActiveModel {
        id: Set(building),
        name: Set("Bench Tower".into()),
        address: Set("1 Bench Road".into()),
        service_centre_hours: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&db)
    .await
    .unwrap();
    let mut users = Vec::with_capacity(audience);
    let started = Instant::now();
    for chunk in (0..audience).collect::<Vec<_>>().chunks(1000) {
        let ids: Vec<(Uuid, Uuid)> = chunk
            .iter()
            .map(|_| (Uuid::now_v7(), Uuid::now_v7()))
            .collect();
        entity::user::Entity::insert_many(ids.iter().zip(chunk).map(|((user, _), i)| {
            entity::user::ActiveModel {
                id: Set(*user),
                email: Set(format!("r{i}@bench.test")),
                phone: Set(None),
                display_name: Set(format!("Resident {i}")),
                password_hash: Set("x".into()),
                status: Set("ACTIVE".into()),
                created_at: Set(now),
                updated_at: Set(now),
            }
        }))
        .exec(&db)
        .await
        .unwrap();
        entity::user_role::Entity::insert_many(ids.iter().map(|(user, _)| {
            entity::user_role::ActiveModel {
                user_id: Set(*user),
                role: Set("RESIDENT".into()),
            }
        }))
        .exec(&db)
        .await
        .unwrap();
        entity::unit::Entity::insert_many(ids.iter().zip(chunk).map(|((_, unit), i)| {
            entity::unit::ActiveModel {
                id: Set(*unit),
                building_id: Set(building),
                floor: Set((*i / 100) as i32),
                number: Set(format!("U{i}")),
                kind: Set("FLAT".into()),
                created_at: Set(now),
            }
        }))
        .exec(&db)
        .await
        .unwrap();
        entity::residency::Entity::insert_many(ids.iter().map(|(user, unit)| {
            entity::residency::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(*user),
                unit_id: Set(*unit),
                relation: Set("OWNER".into()),
                moved_in: Set(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
                moved_out: Set(None),
                created_at: Set(now),
            }
        }))
        .exec(&db)
        .await
        .unwrap();
        users.extend(ids.into_iter().map(|(user, _)| user));
    }
    println!(
        "seeded {audience} residents in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let sign_in: Value = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "mutation { signIn(input: { email: \"admin@bench.test\", password: \"bench-admin-password\" }) { accessToken } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin_token = sign_in["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let publish = |title: String| {
        let http = http.clone();
        let base = base.clone();
        let token = admin_token.clone();
        async move {
            let started = Instant::now();
            let response: Value = http
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .json(&json!({
                    "query": "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }",
                    "variables": { "i": { "title": title, "body": "Benchmark notice.", "kind": "GENERAL", "audience": { "buildingIds": [building] } } },
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(response["errors"].is_null(), "{response}");
            (started.elapsed(), Instant::now())
        }
    };

    // 1. Publishing to the whole audience, nobody connected.
    let mut times = Vec::new();
    for round in 0..3 {
        let (elapsed, _) = publish(format!("warm-up {round}")).await;
        times.push(elapsed.as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "publishNotice to {audience} recipients: median {:.0} ms (min {:.0}, max {:.0})",
        times[1], times[0], times[2]
    );

    // 2. Fan-out to `subscribers` WebSocket subscribers.
    let keys = TokenKeys::from_secret(SECRET.as_bytes());
    let pid = server.0.id();
    let rss_before = rss_kib(pid);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(subscribers);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, String, Instant)>();
    let started = Instant::now();
    for (index, user) in users.iter().take(subscribers).enumerate() {
        let token = keys
            .issue(
                &AuthenticatedUser {
                    id: *user,
                    roles: vec![Role::Resident],
                },
                // The server under measurement runs on the system clock.
                chrono::Utc::now(),
                chrono::Duration::hours(1),
            )
            .unwrap();
        let (ready_tx, done_tx) = (ready_tx.clone(), done_tx.clone());
        let mut request = format!("ws://127.0.0.1:{port}/graphql")
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("connect");
        tokio::spawn(async move {
            ws.send(Message::Text(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }).to_string().into()))
                .await
                .unwrap();
            let _ack = ws.next().await;
            ws.send(Message::Text(
                json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { notificationReceived { cursor notification { title } } }" } }).to_string().into(),
            ))
            .await
            .unwrap();
            let _ = ready_tx.send(()).await;
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(text) = message
                    && text.contains("\"next\"")
                {
                    let at = Instant::now();
                    let value: Value = serde_json::from_str(&text).unwrap_or_default();
                    let title =
                        value["payload"]["data"]["notificationReceived"]["notification"]["title"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                    let _ = done_tx.send((index, title, at));
                }
            }
        });
    }
    for _ in 0..subscribers {
        ready_rx.recv().await.unwrap();
    }
    // Let the server settle every subscription (bus subscriptions, first polls).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_after = rss_kib(pid);
    println!(
        "{subscribers} subscribers connected in {:.1} s; server RSS {} MiB → {} MiB: {:.1} KiB per idle subscriber",
        started.elapsed().as_secs_f64(),
        rss_before / 1024,
        rss_after / 1024,
        (rss_after.saturating_sub(rss_before)) as f64 / subscribers as f64
    );

    let publish_started = Instant::now();
    let (_, returned) = publish("fan-out".to_owned()).await;
    let mut from_return = Vec::with_capacity(subscribers);
    let mut from_start = Vec::with_capacity(subscribers);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while from_return.len() < subscribers {
        match tokio::time::timeout_at(deadline, done_rx.recv()).await {
            Ok(Some((_, _, at))) => {
                from_return.push(at.saturating_duration_since(returned).as_secs_f64() * 1000.0);
                from_start
                    .push(at.saturating_duration_since(publish_started).as_secs_f64() * 1000.0);
            }
            _ => break,
        }
    }
    from_return.sort_by(f64::total_cmp);
    from_start.sort_by(f64::total_cmp);
    println!(
        "fan-out: {}/{} received; after publishNotice returned: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; from the request start: p99 {:.0} ms",
        from_return.len(),
        subscribers,
        percentile(&from_return, 0.5),
        percentile(&from_return, 0.99),
        from_return.last().copied().unwrap_or(f64::NAN),
        percentile(&from_start, 0.99),
    );

    // 3. Eight concurrent writers, five notices each, while every subscriber stays connected:
    // each subscriber must get all 40 once and in one order (the order they committed in), and
    // the latency is from each publishNotice returning to each arrival.
    const WRITERS: usize = 8;
    const EACH: usize = 5;
    let returned_at = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::<
        String,
        Instant,
    >::new()));
    let writers = (0..WRITERS).map(|w| {
        let returned_at = returned_at.clone();
        async move {
            for n in 0..EACH {
                let title = format!("writer {w} notice {n}");
                let (_, at) = publish(title.clone()).await;
                returned_at.lock().unwrap().insert(title, at);
            }
        }
    });
    let burst_started = Instant::now();
    futures_util::future::join_all(writers).await;
    let expected = WRITERS * EACH * subscribers;
    let mut arrivals: Vec<(usize, String, Instant)> = Vec::with_capacity(expected);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while arrivals.len() < expected {
        match tokio::time::timeout_at(deadline, done_rx.recv()).await {
            Ok(Some(arrival)) => arrivals.push(arrival),
            _ => break,
        }
    }
    let returned_at = returned_at.lock().unwrap().clone();
    let mut latency: Vec<f64> = arrivals
        .iter()
        .filter_map(|(_, title, at)| {
            let returned = returned_at.get(title)?;
            Some(at.saturating_duration_since(*returned).as_secs_f64() * 1000.0)
        })
        .collect();
    latency.sort_by(f64::total_cmp);
    let mut orders: Vec<Vec<&str>> = vec![Vec::new(); subscribers];
    for (index, title, _) in &arrivals {
        orders[*index].push(title);
    }
    let complete = orders
        .iter()
        .filter(|o| {
            let unique: std::collections::HashSet<&&str> = o.iter().collect();
            o.len() == WRITERS * EACH && unique.len() == o.len()
        })
        .count();
    let same_order = orders.iter().all(|o| *o == orders[0]);
    println!(
        "{WRITERS} concurrent writers × {EACH} notices in {:.1} s: {complete}/{subscribers} subscribers got all {} once, one order for all: {same_order}; delivery after publishNotice returned: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        burst_started.elapsed().as_secs_f64(),
        WRITERS * EACH,
        percentile(&latency, 0.5),
        percentile(&latency, 0.99),
        latency.last().copied().unwrap_or(f64::NAN),
    );

    drop(server);
    db.close().await.unwrap();
    admin(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
}
