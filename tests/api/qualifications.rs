//! Qualifications and certificates on the demo estate: who sees what, the certificate steps,
//! expiry by the clock, the reminder job across instances, eligibility and refused input.

use std::collections::HashSet;

use chrono::Duration;
use resident_hub::domains::qualifications::service::{certified_for, missing_certificates};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    estate::{Estate, user_by_email},
    helpers::{TEST_TOKEN_TTL, TestApp},
};

const CERTIFICATES: &str = "query($staffId: ID, $status: CertificateStatus) { certificates(first: 100, staffId: $staffId, status: $status) { totalCount edges { node { id status number staff { employeeNumber } qualification { code } } } } }";
const SUBMIT: &str = "mutation($input: SubmitCertificateInput!) { submitCertificate(input: $input) { certificate { id status issuer issuedOn expiresOn evidenceUrl } } }";
const VERIFY: &str = "mutation($id: ID!) { verifyCertificate(input: { id: $id }) { certificate { id status verifiedById verifiedAt } } }";
const REVOKE: &str = "mutation($id: ID!, $reason: String!) { revokeCertificate(input: { id: $id, reason: $reason }) { certificate { id status revokedReason } } }";

/// The demo estate with the demo qualifications and certificates, and tokens for more staff.
async fn estate() -> Estate {
    let mut estate = Estate::new().await;
    resident_hub::demo::seed_qualifications(&estate.app.state)
        .await
        .unwrap();
    for (name, email) in [
        ("electrician", "staff4@demo.test"),
        ("onboarding", "staff6@demo.test"),
        ("caregiver", "staff10@demo.test"),
        ("health", "staff11@demo.test"),
        ("staffB", "staff3@demo.test"),
    ] {
        let token = token_of(&estate.app, email).await;
        estate.tokens.insert(name, token);
    }
    estate
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

async fn staff_record(app: &TestApp, n: usize) -> entity::staff_record::Model {
    entity::staff_record::Entity::find()
        .filter(entity::staff_record::Column::EmployeeNumber.eq(format!("RH-{n:04}")))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn qualification_id(app: &TestApp, code: &str) -> Uuid {
    entity::qualification::Entity::find()
        .filter(entity::qualification::Column::Code.eq(code))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The certificates of staff member `n` for `code`.
async fn certificates_of(
    app: &TestApp,
    n: usize,
    code: &str,
) -> Vec<entity::staff_certificate::Model> {
    let staff = staff_record(app, n).await;
    let qualification = qualification_id(app, code).await;
    entity::staff_certificate::Entity::find()
        .filter(entity::staff_certificate::Column::StaffId.eq(staff.id))
        .filter(entity::staff_certificate::Column::QualificationId.eq(qualification))
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn certificate_count(app: &TestApp) -> u64 {
    entity::staff_certificate::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
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

fn numbers(json: &Value) -> HashSet<String> {
    json["data"]["certificates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["staff"]["employeeNumber"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn who_reads_the_catalogue_and_whose_certificates() {
    let estate = estate().await;
    let all: HashSet<String> = [2, 4, 5, 6, 8, 9, 10, 11, 12]
        .iter()
        .map(|n| format!("RH-{n:04}"))
        .collect();
    // (viewer, qualifications readable, certificates seen by employee number, or error code)
    let cases: [(&str, Result<HashSet<String>, &str>); 9] = [
        ("admin", Ok(all.clone())),
        ("supervisor", Ok(all.clone())),
        // The manager of both demo buildings: every staff member there.
        ("manager", Ok(all.clone())),
        ("staff", Ok(HashSet::from(["RH-0002".to_owned()]))),
        ("electrician", Ok(HashSet::from(["RH-0004".to_owned()]))),
        // Staff without certificates see none, not others'.
        ("staffB", Ok(HashSet::new())),
        ("resident", Err("FORBIDDEN")),
        ("merchant", Err("FORBIDDEN")),
        ("anonymous", Err("UNAUTHENTICATED")),
    ];
    for (role, expected) in cases {
        let catalogue = estate
            .run(role, "{ qualifications(first: 50) { totalCount edges { node { code requiredForPosts requiredForGroups validityMonths } } } }", json!({}))
            .await;
        let list = estate.run(role, CERTIFICATES, json!({})).await;
        match expected {
            Ok(seen) => {
                assert_eq!(
                    catalogue["data"]["qualifications"]["totalCount"], 8,
                    "{role}: {catalogue}"
                );
                assert_eq!(numbers(&list), seen, "{role}: {list}");
            }
            Err(expected) => {
                assert_eq!(code(&catalogue), expected, "{role}: {catalogue}");
                assert_eq!(code(&list), expected, "{role}: {list}");
            }
        }
    }
    // A certificate you may not read is NOT_FOUND, and null from `node`; yours is found.
    let electricians = certificates_of(&estate.app, 4, "LOW_VOLTAGE_ELECTRICIAN").await;
    let id = electricians[0].id.to_string();
    let one = "query($id: ID!) { certificate(id: $id) { id status } node(id: $id) { id } }";
    for role in ["staff", "staffB"] {
        let json = estate.run(role, one, json!({ "id": id })).await;
        assert_eq!(code(&json), "NOT_FOUND", "{role}: {json}");
    }
    let json = estate
        .run(
            "staff",
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(json["data"]["node"].is_null(), "{json}");
    for role in ["electrician", "manager", "supervisor", "admin"] {
        let json = estate.run(role, one, json!({ "id": id })).await;
        assert_eq!(
            json["data"]["certificate"]["status"], "VALID",
            "{role}: {json}"
        );
        assert_eq!(json["data"]["node"]["id"], id, "{role}: {json}");
    }
    for role in ["resident", "merchant"] {
        let json = estate.run(role, one, json!({ "id": id })).await;
        assert_eq!(code(&json), "FORBIDDEN", "{role}: {json}");
    }
    // A staffId filter you may not read narrows to nothing.
    let other = staff_record(&estate.app, 4).await.id;
    let json = estate
        .run("staff", CERTIFICATES, json!({ "staffId": other }))
        .await;
    assert_eq!(json["data"]["certificates"]["totalCount"], 0, "{json}");
    // The catalogue's requirements read back.
    let json = estate
        .run("staff", "{ qualifications(first: 50) { edges { node { code requiredForPosts requiredForGroups validityMonths } } } }", json!({}))
        .await;
    let fire = json["data"]["qualifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["code"] == "FIRE_FACILITY_OPERATOR")
        .unwrap();
    assert_eq!(fire["node"]["requiredForPosts"], json!(["FIRE_CONTROL"]));
    assert_eq!(fire["node"]["requiredForGroups"], json!(["FIRE_SAFETY"]));
}

#[tokio::test]
async fn administrators_manage_the_catalogue_and_others_may_not() {
    let estate = estate().await;
    let create = "mutation($input: CreateQualificationInput!) { createQualification(input: $input) { qualification { id code validityMonths requiredForPosts requiredForGroups } } }";
    let input = json!({ "code": "first_aid", "name": "First aid", "issuer": "Red Cross", "validityMonths": 24, "requiredForGroups": ["HEALTH"] });
    for role in ["manager", "staff", "supervisor", "resident"] {
        let json = estate.run(role, create, json!({ "input": input })).await;
        assert_eq!(code(&json), "FORBIDDEN", "{role}: {json}");
    }
    let json = estate.run("admin", create, json!({ "input": input })).await;
    let q = &json["data"]["createQualification"]["qualification"];
    assert_eq!(q["code"], "FIRST_AID", "{json}");
    assert_eq!(q["requiredForGroups"], json!(["HEALTH"]));
    let json = estate.run("admin", create, json!({ "input": input })).await;
    assert_eq!(code(&json), "CONFLICT", "{json}");
    assert_eq!(field(&json), "input.code");
    let update = "mutation($input: UpdateQualificationInput!) { updateQualification(input: $input) { qualification { validityMonths requiredForPosts requiredForGroups } } }";
    let json = estate
        .run("admin", update, json!({ "input": { "id": q["id"], "validityMonths": null, "requiredForPosts": ["HEALTH_ASSISTANT"] } }))
        .await;
    let q = &json["data"]["updateQualification"]["qualification"];
    assert!(q["validityMonths"].is_null(), "{json}");
    assert_eq!(q["requiredForPosts"], json!(["HEALTH_ASSISTANT"]));
    assert_eq!(q["requiredForGroups"], json!(["HEALTH"]), "groups kept");
    // Every invalid field at once.
    let json = estate
        .run(
            "admin",
            create,
            json!({ "input": { "code": "x", "name": "", "issuer": "Ok", "validityMonths": 0 } }),
        )
        .await;
    let fields: HashSet<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        HashSet::from(["input.code", "input.name", "input.validityMonths"]),
        "{json}"
    );
}

#[tokio::test]
async fn a_certificate_is_submitted_verified_and_revoked_and_illegal_steps_write_nothing() {
    let estate = estate().await;
    let app = &estate.app;
    let elevator = qualification_id(app, "ELEVATOR_SAFETY").await;
    let today = app.state.clock.today();
    let issued = today - chrono::Days::new(10);
    let json = estate
        .run("staff", SUBMIT, json!({ "input": { "qualificationId": elevator, "number": "EL-1", "issuedOn": issued.to_string(), "evidenceUrl": "https://files.example/el-1.pdf" } }))
        .await;
    let cert = &json["data"]["submitCertificate"]["certificate"];
    assert_eq!(cert["status"], "PENDING_VERIFICATION", "{json}");
    assert_eq!(
        cert["issuer"], "Market Supervision Administration",
        "the qualification's issuer"
    );
    let expected = issued.checked_add_months(chrono::Months::new(48)).unwrap();
    assert_eq!(
        cert["expiresOn"],
        expected.to_string(),
        "expiry from the validity"
    );
    let id = cert["id"].as_str().unwrap().to_owned();

    // Residents and managers may not submit; only administrators verify and revoke.
    let json = estate.run("resident", SUBMIT, json!({ "input": { "qualificationId": elevator, "number": "X", "issuedOn": issued.to_string() } })).await;
    assert_eq!(code(&json), "FORBIDDEN", "{json}");
    for role in ["staff", "manager", "supervisor"] {
        let json = estate.run(role, VERIFY, json!({ "id": id })).await;
        assert_eq!(code(&json), "FORBIDDEN", "{role}: {json}");
    }
    // The reason is required.
    let json = estate
        .run("admin", REVOKE, json!({ "id": id, "reason": "" }))
        .await;
    assert_eq!(field(&json), "input.reason", "{json}");

    let json = estate.run("admin", VERIFY, json!({ "id": id })).await;
    let cert = &json["data"]["verifyCertificate"]["certificate"];
    assert_eq!(cert["status"], "VALID", "{json}");
    let admin = user_by_email(app, "admin@demo.test").await;
    assert_eq!(cert["verifiedById"], admin.id.to_string());
    // The staff member was told.
    let json = estate
        .run(
            "staff",
            "{ notifications(first: 5) { edges { node { category kind } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        json["data"]["notifications"]["edges"][0]["node"]["category"], "CERTIFICATE",
        "{json}"
    );

    // Verifying twice is an illegal step: nothing changes.
    let before = entity::staff_certificate::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap();
    let json = estate.run("admin", VERIFY, json!({ "id": id })).await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    let after = entity::staff_certificate::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(before, after);

    let json = estate
        .run(
            "admin",
            REVOKE,
            json!({ "id": id, "reason": "Forged stamp" }),
        )
        .await;
    let cert = &json["data"]["revokeCertificate"]["certificate"];
    assert_eq!(cert["status"], "REVOKED", "{json}");
    assert_eq!(cert["revokedReason"], "Forged stamp");
    for (query, vars) in [
        (VERIFY, json!({ "id": id })),
        (REVOKE, json!({ "id": id, "reason": "again" })),
    ] {
        let json = estate.run("admin", query, vars).await;
        assert_eq!(code(&json), "INVALID_STATE", "{json}");
    }
    let last = entity::staff_certificate::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.revoked_reason.as_deref(), Some("Forged stamp"));

    // An expired certificate can be neither verified nor revoked.
    let expired = certificates_of(app, 10, "CHILDCARE")
        .await
        .into_iter()
        .find(|c| c.status == "EXPIRED")
        .unwrap();
    let json = estate
        .run(
            "admin",
            REVOKE,
            json!({ "id": expired.id, "reason": "old" }),
        )
        .await;
    assert_eq!(code(&json), "INVALID_STATE", "{json}");
    // An unknown certificate is NOT_FOUND on the field.
    let json = estate
        .run("admin", VERIFY, json!({ "id": Uuid::now_v7() }))
        .await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
}

#[tokio::test]
async fn a_certificate_expires_the_moment_the_clock_passes_its_expiry_date() {
    let estate = estate().await;
    let app = &estate.app;
    let cert = certificates_of(app, 11, "HEALTH_ASSISTANT").await.remove(0);
    let expires_on = cert.expires_on.unwrap();
    let staff = staff_record(app, 11).await;
    let one = "query($id: ID!) { certificate(id: $id) { status } }";
    let expired_from = (expires_on + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    // One second before: valid, and certified.
    let now = app.state.clock.now();
    app.state
        .clock
        .advance(expired_from - now - Duration::seconds(1));
    let json = estate.run("health", one, json!({ "id": cert.id })).await;
    assert_eq!(json["data"]["certificate"]["status"], "VALID", "{json}");
    assert!(
        certified_for(&app.state.db, staff.id, "HEALTH", app.state.clock.now())
            .await
            .unwrap()
    );
    // The very instant after the date: expired, in reads, filters and eligibility, with no job run.
    app.state.clock.advance(Duration::seconds(1));
    let json = estate.run("health", one, json!({ "id": cert.id })).await;
    assert_eq!(json["data"]["certificate"]["status"], "EXPIRED", "{json}");
    let json = estate
        .run("admin", CERTIFICATES, json!({ "status": "EXPIRED" }))
        .await;
    assert!(numbers(&json).contains("RH-0011"), "{json}");
    let json = estate
        .run(
            "admin",
            CERTIFICATES,
            json!({ "status": "VALID", "staffId": staff.id }),
        )
        .await;
    assert_eq!(json["data"]["certificates"]["totalCount"], 0, "{json}");
    assert!(
        !certified_for(&app.state.db, staff.id, "HEALTH", app.state.clock.now())
            .await
            .unwrap()
    );
    let stored = entity::staff_certificate::Entity::find_by_id(cert.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, "VALID", "nothing waited for the job");
}

/// Certificate notifications about `subject`, by kind, as (kind, user) pairs.
async fn reminders(app: &TestApp, subject: Uuid) -> Vec<(String, Uuid)> {
    let mut rows: Vec<(String, Uuid)> = entity::notification::Entity::find()
        .filter(entity::notification::Column::SubjectId.eq(subject))
        .filter(entity::notification::Column::Category.eq("CERTIFICATE"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.kind, n.user_id))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn expiry_reminders_go_out_once_each_across_two_instances() {
    let estate = estate().await;
    let app = &estate.app;
    let sibling = app.spawn_sibling().await;
    let cert = certificates_of(app, 11, "HEALTH_ASSISTANT").await.remove(0);
    let staff = user_by_email(app, "staff11@demo.test").await.id;
    let manager = user_by_email(app, "staff12@demo.test").await.id;
    let expired_from = (cert.expires_on.unwrap() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let run_both = || async {
        let (a, b) = tokio::join!(
            app.state.jobs.run_now(&app.state, "certificate-expiry"),
            sibling
                .state
                .jobs
                .run_now(&sibling.state, "certificate-expiry"),
        );
        a.unwrap();
        b.unwrap();
    };
    let mut expected = Vec::new();
    for (at, kind) in [
        (
            expired_from - Duration::days(30),
            "CERTIFICATE_EXPIRES_IN_30_DAYS",
        ),
        (
            expired_from - Duration::days(7),
            "CERTIFICATE_EXPIRES_IN_7_DAYS",
        ),
        (expired_from, "CERTIFICATE_EXPIRED"),
    ] {
        let now = app.state.clock.now();
        if at > now {
            // Just before the moment: nothing new.
            app.state.clock.advance(at - now - Duration::seconds(1));
            run_both().await;
            assert_eq!(reminders(app, cert.id).await, expected, "before {kind}");
            app.state.clock.advance(Duration::seconds(1));
        }
        run_both().await;
        run_both().await;
        expected.push((kind.to_owned(), staff));
        expected.push((kind.to_owned(), manager));
        expected.sort();
        assert_eq!(reminders(app, cert.id).await, expected, "{kind} once each");
    }
    let stored = entity::staff_certificate::Entity::find_by_id(cert.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, "EXPIRED", "the job stores the expiry");
    app.state.clock.advance(Duration::days(1));
    run_both().await;
    assert_eq!(
        reminders(app, cert.id).await.len(),
        6,
        "nothing after expiry"
    );
}

#[tokio::test]
async fn missing_certificates_names_exactly_the_staff_without_a_valid_one() {
    let estate = estate().await;
    let app = &estate.app;
    let db = &app.state.db;
    let staff = entity::staff_record::Entity::find().all(db).await.unwrap();
    let by_number = |ids: HashSet<Uuid>| -> HashSet<String> {
        staff
            .iter()
            .filter(|s| ids.contains(&s.id))
            .map(|s| s.employee_number.clone())
            .collect()
    };
    let numbers =
        |ns: &[usize]| -> HashSet<String> { ns.iter().map(|n| format!("RH-{n:04}")).collect() };
    let now = app.state.clock.now();
    // REPAIR requires nothing by group; the electrician's post requires a licence, which they hold.
    let missing = missing_certificates(db, &staff, "REPAIR", now)
        .await
        .unwrap();
    assert_eq!(by_number(missing), HashSet::new());
    // FACILITY requires elevator safety: only staff2 and staff4 hold it.
    let missing = missing_certificates(db, &staff, "FACILITY", now)
        .await
        .unwrap();
    let all: Vec<usize> = (1..=12).filter(|n| ![2, 4].contains(n)).collect();
    assert_eq!(by_number(missing), numbers(&all));
    // CHILDCARE: staff10 holds a valid renewal beside an expired certificate.
    let missing = missing_certificates(db, &staff, "CHILDCARE", now)
        .await
        .unwrap();
    assert!(!by_number(missing).contains("RH-0010"));
    // HOUSEKEEPING needs food hygiene: staff6's is only pending.
    let missing = missing_certificates(db, &staff, "HOUSEKEEPING", now)
        .await
        .unwrap();
    let found = by_number(missing);
    assert!(
        found.contains("RH-0006") && !found.contains("RH-0005"),
        "{found:?}"
    );
    // Revoking staff10's valid childcare certificate leaves only the expired one.
    let valid = certificates_of(app, 10, "CHILDCARE")
        .await
        .into_iter()
        .find(|c| c.status == "VALID")
        .unwrap();
    let json = estate
        .run(
            "admin",
            REVOKE,
            json!({ "id": valid.id, "reason": "Lapsed training" }),
        )
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let caregiver = staff_record(app, 10).await;
    let missing = missing_certificates(db, std::slice::from_ref(&caregiver), "CHILDCARE", now)
        .await
        .unwrap();
    assert_eq!(missing, HashSet::from([caregiver.id]));
    assert!(
        !certified_for(db, caregiver.id, "CHILDCARE", now)
            .await
            .unwrap()
    );
    // A post requirement counts whatever the group: the fire-control operator needs theirs even
    // for greening work, and has it until it expires.
    let fire = staff_record(app, 9).await;
    assert!(certified_for(db, fire.id, "GREENING", now).await.unwrap());
    let expires = certificates_of(app, 9, "FIRE_FACILITY_OPERATOR").await[0]
        .expires_on
        .unwrap();
    let later = (expires + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert!(!certified_for(db, fire.id, "GREENING", later).await.unwrap());
    assert!(
        missing_certificates(db, &[], "REPAIR", now)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn refused_input_names_every_field_and_writes_nothing() {
    let estate = estate().await;
    let app = &estate.app;
    let elevator = qualification_id(app, "ELEVATOR_SAFETY").await;
    let today = app.state.clock.today();
    let before = certificate_count(app).await;
    let json = estate
        .run(
            "staff",
            SUBMIT,
            json!({ "input": {
            "qualificationId": elevator, "number": "", "issuedOn": today.to_string(),
            "expiresOn": (today - chrono::Days::new(1)).to_string(),
            "evidenceUrl": "http://files.example/x.pdf" } }),
        )
        .await;
    let fields: HashSet<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        HashSet::from(["input.number", "input.expiresOn", "input.evidenceUrl"]),
        "{json}"
    );
    assert!(
        json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["extensions"]["code"] == "BAD_USER_INPUT")
    );
    for url in [
        "ftp://x/y",
        "https://",
        "https:// spaced.example/x",
        "javascript:alert(1)",
    ] {
        let json = estate
            .run("staff", SUBMIT, json!({ "input": { "qualificationId": elevator, "number": "N1", "issuedOn": today.to_string(), "evidenceUrl": url } }))
            .await;
        assert_eq!(field(&json), "input.evidenceUrl", "{url}: {json}");
    }
    let json = estate
        .run("staff", SUBMIT, json!({ "input": { "qualificationId": Uuid::now_v7(), "number": "N1", "issuedOn": today.to_string() } }))
        .await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    assert_eq!(field(&json), "input.qualificationId", "{json}");
    let json = estate
        .run("staff", SUBMIT, json!({ "input": { "qualificationId": "nope", "number": "N1", "issuedOn": (today + chrono::Days::new(1)).to_string() } }))
        .await;
    let fields: HashSet<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        HashSet::from(["input.qualificationId", "input.issuedOn"]),
        "{json}"
    );
    assert_eq!(certificate_count(app).await, before, "nothing written");
}

/// Called by the demo seed test after it has seeded twice: each demo qualification once, and
/// the demo certificates once, in each standing.
pub async fn assert_demo_qualifications(app: &TestApp) {
    let db = &app.state.db;
    let codes = resident_hub::demo::qualification_codes();
    let qualifications = entity::qualification::Entity::find().all(db).await.unwrap();
    assert_eq!(
        qualifications.len(),
        codes.len(),
        "each demo qualification once"
    );
    let certificates = entity::staff_certificate::Entity::find()
        .all(db)
        .await
        .unwrap();
    assert_eq!(certificates.len(), 12, "each demo certificate once");
    let today = app.state.clock.today();
    let soon = certificates
        .iter()
        .filter(|c| {
            c.status == "VALID"
                && c.expires_on
                    .is_some_and(|d| d >= today && d < today + chrono::Days::new(30))
        })
        .count();
    assert_eq!(soon, 1, "one expiring within 30 days");
    assert_eq!(
        certificates
            .iter()
            .filter(|c| c.status == "EXPIRED")
            .count(),
        1
    );
    assert_eq!(
        certificates
            .iter()
            .filter(|c| c.status == "PENDING_VERIFICATION")
            .count(),
        1
    );
}
