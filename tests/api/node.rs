//! The SPA-facing API shapes: the `Date` scalar, object references (`HouseholdMember.unit`,
//! `Residency.user`) and Relay's `node(id:)` / `nodes(ids:)`, which must answer exactly what
//! each type's own query answers, with null in place of an error.

use std::sync::atomic::Ordering;

use resident_hub::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::TestApp,
};

/// Every viewer of the demo estate, anonymous last.
const VIEWERS: [&str; 9] = [
    "admin",
    "supervisor",
    "staff",
    "manager",
    "resident",
    "resident2",
    "residentB",
    "merchant",
    "anonymous",
];

/// Counts the statements one request runs; the request must succeed.
async fn statements_for(app: &TestApp, token: &str, query: &str, variables: Value) -> usize {
    let before = app.statements.load(Ordering::SeqCst);
    let (status, json) = app.graphql(query, variables, Some(token)).await;
    assert_eq!(status, 200, "{json}");
    assert!(json["errors"].is_null(), "{json}");
    app.statements.load(Ordering::SeqCst) - before
}

const CREATE_RESIDENCY: &str = "mutation($u: ID!, $x: ID!, $d: Date!) { createResidency(input: { userId: $u, unitId: $x, relation: TENANT, movedIn: $d }) { residency { id movedIn movedOut } } }";

#[tokio::test]
async fn a_date_is_an_iso_calendar_date_and_anything_else_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.token(&[Role::Admin]).await;
    let resident = app.user(&[]).await;
    let (_, json) = app
        .graphql(
            "mutation { createBuilding(input: { name: \"A\", address: \"1 Road\" }) { building { id } } }",
            json!({}),
            Some(&admin),
        )
        .await;
    let building = json["data"]["createBuilding"]["building"]["id"].clone();
    let (_, json) = app
        .graphql(
            "mutation($b: ID!) { createUnit(input: { buildingId: $b, floor: 1, number: \"101\", kind: FLAT }) { unit { id } } }",
            json!({ "b": building }),
            Some(&admin),
        )
        .await;
    let unit = json["data"]["createUnit"]["unit"]["id"].clone();

    // Refused before anything runs, in variables and in literals alike; nothing is written.
    for bad in [
        "2026-02-30",
        "30/11/2026",
        "2026-11-30T10:00:00Z",
        "2026-1-5",
    ] {
        let (status, json) = app
            .graphql(
                CREATE_RESIDENCY,
                json!({ "u": resident.id, "x": unit, "d": bad }),
                Some(&admin),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {json}");
        assert!(json.get("data").is_none(), "{json}");
        assert_eq!(
            json["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{bad}: {json}"
        );
        let message = json["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("input.movedIn") && message.contains("\"Date\""),
            "{message}"
        );
        let literal = format!(
            "mutation($u: ID!, $x: ID!) {{ createResidency(input: {{ userId: $u, unitId: $x, relation: TENANT, movedIn: \"{bad}\" }}) {{ residency {{ id }} }} }}"
        );
        let (status, json) = app
            .graphql(
                &literal,
                json!({ "u": resident.id, "x": unit }),
                Some(&admin),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {json}");
        assert_eq!(
            json["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
    assert_eq!(
        entity::residency::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // A real date goes in and comes back in the same form.
    let (status, json) = app
        .graphql(
            CREATE_RESIDENCY,
            json!({ "u": resident.id, "x": unit, "d": "2026-11-30" }),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    let residency = &json["data"]["createResidency"]["residency"];
    assert_eq!(residency["movedIn"], "2026-11-30", "{json}");
    assert!(residency["movedOut"].is_null());
    let (_, json) = app
        .graphql(
            "mutation($id: ID!) { endResidency(input: { id: $id, movedOut: \"2028-02-29\" }) { residency { movedOut } } }",
            json!({ "id": residency["id"] }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        json["data"]["endResidency"]["residency"]["movedOut"], "2028-02-29",
        "{json}"
    );

    // The schema names it Date, describes it, and has no NaiveDate left.
    let sdl = resident_hub::graphql::sdl();
    assert!(!sdl.contains("NaiveDate"));
    let (_, json) = app
        .graphql(
            "{ __type(name: \"Date\") { kind description } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(json["data"]["__type"]["kind"], "SCALAR", "{json}");
    assert!(
        json["data"]["__type"]["description"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD")
    );
}

#[tokio::test]
async fn references_are_objects_and_cost_the_same_statements_for_5_and_20_items() {
    let estate = Estate::with(|c| c.dataloader_window = std::time::Duration::from_millis(50)).await;
    let app = &estate.app;
    let admin = estate.tokens["admin"].clone();

    // Residency.user and HouseholdMember.unit are the objects the ids name.
    let json = estate
        .run(
            "admin",
            "{ residencies(first: 3) { edges { node { userId user { id email } } } } householdMembers(first: 3) { edges { node { unitId unit { id number building { name } } } } } }",
            json!({}),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    for edge in json["data"]["residencies"]["edges"].as_array().unwrap() {
        assert_eq!(edge["node"]["user"]["id"], edge["node"]["userId"], "{json}");
        assert!(edge["node"]["user"]["email"].as_str().is_some());
    }
    for edge in json["data"]["householdMembers"]["edges"]
        .as_array()
        .unwrap()
    {
        assert_eq!(edge["node"]["unit"]["id"], edge["node"]["unitId"], "{json}");
    }
    // A resident sees their own household's unit through its members.
    let my_unit = home_unit(app, "resident1@demo.test").await;
    let json = estate
        .run(
            "resident",
            "{ householdMembers { edges { node { unit { id } } } } }",
            json!({}),
        )
        .await;
    let edges = json["data"]["householdMembers"]["edges"]
        .as_array()
        .unwrap();
    assert!(!edges.is_empty(), "{json}");
    for edge in edges {
        assert_eq!(edge["node"]["unit"]["id"], my_unit.to_string(), "{json}");
    }

    let query = "query($first: Int!) { residencies(first: $first) { edges { node { id movedIn user { email roles staffRecord { id } } unit { number building { name } } } } } }";
    let five = statements_for(app, &admin, query, json!({ "first": 5 })).await;
    let twenty = statements_for(app, &admin, query, json!({ "first": 20 })).await;
    assert_eq!(five, twenty, "statements must not grow with the page size");

    let query = "query($first: Int!) { householdMembers(first: $first) { edges { node { id birthDate unit { number building { name } householdMembers { name } } } } } }";
    let five = statements_for(app, &admin, query, json!({ "first": 5 })).await;
    let twenty = statements_for(app, &admin, query, json!({ "first": 20 })).await;
    assert_eq!(five, twenty, "statements must not grow with the page size");
}

/// What a viewer gets: the object's id, null, or an error code.
#[derive(Debug, PartialEq)]
enum Seen {
    Object(String),
    Nothing,
    Error(String),
}

fn seen(json: &Value, field: &str) -> Seen {
    if let Some(code) = json["errors"][0]["extensions"]["code"].as_str() {
        return Seen::Error(code.to_owned());
    }
    match json["data"][field]["id"].as_str() {
        Some(id) => Seen::Object(id.to_owned()),
        None => Seen::Nothing,
    }
}

#[tokio::test]
async fn node_answers_what_each_types_own_query_answers_for_every_viewer() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let db = &app.state.db;
    let resident1 = user_by_email(app, "resident1@demo.test").await;
    let resident2 = user_by_email(app, "resident2@demo.test").await;
    let staff1 = user_by_email(app, "staff1@demo.test").await;
    let staff2 = user_by_email(app, "staff2@demo.test").await;
    let my_unit = home_unit(app, "resident1@demo.test").await;
    let their_unit = home_unit(app, "resident2@demo.test").await;
    let far_unit = home_unit(app, "resident25@demo.test").await;
    let member_of = |unit: Uuid| async move {
        entity::household_member::Entity::find()
            .filter(entity::household_member::Column::UnitId.eq(unit))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let record_of = |user: Uuid| async move {
        entity::staff_record::Entity::find()
            .filter(entity::staff_record::Column::UserId.eq(user))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let buildings: Vec<Uuid> = entity::building::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    let residency = entity::residency::Entity::find()
        .filter(entity::residency::Column::UserId.eq(resident1.id))
        .one(db)
        .await
        .unwrap()
        .unwrap();

    // (type, id, the type's own query for one object, the field it answers in)
    let mut cases: Vec<(&str, Uuid, &str, &str)> = Vec::new();
    for user in [resident1.id, resident2.id, staff2.id] {
        cases.push((
            "User",
            user,
            "query($id: ID!) { user(id: $id) { id } }",
            "user",
        ));
    }
    for building in &buildings {
        cases.push((
            "Building",
            *building,
            "query($id: ID!) { building(id: $id) { id } }",
            "building",
        ));
    }
    for unit in [my_unit, their_unit, far_unit] {
        cases.push((
            "Unit",
            unit,
            "query($id: ID!) { unit(id: $id) { id } }",
            "unit",
        ));
    }
    for unit in [my_unit, their_unit] {
        cases.push((
            "HouseholdMember",
            member_of(unit).await,
            "query($id: ID!) { householdMember(id: $id) { id } }",
            "householdMember",
        ));
    }
    for user in [staff1.id, staff2.id] {
        cases.push((
            "StaffRecord",
            record_of(user).await,
            "query($id: ID!) { staffRecord(id: $id) { id } }",
            "staffRecord",
        ));
    }
    // Residencies have no single-object query; the list is the rule (administrators only).
    cases.push((
        "Residency",
        residency.id,
        "{ residencies(first: 100) { edges { node { id } } } }",
        "residencies",
    ));

    let node_query = "query($id: ID!) { node(id: $id) { __typename id } }";
    let mut seen_by = std::collections::HashMap::<(&str, &str), usize>::new();
    for (type_name, id, own_query, field) in &cases {
        for viewer in VIEWERS {
            let own = estate.run(viewer, own_query, json!({ "id": id })).await;
            let own = if *field == "residencies" {
                match seen(&own, field) {
                    Seen::Nothing => {
                        let listed = own["data"]["residencies"]["edges"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|e| e["node"]["id"] == id.to_string());
                        if listed {
                            Seen::Object(id.to_string())
                        } else {
                            Seen::Nothing
                        }
                    }
                    other => other,
                }
            } else {
                seen(&own, field)
            };
            let node = estate.run(viewer, node_query, json!({ "id": id })).await;
            let expected = match own {
                Seen::Object(found) => {
                    assert_eq!(node["data"]["node"]["__typename"], *type_name, "{node}");
                    *seen_by.entry((*type_name, viewer)).or_default() += 1;
                    Seen::Object(found)
                }
                Seen::Error(code) if code == "UNAUTHENTICATED" => Seen::Error(code),
                // NOT_FOUND and FORBIDDEN from the type's own query: null, no error.
                Seen::Error(_) | Seen::Nothing => Seen::Nothing,
            };
            assert_eq!(
                seen(&node, "node"),
                expected,
                "node({type_name} {id}) as {viewer}: {node}"
            );
        }
    }
    // The matrix is not vacuous: owners and allowed viewers got objects, others did not.
    let count = |t, v| seen_by.get(&(t, v)).copied().unwrap_or(0);
    assert_eq!(count("User", "admin"), 3);
    assert_eq!(count("User", "resident"), 1);
    assert_eq!(count("User", "staff"), 1);
    assert_eq!(count("User", "merchant"), 0);
    assert_eq!(count("Building", "supervisor"), 2);
    assert_eq!(count("Building", "resident"), 1);
    assert_eq!(count("Building", "merchant"), 0);
    assert_eq!(count("Unit", "resident"), 1);
    assert_eq!(count("Unit", "resident2"), 1);
    assert!(count("Unit", "staff") >= 1);
    assert_eq!(count("HouseholdMember", "admin"), 2);
    assert_eq!(count("HouseholdMember", "resident"), 1);
    assert_eq!(count("HouseholdMember", "resident2"), 1);
    assert_eq!(count("HouseholdMember", "staff"), 0);
    assert_eq!(count("HouseholdMember", "supervisor"), 0);
    assert_eq!(count("StaffRecord", "supervisor"), 2);
    assert_eq!(count("StaffRecord", "staff"), 1);
    assert_eq!(count("StaffRecord", "resident"), 0);
    assert_eq!(count("Residency", "admin"), 1);
    assert_eq!(count("Residency", "resident"), 0);

    // Fields of each type through fragments.
    let json = estate
        .run(
            "resident",
            "query($u: ID!, $m: ID!) { a: node(id: $u) { ... on Unit { number building { name } } } b: node(id: $m) { ... on HouseholdMember { name unit { id } } } }",
            json!({ "u": my_unit, "m": member_of(my_unit).await }),
        )
        .await;
    assert!(json["data"]["a"]["number"].as_str().is_some(), "{json}");
    assert_eq!(json["data"]["b"]["unit"]["id"], my_unit.to_string());
}

#[tokio::test]
async fn node_refuses_bad_ids_hides_unknown_ones_and_needs_a_viewer() {
    let estate = Estate::new().await;
    let app = &estate.app;
    // resident1's home building.
    let building = entity::unit::Entity::find_by_id(home_unit(app, "resident1@demo.test").await)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id;

    let json = estate
        .run("admin", "{ node(id: \"not-a-uuid\") { id } }", json!({}))
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(json["errors"][0]["extensions"]["field"], "id");

    let json = estate
        .run(
            "admin",
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": Uuid::now_v7() }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    assert!(json["data"]["node"].is_null(), "{json}");

    for query in [
        "query($id: ID!) { node(id: $id) { id } }",
        "query($id: ID!) { nodes(ids: [$id]) { id } }",
    ] {
        let json = estate
            .run("anonymous", query, json!({ "id": building }))
            .await;
        assert_eq!(
            json["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{json}"
        );
    }

    // nodes: in the order asked, null where node would be null, duplicates allowed.
    let unknown = Uuid::now_v7();
    let resident1 = user_by_email(app, "resident1@demo.test").await.id;
    let json = estate
        .run(
            "resident",
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": [resident1, unknown, building, estate_admin(app).await, resident1] }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let nodes = json["data"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    assert_eq!(nodes[0]["id"], resident1.to_string());
    assert!(nodes[1].is_null());
    assert_eq!(nodes[2]["__typename"], "Building");
    assert!(nodes[3].is_null(), "another user is hidden: {json}");
    assert_eq!(nodes[4]["id"], resident1.to_string());

    let json = estate
        .run(
            "admin",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [building, "nope"] }),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(json["errors"][0]["extensions"]["field"], "ids");
    let many: Vec<Uuid> = (0..101).map(|_| Uuid::now_v7()).collect();
    let json = estate
        .run(
            "admin",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": many }),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let json = estate
        .run(
            "admin",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": &many[..100] }),
        )
        .await;
    assert_eq!(
        json["data"]["nodes"].as_array().unwrap().len(),
        100,
        "{json}"
    );
}

async fn estate_admin(app: &TestApp) -> Uuid {
    user_by_email(app, "admin@demo.test").await.id
}

#[tokio::test]
async fn node_costs_one_statement_more_than_the_types_own_query() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let db = &app.state.db;
    let admin = estate.tokens["admin"].clone();
    let unit = home_unit(app, "resident1@demo.test").await;
    let building = entity::unit::Entity::find_by_id(unit)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .building_id;
    let member = entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.eq(unit))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let record = entity::staff_record::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    // Each request also computes the viewer's scope; `viewer { id }` does not use it, so the
    // own query is paired with a `building` query that loads it, as node does.
    for (id, own) in [
        (building, "query($id: ID!) { building(id: $id) { id } }"),
        (unit, "query($id: ID!) { unit(id: $id) { id } }"),
        (
            member,
            "query($id: ID!) { householdMember(id: $id) { id } }",
        ),
        (record, "query($id: ID!) { staffRecord(id: $id) { id } }"),
    ] {
        let own = statements_for(app, &admin, own, json!({ "id": id })).await;
        let node = statements_for(
            app,
            &admin,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(
            node,
            own + 1,
            "node({id}) runs one lookup more than its own query"
        );
    }
    // An unknown id costs only the lookup: nothing is loaded for it.
    let unknown = statements_for(
        app,
        &admin,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": Uuid::now_v7() }),
    )
    .await;
    let known = statements_for(
        app,
        &admin,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": building }),
    )
    .await;
    assert!(
        unknown < known,
        "{unknown} statements for an unknown id, {known} for a known one"
    );
}
