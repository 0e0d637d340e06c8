//! Complaint enums and GraphQL types. What a viewer reads of a complaint is decided once, by
//! [`View`], when the object is made: the complainant is left out for everyone but themselves
//! when the complaint is anonymous, and internal notes only reach the handling staff.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};

use super::{access::Relation, loaders::EntriesByComplaint};
use crate::{
    domains::{
        estate::{loaders::BuildingById, types::Building, types::StaffRecord},
        identity::loaders::UserById,
    },
    error::{AppError, AppResult},
    graphql::ContextExt,
    text_enum,
};
use entity::{complaint, complaint_entry, staff_record};

text_enum! {
    /// What a complaint is about.
    pub enum ComplaintKind {
        /// The quality of a service.
        ServiceQuality => "SERVICE_QUALITY",
        /// How a staff member behaved.
        StaffConduct => "STAFF_CONDUCT",
        /// A facility (lifts, lights, doors).
        Facility => "FACILITY",
        /// The environment (cleanliness, greenery).
        Environment => "ENVIRONMENT",
        /// A neighbour.
        Neighbour => "NEIGHBOUR",
        /// Noise.
        Noise => "NOISE",
        /// A suggestion.
        Suggestion => "SUGGESTION",
        /// Praise (of a staff member, it proposes a commendation once replied).
        Praise => "PRAISE",
    }
}

text_enum! {
    /// Where a complaint stands.
    pub enum ComplaintStatus {
        /// Submitted, not yet acknowledged.
        Submitted => "SUBMITTED",
        /// Acknowledged by its handler or a manager.
        Acknowledged => "ACKNOWLEDGED",
        /// Being looked into.
        Investigating => "INVESTIGATING",
        /// A rectification was opened for it.
        Rectifying => "RECTIFYING",
        /// Replied to; the complainant may reopen or appeal within the window, and rate.
        Replied => "REPLIED",
        /// Appealed to the supervisors, who reply again.
        Appealed => "APPEALED",
        /// Finished.
        Closed => "CLOSED",
    }
}

text_enum! {
    /// A step of a complaint (one timeline entry each).
    pub enum ComplaintAction {
        /// Submitted.
        Submit => "SUBMIT",
        /// A handler was assigned (or took it).
        Assign => "ASSIGN",
        /// Acknowledged.
        Acknowledge => "ACKNOWLEDGE",
        /// The investigation started.
        Investigate => "INVESTIGATE",
        /// A rectification was opened.
        Rectify => "RECTIFY",
        /// Replied to the complainant.
        Reply => "REPLY",
        /// Closed.
        Close => "CLOSE",
        /// Reopened by the complainant.
        Reopen => "REOPEN",
        /// Appealed by the complainant to the supervisors.
        Appeal => "APPEAL",
        /// Rated by the complainant.
        Rate => "RATE",
        /// A note (internal ones for staff only).
        Note => "NOTE",
    }
}

impl ComplaintAction {
    /// The action as a past participle, for messages.
    pub fn past_tense(self) -> &'static str {
        match self {
            ComplaintAction::Submit => "submitted",
            ComplaintAction::Assign => "assigned",
            ComplaintAction::Acknowledge => "acknowledged",
            ComplaintAction::Investigate => "under investigation",
            ComplaintAction::Rectify => "sent for rectification",
            ComplaintAction::Reply => "replied to",
            ComplaintAction::Close => "closed",
            ComplaintAction::Reopen => "reopened",
            ComplaintAction::Appeal => "appealed",
            ComplaintAction::Rate => "rated",
            ComplaintAction::Note => "annotated",
        }
    }
}

/// What the viewer may read of one complaint.
#[derive(Clone, Copy, Debug, Default)]
pub struct View {
    /// Internal notes and staff-only details.
    pub staff_view: bool,
    /// The complainant (false for anyone but the complainant on an anonymous complaint).
    pub shows_complainant: bool,
    /// The viewer is the complainant.
    pub complainant: bool,
}

impl From<&Relation> for View {
    fn from(rel: &Relation) -> View {
        View {
            staff_view: rel.staff_view,
            shows_complainant: rel.shows_complainant,
            complainant: rel.complainant,
        }
    }
}

/// A complaint, suggestion or praise, as its viewer may see it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Complaint {
    /// Globally unique id (`node(id:)` finds it again).
    pub id: ID,
    /// What it is about.
    pub kind: ComplaintKind,
    /// The complainant's one-line summary.
    pub title: String,
    /// The complainant's account of it.
    pub description: String,
    /// Where it stands (see the transition table).
    pub status: ComplaintStatus,
    /// The complainant asked to stay anonymous: staff never see who they are.
    pub anonymous: bool,
    /// Acknowledgement due by.
    pub acknowledge_due_at: DateTime<Utc>,
    /// Reply due by (moves on a reopen).
    pub reply_due_at: DateTime<Utc>,
    /// First acknowledged at.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Last replied at.
    pub replied_at: Option<DateTime<Utc>>,
    /// Closed at.
    pub closed_at: Option<DateTime<Utc>>,
    /// The reply to the complainant.
    pub reply: Option<String>,
    /// Times reopened (at most once).
    pub reopen_count: i32,
    /// Until when the complainant may reopen or appeal (null before a reply).
    pub reopen_until: Option<DateTime<Utc>>,
    /// Appealed to the supervisors at.
    pub appealed_at: Option<DateTime<Utc>>,
    /// Why it was appealed.
    pub appeal_reason: Option<String>,
    /// The complainant's rating of the handling, 1–5.
    pub rating: Option<i32>,
    /// The rating's comment.
    pub rating_comment: Option<String>,
    /// The acknowledgement came (or will come) late.
    pub acknowledge_overdue: bool,
    /// The reply came (or will come) late.
    pub reply_overdue: bool,
    /// The rectification opened for it, if any (see `rectifications`).
    pub rectification_id: Option<ID>,
    /// Raised by every change: pass it as `expectedVersion` to act only on what you saw.
    pub version: i32,
    /// Submitted at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// The row.
    #[graphql(skip)]
    pub model: complaint::Model,
    /// What the viewer may read.
    #[graphql(skip)]
    pub view: View,
}

impl Complaint {
    /// From a row as `view` may read it; `now` judges whether deadlines are missed and
    /// `reopen_window` when the reopen window ends.
    pub fn try_from_model(
        model: complaint::Model,
        view: View,
        now: DateTime<Utc>,
        reopen_window: chrono::Duration,
    ) -> AppResult<Complaint> {
        let ack_overdue = model.acknowledged_at.unwrap_or(now) > model.ack_due_at;
        let status = ComplaintStatus::from_stored(&model.status)?;
        // While it is handled (again, after a reopen) the clock runs; after a reply it judges
        // the reply.
        let replied = model
            .replied_at
            .filter(|_| !super::flow::OPEN.contains(&status));
        let reply_overdue = replied.unwrap_or(now) > model.reply_due_at;
        Ok(Complaint {
            id: ID(model.id.to_string()),
            kind: ComplaintKind::from_stored(&model.kind)?,
            title: model.title.clone(),
            description: model.description.clone(),
            status,
            anonymous: model.anonymous,
            acknowledge_due_at: model.ack_due_at,
            reply_due_at: model.reply_due_at,
            acknowledged_at: model.acknowledged_at,
            replied_at: model.replied_at,
            closed_at: model.closed_at,
            reply: model.reply.clone(),
            reopen_count: model.reopen_count,
            reopen_until: model.replied_at.map(|at| at + reopen_window),
            appealed_at: model.appealed_at,
            appeal_reason: model.appeal_reason.clone(),
            rating: model.rating.map(i32::from),
            rating_comment: model.rating_comment.clone(),
            acknowledge_overdue: ack_overdue,
            reply_overdue,
            rectification_id: model.rectification_id.map(|id| ID(id.to_string())),
            version: model.version,
            created_at: model.created_at,
            updated_at: model.updated_at,
            model,
            view,
        })
    }
}

#[ComplexObject]
impl Complaint {
    /// The building.
    async fn building(&self, ctx: &Context<'_>) -> async_graphql::Result<Building> {
        let building = ctx
            .loaders()?
            .load_one::<BuildingById>(self.model.building_id)
            .await?
            .ok_or(AppError::NotFound("building"))?;
        Ok(building.into())
    }

    /// The complainant's user id; null for everyone but the complainant when anonymous.
    async fn complainant_id(&self) -> Option<ID> {
        self.view
            .shows_complainant
            .then(|| ID(self.model.complainant_id.to_string()))
    }

    /// The complainant's display name; null for everyone but the complainant when anonymous.
    async fn complainant_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if !self.view.shows_complainant {
            return Ok(None);
        }
        Ok(ctx
            .loaders()?
            .load_one::<UserById>(self.model.complainant_id)
            .await?
            .map(|user| user.display_name))
    }

    /// Whether you are the complainant (the only one who sees it on an anonymous complaint).
    async fn mine(&self) -> bool {
        self.view.complainant
    }

    /// The id of the work order it is about (see `workOrder` for the order itself).
    async fn work_order_id(&self) -> Option<ID> {
        self.model.work_order_id.map(|id| ID(id.to_string()))
    }

    /// The work order it is about, when you may see that order (null otherwise, as
    /// `workOrder(id:)` would be `NOT_FOUND`). Loaded in one batch for a page.
    async fn work_order(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::domains::work_orders::types::WorkOrder>> {
        let Some(id) = self.model.work_order_id else {
            return Ok(None);
        };
        let Some(order) = ctx
            .loaders()?
            .load_one::<crate::domains::work_orders::loaders::WorkOrderById>(id)
            .await?
        else {
            return Ok(None);
        };
        let scope = ctx.scope().await?;
        let rel = crate::domains::work_orders::access::relation(scope, &order).await?;
        if !rel.sees {
            return Ok(None);
        }
        Ok(Some(
            crate::domains::work_orders::types::WorkOrder::try_from_model(order, rel.staff_view)?,
        ))
    }

    /// The staff member it is about (or praises).
    async fn staff(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffRecord>> {
        self.record(ctx, self.model.staff_id).await
    }

    /// The staff member handling it.
    async fn handler(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffRecord>> {
        self.record(ctx, self.model.handler_id).await
    }

    /// The timeline, oldest first; `last` keeps only the newest entries. Internal notes are
    /// for the handling staff only: the complainant and the staff member concerned never see
    /// them.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        last: Option<i32>,
    ) -> async_graphql::Result<Vec<ComplaintEntry>> {
        let entries: Vec<_> = ctx
            .loaders()?
            .load_one::<EntriesByComplaint>(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter(|e| self.view.staff_view || !e.internal)
            .collect();
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
            .map(|entry| ComplaintEntry::try_from_model(entry, self.view))
            .collect::<AppResult<_>>()
            .map_err(Into::into)
    }
}

impl Complaint {
    async fn record(
        &self,
        ctx: &Context<'_>,
        id: Option<uuid::Uuid>,
    ) -> async_graphql::Result<Option<StaffRecord>> {
        let Some(id) = id else {
            return Ok(None);
        };
        let record = ctx
            .loaders()?
            .load_one::<crate::graphql::loaders::ById<staff_record::Entity>>(id)
            .await?;
        Ok(record.map(StaffRecord::try_from_model).transpose()?)
    }
}

/// One timeline entry: a step of the complaint.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "ComplaintChange")]
pub struct ComplaintEntry {
    /// The entry's id (entries sort by it).
    pub id: ID,
    /// What happened.
    pub action: ComplaintAction,
    /// Status before (null for the submission).
    pub from: Option<ComplaintStatus>,
    /// Status after.
    pub to: ComplaintStatus,
    /// Who acted: null for the system, and for the complainant of an anonymous complaint
    /// (unless you are that complainant).
    pub actor_id: Option<ID>,
    /// The complainant took this step.
    pub by_complainant: bool,
    /// The note, reason or reply.
    pub note: Option<String>,
    /// Staff only (internal notes reach the handling staff alone).
    pub internal: bool,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl ComplaintEntry {
    /// From a row as `view` may read it (callers leave out internal entries for non-staff).
    pub fn try_from_model(model: complaint_entry::Model, view: View) -> AppResult<Self> {
        let actor_id = match (model.by_complainant, view.shows_complainant) {
            (true, false) => None,
            _ => model.actor_id,
        };
        Ok(ComplaintEntry {
            id: ID(model.id.to_string()),
            action: ComplaintAction::from_stored(&model.action)?,
            from: model
                .from_status
                .as_deref()
                .map(ComplaintStatus::from_stored)
                .transpose()?,
            to: ComplaintStatus::from_stored(&model.to_status)?,
            actor_id: actor_id.map(|id| ID(id.to_string())),
            by_complainant: model.by_complainant,
            note: model.note,
            internal: model.internal,
            at: model.at,
        })
    }
}

/// One change of a complaint, live.
#[derive(SimpleObject, Clone)]
pub struct ComplaintEvent {
    /// Pass as `after` to resume from this event.
    pub cursor: String,
    /// The complaint as it is after the change, as you may see it.
    pub complaint: Complaint,
    /// The change.
    pub change: ComplaintEntry,
}
