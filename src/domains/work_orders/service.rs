//! Work-order rules: submission, dispatch (assign, grab, automatic), every transition through
//! the one table in [`super::flow`], service-level clocks, ratings, comments and urging.
//!
//! Every change runs in one [`Write`]: the conditional update of the order (its `version` must
//! still be the one read, so of two concurrent changes one wins and the other gets `CONFLICT`),
//! the timeline entry, the live event and the notifications commit together or not at all.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Statement, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::{Relation, relation, visible},
    flow::{self, OPEN, REQUESTER_MAY_CANCEL, TERMINAL},
    types::{
        CommentVisibility, EligibleStaff, HoldReason, IneligibleReason, WorkOrderAction,
        WorkOrderChannel, WorkOrderEntry, WorkOrderStatus,
    },
};
use crate::{
    app::AppState,
    domains::{
        catalogue::types::{DispatchMode, Priority},
        estate::{access::Scope, types::StaffPost},
    },
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{
    service_category, service_category_sla, staff_building, staff_category, staff_record, unit,
    work_order, work_order_assistant, work_order_comment, work_order_entry, work_order_rating,
};

/// Event kind of every work-order change.
pub const CHANGED: &str = "WORK_ORDER_CHANGED";
/// Subject type of work-order notifications.
pub const SUBJECT: &str = SubjectRef::WORK_ORDER;
/// Most open orders one staff member may hold.
pub const MAX_OPEN_ORDERS: u64 = 10;
/// Orders a resident may submit in 24 hours.
pub const DAILY_ORDER_CAP: u64 = 5;
/// Days after resolution in which the requester may reopen.
pub const REOPEN_WINDOW_DAYS: i64 = 7;
/// Days after resolution after which an unrated order closes by itself.
pub const AUTO_CLOSE_DAYS: i64 = 7;
/// Least time between two urges of one order.
pub const URGE_INTERVAL_MINUTES: i64 = 60;

/// A logged change, as it travels on the bus: the order after it, and the entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    /// The order after the change.
    pub order: work_order::Model,
    /// The timeline entry.
    pub entry: work_order_entry::Model,
}

/// What a new order says.
pub struct NewWorkOrder {
    /// Catalogue category.
    pub category_id: Uuid,
    /// Unit (or a location in a building).
    pub unit_id: Option<Uuid>,
    /// Building, when no unit is given (public areas).
    pub building_id: Option<Uuid>,
    /// Public-area location.
    pub location: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Priority; the category's default when absent.
    pub priority: Option<Priority>,
    /// Channel; `APP` for residents, required context for staff.
    pub channel: Option<WorkOrderChannel>,
    /// Requester when staff enter it on a resident's behalf.
    pub on_behalf_of: Option<Uuid>,
    /// The booked offering (of the category).
    pub offering_id: Option<Uuid>,
    /// The booked slot of that offering; a full slot is `CONFLICT`.
    pub slot_id: Option<Uuid>,
    /// The household member the service is for (a member of the order's unit, where the
    /// requester lives).
    pub household_member_id: Option<Uuid>,
    /// The facility asset it concerns (staff and managers; in the order's building).
    pub asset_id: Option<Uuid>,
}

/// A submitted order and any warnings for the requester.
pub struct Submitted {
    /// The order.
    pub order: work_order::Model,
    /// Warnings (e.g. the same text was submitted within 24 hours).
    pub warnings: Vec<String>,
}

/// A work order checked and ready to write (see [`WorkOrderService::prepare_create`]).
pub struct Prepared {
    me: Uuid,
    now: DateTime<Utc>,
    requester: Uuid,
    channel: WorkOrderChannel,
    building_id: Uuid,
    unit_id: Option<Uuid>,
    policy: Policy,
    priority: Priority,
    warnings: Vec<String>,
    new: NewWorkOrder,
}

impl Prepared {
    /// The requester the order will have.
    pub fn requester(&self) -> Uuid {
        self.requester
    }
}

/// A rating as given.
pub struct NewRating {
    /// Overall, 1–5.
    pub score: i32,
    /// Speed, 1–5.
    pub speed: Option<i32>,
    /// Attitude, 1–5.
    pub attitude: Option<i32>,
    /// Quality, 1–5.
    pub quality: Option<i32>,
    /// Tags.
    pub tags: Vec<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Not fixed: reopens the order.
    pub not_fixed: bool,
}

/// The dispatch mode and SLA of an order's category.
struct Policy {
    category: service_category::Model,
    response_minutes: i64,
    resolution_minutes: i64,
}

/// How one change sets the order's columns beyond its status.
#[derive(Default)]
struct Edit {
    assignee: Option<Option<Uuid>>,
    first_response: bool,
    resolved: bool,
    closed: bool,
    hold: Option<Option<HoldReason>>,
    reopened: bool,
    resolution: Option<String>,
    amount: Option<Option<String>>,
}

/// Work-order rules over the application state.
pub struct WorkOrderService<'a> {
    state: &'a AppState,
}

impl<'a> WorkOrderService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        WorkOrderService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// One order the viewer may see, with how they relate to it; `NOT_FOUND` otherwise.
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<(work_order::Model, Relation)> {
        scope.require_user()?;
        let order = work_order::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("work order"))?;
        let rel = relation(scope, &order).await?;
        if !rel.sees {
            return Err(AppError::NotFound("work order"));
        }
        Ok((order, rel))
    }

    /// The orders among `ids` the viewer may see, with how they relate to each (one statement),
    /// e.g. the subjects of a page of notifications.
    pub async fn visible_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<Vec<(work_order::Model, Relation)>> {
        let ids: HashSet<Uuid> = ids.into_iter().collect();
        if ids.is_empty() || scope.user_id.is_none() {
            return Ok(Vec::new());
        }
        let mut query = work_order::Entity::find().filter(work_order::Column::Id.is_in(ids));
        if let Some(condition) = visible(scope).await? {
            query = query.filter(condition);
        }
        let mut out = Vec::new();
        for order in query.all(self.db()).await? {
            let rel = relation(scope, &order).await?;
            out.push((order, rel));
        }
        Ok(out)
    }

    /// The orders the viewer may see, newest first, filtered.
    pub async fn list(
        &self,
        scope: &Scope,
        statuses: Option<Vec<WorkOrderStatus>>,
        building: Option<Uuid>,
        mine: bool,
        page: &PageRequest,
    ) -> AppResult<Page<work_order::Model>> {
        let me = scope.require_user()?;
        let mut query = work_order::Entity::find();
        if let Some(condition) = visible(scope).await? {
            query = query.filter(condition);
        }
        if let Some(statuses) = statuses {
            query =
                query.filter(work_order::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
        }
        if let Some(building) = building {
            query = query.filter(work_order::Column::BuildingId.eq(building));
        }
        if mine {
            query = query.filter(work_order::Column::RequesterId.eq(me));
        }
        Keyset::<work_order::Entity>::new()
            .desc(work_order::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    async fn policy<C: ConnectionTrait>(
        db: &C,
        category_id: Uuid,
        priority: Option<Priority>,
    ) -> AppResult<(Policy, Priority)> {
        let category = service_category::Entity::find_by_id(category_id)
            .one(db)
            .await?
            .filter(|c| c.active)
            .ok_or_else(|| {
                AppError::bad_input("input.categoryId", "names no active service category")
            })?;
        let priority = match priority {
            Some(priority) => priority,
            None => Priority::from_stored(&category.default_priority)?,
        };
        let sla =
            service_category_sla::Entity::find_by_id((category_id, priority.as_str().to_owned()))
                .one(db)
                .await?
                .ok_or_else(|| {
                    AppError::internal(format!(
                        "category {category_id} has no SLA for {}",
                        priority.as_str()
                    ))
                })?;
        Ok((
            Policy {
                category,
                response_minutes: i64::from(sla.response_minutes),
                resolution_minutes: i64::from(sla.resolution_minutes),
            },
            priority,
        ))
    }

    /// Submits an order: a resident for a unit they live in (or a public area of their
    /// building), staff on a resident's behalf, or an administrator. Residents may submit
    /// [`DAILY_ORDER_CAP`] orders a day; the same text twice within 24 hours is accepted with a
    /// warning.
    pub async fn create(&self, scope: &Scope, new: NewWorkOrder) -> AppResult<Submitted> {
        let prepared = self.prepare_create(scope, new).await?;
        let mut write = Write::begin(self.state).await?;
        let submitted = self.create_in(&mut write, prepared).await?;
        write.commit().await?;
        Ok(submitted)
    }

    /// Everything [`WorkOrderService::create`] checks before it writes (who may submit what,
    /// where, the category and the daily cap): reads only, so a caller runs it before its own
    /// [`Write::begin`] and then [`WorkOrderService::create_in`] inside that write (the service
    /// centre opens an order from an appointment in one transaction this way).
    pub async fn prepare_create(&self, scope: &Scope, new: NewWorkOrder) -> AppResult<Prepared> {
        let me = scope.require_user()?;
        let now = self.state.clock.now();
        let staff_side = scope.admin
            || scope
                .facet::<super::access::WorkStaff>()
                .await?
                .id
                .is_some();
        let requester = match new.on_behalf_of {
            Some(user) if staff_side => user,
            Some(_) => {
                return Err(AppError::Forbidden(
                    "only staff enter orders on a resident's behalf".to_owned(),
                ));
            }
            None => me,
        };
        let channel = match (new.channel, staff_side) {
            (Some(channel), true) => channel,
            (None, true) if new.on_behalf_of.is_some() => WorkOrderChannel::StaffOnBehalf,
            (_, _) => WorkOrderChannel::App,
        };
        // Where: a unit, or a location in a building.
        let (building_id, unit_id) = match (new.unit_id, new.building_id) {
            (Some(unit_id), _) => {
                let unit = unit::Entity::find_by_id(unit_id)
                    .one(self.db())
                    .await?
                    .ok_or(AppError::NotFound("unit"))?;
                (unit.building_id, Some(unit.id))
            }
            (None, Some(building)) => {
                if new.location.as_deref().is_none_or(str::is_empty) {
                    return Err(AppError::bad_input(
                        "input.location",
                        "is required for an order on a public area (no unit)",
                    ));
                }
                (building, None)
            }
            (None, None) => {
                return Err(AppError::bad_input(
                    "input.unitId",
                    "give a unit, or a building and a location",
                ));
            }
        };
        if !staff_side {
            let home = scope.resident().await?;
            let allowed = match unit_id {
                Some(unit) => home.units.contains(&unit),
                None => home.buildings.contains(&building_id),
            };
            if !allowed {
                return Err(AppError::Forbidden(
                    "residents open orders for their own home or building".to_owned(),
                ));
            }
        }
        if let Some(member) = new.household_member_id {
            self.check_household_member(member, unit_id, requester, staff_side)
                .await?;
        }
        if let Some(asset_id) = new.asset_id {
            if !staff_side {
                return Err(AppError::Forbidden(
                    "only staff link a work order to an asset".to_owned(),
                ));
            }
            crate::domains::assets::service::check_in_building(self.db(), asset_id, building_id)
                .await?;
        }
        let (policy, priority) = Self::policy(self.db(), new.category_id, new.priority).await?;
        if !staff_side && !policy.category.requestable {
            return Err(AppError::Forbidden(
                "this category is not open to residents' requests".to_owned(),
            ));
        }
        let mut warnings = Vec::new();
        if !staff_side {
            let since = now - Duration::hours(24);
            let recent = work_order::Entity::find()
                .filter(work_order::Column::RequesterId.eq(requester))
                .filter(work_order::Column::CreatedAt.gt(since))
                .all(self.db())
                .await?;
            if recent.len() as u64 >= DAILY_ORDER_CAP {
                let oldest = recent.iter().map(|o| o.created_at).min().unwrap_or(now);
                let wait = Ord::max((oldest + Duration::hours(24) - now).num_seconds(), 1);
                return Err(AppError::RateLimited {
                    retry_after_secs: u64::try_from(wait).unwrap_or(1),
                });
            }
            if recent
                .iter()
                .any(|o| o.title == new.title && o.description == new.description)
            {
                warnings.push(
                    "you submitted an order with the same text within the last 24 hours".to_owned(),
                );
            }
        }
        Ok(Prepared {
            me,
            now,
            requester,
            channel,
            building_id,
            unit_id,
            policy,
            priority,
            warnings,
            new,
        })
    }

    /// `BAD_USER_INPUT` on `input.householdMemberId` unless `member` belongs to the order's unit
    /// and the requester lives there now (a resident's own home was checked already).
    async fn check_household_member(
        &self,
        member: Uuid,
        unit_id: Option<Uuid>,
        requester: Uuid,
        staff_side: bool,
    ) -> AppResult<()> {
        let refuse = || {
            AppError::bad_input(
                "input.householdMemberId",
                "must be a member of the requester's household (the order's unit)",
            )
        };
        let found = entity::household_member::Entity::find_by_id(member)
            .one(self.db())
            .await?
            .ok_or_else(refuse)?;
        if Some(found.unit_id) != unit_id {
            return Err(refuse());
        }
        if staff_side {
            let lives_there = entity::residency::Entity::find()
                .filter(entity::residency::Column::UserId.eq(requester))
                .filter(entity::residency::Column::UnitId.eq(found.unit_id))
                .filter(crate::domains::estate::access::current_residency(
                    self.state.clock.today(),
                ))
                .one(self.db())
                .await?
                .is_some();
            if !lives_there {
                return Err(refuse());
            }
        }
        Ok(())
    }

    /// Writes a prepared order inside `write` (which the caller commits): its number, the
    /// booked slot's place, the order, its timeline entry and event, and automatic dispatch.
    pub async fn create_in(
        &self,
        write: &mut Write<'_>,
        prepared: Prepared,
    ) -> AppResult<Submitted> {
        let Prepared {
            me,
            now,
            requester,
            channel,
            building_id,
            unit_id,
            policy,
            priority,
            warnings,
            new,
        } = prepared;
        let number = next_number(write.txn(), now.year()).await?;
        // Booking takes the slot's place in the same transaction (a conditional update: a full
        // slot is `CONFLICT`, never an overbooking).
        let offering_id = match new.offering_id {
            Some(offering) => {
                let found = entity::service_offering::Entity::find_by_id(offering)
                    .one(write.txn())
                    .await?
                    .filter(|o| o.category_id == policy.category.id && o.active)
                    .ok_or_else(|| {
                        AppError::bad_input(
                            "input.offeringId",
                            "names no active offering of this category",
                        )
                    })?;
                Some(found.id)
            }
            None => None,
        };
        let slot_id = match (new.slot_id, offering_id) {
            (Some(slot), Some(offering)) => {
                crate::domains::catalogue::service::book_slot(write.txn(), offering, slot, now)
                    .await?;
                Some(slot)
            }
            (Some(_), None) => {
                return Err(AppError::bad_input(
                    "input.slotId",
                    "needs the offering it belongs to (input.offeringId)",
                ));
            }
            (None, _) => None,
        };
        let (order, auto_assigned) = insert_submitted(
            write,
            Fresh {
                number,
                building_id,
                unit_id,
                location: new.location.filter(|l| !l.is_empty()),
                policy,
                priority,
                offering_id,
                slot_id,
                requester_id: requester,
                channel,
                title: new.title,
                description: new.description,
                actor: me,
                household_member_id: new.household_member_id,
                asset_id: new.asset_id,
            },
        )
        .await?;
        if auto_assigned {
            notify_requester(write, &order, WorkOrderAction::AutoAssign).await?;
        }
        Ok(Submitted { order, warnings })
    }

    /// Loads an order for a change by the viewer, checking the version they saw.
    async fn for_change(
        &self,
        write: &Write<'_>,
        scope: &Scope,
        id: Uuid,
        expected_version: Option<i32>,
    ) -> AppResult<(work_order::Model, Relation)> {
        let order = work_order::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("work order"))?;
        let rel = relation(scope, &order).await?;
        if !rel.sees {
            return Err(AppError::NotFound("work order"));
        }
        if let Some(expected) = expected_version
            && expected != order.version
        {
            return Err(stale());
        }
        Ok((order, rel))
    }

    /// Applies one transition: the conditional update, the timeline entry and the live event.
    #[allow(clippy::too_many_arguments)]
    async fn apply(
        &self,
        write: &mut Write<'_>,
        order: &work_order::Model,
        actor: Option<Uuid>,
        action: WorkOrderAction,
        reason: Option<String>,
        internal: bool,
        edit: Edit,
    ) -> AppResult<work_order::Model> {
        let from = WorkOrderStatus::from_stored(&order.status)?;
        let to = flow::next(from, action)?;
        let now = write.now();
        let mut next = order.clone();
        next.status = to.as_str().to_owned();
        next.version = order.version + 1;
        next.updated_at = now;
        if let Some(assignee) = edit.assignee {
            next.assignee_id = assignee;
        }
        if edit.first_response && next.first_response_at.is_none() {
            next.first_response_at = Some(now);
            next.response_breached = next.response_breached || now > next.response_due_at;
        }
        if let Some(hold) = edit.hold {
            match hold {
                Some(reason) => {
                    next.hold_reason = Some(reason.as_str().to_owned());
                    if reason.pauses() {
                        next.paused_at = Some(now);
                    }
                }
                None => {
                    next.hold_reason = None;
                    if let Some(paused_at) = next.paused_at.take() {
                        // Whole seconds, so the due times move exactly by `pausedSeconds`.
                        let paused = Duration::seconds((now - paused_at).num_seconds());
                        next.paused_seconds += paused.num_seconds();
                        if next.first_response_at.is_none() {
                            next.response_due_at += paused;
                        }
                        next.resolution_due_at += paused;
                    }
                }
            }
        }
        if edit.resolved {
            next.resolved_at = Some(now);
            next.resolution_breached = next.resolution_breached || now > next.resolution_due_at;
        }
        if edit.closed {
            next.closed_at = Some(now);
        }
        if edit.reopened {
            next.reopen_count += 1;
            next.resolved_at = None;
            if next.reopen_count >= 2 {
                next.escalated = true;
            }
        }
        if let Some(resolution) = edit.resolution {
            next.resolution = Some(resolution);
        }
        if let Some(amount) = edit.amount {
            next.amount = amount;
        }
        // Every column is written from `next`; the version condition guards against lost
        // updates.
        let model =
            sea_orm::ActiveModelTrait::reset_all(work_order::ActiveModel::from(next.clone()));
        let updated = work_order::Entity::update_many()
            .set(model)
            .filter(work_order::Column::Id.eq(order.id))
            .filter(work_order::Column::Version.eq(order.version))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(stale());
        }
        // A cancelled or rejected booking frees its slot, in the same transaction.
        if matches!(to, WorkOrderStatus::Cancelled | WorkOrderStatus::Rejected)
            && let Some(slot) = next.slot_id
        {
            crate::domains::catalogue::service::release_slot(write.txn(), slot).await?;
        }
        let entry = entry(&next, actor, action, Some(from), to, reason, internal, now);
        record(write, &next, entry).await?;
        Ok(next)
    }

    /// Runs `action` on order `id` for the viewer, after `check` approves of how they relate to
    /// it; notifies the requester.
    #[allow(clippy::too_many_arguments)]
    async fn act(
        &self,
        scope: &Scope,
        id: Uuid,
        expected_version: Option<i32>,
        action: WorkOrderAction,
        reason: Option<String>,
        check: impl FnOnce(&work_order::Model, &Relation) -> AppResult<Edit>,
    ) -> AppResult<work_order::Model> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, expected_version).await?;
        let edit = check(&order, &rel)?;
        let next = self
            .apply(&mut write, &order, Some(me), action, reason, false, edit)
            .await?;
        notify_requester(&mut write, &next, action).await?;
        write.commit().await?;
        Ok(next)
    }

    /// Assigns (or reassigns) an order to an eligible staff member: dispatchers only.
    pub async fn assign(
        &self,
        scope: &Scope,
        id: Uuid,
        staff_id: Uuid,
        reason: Option<String>,
        expected_version: Option<i32>,
    ) -> AppResult<work_order::Model> {
        self.hand_over(
            scope,
            id,
            staff_id,
            reason,
            expected_version,
            WorkOrderAction::Assign,
        )
        .await
    }

    /// Hands an order to another eligible staff member: its assignee or a dispatcher.
    pub async fn transfer(
        &self,
        scope: &Scope,
        id: Uuid,
        staff_id: Uuid,
        reason: Option<String>,
        expected_version: Option<i32>,
    ) -> AppResult<work_order::Model> {
        self.hand_over(
            scope,
            id,
            staff_id,
            reason,
            expected_version,
            WorkOrderAction::Transfer,
        )
        .await
    }

    async fn hand_over(
        &self,
        scope: &Scope,
        id: Uuid,
        staff_id: Uuid,
        reason: Option<String>,
        expected_version: Option<i32>,
        action: WorkOrderAction,
    ) -> AppResult<work_order::Model> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, expected_version).await?;
        let allowed = rel.dispatcher || (action == WorkOrderAction::Transfer && rel.assignee);
        if !allowed {
            return Err(AppError::Forbidden(
                "only a dispatcher (administrator or the building's manager) or the assignee may hand an order over".to_owned(),
            ));
        }
        if action == WorkOrderAction::Transfer && order.assignee_id == Some(staff_id) {
            return Err(AppError::bad_input(
                "input.staffId",
                "is already the assignee",
            ));
        }
        let record = staff_record::Entity::find_by_id(staff_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::bad_input("input.staffId", "names no staff record"))?;
        let verdict = eligibility(write.txn(), &order, vec![record.clone()], write.now()).await?;
        if let Some(candidate) = verdict.first()
            && !candidate.eligible
        {
            return Err(AppError::bad_input(
                "input.staffId",
                format!(
                    "is not eligible for this order: {}",
                    candidate
                        .reasons
                        .iter()
                        .map(|r| format!("{r:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let next = self
            .apply(
                &mut write,
                &order,
                Some(me),
                action,
                reason,
                true,
                Edit {
                    assignee: Some(Some(staff_id)),
                    ..Edit::default()
                },
            )
            .await?;
        notify_staff(
            &mut write,
            &[record.user_id],
            &next,
            "A work order was assigned to you",
        )
        .await?;
        notify_requester(&mut write, &next, action).await?;
        write.commit().await?;
        Ok(next)
    }

    /// Takes an unassigned order (and accepts it): eligible staff, categories dispatched by grab.
    /// Of many staff grabbing one order at once exactly one wins; the others get `CONFLICT`.
    pub async fn grab(&self, scope: &Scope, id: Uuid) -> AppResult<work_order::Model> {
        let staff = scope.facet::<super::access::WorkStaff>().await?;
        let me = scope.require_user()?;
        let Some(staff_id) = staff.id else {
            return Err(AppError::Forbidden(
                "only active staff grab orders".to_owned(),
            ));
        };
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let order = work_order::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("work order"))?;
        // Staff who could have grabbed it learn that someone was quicker; others learn nothing.
        let could = staff.buildings.contains(&order.building_id)
            && staff.categories.contains(&order.category_id);
        if !could {
            return Err(if relation(scope, &order).await?.sees {
                AppError::Forbidden("you are not eligible for this order".to_owned())
            } else {
                AppError::NotFound("work order")
            });
        }
        if order.status != WorkOrderStatus::Submitted.as_str() || order.assignee_id.is_some() {
            return Err(AppError::Conflict {
                field: None,
                message: "someone else already took this order".to_owned(),
            });
        }
        let category = service_category::Entity::find_by_id(order.category_id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("service category"))?;
        if DispatchMode::parse(&category.dispatch_mode) != Some(DispatchMode::Grab) {
            return Err(AppError::InvalidState(
                "this category's orders are assigned, not grabbed".to_owned(),
            ));
        }
        let record = staff_record::Entity::find_by_id(staff_id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("staff record"))?;
        let verdict = eligibility(write.txn(), &order, vec![record], write.now()).await?;
        if verdict.first().is_some_and(|c| !c.eligible) {
            return Err(AppError::Forbidden(
                "you are not eligible for this order (too many open orders?)".to_owned(),
            ));
        }
        let next = self
            .apply(
                &mut write,
                &order,
                Some(me),
                WorkOrderAction::Grab,
                None,
                false,
                Edit {
                    assignee: Some(Some(staff_id)),
                    first_response: true,
                    ..Edit::default()
                },
            )
            .await
            .map_err(|err| match err.code() {
                crate::error::ErrorCode::Conflict => AppError::Conflict {
                    field: None,
                    message: "someone else already took this order".to_owned(),
                },
                _ => err,
            })?;
        notify_requester(&mut write, &next, WorkOrderAction::Grab).await?;
        write.commit().await?;
        Ok(next)
    }

    /// The assignee accepts (the first response).
    pub async fn accept(
        &self,
        scope: &Scope,
        id: Uuid,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        self.act(scope, id, v, WorkOrderAction::Accept, None, |_, rel| {
            require(rel.assignee, "only the assignee accepts an order")?;
            Ok(Edit {
                first_response: true,
                ..Edit::default()
            })
        })
        .await
    }

    /// The assignee starts work.
    pub async fn start(
        &self,
        scope: &Scope,
        id: Uuid,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        self.act(scope, id, v, WorkOrderAction::Start, None, |_, rel| {
            require(rel.assignee, "only the assignee starts an order")?;
            Ok(Edit::default())
        })
        .await
    }

    /// The assignee puts the order on hold; reasons that wait on others stop the clocks.
    pub async fn hold(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: HoldReason,
        note: String,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        let text = Some(format!("{}: {note}", reason.as_str()));
        self.act(scope, id, v, WorkOrderAction::Hold, text, |_, rel| {
            require(rel.assignee, "only the assignee puts an order on hold")?;
            Ok(Edit {
                hold: Some(Some(reason)),
                ..Edit::default()
            })
        })
        .await
    }

    /// The assignee resumes work; paused time moves the due times later.
    pub async fn resume(
        &self,
        scope: &Scope,
        id: Uuid,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        self.act(scope, id, v, WorkOrderAction::Resume, None, |_, rel| {
            require(rel.assignee, "only the assignee resumes an order")?;
            Ok(Edit {
                hold: Some(None),
                ..Edit::default()
            })
        })
        .await
    }

    /// The assignee resolves the order, saying what was done (and the amount, if payable).
    pub async fn resolve(
        &self,
        scope: &Scope,
        id: Uuid,
        resolution: String,
        amount: Option<String>,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        self.act(scope, id, v, WorkOrderAction::Resolve, None, |_, rel| {
            require(rel.assignee, "only the assignee resolves an order")?;
            Ok(Edit {
                resolved: true,
                resolution: Some(resolution),
                amount: amount.map(Some),
                ..Edit::default()
            })
        })
        .await
    }

    /// Cancels: the requester before work starts, or a dispatcher with a reason.
    pub async fn cancel(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: Option<String>,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        let has_reason = reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        self.act(
            scope,
            id,
            v,
            WorkOrderAction::Cancel,
            reason,
            |order, rel| {
                let status = WorkOrderStatus::from_stored(&order.status)?;
                if rel.dispatcher {
                    if !has_reason {
                        return Err(AppError::bad_input(
                            "input.reason",
                            "is required when staff cancel",
                        ));
                    }
                } else if rel.requester {
                    if !REQUESTER_MAY_CANCEL.contains(&status) {
                        return Err(AppError::InvalidState(
                            "work has started: ask the service centre to cancel".to_owned(),
                        ));
                    }
                } else {
                    return Err(AppError::Forbidden(
                        "only the requester or a dispatcher cancels an order".to_owned(),
                    ));
                }
                Ok(Edit {
                    closed: true,
                    ..Edit::default()
                })
            },
        )
        .await
    }

    /// A dispatcher rejects the order, with a reason.
    pub async fn reject(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: String,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        self.act(
            scope,
            id,
            v,
            WorkOrderAction::Reject,
            Some(reason),
            |_, rel| {
                require(rel.dispatcher, "only a dispatcher rejects an order")?;
                Ok(Edit {
                    closed: true,
                    ..Edit::default()
                })
            },
        )
        .await
    }

    /// The assignee gives the order back (to `SUBMITTED`), with a reason.
    pub async fn give_back(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: String,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        self.act(
            scope,
            id,
            v,
            WorkOrderAction::Return,
            Some(reason),
            |_, rel| {
                require(rel.assignee, "only the assignee returns an order")?;
                Ok(Edit {
                    assignee: Some(None),
                    ..Edit::default()
                })
            },
        )
        .await
    }

    /// The requester reopens a resolved order within [`REOPEN_WINDOW_DAYS`]; the second reopen
    /// escalates to the building's managers.
    pub async fn reopen(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: Option<String>,
        v: Option<i32>,
    ) -> AppResult<work_order::Model> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, v).await?;
        let next = self.reopen_in(&mut write, &order, &rel, me, reason).await?;
        write.commit().await?;
        Ok(next)
    }

    async fn reopen_in(
        &self,
        write: &mut Write<'_>,
        order: &work_order::Model,
        rel: &Relation,
        me: Uuid,
        reason: Option<String>,
    ) -> AppResult<work_order::Model> {
        require(rel.requester, "only the requester reopens an order")?;
        let now = write.now();
        if order
            .resolved_at
            .is_some_and(|at| now - at > Duration::days(REOPEN_WINDOW_DAYS))
        {
            return Err(AppError::InvalidState(format!(
                "orders reopen within {REOPEN_WINDOW_DAYS} days of resolution; submit a new one"
            )));
        }
        let next = self
            .apply(
                write,
                order,
                Some(me),
                WorkOrderAction::Reopen,
                reason,
                false,
                Edit {
                    reopened: true,
                    ..Edit::default()
                },
            )
            .await?;
        if let Some(staff) = next.assignee_id
            && let Some(record) = staff_record::Entity::find_by_id(staff)
                .one(write.txn())
                .await?
        {
            notify_staff(
                write,
                &[record.user_id],
                &next,
                "A work order you resolved was reopened",
            )
            .await?;
        }
        if next.escalated && !order.escalated {
            let managers = managers_of(write.txn(), next.building_id).await?;
            notify_staff(write, &managers, &next, "A work order was reopened twice").await?;
        }
        notify_requester(write, &next, WorkOrderAction::Reopen).await?;
        Ok(next)
    }

    /// The requester rates a resolved order, once. "Not fixed" reopens it; otherwise it closes,
    /// unless its category waits for a return visit that has not happened yet.
    pub async fn rate(
        &self,
        scope: &Scope,
        id: Uuid,
        rating: NewRating,
    ) -> AppResult<work_order::Model> {
        let me = scope.require_user()?;
        for (field, value) in [
            ("input.score", Some(rating.score)),
            ("input.speed", rating.speed),
            ("input.attitude", rating.attitude),
            ("input.quality", rating.quality),
        ] {
            if let Some(value) = value
                && !(1..=5).contains(&value)
            {
                return Err(AppError::bad_input(field, "must be between 1 and 5"));
            }
        }
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, None).await?;
        require(rel.requester, "only the requester rates an order")?;
        if order.status != WorkOrderStatus::Resolved.as_str() {
            return Err(AppError::InvalidState(
                "an order is rated once it is resolved".to_owned(),
            ));
        }
        let now = write.now();
        let small = |v: i32| i16::try_from(v).unwrap_or(0);
        let inserted = work_order_rating::Entity::insert(work_order_rating::ActiveModel {
            work_order_id: Set(order.id),
            rater_id: Set(me),
            score: Set(small(rating.score)),
            speed: Set(rating.speed.map(small)),
            attitude: Set(rating.attitude.map(small)),
            quality: Set(rating.quality.map(small)),
            tags: Set(serde_json::to_string(&rating.tags).map_err(AppError::internal)?),
            comment: Set(rating.comment.clone()),
            not_fixed: Set(rating.not_fixed),
            reply: Set(None),
            replied_at: Set(None),
            created_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(work_order_rating::Column::WorkOrderId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        if inserted == 0 {
            return Err(AppError::Conflict {
                field: None,
                message: "this order is rated already".to_owned(),
            });
        }
        // A low rating opens a rectification in the same write.
        if rating.score <= crate::domains::rectifications::service::LOW_RATING {
            crate::domains::rectifications::service::open_for_low_rating(
                &mut write,
                &order,
                rating.score,
                rating.comment.as_deref(),
            )
            .await?;
        }
        let next = if rating.not_fixed {
            self.reopen_in(
                &mut write,
                &order,
                &rel,
                me,
                Some("rated as not fixed".to_owned()),
            )
            .await?
        } else if self.waits_for_return_visit(write.txn(), &order).await? {
            order
        } else {
            let next = self
                .apply(
                    &mut write,
                    &order,
                    Some(me),
                    WorkOrderAction::Close,
                    Some("rated".to_owned()),
                    false,
                    Edit {
                        closed: true,
                        ..Edit::default()
                    },
                )
                .await?;
            notify_requester(&mut write, &next, WorkOrderAction::Close).await?;
            next
        };
        write.commit().await?;
        Ok(next)
    }

    async fn waits_for_return_visit<C: ConnectionTrait>(
        &self,
        db: &C,
        order: &work_order::Model,
    ) -> AppResult<bool> {
        if order.return_visit_done {
            return Ok(false);
        }
        Ok(service_category::Entity::find_by_id(order.category_id)
            .one(db)
            .await?
            .is_some_and(|c| c.return_visit_required))
    }

    /// The assignee replies to the rating, once.
    pub async fn reply_to_rating(
        &self,
        scope: &Scope,
        id: Uuid,
        reply: String,
    ) -> AppResult<work_order::Model> {
        prepare(scope).await?;
        let write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, None).await?;
        require(rel.assignee, "only the assignee replies to a rating")?;
        let now = write.now();
        let done = work_order_rating::Entity::update_many()
            .col_expr(work_order_rating::Column::Reply, Expr::value(reply))
            .col_expr(work_order_rating::Column::RepliedAt, Expr::value(now))
            .filter(work_order_rating::Column::WorkOrderId.eq(order.id))
            .filter(work_order_rating::Column::Reply.is_null())
            .exec(write.txn())
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "there is no rating to reply to, or it has a reply already".to_owned(),
            ));
        }
        write.commit().await?;
        Ok(order)
    }

    /// Customer service (or a dispatcher) records the return visit; a rated order then closes.
    pub async fn record_return_visit(
        &self,
        scope: &Scope,
        id: Uuid,
        note: Option<String>,
    ) -> AppResult<work_order::Model> {
        let me = scope.require_user()?;
        let customer_service =
            crate::auth::guard::holds_active_post(scope, StaffPost::CustomerService).await?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, None).await?;
        if !(rel.dispatcher || (customer_service.is_some() && rel.staff_view)) {
            return Err(AppError::Forbidden(
                "customer service or a dispatcher records return visits".to_owned(),
            ));
        }
        if order.status != WorkOrderStatus::Resolved.as_str() || order.return_visit_done {
            return Err(AppError::InvalidState(
                "a return visit is recorded once, on a resolved order".to_owned(),
            ));
        }
        let mut marked = order.clone();
        work_order::Entity::update_many()
            .col_expr(work_order::Column::ReturnVisitDone, Expr::value(true))
            .filter(work_order::Column::Id.eq(order.id))
            .exec(write.txn())
            .await?;
        marked.return_visit_done = true;
        let rated = work_order_rating::Entity::find_by_id(order.id)
            .one(write.txn())
            .await?
            .is_some();
        let next = if rated {
            let next = self
                .apply(
                    &mut write,
                    &marked,
                    Some(me),
                    WorkOrderAction::Close,
                    note.or(Some("return visit done".to_owned())),
                    false,
                    Edit {
                        closed: true,
                        ..Edit::default()
                    },
                )
                .await?;
            notify_requester(&mut write, &next, WorkOrderAction::Close).await?;
            next
        } else {
            marked
        };
        write.commit().await?;
        Ok(next)
    }

    /// The requester urges an overdue order (once an hour): its assignee and the building's
    /// managers are notified.
    pub async fn urge(&self, scope: &Scope, id: Uuid) -> AppResult<work_order::Model> {
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, None).await?;
        require(rel.requester, "only the requester urges an order")?;
        let now = write.now();
        let status = WorkOrderStatus::from_stored(&order.status)?;
        let overdue = if order.first_response_at.is_none() {
            now > order.response_due_at
        } else {
            now > order.resolution_due_at
        };
        if TERMINAL.contains(&status) || status == WorkOrderStatus::Resolved || !overdue {
            return Err(AppError::InvalidState(
                "only an open order past its due time can be urged".to_owned(),
            ));
        }
        if let Some(last) = order.last_urged_at {
            let next_allowed = last + Duration::minutes(URGE_INTERVAL_MINUTES);
            if now < next_allowed {
                return Err(AppError::RateLimited {
                    retry_after_secs: u64::try_from(Ord::max(
                        (next_allowed - now).num_seconds(),
                        1,
                    ))
                    .unwrap_or(1),
                });
            }
        }
        let updated = work_order::Entity::update_many()
            .col_expr(
                work_order::Column::UrgeCount,
                sea_orm::sea_query::ExprTrait::add(Expr::col(work_order::Column::UrgeCount), 1),
            )
            .col_expr(work_order::Column::LastUrgedAt, Expr::value(now))
            .filter(work_order::Column::Id.eq(order.id))
            .filter(work_order::Column::Version.eq(order.version))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(stale());
        }
        let mut next = order.clone();
        next.urge_count += 1;
        next.last_urged_at = Some(now);
        let mut people = managers_of(write.txn(), order.building_id).await?;
        if let Some(staff) = order.assignee_id
            && let Some(record) = staff_record::Entity::find_by_id(staff)
                .one(write.txn())
                .await?
        {
            people.push(record.user_id);
        }
        notify_staff(
            &mut write,
            &people,
            &next,
            "The requester urged a work order",
        )
        .await?;
        write.commit().await?;
        Ok(next)
    }

    /// Adds (or, with `add` false, removes) an assistant: the assignee or a dispatcher, for an
    /// eligible staff member who is not the assignee.
    pub async fn set_assistant(
        &self,
        scope: &Scope,
        id: Uuid,
        staff_id: Uuid,
        add: bool,
    ) -> AppResult<work_order::Model> {
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, None).await?;
        require(
            rel.dispatcher || rel.assignee,
            "the assignee or a dispatcher chooses assistants",
        )?;
        let status = WorkOrderStatus::from_stored(&order.status)?;
        if !OPEN.contains(&status) {
            return Err(AppError::InvalidState(
                "assistants join orders that are assigned and not yet resolved".to_owned(),
            ));
        }
        let record = staff_record::Entity::find_by_id(staff_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.staffId", "staff record"))?;
        let user = record.user_id;
        if add {
            if order.assignee_id == Some(staff_id) {
                return Err(AppError::bad_input("input.staffId", "is the assignee"));
            }
            let verdict = eligibility(write.txn(), &order, vec![record], write.now()).await?;
            if verdict.first().is_some_and(|c| !c.eligible) {
                return Err(AppError::bad_input(
                    "input.staffId",
                    "is not eligible for this order",
                ));
            }
            work_order_assistant::Entity::insert(work_order_assistant::ActiveModel {
                work_order_id: Set(order.id),
                staff_id: Set(staff_id),
            })
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    work_order_assistant::Column::WorkOrderId,
                    work_order_assistant::Column::StaffId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(write.txn())
            .await?;
        } else {
            work_order_assistant::Entity::delete_many()
                .filter(work_order_assistant::Column::WorkOrderId.eq(order.id))
                .filter(work_order_assistant::Column::StaffId.eq(staff_id))
                .exec(write.txn())
                .await?;
        }
        // What the assistant sees changed: cached scopes (live feeds) load it again.
        write.access_changed(&[user])?;
        write.commit().await?;
        Ok(order)
    }

    /// Adds a comment; residents write only resident-visible ones.
    pub async fn comment(
        &self,
        scope: &Scope,
        id: Uuid,
        body: String,
        visibility: CommentVisibility,
        attachments: Vec<String>,
    ) -> AppResult<work_order_comment::Model> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let write = Write::begin(self.state).await?;
        let (order, rel) = self.for_change(&write, scope, id, None).await?;
        if visibility == CommentVisibility::Internal && !rel.staff_view {
            return Err(AppError::Forbidden(
                "internal comments are for staff".to_owned(),
            ));
        }
        if scope.supervisor && !scope.admin && !rel.requester {
            return Err(AppError::Forbidden(
                "supervisors read work orders only".to_owned(),
            ));
        }
        let comment = work_order_comment::Model {
            id: Uuid::now_v7(),
            work_order_id: order.id,
            author_id: me,
            body,
            visibility: visibility.as_str().to_owned(),
            attachments: serde_json::to_string(&attachments).map_err(AppError::internal)?,
            created_at: write.now(),
        };
        work_order_comment::Entity::insert(work_order_comment::ActiveModel::from(comment.clone()))
            .exec_without_returning(write.txn())
            .await?;
        write.commit().await?;
        Ok(comment)
    }

    /// Every staff record considered for an order, each with whether it may take the order and
    /// why not (dispatchers).
    pub async fn eligible_staff(&self, scope: &Scope, id: Uuid) -> AppResult<Vec<EligibleStaff>> {
        let (order, rel) = self.get(scope, id).await?;
        if !(rel.dispatcher || scope.supervisor) {
            return Err(AppError::Forbidden(
                "eligibility is for dispatchers (administrators and the building's managers)"
                    .to_owned(),
            ));
        }
        let candidates = staff_record::Entity::find()
            .filter(staff_record::Column::Status.ne("LEFT"))
            .all(self.db())
            .await?;
        let mut list = eligibility(self.db(), &order, candidates, self.state.clock.now()).await?;
        list.sort_by_key(|c| (!c.eligible, c.open_orders, c.record.employee_number.clone()));
        Ok(list)
    }

    /// The SLA sweep: warnings before due times, breaches after them (each notification once,
    /// across instances, by a conditional update of its flag), breached orders escalated to the
    /// building's managers, and resolved orders left unrated for [`AUTO_CLOSE_DAYS`] closed.
    pub async fn sweep(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let open: Vec<&str> = [WorkOrderStatus::Submitted, WorkOrderStatus::Assigned]
            .iter()
            .chain(OPEN.iter())
            .map(|s| s.as_str())
            .collect();
        let candidates = work_order::Entity::find()
            .filter(work_order::Column::Status.is_in(open))
            .filter(work_order::Column::PausedAt.is_null())
            .filter(
                sea_orm::Condition::any()
                    .add(work_order::Column::ResponseBreached.eq(false))
                    .add(work_order::Column::ResolutionBreached.eq(false)),
            )
            .all(self.db())
            .await?;
        let warnings: HashMap<Uuid, i64> = service_category::Entity::find()
            .all(self.db())
            .await?
            .into_iter()
            .map(|c| (c.id, i64::from(c.warning_minutes)))
            .collect();
        let mut done = 0;
        for order in candidates {
            let warn = Duration::minutes(warnings.get(&order.category_id).copied().unwrap_or(0));
            let responding = order.first_response_at.is_none();
            let checks = [
                (
                    // A flag already claimed is skipped without opening a write.
                    !order.response_warned && responding && now >= order.response_due_at - warn,
                    work_order::Column::ResponseWarned,
                    "response due soon",
                    false,
                ),
                (
                    !order.response_breached && responding && now > order.response_due_at,
                    work_order::Column::ResponseBreached,
                    "response overdue",
                    true,
                ),
                (
                    !order.resolution_warned && now >= order.resolution_due_at - warn,
                    work_order::Column::ResolutionWarned,
                    "resolution due soon",
                    false,
                ),
                (
                    !order.resolution_breached && now > order.resolution_due_at,
                    work_order::Column::ResolutionBreached,
                    "resolution overdue",
                    true,
                ),
            ];
            for (due, flag, what, breach) in checks {
                if !due {
                    continue;
                }
                let mut write = Write::begin(self.state).await?;
                let mut update = work_order::Entity::update_many()
                    .col_expr(flag, Expr::value(true))
                    .filter(work_order::Column::Id.eq(order.id))
                    .filter(flag.eq(false));
                if breach {
                    update = update.col_expr(work_order::Column::Escalated, Expr::value(true));
                }
                let claimed = update.exec(write.txn()).await?;
                if claimed.rows_affected != 1 {
                    continue;
                }
                let mut people = if breach {
                    managers_of(write.txn(), order.building_id).await?
                } else {
                    Vec::new()
                };
                if let Some(staff) = order.assignee_id
                    && let Some(record) = staff_record::Entity::find_by_id(staff)
                        .one(write.txn())
                        .await?
                {
                    people.push(record.user_id);
                }
                if people.is_empty() {
                    people = managers_of(write.txn(), order.building_id).await?;
                }
                notify_staff(
                    &mut write,
                    &people,
                    &order,
                    &format!("Work order {}: {what}", order.number),
                )
                .await?;
                write.commit().await?;
                done += 1;
            }
        }
        // Resolved and unrated for too long: closed by the system.
        let stale_resolved = work_order::Entity::find()
            .filter(work_order::Column::Status.eq(WorkOrderStatus::Resolved.as_str()))
            .filter(work_order::Column::ResolvedAt.lt(now - Duration::days(AUTO_CLOSE_DAYS)))
            .all(self.db())
            .await?;
        for order in stale_resolved {
            if self.waits_for_return_visit(self.db(), &order).await? {
                continue;
            }
            let mut write = Write::begin(self.state).await?;
            match self
                .apply(
                    &mut write,
                    &order,
                    None,
                    WorkOrderAction::Close,
                    Some(format!("closed unrated after {AUTO_CLOSE_DAYS} days")),
                    false,
                    Edit {
                        closed: true,
                        ..Edit::default()
                    },
                )
                .await
            {
                Ok(next) => {
                    notify_requester(&mut write, &next, WorkOrderAction::Close).await?;
                    write.commit().await?;
                    done += 1;
                }
                // Another instance (or the requester) changed it first.
                Err(err) if err.code() == crate::error::ErrorCode::Conflict => {}
                Err(err) => return Err(err),
            }
        }
        Ok(done)
    }
}

/// Loads the viewer's facets before a write begins: inside the transaction they would need a
/// second connection while the first holds the write lock.
async fn prepare(scope: &Scope) -> AppResult<()> {
    scope.resident().await?;
    scope.facet::<super::access::WorkStaff>().await?;
    Ok(())
}

fn require(allowed: bool, message: &str) -> AppResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(message.to_owned()))
    }
}

fn stale() -> AppError {
    AppError::Conflict {
        field: Some("input.expectedVersion".to_owned()),
        message: "the work order changed meanwhile; reload it and try again".to_owned(),
    }
}

#[allow(clippy::too_many_arguments)]
fn entry(
    order: &work_order::Model,
    actor: Option<Uuid>,
    action: WorkOrderAction,
    from: Option<WorkOrderStatus>,
    to: WorkOrderStatus,
    reason: Option<String>,
    internal: bool,
    at: DateTime<Utc>,
) -> work_order_entry::Model {
    work_order_entry::Model {
        id: Uuid::now_v7(),
        work_order_id: order.id,
        actor_id: actor,
        action: action.as_str().to_owned(),
        from_status: from.map(|s| s.as_str().to_owned()),
        to_status: to.as_str().to_owned(),
        reason,
        internal,
        at,
    }
}

/// Writes the timeline entry and queues the live event, in `write`.
async fn record(
    write: &mut Write<'_>,
    order: &work_order::Model,
    entry: work_order_entry::Model,
) -> AppResult<()> {
    work_order_entry::Entity::insert(work_order_entry::ActiveModel::from(entry.clone()))
        .exec_without_returning(write.txn())
        .await?;
    let change = Change {
        order: order.clone(),
        entry,
    };
    write.event(
        Topic::WorkOrders,
        CHANGED,
        serde_json::to_value(&change).map_err(AppError::internal)?,
    );
    Ok(())
}

/// The next number of `year`, `WO-<year>-<six digits>`, from the counter row (one statement
/// that creates or raises it; the row lock orders concurrent submissions).
async fn next_number(txn: &sea_orm::DatabaseTransaction, year: i32) -> AppResult<String> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO work_order_counter (year, last) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last = work_order_counter.last + 1 RETURNING last"
        }
        _ => {
            "INSERT INTO work_order_counter (year, last) VALUES (?, 1) \
             ON CONFLICT (year) DO UPDATE SET last = work_order_counter.last + 1 RETURNING last"
        }
    };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [year.into()]))
        .await?
        .ok_or_else(|| AppError::internal("the work-order counter returned no row"))?;
    let last: i32 = row.try_get("", "last")?;
    Ok(format!("WO-{year}-{last:06}"))
}

/// The users of the active managers serving `building`.
async fn managers_of<C: ConnectionTrait>(db: &C, building: Uuid) -> AppResult<Vec<Uuid>> {
    let serving: Vec<Uuid> = staff_building::Entity::find()
        .select_only()
        .column(staff_building::Column::StaffId)
        .filter(staff_building::Column::BuildingId.eq(building))
        .into_tuple()
        .all(db)
        .await?;
    Ok(staff_record::Entity::find()
        .filter(staff_record::Column::Id.is_in(serving))
        .filter(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
        .filter(staff_record::Column::Status.eq("ACTIVE"))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}

/// The one eligibility rule (assign, grab, automatic dispatch, transfer, `eligibleStaff`): the
/// record is `ACTIVE`, serves the order's building and the category's group, and holds fewer
/// than [`MAX_OPEN_ORDERS`] open orders. Three statements for any number of candidates.
pub async fn eligibility<C: ConnectionTrait>(
    db: &C,
    order: &work_order::Model,
    candidates: Vec<staff_record::Model>,
    now: DateTime<Utc>,
) -> AppResult<Vec<EligibleStaff>> {
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
    let group = service_category::Entity::find_by_id(order.category_id)
        .one(db)
        .await?
        .map(|c| c.group_kind)
        .unwrap_or_default();
    let serving: HashSet<Uuid> = staff_building::Entity::find()
        .select_only()
        .column(staff_building::Column::StaffId)
        .filter(staff_building::Column::BuildingId.eq(order.building_id))
        .filter(staff_building::Column::StaffId.is_in(ids.clone()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let working: HashSet<Uuid> = staff_category::Entity::find()
        .select_only()
        .column(staff_category::Column::StaffId)
        .filter(staff_category::Column::Category.eq(group.as_str()))
        .filter(staff_category::Column::StaffId.is_in(ids.clone()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let open: HashMap<Uuid, i64> = work_order::Entity::find()
        .select_only()
        .column(work_order::Column::AssigneeId)
        .column_as(work_order::Column::Id.count(), "n")
        .filter(work_order::Column::AssigneeId.is_in(ids))
        .filter(work_order::Column::Status.is_in(OPEN.iter().map(|s| s.as_str())))
        .group_by(work_order::Column::AssigneeId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let uncertified =
        crate::domains::qualifications::service::missing_certificates(db, &candidates, &group, now)
            .await?;
    let unacknowledged =
        crate::domains::conduct::service::unacknowledged(db, &candidates, now).await?;
    let (untrained, lapsed) =
        crate::domains::training::service::training_blockers(db, &candidates, now).await?;
    Ok(candidates
        .into_iter()
        .map(|record| {
            let mut reasons = Vec::new();
            if record.status == "SUSPENDED" {
                reasons.push(IneligibleReason::Suspended);
            } else if record.status != "ACTIVE" {
                reasons.push(IneligibleReason::NotActive);
            }
            if uncertified.contains(&record.id) {
                reasons.push(IneligibleReason::CertificateMissing);
            }
            if unacknowledged.contains(&record.id) {
                reasons.push(IneligibleReason::PolicyNotAcknowledged);
            }
            if untrained.contains(&record.id) {
                reasons.push(IneligibleReason::PreJobTrainingIncomplete);
            }
            if lapsed.contains(&record.id) {
                reasons.push(IneligibleReason::InServiceTrainingLapsed);
            }
            if !serving.contains(&record.id) {
                reasons.push(IneligibleReason::WrongBuilding);
            }
            if !working.contains(&record.id) {
                reasons.push(IneligibleReason::WrongCategory);
            }
            let count = open.get(&record.id).copied().unwrap_or(0);
            // The current assignee's own order does not count against a transfer back.
            let own = i64::from(order.assignee_id == Some(record.id));
            if u64::try_from(count - own).unwrap_or(0) >= MAX_OPEN_ORDERS {
                reasons.push(IneligibleReason::TooManyOpenOrders);
            }
            EligibleStaff {
                eligible: reasons.is_empty(),
                reasons,
                open_orders: i32::try_from(count).unwrap_or(i32::MAX),
                record,
            }
        })
        .collect())
}

/// The eligible staff member with the fewest open orders (ties: the lowest employee number).
async fn least_loaded_eligible<C: ConnectionTrait>(
    db: &C,
    order: &work_order::Model,
    now: DateTime<Utc>,
) -> AppResult<Option<staff_record::Model>> {
    let candidates = staff_record::Entity::find()
        .filter(staff_record::Column::Status.eq("ACTIVE"))
        .all(db)
        .await?;
    let mut eligible: Vec<EligibleStaff> = eligibility(db, order, candidates, now)
        .await?
        .into_iter()
        .filter(|c| c.eligible)
        .collect();
    eligible.sort_by_key(|c| (c.open_orders, c.record.employee_number.clone()));
    Ok(eligible.into_iter().next().map(|c| c.record))
}

/// Tells the requester what happened to their order (every status change).
async fn notify_requester(
    write: &mut Write<'_>,
    order: &work_order::Model,
    action: WorkOrderAction,
) -> AppResult<()> {
    let title = format!("{}: {}", order.number, action.past_tense());
    Notifier::notify(
        write,
        [order.requester_id],
        &Draft {
            category: NotificationCategory::WorkOrder,
            priority: NotificationPriority::Normal,
            kind: action.as_str().to_owned(),
            title,
            text: order.title.clone(),
            subject: SubjectRef {
                kind: SUBJECT,
                id: order.id,
            },
        },
    )
    .await?;
    Ok(())
}

/// Tells staff (assignee, managers) about an order.
async fn notify_staff(
    write: &mut Write<'_>,
    users: &[Uuid],
    order: &work_order::Model,
    title: &str,
) -> AppResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    let priority = if order.priority == Priority::Emergency.as_str() {
        NotificationPriority::Emergency
    } else {
        NotificationPriority::Important
    };
    Notifier::notify(
        write,
        users.iter().copied(),
        &Draft {
            category: NotificationCategory::WorkOrder,
            priority,
            kind: "STAFF".to_owned(),
            title: format!("{title}: {}", order.number),
            text: order.title.clone(),
            subject: SubjectRef {
                kind: SUBJECT,
                id: order.id,
            },
        },
    )
    .await?;
    Ok(())
}

/// The entry as the viewer may read it (residents lose staff-only reasons).
pub fn entry_for(entry: work_order_entry::Model, staff_view: bool) -> AppResult<WorkOrderEntry> {
    WorkOrderEntry::try_from_model(entry, staff_view)
}

/// A work order another domain opens inside its own write (an inspection's finding needing
/// work): a public-area order, already checked by the caller.
pub struct OpenedElsewhere {
    /// The building.
    pub building_id: Uuid,
    /// Where in the building.
    pub location: String,
    /// An active catalogue category (checked by the caller).
    pub category_id: Uuid,
    /// Who enters it (its requester).
    pub requester_id: Uuid,
    /// How it arrived (`INSPECTION`, `COMPLAINT`).
    pub channel: WorkOrderChannel,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The facility asset it concerns, if any (in the building; checked by the caller).
    pub asset_id: Option<Uuid>,
}

/// Opens a work order inside `write`, the caller's transaction, exactly as `createWorkOrder`
/// does for staff: the next number, the category's default priority and clocks, the `SUBMIT`
/// entry and live event, and automatic dispatch for `AUTO` categories; so the order and what
/// opened it commit together or not at all.
pub async fn open_in(write: &mut Write<'_>, new: OpenedElsewhere) -> AppResult<work_order::Model> {
    let now = write.now();
    let (policy, priority) = WorkOrderService::policy(write.txn(), new.category_id, None).await?;
    let number = next_number(write.txn(), now.year()).await?;
    let (order, _) = insert_submitted(
        write,
        Fresh {
            number,
            building_id: new.building_id,
            unit_id: None,
            location: Some(new.location),
            policy,
            priority,
            offering_id: None,
            slot_id: None,
            requester_id: new.requester_id,
            channel: new.channel,
            title: new.title,
            description: new.description,
            actor: new.requester_id,
            household_member_id: None,
            asset_id: new.asset_id,
        },
    )
    .await?;
    Ok(order)
}

/// A new order's columns, decided by its creator (`createWorkOrder`, an appointment, an
/// inspection finding).
struct Fresh {
    number: String,
    building_id: Uuid,
    unit_id: Option<Uuid>,
    location: Option<String>,
    policy: Policy,
    priority: Priority,
    offering_id: Option<Uuid>,
    slot_id: Option<Uuid>,
    requester_id: Uuid,
    channel: WorkOrderChannel,
    title: String,
    description: String,
    /// Who the `SUBMIT` entry names.
    actor: Uuid,
    /// The household member the service is for.
    household_member_id: Option<Uuid>,
    /// The facility asset it concerns.
    asset_id: Option<Uuid>,
}

/// The one place a work order is born, inside the caller's `write`: the row with the policy's
/// clocks, its `SUBMIT` entry and live event, and automatic dispatch for `AUTO` categories
/// (the assignee notified). Returns the order as it stands and whether it was dispatched.
async fn insert_submitted(
    write: &mut Write<'_>,
    fresh: Fresh,
) -> AppResult<(work_order::Model, bool)> {
    let now = write.now();
    let Fresh {
        number,
        building_id,
        unit_id,
        location,
        policy,
        priority,
        offering_id,
        slot_id,
        requester_id,
        channel,
        title,
        description,
        actor,
        household_member_id,
        asset_id,
    } = fresh;
    let order = work_order::Model {
        id: Uuid::now_v7(),
        number,
        building_id,
        unit_id,
        location,
        category_id: policy.category.id,
        offering_id,
        slot_id,
        requester_id,
        channel: channel.as_str().to_owned(),
        title,
        description,
        priority: priority.as_str().to_owned(),
        status: WorkOrderStatus::Submitted.as_str().to_owned(),
        assignee_id: None,
        response_due_at: now + Duration::minutes(policy.response_minutes),
        resolution_due_at: now + Duration::minutes(policy.resolution_minutes),
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        paused_at: None,
        paused_seconds: 0,
        hold_reason: None,
        response_warned: false,
        response_breached: false,
        resolution_warned: false,
        resolution_breached: false,
        escalated: false,
        return_visit_done: false,
        reopen_count: 0,
        urge_count: 0,
        last_urged_at: None,
        amount: None,
        resolution: None,
        version: 0,
        created_at: now,
        updated_at: now,
        household_member_id,
        asset_id,
    };
    work_order::Entity::insert(work_order::ActiveModel::from(order.clone()))
        .exec_without_returning(write.txn())
        .await?;
    // An order about an asset joins the asset's history in the same write.
    crate::domains::assets::service::record_work_order(write.txn(), &order).await?;
    let submitted = entry(
        &order,
        Some(actor),
        WorkOrderAction::Submit,
        None,
        WorkOrderStatus::Submitted,
        None,
        false,
        now,
    );
    record(write, &order, submitted).await?;
    // Automatic dispatch happens in the same write: the order is never seen unassigned.
    if DispatchMode::parse(&policy.category.dispatch_mode) == Some(DispatchMode::Auto)
        && let Some(staff) = least_loaded_eligible(write.txn(), &order, now).await?
    {
        let assigned = WorkOrderService::new(write.state())
            .apply(
                write,
                &order,
                None,
                WorkOrderAction::AutoAssign,
                Some(
                    "automatic dispatch: the eligible staff member with the fewest open orders"
                        .to_owned(),
                ),
                true,
                Edit {
                    assignee: Some(Some(staff.id)),
                    ..Edit::default()
                },
            )
            .await?;
        notify_staff(
            write,
            &[staff.user_id],
            &assigned,
            "A work order was assigned to you",
        )
        .await?;
        return Ok((assigned, true));
    }
    Ok((order, false))
}
