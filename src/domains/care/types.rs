//! GraphQL types of personalised care.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};

use super::schedule::weekdays;
use crate::{
    domains::{
        estate::types::{HouseholdMember, HouseholdMemberKind},
        service_centres::{hours::format_time, types::Weekday},
    },
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
    },
    text_enum,
};
use entity::{care_plan, care_visit};

text_enum! {
    /// Where a care plan stands.
    pub enum CarePlanStatus {
        /// Visits are scheduled.
        Active => "ACTIVE",
        /// Ended: no more visits.
        Ended => "ENDED",
    }
}

text_enum! {
    /// What a care visit is.
    pub enum CareVisitKind {
        /// A check-in phone call (elders).
        CheckInCall => "CHECK_IN_CALL",
        /// A visit at home.
        HomeVisit => "HOME_VISIT",
        /// A walk (pets).
        Walk => "WALK",
        /// After-school care (children).
        AfterSchool => "AFTER_SCHOOL",
        /// Anything else.
        Other => "OTHER",
    }
}

text_enum! {
    /// Where a care visit stands.
    pub enum CareVisitStatus {
        /// Due, not recorded yet.
        Scheduled => "SCHEDULED",
        /// Done.
        Done => "DONE",
        /// Missed (recorded so by the caregiver, or not recorded by the end of its window).
        Missed => "MISSED",
    }
}

text_enum! {
    /// What the caregiver records about a visit.
    pub enum CareVisitOutcome {
        /// The visit took place.
        Done => "DONE",
        /// The visit did not take place (a reason is required).
        Missed => "MISSED",
    }
}

/// A care plan's weekly schedule.
#[derive(SimpleObject, Clone, Debug)]
pub struct CareSchedule {
    /// Weekdays with a visit, Monday first.
    pub days: Vec<Weekday>,
    /// Start of each visit, `HH:MM` (UTC, the estate's clock).
    pub start_time: String,
    /// Length of each visit's window, in minutes.
    pub duration_minutes: i32,
}

/// A care plan for a household member.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct CarePlan {
    /// Id.
    pub id: ID,
    /// The household member's id.
    pub household_member_id: ID,
    /// The member's kind.
    pub member_kind: HouseholdMemberKind,
    /// What the member needs.
    pub needs: String,
    /// What each visit is.
    pub visit_kind: CareVisitKind,
    /// The weekly schedule.
    pub schedule: CareSchedule,
    /// The staff record of a staff caregiver.
    pub caregiver_staff_id: Option<ID>,
    /// The user id of a staff caregiver.
    pub caregiver_user_id: Option<ID>,
    /// The partner (care agency, pet service) whose members record the visits.
    pub caregiver_partner_id: Option<ID>,
    /// First day.
    pub starts_on: Date,
    /// Last day (open-ended when null).
    pub ends_on: Option<Date>,
    /// Status.
    pub status: CarePlanStatus,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// When it was ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it was ended.
    pub end_reason: Option<String>,
    /// The row.
    #[graphql(skip)]
    pub model: care_plan::Model,
}

impl CarePlan {
    /// From a row.
    pub fn try_from_model(model: care_plan::Model) -> AppResult<CarePlan> {
        Ok(CarePlan {
            id: ID(model.id.to_string()),
            household_member_id: ID(model.household_member_id.to_string()),
            member_kind: HouseholdMemberKind::from_stored(&model.member_kind)?,
            needs: model.needs.clone(),
            visit_kind: CareVisitKind::from_stored(&model.visit_kind)?,
            schedule: CareSchedule {
                days: weekdays(model.days),
                start_time: format_time(model.start_minute),
                duration_minutes: model.duration_minutes,
            },
            caregiver_staff_id: model.caregiver_staff_id.map(|id| ID(id.to_string())),
            caregiver_user_id: model.caregiver_user_id.map(|id| ID(id.to_string())),
            caregiver_partner_id: model.caregiver_partner_id.map(|id| ID(id.to_string())),
            starts_on: Date(model.starts_on),
            ends_on: model.ends_on.map(Date),
            status: CarePlanStatus::from_stored(&model.status)?,
            created_at: model.created_at,
            updated_at: model.updated_at,
            ended_at: model.ended_at,
            end_reason: model.end_reason.clone(),
            model,
        })
    }
}

#[ComplexObject]
impl CarePlan {
    /// The household member cared for (whoever sees the plan sees whom it is for).
    async fn household_member(&self, ctx: &Context<'_>) -> async_graphql::Result<HouseholdMember> {
        let member = ctx
            .loaders()?
            .load_one::<crate::graphql::loaders::ById<entity::household_member::Entity>>(
                self.model.household_member_id,
            )
            .await?
            .ok_or(AppError::NotFound("household member"))?;
        Ok(HouseholdMember::try_from_model(member)?)
    }

    /// The plan's visits, latest first.
    async fn visits(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<CareVisit>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let page = super::service::CareService::new(ctx.state())
            .visits_of(self.model.id, &page)
            .await?;
        Ok(page.try_into_counted_connection(CareVisit::try_from_model)?)
    }
}

/// One scheduled occurrence of a care plan.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct CareVisit {
    /// Id.
    pub id: ID,
    /// The plan's id.
    pub plan_id: ID,
    /// When it is due.
    pub scheduled_at: DateTime<Utc>,
    /// The end of its window: not recorded by then, it is missed.
    pub window_ends_at: DateTime<Utc>,
    /// Status.
    pub status: CareVisitStatus,
    /// Why it was missed.
    pub reason: Option<String>,
    /// The caregiver's notes.
    pub notes: Option<String>,
    /// Who recorded it (null when marked missed by the server).
    pub recorded_by_id: Option<ID>,
    /// When it was recorded or marked missed.
    pub recorded_at: Option<DateTime<Utc>>,
    /// Marked missed by the server because nobody recorded it in its window.
    pub detected: bool,
    /// The row.
    #[graphql(skip)]
    pub model: care_visit::Model,
}

impl CareVisit {
    /// From a row.
    pub fn try_from_model(model: care_visit::Model) -> AppResult<CareVisit> {
        Ok(CareVisit {
            id: ID(model.id.to_string()),
            plan_id: ID(model.plan_id.to_string()),
            scheduled_at: model.scheduled_at,
            window_ends_at: model.window_ends_at,
            status: CareVisitStatus::from_stored(&model.status)?,
            reason: model.reason.clone(),
            notes: model.notes.clone(),
            recorded_by_id: model.recorded_by.map(|id| ID(id.to_string())),
            recorded_at: model.recorded_at,
            detected: model.detected,
            model,
        })
    }
}

#[ComplexObject]
impl CareVisit {
    /// The plan (whoever sees a visit sees its plan).
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<CarePlan> {
        let plan = ctx
            .loaders()?
            .load_one::<crate::graphql::loaders::ById<care_plan::Entity>>(self.model.plan_id)
            .await?
            .ok_or(AppError::NotFound("care plan"))?;
        Ok(CarePlan::try_from_model(plan)?)
    }
}
