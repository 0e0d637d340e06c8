//! Security and fire patrols on the demo estate: routes and codes, who sees what (every cell of
//! the README table), runs scanned in order (late, missed, findings opening a work order and a
//! rectification), bad scans answered with clear codes and nothing written, the `patrol-runs`
//! job (scheduled runs made once, a run not started alerting the managers once), and the
//! security office feed.

use std::collections::HashMap;

use chrono::Duration;
use resident_hub::auth::{AuthenticatedUser, Role};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::user_by_email,
    helpers::{TEST_TOKEN_TTL, TestApp},
};

const ROUTE: &str = "id buildingId name post active graceMinutes \
    schedule { days startTimes windowStart windowEnd intervalMinutes } \
    checkpoints { id position name code expectedMinutes toleranceMinutes }";
const RUN: &str = "id routeId status guardId scheduledAt dueBy notStartedAlertedAt \
    checkpointCount scannedCount lateCount missedCount abnormalCount \
    checkpoints { id position name status finding note photoUrl workOrderId rectificationId }";

/// Demo viewers by the name the tests use.
const PEOPLE: [(&str, &str); 7] = [
    ("admin", "admin@demo.test"),
    ("supervisor", "supervisor1@demo.test"),
    ("manager", "staff12@demo.test"),
    ("guard", "staff8@demo.test"),
    ("fire", "staff9@demo.test"),
    ("clerk", "staff1@demo.test"),
    ("resident", "resident1@demo.test"),
];

struct World {
    app: TestApp,
    tokens: HashMap<&'static str, String>,
    building_a: Uuid,
    building_b: Uuid,
    category: Uuid,
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

fn fields(json: &Value) -> Vec<String> {
    let mut out: Vec<String> = json["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["field"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

async fn token_for(app: &TestApp, user: Uuid) -> String {
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

/// A new active security guard serving `building`; their token.
async fn new_guard(app: &TestApp, building: Uuid, number: &str) -> String {
    let user = app.user(&[Role::Staff]).await;
    let id = Uuid::now_v7();
    let now = app.state.clock.now();
    entity::staff_record::Entity::insert(entity::staff_record::ActiveModel {
        id: Set(id),
        user_id: Set(user.id),
        post: Set("SECURITY".to_owned()),
        employee_number: Set(number.to_owned()),
        hire_date: Set(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
        status: Set("ACTIVE".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
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
    user.token
}

/// The demo estate and catalogue; tokens of the demo viewers, a second security guard of
/// Building A (`guard2`) and one of Building B only (`guardB`).
async fn world() -> World {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed_estate(&app.state).await.unwrap();
    resident_hub::demo::seed_catalogue(&app.state)
        .await
        .unwrap();
    let mut tokens = HashMap::new();
    for (name, email) in PEOPLE {
        let user = user_by_email(&app, email).await;
        tokens.insert(name, token_for(&app, user.id).await);
    }
    let building_a = building(&app, "Building A").await;
    let building_b = building(&app, "Building B").await;
    tokens.insert("guard2", new_guard(&app, building_a, "P-0001").await);
    tokens.insert("guardB", new_guard(&app, building_b, "P-0002").await);
    let category = entity::service_category::Entity::find()
        .filter(entity::service_category::Column::Code.eq("FIRE_SAFETY_CHECK"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    World {
        app,
        tokens,
        building_a,
        building_b,
        category,
    }
}

fn checkpoints(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| {
                json!({ "name": format!("Point {}", i + 1), "location": format!("Level {i}"),
                    "expectedMinutes": i * 10, "toleranceMinutes": 5 })
            })
            .collect(),
    )
}

impl World {
    async fn run(&self, who: &str, query: &str, variables: Value) -> Value {
        gql(&self.app, &self.tokens[who], query, variables).await
    }

    /// The manager makes a route of `post` in Building A with `n` checkpoints (0, 10, 20, …
    /// minutes, 5 either side), every night 22:00–06:00 every 2 hours.
    async fn route(&self, post: &str, n: usize) -> Value {
        self.route_with(
            post,
            n,
            json!({ "days": ["MON","TUE","WED","THU","FRI","SAT","SUN"],
                "windowStart": "22:00", "windowEnd": "06:00", "intervalMinutes": 120 }),
        )
        .await
    }

    /// As [`World::route`], with `schedule`.
    async fn route_with(&self, post: &str, n: usize, schedule: Value) -> Value {
        let json = self
            .run(
                "manager",
                &format!("mutation($input: CreatePatrolRouteInput!) {{ createPatrolRoute(input: $input) {{ route {{ {ROUTE} }} }} }}"),
                json!({ "input": { "buildingId": self.building_a, "name": format!("{post} round"),
                    "post": post, "checkpoints": checkpoints(n), "schedule": schedule } }),
            )
            .await;
        assert!(json["errors"].is_null(), "{json}");
        json["data"]["createPatrolRoute"]["route"].clone()
    }

    async fn start(&self, who: &str, input: Value) -> Value {
        self.run(
            who,
            &format!("mutation($input: StartPatrolRunInput!) {{ startPatrolRun(input: $input) {{ run {{ {RUN} }} }} }}"),
            json!({ "input": input }),
        )
        .await
    }

    async fn scan(&self, who: &str, input: Value) -> Value {
        self.run(
            who,
            &format!("mutation($input: ScanCheckpointInput!) {{ scanCheckpoint(input: $input) {{ run {{ {RUN} }} checkpoint {{ id position status finding workOrderId rectificationId }} }} }}"),
            json!({ "input": input }),
        )
        .await
    }

    async fn finish(&self, who: &str, run: &str) -> Value {
        self.run(
            who,
            &format!("mutation($input: FinishPatrolRunInput!) {{ finishPatrolRun(input: $input) {{ run {{ {RUN} }} }} }}"),
            json!({ "input": { "runId": run } }),
        )
        .await
    }

    async fn listed(&self, who: &str, list: &str) -> Vec<String> {
        let json = self
            .run(
                who,
                &format!("{{ {list}(first: 50) {{ totalCount edges {{ node {{ id }} }} }} }}"),
                json!({}),
            )
            .await;
        assert!(json["errors"].is_null(), "{who}: {json}");
        json["data"][list]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// (by its own query, by `node(id:)`, in its list) for a route or a run.
    async fn sees(&self, who: &str, kind: &str, id: &str) -> (bool, bool, bool) {
        let (one, list, typename) = match kind {
            "route" => ("patrolRoute", "patrolRoutes", "PatrolRoute"),
            _ => ("patrolRun", "patrolRuns", "PatrolRun"),
        };
        let json = self
            .run(
                who,
                &format!("query($id: ID!) {{ {one}(id: $id) {{ id }} }}"),
                json!({ "id": id }),
            )
            .await;
        let by_id = json["data"][one]["id"] == id;
        if !by_id {
            assert_eq!(code(&json), "NOT_FOUND", "{who}: {json}");
        }
        let node = self
            .run(
                who,
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on {typename} {{ id }} }} }}"),
                json!({ "id": id }),
            )
            .await;
        assert!(node["errors"].is_null(), "{who}: {node}");
        let by_node = node["data"]["node"]["id"] == id;
        let listed = self.listed(who, list).await.iter().any(|i| i == id);
        (by_id, by_node, listed)
    }

    async fn codes_seen(&self, who: &str, route: &str) -> bool {
        let json = self
            .run(
                who,
                "query($id: ID!) { patrolRoute(id: $id) { checkpoints { code } } }",
                json!({ "id": route }),
            )
            .await;
        let codes = json["data"]["patrolRoute"]["checkpoints"]
            .as_array()
            .unwrap();
        let shown = codes.iter().filter(|c| c["code"].is_string()).count();
        assert!(shown == 0 || shown == codes.len(), "{json}");
        shown > 0
    }

    /// The runs of `route`, as the manager lists them.
    async fn runs_of(&self, route: &str) -> Value {
        let json = self
            .run(
                "manager",
                "query($r: ID!) { patrolRuns(first: 50, filter: { routeId: $r }) { totalCount edges { node { id status scheduledAt dueBy } } } }",
                json!({ "r": route }),
            )
            .await;
        json["data"]["patrolRuns"].clone()
    }

    /// Rows that a refused scan must not have changed: (scanned checkpoints, work orders,
    /// rectifications, events).
    async fn footprint(&self) -> (u64, u64, u64, i64) {
        let db = &self.app.state.db;
        (
            entity::patrol_run_checkpoint::Entity::find()
                .filter(entity::patrol_run_checkpoint::Column::Status.ne("PENDING"))
                .count(db)
                .await
                .unwrap(),
            entity::work_order::Entity::find().count(db).await.unwrap(),
            entity::rectification::Entity::find()
                .count(db)
                .await
                .unwrap(),
            self.app.event_count().await,
        )
    }
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn who_sees_what_every_cell_for_routes_runs_codes_and_changes() {
    let w = world().await;
    let security = w.route("SECURITY", 2).await;
    let fire = w.route("FIRE_CONTROL", 2).await;
    let (security, fire) = (id_of(&security), id_of(&fire));
    let started = w.start("guard", json!({ "routeId": security })).await;
    assert!(started["errors"].is_null(), "{started}");
    let security_run = id_of(&started["data"]["startPatrolRun"]["run"]);
    let started = w.start("fire", json!({ "routeId": fire })).await;
    assert!(started["errors"].is_null(), "{started}");
    let fire_run = id_of(&started["data"]["startPatrolRun"]["run"]);

    // (viewer, sees the security route and run, sees the fire route and run, reads codes)
    let table = [
        ("admin", true, true, true),
        ("supervisor", true, true, false),
        ("manager", true, true, true),
        ("guard", true, false, false),
        ("guard2", true, false, false),
        ("fire", false, true, false),
        ("guardB", false, false, false),
        ("clerk", false, false, false),
        ("resident", false, false, false),
    ];
    let all = |b: bool| (b, b, b);
    for (who, sees_security, sees_fire, codes) in table {
        assert_eq!(
            w.sees(who, "route", &security).await,
            all(sees_security),
            "{who}: security route"
        );
        assert_eq!(
            w.sees(who, "run", &security_run).await,
            all(sees_security),
            "{who}: security run"
        );
        assert_eq!(
            w.sees(who, "route", &fire).await,
            all(sees_fire),
            "{who}: fire route"
        );
        assert_eq!(
            w.sees(who, "run", &fire_run).await,
            all(sees_fire),
            "{who}: fire run"
        );
        if sees_security {
            assert_eq!(w.codes_seen(who, &security).await, codes, "{who}: codes");
        }
    }

    // Making and changing routes: managers of the building and administrators.
    let create = format!(
        "mutation($input: CreatePatrolRouteInput!) {{ createPatrolRoute(input: $input) {{ route {{ {ROUTE} }} }} }}"
    );
    let input = |building: Uuid| {
        json!({ "input": { "buildingId": building, "name": "Gate round", "post": "SECURITY",
            "checkpoints": checkpoints(1), "schedule": { "days": ["SAT"], "startTimes": ["21:00"] } } })
    };
    for (who, expected) in [
        ("admin", ""),
        ("manager", ""),
        ("supervisor", "FORBIDDEN"),
        ("guard", "FORBIDDEN"),
        ("clerk", "FORBIDDEN"),
        ("resident", "NOT_FOUND"),
    ] {
        let json = w.run(who, &create, input(w.building_a)).await;
        assert_eq!(code(&json), expected, "{who}: {json}");
        if expected.is_empty() {
            let route = &json["data"]["createPatrolRoute"]["route"];
            assert_eq!(route["schedule"]["startTimes"], json!(["21:00"]));
            assert!(
                route["checkpoints"][0]["code"]
                    .as_str()
                    .unwrap()
                    .starts_with("PT-")
            );
        } else if expected == "NOT_FOUND" {
            assert_eq!(field(&json), "input.buildingId", "{json}");
        }
    }
    let update = "mutation($input: UpdatePatrolRouteInput!) { updatePatrolRoute(input: $input) { route { id name checkpoints { id code name } } } }";
    for (who, expected) in [
        ("guard", "FORBIDDEN"),
        ("supervisor", "FORBIDDEN"),
        ("fire", "NOT_FOUND"),
        ("resident", "NOT_FOUND"),
        ("manager", ""),
    ] {
        let json = w
            .run(
                who,
                update,
                json!({ "input": { "id": security, "name": format!("Renamed by {who}") } }),
            )
            .await;
        assert_eq!(code(&json), expected, "{who}: {json}");
    }
    // Starting: only staff of the route's post serving the building.
    for (who, expected) in [
        ("manager", "FORBIDDEN"),
        ("admin", "FORBIDDEN"),
        ("supervisor", "FORBIDDEN"),
        ("fire", "NOT_FOUND"),
        ("guardB", "NOT_FOUND"),
        ("resident", "NOT_FOUND"),
    ] {
        let json = w.start(who, json!({ "routeId": security })).await;
        assert_eq!(code(&json), expected, "{who}: {json}");
    }
    // A resident lists nothing.
    assert!(w.listed("resident", "patrolRoutes").await.is_empty());
    assert!(w.listed("resident", "patrolRuns").await.is_empty());
    // Filters narrow the lists.
    let json = w
        .run(
            "admin",
            "query($b: ID!) { patrolRoutes(first: 10, filter: { buildingId: $b, post: FIRE_CONTROL }) { totalCount } }",
            json!({ "b": w.building_b }),
        )
        .await;
    assert_eq!(json["data"]["patrolRoutes"]["totalCount"], 0, "{json}");

    // The demo: a night route whose run missed its last checkpoint after a finding that opened
    // a work order; seeding twice adds nothing.
    assert_eq!(
        resident_hub::demo::seed_patrols(&w.app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        resident_hub::demo::seed_patrols(&w.app.state)
            .await
            .unwrap(),
        0
    );
    let json = w
        .run(
            "manager",
            &format!("{{ patrolRuns(first: 50, filter: {{ statuses: [FINISHED] }}) {{ edges {{ node {{ {RUN} }} }} }} }}"),
            json!({}),
        )
        .await;
    let runs = json["data"]["patrolRuns"]["edges"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{json}");
    let demo = &runs[0]["node"];
    assert_eq!(
        (demo["missedCount"].as_i64(), demo["abnormalCount"].as_i64()),
        (Some(1), Some(1))
    );
    let statuses: Vec<&str> = demo["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["SCANNED", "SCANNED", "SCANNED", "MISSED"]);
    assert!(demo["checkpoints"][1]["workOrderId"].is_string(), "{demo}");
    let routes = entity::patrol_route::Entity::find()
        .filter(entity::patrol_route::Column::Name.eq(resident_hub::demo::DEMO_ROUTE))
        .count(&w.app.state.db)
        .await
        .unwrap();
    assert_eq!(routes, 1);
}

#[tokio::test]
async fn a_run_is_scanned_in_order_late_and_missed_are_flagged_and_findings_open_work() {
    let w = world().await;
    let route = w.route("SECURITY", 3).await;
    let fire = w.route("FIRE_CONTROL", 1).await;
    let codes: Vec<String> = route["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 3);
    let fire_code = fire["checkpoints"][0]["code"].as_str().unwrap().to_owned();

    // Bad starts: both ids, neither.
    let json = w.start("guard", json!({})).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input"),
        "{json}"
    );
    let json = w
        .start(
            "guard",
            json!({ "routeId": id_of(&route), "runId": id_of(&route) }),
        )
        .await;
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");

    let json = w.start("guard", json!({ "routeId": id_of(&route) })).await;
    assert!(json["errors"].is_null(), "{json}");
    let run = json["data"]["startPatrolRun"]["run"].clone();
    let run_id = id_of(&run);
    assert_eq!(run["status"], "IN_PROGRESS");
    assert_eq!(run["scheduledAt"], Value::Null, "an ad hoc run");
    assert_eq!(run["checkpointCount"], 3);

    // Bad scans: clear codes, nothing written.
    let before = w.footprint().await;
    let json = w
        .scan("guard", json!({ "runId": run_id, "code": "PT-NOSUCHCODE" }))
        .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.code"),
        "unknown: {json}"
    );
    let json = w
        .scan("guard", json!({ "runId": run_id, "code": fire_code }))
        .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.code"),
        "another route's: {json}"
    );
    let json = w
        .scan("guard", json!({ "runId": run_id, "code": codes[1] }))
        .await;
    assert_eq!(code(&json), "INVALID_STATE", "out of order: {json}");
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("out of order") && message.contains("Point 1"),
        "{message}"
    );
    let json = w
        .scan("guard2", json!({ "runId": run_id, "code": codes[0] }))
        .await;
    assert_eq!(code(&json), "FORBIDDEN", "someone else's run: {json}");
    let json = w
        .scan("guardB", json!({ "runId": run_id, "code": codes[0] }))
        .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.runId"),
        "a run they may not see: {json}"
    );
    let json = w
        .scan(
            "guard",
            json!({ "runId": run_id, "code": codes[0], "finding": "ABNORMAL", "photoUrl": "http://x.test/a.jpg" }),
        )
        .await;
    assert_eq!(
        fields(&json),
        ["input.note", "input.photoUrl", "input.workCategoryId"],
        "every bad field at once: {json}"
    );
    let json = w
        .scan(
            "guard",
            json!({ "runId": run_id, "code": codes[0], "workCategoryId": w.category }),
        )
        .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.finding"),
        "{json}"
    );
    let json = w
        .scan(
            "guard",
            json!({ "runId": run_id, "code": codes[0], "finding": "ABNORMAL", "note": "x",
                "workCategoryId": Uuid::now_v7() }),
        )
        .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.workCategoryId"),
        "{json}"
    );
    assert_eq!(w.footprint().await, before, "refused scans wrote nothing");

    // The first checkpoint, on time.
    let json = w
        .scan("guard", json!({ "runId": run_id, "code": codes[0] }))
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let scanned = &json["data"]["scanCheckpoint"];
    assert_eq!(scanned["checkpoint"]["status"], "SCANNED");
    assert_eq!(scanned["checkpoint"]["finding"], "NORMAL");
    assert_eq!(scanned["run"]["scannedCount"], 1);
    // Twice: CONFLICT, nothing written.
    let before = w.footprint().await;
    let json = w
        .scan("guard", json!({ "runId": run_id, "code": codes[0] }))
        .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("CONFLICT", "input.code"),
        "{json}"
    );
    assert_eq!(w.footprint().await, before);

    // The second, 30 minutes in (expected at 10 ± 5): recorded, flagged late, with an abnormal
    // finding that opens a work order and a rectification in the same write.
    w.app.state.clock.advance(Duration::minutes(30));
    let (_, orders, rectifications, _) = w.footprint().await;
    let json = w
        .scan(
            "guard",
            json!({ "runId": run_id, "code": codes[1], "finding": "ABNORMAL",
                "note": "Fire door propped open", "photoUrl": "https://photos.test/door.jpg",
                "workCategoryId": w.category, "openRectification": true }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let scanned = &json["data"]["scanCheckpoint"];
    assert_eq!(scanned["checkpoint"]["status"], "LATE");
    assert_eq!(scanned["checkpoint"]["finding"], "ABNORMAL");
    assert_eq!(scanned["run"]["lateCount"], 1);
    assert_eq!(scanned["run"]["abnormalCount"], 1);
    let (_, orders_after, rectifications_after, _) = w.footprint().await;
    assert_eq!(
        (orders_after, rectifications_after),
        (orders + 1, rectifications + 1)
    );
    let order_id = Uuid::parse_str(scanned["checkpoint"]["workOrderId"].as_str().unwrap()).unwrap();
    let order = entity::work_order::Entity::find_by_id(order_id)
        .one(&w.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (order.channel.as_str(), order.building_id),
        ("PATROL", w.building_a)
    );
    assert_eq!(order.description, "Fire door propped open");
    let rect_id =
        Uuid::parse_str(scanned["checkpoint"]["rectificationId"].as_str().unwrap()).unwrap();
    let rect = entity::rectification::Entity::find_by_id(rect_id)
        .one(&w.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rect.source_kind, "PATROL");
    assert_eq!(rect.source_id, Some(Uuid::parse_str(&run_id).unwrap()));
    assert_eq!(rect.work_order_id, Some(order_id));

    // Finishing (not by a guard of another run) flags the third checkpoint missed.
    let json = w.finish("guard2", &run_id).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = w.finish("guard", &run_id).await;
    assert!(json["errors"].is_null(), "{json}");
    let run = &json["data"]["finishPatrolRun"]["run"];
    assert_eq!(run["status"], "FINISHED");
    assert_eq!(run["missedCount"], 1);
    let statuses: Vec<&str> = run["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["SCANNED", "LATE", "MISSED"]);
    assert_eq!(
        run["checkpoints"][1]["photoUrl"],
        "https://photos.test/door.jpg"
    );
    // After the end: no more scans, no second finish.
    let json = w
        .scan("guard", json!({ "runId": run_id, "code": codes[2] }))
        .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    let json = w.finish("guard", &run_id).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");

    // Changing the route keeps kept checkpoints' codes and leaves the finished run alone.
    let update = "mutation($input: UpdatePatrolRouteInput!) { updatePatrolRoute(input: $input) { route { checkpoints { id position code name } } } }";
    let first = &route["checkpoints"][0];
    let json = w
        .run(
            "manager",
            update,
            json!({ "input": { "id": id_of(&route), "checkpoints": [
                { "name": "New point", "location": "Lobby", "expectedMinutes": 0 },
                { "id": first["id"], "name": "Point 1 again", "location": "Level 0", "expectedMinutes": 5 },
            ] } }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let list = &json["data"]["updatePatrolRoute"]["route"]["checkpoints"];
    assert_eq!(
        list[1]["code"], first["code"],
        "a kept checkpoint keeps its tag"
    );
    assert_eq!(list[1]["position"], 2);
    assert_ne!(list[0]["code"], first["code"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let json = w
        .run(
            "guard",
            &format!("query($id: ID!) {{ patrolRun(id: $id) {{ {RUN} }} }}"),
            json!({ "id": run_id }),
        )
        .await;
    assert_eq!(
        json["data"]["patrolRun"]["checkpoints"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A checkpoint of another route cannot be kept.
    let json = w
        .run(
            "manager",
            update,
            json!({ "input": { "id": id_of(&route), "checkpoints": [
                { "id": fire["checkpoints"][0]["id"], "name": "Stolen", "location": "X", "expectedMinutes": 0 },
            ] } }),
        )
        .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.checkpoints[0].id"),
        "{json}"
    );
    // Bad route input is reported whole.
    let json = w
        .run(
            "manager",
            "mutation($input: CreatePatrolRouteInput!) { createPatrolRoute(input: $input) { route { id } } }",
            json!({ "input": { "buildingId": w.building_a, "name": " ", "post": "SECURITY",
                "graceMinutes": 999, "checkpoints": [],
                "schedule": { "days": [], "startTimes": ["25:00"] } } }),
        )
        .await;
    assert_eq!(
        fields(&json),
        [
            "input.checkpoints",
            "input.graceMinutes",
            "input.name",
            "input.schedule.days",
            "input.schedule.startTimes"
        ],
        "{json}"
    );
}

#[tokio::test]
async fn the_job_makes_runs_once_alerts_managers_once_and_the_office_follows_live() {
    let w = world().await;
    // A route whose only daily start is an hour from now.
    let start = w.app.state.clock.now() + Duration::hours(1);
    let json = w
        .run(
            "manager",
            &format!("mutation($input: CreatePatrolRouteInput!) {{ createPatrolRoute(input: $input) {{ route {{ {ROUTE} }} }} }}"),
            json!({ "input": { "buildingId": w.building_a, "name": "Hourly gate", "post": "SECURITY",
                "graceMinutes": 15, "checkpoints": checkpoints(2),
                "schedule": { "days": ["MON","TUE","WED","THU","FRI","SAT","SUN"],
                    "startTimes": [start.format("%H:%M").to_string()] } } }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let route = json["data"]["createPatrolRoute"]["route"].clone();
    // A fire route whose runs start half a day from now (so none is due in this test).
    let later = (w.app.state.clock.now() + Duration::hours(12))
        .format("%H:%M")
        .to_string();
    let fire = w
        .route_with(
            "FIRE_CONTROL",
            1,
            json!({ "days": ["MON"], "startTimes": [later] }),
        )
        .await;

    // The office feed: the manager, the fire operator (their own post's runs only); a resident
    // may not follow.
    let feed = "subscription($b: ID!, $after: String) { patrolRunUpdated(buildingId: $b, after: $after) { cursor action run { id status } checkpoint { position status } } }";
    let nil = Uuid::nil().to_string();
    let mut office = w.app.ws().await;
    office
        .init(json!({ "Authorization": format!("Bearer {}", w.tokens["manager"]) }))
        .await;
    office
        .subscribe("m", feed, json!({ "b": w.building_a, "after": nil }))
        .await;
    let mut fire_office = w.app.ws().await;
    fire_office
        .init(json!({ "Authorization": format!("Bearer {}", w.tokens["fire"]) }))
        .await;
    fire_office
        .subscribe("f", feed, json!({ "b": w.building_a, "after": nil }))
        .await;
    for who in ["resident", "clerk", "guardB"] {
        let mut outsider = w.app.ws().await;
        outsider
            .init(json!({ "Authorization": format!("Bearer {}", w.tokens[who]) }))
            .await;
        outsider
            .subscribe("o", feed, json!({ "b": w.building_a }))
            .await;
        let refused = outsider.recv().await;
        assert_eq!(
            refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{who}: {refused}"
        );
    }

    // The job makes the next day of runs, once.
    let made = w
        .app
        .state
        .jobs
        .run_now(&w.app.state, "patrol-runs")
        .await
        .unwrap();
    assert!(made >= 1, "{made}");
    let runs = w.runs_of(&id_of(&route)).await;
    assert_eq!(
        runs["totalCount"], 1,
        "one daily start within the day ahead: {runs}"
    );
    let run = runs["edges"][0]["node"].clone();
    assert_eq!(run["status"], "SCHEDULED");
    let again = w
        .app
        .state
        .jobs
        .run_now(&w.app.state, "patrol-runs")
        .await
        .unwrap();
    assert_eq!(again, 0, "nothing made twice");
    assert_eq!(w.runs_of(&id_of(&route)).await["totalCount"], 1);

    // Not started by start + grace: flagged, the managers alerted once.
    w.app.state.clock.advance(Duration::minutes(60 + 16));
    w.app
        .state
        .jobs
        .run_now(&w.app.state, "patrol-runs")
        .await
        .unwrap();
    w.app
        .state
        .jobs
        .run_now(&w.app.state, "patrol-runs")
        .await
        .unwrap();
    let run_id = id_of(&run);
    let json = w
        .run(
            "admin",
            &format!("query($id: ID!) {{ patrolRun(id: $id) {{ {RUN} }} }}"),
            json!({ "id": run_id }),
        )
        .await;
    assert_eq!(json["data"]["patrolRun"]["status"], "NOT_STARTED", "{json}");
    assert!(json["data"]["patrolRun"]["notStartedAlertedAt"].is_string());
    let alerts = entity::notification::Entity::find()
        .filter(entity::notification::Column::SubjectId.eq(Uuid::parse_str(&run_id).unwrap()))
        .all(&w.app.state.db)
        .await
        .unwrap();
    let manager = user_by_email(&w.app, "staff12@demo.test").await.id;
    assert_eq!(alerts.len(), 1, "one alert, to the one manager, once");
    assert_eq!(
        (alerts[0].user_id, alerts[0].kind.as_str()),
        (manager, "NOT_STARTED")
    );
    let inbox = w
        .run(
            "manager",
            "{ notifications(first: 5) { edges { node { category kind subject { __typename ... on PatrolRun { id status } } } } } }",
            json!({}),
        )
        .await;
    let node = &inbox["data"]["notifications"]["edges"][0]["node"];
    assert_eq!(node["category"], "PATROL", "{inbox}");
    assert_eq!(node["subject"]["id"], run_id.as_str(), "{inbox}");

    // The guard starts it late, by route: the run due is taken rather than a new one.
    let json = w.start("guard", json!({ "routeId": id_of(&route) })).await;
    assert!(json["errors"].is_null(), "{json}");
    let started = &json["data"]["startPatrolRun"]["run"];
    assert_eq!(started["id"], run_id.as_str());
    assert_eq!(started["status"], "IN_PROGRESS");
    assert!(started["notStartedAlertedAt"].is_string());
    let json = w.start("guard2", json!({ "runId": run_id })).await;
    assert_eq!(code(&json), "INVALID_STATE", "started once: {json}");
    let code0 = route["checkpoints"][0]["code"].as_str().unwrap();
    let json = w
        .scan("guard", json!({ "runId": run_id, "code": code0 }))
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let json = w.finish("manager", &run_id).await;
    assert!(
        json["errors"].is_null(),
        "a manager may close a run: {json}"
    );
    // A fire run, for the fire operator's feed.
    let json = w.start("fire", json!({ "routeId": id_of(&fire) })).await;
    assert!(json["errors"].is_null(), "{json}");
    let fire_run = id_of(&json["data"]["startPatrolRun"]["run"]);

    let ev = |m: &Value| m["payload"]["data"]["patrolRunUpdated"].clone();
    let mut seen = Vec::new();
    for _ in 0..6 {
        let e = ev(&office.recv().await);
        seen.push((
            e["action"].as_str().unwrap().to_owned(),
            e["run"]["id"].as_str().unwrap().to_owned(),
        ));
    }
    let expected: Vec<(String, String)> = [
        ("NOT_STARTED", &run_id),
        ("STARTED", &run_id),
        ("SCANNED", &run_id),
        ("MISSED", &run_id),
        ("FINISHED", &run_id),
        ("STARTED", &fire_run),
    ]
    .iter()
    .map(|(a, r)| ((*a).to_owned(), (*r).clone()))
    .collect();
    assert_eq!(seen, expected, "the office sees every step, in order");
    // The fire operator's first event is their own post's run: none of the security run's
    // reached them, not even by replay.
    let first = ev(&fire_office.recv().await);
    assert_eq!(
        (first["action"].as_str(), first["run"]["id"].as_str()),
        (Some("STARTED"), Some(fire_run.as_str())),
        "{first}"
    );
}
