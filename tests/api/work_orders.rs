//! Work orders on the demo estate: the life of an order, the transition table, dispatch and
//! eligibility, concurrency, who sees what, service-level clocks and the live feeds.

use chrono::Duration;
use resident_hub::auth::Role;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, user_by_email},
    helpers::TestApp,
};

const ORDER: &str = "id number status version priority assigneeId: assignee { id } \
    responseDueAt resolutionDueAt pausedSeconds reopenCount escalated \
    timeline { action from to reason actorId }";

const CREATE: &str = "mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { warnings workOrder { id number status version assignee { id employeeNumber } } } }";

/// Catalogue categories for the tests: (code, group, dispatch mode, return visit).
const CATEGORIES: [(&str, &str, &str, bool); 3] = [
    ("PLUMBING", "REPAIR", "AUTO", false),
    ("CLEANING", "CLEANING", "GRAB", false),
    ("PATROL", "SECURITY", "ASSIGN", true),
];

/// The demo estate with three catalogue categories; returns their ids by code.
async fn estate() -> (Estate, std::collections::HashMap<&'static str, Uuid>) {
    let estate = Estate::new().await;
    let ids = add_categories(&estate.app).await;
    (estate, ids)
}

async fn add_categories(app: &TestApp) -> std::collections::HashMap<&'static str, Uuid> {
    let now = app.state.clock.now();
    let mut ids = std::collections::HashMap::new();
    for (code, group, mode, return_visit) in CATEGORIES {
        let id = Uuid::now_v7();
        entity::service_category::Entity::insert(entity::service_category::ActiveModel {
            id: Set(id),
            code: Set(code.to_owned()),
            name: Set(code.to_lowercase()),
            description: Set(String::new()),
            group_kind: Set(group.to_owned()),
            requestable: Set(true),
            default_priority: Set("NORMAL".to_owned()),
            warning_minutes: Set(30),
            dispatch_mode: Set(mode.to_owned()),
            return_visit_required: Set(return_visit),
            payable: Set(false),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
        for (priority, response, resolution) in [
            ("LOW", 240, 2880),
            ("NORMAL", 60, 480),
            ("HIGH", 30, 240),
            ("EMERGENCY", 10, 120),
        ] {
            entity::service_category_sla::Entity::insert(
                entity::service_category_sla::ActiveModel {
                    category_id: Set(id),
                    priority: Set(priority.to_owned()),
                    response_minutes: Set(response),
                    resolution_minutes: Set(resolution),
                },
            )
            .exec_without_returning(&app.state.db)
            .await
            .unwrap();
        }
        ids.insert(code, id);
    }
    ids
}

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

async fn home(app: &TestApp, email: &str) -> Uuid {
    crate::estate::home_unit(app, email).await
}

async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(token)).await.1
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// Submits an order for resident1's flat in category `code`; returns the payload.
async fn submit(app: &TestApp, token: &str, category: Uuid, unit: Uuid, title: &str) -> Value {
    let json = gql(
        app,
        token,
        CREATE,
        json!({ "input": { "categoryId": category, "unitId": unit, "title": title, "description": "The kitchen tap drips." } }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    json["data"]["createWorkOrder"].clone()
}

async fn act(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    gql(
        app,
        token,
        &format!(
            "mutation($input: {}!) {{ {mutation}(input: $input) {{ workOrder {{ {ORDER} }} }} }}",
            input_type(mutation)
        ),
        json!({ "input": input }),
    )
    .await
}

fn input_type(mutation: &str) -> &'static str {
    match mutation {
        "assignWorkOrder" | "transferWorkOrder" => "AssignWorkOrderInput",
        "holdWorkOrder" => "HoldWorkOrderInput",
        "resolveWorkOrder" => "ResolveWorkOrderInput",
        "rateWorkOrder" => "RateWorkOrderInput",
        "reopenWorkOrder" | "cancelWorkOrder" | "rejectWorkOrder" | "returnWorkOrder" => {
            "WorkOrderReasonInput"
        }
        "recordReturnVisit" => "ReturnVisitInput",
        _ => "WorkOrderActionInput",
    }
}

fn order_of<'a>(json: &'a Value, mutation: &str) -> &'a Value {
    &json["data"][mutation]["workOrder"]
}

async fn timeline_len(app: &TestApp, id: &str) -> u64 {
    entity::work_order_entry::Entity::find()
        .filter(entity::work_order_entry::Column::WorkOrderId.eq(Uuid::parse_str(id).unwrap()))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_order_lives_from_submission_to_closure_with_its_timeline_and_clocks() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let technician = token_of(app, "staff2@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["PLUMBING"], unit, "Dripping tap").await;
    let order = &created["workOrder"];
    let year = app.state.clock.now().format("%Y").to_string();
    assert_eq!(order["number"], format!("WO-{year}-000001"), "{created}");
    // Repairs dispatch automatically: to the eligible technician with the fewest open orders
    // (staff2 and staff4 both serve Building A; the lower employee number wins the tie).
    assert_eq!(order["status"], "ASSIGNED", "{created}");
    assert_eq!(order["assignee"]["employeeNumber"], "RH-0002", "{created}");
    let id = order["id"].as_str().unwrap().to_owned();

    for mutation in ["acceptWorkOrder", "startWorkOrder"] {
        let json = act(app, &technician, mutation, json!({ "id": id })).await;
        assert!(json["errors"].is_null(), "{mutation}: {json}");
    }
    let json = act(
        app,
        &technician,
        "holdWorkOrder",
        json!({ "id": id, "reason": "washer on order", "kind": "AWAITING_PARTS" }),
    )
    .await;
    let held = order_of(&json, "holdWorkOrder").clone();
    assert_eq!(held["status"], "ON_HOLD", "{json}");
    // Waiting for parts stops the clocks: an hour on hold moves the resolution due time.
    app.state.clock.advance(Duration::hours(1));
    let json = act(app, &technician, "resumeWorkOrder", json!({ "id": id })).await;
    let resumed = order_of(&json, "resumeWorkOrder");
    assert_eq!(resumed["pausedSeconds"], 3600, "{json}");
    let due = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["resolutionDueAt"].as_str().unwrap()).unwrap()
    };
    assert_eq!(due(resumed) - due(&held), Duration::hours(1));
    let json = act(
        app,
        &technician,
        "resolveWorkOrder",
        json!({ "id": id, "resolution": "Replaced the washer." }),
    )
    .await;
    assert_eq!(
        order_of(&json, "resolveWorkOrder")["status"],
        "RESOLVED",
        "{json}"
    );
    let json = act(
        app,
        &resident,
        "rateWorkOrder",
        json!({ "id": id, "score": 5, "speed": 4, "tags": ["tidy"], "comment": "Thanks" }),
    )
    .await;
    let closed = order_of(&json, "rateWorkOrder");
    assert_eq!(closed["status"], "CLOSED", "{json}");
    let actions: Vec<&str> = closed["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "SUBMIT",
            "AUTO_ASSIGN",
            "ACCEPT",
            "START",
            "HOLD",
            "RESUME",
            "RESOLVE",
            "CLOSE"
        ]
    );
    // The requester heard of every status change.
    let inbox = gql(
        app,
        &resident,
        "{ notifications(first: 50) { totalCount nodes { category subjectType } } }",
        json!({}),
    )
    .await;
    let work: Vec<&Value> = inbox["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["category"] == "WORK_ORDER")
        .collect();
    assert_eq!(work.len(), 7, "{inbox}");
    assert!(work.iter().all(|n| n["subjectType"] == "WORK_ORDER"));
}

#[tokio::test]
async fn illegal_steps_are_refused_with_a_code_and_write_nothing() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let neighbour = token_of(app, "resident2@demo.test").await;
    let technician = token_of(app, "staff2@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["PLUMBING"], unit, "Leak").await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    let before = timeline_len(app, &id).await;

    // Resolving an order that was never accepted: not in the transition table.
    let json = act(
        app,
        &technician,
        "resolveWorkOrder",
        json!({ "id": id, "resolution": "done" }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    // The requester may not act for the assignee, a neighbour may not see the order at all.
    let json = act(app, &resident, "acceptWorkOrder", json!({ "id": id })).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = act(app, &neighbour, "cancelWorkOrder", json!({ "id": id })).await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    // Rating before resolution.
    let json = act(
        app,
        &resident,
        "rateWorkOrder",
        json!({ "id": id, "score": 4 }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    // A stale version.
    let json = act(
        app,
        &technician,
        "acceptWorkOrder",
        json!({ "id": id, "expectedVersion": 0 }),
    )
    .await;
    assert_eq!(code(&json), "CONFLICT", "{json}");
    assert_eq!(timeline_len(app, &id).await, before, "nothing was written");

    // Rating twice, and out of range.
    for mutation in ["acceptWorkOrder", "startWorkOrder"] {
        act(app, &technician, mutation, json!({ "id": id })).await;
    }
    act(
        app,
        &technician,
        "resolveWorkOrder",
        json!({ "id": id, "resolution": "done" }),
    )
    .await;
    let json = act(
        app,
        &resident,
        "rateWorkOrder",
        json!({ "id": id, "score": 6 }),
    )
    .await;
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.score");
    let json = act(
        app,
        &resident,
        "rateWorkOrder",
        json!({ "id": id, "score": 4 }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    let json = act(
        app,
        &resident,
        "rateWorkOrder",
        json!({ "id": id, "score": 4 }),
    )
    .await;
    assert_eq!(
        code(&json),
        "INVALID_STATE",
        "closed orders are not rated again: {json}"
    );
    // The requester cannot cancel a closed order.
    let json = act(app, &resident, "cancelWorkOrder", json!({ "id": id })).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
}

/// Adds `n` active staff members who serve Building A in `group`; returns their tokens.
async fn extra_staff(estate: &Estate, group: &str, n: usize) -> Vec<String> {
    let app = &estate.app;
    let building = entity::unit::Entity::find_by_id(home(app, "resident1@demo.test").await)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id;
    let mut tokens = Vec::new();
    for i in 0..n {
        let user = app.user(&[Role::Staff]).await;
        let id = Uuid::now_v7();
        entity::staff_record::Entity::insert(entity::staff_record::ActiveModel {
            id: Set(id),
            user_id: Set(user.id),
            post: Set("CLEANER".to_owned()),
            employee_number: Set(format!("X-{i:03}")),
            hire_date: Set(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
            status: Set("ACTIVE".to_owned()),
            created_at: Set(app.state.clock.now()),
            updated_at: Set(app.state.clock.now()),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
        entity::staff_building::Entity::insert(entity::staff_building::ActiveModel {
            staff_id: Set(id),
            building_id: Set(building),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
        entity::staff_category::Entity::insert(entity::staff_category::ActiveModel {
            staff_id: Set(id),
            category: Set(group.to_owned()),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
        tokens.push(user.token);
    }
    tokens
}

#[tokio::test]
async fn of_many_staff_grabbing_one_order_exactly_one_wins() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["CLEANING"], unit, "Deep clean").await;
    assert_eq!(
        created["workOrder"]["status"], "SUBMITTED",
        "grab categories wait: {created}"
    );
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    let staff = extra_staff(&estate, "CLEANING", 8).await;
    let grabs = staff.iter().map(|token| {
        let id = id.clone();
        async move { act(app, token, "grabWorkOrder", json!({ "id": id })).await }
    });
    let results = futures_util::future::join_all(grabs).await;
    let won: Vec<&Value> = results.iter().filter(|r| r["errors"].is_null()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert_eq!(order_of(won[0], "grabWorkOrder")["status"], "ACCEPTED");
    for lost in results.iter().filter(|r| !r["errors"].is_null()) {
        assert_eq!(code(lost), "CONFLICT", "{lost}");
    }
    let grabs = entity::work_order_entry::Entity::find()
        .filter(entity::work_order_entry::Column::Action.eq("GRAB"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(grabs, 1);
    // Grabbing is for grab categories only; the resident may not grab at all.
    let json = act(app, &resident, "grabWorkOrder", json!({ "id": id })).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
}

#[tokio::test]
async fn concurrent_changes_on_one_order_leave_one_winner() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let technician = token_of(app, "staff2@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["PLUMBING"], unit, "Leak").await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    // The requester cancels while the technician accepts, both on the version they saw.
    let version = created["workOrder"]["version"].clone();
    let (cancel, accept) = tokio::join!(
        act(
            app,
            &resident,
            "cancelWorkOrder",
            json!({ "id": id, "expectedVersion": version })
        ),
        act(
            app,
            &technician,
            "acceptWorkOrder",
            json!({ "id": id, "expectedVersion": version })
        ),
    );
    let oks = [&cancel, &accept]
        .iter()
        .filter(|r| r["errors"].is_null())
        .count();
    assert_eq!(oks, 1, "{cancel} {accept}");
    let loser = if cancel["errors"].is_null() {
        &accept
    } else {
        &cancel
    };
    assert_eq!(code(loser), "CONFLICT", "{loser}");
    assert_eq!(
        timeline_len(app, &id).await,
        3,
        "submit, auto-assign, and one change"
    );
}

#[tokio::test]
async fn dispatch_checks_eligibility_and_explains_it() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let manager = token_of(app, "staff12@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(
        app,
        &resident,
        categories["PATROL"],
        unit,
        "Stranger in the stairwell",
    )
    .await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["workOrder"]["status"], "SUBMITTED");

    let json = gql(app, &manager, "query($id: ID!) { eligibleStaff(workOrderId: $id) { eligible reasons staff { employeeNumber } } }", json!({ "id": id })).await;
    let list = json["data"]["eligibleStaff"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"));
    let guard = list
        .iter()
        .find(|c| c["staff"]["employeeNumber"] == "RH-0008")
        .unwrap();
    assert_eq!(guard["eligible"], true, "{json}");
    let cleaner = list
        .iter()
        .find(|c| c["staff"]["employeeNumber"] == "RH-0006")
        .unwrap();
    assert_eq!(cleaner["eligible"], false);
    assert_eq!(
        cleaner["reasons"],
        json!(["NOT_ACTIVE", "WRONG_BUILDING", "WRONG_CATEGORY"]),
        "{json}"
    );
    assert_eq!(list[0]["eligible"], true, "eligible staff come first");

    // Assigning someone ineligible is refused; the guard is accepted.
    let cleaner_id = staff_id(app, "staff5@demo.test").await;
    let json = act(
        app,
        &manager,
        "assignWorkOrder",
        json!({ "id": id, "staffId": cleaner_id }),
    )
    .await;
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.staffId");
    let guard_id = staff_id(app, "staff8@demo.test").await;
    let json = act(
        app,
        &manager,
        "assignWorkOrder",
        json!({ "id": id, "staffId": guard_id, "reason": "nearest on shift" }),
    )
    .await;
    assert_eq!(
        order_of(&json, "assignWorkOrder")["status"],
        "ASSIGNED",
        "{json}"
    );
    // Residents may not dispatch, nor ask who is eligible.
    let json = act(
        app,
        &resident,
        "assignWorkOrder",
        json!({ "id": id, "staffId": guard_id }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = gql(
        app,
        &resident,
        "query($id: ID!) { eligibleStaff(workOrderId: $id) { eligible } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    // The assignment reason is staff-only: the resident sees the entry without it.
    let json = gql(
        app,
        &resident,
        "query($id: ID!) { workOrder(id: $id) { timeline { action reason } } }",
        json!({ "id": id }),
    )
    .await;
    let assign = &json["data"]["workOrder"]["timeline"][1];
    assert_eq!(assign["action"], "ASSIGN", "{json}");
    assert_eq!(assign["reason"], Value::Null, "{json}");
    let json = gql(
        app,
        &manager,
        "query($id: ID!) { workOrder(id: $id) { timeline { action reason } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        json["data"]["workOrder"]["timeline"][1]["reason"],
        "nearest on shift"
    );
}

#[tokio::test]
async fn who_sees_which_work_orders() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    // An assigned repair (staff2) and an unassigned cleaning order, both in resident1's flat.
    let repair =
        submit(app, &resident, categories["PLUMBING"], unit, "Leak").await["workOrder"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let cleaning =
        submit(app, &resident, categories["CLEANING"], unit, "Windows").await["workOrder"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    gql(
        app,
        &token_of(app, "staff2@demo.test").await,
        "mutation($id: ID!) { addWorkOrderComment(input: { id: $id, body: \"check the riser\", visibility: INTERNAL }) { comment { id } } }",
        json!({ "id": repair }),
    )
    .await;
    let cases: [(&str, bool, bool); 10] = [
        // (account, sees the repair, sees the cleaning order)
        ("resident1@demo.test", true, true),   // the requester
        ("resident29@demo.test", true, true),  // lives in the same flat
        ("resident2@demo.test", false, false), // another flat
        ("staff2@demo.test", true, false),     // the repair's assignee; not a cleaner
        ("staff4@demo.test", false, false),    // eligible for repairs, but it is assigned to staff2
        ("staff5@demo.test", false, true), // eligible cleaner: the unassigned order is grabbable
        ("staff3@demo.test", false, false), // serves Building B only
        ("staff12@demo.test", true, true), // the manager of Building A
        ("supervisor1@demo.test", true, true), // reads everything
        ("merchant1@demo.test", false, false),
    ];
    for (email, repair_seen, cleaning_seen) in cases {
        let token = token_of(app, email).await;
        let json = gql(
            app,
            &token,
            "{ workOrders(first: 50) { totalCount nodes { id comments { body } } } }",
            json!({}),
        )
        .await;
        let nodes = json["data"]["workOrders"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{email}: {json}"));
        let ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids.contains(&repair.as_str()),
            repair_seen,
            "{email} list: {json}"
        );
        assert_eq!(
            ids.contains(&cleaning.as_str()),
            cleaning_seen,
            "{email} list: {json}"
        );
        for (id, seen) in [(&repair, repair_seen), (&cleaning, cleaning_seen)] {
            let one = gql(
                app,
                &token,
                "query($id: ID!) { workOrder(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
            if seen {
                assert_eq!(one["data"]["workOrder"]["id"], json!(id), "{email}: {one}");
            } else {
                assert_eq!(code(&one), "NOT_FOUND", "{email}: {one}");
            }
        }
        // The internal comment reaches staff-side viewers only.
        if let Some(node) = nodes.iter().find(|n| n["id"] == json!(repair)) {
            let internal = !node["comments"].as_array().unwrap().is_empty();
            let resident_side = email.starts_with("resident");
            assert_eq!(internal, !resident_side, "{email}: {node}");
        }
    }
    let (status, json) = app
        .graphql("{ workOrders { totalCount } }", json!({}), None)
        .await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{status} {json}");
}

#[tokio::test]
async fn warnings_and_breaches_go_out_once_across_instances_and_escalate() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let resident = token_of(app, "resident1@demo.test").await;
    let manager = token_of(app, "staff12@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["PATROL"], unit, "Broken gate").await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    let count = |token: String| async move {
        let json = gql(
            app,
            &token,
            "{ notifications(first: 100) { nodes { title } } }",
            json!({}),
        )
        .await;
        json["data"]["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| {
                n["title"].as_str().unwrap().contains("overdue")
                    || n["title"].as_str().unwrap().contains("due soon")
            })
            .count()
    };
    let sla = resident_hub::domains::work_orders::sla::WorkOrderSla::NAME;
    // NORMAL: response due in 60 min, the warning 30 min before.
    app.state.clock.advance(Duration::minutes(35));
    let (a, b) = tokio::join!(
        app.state.jobs.run_now(&app.state, sla),
        sibling.state.jobs.run_now(&sibling.state, sla)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "one warning, on one instance");
    assert_eq!(count(manager.clone()).await, 1);
    app.state.clock.advance(Duration::minutes(30));
    app.state.jobs.run_now(&app.state, sla).await.unwrap();
    app.state.jobs.run_now(&app.state, sla).await.unwrap();
    assert_eq!(count(manager.clone()).await, 2, "the breach, once");
    let json = gql(
        app,
        &manager,
        "query($id: ID!) { workOrder(id: $id) { responseBreached escalated } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        json["data"]["workOrder"],
        json!({ "responseBreached": true, "escalated": true }),
        "{json}"
    );
    // The overdue order may be urged, once an hour.
    let urge =
        "mutation($id: ID!) { urgeWorkOrder(input: { id: $id }) { workOrder { urgeCount } } }";
    let json = gql(app, &resident, urge, json!({ "id": id })).await;
    assert_eq!(
        json["data"]["urgeWorkOrder"]["workOrder"]["urgeCount"], 1,
        "{json}"
    );
    let json = gql(app, &resident, urge, json!({ "id": id })).await;
    assert_eq!(code(&json), "RATE_LIMITED", "{json}");
}

#[tokio::test]
async fn reopening_twice_escalates_and_the_window_closes() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let technician = token_of(app, "staff2@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["PLUMBING"], unit, "Leak").await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    let resolve = || async {
        for mutation in ["acceptWorkOrder", "startWorkOrder"] {
            let json = act(app, &technician, mutation, json!({ "id": id })).await;
            assert!(json["errors"].is_null(), "{mutation}: {json}");
        }
        let json = act(
            app,
            &technician,
            "resolveWorkOrder",
            json!({ "id": id, "resolution": "fixed" }),
        )
        .await;
        assert!(json["errors"].is_null(), "{json}");
    };
    resolve().await;
    // "Not fixed" in the rating reopens.
    let json = act(
        app,
        &resident,
        "rateWorkOrder",
        json!({ "id": id, "score": 1, "notFixed": true }),
    )
    .await;
    let reopened = order_of(&json, "rateWorkOrder");
    assert_eq!(reopened["status"], "ASSIGNED", "{json}");
    assert_eq!(reopened["reopenCount"], 1);
    assert_eq!(reopened["escalated"], false);
    resolve().await;
    let json = act(
        app,
        &resident,
        "reopenWorkOrder",
        json!({ "id": id, "reason": "still dripping" }),
    )
    .await;
    assert_eq!(
        order_of(&json, "reopenWorkOrder")["escalated"],
        true,
        "{json}"
    );
    resolve().await;
    app.state.clock.advance(Duration::days(8));
    let json = act(app, &resident, "reopenWorkOrder", json!({ "id": id })).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    // Left unrated, it closes by itself.
    let sla = resident_hub::domains::work_orders::sla::WorkOrderSla::NAME;
    app.state.jobs.run_now(&app.state, sla).await.unwrap();
    let json = gql(
        app,
        &resident,
        "query($id: ID!) { workOrder(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(json["data"]["workOrder"]["status"], "CLOSED", "{json}");
}

#[tokio::test]
async fn residents_have_a_daily_cap_and_a_warning_for_repeats() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let first = submit(app, &resident, categories["CLEANING"], unit, "Windows").await;
    assert_eq!(first["warnings"], json!([]));
    let again = submit(app, &resident, categories["CLEANING"], unit, "Windows").await;
    assert_eq!(again["warnings"].as_array().unwrap().len(), 1, "{again}");
    for i in 0..3 {
        submit(
            app,
            &resident,
            categories["CLEANING"],
            unit,
            &format!("Job {i}"),
        )
        .await;
    }
    let json = gql(app, &resident, CREATE, json!({ "input": { "categoryId": categories["CLEANING"], "unitId": unit, "title": "Sixth", "description": "x" } })).await;
    assert_eq!(code(&json), "RATE_LIMITED", "{json}");
    // Not for a flat that is not theirs.
    let other = home(app, "resident2@demo.test").await;
    let token = token_of(app, "resident25@demo.test").await;
    let json = gql(app, &token, CREATE, json!({ "input": { "categoryId": categories["CLEANING"], "unitId": other, "title": "x", "description": "x" } })).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
}

#[tokio::test]
async fn the_live_feeds_follow_each_viewers_access_and_replay_from_a_cursor() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let neighbour = token_of(app, "resident2@demo.test").await;
    let manager = token_of(app, "staff12@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["PATROL"], unit, "Gate").await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();

    let feed = "subscription($after: String) { workOrderFeed(after: $after) { cursor workOrder { id status } change { action reason } } }";
    // From the start of the log (the nil cursor), so nothing depends on when the server gets
    // to the subscription.
    let start = Uuid::nil().to_string();
    let mut resident_ws = app.ws().await;
    resident_ws
        .init(json!({ "Authorization": format!("Bearer {resident}") }))
        .await;
    resident_ws
        .subscribe("one", "subscription($id: ID!, $after: String) { workOrderUpdated(id: $id, after: $after) { cursor change { action reason } workOrder { status } } }", json!({ "id": id, "after": start }))
        .await;
    let mut neighbour_ws = app.ws().await;
    neighbour_ws
        .init(json!({ "Authorization": format!("Bearer {neighbour}") }))
        .await;
    neighbour_ws
        .subscribe("feed", feed, json!({ "after": start }))
        .await;
    // The neighbour may not follow someone else's order.
    let mut probe = app.ws().await;
    probe
        .init(json!({ "Authorization": format!("Bearer {neighbour}") }))
        .await;
    probe
        .subscribe(
            "x",
            "subscription($id: ID!) { workOrderUpdated(id: $id) { cursor } }",
            json!({ "id": id }),
        )
        .await;
    let refused = probe.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert_eq!(probe.recv().await["type"], "complete");

    let submitted = resident_ws.recv().await;
    assert_eq!(
        submitted["payload"]["data"]["workOrderUpdated"]["change"]["action"], "SUBMIT",
        "{submitted}"
    );
    let guard = staff_id(app, "staff8@demo.test").await;
    let json = act(
        app,
        &manager,
        "assignWorkOrder",
        json!({ "id": id, "staffId": guard, "reason": "closest guard" }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    let event = resident_ws.recv().await;
    assert_eq!(
        event["payload"]["data"]["workOrderUpdated"]["change"]["action"], "ASSIGN",
        "{event}"
    );
    assert_eq!(
        event["payload"]["data"]["workOrderUpdated"]["change"]["reason"],
        Value::Null,
        "internal reasons never reach residents: {event}"
    );
    let cursor = event["payload"]["data"]["workOrderUpdated"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        neighbour_ws
            .try_recv(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "the neighbour sees nothing"
    );

    // The manager's board, from the assignment's cursor: the acceptance comes next, with no
    // gap whether it arrives by replay or live; staff see the assignment reason.
    let mut board = app.ws().await;
    board
        .init(json!({ "Authorization": format!("Bearer {manager}") }))
        .await;
    board
        .subscribe("board", feed, json!({ "after": start }))
        .await;
    let first = board.recv().await;
    assert_eq!(
        first["payload"]["data"]["workOrderFeed"]["change"]["action"], "SUBMIT",
        "{first}"
    );
    let assigned = board.recv().await;
    assert_eq!(
        assigned["payload"]["data"]["workOrderFeed"]["change"]["reason"], "closest guard",
        "{assigned}"
    );
    let mut resumed = app.ws().await;
    resumed
        .init(json!({ "Authorization": format!("Bearer {manager}") }))
        .await;
    resumed
        .subscribe("r", feed, json!({ "after": cursor }))
        .await;
    let guard_token = token_of(app, "staff8@demo.test").await;
    act(app, &guard_token, "acceptWorkOrder", json!({ "id": id })).await;
    let next = resumed.recv().await;
    assert_eq!(
        next["payload"]["data"]["workOrderFeed"]["change"]["action"], "ACCEPT",
        "{next}"
    );
    assert_eq!(
        next["payload"]["data"]["workOrderFeed"]["workOrder"]["status"], "ACCEPTED",
        "{next}"
    );
}

#[tokio::test]
async fn a_booked_slot_never_overbooks_and_a_cancellation_frees_it() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let now = app.state.clock.now();
    let offering = Uuid::now_v7();
    entity::service_offering::Entity::insert(entity::service_offering::ActiveModel {
        id: Set(offering),
        category_id: Set(categories["CLEANING"]),
        name: Set("2-hour home cleaning".to_owned()),
        description: Set(String::new()),
        price: Set(Some("120.00".to_owned())),
        duration_minutes: Set(120),
        slot_capacity: Set(1),
        channel: Set("ONLINE".to_owned()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    let slot = Uuid::now_v7();
    entity::service_slot::Entity::insert(entity::service_slot::ActiveModel {
        id: Set(slot),
        offering_id: Set(offering),
        starts_at: Set(now + Duration::days(1)),
        ends_at: Set(now + Duration::days(1) + Duration::hours(2)),
        capacity: Set(1),
        booked: Set(0),
        created_at: Set(now),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    let cleaning = categories["CLEANING"];
    let book = |email: &'static str| async move {
        let token = token_of(app, email).await;
        let unit = home(app, email).await;
        let json = gql(app, &token, "mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { workOrder { id offering { name } slotStartsAt } } }", json!({ "input": {
            "categoryId": cleaning, "unitId": unit, "title": "Clean", "description": "Whole flat",
            "offeringId": offering, "slotId": slot } })).await;
        (token, json)
    };
    let (first_token, first) = book("resident1@demo.test").await;
    assert_eq!(
        first["data"]["createWorkOrder"]["workOrder"]["offering"]["name"], "2-hour home cleaning",
        "{first}"
    );
    let (_, second) = book("resident2@demo.test").await;
    assert_eq!(code(&second), "CONFLICT", "{second}");
    assert_eq!(second["errors"][0]["extensions"]["field"], "input.slotId");
    // Nothing half-written: the refused booking left no order behind.
    let orders = entity::work_order::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(orders, 1);
    let id = first["data"]["createWorkOrder"]["workOrder"]["id"].clone();
    let json = act(app, &first_token, "cancelWorkOrder", json!({ "id": id })).await;
    assert!(json["errors"].is_null(), "{json}");
    let (_, again) = book("resident2@demo.test").await;
    assert!(again["errors"].is_null(), "the slot is free again: {again}");
}

#[tokio::test]
async fn every_malformed_field_of_a_new_order_is_reported_at_once() {
    let (estate, _) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let json = gql(app, &resident, CREATE, json!({ "input": { "categoryId": "nope", "unitId": "also-nope", "title": "", "description": "x" } })).await;
    let fields: Vec<&str> = json["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["input.categoryId", "input.unitId", "input.title"],
        "{json}"
    );
    assert_eq!(
        entity::work_order::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn assistants_join_and_leave_and_see_the_order_while_they_help() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let technician = token_of(app, "staff2@demo.test").await;
    let electrician = token_of(app, "staff4@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["PLUMBING"], unit, "Burst pipe").await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    let see = "query($id: ID!) { workOrder(id: $id) { id assistants { employeeNumber } } }";
    assert_eq!(
        code(&gql(app, &electrician, see, json!({ "id": id })).await),
        "NOT_FOUND"
    );

    let add = "mutation($input: WorkOrderAssistantInput!) { addWorkOrderAssistant(input: $input) { workOrder { id } } }";
    let remove = "mutation($input: WorkOrderAssistantInput!) { removeWorkOrderAssistant(input: $input) { workOrder { id } } }";
    let helper = staff_id(app, "staff4@demo.test").await;
    let json = gql(
        app,
        &resident,
        add,
        json!({ "input": { "id": id, "staffId": helper } }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let cleaner = staff_id(app, "staff5@demo.test").await;
    let json = gql(
        app,
        &technician,
        add,
        json!({ "input": { "id": id, "staffId": cleaner } }),
    )
    .await;
    assert_eq!(
        code(&json),
        "BAD_USER_INPUT",
        "an ineligible assistant: {json}"
    );
    let json = gql(
        app,
        &technician,
        add,
        json!({ "input": { "id": id, "staffId": helper } }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    let json = gql(app, &electrician, see, json!({ "id": id })).await;
    assert_eq!(
        json["data"]["workOrder"]["assistants"],
        json!([{ "employeeNumber": "RH-0004" }]),
        "{json}"
    );
    // As a node, and as the subject of the requester's notifications.
    let json = gql(
        app,
        &resident,
        "query($id: ID!) { node(id: $id) { ... on WorkOrder { number } } }",
        json!({ "id": id }),
    )
    .await;
    assert!(json["data"]["node"]["number"].is_string(), "{json}");
    let json = gql(
        app,
        &resident,
        "{ notifications(first: 5) { nodes { subject { ... on WorkOrder { id } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        json["data"]["notifications"]["nodes"][0]["subject"]["id"],
        json!(id),
        "{json}"
    );

    let json = gql(
        app,
        &technician,
        remove,
        json!({ "input": { "id": id, "staffId": helper } }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(
        code(&gql(app, &electrician, see, json!({ "id": id })).await),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn orders_submitted_at_once_get_distinct_numbers() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let mut submissions = Vec::new();
    for n in 1..=6 {
        let email = format!("resident{n}@demo.test");
        let token = token_of(app, &email).await;
        let unit = home(app, &email).await;
        submissions.push((token, unit));
    }
    let results = futures_util::future::join_all(submissions.iter().map(|(token, unit)| {
        gql(app, token, CREATE, json!({ "input": { "categoryId": categories["PATROL"], "unitId": unit, "title": "Gate", "description": "Broken" } }))
    }))
    .await;
    let mut numbers: Vec<String> = results
        .iter()
        .map(|r| {
            r["data"]["createWorkOrder"]["workOrder"]["number"]
                .as_str()
                .unwrap_or_else(|| panic!("{r}"))
                .to_owned()
        })
        .collect();
    numbers.sort();
    let year = app.state.clock.now().format("%Y").to_string();
    let expected: Vec<String> = (1..=6).map(|n| format!("WO-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn a_staff_member_suspended_while_subscribed_stops_seeing_the_queue_live() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    let resident = token_of(app, "resident1@demo.test").await;
    let technician = token_of(app, "staff2@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let first = submit(app, &resident, categories["PLUMBING"], unit, "Leak").await;
    let cursor_query = "query($id: ID!) { workOrder(id: $id) { id } }";
    assert!(
        gql(
            app,
            &technician,
            cursor_query,
            json!({ "id": first["workOrder"]["id"] })
        )
        .await["errors"]
            .is_null()
    );
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {technician}") }))
        .await;
    ws.subscribe(
        "feed",
        "subscription($after: String) { workOrderFeed(after: $after) { workOrder { id } change { action } } }",
        json!({ "after": Uuid::nil().to_string() }),
    )
    .await;
    // The replay from the start shows the technician's own order.
    let seen = ws.recv().await;
    assert_eq!(
        seen["payload"]["data"]["workOrderFeed"]["change"]["action"], "SUBMIT",
        "{seen}"
    );
    let seen = ws.recv().await;
    assert_eq!(
        seen["payload"]["data"]["workOrderFeed"]["change"]["action"], "AUTO_ASSIGN",
        "{seen}"
    );
    // Suspended: the record no longer serves, so the next change of that order is not theirs.
    let record = staff_id(app, "staff2@demo.test").await;
    let admin = token_of(app, "admin@demo.test").await;
    let json = gql(app, &admin, "mutation($id: ID!) { updateStaffRecord(input: { id: $id, status: SUSPENDED }) { staffRecord { status } } }", json!({ "id": record })).await;
    assert!(json["errors"].is_null(), "{json}");
    let json = act(
        app,
        &resident,
        "cancelWorkOrder",
        json!({ "id": first["workOrder"]["id"] }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    // Nothing the suspended technician may see follows, so the check is a bounded wait: a
    // stale scope would deliver the cancellation well within it.
    let next = ws.try_recv(std::time::Duration::from_millis(500)).await;
    assert!(
        next.as_ref()
            .is_none_or(|m| m["payload"]["data"]["workOrderFeed"].is_null()),
        "a suspended technician still received {next:?}"
    );
}

#[tokio::test]
async fn certificates_policies_and_suspensions_make_staff_ineligible_with_their_reason() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    resident_hub::demo::seed_qualifications(&app.state)
        .await
        .unwrap();
    resident_hub::demo::seed_conduct(&app.state).await.unwrap();
    let resident = token_of(app, "resident1@demo.test").await;
    let admin = token_of(app, "admin@demo.test").await;
    let manager = token_of(app, "staff12@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["PATROL"], unit, "Gate left open").await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    let reasons_of = |number: &'static str| {
        let id = id.clone();
        let manager = manager.clone();
        async move {
            let json = gql(app, &manager, "query($id: ID!) { eligibleStaff(workOrderId: $id) { eligible reasons staff { employeeNumber } } }", json!({ "id": id })).await;
            json["data"]["eligibleStaff"]
                .as_array()
                .unwrap_or_else(|| panic!("{json}"))
                .iter()
                .find(|c| c["staff"]["employeeNumber"] == number)
                .unwrap()
                .clone()
        }
    };
    // The guard holds the security certificate the demo gives them.
    assert_eq!(reasons_of("RH-0008").await["eligible"], true);
    // The fire-control operator has not acknowledged the policies past their grace.
    let fire = reasons_of("RH-0009").await;
    assert!(
        fire["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("POLICY_NOT_ACKNOWLEDGED")),
        "{fire}"
    );

    // Assigned while certified: the resident sees that, as a boolean.
    let guard = staff_id(app, "staff8@demo.test").await;
    let json = act(
        app,
        &manager,
        "assignWorkOrder",
        json!({ "id": id, "staffId": guard }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    let json = gql(
        app,
        &resident,
        "query($id: ID!) { workOrder(id: $id) { assigneeCertified } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        json["data"]["workOrder"]["assigneeCertified"], true,
        "{json}"
    );
    // Revoking the guard's certificate makes them ineligible at once, and assignment obeys.
    let json = gql(
        app,
        &admin,
        "query($s: ID!) { certificates(staffId: $s, first: 10) { nodes { id status } } }",
        json!({ "s": guard }),
    )
    .await;
    let certificate = json["data"]["certificates"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .iter()
        .find(|c| c["status"] == "VALID")
        .unwrap_or_else(|| panic!("{json}"))["id"]
        .clone();
    let json = gql(app, &admin, "mutation($id: ID!) { revokeCertificate(input: { id: $id, reason: \"forged\" }) { certificate { status } } }", json!({ "id": certificate })).await;
    assert!(json["errors"].is_null(), "{json}");
    let after = reasons_of("RH-0008").await;
    assert_eq!(after["eligible"], false, "{after}");
    assert_eq!(after["reasons"], json!(["CERTIFICATE_MISSING"]), "{after}");
    let json = act(
        app,
        &manager,
        "assignWorkOrder",
        json!({ "id": id, "staffId": guard }),
    )
    .await;
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
    // The resident sees only whether the assignee is certified, now no longer.
    let json = gql(
        app,
        &resident,
        "query($id: ID!) { workOrder(id: $id) { assigneeCertified } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        json["data"]["workOrder"]["assigneeCertified"], false,
        "{json}"
    );

    // A suspended record is named as such.
    let json = gql(app, &admin, "mutation($id: ID!) { updateStaffRecord(input: { id: $id, status: SUSPENDED }) { staffRecord { status } } }", json!({ "id": guard })).await;
    assert!(json["errors"].is_null(), "{json}");
    let suspended = reasons_of("RH-0008").await;
    assert!(
        suspended["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("SUSPENDED")),
        "{suspended}"
    );
}

#[tokio::test]
async fn training_gaps_block_with_their_reason_and_a_lapse_follows_the_clock() {
    let (estate, categories) = estate().await;
    let app = &estate.app;
    resident_hub::demo::seed_training(&app.state).await.unwrap();
    let resident = token_of(app, "resident1@demo.test").await;
    let unit = home(app, "resident1@demo.test").await;
    let created = submit(app, &resident, categories["CLEANING"], unit, "Stairs").await;
    let id = created["workOrder"]["id"].as_str().unwrap().to_owned();
    let candidate = |number: &'static str| {
        let id = id.clone();
        async move {
            // A token issued now: the clock may have moved past an older one's lifetime.
            let manager = token_of(app, "staff12@demo.test").await;
            let json = gql(app, &manager, "query($id: ID!) { eligibleStaff(workOrderId: $id) { eligible reasons staff { employeeNumber } } }", json!({ "id": id })).await;
            json["data"]["eligibleStaff"]
                .as_array()
                .unwrap_or_else(|| panic!("{json}"))
                .iter()
                .find(|c| c["staff"]["employeeNumber"] == number)
                .unwrap()
                .clone()
        }
    };
    // The onboarding cleaner has not passed every pre-job course.
    let onboarding = candidate("RH-0006").await;
    assert!(
        onboarding["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("PRE_JOB_TRAINING_INCOMPLETE")),
        "{onboarding}"
    );
    // The active cleaner is eligible, until their yearly in-service pass runs out.
    assert_eq!(candidate("RH-0005").await["eligible"], true);
    app.state.clock.advance(Duration::days(400));
    let lapsed = candidate("RH-0005").await;
    assert!(
        lapsed["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("IN_SERVICE_TRAINING_LAPSED")),
        "{lapsed}"
    );
}

/// Submits orders `from..to` through the API as the administrator, on behalf of residents of
/// both buildings, so a page mixes what its fields load: plumbing (dispatched at once, every
/// third one then resolved and rated), cleaning (unassigned) and patrols (every other one on a
/// public area, without a unit).
async fn submit_many(
    estate: &Estate,
    categories: &std::collections::HashMap<&'static str, Uuid>,
    range: std::ops::Range<usize>,
) {
    let app = &estate.app;
    let admin = &estate.tokens["admin"];
    for i in range {
        let email = format!("resident{}@demo.test", 1 + i % 28);
        let requester = user_by_email(app, &email).await;
        let unit = home(app, &email).await;
        let building = entity::unit::Entity::find_by_id(unit)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .building_id;
        let code = ["PLUMBING", "CLEANING", "PATROL"][i % 3];
        let mut input = json!({
            "categoryId": categories[code], "title": format!("Order {i}"),
            "description": "For the statement count.", "onBehalfOf": requester.id,
            "channel": "PHONE",
        });
        if code == "PATROL" && i % 2 == 0 {
            input["buildingId"] = json!(building);
            input["location"] = json!("Car park entrance");
        } else {
            input["unitId"] = json!(unit);
        }
        let json = gql(app, admin, CREATE, json!({ "input": input })).await;
        assert!(json["errors"].is_null(), "{json}");
        let order = &json["data"]["createWorkOrder"]["workOrder"];
        if code != "PLUMBING" || i % 2 != 0 || order["assignee"].is_null() {
            continue;
        }
        let id = order["id"].as_str().unwrap().to_owned();
        let record = entity::staff_record::Entity::find()
            .filter(
                entity::staff_record::Column::EmployeeNumber
                    .eq(order["assignee"]["employeeNumber"].as_str().unwrap()),
            )
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let assignee = user_token(app, record.user_id).await;
        for (mutation, input) in [
            ("acceptWorkOrder", json!({ "id": id })),
            ("startWorkOrder", json!({ "id": id })),
            (
                "resolveWorkOrder",
                json!({ "id": id, "resolution": "Washer replaced." }),
            ),
        ] {
            let json = act(app, &assignee, mutation, input).await;
            assert!(json["errors"].is_null(), "{mutation}: {json}");
        }
        let resident = user_token(app, requester.id).await;
        let json = act(
            app,
            &resident,
            "rateWorkOrder",
            json!({ "id": id, "score": 4 }),
        )
        .await;
        assert!(json["errors"].is_null(), "{json}");
    }
}

async fn user_token(app: &TestApp, user: Uuid) -> String {
    app.state
        .tokens
        .issue(
            &resident_hub::auth::AuthenticatedUser {
                id: user,
                roles: vec![],
            },
            app.state.clock.now(),
            crate::helpers::TEST_TOKEN_TTL,
        )
        .unwrap()
}

#[tokio::test]
async fn a_page_of_work_orders_costs_the_same_statements_for_5_and_50_orders() {
    let estate = Estate::with(|c| c.dataloader_window = std::time::Duration::from_millis(50)).await;
    let categories = add_categories(&estate.app).await;
    let app = &estate.app;
    let query = "{ workOrders(first: 50) { edges { node { id requesterName unit { number } \
        building { name } assignee { displayName user { id } } category { name } \
        timeline(last: 3) { action } rating { score } } } } }";
    let page = |role: &'static str| {
        let token = estate.tokens[role].clone();
        async move {
            let (_, json) = app.graphql(query, json!({}), Some(&token)).await;
            let edges = json["data"]["workOrders"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{json}"))
                .clone();
            let sql = app.sql_of(query, json!({}), &token).await;
            (edges, sql)
        }
    };
    submit_many(&estate, &categories, 0..5).await;
    let mut five = Vec::new();
    for role in ["admin", "manager"] {
        let (edges, sql) = page(role).await;
        assert_eq!(edges.len(), 5, "{role}");
        five.push(sql);
    }
    submit_many(&estate, &categories, 5..50).await;
    for (role, five) in ["admin", "manager"].into_iter().zip(five) {
        let (edges, fifty) = page(role).await;
        assert_eq!(edges.len(), 50, "{role}");
        // The page really holds every kind of item the fields load.
        let has = |f: &dyn Fn(&Value) -> bool| edges.iter().any(|e| f(&e["node"]));
        assert!(has(&|n| n["unit"].is_null()) && has(&|n| !n["unit"].is_null()));
        assert!(has(&|n| n["assignee"].is_null()) && has(&|n| !n["assignee"].is_null()));
        assert!(has(&|n| !n["rating"].is_null()), "{role}: a rated order");
        assert!(
            has(&|n| n["timeline"].as_array().unwrap().len() == 3),
            "{role}: a long timeline cut to 3"
        );
        let user_ids = |f: &dyn Fn(&Value) -> bool| has(&|n| f(&n["assignee"]["user"]));
        if role == "admin" {
            assert!(
                user_ids(&|u| u["id"].is_string()),
                "administrators see accounts"
            );
        } else {
            assert!(!user_ids(&|u| !u.is_null()), "managers do not");
        }
        assert_eq!(
            five.len(),
            fifty.len(),
            "{role}: statements must not grow with the page: 5 orders {five:#?}, 50 orders {fifty:#?}"
        );
        // The caller (2), the page, then one batch per loader: requesters' and assignees' users
        // (two rounds), units, buildings, categories, staff records, ratings, timelines; the
        // access facets the rules read (the resident facet, for administrators too, and a
        // manager's staff facet: record, buildings, categories, their catalogue ids, assists).
        let most = if role == "admin" { 11 } else { 17 };
        assert!(
            fifty.len() <= most,
            "{role}: {} statements: {fifty:#?}",
            fifty.len()
        );
    }
}
