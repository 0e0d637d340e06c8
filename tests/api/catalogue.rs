//! The service catalogue: who reads and who changes it (every role), refused input naming its
//! field, slots that never overbook under concurrent bookings, and a page of categories whose
//! cost does not grow with its size. Runs on the demo estate and catalogue.

use resident_hub::{
    auth::Role,
    domains::catalogue::{service, types::Priority},
    error::AppError,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{estate::Estate, helpers::TestApp};

/// Every role the matrix asks, administrators last (so their deletions come after every
/// refused attempt on the same slot).
const ROLES: [&str; 7] = [
    "manager",
    "staff",
    "resident",
    "supervisor",
    "merchant",
    "anonymous",
    "admin",
];

async fn demo() -> Estate {
    let estate = Estate::new().await;
    resident_hub::demo::seed_catalogue(&estate.app.state)
        .await
        .unwrap();
    estate
}

async fn category_id(app: &TestApp, code: &str) -> Uuid {
    entity::service_category::Entity::find()
        .filter(entity::service_category::Column::Code.eq(code))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn offering(app: &TestApp, name: &str) -> entity::service_offering::Model {
    entity::service_offering::Entity::find()
        .filter(entity::service_offering::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn slots_of(app: &TestApp, offering_id: Uuid) -> Vec<entity::service_slot::Model> {
    entity::service_slot::Entity::find()
        .filter(entity::service_slot::Column::OfferingId.eq(offering_id))
        .all(&app.state.db)
        .await
        .unwrap()
}

fn sla() -> Value {
    json!([
        { "priority": "LOW", "responseMinutes": 240, "resolutionMinutes": 4320 },
        { "priority": "NORMAL", "responseMinutes": 120, "resolutionMinutes": 1440 },
        { "priority": "HIGH", "responseMinutes": 30, "resolutionMinutes": 240 },
        { "priority": "EMERGENCY", "responseMinutes": 10, "resolutionMinutes": 60 },
    ])
}

/// The error code of the first error, or `OK`.
fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
}

/// The error code and field of the first error.
fn error(json: &Value) -> (&str, &str) {
    (
        code(json),
        json["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or(""),
    )
}

fn edges(json: &Value, field: &str) -> usize {
    json["data"][field]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .len()
}

const CREATE_CATEGORY: &str = "mutation($input: CreateServiceCategoryInput!) { createServiceCategory(input: $input) { category { id code group dispatchMode sla { priority responseMinutes resolutionMinutes } } } }";
const CREATE_OFFERING: &str = "mutation($input: CreateServiceOfferingInput!) { createServiceOffering(input: $input) { offering { id price slotCapacity category { code } } } }";
const CREATE_SLOTS: &str = "mutation($input: CreateServiceSlotsInput!) { createServiceSlots(input: $input) { slots { id startsAt capacity booked remaining } } }";

#[tokio::test]
async fn every_role_reads_the_active_catalogue_and_only_administrators_change_it() {
    let estate = demo().await;
    let app = &estate.app;
    let total = resident_hub::demo::catalogue_codes().len();
    let greening = category_id(app, "GREENING").await;
    let cleaning = offering(app, "2-hour home cleaning").await;
    let pet_walk = offering(app, "Pet walk").await;
    let slot = slots_of(app, cleaning.id).await[0].id;
    // One inactive category and one inactive offering in an active category.
    for (query, variables) in [
        (
            "mutation($id: ID!) { updateServiceCategory(input: { id: $id, active: false }) { category { active } } }",
            json!({ "id": greening }),
        ),
        (
            "mutation($id: ID!) { updateServiceOffering(input: { id: $id, active: false }) { offering { active } } }",
            json!({ "id": pet_walk.id }),
        ),
    ] {
        let json = estate.run("admin", query, variables).await;
        assert_eq!(code(&json), "OK", "{json}");
    }

    for (i, role) in ROLES.into_iter().enumerate() {
        let admin = role == "admin";
        let signed_in = role != "anonymous";
        let refused = if signed_in {
            "FORBIDDEN"
        } else {
            "UNAUTHENTICATED"
        };
        let hidden = if signed_in {
            "NOT_FOUND"
        } else {
            "UNAUTHENTICATED"
        };

        // The active list: everyone signed in, the inactive category left out.
        let json = estate
            .run(
                role,
                "{ serviceCategories(first: 50) { totalCount edges { node { code offerings { name } } } } }",
                json!({}),
            )
            .await;
        if signed_in {
            assert_eq!(
                edges(&json, "serviceCategories"),
                total - 1,
                "{role}: {json}"
            );
            let pet = json["data"]["serviceCategories"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["node"]["code"] == "PET_CARE")
                .unwrap();
            let offerings = pet["node"]["offerings"].as_array().unwrap().len();
            assert_eq!(
                offerings,
                usize::from(admin),
                "{role}: inactive offering {json}"
            );
        } else {
            assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
        }

        // The list with inactive categories: administrators only.
        let json = estate
            .run(
                role,
                "{ serviceCategories(first: 50, includeInactive: true) { edges { node { code active } } } }",
                json!({}),
            )
            .await;
        if admin {
            assert_eq!(edges(&json, "serviceCategories"), total, "{json}");
        } else {
            assert_eq!(code(&json), refused, "{role}: {json}");
        }

        // An inactive category or offering by id: administrators see it, nobody else does.
        for (query, id) in [
            (
                "query($id: ID!) { serviceCategory(id: $id) { code } }",
                greening,
            ),
            (
                "query($id: ID!) { serviceOffering(id: $id) { name } }",
                pet_walk.id,
            ),
        ] {
            let json = estate.run(role, query, json!({ "id": id })).await;
            let expected = if admin { "OK" } else { hidden };
            assert_eq!(code(&json), expected, "{role} {query}: {json}");
        }
        // An active one: everyone signed in, with its category.
        let json = estate
            .run(
                role,
                "query($id: ID!) { serviceOffering(id: $id) { name price category { code } slots(first: 3) { totalCount edges { node { remaining } } } } }",
                json!({ "id": cleaning.id }),
            )
            .await;
        if signed_in {
            assert_eq!(json["data"]["serviceOffering"]["price"], "120.00", "{json}");
            assert_eq!(
                json["data"]["serviceOffering"]["category"]["code"],
                "HOME_CLEANING"
            );
            assert_eq!(
                json["data"]["serviceOffering"]["slots"]["totalCount"], 14,
                "{json}"
            );
        } else {
            assert_eq!(code(&json), "UNAUTHENTICATED");
        }
        // `node` answers the same, with null for what the type's own query hides.
        let json = estate
            .run(
                role,
                "query($id: ID!) { node(id: $id) { __typename ... on CatalogueCategory { code } } }",
                json!({ "id": greening }),
            )
            .await;
        if signed_in {
            assert_eq!(json["data"]["node"].is_null(), !admin, "{role}: {json}");
        }

        // Every mutation: administrators only.
        let start = format!("2030-01-{:02}T09:00:00Z", i + 1);
        let end = format!("2030-01-{:02}T11:00:00Z", i + 1);
        let mutations = [
            (
                CREATE_CATEGORY,
                json!({ "input": {
                    "code": format!("TEST_{i}"), "name": "Test", "group": "REPAIR",
                    "dispatchMode": "AUTO", "sla": sla(),
                } }),
            ),
            (
                "mutation($id: ID!) { updateServiceCategory(input: { id: $id, name: \"Renamed\" }) { category { name } } }",
                json!({ "id": greening }),
            ),
            (
                CREATE_OFFERING,
                json!({ "input": {
                    "categoryId": greening, "name": "Hedge trim", "price": "50", "durationMinutes": 60,
                } }),
            ),
            (
                "mutation($id: ID!) { updateServiceOffering(input: { id: $id, price: null }) { offering { price } } }",
                json!({ "id": cleaning.id }),
            ),
            (
                CREATE_SLOTS,
                json!({ "input": { "offeringId": cleaning.id, "slots": [{ "startsAt": start, "endsAt": end }] } }),
            ),
            (
                "mutation($id: ID!) { deleteServiceSlot(input: { id: $id }) { slot { id } } }",
                json!({ "id": slot }),
            ),
        ];
        for (query, variables) in mutations {
            let json = estate.run(role, query, variables).await;
            let expected = if admin { "OK" } else { refused };
            assert_eq!(code(&json), expected, "{role} {query}: {json}");
        }
    }
    // The administrator's changes took; nobody else's did.
    let categories = entity::service_category::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(categories.len(), total + 1);
    assert!(categories.iter().any(|c| c.code == "TEST_6"));
    assert_eq!(offering(app, "2-hour home cleaning").await.price, None);
    let slots = slots_of(app, cleaning.id).await;
    assert_eq!(slots.len(), 14, "one added, one deleted");
    assert!(slots.iter().all(|s| s.id != slot));
}

#[tokio::test]
async fn bad_catalogue_input_is_refused_with_its_field_and_writes_nothing() {
    let estate = demo().await;
    let app = &estate.app;
    let greening = category_id(app, "GREENING").await;
    let cleaning = offering(app, "2-hour home cleaning").await;
    let taken = slots_of(app, cleaning.id).await[0].starts_at.to_rfc3339();
    let category = |patch: Value| {
        let mut input = json!({
            "code": "NEW_ONE", "name": "New", "group": "CLEANING", "dispatchMode": "GRAB", "sla": sla(),
        });
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let mut missing_high = sla();
    missing_high.as_array_mut().unwrap().remove(2);
    let mut inverted = sla();
    inverted[1]["resolutionMinutes"] = json!(60);
    let cases: Vec<(&str, Value, (&str, &str))> = vec![
        (
            CREATE_CATEGORY,
            category(json!({ "sla": missing_high })),
            ("BAD_USER_INPUT", "input.sla"),
        ),
        (
            CREATE_CATEGORY,
            category(json!({ "sla": inverted })),
            ("BAD_USER_INPUT", "input.sla[1].resolutionMinutes"),
        ),
        (
            CREATE_CATEGORY,
            category(json!({ "code": "home cleaning" })),
            ("BAD_USER_INPUT", "input.code"),
        ),
        (
            CREATE_CATEGORY,
            category(json!({ "code": "plumbing" })),
            ("CONFLICT", "input.code"),
        ),
        (
            CREATE_CATEGORY,
            category(json!({ "warningMinutes": -1 })),
            ("BAD_USER_INPUT", "input.warningMinutes"),
        ),
        (
            CREATE_CATEGORY,
            category(json!({ "name": "  " })),
            ("BAD_USER_INPUT", "input.name"),
        ),
        (
            "mutation($id: ID!) { updateServiceCategory(input: { id: $id, code: \"PLUMBING\" }) { category { id } } }",
            json!({ "id": greening }),
            ("CONFLICT", "input.code"),
        ),
        (
            "mutation($id: ID!, $sla: [SlaTargetInput!]!) { updateServiceCategory(input: { id: $id, sla: $sla }) { category { id } } }",
            json!({ "id": greening, "sla": missing_high }),
            ("BAD_USER_INPUT", "input.sla"),
        ),
    ];
    let mut offering_cases = Vec::new();
    for price in ["12.345", "-1", "abc", "123456789.00", "1,50", ""] {
        offering_cases.push((
            CREATE_OFFERING,
            json!({ "input": { "categoryId": greening, "name": "X", "price": price, "durationMinutes": 30 } }),
            ("BAD_USER_INPUT", "input.price"),
        ));
    }
    offering_cases.push((
        CREATE_OFFERING,
        json!({ "input": { "categoryId": greening, "name": "X", "durationMinutes": 0 } }),
        ("BAD_USER_INPUT", "input.durationMinutes"),
    ));
    offering_cases.push((
        CREATE_OFFERING,
        json!({ "input": { "categoryId": Uuid::now_v7(), "name": "X", "durationMinutes": 30 } }),
        ("BAD_USER_INPUT", "input.categoryId"),
    ));
    offering_cases.push((
        "mutation($id: ID!) { updateServiceOffering(input: { id: $id, price: \"1.999\" }) { offering { id } } }",
        json!({ "id": cleaning.id }),
        ("BAD_USER_INPUT", "input.price"),
    ));
    let slot = |starts: &str, ends: &str| json!({ "startsAt": starts, "endsAt": ends });
    let slot_cases: Vec<(&str, Value, (&str, &str))> = vec![
        (
            CREATE_SLOTS,
            json!({ "input": { "offeringId": cleaning.id, "slots": [
                slot("2030-02-01T09:00:00Z", "2030-02-01T10:00:00Z"),
                slot("2030-02-02T09:00:00Z", "2030-02-02T08:00:00Z"),
            ] } }),
            ("BAD_USER_INPUT", "input.slots[1].endsAt"),
        ),
        (
            CREATE_SLOTS,
            json!({ "input": { "offeringId": cleaning.id, "slots": [
                slot("2030-02-01T09:00:00Z", "2030-02-01T09:00:00Z"),
            ] } }),
            ("BAD_USER_INPUT", "input.slots[0].endsAt"),
        ),
        (
            CREATE_SLOTS,
            json!({ "input": { "offeringId": cleaning.id, "slots": [
                slot("2030-02-01T09:00:00Z", "2030-02-01T10:00:00Z"),
                slot("2030-02-01T09:00:00Z", "2030-02-01T11:00:00Z"),
            ] } }),
            ("CONFLICT", "input.slots[1].startsAt"),
        ),
        (
            CREATE_SLOTS,
            json!({ "input": { "offeringId": cleaning.id, "slots": [
                slot("2030-02-01T09:00:00Z", "2030-02-01T10:00:00Z"),
                { "startsAt": taken, "endsAt": "2099-01-01T00:00:00Z" },
            ] } }),
            ("CONFLICT", "input.slots[1].startsAt"),
        ),
        (
            CREATE_SLOTS,
            json!({ "input": { "offeringId": cleaning.id, "slots": [
                { "startsAt": "2030-02-01T09:00:00Z", "endsAt": "2030-02-01T10:00:00Z", "capacity": 0 },
            ] } }),
            ("BAD_USER_INPUT", "input.slots[0].capacity"),
        ),
        (
            CREATE_SLOTS,
            json!({ "input": { "offeringId": cleaning.id, "slots": [] } }),
            ("BAD_USER_INPUT", "input.slots"),
        ),
    ];
    for (query, variables, expected) in cases.into_iter().chain(offering_cases).chain(slot_cases) {
        let json = estate.run("admin", query, variables.clone()).await;
        assert_eq!(error(&json), expected, "{variables}: {json}");
    }
    // Nothing was written by any refused call.
    let db = &app.state.db;
    assert_eq!(
        entity::service_category::Entity::find()
            .all(db)
            .await
            .unwrap()
            .len(),
        resident_hub::demo::catalogue_codes().len()
    );
    assert_eq!(slots_of(app, cleaning.id).await.len(), 14);
    assert!(
        entity::service_offering::Entity::find()
            .filter(entity::service_offering::Column::Name.eq("X"))
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_update_changes_only_its_fields_and_replaces_the_whole_sla() {
    let estate = demo().await;
    let app = &estate.app;
    let json = estate
        .run(
            "admin",
            CREATE_CATEGORY,
            json!({ "input": {
                "code": "window_cleaning", "name": "Window cleaning", "group": "CLEANING",
                "dispatchMode": "GRAB", "sla": sla(), "payable": true,
            } }),
        )
        .await;
    assert_eq!(code(&json), "OK", "{json}");
    let created = &json["data"]["createServiceCategory"]["category"];
    assert_eq!(created["code"], "WINDOW_CLEANING", "codes are upper-cased");
    assert_eq!(created["sla"].as_array().unwrap().len(), 4);
    assert_eq!(created["sla"][0]["priority"], "LOW");
    let id: Uuid = created["id"].as_str().unwrap().parse().unwrap();

    let mut new_sla = sla();
    new_sla[3]["responseMinutes"] = json!(5);
    let json = estate
        .run(
            "admin",
            "mutation($id: ID!, $sla: [SlaTargetInput!]!) { updateServiceCategory(input: { id: $id, warningMinutes: 15, sla: $sla }) { category { code name payable warningMinutes dispatchMode sla { priority responseMinutes } } } }",
            json!({ "id": id, "sla": new_sla }),
        )
        .await;
    let category = &json["data"]["updateServiceCategory"]["category"];
    assert_eq!(category["name"], "Window cleaning", "{json}");
    assert_eq!(category["payable"], true);
    assert_eq!(category["warningMinutes"], 15);
    assert_eq!(category["dispatchMode"], "GRAB");
    assert_eq!(category["sla"][3]["responseMinutes"], 5);
    assert_eq!(
        service::sla_for(&app.state.db, id, Priority::Emergency)
            .await
            .unwrap(),
        (5, 60)
    );
    assert_eq!(
        service::active_category(&app.state.db, id)
            .await
            .unwrap()
            .code,
        "WINDOW_CLEANING"
    );

    // Slots take the offering's capacity unless they name their own.
    let json = estate
        .run(
            "admin",
            CREATE_OFFERING,
            json!({ "input": { "categoryId": id, "name": "Balcony windows", "price": "80.5", "durationMinutes": 60, "slotCapacity": 3 } }),
        )
        .await;
    let offering = &json["data"]["createServiceOffering"]["offering"];
    assert_eq!(offering["price"], "80.50", "{json}");
    let json = estate
        .run(
            "admin",
            CREATE_SLOTS,
            json!({ "input": { "offeringId": offering["id"], "slots": [
                { "startsAt": "2030-03-02T09:00:00Z", "endsAt": "2030-03-02T10:00:00Z", "capacity": 1 },
                { "startsAt": "2030-03-01T09:00:00Z", "endsAt": "2030-03-01T10:00:00Z" },
            ] } }),
        )
        .await;
    let slots = json["data"]["createServiceSlots"]["slots"]
        .as_array()
        .unwrap();
    assert_eq!(slots[0]["capacity"], 3, "{json}");
    assert_eq!(slots[0]["remaining"], 3);
    assert_eq!(slots[1]["capacity"], 1);

    // Deactivated: no new orders, and hidden from everyone but administrators.
    estate
        .run(
            "admin",
            "mutation($id: ID!) { updateServiceCategory(input: { id: $id, active: false }) { category { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(matches!(
        service::active_category(&app.state.db, id).await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_bookings_of_a_slot_for_five_take_exactly_five() {
    let estate = demo().await;
    let app = &estate.app;
    let json = estate
        .run(
            "admin",
            CREATE_SLOTS,
            json!({ "input": {
                "offeringId": offering(app, "Pet walk").await.id,
                "slots": [{ "startsAt": "2030-04-01T09:00:00Z", "endsAt": "2030-04-01T10:00:00Z", "capacity": 5 }],
            } }),
        )
        .await;
    let slot: Uuid = json["data"]["createServiceSlots"]["slots"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{json}"))
        .parse()
        .unwrap();
    let offering_id = offering(app, "Pet walk").await.id;
    let now = app.state.clock.now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let db = app.state.db.clone();
            tokio::spawn(async move {
                let txn = resident_hub::db::begin_write(&db).await.unwrap();
                let booked = service::book_slot(&txn, offering_id, slot, now).await;
                if booked.is_ok() {
                    txn.commit().await.unwrap();
                }
                booked
            })
        })
        .collect();
    let (mut ok, mut full) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(slot) => {
                assert!(slot.booked <= slot.capacity);
                ok += 1;
            }
            Err(AppError::Conflict { field, message }) => {
                assert_eq!(field.as_deref(), Some("input.slotId"));
                assert_eq!(message, "the slot is full");
                full += 1;
            }
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!((ok, full), (5, 15));
    let stored = entity::service_slot::Entity::find_by_id(slot)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.booked, 5);

    // A booked slot stays; released to zero, it can go.
    let delete = "mutation($id: ID!) { deleteServiceSlot(input: { id: $id }) { slot { booked } } }";
    let json = estate.run("admin", delete, json!({ "id": slot })).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    for _ in 0..6 {
        service::release_slot(&app.state.db, slot).await.unwrap();
    }
    let json = estate.run("admin", delete, json!({ "id": slot })).await;
    assert_eq!(
        json["data"]["deleteServiceSlot"]["slot"]["booked"], 0,
        "{json}"
    );
}

#[tokio::test]
async fn book_slot_checks_the_offering_and_the_time() {
    let estate = demo().await;
    let app = &estate.app;
    let db = &app.state.db;
    let walk = offering(app, "Pet walk").await;
    let cleaning = offering(app, "2-hour home cleaning").await;
    let walk_slot = slots_of(app, walk.id).await[0].clone();
    let now = app.state.clock.now();
    match service::book_slot(db, cleaning.id, walk_slot.id, now).await {
        Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "input.slotId"),
        other => panic!("{other:?}"),
    }
    match service::book_slot(db, walk.id, Uuid::now_v7(), now).await {
        Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "input.slotId"),
        other => panic!("{other:?}"),
    }
    let later = walk_slot.starts_at + chrono::Duration::minutes(1);
    assert!(matches!(
        service::book_slot(db, walk.id, walk_slot.id, later).await,
        Err(AppError::InvalidState(_))
    ));
    let booked = service::book_slot(db, walk.id, walk_slot.id, now)
        .await
        .unwrap();
    assert_eq!(booked.booked, 1);
    let json = estate
        .run(
            "resident",
            "query($id: ID!, $from: DateTime!) { serviceOffering(id: $id) { slots(from: $from, first: 1) { edges { node { id booked remaining } } } } }",
            json!({ "id": walk.id, "from": walk_slot.starts_at.to_rfc3339() }),
        )
        .await;
    let node = &json["data"]["serviceOffering"]["slots"]["edges"][0]["node"];
    assert_eq!(node["id"], walk_slot.id.to_string(), "{json}");
    assert_eq!(node["remaining"], walk_slot.capacity - 1);
}

#[tokio::test]
async fn a_page_of_categories_costs_the_same_statements_for_2_and_20() {
    let estate = Estate::with(|c| c.dataloader_window = std::time::Duration::from_millis(50)).await;
    resident_hub::demo::seed_catalogue(&estate.app.state)
        .await
        .unwrap();
    let app = &estate.app;
    // An offering in every category, so each one has something to load.
    for category in resident_hub::demo::catalogue_codes() {
        let id = category_id(app, category).await;
        let json = estate
            .run(
                "admin",
                CREATE_OFFERING,
                json!({ "input": { "categoryId": id, "name": format!("{category} visit"), "durationMinutes": 30 } }),
            )
            .await;
        assert_eq!(code(&json), "OK", "{json}");
    }
    let token = app.token(&[Role::Resident]).await;
    let query = "query($first: Int!) { serviceCategories(first: $first) { edges { node { code group sla { priority responseMinutes } offerings { name price category { code } } } } } }";
    let two = app.sql_of(query, json!({ "first": 2 }), &token).await;
    let twenty = app.sql_of(query, json!({ "first": 20 }), &token).await;
    assert_eq!(
        two.len(),
        twenty.len(),
        "statements must not grow with the page size: {twenty:#?}"
    );
    // The viewer (1: user, roles and session in one statement), the page, then one batch each:
    // targets, offerings, their categories.
    assert_eq!(twenty.len(), 5, "{twenty:#?}");
}
