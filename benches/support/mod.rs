//! What the benchmarks share: databases of their own, the release server as a child process, an
//! estate of many residents written directly, WebSocket subscribers and the figures.
//! Each bench includes this with `mod support;` and uses what it needs.

#![allow(dead_code)]

pub mod bare;

use std::{
    collections::{HashMap, HashSet},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use resident_hub::auth::{AuthenticatedUser, Role, tokens::TokenKeys};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait,
    Statement,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};
use uuid::Uuid;

/// The signing secret every bench server runs with.
pub const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";

/// The administration URL: `BENCH_DATABASE_URL`, default the local PostgreSQL.
pub fn admin_url() -> String {
    std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{name}")
}

/// Runs one statement on the administration connection.
pub async fn admin(url: &str, sql: &str) {
    let conn = Database::connect(url).await.unwrap();
    conn.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// A fresh, empty database `name` next to `admin_url`'s; its URL.
pub async fn fresh_database(admin_url: &str, name: &str) -> String {
    drop_database(admin_url, name).await;
    admin(admin_url, &format!("CREATE DATABASE {name}")).await;
    with_database(admin_url, name)
}

/// Drops database `name` if it exists.
pub async fn drop_database(admin_url: &str, name: &str) {
    admin(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
}

/// Resident set size of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The `p` quantile (0–1) of sorted figures.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// A free port on the loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    /// The `/metrics` listener's port (`--metrics-listen`), when there is one.
    pub metrics_port: Option<u16>,
    _data: Option<tempfile::TempDir>,
}

impl Server {
    /// The release server on `port`, with `env` on top of the bench defaults (the bench secret,
    /// warnings only, no Redis unless `env` names one).
    ///
    /// `BENCH_SERVER_WRAPPER` runs the server under another program (its words split on
    /// spaces, the server's command line after them), for example
    /// `BENCH_SERVER_WRAPPER="valgrind --tool=massif --massif-out-file=/tmp/massif.%p"`; the server
    /// is then stopped with SIGTERM, so that the wrapper writes its report.
    pub fn start(database_url: &str, env: &[(&str, String)]) -> Self {
        let port = free_port();
        let metrics_port = free_port();
        let data = tempfile::tempdir().unwrap();
        let wrapper = std::env::var("BENCH_SERVER_WRAPPER").unwrap_or_default();
        let mut words = wrapper.split_whitespace();
        let mut command = match words.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(words).arg(env!("CARGO_BIN_EXE_resident-hub"));
                command
            }
            None => Command::new(env!("CARGO_BIN_EXE_resident-hub")),
        };
        command
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data.path())
            .env("DATABASE_URL", database_url)
            .env("RESIDENT_HUB_JWT_SECRET", SECRET)
            .env(
                "RESIDENT_HUB_METRICS_LISTEN",
                format!("127.0.0.1:{metrics_port}"),
            )
            .env("RUST_LOG", "warn")
            .env_remove("REDIS_URL")
            .stdout(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        Self {
            child: command.spawn().expect("release binary starts"),
            port,
            metrics_port: Some(metrics_port),
            _data: Some(data),
        }
    }

    /// Any child process, on `port`.
    pub fn wrap(child: Child, port: u16) -> Self {
        Self {
            child,
            port,
            metrics_port: None,
            _data: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The value of the gauge or counter `name` on the server's `/metrics`, if it has one.
    pub async fn metric(&self, http: &reqwest::Client, name: &str) -> Option<f64> {
        let url = format!("http://127.0.0.1:{}/metrics", self.metrics_port?);
        let text = http.get(url).send().await.ok()?.text().await.ok()?;
        text.lines()
            .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .find_map(|value| value.trim().parse().ok())
    }

    /// Seconds from now until the server serves `expected` operations in shared groups
    /// (`resident_hub_shared_subscribers`); panics after `limit`.
    pub async fn until_shared(
        &self,
        http: &reqwest::Client,
        expected: usize,
        limit: Duration,
    ) -> f64 {
        let started = Instant::now();
        loop {
            let now = self.metric(http, "resident_hub_shared_subscribers").await;
            if now.is_some_and(|n| n >= expected as f64) {
                return started.elapsed().as_secs_f64();
            }
            assert!(
                started.elapsed() < limit,
                "only {now:?} of {expected} subscriptions were shared after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (at most 60 s, 10 minutes under `BENCH_SERVER_WRAPPER`) until `/readyz` answers 200.
    pub async fn ready(&self, http: &reqwest::Client) {
        let tries = if std::env::var_os("BENCH_SERVER_WRAPPER").is_some() {
            6000
        } else {
            600
        };
        for _ in 0..tries {
            if http
                .get(format!("{}/readyz", self.base()))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not become ready");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::env::var_os("BENCH_SERVER_WRAPPER").is_some() {
            // Stopped as an operator would, so that a profiler around it writes its report.
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            for _ in 0..600 {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The administrator the bench servers start with: email and password.
pub const ADMIN: (&str, &str) = ("admin@bench.test", "bench-admin-password");

/// The release server on `database_url` with the bench administrator and 20 database
/// connections, on the Redis bus when `BENCH_REDIS_URL` is set (with a prefix of its own), once
/// ready; the server, an HTTP client and the GraphQL URL.
pub async fn start_with_admin(database_url: &str) -> (Server, reqwest::Client, String) {
    let mut env = vec![
        ("RESIDENT_HUB_ADMIN_EMAIL", ADMIN.0.to_owned()),
        ("RESIDENT_HUB_ADMIN_PASSWORD", ADMIN.1.to_owned()),
        ("RESIDENT_HUB_DB_MAX_CONNECTIONS", "20".to_owned()),
    ];
    if let Ok(redis) = std::env::var("BENCH_REDIS_URL") {
        env.push(("REDIS_URL", redis));
        env.push((
            "RESIDENT_HUB_BUS_PREFIX",
            format!("bench-{}", std::process::id()),
        ));
    }
    let server = Server::start(database_url, &env);
    let http = reqwest::Client::new();
    server.ready(&http).await;
    let gql = format!("{}/graphql", server.base());
    (server, http, gql)
}

/// A GraphQL request that must succeed; its `data`.
pub async fn graphql(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = http
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let json: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(json["errors"].is_null(), "{json}");
    json["data"].clone()
}

/// Signs in with a password; the access token.
pub async fn sign_in(http: &reqwest::Client, url: &str, email: &str, password: &str) -> String {
    graphql(
        http,
        url,
        None,
        "mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }",
        json!({ "e": email, "p": password }),
    )
    .await["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A building of `count` residents, one flat each (100 to a floor), written directly; the
/// building and the residents' ids.
pub async fn seed_building(db: &DatabaseConnection, count: usize) -> (Uuid, Vec<Uuid>) {
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
    .exec(db)
    .await
    .unwrap();
    let mut users = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
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
        .exec(db)
        .await
        .unwrap();
        entity::user_role::Entity::insert_many(ids.iter().map(|(user, _)| {
            entity::user_role::ActiveModel {
                user_id: Set(*user),
                role: Set("RESIDENT".into()),
            }
        }))
        .exec(db)
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
        .exec(db)
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
        .exec(db)
        .await
        .unwrap();
        users.extend(ids.into_iter().map(|(user, _)| user));
    }
    (building, users)
}

/// An hour's access token of resident `user`, signed with the bench secret (outside any
/// session, as tools issue them).
pub fn resident_token(keys: &TokenKeys, user: Uuid) -> String {
    keys.issue(
        &AuthenticatedUser {
            id: user,
            roles: vec![Role::Resident],
        },
        // The server under measurement runs on the system clock.
        chrono::Utc::now(),
        chrono::Duration::hours(1),
    )
    .unwrap()
}

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws socket on `port`, acknowledged (waits at most 30 s for it).
pub async fn connect(port: u16, token: &str) -> Socket {
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
    ws.send(Message::Text(
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(30), ws.next())
        .await
        .expect("connection_ack within 30 s");
    assert!(
        matches!(&ack, Some(Ok(Message::Text(t))) if t.contains("connection_ack")),
        "{ack:?}"
    );
    ws
}

/// Subscribes `query` as operation "1" on `ws`.
pub async fn start(ws: &mut Socket, query: &str, variables: &Value) {
    ws.send(Message::Text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
}

/// A socket on `port` with `query` subscribed as operation "1".
pub async fn subscribe(port: u16, token: &str, query: &str, variables: Value) -> Socket {
    let mut ws = connect(port, token).await;
    start(&mut ws, query, &variables).await;
    ws
}

/// Seconds since `since`, in milliseconds.
pub fn ms_since(at: Instant, since: Instant) -> f64 {
    at.saturating_duration_since(since).as_secs_f64() * 1000.0
}

/// What a subscriber received: its index, the title, when.
pub type Arrival = (usize, String, Instant);

/// The first string under `key` anywhere in `value`.
pub fn field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    match value {
        Value::Object(map) => map
            .get(key)
            .and_then(Value::as_str)
            .or_else(|| map.values().find_map(|v| field(v, key))),
        Value::Array(items) => items.iter().find_map(|v| field(v, key)),
        _ => None,
    }
}

/// Reads `ws` until it closes, reporting every `next` message's string under `key` (what
/// identifies the message: a title, a text). Dropping the receiver of `done` closes the socket.
pub fn read(mut ws: Socket, index: usize, key: &'static str, done: mpsc::UnboundedSender<Arrival>) {
    tokio::spawn(async move {
        loop {
            let message = tokio::select! {
                () = done.closed() => return,
                message = ws.next() => message,
            };
            let Some(Ok(message)) = message else {
                return;
            };
            if let Message::Text(text) = message
                && text.contains("\"next\"")
            {
                let at = Instant::now();
                let value: Value = serde_json::from_str(&text).unwrap_or_default();
                let title = field(&value["payload"], key).unwrap_or_default().to_owned();
                let _ = done.send((index, title, at));
            }
        }
    });
}

/// What connecting the subscribers cost the server.
pub struct Connected {
    /// Seconds to open and acknowledge every socket.
    pub seconds: f64,
    /// RSS growth per acknowledged socket with no operation, KiB.
    pub socket_kib: f64,
    /// RSS growth per socket once its subscription has settled (socket included), KiB.
    pub subscriber_kib: f64,
    /// Seconds from the last `subscribe` sent until the server served every operation in a
    /// shared group (when asked to wait for that).
    pub shared_seconds: Option<f64>,
}

/// Connects `tokens.len()` sockets to `port` and then subscribes `query` on each; their
/// arrivals and what they cost the server (process `pid`) in memory. With `shared`, waits until
/// that server serves every subscription in a shared group before settling.
pub async fn connect_all(
    port: u16,
    pid: u32,
    tokens: &[String],
    query: &str,
    variables: &Value,
    key: &'static str,
    shared: Option<(&Server, &reqwest::Client)>,
) -> (mpsc::UnboundedReceiver<Arrival>, Connected) {
    let rss_before = rss_kib(pid);
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let started = Instant::now();
    // Sixteen handshakes in flight at a time.
    let mut sockets: Vec<(usize, Socket)> = futures_util::stream::iter(tokens.iter().enumerate())
        .map(|(index, token)| async move { (index, connect(port, token).await) })
        .buffer_unordered(16)
        .collect()
        .await;
    let seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_sockets = rss_kib(pid);
    for (_, ws) in &mut sockets {
        start(ws, query, variables).await;
    }
    for (index, ws) in sockets {
        read(ws, index, key, done_tx.clone());
    }
    let shared_seconds = match shared {
        Some((server, http)) => Some(
            server
                .until_shared(http, tokens.len(), Duration::from_secs(300))
                .await,
        ),
        None => None,
    };
    // Let every subscription settle (bus subscriptions, first reads of scopes):
    // `BENCH_SETTLE_SECONDS`, default 3 (longer under a profiler).
    let settle = std::env::var("BENCH_SETTLE_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    tokio::time::sleep(Duration::from_secs(settle)).await;
    let rss_after = rss_kib(pid);
    let n = tokens.len() as f64;
    let connected = Connected {
        seconds,
        socket_kib: rss_sockets.saturating_sub(rss_before) as f64 / n,
        subscriber_kib: rss_after.saturating_sub(rss_before) as f64 / n,
        shared_seconds,
    };
    (done_rx, connected)
}

/// One fan-out phase's figures.
pub struct Fanout {
    pub received: usize,
    pub expected: usize,
    pub complete: usize,
    pub same_order: bool,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    /// Every arrival, in the order received.
    pub arrivals: Vec<Arrival>,
}

/// Waits (at most `wait` after the last publication) for `titles.len()` arrivals per subscriber;
/// the latency of each arrival is from its title's publication instant.
pub async fn collect(
    done: &mut mpsc::UnboundedReceiver<Arrival>,
    subscribers: usize,
    published: &HashMap<String, Instant>,
    wait: Duration,
) -> Fanout {
    let expected = subscribers * published.len();
    let mut arrivals: Vec<Arrival> = Vec::with_capacity(expected);
    let deadline = tokio::time::Instant::now() + wait;
    while arrivals.len() < expected {
        match tokio::time::timeout_at(deadline, done.recv()).await {
            Ok(Some(arrival)) => arrivals.push(arrival),
            _ => break,
        }
    }
    let mut latency: Vec<f64> = arrivals
        .iter()
        .filter_map(|(_, title, at)| Some(ms_since(*at, *published.get(title)?)))
        .collect();
    latency.sort_by(f64::total_cmp);
    let mut orders: Vec<Vec<&str>> = vec![Vec::new(); subscribers];
    for (index, title, _) in &arrivals {
        orders[*index].push(title);
    }
    let complete = orders
        .iter()
        .filter(|o| {
            let unique: HashSet<&&str> = o.iter().collect();
            o.len() == published.len()
                && unique.len() == o.len()
                && o.iter().all(|t| published.contains_key(*t))
        })
        .count();
    Fanout {
        received: arrivals.len(),
        expected,
        complete,
        same_order: orders.iter().all(|o| *o == orders[0]),
        p50: percentile(&latency, 0.5),
        p99: percentile(&latency, 0.99),
        max: latency.last().copied().unwrap_or(f64::NAN),
        arrivals,
    }
}

pub fn report(what: &str, f: &Fanout, subscribers: usize, messages: usize) {
    println!(
        "{what}: {}/{} deliveries, {}/{subscribers} subscribers got all {messages} once, one order for all: {}; p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        f.received, f.expected, f.complete, f.same_order, f.p50, f.p99, f.max
    );
}
