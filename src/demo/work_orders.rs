//! Demo work orders: at least one in every status, requested by residents of both buildings in
//! demo catalogue categories. Each is driven through [`WorkOrderService`] step by step, by the
//! people who would really take each step (the requester, the assignee, the buildings' manager),
//! so its timeline, live events and notifications are the real ones. An order whose title
//! exists already is skipped, so seeding twice adds nothing.

use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        work_orders::{
            service::{NewRating, NewWorkOrder, WorkOrderService},
            types::{CommentVisibility, HoldReason, WorkOrderStatus},
        },
    },
    error::{AppError, AppResult},
};
use entity::{service_category, service_offering, service_slot, staff_record, user, work_order};

/// The demo manager (serves both buildings; dispatches and rejects).
const MANAGER: &str = "staff12@demo.test";

/// One step in a demo order's life, taken by whoever would take it.
enum Step {
    /// The manager assigns it to `staff<n>`.
    Assign(usize),
    /// `staff<n>` grabs it.
    Grab(usize),
    /// The assignee accepts.
    Accept,
    /// The assignee starts work.
    Start,
    /// The assignee puts it on hold.
    Hold(HoldReason, &'static str),
    /// The assignee writes to the requester.
    Comment(&'static str),
    /// The assignee resolves it: what was done, the amount.
    Resolve(&'static str, Option<&'static str>),
    /// The requester rates it: score, comment.
    Rate(i32, &'static str),
    /// The requester cancels it.
    Cancel(&'static str),
    /// The manager rejects it.
    Reject(&'static str),
}

/// A demo order: who asks for what, and how far it gets.
struct DemoOrder {
    /// `resident<n>` asks, for their home.
    requester: usize,
    category: &'static str,
    title: &'static str,
    description: &'static str,
    /// Books the first free slot of the category's offering.
    book: bool,
    steps: &'static [Step],
    /// Where the steps leave it.
    status: WorkOrderStatus,
}

/// The demo orders, in the order they are submitted (automatic dispatch depends on it: of the
/// eligible staff, the one with the fewest open orders, then the lowest employee number).
const DEMO_ORDERS: [DemoOrder; 10] = [
    DemoOrder {
        requester: 1,
        category: "PLUMBING",
        title: "Kitchen tap drips",
        description: "The cold tap in the kitchen drips all night, even when closed tight.",
        book: false,
        // Dispatched at once to staff2 (Building A's repair technician).
        steps: &[],
        status: WorkOrderStatus::Assigned,
    },
    DemoOrder {
        requester: 25,
        category: "ELECTRICAL",
        title: "Bathroom light flickers",
        description: "The ceiling light in the bathroom flickers and sometimes goes out.",
        book: false,
        // Dispatched to staff3 (Building B's repair technician).
        steps: &[Step::Accept],
        status: WorkOrderStatus::Accepted,
    },
    DemoOrder {
        requester: 3,
        category: "LIFT_FAULT",
        title: "Entrance door closes too hard",
        description: "The door from our lift lobby to the stairs slams shut; a child nearly \
                      caught her fingers.",
        book: false,
        // Dispatched to staff4 (staff2 has an open order already).
        steps: &[Step::Accept, Step::Start],
        status: WorkOrderStatus::InProgress,
    },
    DemoOrder {
        requester: 27,
        category: "PLUMBING",
        title: "Water heater leaks",
        description: "Water drips from the bottom of the water heater into the tray.",
        book: false,
        // Dispatched to staff3 (tied with staff4 on open orders; the lower employee number).
        steps: &[
            Step::Accept,
            Step::Start,
            Step::Hold(
                HoldReason::AwaitingParts,
                "the relief valve is worn; a new one is on order",
            ),
            Step::Comment("The new valve arrives on Thursday; I will come back then to fit it."),
        ],
        status: WorkOrderStatus::OnHold,
    },
    DemoOrder {
        requester: 6,
        category: "ELDERLY_CARE",
        title: "Company for grandma on Wednesday afternoon",
        description: "We are both at work on Wednesday; could someone sit with grandma from \
                      14:00 to 16:00 and help her with her exercises?",
        book: false,
        steps: &[
            Step::Assign(10),
            Step::Accept,
            Step::Start,
            Step::Resolve(
                "Two hours with Grandma Zhao: a short walk, the walker exercises and tea.",
                Some("80.00"),
            ),
        ],
        status: WorkOrderStatus::Resolved,
    },
    DemoOrder {
        requester: 10,
        category: "PET_CARE",
        title: "Walk Doudou on Saturday morning",
        description: "We are away on Saturday; Doudou needs a walk around 09:00.",
        book: false,
        steps: &[
            Step::Grab(10),
            Step::Start,
            Step::Resolve(
                "45-minute walk along the river path; water bowl refilled.",
                Some("40.00"),
            ),
            Step::Rate(5, "Doudou came home happy and tired. Thank you!"),
        ],
        status: WorkOrderStatus::Closed,
    },
    DemoOrder {
        requester: 2,
        category: "HOME_CLEANING",
        title: "Cleaning before the family visits",
        description: "Kitchen and both bathrooms, please; we have guests arriving on Sunday.",
        book: true,
        // Waits for one of Building A's housekeepers (staff5) to grab it.
        steps: &[],
        status: WorkOrderStatus::Submitted,
    },
    DemoOrder {
        requester: 26,
        category: "GREENING",
        title: "Hedge under our window is overgrown",
        description: "The hedge below our ground-floor window has grown over the path.",
        book: false,
        // Waits for the manager to assign it.
        steps: &[],
        status: WorkOrderStatus::Submitted,
    },
    DemoOrder {
        requester: 28,
        category: "HEALTH_CHECK",
        title: "Blood-pressure check",
        description: "I would like my blood pressure checked this week.",
        book: false,
        steps: &[Step::Cancel(
            "I had it checked at the clinic; no longer needed.",
        )],
        status: WorkOrderStatus::Cancelled,
    },
    DemoOrder {
        requester: 7,
        category: "SECURITY_PATROL",
        title: "Someone parks in my parking space",
        description: "A grey car has been parked in my space P02 for three days.",
        book: false,
        steps: &[Step::Reject(
            "Parking spaces are handled by the service desk (400-820-1818), not by patrols; \
             they will contact the car's owner.",
        )],
        status: WorkOrderStatus::Rejected,
    },
];

/// Each demo order's title, requester and the status the seed leaves it in.
pub fn work_order_plan() -> Vec<(&'static str, String, WorkOrderStatus)> {
    DEMO_ORDERS
        .iter()
        .map(|o| {
            (
                o.title,
                format!("resident{}@demo.test", o.requester),
                o.status,
            )
        })
        .collect()
}

/// Submits the demo orders whose title no work order has yet and takes each through its steps.
/// Returns how many it submitted. Orders whose accounts or category are gone are skipped.
pub async fn seed_work_orders(state: &AppState) -> AppResult<usize> {
    let titles: Vec<&str> = DEMO_ORDERS.iter().map(|o| o.title).collect();
    let existing: HashSet<String> = work_order::Entity::find()
        .filter(work_order::Column::Title.is_in(titles))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| o.title)
        .collect();
    let service = WorkOrderService::new(state);
    let mut seeded = 0;
    for demo in DEMO_ORDERS.iter().filter(|o| !existing.contains(o.title)) {
        let requester = format!("resident{}@demo.test", demo.requester);
        let (Some(requester), Some(category)) = (
            scope_of(state, &requester).await?,
            service_category::Entity::find()
                .filter(service_category::Column::Code.eq(demo.category))
                .one(&state.db)
                .await?,
        ) else {
            tracing::warn!(
                title = demo.title,
                "demo requester or category not found: order skipped"
            );
            continue;
        };
        let Some(&unit) = requester.resident().await?.units.iter().min() else {
            tracing::warn!(
                title = demo.title,
                "demo requester has no home: order skipped"
            );
            continue;
        };
        let (offering_id, slot_id) = if demo.book {
            free_slot(state, category.id).await?
        } else {
            (None, None)
        };
        let mut order = service
            .create(
                &requester,
                NewWorkOrder {
                    category_id: category.id,
                    unit_id: Some(unit),
                    building_id: None,
                    location: None,
                    title: demo.title.to_owned(),
                    description: demo.description.to_owned(),
                    priority: None,
                    channel: None,
                    on_behalf_of: None,
                    offering_id,
                    slot_id,
                    household_member_id: None,
                    asset_id: None,
                },
            )
            .await?
            .order;
        seeded += 1;
        for step in demo.steps {
            order = take(state, &service, &requester, &order, step).await?;
        }
        if order.status != demo.status.as_str() {
            // Dispatch found other staff than the plan assumed (an older or edited estate).
            tracing::warn!(
                title = demo.title,
                status = order.status,
                "demo order ended in another status than planned"
            );
        }
    }
    Ok(seeded)
}

/// Takes one step on `order`, as the person who would take it.
async fn take(
    state: &AppState,
    service: &WorkOrderService<'_>,
    requester: &Scope,
    order: &work_order::Model,
    step: &Step,
) -> AppResult<work_order::Model> {
    let id = order.id;
    let v = Some(order.version);
    Ok(match step {
        Step::Assign(n) => {
            let staff = staff_record_of(state, &format!("staff{n}@demo.test")).await?;
            service
                .assign(&manager(state).await?, id, staff, None, v)
                .await?
        }
        Step::Grab(n) => {
            service
                .grab(
                    &must_scope(state, &format!("staff{n}@demo.test")).await?,
                    id,
                )
                .await?
        }
        Step::Accept => {
            service
                .accept(&assignee(state, order).await?, id, v)
                .await?
        }
        Step::Start => service.start(&assignee(state, order).await?, id, v).await?,
        Step::Hold(reason, note) => {
            service
                .hold(
                    &assignee(state, order).await?,
                    id,
                    *reason,
                    (*note).to_owned(),
                    v,
                )
                .await?
        }
        Step::Comment(body) => {
            service
                .comment(
                    &assignee(state, order).await?,
                    id,
                    (*body).to_owned(),
                    CommentVisibility::ResidentVisible,
                    Vec::new(),
                )
                .await?;
            order.clone()
        }
        Step::Resolve(resolution, amount) => {
            service
                .resolve(
                    &assignee(state, order).await?,
                    id,
                    (*resolution).to_owned(),
                    amount.map(str::to_owned),
                    v,
                )
                .await?
        }
        Step::Rate(score, comment) => {
            service
                .rate(
                    requester,
                    id,
                    NewRating {
                        score: *score,
                        speed: Some(*score),
                        attitude: Some(*score),
                        quality: Some(*score),
                        tags: vec!["on time".to_owned(), "friendly".to_owned()],
                        comment: Some((*comment).to_owned()),
                        not_fixed: false,
                    },
                )
                .await?
        }
        Step::Cancel(reason) => {
            service
                .cancel(requester, id, Some((*reason).to_owned()), v)
                .await?
        }
        Step::Reject(reason) => {
            service
                .reject(&manager(state).await?, id, (*reason).to_owned(), v)
                .await?
        }
    })
}

/// The scope of the demo account `email`, as the services expect it; `None` when it is gone.
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

async fn must_scope(state: &AppState, email: &str) -> AppResult<Scope> {
    scope_of(state, email)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))
}

async fn manager(state: &AppState) -> AppResult<Scope> {
    must_scope(state, MANAGER).await
}

/// The scope of the order's assignee.
async fn assignee(state: &AppState, order: &work_order::Model) -> AppResult<Scope> {
    let record = match order.assignee_id {
        Some(id) => staff_record::Entity::find_by_id(id).one(&state.db).await?,
        None => None,
    }
    .ok_or_else(|| AppError::internal(format!("demo order {} has no assignee", order.title)))?;
    Scope::load_user(&state.db, record.user_id, state.clock.today()).await
}

async fn staff_record_of(state: &AppState, email: &str) -> AppResult<Uuid> {
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

/// The first slot with room of the category's first active offering, if any.
async fn free_slot(state: &AppState, category: Uuid) -> AppResult<(Option<Uuid>, Option<Uuid>)> {
    let Some(offering) = service_offering::Entity::find()
        .filter(service_offering::Column::CategoryId.eq(category))
        .filter(service_offering::Column::Active.eq(true))
        .order_by_asc(service_offering::Column::Id)
        .one(&state.db)
        .await?
    else {
        return Ok((None, None));
    };
    let slot = service_slot::Entity::find()
        .filter(service_slot::Column::OfferingId.eq(offering.id))
        .filter(service_slot::Column::StartsAt.gt(state.clock.now()))
        .filter(
            Expr::col(service_slot::Column::Booked).lt(Expr::col(service_slot::Column::Capacity)),
        )
        .order_by_asc(service_slot::Column::StartsAt)
        .one(&state.db)
        .await?;
    Ok((Some(offering.id), slot.map(|s| s.id)))
}
