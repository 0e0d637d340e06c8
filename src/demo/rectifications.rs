//! Demo rectifications: one in every status (one sent back once), one overdue. Each is opened
//! by the buildings' manager and taken through its steps by the people who would take them, so
//! its timeline, live events and notifications are the real ones. A rectification whose
//! problem text exists already is skipped, so seeding twice adds nothing.
//!
//! No demo work order is rated 2 or less (the one rated order got 5 stars), so none is opened
//! by a low rating here; rating a demo order low opens one (see the README).

use std::collections::HashSet;

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        rectifications::{
            service::{NewRectification, RectificationService, StepInput, open},
            types::{Evidence, RectificationAction, RectificationSource, RectificationStatus},
        },
    },
    error::AppResult,
    events::outbox::Write,
};
use entity::{building, rectification, staff_record, user};

/// The demo manager (serves both buildings; opens, verifies and rejects).
const MANAGER: &str = "staff12@demo.test";
/// The demo supervisor (verifies one).
const SUPERVISOR: &str = "supervisor1@demo.test";

/// A demo rectification: where, who, what, and how far it gets.
struct DemoRectification {
    /// `"A"` or `"B"`.
    building: &'static str,
    /// `staff<n>` is responsible.
    staff: usize,
    source: RectificationSource,
    problem: &'static str,
    corrective_action: &'static str,
    /// Due this many days from now (negative: already past).
    due_days: i64,
    /// The steps after the opening, by whoever takes each.
    steps: &'static [RectificationAction],
    /// Where the steps leave it.
    status: RectificationStatus,
}

const DEMO: [DemoRectification; 5] = [
    DemoRectification {
        building: "A",
        staff: 5,
        source: RectificationSource::Inspection,
        problem: "The basement bin room of Building A was not cleaned on two days of the \
                  inspection week.",
        corrective_action: "",
        due_days: 5,
        steps: &[],
        status: RectificationStatus::Open,
    },
    DemoRectification {
        building: "B",
        staff: 3,
        source: RectificationSource::Survey,
        problem: "Residents report that the corridor lights on floor 3 of Building B stay off \
                  at night.",
        corrective_action: "Replaced the motion sensor at the lift lobby; tested every lamp.",
        due_days: 3,
        // Submitted once, sent back (the far end of the corridor was still dark).
        steps: &[
            RectificationAction::Start,
            RectificationAction::Submit,
            RectificationAction::Reject,
        ],
        status: RectificationStatus::InProgress,
    },
    DemoRectification {
        building: "A",
        staff: 7,
        source: RectificationSource::Complaint,
        problem: "A hedge trimmer was left unattended by the playground of Building A.",
        corrective_action: "Tools are now locked in the garden shed at every break; briefed \
                            the greening team.",
        due_days: 2,
        steps: &[RectificationAction::Start, RectificationAction::Submit],
        status: RectificationStatus::Submitted,
    },
    DemoRectification {
        building: "B",
        staff: 8,
        source: RectificationSource::Inspection,
        problem: "The night patrol log of Building B had no entries between 02:00 and 04:00 on \
                  three nights.",
        corrective_action: "Patrol rounds are now checked in at each floor's tag reader; the \
                            log is reviewed every morning.",
        due_days: 7,
        steps: &[
            RectificationAction::Start,
            RectificationAction::Submit,
            RectificationAction::Verify,
        ],
        status: RectificationStatus::Verified,
    },
    DemoRectification {
        building: "A",
        staff: 2,
        source: RectificationSource::Survey,
        problem: "The lobby door closer of Building A slams the door; residents asked twice for \
                  it to be adjusted.",
        corrective_action: "",
        // Overdue: due two days ago, still in progress.
        due_days: -2,
        steps: &[RectificationAction::Start],
        status: RectificationStatus::InProgress,
    },
];

/// Each demo rectification's problem, responsible staff member and the status the seed leaves
/// it in, and whether it is overdue.
pub fn rectification_plan() -> Vec<(&'static str, String, RectificationStatus, bool)> {
    DEMO.iter()
        .map(|d| {
            (
                d.problem,
                format!("staff{}@demo.test", d.staff),
                d.status,
                d.due_days < 0,
            )
        })
        .collect()
}

/// Opens the demo rectifications whose problem no rectification has yet and takes each through
/// its steps. Returns how many it opened. Those whose accounts or building are gone are
/// skipped.
pub async fn seed_rectifications(state: &AppState) -> AppResult<usize> {
    let problems: Vec<&str> = DEMO.iter().map(|d| d.problem).collect();
    let existing: HashSet<String> = rectification::Entity::find()
        .filter(rectification::Column::Problem.is_in(problems))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| r.problem)
        .collect();
    let (Some(manager), Some(supervisor)) = (
        scope_of(state, MANAGER).await?,
        scope_of(state, SUPERVISOR).await?,
    ) else {
        tracing::warn!("demo manager or supervisor not found: rectifications skipped");
        return Ok(0);
    };
    let service = RectificationService::new(state);
    let mut seeded = 0;
    for demo in DEMO.iter().filter(|d| !existing.contains(d.problem)) {
        let email = format!("staff{}@demo.test", demo.staff);
        let (Some(building), Some(staff), Some(responsible)) = (
            building_of(state, demo.building).await?,
            staff_record_of(state, &email).await?,
            scope_of(state, &email).await?,
        ) else {
            tracing::warn!(
                problem = demo.problem,
                "demo building or staff member not found: rectification skipped"
            );
            continue;
        };
        let new = NewRectification {
            building_id: building,
            source: demo.source,
            source_id: None,
            responsible_staff_id: staff,
            problem: demo.problem.to_owned(),
            corrective_action: None,
            due_at: state.clock.now() + Duration::days(demo.due_days),
            work_order_id: None,
        };
        let mut model = if demo.due_days > 0 {
            service.open_by_hand(&manager, new).await?
        } else {
            // A due date in the past is refused by hand; the demo opens it directly, as an
            // older rectification would have been.
            let mut write = Write::begin(state).await?;
            let model = open(&mut write, manager.user_id, new).await?;
            write.commit().await?;
            model
        };
        seeded += 1;
        for action in demo.steps {
            let (scope, input) = match action {
                RectificationAction::Submit => (
                    &responsible,
                    StepInput {
                        corrective_action: Some(demo.corrective_action.to_owned()),
                        evidence: Some(vec![Evidence {
                            url: format!("https://hub.example/demo/evidence/{}.jpg", model.id),
                            note: Some("After the correction".to_owned()),
                        }]),
                        note: None,
                    },
                ),
                RectificationAction::Verify => (
                    &supervisor,
                    StepInput {
                        note: Some("Checked the log for the last week: complete.".to_owned()),
                        ..StepInput::default()
                    },
                ),
                RectificationAction::Reject => (
                    &manager,
                    StepInput {
                        note: Some(
                            "The far end of the corridor is still dark after 23:00.".to_owned(),
                        ),
                        ..StepInput::default()
                    },
                ),
                _ => (&responsible, StepInput::default()),
            };
            model = service
                .step(scope, model.id, *action, Some(model.version), input)
                .await?;
        }
        if model.status != demo.status.as_str() {
            tracing::warn!(
                problem = demo.problem,
                status = model.status,
                "demo rectification ended in another status than planned"
            );
        }
    }
    Ok(seeded)
}

/// The scope of the demo account `email`; `None` when it is gone.
async fn scope_of(state: &AppState, email: &str) -> AppResult<Option<Scope>> {
    let Some(found) = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(
        Scope::load_user(&state.db, found.id, state.clock.today()).await?,
    ))
}

async fn staff_record_of(state: &AppState, email: &str) -> AppResult<Option<Uuid>> {
    let Some(found) = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    Ok(staff_record::Entity::find()
        .filter(staff_record::Column::UserId.eq(found.id))
        .one(&state.db)
        .await?
        .map(|r| r.id))
}

/// Demo building `"A"` or `"B"`, by its name.
async fn building_of(state: &AppState, letter: &str) -> AppResult<Option<Uuid>> {
    Ok(building::Entity::find()
        .filter(building::Column::Name.starts_with(format!("Building {letter} ")))
        .one(&state.db)
        .await?
        .map(|b| b.id))
}
