//! The standard-compliance report and the service statistics over a hand-built estate whose
//! expected figures are known: each figure and the ids behind it, who may read what, bad input,
//! and statement counts that do not grow with thousands of orders.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration, Utc};
use resident_hub::auth::Role;
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser};

const REPORT: &str = "query($b: ID, $from: Date!, $to: Date!) { \
    standardComplianceReport(buildingId: $b, from: $from, to: $to) { buildingId from to judgedAt \
    staffWithValidCertificates { ...F } staffWithTrainingCurrent { ...F } \
    staffWithPoliciesAcknowledged { ...F } scheduledInspectionsDone { ...F } \
    unannouncedInspectionsDone { ...F } complaintsAcknowledgedInTime { ...F } \
    complaintsRepliedInTime { ...F } rectificationsClosedOnTime { ...F } \
    workOrdersWithinSla { ...F } ratingAverage ratedWorkOrderIds \
    satisfactionIndex surveyResponses surveysRun surveysRunIds } } \
    fragment F on ComplianceFigure { numerator denominator percentage metIds missedIds pendingIds }";

const STATISTICS: &str = "query($b: ID, $from: Date!, $to: Date!) { \
    serviceStatistics(buildingId: $b, from: $from, to: $to) { buildingId openOrders \
    openOrdersByStatus { status count } openOrdersByCategory { categoryId name count } \
    responseTime { count medianMinutes p90Minutes } \
    resolutionTime { count medianMinutes p90Minutes } \
    breachRate { numerator denominator percentage } \
    complaintReplyRate { numerator denominator percentage } \
    activitiesByStatus { status count } activitySignUpsByStatus { status count } } }";

/// The estate: two buildings, their staff and records, and the people who read the report.
struct Estate {
    app: TestApp,
    now: DateTime<Utc>,
    a: Uuid,
    b: Uuid,
    admin: TestUser,
    supervisor: TestUser,
    manager: TestUser,
    staff: TestUser,
    resident: TestUser,
    category: Uuid,
    plan: Uuid,
    responsible: Uuid,
    /// Named records, by the name the tests use.
    ids: std::collections::HashMap<&'static str, Uuid>,
}

async fn insert<A: ActiveModelTrait + Send>(app: &TestApp, model: A) {
    <A::Entity as EntityTrait>::insert(model)
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
}

fn building(id: Uuid, name: &str, now: DateTime<Utc>) -> entity::building::ActiveModel {
    entity::building::Model {
        id,
        name: name.to_owned(),
        address: "1 Report Road".to_owned(),
        service_centre_hours: "{}".to_owned(),
        created_at: now,
        updated_at: now,
    }
    .into()
}

async fn staff_record(
    app: &TestApp,
    user: Uuid,
    post: &str,
    status: &str,
    number: &str,
    buildings: &[Uuid],
) -> Uuid {
    let now = app.state.clock.now();
    let id = Uuid::now_v7();
    insert(
        app,
        entity::staff_record::ActiveModel::from(entity::staff_record::Model {
            id,
            user_id: user,
            post: post.to_owned(),
            employee_number: number.to_owned(),
            hire_date: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            status: status.to_owned(),
            created_at: now,
            updated_at: now,
        }),
    )
    .await;
    for building in buildings {
        insert(
            app,
            entity::staff_building::ActiveModel::from(entity::staff_building::Model {
                staff_id: id,
                building_id: *building,
            }),
        )
        .await;
    }
    id
}

struct Complaint {
    building: Uuid,
    created: DateTime<Utc>,
    acknowledged: Option<Duration>,
    replied: Option<Duration>,
}

fn complaint(id: Uuid, by: Uuid, c: &Complaint) -> entity::complaint::ActiveModel {
    entity::complaint::Model {
        id,
        building_id: c.building,
        complainant_id: by,
        kind: "NOISE".to_owned(),
        title: "Noise".to_owned(),
        description: "Noise at night".to_owned(),
        work_order_id: None,
        staff_id: None,
        anonymous: false,
        status: if c.replied.is_some() {
            "REPLIED"
        } else {
            "SUBMITTED"
        }
        .to_owned(),
        handler_id: None,
        ack_due_at: c.created + Duration::hours(24),
        // A reopen moved it: the report judges the first reply by the configured window.
        reply_due_at: c.created + Duration::days(30),
        acknowledged_at: c.acknowledged.map(|d| c.created + d),
        replied_at: c.replied.map(|d| c.created + d),
        first_replied_at: c.replied.map(|d| c.created + d),
        closed_at: None,
        reply: c.replied.map(|_| "Done".to_owned()),
        reopen_count: 0,
        appealed_at: None,
        appeal_reason: None,
        rectification_id: None,
        rating: None,
        rating_comment: None,
        rated_at: None,
        praise_entry_id: None,
        ack_reminded_at: None,
        ack_escalated_at: None,
        reply_reminded_at: None,
        reply_escalated_at: None,
        version: 1,
        created_at: c.created,
        updated_at: c.created,
    }
    .into()
}

/// Order numbers (unique within a test's database).
static NUMBER: AtomicU32 = AtomicU32::new(1);

/// A work order; `times` are (response, resolution) offsets from `created`.
#[allow(clippy::too_many_arguments)]
fn order(
    building: Uuid,
    category: Uuid,
    requester: Uuid,
    status: &str,
    created: DateTime<Utc>,
    responded: Option<Duration>,
    resolved: Option<Duration>,
    breached: (bool, bool),
) -> entity::work_order::Model {
    let id = Uuid::now_v7();
    entity::work_order::Model {
        id,
        number: format!("WO-T-{:08}", NUMBER.fetch_add(1, Ordering::Relaxed)),
        building_id: building,
        unit_id: None,
        location: Some("Lobby".to_owned()),
        category_id: category,
        offering_id: None,
        slot_id: None,
        requester_id: requester,
        channel: "APP".to_owned(),
        title: "Leak".to_owned(),
        description: "A leak".to_owned(),
        priority: "NORMAL".to_owned(),
        status: status.to_owned(),
        assignee_id: None,
        response_due_at: created + Duration::hours(2),
        resolution_due_at: created + Duration::hours(24),
        first_response_at: responded.map(|d| created + d),
        resolved_at: resolved.map(|d| created + d),
        closed_at: None,
        paused_at: None,
        paused_seconds: 0,
        hold_reason: None,
        response_warned: false,
        response_breached: breached.0,
        resolution_warned: false,
        resolution_breached: breached.1,
        escalated: false,
        return_visit_done: false,
        reopen_count: 0,
        urge_count: 0,
        last_urged_at: None,
        amount: None,
        resolution: None,
        version: 1,
        created_at: created,
        updated_at: created,
        household_member_id: None,
        asset_id: None,
    }
}

async fn rating(app: &TestApp, order: Uuid, rater: Uuid, score: i16, at: DateTime<Utc>) {
    insert(
        app,
        entity::work_order_rating::ActiveModel::from(entity::work_order_rating::Model {
            work_order_id: order,
            rater_id: rater,
            score,
            speed: None,
            attitude: None,
            quality: None,
            tags: "[]".to_owned(),
            comment: None,
            not_fixed: false,
            reply: None,
            replied_at: None,
            created_at: at,
        }),
    )
    .await;
}

async fn estate() -> Estate {
    let app = TestApp::builder()
        .config(|c| {
            c.complaints.ack_within = std::time::Duration::from_secs(24 * 3600);
            c.complaints.reply_within = std::time::Duration::from_secs(48 * 3600);
        })
        .spawn()
        .await;
    let now = app.state.clock.now();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    insert(&app, building(a, "Report A", now)).await;
    insert(&app, building(b, "Report B", now)).await;
    let admin = app.user(&[Role::Admin]).await;
    let supervisor = app.user(&[Role::Supervisor]).await;
    let manager = app.user(&[Role::Staff]).await;
    let staff = app.user(&[Role::Staff]).await;
    let resident = app.user(&[Role::Resident]).await;
    let mut ids = std::collections::HashMap::new();
    // Staff of A: the manager, two technicians (one certified), a cleaner; one who left; and a
    // technician of B.
    ids.insert(
        "manager",
        staff_record(&app, manager.id, "MANAGER", "ACTIVE", "R-001", &[a]).await,
    );
    ids.insert(
        "tech1",
        staff_record(&app, staff.id, "REPAIR_TECHNICIAN", "ACTIVE", "R-002", &[a]).await,
    );
    let tech2_user = app.user(&[Role::Staff]).await;
    ids.insert(
        "tech2",
        staff_record(
            &app,
            tech2_user.id,
            "REPAIR_TECHNICIAN",
            "ACTIVE",
            "R-003",
            &[a],
        )
        .await,
    );
    let cleaner_user = app.user(&[Role::Staff]).await;
    ids.insert(
        "cleaner",
        staff_record(&app, cleaner_user.id, "CLEANER", "ACTIVE", "R-004", &[a]).await,
    );
    let left_user = app.user(&[Role::Staff]).await;
    staff_record(&app, left_user.id, "CLEANER", "LEFT", "R-005", &[a]).await;
    let b_user = app.user(&[Role::Staff]).await;
    ids.insert(
        "techB",
        staff_record(
            &app,
            b_user.id,
            "REPAIR_TECHNICIAN",
            "ACTIVE",
            "R-006",
            &[b],
        )
        .await,
    );
    // Technicians need an electrician's licence: tech1 holds a valid one.
    let licence = Uuid::now_v7();
    insert(
        &app,
        entity::qualification::ActiveModel::from(entity::qualification::Model {
            id: licence,
            code: "ELEC-R".to_owned(),
            name: "Electrician".to_owned(),
            issuer: "Board".to_owned(),
            validity_months: None,
            created_at: now,
            updated_at: now,
        }),
    )
    .await;
    insert(
        &app,
        entity::qualification_requirement::ActiveModel::from(
            entity::qualification_requirement::Model {
                qualification_id: licence,
                kind: "POST".to_owned(),
                value: "REPAIR_TECHNICIAN".to_owned(),
            },
        ),
    )
    .await;
    insert(
        &app,
        entity::staff_certificate::ActiveModel::from(entity::staff_certificate::Model {
            id: Uuid::now_v7(),
            staff_id: ids["tech1"],
            qualification_id: licence,
            number: "L-1".to_owned(),
            issuer: "Board".to_owned(),
            issued_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            expires_on: None,
            evidence_url: None,
            status: "VALID".to_owned(),
            verified_by: None,
            verified_at: None,
            revoked_reason: None,
            revoked_at: None,
            warned_30: false,
            warned_7: false,
            expiry_notified: false,
            created_at: now,
            updated_at: now,
        }),
    )
    .await;
    // Cleaners need a pre-job course nobody has passed.
    let course = Uuid::now_v7();
    insert(
        &app,
        entity::training_course::ActiveModel::from(entity::training_course::Model {
            id: course,
            code: "CLEAN-1".to_owned(),
            title: "Cleaning".to_owned(),
            topic: "HYGIENE".to_owned(),
            delivery: "CLASSROOM".to_owned(),
            kind: "PRE_JOB".to_owned(),
            recurrence_months: None,
            hours: 4,
            pass_score: 60,
            created_at: now,
            updated_at: now,
        }),
    )
    .await;
    insert(
        &app,
        entity::training_course_post::ActiveModel::from(entity::training_course_post::Model {
            course_id: course,
            post: "CLEANER".to_owned(),
        }),
    )
    .await;
    // A technicians' policy past its grace: tech1 acknowledged it, tech2 did not.
    let policy = Uuid::now_v7();
    insert(
        &app,
        entity::policy_version::ActiveModel::from(entity::policy_version::Model {
            id: policy,
            policy: "TOOLS".to_owned(),
            version: 1,
            title: "Tools".to_owned(),
            body: None,
            url: None,
            posts: "[\"REPAIR_TECHNICIAN\"]".to_owned(),
            grace_days: 7,
            published_at: now - Duration::days(60),
            published_by: admin.id,
        }),
    )
    .await;
    insert(
        &app,
        entity::policy_acknowledgement::ActiveModel::from(entity::policy_acknowledgement::Model {
            id: Uuid::now_v7(),
            staff_id: ids["tech1"],
            version_id: policy,
            policy: "TOOLS".to_owned(),
            acknowledged_at: now - Duration::days(50),
        }),
    )
    .await;
    let category = Uuid::now_v7();
    insert(
        &app,
        entity::service_category::ActiveModel::from(entity::service_category::Model {
            id: category,
            code: "PLUMB-R".to_owned(),
            name: "Plumbing".to_owned(),
            description: "Pipes".to_owned(),
            group_kind: "REPAIR".to_owned(),
            requestable: true,
            default_priority: "NORMAL".to_owned(),
            warning_minutes: 30,
            dispatch_mode: "MANUAL".to_owned(),
            return_visit_required: false,
            payable: false,
            active: true,
            created_at: now,
            updated_at: now,
        }),
    )
    .await;
    let plan = Uuid::now_v7();
    insert(
        &app,
        entity::inspection_plan::ActiveModel::from(entity::inspection_plan::Model {
            id: plan,
            name: "Check".to_owned(),
            version: 1,
            replaces_id: None,
            retired_at: None,
            created_by: None,
            created_at: now,
        }),
    )
    .await;
    let responsible = ids["tech1"];
    Estate {
        app,
        now,
        a,
        b,
        admin,
        supervisor,
        manager,
        staff,
        resident,
        category,
        plan,
        responsible,
        ids,
    }
}

impl Estate {
    async fn complaint(&mut self, name: &'static str, c: Complaint) {
        let id = Uuid::now_v7();
        insert(&self.app, complaint(id, self.resident.id, &c)).await;
        self.ids.insert(name, id);
    }

    async fn inspection(
        &mut self,
        name: &'static str,
        building: Uuid,
        kind: &str,
        status: &str,
        at: DateTime<Utc>,
    ) {
        let id = Uuid::now_v7();
        insert(
            &self.app,
            entity::inspection::ActiveModel::from(entity::inspection::Model {
                id,
                building_id: building,
                plan_id: self.plan,
                kind: kind.to_owned(),
                status: status.to_owned(),
                scheduled_at: at,
                inspector_id: self.supervisor.id,
                created_by: None,
                started_at: None,
                completed_at: (status == "COMPLETED").then_some(at),
                total: (status == "COMPLETED").then_some(90),
                summary: None,
                version: 1,
                created_at: at,
                updated_at: at,
            }),
        )
        .await;
        self.ids.insert(name, id);
    }

    async fn rectification(
        &mut self,
        name: &'static str,
        building: Uuid,
        due: DateTime<Utc>,
        verified: Option<DateTime<Utc>>,
    ) {
        let id = Uuid::now_v7();
        insert(
            &self.app,
            entity::rectification::ActiveModel::from(entity::rectification::Model {
                id,
                building_id: building,
                source_kind: "SURVEY".to_owned(),
                source_id: None,
                responsible_staff_id: self.responsible,
                problem: "Broken light".to_owned(),
                corrective_action: None,
                evidence: "[]".to_owned(),
                due_at: due,
                status: if verified.is_some() {
                    "VERIFIED"
                } else {
                    "OPEN"
                }
                .to_owned(),
                work_order_id: None,
                opened_by: None,
                opened_at: due - Duration::days(7),
                submitted_at: verified,
                verified_by: None,
                verified_at: verified,
                overdue_at: None,
                reminded_at: None,
                version: 1,
                updated_at: due,
            }),
        )
        .await;
        self.ids.insert(name, id);
    }

    async fn order(&mut self, name: &'static str, model: entity::work_order::Model) {
        let id = model.id;
        insert(&self.app, entity::work_order::ActiveModel::from(model)).await;
        self.ids.insert(name, id);
    }

    /// A survey with one SCALE question; its audience is `building`, or the estate.
    async fn survey(
        &mut self,
        name: &'static str,
        building: Option<Uuid>,
        status: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Uuid {
        let id = Uuid::now_v7();
        insert(
            &self.app,
            entity::survey::ActiveModel::from(entity::survey::Model {
                id,
                title: name.to_owned(),
                description: String::new(),
                anonymous: true,
                once_per: "USER".to_owned(),
                opens_at: window.0,
                closes_at: window.1,
                remind_at: None,
                status: status.to_owned(),
                respondent_salt: None,
                audience_size: 10,
                version: 1,
                created_by: self.admin.id,
                created_at: window.0,
                updated_at: window.0,
                published_at: (status == "PUBLISHED").then_some(window.0),
                reminded_at: None,
                sealed_at: None,
            }),
        )
        .await;
        insert(
            &self.app,
            entity::survey_audience::ActiveModel::from(entity::survey_audience::Model {
                id: Uuid::now_v7(),
                survey_id: id,
                scope: if building.is_some() {
                    "BUILDING"
                } else {
                    "ESTATE"
                }
                .to_owned(),
                building_id: building,
                floor: None,
                unit_id: None,
                role: None,
            }),
        )
        .await;
        let question = Uuid::now_v7();
        insert(
            &self.app,
            entity::survey_question::ActiveModel::from(entity::survey_question::Model {
                id: question,
                survey_id: id,
                position: 1,
                kind: "SCALE".to_owned(),
                prompt: "How satisfied are you?".to_owned(),
                required: true,
                scale_min: Some(1),
                scale_max: Some(5),
                indicator: None,
                staff_post: None,
                staff_id: None,
            }),
        )
        .await;
        self.ids.insert(name, id);
        question
    }

    /// An anonymous response from `building` scoring `score` (0–100) on `question`.
    async fn response(
        &self,
        survey: Uuid,
        question: Uuid,
        building: Uuid,
        at: DateTime<Utc>,
        score: f64,
    ) {
        let id = Uuid::new_v4();
        insert(
            &self.app,
            entity::survey_response::ActiveModel::from(entity::survey_response::Model {
                id,
                survey_id: survey,
                respondent_key: id.to_string(),
                author_key: id.to_string(),
                user_id: None,
                unit_id: None,
                building_id: Some(building),
                submitted_at: at,
                week: at.date_naive(),
                updated_at: at,
            }),
        )
        .await;
        insert(
            &self.app,
            entity::survey_answer::ActiveModel::from(entity::survey_answer::Model {
                id: Uuid::now_v7(),
                survey_id: survey,
                response_id: id,
                question_id: question,
                choice_id: None,
                scale: None,
                score: Some(score),
                text: None,
            }),
        )
        .await;
    }

    /// An activity starting at `at` for `building` (or the estate), with sign-ups of these
    /// statuses from one unit of building A.
    async fn activity(
        &self,
        building: Option<Uuid>,
        status: &str,
        at: DateTime<Utc>,
        sign_ups: &[&str],
    ) {
        let id = Uuid::now_v7();
        insert(
            &self.app,
            entity::activity::ActiveModel::from(entity::activity::Model {
                id,
                kind: "CULTURE".to_owned(),
                title: "Concert".to_owned(),
                description: String::new(),
                organiser_id: self.admin.id,
                organiser_name: None,
                place: "Hall".to_owned(),
                service_centre_id: None,
                starts_at: at,
                ends_at: at + Duration::hours(2),
                capacity: 50,
                sign_up_opens_at: at - Duration::days(10),
                sign_up_closes_at: at - Duration::days(1),
                cancel_until: at - Duration::days(1),
                household_limit: 4,
                members_allowed: false,
                status: status.to_owned(),
                seats_taken: 0,
                waitlist_length: 0,
                waitlist_next: 1,
                version: 1,
                created_by: self.admin.id,
                created_at: at - Duration::days(20),
                updated_at: at - Duration::days(20),
                published_at: None,
                cancelled_at: None,
                cancel_reason: None,
                no_shows_marked_at: None,
            }),
        )
        .await;
        insert(
            &self.app,
            entity::activity_audience::ActiveModel::from(entity::activity_audience::Model {
                id: Uuid::now_v7(),
                activity_id: id,
                scope: if building.is_some() {
                    "BUILDING"
                } else {
                    "ESTATE"
                }
                .to_owned(),
                building_id: building,
                floor: None,
                unit_id: None,
                role: None,
            }),
        )
        .await;
        let unit = Uuid::now_v7();
        if !sign_ups.is_empty() {
            insert(
                &self.app,
                entity::unit::ActiveModel::from(entity::unit::Model {
                    id: unit,
                    building_id: self.a,
                    floor: 1,
                    number: format!("U-{}", &unit.simple().to_string()[24..]),
                    kind: "APARTMENT".to_owned(),
                    created_at: at,
                }),
            )
            .await;
        }
        for status in sign_ups {
            let sign_up = Uuid::now_v7();
            insert(
                &self.app,
                entity::activity_sign_up::ActiveModel::from(entity::activity_sign_up::Model {
                    id: sign_up,
                    activity_id: id,
                    user_id: self.app.user(&[Role::Resident]).await.id,
                    unit_id: unit,
                    include_self: true,
                    seats: 1,
                    status: (*status).to_owned(),
                    waitlist_seq: None,
                    check_in_code: sign_up.simple().to_string()[20..].to_owned(),
                    created_at: at,
                    updated_at: at,
                    confirmed_at: None,
                    checked_in_at: None,
                    checked_in_by: None,
                    cancelled_at: None,
                }),
            )
            .await;
        }
    }

    fn id(&self, name: &str) -> String {
        self.ids[name].to_string()
    }

    fn period(&self, building: Option<Uuid>) -> Value {
        json!({
            "b": building,
            "from": (self.now - Duration::days(30)).date_naive().to_string(),
            "to": self.now.date_naive().to_string(),
        })
    }

    async fn run(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.app.graphql(query, variables, token).await.1
    }

    /// The records of every figure, with their known verdicts.
    async fn records(&mut self) {
        let (a, b, now) = (self.a, self.b, self.now);
        let day = |n: i64| now - Duration::days(n);
        let h = Duration::hours;
        // Complaints of A: on time; late both ways; never answered; submitted an hour ago.
        for (name, building, created, ack, reply) in [
            ("k1", a, day(20), Some(h(2)), Some(h(10))),
            ("k2", a, day(19), Some(h(30)), Some(h(60))),
            ("k3", a, day(18), None, None),
            ("k4", a, now - h(1), None, None),
            ("kB", b, day(17), Some(h(1)), Some(h(5))),
            ("kOld", a, day(40), Some(h(1)), Some(h(5))),
        ] {
            self.complaint(
                name,
                Complaint {
                    building,
                    created,
                    acknowledged: ack,
                    replied: reply,
                },
            )
            .await;
        }
        // Inspections of A: done, not done, cancelled, an hour ago (pending); one unannounced.
        self.inspection("i1", a, "SCHEDULED", "COMPLETED", day(10))
            .await;
        self.inspection("i2", a, "SCHEDULED", "PLANNED", day(9))
            .await;
        self.inspection("i3", a, "SCHEDULED", "CANCELLED", day(8))
            .await;
        self.inspection("i4", a, "SCHEDULED", "PLANNED", now - h(1))
            .await;
        self.inspection("u1", a, "UNANNOUNCED", "COMPLETED", day(7))
            .await;
        self.inspection("iB", b, "SCHEDULED", "PLANNED", day(7))
            .await;
        // Rectifications of A due in the period: early, late, never; one due before it.
        self.rectification("r1", a, day(5), Some(day(6))).await;
        self.rectification("r2", a, day(5), Some(day(4))).await;
        self.rectification("r3", a, day(5), None).await;
        self.rectification("rOld", a, day(45), Some(day(46))).await;
        // Orders of A: within SLA; response breached; resolved late; open and not yet due;
        // cancelled; and one of B.
        let (c, r) = (self.category, self.resident.id);
        self.order(
            "w1",
            order(
                a,
                c,
                r,
                "CLOSED",
                day(10),
                Some(h(1)),
                Some(h(5)),
                (false, false),
            ),
        )
        .await;
        self.order(
            "w2",
            order(
                a,
                c,
                r,
                "CLOSED",
                day(9),
                Some(h(3)),
                Some(h(6)),
                (true, false),
            ),
        )
        .await;
        self.order(
            "w3",
            order(
                a,
                c,
                r,
                "RESOLVED",
                day(8),
                Some(h(1)),
                Some(h(30)),
                (false, false),
            ),
        )
        .await;
        self.order(
            "w4",
            order(
                a,
                c,
                r,
                "ACCEPTED",
                now - h(1),
                Some(h(0)),
                None,
                (false, false),
            ),
        )
        .await;
        self.order(
            "w5",
            order(a, c, r, "CANCELLED", day(7), None, None, (false, false)),
        )
        .await;
        self.order(
            "wB",
            order(
                b,
                c,
                r,
                "CLOSED",
                day(7),
                Some(h(1)),
                Some(h(2)),
                (false, false),
            ),
        )
        .await;
        // Surveys: one reaching A, one reaching B, a draft, one before the period.
        let qa = self
            .survey("sA", Some(a), "PUBLISHED", (day(20), day(10)))
            .await;
        let qb = self
            .survey("sB", Some(b), "PUBLISHED", (day(20), day(10)))
            .await;
        self.survey("sDraft", None, "DRAFT", (day(20), day(10)))
            .await;
        let qold = self
            .survey("sOld", None, "PUBLISHED", (day(60), day(40)))
            .await;
        let (sa, sb, sold) = (self.ids["sA"], self.ids["sB"], self.ids["sOld"]);
        self.response(sa, qa, a, day(15), 80.0).await;
        self.response(sa, qa, a, day(14), 60.0).await;
        self.response(sb, qb, b, day(14), 20.0).await;
        self.response(sold, qold, a, day(45), 0.0).await;
        rating(&self.app, self.ids["w1"], r, 5, day(9)).await;
        rating(&self.app, self.ids["w2"], r, 2, day(8)).await;
        rating(&self.app, self.ids["wB"], r, 1, day(6)).await;
    }
}

fn figure(report: &Value, name: &str) -> (i64, i64, Value) {
    let f = &report[name];
    (
        f["numerator"].as_i64().unwrap(),
        f["denominator"].as_i64().unwrap(),
        f["percentage"].clone(),
    )
}

fn id_set(value: &Value) -> std::collections::BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn set(ids: &[String]) -> std::collections::BTreeSet<String> {
    ids.iter().cloned().collect()
}

fn code(json: &Value) -> &str {
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn the_report_counts_each_figure_with_the_records_behind_it() {
    let mut e = estate().await;
    e.records().await;
    let json = e
        .run(Some(&e.manager.token), REPORT, e.period(Some(e.a)))
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let report = &json["data"]["standardComplianceReport"];
    assert_eq!(report["buildingId"], json!(e.a.to_string()));
    let staff = |names: &[&str]| set(&names.iter().map(|n| e.id(n)).collect::<Vec<_>>());
    // Staff of A (the one who left is not counted, B's technician not either).
    let certs = &report["staffWithValidCertificates"];
    assert_eq!(figure(report, "staffWithValidCertificates").0, 3);
    assert_eq!(figure(report, "staffWithValidCertificates").1, 4);
    assert_eq!(certs["percentage"], json!(75.0));
    assert_eq!(
        id_set(&certs["metIds"]),
        staff(&["manager", "tech1", "cleaner"])
    );
    assert_eq!(id_set(&certs["missedIds"]), staff(&["tech2"]));
    let training = &report["staffWithTrainingCurrent"];
    assert_eq!(id_set(&training["missedIds"]), staff(&["cleaner"]));
    assert_eq!(figure(report, "staffWithTrainingCurrent").1, 4);
    let policies = &report["staffWithPoliciesAcknowledged"];
    assert_eq!(id_set(&policies["missedIds"]), staff(&["tech2"]));
    assert_eq!(
        id_set(&policies["metIds"]),
        staff(&["manager", "tech1", "cleaner"])
    );
    // Inspections: i1 done, i2 not, i3 cancelled (left out), i4 still within its day.
    let scheduled = &report["scheduledInspectionsDone"];
    assert_eq!(figure(report, "scheduledInspectionsDone").0, 1);
    assert_eq!(figure(report, "scheduledInspectionsDone").1, 2);
    assert_eq!(scheduled["percentage"], json!(50.0));
    assert_eq!(id_set(&scheduled["metIds"]), staff(&["i1"]));
    assert_eq!(id_set(&scheduled["missedIds"]), staff(&["i2"]));
    assert_eq!(id_set(&scheduled["pendingIds"]), staff(&["i4"]));
    let unannounced = &report["unannouncedInspectionsDone"];
    assert_eq!(id_set(&unannounced["metIds"]), staff(&["u1"]));
    assert_eq!(unannounced["percentage"], json!(100.0));
    // Complaints: k1 on time; k2 late both ways; k3 never answered; k4 not yet due.
    let ack = &report["complaintsAcknowledgedInTime"];
    assert_eq!(id_set(&ack["metIds"]), staff(&["k1"]));
    assert_eq!(id_set(&ack["missedIds"]), staff(&["k2", "k3"]));
    assert_eq!(id_set(&ack["pendingIds"]), staff(&["k4"]));
    assert_eq!(ack["percentage"], json!(33.33));
    let replied = &report["complaintsRepliedInTime"];
    assert_eq!(id_set(&replied["metIds"]), staff(&["k1"]));
    assert_eq!(id_set(&replied["missedIds"]), staff(&["k2", "k3"]));
    // Rectifications: r1 verified before its due time, r2 after, r3 never.
    let rect = &report["rectificationsClosedOnTime"];
    assert_eq!(id_set(&rect["metIds"]), staff(&["r1"]));
    assert_eq!(id_set(&rect["missedIds"]), staff(&["r2", "r3"]));
    assert_eq!(figure(report, "rectificationsClosedOnTime").1, 2 + 1);
    // Orders: w1 within; w2 breached; w3 resolved late; w4 open, not due; w5 cancelled.
    let sla = &report["workOrdersWithinSla"];
    assert_eq!(id_set(&sla["metIds"]), staff(&["w1"]));
    assert_eq!(id_set(&sla["missedIds"]), staff(&["w2", "w3"]));
    assert_eq!(id_set(&sla["pendingIds"]), staff(&["w4"]));
    // Ratings of A's orders: 5 and 2.
    assert_eq!(report["ratingAverage"], json!(3.5));
    assert_eq!(id_set(&report["ratedWorkOrderIds"]), staff(&["w1", "w2"]));

    // Surveys of A: two answers (80, 60), one survey run.
    assert_eq!(report["satisfactionIndex"], json!(70.0));
    assert_eq!(report["surveyResponses"], 2);
    assert_eq!(report["surveysRun"], 1);
    assert_eq!(id_set(&report["surveysRunIds"]), staff(&["sA"]));

    // Drill-down: the ids are nodes of their own types, which the manager may fetch (staff
    // records as `node` gives them to administrators; managers read theirs through
    // `staffCompliance`).
    let mut wanted = Vec::new();
    for (figure, typename) in [
        ("scheduledInspectionsDone", "Inspection"),
        ("complaintsRepliedInTime", "Complaint"),
        ("rectificationsClosedOnTime", "Rectification"),
        ("workOrdersWithinSla", "WorkOrder"),
        ("staffWithValidCertificates", "StaffRecord"),
    ] {
        for id in report[figure]["missedIds"].as_array().unwrap() {
            wanted.push((id.clone(), typename));
        }
    }
    for token in [&e.manager.token, &e.admin.token] {
        let asked: Vec<_> = wanted
            .iter()
            .filter(|(_, t)| token == &e.admin.token || *t != "StaffRecord")
            .collect();
        let json = e
            .run(
                Some(token),
                "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
                json!({ "ids": asked.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>() }),
            )
            .await;
        assert!(json["errors"].is_null(), "{json}");
        let nodes = json["data"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), asked.len());
        for (node, (id, typename)) in nodes.iter().zip(&asked) {
            assert_eq!(node["id"], *id, "{json}");
            assert_eq!(node["__typename"], *typename, "{json}");
        }
    }

    // The estate adds B's records.
    let json = e.run(Some(&e.admin.token), REPORT, e.period(None)).await;
    assert!(json["errors"].is_null(), "{json}");
    let report = &json["data"]["standardComplianceReport"];
    assert!(report["buildingId"].is_null());
    assert_eq!(
        id_set(&report["complaintsAcknowledgedInTime"]["metIds"]),
        staff(&["k1", "kB"])
    );
    assert_eq!(
        id_set(&report["staffWithValidCertificates"]["missedIds"]),
        staff(&["tech2", "techB"])
    );
    assert_eq!(
        id_set(&report["scheduledInspectionsDone"]["missedIds"]),
        staff(&["i2", "iB"])
    );
    assert_eq!(report["ratingAverage"], json!(2.67));
    assert_eq!(report["satisfactionIndex"], json!(53.33));
    assert_eq!(report["surveyResponses"], 3);
    assert_eq!(id_set(&report["surveysRunIds"]), staff(&["sA", "sB"]));
}

#[tokio::test]
async fn who_may_read_the_report_and_the_statistics() {
    let e = estate().await;
    let ok = |json: &Value| json["errors"].is_null();
    for (who, token, building, expected) in [
        ("admin", &e.admin.token, Some(e.a), ""),
        ("admin", &e.admin.token, None, ""),
        ("supervisor", &e.supervisor.token, Some(e.b), ""),
        ("supervisor", &e.supervisor.token, None, ""),
        ("manager", &e.manager.token, Some(e.a), ""),
        ("manager", &e.manager.token, Some(e.b), "FORBIDDEN"),
        ("manager", &e.manager.token, None, "FORBIDDEN"),
        ("staff", &e.staff.token, Some(e.a), "FORBIDDEN"),
        ("staff", &e.staff.token, None, "FORBIDDEN"),
        ("resident", &e.resident.token, Some(e.a), "FORBIDDEN"),
    ] {
        let json = e.run(Some(token), REPORT, e.period(building)).await;
        if expected.is_empty() {
            assert!(ok(&json), "{who} {building:?}: {json}");
        } else {
            assert_eq!(code(&json), expected, "{who} {building:?}: {json}");
            assert!(json["data"].is_null(), "{who}: {json}");
        }
    }
    let json = e.run(None, REPORT, e.period(Some(e.a))).await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
    // An unknown building is NOT_FOUND on the argument, for those who may read reports.
    let json = e
        .run(Some(&e.admin.token), REPORT, e.period(Some(Uuid::now_v7())))
        .await;
    assert_eq!(code(&json), "NOT_FOUND", "{json}");
    assert_eq!(json["errors"][0]["extensions"]["field"], "buildingId");
    // Statistics: administrators only.
    for (who, token, expected) in [
        ("admin", &e.admin.token, ""),
        ("supervisor", &e.supervisor.token, "FORBIDDEN"),
        ("manager", &e.manager.token, "FORBIDDEN"),
        ("resident", &e.resident.token, "FORBIDDEN"),
    ] {
        let json = e.run(Some(token), STATISTICS, e.period(None)).await;
        if expected.is_empty() {
            assert!(ok(&json), "{who}: {json}");
        } else {
            assert_eq!(code(&json), expected, "{who}: {json}");
        }
    }
    let json = e.run(None, STATISTICS, e.period(None)).await;
    assert_eq!(code(&json), "UNAUTHENTICATED", "{json}");
}

#[tokio::test]
async fn bad_periods_and_ids_are_reported_on_their_arguments() {
    let e = estate().await;
    for query in [REPORT, STATISTICS] {
        // `to` before `from`.
        let json = e
            .run(
                Some(&e.admin.token),
                query,
                json!({ "from": "2026-05-02", "to": "2026-05-01" }),
            )
            .await;
        assert_eq!(code(&json), "BAD_USER_INPUT", "{json}");
        assert_eq!(json["errors"][0]["extensions"]["field"], "to");
        // Over 366 days; and a malformed building id, both at once.
        let json = e
            .run(
                Some(&e.admin.token),
                query,
                json!({ "b": "nope", "from": "2025-01-01", "to": "2026-01-03" }),
            )
            .await;
        let fields: std::collections::BTreeSet<&str> = json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{json}");
                e["extensions"]["field"].as_str().unwrap()
            })
            .collect();
        assert_eq!(fields, ["buildingId", "to"].into_iter().collect(), "{json}");
        // Exactly 366 days is allowed.
        let json = e
            .run(
                Some(&e.admin.token),
                query,
                json!({ "from": "2025-01-01", "to": "2026-01-02" }),
            )
            .await;
        assert!(json["errors"].is_null(), "{json}");
    }
}

/// Orders with known times: response i·10 min, resolution i hours (i = 1..=10); the last three
/// still in progress (unresolved); three breached.
async fn statistics_orders(e: &mut Estate) {
    let (a, c, r) = (e.a, e.category, e.resident.id);
    let created = e.now - Duration::days(5);
    let names = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"];
    for (i, name) in (1_i64..=10).zip(names) {
        let status = match i {
            1..=4 => "CLOSED",
            5..=7 => "RESOLVED",
            _ => "IN_PROGRESS",
        };
        let resolved = (i <= 7).then(|| Duration::hours(i));
        e.order(
            name,
            order(
                a,
                c,
                r,
                status,
                created,
                Some(Duration::minutes(i * 10)),
                resolved,
                (i == 2, (6..=7).contains(&i)),
            ),
        )
        .await;
    }
    // Cancelled: not open, not in the breach rate.
    e.order(
        "sx",
        order(a, c, r, "CANCELLED", created, None, None, (false, false)),
    )
    .await;
}

#[tokio::test]
async fn statistics_are_aggregates_whose_statements_do_not_grow_with_the_orders() {
    let mut e = estate().await;
    statistics_orders(&mut e).await;
    let h = Duration::hours;
    for (name, created, ack, reply) in [
        ("c1", e.now - Duration::days(4), Some(h(1)), Some(h(10))),
        ("c2", e.now - Duration::days(4), Some(h(1)), Some(h(60))),
        ("c3", e.now - Duration::days(4), None, None),
        ("c4", e.now - h(1), None, None),
    ] {
        e.complaint(
            name,
            Complaint {
                building: e.a,
                created,
                acknowledged: ack,
                replied: reply,
            },
        )
        .await;
    }
    // Activities: two for the estate (one cancelled), one for A, one for B, one before.
    let day = |n: i64| e.now - Duration::days(n);
    e.activity(
        None,
        "PUBLISHED",
        day(3),
        &["CHECKED_IN", "CHECKED_IN", "NO_SHOW"],
    )
    .await;
    e.activity(None, "CANCELLED", day(4), &[]).await;
    e.activity(Some(e.a), "PUBLISHED", day(5), &["CONFIRMED"])
        .await;
    e.activity(Some(e.b), "PUBLISHED", day(5), &[]).await;
    e.activity(None, "PUBLISHED", day(50), &["CHECKED_IN"])
        .await;
    let json = e
        .run(Some(&e.admin.token), STATISTICS, e.period(None))
        .await;
    assert!(json["errors"].is_null(), "{json}");
    let stats = &json["data"]["serviceStatistics"];
    assert_eq!(stats["openOrders"], 6, "{stats}");
    assert_eq!(
        stats["activitiesByStatus"],
        json!([{ "status": "CANCELLED", "count": 1 }, { "status": "PUBLISHED", "count": 3 }])
    );
    assert_eq!(
        stats["activitySignUpsByStatus"],
        json!([
            { "status": "CHECKED_IN", "count": 2 },
            { "status": "CONFIRMED", "count": 1 },
            { "status": "NO_SHOW", "count": 1 },
        ])
    );
    let json = e
        .run(Some(&e.admin.token), STATISTICS, e.period(Some(e.b)))
        .await;
    assert_eq!(
        json["data"]["serviceStatistics"]["activitiesByStatus"],
        json!([{ "status": "CANCELLED", "count": 1 }, { "status": "PUBLISHED", "count": 2 }]),
        "{json}"
    );
    assert_eq!(
        stats["openOrdersByStatus"],
        json!([{ "status": "IN_PROGRESS", "count": 3 }, { "status": "RESOLVED", "count": 3 }])
    );
    assert_eq!(
        stats["openOrdersByCategory"],
        json!([{ "categoryId": e.category.to_string(), "name": "Plumbing", "count": 6 }])
    );
    // Nearest rank: the 5th and 9th of ten responses, the 4th and 7th of seven resolutions.
    assert_eq!(
        stats["responseTime"],
        json!({ "count": 10, "medianMinutes": 50.0, "p90Minutes": 90.0 })
    );
    assert_eq!(
        stats["resolutionTime"],
        json!({ "count": 7, "medianMinutes": 240.0, "p90Minutes": 420.0 })
    );
    assert_eq!(
        stats["breachRate"],
        json!({ "numerator": 3, "denominator": 10, "percentage": 30.0 })
    );
    // c1 in time, c2 late, c3 past its window; c4 not yet judged.
    assert_eq!(
        stats["complaintReplyRate"],
        json!({ "numerator": 1, "denominator": 3, "percentage": 33.33 })
    );
    // Of building B: nothing.
    let json = e
        .run(Some(&e.admin.token), STATISTICS, e.period(Some(e.b)))
        .await;
    assert_eq!(json["data"]["serviceStatistics"]["openOrders"], 0, "{json}");
    assert_eq!(
        json["data"]["serviceStatistics"]["responseTime"],
        json!({ "count": 0, "medianMinutes": null, "p90Minutes": null })
    );

    let before_stats = e
        .app
        .sql_of(STATISTICS, e.period(None), &e.admin.token)
        .await;
    let before_report = e.app.sql_of(REPORT, e.period(None), &e.admin.token).await;
    // Three thousand more orders (multi-row inserts), all open and responded to in 30 minutes.
    let (a, c, r) = (e.a, e.category, e.resident.id);
    let created = e.now - Duration::days(3);
    for _ in 0..30 {
        let rows: Vec<entity::work_order::ActiveModel> = (0..100)
            .map(|_| {
                order(
                    a,
                    c,
                    r,
                    "ACCEPTED",
                    created,
                    Some(Duration::minutes(30)),
                    None,
                    (false, false),
                )
                .into()
            })
            .collect();
        entity::work_order::Entity::insert_many(rows)
            .exec_without_returning(&e.app.state.db)
            .await
            .unwrap();
    }
    let json = e
        .run(Some(&e.admin.token), STATISTICS, e.period(None))
        .await;
    let stats = &json["data"]["serviceStatistics"];
    assert_eq!(stats["openOrders"], 3006, "{json}");
    assert_eq!(stats["responseTime"]["count"], 3010);
    assert_eq!(stats["responseTime"]["medianMinutes"], 30.0);
    let after_stats = e
        .app
        .sql_of(STATISTICS, e.period(None), &e.admin.token)
        .await;
    let after_report = e.app.sql_of(REPORT, e.period(None), &e.admin.token).await;
    eprintln!(
        "serviceStatistics: {} statements; standardComplianceReport: {} statements",
        after_stats.len(),
        after_report.len()
    );
    assert_eq!(before_stats.len(), after_stats.len(), "{after_stats:#?}");
    assert_eq!(before_report.len(), after_report.len(), "{after_report:#?}");
    assert!(after_stats.len() <= 10, "{after_stats:#?}");
    assert!(after_report.len() <= 20, "{after_report:#?}");
    // No statement of the statistics reads order rows one by one.
    assert!(
        after_stats
            .iter()
            .filter(|sql| sql.contains("work_order"))
            .all(|sql| sql.contains("COUNT(") || sql.contains("SUM(")),
        "{after_stats:#?}"
    );
}
