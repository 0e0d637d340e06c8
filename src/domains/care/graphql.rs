//! GraphQL surface of personalised care: care plans, their visits, and recording a visit.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};

use super::{
    schedule::day_bits,
    service::{CareService, Caregiver, NewPlan, PlanChanges, PlanFilter, RecordVisit, WeeklyTimes},
    types::{CarePlan, CarePlanStatus, CareVisit, CareVisitKind, CareVisitOutcome},
};
use crate::{
    domains::service_centres::{hours::parse_time, types::Weekday},
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
        text::Text,
    },
};

/// Longest span `myCareVisits` covers, in days.
pub const MAX_AGENDA_DAYS: i64 = 31;

/// A weekly schedule: e.g. every day at 09:00 for 15 minutes (a check-in call), Saturdays at
/// 10:00 for 60 minutes (a walk), weekdays at 15:30 for 150 minutes (after-school care).
#[derive(InputObject)]
pub struct CareScheduleInput {
    /// Weekdays with a visit (at least one, each once).
    pub days: Vec<Weekday>,
    /// Start, `HH:MM` (UTC, the estate's clock).
    pub start_time: String,
    /// Length of each visit's window in minutes (5–720, ending by midnight).
    pub duration_minutes: i32,
}

/// Input of `createCarePlan`.
#[derive(InputObject)]
pub struct CreateCarePlanInput {
    /// The household member (child, elder, pet).
    pub household_member_id: ID,
    /// What the member needs (1–2000 characters).
    pub needs: String,
    /// What each visit is.
    pub visit_kind: CareVisitKind,
    /// When.
    pub schedule: CareScheduleInput,
    /// A staff caregiver (a staff record whose post is `CAREGIVER`); or give
    /// `caregiverPartnerId`.
    pub caregiver_staff_id: Option<ID>,
    /// A partner caregiver (`CARE_AGENCY`, or `PET_SERVICE` for pets): any of its members
    /// records the visits.
    pub caregiver_partner_id: Option<ID>,
    /// First day (today or later).
    pub starts_on: Date,
    /// Last day (on or after the first); open-ended when left out.
    pub ends_on: Option<Date>,
}

/// Input of `updateCarePlan`: what is given replaces what is stored.
#[derive(InputObject)]
pub struct UpdateCarePlanInput {
    /// The plan.
    pub id: ID,
    /// What the member needs.
    pub needs: Option<String>,
    /// What each visit is.
    pub visit_kind: Option<CareVisitKind>,
    /// A new schedule (visits not yet due are made again from it).
    pub schedule: Option<CareScheduleInput>,
    /// A new staff caregiver.
    pub caregiver_staff_id: Option<ID>,
    /// A new partner caregiver.
    pub caregiver_partner_id: Option<ID>,
    /// A new last day; `null` makes the plan open-ended.
    pub ends_on: MaybeUndefined<Date>,
}

/// Input of `endCarePlan`.
#[derive(InputObject)]
pub struct EndCarePlanInput {
    /// The plan.
    pub id: ID,
    /// Why (up to 500 characters).
    pub reason: Option<String>,
}

/// Input of `recordCareVisit`.
#[derive(InputObject)]
pub struct RecordCareVisitInput {
    /// The visit.
    pub visit_id: ID,
    /// Done or missed.
    pub outcome: CareVisitOutcome,
    /// Why it was missed (required for `MISSED`, 1–500 characters; not given for `DONE`).
    pub reason: Option<String>,
    /// Notes (up to 2000 characters).
    pub notes: Option<String>,
}

/// Narrowing of `carePlans`.
#[derive(InputObject, Default)]
pub struct CarePlanFilter {
    /// One household member's plans.
    pub household_member_id: Option<ID>,
    /// Plans in one building.
    pub building_id: Option<ID>,
    /// Plans in one status.
    pub status: Option<CarePlanStatus>,
}

/// Result of a plan change.
#[derive(SimpleObject)]
pub struct CarePlanPayload {
    /// The plan after the change.
    pub plan: CarePlan,
}

/// Result of `recordCareVisit`.
#[derive(SimpleObject)]
pub struct CareVisitPayload {
    /// The visit as recorded.
    pub visit: CareVisit,
}

/// Checks a schedule input (fields under `input.schedule`).
fn schedule_times(check: &mut Checks, input: &CareScheduleInput) -> Option<WeeklyTimes> {
    check.rule(
        !input.days.is_empty(),
        "input.schedule.days",
        "give at least one weekday",
    );
    let mut seen = std::collections::HashSet::new();
    check.rule(
        input.days.iter().all(|d| seen.insert(*d)),
        "input.schedule.days",
        "names a weekday twice",
    );
    let start = check.field(parse_time("input.schedule.startTime", &input.start_time));
    let duration = input.duration_minutes;
    check.rule(
        (5..=720).contains(&duration),
        "input.schedule.durationMinutes",
        "must be 5 to 720 minutes",
    );
    if let Some(start) = start {
        check.rule(
            !(5..=720).contains(&duration) || start + duration <= 24 * 60,
            "input.schedule.durationMinutes",
            "a visit must end by midnight",
        );
    }
    Some((day_bits(&input.days), start?, duration))
}

/// Checks the caregiver fields: exactly one of staff and partner (`required` on create).
fn caregiver(
    check: &mut Checks,
    staff: Option<&ID>,
    partner: Option<&ID>,
    required: bool,
) -> Option<Option<Caregiver>> {
    let staff = check.field(parse_opt_id("input.caregiverStaffId", staff));
    let partner = check.field(parse_opt_id("input.caregiverPartnerId", partner));
    match (staff?, partner?) {
        (Some(_), Some(_)) => {
            check.rule(
                false,
                "input.caregiverPartnerId",
                "give a staff caregiver or a partner, not both",
            );
            None
        }
        (Some(id), None) => Some(Some(Caregiver::Staff(id))),
        (None, Some(id)) => Some(Some(Caregiver::Partner(id))),
        (None, None) if required => {
            check.rule(
                false,
                "input.caregiverStaffId",
                "give a caregiver: caregiverStaffId or caregiverPartnerId",
            );
            None
        }
        (None, None) => Some(None),
    }
}

/// Care queries.
#[derive(Default)]
pub struct CareQuery;

#[Object]
impl CareQuery {
    /// Care plans you may see, newest first: your household's, those you give care in, those
    /// of the buildings you manage, every plan for administrators.
    async fn care_plans(
        &self,
        ctx: &Context<'_>,
        filter: Option<CarePlanFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<CarePlan>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let mut check = Checks::new();
        let member_id = check.field(parse_opt_id(
            "filter.householdMemberId",
            filter.household_member_id.as_ref(),
        ));
        let building_id = check.field(parse_opt_id(
            "filter.buildingId",
            filter.building_id.as_ref(),
        ));
        let filter = check.finish(|| {
            Some(PlanFilter {
                member_id: member_id?,
                building_id: building_id?,
                status: filter.status,
            })
        })?;
        let scope = ctx.scope().await?;
        let page = CareService::new(ctx.state())
            .plans(scope, &filter, &page)
            .await?;
        Ok(page.try_into_counted_connection(CarePlan::try_from_model)?)
    }

    /// One care plan you may see.
    async fn care_plan(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<CarePlan> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = CareService::new(ctx.state()).plan(scope, id).await?;
        Ok(CarePlan::try_from_model(model)?)
    }

    /// One care visit you may see (its plan's rule).
    async fn care_visit(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<CareVisit> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = CareService::new(ctx.state()).visit(scope, id).await?;
        Ok(CareVisit::try_from_model(model)?)
    }

    /// Your agenda as a caregiver: visits due in `[from, to)` (at most 31 days), soonest
    /// first. Visits exist from a day before they are due.
    #[allow(clippy::too_many_arguments)]
    async fn my_care_visits(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<CareVisit>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let mut check = Checks::new();
        check.rule(
            to > from && to - from <= Duration::days(MAX_AGENDA_DAYS),
            "to",
            "must be after `from`, at most 31 days later",
        );
        check.done()?;
        let scope = ctx.scope().await?;
        let page = CareService::new(ctx.state())
            .my_visits(scope, from, to, &page)
            .await?;
        Ok(page.try_into_counted_connection(CareVisit::try_from_model)?)
    }
}

/// Care mutations.
#[derive(Default)]
pub struct CareMutation;

#[Object]
impl CareMutation {
    /// Creates a care plan for a household member: by a resident of the member's household,
    /// the building's manager or an administrator. A member you may not see is `NOT_FOUND` on
    /// `input.householdMemberId`; a caregiver who is not an active `CAREGIVER` (or a care
    /// partner in business) serving the building is `BAD_USER_INPUT`; a schedule overlapping
    /// another active plan of the member is `CONFLICT`.
    async fn create_care_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateCarePlanInput,
    ) -> async_graphql::Result<CarePlanPayload> {
        let mut check = Checks::new();
        let member_id = check.field(parse_id(
            "input.householdMemberId",
            &input.household_member_id,
        ));
        let needs = check.field(Text::<2000>::parse("input.needs", &input.needs));
        let times = schedule_times(&mut check, &input.schedule);
        let caregiver = caregiver(
            &mut check,
            input.caregiver_staff_id.as_ref(),
            input.caregiver_partner_id.as_ref(),
            true,
        );
        check.rule(
            input.ends_on.is_none_or(|end| end.0 >= input.starts_on.0),
            "input.endsOn",
            "must be on or after the first day",
        );
        let new = check.finish(|| {
            Some(NewPlan {
                member_id: member_id?,
                needs: needs?.into_inner(),
                visit_kind: input.visit_kind,
                times: times?,
                caregiver: caregiver??,
                starts_on: input.starts_on.0,
                ends_on: input.ends_on.map(|d| d.0),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = CareService::new(ctx.state()).create(scope, new).await?;
        Ok(CarePlanPayload {
            plan: CarePlan::try_from_model(model)?,
        })
    }

    /// Changes an active care plan (those who may create it): what is given replaces what is
    /// stored; a new schedule or last day makes the visits not yet due again. An ended plan is
    /// `INVALID_STATE`; its caregiver gets `FORBIDDEN`; anyone else `NOT_FOUND`.
    async fn update_care_plan(
        &self,
        ctx: &Context<'_>,
        input: UpdateCarePlanInput,
    ) -> async_graphql::Result<CarePlanPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let needs = check.field(Text::<2000>::parse_opt(
            "input.needs",
            input.needs.as_deref(),
        ));
        let times = match &input.schedule {
            Some(schedule) => schedule_times(&mut check, schedule).map(Some),
            None => Some(None),
        };
        let caregiver = caregiver(
            &mut check,
            input.caregiver_staff_id.as_ref(),
            input.caregiver_partner_id.as_ref(),
            false,
        );
        let ends_on = crate::graphql::text::change(input.ends_on).map(|d| d.map(|d| d.0));
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                PlanChanges {
                    needs: needs?.map(Text::into_inner),
                    visit_kind: input.visit_kind,
                    times: times?,
                    caregiver: caregiver?,
                    ends_on,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let model = CareService::new(ctx.state())
            .update(scope, id, changes)
            .await?;
        Ok(CarePlanPayload {
            plan: CarePlan::try_from_model(model)?,
        })
    }

    /// Ends an active care plan today (those who may create it); its visits not yet due are
    /// dropped. Ending it again is `INVALID_STATE`.
    async fn end_care_plan(
        &self,
        ctx: &Context<'_>,
        input: EndCarePlanInput,
    ) -> async_graphql::Result<CarePlanPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let reason = check.field(Text::<500>::parse_opt(
            "input.reason",
            input.reason.as_deref(),
        ));
        let (id, reason) = check.finish(|| Some((id?, reason?.map(Text::into_inner))))?;
        let scope = ctx.scope().await?;
        let model = CareService::new(ctx.state()).end(scope, id, reason).await?;
        Ok(CarePlanPayload {
            plan: CarePlan::try_from_model(model)?,
        })
    }

    /// Records a visit: by its plan's caregiver only (the staff member, or a member of the
    /// partner), once. `MISSED` needs a reason; `DONE` only once the visit is due. A missed
    /// elder visit alerts the household and the building's managers at once (`EMERGENCY`).
    /// Someone else who sees the visit gets `FORBIDDEN`, anyone else `NOT_FOUND`; a visit
    /// already recorded (or marked missed) is `INVALID_STATE`. Nothing is written then.
    async fn record_care_visit(
        &self,
        ctx: &Context<'_>,
        input: RecordCareVisitInput,
    ) -> async_graphql::Result<CareVisitPayload> {
        let mut check = Checks::new();
        let visit_id = check.field(parse_id("input.visitId", &input.visit_id));
        let reason = check.field(Text::<500>::parse_opt(
            "input.reason",
            input.reason.as_deref(),
        ));
        let notes = check.field(Text::<2000>::parse_opt(
            "input.notes",
            input.notes.as_deref(),
        ));
        match input.outcome {
            CareVisitOutcome::Missed => check.rule(
                input.reason.is_some(),
                "input.reason",
                "a missed visit needs a reason",
            ),
            CareVisitOutcome::Done => check.rule(
                input.reason.is_none(),
                "input.reason",
                "only a missed visit has a reason",
            ),
        }
        let record = check.finish(|| {
            Some(RecordVisit {
                visit_id: visit_id?,
                outcome: input.outcome,
                reason: reason?.map(Text::into_inner),
                notes: notes?.map(Text::into_inner),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = CareService::new(ctx.state()).record(scope, record).await?;
        Ok(CareVisitPayload {
            visit: CareVisit::try_from_model(model)?,
        })
    }
}
