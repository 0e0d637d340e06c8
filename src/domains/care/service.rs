//! Care rules: creating, changing and ending plans (caregiver and schedule checked, no two
//! active plans of a member overlapping), the visits job (occurrences made visits once, unrecorded
//! ones marked missed once), recording a visit (the caregiver only, once), and the emergency
//! alert of a missed elder visit.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict, Query},
};
use uuid::Uuid;

use super::{
    access::CareViewer,
    schedule::{MAX_OCCURRENCES, Schedule},
    types::{CarePlanStatus, CareVisitKind, CareVisitOutcome, CareVisitStatus},
};
use crate::{
    app::AppState,
    domains::{
        estate::{
            access::{ACTIVE_STAFF, Scope, current_residency},
            types::{HouseholdMemberKind, StaffPost},
        },
        partners::facts::{affiliation, in_business},
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{
    care_plan, care_visit, household_member, partner, partner_building, residency, staff_building,
    staff_record, unit,
};

/// Notification subject type of a care visit.
pub const VISIT_SUBJECT: &str = "CARE_VISIT";

/// How far ahead the job makes visits of coming occurrences (the caregiver's agenda).
pub const LOOKAHEAD: Duration = Duration::hours(24);

/// The reason a visit nobody recorded is given.
pub const NOT_RECORDED: &str = "Not recorded by the end of its window";

/// Who gives the care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caregiver {
    /// A staff record (post `CAREGIVER`).
    Staff(Uuid),
    /// A partner (care agency, pet service).
    Partner(Uuid),
}

/// A weekly schedule as checked: weekdays (bits), start minute, window minutes.
pub type WeeklyTimes = (i32, i32, i32);

/// A new plan, checked.
#[derive(Clone, Debug)]
pub struct NewPlan {
    /// The household member.
    pub member_id: Uuid,
    /// Needs.
    pub needs: String,
    /// Kind of visit.
    pub visit_kind: CareVisitKind,
    /// Weekdays, start, length.
    pub times: WeeklyTimes,
    /// The caregiver.
    pub caregiver: Caregiver,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
}

/// A change of a plan, checked (`None`: unchanged).
#[derive(Clone, Debug, Default)]
pub struct PlanChanges {
    /// Needs.
    pub needs: Option<String>,
    /// Kind of visit.
    pub visit_kind: Option<CareVisitKind>,
    /// Weekdays, start, length.
    pub times: Option<WeeklyTimes>,
    /// The caregiver.
    pub caregiver: Option<Caregiver>,
    /// Last day (`Some(None)` makes it open-ended).
    pub ends_on: Option<Option<NaiveDate>>,
}

/// What a caregiver records, checked.
#[derive(Clone, Debug)]
pub struct RecordVisit {
    /// The visit.
    pub visit_id: Uuid,
    /// Done or missed.
    pub outcome: CareVisitOutcome,
    /// Why it was missed.
    pub reason: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// Narrowing of `carePlans`.
#[derive(Clone, Debug, Default)]
pub struct PlanFilter {
    /// One member's plans.
    pub member_id: Option<Uuid>,
    /// Plans in one building.
    pub building_id: Option<Uuid>,
    /// Plans in one status.
    pub status: Option<CarePlanStatus>,
}

/// An emergency alert to send with a missed elder visit.
struct Alert {
    recipients: Vec<Uuid>,
    title: String,
    text: String,
}

/// The schedule stored on `plan`.
pub fn schedule_of(plan: &care_plan::Model) -> Schedule {
    Schedule {
        days: plan.days,
        start_minute: plan.start_minute,
        duration_minutes: plan.duration_minutes,
        starts_on: plan.starts_on,
        ends_on: plan.ends_on,
    }
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The care service.
pub struct CareService<'a> {
    state: &'a AppState,
}

impl<'a> CareService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        CareService { state }
    }

    fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.state.db
    }

    /// The plans the viewer sees, newest first.
    pub async fn plans(
        &self,
        scope: &Scope,
        filter: &PlanFilter,
        page: &PageRequest,
    ) -> AppResult<Page<care_plan::Model>> {
        scope.require_user()?;
        let viewer = scope.facet::<CareViewer>().await?;
        let mut query = care_plan::Entity::find();
        if let Some(condition) = viewer.condition() {
            query = query.filter(condition);
        }
        if let Some(member) = filter.member_id {
            query = query.filter(care_plan::Column::HouseholdMemberId.eq(member));
        }
        if let Some(building) = filter.building_id {
            query = query.filter(care_plan::Column::BuildingId.eq(building));
        }
        if let Some(status) = filter.status {
            query = query.filter(care_plan::Column::Status.eq(status.as_str()));
        }
        Keyset::new()
            .desc(care_plan::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One plan the viewer sees.
    pub async fn plan(&self, scope: &Scope, id: Uuid) -> AppResult<care_plan::Model> {
        scope.require_user()?;
        let viewer = scope.facet::<CareViewer>().await?;
        care_plan::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .filter(|plan| viewer.sees(plan))
            .ok_or(AppError::NotFound("care plan"))
    }

    /// One visit the viewer sees (its plan's rule).
    pub async fn visit(&self, scope: &Scope, id: Uuid) -> AppResult<care_visit::Model> {
        let found = self.visits_among(scope, HashSet::from([id])).await?;
        found
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("care visit"))
    }

    /// The visits among `ids` the viewer sees (for notification subjects).
    pub async fn visits_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<care_visit::Model>> {
        scope.require_user()?;
        let viewer = scope.facet::<CareViewer>().await?;
        let visits = care_visit::Entity::find()
            .filter(care_visit::Column::Id.is_in(ids))
            .all(self.db())
            .await?;
        let plan_ids: HashSet<Uuid> = visits.iter().map(|v| v.plan_id).collect();
        let seen: HashSet<Uuid> = care_plan::Entity::find()
            .filter(care_plan::Column::Id.is_in(plan_ids))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|plan| viewer.sees(plan))
            .map(|plan| plan.id)
            .collect();
        Ok(visits
            .into_iter()
            .filter(|v| seen.contains(&v.plan_id))
            .collect())
    }

    /// A plan's visits, latest first (the caller has checked that the viewer sees the plan).
    pub async fn visits_of(
        &self,
        plan_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<care_visit::Model>> {
        Keyset::new()
            .desc(care_visit::Column::ScheduledAt)
            .desc(care_visit::Column::Id)
            .fetch(
                self.db(),
                care_visit::Entity::find().filter(care_visit::Column::PlanId.eq(plan_id)),
                page,
            )
            .await
    }

    /// The viewer's agenda as a caregiver: visits of the plans they give care in, due in
    /// `[from, to)`, soonest first.
    pub async fn my_visits(
        &self,
        scope: &Scope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: &PageRequest,
    ) -> AppResult<Page<care_visit::Model>> {
        scope.require_user()?;
        let viewer = scope.facet::<CareViewer>().await?;
        let plans = Query::select()
            .column(care_plan::Column::Id)
            .from(care_plan::Entity)
            .cond_where(viewer.caregiver_condition())
            .to_owned();
        let query = care_visit::Entity::find()
            .filter(care_visit::Column::PlanId.in_subquery(plans))
            .filter(care_visit::Column::ScheduledAt.gte(from))
            .filter(care_visit::Column::ScheduledAt.lt(to));
        Keyset::new()
            .asc(care_visit::Column::ScheduledAt)
            .asc(care_visit::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// Checks a caregiver for a member in `building_id`: an active staff caregiver serving the
    /// building, or a care partner in business serving it (a pet service for pets only).
    /// Returns (staff record, its user, partner).
    async fn caregiver(
        &self,
        caregiver: Caregiver,
        member_kind: &str,
        building_id: Uuid,
    ) -> AppResult<(Option<Uuid>, Option<Uuid>, Option<Uuid>)> {
        match caregiver {
            Caregiver::Staff(id) => {
                let field = "input.caregiverStaffId";
                let record = staff_record::Entity::find_by_id(id)
                    .one(self.db())
                    .await?
                    .ok_or_else(|| AppError::unknown_id(field, "staff record"))?;
                if record.post != StaffPost::Caregiver.as_str() || record.status != ACTIVE_STAFF {
                    return Err(AppError::bad_input(
                        field,
                        "must be an active staff member whose post is CAREGIVER",
                    ));
                }
                let serves = staff_building::Entity::find()
                    .filter(staff_building::Column::StaffId.eq(id))
                    .filter(staff_building::Column::BuildingId.eq(building_id))
                    .one(self.db())
                    .await?
                    .is_some();
                if !serves {
                    return Err(AppError::bad_input(
                        field,
                        "does not serve the member's building",
                    ));
                }
                Ok((Some(record.id), Some(record.user_id), None))
            }
            Caregiver::Partner(id) => {
                let field = "input.caregiverPartnerId";
                let found = partner::Entity::find_by_id(id)
                    .one(self.db())
                    .await?
                    .ok_or_else(|| AppError::unknown_id(field, "partner"))?;
                let kind_fits = match found.kind.as_str() {
                    "CARE_AGENCY" => true,
                    "PET_SERVICE" => member_kind == HouseholdMemberKind::Pet.as_str(),
                    _ => false,
                };
                if !kind_fits {
                    return Err(AppError::bad_input(
                        field,
                        "must be a CARE_AGENCY partner (or a PET_SERVICE partner, for pets)",
                    ));
                }
                if !in_business(&found, self.state.clock.now()) {
                    return Err(AppError::bad_input(
                        field,
                        "is not active and under contract",
                    ));
                }
                let serves = partner_building::Entity::find_by_id((id, building_id))
                    .one(self.db())
                    .await?
                    .is_some();
                if !serves {
                    return Err(AppError::bad_input(
                        field,
                        "does not serve the member's building",
                    ));
                }
                Ok((None, None, Some(found.id)))
            }
        }
    }

    /// `CONFLICT` when `schedule` overlaps another active plan of `member_id`.
    async fn no_overlap(
        &self,
        member_id: Uuid,
        schedule: &Schedule,
        except: Option<Uuid>,
    ) -> AppResult<()> {
        let others = care_plan::Entity::find()
            .filter(care_plan::Column::HouseholdMemberId.eq(member_id))
            .filter(care_plan::Column::Status.eq(CarePlanStatus::Active.as_str()))
            .all(self.db())
            .await?;
        if others
            .iter()
            .filter(|p| Some(p.id) != except)
            .any(|p| schedule_of(p).overlaps(schedule))
        {
            return Err(AppError::Conflict {
                field: Some("input.schedule".to_owned()),
                message: "overlaps another active care plan of this member".to_owned(),
            });
        }
        Ok(())
    }

    /// Creates a plan (the member's household, the building's manager, administrators).
    pub async fn create(&self, scope: &Scope, new: NewPlan) -> AppResult<care_plan::Model> {
        let me = scope.require_user()?;
        let viewer = scope.facet::<CareViewer>().await?;
        let member_field = "input.householdMemberId";
        let member = household_member::Entity::find_by_id(new.member_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id(member_field, "household member"))?;
        let building_id = unit::Entity::find_by_id(member.unit_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::internal("a household member without its unit"))?
            .building_id;
        if !viewer.manages_member(member.unit_id, building_id) {
            return Err(AppError::unknown_id(member_field, "household member"));
        }
        let (now, today) = (self.state.clock.now(), self.state.clock.today());
        if new.starts_on < today {
            return Err(AppError::bad_input(
                "input.startsOn",
                "must be today or later",
            ));
        }
        let (days, start_minute, duration_minutes) = new.times;
        let schedule = Schedule {
            days,
            start_minute,
            duration_minutes,
            starts_on: new.starts_on,
            ends_on: new.ends_on,
        };
        let (staff, user, partner) = self
            .caregiver(new.caregiver, &member.kind, building_id)
            .await?;
        self.no_overlap(member.id, &schedule, None).await?;
        let write = Write::begin(self.state).await?;
        let model = care_plan::Model {
            id: Uuid::now_v7(),
            household_member_id: member.id,
            unit_id: member.unit_id,
            building_id,
            member_kind: member.kind.clone(),
            needs: new.needs,
            visit_kind: new.visit_kind.as_str().to_owned(),
            days,
            start_minute,
            duration_minutes,
            caregiver_staff_id: staff,
            caregiver_user_id: user,
            caregiver_partner_id: partner,
            starts_on: new.starts_on,
            ends_on: new.ends_on,
            status: CarePlanStatus::Active.as_str().to_owned(),
            materialised_until: Ord::max(now.trunc_subsecs(0), midnight(new.starts_on)),
            created_by: me,
            created_at: now,
            updated_at: now,
            ended_at: None,
            end_reason: None,
        };
        care_plan::Entity::insert(care_plan::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        write.commit().await?;
        Ok(model)
    }

    /// A plan the viewer changes or ends: `NOT_FOUND` when they do not see it, `FORBIDDEN`
    /// when they see it only as its caregiver, `INVALID_STATE` once it has ended.
    async fn for_change(&self, scope: &Scope, id: Uuid) -> AppResult<care_plan::Model> {
        scope.require_user()?;
        let viewer = scope.facet::<CareViewer>().await?;
        let plan = care_plan::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .filter(|plan| viewer.sees(plan))
            .ok_or_else(|| AppError::unknown_id("input.id", "care plan"))?;
        if !viewer.manages(&plan) {
            return Err(AppError::Forbidden(
                "the household, the building's manager and administrators change care plans"
                    .to_owned(),
            ));
        }
        if plan.status != CarePlanStatus::Active.as_str() {
            return Err(AppError::InvalidState("the care plan has ended".to_owned()));
        }
        Ok(plan)
    }

    /// Changes a plan: what is given replaces what is stored. A new schedule or last day drops
    /// the visits not yet due and makes them again from now on.
    pub async fn update(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: PlanChanges,
    ) -> AppResult<care_plan::Model> {
        let mut plan = self.for_change(scope, id).await?;
        let (now, today) = (self.state.clock.now(), self.state.clock.today());
        if let Some(needs) = changes.needs {
            plan.needs = needs;
        }
        if let Some(kind) = changes.visit_kind {
            plan.visit_kind = kind.as_str().to_owned();
        }
        let reschedule = changes.times.is_some() || changes.ends_on.is_some();
        if let Some((days, start, duration)) = changes.times {
            plan.days = days;
            plan.start_minute = start;
            plan.duration_minutes = duration;
        }
        if let Some(ends_on) = changes.ends_on {
            if ends_on.is_some_and(|end| end < Ord::max(plan.starts_on, today)) {
                return Err(AppError::bad_input(
                    "input.endsOn",
                    "must be on or after the first day, and not in the past",
                ));
            }
            plan.ends_on = ends_on;
        }
        if let Some(caregiver) = changes.caregiver {
            let (staff, user, partner) = self
                .caregiver(caregiver, &plan.member_kind, plan.building_id)
                .await?;
            plan.caregiver_staff_id = staff;
            plan.caregiver_user_id = user;
            plan.caregiver_partner_id = partner;
        }
        if reschedule {
            self.no_overlap(plan.household_member_id, &schedule_of(&plan), Some(plan.id))
                .await?;
            plan.materialised_until = Ord::max(now.trunc_subsecs(0), midnight(plan.starts_on));
        }
        plan.updated_at = now;
        let write = Write::begin(self.state).await?;
        let changed = care_plan::Entity::update_many()
            .set(sea_orm::ActiveModelTrait::reset_all(
                care_plan::ActiveModel::from(plan.clone()),
            ))
            .filter(care_plan::Column::Id.eq(plan.id))
            .filter(care_plan::Column::Status.eq(CarePlanStatus::Active.as_str()))
            .exec(write.txn())
            .await?;
        if changed.rows_affected == 0 {
            return Err(AppError::InvalidState("the care plan has ended".to_owned()));
        }
        if reschedule {
            drop_coming_visits(&write, plan.id, now).await?;
        }
        write.commit().await?;
        Ok(plan)
    }

    /// Ends a plan today: its visits not yet due are dropped.
    pub async fn end(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: Option<String>,
    ) -> AppResult<care_plan::Model> {
        let mut plan = self.for_change(scope, id).await?;
        let (now, today) = (self.state.clock.now(), self.state.clock.today());
        plan.status = CarePlanStatus::Ended.as_str().to_owned();
        plan.ended_at = Some(now);
        plan.end_reason = reason;
        plan.updated_at = now;
        if plan.ends_on.is_none_or(|end| end > today) {
            plan.ends_on = Some(Ord::max(today, plan.starts_on));
        }
        let write = Write::begin(self.state).await?;
        let changed = care_plan::Entity::update_many()
            .set(sea_orm::ActiveModelTrait::reset_all(
                care_plan::ActiveModel::from(plan.clone()),
            ))
            .filter(care_plan::Column::Id.eq(plan.id))
            .filter(care_plan::Column::Status.eq(CarePlanStatus::Active.as_str()))
            .exec(write.txn())
            .await?;
        if changed.rows_affected == 0 {
            return Err(AppError::InvalidState("the care plan has ended".to_owned()));
        }
        drop_coming_visits(&write, plan.id, now).await?;
        write.commit().await?;
        Ok(plan)
    }

    /// Records a visit (its caregiver only, once). `MISSED` for an elder alerts the household
    /// and the building's managers at once.
    pub async fn record(&self, scope: &Scope, record: RecordVisit) -> AppResult<care_visit::Model> {
        let me = scope.require_user()?;
        let viewer = scope.facet::<CareViewer>().await?;
        let field = "input.visitId";
        let visit = care_visit::Entity::find_by_id(record.visit_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id(field, "care visit"))?;
        let plan = care_plan::Entity::find_by_id(visit.plan_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id(field, "care visit"))?;
        if !viewer.is_caregiver(&plan) {
            return Err(if viewer.sees(&plan) {
                AppError::Forbidden("only the assigned caregiver records a visit".to_owned())
            } else {
                AppError::unknown_id(field, "care visit")
            });
        }
        let now = self.state.clock.now();
        if plan.caregiver_user_id != Some(me) {
            let acting = affiliation(self.db(), me, now).await?;
            if !acting.is_some_and(|a| a.in_business) {
                return Err(AppError::Forbidden(
                    "your partner is not active and under contract".to_owned(),
                ));
            }
        }
        if visit.status != CareVisitStatus::Scheduled.as_str() {
            return Err(AppError::InvalidState(format!(
                "the visit is already {}",
                visit.status
            )));
        }
        if record.outcome == CareVisitOutcome::Done && now < visit.scheduled_at {
            return Err(AppError::InvalidState(
                "the visit is not due yet".to_owned(),
            ));
        }
        let status = match record.outcome {
            CareVisitOutcome::Done => CareVisitStatus::Done,
            CareVisitOutcome::Missed => CareVisitStatus::Missed,
        };
        let alert = if status == CareVisitStatus::Missed {
            self.alert_for(&plan, &visit).await?
        } else {
            None
        };
        let mut write = Write::begin(self.state).await?;
        let changed = care_visit::Entity::update_many()
            .col_expr(care_visit::Column::Status, Expr::value(status.as_str()))
            .col_expr(
                care_visit::Column::Reason,
                Expr::value(record.reason.clone()),
            )
            .col_expr(care_visit::Column::Notes, Expr::value(record.notes.clone()))
            .col_expr(care_visit::Column::RecordedBy, Expr::value(me))
            .col_expr(care_visit::Column::RecordedAt, Expr::value(now))
            .filter(care_visit::Column::Id.eq(visit.id))
            .filter(care_visit::Column::Status.eq(CareVisitStatus::Scheduled.as_str()))
            .exec(write.txn())
            .await?;
        if changed.rows_affected == 0 {
            return Err(AppError::InvalidState(
                "the visit was recorded meanwhile".to_owned(),
            ));
        }
        if let Some(alert) = alert {
            send_alert(&mut write, alert, visit.id).await?;
        }
        write.commit().await?;
        Ok(care_visit::Model {
            status: status.as_str().to_owned(),
            reason: record.reason,
            notes: record.notes,
            recorded_by: Some(me),
            recorded_at: Some(now),
            ..visit
        })
    }

    /// The alert a missed visit of `plan` raises: for an elder, to the household's current
    /// residents and the building's active managers; none for children and pets.
    async fn alert_for(
        &self,
        plan: &care_plan::Model,
        visit: &care_visit::Model,
    ) -> AppResult<Option<Alert>> {
        if plan.member_kind != HouseholdMemberKind::Elder.as_str() {
            return Ok(None);
        }
        let name = household_member::Entity::find_by_id(plan.household_member_id)
            .one(self.db())
            .await?
            .map_or_else(|| "an elder".to_owned(), |m| m.name);
        let mut recipients: Vec<Uuid> = residency::Entity::find()
            .select_only()
            .column(residency::Column::UserId)
            .filter(residency::Column::UnitId.eq(plan.unit_id))
            .filter(current_residency(self.state.clock.today()))
            .into_tuple()
            .all(self.db())
            .await?;
        let managers: Vec<Uuid> = staff_record::Entity::find()
            .select_only()
            .column(staff_record::Column::UserId)
            .filter(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
            .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
            .filter(
                staff_record::Column::Id.in_subquery(
                    Query::select()
                        .column(staff_building::Column::StaffId)
                        .from(staff_building::Entity)
                        .and_where(staff_building::Column::BuildingId.eq(plan.building_id))
                        .to_owned(),
                ),
            )
            .into_tuple()
            .all(self.db())
            .await?;
        recipients.extend(managers);
        let kind = CareVisitKind::parse(&plan.visit_kind).map_or("visit", |k| match k {
            CareVisitKind::CheckInCall => "check-in call",
            CareVisitKind::HomeVisit => "home visit",
            _ => "care visit",
        });
        Ok(Some(Alert {
            recipients,
            title: format!("Missed {kind}: {name}"),
            text: format!(
                "The {kind} due at {} UTC did not take place. Please check on {name} now.",
                visit.scheduled_at.format("%Y-%m-%d %H:%M")
            ),
        }))
    }

    /// The `care-visits` job: ends plans past their last day, makes visits of the occurrences
    /// due within [`LOOKAHEAD`], and marks visits nobody recorded in their window `MISSED`
    /// (alerting for elders). Each piece is claimed with a conditional update, so instances
    /// running together do each once. Returns the pieces done.
    pub async fn run_visits_job(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let today = self.state.clock.today();
        let mut done = 0;
        {
            let write = Write::begin(self.state).await?;
            let ended = care_plan::Entity::update_many()
                .col_expr(
                    care_plan::Column::Status,
                    Expr::value(CarePlanStatus::Ended.as_str()),
                )
                .col_expr(care_plan::Column::EndedAt, Expr::value(now))
                .col_expr(care_plan::Column::UpdatedAt, Expr::value(now))
                .filter(care_plan::Column::Status.eq(CarePlanStatus::Active.as_str()))
                .filter(care_plan::Column::EndsOn.lt(today))
                .exec(write.txn())
                .await?;
            write.commit().await?;
            done += ended.rows_affected as usize;
        }
        let horizon = (now + LOOKAHEAD).trunc_subsecs(0);
        let plans = care_plan::Entity::find()
            .filter(care_plan::Column::Status.eq(CarePlanStatus::Active.as_str()))
            .filter(care_plan::Column::MaterialisedUntil.lt(horizon))
            .order_by_asc(care_plan::Column::MaterialisedUntil)
            .limit(200)
            .all(self.db())
            .await?;
        for plan in plans {
            let schedule = schedule_of(&plan);
            let starts = schedule.occurrences(plan.materialised_until, horizon);
            let until = match starts.last() {
                Some(last) if starts.len() == MAX_OCCURRENCES => *last + Duration::seconds(1),
                _ => horizon,
            };
            let write = Write::begin(self.state).await?;
            let claimed = care_plan::Entity::update_many()
                .col_expr(care_plan::Column::MaterialisedUntil, Expr::value(until))
                .filter(care_plan::Column::Id.eq(plan.id))
                .filter(care_plan::Column::MaterialisedUntil.eq(plan.materialised_until))
                .filter(care_plan::Column::Status.eq(CarePlanStatus::Active.as_str()))
                .exec(write.txn())
                .await?;
            if claimed.rows_affected == 0 {
                continue;
            }
            if !starts.is_empty() {
                let rows = starts.iter().map(|at| {
                    care_visit::ActiveModel::from(care_visit::Model {
                        id: Uuid::now_v7(),
                        plan_id: plan.id,
                        scheduled_at: *at,
                        window_ends_at: *at + schedule.window(),
                        status: CareVisitStatus::Scheduled.as_str().to_owned(),
                        reason: None,
                        notes: None,
                        recorded_by: None,
                        recorded_at: None,
                        detected: false,
                        created_at: now,
                    })
                });
                care_visit::Entity::insert_many(rows)
                    .on_conflict(
                        OnConflict::columns([
                            care_visit::Column::PlanId,
                            care_visit::Column::ScheduledAt,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .exec_without_returning(write.txn())
                    .await?;
            }
            write.commit().await?;
            done += starts.len();
        }
        let due = care_visit::Entity::find()
            .filter(care_visit::Column::Status.eq(CareVisitStatus::Scheduled.as_str()))
            .filter(care_visit::Column::WindowEndsAt.lte(now))
            .order_by_asc(care_visit::Column::WindowEndsAt)
            .limit(200)
            .all(self.db())
            .await?;
        for visit in due {
            let Some(plan) = care_plan::Entity::find_by_id(visit.plan_id)
                .one(self.db())
                .await?
            else {
                continue;
            };
            let alert = self.alert_for(&plan, &visit).await?;
            let mut write = Write::begin(self.state).await?;
            let claimed = care_visit::Entity::update_many()
                .col_expr(
                    care_visit::Column::Status,
                    Expr::value(CareVisitStatus::Missed.as_str()),
                )
                .col_expr(care_visit::Column::Reason, Expr::value(NOT_RECORDED))
                .col_expr(care_visit::Column::Detected, Expr::value(true))
                .col_expr(care_visit::Column::RecordedAt, Expr::value(now))
                .filter(care_visit::Column::Id.eq(visit.id))
                .filter(care_visit::Column::Status.eq(CareVisitStatus::Scheduled.as_str()))
                .exec(write.txn())
                .await?;
            if claimed.rows_affected == 0 {
                continue;
            }
            if let Some(alert) = alert {
                send_alert(&mut write, alert, visit.id).await?;
            }
            write.commit().await?;
            done += 1;
        }
        Ok(done)
    }
}

/// Drops the visits of `plan_id` not yet due (a new schedule or the end makes them moot).
async fn drop_coming_visits(write: &Write<'_>, plan_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    care_visit::Entity::delete_many()
        .filter(care_visit::Column::PlanId.eq(plan_id))
        .filter(care_visit::Column::Status.eq(CareVisitStatus::Scheduled.as_str()))
        .filter(care_visit::Column::ScheduledAt.gt(now))
        .exec(write.txn())
        .await?;
    Ok(())
}

/// Sends `alert` about the visit `visit_id` as an `EMERGENCY` care notification (mutes do not
/// hold it back; each recipient's feed gets it live after the commit).
async fn send_alert(write: &mut Write<'_>, alert: Alert, visit_id: Uuid) -> AppResult<()> {
    Notifier::notify(
        write,
        alert.recipients,
        &Draft {
            category: NotificationCategory::Care,
            priority: NotificationPriority::Emergency,
            kind: "CARE_VISIT_MISSED".to_owned(),
            title: alert.title,
            text: alert.text,
            subject: SubjectRef {
                kind: VISIT_SUBJECT,
                id: visit_id,
            },
        },
    )
    .await?;
    Ok(())
}
