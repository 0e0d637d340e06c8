//! The front desk on the demo estate: parcels logged, given out once by code or by name, the
//! unit's residents notified, unclaimed reminders driven by the clock (once across instances);
//! visitor passes checked in within their window, never for a blacklisted name or plate, the
//! resident told on arrival; who sees what (codes only to the unit's residents); the demo.

use chrono::Duration;
use resident_hub::{auth::Role, domains::front_desk::reminders::ParcelReminders};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp},
};

const RECEPTION: &str = "staff1@demo.test";
const GATE: &str = "staff8@demo.test";
const CO_RESIDENT: &str = "resident29@demo.test";

const LOG: &str = "mutation($input: LogParcelInput!) { logParcel(input: $input) { parcel { id status pickupCode storageSpot size unit { number } } } }";
const PICK: &str = "mutation($code: String!) { pickUpParcel(input: { code: $code }) { parcel { id status collectedHow pickupCode } } }";
const HAND: &str = "mutation($input: HandOverParcelInput!) { handOverParcel(input: $input) { parcel { id status collectedHow collectorName } } }";
const PARCEL: &str = "query($id: ID!) { parcel(id: $id) { id status pickupCode remindersSent } }";
const PARCELS: &str = "query($filter: ParcelFilterInput) { parcels(filter: $filter, first: 50) { totalCount edges { node { id storageSpot pickupCode } } } }";
const MY_PARCELS: &str =
    "{ myParcels(first: 50) { totalCount edges { node { id pickupCode status } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Parcel { pickupCode } ... on VisitorPass { code } } }";
const REGISTER: &str = "mutation($input: RegisterVisitorInput!) { registerVisitor(input: $input) { pass { id code status carPlate people validFrom } } }";
const CHECK_IN: &str = "mutation($code: String!) { checkInVisitor(input: { code: $code }) { pass { id status code checkedInAt } } }";
const CHECK_OUT: &str = "mutation($id: ID!) { checkOutVisitor(input: { passId: $id }) { pass { id status checkedOutAt } } }";
const CANCEL: &str =
    "mutation($id: ID!) { cancelVisitorPass(input: { passId: $id }) { pass { id status } } }";
const PASS: &str = "query($id: ID!) { visitorPass(id: $id) { id status code } }";
const VISITORS: &str = "query($filter: VisitorFilterInput) { visitors(filter: $filter, first: 50) { totalCount edges { node { id code name } } } }";
const MY_VISITORS: &str = "{ myVisitors(first: 50) { totalCount edges { node { id code } } } }";
const ADD_BLACKLIST: &str = "mutation($input: AddVisitorBlacklistEntryInput!) { addVisitorBlacklistEntry(input: $input) { entry { id name carPlate } } }";
const REMOVE_BLACKLIST: &str =
    "mutation($id: ID!) { removeVisitorBlacklistEntry(input: { id: $id }) { entry { id } } }";
const BLACKLIST: &str = "query($b: ID!) { visitorBlacklist(buildingId: $b, first: 50) { totalCount edges { node { id name carPlate reason } } } }";

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

fn fields(response: &Value) -> Vec<String> {
    let mut out: Vec<String> = response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["field"]
                        .as_str()
                        .unwrap_or("none")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn ok(response: &Value) -> &Value {
    assert!(response["errors"].is_null(), "{response}");
    &response["data"]
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
            TEST_TOKEN_TTL,
        )
        .unwrap()
}

async fn run(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(token)).await.1
}

async fn notifications(app: &TestApp, email: &str, kind: &str) -> u64 {
    let user = user_by_email(app, email).await;
    entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(user.id))
        .filter(entity::notification::Column::Kind.eq(kind))
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn building_of_unit(app: &TestApp, unit: Uuid) -> Uuid {
    entity::unit::Entity::find_by_id(unit)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id
}

async fn log_parcel(app: &TestApp, token: &str, unit: Uuid, spot: &str) -> String {
    let logged = run(
        app,
        token,
        LOG,
        json!({ "input": { "unitId": unit, "carrier": "SF Express", "trackingNumber": "SF1402938475", "size": "LARGE", "storageSpot": spot } }),
    )
    .await;
    ok(&logged)["logParcel"]["parcel"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The pickup code of `parcel` as its resident `token` sees it.
async fn pickup_code(app: &TestApp, token: &str, parcel: &str) -> String {
    let seen = run(app, token, PARCEL, json!({ "id": parcel })).await;
    ok(&seen)["parcel"]["pickupCode"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn parcel_row(app: &TestApp, id: &str) -> entity::parcel::Model {
    entity::parcel::Entity::find_by_id(Uuid::parse_str(id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn pass_row(app: &TestApp, id: &str) -> entity::visitor_pass::Model {
    entity::visitor_pass::Entity::find_by_id(Uuid::parse_str(id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// Registers a visitor as `token` for `from`..`until` from now; returns (id, code).
async fn register(
    app: &TestApp,
    token: &str,
    name: &str,
    from: Duration,
    until: Duration,
    plate: Option<&str>,
) -> (String, String) {
    let now = app.state.clock.now();
    let registered = run(
        app,
        token,
        REGISTER,
        json!({ "input": { "name": name, "from": now + from, "until": now + until, "people": 2, "carPlate": plate } }),
    )
    .await;
    let pass = &ok(&registered)["registerVisitor"]["pass"];
    (
        pass["id"].as_str().unwrap().to_owned(),
        pass["code"].as_str().unwrap().to_owned(),
    )
}

// ----- parcels ----------------------------------------------------------------------------

#[tokio::test]
async fn a_parcel_is_logged_for_the_household_and_given_out_once_by_code_or_by_name() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let reception = token_of(app, RECEPTION).await;
    let gate = token_of(app, GATE).await;
    let unit = home_unit(app, "resident1@demo.test").await;

    // Every invalid field at once, nothing written.
    let bad = run(
        app,
        &reception,
        LOG,
        json!({ "input": { "unitId": "nope", "carrier": " ", "trackingNumber": "x".repeat(101), "storageSpot": "" } }),
    )
    .await;
    assert_eq!(
        fields(&bad),
        [
            "input.carrier",
            "input.storageSpot",
            "input.trackingNumber",
            "input.unitId"
        ]
    );
    // A resident is not the desk; an unknown unit is NOT_FOUND on its field.
    let input = json!({ "input": { "unitId": unit, "carrier": "SF", "trackingNumber": "1" } });
    assert_eq!(
        code(&estate.run("resident", LOG, input.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(code(&estate.run("staff", LOG, input).await), "FORBIDDEN");
    let unknown = run(
        app,
        &reception,
        LOG,
        json!({ "input": { "unitId": Uuid::now_v7(), "carrier": "SF", "trackingNumber": "1" } }),
    )
    .await;
    assert_eq!(
        (code(&unknown), fields(&unknown)),
        ("NOT_FOUND", vec!["input.unitId".to_owned()])
    );
    assert_eq!(
        entity::parcel::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // Logged: the desk never sees the code; both residents of the unit are told at once.
    let logged = run(
        app,
        &reception,
        LOG,
        json!({ "input": { "unitId": unit, "carrier": "SF Express", "trackingNumber": "SF1", "size": "LARGE", "storageSpot": "Shelf A-1" } }),
    )
    .await;
    let parcel = &ok(&logged)["logParcel"]["parcel"];
    assert_eq!(parcel["status"], "WAITING");
    assert_eq!(parcel["size"], "LARGE");
    assert!(parcel["pickupCode"].is_null());
    let id = parcel["id"].as_str().unwrap().to_owned();
    assert_eq!(
        notifications(app, "resident1@demo.test", "PARCEL_ARRIVED").await,
        1
    );
    assert_eq!(notifications(app, CO_RESIDENT, "PARCEL_ARRIVED").await, 1);
    assert_eq!(
        notifications(app, "resident2@demo.test", "PARCEL_ARRIVED").await,
        0
    );
    // The notification links the parcel, with its code for the resident.
    let inbox = estate
        .run(
            "resident",
            "{ notifications(first: 5) { edges { node { kind subject { ... on Parcel { id pickupCode } } } } } }",
            json!({}),
        )
        .await;
    let first = &ok(&inbox)["notifications"]["edges"][0]["node"];
    assert_eq!(first["kind"], "PARCEL_ARRIVED");
    assert_eq!(first["subject"]["id"], id.as_str());
    let pickup = first["subject"]["pickupCode"].as_str().unwrap().to_owned();
    assert_eq!(pickup.len(), 6);
    let mine = estate.run("resident", MY_PARCELS, json!({})).await;
    assert_eq!(
        ok(&mine)["myParcels"]["edges"][0]["node"]["pickupCode"],
        pickup.as_str()
    );
    // The shelf lists it by spot, without the code.
    let shelf = run(app, &gate, PARCELS, json!({ "filter": { "unitId": unit } })).await;
    let edges = ok(&shelf)["parcels"]["edges"].as_array().unwrap().clone();
    assert_eq!(edges.len(), 1);
    assert!(edges[0]["node"]["pickupCode"].is_null());

    // A wrong code: NOT_FOUND, nothing written; a resident may not give parcels out.
    let events = app.event_count().await;
    let wrong = run(app, &gate, PICK, json!({ "code": "ZZZZZ2" })).await;
    assert_eq!(
        (code(&wrong), fields(&wrong)),
        ("NOT_FOUND", vec!["input.code".to_owned()])
    );
    let resident_try = estate
        .run("resident", PICK, json!({ "code": pickup }))
        .await;
    assert_eq!(code(&resident_try), "FORBIDDEN");
    assert_eq!(app.event_count().await, events);
    assert_eq!(parcel_row(app, &id).await.status, "WAITING");

    // The code, in any case: given out, the household told; the code is spent.
    let picked = run(app, &gate, PICK, json!({ "code": pickup.to_lowercase() })).await;
    let picked = &ok(&picked)["pickUpParcel"]["parcel"];
    assert_eq!(
        (picked["status"].as_str(), picked["collectedHow"].as_str()),
        (Some("COLLECTED"), Some("CODE"))
    );
    assert_eq!(
        notifications(app, "resident1@demo.test", "PARCEL_COLLECTED").await,
        1
    );
    let row = parcel_row(app, &id).await;
    assert!(row.waiting_code.is_none() && row.collected_at.is_some());
    assert!(run(app, &estate.tokens["resident"], PARCEL, json!({ "id": id })).await["data"]["parcel"]["pickupCode"].is_null());
    // A second time: CONFLICT, nothing written.
    let events = app.event_count().await;
    let again = run(app, &reception, PICK, json!({ "code": pickup })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    assert_eq!(app.event_count().await, events);
    assert_eq!(parcel_row(app, &id).await, row);

    // By name: a household member of the unit, or a resident of it.
    let second = log_parcel(app, &reception, unit, "Shelf A-2").await;
    let member = entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.eq(unit))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let stranger = entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.ne(unit))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let co_resident = user_by_email(app, CO_RESIDENT).await;
    let both = run(app, &reception, HAND, json!({ "input": { "parcelId": second, "householdMemberId": member.id, "residentId": co_resident.id } })).await;
    assert_eq!(code(&both), "BAD_USER_INPUT");
    let foreign = run(
        app,
        &reception,
        HAND,
        json!({ "input": { "parcelId": second, "householdMemberId": stranger.id } }),
    )
    .await;
    assert_eq!(
        (code(&foreign), fields(&foreign)),
        ("NOT_FOUND", vec!["input.householdMemberId".to_owned()])
    );
    let outsider = user_by_email(app, "resident2@demo.test").await;
    let not_home = run(
        app,
        &reception,
        HAND,
        json!({ "input": { "parcelId": second, "residentId": outsider.id } }),
    )
    .await;
    assert_eq!(
        (code(&not_home), fields(&not_home)),
        ("NOT_FOUND", vec!["input.residentId".to_owned()])
    );
    let by_resident = estate
        .run(
            "resident",
            HAND,
            json!({ "input": { "parcelId": second, "residentId": co_resident.id } }),
        )
        .await;
    assert_eq!(code(&by_resident), "FORBIDDEN");
    assert_eq!(parcel_row(app, &second).await.status, "WAITING");
    let handed = run(
        app,
        &reception,
        HAND,
        json!({ "input": { "parcelId": second, "householdMemberId": member.id } }),
    )
    .await;
    let handed = &ok(&handed)["handOverParcel"]["parcel"];
    assert_eq!(handed["collectedHow"], "HANDOVER");
    assert_eq!(handed["collectorName"], member.name.as_str());
    let twice = run(
        app,
        &reception,
        HAND,
        json!({ "input": { "parcelId": second, "residentId": co_resident.id } }),
    )
    .await;
    assert_eq!(code(&twice), "CONFLICT");
    let third = log_parcel(app, &reception, unit, "Shelf A-3").await;
    let to_resident = run(
        app,
        &gate,
        HAND,
        json!({ "input": { "parcelId": third, "residentId": co_resident.id } }),
    )
    .await;
    assert_eq!(
        ok(&to_resident)["handOverParcel"]["parcel"]["collectorName"],
        co_resident.display_name.as_str()
    );
    assert_eq!(
        parcel_row(app, &third).await.collector_user_id,
        Some(co_resident.id)
    );
    // The shelf is empty again; the collected ones are there on asking.
    let shelf = run(app, &gate, PARCELS, json!({ "filter": { "unitId": unit } })).await;
    assert_eq!(ok(&shelf)["parcels"]["totalCount"], 0);
    let collected = run(
        app,
        &gate,
        PARCELS,
        json!({ "filter": { "unitId": unit, "status": "COLLECTED" } }),
    )
    .await;
    assert_eq!(ok(&collected)["parcels"]["totalCount"], 3);
}

#[tokio::test]
async fn an_unclaimed_parcel_reminds_the_household_every_n_days_once_across_instances() {
    let estate = Estate::with(|c| c.parcel_reminder_days = 2).await;
    let app = &estate.app;
    let reception = token_of(app, RECEPTION).await;
    let unit = home_unit(app, "resident1@demo.test").await;
    let waiting = log_parcel(app, &reception, unit, "Shelf A-1").await;
    let collected = log_parcel(app, &reception, unit, "Shelf A-2").await;
    let code = pickup_code(app, &estate.tokens["resident"], &collected).await;
    ok(&run(app, &reception, PICK, json!({ "code": code })).await);
    // A second instance with the same setting (an instance's own setting paces what it claims).
    let sibling = app.spawn_sibling_with(|c| c.parcel_reminder_days = 2).await;
    let name = ParcelReminders::NAME;

    assert_eq!(app.state.jobs.run_now(&app.state, name).await.unwrap(), 0);
    app.state
        .clock
        .advance(Duration::days(2) - Duration::minutes(5));
    assert_eq!(app.state.jobs.run_now(&app.state, name).await.unwrap(), 0);
    for round in 1..=3 {
        app.state.clock.advance(Duration::days(2));
        let (a, b) = tokio::join!(
            app.state.jobs.run_now(&app.state, name),
            sibling.state.jobs.run_now(&sibling.state, name)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1, "round {round}");
        assert_eq!(app.state.jobs.run_now(&app.state, name).await.unwrap(), 0);
        assert_eq!(
            notifications(app, "resident1@demo.test", "PARCEL_REMINDER").await,
            round
        );
        assert_eq!(
            notifications(app, CO_RESIDENT, "PARCEL_REMINDER").await,
            round
        );
    }
    // Three at most; the collected parcel never reminded anyone.
    app.state.clock.advance(Duration::days(10));
    assert_eq!(app.state.jobs.run_now(&app.state, name).await.unwrap(), 0);
    let seen = estate
        .run("resident", PARCEL, json!({ "id": waiting }))
        .await;
    assert_eq!(ok(&seen)["parcel"]["remindersSent"], 3);
    assert_eq!(parcel_row(app, &collected).await.reminders_sent, 0);
    assert_eq!(
        notifications(app, "resident2@demo.test", "PARCEL_REMINDER").await,
        0
    );
}

// ----- visitors ---------------------------------------------------------------------------

#[tokio::test]
async fn a_visitor_is_checked_in_within_the_window_never_when_blacklisted_and_the_resident_is_told()
{
    let estate = Estate::new().await;
    let app = &estate.app;
    let gate = token_of(app, GATE).await;
    let resident = estate.tokens["resident"].clone();
    let now = app.state.clock.now();
    let building = building_of_unit(app, home_unit(app, "resident1@demo.test").await).await;

    // Every invalid field at once, nothing written.
    let bad = run(
        app,
        &resident,
        REGISTER,
        json!({ "input": { "name": "", "from": now + Duration::hours(2), "until": now + Duration::hours(1), "people": 0, "carPlate": "!" } }),
    )
    .await;
    assert_eq!(
        fields(&bad),
        [
            "input.carPlate",
            "input.name",
            "input.people",
            "input.until"
        ]
    );
    let long = run(
        app,
        &resident,
        REGISTER,
        json!({ "input": { "name": "Chen Jing", "from": now, "until": now + Duration::days(8) } }),
    )
    .await;
    assert_eq!(fields(&long), ["input.until"]);
    let past = run(app, &resident, REGISTER, json!({ "input": { "name": "Chen Jing", "from": now - Duration::hours(3), "until": now - Duration::hours(1) } })).await;
    assert_eq!(fields(&past), ["input.until"]);
    let staff = estate.run("staff", REGISTER, json!({ "input": { "name": "Chen Jing", "from": now, "until": now + Duration::hours(1) } })).await;
    assert_eq!(code(&staff), "FORBIDDEN");
    assert_eq!(
        entity::visitor_pass::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // A pass: its code for the household, the car plate normalised.
    let (early, early_code) = register(
        app,
        &resident,
        "Chen Jing",
        Duration::hours(1),
        Duration::hours(3),
        Some("ab 123-45"),
    )
    .await;
    assert_eq!(early_code.len(), 8);
    let seen = run(app, &resident, PASS, json!({ "id": early })).await;
    assert_eq!(ok(&seen)["visitorPass"]["code"], early_code.as_str());
    let desk_seen = run(app, &gate, PASS, json!({ "id": early })).await;
    assert!(ok(&desk_seen)["visitorPass"]["code"].is_null());
    let day = (now + Duration::hours(1)).date_naive().to_string();
    let list = run(
        app,
        &gate,
        VISITORS,
        json!({ "filter": { "date": day, "buildingId": building } }),
    )
    .await;
    assert_eq!(ok(&list)["visitors"]["totalCount"], 1);
    assert!(ok(&list)["visitors"]["edges"][0]["node"]["code"].is_null());

    // Too early (outside the 15 minutes' grace): INVALID_STATE, nothing written.
    let events = app.event_count().await;
    let too_early = run(app, &gate, CHECK_IN, json!({ "code": early_code })).await;
    assert_eq!(code(&too_early), "INVALID_STATE");
    let wrong = run(app, &gate, CHECK_IN, json!({ "code": "ZZZZZZZ2" })).await;
    assert_eq!(
        (code(&wrong), fields(&wrong)),
        ("NOT_FOUND", vec!["input.code".to_owned()])
    );
    let by_resident = run(app, &resident, CHECK_IN, json!({ "code": early_code })).await;
    assert_eq!(code(&by_resident), "FORBIDDEN");
    assert_eq!(app.event_count().await, events);
    assert_eq!(pass_row(app, &early).await.status, "EXPECTED");

    // Within the grace before the window: in, and the resident who registered is told.
    app.state.clock.advance(Duration::minutes(50));
    let arrived = run(app, &gate, CHECK_IN, json!({ "code": early_code })).await;
    assert_eq!(ok(&arrived)["checkInVisitor"]["pass"]["status"], "ARRIVED");
    assert_eq!(
        notifications(app, "resident1@demo.test", "VISITOR_ARRIVED").await,
        1
    );
    assert_eq!(notifications(app, CO_RESIDENT, "VISITOR_ARRIVED").await, 0);
    let again = run(app, &gate, CHECK_IN, json!({ "code": early_code })).await;
    assert_eq!(code(&again), "CONFLICT");
    let cancel_arrived = run(app, &resident, CANCEL, json!({ "id": early })).await;
    assert_eq!(code(&cancel_arrived), "INVALID_STATE");
    let left = run(app, &gate, CHECK_OUT, json!({ "id": early })).await;
    assert_eq!(ok(&left)["checkOutVisitor"]["pass"]["status"], "LEFT");
    let left_again = run(app, &gate, CHECK_OUT, json!({ "id": early })).await;
    assert_eq!(code(&left_again), "INVALID_STATE");

    // An expired pass: INVALID_STATE, nothing written.
    let (expired, expired_code) = register(
        app,
        &resident,
        "Lin Bo",
        Duration::zero(),
        Duration::hours(1),
        None,
    )
    .await;
    app.state
        .clock
        .advance(Duration::hours(1) + Duration::minutes(16));
    let events = app.event_count().await;
    let late = run(app, &gate, CHECK_IN, json!({ "code": expired_code })).await;
    assert_eq!(code(&late), "INVALID_STATE", "{late}");
    assert_eq!(app.event_count().await, events);
    assert_eq!(pass_row(app, &expired).await.status, "EXPECTED");

    // The blacklist: kept by the manager (not the desk, not residents), once per entry.
    let entry = json!({ "input": { "buildingId": building, "name": "Zhao  FENG", "reason": "Door-to-door sales" } });
    assert_eq!(
        code(&run(app, &gate, ADD_BLACKLIST, entry.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&run(app, &resident, ADD_BLACKLIST, entry.clone()).await),
        "FORBIDDEN"
    );
    let none = run(
        app,
        &gate,
        ADD_BLACKLIST,
        json!({ "input": { "buildingId": building, "reason": "?" } }),
    )
    .await;
    assert_eq!(fields(&none), ["input.name"]);
    let by_name = estate.run("manager", ADD_BLACKLIST, entry.clone()).await;
    let by_name_id = ok(&by_name)["addVisitorBlacklistEntry"]["entry"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        code(&estate.run("manager", ADD_BLACKLIST, entry).await),
        "CONFLICT"
    );
    let plate = estate.run("admin", ADD_BLACKLIST, json!({ "input": { "buildingId": building, "carPlate": "CD-999 88", "reason": "Blocked the fire lane" } })).await;
    assert_eq!(
        ok(&plate)["addVisitorBlacklistEntry"]["entry"]["carPlate"],
        "CD99988"
    );
    let listed = run(app, &gate, BLACKLIST, json!({ "b": building })).await;
    assert_eq!(ok(&listed)["visitorBlacklist"]["totalCount"], 2);

    // A blacklisted name (any case and spacing) or plate: FORBIDDEN, nothing written.
    let (barred, barred_code) = register(
        app,
        &resident,
        "zhao feng",
        Duration::zero(),
        Duration::hours(2),
        None,
    )
    .await;
    let (car, car_code) = register(
        app,
        &resident,
        "Sun Hao",
        Duration::zero(),
        Duration::hours(2),
        Some("cd 99988"),
    )
    .await;
    let events = app.event_count().await;
    for c in [&barred_code, &car_code] {
        let refused = run(app, &gate, CHECK_IN, json!({ "code": c })).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    }
    assert_eq!(app.event_count().await, events);
    assert_eq!(pass_row(app, &barred).await.status, "EXPECTED");
    assert_eq!(
        notifications(app, "resident1@demo.test", "VISITOR_ARRIVED").await,
        1
    );
    // Taken off the list, the visitor gets in.
    assert_eq!(
        code(&run(app, &gate, REMOVE_BLACKLIST, json!({ "id": by_name_id })).await),
        "FORBIDDEN"
    );
    ok(&estate
        .run("manager", REMOVE_BLACKLIST, json!({ "id": by_name_id }))
        .await);
    let admitted = run(app, &gate, CHECK_IN, json!({ "code": barred_code })).await;
    assert_eq!(ok(&admitted)["checkInVisitor"]["pass"]["status"], "ARRIVED");

    // Cancelled by the household: the code no longer opens the gate.
    let cancelled = run(app, &resident, CANCEL, json!({ "id": car })).await;
    assert_eq!(
        ok(&cancelled)["cancelVisitorPass"]["pass"]["status"],
        "CANCELLED"
    );
    let refused = run(app, &gate, CHECK_IN, json!({ "code": car_code })).await;
    assert_eq!(code(&refused), "INVALID_STATE");
    let mine = run(app, &resident, MY_VISITORS, json!({})).await;
    assert_eq!(ok(&mine)["myVisitors"]["totalCount"], 4);
}

// ----- who sees what ----------------------------------------------------------------------

#[tokio::test]
async fn who_sees_parcels_passes_codes_and_the_blacklist() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let reception = token_of(app, RECEPTION).await;
    let unit = home_unit(app, "resident1@demo.test").await;
    let building = building_of_unit(app, unit).await;
    let other_building = building_of_unit(app, home_unit(app, "resident25@demo.test").await).await;
    let parcel = log_parcel(app, &reception, unit, "Shelf A-1").await;
    let (pass, _) = register(
        app,
        &estate.tokens["resident"],
        "Chen Jing",
        Duration::hours(1),
        Duration::hours(2),
        None,
    )
    .await;
    let day = (app.state.clock.now() + Duration::hours(1))
        .date_naive()
        .to_string();
    ok(&estate
        .run(
            "manager",
            ADD_BLACKLIST,
            json!({ "input": { "buildingId": building, "name": "Zhao Feng", "reason": "Sales" } }),
        )
        .await);

    // Security staff serving only the other building.
    let other_desk = app.user(&[Role::Staff]).await;
    let record = Uuid::now_v7();
    entity::staff_record::Entity::insert(entity::staff_record::ActiveModel {
        id: Set(record),
        user_id: Set(other_desk.id),
        post: Set("SECURITY".to_owned()),
        employee_number: Set("RH-9001".to_owned()),
        hire_date: Set(app.state.clock.today()),
        status: Set("ACTIVE".to_owned()),
        created_at: Set(app.state.clock.now()),
        updated_at: Set(app.state.clock.now()),
    })
    .exec(&app.state.db)
    .await
    .unwrap();
    entity::staff_building::Entity::insert(entity::staff_building::ActiveModel {
        staff_id: Set(record),
        building_id: Set(other_building),
    })
    .exec(&app.state.db)
    .await
    .unwrap();

    let mut viewers: Vec<(&str, String)> = Vec::new();
    for role in [
        "resident",
        "resident2",
        "residentB",
        "staff",
        "manager",
        "supervisor",
        "admin",
        "merchant",
    ] {
        viewers.push((role, estate.tokens[role].clone()));
    }
    viewers.push(("co-resident", token_of(app, CO_RESIDENT).await));
    viewers.push(("reception", reception.clone()));
    viewers.push(("gate", token_of(app, GATE).await));
    viewers.push(("other desk", other_desk.token.clone()));

    // (viewer, sees the parcel and pass, sees the codes, sees the blacklist)
    let table: [(&str, bool, bool, bool); 12] = [
        ("resident", true, true, false),
        ("co-resident", true, true, false),
        ("resident2", false, false, false),
        ("residentB", false, false, false),
        ("reception", true, false, true),
        ("gate", true, false, true),
        ("other desk", false, false, false),
        ("staff", false, false, false),
        ("manager", true, false, true),
        ("supervisor", false, false, false),
        ("admin", true, false, true),
        ("merchant", false, false, false),
    ];
    for (who, sees, codes, blacklist) in table {
        let token = &viewers.iter().find(|(w, _)| *w == who).unwrap().1;
        let one = run(app, token, PARCEL, json!({ "id": parcel })).await;
        let one_pass = run(app, token, PASS, json!({ "id": pass })).await;
        let node = run(app, token, NODE, json!({ "id": parcel })).await;
        let node_pass = run(app, token, NODE, json!({ "id": pass })).await;
        let shelf = run(app, token, PARCELS, json!({})).await;
        let visitors = run(app, token, VISITORS, json!({ "filter": { "date": day } })).await;
        let list = run(app, token, BLACKLIST, json!({ "b": building })).await;
        let count = |v: &Value, field: &str| v["data"][field]["totalCount"].as_u64().unwrap_or(99);
        if sees {
            assert_eq!(ok(&one)["parcel"]["id"], parcel.as_str(), "{who}");
            assert_eq!(ok(&one_pass)["visitorPass"]["id"], pass.as_str(), "{who}");
            assert_eq!(ok(&node)["node"]["id"], parcel.as_str(), "{who}");
            assert_eq!(ok(&node_pass)["node"]["id"], pass.as_str(), "{who}");
            assert_eq!(count(&shelf, "parcels"), 1, "{who}");
            assert_eq!(count(&visitors, "visitors"), 1, "{who}");
            assert_eq!(
                one["data"]["parcel"]["pickupCode"].is_string(),
                codes,
                "{who}"
            );
            assert_eq!(
                one_pass["data"]["visitorPass"]["code"].is_string(),
                codes,
                "{who}"
            );
            assert_eq!(
                node["data"]["node"]["pickupCode"].is_string(),
                codes,
                "{who}"
            );
            assert_eq!(
                node_pass["data"]["node"]["code"].is_string(),
                codes,
                "{who}"
            );
            let listed = &shelf["data"]["parcels"]["edges"][0]["node"];
            assert_eq!(listed["pickupCode"].is_string(), codes, "{who}");
        } else {
            assert_eq!(code(&one), "NOT_FOUND", "{who}");
            assert_eq!(code(&one_pass), "NOT_FOUND", "{who}");
            assert!(ok(&node)["node"].is_null(), "{who}");
            assert!(ok(&node_pass)["node"].is_null(), "{who}");
            assert_eq!(count(&shelf, "parcels"), 0, "{who}");
            assert_eq!(count(&visitors, "visitors"), 0, "{who}");
        }
        assert_eq!(
            count(&list, "visitorBlacklist"),
            u64::from(blacklist),
            "{who}"
        );
    }
    // Anonymous callers get nothing.
    let (_, anonymous) = app.graphql(PARCEL, json!({ "id": parcel }), None).await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_demo_has_parcels_waiting_visitors_today_and_a_blacklist_entry_once() {
    let estate = Estate::new().await;
    let app = &estate.app;
    assert_eq!(
        resident_hub::demo::seed_front_desk(&app.state)
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        resident_hub::demo::seed_front_desk(&app.state)
            .await
            .unwrap(),
        0
    );
    let gate = token_of(app, GATE).await;
    let shelf = run(app, &gate, PARCELS, json!({})).await;
    assert_eq!(ok(&shelf)["parcels"]["totalCount"], 4);
    let mine = estate.run("resident", MY_PARCELS, json!({})).await;
    assert_eq!(ok(&mine)["myParcels"]["totalCount"], 2);
    let today = app.state.clock.today().to_string();
    let expected = run(
        app,
        &gate,
        VISITORS,
        json!({ "filter": { "date": today, "status": "EXPECTED" } }),
    )
    .await;
    assert_eq!(ok(&expected)["visitors"]["totalCount"], 2);
    assert_eq!(
        entity::visitor_blacklist_entry::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        notifications(app, "resident1@demo.test", "PARCEL_ARRIVED").await,
        2
    );
}
