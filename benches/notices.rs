//! Notice benchmark: publishing to a 10,000-person audience, and fanning notices out to 10,000
//! WebSocket subscribers on one server instance, against a bare WebSocket broadcaster measured in
//! the same run. Not a test: run it on purpose, on a quiet machine.
//!
//! ```sh
//! cargo bench --bench notices                                   # PostgreSQL on 127.0.0.1, in-process bus
//! BENCH_REDIS_URL=redis://127.0.0.1:6379 cargo bench --bench notices   # with the Redis bus
//! BENCH_SUBSCRIBERS=2000 cargo bench --bench notices            # a smaller run
//! # a heap profile of the server once every subscriber is connected and settled (the last
//! # detailed snapshot before the shutdown; subscribing under valgrind is slow, so settle long):
//! BENCH_SUBSCRIBERS=1000 BENCH_MEMORY_ONLY=1 BENCH_SETTLE_SECONDS=120 \
//!   BENCH_SERVER_WRAPPER="valgrind --tool=massif --massif-out-file=/tmp/massif.%p" \
//!   cargo bench --bench notices
//! ```
//!
//! It creates a database of its own (`rh_bench_<pid>`) next to `BENCH_DATABASE_URL`'s (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), starts the release binary against it, and drops
//! the database at the end. The bare broadcaster (`support/bare.rs`) is this same bench binary
//! started again with `--bare-broadcaster`, so its memory is a process of its own too.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::{
    collections::HashMap,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures_util::SinkExt;
use resident_hub::auth::tokens::TokenKeys;
use sea_orm::Database;
use serde_json::json;
use support::{Server, bare, collect, connect_all, ms_since, report};

use tokio_tungstenite::tungstenite::Message;

const NOTICES: &str =
    "subscription { noticePublished { cursor kind notice { id title kind priority } } }";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == bare::FLAG) {
        bare::run(&args[at + 1]).await;
        return;
    }
    let admin_url = support::admin_url();
    let subscribers: usize = std::env::var("BENCH_SUBSCRIBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let messages: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let audience: usize = subscribers.max(10_000);
    let name = format!("rh_bench_{}", std::process::id());
    let url = support::fresh_database(&admin_url, &name).await;

    let (server, http, gql) = support::start_with_admin(&url).await;

    // An estate of `audience` residents in one building, written directly.
    let db = Database::connect(&url).await.unwrap();
    let started = Instant::now();
    let (building, users) = support::seed_building(&db, audience).await;
    println!(
        "seeded {audience} residents in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let admin_token = support::sign_in(&http, &gql, support::ADMIN.0, support::ADMIN.1).await;
    // Publishes a notice to the building: (request start, response received).
    let publish = |title: String| {
        let (http, gql, token) = (http.clone(), gql.clone(), admin_token.clone());
        async move {
            let started = Instant::now();
            support::graphql(
                &http,
                &gql,
                Some(&token),
                "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }",
                json!({ "i": { "title": title, "body": "Benchmark notice.", "kind": "GENERAL", "audience": { "buildingIds": [building] } } }),
            )
            .await;
            (started, Instant::now())
        }
    };

    let keys = TokenKeys::from_secret(support::SECRET.as_bytes());
    let tokens: Vec<String> = users
        .iter()
        .take(subscribers)
        .map(|user| support::resident_token(&keys, *user))
        .collect();

    // 1. The yardstick: a bare broadcaster, `messages` messages one second apart.
    let bare_port = support::free_port();
    let bare_server = Server::wrap(
        Command::new(std::env::current_exe().unwrap())
            .args([bare::FLAG, &format!("127.0.0.1:{bare_port}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
        bare_port,
    );
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", bare_port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mut bare_done, bare_cost) = connect_all(
        bare_port,
        bare_server.pid(),
        &tokens,
        NOTICES,
        &json!({}),
        "title",
        None,
    )
    .await;
    let bare_kib = bare_cost.subscriber_kib;
    println!(
        "bare broadcaster: {subscribers} sockets connected in {:.1} s; RSS per idle socket {:.1} KiB, per idle subscriber {bare_kib:.1} KiB",
        bare_cost.seconds, bare_cost.socket_kib
    );
    let mut publisher = support::subscribe(bare_port, "-", "publish", json!({})).await;
    let mut published = HashMap::new();
    for n in 0..messages {
        let title = format!("bare {n}");
        let frame = json!({ "data": { "noticePublished": { "kind": "NOTICE_PUBLISHED", "notice": { "title": title } } } });
        published.insert(title, Instant::now());
        publisher
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let bare_fanout = collect(
        &mut bare_done,
        subscribers,
        &published,
        Duration::from_secs(30),
    )
    .await;
    report(
        "bare broadcaster fan-out, from the send",
        &bare_fanout,
        subscribers,
        messages,
    );
    drop(publisher);
    drop(bare_server);
    drop(bare_done);

    // 2. The server: `noticePublished` subscribers, `messages` notices one second apart.
    // Every socket runs the same plain document, so all share one execution: the phase starts
    // once the server serves each of them in its group.
    let (mut done, cost) = connect_all(
        server.port,
        server.pid(),
        &tokens,
        NOTICES,
        &json!({}),
        "title",
        Some((&server, &http)),
    )
    .await;
    println!(
        "resident-hub: every subscription shared {:.1} s after the last subscribe was sent",
        cost.shared_seconds.unwrap_or_default()
    );
    let kib = cost.subscriber_kib;
    println!(
        "resident-hub: {subscribers} sockets connected in {:.1} s; RSS per idle socket (no operation) {:.1} KiB, per idle noticePublished subscriber {kib:.1} KiB ({:.2}x the bare broadcaster's)",
        cost.seconds,
        cost.socket_kib,
        kib / bare_kib
    );
    if std::env::var_os("BENCH_MEMORY_ONLY").is_some() {
        // For heap profiles of the server (`BENCH_SERVER_WRAPPER`): stop at the peak, with
        // every subscriber connected.
        drop(server);
        db.close().await.unwrap();
        support::drop_database(&admin_url, &name).await;
        return;
    }
    let mut returned = HashMap::new();
    for n in 0..messages {
        let title = format!("notice {n}");
        let (start, end) = publish(title.clone()).await;
        returned.insert(title, end);
        tokio::time::sleep(Duration::from_secs(1).saturating_sub(end - start)).await;
    }
    // Measured from the return of each publishNotice: the publishing write (10,000 inbox rows)
    // is phase 1's figure.
    let fanout = collect(&mut done, subscribers, &returned, Duration::from_secs(60)).await;
    report(
        "resident-hub fan-out, from publishNotice returning",
        &fanout,
        subscribers,
        messages,
    );
    println!(
        "fan-out p99 ratio to the bare broadcaster: {:.2}x; memory per idle subscriber: {kib:.1} KiB (bare {bare_kib:.1} KiB)",
        fanout.p99 / bare_fanout.p99
    );

    // 3. Eight concurrent writers, five notices each, while every subscriber stays connected:
    // each subscriber must get all 40 once and in one order (the order they committed in), and
    // the latency is from each publishNotice returning to each arrival.
    const WRITERS: usize = 8;
    const EACH: usize = 5;
    let returned_at = Arc::new(Mutex::new(HashMap::<String, Instant>::new()));
    let writers = (0..WRITERS).map(|w| {
        let returned_at = returned_at.clone();
        let publish = &publish;
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
    let burst = burst_started.elapsed().as_secs_f64();
    let returned_at = returned_at.lock().unwrap().clone();
    let concurrent = collect(
        &mut done,
        subscribers,
        &returned_at,
        Duration::from_secs(120),
    )
    .await;
    report(
        &format!(
            "{WRITERS} concurrent writers × {EACH} notices in {burst:.1} s, from each publishNotice returning"
        ),
        &concurrent,
        subscribers,
        WRITERS * EACH,
    );

    drop(done);
    // The subscribers' sockets close with their readers; let the server notice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    // 4. Publishing to the whole audience with nobody connected (last, so that the memory
    // figures above are those of a fresh instance).
    let mut times = Vec::new();
    for round in 0..3 {
        let (start, end) = publish(format!("warm-up {round}")).await;
        times.push(ms_since(end, start));
    }
    times.sort_by(f64::total_cmp);
    println!(
        "publishNotice to {audience} recipients: median {:.0} ms (min {:.0}, max {:.0})",
        times[1], times[0], times[2]
    );

    drop(server);
    db.close().await.unwrap();
    support::drop_database(&admin_url, &name).await;
}
