//! Health rules and transactions. Access is judged by [`super::access`]; the viewer's side
//! ([`HealthViewer`]) is loaded before a write begins, and consents are read inside the write that
//! logs the read, so a withdrawal applies to the very next request.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use super::{
    access::{CLINIC, HealthViewer, Subject, consented_reader, owned_subject},
    types::{
        HealthConsentScope, HealthConsultationMode, HealthConsultationStatus, HealthReadKind,
        HealthSubjectKind,
    },
};
use crate::{
    app::AppState,
    domains::{
        activities::types::StoredStatus,
        estate::{access::Scope, types::StaffPost},
        partners::facts,
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
    activity, activity_sign_up, health_access_log, health_consent, health_consultation,
    health_exam_result, health_profile, health_slot, partner, partner_member, staff_record,
};

/// Notification subject type of a consultation (the inbox gives no subject object: open it with
/// `healthConsultation(id:)`).
pub const CONSULTATION_SUBJECT: &str = "HEALTH_CONSULTATION";
/// Notification subject type of a profile (exam results recorded).
pub const PROFILE_SUBJECT: &str = "HEALTH_PROFILE";
/// Activity kind of an exam day.
pub const EXAM_DAY: &str = "PHYSICAL_EXAM_DAY";

/// A profile as its owner side writes it.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    /// Conditions.
    pub conditions: String,
    /// Allergies.
    pub allergies: String,
    /// Medications.
    pub medications: String,
    /// Emergency contact's name.
    pub emergency_name: Option<String>,
    /// Emergency contact's phone.
    pub emergency_phone: Option<String>,
    /// Notes.
    pub notes: String,
}

/// A new slot, checked.
#[derive(Clone, Copy, Debug)]
pub struct NewSlot {
    /// Mode.
    pub mode: HealthConsultationMode,
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at (after the start).
    pub ends_at: DateTime<Utc>,
    /// Capacity (≥ 1).
    pub capacity: i32,
}

/// A consultation request, checked.
#[derive(Clone, Debug)]
pub struct NewConsultation {
    /// Subject.
    pub subject_id: Uuid,
    /// Mode.
    pub mode: HealthConsultationMode,
    /// A slot, or …
    pub slot_id: Option<Uuid>,
    /// … a preferred time.
    pub preferred_at: Option<DateTime<Utc>>,
    /// Why.
    pub reason: String,
    /// A clinic partner.
    pub partner_id: Option<Uuid>,
}

/// An exam result, checked.
#[derive(Clone, Debug)]
pub struct NewExamResult {
    /// The exam day.
    pub activity_id: Uuid,
    /// The subject.
    pub subject_id: Uuid,
    /// Results.
    pub results: String,
    /// Advice.
    pub advice: Option<String>,
}

fn draft(title: &str, text: &str, subject: SubjectRef) -> Draft {
    Draft {
        category: NotificationCategory::Health,
        priority: NotificationPriority::Normal,
        kind: subject.kind.to_owned(),
        title: title.to_owned(),
        text: text.to_owned(),
        subject,
    }
}

fn consultation_ref(id: Uuid) -> SubjectRef {
    SubjectRef {
        kind: CONSULTATION_SUBJECT,
        id,
    }
}

/// Health services.
pub struct HealthService<'a> {
    state: &'a AppState,
}

impl<'a> HealthService<'a> {
    /// Over `state`.
    pub fn new(state: &'a AppState) -> Self {
        HealthService { state }
    }

    async fn viewer(&self, scope: &Scope) -> AppResult<HealthViewer> {
        HealthViewer::load(self.state, scope).await
    }

    async fn profile_of(&self, subject_id: Uuid) -> AppResult<Option<health_profile::Model>> {
        Ok(health_profile::Entity::find()
            .filter(health_profile::Column::SubjectId.eq(subject_id))
            .one(&self.state.db)
            .await?)
    }

    /// The profile of `subject_id`: its owner side reads it (null when there is none); a consent
    /// holder reads it and the read is logged in the same transaction; anyone else `NOT_FOUND`
    /// and nothing is written.
    pub async fn profile(
        &self,
        scope: &Scope,
        subject_id: Uuid,
    ) -> AppResult<Option<health_profile::Model>> {
        let viewer = self.viewer(scope).await?;
        match owned_subject(&self.state.db, &viewer, subject_id, "subjectId").await {
            Ok(_) => return self.profile_of(subject_id).await,
            Err(AppError::UnknownId { .. }) => {}
            Err(other) => return Err(other),
        }
        self.logged_read(&viewer, subject_id, HealthReadKind::Profile)
            .await
            .map(Some)
    }

    /// Reads the profile of `subject_id` as a consent holder, logging the read, or `NOT_FOUND`.
    async fn logged_read(
        &self,
        viewer: &HealthViewer,
        subject_id: Uuid,
        what: HealthReadKind,
    ) -> AppResult<health_profile::Model> {
        let not_found = || AppError::unknown_id("subjectId", "health profile");
        if !viewer.provides() {
            return Err(not_found());
        }
        let write = Write::begin(self.state).await?;
        let profile = health_profile::Entity::find()
            .filter(health_profile::Column::SubjectId.eq(subject_id))
            .one(write.txn())
            .await?
            .ok_or_else(not_found)?;
        let (role, partner) = consented_reader(write.txn(), viewer, profile.id)
            .await?
            .ok_or_else(not_found)?;
        health_access_log::Entity::insert(health_access_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            profile_id: Set(profile.id),
            subject_id: Set(profile.subject_id),
            reader_id: Set(viewer.me),
            reader_role: Set(role.as_str().to_owned()),
            partner_id: Set(partner),
            what: Set(what.as_str().to_owned()),
            read_at: Set(write.now()),
        })
        .exec_without_returning(write.txn())
        .await?;
        write.commit().await?;
        Ok(profile)
    }

    /// The exam results of `subject_id`, newest first: as the profile (consent holders' reads
    /// logged).
    pub async fn exam_results(
        &self,
        scope: &Scope,
        subject_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<health_exam_result::Model>> {
        let viewer = self.viewer(scope).await?;
        let profile = match owned_subject(&self.state.db, &viewer, subject_id, "subjectId").await {
            Ok(_) => self.profile_of(subject_id).await?,
            Err(AppError::UnknownId { .. }) => Some(
                self.logged_read(&viewer, subject_id, HealthReadKind::ExamResults)
                    .await?,
            ),
            Err(other) => return Err(other),
        };
        let id = profile.map_or(Uuid::nil(), |p| p.id);
        Keyset::new()
            .desc(health_exam_result::Column::Id)
            .fetch(
                &self.state.db,
                health_exam_result::Entity::find()
                    .filter(health_exam_result::Column::ProfileId.eq(id)),
                page,
            )
            .await
    }

    /// The consents of `subject_id`, newest first (its owner side; others `NOT_FOUND`).
    pub async fn consents(
        &self,
        scope: &Scope,
        subject_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<health_consent::Model>> {
        let viewer = self.viewer(scope).await?;
        owned_subject(&self.state.db, &viewer, subject_id, "subjectId").await?;
        Keyset::new()
            .desc(health_consent::Column::Id)
            .fetch(
                &self.state.db,
                health_consent::Entity::find()
                    .filter(health_consent::Column::SubjectId.eq(subject_id)),
                page,
            )
            .await
    }

    /// Who read the profile of `subject_id`, newest first (its owner side; others `NOT_FOUND`).
    pub async fn access_log(
        &self,
        scope: &Scope,
        subject_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<health_access_log::Model>> {
        let viewer = self.viewer(scope).await?;
        owned_subject(&self.state.db, &viewer, subject_id, "subjectId").await?;
        Keyset::new()
            .desc(health_access_log::Column::Id)
            .fetch(
                &self.state.db,
                health_access_log::Entity::find()
                    .filter(health_access_log::Column::SubjectId.eq(subject_id)),
                page,
            )
            .await
    }

    /// Creates or replaces the profile of `subject_id` (its owner side; a resident needs a
    /// current home).
    pub async fn save_profile(
        &self,
        scope: &Scope,
        subject_id: Uuid,
        input: ProfileInput,
    ) -> AppResult<health_profile::Model> {
        let viewer = self.viewer(scope).await?;
        let subject = owned_subject(&self.state.db, &viewer, subject_id, "input.subjectId").await?;
        if subject.kind == HealthSubjectKind::Resident && viewer.units.is_empty() {
            return Err(AppError::Forbidden(
                "only residents keep a health profile".to_owned(),
            ));
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let existing = health_profile::Entity::find()
            .filter(health_profile::Column::SubjectId.eq(subject_id))
            .one(write.txn())
            .await?;
        let model = match existing {
            Some(found) => {
                let model = health_profile::Model {
                    conditions: input.conditions,
                    allergies: input.allergies,
                    medications: input.medications,
                    emergency_name: input.emergency_name,
                    emergency_phone: input.emergency_phone,
                    notes: input.notes,
                    updated_at: now,
                    ..found
                };
                health_profile::Entity::update(
                    health_profile::ActiveModel::from(model.clone()).reset_all(),
                )
                .exec(write.txn())
                .await?;
                model
            }
            None => {
                let model = health_profile::Model {
                    id: Uuid::now_v7(),
                    subject_id,
                    subject_kind: subject.kind.as_str().to_owned(),
                    unit_id: subject.unit_id,
                    conditions: input.conditions,
                    allergies: input.allergies,
                    medications: input.medications,
                    emergency_name: input.emergency_name,
                    emergency_phone: input.emergency_phone,
                    notes: input.notes,
                    created_by: viewer.me,
                    created_at: now,
                    updated_at: now,
                };
                health_profile::Entity::insert(health_profile::ActiveModel::from(model.clone()))
                    .exec_without_returning(write.txn())
                    .await?;
                model
            }
        };
        write.commit().await?;
        Ok(model)
    }

    /// Deletes the profile of `subject_id` and every health row of its subject (owner side).
    pub async fn delete_profile(&self, scope: &Scope, subject_id: Uuid) -> AppResult<Uuid> {
        let viewer = self.viewer(scope).await?;
        owned_subject(&self.state.db, &viewer, subject_id, "input.subjectId").await?;
        let mut write = Write::begin(self.state).await?;
        let profile = health_profile::Entity::find()
            .filter(health_profile::Column::SubjectId.eq(subject_id))
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.subjectId", "health profile"))?;
        let consultations = health_consultation::Entity::find()
            .filter(health_consultation::Column::SubjectId.eq(subject_id))
            .all(write.txn())
            .await?;
        for c in &consultations {
            if let Some(slot) = c.live_slot_id {
                free_place(&write, slot).await?;
            }
            Notifier::remove(&mut write, consultation_ref(c.id)).await?;
        }
        Notifier::remove(
            &mut write,
            SubjectRef {
                kind: PROFILE_SUBJECT,
                id: profile.id,
            },
        )
        .await?;
        health_consultation::Entity::delete_many()
            .filter(health_consultation::Column::SubjectId.eq(subject_id))
            .exec(write.txn())
            .await?;
        health_exam_result::Entity::delete_many()
            .filter(health_exam_result::Column::ProfileId.eq(profile.id))
            .exec(write.txn())
            .await?;
        health_access_log::Entity::delete_many()
            .filter(health_access_log::Column::ProfileId.eq(profile.id))
            .exec(write.txn())
            .await?;
        health_consent::Entity::delete_many()
            .filter(health_consent::Column::ProfileId.eq(profile.id))
            .exec(write.txn())
            .await?;
        health_profile::Entity::delete_by_id(profile.id)
            .exec(write.txn())
            .await?;
        write.commit().await?;
        Ok(subject_id)
    }

    /// Records a consent (owner side; the profile must exist). A `CLINIC` consent names a partner
    /// of kind `CLINIC` (`BAD_USER_INPUT` on `input.partnerId` otherwise); a consent that holds
    /// already is `CONFLICT`.
    pub async fn grant_consent(
        &self,
        scope: &Scope,
        subject_id: Uuid,
        consent: HealthConsentScope,
        partner_id: Option<Uuid>,
    ) -> AppResult<health_consent::Model> {
        let viewer = self.viewer(scope).await?;
        owned_subject(&self.state.db, &viewer, subject_id, "input.subjectId").await?;
        if let Some(partner_id) = partner_id {
            let found = partner::Entity::find_by_id(partner_id)
                .one(&self.state.db)
                .await?
                .ok_or_else(|| AppError::unknown_id("input.partnerId", "partner"))?;
            if found.kind != CLINIC {
                return Err(AppError::bad_input(
                    "input.partnerId",
                    "a clinic consent names a partner of kind CLINIC",
                ));
            }
        }
        let profile = self.profile_of(subject_id).await?.ok_or_else(|| {
            AppError::InvalidState("save the health profile before consenting".to_owned())
        })?;
        let write = Write::begin(self.state).await?;
        let model = health_consent::Model {
            id: Uuid::now_v7(),
            profile_id: profile.id,
            subject_id,
            scope: consent.as_str().to_owned(),
            partner_id,
            live_key: Some(format!(
                "{}:{}:{}",
                profile.id,
                consent.as_str(),
                partner_id.map(|p| p.to_string()).unwrap_or_default()
            )),
            granted_by: viewer.me,
            granted_at: write.now(),
            withdrawn_at: None,
        };
        let inserted =
            health_consent::Entity::insert(health_consent::ActiveModel::from(model.clone()))
                .on_conflict(
                    OnConflict::column(health_consent::Column::LiveKey)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(write.txn())
                .await?;
        if inserted == 0 {
            return Err(AppError::Conflict {
                field: Some("input.scope".to_owned()),
                message: "this consent holds already".to_owned(),
            });
        }
        write.commit().await?;
        Ok(model)
    }

    /// Withdraws a consent (owner side): its party loses access from the next request on.
    /// Withdrawing twice is `INVALID_STATE`.
    pub async fn withdraw_consent(
        &self,
        scope: &Scope,
        consent_id: Uuid,
    ) -> AppResult<health_consent::Model> {
        let viewer = self.viewer(scope).await?;
        let not_found = || AppError::unknown_id("input.consentId", "health consent");
        let found = health_consent::Entity::find_by_id(consent_id)
            .one(&self.state.db)
            .await?
            .ok_or_else(not_found)?;
        owned_subject(&self.state.db, &viewer, found.subject_id, "input.consentId")
            .await
            .map_err(|_| not_found())?;
        if found.withdrawn_at.is_some() {
            return Err(AppError::InvalidState(
                "this consent was withdrawn already".to_owned(),
            ));
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let changed = health_consent::Entity::update_many()
            .col_expr(health_consent::Column::WithdrawnAt, Expr::value(now))
            .col_expr(
                health_consent::Column::LiveKey,
                Expr::value(Option::<String>::None),
            )
            .filter(health_consent::Column::Id.eq(consent_id))
            .filter(health_consent::Column::WithdrawnAt.is_null())
            .exec(write.txn())
            .await?;
        if changed.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "this consent was withdrawn already".to_owned(),
            ));
        }
        write.commit().await?;
        Ok(health_consent::Model {
            withdrawn_at: Some(now),
            live_key: None,
            ..found
        })
    }

    /// Publishes a slot (active health staff for the estate; a clinic's members for it).
    pub async fn publish_slot(&self, scope: &Scope, new: NewSlot) -> AppResult<health_slot::Model> {
        let viewer = self.viewer(scope).await?;
        let partner_id = if viewer.health_staff {
            None
        } else if let Some(clinic) = viewer.clinic {
            Some(clinic)
        } else {
            return Err(AppError::Forbidden(
                "only health staff and clinics publish consultation slots".to_owned(),
            ));
        };
        let write = Write::begin(self.state).await?;
        if new.starts_at <= write.now() {
            return Err(AppError::bad_input(
                "input.startsAt",
                "must be in the future",
            ));
        }
        let model = health_slot::Model {
            id: Uuid::now_v7(),
            partner_id,
            published_by: viewer.me,
            mode: new.mode.as_str().to_owned(),
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            capacity: new.capacity,
            taken: 0,
            created_at: write.now(),
        };
        health_slot::Entity::insert(health_slot::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        write.commit().await?;
        Ok(model)
    }

    /// Future slots of the estate's health staff (`partner_id` none) or of a clinic, soonest
    /// first (everyone signed in: slots hold no health data).
    pub async fn slots(
        &self,
        scope: &Scope,
        partner_id: Option<Uuid>,
        page: &PageRequest,
    ) -> AppResult<Page<health_slot::Model>> {
        scope.require_user()?;
        let provider = match partner_id {
            Some(p) => health_slot::Column::PartnerId.eq(p),
            None => health_slot::Column::PartnerId.is_null(),
        };
        Keyset::new()
            .asc(health_slot::Column::StartsAt)
            .asc(health_slot::Column::Id)
            .fetch(
                &self.state.db,
                health_slot::Entity::find()
                    .filter(provider)
                    .filter(health_slot::Column::StartsAt.gt(self.state.clock.now())),
                page,
            )
            .await
    }

    /// The users who answer consultations of the estate's health staff (`None`) or of a clinic.
    async fn providers(&self, write: &Write<'_>, partner_id: Option<Uuid>) -> AppResult<Vec<Uuid>> {
        Ok(match partner_id {
            Some(p) => partner_member::Entity::find()
                .filter(partner_member::Column::PartnerId.eq(p))
                .all(write.txn())
                .await?
                .into_iter()
                .map(|m| m.user_id)
                .collect(),
            None => staff_record::Entity::find()
                .filter(staff_record::Column::Post.eq(StaffPost::HealthAssistant.as_str()))
                .filter(staff_record::Column::Status.eq("ACTIVE"))
                .all(write.txn())
                .await?
                .into_iter()
                .map(|s| s.user_id)
                .collect(),
        })
    }

    /// Asks for a consultation for a subject (owner side), in a slot (capacity-checked) or at a
    /// preferred time, of the estate's health staff or a clinic; the providers are notified.
    pub async fn request_consultation(
        &self,
        scope: &Scope,
        new: NewConsultation,
    ) -> AppResult<health_consultation::Model> {
        let viewer = self.viewer(scope).await?;
        let subject: Subject =
            owned_subject(&self.state.db, &viewer, new.subject_id, "input.subjectId").await?;
        let now = self.state.clock.now();
        let (partner_id, starts_at) = if let Some(slot_id) = new.slot_id {
            let slot = health_slot::Entity::find_by_id(slot_id)
                .one(&self.state.db)
                .await?
                .ok_or_else(|| AppError::unknown_id("input.slotId", "consultation slot"))?;
            if new.partner_id.is_some() && new.partner_id != slot.partner_id {
                return Err(AppError::bad_input(
                    "input.partnerId",
                    "the slot belongs to another provider",
                ));
            }
            if slot.mode != new.mode.as_str() {
                return Err(AppError::bad_input(
                    "input.mode",
                    "the slot is for the other mode",
                ));
            }
            if slot.starts_at <= now {
                return Err(AppError::InvalidState("this slot has started".to_owned()));
            }
            (slot.partner_id, slot.starts_at)
        } else {
            if let Some(p) = new.partner_id {
                let found = partner::Entity::find_by_id(p)
                    .one(&self.state.db)
                    .await?
                    .ok_or_else(|| AppError::unknown_id("input.partnerId", "partner"))?;
                if found.kind != CLINIC || !facts::in_business(&found, now) {
                    return Err(AppError::bad_input(
                        "input.partnerId",
                        "name a clinic partner in business",
                    ));
                }
            }
            let at = new.preferred_at.unwrap_or(now);
            if at <= now {
                return Err(AppError::bad_input(
                    "input.preferredAt",
                    "must be in the future",
                ));
            }
            (new.partner_id, at)
        };
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let model = health_consultation::Model {
            id: Uuid::now_v7(),
            subject_id: subject.id,
            subject_kind: subject.kind.as_str().to_owned(),
            unit_id: subject.unit_id,
            requested_by: viewer.me,
            partner_id,
            slot_id: new.slot_id,
            live_slot_id: new.slot_id,
            starts_at,
            mode: new.mode.as_str().to_owned(),
            reason: new.reason,
            status: HealthConsultationStatus::Requested.as_str().to_owned(),
            clinician_id: None,
            clinician_notes: None,
            created_at: now,
            updated_at: now,
        };
        let inserted = health_consultation::Entity::insert(health_consultation::ActiveModel::from(
            model.clone(),
        ))
        .on_conflict(
            OnConflict::columns([
                health_consultation::Column::SubjectId,
                health_consultation::Column::LiveSlotId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        if inserted == 0 {
            return Err(AppError::Conflict {
                field: Some("input.slotId".to_owned()),
                message: "this subject holds a place in this slot already".to_owned(),
            });
        }
        if let Some(slot_id) = new.slot_id {
            let taken = health_slot::Entity::update_many()
                .col_expr(
                    health_slot::Column::Taken,
                    Expr::col(health_slot::Column::Taken).add(1),
                )
                .filter(health_slot::Column::Id.eq(slot_id))
                .filter(
                    Expr::col(health_slot::Column::Taken)
                        .lt(Expr::col(health_slot::Column::Capacity)),
                )
                .exec(write.txn())
                .await?;
            if taken.rows_affected != 1 {
                return Err(AppError::Conflict {
                    field: Some("input.slotId".to_owned()),
                    message: "this slot is full".to_owned(),
                });
            }
        }
        let providers = self.providers(&write, partner_id).await?;
        Notifier::notify(
            &mut write,
            providers.into_iter().filter(|u| *u != viewer.me),
            &draft(
                "Consultation requested",
                "A resident asked for a consultation. Open health services to answer.",
                consultation_ref(model.id),
            ),
        )
        .await?;
        write.commit().await?;
        Ok(model)
    }

    /// One consultation the viewer sees (resident side or provider side), with whether its
    /// notes are shown; others `NOT_FOUND`.
    pub async fn consultation(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(health_consultation::Model, bool)> {
        let viewer = self.viewer(scope).await?;
        let found = health_consultation::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .filter(|c| viewer.sees_consultation(c))
            .ok_or(AppError::NotFound("health consultation"))?;
        let notes = viewer.sees_notes(&found);
        Ok((found, notes))
    }

    /// The consultations the viewer sees, newest first, each with whether its notes are shown.
    pub async fn consultations(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<(HealthViewer, Page<health_consultation::Model>)> {
        let viewer = self.viewer(scope).await?;
        let page = Keyset::new()
            .desc(health_consultation::Column::Id)
            .fetch(
                &self.state.db,
                health_consultation::Entity::find().filter(viewer.consultation_condition()),
                page,
            )
            .await?;
        Ok((viewer, page))
    }

    /// Moves a consultation: `CONFIRMED` (its providers, who become its clinician), `DONE` with
    /// notes (the clinician), `CANCELLED` (either side; frees the slot's place). The other side
    /// is notified, without health details.
    pub async fn transition(
        &self,
        scope: &Scope,
        id: Uuid,
        to: HealthConsultationStatus,
        notes: Option<String>,
    ) -> AppResult<health_consultation::Model> {
        let viewer = self.viewer(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let found = health_consultation::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .filter(|c| viewer.sees_consultation(c))
            .ok_or_else(|| AppError::unknown_id("input.id", "health consultation"))?;
        let from = HealthConsultationStatus::from_stored(&found.status)?;
        let owner = viewer.owner_of_consultation(&found);
        let (allowed, from_ok) = match to {
            HealthConsultationStatus::Confirmed => (
                viewer.provider_of(&found),
                from == HealthConsultationStatus::Requested,
            ),
            HealthConsultationStatus::Done => (
                found.clinician_id == Some(viewer.me),
                from == HealthConsultationStatus::Confirmed,
            ),
            HealthConsultationStatus::Cancelled => (
                owner || viewer.provider_of(&found),
                matches!(
                    from,
                    HealthConsultationStatus::Requested | HealthConsultationStatus::Confirmed
                ),
            ),
            HealthConsultationStatus::Requested => (false, false),
        };
        if !allowed {
            return Err(AppError::Forbidden(
                "this step is not yours to take".to_owned(),
            ));
        }
        if !from_ok {
            return Err(AppError::InvalidState(format!(
                "a {} consultation cannot become {}",
                from.as_str(),
                to.as_str()
            )));
        }
        let mut update = health_consultation::Entity::update_many()
            .col_expr(
                health_consultation::Column::Status,
                Expr::value(to.as_str()),
            )
            .col_expr(health_consultation::Column::UpdatedAt, Expr::value(now))
            .filter(health_consultation::Column::Id.eq(id))
            .filter(health_consultation::Column::Status.eq(from.as_str()));
        let mut model = found.clone();
        model.status = to.as_str().to_owned();
        model.updated_at = now;
        match to {
            HealthConsultationStatus::Confirmed => {
                update = update.col_expr(
                    health_consultation::Column::ClinicianId,
                    Expr::value(viewer.me),
                );
                model.clinician_id = Some(viewer.me);
            }
            HealthConsultationStatus::Done => {
                update = update.col_expr(
                    health_consultation::Column::ClinicianNotes,
                    Expr::value(notes.clone()),
                );
                model.clinician_notes = notes;
            }
            _ => {
                update = update.col_expr(
                    health_consultation::Column::LiveSlotId,
                    Expr::value(Option::<Uuid>::None),
                );
                model.live_slot_id = None;
            }
        }
        if update.exec(write.txn()).await?.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "the consultation changed meanwhile".to_owned(),
            ));
        }
        if to == HealthConsultationStatus::Cancelled
            && let Some(slot) = found.live_slot_id
        {
            free_place(&write, slot).await?;
        }
        let (title, recipients) = match to {
            HealthConsultationStatus::Confirmed => {
                ("Consultation confirmed", vec![found.requested_by])
            }
            HealthConsultationStatus::Done => ("Consultation completed", vec![found.requested_by]),
            _ if owner => (
                "Consultation cancelled",
                match found.clinician_id {
                    Some(c) => vec![c],
                    None => self.providers(&write, found.partner_id).await?,
                },
            ),
            _ => ("Consultation cancelled", vec![found.requested_by]),
        };
        Notifier::notify(
            &mut write,
            recipients.into_iter().filter(|u| *u != viewer.me),
            &draft(
                title,
                "Open health services for the details.",
                consultation_ref(id),
            ),
        )
        .await?;
        write.commit().await?;
        Ok(model)
    }

    /// Records exam results of a subject at a `PHYSICAL_EXAM_DAY` (active health staff who
    /// attended it: its organiser, or who checked people in there). Without an `EXAM_RESULTS`
    /// consent: `INVALID_STATE`, nothing written.
    pub async fn record_exam_result(
        &self,
        scope: &Scope,
        new: NewExamResult,
    ) -> AppResult<health_exam_result::Model> {
        let viewer = self.viewer(scope).await?;
        if !viewer.health_staff {
            return Err(AppError::Forbidden(
                "only health staff record exam results".to_owned(),
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let day = activity::Entity::find_by_id(new.activity_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.activityId", "activity"))?;
        if day.kind != EXAM_DAY {
            return Err(AppError::bad_input(
                "input.activityId",
                "name a PHYSICAL_EXAM_DAY activity",
            ));
        }
        if day.status == StoredStatus::Cancelled.as_str() || day.starts_at > now {
            return Err(AppError::InvalidState(
                "results are recorded once the exam day has begun".to_owned(),
            ));
        }
        let attended = day.organiser_id == viewer.me
            || activity_sign_up::Entity::find()
                .filter(activity_sign_up::Column::ActivityId.eq(day.id))
                .filter(activity_sign_up::Column::CheckedInBy.eq(viewer.me))
                .one(write.txn())
                .await?
                .is_some();
        if !attended {
            return Err(AppError::Forbidden(
                "only health staff who attended the exam day record its results".to_owned(),
            ));
        }
        let no_consent = || {
            AppError::InvalidState(
                "the subject has not consented to exam results being attached".to_owned(),
            )
        };
        let profile = health_profile::Entity::find()
            .filter(health_profile::Column::SubjectId.eq(new.subject_id))
            .one(write.txn())
            .await?
            .ok_or_else(no_consent)?;
        health_consent::Entity::find()
            .filter(health_consent::Column::ProfileId.eq(profile.id))
            .filter(health_consent::Column::Scope.eq(HealthConsentScope::ExamResults.as_str()))
            .filter(health_consent::Column::WithdrawnAt.is_null())
            .one(write.txn())
            .await?
            .ok_or_else(no_consent)?;
        let model = health_exam_result::Model {
            id: Uuid::now_v7(),
            profile_id: profile.id,
            subject_id: profile.subject_id,
            activity_id: day.id,
            results: new.results,
            advice: new.advice,
            recorded_by: viewer.me,
            recorded_at: now,
        };
        let inserted = health_exam_result::Entity::insert(health_exam_result::ActiveModel::from(
            model.clone(),
        ))
        .on_conflict(
            OnConflict::columns([
                health_exam_result::Column::ActivityId,
                health_exam_result::Column::SubjectId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        if inserted == 0 {
            return Err(AppError::Conflict {
                field: Some("input.subjectId".to_owned()),
                message: "results of this exam day are recorded already".to_owned(),
            });
        }
        let recipient = if profile.subject_kind == HealthSubjectKind::Resident.as_str() {
            profile.subject_id
        } else {
            profile.created_by
        };
        Notifier::notify(
            &mut write,
            [recipient],
            &draft(
                "Exam results recorded",
                "New results are in your health profile.",
                SubjectRef {
                    kind: PROFILE_SUBJECT,
                    id: profile.id,
                },
            ),
        )
        .await?;
        write.commit().await?;
        Ok(model)
    }
}

/// Gives a place back to `slot` (a live consultation left it).
async fn free_place(write: &Write<'_>, slot: Uuid) -> AppResult<()> {
    health_slot::Entity::update_many()
        .col_expr(
            health_slot::Column::Taken,
            Expr::col(health_slot::Column::Taken).sub(1),
        )
        .filter(health_slot::Column::Id.eq(slot))
        .filter(health_slot::Column::Taken.gt(0))
        .exec(write.txn())
        .await?;
    Ok(())
}

/// Most hours one slot lasts.
pub const MAX_SLOT_HOURS: i64 = 8;

/// Whether a slot's times make sense: it ends after it starts, within [`MAX_SLOT_HOURS`].
pub fn slot_times_ok(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> bool {
    ends_at > starts_at && ends_at - starts_at <= Duration::hours(MAX_SLOT_HOURS)
}
