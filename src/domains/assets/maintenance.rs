//! Preventive maintenance: plans (per asset or per asset kind in a building, a checklist, a
//! calendar or meter recurrence, a category, a lead time), the job that creates each due
//! occurrence with its work order exactly once and escalates overdue ones once, completing
//! with checklist results (the work order's assignee) and skipping (managers).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, OnConflict},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    service::{AssetAccess, history_row, managers_of},
    types::{
        AssetHistoryKind, AssetKind, AssetStatus, MaintenanceOccurrenceStatus,
        MaintenancePlanStatus, MaintenanceRecurrence,
    },
};
use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        qualifications::service::expired_from,
        work_orders::{
            service::{OpenedElsewhere, open_in},
            types::WorkOrderChannel,
        },
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
    asset, asset_history, building, maintenance_occurrence, maintenance_plan, qualification,
    service_category, staff_record, work_order,
};

/// Notification subject type of an occurrence (overdue escalations).
pub const OCCURRENCE_SUBJECT: &str = "MAINTENANCE_OCCURRENCE";

/// Stored status of an occurrence whose work order is out.
const ORDERED: &str = "ORDERED";
/// Stored status of a completed occurrence.
const DONE: &str = "DONE";
/// Stored status of a skipped occurrence.
const SKIPPED: &str = "SKIPPED";
/// Most occurrences one plan and asset catch up on in one run.
const CATCH_UP: usize = 60;

/// One answered checklist item, as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChecklistResult {
    /// The item.
    pub item: String,
    /// In order.
    pub ok: bool,
    /// A note.
    pub note: Option<String>,
}

/// The checklist items stored as a JSON array.
pub fn checklist_of(stored: &str) -> Vec<String> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// An occurrence's status at `now`: `DONE` and `SKIPPED` as stored; an open one is `PLANNED`
/// before its due date, `ORDERED` from it, `OVERDUE` from its due moment plus the grace days.
pub fn occurrence_status(
    model: &maintenance_occurrence::Model,
    grace_days: i32,
    now: DateTime<Utc>,
) -> AppResult<MaintenanceOccurrenceStatus> {
    Ok(match model.status.as_str() {
        DONE => MaintenanceOccurrenceStatus::Done,
        SKIPPED => MaintenanceOccurrenceStatus::Skipped,
        ORDERED => {
            if now >= model.due_at + Duration::days(i64::from(grace_days)) {
                MaintenanceOccurrenceStatus::Overdue
            } else if now < model.due_at - Duration::days(1) {
                MaintenanceOccurrenceStatus::Planned
            } else {
                MaintenanceOccurrenceStatus::Ordered
            }
        }
        other => {
            return Err(AppError::internal(format!(
                "unknown occurrence status {other}"
            )));
        }
    })
}

/// The due date after `date` for a calendar plan.
fn step(recurrence: MaintenanceRecurrence, every: i32, date: NaiveDate) -> Option<NaiveDate> {
    let n = u32::try_from(every.max(1)).unwrap_or(1);
    match recurrence {
        MaintenanceRecurrence::Days => date.checked_add_signed(Duration::days(i64::from(n))),
        MaintenanceRecurrence::Weeks => date.checked_add_signed(Duration::weeks(i64::from(n))),
        MaintenanceRecurrence::Months => date.checked_add_months(Months::new(n)),
        MaintenanceRecurrence::Meter => None,
    }
}

/// The `k`-th due date from the anchor.
fn nth(
    recurrence: MaintenanceRecurrence,
    every: i32,
    anchor: NaiveDate,
    k: u32,
) -> Option<NaiveDate> {
    let n = u32::try_from(every.max(1)).unwrap_or(1);
    match recurrence {
        MaintenanceRecurrence::Days => {
            anchor.checked_add_signed(Duration::days(i64::from(n) * i64::from(k)))
        }
        MaintenanceRecurrence::Weeks => {
            anchor.checked_add_signed(Duration::weeks(i64::from(n) * i64::from(k)))
        }
        MaintenanceRecurrence::Months => anchor.checked_add_months(Months::new(n * k)),
        MaintenanceRecurrence::Meter => None,
    }
}

/// A new plan, checked.
#[derive(Clone, Debug)]
pub struct NewPlan {
    /// Building.
    pub building_id: Uuid,
    /// One asset (of the building).
    pub asset_id: Option<Uuid>,
    /// Or every asset of a kind in the building.
    pub asset_kind: Option<AssetKind>,
    /// Name.
    pub name: String,
    /// Checklist items, in order.
    pub checklist: Vec<String>,
    /// Recurrence.
    pub recurrence: MaintenanceRecurrence,
    /// Every N.
    pub every: i32,
    /// First due date (calendar plans).
    pub anchor_on: Option<NaiveDate>,
    /// Category of the work orders.
    pub category_id: Uuid,
    /// Qualification needed.
    pub qualification_id: Option<Uuid>,
    /// Lead days.
    pub lead_days: i32,
    /// Grace days.
    pub grace_days: i32,
}

/// Plan changes; `None` keeps a field.
#[derive(Clone, Debug, Default)]
pub struct PlanChanges {
    /// Name.
    pub name: Option<String>,
    /// Checklist.
    pub checklist: Option<Vec<String>>,
    /// Every N.
    pub every: Option<i32>,
    /// Anchor.
    pub anchor_on: Option<NaiveDate>,
    /// Category.
    pub category_id: Option<Uuid>,
    /// Qualification (`Some(None)` clears it).
    pub qualification_id: Option<Option<Uuid>>,
    /// Lead days.
    pub lead_days: Option<i32>,
    /// Grace days.
    pub grace_days: Option<i32>,
}

/// A plan list filter.
#[derive(Clone, Debug, Default)]
pub struct PlanFilter {
    /// One building.
    pub building_id: Option<Uuid>,
    /// One asset.
    pub asset_id: Option<Uuid>,
    /// One status.
    pub status: Option<MaintenancePlanStatus>,
}

/// What one run of the job did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOutcome {
    /// Occurrences (and work orders) created.
    pub created: usize,
    /// Overdue occurrences escalated.
    pub escalated: usize,
}

/// The maintenance service.
pub struct Maintenance<'a> {
    state: &'a AppState,
}

impl<'a> Maintenance<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        Maintenance { state }
    }

    fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.state.db
    }

    /// Plans the viewer sees, by building and name.
    pub async fn plans(
        &self,
        scope: &Scope,
        filter: PlanFilter,
        page: &PageRequest,
    ) -> AppResult<Page<maintenance_plan::Model>> {
        let access = AssetAccess::of(scope).await?;
        access.require_any()?;
        let mut query = maintenance_plan::Entity::find();
        if !access.all {
            query = query
                .filter(maintenance_plan::Column::BuildingId.is_in(access.sees.iter().copied()));
        }
        if let Some(b) = filter.building_id {
            query = query.filter(maintenance_plan::Column::BuildingId.eq(b));
        }
        if let Some(a) = filter.asset_id {
            query = query.filter(maintenance_plan::Column::AssetId.eq(a));
        }
        if let Some(s) = filter.status {
            query = query.filter(maintenance_plan::Column::Status.eq(s.as_str()));
        }
        Keyset::new()
            .asc(maintenance_plan::Column::BuildingId)
            .asc(maintenance_plan::Column::Name)
            .asc(maintenance_plan::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One plan the viewer sees.
    pub async fn plan(&self, scope: &Scope, id: Uuid) -> AppResult<maintenance_plan::Model> {
        let access = AssetAccess::of(scope).await?;
        let found = maintenance_plan::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("maintenance plan"))?;
        if !access.sees(found.building_id) {
            return Err(AppError::NotFound("maintenance plan"));
        }
        Ok(found)
    }

    /// A plan's occurrences, latest due first (the caller has checked the plan is visible).
    pub async fn occurrences_of(
        &self,
        plan: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<maintenance_occurrence::Model>> {
        Keyset::new()
            .desc(maintenance_occurrence::Column::DueAt)
            .desc(maintenance_occurrence::Column::Id)
            .fetch(
                self.db(),
                maintenance_occurrence::Entity::find()
                    .filter(maintenance_occurrence::Column::PlanId.eq(plan)),
                page,
            )
            .await
    }

    /// One occurrence: for those who see its building's assets, and its work order's assignee.
    pub async fn occurrence(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(maintenance_occurrence::Model, maintenance_plan::Model)> {
        let me = scope.require_user()?;
        let access = AssetAccess::of(scope).await?;
        let found = maintenance_occurrence::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("maintenance occurrence"))?;
        if !access.sees(found.building_id) && self.assignee_user(&found).await? != Some(me) {
            return Err(AppError::NotFound("maintenance occurrence"));
        }
        let plan = maintenance_plan::Entity::find_by_id(found.plan_id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("maintenance plan"))?;
        Ok((found, plan))
    }

    /// The occurrences among `ids` the viewer sees, with their plans' grace days.
    pub async fn occurrences_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<(maintenance_occurrence::Model, i32)>> {
        let access = AssetAccess::of(scope).await?;
        let found: Vec<_> = maintenance_occurrence::Entity::find()
            .filter(maintenance_occurrence::Column::Id.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|o| access.sees(o.building_id))
            .collect();
        let plans: HashMap<Uuid, i32> = maintenance_plan::Entity::find()
            .filter(maintenance_plan::Column::Id.is_in(found.iter().map(|o| o.plan_id)))
            .all(self.db())
            .await?
            .into_iter()
            .map(|p| (p.id, p.grace_days))
            .collect();
        Ok(found
            .into_iter()
            .map(|o| {
                let grace = plans.get(&o.plan_id).copied().unwrap_or(0);
                (o, grace)
            })
            .collect())
    }

    async fn assignee_user(
        &self,
        occurrence: &maintenance_occurrence::Model,
    ) -> AppResult<Option<Uuid>> {
        let Some(order) = occurrence.work_order_id else {
            return Ok(None);
        };
        let Some(order) = work_order::Entity::find_by_id(order).one(self.db()).await? else {
            return Ok(None);
        };
        let Some(staff) = order.assignee_id else {
            return Ok(None);
        };
        Ok(staff_record::Entity::find_by_id(staff)
            .one(self.db())
            .await?
            .map(|s| s.user_id))
    }

    /// Creates a plan (administrators, the building's managers).
    pub async fn create_plan(
        &self,
        scope: &Scope,
        new: NewPlan,
    ) -> AppResult<maintenance_plan::Model> {
        let me = scope.require_user()?;
        let access = AssetAccess::of(scope).await?;
        building::Entity::find_by_id(new.building_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.buildingId", "building"))?;
        if !access.manages(new.building_id) {
            return Err(AppError::Forbidden(
                "administrators and the building's managers make maintenance plans".to_owned(),
            ));
        }
        if let Some(asset_id) = new.asset_id {
            let found = asset::Entity::find_by_id(asset_id)
                .one(self.db())
                .await?
                .ok_or_else(|| AppError::unknown_id("input.assetId", "asset"))?;
            if found.building_id != new.building_id {
                return Err(AppError::bad_input(
                    "input.assetId",
                    "is an asset of another building",
                ));
            }
        }
        self.check_refs(Some(new.category_id), new.qualification_id)
            .await?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let model = maintenance_plan::Model {
            id: Uuid::now_v7(),
            building_id: new.building_id,
            asset_id: new.asset_id,
            asset_kind: new.asset_kind.map(|k| k.as_str().to_owned()),
            name: new.name,
            checklist: serde_json::to_string(&new.checklist).map_err(AppError::internal)?,
            recurrence: new.recurrence.as_str().to_owned(),
            every: new.every,
            anchor_on: new.anchor_on,
            category_id: new.category_id,
            qualification_id: new.qualification_id,
            lead_days: new.lead_days,
            grace_days: new.grace_days,
            status: MaintenancePlanStatus::Active.as_str().to_owned(),
            created_by: me,
            created_at: now,
            updated_at: now,
        };
        maintenance_plan::Entity::insert(maintenance_plan::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        write.commit().await?;
        Ok(model)
    }

    async fn check_refs(&self, category: Option<Uuid>, qual: Option<Uuid>) -> AppResult<()> {
        if let Some(c) = category {
            service_category::Entity::find_by_id(c)
                .one(self.db())
                .await?
                .filter(|c| c.active)
                .ok_or_else(|| AppError::unknown_id("input.categoryId", "service category"))?;
        }
        if let Some(q) = qual {
            qualification::Entity::find_by_id(q)
                .one(self.db())
                .await?
                .ok_or_else(|| AppError::unknown_id("input.qualificationId", "qualification"))?;
        }
        Ok(())
    }

    async fn for_change(&self, scope: &Scope, id: Uuid) -> AppResult<maintenance_plan::Model> {
        let current = self
            .plan(scope, id)
            .await
            .map_err(|e| e.on_field("input.id"))?;
        if !AssetAccess::of(scope).await?.manages(current.building_id) {
            return Err(AppError::Forbidden(
                "administrators and the building's managers change maintenance plans".to_owned(),
            ));
        }
        Ok(current)
    }

    /// Changes a plan (administrators, the building's managers).
    pub async fn update_plan(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: PlanChanges,
    ) -> AppResult<maintenance_plan::Model> {
        let current = self.for_change(scope, id).await?;
        self.check_refs(changes.category_id, changes.qualification_id.flatten())
            .await?;
        let mut next = current.clone();
        if let Some(name) = changes.name {
            next.name = name;
        }
        if let Some(items) = changes.checklist {
            next.checklist = serde_json::to_string(&items).map_err(AppError::internal)?;
        }
        if let Some(every) = changes.every {
            next.every = every;
        }
        if let Some(anchor) = changes.anchor_on {
            if next.recurrence == MaintenanceRecurrence::Meter.as_str() {
                return Err(AppError::bad_input(
                    "input.anchorOn",
                    "is for calendar plans only",
                ));
            }
            next.anchor_on = Some(anchor);
        }
        if let Some(c) = changes.category_id {
            next.category_id = c;
        }
        if let Some(q) = changes.qualification_id {
            next.qualification_id = q;
        }
        if let Some(l) = changes.lead_days {
            next.lead_days = l;
        }
        if let Some(g) = changes.grace_days {
            next.grace_days = g;
        }
        self.save(current, next).await
    }

    /// Pauses (`active: false`) or resumes a plan (administrators, the building's managers).
    pub async fn set_plan_active(
        &self,
        scope: &Scope,
        id: Uuid,
        active: bool,
    ) -> AppResult<maintenance_plan::Model> {
        let current = self.for_change(scope, id).await?;
        let to = if active {
            MaintenancePlanStatus::Active
        } else {
            MaintenancePlanStatus::Paused
        };
        if current.status == to.as_str() {
            return Err(AppError::InvalidState(format!(
                "the plan is already {}",
                to.as_str()
            )));
        }
        let mut next = current.clone();
        next.status = to.as_str().to_owned();
        self.save(current, next).await
    }

    async fn save(
        &self,
        current: maintenance_plan::Model,
        mut next: maintenance_plan::Model,
    ) -> AppResult<maintenance_plan::Model> {
        let write = Write::begin(self.state).await?;
        next.updated_at = write.now();
        let updated = maintenance_plan::Entity::update_many()
            .set(sea_orm::ActiveModelTrait::reset_all(
                maintenance_plan::ActiveModel::from(next.clone()),
            ))
            .filter(maintenance_plan::Column::Id.eq(current.id))
            .filter(maintenance_plan::Column::UpdatedAt.eq(current.updated_at))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: None,
                message: "the plan changed meanwhile; reload it and try again".to_owned(),
            });
        }
        write.commit().await?;
        Ok(next)
    }

    /// Completes an occurrence with an answer for every checklist item (its work order's
    /// assignee only).
    pub async fn complete(
        &self,
        scope: &Scope,
        id: Uuid,
        results: Vec<ChecklistResult>,
    ) -> AppResult<(maintenance_occurrence::Model, maintenance_plan::Model)> {
        let me = scope.require_user()?;
        let (found, plan) = self
            .occurrence(scope, id)
            .await
            .map_err(|e| e.on_field("input.occurrenceId"))?;
        if self.assignee_user(&found).await? != Some(me) {
            return Err(AppError::Forbidden(
                "only the assignee of its work order completes a maintenance occurrence".to_owned(),
            ));
        }
        if found.status != ORDERED {
            return Err(AppError::InvalidState(format!(
                "the occurrence is {}",
                found.status
            )));
        }
        let items = checklist_of(&plan.checklist);
        let mut answered = HashSet::new();
        for result in &results {
            if !items.contains(&result.item) {
                return Err(AppError::bad_input(
                    "input.results",
                    format!("\"{}\" is not an item of the checklist", result.item),
                ));
            }
            if !answered.insert(result.item.clone()) {
                return Err(AppError::bad_input(
                    "input.results",
                    format!("\"{}\" is answered twice", result.item),
                ));
            }
        }
        if let Some(missing) = items.iter().find(|i| !answered.contains(*i)) {
            return Err(AppError::bad_input(
                "input.results",
                format!("every checklist item needs an answer; \"{missing}\" has none"),
            ));
        }
        // Stored in the checklist's order.
        let mut ordered = results;
        ordered.sort_by_key(|r| items.iter().position(|i| *i == r.item));
        let text = serde_json::to_string(&ordered).map_err(AppError::internal)?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let updated = maintenance_occurrence::Entity::update_many()
            .col_expr(maintenance_occurrence::Column::Status, Expr::value(DONE))
            .col_expr(
                maintenance_occurrence::Column::Results,
                Expr::value(text.clone()),
            )
            .col_expr(maintenance_occurrence::Column::CompletedBy, Expr::value(me))
            .col_expr(
                maintenance_occurrence::Column::CompletedAt,
                Expr::value(now),
            )
            .filter(maintenance_occurrence::Column::Id.eq(id))
            .filter(maintenance_occurrence::Column::Status.eq(ORDERED))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "the occurrence was resolved meanwhile".to_owned(),
            ));
        }
        write.commit().await?;
        let mut next = found;
        next.status = DONE.to_owned();
        next.results = Some(text);
        next.completed_by = Some(me);
        next.completed_at = Some(now);
        Ok((next, plan))
    }

    /// Skips an open occurrence with a reason (administrators, the building's managers).
    pub async fn skip(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: String,
    ) -> AppResult<(maintenance_occurrence::Model, maintenance_plan::Model)> {
        let (found, plan) = self
            .occurrence(scope, id)
            .await
            .map_err(|e| e.on_field("input.occurrenceId"))?;
        if !AssetAccess::of(scope).await?.manages(found.building_id) {
            return Err(AppError::Forbidden(
                "administrators and the building's managers skip maintenance".to_owned(),
            ));
        }
        if found.status != ORDERED {
            return Err(AppError::InvalidState(format!(
                "the occurrence is {}",
                found.status
            )));
        }
        let write = Write::begin(self.state).await?;
        let updated = maintenance_occurrence::Entity::update_many()
            .col_expr(maintenance_occurrence::Column::Status, Expr::value(SKIPPED))
            .col_expr(
                maintenance_occurrence::Column::SkipReason,
                Expr::value(reason.clone()),
            )
            .filter(maintenance_occurrence::Column::Id.eq(id))
            .filter(maintenance_occurrence::Column::Status.eq(ORDERED))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "the occurrence was resolved meanwhile".to_owned(),
            ));
        }
        write.commit().await?;
        let mut next = found;
        next.status = SKIPPED.to_owned();
        next.skip_reason = Some(reason);
        Ok((next, plan))
    }

    /// The job: creates every due occurrence with its work order (once across instances) and
    /// escalates every overdue one (once).
    pub async fn run(&self) -> AppResult<RunOutcome> {
        let now = self.state.clock.now();
        let today = now.date_naive();
        let plans = maintenance_plan::Entity::find()
            .filter(maintenance_plan::Column::Status.eq(MaintenancePlanStatus::Active.as_str()))
            .order_by_asc(maintenance_plan::Column::Id)
            .all(self.db())
            .await?;
        let mut outcome = RunOutcome::default();
        for plan in plans {
            let recurrence = MaintenanceRecurrence::from_stored(&plan.recurrence)?;
            let mut assets = asset::Entity::find()
                .filter(asset::Column::BuildingId.eq(plan.building_id))
                .filter(asset::Column::Status.ne(AssetStatus::Retired.as_str()));
            assets = match (plan.asset_id, plan.asset_kind.as_deref()) {
                (Some(id), _) => assets.filter(asset::Column::Id.eq(id)),
                (None, Some(kind)) => assets.filter(asset::Column::Kind.eq(kind)),
                (None, None) => continue,
            };
            let assets = assets
                .order_by_asc(asset::Column::Id)
                .all(self.db())
                .await?;
            for target in assets {
                let existing = maintenance_occurrence::Entity::find()
                    .filter(maintenance_occurrence::Column::PlanId.eq(plan.id))
                    .filter(maintenance_occurrence::Column::AssetId.eq(target.id))
                    .all(self.db())
                    .await?;
                let due = if recurrence == MaintenanceRecurrence::Meter {
                    meter_due(&plan, &target, &existing, today)
                } else {
                    calendar_due(&plan, recurrence, &existing, today)
                };
                for (key, due_at, threshold) in due {
                    if self.create(&plan, &target, key, due_at, threshold).await? {
                        outcome.created += 1;
                    }
                }
            }
        }
        outcome.escalated = self.escalate(now).await?;
        Ok(outcome)
    }

    /// Inserts one occurrence and opens its work order in the same write; `false` when another
    /// run (here or on another instance) created it first.
    async fn create(
        &self,
        plan: &maintenance_plan::Model,
        target: &asset::Model,
        due_key: String,
        due_at: DateTime<Utc>,
        threshold: Option<f64>,
    ) -> AppResult<bool> {
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let occurrence = maintenance_occurrence::Model {
            id: Uuid::now_v7(),
            plan_id: plan.id,
            asset_id: target.id,
            building_id: target.building_id,
            due_key,
            due_at,
            meter_threshold: threshold,
            status: ORDERED.to_owned(),
            work_order_id: None,
            escalated: false,
            results: None,
            completed_by: None,
            completed_at: None,
            skip_reason: None,
            created_at: now,
        };
        let inserted = maintenance_occurrence::Entity::insert(
            maintenance_occurrence::ActiveModel::from(occurrence.clone()),
        )
        .on_conflict(
            OnConflict::columns([
                maintenance_occurrence::Column::PlanId,
                maintenance_occurrence::Column::AssetId,
                maintenance_occurrence::Column::DueKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        if inserted != 1 {
            // Dropping the write rolls it back: nothing was written.
            return Ok(false);
        }
        let items = checklist_of(&plan.checklist);
        let description = std::iter::once(format!(
            "Preventive maintenance due {} ({}).",
            due_at.date_naive() - Duration::days(1),
            plan.name
        ))
        .chain(items.iter().map(|i| format!("- {i}")))
        .collect::<Vec<_>>()
        .join("\n")
        .chars()
        .take(4000)
        .collect();
        let order = open_in(
            &mut write,
            OpenedElsewhere {
                building_id: target.building_id,
                location: format!("{} ({})", target.location, target.code)
                    .chars()
                    .take(200)
                    .collect(),
                category_id: plan.category_id,
                requester_id: plan.created_by,
                channel: WorkOrderChannel::Maintenance,
                title: format!("{}: {}", plan.name, target.name)
                    .chars()
                    .take(200)
                    .collect(),
                description,
                asset_id: Some(target.id),
            },
        )
        .await?;
        maintenance_occurrence::Entity::update_many()
            .col_expr(
                maintenance_occurrence::Column::WorkOrderId,
                Expr::value(order.id),
            )
            .filter(maintenance_occurrence::Column::Id.eq(occurrence.id))
            .exec(write.txn())
            .await?;
        history_row(
            write.txn(),
            asset_history::Model {
                id: Uuid::now_v7(),
                asset_id: target.id,
                kind: AssetHistoryKind::Maintenance.as_str().to_owned(),
                at: now,
                work_order_id: Some(order.id),
                occurrence_id: Some(occurrence.id),
                from_status: None,
                to_status: None,
                reason: None,
                actor_id: None,
            },
        )
        .await?;
        write.commit().await?;
        Ok(true)
    }

    /// Escalates each open occurrence past its due moment plus its plan's grace days, once (a
    /// conditional update on `escalated`): the building's managers are told, as an emergency
    /// for fire equipment and elevators.
    async fn escalate(&self, now: DateTime<Utc>) -> AppResult<usize> {
        let open = maintenance_occurrence::Entity::find()
            .filter(maintenance_occurrence::Column::Status.eq(ORDERED))
            .filter(maintenance_occurrence::Column::Escalated.eq(false))
            .filter(maintenance_occurrence::Column::DueAt.lte(now))
            .all(self.db())
            .await?;
        let mut done = 0;
        for occurrence in open {
            let Some(plan) = maintenance_plan::Entity::find_by_id(occurrence.plan_id)
                .one(self.db())
                .await?
            else {
                continue;
            };
            if occurrence_status(&occurrence, plan.grace_days, now)?
                != MaintenanceOccurrenceStatus::Overdue
            {
                continue;
            }
            let Some(target) = asset::Entity::find_by_id(occurrence.asset_id)
                .one(self.db())
                .await?
            else {
                continue;
            };
            let managers = managers_of(self.db(), occurrence.building_id).await?;
            let critical = AssetKind::parse(&target.kind).is_some_and(AssetKind::safety_critical);
            let mut write = Write::begin(self.state).await?;
            let claimed = maintenance_occurrence::Entity::update_many()
                .col_expr(maintenance_occurrence::Column::Escalated, Expr::value(true))
                .filter(maintenance_occurrence::Column::Id.eq(occurrence.id))
                .filter(maintenance_occurrence::Column::Status.eq(ORDERED))
                .filter(maintenance_occurrence::Column::Escalated.eq(false))
                .exec(write.txn())
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            Notifier::notify(
                &mut write,
                managers,
                &Draft {
                    category: NotificationCategory::Facility,
                    priority: if critical {
                        NotificationPriority::Emergency
                    } else {
                        NotificationPriority::Important
                    },
                    kind: "MAINTENANCE_OVERDUE".to_owned(),
                    title: format!("Maintenance overdue: {} ({})", target.name, target.code),
                    text: format!(
                        "{}, due {}, is not done",
                        plan.name,
                        occurrence.due_at.date_naive() - Duration::days(1)
                    ),
                    subject: SubjectRef {
                        kind: OCCURRENCE_SUBJECT,
                        id: occurrence.id,
                    },
                },
            )
            .await?;
            write.commit().await?;
            done += 1;
        }
        Ok(done)
    }
}

/// The due occurrences of a calendar plan for one asset not yet created: from the first due
/// date on or after the plan's creation (or after the last occurrence), each whose work order
/// is due by `today` (its due date minus the lead days).
fn calendar_due(
    plan: &maintenance_plan::Model,
    recurrence: MaintenanceRecurrence,
    existing: &[maintenance_occurrence::Model],
    today: NaiveDate,
) -> Vec<(String, DateTime<Utc>, Option<f64>)> {
    let Some(anchor) = plan.anchor_on else {
        return Vec::new();
    };
    let last = existing
        .iter()
        .filter_map(|o| NaiveDate::parse_from_str(&o.due_key, "%Y-%m-%d").ok())
        .max();
    let mut next = match last {
        Some(last) => step(recurrence, plan.every, last),
        None => {
            let start = plan.created_at.date_naive().max(anchor);
            (0..10_000u32)
                .map_while(|k| nth(recurrence, plan.every, anchor, k))
                .find(|d| *d >= start)
        }
    };
    let lead = Duration::days(i64::from(plan.lead_days));
    let mut out = Vec::new();
    while let Some(date) = next {
        if date - lead > today || out.len() >= CATCH_UP {
            break;
        }
        out.push((
            date.format("%Y-%m-%d").to_string(),
            expired_from(date),
            None,
        ));
        next = step(recurrence, plan.every, date);
    }
    out
}

/// The due occurrence of a meter plan for one asset, if its reading passed a multiple of the
/// plan's interval that has no occurrence yet: due at the end of `today`.
fn meter_due(
    plan: &maintenance_plan::Model,
    target: &asset::Model,
    existing: &[maintenance_occurrence::Model],
    today: NaiveDate,
) -> Vec<(String, DateTime<Utc>, Option<f64>)> {
    let Some(value) = target.meter_value else {
        return Vec::new();
    };
    let every = f64::from(plan.every.max(1));
    let threshold = (value / every).floor() * every;
    let last = existing
        .iter()
        .filter_map(|o| o.meter_threshold)
        .fold(0.0_f64, f64::max);
    if threshold < every || threshold <= last {
        return Vec::new();
    }
    // Due the day the job finds it (the reading may have been taken earlier).
    let due = expired_from(today);
    vec![(format!("meter:{threshold}"), due, Some(threshold))]
}
