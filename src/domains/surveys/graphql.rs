//! GraphQL surface of surveys, including the live result counts.

use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::{
    access::relation,
    loaders::{AudienceBySurvey, ChoicesBySurvey, QuestionsBySurvey},
    service::{AnswerFields, QuestionFields, SurveyFields, SurveyService},
    types::{
        AssessmentIndicator, Survey, SurveyOncePer, SurveyQuestionKind, SurveyResponse,
        SurveyResultCounts, SurveyResults, SurveyScale, SurveyStatus,
    },
};
use crate::{
    domains::{
        estate::{
            access::Scope,
            loaders::{BuildingById, UnitById},
            types::StaffPost,
        },
        notices::graphql::NoticeAudienceInput,
    },
    error::{AppError, AppResult},
    events::Topic,
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_ids, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        text::Text,
    },
};
use entity::survey;

/// Longest title.
const MAX_TITLE: usize = 200;
/// Longest description.
const MAX_DESCRIPTION: usize = 4000;
/// Longest question.
const MAX_PROMPT: usize = 500;
/// Longest choice.
const MAX_CHOICE: usize = 200;
/// Longest text answer.
pub const MAX_ANSWER_TEXT: usize = 2000;
/// Most questions in a survey.
pub const MAX_QUESTIONS: usize = 50;
/// Most choices in a question.
pub const MAX_CHOICES: usize = 20;

fn text<const MAX: usize>(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<MAX>::parse(field, raw)?.into_inner())
}

/// One question of a new survey.
#[derive(InputObject)]
pub struct SurveyQuestionInput {
    /// What it asks for.
    pub kind: SurveyQuestionKind,
    /// The question as asked (1–500 characters).
    pub prompt: String,
    /// Whether every response must answer it; yes when left out.
    pub required: Option<bool>,
    /// The scale of a SCALE question (required there, refused elsewhere).
    pub scale: Option<SurveyScale>,
    /// The choices of a SINGLE or MULTI question, in order (2–20, each 1–200 characters,
    /// distinct; refused elsewhere).
    pub choices: Option<Vec<String>>,
    /// The staff assessment its answers feed.
    pub indicator: Option<AssessmentIndicator>,
    /// The staff post it rates (or `staffId`, not both).
    pub staff_post: Option<StaffPost>,
    /// The staff member (staff record) it rates (or `staffPost`, not both). Managers name staff
    /// of their buildings.
    pub staff_id: Option<ID>,
}

/// Input of `createSurvey`.
#[derive(InputObject)]
pub struct CreateSurveyInput {
    /// Title (1–200 characters).
    pub title: String,
    /// What it is about (up to 4000 characters).
    pub description: Option<String>,
    /// Whether answers are anonymous; no when left out.
    pub anonymous: Option<bool>,
    /// Who answers once; every user when left out.
    pub once_per: Option<SurveyOncePer>,
    /// Answers are taken from then on; from publication when left out.
    pub opens_at: Option<DateTime<Utc>>,
    /// Answers are taken (and changed) until then (in the future, after `opensAt`).
    pub closes_at: DateTime<Utc>,
    /// When to remind those who have not answered (between `opensAt` and `closesAt`).
    pub remind_at: Option<DateTime<Utc>>,
    /// Who it is for (the notices' audience model; managers: their buildings).
    pub audience: NoticeAudienceInput,
    /// The questions, in order (1–50).
    pub questions: Vec<SurveyQuestionInput>,
}

/// Input naming one survey.
#[derive(InputObject)]
pub struct SurveyIdInput {
    /// The survey.
    pub id: ID,
}

/// One answer of a response.
#[derive(InputObject)]
pub struct SurveyAnswerInput {
    /// The question.
    pub question_id: ID,
    /// The choices (SINGLE: one; MULTI: one or more).
    pub choice_ids: Option<Vec<ID>>,
    /// The value (SCALE), on the question's scale.
    pub scale: Option<i32>,
    /// The text (TEXT, 1–2000 characters).
    pub text: Option<String>,
}

/// Input of `submitSurveyResponse`.
#[derive(InputObject)]
pub struct SubmitSurveyResponseInput {
    /// The survey (open, and you in its audience).
    pub survey_id: ID,
    /// For a survey answered once per home: the home you answer for, when you have several in
    /// its audience.
    pub unit_id: Option<ID>,
    /// The answers, one per question answered (every required question included).
    pub answers: Vec<SurveyAnswerInput>,
}

/// Input of `updateSurveyResponse`.
#[derive(InputObject)]
pub struct UpdateSurveyResponseInput {
    /// The survey (still open).
    pub survey_id: ID,
    /// The answers, replacing all the earlier ones.
    pub answers: Vec<SurveyAnswerInput>,
}

/// Filter of `surveys`.
#[derive(InputObject, Default)]
pub struct SurveyFilter {
    /// Only these statuses, as they stand now.
    pub statuses: Option<Vec<SurveyStatus>>,
    /// Only those you created.
    pub created_by_me: Option<bool>,
}

/// Result of a change to a survey.
#[derive(SimpleObject)]
pub struct SurveyPayload {
    /// The survey after the change.
    pub survey: Survey,
}

/// Result of submitting or changing a response.
#[derive(SimpleObject)]
pub struct SurveyResponsePayload {
    /// Your response.
    pub response: SurveyResponse,
}

fn parse_question(check: &mut Checks, i: usize, q: SurveyQuestionInput) -> Option<QuestionFields> {
    let at = |field: &str| format!("input.questions[{i}].{field}");
    let prompt = check.field(text::<MAX_PROMPT>(&at("prompt"), &q.prompt));
    let raw_choices = q.choices.unwrap_or_default();
    let choices: Vec<Option<String>> = raw_choices
        .iter()
        .map(|c| check.field(text::<MAX_CHOICE>(&at("choices"), c)))
        .collect();
    let with_choices = matches!(
        q.kind,
        SurveyQuestionKind::Single | SurveyQuestionKind::Multi
    );
    if with_choices {
        check.rule(
            (2..=MAX_CHOICES).contains(&raw_choices.len()),
            &at("choices"),
            "gives 2 to 20 choices",
        );
        let distinct: HashSet<&str> = choices.iter().flatten().map(String::as_str).collect();
        check.rule(
            distinct.len() == choices.iter().flatten().count(),
            &at("choices"),
            "names a choice twice",
        );
    } else {
        check.rule(
            raw_choices.is_empty(),
            &at("choices"),
            "only SINGLE and MULTI questions have choices",
        );
    }
    let scaled = q.kind == SurveyQuestionKind::Scale;
    check.rule(
        scaled == q.scale.is_some(),
        &at("scale"),
        if scaled {
            "a SCALE question needs its scale"
        } else {
            "only SCALE questions have a scale"
        },
    );
    check.rule(
        q.staff_post.is_none() || q.staff_id.is_none(),
        &at("staffId"),
        "a question rates a post or a staff member, not both",
    );
    let staff_id = check.field(parse_opt_id(&at("staffId"), q.staff_id.as_ref()));
    let choices: Option<Vec<String>> = choices.into_iter().collect();
    Some(QuestionFields {
        kind: q.kind,
        prompt: prompt?,
        required: q.required.unwrap_or(true),
        scale: q.scale,
        choices: choices?,
        indicator: q.indicator,
        staff_post: q.staff_post,
        staff_id: staff_id?,
    })
}

fn parse_answers(check: &mut Checks, answers: Vec<SurveyAnswerInput>) -> Option<Vec<AnswerFields>> {
    check.rule(
        answers.len() <= MAX_QUESTIONS,
        "input.answers",
        "at most 50 answers",
    );
    let parsed: Vec<Option<AnswerFields>> = answers
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let at = |field: &str| format!("input.answers[{i}].{field}");
            let question_id = check.field(parse_id(&at("questionId"), &a.question_id));
            let choice_ids = check.field(parse_ids(
                &at("choiceIds"),
                &a.choice_ids.unwrap_or_default(),
            ));
            let text = check.field(
                a.text
                    .as_deref()
                    .map(|t| text::<MAX_ANSWER_TEXT>(&at("text"), t))
                    .transpose(),
            );
            Some(AnswerFields {
                question_id: question_id?,
                choice_ids: choice_ids?,
                scale: a.scale,
                text: text?,
            })
        })
        .collect();
    parsed.into_iter().collect()
}

/// Surveys as the viewer sees them: relations judged from a batch of audiences, the viewer's
/// own responses fetched in one statement.
pub(crate) async fn views(
    ctx: &Context<'_>,
    scope: &Scope,
    models: Vec<survey::Model>,
) -> async_graphql::Result<Vec<Survey>> {
    let loaders = ctx.loaders()?;
    let ids: Vec<uuid::Uuid> = models.iter().map(|m| m.id).collect();
    let audiences = loaders
        .get::<AudienceBySurvey>()
        .load_many(ids.iter().copied())
        .await?;
    prime(ctx, &ids, &audiences).await?;
    let refs: Vec<&survey::Model> = models.iter().collect();
    let mut mine = SurveyService::new(ctx.state())
        .mine_among(scope, &refs)
        .await?;
    let now = ctx.state().clock.now();
    let mut out = Vec::with_capacity(models.len());
    for model in models {
        let rows = audiences.get(&model.id).map(Vec::as_slice).unwrap_or(&[]);
        let rel = relation(scope, &model, rows).await?;
        let id = model.id;
        let mut view = Survey::new(model, rel, now);
        view.mine = mine.remove(&id);
        out.push(view);
    }
    Ok(out)
}

/// Loads, for every survey of a page at once, what the page's selection will ask of each
/// (questions and choices; the audiences' buildings and units), so that each survey's fields
/// find it in the request's loaders. Left to the fields, the keys of a long page register over
/// several polls and a busy machine splits them into batches past the loaders' window.
async fn prime(
    ctx: &Context<'_>,
    ids: &[uuid::Uuid],
    audiences: &std::collections::HashMap<uuid::Uuid, Vec<entity::survey_audience::Model>>,
) -> async_graphql::Result<()> {
    if ids.len() < 2 {
        return Ok(());
    }
    let ahead = ctx.look_ahead();
    let selects = |field: &str| {
        ahead.field("edges").field("node").field(field).exists()
            || ahead.field("nodes").field(field).exists()
    };
    let loaders = ctx.loaders()?;
    if selects("questions") {
        let (questions, choices) = (
            loaders.get::<QuestionsBySurvey>(),
            loaders.get::<ChoicesBySurvey>(),
        );
        let (questions, choices) = futures_util::join!(
            questions.load_many(ids.iter().copied()),
            choices.load_many(ids.iter().copied()),
        );
        questions?;
        choices?;
    }
    if selects("audience") {
        let rows = || audiences.values().flatten();
        let buildings: HashSet<uuid::Uuid> = rows().filter_map(|r| r.building_id).collect();
        let units: HashSet<uuid::Uuid> = rows().filter_map(|r| r.unit_id).collect();
        let (building_loader, unit_loader) =
            (loaders.get::<BuildingById>(), loaders.get::<UnitById>());
        let (buildings, units) = futures_util::join!(
            building_loader.load_many(buildings),
            unit_loader.load_many(units),
        );
        buildings?;
        units?;
    }
    Ok(())
}

async fn view(ctx: &Context<'_>, model: survey::Model) -> async_graphql::Result<Survey> {
    let scope = ctx.scope().await?;
    Ok(views(ctx, scope, vec![model])
        .await?
        .pop()
        .ok_or(AppError::NotFound("survey"))?)
}

/// Survey queries.
#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// One survey you may see (see the README's who-sees-what table).
    async fn survey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Survey> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, _) = SurveyService::new(ctx.state()).get(scope, id).await?;
        view(ctx, model).await
    }

    /// The surveys you may see, newest first. Pages both ways (at most 100).
    async fn surveys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<SurveyFilter>,
    ) -> async_graphql::Result<CountedConnection<Survey>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let scope = ctx.scope().await?;
        let page = SurveyService::new(ctx.state())
            .list(
                scope,
                filter.statuses,
                filter.created_by_me.unwrap_or(false),
                &page,
            )
            .await?;
        let mut built = views(ctx, scope, page.items.clone()).await?.into_iter();
        Ok(page.try_into_counted_connection(|_| {
            built
                .next()
                .ok_or_else(|| AppError::internal("a survey view went missing"))
        })?)
    }

    /// A survey's results: per question and per building, the response rate against the
    /// audience, the satisfaction index and its weeks (its creator, administrators, and
    /// managers of a building in its audience; `FORBIDDEN` for others who see the survey).
    async fn survey_results(
        &self,
        ctx: &Context<'_>,
        survey_id: ID,
    ) -> async_graphql::Result<SurveyResults> {
        let id = parse_id("surveyId", &survey_id)?;
        let scope = ctx.scope().await?;
        Ok(SurveyService::new(ctx.state()).results(scope, id).await?)
    }
}

/// Survey mutations.
#[derive(Default)]
pub struct SurveyMutation;

#[Object]
impl SurveyMutation {
    /// Drafts a survey (administrators anywhere; managers for the buildings they serve).
    /// `publishSurvey` announces it.
    async fn create_survey(
        &self,
        ctx: &Context<'_>,
        input: CreateSurveyInput,
    ) -> async_graphql::Result<SurveyPayload> {
        let now = ctx.state().clock.now();
        let mut check = Checks::new();
        let title = check.field(text::<MAX_TITLE>("input.title", &input.title));
        let description = check.field(
            input
                .description
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .map(|d| text::<MAX_DESCRIPTION>("input.description", d))
                .transpose(),
        );
        let opens_at = input.opens_at.unwrap_or(now);
        check.rule(
            input.closes_at > now,
            "input.closesAt",
            "must be in the future",
        );
        check.rule(
            input.closes_at > opens_at,
            "input.closesAt",
            "must be after the opening",
        );
        if let Some(remind) = input.remind_at {
            check.rule(
                remind > opens_at && remind < input.closes_at,
                "input.remindAt",
                "must fall between the opening and the closing",
            );
        }
        check.rule(
            (1..=MAX_QUESTIONS).contains(&input.questions.len()),
            "input.questions",
            "gives 1 to 50 questions",
        );
        let questions: Vec<Option<QuestionFields>> = input
            .questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| parse_question(&mut check, i, q))
            .collect();
        let audience = input.audience.parse(&mut check);
        let fields = check.finish(|| {
            Some(SurveyFields {
                title: title?,
                description: description?.unwrap_or_default(),
                anonymous: input.anonymous.unwrap_or(false),
                once_per: input.once_per.unwrap_or(SurveyOncePer::User),
                opens_at,
                closes_at: input.closes_at,
                remind_at: input.remind_at,
                audience: audience?,
                questions: questions.into_iter().collect::<Option<Vec<_>>>()?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = SurveyService::new(ctx.state())
            .create(scope, fields)
            .await?;
        Ok(SurveyPayload {
            survey: view(ctx, model).await?,
        })
    }

    /// Publishes a draft: its audience is notified (inbox and live) and answers it while it is
    /// open. Its creator and administrators.
    async fn publish_survey(
        &self,
        ctx: &Context<'_>,
        input: SurveyIdInput,
    ) -> async_graphql::Result<SurveyPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = SurveyService::new(ctx.state())
            .publish(scope, id)
            .await
            .map_err(|e| e.on_field("input.id"))?;
        Ok(SurveyPayload {
            survey: view(ctx, model).await?,
        })
    }

    /// Answers an open survey you are in the audience of: once per user (or per home, as the
    /// survey says; a second response is `CONFLICT`). Every answer is checked against its
    /// question (`BAD_USER_INPUT` naming the answer's field and the question).
    async fn submit_survey_response(
        &self,
        ctx: &Context<'_>,
        input: SubmitSurveyResponseInput,
    ) -> async_graphql::Result<SurveyResponsePayload> {
        let mut check = Checks::new();
        let survey_id = check.field(parse_id("input.surveyId", &input.survey_id));
        let unit_id = check.field(parse_opt_id("input.unitId", input.unit_id.as_ref()));
        let answers = parse_answers(&mut check, input.answers);
        let (survey_id, unit_id, answers) =
            check.finish(|| Some((survey_id?, unit_id?, answers?)))?;
        let scope = ctx.scope().await?;
        let service = SurveyService::new(ctx.state());
        let model = service.submit(scope, survey_id, unit_id, answers).await?;
        let (survey, _) = service.get(scope, survey_id).await?;
        Ok(SurveyResponsePayload {
            response: SurveyResponse {
                model,
                anonymous: survey.anonymous,
            },
        })
    }

    /// Changes your response while the survey is open: the answers given replace the earlier
    /// ones, checked as on submission.
    async fn update_survey_response(
        &self,
        ctx: &Context<'_>,
        input: UpdateSurveyResponseInput,
    ) -> async_graphql::Result<SurveyResponsePayload> {
        let mut check = Checks::new();
        let survey_id = check.field(parse_id("input.surveyId", &input.survey_id));
        let answers = parse_answers(&mut check, input.answers);
        let (survey_id, answers) = check.finish(|| Some((survey_id?, answers?)))?;
        let scope = ctx.scope().await?;
        let service = SurveyService::new(ctx.state());
        let model = service.update_response(scope, survey_id, answers).await?;
        let (survey, _) = service.get(scope, survey_id).await?;
        Ok(SurveyResponsePayload {
            response: SurveyResponse {
                model,
                anonymous: survey.anonymous,
            },
        })
    }
}

/// Survey subscriptions.
#[derive(Default)]
pub struct SurveySubscription;

#[Subscription]
impl SurveySubscription {
    /// A survey's result counts, live, for those who see its results: the current counts
    /// first, then the counts after every response (submitted or changed), judged with your
    /// rights at that moment (losing them ends the stream with the error).
    async fn survey_results_changed(
        &self,
        ctx: &Context<'_>,
        survey_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<SurveyResultCounts>> + use<>>
    {
        let me = ctx.require_user()?.id;
        let id = parse_id("surveyId", &survey_id)?;
        let state = ctx.state();
        // Subscribed before the first read, so no change can fall between the two.
        let live = state.bus.subscribe(&Topic::SurveyResults(id)).await;
        let scope = ctx.scope().await?;
        let current = SurveyService::new(state).counts(scope, id).await?;
        let state = state.clone();
        let updates = futures_util::stream::unfold(
            (live, false, Some(current.clone())),
            move |(mut live, ended, last)| {
                let state = state.clone();
                async move {
                    if ended {
                        return None;
                    }
                    loop {
                        live.next().await?;
                        let scope = match state.scopes.get(&state, me).await {
                            Ok(scope) => scope,
                            Err(err) => return Some((Err(err.into()), (live, true, last))),
                        };
                        match SurveyService::new(&state).counts(&scope, id).await {
                            // An edit that moved no count is not news.
                            Ok(counts) if Some(&counts) == last.as_ref() => continue,
                            Ok(counts) => {
                                return Some((Ok(counts.clone()), (live, false, Some(counts))));
                            }
                            Err(err) => return Some((Err(err.into()), (live, true, last))),
                        }
                    }
                }
            },
        );
        Ok(futures_util::stream::once(async move { Ok(current) }).chain(updates))
    }
}
