//! graphql-transport-ws on `/graphql`: the handshake, every close code, pings, and delivery.

use std::time::Duration;

use resident_hub::auth::Role;
use serde_json::json;

use crate::helpers::{TestApp, WsClient};

const PINGS: &str =
    "subscription($after: String) { pings(after: $after) { cursor ping { message } } }";
const PING: &str = "mutation Ping($m: String!) { ping(input: { message: $m }) { ping { id } } }";

async fn send_ping(app: &TestApp, token: &str, message: &str) -> String {
    let (status, json) = app
        .graphql(PING, json!({ "m": message }), Some(token))
        .await;
    assert_eq!(status, 200, "{json}");
    json["data"]["ping"]["ping"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_subscriber_receives_pings_live_until_it_completes() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Admin]).await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.subscribe("s1", PINGS, json!({})).await;
    // The subscription is live once a ping sent now arrives (bounded retries).
    let first = ws.warm_up_pings(&app, &token).await;
    assert_eq!(first["id"], "s1");
    assert_eq!(first["type"], "next");
    // Live and in order: the next message is the next ping.
    send_ping(&app, &token, "second").await;
    let second = ws.recv().await;
    assert_eq!(second["id"], "s1");
    assert_eq!(
        second["payload"]["data"]["pings"]["ping"]["message"],
        "second"
    );
    ws.send(json!({ "id": "s1", "type": "complete" })).await;
    // A query on the same socket still works after the subscription ended.
    ws.subscribe("q1", "{ serverInfo { database } }", json!({}))
        .await;
    // Nothing more comes for the completed subscription: the next two messages are the query's.
    let mut seen = Vec::new();
    for _ in 0..2 {
        let message = ws.recv().await;
        assert_eq!(message["id"], "q1", "{message}");
        seen.push(message["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["next", "complete"]);
}

#[tokio::test]
async fn a_cursor_replays_missed_pings_in_order_then_continues_live() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Staff]).await;
    let first = send_ping(&app, &token, "one").await;
    send_ping(&app, &token, "two").await;
    send_ping(&app, &token, "three").await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.subscribe("s", PINGS, json!({ "after": first })).await;
    let mut messages = Vec::new();
    for _ in 0..2 {
        let message = ws.recv().await;
        messages.push(
            message["payload"]["data"]["pings"]["ping"]["message"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(messages, ["two", "three"]);
    send_ping(&app, &token, "four").await;
    let live = ws.recv().await;
    assert_eq!(live["payload"]["data"]["pings"]["ping"]["message"], "four");
}

#[tokio::test]
async fn a_validation_error_is_an_error_message_without_complete() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws().await;
    ws.init(json!(null)).await;
    ws.subscribe("bad", "subscription { nope }", json!({}))
        .await;
    let message = ws.recv().await;
    assert_eq!(message["type"], "error");
    assert_eq!(message["id"], "bad");
    assert_eq!(
        message["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    // The id is free again and the socket still serves.
    ws.subscribe("bad", "{ serverInfo { version } }", json!({}))
        .await;
    assert_eq!(ws.recv().await["type"], "next");
    assert_eq!(ws.recv().await["type"], "complete");
}

#[tokio::test]
async fn messages_many_times_the_read_buffer_arrive_whole() {
    const QUERY: &str = "{ serverInfo { database } }";
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Admin]).await;
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    // 64 KiB of comment ahead of the document: one message, 64 times the socket's read buffer.
    let padded = format!("# {}\n{QUERY}", "x".repeat(64 * 1024));
    ws.subscribe("big", &padded, json!({})).await;
    let big = ws.recv().await;
    assert_eq!(
        (&big["id"], &big["type"]),
        (&json!("big"), &json!("next")),
        "{big}"
    );
    let database = big["payload"]["data"]["serverInfo"]["database"].clone();
    assert!(database.is_string(), "{big}");
    assert_eq!(ws.recv().await["type"], "complete");
    // Small messages after it are read as before.
    ws.subscribe("small", QUERY, json!({})).await;
    let small = ws.recv().await;
    assert_eq!(small["id"], "small", "{small}");
    assert_eq!(small["payload"]["data"]["serverInfo"]["database"], database);
    assert_eq!(ws.recv().await["type"], "complete");
}

#[tokio::test]
async fn garbage_is_closed_with_4400_and_a_short_reason() {
    let app = TestApp::spawn().await;
    for garbage in [
        "not json at all".to_owned(),
        json!({ "type": "unheard_of" }).to_string(),
        json!({ "type": "subscribe", "id": 1 }).to_string(),
        format!("{{\"type\":\"{}\"}}", "x".repeat(500)),
    ] {
        let mut ws = app.ws().await;
        ws.send_text(&garbage).await;
        let closed = ws.closed().await;
        assert_eq!(closed.code, 4400, "{garbage}");
        assert!(closed.reason.len() <= 123);
    }
    // The server is still up.
    let (status, _) = app
        .graphql("{ serverInfo { version } }", json!({}), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn subscribing_before_the_ack_is_closed_with_4401() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws().await;
    ws.subscribe("s", PINGS, json!({})).await;
    assert_eq!(ws.closed().await.code, 4401);
}

#[tokio::test]
async fn a_rejected_token_is_closed_with_4403_and_a_valid_one_is_acknowledged() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws().await;
    ws.send(
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer not-a-token" } }),
    )
    .await;
    assert_eq!(ws.closed().await.code, 4403);

    let token = app.token(&[Role::Resident]).await;
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
}

#[tokio::test]
async fn a_credential_under_an_unknown_key_is_refused_not_served_anonymously() {
    let app = TestApp::spawn().await;
    let token = app.token(&[Role::Resident]).await;
    for payload in [
        json!({ "token": token }),
        json!({ "accessToken": token }),
        json!({ "headers": { "Authorization": format!("Bearer {token}") } }),
    ] {
        let mut ws = app.ws().await;
        ws.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let closed = ws.closed().await;
        assert_eq!(closed.code, 4403, "{payload}");
        assert!(closed.reason.contains("Authorization"), "{closed:?}");
    }
    // Keys that carry no credential are ignored; an empty payload is anonymous.
    let mut ws = app.ws().await;
    ws.init(json!({ "locale": "en", "Authorization": format!("Bearer {token}") }))
        .await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
}

#[tokio::test]
async fn a_client_close_is_answered_with_a_close_frame() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.subscribe("s", PINGS, json!({})).await;
    let closed = ws.close_cleanly(1000, "done").await;
    assert_eq!(closed.code, 1000, "the server echoes the client's code");
}

#[tokio::test]
async fn a_silent_client_is_closed_with_4408() {
    let app = TestApp::builder()
        .config(|c| c.ws_init_timeout = Duration::from_millis(200))
        .spawn()
        .await;
    let mut ws = app.ws().await;
    let closed = ws.closed().await;
    assert_eq!(closed.code, 4408);
}

#[tokio::test]
async fn a_duplicate_subscription_id_is_closed_with_4409() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.subscribe("same", PINGS, json!({})).await;
    ws.subscribe("same", PINGS, json!({})).await;
    assert_eq!(ws.closed().await.code, 4409);
}

#[tokio::test]
async fn a_second_init_is_closed_with_4429() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.send(json!({ "type": "connection_init" })).await;
    assert_eq!(ws.closed().await.code, 4429);
}

#[tokio::test]
async fn an_unknown_subprotocol_is_closed_with_4406() {
    let app = TestApp::spawn().await;
    let mut ws = WsClient::connect_lenient(app.addr, "graphql-ws").await;
    assert_eq!(ws.closed().await.code, 4406);
}

#[tokio::test]
async fn the_server_pings_and_answers_pings() {
    let app = TestApp::builder()
        .config(|c| c.ws_ping_interval = Duration::from_millis(100))
        .spawn()
        .await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    assert_eq!(ws.recv_raw().await["type"], "ping");
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.recv().await["type"], "pong");
}

#[tokio::test]
async fn shutdown_closes_sockets_with_1001() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws().await;
    ws.init(json!({})).await;
    ws.subscribe("s", PINGS, json!({})).await;
    app.begin_shutdown();
    assert_eq!(ws.closed().await.code, 1001);
}
