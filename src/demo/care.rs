//! Demo personalised care: an elder's daily check-in call with a missed visit (and the alert it
//! raised), a weekly pet walk, care offerings in the childcare and elderly-care categories, and a
//! childcare booking for a child of the household. Each part is added unless it is there.

use chrono::{Days, Duration};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        care::{
            service::{CareService, Caregiver, NewPlan},
            types::CareVisitKind,
        },
        catalogue::types::OfferingChannel,
        estate::{
            access::{Scope, current_residency},
            types::HouseholdMemberKind,
        },
        service_centres::types::Weekday,
        work_orders::service::{NewWorkOrder, WorkOrderService},
    },
    error::{AppError, AppResult},
};
use entity::{
    care_plan, household_member, residency, service_category, service_offering, service_slot,
    staff_record, user, work_order,
};

/// Needs of the demo elder's check-in plan (its marker).
pub const ELDER_NEEDS: &str = "Daily check-in call: blood pressure, medication taken, mood.";
/// Needs of the demo pet-walk plan (its marker).
pub const PET_NEEDS: &str = "Saturday morning walk while the family visits relatives.";
/// Title of the demo childcare booking.
pub const CHILDCARE_BOOKING: &str = "After-school care next week";

const CAREGIVER: &str = "staff10@demo.test";
const MANAGER: &str = "staff12@demo.test";
const ELDER_HOME: &str = "resident2@demo.test";
const PET_HOME: &str = "resident10@demo.test";
const CHILD_HOME: &str = "resident3@demo.test";

/// (category code, name, description, price, minutes).
const CARE_OFFERINGS: [(&str, &str, &str, &str, i32); 2] = [
    (
        "ELDERLY_CARE",
        "Elderly home visit (1 hour)",
        "A caregiver's visit at home: company, a blood-pressure check, help with small tasks.",
        "60.00",
        60,
    ),
    (
        "CHILDCARE",
        "After-school care (afternoon)",
        "Pick-up at the school gate and care at home until 18:00.",
        "80.00",
        150,
    ),
];

async fn user_id(state: &AppState, email: &str) -> AppResult<Uuid> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))?
        .id)
}

async fn scope_of(state: &AppState, email: &str) -> AppResult<Scope> {
    Scope::load_user(&state.db, user_id(state, email).await?, state.clock.today()).await
}

/// The first member of `kind` in the home of `email`.
async fn member_of(
    state: &AppState,
    email: &str,
    kind: HouseholdMemberKind,
) -> AppResult<household_member::Model> {
    let me = user_id(state, email).await?;
    let home = residency::Entity::find()
        .filter(residency::Column::UserId.eq(me))
        .filter(current_residency(state.clock.today()))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("{email} has no home")))?;
    household_member::Entity::find()
        .filter(household_member::Column::UnitId.eq(home.unit_id))
        .filter(household_member::Column::Kind.eq(kind.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("{email}'s home has no {kind:?}")))
}

async fn plan_exists(state: &AppState, needs: &str) -> AppResult<bool> {
    Ok(care_plan::Entity::find()
        .filter(care_plan::Column::Needs.eq(needs))
        .one(&state.db)
        .await?
        .is_some())
}

/// Seeds the demo care data that is missing.
pub async fn seed_care(state: &AppState) -> AppResult<()> {
    let service = CareService::new(state);
    let today = state.clock.today();
    let caregiver = staff_record::Entity::find()
        .filter(staff_record::Column::UserId.eq(user_id(state, CAREGIVER).await?))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal("the demo caregiver has no staff record"))?;
    if !plan_exists(state, ELDER_NEEDS).await? {
        let elder = member_of(state, ELDER_HOME, HouseholdMemberKind::Elder).await?;
        let manager = scope_of(state, MANAGER).await?;
        let plan = service
            .create(
                &manager,
                NewPlan {
                    member_id: elder.id,
                    needs: ELDER_NEEDS.to_owned(),
                    visit_kind: CareVisitKind::CheckInCall,
                    times: (0b111_1111, 9 * 60, 30),
                    caregiver: Caregiver::Staff(caregiver.id),
                    starts_on: today,
                    ends_on: None,
                },
            )
            .await?;
        // The plan began two days ago and nobody recorded its calls since: the visits job marks
        // them missed and alerts the household and the manager.
        let began = today - Days::new(2);
        care_plan::Entity::update_many()
            .col_expr(
                care_plan::Column::StartsOn,
                sea_orm::sea_query::Expr::value(began),
            )
            .col_expr(
                care_plan::Column::MaterialisedUntil,
                sea_orm::sea_query::Expr::value(
                    began.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
                ),
            )
            .col_expr(
                care_plan::Column::CreatedAt,
                sea_orm::sea_query::Expr::value(state.clock.now() - Duration::days(2)),
            )
            .filter(care_plan::Column::Id.eq(plan.id))
            .exec(&state.db)
            .await?;
    }
    if !plan_exists(state, PET_NEEDS).await? {
        let pet = member_of(state, PET_HOME, HouseholdMemberKind::Pet).await?;
        let household = scope_of(state, PET_HOME).await?;
        service
            .create(
                &household,
                NewPlan {
                    member_id: pet.id,
                    needs: PET_NEEDS.to_owned(),
                    visit_kind: CareVisitKind::Walk,
                    times: (1 << (Weekday::Saturday.number() - 1), 10 * 60, 60),
                    caregiver: Caregiver::Staff(caregiver.id),
                    starts_on: today,
                    ends_on: None,
                },
            )
            .await?;
    }
    service.run_visits_job().await?;
    seed_offerings(state).await?;
    seed_booking(state).await?;
    Ok(())
}

/// The care offerings missing from the demo catalogue, each with two slots a day for a week.
async fn seed_offerings(state: &AppState) -> AppResult<()> {
    let (now, today) = (state.clock.now(), state.clock.today());
    for (code, name, description, price, minutes) in CARE_OFFERINGS {
        let Some(category) = service_category::Entity::find()
            .filter(service_category::Column::Code.eq(code))
            .one(&state.db)
            .await?
        else {
            continue;
        };
        let exists = service_offering::Entity::find()
            .filter(service_offering::Column::CategoryId.eq(category.id))
            .filter(service_offering::Column::Name.eq(name))
            .one(&state.db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let txn = crate::db::begin_write(&state.db).await?;
        let offering_id = Uuid::now_v7();
        service_offering::Entity::insert(service_offering::ActiveModel {
            id: Set(offering_id),
            category_id: Set(category.id),
            name: Set(name.to_owned()),
            description: Set(description.to_owned()),
            price: Set(Some(price.to_owned())),
            duration_minutes: Set(minutes),
            slot_capacity: Set(2),
            channel: Set(OfferingChannel::Online.as_str().to_owned()),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
        let mut slots = Vec::new();
        for day in 1..=7 {
            for hour in [9, 14] {
                let starts_at = (today + Days::new(day))
                    .and_hms_opt(hour, 0, 0)
                    .ok_or_else(|| AppError::internal("invalid demo slot time"))?
                    .and_utc();
                slots.push(service_slot::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    offering_id: Set(offering_id),
                    starts_at: Set(starts_at),
                    ends_at: Set(starts_at + Duration::minutes(minutes.into())),
                    capacity: Set(2),
                    booked: Set(0),
                    created_at: Set(now),
                });
            }
        }
        service_slot::Entity::insert_many(slots).exec(&txn).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// A childcare booking for the child of the demo household, with the child attached.
async fn seed_booking(state: &AppState) -> AppResult<()> {
    let exists = work_order::Entity::find()
        .filter(work_order::Column::Title.eq(CHILDCARE_BOOKING))
        .one(&state.db)
        .await?
        .is_some();
    if exists {
        return Ok(());
    }
    let Some(category) = service_category::Entity::find()
        .filter(service_category::Column::Code.eq("CHILDCARE"))
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let offering = service_offering::Entity::find()
        .filter(service_offering::Column::CategoryId.eq(category.id))
        .one(&state.db)
        .await?;
    let child = member_of(state, CHILD_HOME, HouseholdMemberKind::Child).await?;
    let household = scope_of(state, CHILD_HOME).await?;
    WorkOrderService::new(state)
        .create(
            &household,
            NewWorkOrder {
                category_id: category.id,
                unit_id: Some(child.unit_id),
                building_id: None,
                location: None,
                title: CHILDCARE_BOOKING.to_owned(),
                description: format!(
                    "Please pick {} up at the school gate at 15:30 on weekdays next week.",
                    child.name
                ),
                priority: None,
                channel: None,
                on_behalf_of: None,
                offering_id: offering.map(|o| o.id),
                slot_id: None,
                household_member_id: Some(child.id),
                asset_id: None,
            },
        )
        .await?;
    Ok(())
}
