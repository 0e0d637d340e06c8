//! Notices and notifications: publishing to an audience, visibility, receipts, mutes,
//! scheduling, and the live subscriptions with replay.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit},
    helpers::{TestApp, WARM_UP_ATTEMPTS, WARM_UP_WAIT, WsClient},
};

const PUBLISH: &str =
    "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id title status } } }";

async fn building_of(estate: &Estate, email: &str) -> Uuid {
    let unit = home_unit(&estate.app, email).await;
    entity::unit::Entity::find_by_id(unit)
        .one(&estate.app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id
}

fn notice(title: &str, audience: Value) -> Value {
    json!({ "i": { "title": title, "body": "Water will be off from 9:00 to 12:00.", "kind": "MAINTENANCE", "audience": audience } })
}

async fn publish(estate: &Estate, role: &str, variables: Value) -> Value {
    estate.run(role, PUBLISH, variables).await
}

async fn titles(estate: &Estate, role: &str) -> Vec<String> {
    let json = estate
        .run(
            role,
            "{ notices(first: 50) { edges { node { title } } } }",
            json!({}),
        )
        .await;
    json["data"]["notices"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn notification_count(estate: &Estate, notice_id: &str) -> u64 {
    entity::notification::Entity::find()
        .filter(entity::notification::Column::SubjectId.eq(Uuid::parse_str(notice_id).unwrap()))
        .count(&estate.app.state.db)
        .await
        .unwrap()
}

/// A WebSocket subscribed to `query` (which takes `$a: String` as its `after`) from the very
/// start of the log: every event committed afterwards arrives, by replay or live, so a test
/// needs no warm-up.
async fn from_the_start(app: &TestApp, token: &str, id: &str, query: &str) -> WsClient {
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws.subscribe(id, query, json!({ "a": Uuid::nil().to_string() }))
        .await;
    ws
}

/// Ends the (first) residency of the user `email` on `moved_out`, as the administrator.
async fn end_residency(estate: &Estate, email: &str, moved_out: &str) {
    let resident = crate::estate::user_by_email(&estate.app, email).await;
    let json = estate
        .run(
            "admin",
            "query($u: ID!) { residencies(filter: { userId: $u }) { edges { node { id } } } }",
            json!({ "u": resident.id.to_string() }),
        )
        .await;
    let residency = json["data"]["residencies"]["edges"][0]["node"]["id"].clone();
    assert!(residency.is_string(), "{json}");
    let json = estate
        .run(
            "admin",
            "mutation($id: ID!, $d: Date!) { endResidency(input: { id: $id, movedOut: $d }) { residency { id } } }",
            json!({ "id": residency, "d": moved_out }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
}

#[tokio::test]
async fn a_notice_reaches_its_audience_and_nobody_else() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let json = publish(
        &estate,
        "admin",
        notice("Water off in A", json!({ "buildingIds": [a] })),
    )
    .await;
    let id = json["data"]["publishNotice"]["notice"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        json["data"]["publishNotice"]["notice"]["status"],
        "PUBLISHED"
    );

    assert_eq!(titles(&estate, "resident").await, ["Water off in A"]);
    assert!(titles(&estate, "residentB").await.is_empty());
    assert_eq!(
        titles(&estate, "staff").await,
        ["Water off in A"],
        "staff serving A are in the audience"
    );
    let count = |role: &'static str| estate.run(role, "{ unreadNotificationCount }", json!({}));
    assert_eq!(
        count("resident").await["data"]["unreadNotificationCount"],
        1
    );
    assert_eq!(
        count("residentB").await["data"]["unreadNotificationCount"],
        0
    );
    // 28 residents live in building A (24 flats, 4 of them shared with family) and 10 staff serve it.
    assert_eq!(notification_count(&estate, &id).await, 28 + 10);

    let json = estate
        .run(
            "residentB",
            "query($id: ID!) { notice(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let json = estate
        .run(
            "residentB",
            "mutation($id: ID!) { acknowledgeNotice(input: { noticeId: $id }) { acknowledgedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn floors_units_roles_and_the_estate_are_audiences_too() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let unit = home_unit(&estate.app, "resident25@demo.test").await;
    publish(
        &estate,
        "admin",
        notice(
            "Floor 1 of A",
            json!({ "floors": [{ "buildingId": a, "floor": 1 }] }),
        ),
    )
    .await;
    publish(
        &estate,
        "admin",
        notice("Your flat", json!({ "unitIds": [unit] })),
    )
    .await;
    publish(
        &estate,
        "admin",
        notice("Staff meeting", json!({ "roles": ["STAFF"] })),
    )
    .await;
    publish(
        &estate,
        "admin",
        notice("Everyone", json!({ "estate": true })),
    )
    .await;
    assert_eq!(
        titles(&estate, "resident").await,
        ["Everyone", "Floor 1 of A"]
    );
    assert_eq!(
        titles(&estate, "residentB").await,
        ["Everyone", "Your flat"]
    );
    assert_eq!(
        titles(&estate, "staff").await,
        ["Everyone", "Staff meeting"]
    );
    assert_eq!(titles(&estate, "merchant").await, ["Everyone"]);
}

#[tokio::test]
async fn pinned_notices_come_first_and_expired_ones_are_hidden() {
    let estate = Estate::new().await;
    let all = json!({ "estate": true });
    let mut pinned = notice("Pinned rules", all.clone());
    pinned["i"]["pinned"] = json!(true);
    publish(&estate, "admin", pinned).await;
    publish(&estate, "admin", notice("Older", all.clone())).await;
    let mut expiring = notice("Expiring", all.clone());
    let clock = estate.app.state.clock.clone();
    expiring["i"]["expiresAt"] = json!((clock.now() + chrono::Duration::hours(2)).to_rfc3339());
    publish(&estate, "admin", expiring).await;
    publish(&estate, "admin", notice("Newest", all)).await;
    assert_eq!(
        titles(&estate, "resident").await,
        ["Pinned rules", "Newest", "Expiring", "Older"]
    );
    // Time passes on the server's clock: no sleeping.
    clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        titles(&estate, "resident").await,
        ["Pinned rules", "Newest", "Older"]
    );
    let json = estate
        .run(
            "resident",
            "{ notices(includeExpired: true) { edges { node { title status } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        json["data"]["notices"]["edges"][2]["node"]["status"], "EXPIRED",
        "{json}"
    );
    // Pages follow the same order.
    let json = estate
        .run(
            "resident",
            "{ notices(first: 2) { edges { cursor } pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(json["data"]["notices"]["pageInfo"]["hasNextPage"], true);
    let after = json["data"]["notices"]["pageInfo"]["endCursor"].clone();
    let json = estate
        .run(
            "resident",
            "query($a: String) { notices(first: 2, after: $a) { edges { node { title } } } }",
            json!({ "a": after }),
        )
        .await;
    assert_eq!(
        json["data"]["notices"]["edges"][0]["node"]["title"],
        "Older"
    );
    // And backward, with the count of the whole board.
    let json = estate
        .run(
            "resident",
            "{ notices(last: 2) { totalCount edges { node { title } } pageInfo { hasPreviousPage hasNextPage startCursor } } }",
            json!({}),
        )
        .await;
    let page = &json["data"]["notices"];
    assert_eq!(page["totalCount"], 3, "{json}");
    assert_eq!(
        page["edges"],
        json!([{ "node": { "title": "Newest" } }, { "node": { "title": "Older" } }])
    );
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    let json = estate
        .run(
            "resident",
            "query($b: String) { notices(last: 5, before: $b) { edges { node { title } } pageInfo { hasPreviousPage } } }",
            json!({ "b": page["pageInfo"]["startCursor"] }),
        )
        .await;
    assert_eq!(
        json["data"]["notices"]["edges"],
        json!([{ "node": { "title": "Pinned rules" } }]),
        "{json}"
    );
    assert_eq!(
        json["data"]["notices"]["pageInfo"]["hasPreviousPage"],
        false
    );
}

/// The fields of type `ty` that take no arguments and answer a scalar or an enum (or a list or
/// a non-null of one), from introspection: every field a plain fast path could answer.
pub async fn scalar_fields(app: &TestApp, ty: &str) -> Vec<String> {
    let (_, json) = app
        .graphql(
            "query($t: String!) { __type(name: $t) { fields { name args { name } type { kind ofType { kind ofType { kind ofType { kind } } } } } } }",
            json!({ "t": ty }),
            None,
        )
        .await;
    let fields = json["data"]["__type"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"));
    fields
        .iter()
        .filter(|field| field["args"].as_array().is_some_and(Vec::is_empty))
        .filter(|field| {
            let mut ty = &field["type"];
            while matches!(ty["kind"].as_str(), Some("NON_NULL" | "LIST")) {
                ty = &ty["ofType"];
            }
            matches!(ty["kind"].as_str(), Some("SCALAR" | "ENUM"))
        })
        .map(|field| field["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Notices are answered by the plain fast path (`graphql::plain`) when only stored fields are
/// selected, and by the derived resolvers otherwise (a fragment sends them there): both answer
/// the same, for every scalar and enum field of `Notice`, with and without optional values, with
/// aliases and repeated fields.
#[tokio::test]
async fn plain_and_derived_answers_match() {
    let estate = Estate::new().await;
    let all = json!({ "estate": true });
    let mut pinned = notice("Pinned, expiring", all.clone());
    pinned["i"]["pinned"] = json!(true);
    pinned["i"]["requiresAck"] = json!(true);
    pinned["i"]["priority"] = json!("IMPORTANT");
    let expiry = estate.app.state.clock.now() + chrono::Duration::hours(5);
    pinned["i"]["expiresAt"] = json!(expiry.to_rfc3339());
    let json = publish(&estate, "admin", pinned).await;
    assert!(json["errors"].is_null(), "{json}");
    let json = publish(&estate, "admin", notice("Plain \"quoted\" ünïcode", all)).await;
    assert!(json["errors"].is_null(), "{json}");

    let fields = scalar_fields(&estate.app, "Notice").await;
    for expected in [
        "id",
        "title",
        "body",
        "kind",
        "priority",
        "status",
        "publishAt",
        "expiresAt",
        "pinned",
        "requiresAck",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected} in {fields:?}"
        );
    }
    let selection = fields.join(" ");
    let direct =
        format!("{{ notices(first: 10) {{ edges {{ node {{ __typename {selection} }} }} }} }}");
    let through_fragment = format!(
        "{{ notices(first: 10) {{ edges {{ node {{ ... on Notice {{ __typename {selection} }} }} }} }} }}"
    );
    for role in ["resident", "admin"] {
        // Twice each: the second run of a document takes the accepted-document path.
        for _ in 0..2 {
            let plain = estate.run(role, &direct, json!({})).await;
            let derived = estate.run(role, &through_fragment, json!({})).await;
            assert!(plain["errors"].is_null(), "{plain}");
            assert_eq!(plain, derived, "{role}");
            let edges = plain["data"]["notices"]["edges"].as_array().unwrap();
            assert!(edges.len() >= 2, "{plain}");
            assert!(
                edges.iter().any(|e| e["node"]["expiresAt"].is_null()),
                "{plain}"
            );
            let pinned = &edges[0]["node"];
            assert_eq!(pinned["title"], "Pinned, expiring", "{plain}");
            assert_eq!(pinned["__typename"], "Notice");
            assert_eq!(pinned["pinned"], true);
            assert_eq!(pinned["requiresAck"], true);
            assert_eq!(pinned["priority"], "IMPORTANT");
            let at = chrono::DateTime::parse_from_rfc3339(pinned["expiresAt"].as_str().unwrap())
                .unwrap();
            assert_eq!(at.timestamp(), expiry.timestamp());
            // The keys come in selection order.
            let keys: Vec<&str> = pinned
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let mut expected = vec!["__typename"];
            expected.extend(fields.iter().map(String::as_str));
            assert_eq!(keys, expected);
        }
    }
    // Aliases, a field repeated under its own key and under an alias.
    let aliased = "{ notices(first: 1) { edges { node { t: title id title t: title kind } } } }";
    let plain = estate.run("resident", aliased, json!({})).await;
    let node = &plain["data"]["notices"]["edges"][0]["node"];
    let keys: Vec<&str> = node
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["t", "id", "title", "kind"], "{plain}");
    assert_eq!(node["t"], node["title"]);
    let derived = estate
        .run(
            "resident",
            "{ notices(first: 1) { edges { node { ... on Notice { t: title id title t: title kind } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(plain, derived);

    // The home page's other plain objects: a unit's building and household members.
    let unit = home_unit(&estate.app, "resident1@demo.test").await;
    for member in [
        json!({ "unitId": unit.to_string(), "kind": "PET", "name": "Rex", "species": "dog", "birthDate": "2019-04-01", "careNeeds": "Walks twice a day", "consent": true }),
        json!({ "unitId": unit.to_string(), "kind": "ELDER", "name": "Grandpa", "consent": true }),
    ] {
        let json = estate
            .run(
                "resident",
                "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { householdMember { id } } }",
                json!({ "i": member }),
            )
            .await;
        assert!(json["errors"].is_null(), "{json}");
    }
    let building = scalar_fields(&estate.app, "Building").await.join(" ");
    let members = scalar_fields(&estate.app, "HouseholdMember")
        .await
        .join(" ");
    assert!(
        members.contains("birthDate") && building.contains("address"),
        "{members} / {building}"
    );
    let direct = format!(
        "{{ viewer {{ units {{ number building {{ __typename {building} }} householdMembers {{ {members} __typename }} }} }} }}"
    );
    let through_fragment = format!(
        "{{ viewer {{ units {{ number building {{ ... on Building {{ __typename {building} }} }} householdMembers {{ ... on HouseholdMember {{ {members} __typename }} }} }} }} }}"
    );
    for _ in 0..2 {
        let plain = estate.run("resident", &direct, json!({})).await;
        let derived = estate.run("resident", &through_fragment, json!({})).await;
        assert!(plain["errors"].is_null(), "{plain}");
        assert_eq!(plain, derived);
        let units = plain["data"]["viewer"]["units"].as_array().unwrap();
        let home = units
            .iter()
            .find(|u| {
                u["householdMembers"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|m| m["name"] == "Rex"))
            })
            .unwrap_or_else(|| panic!("{plain}"));
        assert!(home["building"]["address"].is_string(), "{plain}");
        let member = |name: &str| {
            home["householdMembers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name} in {plain}"))
        };
        let rex = member("Rex");
        assert_eq!(
            (
                &rex["kind"],
                &rex["species"],
                &rex["birthDate"],
                &rex["__typename"]
            ),
            (
                &json!("PET"),
                &json!("dog"),
                &json!("2019-04-01"),
                &json!("HouseholdMember")
            ),
            "{plain}"
        );
        let grandpa = member("Grandpa");
        assert!(
            grandpa["birthDate"].is_null() && grandpa["species"].is_null(),
            "{plain}"
        );
    }
}

#[tokio::test]
async fn bad_notices_are_refused_with_the_field_and_nothing_is_stored() {
    let estate = Estate::new().await;
    let all = json!({ "estate": true });
    let now = estate.app.state.clock.now();
    // A parking space: nobody lives there, so an audience of just that unit matches nobody.
    let parking = entity::unit::Entity::find()
        .filter(entity::unit::Column::Kind.eq("PARKING"))
        .one(&estate.app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut early_expiry = notice("x", all.clone());
    early_expiry["i"]["publishAt"] = json!((now + chrono::Duration::hours(2)).to_rfc3339());
    early_expiry["i"]["expiresAt"] = json!((now + chrono::Duration::hours(1)).to_rfc3339());
    let mut long_body = notice("x", all.clone());
    long_body["i"]["body"] = json!("x".repeat(20_001));
    let cases = [
        (notice("  ", all.clone()), "BAD_USER_INPUT", "input.title"),
        (long_body, "BAD_USER_INPUT", "input.body"),
        (early_expiry, "BAD_USER_INPUT", "input.expiresAt"),
        (notice("x", json!({})), "BAD_USER_INPUT", "input.audience"),
        (
            notice("x", json!({ "buildingIds": [Uuid::now_v7()] })),
            "NOT_FOUND",
            "input.audience.buildingIds",
        ),
        (
            notice(
                "x",
                json!({ "roles": ["MERCHANT"], "unitIds": [Uuid::now_v7()] }),
            ),
            "NOT_FOUND",
            "input.audience.unitIds",
        ),
        (
            notice("x", json!({ "unitIds": [parking] })),
            "BAD_USER_INPUT",
            "input.audience",
        ),
    ];
    for (variables, code, field) in cases {
        let json = publish(&estate, "admin", variables).await;
        assert_eq!(json["errors"][0]["extensions"]["code"], code, "{json}");
        assert_eq!(json["errors"][0]["extensions"]["field"], field, "{json}");
    }
    let json = publish(&estate, "resident", notice("x", all.clone())).await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // Staff with a manager post publish to the buildings they serve, not to the estate or roles.
    let json = publish(&estate, "manager", notice("To everyone", all)).await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{json}"
    );
    let roles = json!({ "roles": ["RESIDENT"] });
    let json = publish(&estate, "manager", notice("To residents", roles)).await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{json}"
    );
    let served = building_of(&estate, "resident1@demo.test").await;
    let own = json!({ "buildingIds": [served.to_string()] });
    let json = publish(&estate, "manager", notice("From the manager", own)).await;
    assert!(json["errors"].is_null(), "{json}");
    // A building the manager does not serve is refused, floors and units in it too.
    let json = estate
        .run(
            "admin",
            "mutation { createBuilding(input: { name: \"Annex\", address: \"1 Side St\" }) { building { id } } }",
            json!({}),
        )
        .await;
    let annex = json["data"]["createBuilding"]["building"]["id"].clone();
    assert!(annex.is_string(), "{json}");
    for audience in [
        json!({ "buildingIds": [annex] }),
        json!({ "floors": [{ "buildingId": annex, "floor": 1 }] }),
    ] {
        let json = publish(&estate, "manager", notice("Elsewhere", audience)).await;
        assert_eq!(
            json["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{json}"
        );
    }
    let db = &estate.app.state.db;
    assert_eq!(
        entity::notice::Entity::find().count(db).await.unwrap(),
        1,
        "only the manager's notice is stored"
    );
}

#[tokio::test]
async fn reading_and_acknowledging_are_idempotent() {
    let estate = Estate::new().await;
    let mut input = notice("Fire drill", json!({ "estate": true }));
    input["i"]["requiresAck"] = json!(true);
    let json = publish(&estate, "admin", input).await;
    let id = json["data"]["publishNotice"]["notice"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ack = "mutation($id: ID!) { acknowledgeNotice(input: { noticeId: $id }) { readAt acknowledgedAt notice { requiresAck } } }";
    let first = estate.run("resident", ack, json!({ "id": id })).await;
    let at = first["data"]["acknowledgeNotice"]["acknowledgedAt"].clone();
    assert!(at.is_string(), "{first}");
    let second = estate.run("resident", ack, json!({ "id": id })).await;
    assert_eq!(second["data"]["acknowledgeNotice"]["acknowledgedAt"], at);
    let read = estate
        .run("resident", "mutation($id: ID!) { markNoticeRead(input: { noticeId: $id }) { readAt acknowledgedAt } }", json!({ "id": id }))
        .await;
    assert_eq!(read["data"]["markNoticeRead"]["acknowledgedAt"], at);
    let receipts = entity::notice_receipt::Entity::find()
        .count(&estate.app.state.db)
        .await
        .unwrap();
    assert_eq!(receipts, 1);
}

#[tokio::test]
async fn the_inbox_lists_marks_read_and_honours_mutes_except_emergencies() {
    let estate = Estate::new().await;
    let json = estate
        .run(
            "resident",
            "mutation { setNotificationMutes(input: { categories: [NOTICE] }) { categories } }",
            json!({}),
        )
        .await;
    assert_eq!(
        json["data"]["setNotificationMutes"]["categories"],
        json!(["NOTICE"])
    );
    publish(
        &estate,
        "admin",
        notice("Muted maintenance", json!({ "estate": true })),
    )
    .await;
    let mut emergency = notice("Gas leak", json!({ "estate": true }));
    emergency["i"]["priority"] = json!("EMERGENCY");
    publish(&estate, "admin", emergency).await;
    let inbox = "{ notifications(first: 10) { edges { cursor node { id title readAt category priority kind subjectType subject { __typename ... on Notice { title priority } } } } } unreadNotificationCount }";
    let json = estate.run("resident", inbox, json!({})).await;
    let edges = json["data"]["notifications"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{json}");
    assert_eq!(edges[0]["node"]["title"], "Gas leak");
    let node = &edges[0]["node"];
    assert_eq!(
        (&node["category"], &node["priority"], &node["kind"]),
        (&json!("NOTICE"), &json!("EMERGENCY"), &json!("MAINTENANCE")),
        "{json}"
    );
    assert_eq!(
        node["subject"],
        json!({ "__typename": "Notice", "title": "Gas leak", "priority": "EMERGENCY" })
    );
    // The muted notice is still on the board.
    assert_eq!(
        titles(&estate, "resident").await,
        ["Gas leak", "Muted maintenance"]
    );

    let id = edges[0]["node"]["id"].clone();
    let json = estate
        .run("resident", "mutation($ids: [ID!]) { markNotificationsRead(input: { ids: $ids }) { marked unreadCount } }", json!({ "ids": [id] }))
        .await;
    assert_eq!(
        json["data"]["markNotificationsRead"],
        json!({ "marked": 1, "unreadCount": 0 })
    );
    let json = estate
        .run(
            "resident2",
            "mutation { markNotificationsRead(input: { all: true }) { marked unreadCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        json["data"]["markNotificationsRead"],
        json!({ "marked": 2, "unreadCount": 0 })
    );
    let json = estate
        .run(
            "resident2",
            "mutation { markNotificationsRead(input: {}) { marked } }",
            json!({}),
        )
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_scheduled_notice_is_published_once_even_with_two_instances() {
    use resident_hub::domains::notices::scheduler::PublishDueNotices;
    let estate = Estate::new().await;
    let second = estate.app.spawn_sibling().await;
    let clock = estate.app.state.clock.clone();
    let mut input = notice("Scheduled", json!({ "roles": ["SUPERVISOR", "MERCHANT"] }));
    input["i"]["publishAt"] = json!((clock.now() + chrono::Duration::hours(1)).to_rfc3339());
    let json = publish(&estate, "admin", input).await;
    assert_eq!(
        json["data"]["publishNotice"]["notice"]["status"], "SCHEDULED",
        "{json}"
    );
    let id = json["data"]["publishNotice"]["notice"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Not due yet: the job publishes nothing.
    let (first_state, second_state) = (&estate.app.state, &second.state);
    let run = |state: &resident_hub::app::AppState| {
        let state = state.clone();
        async move {
            state
                .jobs
                .run_now(&state, PublishDueNotices::NAME)
                .await
                .unwrap()
        }
    };
    assert_eq!(run(first_state).await, 0);
    assert!(titles(&estate, "merchant").await.is_empty());
    // Due: both instances run the job at once; exactly one publishes it.
    clock.advance(chrono::Duration::minutes(61));
    let (a, b) = tokio::join!(run(first_state), run(second_state));
    assert_eq!(a + b, 1, "published once, by one instance ({a} + {b})");
    assert_eq!(titles(&estate, "merchant").await, ["Scheduled"]);
    assert_eq!(
        notification_count(&estate, &id).await,
        2,
        "one notification each for the supervisor and the merchant"
    );
    // Running again changes nothing.
    assert_eq!(run(second_state).await, 0);
    assert_eq!(notification_count(&estate, &id).await, 2);
}

#[tokio::test]
async fn the_scheduler_job_runs_on_its_own_on_every_instance() {
    // The same job, driven by the background loop rather than by the test.
    let estate = Estate::with(|c| c.scheduler_interval = Duration::from_millis(20)).await;
    let clock = estate.app.state.clock.clone();
    let mut input = notice("Later", json!({ "roles": ["MERCHANT"] }));
    input["i"]["publishAt"] = json!((clock.now() + chrono::Duration::days(1)).to_rfc3339());
    publish(&estate, "admin", input).await;
    clock.advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
    let published = async {
        while titles(&estate, "merchant").await.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(crate::helpers::WAIT, published)
        .await
        .expect("the background job publishes the due notice");
}

#[tokio::test]
async fn subscribers_get_only_their_audiences_notices_live() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let b = building_of(&estate, "resident25@demo.test").await;
    // Subscribing from the start of the log (the nil cursor) makes the test deterministic: every
    // notice committed from here on arrives, by replay or live, with no warm-up.
    let subscribe = |role: &'static str| {
        let token = estate.tokens[role].clone();
        let app = &estate.app;
        async move {
            let mut ws = app.ws().await;
            ws.init(json!({ "Authorization": format!("Bearer {token}") }))
                .await;
            ws.subscribe(
                "n",
                "subscription($a: String) { noticePublished(after: $a) { cursor notice { id title } } }",
                json!({ "a": Uuid::nil().to_string() }),
            )
            .await;
            ws
        }
    };
    let mut in_a = subscribe("resident").await;
    let mut in_b = subscribe("residentB").await;

    publish(
        &estate,
        "admin",
        notice("Only A", json!({ "buildingIds": [a] })),
    )
    .await;
    publish(
        &estate,
        "admin",
        notice("Only B", json!({ "buildingIds": [b] })),
    )
    .await;
    let seen_a = in_a.recv().await;
    assert_eq!(
        seen_a["payload"]["data"]["noticePublished"]["notice"]["title"],
        "Only A"
    );
    let seen_b = in_b.recv().await;
    assert_eq!(
        seen_b["payload"]["data"]["noticePublished"]["notice"]["title"], "Only B",
        "B never saw A's notice first"
    );
}

#[tokio::test]
async fn the_inbox_subscription_replays_from_a_cursor_without_gap_or_duplicate() {
    let estate = Estate::new().await;
    for i in 1..=3 {
        publish(
            &estate,
            "admin",
            notice(&format!("n{i}"), json!({ "estate": true })),
        )
        .await;
    }
    // The cursor of the oldest notification, taken from the connection.
    let json = estate
        .run(
            "resident",
            "{ notifications(first: 10) { edges { cursor node { title } } } }",
            json!({}),
        )
        .await;
    let edges = json["data"]["notifications"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 3);
    let oldest = edges[2]["cursor"].clone();
    assert_eq!(edges[2]["node"]["title"], "n1");

    let token = estate.tokens["resident"].clone();
    let mut ws = estate.app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws.subscribe(
        "inbox",
        "subscription($after: String) { notificationReceived(after: $after) { cursor notification { id title } } }",
        json!({ "after": oldest }),
    )
    .await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let message = ws.recv().await;
        seen.push(
            message["payload"]["data"]["notificationReceived"]["notification"]["title"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(seen, ["n2", "n3"]);
    publish(&estate, "admin", notice("n4", json!({ "estate": true }))).await;
    let live = ws.recv().await;
    assert_eq!(
        live["payload"]["data"]["notificationReceived"]["notification"]["title"],
        "n4"
    );
    // No duplicate: the next thing to arrive is the next notification, not n4 again.
    publish(&estate, "admin", notice("n5", json!({ "estate": true }))).await;
    let next = ws.recv().await;
    assert_eq!(
        next["payload"]["data"]["notificationReceived"]["notification"]["title"], "n5",
        "no duplicate"
    );

    let mut anonymous = estate.app.ws().await;
    anonymous.init(json!({})).await;
    anonymous
        .subscribe(
            "x",
            "subscription { notificationReceived { cursor } }",
            json!({}),
        )
        .await;
    let message = anonymous.recv().await;
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
}

#[tokio::test]
async fn a_notification_published_on_one_instance_reaches_a_subscriber_on_another() {
    if crate::helpers::test_redis_url().is_none() {
        eprintln!("skipped: set TEST_REDIS_URL to run the two-instance test");
        return;
    }
    let estate = Estate::new().await;
    let other = estate.app.spawn_sibling().await;
    publish(
        &estate,
        "admin",
        notice("before", json!({ "estate": true })),
    )
    .await;
    let token = estate.tokens["resident"].clone();
    let mut ws = other.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws.subscribe(
        "inbox",
        "subscription($a: String) { notificationReceived(after: $a) { cursor notification { title } } }",
        json!({ "a": Uuid::nil().to_string() }),
    )
    .await;
    let title =
        |m: &Value| m["payload"]["data"]["notificationReceived"]["notification"]["title"].clone();
    // The live subscription is confirmed by Redis before the replay starts, so once the replayed
    // notification is here, what instance one publishes next reaches this instance live.
    assert_eq!(title(&ws.recv().await), "before");
    publish(
        &estate,
        "admin",
        notice("across instances", json!({ "estate": true })),
    )
    .await;
    let message = ws.recv().await;
    assert_eq!(title(&message), "across instances", "{message}");
}

#[tokio::test]
async fn drafts_withdrawals_and_corrections_follow_their_rules() {
    let estate = Estate::new().await;
    let draft = "mutation($i: PublishNoticeInput!) { createNoticeDraft(input: $i) { notice { id status } } }";
    let json = estate
        .run("admin", draft, notice("Draft", json!({ "estate": true })))
        .await;
    assert_eq!(
        json["data"]["createNoticeDraft"]["notice"]["status"], "DRAFT",
        "{json}"
    );
    let id = json["data"]["createNoticeDraft"]["notice"]["id"].clone();
    assert!(
        titles(&estate, "resident").await.is_empty(),
        "drafts are not on the board"
    );
    assert_eq!(
        estate
            .run("resident", "{ unreadNotificationCount }", json!({}))
            .await["data"]["unreadNotificationCount"],
        0
    );

    let publish_draft =
        "mutation($id: ID!) { publishNoticeDraft(input: { id: $id }) { notice { status } } }";
    let json = estate
        .run("resident", publish_draft, json!({ "id": id }))
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let json = estate
        .run("admin", publish_draft, json!({ "id": id }))
        .await;
    assert_eq!(
        json["data"]["publishNoticeDraft"]["notice"]["status"], "PUBLISHED",
        "{json}"
    );
    let json = estate
        .run("admin", publish_draft, json!({ "id": id }))
        .await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "INVALID_STATE");
    assert_eq!(titles(&estate, "resident").await, ["Draft"]);

    // A correction supersedes the original; both stay, linked.
    let mut correction = notice("Draft (corrected)", json!({ "estate": true }));
    correction["i"]["supersedes"] = id.clone();
    let json = publish(&estate, "admin", correction).await;
    let new_id = json["data"]["publishNotice"]["notice"]["id"].clone();
    let json = estate
        .run(
            "resident",
            "query($id: ID!) { notice(id: $id) { supersededBy { id supersedes { id } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        json["data"]["notice"]["supersededBy"]["id"], new_id,
        "{json}"
    );
    assert_eq!(
        json["data"]["notice"]["supersededBy"]["supersedes"]["id"], id,
        "{json}"
    );
    // A correction aimed at another building is not shown, not even its id.
    let other = building_of(&estate, "resident25@demo.test").await;
    let mut elsewhere = notice("Only for B", json!({ "buildingIds": [other.to_string()] }));
    elsewhere["i"]["supersedes"] = new_id.clone();
    let json = publish(&estate, "admin", elsewhere).await;
    assert!(json["errors"].is_null(), "{json}");
    let links = "query($id: ID!) { notice(id: $id) { supersededBy { id } } }";
    let json = estate.run("resident", links, json!({ "id": new_id })).await;
    assert_eq!(
        json["data"]["notice"]["supersededBy"],
        Value::Null,
        "{json}"
    );
    let json = estate
        .run("residentB", links, json!({ "id": new_id }))
        .await;
    assert!(
        json["data"]["notice"]["supersededBy"]["id"].is_string(),
        "{json}"
    );

    let withdraw =
        "mutation($id: ID!) { withdrawNotice(input: { id: $id }) { notice { status } } }";
    for _ in 0..2 {
        let json = estate.run("admin", withdraw, json!({ "id": id })).await;
        assert_eq!(
            json["data"]["withdrawNotice"]["notice"]["status"], "WITHDRAWN",
            "{json}"
        );
    }
    assert_eq!(titles(&estate, "resident").await, ["Draft (corrected)"]);
}

#[tokio::test]
async fn publishers_see_receipt_counts_live_and_the_units_still_to_acknowledge() {
    let estate = Estate::new().await;
    let unit = home_unit(&estate.app, "resident1@demo.test").await;
    let other = home_unit(&estate.app, "resident2@demo.test").await;
    let mut input = notice(
        "Sign the fire-drill sheet",
        json!({ "unitIds": [unit, other] }),
    );
    input["i"]["requiresAck"] = json!(true);
    let json = publish(&estate, "admin", input).await;
    let id = json["data"]["publishNotice"]["notice"]["id"].clone();

    let token = estate.tokens["admin"].clone();
    let mut ws = estate.app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws.subscribe("r", "subscription($id: ID!) { noticeReceiptsChanged(noticeId: $id) { audienceSize readCount acknowledgedCount } }", json!({ "id": id }))
        .await;
    let first = ws.recv().await;
    // resident1 and resident2 share their flats with family (resident29, resident30): 4 people.
    assert_eq!(
        first["payload"]["data"]["noticeReceiptsChanged"],
        json!({ "audienceSize": 4, "readCount": 0, "acknowledgedCount": 0 })
    );

    let stats = "query($id: ID!) { noticeReceiptStats(noticeId: $id) { readCount acknowledgedCount } unacknowledgedUnits(noticeId: $id) { number } }";
    let json = estate.run("admin", stats, json!({ "id": id })).await;
    assert_eq!(
        json["data"]["unacknowledgedUnits"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{json}"
    );

    estate
        .run(
            "resident",
            "mutation($id: ID!) { acknowledgeNotice(input: { noticeId: $id }) { acknowledgedAt } }",
            json!({ "id": id }),
        )
        .await;
    let live = ws.recv().await;
    assert_eq!(
        live["payload"]["data"]["noticeReceiptsChanged"]["acknowledgedCount"], 1,
        "{live}"
    );
    let json = estate.run("admin", stats, json!({ "id": id })).await;
    assert_eq!(
        json["data"]["noticeReceiptStats"],
        json!({ "readCount": 1, "acknowledgedCount": 1 })
    );
    assert_eq!(
        json["data"]["unacknowledgedUnits"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "one household acknowledged for its flat"
    );
    let json = estate.run("resident", stats, json!({ "id": id })).await;
    assert_eq!(json["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn notices_published_while_redis_is_down_reach_the_inbox_when_it_returns() {
    use crate::events::{PrivateRedis, free_port, wait_for_readiness};
    if crate::helpers::test_redis_url().is_none()
        || std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
    {
        eprintln!("skipped: needs TEST_REDIS_URL and a redis-server binary");
        return;
    }
    let port = free_port();
    let mut redis = PrivateRedis::start(port);
    let estate =
        Estate::with(move |c| c.redis_url = Some(format!("redis://127.0.0.1:{port}"))).await;
    publish(
        &estate,
        "admin",
        notice("warm-up", json!({ "estate": true })),
    )
    .await;
    let mut ws = from_the_start(&estate.app, &estate.tokens["resident"], "inbox", "subscription($a: String) { notificationReceived(after: $a) { cursor notification { title } } }").await;
    // Replayed, so the live subscription is in place: no warm-up loop.
    let first = ws.recv().await;
    assert_eq!(
        first["payload"]["data"]["notificationReceived"]["notification"]["title"],
        "warm-up"
    );

    redis.stop();
    wait_for_readiness(&estate.app, 503).await;
    let json = publish(
        &estate,
        "admin",
        notice("During the outage", json!({ "estate": true })),
    )
    .await;
    assert!(
        json["errors"].is_null(),
        "publishing succeeds without Redis: {json}"
    );
    assert_eq!(
        estate
            .run("resident", "{ unreadNotificationCount }", json!({}))
            .await["data"]["unreadNotificationCount"],
        2
    );

    let _redis = PrivateRedis::start(port);
    let seen = ws.recv().await;
    assert_eq!(
        seen["payload"]["data"]["notificationReceived"]["notification"]["title"],
        "During the outage"
    );
    wait_for_readiness(&estate.app, 200).await;
}

#[tokio::test]
async fn notices_and_notifications_are_nodes_with_their_own_access_rules() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let json = publish(
        &estate,
        "admin",
        notice("For A", json!({ "buildingIds": [a.to_string()] })),
    )
    .await;
    let notice_id = json["data"]["publishNotice"]["notice"]["id"].clone();
    let node = "query($id: ID!) { node(id: $id) { __typename id ... on Notice { title } ... on Notification { title subject { ... on Notice { id } } } } }";
    let json = estate
        .run("resident", node, json!({ "id": notice_id }))
        .await;
    assert_eq!(json["data"]["node"]["title"], "For A", "{json}");
    let json = estate
        .run("residentB", node, json!({ "id": notice_id }))
        .await;
    assert_eq!(json["data"]["node"], Value::Null, "{json}");
    // The resident's own notification: theirs only.
    let json = estate
        .run(
            "resident",
            "{ notifications(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let mine = json["data"]["notifications"]["edges"][0]["node"]["id"].clone();
    let json = estate.run("resident", node, json!({ "id": mine })).await;
    assert_eq!(json["data"]["node"]["__typename"], "Notification", "{json}");
    assert_eq!(json["data"]["node"]["subject"]["id"], notice_id, "{json}");
    let json = estate.run("resident2", node, json!({ "id": mine })).await;
    assert_eq!(json["data"]["node"], Value::Null, "{json}");
    let json = estate.run("admin", node, json!({ "id": mine })).await;
    assert_eq!(
        json["data"]["node"],
        Value::Null,
        "not even administrators read inboxes"
    );
}

#[tokio::test]
async fn an_unknown_category_or_subject_never_fails_the_inbox() {
    let estate = Estate::new().await;
    publish(&estate, "admin", notice("Known", json!({ "estate": true }))).await;
    let resident = crate::estate::user_by_email(&estate.app, "resident1@demo.test").await;
    // A row as a newer version might write it.
    entity::notification::Entity::insert(entity::notification::ActiveModel {
        id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
        user_id: sea_orm::ActiveValue::Set(resident.id),
        seq: sea_orm::ActiveValue::Set(1_000),
        category: sea_orm::ActiveValue::Set("PARKING".to_owned()),
        priority: sea_orm::ActiveValue::Set("CRITICAL".to_owned()),
        kind: sea_orm::ActiveValue::Set("SPACE_ASSIGNED".to_owned()),
        title: sea_orm::ActiveValue::Set("Your space".to_owned()),
        text: sea_orm::ActiveValue::Set("P-12".to_owned()),
        subject_type: sea_orm::ActiveValue::Set("PARKING_SPACE".to_owned()),
        subject_id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
        created_at: sea_orm::ActiveValue::Set(chrono::Utc::now()),
        read_at: sea_orm::ActiveValue::Set(None),
        removed_at: sea_orm::ActiveValue::Set(None),
    })
    .exec(&estate.app.state.db)
    .await
    .unwrap();
    let json = estate
        .run(
            "resident",
            "{ notifications(first: 5) { edges { node { title category priority subjectType subject { __typename } } } } }",
            json!({}),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let edges = json["data"]["notifications"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2, "{json}");
    assert_eq!(
        edges[0]["node"],
        json!({ "title": "Your space", "category": "OTHER", "priority": "NORMAL",
                "subjectType": "PARKING_SPACE", "subject": null })
    );
    assert_eq!(edges[1]["node"]["subject"]["__typename"], "Notice");
}

#[tokio::test]
async fn a_resident_who_moves_out_stops_receiving_that_buildings_notices_live() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let token = estate.tokens["resident"].clone();
    let mut ws = estate.app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    // Replaying from the very start makes the subscription deterministic: every event committed
    // from here on arrives, whether by replay or live.
    ws.subscribe(
        "n",
        "subscription($a: String) { noticePublished(after: $a) { notice { title } } }",
        json!({ "a": Uuid::nil().to_string() }),
    )
    .await;
    let for_a = |title: &str| notice(title, json!({ "buildingIds": [a.to_string()] }));
    publish(&estate, "admin", for_a("Before")).await;
    let title = |m: Value| m["payload"]["data"]["noticePublished"]["notice"]["title"].clone();
    assert_eq!(title(ws.recv().await), "Before");
    // The resident's residency ends today; the open subscription sees the change at once.
    let today = estate.app.state.clock.today().to_string();
    end_residency(&estate, "resident1@demo.test", &today).await;
    publish(&estate, "admin", for_a("After moving out")).await;
    publish(
        &estate,
        "admin",
        notice("Everyone", json!({ "estate": true })),
    )
    .await;
    assert_eq!(
        title(ws.recv().await),
        "Everyone",
        "the building's notice after moving out is not delivered"
    );
}

#[tokio::test]
async fn a_subscriber_whose_residency_ends_tomorrow_stops_receiving_once_the_clock_passes_it() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let mut ws = from_the_start(
        &estate.app,
        &estate.tokens["resident"],
        "n",
        "subscription($a: String) { noticePublished(after: $a) { notice { title } } }",
    )
    .await;
    let for_a = |title: &str| notice(title, json!({ "buildingIds": [a.to_string()] }));
    let title = |m: Value| m["payload"]["data"]["noticePublished"]["notice"]["title"].clone();
    // The residency ends tomorrow: the change is announced now, while it still counts.
    let tomorrow = (estate.app.state.clock.today() + chrono::Duration::days(1)).to_string();
    end_residency(&estate, "resident1@demo.test", &tomorrow).await;
    publish(&estate, "admin", for_a("Still home")).await;
    assert_eq!(title(ws.recv().await), "Still home");
    // Two days on no access change is announced, yet the subscriber's scope is judged on the
    // clock's new day: the building's notices stop.
    estate.app.state.clock.advance(chrono::Duration::days(2));
    publish(&estate, "admin", for_a("After moving out")).await;
    publish(
        &estate,
        "admin",
        notice("Everyone", json!({ "estate": true })),
    )
    .await;
    assert_eq!(
        title(ws.recv().await),
        "Everyone",
        "the building's notice after the residency ended is not delivered"
    );
}

#[tokio::test]
async fn a_replay_never_serves_a_withdrawn_notice_again() {
    let estate = Estate::new().await;
    let all = json!({ "estate": true });
    let json = publish(&estate, "admin", notice("Wrong date", all.clone())).await;
    let wrong = json["data"]["publishNotice"]["notice"]["id"].clone();
    publish(&estate, "admin", notice("Right date", all.clone())).await;
    let json = estate
        .run(
            "admin",
            "mutation($id: ID!) { withdrawNotice(input: { id: $id }) { notice { status } } }",
            json!({ "id": wrong }),
        )
        .await;
    assert_eq!(
        json["data"]["withdrawNotice"]["notice"]["status"],
        "WITHDRAWN"
    );
    let mut ws = from_the_start(
        &estate.app,
        &estate.tokens["resident"],
        "n",
        "subscription($a: String) { noticePublished(after: $a) { kind noticeId notice { title } } }",
    )
    .await;
    publish(&estate, "admin", notice("Live one", all)).await;
    let mut events = Vec::new();
    for _ in 0..3 {
        let message = ws.recv().await;
        let event = &message["payload"]["data"]["noticePublished"];
        events.push((event["kind"].clone(), event["notice"]["title"].clone()));
    }
    // The withdrawal is replayed (by id only); the withdrawn notice never is.
    assert_eq!(
        events,
        [
            (json!("NOTICE_PUBLISHED"), json!("Right date")),
            (json!("NOTICE_WITHDRAWN"), Value::Null),
            (json!("NOTICE_PUBLISHED"), json!("Live one")),
        ]
    );
}

const INBOX_LIVE: &str = "subscription($a: String) { notificationReceived(after: $a) { cursor kind notification { id title subject { ... on Notice { id } } } } }";

/// The next inbox event on `ws`: (kind, title, cursor).
async fn inbox_event(ws: &mut WsClient) -> (String, String, String) {
    let message = ws.recv().await;
    let event = &message["payload"]["data"]["notificationReceived"];
    let text = |v: &Value| v.as_str().unwrap_or_else(|| panic!("{message}")).to_owned();
    (
        text(&event["kind"]),
        text(&event["notification"]["title"]),
        text(&event["cursor"]),
    )
}

#[tokio::test]
async fn withdrawing_a_notice_removes_it_from_inboxes_boards_and_replays() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let token = estate.tokens["resident"].clone();
    let mut inbox = from_the_start(&estate.app, &token, "i", INBOX_LIVE).await;
    let board_query = "subscription($a: String) { noticePublished(after: $a) { kind noticeId notice { title } } }";
    let mut board = from_the_start(&estate.app, &token, "b", board_query).await;
    let mut other_board =
        from_the_start(&estate.app, &estate.tokens["residentB"], "b", board_query).await;

    let json = publish(
        &estate,
        "admin",
        notice("Wrong date", json!({ "buildingIds": [a] })),
    )
    .await;
    let wrong = json["data"]["publishNotice"]["notice"]["id"].clone();
    publish(
        &estate,
        "admin",
        notice("Right date", json!({ "estate": true })),
    )
    .await;
    let (kind, title, first_cursor) = inbox_event(&mut inbox).await;
    assert_eq!(
        (kind.as_str(), title.as_str()),
        ("NOTIFICATION_RECEIVED", "Wrong date")
    );
    assert_eq!(inbox_event(&mut inbox).await.1, "Right date");
    for _ in 0..2 {
        board.recv().await;
    }
    let unread = || estate.run("resident", "{ unreadNotificationCount }", json!({}));
    assert_eq!(unread().await["data"]["unreadNotificationCount"], 2);
    let recipients = notification_count(&estate, wrong.as_str().unwrap()).await;

    let json = estate
        .run(
            "admin",
            "mutation($id: ID!) { withdrawNotice(input: { id: $id }) { notice { status } } }",
            json!({ "id": wrong }),
        )
        .await;
    assert_eq!(
        json["data"]["withdrawNotice"]["notice"]["status"], "WITHDRAWN",
        "{json}"
    );

    // Live: the inbox gets the removal, the board the withdrawal.
    let (kind, title, removed_cursor) = inbox_event(&mut inbox).await;
    assert_eq!(
        (kind.as_str(), title.as_str()),
        ("NOTIFICATION_REMOVED", "Wrong date")
    );
    let message = board.recv().await;
    let event = &message["payload"]["data"]["noticePublished"];
    assert_eq!(event["kind"], "NOTICE_WITHDRAWN", "{message}");
    assert_eq!(event["noticeId"], wrong);
    assert!(event["notice"].is_null(), "{message}");

    // The inbox no longer lists or counts it, for any recipient; nothing was deleted.
    assert_eq!(unread().await["data"]["unreadNotificationCount"], 1);
    let json = estate
        .run(
            "resident",
            "{ notifications(first: 10) { totalCount edges { node { title } } } }",
            json!({}),
        )
        .await;
    assert_eq!(json["data"]["notifications"]["totalCount"], 1, "{json}");
    assert_eq!(
        json["data"]["notifications"]["edges"][0]["node"]["title"],
        "Right date"
    );
    let removed = entity::notification::Entity::find()
        .filter(
            entity::notification::Column::SubjectId
                .eq(Uuid::parse_str(wrong.as_str().unwrap()).unwrap()),
        )
        .filter(entity::notification::Column::RemovedAt.is_not_null())
        .count(&estate.app.state.db)
        .await
        .unwrap();
    assert_eq!(removed, recipients);
    assert_eq!(
        estate
            .run("staff", "{ unreadNotificationCount }", json!({}))
            .await["data"]["unreadNotificationCount"],
        1,
        "staff serving the building lose it too"
    );

    // Replays, from before the notification and from the notification itself, give the
    // removal once and never the notification as new.
    publish(
        &estate,
        "admin",
        notice("Live one", json!({ "estate": true })),
    )
    .await;
    for (after, expected) in [
        (
            Uuid::nil().to_string(),
            vec![
                ("NOTIFICATION_RECEIVED", "Right date"),
                ("NOTIFICATION_REMOVED", "Wrong date"),
                ("NOTIFICATION_RECEIVED", "Live one"),
            ],
        ),
        (
            first_cursor.clone(),
            vec![
                ("NOTIFICATION_RECEIVED", "Right date"),
                ("NOTIFICATION_REMOVED", "Wrong date"),
                ("NOTIFICATION_RECEIVED", "Live one"),
            ],
        ),
        (
            removed_cursor.clone(),
            vec![("NOTIFICATION_RECEIVED", "Live one")],
        ),
    ] {
        let mut ws = estate.app.ws().await;
        ws.init(json!({ "Authorization": format!("Bearer {token}") }))
            .await;
        ws.subscribe("r", INBOX_LIVE, json!({ "a": after })).await;
        let mut got = Vec::new();
        for _ in 0..expected.len() {
            let (kind, title, _) = inbox_event(&mut ws).await;
            got.push((kind, title));
        }
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, t)| ((*k).to_owned(), (*t).to_owned()))
            .collect();
        assert_eq!(got, expected, "replay after {after}");
    }
    // The live subscriber goes on in order too.
    assert_eq!(inbox_event(&mut inbox).await.1, "Live one");

    // A board outside the audience never hears of the withdrawal: its next event is the next
    // notice addressed to it.
    let message = other_board.recv().await;
    assert_eq!(
        message["payload"]["data"]["noticePublished"]["notice"]["title"], "Right date",
        "{message}"
    );
    let message = other_board.recv().await;
    assert_eq!(
        message["payload"]["data"]["noticePublished"]["notice"]["title"], "Live one",
        "{message}"
    );
}

#[tokio::test]
async fn a_withdrawal_costs_the_same_statements_for_one_recipient_and_for_the_estate() {
    let estate = Estate::new().await;
    let home = crate::estate::home_unit(&estate.app, "resident2@demo.test").await;
    let withdraw =
        "mutation($id: ID!) { withdrawNotice(input: { id: $id }) { notice { status } } }";
    let mut costs = Vec::new();
    for audience in [json!({ "unitIds": [home] }), json!({ "estate": true })] {
        let json = publish(&estate, "admin", notice("Taken back", audience)).await;
        let id = json["data"]["publishNotice"]["notice"]["id"].clone();
        let before = estate
            .app
            .statements
            .load(std::sync::atomic::Ordering::SeqCst);
        let json = estate.run("admin", withdraw, json!({ "id": id })).await;
        assert!(json["errors"].is_null(), "{json}");
        costs.push(
            estate
                .app
                .statements
                .load(std::sync::atomic::Ordering::SeqCst)
                - before,
        );
    }
    assert_eq!(
        costs[0], costs[1],
        "statements must not grow with the audience"
    );
}

#[tokio::test]
async fn the_home_page_costs_the_same_statements_for_3_and_30_notices() {
    let estate = Estate::with(|c| c.dataloader_window = Duration::from_millis(50)).await;
    let a = building_of(&estate, "resident1@demo.test").await;
    for i in 0..30 {
        let audience = if i % 2 == 0 {
            json!({ "estate": true })
        } else {
            json!({ "buildingIds": [a.to_string()] })
        };
        let json = publish(&estate, "admin", notice(&format!("Notice {i}"), audience)).await;
        let id = json["data"]["publishNotice"]["notice"]["id"].clone();
        if i % 3 == 0 {
            let mut correction =
                notice(&format!("Notice {i} corrected"), json!({ "estate": true }));
            correction["i"]["supersedes"] = id;
            publish(&estate, "admin", correction).await;
        }
    }
    let home = "query($n: Int) { viewer { displayName } notices(first: $n) { edges { node { id title author { displayName } viewerReceipt { readAt } supersedes { id } supersededBy { id title } } } } notifications(first: $n) { edges { node { id category subject { ... on Notice { id viewerReceipt { acknowledgedAt } } } } } } unreadNotificationCount }";
    let token = estate.tokens["resident"].clone();
    let count = |n: i64| {
        let (app, token) = (&estate.app, token.clone());
        async move {
            let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
            let (_, json) = app.graphql(home, json!({ "n": n }), Some(&token)).await;
            assert!(json["errors"].is_null(), "{json}");
            let edges = json["data"]["notices"]["edges"].as_array().unwrap().len();
            assert_eq!(edges as i64, n);
            app.statements.load(std::sync::atomic::Ordering::SeqCst) - before
        }
    };
    let three = count(3).await;
    let thirty = count(30).await;
    assert_eq!(three, thirty, "statements must not grow with the page size");
    assert!(thirty <= 16, "{thirty} statements for the home page");
}

#[tokio::test]
async fn a_notice_shows_its_author_audience_and_your_receipt_to_those_allowed() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let home = crate::estate::home_unit(&estate.app, "resident2@demo.test").await;
    let audience = json!({
        "buildingIds": [a.to_string()],
        "floors": [{ "buildingId": a.to_string(), "floor": 3 }],
        "unitIds": [home.to_string()],
        "roles": ["MERCHANT"],
    });
    let mut input = notice("Everything", audience);
    input["i"]["requiresAck"] = json!(true);
    let json = publish(&estate, "admin", input).await;
    let id = json["data"]["publishNotice"]["notice"]["id"].clone();
    let query = "query($id: ID!) { notice(id: $id) { author { displayName user { id } } audience { estate buildings { id } floors { building { id } floor } units { id } roles } viewerReceipt { readAt acknowledgedAt } } }";

    // Publishers see the audience and, as administrators, the author's account.
    let json = estate.run("admin", query, json!({ "id": id })).await;
    let node = &json["data"]["notice"];
    assert_eq!(node["author"]["displayName"], "Estate Manager", "{json}");
    assert!(node["author"]["user"]["id"].is_string(), "{json}");
    assert_eq!(
        node["audience"],
        json!({
            "estate": false,
            "buildings": [{ "id": a.to_string() }],
            "floors": [{ "building": { "id": a.to_string() }, "floor": 3 }],
            "units": [{ "id": home.to_string() }],
            "roles": ["MERCHANT"],
        })
    );
    // A manager (a publisher) sees the audience too, not the author's account.
    let json = estate.run("manager", query, json!({ "id": id })).await;
    assert!(
        json["data"]["notice"]["audience"]["buildings"].is_array(),
        "{json}"
    );
    assert_eq!(json["data"]["notice"]["author"]["user"], Value::Null);

    // A reader sees the author's name only, no audience, and their own receipt as it changes.
    let json = estate.run("resident", query, json!({ "id": id })).await;
    let node = &json["data"]["notice"];
    assert_eq!(
        node["author"],
        json!({ "displayName": "Estate Manager", "user": null })
    );
    assert_eq!(node["audience"], Value::Null);
    assert_eq!(node["viewerReceipt"], Value::Null, "not read yet");
    estate
        .run(
            "resident",
            "mutation($id: ID!) { markNoticeRead(input: { noticeId: $id }) { readAt } }",
            json!({ "id": id }),
        )
        .await;
    let json = estate.run("resident", query, json!({ "id": id })).await;
    let receipt = &json["data"]["notice"]["viewerReceipt"];
    assert!(receipt["readAt"].is_string(), "{json}");
    assert_eq!(
        receipt["acknowledgedAt"],
        Value::Null,
        "still to acknowledge"
    );
    // Another reader's receipt is their own.
    let json = estate.run("resident2", query, json!({ "id": id })).await;
    assert_eq!(
        json["data"]["notice"]["viewerReceipt"],
        Value::Null,
        "{json}"
    );
}

/// Every cell of the README's "Who sees what: notices and notifications" table.
#[tokio::test]
async fn who_sees_what_on_the_board_and_in_the_inbox() {
    let estate = Estate::new().await;
    let a = building_of(&estate, "resident1@demo.test").await;
    let staff = crate::estate::user_by_email(&estate.app, "staff2@demo.test").await;
    let record = entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::UserId.eq(staff.id))
        .one(&estate.app.state.db)
        .await
        .unwrap()
        .unwrap();
    // staff2 serves building A in the demo estate.
    let serves_a = entity::staff_building::Entity::find()
        .filter(entity::staff_building::Column::StaffId.eq(record.id))
        .filter(entity::staff_building::Column::BuildingId.eq(a))
        .one(&estate.app.state.db)
        .await
        .unwrap();
    assert!(serves_a.is_some(), "demo: staff2 serves building A");

    let for_a = publish(
        &estate,
        "admin",
        notice("For A", json!({ "buildingIds": [a.to_string()] })),
    )
    .await["data"]["publishNotice"]["notice"]["id"]
        .clone();
    let to_merchants = publish(
        &estate,
        "admin",
        notice("For merchants", json!({ "roles": ["MERCHANT"] })),
    )
    .await["data"]["publishNotice"]["notice"]["id"]
        .clone();
    let draft = estate
        .run(
            "admin",
            "mutation($i: PublishNoticeInput!) { createNoticeDraft(input: $i) { notice { id } } }",
            notice("Draft", json!({ "estate": true })),
        )
        .await["data"]["createNoticeDraft"]["notice"]["id"]
        .clone();
    let to_supervisors = publish(
        &estate,
        "admin",
        notice("For supervisors", json!({ "roles": ["SUPERVISOR"] })),
    )
    .await["data"]["publishNotice"]["notice"]["id"]
        .clone();
    let resident_notification = estate
        .run(
            "resident",
            "{ notifications(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["data"]["notifications"]["edges"][0]["node"]["id"]
        .clone();
    assert!(resident_notification.is_string());

    let shared = &estate;
    let board = |role: &'static str| async move {
        shared
            .run(role, "{ notices(first: 50) { edges { node { id audience { estate } author { user { id } } } } } }", json!({}))
            .await
    };
    let ids = |json: &Value| -> Vec<Value> {
        json["data"]["notices"]["edges"]
            .as_array()
            .map(|e| e.iter().map(|e| e["node"]["id"].clone()).collect())
            .unwrap_or_default()
    };
    let stats = "query($id: ID!) { noticeReceiptStats(noticeId: $id) { readCount } }";
    let node = "query($id: ID!) { node(id: $id) { id } }";
    let code = |json: &Value| json["errors"][0]["extensions"]["code"].clone();

    // Administrator: everything, drafts too, audience and the author's account.
    let json = board("admin").await;
    let seen = ids(&json);
    for id in [&for_a, &to_merchants, &draft, &to_supervisors] {
        assert!(seen.contains(id), "admin sees {id}: {json}");
    }
    let first = &json["data"]["notices"]["edges"][0]["node"];
    assert!(
        first["audience"].is_object() && first["author"]["user"].is_object(),
        "{json}"
    );
    assert!(estate.run("admin", stats, json!({ "id": for_a })).await["errors"].is_null());
    assert_eq!(
        estate
            .run("admin", node, json!({ "id": resident_notification }))
            .await["data"]["node"],
        Value::Null,
        "not another user's inbox"
    );

    // Manager: what is addressed to them, audience yes, account no; counts yes.
    let json = board("manager").await;
    let seen = ids(&json);
    assert!(seen.contains(&for_a) && !seen.contains(&draft) && !seen.contains(&to_merchants));
    let first = &json["data"]["notices"]["edges"][0]["node"];
    assert!(first["audience"].is_object(), "{json}");
    assert_eq!(first["author"]["user"], Value::Null);
    assert!(estate.run("manager", stats, json!({ "id": for_a })).await["errors"].is_null());

    // Staff (active): their buildings' notices, no audience, no counts, no publishing.
    let json = board("staff").await;
    assert_eq!(ids(&json), std::slice::from_ref(&for_a), "{json}");
    assert_eq!(
        json["data"]["notices"]["edges"][0]["node"]["audience"],
        Value::Null
    );
    assert_eq!(
        code(&estate.run("staff", stats, json!({ "id": for_a })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(
            &publish(
                &estate,
                "staff",
                notice("x", json!({ "buildingIds": [a.to_string()] }))
            )
            .await
        ),
        "FORBIDDEN"
    );

    // Resident: their homes' notices only; no counts; no publishing; own inbox only.
    let json = board("resident").await;
    assert_eq!(ids(&json), std::slice::from_ref(&for_a), "{json}");
    assert_eq!(
        json["data"]["notices"]["edges"][0]["node"]["audience"],
        Value::Null
    );
    assert_eq!(
        code(&estate.run("resident", stats, json!({ "id": for_a })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        estate.run("resident", node, json!({ "id": draft })).await["data"]["node"],
        Value::Null,
        "a draft is not a resident's"
    );
    assert_eq!(
        estate
            .run("resident2", node, json!({ "id": resident_notification }))
            .await["data"]["node"],
        Value::Null
    );
    // Residents of another building: not A's notice.
    assert!(ids(&board("residentB").await).is_empty());

    // Supervisor and merchant: what is addressed to their roles.
    assert_eq!(
        ids(&board("supervisor").await),
        std::slice::from_ref(&to_supervisors)
    );
    assert_eq!(
        ids(&board("merchant").await),
        std::slice::from_ref(&to_merchants)
    );
    assert_eq!(
        code(
            &estate
                .run("merchant", stats, json!({ "id": to_merchants }))
                .await
        ),
        "FORBIDDEN"
    );

    // Anonymous: nothing.
    for query in [
        "{ notices { edges { cursor } } }",
        "{ notifications { edges { cursor } } }",
        "{ unreadNotificationCount }",
    ] {
        let (_, json) = estate.app.graphql(query, json!({}), None).await;
        assert_eq!(code(&json), "UNAUTHENTICATED", "{query}: {json}");
    }

    // Staff who are not ACTIVE serve no building: a suspended staff member loses A's notices.
    let json = estate
        .run(
            "admin",
            "mutation($id: ID!) { updateStaffRecord(input: { id: $id, status: SUSPENDED }) { staffRecord { status } } }",
            json!({ "id": record.id.to_string() }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    assert!(
        ids(&board("staff").await).is_empty(),
        "suspended staff see no building's notices"
    );
}

#[tokio::test]
async fn parallel_receipts_mutes_and_withdrawals_change_things_once() {
    let estate = Estate::new().await;
    let mut busy = notice("Busy", json!({ "estate": true }));
    busy["i"]["requiresAck"] = json!(true);
    let json = publish(&estate, "admin", busy).await;
    let id = json["data"]["publishNotice"]["notice"]["id"].clone();
    // Ten acknowledgements at once from one user (two tabs, a double click): all succeed, one
    // receipt, one time.
    let ack = "mutation($id: ID!) { acknowledgeNotice(input: { noticeId: $id }) { readAt acknowledgedAt } }";
    let runs = (0..10).map(|_| estate.run("resident", ack, json!({ "id": id })));
    let answers = futures_util::future::join_all(runs).await;
    for json in &answers {
        assert!(json["errors"].is_null(), "{json}");
    }
    let times: std::collections::HashSet<String> = answers
        .iter()
        .map(|j| j["data"]["acknowledgeNotice"]["acknowledgedAt"].to_string())
        .collect();
    assert_eq!(times.len(), 1, "one acknowledgement time: {times:?}");
    let stats = estate
        .run(
            "admin",
            "query($id: ID!) { noticeReceiptStats(noticeId: $id) { readCount acknowledgedCount } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        stats["data"]["noticeReceiptStats"],
        json!({ "readCount": 1, "acknowledgedCount": 1 })
    );
    // Mutes set in parallel: no error, one consistent set.
    let mute =
        "mutation { setNotificationMutes(input: { categories: [NOTICE, SURVEY] }) { categories } }";
    let answers =
        futures_util::future::join_all((0..6).map(|_| estate.run("resident", mute, json!({}))))
            .await;
    for json in &answers {
        assert!(json["errors"].is_null(), "{json}");
    }
    // Five withdrawals at once: one withdrawal event.
    let withdraw =
        "mutation($id: ID!) { withdrawNotice(input: { id: $id }) { notice { status } } }";
    let answers = futures_util::future::join_all(
        (0..5).map(|_| estate.run("admin", withdraw, json!({ "id": id }))),
    )
    .await;
    for json in &answers {
        assert_eq!(
            json["data"]["withdrawNotice"]["notice"]["status"], "WITHDRAWN",
            "{json}"
        );
    }
    let withdrawals = entity::event::Entity::find()
        .filter(entity::event::Column::Kind.eq("NOTICE_WITHDRAWN"))
        .count(&estate.app.state.db)
        .await
        .unwrap();
    assert_eq!(withdrawals, 1);
}

#[tokio::test]
async fn a_manager_who_loses_the_post_stops_receiving_receipt_counts() {
    let estate = Estate::new().await;
    // To a building the manager serves: managers watch the counts of notices they could have
    // published.
    let building = building_of(&estate, "resident1@demo.test").await;
    let json = publish(
        &estate,
        "admin",
        notice("Lift", json!({ "buildingIds": [building] })),
    )
    .await;
    let id = json["data"]["publishNotice"]["notice"]["id"].clone();
    let token = estate.tokens["manager"].clone();
    let mut ws = estate.app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {token}") }))
        .await;
    ws.subscribe(
        "s",
        "subscription($id: ID!) { noticeReceiptsChanged(noticeId: $id) { readCount } }",
        json!({ "id": id }),
    )
    .await;
    let first = ws.recv().await;
    assert_eq!(
        first["payload"]["data"]["noticeReceiptsChanged"]["readCount"],
        0
    );
    let read = "mutation($id: ID!) { markNoticeRead(input: { noticeId: $id }) { readAt } }";
    estate.run("resident", read, json!({ "id": id })).await;
    let next = ws.recv().await;
    assert_eq!(
        next["payload"]["data"]["noticeReceiptsChanged"]["readCount"],
        1
    );

    // The manager becomes a cleaner while the socket stays open.
    let manager = crate::estate::user_by_email(&estate.app, "staff12@demo.test").await;
    let record = entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::UserId.eq(manager.id))
        .one(&estate.app.state.db)
        .await
        .unwrap()
        .unwrap();
    let json = estate
        .run(
            "admin",
            "mutation($id: ID!) { updateStaffRecord(input: { id: $id, post: CLEANER }) { staffRecord { post } } }",
            json!({ "id": record.id.to_string() }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    estate.run("resident2", read, json!({ "id": id })).await;
    let refused = ws.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    let done = ws.recv().await;
    assert_eq!(done["type"], "complete", "{done}");
}

#[tokio::test]
async fn a_notice_and_its_notification_share_one_read_state() {
    let estate = Estate::new().await;
    let mut first = notice("First", json!({ "estate": true }));
    first["i"]["body"] = json!(
        "## Heating test\n\n**Radiators** may knock between 9:00 and 11:00; see [the plan](https://example.test/plan). Nothing to do."
    );
    let one =
        publish(&estate, "admin", first).await["data"]["publishNotice"]["notice"]["id"].clone();
    let two = publish(
        &estate,
        "admin",
        notice("Second", json!({ "estate": true })),
    )
    .await["data"]["publishNotice"]["notice"]["id"]
        .clone();
    let unread = "{ unreadNotificationCount }";
    let count = |json: Value| json["data"]["unreadNotificationCount"].clone();
    assert_eq!(count(estate.run("resident", unread, json!({})).await), 2);

    // Reading the notice reads its notification.
    estate
        .run(
            "resident",
            "mutation($id: ID!) { markNoticeRead(input: { noticeId: $id }) { readAt } }",
            json!({ "id": one }),
        )
        .await;
    assert_eq!(count(estate.run("resident", unread, json!({})).await), 1);

    // Reading the notification reads its notice: the publishers' counts move.
    let json = estate
        .run(
            "resident",
            "{ notifications(first: 5, unreadOnly: true) { edges { node { id text subject { ... on Notice { id } } } } } }",
            json!({}),
        )
        .await;
    let edge = &json["data"]["notifications"]["edges"][0]["node"];
    assert_eq!(edge["subject"]["id"], two, "{json}");
    estate
        .run(
            "resident",
            "mutation($ids: [ID!]) { markNotificationsRead(input: { ids: $ids }) { marked } }",
            json!({ "ids": [edge["id"]] }),
        )
        .await;
    let stats = estate
        .run(
            "admin",
            "query($id: ID!) { noticeReceiptStats(noticeId: $id) { readCount } }",
            json!({ "id": two }),
        )
        .await;
    assert_eq!(
        stats["data"]["noticeReceiptStats"]["readCount"], 1,
        "{stats}"
    );
    let json = estate
        .run(
            "resident",
            "query($id: ID!) { notice(id: $id) { viewerReceipt { readAt } } }",
            json!({ "id": two }),
        )
        .await;
    assert!(
        json["data"]["notice"]["viewerReceipt"]["readAt"].is_string(),
        "{json}"
    );

    // The notification's text is a plain excerpt, not Markdown.
    let json = estate
        .run(
            "resident",
            "{ notifications(first: 5) { edges { node { title text } } } }",
            json!({}),
        )
        .await;
    let first = json["data"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["title"] == "First")
        .unwrap()["node"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        first.starts_with("Heating test Radiators may knock")
            && !first.contains(['#', '*', '[', '(']),
        "{first}"
    );

    // Acknowledging a notice that asks for no acknowledgement is refused and counts nothing.
    let json = estate
        .run(
            "resident",
            "mutation($id: ID!) { acknowledgeNotice(input: { noticeId: $id }) { acknowledgedAt } }",
            json!({ "id": one }),
        )
        .await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "INVALID_STATE",
        "{json}"
    );
    let stats = estate
        .run(
            "admin",
            "query($id: ID!) { noticeReceiptStats(noticeId: $id) { acknowledgedCount } }",
            json!({ "id": one }),
        )
        .await;
    assert_eq!(stats["data"]["noticeReceiptStats"]["acknowledgedCount"], 0);
}

#[tokio::test]
async fn managers_manage_only_the_notices_they_could_have_published() {
    let estate = Estate::new().await;
    let building = building_of(&estate, "resident1@demo.test").await;
    let estate_wide = publish(
        &estate,
        "admin",
        notice("Typhoon", json!({ "estate": true })),
    )
    .await["data"]["publishNotice"]["notice"]["id"]
        .clone();
    let in_building = publish(
        &estate,
        "admin",
        notice("Lift", json!({ "buildingIds": [building] })),
    )
    .await["data"]["publishNotice"]["notice"]["id"]
        .clone();
    let draft = estate
        .run(
            "admin",
            "mutation($i: PublishNoticeInput!) { createNoticeDraft(input: $i) { notice { id } } }",
            notice("Draft", json!({ "buildingIds": [building] })),
        )
        .await["data"]["createNoticeDraft"]["notice"]["id"]
        .clone();
    let stats = "query($id: ID!) { noticeReceiptStats(noticeId: $id) { readCount } }";
    let units = "query($id: ID!) { unacknowledgedUnits(noticeId: $id) { id } }";
    let withdraw =
        "mutation($id: ID!) { withdrawNotice(input: { id: $id }) { notice { status } } }";
    let publish_draft =
        "mutation($id: ID!) { publishNoticeDraft(input: { id: $id }) { notice { status } } }";
    // An estate-wide notice is not theirs to manage, nor an administrator's draft.
    for (query, id) in [
        (stats, &estate_wide),
        (units, &estate_wide),
        (withdraw, &estate_wide),
        (publish_draft, &draft),
    ] {
        let json = estate.run("manager", query, json!({ "id": id })).await;
        assert_eq!(
            json["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{query}: {json}"
        );
    }
    // A notice to a building they serve is.
    let json = estate
        .run("manager", stats, json!({ "id": in_building }))
        .await;
    assert_eq!(json["data"]["noticeReceiptStats"]["readCount"], 0, "{json}");
    let json = estate
        .run("manager", withdraw, json!({ "id": in_building }))
        .await;
    assert_eq!(
        json["data"]["withdrawNotice"]["notice"]["status"], "WITHDRAWN",
        "{json}"
    );
    // Administrators manage everything; other staff nothing.
    let json = estate
        .run("admin", stats, json!({ "id": estate_wide }))
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let json = estate
        .run("staff", stats, json!({ "id": estate_wide }))
        .await;
    assert_eq!(
        json["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{json}"
    );
}

/// The board document the shared subscription tests run: no cursor, nothing of the viewer.
const SHARED_BOARD: &str = "subscription { noticePublished { cursor kind notice { title } } }";

/// Waits (bounded by [`crate::helpers::WAIT`]) until `value` reads `expected`.
async fn until_metric(what: &str, expected: i64, value: impl Fn() -> i64) {
    let reached = tokio::time::timeout(crate::helpers::WAIT, async {
        while value() != expected {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        reached.is_ok(),
        "{what} never reached {expected}: it reads {}",
        value()
    );
}

/// A socket signed in as `role`, running `query` (no variables) as operation `id`.
async fn subscribed(estate: &Estate, role: &str, id: &str, query: &str) -> WsClient {
    let mut ws = estate.app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {}", estate.tokens[role]) }))
        .await;
    ws.subscribe(id, query, json!({})).await;
    ws
}

/// Proves the live board subscription `id` on `ws` (run without a cursor, so live from the
/// end of its set-up) is running: publishes estate-wide `Warm-up #n` notices as the
/// administrator until one arrives, then reads up to the last one sent. Returns every title
/// sent, in order.
async fn warm_up_board(estate: &Estate, ws: &mut WsClient, id: &str) -> Vec<String> {
    let mut sent = Vec::new();
    let mut first = None;
    while first.is_none() {
        assert!(
            sent.len() < WARM_UP_ATTEMPTS,
            "the subscription never went live: none of {} warm-up notices arrived",
            sent.len()
        );
        let title = format!("Warm-up #{}", sent.len() + 1);
        let json = publish(estate, "admin", notice(&title, json!({ "estate": true }))).await;
        assert!(json["errors"].is_null(), "{json}");
        sent.push(title);
        first = tokio::time::timeout(WARM_UP_WAIT, next_of(ws, id))
            .await
            .ok();
    }
    let mut event = first.unwrap();
    while event["notice"]["title"] != sent.last().unwrap().as_str() {
        let title = event["notice"]["title"].as_str().unwrap_or_default();
        assert!(title.starts_with("Warm-up #"), "{event}");
        event = next_of(ws, id).await;
    }
    sent
}

/// The next `next` message of operation `id`, skipping other operations' messages.
async fn next_of(ws: &mut WsClient, id: &str) -> Value {
    loop {
        let message = ws.recv().await;
        if message["id"] == id {
            assert_eq!(message["type"], "next", "{message}");
            return message["payload"]["data"]["noticePublished"].clone();
        }
    }
}

#[tokio::test]
async fn sockets_running_one_board_document_share_one_group_and_each_gets_only_its_own() {
    let estate = Estate::new().await;
    let metrics = estate.app.state.metrics.clone();
    let bus = estate.app.state.bus.clone();
    let topics_before = bus.local_topics() as i64;
    let a = building_of(&estate, "resident1@demo.test").await;
    let mut resident = subscribed(&estate, "resident", "n", SHARED_BOARD).await;
    let mut resident_b = subscribed(&estate, "residentB", "n", SHARED_BOARD).await;
    let mut admin = subscribed(&estate, "admin", "n", SHARED_BOARD).await;
    until_metric("shared subscribers", 3, || metrics.shared_members()).await;
    assert_eq!(metrics.shared_groups(), 1, "one document, one group");

    let for_a = |title: &str| notice(title, json!({ "buildingIds": [a.to_string()] }));
    let everyone = |title: &str| notice(title, json!({ "estate": true }));
    publish(&estate, "admin", for_a("Only A")).await;
    publish(&estate, "admin", everyone("Everyone")).await;
    let first = next_of(&mut resident, "n").await;
    assert_eq!(first["notice"]["title"], "Only A");
    assert_eq!(first["kind"], "NOTICE_PUBLISHED");
    let admins_first = next_of(&mut admin, "n").await;
    assert_eq!(admins_first, first, "one payload for everyone it is for");
    assert_eq!(
        next_of(&mut resident, "n").await["notice"]["title"],
        "Everyone"
    );
    assert_eq!(
        next_of(&mut admin, "n").await["notice"]["title"],
        "Everyone"
    );
    assert_eq!(
        next_of(&mut resident_b, "n").await["notice"]["title"],
        "Everyone",
        "B never saw A's notice"
    );

    // Each member is judged with its access when the event arrives: moving out stops A's
    // notices for this member at once, and only for it.
    let today = estate.app.state.clock.today().to_string();
    end_residency(&estate, "resident1@demo.test", &today).await;
    publish(&estate, "admin", for_a("After moving out")).await;
    publish(&estate, "admin", everyone("Everyone again")).await;
    assert_eq!(
        next_of(&mut resident, "n").await["notice"]["title"],
        "Everyone again",
        "the building's notice after moving out is not delivered"
    );
    assert_eq!(
        next_of(&mut admin, "n").await["notice"]["title"],
        "After moving out"
    );

    // Completing an operation leaves the group; the last member out ends it.
    resident
        .send(json!({ "id": "n", "type": "complete" }))
        .await;
    until_metric("shared subscribers", 2, || metrics.shared_members()).await;
    drop(resident_b);
    drop(admin);
    until_metric("shared subscribers", 0, || metrics.shared_members()).await;
    until_metric("shared groups", 0, || metrics.shared_groups()).await;
    until_metric(
        "topics subscribed (the group's is let go)",
        topics_before,
        || bus.local_topics() as i64,
    )
    .await;
}

#[tokio::test]
async fn board_documents_that_read_the_viewer_or_resume_run_alone_and_are_refused_alike() {
    let estate = Estate::new().await;
    let metrics = estate.app.state.metrics.clone();
    // The viewer's own receipt differs per subscriber; a cursor replays per subscriber.
    let mut receipt = subscribed(
        &estate,
        "resident",
        "r",
        "subscription { noticePublished { notice { title viewerReceipt { readAt } } } }",
    )
    .await;
    let mut resuming = from_the_start(
        &estate.app,
        &estate.tokens["resident"],
        "c",
        "subscription($a: String) { noticePublished(after: $a) { notice { title } } }",
    )
    .await;
    let mut shared = subscribed(&estate, "resident", "s", SHARED_BOARD).await;
    until_metric("shared subscribers", 1, || metrics.shared_members()).await;
    // An anonymous socket gets what the unshared operation gives it: the error, then complete.
    let mut anonymous = estate.app.ws().await;
    anonymous.init(json!({})).await;
    anonymous.subscribe("a", SHARED_BOARD, json!({})).await;
    let refused = anonymous.recv().await;
    assert_eq!(refused["type"], "next", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );
    assert_eq!(anonymous.recv().await["type"], "complete");
    // The receipt document runs alone, live from when its set-up ends, which nothing outside
    // the socket shows: warm-up notices go out until one reaches it.
    let warm_ups = warm_up_board(&estate, &mut receipt, "r").await;

    publish(
        &estate,
        "admin",
        notice("For all", json!({ "estate": true })),
    )
    .await;
    assert_eq!(
        next_of(&mut receipt, "r").await["notice"],
        json!({ "title": "For all", "viewerReceipt": null })
    );
    // The resuming socket replays every warm-up, in order, before the notice.
    for expected in warm_ups.iter().map(String::as_str).chain(["For all"]) {
        let event = resuming.recv().await;
        assert_eq!(
            event["payload"]["data"]["noticePublished"]["notice"]["title"], expected,
            "{event}"
        );
    }
    // The shared member was live before the first warm-up.
    for expected in warm_ups.iter().map(String::as_str).chain(["For all"]) {
        assert_eq!(next_of(&mut shared, "s").await["notice"]["title"], expected);
    }
    assert_eq!(
        metrics.shared_members(),
        1,
        "only the plain document shares"
    );
}

#[tokio::test]
async fn a_member_that_falls_behind_its_group_reads_what_it_missed_and_loses_nothing() {
    // A group holds one event per member; setting up takes one of two turns.
    let estate = Estate::with(|c| {
        c.ws_shared_buffer = 1;
        c.db_max_connections = 2;
    })
    .await;
    let state = estate.app.state.clone();
    let mut ws = subscribed(&estate, "resident", "n", SHARED_BOARD).await;
    until_metric("shared subscribers", 1, || state.metrics.shared_members()).await;
    // The test takes both set-up turns, then subscribes again on the same socket: its task
    // waits for a turn and takes nothing from the group meanwhile.
    let turns = (state.setup_turn().await, state.setup_turn().await);
    ws.subscribe("block", SHARED_BOARD, json!({})).await;
    for i in 1..=4 {
        publish(
            &estate,
            "admin",
            notice(&format!("n{i}"), json!({ "estate": true })),
        )
        .await;
    }
    drop(turns);
    for i in 1..=4 {
        assert_eq!(
            next_of(&mut ws, "n").await["notice"]["title"],
            format!("n{i}"),
            "every notice, in order, once"
        );
    }
    assert!(
        state.metrics.shared_fallbacks() >= 1,
        "the member fell behind and went on alone"
    );
    publish(&estate, "admin", notice("n5", json!({ "estate": true }))).await;
    assert_eq!(next_of(&mut ws, "n").await["notice"]["title"], "n5");
}
