//! Staff assessment on the demo estate: bad input (weights, self-review, editing a finalised
//! cycle) writes nothing; a cycle's reviews and the automatic sources (ratings, SLA) become
//! scores, grades, ledger proposals, enrolments and notifications in one finalisation that runs
//! once under concurrency; corrections are new revisions; and who sees which result.

use chrono::{Duration, Utc};
use resident_hub::auth::AuthenticatedUser;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp},
};

const CREATE: &str = "mutation($input: CreateAssessmentCycleInput!) { createAssessmentCycle(input: $input) { cycle { id status revision supersedesId indicators { indicator weight } minSamples { source minimum } } } }";
const UPDATE: &str = "mutation($input: UpdateAssessmentCycleInput!) { updateAssessmentCycle(input: $input) { cycle { id name } } }";
const FINALIZE: &str = "mutation($id: ID!) { finalizeAssessmentCycle(input: { id: $id }) { cycle { id status finalizedAt } results } }";
const PEER: &str = "mutation($input: AssessmentReviewInput!) { submitPeerReview(input: $input) { review { id kind scores { indicator score } } } }";
const SCORE: &str = "mutation($input: AssessmentReviewInput!) { submitSupervisorScore(input: $input) { review { id kind } } }";
const RESULTS: &str = "query($cycleId: ID!) { assessmentResults(cycleId: $cycleId, first: 50) { totalCount edges { node { id staffId total grade payFactor leftOut ledgerEntryId comment staff { id } trainingNeeds { indicator courseId trainingRecordId } indicators { indicator weight appliedWeight score sources { source score samples minimum included } } } } } }";
const COMMENT: &str = "mutation($id: ID!, $comment: String!) { commentAssessmentResult(input: { id: $id, comment: $comment }) { result { id comment } } }";
const CYCLES: &str =
    "{ assessmentCycles(first: 10) { totalCount edges { node { id status revision } } } }";

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

fn ok(response: &Value) -> &Value {
    assert!(response["errors"].is_null(), "{response}");
    &response["data"]
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

/// The estate with tokens for a few more staff members.
async fn estate() -> Estate {
    let mut estate = Estate::new().await;
    for (role, email) in [
        ("staff3", "staff3@demo.test"),
        ("staff4", "staff4@demo.test"),
    ] {
        let user = user_by_email(&estate.app, email).await;
        let token = estate
            .app
            .state
            .tokens
            .issue(
                &AuthenticatedUser {
                    id: user.id,
                    roles: vec![],
                },
                estate.app.state.clock.now(),
                TEST_TOKEN_TTL,
            )
            .unwrap();
        estate.tokens.insert(role, token);
    }
    estate
}

async fn cycles(app: &TestApp) -> u64 {
    entity::assessment_cycle::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn reviews(app: &TestApp) -> u64 {
    entity::assessment_review::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

fn today(app: &TestApp) -> String {
    app.state.clock.today().to_string()
}

async fn create(estate: &Estate, input: Value) -> Value {
    estate.run("admin", CREATE, json!({ "input": input })).await
}

/// A repair technicians' month from today: attitude 40 (with a course), efficiency 30, skill 30;
/// one peer review and one supervisor score are enough.
fn repair_cycle(app: &TestApp, course: Option<Uuid>) -> Value {
    json!({
        "name": "Repair team, this month", "period": "MONTH", "startsOn": today(app),
        "posts": ["REPAIR_TECHNICIAN"],
        "indicators": [
            { "indicator": "ATTITUDE", "weight": 40, "trainingCourseId": course },
            { "indicator": "EFFICIENCY", "weight": 30 },
            { "indicator": "SKILL", "weight": 30 },
        ],
        "minSamples": [{ "source": "PEER_REVIEWS", "minimum": 1 }],
    })
}

/// A resolved work order assigned to `staff`, rated `stars` by its requester, with its SLA
/// breached or not; both now.
async fn rated_order(app: &TestApp, staff: Uuid, stars: i16, breached: bool) {
    let db = &app.state.db;
    let now = app.state.clock.now();
    let requester = user_by_email(app, "resident1@demo.test").await.id;
    let building = entity::building::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let category = entity::service_category::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let id = Uuid::now_v7();
    entity::work_order::Entity::insert(entity::work_order::ActiveModel::from(
        entity::work_order::Model {
            id,
            number: format!("T-{}", &id.simple().to_string()[16..]),
            building_id: building,
            unit_id: None,
            location: None,
            category_id: category,
            offering_id: None,
            slot_id: None,
            requester_id: requester,
            channel: "APP".to_owned(),
            title: "Tap".to_owned(),
            description: "Drips".to_owned(),
            priority: "NORMAL".to_owned(),
            status: "CLOSED".to_owned(),
            assignee_id: Some(staff),
            response_due_at: now,
            resolution_due_at: now,
            first_response_at: Some(now),
            resolved_at: Some(now),
            closed_at: Some(now),
            paused_at: None,
            paused_seconds: 0,
            hold_reason: None,
            response_warned: false,
            response_breached: breached,
            resolution_warned: false,
            resolution_breached: false,
            escalated: false,
            return_visit_done: true,
            reopen_count: 0,
            urge_count: 0,
            last_urged_at: None,
            amount: None,
            resolution: Some("Fixed".to_owned()),
            version: 1,
            created_at: now,
            updated_at: now,
            household_member_id: None,
            asset_id: None,
        },
    ))
    .exec_without_returning(db)
    .await
    .unwrap();
    entity::work_order_rating::Entity::insert(entity::work_order_rating::ActiveModel {
        work_order_id: Set(id),
        rater_id: Set(requester),
        score: Set(stars),
        speed: Set(None),
        attitude: Set(None),
        quality: Set(None),
        tags: Set("[]".to_owned()),
        comment: Set(None),
        not_fixed: Set(false),
        reply: Set(None),
        replied_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
}

/// A course with one upcoming session of `capacity` seats.
async fn course_with_session(app: &TestApp, capacity: i32) -> (Uuid, Uuid) {
    let db = &app.state.db;
    let now = app.state.clock.now();
    let (course, session) = (Uuid::now_v7(), Uuid::now_v7());
    entity::training_course::Entity::insert(entity::training_course::ActiveModel {
        id: Set(course),
        code: Set(format!("ATT-{}", &course.simple().to_string()[20..])),
        title: Set("Serving residents well".to_owned()),
        topic: Set("CUSTOMER_SERVICE".to_owned()),
        delivery: Set("CLASSROOM".to_owned()),
        kind: Set("IN_SERVICE".to_owned()),
        recurrence_months: Set(None),
        hours: Set(2),
        pass_score: Set(60),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    let trainer = user_by_email(app, "admin@demo.test").await.id;
    entity::training_session::Entity::insert(entity::training_session::ActiveModel {
        id: Set(session),
        course_id: Set(course),
        starts_at: Set(now + Duration::days(7)),
        ends_at: Set(now + Duration::days(7) + Duration::hours(2)),
        place: Set(Some("Office".to_owned())),
        link: Set(None),
        trainer_id: Set(trainer),
        capacity: Set(capacity),
        enrolled: Set(0),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    (course, session)
}

#[tokio::test]
async fn weights_not_summing_to_100_and_every_bad_field_are_refused_at_once_writing_nothing() {
    let estate = estate().await;
    let app = &estate.app;
    let r = create(
        &estate,
        json!({
            "name": "", "period": "QUARTER", "startsOn": today(app),
            "indicators": [
                { "indicator": "ATTITUDE", "weight": 50 },
                { "indicator": "ATTITUDE", "weight": 40, "trainingCourseId": "nope" },
            ],
            "minSamples": [{ "source": "RATINGS", "minimum": -1 }],
        }),
    )
    .await;
    let fields: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{r}");
            e["extensions"]["field"].as_str().unwrap()
        })
        .collect();
    for field in [
        "input.name",
        "input.indicators",
        "input.indicators[1].indicator",
        "input.indicators[1].trainingCourseId",
        "input.minSamples[0].minimum",
    ] {
        assert!(fields.contains(&field), "{field} missing in {r}");
    }
    let message = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["extensions"]["field"] == "input.indicators")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("sum to 100 (they sum to 90)"), "{message}");
    // An unknown course is NOT_FOUND on its field; staff and residents may not create cycles.
    let mut input = repair_cycle(app, Some(Uuid::now_v7()));
    let r = create(&estate, input.clone()).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["field"],
        "input.indicators[0].trainingCourseId"
    );
    input["indicators"][0]["trainingCourseId"] = Value::Null;
    for role in ["staff", "manager", "resident"] {
        let r = estate.run(role, CREATE, json!({ "input": input })).await;
        assert_eq!(code(&r), "FORBIDDEN", "{role}: {r}");
    }
    let r = estate.run("resident", CYCLES, json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(cycles(app).await, 0);
    let r = create(&estate, input).await;
    let cycle = &ok(&r)["createAssessmentCycle"]["cycle"];
    assert_eq!(cycle["status"], "OPEN");
    assert_eq!(cycle["revision"], 1);
    // Every source is listed with its minimum: the one given, the defaults for the rest.
    let minimum = |source: &str| {
        cycle["minSamples"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["source"] == source)
            .unwrap()["minimum"]
            .clone()
    };
    assert_eq!(minimum("PEER_REVIEWS"), 1);
    assert_eq!(minimum("RATINGS"), 3);
    assert_eq!(minimum("SURVEYS"), 5);
}

#[tokio::test]
async fn finalising_turns_sources_into_grades_ledger_proposals_enrolments_and_notifications_once() {
    let estate = estate().await;
    let app = &estate.app;
    resident_hub::demo::seed_catalogue(&app.state)
        .await
        .unwrap();
    // staff2 (repairs, Building A) and staff3 (repairs, Building B) are assessed; staff4
    // (electrician, both buildings) is their peer.
    let staff2 = staff_of(app, "staff2@demo.test").await;
    let staff3 = staff_of(app, "staff3@demo.test").await;
    let (course, session) = course_with_session(app, 5).await;
    let r = create(&estate, repair_cycle(app, Some(course))).await;
    let cycle = ok(&r)["createAssessmentCycle"]["cycle"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // staff2: three one-star ratings (0) on late orders (SLA 0).
    for _ in 0..3 {
        rated_order(app, staff2.id, 1, true).await;
    }
    // staff3: two five-star ratings, below the minimum of three: left out.
    for _ in 0..2 {
        rated_order(app, staff3.id, 5, false).await;
    }
    let review = |staff: Uuid, score: i32| {
        json!({ "input": { "cycleId": cycle, "staffId": staff, "comment": "Seen at work",
            "scores": [
                { "indicator": "ATTITUDE", "score": score },
                { "indicator": "EFFICIENCY", "score": score },
                { "indicator": "SKILL", "score": score },
            ] } })
    };

    // Bad reviews write nothing: a self-review, a peer in no shared building, a second review,
    // a score out of range, resident satisfaction from a colleague, a manager scoring someone
    // they do not oversee is NOT_FOUND.
    let r = estate.run("staff", PEER, review(staff2.id, 50)).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "input.staffId");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("yourself")
    );
    let r = estate.run("staff3", PEER, review(staff2.id, 50)).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let mut bad = review(staff2.id, 101);
    bad["input"]["scores"][1]["indicator"] = json!("RESIDENT_SATISFACTION");
    let r = estate.run("staff4", PEER, bad).await;
    let fields: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"input.scores[0].score"), "{r}");
    assert!(fields.contains(&"input.scores[1].indicator"), "{r}");
    let r = estate.run("resident", SCORE, review(staff2.id, 50)).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(reviews(app).await, 0);

    let r = estate.run("staff4", PEER, review(staff2.id, 40)).await;
    assert_eq!(ok(&r)["submitPeerReview"]["review"]["kind"], "PEER");
    let r = estate.run("staff4", PEER, review(staff2.id, 90)).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = estate.run("supervisor", SCORE, review(staff2.id, 40)).await;
    ok(&r);
    let r = estate.run("manager", SCORE, review(staff3.id, 95)).await;
    assert_eq!(
        ok(&r)["submitSupervisorScore"]["review"]["kind"],
        "SUPERVISOR"
    );
    assert_eq!(reviews(app).await, 3);

    // Two finalisations at once: one wins, the other is CONFLICT, and so is any later one.
    let vars = json!({ "id": cycle });
    let token = estate.tokens.get("admin").unwrap().clone();
    let sup = estate.tokens.get("supervisor").unwrap().clone();
    let (a, b) = tokio::join!(
        app.graphql(FINALIZE, vars.clone(), Some(&token)),
        app.graphql(FINALIZE, vars.clone(), Some(&sup)),
    );
    let (a, b) = (a.1, b.1);
    let (won, lost) = if a["errors"].is_null() {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(code(&lost), "CONFLICT", "{lost}");
    let done = &ok(&won)["finalizeAssessmentCycle"];
    assert_eq!(done["cycle"]["status"], "FINALIZED");
    assert_eq!(done["results"], 2);
    let r = estate.run("admin", FINALIZE, vars.clone()).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");

    // A finalised cycle never changes: editing it or reviewing in it is INVALID_STATE.
    let before = entity::assessment_cycle::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let r = estate
        .run(
            "admin",
            UPDATE,
            json!({ "input": { "id": cycle, "name": "Renamed" } }),
        )
        .await;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    let r = estate.run("supervisor", SCORE, review(staff3.id, 10)).await;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    let after = entity::assessment_cycle::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(reviews(app).await, 3);

    let r = estate
        .run("supervisor", RESULTS, json!({ "cycleId": cycle }))
        .await;
    let edges = ok(&r)["assessmentResults"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 2);
    let result_of = |staff: Uuid| {
        edges
            .iter()
            .map(|e| e["node"].clone())
            .find(|n| n["staffId"] == staff.to_string())
            .unwrap()
    };
    // staff2: attitude mean(ratings 0, peer 40, supervisor 40) = 26.7, efficiency
    // mean(0, SLA 0, 40, 40) = 20, skill 26.7: total 24.7, grade D.
    let two = result_of(staff2.id);
    assert_eq!(two["total"], 24.7, "{two}");
    assert_eq!(two["grade"], "D");
    assert_eq!(two["payFactor"], "0.80");
    let attitude = &two["indicators"][0];
    assert_eq!(attitude["indicator"], "ATTITUDE");
    assert_eq!(attitude["score"], 26.7);
    assert_eq!(attitude["appliedWeight"], 40.0);
    let ratings = attitude["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "RATINGS")
        .unwrap();
    assert_eq!(ratings["samples"], 3);
    assert_eq!(ratings["included"], true);
    // Attitude below 60 enrolled staff2 in the course's session.
    let need = &two["trainingNeeds"][0];
    assert_eq!(need["indicator"], "ATTITUDE");
    assert_eq!(need["courseId"], course.to_string());
    let record = entity::training_record::Entity::find()
        .filter(entity::training_record::Column::StaffId.eq(staff2.id))
        .filter(entity::training_record::Column::SessionId.eq(session))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(need["trainingRecordId"], record.id.to_string());
    let seats = entity::training_session::Entity::find_by_id(session)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .enrolled;
    assert_eq!(seats, 1);
    // Grade D proposed a warning resting on the assessment, entering the approval flow.
    let entry = entity::ledger_entry::Entity::find_by_id(
        two["ledgerEntryId"]
            .as_str()
            .unwrap()
            .parse::<Uuid>()
            .unwrap(),
    )
    .one(&app.state.db)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(entry.kind, "WARNING");
    assert_eq!(entry.status, "PROPOSED");
    assert_eq!(entry.staff_id, staff2.id);
    assert_eq!(entry.source_kind.as_deref(), Some("ASSESSMENT"));
    assert_eq!(
        entry.source_id.map(|id| id.to_string()),
        two["id"].as_str().map(str::to_owned)
    );

    // staff3: only the manager's 95s count (two ratings are below the minimum, no peer
    // review): total 95, grade A, a proposed commendation, and the result says what was left
    // out.
    let three = result_of(staff3.id);
    assert_eq!(three["total"], 95.0, "{three}");
    assert_eq!(three["grade"], "A");
    assert_eq!(three["payFactor"], "1.20");
    assert!(three["trainingNeeds"].as_array().unwrap().is_empty());
    let left_out: Vec<&str> = three["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        left_out.contains(&"RATINGS for ATTITUDE: 2 sample(s), fewer than the minimum 3"),
        "{left_out:?}"
    );
    let entry = entity::ledger_entry::Entity::find_by_id(
        three["ledgerEntryId"]
            .as_str()
            .unwrap()
            .parse::<Uuid>()
            .unwrap(),
    )
    .one(&app.state.db)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(entry.kind, "COMMENDATION");

    // Each assessed staff member heard of their result, and their inbox shows it.
    let inbox = estate
        .run(
            "staff",
            "{ notifications(first: 20) { edges { node { kind category subject { __typename ... on AssessmentResult { grade total } } } } } }",
            json!({}),
        )
        .await;
    let finals: Vec<Value> = ok(&inbox)["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "ASSESSMENT_FINAL")
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(finals.len(), 1, "{inbox}");
    assert_eq!(finals[0]["category"], "ASSESSMENT");
    assert_eq!(finals[0]["subject"]["__typename"], "AssessmentResult");
    assert_eq!(finals[0]["subject"]["grade"], "D");

    // A correction is the next revision; finalising it supersedes the first.
    let mut correction = repair_cycle(app, None);
    correction["supersedesId"] = json!(cycle);
    let r = create(&estate, correction).await;
    let fixed = &ok(&r)["createAssessmentCycle"]["cycle"];
    assert_eq!(fixed["revision"], 2);
    assert_eq!(fixed["supersedesId"], cycle.as_str());
    let fixed = fixed["id"].as_str().unwrap().to_owned();
    let r = estate.run("admin", FINALIZE, json!({ "id": fixed })).await;
    ok(&r);
    let r = estate.run("staff", CYCLES, json!({})).await;
    let statuses: Vec<(String, i64)> = ok(&r)["assessmentCycles"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["status"].as_str().unwrap().to_owned(),
                e["node"]["revision"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![("FINALIZED".to_owned(), 2), ("SUPERSEDED".to_owned(), 1)]
    );
    let _ = Utc::now();
}

#[tokio::test]
async fn staff_see_and_comment_on_their_own_result_managers_their_buildings_supervisors_all() {
    let estate = estate().await;
    let app = &estate.app;
    let staff2 = staff_of(app, "staff2@demo.test").await;
    let staff3 = staff_of(app, "staff3@demo.test").await;
    // A cycle of every post: each active or suspended staff member gets a result.
    let r = create(
        &estate,
        json!({ "name": "Everyone", "period": "YEAR", "startsOn": today(app),
            "indicators": [{ "indicator": "SKILL", "weight": 100 }] }),
    )
    .await;
    let cycle = ok(&r)["createAssessmentCycle"]["cycle"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = estate
        .run("supervisor", FINALIZE, json!({ "id": cycle }))
        .await;
    let written = ok(&r)["finalizeAssessmentCycle"]["results"]
        .as_i64()
        .unwrap();
    let active = entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::Status.is_in(["ACTIVE", "SUSPENDED"]))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(written as u64, active);
    let vars = json!({ "cycleId": cycle });
    let count = |r: &Value| ok(r)["assessmentResults"]["totalCount"].as_i64().unwrap();
    assert_eq!(
        count(&estate.run("supervisor", RESULTS, vars.clone()).await),
        written
    );
    assert_eq!(
        count(&estate.run("admin", RESULTS, vars.clone()).await),
        written
    );
    // The manager serves both buildings: every staff member serving one of them.
    let managed = count(&estate.run("manager", RESULTS, vars.clone()).await);
    assert!(managed >= 2 && managed <= written, "{managed}");
    let r = estate.run("staff", RESULTS, vars.clone()).await;
    assert_eq!(count(&r), 1);
    let own = &ok(&r)["assessmentResults"]["edges"][0]["node"];
    assert_eq!(own["staffId"], staff2.id.to_string());
    // Nothing had samples: no total, no grade, and the result says why.
    assert!(own["total"].is_null());
    assert!(own["grade"].is_null());
    assert!(own["leftOut"].as_array().unwrap().len() >= 2);
    // A page's staff records load in one batch: 2 results cost what 11 cost.
    let page = "query($cycleId: ID!, $first: Int!) { assessmentResults(cycleId: $cycleId, first: $first) { totalCount edges { node { id grade staff { id post } indicators { indicator } } } } }";
    let token = estate.tokens["supervisor"].clone();
    let small = app
        .sql_of(page, json!({ "cycleId": cycle, "first": 2 }), &token)
        .await
        .len();
    let large = app
        .sql_of(page, json!({ "cycleId": cycle, "first": 50 }), &token)
        .await
        .len();
    assert_eq!(small, large, "statements must not grow with the page size");
    assert!(large <= 6, "{large} statements for a page of results");
    let r = estate.run("resident", RESULTS, vars.clone()).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = estate
        .run("staff", RESULTS, json!({ "cycleId": Uuid::now_v7() }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    let own_id = own["id"].as_str().unwrap().to_owned();
    // `node(id:)` gives a result and a cycle through the same rules.
    let node = "query($id: ID!) { node(id: $id) { __typename id } }";
    let r = estate.run("staff", node, json!({ "id": own_id })).await;
    assert_eq!(ok(&r)["node"]["__typename"], "AssessmentResult");
    let r = estate.run("staff3", node, json!({ "id": own_id })).await;
    assert!(ok(&r)["node"].is_null(), "{r}");
    let r = estate.run("staff3", node, json!({ "id": cycle })).await;
    assert_eq!(ok(&r)["node"]["__typename"], "AssessmentCycle");
    let r = estate.run("resident", node, json!({ "id": cycle })).await;
    assert!(ok(&r)["node"].is_null(), "{r}");
    let r = estate
        .run(
            "staff",
            COMMENT,
            json!({ "id": own_id, "comment": "I was on leave for two weeks." }),
        )
        .await;
    assert_eq!(
        ok(&r)["commentAssessmentResult"]["result"]["comment"],
        "I was on leave for two weeks."
    );
    // Someone else's result: not visible to a colleague, visible but not theirs to the manager.
    let theirs = entity::assessment_result::Entity::find()
        .filter(entity::assessment_result::Column::StaffId.eq(staff3.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let r = estate
        .run(
            "staff",
            COMMENT,
            json!({ "id": theirs.id, "comment": "Hm" }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = estate
        .run(
            "manager",
            COMMENT,
            json!({ "id": theirs.id, "comment": "Hm" }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = estate
        .run("staff", COMMENT, json!({ "id": own_id, "comment": "" }))
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let stored = entity::assessment_result::Entity::find_by_id(theirs.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.comment.is_none());
}

/// The demo's assessment: a finalised quarterly cycle with results for every working staff
/// member (staff2 graded from the supervisor's and a peer's scores), and an open monthly cycle
/// with two reviews; seeding twice adds nothing.
pub async fn assert_demo_assessment(app: &TestApp) {
    use resident_hub::demo::{DEMO_FINAL_CYCLE, DEMO_OPEN_CYCLE};
    let db = &app.state.db;
    let all = entity::assessment_cycle::Entity::find()
        .all(db)
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "one finalised and one open cycle, once");
    let finished = all.iter().find(|c| c.name == DEMO_FINAL_CYCLE).unwrap();
    assert_eq!(finished.status, "FINALIZED");
    let open = all.iter().find(|c| c.name == DEMO_OPEN_CYCLE).unwrap();
    assert_eq!(open.status, "OPEN");
    let open_reviews = entity::assessment_review::Entity::find()
        .filter(entity::assessment_review::Column::CycleId.eq(open.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(open_reviews, 2);
    let results = entity::assessment_result::Entity::find()
        .filter(entity::assessment_result::Column::CycleId.eq(finished.id))
        .all(db)
        .await
        .unwrap();
    let working = entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::Status.is_in(["ACTIVE", "SUSPENDED"]))
        .count(db)
        .await
        .unwrap();
    assert_eq!(results.len() as u64, working);
    let staff2 = staff_of(app, "staff2@demo.test").await;
    let two = results.iter().find(|r| r.staff_id == staff2.id).unwrap();
    assert!(two.grade.is_some(), "{two:?}");
    let notified = entity::notification::Entity::find()
        .filter(entity::notification::Column::SubjectId.eq(two.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(notified, 1, "staff2 heard of their result");
}

#[tokio::test]
async fn survey_answers_tagged_for_a_staff_member_score_their_resident_satisfaction() {
    let estate = estate().await;
    let app = &estate.app;
    let db = &app.state.db;
    let now = app.state.clock.now();
    let staff2 = staff_of(app, "staff2@demo.test").await;
    let staff3 = staff_of(app, "staff3@demo.test").await;
    let admin = user_by_email(app, "admin@demo.test").await.id;
    let (survey, question) = (Uuid::now_v7(), Uuid::now_v7());
    entity::survey::Entity::insert(entity::survey::ActiveModel::from(entity::survey::Model {
        id: survey,
        title: "How did we do?".to_owned(),
        description: "".to_owned(),
        anonymous: true,
        once_per: "USER".to_owned(),
        opens_at: now,
        closes_at: now + Duration::days(7),
        remind_at: None,
        status: "PUBLISHED".to_owned(),
        respondent_salt: None,
        audience_size: 10,
        version: 1,
        created_by: admin,
        created_at: now,
        updated_at: now,
        published_at: Some(now),
        reminded_at: None,
        sealed_at: None,
    }))
    .exec_without_returning(db)
    .await
    .unwrap();
    entity::survey_question::Entity::insert(entity::survey_question::ActiveModel::from(
        entity::survey_question::Model {
            id: question,
            survey_id: survey,
            position: 0,
            kind: "SCALE".to_owned(),
            prompt: "How friendly was the repair?".to_owned(),
            required: true,
            scale_min: Some(1),
            scale_max: Some(5),
            indicator: Some("RESIDENT_SATISFACTION".to_owned()),
            staff_post: None,
            staff_id: Some(staff2.id),
        },
    ))
    .exec_without_returning(db)
    .await
    .unwrap();
    // Two anonymous answers: 4 of 5 (75) and 5 of 5 (100).
    for (i, (scale, score)) in [(4, 75.0), (5, 100.0)].into_iter().enumerate() {
        let response = Uuid::now_v7();
        entity::survey_response::Entity::insert(entity::survey_response::ActiveModel::from(
            entity::survey_response::Model {
                id: response,
                survey_id: survey,
                respondent_key: format!("key-{i}"),
                author_key: format!("author-{i}"),
                user_id: None,
                unit_id: None,
                building_id: None,
                submitted_at: now,
                week: now.date_naive(),
                updated_at: now,
            },
        ))
        .exec_without_returning(db)
        .await
        .unwrap();
        entity::survey_answer::Entity::insert(entity::survey_answer::ActiveModel::from(
            entity::survey_answer::Model {
                id: Uuid::now_v7(),
                survey_id: survey,
                response_id: response,
                question_id: question,
                choice_id: None,
                scale: Some(scale),
                score: Some(score),
                text: None,
            },
        ))
        .exec_without_returning(db)
        .await
        .unwrap();
    }
    let r = create(
        &estate,
        json!({ "name": "Satisfaction", "period": "MONTH", "startsOn": today(app),
            "posts": ["REPAIR_TECHNICIAN"],
            "indicators": [{ "indicator": "RESIDENT_SATISFACTION", "weight": 100 }],
            "minSamples": [{ "source": "SURVEYS", "minimum": 2 }] }),
    )
    .await;
    let cycle = ok(&r)["createAssessmentCycle"]["cycle"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = estate.run("admin", FINALIZE, json!({ "id": cycle })).await;
    ok(&r);
    let r = estate
        .run("supervisor", RESULTS, json!({ "cycleId": cycle }))
        .await;
    let edges = ok(&r)["assessmentResults"]["edges"].as_array().unwrap();
    let of = |staff: Uuid| {
        edges
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["staffId"] == staff.to_string())
            .unwrap()
    };
    let two = of(staff2.id);
    assert_eq!(two["total"], 87.5, "{two}");
    assert_eq!(two["grade"], "B");
    let surveys = two["indicators"][0]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "SURVEYS")
        .unwrap();
    assert_eq!(surveys["samples"], 2);
    assert_eq!(surveys["included"], true);
    // staff3 has no answers: nothing to score.
    assert!(of(staff3.id)["total"].is_null());
}
