//! Conduct on the demo estate: policies and their acknowledgement, the grace period and
//! `unacknowledged`, the rewards and penalties ledger (approval rules, appeals, concurrency),
//! suspensions and their end by the job, and who sees what.

use chrono::Duration;
use resident_hub::{
    auth::Role,
    domains::conduct::{service::unacknowledged, suspensions::Suspensions},
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, user_by_email},
    helpers::TestApp,
};

const PUBLISH: &str = "mutation($input: PublishPolicyVersionInput!) { publishPolicyVersion(input: $input) { version { id version posts graceDays } } }";
const ACK: &str = "mutation($id: ID!) { acknowledgePolicy(versionId: $id) { acknowledgement { id policy versionId } } }";
const STANDINGS: &str = "query($staffId: ID) { policyAcknowledgements(staffId: $staffId) { policy lapsed acknowledgedVersion current { version } acknowledgement { id } } }";
const PROPOSE: &str = "mutation($input: ProposeLedgerEntryInput!) { proposeLedgerEntry(input: $input) { entry { id status kind amount source { kind id } } } }";
const LIST: &str = "query($staffId: ID, $status: LedgerStatus) { ledgerEntries(staffId: $staffId, status: $status, first: 50) { totalCount edges { node { id kind status staff { id } } } } }";

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

async fn staff_status(app: &TestApp, id: Uuid) -> String {
    entity::staff_record::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// A staff record for `user` serving no building (outside every manager's oversight).
async fn add_staff(app: &TestApp, user: Uuid, post: &str) -> Uuid {
    let id = Uuid::now_v7();
    let now = app.state.clock.now();
    entity::staff_record::Entity::insert(entity::staff_record::ActiveModel {
        id: Set(id),
        user_id: Set(user),
        post: Set(post.to_owned()),
        employee_number: Set(format!("T-{}", &id.simple().to_string()[20..])),
        hire_date: Set(now.date_naive()),
        status: Set("ACTIVE".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    id
}

async fn publish(estate: &Estate, policy: &str, posts: Option<&[&str]>, grace: i32) -> String {
    let r = estate
        .run(
            "admin",
            PUBLISH,
            json!({ "input": { "policy": policy, "title": format!("{policy} rules"),
                "body": "Be kind.", "posts": posts, "graceDays": grace } }),
        )
        .await;
    ok(&r)["publishPolicyVersion"]["version"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn propose(estate: &Estate, role: &str, input: Value) -> Value {
    estate.run(role, PROPOSE, json!({ "input": input })).await
}

fn warning(staff: Uuid) -> Value {
    json!({ "staffId": staff, "kind": "WARNING", "reason": "Late twice",
        "source": { "kind": "WORK_ORDER", "id": Uuid::now_v7() } })
}

async fn proposed_id(estate: &Estate, role: &str, input: Value) -> String {
    let r = propose(estate, role, input).await;
    ok(&r)["proposeLedgerEntry"]["entry"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn step(estate: &Estate, role: &str, mutation: &str, id: &str) -> Value {
    let field = if mutation == "appealLedgerEntry" {
        "reason: \"I was not on shift\""
    } else {
        "note: \"ok\""
    };
    estate
        .run(
            role,
            &format!(
                "mutation($id: ID!) {{ {mutation}(input: {{ id: $id, {field} }}) {{ entry {{ id status }} }} }}"
            ),
            json!({ "id": id }),
        )
        .await
}

async fn approved(estate: &Estate, input: Value) -> String {
    let id = proposed_id(estate, "admin", input).await;
    let r = step(estate, "supervisor", "approveLedgerEntry", &id).await;
    assert_eq!(ok(&r)["approveLedgerEntry"]["entry"]["status"], "APPROVED");
    id
}

async fn count_entries(app: &TestApp) -> u64 {
    entity::ledger_entry::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_role_sees_the_conduct_records_it_oversees_and_no_more() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff = staff_of(app, "staff2@demo.test").await;
    let outsider_user = app.user(&[Role::Staff]).await;
    let outsider = add_staff(app, outsider_user.id, "CLEANER").await;
    publish(&estate, "CODE_OF_CONDUCT", None, 14).await;
    for target in [staff.id, outsider] {
        proposed_id(
            &estate,
            "admin",
            json!({ "staffId": target, "kind": "COMMENDATION", "reason": "Helpful" }),
        )
        .await;
    }
    let total = |r: &Value| r["data"]["ledgerEntries"]["totalCount"].as_i64();
    for (role, expected) in [
        ("admin", Some(2)),
        ("supervisor", Some(2)),
        ("manager", Some(1)),
        ("staff", Some(1)),
    ] {
        let r = estate.run(role, LIST, json!({})).await;
        assert_eq!(total(&r), expected, "{role}: {r}");
        let r = estate
            .run(role, STANDINGS, json!({ "staffId": staff.id }))
            .await;
        assert_eq!(
            ok(&r)["policyAcknowledgements"][0]["policy"],
            "CODE_OF_CONDUCT"
        );
        let r = estate
            .run(role, "{ policies { kind current { version } } }", json!({}))
            .await;
        assert_eq!(ok(&r)["policies"][0]["current"]["version"], 1, "{role}");
    }
    // The staff member's own list is only theirs; the manager's is their buildings' staff.
    let r = estate.run("manager", LIST, json!({})).await;
    assert_eq!(
        r["data"]["ledgerEntries"]["edges"][0]["node"]["staff"]["id"],
        json!(staff.id.to_string())
    );
    for role in ["manager", "staff"] {
        let r = estate.run(role, LIST, json!({ "staffId": outsider })).await;
        assert_eq!(code(&r), "NOT_FOUND", "{role}: {r}");
        let r = estate
            .run(role, STANDINGS, json!({ "staffId": outsider }))
            .await;
        assert_eq!(code(&r), "NOT_FOUND", "{role}: {r}");
    }
    let r = app
        .graphql(
            LIST,
            json!({ "staffId": outsider }),
            Some(&outsider_user.token),
        )
        .await
        .1;
    assert_eq!(total(&r), Some(1));
    for role in ["resident", "merchant"] {
        for query in [LIST, STANDINGS, "{ policies { kind } }"] {
            let r = estate
                .run(role, query, json!({ "staffId": staff.id }))
                .await;
            assert_eq!(code(&r), "FORBIDDEN", "{role}: {r}");
        }
    }
    let r = estate.run("anonymous", LIST, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
    // Changes: residents and merchants none, anonymous callers must sign in.
    let version = estate
        .run("admin", "{ policies { current { id } } }", json!({}))
        .await["data"]["policies"][0]["current"]["id"]
        .clone();
    for (role, expected) in [
        ("resident", "FORBIDDEN"),
        ("merchant", "FORBIDDEN"),
        ("anonymous", "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            code(&propose(&estate, role, warning(staff.id)).await),
            expected,
            "{role}"
        );
        let r = estate.run(role, ACK, json!({ "id": version })).await;
        assert_eq!(code(&r), expected, "{role}");
        let publish = json!({ "input": { "policy": "WORKFLOW", "title": "x", "body": "y" } });
        assert_eq!(
            code(&estate.run(role, PUBLISH, publish).await),
            expected,
            "{role}"
        );
    }
    // Node: the same rule.
    let id = r#"query($id: ID!) { node(id: $id) { __typename id } }"#;
    let entry = estate
        .run("admin", LIST, json!({ "staffId": outsider }))
        .await["data"]["ledgerEntries"]["edges"][0]["node"]["id"]
        .clone();
    let r = estate.run("supervisor", id, json!({ "id": entry })).await;
    assert_eq!(ok(&r)["node"]["__typename"], "LedgerEntry");
    let r = estate.run("manager", id, json!({ "id": entry })).await;
    assert!(ok(&r)["node"].is_null());
}

#[tokio::test]
async fn staff_acknowledge_only_the_current_version_and_twice_is_once() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff = staff_of(app, "staff2@demo.test").await;
    let v1 = publish(&estate, "WORKFLOW", Some(&["REPAIR_TECHNICIAN"]), 14).await;
    // The staff it applies to are told.
    let told = entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(staff.user_id))
        .filter(entity::notification::Column::Category.eq("TRAINING"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(told, 1);
    let first = estate.run("staff", ACK, json!({ "id": v1 })).await;
    let again = estate.run("staff", ACK, json!({ "id": v1 })).await;
    assert_eq!(
        ok(&first)["acknowledgePolicy"]["acknowledgement"]["id"],
        ok(&again)["acknowledgePolicy"]["acknowledgement"]["id"]
    );
    let v2 = publish(&estate, "WORKFLOW", Some(&["REPAIR_TECHNICIAN"]), 14).await;
    let acks = || async {
        entity::policy_acknowledgement::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
    };
    let before = acks().await;
    let old = estate.run("staff", ACK, json!({ "id": v1 })).await;
    assert_eq!(code(&old), "INVALID_STATE", "{old}");
    assert_eq!(acks().await, before);
    ok(&estate.run("staff", ACK, json!({ "id": v2 })).await);
    let r = estate.run("staff", STANDINGS, json!({})).await;
    let standing = &ok(&r)["policyAcknowledgements"][0];
    assert_eq!(standing["current"]["version"], 2);
    assert_eq!(standing["acknowledgedVersion"], 2);
    // A policy for other posts cannot be acknowledged; residents and administrators are no staff.
    let cleaners = publish(&estate, "SERVICE_STANDARD", Some(&["CLEANER"]), 14).await;
    assert_eq!(
        code(&estate.run("staff", ACK, json!({ "id": cleaners })).await),
        "INVALID_STATE"
    );
    assert_eq!(
        code(&estate.run("resident", ACK, json!({ "id": v2 })).await),
        "FORBIDDEN"
    );
    // Only administrators publish.
    let r = estate
        .run(
            "manager",
            PUBLISH,
            json!({ "input": { "policy": "WORKFLOW", "title": "x", "body": "y" } }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN");
    let r = estate
        .run(
            "admin",
            PUBLISH,
            json!({ "input": { "policy": "WORKFLOW", "title": "x", "graceDays": 999 } }),
        )
        .await;
    assert_eq!(r["errors"].as_array().unwrap().len(), 2, "{r}");
}

#[tokio::test]
async fn a_new_version_left_unacknowledged_past_its_grace_makes_staff_unassignable() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff = staff_of(app, "staff2@demo.test").await;
    let v1 = publish(&estate, "EMERGENCY_PROCEDURE", None, 3).await;
    ok(&estate.run("staff", ACK, json!({ "id": v1 })).await);
    publish(&estate, "EMERGENCY_PROCEDURE", None, 3).await;
    let lapsed = || async {
        estate
            .run("manager", STANDINGS, json!({ "staffId": staff.id }))
            .await["data"]["policyAcknowledgements"][0]["lapsed"]
            .clone()
    };
    assert_eq!(lapsed().await, json!(false));
    let all = |now| async move {
        let rows = entity::staff_record::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        unacknowledged(&app.state.db, &rows, now).await.unwrap()
    };
    assert!(all(app.state.clock.now()).await.is_empty());
    app.state
        .clock
        .advance(Duration::days(3) + Duration::minutes(1));
    assert_eq!(lapsed().await, json!(true));
    let blocked = all(app.state.clock.now()).await;
    assert!(blocked.contains(&staff.id));
    let r = estate.run("staff", STANDINGS, json!({})).await;
    let current = ok(&r)["policyAcknowledgements"][0]["current"]["version"].clone();
    assert_eq!(current, 2);
    let v2 = estate
        .run("admin", "{ policies { current { id } } }", json!({}))
        .await["data"]["policies"][0]["current"]["id"]
        .clone();
    ok(&estate.run("staff", ACK, json!({ "id": v2 })).await);
    assert!(!all(app.state.clock.now()).await.contains(&staff.id));
}

#[tokio::test]
async fn unacknowledged_names_exactly_the_staff_whose_posts_owe_a_lapsed_version() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let rows = entity::staff_record::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let now = app.state.clock.now();
    assert!(
        unacknowledged(&app.state.db, &rows, now)
            .await
            .unwrap()
            .is_empty()
    );
    let technicians: std::collections::HashSet<Uuid> = rows
        .iter()
        .filter(|s| s.post == "REPAIR_TECHNICIAN")
        .map(|s| s.id)
        .collect();
    assert!(technicians.len() >= 2);
    let v = publish(&estate, "WORKFLOW", Some(&["REPAIR_TECHNICIAN"]), 1).await;
    // A version still in its grace period binds nobody yet.
    assert!(
        unacknowledged(&app.state.db, &rows, app.state.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    app.state.clock.advance(Duration::days(2));
    let later = app.state.clock.now();
    assert_eq!(
        unacknowledged(&app.state.db, &rows, later).await.unwrap(),
        technicians
    );
    ok(&estate.run("staff", ACK, json!({ "id": v })).await);
    let staff2 = staff_of(app, "staff2@demo.test").await.id;
    let left: std::collections::HashSet<Uuid> = technicians
        .iter()
        .copied()
        .filter(|id| *id != staff2)
        .collect();
    assert_eq!(
        unacknowledged(&app.state.db, &rows, later).await.unwrap(),
        left
    );
    // Only the staff asked about are judged; none asked, none returned.
    let only: Vec<_> = rows.iter().filter(|s| s.id == staff2).cloned().collect();
    assert!(
        unacknowledged(&app.state.db, &only, later)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        unacknowledged(&app.state.db, &[], later)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn approvals_need_another_person_and_penalties_need_a_source() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff = staff_of(app, "staff2@demo.test").await;
    let manager = staff_of(app, "staff12@demo.test").await;
    let before = count_entries(app).await;
    // A penalty without its source, a fine without an amount, a bonus with a source only.
    let r = propose(
        &estate,
        "manager",
        json!({ "staffId": staff.id, "kind": "WARNING", "reason": "Late" }),
    )
    .await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    assert_eq!(r["errors"][0]["extensions"]["field"], "input.source");
    let r = propose(
        &estate,
        "admin",
        json!({ "staffId": staff.id, "kind": "FINE", "reason": "Late",
        "source": { "kind": "COMPLAINT", "id": Uuid::now_v7() } }),
    )
    .await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    let r = propose(
        &estate,
        "admin",
        json!({ "staffId": staff.id, "kind": "SUSPENSION", "reason": "Late",
        "source": { "kind": "INSPECTION", "id": Uuid::now_v7() } }),
    )
    .await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    assert_eq!(count_entries(app).await, before);
    // Who proposes: administrators, managers for their staff, not for themselves.
    for role in ["staff", "supervisor", "resident"] {
        assert_eq!(
            code(&propose(&estate, role, warning(staff.id)).await),
            "FORBIDDEN",
            "{role}"
        );
    }
    assert_eq!(
        code(&propose(&estate, "manager", warning(manager.id)).await),
        "FORBIDDEN"
    );
    let by_manager = proposed_id(&estate, "manager", warning(staff.id)).await;
    // Who decides: administrators and supervisors other than the proposer and the subject.
    for role in ["manager", "staff", "resident"] {
        let r = step(&estate, role, "approveLedgerEntry", &by_manager).await;
        assert!(
            ["FORBIDDEN", "NOT_FOUND"].contains(&code(&r)),
            "{role}: {r}"
        );
    }
    let by_admin = proposed_id(&estate, "admin", warning(staff.id)).await;
    assert_eq!(
        code(&step(&estate, "admin", "approveLedgerEntry", &by_admin).await),
        "FORBIDDEN"
    );
    let r = step(&estate, "admin", "approveLedgerEntry", &by_manager).await;
    assert_eq!(ok(&r)["approveLedgerEntry"]["entry"]["status"], "APPROVED");
    assert_eq!(
        code(&step(&estate, "supervisor", "rejectLedgerEntry", &by_manager).await),
        "INVALID_STATE"
    );
    // A supervisor who is also staff cannot decide an entry about themselves.
    let both = app.user(&[Role::Staff, Role::Supervisor]).await;
    let record = add_staff(app, both.id, "SECURITY").await;
    let about_them = proposed_id(&estate, "admin", warning(record)).await;
    let r = app
        .graphql(
            "mutation($id: ID!) { approveLedgerEntry(input: { id: $id }) { entry { status } } }",
            json!({ "id": about_them }),
            Some(&both.token),
        )
        .await
        .1;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = step(&estate, "supervisor", "rejectLedgerEntry", &about_them).await;
    assert_eq!(ok(&r)["rejectLedgerEntry"]["entry"]["status"], "REJECTED");
    // The staff member heard of each decision.
    let told = entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(staff.user_id))
        .filter(entity::notification::Column::Kind.eq("LEDGER_DECIDED"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(told, 1);
}

#[tokio::test]
async fn an_approved_penalty_may_be_appealed_by_its_subject_within_seven_days() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff = staff_of(app, "staff2@demo.test").await;
    let late = approved(&estate, warning(staff.id)).await;
    let early = approved(&estate, warning(staff.id)).await;
    let praise = approved(
        &estate,
        json!({ "staffId": staff.id, "kind": "COMMENDATION", "reason": "Kind" }),
    )
    .await;
    assert_eq!(
        code(&step(&estate, "staff", "appealLedgerEntry", &praise).await),
        "INVALID_STATE"
    );
    assert_eq!(
        code(&step(&estate, "manager", "appealLedgerEntry", &early).await),
        "FORBIDDEN"
    );
    app.state.clock.advance(Duration::days(6));
    let r = step(&estate, "staff", "appealLedgerEntry", &early).await;
    assert_eq!(ok(&r)["appealLedgerEntry"]["entry"]["status"], "APPEALED");
    assert_eq!(
        code(&step(&estate, "staff", "appealLedgerEntry", &early).await),
        "INVALID_STATE"
    );
    app.state.clock.advance(Duration::days(2));
    let r = step(&estate, "staff", "appealLedgerEntry", &late).await;
    assert_eq!(code(&r), "INVALID_STATE", "{r}");
    // The supervision group decides appeals; administrators do not.
    assert_eq!(
        code(&step(&estate, "admin", "overturnLedgerAppeal", &early).await),
        "FORBIDDEN"
    );
    let r = step(&estate, "supervisor", "overturnLedgerAppeal", &early).await;
    assert_eq!(
        ok(&r)["overturnLedgerAppeal"]["entry"]["status"],
        "OVERTURNED"
    );
    assert_eq!(
        code(&step(&estate, "supervisor", "upholdLedgerAppeal", &early).await),
        "INVALID_STATE"
    );
    let r = estate
        .run("staff", LIST, json!({ "status": "OVERTURNED" }))
        .await;
    assert_eq!(ok(&r)["ledgerEntries"]["totalCount"], 1);
}

#[tokio::test]
async fn of_concurrent_approvals_of_one_entry_exactly_one_wins() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff = staff_of(app, "staff2@demo.test").await;
    let other = app.user(&[Role::Supervisor]).await;
    for _ in 0..3 {
        let id = proposed_id(&estate, "admin", warning(staff.id)).await;
        let query =
            "mutation($id: ID!) { approveLedgerEntry(input: { id: $id }) { entry { status } } }";
        let (a, b) = tokio::join!(
            estate.run("supervisor", query, json!({ "id": id })),
            app.graphql(query, json!({ "id": id }), Some(&other.token))
        );
        let results = [a, b.1];
        let wins = results.iter().filter(|r| r["errors"].is_null()).count();
        assert_eq!(wins, 1, "{results:?}");
        let loser = results.iter().find(|r| !r["errors"].is_null()).unwrap();
        assert!(
            ["CONFLICT", "INVALID_STATE"].contains(&code(loser)),
            "{loser}"
        );
    }
    let told = entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(staff.user_id))
        .filter(entity::notification::Column::Kind.eq("LEDGER_DECIDED"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(told, 3);
}

#[tokio::test]
async fn an_approved_suspension_suspends_the_staff_member_until_the_job_ends_it_once() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let staff = staff_of(app, "staff2@demo.test").await;
    let now = app.state.clock.now();
    let input = json!({ "staffId": staff.id, "kind": "SUSPENSION", "reason": "Unsafe work",
        "source": { "kind": "INSPECTION", "id": Uuid::now_v7() },
        "suspensionFrom": now, "suspensionUntil": now + Duration::days(2) });
    let id = proposed_id(&estate, "admin", input).await;
    assert_eq!(staff_status(app, staff.id).await, "ACTIVE");
    ok(&step(&estate, "supervisor", "approveLedgerEntry", &id).await);
    assert_eq!(staff_status(app, staff.id).await, "SUSPENDED");
    // Still suspended, the staff member reads and appeals their own ledger.
    let r = estate.run("staff", LIST, json!({})).await;
    assert_eq!(ok(&r)["ledgerEntries"]["totalCount"], 1);
    // Nothing to do before the end.
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, Suspensions::NAME)
            .await
            .unwrap(),
        0
    );
    app.state
        .clock
        .advance(Duration::days(2) + Duration::minutes(1));
    let (a, b) = tokio::join!(
        app.state.jobs.run_now(&app.state, Suspensions::NAME),
        sibling
            .state
            .jobs
            .run_now(&sibling.state, Suspensions::NAME)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(staff_status(app, staff.id).await, "ACTIVE");
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, Suspensions::NAME)
            .await
            .unwrap(),
        0
    );
    let told = entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(staff.user_id))
        .filter(entity::notification::Column::Kind.eq("SUSPENSION_ENDED"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(told, 1);
}

#[tokio::test]
async fn a_future_suspension_starts_with_its_period_and_an_overturned_one_ends_at_once() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff = staff_of(app, "staff2@demo.test").await;
    let now = app.state.clock.now();
    let input = json!({ "staffId": staff.id, "kind": "SUSPENSION", "reason": "Unsafe work",
        "source": { "kind": "ASSESSMENT", "id": Uuid::now_v7() },
        "suspensionFrom": now + Duration::days(1), "suspensionUntil": now + Duration::days(5) });
    let id = approved(&estate, input).await;
    assert_eq!(staff_status(app, staff.id).await, "ACTIVE");
    app.state.clock.advance(Duration::days(1));
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, Suspensions::NAME)
            .await
            .unwrap(),
        1
    );
    assert_eq!(staff_status(app, staff.id).await, "SUSPENDED");
    ok(&step(&estate, "staff", "appealLedgerEntry", &id).await);
    ok(&step(&estate, "supervisor", "overturnLedgerAppeal", &id).await);
    assert_eq!(staff_status(app, staff.id).await, "ACTIVE");
    app.state.clock.advance(Duration::days(5));
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, Suspensions::NAME)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_demo_has_policies_acknowledgements_and_ledger_entries_once() {
    let app = TestApp::spawn().await;
    resident_hub::demo::seed(&app.state).await.unwrap();
    let added = resident_hub::demo::seed_conduct(&app.state).await.unwrap();
    assert_eq!(added, 0, "seeding again adds nothing");
    let db = &app.state.db;
    assert_eq!(
        entity::policy_version::Entity::find()
            .count(db)
            .await
            .unwrap(),
        4
    );
    // The four demo entries, and the commendation the demo praise (a complaint) proposed; the
    // demo assessment cycle's proposals are the assessment demo's own (counted there).
    let assessed = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::SourceKind.eq("ASSESSMENT"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(count_entries(&app).await - assessed, 5);
    let rows = entity::staff_record::Entity::find().all(db).await.unwrap();
    let blocked = unacknowledged(db, &rows, app.state.clock.now())
        .await
        .unwrap();
    let missing = staff_of(&app, resident_hub::demo::DEMO_UNACKNOWLEDGED).await;
    assert_eq!(blocked, [missing.id].into_iter().collect());
    let statuses: Vec<(String, String)> = entity::ledger_entry::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.status))
        .collect();
    for expected in [
        ("COMMENDATION", "APPROVED"),
        ("BONUS", "APPROVED"),
        ("WARNING", "APPROVED"),
        ("FINE", "PROPOSED"),
    ] {
        assert!(
            statuses.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{statuses:?}"
        );
    }
}

#[tokio::test]
async fn a_suspension_approved_after_its_period_never_suspends() {
    let estate = Estate::new().await;
    let app = &estate.app;
    let staff = staff_of(app, "staff2@demo.test").await;
    let now = app.state.clock.now();
    let input = json!({ "staffId": staff.id, "kind": "SUSPENSION", "reason": "Unsafe work",
        "source": { "kind": "RATING", "id": Uuid::now_v7() },
        "suspensionFrom": now, "suspensionUntil": now + Duration::days(1) });
    let id = proposed_id(&estate, "admin", input).await;
    app.state.clock.advance(Duration::days(2));
    ok(&step(&estate, "supervisor", "approveLedgerEntry", &id).await);
    assert_eq!(staff_status(app, staff.id).await, "ACTIVE");
    assert_eq!(
        app.state
            .jobs
            .run_now(&app.state, Suspensions::NAME)
            .await
            .unwrap(),
        0
    );
    assert_eq!(staff_status(app, staff.id).await, "ACTIVE");
}
