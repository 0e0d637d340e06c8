//! The hot path (issue 15): a resident's home page costs no statement once the instance knows
//! the viewer, and nothing of correctness is traded for it: a disabled user, changed roles, a
//! moved-out resident and a revoked session take effect at once on the instance that made the
//! change, and on every other instance (its HTTP requests and its open sockets alike) as soon as
//! the bus delivers the change; so does every change to what the page shows.

use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, eventually};

/// The home page.
const PAGE: &str = "{ viewer { displayName units { number floor building { name address } householdMembers { name kind } } } notices(first: 10) { edges { node { id title kind priority publishAt pinned requiresAck } } } unreadNotificationCount }";

const SIGN_IN: &str = "mutation($e: String!) { signIn(input: { email: $e, password: \"demo-password\" }) { accessToken refreshToken } }";

/// An instance that shares its viewers' facets between requests and keeps token checks (the
/// production defaults).
async fn sharing() -> TestApp {
    let app = TestApp::builder()
        .config(|c| {
            c.share_access_facets = true;
            TestApp::keep_checks(c);
        })
        .spawn()
        .await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    app
}

/// Signs a demo account in; (access token, refresh token).
async fn sign_in(app: &TestApp, email: &str) -> (String, String) {
    let (status, json) = app.graphql(SIGN_IN, json!({ "e": email }), None).await;
    assert_eq!(status, 200, "{json}");
    let tokens = &json["data"]["signIn"];
    (
        tokens["accessToken"].as_str().expect("{json}").to_owned(),
        tokens["refreshToken"].as_str().expect("{json}").to_owned(),
    )
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// The data of `query` as `token` on `app`, which must answer without errors.
async fn data(app: &TestApp, query: &str, variables: Value, token: &str) -> Value {
    let (status, json) = app.graphql(query, variables, Some(token)).await;
    assert_eq!(status, 200, "{json}");
    assert!(json["errors"].is_null(), "{json}");
    json["data"].clone()
}

/// A sibling of `app` that keeps nothing between requests: every answer read afresh.
async fn keeping_nothing(app: &TestApp) -> TestApp {
    app.spawn_sibling_with(|c| {
        c.share_access_facets = false;
        c.token_cache_ttl = std::time::Duration::ZERO;
    })
    .await
}

#[tokio::test]
async fn the_home_page_costs_no_statement_once_warm() {
    let app = sharing().await;
    let (token, _) = sign_in(&app, "resident1@demo.test").await;
    let cold = app.sql_of(PAGE, json!({}), &token).await;
    let warm = app.sql_of(PAGE, json!({}), &token).await;
    eprintln!(
        "home page: {} statements cold, {} warm: {warm:#?}",
        cold.len(),
        warm.len()
    );
    // The token check, the homes and the board come from what the first request read.
    assert_eq!(warm, Vec::<String>::new());

    // Without the kept token check, only the check itself: it reads the notices topic's head
    // and the unread count with the user.
    let checking = app
        .spawn_sibling_with(|c| {
            c.share_access_facets = true;
            c.token_cache_ttl = std::time::Duration::ZERO;
        })
        .await;
    checking.sql_of(PAGE, json!({}), &token).await;
    let warm = checking.sql_of(PAGE, json!({}), &token).await;
    assert_eq!(warm.len(), 1, "{warm:#?}");
    assert!(
        warm[0].contains("\"topic_sequence\"") && warm[0].contains("FROM \"notification\""),
        "{warm:#?}"
    );
    // The unread count is a plain count, not a count over a subquery.
    assert!(
        !warm.iter().any(|s| s.contains("COUNT(*) FROM (")),
        "{warm:#?}"
    );
    // A document that names neither reads neither.
    let plain_check = checking
        .sql_of("{ viewer { displayName } }", json!({}), &token)
        .await;
    assert_eq!(plain_check.len(), 1, "{plain_check:#?}");
    assert!(
        !plain_check[0].contains("topic_sequence") && !plain_check[0].contains("notification"),
        "{plain_check:#?}"
    );
    // A kept check that did not read the count or the head reads them when a page wants them.
    let (other_token, _) = sign_in(&app, "resident2@demo.test").await;
    data(&app, "{ viewer { displayName } }", json!({}), &other_token).await;
    let first_page = app.sql_of(PAGE, json!({}), &other_token).await;
    assert!(
        first_page
            .iter()
            .any(|s| s.contains("FROM \"notification\"")),
        "{first_page:#?}"
    );

    // The warm page answers what an instance that keeps nothing answers.
    let page = data(&app, PAGE, json!({}), &token).await;
    let plain = keeping_nothing(&app).await;
    assert_eq!(page, data(&plain, PAGE, json!({}), &token).await);
    let units = page["viewer"]["units"].as_array().expect("units");
    assert!(!units.is_empty(), "{page}");
    assert!(
        units.iter().all(|u| u["building"]["name"].is_string()),
        "{page}"
    );
    assert!(
        !page["notices"]["edges"].as_array().unwrap().is_empty(),
        "{page}"
    );

    // The unread count stays exact: reading everything brings it to zero on the next page.
    let unread = page["unreadNotificationCount"].as_u64().expect("count");
    assert!(unread > 0, "the demo resident has unread notices: {page}");
    data(
        &app,
        "mutation { markNotificationsRead(input: { all: true }) { __typename } }",
        json!({}),
        &token,
    )
    .await;
    let page = data(&app, PAGE, json!({}), &token).await;
    assert_eq!(page["unreadNotificationCount"], 0, "{page}");
    // A new notification counts on the very next page of the instance that wrote it.
    let (admin, _) = sign_in(&app, "admin@demo.test").await;
    data(
        &app,
        "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }",
        json!({ "i": { "title": "Counted", "body": "Hot path.", "kind": "GENERAL", "audience": { "estate": true } } }),
        &admin,
    )
    .await;
    let page = data(&app, PAGE, json!({}), &token).await;
    assert_eq!(page["unreadNotificationCount"], 1, "{page}");
    assert!(titles(&page).contains(&"Counted".to_owned()), "{page}");
}

/// The page as `token` on `kept` (warm, sharing facets, keeping token checks) once it is
/// exactly what `fresh` (keeping nothing) answers, which it must become as soon as the bus has
/// delivered the change; `what` names the change for the failure message.
async fn same_page(kept: &TestApp, fresh: &TestApp, token: &str, what: &str) -> Value {
    let truth = data(fresh, PAGE, json!({}), token).await;
    let seen = std::sync::Mutex::new(Value::Null);
    eventually(&format!("the kept page after {what}"), || async {
        let page = data(kept, PAGE, json!({}), token).await;
        let same = page == truth;
        *seen.lock().unwrap() = page;
        same
    })
    .await;
    seen.into_inner().unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    page["notices"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Every part of the page that one instance answers from memory follows a change made on
/// another instance as soon as the bus delivers it: a notice published, withdrawn or expired,
/// notifications read, a building renamed, a unit's floor changed, a household member added.
#[tokio::test]
async fn the_warm_page_follows_every_change_made_on_another_instance() {
    let Pair { app, other, admin } = pair().await;
    let fresh = keeping_nothing(&app).await;
    let (token, _) = sign_in(&other, "resident1@demo.test").await;
    same_page(&other, &fresh, &token, "nothing").await;
    // Warm: the next page costs nothing.
    assert_eq!(other.sql_of(PAGE, json!({}), &token).await.len(), 0);

    let publish =
        "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }";
    let notice = |title: &str| json!({ "i": { "title": title, "body": "Hot path.", "kind": "GENERAL", "audience": { "estate": true } } });
    let published = data(&app, publish, notice("Fresh on A"), &admin).await;
    let page = same_page(&other, &fresh, &token, "a publication").await;
    assert!(titles(&page).contains(&"Fresh on A".to_owned()), "{page}");
    assert_eq!(other.sql_of(PAGE, json!({}), &token).await.len(), 0);

    data(
        &app,
        "mutation($id: ID!) { withdrawNotice(input: { id: $id }) { notice { id } } }",
        json!({ "id": published["publishNotice"]["notice"]["id"] }),
        &admin,
    )
    .await;
    let page = same_page(&other, &fresh, &token, "a withdrawal").await;
    assert!(!titles(&page).contains(&"Fresh on A".to_owned()), "{page}");

    let mut expiring = notice("Soon gone");
    expiring["i"]["expiresAt"] =
        json!((app.state.clock.now() + chrono::Duration::minutes(5)).to_rfc3339());
    data(&app, publish, expiring, &admin).await;
    let page = same_page(&other, &fresh, &token, "an expiring notice").await;
    assert!(titles(&page).contains(&"Soon gone".to_owned()), "{page}");
    data(&other, PAGE, json!({}), &token).await;
    // Siblings share the clock (and the token lives 15 minutes).
    app.state.clock.advance(chrono::Duration::minutes(6));
    let page = same_page(&other, &fresh, &token, "an expiry").await;
    assert!(!titles(&page).contains(&"Soon gone".to_owned()), "{page}");

    assert!(
        page["unreadNotificationCount"].as_u64().unwrap() > 0,
        "{page}"
    );
    data(
        &app,
        "mutation { markNotificationsRead(input: { all: true }) { __typename } }",
        json!({}),
        &token,
    )
    .await;
    let page = same_page(&other, &fresh, &token, "reading every notification").await;
    assert_eq!(page["unreadNotificationCount"], 0, "{page}");

    // The estate: ids come from the administrator's view of the resident's unit.
    let homes = data(
        &other,
        "{ viewer { residencies { unit { id building { id } } } } }",
        json!({}),
        &token,
    )
    .await;
    let home = &homes["viewer"]["residencies"][0]["unit"];
    data(
        &app,
        "mutation($id: ID!) { updateBuilding(input: { id: $id, name: \"Renamed on A\" }) { building { id } } }",
        json!({ "id": home["building"]["id"] }),
        &admin,
    )
    .await;
    let page = same_page(&other, &fresh, &token, "a building renamed").await;
    assert_eq!(
        page["viewer"]["units"][0]["building"]["name"], "Renamed on A",
        "{page}"
    );
    data(
        &app,
        "mutation($id: ID!) { updateUnit(input: { id: $id, floor: 42 }) { unit { id } } }",
        json!({ "id": home["id"] }),
        &admin,
    )
    .await;
    let page = same_page(&other, &fresh, &token, "a floor changed").await;
    assert_eq!(page["viewer"]["units"][0]["floor"], 42, "{page}");
    data(
        &app,
        "mutation($u: ID!) { addHouseholdMember(input: { unitId: $u, kind: PET, name: \"Added on A\", species: \"cat\", consent: true }) { householdMember { id } } }",
        json!({ "u": home["id"] }),
        &token,
    )
    .await;
    let page = same_page(&other, &fresh, &token, "a household member added").await;
    let members = page["viewer"]["units"][0]["householdMembers"]
        .as_array()
        .expect("members");
    assert!(members.iter().any(|m| m["name"] == "Added on A"), "{page}");
}

/// Two sharing instances on one database (and bus), the demo estate, an administrator on the
/// first and the resident's caches warm on the second.
struct Pair {
    app: TestApp,
    other: TestApp,
    admin: String,
}

async fn pair() -> Pair {
    let app = sharing().await;
    let other = app
        .spawn_sibling_with(|c| {
            c.share_access_facets = true;
            TestApp::keep_checks(c);
        })
        .await;
    let (admin, _) = sign_in(&app, "admin@demo.test").await;
    Pair { app, other, admin }
}

const UNITS: &str = "{ units(first: 10) { edges { node { id } } } }";

async fn socket_of(app: &TestApp, token: &str) -> WsClient {
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws
}

/// The data of `query` run over `ws` (one operation, `complete` expected after it).
async fn ws_query(ws: &mut WsClient, id: &str, query: &str) -> Value {
    ws.subscribe(id, query, json!({})).await;
    let answer = ws.recv().await;
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(ws.recv().await["type"], "complete");
    answer["payload"].clone()
}

#[tokio::test]
async fn a_moved_out_resident_loses_their_units_on_the_other_instance() {
    let Pair { app, other, admin } = pair().await;
    let (token, _) = sign_in(&other, "resident1@demo.test").await;
    let mut ws = socket_of(&other, &token).await;
    // Warm: the other instance keeps the resident's facets.
    for _ in 0..2 {
        let units = data(&other, UNITS, json!({}), &token).await;
        assert!(
            !units["units"]["edges"].as_array().unwrap().is_empty(),
            "{units}"
        );
    }
    let homes = data(
        &other,
        "{ viewer { residencies { id } } }",
        json!({}),
        &token,
    )
    .await;
    let today = app.state.clock.today().to_string();
    for residency in homes["viewer"]["residencies"].as_array().unwrap() {
        data(
            &app,
            "mutation($id: ID!, $d: Date!) { endResidency(input: { id: $id, movedOut: $d }) { residency { movedOut } } }",
            json!({ "id": residency["id"], "d": today }),
            &admin,
        )
        .await;
    }
    // As soon as the bus delivers it: HTTP and the open socket.
    eventually("the other instance's units follow the move", || async {
        let units = data(&other, UNITS, json!({}), &token).await;
        units["units"]["edges"] == json!([])
    })
    .await;
    let page = data(&other, PAGE, json!({}), &token).await;
    assert_eq!(page["viewer"]["units"], json!([]), "{page}");
    let over_ws = ws_query(&mut ws, "after", UNITS).await;
    assert_eq!(over_ws["data"]["units"]["edges"], json!([]), "{over_ws}");
}

#[tokio::test]
async fn changed_roles_and_a_disabled_user_take_effect_on_the_other_instance() {
    let Pair { app, other, admin } = pair().await;
    let (manager, _) = sign_in(&other, "staff12@demo.test").await;
    let me = data(&other, "{ viewer { id roles } }", json!({}), &manager).await;
    let id = me["viewer"]["id"].clone();
    // Warm: a staff member reads the units of the buildings they serve.
    for _ in 0..2 {
        let units = data(&other, UNITS, json!({}), &manager).await;
        assert!(
            !units["units"]["edges"].as_array().unwrap().is_empty(),
            "{units}"
        );
    }
    // No longer staff: no served building on the next request.
    data(
        &app,
        "mutation($id: ID!) { updateUser(input: { id: $id, roles: [RESIDENT] }) { user { id } } }",
        json!({ "id": id }),
        &admin,
    )
    .await;
    eventually("the other instance sees the new roles", || async {
        let me = other
            .graphql("{ viewer { roles } }", json!({}), Some(&manager))
            .await
            .1;
        me["data"]["viewer"]["roles"] == json!(["RESIDENT"])
    })
    .await;
    let units = data(&other, UNITS, json!({}), &manager).await;
    assert_eq!(units["units"]["edges"], json!([]), "{units}");

    // Disabled: the token stops working on the next request of the other instance.
    let (resident, _) = sign_in(&other, "resident1@demo.test").await;
    let resident_id =
        data(&other, "{ viewer { id } }", json!({}), &resident).await["viewer"]["id"].clone();
    data(&other, PAGE, json!({}), &resident).await;
    data(
        &app,
        "mutation($id: ID!) { disableUser(input: { id: $id }) { user { status } } }",
        json!({ "id": resident_id }),
        &admin,
    )
    .await;
    eventually(
        "the disabled user's token ends on the other instance",
        || async {
            let (_, json) = other.graphql(PAGE, json!({}), Some(&resident)).await;
            code(&json) == "UNAUTHENTICATED"
        },
    )
    .await;
}

#[tokio::test]
async fn a_revoked_session_ends_on_the_other_instance_and_closes_its_socket() {
    let Pair { app, other, .. } = pair().await;
    let (access, refresh) = sign_in(&app, "resident1@demo.test").await;
    data(&other, PAGE, json!({}), &access).await;
    data(&other, PAGE, json!({}), &access).await;
    let mut ws = socket_of(&other, &access).await;
    ws_query(&mut ws, "before", UNITS).await;
    data(
        &app,
        "mutation($t: String!) { signOut(input: { refreshToken: $t }) { signedOut } }",
        json!({ "t": refresh }),
        &access,
    )
    .await;
    eventually("the revoked session ends on the other instance", || async {
        let (status, json) = other.graphql(PAGE, json!({}), Some(&access)).await;
        (status, code(&json)) == (401, "UNAUTHENTICATED")
    })
    .await;
    // The socket hears of it over the bus too.
    let (closed, seen) = ws.closed_after().await;
    assert_eq!(closed.code, 4403);
    assert!(
        seen.iter().all(|m| m["payload"]["data"].is_null()),
        "{seen:?}"
    );
}

/// Documents are parsed and validated once per instance and cached by their text: whatever a
/// later request brings with the same text (other variables, none, another document beside it)
/// is still judged as a fresh instance judges it.
#[tokio::test]
async fn a_cached_document_is_judged_again_with_each_requests_variables() {
    let app = sharing().await;
    let fresh = TestApp::spawn().await;
    let (token, _) = sign_in(&app, "resident1@demo.test").await;
    let optional = "query($first: Int) { notices(first: $first) { edges { node { id } } } }";
    let required = "query($first: Int!) { notices(first: $first) { edges { node { id } } } }";
    let unknown = "{ notices(first: 1) { edges { node { noSuchField } } } }";

    // Valid without variables: the validation result is cached.
    for _ in 0..2 {
        data(&app, optional, json!({}), &token).await;
    }
    // The same text with a variable of the wrong type, and a required variable left out after
    // the same text was validated with it: refused on the warm instance as on a fresh one.
    data(&app, required, json!({ "first": 2 }), &token).await;
    let cases = [
        (optional, json!({ "first": "ten" })),
        (required, json!({})),
        (unknown, json!({})),
        (unknown, json!({})),
    ];
    for (query, variables) in cases {
        let (_, warm) = app.graphql(query, variables.clone(), Some(&token)).await;
        let (_, cold) = fresh.graphql(query, variables.clone(), None).await;
        assert!(!code(&warm).is_empty(), "{query} {variables}: {warm}");
        assert_eq!(
            code(&warm),
            code(&cold),
            "{query} {variables}: {warm} / {cold}"
        );
        assert!(warm["data"].is_null(), "{warm}");
    }
    // And the cached text still answers with its own variables.
    let two = data(&app, optional, json!({ "first": 2 }), &token).await;
    assert_eq!(two["notices"]["edges"].as_array().map(Vec::len), Some(2));
}

/// A query whose document the instance accepted before runs again without the guardrails'
/// per-field hook, and answers exactly what the guarded run answered: data, errors and their
/// codes (a resolver's own, and the default `BAD_USER_INPUT` the hook gives an argument
/// async-graphql could not coerce). Introspection, mutations, requests with variables and
/// refused documents always run guarded; so does everything with the reuse turned off.
#[tokio::test]
async fn a_query_accepted_once_runs_again_unguarded_and_answers_the_same() {
    let app = sharing().await;
    let off = app
        .spawn_sibling_with(|c| c.reuse_accepted_documents = false)
        .await;
    let (token, _) = sign_in(&app, "resident1@demo.test").await;
    let reused = |app: &TestApp| app.state.metrics.documents_reused();
    let missing = "00000000-0000-7000-8000-000000000000";
    let again = [
        PAGE.to_owned(),
        // A resolver's error (`NOT_FOUND`) beside data.
        format!("{{ viewer {{ displayName }} notice(id: \"{missing}\") {{ id }} }}"),
        // An argument async-graphql cannot coerce: the hook's default code.
        "{ myCareVisits(from: \"not a time\", to: \"2026-01-01T00:00:00Z\") { edges { node { id } } } }"
            .to_owned(),
        "query Home { viewer { displayName } } query Other { unreadNotificationCount }".to_owned(),
    ];
    for query in &again {
        let before = reused(&app);
        let (_, guarded) = app.graphql(query, json!({}), Some(&token)).await;
        let (_, unguarded) = app.graphql(query, json!({}), Some(&token)).await;
        let (_, off_answer) = off.graphql(query, json!({}), Some(&token)).await;
        if query.contains("query Home") {
            // Two operations and no name: refused, and so never accepted.
            assert_eq!(code(&guarded), "GRAPHQL_VALIDATION_FAILED", "{guarded}");
            assert_eq!(reused(&app), before, "{query}");
        } else {
            assert_eq!(reused(&app), before + 1, "{query}");
        }
        assert_eq!(guarded, unguarded, "{query}");
        assert_eq!(guarded, off_answer, "{query}");
    }
    assert_eq!(
        code(&app.graphql(&again[1], json!({}), Some(&token)).await.1),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&app.graphql(&again[2], json!({}), Some(&token)).await.1),
        "BAD_USER_INPUT"
    );
    assert!(app.graphql(PAGE, json!({}), Some(&token)).await.1["errors"].is_null());

    // Named operations of one document, each accepted on its own.
    let named = "query Home { viewer { displayName } } query Count { unreadNotificationCount }";
    for (name, reruns) in [("Home", 0), ("Count", 0), ("Home", 1), ("Count", 1)] {
        let before = reused(&app);
        let response = app
            .http
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&json!({ "query": named, "operationName": name }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        assert!(response["errors"].is_null(), "{response}");
        let field = if name == "Home" {
            "viewer"
        } else {
            "unreadNotificationCount"
        };
        assert!(!response["data"][field].is_null(), "{response}");
        assert_eq!(reused(&app), before + reruns, "{name}");
    }

    // Never reused: introspection at the root, a mutation, a request with variables, a
    // document past the limits, and anything on the instance with the reuse off.
    let never = [
        (
            "{ __schema { queryType { name } } viewer { displayName } }",
            json!({}),
        ),
        (
            "{ ...Home } fragment Home on Query { viewer { displayName } }",
            json!({}),
        ),
        (
            "mutation { markNotificationsRead(input: { all: true }) { marked } }",
            json!({}),
        ),
        (
            "query($n: Int) { notices(first: $n) { totalCount } }",
            json!({ "n": 1 }),
        ),
    ];
    for (query, variables) in &never {
        let before = reused(&app);
        for _ in 0..2 {
            app.graphql(query, variables.clone(), Some(&token)).await;
        }
        assert_eq!(reused(&app), before, "{query}");
    }
    assert_eq!(reused(&off), 0);
    let text = app.metrics_text().await;
    assert!(
        text.contains(&format!(
            "resident_hub_graphql_documents_reused_total {}",
            reused(&app)
        )),
        "{text}"
    );
}

/// Subscription set-ups take turns, one per database connection: with two connections, two
/// turns are out and a third waits until one comes back.
#[tokio::test]
async fn subscription_set_ups_take_one_turn_per_database_connection() {
    use futures_util::FutureExt;
    let app = TestApp::builder()
        .config(|c| c.db_max_connections = 2)
        .spawn()
        .await;
    let state = &app.state;
    let first = state.setup_turn().now_or_never().flatten();
    let second = state.setup_turn().now_or_never().flatten();
    assert!(first.is_some() && second.is_some(), "two turns are free");
    assert!(
        state.setup_turn().now_or_never().is_none(),
        "a third turn waits while both connections' turns are out"
    );
    drop(first);
    assert!(
        state.setup_turn().now_or_never().flatten().is_some(),
        "a turn given back is free again"
    );
}

/// Forty sockets subscribing at once on a server with two database connections all set up in
/// turn, none is starved, and each gets the next notice once.
#[tokio::test]
async fn a_burst_of_subscribers_beyond_the_pool_all_set_up_and_receive() {
    let app = TestApp::builder()
        .config(|c| c.db_max_connections = 2)
        .spawn()
        .await;
    // Four administrators with ten sockets each (a user may hold sixteen).
    let mut admins = Vec::new();
    for _ in 0..4 {
        admins.push(app.token(&[resident_hub::auth::Role::Admin]).await);
    }
    let mut sockets = Vec::new();
    for i in 0..40 {
        let mut ws = app.ws().await;
        ws.init(json!({ "Authorization": format!("Bearer {}", admins[i % 4]) }))
            .await;
        sockets.push(ws);
    }
    // Every subscribe is sent before any is read, so the set-ups queue for the two turns.
    // Replaying from the start makes each subscription see the notice however late it goes
    // live.
    for ws in &mut sockets {
        ws.subscribe(
            "n",
            "subscription($a: String) { noticePublished(after: $a) { notice { title } } }",
            json!({ "a": uuid::Uuid::nil().to_string() }),
        )
        .await;
    }
    data(
        &app,
        "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }",
        json!({ "i": { "title": "Burst", "body": "To everyone.", "kind": "GENERAL", "audience": { "estate": true } } }),
        &admins[0],
    )
    .await;
    for ws in &mut sockets {
        let message = ws.recv().await;
        assert_eq!(
            message["payload"]["data"]["noticePublished"]["notice"]["title"], "Burst",
            "{message}"
        );
    }
}
