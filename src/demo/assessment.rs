//! Demo staff assessment: a finalised quarterly cycle of every post (supervisor scores and a
//! peer review, with the demo's ratings, SLA and inspection, turned into results, ledger
//! proposals and notifications) and an open monthly cycle of the repair team with a peer review
//! and a supervisor score in progress. Everything goes through [`AssessmentService`] as the
//! people concerned. Nothing is added when the finalised demo cycle exists.

use chrono::{Datelike, Months};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        assessment::{
            rules::{Indicator, IndicatorRule, Period, ReviewKind, Source},
            service::{AssessmentService, NewCycle, NewReview},
        },
        estate::{access::Scope, types::StaffPost},
    },
    error::{AppError, AppResult},
};
use entity::{assessment_cycle, staff_record, user};

/// The finalised demo cycle's name (its presence means the assessment demo is seeded).
pub const DEMO_FINAL_CYCLE: &str = "Quarterly staff assessment";
/// The open demo cycle's name.
pub const DEMO_OPEN_CYCLE: &str = "Repair team, this month";

async fn scope_of(state: &AppState, email: &str) -> AppResult<Scope> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))?;
    Scope::load_user(&state.db, found.id, state.clock.today()).await
}

async fn staff_id(state: &AppState, email: &str) -> AppResult<Uuid> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))?;
    Ok(staff_record::Entity::find()
        .filter(staff_record::Column::UserId.eq(found.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("{email} has no staff record")))?
        .id)
}

fn rule(indicator: Indicator, weight: i32) -> IndicatorRule {
    IndicatorRule {
        indicator: indicator.as_str().to_owned(),
        weight,
        training_course_id: None,
    }
}

fn review(cycle_id: Uuid, staff_id: Uuid, kind: ReviewKind, score: i32) -> NewReview {
    NewReview {
        cycle_id,
        staff_id,
        kind,
        scores: vec![
            (Indicator::Attitude, score),
            (Indicator::Skill, score),
            (Indicator::Efficiency, score - 5),
        ],
        comment: Some("Demo review".to_owned()),
    }
}

/// Seeds the demo cycles (see the module documentation); returns how many cycles it created.
pub async fn seed_assessment(state: &AppState) -> AppResult<usize> {
    let exists = assessment_cycle::Entity::find()
        .filter(assessment_cycle::Column::Name.eq(DEMO_FINAL_CYCLE))
        .one(&state.db)
        .await?
        .is_some();
    if exists {
        return Ok(0);
    }
    let service = AssessmentService::new(state);
    let admin = scope_of(state, "admin@demo.test").await?;
    let supervisor = scope_of(state, "supervisor1@demo.test").await?;
    let today = state.clock.today();
    let month = today.with_day(1).unwrap_or(today);
    let quarter_start = month.checked_sub_months(Months::new(2)).unwrap_or(month);

    // The quarter ending next month: the demo's ratings, orders and inspection fall in it.
    let finished = service
        .create(
            &admin,
            NewCycle {
                name: DEMO_FINAL_CYCLE.to_owned(),
                period: Period::Quarter,
                starts_on: quarter_start,
                posts: vec![],
                indicators: vec![
                    rule(Indicator::Attitude, 30),
                    rule(Indicator::Skill, 30),
                    rule(Indicator::Efficiency, 20),
                    rule(Indicator::ResidentSatisfaction, 20),
                ],
                minimums: vec![(Source::Ratings, 1), (Source::PeerReviews, 1)],
                supersedes: None,
            },
        )
        .await?;
    for (email, score) in [
        ("staff2@demo.test", 92),
        ("staff3@demo.test", 78),
        ("staff5@demo.test", 55),
        ("staff10@demo.test", 96),
    ] {
        let id = staff_id(state, email).await?;
        service
            .review(
                &supervisor,
                review(finished.id, id, ReviewKind::Supervisor, score),
            )
            .await?;
    }
    let electrician = scope_of(state, "staff4@demo.test").await?;
    let repairer = staff_id(state, "staff2@demo.test").await?;
    service
        .review(
            &electrician,
            review(finished.id, repairer, ReviewKind::Peer, 88),
        )
        .await?;
    service.finalize(&supervisor, finished.id).await?;

    let open = service
        .create(
            &admin,
            NewCycle {
                name: DEMO_OPEN_CYCLE.to_owned(),
                period: Period::Month,
                starts_on: month,
                posts: vec![StaffPost::RepairTechnician, StaffPost::Electrician],
                indicators: vec![
                    rule(Indicator::Attitude, 40),
                    rule(Indicator::Skill, 30),
                    rule(Indicator::Efficiency, 30),
                ],
                minimums: vec![],
                supersedes: None,
            },
        )
        .await?;
    service
        .review(
            &electrician,
            review(open.id, repairer, ReviewKind::Peer, 85),
        )
        .await?;
    let manager = scope_of(state, "staff12@demo.test").await?;
    let other = staff_id(state, "staff3@demo.test").await?;
    service
        .review(&manager, review(open.id, other, ReviewKind::Supervisor, 80))
        .await?;
    Ok(2)
}
