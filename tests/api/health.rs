//! Health services on the demo estate: one test walks every cell of the README's "Who sees
//! what: health" table (profile, exam results, consents, access log, consultations and their
//! notes, `node(id:)`, notifications, the event log), with consent granted, withdrawn and the
//! profile deleted; another races slot bookings and sends bad input that must write nothing.

use chrono::Duration;
use resident_hub::auth::{AuthenticatedUser, Role};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp},
};

/// Text that only health fields carry: it must never show outside them.
const MARK: &str = "XYZZY";

const SAVE: &str = "mutation($input: SaveHealthProfileInput!) { saveHealthProfile(input: $input) { profile { id subjectId subjectKind conditions allergies emergencyContact { name phone } } } }";
const PROFILE: &str =
    "query($s: ID!) { healthProfile(subjectId: $s) { id conditions allergies medications notes } }";
const EXAMS: &str = "query($s: ID!) { healthExamResults(subjectId: $s, first: 10) { totalCount edges { node { results advice activityId } } } }";
const CONSENTS: &str = "query($s: ID!) { healthConsents(subjectId: $s, first: 10) { totalCount edges { node { id scope active } } } }";
const LOG: &str = "query($s: ID!) { healthProfileAccessLog(subjectId: $s, first: 10) { totalCount edges { node { readerId readerRole partnerId what } } } }";
const GRANT: &str = "mutation($s: ID!, $scope: HealthConsentScope!, $p: ID) { grantHealthConsent(input: { subjectId: $s, scope: $scope, partnerId: $p }) { consent { id scope active partnerId } } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawHealthConsent(input: { consentId: $id }) { consent { id active withdrawnAt } } }";
const REQUEST: &str = "mutation($input: RequestHealthConsultationInput!) { requestHealthConsultation(input: $input) { consultation { id status partnerId slotId } } }";
const CONSULTATION: &str = "query($id: ID!) { healthConsultation(id: $id) { id status reason clinicianNotes clinicianId } }";
const CONSULTATIONS: &str =
    "{ healthConsultations(first: 50) { totalCount edges { node { id reason clinicianNotes } } } }";
const CONFIRM: &str = "mutation($id: ID!) { confirmHealthConsultation(input: { id: $id }) { consultation { id status clinicianId } } }";
const COMPLETE: &str = "mutation($id: ID!, $notes: String!) { completeHealthConsultation(input: { id: $id, notes: $notes }) { consultation { id status clinicianNotes } } }";
const CANCEL: &str = "mutation($id: ID!) { cancelHealthConsultation(input: { id: $id }) { consultation { id status } } }";
const RECORD: &str = "mutation($input: RecordExamResultInput!) { recordExamResult(input: $input) { result { id results } } }";
const DELETE: &str =
    "mutation($s: ID!) { deleteHealthProfile(input: { subjectId: $s }) { deletedSubjectId } }";
const PUBLISH: &str = "mutation($input: PublishHealthConsultationSlotInput!) { publishHealthConsultationSlot(input: $input) { slot { id partnerId placesLeft } } }";
const SLOTS: &str = "query($p: ID) { healthConsultationSlots(partnerId: $p, first: 10) { totalCount edges { node { id placesLeft } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";
const INBOX: &str = "{ notifications(first: 50) { edges { node { category title text subjectType subject { __typename } } } } }";

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

fn token(app: &TestApp, user: Uuid) -> String {
    app.state
        .tokens
        .issue(
            &AuthenticatedUser {
                id: user,
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

async fn count<E>(app: &TestApp) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find().count(&app.state.db).await.unwrap()
}

/// Rows of every health table that holds a subject's data.
async fn health_rows(app: &TestApp) -> [u64; 5] {
    [
        count::<entity::health_profile::Entity>(app).await,
        count::<entity::health_consent::Entity>(app).await,
        count::<entity::health_access_log::Entity>(app).await,
        count::<entity::health_exam_result::Entity>(app).await,
        count::<entity::health_consultation::Entity>(app).await,
    ]
}

async fn log_rows(app: &TestApp) -> u64 {
    count::<entity::health_access_log::Entity>(app).await
}

/// A partner of `kind` with one member (a MERCHANT user); returns (partner id, member token).
async fn partner(app: &TestApp, name: &str, kind: &str) -> (Uuid, String) {
    let now = app.state.clock.now();
    let id = Uuid::now_v7();
    let admin = user_by_email(app, "admin@demo.test").await;
    entity::partner::Entity::insert(entity::partner::ActiveModel {
        id: Set(id),
        name: Set(name.to_owned()),
        kind: Set(kind.to_owned()),
        description: Set("A partner".to_owned()),
        contact_name: Set(None),
        contact_phone: Set(None),
        contact_email: Set(None),
        contract_from: Set(now - Duration::days(30)),
        contract_until: Set(None),
        status: Set("ACTIVE".to_owned()),
        created_by: Set(admin.id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&app.state.db)
    .await
    .unwrap();
    let member = app.user(&[Role::Merchant]).await;
    entity::partner_member::Entity::insert(entity::partner_member::ActiveModel {
        user_id: Set(member.id),
        partner_id: Set(id),
        created_at: Set(now),
    })
    .exec(&app.state.db)
    .await
    .unwrap();
    (id, member.token)
}

/// A second active `HEALTH_ASSISTANT` (a new staff user).
async fn health_assistant(app: &TestApp, number: &str) -> String {
    let user = app.user(&[Role::Staff]).await;
    let now = app.state.clock.now();
    entity::staff_record::Entity::insert(entity::staff_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        post: Set("HEALTH_ASSISTANT".to_owned()),
        employee_number: Set(number.to_owned()),
        hire_date: Set(now.date_naive()),
        status: Set("ACTIVE".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&app.state.db)
    .await
    .unwrap();
    user.token
}

/// A published `PHYSICAL_EXAM_DAY` that began an hour ago, organised by `organiser`.
async fn exam_day(app: &TestApp, organiser: Uuid) -> Uuid {
    let now = app.state.clock.now();
    let id = Uuid::now_v7();
    entity::activity::Entity::insert(entity::activity::ActiveModel {
        id: Set(id),
        kind: Set("PHYSICAL_EXAM_DAY".to_owned()),
        title: Set("Autumn check-up".to_owned()),
        description: Set("Blood pressure and more".to_owned()),
        organiser_id: Set(organiser),
        organiser_name: Set(None),
        place: Set("Clubhouse".to_owned()),
        service_centre_id: Set(None),
        starts_at: Set(now - Duration::hours(1)),
        ends_at: Set(now + Duration::hours(3)),
        capacity: Set(50),
        sign_up_opens_at: Set(now - Duration::days(7)),
        sign_up_closes_at: Set(now - Duration::hours(2)),
        cancel_until: Set(now - Duration::hours(2)),
        household_limit: Set(4),
        members_allowed: Set(true),
        status: Set("PUBLISHED".to_owned()),
        seats_taken: Set(0),
        waitlist_length: Set(0),
        waitlist_next: Set(0),
        version: Set(0),
        created_by: Set(organiser),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(Some(now)),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        no_shows_marked_at: Set(None),
    })
    .exec(&app.state.db)
    .await
    .unwrap();
    id
}

/// The household member of `kind` living in `unit`.
async fn member(app: &TestApp, unit: Uuid, kind: &str) -> Uuid {
    entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.eq(unit))
        .filter(entity::household_member::Column::Kind.eq(kind))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn profile_input(subject: Uuid, what: &str) -> Value {
    json!({ "input": { "subjectId": subject, "conditions": format!("{what} asthma {MARK}"),
        "allergies": format!("penicillin {MARK}"), "medications": format!("inhaler {MARK}"),
        "notes": format!("note {MARK}"),
        "emergencyContact": { "name": "Li Na", "phone": "+8613800000000" } } })
}

/// Asserts `NOT_FOUND` on every read of `subject`'s health data for each of `tokens`, and that
/// none of them wrote an access-log row.
async fn sees_nothing(app: &TestApp, tokens: &[(&str, &str)], subject: Uuid) {
    let before = log_rows(app).await;
    for (who, token) in tokens {
        for query in [PROFILE, EXAMS, CONSENTS, LOG] {
            let r = run(app, token, query, json!({ "s": subject })).await;
            assert_eq!(code(&r), "NOT_FOUND", "{who}: {query}: {r}");
            assert!(!r.to_string().contains(MARK), "{who}: {r}");
        }
    }
    assert_eq!(log_rows(app).await, before, "refused reads are not logged");
}

#[tokio::test]
async fn health_data_is_seen_exactly_as_the_readme_table_says() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let t = |role: &str| estate.tokens[role].clone();
    let (resident, resident2, manager, admin, supervisor, merchant, staff) = (
        t("resident"),
        t("resident2"),
        t("manager"),
        t("admin"),
        t("supervisor"),
        t("merchant"),
        t("staff"),
    );
    let me = user_by_email(app, "resident1@demo.test").await.id;
    // resident29 is a family member living in resident1's flat: a household adult.
    let adult_id = user_by_email(app, "resident29@demo.test").await.id;
    let adult = token(app, adult_id);
    let nurse_id = user_by_email(app, "staff11@demo.test").await.id;
    let nurse = token(app, nurse_id);
    let nurse2 = health_assistant(app, "RH-9901").await;
    let (clinic, clinician) = partner(app, "Lotus Clinic", "CLINIC").await;
    let (_, other_clinician) = partner(app, "Riverside Clinic", "CLINIC").await;
    let unit = home_unit(app, "resident1@demo.test").await;
    let child = member(app, unit, "CHILD").await;

    // The subject and the household write; a resident of another flat cannot.
    let r = run(app, &resident, SAVE, profile_input(me, "own")).await;
    let profile_id = ok(&r)["saveHealthProfile"]["profile"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ok(&r)["saveHealthProfile"]["profile"]["subjectKind"],
        "RESIDENT"
    );
    let r = run(app, &adult, SAVE, profile_input(child, "child")).await;
    assert_eq!(
        ok(&r)["saveHealthProfile"]["profile"]["subjectKind"],
        "HOUSEHOLD_MEMBER"
    );
    let r = run(app, &resident2, SAVE, profile_input(child, "intruder")).await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.subjectId"));

    // Owner side: the subject reads their own; both household adults read the child's.
    let r = run(app, &resident, PROFILE, json!({ "s": me })).await;
    assert!(
        ok(&r)["healthProfile"]["conditions"]
            .as_str()
            .unwrap()
            .starts_with("own asthma")
    );
    for token in [&resident, &adult] {
        let r = run(app, token, PROFILE, json!({ "s": child })).await;
        assert!(
            ok(&r)["healthProfile"]["conditions"]
                .as_str()
                .unwrap()
                .starts_with("child asthma")
        );
        let r = run(app, token, CONSENTS, json!({ "s": child })).await;
        assert_eq!(ok(&r)["healthConsents"]["totalCount"], 0);
        let r = run(app, token, LOG, json!({ "s": child })).await;
        assert_eq!(ok(&r)["healthProfileAccessLog"]["totalCount"], 0);
    }
    // The household adult is not the resident's owner side: their own profile stays theirs.
    let r = run(app, &adult, PROFILE, json!({ "s": me })).await;
    assert_eq!(code(&r), "NOT_FOUND");
    assert_eq!(log_rows(app).await, 0, "owner-side reads are not logged");

    // Without consent: nobody else reads anything, and nothing is logged.
    let everyone_else = [
        ("health staff", nurse.as_str()),
        ("clinic", clinician.as_str()),
        ("other clinic", other_clinician.as_str()),
        ("manager", manager.as_str()),
        ("administrator", admin.as_str()),
        ("supervisor", supervisor.as_str()),
        ("merchant", merchant.as_str()),
        ("other resident", resident2.as_str()),
        ("other staff", staff.as_str()),
    ];
    sees_nothing(app, &everyone_else, me).await;
    sees_nothing(app, &everyone_else, child).await;

    // With HEALTH_STAFF and CLINIC consents: health staff and the named clinic read, logged.
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "HEALTH_STAFF" }),
    )
    .await;
    let staff_consent = ok(&r)["grantHealthConsent"]["consent"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "CLINIC", "p": clinic }),
    )
    .await;
    assert_eq!(
        ok(&r)["grantHealthConsent"]["consent"]["partnerId"],
        clinic.to_string()
    );
    for token in [&nurse, &nurse2, &clinician] {
        let r = run(app, token, PROFILE, json!({ "s": me })).await;
        assert!(
            ok(&r)["healthProfile"]["allergies"]
                .as_str()
                .unwrap()
                .contains(MARK)
        );
    }
    let r = run(app, &clinician, EXAMS, json!({ "s": me })).await;
    assert_eq!(ok(&r)["healthExamResults"]["totalCount"], 0);
    // The consents and the log stay the owner side's; the rest still see nothing; the child's
    // profile has no consent.
    sees_nothing(
        app,
        &[
            ("other clinic", other_clinician.as_str()),
            ("manager", manager.as_str()),
            ("administrator", admin.as_str()),
            ("supervisor", supervisor.as_str()),
            ("merchant", merchant.as_str()),
            ("other resident", resident2.as_str()),
            ("other staff", staff.as_str()),
        ],
        me,
    )
    .await;
    sees_nothing(app, &everyone_else, child).await;
    for token in [&nurse, &clinician] {
        for query in [CONSENTS, LOG] {
            let r = run(app, token, query, json!({ "s": me })).await;
            assert_eq!(code(&r), "NOT_FOUND", "{r}");
        }
    }
    let r = run(app, &resident, LOG, json!({ "s": me })).await;
    let log = &ok(&r)["healthProfileAccessLog"];
    assert_eq!(log["totalCount"], 4, "{log}");
    let entries: Vec<(String, String, String)> = log["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["readerId"].as_str().unwrap().to_owned(),
                n["readerRole"].as_str().unwrap().to_owned(),
                n["what"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(entries[0].1, "CLINIC");
    assert_eq!(entries[0].2, "EXAM_RESULTS");
    assert!(entries.contains(&(
        nurse_id.to_string(),
        "HEALTH_STAFF".into(),
        "PROFILE".into()
    )));
    assert_eq!(
        log["edges"][0]["node"]["partnerId"],
        clinic.to_string(),
        "the clinic is named"
    );

    // node(id:) never serves health objects, not even to the subject.
    for token in [&resident, &nurse, &admin] {
        let r = run(app, token, NODE, json!({ "id": profile_id })).await;
        assert!(ok(&r)["node"].is_null(), "{r}");
    }

    // Withdrawing hides the profile at once; a second withdrawal changes nothing.
    let r = run(app, &resident, WITHDRAW, json!({ "id": staff_consent })).await;
    assert_eq!(ok(&r)["withdrawHealthConsent"]["consent"]["active"], false);
    sees_nothing(app, &[("health staff", nurse.as_str())], me).await;
    let r = run(app, &clinician, PROFILE, json!({ "s": me })).await;
    assert!(
        ok(&r)["healthProfile"].is_object(),
        "the clinic's consent holds"
    );
    let r = run(app, &resident, WITHDRAW, json!({ "id": staff_consent })).await;
    assert_eq!(code(&r), "INVALID_STATE");
    let r = run(app, &nurse, WITHDRAW, json!({ "id": staff_consent })).await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.consentId"));

    // A consultation for the child with the estate's health staff: both sides see it, the
    // notes are the household's and the clinician's only, nobody else sees it at all.
    let now = app.state.clock.now();
    let r = run(
        app,
        &resident,
        REQUEST,
        json!({ "input": { "subjectId": child, "mode": "ONLINE",
            "preferredAt": now + Duration::days(1), "reason": format!("cough {MARK}") } }),
    )
    .await;
    let consultation = ok(&r)["requestHealthConsultation"]["consultation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = run(app, &nurse, CONFIRM, json!({ "id": consultation })).await;
    assert_eq!(
        ok(&r)["confirmHealthConsultation"]["consultation"]["clinicianId"],
        nurse_id.to_string()
    );
    let r = run(
        app,
        &nurse2,
        COMPLETE,
        json!({ "id": consultation, "notes": format!("rest {MARK}") }),
    )
    .await;
    assert_eq!(code(&r), "FORBIDDEN", "only the clinician completes");
    let r = run(
        app,
        &nurse,
        COMPLETE,
        json!({ "id": consultation, "notes": format!("rest {MARK}") }),
    )
    .await;
    assert_eq!(
        ok(&r)["completeHealthConsultation"]["consultation"]["status"],
        "DONE"
    );
    for (who, token, notes) in [
        ("resident", &resident, true),
        ("household adult", &adult, true),
        ("clinician", &nurse, true),
        ("other health staff", &nurse2, false),
    ] {
        let r = run(app, token, CONSULTATION, json!({ "id": consultation })).await;
        let c = &ok(&r)["healthConsultation"];
        assert_eq!(c["status"], "DONE", "{who}");
        assert_eq!(c["clinicianNotes"].is_string(), notes, "{who}: {c}");
        let r = run(app, token, CONSULTATIONS, json!({})).await;
        let list = &ok(&r)["healthConsultations"];
        assert_eq!(list["totalCount"], 1, "{who}");
        assert_eq!(
            list["edges"][0]["node"]["clinicianNotes"].is_string(),
            notes,
            "{who}"
        );
    }
    for (who, token) in [
        ("clinic", &clinician),
        ("manager", &manager),
        ("administrator", &admin),
        ("supervisor", &supervisor),
        ("other resident", &resident2),
        ("other staff", &staff),
    ] {
        let r = run(app, token, CONSULTATION, json!({ "id": consultation })).await;
        assert_eq!(code(&r), "NOT_FOUND", "{who}");
        let r = run(app, token, CONSULTATIONS, json!({})).await;
        assert_eq!(ok(&r)["healthConsultations"]["totalCount"], 0, "{who}");
        let r = run(app, token, NODE, json!({ "id": consultation })).await;
        assert!(ok(&r)["node"].is_null(), "{who}");
    }

    // Exam results: only with an EXAM_RESULTS consent, only by health staff who attended.
    let day = exam_day(app, nurse_id).await;
    let record = json!({ "input": { "activityId": day, "subjectId": me,
        "results": format!("BP 120/80 {MARK}") } });
    let r = run(app, &nurse, RECORD, record.clone()).await;
    assert_eq!(code(&r), "INVALID_STATE", "no consent yet");
    assert_eq!(count::<entity::health_exam_result::Entity>(app).await, 0);
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "EXAM_RESULTS" }),
    )
    .await;
    ok(&r);
    let r = run(app, &nurse2, RECORD, record.clone()).await;
    assert_eq!(code(&r), "FORBIDDEN", "did not attend the day");
    let r = run(app, &staff, RECORD, record.clone()).await;
    assert_eq!(code(&r), "FORBIDDEN", "not health staff");
    let r = run(app, &nurse, RECORD, record.clone()).await;
    ok(&r);
    let r = run(app, &nurse, RECORD, record).await;
    assert_eq!(code(&r), "CONFLICT", "once per day and subject");
    let r = run(app, &resident, EXAMS, json!({ "s": me })).await;
    assert_eq!(ok(&r)["healthExamResults"]["totalCount"], 1);
    let logged = log_rows(app).await;
    let r = run(app, &clinician, EXAMS, json!({ "s": me })).await;
    assert_eq!(ok(&r)["healthExamResults"]["totalCount"], 1);
    assert_eq!(log_rows(app).await, logged + 1);
    let r = run(app, &nurse, EXAMS, json!({ "s": me })).await;
    assert_eq!(code(&r), "NOT_FOUND", "recording is not reading");

    // Notifications went to both sides and carry no health data; the subject is not served
    // through the inbox. The event log carries none either.
    for (who, token, wanted) in [
        (
            "resident",
            &resident,
            vec![
                "Consultation confirmed",
                "Consultation completed",
                "Exam results recorded",
            ],
        ),
        ("health staff", &nurse, vec!["Consultation requested"]),
    ] {
        let r = run(app, token, INBOX, json!({})).await;
        let titles: Vec<&str> = ok(&r)["notifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["node"]["category"] == "HEALTH")
            .map(|e| {
                assert!(e["node"]["subject"].is_null(), "{who}: {e}");
                e["node"]["title"].as_str().unwrap()
            })
            .collect();
        for title in wanted {
            assert!(titles.contains(&title), "{who}: {titles:?}");
        }
    }
    for row in entity::notification::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
    {
        assert!(
            !row.title.contains(MARK) && !row.text.contains(MARK) && !row.text.contains("cough"),
            "{row:?}"
        );
    }
    for row in entity::event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
    {
        assert!(!row.payload.to_string().contains(MARK), "{row:?}");
    }

    // Deleting really deletes: every health row of both subjects is gone.
    assert!(health_rows(app).await.iter().all(|n| *n > 0));
    let r = run(app, &manager, DELETE, json!({ "s": me })).await;
    assert_eq!(code(&r), "NOT_FOUND");
    let r = run(app, &resident, DELETE, json!({ "s": me })).await;
    assert_eq!(
        ok(&r)["deleteHealthProfile"]["deletedSubjectId"],
        me.to_string()
    );
    let r = run(app, &adult, DELETE, json!({ "s": child })).await;
    ok(&r);
    assert_eq!(health_rows(app).await, [0; 5]);
    let r = run(app, &resident, PROFILE, json!({ "s": me })).await;
    assert!(ok(&r)["healthProfile"].is_null());
    sees_nothing(app, &[("clinic", clinician.as_str())], me).await;
    let r = run(app, &resident, DELETE, json!({ "s": me })).await;
    assert_eq!(code(&r), "NOT_FOUND", "nothing left to delete");
    let r = run(app, &resident, INBOX, json!({})).await;
    let left: Vec<&Value> = ok(&r)["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["subjectType"] == "HEALTH_CONSULTATION")
        .collect();
    assert!(
        left.is_empty(),
        "the consultation's notifications went too: {left:?}"
    );
}

#[tokio::test]
async fn slots_never_overfill_and_bad_input_writes_nothing() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let nurse = token(app, user_by_email(app, "staff11@demo.test").await.id);
    let manager = estate.tokens["manager"].clone();
    let resident = estate.tokens["resident"].clone();
    let me = user_by_email(app, "resident1@demo.test").await.id;
    let (clinic, clinician) = partner(app, "Lotus Clinic", "CLINIC").await;
    let (shop, _) = partner(app, "Lotus Bakery Shop", "SHOP").await;
    let now = app.state.clock.now();
    let slot_input = |capacity: i32| {
        json!({ "input": { "mode": "ONSITE", "startsAt": now + Duration::hours(2),
            "endsAt": now + Duration::hours(3), "capacity": capacity } })
    };

    // Publishing: health staff for the estate, a clinic for itself, nobody else.
    let r = run(app, &manager, PUBLISH, slot_input(3)).await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = run(app, &clinician, PUBLISH, slot_input(1)).await;
    assert_eq!(
        ok(&r)["publishHealthConsultationSlot"]["slot"]["partnerId"],
        clinic.to_string()
    );
    let r = run(app, &nurse, PUBLISH, slot_input(0)).await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.capacity"));
    let r = run(app, &nurse, PUBLISH, slot_input(3)).await;
    let slot = ok(&r)["publishHealthConsultationSlot"]["slot"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ok(&r)["publishHealthConsultationSlot"]["slot"]["partnerId"].is_null());

    // Ten residents race for three places: exactly three get one.
    let mut tokens = Vec::new();
    for i in 1..=10 {
        let id = user_by_email(app, &format!("resident{i}@demo.test"))
            .await
            .id;
        tokens.push((id, token(app, id)));
    }
    let attempts = tokens.iter().map(|(id, token)| {
        let slot = slot.clone();
        async move {
            run(
                app,
                token,
                REQUEST,
                json!({ "input": { "subjectId": id, "mode": "ONSITE", "slotId": slot,
                    "reason": "check-up" } }),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let booked: Vec<&Value> = answers.iter().filter(|r| r["errors"].is_null()).collect();
    assert_eq!(booked.len(), 3, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|r| !r["errors"].is_null())
            .all(|r| code(r) == "CONFLICT" && field(r) == "input.slotId")
    );
    assert_eq!(count::<entity::health_consultation::Entity>(app).await, 3);
    let r = run(app, &resident, SLOTS, json!({})).await;
    assert_eq!(
        ok(&r)["healthConsultationSlots"]["edges"][0]["node"]["placesLeft"],
        0
    );
    // Cancelling frees a place (either side may cancel; a manager may not even see it).
    let first = booked[0]["data"]["requestHealthConsultation"]["consultation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = run(app, &manager, CANCEL, json!({ "id": first })).await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.id"));
    let r = run(app, &nurse, CANCEL, json!({ "id": first })).await;
    assert_eq!(
        ok(&r)["cancelHealthConsultation"]["consultation"]["status"],
        "CANCELLED"
    );
    let r = run(app, &nurse, CANCEL, json!({ "id": first })).await;
    assert_eq!(code(&r), "INVALID_STATE");
    let r = run(app, &resident, SLOTS, json!({})).await;
    assert_eq!(
        ok(&r)["healthConsultationSlots"]["edges"][0]["node"]["placesLeft"],
        1
    );

    // Bad input: clear codes, nothing written.
    let rows = health_rows(app).await;
    let unit5 = home_unit(app, "resident5@demo.test").await;
    let pet = member(app, unit5, "PET").await;
    let owner5 = token(app, user_by_email(app, "resident5@demo.test").await.id);
    let r = run(app, &owner5, SAVE, profile_input(pet, "pet")).await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.subjectId"));
    let r = run(
        app,
        &resident,
        SAVE,
        profile_input(Uuid::now_v7(), "nobody"),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.subjectId"));
    let r = run(
        app,
        &resident,
        SAVE,
        json!({ "input": { "subjectId": "not-an-id", "conditions": "x".repeat(2001) } }),
    )
    .await;
    let fields: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["input.subjectId", "input.conditions"]);
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "HEALTH_STAFF" }),
    )
    .await;
    assert_eq!(code(&r), "INVALID_STATE", "no profile yet");
    assert_eq!(health_rows(app).await, rows);
    let r = run(app, &resident, SAVE, profile_input(me, "own")).await;
    ok(&r);
    let rows = health_rows(app).await;
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "CLINIC", "p": shop }),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.partnerId"));
    let r = run(app, &resident, GRANT, json!({ "s": me, "scope": "CLINIC" })).await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.partnerId"));
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "HEALTH_STAFF", "p": clinic }),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.partnerId"));
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "CLINIC", "p": Uuid::now_v7() }),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.partnerId"));
    assert_eq!(health_rows(app).await, rows);
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "HEALTH_STAFF" }),
    )
    .await;
    ok(&r);
    let r = run(
        app,
        &resident,
        GRANT,
        json!({ "s": me, "scope": "HEALTH_STAFF" }),
    )
    .await;
    assert_eq!(code(&r), "CONFLICT", "one live consent per party");
    let r = run(
        app,
        &manager,
        GRANT,
        json!({ "s": me, "scope": "HEALTH_STAFF" }),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("NOT_FOUND", "input.subjectId"));
    let rows = health_rows(app).await;
    let r = run(
        app,
        &resident,
        REQUEST,
        json!({ "input": { "subjectId": me, "mode": "ONSITE", "slotId": slot,
            "preferredAt": now + Duration::days(1), "reason": "" } }),
    )
    .await;
    let fields: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["input.reason", "input.slotId"]);
    let r = run(
        app,
        &resident,
        REQUEST,
        json!({ "input": { "subjectId": me, "mode": "ONLINE",
            "preferredAt": now + Duration::days(1), "reason": "check", "partnerId": shop } }),
    )
    .await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "input.partnerId"));
    let r = run(app, &resident, PROFILE, json!({ "s": "nope" })).await;
    assert_eq!((code(&r), field(&r)), ("BAD_USER_INPUT", "subjectId"));
    // Reading another resident's profile without consent: NOT_FOUND, nothing logged.
    let r = run(
        app,
        &estate.tokens["resident2"],
        PROFILE,
        json!({ "s": me }),
    )
    .await;
    assert_eq!(code(&r), "NOT_FOUND");
    assert_eq!(health_rows(app).await, rows);
}

#[tokio::test]
async fn the_demo_has_consented_profiles_a_consultation_and_exam_results_once() {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    let first = health_rows(&app).await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    assert_eq!(health_rows(&app).await, first, "seeding twice adds nothing");
    // Two profiles, three consents, no reads yet, one exam result, one consultation.
    assert_eq!(first, [2, 3, 0, 1, 1]);
    let resident = token(&app, user_by_email(&app, "resident1@demo.test").await.id);
    let me = user_by_email(&app, "resident1@demo.test").await.id;
    let r = run(&app, &resident, EXAMS, json!({ "s": me })).await;
    assert_eq!(ok(&r)["healthExamResults"]["totalCount"], 1);
    let r = run(&app, &resident, CONSULTATIONS, json!({})).await;
    assert_eq!(ok(&r)["healthConsultations"]["totalCount"], 1);
    // The health assistant reads the consented profile, and the read is logged.
    let nurse = token(&app, user_by_email(&app, "staff11@demo.test").await.id);
    let r = run(&app, &nurse, PROFILE, json!({ "s": me })).await;
    assert_eq!(ok(&r)["healthProfile"]["allergies"], "Penicillin");
    assert_eq!(log_rows(&app).await, 1);
}
