//! Volunteers, the time bank and service centres on the demo estate: who sees what (one test
//! per row of the README tables), the flows, bad input that writes nothing, and races run with
//! real concurrency (shift places, donations, appointment slots, walk-in queue numbers).

use std::collections::HashSet;

use chrono::Duration;
use resident_hub::auth::AuthenticatedUser;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp},
};

const CREATE_OPPORTUNITY: &str = "mutation($input: CreateVolunteerOpportunityInput!) { createVolunteerOpportunity(input: $input) { opportunity { id kind category { code } shifts { id placesLeft } } } }";
const SIGN_UP: &str = "mutation($id: ID!) { signUpForVolunteerShift(input: { shiftId: $id }) { signUp { id status } } }";
const VERIFY: &str = "mutation($id: ID!, $attended: Boolean!, $minutes: Int) { verifyVolunteerAttendance(input: { signUpId: $id, attended: $attended, minutes: $minutes }) { signUp { id status minutes hours } } }";
const HOURS: &str = "{ myVolunteerHours(first: 10) { balanceMinutes balanceHours history { totalCount edges { node { kind minutes balanceAfter counterpartId } } } } }";
const DONATE: &str = "mutation($to: ID!, $minutes: Int!) { donateVolunteerHours(input: { toUserId: $to, minutes: $minutes, note: \"for you\" }) { balanceMinutes entry { kind minutes } } }";
const OPPORTUNITIES: &str = "{ volunteerOpportunities(first: 50) { totalCount edges { node { id title category { code } shifts { id placesLeft } } } } }";
const CREATE_CENTRE: &str = "mutation($input: CreateServiceCentreInput!) { createServiceCentre(input: $input) { centre { id name openingHours { weekday opens closes } services { slotMinutes capacity category { code } } buildings { id } } } }";
const BOOK: &str = "mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) { appointment { id kind status startsAt queueNumber day } } }";
const DAY_LIST: &str = "query($centre: ID!, $date: Date!) { centreAppointments(centreId: $centre, date: $date, first: 50) { totalCount edges { node { id kind queueNumber residentId residentName } } } }";

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

fn field(response: &Value) -> &str {
    response["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("none")
}

fn ok(response: &Value) -> &Value {
    assert!(response["errors"].is_null(), "{response}");
    &response["data"]
}

/// A token for a demo account (its roles are read from the database on each request).
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

async fn run(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(token)).await.1
}

/// The demo estate with its catalogue and qualifications (which categories need a
/// certificate).
async fn estate() -> Estate {
    let estate = Estate::new().await;
    resident_hub::demo::seed_catalogue(&estate.app.state)
        .await
        .unwrap();
    resident_hub::demo::seed_qualifications(&estate.app.state)
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

/// An opportunity with one shift starting in an hour and lasting two; returns the shift id.
async fn opportunity(estate: &Estate, places: i32) -> String {
    let now = estate.app.state.clock.now();
    let r = estate
        .run(
            "staff",
            CREATE_OPPORTUNITY,
            json!({ "input": { "title": "Tea with elders", "description": "Visit and chat.",
                "kind": "ELDER_VISITING", "shifts": [{ "startsAt": now + Duration::hours(1),
                "endsAt": now + Duration::hours(3), "places": places }] } }),
        )
        .await;
    ok(&r)["createVolunteerOpportunity"]["opportunity"]["shifts"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sign_up(app: &TestApp, token: &str, shift: &str) -> Value {
    run(app, token, SIGN_UP, json!({ "id": shift })).await
}

async fn count<E>(app: &TestApp) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find().count(&app.state.db).await.unwrap()
}

/// Gives `email` `minutes` of earned hours through the real path: a shift, a sign-up, and
/// staff verifying attendance after it started.
async fn earn(estate: &Estate, token: &str, minutes: i32) {
    let shift = opportunity(estate, 5).await;
    let r = sign_up(&estate.app, token, &shift).await;
    let id = ok(&r)["signUpForVolunteerShift"]["signUp"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    estate.app.state.clock.advance(Duration::hours(2));
    let r = estate
        .run(
            "staff",
            VERIFY,
            json!({ "id": id, "attended": true, "minutes": minutes }),
        )
        .await;
    assert_eq!(
        ok(&r)["verifyVolunteerAttendance"]["signUp"]["status"],
        "ATTENDED"
    );
}

// ---------------------------------------------------------------- volunteers: who sees what

#[tokio::test]
async fn everyone_signed_in_sees_the_opportunities_and_anonymous_callers_do_not() {
    let estate = estate().await;
    opportunity(&estate, 3).await;
    for role in ["admin", "supervisor", "staff", "resident", "merchant"] {
        let r = estate.run(role, OPPORTUNITIES, json!({})).await;
        assert_eq!(
            ok(&r)["volunteerOpportunities"]["totalCount"],
            1,
            "{role}: {r}"
        );
    }
    let r = estate.run("anonymous", OPPORTUNITIES, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn only_staff_and_administrators_coordinate_volunteers() {
    let estate = estate().await;
    let now = estate.app.state.clock.now();
    let input = json!({ "input": { "title": "Litter pick", "description": "Bring gloves.",
        "kind": "ENVIRONMENT", "shifts": [{ "startsAt": now + Duration::hours(1),
        "endsAt": now + Duration::hours(2), "places": 2 }] } });
    for (role, expected) in [
        ("admin", "none"),
        ("staff", "none"),
        ("supervisor", "FORBIDDEN"),
        ("resident", "FORBIDDEN"),
        ("merchant", "FORBIDDEN"),
    ] {
        let r = estate.run(role, CREATE_OPPORTUNITY, input.clone()).await;
        assert_eq!(code(&r), expected, "{role}: {r}");
        let r = estate
            .run(role, "{ volunteerProfiles { totalCount } }", json!({}))
            .await;
        assert_eq!(code(&r), expected, "{role} reading profiles: {r}");
    }
    // The sign-ups of a shift, for attendance: coordinators only.
    let shift = opportunity(&estate, 3).await;
    let list = "query($id: ID!) { volunteerShiftSignUps(shiftId: $id) { totalCount } }";
    for (role, expected) in [
        ("admin", "none"),
        ("staff", "none"),
        ("resident", "FORBIDDEN"),
    ] {
        let r = estate.run(role, list, json!({ "id": shift })).await;
        assert_eq!(code(&r), expected, "{role}: {r}");
    }
}

#[tokio::test]
async fn residents_keep_their_own_profile_and_staff_verify_it_but_not_their_own() {
    let estate = estate().await;
    let save = "mutation { saveVolunteerProfile(input: { skills: [\"chess\", \"first aid\"], availability: \"Weekends\" }) { profile { id verified skills } } }";
    let r = estate.run("resident", save, json!({})).await;
    let id = ok(&r)["saveVolunteerProfile"]["profile"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Staff without a home cannot volunteer.
    let r = estate.run("staff", save, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN");
    let mine = "{ myVolunteerProfile { id verified } }";
    assert_eq!(
        ok(&estate.run("resident", mine, json!({})).await)["myVolunteerProfile"]["id"],
        id.as_str()
    );
    assert!(
        ok(&estate.run("resident2", mine, json!({})).await)["myVolunteerProfile"].is_null(),
        "another resident's profile is not theirs"
    );
    let verify = "mutation($id: ID!) { verifyVolunteerProfile(input: { id: $id, verified: true }) { profile { verified } } }";
    let r = estate.run("resident2", verify, json!({ "id": id })).await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = estate.run("staff", verify, json!({ "id": id })).await;
    assert_eq!(
        ok(&r)["verifyVolunteerProfile"]["profile"]["verified"],
        true
    );
    let r = estate.run("resident", mine, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerProfile"]["verified"], true);
    // The volunteer heard of it, with the profile as the subject.
    let inbox = "{ notifications(first: 5) { edges { node { category subject { __typename ... on VolunteerProfile { id } } } } } }";
    let r = estate.run("resident", inbox, json!({})).await;
    let node = &ok(&r)["notifications"]["edges"][0]["node"];
    assert_eq!(node["category"], "VOLUNTEER", "{r}");
    assert_eq!(node["subject"]["id"], id.as_str(), "{r}");
}

#[tokio::test]
async fn residents_see_only_their_own_sign_ups_and_hours_and_administrators_anyones() {
    let estate = estate().await;
    let token = estate.tokens["resident"].clone();
    earn(&estate, &token, 90).await;
    let r = estate.run("resident", HOURS, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerHours"]["balanceMinutes"], 90);
    let r = estate.run("resident2", HOURS, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerHours"]["balanceMinutes"], 0);
    let sign_ups = "{ myVolunteerSignUps { totalCount edges { node { status hours shift { opportunity { title } } } } } }";
    let r = estate.run("resident", sign_ups, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerSignUps"]["totalCount"], 1);
    assert_eq!(
        ok(&r)["myVolunteerSignUps"]["edges"][0]["node"]["hours"],
        "1.50"
    );
    let r = estate.run("resident2", sign_ups, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerSignUps"]["totalCount"], 0);
    let resident = user_by_email(&estate.app, "resident1@demo.test").await.id;
    let other = "query($id: ID!) { volunteerHours(userId: $id) { balanceMinutes } }";
    for (role, expected) in [
        ("admin", "none"),
        ("resident", "none"),
        ("resident2", "FORBIDDEN"),
        ("staff", "FORBIDDEN"),
        ("supervisor", "FORBIDDEN"),
    ] {
        let r = estate.run(role, other, json!({ "id": resident })).await;
        assert_eq!(code(&r), expected, "{role}: {r}");
    }
    let r = estate
        .run("admin", other, json!({ "id": Uuid::now_v7() }))
        .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "userId"));
    let r = estate.run("admin", other, json!({ "id": "x" })).await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "userId"));
}

// -------------------------------------------------------------------- volunteers: the flow

#[tokio::test]
async fn verified_hours_accumulate_and_can_be_given_to_a_neighbour() {
    let estate = estate().await;
    let token = estate.tokens["resident"].clone();
    earn(&estate, &token, 120).await;
    earn(&estate, &token, 60).await;
    let neighbour = user_by_email(&estate.app, "resident2@demo.test").await.id;
    let r = estate
        .run(
            "resident",
            DONATE,
            json!({ "to": neighbour, "minutes": 45 }),
        )
        .await;
    let payload = &ok(&r)["donateVolunteerHours"];
    assert_eq!(payload["balanceMinutes"], 135);
    assert_eq!(payload["entry"]["minutes"], -45);
    let r = estate.run("resident", HOURS, json!({})).await;
    let hours = &ok(&r)["myVolunteerHours"];
    assert_eq!(hours["balanceHours"], "2.25");
    let kinds: Vec<_> = hours["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["DONATED", "EARNED", "EARNED"]);
    let r = estate.run("resident2", HOURS, json!({})).await;
    let hours = &ok(&r)["myVolunteerHours"];
    assert_eq!(hours["balanceMinutes"], 45);
    assert_eq!(hours["history"]["edges"][0]["node"]["kind"], "RECEIVED");
    // Attended minutes default to the shift's length and never exceed it.
    let shift = opportunity(&estate, 2).await;
    let r = sign_up(&estate.app, &token, &shift).await;
    let id = ok(&r)["signUpForVolunteerShift"]["signUp"]["id"].clone();
    estate.app.state.clock.advance(Duration::hours(2));
    let r = estate
        .run(
            "staff",
            VERIFY,
            json!({ "id": id, "attended": true, "minutes": 500 }),
        )
        .await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.minutes"));
    let r = estate
        .run("staff", VERIFY, json!({ "id": id, "attended": true }))
        .await;
    assert_eq!(
        ok(&r)["verifyVolunteerAttendance"]["signUp"]["minutes"],
        120
    );
}

#[tokio::test]
async fn a_cancelled_sign_up_frees_its_place_and_may_be_made_again() {
    let estate = estate().await;
    let shift = opportunity(&estate, 1).await;
    let token = estate.tokens["resident"].clone();
    let r = sign_up(&estate.app, &token, &shift).await;
    let id = ok(&r)["signUpForVolunteerShift"]["signUp"]["id"].clone();
    let cancel =
        "mutation($id: ID!) { cancelVolunteerSignUp(input: { id: $id }) { signUp { status } } }";
    let r = estate.run("resident2", cancel, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "someone else's sign-up");
    let r = estate.run("resident", cancel, json!({ "id": id })).await;
    assert_eq!(
        ok(&r)["cancelVolunteerSignUp"]["signUp"]["status"],
        "CANCELLED"
    );
    let r = sign_up(&estate.app, &estate.tokens["resident2"], &shift).await;
    ok(&r);
    let r = sign_up(&estate.app, &token, &shift).await;
    assert_eq!(code(&r), "CONFLICT", "the place went to resident2: {r}");
}

// --------------------------------------------------------- volunteers: bad input, nothing written

#[tokio::test]
async fn a_full_shift_and_signing_up_twice_are_conflicts_and_write_nothing() {
    let estate = estate().await;
    let shift = opportunity(&estate, 1).await;
    let r = sign_up(&estate.app, &estate.tokens["resident"], &shift).await;
    ok(&r);
    let before = count::<entity::volunteer_sign_up::Entity>(&estate.app).await;
    let r = sign_up(&estate.app, &estate.tokens["resident"], &shift).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("CONFLICT", "input.shiftId"),
        "twice"
    );
    let r = sign_up(&estate.app, &estate.tokens["resident2"], &shift).await;
    assert_eq!((code(&r), field(&r)), ("CONFLICT", "input.shiftId"), "full");
    assert_eq!(
        count::<entity::volunteer_sign_up::Entity>(&estate.app).await,
        before
    );
    let r = estate.run("resident", OPPORTUNITIES, json!({})).await;
    assert_eq!(
        ok(&r)["volunteerOpportunities"]["edges"][0]["node"]["shifts"][0]["placesLeft"],
        0
    );
    // A started shift takes no sign-ups; staff (no home) and merchants never sign up.
    let r = sign_up(&estate.app, &estate.tokens["staff"], &shift).await;
    assert_eq!(code(&r), "FORBIDDEN");
    for role in ["merchant", "supervisor", "admin"] {
        let r = sign_up(&estate.app, &estate.tokens[role], &shift).await;
        assert_eq!(code(&r), "FORBIDDEN", "{role}: only residents volunteer");
    }
    estate.app.state.clock.advance(Duration::hours(2));
    let r = sign_up(&estate.app, &estate.tokens["resident2"], &shift).await;
    assert_eq!(code(&r), "INVALID_STATE");
    let r = sign_up(&estate.app, &estate.tokens["resident"], "not-an-id").await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.shiftId"));
    let r = sign_up(
        &estate.app,
        &estate.tokens["resident"],
        &Uuid::now_v7().to_string(),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.shiftId"));
}

#[tokio::test]
async fn donating_more_hours_than_held_is_refused_and_writes_nothing() {
    let estate = estate().await;
    earn(&estate, &estate.tokens["resident"].clone(), 30).await;
    let neighbour = user_by_email(&estate.app, "resident2@demo.test").await.id;
    let before = count::<entity::time_bank_entry::Entity>(&estate.app).await;
    let r = estate
        .run(
            "resident",
            DONATE,
            json!({ "to": neighbour, "minutes": 31 }),
        )
        .await;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    let me = user_by_email(&estate.app, "resident1@demo.test").await.id;
    let r = estate
        .run("resident", DONATE, json!({ "to": me, "minutes": 5 }))
        .await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.toUserId"));
    let staff = user_by_email(&estate.app, "staff2@demo.test").await.id;
    let r = estate
        .run("resident", DONATE, json!({ "to": staff, "minutes": 5 }))
        .await;
    assert_eq!(
        (code(&r), field(&r)),
        ("NOT_FOUND", "input.toUserId"),
        "not a neighbour"
    );
    let r = estate
        .run("resident", DONATE, json!({ "to": "x", "minutes": 0 }))
        .await;
    assert_eq!(r["errors"].as_array().unwrap().len(), 2, "every field: {r}");
    assert_eq!(
        count::<entity::time_bank_entry::Entity>(&estate.app).await,
        before
    );
    let r = estate.run("resident", HOURS, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerHours"]["balanceMinutes"], 30);
    let r = estate.run("resident2", HOURS, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerHours"]["balanceMinutes"], 0);
}

#[tokio::test]
async fn nobody_verifies_their_own_attendance_and_attendance_is_verified_once() {
    let estate = estate().await;
    // staff2 also lives on the estate (resident1's flat), so may volunteer.
    let staff = user_by_email(&estate.app, "staff2@demo.test").await;
    let unit = home_unit(&estate.app, "resident1@demo.test").await;
    let today = estate.app.state.clock.today();
    entity::residency::Entity::insert(entity::residency::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(staff.id),
        unit_id: Set(unit),
        relation: Set("TENANT".to_owned()),
        moved_in: Set(today - Duration::days(30)),
        moved_out: Set(None),
        created_at: Set(estate.app.state.clock.now()),
    })
    .exec_without_returning(&estate.app.state.db)
    .await
    .unwrap();
    let shift = opportunity(&estate, 3).await;
    let r = sign_up(&estate.app, &estate.tokens["staff"], &shift).await;
    let own = ok(&r)["signUpForVolunteerShift"]["signUp"]["id"].clone();
    let r = sign_up(&estate.app, &estate.tokens["resident"], &shift).await;
    let other = ok(&r)["signUpForVolunteerShift"]["signUp"]["id"].clone();
    // Before the shift starts: too early.
    let r = estate
        .run("staff", VERIFY, json!({ "id": other, "attended": true }))
        .await;
    assert_eq!(code(&r), "INVALID_STATE");
    estate.app.state.clock.advance(Duration::hours(2));
    let r = estate
        .run("staff", VERIFY, json!({ "id": own, "attended": true }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = estate
        .run("resident", VERIFY, json!({ "id": other, "attended": true }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "residents do not verify");
    assert_eq!(
        count::<entity::time_bank_entry::Entity>(&estate.app).await,
        0
    );
    let r = estate
        .run("staff", VERIFY, json!({ "id": other, "attended": true }))
        .await;
    ok(&r);
    let r = estate
        .run("admin", VERIFY, json!({ "id": other, "attended": true }))
        .await;
    assert_eq!(code(&r), "INVALID_STATE", "twice");
    assert_eq!(
        count::<entity::time_bank_entry::Entity>(&estate.app).await,
        1
    );
}

#[tokio::test]
async fn an_opportunity_in_a_category_needing_a_certificate_is_refused() {
    let estate = estate().await;
    let now = estate.app.state.clock.now();
    let elderly = category_id(&estate.app, "ELDERLY_CARE").await;
    let greening = category_id(&estate.app, "GREENING").await;
    let input = |category: Uuid| {
        json!({ "input": { "title": "Care visit", "description": "Help at home.",
            "kind": "ELDER_VISITING", "categoryId": category, "shifts": [{
            "startsAt": now + Duration::hours(1), "endsAt": now + Duration::hours(2),
            "places": 2 }] } })
    };
    let before = count::<entity::volunteer_opportunity::Entity>(&estate.app).await;
    let r = estate
        .run("staff", CREATE_OPPORTUNITY, input(elderly))
        .await;
    assert_eq!(
        (code(&r), field(&r)),
        ("BAD_USER_INPUT", "input.categoryId")
    );
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("certificate")
    );
    assert_eq!(
        count::<entity::volunteer_opportunity::Entity>(&estate.app).await,
        before
    );
    let r = estate
        .run("staff", CREATE_OPPORTUNITY, input(greening))
        .await;
    assert_eq!(
        ok(&r)["createVolunteerOpportunity"]["opportunity"]["category"]["code"],
        "GREENING"
    );
    // Every malformed field at once.
    let r = estate
        .run(
            "staff",
            CREATE_OPPORTUNITY,
            json!({ "input": { "title": "", "description": "x", "kind": "OTHER",
                "categoryId": "nope", "shifts": [] } }),
        )
        .await;
    let fields: HashSet<_> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        HashSet::from(["input.title", "input.categoryId", "input.shifts"].map(String::from))
    );
}

// ------------------------------------------------------------------- volunteers: races

async fn resident_tokens(app: &TestApp, n: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 1..=n {
        tokens.push(token_for(app, &format!("resident{i}@demo.test")).await);
    }
    tokens
}

#[tokio::test]
async fn concurrent_sign_ups_never_overfill_a_shift() {
    let estate = estate().await;
    let shift = opportunity(&estate, 5).await;
    let tokens = resident_tokens(&estate.app, 20).await;
    let results =
        futures_util::future::join_all(tokens.iter().map(|t| sign_up(&estate.app, t, &shift)))
            .await;
    let won = results.iter().filter(|r| r["errors"].is_null()).count();
    let full = results.iter().filter(|r| code(r) == "CONFLICT").count();
    assert_eq!((won, full), (5, 15), "{results:#?}");
    let row = entity::volunteer_shift::Entity::find_by_id(Uuid::parse_str(&shift).unwrap())
        .one(&estate.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.taken, 5);
    assert_eq!(
        count::<entity::volunteer_sign_up::Entity>(&estate.app).await,
        5
    );
}

#[tokio::test]
async fn concurrent_donations_never_take_a_balance_below_zero() {
    let estate = estate().await;
    let token = estate.tokens["resident"].clone();
    earn(&estate, &token, 60).await;
    let neighbours = ["resident2", "resident3", "resident4", "resident5"];
    let mut ids = Vec::new();
    for n in neighbours {
        ids.push(
            user_by_email(&estate.app, &format!("{n}@demo.test"))
                .await
                .id,
        );
    }
    // Ten gifts of 20 minutes from a balance of 60, and neighbours giving back at once.
    let gifts = (0..10).map(|i| {
        run(
            &estate.app,
            &token,
            DONATE,
            json!({ "to": ids[i % ids.len()], "minutes": 20 }),
        )
    });
    let results = futures_util::future::join_all(gifts).await;
    let won = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(won, 3, "{results:#?}");
    assert!(
        results
            .iter()
            .filter(|r| !r["errors"].is_null())
            .all(|r| code(r) == "INVALID_STATE"),
        "{results:#?}"
    );
    let r = estate.run("resident", HOURS, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerHours"]["balanceMinutes"], 0);
    let total: i64 = entity::time_bank_account::Entity::find()
        .all(&estate.app.state.db)
        .await
        .unwrap()
        .iter()
        .map(|a| i64::from(a.balance_minutes))
        .sum();
    assert_eq!(total, 60, "hours only moved");
}

#[tokio::test]
async fn the_opportunity_list_costs_the_same_statements_for_2_and_20_opportunities() {
    let estate = estate().await;
    let token = estate.tokens["resident"].clone();
    let greening = category_id(&estate.app, "GREENING").await;
    let now = estate.app.state.clock.now();
    let add = |n: usize| {
        let estate = &estate;
        async move {
            for i in 0..n {
                let r = estate
                    .run(
                        "staff",
                        CREATE_OPPORTUNITY,
                        json!({ "input": { "title": format!("Day {i}"), "description": "d",
                            "kind": "ENVIRONMENT", "categoryId": greening, "shifts": [
                            { "startsAt": now + Duration::hours(1), "endsAt": now + Duration::hours(2), "places": 2 },
                            { "startsAt": now + Duration::hours(3), "endsAt": now + Duration::hours(4), "places": 2 }] } }),
                    )
                    .await;
                ok(&r);
            }
        }
    };
    add(2).await;
    let two = estate.app.sql_of(OPPORTUNITIES, json!({}), &token).await;
    add(18).await;
    let twenty = estate.app.sql_of(OPPORTUNITIES, json!({}), &token).await;
    assert_eq!(two.len(), twenty.len(), "{two:#?}\n{twenty:#?}");
    // The caller (2), the page, its count, shifts, categories.
    assert!(
        twenty.len() <= 7,
        "{} statements: {twenty:#?}",
        twenty.len()
    );
}

// --------------------------------------------------------------------------- service centres

/// A centre covering Building A, open 08:00–18:00 every day (or all day), offering plumbing
/// in 30-minute slots of `capacity`; returns (centre id, plumbing id).
async fn centre(estate: &Estate, capacity: i32, all_day: bool) -> (String, Uuid) {
    let buildings = entity::building::Entity::find()
        .all(&estate.app.state.db)
        .await
        .unwrap();
    let a = buildings
        .iter()
        .find(|b| b.name.starts_with("Building A"))
        .unwrap();
    let plumbing = category_id(&estate.app, "PLUMBING").await;
    let (opens, closes) = if all_day {
        ("00:00", "24:00")
    } else {
        ("08:00", "18:00")
    };
    let days = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ];
    let closed = estate.app.state.clock.today() + Duration::days(2);
    let r = estate
        .run(
            "admin",
            CREATE_CENTRE,
            json!({ "input": { "name": format!("Station {}", Uuid::now_v7()), "address": "Block A",
                "phone": "+86 21 5555 0101", "buildingIds": [a.id],
                "services": [{ "serviceId": plumbing, "slotMinutes": 30, "capacity": capacity }],
                "openingHours": days.iter().map(|d| json!({ "weekday": d, "opens": opens, "closes": closes })).collect::<Vec<_>>(),
                "exceptions": [{ "date": closed.to_string(), "note": "Training day" }] } }),
        )
        .await;
    let centre = &ok(&r)["createServiceCentre"]["centre"];
    assert_eq!(centre["openingHours"].as_array().unwrap().len(), 7);
    (centre["id"].as_str().unwrap().to_owned(), plumbing)
}

fn tomorrow_at(app: &TestApp, time: &str) -> String {
    format!("{}T{time}:00Z", app.state.clock.today() + Duration::days(1))
}

async fn book(app: &TestApp, token: &str, centre: &str, service: Uuid, at: Option<&str>) -> Value {
    run(
        app,
        token,
        BOOK,
        json!({ "input": { "centreId": centre, "serviceId": service, "startsAt": at } }),
    )
    .await
}

#[tokio::test]
async fn everyone_signed_in_sees_service_centres_and_only_administrators_change_them() {
    let estate = estate().await;
    let (id, _) = centre(&estate, 2, false).await;
    let list = "{ serviceCentres { totalCount edges { node { id name buildings { name } services { category { code } } exceptions { date closed note } } } } }";
    for role in [
        "admin",
        "supervisor",
        "staff",
        "resident",
        "residentB",
        "merchant",
    ] {
        let r = estate.run(role, list, json!({})).await;
        assert_eq!(ok(&r)["serviceCentres"]["totalCount"], 1, "{role}");
        assert_eq!(
            ok(&r)["serviceCentres"]["edges"][0]["node"]["exceptions"][0]["closed"],
            true
        );
    }
    assert_eq!(
        code(&estate.run("anonymous", list, json!({})).await),
        "UNAUTHENTICATED"
    );
    let rename = "mutation($id: ID!) { updateServiceCentre(input: { id: $id, name: \"Renamed\" }) { centre { name } } }";
    for (role, expected) in [
        ("admin", "none"),
        ("manager", "FORBIDDEN"),
        ("staff", "FORBIDDEN"),
        ("resident", "FORBIDDEN"),
    ] {
        let r = estate.run(role, rename, json!({ "id": id })).await;
        assert_eq!(code(&r), expected, "{role}: {r}");
    }
    let node = "query($id: ID!) { node(id: $id) { ... on ServiceCentre { name } } }";
    let r = estate.run("resident", node, json!({ "id": id })).await;
    assert_eq!(ok(&r)["node"]["name"], "Renamed");
}

#[tokio::test]
async fn residents_book_for_themselves_at_centres_covering_their_building() {
    let estate = estate().await;
    let (centre_id, plumbing) = centre(&estate, 2, false).await;
    let at = tomorrow_at(&estate.app, "10:00");
    let r = book(
        &estate.app,
        &estate.tokens["resident"],
        &centre_id,
        plumbing,
        Some(&at),
    )
    .await;
    let appointment = ok(&r)["bookAppointment"]["appointment"].clone();
    assert_eq!(appointment["status"], "BOOKED");
    // A Building B resident is not served by a Building A station; merchants book nowhere.
    for role in ["residentB", "merchant"] {
        let r = book(
            &estate.app,
            &estate.tokens[role],
            &centre_id,
            plumbing,
            Some(&at),
        )
        .await;
        assert_eq!(code(&r), "FORBIDDEN", "{role}");
    }
    // A resident may not book for someone else.
    let other = user_by_email(&estate.app, "resident2@demo.test").await.id;
    let r = run(
        &estate.app,
        &estate.tokens["resident"],
        BOOK,
        json!({ "input": { "centreId": centre_id, "serviceId": plumbing, "startsAt": at, "residentId": other } }),
    )
    .await;
    assert_eq!(code(&r), "FORBIDDEN");
    // Their own appointments: theirs only; one by id: theirs, staff at the centre, admins.
    let mine =
        "{ myAppointments { totalCount edges { node { id centre { name } service { code } } } } }";
    let r = estate.run("resident", mine, json!({})).await;
    assert_eq!(ok(&r)["myAppointments"]["totalCount"], 1);
    assert_eq!(
        ok(&r)["myAppointments"]["edges"][0]["node"]["service"]["code"],
        "PLUMBING"
    );
    let r = estate.run("resident2", mine, json!({})).await;
    assert_eq!(ok(&r)["myAppointments"]["totalCount"], 0);
    let one = "query($id: ID!) { appointment(id: $id) { id status } }";
    for (role, expected) in [
        ("resident", "none"),
        ("staff", "none"),
        ("admin", "none"),
        ("resident2", "NOT_FOUND"),
        ("supervisor", "NOT_FOUND"),
    ] {
        let r = estate
            .run(role, one, json!({ "id": appointment["id"] }))
            .await;
        assert_eq!(code(&r), expected, "{role}: {r}");
    }
    let node = "query($id: ID!) { node(id: $id) { id } }";
    let r = estate
        .run("resident2", node, json!({ "id": appointment["id"] }))
        .await;
    assert!(ok(&r)["node"].is_null());
}

#[tokio::test]
async fn staff_at_a_centre_see_its_day_list_and_book_for_residents_and_others_do_not() {
    let estate = estate().await;
    let (centre_id, plumbing) = centre(&estate, 3, false).await;
    let at = tomorrow_at(&estate.app, "11:00");
    let resident2 = user_by_email(&estate.app, "resident2@demo.test").await.id;
    let for_resident = json!({ "input": { "centreId": centre_id, "serviceId": plumbing,
        "startsAt": at, "residentId": resident2 } });
    let staff3 = token_for(&estate.app, "staff3@demo.test").await;
    let r = run(&estate.app, &staff3, BOOK, for_resident.clone()).await;
    assert_eq!(code(&r), "FORBIDDEN", "staff3 serves Building B only");
    let r = estate.run("supervisor", BOOK, for_resident.clone()).await;
    assert_eq!(
        code(&r),
        "FORBIDDEN",
        "supervisors do not work at the centre"
    );
    let r = estate.run("staff", BOOK, for_resident).await;
    ok(&r);
    let r = estate
        .run(
            "admin",
            BOOK,
            json!({ "input": { "centreId": centre_id, "serviceId": plumbing,
                "startsAt": tomorrow_at(&estate.app, "12:00"), "residentId": resident2 } }),
        )
        .await;
    ok(&r);
    // The resident heard of it.
    let inbox =
        "{ notifications(first: 5) { edges { node { category subject { __typename } } } } }";
    let r = estate.run("resident2", inbox, json!({})).await;
    assert_eq!(
        ok(&r)["notifications"]["edges"][0]["node"]["subject"]["__typename"],
        "Appointment"
    );
    let r = book(
        &estate.app,
        &estate.tokens["resident"],
        &centre_id,
        plumbing,
        Some(&at),
    )
    .await;
    ok(&r);
    let date = (estate.app.state.clock.today() + Duration::days(1)).to_string();
    let vars = json!({ "centre": centre_id, "date": date });
    for (who, expected) in [
        ("admin", "none"),
        ("staff", "none"),
        ("manager", "none"),
        ("resident", "FORBIDDEN"),
        ("supervisor", "FORBIDDEN"),
        ("merchant", "FORBIDDEN"),
    ] {
        let r = estate.run(who, DAY_LIST, vars.clone()).await;
        assert_eq!(code(&r), expected, "{who}: {r}");
        if expected == "none" {
            assert_eq!(ok(&r)["centreAppointments"]["totalCount"], 3);
            let first = &ok(&r)["centreAppointments"]["edges"][0]["node"];
            assert!(first["residentName"].is_string(), "{r}");
        }
    }
    let r = run(&estate.app, &staff3, DAY_LIST, vars).await;
    assert_eq!(code(&r), "FORBIDDEN", "staff of other buildings");
}

// ------------------------------------------------------- service centres: bad input, nothing written

#[tokio::test]
async fn bookings_outside_hours_into_a_full_slot_or_twice_are_refused_and_write_nothing() {
    let estate = estate().await;
    let (centre_id, plumbing) = centre(&estate, 1, false).await;
    let app = &estate.app;
    let resident = estate.tokens["resident"].clone();
    let at = tomorrow_at(app, "09:30");
    ok(&book(app, &resident, &centre_id, plumbing, Some(&at)).await);
    let before = count::<entity::appointment::Entity>(app).await;
    let closed_day = format!("{}T10:00:00Z", app.state.clock.today() + Duration::days(2));
    for (time, why) in [
        (tomorrow_at(app, "19:00"), "after closing"),
        (tomorrow_at(app, "07:30"), "before opening"),
        (
            tomorrow_at(app, "17:45"),
            "the slot would end after closing",
        ),
        (tomorrow_at(app, "10:10"), "off the slot grid"),
        (closed_day, "an exception closes the centre that day"),
    ] {
        let r = book(app, &resident, &centre_id, plumbing, Some(&time)).await;
        assert_eq!(
            (code(&r), field(&r)),
            ("BAD_USER_INPUT", "input.startsAt"),
            "{why}: {r}"
        );
    }
    let r = book(app, &resident, &centre_id, plumbing, Some(&at)).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("CONFLICT", "input.startsAt"),
        "twice"
    );
    let r = book(
        app,
        &estate.tokens["resident2"],
        &centre_id,
        plumbing,
        Some(&at),
    )
    .await;
    assert_eq!(
        (code(&r), field(&r)),
        ("CONFLICT", "input.startsAt"),
        "full"
    );
    let electrical = category_id(app, "ELECTRICAL").await;
    let r = book(
        app,
        &resident,
        &centre_id,
        electrical,
        Some(&tomorrow_at(app, "10:00")),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.serviceId"));
    let past = format!("{}T10:00:00Z", app.state.clock.today() - Duration::days(1));
    let r = book(app, &resident, &centre_id, plumbing, Some(&past)).await;
    assert_eq!(field(&r), "input.startsAt");
    let r = book(
        app,
        &resident,
        &Uuid::now_v7().to_string(),
        plumbing,
        Some(&at),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.centreId"));
    assert_eq!(count::<entity::appointment::Entity>(app).await, before);
    // The slot list shows it full; cancelling frees the place for someone else.
    let slots = "query($id: ID!, $service: ID!, $date: Date!) { serviceCentre(id: $id) { appointmentSlots(serviceId: $service, date: $date) { startsAt placesLeft } } }";
    let date = (app.state.clock.today() + Duration::days(1)).to_string();
    let r = run(
        app,
        &resident,
        slots,
        json!({ "id": centre_id, "service": plumbing, "date": date }),
    )
    .await;
    let list = ok(&r)["serviceCentre"]["appointmentSlots"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(list.len(), 20, "08:00–18:00 in 30-minute slots");
    let taken = list
        .iter()
        .find(|s| s["startsAt"].as_str().unwrap().contains("09:30"))
        .unwrap();
    assert_eq!(taken["placesLeft"], 0);
    let mine = "{ myAppointments { edges { node { id } } } }";
    let r = run(app, &resident, mine, json!({})).await;
    let id = ok(&r)["myAppointments"]["edges"][0]["node"]["id"].clone();
    let cancel =
        "mutation($id: ID!) { cancelAppointment(input: { id: $id }) { appointment { status } } }";
    let r = estate.run("resident2", cancel, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND");
    let r = run(app, &resident, cancel, json!({ "id": id })).await;
    assert_eq!(
        ok(&r)["cancelAppointment"]["appointment"]["status"],
        "CANCELLED"
    );
    ok(&book(
        app,
        &estate.tokens["resident2"],
        &centre_id,
        plumbing,
        Some(&at),
    )
    .await);
    let r = run(app, &resident, cancel, json!({ "id": id })).await;
    assert_eq!(code(&r), "INVALID_STATE", "cancelled twice");
}

#[tokio::test]
async fn a_walk_in_needs_the_centre_open() {
    let estate = estate().await;
    // Closed on the day after tomorrow (the exception); open all day otherwise.
    let (centre_id, plumbing) = centre(&estate, 1, true).await;
    let app = &estate.app;
    let r = book(app, &estate.tokens["resident"], &centre_id, plumbing, None).await;
    let walk_in = &ok(&r)["bookAppointment"]["appointment"];
    assert_eq!(
        (walk_in["kind"].as_str(), walk_in["queueNumber"].as_i64()),
        (Some("WALK_IN"), Some(1))
    );
    let before = count::<entity::appointment::Entity>(app).await;
    let now = app.state.clock.now();
    let closed = (app.state.clock.today() + Duration::days(2))
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    app.state.clock.advance(closed - now);
    let r = book(app, &estate.tokens["resident2"], &centre_id, plumbing, None).await;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    assert_eq!(count::<entity::appointment::Entity>(app).await, before);
}

// ------------------------------------------------------------------ service centres: races

#[tokio::test]
async fn concurrent_bookings_never_overbook_a_slot() {
    let estate = estate().await;
    let (centre_id, plumbing) = centre(&estate, 3, false).await;
    let app = &estate.app;
    let tokens = resident_tokens(app, 20).await;
    let at = tomorrow_at(app, "10:00");
    let results = futures_util::future::join_all(
        tokens
            .iter()
            .map(|t| book(app, t, &centre_id, plumbing, Some(&at))),
    )
    .await;
    let won = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(won, 3, "{results:#?}");
    assert!(
        results
            .iter()
            .filter(|r| !r["errors"].is_null())
            .all(|r| matches!(code(r), "CONFLICT" | "FORBIDDEN"))
    );
    let slot = entity::appointment_slot::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(slot.len(), 1, "one slot row however many first bookings");
    assert_eq!(slot[0].booked, 3);
    assert_eq!(count::<entity::appointment::Entity>(app).await, 3);
}

#[tokio::test]
async fn concurrent_walk_ins_get_distinct_queue_numbers() {
    let estate = estate().await;
    let (centre_id, plumbing) = centre(&estate, 1, true).await;
    let app = &estate.app;
    let manager = token_for(app, "staff12@demo.test").await;
    let residents: Vec<Uuid> = {
        let mut ids = Vec::new();
        for i in 1..=12 {
            let email = format!("resident{i}@demo.test");
            ids.push(user_by_email(app, &email).await.id);
        }
        ids
    };
    // Staff at the desk register walk-ins for residents, all at once.
    let results = futures_util::future::join_all(residents.iter().map(|r| {
        run(
            app,
            &manager,
            BOOK,
            json!({ "input": { "centreId": centre_id, "serviceId": plumbing, "residentId": r } }),
        )
    }))
    .await;
    let mut numbers: Vec<i64> = results
        .iter()
        .filter(|r| r["errors"].is_null())
        .map(|r| {
            r["data"]["bookAppointment"]["appointment"]["queueNumber"]
                .as_i64()
                .unwrap()
        })
        .collect();
    let refused: Vec<_> = results.iter().filter(|r| !r["errors"].is_null()).collect();
    // Residents of Building B are not this centre's: refused as unknown.
    assert!(
        refused.iter().all(|r| code(r) == "NOT_FOUND"),
        "{refused:#?}"
    );
    numbers.sort_unstable();
    let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
    assert_eq!(numbers, expected, "no duplicate, no gap");
    assert!(numbers.len() >= 8);
}

// --------------------------------------------------- service centres: work orders from appointments

#[tokio::test]
async fn staff_at_the_centre_open_a_work_order_from_an_appointment_once() {
    let estate = estate().await;
    let (centre_id, plumbing) = centre(&estate, 2, false).await;
    let app = &estate.app;
    let at = tomorrow_at(app, "10:30");
    let r = book(
        app,
        &estate.tokens["resident"],
        &centre_id,
        plumbing,
        Some(&at),
    )
    .await;
    let id = ok(&r)["bookAppointment"]["appointment"]["id"].clone();
    let open = "mutation($id: ID!) { openWorkOrderFromAppointment(input: { appointmentId: $id, title: \"Leaking tap\", description: \"Seen at the desk.\" }) { appointment { status workOrderId } workOrder { id channel requesterId unit { id } category { code } } } }";
    let before = count::<entity::work_order::Entity>(app).await;
    for role in ["resident", "resident2"] {
        let r = estate.run(role, open, json!({ "id": id })).await;
        assert!(matches!(code(&r), "FORBIDDEN" | "NOT_FOUND"), "{role}: {r}");
    }
    let staff3 = token_for(app, "staff3@demo.test").await;
    let r = run(app, &staff3, open, json!({ "id": id })).await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.appointmentId"));
    assert_eq!(count::<entity::work_order::Entity>(app).await, before);
    let r = estate.run("staff", open, json!({ "id": id })).await;
    let data = &ok(&r)["openWorkOrderFromAppointment"];
    assert_eq!(data["appointment"]["status"], "SERVED");
    assert_eq!(data["workOrder"]["channel"], "SERVICE_CENTRE");
    assert_eq!(data["workOrder"]["category"]["code"], "PLUMBING");
    let resident = user_by_email(app, "resident1@demo.test").await.id;
    assert_eq!(data["workOrder"]["requesterId"], resident.to_string());
    assert_eq!(
        data["workOrder"]["unit"]["id"],
        home_unit(app, "resident1@demo.test").await.to_string()
    );
    assert_eq!(data["appointment"]["workOrderId"], data["workOrder"]["id"]);
    let r = estate.run("admin", open, json!({ "id": id })).await;
    assert_eq!(code(&r), "INVALID_STATE", "once");
    assert_eq!(count::<entity::work_order::Entity>(app).await, before + 1);
    // The resident sees the order as theirs.
    let order = "query($id: ID!) { workOrder(id: $id) { channel } }";
    let r = estate
        .run("resident", order, json!({ "id": data["workOrder"]["id"] }))
        .await;
    assert_eq!(ok(&r)["workOrder"]["channel"], "SERVICE_CENTRE");
}

#[tokio::test]
async fn the_centre_list_costs_the_same_statements_for_1_and_8_centres() {
    let estate = estate().await;
    let token = estate.tokens["resident"].clone();
    let list = "{ serviceCentres(first: 50) { edges { node { id buildings { name } openingHours { weekday } exceptions { date } services { slotMinutes category { code } } } } } }";
    centre(&estate, 1, false).await;
    let one = estate.app.sql_of(list, json!({}), &token).await;
    for _ in 0..7 {
        centre(&estate, 1, false).await;
    }
    let eight = estate.app.sql_of(list, json!({}), &token).await;
    assert_eq!(one.len(), eight.len(), "{one:#?}\n{eight:#?}");
    // The caller (2), the page, buildings (links and rows), hours, exceptions, services,
    // categories.
    assert!(eight.len() <= 9, "{} statements: {eight:#?}", eight.len());
}

// ------------------------------------------------------------------------------------ demo

#[tokio::test]
async fn the_demo_has_volunteers_with_hours_and_two_centres_with_appointments_once() {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    assert_eq!(
        resident_hub::demo::seed_community_services(&app.state)
            .await
            .unwrap(),
        0,
        "seeding twice adds nothing"
    );
    assert_eq!(count::<entity::service_centre::Entity>(&app).await, 2);
    assert_eq!(
        count::<entity::volunteer_opportunity::Entity>(&app).await,
        3
    );
    let token = token_for(&app, "resident1@demo.test").await;
    let r = run(&app, &token, HOURS, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerHours"]["balanceMinutes"], 210);
    let token2 = token_for(&app, "resident2@demo.test").await;
    let r = run(&app, &token2, HOURS, json!({})).await;
    assert_eq!(ok(&r)["myVolunteerHours"]["balanceMinutes"], 150);
    let r = run(&app, &token, "{ myAppointments { totalCount } serviceCentres { edges { node { openingHours { weekday } exceptions { note } } } } }", json!({})).await;
    assert_eq!(ok(&r)["myAppointments"]["totalCount"], 1);
    for centre in ok(&r)["serviceCentres"]["edges"].as_array().unwrap() {
        assert!(
            !centre["node"]["openingHours"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(centre["node"]["exceptions"].as_array().unwrap().len(), 1);
    }
    assert!(count::<entity::appointment::Entity>(&app).await >= 3);
}

/// The links between the community domains: an activity takes place at a service centre that
/// exists, and a volunteer opportunity supports an activity its creator may see; each reader
/// resolves the linked activity only if they may see it.
#[tokio::test]
async fn an_activity_names_a_real_centre_and_an_opportunity_an_activity_its_readers_may_see() {
    let estate = estate().await;
    let app = &estate.app;
    resident_hub::demo::seed_community_services(&app.state)
        .await
        .unwrap();
    let centre = entity::service_centre::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let building_a = entity::building::Entity::find()
        .filter(entity::building::Column::Name.starts_with("Building A"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let now = app.state.clock.now();
    let create = "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id serviceCentre { id name } } } }";
    let mut input = json!({
        "kind": "HEALTH_TALK",
        "title": "Sleep well",
        "description": "A nurse on sleep and screens.",
        "place": "Service centre hall",
        "startsAt": now + Duration::days(2),
        "endsAt": now + Duration::days(2) + Duration::hours(1),
        "capacity": 20,
        "householdLimit": 2,
        "audience": { "buildingIds": [building_a] },
        "serviceCentreId": Uuid::now_v7(),
    });
    let before = count::<entity::activity::Entity>(app).await;
    let r = estate.run("admin", create, json!({ "input": input })).await;
    assert_eq!(
        (code(&r), field(&r)),
        ("NOT_FOUND", "input.serviceCentreId"),
        "{r}"
    );
    assert_eq!(count::<entity::activity::Entity>(app).await, before);
    input["serviceCentreId"] = json!(centre.id);
    let r = estate.run("admin", create, json!({ "input": input })).await;
    let activity = &ok(&r)["createActivity"]["activity"];
    assert_eq!(
        activity["serviceCentre"]["name"],
        centre.name.as_str(),
        "{r}"
    );
    let activity_id = activity["id"].as_str().unwrap().to_owned();
    ok(&estate
        .run(
            "admin",
            "mutation($id: ID!) { publishActivity(input: { id: $id }) { activity { id } } }",
            json!({ "id": activity_id }),
        )
        .await);

    let opportunity = |activity: Value| {
        json!({ "input": { "title": "Ushers for the talk", "description": "Seat people.",
            "kind": "OTHER", "activityId": activity, "shifts": [{ "startsAt": now + Duration::days(2),
            "endsAt": now + Duration::days(2) + Duration::hours(1), "places": 2 }] } })
    };
    let before = count::<entity::volunteer_opportunity::Entity>(app).await;
    let r = estate
        .run(
            "admin",
            CREATE_OPPORTUNITY,
            opportunity(json!(Uuid::now_v7())),
        )
        .await;
    assert_eq!(
        (code(&r), field(&r)),
        ("NOT_FOUND", "input.activityId"),
        "{r}"
    );
    assert_eq!(
        count::<entity::volunteer_opportunity::Entity>(app).await,
        before
    );
    let r = estate
        .run("admin", CREATE_OPPORTUNITY, opportunity(json!(activity_id)))
        .await;
    let id = ok(&r)["createVolunteerOpportunity"]["opportunity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let read =
        "query($id: ID!) { volunteerOpportunity(id: $id) { id activityId activity { id title } } }";
    // A resident of Building A may see the talk; one of Building B may not.
    let r = estate.run("resident", read, json!({ "id": id })).await;
    assert_eq!(
        ok(&r)["volunteerOpportunity"]["activity"]["id"],
        activity_id.as_str(),
        "{r}"
    );
    let r = estate.run("residentB", read, json!({ "id": id })).await;
    assert_eq!(
        ok(&r)["volunteerOpportunity"]["activityId"],
        activity_id.as_str(),
        "{r}"
    );
    assert!(ok(&r)["volunteerOpportunity"]["activity"].is_null(), "{r}");
}
