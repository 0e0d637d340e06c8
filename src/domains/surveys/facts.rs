//! What surveys tell the rest of the system, as aggregates that name no one: staff members'
//! scores from answers that rate them (for staff assessment) and the satisfaction index of a
//! building or the estate (for the standard-compliance report).
//!
//! Every figure is computed in SQL over `survey_answer` joined to its question and response;
//! a response carries the respondent's building at submission, so these hold for anonymous
//! surveys too.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Query,
};
use uuid::Uuid;

use crate::error::AppResult;
use entity::{survey, survey_answer, survey_audience, survey_question, survey_response};

/// A mean on 0..=100 over `samples` answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleScore {
    /// The mean, 0..=100.
    pub mean: f64,
    /// How many answers it is the mean of.
    pub samples: u64,
}

/// The stored status of a published survey.
const PUBLISHED: &str = "PUBLISHED";

/// SCALE answers of responses submitted in `[from, to)`.
fn scale_answers_in(from: DateTime<Utc>, to: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(survey_answer::Column::Score.is_not_null())
        .add(survey_response::Column::SubmittedAt.gte(from))
        .add(survey_response::Column::SubmittedAt.lt(to))
}

/// SCALE answers (each normalised to 0..=100: (v - min) * 100 / (max - min)) to questions tagged
/// with one of these staff members (by staff_record id) or with that staff member's post, from
/// responses submitted in [from, to). Keyed by staff_record id; staff without answers are absent.
pub async fn staff_scores<C: ConnectionTrait>(
    db: &C,
    staff: &[(Uuid, String)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, SampleScore>> {
    if staff.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: BTreeSet<Uuid> = staff.iter().map(|(id, _)| *id).collect();
    let posts: BTreeSet<&str> = staff.iter().map(|(_, post)| post.as_str()).collect();
    // (sum of scores, count) per staff member named by a question.
    let by_member: Vec<(Option<Uuid>, Option<f64>, i64)> = survey_answer::Entity::find()
        .select_only()
        .column(survey_question::Column::StaffId)
        .column_as(survey_answer::Column::Score.sum(), "total")
        .column_as(survey_answer::Column::Score.count(), "samples")
        .inner_join(survey_question::Entity)
        .inner_join(survey_response::Entity)
        .filter(scale_answers_in(from, to))
        .filter(survey_question::Column::StaffId.is_in(ids.iter().copied()))
        .group_by(survey_question::Column::StaffId)
        .into_tuple()
        .all(db)
        .await?;
    // … and per post named by a question that names no one.
    let by_post: Vec<(Option<String>, Option<f64>, i64)> = survey_answer::Entity::find()
        .select_only()
        .column(survey_question::Column::StaffPost)
        .column_as(survey_answer::Column::Score.sum(), "total")
        .column_as(survey_answer::Column::Score.count(), "samples")
        .inner_join(survey_question::Entity)
        .inner_join(survey_response::Entity)
        .filter(scale_answers_in(from, to))
        .filter(survey_question::Column::StaffId.is_null())
        .filter(survey_question::Column::StaffPost.is_in(posts.iter().copied()))
        .group_by(survey_question::Column::StaffPost)
        .into_tuple()
        .all(db)
        .await?;
    let member: HashMap<Uuid, (f64, i64)> = by_member
        .into_iter()
        .filter_map(|(id, total, n)| Some((id?, (total.unwrap_or(0.0), n))))
        .collect();
    let post: HashMap<String, (f64, i64)> = by_post
        .into_iter()
        .filter_map(|(post, total, n)| Some((post?, (total.unwrap_or(0.0), n))))
        .collect();
    let mut out = HashMap::new();
    for (id, staff_post) in staff {
        let (mut total, mut samples) = member.get(id).copied().unwrap_or((0.0, 0));
        if let Some((t, n)) = post.get(staff_post) {
            total += t;
            samples += n;
        }
        if samples > 0 {
            out.insert(
                *id,
                SampleScore {
                    mean: total / samples as f64,
                    samples: samples as u64,
                },
            );
        }
    }
    Ok(out)
}

/// What surveys say about a building (or the estate) over a period.
pub struct Satisfaction {
    /// Mean of all SCALE answers (normalised 0..=100) of responses submitted in [from, to) from
    /// the building (or the whole estate when None); None when there are none.
    pub index: Option<f64>,
    /// Responses submitted in [from, to) from the building (or the estate).
    pub responses: u64,
    /// Surveys published whose window overlaps [from, to) and whose audience reaches the building
    /// (or all, for the estate), by id.
    pub surveys_run: Vec<Uuid>,
}

/// The satisfaction index, responses and surveys run of a building (or the estate when `None`)
/// over `[from, to)`. A survey's audience reaches a building when it names the estate, a role
/// (roles span the estate), or the building itself, a floor or a unit of it.
pub async fn satisfaction<C: ConnectionTrait>(
    db: &C,
    building_id: Option<Uuid>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Satisfaction> {
    let from_building = |condition: Condition| match building_id {
        Some(building) => condition.add(survey_response::Column::BuildingId.eq(building)),
        None => condition,
    };
    let (sum, count): (Option<f64>, i64) = survey_answer::Entity::find()
        .select_only()
        .column_as(survey_answer::Column::Score.sum(), "total")
        .column_as(survey_answer::Column::Score.count(), "samples")
        .inner_join(survey_response::Entity)
        .filter(from_building(scale_answers_in(from, to)))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((None, 0));
    let index = (count > 0).then(|| sum.unwrap_or(0.0) / count as f64);
    let responses = survey_response::Entity::find()
        .select_only()
        .column_as(survey_response::Column::Id.count(), "n")
        .filter(from_building(
            Condition::all()
                .add(survey_response::Column::SubmittedAt.gte(from))
                .add(survey_response::Column::SubmittedAt.lt(to)),
        ))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0);
    let mut run = survey::Entity::find()
        .select_only()
        .column(survey::Column::Id)
        .filter(survey::Column::Status.eq(PUBLISHED))
        .filter(survey::Column::OpensAt.lt(to))
        .filter(survey::Column::ClosesAt.gt(from));
    if let Some(building) = building_id {
        run = run.filter(
            survey::Column::Id.in_subquery(
                Query::select()
                    .column(survey_audience::Column::SurveyId)
                    .from(survey_audience::Entity)
                    .cond_where(
                        Condition::any()
                            .add(survey_audience::Column::Scope.is_in(["ESTATE", "ROLE"]))
                            .add(survey_audience::Column::BuildingId.eq(building)),
                    )
                    .to_owned(),
            ),
        );
    }
    let surveys_run: Vec<Uuid> = run
        .order_by_asc(survey::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Satisfaction {
        index,
        responses: responses.max(0) as u64,
        surveys_run,
    })
}
