//! Community activities on the demo estate: drafting and publishing (the audience notified),
//! who sees what (one test per row of the README's table), seats under real concurrency, the
//! first-come-first-served waitlist and its promotion, cancellation, check-in codes, the no-show
//! job across instances, feedback, the live seats, bad input that writes nothing, the list's
//! statement count and `node`.

use chrono::{DateTime, Duration, Utc};
use resident_hub::{
    auth::{AuthenticatedUser, Role},
    domains::activities::no_shows::ActivityNoShows,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp},
};

const CREATE: &str = "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id status title viewerRuns viewerChecksIn } } }";
const UPDATE: &str = "mutation($input: UpdateActivityInput!) { updateActivity(input: $input) { activity { id title capacity householdLimit } } }";
const PUBLISH: &str = "mutation($id: ID!) { publishActivity(input: { id: $id }) { activity { id status publishedAt } } }";
const CANCEL: &str = "mutation($id: ID!, $reason: String) { cancelActivity(input: { id: $id, reason: $reason }) { activity { id status cancelReason } } }";
const SIGN_UP: &str = "mutation($id: ID!, $members: [ID!], $self: Boolean) { signUpForActivity(input: { activityId: $id, householdMemberIds: $members, includeSelf: $self }) { signUp { id status waitlistPosition seats checkInCode } } }";
const CANCEL_SIGN_UP: &str =
    "mutation($id: ID!) { cancelActivitySignUp(input: { id: $id }) { signUp { id status } } }";
const CHECK_IN: &str = "mutation($code: String!) { checkInActivity(input: { code: $code }) { signUp { id status checkedInAt residentName checkInCode } } }";
const FEEDBACK: &str = "mutation($id: ID!, $rating: Int!, $comment: String) { leaveActivityFeedback(input: { activityId: $id, rating: $rating, comment: $comment }) { feedback { id rating comment } } }";
const ONE: &str = "query($id: ID!) { activity(id: $id) { id status seatsLeft waitlistLength organiser { id } audience { estate buildings { id } } mySignUp { id status waitlistPosition checkInCode } feedback { count averageRating ratings } } }";
const SIGN_UPS: &str = "query($id: ID!) { activity(id: $id) { signUps(first: 100) { totalCount edges { node { id status checkInCode residentName } } } } }";
const LIST: &str = "query($filter: ActivityFilter) { activities(first: 100, filter: $filter) { totalCount edges { node { id title status } } } }";

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

fn field(response: &Value) -> &str {
    response["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("none")
}

fn ok(response: &Value) -> &Value {
    assert!(response["errors"].is_null(), "{response}");
    &response["data"]
}

/// An access token for the demo account `email`.
async fn token_of(app: &TestApp, email: &str) -> String {
    let user = user_by_email(app, email).await;
    app.state
        .tokens
        .issue(
            &AuthenticatedUser {
                id: user.id,
                roles: vec![],
            },
            app.state.clock.now(),
            TEST_TOKEN_TTL,
        )
        .unwrap()
}

async fn building_of(app: &TestApp, email: &str) -> Uuid {
    let unit = home_unit(app, email).await;
    entity::unit::Entity::find_by_id(unit)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id
}

/// A lecture in three days for `audience`, ten seats, two per household.
fn input(now: DateTime<Utc>, audience: Value) -> Value {
    json!({
        "kind": "LECTURE",
        "title": "Balcony gardening",
        "description": "Herbs and tomatoes in pots, with seedlings to take home.",
        "place": "Community room, Building A",
        "startsAt": now + Duration::days(3),
        "endsAt": now + Duration::days(3) + Duration::hours(2),
        "capacity": 10,
        "householdLimit": 2,
        "audience": audience,
    })
}

/// Creates (as `role`) and publishes an activity from `input`; its id.
async fn published(estate: &Estate, role: &str, input: Value) -> String {
    let created = estate.run(role, CREATE, json!({ "input": input })).await;
    let id = ok(&created)["createActivity"]["activity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&estate.run(role, PUBLISH, json!({ "id": id })).await);
    id
}

/// Building A's lecture, organised by staff2 (a repair technician of A), created by the manager.
async fn building_a_lecture(estate: &Estate, tweak: impl FnOnce(&mut Value)) -> String {
    let app = &estate.app;
    let a = building_of(app, "resident1@demo.test").await;
    let staff2 = user_by_email(app, "staff2@demo.test").await.id;
    let mut input = input(app.state.clock.now(), json!({ "buildingIds": [a] }));
    input["organiserId"] = json!(staff2);
    tweak(&mut input);
    published(estate, "manager", input).await
}

async fn sign_up(app: &TestApp, token: &str, id: &str, members: Value) -> Value {
    app.graphql(
        SIGN_UP,
        json!({ "id": id, "members": members }),
        Some(token),
    )
    .await
    .1
}

async fn activity_row(app: &TestApp, id: &str) -> entity::activity::Model {
    entity::activity::Entity::find_by_id(Uuid::parse_str(id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn sign_up_rows(app: &TestApp, id: &str) -> Vec<entity::activity_sign_up::Model> {
    entity::activity_sign_up::Entity::find()
        .filter(entity::activity_sign_up::Column::ActivityId.eq(Uuid::parse_str(id).unwrap()))
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn notifications(app: &TestApp, email: &str, kind: &str) -> u64 {
    let user = user_by_email(app, email).await;
    entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(user.id))
        .filter(entity::notification::Column::Kind.eq(kind))
        .filter(entity::notification::Column::RemovedAt.is_null())
        .count(&app.state.db)
        .await
        .unwrap()
}

fn members_of(rows: &[entity::household_member::Model]) -> Vec<Uuid> {
    rows.iter().map(|m| m.id).collect()
}

async fn household(app: &TestApp, email: &str) -> Vec<entity::household_member::Model> {
    let unit = home_unit(app, email).await;
    entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.eq(unit))
        .all(&app.state.db)
        .await
        .unwrap()
}

// ----- publishing -------------------------------------------------------------------------

#[tokio::test]
async fn publishing_notifies_the_audience_and_the_notification_links_to_the_activity() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |_| {}).await;
    // resident1 lives in Building A, resident25 in Building B.
    assert_eq!(
        notifications(app, "resident1@demo.test", "ACTIVITY_PUBLISHED").await,
        1
    );
    assert_eq!(
        notifications(app, "resident25@demo.test", "ACTIVITY_PUBLISHED").await,
        0
    );
    let inbox = estate
        .run(
            "resident",
            "{ notifications(first: 5) { edges { node { category kind subject { ... on Activity { id title status } } } } } }",
            json!({}),
        )
        .await;
    let node = &ok(&inbox)["notifications"]["edges"][0]["node"];
    assert_eq!(node["category"], "ACTIVITY");
    assert_eq!(node["subject"]["id"], id.as_str());
    assert_eq!(node["subject"]["status"], "OPEN");
}

#[tokio::test]
async fn every_invalid_field_of_a_new_activity_is_reported_at_once_and_nothing_is_written() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let now = app.state.clock.now();
    let mut bad = input(now, json!({}));
    bad["title"] = json!("");
    bad["capacity"] = json!(0);
    bad["organiserId"] = json!("not-an-id");
    let r = estate.run("admin", CREATE, json!({ "input": bad })).await;
    let mut fields: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "input.audience",
            "input.capacity",
            "input.organiserId",
            "input.title"
        ]
    );
    // Rules across fields, each on its field.
    let mut bad = input(now, json!({ "estate": true }));
    bad["endsAt"] = json!(now + Duration::days(2));
    bad["householdLimit"] = json!(11);
    let r = estate.run("admin", CREATE, json!({ "input": bad })).await;
    let mut fields: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["input.endsAt", "input.householdLimit"]);
    // Residents and ordinary staff do not create activities; managers not for the estate.
    let ok_input = input(now, json!({ "estate": true }));
    for role in ["resident", "staff"] {
        let r = estate.run(role, CREATE, json!({ "input": ok_input })).await;
        assert_eq!(code(&r), "FORBIDDEN", "{role}");
    }
    let r = estate
        .run("manager", CREATE, json!({ "input": ok_input }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    assert_eq!(
        entity::activity::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_draft_changes_until_it_is_published_and_then_only_cancels() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let created = estate
        .run(
            "admin",
            CREATE,
            json!({ "input": input(app.state.clock.now(), json!({ "estate": true })) }),
        )
        .await;
    let id = ok(&created)["createActivity"]["activity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = estate
        .run(
            "admin",
            UPDATE,
            json!({ "input": { "id": id, "title": "Balcony herbs", "capacity": 30, "householdLimit": 3 } }),
        )
        .await;
    assert_eq!(
        ok(&r)["updateActivity"]["activity"],
        json!({ "id": id, "title": "Balcony herbs", "capacity": 30, "householdLimit": 3 })
    );
    // A draft is seen by those who run it only.
    let r = estate.run("resident", ONE, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND");
    ok(&estate.run("admin", PUBLISH, json!({ "id": id })).await);
    let r = estate
        .run(
            "admin",
            UPDATE,
            json!({ "input": { "id": id, "title": "Late change" } }),
        )
        .await;
    assert_eq!(code(&r), "INVALID_STATE");
    let r = estate.run("admin", PUBLISH, json!({ "id": id })).await;
    assert_eq!(code(&r), "INVALID_STATE");
    // Cancelling a published activity needs a reason.
    let r = estate.run("admin", CANCEL, json!({ "id": id })).await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.reason"));
    let r = estate
        .run(
            "admin",
            CANCEL,
            json!({ "id": id, "reason": "Speaker ill" }),
        )
        .await;
    assert_eq!(ok(&r)["cancelActivity"]["activity"]["status"], "CANCELLED");
}

// ----- who sees what (one test per row of the README's table) ------------------------------

#[tokio::test]
async fn who_sees_what_administrators_see_every_activity_drafts_included_and_run_them() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |_| {}).await;
    let draft = estate
        .run(
            "manager",
            CREATE,
            json!({ "input": input(app.state.clock.now(), json!({ "buildingIds": [building_of(app, "resident1@demo.test").await] })) }),
        )
        .await;
    let draft = ok(&draft)["createActivity"]["activity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = estate.run("admin", LIST, json!({})).await;
    assert_eq!(ok(&list)["activities"]["totalCount"], 2);
    let one = estate.run("admin", ONE, json!({ "id": id })).await;
    assert!(!ok(&one)["activity"]["audience"].is_null());
    assert!(!ok(&one)["activity"]["organiser"].is_null());
    assert!(!ok(&one)["activity"]["feedback"].is_null());
    ok(&estate.run("admin", SIGN_UPS, json!({ "id": id })).await);
    ok(&estate.run("admin", PUBLISH, json!({ "id": draft })).await);
}

#[tokio::test]
async fn who_sees_what_the_organiser_sees_their_activities_runs_them_and_checks_them_in() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |_| {}).await;
    // staff2 organises it (the manager created it naming them).
    let one = estate.run("staff", ONE, json!({ "id": id })).await;
    let one = &ok(&one)["activity"];
    assert!(!one["audience"].is_null() && !one["feedback"].is_null());
    ok(&estate.run("staff", SIGN_UPS, json!({ "id": id })).await);
    let list = estate
        .run(
            "staff",
            LIST,
            json!({ "filter": { "organisedByMe": true } }),
        )
        .await;
    assert_eq!(ok(&list)["activities"]["totalCount"], 1);
    // And checks in.
    let r = sign_up(app, &estate.tokens["resident"], &id, json!([])).await;
    let code_ = ok(&r)["signUpForActivity"]["signUp"]["checkInCode"]
        .as_str()
        .unwrap()
        .to_owned();
    app.state.clock.advance(Duration::days(3));
    let r = estate
        .run("staff", CHECK_IN, json!({ "code": code_ }))
        .await;
    assert_eq!(ok(&r)["checkInActivity"]["signUp"]["status"], "CHECKED_IN");
    // The organiser cancels.
    let r = estate
        .run("staff", CANCEL, json!({ "id": id, "reason": "Rain" }))
        .await;
    assert_eq!(ok(&r)["cancelActivity"]["activity"]["status"], "CANCELLED");
}

#[tokio::test]
async fn who_sees_what_managers_see_and_check_in_the_activities_of_their_buildings_but_do_not_run_them()
 {
    let estate = Estate::new().await;
    let app = &estate.app;
    // The administrator's activity for Building A, organised by the administrator.
    let a = building_of(app, "resident1@demo.test").await;
    let id = published(
        &estate,
        "admin",
        input(app.state.clock.now(), json!({ "buildingIds": [a] })),
    )
    .await;
    let one = estate.run("manager", ONE, json!({ "id": id })).await;
    let one = &ok(&one)["activity"];
    assert!(one["audience"].is_null(), "managers do not run it");
    assert!(one["feedback"].is_null());
    assert!(
        !one["organiser"].is_null(),
        "check-in staff see the organiser"
    );
    let rows = estate.run("manager", SIGN_UPS, json!({ "id": id })).await;
    ok(&rows);
    let r = estate
        .run("manager", CANCEL, json!({ "id": id, "reason": "No" }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = sign_up(app, &estate.tokens["resident"], &id, json!([])).await;
    let code_ = ok(&r)["signUpForActivity"]["signUp"]["checkInCode"]
        .as_str()
        .unwrap()
        .to_owned();
    // The check-in list never shows the code.
    let rows = estate.run("manager", SIGN_UPS, json!({ "id": id })).await;
    let node = &ok(&rows)["activity"]["signUps"]["edges"][0]["node"];
    assert!(node["checkInCode"].is_null());
    assert!(!node["residentName"].is_null());
    app.state.clock.advance(Duration::days(3));
    let r = estate
        .run("manager", CHECK_IN, json!({ "code": code_ }))
        .await;
    assert_eq!(ok(&r)["checkInActivity"]["signUp"]["status"], "CHECKED_IN");
    assert!(ok(&r)["checkInActivity"]["signUp"]["checkInCode"].is_null());
}

#[tokio::test]
async fn who_sees_what_other_staff_see_activities_addressed_to_them_and_may_not_check_in() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let a = building_of(app, "resident1@demo.test").await;
    let id = published(
        &estate,
        "admin",
        input(app.state.clock.now(), json!({ "buildingIds": [a] })),
    )
    .await;
    // staff2 serves Building A: addressed to them, but they neither run nor check it in.
    let one = estate.run("staff", ONE, json!({ "id": id })).await;
    let one = &ok(&one)["activity"];
    assert!(one["audience"].is_null() && one["organiser"].is_null());
    let r = estate.run("staff", SIGN_UPS, json!({ "id": id })).await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = sign_up(app, &estate.tokens["resident"], &id, json!([])).await;
    let code_ = ok(&r)["signUpForActivity"]["signUp"]["checkInCode"]
        .as_str()
        .unwrap()
        .to_owned();
    app.state.clock.advance(Duration::days(3));
    let r = estate
        .run("staff", CHECK_IN, json!({ "code": code_ }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    // staff6 serves Building B only: not addressed, not found; the code names nothing for them.
    let b_staff = token_of(app, "staff6@demo.test").await;
    let (_, r) = app.graphql(ONE, json!({ "id": id }), Some(&b_staff)).await;
    assert_eq!(code(&r), "NOT_FOUND");
    let (_, r) = app
        .graphql(CHECK_IN, json!({ "code": code_ }), Some(&b_staff))
        .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.code"));
    // Supervisors and merchants are not addressed either.
    for role in ["supervisor", "merchant"] {
        let r = estate.run(role, ONE, json!({ "id": id })).await;
        assert_eq!(code(&r), "NOT_FOUND", "{role}");
    }
}

#[tokio::test]
async fn who_sees_what_residents_see_published_activities_addressed_to_them_and_their_own_sign_ups()
{
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |_| {}).await;
    let estate_wide = published(
        &estate,
        "admin",
        input(app.state.clock.now(), json!({ "estate": true })),
    )
    .await;
    // Building A's resident sees both; Building B's only the estate's.
    let list = estate.run("resident", LIST, json!({})).await;
    assert_eq!(ok(&list)["activities"]["totalCount"], 2);
    let list = estate.run("residentB", LIST, json!({})).await;
    assert_eq!(ok(&list)["activities"]["totalCount"], 1);
    let r = estate.run("residentB", ONE, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND");
    let node = estate
        .run(
            "residentB",
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(ok(&node)["node"].is_null());
    // Runner-only fields are null, the sign-up list forbidden.
    let one = estate.run("resident", ONE, json!({ "id": id })).await;
    let one = &ok(&one)["activity"];
    assert!(one["audience"].is_null() && one["organiser"].is_null() && one["feedback"].is_null());
    assert!(one["mySignUp"].is_null());
    let r = estate.run("resident", SIGN_UPS, json!({ "id": id })).await;
    assert_eq!(code(&r), "FORBIDDEN");
    // Their own sign-up, with its code, and nobody else's.
    let r = sign_up(app, &estate.tokens["resident"], &estate_wide, json!([])).await;
    let mine = &ok(&r)["signUpForActivity"]["signUp"];
    assert!(mine["checkInCode"].as_str().unwrap().len() == 8);
    let one = estate
        .run("resident", ONE, json!({ "id": estate_wide }))
        .await;
    assert_eq!(ok(&one)["activity"]["mySignUp"]["id"], mine["id"]);
    let list = estate
        .run(
            "resident",
            "{ mySignUps(first: 10) { totalCount edges { node { id checkInCode activity { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&list)["mySignUps"]["totalCount"], 1);
    let list = estate
        .run(
            "residentB",
            "{ mySignUps(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&list)["mySignUps"]["totalCount"], 0);
    let node = estate
        .run(
            "residentB",
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": mine["id"] }),
        )
        .await;
    assert!(ok(&node)["node"].is_null());
    let node = estate
        .run(
            "resident",
            "query($id: ID!) { node(id: $id) { ... on ActivitySignUp { id status } } }",
            json!({ "id": mine["id"] }),
        )
        .await;
    assert_eq!(ok(&node)["node"]["status"], "CONFIRMED");
    // Residents do not check in.
    let r = estate
        .run("resident", CHECK_IN, json!({ "code": mine["checkInCode"] }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
}

#[tokio::test]
async fn who_sees_what_supervisors_and_merchants_see_activities_addressed_to_their_roles_or_the_estate()
 {
    let estate = Estate::new().await;
    let app = &estate.app;
    let now = app.state.clock.now();
    let for_merchants = published(
        &estate,
        "admin",
        input(now, json!({ "roles": ["MERCHANT"] })),
    )
    .await;
    let for_everyone = published(&estate, "admin", input(now, json!({ "estate": true }))).await;
    let list = estate.run("merchant", LIST, json!({})).await;
    assert_eq!(ok(&list)["activities"]["totalCount"], 2);
    let list = estate.run("supervisor", LIST, json!({})).await;
    assert_eq!(ok(&list)["activities"]["totalCount"], 1);
    let r = estate
        .run("supervisor", ONE, json!({ "id": for_merchants }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
    let one = estate
        .run("merchant", ONE, json!({ "id": for_everyone }))
        .await;
    let one = &ok(&one)["activity"];
    assert!(one["audience"].is_null() && one["organiser"].is_null() && one["feedback"].is_null());
    for role in ["merchant", "supervisor"] {
        let r = estate
            .run(role, SIGN_UPS, json!({ "id": for_everyone }))
            .await;
        assert_eq!(code(&r), "FORBIDDEN", "{role}");
        // Without a home they do not sign up.
        let r = sign_up(app, &estate.tokens[role], &for_everyone, json!([])).await;
        assert_eq!(code(&r), "FORBIDDEN", "{role}");
    }
}

#[tokio::test]
async fn who_sees_what_anonymous_callers_are_unauthenticated() {
    let estate = Estate::new().await;
    let id = building_a_lecture(&estate, |_| {}).await;
    for (query, vars) in [
        (LIST, json!({})),
        (ONE, json!({ "id": id })),
        (SIGN_UP, json!({ "id": id })),
        (CHECK_IN, json!({ "code": "ABCDEFGH" })),
    ] {
        let r = estate.run("anonymous", query, vars).await;
        assert_eq!(code(&r), "UNAUTHENTICATED", "{query}");
    }
}

// ----- seats and the waitlist --------------------------------------------------------------

/// `n` residents, each in a flat of their own in Building A (inserted directly: no password
/// hashing), with their tokens.
async fn residents(app: &TestApp, n: usize) -> Vec<String> {
    let db = &app.state.db;
    let building = building_of(app, "resident1@demo.test").await;
    let now = app.state.clock.now();
    let mut tokens = Vec::with_capacity(n);
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut units = Vec::new();
    let mut homes = Vec::new();
    for i in 0..n {
        let (user, unit) = (Uuid::now_v7(), Uuid::now_v7());
        users.push(entity::user::ActiveModel {
            id: Set(user),
            email: Set(format!("crowd{i}@test.local")),
            phone: Set(None),
            display_name: Set(format!("Crowd {i}")),
            password_hash: Set("x".to_owned()),
            status: Set("ACTIVE".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        });
        roles.push(entity::user_role::ActiveModel {
            user_id: Set(user),
            role: Set("RESIDENT".to_owned()),
        });
        units.push(entity::unit::ActiveModel {
            id: Set(unit),
            building_id: Set(building),
            floor: Set(90),
            number: Set(format!("C{i:03}")),
            kind: Set("FLAT".to_owned()),
            created_at: Set(now),
        });
        homes.push(entity::residency::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user),
            unit_id: Set(unit),
            relation: Set("OWNER".to_owned()),
            moved_in: Set(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            moved_out: Set(None),
            created_at: Set(now),
        });
        tokens.push(
            app.state
                .tokens
                .issue(
                    &AuthenticatedUser {
                        id: user,
                        roles: vec![Role::Resident],
                    },
                    now,
                    TEST_TOKEN_TTL,
                )
                .unwrap(),
        );
    }
    entity::user::Entity::insert_many(users)
        .exec(db)
        .await
        .unwrap();
    entity::user_role::Entity::insert_many(roles)
        .exec(db)
        .await
        .unwrap();
    entity::unit::Entity::insert_many(units)
        .exec(db)
        .await
        .unwrap();
    entity::residency::Entity::insert_many(homes)
        .exec(db)
        .await
        .unwrap();
    tokens
}

#[tokio::test]
async fn two_hundred_concurrent_sign_ups_for_fifty_seats_give_fifty_seats_and_a_waitlist_of_one_fifty()
 {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |input| {
        input["capacity"] = json!(50);
        input["householdLimit"] = json!(1);
    })
    .await;
    let tokens = residents(app, 200).await;
    let answers = futures_util::future::join_all(
        tokens
            .iter()
            .map(|token| sign_up(app, token, &id, json!([]))),
    )
    .await;
    let mut confirmed = 0;
    let mut positions = Vec::new();
    for answer in &answers {
        let sign_up = &ok(answer)["signUpForActivity"]["signUp"];
        match sign_up["status"].as_str().unwrap() {
            "CONFIRMED" => confirmed += 1,
            "WAITLISTED" => positions.push(sign_up["waitlistPosition"].as_i64().unwrap()),
            other => panic!("{other}"),
        }
    }
    assert_eq!(confirmed, 50);
    assert_eq!(positions.len(), 150);
    let rows = sign_up_rows(app, &id).await;
    let seated = rows.iter().filter(|r| r.status == "CONFIRMED").count();
    let waiting = rows.iter().filter(|r| r.status == "WAITLISTED").count();
    assert_eq!((seated, waiting), (50, 150));
    // Every waitlist number is distinct: the line has one order.
    let mut seqs: Vec<i32> = rows.iter().filter_map(|r| r.waitlist_seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 150);
    let row = activity_row(app, &id).await;
    assert_eq!((row.seats_taken, row.waitlist_length), (50, 150));
    let one = estate.run("admin", ONE, json!({ "id": id })).await;
    assert_eq!(ok(&one)["activity"]["seatsLeft"], 0);
    assert_eq!(ok(&one)["activity"]["waitlistLength"], 150);
    assert_eq!(ok(&one)["activity"]["status"], "FULL");
}

#[tokio::test]
async fn a_freed_seat_goes_to_the_head_of_the_waitlist_who_is_notified() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |input| {
        input["capacity"] = json!(2);
        input["householdLimit"] = json!(1);
    })
    .await;
    let tokens = residents(app, 4).await;
    let mut ids = Vec::new();
    for token in &tokens {
        let r = sign_up(app, token, &id, json!([])).await;
        ids.push(ok(&r)["signUpForActivity"]["signUp"].clone());
    }
    let statuses: Vec<(&str, Value)> = ids
        .iter()
        .map(|s| (s["status"].as_str().unwrap(), s["waitlistPosition"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("CONFIRMED", Value::Null),
            ("CONFIRMED", Value::Null),
            ("WAITLISTED", json!(1)),
            ("WAITLISTED", json!(2)),
        ]
    );
    // The second in line cancels: nobody is promoted (no seat freed), the last moves up.
    let (_, r) = app
        .graphql(
            CANCEL_SIGN_UP,
            json!({ "id": ids[2]["id"] }),
            Some(&tokens[2]),
        )
        .await;
    assert_eq!(
        ok(&r)["cancelActivitySignUp"]["signUp"]["status"],
        "CANCELLED"
    );
    let (_, r) = app
        .graphql(ONE, json!({ "id": id }), Some(&tokens[3]))
        .await;
    assert_eq!(ok(&r)["activity"]["mySignUp"]["waitlistPosition"], 1);
    // A seated resident cancels: the head of the line gets the seat and is told.
    let (_, r) = app
        .graphql(
            CANCEL_SIGN_UP,
            json!({ "id": ids[0]["id"] }),
            Some(&tokens[0]),
        )
        .await;
    ok(&r);
    let (_, r) = app
        .graphql(ONE, json!({ "id": id }), Some(&tokens[3]))
        .await;
    let mine = &ok(&r)["activity"]["mySignUp"];
    assert_eq!(mine["status"], "CONFIRMED");
    assert!(mine["waitlistPosition"].is_null());
    assert_eq!(
        notifications(app, "crowd3@test.local", "ACTIVITY_SEAT_CONFIRMED").await,
        1
    );
    assert_eq!(
        notifications(app, "crowd1@test.local", "ACTIVITY_SEAT_CONFIRMED").await,
        0
    );
    let row = activity_row(app, &id).await;
    assert_eq!((row.seats_taken, row.waitlist_length), (2, 0));
    // Cancelling twice: the sign-up's state does not allow it.
    let (_, r) = app
        .graphql(
            CANCEL_SIGN_UP,
            json!({ "id": ids[0]["id"] }),
            Some(&tokens[0]),
        )
        .await;
    assert_eq!(code(&r), "INVALID_STATE");
    // Someone else's sign-up is not theirs to cancel.
    let (_, r) = app
        .graphql(
            CANCEL_SIGN_UP,
            json!({ "id": ids[1]["id"] }),
            Some(&tokens[0]),
        )
        .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.id"));
}

#[tokio::test]
async fn household_members_take_seats_and_the_household_limit_holds_across_its_residents() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |input| input["householdLimit"] = json!(2)).await;
    let members = members_of(&household(app, "resident1@demo.test").await);
    assert!(!members.is_empty(), "resident1 has a child");
    let r = sign_up(app, &estate.tokens["resident"], &id, json!([members[0]])).await;
    let signed = &ok(&r)["signUpForActivity"]["signUp"];
    assert_eq!(signed["seats"], 2);
    let one = estate
        .run(
            "resident",
            "query($id: ID!) { activity(id: $id) { seatsTaken mySignUp { includeSelf householdMembers { id name } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(ok(&one)["activity"]["seatsTaken"], 2);
    assert_eq!(
        ok(&one)["activity"]["mySignUp"]["householdMembers"][0]["id"],
        json!(members[0])
    );
    // An activity without household members takes none.
    let adults_only =
        building_a_lecture(&estate, |input| input["membersAllowed"] = json!(false)).await;
    let before = sign_up_rows(app, &adults_only).await.len();
    let r = sign_up(
        app,
        &estate.tokens["resident"],
        &adults_only,
        json!([members[0]]),
    )
    .await;
    assert_eq!(
        (code(&r), field(&r)),
        ("BAD_USER_INPUT", "input.householdMemberIds")
    );
    assert_eq!(sign_up_rows(app, &adults_only).await.len(), before);
    // resident29 shares resident1's flat: the household is full.
    let housemate = token_of(app, "resident29@demo.test").await;
    let before = sign_up_rows(app, &id).await.len();
    let r = sign_up(app, &housemate, &id, json!([])).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("BAD_USER_INPUT", "input.householdMemberIds")
    );
    assert_eq!(sign_up_rows(app, &id).await.len(), before);
}

#[tokio::test]
async fn cancelling_an_activity_cancels_and_notifies_every_seat_and_waitlist_entry() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |input| {
        input["capacity"] = json!(1);
        input["householdLimit"] = json!(1);
    })
    .await;
    let tokens = residents(app, 3).await;
    for token in &tokens {
        ok(&sign_up(app, token, &id, json!([])).await);
    }
    let r = estate
        .run(
            "manager",
            CANCEL,
            json!({ "id": id, "reason": "The speaker is ill" }),
        )
        .await;
    assert_eq!(ok(&r)["cancelActivity"]["activity"]["status"], "CANCELLED");
    for i in 0..3 {
        let email = format!("crowd{i}@test.local");
        assert_eq!(
            notifications(app, &email, "ACTIVITY_CANCELLED").await,
            1,
            "{email}"
        );
        // The announcement left their inbox.
        assert_eq!(notifications(app, &email, "ACTIVITY_PUBLISHED").await, 0);
    }
    // resident1 was addressed but not signed up: the announcement is gone, no cancellation.
    assert_eq!(
        notifications(app, "resident1@demo.test", "ACTIVITY_CANCELLED").await,
        0
    );
    assert_eq!(
        notifications(app, "resident1@demo.test", "ACTIVITY_PUBLISHED").await,
        0
    );
    let rows = sign_up_rows(app, &id).await;
    assert!(rows.iter().all(|r| r.status == "CANCELLED"));
    let row = activity_row(app, &id).await;
    assert_eq!((row.seats_taken, row.waitlist_length), (0, 0));
    let r = sign_up(app, &estate.tokens["resident"], &id, json!([])).await;
    assert_eq!(code(&r), "INVALID_STATE");
}

// ----- bad input ---------------------------------------------------------------------------

#[tokio::test]
async fn bad_sign_ups_get_clear_codes_and_write_nothing() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let now = app.state.clock.now();
    let id = building_a_lecture(&estate, |input| {
        input["signUpOpensAt"] = json!(now + Duration::days(1));
        input["signUpClosesAt"] = json!(now + Duration::days(2));
        input["householdLimit"] = json!(1);
    })
    .await;
    let resident = &estate.tokens["resident"];
    let unchanged = |before: &(entity::activity::Model, usize),
                     after: &(entity::activity::Model, usize)| {
        assert_eq!(before.0, after.0);
        assert_eq!(before.1, after.1);
    };
    let snapshot = || async {
        (
            activity_row(app, &id).await,
            sign_up_rows(app, &id).await.len(),
        )
    };
    // Before the window opens.
    let before = snapshot().await;
    let r = sign_up(app, resident, &id, json!([])).await;
    assert_eq!(code(&r), "INVALID_STATE");
    unchanged(&before, &snapshot().await);
    app.state.clock.advance(Duration::days(1));
    // Another household's member (resident3's child): as unknown as a made-up one.
    let theirs = members_of(&household(app, "resident3@demo.test").await);
    let before = snapshot().await;
    let r = sign_up(app, resident, &id, json!([theirs[0]])).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("NOT_FOUND", "input.householdMemberIds")
    );
    let r = sign_up(app, resident, &id, json!([Uuid::now_v7()])).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("NOT_FOUND", "input.householdMemberIds")
    );
    // Past the household limit (one seat; self and the child make two).
    let mine = members_of(&household(app, "resident1@demo.test").await);
    let r = sign_up(app, resident, &id, json!([mine[0]])).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("BAD_USER_INPUT", "input.householdMemberIds")
    );
    // Malformed and repeated ids are reported on their field.
    let r = sign_up(app, resident, &id, json!(["nope"])).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("BAD_USER_INPUT", "input.householdMemberIds")
    );
    let r = sign_up(app, resident, &id, json!([mine[0], mine[0]])).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("BAD_USER_INPUT", "input.householdMemberIds")
    );
    unchanged(&before, &snapshot().await);
    // Once is fine; twice is a conflict.
    ok(&sign_up(app, resident, &id, json!([])).await);
    let before = snapshot().await;
    let r = sign_up(app, resident, &id, json!([])).await;
    assert_eq!((code(&r), field(&r)), ("CONFLICT", "input.activityId"));
    unchanged(&before, &snapshot().await);
    // After the window closes.
    app.state.clock.advance(Duration::days(1));
    let other = token_of(app, "resident2@demo.test").await;
    let before = snapshot().await;
    let r = sign_up(app, &other, &id, json!([])).await;
    assert_eq!(code(&r), "INVALID_STATE");
    unchanged(&before, &snapshot().await);
    // An activity you may not see.
    let r = sign_up(app, &estate.tokens["residentB"], &id, json!([])).await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.activityId"));
    unchanged(&before, &snapshot().await);
}

#[tokio::test]
async fn check_in_with_a_wrong_code_or_twice_is_refused_and_writes_nothing() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |_| {}).await;
    let r = sign_up(app, &estate.tokens["resident"], &id, json!([])).await;
    let code_ = ok(&r)["signUpForActivity"]["signUp"]["checkInCode"]
        .as_str()
        .unwrap()
        .to_owned();
    // Too early: check-in opens two hours before the start.
    let r = estate
        .run("staff", CHECK_IN, json!({ "code": code_ }))
        .await;
    assert_eq!(code(&r), "INVALID_STATE");
    app.state
        .clock
        .advance(Duration::days(3) - Duration::hours(1));
    let before = sign_up_rows(app, &id).await;
    let r = estate
        .run("staff", CHECK_IN, json!({ "code": "ZZZZZZZZ" }))
        .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.code"));
    assert_eq!(sign_up_rows(app, &id).await, before);
    // Case, spaces and dashes do not matter.
    let typed = format!(
        "{}-{}",
        code_[..4].to_lowercase(),
        code_[4..].to_lowercase()
    );
    let r = estate
        .run("staff", CHECK_IN, json!({ "code": typed }))
        .await;
    assert_eq!(ok(&r)["checkInActivity"]["signUp"]["status"], "CHECKED_IN");
    let before = sign_up_rows(app, &id).await;
    let r = estate
        .run("staff", CHECK_IN, json!({ "code": code_ }))
        .await;
    assert_eq!(code(&r), "INVALID_STATE");
    assert_eq!(sign_up_rows(app, &id).await, before);
}

#[tokio::test]
async fn two_check_ins_with_one_code_at_once_check_in_once() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |_| {}).await;
    let r = sign_up(app, &estate.tokens["resident"], &id, json!([])).await;
    let code_ = ok(&r)["signUpForActivity"]["signUp"]["checkInCode"]
        .as_str()
        .unwrap()
        .to_owned();
    app.state.clock.advance(Duration::days(3));
    let (a, b) = tokio::join!(
        estate.run("staff", CHECK_IN, json!({ "code": code_ })),
        estate.run("manager", CHECK_IN, json!({ "code": code_ })),
    );
    let mut codes = [code(&a), code(&b)];
    codes.sort_unstable();
    assert_eq!(codes, ["INVALID_STATE", "none"]);
}

// ----- the end: no-shows and feedback ------------------------------------------------------

#[tokio::test]
async fn the_no_show_job_marks_those_who_did_not_come_once_across_instances_and_only_attendees_give_feedback_once()
 {
    let estate = Estate::new().await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let id = building_a_lecture(&estate, |_| {}).await;
    let came = &estate.tokens["resident"];
    let absent = token_of(app, "resident2@demo.test").await;
    let r = sign_up(app, came, &id, json!([])).await;
    let code_ = ok(&r)["signUpForActivity"]["signUp"]["checkInCode"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&sign_up(app, &absent, &id, json!([])).await);
    app.state
        .clock
        .advance(Duration::days(3) + Duration::minutes(10));
    ok(&estate
        .run("staff", CHECK_IN, json!({ "code": code_ }))
        .await);
    // Nothing to mark before the end.
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, ActivityNoShows::NAME)
            .await
            .unwrap(),
        0
    );
    app.state.clock.advance(Duration::hours(2));
    let (a, b) = tokio::join!(
        app.state.jobs.run_now(&app.state, ActivityNoShows::NAME),
        sibling
            .state
            .jobs
            .run_now(&sibling.state, ActivityNoShows::NAME)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let mut statuses: Vec<String> = sign_up_rows(app, &id)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["CHECKED_IN", "NO_SHOW"]);
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, ActivityNoShows::NAME)
            .await
            .unwrap(),
        0
    );
    // Feedback: attendees once, with a rating of 1–5.
    let (_, r) = app
        .graphql(FEEDBACK, json!({ "id": id, "rating": 6 }), Some(came))
        .await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.rating"));
    let (_, r) = app
        .graphql(
            FEEDBACK,
            json!({ "id": id, "rating": 4, "comment": "Great seedlings" }),
            Some(came),
        )
        .await;
    assert_eq!(ok(&r)["leaveActivityFeedback"]["feedback"]["rating"], 4);
    let (_, r) = app
        .graphql(FEEDBACK, json!({ "id": id, "rating": 5 }), Some(came))
        .await;
    assert_eq!(code(&r), "CONFLICT");
    let (_, r) = app
        .graphql(FEEDBACK, json!({ "id": id, "rating": 1 }), Some(&absent))
        .await;
    assert_eq!(code(&r), "INVALID_STATE");
    let given = entity::activity_feedback::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(given, 1);
    // The organiser reads the summary; residents do not.
    let one = estate.run("staff", ONE, json!({ "id": id })).await;
    assert_eq!(
        ok(&one)["activity"]["feedback"],
        json!({ "count": 1, "averageRating": 4.0, "ratings": [0, 0, 0, 1, 0] })
    );
    let one = estate.run("resident", ONE, json!({ "id": id })).await;
    assert!(ok(&one)["activity"]["feedback"].is_null());
    // Ended activities leave the default list and come back on request.
    let list = estate.run("resident", LIST, json!({})).await;
    assert_eq!(ok(&list)["activities"]["totalCount"], 0);
    let list = estate
        .run(
            "resident",
            LIST,
            json!({ "filter": { "includePast": true, "statuses": ["DONE"] } }),
        )
        .await;
    assert_eq!(ok(&list)["activities"]["totalCount"], 1);
}

#[tokio::test]
async fn cancelling_a_sign_up_after_the_cut_off_is_refused() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let now = app.state.clock.now();
    let id = building_a_lecture(&estate, |input| {
        input["cancelUntil"] = json!(now + Duration::days(2));
    })
    .await;
    let r = sign_up(app, &estate.tokens["resident"], &id, json!([])).await;
    let signed = ok(&r)["signUpForActivity"]["signUp"]["id"].clone();
    app.state.clock.advance(Duration::days(2));
    let before = sign_up_rows(app, &id).await;
    let r = estate
        .run("resident", CANCEL_SIGN_UP, json!({ "id": signed }))
        .await;
    assert_eq!(code(&r), "INVALID_STATE");
    assert_eq!(sign_up_rows(app, &id).await, before);
}

// ----- live seats ----------------------------------------------------------------------------

#[tokio::test]
async fn activity_seats_changed_gives_the_current_seats_then_every_change_to_those_who_see_it() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = building_a_lecture(&estate, |input| {
        input["capacity"] = json!(1);
        input["householdLimit"] = json!(1);
    })
    .await;
    let subscription = "subscription($id: ID!) { activitySeatsChanged(activityId: $id) { activityId capacity seatsTaken seatsLeft waitlistLength status } }";
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {}", estate.tokens["resident"]) }))
        .await;
    ws.subscribe("seats", subscription, json!({ "id": id }))
        .await;
    let first = ws.recv().await;
    assert_eq!(
        first["payload"]["data"]["activitySeatsChanged"],
        json!({ "activityId": id, "capacity": 1, "seatsTaken": 0, "seatsLeft": 1, "waitlistLength": 0, "status": "OPEN" })
    );
    ok(&sign_up(app, &estate.tokens["resident"], &id, json!([])).await);
    let next = ws.recv().await;
    assert_eq!(
        next["payload"]["data"]["activitySeatsChanged"]["seatsLeft"],
        0
    );
    assert_eq!(
        next["payload"]["data"]["activitySeatsChanged"]["status"],
        "FULL"
    );
    let housemate = token_of(app, "resident2@demo.test").await;
    ok(&sign_up(app, &housemate, &id, json!([])).await);
    let next = ws.recv().await;
    assert_eq!(
        next["payload"]["data"]["activitySeatsChanged"]["waitlistLength"],
        1
    );
    // Building B's resident may not watch it.
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {}", estate.tokens["residentB"]) }))
        .await;
    ws.subscribe("seats", subscription, json!({ "id": id }))
        .await;
    let refused = ws.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
}

// ----- cost ----------------------------------------------------------------------------------

#[tokio::test]
async fn the_activity_list_costs_the_same_statements_for_five_items_as_for_fifty() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let query = "{ activities(first: 100) { totalCount edges { node { id title status organiserName organiser { id } seatsLeft viewerRuns audience { estate } feedback { count } mySignUp { id status waitlistPosition householdMembers { id } } } } } }";
    let a = building_of(app, "resident1@demo.test").await;
    let make = |n: usize| {
        let estate = &estate;
        async move {
            for _ in 0..n {
                let id = published(
                    estate,
                    "admin",
                    input(estate.app.state.clock.now(), json!({ "buildingIds": [a] })),
                )
                .await;
                ok(&sign_up(&estate.app, &estate.tokens["resident"], &id, json!([])).await);
            }
        }
    };
    let signed = "{ mySignUps(first: 100) { totalCount edges { node { id status waitlistPosition seats residentName householdMembers { id } feedback { id } activity { id title organiserName mySignUp { id } } } } } }";
    make(5).await;
    let resident = estate.tokens["resident"].clone();
    let signed_five = app.sql_of(signed, json!({}), &resident).await;
    let mut five = Vec::new();
    for role in ["admin", "resident", "manager"] {
        let token = estate.tokens[role].clone();
        five.push(app.sql_of(query, json!({}), &token).await);
    }
    make(45).await;
    for (role, five) in ["admin", "resident", "manager"].into_iter().zip(five) {
        let token = estate.tokens[role].clone();
        let (_, json) = app.graphql(query, json!({}), Some(&token)).await;
        assert_eq!(ok(&json)["activities"]["totalCount"], 50, "{role}");
        let fifty = app.sql_of(query, json!({}), &token).await;
        assert_eq!(
            five.len(),
            fifty.len(),
            "{role}: statements grow with the page: {five:#?} {fifty:#?}"
        );
        println!(
            "{role}: {} statements for a page of 50 activities",
            fifty.len()
        );
    }
    let signed_fifty = app.sql_of(signed, json!({}), &resident).await;
    assert_eq!(
        signed_five.len(),
        signed_fifty.len(),
        "mySignUps: {signed_five:#?} {signed_fifty:#?}"
    );
    println!(
        "mySignUps: {} statements for a page of 50 sign-ups",
        signed_fifty.len()
    );
}

// ----- demo --------------------------------------------------------------------------------

#[tokio::test]
async fn the_demo_has_past_current_and_future_activities_and_seeding_twice_adds_nothing() {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    let count = || async {
        (
            entity::activity::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            entity::activity_sign_up::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
        )
    };
    let first = count().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    assert_eq!(count().await, first);
    let token = token_of(&app, "admin@demo.test").await;
    let (_, r) = app
        .graphql(
            "{ activities(first: 50, filter: { includePast: true }) { edges { node { kind status waitlistLength } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    let nodes: Vec<Value> = ok(&r)["activities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let has = |f: &dyn Fn(&Value) -> bool| nodes.iter().any(f);
    assert!(has(&|n| n["status"] == "DONE"), "a past activity");
    assert!(has(&|n| n["status"] == "CLOSED"), "a current activity");
    assert!(
        has(&|n| n["status"] == "FULL" && n["waitlistLength"].as_i64().unwrap() > 0),
        "a full one with a waitlist"
    );
    assert!(has(&|n| n["kind"] == "PHYSICAL_EXAM_DAY"));
}
