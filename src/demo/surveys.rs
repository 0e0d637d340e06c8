//! Demo surveys: a closed, anonymous estate-wide satisfaction survey with answers from residents
//! of both buildings (its questions rate repair technicians and one of them by name, for staff
//! assessment), and an open poll of Building A, answered once per home, that some homes have
//! answered. Both go through [`SurveyService`] as the administrator, the manager and the
//! residents would; the closed one is then moved into the past (the service only takes windows
//! that are open). Each is skipped when a survey with its title exists, so seeding twice adds
//! nothing.

use chrono::{Duration, DurationRound};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        estate::{access::Scope, types::StaffPost},
        notices::audience::Audience,
        surveys::{
            service::{AnswerFields, QuestionFields, SurveyFields, SurveyService, week_of},
            types::{AssessmentIndicator, SurveyOncePer, SurveyQuestionKind, SurveyScale},
        },
    },
    error::{AppError, AppResult},
    events::outbox::Write,
};
use entity::{
    building, staff_record, survey, survey_choice, survey_question, survey_response, user,
};

const ADMIN: &str = super::DEMO_ADMIN;
const MANAGER: &str = "staff12@demo.test";
/// Title of the closed demo survey.
pub const CLOSED: &str = "Autumn service satisfaction survey";
/// Title of the open demo poll.
pub const OPEN: &str = "Building A lobby and lifts poll";

async fn user_id(state: &AppState, email: &str) -> AppResult<Uuid> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))
}

async fn scope(state: &AppState, email: &str) -> AppResult<Scope> {
    let id = user_id(state, email).await?;
    Scope::load_user(&state.db, id, state.clock.today()).await
}

async fn exists(state: &AppState, title: &str) -> AppResult<bool> {
    Ok(survey::Entity::find()
        .filter(survey::Column::Title.eq(title))
        .one(&state.db)
        .await?
        .is_some())
}

fn question(kind: SurveyQuestionKind, prompt: &str) -> QuestionFields {
    QuestionFields {
        kind,
        prompt: prompt.to_owned(),
        required: true,
        scale: None,
        choices: Vec::new(),
        indicator: None,
        staff_post: None,
        staff_id: None,
    }
}

/// The questions and choices of survey `id`, in order.
async fn asked(
    state: &AppState,
    id: Uuid,
) -> AppResult<(Vec<survey_question::Model>, Vec<survey_choice::Model>)> {
    let mut questions = survey_question::Entity::find()
        .filter(survey_question::Column::SurveyId.eq(id))
        .all(&state.db)
        .await?;
    questions.sort_by_key(|q| q.position);
    let mut choices = survey_choice::Entity::find()
        .filter(survey_choice::Column::SurveyId.eq(id))
        .all(&state.db)
        .await?;
    choices.sort_by_key(|c| c.position);
    Ok((questions, choices))
}

fn choice_of(choices: &[survey_choice::Model], question: Uuid, index: usize) -> Vec<Uuid> {
    choices
        .iter()
        .filter(|c| c.question_id == question)
        .nth(index)
        .map(|c| vec![c.id])
        .unwrap_or_default()
}

/// Seeds the demo surveys (after the estate and the staff).
pub async fn seed_surveys(state: &AppState) -> AppResult<()> {
    let service = SurveyService::new(state);
    let now = state.clock.now();
    if !exists(state, CLOSED).await? {
        let admin = scope(state, ADMIN).await?;
        let technician = staff_record::Entity::find()
            .filter(staff_record::Column::Post.eq(StaffPost::RepairTechnician.as_str()))
            .one(&state.db)
            .await?;
        let mut repairs = question(
            SurveyQuestionKind::Scale,
            "How satisfied are you with repairs this season?",
        );
        repairs.scale = Some(SurveyScale::OneToFive);
        repairs.indicator = Some(AssessmentIndicator::Skill);
        repairs.staff_post = Some(StaffPost::RepairTechnician);
        let mut manner = question(
            SurveyQuestionKind::Scale,
            "How courteous was the technician who came to your home?",
        );
        manner.scale = Some(SurveyScale::ZeroToTen);
        manner.indicator = Some(AssessmentIndicator::Attitude);
        manner.staff_id = technician.map(|t| t.id);
        manner.required = false;
        let mut overall = question(
            SurveyQuestionKind::Scale,
            "Overall, how satisfied are you with the property service?",
        );
        overall.scale = Some(SurveyScale::ZeroToTen);
        overall.indicator = Some(AssessmentIndicator::ResidentSatisfaction);
        let mut improve = question(SurveyQuestionKind::Multi, "What should we improve first?");
        improve.choices = vec![
            "Cleaning".to_owned(),
            "Security".to_owned(),
            "Greenery".to_owned(),
            "Parking".to_owned(),
        ];
        let mut comment = question(SurveyQuestionKind::Text, "Anything else to tell us?");
        comment.required = false;
        let model = service
            .create(
                &admin,
                SurveyFields {
                    title: CLOSED.to_owned(),
                    description:
                        "Five short questions about the service this autumn. Answers are anonymous."
                            .to_owned(),
                    anonymous: true,
                    once_per: SurveyOncePer::User,
                    opens_at: now,
                    closes_at: now + Duration::hours(1),
                    remind_at: None,
                    audience: Audience {
                        estate: true,
                        ..Audience::default()
                    },
                    questions: vec![repairs, manner, overall, improve, comment],
                },
            )
            .await?;
        service.publish(&admin, model.id).await?;
        let (questions, choices) = asked(state, model.id).await?;
        for i in 1..=20usize {
            let resident = scope(state, &format!("resident{}@demo.test", i + i / 4)).await?;
            let mut answers = vec![
                AnswerFields {
                    question_id: questions[0].id,
                    scale: Some(2 + (i % 4) as i32),
                    ..AnswerFields::default()
                },
                AnswerFields {
                    question_id: questions[2].id,
                    scale: Some(5 + (i % 6) as i32),
                    ..AnswerFields::default()
                },
                AnswerFields {
                    question_id: questions[3].id,
                    choice_ids: choice_of(&choices, questions[3].id, i % 4),
                    ..AnswerFields::default()
                },
            ];
            if i % 2 == 0 {
                answers.push(AnswerFields {
                    question_id: questions[1].id,
                    scale: Some(6 + (i % 5) as i32),
                    ..AnswerFields::default()
                });
            }
            if i % 5 == 0 {
                answers.push(AnswerFields {
                    question_id: questions[4].id,
                    text: Some("Please fix the garage door sooner next time.".to_owned()),
                    ..AnswerFields::default()
                });
            }
            service.submit(&resident, model.id, None, answers).await?;
        }
        // Into the past: it ran three weeks ago for two weeks, and is sealed.
        let opened = now - Duration::days(35);
        let answered = (now - Duration::days(27))
            .duration_trunc(Duration::hours(1))
            .unwrap_or(now);
        let write = Write::begin(state).await?;
        survey::Entity::update_many()
            .col_expr(survey::Column::OpensAt, Expr::value(opened))
            .col_expr(survey::Column::PublishedAt, Expr::value(opened))
            .col_expr(
                survey::Column::ClosesAt,
                Expr::value(now - Duration::days(21)),
            )
            .col_expr(
                survey::Column::RespondentSalt,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                survey::Column::SealedAt,
                Expr::value(now - Duration::days(21)),
            )
            .filter(survey::Column::Id.eq(model.id))
            .exec(write.txn())
            .await?;
        survey_response::Entity::update_many()
            .col_expr(survey_response::Column::SubmittedAt, Expr::value(answered))
            .col_expr(survey_response::Column::UpdatedAt, Expr::value(answered))
            .col_expr(
                survey_response::Column::Week,
                Expr::value(week_of(answered)),
            )
            .filter(survey_response::Column::SurveyId.eq(model.id))
            .exec(write.txn())
            .await?;
        write.commit().await?;
    }
    if !exists(state, OPEN).await? {
        let manager = scope(state, MANAGER).await?;
        let a = building::Entity::find()
            .filter(building::Column::Name.starts_with("Building A"))
            .one(&state.db)
            .await?
            .map(|b| b.id)
            .ok_or_else(|| AppError::internal("demo building A not found"))?;
        let mut clean = question(
            SurveyQuestionKind::Single,
            "How clean are the lobby and the lifts?",
        );
        clean.choices = vec![
            "Very clean".to_owned(),
            "Clean enough".to_owned(),
            "Not clean".to_owned(),
        ];
        let mut cleaning = question(
            SurveyQuestionKind::Scale,
            "How would you rate the cleaning staff?",
        );
        cleaning.scale = Some(SurveyScale::OneToFive);
        cleaning.indicator = Some(AssessmentIndicator::Efficiency);
        cleaning.staff_post = Some(StaffPost::Cleaner);
        let model = service
            .create(
                &manager,
                SurveyFields {
                    title: OPEN.to_owned(),
                    description: "One answer per home, until next week.".to_owned(),
                    anonymous: false,
                    once_per: SurveyOncePer::Unit,
                    opens_at: now,
                    closes_at: now + Duration::days(7),
                    remind_at: Some(now + Duration::days(5)),
                    audience: Audience {
                        building_ids: vec![a],
                        ..Audience::default()
                    },
                    questions: vec![clean, cleaning],
                },
            )
            .await?;
        service.publish(&manager, model.id).await?;
        let (questions, choices) = asked(state, model.id).await?;
        for i in [2usize, 5, 7, 10] {
            let resident = scope(state, &format!("resident{i}@demo.test")).await?;
            service
                .submit(
                    &resident,
                    model.id,
                    None,
                    vec![
                        AnswerFields {
                            question_id: questions[0].id,
                            choice_ids: choice_of(&choices, questions[0].id, i % 3),
                            ..AnswerFields::default()
                        },
                        AnswerFields {
                            question_id: questions[1].id,
                            scale: Some(3 + (i % 3) as i32),
                            ..AnswerFields::default()
                        },
                    ],
                )
                .await?;
        }
    }
    Ok(())
}
