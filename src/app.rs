//! Application state and lifecycle: build (connect, migrate, wire), bind, run until stopped.

use std::{net::SocketAddr, sync::Arc};

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    auth::{scope::ScopeCache, token_cache::TokenCache, tokens::TokenKeys},
    clock::Clock,
    config::Config,
    db::{self, MetricCallback},
    domains::identity::service::IdentityService,
    events::EventBus,
    graphql::{self, shape::ResponseShape},
    http::{self, HttpContext},
    jobs::Jobs,
    metrics::Metrics,
};

/// Everything a request may need, built once. Cheap to clone: one reference count, however
/// many services it holds (a request clones it into its context and services, and every open
/// socket and shared-subscription member keeps one); the services are read through it
/// (`state.db`, `state.config`, …).
#[derive(Clone)]
pub struct AppState(Arc<AppServices>);

impl std::ops::Deref for AppState {
    type Target = AppServices;

    fn deref(&self) -> &AppServices {
        &self.0
    }
}

/// What an [`AppState`] holds.
pub struct AppServices {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// The database pool.
    pub db: DatabaseConnection,
    /// The event bus.
    pub bus: EventBus,
    /// Access-token keys.
    pub tokens: Arc<TokenKeys>,
    /// Process metrics.
    pub metrics: Arc<Metrics>,
    /// The clock every time rule reads (adjustable in tests).
    pub clock: Clock,
    /// The background jobs.
    pub jobs: Jobs,
    /// Current scopes of this process's subscribers.
    pub scopes: ScopeCache,
    /// Token checks kept for the next HTTP requests of their sessions.
    pub token_checks: TokenCache,
    /// Turns for setting up a subscription (see [`AppState::setup_turn`]).
    setups: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Waits for a turn to set up a subscription (its token check, scope and replay position),
    /// one per database connection. Ten thousand sockets that subscribe at once would otherwise
    /// each hold a set-up future of several KiB while they queue for the pool, and the heap
    /// would peak at that and keep the pages; queued behind this gate they hold only their place
    /// in the queue. Hold the permit until the set-up's reads are done.
    pub async fn setup_turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        // The semaphore is never closed, so this never answers `None` in practice.
        self.setups.acquire().await.ok()
    }

    /// Runs the set-up that `make` returns in a turn ([`AppState::setup_turn`]): the future is
    /// made, and boxed, only once the turn is taken, so a caller still waiting holds no database
    /// future, and the turn is given back as soon as the set-up is done.
    pub async fn in_turn<F: std::future::Future>(&self, make: impl FnOnce() -> F) -> F::Output {
        let _turn = self.setup_turn().await;
        Box::pin(make()).await
    }
}

/// Options that only tests and tools set.
#[derive(Default)]
pub struct BuildOptions {
    /// Called with the SQL of every statement (to count queries per request).
    pub sql_metric: Option<MetricCallback>,
    /// The clock to use instead of the system clock (tests move it).
    pub clock: Option<Clock>,
    /// An in-process bus to share instead of opening one (instances of one process that act as
    /// one deployment: tests). Ignored when a Redis URL is configured.
    pub bus: Option<EventBus>,
}

/// A built server, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    /// The `/metrics` listener and its router, when `--metrics-listen` is set.
    metrics: Option<(TcpListener, axum::Router)>,
    state: AppState,
    shutdown: CancellationToken,
    sockets: TaskTracker,
}

/// A failure while starting, with what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct StartError {
    context: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

fn start_error(
    context: impl Into<String>,
) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> StartError {
    let context = context.into();
    move |source| StartError { context, source }
}

impl Application {
    /// Connects to the database (migrating it) and the bus, and binds the listener.
    pub async fn build(config: Config, options: BuildOptions) -> Result<Application, StartError> {
        let shutdown = CancellationToken::new();
        let metrics = Arc::new(Metrics::default());
        crate::auth::password::limit_concurrency(config.password_hash_concurrency);
        let state = build_state(config, options, metrics, shutdown.clone()).await?;
        bootstrap_admin(&state).await?;
        if state.config.demo {
            seed_demo(&state)
                .await
                .map_err(|err| start_error("cannot seed the demo estate")(err.into()))?;
        }
        let listener = TcpListener::bind(state.config.listen)
            .await
            .map_err(|err| {
                start_error(format!("cannot listen on {}", state.config.listen))(err.into())
            })?;
        state
            .jobs
            .spawn_all(&state, state.config.scheduler_interval, &shutdown);
        let (schema, accepted) = graphql::build(
            state.clone(),
            state.config.limits,
            state.config.introspection,
        );
        let sockets = TaskTracker::new();
        let shape = Arc::new(ResponseShape::from_sdl(&schema.sdl()));
        let context = HttpContext {
            state: state.clone(),
            shape,
            schema,
            accepted,
            shutdown: shutdown.clone(),
            sockets: sockets.clone(),
            user_sockets: Default::default(),
            shared: Default::default(),
        };
        let metrics = match state.config.metrics_listen {
            None => None,
            Some(addr) => Some((
                TcpListener::bind(addr).await.map_err(|err| {
                    start_error(format!("cannot listen on {addr} (--metrics-listen)"))(err.into())
                })?,
                http::metrics_router(context.clone()),
            )),
        };
        let router = http::router(context);
        Ok(Application {
            listener,
            router,
            metrics,
            state,
            shutdown,
            sockets,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.config.listen)
    }

    /// The address of the `/metrics` listener, when there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// The state, for tools and tests.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Cancelling this token stops the server gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the shutdown token is cancelled: then stops accepting, lets in-flight
    /// requests finish (up to the grace period), and closes WebSockets with 1001.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            metrics,
            state,
            shutdown,
            sockets,
        } = self;
        let grace = state.config.shutdown_grace;
        if let Some((listener, router)) = metrics {
            let signal = shutdown.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, router)
                    .with_graceful_shutdown(async move { signal.cancelled().await })
                    .await;
                if let Err(err) = served {
                    tracing::error!(error = %err, "the metrics listener failed");
                }
            });
        }
        let signal = shutdown.clone();
        let served = http::serve(listener, router, state.config.header_read_timeout, signal);
        tokio::pin!(served);
        let result = tokio::select! {
            result = &mut served => result,
            () = async {
                shutdown.cancelled().await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("in-flight requests did not finish within the grace period");
                Ok(())
            }
        };
        sockets.close();
        if tokio::time::timeout(grace, sockets.wait()).await.is_err() {
            tracing::warn!("WebSockets did not close within the grace period");
        }
        state.db.clone().close().await.ok();
        result
    }
}

/// Creates the first administrator when the database has none, printing a generated password
/// once when none was configured.
async fn bootstrap_admin(state: &AppState) -> Result<(), StartError> {
    let config = &state.config;
    let created = IdentityService::new(state)
        .bootstrap_admin(&config.admin_email, config.admin_password.as_deref())
        .await
        .map_err(|err| start_error("cannot create the first administrator (RESIDENT_HUB_ADMIN_EMAIL / RESIDENT_HUB_ADMIN_PASSWORD)")(err.into()))?;
    if let Some((admin, generated)) = created {
        tracing::info!(email = %admin.user.email, "created the first administrator");
        if let Some(password) = generated {
            // Shown once: only its hash is kept.
            println!(
                "First administrator created: {} with password {password}\n(shown only now; sign in and change it with changePassword)",
                admin.user.email
            );
        }
    }
    Ok(())
}

/// Seeds the demo estate and says how to sign in.
pub async fn seed_demo(state: &AppState) -> crate::error::AppResult<()> {
    match crate::demo::seed(state).await? {
        crate::demo::SeedOutcome::Created { users, units } => println!(
            "Demo estate created: {users} accounts, {units} units.\n\
             Every demo account's password is `{password}`: {admin}, supervisor1@demo.test, \
             merchant1@demo.test, resident1@demo.test … resident{residents}@demo.test, \
             staff1@demo.test … staff12@demo.test.",
            password = crate::demo::DEMO_PASSWORD,
            admin = crate::demo::DEMO_ADMIN,
            residents = crate::demo::RESIDENTS,
        ),
        crate::demo::SeedOutcome::AlreadyPresent => println!(
            "Demo estate already present. Every demo account's password is `{}` (admin: {}).",
            crate::demo::DEMO_PASSWORD,
            crate::demo::DEMO_ADMIN
        ),
    }
    Ok(())
}

/// Connects and migrates the database, opens the bus, loads the token keys.
pub async fn build_state(
    config: Config,
    options: BuildOptions,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) -> Result<AppState, StartError> {
    let db = db::connect(
        &config.database,
        config.db_max_connections,
        options.sql_metric,
    )
    .await
    .map_err(|err| start_error("cannot open the database")(err.into()))?;
    db::migrate(&config.database, &db)
        .await
        .map_err(|err| start_error("cannot migrate the database")(err.into()))?;
    let bus = match &config.redis_url {
        None => options
            .bus
            .unwrap_or_else(|| EventBus::in_process(config.bus_prefix.clone(), metrics.clone())),
        Some(url) => EventBus::redis(
            url,
            config.bus_prefix.clone(),
            metrics.clone(),
            shutdown.clone(),
        )
        .await
        .map_err(|err| start_error("cannot reach Redis (REDIS_URL)")(err.into()))?,
    };
    let tokens = TokenKeys::load(config.jwt_secret.as_deref(), &config.data_dir)
        .map_err(|err| start_error("cannot load the token-signing secret")(err.into()))?;
    let scopes = ScopeCache::default();
    scopes.listen(&bus, shutdown.clone()).await;
    let clock = options.clock.unwrap_or_default();
    let token_checks = TokenCache::new(config.token_cache_ttl, clock.clone());
    token_checks.listen(&bus, shutdown).await;
    let setups = Arc::new(tokio::sync::Semaphore::new(
        usize::try_from(config.db_max_connections)
            .unwrap_or(1)
            .max(1),
    ));
    Ok(AppState(Arc::new(AppServices {
        setups,
        config: Arc::new(config),
        db,
        bus,
        tokens: Arc::new(tokens),
        metrics,
        clock,
        jobs: Jobs::all(),
        scopes,
        token_checks,
    })))
}
