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
//! generator below (one keep-alive HTTP/1.1 connection per worker, the request written by hand
//! and the answer read by its length), two floors at 16 connections (`{ __typename }` anonymous:
//! HTTP and the executor with no data; `{ viewer { displayName } }`: the token check alone, kept
//! after the first request with the server's default `--token-cache-ttl-ms`),
//! `pgbench -S -c 8` again.
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

/// One keep-alive HTTP/1.1 connection of the load generator: it writes a request prepared once
/// and reads the answer by its `Content-Length`, so the generator's own cost per request is two
/// socket calls and a scan of the head (pgbench, the yardstick, is a lean C client too; a general
/// HTTP client spent a good share of the two cores the server needs).
struct Conn {
    stream: tokio::net::TcpStream,
    buffer: Vec<u8>,
}

impl Conn {
    async fn open(addr: std::net::SocketAddr) -> Conn {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        }
    }

    /// Sends `request` and reads one answer: whether it was a 200 whose body has no `errors`.
    /// `None` when the connection failed (the caller opens a new one).
    async fn round_trip(&mut self, request: &[u8]) -> Option<bool> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.stream.write_all(request).await.ok()?;
        self.buffer.clear();
        let mut head_end = None;
        let mut length = 0usize;
        loop {
            if head_end.is_none()
                && let Some(i) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n")
            {
                let head = std::str::from_utf8(&self.buffer[..i])
                    .ok()?
                    .to_ascii_lowercase();
                length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .expect("the server answers with a Content-Length");
                head_end = Some(i + 4);
            }
            if let Some(start) = head_end
                && self.buffer.len() >= start + length
            {
                let ok = self.buffer.starts_with(b"HTTP/1.1 200")
                    && !self.buffer[start..start + length]
                        .windows(9)
                        .any(|w| w == b"\"errors\":");
                return Some(ok);
            }
            let read = self.stream.read_buf(&mut self.buffer).await.ok()?;
            if read == 0 {
                return None;
            }
        }
    }
}

/// Floors of the hot path, each loaded like the page at 16 connections after it: what HTTP and
/// the executor cost with no data (anonymous), and with only the token check and its user.
const FLOORS: [(&str, &str, bool); 2] = [
    ("{ __typename }, anonymous", "{ __typename }", false),
    (
        "{ viewer { displayName } }",
        "{ viewer { displayName } }",
        true,
    ),
];

/// `document` (as `token`'s user, or anonymous) at `connections` concurrent keep-alive
/// connections for `seconds`.
async fn load(
    addr: std::net::SocketAddr,
    document: &str,
    token: Option<&str>,
    connections: usize,
    seconds: u64,
) -> Phase {
    let body = serde_json::to_vec(&json!({ "query": document })).unwrap();
    let authorization = token
        .map(|token| format!("authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let mut request = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n{authorization}content-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let request = Arc::new(request);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut workers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let request = request.clone();
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let sent = Instant::now();
                match conn.round_trip(&request).await {
                    Some(true) => latencies.push(sent.elapsed().as_secs_f64() * 1000.0),
                    Some(false) => errors += 1,
                    None => {
                        errors += 1;
                        conn = Conn::open(addr).await;
                    }
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
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    load(addr, PAGE, Some(&resident), 4, 1).await;
    let mut phases = Vec::new();
    for connections in [16, 64] {
        let start = commits(&admin_url, &name).await;
        let phase = load(addr, PAGE, Some(&resident), connections, seconds).await;
        let end = commits(&admin_url, &name).await;
        let statements = (end - start) as f64 / phase.requests.max(1) as f64;
        phases.push((
            format!("home page, {connections} connections"),
            phase,
            statements,
        ));
    }
    for (label, document, signed_in) in FLOORS {
        let token = signed_in.then_some(resident.as_str());
        let start = commits(&admin_url, &name).await;
        let phase = load(addr, document, token, 16, seconds).await;
        let end = commits(&admin_url, &name).await;
        let statements = (end - start) as f64 / phase.requests.max(1) as f64;
        phases.push((format!("floor {label}, 16 connections"), phase, statements));
    }
    let after = pgbench(&pgbench_url, seconds);
    println!("pgbench -S -c 8 (after): {after:.0} TPS");
    let mean = (before + after) / 2.0;
    for (label, phase, statements) in &phases {
        println!(
            "{label}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, {:.3}x pgbench mean TPS ({mean:.0}), {statements:.2} statements/request",
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
