//! Database connection and migrations for both backends.
//!
//! SQLite (embedded default) runs in WAL mode with foreign keys on and a busy timeout, in a file
//! created on first start. On PostgreSQL the migrations run under an advisory lock, so several
//! instances starting at once on one empty database do not race each other.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::config::DatabaseConfig;

/// Arbitrary but fixed key of the advisory lock that serialises migrations.
const MIGRATION_LOCK_KEY: i64 = 0x5245_5349_4445_4e54; // "RESIDENT"

/// A PostgreSQL connection idle for this long is pinged before it is used again.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Opens the connection pool. `metric` sees every statement (used by tests to count queries).
pub async fn connect(
    config: &DatabaseConfig,
    max_connections: u32,
    metric: Option<MetricCallback>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = match config {
        DatabaseConfig::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|err| {
                    DbErr::Custom(format!(
                        "cannot create data directory {}: {err}",
                        dir.display()
                    ))
                })?;
            }
            let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
            options.map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
            });
            // A connection to a file cannot be lost while it sits in the pool: no ping on
            // acquire (it is a round trip to the connection's worker thread).
            options.test_before_acquire(false);
            options
        }
        DatabaseConfig::Postgres(url) => {
            let mut options = ConnectOptions::new(url.clone());
            // SQLx pings a connection when it returns to the pool, and by default again when it
            // is taken: three round trips per statement. Only a connection idle for a while
            // (one PostgreSQL may have closed meanwhile) is pinged before use now.
            options.test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
            options
        }
    };
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    let mut db = Database::connect(options).await?;
    if let Some(callback) = metric {
        db.set_metric_callback(move |info| callback(info.statement.sql.as_str()));
    }
    Ok(db)
}

/// A function called with the SQL of every statement run.
pub type MetricCallback = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// Applies pending migrations. On PostgreSQL, on a connection of its own holding an advisory
/// lock for the whole run, so concurrent starters wait and then find nothing left to do.
pub async fn migrate(config: &DatabaseConfig, db: &DatabaseConnection) -> Result<(), DbErr> {
    match config {
        DatabaseConfig::Sqlite(_) => Migrator::up(db, None).await,
        DatabaseConfig::Postgres(url) => {
            let mut options = ConnectOptions::new(url.clone());
            options
                .max_connections(1)
                .min_connections(1)
                .connect_timeout(Duration::from_secs(5))
                .sqlx_logging(false);
            let lock_conn = Database::connect(options).await?;
            let lock = |sql: &str| {
                Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    [MIGRATION_LOCK_KEY.into()],
                )
            };
            lock_conn
                .execute_raw(lock("SELECT pg_advisory_lock($1)"))
                .await?;
            let result = Migrator::up(&lock_conn, None).await;
            let unlocked = lock_conn
                .execute_raw(lock("SELECT pg_advisory_unlock($1)"))
                .await;
            lock_conn.close().await?;
            result?;
            unlocked.map(|_| ())
        }
    }
}

/// Opens a transaction that will write. On SQLite it starts as a write transaction at once
/// (`BEGIN IMMEDIATE`): a transaction that reads first and writes later cannot wait for the
/// write lock (SQLite answers "database is locked" at once), while one that asks for it up front
/// waits its turn within the busy timeout. PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Checks that the database answers.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
