//! Configuration: the command line and the only place that reads the environment.
//!
//! Every setting is a flag that can also come from an environment variable; `--help` documents
//! each. [`Settings::into_config`] validates them once into a [`Config`], so a bad value stops the
//! process at start with a message that names the setting.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};

/// Command line of `resident-hub`.
#[derive(Debug, Parser)]
#[command(
    name = "resident-hub",
    version,
    about = "Resident Hub: the GraphQL backend for apartment-building resident services"
)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings shared by every command.
    #[command(flatten)]
    pub settings: Settings,
}

/// The sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    ExportSchema,
    /// Create the demo estate (idempotent): buildings, units, residents with households, staff,
    /// a supervisor, a merchant and an administrator, all with the password `demo-password`.
    SeedDemo,
    /// Create an administrator (or fail if the email is taken).
    CreateAdmin {
        /// The administrator's email.
        #[arg(long)]
        email: String,
        /// The administrator's password (10+ characters).
        #[arg(long, env = "RESIDENT_HUB_NEW_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        /// Name shown to others.
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
}

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Raw settings as given on the command line or in the environment.
#[derive(Debug, clap::Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "RESIDENT_HUB_LISTEN",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub listen: String,
    /// Address and port serving `/metrics` (Prometheus) on its own listener, for the internal
    /// network only; unset (the default): no metrics endpoint at all.
    #[arg(long, env = "RESIDENT_HUB_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<String>,
    /// Directory for the embedded SQLite database and the generated signing secret.
    #[arg(
        long,
        env = "RESIDENT_HUB_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (`postgres://…`); the embedded SQLite database under the data directory when unset.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Redis URL (`redis://…`) for the event bus; an in-process bus when unset.
    #[arg(long, env = "REDIS_URL", global = true, hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Prefix of every Redis channel, so several deployments can share one Redis.
    #[arg(
        long,
        env = "RESIDENT_HUB_BUS_PREFIX",
        default_value = "resident-hub",
        global = true
    )]
    pub bus_prefix: String,
    /// Maximum connections in the database pool.
    #[arg(
        long,
        env = "RESIDENT_HUB_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,
    /// Comma-separated exact origins allowed to call the API from a browser (for example
    /// `https://app.example.org`); none by default.
    #[arg(
        long,
        env = "RESIDENT_HUB_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,
    /// Base URL the GraphiQL page loads its scripts and styles from; point it at a local mirror on
    /// a network without internet.
    #[arg(long, env = "RESIDENT_HUB_PLAYGROUND_ASSETS_URL", default_value = DEFAULT_ASSETS_URL, global = true)]
    pub playground_assets_url: String,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "RESIDENT_HUB_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// Largest GraphQL response body, in bytes; a larger one is answered with an error instead.
    #[arg(long, env = "RESIDENT_HUB_MAX_RESPONSE_BYTES", default_value_t = 8 * 1024 * 1024, global = true)]
    pub max_response_bytes: usize,
    /// Time a client has to send a request's headers, in seconds (a client dribbling them is cut
    /// off).
    #[arg(
        long,
        env = "RESIDENT_HUB_HEADER_READ_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub header_read_timeout_secs: u64,
    /// Time a client has to send a request's body, in seconds.
    #[arg(
        long,
        env = "RESIDENT_HUB_BODY_READ_TIMEOUT_SECS",
        default_value_t = 15,
        global = true
    )]
    pub body_read_timeout_secs: u64,
    /// Time limit for one HTTP request, in seconds.
    #[arg(
        long,
        env = "RESIDENT_HUB_REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,
    /// Seconds after a refresh in which the spent refresh token may be presented again (a second
    /// tab refreshing at the same moment) and get a sibling session instead of revoking the
    /// family; 0 turns the grace off.
    #[arg(
        long,
        env = "RESIDENT_HUB_REFRESH_GRACE_SECS",
        default_value_t = 30,
        global = true
    )]
    pub refresh_grace_secs: u64,
    /// Time a WebSocket client has to send `connection_init`, in milliseconds.
    #[arg(
        long,
        env = "RESIDENT_HUB_WS_INIT_TIMEOUT_MS",
        default_value_t = 3000,
        global = true
    )]
    pub ws_init_timeout_ms: u64,
    /// Interval between server pings on a WebSocket, in milliseconds.
    #[arg(
        long,
        env = "RESIDENT_HUB_WS_PING_INTERVAL_MS",
        default_value_t = 15_000,
        global = true
    )]
    pub ws_ping_interval_ms: u64,
    /// Most operations (subscriptions, queries, mutations) running at once on one WebSocket; the
    /// excess gets an `error` message for its id.
    #[arg(
        long,
        env = "RESIDENT_HUB_WS_MAX_SUBSCRIPTIONS",
        default_value_t = 100,
        global = true
    )]
    pub ws_max_subscriptions: usize,
    /// Most WebSockets one signed-in user may hold open on one instance; the excess is closed
    /// with 4430.
    #[arg(
        long,
        env = "RESIDENT_HUB_WS_MAX_SOCKETS_PER_USER",
        default_value_t = 16,
        global = true
    )]
    pub ws_max_sockets_per_user: usize,
    /// Events a shared subscription group holds for each member that has not taken them yet;
    /// a member further behind leaves the group and reads what it missed from the database.
    #[arg(
        long,
        env = "RESIDENT_HUB_WS_SHARED_BUFFER",
        default_value_t = 256,
        global = true
    )]
    pub ws_shared_buffer: usize,
    /// Deepest selection nesting an operation may have.
    #[arg(
        long,
        env = "RESIDENT_HUB_MAX_DEPTH",
        default_value_t = 12,
        global = true
    )]
    pub max_depth: usize,
    /// Highest complexity score an operation may have (one per field, lists weigh more).
    #[arg(
        long,
        env = "RESIDENT_HUB_MAX_COMPLEXITY",
        default_value_t = 1000,
        global = true
    )]
    pub max_complexity: usize,
    /// Most aliased fields an operation may have.
    #[arg(
        long,
        env = "RESIDENT_HUB_MAX_ALIASES",
        default_value_t = 30,
        global = true
    )]
    pub max_aliases: usize,
    /// Deepest nesting of `{`, `[` and `(` a document may have (selections, list and object
    /// values, arguments), checked by a scan before the parser sees it.
    #[arg(
        long,
        env = "RESIDENT_HUB_MAX_NESTING",
        default_value_t = 64,
        global = true
    )]
    pub max_nesting: usize,
    /// Most list-valued introspection fields (`types`, `fields`, `args`, `interfaces`, …) one
    /// path may chain; GraphiQL's introspection query needs 3.
    #[arg(
        long,
        env = "RESIDENT_HUB_MAX_INTROSPECTION_LISTS",
        default_value_t = 3,
        global = true
    )]
    pub max_introspection_lists: usize,
    /// Whether schema introspection is allowed (field suggestions are off when it is not).
    #[arg(long, env = "RESIDENT_HUB_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub introspection: bool,
    /// Log format.
    #[arg(long, env = "RESIDENT_HUB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Secret for signing access tokens (at least 32 bytes); generated once and kept in the data
    /// directory when unset.
    #[arg(
        long,
        env = "RESIDENT_HUB_JWT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,
    /// Proxies (addresses or CIDR blocks, comma-separated) whose `X-Forwarded-For` names the
    /// client; from any other peer the header is ignored. None by default.
    #[arg(
        long,
        env = "RESIDENT_HUB_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<String>,
    /// Most password hashes computed at once (sign-in, password changes); 0 means one per core.
    #[arg(
        long,
        env = "RESIDENT_HUB_PASSWORD_HASH_CONCURRENCY",
        default_value_t = 0,
        global = true
    )]
    pub password_hash_concurrency: usize,
    /// Email of the first administrator, created on start when there is none.
    #[arg(
        long,
        env = "RESIDENT_HUB_ADMIN_EMAIL",
        default_value = "admin@resident-hub.local",
        global = true
    )]
    pub admin_email: String,
    /// Password of the first administrator; generated and printed once when unset.
    #[arg(
        long,
        env = "RESIDENT_HUB_ADMIN_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub admin_password: Option<String>,
    /// How long a DataLoader gathers keys before it queries, in milliseconds: wider batches
    /// fewer statements for long lists, at that much added latency per nesting level.
    #[arg(
        long,
        env = "RESIDENT_HUB_DATALOADER_WINDOW_MS",
        default_value_t = 2,
        global = true
    )]
    pub dataloader_window_ms: u64,
    /// How often each instance looks for scheduled notices that are due, in milliseconds.
    #[arg(
        long,
        env = "RESIDENT_HUB_SCHEDULER_INTERVAL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub scheduler_interval_ms: u64,
    /// Days a rectification opened by a low work-order rating (2 or less) has until it is due.
    #[arg(
        long,
        env = "RESIDENT_HUB_RECTIFICATION_LOW_RATING_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub rectification_low_rating_days: u32,
    /// Hours before a rectification's due date at which its responsible person is reminded
    /// (once); 0 turns the reminder off.
    #[arg(
        long,
        env = "RESIDENT_HUB_RECTIFICATION_REMINDER_HOURS",
        default_value_t = 24,
        global = true
    )]
    pub rectification_reminder_hours: u32,
    /// Seed the demo estate on start (see `seed-demo`).
    #[arg(long, env = "RESIDENT_HUB_DEMO", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", global = true)]
    pub demo: bool,
    /// Seconds to wait for in-flight requests on shutdown before giving up.
    #[arg(
        long,
        env = "RESIDENT_HUB_SHUTDOWN_GRACE_SECS",
        default_value_t = 10,
        global = true
    )]
    pub shutdown_grace_secs: u64,
    /// Hours after submission within which a complaint must be acknowledged.
    #[arg(
        long,
        env = "RESIDENT_HUB_COMPLAINT_ACK_HOURS",
        default_value_t = 24,
        global = true
    )]
    pub complaint_ack_hours: u64,
    /// Hours after submission (or a reopen) within which a complaint must be replied to.
    #[arg(
        long,
        env = "RESIDENT_HUB_COMPLAINT_REPLY_HOURS",
        default_value_t = 48,
        global = true
    )]
    pub complaint_reply_hours: u64,
    /// Minutes before a complaint deadline at which the handler and managers are reminded.
    #[arg(
        long,
        env = "RESIDENT_HUB_COMPLAINT_REMINDER_MINUTES",
        default_value_t = 120,
        global = true
    )]
    pub complaint_reminder_minutes: u64,
    /// Days after a reply within which the complainant may reopen or appeal (then it closes).
    #[arg(
        long,
        env = "RESIDENT_HUB_COMPLAINT_REOPEN_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub complaint_reopen_days: u64,
    /// Complaints one user may submit in 24 hours.
    #[arg(
        long,
        env = "RESIDENT_HUB_COMPLAINT_DAILY_LIMIT",
        default_value_t = 5,
        global = true
    )]
    pub complaint_daily_limit: u32,
    /// Messages one member may post in one channel in any 60 seconds (the property office and
    /// moderators are not held by it); then `RATE_LIMITED`.
    #[arg(
        long,
        env = "RESIDENT_HUB_CHANNEL_MEMBER_RATE",
        default_value_t = 20,
        global = true
    )]
    pub channel_member_rate: u32,
    /// Messages one channel takes in any 60 seconds, from everyone; then `RATE_LIMITED`.
    #[arg(
        long,
        env = "RESIDENT_HUB_CHANNEL_RATE",
        default_value_t = 1200,
        global = true
    )]
    pub channel_rate: u32,
    /// Comma-separated words refused in channel messages (whole words, any case).
    #[arg(
        long,
        env = "RESIDENT_HUB_CHANNEL_BLOCKED_WORDS",
        value_delimiter = ',',
        global = true
    )]
    pub channel_blocked_words: Vec<String>,
    /// Let residents create INTEREST channels in their building.
    #[arg(
        long,
        env = "RESIDENT_HUB_CHANNEL_RESIDENTS_CREATE_INTEREST",
        default_value_t = false,
        global = true
    )]
    pub channel_residents_create_interest: bool,
    /// Whether a user's HTTP requests share their resident and staff access facets, and the
    /// homes and notice board page kept with them (per instance, keyed by the user's access
    /// version, so a change is seen on the next request).
    #[arg(long, env = "RESIDENT_HUB_SHARE_ACCESS_FACETS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub share_access_facets: bool,
    /// Whether a query whose document this instance already parsed, validated and accepted
    /// (sent without variables) runs again without the guardrails' per-field hook.
    #[arg(long, env = "RESIDENT_HUB_REUSE_ACCEPTED_DOCUMENTS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub reuse_accepted_documents: bool,
    /// How long an instance keeps an HTTP request's token check (the viewer, the notices head,
    /// the unread count) for the session's next requests, in milliseconds; changes drop it at
    /// once through the bus, this bounds a lost message. 0 checks against the database on every
    /// request.
    #[arg(
        long,
        env = "RESIDENT_HUB_TOKEN_CACHE_TTL_MS",
        default_value_t = 5000,
        global = true
    )]
    pub token_cache_ttl_ms: u64,
    /// Days a parcel waits at the front desk before the unit's residents are reminded (and
    /// again after as many days, three reminders at most).
    #[arg(
        long,
        env = "RESIDENT_HUB_PARCEL_REMINDER_DAYS",
        default_value_t = 3,
        global = true
    )]
    pub parcel_reminder_days: u32,
}

/// Where GraphiQL's assets come from by default.
pub const DEFAULT_ASSETS_URL: &str = "https://unpkg.com";

/// Every environment variable the server reads; `compose.yaml` is checked against this list.
pub const ENV_VARS: &[&str] = &[
    "RESIDENT_HUB_LISTEN",
    "RESIDENT_HUB_METRICS_LISTEN",
    "RESIDENT_HUB_DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "RESIDENT_HUB_BUS_PREFIX",
    "RESIDENT_HUB_DB_MAX_CONNECTIONS",
    "RESIDENT_HUB_CORS_ORIGINS",
    "RESIDENT_HUB_PLAYGROUND_ASSETS_URL",
    "RESIDENT_HUB_MAX_BODY_BYTES",
    "RESIDENT_HUB_MAX_RESPONSE_BYTES",
    "RESIDENT_HUB_HEADER_READ_TIMEOUT_SECS",
    "RESIDENT_HUB_BODY_READ_TIMEOUT_SECS",
    "RESIDENT_HUB_REQUEST_TIMEOUT_SECS",
    "RESIDENT_HUB_REFRESH_GRACE_SECS",
    "RESIDENT_HUB_WS_INIT_TIMEOUT_MS",
    "RESIDENT_HUB_WS_PING_INTERVAL_MS",
    "RESIDENT_HUB_WS_MAX_SUBSCRIPTIONS",
    "RESIDENT_HUB_WS_MAX_SOCKETS_PER_USER",
    "RESIDENT_HUB_WS_SHARED_BUFFER",
    "RESIDENT_HUB_MAX_DEPTH",
    "RESIDENT_HUB_MAX_COMPLEXITY",
    "RESIDENT_HUB_MAX_ALIASES",
    "RESIDENT_HUB_MAX_NESTING",
    "RESIDENT_HUB_MAX_INTROSPECTION_LISTS",
    "RESIDENT_HUB_INTROSPECTION",
    "RESIDENT_HUB_LOG_FORMAT",
    "RESIDENT_HUB_JWT_SECRET",
    "RESIDENT_HUB_TRUSTED_PROXIES",
    "RESIDENT_HUB_PASSWORD_HASH_CONCURRENCY",
    "RESIDENT_HUB_SHUTDOWN_GRACE_SECS",
    "RESIDENT_HUB_ADMIN_EMAIL",
    "RESIDENT_HUB_ADMIN_PASSWORD",
    "RESIDENT_HUB_NEW_ADMIN_PASSWORD",
    "RESIDENT_HUB_DEMO",
    "RESIDENT_HUB_DATALOADER_WINDOW_MS",
    "RESIDENT_HUB_SCHEDULER_INTERVAL_MS",
    "RESIDENT_HUB_RECTIFICATION_LOW_RATING_DAYS",
    "RESIDENT_HUB_RECTIFICATION_REMINDER_HOURS",
    "RESIDENT_HUB_COMPLAINT_ACK_HOURS",
    "RESIDENT_HUB_COMPLAINT_REPLY_HOURS",
    "RESIDENT_HUB_COMPLAINT_REMINDER_MINUTES",
    "RESIDENT_HUB_COMPLAINT_REOPEN_DAYS",
    "RESIDENT_HUB_COMPLAINT_DAILY_LIMIT",
    "RESIDENT_HUB_CHANNEL_MEMBER_RATE",
    "RESIDENT_HUB_CHANNEL_RATE",
    "RESIDENT_HUB_CHANNEL_BLOCKED_WORDS",
    "RESIDENT_HUB_CHANNEL_RESIDENTS_CREATE_INTEREST",
    "RESIDENT_HUB_SHARE_ACCESS_FACETS",
    "RESIDENT_HUB_REUSE_ACCEPTED_DOCUMENTS",
    "RESIDENT_HUB_TOKEN_CACHE_TTL_MS",
    "RESIDENT_HUB_PARCEL_REMINDER_DAYS",
    "RUST_LOG",
];

/// Which database to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// The embedded SQLite file at this path.
    Sqlite(PathBuf),
    /// A PostgreSQL server.
    Postgres(String),
}

/// Longest accepted refresh grace window, in seconds.
pub const MAX_REFRESH_GRACE_SECS: u64 = 300;

/// Validated configuration of one server process.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Address of the separate `/metrics` listener; `None`: not served.
    pub metrics_listen: Option<SocketAddr>,
    /// Directory for the SQLite file and generated secrets.
    pub data_dir: PathBuf,
    /// Database to use.
    pub database: DatabaseConfig,
    /// Database pool size.
    pub db_max_connections: u32,
    /// Redis URL for the event bus; `None` for the in-process bus.
    pub redis_url: Option<String>,
    /// Channel prefix on Redis.
    pub bus_prefix: String,
    /// Exact origins allowed by CORS.
    pub cors_origins: Vec<String>,
    /// Base URL of the GraphiQL assets, without a trailing slash.
    pub playground_assets_url: String,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Largest GraphQL response body.
    pub max_response_bytes: usize,
    /// Time allowed for a request's headers.
    pub header_read_timeout: Duration,
    /// Time allowed for a request's body.
    pub body_read_timeout: Duration,
    /// Time limit of one HTTP request.
    pub request_timeout: Duration,
    /// How long a spent refresh token may be presented again for a sibling session.
    pub refresh_grace: Duration,
    /// Time allowed for `connection_init` on a WebSocket.
    pub ws_init_timeout: Duration,
    /// Interval between server pings on a WebSocket.
    pub ws_ping_interval: Duration,
    /// Most operations running at once on one WebSocket.
    pub ws_max_subscriptions: usize,
    /// Most WebSockets open per signed-in user.
    pub ws_max_sockets_per_user: usize,
    /// Events a shared subscription group buffers per member.
    pub ws_shared_buffer: usize,
    /// Query limits.
    pub limits: QueryLimits,
    /// Whether introspection is on.
    pub introspection: bool,
    /// Log format.
    pub log_format: LogFormat,
    /// Explicit token-signing secret, if configured.
    pub jwt_secret: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: crate::http::forwarded::TrustedProxies,
    /// Most password hashes computed at once (at least 1).
    pub password_hash_concurrency: usize,
    /// Grace period for in-flight requests on shutdown.
    pub shutdown_grace: Duration,
    /// Email of the first administrator.
    pub admin_email: String,
    /// Password of the first administrator, if configured.
    pub admin_password: Option<String>,
    /// Seed the demo estate on start.
    pub demo: bool,
    /// DataLoader batch window.
    pub dataloader_window: Duration,
    /// Interval of the scheduled-notice check.
    pub scheduler_interval: Duration,
    /// Days until a low rating's rectification is due (1–365).
    pub rectification_low_rating_days: u32,
    /// Hours before due at which a rectification's reminder goes out (0: none).
    pub rectification_reminder_hours: u32,
    /// Complaint deadlines, reminders, reopen window and rate limit.
    pub complaints: ComplaintSettings,
    /// Group channels' limits and blocked words.
    pub channels: ChannelSettings,
    /// Whether HTTP requests share their viewer's resident and staff facets (and what is kept
    /// with them: homes, the notice board's first page).
    pub share_access_facets: bool,
    /// Whether queries accepted before run again without the guardrails' per-field hook.
    pub reuse_accepted_documents: bool,
    /// How long a token check is kept for the session's next HTTP requests (zero: never).
    pub token_cache_ttl: Duration,
    /// Days before an unclaimed parcel's reminder (1–365).
    pub parcel_reminder_days: u32,
}

/// How group channels are limited.
#[derive(Clone, Debug)]
pub struct ChannelSettings {
    /// Messages one member may post in one channel in any 60 seconds.
    pub member_per_minute: u32,
    /// Messages one channel takes in any 60 seconds.
    pub channel_per_minute: u32,
    /// Words refused in messages, lower case.
    pub blocked_words: Vec<String>,
    /// Residents may create INTEREST channels in their building.
    pub residents_create_interest: bool,
}

/// How complaints are timed and limited.
#[derive(Clone, Copy, Debug)]
pub struct ComplaintSettings {
    /// Acknowledgement due this long after submission.
    pub ack_within: Duration,
    /// Reply due this long after submission (or a reopen).
    pub reply_within: Duration,
    /// Reminders go out this long before each deadline.
    pub remind_before: Duration,
    /// The complainant may reopen or appeal this long after a reply; then it closes.
    pub reopen_window: Duration,
    /// Complaints one user may submit in 24 hours.
    pub daily_limit: u32,
}

/// Limits on the shape of one GraphQL operation.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    /// Deepest nesting.
    pub max_depth: usize,
    /// Highest complexity.
    pub max_complexity: usize,
    /// Most aliases.
    pub max_aliases: usize,
    /// Deepest nesting of braces, brackets and parentheses in a document, checked before parsing.
    pub max_nesting: usize,
    /// Most list-valued introspection fields (`types`, `fields`, `args`, …) on one path.
    pub max_introspection_lists: usize,
}

/// A setting with an invalid value.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {setting}: {message}")]
pub struct ConfigError {
    /// The flag and environment variable at fault.
    pub setting: &'static str,
    /// What is wrong.
    pub message: String,
}

fn invalid(setting: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        message: message.into(),
    }
}

impl Settings {
    /// Checks every value and builds the [`Config`].
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let listen = self.listen.parse::<SocketAddr>().map_err(|_| {
            invalid(
                "--listen / RESIDENT_HUB_LISTEN",
                format!("`{}` is not an address such as 127.0.0.1:8000", self.listen),
            )
        })?;
        let metrics_listen = match self.metrics_listen.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(value) => Some(value.parse::<SocketAddr>().map_err(|_| {
                invalid(
                    "--metrics-listen / RESIDENT_HUB_METRICS_LISTEN",
                    format!("`{value}` is not an address such as 127.0.0.1:9100"),
                )
            })?),
        };
        let database = match self.database_url.filter(|url| !url.trim().is_empty()) {
            None => DatabaseConfig::Sqlite(self.data_dir.join("resident-hub.db")),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                DatabaseConfig::Postgres(url)
            }
            Some(_) => {
                return Err(invalid(
                    "--database-url / DATABASE_URL",
                    "must be a postgres:// URL (leave it unset for the embedded SQLite database)",
                ));
            }
        };
        let redis_url = match self.redis_url.filter(|url| !url.trim().is_empty()) {
            None => None,
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => Some(url),
            Some(_) => {
                return Err(invalid(
                    "--redis-url / REDIS_URL",
                    "must be a redis:// or rediss:// URL (leave it unset for the in-process bus)",
                ));
            }
        };
        if self.bus_prefix.is_empty()
            || !self
                .bus_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(invalid(
                "--bus-prefix / RESIDENT_HUB_BUS_PREFIX",
                "must be non-empty and use only letters, digits, '-', '_' and '.'",
            ));
        }
        if self.db_max_connections == 0 {
            return Err(invalid(
                "--db-max-connections / RESIDENT_HUB_DB_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        let mut cors_origins = Vec::new();
        for origin in self
            .cors_origins
            .iter()
            .map(|o| o.trim())
            .filter(|o| !o.is_empty())
        {
            cors_origins.push(validate_origin(origin)?);
        }
        let playground_assets_url = self.playground_assets_url.trim_end_matches('/').to_owned();
        if !(playground_assets_url.starts_with("http://")
            || playground_assets_url.starts_with("https://")
            || playground_assets_url.starts_with('/'))
        {
            return Err(invalid(
                "--playground-assets-url / RESIDENT_HUB_PLAYGROUND_ASSETS_URL",
                "must be an http(s) URL or a path starting with '/'",
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(invalid(
                "--max-body-bytes / RESIDENT_HUB_MAX_BODY_BYTES",
                "must be at least 1024",
            ));
        }
        if self.max_response_bytes < 1024 {
            return Err(invalid(
                "--max-response-bytes / RESIDENT_HUB_MAX_RESPONSE_BYTES",
                "must be at least 1024",
            ));
        }
        for (setting, value) in [
            (
                "--header-read-timeout-secs / RESIDENT_HUB_HEADER_READ_TIMEOUT_SECS",
                self.header_read_timeout_secs,
            ),
            (
                "--body-read-timeout-secs / RESIDENT_HUB_BODY_READ_TIMEOUT_SECS",
                self.body_read_timeout_secs,
            ),
            (
                "--request-timeout-secs / RESIDENT_HUB_REQUEST_TIMEOUT_SECS",
                self.request_timeout_secs,
            ),
            (
                "--ws-init-timeout-ms / RESIDENT_HUB_WS_INIT_TIMEOUT_MS",
                self.ws_init_timeout_ms,
            ),
            (
                "--ws-ping-interval-ms / RESIDENT_HUB_WS_PING_INTERVAL_MS",
                self.ws_ping_interval_ms,
            ),
        ] {
            if value == 0 {
                return Err(invalid(setting, "must be greater than 0"));
            }
        }
        // A long grace would let a stolen, spent token keep minting sessions unnoticed.
        if self.refresh_grace_secs > MAX_REFRESH_GRACE_SECS {
            return Err(invalid(
                "--refresh-grace-secs / RESIDENT_HUB_REFRESH_GRACE_SECS",
                format!("must be at most {MAX_REFRESH_GRACE_SECS}"),
            ));
        }
        for (setting, value) in [
            (
                "--ws-max-subscriptions / RESIDENT_HUB_WS_MAX_SUBSCRIPTIONS",
                self.ws_max_subscriptions,
            ),
            (
                "--ws-max-sockets-per-user / RESIDENT_HUB_WS_MAX_SOCKETS_PER_USER",
                self.ws_max_sockets_per_user,
            ),
            (
                "--ws-shared-buffer / RESIDENT_HUB_WS_SHARED_BUFFER",
                self.ws_shared_buffer,
            ),
            ("--max-depth / RESIDENT_HUB_MAX_DEPTH", self.max_depth),
            (
                "--max-complexity / RESIDENT_HUB_MAX_COMPLEXITY",
                self.max_complexity,
            ),
            ("--max-aliases / RESIDENT_HUB_MAX_ALIASES", self.max_aliases),
            ("--max-nesting / RESIDENT_HUB_MAX_NESTING", self.max_nesting),
            (
                "--max-introspection-lists / RESIDENT_HUB_MAX_INTROSPECTION_LISTS",
                self.max_introspection_lists,
            ),
        ] {
            if value == 0 {
                return Err(invalid(setting, "must be greater than 0"));
            }
        }
        for (setting, value, most) in [
            (
                "--complaint-ack-hours / RESIDENT_HUB_COMPLAINT_ACK_HOURS",
                self.complaint_ack_hours,
                24 * 365,
            ),
            (
                "--complaint-reply-hours / RESIDENT_HUB_COMPLAINT_REPLY_HOURS",
                self.complaint_reply_hours,
                24 * 365,
            ),
            (
                "--complaint-reminder-minutes / RESIDENT_HUB_COMPLAINT_REMINDER_MINUTES",
                self.complaint_reminder_minutes,
                60 * 24 * 30,
            ),
            (
                "--complaint-reopen-days / RESIDENT_HUB_COMPLAINT_REOPEN_DAYS",
                self.complaint_reopen_days,
                365,
            ),
            (
                "--complaint-daily-limit / RESIDENT_HUB_COMPLAINT_DAILY_LIMIT",
                u64::from(self.complaint_daily_limit),
                1000,
            ),
            (
                "--channel-member-rate / RESIDENT_HUB_CHANNEL_MEMBER_RATE",
                u64::from(self.channel_member_rate),
                10_000,
            ),
            (
                "--channel-rate / RESIDENT_HUB_CHANNEL_RATE",
                u64::from(self.channel_rate),
                1_000_000,
            ),
        ] {
            if value == 0 || value > most {
                return Err(invalid(setting, format!("must be between 1 and {most}")));
            }
        }
        if self.complaint_reply_hours < self.complaint_ack_hours {
            return Err(invalid(
                "--complaint-reply-hours / RESIDENT_HUB_COMPLAINT_REPLY_HOURS",
                "must not be shorter than --complaint-ack-hours",
            ));
        }
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return Err(invalid(
                "--jwt-secret / RESIDENT_HUB_JWT_SECRET",
                "must be at least 32 bytes long",
            ));
        }
        let trusted_proxies = crate::http::forwarded::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|message| {
                invalid("--trusted-proxies / RESIDENT_HUB_TRUSTED_PROXIES", message)
            })?;
        if !(1..=365).contains(&self.rectification_low_rating_days) {
            return Err(invalid(
                "--rectification-low-rating-days / RESIDENT_HUB_RECTIFICATION_LOW_RATING_DAYS",
                "must be between 1 and 365",
            ));
        }
        if !(1..=365).contains(&self.parcel_reminder_days) {
            return Err(invalid(
                "--parcel-reminder-days / RESIDENT_HUB_PARCEL_REMINDER_DAYS",
                "must be between 1 and 365",
            ));
        }
        if self.rectification_reminder_hours > 24 * 30 {
            return Err(invalid(
                "--rectification-reminder-hours / RESIDENT_HUB_RECTIFICATION_REMINDER_HOURS",
                "must be at most 720 (30 days)",
            ));
        }
        let password_hash_concurrency = match self.password_hash_concurrency {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            n => n,
        };
        Ok(Config {
            listen,
            metrics_listen,
            data_dir: self.data_dir,
            database,
            db_max_connections: self.db_max_connections,
            redis_url,
            bus_prefix: self.bus_prefix,
            cors_origins,
            playground_assets_url,
            max_body_bytes: self.max_body_bytes,
            max_response_bytes: self.max_response_bytes,
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            body_read_timeout: Duration::from_secs(self.body_read_timeout_secs),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            refresh_grace: Duration::from_secs(self.refresh_grace_secs),
            ws_init_timeout: Duration::from_millis(self.ws_init_timeout_ms),
            ws_ping_interval: Duration::from_millis(self.ws_ping_interval_ms),
            ws_max_subscriptions: self.ws_max_subscriptions,
            ws_max_sockets_per_user: self.ws_max_sockets_per_user,
            ws_shared_buffer: self.ws_shared_buffer,
            limits: QueryLimits {
                max_depth: self.max_depth,
                max_complexity: self.max_complexity,
                max_aliases: self.max_aliases,
                max_nesting: self.max_nesting,
                max_introspection_lists: self.max_introspection_lists,
            },
            introspection: self.introspection,
            log_format: self.log_format,
            jwt_secret: self.jwt_secret,
            trusted_proxies,
            password_hash_concurrency,
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
            admin_email: self.admin_email,
            admin_password: self.admin_password,
            demo: self.demo,
            dataloader_window: Duration::from_millis(self.dataloader_window_ms),
            scheduler_interval: Duration::from_millis(self.scheduler_interval_ms.max(10)),
            rectification_low_rating_days: self.rectification_low_rating_days,
            rectification_reminder_hours: self.rectification_reminder_hours,
            complaints: ComplaintSettings {
                ack_within: Duration::from_secs(self.complaint_ack_hours * 3600),
                reply_within: Duration::from_secs(self.complaint_reply_hours * 3600),
                remind_before: Duration::from_secs(self.complaint_reminder_minutes * 60),
                reopen_window: Duration::from_secs(self.complaint_reopen_days * 86_400),
                daily_limit: self.complaint_daily_limit,
            },
            channels: ChannelSettings {
                member_per_minute: self.channel_member_rate,
                channel_per_minute: self.channel_rate,
                blocked_words: self
                    .channel_blocked_words
                    .iter()
                    .map(|w| w.trim().to_lowercase())
                    .filter(|w| !w.is_empty())
                    .collect(),
                residents_create_interest: self.channel_residents_create_interest,
            },
            share_access_facets: self.share_access_facets,
            reuse_accepted_documents: self.reuse_accepted_documents,
            token_cache_ttl: Duration::from_millis(self.token_cache_ttl_ms),
            parcel_reminder_days: self.parcel_reminder_days,
        })
    }
}

/// An origin is `scheme://host[:port]` with nothing after it: browsers send exactly that.
fn validate_origin(origin: &str) -> Result<String, ConfigError> {
    let setting = "--cors-origins / RESIDENT_HUB_CORS_ORIGINS";
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| {
            invalid(
                setting,
                format!("`{origin}` must start with http:// or https://"),
            )
        })?;
    if rest.is_empty() || rest.contains('/') || rest.contains('*') {
        return Err(invalid(
            setting,
            format!(
                "`{origin}` must be an exact origin such as https://app.example.org, without path or wildcard"
            ),
        ));
    }
    Ok(origin.to_owned())
}

impl Config {
    /// The embedded defaults (SQLite under `data_dir`, in-process bus), as `serve` with no
    /// settings would use them, but listening on `listen`.
    pub fn embedded(data_dir: impl Into<PathBuf>, listen: SocketAddr) -> Config {
        let data_dir = data_dir.into();
        let mut config = Settings::defaults()
            .into_config()
            .unwrap_or_else(|_| unreachable!("the defaults are valid"));
        config.database = DatabaseConfig::Sqlite(data_dir.join("resident-hub.db"));
        config.data_dir = data_dir;
        config.listen = listen;
        config
    }
}

impl Settings {
    /// The defaults, ignoring the command line and the environment.
    pub fn defaults() -> Settings {
        Settings {
            listen: "127.0.0.1:8000".to_owned(),
            metrics_listen: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            redis_url: None,
            bus_prefix: "resident-hub".to_owned(),
            db_max_connections: 10,
            cors_origins: Vec::new(),
            playground_assets_url: DEFAULT_ASSETS_URL.to_owned(),
            max_body_bytes: 1024 * 1024,
            max_response_bytes: 8 * 1024 * 1024,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 15,
            request_timeout_secs: 30,
            refresh_grace_secs: 30,
            ws_init_timeout_ms: 3000,
            ws_ping_interval_ms: 15_000,
            ws_max_subscriptions: 100,
            ws_max_sockets_per_user: 16,
            ws_shared_buffer: 256,
            max_depth: 12,
            max_complexity: 1000,
            max_aliases: 30,
            max_nesting: 64,
            max_introspection_lists: 3,
            introspection: true,
            log_format: LogFormat::Text,
            jwt_secret: None,
            trusted_proxies: Vec::new(),
            password_hash_concurrency: 0,
            shutdown_grace_secs: 10,
            admin_email: "admin@resident-hub.local".to_owned(),
            admin_password: None,
            demo: false,
            dataloader_window_ms: 2,
            scheduler_interval_ms: 1000,
            rectification_low_rating_days: 7,
            rectification_reminder_hours: 24,
            complaint_ack_hours: 24,
            complaint_reply_hours: 48,
            complaint_reminder_minutes: 120,
            complaint_reopen_days: 7,
            complaint_daily_limit: 5,
            channel_member_rate: 20,
            channel_rate: 1200,
            channel_blocked_words: Vec::new(),
            channel_residents_create_interest: false,
            share_access_facets: true,
            reuse_accepted_documents: true,
            token_cache_ttl_ms: 5000,
            parcel_reminder_days: 3,
        }
    }
}
