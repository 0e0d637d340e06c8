//! Satisfaction surveys on the demo estate: publishing (the audience notified), one response per
//! user or home (also under concurrency), editing until close, answers checked against the
//! questions, answering outside the window, who sees what, results, the reminder job across
//! instances, the live counts, the anonymity rule over every query, the event log and the
//! notifications, and the facts other domains read.

use chrono::{Duration, Timelike};
use resident_hub::{
    auth::AuthenticatedUser,
    domains::surveys::{facts, reminders::SurveyReminders},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp},
};

const CREATE: &str = "mutation($input: CreateSurveyInput!) { createSurvey(input: $input) { survey { id status questions { id kind scale choices { id label } } } } }";
const PUBLISH: &str = "mutation($id: ID!) { publishSurvey(input: { id: $id }) { survey { id status audienceSize } } }";
const SUBMIT: &str = "mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) { response { id submittedAt answers { questionId choiceIds scale text } } } }";
const UPDATE: &str = "mutation($input: UpdateSurveyResponseInput!) { updateSurveyResponse(input: $input) { response { id answers { questionId choiceIds scale text } } } }";
const ONE: &str = "query($id: ID!) { survey(id: $id) { id status anonymous canAnswer canSeeResults audienceSize audience { estate buildings { id } } myResponse { id answers { questionId choiceIds scale text } } } }";
const RESULTS: &str = "query($id: ID!) { surveyResults(surveyId: $id) { surveyId status responses audienceSize responseRate satisfactionIndex questions { questionId kind answered choices { choiceId label count } scale { value count } mean score texts } buildings { buildingId buildingName responses audience responseRate satisfactionIndex withheld questions { questionId answered } } weeks { week index responses } } }";

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
            &AuthenticatedUser {
                id: user.id,
                roles: vec![],
            },
            app.state.clock.now(),
            TEST_TOKEN_TTL,
        )
        .unwrap()
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

/// A survey for `audience`, open now for a week, with a SCALE 1–5 (rating `staff`, when given),
/// a SINGLE and an optional TEXT question.
fn input(app: &TestApp, audience: Value, staff: Option<Uuid>) -> Value {
    let now = app.state.clock.now();
    json!({
        "title": "How are we doing?",
        "description": "Three questions about the service this quarter.",
        "closesAt": now + Duration::days(7),
        "remindAt": now + Duration::days(5),
        "audience": audience,
        "questions": [
            { "kind": "SCALE", "prompt": "How satisfied are you with repairs?", "scale": "ONE_TO_FIVE",
              "indicator": "RESIDENT_SATISFACTION", "staffId": staff },
            { "kind": "SINGLE", "prompt": "Is the lobby clean?", "choices": ["Yes", "Mostly", "No"] },
            { "kind": "TEXT", "prompt": "Anything else?", "required": false },
        ],
    })
}

struct Made {
    id: String,
    scale: String,
    single: String,
    choices: Vec<String>,
    text: String,
}

/// Creates (as `role`) and publishes a survey from `input`.
async fn published(estate: &Estate, role: &str, input: Value) -> Made {
    let created = estate.run(role, CREATE, json!({ "input": input })).await;
    let survey = &ok(&created)["createSurvey"]["survey"];
    let questions = survey["questions"].as_array().unwrap();
    let made = Made {
        id: survey["id"].as_str().unwrap().to_owned(),
        scale: questions[0]["id"].as_str().unwrap().to_owned(),
        single: questions[1]["id"].as_str().unwrap().to_owned(),
        choices: questions[1]["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect(),
        text: questions[2]["id"].as_str().unwrap().to_owned(),
    };
    ok(&estate.run(role, PUBLISH, json!({ "id": made.id })).await);
    made
}

fn answers(made: &Made, scale: i32, choice: usize, text: Option<&str>) -> Value {
    let mut answers = vec![
        json!({ "questionId": made.scale, "scale": scale }),
        json!({ "questionId": made.single, "choiceIds": [made.choices[choice]] }),
    ];
    if let Some(text) = text {
        answers.push(json!({ "questionId": made.text, "text": text }));
    }
    json!(answers)
}

async fn submit(app: &TestApp, token: &str, made: &Made, answers: Value) -> Value {
    app.graphql(
        SUBMIT,
        json!({ "input": { "surveyId": made.id, "answers": answers } }),
        Some(token),
    )
    .await
    .1
}

async fn responses(app: &TestApp, id: &str) -> Vec<entity::survey_response::Model> {
    entity::survey_response::Entity::find()
        .filter(entity::survey_response::Column::SurveyId.eq(Uuid::parse_str(id).unwrap()))
        .all(&app.state.db)
        .await
        .unwrap()
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

async fn building_a_survey(estate: &Estate, tweak: impl FnOnce(&mut Value)) -> Made {
    let app = &estate.app;
    let a = building_of(app, "resident1@demo.test").await;
    let mut input = input(app, json!({ "buildingIds": [a] }), None);
    tweak(&mut input);
    published(estate, "manager", input).await
}

// ----- publishing and answering ------------------------------------------------------------

#[tokio::test]
async fn publishing_notifies_the_audience_who_answer_once_and_change_it_until_close() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let made = building_a_survey(&estate, |_| {}).await;
    assert_eq!(
        notifications(app, "resident1@demo.test", "SURVEY_PUBLISHED").await,
        1
    );
    assert_eq!(
        notifications(app, "resident25@demo.test", "SURVEY_PUBLISHED").await,
        0
    );
    let inbox = estate
        .run(
            "resident",
            "{ notifications(first: 5) { edges { node { category kind subject { ... on Survey { id status canAnswer } } } } } }",
            json!({}),
        )
        .await;
    let node = &ok(&inbox)["notifications"]["edges"][0]["node"];
    assert_eq!(node["category"], "SURVEY");
    assert_eq!(
        node["subject"],
        json!({ "id": made.id, "status": "OPEN", "canAnswer": true })
    );
    let token = &estate.tokens["resident"];
    let r = submit(
        app,
        token,
        &made,
        answers(&made, 4, 0, Some("More benches")),
    )
    .await;
    let response = &ok(&r)["submitSurveyResponse"]["response"];
    assert_eq!(response["answers"][0]["scale"], 4);
    // A second response is a conflict and writes nothing.
    let r = submit(app, token, &made, answers(&made, 1, 2, None)).await;
    assert_eq!(code(&r), "CONFLICT");
    assert_eq!(responses(app, &made.id).await.len(), 1);
    // Changing it replaces the answers.
    let r = app
        .graphql(
            UPDATE,
            json!({ "input": { "surveyId": made.id, "answers": answers(&made, 2, 1, None) } }),
            Some(token),
        )
        .await
        .1;
    let changed = &ok(&r)["updateSurveyResponse"]["response"]["answers"];
    assert_eq!(changed.as_array().unwrap().len(), 2);
    assert_eq!(changed[0]["scale"], 2);
    assert_eq!(changed[1]["choiceIds"], json!([made.choices[1]]));
    let mine = estate.run("resident", ONE, json!({ "id": made.id })).await;
    assert_eq!(
        ok(&mine)["survey"]["myResponse"]["answers"],
        changed.clone()
    );
    // Results: one response of the building's audience; 2 on 1–5 is 25 of 100.
    let results = estate
        .run("manager", RESULTS, json!({ "id": made.id }))
        .await;
    let results = &ok(&results)["surveyResults"];
    assert_eq!(results["responses"], 1);
    assert_eq!(results["satisfactionIndex"], 25.0);
    assert_eq!(
        results["questions"][0]["scale"][1],
        json!({ "value": 2, "count": 1 })
    );
    assert_eq!(results["questions"][1]["choices"][1]["count"], 1);
    assert_eq!(results["questions"][1]["choices"][0]["count"], 0);
    assert!(results["audienceSize"].as_i64().unwrap() > 1);
    assert_eq!(results["weeks"].as_array().unwrap().len(), 1);
    // After the window: no more answers or changes, nothing written.
    app.state.clock.advance(Duration::days(8));
    let r = app
        .graphql(
            UPDATE,
            json!({ "input": { "surveyId": made.id, "answers": answers(&made, 5, 0, None) } }),
            Some(token),
        )
        .await
        .1;
    assert_eq!(code(&r), "INVALID_STATE");
    let other = token_of(app, "resident3@demo.test").await;
    let r = submit(app, &other, &made, answers(&made, 5, 0, None)).await;
    assert_eq!(code(&r), "INVALID_STATE");
    let rows = responses(app, &made.id).await;
    assert_eq!(rows.len(), 1);
    let scale: Vec<Option<i32>> = entity::survey_answer::Entity::find()
        .filter(entity::survey_answer::Column::ResponseId.eq(rows[0].id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.scale.map(Some))
        .collect();
    assert_eq!(scale, [Some(2)]);
}

#[tokio::test]
async fn a_survey_not_open_yet_takes_no_answers() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let now = app.state.clock.now();
    let made = building_a_survey(&estate, |input| {
        input["opensAt"] = json!(now + Duration::days(1));
        input["remindAt"] = json!(now + Duration::days(2));
    })
    .await;
    let r = submit(
        app,
        &estate.tokens["resident"],
        &made,
        answers(&made, 3, 0, None),
    )
    .await;
    assert_eq!(code(&r), "INVALID_STATE");
    assert!(responses(app, &made.id).await.is_empty());
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once_and_nothing_is_written() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let now = app.state.clock.now();
    let mut bad = input(app, json!({}), None);
    bad["title"] = json!("");
    bad["closesAt"] = json!(now - Duration::days(1));
    bad["remindAt"] = json!(now + Duration::days(30));
    bad["questions"][0]["scale"] = Value::Null;
    bad["questions"][1]["choices"] = json!(["Only one"]);
    bad["questions"][2]["staffId"] = json!("nope");
    let r = estate.run("admin", CREATE, json!({ "input": bad })).await;
    assert_eq!(
        fields(&r),
        [
            "input.audience",
            "input.closesAt",
            "input.closesAt",
            "input.questions[0].scale",
            "input.questions[1].choices",
            "input.questions[2].staffId",
            "input.remindAt",
            "input.title",
        ]
    );
    // Residents and ordinary staff do not create surveys; managers not for the estate.
    let fine = input(app, json!({ "estate": true }), None);
    for role in ["resident", "staff", "manager"] {
        let r = estate.run(role, CREATE, json!({ "input": fine })).await;
        assert_eq!(code(&r), "FORBIDDEN", "{role}");
    }
    // Unknown staff member rated: NOT_FOUND on the question's field.
    let r = estate
        .run(
            "admin",
            CREATE,
            json!({ "input": input(app, json!({ "estate": true }), Some(Uuid::now_v7())) }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
    assert_eq!(fields(&r), ["input.questions[0].staffId"]);
    assert_eq!(
        entity::survey::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    // Answers are checked against the questions, every problem on its field.
    let made = building_a_survey(&estate, |_| {}).await;
    let other = building_a_survey(&estate, |_| {}).await;
    let r = submit(
        app,
        &estate.tokens["resident"],
        &made,
        json!([
            { "questionId": made.scale, "scale": 6 },
            { "questionId": made.single, "choiceIds": [other.choices[0]] },
            { "questionId": made.text, "scale": 3 },
            { "questionId": other.scale, "scale": 3 },
        ]),
    )
    .await;
    assert_eq!(
        fields(&r),
        [
            "input.answers[0].scale",
            "input.answers[1].choiceIds",
            "input.answers[2].scale",
            "input.answers[2].text",
            "input.answers[3].questionId",
        ]
    );
    assert_eq!(code(&r), "BAD_USER_INPUT");
    // A required question left out names the question.
    let r = submit(
        app,
        &estate.tokens["resident"],
        &made,
        json!([{ "questionId": made.scale, "scale": 3 }]),
    )
    .await;
    assert_eq!(fields(&r), ["input.answers"]);
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&made.single),
        "{r}"
    );
    assert!(responses(app, &made.id).await.is_empty());
    assert_eq!(
        entity::survey_answer::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn parallel_submissions_leave_exactly_one_response_per_user_and_per_home() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let made = building_a_survey(&estate, |_| {}).await;
    let token = estate.tokens["resident"].clone();
    let attempts = (0..6).map(|i| {
        let (token, made) = (token.clone(), &made);
        async move { submit(app, &token, made, answers(made, 1 + i % 5, 0, None)).await }
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| !r["errors"].is_null())
            .all(|r| code(r) == "CONFLICT")
    );
    assert_eq!(responses(app, &made.id).await.len(), 1);

    // Once per home: resident1 and resident29 (family in the same home) race; one wins.
    let unit = home_unit(app, "resident1@demo.test").await;
    assert_eq!(home_unit(app, "resident29@demo.test").await, unit);
    let per_home = building_a_survey(&estate, |input| input["oncePer"] = json!("UNIT")).await;
    let mate_token = token_of(app, "resident29@demo.test").await;
    let (a, b) = tokio::join!(
        submit(app, &token, &per_home, answers(&per_home, 5, 0, None)),
        submit(app, &mate_token, &per_home, answers(&per_home, 1, 2, None)),
    );
    let outcomes = [a["errors"].is_null(), b["errors"].is_null()];
    assert_eq!(outcomes.iter().filter(|o| **o).count(), 1, "{a} {b}");
    let lost = if outcomes[0] { &b } else { &a };
    assert_eq!(code(lost), "CONFLICT");
    let rows = responses(app, &per_home.id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].unit_id, Some(unit));
}

// ----- who sees what (one test per row of the README's table) ------------------------------

#[tokio::test]
async fn who_sees_what_across_the_roles() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let a = building_of(app, "resident1@demo.test").await;
    let made = building_a_survey(&estate, |_| {}).await;
    let draft = estate
        .run(
            "manager",
            CREATE,
            json!({ "input": input(app, json!({ "buildingIds": [a] }), None) }),
        )
        .await;
    let draft = ok(&draft)["createSurvey"]["survey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = "{ surveys(first: 50) { totalCount edges { node { id } } } }";
    // Administrators: everything, drafts included, results of every published survey.
    let r = estate.run("admin", list, json!({})).await;
    assert_eq!(ok(&r)["surveys"]["totalCount"], 2);
    ok(&estate.run("admin", RESULTS, json!({ "id": made.id })).await);
    // The creator (a manager of Building A): theirs, drafts included, and results.
    let r = estate.run("manager", list, json!({})).await;
    assert_eq!(ok(&r)["surveys"]["totalCount"], 2);
    let one = estate.run("manager", ONE, json!({ "id": made.id })).await;
    assert!(!ok(&one)["survey"]["audience"].is_null());
    // Residents of Building A: the published one, answer it, no results, no audience.
    let r = estate.run("resident", list, json!({})).await;
    assert_eq!(ok(&r)["surveys"]["totalCount"], 1);
    let one = estate.run("resident", ONE, json!({ "id": made.id })).await;
    assert_eq!(ok(&one)["survey"]["canAnswer"], true);
    assert_eq!(ok(&one)["survey"]["canSeeResults"], false);
    assert!(ok(&one)["survey"]["audience"].is_null());
    assert!(ok(&one)["survey"]["audienceSize"].is_null());
    let r = estate
        .run("resident", RESULTS, json!({ "id": made.id }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = estate.run("resident", ONE, json!({ "id": draft })).await;
    assert_eq!(code(&r), "NOT_FOUND");
    // Residents of Building B: nothing.
    let r = estate.run("residentB", list, json!({})).await;
    assert_eq!(ok(&r)["surveys"]["totalCount"], 0);
    let r = estate
        .run("residentB", RESULTS, json!({ "id": made.id }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
    let r = submit(
        app,
        &estate.tokens["residentB"],
        &made,
        answers(&made, 3, 0, None),
    )
    .await;
    assert_eq!(code(&r), "NOT_FOUND");
    // Staff serving Building A are in its audience but see no results; they do not publish.
    let r = estate.run("staff", RESULTS, json!({ "id": made.id })).await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = estate.run("staff", PUBLISH, json!({ "id": made.id })).await;
    assert_eq!(code(&r), "FORBIDDEN");
    // `node` answers as `survey(id:)` does.
    let node = "query($id: ID!) { node(id: $id) { __typename id } }";
    let r = estate.run("resident", node, json!({ "id": made.id })).await;
    assert_eq!(ok(&r)["node"]["__typename"], "Survey");
    let r = estate
        .run("residentB", node, json!({ "id": made.id }))
        .await;
    assert!(ok(&r)["node"].is_null());
}

// ----- reminders ---------------------------------------------------------------------------

#[tokio::test]
async fn the_reminder_goes_once_to_those_who_have_not_answered_even_with_two_instances() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let made = building_a_survey(&estate, |_| {}).await;
    ok(&submit(
        app,
        &estate.tokens["resident"],
        &made,
        answers(&made, 5, 0, None),
    )
    .await);
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, SurveyReminders::NAME)
            .await
            .unwrap(),
        0
    );
    app.state
        .clock
        .advance(Duration::days(5) + Duration::minutes(1));
    let (x, y) = tokio::join!(
        app.state.jobs.run_now(&app.state, SurveyReminders::NAME),
        sibling
            .state
            .jobs
            .run_now(&sibling.state, SurveyReminders::NAME)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1);
    assert_eq!(
        notifications(app, "resident1@demo.test", "SURVEY_REMINDER").await,
        0
    );
    assert_eq!(
        notifications(app, "resident3@demo.test", "SURVEY_REMINDER").await,
        1
    );
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, SurveyReminders::NAME)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        notifications(app, "resident3@demo.test", "SURVEY_REMINDER").await,
        1
    );
}

// ----- live counts -------------------------------------------------------------------------

#[tokio::test]
async fn survey_results_changed_gives_the_counts_then_every_response_to_publishers_only() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let made = building_a_survey(&estate, |_| {}).await;
    let subscription = "subscription($id: ID!) { surveyResultsChanged(surveyId: $id) { surveyId responses satisfactionIndex } }";
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {}", estate.tokens["manager"]) }))
        .await;
    ws.subscribe("counts", subscription, json!({ "id": made.id }))
        .await;
    let first = ws.recv().await;
    assert_eq!(
        first["payload"]["data"]["surveyResultsChanged"],
        json!({ "surveyId": made.id, "responses": 0, "satisfactionIndex": null })
    );
    ok(&submit(
        app,
        &estate.tokens["resident"],
        &made,
        answers(&made, 5, 0, None),
    )
    .await);
    let next = ws.recv().await;
    assert_eq!(
        next["payload"]["data"]["surveyResultsChanged"],
        json!({ "surveyId": made.id, "responses": 1, "satisfactionIndex": 100.0 })
    );
    // A resident may not watch the results.
    let mut ws = app.ws().await;
    ws.init(json!({ "Authorization": format!("Bearer {}", estate.tokens["resident"]) }))
        .await;
    ws.subscribe("counts", subscription, json!({ "id": made.id }))
        .await;
    let refused = ws.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
}

// ----- anonymity ---------------------------------------------------------------------------

#[tokio::test]
async fn anonymous_responses_cannot_be_traced_by_any_query_the_event_log_or_notifications() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let made = building_a_survey(&estate, |input| input["anonymous"] = json!(true)).await;
    let user = user_by_email(app, "resident1@demo.test").await;
    let events_before = entity::event::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let notifications_before = entity::notification::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let r = submit(
        app,
        &estate.tokens["resident"],
        &made,
        answers(&made, 3, 2, Some("The lift is slow")),
    )
    .await;
    let response_id = ok(&r)["submitSurveyResponse"]["response"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The row keeps no user and no home, a random id and the hour only.
    let rows = responses(app, &made.id).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!((row.user_id, row.unit_id), (None, None));
    assert_eq!(row.id.get_version_num(), 4);
    assert_eq!(
        (row.submitted_at.minute(), row.submitted_at.second()),
        (0, 0)
    );
    assert!(!row.respondent_key.contains(&user.id.to_string()));
    // No event and no notification came of it.
    assert_eq!(
        entity::event::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        events_before
    );
    assert_eq!(
        entity::notification::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        notifications_before
    );
    let needles = [
        user.id.to_string(),
        user.email.clone(),
        user.display_name.clone(),
        home_unit(app, "resident1@demo.test").await.to_string(),
    ];
    let events: Vec<String> = entity::event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.payload.to_string())
        .collect();
    for payload in &events {
        assert!(!payload.contains(&response_id), "{payload}");
    }
    // Every query those who run it may ask: nothing names the respondent.
    for role in ["admin", "manager"] {
        let results = estate.run(role, RESULTS, json!({ "id": made.id })).await;
        let text = ok(&results).to_string();
        for needle in &needles {
            assert!(
                !text.contains(needle.as_str()),
                "{role}: {needle} in {text}"
            );
        }
        // One response from the building: its per-question figures are withheld.
        let building = &ok(&results)["surveyResults"]["buildings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["responses"] == 1)
            .cloned()
            .unwrap();
        assert_eq!(building["withheld"], true);
        assert!(building["satisfactionIndex"].is_null());
        let one = estate.run(role, ONE, json!({ "id": made.id })).await;
        assert!(ok(&one)["survey"]["myResponse"].is_null());
        let list = estate
            .run(
                role,
                "{ surveys(first: 10) { edges { node { id myResponse { id } } } } }",
                json!({}),
            )
            .await;
        assert!(!ok(&list).to_string().contains(&response_id));
        let node = estate
            .run(
                role,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": response_id }),
            )
            .await;
        assert!(ok(&node)["node"].is_null());
    }
    // The response type has no field that could name anyone.
    let (_, schema) = app
        .graphql(
            "{ __type(name: \"SurveyResponse\") { fields { name } } }",
            json!({}),
            None,
        )
        .await;
    let mut names: Vec<String> = schema["data"]["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["answers", "id", "submittedAt", "surveyId", "updatedAt"]
    );
    // The respondent reads and changes their own until the survey closes …
    let mine = estate.run("resident", ONE, json!({ "id": made.id })).await;
    assert_eq!(
        ok(&mine)["survey"]["myResponse"]["id"],
        response_id.as_str()
    );
    // … and the reminder of an anonymous survey goes to the whole audience, answered or not.
    app.state
        .clock
        .advance(Duration::days(5) + Duration::minutes(1));
    app.state
        .jobs
        .run_now(&app.state, SurveyReminders::NAME)
        .await
        .unwrap();
    assert_eq!(
        notifications(app, "resident1@demo.test", "SURVEY_REMINDER").await,
        1
    );
    // Once closed, the salt is wiped: no key can be computed again, by anyone.
    app.state.clock.advance(Duration::days(3));
    app.state
        .jobs
        .run_now(&app.state, SurveyReminders::NAME)
        .await
        .unwrap();
    let survey = entity::survey::Entity::find_by_id(Uuid::parse_str(&made.id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(survey.respondent_salt.is_none());
    assert!(survey.sealed_at.is_some());
    let mine = estate.run("resident", ONE, json!({ "id": made.id })).await;
    assert!(ok(&mine)["survey"]["myResponse"].is_null());
}

// ----- facts -------------------------------------------------------------------------------

#[tokio::test]
async fn the_facts_score_staff_and_buildings_from_answers_in_the_period() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let a = building_of(app, "resident1@demo.test").await;
    let b = building_of(app, "resident25@demo.test").await;
    let staff2 = user_by_email(app, "staff2@demo.test").await;
    let record = entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::UserId.eq(staff2.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let start = app.state.clock.now();
    let made = published(
        &estate,
        "admin",
        input(app, json!({ "estate": true }), Some(record.id)),
    )
    .await;
    // 5 and 3 on 1–5: 100 and 50.
    ok(&submit(
        app,
        &estate.tokens["resident"],
        &made,
        answers(&made, 5, 0, None),
    )
    .await);
    ok(&submit(
        app,
        &estate.tokens["residentB"],
        &made,
        answers(&made, 3, 0, None),
    )
    .await);
    let end = app.state.clock.now() + Duration::minutes(1);
    let db = &app.state.db;
    let scores = facts::staff_scores(db, &[(record.id, record.post.clone())], start, end)
        .await
        .unwrap();
    assert_eq!(
        scores.get(&record.id),
        Some(&facts::SampleScore {
            mean: 75.0,
            samples: 2
        })
    );
    // Outside the period, nothing.
    let later = facts::staff_scores(
        db,
        &[(record.id, record.post.clone())],
        end,
        end + Duration::days(1),
    )
    .await
    .unwrap();
    assert!(later.is_empty());
    let estate_wide = facts::satisfaction(db, None, start, end).await.unwrap();
    assert_eq!(estate_wide.index, Some(75.0));
    assert_eq!(estate_wide.responses, 2);
    assert_eq!(
        estate_wide.surveys_run,
        [Uuid::parse_str(&made.id).unwrap()]
    );
    let in_a = facts::satisfaction(db, Some(a), start, end).await.unwrap();
    assert_eq!((in_a.index, in_a.responses), (Some(100.0), 1));
    let in_b = facts::satisfaction(db, Some(b), start, end).await.unwrap();
    assert_eq!((in_b.index, in_b.responses), (Some(50.0), 1));
    assert_eq!(in_b.surveys_run.len(), 1);
}

// ----- demo --------------------------------------------------------------------------------

#[tokio::test]
async fn the_demo_has_a_closed_survey_with_answers_and_an_open_one_and_seeding_twice_adds_nothing()
{
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    let count = || async {
        (
            entity::survey::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            entity::survey_response::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
        )
    };
    let first = count().await;
    assert_eq!(first, (2, 24));
    resident_hub::demo::seed(&app.state).await.unwrap();
    assert_eq!(count().await, first);
    let token = token_of(&app, "admin@demo.test").await;
    let (_, r) = app
        .graphql(
            "{ surveys(first: 10) { edges { node { id title status anonymous } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    let nodes: Vec<Value> = ok(&r)["surveys"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let closed = nodes.iter().find(|n| n["status"] == "CLOSED").unwrap();
    assert_eq!(closed["anonymous"], true);
    assert!(nodes.iter().any(|n| n["status"] == "OPEN"));
    let (_, r) = app
        .graphql(RESULTS, json!({ "id": closed["id"] }), Some(&token))
        .await;
    let results = &ok(&r)["surveyResults"];
    assert_eq!(results["responses"], 20);
    assert!(results["satisfactionIndex"].as_f64().unwrap() > 0.0);
    assert_eq!(results["weeks"].as_array().unwrap().len(), 1);
    let row = entity::survey::Entity::find()
        .filter(entity::survey::Column::Status.eq("PUBLISHED"))
        .filter(entity::survey::Column::Anonymous.eq(true))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.respondent_salt.is_none());
}

// ----- cost --------------------------------------------------------------------------------

#[tokio::test]
async fn the_survey_list_costs_the_same_statements_for_three_items_as_for_twenty() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let query = "{ surveys(first: 100) { totalCount edges { node { id title status canAnswer canSeeResults audienceSize audience { estate buildings { id } } questions { id kind choices { id label } } myResponse { id } } } } }";
    let a = building_of(app, "resident1@demo.test").await;
    let make = |n: usize| {
        let estate = &estate;
        async move {
            for i in 0..n {
                let made = published(
                    estate,
                    "admin",
                    input(&estate.app, json!({ "buildingIds": [a] }), None),
                )
                .await;
                if i % 2 == 0 {
                    ok(&submit(
                        &estate.app,
                        &estate.tokens["resident"],
                        &made,
                        answers(&made, 4, 1, None),
                    )
                    .await);
                }
            }
        }
    };
    make(3).await;
    let mut three = Vec::new();
    for role in ["admin", "resident", "manager"] {
        three.push(app.sql_of(query, json!({}), &estate.tokens[role]).await);
    }
    make(17).await;
    for (role, three) in ["admin", "resident", "manager"].into_iter().zip(three) {
        let token = &estate.tokens[role];
        let (_, json) = app.graphql(query, json!({}), Some(token)).await;
        assert_eq!(ok(&json)["surveys"]["totalCount"], 20, "{role}");
        let twenty = app.sql_of(query, json!({}), token).await;
        assert_eq!(
            three.len(),
            twenty.len(),
            "{role}: statements grow with the page: {three:#?} {twenty:#?}"
        );
        println!(
            "{role}: {} statements for a page of 20 surveys",
            twenty.len()
        );
    }
}
