//! GraphQL surface of staff assessment: cycles, reviews, finalisation, results and comments.

use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{
    rules::{CycleStatus, Indicator, IndicatorRule, Period, ReviewKind, Source},
    service::{AssessmentService, CycleChanges, NewCycle, NewReview},
    types::{AssessmentCycle, AssessmentResult, AssessmentReview},
};
use crate::{
    domains::estate::types::StaffPost,
    error::AppResult,
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
        text::Text,
    },
};

/// Longest comment.
const MAX_COMMENT: usize = 2000;
/// Largest minimum sample.
const MAX_MINIMUM: i32 = 10_000;

/// A cycle's indicator as given.
#[derive(InputObject)]
pub struct AssessmentIndicatorInput {
    /// The indicator (each at most once).
    pub indicator: Indicator,
    /// Its weight, 1–100; the weights sum to 100.
    pub weight: i32,
    /// A training course: a score below 60 on this indicator enrols the staff member in its
    /// next session with room.
    pub training_course_id: Option<ID>,
}

/// A source's minimum sample as given.
#[derive(InputObject)]
pub struct SourceMinimumInput {
    /// The source (each at most once).
    pub source: Source,
    /// 0–10000; below it the source is left out.
    pub minimum: i32,
}

/// Input of `createAssessmentCycle`.
#[derive(InputObject)]
pub struct CreateAssessmentCycleInput {
    /// Name (1–200 characters).
    pub name: String,
    /// How long it runs.
    pub period: Period,
    /// First day of the window (UTC).
    pub starts_on: Date,
    /// The posts assessed; every post when left out or empty.
    pub posts: Option<Vec<StaffPost>>,
    /// Indicators and weights (1–4, weights summing to 100).
    pub indicators: Vec<AssessmentIndicatorInput>,
    /// Minimum samples per source; the defaults (`RATINGS` 3, `SLA` 3, `SURVEYS` 5,
    /// `PEER_REVIEWS` 2, others 1) for sources left out.
    pub min_samples: Option<Vec<SourceMinimumInput>>,
    /// A finalised cycle this one corrects (its next revision).
    pub supersedes_id: Option<ID>,
}

/// Input of `updateAssessmentCycle` (open cycles only).
#[derive(InputObject)]
pub struct UpdateAssessmentCycleInput {
    /// The cycle.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New indicators (weights summing to 100).
    pub indicators: Option<Vec<AssessmentIndicatorInput>>,
    /// Minimum samples to change.
    pub min_samples: Option<Vec<SourceMinimumInput>>,
}

/// Input of `finalizeAssessmentCycle`.
#[derive(InputObject)]
pub struct FinalizeAssessmentCycleInput {
    /// The cycle.
    pub id: ID,
}

/// One indicator's score in a review.
#[derive(InputObject)]
pub struct ReviewScoreInput {
    /// `ATTITUDE`, `SKILL` or `EFFICIENCY` (each at most once).
    pub indicator: Indicator,
    /// 0–100.
    pub score: i32,
}

/// Input of `submitPeerReview` and `submitSupervisorScore`.
#[derive(InputObject)]
pub struct AssessmentReviewInput {
    /// The open cycle.
    pub cycle_id: ID,
    /// The staff record reviewed (not your own).
    pub staff_id: ID,
    /// Scores (1–3).
    pub scores: Vec<ReviewScoreInput>,
    /// Comment (up to 2000 characters).
    pub comment: Option<String>,
}

/// Input of `commentAssessmentResult`.
#[derive(InputObject)]
pub struct CommentAssessmentResultInput {
    /// Your result.
    pub id: ID,
    /// Comment (1–2000 characters).
    pub comment: String,
}

/// Result of a cycle mutation.
#[derive(SimpleObject)]
pub struct AssessmentCyclePayload {
    /// The cycle after it.
    pub cycle: AssessmentCycle,
}

/// Result of `finalizeAssessmentCycle`.
#[derive(SimpleObject)]
pub struct FinalizeAssessmentCyclePayload {
    /// The finalised cycle.
    pub cycle: AssessmentCycle,
    /// How many results were written.
    pub results: i32,
}

/// Result of a review.
#[derive(SimpleObject)]
pub struct AssessmentReviewPayload {
    /// The review.
    pub review: AssessmentReview,
}

/// Result of `commentAssessmentResult`.
#[derive(SimpleObject)]
pub struct AssessmentResultPayload {
    /// The result with the comment.
    pub result: AssessmentResult,
}

fn indicators(
    check: &mut Checks,
    given: &[AssessmentIndicatorInput],
) -> Option<Vec<IndicatorRule>> {
    check.rule(
        (1..=Indicator::ALL.len()).contains(&given.len()),
        "input.indicators",
        "takes 1 to 4 indicators",
    );
    let mut seen = HashSet::new();
    let mut rules = Vec::with_capacity(given.len());
    let mut ok = true;
    for (i, item) in given.iter().enumerate() {
        check.rule(
            (1..=100).contains(&item.weight),
            &format!("input.indicators[{i}].weight"),
            "must be between 1 and 100",
        );
        check.rule(
            seen.insert(item.indicator),
            &format!("input.indicators[{i}].indicator"),
            "appears twice",
        );
        let course = check.field(parse_opt_id(
            &format!("input.indicators[{i}].trainingCourseId"),
            item.training_course_id.as_ref(),
        ));
        match course {
            Some(course) => rules.push(IndicatorRule {
                indicator: item.indicator.as_str().to_owned(),
                weight: item.weight,
                training_course_id: course,
            }),
            None => ok = false,
        }
    }
    let sum: i64 = given.iter().map(|i| i64::from(i.weight)).sum();
    check.rule(
        given.is_empty() || sum == 100,
        "input.indicators",
        &format!("weights must sum to 100 (they sum to {sum})"),
    );
    ok.then_some(rules)
}

fn minimums(check: &mut Checks, given: &[SourceMinimumInput]) -> Vec<(Source, u64)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, item) in given.iter().enumerate() {
        let in_range = (0..=MAX_MINIMUM).contains(&item.minimum);
        check.rule(
            in_range,
            &format!("input.minSamples[{i}].minimum"),
            "must be between 0 and 10000",
        );
        check.rule(
            seen.insert(item.source),
            &format!("input.minSamples[{i}].source"),
            "appears twice",
        );
        if in_range {
            out.push((item.source, u64::try_from(item.minimum).unwrap_or(0)));
        }
    }
    out
}

/// Assessment queries.
#[derive(Default)]
pub struct AssessmentQuery;

#[Object]
impl AssessmentQuery {
    /// Assessment cycles, newest first (staff, supervisors, administrators).
    async fn assessment_cycles(
        &self,
        ctx: &Context<'_>,
        status: Option<CycleStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<AssessmentCycle>> {
        let page = PageRequest::parse(first, after, None, None)?;
        let scope = ctx.scope().await?;
        let page = AssessmentService::new(ctx.state())
            .cycles(scope, status, &page)
            .await?;
        Ok(page.try_into_counted_connection(AssessmentCycle::try_from_model)?)
    }

    /// One assessment cycle.
    async fn assessment_cycle(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<AssessmentCycle> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = AssessmentService::new(ctx.state()).cycle(scope, id).await?;
        Ok(AssessmentCycle::try_from_model(model)?)
    }

    /// The results of a finalised cycle you may see, by staff record: staff their own,
    /// managers their buildings' staff, supervisors and administrators everyone's.
    async fn assessment_results(
        &self,
        ctx: &Context<'_>,
        cycle_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<AssessmentResult>> {
        let page = PageRequest::parse(first, after, None, None)?;
        let cycle_id = parse_id("cycleId", &cycle_id)?;
        let scope = ctx.scope().await?;
        let page = AssessmentService::new(ctx.state())
            .results(scope, cycle_id, &page)
            .await?;
        Ok(page.try_into_counted_connection(AssessmentResult::try_from_model)?)
    }
}

/// Assessment mutations.
#[derive(Default)]
pub struct AssessmentMutation;

#[Object]
impl AssessmentMutation {
    /// Opens an assessment cycle (administrators and supervisors). With `supersedesId`, the
    /// next revision of a finalised cycle: finalising it marks the old one `SUPERSEDED`.
    async fn create_assessment_cycle(
        &self,
        ctx: &Context<'_>,
        input: CreateAssessmentCycleInput,
    ) -> async_graphql::Result<AssessmentCyclePayload> {
        let mut check = Checks::new();
        let name = check.field(Text::<200>::parse("input.name", &input.name));
        let rules = indicators(&mut check, &input.indicators);
        let mins = minimums(&mut check, input.min_samples.as_deref().unwrap_or_default());
        let supersedes = check.field(parse_opt_id(
            "input.supersedesId",
            input.supersedes_id.as_ref(),
        ));
        let new = check.finish(|| {
            Some(NewCycle {
                name: name?.into_inner(),
                period: input.period,
                starts_on: input.starts_on.0,
                posts: input.posts.unwrap_or_default(),
                indicators: rules?,
                minimums: mins,
                supersedes: supersedes?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = AssessmentService::new(ctx.state())
            .create(scope, new)
            .await?;
        Ok(AssessmentCyclePayload {
            cycle: AssessmentCycle::try_from_model(model)?,
        })
    }

    /// Changes an open cycle (administrators and supervisors); a finalised one never changes
    /// (`INVALID_STATE`).
    async fn update_assessment_cycle(
        &self,
        ctx: &Context<'_>,
        input: UpdateAssessmentCycleInput,
    ) -> async_graphql::Result<AssessmentCyclePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let name = check.field(Text::<200>::parse_opt("input.name", input.name.as_deref()));
        let rules = input
            .indicators
            .as_deref()
            .map(|given| indicators(&mut check, given));
        let mins = minimums(&mut check, input.min_samples.as_deref().unwrap_or_default());
        let changes = check.finish(|| {
            Some(CycleChanges {
                id: id?,
                name: name?.map(Text::into_inner),
                indicators: match rules {
                    Some(rules) => Some(rules?),
                    None => None,
                },
                minimums: mins,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = AssessmentService::new(ctx.state())
            .update(scope, changes)
            .await?;
        Ok(AssessmentCyclePayload {
            cycle: AssessmentCycle::try_from_model(model)?,
        })
    }

    /// Finalises a cycle, once (administrators and supervisors): every staff member of its
    /// group gets a result (a score per indicator with its sources, total, grade, pay factor),
    /// grade A a proposed commendation and D a proposed warning, scores below 60 an enrolment
    /// in the indicator's course, and a notification. A second finalisation is `CONFLICT`.
    async fn finalize_assessment_cycle(
        &self,
        ctx: &Context<'_>,
        input: FinalizeAssessmentCycleInput,
    ) -> async_graphql::Result<FinalizeAssessmentCyclePayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let (model, results) = AssessmentService::new(ctx.state())
            .finalize(scope, id)
            .await?;
        Ok(FinalizeAssessmentCyclePayload {
            cycle: AssessmentCycle::try_from_model(model)?,
            results: results.try_into().unwrap_or(i32::MAX),
        })
    }

    /// A peer review of a colleague sharing one of your buildings, in an open cycle (active
    /// staff; once per colleague and cycle; not yourself).
    async fn submit_peer_review(
        &self,
        ctx: &Context<'_>,
        input: AssessmentReviewInput,
    ) -> async_graphql::Result<AssessmentReviewPayload> {
        review(ctx, input, ReviewKind::Peer).await
    }

    /// A supervisor's score of a staff member in an open cycle (supervisors, administrators,
    /// managers for the staff they oversee; once per staff member and cycle; not yourself).
    async fn submit_supervisor_score(
        &self,
        ctx: &Context<'_>,
        input: AssessmentReviewInput,
    ) -> async_graphql::Result<AssessmentReviewPayload> {
        review(ctx, input, ReviewKind::Supervisor).await
    }

    /// Your comment on your own result (replaces an earlier one).
    async fn comment_assessment_result(
        &self,
        ctx: &Context<'_>,
        input: CommentAssessmentResultInput,
    ) -> async_graphql::Result<AssessmentResultPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let comment = check.field(Text::<MAX_COMMENT>::parse("input.comment", &input.comment));
        let (id, comment) = check.finish(|| Some((id?, comment?.into_inner())))?;
        let scope = ctx.scope().await?;
        let model = AssessmentService::new(ctx.state())
            .comment(scope, id, comment)
            .await?;
        Ok(AssessmentResultPayload {
            result: AssessmentResult::try_from_model(model)?,
        })
    }
}

async fn review(
    ctx: &Context<'_>,
    input: AssessmentReviewInput,
    kind: ReviewKind,
) -> async_graphql::Result<AssessmentReviewPayload> {
    let mut check = Checks::new();
    let cycle_id = check.field(parse_id("input.cycleId", &input.cycle_id));
    let staff_id = check.field(parse_id("input.staffId", &input.staff_id));
    let comment = check.field(Text::<MAX_COMMENT>::parse_opt(
        "input.comment",
        input.comment.as_deref(),
    ));
    check.rule(
        (1..=3).contains(&input.scores.len()),
        "input.scores",
        "takes 1 to 3 scores",
    );
    let mut seen = HashSet::new();
    for (i, item) in input.scores.iter().enumerate() {
        check.rule(
            (0..=100).contains(&item.score),
            &format!("input.scores[{i}].score"),
            "must be between 0 and 100",
        );
        check.rule(
            item.indicator != Indicator::ResidentSatisfaction,
            &format!("input.scores[{i}].indicator"),
            "resident satisfaction comes from residents, not reviews",
        );
        check.rule(
            seen.insert(item.indicator),
            &format!("input.scores[{i}].indicator"),
            "appears twice",
        );
    }
    let new = check.finish(|| {
        Some(NewReview {
            cycle_id: cycle_id?,
            staff_id: staff_id?,
            kind,
            scores: input
                .scores
                .iter()
                .map(|s| (s.indicator, s.score))
                .collect(),
            comment: comment?.map(Text::into_inner),
        })
    })?;
    let scope = ctx.scope().await?;
    let model = AssessmentService::new(ctx.state())
        .review(scope, new)
        .await?;
    let review: AppResult<AssessmentReview> = AssessmentReview::try_from_model(model);
    Ok(AssessmentReviewPayload { review: review? })
}
