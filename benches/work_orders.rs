//! Work-order benchmark, on SQLite and on PostgreSQL: (a) the latency of one page of 50 work
//! orders with the fields a dispatcher's list shows, for an administrator and a manager; (b)
//! grabbing: 50 staff grabbing 50 different orders at once, and rounds of 20 staff grabbing one
//! order at once (exactly one may win each); (c) the SLA sweep over 1,000 open orders, when
//! nothing is due and when every order comes due at once. Not a test: run it on purpose, on a
//! quiet machine.
//!
//! ```sh
//! cargo bench --bench work_orders                        # SQLite, then PostgreSQL on 127.0.0.1
//! BENCH_BACKENDS=sqlite cargo bench --bench work_orders  # one backend
//! BENCH_RUNS=50 BENCH_OPEN_ORDERS=200 cargo bench --bench work_orders   # a smaller run
//! ```
//!
//! Each backend gets a server of its own, in this process (so the sweep can be timed directly
//! and the clock moved), on the demo estate (`--demo`): a fresh SQLite file, or a database of its
//! own (`rh_bench_wo_<pid>`) next to `BENCH_DATABASE_URL`'s (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped at the end. Requests go over HTTP on
//! the loopback, from the same two cores.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use resident_hub::{
    app::{AppState, Application, BuildOptions},
    auth::{AuthenticatedUser, Role},
    clock::Clock,
    config::{Config, DatabaseConfig},
    domains::{
        estate::access::Scope,
        work_orders::{
            service::{NewRating, NewWorkOrder, WorkOrderService},
            sla::WorkOrderSla,
        },
    },
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, Statement,
};
use serde_json::{Value, json};
use uuid::Uuid;

const LIST: &str = "{ workOrders(first: 50) { edges { node { id number status requesterName \
    unit { number } building { name } assignee { displayName user { id } } category { name } \
    timeline(last: 3) { action at } rating { score } } } } }";

fn with_database(url: &str, name: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{name}")
}

async fn admin_sql(url: &str, sql: &str) {
    let conn = Database::connect(url).await.unwrap();
    conn.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap();
    conn.close().await.unwrap();
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One server on one backend, and what the bench needs to drive it.
struct Bench {
    state: AppState,
    base: String,
    http: reqwest::Client,
    stop: tokio_util::sync::CancellationToken,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Bench {
    async fn start(database: DatabaseConfig, dir: &std::path::Path) -> Bench {
        let mut config = Config::embedded(dir, "127.0.0.1:0".parse().unwrap());
        config.database = database;
        config.jwt_secret = Some("bench-secret-bench-secret-bench-secret-0123".to_owned());
        config.admin_email = "admin@bench.test".to_owned();
        config.admin_password = Some("bench-admin-password".to_owned());
        config.db_max_connections = 20;
        config.demo = true;
        // The sweep is timed by calling it; the scheduler must not run it meanwhile.
        config.scheduler_interval = Duration::from_secs(24 * 3600);
        let app = Application::build(
            config,
            BuildOptions {
                clock: Some(Clock::system()),
                ..BuildOptions::default()
            },
        )
        .await
        .unwrap();
        let state = app.state().clone();
        let base = format!("http://{}", app.local_addr());
        let stop = app.shutdown_token();
        let server = tokio::spawn(app.run_until_stopped());
        Bench {
            state,
            base,
            http: reqwest::Client::new(),
            stop,
            server,
        }
    }

    async fn user(&self, email: &str) -> Uuid {
        entity::user::Entity::find()
            .filter(entity::user::Column::Email.eq(email))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{email}"))
            .id
    }

    fn token(&self, user: Uuid) -> String {
        self.state
            .tokens
            .issue(
                &AuthenticatedUser {
                    id: user,
                    roles: vec![],
                },
                self.state.clock.now(),
                chrono::Duration::hours(1),
            )
            .unwrap()
    }

    async fn scope(&self, user: Uuid) -> Scope {
        Scope::load_user(&self.state.db, user, self.state.clock.today())
            .await
            .unwrap()
    }

    async fn category(&self, code: &str) -> Uuid {
        entity::service_category::Entity::find()
            .filter(entity::service_category::Column::Code.eq(code))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// One GraphQL request: its answer and how long it took.
    async fn graphql(&self, token: &str, query: &str, variables: Value) -> (Value, f64) {
        let started = Instant::now();
        let json: Value = self
            .http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (json, started.elapsed().as_secs_f64() * 1000.0)
    }

    /// Submits an order as the administrator on `requester`'s behalf, for their home.
    async fn submit(
        &self,
        admin: &Scope,
        requester: Uuid,
        category: Uuid,
        title: String,
    ) -> entity::work_order::Model {
        let unit = entity::residency::Entity::find()
            .filter(entity::residency::Column::UserId.eq(requester))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
            .unit_id;
        WorkOrderService::new(&self.state)
            .create(
                admin,
                NewWorkOrder {
                    category_id: category,
                    unit_id: Some(unit),
                    building_id: None,
                    location: None,
                    title,
                    description: "Benchmark order.".to_owned(),
                    priority: None,
                    channel: None,
                    on_behalf_of: Some(requester),
                    offering_id: None,
                    slot_id: None,
                    household_member_id: None,
                    asset_id: None,
                },
            )
            .await
            .unwrap()
            .order
    }

    /// Adds `n` active cleaners serving both buildings in housekeeping; returns their users.
    async fn add_cleaners(&self, n: usize) -> Vec<Uuid> {
        let db = &self.state.db;
        let now = self.state.clock.now();
        let buildings: Vec<Uuid> = entity::building::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.id)
            .collect();
        let mut users = Vec::new();
        for i in 0..n {
            let (user, staff) = (Uuid::now_v7(), Uuid::now_v7());
            entity::user::Entity::insert(entity::user::ActiveModel {
                id: Set(user),
                email: Set(format!("cleaner{i}@bench.test")),
                phone: Set(None),
                display_name: Set(format!("Cleaner {i}")),
                password_hash: Set("x".into()),
                status: Set("ACTIVE".into()),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(db)
            .await
            .unwrap();
            entity::user_role::Entity::insert(entity::user_role::ActiveModel {
                user_id: Set(user),
                role: Set(Role::Staff.as_str().to_owned()),
            })
            .exec_without_returning(db)
            .await
            .unwrap();
            entity::staff_record::Entity::insert(entity::staff_record::ActiveModel {
                id: Set(staff),
                user_id: Set(user),
                post: Set("CLEANER".into()),
                employee_number: Set(format!("B-{i:04}")),
                hire_date: Set(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
                status: Set("ACTIVE".into()),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(db)
            .await
            .unwrap();
            entity::staff_building::Entity::insert_many(buildings.iter().map(|b| {
                entity::staff_building::ActiveModel {
                    staff_id: Set(staff),
                    building_id: Set(*b),
                }
            }))
            .exec_without_returning(db)
            .await
            .unwrap();
            entity::staff_category::Entity::insert(entity::staff_category::ActiveModel {
                staff_id: Set(staff),
                category: Set("HOUSEKEEPING".into()),
            })
            .exec_without_returning(db)
            .await
            .unwrap();
            users.push(user);
        }
        users
    }

    async fn stop(self) {
        self.stop.cancel();
        let _ = self.server.await;
    }
}

/// Grabs each `(staff token, order)` pair at once; returns each answer's error code (`OK` for a
/// win), each request's time, and the wall time of the whole burst.
async fn grab_all(bench: &Bench, pairs: &[(String, Uuid)]) -> (Vec<String>, Vec<f64>, f64) {
    let started = Instant::now();
    let answers = futures_util::future::join_all(pairs.iter().map(|(token, order)| {
        bench.graphql(
            token,
            "mutation($i: WorkOrderActionInput!) { grabWorkOrder(input: $i) { workOrder { status } } }",
            json!({ "i": { "id": order } }),
        )
    }))
    .await;
    let wall = started.elapsed().as_secs_f64() * 1000.0;
    let mut codes = Vec::new();
    let mut times = Vec::new();
    for (json, ms) in answers {
        codes.push(
            json["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("OK")
                .to_owned(),
        );
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    (codes, times, wall)
}

async fn run(label: &str, database: DatabaseConfig) {
    let runs = env_usize("BENCH_RUNS", 200);
    let open_orders = env_usize("BENCH_OPEN_ORDERS", 1000);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let bench = Bench::start(database, dir.path()).await;
    let db = bench.state.db.clone();
    println!(
        "[{label}] demo estate seeded and server up in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let admin_user = bench.user("admin@demo.test").await;
    let admin = bench.scope(admin_user).await;
    let residents: Vec<Uuid> = {
        let mut ids = Vec::new();
        for i in 1..=28 {
            ids.push(bench.user(&format!("resident{i}@demo.test")).await);
        }
        ids
    };

    // (a) A page of 50 orders: the 10 demo orders and 50 more over every dispatch mode, a third
    // of the plumbing ones resolved and rated.
    let codes = [
        "PLUMBING",
        "HOME_CLEANING",
        "GREENING",
        "ELECTRICAL",
        "HEALTH_CHECK",
    ];
    let mut categories = HashMap::new();
    for code in codes {
        categories.insert(code, bench.category(code).await);
    }
    let service = WorkOrderService::new(&bench.state);
    for i in 0..50 {
        let requester = residents[i % residents.len()];
        let order = bench
            .submit(
                &admin,
                requester,
                categories[codes[i % codes.len()]],
                format!("Listed {i}"),
            )
            .await;
        if i % 15 == 0
            && let Some(staff) = order.assignee_id
        {
            let record = entity::staff_record::Entity::find_by_id(staff)
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            let assignee = bench.scope(record.user_id).await;
            service.accept(&assignee, order.id, None).await.unwrap();
            service.start(&assignee, order.id, None).await.unwrap();
            service
                .resolve(&assignee, order.id, "Done.".to_owned(), None, None)
                .await
                .unwrap();
            let rater = bench.scope(requester).await;
            service
                .rate(
                    &rater,
                    order.id,
                    NewRating {
                        score: 4,
                        speed: None,
                        attitude: None,
                        quality: None,
                        tags: Vec::new(),
                        comment: None,
                        not_fixed: false,
                    },
                )
                .await
                .unwrap();
        }
    }
    for (role, email) in [
        ("administrator", "admin@demo.test"),
        ("manager", "staff12@demo.test"),
    ] {
        let token = bench.token(bench.user(email).await);
        for _ in 0..10 {
            let (json, _) = bench.graphql(&token, LIST, json!({})).await;
            assert!(json["errors"].is_null(), "{json}");
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (json, ms) = bench.graphql(&token, LIST, json!({})).await;
            assert_eq!(
                json["data"]["workOrders"]["edges"].as_array().map(Vec::len),
                Some(50),
                "{json}"
            );
            times.push(ms);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "[{label}] (a) workOrders(first: 50) as {role}, {runs} runs: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.last().copied().unwrap_or(f64::NAN),
        );
    }

    // (b) Grabbing. 50 cleaners, 50 unassigned cleaning orders, each cleaner its own order.
    let cleaners = bench.add_cleaners(50).await;
    let tokens: Vec<String> = cleaners.iter().map(|u| bench.token(*u)).collect();
    let cleaning = categories["HOME_CLEANING"];
    let mut orders = Vec::new();
    for i in 0..50 {
        let order = bench
            .submit(
                &admin,
                residents[i % residents.len()],
                cleaning,
                format!("Grab {i}"),
            )
            .await;
        orders.push(order.id);
    }
    let pairs: Vec<(String, Uuid)> = tokens.iter().cloned().zip(orders.iter().copied()).collect();
    let (codes_, times, wall) = grab_all(&bench, &pairs).await;
    let won = codes_.iter().filter(|c| *c == "OK").count();
    let mut grabs_per_order = Vec::new();
    for order in &orders {
        grabs_per_order.push(
            entity::work_order_entry::Entity::find()
                .filter(entity::work_order_entry::Column::WorkOrderId.eq(*order))
                .filter(entity::work_order_entry::Column::Action.eq("GRAB"))
                .count(&db)
                .await
                .unwrap(),
        );
    }
    let others: Vec<&String> = codes_.iter().filter(|c| *c != "OK").collect();
    println!(
        "[{label}] (b) 50 staff grabbing 50 different orders at once: {won}/50 won, every order grabbed once: {}, in {:.0} ms ({:.0} grabs/s); per request p50 {:.0} ms, p99 {:.0} ms{}",
        grabs_per_order.iter().all(|n| *n == 1),
        wall,
        50.0 / (wall / 1000.0),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        if others.is_empty() {
            String::new()
        } else {
            format!("; failures: {others:?}")
        },
    );

    // Rounds of 20 cleaners (a different 20 each round) grabbing one order at once.
    const ROUNDS: usize = 10;
    let mut exactly_one = 0;
    let mut losers_conflict = true;
    let mut walls = Vec::new();
    let mut all_times = Vec::new();
    for round in 0..ROUNDS {
        let order = bench
            .submit(
                &admin,
                residents[round],
                cleaning,
                format!("Contested {round}"),
            )
            .await;
        let pairs: Vec<(String, Uuid)> = (0..20)
            .map(|k| (tokens[(round * 20 + k) % tokens.len()].clone(), order.id))
            .collect();
        let (codes_, times, wall) = grab_all(&bench, &pairs).await;
        let won = codes_.iter().filter(|c| *c == "OK").count();
        exactly_one += usize::from(won == 1);
        losers_conflict &= codes_.iter().all(|c| c == "OK" || c == "CONFLICT");
        if !codes_.iter().all(|c| c == "OK" || c == "CONFLICT") {
            println!("[{label}]     round {round}: {codes_:?}");
        }
        walls.push(wall);
        all_times.extend(times);
    }
    walls.sort_by(f64::total_cmp);
    all_times.sort_by(f64::total_cmp);
    println!(
        "[{label}] (b) 20 staff grabbing one order at once, {ROUNDS} rounds: exactly one winner in {exactly_one}/{ROUNDS}, every loser CONFLICT: {losers_conflict}; a round takes p50 {:.0} ms (max {:.0}), {:.0} grab attempts/s; per request p50 {:.0} ms, p99 {:.0} ms",
        percentile(&walls, 0.5),
        walls.last().copied().unwrap_or(f64::NAN),
        (20 * ROUNDS) as f64 / (walls.iter().sum::<f64>() / 1000.0),
        percentile(&all_times, 0.5),
        percentile(&all_times, 0.99),
    );

    // (c) The SLA sweep over `open_orders` more open orders (garden work, assigned by hand, so
    // they stay unassigned): default priority LOW, response due in 16 h, warned 4 h before.
    let greening = categories["GREENING"];
    let started = Instant::now();
    for i in 0..open_orders {
        bench
            .submit(
                &admin,
                residents[i % residents.len()],
                greening,
                format!("Open {i}"),
            )
            .await;
    }
    let open_statuses = [
        "SUBMITTED",
        "ASSIGNED",
        "ACCEPTED",
        "IN_PROGRESS",
        "ON_HOLD",
    ];
    let open_now = entity::work_order::Entity::find()
        .filter(entity::work_order::Column::Status.is_in(open_statuses))
        .count(&db)
        .await
        .unwrap();
    println!(
        "[{label}] (c) {open_orders} orders submitted through the service in {:.1} s; {open_now} open orders in all",
        started.elapsed().as_secs_f64()
    );
    // One sweep, as the scheduler runs it, timed.
    let sweep = || async {
        let started = Instant::now();
        let done = bench
            .state
            .jobs
            .run_now(&bench.state, WorkOrderSla::NAME)
            .await
            .unwrap();
        (started.elapsed().as_secs_f64() * 1000.0, done)
    };
    let mut idle = Vec::new();
    for _ in 0..5 {
        idle.push(sweep().await.0);
    }
    idle.sort_by(f64::total_cmp);
    let notifications = || async {
        entity::notification::Entity::find()
            .filter(entity::notification::Column::SubjectType.eq("WORK_ORDER"))
            .count(&db)
            .await
            .unwrap()
    };
    let before = notifications().await;
    // Past the response warning of every new order (16 h due, warned 4 h before).
    bench.state.clock.advance(chrono::Duration::hours(13));
    let (warned, warnings) = sweep().await;
    let after_warnings = notifications().await;
    // Past the response due time of every new order.
    bench.state.clock.advance(chrono::Duration::hours(4));
    let (breached, breaches) = sweep().await;
    let after_breaches = notifications().await;
    let (again, _) = sweep().await;
    println!(
        "[{label}] (c) SLA sweep over {open_now} open orders: nothing due: median {:.0} ms (min {:.0}, max {:.0}); all warned at once: {:.0} ms ({warnings} claims, {} notifications); all breached at once: {:.0} ms ({breaches} claims, {} notifications, escalated); the next sweep: {:.0} ms",
        percentile(&idle, 0.5),
        idle[0],
        idle[idle.len() - 1],
        warned,
        after_warnings - before,
        breached,
        after_breaches - after_warnings,
        again,
    );
    bench.stop().await;
}

#[tokio::main]
async fn main() {
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    for backend in backends.split(',').map(str::trim) {
        match backend {
            "sqlite" => {
                let dir = tempfile::tempdir().unwrap();
                run(
                    "SQLite",
                    DatabaseConfig::Sqlite(dir.path().join("bench.db")),
                )
                .await;
            }
            "postgres" => {
                let admin_url = std::env::var("BENCH_DATABASE_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
                let name = format!("rh_bench_wo_{}", std::process::id());
                admin_sql(
                    &admin_url,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await;
                admin_sql(&admin_url, &format!("CREATE DATABASE {name}")).await;
                run(
                    "PostgreSQL",
                    DatabaseConfig::Postgres(with_database(&admin_url, &name)),
                )
                .await;
                admin_sql(
                    &admin_url,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await;
            }
            other => panic!("unknown backend {other} (sqlite, postgres)"),
        }
    }
}
