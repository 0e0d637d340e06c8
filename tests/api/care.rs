//! Personalised care on the demo estate: care plans and the visits job driven by the clock (made
//! once, missed ones detected once), recording by the assigned caregiver only, the emergency
//! alert of a missed elder visit (mutes do not hold it back), who sees what (every cell of the
//! README's table, `node` included), bad input that writes nothing, and booking a care service
//! for a household member.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use resident_hub::{
    auth::Role,
    domains::care::{
        service::{LOOKAHEAD, NOT_RECORDED},
        visits::CareVisits,
    },
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, home_unit, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp, TestUser},
};

const CREATE: &str = "mutation($input: CreateCarePlanInput!) { createCarePlan(input: $input) { plan { id status memberKind visitKind needs startsOn endsOn caregiverStaffId caregiverPartnerId schedule { days startTime durationMinutes } householdMember { id kind } } } }";
const UPDATE: &str = "mutation($input: UpdateCarePlanInput!) { updateCarePlan(input: $input) { plan { id needs schedule { days startTime durationMinutes } endsOn } } }";
const END: &str = "mutation($id: ID!) { endCarePlan(input: { id: $id, reason: \"Moved to a care home\" }) { plan { id status endsOn endReason } } }";
const RECORD: &str = "mutation($input: RecordCareVisitInput!) { recordCareVisit(input: $input) { visit { id status reason notes recordedById detected } } }";
const PLAN: &str = "query($id: ID!) { carePlan(id: $id) { id visits(first: 50) { totalCount edges { node { id status scheduledAt detected reason } } } } }";
const VISIT: &str = "query($id: ID!) { careVisit(id: $id) { id status plan { id } } }";
const PLANS: &str = "query { carePlans(first: 100) { totalCount edges { node { id } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";
const AGENDA: &str = "query($from: DateTime!, $to: DateTime!) { myCareVisits(from: $from, to: $to, first: 50) { totalCount edges { node { id status scheduledAt plan { id } } } } }";

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

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {value}"))
}

/// The care fixture: the demo estate, its caregiver (staff10, building A) and a care agency
/// serving building A with one member.
struct Care {
    estate: Estate,
    caregiver_staff: Uuid,
    agency: Uuid,
    pet_service: Uuid,
    agency_member: TestUser,
}

impl Care {
    async fn new() -> Care {
        let estate = Estate::new().await;
        let app = &estate.app;
        let staff10 = user_by_email(app, "staff10@demo.test").await;
        let caregiver_staff = entity::staff_record::Entity::find()
            .filter(entity::staff_record::Column::UserId.eq(staff10.id))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let building_a = building_of(app, "resident1@demo.test").await;
        let agency = partner(app, "Silver Years Care Agency", "CARE_AGENCY", building_a).await;
        let pet_service = partner(app, "Happy Tails Pet Service", "PET_SERVICE", building_a).await;
        let agency_member = app.user(&[Role::Merchant]).await;
        entity::partner_member::Entity::insert(entity::partner_member::ActiveModel {
            user_id: Set(agency_member.id),
            partner_id: Set(agency),
            created_at: Set(app.state.clock.now()),
        })
        .exec(&app.state.db)
        .await
        .unwrap();
        Care {
            estate,
            caregiver_staff,
            agency,
            pet_service,
            agency_member,
        }
    }

    fn app(&self) -> &TestApp {
        &self.estate.app
    }

    async fn run(&self, who: &str, query: &str, variables: Value) -> Value {
        match who {
            "caregiver" => self.as_email("staff10@demo.test", query, variables).await,
            "agency" => {
                self.app()
                    .graphql(query, variables, Some(&self.agency_member.token))
                    .await
                    .1
            }
            "resident30" => {
                self.as_email("resident30@demo.test", query, variables)
                    .await
            }
            _ => self.estate.run(who, query, variables).await,
        }
    }

    async fn as_email(&self, email: &str, query: &str, variables: Value) -> Value {
        let token = token_of(self.app(), email).await;
        self.app().graphql(query, variables, Some(&token)).await.1
    }

    async fn plan_rows(&self) -> u64 {
        entity::care_plan::Entity::find()
            .count(&self.app().state.db)
            .await
            .unwrap()
    }

    async fn visits_of(&self, plan: &str) -> Vec<entity::care_visit::Model> {
        let mut visits = entity::care_visit::Entity::find()
            .filter(entity::care_visit::Column::PlanId.eq(Uuid::parse_str(plan).unwrap()))
            .all(&self.app().state.db)
            .await
            .unwrap();
        visits.sort_by_key(|v| v.scheduled_at);
        visits
    }

    async fn run_job(&self) -> usize {
        let state = &self.app().state;
        state.jobs.run_now(state, CareVisits::NAME).await.unwrap()
    }

    /// Moves the clock to `minutes` after midnight, `days` days after today.
    fn move_to(&self, days: i64, minutes: i64) {
        let clock = &self.app().state.clock;
        let target = midnight(clock.today()) + Duration::days(days) + Duration::minutes(minutes);
        clock.advance(target - clock.now());
    }
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap().and_utc()
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

async fn building_of(app: &TestApp, email: &str) -> Uuid {
    let unit = home_unit(app, email).await;
    entity::unit::Entity::find_by_id(unit)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .building_id
}

async fn partner(app: &TestApp, name: &str, kind: &str, building: Uuid) -> Uuid {
    let (id, now) = (Uuid::now_v7(), app.state.clock.now());
    let admin = user_by_email(app, "admin@demo.test").await.id;
    entity::partner::Entity::insert(entity::partner::ActiveModel::from(entity::partner::Model {
        id,
        name: name.to_owned(),
        kind: kind.to_owned(),
        description: "Care at home".to_owned(),
        contact_name: None,
        contact_phone: None,
        contact_email: None,
        contract_from: now - Duration::days(30),
        contract_until: None,
        status: "ACTIVE".to_owned(),
        created_by: admin,
        created_at: now,
        updated_at: now,
    }))
    .exec(&app.state.db)
    .await
    .unwrap();
    entity::partner_building::Entity::insert(entity::partner_building::ActiveModel {
        partner_id: Set(id),
        building_id: Set(building),
    })
    .exec(&app.state.db)
    .await
    .unwrap();
    id
}

/// The first household member of `kind` in the home of `email`.
async fn member_of(app: &TestApp, email: &str, kind: &str) -> Uuid {
    let unit = home_unit(app, email).await;
    entity::household_member::Entity::find()
        .filter(entity::household_member::Column::UnitId.eq(unit))
        .filter(entity::household_member::Column::Kind.eq(kind))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{email} has no {kind}"))
        .id
}

/// A daily check-in call at 09:00 (30 minutes) for resident2's elder, from tomorrow.
fn elder_input(care: &Care, member: Uuid) -> Value {
    let tomorrow = care.app().state.clock.today() + Duration::days(1);
    json!({
        "householdMemberId": member,
        "needs": "Check blood pressure and that the morning pills were taken.",
        "visitKind": "CHECK_IN_CALL",
        "schedule": {
            "days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"],
            "startTime": "09:00",
            "durationMinutes": 30,
        },
        "caregiverStaffId": care.caregiver_staff,
        "startsOn": tomorrow.to_string(),
    })
}

async fn care_notifications(app: &TestApp, user: Uuid) -> Vec<entity::notification::Model> {
    entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(user))
        .filter(entity::notification::Column::Category.eq("CARE"))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn visits_are_made_recorded_and_missed_elder_visits_alert_at_once() {
    let care = Care::new().await;
    let app = care.app();
    let elder = member_of(app, "resident2@demo.test", "ELDER").await;
    // The household mutes care notifications: an emergency still reaches them.
    ok(&care
        .run(
            "resident2",
            "mutation { setNotificationMutes(input: { categories: [CARE] }) { categories } }",
            json!({}),
        )
        .await);
    // Their inbox, live (from the very beginning: nothing is missed while subscribing).
    let mut inbox = app.ws().await;
    inbox
        .init(json!({ "Authorization": format!("Bearer {}", care.estate.tokens["resident2"]) }))
        .await;
    inbox
        .subscribe(
            "inbox",
            "subscription($after: String) { notificationReceived(after: $after) { notification { priority category title } } }",
            json!({ "after": "00000000-0000-0000-0000-000000000000" }),
        )
        .await;
    let created = care
        .run(
            "resident2",
            CREATE,
            json!({ "input": elder_input(&care, elder) }),
        )
        .await;
    let plan = ok(&created)["createCarePlan"]["plan"].clone();
    assert_eq!(plan["status"], "ACTIVE");
    assert_eq!(plan["memberKind"], "ELDER");
    assert_eq!(plan["householdMember"]["id"], json!(elder.to_string()));
    assert_eq!(plan["schedule"]["startTime"], "09:00");
    assert_eq!(plan["schedule"]["days"].as_array().unwrap().len(), 7);
    let plan_id = plan["id"].as_str().unwrap().to_owned();

    // Tomorrow 08:00: the job makes tomorrow's 09:00 call a visit, once.
    care.move_to(1, 8 * 60);
    assert_eq!(care.run_job().await, 1);
    assert_eq!(care.run_job().await, 0, "a second run adds nothing");
    let visits = care.visits_of(&plan_id).await;
    assert_eq!(visits.len(), 1);
    let first = visits[0].clone();
    assert_eq!(first.status, "SCHEDULED");
    assert_eq!(
        first.scheduled_at,
        midnight(app.state.clock.today()) + Duration::hours(9)
    );
    assert_eq!(
        first.window_ends_at,
        first.scheduled_at + Duration::minutes(30)
    );
    // A second instance running the job at the same moment adds nothing either.
    let sibling = app.spawn_sibling().await;
    assert_eq!(
        sibling
            .state
            .jobs
            .run_now(&sibling.state, CareVisits::NAME)
            .await
            .unwrap(),
        0
    );

    // The caregiver's agenda.
    let today = midnight(app.state.clock.today());
    let agenda = care
        .run(
            "caregiver",
            AGENDA,
            json!({ "from": today, "to": today + Duration::days(2) }),
        )
        .await;
    assert_eq!(ok(&agenda)["myCareVisits"]["totalCount"], 1);
    assert_eq!(
        ok(&agenda)["myCareVisits"]["edges"][0]["node"]["plan"]["id"],
        json!(plan_id)
    );
    let too_long = care
        .run(
            "caregiver",
            AGENDA,
            json!({ "from": today, "to": today + Duration::days(40) }),
        )
        .await;
    assert_eq!(
        (code(&too_long), field(&too_long)),
        ("BAD_USER_INPUT", "to")
    );
    // Nobody else has an agenda.
    let theirs = care
        .run(
            "resident2",
            AGENDA,
            json!({ "from": today, "to": today + Duration::days(2) }),
        )
        .await;
    assert_eq!(ok(&theirs)["myCareVisits"]["totalCount"], 0);

    let visit_id = first.id.to_string();
    let done = |notes: &str| json!({ "input": { "visitId": visit_id, "outcome": "DONE", "notes": notes } });
    // Not due yet.
    let early = care.run("caregiver", RECORD, done("early")).await;
    assert_eq!(code(&early), "INVALID_STATE");
    // Only the caregiver records: the household and the manager see it (FORBIDDEN), others
    // do not (NOT_FOUND); nothing is written.
    care.move_to(0, 9 * 60 + 10);
    for (who, expected) in [
        ("resident2", "FORBIDDEN"),
        ("manager", "FORBIDDEN"),
        ("admin", "FORBIDDEN"),
        ("resident", "NOT_FOUND"),
        ("residentB", "NOT_FOUND"),
        ("staff", "NOT_FOUND"),
        ("agency", "NOT_FOUND"),
    ] {
        let refused = care.run(who, RECORD, done("not mine")).await;
        assert_eq!(code(&refused), expected, "{who}: {refused}");
        if expected == "NOT_FOUND" {
            assert_eq!(field(&refused), "input.visitId", "{who}");
        }
    }
    assert_eq!(care.visits_of(&plan_id).await[0].status, "SCHEDULED");
    let recorded = care
        .run("caregiver", RECORD, done("BP 130/85, pills taken"))
        .await;
    let visit = &ok(&recorded)["recordCareVisit"]["visit"];
    assert_eq!(visit["status"], "DONE");
    assert_eq!(visit["notes"], "BP 130/85, pills taken");
    assert_eq!(
        visit["recordedById"],
        json!(user_by_email(app, "staff10@demo.test").await.id.to_string())
    );
    let twice = care.run("caregiver", RECORD, done("again")).await;
    assert_eq!(code(&twice), "INVALID_STATE");
    assert_eq!(
        care.visits_of(&plan_id).await[0].notes.as_deref(),
        Some("BP 130/85, pills taken")
    );

    // The next morning's call is never recorded: once its window is over, the job marks it
    // missed and alerts the household (muted or not) and the building's manager at once.
    let resident2 = user_by_email(app, "resident2@demo.test").await.id;
    let resident30 = user_by_email(app, "resident30@demo.test").await.id;
    let manager = user_by_email(app, "staff12@demo.test").await.id;
    let outsider = user_by_email(app, "resident1@demo.test").await.id;
    care.move_to(1, 8 * 60);
    assert_eq!(care.run_job().await, 1);
    let due = midnight(app.state.clock.today()) + Duration::hours(9);
    let at = |visits: Vec<entity::care_visit::Model>, when: DateTime<Utc>| {
        visits.into_iter().find(|v| v.scheduled_at == when).unwrap()
    };
    care.move_to(0, 9 * 60 + 29);
    care.run_job().await;
    assert_eq!(
        at(care.visits_of(&plan_id).await, due).status,
        "SCHEDULED",
        "still within its window"
    );
    assert!(care_notifications(app, manager).await.is_empty());
    care.move_to(0, 9 * 60 + 31);
    care.run_job().await;
    let missed = &at(care.visits_of(&plan_id).await, due);
    assert_eq!(missed.status, "MISSED");
    assert!(missed.detected);
    assert_eq!(missed.reason.as_deref(), Some(NOT_RECORDED));
    for user in [resident2, resident30, manager] {
        let alerts = care_notifications(app, user).await;
        assert_eq!(alerts.len(), 1, "{user}");
        assert_eq!(alerts[0].priority, "EMERGENCY");
        assert_eq!(alerts[0].subject_type, "CARE_VISIT");
        assert_eq!(alerts[0].subject_id, missed.id);
        assert!(
            alerts[0].title.contains("Missed check-in call"),
            "{}",
            alerts[0].title
        );
    }
    assert!(care_notifications(app, outsider).await.is_empty());
    let live = inbox.recv().await;
    let received = &live["payload"]["data"]["notificationReceived"]["notification"];
    assert_eq!(received["priority"], "EMERGENCY", "{live}");
    assert_eq!(received["category"], "CARE", "{live}");
    assert_eq!(care.run_job().await, 0, "marked and alerted once");
    assert_eq!(care_notifications(app, manager).await.len(), 1);
    // The household's inbox resolves the alert's subject to the visit.
    let inbox = care
        .run(
            "resident2",
            "{ notifications(first: 5) { edges { node { priority category subject { ... on CareVisit { id status detected } } } } } }",
            json!({}),
        )
        .await;
    let alert = &ok(&inbox)["notifications"]["edges"][0]["node"];
    assert_eq!(alert["priority"], "EMERGENCY");
    assert_eq!(alert["subject"]["id"], json!(missed.id.to_string()));
    assert_eq!(alert["subject"]["status"], "MISSED");
    // A visit missed by the job cannot be recorded afterwards.
    let late = care
        .run(
            "caregiver",
            RECORD,
            json!({ "input": { "visitId": missed.id, "outcome": "DONE" } }),
        )
        .await;
    assert_eq!(code(&late), "INVALID_STATE");

    // The caregiver records the third morning missed: a reason is required, and the alert
    // goes out with the recording.
    care.move_to(1, 9 * 60 + 5);
    let third = at(care.visits_of(&plan_id).await, due + Duration::days(1)).id;
    let no_reason = care
        .run(
            "caregiver",
            RECORD,
            json!({ "input": { "visitId": third, "outcome": "MISSED" } }),
        )
        .await;
    assert_eq!(
        (code(&no_reason), field(&no_reason)),
        ("BAD_USER_INPUT", "input.reason")
    );
    let recorded = care
        .run(
            "caregiver",
            RECORD,
            json!({ "input": { "visitId": third, "outcome": "MISSED", "reason": "No answer on three calls" } }),
        )
        .await;
    let visit = &ok(&recorded)["recordCareVisit"]["visit"];
    assert_eq!(visit["status"], "MISSED");
    assert_eq!(visit["detected"], false);
    assert_eq!(visit["reason"], "No answer on three calls");
    for user in [resident2, resident30, manager] {
        assert_eq!(care_notifications(app, user).await.len(), 2, "{user}");
    }

    // The plan's visits, latest first.
    let listed = care.run("resident2", PLAN, json!({ "id": plan_id })).await;
    let visits = &ok(&listed)["carePlan"]["visits"];
    assert_eq!(visits["totalCount"], 3);
    assert_eq!(visits["edges"][0]["node"]["id"], json!(third.to_string()));
    assert_eq!(visits["edges"][2]["node"]["status"], "DONE");

    // A new schedule drops the visits not yet due and makes them again from it.
    care.move_to(0, 10 * 60);
    assert_eq!(care.run_job().await, 1, "tomorrow's call");
    let updated = care
        .run(
            "manager",
            UPDATE,
            json!({ "input": { "id": plan_id, "schedule": { "days": ["SATURDAY"], "startTime": "10:30", "durationMinutes": 20 } } }),
        )
        .await;
    assert_eq!(
        ok(&updated)["updateCarePlan"]["plan"]["schedule"]["days"],
        json!(["SATURDAY"])
    );
    let kept = care.visits_of(&plan_id).await;
    assert_eq!(kept.len(), 3, "the coming visit was dropped: {kept:?}");
    // The caregiver may not change the plan.
    let refused = care
        .run(
            "caregiver",
            UPDATE,
            json!({ "input": { "id": plan_id, "needs": "x" } }),
        )
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");

    // Ending the plan: no more visits; ending it again is refused.
    let ended = care.run("resident2", END, json!({ "id": plan_id })).await;
    assert_eq!(ok(&ended)["endCarePlan"]["plan"]["status"], "ENDED");
    let again = care.run("resident2", END, json!({ "id": plan_id })).await;
    assert_eq!(code(&again), "INVALID_STATE");
    care.move_to(7, 8 * 60);
    care.run_job().await;
    assert_eq!(care.visits_of(&plan_id).await.len(), 3);

    // A care agency's plan: any member of the agency records; a missed child visit alerts
    // nobody.
    let child = member_of(app, "resident1@demo.test", "CHILD").await;
    let tomorrow = app.state.clock.today() + Duration::days(1);
    let created = care
        .run(
            "resident",
            CREATE,
            json!({ "input": {
                "householdMemberId": child,
                "needs": "Pick-up at the school gate, homework, snack.",
                "visitKind": "AFTER_SCHOOL",
                "schedule": { "days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"], "startTime": "15:30", "durationMinutes": 150 },
                "caregiverPartnerId": care.agency,
                "startsOn": tomorrow.to_string(),
                "endsOn": (tomorrow + Duration::days(13)).to_string(),
            } }),
        )
        .await;
    let child_plan = str_at(ok(&created), "/createCarePlan/plan/id").to_owned();
    care.move_to(1, 15 * 60);
    care.run_job().await;
    // Weekdays only, and only what starts within the job's look-ahead (24 hours from 15:00):
    // today's 15:30 afternoon unless today is a weekend day; tomorrow's 15:30 is past it.
    let made = care.visits_of(&child_plan).await;
    let today = app.state.clock.today();
    let weekday = |d: NaiveDate| d.weekday().num_days_from_monday() < 5;
    let expected = [today, today + Duration::days(1)]
        .into_iter()
        .filter(|d| weekday(*d))
        .map(|d| midnight(d) + Duration::minutes(15 * 60 + 30))
        .filter(|at| *at < app.state.clock.now() + LOOKAHEAD)
        .count();
    assert_eq!(made.len(), expected, "{made:?}");
    if let Some(visit) = made.iter().find(|v| v.scheduled_at.date_naive() == today) {
        care.move_to(0, 16 * 60);
        let recorded = care
            .run(
                "agency",
                RECORD,
                json!({ "input": { "visitId": visit.id, "outcome": "MISSED", "reason": "School trip ran late" } }),
            )
            .await;
        assert_eq!(
            ok(&recorded)["recordCareVisit"]["visit"]["status"],
            "MISSED"
        );
        let resident1 = user_by_email(app, "resident1@demo.test").await.id;
        assert!(care_notifications(app, resident1).await.is_empty());
    }
}

/// Runs `query` as `who`, or as the pet service's member `walker`.
async fn as_viewer(
    care: &Care,
    walker: &TestUser,
    who: &str,
    query: &str,
    variables: Value,
) -> Value {
    if who == "walker" {
        care.app()
            .graphql(query, variables, Some(&walker.token))
            .await
            .1
    } else {
        care.run(who, query, variables).await
    }
}

/// Every cell of the README's table: who sees a plan and its visits (`carePlan`, `careVisit`,
/// `carePlans`, `node`), and nobody else.
#[tokio::test]
async fn who_sees_care_plans_and_visits() {
    let care = Care::new().await;
    let app = care.app();
    let elder = member_of(app, "resident2@demo.test", "ELDER").await;
    let mut input = elder_input(&care, elder);
    input["schedule"] =
        json!({ "days": ["SATURDAY"], "startTime": "09:00", "durationMinutes": 30 });
    let created = care.run("manager", CREATE, json!({ "input": input })).await;
    let staff_plan = str_at(ok(&created), "/createCarePlan/plan/id").to_owned();
    let pet = member_of(app, "resident5@demo.test", "PET").await;
    let mut input = elder_input(&care, pet);
    input["visitKind"] = json!("WALK");
    input["schedule"] =
        json!({ "days": ["SATURDAY"], "startTime": "10:00", "durationMinutes": 60 });
    input["caregiverStaffId"] = Value::Null;
    input["caregiverPartnerId"] = json!(care.pet_service);
    let created = care.run("admin", CREATE, json!({ "input": input })).await;
    let pet_plan = str_at(ok(&created), "/createCarePlan/plan/id").to_owned();
    // The pet service's member.
    let walker = app.user(&[Role::Merchant]).await;
    entity::partner_member::Entity::insert(entity::partner_member::ActiveModel {
        user_id: Set(walker.id),
        partner_id: Set(care.pet_service),
        created_at: Set(app.state.clock.now()),
    })
    .exec(&app.state.db)
    .await
    .unwrap();
    // The next Saturday (after today) at 00:00: the job makes both plans' visits of that day.
    let from_monday = i64::from(app.state.clock.today().weekday().num_days_from_monday());
    let to_saturday = match (5 - from_monday).rem_euclid(7) {
        0 => 7,
        n => n,
    };
    care.move_to(to_saturday, 0);
    assert_eq!(care.run_job().await, 2);
    let staff_visit = care.visits_of(&staff_plan).await[0].id.to_string();
    let pet_visit = care.visits_of(&pet_plan).await[0].id.to_string();
    // (viewer, sees the elder's plan, sees the pet's plan)
    let table: [(&str, bool, bool); 12] = [
        ("admin", true, true),
        ("resident2", true, false),
        ("resident30", true, false),
        ("caregiver", true, false),
        ("manager", true, true),
        ("agency", false, false),
        ("walker", false, true),
        ("supervisor", false, false),
        ("staff", false, false),
        ("resident", false, false),
        ("residentB", false, false),
        ("merchant", false, false),
    ];
    for (who, sees_staff_plan, sees_pet_plan) in table {
        let listed = as_viewer(&care, &walker, who, PLANS, json!({})).await;
        let ids: Vec<&str> = ok(&listed)["carePlans"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap())
            .collect();
        for (plan, visit, sees) in [
            (&staff_plan, &staff_visit, sees_staff_plan),
            (&pet_plan, &pet_visit, sees_pet_plan),
        ] {
            assert_eq!(ids.contains(&plan.as_str()), sees, "{who} lists {plan}");
            let one = as_viewer(&care, &walker, who, PLAN, json!({ "id": plan })).await;
            let visit_one = as_viewer(&care, &walker, who, VISIT, json!({ "id": visit })).await;
            let node_plan = as_viewer(&care, &walker, who, NODE, json!({ "id": plan })).await;
            let node_visit = as_viewer(&care, &walker, who, NODE, json!({ "id": visit })).await;
            if sees {
                assert_eq!(ok(&one)["carePlan"]["visits"]["totalCount"], 1, "{who}");
                assert_eq!(
                    ok(&visit_one)["careVisit"]["plan"]["id"],
                    json!(plan),
                    "{who}"
                );
                assert_eq!(ok(&node_plan)["node"]["__typename"], "CarePlan", "{who}");
                assert_eq!(ok(&node_visit)["node"]["__typename"], "CareVisit", "{who}");
            } else {
                assert_eq!(code(&one), "NOT_FOUND", "{who}: {one}");
                assert_eq!(code(&visit_one), "NOT_FOUND", "{who}: {visit_one}");
                assert!(ok(&node_plan)["node"].is_null(), "{who}");
                assert!(ok(&node_visit)["node"].is_null(), "{who}");
            }
        }
    }
    // Anonymous callers are refused.
    let (_, anonymous) = app.graphql(PLANS, json!({}), None).await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");
    // The pet service's member records the walk; the staff caregiver may not.
    care.move_to(0, 10 * 60 + 5);
    let refused = care
        .run(
            "caregiver",
            RECORD,
            json!({ "input": { "visitId": pet_visit, "outcome": "DONE" } }),
        )
        .await;
    assert_eq!(code(&refused), "NOT_FOUND");
    let walked = as_viewer(
        &care,
        &walker,
        "walker",
        RECORD,
        json!({ "input": { "visitId": pet_visit, "outcome": "DONE", "notes": "45 minutes by the river" } }),
    )
    .await;
    assert_eq!(ok(&walked)["recordCareVisit"]["visit"]["status"], "DONE");
}

/// Bad input: every malformed field at once, a member of another household, a caregiver who
/// is not one, overlapping plans, dates in the past: clear codes, nothing written.
#[tokio::test]
async fn bad_care_input_writes_nothing() {
    let care = Care::new().await;
    let app = care.app();
    let elder = member_of(app, "resident2@demo.test", "ELDER").await;
    let before = care.plan_rows().await;

    // Every malformed field at once.
    let mut input = elder_input(&care, elder);
    input["needs"] = json!("");
    input["schedule"] = json!({ "days": [], "startTime": "25:00", "durationMinutes": 0 });
    input["caregiverPartnerId"] = json!(care.agency);
    input["endsOn"] = json!("2020-01-01");
    let refused = care
        .run("resident2", CREATE, json!({ "input": input }))
        .await;
    let mut fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}");
            e["extensions"]["field"].as_str().unwrap()
        })
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "input.caregiverPartnerId",
            "input.endsOn",
            "input.needs",
            "input.schedule.days",
            "input.schedule.durationMinutes",
            "input.schedule.startTime",
        ],
        "{refused}"
    );
    // A window past midnight, no caregiver, a weekday twice.
    let mut input = elder_input(&care, elder);
    input["schedule"] =
        json!({ "days": ["MONDAY", "MONDAY"], "startTime": "22:00", "durationMinutes": 180 });
    input["caregiverStaffId"] = Value::Null;
    let refused = care
        .run("resident2", CREATE, json!({ "input": input }))
        .await;
    assert_eq!(refused["errors"].as_array().unwrap().len(), 3, "{refused}");
    // A start in the past.
    let mut input = elder_input(&care, elder);
    input["startsOn"] = json!((app.state.clock.today() - Duration::days(3)).to_string());
    let refused = care
        .run("resident2", CREATE, json!({ "input": input }))
        .await;
    assert_eq!(
        (code(&refused), field(&refused)),
        ("BAD_USER_INPUT", "input.startsOn")
    );
    // A member of another household: NOT_FOUND for a resident elsewhere and for staff who do
    // not manage it.
    for who in ["resident", "residentB", "staff", "supervisor", "caregiver"] {
        let refused = care
            .run(who, CREATE, json!({ "input": elder_input(&care, elder) }))
            .await;
        assert_eq!(
            (code(&refused), field(&refused)),
            ("NOT_FOUND", "input.householdMemberId"),
            "{who}"
        );
    }
    // Caregivers who are not: a repair technician, a pet service for an elder, unknown ids.
    let staff2 = user_by_email(app, "staff2@demo.test").await.id;
    let technician = entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::UserId.eq(staff2))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    for (key, id, expected) in [
        ("caregiverStaffId", technician, "BAD_USER_INPUT"),
        ("caregiverStaffId", Uuid::now_v7(), "NOT_FOUND"),
        ("caregiverPartnerId", care.pet_service, "BAD_USER_INPUT"),
        ("caregiverPartnerId", Uuid::now_v7(), "NOT_FOUND"),
    ] {
        let mut input = elder_input(&care, elder);
        input["caregiverStaffId"] = Value::Null;
        input[key] = json!(id);
        let refused = care
            .run("resident2", CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&refused), field(&refused)),
            (expected, format!("input.{key}").as_str()),
            "{key} {refused}"
        );
    }
    assert_eq!(care.plan_rows().await, before, "nothing written");

    // Overlapping plans of one member: CONFLICT; a later time of day is fine.
    let created = care
        .run(
            "resident2",
            CREATE,
            json!({ "input": elder_input(&care, elder) }),
        )
        .await;
    let plan = str_at(ok(&created), "/createCarePlan/plan/id").to_owned();
    let mut overlapping = elder_input(&care, elder);
    overlapping["schedule"] =
        json!({ "days": ["WEDNESDAY"], "startTime": "09:15", "durationMinutes": 60 });
    let refused = care
        .run("resident2", CREATE, json!({ "input": overlapping }))
        .await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert_eq!(care.plan_rows().await, before + 1);
    let mut later = elder_input(&care, elder);
    later["visitKind"] = json!("HOME_VISIT");
    later["schedule"] =
        json!({ "days": ["WEDNESDAY"], "startTime": "09:30", "durationMinutes": 60 });
    ok(&care
        .run("resident2", CREATE, json!({ "input": later }))
        .await);
    // Moving the first plan onto the second's time is a conflict too, and changes nothing.
    let refused = care
        .run(
            "resident2",
            UPDATE,
            json!({ "input": { "id": plan, "schedule": { "days": ["WEDNESDAY"], "startTime": "10:00", "durationMinutes": 30 } } }),
        )
        .await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    let row = entity::care_plan::Entity::find_by_id(Uuid::parse_str(&plan).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.start_minute, row.days), (9 * 60, 0b111_1111));
    // An end before the start.
    let refused = care
        .run(
            "resident2",
            UPDATE,
            json!({ "input": { "id": plan, "endsOn": "2020-01-01" } }),
        )
        .await;
    assert_eq!(
        (code(&refused), field(&refused)),
        ("BAD_USER_INPUT", "input.endsOn")
    );
    // Malformed and unknown ids.
    let refused = care
        .run(
            "resident2",
            RECORD,
            json!({ "input": { "visitId": "nope", "outcome": "DONE" } }),
        )
        .await;
    assert_eq!(
        (code(&refused), field(&refused)),
        ("BAD_USER_INPUT", "input.visitId")
    );
    let refused = care
        .run(
            "resident2",
            RECORD,
            json!({ "input": { "visitId": Uuid::now_v7(), "outcome": "DONE", "reason": "x" } }),
        )
        .await;
    assert_eq!(
        (code(&refused), field(&refused)),
        ("BAD_USER_INPUT", "input.reason")
    );
    let refused = care
        .run("resident2", END, json!({ "id": Uuid::now_v7() }))
        .await;
    assert_eq!((code(&refused), field(&refused)), ("NOT_FOUND", "input.id"));
}

/// Booking a care service from the catalogue for a household member: the member is stored on
/// the work order and shown to those who see the order; a member of another household is
/// refused and nothing is written.
#[tokio::test]
async fn a_care_booking_carries_the_household_member() {
    let care = Care::new().await;
    let app = care.app();
    resident_hub::demo::seed_catalogue(&app.state)
        .await
        .unwrap();
    let category = entity::service_category::Entity::find()
        .filter(entity::service_category::Column::Code.eq("PET_CARE"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let offering = entity::service_offering::Entity::find()
        .filter(entity::service_offering::Column::CategoryId.eq(category))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let pet = member_of(app, "resident5@demo.test", "PET").await;
    let unit = home_unit(app, "resident5@demo.test").await;
    let book = "mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { workOrder { id householdMember { id name kind } } } }";
    let input = |member: Value| {
        json!({ "input": {
            "categoryId": category,
            "unitId": unit,
            "title": "Walk Mimi while we travel",
            "description": "Twice a day from Friday to Sunday.",
            "offeringId": offering,
            "householdMemberId": member,
        } })
    };
    let orders = || async {
        entity::work_order::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
    };
    let before = orders().await;
    // Another household's member, an unknown one, a malformed id: refused, nothing written.
    let elsewhere = member_of(app, "resident2@demo.test", "ELDER").await;
    for member in [json!(elsewhere), json!(Uuid::now_v7()), json!("nope")] {
        let refused = care
            .as_email("resident5@demo.test", book, input(member))
            .await;
        assert_eq!(
            (code(&refused), field(&refused)),
            ("BAD_USER_INPUT", "input.householdMemberId"),
            "{refused}"
        );
    }
    assert_eq!(orders().await, before);
    let booked = care
        .as_email("resident5@demo.test", book, input(json!(pet)))
        .await;
    let order = &ok(&booked)["createWorkOrder"]["workOrder"];
    assert_eq!(order["householdMember"]["id"], json!(pet.to_string()));
    assert_eq!(order["householdMember"]["kind"], "PET");
    let id = order["id"].as_str().unwrap().to_owned();
    let row = entity::work_order::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.household_member_id, Some(pet));
    // The manager sees the order and whom it is for; a resident of another home sees neither.
    let query = "query($id: ID!) { workOrder(id: $id) { id householdMember { name } } }";
    let seen = care.run("manager", query, json!({ "id": id })).await;
    assert_eq!(ok(&seen)["workOrder"]["householdMember"]["name"], "Mimi");
    let hidden = care.run("residentB", query, json!({ "id": id })).await;
    assert_eq!(code(&hidden), "NOT_FOUND");
    // Staff booking on behalf of a resident: the member must be of that resident's home.
    let on_behalf = json!({ "input": {
        "categoryId": category,
        "unitId": unit,
        "title": "Walk Mimi",
        "description": "Saturday.",
        "onBehalfOf": user_by_email(app, "resident1@demo.test").await.id,
        "householdMemberId": pet,
    } });
    let refused = care.run("manager", book, on_behalf).await;
    assert_eq!(
        (code(&refused), field(&refused)),
        ("BAD_USER_INPUT", "input.householdMemberId"),
        "{refused}"
    );
}

/// Called by the demo seed test after it has seeded twice: the elder's check-in plan (with a
/// missed visit and its emergency alert) and the pet walk exist once, the care offerings are
/// in the catalogue, and the childcare booking carries its child.
pub async fn assert_demo_care(app: &TestApp) {
    use resident_hub::demo::{CARE_CHILDCARE_BOOKING, CARE_ELDER_NEEDS, CARE_PET_NEEDS};
    let db = &app.state.db;
    let plans = entity::care_plan::Entity::find().all(db).await.unwrap();
    let elder: Vec<_> = plans
        .iter()
        .filter(|p| p.needs == CARE_ELDER_NEEDS)
        .collect();
    let pet: Vec<_> = plans.iter().filter(|p| p.needs == CARE_PET_NEEDS).collect();
    assert_eq!((elder.len(), pet.len()), (1, 1), "each demo plan once");
    assert_eq!(
        (elder[0].member_kind.as_str(), elder[0].visit_kind.as_str()),
        ("ELDER", "CHECK_IN_CALL")
    );
    assert_eq!(
        (pet[0].member_kind.as_str(), pet[0].visit_kind.as_str()),
        ("PET", "WALK")
    );
    let visits = entity::care_visit::Entity::find()
        .filter(entity::care_visit::Column::PlanId.eq(elder[0].id))
        .all(db)
        .await
        .unwrap();
    let missed: Vec<_> = visits.iter().filter(|v| v.status == "MISSED").collect();
    assert!(
        !missed.is_empty(),
        "the elder plan has a missed visit: {visits:?}"
    );
    let alerts = entity::notification::Entity::find()
        .filter(entity::notification::Column::SubjectId.eq(missed[0].id))
        .all(db)
        .await
        .unwrap();
    let resident2 = user_by_email(app, "resident2@demo.test").await.id;
    let manager = user_by_email(app, "staff12@demo.test").await.id;
    for user in [resident2, manager] {
        assert!(
            alerts
                .iter()
                .any(|n| n.user_id == user && n.priority == "EMERGENCY"),
            "{user} was alerted"
        );
    }
    let bookings: Vec<_> = entity::work_order::Entity::find()
        .filter(entity::work_order::Column::Title.eq(CARE_CHILDCARE_BOOKING))
        .all(db)
        .await
        .unwrap();
    assert_eq!(bookings.len(), 1);
    let child =
        entity::household_member::Entity::find_by_id(bookings[0].household_member_id.unwrap())
            .one(db)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(child.kind, "CHILD");
    assert!(
        bookings[0].offering_id.is_some(),
        "booked from the catalogue"
    );
}
