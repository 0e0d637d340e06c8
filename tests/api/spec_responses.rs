//! Responses exactly as the GraphQL specification shapes them: keys in selection order and
//! nulls propagated to the nearest nullable parent, over HTTP and WebSocket.

use resident_hub::auth::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The response body as text, to see the order of keys.
async fn raw(app: &TestApp, query: &str, token: &str) -> String {
    let response = app
        .http
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("send");
    response.text().await.expect("body")
}

#[tokio::test]
async fn keys_come_back_in_selection_order_over_http_and_websocket() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Resident]).await;
    // `viewer` waits for the database, `__typename` does not: resolved concurrently, the
    // quick one finishes first, yet the selection puts it last.
    let query = "{ viewer { roles id } last: __typename }";
    let body = raw(&app, query, &token).await;
    let viewer = body.find("\"viewer\"").expect(&body);
    let last = body.find("\"last\"").expect(&body);
    assert!(viewer < last, "{body}");
    let roles = body.find("\"roles\"").unwrap();
    let id = body.find("\"id\"").unwrap();
    assert!(roles < id, "{body}");

    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws.subscribe("q", query, json!({})).await;
    let next = ws.recv().await;
    assert_eq!(next["type"], "next", "{next}");
    let keys: Vec<&String> = next["payload"]["data"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["viewer", "last"], "{next}");
    let keys: Vec<&String> = next["payload"]["data"]["viewer"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["roles", "id"], "{next}");
}

#[tokio::test]
async fn a_failed_non_null_root_field_makes_data_null() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Resident]).await;
    let missing = uuid::Uuid::now_v7();
    let (status, json) = app
        .graphql(
            &format!("{{ viewer {{ id }} notice(id: \"{missing}\") {{ id }} }}"),
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    // `notice` is `Notice!`: its null reaches `data`, which is null as a whole.
    assert_eq!(json["data"], Value::Null, "{json}");
    assert!(json.as_object().unwrap().contains_key("data"), "{json}");
    assert_eq!(json["errors"][0]["path"], json!(["notice"]), "{json}");
    assert_eq!(json["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn a_failed_nullable_field_is_present_as_null_beside_its_siblings() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Resident]).await;
    // `node` is nullable: a malformed id fails it alone.
    let (status, json) = app
        .graphql(
            "{ node(id: \"nope\") { id } viewer { id } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    let data = json["data"].as_object().expect("data stays an object");
    assert!(data.contains_key("node"), "the key is present: {json}");
    assert_eq!(data["node"], Value::Null);
    assert!(data["viewer"]["id"].is_string(), "{json}");
    assert_eq!(json["errors"][0]["path"], json!(["node"]), "{json}");
}
