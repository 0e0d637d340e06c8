//! The rectification domain's enumerations and GraphQL types.

use async_graphql::{ComplexObject, Context, ID, SimpleObject, Union};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::loaders::EntriesByRectification;
use crate::{
    domains::{
        estate::{
            loaders::BuildingById,
            types::{Building, StaffRecord},
        },
        work_orders::{loaders::WorkOrderById, types::WorkOrder},
    },
    error::{AppError, AppResult},
    graphql::{ContextExt, loaders::ById},
    text_enum,
};
use entity::{rectification, rectification_entry, staff_record};

text_enum! {
    /// What found the problem.
    pub enum RectificationSource {
        /// A resident's complaint.
        Complaint => "COMPLAINT",
        /// A supervision inspection's finding.
        Inspection => "INSPECTION",
        /// A work order rated 2 or less.
        LowRating => "LOW_RATING",
        /// A satisfaction survey.
        Survey => "SURVEY",
        /// A security or fire patrol's finding.
        Patrol => "PATROL",
    }
}

text_enum! {
    /// Where a rectification stands.
    pub enum RectificationStatus {
        /// Opened, not yet started.
        Open => "OPEN",
        /// Being worked on (also after a rejected submission).
        InProgress => "IN_PROGRESS",
        /// Submitted with evidence, awaiting verification.
        Submitted => "SUBMITTED",
        /// Verified by someone other than the responsible person.
        Verified => "VERIFIED",
    }
}

text_enum! {
    /// One step of a rectification (one timeline entry each).
    pub enum RectificationAction {
        /// Opened (by hand, or by the complaint, inspection or rating that found the problem).
        Open => "OPEN",
        /// The responsible person started work.
        Start => "START",
        /// The responsible person recorded the corrective action and evidence.
        Record => "RECORD",
        /// The responsible person submitted it for verification.
        Submit => "SUBMIT",
        /// A verifier accepted the correction.
        Verify => "VERIFY",
        /// A verifier sent it back, with a reason.
        Reject => "REJECT",
        /// The sweep found it past its due date (the status does not change).
        Overdue => "OVERDUE",
    }
}

impl RectificationAction {
    /// The action in words, for messages ("cannot be …").
    pub fn past_tense(self) -> &'static str {
        match self {
            RectificationAction::Open => "opened",
            RectificationAction::Start => "started",
            RectificationAction::Record => "updated",
            RectificationAction::Submit => "submitted",
            RectificationAction::Verify => "verified",
            RectificationAction::Reject => "rejected",
            RectificationAction::Overdue => "flagged overdue",
        }
    }
}

/// One piece of evidence of a correction: a link (a photo, a document) and a note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
#[graphql(name = "RectificationEvidence")]
pub struct Evidence {
    /// An `https://` link.
    pub url: String,
    /// What it shows.
    pub note: Option<String>,
}

/// What found the problem, as kind and id.
#[derive(Clone, Debug, SimpleObject)]
pub struct RectificationSourceRef {
    /// The kind.
    pub kind: RectificationSource,
    /// The complaint, inspection, work order (for `LOW_RATING`) or survey; null when opened by
    /// hand without one.
    pub id: Option<ID>,
}

/// The object behind a rectification, where the viewer may see it.
#[derive(Union, Clone)]
pub enum RectificationSourceObject {
    /// The work order whose low rating opened it.
    WorkOrder(Box<WorkOrder>),
    /// The complaint being rectified.
    Complaint(Box<crate::domains::complaints::types::Complaint>),
    /// The inspection whose finding opened it.
    Inspection(Box<crate::domains::supervision::types::Inspection>),
}

/// A rectification as its viewer may see it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Rectification {
    /// Id.
    pub id: ID,
    /// Where it stands.
    pub status: RectificationStatus,
    /// What found the problem.
    pub source: RectificationSourceRef,
    /// What is wrong.
    pub problem: String,
    /// What is to be done, or was done.
    pub corrective_action: Option<String>,
    /// Evidence of the correction (at most 10 items).
    pub evidence: Vec<Evidence>,
    /// Due by.
    pub due_at: DateTime<Utc>,
    /// Past its due date and not verified (judged now).
    pub overdue: bool,
    /// When the overdue sweep flagged it (and told the responsible person and the managers).
    pub overdue_at: Option<DateTime<Utc>>,
    /// Opened at.
    pub opened_at: DateTime<Utc>,
    /// Who opened it (a user id); null when the system did (a low rating).
    pub opened_by_id: Option<ID>,
    /// Last submitted for verification at.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Who verified it (a user id; never the responsible person).
    pub verified_by_id: Option<ID>,
    /// Verified at.
    pub verified_at: Option<DateTime<Utc>>,
    /// Raised by every step: pass it as `expectedVersion` to act only on what you saw.
    pub version: i32,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// The building's id.
    pub building_id: ID,
    /// The responsible staff record's id.
    pub responsible_staff_id: ID,
    /// The row.
    #[graphql(skip)]
    pub model: rectification::Model,
}

impl Rectification {
    /// From a row; `now` judges `overdue`.
    pub fn try_from_model(model: rectification::Model, now: DateTime<Utc>) -> AppResult<Self> {
        let status = RectificationStatus::from_stored(&model.status)?;
        Ok(Rectification {
            id: ID(model.id.to_string()),
            status,
            source: RectificationSourceRef {
                kind: RectificationSource::from_stored(&model.source_kind)?,
                id: model.source_id.map(|id| ID(id.to_string())),
            },
            problem: model.problem.clone(),
            corrective_action: model.corrective_action.clone(),
            evidence: evidence_of(&model.evidence),
            due_at: model.due_at,
            overdue: is_overdue(&model, now),
            overdue_at: model.overdue_at,
            opened_at: model.opened_at,
            opened_by_id: model.opened_by.map(|id| ID(id.to_string())),
            submitted_at: model.submitted_at,
            verified_by_id: model.verified_by.map(|id| ID(id.to_string())),
            verified_at: model.verified_at,
            version: model.version,
            updated_at: model.updated_at,
            building_id: ID(model.building_id.to_string()),
            responsible_staff_id: ID(model.responsible_staff_id.to_string()),
            model,
        })
    }
}

/// The stored evidence list (an unreadable one reads as empty).
pub fn evidence_of(stored: &str) -> Vec<Evidence> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// Past due and not verified, at `now`.
pub fn is_overdue(model: &rectification::Model, now: DateTime<Utc>) -> bool {
    model.status != RectificationStatus::Verified.as_str() && now > model.due_at
}

#[ComplexObject]
impl Rectification {
    /// The building.
    async fn building(&self, ctx: &Context<'_>) -> async_graphql::Result<Building> {
        let building = ctx
            .loaders()?
            .load_one::<BuildingById>(self.model.building_id)
            .await?
            .ok_or(AppError::NotFound("building"))?;
        Ok(building.into())
    }

    /// The staff member responsible for putting it right.
    async fn responsible(&self, ctx: &Context<'_>) -> async_graphql::Result<StaffRecord> {
        let record = ctx
            .loaders()?
            .load_one::<ById<staff_record::Entity>>(self.model.responsible_staff_id)
            .await?
            .ok_or(AppError::NotFound("staff record"))?;
        Ok(StaffRecord::try_from_model(record)?)
    }

    /// The object that found the problem, where you may see it: the work order of a
    /// `LOW_RATING`, the complaint, or the inspection (as those types show it to you). Null for
    /// a survey, or when you may not see the source.
    async fn source_object(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<RectificationSourceObject>> {
        let Some(id) = self.model.source_id else {
            return Ok(None);
        };
        let state = ctx.state();
        Ok(match self.source.kind {
            RectificationSource::LowRating => visible_order(ctx, id)
                .await?
                .map(|o| RectificationSourceObject::WorkOrder(Box::new(o))),
            RectificationSource::Complaint => {
                use crate::domains::complaints::{access::relation, service::ComplaintService};
                let loaded = ctx
                    .loaders()?
                    .load_one::<ById<entity::complaint::Entity>>(id)
                    .await?;
                let Some(model) = loaded else {
                    return Ok(None);
                };
                let rel = relation(ctx.scope().await?, &model).await?;
                if !rel.sees {
                    return Ok(None);
                }
                let window = ComplaintService::new(state).reopen_window();
                Some(RectificationSourceObject::Complaint(Box::new(
                    crate::domains::complaints::types::Complaint::try_from_model(
                        model,
                        (&rel).into(),
                        state.clock.now(),
                        window,
                    )?,
                )))
            }
            RectificationSource::Inspection => {
                use crate::domains::supervision::{
                    access::{Supervision, View, relation},
                    types::Inspection,
                };
                let loaded = ctx
                    .loaders()?
                    .load_one::<ById<entity::inspection::Entity>>(id)
                    .await?;
                let Some(model) = loaded else {
                    return Ok(None);
                };
                let facet = ctx.scope().await?.facet::<Supervision>().await?;
                let rel = relation(&facet, &model);
                (rel.view != View::None).then(|| {
                    RectificationSourceObject::Inspection(Box::new(Inspection::new(
                        model, rel.view,
                    )))
                })
            }
            // A patrol's run is found through `patrolRun(id: sourceId)`.
            RectificationSource::Survey | RectificationSource::Patrol => None,
        })
    }

    /// The work order opened for the work, if any and if you may see it.
    async fn work_order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<WorkOrder>> {
        let Some(id) = self.model.work_order_id else {
            return Ok(None);
        };
        visible_order(ctx, id).await
    }

    /// The timeline, oldest first; `last` keeps only the newest entries.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        last: Option<i32>,
    ) -> async_graphql::Result<Vec<RectificationEntry>> {
        let entries = ctx
            .loaders()?
            .load_one::<EntriesByRectification>(self.model.id)
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
            .map(RectificationEntry::try_from_model)
            .collect::<AppResult<_>>()
            .map_err(Into::into)
    }
}

/// A work order by id (batched), when the viewer may see it.
async fn visible_order(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<WorkOrder>> {
    let Some(order) = ctx.loaders()?.load_one::<WorkOrderById>(id).await? else {
        return Ok(None);
    };
    let scope = ctx.scope().await?;
    let rel = crate::domains::work_orders::access::relation(scope, &order).await?;
    if !rel.sees {
        return Ok(None);
    }
    Ok(Some(WorkOrder::try_from_model(order, rel.staff_view)?))
}

/// One timeline entry of a rectification.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "RectificationChange")]
pub struct RectificationEntry {
    /// What happened.
    pub action: RectificationAction,
    /// Status before (null for the opening).
    pub from: Option<RectificationStatus>,
    /// Status after.
    pub to: RectificationStatus,
    /// Who acted (a user id; null: the system).
    pub actor_id: Option<ID>,
    /// When.
    pub at: DateTime<Utc>,
    /// The note given (a rejection's reason, a verifier's remark).
    pub note: Option<String>,
}

impl RectificationEntry {
    /// From a row.
    pub fn try_from_model(model: rectification_entry::Model) -> AppResult<Self> {
        Ok(RectificationEntry {
            action: RectificationAction::from_stored(&model.action)?,
            from: model
                .from_status
                .as_deref()
                .map(RectificationStatus::from_stored)
                .transpose()?,
            to: RectificationStatus::from_stored(&model.to_status)?,
            actor_id: model.actor_id.map(|id| ID(id.to_string())),
            at: model.at,
            note: model.note,
        })
    }
}

/// One change of a rectification, live.
#[derive(SimpleObject, Clone)]
pub struct RectificationEvent {
    /// Pass as `after` to resume from this event.
    pub cursor: String,
    /// The rectification as it is after the change.
    pub rectification: Rectification,
    /// The change.
    pub change: RectificationEntry,
}
