//! The supervision group and its inspections on the demo estate: groups and terms, plans,
//! scheduled and unannounced inspections, completion with findings (rectifications, work
//! orders), who sees what (every cell of the README table), the board feed, notifications,
//! bad input, concurrency and statement counts.

use std::collections::HashMap;

use resident_hub::auth::AuthenticatedUser;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::user_by_email,
    helpers::{TEST_TOKEN_TTL, TestApp, add_repair_category},
};

const INSPECTION: &str = "id kind status total inspectorName plan { id } \
    areaScores { area score weight percent } scores { itemId score } \
    findings { id severity responsibleStaffId rectificationId workOrderId } summary";

/// The viewers of the who-sees-what table, by the name the tests use.
const PEOPLE: [(&str, &str); 11] = [
    ("admin", "admin@demo.test"),
    ("supervisor", "supervisor1@demo.test"),
    ("chair", "staff11@demo.test"),
    ("rep", "resident2@demo.test"),
    ("manager", "staff12@demo.test"),
    ("staffA", "staff2@demo.test"),
    ("staffB", "staff3@demo.test"),
    ("residentA", "resident1@demo.test"),
    ("residentB", "resident25@demo.test"),
    ("merchant", "merchant1@demo.test"),
    ("staff5", "staff5@demo.test"),
];

struct World {
    app: TestApp,
    tokens: HashMap<&'static str, String>,
    building_a: Uuid,
    building_b: Uuid,
    plan: Uuid,
    items: Vec<(Uuid, i32)>,
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

async fn token_for(app: &TestApp, email: &str) -> String {
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

async fn building(app: &TestApp, prefix: &str) -> Uuid {
    entity::building::Entity::find()
        .filter(entity::building::Column::Name.starts_with(prefix))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
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

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    user_by_email(app, email).await.id
}

/// A catalogue category for findings' work orders (dispatched by a manager).
async fn add_category(app: &TestApp) -> Uuid {
    add_repair_category(app, "LOBBY_REPAIR", "Lobby repair", "ASSIGN").await
}

const ADD_MEMBER: &str = "mutation($input: AddSupervisionMemberInput!) { addSupervisionMember(input: $input) { member { id role current displayName } } }";
const CREATE_PLAN: &str = "mutation($input: CreateInspectionPlanInput!) { createInspectionPlan(input: $input) { plan { id version items { id weight area } } } }";
const CREATE: &str = "mutation($input: CreateInspectionInput!) { createInspection(input: $input) { inspection { id kind status } } }";
const COMPLETE: &str = "mutation($input: CompleteInspectionInput!) { completeInspection(input: $input) { inspection { id status total } } }";

/// The demo estate; Building A's group (chair staff11, resident representative resident2); a
/// plan of three items (40 cleaning, 30 security, 30 fire safety); a work category.
async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(
    configure: impl FnOnce(&mut resident_hub::config::Config) + Send + 'static,
) -> World {
    let app = TestApp::builder().config(configure).spawn().await;
    resident_hub::demo::seed_estate(&app.state).await.unwrap();
    let mut tokens = HashMap::new();
    for (name, email) in PEOPLE {
        tokens.insert(name, token_for(&app, email).await);
    }
    let building_a = building(&app, "Building A").await;
    let building_b = building(&app, "Building B").await;
    for (email, role) in [
        ("staff11@demo.test", "CHAIR"),
        ("resident2@demo.test", "RESIDENT"),
    ] {
        let json = gql(
            &app,
            &tokens["supervisor"],
            ADD_MEMBER,
            json!({ "input": { "buildingId": building_a, "userId": user_id(&app, email).await, "role": role } }),
        )
        .await;
        assert!(json["errors"].is_null(), "{json}");
    }
    let json = gql(
        &app,
        &tokens["supervisor"],
        CREATE_PLAN,
        json!({ "input": { "name": "Quarterly service check", "items": [
            { "area": "CLEANING", "title": "Lobby floor clean", "weight": 40 },
            { "area": "SECURITY", "title": "Gate guarded", "weight": 30 },
            { "area": "FIRE_SAFETY", "title": "Extinguishers in date", "weight": 30 },
        ] } }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    let plan = &json["data"]["createInspectionPlan"]["plan"];
    let items = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                Uuid::parse_str(i["id"].as_str().unwrap()).unwrap(),
                i32::try_from(i["weight"].as_i64().unwrap()).unwrap(),
            )
        })
        .collect();
    let category = add_category(&app).await;
    World {
        plan: Uuid::parse_str(plan["id"].as_str().unwrap()).unwrap(),
        app,
        tokens,
        building_a,
        building_b,
        items,
        category,
    }
}

impl World {
    async fn run(&self, who: &str, query: &str, variables: Value) -> Value {
        gql(&self.app, &self.tokens[who], query, variables).await
    }

    /// The chair schedules an inspection of Building A (inspector: the chair).
    async fn schedule(&self, announced: bool) -> String {
        let at = self.app.state.clock.now() + chrono::Duration::days(2);
        let json = self
            .run(
                "chair",
                CREATE,
                json!({ "input": { "buildingId": self.building_a, "planId": self.plan, "announced": announced, "scheduledAt": at } }),
            )
            .await;
        assert!(json["errors"].is_null(), "{json}");
        json["data"]["createInspection"]["inspection"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Full marks but 10 off the cleaning item.
    fn scores(&self) -> Value {
        Value::Array(
            self.items
                .iter()
                .enumerate()
                .map(|(i, (id, weight))| {
                    json!({ "itemId": id, "score": if i == 0 { weight - 10 } else { *weight } })
                })
                .collect(),
        )
    }

    /// The chair completes `id` with one finding on the cleaning item, responsible staff5
    /// (cleaner of Building A), needing work.
    async fn complete(&self, id: &str) -> Value {
        let cleaner = staff_id(&self.app, "staff5@demo.test").await;
        self.run(
            "chair",
            COMPLETE,
            json!({ "input": { "id": id, "scores": self.scores(), "summary": "Mostly fine",
                "findings": [{ "itemId": self.items[0].0, "note": "Lobby floor sticky",
                    "severity": "MAJOR", "responsibleStaffId": cleaner, "needsWork": true,
                    "workCategoryId": self.category }] } }),
        )
        .await
    }

    async fn listed(&self, who: &str) -> Vec<String> {
        let json = self
            .run(
                who,
                "{ inspections(first: 50) { totalCount edges { node { id } } } }",
                json!({}),
            )
            .await;
        match json["data"]["inspections"]["edges"].as_array() {
            Some(edges) => edges
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect(),
            None => Vec::new(),
        }
    }

    /// (sees by `inspection(id:)`, sees by `node(id:)`, sees in `inspections`).
    async fn sees(&self, who: &str, id: &str) -> (bool, bool, bool) {
        let one = self
            .run(
                who,
                "query($id: ID!) { inspection(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        let by_id = one["data"]["inspection"]["id"] == id;
        if !by_id {
            assert_eq!(code(&one), "NOT_FOUND", "{who}: {one}");
        }
        let node = self
            .run(
                who,
                "query($id: ID!) { node(id: $id) { ... on Inspection { id } } }",
                json!({ "id": id }),
            )
            .await;
        assert!(node["errors"].is_null(), "{who}: {node}");
        let by_node = node["data"]["node"]["id"] == id;
        let listed = self.listed(who).await.iter().any(|i| i == id);
        (by_id, by_node, listed)
    }

    async fn count<E: EntityTrait>(&self) -> u64
    where
        E::Model: Send + Sync,
    {
        E::find().count(&self.app.state.db).await.unwrap()
    }
}

fn all(b: bool) -> (bool, bool, bool) {
    (b, b, b)
}

#[tokio::test]
async fn who_sees_what_every_viewer_before_and_after_completion_of_both_kinds() {
    let w = world().await;
    let announced = w.schedule(true).await;
    let unannounced = w.schedule(false).await;
    // Before completion: (viewer, sees the scheduled one, sees the unannounced one).
    let before = [
        ("admin", true, true),
        ("supervisor", true, true),
        ("chair", true, true),
        ("rep", true, true),
        ("manager", true, false),
        ("staffA", true, false),
        ("staff5", true, false),
        ("staffB", false, false),
        ("residentA", false, false),
        ("residentB", false, false),
        ("merchant", false, false),
    ];
    for (who, sees_announced, sees_unannounced) in before {
        assert_eq!(
            w.sees(who, &announced).await,
            all(sees_announced),
            "{who}: scheduled"
        );
        assert_eq!(
            w.sees(who, &unannounced).await,
            all(sees_unannounced),
            "{who}: unannounced"
        );
    }
    let json = w.complete(&unannounced).await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(
        json["data"]["completeInspection"]["inspection"]["total"],
        90
    );
    // After completion: everyone of the building (staff, managers, residents) sees it;
    // others still do not.
    let after = [
        ("admin", true),
        ("supervisor", true),
        ("chair", true),
        ("rep", true),
        ("manager", true),
        ("staffA", true),
        ("staff5", true),
        ("residentA", true),
        ("staffB", false),
        ("residentB", false),
        ("merchant", false),
    ];
    for (who, sees) in after {
        assert_eq!(
            w.sees(who, &unannounced).await,
            all(sees),
            "{who}: completed"
        );
    }
    // Detail: staff and managers see findings and names; residents building-level results only.
    let query = format!("query($id: ID!) {{ inspection(id: $id) {{ {INSPECTION} }} }}");
    for who in [
        "admin",
        "supervisor",
        "chair",
        "rep",
        "manager",
        "staffA",
        "staff5",
    ] {
        let json = w.run(who, &query, json!({ "id": unannounced })).await;
        let it = &json["data"]["inspection"];
        assert_eq!(
            it["findings"].as_array().map(Vec::len),
            Some(1),
            "{who}: {json}"
        );
        assert!(it["inspectorName"].is_string(), "{who}: {json}");
        assert_eq!(it["scores"].as_array().map(Vec::len), Some(3), "{who}");
        assert!(it["plan"]["id"].is_string(), "{who}: {json}");
    }
    let json = w
        .run("residentA", &query, json!({ "id": unannounced }))
        .await;
    let it = &json["data"]["inspection"];
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(it["total"], 90, "{json}");
    assert_eq!(
        it["areaScores"],
        json!([
            { "area": "CLEANING", "score": 30, "weight": 40, "percent": 75 },
            { "area": "SECURITY", "score": 30, "weight": 30, "percent": 100 },
            { "area": "FIRE_SAFETY", "score": 30, "weight": 30, "percent": 100 },
        ]),
        "{json}"
    );
    for hidden in ["findings", "scores", "inspectorName", "summary", "plan"] {
        assert!(it[hidden].is_null(), "residents never see {hidden}: {json}");
    }
    // Residents still never see the scheduled one before completion.
    assert_eq!(w.sees("residentA", &announced).await, all(false));
}

#[tokio::test]
async fn who_sees_what_groups_and_plans() {
    let w = world().await;
    let group = "query($b: ID!) { supervisionGroup(buildingId: $b) { chair { displayName role } members { role current } } }";
    for (who, sees) in [
        ("admin", true),
        ("supervisor", true),
        ("chair", true),
        ("rep", true),
        ("manager", true),
        ("staffA", true),
        ("residentA", true),
        ("staffB", false),
        ("residentB", false),
        ("merchant", false),
    ] {
        let json = w.run(who, group, json!({ "b": w.building_a })).await;
        if sees {
            assert_eq!(
                json["data"]["supervisionGroup"]["members"]
                    .as_array()
                    .map(Vec::len),
                Some(2),
                "{who}: {json}"
            );
            assert_eq!(json["data"]["supervisionGroup"]["chair"]["role"], "CHAIR");
        } else {
            assert_eq!(code(&json), "NOT_FOUND", "{who}: {json}");
        }
    }
    let plans = "{ inspectionPlans(first: 10) { totalCount edges { node { id name } } } }";
    for (who, sees) in [
        ("admin", true),
        ("supervisor", true),
        ("chair", true),
        ("rep", true),
        ("manager", true),
        ("staffA", true),
        ("staffB", true),
        ("residentA", false),
        ("residentB", false),
        ("merchant", false),
    ] {
        let json = w.run(who, plans, json!({})).await;
        if sees {
            assert_eq!(
                json["data"]["inspectionPlans"]["totalCount"], 1,
                "{who}: {json}"
            );
        } else {
            assert_eq!(code(&json), "FORBIDDEN", "{who}: {json}");
        }
    }
    // Anonymous callers are refused everywhere.
    for query in [
        "{ inspections(first: 5) { totalCount } }",
        "{ inspectionPlans(first: 5) { totalCount } }",
        "query($b: ID!) { supervisionGroup(buildingId: $b) { chair { role } } }",
    ] {
        let (_, json) = w
            .app
            .graphql(query, json!({ "b": w.building_a }), None)
            .await;
        assert_eq!(code(&json), "UNAUTHENTICATED", "{query}: {json}");
    }
    // Only administrators and supervisors manage groups and plans.
    for who in ["chair", "manager", "rep"] {
        let json = w
            .run(
                who,
                ADD_MEMBER,
                json!({ "input": { "buildingId": w.building_a, "userId": user_id(&w.app, "staff4@demo.test").await, "role": "STAFF" } }),
            )
            .await;
        assert_eq!(code(&json), "FORBIDDEN", "{who}: {json}");
    }
    let json = w
        .run(
            "admin",
            ADD_MEMBER,
            json!({ "input": { "buildingId": w.building_a, "userId": user_id(&w.app, "staff4@demo.test").await, "role": "STAFF" } }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
}

#[tokio::test]
async fn completion_opens_a_rectification_and_a_work_order_in_one_write_and_feeds_staff_results() {
    let w = world().await;
    let id = w.schedule(true).await;
    let start = w
        .run(
            "chair",
            "mutation($id: ID!) { startInspection(input: { id: $id }) { inspection { status startedAt } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        start["data"]["startInspection"]["inspection"]["status"], "IN_PROGRESS",
        "{start}"
    );
    let json = w.complete(&id).await;
    assert!(json["errors"].is_null(), "{json}");
    let inspection_id = Uuid::parse_str(&id).unwrap();
    let rectification = entity::rectification::Entity::find()
        .filter(entity::rectification::Column::SourceId.eq(inspection_id))
        .one(&w.app.state.db)
        .await
        .unwrap()
        .expect("a rectification for the finding");
    assert_eq!(rectification.source_kind, "INSPECTION");
    assert_eq!(
        rectification.responsible_staff_id,
        staff_id(&w.app, "staff5@demo.test").await
    );
    let order = entity::work_order::Entity::find_by_id(rectification.work_order_id.unwrap())
        .one(&w.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.channel, "INSPECTION");
    assert_eq!(order.building_id, w.building_a);
    let finding = entity::inspection_finding::Entity::find()
        .one(&w.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(finding.rectification_id, rectification.id);
    assert_eq!(finding.work_order_id, Some(order.id));

    // The staff member's record: the score per area and their share.
    let cleaner = staff_id(&w.app, "staff5@demo.test").await;
    let results = "query($s: ID!) { staffInspectionResults(staffId: $s) { total completedAt areaScores { area percent } result { findings pointsLost areas worstSeverity staff { id } } inspection { id } } }";
    for who in ["admin", "supervisor", "manager", "staff5"] {
        let json = w.run(who, results, json!({ "s": cleaner })).await;
        let rows = &json["data"]["staffInspectionResults"];
        assert_eq!(rows.as_array().map(Vec::len), Some(1), "{who}: {json}");
        assert_eq!(rows[0]["total"], 90);
        assert_eq!(rows[0]["result"]["findings"], 1);
        assert_eq!(rows[0]["result"]["pointsLost"], 10);
        assert_eq!(rows[0]["result"]["areas"], json!(["CLEANING"]));
        assert_eq!(rows[0]["result"]["worstSeverity"], "MAJOR");
        assert_eq!(rows[0]["areaScores"][0]["percent"], 75);
    }
    for who in ["staffA", "residentA", "rep"] {
        let json = w.run(who, results, json!({ "s": cleaner })).await;
        assert_eq!(code(&json), "NOT_FOUND", "{who}: {json}");
    }
    // And on the inspection, per staff member.
    let json = w
        .run(
            "manager",
            "query($id: ID!) { inspection(id: $id) { staffResults { staffId findings pointsLost } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        json["data"]["inspection"]["staffResults"],
        json!([{ "staffId": cleaner.to_string(), "findings": 1, "pointsLost": 10 }]),
        "{json}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_clear_codes_and_writes_nothing() {
    let w = world().await;
    let id = w.schedule(true).await;
    let events = w.app.event_count().await;

    // Weights that do not sum to 100.
    let plans = w.count::<entity::inspection_plan::Entity>().await;
    let json = w
        .run(
            "supervisor",
            CREATE_PLAN,
            json!({ "input": { "name": "Broken", "items": [
                { "area": "CLEANING", "title": "A", "weight": 50 },
                { "area": "GREENING", "title": "B", "weight": 40 },
            ] } }),
        )
        .await;
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
    assert_eq!(field(&json), "input.items", "{json}");
    assert_eq!(w.count::<entity::inspection_plan::Entity>().await, plans);

    // A representative who does not live in the building.
    let members = w.count::<entity::supervision_member::Entity>().await;
    let json = w
        .run(
            "supervisor",
            ADD_MEMBER,
            json!({ "input": { "buildingId": w.building_a, "userId": user_id(&w.app, "resident25@demo.test").await, "role": "RESIDENT" } }),
        )
        .await;
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
    assert_eq!(field(&json), "input.userId", "{json}");
    assert_eq!(
        w.count::<entity::supervision_member::Entity>().await,
        members
    );

    // An inspector who is not in the group.
    let inspections = w.count::<entity::inspection::Entity>().await;
    let json = w
        .run(
            "supervisor",
            CREATE,
            json!({ "input": { "buildingId": w.building_a, "planId": w.plan, "announced": true,
                "scheduledAt": w.app.state.clock.now(), "inspectorId": user_id(&w.app, "staff2@demo.test").await } }),
        )
        .await;
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
    assert_eq!(field(&json), "input.inspectorId", "{json}");
    // A member of another building's group is not a member of this one.
    let json = w
        .run(
            "supervisor",
            CREATE,
            json!({ "input": { "buildingId": w.building_b, "planId": w.plan, "announced": true,
                "scheduledAt": w.app.state.clock.now(), "inspectorId": user_id(&w.app, "staff11@demo.test").await } }),
        )
        .await;
    assert_eq!(field(&json), "input.inspectorId", "{json}");
    assert_eq!(w.count::<entity::inspection::Entity>().await, inspections);

    // Scores out of range (and every other bad field, reported at once).
    let mut scores = w.scores();
    scores[0]["score"] = json!(41);
    scores[1]["score"] = json!(-1);
    let json = w
        .run(
            "chair",
            COMPLETE,
            json!({ "input": { "id": id, "scores": scores } }),
        )
        .await;
    let fields: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
    assert_eq!(
        fields,
        ["input.scores[0].score", "input.scores[1].score"],
        "{json}"
    );
    // Missing items, and a finding without its category or with staff not serving the building.
    let json = w
        .run(
            "chair",
            COMPLETE,
            json!({ "input": { "id": id, "scores": [w.scores()[0].clone()], "findings": [
                { "itemId": w.items[0].0, "note": "x", "severity": "MINOR", "needsWork": true,
                  "responsibleStaffId": staff_id(&w.app, "staff3@demo.test").await } ] } }),
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
            "input.scores",
            "input.findings[0].responsibleStaffId",
            "input.findings[0].workCategoryId"
        ],
        "{json}"
    );
    assert_eq!(w.count::<entity::inspection_score::Entity>().await, 0);
    assert_eq!(w.app.event_count().await, events, "nothing written");

    // Scored twice: the second is INVALID_STATE and writes nothing.
    let json = w.complete(&id).await;
    assert!(json["errors"].is_null(), "{json}");
    let counts = (
        w.count::<entity::inspection_score::Entity>().await,
        w.count::<entity::inspection_finding::Entity>().await,
        w.count::<entity::rectification::Entity>().await,
        w.count::<entity::work_order::Entity>().await,
        w.app.event_count().await,
    );
    let json = w.complete(&id).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    assert_eq!(
        counts,
        (
            w.count::<entity::inspection_score::Entity>().await,
            w.count::<entity::inspection_finding::Entity>().await,
            w.count::<entity::rectification::Entity>().await,
            w.count::<entity::work_order::Entity>().await,
            w.app.event_count().await,
        )
    );
    // Only the inspector scores.
    let other = w.schedule(true).await;
    let json = w
        .run(
            "supervisor",
            COMPLETE,
            json!({ "input": { "id": other, "scores": w.scores() } }),
        )
        .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
}

#[tokio::test]
async fn terms_and_residency_decide_membership_at_use_time() {
    let w = world().await;
    let unannounced = w.schedule(false).await;
    // The representative sees it while they live in the building.
    assert_eq!(w.sees("rep", &unannounced).await, all(true));
    let rep = user_id(&w.app, "resident2@demo.test").await;
    let today = w.app.state.clock.today();
    entity::residency::Entity::update_many()
        .col_expr(
            entity::residency::Column::MovedOut,
            sea_orm::sea_query::Expr::value(today),
        )
        .filter(entity::residency::Column::UserId.eq(rep))
        .exec(&w.app.state.db)
        .await
        .unwrap();
    assert_eq!(
        w.sees("rep", &unannounced).await,
        all(false),
        "a representative who moved out is no longer one"
    );
    let group = "query($b: ID!) { supervisionGroup(buildingId: $b) { members(includePast: true) { role current } } }";
    let json = w.run("admin", group, json!({ "b": w.building_a })).await;
    assert!(
        json["data"]["supervisionGroup"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "RESIDENT" && m["current"] == false),
        "{json}"
    );
    // The chair's term ends: no longer a member, so no longer sees it or scores it.
    let chair_row = entity::supervision_member::Entity::find()
        .filter(entity::supervision_member::Column::Role.eq("CHAIR"))
        .one(&w.app.state.db)
        .await
        .unwrap()
        .unwrap();
    let json = w
        .run(
            "supervisor",
            "mutation($id: ID!) { endSupervisionMembership(input: { id: $id }) { member { current termUntil } } }",
            json!({ "id": chair_row.id }),
        )
        .await;
    assert_eq!(
        json["data"]["endSupervisionMembership"]["member"]["current"], false,
        "{json}"
    );
    // As the inspector, the former chair still finds the inspection, but may not score it.
    let json = w.complete(&unannounced).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    assert_eq!(w.count::<entity::inspection_score::Entity>().await, 0);
    let json = w
        .run(
            "chair",
            CREATE,
            json!({ "input": { "buildingId": w.building_a, "planId": w.plan, "announced": true, "scheduledAt": w.app.state.clock.now() } }),
        )
        .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
}

#[tokio::test]
async fn a_new_plan_version_retires_the_old_and_inspections_keep_what_they_were_scored_against() {
    let w = world().await;
    let id = w.schedule(true).await;
    let json = w
        .run(
            "supervisor",
            CREATE_PLAN,
            json!({ "input": { "name": "Quarterly service check", "replacesId": w.plan, "items": [
                { "area": "GREENING", "title": "Lawns", "weight": 100 },
            ] } }),
        )
        .await;
    assert_eq!(
        json["data"]["createInspectionPlan"]["plan"]["version"], 2,
        "{json}"
    );
    // The old version takes no new inspections.
    let json = w
        .run(
            "chair",
            CREATE,
            json!({ "input": { "buildingId": w.building_a, "planId": w.plan, "announced": true, "scheduledAt": w.app.state.clock.now() } }),
        )
        .await;
    assert_eq!(field(&json), "input.planId", "{json}");
    // The inspection scheduled before is scored against the items it was scheduled with.
    let json = w.complete(&id).await;
    assert!(json["errors"].is_null(), "{json}");
    let json = w
        .run(
            "admin",
            "query($id: ID!) { inspection(id: $id) { plan { version retired } scores { title } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(json["data"]["inspection"]["plan"]["version"], 1, "{json}");
    assert_eq!(
        json["data"]["inspection"]["plan"]["retired"], true,
        "{json}"
    );
    assert_eq!(
        json["data"]["inspection"]["scores"][0]["title"],
        "Lobby floor clean"
    );
}

#[tokio::test]
async fn notifications_tell_staff_of_announced_inspections_only_and_managers_and_the_responsible_of_results()
 {
    let w = world().await;
    let inbox = "{ notifications(first: 20) { nodes { category kind subject { ... on Inspection { id status } } } } }";
    let inspection_notes = |json: &Value| -> Vec<(String, String)> {
        json["data"]["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["category"] == "INSPECTION")
            .map(|n| {
                (
                    n["kind"].as_str().unwrap().to_owned(),
                    n["subject"]["id"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let unannounced = w.schedule(false).await;
    for who in ["staffA", "manager", "staff5", "residentA"] {
        let json = w.run(who, inbox, json!({})).await;
        assert_eq!(inspection_notes(&json), vec![], "{who}: {json}");
    }
    let announced = w.schedule(true).await;
    for who in ["staffA", "manager", "staff5"] {
        let json = w.run(who, inbox, json!({})).await;
        assert_eq!(
            inspection_notes(&json),
            vec![("SCHEDULED".to_owned(), announced.clone())],
            "{who}: {json}"
        );
    }
    for who in ["staffB", "residentA"] {
        let json = w.run(who, inbox, json!({})).await;
        assert_eq!(inspection_notes(&json), vec![], "{who}: {json}");
    }
    let json = w.complete(&unannounced).await;
    assert!(json["errors"].is_null(), "{json}");
    for who in ["manager", "staff5"] {
        let json = w.run(who, inbox, json!({})).await;
        assert_eq!(
            inspection_notes(&json)[0],
            ("COMPLETED".to_owned(), unannounced.clone()),
            "{who}: {json}"
        );
    }
    // staffA (no finding) hears only of the announced one.
    let json = w.run("staffA", inbox, json!({})).await;
    assert_eq!(inspection_notes(&json).len(), 1, "{json}");
}

#[tokio::test]
async fn the_board_hides_an_unannounced_inspection_from_inspected_staff_until_completion() {
    let w = world().await;
    let board = "subscription($b: ID!, $after: String) { supervisionBoard(buildingId: $b, after: $after) { cursor action inspection { id kind status total findings { id } } findings { id } } }";
    let start = Uuid::nil().to_string();
    let mut staff = w.app.ws().await;
    staff
        .init(json!({ "Authorization": format!("Bearer {}", w.tokens["staffA"]) }))
        .await;
    staff
        .subscribe("s", board, json!({ "b": w.building_a, "after": start }))
        .await;
    let mut rep = w.app.ws().await;
    rep.init(json!({ "Authorization": format!("Bearer {}", w.tokens["rep"]) }))
        .await;
    rep.subscribe("r", board, json!({ "b": w.building_a, "after": start }))
        .await;
    let mut resident = w.app.ws().await;
    resident
        .init(json!({ "Authorization": format!("Bearer {}", w.tokens["residentA"]) }))
        .await;
    resident
        .subscribe("x", board, json!({ "b": w.building_a, "after": start }))
        .await;
    // Someone of another building may not follow the board.
    let mut outsider = w.app.ws().await;
    outsider
        .init(json!({ "Authorization": format!("Bearer {}", w.tokens["residentB"]) }))
        .await;
    outsider
        .subscribe("o", board, json!({ "b": w.building_a }))
        .await;
    let refused = outsider.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );

    let unannounced = w.schedule(false).await;
    let announced = w.schedule(true).await;
    let ev = |m: &Value| m["payload"]["data"]["supervisionBoard"].clone();
    // The group member sees both, in order.
    let first = ev(&rep.recv().await);
    assert_eq!(
        (first["action"].as_str(), first["inspection"]["id"].as_str()),
        (Some("SCHEDULED"), Some(unannounced.as_str()))
    );
    let second = ev(&rep.recv().await);
    assert_eq!(second["inspection"]["id"], announced.as_str());
    // The inspected staff member's first event is the announced one: the unannounced
    // scheduling never reached them.
    let first = ev(&staff.recv().await);
    assert_eq!(
        (first["action"].as_str(), first["inspection"]["id"].as_str()),
        (Some("SCHEDULED"), Some(announced.as_str())),
        "{first}"
    );
    let json = w.complete(&unannounced).await;
    assert!(json["errors"].is_null(), "{json}");
    let done = ev(&staff.recv().await);
    assert_eq!(
        (done["action"].as_str(), done["inspection"]["id"].as_str()),
        (Some("COMPLETED"), Some(unannounced.as_str())),
        "{done}"
    );
    assert_eq!(done["findings"].as_array().map(Vec::len), Some(1), "{done}");
    // Residents get only the completion, without findings.
    let got = ev(&resident.recv().await);
    assert_eq!(got["action"], "COMPLETED", "{got}");
    assert_eq!(got["inspection"]["total"], 90);
    assert_eq!(got["findings"], json!([]), "{got}");
    assert!(got["inspection"]["findings"].is_null(), "{got}");
    // Replayed from the start after completion, staff still never get the unannounced
    // scheduling: events are judged as the inspection was when they happened.
    let mut replay = w.app.ws().await;
    replay
        .init(json!({ "Authorization": format!("Bearer {}", w.tokens["staffA"]) }))
        .await;
    replay
        .subscribe("p", board, json!({ "b": w.building_a, "after": start }))
        .await;
    let a = ev(&replay.recv().await);
    let b = ev(&replay.recv().await);
    assert_eq!(
        [
            (a["action"].clone(), a["inspection"]["id"].clone()),
            (b["action"].clone(), b["inspection"]["id"].clone())
        ],
        [
            (json!("SCHEDULED"), json!(announced)),
            (json!("COMPLETED"), json!(unannounced))
        ]
    );
    // Resuming after a cursor continues with no gap and no duplicate.
    let cursor = a["cursor"].as_str().unwrap().to_owned();
    let mut resumed = w.app.ws().await;
    resumed
        .init(json!({ "Authorization": format!("Bearer {}", w.tokens["staffA"]) }))
        .await;
    resumed
        .subscribe("q", board, json!({ "b": w.building_a, "after": cursor }))
        .await;
    assert_eq!(ev(&resumed.recv().await)["cursor"], b["cursor"]);
}

#[tokio::test]
async fn of_two_concurrent_completions_exactly_one_wins() {
    let w = world().await;
    for _ in 0..3 {
        let id = w.schedule(true).await;
        let (a, b) = tokio::join!(w.complete(&id), w.complete(&id));
        let ok = [&a, &b].iter().filter(|j| j["errors"].is_null()).count();
        assert_eq!(ok, 1, "{a} {b}");
        let loser = if a["errors"].is_null() { &b } else { &a };
        assert_eq!(code(loser), "INVALID_STATE", "{loser}");
        let scores = entity::inspection_score::Entity::find()
            .filter(
                entity::inspection_score::Column::InspectionId.eq(Uuid::parse_str(&id).unwrap()),
            )
            .count(&w.app.state.db)
            .await
            .unwrap();
        assert_eq!(scores, 3);
        let rectifications = entity::rectification::Entity::find()
            .filter(entity::rectification::Column::SourceId.eq(Uuid::parse_str(&id).unwrap()))
            .count(&w.app.state.db)
            .await
            .unwrap();
        assert_eq!(rectifications, 1);
    }
}

#[tokio::test]
async fn a_page_of_inspections_costs_the_same_statements_for_5_and_25() {
    let w = world_with(|c| c.dataloader_window = std::time::Duration::from_millis(50)).await;
    let query = "{ inspections(first: 50) { totalCount edges { node { id kind status total \
        inspectorName building { name } plan { name items { weight } } areaScores { percent } \
        scores { score } findings { id responsibleStaff { id } } staffResults { findings } } } } }";
    let schedule_and_complete = |n: usize| {
        let w = &w;
        async move {
            for _ in 0..n {
                let id = w.schedule(true).await;
                let json = w.complete(&id).await;
                assert!(json["errors"].is_null(), "{json}");
            }
        }
    };
    schedule_and_complete(5).await;
    let mut five = HashMap::new();
    for who in ["admin", "manager", "residentA"] {
        five.insert(who, w.app.sql_of(query, json!({}), &w.tokens[who]).await);
    }
    schedule_and_complete(20).await;
    for who in ["admin", "manager", "residentA"] {
        let json = w.run(who, query, json!({})).await;
        assert_eq!(
            json["data"]["inspections"]["edges"]
                .as_array()
                .map(Vec::len),
            Some(25),
            "{who}: {json}"
        );
        let sql = w.app.sql_of(query, json!({}), &w.tokens[who]).await;
        assert_eq!(
            five[who].len(),
            sql.len(),
            "{who}: statements must not grow with the page: {:#?} vs {sql:#?}",
            five[who]
        );
        eprintln!("inspections page, {who}: {} statements", sql.len());
        assert!(sql.len() <= 16, "{who}: {} statements: {sql:#?}", sql.len());
    }
}

#[tokio::test]
async fn the_demo_seeds_groups_plans_and_inspections_once() {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    let count = |_: ()| async {
        (
            entity::supervision_member::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            entity::inspection_plan::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            entity::inspection::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            entity::inspection_finding::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
        )
    };
    let first = count(()).await;
    let buildings: Vec<Uuid> = entity::supervision_member::Entity::find()
        .select_only()
        .column(entity::supervision_member::Column::BuildingId)
        .distinct()
        .into_tuple()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(buildings.len(), 2, "a group per building");
    let statuses: Vec<(String, String)> = entity::inspection::Entity::find()
        .select_only()
        .column(entity::inspection::Column::Kind)
        .column(entity::inspection::Column::Status)
        .into_tuple()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(statuses.contains(&("SCHEDULED".to_owned(), "COMPLETED".to_owned())));
    assert!(statuses.contains(&("UNANNOUNCED".to_owned(), "PLANNED".to_owned())));
    assert_eq!(first.3, 2, "two findings");
    let completed: Vec<Uuid> = entity::inspection::Entity::find()
        .select_only()
        .column(entity::inspection::Column::Id)
        .filter(entity::inspection::Column::Status.eq("COMPLETED"))
        .into_tuple()
        .all(&app.state.db)
        .await
        .unwrap();
    let rectifications = entity::rectification::Entity::find()
        .filter(entity::rectification::Column::SourceKind.eq("INSPECTION"))
        .filter(entity::rectification::Column::SourceId.is_in(completed))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rectifications, 2, "each finding opened a rectification");
    resident_hub::demo::seed(&app.state).await.unwrap();
    assert_eq!(count(()).await, first, "seeding twice changes nothing");
}

#[tokio::test]
async fn a_failure_inside_the_completion_write_writes_nothing() {
    let w = world().await;
    let id = w.schedule(true).await;
    // An active category without service levels: opening its work order fails inside the
    // write, after the claim, the scores and the first finding's rectification.
    let now = w.app.state.clock.now();
    let broken = Uuid::now_v7();
    entity::service_category::Entity::insert(entity::service_category::ActiveModel {
        id: Set(broken),
        code: Set("NO_SLA".to_owned()),
        name: Set("No service levels".to_owned()),
        description: Set(String::new()),
        group_kind: Set("REPAIR".to_owned()),
        requestable: Set(false),
        default_priority: Set("NORMAL".to_owned()),
        warning_minutes: Set(30),
        dispatch_mode: Set("ASSIGN".to_owned()),
        return_visit_required: Set(false),
        payable: Set(false),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&w.app.state.db)
    .await
    .unwrap();
    let cleaner = staff_id(&w.app, "staff5@demo.test").await;
    let events = w.app.event_count().await;
    let json = w
        .run(
            "chair",
            COMPLETE,
            json!({ "input": { "id": id, "scores": w.scores(), "findings": [
                { "itemId": w.items[0].0, "note": "fine", "severity": "MINOR",
                  "responsibleStaffId": cleaner, "needsWork": false },
                { "itemId": w.items[1].0, "note": "gate", "severity": "MAJOR",
                  "responsibleStaffId": cleaner, "needsWork": true, "workCategoryId": broken },
            ] } }),
        )
        .await;
    assert!(!json["errors"].is_null(), "{json}");
    let it = entity::inspection::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(&w.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(it.status, "PLANNED");
    assert_eq!(w.count::<entity::inspection_score::Entity>().await, 0);
    assert_eq!(w.count::<entity::inspection_finding::Entity>().await, 0);
    assert_eq!(w.count::<entity::rectification::Entity>().await, 0);
    assert_eq!(w.count::<entity::work_order::Entity>().await, 0);
    assert_eq!(
        w.app.event_count().await,
        events,
        "no event, no notification"
    );
    // And it can still be completed properly.
    let json = w.complete(&id).await;
    assert!(json["errors"].is_null(), "{json}");
}
