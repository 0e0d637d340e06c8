//! Issue 12, item 12: one rule for every id a client sends. A malformed id is `BAD_USER_INPUT`
//! naming the argument or input field; a well-formed id that names nothing the viewer may see
//! is `NOT_FOUND` (naming the input field when it came inside an input). `node`/`nodes` answer
//! `null` instead, and a list filter an empty list.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::estate::{Estate, home_unit, user_by_email};

/// What a well-formed id that names nothing visible gets.
#[derive(Clone, Copy, Debug)]
enum Unknown {
    /// `NOT_FOUND`, with `extensions.field` when the id came inside an input.
    NotFound(Option<&'static str>),
    /// `null` at the field, no error (`node`).
    Null,
    /// `[null]` at the field, no error (`nodes`).
    NullList,
    /// An empty connection, no error (list filters).
    Empty,
}

use Unknown::{Empty, NotFound, Null, NullList};

struct Case {
    /// Who calls.
    role: &'static str,
    /// The root field the answer is under.
    field: &'static str,
    /// The operation; `$id` is the id under test, `$other` another object's real id.
    query: &'static str,
    /// The argument or input field that carries `$id`.
    argument: &'static str,
    /// What an unknown well-formed id gets.
    unknown: Unknown,
}

const fn case(
    role: &'static str,
    field: &'static str,
    query: &'static str,
    argument: &'static str,
    unknown: Unknown,
) -> Case {
    Case {
        role,
        field,
        query,
        argument,
        unknown,
    }
}

const CASES: &[Case] = &[
    // Queries.
    case(
        "admin",
        "user",
        "query($id: ID!) { user(id: $id) { id } }",
        "id",
        NotFound(None),
    ),
    case(
        "admin",
        "building",
        "query($id: ID!) { building(id: $id) { id } }",
        "id",
        NotFound(None),
    ),
    case(
        "admin",
        "unit",
        "query($id: ID!) { unit(id: $id) { id } }",
        "id",
        NotFound(None),
    ),
    case(
        "admin",
        "householdMember",
        "query($id: ID!) { householdMember(id: $id) { id } }",
        "id",
        NotFound(None),
    ),
    case(
        "resident",
        "householdMember",
        "query($id: ID!) { householdMember(id: $id) { id } }",
        "id",
        NotFound(None),
    ),
    case(
        "admin",
        "staffRecord",
        "query($id: ID!) { staffRecord(id: $id) { id } }",
        "id",
        NotFound(None),
    ),
    case(
        "admin",
        "notice",
        "query($id: ID!) { notice(id: $id) { id } }",
        "id",
        NotFound(None),
    ),
    case(
        "resident",
        "notice",
        "query($id: ID!) { notice(id: $id) { id } }",
        "id",
        NotFound(None),
    ),
    case(
        "admin",
        "noticeReceiptStats",
        "query($id: ID!) { noticeReceiptStats(noticeId: $id) { readCount } }",
        "noticeId",
        NotFound(None),
    ),
    case(
        "admin",
        "unacknowledgedUnits",
        "query($id: ID!) { unacknowledgedUnits(noticeId: $id) { id } }",
        "noticeId",
        NotFound(None),
    ),
    case(
        "admin",
        "node",
        "query($id: ID!) { node(id: $id) { id } }",
        "id",
        Null,
    ),
    case(
        "resident",
        "node",
        "query($id: ID!) { node(id: $id) { id } }",
        "id",
        Null,
    ),
    case(
        "admin",
        "nodes",
        "query($id: ID!) { nodes(ids: [$id]) { id } }",
        "ids",
        NullList,
    ),
    case(
        "admin",
        "units",
        "query($id: ID!) { units(filter: { buildingId: $id }) { totalCount } }",
        "filter.buildingId",
        Empty,
    ),
    case(
        "admin",
        "householdMembers",
        "query($id: ID!) { householdMembers(filter: { unitId: $id }) { totalCount } }",
        "filter.unitId",
        Empty,
    ),
    case(
        "admin",
        "residencies",
        "query($id: ID!) { residencies(filter: { userId: $id }) { totalCount } }",
        "filter.userId",
        Empty,
    ),
    case(
        "admin",
        "residencies",
        "query($id: ID!) { residencies(filter: { unitId: $id }) { totalCount } }",
        "filter.unitId",
        Empty,
    ),
    case(
        "admin",
        "staffRecords",
        "query($id: ID!) { staffRecords(filter: { buildingId: $id }) { totalCount } }",
        "filter.buildingId",
        Empty,
    ),
    // Identity.
    case(
        "admin",
        "updateUser",
        "mutation($id: ID!) { updateUser(input: { id: $id, displayName: \"X\" }) { user { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "admin",
        "disableUser",
        "mutation($id: ID!) { disableUser(input: { id: $id }) { user { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "admin",
        "enableUser",
        "mutation($id: ID!) { enableUser(input: { id: $id }) { user { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    // Estate.
    case(
        "admin",
        "updateBuilding",
        "mutation($id: ID!) { updateBuilding(input: { id: $id, name: \"X\" }) { building { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "admin",
        "createUnit",
        "mutation($id: ID!) { createUnit(input: { buildingId: $id, floor: 1, number: \"Z9\", kind: FLAT }) { unit { id } } }",
        "input.buildingId",
        NotFound(Some("input.buildingId")),
    ),
    case(
        "admin",
        "updateUnit",
        "mutation($id: ID!) { updateUnit(input: { id: $id, number: \"Z9\" }) { unit { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "admin",
        "createResidency",
        "mutation($id: ID!, $unit: ID!) { createResidency(input: { userId: $id, unitId: $unit, relation: TENANT, movedIn: \"2024-01-01\" }) { residency { id } } }",
        "input.userId",
        NotFound(Some("input.userId")),
    ),
    case(
        "admin",
        "createResidency",
        "mutation($id: ID!, $user: ID!) { createResidency(input: { userId: $user, unitId: $id, relation: TENANT, movedIn: \"2024-01-01\" }) { residency { id } } }",
        "input.unitId",
        NotFound(Some("input.unitId")),
    ),
    case(
        "admin",
        "endResidency",
        "mutation($id: ID!) { endResidency(input: { id: $id, movedOut: \"2030-01-01\" }) { residency { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "admin",
        "addHouseholdMember",
        "mutation($id: ID!) { addHouseholdMember(input: { unitId: $id, kind: PET, name: \"Rex\", consent: true }) { householdMember { id } } }",
        "input.unitId",
        NotFound(Some("input.unitId")),
    ),
    case(
        "resident",
        "addHouseholdMember",
        "mutation($id: ID!) { addHouseholdMember(input: { unitId: $id, kind: PET, name: \"Rex\", consent: true }) { householdMember { id } } }",
        "input.unitId",
        NotFound(Some("input.unitId")),
    ),
    case(
        "resident",
        "updateHouseholdMember",
        "mutation($id: ID!) { updateHouseholdMember(input: { id: $id, name: \"X\" }) { householdMember { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "resident",
        "removeHouseholdMember",
        "mutation($id: ID!) { removeHouseholdMember(input: { id: $id }) { householdMember { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "admin",
        "createStaffRecord",
        "mutation($id: ID!) { createStaffRecord(input: { userId: $id, post: CLEANER, employeeNumber: \"Z-1\", hireDate: \"2025-01-01\", buildingIds: [], categories: [] }) { staffRecord { id } } }",
        "input.userId",
        NotFound(Some("input.userId")),
    ),
    case(
        "admin",
        "createStaffRecord",
        "mutation($id: ID!, $user: ID!) { createStaffRecord(input: { userId: $user, post: CLEANER, employeeNumber: \"Z-1\", hireDate: \"2025-01-01\", buildingIds: [$id], categories: [] }) { staffRecord { id } } }",
        "input.buildingIds",
        NotFound(Some("input.buildingIds")),
    ),
    case(
        "admin",
        "updateStaffRecord",
        "mutation($id: ID!) { updateStaffRecord(input: { id: $id, post: CLEANER }) { staffRecord { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "admin",
        "updateStaffRecord",
        "mutation($id: ID!, $record: ID!) { updateStaffRecord(input: { id: $record, buildingIds: [$id] }) { staffRecord { id } } }",
        "input.buildingIds",
        NotFound(Some("input.buildingIds")),
    ),
    // Notices.
    case(
        "admin",
        "publishNotice",
        "mutation($id: ID!) { publishNotice(input: { title: \"T\", body: \"B\", kind: GENERAL, audience: { buildingIds: [$id] } }) { notice { id } } }",
        "input.audience.buildingIds",
        NotFound(Some("input.audience.buildingIds")),
    ),
    case(
        "admin",
        "publishNotice",
        "mutation($id: ID!) { publishNotice(input: { title: \"T\", body: \"B\", kind: GENERAL, audience: { floors: [{ buildingId: $id, floor: 1 }] } }) { notice { id } } }",
        "input.audience.floors",
        NotFound(Some("input.audience.floors")),
    ),
    case(
        "admin",
        "publishNotice",
        "mutation($id: ID!) { publishNotice(input: { title: \"T\", body: \"B\", kind: GENERAL, audience: { unitIds: [$id] } }) { notice { id } } }",
        "input.audience.unitIds",
        NotFound(Some("input.audience.unitIds")),
    ),
    case(
        "admin",
        "publishNotice",
        "mutation($id: ID!) { publishNotice(input: { title: \"T\", body: \"B\", kind: GENERAL, audience: { estate: true }, supersedes: $id }) { notice { id } } }",
        "input.supersedes",
        NotFound(Some("input.supersedes")),
    ),
    case(
        "admin",
        "createNoticeDraft",
        "mutation($id: ID!) { createNoticeDraft(input: { title: \"T\", body: \"B\", kind: GENERAL, audience: { unitIds: [$id] } }) { notice { id } } }",
        "input.audience.unitIds",
        NotFound(Some("input.audience.unitIds")),
    ),
    case(
        "admin",
        "publishNoticeDraft",
        "mutation($id: ID!) { publishNoticeDraft(input: { id: $id }) { notice { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "admin",
        "withdrawNotice",
        "mutation($id: ID!) { withdrawNotice(input: { id: $id }) { notice { id } } }",
        "input.id",
        NotFound(Some("input.id")),
    ),
    case(
        "resident",
        "markNoticeRead",
        "mutation($id: ID!) { markNoticeRead(input: { noticeId: $id }) { readAt } }",
        "input.noticeId",
        NotFound(Some("input.noticeId")),
    ),
    case(
        "resident",
        "acknowledgeNotice",
        "mutation($id: ID!) { acknowledgeNotice(input: { noticeId: $id }) { acknowledgedAt } }",
        "input.noticeId",
        NotFound(Some("input.noticeId")),
    ),
    case(
        "resident",
        "markNotificationsRead",
        "mutation($id: ID!) { markNotificationsRead(input: { ids: [$id] }) { marked } }",
        "input.ids",
        NotFound(Some("input.ids")),
    ),
];

/// The one error of `json`, checked to be `code` on `field` (no field: none set).
fn assert_error(json: &Value, code: &str, field: Option<&str>, what: &str) {
    let errors = json["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: {json}"));
    assert_eq!(errors.len(), 1, "{what}: {json}");
    assert_eq!(errors[0]["extensions"]["code"], code, "{what}: {json}");
    assert_eq!(
        errors[0]["extensions"]["field"].as_str(),
        field,
        "{what}: {json}"
    );
}

#[tokio::test]
async fn every_id_argument_is_bad_input_when_malformed_and_not_found_when_unknown() {
    let estate = Estate::new().await;
    let app = &estate.app;
    // Real objects for the other ids of an input, so that the id under test decides.
    let unit = home_unit(app, "resident1@demo.test").await;
    let user = user_by_email(app, "resident2@demo.test").await.id;
    let record = entity::staff_record::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    for case in CASES {
        for (id, malformed) in [
            ("nope".to_owned(), true),
            (Uuid::now_v7().to_string(), false),
        ] {
            let what = format!("{} as {} with {id}", case.field, case.role);
            let variables = json!({ "id": id, "unit": unit, "user": user, "record": record });
            let json = estate.run(case.role, case.query, variables).await;
            if malformed {
                assert_error(&json, "BAD_USER_INPUT", Some(case.argument), &what);
                continue;
            }
            let answer = &json["data"][case.field];
            match case.unknown {
                NotFound(field) => assert_error(&json, "NOT_FOUND", field, &what),
                Null => {
                    assert!(json["errors"].is_null(), "{what}: {json}");
                    assert!(
                        answer.is_null() && json["data"].is_object(),
                        "{what}: {json}"
                    );
                }
                NullList => {
                    assert!(json["errors"].is_null(), "{what}: {json}");
                    assert_eq!(*answer, json!([null]), "{what}: {json}");
                }
                Empty => {
                    assert!(json["errors"].is_null(), "{what}: {json}");
                    assert_eq!(answer["totalCount"], 0, "{what}: {json}");
                }
            }
        }
    }
    // The live counts of a notice follow the same rule, over WebSocket.
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {}", estate.tokens["admin"]) }))
        .await;
    for (id, code, field) in [
        ("nope".to_owned(), "BAD_USER_INPUT", Some("noticeId")),
        (Uuid::now_v7().to_string(), "NOT_FOUND", None),
    ] {
        ws.subscribe(
            &id,
            "subscription($id: ID!) { noticeReceiptsChanged(noticeId: $id) { readCount } }",
            json!({ "id": id }),
        )
        .await;
        let message = ws.recv().await;
        let payload = match message["type"].as_str() {
            Some("next") => {
                // The stream ends after its one error.
                let complete = ws.recv().await;
                assert_eq!(complete, json!({ "id": id, "type": "complete" }));
                message["payload"].clone()
            }
            Some("error") => json!({ "errors": message["payload"] }),
            _ => panic!("{message}"),
        };
        assert_error(
            &payload,
            code,
            field,
            &format!("noticeReceiptsChanged({id})"),
        );
    }
}
