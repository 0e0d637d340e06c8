//! GraphQL types of the conduct domain, built from the stored rows.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    domains::estate::types::{StaffPost, StaffRecord},
    error::{AppError, AppResult},
    graphql::{ContextExt, loaders::ById},
    text_enum,
};
use entity::{ledger_entry, policy_acknowledgement, policy_version, staff_record};

text_enum! {
    /// A policy staff must acknowledge.
    pub enum PolicyKind {
        /// Service standards: how residents are served.
        ServiceStandard => "SERVICE_STANDARD",
        /// Workflow rules: how work is taken, done and handed over.
        Workflow => "WORKFLOW",
        /// The code of conduct.
        CodeOfConduct => "CODE_OF_CONDUCT",
        /// What to do in an emergency.
        EmergencyProcedure => "EMERGENCY_PROCEDURE",
    }
}

text_enum! {
    /// What a ledger entry records.
    pub enum LedgerKind {
        /// A bonus (with an amount).
        Bonus => "BONUS",
        /// A commendation.
        Commendation => "COMMENDATION",
        /// A promotion.
        Promotion => "PROMOTION",
        /// A warning (a penalty).
        Warning => "WARNING",
        /// A fine (a penalty, with an amount).
        Fine => "FINE",
        /// A demerit (a penalty).
        Demerit => "DEMERIT",
        /// A suspension for a period (a penalty): the staff record is `SUSPENDED` during it.
        Suspension => "SUSPENSION",
    }
}

impl LedgerKind {
    /// Whether it is a penalty (needs a source record, may be appealed).
    pub fn is_penalty(self) -> bool {
        matches!(
            self,
            LedgerKind::Warning | LedgerKind::Fine | LedgerKind::Demerit | LedgerKind::Suspension
        )
    }

    /// Whether it carries an amount.
    pub fn has_amount(self) -> bool {
        matches!(self, LedgerKind::Bonus | LedgerKind::Fine)
    }
}

text_enum! {
    /// Where a ledger entry stands.
    pub enum LedgerStatus {
        /// Proposed, waiting for another person's approval.
        Proposed => "PROPOSED",
        /// Approved: in effect.
        Approved => "APPROVED",
        /// Rejected: never in effect.
        Rejected => "REJECTED",
        /// An approved penalty the staff member appealed, waiting for a supervisor.
        Appealed => "APPEALED",
        /// The appeal was refused: the penalty stands.
        Upheld => "UPHELD",
        /// The appeal succeeded: the penalty is withdrawn.
        Overturned => "OVERTURNED",
    }
}

text_enum! {
    /// The kind of record a penalty rests on.
    pub enum LedgerSourceKind {
        /// A resident's complaint.
        Complaint => "COMPLAINT",
        /// A supervision inspection.
        Inspection => "INSPECTION",
        /// A work-order rating.
        Rating => "RATING",
        /// A staff assessment.
        Assessment => "ASSESSMENT",
        /// A work order.
        WorkOrder => "WORK_ORDER",
        /// A verified rectification (the penalty or reward cites how it was put right).
        Rectification => "RECTIFICATION",
    }
}

/// One version of a policy.
#[derive(Clone, SimpleObject)]
pub struct PolicyVersion {
    /// Id.
    pub id: ID,
    /// The policy.
    pub policy: PolicyKind,
    /// 1, 2, … per policy; the highest is current.
    pub version: i32,
    /// Title.
    pub title: String,
    /// The text, when published inline.
    pub body: Option<String>,
    /// A link to the document, when published as one.
    pub url: Option<String>,
    /// The staff posts that must acknowledge it.
    pub posts: Vec<StaffPost>,
    /// Days staff have to acknowledge it; after that, staff who have not are unassignable.
    pub grace_days: i32,
    /// Published at.
    pub published_at: DateTime<Utc>,
}

impl PolicyVersion {
    /// From a row.
    pub fn try_from_model(model: policy_version::Model) -> AppResult<PolicyVersion> {
        Ok(PolicyVersion {
            id: ID(model.id.to_string()),
            policy: PolicyKind::from_stored(&model.policy)?,
            version: model.version,
            posts: posts_of(&model)?,
            title: model.title,
            body: model.body,
            url: model.url,
            grace_days: model.grace_days,
            published_at: model.published_at,
        })
    }
}

/// The posts a version applies to.
pub fn posts_of(model: &policy_version::Model) -> AppResult<Vec<StaffPost>> {
    let codes: Vec<String> = serde_json::from_str(&model.posts).map_err(AppError::internal)?;
    codes.iter().map(|c| StaffPost::from_stored(c)).collect()
}

/// A policy with its current version and its history.
#[derive(SimpleObject)]
pub struct Policy {
    /// The policy.
    pub kind: PolicyKind,
    /// The version staff must acknowledge now.
    pub current: PolicyVersion,
    /// Every version, newest first.
    pub versions: Vec<PolicyVersion>,
}

/// A staff member's acknowledgement of a version.
#[derive(SimpleObject)]
pub struct PolicyAcknowledgement {
    /// Id.
    pub id: ID,
    /// The staff record.
    pub staff_id: ID,
    /// The policy.
    pub policy: PolicyKind,
    /// The version acknowledged.
    pub version_id: ID,
    /// Acknowledged at.
    pub acknowledged_at: DateTime<Utc>,
}

impl PolicyAcknowledgement {
    /// From a row.
    pub fn try_from_model(model: policy_acknowledgement::Model) -> AppResult<Self> {
        Ok(PolicyAcknowledgement {
            id: ID(model.id.to_string()),
            staff_id: ID(model.staff_id.to_string()),
            policy: PolicyKind::from_stored(&model.policy)?,
            version_id: ID(model.version_id.to_string()),
            acknowledged_at: model.acknowledged_at,
        })
    }
}

/// Where one staff member stands with one policy that applies to their post.
#[derive(SimpleObject)]
pub struct PolicyStanding {
    /// The policy.
    pub policy: PolicyKind,
    /// Its current version.
    pub current: PolicyVersion,
    /// The staff member's acknowledgement of the current version, if any.
    pub acknowledgement: Option<PolicyAcknowledgement>,
    /// The latest version they acknowledged (possibly an older one).
    pub acknowledged_version: Option<i32>,
    /// When the grace period for the current version ends.
    pub due_by: DateTime<Utc>,
    /// The grace period ended without an acknowledgement: the staff member is unassignable.
    pub lapsed: bool,
}

/// The record a penalty rests on.
#[derive(SimpleObject, Clone)]
pub struct LedgerSource {
    /// Its kind.
    pub kind: LedgerSourceKind,
    /// Its id.
    pub id: ID,
}

/// One reward or penalty of a staff member, with its decision and appeal.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct LedgerEntry {
    /// Id.
    pub id: ID,
    /// The staff record's id.
    pub staff_id: ID,
    /// What it records.
    pub kind: LedgerKind,
    /// Where it stands.
    pub status: LedgerStatus,
    /// Amount with two decimals (`BONUS`, `FINE`).
    pub amount: Option<String>,
    /// Why.
    pub reason: String,
    /// The record a penalty rests on.
    pub source: Option<LedgerSource>,
    /// Start of a suspension.
    pub suspension_from: Option<DateTime<Utc>>,
    /// End of a suspension.
    pub suspension_until: Option<DateTime<Utc>>,
    /// Who proposed it (a user id).
    pub proposed_by: ID,
    /// Proposed at.
    pub proposed_at: DateTime<Utc>,
    /// Who approved or rejected it (a user id).
    pub decided_by: Option<ID>,
    /// Approved or rejected at.
    pub decided_at: Option<DateTime<Utc>>,
    /// The decision's note.
    pub decision_note: Option<String>,
    /// Until when an approved penalty may be appealed.
    pub appeal_until: Option<DateTime<Utc>>,
    /// The grounds given for the appeal.
    pub appeal_reason: Option<String>,
    /// Appealed at.
    pub appealed_at: Option<DateTime<Utc>>,
    /// The supervisor who decided the appeal (a user id).
    pub appeal_decided_by: Option<ID>,
    /// Appeal decided at.
    pub appeal_decided_at: Option<DateTime<Utc>>,
    /// The appeal decision's note.
    pub appeal_note: Option<String>,
    #[graphql(skip)]
    staff_uuid: Uuid,
}

fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

impl LedgerEntry {
    /// From a row.
    pub fn try_from_model(model: ledger_entry::Model) -> AppResult<LedgerEntry> {
        let kind = LedgerKind::from_stored(&model.kind)?;
        let source = match (model.source_kind.as_deref(), model.source_id) {
            (Some(k), Some(id)) => Some(LedgerSource {
                kind: LedgerSourceKind::from_stored(k)?,
                id: id_of(id),
            }),
            _ => None,
        };
        Ok(LedgerEntry {
            id: id_of(model.id),
            staff_id: id_of(model.staff_id),
            kind,
            status: LedgerStatus::from_stored(&model.status)?,
            amount: model.amount,
            reason: model.reason,
            source,
            suspension_from: model.suspension_from,
            suspension_until: model.suspension_until,
            proposed_by: id_of(model.proposed_by),
            proposed_at: model.proposed_at,
            decided_by: model.decided_by.map(id_of),
            decided_at: model.decided_at,
            decision_note: model.decision_note,
            appeal_until: (kind.is_penalty())
                .then_some(model.decided_at)
                .flatten()
                .filter(|_| model.status != LedgerStatus::Rejected.as_str())
                .map(|at| at + super::service::appeal_window()),
            appeal_reason: model.appeal_reason,
            appealed_at: model.appealed_at,
            appeal_decided_by: model.appeal_decided_by.map(id_of),
            appeal_decided_at: model.appeal_decided_at,
            appeal_note: model.appeal_note,
            staff_uuid: model.staff_id,
        })
    }
}

#[ComplexObject]
impl LedgerEntry {
    /// The staff record it is about.
    async fn staff(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffRecord>> {
        let record = ctx
            .loaders()?
            .load_one::<ById<staff_record::Entity>>(self.staff_uuid)
            .await?;
        Ok(record.map(StaffRecord::try_from_model).transpose()?)
    }
}
