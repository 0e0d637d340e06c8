//! Demo complaints: one in every status, one anonymous, one praise. Each is submitted and taken
//! through its steps by [`ComplaintService`], as the people who would take them (the
//! complainant, the buildings' manager, the customer-service handler, a supervisor), so its
//! timeline, events, notifications, rectification and commendation are the real ones. A
//! complaint whose title exists already is skipped, so seeding twice adds nothing.

use std::collections::HashSet;

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    app::AppState,
    domains::{
        complaints::{
            service::{ComplaintService, NewComplaint, NewComplaintRectification},
            types::{ComplaintKind, ComplaintStatus},
        },
        estate::access::Scope,
    },
    error::{AppError, AppResult},
};
use entity::{complaint, staff_record, user};

/// The demo manager (serves both buildings; assigns handlers).
const MANAGER: &str = "staff12@demo.test";
/// The demo handler: customer service, serving both buildings.
const HANDLER: &str = "staff1@demo.test";

/// One step of a demo complaint.
#[derive(Clone, Copy)]
enum Step {
    /// The manager assigns the customer-service handler.
    Assign,
    /// The handler acknowledges.
    Acknowledge,
    /// The handler starts investigating.
    Investigate,
    /// The handler writes an internal note.
    InternalNote(&'static str),
    /// The handler opens a rectification, `staff<n>` responsible.
    Rectify(usize, &'static str),
    /// The handler replies.
    Reply(&'static str),
    /// The complainant rates the handling.
    Rate(i32, &'static str),
    /// The handler closes it.
    Close,
    /// The complainant appeals.
    Appeal(&'static str),
}

/// A demo complaint: who complains about what, and how far it gets.
struct DemoComplaint {
    /// `resident<n>` complains, about their building.
    complainant: usize,
    kind: ComplaintKind,
    title: &'static str,
    description: &'static str,
    /// `staff<n>` it is about.
    staff: Option<usize>,
    anonymous: bool,
    steps: &'static [Step],
    status: ComplaintStatus,
}

const DEMO_COMPLAINTS: [DemoComplaint; 7] = [
    DemoComplaint {
        complainant: 2,
        kind: ComplaintKind::Facility,
        title: "The lobby door slams shut",
        description: "The closer of the main lobby door is too strong; it slams and nearly hit a child.",
        staff: None,
        anonymous: false,
        steps: &[],
        status: ComplaintStatus::Submitted,
    },
    DemoComplaint {
        complainant: 3,
        kind: ComplaintKind::Noise,
        title: "Drilling after 10 pm upstairs",
        description: "Someone upstairs drills late in the evening several days a week.",
        staff: None,
        anonymous: false,
        steps: &[Step::Assign, Step::Acknowledge],
        status: ComplaintStatus::Acknowledged,
    },
    DemoComplaint {
        complainant: 25,
        kind: ComplaintKind::Environment,
        title: "Bins overflow on Sundays",
        description: "The bins by the bike shed overflow every Sunday and the smell reaches the flats.",
        staff: None,
        anonymous: false,
        steps: &[
            Step::Assign,
            Step::Acknowledge,
            Step::Investigate,
            Step::InternalNote("The waste contractor skips the Sunday round; call them Monday."),
        ],
        status: ComplaintStatus::Investigating,
    },
    DemoComplaint {
        complainant: 26,
        kind: ComplaintKind::ServiceQuality,
        title: "Corridor lights stay broken for weeks",
        description: "The lights on the third-floor corridor have been out for three weeks.",
        staff: None,
        anonymous: false,
        steps: &[
            Step::Assign,
            Step::Acknowledge,
            Step::Investigate,
            Step::Rectify(
                4,
                "Check every corridor light weekly and replace failed ones within a day.",
            ),
        ],
        status: ComplaintStatus::Rectifying,
    },
    DemoComplaint {
        complainant: 1,
        kind: ComplaintKind::StaffConduct,
        title: "Shouted at in the stairwell",
        description: "A cleaner shouted at my children for walking on the wet floor.",
        staff: Some(5),
        anonymous: true,
        steps: &[
            Step::Assign,
            Step::Acknowledge,
            Step::Investigate,
            Step::InternalNote("Spoke with the cleaner and the supervisor of the shift."),
            Step::Reply(
                "We are sorry. We talked to the staff member, and wet floors will be signposted from now on.",
            ),
        ],
        status: ComplaintStatus::Replied,
    },
    DemoComplaint {
        complainant: 4,
        kind: ComplaintKind::Suggestion,
        title: "Benches by the playground",
        description: "Parents would like two benches in the shade next to the playground.",
        staff: None,
        anonymous: false,
        steps: &[
            Step::Assign,
            Step::Acknowledge,
            Step::Investigate,
            Step::Reply(
                "Thank you: the budget for this year is spent; we will plan it for next year.",
            ),
            Step::Appeal("Two benches cost little; please reconsider this year."),
        ],
        status: ComplaintStatus::Appealed,
    },
    DemoComplaint {
        complainant: 1,
        kind: ComplaintKind::Praise,
        title: "Spotless stairwells",
        description: "The stairwells have never been this clean. Thank you!",
        staff: Some(5),
        anonymous: false,
        steps: &[
            Step::Assign,
            Step::Acknowledge,
            Step::Investigate,
            Step::Reply("Thank you, we passed your words on."),
            Step::Rate(5, "Lovely answer."),
            Step::Close,
        ],
        status: ComplaintStatus::Closed,
    },
];

/// Each demo complaint's title, complainant, whether anonymous and the status the seed leaves
/// it in.
pub fn complaint_plan() -> Vec<(&'static str, String, bool, ComplaintStatus)> {
    DEMO_COMPLAINTS
        .iter()
        .map(|c| {
            (
                c.title,
                format!("resident{}@demo.test", c.complainant),
                c.anonymous,
                c.status,
            )
        })
        .collect()
}

/// Submits the demo complaints whose title no complaint has yet and takes each through its
/// steps. Returns how many it submitted; one whose accounts are gone is skipped.
pub async fn seed_complaints(state: &AppState) -> AppResult<usize> {
    let titles: Vec<&str> = DEMO_COMPLAINTS.iter().map(|c| c.title).collect();
    let existing: HashSet<String> = complaint::Entity::find()
        .filter(complaint::Column::Title.is_in(titles))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| c.title)
        .collect();
    let service = ComplaintService::new(state);
    let (Some(manager), Some(handler)) = (
        scope_of(state, MANAGER).await?,
        scope_of(state, HANDLER).await?,
    ) else {
        tracing::warn!("demo manager or handler not found: complaints skipped");
        return Ok(0);
    };
    let handler_id = staff_record_of(state, HANDLER).await?;
    let mut seeded = 0;
    for demo in DEMO_COMPLAINTS
        .iter()
        .filter(|c| !existing.contains(c.title))
    {
        let Some(complainant) =
            scope_of(state, &format!("resident{}@demo.test", demo.complainant)).await?
        else {
            tracing::warn!(title = demo.title, "demo complainant not found: skipped");
            continue;
        };
        let staff_id = match demo.staff {
            Some(n) => Some(staff_record_of(state, &format!("staff{n}@demo.test")).await?),
            None => None,
        };
        let mut found = service
            .submit(
                &complainant,
                NewComplaint {
                    kind: demo.kind,
                    title: demo.title.to_owned(),
                    description: demo.description.to_owned(),
                    building_id: None,
                    work_order_id: None,
                    staff_id,
                    anonymous: demo.anonymous,
                },
            )
            .await?;
        seeded += 1;
        for step in demo.steps {
            let (id, v) = (found.id, Some(found.version));
            found = match *step {
                Step::Assign => {
                    service
                        .assign(&manager, id, Some(handler_id), None, v)
                        .await?
                }
                Step::Acknowledge => service.acknowledge(&handler, id, None, v).await?,
                Step::Investigate => service.investigate(&handler, id, None, v).await?,
                Step::InternalNote(text) => {
                    service.note(&handler, id, text.to_owned(), true).await?.0
                }
                Step::Rectify(n, action) => {
                    let responsible =
                        staff_record_of(state, &format!("staff{n}@demo.test")).await?;
                    service
                        .rectify(
                            &handler,
                            id,
                            NewComplaintRectification {
                                responsible_staff_id: responsible,
                                problem: None,
                                corrective_action: Some(action.to_owned()),
                                due_at: state.clock.now() + Duration::days(5),
                            },
                            None,
                            v,
                        )
                        .await?
                }
                Step::Reply(text) => service.reply(&handler, id, text.to_owned(), v).await?,
                Step::Rate(score, comment) => {
                    service
                        .rate(&complainant, id, score, Some(comment.to_owned()))
                        .await?
                }
                Step::Close => service.close(&handler, id, None, v).await?,
                Step::Appeal(reason) => {
                    service
                        .appeal(&complainant, id, reason.to_owned(), v)
                        .await?
                }
            };
        }
        if found.status != demo.status.as_str() {
            tracing::warn!(
                title = demo.title,
                status = found.status,
                "demo complaint ended in another status than planned"
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

async fn staff_record_of(state: &AppState, email: &str) -> AppResult<uuid::Uuid> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))?;
    staff_record::Entity::find()
        .filter(staff_record::Column::UserId.eq(found.id))
        .one(&state.db)
        .await?
        .map(|r| r.id)
        .ok_or_else(|| AppError::internal(format!("demo staff {email} has no record")))
}
