//! Notification types: categories and priorities every domain shares, the stored row as it
//! travels on a user's feed, and the GraphQL object.

use async_graphql::{ID, SimpleObject, Union};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{domains::notices::types::Notice, events::log::Replayable, text_enum};
use entity::notification;

text_enum! {
    /// Which part of the service a notification comes from; mutes are per category.
    pub enum NotificationCategory {
        /// A notice on the bulletin board.
        Notice => "NOTICE",
        /// A work order (booking or repair).
        WorkOrder => "WORK_ORDER",
        /// A complaint or suggestion.
        Complaint => "COMPLAINT",
        /// A rectification task.
        Rectification => "RECTIFICATION",
        /// Staff training.
        Training => "TRAINING",
        /// A staff certificate.
        Certificate => "CERTIFICATE",
        /// A supervision inspection.
        Inspection => "INSPECTION",
        /// A staff assessment.
        Assessment => "ASSESSMENT",
        /// A community activity.
        Activity => "ACTIVITY",
        /// Volunteer service.
        Volunteer => "VOLUNTEER",
        /// A satisfaction survey.
        Survey => "SURVEY",
        /// A partner, perk or redemption.
        Partner => "PARTNER",
        /// Health services.
        Health => "HEALTH",
        /// Personalised care.
        Care => "CARE",
        /// The user's own account (sign-ins, roles).
        Account => "ACCOUNT",
        /// A group channel (a mention, a direct message, a report).
        Channel => "CHANNEL",
        /// The front desk: parcels and visitors.
        FrontDesk => "FRONT_DESK",
        /// A security or fire patrol (a run not started in time).
        Patrol => "PATROL",
        /// A facility asset (an outage, an inspection certificate) or its maintenance.
        Facility => "FACILITY",
        /// A category this server version does not know (written by a newer version).
        Other => "OTHER",
    }
}

text_enum! {
    /// How urgent a notification is.
    pub enum NotificationPriority {
        /// Normal.
        Normal => "NORMAL",
        /// Important.
        Important => "IMPORTANT",
        /// Emergency: delivered even to users who muted its category.
        Emergency => "EMERGENCY",
    }
}

/// What a notification is about, as stored: a subject type and the subject's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubjectRef {
    /// The subject type, e.g. [`SubjectRef::NOTICE`].
    pub kind: &'static str,
    /// The subject's id.
    pub id: Uuid,
}

impl SubjectRef {
    /// A notice.
    pub const NOTICE: &'static str = "NOTICE";
    /// A work order.
    pub const WORK_ORDER: &'static str = "WORK_ORDER";

    /// A notice as a subject.
    pub fn notice(id: Uuid) -> SubjectRef {
        SubjectRef {
            kind: SubjectRef::NOTICE,
            id,
        }
    }
}

/// A notification as stored and as it travels on a user's feed. Values are kept as stored text,
/// so a row written by a newer version still travels and lists.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotificationRow {
    /// Id and cursor.
    pub id: Uuid,
    /// Recipient.
    pub user_id: Uuid,
    /// Position in the recipient's feed (commit order): the subscription cursor. Zero until
    /// the write that queued it commits.
    pub seq: i64,
    /// Category.
    pub category: String,
    /// Priority.
    pub priority: String,
    /// The producing domain's own kind (e.g. the notice kind).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Short text.
    pub text: String,
    /// Subject type.
    pub subject_type: String,
    /// Subject id.
    pub subject_id: Uuid,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Read at.
    pub read_at: Option<DateTime<Utc>>,
    /// When its producer removed it; such a row travels as a removal (absent from messages of
    /// older versions).
    #[serde(default)]
    pub removed_at: Option<DateTime<Utc>>,
}

impl Replayable for NotificationRow {
    fn seq(&self) -> i64 {
        self.seq
    }
}

impl From<notification::Model> for NotificationRow {
    fn from(m: notification::Model) -> Self {
        NotificationRow {
            id: m.id,
            user_id: m.user_id,
            seq: m.seq,
            category: m.category,
            priority: m.priority,
            kind: m.kind,
            title: m.title,
            text: m.text,
            subject_type: m.subject_type,
            subject_id: m.subject_id,
            created_at: m.created_at,
            read_at: m.read_at,
            removed_at: m.removed_at,
        }
    }
}

impl From<&NotificationRow> for notification::ActiveModel {
    fn from(r: &NotificationRow) -> Self {
        use sea_orm::ActiveValue::Set;
        notification::ActiveModel {
            id: Set(r.id),
            user_id: Set(r.user_id),
            seq: Set(r.seq),
            category: Set(r.category.clone()),
            priority: Set(r.priority.clone()),
            kind: Set(r.kind.clone()),
            title: Set(r.title.clone()),
            text: Set(r.text.clone()),
            subject_type: Set(r.subject_type.clone()),
            subject_id: Set(r.subject_id),
            created_at: Set(r.created_at),
            read_at: Set(r.read_at),
            removed_at: Set(r.removed_at),
        }
    }
}

/// What a notification links to, when the viewer may see it.
#[derive(Union, Clone)]
pub enum NotificationSubject {
    /// A notice.
    Notice(Notice),
    /// A work order.
    WorkOrder(Box<crate::domains::work_orders::types::WorkOrder>),
    /// A training record (its result, or the pass about to lapse).
    TrainingRecord(crate::domains::training::types::TrainingRecord),
    /// A staff certificate (verified, revoked, expiring).
    StaffCertificate(Box<crate::domains::qualifications::types::StaffCertificate>),
    /// A policy version to acknowledge.
    PolicyVersion(Box<crate::domains::conduct::types::PolicyVersion>),
    /// A reward or penalty (proposed, decided, appealed).
    LedgerEntry(Box<crate::domains::conduct::types::LedgerEntry>),
    /// A rectification (assigned, submitted, verified, sent back, due soon, overdue).
    Rectification(Box<crate::domains::rectifications::types::Rectification>),
    /// A complaint, suggestion or praise.
    Complaint(Box<crate::domains::complaints::types::Complaint>),
    /// A supervision inspection (scheduled, to inspect, completed).
    Inspection(Box<crate::domains::supervision::types::Inspection>),
    /// A community activity (published, cancelled, a seat confirmed).
    Activity(Box<crate::domains::activities::types::Activity>),
    /// An appointment at a service centre (booked for you, cancelled).
    Appointment(Box<crate::domains::service_centres::types::Appointment>),
    /// A volunteer sign-up (attendance verified, cancelled).
    VolunteerSignUp(Box<crate::domains::volunteers::types::VolunteerSignUp>),
    /// A volunteer profile (verified).
    VolunteerProfile(Box<crate::domains::volunteers::types::VolunteerProfile>),
    /// A time-bank entry (hours received).
    TimeBankEntry(Box<crate::domains::volunteers::types::TimeBankEntry>),
    /// A channel message (a mention, a direct message, a report).
    ChannelMessage(Box<crate::domains::channels::types::ChannelMessage>),
    /// A satisfaction survey or poll (published, a reminder).
    Survey(Box<crate::domains::surveys::types::Survey>),
    /// A staff member's assessment result (final).
    AssessmentResult(Box<crate::domains::assessment::types::AssessmentResult>),
    /// A perk redemption (your code was redeemed).
    PerkRedemption(Box<crate::domains::partners::types::PerkRedemption>),
    /// A parcel at the front desk (arrived, collected, still waiting).
    Parcel(Box<crate::domains::front_desk::types::Parcel>),
    /// A visitor pass (the visitor arrived).
    VisitorPass(Box<crate::domains::front_desk::types::VisitorPass>),
    /// A patrol run (not started in time).
    PatrolRun(Box<crate::domains::patrols::types::PatrolRun>),
    /// A care visit (missed: an elder's check-in alert).
    CareVisit(Box<crate::domains::care::types::CareVisit>),
    /// A facility asset (for those who see its building's assets).
    Asset(Box<crate::domains::assets::types::Asset>),
    /// An outage of a shared facility (for the building's residents).
    FacilityOutage(Box<crate::domains::assets::types::FacilityOutage>),
    /// A preventive maintenance occurrence.
    MaintenanceOccurrence(Box<crate::domains::assets::types::MaintenanceOccurrence>),
}

/// One notification in a user's inbox.
#[derive(SimpleObject, Clone)]
pub struct Notification {
    /// Id (also the cursor in `notifications` and `notificationReceived`).
    pub id: ID,
    /// Which part of the service it comes from.
    pub category: NotificationCategory,
    /// How urgent it is.
    pub priority: NotificationPriority,
    /// The producing domain's own kind, e.g. the notice kind `MAINTENANCE` (free text: new
    /// domains add values without a schema change).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Short text.
    pub text: String,
    /// What it links to: `NOTICE` (other domains add theirs). Kept with `subjectId` for clients
    /// that route by type; `subject` gives the object itself.
    pub subject_type: String,
    /// Id of what it links to.
    pub subject_id: ID,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was read.
    pub read_at: Option<DateTime<Utc>>,
    /// What it links to, when you may see it: null when you may not (a withdrawn notice, one
    /// no longer addressed to you) or when this server version does not know its type.
    /// Resolved for a whole page in one query per subject type.
    pub subject: Option<NotificationSubject>,
}

impl Notification {
    /// From a stored row, never failing: an unknown category shows as `OTHER`, an unknown
    /// priority as `NORMAL`.
    pub fn from_row(row: NotificationRow, subject: Option<NotificationSubject>) -> Notification {
        Notification {
            id: ID(row.id.to_string()),
            category: NotificationCategory::parse(&row.category)
                .unwrap_or(NotificationCategory::Other),
            priority: NotificationPriority::parse(&row.priority)
                .unwrap_or(NotificationPriority::Normal),
            kind: row.kind,
            title: row.title,
            text: row.text,
            subject_type: row.subject_type,
            subject_id: ID(row.subject_id.to_string()),
            created_at: row.created_at,
            read_at: row.read_at,
            subject,
        }
    }
}
