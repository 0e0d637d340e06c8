//! GraphQL types of surveys: the survey with its questions, the viewer's own response, and the
//! results.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    access::Relation,
    loaders::{AudienceBySurvey, ChoicesBySurvey, QuestionsBySurvey},
};
use crate::{
    domains::notices::{audience::Audience, types::NoticeAudience},
    error::AppResult,
    graphql::{ContextExt, scalars::Date},
    text_enum,
};
use entity::{survey, survey_answer, survey_choice, survey_question, survey_response};

text_enum! {
    /// What a question asks for.
    pub enum SurveyQuestionKind {
        /// One of the choices.
        Single => "SINGLE",
        /// Any number of the choices.
        Multi => "MULTI",
        /// A value on the question's scale (1–5 or 0–10).
        Scale => "SCALE",
        /// Free text.
        Text => "TEXT",
    }
}

text_enum! {
    /// What staff assessment a question feeds (the assessment cycles use the same names).
    pub enum AssessmentIndicator {
        /// Service attitude.
        Attitude => "ATTITUDE",
        /// Skill.
        Skill => "SKILL",
        /// Efficiency.
        Efficiency => "EFFICIENCY",
        /// Resident satisfaction.
        ResidentSatisfaction => "RESIDENT_SATISFACTION",
    }
}

text_enum! {
    /// Who answers a survey once.
    pub enum SurveyOncePer {
        /// Every user in the audience answers once.
        User => "USER",
        /// Every home (unit) in the audience answers once, whoever of the household does.
        Unit => "UNIT",
    }
}

text_enum! {
    /// The scale of a SCALE question.
    pub enum SurveyScale {
        /// 1 to 5.
        OneToFive => "ONE_TO_FIVE",
        /// 0 to 10.
        ZeroToTen => "ZERO_TO_TEN",
    }
}

impl SurveyScale {
    /// The lowest and highest value.
    pub fn bounds(self) -> (i32, i32) {
        match self {
            SurveyScale::OneToFive => (1, 5),
            SurveyScale::ZeroToTen => (0, 10),
        }
    }

    /// The scale of stored bounds.
    pub fn of(min: Option<i32>, max: Option<i32>) -> Option<SurveyScale> {
        match (min, max) {
            (Some(1), Some(5)) => Some(SurveyScale::OneToFive),
            (Some(0), Some(10)) => Some(SurveyScale::ZeroToTen),
            _ => None,
        }
    }
}

text_enum! {
    /// Where a survey stands, as of now.
    pub enum SurveyStatus {
        /// Not published yet (its creator and administrators see it).
        Draft => "DRAFT",
        /// Published, not open yet.
        Scheduled => "SCHEDULED",
        /// Taking answers.
        Open => "OPEN",
        /// The window has closed.
        Closed => "CLOSED",
    }
}

/// The stored status of a draft.
pub const DRAFT: &str = "DRAFT";
/// The stored status of a published survey.
pub const PUBLISHED: &str = "PUBLISHED";

/// The status of `model` at `now`.
pub fn status_at(model: &survey::Model, now: DateTime<Utc>) -> SurveyStatus {
    if model.status == DRAFT {
        SurveyStatus::Draft
    } else if now < model.opens_at {
        SurveyStatus::Scheduled
    } else if now < model.closes_at {
        SurveyStatus::Open
    } else {
        SurveyStatus::Closed
    }
}

/// A satisfaction survey or poll.
#[derive(Clone)]
pub struct Survey {
    id: ID,
    /// The row.
    pub model: survey::Model,
    /// How the viewer relates to it.
    pub rel: Relation,
    /// Now, when it was read.
    pub now: DateTime<Utc>,
    /// The viewer's own response, when they have one (`None`: not looked up or none).
    pub mine: Option<survey_response::Model>,
}

impl Survey {
    /// The survey as the viewer sees it.
    pub fn new(model: survey::Model, rel: Relation, now: DateTime<Utc>) -> Survey {
        Survey {
            id: ID(model.id.to_string()),
            model,
            rel,
            now,
            mine: None,
        }
    }
}

/// A satisfaction survey or poll: its window, its questions, and your own response.
#[Object]
impl Survey {
    /// Id.
    pub async fn id(&self) -> &ID {
        &self.id
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.model.title
    }

    /// What it is about.
    async fn description(&self) -> &str {
        &self.model.description
    }

    /// Whether answers are anonymous: nobody, publishers and administrators included, can tell
    /// who gave which answer.
    async fn anonymous(&self) -> bool {
        self.model.anonymous
    }

    /// Who answers once: every user, or every home.
    async fn once_per(&self) -> async_graphql::Result<SurveyOncePer> {
        Ok(SurveyOncePer::from_stored(&self.model.once_per)?)
    }

    /// Answers are taken from then on.
    async fn opens_at(&self) -> DateTime<Utc> {
        self.model.opens_at
    }

    /// Answers are taken (and changed) until then.
    async fn closes_at(&self) -> DateTime<Utc> {
        self.model.closes_at
    }

    /// When those who have not answered are reminded (for those who run it).
    async fn remind_at(&self) -> Option<DateTime<Utc>> {
        self.rel.runs.then_some(self.model.remind_at).flatten()
    }

    /// Where it stands now.
    async fn status(&self) -> SurveyStatus {
        status_at(&self.model, self.now)
    }

    /// Published at.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.model.published_at
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// The questions, in order.
    async fn questions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SurveyQuestion>> {
        questions_of(ctx, self.model.id).await
    }

    /// Who it is for: for those who run it and see its results; null for others.
    async fn audience(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NoticeAudience>> {
        if !self.rel.results {
            return Ok(None);
        }
        let rows = ctx
            .loaders()?
            .load_one::<AudienceBySurvey>(self.model.id)
            .await?
            .unwrap_or_default();
        let audience = Audience::from_targets(rows.iter().map(|r| {
            (
                r.scope.as_str(),
                r.building_id,
                r.floor,
                r.unit_id,
                r.role.as_deref(),
            )
        }));
        Ok(Some(NoticeAudience::view(ctx, &audience).await?))
    }

    /// How many users (or homes) the audience held when it was published (for those who see
    /// the results).
    async fn audience_size(&self) -> Option<i32> {
        (self.rel.results && self.model.status != DRAFT).then_some(self.model.audience_size)
    }

    /// Whether you are in its audience (and so may answer while it is open).
    async fn can_answer(&self) -> bool {
        self.rel.answers
    }

    /// Whether you may see its results.
    async fn can_see_results(&self) -> bool {
        self.rel.results
    }

    /// Your own response (for a survey answered once per home: the one you wrote), to read
    /// and change until it closes; null when you have not answered.
    async fn my_response(&self) -> Option<SurveyResponse> {
        self.mine.clone().map(|model| SurveyResponse {
            model,
            anonymous: self.model.anonymous,
        })
    }
}

/// The questions of survey `id`, in order, with their choices (two statements per batch of
/// surveys).
pub async fn questions_of(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Vec<SurveyQuestion>> {
    let loaders = ctx.loaders()?;
    let mut questions = loaders
        .load_one::<QuestionsBySurvey>(id)
        .await?
        .unwrap_or_default();
    let mut choices = loaders
        .load_one::<ChoicesBySurvey>(id)
        .await?
        .unwrap_or_default();
    questions.sort_by_key(|q| q.position);
    choices.sort_by_key(|c| c.position);
    questions
        .into_iter()
        .map(|model| {
            let own: Vec<survey_choice::Model> = choices
                .iter()
                .filter(|c| c.question_id == model.id)
                .cloned()
                .collect();
            Ok(SurveyQuestion::try_from_model(model, own)?)
        })
        .collect()
}

/// One question of a survey.
#[derive(SimpleObject, Clone)]
pub struct SurveyQuestion {
    /// Id (answers name it).
    pub id: ID,
    /// Order within the survey, from 0.
    pub position: i32,
    /// What it asks for.
    pub kind: SurveyQuestionKind,
    /// The question as asked.
    pub prompt: String,
    /// Whether every response must answer it.
    pub required: bool,
    /// The scale (SCALE questions).
    pub scale: Option<SurveyScale>,
    /// Lowest value (SCALE questions).
    pub scale_min: Option<i32>,
    /// Highest value (SCALE questions).
    pub scale_max: Option<i32>,
    /// The choices, in order (SINGLE and MULTI questions).
    pub choices: Vec<SurveyChoice>,
    /// The staff assessment it feeds, if any.
    pub indicator: Option<AssessmentIndicator>,
    /// The staff post it rates, if any.
    pub staff_post: Option<String>,
    /// The staff member (staff record) it rates, if any.
    pub staff_id: Option<ID>,
}

impl SurveyQuestion {
    /// The question stored as `model` with its `choices` (in order).
    pub fn try_from_model(
        model: survey_question::Model,
        choices: Vec<survey_choice::Model>,
    ) -> AppResult<SurveyQuestion> {
        Ok(SurveyQuestion {
            id: ID(model.id.to_string()),
            position: model.position,
            kind: SurveyQuestionKind::from_stored(&model.kind)?,
            prompt: model.prompt,
            required: model.required,
            scale: SurveyScale::of(model.scale_min, model.scale_max),
            scale_min: model.scale_min,
            scale_max: model.scale_max,
            choices: choices.into_iter().map(SurveyChoice::from).collect(),
            indicator: model
                .indicator
                .as_deref()
                .map(AssessmentIndicator::from_stored)
                .transpose()?,
            staff_post: model.staff_post,
            staff_id: model.staff_id.map(|id| ID(id.to_string())),
        })
    }
}

/// One choice of a SINGLE or MULTI question.
#[derive(SimpleObject, Clone)]
pub struct SurveyChoice {
    /// Id (answers name it in `choiceIds`).
    pub id: ID,
    /// The choice as shown.
    pub label: String,
}

impl From<survey_choice::Model> for SurveyChoice {
    fn from(model: survey_choice::Model) -> Self {
        SurveyChoice {
            id: ID(model.id.to_string()),
            label: model.label,
        }
    }
}

/// Your own response to a survey (nobody else reads a response).
#[derive(Clone)]
pub struct SurveyResponse {
    /// The row.
    pub model: survey_response::Model,
    /// Whether the survey is anonymous.
    pub anonymous: bool,
}

/// Your own response to a survey: read and changed by you only, until the survey closes.
#[Object]
impl SurveyResponse {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// The survey.
    async fn survey_id(&self) -> ID {
        ID(self.model.survey_id.to_string())
    }

    /// First submitted at (to the hour on anonymous surveys).
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.model.submitted_at
    }

    /// Last changed at (to the hour on anonymous surveys).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    /// The answers, one per answered question, in the survey's order.
    async fn answers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SurveyAnswer>> {
        let rows = super::service::SurveyService::new(ctx.state())
            .answers_of(self.model.id)
            .await?;
        Ok(SurveyAnswer::group(rows))
    }
}

/// One answered question of a response.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SurveyAnswer {
    /// The question.
    pub question_id: ID,
    /// The choices given (SINGLE, MULTI).
    pub choice_ids: Vec<ID>,
    /// The value given (SCALE).
    pub scale: Option<i32>,
    /// The text given (TEXT).
    pub text: Option<String>,
}

impl SurveyAnswer {
    /// Answer rows (in question order, a row per choice) as one answer per question.
    pub fn group(rows: Vec<(i32, survey_answer::Model)>) -> Vec<SurveyAnswer> {
        let mut rows = rows;
        rows.sort_by_key(|(position, row)| (*position, row.choice_id));
        let mut out: Vec<(uuid::Uuid, SurveyAnswer)> = Vec::new();
        for (_, row) in rows {
            let fresh = out.last().is_none_or(|(q, _)| *q != row.question_id);
            if fresh {
                out.push((
                    row.question_id,
                    SurveyAnswer {
                        question_id: ID(row.question_id.to_string()),
                        choice_ids: Vec::new(),
                        scale: None,
                        text: None,
                    },
                ));
            }
            if let Some((_, answer)) = out.last_mut() {
                if let Some(choice) = row.choice_id {
                    answer.choice_ids.push(ID(choice.to_string()));
                }
                answer.scale = answer.scale.or(row.scale);
                if row.text.is_some() {
                    answer.text = row.text;
                }
            }
        }
        out.into_iter().map(|(_, a)| a).collect()
    }
}

/// A choice's count among the answers of a building (or all).
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SurveyChoiceCount {
    /// The choice.
    pub choice_id: ID,
    /// Its label.
    pub label: String,
    /// How many responses chose it.
    pub count: i32,
}

/// A scale value's count.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SurveyScaleCount {
    /// The value.
    pub value: i32,
    /// How many responses gave it.
    pub count: i32,
}

/// The answers to one question, from one building or from everyone.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SurveyQuestionResult {
    /// The question.
    pub question_id: ID,
    /// The question as asked.
    pub prompt: String,
    /// What it asks for.
    pub kind: SurveyQuestionKind,
    /// How many responses answered it.
    pub answered: i32,
    /// Each choice's count, in the question's order (SINGLE, MULTI).
    pub choices: Vec<SurveyChoiceCount>,
    /// Each value's count, lowest first (SCALE).
    pub scale: Vec<SurveyScaleCount>,
    /// The mean value (SCALE), null without answers.
    pub mean: Option<f64>,
    /// The mean normalised to 0–100 (SCALE), null without answers.
    pub score: Option<f64>,
    /// The texts given, oldest response first, at most 200 (TEXT; everyone's results only).
    pub texts: Vec<String>,
}

/// The results within one building.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SurveyBuildingResult {
    /// The building (null: respondents without a home or building, such as administrators).
    pub building_id: Option<ID>,
    /// Its name.
    pub building_name: Option<String>,
    /// Responses from it.
    pub responses: i32,
    /// Users (or homes) of the audience in it, as of now.
    pub audience: i32,
    /// `responses / audience`, 0–1 (null when the audience there is empty).
    pub response_rate: Option<f64>,
    /// The satisfaction index there: the mean of every SCALE answer, normalised to 0–100.
    pub satisfaction_index: Option<f64>,
    /// Per question (left empty on an anonymous survey when fewer than
    /// [`super::service::MIN_GROUP`] responses came from it, so no small group's answers show).
    pub questions: Vec<SurveyQuestionResult>,
    /// Whether the per-question figures are withheld because the group is too small.
    pub withheld: bool,
}

/// The satisfaction index over one week.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SatisfactionWeek {
    /// The Monday the week starts on (UTC).
    pub week: Date,
    /// The mean of every SCALE answer of responses first submitted that week, 0–100.
    pub index: Option<f64>,
    /// How many responses were first submitted that week.
    pub responses: i32,
}

/// A survey's results.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SurveyResults {
    /// The survey.
    pub survey_id: ID,
    /// Where it stands now.
    pub status: SurveyStatus,
    /// Responses so far.
    pub responses: i32,
    /// Users (or homes) in its audience when published.
    pub audience_size: i32,
    /// `responses / audienceSize`, 0–1 (null when the audience is empty).
    pub response_rate: Option<f64>,
    /// The mean of every SCALE answer, normalised to 0–100.
    pub satisfaction_index: Option<f64>,
    /// Per question, from everyone.
    pub questions: Vec<SurveyQuestionResult>,
    /// Per building of the respondents, by building name.
    pub buildings: Vec<SurveyBuildingResult>,
    /// The satisfaction index per week of first submission.
    pub weeks: Vec<SatisfactionWeek>,
}

/// The live counts of a survey's results, for those who see them.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SurveyResultCounts {
    /// The survey.
    pub survey_id: ID,
    /// Responses so far.
    pub responses: i32,
    /// Users (or homes) in its audience when published.
    pub audience_size: i32,
    /// `responses / audienceSize`, 0–1.
    pub response_rate: Option<f64>,
    /// The satisfaction index so far, 0–100.
    pub satisfaction_index: Option<f64>,
}
