//! Live delivery under concurrent writers: every committed event of a topic reaches every
//! subscriber once, in one order, live or replayed from any cursor it was given.

use std::collections::HashSet;

use serde_json::json;
use uuid::Uuid;

use crate::{
    estate::Estate,
    helpers::{TestApp, WsClient},
};

const PUBLISH: &str =
    "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }";
const INBOX: &str = "subscription($a: String) { notificationReceived(after: $a) { cursor notification { title } } }";
const BOARD: &str =
    "subscription($a: String) { noticePublished(after: $a) { cursor notice { title } } }";

async fn subscribe(app: &TestApp, token: &str, query: &str, after: Option<&str>) -> WsClient {
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws.subscribe("s", query, json!({ "a": after })).await;
    ws
}

/// The next `n` events of subscription `s` as (cursor, title).
async fn take(ws: &mut WsClient, field: &str, node: &str, n: usize) -> Vec<(String, String)> {
    let mut seen = Vec::with_capacity(n);
    while seen.len() < n {
        let message = ws.recv().await;
        let event = &message["payload"]["data"][field];
        assert!(event.is_object(), "{message}");
        seen.push((
            event["cursor"].as_str().unwrap().to_owned(),
            event[node]["title"].as_str().unwrap().to_owned(),
        ));
    }
    seen
}

/// Publishes `total` estate-wide notices, `parallel` at a time, as the administrator.
async fn burst(estate: &Estate, total: usize, parallel: usize) -> HashSet<String> {
    let mut titles = HashSet::new();
    for round in 0..total.div_ceil(parallel) {
        let batch: Vec<String> = (0..parallel)
            .map(|i| round * parallel + i)
            .filter(|n| *n < total)
            .map(|n| format!("burst {n}"))
            .collect();
        let runs = batch.iter().map(|title| {
            estate.run(
                "admin",
                PUBLISH,
                json!({ "i": { "title": title, "body": "b", "kind": "GENERAL",
                               "audience": { "estate": true } } }),
            )
        });
        for json in futures_util::future::join_all(runs).await {
            assert!(json["errors"].is_null(), "{json}");
        }
        titles.extend(batch);
    }
    titles
}

fn assert_each_once(seen: &[(String, String)], expected: &HashSet<String>, who: &str) {
    let titles: Vec<&String> = seen.iter().map(|(_, t)| t).collect();
    let unique: HashSet<&String> = titles.iter().copied().collect();
    assert_eq!(
        unique.len(),
        titles.len(),
        "{who}: a duplicate in {titles:?}"
    );
    assert_eq!(
        unique,
        expected.iter().collect::<HashSet<_>>(),
        "{who}: every event exactly once"
    );
}

#[tokio::test]
async fn concurrent_writers_never_make_a_live_or_replaying_subscriber_skip_an_event() {
    let estate = Estate::new().await;
    let token = estate.tokens["resident"].clone();
    // Connected throughout, from the start of the log (so it is live before the burst).
    let nil = Uuid::nil().to_string();
    let mut inbox = subscribe(&estate.app, &token, INBOX, Some(&nil)).await;
    let mut board = subscribe(&estate.app, &token, BOARD, Some(&nil)).await;
    let expected = burst(&estate, 40, 8).await;

    let live_inbox = take(&mut inbox, "notificationReceived", "notification", 40).await;
    assert_each_once(&live_inbox, &expected, "live inbox");
    let live_board = take(&mut board, "noticePublished", "notice", 40).await;
    assert_each_once(&live_board, &expected, "live board");

    // A subscriber replaying from the start gets the same events in the same order.
    let mut replay = subscribe(&estate.app, &token, INBOX, Some(&nil)).await;
    let replayed = take(&mut replay, "notificationReceived", "notification", 40).await;
    assert_eq!(replayed, live_inbox, "one order, live or replayed");
    let mut replay = subscribe(&estate.app, &token, BOARD, Some(&nil)).await;
    let replayed = take(&mut replay, "noticePublished", "notice", 40).await;
    assert_eq!(replayed, live_board, "one order, live or replayed");

    // Resuming from any cursor gives exactly what came after it, and then what is new.
    let (cursor, _) = &live_inbox[19];
    let mut resumed = subscribe(&estate.app, &token, INBOX, Some(cursor)).await;
    let rest = take(&mut resumed, "notificationReceived", "notification", 20).await;
    assert_eq!(rest, live_inbox[20..], "after the 20th, the other 20");
    let json = estate
        .run(
            "admin",
            PUBLISH,
            json!({ "i": { "title": "after", "body": "b", "kind": "GENERAL",
                           "audience": { "estate": true } } }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let next = take(&mut resumed, "notificationReceived", "notification", 1).await;
    assert_eq!(next[0].1, "after");
    let next = take(&mut inbox, "notificationReceived", "notification", 1).await;
    assert_eq!(next[0].1, "after", "no duplicate, nothing skipped");
}

#[tokio::test]
async fn an_instance_with_a_shifted_clock_delivers_in_the_same_order() {
    if crate::helpers::test_redis_url().is_none() {
        eprintln!("skipped: set TEST_REDIS_URL to run the two-instance test");
        return;
    }
    let estate = Estate::new().await;
    // A second instance whose clock runs an hour behind the first's.
    let other = estate
        .app
        .spawn_sibling_with_clock_offset(-chrono::Duration::hours(1))
        .await;
    let token = estate.tokens["resident"].clone();
    let nil = Uuid::nil().to_string();
    let mut here = subscribe(&estate.app, &token, INBOX, Some(&nil)).await;
    let mut there = subscribe(&other, &token, INBOX, Some(&nil)).await;
    // Writers on both instances, interleaved.
    let mut expected = HashSet::new();
    for round in 0..5 {
        let runs = (0..8).map(|i| {
            let title = format!("mixed {round}-{i}");
            expected.insert(title.clone());
            let app = if i % 2 == 0 { &estate.app } else { &other };
            let token = estate.tokens["admin"].clone();
            async move {
                app.graphql(
                    PUBLISH,
                    json!({ "i": { "title": title, "body": "b", "kind": "GENERAL",
                                   "audience": { "estate": true } } }),
                    Some(&token),
                )
                .await
            }
        });
        for (_, json) in futures_util::future::join_all(runs).await {
            assert!(json["errors"].is_null(), "{json}");
        }
    }
    let a = take(&mut here, "notificationReceived", "notification", 40).await;
    let b = take(&mut there, "notificationReceived", "notification", 40).await;
    assert_each_once(&a, &expected, "first instance");
    assert_eq!(a, b, "both instances deliver one order");
}
