//! Sign-in throttling under attack (issue 8, items 7 and 8): parallel guesses are counted before
//! any password is checked, and the client address comes from `X-Forwarded-For` only through
//! trusted proxies, slowing an address down without locking out a correct password.

use std::time::{Duration, Instant};

use resident_hub::auth::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, USER_PASSWORD};

const SIGN_IN: &str = "mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }";

async fn sign_in_from(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded: Option<&str>,
) -> Value {
    let mut request = app
        .http
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": SIGN_IN, "variables": { "e": email, "p": password } }));
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    request.send().await.unwrap().json().await.unwrap()
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn sixty_parallel_wrong_passwords_check_at_most_the_accounts_allowance() {
    let app = TestApp::spawn().await;
    let user = app.user(&[Role::Resident]).await;
    let attempts = (0..60).map(|i| {
        let (app, email) = (&app, user.email.clone());
        async move { sign_in_from(app, &email, &format!("wrong-password-{i}"), None).await }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers
        .iter()
        .filter(|a| code(a) == "UNAUTHENTICATED")
        .count();
    let limited = answers.iter().filter(|a| code(a) == "RATE_LIMITED").count();
    assert_eq!(checked + limited, 60, "{answers:?}");
    assert!(
        checked <= 5,
        "{checked} of 60 parallel guesses were checked"
    );
    // The account is blocked now, the right password included.
    let json = sign_in_from(&app, &user.email, USER_PASSWORD, None).await;
    assert_eq!(code(&json), "RATE_LIMITED", "{json}");
}

async fn throttle_keys(app: &TestApp) -> Vec<String> {
    entity::sign_in_throttle::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.key)
        .collect()
}

#[tokio::test]
async fn x_forwarded_for_counts_only_from_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    let json = sign_in_from(
        &app,
        "nobody@test.local",
        "wrong-password-1",
        Some("198.51.100.7"),
    )
    .await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
    let keys = throttle_keys(&app).await;
    assert!(keys.contains(&"address:127.0.0.1".to_owned()), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("198.51.100.7")), "{keys:?}");

    let proxied = TestApp::builder()
        .config(|c| {
            c.trusted_proxies =
                resident_hub::http::forwarded::TrustedProxies::parse(&["127.0.0.0/8"]).unwrap();
        })
        .spawn()
        .await;
    let json = sign_in_from(
        &proxied,
        "nobody@test.local",
        "wrong-password-1",
        Some("203.0.113.1, 198.51.100.7"),
    )
    .await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
    let keys = throttle_keys(&proxied).await;
    assert!(
        keys.contains(&"address:198.51.100.7".to_owned()),
        "{keys:?}"
    );
    assert!(
        !keys
            .iter()
            .any(|k| k.contains("127.0.0.1") || k.contains("203.0.113.1")),
        "{keys:?}"
    );
}

#[tokio::test]
async fn a_noisy_address_is_slowed_down_but_a_correct_password_from_it_still_signs_in() {
    // Behind the load balancer every client shares its address: one client's failures must not
    // lock out the others.
    let app = TestApp::spawn().await;
    let mut victims = Vec::new();
    for _ in 0..6 {
        victims.push(app.user(&[Role::Resident]).await);
    }
    // 22 failures from the address, at most 4 per account (no account is blocked).
    for i in 0..22 {
        let json = sign_in_from(&app, &victims[i % 6].email, "wrong-password-x", None).await;
        assert_eq!(code(&json), "UNAUTHENTICATED", "attempt {i}: {json}");
    }
    let someone = app.user(&[Role::Staff]).await;
    let started = Instant::now();
    let json = sign_in_from(&app, &someone.email, USER_PASSWORD, None).await;
    assert!(json["data"]["signIn"]["accessToken"].is_string(), "{json}");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "a throttled address is slowed down"
    );
}
