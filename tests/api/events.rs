//! The event bus across instances: two servers on one Redis and one database.

use std::time::Duration;

use resident_hub::auth::Role;
use serde_json::json;

use crate::helpers::{TestApp, test_redis_url};

#[tokio::test]
async fn a_subscriber_on_one_instance_receives_a_ping_sent_to_another() {
    if test_redis_url().is_none() {
        eprintln!("skipped: set TEST_REDIS_URL to run the two-instance test");
        return;
    }
    let a = TestApp::spawn().await;
    let b = a.spawn_sibling().await;
    let token = a.token(&[Role::Admin]);
    let mut ws = a.ws().await;
    ws.init(json!({})).await;
    ws.subscribe(
        "s",
        "subscription { pings { ping { message } } }",
        json!({}),
    )
    .await;
    let mut attempt = 0;
    let message = loop {
        attempt += 1;
        let (status, _) = b
            .graphql(
                "mutation($m: String!) { ping(input: { message: $m }) { ping { id } } }",
                json!({ "m": format!("from b #{attempt}") }),
                Some(&token),
            )
            .await;
        assert_eq!(status, 200);
        assert!(attempt < 20, "no ping arrived");
        if let Some(message) = ws.try_recv(Duration::from_millis(500)).await {
            break message;
        }
    };
    let text = message["payload"]["data"]["pings"]["ping"]["message"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("from b"), "{text}");
}
