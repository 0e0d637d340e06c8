//! GraphQL types of staff assessment, built from the stored rows.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rules::{
    CycleStatus, Grade, Indicator, IndicatorPart, IndicatorRule, Period, ReviewKind, Source,
};
use crate::{
    domains::estate::types::{StaffPost, StaffRecord},
    error::{AppError, AppResult},
    graphql::{ContextExt, loaders::ById},
};
use entity::{assessment_cycle, assessment_result, assessment_review, staff_record};

fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

fn json<T: serde::de::DeserializeOwned>(raw: &str) -> AppResult<T> {
    serde_json::from_str(raw).map_err(AppError::internal)
}

/// A cycle's indicator and its weight.
#[derive(SimpleObject, Clone)]
pub struct IndicatorWeight {
    /// The indicator.
    pub indicator: Indicator,
    /// Its weight (a cycle's weights sum to 100).
    pub weight: i32,
    /// The training course a score below 60 enrols the staff member in.
    pub training_course_id: Option<ID>,
}

/// The minimum samples of one source.
#[derive(SimpleObject, Clone)]
pub struct SourceMinimum {
    /// The source.
    pub source: Source,
    /// Below this many samples the source is left out.
    pub minimum: i32,
}

/// An assessment cycle: a period, a staff group and its weighted indicators.
#[derive(SimpleObject, Clone)]
pub struct AssessmentCycle {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// How long it runs.
    pub period: Period,
    /// The posts assessed (every post when empty).
    pub posts: Vec<StaffPost>,
    /// Start of the window.
    pub starts_at: DateTime<Utc>,
    /// End of the window (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Indicators and weights.
    pub indicators: Vec<IndicatorWeight>,
    /// Minimum samples of every source.
    pub min_samples: Vec<SourceMinimum>,
    /// Where it stands.
    pub status: CycleStatus,
    /// 1, then one more for each correction.
    pub revision: i32,
    /// The finalised cycle this one corrects.
    pub supersedes_id: Option<ID>,
    /// Finalised at.
    pub finalized_at: Option<DateTime<Utc>>,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

/// Minimum samples as stored: source → minimum.
pub type Minimums = HashMap<String, u64>;

impl AssessmentCycle {
    /// From a row.
    pub fn try_from_model(model: assessment_cycle::Model) -> AppResult<AssessmentCycle> {
        let posts: Vec<String> = json(&model.posts)?;
        let rules: Vec<IndicatorRule> = json(&model.indicators)?;
        let minimums: Minimums = json(&model.min_samples)?;
        Ok(AssessmentCycle {
            id: id_of(model.id),
            name: model.name,
            period: Period::from_stored(&model.period)?,
            posts: posts
                .iter()
                .map(|p| StaffPost::from_stored(p))
                .collect::<AppResult<_>>()?,
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            indicators: rules
                .into_iter()
                .map(|r| {
                    Ok(IndicatorWeight {
                        indicator: Indicator::from_stored(&r.indicator)?,
                        weight: r.weight,
                        training_course_id: r.training_course_id.map(id_of),
                    })
                })
                .collect::<AppResult<_>>()?,
            min_samples: Source::ALL
                .iter()
                .map(|s| SourceMinimum {
                    source: *s,
                    minimum: minimums
                        .get(s.as_str())
                        .copied()
                        .unwrap_or(1)
                        .try_into()
                        .unwrap_or(i32::MAX),
                })
                .collect(),
            status: CycleStatus::from_stored(&model.status)?,
            revision: model.revision,
            supersedes_id: model.supersedes.map(id_of),
            finalized_at: model.finalized_at,
            created_at: model.created_at,
        })
    }
}

/// One source's part in an indicator score.
#[derive(SimpleObject, Clone)]
pub struct SourceScore {
    /// The source.
    pub source: Source,
    /// Its score 0–100 (none without samples).
    pub score: Option<f64>,
    /// How many records it rests on.
    pub samples: i32,
    /// The minimum it needed.
    pub minimum: i32,
    /// Whether it counted (otherwise it was left out).
    pub included: bool,
}

/// A staff member's score on one indicator, with its sources.
#[derive(SimpleObject, Clone)]
pub struct IndicatorScore {
    /// The indicator.
    pub indicator: Indicator,
    /// The cycle's weight.
    pub weight: i32,
    /// The weight it carried after left-out indicators' weights were shared out (0 when it was
    /// left out).
    pub applied_weight: f64,
    /// The score 0–100 (none when no source had enough samples).
    pub score: Option<f64>,
    /// Its sources.
    pub sources: Vec<SourceScore>,
}

/// A training need found by an assessment.
#[derive(SimpleObject, Clone)]
pub struct TrainingNeed {
    /// The indicator scored below 60.
    pub indicator: Indicator,
    /// The course.
    pub course_id: ID,
    /// The enrolment made (none when no upcoming session of the course had room, or the staff
    /// member was already enrolled in it).
    pub training_record_id: Option<ID>,
}

/// Stored form of a training need.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredNeed {
    /// Indicator.
    pub indicator: String,
    /// Course.
    pub course_id: Uuid,
    /// Enrolment.
    pub training_record_id: Option<Uuid>,
}

/// One staff member's result of a finalised cycle.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct AssessmentResult {
    /// Id.
    pub id: ID,
    /// The cycle.
    pub cycle_id: ID,
    /// The staff record's id.
    pub staff_id: ID,
    /// Total 0–100 (none when no source had enough samples).
    pub total: Option<f64>,
    /// Grade: A (90+), B (75+), C (60+), D.
    pub grade: Option<Grade>,
    /// Performance-pay factor (a decimal: `"1.20"`, `"1.00"`, `"0.90"`, `"0.80"`).
    pub pay_factor: Option<String>,
    /// Score per indicator with its sources.
    pub indicators: Vec<IndicatorScore>,
    /// What was left out for too few samples, and where its weight went.
    pub left_out: Vec<String>,
    /// The reward or penalty proposed (grade A: a commendation; D: a warning).
    pub ledger_entry_id: Option<ID>,
    /// Training needs and the enrolments they made.
    pub training_needs: Vec<TrainingNeed>,
    /// The staff member's comment.
    pub comment: Option<String>,
    /// Commented at.
    pub commented_at: Option<DateTime<Utc>>,
    /// Written at (when the cycle was finalised).
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    staff_uuid: Uuid,
}

fn count(n: u64) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

impl AssessmentResult {
    /// From a row.
    pub fn try_from_model(model: assessment_result::Model) -> AppResult<AssessmentResult> {
        let parts: Vec<IndicatorPart> = json(&model.indicators)?;
        let needs: Vec<StoredNeed> = json(&model.training)?;
        Ok(AssessmentResult {
            id: id_of(model.id),
            cycle_id: id_of(model.cycle_id),
            staff_id: id_of(model.staff_id),
            total: model.total,
            grade: model.grade.as_deref().map(Grade::from_stored).transpose()?,
            pay_factor: model.pay_factor,
            indicators: parts
                .into_iter()
                .map(|p| {
                    Ok(IndicatorScore {
                        indicator: Indicator::from_stored(&p.indicator)?,
                        weight: p.weight,
                        applied_weight: p.applied_weight,
                        score: p.score,
                        sources: p
                            .sources
                            .into_iter()
                            .map(|s| {
                                Ok(SourceScore {
                                    source: Source::from_stored(&s.source)?,
                                    score: s.score,
                                    samples: count(s.samples),
                                    minimum: count(s.minimum),
                                    included: s.included,
                                })
                            })
                            .collect::<AppResult<_>>()?,
                    })
                })
                .collect::<AppResult<_>>()?,
            left_out: json(&model.left_out)?,
            ledger_entry_id: model.ledger_entry_id.map(id_of),
            training_needs: needs
                .into_iter()
                .map(|n| {
                    Ok(TrainingNeed {
                        indicator: Indicator::from_stored(&n.indicator)?,
                        course_id: id_of(n.course_id),
                        training_record_id: n.training_record_id.map(id_of),
                    })
                })
                .collect::<AppResult<_>>()?,
            comment: model.comment,
            commented_at: model.commented_at,
            created_at: model.created_at,
            staff_uuid: model.staff_id,
        })
    }
}

#[ComplexObject]
impl AssessmentResult {
    /// The staff record assessed.
    async fn staff(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffRecord>> {
        let record = ctx
            .loaders()?
            .load_one::<ById<staff_record::Entity>>(self.staff_uuid)
            .await?;
        Ok(record.map(StaffRecord::try_from_model).transpose()?)
    }
}

/// A peer review or supervisor score entered in an open cycle.
#[derive(SimpleObject, Clone)]
pub struct AssessmentReview {
    /// Id.
    pub id: ID,
    /// The cycle.
    pub cycle_id: ID,
    /// Peer or supervisor.
    pub kind: ReviewKind,
    /// The staff record reviewed.
    pub staff_id: ID,
    /// Scores 0–100 by indicator.
    pub scores: Vec<ReviewScore>,
    /// Comment.
    pub comment: Option<String>,
    /// Entered at.
    pub created_at: DateTime<Utc>,
}

/// One indicator's score in a review.
#[derive(SimpleObject, Clone)]
pub struct ReviewScore {
    /// The indicator.
    pub indicator: Indicator,
    /// 0–100.
    pub score: i32,
}

impl AssessmentReview {
    /// From a row.
    pub fn try_from_model(model: assessment_review::Model) -> AppResult<AssessmentReview> {
        let scores: HashMap<String, i32> = json(&model.scores)?;
        let mut scores = scores
            .into_iter()
            .map(|(i, score)| {
                Ok(ReviewScore {
                    indicator: Indicator::from_stored(&i)?,
                    score,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        scores.sort_by_key(|s| Indicator::ALL.iter().position(|i| *i == s.indicator));
        Ok(AssessmentReview {
            id: id_of(model.id),
            cycle_id: id_of(model.cycle_id),
            kind: ReviewKind::from_stored(&model.kind)?,
            staff_id: id_of(model.staff_id),
            scores,
            comment: model.comment,
            created_at: model.created_at,
        })
    }
}
