//! The `resident-hub` binary: parse the command line, then serve, migrate or export the schema.

use std::process::ExitCode;

use clap::Parser;
use resident_hub::{
    app::{Application, BuildOptions, build_state},
    auth::{Role, password::NewPassword},
    config::{Cli, Command, Config, DatabaseConfig},
    db,
    domains::identity::{
        input::{DisplayName, Email},
        service::{IdentityService, NewUser},
    },
    graphql, telemetry,
};
use tokio_util::sync::CancellationToken;

/// mimalloc instead of the system allocator: on the home-page bench glibc's malloc and free were
/// a fifth of the server's CPU (README, Benchmarks). Only the binary sets it; the library and its
/// tests keep the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli.settings.into_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("resident-hub: {err}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::ExportSchema = command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("resident-hub: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match command {
            Command::Migrate => migrate(config).await,
            Command::SeedDemo => seed_demo(config).await,
            Command::CreateAdmin {
                email,
                password,
                display_name,
            } => create_admin(config, &email, &password, &display_name).await,
            _ => serve(config).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("resident-hub: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let database = match &config.database {
        DatabaseConfig::Sqlite(path) => format!("SQLite at {}", path.display()),
        DatabaseConfig::Postgres(_) => "PostgreSQL".to_owned(),
    };
    let app = Application::build(config, BuildOptions::default()).await?;
    let addr = app.local_addr();
    tracing::info!(
        %addr,
        database,
        bus = app.state().bus.kind(),
        "Resident Hub is listening: playground at http://{addr}/, GraphQL at http://{addr}/graphql"
    );
    let shutdown = app.shutdown_token();
    tokio::spawn(stop_on_signal(shutdown));
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let conn = db::connect(&config.database, 1, None).await?;
    db::migrate(&config.database, &conn).await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn seed_demo(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let shutdown = CancellationToken::new();
    let metrics = std::sync::Arc::new(resident_hub::metrics::Metrics::default());
    let state = build_state(config, BuildOptions::default(), metrics, shutdown.clone()).await?;
    resident_hub::app::seed_demo(&state).await?;
    shutdown.cancel();
    Ok(())
}

async fn create_admin(
    config: Config,
    email: &str,
    password: &str,
    display_name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let shutdown = CancellationToken::new();
    let metrics = std::sync::Arc::new(resident_hub::metrics::Metrics::default());
    let state = build_state(config, BuildOptions::default(), metrics, shutdown.clone()).await?;
    let email_value = Email::parse("--email", email)?;
    let user = IdentityService::new(&state)
        .create_user(NewUser {
            password: NewPassword::parse("--password", password, Some(email_value.as_str()))?,
            email: email_value,
            display_name: DisplayName::parse("--display-name", display_name)?,
            phone: None,
            roles: vec![Role::Admin],
        })
        .await?;
    shutdown.cancel();
    println!(
        "created administrator {} ({})",
        user.user.email, user.user.id
    );
    Ok(())
}

/// Cancels `shutdown` on Ctrl-C or SIGTERM.
async fn stop_on_signal(shutdown: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests, closing WebSockets");
    shutdown.cancel();
}
