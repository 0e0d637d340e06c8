//! Group-channel benchmark: the members of one building channel connected to
//! `channelMessages`, messages posted at a steady rate for a minute. Every member must get every
//! message once, in the channel's order; it prints delivery latency (p50/p99/max) and the
//! server's memory per connected member. Not a test: run it on purpose, on a quiet machine.
//!
//! ```sh
//! cargo bench --bench channels                                    # 2,000 members, 10 messages/s, 60 s
//! BENCH_MEMBERS=500 BENCH_RATE=5 BENCH_SECONDS=20 cargo bench --bench channels   # a smaller run
//! BENCH_REDIS_URL=redis://127.0.0.1:6379 cargo bench --bench channels           # with the Redis bus
//! ```
//!
//! It creates a database of its own (`rh_channels_<pid>`) next to `BENCH_DATABASE_URL`'s (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), starts the release binary on it, writes a
//! building of `BENCH_MEMBERS` residents directly, has the administrator create the building's
//! channel, and drops the database at the end. Messages are posted by 60 of the members in turn
//! (each posts once every 6 s at 10 messages/s, inside the default per-member limit).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use resident_hub::auth::tokens::TokenKeys;
use sea_orm::Database;
use serde_json::{Value, json};
use support::{collect, connect_all, ms_since, percentile, report};

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const POSTERS: usize = 60;

#[tokio::main]
async fn main() {
    let admin_url = support::admin_url();
    let members: usize = env_or("BENCH_MEMBERS", 2_000);
    let rate: u64 = env_or("BENCH_RATE", 10);
    let seconds: u64 = env_or("BENCH_SECONDS", 60);
    let name = format!("rh_channels_{}", std::process::id());
    let url = support::fresh_database(&admin_url, &name).await;
    let (server, http, gql) = support::start_with_admin(&url).await;

    let db = Database::connect(&url).await.unwrap();
    let (building, users) = support::seed_building(&db, members).await;
    let admin_token = support::sign_in(&http, &gql, support::ADMIN.0, support::ADMIN.1).await;
    let channel = support::graphql(
        &http,
        &gql,
        Some(&admin_token),
        "mutation($i: CreateChannelInput!) { createChannel(input: $i) { channel { id } } }",
        json!({ "i": { "kind": "BUILDING", "name": "Bench Tower", "buildingId": building } }),
    )
    .await["createChannel"]["channel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let keys = TokenKeys::from_secret(support::SECRET.as_bytes());
    let tokens: Vec<String> = users
        .iter()
        .map(|user| support::resident_token(&keys, *user))
        .collect();
    let (mut done, cost) = connect_all(
        server.port,
        server.pid(),
        &tokens,
        "subscription($c: ID!) { channelMessages(channelId: $c) { cursor change message { id number text sender { displayName } } } }",
        &json!({ "c": channel }),
        "text",
        None,
    )
    .await;
    println!(
        "{members} members connected in {:.1} s; server RSS per idle socket {:.1} KiB, per channelMessages subscriber {:.1} KiB",
        cost.seconds, cost.socket_kib, cost.subscriber_kib
    );

    // `rate` messages a second for `seconds`, each posted on its own schedule (a slow post does
    // not delay the next one).
    let total = (rate * seconds) as usize;
    let returned = Arc::new(Mutex::new(HashMap::<String, Instant>::new()));
    let requested = Arc::new(Mutex::new(HashMap::<String, Instant>::new()));
    let failures = Arc::new(Mutex::new(Vec::<Value>::new()));
    let started = tokio::time::Instant::now();
    let mut posts = Vec::with_capacity(total);
    for i in 0..total {
        tokio::time::sleep_until(started + Duration::from_millis(i as u64 * 1000 / rate)).await;
        let text = format!("message {i}");
        let token = tokens[i % POSTERS.min(members)].clone();
        let (http, gql, channel) = (http.clone(), gql.clone(), channel.clone());
        let (returned, requested, failures) =
            (returned.clone(), requested.clone(), failures.clone());
        posts.push(tokio::spawn(async move {
            let start = Instant::now();
            let answer: Value = http
                .post(&gql)
                .bearer_auth(token)
                .json(&json!({
                    "query": "mutation($i: PostChannelMessageInput!) { postChannelMessage(input: $i) { message { id } } }",
                    "variables": { "i": { "channelId": channel, "text": text } },
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let end = Instant::now();
            if answer["errors"].is_null() {
                requested.lock().unwrap().insert(text.clone(), start);
                returned.lock().unwrap().insert(text, end);
            } else {
                failures.lock().unwrap().push(answer);
            }
        }));
    }
    for post in posts {
        post.await.unwrap();
    }
    let posting = started.elapsed().as_secs_f64();
    let failures = failures.lock().unwrap().clone();
    let returned = returned.lock().unwrap().clone();
    let requested = requested.lock().unwrap().clone();
    let mut post_ms: Vec<f64> = returned
        .iter()
        .map(|(text, end)| ms_since(*end, requested[text]))
        .collect();
    post_ms.sort_by(f64::total_cmp);
    println!(
        "{} of {total} posts accepted in {posting:.1} s ({} refused{}); postChannelMessage p50 {:.0} ms, p99 {:.0} ms",
        returned.len(),
        failures.len(),
        failures
            .first()
            .map(|f| format!(", first: {}", f["errors"][0]["message"]))
            .unwrap_or_default(),
        percentile(&post_ms, 0.5),
        percentile(&post_ms, 0.99),
    );

    let fanout = collect(&mut done, members, &returned, Duration::from_secs(60)).await;
    report(
        "delivery, from postChannelMessage returning",
        &fanout,
        members,
        returned.len(),
    );
    let mut from_request: Vec<f64> = fanout
        .arrivals
        .iter()
        .filter_map(|(_, text, at)| Some(ms_since(*at, *requested.get(text)?)))
        .collect();
    from_request.sort_by(f64::total_cmp);
    println!(
        "delivery from the post request's start: p50 {:.0} ms, p99 {:.0} ms",
        percentile(&from_request, 0.5),
        percentile(&from_request, 0.99),
    );

    // The channel's own order, from its history (oldest first), against what member 0 got.
    let mut history = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = support::graphql(
            &http,
            &gql,
            Some(&tokens[0]),
            "query($c: ID!, $a: String) { channelMessageHistory(channelId: $c, first: 100, after: $a) { pageInfo { hasNextPage endCursor } nodes { text } } }",
            json!({ "c": channel, "a": after }),
        )
        .await;
        let connection = &page["channelMessageHistory"];
        history.extend(
            connection["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["text"].as_str().unwrap_or_default().to_owned()),
        );
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    let first: Vec<&str> = fanout
        .arrivals
        .iter()
        .filter(|(index, _, _)| *index == 0)
        .map(|(_, text, _)| text.as_str())
        .collect();
    println!(
        "every member in the channel's order (its history of {} messages): {}",
        history.len(),
        fanout.same_order && first == history.iter().map(String::as_str).collect::<Vec<_>>()
    );
    println!(
        "server RSS after the run: {} MiB",
        support::rss_kib(server.pid()) / 1024
    );

    drop(server);
    db.close().await.unwrap();
    support::drop_database(&admin_url, &name).await;
}
