//! Work-order enums and GraphQL types.

use async_graphql::{ComplexObject, Context, Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::loaders::{EntriesByOrder, RatingByOrder};
use crate::{
    domains::{
        catalogue::types::Priority,
        estate::{
            loaders::{BuildingById, UnitById},
            types::{Building, StaffRecord, Unit},
        },
        identity::loaders::UserById,
    },
    error::{AppError, AppResult},
    graphql::ContextExt,
    text_enum,
};
use entity::{staff_record, work_order, work_order_comment, work_order_entry, work_order_rating};

text_enum! {
    /// Where a work order stands.
    pub enum WorkOrderStatus {
        /// Waiting for a staff member.
        Submitted => "SUBMITTED",
        /// Given to a staff member who has not accepted yet.
        Assigned => "ASSIGNED",
        /// Accepted by its staff member (the first response).
        Accepted => "ACCEPTED",
        /// Being worked on.
        InProgress => "IN_PROGRESS",
        /// Paused, with a reason.
        OnHold => "ON_HOLD",
        /// Done, waiting for the requester's rating (or a return visit).
        Resolved => "RESOLVED",
        /// Finished.
        Closed => "CLOSED",
        /// Called off.
        Cancelled => "CANCELLED",
        /// Refused by a dispatcher, with a reason.
        Rejected => "REJECTED",
    }
}

text_enum! {
    /// What happened to a work order (one timeline entry each).
    pub enum WorkOrderAction {
        /// Submitted.
        Submit => "SUBMIT",
        /// Assigned (or reassigned) by a dispatcher.
        Assign => "ASSIGN",
        /// Assigned by the system to the eligible staff member with the fewest open orders.
        AutoAssign => "AUTO_ASSIGN",
        /// Taken by a staff member (and accepted at once).
        Grab => "GRAB",
        /// Accepted by its assignee.
        Accept => "ACCEPT",
        /// Work started.
        Start => "START",
        /// Put on hold.
        Hold => "HOLD",
        /// Resumed after a hold.
        Resume => "RESUME",
        /// Resolved.
        Resolve => "RESOLVE",
        /// Closed.
        Close => "CLOSE",
        /// Cancelled.
        Cancel => "CANCEL",
        /// Rejected by a dispatcher.
        Reject => "REJECT",
        /// Given back by its assignee.
        Return => "RETURN",
        /// Handed to another staff member.
        Transfer => "TRANSFER",
        /// Reopened by its requester after resolution.
        Reopen => "REOPEN",
    }
}

impl WorkOrderAction {
    /// The action as a past participle, for messages.
    pub fn past_tense(self) -> &'static str {
        match self {
            WorkOrderAction::Submit => "submitted",
            WorkOrderAction::Assign | WorkOrderAction::AutoAssign => "assigned",
            WorkOrderAction::Grab => "grabbed",
            WorkOrderAction::Accept => "accepted",
            WorkOrderAction::Start => "started",
            WorkOrderAction::Hold => "put on hold",
            WorkOrderAction::Resume => "resumed",
            WorkOrderAction::Resolve => "resolved",
            WorkOrderAction::Close => "closed",
            WorkOrderAction::Cancel => "cancelled",
            WorkOrderAction::Reject => "rejected",
            WorkOrderAction::Return => "returned",
            WorkOrderAction::Transfer => "transferred",
            WorkOrderAction::Reopen => "reopened",
        }
    }
}

text_enum! {
    /// How a work order arrived.
    pub enum WorkOrderChannel {
        /// The resident app.
        App => "APP",
        /// At the service centre.
        ServiceCentre => "SERVICE_CENTRE",
        /// By phone.
        Phone => "PHONE",
        /// Entered by staff for a resident.
        StaffOnBehalf => "STAFF_ON_BEHALF",
        /// Found during an inspection.
        Inspection => "INSPECTION",
        /// From a complaint.
        Complaint => "COMPLAINT",
        /// Found on a security or fire patrol.
        Patrol => "PATROL",
        /// Preventive maintenance of a facility asset (the `preventive-maintenance` job).
        Maintenance => "MAINTENANCE",
    }
}

text_enum! {
    /// Why a work order is on hold; some reasons stop the service-level clocks.
    pub enum HoldReason {
        /// Waiting for parts (clocks stop).
        AwaitingParts => "AWAITING_PARTS",
        /// Waiting for the resident to be home or to decide (clocks stop).
        AwaitingResident => "AWAITING_RESIDENT",
        /// Waiting for an outside contractor (clocks stop).
        AwaitingContractor => "AWAITING_CONTRACTOR",
        /// Anything else (clocks keep running).
        Other => "OTHER",
    }
}

impl HoldReason {
    /// Whether the service-level clocks stand still during this hold.
    pub fn pauses(self) -> bool {
        !matches!(self, HoldReason::Other)
    }
}

text_enum! {
    /// Who reads a comment.
    pub enum CommentVisibility {
        /// The requester and staff.
        ResidentVisible => "RESIDENT_VISIBLE",
        /// Staff, managers, supervisors and administrators only.
        Internal => "INTERNAL",
    }
}

/// A work order as its viewer may see it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct WorkOrder {
    /// Id.
    pub id: ID,
    /// Human-readable number, unique (`WO-2026-000123`).
    pub number: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Status.
    pub status: WorkOrderStatus,
    /// Priority.
    pub priority: Priority,
    /// How it arrived.
    pub channel: WorkOrderChannel,
    /// A public-area location (when it concerns no unit).
    pub location: Option<String>,
    /// When the first response (acceptance) is due; moves later while the clocks are paused.
    pub response_due_at: DateTime<Utc>,
    /// When resolution is due; moves later while the clocks are paused.
    pub resolution_due_at: DateTime<Utc>,
    /// When it was first accepted.
    pub first_response_at: Option<DateTime<Utc>>,
    /// When it was last resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it closed, was cancelled or rejected.
    pub closed_at: Option<DateTime<Utc>>,
    /// Seconds the clocks stood still so far.
    pub paused_seconds: i64,
    /// Why it is on hold, while it is.
    pub hold_reason: Option<HoldReason>,
    /// The response came (or will come) late.
    pub response_breached: bool,
    /// The resolution came (or will come) late.
    pub resolution_breached: bool,
    /// Escalated to the building's manager.
    pub escalated: bool,
    /// Times reopened.
    pub reopen_count: i32,
    /// Times urged.
    pub urge_count: i32,
    /// Amount to pay (decimal string), for payable categories.
    pub amount: Option<String>,
    /// What was done.
    pub resolution: Option<String>,
    /// Raised by every change: pass it as `expectedVersion` to act only on what you saw.
    pub version: i32,
    /// Submitted at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// The category id.
    pub category_id: ID,
    /// The row.
    #[graphql(skip)]
    pub model: work_order::Model,
    /// Whether the viewer may read staff-only data (internal comments, assignment reasons).
    #[graphql(skip)]
    pub staff_view: bool,
}

impl WorkOrder {
    /// From a row; `staff_view` says whether internal data may be shown.
    pub fn try_from_model(model: work_order::Model, staff_view: bool) -> AppResult<WorkOrder> {
        Ok(WorkOrder {
            id: ID(model.id.to_string()),
            number: model.number.clone(),
            title: model.title.clone(),
            description: model.description.clone(),
            status: WorkOrderStatus::from_stored(&model.status)?,
            priority: Priority::from_stored(&model.priority)?,
            channel: WorkOrderChannel::from_stored(&model.channel)?,
            location: model.location.clone(),
            response_due_at: model.response_due_at,
            resolution_due_at: model.resolution_due_at,
            first_response_at: model.first_response_at,
            resolved_at: model.resolved_at,
            closed_at: model.closed_at,
            paused_seconds: model.paused_seconds,
            hold_reason: model.hold_reason.as_deref().and_then(HoldReason::parse),
            response_breached: model.response_breached,
            resolution_breached: model.resolution_breached,
            escalated: model.escalated,
            reopen_count: model.reopen_count,
            urge_count: model.urge_count,
            amount: model.amount.clone(),
            resolution: model.resolution.clone(),
            version: model.version,
            created_at: model.created_at,
            updated_at: model.updated_at,
            category_id: ID(model.category_id.to_string()),
            model,
            staff_view,
        })
    }
}

#[ComplexObject]
impl WorkOrder {
    /// The building.
    async fn building(&self, ctx: &Context<'_>) -> async_graphql::Result<Building> {
        let building = ctx
            .loaders()?
            .load_one::<BuildingById>(self.model.building_id)
            .await?
            .ok_or(AppError::NotFound("building"))?;
        Ok(building.into())
    }

    /// The unit, when it concerns one.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let Some(id) = self.model.unit_id else {
            return Ok(None);
        };
        let unit = ctx.loaders()?.load_one::<UnitById>(id).await?;
        Ok(unit.map(Unit::try_from_model).transpose()?)
    }

    /// The catalogue category.
    async fn category(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::domains::catalogue::types::CatalogueCategory> {
        let category = ctx
            .loaders()?
            .load_one::<crate::domains::catalogue::loaders::CategoryById>(self.model.category_id)
            .await?
            .ok_or(AppError::NotFound("service category"))?;
        Ok(crate::domains::catalogue::types::CatalogueCategory::try_from_model(category)?)
    }

    /// The household member a personalised service is for (childcare, elderly care, pet care),
    /// when the booking named one; shown to whoever may see the order.
    async fn household_member(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::domains::estate::types::HouseholdMember>> {
        let Some(id) = self.model.household_member_id else {
            return Ok(None);
        };
        let member = ctx
            .loaders()?
            .load_one::<crate::graphql::loaders::ById<entity::household_member::Entity>>(id)
            .await?;
        Ok(member
            .map(crate::domains::estate::types::HouseholdMember::try_from_model)
            .transpose()?)
    }

    /// The facility asset it concerns, if any, as `asset(id:)` shows it: null for those who may
    /// not see assets (residents see outages, not assets).
    async fn asset(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::domains::assets::types::Asset>> {
        use crate::graphql::node::{Node, NodeKind, load_of};
        let Some(id) = self.model.asset_id else {
            return Ok(None);
        };
        Ok(match load_of(ctx, id, &[NodeKind::Asset]).await? {
            Some(Node::Asset(asset)) => Some(*asset),
            _ => None,
        })
    }

    /// The booked offering, if any.
    async fn offering(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::domains::catalogue::types::ServiceOffering>> {
        let Some(id) = self.model.offering_id else {
            return Ok(None);
        };
        let offering = ctx
            .loaders()?
            .load_one::<crate::graphql::loaders::ById<entity::service_offering::Entity>>(id)
            .await?;
        Ok(offering
            .map(crate::domains::catalogue::types::ServiceOffering::try_from_model)
            .transpose()?)
    }

    /// The booked slot's start, if a slot was booked.
    async fn slot_starts_at(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<DateTime<Utc>>> {
        let Some(id) = self.model.slot_id else {
            return Ok(None);
        };
        let slot = ctx
            .loaders()?
            .load_one::<crate::graphql::loaders::ById<entity::service_slot::Entity>>(id)
            .await?;
        Ok(slot.map(|slot| slot.starts_at))
    }

    /// The requester's display name.
    async fn requester_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.model.requester_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        Ok(user.display_name)
    }

    /// The requester's user id.
    async fn requester_id(&self) -> ID {
        ID(self.model.requester_id.to_string())
    }

    /// The staff member doing it.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffRecord>> {
        let Some(id) = self.model.assignee_id else {
            return Ok(None);
        };
        let record = ctx
            .loaders()?
            .load_one::<crate::graphql::loaders::ById<staff_record::Entity>>(id)
            .await?;
        Ok(record.map(StaffRecord::try_from_model).transpose()?)
    }

    /// Whether the assignee holds every certificate the order's category requires (null while
    /// unassigned). Residents learn this, not the certificates themselves.
    async fn assignee_certified(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<bool>> {
        let Some(staff) = self.model.assignee_id else {
            return Ok(None);
        };
        let group = ctx
            .loaders()?
            .load_one::<crate::domains::catalogue::loaders::CategoryById>(self.model.category_id)
            .await?
            .map(|c| c.group_kind)
            .unwrap_or_default();
        let state = ctx.state();
        Ok(Some(
            crate::domains::qualifications::service::certified_for(
                &state.db,
                staff,
                &group,
                state.clock.now(),
            )
            .await?,
        ))
    }

    /// Staff helping the assignee.
    async fn assistants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StaffRecord>> {
        let loaders = ctx.loaders()?;
        let rows = loaders
            .load_one::<super::loaders::AssistantsByOrder>(self.model.id)
            .await?
            .unwrap_or_default();
        let records = loaders
            .get::<crate::graphql::loaders::ById<staff_record::Entity>>()
            .load_many(rows.iter().map(|row| row.staff_id))
            .await?;
        rows.iter()
            .filter_map(|row| records.get(&row.staff_id).cloned())
            .map(StaffRecord::try_from_model)
            .collect::<AppResult<_>>()
            .map_err(Into::into)
    }

    /// The timeline, oldest first; `last` keeps only the newest entries. Assignment reasons are
    /// staff-only: residents see those entries without a reason.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        last: Option<i32>,
    ) -> async_graphql::Result<Vec<WorkOrderEntry>> {
        let entries = ctx
            .loaders()?
            .load_one::<EntriesByOrder>(self.model.id)
            .await?
            .unwrap_or_default();
        let skip = match last {
            Some(n) if n < 0 => {
                return Err(AppError::bad_input("last", "must not be negative").into());
            }
            Some(n) => entries
                .len()
                .saturating_sub(usize::try_from(n).unwrap_or(0)),
            None => 0,
        };
        entries
            .into_iter()
            .skip(skip)
            .map(|entry| WorkOrderEntry::try_from_model(entry, self.staff_view))
            .collect::<AppResult<_>>()
            .map_err(Into::into)
    }

    /// The requester's rating, once given.
    async fn rating(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<WorkOrderRating>> {
        Ok(ctx
            .loaders()?
            .load_one::<RatingByOrder>(self.model.id)
            .await?
            .map(WorkOrderRating::from))
    }

    /// Comments, oldest first: internal ones only for staff, managers, supervisors and
    /// administrators.
    async fn comments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WorkOrderComment>> {
        let comments = ctx
            .loaders()?
            .load_one::<super::loaders::CommentsByOrder>(self.model.id)
            .await?
            .unwrap_or_default();
        comments
            .into_iter()
            .filter(|c| {
                self.staff_view || c.visibility == CommentVisibility::ResidentVisible.as_str()
            })
            .map(WorkOrderComment::try_from_model)
            .collect::<AppResult<_>>()
            .map_err(Into::into)
    }
}

/// One timeline entry: a status change.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "WorkOrderChange")]
pub struct WorkOrderEntry {
    /// What happened.
    pub action: WorkOrderAction,
    /// Status before (null for the submission).
    pub from: Option<WorkOrderStatus>,
    /// Status after.
    pub to: WorkOrderStatus,
    /// Who acted (null: the system).
    pub actor_id: Option<ID>,
    /// When.
    pub at: DateTime<Utc>,
    /// The reason given; null for residents when it is staff-only.
    pub reason: Option<String>,
}

impl WorkOrderEntry {
    /// From a row, with staff-only reasons removed unless `staff_view`.
    pub fn try_from_model(model: work_order_entry::Model, staff_view: bool) -> AppResult<Self> {
        Ok(WorkOrderEntry {
            action: WorkOrderAction::from_stored(&model.action)?,
            from: model
                .from_status
                .as_deref()
                .map(WorkOrderStatus::from_stored)
                .transpose()?,
            to: WorkOrderStatus::from_stored(&model.to_status)?,
            actor_id: model.actor_id.map(|id| ID(id.to_string())),
            at: model.at,
            reason: if model.internal && !staff_view {
                None
            } else {
                model.reason
            },
        })
    }
}

/// A comment on a work order.
#[derive(SimpleObject, Clone, Debug)]
pub struct WorkOrderComment {
    /// Id.
    pub id: ID,
    /// Author's user id.
    pub author_id: ID,
    /// Text.
    pub body: String,
    /// Who reads it.
    pub visibility: CommentVisibility,
    /// Attachment URLs.
    pub attachments: Vec<String>,
    /// Written at.
    pub created_at: DateTime<Utc>,
}

impl WorkOrderComment {
    /// From a row.
    pub fn try_from_model(model: work_order_comment::Model) -> AppResult<Self> {
        Ok(WorkOrderComment {
            id: ID(model.id.to_string()),
            author_id: ID(model.author_id.to_string()),
            body: model.body,
            visibility: CommentVisibility::from_stored(&model.visibility)?,
            attachments: serde_json::from_str(&model.attachments).unwrap_or_default(),
            created_at: model.created_at,
        })
    }
}

/// The requester's rating.
#[derive(SimpleObject, Clone, Debug)]
pub struct WorkOrderRating {
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
    /// The requester said it was not fixed (the order reopened).
    pub not_fixed: bool,
    /// The assignee's reply.
    pub reply: Option<String>,
    /// Rated at.
    pub created_at: DateTime<Utc>,
}

impl From<work_order_rating::Model> for WorkOrderRating {
    fn from(model: work_order_rating::Model) -> Self {
        WorkOrderRating {
            score: i32::from(model.score),
            speed: model.speed.map(i32::from),
            attitude: model.attitude.map(i32::from),
            quality: model.quality.map(i32::from),
            tags: serde_json::from_str(&model.tags).unwrap_or_default(),
            comment: model.comment,
            not_fixed: model.not_fixed,
            reply: model.reply,
            created_at: model.created_at,
        }
    }
}

/// A staff member considered for an order, and why they may or may not take it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct EligibleStaff {
    /// Whether they may take it.
    pub eligible: bool,
    /// What blocks them (empty when eligible).
    pub reasons: Vec<IneligibleReason>,
    /// Their open orders now.
    pub open_orders: i32,
    /// The staff record.
    #[graphql(skip)]
    pub record: staff_record::Model,
}

#[ComplexObject]
impl EligibleStaff {
    /// The staff record.
    async fn staff(&self) -> async_graphql::Result<StaffRecord> {
        Ok(StaffRecord::try_from_model(self.record.clone())?)
    }
}

/// Why a staff member may not take an order.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IneligibleReason {
    /// Their record is not `ACTIVE`.
    NotActive,
    /// They do not serve the order's building.
    WrongBuilding,
    /// They do not work in the order's service category.
    WrongCategory,
    /// They already hold the most open orders allowed.
    TooManyOpenOrders,
    /// Their record is suspended (an approved suspension, or by hand).
    Suspended,
    /// They lack a valid certificate the category's group or their post requires.
    CertificateMissing,
    /// They have not acknowledged the current version of a policy past its grace period.
    PolicyNotAcknowledged,
    /// They have not passed every pre-job course of their post.
    PreJobTrainingIncomplete,
    /// Their in-service training has lapsed.
    InServiceTrainingLapsed,
}

/// One change of a work order, live.
#[derive(SimpleObject, Clone)]
pub struct WorkOrderEvent {
    /// Pass as `after` to resume from this event.
    pub cursor: String,
    /// The order as it is after the change, as you may see it.
    pub work_order: WorkOrder,
    /// The change.
    pub change: WorkOrderEntry,
}
