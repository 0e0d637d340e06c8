//! Facility assets and preventive maintenance on the demo estate: who sees what (every cell of
//! the README table), outages told to residents, history, bad input, the recurrence job run
//! twice and by two instances at once, completion and skipping, escalation of an overdue
//! occurrence, meter plans and certificate reminders, all driven by the test clock.

use std::collections::HashMap;

use chrono::Duration;
use resident_hub::auth::AuthenticatedUser;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::user_by_email,
    helpers::{TEST_TOKEN_TTL, TestApp, add_repair_category},
};

const CREATE_ASSET: &str = "mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id code kind status certificateExpiresOn } } }";
const UPDATE_ASSET: &str = "mutation($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { id name certificateExpiresOn } } }";
const SET_STATUS: &str = "mutation($input: SetAssetStatusInput!) { setAssetStatus(input: $input) { asset { id status } } }";
const METER: &str = "mutation($input: RecordMeterReadingInput!) { recordMeterReading(input: $input) { asset { id meterValue } } }";
const ASSETS: &str = "{ assets(first: 50) { totalCount edges { node { id code } } } }";
const ASSET: &str = "query($id: ID!) { asset(id: $id) { id code building { id } history(first: 20) { totalCount edges { node { kind fromStatus toStatus reason workOrderId occurrence { id status } } } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";
const OUTAGES: &str = "query($b: ID!) { buildingFacilityOutages(buildingId: $b) { totalCount edges { node { kind name location since } } } }";
const CREATE_PLAN: &str = "mutation($input: CreateMaintenancePlanInput!) { createMaintenancePlan(input: $input) { plan { id status checklist } } }";
const PAUSE_PLAN: &str = "mutation($input: MaintenancePlanIdInput!) { pauseMaintenancePlan(input: $input) { plan { id status } } }";
const PLANS: &str = "{ maintenancePlans(first: 50) { totalCount edges { node { id } } } }";
const RUN: &str = "mutation { runMaintenanceJobsNow }";
const COMPLETE: &str = "mutation($input: CompleteMaintenanceInput!) { completeMaintenance(input: $input) { occurrence { id status results { item ok note } completedById } } }";
const SKIP: &str = "mutation($input: SkipMaintenanceInput!) { skipMaintenance(input: $input) { occurrence { id status skipReason } } }";
const OCCURRENCES: &str = "query($id: ID!) { maintenancePlan(id: $id) { occurrences(first: 20) { totalCount edges { node { id status dueAt workOrderId escalated } } } } }";
const CREATE_ORDER: &str = "mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { workOrder { id } } }";

/// The viewers of the README table.
const PEOPLE: [(&str, &str); 10] = [
    ("admin", "admin@demo.test"),
    ("supervisor", "supervisor1@demo.test"),
    ("manager", "staff12@demo.test"),
    ("technicianA", "staff2@demo.test"),
    ("electrician", "staff4@demo.test"),
    ("security", "staff8@demo.test"),
    ("fire", "staff9@demo.test"),
    ("cleaner", "staff5@demo.test"),
    ("desk", "staff1@demo.test"),
    ("merchant", "merchant1@demo.test"),
];

struct World {
    app: TestApp,
    tokens: HashMap<&'static str, String>,
    a: Uuid,
    b: Uuid,
    category: Uuid,
}

async fn gql(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, token).await.1
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

async fn token_of(app: &TestApp, user: Uuid) -> String {
    app.state
        .tokens
        .issue(
            &AuthenticatedUser {
                id: user,
                roles: vec![],
            },
            app.state.clock.now(),
            TEST_TOKEN_TTL,
        )
        .unwrap()
}

async fn building(app: &TestApp, prefix: &str) -> Uuid {
    entity::building::Entity::find()
        .filter(entity::building::Column::Name.starts_with(prefix))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A user living in `building` now.
async fn resident_of(app: &TestApp, building: Uuid) -> Uuid {
    let units: Vec<Uuid> = entity::unit::Entity::find()
        .filter(entity::unit::Column::BuildingId.eq(building))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    entity::residency::Entity::find()
        .filter(entity::residency::Column::UnitId.is_in(units))
        .filter(entity::residency::Column::MovedOut.is_null())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .user_id
}

/// A work category dispatched automatically to repair staff (no qualification needed).
async fn add_category(app: &TestApp) -> Uuid {
    add_repair_category(app, "PLANT_SERVICE", "Plant service", "AUTO").await
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed_estate(&app.state).await.unwrap();
    let a = building(&app, "Building A").await;
    let b = building(&app, "Building B").await;
    let mut tokens = HashMap::new();
    for (name, email) in PEOPLE {
        let user = user_by_email(&app, email).await;
        tokens.insert(name, token_of(&app, user.id).await);
    }
    let ra = resident_of(&app, a).await;
    let rb = resident_of(&app, b).await;
    tokens.insert("residentA", token_of(&app, ra).await);
    tokens.insert("residentB", token_of(&app, rb).await);
    let category = add_category(&app).await;
    World {
        app,
        tokens,
        a,
        b,
        category,
    }
}

fn asset_input(building: Uuid, kind: &str, code: &str, certificate: Option<String>) -> Value {
    json!({ "input": {
        "buildingId": building, "kind": kind, "code": code, "name": format!("{kind} {code}"),
        "location": "Lobby", "certificateExpiresOn": certificate,
    } })
}

async fn create_asset(w: &World, who: &str, input: Value) -> Value {
    gql(&w.app, Some(&w.tokens[who]), CREATE_ASSET, input).await
}

fn day(w: &World, days: i64) -> String {
    (w.app.state.clock.today() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn who_sees_what_outages_history_and_bad_input() {
    let w = world().await;
    let t = |name: &str| Some(w.tokens[name].as_str());
    // Registering: administrators and the building's managers only.
    let lift_a = create_asset(
        &w,
        "admin",
        asset_input(w.a, "ELEVATOR", "EL-1", Some(day(&w, 100))),
    )
    .await;
    let lift_a = ok(&lift_a)["createAsset"]["asset"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lift_b = create_asset(
        &w,
        "manager",
        asset_input(w.b, "ELEVATOR", "EL-1", Some(day(&w, 100))),
    )
    .await;
    let lift_b = ok(&lift_b)["createAsset"]["asset"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pump = create_asset(&w, "manager", asset_input(w.a, "WATER_PUMP", "WP-1", None)).await;
    assert_eq!(ok(&pump)["createAsset"]["asset"]["status"], "IN_SERVICE");
    for who in [
        "supervisor",
        "technicianA",
        "electrician",
        "cleaner",
        "residentA",
        "merchant",
    ] {
        let json = create_asset(&w, who, asset_input(w.a, "CCTV", "CC-9", None)).await;
        assert_eq!(code(&json), "FORBIDDEN", "{who}: {json}");
    }
    let json = gql(
        &w.app,
        None,
        CREATE_ASSET,
        asset_input(w.a, "CCTV", "CC-9", None),
    )
    .await;
    assert_eq!(code(&json), "UNAUTHENTICATED");

    // Bad input: every malformed field at once; a certificate missing for an elevator; a code
    // taken; nothing written.
    let json = create_asset(
        &w,
        "manager",
        json!({ "input": {
        "buildingId": w.a, "kind": "ELEVATOR", "code": " ", "name": "Lift", "location": "Core",
    } }),
    )
    .await;
    let fields: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        fields,
        ["input.code", "input.certificateExpiresOn"],
        "{json}"
    );
    assert_eq!(code(&json), "BAD_USER_INPUT");
    let json = create_asset(&w, "manager", asset_input(w.a, "FIRE_ALARM", "FA-1", None)).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.certificateExpiresOn")
    );
    let json = create_asset(&w, "manager", asset_input(w.a, "HVAC", "EL-1", None)).await;
    assert_eq!((code(&json), field(&json)), ("CONFLICT", "input.code"));
    let json = gql(
        &w.app,
        t("manager"),
        UPDATE_ASSET,
        json!({ "input": { "id": lift_a, "certificateExpiresOn": null } }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.certificateExpiresOn")
    );
    let json = gql(
        &w.app,
        t("manager"),
        UPDATE_ASSET,
        json!({ "input": { "id": lift_a, "name": "Lift A" } }),
    )
    .await;
    assert_eq!(ok(&json)["updateAsset"]["asset"]["name"], "Lift A");
    for who in ["supervisor", "technicianA", "electrician"] {
        let json = gql(
            &w.app,
            t(who),
            UPDATE_ASSET,
            json!({ "input": { "id": lift_a, "name": "X" } }),
        )
        .await;
        assert_eq!(code(&json), "FORBIDDEN", "{who}");
    }
    for who in ["cleaner", "residentA", "merchant"] {
        let json = gql(
            &w.app,
            t(who),
            UPDATE_ASSET,
            json!({ "input": { "id": lift_a, "name": "X" } }),
        )
        .await;
        assert_eq!(
            (code(&json), field(&json)),
            ("NOT_FOUND", "input.id"),
            "{who}"
        );
    }
    let count = entity::asset::Entity::find()
        .all(&w.app.state.db)
        .await
        .unwrap()
        .len();
    assert_eq!(count, 3, "refused writes wrote nothing");

    // Reading: lists by building served and post; residents and others never.
    for (who, seen) in [
        ("admin", 3),
        ("supervisor", 3),
        ("manager", 3),
        ("technicianA", 2),
        ("electrician", 3),
        ("security", 3),
        ("fire", 3),
    ] {
        let json = gql(&w.app, t(who), ASSETS, json!({})).await;
        assert_eq!(ok(&json)["assets"]["totalCount"], seen, "{who}");
        let json = gql(&w.app, t(who), PLANS, json!({})).await;
        assert!(json["errors"].is_null(), "{who}: {json}");
    }
    for who in ["cleaner", "desk", "residentA", "merchant"] {
        assert_eq!(
            code(&gql(&w.app, t(who), ASSETS, json!({})).await),
            "FORBIDDEN",
            "{who}"
        );
        assert_eq!(
            code(&gql(&w.app, t(who), PLANS, json!({})).await),
            "FORBIDDEN",
            "{who}"
        );
    }
    assert_eq!(
        code(&gql(&w.app, None, ASSETS, json!({})).await),
        "UNAUTHENTICATED"
    );
    for (who, visible) in [
        ("admin", true),
        ("supervisor", true),
        ("manager", true),
        ("technicianA", false),
        ("electrician", true),
        ("cleaner", false),
        ("residentB", false),
        ("merchant", false),
    ] {
        let json = gql(&w.app, t(who), ASSET, json!({ "id": lift_b })).await;
        let node = gql(&w.app, t(who), NODE, json!({ "id": lift_b })).await;
        if visible {
            assert_eq!(ok(&json)["asset"]["id"], lift_b.as_str(), "{who}");
            assert_eq!(ok(&node)["node"]["__typename"], "Asset", "{who}");
        } else {
            assert_eq!(code(&json), "NOT_FOUND", "{who}");
            assert!(ok(&node)["node"].is_null(), "{who}");
        }
    }

    // Status: staff of the building may change it, supervisors not; a shared facility going
    // out of service tells the building's residents, who see the outage without internals.
    let json = gql(
        &w.app,
        t("supervisor"),
        SET_STATUS,
        json!({ "input": { "id": lift_a, "status": "OUT_OF_SERVICE", "reason": "x" } }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN");
    let json = gql(
        &w.app,
        t("cleaner"),
        SET_STATUS,
        json!({ "input": { "id": lift_a, "status": "OUT_OF_SERVICE", "reason": "x" } }),
    )
    .await;
    assert_eq!(code(&json), "NOT_FOUND");
    let json = gql(&w.app, t("electrician"), SET_STATUS, json!({ "input": { "id": lift_a, "status": "OUT_OF_SERVICE", "reason": "Door sensor failed" } })).await;
    assert_eq!(
        ok(&json)["setAssetStatus"]["asset"]["status"],
        "OUT_OF_SERVICE"
    );
    let json = gql(
        &w.app,
        t("electrician"),
        SET_STATUS,
        json!({ "input": { "id": lift_a, "status": "OUT_OF_SERVICE", "reason": "again" } }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE");
    for (who, outages) in [
        ("residentA", 1),
        ("residentB", 0),
        ("manager", 1),
        ("cleaner", 0),
        ("merchant", 0),
    ] {
        let json = gql(&w.app, t(who), OUTAGES, json!({ "b": w.a })).await;
        let list = &ok(&json)["buildingFacilityOutages"];
        assert_eq!(list["totalCount"], outages, "{who}");
        if outages == 1 {
            assert_eq!(list["edges"][0]["node"]["kind"], "ELEVATOR");
            assert_eq!(list["edges"][0]["node"]["name"], "Lift A");
        }
    }
    let json = gql(&w.app, t("residentA"), "{ notifications(first: 5) { edges { node { category kind subject { __typename ... on FacilityOutage { kind name } } } } } }", json!({})).await;
    let first = &ok(&json)["notifications"]["edges"][0]["node"];
    assert_eq!(first["category"], "FACILITY", "{json}");
    assert_eq!(first["kind"], "FACILITY_OUT_OF_SERVICE");
    assert_eq!(first["subject"]["__typename"], "FacilityOutage");
    let json = gql(
        &w.app,
        t("residentB"),
        "{ notifications(first: 5) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        ok(&json)["notifications"]["totalCount"],
        0,
        "B's residents hear nothing"
    );
    let json = gql(&w.app, t("residentA"), ASSET, json!({ "id": lift_a })).await;
    assert_eq!(
        code(&json),
        "NOT_FOUND",
        "residents see the outage, never the asset"
    );

    // Work orders about an asset: staff and managers, an asset of the order's building.
    let order = |asset: &str, building: Uuid| {
        json!({ "input": { "categoryId": w.category, "buildingId": building, "location": "Core",
            "title": "Lift door", "description": "Sensor", "assetId": asset } })
    };
    let json = gql(&w.app, t("manager"), CREATE_ORDER, order(&lift_a, w.a)).await;
    let order_id = ok(&json)["createWorkOrder"]["workOrder"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let json = gql(
        &w.app,
        t("manager"),
        "query($id: ID!) { workOrder(id: $id) { asset { id kind } } }",
        json!({ "id": order_id }),
    )
    .await;
    assert_eq!(
        ok(&json)["workOrder"]["asset"]["id"],
        json!(lift_a),
        "the order names its asset for the manager"
    );
    let json = gql(&w.app, t("manager"), CREATE_ORDER, order(&lift_b, w.a)).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.assetId")
    );
    let json = gql(&w.app, t("residentA"), CREATE_ORDER, order(&lift_a, w.a)).await;
    assert_eq!(code(&json), "FORBIDDEN");
    let json = gql(
        &w.app,
        t("manager"),
        CREATE_ORDER,
        order(&Uuid::now_v7().to_string(), w.a),
    )
    .await;
    assert_eq!((code(&json), field(&json)), ("NOT_FOUND", "input.assetId"));
    let json = gql(&w.app, t("electrician"), ASSET, json!({ "id": lift_a })).await;
    let history = &ok(&json)["asset"]["history"];
    assert_eq!(history["totalCount"], 2, "{json}");
    assert_eq!(history["edges"][0]["node"]["kind"], "WORK_ORDER");
    assert_eq!(
        history["edges"][0]["node"]["workOrderId"],
        order_id.as_str()
    );
    assert_eq!(history["edges"][1]["node"]["kind"], "STATUS_CHANGE");
    assert_eq!(history["edges"][1]["node"]["fromStatus"], "IN_SERVICE");
    assert_eq!(history["edges"][1]["node"]["toStatus"], "OUT_OF_SERVICE");
    assert_eq!(history["edges"][1]["node"]["reason"], "Door sensor failed");

    // Plans: made and paused by managers and administrators; the job only by administrators.
    let plan = |asset: &str| {
        json!({ "input": { "buildingId": w.a, "assetId": asset, "name": "Pump service",
            "checklist": ["Seals", "Bearings"], "recurrence": "MONTHS", "every": 1,
            "anchorOn": day(&w, 0), "categoryId": w.category } })
    };
    let pump = ok(&pump)["createAsset"]["asset"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for who in ["supervisor", "technicianA", "electrician"] {
        assert_eq!(
            code(&gql(&w.app, t(who), CREATE_PLAN, plan(&pump)).await),
            "FORBIDDEN",
            "{who}"
        );
    }
    let json = gql(&w.app, t("manager"), CREATE_PLAN, plan(&pump)).await;
    let plan_id = ok(&json)["createMaintenancePlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let json = gql(
        &w.app,
        t("technicianA"),
        PAUSE_PLAN,
        json!({ "input": { "id": plan_id } }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN");
    let json = gql(
        &w.app,
        t("residentA"),
        PAUSE_PLAN,
        json!({ "input": { "id": plan_id } }),
    )
    .await;
    assert_eq!(code(&json), "NOT_FOUND");
    let json = gql(&w.app, t("technicianA"), PLANS, json!({})).await;
    assert_eq!(ok(&json)["maintenancePlans"]["totalCount"], 1);
    for who in ["manager", "supervisor", "electrician", "residentA"] {
        assert_eq!(
            code(&gql(&w.app, t(who), RUN, json!({})).await),
            "FORBIDDEN",
            "{who}"
        );
    }
    let json = gql(
        &w.app,
        t("admin"),
        PAUSE_PLAN,
        json!({ "input": { "id": plan_id } }),
    )
    .await;
    assert_eq!(
        ok(&json)["pauseMaintenancePlan"]["plan"]["status"],
        "PAUSED"
    );
    let json = gql(&w.app, t("admin"), RUN, json!({})).await;
    assert_eq!(
        ok(&json)["runMaintenanceJobsNow"],
        0,
        "a paused plan makes nothing"
    );
    // Bad plans: both an asset and a kind, no checklist, no anchor, all at once.
    let json = gql(
        &w.app,
        t("manager"),
        CREATE_PLAN,
        json!({ "input": { "buildingId": w.a,
        "assetId": pump, "assetKind": "HVAC", "name": "X", "checklist": [], "recurrence": "DAYS",
        "every": 0, "categoryId": w.category } }),
    )
    .await;
    let fields: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        fields,
        [
            "input.assetId",
            "input.checklist",
            "input.every",
            "input.anchorOn"
        ],
        "{json}"
    );
}

/// The occurrences of `plan`, latest due first: (id, status, work order, escalated).
async fn occurrences(w: &World, plan: &str) -> Vec<(String, String, String, bool)> {
    let json = gql(
        &w.app,
        Some(&w.tokens["manager"]),
        OCCURRENCES,
        json!({ "id": plan }),
    )
    .await;
    ok(&json)["maintenancePlan"]["occurrences"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["id"].as_str().unwrap().to_owned(),
                n["status"].as_str().unwrap().to_owned(),
                n["workOrderId"].as_str().unwrap_or("").to_owned(),
                n["escalated"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The user assigned `order`.
async fn assignee(w: &World, order: &str) -> Uuid {
    let found = entity::work_order::Entity::find_by_id(Uuid::parse_str(order).unwrap())
        .one(&w.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(found.asset_id.is_some(), "the order names its asset");
    let staff = found.assignee_id.expect("dispatched automatically");
    entity::staff_record::Entity::find_by_id(staff)
        .one(&w.app.state.db)
        .await
        .unwrap()
        .unwrap()
        .user_id
}

async fn overdue_notices(w: &World) -> Vec<entity::notification::Model> {
    manager_notices(w, "MAINTENANCE_OVERDUE").await
}

/// The manager's notifications of `kind`.
async fn manager_notices(w: &World, kind: &str) -> Vec<entity::notification::Model> {
    let manager = user_by_email(&w.app, "staff12@demo.test").await;
    entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(manager.id))
        .filter(entity::notification::Column::Kind.eq(kind))
        .all(&w.app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn recurrence_completion_escalation_meters_and_certificates() {
    let w = world().await;
    let t = |name: &str| Some(w.tokens[name].as_str());
    let lift = create_asset(
        &w,
        "manager",
        asset_input(w.a, "ELEVATOR", "EL-1", Some(day(&w, 20))),
    )
    .await;
    let lift = ok(&lift)["createAsset"]["asset"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pump = create_asset(&w, "manager", asset_input(w.a, "WATER_PUMP", "WP-1", None)).await;
    let pump = ok(&pump)["createAsset"]["asset"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plan = |asset: &str, recurrence: &str, every: i32, anchor: Option<String>, lead: i32| {
        json!({ "input": { "buildingId": w.a, "assetId": asset, "name": format!("{recurrence} plan"),
            "checklist": ["Doors", "Brakes", "Phone"], "recurrence": recurrence, "every": every,
            "anchorOn": anchor, "categoryId": w.category, "leadDays": lead, "graceDays": 3 } })
    };
    let json = gql(
        &w.app,
        t("manager"),
        CREATE_PLAN,
        plan(&lift, "WEEKS", 1, Some(day(&w, 0)), 0),
    )
    .await;
    let weekly = ok(&json)["createMaintenancePlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let json = gql(
        &w.app,
        t("manager"),
        CREATE_PLAN,
        plan(&pump, "DAYS", 30, Some(day(&w, 5)), 5),
    )
    .await;
    let ahead = ok(&json)["createMaintenancePlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let json = gql(
        &w.app,
        t("manager"),
        CREATE_PLAN,
        plan(&pump, "METER", 100, None, 0),
    )
    .await;
    let metered = ok(&json)["createMaintenancePlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Day 0: the weekly plan's first order, and the 30-day plan's order five days ahead.
    let json = gql(&w.app, t("admin"), RUN, json!({})).await;
    assert_eq!(ok(&json)["runMaintenanceJobsNow"], 2);
    let json = gql(&w.app, t("admin"), RUN, json!({})).await;
    assert_eq!(
        ok(&json)["runMaintenanceJobsNow"],
        0,
        "run twice: nothing more"
    );
    let planned = occurrences(&w, &ahead).await;
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].1, "PLANNED", "ordered ahead of its due date");
    let json = gql(
        &w.app,
        t("manager"),
        SKIP,
        json!({ "input": { "occurrenceId": planned[0].0, "reason": "Pump replaced" } }),
    )
    .await;
    assert_eq!(
        ok(&json)["skipMaintenance"]["occurrence"]["skipReason"],
        "Pump replaced"
    );
    let first = occurrences(&w, &weekly).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].1, "ORDERED");
    let (occurrence, order) = (first[0].0.clone(), first[0].2.clone());
    let worker = assignee(&w, &order).await;
    let worker_token = token_of(&w.app, worker).await;

    // Completing: only the assignee, every item answered, once.
    let results = |items: &[&str]| {
        items
            .iter()
            .map(|i| json!({ "item": i, "ok": *i != "Phone", "note": (*i == "Phone").then_some("No dial tone") }))
            .collect::<Vec<_>>()
    };
    let input = |items: &[&str]| json!({ "input": { "occurrenceId": occurrence, "results": results(items) } });
    let json = gql(
        &w.app,
        t("manager"),
        COMPLETE,
        input(&["Doors", "Brakes", "Phone"]),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "not the assignee");
    let json = gql(
        &w.app,
        t("residentA"),
        COMPLETE,
        input(&["Doors", "Brakes", "Phone"]),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.occurrenceId")
    );
    let json = gql(
        &w.app,
        Some(&worker_token),
        COMPLETE,
        input(&["Doors", "Brakes"]),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.results"),
        "{json}"
    );
    let json = gql(
        &w.app,
        Some(&worker_token),
        COMPLETE,
        input(&["Doors", "Brakes", "Phone", "Roof"]),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.results")
    );
    assert_eq!(
        occurrences(&w, &weekly).await[0].1,
        "ORDERED",
        "nothing written"
    );
    let json = gql(
        &w.app,
        Some(&worker_token),
        COMPLETE,
        input(&["Phone", "Doors", "Brakes"]),
    )
    .await;
    let done = &ok(&json)["completeMaintenance"]["occurrence"];
    assert_eq!(done["status"], "DONE");
    assert_eq!(
        done["results"][0]["item"], "Doors",
        "kept in the checklist's order"
    );
    assert_eq!(done["results"][2]["ok"], false);
    assert_eq!(done["results"][2]["note"], "No dial tone");
    assert_eq!(done["completedById"], worker.to_string().as_str());
    let json = gql(
        &w.app,
        Some(&worker_token),
        COMPLETE,
        input(&["Doors", "Brakes", "Phone"]),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE");

    // Meter plan: due at each multiple of 100 units reached.
    let read = |value: f64| json!({ "input": { "assetId": pump, "value": value } });
    assert!(
        ok(&gql(&w.app, t("technicianA"), METER, read(120.0)).await)["recordMeterReading"]
            .is_object()
    );
    let json = gql(&w.app, t("technicianA"), METER, read(90.0)).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.value")
    );
    let json = gql(&w.app, t("residentA"), METER, read(130.0)).await;
    assert_eq!((code(&json), field(&json)), ("NOT_FOUND", "input.assetId"));

    // The certificate's 30-day reminder went out once (`runMaintenanceJobsNow` runs the
    // reminders too); running the job again sends nothing.
    assert_eq!(
        w.app
            .state
            .jobs
            .run_now(&w.app.state, "asset-certificates")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        manager_notices(&w, "ASSET_CERT_EXPIRES_IN_30_DAYS")
            .await
            .len(),
        1,
        "30 days before the lift's certificate expires"
    );

    // Two weeks on, two instances at once: the weekly plan's two further orders and the meter
    // plan's one, each once; the week-1 occurrence is overdue and escalated once, as an
    // emergency (a lift).
    w.app.state.clock.advance(Duration::days(14));
    let sibling = w.app.spawn_sibling().await;
    let (one, two) = tokio::join!(
        w.app
            .state
            .jobs
            .run_now(&w.app.state, "preventive-maintenance"),
        sibling
            .state
            .jobs
            .run_now(&sibling.state, "preventive-maintenance"),
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    // Created: week 1, week 2, the meter's 100; escalated: week 1 (due day 7, grace 3).
    assert_eq!(one + two, 4, "{one} + {two}");
    let json = gql(&w.app, t("admin"), RUN, json!({})).await;
    assert_eq!(ok(&json)["runMaintenanceJobsNow"], 0, "no duplicate");
    let weeks = occurrences(&w, &weekly).await;
    let statuses: Vec<&str> = weeks.iter().map(|o| o.1.as_str()).collect();
    assert_eq!(
        statuses,
        ["ORDERED", "OVERDUE", "DONE"],
        "three periods, three orders"
    );
    assert_eq!(
        weeks.iter().map(|o| o.3).collect::<Vec<_>>(),
        [false, true, false]
    );
    let orders = entity::work_order::Entity::find()
        .filter(entity::work_order::Column::AssetId.eq(Uuid::parse_str(&lift).unwrap()))
        .all(&w.app.state.db)
        .await
        .unwrap();
    assert_eq!(orders.len(), 3, "one work order per occurrence");
    assert!(orders.iter().all(|o| o.channel == "MAINTENANCE"));
    let notices = overdue_notices(&w).await;
    assert_eq!(notices.len(), 1, "escalated once");
    assert_eq!(notices[0].priority, "EMERGENCY");
    assert_eq!(occurrences(&w, &metered).await.len(), 1);
    assert_eq!(
        manager_notices(&w, "ASSET_CERT_EXPIRES_IN_7_DAYS")
            .await
            .len(),
        1,
        "the 7-day reminder, once"
    );

    // Skipping: managers only, with a reason; the current week's occurrence.
    let skip =
        json!({ "input": { "occurrenceId": weeks[0].0, "reason": "Lift replaced this week" } });
    assert_eq!(
        code(&gql(&w.app, t("technicianA"), SKIP, skip.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&gql(&w.app, t("supervisor"), SKIP, skip.clone()).await),
        "FORBIDDEN"
    );
    let json = gql(&w.app, t("manager"), SKIP, skip.clone()).await;
    assert_eq!(
        ok(&json)["skipMaintenance"]["occurrence"]["status"],
        "SKIPPED"
    );
    assert_eq!(
        code(&gql(&w.app, t("manager"), SKIP, skip).await),
        "INVALID_STATE"
    );

    // The lift's history holds its maintenance.
    let json = gql(&w.app, t("manager"), ASSET, json!({ "id": lift })).await;
    let history = &ok(&json)["asset"]["history"];
    assert_eq!(history["totalCount"], 3, "{json}");
    assert!(
        history["edges"].as_array().unwrap().iter().all(
            |e| e["node"]["kind"] == "MAINTENANCE" && e["node"]["occurrence"]["id"].is_string()
        )
    );
    // Another reading past 200: one more meter occurrence.
    ok(&gql(&w.app, t("technicianA"), METER, read(250.0)).await);
    let json = gql(&w.app, t("admin"), RUN, json!({})).await;
    assert_eq!(ok(&json)["runMaintenanceJobsNow"], 1);
}
