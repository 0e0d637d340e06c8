//! The test harness: [`TestApp`] starts the real server on port 0 with a fresh database and a
//! fresh bus prefix, and talks to it over real HTTP and WebSocket.
//!
//! Backends: SQLite in a temporary directory and the in-process bus by default. With
//! `TEST_DATABASE_URL` (PostgreSQL) each test gets its own database cloned from a template
//! migrated once per run; with `TEST_REDIS_URL` the bus is Redis under a per-test prefix.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use resident_hub::{
    app::{AppState, Application, BuildOptions},
    auth::{AuthenticatedUser, Role, password::NewPassword},
    config::{Config, DatabaseConfig},
    domains::identity::{
        input::{DisplayName, Email},
        service::{IdentityService, NewUser},
    },
};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use tokio::{net::TcpStream, sync::OnceCell};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{
        Message, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode,
    },
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long any single wait in a test may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);
/// Most warm-up pings [`WsClient::warm_up_pings`] sends before it fails the test.
pub const WARM_UP_ATTEMPTS: usize = 20;
/// How long [`WsClient::warm_up_pings`] waits for each warm-up ping.
pub const WARM_UP_WAIT: Duration = Duration::from_millis(500);
/// The longest any one HTTP request of a test may take (a guard against a hung test, well above
/// the server's own request timeout).
pub const HTTP_WAIT: Duration = Duration::from_secs(60);

/// Waits until `holds` answers true (asked again every few milliseconds), at most [`WAIT`]:
/// for what another instance learns over the bus. Fails the test naming `what` otherwise.
pub async fn eventually<F, Fut>(what: &str, mut holds: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let reached = tokio::time::timeout(WAIT, async {
        while !holds().await {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(reached.is_ok(), "{what}: not within {WAIT:?}");
}

/// Sends a hand-written HTTP/1.1 request (so no client adds headers of its own); returns the
/// status, the lower-cased head and the body.
pub async fn raw_http(addr: SocketAddr, request: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::time::timeout(WAIT, TcpStream::connect(addr))
        .await
        .expect("connected in time")
        .expect("connect");
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut response))
        .await
        .expect("answer in time")
        .expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    (status, head.to_lowercase(), body.to_owned())
}

/// The PostgreSQL server for tests, if configured.
pub fn test_database_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

/// The Redis server for tests, if configured.
pub fn test_redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

pub async fn admin_execute(url: &str, sql: &str) -> Result<(), sea_orm::DbErr> {
    let conn = Database::connect(url).await?;
    let result = conn
        .execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await;
    conn.close().await?;
    result.map(|_| ())
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// A migrated template database for this test run.
async fn template(admin_url: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("rh_tpl_{}", std::process::id());
            admin_execute(
                admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await
            .expect("drop old template");
            admin_execute(admin_url, &format!("CREATE DATABASE {name}"))
                .await
                .expect("create template");
            let config = DatabaseConfig::Postgres(with_database(admin_url, &name));
            let conn = resident_hub::db::connect(&config, 1, None)
                .await
                .expect("connect template");
            resident_hub::db::migrate(&config, &conn)
                .await
                .expect("migrate template");
            conn.close().await.expect("close template");
            name
        })
        .await
        .clone()
}

/// A fresh PostgreSQL database cloned from the template; returns its name.
async fn fresh_postgres_database(admin_url: &str) -> String {
    let template = template(admin_url).await;
    let name = format!("rh_test_{}", Uuid::now_v7().simple());
    let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
    let mut attempt = 0;
    loop {
        match admin_execute(admin_url, &sql).await {
            Ok(()) => return name,
            // Another clone of the template may hold it for a moment.
            Err(err) if attempt < 20 => {
                attempt += 1;
                let _ = err;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => panic!("cannot create test database: {err}"),
        }
    }
}

/// Lifetime of the access tokens tests mint directly: long enough that a test moving the clock
/// by days keeps its callers signed in (tokens from `signIn` keep the real 15-minute lifetime).
pub const TEST_TOKEN_TTL: chrono::Duration = chrono::Duration::days(30);

/// Password of every user made by [`TestApp::user`].
pub const USER_PASSWORD: &str = "test-password-1";
/// Email and password of the first administrator of every test server.
pub const ADMIN_EMAIL: &str = "admin@test.local";
/// See [`ADMIN_EMAIL`].
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// A user created for a test.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// Id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// A valid access token.
    pub token: String,
}

/// Where a test server keeps its data.
#[derive(Clone)]
pub struct Backing {
    /// The database configuration.
    pub database: DatabaseConfig,
    /// The data directory.
    pub data_dir: std::path::PathBuf,
    /// Redis URL, if the bus is Redis.
    pub redis_url: Option<String>,
    /// The bus prefix.
    pub bus_prefix: String,
    /// The token secret, shared by instances of one test.
    pub jwt_secret: String,
    /// The clock, shared by instances of one test: moving it moves every instance's time.
    pub clock: resident_hub::clock::Clock,
    /// The first instance's in-process bus, shared by its siblings (as Redis is): instances of
    /// one test are one deployment.
    pub bus: Option<resident_hub::events::EventBus>,
}

/// A running server for one test.
pub struct TestApp {
    /// Bound address.
    pub addr: SocketAddr,
    /// Address of the `/metrics` listener, if configured.
    pub metrics_addr: Option<SocketAddr>,
    /// HTTP client.
    pub http: reqwest::Client,
    /// The server's state (database, bus, keys).
    pub state: AppState,
    /// SQL statements run so far.
    pub statements: Arc<AtomicUsize>,
    /// The text of the statements run while recording (see [`TestApp::sql_of`]).
    recorded: Arc<std::sync::Mutex<Option<Vec<String>>>>,
    /// Where the data lives (reuse it for a second instance).
    pub backing: Backing,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    owns_backing: bool,
    _dir: Option<Arc<tempfile::TempDir>>,
}

/// A change to the configuration before start.
type Configure = Box<dyn FnOnce(&mut Config) + Send>;

/// Builds a [`TestApp`].
pub struct TestAppBuilder {
    configure: Vec<Configure>,
    backing: Option<(Backing, Option<Arc<tempfile::TempDir>>)>,
}

impl TestApp {
    /// Runs one GraphQL request, which must succeed, and returns the text of the SQL statements
    /// it ran, in order.
    pub async fn sql_of(&self, query: &str, variables: Value, token: &str) -> Vec<String> {
        *self.recorded.lock().unwrap() = Some(Vec::new());
        let (status, json) = self.graphql(query, variables, Some(token)).await;
        let sql = self.recorded.lock().unwrap().take().unwrap_or_default();
        assert_eq!(status, 200);
        assert!(json["errors"].is_null(), "{json}");
        sql
    }

    /// A server with the default test configuration.
    pub async fn spawn() -> TestApp {
        TestApp::builder().spawn().await
    }

    /// An instance that keeps token checks as production does (`--token-cache-ttl-ms`'s
    /// default), so that its siblings (made with `spawn_sibling_with(TestApp::keep_checks)`)
    /// learn of changes only through the bus.
    pub async fn keeping() -> TestApp {
        TestApp::builder()
            .config(TestApp::keep_checks)
            .spawn()
            .await
    }

    /// Keeps token checks as production does.
    pub fn keep_checks(config: &mut Config) {
        config.token_cache_ttl =
            Config::embedded(std::path::Path::new("."), ([127, 0, 0, 1], 0).into()).token_cache_ttl;
    }

    /// A builder to adjust the configuration first.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            configure: Vec::new(),
            backing: None,
        }
    }

    /// A second instance on the same database, bus and secret.
    pub async fn spawn_sibling(&self) -> TestApp {
        self.spawn_sibling_with(|_| {}).await
    }

    /// A second instance on the same database, bus and secret, with its own adjustments.
    pub async fn spawn_sibling_with(
        &self,
        f: impl FnOnce(&mut Config) + Send + 'static,
    ) -> TestApp {
        TestAppBuilder {
            configure: vec![Box::new(f)],
            backing: Some((self.backing.clone(), self._dir.clone())),
        }
        .spawn()
        .await
    }

    /// A second instance on the same database, bus and secret, with a clock of its own set
    /// `offset` away from this one's (instances whose clocks differ).
    pub async fn spawn_sibling_with_clock_offset(&self, offset: chrono::Duration) -> TestApp {
        let mut backing = self.backing.clone();
        backing.clock = resident_hub::clock::Clock::system();
        backing.clock.advance(offset);
        TestAppBuilder {
            configure: Vec::new(),
            backing: Some((backing, self._dir.clone())),
        }
        .spawn()
        .await
    }

    /// `/metrics` on the separate metrics listener.
    pub fn metrics_url(&self) -> String {
        format!(
            "http://{}/metrics",
            self.metrics_addr.expect("a metrics listener")
        )
    }

    /// The text `/metrics` answers now.
    pub async fn metrics_text(&self) -> String {
        self.http
            .get(self.metrics_url())
            .send()
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("metrics text")
    }

    /// `http://addr/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Creates an active user with `roles` (password [`USER_PASSWORD`]).
    pub async fn user(&self, roles: &[Role]) -> TestUser {
        let email = format!("user-{}@test.local", Uuid::now_v7().simple());
        let record = IdentityService::new(&self.state)
            .create_user(NewUser {
                email: Email::parse("email", &email).expect("email"),
                display_name: DisplayName::parse("name", "Test User").expect("name"),
                phone: None,
                password: NewPassword::parse("password", USER_PASSWORD, None).expect("password"),
                roles: roles.to_vec(),
            })
            .await
            .expect("user created");
        let token = self
            .state
            .tokens
            .issue(
                &AuthenticatedUser {
                    id: record.user.id,
                    roles: roles.to_vec(),
                },
                self.state.clock.now(),
                TEST_TOKEN_TTL,
            )
            .expect("issue token");
        TestUser {
            id: record.user.id,
            email,
            token,
        }
    }

    /// An access token of a new user with `roles`.
    pub async fn token(&self, roles: &[Role]) -> String {
        self.user(roles).await.token
    }

    /// POSTs a GraphQL request as `application/graphql-response+json` (optionally with a token);
    /// returns status and body.
    pub async fn graphql(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(self.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json body"))
    }

    /// Counts the rows of the event log.
    pub async fn event_count(&self) -> i64 {
        let backend = self.state.db.get_database_backend();
        let row = self
            .state
            .db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COUNT(*) AS n FROM event",
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }

    /// Opens a graphql-transport-ws connection.
    pub async fn ws(&self) -> WsClient {
        WsClient::connect(self.addr, Some("graphql-transport-ws")).await
    }

    /// Cancels the server without waiting (it finishes in the background).
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if !self.owns_backing {
            return;
        }
        if let (DatabaseConfig::Postgres(url), Some(admin)) =
            (&self.backing.database, test_database_url())
        {
            let name = url
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned();
            // Drop runs inside the test's runtime: use a thread with a runtime of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime
                    .block_on(admin_execute(
                        &admin,
                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    ))
                    .map_err(std::io::Error::other)
            })
            .join();
        }
    }
}

impl TestAppBuilder {
    /// Adjusts the configuration before start.
    pub fn config(mut self, f: impl FnOnce(&mut Config) + Send + 'static) -> TestAppBuilder {
        self.configure.push(Box::new(f));
        self
    }

    /// Starts the server.
    pub async fn spawn(self) -> TestApp {
        let owns_backing = self.backing.is_none();
        let (backing, dir) = match self.backing {
            Some(backing) => backing,
            None => {
                let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
                let database = match test_database_url() {
                    Some(admin) => {
                        let name = fresh_postgres_database(&admin).await;
                        DatabaseConfig::Postgres(with_database(&admin, &name))
                    }
                    None => DatabaseConfig::Sqlite(dir.path().join("resident-hub.db")),
                };
                let backing = Backing {
                    database,
                    data_dir: dir.path().to_owned(),
                    redis_url: test_redis_url(),
                    bus_prefix: format!("rh-test-{}", Uuid::now_v7().simple()),
                    jwt_secret: format!("test-secret-{}", Uuid::now_v7().simple()),
                    clock: resident_hub::clock::Clock::system(),
                    bus: None,
                };
                (backing, Some(dir))
            }
        };
        let mut config = Config::embedded(&backing.data_dir, "127.0.0.1:0".parse().expect("addr"));
        config.database = backing.database.clone();
        config.redis_url = backing.redis_url.clone();
        config.bus_prefix = backing.bus_prefix.clone();
        config.jwt_secret = Some(backing.jwt_secret.clone());
        config.db_max_connections = 5;
        config.metrics_listen = Some("127.0.0.1:0".parse().expect("addr"));
        config.shutdown_grace = Duration::from_secs(3);
        config.admin_email = ADMIN_EMAIL.to_owned();
        config.admin_password = Some(ADMIN_PASSWORD.to_owned());
        // The scheduler's polling would show in statement counts; tests that schedule set it.
        config.scheduler_interval = Duration::from_secs(3600);
        // Statement counts measure a request whose viewer's facets are not shared yet (the
        // first request of a user and the next one cost the same); the hot path's tests share.
        config.share_access_facets = false;
        // Likewise a request checks its token against the database: the kept token check is
        // the production default (5 s) and the hot path's and the sessions' tests turn it on
        // ([`TestApp::keeping`]).
        config.token_cache_ttl = Duration::ZERO;
        for f in self.configure {
            f(&mut config);
        }
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let recorded = Arc::new(std::sync::Mutex::new(None::<Vec<String>>));
        let recorder = recorded.clone();
        // RH_TEST_LOG_SQL=1 prints every statement, to see what a request really runs.
        let log_sql = std::env::var_os("RH_TEST_LOG_SQL").is_some();
        let app = Application::build(
            config,
            BuildOptions {
                sql_metric: Some(Arc::new(move |sql: &str| {
                    if log_sql {
                        eprintln!("SQL: {sql}");
                    }
                    counter.fetch_add(1, Ordering::Relaxed);
                    if let Some(log) = recorder.lock().unwrap().as_mut() {
                        log.push(sql.to_owned());
                    }
                })),
                clock: Some(backing.clock.clone()),
                bus: backing.bus.clone(),
            },
        )
        .await
        .expect("server starts");
        let addr = app.local_addr();
        let metrics_addr = app.metrics_addr();
        let state = app.state().clone();
        let mut backing = backing;
        if backing.redis_url.is_none() {
            backing.bus = Some(state.bus.clone());
        }
        let shutdown = app.shutdown_token();
        let server = tokio::spawn(app.run_until_stopped());
        TestApp {
            addr,
            metrics_addr,
            http: reqwest::Client::builder()
                .timeout(HTTP_WAIT)
                .build()
                .expect("HTTP client"),
            state,
            statements,
            recorded,
            backing,
            shutdown,
            server: Some(server),
            owns_backing,
            _dir: dir,
        }
    }
}

/// A graphql-transport-ws client over tokio-tungstenite.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a WebSocket ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed {
    /// Close code.
    pub code: u16,
    /// Close reason.
    pub reason: String,
}

impl WsClient {
    /// Connects, offering `protocol` (none when `None`).
    pub async fn connect(addr: SocketAddr, protocol: Option<&str>) -> WsClient {
        let mut request = format!("ws://{addr}/graphql")
            .into_client_request()
            .expect("request");
        if let Some(protocol) = protocol {
            request.headers_mut().insert(
                "sec-websocket-protocol",
                HeaderValue::from_str(protocol).expect("header"),
            );
        }
        let (stream, response) =
            tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
                .await
                .expect("the WebSocket handshake finishes in time")
                .expect("websocket connects");
        if protocol.is_some_and(|p| p.contains("graphql-transport-ws")) {
            assert_eq!(
                response
                    .headers()
                    .get("sec-websocket-protocol")
                    .and_then(|v| v.to_str().ok()),
                Some("graphql-transport-ws")
            );
        }
        WsClient { stream }
    }

    /// Connects with a hand-written handshake offering `protocol`, accepting whatever the server
    /// answers (tungstenite's own client refuses a handshake without the offered protocol, which
    /// is how a browser behaves too; the server's 4406 close is for lenient clients).
    pub async fn connect_lenient(addr: SocketAddr, protocol: &str) -> WsClient {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = tokio::time::timeout(WAIT, TcpStream::connect(addr))
            .await
            .expect("connected in time")
            .expect("connect");
        let handshake = format!(
            "GET /graphql HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: {protocol}\r\n\r\n"
        );
        tcp.write_all(handshake.as_bytes())
            .await
            .expect("handshake");
        let mut head = Vec::new();
        tokio::time::timeout(WAIT, async {
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8; 1];
                tcp.read_exact(&mut byte).await.expect("handshake answer");
                head.push(byte[0]);
            }
        })
        .await
        .expect("the handshake is answered in time");
        assert!(
            head.starts_with(b"HTTP/1.1 101"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        let stream = WebSocketStream::from_raw_socket(
            MaybeTlsStream::Plain(tcp),
            tokio_tungstenite::tungstenite::protocol::Role::Client,
            None,
        )
        .await;
        WsClient { stream }
    }

    /// Sends a JSON message.
    pub async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    /// Sends a raw text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    /// Sends `connection_init` with `payload` and expects `connection_ack`.
    pub async fn init(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = self.recv().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
    }

    /// Sends `subscribe`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The next protocol message, answering and skipping server pings. Fails the test when none
    /// arrives within [`WAIT`] (however many pings arrive meanwhile).
    pub async fn recv(&mut self) -> Value {
        tokio::time::timeout(WAIT, async {
            loop {
                let message = self.recv_raw().await;
                if message["type"] == "ping" {
                    self.send(json!({ "type": "pong" })).await;
                    continue;
                }
                return message;
            }
        })
        .await
        .expect("a protocol message (other than ping) in time")
    }

    /// Proves a `pings` subscription just sent on this socket live, and leaves nothing behind:
    /// sends `warm-up #1`, `warm-up #2`, … through `sender` (signed in with `token`), waiting
    /// [`WARM_UP_WAIT`] after each, until one arrives; fails the test after
    /// [`WARM_UP_ATTEMPTS`]. Then reads until the last warm-up sent has arrived as well (a live
    /// stream keeps order, so every later warm-up follows the first one received), so the next
    /// read sees what the test sends next. The subscription must select `ping { message }`.
    /// Returns the first warm-up received.
    pub async fn warm_up_pings(&mut self, sender: &TestApp, token: &str) -> Value {
        fn message(event: &Value) -> Option<&str> {
            event["payload"]["data"]["pings"]["ping"]["message"].as_str()
        }
        let mut sent = 0;
        let first = loop {
            assert!(
                sent < WARM_UP_ATTEMPTS,
                "the subscription never went live: none of {sent} warm-up pings arrived"
            );
            sent += 1;
            let (status, json) = sender
                .graphql(
                    "mutation($m: String!) { ping(input: { message: $m }) { ping { id } } }",
                    json!({ "m": format!("warm-up #{sent}") }),
                    Some(token),
                )
                .await;
            assert_eq!(status, 200, "warm-up ping refused: {json}");
            if let Some(event) = self.try_recv(WARM_UP_WAIT).await {
                break event;
            }
        };
        let last = format!("warm-up #{sent}");
        let mut event = first.clone();
        loop {
            let text =
                message(&event).unwrap_or_else(|| panic!("expected a warm-up ping, got {event}"));
            assert!(text.starts_with("warm-up #"), "{event}");
            if text == last {
                return first;
            }
            event = self.recv().await;
        }
    }

    /// The next protocol message if one arrives within `wait` (server pings answered and
    /// skipped).
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.recv()).await.ok()
    }

    /// The next protocol message as is (server pings included), skipping WebSocket-level ping
    /// and pong frames. Panics on close, and when no text frame arrives within [`WAIT`].
    pub async fn recv_raw(&mut self) -> Value {
        tokio::time::timeout(WAIT, async {
            loop {
                let message = self
                    .stream
                    .next()
                    .await
                    .expect("the socket is open")
                    .expect("a valid frame");
                match message {
                    Message::Text(text) => {
                        return serde_json::from_str(&text).expect("JSON message");
                    }
                    Message::Ping(_) | Message::Pong(_) => continue,
                    other => panic!("unexpected frame: {other:?}"),
                }
            }
        })
        .await
        .expect("a message in time")
    }

    /// Starts the close handshake with `code` and returns the server's answering close frame.
    /// Fails the test when the server drops the connection without answering.
    pub async fn close_cleanly(&mut self, code: u16, reason: &str) -> Closed {
        self.stream
            .send(Message::Close(Some(
                tokio_tungstenite::tungstenite::protocol::CloseFrame {
                    code: CloseCode::from(code),
                    reason: reason.to_owned().into(),
                },
            )))
            .await
            .expect("send close");
        self.closed().await
    }

    /// Waits for the server to close the socket, skipping other frames; returns code and reason.
    /// Fails the test when it is not closed within [`WAIT`].
    pub async fn closed(&mut self) -> Closed {
        tokio::time::timeout(WAIT, self.wait_for_close())
            .await
            .expect("the socket closes in time")
    }

    async fn wait_for_close(&mut self) -> Closed {
        loop {
            let message = self.stream.next().await;
            match message {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Closed {
                        code: u16::from(frame.code),
                        reason: frame.reason.to_string(),
                    };
                }
                Some(Ok(Message::Close(None))) => {
                    return Closed {
                        code: u16::from(CloseCode::Status),
                        reason: String::new(),
                    };
                }
                Some(Ok(_)) => continue,
                Some(Err(err)) => panic!("socket error instead of a close frame: {err}"),
                None => panic!("socket ended without a close frame"),
            }
        }
    }

    /// Waits for the server to close the socket like [`closed`](Self::closed), and returns the
    /// protocol messages (text frames) that came before the close as well.
    pub async fn closed_after(&mut self) -> (Closed, Vec<Value>) {
        tokio::time::timeout(WAIT, async {
            let mut seen = Vec::new();
            loop {
                match self.stream.next().await {
                    Some(Ok(Message::Text(text))) => {
                        seen.push(serde_json::from_str(&text).expect("JSON message"));
                    }
                    Some(Ok(Message::Close(frame))) => {
                        let closed = frame.map_or(
                            Closed {
                                code: u16::from(CloseCode::Status),
                                reason: String::new(),
                            },
                            |frame| Closed {
                                code: u16::from(frame.code),
                                reason: frame.reason.to_string(),
                            },
                        );
                        return (closed, seen);
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(err)) => panic!("socket error instead of a close frame: {err}"),
                    None => panic!("socket ended without a close frame"),
                }
            }
        })
        .await
        .expect("the socket closes in time")
    }
}

/// A REPAIR catalogue category residents cannot request, dispatched by `dispatch_mode`
/// (`AUTO` or `ASSIGN`), with the usual SLA per priority (response / resolution minutes:
/// LOW 240 / 2880, NORMAL 60 / 480, HIGH 30 / 240, EMERGENCY 10 / 120).
pub async fn add_repair_category(
    app: &TestApp,
    code: &str,
    name: &str,
    dispatch_mode: &str,
) -> Uuid {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let now = app.state.clock.now();
    let id = Uuid::now_v7();
    entity::service_category::Entity::insert(entity::service_category::ActiveModel {
        id: Set(id),
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        description: Set(String::new()),
        group_kind: Set("REPAIR".to_owned()),
        requestable: Set(false),
        default_priority: Set("NORMAL".to_owned()),
        warning_minutes: Set(30),
        dispatch_mode: Set(dispatch_mode.to_owned()),
        return_visit_required: Set(false),
        payable: Set(false),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    for (priority, response, resolution) in [
        ("LOW", 240, 2880),
        ("NORMAL", 60, 480),
        ("HIGH", 30, 240),
        ("EMERGENCY", 10, 120),
    ] {
        entity::service_category_sla::Entity::insert(entity::service_category_sla::ActiveModel {
            category_id: Set(id),
            priority: Set(priority.to_owned()),
            response_minutes: Set(response),
            resolution_minutes: Set(resolution),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    }
    id
}
