//! GraphQL types of health services, built from the stored rows.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{error::AppResult, text_enum};
use entity::{
    health_access_log, health_consent, health_consultation, health_exam_result, health_profile,
    health_slot,
};

text_enum! {
    /// Whom a health profile describes.
    pub enum HealthSubjectKind {
        /// A resident (a user).
        Resident => "RESIDENT",
        /// A child or elder of a household (no account of their own).
        HouseholdMember => "HOUSEHOLD_MEMBER",
    }
}

text_enum! {
    /// What a health consent allows.
    pub enum HealthConsentScope {
        /// Active `HEALTH_ASSISTANT` staff read the profile (each read logged).
        HealthStaff => "HEALTH_STAFF",
        /// The members of the clinic partner named read the profile (each read logged).
        Clinic => "CLINIC",
        /// Health staff attach physical-examination results to the profile.
        ExamResults => "EXAM_RESULTS",
    }
}

text_enum! {
    /// How a consultation takes place.
    pub enum HealthConsultationMode {
        /// By video or phone.
        Online => "ONLINE",
        /// In person.
        Onsite => "ONSITE",
    }
}

text_enum! {
    /// Where a consultation stands.
    pub enum HealthConsultationStatus {
        /// Asked for; waiting for a clinician.
        Requested => "REQUESTED",
        /// A clinician confirmed it.
        Confirmed => "CONFIRMED",
        /// Held; the clinician's notes are in.
        Done => "DONE",
        /// Called off by either side (the slot's place is free again).
        Cancelled => "CANCELLED",
    }
}

text_enum! {
    /// What a logged read was of.
    pub enum HealthReadKind {
        /// The profile.
        Profile => "PROFILE",
        /// The exam results.
        ExamResults => "EXAM_RESULTS",
    }
}

fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

/// An emergency contact.
#[derive(SimpleObject, Clone)]
pub struct HealthEmergencyContact {
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// A health profile (its owner side, or a consent holder: each such read is logged).
#[derive(SimpleObject, Clone)]
pub struct HealthProfile {
    /// Id.
    pub id: ID,
    /// The resident or household member it describes.
    pub subject_id: ID,
    /// Which of the two.
    pub subject_kind: HealthSubjectKind,
    /// Conditions.
    pub conditions: String,
    /// Allergies.
    pub allergies: String,
    /// Medications.
    pub medications: String,
    /// Whom to call in an emergency.
    pub emergency_contact: HealthEmergencyContact,
    /// Notes.
    pub notes: String,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl HealthProfile {
    /// From a row.
    pub fn try_from_model(model: health_profile::Model) -> AppResult<Self> {
        Ok(HealthProfile {
            id: id_of(model.id),
            subject_id: id_of(model.subject_id),
            subject_kind: HealthSubjectKind::from_stored(&model.subject_kind)?,
            conditions: model.conditions,
            allergies: model.allergies,
            medications: model.medications,
            emergency_contact: HealthEmergencyContact {
                name: model.emergency_name,
                phone: model.emergency_phone,
            },
            notes: model.notes,
            created_at: model.created_at,
            updated_at: model.updated_at,
        })
    }
}

/// A consent on a health profile (its owner side only).
#[derive(SimpleObject, Clone)]
pub struct HealthConsent {
    /// Id.
    pub id: ID,
    /// The subject.
    pub subject_id: ID,
    /// What it allows.
    pub scope: HealthConsentScope,
    /// The clinic partner, for `CLINIC`.
    pub partner_id: Option<ID>,
    /// Given at.
    pub granted_at: DateTime<Utc>,
    /// Withdrawn at (it no longer holds).
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Whether it holds now.
    pub active: bool,
}

impl HealthConsent {
    /// From a row.
    pub fn try_from_model(model: health_consent::Model) -> AppResult<Self> {
        Ok(HealthConsent {
            id: id_of(model.id),
            subject_id: id_of(model.subject_id),
            scope: HealthConsentScope::from_stored(&model.scope)?,
            partner_id: model.partner_id.map(id_of),
            granted_at: model.granted_at,
            active: model.withdrawn_at.is_none(),
            withdrawn_at: model.withdrawn_at,
        })
    }
}

/// One read of a profile by someone other than its owner side.
#[derive(SimpleObject, Clone)]
pub struct HealthAccessLogEntry {
    /// Id.
    pub id: ID,
    /// Who read it.
    pub reader_id: ID,
    /// Under which consent.
    pub reader_role: HealthConsentScope,
    /// The clinic, for `CLINIC`.
    pub partner_id: Option<ID>,
    /// What was read.
    pub what: HealthReadKind,
    /// When.
    pub read_at: DateTime<Utc>,
}

impl HealthAccessLogEntry {
    /// From a row.
    pub fn try_from_model(model: health_access_log::Model) -> AppResult<Self> {
        Ok(HealthAccessLogEntry {
            id: id_of(model.id),
            reader_id: id_of(model.reader_id),
            reader_role: HealthConsentScope::from_stored(&model.reader_role)?,
            partner_id: model.partner_id.map(id_of),
            what: HealthReadKind::from_stored(&model.what)?,
            read_at: model.read_at,
        })
    }
}

/// A physical-examination result attached to a profile.
#[derive(SimpleObject, Clone)]
pub struct HealthExamResult {
    /// Id.
    pub id: ID,
    /// The subject.
    pub subject_id: ID,
    /// The exam day (a `PHYSICAL_EXAM_DAY` activity).
    pub activity_id: ID,
    /// The results.
    pub results: String,
    /// Advice given.
    pub advice: Option<String>,
    /// The health staff member who recorded them.
    pub recorded_by: ID,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl HealthExamResult {
    /// From a row.
    pub fn from_model(model: health_exam_result::Model) -> Self {
        HealthExamResult {
            id: id_of(model.id),
            subject_id: id_of(model.subject_id),
            activity_id: id_of(model.activity_id),
            results: model.results,
            advice: model.advice,
            recorded_by: id_of(model.recorded_by),
            recorded_at: model.recorded_at,
        }
    }
}

/// A consultation slot of the estate's health staff or of a clinic.
#[derive(SimpleObject, Clone)]
pub struct HealthConsultationSlot {
    /// Id.
    pub id: ID,
    /// The clinic, or null for the estate's health staff.
    pub partner_id: Option<ID>,
    /// How consultations in it take place.
    pub mode: HealthConsultationMode,
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at.
    pub ends_at: DateTime<Utc>,
    /// Consultations it takes.
    pub capacity: i32,
    /// Places still free.
    pub places_left: i32,
}

impl HealthConsultationSlot {
    /// From a row.
    pub fn try_from_model(model: health_slot::Model) -> AppResult<Self> {
        Ok(HealthConsultationSlot {
            id: id_of(model.id),
            partner_id: model.partner_id.map(id_of),
            mode: HealthConsultationMode::from_stored(&model.mode)?,
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            capacity: model.capacity,
            places_left: (model.capacity - model.taken).max(0),
        })
    }
}

/// A consultation (its resident side and its providers).
#[derive(SimpleObject, Clone)]
pub struct HealthConsultation {
    /// Id.
    pub id: ID,
    /// The subject.
    pub subject_id: ID,
    /// Which kind of subject.
    pub subject_kind: HealthSubjectKind,
    /// The resident who asked.
    pub requested_by: ID,
    /// The clinic, or null for the estate's health staff.
    pub partner_id: Option<ID>,
    /// The slot booked, if any.
    pub slot_id: Option<ID>,
    /// When.
    pub starts_at: DateTime<Utc>,
    /// How.
    pub mode: HealthConsultationMode,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub status: HealthConsultationStatus,
    /// The clinician who confirmed it.
    pub clinician_id: Option<ID>,
    /// The clinician's notes: the resident's side and that clinician only (null for others).
    pub clinician_notes: Option<String>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl HealthConsultation {
    /// From a row, with the notes when `notes` (the viewer may read them).
    pub fn try_from_model(model: health_consultation::Model, notes: bool) -> AppResult<Self> {
        Ok(HealthConsultation {
            id: id_of(model.id),
            subject_id: id_of(model.subject_id),
            subject_kind: HealthSubjectKind::from_stored(&model.subject_kind)?,
            requested_by: id_of(model.requested_by),
            partner_id: model.partner_id.map(id_of),
            slot_id: model.slot_id.map(id_of),
            starts_at: model.starts_at,
            mode: HealthConsultationMode::from_stored(&model.mode)?,
            reason: model.reason,
            status: HealthConsultationStatus::from_stored(&model.status)?,
            clinician_id: model.clinician_id.map(id_of),
            clinician_notes: if notes { model.clinician_notes } else { None },
            created_at: model.created_at,
            updated_at: model.updated_at,
        })
    }
}
