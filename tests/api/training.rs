//! Training: who sees and changes what (every role), enrolment that never overfills a session
//! under concurrency, results that complete onboarding (and the user's open scope sees it),
//! passes that lapse when the clock passes their recurrence, the lapse reminder sent once by two
//! instances, refused input naming every field and writing nothing, and `training_blockers`.
//! Runs on the demo estate without the demo training, so every course here is the test's own.

use std::collections::HashSet;

use chrono::Duration;
use resident_hub::{
    auth::Role,
    domains::training::{jobs::TrainingLapse, service::training_blockers},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, user_by_email},
    helpers::TestApp,
};

const COURSE: &str = "mutation($input: CreateTrainingCourseInput!) { createTrainingCourse(input: $input) { course { id code kind recurrenceMonths passScore requiredFor } } }";
const SESSION: &str = "mutation($input: CreateTrainingSessionInput!) { createTrainingSession(input: $input) { session { id capacity enrolled remaining course { code } } } }";
const ENROL: &str = "mutation($input: EnrolInSessionInput!) { enrolInSession(input: $input) { record { id result staffId } } }";
const RESULT: &str = "mutation($input: RecordTrainingResultInput!) { recordTrainingResult(input: $input) { activated record { id result attended score issuedAt validUntil valid } } }";

/// The error code of the first error, or `OK`.
fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
}

/// Every error's field, sorted.
fn fields(json: &Value) -> Vec<String> {
    let mut fields: Vec<String> = json["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors expected: {json}"))
        .iter()
        .map(|e| {
            assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{json}");
            e["extensions"]["field"].as_str().unwrap().to_owned()
        })
        .collect();
    fields.sort();
    fields
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
            crate::helpers::TEST_TOKEN_TTL,
        )
        .unwrap()
}

async fn staff_of(app: &TestApp, email: &str) -> entity::staff_record::Model {
    let user = user_by_email(app, email).await;
    entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::UserId.eq(user.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn ok(estate: &Estate, role: &str, query: &str, variables: Value) -> Value {
    let json = estate.run(role, query, variables).await;
    assert!(json["errors"].is_null(), "{role}: {json}");
    json["data"].clone()
}

/// A course made by the administrator; returns its id.
async fn course(
    estate: &Estate,
    code: &str,
    kind: &str,
    posts: &[&str],
    recurrence: Option<i32>,
) -> String {
    let data = ok(
        estate,
        "admin",
        COURSE,
        json!({ "input": {
            "code": code, "title": format!("Course {code}"), "topic": "SAFETY",
            "delivery": "CLASSROOM", "kind": kind, "requiredFor": posts,
            "recurrenceMonths": recurrence, "hours": 4, "passScore": 60,
        } }),
    )
    .await;
    data["createTrainingCourse"]["course"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A session of `course` tomorrow, trained by `trainer`; returns its id.
async fn session(estate: &Estate, course: &str, trainer: Uuid, capacity: i32) -> String {
    let starts = estate.app.state.clock.now() + Duration::days(1);
    let data = ok(
        estate,
        "admin",
        SESSION,
        json!({ "input": {
            "courseId": course, "startsAt": starts, "endsAt": starts + Duration::hours(4),
            "place": "Community room", "trainerId": trainer, "capacity": capacity,
        } }),
    )
    .await;
    data["createTrainingSession"]["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn admin_id(app: &TestApp) -> Uuid {
    user_by_email(app, "admin@demo.test").await.id
}

/// Enrols `staff` (as the administrator) and records `score` (attended); returns the record.
async fn pass(estate: &Estate, course: &str, staff: Uuid, score: i32) -> Value {
    let admin = admin_id(&estate.app).await;
    let session = session(estate, course, admin, 10).await;
    let data = ok(
        estate,
        "admin",
        ENROL,
        json!({ "input": { "sessionId": session, "staffId": staff } }),
    )
    .await;
    let record = data["enrolInSession"]["record"]["id"].clone();
    let data = ok(
        estate,
        "admin",
        RESULT,
        json!({ "input": { "recordId": record, "attended": true, "score": score } }),
    )
    .await;
    data["recordTrainingResult"].clone()
}

const LISTS: &str = "query($staffId: ID) { trainingCourses(first: 50) { totalCount edges { node { code requiredFor } } } trainingSessions(first: 50) { totalCount } trainingRecords(staffId: $staffId, first: 50) { totalCount edges { node { staffId result course { code } staff { post } } } } }";

#[tokio::test]
async fn every_role_sees_and_changes_what_the_table_says() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let admin = admin_id(app).await;
    let course = course(&estate, "ORIENT", "PRE_JOB", &["CLEANER"], None).await;
    let session = session(&estate, &course, admin, 10).await;
    let staff2 = staff_of(app, "staff2@demo.test").await; // building A, the "staff" token
    let staff6 = staff_of(app, "staff6@demo.test").await; // building B, onboarding

    // Who enrols whom.
    let enrol = |role: &'static str, staff: Option<Uuid>| {
        let session = session.clone();
        let estate = &estate;
        async move {
            estate
                .run(
                    role,
                    ENROL,
                    json!({ "input": { "sessionId": session, "staffId": staff } }),
                )
                .await
        }
    };
    assert_eq!(
        code(&enrol("staff", None).await),
        "OK",
        "staff enrol themselves"
    );
    assert_eq!(code(&enrol("staff", None).await), "CONFLICT", "not twice");
    let json = enrol("staff", Some(staff6.id)).await;
    assert_eq!(
        code(&json),
        "NOT_FOUND",
        "another's record is not theirs: {json}"
    );
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.staffId");
    assert_eq!(
        code(&enrol("supervisor", Some(staff6.id)).await),
        "FORBIDDEN",
        "supervisors read, they do not enrol"
    );
    assert_eq!(code(&enrol("manager", Some(staff6.id)).await), "OK");
    for role in ["resident", "merchant"] {
        assert_eq!(
            code(&enrol(role, Some(staff6.id)).await),
            "FORBIDDEN",
            "{role}"
        );
    }
    assert_eq!(code(&enrol("anonymous", None).await), "UNAUTHENTICATED");

    // Who manages courses.
    for (role, expected) in [
        ("staff", "FORBIDDEN"),
        ("manager", "FORBIDDEN"),
        ("supervisor", "FORBIDDEN"),
        ("resident", "FORBIDDEN"),
        ("merchant", "FORBIDDEN"),
        ("anonymous", "UNAUTHENTICATED"),
    ] {
        let json = estate
            .run(
                role,
                COURSE,
                json!({ "input": { "code": "NOPE", "title": "No", "topic": "SAFETY",
                    "delivery": "EXAM", "kind": "JOB_SPECIFIC", "hours": 1, "passScore": 50 } }),
            )
            .await;
        assert_eq!(code(&json), expected, "{role}: {json}");
    }

    // Who reads: staff their own records, the manager their buildings' staff, supervisors and
    // administrators everyone's; residents and merchants nothing.
    for (role, records) in [
        ("admin", 2),
        ("supervisor", 2),
        ("manager", 2),
        ("staff", 1),
    ] {
        let data = ok(&estate, role, LISTS, json!({})).await;
        assert_eq!(data["trainingCourses"]["totalCount"], 1, "{role}");
        assert_eq!(
            data["trainingCourses"]["edges"][0]["node"]["requiredFor"],
            json!(["CLEANER"])
        );
        assert_eq!(data["trainingSessions"]["totalCount"], 1, "{role}");
        assert_eq!(
            data["trainingRecords"]["totalCount"], records,
            "{role}: {data}"
        );
    }
    let data = ok(&estate, "staff", LISTS, json!({ "staffId": staff6.id })).await;
    assert_eq!(
        data["trainingRecords"]["totalCount"], 0,
        "a staff id you may not see narrows to nothing"
    );
    let data = ok(&estate, "manager", LISTS, json!({ "staffId": staff6.id })).await;
    assert_eq!(data["trainingRecords"]["totalCount"], 1);
    for (role, expected) in [
        ("resident", "FORBIDDEN"),
        ("merchant", "FORBIDDEN"),
        ("anonymous", "UNAUTHENTICATED"),
    ] {
        for query in [
            "{ trainingCourses { totalCount } }",
            "{ trainingSessions { totalCount } }",
            "{ trainingRecords { totalCount } }",
        ] {
            let json = estate.run(role, query, json!({})).await;
            assert_eq!(code(&json), expected, "{role} {query}: {json}");
        }
    }

    // Records as nodes follow the same oversight; courses and sessions are nodes for readers.
    let records = entity::training_record::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let of6 = records.iter().find(|r| r.staff_id == staff6.id).unwrap();
    let of2 = records.iter().find(|r| r.staff_id == staff2.id).unwrap();
    let node = "query($id: ID!) { node(id: $id) { __typename id } }";
    for (role, id, seen) in [
        ("staff", of2.id, true),
        ("staff", of6.id, false),
        ("manager", of6.id, true),
        ("supervisor", of6.id, true),
        ("resident", of2.id, false),
    ] {
        let data = ok(&estate, role, node, json!({ "id": id })).await;
        assert_eq!(!data["node"].is_null(), seen, "{role}: {data}");
    }
    let data = ok(&estate, "staff", node, json!({ "id": course })).await;
    assert_eq!(data["node"]["__typename"], "TrainingCourse");
    let data = ok(&estate, "resident", node, json!({ "id": session })).await;
    assert!(data["node"].is_null());

    // Who records results: the trainer, a manager of the staff member, an administrator.
    let result = |role: &'static str, record: Uuid| {
        let estate = &estate;
        async move {
            estate
                .run(
                    role,
                    RESULT,
                    json!({ "input": { "recordId": record, "attended": true, "score": 80 } }),
                )
                .await
        }
    };
    assert_eq!(
        code(&result("staff", of2.id).await),
        "FORBIDDEN",
        "not their own"
    );
    assert_eq!(code(&result("staff", of6.id).await), "NOT_FOUND");
    assert_eq!(code(&result("supervisor", of6.id).await), "FORBIDDEN");
    assert_eq!(code(&result("resident", of6.id).await), "FORBIDDEN");
    assert_eq!(code(&result("manager", of2.id).await), "OK");
}

#[tokio::test]
async fn twenty_concurrent_enrolments_fill_five_places_exactly() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let course = course(&estate, "DRILL", "JOB_SPECIFIC", &[], None).await;
    let session = session(&estate, &course, admin_id(app).await, 5).await;
    let mut staff = Vec::new();
    for n in 0..20 {
        let user = app.user(&[Role::Staff]).await;
        let now = app.state.clock.now();
        let id = Uuid::now_v7();
        entity::staff_record::Entity::insert(entity::staff_record::ActiveModel {
            id: sea_orm::Set(id),
            user_id: sea_orm::Set(user.id),
            post: sea_orm::Set("CLEANER".to_owned()),
            employee_number: sea_orm::Set(format!("T{n:04}")),
            hire_date: sea_orm::Set(app.state.clock.today()),
            status: sea_orm::Set("ACTIVE".to_owned()),
            created_at: sea_orm::Set(now),
            updated_at: sea_orm::Set(now),
        })
        .exec(&app.state.db)
        .await
        .unwrap();
        staff.push(id);
    }
    let answers = futures_util::future::join_all(staff.iter().map(|id| {
        estate.run(
            "admin",
            ENROL,
            json!({ "input": { "sessionId": session, "staffId": id } }),
        )
    }))
    .await;
    let codes: Vec<&str> = answers.iter().map(code).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "OK").count(),
        5,
        "{answers:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == "CONFLICT").count(),
        15,
        "{answers:?}"
    );
    for answer in answers.iter().filter(|a| code(a) == "CONFLICT") {
        assert_eq!(
            answer["errors"][0]["extensions"]["field"],
            "input.sessionId"
        );
    }
    let stored = entity::training_session::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.capacity, stored.enrolled), (5, 5));
    assert_eq!(
        entity::training_record::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        5
    );
    // Once it has started, a session takes nobody, even with places freed.
    app.state.clock.advance(Duration::days(2));
    let late = staff_of(app, "staff2@demo.test").await;
    let json = estate
        .run(
            "admin",
            ENROL,
            json!({ "input": { "sessionId": session, "staffId": late.id } }),
        )
        .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
}

#[tokio::test]
async fn passing_every_pre_job_course_makes_an_onboarding_member_active_and_their_scope_follows() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff6 = staff_of(app, "staff6@demo.test").await;
    assert_eq!(staff6.status, "ONBOARDING");
    let token6 = token_of(app, "staff6@demo.test").await;
    let buildings = "{ buildings(first: 5) { totalCount } }";
    let (_, json) = app.graphql(buildings, json!({}), Some(&token6)).await;
    assert_eq!(json["data"]["buildings"]["totalCount"], 0, "{json}");
    let first = course(&estate, "PRE_A", "PRE_JOB", &["CLEANER"], None).await;
    let second = course(&estate, "PRE_B", "PRE_JOB", &["CLEANER", "GARDENER"], None).await;
    // Another post's pre-job course does not hold a cleaner back.
    course(&estate, "PRE_C", "PRE_JOB", &["SECURITY"], None).await;

    // The trainer (here a staff member) records a result for their session.
    let trainer = user_by_email(app, "staff1@demo.test").await.id;
    let trained = session(&estate, &first, trainer, 5).await;
    let data = ok(
        &estate,
        "manager",
        ENROL,
        json!({ "input": { "sessionId": trained, "staffId": staff6.id } }),
    )
    .await;
    let record = data["enrolInSession"]["record"]["id"].clone();
    let token1 = token_of(app, "staff1@demo.test").await;
    let failed = "mutation($r: ID!) { recordTrainingResult(input: { recordId: $r, attended: true, score: 59 }) { activated record { result valid } } }";
    let (_, json) = app
        .graphql(failed, json!({ "r": record }), Some(&token1))
        .await;
    assert_eq!(
        json["data"]["recordTrainingResult"],
        json!({ "activated": false, "record": { "result": "FAILED", "valid": false } }),
        "{json}"
    );
    let absent = "mutation($r: ID!) { recordTrainingResult(input: { recordId: $r, attended: false, score: 90 }) { record { result } } }";
    let (_, json) = app
        .graphql(absent, json!({ "r": record }), Some(&token1))
        .await;
    assert_eq!(
        json["data"]["recordTrainingResult"]["record"]["result"], "FAILED",
        "absent is not passed, whatever the score: {json}"
    );
    let passed = "mutation($r: ID!) { recordTrainingResult(input: { recordId: $r, attended: true, score: 60 }) { activated record { result valid validUntil } } }";
    let (_, json) = app
        .graphql(passed, json!({ "r": record }), Some(&token1))
        .await;
    assert_eq!(
        json["data"]["recordTrainingResult"],
        json!({ "activated": false, "record": { "result": "PASSED", "valid": true, "validUntil": null } }),
        "one pre-job course of two: {json}"
    );
    assert_eq!(staff_of(app, "staff6@demo.test").await.status, "ONBOARDING");

    // The open scope (the per-process cache subscriptions read) still says onboarding.
    let cached = app
        .state
        .scopes
        .get(&app.state, staff6.user_id)
        .await
        .unwrap();
    assert!(!cached.staff().await.unwrap().active);
    let mut changes = app.state.scopes.changes();

    let done = pass(&estate, &second, staff6.id, 95).await;
    assert_eq!(done["activated"], true, "{done}");
    let record = staff_of(app, "staff6@demo.test").await;
    assert_eq!(record.status, "ACTIVE");
    let history = entity::staff_status_change::Entity::find()
        .filter(entity::staff_status_change::Column::StaffId.eq(staff6.id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (
            history[0].from_status.as_str(),
            history[0].to_status.as_str()
        ),
        ("ONBOARDING", "ACTIVE")
    );
    let note = entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(staff6.user_id))
        .filter(entity::notification::Column::Kind.eq("ONBOARDING_COMPLETE"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(note, 1, "told once");
    let inbox = "{ notifications(first: 10) { edges { node { kind category subject { __typename ... on TrainingRecord { result course { code } } } } } } }";
    let (_, json) = app.graphql(inbox, json!({}), Some(&token6)).await;
    let kinds: Vec<&Value> = json["data"]["notifications"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .iter()
        .map(|edge| &edge["node"])
        .filter(|node| node["category"] == "TRAINING")
        .collect();
    let complete = kinds
        .iter()
        .find(|node| node["kind"] == "ONBOARDING_COMPLETE")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(
        complete["subject"],
        json!({ "__typename": "TrainingRecord", "result": "PASSED", "course": { "code": "PRE_B" } })
    );

    // The access change reaches the cache, which then loads the active record.
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let change = changes.recv().await.unwrap();
            if change.concerns(staff6.user_id) {
                break;
            }
        }
    })
    .await
    .expect("an access change for the activated user within 10 s");
    let fresh = app
        .state
        .scopes
        .get(&app.state, staff6.user_id)
        .await
        .unwrap();
    let facet = fresh.staff().await.unwrap();
    assert!(facet.active && !facet.served_buildings.is_empty());
    let (_, json) = app.graphql(buildings, json!({}), Some(&token6)).await;
    assert_eq!(json["data"]["buildings"]["totalCount"], 1, "{json}");

    // Already active: another pass changes nothing more.
    let again = pass(&estate, &first, staff6.id, 100).await;
    assert_eq!(again["activated"], false);
}

#[tokio::test]
async fn a_pass_lapses_when_the_clock_passes_its_recurrence() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff2 = staff_of(app, "staff2@demo.test").await;
    let yearly = course(
        &estate,
        "YEARLY",
        "IN_SERVICE",
        &["REPAIR_TECHNICIAN"],
        Some(12),
    )
    .await;
    let (_, lapsed) = training_blockers(
        &app.state.db,
        std::slice::from_ref(&staff2),
        app.state.clock.now(),
    )
    .await
    .unwrap();
    assert!(lapsed.contains(&staff2.id), "no pass yet");

    let done = pass(&estate, &yearly, staff2.id, 70).await;
    let issued: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(done["record"]["issuedAt"].clone()).unwrap();
    let until: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(done["record"]["validUntil"].clone()).unwrap();
    assert_eq!(
        until,
        issued.checked_add_months(chrono::Months::new(12)).unwrap()
    );
    let (_, lapsed) = training_blockers(
        &app.state.db,
        std::slice::from_ref(&staff2),
        app.state.clock.now(),
    )
    .await
    .unwrap();
    assert!(lapsed.is_empty());

    let valid = "{ trainingRecords(first: 5) { edges { node { valid validUntil } } } }";
    let data = ok(&estate, "staff", valid, json!({})).await;
    assert_eq!(data["trainingRecords"]["edges"][0]["node"]["valid"], true);
    app.state.clock.advance(Duration::days(366));
    // A year on, the fixture's token has expired: a fresh one.
    let token = token_of(app, "staff2@demo.test").await;
    let (_, json) = app.graphql(valid, json!({}), Some(&token)).await;
    assert_eq!(
        json["data"]["trainingRecords"]["edges"][0]["node"]["valid"], false,
        "{json}"
    );
    let (pre_job, lapsed) = training_blockers(
        &app.state.db,
        std::slice::from_ref(&staff2),
        app.state.clock.now(),
    )
    .await
    .unwrap();
    assert!(pre_job.is_empty());
    assert_eq!(lapsed, HashSet::from([staff2.id]));
}

#[tokio::test]
async fn the_lapse_reminder_goes_out_once_from_two_instances() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let staff2 = staff_of(app, "staff2@demo.test").await;
    let manager = user_by_email(app, "staff12@demo.test").await.id;
    let yearly = course(
        &estate,
        "YEARLY",
        "IN_SERVICE",
        &["REPAIR_TECHNICIAN"],
        Some(12),
    )
    .await;
    pass(&estate, &yearly, staff2.id, 70).await;

    let run = || async {
        let (a, b) = tokio::join!(
            app.state.jobs.run_now(&app.state, TrainingLapse::NAME),
            sibling
                .state
                .jobs
                .run_now(&sibling.state, TrainingLapse::NAME),
        );
        a.unwrap() + b.unwrap()
    };
    assert_eq!(run().await, 0, "a year ahead: nothing due");
    app.state.clock.advance(Duration::days(365 - 31));
    assert_eq!(run().await, 0, "31 days before: not yet");
    app.state.clock.advance(Duration::days(2));
    assert_eq!(run().await, 1, "once, though both instances ran");
    assert_eq!(run().await, 0, "and never again");
    for user in [staff2.user_id, manager] {
        let notes = entity::notification::Entity::find()
            .filter(entity::notification::Column::UserId.eq(user))
            .filter(entity::notification::Column::Kind.eq("IN_SERVICE_LAPSING"))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(notes.len(), 1, "{user}: {notes:?}");
        assert_eq!(notes[0].category, "TRAINING");
    }
}

#[tokio::test]
async fn refused_input_names_every_field_and_writes_nothing() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let json = estate
        .run(
            "admin",
            COURSE,
            json!({ "input": { "code": "x", "title": " ", "topic": "SAFETY",
                "delivery": "CLASSROOM", "kind": "IN_SERVICE", "recurrenceMonths": 13,
                "hours": 4, "passScore": 101 } }),
        )
        .await;
    assert_eq!(
        fields(&json),
        [
            "input.code",
            "input.passScore",
            "input.recurrenceMonths",
            "input.title"
        ],
        "{json}"
    );
    let json = estate
        .run(
            "admin",
            COURSE,
            json!({ "input": { "code": "YEARLY", "title": "Yearly", "topic": "SAFETY",
                "delivery": "CLASSROOM", "kind": "IN_SERVICE", "hours": 4, "passScore": 60 } }),
        )
        .await;
    assert_eq!(
        fields(&json),
        ["input.recurrenceMonths"],
        "in-service courses recur: {json}"
    );
    assert_eq!(
        entity::training_course::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    let course = course(&estate, "OK", "IN_SERVICE", &[], Some(12)).await;
    let starts = app.state.clock.now() + Duration::days(1);
    let json = estate
        .run(
            "admin",
            SESSION,
            json!({ "input": { "courseId": course, "startsAt": starts,
                "endsAt": starts - Duration::hours(1), "trainerId": "not-an-id",
                "capacity": 0 } }),
        )
        .await;
    assert_eq!(
        fields(&json),
        ["input.capacity", "input.endsAt", "input.trainerId"],
        "{json}"
    );
    let json = estate
        .run(
            "admin",
            SESSION,
            json!({ "input": { "courseId": Uuid::now_v7(), "startsAt": starts,
                "endsAt": starts + Duration::hours(1), "trainerId": admin_id(app).await,
                "capacity": 3 } }),
        )
        .await;
    assert_eq!(code(&json), "NOT_FOUND");
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.courseId");
    assert_eq!(
        entity::training_session::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    let json = estate
        .run(
            "admin",
            RESULT,
            json!({ "input": { "recordId": Uuid::now_v7(), "attended": true, "score": 101 } }),
        )
        .await;
    assert_eq!(fields(&json), ["input.score"], "{json}");
    let json = estate
        .run(
            "admin",
            RESULT,
            json!({ "input": { "recordId": "x", "attended": true } }),
        )
        .await;
    assert_eq!(fields(&json), ["input.recordId", "input.score"], "{json}");
}

#[tokio::test]
async fn training_blockers_sorts_staff_by_what_they_miss() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let db = &app.state.db;
    let all = entity::staff_record::Entity::find().all(db).await.unwrap();
    let now = app.state.clock.now();
    assert_eq!(
        training_blockers(db, &all, now).await.unwrap(),
        (HashSet::new(), HashSet::new()),
        "no courses: nobody is blocked"
    );
    let pre = course(&estate, "PRE", "PRE_JOB", &["CLEANER"], None).await;
    let yearly = course(
        &estate,
        "YEARLY",
        "IN_SERVICE",
        &["CLEANER", "REPAIR_TECHNICIAN"],
        Some(12),
    )
    .await;
    // Job-specific courses and other posts' courses block nobody.
    course(&estate, "SPECIFIC", "JOB_SPECIFIC", &["GARDENER"], None).await;
    let staff5 = staff_of(app, "staff5@demo.test").await; // cleaner, active
    let staff6 = staff_of(app, "staff6@demo.test").await; // cleaner, onboarding
    let staff2 = staff_of(app, "staff2@demo.test").await; // repair technician
    let staff3 = staff_of(app, "staff3@demo.test").await; // repair technician
    let staff7 = staff_of(app, "staff7@demo.test").await; // gardener

    let (pre_job, lapsed) = training_blockers(db, &all, now).await.unwrap();
    assert_eq!(pre_job, HashSet::from([staff5.id, staff6.id]));
    assert_eq!(
        lapsed,
        HashSet::from([staff5.id, staff6.id, staff2.id, staff3.id])
    );
    assert!(
        !lapsed.contains(&staff7.id),
        "no in-service course for gardeners"
    );

    pass(&estate, &pre, staff5.id, 80).await;
    pass(&estate, &yearly, staff2.id, 80).await;
    // A failed attempt holds nothing.
    pass(&estate, &yearly, staff3.id, 10).await;
    let now = app.state.clock.now();
    let (pre_job, lapsed) = training_blockers(db, &all, now).await.unwrap();
    assert_eq!(pre_job, HashSet::from([staff6.id]));
    assert_eq!(lapsed, HashSet::from([staff5.id, staff6.id, staff3.id]));
    // Only the staff asked about are answered.
    let (pre_job, lapsed) = training_blockers(db, std::slice::from_ref(&staff7), now)
        .await
        .unwrap();
    assert!(pre_job.is_empty() && lapsed.is_empty());
    assert_eq!(
        training_blockers(db, &[], now).await.unwrap(),
        (HashSet::new(), HashSet::new())
    );
}

#[tokio::test]
async fn administrators_change_a_course_and_the_rules_still_hold() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let id = course(&estate, "YEARLY", "IN_SERVICE", &["CLEANER"], Some(12)).await;
    let update = "mutation($input: UpdateTrainingCourseInput!) { updateTrainingCourse(input: $input) { course { code title kind recurrenceMonths passScore requiredFor } } }";
    for (role, expected) in [
        ("manager", "FORBIDDEN"),
        ("supervisor", "FORBIDDEN"),
        ("resident", "FORBIDDEN"),
    ] {
        let json = estate
            .run(
                role,
                update,
                json!({ "input": { "id": id, "title": "No" } }),
            )
            .await;
        assert_eq!(code(&json), expected, "{role}");
    }
    let json = estate
        .run(
            "admin",
            update,
            json!({ "input": { "id": id, "recurrenceMonths": null, "passScore": -1 } }),
        )
        .await;
    assert_eq!(fields(&json), ["input.passScore"], "{json}");
    let json = estate
        .run(
            "admin",
            update,
            json!({ "input": { "id": id, "recurrenceMonths": null } }),
        )
        .await;
    assert_eq!(
        fields(&json),
        ["input.recurrenceMonths"],
        "an in-service course keeps recurring: {json}"
    );
    let data = ok(
        &estate,
        "admin",
        update,
        json!({ "input": { "id": id, "kind": "JOB_SPECIFIC", "recurrenceMonths": null,
            "requiredFor": ["GARDENER", "CLEANER", "GARDENER"], "title": "Renamed" } }),
    )
    .await;
    assert_eq!(
        data["updateTrainingCourse"]["course"],
        json!({ "code": "YEARLY", "title": "Renamed", "kind": "JOB_SPECIFIC",
            "recurrenceMonths": null, "passScore": 60, "requiredFor": ["CLEANER", "GARDENER"] })
    );
    let json = estate
        .run(
            "admin",
            update,
            json!({ "input": { "id": Uuid::now_v7(), "title": "Nobody" } }),
        )
        .await;
    assert_eq!(code(&json), "NOT_FOUND");
    assert_eq!(json["errors"][0]["extensions"]["field"], "input.id");
    let stored = entity::training_course::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.title, "Renamed");
}

#[tokio::test]
async fn a_page_of_records_costs_the_same_statements_for_3_and_30() {
    let estate = Estate::with(|c| c.dataloader_window = std::time::Duration::from_millis(50)).await;
    let app = &estate.app;
    assert_eq!(
        resident_hub::demo::seed_training(&app.state).await.unwrap(),
        4
    );
    let token = &estate.tokens["supervisor"];
    let query = "query($first: Int!) { trainingRecords(first: $first) { totalCount edges { node { result valid course { code requiredFor } session { startsAt } staff { post displayName } } } } }";
    let three = app.sql_of(query, json!({ "first": 3 }), token).await;
    let thirty = app.sql_of(query, json!({ "first": 30 }), token).await;
    assert_eq!(
        three.len(),
        thirty.len(),
        "statements must not grow with the page size: {thirty:#?}"
    );
    let (_, json) = app
        .graphql(query, json!({ "first": 30 }), Some(token))
        .await;
    assert!(
        json["data"]["trainingRecords"]["totalCount"]
            .as_u64()
            .unwrap()
            > 30,
        "{json}"
    );
}
