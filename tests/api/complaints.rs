//! Complaints and suggestions on the demo estate: the life of a complaint and its transition
//! table, who sees what (every cell of the README's table), anonymity, the daily limit,
//! deadlines across instances, internal notes over queries and the subscription, praise, and
//! bad input that writes nothing.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, user_by_email},
    helpers::TestApp,
};

const SUBMIT: &str = "mutation($input: SubmitComplaintInput!) { submitComplaint(input: $input) { complaint { id status version } } }";
const COMPLAINT: &str = "id status anonymous complainantId complainantName mine reply reopenCount rating \
    rectificationId handler { id } staff { id } timeline { action from to actorId byComplainant note internal }";

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

async fn staff_id(app: &TestApp, email: &str) -> Uuid {
    let user = user_by_email(app, email).await;
    entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::UserId.eq(user.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(token)).await.1
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn field(json: &Value) -> &str {
    json["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("")
}

/// The people of the tests, by role.
struct People {
    resident: String,
    neighbour: String,
    resident_b: String,
    manager: String,
    handler: String,
    subject: String,
    other_staff: String,
    supervisor: String,
    admin: String,
}

async fn people(app: &TestApp) -> People {
    People {
        resident: token_of(app, "resident1@demo.test").await,
        neighbour: token_of(app, "resident2@demo.test").await,
        resident_b: token_of(app, "resident25@demo.test").await,
        manager: token_of(app, "staff12@demo.test").await,
        handler: token_of(app, "staff1@demo.test").await,
        subject: token_of(app, "staff5@demo.test").await,
        other_staff: token_of(app, "staff2@demo.test").await,
        supervisor: token_of(app, "supervisor1@demo.test").await,
        admin: token_of(app, "admin@demo.test").await,
    }
}

/// Submits a complaint about staff5 (the cleaner of Building A) as `token`; returns its id.
async fn submit(app: &TestApp, token: &str, input: Value) -> String {
    let mut full = json!({ "kind": "STAFF_CONDUCT", "title": "Rude in the lobby", "description": "The cleaner shouted at my child." });
    for (k, v) in input.as_object().unwrap() {
        full[k] = v.clone();
    }
    let json = gql(app, token, SUBMIT, json!({ "input": full })).await;
    assert!(json["errors"].is_null(), "{json}");
    json["data"]["submitComplaint"]["complaint"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Runs a step mutation; `extra` adds input fields.
async fn step(app: &TestApp, token: &str, mutation: &str, id: &str, extra: Value) -> Value {
    let input_type = match mutation {
        "assignComplaintHandler" => "AssignComplaintHandlerInput",
        "startComplaintRectification" => "StartComplaintRectificationInput",
        "replyToComplaint" => "ReplyToComplaintInput",
        "reopenComplaint" | "appealComplaint" => "ComplaintReasonInput",
        "rateComplaintHandling" => "RateComplaintHandlingInput",
        _ => "ComplaintStepInput",
    };
    let mut input = json!({ "id": id });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    gql(
        app,
        token,
        &format!(
            "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ complaint {{ {COMPLAINT} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn ok_step(app: &TestApp, token: &str, mutation: &str, id: &str, extra: Value) -> Value {
    let json = step(app, token, mutation, id, extra).await;
    assert!(json["errors"].is_null(), "{mutation}: {json}");
    json["data"][mutation]["complaint"].clone()
}

async fn get(app: &TestApp, token: &str, id: &str) -> Value {
    gql(
        app,
        token,
        &format!("query($id: ID!) {{ complaint(id: $id) {{ {COMPLAINT} }} }}"),
        json!({ "id": id }),
    )
    .await
}

async fn entries(app: &TestApp, id: &str) -> u64 {
    entity::complaint_entry::Entity::find()
        .filter(entity::complaint_entry::Column::ComplaintId.eq(Uuid::parse_str(id).unwrap()))
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let json = gql(
        app,
        token,
        "{ notifications(first: 100) { nodes { category kind title text subject { __typename ... on Complaint { id complainantId } } } } }",
        json!({}),
    )
    .await;
    json["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .clone()
}

/// Takes a submitted complaint to `REPLIED`: staff1 handles it.
async fn to_replied(app: &TestApp, p: &People, id: &str) {
    let handler = staff_id(app, "staff1@demo.test").await;
    ok_step(
        app,
        &p.manager,
        "assignComplaintHandler",
        id,
        json!({ "staffId": handler }),
    )
    .await;
    ok_step(app, &p.handler, "acknowledgeComplaint", id, json!({})).await;
    ok_step(
        app,
        &p.handler,
        "startComplaintInvestigation",
        id,
        json!({}),
    )
    .await;
    ok_step(
        app,
        &p.handler,
        "replyToComplaint",
        id,
        json!({ "reply": "We spoke to the cleaner; it will not happen again." }),
    )
    .await;
}

#[tokio::test]
async fn a_complaint_lives_from_submission_to_closure_with_its_timeline_rectification_and_inbox() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let subject = staff_id(app, "staff5@demo.test").await;
    let id = submit(app, &p.resident, json!({ "staffId": subject })).await;
    let handler = staff_id(app, "staff1@demo.test").await;
    let json = ok_step(
        app,
        &p.manager,
        "assignComplaintHandler",
        &id,
        json!({ "staffId": handler, "note": "customer service takes it" }),
    )
    .await;
    assert_eq!(json["handler"]["id"], handler.to_string());
    ok_step(
        app,
        &p.handler,
        "acknowledgeComplaint",
        &id,
        json!({ "note": "Thank you, we are on it." }),
    )
    .await;
    ok_step(
        app,
        &p.handler,
        "startComplaintInvestigation",
        &id,
        json!({}),
    )
    .await;
    let responsible = staff_id(app, "staff2@demo.test").await;
    let due = (app.state.clock.now() + Duration::days(3)).to_rfc3339();
    let json = ok_step(
        app,
        &p.handler,
        "startComplaintRectification",
        &id,
        json!({ "responsibleStaffId": responsible, "problem": "Lobby etiquette", "dueAt": due }),
    )
    .await;
    assert_eq!(json["status"], "RECTIFYING", "{json}");
    let rectification_id = Uuid::parse_str(json["rectificationId"].as_str().unwrap()).unwrap();
    let rectification = entity::rectification::Entity::find_by_id(rectification_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rectification.source_kind, "COMPLAINT");
    assert_eq!(rectification.source_id, Some(Uuid::parse_str(&id).unwrap()));
    assert_eq!(rectification.responsible_staff_id, responsible);
    assert_eq!(rectification.problem, "Lobby etiquette");
    ok_step(
        app,
        &p.handler,
        "replyToComplaint",
        &id,
        json!({ "reply": "Training given; sorry." }),
    )
    .await;
    let json = ok_step(
        app,
        &p.resident,
        "rateComplaintHandling",
        &id,
        json!({ "score": 4, "comment": "quick" }),
    )
    .await;
    assert_eq!(json["rating"], 4);
    let json = ok_step(app, &p.handler, "closeComplaint", &id, json!({})).await;
    assert_eq!(json["status"], "CLOSED");
    let json = get(app, &p.resident, &id).await;
    let timeline: Vec<(String, Value)> = json["data"]["complaint"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["to"].clone()))
        .collect();
    // The assignment is staff business: the complainant's timeline leaves it out.
    assert_eq!(
        timeline,
        vec![
            ("SUBMIT".to_owned(), json!("SUBMITTED")),
            ("ACKNOWLEDGE".to_owned(), json!("ACKNOWLEDGED")),
            ("INVESTIGATE".to_owned(), json!("INVESTIGATING")),
            ("RECTIFY".to_owned(), json!("RECTIFYING")),
            ("REPLY".to_owned(), json!("REPLIED")),
            ("RATE".to_owned(), json!("REPLIED")),
            ("CLOSE".to_owned(), json!("CLOSED")),
        ],
        "{json}"
    );
    let json = get(app, &p.manager, &id).await;
    assert_eq!(
        json["data"]["complaint"]["timeline"]
            .as_array()
            .unwrap()
            .len(),
        8,
        "{json}"
    );
    // Every status change the complainant did not make reached their inbox.
    let kinds: Vec<String> = inbox(app, &p.resident)
        .await
        .iter()
        .filter(|n| n["category"] == "COMPLAINT")
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect();
    for kind in ["ACKNOWLEDGE", "INVESTIGATE", "RECTIFY", "REPLY", "CLOSE"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind}: {kinds:?}");
    }
    // The responsible staff member heard of the rectification.
    let other = inbox(app, &p.other_staff).await;
    assert!(
        other.iter().any(|n| n["category"] == "RECTIFICATION"),
        "{other:?}"
    );
}

#[tokio::test]
async fn the_readme_transition_table_is_the_flow_table() {
    use resident_hub::domains::complaints::flow::TRANSITIONS;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- complaint-transitions -->")
        .expect("marker");
    let rows: Vec<(String, String, String)> = readme[start..]
        .lines()
        .skip(3)
        .map(str::trim_start)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let action = cells[2].split_whitespace().next().unwrap_or("").to_owned();
            (cells[1].to_owned(), action, cells[3].to_owned())
        })
        .collect();
    let table: Vec<(String, String, String)> = TRANSITIONS
        .iter()
        .map(|(f, a, t)| {
            (
                f.as_str().to_owned(),
                a.as_str().to_owned(),
                t.as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(rows, table);
}

#[tokio::test]
async fn who_sees_which_complaints_every_cell() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let subject = staff_id(app, "staff5@demo.test").await;
    let anonymous = submit(
        app,
        &p.resident,
        json!({ "staffId": subject, "anonymous": true }),
    )
    .await;
    let named = submit(
        app,
        &p.resident,
        json!({ "kind": "NOISE", "title": "Drilling at night" }),
    )
    .await;
    let handler = staff_id(app, "staff1@demo.test").await;
    ok_step(
        app,
        &p.manager,
        "assignComplaintHandler",
        &anonymous,
        json!({ "staffId": handler }),
    )
    .await;
    let list = |token: String| async move {
        let json = gql(
            app,
            &token,
            "{ complaints(first: 50) { totalCount nodes { id complainantId } } }",
            json!({}),
        )
        .await;
        let mut ids: Vec<String> = json["data"]["complaints"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{json}"))
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let both = {
        let mut v = vec![anonymous.clone(), named.clone()];
        v.sort();
        v
    };
    // Administrators, supervisors, the building's manager: all; the complainant: their own.
    for (who, token) in [
        ("admin", &p.admin),
        ("supervisor", &p.supervisor),
        ("manager", &p.manager),
        ("complainant", &p.resident),
    ] {
        assert_eq!(list(token.clone()).await, both, "{who}");
    }
    // The handler: what they handle.
    assert_eq!(
        list(p.handler.clone()).await,
        vec![anonymous.clone()],
        "handler"
    );
    // Other residents and other staff: nothing, and NOT_FOUND by id.
    for (who, token) in [
        ("neighbour", &p.neighbour),
        ("resident of B", &p.resident_b),
        ("other staff", &p.other_staff),
        ("subject before the reply", &p.subject),
    ] {
        assert!(list(token.clone()).await.is_empty(), "{who}");
        assert_eq!(
            code(&get(app, token, &anonymous).await),
            "NOT_FOUND",
            "{who}"
        );
    }
    // Anonymous callers: UNAUTHENTICATED.
    let (_, json) = app
        .graphql("{ complaints(first: 5) { totalCount } }", json!({}), None)
        .await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
    // The anonymous complainant is hidden from every staff viewer, shown to themselves.
    for (who, token) in [
        ("admin", &p.admin),
        ("supervisor", &p.supervisor),
        ("manager", &p.manager),
        ("handler", &p.handler),
    ] {
        let json = get(app, token, &anonymous).await;
        let c = &json["data"]["complaint"];
        assert!(
            c["complainantId"].is_null() && c["complainantName"].is_null(),
            "{who}: {json}"
        );
        assert_eq!(c["timeline"][0]["actorId"], Value::Null, "{who}: {json}");
        assert_eq!(c["timeline"][0]["byComplainant"], true, "{who}: {json}");
    }
    let me = user_by_email(app, "resident1@demo.test")
        .await
        .id
        .to_string();
    let json = get(app, &p.resident, &anonymous).await;
    assert_eq!(json["data"]["complaint"]["complainantId"], me, "{json}");
    assert_eq!(json["data"]["complaint"]["mine"], true, "{json}");
    let json = get(app, &p.manager, &named).await;
    assert_eq!(
        json["data"]["complaint"]["complainantId"], me,
        "a named complaint shows its complainant: {json}"
    );
    // The staff member concerned sees it once replied, without the complainant.
    ok_step(
        app,
        &p.handler,
        "acknowledgeComplaint",
        &anonymous,
        json!({}),
    )
    .await;
    ok_step(
        app,
        &p.handler,
        "startComplaintInvestigation",
        &anonymous,
        json!({}),
    )
    .await;
    ok_step(
        app,
        &p.handler,
        "replyToComplaint",
        &anonymous,
        json!({ "reply": "Handled." }),
    )
    .await;
    assert_eq!(
        list(p.subject.clone()).await,
        vec![anonymous.clone()],
        "subject after the reply"
    );
    let json = get(app, &p.subject, &anonymous).await;
    assert!(
        json["data"]["complaint"]["complainantId"].is_null(),
        "{json}"
    );
    // Internal entries (the assignment is one) reach the handling staff and the supervisors,
    // never the complainant or the staff member concerned.
    let internal = |json: &Value| {
        json["data"]["complaint"]["timeline"]
            .as_array()
            .unwrap_or_else(|| panic!("{json}"))
            .iter()
            .any(|e| e["internal"] == true)
    };
    for (who, token, reads) in [
        ("admin", &p.admin, true),
        ("supervisor", &p.supervisor, true),
        ("manager", &p.manager, true),
        ("handler", &p.handler, true),
        ("subject", &p.subject, false),
        ("complainant", &p.resident, false),
    ] {
        assert_eq!(internal(&get(app, token, &anonymous).await), reads, "{who}");
    }
    // Who may change what: the handler does not assign, the complainant does not handle, the
    // neighbour does not even see it.
    let json = step(app, &p.handler, "assignComplaintHandler", &named, json!({})).await;
    assert_eq!(
        code(&json),
        "NOT_FOUND",
        "the handler of another complaint: {json}"
    );
    let json = step(
        app,
        &p.handler,
        "assignComplaintHandler",
        &anonymous,
        json!({}),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = step(app, &p.resident, "closeComplaint", &anonymous, json!({})).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = step(app, &p.neighbour, "reopenComplaint", &anonymous, json!({})).await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    // node(id:) follows the same rules.
    let node = "query($id: ID!) { node(id: $id) { ... on Complaint { id complainantId } } }";
    let json = gql(app, &p.neighbour, node, json!({ "id": anonymous })).await;
    assert!(json["data"]["node"].is_null(), "{json}");
    let json = gql(app, &p.manager, node, json!({ "id": anonymous })).await;
    assert_eq!(json["data"]["node"]["id"], anonymous, "{json}");
    assert!(json["data"]["node"]["complainantId"].is_null(), "{json}");
    // Staff steps are refused to those who may see but not handle.
    let json = step(app, &p.supervisor, "closeComplaint", &anonymous, json!({})).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = step(app, &p.subject, "closeComplaint", &anonymous, json!({})).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
}

#[tokio::test]
async fn an_anonymous_complainant_is_named_in_no_event_notification_or_entry() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let me = user_by_email(app, "resident1@demo.test").await.id;
    let subject = staff_id(app, "staff5@demo.test").await;
    let id = submit(
        app,
        &p.resident,
        json!({ "staffId": subject, "anonymous": true }),
    )
    .await;
    to_replied(app, &p, &id).await;
    ok_step(
        app,
        &p.resident,
        "reopenComplaint",
        &id,
        json!({ "reason": "still rude" }),
    )
    .await;
    // No event payload of the complaints topic carries the complainant's id.
    let events = entity::event::Entity::find()
        .filter(entity::event::Column::Topic.eq("complaints"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(events.len() >= 6, "{}", events.len());
    for event in &events {
        assert!(
            !event.payload.to_string().contains(&me.to_string()),
            "{:?}",
            event.payload
        );
    }
    // No staff notification names them, and the subject shows them as null.
    for token in [&p.manager, &p.handler, &p.subject] {
        for n in inbox(app, token).await {
            assert!(!n.to_string().contains(&me.to_string()), "{n}");
            assert!(!n.to_string().contains("Resident"), "{n}");
        }
    }
    // The complainant still follows their complaint.
    let mine = inbox(app, &p.resident).await;
    assert!(
        mine.iter()
            .any(|n| n["kind"] == "REPLY" && n["subject"]["complainantId"] == me.to_string()),
        "{mine:?}"
    );
}

#[tokio::test]
async fn the_daily_limit_counts_anonymous_complaints_and_refusals_write_nothing() {
    let estate = Estate::with(|c| c.complaints.daily_limit = 3).await;
    let app = &estate.app;
    let p = people(app).await;
    for i in 0..3 {
        submit(
            app,
            &p.resident,
            json!({ "title": format!("Noise {i}"), "anonymous": i % 2 == 0 }),
        )
        .await;
    }
    let count = || async {
        entity::complaint::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
    };
    let before = (count().await, app.event_count().await);
    let json = gql(app, &p.resident, SUBMIT, json!({ "input": { "kind": "NOISE", "title": "Again", "description": "x", "anonymous": true } })).await;
    assert_eq!(code(&json), "RATE_LIMITED", "{json}");
    assert!(
        json["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            > 0,
        "{json}"
    );
    assert_eq!(
        (count().await, app.event_count().await),
        before,
        "nothing written"
    );
    // A day later the window starts again.
    app.state.clock.advance(Duration::hours(25));
    submit(app, &p.resident, json!({ "title": "Next day" })).await;
    // Parallel submissions never pass the limit.
    let results = futures_util::future::join_all((0..8).map(|i| {
        let token = p.neighbour.clone();
        async move {
            gql(app, &token, SUBMIT, json!({ "input": { "kind": "NOISE", "title": format!("Parallel {i}"), "description": "x" } })).await
        }
    }))
    .await;
    let accepted = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(accepted, 3, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| !r["errors"].is_null())
            .all(|r| code(r) == "RATE_LIMITED"),
        "{results:?}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_code_and_writes_nothing() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let subject = staff_id(app, "staff5@demo.test").await;
    let id = submit(app, &p.resident, json!({ "staffId": subject })).await;
    let snapshot = || async {
        (
            entries(app, &id).await,
            app.event_count().await,
            entity::complaint::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap()
                .version,
        )
    };
    // A handler who is the staff member complained about.
    let before = snapshot().await;
    let json = step(
        app,
        &p.manager,
        "assignComplaintHandler",
        &id,
        json!({ "staffId": subject }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.staffId"),
        "{json}"
    );
    assert_eq!(snapshot().await, before);
    // A step from the wrong state.
    let json = step(
        app,
        &p.manager,
        "replyToComplaint",
        &id,
        json!({ "reply": "too soon" }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    let json = step(
        app,
        &p.resident,
        "rateComplaintHandling",
        &id,
        json!({ "score": 5 }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    assert_eq!(snapshot().await, before);
    // Rating twice.
    to_replied(app, &p, &id).await;
    ok_step(
        app,
        &p.resident,
        "rateComplaintHandling",
        &id,
        json!({ "score": 2 }),
    )
    .await;
    let before = snapshot().await;
    let json = step(
        app,
        &p.resident,
        "rateComplaintHandling",
        &id,
        json!({ "score": 5 }),
    )
    .await;
    assert_eq!(code(&json), "CONFLICT", "{json}");
    assert_eq!(snapshot().await, before);
    // Reopening twice.
    ok_step(app, &p.resident, "reopenComplaint", &id, json!({})).await;
    ok_step(
        app,
        &p.handler,
        "replyToComplaint",
        &id,
        json!({ "reply": "Again: sorted." }),
    )
    .await;
    let before = snapshot().await;
    let json = step(app, &p.resident, "reopenComplaint", &id, json!({})).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("once"),
        "{json}"
    );
    assert_eq!(snapshot().await, before);
    // Reopening after the window.
    let other = submit(app, &p.resident, json!({ "title": "Another" })).await;
    to_replied(app, &p, &other).await;
    app.state.clock.advance(Duration::days(8));
    let json = step(app, &p.resident, "reopenComplaint", &other, json!({})).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("window"),
        "{json}"
    );
    let json = step(
        app,
        &p.resident,
        "appealComplaint",
        &other,
        json!({ "reason": "late" }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    assert_eq!(entries(app, &other).await, 5);
    // A work order the complainant cannot see; a building they do not live in; every
    // malformed field at once.
    let order = Uuid::now_v7();
    let before = entity::complaint::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let json = gql(app, &p.resident, SUBMIT, json!({ "input": { "kind": "FACILITY", "title": "Lift", "description": "x", "workOrderId": order } })).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.workOrderId"),
        "{json}"
    );
    let unit_b = crate::estate::home_unit(app, "resident25@demo.test").await;
    let building_b = entity::unit::Entity::find_by_id(unit_b)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id;
    let json = gql(app, &p.resident, SUBMIT, json!({ "input": { "kind": "FACILITY", "title": "Lift", "description": "x", "buildingId": building_b } })).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.buildingId"),
        "{json}"
    );
    let json = gql(app, &p.resident, SUBMIT, json!({ "input": { "kind": "FACILITY", "title": "", "description": "", "workOrderId": "x", "staffId": "y" } })).await;
    let fields: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "input.title",
            "input.description",
            "input.workOrderId",
            "input.staffId"
        ],
        "{json}"
    );
    let json = gql(
        app,
        &p.manager,
        SUBMIT,
        json!({ "input": { "kind": "FACILITY", "title": "Lift", "description": "x" } }),
    )
    .await;
    assert_eq!(
        code(&json),
        "FORBIDDEN",
        "staff who live nowhere do not complain: {json}"
    );
    assert_eq!(
        entity::complaint::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        before
    );
}

#[tokio::test]
async fn a_resident_of_two_buildings_picks_one() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let me = user_by_email(app, "resident1@demo.test").await.id;
    let unit_b = crate::estate::home_unit(app, "resident25@demo.test").await;
    entity::residency::Entity::insert(entity::residency::ActiveModel {
        id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
        user_id: sea_orm::ActiveValue::Set(me),
        unit_id: sea_orm::ActiveValue::Set(unit_b),
        relation: sea_orm::ActiveValue::Set("TENANT".to_owned()),
        moved_in: sea_orm::ActiveValue::Set(app.state.clock.today() - Duration::days(30)),
        moved_out: sea_orm::ActiveValue::Set(None),
        created_at: sea_orm::ActiveValue::Set(app.state.clock.now()),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    let p2 = token_of(app, "resident1@demo.test").await;
    let json = gql(
        app,
        &p2,
        SUBMIT,
        json!({ "input": { "kind": "NOISE", "title": "Noise", "description": "x" } }),
    )
    .await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.buildingId"),
        "{json}"
    );
    let unit = entity::unit::Entity::find_by_id(unit_b)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let id = submit(
        app,
        &p2,
        json!({ "kind": "NOISE", "buildingId": unit.building_id }),
    )
    .await;
    let json = gql(
        app,
        &p.manager,
        "query($id: ID!) { complaint(id: $id) { building { id } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        json["data"]["complaint"]["building"]["id"],
        unit.building_id.to_string(),
        "{json}"
    );
}

#[tokio::test]
async fn deadlines_remind_and_escalate_once_across_instances() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let p = people(app).await;
    let id = submit(
        app,
        &p.resident,
        json!({ "kind": "FACILITY", "title": "Lobby light" }),
    )
    .await;
    let handler = staff_id(app, "staff1@demo.test").await;
    ok_step(
        app,
        &p.manager,
        "assignComplaintHandler",
        &id,
        json!({ "staffId": handler }),
    )
    .await;
    let job = resident_hub::domains::complaints::deadlines::ComplaintDeadlines::NAME;
    let titles = |token: String| async move {
        inbox(app, &token)
            .await
            .iter()
            .filter_map(|n| n["title"].as_str().map(str::to_owned))
            .filter(|t| t.contains("soon") || t.contains("in time"))
            .collect::<Vec<_>>()
    };
    let run_both = || async {
        let (a, b) = tokio::join!(
            app.state.jobs.run_now(&app.state, job),
            sibling.state.jobs.run_now(&sibling.state, job)
        );
        a.unwrap() + b.unwrap()
    };
    // Defaults: acknowledge within 24 h, reply within 48 h, reminders 2 h before.
    app.state.clock.advance(Duration::hours(21));
    assert_eq!(run_both().await, 0, "nothing due yet");
    app.state
        .clock
        .advance(Duration::hours(1) + Duration::minutes(30));
    assert_eq!(run_both().await, 1, "the acknowledgement reminder, once");
    assert_eq!(
        titles(p.handler.clone()).await,
        ["A complaint is to be acknowledged soon"]
    );
    app.state.clock.advance(Duration::hours(2));
    assert_eq!(run_both().await, 1, "the escalation, once");
    assert_eq!(run_both().await, 0);
    let manager = titles(p.manager.clone()).await;
    assert!(
        manager.contains(&"A complaint is not acknowledged in time".to_owned()),
        "{manager:?}"
    );
    assert_eq!(
        titles(p.handler.clone()).await.len(),
        1,
        "escalations go to the managers"
    );
    let json = gql(
        app,
        &p.manager,
        "query($id: ID!) { complaint(id: $id) { acknowledgeOverdue replyOverdue } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        json["data"]["complaint"],
        json!({ "acknowledgeOverdue": true, "replyOverdue": false }),
        "{json}"
    );
    // Acknowledged late; the reply deadline still has its reminder and escalation.
    ok_step(app, &p.handler, "acknowledgeComplaint", &id, json!({})).await;
    app.state.clock.advance(Duration::hours(23));
    assert_eq!(run_both().await, 1, "the reply reminder");
    app.state.clock.advance(Duration::hours(2));
    assert_eq!(run_both().await, 1, "the reply escalation");
    assert_eq!(run_both().await, 0);
    assert_eq!(
        titles(p.manager.clone()).await.len(),
        4,
        "{:?}",
        titles(p.manager.clone()).await
    );
}

#[tokio::test]
async fn replied_complaints_close_by_themselves_after_the_window_once() {
    let estate =
        Estate::with(|c| c.complaints.reopen_window = std::time::Duration::from_secs(86_400)).await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let p = people(app).await;
    let id = submit(
        app,
        &p.resident,
        json!({ "kind": "SUGGESTION", "title": "Benches" }),
    )
    .await;
    to_replied(app, &p, &id).await;
    let job = resident_hub::domains::complaints::deadlines::ComplaintDeadlines::NAME;
    app.state.clock.advance(Duration::hours(23));
    app.state.jobs.run_now(&app.state, job).await.unwrap();
    assert_eq!(
        get(app, &p.resident, &id).await["data"]["complaint"]["status"],
        "REPLIED"
    );
    app.state.clock.advance(Duration::hours(2));
    let (a, b) = tokio::join!(
        app.state.jobs.run_now(&app.state, job),
        sibling.state.jobs.run_now(&sibling.state, job)
    );
    let _ = (a.unwrap(), b.unwrap());
    let json = get(app, &p.resident, &id).await;
    let c = &json["data"]["complaint"];
    assert_eq!(c["status"], "CLOSED", "{json}");
    let closes = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "CLOSE")
        .count();
    assert_eq!(closes, 1, "{json}");
    assert_eq!(
        c["timeline"].as_array().unwrap().last().unwrap()["actorId"],
        Value::Null
    );
}

#[tokio::test]
async fn internal_notes_never_reach_the_complainant_over_query_or_subscription() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let id = submit(
        app,
        &p.resident,
        json!({ "kind": "ENVIRONMENT", "title": "Bins overflow" }),
    )
    .await;
    let note = "mutation($input: AddComplaintNoteInput!) { addComplaintNote(input: $input) { note { action internal note } complaint { id } } }";
    let start = Uuid::nil().to_string();
    let sub = "subscription($id: ID!, $after: String) { complaintUpdated(id: $id, after: $after) { cursor change { action note internal } complaint { status complainantId } } }";
    let mut resident_ws = app.ws().await;
    resident_ws
        .init(json!({ "Authorization": format!("Bearer {}", p.resident) }))
        .await;
    resident_ws
        .subscribe("r", sub, json!({ "id": id, "after": start }))
        .await;
    let mut manager_ws = app.ws().await;
    manager_ws
        .init(json!({ "Authorization": format!("Bearer {}", p.manager) }))
        .await;
    manager_ws
        .subscribe("m", sub, json!({ "id": id, "after": start }))
        .await;
    // Others may not follow it.
    let mut probe = app.ws().await;
    probe
        .init(json!({ "Authorization": format!("Bearer {}", p.neighbour) }))
        .await;
    probe.subscribe("x", sub, json!({ "id": id })).await;
    let refused = probe.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );

    let json = gql(app, &p.manager, note, json!({ "input": { "id": id, "body": "The bin contractor is late again", "internal": true } })).await;
    assert!(json["errors"].is_null(), "{json}");
    let json = gql(
        app,
        &p.manager,
        note,
        json!({ "input": { "id": id, "body": "We have called the contractor." } }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    let json = gql(
        app,
        &p.resident,
        note,
        json!({ "input": { "id": id, "body": "secret", "internal": true } }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");

    let actions = |ws_events: Vec<Value>, field: &str| -> Vec<(String, bool)> {
        ws_events
            .iter()
            .map(|e| {
                let c = &e["payload"]["data"]["complaintUpdated"]["change"];
                let _ = field;
                (
                    c["note"].as_str().unwrap_or("").to_owned(),
                    c["internal"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let mut staff_events = Vec::new();
    for _ in 0..3 {
        staff_events.push(manager_ws.recv().await);
    }
    // Resuming after the first event's cursor gives the rest, with no gap and no duplicate.
    let cursor = staff_events[0]["payload"]["data"]["complaintUpdated"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut resumed = app.ws().await;
    resumed
        .init(json!({ "Authorization": format!("Bearer {}", p.manager) }))
        .await;
    resumed
        .subscribe("again", sub, json!({ "id": id, "after": cursor }))
        .await;
    for expected in [staff_events[1].clone(), staff_events[2].clone()] {
        let got = resumed.recv().await;
        assert_eq!(
            got["payload"]["data"], expected["payload"]["data"],
            "{got} vs {expected}"
        );
    }
    assert!(
        resumed
            .try_recv(std::time::Duration::from_millis(300))
            .await
            .is_none()
    );
    assert_eq!(
        actions(staff_events, "m"),
        vec![
            (String::new(), false),
            ("The bin contractor is late again".to_owned(), true),
            ("We have called the contractor.".to_owned(), false),
        ]
    );
    let mut resident_events = Vec::new();
    for _ in 0..2 {
        resident_events.push(resident_ws.recv().await);
    }
    assert_eq!(
        actions(resident_events, "r"),
        vec![
            (String::new(), false),
            ("We have called the contractor.".to_owned(), false)
        ]
    );
    assert!(
        resident_ws
            .try_recv(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "no internal note"
    );
    // The same over the query.
    let json = get(app, &p.resident, &id).await;
    let notes: Vec<&Value> = json["data"]["complaint"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "NOTE")
        .collect();
    assert_eq!(notes.len(), 1, "{json}");
    assert_eq!(notes[0]["internal"], false);
    let json = get(app, &p.manager, &id).await;
    let notes = json["data"]["complaint"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "NOTE")
        .count();
    assert_eq!(notes, 2, "{json}");
}

#[tokio::test]
async fn an_anonymous_complaint_s_events_show_the_complainant_to_themselves_only() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let me = user_by_email(app, "resident1@demo.test")
        .await
        .id
        .to_string();
    let id = submit(
        app,
        &p.resident,
        json!({ "kind": "NEIGHBOUR", "title": "Dog barks", "anonymous": true }),
    )
    .await;
    let sub = "subscription($id: ID!, $after: String) { complaintUpdated(id: $id, after: $after) { change { action actorId byComplainant } complaint { complainantId } } }";
    let start = Uuid::nil().to_string();
    for (token, expected) in [(&p.resident, json!(me)), (&p.manager, Value::Null)] {
        let mut ws = app.ws().await;
        ws.init(json!({ "Authorization": format!("Bearer {token}") }))
            .await;
        ws.subscribe("s", sub, json!({ "id": id, "after": start }))
            .await;
        let event = ws.recv().await;
        let data = &event["payload"]["data"]["complaintUpdated"];
        assert_eq!(data["complaint"]["complainantId"], expected, "{event}");
        assert_eq!(data["change"]["byComplainant"], true, "{event}");
        assert_eq!(
            data["change"]["actorId"],
            Value::Null,
            "no actor is stored for them: {event}"
        );
    }
}

#[tokio::test]
async fn praise_of_a_staff_member_proposes_one_commendation_citing_the_complaint() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let praised = staff_id(app, "staff5@demo.test").await;
    let id = submit(
        app,
        &p.resident,
        json!({ "kind": "PRAISE", "title": "Spotless stairs", "staffId": praised }),
    )
    .await;
    to_replied(app, &p, &id).await;
    let entries = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::StaffId.eq(praised))
        .filter(entity::ledger_entry::Column::SourceKind.eq("COMPLAINT"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].kind, "COMMENDATION");
    assert_eq!(entries[0].status, "PROPOSED");
    assert_eq!(entries[0].source_id, Some(Uuid::parse_str(&id).unwrap()));
    // The praised staff member hears of it and now sees the complaint.
    let theirs = inbox(app, &p.subject).await;
    assert!(
        theirs
            .iter()
            .any(|n| n["title"] == "A resident's praise of you was answered"),
        "{theirs:?}"
    );
    // Replying again after an appeal proposes nothing more.
    ok_step(
        app,
        &p.resident,
        "appealComplaint",
        &id,
        json!({ "reason": "Say thanks publicly" }),
    )
    .await;
    ok_step(
        app,
        &p.supervisor,
        "replyToComplaint",
        &id,
        json!({ "reply": "We will." }),
    )
    .await;
    let again = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::StaffId.eq(praised))
        .count(&app.state.db)
        .await
        .unwrap();
    assert!(again >= 1);
    let with_source = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::SourceKind.eq("COMPLAINT"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(with_source, 1);
    // The ledger checks that a COMPLAINT source exists.
    let propose = "mutation($input: ProposeLedgerEntryInput!) { proposeLedgerEntry(input: $input) { entry { id } } }";
    let json = gql(app, &p.manager, propose, json!({ "input": { "staffId": praised, "kind": "WARNING", "reason": "x", "source": { "kind": "COMPLAINT", "id": Uuid::now_v7() } } })).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.source.id"),
        "{json}"
    );
    let json = gql(app, &p.manager, propose, json!({ "input": { "staffId": praised, "kind": "WARNING", "reason": "x", "source": { "kind": "COMPLAINT", "id": id } } })).await;
    assert!(json["errors"].is_null(), "{json}");
}

#[tokio::test]
async fn an_appeal_reaches_the_supervisors_who_answer_it() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let id = submit(
        app,
        &p.resident,
        json!({ "kind": "SERVICE_QUALITY", "title": "Slow repairs" }),
    )
    .await;
    to_replied(app, &p, &id).await;
    let json = step(app, &p.resident, "appealComplaint", &id, json!({})).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("BAD_USER_INPUT", "input.reason"),
        "{json}"
    );
    let json = ok_step(
        app,
        &p.resident,
        "appealComplaint",
        &id,
        json!({ "reason": "The reply ignores my point" }),
    )
    .await;
    assert_eq!(json["status"], "APPEALED");
    let theirs = inbox(app, &p.supervisor).await;
    assert!(
        theirs
            .iter()
            .any(|n| n["title"] == "A complaint was appealed to the supervisors"),
        "{theirs:?}"
    );
    // The handler does not answer an appeal; a supervisor does.
    let json = step(
        app,
        &p.handler,
        "replyToComplaint",
        &id,
        json!({ "reply": "no" }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = ok_step(
        app,
        &p.supervisor,
        "replyToComplaint",
        &id,
        json!({ "reply": "Repairs will speed up." }),
    )
    .await;
    assert_eq!(json["status"], "REPLIED");
    assert_eq!(json["reply"], "Repairs will speed up.");
    let json = step(
        app,
        &p.resident,
        "appealComplaint",
        &id,
        json!({ "reason": "again" }),
    )
    .await;
    assert_eq!(code(&json), "INVALID_STATE", "appealed once: {json}");
}

#[tokio::test]
async fn of_two_managers_acknowledging_at_once_one_wins() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let id = submit(
        app,
        &p.resident,
        json!({ "kind": "FACILITY", "title": "Door" }),
    )
    .await;
    let version = 0;
    let (a, b) = tokio::join!(
        step(
            app,
            &p.manager,
            "acknowledgeComplaint",
            &id,
            json!({ "expectedVersion": version })
        ),
        step(
            app,
            &p.admin,
            "acknowledgeComplaint",
            &id,
            json!({ "expectedVersion": version })
        )
    );
    let codes: Vec<&str> = [&a, &b].iter().map(|r| code(r)).collect();
    assert!(codes.contains(&""), "{a} {b}");
    assert!(
        codes.contains(&"CONFLICT") || codes.contains(&"INVALID_STATE"),
        "{a} {b}"
    );
    assert_eq!(entries(app, &id).await, 2);
}

#[tokio::test]
async fn a_page_of_complaints_costs_the_same_statements_for_5_and_30() {
    let estate = Estate::with(|c| {
        c.dataloader_window = std::time::Duration::from_millis(50);
        c.complaints.daily_limit = 100;
    })
    .await;
    let app = &estate.app;
    let p = people(app).await;
    let subject = staff_id(app, "staff5@demo.test").await;
    let handler = staff_id(app, "staff1@demo.test").await;
    let add = |from: usize, to: usize| {
        let p = &p;
        async move {
            for i in from..to {
                let id = submit(app, &p.resident, json!({ "title": format!("C{i}"), "staffId": subject, "anonymous": i % 2 == 0 })).await;
                if i % 3 == 0 {
                    ok_step(
                        app,
                        &p.manager,
                        "assignComplaintHandler",
                        &id,
                        json!({ "staffId": handler }),
                    )
                    .await;
                }
            }
        }
    };
    let query = "{ complaints(first: 50) { totalCount edges { node { id complainantName building { name } staff { displayName } handler { displayName } timeline(last: 2) { action } } } } }";
    add(0, 5).await;
    let mut five = Vec::new();
    for token in [&p.admin, &p.manager] {
        five.push(app.sql_of(query, json!({}), token).await.len());
    }
    add(5, 30).await;
    for (token, five) in [&p.admin, &p.manager].into_iter().zip(five) {
        let sql = app.sql_of(query, json!({}), token).await;
        // The caller (2), the page and its count, then one batch per loader: complainants'
        // users, buildings, staff records, timelines, the staff records' users; a manager's
        // staff facet (record, buildings); the supervision facet (residencies, group
        // memberships: a group member sees the building's). The complainants' and the staff records' users may
        // share one batch when their loads meet in one window, so a page may cost one fewer.
        assert!(
            sql.len().abs_diff(five) <= 1,
            "statements must not grow with the page: 5 complaints {five}, 30 complaints {}: {sql:#?}",
            sql.len()
        );
        assert!(sql.len() <= 13, "{} statements: {sql:#?}", sql.len());
        eprintln!("a page of 30 complaints: {} statements", sql.len());
    }
}

#[tokio::test]
async fn the_demo_complaints_cover_every_status_once_and_seeding_twice_adds_nothing() {
    use resident_hub::domains::complaints::types::ComplaintStatus;
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    let events = app.event_count().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    assert_eq!(
        app.event_count().await,
        events,
        "seeding twice writes nothing more"
    );
    let db = &app.state.db;
    let plan = resident_hub::demo::complaint_plan();
    let all = entity::complaint::Entity::find().all(db).await.unwrap();
    assert_eq!(all.len(), plan.len(), "each demo complaint once");
    for (title, complainant, anonymous, status) in &plan {
        let found: Vec<_> = all.iter().filter(|c| c.title == *title).collect();
        assert_eq!(found.len(), 1, "{title}");
        assert_eq!(found[0].status, status.as_str(), "{title}");
        assert_eq!(found[0].anonymous, *anonymous, "{title}");
        assert_eq!(
            found[0].complainant_id,
            user_by_email(&app, complainant).await.id,
            "{title}"
        );
    }
    for status in ComplaintStatus::ALL {
        assert!(
            all.iter().any(|c| c.status == status.as_str()),
            "no demo complaint is {status:?}"
        );
    }
    assert_eq!(
        all.iter().filter(|c| c.anonymous).count(),
        1,
        "one anonymous"
    );
    let praise = all.iter().find(|c| c.kind == "PRAISE").expect("a praise");
    assert!(
        praise.praise_entry_id.is_some(),
        "the praise proposed a commendation"
    );
    let rectifying = all.iter().find(|c| c.status == "RECTIFYING").unwrap();
    assert!(rectifying.rectification_id.is_some());
    // The demo accounts see them as the README says: the manager all seven, the anonymous
    // complainant hidden from them.
    let manager = token_of(&app, "staff12@demo.test").await;
    let json = gql(
        &app,
        &manager,
        "{ complaints(first: 20) { totalCount nodes { anonymous complainantId } } }",
        json!({}),
    )
    .await;
    assert_eq!(json["data"]["complaints"]["totalCount"], 7, "{json}");
    for node in json["data"]["complaints"]["nodes"].as_array().unwrap() {
        assert_eq!(
            node["complainantId"].is_null(),
            node["anonymous"] == true,
            "{node}"
        );
    }
}

#[tokio::test]
async fn a_linked_work_order_is_one_the_complainant_sees_and_shows_to_those_who_may_see_it() {
    let estate = Estate::new().await;
    let app = &estate.app;
    resident_hub::demo::seed_catalogue(&app.state)
        .await
        .unwrap();
    let p = people(app).await;
    let plumbing = entity::service_category::Entity::find()
        .filter(entity::service_category::Column::Code.eq("PLUMBING"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let create = "mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { workOrder { id } } }";
    let order = |token: String, email: &'static str| async move {
        let unit = crate::estate::home_unit(app, email).await;
        let json = gql(app, &token, create, json!({ "input": { "categoryId": plumbing, "unitId": unit, "title": "Leak", "description": "Under the sink." } })).await;
        assert!(json["errors"].is_null(), "{json}");
        json["data"]["createWorkOrder"]["workOrder"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mine = order(p.resident.clone(), "resident1@demo.test").await;
    let theirs = order(p.resident_b.clone(), "resident25@demo.test").await;
    // Someone else's order is NOT_FOUND, as workOrder(id:) would be; nothing is written.
    let before = entity::complaint::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let json = gql(app, &p.resident, SUBMIT, json!({ "input": { "kind": "SERVICE_QUALITY", "title": "Slow", "description": "x", "workOrderId": theirs } })).await;
    assert_eq!(
        (code(&json), field(&json)),
        ("NOT_FOUND", "input.workOrderId"),
        "{json}"
    );
    assert_eq!(
        entity::complaint::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        before
    );
    let id = submit(
        app,
        &p.resident,
        json!({ "kind": "SERVICE_QUALITY", "title": "Slow repair", "workOrderId": mine }),
    )
    .await;
    let query = "query($id: ID!) { complaint(id: $id) { workOrderId workOrder { id } } }";
    let handler = staff_id(app, "staff1@demo.test").await;
    ok_step(
        app,
        &p.manager,
        "assignComplaintHandler",
        &id,
        json!({ "staffId": handler }),
    )
    .await;
    for (who, token, sees) in [
        ("complainant", &p.resident, true),
        ("manager", &p.manager, true),
        ("handler who may not see the order", &p.handler, false),
    ] {
        let json = gql(app, token, query, json!({ "id": id })).await;
        assert_eq!(
            json["data"]["complaint"]["workOrderId"], mine,
            "{who}: {json}"
        );
        assert_eq!(
            !json["data"]["complaint"]["workOrder"].is_null(),
            sees,
            "{who}: {json}"
        );
    }
}

/// The building's supervision group: its chair and staff members see the building's complaints
/// with internal notes, its resident representatives without; nobody sees one about themselves
/// before the reply; the chair hears of an appeal and answers it, a representative may not.
#[tokio::test]
async fn the_buildings_supervision_group_sees_its_complaints_and_its_chair_answers_appeals() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let p = people(app).await;
    let building_a = entity::building::Entity::find()
        .filter(entity::building::Column::Name.starts_with("Building A"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let add = "mutation($input: AddSupervisionMemberInput!) { addSupervisionMember(input: $input) { member { id } } }";
    for (email, role) in [
        ("staff11@demo.test", "CHAIR"),
        ("staff8@demo.test", "STAFF"),
        ("staff5@demo.test", "STAFF"),
        ("resident2@demo.test", "RESIDENT"),
    ] {
        let user = user_by_email(app, email).await.id;
        let json = gql(
            app,
            &p.supervisor,
            add,
            json!({ "input": { "buildingId": building_a, "userId": user, "role": role } }),
        )
        .await;
        assert!(json["errors"].is_null(), "{email}: {json}");
    }
    let chair = token_of(app, "staff11@demo.test").await;
    let group_staff = token_of(app, "staff8@demo.test").await;
    let representative = p.neighbour.clone(); // resident2
    // An anonymous complaint about staff5, who sits in the group.
    let subject = staff_id(app, "staff5@demo.test").await;
    let id = submit(
        app,
        &p.resident,
        json!({ "staffId": subject, "anonymous": true }),
    )
    .await;
    let note = "mutation($input: AddComplaintNoteInput!) { addComplaintNote(input: $input) { note { internal } } }";
    let json = gql(
        app,
        &p.manager,
        note,
        json!({ "input": { "id": id, "body": "Check the lobby camera", "internal": true } }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
    for (who, token, internal_notes) in [
        ("chair", &chair, true),
        ("group staff member", &group_staff, true),
        ("resident representative", &representative, false),
    ] {
        let json = get(app, token, &id).await;
        let c = &json["data"]["complaint"];
        assert_eq!(c["id"], id.as_str(), "{who}: {json}");
        assert!(c["complainantId"].is_null(), "{who}: {json}");
        let shows_internal = c["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["internal"] == true);
        assert_eq!(shows_internal, internal_notes, "{who}: {json}");
        let json = gql(
            app,
            token,
            "{ complaints(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
        assert_eq!(json["data"]["complaints"]["totalCount"], 1, "{who}: {json}");
    }
    // The staff member concerned does not see it through the group before the reply.
    assert_eq!(code(&get(app, &p.subject, &id).await), "NOT_FOUND");
    let json = gql(
        app,
        &p.subject,
        "{ complaints(first: 10) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(json["data"]["complaints"]["totalCount"], 0, "{json}");
    // Building B's residents still see nothing.
    assert_eq!(code(&get(app, &p.resident_b, &id).await), "NOT_FOUND");

    to_replied(app, &p, &id).await;
    ok_step(
        app,
        &p.resident,
        "appealComplaint",
        &id,
        json!({ "reason": "Nothing changed" }),
    )
    .await;
    for (who, token) in [("chair", &chair), ("representative", &representative)] {
        let heard = inbox(app, token).await;
        assert!(
            heard
                .iter()
                .any(|n| n["title"] == "A complaint was appealed to the supervisors"),
            "{who}: {heard:?}"
        );
    }
    let json = step(
        app,
        &representative,
        "replyToComplaint",
        &id,
        json!({ "reply": "We agree" }),
    )
    .await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    let json = ok_step(
        app,
        &chair,
        "replyToComplaint",
        &id,
        json!({ "reply": "The group reviewed the camera: the cleaner apologises." }),
    )
    .await;
    assert!(json["errors"].is_null(), "{json}");
}
