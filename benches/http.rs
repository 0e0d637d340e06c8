//! Hot-path benchmark (issue 15): a resident's home page over HTTP against a `pgbench -S -c 8`
//! yardstick measured in the same run. Not a test: run it on purpose, on a quiet machine.
//!
//! ```sh
//! cargo bench --bench http                        # PostgreSQL on 127.0.0.1, 10 s per phase
//! BENCH_SECONDS=30 cargo bench --bench http       # longer phases
//! ```
//!
//! It creates two databases of its own next to `BENCH_DATABASE_URL`'s (default
//! `postgres://postgres@127.0.0.1:5432/postgres`): `rh_http_<pid>` for the release server
//! (started with the demo estate, then given notices up to 30) and `rh_pgbench_<pid>` for
//! `pgbench -i`. Then: `pgbench -S -c 8`, the page at 16 and at 64 connections with the load
//! generator below (one keep-alive HTTP/1.1 connection per worker), `pgbench -S -c 8` again.
//! It prints requests per second, p50/p99 latency, the ratio to the mean pgbench TPS, and the
//! statements per request (PostgreSQL transactions of the server's database per request: each
//! of the page's statements runs on its own, outside any transaction). The server and pgbench
//! connect with `sslmode=disable` unless `BENCH_DATABASE_URL` has a query string of its own.
//! Both databases are dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::{
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use support::{Server, graphql, percentile, with_database};

/// The issue's home page.
const PAGE: &str = "{ viewer { displayName units { number floor building { name address } householdMembers { name kind } } } notices(first: 10) { edges { node { id title kind priority publishAt pinned requiresAck } } } unreadNotificationCount }";

/// Committed transactions of database `name` so far.
async fn commits(admin_url: &str, name: &str) -> i64 {
    let conn = Database::connect(admin_url).await.unwrap();
    // Statistics are read from a snapshot per transaction: take a fresh one.
    let _ = conn
        .execute_unprepared("SELECT pg_stat_clear_snapshot()")
        .await;
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT xact_commit FROM pg_stat_database WHERE datname = '{name}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    let value: i64 = row.try_get("", "xact_commit").unwrap();
    conn.close().await.unwrap();
    value
}

/// `pgbench -S -c 8` for `seconds`: its TPS (without the initial connection time).
fn pgbench(url: &str, seconds: u64) -> f64 {
    let out = Command::new("pgbench")
        .args([
            "-S",
            "-c",
            "8",
            "-j",
            "2",
            "-n",
            "-T",
            &seconds.to_string(),
            url,
        ])
        .output()
        .expect("pgbench runs (install postgresql-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no TPS in pgbench's output: {text}"))
}

/// One load phase's figures.
struct Phase {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
    requests: usize,
}

/// The page at `connections` concurrent keep-alive connections for `seconds`.
async fn load(url: &str, token: &str, connections: usize, seconds: u64) -> Phase {
    let body = Arc::new(serde_json::to_vec(&json!({ "query": PAGE })).unwrap());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut workers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (url, token, body) = (url.to_owned(), token.to_owned(), body.clone());
        workers.push(tokio::spawn(async move {
            // One client per worker, so each worker keeps one connection of its own.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let answer = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("authorization", format!("Bearer {token}"))
                    .body(body.as_ref().clone())
                    .send()
                    .await;
                let ok = match answer {
                    Ok(response) if response.status().is_success() => response
                        .bytes()
                        .await
                        .is_ok_and(|b| !b.windows(9).any(|w| w == b"\"errors\":")),
                    _ => false,
                };
                if ok {
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut l, e) = worker.await.unwrap();
        latencies.append(&mut l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    Phase {
        rps: latencies.len() as f64 / elapsed,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        errors,
        requests: latencies.len(),
    }
}

#[tokio::main]
async fn main() {
    let admin_url = support::admin_url();
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let pid = std::process::id();
    let (name, yardstick) = (format!("rh_http_{pid}"), format!("rh_pgbench_{pid}"));
    for db in [&name, &yardstick] {
        support::fresh_database(&admin_url, db).await;
    }
    // Both the server and pgbench talk to PostgreSQL on the loopback without TLS (the README's
    // advice for loopback URLs), unless the URL says otherwise.
    let plain = |url: String| {
        if url.contains('?') {
            url
        } else {
            format!("{url}?sslmode=disable")
        }
    };
    let url = plain(with_database(&admin_url, &name));
    let pgbench_url = plain(with_database(&admin_url, &yardstick));
    let init = Command::new("pgbench")
        .args(["-i", "-q", &pgbench_url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("pgbench -i runs");
    assert!(init.success(), "pgbench -i failed");

    let server = Server::start(&url, &[("RESIDENT_HUB_DEMO", "true".to_owned())]);
    let http = reqwest::Client::new();
    server.ready(&http).await;
    let base = server.base();
    let gql = format!("{base}/graphql");
    let sign_in = "mutation($e: String!) { signIn(input: { email: $e, password: \"demo-password\" }) { accessToken } }";
    // The demo seed runs at start; wait until its accounts sign in.
    let mut resident = None;
    for _ in 0..600 {
        let json: Value = http
            .post(&gql)
            .json(&json!({ "query": sign_in, "variables": { "e": "resident1@demo.test" } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(token) = json["data"]["signIn"]["accessToken"].as_str() {
            resident = Some(token.to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let resident = resident.expect("the demo resident signs in");
    let admin_token = graphql(
        &http,
        &gql,
        None,
        sign_in,
        json!({ "e": "admin@demo.test" }),
    )
    .await["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // Notices up to 30, to the whole estate.
    let existing = graphql(
        &http,
        &gql,
        Some(&resident),
        "{ notices(first: 50) { totalCount } }",
        json!({}),
    )
    .await["notices"]["totalCount"]
        .as_u64()
        .unwrap_or(0);
    for i in existing..30 {
        graphql(
            &http,
            &gql,
            Some(&admin_token),
            "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }",
            json!({ "i": { "title": format!("Bench notice {i}"), "body": "A notice for the benchmark.", "kind": "GENERAL", "audience": { "estate": true } } }),
        )
        .await;
    }
    let page = graphql(&http, &gql, Some(&resident), PAGE, json!({})).await;
    assert!(
        !page["viewer"]["units"].as_array().unwrap().is_empty(),
        "{page}"
    );

    println!(
        "resident-hub http bench: {seconds} s per phase, machine with {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let before = pgbench(&pgbench_url, seconds);
    println!("pgbench -S -c 8 (before): {before:.0} TPS");
    // Warm the instance (viewer facets, connection pool, prepared statements).
    load(&gql, &resident, 4, 1).await;
    let mut phases = Vec::new();
    for connections in [16, 64] {
        let start = commits(&admin_url, &name).await;
        let phase = load(&gql, &resident, connections, seconds).await;
        let end = commits(&admin_url, &name).await;
        let statements = (end - start) as f64 / phase.requests.max(1) as f64;
        phases.push((connections, phase, statements));
    }
    let after = pgbench(&pgbench_url, seconds);
    println!("pgbench -S -c 8 (after): {after:.0} TPS");
    let mean = (before + after) / 2.0;
    for (connections, phase, statements) in &phases {
        println!(
            "home page, {connections} connections: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, {:.3}x pgbench mean TPS ({mean:.0}), {statements:.2} statements/request",
            phase.rps,
            phase.p50_ms,
            phase.p99_ms,
            phase.errors,
            phase.rps / mean,
        );
    }
    drop(server);
    for db in [&name, &yardstick] {
        support::drop_database(&admin_url, db).await;
    }
}
