//! Staff compliance: the board (`staffCompliance`) for every kind of viewer, and a staff member's
//! own profile with its deadlines, on the demo estate with its qualifications, training and
//! policies.

use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::{estate::Estate, helpers::TestApp};

async fn demo() -> Estate {
    let estate = Estate::new().await;
    let state = &estate.app.state;
    resident_hub::demo::seed_qualifications(state)
        .await
        .unwrap();
    resident_hub::demo::seed_conduct(state).await.unwrap();
    resident_hub::demo::seed_training(state).await.unwrap();
    estate
}

async fn token(app: &TestApp, email: &str) -> String {
    let user = crate::estate::user_by_email(app, email).await;
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

const BOARD: &str = "query($b: ID) { staffCompliance(buildingId: $b) { compliant reasons staff { employeeNumber } } }";

fn board(json: &Value) -> Vec<(String, bool, Vec<String>)> {
    json["data"]["staffCompliance"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .iter()
        .map(|row| {
            (
                row["staff"]["employeeNumber"].as_str().unwrap().to_owned(),
                row["compliant"].as_bool().unwrap(),
                row["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_compliance_board_shows_each_viewer_the_staff_they_oversee_and_why_they_are_blocked() {
    let estate = demo().await;
    let app = &estate.app;
    let admin = board(&gql(app, &token(app, "admin@demo.test").await, json!({})).await);
    assert_eq!(admin.len(), 12, "{admin:?}");
    let of = |rows: &[(String, bool, Vec<String>)], n: &str| {
        rows.iter()
            .find(|r| r.0 == n)
            .cloned()
            .unwrap_or_else(|| panic!("{n} in {rows:?}"))
    };
    // The onboarding cleaner misses a pre-job course; the fire-control operator a policy.
    let onboarding = of(&admin, "RH-0006");
    assert!(!onboarding.1);
    assert!(
        onboarding.2.contains(&"NOT_ACTIVE".to_owned()),
        "{onboarding:?}"
    );
    assert!(
        onboarding
            .2
            .contains(&"PRE_JOB_TRAINING_INCOMPLETE".to_owned()),
        "{onboarding:?}"
    );
    assert_eq!(of(&admin, "RH-0009").2, ["POLICY_NOT_ACKNOWLEDGED"]);
    assert!(
        of(&admin, "RH-0002").1,
        "the repair technician is compliant"
    );
    // The supervisor sees everyone too.
    let supervisor = board(&gql(app, &token(app, "supervisor1@demo.test").await, json!({})).await);
    assert_eq!(supervisor.len(), 12);
    // The manager serves both buildings: everyone, or one building's staff.
    let building = crate::estate::home_unit(app, "resident25@demo.test").await;
    let building_b = entity::unit::Entity::find_by_id(building)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id;
    let manager = token(app, "staff12@demo.test").await;
    let in_b = board(&gql(app, &manager, json!({ "b": building_b })).await);
    assert!(
        in_b.iter().all(|r| r.0 != "RH-0002"),
        "staff2 serves Building A only: {in_b:?}"
    );
    assert!(in_b.iter().any(|r| r.0 == "RH-0003"), "{in_b:?}");
    // Other staff see themselves only; residents nothing.
    let own = board(&gql(app, &token(app, "staff2@demo.test").await, json!({})).await);
    assert_eq!(
        own.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["RH-0002"]
    );
    let resident = gql(app, &token(app, "resident1@demo.test").await, json!({})).await;
    assert_eq!(
        resident["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{resident}"
    );
    let (_, anonymous) = app.graphql(BOARD, json!({}), None).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

async fn gql(app: &TestApp, token: &str, variables: Value) -> Value {
    app.graphql(BOARD, variables, Some(token)).await.1
}

#[tokio::test]
async fn my_staff_profile_gathers_my_records_and_what_falls_due_next() {
    let estate = demo().await;
    let app = &estate.app;
    let profile = "{ myStaffProfile { compliance { compliant reasons } certificates { number } trainingRecords { id } policyAcknowledgements { lapsed } ledgerEntries { id } nextDeadlines { kind dueAt subject } } }";
    // The health assistant's certificate expires in 20 days: the first deadline.
    let json = app
        .graphql(
            profile,
            json!({}),
            Some(&token(app, "staff11@demo.test").await),
        )
        .await
        .1;
    let me = &json["data"]["myStaffProfile"];
    assert_eq!(me["compliance"]["compliant"], true, "{json}");
    assert!(!me["certificates"].as_array().unwrap().is_empty(), "{json}");
    assert!(
        !me["trainingRecords"].as_array().unwrap().is_empty(),
        "{json}"
    );
    assert_eq!(
        me["nextDeadlines"][0]["kind"], "CERTIFICATE_EXPIRY",
        "{json}"
    );
    // The fire-control operator's lapsed policies show, with the reason.
    let json = app
        .graphql(
            profile,
            json!({}),
            Some(&token(app, "staff9@demo.test").await),
        )
        .await
        .1;
    let me = &json["data"]["myStaffProfile"];
    assert_eq!(
        me["compliance"]["reasons"],
        json!(["POLICY_NOT_ACKNOWLEDGED"]),
        "{json}"
    );
    assert!(
        me["policyAcknowledgements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["lapsed"] == true),
        "{json}"
    );
    // Residents have no staff profile.
    let json = app
        .graphql(
            profile,
            json!({}),
            Some(&token(app, "resident1@demo.test").await),
        )
        .await
        .1;
    assert_eq!(json["data"]["myStaffProfile"], Value::Null, "{json}");
}

#[tokio::test]
async fn staff_notifications_link_to_their_certificate_and_ledger_entry() {
    let estate = demo().await;
    let app = &estate.app;
    let admin = token(app, "admin@demo.test").await;
    let supervisor = token(app, "supervisor1@demo.test").await;
    let guard = token(app, "staff8@demo.test").await;
    let staff = crate::estate::user_by_email(app, "staff8@demo.test").await;
    let record = entity::staff_record::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.user_id == staff.id)
        .unwrap();
    let json = app
        .graphql(
            "query($s: ID!) { certificates(staffId: $s, first: 5) { nodes { id } } }",
            json!({ "s": record.id }),
            Some(&admin),
        )
        .await
        .1;
    let certificate = json["data"]["certificates"]["nodes"][0]["id"].clone();
    let json = app
        .graphql(
            "mutation($id: ID!) { revokeCertificate(input: { id: $id, reason: \"lapsed training\" }) { certificate { id } } }",
            json!({ "id": certificate }),
            Some(&admin),
        )
        .await
        .1;
    assert!(json["errors"].is_null(), "{json}");
    let json = app
        .graphql(
            "mutation($s: ID!) { proposeLedgerEntry(input: { staffId: $s, kind: COMMENDATION, reason: \"Calm during the typhoon\" }) { entry { id } } }",
            json!({ "s": record.id }),
            Some(&admin),
        )
        .await
        .1;
    let entry = json["data"]["proposeLedgerEntry"]["entry"]["id"].clone();
    assert!(entry.is_string(), "{json}");
    // The proposal itself reaches the staff member, before any decision.
    let inbox = app
        .graphql(
            "{ notifications(first: 10) { nodes { kind subject { ... on LedgerEntry { id } } } } }",
            json!({}),
            Some(&guard),
        )
        .await
        .1;
    assert_eq!(
        inbox["data"]["notifications"]["nodes"][0]["kind"], "PROPOSED",
        "{inbox}"
    );
    assert_eq!(
        inbox["data"]["notifications"]["nodes"][0]["subject"]["id"], entry,
        "{inbox}"
    );
    // So does an enrolment a manager makes for them.
    let sessions = app
        .graphql(
            "{ trainingSessions(first: 50) { nodes { id startsAt } } }",
            json!({}),
            Some(&admin),
        )
        .await
        .1;
    let now = app.state.clock.now();
    let upcoming = sessions["data"]["trainingSessions"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{sessions}"))
        .iter()
        .find(|s| {
            chrono::DateTime::parse_from_rfc3339(s["startsAt"].as_str().unwrap()).unwrap() > now
        })
        .unwrap_or_else(|| panic!("an upcoming session: {sessions}"))["id"]
        .clone();
    let json = app
        .graphql(
            "mutation($s: ID!, $staff: ID!) { enrolInSession(input: { sessionId: $s, staffId: $staff }) { record { id } } }",
            json!({ "s": upcoming, "staff": record.id }),
            Some(&token(app, "staff12@demo.test").await),
        )
        .await
        .1;
    let enrolment = json["data"]["enrolInSession"]["record"]["id"].clone();
    assert!(enrolment.is_string(), "{json}");
    let inbox = app
        .graphql(
            "{ notifications(first: 1) { nodes { kind subject { ... on TrainingRecord { id } } } } }",
            json!({}),
            Some(&guard),
        )
        .await
        .1;
    assert_eq!(
        inbox["data"]["notifications"]["nodes"][0]["kind"], "ENROLLED",
        "{inbox}"
    );
    assert_eq!(
        inbox["data"]["notifications"]["nodes"][0]["subject"]["id"], enrolment,
        "{inbox}"
    );
    let json = app
        .graphql(
            "mutation($id: ID!) { approveLedgerEntry(input: { id: $id }) { entry { id } } }",
            json!({ "id": entry }),
            Some(&supervisor),
        )
        .await
        .1;
    assert!(json["errors"].is_null(), "{json}");
    let inbox = app
        .graphql(
            "{ notifications(first: 10) { nodes { subjectType subject { __typename ... on StaffCertificate { id } ... on LedgerEntry { id } } } } }",
            json!({}),
            Some(&guard),
        )
        .await
        .1;
    let nodes = inbox["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{inbox}"));
    let linked = |id: &Value| nodes.iter().any(|n| n["subject"]["id"] == *id);
    assert!(linked(&certificate), "{inbox}");
    assert!(linked(&entry), "{inbox}");
}

#[tokio::test]
async fn the_compliance_board_streams_the_rows_that_change() {
    let estate = demo().await;
    let app = &estate.app;
    let admin = token(app, "admin@demo.test").await;
    let manager = token(app, "staff12@demo.test").await;
    let subscription =
        "subscription { staffComplianceChanged { compliant reasons staff { employeeNumber } } }";
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {manager}") }))
        .await;
    ws.subscribe("board", subscription, json!({})).await;
    let first = ws.recv().await;
    let rows = first["payload"]["data"]["staffComplianceChanged"]
        .as_array()
        .unwrap_or_else(|| panic!("{first}"))
        .len();
    assert_eq!(rows, 12, "the whole board first: {first}");
    // Revoking the guard's certificate changes their row, and only theirs.
    let staff = crate::estate::user_by_email(app, "staff8@demo.test").await;
    let record = entity::staff_record::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.user_id == staff.id)
        .unwrap();
    let json = app
        .graphql(
            "query($s: ID!) { certificates(staffId: $s, first: 5) { nodes { id } } }",
            json!({ "s": record.id }),
            Some(&admin),
        )
        .await
        .1;
    let certificate = json["data"]["certificates"]["nodes"][0]["id"].clone();
    let json = app
        .graphql(
            "mutation($id: ID!) { revokeCertificate(input: { id: $id, reason: \"forged\" }) { certificate { id } } }",
            json!({ "id": certificate }),
            Some(&admin),
        )
        .await
        .1;
    assert!(json["errors"].is_null(), "{json}");
    let next = ws.recv().await;
    assert_eq!(
        next["payload"]["data"]["staffComplianceChanged"],
        json!([{ "compliant": false, "reasons": ["CERTIFICATE_MISSING"], "staff": { "employeeNumber": "RH-0008" } }]),
        "{next}"
    );
    // Residents may not watch the board.
    let resident = token(app, "resident1@demo.test").await;
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {resident}") }))
        .await;
    ws.subscribe("board", subscription, json!({})).await;
    let refused = ws.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
}
