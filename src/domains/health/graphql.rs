//! GraphQL surface of health services.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    service::{
        HealthService, NewConsultation, NewExamResult, NewSlot, ProfileInput, slot_times_ok,
    },
    types::{
        HealthAccessLogEntry, HealthConsent, HealthConsentScope, HealthConsultation,
        HealthConsultationMode, HealthConsultationSlot, HealthConsultationStatus, HealthExamResult,
        HealthProfile,
    },
};
use crate::graphql::{
    ContextExt,
    checks::Checks,
    ids::{parse_id, parse_opt_id},
    pagination::{CountedConnection, PageRequest},
    text::Text,
};

/// Most consultations one slot takes.
const MAX_CAPACITY: i32 = 50;

/// An emergency contact as written.
#[derive(InputObject)]
pub struct HealthEmergencyContactInput {
    /// Name (1–200 characters).
    pub name: String,
    /// Phone (1–64 characters).
    pub phone: String,
}

/// Input of `saveHealthProfile`.
#[derive(InputObject)]
pub struct SaveHealthProfileInput {
    /// Yourself (your user id), or a child or elder of your household (a household member id).
    pub subject_id: ID,
    /// Conditions (up to 2000 characters).
    #[graphql(default)]
    pub conditions: String,
    /// Allergies (up to 2000 characters).
    #[graphql(default)]
    pub allergies: String,
    /// Medications (up to 2000 characters).
    #[graphql(default)]
    pub medications: String,
    /// Whom to call in an emergency.
    pub emergency_contact: Option<HealthEmergencyContactInput>,
    /// Notes (up to 2000 characters).
    #[graphql(default)]
    pub notes: String,
}

/// Input naming a health subject.
#[derive(InputObject)]
pub struct DeleteHealthProfileInput {
    /// The subject whose profile goes.
    pub subject_id: ID,
}

/// Input of `grantHealthConsent`.
#[derive(InputObject)]
pub struct GrantHealthConsentInput {
    /// The subject (yourself, or a child or elder of your household).
    pub subject_id: ID,
    /// What the consent allows.
    pub scope: HealthConsentScope,
    /// The clinic partner (for `CLINIC` only, and required there).
    pub partner_id: Option<ID>,
}

/// Input of `withdrawHealthConsent`.
#[derive(InputObject)]
pub struct WithdrawHealthConsentInput {
    /// The consent.
    pub consent_id: ID,
}

/// Input of `publishHealthConsultationSlot`.
#[derive(InputObject)]
pub struct PublishHealthConsultationSlotInput {
    /// How consultations in it take place.
    pub mode: HealthConsultationMode,
    /// Starts at (in the future).
    pub starts_at: DateTime<Utc>,
    /// Ends at (after the start, within 8 hours).
    pub ends_at: DateTime<Utc>,
    /// Consultations it takes (1–50).
    pub capacity: i32,
}

/// Input of `requestHealthConsultation`.
#[derive(InputObject)]
pub struct RequestHealthConsultationInput {
    /// The subject (yourself, or a child or elder of your household).
    pub subject_id: ID,
    /// Online or on site.
    pub mode: HealthConsultationMode,
    /// A published slot; or give `preferredAt`.
    pub slot_id: Option<ID>,
    /// A preferred time (in the future); or give `slotId`.
    pub preferred_at: Option<DateTime<Utc>>,
    /// Why (1–2000 characters): seen by the resident's side and the providers only.
    pub reason: String,
    /// A clinic partner; without it the estate's health staff.
    pub partner_id: Option<ID>,
}

/// Input naming a consultation.
#[derive(InputObject)]
pub struct HealthConsultationStepInput {
    /// The consultation.
    pub id: ID,
}

/// Input of `completeHealthConsultation`.
#[derive(InputObject)]
pub struct CompleteHealthConsultationInput {
    /// The consultation.
    pub id: ID,
    /// The clinician's notes (1–4000 characters): the resident's side and you only.
    pub notes: String,
}

/// Input of `recordExamResult`.
#[derive(InputObject)]
pub struct RecordExamResultInput {
    /// The `PHYSICAL_EXAM_DAY` activity.
    pub activity_id: ID,
    /// The subject (a resident or a household member).
    pub subject_id: ID,
    /// The results (1–4000 characters).
    pub results: String,
    /// Advice (up to 2000 characters).
    pub advice: Option<String>,
}

/// Result of `saveHealthProfile`.
#[derive(SimpleObject)]
pub struct HealthProfilePayload {
    /// The profile after the change.
    pub profile: HealthProfile,
}

/// Result of `deleteHealthProfile`.
#[derive(SimpleObject)]
pub struct DeleteHealthProfilePayload {
    /// The subject whose profile (and every health record) is gone.
    pub deleted_subject_id: ID,
}

/// Result of a consent change.
#[derive(SimpleObject)]
pub struct HealthConsentPayload {
    /// The consent after the change.
    pub consent: HealthConsent,
}

/// Result of `publishHealthConsultationSlot`.
#[derive(SimpleObject)]
pub struct HealthConsultationSlotPayload {
    /// The slot.
    pub slot: HealthConsultationSlot,
}

/// Result of a consultation step.
#[derive(SimpleObject)]
pub struct HealthConsultationPayload {
    /// The consultation after the step.
    pub consultation: HealthConsultation,
}

/// Result of `recordExamResult`.
#[derive(SimpleObject)]
pub struct HealthExamResultPayload {
    /// The result.
    pub result: HealthExamResult,
}

/// Health queries.
#[derive(Default)]
pub struct HealthQuery;

#[Object]
impl HealthQuery {
    /// The health profile of a subject (a user id or a household member id): yourself, the
    /// children and elders of your household (null while there is none), or, while a consent
    /// holds, health staff and the clinic named (each such read is logged). Anyone else:
    /// `NOT_FOUND`.
    async fn health_profile(
        &self,
        ctx: &Context<'_>,
        subject_id: ID,
    ) -> async_graphql::Result<Option<HealthProfile>> {
        let subject_id = parse_id("subjectId", &subject_id)?;
        let scope = ctx.scope().await?;
        let found = HealthService::new(ctx.state())
            .profile(scope, subject_id)
            .await?;
        Ok(found.map(HealthProfile::try_from_model).transpose()?)
    }

    /// The exam results on a subject's profile, newest first (read as `healthProfile`).
    async fn health_exam_results(
        &self,
        ctx: &Context<'_>,
        subject_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<HealthExamResult>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let subject_id = parse_id("subjectId", &subject_id)?;
        let scope = ctx.scope().await?;
        let page = HealthService::new(ctx.state())
            .exam_results(scope, subject_id, &page)
            .await?;
        Ok(page.into_counted_connection(HealthExamResult::from_model))
    }

    /// The consents on a subject's profile, newest first (yourself and your household only).
    async fn health_consents(
        &self,
        ctx: &Context<'_>,
        subject_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<HealthConsent>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let subject_id = parse_id("subjectId", &subject_id)?;
        let scope = ctx.scope().await?;
        let page = HealthService::new(ctx.state())
            .consents(scope, subject_id, &page)
            .await?;
        Ok(page.try_into_counted_connection(HealthConsent::try_from_model)?)
    }

    /// Who read a subject's profile under a consent, newest first (yourself and your household
    /// only).
    async fn health_profile_access_log(
        &self,
        ctx: &Context<'_>,
        subject_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<HealthAccessLogEntry>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let subject_id = parse_id("subjectId", &subject_id)?;
        let scope = ctx.scope().await?;
        let page = HealthService::new(ctx.state())
            .access_log(scope, subject_id, &page)
            .await?;
        Ok(page.try_into_counted_connection(HealthAccessLogEntry::try_from_model)?)
    }

    /// Future consultation slots of the estate's health staff (no `partnerId`) or of a clinic,
    /// soonest first (everyone signed in).
    async fn health_consultation_slots(
        &self,
        ctx: &Context<'_>,
        partner_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<HealthConsultationSlot>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let partner_id = parse_opt_id("partnerId", partner_id.as_ref())?;
        let scope = ctx.scope().await?;
        let page = HealthService::new(ctx.state())
            .slots(scope, partner_id, &page)
            .await?;
        Ok(page.try_into_counted_connection(HealthConsultationSlot::try_from_model)?)
    }

    /// Your consultations, newest first: those you asked for or for your household, and, for
    /// health staff and clinics, those asked of them.
    async fn health_consultations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<HealthConsultation>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let (viewer, page) = HealthService::new(ctx.state())
            .consultations(scope, &page)
            .await?;
        Ok(page.try_into_counted_connection(|model| {
            let notes = viewer.sees_notes(&model);
            HealthConsultation::try_from_model(model, notes)
        })?)
    }

    /// One consultation (as `healthConsultations`; others `NOT_FOUND`).
    async fn health_consultation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<HealthConsultation> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, notes) = HealthService::new(ctx.state())
            .consultation(scope, id)
            .await?;
        Ok(HealthConsultation::try_from_model(model, notes)?)
    }
}

/// Health mutations.
#[derive(Default)]
pub struct HealthMutation;

#[Object]
impl HealthMutation {
    /// Creates or replaces a health profile: yours (residents), or a child's or elder's of your
    /// household. A pet is `BAD_USER_INPUT` on `input.subjectId`.
    async fn save_health_profile(
        &self,
        ctx: &Context<'_>,
        input: SaveHealthProfileInput,
    ) -> async_graphql::Result<HealthProfilePayload> {
        let mut check = Checks::new();
        let subject_id = check.field(parse_id("input.subjectId", &input.subject_id));
        let conditions = check.field(Text::<2000, 0>::parse(
            "input.conditions",
            &input.conditions,
        ));
        let allergies = check.field(Text::<2000, 0>::parse("input.allergies", &input.allergies));
        let medications = check.field(Text::<2000, 0>::parse(
            "input.medications",
            &input.medications,
        ));
        let notes = check.field(Text::<2000, 0>::parse("input.notes", &input.notes));
        let (name, phone) = match &input.emergency_contact {
            Some(contact) => (
                check
                    .field(Text::<200>::parse(
                        "input.emergencyContact.name",
                        &contact.name,
                    ))
                    .map(|t| Some(t.into_inner())),
                check
                    .field(Text::<64>::parse(
                        "input.emergencyContact.phone",
                        &contact.phone,
                    ))
                    .map(|t| Some(t.into_inner())),
            ),
            None => (Some(None), Some(None)),
        };
        let (subject_id, profile) = check.finish(|| {
            Some((
                subject_id?,
                ProfileInput {
                    conditions: conditions?.into_inner(),
                    allergies: allergies?.into_inner(),
                    medications: medications?.into_inner(),
                    emergency_name: name?,
                    emergency_phone: phone?,
                    notes: notes?.into_inner(),
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let model = HealthService::new(ctx.state())
            .save_profile(scope, subject_id, profile)
            .await?;
        Ok(HealthProfilePayload {
            profile: HealthProfile::try_from_model(model)?,
        })
    }

    /// Deletes a health profile for good, with its consents, access log, exam results and the
    /// subject's consultations (yours, or your household's).
    async fn delete_health_profile(
        &self,
        ctx: &Context<'_>,
        input: DeleteHealthProfileInput,
    ) -> async_graphql::Result<DeleteHealthProfilePayload> {
        let subject_id = parse_id("input.subjectId", &input.subject_id)?;
        let scope = ctx.scope().await?;
        let id = HealthService::new(ctx.state())
            .delete_profile(scope, subject_id)
            .await?;
        Ok(DeleteHealthProfilePayload {
            deleted_subject_id: ID(id.to_string()),
        })
    }

    /// Records a consent on a profile (yours, or your household's). `CLINIC` names a partner of
    /// kind `CLINIC`; a consent that holds already is `CONFLICT`.
    async fn grant_health_consent(
        &self,
        ctx: &Context<'_>,
        input: GrantHealthConsentInput,
    ) -> async_graphql::Result<HealthConsentPayload> {
        let mut check = Checks::new();
        let subject_id = check.field(parse_id("input.subjectId", &input.subject_id));
        let partner_id = check.field(parse_opt_id("input.partnerId", input.partner_id.as_ref()));
        let clinic = input.scope == HealthConsentScope::Clinic;
        check.rule(
            input.partner_id.is_some() == clinic,
            "input.partnerId",
            if clinic {
                "a CLINIC consent names the clinic partner"
            } else {
                "only a CLINIC consent names a partner"
            },
        );
        let (subject_id, partner_id) = check.finish(|| Some((subject_id?, partner_id?)))?;
        let scope = ctx.scope().await?;
        let model = HealthService::new(ctx.state())
            .grant_consent(scope, subject_id, input.scope, partner_id)
            .await?;
        Ok(HealthConsentPayload {
            consent: HealthConsent::try_from_model(model)?,
        })
    }

    /// Withdraws a consent: its party cannot read the profile from the next request on.
    /// Withdrawing twice is `INVALID_STATE`.
    async fn withdraw_health_consent(
        &self,
        ctx: &Context<'_>,
        input: WithdrawHealthConsentInput,
    ) -> async_graphql::Result<HealthConsentPayload> {
        let id = parse_id("input.consentId", &input.consent_id)?;
        let scope = ctx.scope().await?;
        let model = HealthService::new(ctx.state())
            .withdraw_consent(scope, id)
            .await?;
        Ok(HealthConsentPayload {
            consent: HealthConsent::try_from_model(model)?,
        })
    }

    /// Publishes a consultation slot (active health staff for the estate, a clinic's members for
    /// the clinic).
    async fn publish_health_consultation_slot(
        &self,
        ctx: &Context<'_>,
        input: PublishHealthConsultationSlotInput,
    ) -> async_graphql::Result<HealthConsultationSlotPayload> {
        let mut check = Checks::new();
        check.rule(
            slot_times_ok(input.starts_at, input.ends_at),
            "input.endsAt",
            "ends after it starts, within 8 hours",
        );
        check.rule(
            (1..=MAX_CAPACITY).contains(&input.capacity),
            "input.capacity",
            "takes 1 to 50 consultations",
        );
        check.done()?;
        let scope = ctx.scope().await?;
        let model = HealthService::new(ctx.state())
            .publish_slot(
                scope,
                NewSlot {
                    mode: input.mode,
                    starts_at: input.starts_at,
                    ends_at: input.ends_at,
                    capacity: input.capacity,
                },
            )
            .await?;
        Ok(HealthConsultationSlotPayload {
            slot: HealthConsultationSlot::try_from_model(model)?,
        })
    }

    /// Asks for a consultation for yourself or your household's child or elder, in a slot (a
    /// full slot is `CONFLICT` on `input.slotId`) or at a preferred time, of the estate's health
    /// staff or a clinic partner.
    async fn request_health_consultation(
        &self,
        ctx: &Context<'_>,
        input: RequestHealthConsultationInput,
    ) -> async_graphql::Result<HealthConsultationPayload> {
        let mut check = Checks::new();
        let subject_id = check.field(parse_id("input.subjectId", &input.subject_id));
        let slot_id = check.field(parse_opt_id("input.slotId", input.slot_id.as_ref()));
        let partner_id = check.field(parse_opt_id("input.partnerId", input.partner_id.as_ref()));
        let reason = check.field(Text::<2000>::parse("input.reason", &input.reason));
        check.rule(
            input.slot_id.is_some() != input.preferred_at.is_some(),
            "input.slotId",
            "give either a slot or a preferred time",
        );
        let new = check.finish(|| {
            Some(NewConsultation {
                subject_id: subject_id?,
                mode: input.mode,
                slot_id: slot_id?,
                preferred_at: input.preferred_at,
                reason: reason?.into_inner(),
                partner_id: partner_id?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = HealthService::new(ctx.state())
            .request_consultation(scope, new)
            .await?;
        Ok(HealthConsultationPayload {
            consultation: HealthConsultation::try_from_model(model, true)?,
        })
    }

    /// Confirms a requested consultation (its health staff or clinic): you become its clinician.
    async fn confirm_health_consultation(
        &self,
        ctx: &Context<'_>,
        input: HealthConsultationStepInput,
    ) -> async_graphql::Result<HealthConsultationPayload> {
        step(
            ctx,
            parse_id("input.id", &input.id)?,
            HealthConsultationStatus::Confirmed,
            None,
        )
        .await
    }

    /// Completes a confirmed consultation with your notes (its clinician).
    async fn complete_health_consultation(
        &self,
        ctx: &Context<'_>,
        input: CompleteHealthConsultationInput,
    ) -> async_graphql::Result<HealthConsultationPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let notes = check.field(Text::<4000>::parse("input.notes", &input.notes));
        let (id, notes) = check.finish(|| Some((id?, notes?)))?;
        step(
            ctx,
            id,
            HealthConsultationStatus::Done,
            Some(notes.into_inner()),
        )
        .await
    }

    /// Cancels a requested or confirmed consultation (either side); the slot's place is free
    /// again.
    async fn cancel_health_consultation(
        &self,
        ctx: &Context<'_>,
        input: HealthConsultationStepInput,
    ) -> async_graphql::Result<HealthConsultationPayload> {
        step(
            ctx,
            parse_id("input.id", &input.id)?,
            HealthConsultationStatus::Cancelled,
            None,
        )
        .await
    }

    /// Records physical-examination results of a subject at a `PHYSICAL_EXAM_DAY` (health staff
    /// who attended it). Without the subject's `EXAM_RESULTS` consent: `INVALID_STATE`, nothing
    /// written.
    async fn record_exam_result(
        &self,
        ctx: &Context<'_>,
        input: RecordExamResultInput,
    ) -> async_graphql::Result<HealthExamResultPayload> {
        let mut check = Checks::new();
        let activity_id = check.field(parse_id("input.activityId", &input.activity_id));
        let subject_id = check.field(parse_id("input.subjectId", &input.subject_id));
        let results = check.field(Text::<4000>::parse("input.results", &input.results));
        let advice = check.field(Text::<2000>::parse_opt(
            "input.advice",
            input.advice.as_deref(),
        ));
        let new = check.finish(|| {
            Some(NewExamResult {
                activity_id: activity_id?,
                subject_id: subject_id?,
                results: results?.into_inner(),
                advice: advice?.map(Text::into_inner),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = HealthService::new(ctx.state())
            .record_exam_result(scope, new)
            .await?;
        Ok(HealthExamResultPayload {
            result: HealthExamResult::from_model(model),
        })
    }
}

async fn step(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    to: HealthConsultationStatus,
    notes: Option<String>,
) -> async_graphql::Result<HealthConsultationPayload> {
    let scope = ctx.scope().await?;
    let service = HealthService::new(ctx.state());
    let model = service.transition(scope, id, to, notes).await?;
    let (_, notes) = service.consultation(scope, model.id).await?;
    Ok(HealthConsultationPayload {
        consultation: HealthConsultation::try_from_model(model, notes)?,
    })
}
