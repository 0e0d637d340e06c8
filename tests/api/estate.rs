//! The estate: access rules for every role (a matrix), DataLoader batching, bad input, and
//! residencies granting and ending access. Runs on the demo estate.

use std::collections::HashMap;

use resident_hub::auth::{AuthenticatedUser, Role};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TEST_TOKEN_TTL, TestApp};

/// A demo estate and a token for one account of each role.
pub struct Estate {
    pub app: TestApp,
    pub tokens: HashMap<&'static str, String>,
}

const ROLES: [&str; 6] = [
    "admin",
    "supervisor",
    "staff",
    "resident",
    "merchant",
    "anonymous",
];

impl Estate {
    pub async fn new() -> Estate {
        Estate::with(|_| {}).await
    }

    pub async fn with(
        configure: impl FnOnce(&mut resident_hub::config::Config) + Send + 'static,
    ) -> Estate {
        let app = TestApp::builder().config(configure).spawn().await;
        // The estate without the demo notices: tests start from an empty board.
        resident_hub::demo::seed_estate(&app.state).await.unwrap();
        let mut tokens = HashMap::new();
        for (role, email) in [
            ("admin", "admin@demo.test"),
            ("supervisor", "supervisor1@demo.test"),
            ("staff", "staff2@demo.test"),
            ("resident", "resident1@demo.test"),
            ("resident2", "resident2@demo.test"),
            ("residentB", "resident25@demo.test"),
            ("manager", "staff12@demo.test"),
            ("merchant", "merchant1@demo.test"),
        ] {
            let user = user_by_email(&app, email).await;
            let token = app
                .state
                .tokens
                .issue(
                    &AuthenticatedUser {
                        id: user.id,
                        roles: vec![],
                    },
                    app.state.clock.now(),
                    TEST_TOKEN_TTL,
                )
                .unwrap();
            tokens.insert(role, token);
        }
        Estate { app, tokens }
    }

    pub async fn run(&self, role: &str, query: &str, variables: Value) -> Value {
        self.app
            .graphql(query, variables, self.tokens.get(role).map(String::as_str))
            .await
            .1
    }
}

pub async fn user_by_email(app: &TestApp, email: &str) -> entity::user::Model {
    entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

pub async fn home_unit(app: &TestApp, email: &str) -> Uuid {
    let user = user_by_email(app, email).await;
    entity::residency::Entity::find()
        .filter(entity::residency::Column::UserId.eq(user.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .unit_id
}

/// What one role should get.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    /// This many edges at the operation's field.
    Edges(usize),
    /// Success.
    Ok,
    /// An error with this code.
    Code(&'static str),
}

fn outcome(json: &Value, field: &str) -> Expect {
    if let Some(code) = json["errors"][0]["extensions"]["code"].as_str() {
        return Expect::Code(match code {
            "UNAUTHENTICATED" => "UNAUTHENTICATED",
            "FORBIDDEN" => "FORBIDDEN",
            "NOT_FOUND" => "NOT_FOUND",
            "BAD_USER_INPUT" => "BAD_USER_INPUT",
            other => panic!("unexpected code {other}: {json}"),
        });
    }
    match json["data"][field]["edges"].as_array() {
        Some(edges) => Expect::Edges(edges.len()),
        None => Expect::Ok,
    }
}

#[tokio::test]
async fn every_operation_obeys_the_access_rules_for_every_role() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let db = &app.state.db;
    let all_members = entity::household_member::Entity::find()
        .count(db)
        .await
        .unwrap() as usize;
    let my_unit = home_unit(app, "resident1@demo.test").await;
    let my_members = entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.eq(my_unit))
        .count(db)
        .await
        .unwrap() as usize;
    assert!(my_members >= 1 && all_members > my_members);
    let their_unit = home_unit(app, "resident2@demo.test").await;
    let their_member = entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.eq(their_unit))
        .one(db)
        .await
        .unwrap()
        .expect("resident2 has a household member");
    let resident2 = user_by_email(app, "resident2@demo.test").await;
    let a_building = entity::building::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let other_building = entity::building::Entity::find()
        .filter(entity::building::Column::Id.ne(a_building.id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let some_user = app.user(&[]).await;
    let staff1 = user_by_email(app, "staff1@demo.test").await;
    let staff1_record = entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::UserId.eq(staff1.id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let my_member = entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.eq(my_unit))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let resident30 = user_by_email(app, "resident30@demo.test").await;
    let residency30 = entity::residency::Entity::find()
        .filter(entity::residency::Column::UserId.eq(resident30.id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let residencies = entity::residency::Entity::find().count(db).await.unwrap() as usize;

    use Expect::{Code, Edges, Ok};
    const UNAUTH: Expect = Code("UNAUTHENTICATED");
    const FORBID: Expect = Code("FORBIDDEN");
    const NOTFOUND: Expect = Code("NOT_FOUND");
    // Order of expectations: admin, supervisor, staff (serves building A), resident, merchant, anonymous.
    let cases: Vec<(&str, &str, Value, [Expect; 6])> = vec![
        (
            "buildings",
            "{ buildings { edges { node { id name } } } }",
            json!({}),
            [Edges(2), Edges(2), Edges(1), Edges(1), Edges(0), UNAUTH],
        ),
        (
            "units",
            "{ units(first: 100) { edges { node { id number building { name } } } } }",
            json!({}),
            [Edges(60), Edges(60), Edges(30), Edges(1), Edges(0), UNAUTH],
        ),
        (
            "householdMembers",
            "{ householdMembers(first: 100) { edges { node { id name kind } } } }",
            json!({}),
            [
                Edges(all_members),
                FORBID,
                FORBID,
                Edges(my_members),
                FORBID,
                UNAUTH,
            ],
        ),
        (
            "householdMember",
            "query($id: ID!) { householdMember(id: $id) { id name } }",
            json!({ "id": their_member.id }),
            [Ok, NOTFOUND, NOTFOUND, NOTFOUND, NOTFOUND, UNAUTH],
        ),
        (
            "users",
            "{ users(first: 100) { edges { node { id } } } }",
            json!({}),
            [Edges(49), FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "user",
            "query($id: ID!) { user(id: $id) { id email units { number } } }",
            json!({ "id": resident2.id }),
            [Ok, NOTFOUND, NOTFOUND, NOTFOUND, NOTFOUND, UNAUTH],
        ),
        (
            "staffRecords",
            "{ staffRecords(first: 100) { edges { node { id post user { email } } } } }",
            json!({}),
            [Edges(12), Edges(12), Edges(1), FORBID, FORBID, UNAUTH],
        ),
        (
            "createBuilding",
            "mutation { createBuilding(input: { name: \"Building C\", address: \"20 Riverside Road\" }) { building { id } } }",
            json!({}),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "createUnit",
            "mutation($b: ID!, $n: String!) { createUnit(input: { buildingId: $b, floor: 7, number: $n, kind: FLAT }) { unit { id } } }",
            json!({ "b": a_building.id, "n": "701" }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "addHouseholdMember",
            "mutation($u: ID!) { addHouseholdMember(input: { unitId: $u, kind: PET, name: \"Rex\", species: \"dog\", consent: true }) { householdMember { id } } }",
            json!({ "u": my_unit }),
            // Supervisors and the staff serving the building see the unit but may not change
            // the household; a merchant does not see it at all.
            [Ok, FORBID, FORBID, Ok, NOTFOUND, UNAUTH],
        ),
        (
            "createResidency",
            "mutation($u: ID!, $x: ID!) { createResidency(input: { userId: $u, unitId: $x, relation: TENANT, movedIn: \"2024-01-01\" }) { residency { id } } }",
            json!({ "u": some_user.id, "x": their_unit }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "createStaffRecord",
            "mutation($u: ID!, $b: ID!) { createStaffRecord(input: { userId: $u, post: CLEANER, employeeNumber: \"X-1\", hireDate: \"2025-05-01\", buildingIds: [$b], categories: [CLEANING] }) { staffRecord { id status } } }",
            json!({ "u": some_user.id, "b": a_building.id }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "building",
            "query($id: ID!) { building(id: $id) { id } }",
            json!({ "id": other_building.id }),
            [Ok, Ok, NOTFOUND, NOTFOUND, NOTFOUND, UNAUTH],
        ),
        (
            "unit",
            "query($id: ID!) { unit(id: $id) { id householdMembers { id } } }",
            json!({ "id": their_unit }),
            [Ok, Ok, Ok, NOTFOUND, NOTFOUND, UNAUTH],
        ),
        (
            "staffRecord",
            "query($id: ID!) { staffRecord(id: $id) { id } }",
            json!({ "id": staff1_record.id }),
            [Ok, Ok, NOTFOUND, NOTFOUND, NOTFOUND, UNAUTH],
        ),
        (
            "residencies",
            "{ residencies(first: 100) { edges { node { id unit { number } } } } }",
            json!({}),
            // The administrator's createResidency above added one.
            [
                Edges(residencies + 1),
                FORBID,
                FORBID,
                FORBID,
                FORBID,
                UNAUTH,
            ],
        ),
        (
            "updateBuilding",
            "mutation($id: ID!) { updateBuilding(input: { id: $id, serviceCentreHours: \"Mon–Sun 07:00–21:00\" }) { building { id } } }",
            json!({ "id": a_building.id }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "updateUnit",
            "mutation($id: ID!) { updateUnit(input: { id: $id, kind: FLAT }) { unit { id } } }",
            json!({ "id": their_unit }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "updateStaffRecord",
            "mutation($id: ID!) { updateStaffRecord(input: { id: $id, status: ACTIVE }) { staffRecord { id } } }",
            json!({ "id": staff1_record.id }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "updateUser",
            "mutation($id: ID!) { updateUser(input: { id: $id, displayName: \"Renamed\" }) { user { id } } }",
            json!({ "id": resident2.id }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "disableUser",
            "mutation($id: ID!) { disableUser(input: { id: $id }) { user { status } } }",
            json!({ "id": some_user.id }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "enableUser",
            "mutation($id: ID!) { enableUser(input: { id: $id }) { user { status } } }",
            json!({ "id": some_user.id }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "updateHouseholdMember",
            "mutation($id: ID!) { updateHouseholdMember(input: { id: $id, careNeeds: \"Allergic to peanuts\" }) { householdMember { id } } }",
            json!({ "id": my_member.id }),
            [Ok, NOTFOUND, NOTFOUND, Ok, NOTFOUND, UNAUTH],
        ),
        (
            "removeHouseholdMember",
            "mutation($id: ID!) { removeHouseholdMember(input: { id: $id }) { householdMember { id } } }",
            json!({ "id": their_member.id }),
            [Ok, NOTFOUND, NOTFOUND, NOTFOUND, NOTFOUND, UNAUTH],
        ),
        (
            "endResidency",
            "mutation($id: ID!) { endResidency(input: { id: $id, movedOut: \"2099-01-01\" }) { residency { movedOut } } }",
            json!({ "id": residency30.id }),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
        (
            "updateMyProfile",
            "mutation { updateMyProfile(input: { displayName: \"Me\" }) { user { id } } }",
            json!({}),
            [Ok, Ok, Ok, Ok, Ok, UNAUTH],
        ),
        (
            "changePassword",
            "mutation { changePassword(input: { currentPassword: \"not-my-password\", newPassword: \"whatever-123\" }) { user { id } } }",
            json!({}),
            [
                Code("BAD_USER_INPUT"),
                Code("BAD_USER_INPUT"),
                Code("BAD_USER_INPUT"),
                Code("BAD_USER_INPUT"),
                Code("BAD_USER_INPUT"),
                UNAUTH,
            ],
        ),
        (
            "createUser",
            "mutation { createUser(input: { email: \"new.user@demo.test\", displayName: \"New\", password: \"new-password-1\", roles: [RESIDENT] }) { user { id } } }",
            json!({}),
            [Ok, FORBID, FORBID, FORBID, FORBID, UNAUTH],
        ),
    ];
    // Mutations run as the administrator last, so that the others see the estate unchanged.
    let order = [1, 2, 3, 4, 5, 0];
    for (field, query, variables, expected) in &cases {
        for i in order {
            let role = ROLES[i];
            let json = estate.run(role, query, variables.clone()).await;
            assert_eq!(
                outcome(&json, field),
                expected[i],
                "{field} as {role}: {json}"
            );
        }
    }
    // The viewer is everyone's own account.
    for role in &ROLES[..5] {
        let json = estate.run(role, "{ viewer { email } }", json!({})).await;
        assert!(
            json["data"]["viewer"]["email"]
                .as_str()
                .unwrap()
                .ends_with("@demo.test")
        );
    }
    assert!(
        estate
            .run("anonymous", "{ viewer { email } }", json!({}))
            .await["data"]["viewer"]
            .is_null()
    );
}

#[tokio::test]
async fn a_resident_sees_no_other_household_anywhere() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let their_unit = home_unit(app, "resident2@demo.test").await;
    // Filtering on another household's unit gives nothing.
    let json = estate
        .run(
            "resident",
            "query($u: ID!) { householdMembers(filter: { unitId: $u }) { edges { node { id } } } }",
            json!({ "u": their_unit }),
        )
        .await;
    assert_eq!(
        json["data"]["householdMembers"]["edges"],
        json!([]),
        "{json}"
    );
    // Nor through the unit.
    let json = estate
        .run(
            "resident",
            "query($u: ID!) { unit(id: $u) { id householdMembers { id } } }",
            json!({ "u": their_unit }),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "NOT_FOUND");
    // Staff serving the building see the unit but not its household.
    let json = estate
        .run(
            "staff",
            "query($u: ID!) { unit(id: $u) { number householdMembers { id } } }",
            json!({ "u": their_unit }),
        )
        .await;
    assert_eq!(
        json["data"]["unit"]["householdMembers"],
        json!([]),
        "{json}"
    );
    // Adding to another household is refused and writes nothing.
    let before = entity::household_member::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let json = estate
        .run(
            "resident",
            "mutation($u: ID!) { addHouseholdMember(input: { unitId: $u, kind: CHILD, name: \"X\", consent: true }) { householdMember { id } } }",
            json!({ "u": their_unit }),
        )
        .await;
    // Another household's unit is one the resident may not see: NOT_FOUND, like an unknown id.
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{json}"
    );
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.unitId");
    assert_eq!(
        entity::household_member::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        before
    );
}

#[tokio::test]
async fn an_ended_residency_grants_no_access() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let me = user_by_email(app, "resident1@demo.test").await;
    let residency = entity::residency::Entity::find()
        .filter(entity::residency::Column::UserId.eq(me.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let today = app.state.clock.today().to_string();
    let json = estate
        .run("admin", "mutation($id: ID!, $d: Date!) { endResidency(input: { id: $id, movedOut: $d }) { residency { movedOut } } }", json!({ "id": residency.id, "d": today }))
        .await;
    assert_eq!(
        json["data"]["endResidency"]["residency"]["movedOut"], today,
        "{json}"
    );
    let json = estate
        .run(
            "resident",
            "{ viewer { units { id } } buildings { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(json["data"]["viewer"]["units"], json!([]));
    assert_eq!(json["data"]["buildings"]["edges"], json!([]));
    let json = estate
        .run(
            "resident",
            "{ householdMembers { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn a_residency_ending_tomorrow_stops_counting_once_the_clock_moves_two_days() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let me = user_by_email(app, "resident1@demo.test").await;
    let home = home_unit(app, "resident1@demo.test").await;
    let residency = entity::residency::Entity::find()
        .filter(entity::residency::Column::UserId.eq(me.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let tomorrow = (app.state.clock.today() + chrono::Duration::days(1)).to_string();
    let json = estate
        .run("admin", "mutation($id: ID!, $d: Date!) { endResidency(input: { id: $id, movedOut: $d }) { residency { movedOut } } }", json!({ "id": residency.id, "d": tomorrow }))
        .await;
    assert_eq!(
        json["data"]["endResidency"]["residency"]["movedOut"], tomorrow,
        "{json}"
    );
    const MINE: &str = "query($u: ID!) { viewer { units { id } } unit(id: $u) { id } }";
    const CURRENT: &str = "query($p: ID!) { residencies(filter: { userId: $p, current: true }) { edges { node { id } } } }";
    let unit_id = home.to_string();
    let person = me.id;

    // Until tomorrow the resident still lives there.
    let json = estate.run("resident", MINE, json!({ "u": unit_id })).await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(json["data"]["viewer"]["units"][0]["id"], unit_id, "{json}");
    assert_eq!(json["data"]["unit"]["id"], unit_id, "{json}");
    let json = estate.run("admin", CURRENT, json!({ "p": person })).await;
    assert_eq!(
        json["data"]["residencies"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{json}"
    );

    // Two days on, the residency has ended: no unit, no household, not current.
    app.state.clock.advance(chrono::Duration::days(2));
    let json = estate
        .run("resident", "{ viewer { units { id } } }", json!({}))
        .await;
    assert_eq!(json["data"]["viewer"]["units"], json!([]), "{json}");
    let json = estate
        .run(
            "resident",
            "query($u: ID!) { unit(id: $u) { id } }",
            json!({ "u": unit_id }),
        )
        .await;
    assert!(
        matches!(
            json["errors"][0]["extensions"]["code"].as_str(),
            Some("NOT_FOUND" | "FORBIDDEN")
        ),
        "{json}"
    );
    let json = estate
        .run(
            "resident",
            "{ householdMembers { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{json}"
    );
    let json = estate.run("admin", CURRENT, json!({ "p": person })).await;
    assert_eq!(json["data"]["residencies"]["edges"], json!([]), "{json}");
}

#[tokio::test]
async fn bad_estate_input_is_refused_with_the_field_and_writes_nothing() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let db = &app.state.db;
    let building = entity::building::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let units_before = entity::unit::Entity::find().count(db).await.unwrap();
    let create_unit = "mutation($b: ID!, $n: String!) { createUnit(input: { buildingId: $b, floor: 1, number: $n, kind: FLAT }) { unit { id } } }";
    let cases = [
        (
            create_unit,
            // Well-formed but unknown: NOT_FOUND, still naming the field.
            json!({ "b": Uuid::now_v7(), "n": "999" }),
            "NOT_FOUND",
            "input.buildingId",
        ),
        (
            create_unit,
            json!({ "b": "not-an-id", "n": "999" }),
            "BAD_USER_INPUT",
            "input.buildingId",
        ),
        (
            create_unit,
            json!({ "b": building.id, "n": "101" }),
            "CONFLICT",
            "input.number",
        ),
        (
            create_unit,
            json!({ "b": building.id, "n": "  " }),
            "BAD_USER_INPUT",
            "input.number",
        ),
        (
            "mutation($u: ID!) { createResidency(input: { userId: $u, unitId: $u, relation: OWNER, movedIn: \"2024-01-01\" }) { residency { id } } }",
            json!({ "u": Uuid::now_v7() }),
            "NOT_FOUND",
            "input.userId",
        ),
        (
            "mutation { createBuilding(input: { name: \"\", address: \"x\" }) { building { id } } }",
            json!({}),
            "BAD_USER_INPUT",
            "input.name",
        ),
    ];
    for (query, variables, code, field) in cases {
        let json = estate.run("admin", query, variables).await;
        assert_eq!(json["errors"][0]["extensions"]["code"], code, "{json}");
        assert_eq!(json["errors"][0]["extensions"]["field"], field, "{json}");
    }
    assert_eq!(
        entity::unit::Entity::find().count(db).await.unwrap(),
        units_before
    );

    let members_before = entity::household_member::Entity::find()
        .count(db)
        .await
        .unwrap();
    let my_unit = home_unit(app, "resident1@demo.test").await;
    let json = estate
        .run("resident", "mutation($u: ID!) { addHouseholdMember(input: { unitId: $u, kind: ELDER, name: \"Grandpa\", consent: false }) { householdMember { id } } }", json!({ "u": my_unit }))
        .await;
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.consent");
    assert_eq!(
        entity::household_member::Entity::find()
            .count(db)
            .await
            .unwrap(),
        members_before
    );
}

#[tokio::test]
async fn the_acceptance_contract_names_work() {
    let estate = Estate::new().await;
    let json = estate
        .run("admin", "mutation { createBuilding(input: { name: \"Building C\", address: \"22 Riverside Road\" }) { building { id } } }", json!({}))
        .await;
    let id = json["data"]["createBuilding"]["building"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let json = estate
        .run(
            "admin",
            "query { buildings(first: 10) { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    assert!(
        json["data"]["buildings"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["id"] == id.as_str())
    );
    let json = estate
        .run(
            "resident",
            "{ viewer { id email roles units { id number building { id name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(json["data"]["viewer"]["roles"], json!(["RESIDENT"]));
    assert_eq!(json["data"]["viewer"]["units"].as_array().unwrap().len(), 1);
}

/// Counts the statements one request runs.
async fn statements_for(app: &TestApp, token: &str, query: &str, variables: Value) -> usize {
    use std::sync::atomic::Ordering;
    let before = app.statements.load(Ordering::SeqCst);
    let (status, json) = app.graphql(query, variables, Some(token)).await;
    assert_eq!(status, 200);
    assert!(json["errors"].is_null(), "{json}");
    app.statements.load(Ordering::SeqCst) - before
}

#[tokio::test]
async fn nested_relations_cost_the_same_statements_for_10_and_100_users() {
    // The batch window is widened so that an unoptimised build on a busy machine cannot split a
    // batch by timing alone (50 ms once split one on a loaded CI machine: 7 statements against
    // 8); an N+1 query would still show as a count that grows with N.
    let estate =
        Estate::with(|c| c.dataloader_window = std::time::Duration::from_millis(250)).await;
    let app = &estate.app;
    // Top the demo's 48 accounts up past 100, each living in a flat.
    let flats: Vec<Uuid> = entity::unit::Entity::find()
        .filter(entity::unit::Column::Kind.eq("FLAT"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    for i in 0..60 {
        let user = app.user(&[Role::Resident]).await;
        let json = estate
            .run(
                "admin",
                "mutation($u: ID!, $x: ID!) { createResidency(input: { userId: $u, unitId: $x, relation: FAMILY, movedIn: \"2024-01-01\" }) { residency { id } } }",
                json!({ "u": user.id, "x": flats[i % flats.len()] }),
            )
            .await;
        assert!(json["errors"].is_null(), "{json}");
    }
    let token = estate.tokens["admin"].clone();
    let query = "query($first: Int!) { users(first: $first) { edges { node { id email roles units { number building { name } householdMembers { name } } } } } }";
    let ten = statements_for(app, &token, query, json!({ "first": 10 })).await;
    let hundred = statements_for(app, &token, query, json!({ "first": 100 })).await;
    assert_eq!(ten, hundred, "statements must not grow with the page size");
    assert!(hundred <= 10, "{hundred} statements for one page");

    let query = "query($first: Int!) { staffRecords(first: $first) { edges { node { post user { email roles units { number } } buildings { name } categories } } } }";
    let three = statements_for(app, &token, query, json!({ "first": 3 })).await;
    let twelve = statements_for(app, &token, query, json!({ "first": 12 })).await;
    assert_eq!(three, twelve, "statements must not grow with the page size");
}

#[tokio::test]
async fn the_demo_estate_is_complete_idempotent_and_signs_in() {
    use resident_hub::demo::{SeedOutcome, seed};
    let app = TestApp::spawn().await;
    let created = seed(&app.state).await.unwrap();
    assert!(
        matches!(created, SeedOutcome::Created { .. }),
        "{created:?}"
    );
    assert_eq!(seed(&app.state).await.unwrap(), SeedOutcome::AlreadyPresent);
    crate::demo::assert_demo_notices(&app).await;
    crate::demo::assert_demo_catalogue(&app).await;
    crate::qualifications::assert_demo_qualifications(&app).await;
    crate::demo::assert_demo_training(&app).await;
    crate::demo::assert_demo_work_orders(&app).await;
    crate::care::assert_demo_care(&app).await;
    crate::assessment::assert_demo_assessment(&app).await;
    let db = &app.state.db;
    let count_role = |role: &'static str| async move {
        entity::user_role::Entity::find()
            .filter(entity::user_role::Column::Role.eq(role))
            .count(db)
            .await
            .unwrap()
    };
    assert_eq!(entity::building::Entity::find().count(db).await.unwrap(), 2);
    assert!(entity::unit::Entity::find().count(db).await.unwrap() >= 40);
    assert!(count_role("RESIDENT").await >= 30);
    assert!(count_role("STAFF").await >= 10);
    assert_eq!(count_role("SUPERVISOR").await, 1);
    assert_eq!(count_role("MERCHANT").await, 1);
    for kind in ["CHILD", "ELDER", "PET"] {
        let n = entity::household_member::Entity::find()
            .filter(entity::household_member::Column::Kind.eq(kind))
            .count(db)
            .await
            .unwrap();
        assert!(n > 0, "no {kind}");
    }
    let posts = entity::staff_record::Entity::find().all(db).await.unwrap();
    let distinct: std::collections::HashSet<_> = posts.iter().map(|p| p.post.as_str()).collect();
    assert_eq!(distinct.len(), 10, "every post is staffed");
    for email in [
        "admin@demo.test",
        "resident1@demo.test",
        "staff1@demo.test",
        "supervisor1@demo.test",
        "merchant1@demo.test",
    ] {
        let (_, json) = app
            .graphql(
                "mutation($e: String!) { signIn(input: { email: $e, password: \"demo-password\" }) { accessToken } }",
                json!({ "e": email }),
                None,
            )
            .await;
        assert!(
            json["data"]["signIn"]["accessToken"].is_string(),
            "{email}: {json}"
        );
    }
}

#[tokio::test]
async fn units_page_forward_and_backward_with_a_total_and_checked_arguments() {
    let estate = Estate::new().await;
    let all = entity::unit::Entity::find()
        .all(&estate.app.state.db)
        .await
        .unwrap();
    let mut expected: Vec<String> = all.iter().map(|u| u.id.to_string()).collect();
    expected.sort();
    assert!(expected.len() >= 25);
    let query = "query($first: Int, $after: String, $last: Int, $before: String) { units(first: $first, after: $after, last: $last, before: $before) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let ids = |json: &Value| -> Vec<String> {
        json["data"]["units"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };

    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let json = estate
            .run("admin", query, json!({ "first": 7, "after": after }))
            .await;
        let units = &json["data"]["units"];
        assert_eq!(units["totalCount"], expected.len(), "{json}");
        assert_eq!(units["pageInfo"]["hasPreviousPage"], !after.is_null());
        seen.extend(ids(&json));
        after = units["pageInfo"]["endCursor"].clone();
        if units["pageInfo"]["hasNextPage"] == false {
            break;
        }
    }
    assert_eq!(seen, expected);

    let mut seen: Vec<String> = Vec::new();
    let mut before = Value::Null;
    loop {
        let json = estate
            .run("admin", query, json!({ "last": 7, "before": before }))
            .await;
        let units = &json["data"]["units"];
        assert_eq!(units["pageInfo"]["hasNextPage"], !before.is_null());
        let mut page = ids(&json);
        page.extend(seen);
        seen = page;
        before = units["pageInfo"]["startCursor"].clone();
        if units["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
    }
    assert_eq!(seen, expected);

    for (variables, field) in [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 101 }), "last"),
        (json!({ "first": 1, "last": 1 }), "last"),
        (json!({ "after": "not a cursor" }), "after"),
        (json!({ "before": expected[0] }), "before"),
        // Well-formed base64url JSON, but not the values of a unit's position.
        (json!({ "after": "WyJ4Il0" }), "after"),
        (json!({ "before": "WzEsMiwzXQ" }), "before"),
    ] {
        let json = estate.run("admin", query, variables.clone()).await;
        assert_eq!(
            json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{variables}: {json}"
        );
        assert_eq!(
            json["errors"][0]["extensions"]["field"], field,
            "{variables}"
        );
    }
}

#[tokio::test]
async fn updates_change_only_the_given_fields_and_replace_whole_link_sets() {
    let estate = Estate::new().await;
    let db = &estate.app.state.db;
    let buildings = entity::building::Entity::find().all(db).await.unwrap();
    let (b1, b2) = (&buildings[0], &buildings[1]);

    // Only the given field changes; text is trimmed; the update input checks the same limits.
    let update = "mutation($id: ID!, $name: String) { updateBuilding(input: { id: $id, name: $name }) { building { name address } } }";
    let json = estate
        .run(
            "admin",
            update,
            json!({ "id": b1.id, "name": "  Tower A  " }),
        )
        .await;
    let building = &json["data"]["updateBuilding"]["building"];
    assert_eq!(building["name"], "Tower A", "{json}");
    assert_eq!(building["address"], b1.address.as_str());
    let json = estate
        .run(
            "admin",
            update,
            json!({ "id": b1.id, "name": "x".repeat(101) }),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.name");
    let json = estate
        .run(
            "admin",
            update,
            json!({ "id": Uuid::now_v7(), "name": "Tower" }),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(json["errors"][0]["message"], "building not found");
    let stored = entity::building::Entity::find_by_id(b1.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "Tower A");

    // Link sets are replaced whole (duplicates ignored); an absent set stays as it was.
    let record = entity::staff_record::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let update = "mutation($id: ID!, $b: [ID!], $c: [ServiceCategory!]) { updateStaffRecord(input: { id: $id, buildingIds: $b, categories: $c }) { staffRecord { buildings { id } categories } } }";
    let json = estate
        .run(
            "admin",
            update,
            json!({ "id": record.id, "b": [b2.id, b1.id, b2.id], "c": ["REPAIR", "REPAIR", "CLEANING"] }),
        )
        .await;
    let staff = &json["data"]["updateStaffRecord"]["staffRecord"];
    let mut ids = [b1.id.to_string(), b2.id.to_string()];
    ids.sort();
    assert_eq!(
        staff["buildings"],
        json!(ids.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>()),
        "{json}"
    );
    assert_eq!(staff["categories"], json!(["CLEANING", "REPAIR"]));
    let json = estate
        .run("admin", update, json!({ "id": record.id, "b": [] }))
        .await;
    let staff = &json["data"]["updateStaffRecord"]["staffRecord"];
    assert_eq!(staff["buildings"], json!([]), "{json}");
    assert_eq!(staff["categories"], json!(["CLEANING", "REPAIR"]));
    let links = entity::staff_building::Entity::find()
        .filter(entity::staff_building::Column::StaffId.eq(record.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(links, 0);

    // A nullable field is cleared by null and kept when absent.
    let unit = home_unit(&estate.app, "resident1@demo.test").await;
    let json = estate
        .run("resident", "mutation($u: ID!) { addHouseholdMember(input: { unitId: $u, kind: PET, name: \" Rex \", species: \"dog\", consent: true }) { householdMember { id name } } }", json!({ "u": unit }))
        .await;
    let member = &json["data"]["addHouseholdMember"]["householdMember"];
    assert_eq!(member["name"], "Rex", "{json}");
    let id = member["id"].clone();
    let update = "mutation($id: ID!, $species: String, $name: String) { updateHouseholdMember(input: { id: $id, species: $species, name: $name }) { householdMember { id } } }";
    let member_id = Uuid::parse_str(id.as_str().unwrap()).unwrap();
    let species = || async {
        entity::household_member::Entity::find_by_id(member_id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .species
    };
    // (Absent from the input itself: an unset variable counts as null in async-graphql.)
    let json = estate
        .run(
            "resident",
            "mutation($id: ID!) { updateHouseholdMember(input: { id: $id, name: \"Rex II\" }) { householdMember { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(species().await.as_deref(), Some("dog"));
    let json = estate
        .run("resident", update, json!({ "id": id, "species": null }))
        .await;
    assert!(json["errors"].is_null(), "{json}");
    assert_eq!(species().await, None);
    let json = estate
        .run(
            "resident",
            update,
            json!({ "id": id, "species": "d".repeat(51) }),
        )
        .await;
    assert_eq!(
        json["errors"][0]["extensions"]["field"], "input.species",
        "{json}"
    );
}

/// A token for the user `id`, as `Estate` makes them.
fn token_for(app: &TestApp, id: Uuid) -> String {
    app.state
        .tokens
        .issue(
            &AuthenticatedUser { id, roles: vec![] },
            app.state.clock.now(),
            TEST_TOKEN_TTL,
        )
        .unwrap()
}

/// The display names in a `residents` list, sorted.
fn names(residents: &Value) -> Vec<String> {
    let mut names: Vec<String> = residents
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {residents}"))
        .iter()
        .map(|r| r["displayName"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn residencies_and_flatmates_are_seen_by_the_flat_and_administrators_only() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let db = &app.state.db;
    let me = user_by_email(app, "resident1@demo.test").await;
    let home = home_unit(app, "resident1@demo.test").await;
    let flatmate_residency = entity::residency::Entity::find()
        .filter(entity::residency::Column::UnitId.eq(home))
        .filter(entity::residency::Column::UserId.ne(me.id))
        .one(db)
        .await
        .unwrap()
        .expect("resident1 shares the flat with a family member");
    let flatmate = entity::user::Entity::find_by_id(flatmate_residency.user_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let flatmate_token = token_for(app, flatmate.id);
    const MINE: &str = "{ viewer { residencies { relation movedIn movedOut unit { id building { name } residents { displayName relation } } } } }";
    const UNIT: &str = "query($u: ID!) { unit(id: $u) { residents { displayName relation } } }";
    let unit = json!({ "u": home });
    let both = {
        let mut both = vec![me.display_name.clone(), flatmate.display_name.clone()];
        both.sort();
        both
    };

    // A resident of the flat: their residency (relation, unit, building, dates) and who lives
    // there with them, through the viewer and through the unit.
    let json = estate.run("resident", MINE, json!({})).await;
    let residencies = json["data"]["viewer"]["residencies"].clone();
    assert_eq!(residencies.as_array().map(Vec::len), Some(1), "{json}");
    let mine = &residencies[0];
    assert_eq!(mine["unit"]["id"], home.to_string(), "{json}");
    assert!(
        mine["relation"].is_string() && mine["movedIn"].is_string(),
        "{json}"
    );
    assert!(mine["movedOut"].is_null(), "{json}");
    assert!(mine["unit"]["building"]["name"].is_string(), "{json}");
    assert_eq!(names(&mine["unit"]["residents"]), both);
    let json = estate.run("resident", UNIT, unit.clone()).await;
    assert_eq!(names(&json["data"]["unit"]["residents"]), both, "{json}");
    assert!(json["data"]["unit"]["residents"][0]["relation"].is_string());

    // A resident of another flat reaches neither the flat nor its residents.
    let json = estate.run("resident2", UNIT, unit.clone()).await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{json}"
    );
    let json = estate.run("resident2", MINE, json!({})).await;
    let theirs = &json["data"]["viewer"]["residencies"];
    assert_eq!(theirs.as_array().map(Vec::len), Some(1), "{json}");
    assert_ne!(theirs[0]["unit"]["id"], home.to_string());
    assert!(!names(&theirs[0]["unit"]["residents"]).contains(&me.display_name));

    // Staff serving the building, a manager and a supervisor see the unit, not who lives there.
    for role in ["staff", "manager", "supervisor"] {
        let json = estate.run(role, UNIT, unit.clone()).await;
        assert!(json["errors"].is_null(), "{role}: {json}");
        assert_eq!(
            json["data"]["unit"]["residents"],
            json!([]),
            "{role}: {json}"
        );
        let json = estate.run(role, MINE, json!({})).await;
        assert_eq!(
            json["data"]["viewer"]["residencies"],
            json!([]),
            "{role}: {json}"
        );
    }

    // Administrators see every flat's residents and anyone's residencies.
    let json = estate.run("admin", UNIT, unit.clone()).await;
    assert_eq!(names(&json["data"]["unit"]["residents"]), both, "{json}");
    let json = estate
        .run(
            "admin",
            "query($id: ID!) { user(id: $id) { residencies { unit { id } } } }",
            json!({ "id": me.id }),
        )
        .await;
    assert_eq!(
        json["data"]["user"]["residencies"][0]["unit"]["id"],
        home.to_string(),
        "{json}"
    );

    // Anonymous callers: no viewer, and the unit is refused.
    let (_, json) = app.graphql(MINE, json!({}), None).await;
    assert!(json["data"]["viewer"].is_null(), "{json}");
    let (_, json) = app.graphql(UNIT, unit.clone(), None).await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{json}"
    );

    // A former resident: the flatmate moves out tomorrow, by the server's clock. Until then
    // nothing changes; two days on they see neither the residency nor the flat, and the flat
    // no longer lists them.
    let tomorrow = (app.state.clock.today() + chrono::Duration::days(1)).to_string();
    let json = estate
        .run("admin", "mutation($id: ID!, $d: Date!) { endResidency(input: { id: $id, movedOut: $d }) { residency { id } } }", json!({ "id": flatmate_residency.id, "d": tomorrow }))
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let (_, json) = app.graphql(MINE, json!({}), Some(&flatmate_token)).await;
    assert_eq!(
        json["data"]["viewer"]["residencies"][0]["movedOut"], tomorrow,
        "{json}"
    );
    assert_eq!(
        names(&json["data"]["viewer"]["residencies"][0]["unit"]["residents"]),
        both
    );
    app.state.clock.advance(chrono::Duration::days(2));
    let (_, json) = app.graphql(MINE, json!({}), Some(&flatmate_token)).await;
    assert_eq!(json["data"]["viewer"]["residencies"], json!([]), "{json}");
    let (_, json) = app.graphql(UNIT, unit.clone(), Some(&flatmate_token)).await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{json}"
    );
    let json = estate.run("resident", UNIT, unit).await;
    assert_eq!(
        names(&json["data"]["unit"]["residents"]),
        std::slice::from_ref(&me.display_name),
        "{json}"
    );
}

#[tokio::test]
async fn residents_and_residencies_cost_the_same_statements_for_5_and_40_items() {
    let estate = Estate::with(|c| c.dataloader_window = std::time::Duration::from_millis(50)).await;
    let app = &estate.app;
    let token = estate.tokens["admin"].clone();
    let query = "query($n: Int) { units(first: $n) { edges { node { residents { displayName } } } } users(first: $n) { edges { node { residencies { relation unit { building { name } } } } } } }";
    let count = |n: i64| {
        let token = token.clone();
        async move {
            let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
            let (_, json) = app.graphql(query, json!({ "n": n }), Some(&token)).await;
            assert!(json["errors"].is_null(), "{json}");
            assert_eq!(
                json["data"]["units"]["edges"].as_array().map(Vec::len),
                Some(n as usize)
            );
            app.statements.load(std::sync::atomic::Ordering::SeqCst) - before
        }
    };
    let five = count(5).await;
    let forty = count(40).await;
    assert_eq!(five, forty, "statements must not grow with the page size");
}
