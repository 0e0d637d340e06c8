//! Issue 12, item 11: an input with several invalid fields is answered with every problem at
//! once, one `BAD_USER_INPUT` error per field, on HTTP and WebSocket alike; a single problem is
//! answered exactly as before.

use resident_hub::auth::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const CREATE_USER: &str =
    "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }";
const PUBLISH: &str =
    "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }";

/// The `extensions.field` of every error, in order, after checking that each is a plain
/// `BAD_USER_INPUT` on `path` carrying nothing but its code and field.
fn bad_fields(json: &Value, path: &str) -> Vec<String> {
    assert!(json["data"].is_null(), "{json}");
    let errors = json["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"));
    errors
        .iter()
        .map(|error| {
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{json}");
            assert_eq!(error["path"], json!([path]), "{json}");
            assert!(error["locations"].is_array(), "{json}");
            assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
            let keys: Vec<&String> = error["extensions"].as_object().unwrap().keys().collect();
            assert_eq!(keys, ["code", "field"], "nothing internal leaks: {json}");
            error["extensions"]["field"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(name) && line[name.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

async fn bad_input_count(app: &TestApp) -> f64 {
    let text = app.metrics_text().await;
    metric(
        &text,
        "resident_hub_graphql_errors_total{code=\"BAD_USER_INPUT\"}",
    )
}

#[tokio::test]
async fn create_user_reports_every_invalid_field_as_its_own_error() {
    let app = TestApp::spawn().await;
    let admin = app.token(&[Role::Admin]).await;
    let (status, json) = app
        .graphql(
            CREATE_USER,
            json!({ "i": {
                "email": "not-an-email",
                "displayName": "   ",
                "password": "short",
                "roles": [],
            } }),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        bad_fields(&json, "createUser"),
        ["input.email", "input.displayName", "input.password"]
    );
    // Each error keeps its own message.
    let messages: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "is not a valid email address",
            "must not be empty",
            "must be at least 10 characters"
        ]
    );
    // Counted once per error.
    assert_eq!(bad_input_count(&app).await, 3.0);

    // A fourth bad field, the phone, is a fourth error; nothing was created.
    let json = app
        .graphql(
            CREATE_USER,
            json!({ "i": {
                "email": "ann@",
                "displayName": "Ann\u{202E}",
                "phone": "12",
                "password": "aaaaaaaaaaaa",
                "roles": [],
            } }),
            Some(&admin),
        )
        .await
        .1;
    assert_eq!(
        bad_fields(&json, "createUser"),
        [
            "input.email",
            "input.displayName",
            "input.phone",
            "input.password"
        ]
    );
    assert_eq!(bad_input_count(&app).await, 7.0);
}

#[tokio::test]
async fn a_single_invalid_field_is_answered_exactly_as_before() {
    let app = TestApp::spawn().await;
    let admin = app.token(&[Role::Admin]).await;
    let (status, json) = app
        .graphql(
            CREATE_USER,
            json!({ "i": {
                "email": "not-an-email",
                "displayName": "Ann",
                "password": "a-long-enough-password",
                "roles": [],
            } }),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        json,
        json!({
            "data": null,
            "errors": [{
                "message": "is not a valid email address",
                "locations": [{ "line": 1, "column": 34 }],
                "path": ["createUser"],
                "extensions": { "code": "BAD_USER_INPUT", "field": "input.email" },
            }],
        })
    );
    assert_eq!(bad_input_count(&app).await, 1.0);
}

#[tokio::test]
async fn publish_notice_reports_every_invalid_field_and_publishes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token(&[Role::Admin]).await;
    let past = (app.state.clock.now() - chrono::Duration::hours(1)).to_rfc3339();
    let json = app
        .graphql(
            PUBLISH,
            json!({ "i": {
                "title": "",
                "body": "x".repeat(20_001),
                "kind": "GENERAL",
                "audience": { "buildingIds": ["nope"], "unitIds": ["also-nope"] },
                "expiresAt": past,
                "supersedes": "not-an-id",
            } }),
            Some(&admin),
        )
        .await
        .1;
    assert_eq!(
        bad_fields(&json, "publishNotice"),
        [
            "input.title",
            "input.body",
            "input.audience.buildingIds",
            "input.audience.unitIds",
            "input.expiresAt",
            "input.supersedes"
        ]
    );
    // An empty audience is one of the problems too, beside the others.
    let json = app
        .graphql(
            PUBLISH,
            json!({ "i": {
                "title": "Lift\u{0}",
                "body": "ok",
                "kind": "GENERAL",
                "audience": {},
            } }),
            Some(&admin),
        )
        .await
        .1;
    assert_eq!(
        bad_fields(&json, "publishNotice"),
        ["input.title", "input.audience"]
    );
    let board = app
        .graphql("{ notices { totalCount } }", json!({}), Some(&admin))
        .await
        .1;
    assert_eq!(board["data"]["notices"]["totalCount"], 0, "{board}");
}

#[tokio::test]
async fn every_invalid_field_arrives_over_websocket_too() {
    let app = TestApp::spawn().await;
    let admin = app.token(&[Role::Admin]).await;
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {admin}") }))
        .await;
    ws.subscribe(
        "m",
        "mutation($i: CreateBuildingInput!) { createBuilding(input: $i) { building { id } } }",
        json!({ "i": { "name": "", "address": "a\u{0}b", "serviceCentreHours": "x".repeat(201) } }),
    )
    .await;
    let next = ws.recv().await;
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(
        bad_fields(&next["payload"], "createBuilding"),
        ["input.name", "input.address", "input.serviceCentreHours"]
    );
    assert_eq!(ws.recv().await["type"], "complete");
    assert_eq!(bad_input_count(&app).await, 3.0);
}

#[tokio::test]
async fn a_wrong_current_password_and_a_weak_new_one_are_reported_together() {
    let app = TestApp::spawn().await;
    let user = app.user(&[Role::Resident]).await;
    let json = app
        .graphql(
            "mutation { changePassword(input: { currentPassword: \"wrong\", newPassword: \"aaaaaaaaaaaa\" }) { user { id } } }",
            json!({}),
            Some(&user.token),
        )
        .await
        .1;
    assert_eq!(
        bad_fields(&json, "changePassword"),
        ["input.currentPassword", "input.newPassword"]
    );
}
