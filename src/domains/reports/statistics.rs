//! Service statistics for administrators, each figure one SQL aggregate: a fixed number of
//! statements whatever the number of orders, on SQLite and PostgreSQL alike (durations are the
//! one expression that differs; medians and 90th percentiles are nearest-rank, by window
//! functions).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use super::service::{Period, round2};
use crate::{
    app::AppState,
    error::{AppError, AppResult},
};

/// Work-order statuses no longer open.
const FINISHED: &str = "('CLOSED', 'CANCELLED', 'REJECTED')";

/// Open orders of one status, or of one category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCount {
    /// The status (`SUBMITTED`, …) or the category's id.
    pub key: String,
    /// The category's name (for categories).
    pub name: Option<String>,
    /// Orders.
    pub count: i64,
}

/// Median and 90th percentile of a duration, in minutes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spread {
    /// Orders measured.
    pub count: i64,
    /// Median (nearest rank), in minutes.
    pub median_minutes: Option<f64>,
    /// 90th percentile (nearest rank), in minutes.
    pub p90_minutes: Option<f64>,
}

/// A share: `part` of `whole`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Share {
    /// The records that count.
    pub part: i64,
    /// All the records judged.
    pub whole: i64,
}

/// Activities of the period and their sign-ups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityCounts {
    /// Activities starting in the period by status (`DRAFT`, `PUBLISHED`, `CANCELLED`).
    pub by_status: Vec<(String, i64)>,
    /// Their sign-ups by status (`CONFIRMED`, `WAITLISTED`, `CHECKED_IN`, `NO_SHOW`, …).
    pub sign_ups_by_status: Vec<(String, i64)>,
}

/// The statistics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Statistics {
    /// Open orders (not closed, cancelled or rejected) now, by status.
    pub open_by_status: Vec<OpenCount>,
    /// Open orders now, by category.
    pub open_by_category: Vec<OpenCount>,
    /// Submission to first response of orders submitted in the period.
    pub response: Spread,
    /// Submission to resolution of orders submitted in the period.
    pub resolution: Spread,
    /// Orders submitted in the period (not cancelled or rejected) with a breached deadline.
    pub breaches: Share,
    /// Complaints submitted in the period first replied to within the reply window, of those
    /// replied to or past it.
    pub complaint_replies: Share,
    /// Activities.
    pub activities: ActivityCounts,
}

/// One statement with `$n` placeholders, as the backend spells them.
fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Seconds from `from` to `to` (two timestamp columns), as a floating-point expression.
fn seconds_between(backend: DatabaseBackend, from: &str, to: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => {
            format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) AS DOUBLE PRECISION)")
        }
        _ => format!("((julianday({to}) - julianday({from})) * 86400.0)"),
    }
}

/// The statistics of `building` (or the estate) over `period`, judged at `now`.
pub async fn statistics(
    state: &AppState,
    building: Option<Uuid>,
    period: Period,
) -> AppResult<Statistics> {
    let db = &state.db;
    let now = state.clock.now();
    let reply_within = Duration::from_std(state.config.complaints.reply_within)
        .map_err(|e| AppError::internal(format!("reply window: {e}")))?;
    let (open_by_status, open_by_category) = open_orders(db, building).await?;
    Ok(Statistics {
        open_by_status,
        open_by_category,
        response: spread(db, building, period, "first_response_at").await?,
        resolution: spread(db, building, period, "resolved_at").await?,
        breaches: breaches(db, building, period).await?,
        complaint_replies: complaint_replies(db, building, period, now, reply_within).await?,
        activities: activities(db, building, period).await?,
    })
}

/// `AND <column> = $n` when a building is asked for (its value pushed to `values`).
fn building_filter(column: &str, building: Option<Uuid>, values: &mut Vec<Value>) -> String {
    match building {
        Some(id) => {
            values.push(id.into());
            format!(" AND {column} = ${}", values.len())
        }
        None => String::new(),
    }
}

/// Open orders grouped by status and category in one statement; the groups are then summed
/// per status and per category.
async fn open_orders<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
) -> AppResult<(Vec<OpenCount>, Vec<OpenCount>)> {
    let backend = db.get_database_backend();
    let mut values = Vec::new();
    let filter = building_filter("o.building_id", building, &mut values);
    let sql = format!(
        "SELECT o.status AS status, o.category_id AS category_id, c.name AS name, \
         COUNT(*) AS n FROM work_order o JOIN service_category c ON c.id = o.category_id \
         WHERE o.status NOT IN {FINISHED}{filter} \
         GROUP BY o.status, o.category_id, c.name"
    );
    let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
    let mut by_status: Vec<OpenCount> = Vec::new();
    let mut by_category: Vec<OpenCount> = Vec::new();
    for row in rows {
        let status: String = row.try_get("", "status")?;
        let category: Uuid = row.try_get("", "category_id")?;
        let name: String = row.try_get("", "name")?;
        let n: i64 = row.try_get("", "n")?;
        add_to(&mut by_status, status, None, n);
        add_to(&mut by_category, category.to_string(), Some(name), n);
    }
    by_status.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    by_category.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    Ok((by_status, by_category))
}

fn add_to(counts: &mut Vec<OpenCount>, key: String, name: Option<String>, n: i64) {
    match counts.iter_mut().find(|c| c.key == key) {
        Some(count) => count.count += n,
        None => counts.push(OpenCount {
            key,
            name,
            count: n,
        }),
    }
}

/// The values binding the period: `$1` its start, `$2` its end.
fn period_values(period: Period) -> Vec<Value> {
    vec![period.start.into(), period.end.into()]
}

/// Median and 90th percentile of submission to `done` (a timestamp column) over the orders
/// submitted in the period that have it.
async fn spread<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
    done: &str,
) -> AppResult<Spread> {
    let backend = db.get_database_backend();
    let mut values = period_values(period);
    let filter = building_filter("building_id", building, &mut values);
    let seconds = seconds_between(backend, "created_at", done);
    let sql = format!(
        "WITH d AS (SELECT {seconds} AS s FROM work_order \
         WHERE created_at >= $1 AND created_at < $2 AND {done} IS NOT NULL{filter}), \
         r AS (SELECT s, ROW_NUMBER() OVER (ORDER BY s) AS rn, COUNT(*) OVER () AS n FROM d) \
         SELECT COUNT(*) AS n, \
         MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN s END) AS median, \
         MAX(CASE WHEN rn = (n * 90 + 99) / 100 THEN s END) AS p90 FROM r"
    );
    let row = one(db, statement(backend, &sql, values)).await?;
    let minutes = |seconds: Option<f64>| seconds.map(|s| round2(s / 60.0));
    Ok(Spread {
        count: row.try_get("", "n")?,
        median_minutes: minutes(row.try_get("", "median")?),
        p90_minutes: minutes(row.try_get("", "p90")?),
    })
}

async fn one<C: ConnectionTrait>(db: &C, statement: Statement) -> AppResult<QueryResult> {
    db.query_one_raw(statement)
        .await?
        .ok_or_else(|| AppError::internal("an aggregate returned no row"))
}

/// Orders submitted in the period, not cancelled or rejected, and those with a breach.
async fn breaches<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
) -> AppResult<Share> {
    let backend = db.get_database_backend();
    let mut values = period_values(period);
    let filter = building_filter("building_id", building, &mut values);
    let sql = format!(
        "SELECT COUNT(*) AS whole, COALESCE(SUM(CASE WHEN response_breached OR \
         resolution_breached THEN 1 ELSE 0 END), 0) AS part FROM work_order \
         WHERE created_at >= $1 AND created_at < $2 \
         AND status NOT IN ('CANCELLED', 'REJECTED'){filter}"
    );
    let row = one(db, statement(backend, &sql, values)).await?;
    Ok(Share {
        part: row.try_get("", "part")?,
        whole: row.try_get("", "whole")?,
    })
}

/// Complaints submitted in the period that were replied to or whose reply window has passed,
/// and those first replied to within it.
async fn complaint_replies<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
    now: DateTime<Utc>,
    reply_within: Duration,
) -> AppResult<Share> {
    let backend = db.get_database_backend();
    let mut values = period_values(period);
    values.push((now - reply_within).into());
    values.push(reply_within.as_seconds_f64().into());
    let filter = building_filter("building_id", building, &mut values);
    let seconds = seconds_between(backend, "created_at", "first_replied_at");
    let sql = format!(
        "SELECT COUNT(*) AS whole, COALESCE(SUM(CASE WHEN first_replied_at IS NOT NULL \
         AND {seconds} <= $4 THEN 1 ELSE 0 END), 0) AS part FROM complaint \
         WHERE created_at >= $1 AND created_at < $2 \
         AND (first_replied_at IS NOT NULL OR created_at < $3){filter}"
    );
    let row = one(db, statement(backend, &sql, values)).await?;
    Ok(Share {
        part: row.try_get("", "part")?,
        whole: row.try_get("", "whole")?,
    })
}

/// Activities starting in the period (for a building: those whose audience is the estate or
/// names the building) by status, and their sign-ups by status.
async fn activities<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
) -> AppResult<ActivityCounts> {
    let backend = db.get_database_backend();
    let mut values = period_values(period);
    let filter = match building {
        Some(id) => {
            values.push(id.into());
            " AND EXISTS (SELECT 1 FROM activity_audience u WHERE u.activity_id = a.id \
             AND (u.scope = 'ESTATE' OR u.building_id = $3))"
        }
        None => "",
    };
    let grouped = |sql: String, values: Vec<Value>| async move {
        let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
        let mut counts = rows
            .into_iter()
            .map(|row| Ok((row.try_get("", "status")?, row.try_get("", "n")?)))
            .collect::<AppResult<Vec<(String, i64)>>>()?;
        counts.sort();
        Ok::<_, AppError>(counts)
    };
    let by_status = grouped(
        format!(
            "SELECT a.status AS status, COUNT(*) AS n FROM activity a \
             WHERE a.starts_at >= $1 AND a.starts_at < $2{filter} GROUP BY a.status"
        ),
        values.clone(),
    )
    .await?;
    let sign_ups_by_status = grouped(
        format!(
            "SELECT s.status AS status, COUNT(*) AS n FROM activity_sign_up s \
             JOIN activity a ON a.id = s.activity_id \
             WHERE a.starts_at >= $1 AND a.starts_at < $2{filter} GROUP BY s.status"
        ),
        values,
    )
    .await?;
    Ok(ActivityCounts {
        by_status,
        sign_ups_by_status,
    })
}
