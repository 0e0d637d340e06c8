//! Operational endpoints, CORS, the playground and request ids.

use resident_hub::config::DEFAULT_ASSETS_URL;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness_report_database_and_bus() {
    let app = TestApp::spawn().await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let json: Value = ready.json().await.unwrap();
    assert_eq!(json["status"], "ready");
    assert_eq!(json["database"]["status"], "up");
    assert_eq!(json["eventBus"]["status"], "up");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.clone().close().await.unwrap();
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let json: Value = ready.json().await.unwrap();
    assert_eq!(json["database"]["status"], "down");
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(name) && line[name.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("metric {name} missing"))
}

#[tokio::test]
async fn metrics_count_operations_errors_and_sockets() {
    let app = TestApp::spawn().await;
    app.graphql("{ serverInfo { version } }", json!({}), None)
        .await;
    app.graphql("{ serverInfo { nope } }", json!({}), None)
        .await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    let text = app.metrics_text().await;
    assert_eq!(
        metric(
            &text,
            "resident_hub_graphql_requests_total{operation=\"query\"}"
        ),
        2.0
    );
    assert_eq!(
        metric(
            &text,
            "resident_hub_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\"}"
        ),
        1.0
    );
    assert_eq!(metric(&text, "resident_hub_websockets_open"), 1.0);
    assert_eq!(
        metric(
            &text,
            "resident_hub_graphql_request_duration_seconds_count{operation=\"query\"}"
        ),
        2.0
    );
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = TestApp::builder()
        .config(|c| c.cors_origins = vec!["https://app.example.org".to_owned()])
        .spawn()
        .await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example.org").await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.org"
    );
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed_headers.contains("authorization"));
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let default = TestApp::spawn().await;
    let response = default
        .http
        .post(default.url("/graphql"))
        .header("origin", "https://app.example.org")
        .json(&json!({ "query": "{ serverInfo { version } }" }))
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn the_playground_is_served_to_browsers_with_configurable_assets() {
    let app = TestApp::spawn().await;
    let page = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("GraphiQL"));
    assert!(html.contains(&format!("{DEFAULT_ASSETS_URL}/graphiql@")));
    assert!(
        html.contains("graphqlWs.createClient"),
        "subscriptions are wired to the WebSocket"
    );

    let app = TestApp::builder()
        .config(|c| c.playground_assets_url = "/static/vendor".to_owned())
        .spawn()
        .await;
    let html = app
        .http
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("src=\"/static/vendor/graphiql@"));
    assert!(!html.contains(DEFAULT_ASSETS_URL));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert!(!id.is_empty());
}

#[tokio::test]
async fn a_query_that_needs_no_data_runs_no_sql() {
    let app = TestApp::spawn().await;
    let before = app.statements.load(std::sync::atomic::Ordering::Relaxed);
    let (status, _) = app
        .graphql(
            "{ serverInfo { version database eventBus } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.statements.load(std::sync::atomic::Ordering::Relaxed),
        before
    );
}

#[tokio::test]
async fn instances_starting_together_migrate_an_empty_database_safely() {
    let Some(admin) = crate::helpers::test_database_url() else {
        eprintln!("skipped: set TEST_DATABASE_URL to run the concurrent-migration test");
        return;
    };
    use resident_hub::{
        app::{Application, BuildOptions},
        config::{Config, DatabaseConfig},
    };
    use sea_orm::ConnectionTrait;
    let name = format!("rh_test_{}", uuid::Uuid::now_v7().simple());
    crate::helpers::admin_execute(&admin, &format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = || {
        let mut config = Config::embedded(dir.path(), "127.0.0.1:0".parse().unwrap());
        config.database = DatabaseConfig::Postgres(crate::helpers::with_database(&admin, &name));
        config.jwt_secret = Some("x".repeat(32));
        config
    };
    let (a, b, c) = tokio::join!(
        Application::build(config(), BuildOptions::default()),
        Application::build(config(), BuildOptions::default()),
        Application::build(config(), BuildOptions::default()),
    );
    let (a, _b, _c) = (a.unwrap(), b.unwrap(), c.unwrap());
    let row = a
        .state()
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT COUNT(*) AS n FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let applied: i64 = row.try_get("", "n").unwrap();
    use migration::MigratorTrait;
    assert_eq!(applied as usize, migration::Migrator::migrations().len());
    drop((a, _b, _c));
    crate::helpers::admin_execute(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
    .unwrap();
}
