//! Identity on long-lived connections and revoked sessions (issue 8, items 5 and 6): access
//! tokens stop working as soon as their session ends, and open WebSockets follow the user's
//! current status and roles, on every instance.

use resident_hub::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, TestUser, USER_PASSWORD, WsClient, eventually,
    test_redis_url,
};

const SIGN_IN: &str = "mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken refreshToken expiresAt user { id } } }";
const VIEWER: &str = "{ viewer { id roles } }";

/// Signs in; returns (access token, refresh token).
async fn sign_in(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let (status, json) = app
        .graphql(SIGN_IN, json!({ "e": email, "p": password }), None)
        .await;
    assert_eq!(status, 200, "{json}");
    let payload = &json["data"]["signIn"];
    (
        payload["accessToken"].as_str().expect("{json}").to_owned(),
        payload["refreshToken"].as_str().expect("{json}").to_owned(),
    )
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// Whether `token` still works for an HTTP request on `app`.
async fn works(app: &TestApp, token: &str) -> bool {
    let (_, json) = app.graphql(VIEWER, json!({}), Some(token)).await;
    match code(&json) {
        "" => {
            assert!(json["data"]["viewer"]["id"].is_string(), "{json}");
            true
        }
        "UNAUTHENTICATED" => false,
        other => panic!("unexpected {other}: {json}"),
    }
}

async fn admin_token(app: &TestApp) -> String {
    sign_in(app, ADMIN_EMAIL, ADMIN_PASSWORD).await.0
}

async fn socket_of(app: &TestApp, token: &str) -> WsClient {
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws
}

/// The close code once the server closes `ws`; no message before it may carry data.
async fn closed_code(ws: &mut WsClient) -> u16 {
    let (closed, seen) = ws.closed_after().await;
    for message in seen {
        assert!(
            message["payload"]["data"].is_null(),
            "the socket still answered with data: {message}"
        );
    }
    closed.code
}

#[tokio::test]
async fn signing_out_ends_the_access_token_here_at_once_and_on_every_instance_with_the_bus() {
    // Both instances keep token checks (the production default), and both have checked the
    // tokens before the change: the one that made it forgets at once, the other over the bus.
    let app = TestApp::keeping().await;
    let other = app.spawn_sibling_with(TestApp::keep_checks).await;
    let user = app.user(&[Role::Resident]).await;
    let (access, refresh) = sign_in(&app, &user.email, USER_PASSWORD).await;
    let (second_access, _) = sign_in(&app, &user.email, USER_PASSWORD).await;
    assert!(works(&app, &access).await);
    assert!(works(&other, &access).await);
    let (status, json) = app
        .graphql(
            "mutation($t: String!) { signOut(input: { refreshToken: $t }) { signedOut } }",
            json!({ "t": refresh }),
            Some(&access),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    // At once on the instance that signed out; on the other as soon as the bus delivers it.
    assert!(!works(&app, &access).await, "signed out, still works");
    eventually("signed out, still works on the other instance", || async {
        !works(&other, &access).await
    })
    .await;
    // Another session of the same user goes on.
    assert!(works(&other, &second_access).await);
}

#[tokio::test]
async fn changing_the_password_ends_every_access_token_here_at_once_and_elsewhere_with_the_bus() {
    // Both instances keep token checks (the production default), and both have checked the
    // tokens before the change: the one that made it forgets at once, the other over the bus.
    let app = TestApp::keeping().await;
    let other = app.spawn_sibling_with(TestApp::keep_checks).await;
    let user = app.user(&[Role::Resident]).await;
    let (first, _) = sign_in(&app, &user.email, USER_PASSWORD).await;
    let (second, _) = sign_in(&other, &user.email, USER_PASSWORD).await;
    for token in [&first, &second] {
        assert!(works(&app, token).await);
        assert!(works(&other, token).await);
    }
    let (status, json) = app
        .graphql(
            "mutation($c: String!, $n: String!) { changePassword(input: { currentPassword: $c, newPassword: $n }) { user { id } } }",
            json!({ "c": USER_PASSWORD, "n": "a-new-password-9" }),
            Some(&first),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    assert!(json["errors"].is_null(), "{json}");
    for token in [&first, &second] {
        assert!(!works(&app, token).await, "old token still works");
        eventually("old token still works on the other instance", || async {
            !works(&other, token).await
        })
        .await;
    }
    let (fresh, _) = sign_in(&other, &user.email, "a-new-password-9").await;
    assert!(works(&app, &fresh).await);
}

const USERS: &str = "{ users(first: 5) { edges { node { id } } } }";

#[tokio::test]
async fn a_demoted_administrators_socket_can_no_longer_list_users_or_promote_themself() {
    let app = TestApp::spawn().await;
    let admin = admin_token(&app).await;
    let TestUser { id, email, .. } = app.user(&[Role::Admin]).await;
    let (token, _) = sign_in(&app, &email, USER_PASSWORD).await;
    let mut ws = socket_of(&app, &token).await;
    ws.subscribe("before", USERS, json!({})).await;
    let answer = ws.recv().await;
    assert!(answer["payload"]["data"]["users"].is_object(), "{answer}");
    assert_eq!(ws.recv().await["type"], "complete");

    let (status, json) = app
        .graphql(
            "mutation($id: ID!) { updateUser(input: { id: $id, roles: [MERCHANT] }) { user { roles } } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(
        json["data"]["updateUser"]["user"]["roles"],
        json!(["MERCHANT"])
    );

    // Whatever the socket is asked now, it answers no data and closes with 4403.
    ws.subscribe("after", USERS, json!({})).await;
    ws.subscribe(
        "promote",
        "mutation($id: ID!) { updateUser(input: { id: $id, roles: [ADMIN] }) { user { roles } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(closed_code(&mut ws).await, 4403);
    let (_, json) = app
        .graphql(
            "query($id: ID!) { user(id: $id) { roles } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    assert_eq!(json["data"]["user"]["roles"], json!(["MERCHANT"]), "{json}");
}

#[tokio::test]
async fn a_socket_checks_the_user_again_for_every_operation() {
    // Even without the bus (a change made straight in the database), an operation on an open
    // socket runs as the user is now.
    let app = TestApp::spawn().await;
    let TestUser { id, email, .. } = app.user(&[Role::Admin]).await;
    let (token, _) = sign_in(&app, &email, USER_PASSWORD).await;
    let mut ws = socket_of(&app, &token).await;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::user_role::Entity::delete_many()
        .filter(entity::user_role::Column::UserId.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
    ws.subscribe("after", USERS, json!({})).await;
    let answer = ws.recv().await;
    assert!(answer["payload"]["data"]["users"].is_null(), "{answer}");
    let errors = if answer["type"] == "error" {
        &answer["payload"]
    } else {
        &answer["payload"]["errors"]
    };
    assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN", "{answer}");
}

async fn disabled_socket_closes(app: &TestApp, socket_on: &TestApp) {
    let admin = admin_token(app).await;
    let TestUser { id, email, .. } = app.user(&[Role::Resident]).await;
    let (token, _) = sign_in(app, &email, USER_PASSWORD).await;
    let mut ws = socket_of(socket_on, &token).await;
    ws.subscribe(
        "s",
        "subscription { pings { ping { message } } }",
        json!({}),
    )
    .await;
    let (status, json) = app
        .graphql(
            "mutation($id: ID!) { disableUser(input: { id: $id }) { user { status } } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["disableUser"]["user"]["status"], "DISABLED");
    assert_eq!(closed_code(&mut ws).await, 4403);
}

#[tokio::test]
async fn a_disabled_users_socket_is_closed_with_4403() {
    let app = TestApp::spawn().await;
    disabled_socket_closes(&app, &app).await;
}

#[tokio::test]
async fn a_disabled_users_socket_on_another_instance_is_closed_with_4403() {
    if test_redis_url().is_none() {
        eprintln!("skipped: set TEST_REDIS_URL to run the two-instance test");
        return;
    }
    let app = TestApp::spawn().await;
    let other = app.spawn_sibling().await;
    disabled_socket_closes(&app, &other).await;
}

#[tokio::test]
async fn signing_out_and_changing_the_password_close_the_sessions_sockets() {
    let app = TestApp::spawn().await;
    let user = app.user(&[Role::Resident]).await;
    let (access, refresh) = sign_in(&app, &user.email, USER_PASSWORD).await;
    let (kept, _) = sign_in(&app, &user.email, USER_PASSWORD).await;
    let mut signed_out = socket_of(&app, &access).await;
    let mut other_session = socket_of(&app, &kept).await;
    let (status, json) = app
        .graphql(
            "mutation($t: String!) { signOut(input: { refreshToken: $t }) { signedOut } }",
            json!({ "t": refresh }),
            Some(&kept),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(closed_code(&mut signed_out).await, 4403);
    // The other session's socket stays open until the password changes.
    other_session.send(json!({ "type": "ping" })).await;
    assert_eq!(other_session.recv().await["type"], "pong");
    let (_, json) = app
        .graphql(
            "mutation($c: String!, $n: String!) { changePassword(input: { currentPassword: $c, newPassword: $n }) { user { id } } }",
            json!({ "c": USER_PASSWORD, "n": "a-new-password-9" }),
            Some(&kept),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(closed_code(&mut other_session).await, 4403);
}

#[tokio::test]
async fn a_socket_closes_when_its_token_expires_unless_the_client_sends_a_fresh_one() {
    let app = TestApp::builder()
        .config(|c| c.ws_ping_interval = std::time::Duration::from_millis(100))
        .spawn()
        .await;
    let clock = app.state.clock.clone();
    let user = app.user(&[Role::Resident]).await;
    let (access, refresh) = sign_in(&app, &user.email, USER_PASSWORD).await;
    let mut renewed = socket_of(&app, &access).await;
    let mut left = socket_of(&app, &access).await;

    clock.advance(chrono::Duration::minutes(10));
    let (_, json) = app
        .graphql(
            "mutation($t: String!) { refreshSession(input: { refreshToken: $t }) { accessToken } }",
            json!({ "t": refresh }),
            None,
        )
        .await;
    let fresh = json["data"]["refreshSession"]["accessToken"]
        .as_str()
        .expect("{json}")
        .to_owned();
    renewed
        .send(json!({ "type": "ping", "payload": { "Authorization": format!("Bearer {fresh}") } }))
        .await;
    assert_eq!(renewed.recv().await["type"], "pong");

    // Past the first token's expiry: the socket that kept it closes, the renewed one stays.
    clock.advance(chrono::Duration::minutes(6));
    let closed = left.closed().await;
    assert_eq!(
        (closed.code, closed.reason.as_str()),
        (4403, "Token expired")
    );
    renewed.send(json!({ "type": "ping" })).await;
    assert_eq!(renewed.recv().await["type"], "pong");

    // A token of someone else does not take a socket over.
    let stranger = app.user(&[Role::Admin]).await;
    renewed
        .send(json!({ "type": "ping", "payload": { "Authorization": format!("Bearer {}", stranger.token) } }))
        .await;
    assert_eq!(closed_code(&mut renewed).await, 4403);
}
