//! Access in one place: the scope's facets load only when a request needs them, once per
//! request. Counted on the statements a request runs (see `TestApp::sql_of`).

use resident_hub::auth::AuthenticatedUser;
use serde_json::json;

use crate::{
    estate::user_by_email,
    helpers::{TEST_TOKEN_TTL, TestApp},
};

/// The tables the resident and staff facets read.
const FACET_TABLES: [&str; 3] = [
    "FROM \"residency\"",
    "FROM \"staff_record\"",
    "FROM \"staff_building\"",
];

/// A token for the demo account `email` (roles come from the database, as for every request).
async fn token_for(app: &TestApp, email: &str) -> String {
    let user = user_by_email(app, email).await;
    app.state
        .tokens
        .issue(
            &AuthenticatedUser {
                id: user.id,
                roles: vec![],
            },
            app.state.clock.now(),
            TEST_TOKEN_TTL,
        )
        .unwrap()
}

/// How many statements read `table`.
fn reads(sql: &[String], table: &str) -> usize {
    sql.iter().filter(|s| s.contains(table)).count()
}

/// The demo estate with its notices (so the resident's inbox and board are not empty).
async fn demo() -> TestApp {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    app
}

#[tokio::test]
async fn a_request_that_needs_no_facet_runs_no_access_query() {
    let app = demo().await;
    let resident = token_for(&app, "resident1@demo.test").await;
    let query = "{ viewer { displayName } notifications(first: 5) { edges { node { id } } } }";
    let sql = app.sql_of(query, json!({}), &resident).await;
    eprintln!(
        "{} statements for the name and the inbox: {sql:#?}",
        sql.len()
    );
    for table in FACET_TABLES {
        assert_eq!(reads(&sql, table), 0, "{table} read: {sql:#?}");
    }
    // The caller's user and roles (one statement, reused for `viewer`) and the inbox page.
    assert!(sql.len() <= 5, "{} statements: {sql:#?}", sql.len());
}

#[tokio::test]
async fn facets_load_once_per_request_and_only_when_read() {
    let app = demo().await;
    let resident = token_for(&app, "resident1@demo.test").await;
    // Three fields that each need the resident facet; the staff facet needs the STAFF role.
    let query = "{ notices(first: 10) { edges { node { id } } } buildings(first: 10) { edges { node { id } } } units(first: 10) { edges { node { id } } } }";
    let sql = app.sql_of(query, json!({}), &resident).await;
    assert_eq!(reads(&sql, FACET_TABLES[0]), 1, "{sql:#?}");
    assert_eq!(reads(&sql, FACET_TABLES[1]), 0, "{sql:#?}");

    let notices = "{ notices(first: 10) { edges { node { id title } } } }";
    let sql = app.sql_of(notices, json!({}), &resident).await;
    eprintln!(
        "{} statements for a resident's notices(first: 10)",
        sql.len()
    );

    let manager = token_for(&app, "staff12@demo.test").await;
    let sql = app.sql_of(query, json!({}), &manager).await;
    assert_eq!(reads(&sql, FACET_TABLES[1]), 1, "{sql:#?}");
    assert_eq!(reads(&sql, FACET_TABLES[2]), 1, "{sql:#?}");

    // Administrators see everything: no facet at all.
    let admin = token_for(&app, "admin@demo.test").await;
    let sql = app.sql_of(query, json!({}), &admin).await;
    for table in FACET_TABLES {
        assert_eq!(reads(&sql, table), 0, "{table} read: {sql:#?}");
    }
}

#[tokio::test]
async fn the_viewer_field_reuses_the_user_the_token_check_loaded() {
    let app = demo().await;
    let token = token_for(&app, "resident1@demo.test").await;
    let sql = app
        .sql_of(
            "{ viewer { id email displayName roles } }",
            json!({}),
            &token,
        )
        .await;
    // The token check (user, roles and access version, its session not revoked): one
    // statement, nothing more.
    assert_eq!(sql.len(), 1, "{sql:#?}");
    assert_eq!(reads(&sql, "user_account"), 1, "{sql:#?}");
}
