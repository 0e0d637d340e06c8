//! Partners and perks: who sees what (every cell of the README table), the claim and
//! redemption flow with the merchant's payload inspected, bad input that writes nothing, and the
//! limits under real concurrency on both backends.

use std::collections::{BTreeSet, HashMap};

use chrono::Duration;
use futures_util::future::join_all;
use resident_hub::auth::{AuthenticatedUser, Role};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp},
};

const CREATE_PARTNER: &str = "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { partner { id name kind status inBusiness buildings { id } } } }";
const ADD_MEMBER: &str = "mutation($p: ID!, $u: ID!) { addPartnerMember(input: { partnerId: $p, userId: $u }) { partner { id members { displayName } } } }";
const REMOVE_MEMBER: &str = "mutation($p: ID!, $u: ID!) { removePartnerMember(input: { partnerId: $p, userId: $u }) { partner { id } } }";
const PARTNERS: &str = "{ partners(first: 50) { totalCount edges { node { id name contactPhone members { displayName } } } } }";
const PARTNER: &str = "query($id: ID!) { partner(id: $id) { id name members { displayName } } }";
const MY_PARTNER: &str = "{ myPartner { id name members { displayName } } }";
const CREATE_PERK: &str = "mutation($input: CreatePerkInput!) { createPerk(input: $input) { perk { id title kind open claimed remaining partnerName } } }";
const PERKS: &str = "{ perks(first: 50) { totalCount edges { node { id title redeemed } } } }";
const PERK: &str = "query($id: ID!) { perk(id: $id) { id title claimed redeemed } }";
const CLAIM: &str = "mutation($id: ID!) { claimPerk(input: { perkId: $id }) { redemption { id code status expiresAt } } }";
const REDEEM: &str = "mutation($code: String!) { redeemPerkCode(input: { code: $code }) { redemption { id code status redeemedAt residentName perk { id title } } } }";
const MINE: &str = "{ myPerkRedemptions(first: 20) { totalCount edges { node { id code status perk { title } } } } }";
const OF_PERK: &str = "query($id: ID!) { perkRedemptions(perkId: $id, first: 20) { totalCount edges { node { id code status residentName } } } }";
const STATS: &str = "query($id: ID!) { perkStatistics(perkId: $id) { claimed redeemed expired outstanding uniqueResidents byWeek { weekStart claimed redeemed } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

fn ok(response: &Value) -> &Value {
    assert!(response["errors"].is_null(), "{response}");
    &response["data"]
}

fn ids(response: &Value, field: &str) -> BTreeSet<String> {
    response["data"][field]["edges"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn building_of(app: &TestApp, email: &str) -> Uuid {
    let unit = home_unit(app, email).await;
    entity::unit::Entity::find_by_id(unit)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id
}

/// Rows of the perk tables and the event log: what a refused request must leave as it was.
async fn snapshot(app: &TestApp) -> (u64, u64, Vec<(i32, i32)>, Vec<(i32, String)>, i64) {
    let redemptions = entity::perk_redemption::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let claims = entity::perk_claim::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let mut perks: Vec<(i32, i32)> = entity::perk::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.claimed, p.redeemed))
        .collect();
    perks.sort();
    let mut statuses: Vec<(i32, String)> = entity::perk_redemption::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.time_bank_minutes, r.status))
        .collect();
    statuses.sort();
    (
        redemptions,
        claims.iter().map(|c| c.claims as u64).sum(),
        perks,
        statuses,
        app.event_count().await,
    )
}

/// `n` residents (RESIDENT role, no home) written straight to the database, with tokens.
async fn residents(app: &TestApp, n: usize) -> Vec<(Uuid, String)> {
    let now = app.state.clock.now();
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut out = Vec::new();
    for i in 0..n {
        let id = Uuid::now_v7();
        users.push(entity::user::ActiveModel {
            id: Set(id),
            email: Set(format!("claimer-{i}-{}@test.local", id.simple())),
            phone: Set(None),
            display_name: Set(format!("Claimer {i}")),
            password_hash: Set("not-a-hash".to_owned()),
            status: Set("ACTIVE".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        });
        roles.push(entity::user_role::ActiveModel {
            user_id: Set(id),
            role: Set("RESIDENT".to_owned()),
        });
        let token = app
            .state
            .tokens
            .issue(
                &AuthenticatedUser {
                    id,
                    roles: vec![Role::Resident],
                },
                now,
                TEST_TOKEN_TTL,
            )
            .unwrap();
        out.push((id, token));
    }
    entity::user::Entity::insert_many(users)
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    entity::user_role::Entity::insert_many(roles)
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    out
}

async fn create_perk(estate: &Estate, input: Value) -> String {
    let r = estate
        .run("admin", CREATE_PERK, json!({ "input": input }))
        .await;
    ok(&r)["createPerk"]["perk"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn partners_perks_and_redemptions_who_sees_what_and_bad_input() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let building_a = building_of(app, "resident1@demo.test").await;
    let building_b = building_of(app, "resident25@demo.test").await;
    assert_ne!(building_a, building_b);
    let merchant1 = user_by_email(app, "merchant1@demo.test").await.id;
    let merchant2 = app.user(&[Role::Merchant]).await;
    let tokens: HashMap<&str, String> = [("merchant2", merchant2.token.clone())].into();
    let run_as = |who: &'static str, query: &'static str, vars: Value| {
        let tokens = &tokens;
        let estate = &estate;
        async move {
            match tokens.get(who) {
                Some(token) => estate.app.graphql(query, vars, Some(token)).await.1,
                None => estate.run(who, query, vars).await,
            }
        }
    };

    // ----- partners -----------------------------------------------------------------------
    let mut partner_ids = Vec::new();
    for (name, kind, buildings) in [
        ("Lotus Bakery", "SHOP", vec![building_a]),
        ("Bamboo Pharmacy", "PHARMACY", vec![building_b]),
        ("Nowhere Tutors", "SCHOOL", vec![]),
    ] {
        let r = estate
            .run(
                "admin",
                CREATE_PARTNER,
                json!({ "input": { "name": name, "kind": kind, "description": "Serves residents.",
                    "contactPhone": "+86 20 5555 0101", "buildingIds": buildings } }),
            )
            .await;
        let partner = &ok(&r)["createPartner"]["partner"];
        assert_eq!(partner["status"], "ACTIVE");
        assert_eq!(partner["inBusiness"], true);
        partner_ids.push(partner["id"].as_str().unwrap().to_owned());
    }
    let (bakery, pharmacy, tutors) = (&partner_ids[0], &partner_ids[1], &partner_ids[2]);
    // The same name again, a merchant creating one, a contract ending before it starts.
    let r = estate
        .run(
            "admin",
            CREATE_PARTNER,
            json!({ "input": { "name": "Lotus Bakery", "kind": "SHOP", "description": "x" } }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = estate
        .run(
            "merchant",
            CREATE_PARTNER,
            json!({ "input": { "name": "Mine", "kind": "SHOP", "description": "x" } }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let now = app.state.clock.now();
    let r = estate
        .run(
            "admin",
            CREATE_PARTNER,
            json!({ "input": { "name": "Backwards", "kind": "OTHER", "description": "x",
                "contractFrom": now, "contractUntil": now - Duration::days(1) } }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");

    // Members: MERCHANT users only, one partner each.
    let r = estate
        .run("admin", ADD_MEMBER, json!({ "p": bakery, "u": merchant1 }))
        .await;
    assert_eq!(
        ok(&r)["addPartnerMember"]["partner"]["members"][0]["displayName"],
        "Lotus Bakery"
    );
    let r = estate
        .run(
            "admin",
            ADD_MEMBER,
            json!({ "p": pharmacy, "u": merchant1 }),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let resident1 = user_by_email(app, "resident1@demo.test").await.id;
    let r = estate
        .run(
            "admin",
            ADD_MEMBER,
            json!({ "p": pharmacy, "u": resident1 }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    ok(&estate
        .run(
            "admin",
            ADD_MEMBER,
            json!({ "p": pharmacy, "u": merchant2.id }),
        )
        .await);
    let r = estate
        .run(
            "manager",
            ADD_MEMBER,
            json!({ "p": tutors, "u": merchant2.id }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = estate
        .run(
            "admin",
            REMOVE_MEMBER,
            json!({ "p": tutors, "u": merchant2.id }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // Who sees which partner record: administrators all (with members), the manager of both
    // buildings those serving them (no members), merchants their own, residents none.
    let all: BTreeSet<String> = partner_ids.iter().cloned().collect();
    let served: BTreeSet<String> = [bakery.clone(), pharmacy.clone()].into();
    for (who, expected) in [
        ("admin", all.clone()),
        ("manager", served.clone()),
        ("merchant", [bakery.clone()].into()),
        ("merchant2", [pharmacy.clone()].into()),
        ("resident", BTreeSet::new()),
        ("staff", BTreeSet::new()),
        ("supervisor", BTreeSet::new()),
    ] {
        let r = run_as(who, PARTNERS, json!({})).await;
        assert_eq!(ids(&r, "partners"), expected, "{who}: {r}");
        for id in &all {
            let one = run_as(who, PARTNER, json!({ "id": id })).await;
            let node = run_as(who, NODE, json!({ "id": id })).await;
            if expected.contains(id) {
                assert_eq!(ok(&one)["partner"]["id"], id.as_str(), "{who}");
                assert_eq!(
                    node["data"]["node"]["__typename"], "Partner",
                    "{who}: {node}"
                );
                let members = &one["data"]["partner"]["members"];
                assert_eq!(members.is_null(), who == "manager", "{who} members: {one}");
            } else {
                assert_eq!(code(&one), "NOT_FOUND", "{who}: {one}");
                assert!(node["data"]["node"].is_null(), "{who}: {node}");
            }
        }
    }
    let r = estate.run("merchant", MY_PARTNER, json!({})).await;
    assert_eq!(ok(&r)["myPartner"]["name"], "Lotus Bakery");
    let r = estate.run("resident", MY_PARTNER, json!({})).await;
    assert!(ok(&r)["myPartner"].is_null());
    let r = estate
        .run(
            "manager",
            "mutation($id: ID!) { updatePartner(input: { id: $id, status: SUSPENDED }) { partner { id } } }",
            json!({ "id": pharmacy }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");

    // ----- perks --------------------------------------------------------------------------
    let ends = now + Duration::days(10);
    // For Building A, at the bakery: 5 codes, one per resident.
    let cake = create_perk(
        &estate,
        json!({ "partnerId": bakery, "title": "Cake discount", "description": "10% off.",
            "kind": "DISCOUNT", "endsAt": ends, "totalLimit": 5, "perResidentLimit": 1,
            "audience": { "buildingIds": [building_a] } }),
    )
    .await;
    // For the whole estate, at the pharmacy.
    let vitamins = create_perk(
        &estate,
        json!({ "partnerId": pharmacy, "title": "Free blood-pressure check", "description": "At the counter.",
            "kind": "FREE_SERVICE", "endsAt": ends, "totalLimit": 50,
            "audience": { "estate": true } }),
    )
    .await;
    // Merchants do not create perks; bad input is reported field by field.
    let r = estate
        .run(
            "merchant",
            CREATE_PERK,
            json!({ "input": { "partnerId": bakery, "title": "Mine", "description": "x",
                "kind": "DISCOUNT", "endsAt": ends, "totalLimit": 5, "audience": { "estate": true } } }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = estate
        .run(
            "admin",
            CREATE_PERK,
            json!({ "input": { "partnerId": bakery, "title": "", "description": "x",
                "kind": "TIME_BANK_EXCHANGE", "endsAt": ends, "totalLimit": 0, "audience": {} } }),
        )
        .await;
    let fields: BTreeSet<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        fields,
        ["input.audience", "input.title", "input.totalLimit"].into(),
        "{r}"
    );

    // Who sees which perk: the audience (resident of A both, of B the estate-wide one),
    // merchants their partner's (and what is addressed to them), administrators all.
    let both: BTreeSet<String> = [cake.clone(), vitamins.clone()].into();
    for (who, expected, runs) in [
        ("admin", both.clone(), vec![cake.clone(), vitamins.clone()]),
        ("resident", both.clone(), vec![]),
        ("residentB", [vitamins.clone()].into(), vec![]),
        ("merchant", both.clone(), vec![cake.clone()]),
        (
            "merchant2",
            [vitamins.clone()].into(),
            vec![vitamins.clone()],
        ),
        ("manager", both.clone(), vec![]),
        ("supervisor", [vitamins.clone()].into(), vec![]),
    ] {
        let r = run_as(who, PERKS, json!({})).await;
        assert_eq!(ids(&r, "perks"), expected, "{who}: {r}");
        for edge in r["data"]["perks"]["edges"].as_array().unwrap() {
            let id = edge["node"]["id"].as_str().unwrap().to_owned();
            assert_eq!(
                edge["node"]["redeemed"].is_null(),
                !runs.contains(&id),
                "{who}: {edge}"
            );
        }
        for id in &both {
            let one = run_as(who, PERK, json!({ "id": id })).await;
            let node = run_as(who, NODE, json!({ "id": id })).await;
            if expected.contains(id) {
                assert_eq!(ok(&one)["perk"]["id"], id.as_str());
                assert_eq!(node["data"]["node"]["__typename"], "Perk", "{node}");
            } else {
                assert_eq!(code(&one), "NOT_FOUND", "{who}: {one}");
                assert!(node["data"]["node"].is_null(), "{who}: {node}");
            }
        }
    }

    // ----- claims -------------------------------------------------------------------------
    let before = snapshot(app).await;
    // Not in the audience, not a resident, not a perk.
    let r = estate.run("residentB", CLAIM, json!({ "id": cake })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "input.perkId");
    let r = estate.run("merchant", CLAIM, json!({ "id": cake })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = estate
        .run("resident", CLAIM, json!({ "id": Uuid::now_v7() }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    assert_eq!(snapshot(app).await, before);

    let r = estate.run("resident", CLAIM, json!({ "id": cake })).await;
    let first = ok(&r)["claimPerk"]["redemption"].clone();
    let first_code = first["code"].as_str().unwrap().to_owned();
    assert_eq!(first_code.len(), 10, "{first}");
    assert!(
        first_code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !first_code.contains(['0', 'O', '1', 'I', 'L']),
        "{first_code}"
    );
    assert_eq!(first["status"], "ISSUED");
    // Past the per-resident limit: refused, nothing written.
    let before = snapshot(app).await;
    let r = estate.run("resident", CLAIM, json!({ "id": cake })).await;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    assert_eq!(snapshot(app).await, before);
    let r = estate.run("resident2", CLAIM, json!({ "id": cake })).await;
    let second_code = ok(&r)["claimPerk"]["redemption"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first_code, second_code);
    let r = estate.run("resident", PERK, json!({ "id": cake })).await;
    assert_eq!(ok(&r)["perk"]["claimed"], 2);

    // Redemptions: the resident theirs (with the code), the partner's merchants and
    // administrators the perk's (no code), nobody else.
    let r = estate.run("resident", MINE, json!({})).await;
    assert_eq!(ok(&r)["myPerkRedemptions"]["totalCount"], 1);
    assert_eq!(
        r["data"]["myPerkRedemptions"]["edges"][0]["node"]["code"],
        first_code.as_str()
    );
    let r = estate.run("residentB", MINE, json!({})).await;
    assert_eq!(ok(&r)["myPerkRedemptions"]["totalCount"], 0);
    for (who, sees) in [
        ("admin", true),
        ("merchant", true),
        ("merchant2", false),
        ("resident", false),
        ("manager", false),
        ("supervisor", false),
    ] {
        let r = run_as(who, OF_PERK, json!({ "id": cake })).await;
        if sees {
            let list = &ok(&r)["perkRedemptions"];
            assert_eq!(list["totalCount"], 2, "{who}");
            for edge in list["edges"].as_array().unwrap() {
                assert!(edge["node"]["code"].is_null(), "{who}: {edge}");
                assert!(edge["node"]["residentName"].is_string(), "{who}: {edge}");
            }
        } else {
            assert_eq!(code(&r), "NOT_FOUND", "{who}: {r}");
        }
    }
    let redemption_id = first["id"].as_str().unwrap().to_owned();
    for (who, sees) in [
        ("resident", true),
        ("merchant", true),
        ("admin", true),
        ("merchant2", false),
        ("resident2", false),
    ] {
        let node = run_as(who, NODE, json!({ "id": redemption_id })).await;
        assert_eq!(
            node["data"]["node"]["__typename"] == "PerkRedemption",
            sees,
            "{who}: {node}"
        );
    }

    // ----- redemption ---------------------------------------------------------------------
    let before = snapshot(app).await;
    // Another merchant's code does not exist for them; residents do not redeem; junk is bad
    // input.
    let r = run_as("merchant2", REDEEM, json!({ "code": first_code })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = estate
        .run("resident", REDEEM, json!({ "code": first_code }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = estate
        .run("merchant", REDEEM, json!({ "code": "not a code" }))
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(snapshot(app).await, before);

    // The partner's merchant redeems (typed in lower case with a dash): the payload carries
    // the redemption, the perk and the resident's display name, nothing else about them.
    let typed = format!("{}-{}", first_code[..5].to_lowercase(), &first_code[5..]);
    let r = estate
        .run("merchant", REDEEM, json!({ "code": typed }))
        .await;
    let redeemed = &ok(&r)["redeemPerkCode"]["redemption"];
    assert_eq!(redeemed["status"], "REDEEMED");
    assert!(redeemed["code"].is_null(), "{redeemed}");
    assert_eq!(redeemed["perk"]["title"], "Cake discount");
    let resident_name = user_by_email(app, "resident1@demo.test").await.display_name;
    assert_eq!(redeemed["residentName"], resident_name.as_str());
    let resident = user_by_email(app, "resident1@demo.test").await;
    let text = r.to_string();
    for secret in [
        resident.email.clone(),
        resident.id.to_string(),
        home_unit(app, "resident1@demo.test").await.to_string(),
    ] {
        assert!(!text.contains(&secret), "{secret} leaked: {text}");
    }
    // The type itself has no field that could carry them.
    let r = estate
        .run(
            "merchant",
            "{ __type(name: \"PerkRedemption\") { fields { name } } }",
            json!({}),
        )
        .await;
    let fields: BTreeSet<&str> = r["data"]["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "id",
            "code",
            "status",
            "timeBankMinutes",
            "claimedAt",
            "expiresAt",
            "redeemedAt",
            "perk",
            "residentName"
        ]
        .into(),
        "{r}"
    );
    // Twice: CONFLICT, nothing written.
    let before = snapshot(app).await;
    let r = estate
        .run("merchant", REDEEM, json!({ "code": first_code }))
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(snapshot(app).await, before);
    // The resident is told, and sees the redemption in their inbox.
    let r = estate
        .run(
            "resident",
            "{ notifications(first: 5) { edges { node { category kind subject { __typename ... on PerkRedemption { status code } } } } } }",
            json!({}),
        )
        .await;
    let note = &ok(&r)["notifications"]["edges"][0]["node"];
    assert_eq!(note["category"], "PARTNER", "{r}");
    assert_eq!(note["kind"], "PERK_REDEEMED");
    assert_eq!(note["subject"]["status"], "REDEEMED");
    assert_eq!(note["subject"]["code"], first_code.as_str());

    // Statistics: administrators only.
    for who in ["merchant", "resident", "manager"] {
        let r = run_as(who, STATS, json!({ "id": cake })).await;
        assert_eq!(code(&r), "FORBIDDEN", "{who}: {r}");
    }
    let r = estate.run("admin", STATS, json!({ "id": cake })).await;
    let stats = &ok(&r)["perkStatistics"];
    assert_eq!(
        (
            &stats["claimed"],
            &stats["redeemed"],
            &stats["expired"],
            &stats["outstanding"],
            &stats["uniqueResidents"]
        ),
        (&json!(2), &json!(1), &json!(0), &json!(1), &json!(2)),
        "{stats}"
    );
    assert_eq!(stats["byWeek"][0]["claimed"], 2, "{stats}");
    assert_eq!(stats["byWeek"][0]["redeemed"], 1, "{stats}");

    // ----- expiry and withdrawal ----------------------------------------------------------
    app.state.clock.advance(Duration::days(11));
    let before = snapshot(app).await;
    let r = estate
        .run("merchant", REDEEM, json!({ "code": second_code }))
        .await;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    assert_eq!(snapshot(app).await, before);
    let r = estate.run("admin", STATS, json!({ "id": cake })).await;
    assert_eq!(ok(&r)["perkStatistics"]["expired"], 1, "{r}");
    // An ended perk leaves the residents' list; the partner still sees it.
    let r = estate.run("resident", PERKS, json!({})).await;
    assert_eq!(ok(&r)["perks"]["totalCount"], 0, "{r}");
    let r = estate.run("merchant", PERKS, json!({})).await;
    assert_eq!(ids(&r, "perks"), [cake.clone()].into(), "{r}");
    let r = estate.run("resident2", MINE, json!({})).await;
    assert_eq!(
        ok(&r)["myPerkRedemptions"]["edges"][0]["node"]["status"],
        "EXPIRED"
    );
}

#[tokio::test]
async fn claims_hold_their_limits_under_concurrency_and_time_bank_exchanges_pay() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let now = app.state.clock.now();
    let r = estate
        .run(
            "admin",
            CREATE_PARTNER,
            json!({ "input": { "name": "Riverside Noodles", "kind": "RESTAURANT",
                "description": "Noodles." } }),
        )
        .await;
    let partner = ok(&r)["createPartner"]["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ends = now + Duration::days(10);

    // 100 residents race for 20 codes: exactly 20 win, the rest hear INVALID_STATE.
    let scarce = create_perk(
        &estate,
        json!({ "partnerId": partner, "title": "Free bowl", "description": "One bowl.",
            "kind": "FREE_SERVICE", "endsAt": ends, "totalLimit": 20, "perResidentLimit": 1,
            "audience": { "estate": true } }),
    )
    .await;
    let claimers = residents(app, 100).await;
    let results = join_all(claimers.iter().map(|(_, token)| {
        let scarce = scarce.clone();
        async move {
            app.graphql(CLAIM, json!({ "id": scarce }), Some(token))
                .await
                .1
        }
    }))
    .await;
    let won = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(won, 20, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| !r["errors"].is_null())
            .all(|r| code(r) == "INVALID_STATE"),
        "{results:?}"
    );
    let scarce_id: Uuid = scarce.parse().unwrap();
    let perk = entity::perk::Entity::find_by_id(scarce_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(perk.claimed, 20);
    let issued = entity::perk_redemption::Entity::find()
        .filter(entity::perk_redemption::Column::PerkId.eq(scarce_id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(issued.len(), 20);
    let codes: BTreeSet<&str> = issued.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes.len(), 20, "codes are unique");

    // One resident fires 10 claims at a perk allowing one each: one wins.
    let once = create_perk(
        &estate,
        json!({ "partnerId": partner, "title": "Free tea", "description": "One tea.",
            "kind": "DISCOUNT", "endsAt": ends, "totalLimit": 100, "perResidentLimit": 1,
            "audience": { "estate": true } }),
    )
    .await;
    let (_, token) = &claimers[0];
    let results = join_all((0..10).map(|_| {
        let once = once.clone();
        async move {
            app.graphql(CLAIM, json!({ "id": once }), Some(token))
                .await
                .1
        }
    }))
    .await;
    assert_eq!(
        results.iter().filter(|r| r["errors"].is_null()).count(),
        1,
        "{results:?}"
    );
    let once_id: Uuid = once.parse().unwrap();
    assert_eq!(
        entity::perk_redemption::Entity::find()
            .filter(entity::perk_redemption::Column::PerkId.eq(once_id))
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );

    // A time-bank exchange: two volunteer hours earned needed, one hour paid.
    let exchange = create_perk(
        &estate,
        json!({ "partnerId": partner, "title": "Dinner for hours", "description": "Dinner.",
            "kind": "TIME_BANK_EXCHANGE", "endsAt": ends, "totalLimit": 10, "perResidentLimit": 2,
            "minVolunteerHours": 2, "timeBankMinutes": 60, "audience": { "estate": true } }),
    )
    .await;
    let (rich, rich_token) = &claimers[1];
    let (poor, poor_token) = &claimers[2];
    let earn = |user: Uuid, minutes: i32| async move {
        let balance =
            resident_hub::domains::volunteers::service::credit(&app.state.db, user, minutes, now)
                .await
                .unwrap();
        entity::time_bank_entry::Entity::insert(entity::time_bank_entry::ActiveModel::from(
            resident_hub::domains::volunteers::service::entry(
                user,
                resident_hub::domains::volunteers::types::TimeBankKind::Earned,
                minutes,
                balance,
                None,
                None,
                None,
                user,
                now,
            ),
        ))
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    };
    // Not enough hours volunteered: FORBIDDEN, nothing written.
    let before = snapshot(app).await;
    let r = app
        .graphql(CLAIM, json!({ "id": exchange }), Some(poor_token))
        .await
        .1;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(snapshot(app).await, before);
    earn(*rich, 150).await;
    earn(*poor, 120).await;
    resident_hub::domains::volunteers::service::debit(&app.state.db, *poor, 90, now)
        .await
        .unwrap()
        .unwrap();
    // Enough volunteered but only 30 minutes left: INVALID_STATE, nothing written (the
    // balance stays, no entry, no code, no counter moved).
    let before = snapshot(app).await;
    let r = app
        .graphql(CLAIM, json!({ "id": exchange }), Some(poor_token))
        .await
        .1;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    assert_eq!(snapshot(app).await, before);
    let balance = |user: Uuid| async move {
        entity::time_bank_account::Entity::find_by_id(user)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .balance_minutes
    };
    assert_eq!(balance(*poor).await, 30);
    // The rich resident pays 60 of 150 minutes, twice; the third is over their limit.
    for left in [90, 30] {
        let r = app
            .graphql(CLAIM, json!({ "id": exchange }), Some(rich_token))
            .await
            .1;
        assert!(r["errors"].is_null(), "{r}");
        assert_eq!(balance(*rich).await, left);
    }
    let redeemed: Vec<_> = entity::time_bank_entry::Entity::find()
        .filter(entity::time_bank_entry::Column::UserId.eq(*rich))
        .filter(entity::time_bank_entry::Column::Kind.eq("REDEEMED"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(redeemed.len(), 2);
    assert!(redeemed.iter().all(
        |e| e.minutes == -60 && e.reference.as_deref() == Some(&format!("perk:{exchange}")[..])
    ));
    let before = snapshot(app).await;
    let r = app
        .graphql(CLAIM, json!({ "id": exchange }), Some(rich_token))
        .await
        .1;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    assert_eq!(snapshot(app).await, before);
    assert_eq!(balance(*rich).await, 30);

    // Withdrawn: gone from the residents' list, claims refused as unknown.
    ok(&estate
        .run(
            "admin",
            "mutation($id: ID!) { withdrawPerk(input: { id: $id }) { perk { status } } }",
            json!({ "id": once }),
        )
        .await);
    let r = app
        .graphql(CLAIM, json!({ "id": once }), Some(&claimers[5].1))
        .await
        .1;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
}

#[tokio::test]
async fn the_demo_has_partners_of_every_kind_with_perks_and_redemptions_once() {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    resident_hub::demo::seed(&app.state).await.unwrap();
    let partners = entity::partner::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let kinds: BTreeSet<&str> = partners.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(partners.len(), 8);
    assert_eq!(
        kinds,
        [
            "SHOP",
            "RESTAURANT",
            "CLINIC",
            "PHARMACY",
            "SCHOOL",
            "CARE_AGENCY",
            "PET_SERVICE",
            "OTHER"
        ]
        .into()
    );
    let merchant = user_by_email(&app, "merchant1@demo.test").await;
    let token = app
        .state
        .tokens
        .issue(
            &AuthenticatedUser {
                id: merchant.id,
                roles: vec![],
            },
            app.state.clock.now(),
            TEST_TOKEN_TTL,
        )
        .unwrap();
    let r = app.graphql(MY_PARTNER, json!({}), Some(&token)).await.1;
    assert_eq!(ok(&r)["myPartner"]["name"], "Lotus Bakery", "{r}");
    let shop = partners.iter().find(|p| p.kind == "SHOP").unwrap();
    assert_eq!(shop.name, "Lotus Bakery");
    assert_eq!(
        entity::perk::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        3
    );
    let redemptions = entity::perk_redemption::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(redemptions.len(), 3);
    assert_eq!(
        redemptions
            .iter()
            .filter(|r| r.status == "REDEEMED")
            .count(),
        2
    );
}
