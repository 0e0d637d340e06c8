//! Demo health services: resident1's own profile and their child's, with consents (health staff
//! and exam results), a consultation for the child confirmed by the health assistant (staff11),
//! and exam results from a past spring examination day that staff11 ran. Skipped when
//! resident1's profile exists, so seeding twice adds nothing.

use chrono::Duration;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        health::{
            service::{EXAM_DAY, HealthService, NewConsultation, NewExamResult, ProfileInput},
            types::{HealthConsentScope, HealthConsultationMode, HealthConsultationStatus},
        },
    },
    error::{AppError, AppResult},
};
use entity::{activity, health_profile, household_member, residency, user};

/// The title of the demo's past examination day.
pub const DEMO_EXAM_DAY: &str = "Spring physical examination";

async fn user_id(state: &AppState, email: &str) -> AppResult<Uuid> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| AppError::internal(format!("demo account {email} is missing")))
}

/// Seeds the demo health data; returns how many profiles it wrote.
pub async fn seed_health(state: &AppState) -> AppResult<usize> {
    let resident = user_id(state, "resident1@demo.test").await?;
    let exists = health_profile::Entity::find()
        .filter(health_profile::Column::SubjectId.eq(resident))
        .one(&state.db)
        .await?
        .is_some();
    if exists {
        return Ok(0);
    }
    let nurse = user_id(state, "staff11@demo.test").await?;
    let today = state.clock.today();
    let me = Scope::load_user(&state.db, resident, today).await?;
    let staff = Scope::load_user(&state.db, nurse, today).await?;
    let unit = residency::Entity::find()
        .filter(residency::Column::UserId.eq(resident))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal("resident1 has no home"))?
        .unit_id;
    let child = household_member::Entity::find()
        .filter(household_member::Column::UnitId.eq(unit))
        .filter(household_member::Column::Kind.eq("CHILD"))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal("resident1's household has no child"))?
        .id;
    let service = HealthService::new(state);
    service
        .save_profile(
            &me,
            resident,
            ProfileInput {
                conditions: "Mild hypertension".to_owned(),
                allergies: "Penicillin".to_owned(),
                medications: "Amlodipine 5 mg daily".to_owned(),
                emergency_name: Some("Chen Wei".to_owned()),
                emergency_phone: Some("+8613800000001".to_owned()),
                notes: "Prefers morning appointments".to_owned(),
            },
        )
        .await?;
    service
        .save_profile(
            &me,
            child,
            ProfileInput {
                conditions: "Seasonal asthma".to_owned(),
                allergies: "Peanuts".to_owned(),
                medications: "Salbutamol inhaler when needed".to_owned(),
                emergency_name: Some("Chen Wei".to_owned()),
                emergency_phone: Some("+8613800000001".to_owned()),
                notes: String::new(),
            },
        )
        .await?;
    for (subject, scope) in [
        (resident, HealthConsentScope::HealthStaff),
        (resident, HealthConsentScope::ExamResults),
        (child, HealthConsentScope::HealthStaff),
    ] {
        service.grant_consent(&me, subject, scope, None).await?;
    }
    let now = state.clock.now();
    let consultation = service
        .request_consultation(
            &me,
            NewConsultation {
                subject_id: child,
                mode: HealthConsultationMode::Online,
                slot_id: None,
                preferred_at: Some(now + Duration::days(2)),
                reason: "Wheezing at night after colds".to_owned(),
                partner_id: None,
            },
        )
        .await?;
    service
        .transition(
            &staff,
            consultation.id,
            HealthConsultationStatus::Confirmed,
            None,
        )
        .await?;
    // A past examination day the health assistant ran (addressed to nobody: it is history).
    let day = Uuid::now_v7();
    let starts = now - Duration::days(60);
    activity::Entity::insert(activity::ActiveModel {
        id: Set(day),
        kind: Set(EXAM_DAY.to_owned()),
        title: Set(DEMO_EXAM_DAY.to_owned()),
        description: Set("Height, weight, blood pressure and blood sugar.".to_owned()),
        organiser_id: Set(nurse),
        organiser_name: Set(None),
        place: Set("Estate office, Building A ground floor".to_owned()),
        service_centre_id: Set(None),
        starts_at: Set(starts),
        ends_at: Set(starts + Duration::hours(4)),
        capacity: Set(40),
        sign_up_opens_at: Set(starts - Duration::days(14)),
        sign_up_closes_at: Set(starts),
        cancel_until: Set(starts),
        household_limit: Set(2),
        members_allowed: Set(true),
        status: Set("PUBLISHED".to_owned()),
        seats_taken: Set(0),
        waitlist_length: Set(0),
        waitlist_next: Set(0),
        version: Set(0),
        created_by: Set(nurse),
        created_at: Set(starts - Duration::days(14)),
        updated_at: Set(starts - Duration::days(14)),
        published_at: Set(Some(starts - Duration::days(14))),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        no_shows_marked_at: Set(None),
    })
    .exec(&state.db)
    .await?;
    service
        .record_exam_result(
            &staff,
            NewExamResult {
                activity_id: day,
                subject_id: resident,
                results: "BP 138/86; BMI 24.1; fasting glucose 5.4 mmol/L".to_owned(),
                advice: Some("Recheck blood pressure in three months".to_owned()),
            },
        )
        .await?;
    Ok(2)
}
