//! Rectifications (整改) on the demo estate: the life of one, the transition table, the verifier
//! who is never the responsible person, bad input that writes nothing, who sees what, the
//! overdue sweep across instances, low ratings, ledger citations, the live feed and the demo.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::TestApp,
};

const FIELDS: &str = "id status version problem correctiveAction overdue overdueAt dueAt \
    source { kind id } evidence { url note } responsible { id } building { id } \
    timeline { action from to actorId note }";

const OPEN: &str = "mutation($input: OpenRectificationInput!) { openRectification(input: $input) \
    { rectification { id status version dueAt responsible { id } timeline { action to } } } }";

const ONE: &str = "query($id: ID!) { rectification(id: $id) { id status } }";

const LIST: &str = "query($filter: RectificationFilter) { rectifications(first: 100, filter: $filter) \
    { totalCount edges { node { id status overdue } } } }";

async fn token_of(app: &TestApp, email: &str) -> String {
    let user = user_by_email(app, email).await;
    app.state
        .tokens
        .issue(
            &resident_hub::auth::AuthenticatedUser {
                id: user.id,
                roles: vec![],
            },
            app.state.clock.now(),
            crate::helpers::TEST_TOKEN_TTL,
        )
        .unwrap()
}

async fn staff_id(app: &TestApp, email: &str) -> Uuid {
    let user = user_by_email(app, email).await;
    entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::UserId.eq(user.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Demo building `"A"` or `"B"`.
async fn building(app: &TestApp, letter: &str) -> Uuid {
    entity::building::Entity::find()
        .filter(entity::building::Column::Name.starts_with(format!("Building {letter} ")))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(token)).await.1
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn field(json: &Value) -> &str {
    json["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("")
}

fn ok(json: &Value) -> &Value {
    assert!(json["errors"].is_null(), "{json}");
    &json["data"]
}

fn future(app: &TestApp, days: i64) -> DateTime<Utc> {
    app.state.clock.now() + Duration::days(days)
}

/// Opens one as `token` for `staff` in `building`; returns its id.
async fn open(app: &TestApp, token: &str, building: Uuid, staff: Uuid, due_days: i64) -> String {
    let json = gql(
        app,
        token,
        OPEN,
        json!({ "input": { "buildingId": building, "source": "INSPECTION", "sourceId": Uuid::now_v7(),
            "responsibleStaffId": staff, "problem": "Stairwell not swept",
            "dueAt": future(app, due_days) } }),
    )
    .await;
    ok(&json)["openRectification"]["rectification"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Runs a step mutation with `input` (its `id` added).
async fn act(app: &TestApp, token: &str, mutation: &str, id: &str, mut input: Value) -> Value {
    let ty = match mutation {
        "recordRectification" | "submitRectification" => "RectificationWorkInput",
        "verifyRectification" => "VerifyRectificationInput",
        "rejectRectification" => "RejectRectificationInput",
        _ => "RectificationActionInput",
    };
    input["id"] = json!(id);
    gql(
        app,
        token,
        &format!(
            "mutation($input: {ty}!) {{ {mutation}(input: $input) {{ rectification {{ {FIELDS} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

fn evidence(n: usize) -> Value {
    json!(
        (0..n)
            .map(|i| json!({ "url": format!("https://hub.example/e/{i}.jpg"), "note": "after" }))
            .collect::<Vec<_>>()
    )
}

/// Rows of both rectification tables.
async fn rows(app: &TestApp) -> (u64, u64) {
    (
        entity::rectification::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        entity::rectification_entry::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
    )
}

async fn inbox_kinds(app: &TestApp, email: &str) -> Vec<String> {
    let user = user_by_email(app, email).await;
    entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(user.id))
        .filter(entity::notification::Column::Category.eq("RECTIFICATION"))
        .order_by_asc(entity::notification::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

/// A rectification of staff2's in Building A, opened by the manager and taken to `SUBMITTED`.
async fn submitted(estate: &Estate) -> String {
    let app = &estate.app;
    let a = building(app, "A").await;
    let staff2 = staff_id(app, "staff2@demo.test").await;
    let id = open(app, &estate.tokens["manager"], a, staff2, 3).await;
    let technician = &estate.tokens["staff"];
    ok(&act(app, technician, "startRectification", &id, json!({})).await);
    ok(&act(
        app,
        technician,
        "submitRectification",
        &id,
        json!({ "correctiveAction": "Swept and mopped", "evidence": evidence(1) }),
    )
    .await);
    id
}

#[tokio::test]
async fn a_rectification_lives_from_opening_to_verification_with_its_timeline_and_notifications() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let a = building(app, "A").await;
    let staff2 = staff_id(app, "staff2@demo.test").await;
    let (manager, technician) = (&estate.tokens["manager"], &estate.tokens["staff"]);
    let id = open(app, manager, a, staff2, 3).await;
    assert_eq!(inbox_kinds(app, "staff2@demo.test").await, ["OPENED"]);

    let json = act(app, technician, "startRectification", &id, json!({})).await;
    assert_eq!(
        ok(&json)["startRectification"]["rectification"]["status"],
        "IN_PROGRESS"
    );
    let json = act(
        app,
        technician,
        "recordRectification",
        &id,
        json!({ "correctiveAction": "Swept the stairwell", "evidence": evidence(2) }),
    )
    .await;
    let recorded = &ok(&json)["recordRectification"]["rectification"];
    assert_eq!(recorded["status"], "IN_PROGRESS");
    assert_eq!(recorded["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(recorded["correctiveAction"], "Swept the stairwell");
    // Submitting keeps what was recorded; the managers hear of it.
    let json = act(app, technician, "submitRectification", &id, json!({})).await;
    assert_eq!(
        ok(&json)["submitRectification"]["rectification"]["status"],
        "SUBMITTED"
    );
    assert_eq!(inbox_kinds(app, "staff12@demo.test").await, ["SUBMITTED"]);
    // Sent back with a reason: IN_PROGRESS again, the entry says REJECT.
    let json = act(
        app,
        manager,
        "rejectRectification",
        &id,
        json!({ "reason": "The landing on floor 4 is still dirty" }),
    )
    .await;
    let rejected = &ok(&json)["rejectRectification"]["rectification"];
    assert_eq!(rejected["status"], "IN_PROGRESS");
    let last = rejected["timeline"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (
            last["action"].as_str(),
            last["from"].as_str(),
            last["note"].as_str()
        ),
        (
            Some("REJECT"),
            Some("SUBMITTED"),
            Some("The landing on floor 4 is still dirty")
        )
    );
    ok(&act(
        app,
        technician,
        "submitRectification",
        &id,
        json!({ "evidence": evidence(3) }),
    )
    .await);
    let json = act(
        app,
        &estate.tokens["supervisor"],
        "verifyRectification",
        &id,
        json!({ "note": "Clean now" }),
    )
    .await;
    let verified = &ok(&json)["verifyRectification"]["rectification"];
    assert_eq!(verified["status"], "VERIFIED");
    assert_eq!(verified["overdue"], false);
    let actions: Vec<&str> = verified["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "OPEN", "START", "RECORD", "SUBMIT", "REJECT", "SUBMIT", "VERIFY"
        ]
    );
    assert_eq!(
        inbox_kinds(app, "staff2@demo.test").await,
        ["OPENED", "REJECTED", "VERIFIED"]
    );
    // A verified rectification takes no more steps.
    let json = act(app, technician, "startRectification", &id, json!({})).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    // The inbox links to it, and node(id:) finds it.
    let json = gql(
        app,
        technician,
        "{ notifications(first: 10) { nodes { kind subject { __typename ... on Rectification { id status } } } } }",
        json!({}),
    )
    .await;
    let subjects: Vec<&Value> = ok(&json)["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["subject"])
        .collect();
    assert!(
        subjects
            .iter()
            .all(|s| s["__typename"] == "Rectification" && s["id"] == id.as_str()),
        "{json}"
    );
    let json = gql(
        app,
        manager,
        "query($id: ID!) { node(id: $id) { __typename ... on Rectification { status } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(ok(&json)["node"]["status"], "VERIFIED");
}

#[test]
fn the_readme_transition_table_is_the_one_in_the_code() {
    use resident_hub::domains::rectifications::flow::TRANSITIONS;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("| from | step (mutation) | to | who |")
        .expect("the rectification table is in the README");
    let rows: Vec<(String, String, String)> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.trim_start().starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            let action = cells[1].split_whitespace().next().unwrap_or("").to_owned();
            (cells[0].to_owned(), action, cells[2].to_owned())
        })
        .collect();
    let code: Vec<(String, String, String)> = TRANSITIONS
        .iter()
        .map(|(from, action, to)| {
            (
                from.as_str().to_owned(),
                action.as_str().to_owned(),
                to.as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(rows, code);
}

#[tokio::test]
async fn a_self_verified_rectification_is_refused_and_writes_nothing() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let a = building(app, "A").await;
    // The manager is responsible for this one: they may not verify it, though they verify
    // everyone else's in Building A.
    let manager_staff = staff_id(app, "staff12@demo.test").await;
    let manager = &estate.tokens["manager"];
    let id = open(app, &estate.tokens["admin"], a, manager_staff, 3).await;
    ok(&act(app, manager, "startRectification", &id, json!({})).await);
    ok(&act(
        app,
        manager,
        "submitRectification",
        &id,
        json!({ "correctiveAction": "Done", "evidence": evidence(1) }),
    )
    .await);
    let before = rows(app).await;
    let notifications = entity::notification::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    for (mutation, input) in [
        ("verifyRectification", json!({ "note": "fine" })),
        ("rejectRectification", json!({ "reason": "not fine" })),
    ] {
        let json = act(app, manager, mutation, &id, input).await;
        assert_eq!(code(&json), "FORBIDDEN", "{mutation}: {json}");
        assert!(
            json["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("never verifies"),
            "{json}"
        );
    }
    assert_eq!(rows(app).await, before, "nothing written");
    assert_eq!(
        entity::notification::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        notifications
    );
    let json = gql(app, manager, ONE, json!({ "id": id })).await;
    assert_eq!(ok(&json)["rectification"]["status"], "SUBMITTED");
    // Someone else verifies it.
    let json = act(
        app,
        &estate.tokens["admin"],
        "verifyRectification",
        &id,
        json!({}),
    )
    .await;
    assert_eq!(
        ok(&json)["verifyRectification"]["rectification"]["status"],
        "VERIFIED"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_code_and_writes_nothing() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let (a, b) = (building(app, "A").await, building(app, "B").await);
    let manager = &estate.tokens["manager"];
    let technician = &estate.tokens["staff"];
    let staff2 = staff_id(app, "staff2@demo.test").await;
    let id = open(app, manager, a, staff2, 3).await;
    let before = rows(app).await;
    let open_with =
        |input: Value| async move { gql(app, manager, OPEN, json!({ "input": input })).await };
    let base = json!({ "buildingId": a, "source": "SURVEY", "responsibleStaffId": staff2,
        "problem": "Lift smells", "dueAt": future(app, 2) });
    let with = |patch: Value| {
        let mut input = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };

    // A responsible staff member not serving the building (staff3 serves Building B only).
    let json = open_with(with(
        json!({ "responsibleStaffId": staff_id(app, "staff3@demo.test").await }),
    ))
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.responsibleStaffId"),
        "{json}"
    );
    // Nor one who is not active (staff6 is still onboarding in Building B).
    let json = open_with(with(
        json!({ "buildingId": b, "responsibleStaffId": staff_id(app, "staff6@demo.test").await }),
    ))
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.responsibleStaffId"),
        "{json}"
    );
    // A due date in the past.
    let json = open_with(with(json!({ "dueAt": future(app, -1) }))).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.dueAt"),
        "{json}"
    );
    // Unknown ids: NOT_FOUND on their field.
    let json = open_with(with(json!({ "responsibleStaffId": Uuid::now_v7() }))).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.responsibleStaffId"),
        "{json}"
    );
    let json = open_with(with(json!({ "buildingId": Uuid::now_v7() }))).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.buildingId"),
        "{json}"
    );
    let json = open_with(with(
        json!({ "source": "LOW_RATING", "sourceId": Uuid::now_v7() }),
    ))
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.sourceId"),
        "{json}"
    );
    // Every malformed field at once.
    let json = open_with(with(
        json!({ "buildingId": "nope", "problem": "", "dueAt": future(app, -3),
        "source": "LOW_RATING" }),
    ))
    .await;
    let mut fields: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "input.buildingId",
            "input.dueAt",
            "input.problem",
            "input.sourceId"
        ],
        "{json}"
    );

    // A step from the wrong state: submitting or verifying an OPEN one.
    let json = act(
        app,
        technician,
        "submitRectification",
        &id,
        json!({ "correctiveAction": "x", "evidence": evidence(1) }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    let json = act(app, manager, "verifyRectification", &id, json!({})).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    // Evidence over the limit, or not a link.
    ok(&act(app, technician, "startRectification", &id, json!({})).await);
    let before_steps = rows(app).await;
    let json = act(
        app,
        technician,
        "recordRectification",
        &id,
        json!({ "evidence": evidence(11) }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.evidence"),
        "{json}"
    );
    let json = act(
        app,
        technician,
        "submitRectification",
        &id,
        json!({ "correctiveAction": "x", "evidence": [{ "url": "javascript:alert(1)" }] }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.evidence"),
        "{json}"
    );
    // Submitting without an action or evidence reports both.
    let json = act(app, technician, "submitRectification", &id, json!({})).await;
    assert_eq!(json["errors"].as_array().unwrap().len(), 2, "{json}");
    // A rejection needs its reason; a stale version is CONFLICT.
    let json = act(
        app,
        manager,
        "rejectRectification",
        &id,
        json!({ "reason": "" }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.reason"),
        "{json}"
    );
    let json = act(
        app,
        technician,
        "recordRectification",
        &id,
        json!({ "correctiveAction": "x", "expectedVersion": 1 }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("CONFLICT", "input.expectedVersion"),
        "{json}"
    );
    assert_eq!(
        rows(app).await,
        before_steps,
        "nothing written by refused steps"
    );
    assert_eq!(
        before.0, before_steps.0,
        "no rectification opened by refused input"
    );
    assert_eq!(before.1 + 1, before_steps.1, "only the START entry");
}

#[tokio::test]
async fn who_sees_which_rectifications() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let (a, b) = (building(app, "A").await, building(app, "B").await);
    let admin = estate.tokens["admin"].clone();
    let (staff2, staff4) = (
        staff_id(app, "staff2@demo.test").await,
        staff_id(app, "staff4@demo.test").await,
    );
    let staff3 = staff_id(app, "staff3@demo.test").await;
    let in_a = open(app, &admin, a, staff2, 3).await;
    let in_a_other = open(app, &admin, a, staff4, 3).await;
    let in_b = open(app, &admin, b, staff3, 3).await;
    // The manager serves Building A only from now on.
    let manager_staff = staff_id(app, "staff12@demo.test").await;
    entity::staff_building::Entity::delete_many()
        .filter(entity::staff_building::Column::StaffId.eq(manager_staff))
        .filter(entity::staff_building::Column::BuildingId.eq(b))
        .exec(&app.state.db)
        .await
        .unwrap();
    let ids_of = |json: &Value| -> Vec<String> {
        let mut ids: Vec<String> = json["data"]["rectifications"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{json}"))
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    let all = sorted(vec![&in_a, &in_a_other, &in_b]);
    // administrator and supervisor: all.
    for role in ["admin", "supervisor"] {
        let json = estate.run(role, LIST, json!({})).await;
        assert_eq!(ids_of(&json), all, "{role}");
        assert_eq!(
            ok(&estate.run(role, ONE, json!({ "id": in_b })).await)["rectification"]["id"],
            in_b.as_str()
        );
    }
    // manager: their buildings'.
    let json = estate.run("manager", LIST, json!({})).await;
    assert_eq!(ids_of(&json), sorted(vec![&in_a, &in_a_other]));
    let json = estate.run("manager", ONE, json!({ "id": in_b })).await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    // staff: their own only, never a colleague's in the same building.
    let json = estate.run("staff", LIST, json!({})).await;
    assert_eq!(ids_of(&json), vec![in_a.clone()]);
    let json = estate.run("staff", ONE, json!({ "id": in_a_other })).await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    let json = estate
        .run("staff", LIST, json!({ "filter": { "mine": true } }))
        .await;
    assert_eq!(ids_of(&json), vec![in_a.clone()]);
    let json = estate
        .run("manager", LIST, json!({ "filter": { "mine": true } }))
        .await;
    assert!(ids_of(&json).is_empty());
    // Filters narrow within what one sees.
    let json = estate
        .run("admin", LIST, json!({ "filter": { "buildingId": b } }))
        .await;
    assert_eq!(ids_of(&json), vec![in_b.clone()]);
    let json = estate
        .run("admin", LIST, json!({ "filter": { "responsibleStaffId": staff4, "status": "OPEN", "sourceKind": "INSPECTION" } }))
        .await;
    assert_eq!(ids_of(&json), vec![in_a_other.clone()]);
    let json = estate
        .run("admin", LIST, json!({ "filter": { "buildingId": "x" } }))
        .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "filter.buildingId")
    );
    // residents (a complainant included) and merchants: none.
    for role in ["resident", "merchant"] {
        let json = estate.run(role, LIST, json!({})).await;
        assert_eq!(code(&json), "FORBIDDEN", "{role}: {json}");
        let json = estate.run(role, ONE, json!({ "id": in_a })).await;
        assert_eq!(code(&json), "NOT_FOUND", "{role}: {json}");
        let json = estate
            .run(
                role,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": in_a }),
            )
            .await;
        assert!(ok(&json)["node"].is_null(), "{role}");
    }
    // A member of Building A's supervision group (resident2, a resident representative):
    // Building A's, to read only.
    let resident2 = crate::estate::user_by_email(app, "resident2@demo.test")
        .await
        .id;
    let json = estate
        .run(
            "supervisor",
            "mutation($input: AddSupervisionMemberInput!) { addSupervisionMember(input: $input) { member { id } } }",
            json!({ "input": { "buildingId": a, "userId": resident2, "role": "RESIDENT" } }),
        )
        .await;
    ok(&json);
    let json = estate.run("resident2", LIST, json!({})).await;
    assert_eq!(ids_of(&json), sorted(vec![&in_a, &in_a_other]), "{json}");
    let json = estate.run("resident2", ONE, json!({ "id": in_b })).await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    let group_input = json!({ "input": { "buildingId": a, "source": "SURVEY",
        "responsibleStaffId": staff2, "problem": "x", "dueAt": future(app, 1) } });
    let json = estate.run("resident2", OPEN, group_input).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    // anonymous: UNAUTHENTICATED.
    let (_, json) = app.graphql(LIST, json!({}), None).await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");

    // Who may act: staff do not open; a manager opens only in their buildings; staff do not
    // verify; only the responsible person works on it.
    let input = json!({ "input": { "buildingId": a, "source": "SURVEY", "responsibleStaffId": staff2,
        "problem": "x", "dueAt": future(app, 1) } });
    let json = estate.run("staff", OPEN, input.clone()).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = estate.run("resident", OPEN, input.clone()).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let mut in_b_input = input.clone();
    in_b_input["input"]["buildingId"] = json!(b);
    in_b_input["input"]["responsibleStaffId"] = json!(staff3);
    let json = estate.run("manager", OPEN, in_b_input).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.buildingId"),
        "{json}"
    );
    let json = estate.run("supervisor", OPEN, input).await;
    let by_supervisor = ok(&json)["openRectification"]["rectification"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let json = act(
        app,
        &estate.tokens["manager"],
        "startRectification",
        &in_a,
        json!({}),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let staff4_token = token_of(app, "staff4@demo.test").await;
    let json = act(app, &staff4_token, "startRectification", &in_a, json!({})).await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    ok(&act(
        app,
        &estate.tokens["staff"],
        "startRectification",
        &in_a,
        json!({}),
    )
    .await);
    ok(&act(
        app,
        &estate.tokens["staff"],
        "submitRectification",
        &in_a,
        json!({ "correctiveAction": "x", "evidence": evidence(1) }),
    )
    .await);
    let json = act(app, &staff4_token, "verifyRectification", &in_a, json!({})).await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    // A staff member of any status keeps seeing their own (a suspended one, here).
    entity::staff_record::Entity::update_many()
        .col_expr(
            entity::staff_record::Column::Status,
            sea_orm::sea_query::Expr::value("SUSPENDED"),
        )
        .filter(entity::staff_record::Column::Id.eq(staff2))
        .exec(&app.state.db)
        .await
        .unwrap();
    let json = estate.run("staff", LIST, json!({})).await;
    assert_eq!(ids_of(&json), sorted(vec![&in_a, &by_supervisor]));
}

#[tokio::test]
async fn of_concurrent_decisions_exactly_one_wins() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = submitted(&estate).await;
    let deciders = [
        "admin",
        "supervisor",
        "manager",
        "admin",
        "supervisor",
        "manager",
    ];
    let decisions = deciders.iter().enumerate().map(|(i, role)| {
        let (token, id) = (estate.tokens[role].clone(), id.clone());
        async move {
            if i % 2 == 0 {
                act(
                    app,
                    &token,
                    "verifyRectification",
                    &id,
                    json!({ "expectedVersion": 3 }),
                )
                .await
            } else {
                act(
                    app,
                    &token,
                    "rejectRectification",
                    &id,
                    json!({ "reason": "no", "expectedVersion": 3 }),
                )
                .await
            }
        }
    });
    let results = futures_util::future::join_all(decisions).await;
    let won: Vec<&Value> = results.iter().filter(|r| r["errors"].is_null()).collect();
    assert_eq!(won.len(), 1, "{results:#?}");
    for lost in results.iter().filter(|r| !r["errors"].is_null()) {
        assert!(
            ["CONFLICT", "INVALID_STATE"].contains(&code(lost)),
            "{lost}"
        );
    }
    let decided = entity::rectification_entry::Entity::find()
        .filter(entity::rectification_entry::Column::Action.is_in(["VERIFY", "REJECT"]))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(decided, 1);
    // Two starts of one rectification at once (no version given): one wins.
    let a = building(app, "A").await;
    let staff2 = staff_id(app, "staff2@demo.test").await;
    let other = open(app, &estate.tokens["manager"], a, staff2, 3).await;
    let token = &estate.tokens["staff"];
    let (x, y) = tokio::join!(
        act(app, token, "startRectification", &other, json!({})),
        act(app, token, "startRectification", &other, json!({}))
    );
    assert_eq!(
        [&x, &y].iter().filter(|r| r["errors"].is_null()).count(),
        1,
        "{x} {y}"
    );
    let starts = entity::rectification_entry::Entity::find()
        .filter(entity::rectification_entry::Column::Action.eq("START"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(starts, 2, "one for each rectification");
}

#[tokio::test]
async fn the_overdue_flag_and_the_reminder_go_out_once_across_instances() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let a = building(app, "A").await;
    let staff2 = staff_id(app, "staff2@demo.test").await;
    let id = open(app, &estate.tokens["manager"], a, staff2, 2).await;
    // A verified one is never overdue.
    let done = submitted(&estate).await;
    ok(&act(
        app,
        &estate.tokens["admin"],
        "verifyRectification",
        &done,
        json!({}),
    )
    .await);
    let job = resident_hub::domains::rectifications::overdue::RectificationOverdue::NAME;
    let run_both = || async {
        let (x, y) = tokio::join!(
            app.state.jobs.run_now(&app.state, job),
            sibling.state.jobs.run_now(&sibling.state, job)
        );
        x.unwrap() + y.unwrap()
    };
    assert_eq!(run_both().await, 0, "nothing due yet");
    // Within 24 hours of the due date: one reminder, on one instance.
    app.state.clock.advance(Duration::hours(25));
    assert_eq!(run_both().await, 1);
    assert_eq!(run_both().await, 0);
    assert_eq!(
        inbox_kinds(app, "staff2@demo.test").await,
        ["OPENED", "OPENED", "VERIFIED", "DUE_SOON"]
    );
    let json = estate
        .run(
            "manager",
            ONE.replace("status", "status overdue").as_str(),
            json!({ "id": id }),
        )
        .await;
    assert_eq!(ok(&json)["rectification"]["overdue"], false);
    // Past due: flagged once, the responsible person and the managers told.
    app.state.clock.advance(Duration::days(1));
    let json = estate
        .run(
            "manager",
            ONE.replace("status", "status overdue").as_str(),
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        ok(&json)["rectification"]["overdue"],
        true,
        "computed before the sweep"
    );
    assert_eq!(run_both().await, 1);
    assert_eq!(run_both().await, 0);
    assert_eq!(
        inbox_kinds(app, "staff2@demo.test").await,
        ["OPENED", "OPENED", "VERIFIED", "DUE_SOON", "OVERDUE"]
    );
    assert_eq!(
        inbox_kinds(app, "staff12@demo.test").await,
        ["SUBMITTED", "OVERDUE"]
    );
    let json = act(
        app,
        &estate.tokens["staff"],
        "startRectification",
        &id,
        json!({}),
    )
    .await;
    let started = &ok(&json)["startRectification"]["rectification"];
    assert_eq!(started["overdue"], true);
    assert!(started["overdueAt"].is_string());
    let actions: Vec<&str> = started["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["OPEN", "OVERDUE", "START"]);
    // A step after the flag keeps it (the step writes only its own columns).
    app.state.jobs.run_now(&app.state, job).await.unwrap();
    assert_eq!(inbox_kinds(app, "staff2@demo.test").await.len(), 5);
    let json = estate
        .run("admin", LIST, json!({ "filter": { "overdue": true } }))
        .await;
    assert_eq!(ok(&json)["rectifications"]["totalCount"], 1);
    assert_eq!(
        ok(&json)["rectifications"]["edges"][0]["node"]["id"],
        id.as_str()
    );
    let json = estate
        .run("admin", LIST, json!({ "filter": { "overdue": false } }))
        .await;
    assert_eq!(ok(&json)["rectifications"]["totalCount"], 1);
}

/// A catalogue category dispatched automatically to Building A's repair staff.
async fn plumbing(app: &TestApp) -> Uuid {
    let now = app.state.clock.now();
    let id = Uuid::now_v7();
    entity::service_category::Entity::insert(entity::service_category::ActiveModel {
        id: Set(id),
        code: Set("PLUMBING".to_owned()),
        name: Set("plumbing".to_owned()),
        description: Set(String::new()),
        group_kind: Set("REPAIR".to_owned()),
        requestable: Set(true),
        default_priority: Set("NORMAL".to_owned()),
        warning_minutes: Set(30),
        dispatch_mode: Set("AUTO".to_owned()),
        return_visit_required: Set(false),
        payable: Set(false),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    for priority in ["LOW", "NORMAL", "HIGH", "EMERGENCY"] {
        entity::service_category_sla::Entity::insert(entity::service_category_sla::ActiveModel {
            category_id: Set(id),
            priority: Set(priority.to_owned()),
            response_minutes: Set(60),
            resolution_minutes: Set(480),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    }
    id
}

/// An order of resident1's taken to RESOLVED by its assignee; returns its id.
async fn resolved_order(app: &TestApp, category: Uuid, title: &str) -> String {
    let resident = token_of(app, "resident1@demo.test").await;
    let unit = home_unit(app, "resident1@demo.test").await;
    let json = gql(
        app,
        &resident,
        "mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { workOrder { id assignee { user { id } } } } }",
        json!({ "input": { "categoryId": category, "unitId": unit, "title": title, "description": "Blocked drain" } }),
    )
    .await;
    let id = ok(&json)["createWorkOrder"]["workOrder"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Dispatched to staff2 (the lower employee number of Building A's repair staff).
    let technician = token_of(app, "staff2@demo.test").await;
    for (mutation, extra) in [
        ("acceptWorkOrder", "WorkOrderActionInput"),
        ("startWorkOrder", "WorkOrderActionInput"),
    ] {
        ok(&gql(
            app,
            &technician,
            &format!("mutation($input: {extra}!) {{ {mutation}(input: $input) {{ workOrder {{ id }} }} }}"),
            json!({ "input": { "id": id } }),
        )
        .await);
    }
    ok(&gql(
        app,
        &technician,
        "mutation($input: ResolveWorkOrderInput!) { resolveWorkOrder(input: $input) { workOrder { id } } }",
        json!({ "input": { "id": id, "resolution": "Cleared" } }),
    )
    .await);
    id
}

async fn rate(app: &TestApp, order: &str, score: i32) -> Value {
    let resident = token_of(app, "resident1@demo.test").await;
    gql(
        app,
        &resident,
        "mutation($input: RateWorkOrderInput!) { rateWorkOrder(input: $input) { workOrder { status } } }",
        json!({ "input": { "id": order, "score": score, "comment": "Still smells" } }),
    )
    .await
}

async fn low_ratings(app: &TestApp) -> Vec<entity::rectification::Model> {
    entity::rectification::Entity::find()
        .filter(entity::rectification::Column::SourceKind.eq("LOW_RATING"))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rating_of_2_opens_a_rectification_in_the_same_write_and_3_does_not() {
    let estate = Estate::with(|c| c.rectification_low_rating_days = 5).await;
    let app = &estate.app;
    let category = plumbing(app).await;
    let low = resolved_order(app, category, "Drain one").await;
    let fine = resolved_order(app, category, "Drain two").await;
    ok(&rate(app, &fine, 3).await);
    assert!(low_ratings(app).await.is_empty(), "a 3 opens none");
    let now = app.state.clock.now();
    assert_eq!(
        ok(&rate(app, &low, 2).await)["rateWorkOrder"]["workOrder"]["status"],
        "CLOSED"
    );
    let opened = low_ratings(app).await;
    assert_eq!(opened.len(), 1);
    let r = &opened[0];
    assert_eq!(r.source_id.map(|id| id.to_string()), Some(low.clone()));
    assert_eq!(r.work_order_id, r.source_id);
    assert_eq!(
        r.responsible_staff_id,
        staff_id(app, "staff2@demo.test").await
    );
    assert_eq!(r.building_id, building(app, "A").await);
    assert_eq!(r.opened_by, None, "opened by the system");
    let ahead = r.due_at - now;
    assert!(
        ahead >= Duration::days(5) && ahead < Duration::days(5) + Duration::minutes(1),
        "the configured days: {ahead}"
    );
    assert!(
        r.problem.contains("rated 2 out of 5: Still smells"),
        "{}",
        r.problem
    );
    assert_eq!(inbox_kinds(app, "staff2@demo.test").await, ["OPENED"]);
    // Rating twice is refused and opens nothing more.
    let json = rate(app, &low, 1).await;
    assert!(
        ["INVALID_STATE", "CONFLICT"].contains(&code(&json)),
        "{json}"
    );
    assert_eq!(low_ratings(app).await.len(), 1);
    // The source is the work order, as the manager may see it.
    let json = estate
        .run(
            "manager",
            "query($id: ID!) { rectification(id: $id) { source { kind id } sourceObject { __typename ... on WorkOrder { id status } } workOrder { id } } }",
            json!({ "id": r.id }),
        )
        .await;
    let got = &ok(&json)["rectification"];
    assert_eq!(got["source"], json!({ "kind": "LOW_RATING", "id": low }));
    assert_eq!(got["sourceObject"]["__typename"], "WorkOrder");
    assert_eq!(got["sourceObject"]["status"], "CLOSED");
    assert_eq!(got["workOrder"]["id"], low.as_str());
}

#[tokio::test]
async fn a_low_rating_of_an_order_whose_assignee_left_goes_to_the_buildings_manager() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let category = plumbing(app).await;
    let order = resolved_order(app, category, "Drain three").await;
    let staff2 = staff_id(app, "staff2@demo.test").await;
    entity::staff_record::Entity::update_many()
        .col_expr(
            entity::staff_record::Column::Status,
            sea_orm::sea_query::Expr::value("LEFT"),
        )
        .filter(entity::staff_record::Column::Id.eq(staff2))
        .exec(&app.state.db)
        .await
        .unwrap();
    ok(&rate(app, &order, 1).await);
    let opened = low_ratings(app).await;
    assert_eq!(opened.len(), 1);
    assert_eq!(
        opened[0].responsible_staff_id,
        staff_id(app, "staff12@demo.test").await
    );
}

#[tokio::test]
async fn a_verified_rectification_may_be_cited_by_a_ledger_proposal() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = submitted(&estate).await;
    let staff2 = staff_id(app, "staff2@demo.test").await;
    let propose = |source: Value, staff: Uuid| {
        let token = estate.tokens["manager"].clone();
        async move {
            gql(
                app,
                &token,
                "mutation($input: ProposeLedgerEntryInput!) { proposeLedgerEntry(input: $input) { entry { id source { kind id } } } }",
                json!({ "input": { "staffId": staff, "kind": "WARNING", "reason": "Stairwell left dirty",
                    "source": source } }),
            )
            .await
        }
    };
    let cite = json!({ "kind": "RECTIFICATION", "id": id });
    let json = propose(cite.clone(), staff2).await;
    assert_eq!(code(&json), "INVALID_STATE", "not verified yet: {json}");
    let json = propose(
        json!({ "kind": "RECTIFICATION", "id": Uuid::now_v7() }),
        staff2,
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.source.id"),
        "{json}"
    );
    ok(&act(
        app,
        &estate.tokens["supervisor"],
        "verifyRectification",
        &id,
        json!({}),
    )
    .await);
    let json = propose(cite.clone(), staff_id(app, "staff4@demo.test").await).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.staffId"),
        "{json}"
    );
    let json = propose(cite.clone(), staff2).await;
    assert_eq!(ok(&json)["proposeLedgerEntry"]["entry"]["source"], cite);
    let entries = entity::ledger_entry::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(entries, 1, "only the valid proposal was written");
}

#[tokio::test]
async fn the_live_feed_follows_each_viewers_access_and_replays_from_a_cursor() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let a = building(app, "A").await;
    let staff2 = staff_id(app, "staff2@demo.test").await;
    let manager = estate.tokens["manager"].clone();
    let technician = estate.tokens["staff"].clone();
    let id = open(app, &manager, a, staff2, 3).await;
    let start = Uuid::nil().to_string();
    let one = "subscription($id: ID!, $after: String) { rectificationUpdated(id: $id, after: $after) { cursor change { action to note } rectification { id status } } }";
    let feed = "subscription($after: String) { rectificationFeed(after: $after) { cursor rectification { id } change { action } } }";

    let mut mine = app.ws().await;
    mine.init(json!({ "Authorization": format!("Bearer {technician}") }))
        .await;
    mine.subscribe("one", one, json!({ "id": id, "after": start }))
        .await;
    let opened = mine.recv().await;
    assert_eq!(
        opened["payload"]["data"]["rectificationUpdated"]["change"]["action"], "OPEN",
        "{opened}"
    );
    // A colleague may neither follow it nor see it on their feed.
    let colleague = token_of(app, "staff4@demo.test").await;
    let mut probe = app.ws().await;
    probe
        .init(json!({ "Authorization": format!("Bearer {colleague}") }))
        .await;
    probe.subscribe("x", one, json!({ "id": id })).await;
    let refused = probe.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    let mut colleague_feed = app.ws().await;
    colleague_feed
        .init(json!({ "Authorization": format!("Bearer {colleague}") }))
        .await;
    colleague_feed
        .subscribe("f", feed, json!({ "after": start }))
        .await;

    ok(&act(app, &technician, "startRectification", &id, json!({})).await);
    let started = mine.recv().await;
    let started = &started["payload"]["data"]["rectificationUpdated"];
    assert_eq!(started["change"]["action"], "START", "{started}");
    assert_eq!(started["rectification"]["status"], "IN_PROGRESS");
    let cursor = started["cursor"].as_str().unwrap().to_owned();
    // The manager's board replays from the cursor: the submission comes next.
    let mut board = app.ws().await;
    board
        .init(json!({ "Authorization": format!("Bearer {manager}") }))
        .await;
    board.subscribe("b", feed, json!({ "after": cursor })).await;
    ok(&act(
        app,
        &technician,
        "submitRectification",
        &id,
        json!({ "correctiveAction": "Swept", "evidence": evidence(1) }),
    )
    .await);
    let next = board.recv().await;
    assert_eq!(
        next["payload"]["data"]["rectificationFeed"]["change"]["action"], "SUBMIT",
        "{next}"
    );
    ok(&act(
        app,
        &manager,
        "rejectRectification",
        &id,
        json!({ "reason": "Floor 4" }),
    )
    .await);
    let submitted = mine.recv().await;
    assert_eq!(
        submitted["payload"]["data"]["rectificationUpdated"]["change"]["action"], "SUBMIT",
        "{submitted}"
    );
    let rejected = mine.recv().await;
    assert_eq!(
        rejected["payload"]["data"]["rectificationUpdated"]["change"],
        json!({ "action": "REJECT", "to": "IN_PROGRESS", "note": "Floor 4" }),
        "{rejected}"
    );
    assert!(
        colleague_feed
            .try_recv(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "the colleague saw nothing"
    );
}

#[tokio::test]
async fn a_page_of_rectifications_costs_the_same_statements_for_5_and_50() {
    let estate = Estate::with(|c| c.dataloader_window = std::time::Duration::from_millis(50)).await;
    let app = &estate.app;
    let (a, b) = (building(app, "A").await, building(app, "B").await);
    let staff = [
        (a, staff_id(app, "staff2@demo.test").await),
        (b, staff_id(app, "staff3@demo.test").await),
        (a, staff_id(app, "staff5@demo.test").await),
    ];
    let admin = estate.tokens["admin"].clone();
    let add = |n: usize| {
        let admin = admin.clone();
        async move {
            for i in 0..n {
                let (building, staff) = staff[i % staff.len()];
                open(app, &admin, building, staff, 3).await;
            }
        }
    };
    let query = "{ rectifications(first: 50) { totalCount edges { node { id status overdue \
        building { name } responsible { displayName user { id } } timeline(last: 2) { action } \
        sourceObject { __typename } workOrder { id } evidence { url } } } } }";
    add(5).await;
    let mut five = Vec::new();
    for role in ["admin", "manager"] {
        five.push(app.sql_of(query, json!({}), &estate.tokens[role]).await);
    }
    add(45).await;
    for (role, five) in ["admin", "manager"].into_iter().zip(five) {
        let fifty = app.sql_of(query, json!({}), &estate.tokens[role]).await;
        assert_eq!(
            five.len(),
            fifty.len(),
            "{role}: 5 rectifications {five:#?}, 50 {fifty:#?}"
        );
        // The caller (2), the staff facet (record, buildings), a manager's supervision facet
        // (residencies, group memberships), the page and its count, then one batch each:
        // buildings, staff records, their users, timelines, the source objects (inspections).
        assert!(
            fifty.len() <= 13,
            "{role}: {} statements: {fifty:#?}",
            fifty.len()
        );
        eprintln!("{role}: {} statements for a page of 50", fifty.len());
    }
}

#[tokio::test]
async fn the_demo_has_rectifications_in_every_state_one_overdue_and_seeds_once() {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    let plan = resident_hub::demo::rectification_plan();
    let all = entity::rectification::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    // The complaints and supervision demos open theirs too; these are the rectifications demo's.
    let hand_opened = all
        .iter()
        .filter(|r| plan.iter().any(|(problem, ..)| r.problem == *problem))
        .count();
    assert_eq!(hand_opened, plan.len());
    let now = app.state.clock.now();
    for (problem, staff, status, overdue) in &plan {
        let found = all.iter().find(|r| r.problem == *problem).unwrap();
        assert_eq!(found.status, status.as_str(), "{problem}");
        assert_eq!(found.responsible_staff_id, staff_id(&app, staff).await);
        assert_eq!(
            found.status != "VERIFIED" && found.due_at < now,
            *overdue,
            "{problem}"
        );
    }
    for status in resident_hub::domains::rectifications::types::RectificationStatus::ALL {
        assert!(
            all.iter().any(|r| r.status == status.as_str()),
            "{status:?}"
        );
    }
    assert!(plan.iter().any(|p| p.3), "one overdue");
    let rejected = entity::rectification_entry::Entity::find()
        .filter(entity::rectification_entry::Column::Action.eq("REJECT"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rejected, 1, "one was sent back once");
    let before = rows(&app).await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    assert_eq!(rows(&app).await, before, "seeding twice adds nothing");
}
