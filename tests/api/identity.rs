//! Identity: sign-in, sessions, passwords, throttling, disabling, and user administration.

use resident_hub::auth::{AuthenticatedUser, Role};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, USER_PASSWORD};

const SIGN_IN: &str = "mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken refreshToken expiresAt user { id email roles } } }";
const REFRESH: &str = "mutation($t: String!) { refreshSession(input: { refreshToken: $t }) { accessToken refreshToken } }";
const VIEWER: &str = "{ viewer { id email roles status } }";

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    app.graphql(SIGN_IN, json!({ "e": email, "p": password }), None)
        .await
        .1
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn the_first_administrator_signs_in_and_sees_themself_as_viewer() {
    let app = TestApp::spawn().await;
    let json = sign_in(&app, &ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
    let payload = &json["data"]["signIn"];
    assert_eq!(payload["user"]["email"], ADMIN_EMAIL, "{json}");
    assert_eq!(payload["user"]["roles"], json!(["ADMIN"]));
    assert!(payload["expiresAt"].is_string());
    let token = payload["accessToken"].as_str().unwrap();
    let (_, json) = app.graphql(VIEWER, json!({}), Some(token)).await;
    assert_eq!(json["data"]["viewer"]["email"], ADMIN_EMAIL);
    assert_eq!(json["data"]["viewer"]["status"], "ACTIVE");
    let (_, anonymous) = app.graphql(VIEWER, json!({}), None).await;
    assert!(anonymous["data"]["viewer"].is_null());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_look_the_same() {
    let app = TestApp::spawn().await;
    let wrong = sign_in(&app, ADMIN_EMAIL, "not-the-password").await;
    let unknown = sign_in(&app, "nobody@test.local", "not-the-password").await;
    assert_eq!(code(&wrong), "UNAUTHENTICATED");
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
    assert_eq!(code(&unknown), "UNAUTHENTICATED");
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        assert_eq!(
            code(&sign_in(&app, ADMIN_EMAIL, "wrong-password-x").await),
            "UNAUTHENTICATED"
        );
    }
    let limited = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(code(&limited), "RATE_LIMITED", "{limited}");
    assert!(
        limited["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // Another account from the same address is not blocked by this one's failures.
    let user = app.user(&[Role::Resident]).await;
    let ok = sign_in(&app, &user.email, USER_PASSWORD).await;
    assert!(ok["data"]["signIn"]["accessToken"].is_string(), "{ok}");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_session() {
    let app = TestApp::spawn().await;
    let first = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, json) = app.graphql(REFRESH, json!({ "t": first }), None).await;
    let second = json["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    let access = json["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.graphql(VIEWER, json!({}), Some(&access)).await.1["data"]["viewer"]["email"],
        ADMIN_EMAIL
    );

    // Replaying the spent token after the grace window fails and takes its successor down
    // with it.
    app.state.clock.advance(chrono::Duration::seconds(31));
    let (_, reused) = app.graphql(REFRESH, json!({ "t": first }), None).await;
    assert_eq!(code(&reused), "UNAUTHENTICATED");
    let (_, after) = app.graphql(REFRESH, json!({ "t": second }), None).await;
    assert_eq!(code(&after), "UNAUTHENTICATED");
}

fn refreshed(json: &Value) -> (String, String) {
    let payload = &json["data"]["refreshSession"];
    (
        payload["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{json}"))
            .to_owned(),
        payload["refreshToken"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn two_tabs_refreshing_at_once_both_stay_signed_in() {
    let app = TestApp::spawn().await;
    let token = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (a, b) = tokio::join!(
        app.graphql(REFRESH, json!({ "t": token }), None),
        app.graphql(REFRESH, json!({ "t": token }), None),
    );
    let (access_a, refresh_a) = refreshed(&a.1);
    let (access_b, refresh_b) = refreshed(&b.1);
    assert_ne!(refresh_a, refresh_b, "each tab gets its own successor");
    for access in [&access_a, &access_b] {
        let (_, json) = app.graphql(VIEWER, json!({}), Some(access)).await;
        assert_eq!(json["data"]["viewer"]["email"], ADMIN_EMAIL, "{json}");
    }
    // Both successors keep working, each for its own tab.
    for refresh in [&refresh_a, &refresh_b] {
        let (_, json) = app.graphql(REFRESH, json!({ "t": refresh }), None).await;
        refreshed(&json);
    }
}

#[tokio::test]
async fn a_spent_token_gets_a_sibling_within_the_grace_and_revokes_the_family_after_it() {
    let app = TestApp::spawn().await;
    let first = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, json) = app.graphql(REFRESH, json!({ "t": first }), None).await;
    let (_, winner) = refreshed(&json);
    // 29 s later (the default grace is 30 s) the spent token still gets a sibling.
    app.state.clock.advance(chrono::Duration::seconds(29));
    let (_, json) = app.graphql(REFRESH, json!({ "t": first }), None).await;
    let (sibling_access, sibling) = refreshed(&json);
    assert_ne!(sibling, winner);
    // Past the grace, presenting it again is a reuse: the whole family is revoked.
    app.state.clock.advance(chrono::Duration::seconds(2));
    let (_, json) = app.graphql(REFRESH, json!({ "t": first }), None).await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
    for token in [&winner, &sibling] {
        let (_, json) = app.graphql(REFRESH, json!({ "t": token }), None).await;
        assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
    }
    let (status, _) = app.graphql(VIEWER, json!({}), Some(&sibling_access)).await;
    assert_eq!(status, 401, "the family's access tokens die with it");
}

#[tokio::test]
async fn a_zero_grace_treats_every_second_presentation_as_reuse() {
    let app = TestApp::builder()
        .config(|config| config.refresh_grace = std::time::Duration::ZERO)
        .spawn()
        .await;
    let first = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, json) = app.graphql(REFRESH, json!({ "t": first }), None).await;
    let (_, second) = refreshed(&json);
    app.state.clock.advance(chrono::Duration::seconds(1));
    let (_, json) = app.graphql(REFRESH, json!({ "t": first }), None).await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
    let (_, json) = app.graphql(REFRESH, json!({ "t": second }), None).await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let token = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, json) = app
        .graphql(
            "mutation($t: String!) { signOut(input: { refreshToken: $t }) { signedOut } }",
            json!({ "t": token }),
            None,
        )
        .await;
    assert_eq!(json["data"]["signOut"]["signedOut"], true);
    let (_, json) = app.graphql(REFRESH, json!({ "t": token }), None).await;
    assert_eq!(code(&json), "UNAUTHENTICATED");
}

#[tokio::test]
async fn changing_the_password_checks_the_old_one_and_the_policy() {
    let app = TestApp::spawn().await;
    let user = app.user(&[Role::Resident]).await;
    let change = "mutation($c: String!, $n: String!) { changePassword(input: { currentPassword: $c, newPassword: $n }) { user { id } } }";
    let (_, json) = app
        .graphql(
            change,
            json!({ "c": "wrong-current", "n": "a-new-password-9" }),
            Some(&user.token),
        )
        .await;
    assert_eq!(code(&json), "BAD_USER_INPUT");
    assert_eq!(
        json["errors"][0]["extensions"]["field"],
        "input.currentPassword"
    );
    let (_, json) = app
        .graphql(
            change,
            json!({ "c": USER_PASSWORD, "n": "short" }),
            Some(&user.token),
        )
        .await;
    assert_eq!(
        json["errors"][0]["extensions"]["field"],
        "input.newPassword"
    );
    let (_, json) = app
        .graphql(
            change,
            json!({ "c": USER_PASSWORD, "n": "a-new-password-9" }),
            None,
        )
        .await;
    assert_eq!(code(&json), "UNAUTHENTICATED");

    let (_, json) = app
        .graphql(
            change,
            json!({ "c": USER_PASSWORD, "n": "a-new-password-9" }),
            Some(&user.token),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(
        code(&sign_in(&app, &user.email, USER_PASSWORD).await),
        "UNAUTHENTICATED"
    );
    assert!(
        sign_in(&app, &user.email, "a-new-password-9").await["data"]["signIn"]["accessToken"]
            .is_string()
    );
}

#[tokio::test]
async fn a_disabled_user_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.user(&[Role::Admin]).await;
    let user = app.user(&[Role::Staff]).await;
    let refresh = sign_in(&app, &user.email, USER_PASSWORD).await["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, json) = app
        .graphql(
            "mutation($id: ID!) { disableUser(input: { id: $id }) { user { status } } }",
            json!({ "id": user.id }),
            Some(&admin.token),
        )
        .await;
    assert_eq!(
        json["data"]["disableUser"]["user"]["status"], "DISABLED",
        "{json}"
    );

    let (status, json) = app.graphql(VIEWER, json!({}), Some(&user.token)).await;
    assert_eq!(status, 401);
    assert_eq!(code(&json), "UNAUTHENTICATED");
    assert_eq!(
        code(&sign_in(&app, &user.email, USER_PASSWORD).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        code(&app.graphql(REFRESH, json!({ "t": refresh }), None).await.1),
        "UNAUTHENTICATED"
    );
    let mut ws = app.ws().await;
    ws.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", user.token) } })).await;
    assert_eq!(ws.closed().await.code, 4403);

    let (_, json) = app
        .graphql(
            "mutation($id: ID!) { enableUser(input: { id: $id }) { user { status } } }",
            json!({ "id": user.id }),
            Some(&admin.token),
        )
        .await;
    assert_eq!(json["data"]["enableUser"]["user"]["status"], "ACTIVE");
    assert_eq!(
        app.graphql(VIEWER, json!({}), Some(&user.token)).await.0,
        200
    );
}

#[tokio::test]
async fn expired_and_forged_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let user = app.user(&[Role::Admin]).await;
    let expired = app
        .state
        .tokens
        .issue(
            &AuthenticatedUser {
                id: user.id,
                roles: vec![Role::Admin],
            },
            app.state.clock.now(),
            chrono::Duration::minutes(-10),
        )
        .unwrap();
    assert_eq!(app.graphql(VIEWER, json!({}), Some(&expired)).await.0, 401);
    let forged = resident_hub::auth::tokens::TokenKeys::from_secret(&[1u8; 32])
        .issue(
            &AuthenticatedUser {
                id: user.id,
                roles: vec![Role::Admin],
            },
            app.state.clock.now(),
            chrono::Duration::minutes(10),
        )
        .unwrap();
    assert_eq!(app.graphql(VIEWER, json!({}), Some(&forged)).await.0, 401);
}

const CREATE_USER: &str =
    "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id email phone roles } } }";

async fn user_count(app: &TestApp) -> i64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::user::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap() as i64
}

#[tokio::test]
async fn administrators_create_users_and_bad_input_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.user(&[Role::Admin]).await;
    let input = |email: &str, phone: Option<&str>, password: &str| json!({ "i": { "email": email, "displayName": "Ann Lee", "phone": phone, "password": password, "roles": ["RESIDENT", "STAFF"] } });
    let (_, json) = app
        .graphql(
            CREATE_USER,
            input(
                " Ann@Example.org ",
                Some("+86 138 0013 8000"),
                "ann-password-1",
            ),
            Some(&admin.token),
        )
        .await;
    let user = &json["data"]["createUser"]["user"];
    assert_eq!(user["email"], "ann@example.org", "{json}");
    assert_eq!(user["phone"], "+8613800138000");
    assert_eq!(user["roles"], json!(["RESIDENT", "STAFF"]));
    let before = user_count(&app).await;

    let cases = [
        (
            input("ANN@example.org", None, "ann-password-1"),
            "CONFLICT",
            "input.email",
        ),
        (
            input(
                "other@example.org",
                Some("+8613800138000"),
                "ann-password-1",
            ),
            "CONFLICT",
            "input.phone",
        ),
        (
            input("not-an-email", None, "ann-password-1"),
            "BAD_USER_INPUT",
            "input.email",
        ),
        (
            input("bob@example.org", Some("12345"), "ann-password-1"),
            "BAD_USER_INPUT",
            "input.phone",
        ),
        (
            input("bob@example.org", None, "weak"),
            "BAD_USER_INPUT",
            "input.password",
        ),
    ];
    for (variables, expected, field) in cases {
        let (_, json) = app
            .graphql(CREATE_USER, variables, Some(&admin.token))
            .await;
        assert_eq!(code(&json), expected, "{json}");
        assert_eq!(json["errors"][0]["extensions"]["field"], field, "{json}");
    }
    assert_eq!(user_count(&app).await, before, "nothing was written");

    let resident = app.user(&[Role::Resident]).await;
    let (_, json) = app
        .graphql(
            CREATE_USER,
            input("eve@example.org", None, "eve-password-1"),
            Some(&resident.token),
        )
        .await;
    assert_eq!(code(&json), "FORBIDDEN");
    let (_, json) = app
        .graphql(
            CREATE_USER,
            input("eve@example.org", None, "eve-password-1"),
            None,
        )
        .await;
    assert_eq!(code(&json), "UNAUTHENTICATED");
}

#[tokio::test]
async fn users_are_paginated_and_filtered() {
    let app = TestApp::spawn().await;
    let admin = app.user(&[Role::Admin]).await;
    for _ in 0..4 {
        app.user(&[Role::Staff]).await;
    }
    let query = "query($first: Int, $after: String, $filter: UserFilter) { users(first: $first, after: $after, filter: $filter) { edges { cursor node { email roles } } pageInfo { hasNextPage endCursor } } }";
    let (_, json) = app
        .graphql(query, json!({ "first": 3 }), Some(&admin.token))
        .await;
    let users = &json["data"]["users"];
    assert_eq!(users["edges"].as_array().unwrap().len(), 3, "{json}");
    assert_eq!(users["pageInfo"]["hasNextPage"], true);
    let mut seen: Vec<String> = users["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap().to_owned())
        .collect();
    let (_, json) = app
        .graphql(
            query,
            json!({ "first": 10, "after": users["pageInfo"]["endCursor"] }),
            Some(&admin.token),
        )
        .await;
    let rest = json["data"]["users"]["edges"].as_array().unwrap();
    assert_eq!(json["data"]["users"]["pageInfo"]["hasNextPage"], false);
    seen.extend(
        rest.iter()
            .map(|e| e["node"]["email"].as_str().unwrap().to_owned()),
    );
    assert_eq!(seen.len(), 6, "bootstrap admin + admin + 4 staff: {seen:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6, "no duplicates across pages");

    let (_, json) = app
        .graphql(
            query,
            json!({ "filter": { "role": "STAFF" } }),
            Some(&admin.token),
        )
        .await;
    assert_eq!(json["data"]["users"]["edges"].as_array().unwrap().len(), 4);

    // The last page backward, counted with the filter applied.
    let (_, json) = app
        .graphql(
            "query($before: String) { users(last: 2, before: $before, filter: { role: STAFF }) { totalCount edges { node { email } } pageInfo { hasNextPage hasPreviousPage startCursor } } }",
            json!({}),
            Some(&admin.token),
        )
        .await;
    let users = &json["data"]["users"];
    assert_eq!(users["totalCount"], 4, "{json}");
    assert_eq!(users["edges"].as_array().unwrap().len(), 2);
    assert_eq!(users["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(users["pageInfo"]["hasNextPage"], false);
    let (_, json) = app
        .graphql(
            "query($before: String) { users(last: 5, before: $before, filter: { role: STAFF }) { edges { node { email } } pageInfo { hasNextPage hasPreviousPage } } }",
            json!({ "before": users["pageInfo"]["startCursor"] }),
            Some(&admin.token),
        )
        .await;
    let users = &json["data"]["users"];
    assert_eq!(users["edges"].as_array().unwrap().len(), 2, "{json}");
    assert_eq!(users["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(users["pageInfo"]["hasNextPage"], true);
    let (_, json) = app
        .graphql(
            query,
            json!({ "filter": { "search": "ADMIN@TEST" } }),
            Some(&admin.token),
        )
        .await;
    assert_eq!(json["data"]["users"]["edges"].as_array().unwrap().len(), 1);
    let (_, json) = app
        .graphql(query, json!({ "first": 101 }), Some(&admin.token))
        .await;
    assert_eq!(code(&json), "BAD_USER_INPUT");
    assert_eq!(json["errors"][0]["extensions"]["field"], "first");
    let staff = app.user(&[Role::Staff]).await;
    let (_, json) = app.graphql(query, json!({}), Some(&staff.token)).await;
    assert_eq!(code(&json), "FORBIDDEN");
}

#[tokio::test]
async fn residents_update_their_own_profile() {
    let app = TestApp::spawn().await;
    let user = app.user(&[Role::Resident]).await;
    let update = "mutation($i: UpdateMyProfileInput!) { updateMyProfile(input: $i) { user { displayName phone } } }";
    let (_, json) = app
        .graphql(
            update,
            json!({ "i": { "displayName": "  Mei  ", "phone": "+44 20 7946 0958" } }),
            Some(&user.token),
        )
        .await;
    assert_eq!(
        json["data"]["updateMyProfile"]["user"]["displayName"], "Mei",
        "{json}"
    );
    assert_eq!(
        json["data"]["updateMyProfile"]["user"]["phone"],
        "+442079460958"
    );
    let (_, json) = app
        .graphql(update, json!({ "i": { "phone": null } }), Some(&user.token))
        .await;
    assert!(json["data"]["updateMyProfile"]["user"]["phone"].is_null());
    let (_, json) = app
        .graphql(
            update,
            json!({ "i": { "displayName": "" } }),
            Some(&user.token),
        )
        .await;
    assert_eq!(
        json["errors"][0]["extensions"]["field"],
        "input.displayName"
    );
}

// --- Time rules follow the server's clock: tests move it instead of sleeping. ---

fn signed_in(json: &Value) -> bool {
    json["data"]["signIn"]["accessToken"].is_string()
}

#[tokio::test]
async fn a_locked_out_account_signs_in_again_once_the_clock_passes_the_block_and_not_before() {
    let app = TestApp::spawn().await;
    let clock = &app.state.clock;
    for _ in 0..5 {
        assert_eq!(
            code(&sign_in(&app, ADMIN_EMAIL, "wrong-password-x").await),
            "UNAUTHENTICATED"
        );
    }
    // The fifth failure blocks the account for 30 seconds.
    let limited = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(code(&limited), "RATE_LIMITED", "{limited}");
    clock.advance(chrono::Duration::seconds(25));
    let limited = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(code(&limited), "RATE_LIMITED", "{limited}");
    let retry = limited["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap();
    assert!(
        (1..=5).contains(&retry),
        "retryAfter {retry} after 25 of 30 s"
    );
    clock.advance(chrono::Duration::seconds(6));
    let ok = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(signed_in(&ok), "{ok}");
}

#[tokio::test]
async fn each_further_failure_doubles_the_block_on_the_clock() {
    let app = TestApp::spawn().await;
    let clock = &app.state.clock;
    for _ in 0..5 {
        sign_in(&app, ADMIN_EMAIL, "wrong-password-x").await;
    }
    // Past the first 30-second block, one more failure blocks for 60 seconds.
    clock.advance(chrono::Duration::seconds(31));
    assert_eq!(
        code(&sign_in(&app, ADMIN_EMAIL, "wrong-password-x").await),
        "UNAUTHENTICATED"
    );
    clock.advance(chrono::Duration::seconds(45));
    let limited = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(code(&limited), "RATE_LIMITED", "{limited}");
    clock.advance(chrono::Duration::seconds(16));
    let ok = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(signed_in(&ok), "{ok}");
}

#[tokio::test]
async fn failures_are_forgotten_after_the_window_on_the_clock() {
    let app = TestApp::spawn().await;
    for _ in 0..4 {
        sign_in(&app, ADMIN_EMAIL, "wrong-password-x").await;
    }
    // Fifteen minutes without a failure: the count starts again, so four more do not block.
    app.state.clock.advance(chrono::Duration::minutes(16));
    for _ in 0..4 {
        assert_eq!(
            code(&sign_in(&app, ADMIN_EMAIL, "wrong-password-x").await),
            "UNAUTHENTICATED"
        );
    }
    let ok = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(signed_in(&ok), "{ok}");
}

#[tokio::test]
async fn an_access_token_is_refused_once_the_clock_passes_its_expiry() {
    let app = TestApp::spawn().await;
    let json = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = json["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let expires_at: chrono::DateTime<chrono::Utc> = json["data"]["signIn"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let lifetime = expires_at - app.state.clock.now();
    assert!(lifetime > chrono::Duration::minutes(14), "{lifetime}");
    // Still valid a minute before expiry...
    app.state
        .clock
        .advance(lifetime - chrono::Duration::minutes(1));
    let (status, json) = app.graphql(VIEWER, json!({}), Some(&token)).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["viewer"]["email"], ADMIN_EMAIL);
    // ...refused once the clock is past it (and the leeway).
    app.state.clock.advance(chrono::Duration::minutes(2));
    let (status, json) = app.graphql(VIEWER, json!({}), Some(&token)).await;
    assert_eq!(status, 401, "{json}");
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
}

#[tokio::test]
async fn a_refresh_token_past_its_lifetime_is_refused() {
    let app = TestApp::spawn().await;
    let clock = &app.state.clock;
    let first = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // Within its 30 days it still rotates, and the new session starts a new 30 days.
    clock.advance(chrono::Duration::days(29));
    let (_, json) = app.graphql(REFRESH, json!({ "t": first }), None).await;
    let second = json["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{json}"))
        .to_owned();
    let access = json["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = app.graphql(VIEWER, json!({}), Some(&access)).await;
    assert_eq!(status, 200);
    clock.advance(chrono::Duration::days(30) + chrono::Duration::minutes(1));
    let (_, json) = app.graphql(REFRESH, json!({ "t": second }), None).await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
    // The access token issued with it expired long ago, too.
    let (status, _) = app.graphql(VIEWER, json!({}), Some(&access)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_session_mutations_work_whatever_the_authorization_header_says() {
    let app = TestApp::spawn().await;
    let signed_in = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = signed_in["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // A token that has expired (the clock moved past its 15 minutes) and one that never was.
    app.state.clock.advance(chrono::Duration::minutes(20));
    for stale in [access.as_str(), "not-a-token"] {
        let (status, json) = app.graphql(VIEWER, json!({}), Some(stale)).await;
        assert_eq!(status, 401, "other operations still refuse it: {json}");

        let (status, json) = app
            .graphql(
                SIGN_IN,
                json!({ "e": ADMIN_EMAIL, "p": ADMIN_PASSWORD }),
                Some(stale),
            )
            .await;
        assert_eq!(status, 200, "{json}");
        let refresh = json["data"]["signIn"]["refreshToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{json}"))
            .to_owned();
        let (status, json) = app
            .graphql(REFRESH, json!({ "t": refresh }), Some(stale))
            .await;
        assert_eq!(status, 200, "{json}");
        let (_, next) = refreshed(&json);
        let (status, json) = app
            .graphql(
                "mutation Out($t: String!) { signOut(input: { refreshToken: $t }) { signedOut } __typename }",
                json!({ "t": next }),
                Some(stale),
            )
            .await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["data"]["signOut"]["signedOut"], true, "{json}");

        // A mutation that also selects anything else still needs a valid token.
        let (status, json) = app
            .graphql(
                "mutation($t: String!) { signOut(input: { refreshToken: $t }) { signedOut } markNotificationsRead(input: { all: true }) { marked } }",
                json!({ "t": next }),
                Some(stale),
            )
            .await;
        assert_eq!(status, 401, "{json}");
    }
}
