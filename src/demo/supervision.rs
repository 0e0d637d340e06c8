//! Demo supervision: a group per building (a staff chair, a staff member and two resident
//! representatives who live there), the quarterly inspection plan, a completed scheduled
//! inspection of Building A with two findings (each opened a rectification; none needs a work
//! order, so the work-order demo stays as documented), and a pending unannounced inspection of
//! each building. Everything goes through
//! [`SupervisionService`] as the people concerned, so events, rectifications and notifications
//! are the real ones. Nothing is added when the demo plan exists, so seeding twice adds nothing.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Query};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        estate::access::{Scope, current_residency, units_of_building},
        supervision::{
            service::{
                Completion, NewFinding, NewInspection, NewItem, NewMember, NewPlan, NewScore,
                SupervisionService,
            },
            types::{FindingSeverity, InspectionArea, MemberRole},
        },
    },
    error::{AppError, AppResult},
};
use entity::{building, residency, staff_record, user};

/// The demo plan's name (its presence means the supervision demo is seeded).
pub const DEMO_PLAN: &str = "Quarterly service standard check";

/// The demo chair of both groups, and the inspector.
const CHAIR: &str = "staff11@demo.test";
/// The staff member of both groups.
const MEMBER: &str = "staff1@demo.test";
/// The cleaner responsible for the demo cleaning finding.
const CLEANER: &str = "staff5@demo.test";
/// The electrician responsible for the demo lighting finding.
const ELECTRICIAN: &str = "staff4@demo.test";

/// The demo plan: (area, item, weight); weights sum to 100.
const ITEMS: [(InspectionArea, &str, i32); 6] = [
    (InspectionArea::Cleaning, "Lobby and corridors clean", 25),
    (
        InspectionArea::Security,
        "Gate staffed, visitors logged",
        20,
    ),
    (
        InspectionArea::FireSafety,
        "Extinguishers in date, exits clear",
        20,
    ),
    (InspectionArea::Greening, "Lawns and planting kept", 10),
    (InspectionArea::Facilities, "Lifts and lighting working", 15),
    (
        InspectionArea::CustomerService,
        "Service centre answers in time",
        10,
    ),
];

async fn scope_of(state: &AppState, email: &str) -> AppResult<(Scope, Uuid)> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))?;
    Ok((
        Scope::load_user(&state.db, found.id, state.clock.today()).await?,
        found.id,
    ))
}

/// The first two residents (by email) living in `building` today.
async fn residents_of(state: &AppState, building: Uuid) -> AppResult<Vec<Uuid>> {
    let living: Vec<Uuid> = residency::Entity::find()
        .filter(current_residency(state.clock.today()))
        .filter(residency::Column::UnitId.in_subquery(units_of_building(building)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(living))
        .order_by_asc(user::Column::Email)
        .all(&state.db)
        .await?
        .into_iter()
        .take(2)
        .map(|u| u.id)
        .collect())
}

/// Seeds the demo supervision unless its plan exists; returns the inspections added.
pub async fn seed_supervision(state: &AppState) -> AppResult<usize> {
    let seeded = entity::inspection_plan::Entity::find()
        .filter(entity::inspection_plan::Column::Name.eq(DEMO_PLAN))
        .one(&state.db)
        .await?
        .is_some();
    if seeded {
        return Ok(0);
    }
    let service = SupervisionService::new(state);
    let (admin, _) = scope_of(state, "admin@demo.test").await?;
    let (_, chair_user) = scope_of(state, CHAIR).await?;
    let (_, member_user) = scope_of(state, MEMBER).await?;
    let buildings = building::Entity::find()
        .order_by_asc(building::Column::Name)
        .all(&state.db)
        .await?;
    for building in &buildings {
        let mut members = vec![
            (chair_user, MemberRole::Chair),
            (member_user, MemberRole::Staff),
        ];
        for resident in residents_of(state, building.id).await? {
            members.push((resident, MemberRole::Resident));
        }
        for (user_id, role) in members {
            service
                .add_member(
                    &admin,
                    NewMember {
                        building_id: building.id,
                        user_id,
                        role,
                        term_from: None,
                        term_until: Some(state.clock.today() + chrono::Duration::days(730)),
                    },
                )
                .await?;
        }
    }
    let plan = service
        .create_plan(
            &admin,
            NewPlan {
                name: DEMO_PLAN.to_owned(),
                items: ITEMS
                    .iter()
                    .map(|(area, title, weight)| NewItem {
                        area: *area,
                        title: (*title).to_owned(),
                        weight: *weight,
                    })
                    .collect(),
                replaces: None,
            },
        )
        .await?;
    let items = entity::inspection_plan_item::Entity::find()
        .filter(entity::inspection_plan_item::Column::PlanId.eq(plan.id))
        .order_by_asc(entity::inspection_plan_item::Column::Position)
        .all(&state.db)
        .await?;
    let cleaner = staff_record_of(state, CLEANER).await?;
    let electrician = staff_record_of(state, ELECTRICIAN).await?;
    let (chair, _) = scope_of(state, CHAIR).await?;
    let now = state.clock.now();
    let mut added = 0;
    if let Some(building_a) = buildings.first() {
        let done = service
            .create_inspection(
                &chair,
                NewInspection {
                    building_id: building_a.id,
                    plan_id: plan.id,
                    announced: true,
                    scheduled_at: now,
                    inspector_id: None,
                },
            )
            .await?;
        service
            .complete(
                &chair,
                Completion {
                    id: done.id,
                    scores: items
                        .iter()
                        .map(|item| NewScore {
                            item_id: item.id,
                            score: if item.area == InspectionArea::Cleaning.as_str() {
                                item.weight - 8
                            } else if item.area == InspectionArea::Facilities.as_str() {
                                item.weight - 5
                            } else {
                                item.weight
                            },
                            note: None,
                        })
                        .collect(),
                    findings: items
                        .iter()
                        .filter_map(|item| {
                            let (note, action, staff) =
                                if item.area == InspectionArea::Cleaning.as_str() {
                                    (
                                        "Stairwell 2 not mopped; litter by the lifts",
                                        "Mop stairwell 2 daily; add a bin by the lifts",
                                        cleaner,
                                    )
                                } else if item.area == InspectionArea::Facilities.as_str() {
                                    (
                                        "Two corridor lights out on floor 3",
                                        "Replace the fittings",
                                        electrician,
                                    )
                                } else {
                                    return None;
                                };
                            Some(NewFinding {
                                item_id: item.id,
                                note: note.to_owned(),
                                severity: FindingSeverity::Major,
                                responsible_staff_id: staff,
                                // The demo opens no work order, so the work-order demo stays
                                // as the README describes it; the tests cover that path.
                                needs_work: false,
                                work_category_id: None,
                                due_at: None,
                                corrective_action: Some(action.to_owned()),
                            })
                        })
                        .collect(),
                    summary: Some(
                        "Good overall; cleaning below standard in stairwell 2".to_owned(),
                    ),
                },
            )
            .await?;
        added += 1;
    }
    for building in &buildings {
        service
            .create_inspection(
                &chair,
                NewInspection {
                    building_id: building.id,
                    plan_id: plan.id,
                    announced: false,
                    scheduled_at: now + chrono::Duration::days(9),
                    inspector_id: None,
                },
            )
            .await?;
        added += 1;
    }
    Ok(added)
}

async fn staff_record_of(state: &AppState, email: &str) -> AppResult<Uuid> {
    staff_record::Entity::find()
        .filter(
            staff_record::Column::UserId.in_subquery(
                Query::select()
                    .column(user::Column::Id)
                    .from(user::Entity)
                    .and_where(user::Column::Email.eq(email))
                    .to_owned(),
            ),
        )
        .one(&state.db)
        .await?
        .map(|r| r.id)
        .ok_or_else(|| AppError::internal(format!("demo staff {email} has no record")))
}
