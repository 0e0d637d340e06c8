//! Survey rules: drafting, publishing (with the audience's notifications), responses (one per
//! user or home, changed until the survey closes, anonymous ones unlinkable), results, the
//! reminder and the sealing of closed anonymous surveys.
//!
//! Every change runs in one [`Write`]; the reads it needs (audience, facets, questions) come
//! first, before the write opens. One response per respondent holds under concurrency through
//! the unique index on `(survey_id, respondent_key)`: of two submissions at once, the second
//! insert does nothing and the submission answers `CONFLICT`, writing nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, DurationRound, NaiveDate, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
    sea_query::{Expr, ExprTrait},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    access::{Relation, relation, visible},
    types::{
        AssessmentIndicator, DRAFT, PUBLISHED, SatisfactionWeek, SurveyBuildingResult,
        SurveyChoiceCount, SurveyOncePer, SurveyQuestionKind, SurveyQuestionResult,
        SurveyResultCounts, SurveyResults, SurveyScale, SurveyScaleCount, SurveyStatus, status_at,
    },
};
use crate::{
    app::AppState,
    auth::guard,
    domains::{
        estate::{
            access::{ACTIVE_STAFF, Scope, current_residency},
            types::StaffPost,
        },
        notices::audience::{Audience, check_targets, recipients},
    },
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    graphql::{
        checks::Checks,
        pagination::{Keyset, Page, PageRequest},
    },
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{
    building, residency, staff_building, staff_record, survey, survey_answer, survey_audience,
    survey_choice, survey_question, survey_response, unit,
};

/// Subject type of survey notifications.
pub const SUBJECT: &str = "SURVEY";
/// On an anonymous survey, a building's per-question figures show only from this many
/// responses on, so no small group's answers can be told apart.
pub const MIN_GROUP: i64 = 3;
/// Most texts shown per TEXT question in the results.
pub const MAX_TEXTS: usize = 200;

/// One question of a new survey.
#[derive(Clone, Debug)]
pub struct QuestionFields {
    /// What it asks for.
    pub kind: SurveyQuestionKind,
    /// The question as asked.
    pub prompt: String,
    /// Whether every response must answer it.
    pub required: bool,
    /// The scale (SCALE).
    pub scale: Option<SurveyScale>,
    /// The choices, in order (SINGLE, MULTI).
    pub choices: Vec<String>,
    /// The staff assessment it feeds.
    pub indicator: Option<AssessmentIndicator>,
    /// The staff post it rates.
    pub staff_post: Option<StaffPost>,
    /// The staff member (staff record) it rates.
    pub staff_id: Option<Uuid>,
}

/// What a new survey says.
#[derive(Clone, Debug)]
pub struct SurveyFields {
    /// Title.
    pub title: String,
    /// What it is about.
    pub description: String,
    /// Whether answers are anonymous.
    pub anonymous: bool,
    /// Who answers once.
    pub once_per: SurveyOncePer,
    /// Opens.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// When to remind those who have not answered.
    pub remind_at: Option<DateTime<Utc>>,
    /// Who it is for.
    pub audience: Audience,
    /// The questions, in order.
    pub questions: Vec<QuestionFields>,
}

/// One answer as given.
#[derive(Clone, Debug, Default)]
pub struct AnswerFields {
    /// The question.
    pub question_id: Uuid,
    /// Choices (SINGLE: one, MULTI: one or more).
    pub choice_ids: Vec<Uuid>,
    /// The value (SCALE).
    pub scale: Option<i32>,
    /// The text (TEXT).
    pub text: Option<String>,
}

/// A survey filter's statuses as a condition at `now`.
fn status_condition(statuses: &[SurveyStatus], now: DateTime<Utc>) -> Condition {
    let mut any = Condition::any();
    for status in statuses {
        let published = survey::Column::Status.eq(PUBLISHED);
        any = any.add(match status {
            SurveyStatus::Draft => Condition::all().add(survey::Column::Status.eq(DRAFT)),
            SurveyStatus::Scheduled => Condition::all()
                .add(published)
                .add(survey::Column::OpensAt.gt(now)),
            SurveyStatus::Open => Condition::all()
                .add(published)
                .add(survey::Column::OpensAt.lte(now))
                .add(survey::Column::ClosesAt.gt(now)),
            SurveyStatus::Closed => Condition::all()
                .add(published)
                .add(survey::Column::ClosesAt.lte(now)),
        });
    }
    any
}

/// The hash of a respondent (`kind`: `user` or `unit`) under a survey's salt.
pub(crate) fn respondent_key(salt: &str, kind: &str, id: Uuid) -> String {
    Sha256::digest(format!("{salt}:{kind}:{id}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_salt() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Monday (UTC) of the week `at` falls in.
pub fn week_of(at: DateTime<Utc>) -> NaiveDate {
    let day = at.date_naive();
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// `value` on the question's scale, normalised to 0..=100.
fn normalise(value: i32, min: i32, max: i32) -> f64 {
    f64::from(value - min) * 100.0 / f64::from(std::cmp::max(max - min, 1))
}

fn subject(id: Uuid) -> SubjectRef {
    SubjectRef { kind: SUBJECT, id }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A SCALE value's count within a building: (building, question, value, count, sum of scores).
type ScaleCount = (Option<Uuid>, Uuid, Option<i32>, i64, Option<f64>);

/// Who answers, as the survey's rules see them.
struct Respondent {
    /// The hash the uniqueness holds on (user or home).
    key: String,
    /// The hash of the user who writes.
    author: String,
    /// The home (surveys answered once per home).
    unit_id: Option<Uuid>,
    /// The building counted in the results.
    building_id: Option<Uuid>,
}

/// A question with its choices, as responses are checked against it.
struct Asked {
    model: survey_question::Model,
    choices: HashSet<Uuid>,
}

/// Survey rules over the application state.
pub struct SurveyService<'a> {
    state: &'a AppState,
}

impl<'a> SurveyService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        SurveyService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    // ----- reads ---------------------------------------------------------------------------

    /// The audience rows of `ids`, grouped.
    async fn audiences<C: ConnectionTrait>(
        db: &C,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<HashMap<Uuid, Vec<survey_audience::Model>>> {
        let mut out: HashMap<Uuid, Vec<survey_audience::Model>> = HashMap::new();
        for row in survey_audience::Entity::find()
            .filter(survey_audience::Column::SurveyId.is_in(ids))
            .all(db)
            .await?
        {
            out.entry(row.survey_id).or_default().push(row);
        }
        Ok(out)
    }

    /// The stored audience of one survey.
    pub async fn audience_of(&self, id: Uuid) -> AppResult<Audience> {
        let rows = Self::audiences(self.db(), [id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Audience::from_targets(rows.iter().map(|r| {
            (
                r.scope.as_str(),
                r.building_id,
                r.floor,
                r.unit_id,
                r.role.as_deref(),
            )
        })))
    }

    /// One survey the viewer may see, with how they relate to it; `NOT_FOUND` otherwise.
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<(survey::Model, Relation)> {
        scope.require_user()?;
        let model = survey::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("survey"))?;
        let audience = Self::audiences(self.db(), [id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let rel = relation(scope, &model, &audience).await?;
        if !rel.sees {
            return Err(AppError::NotFound("survey"));
        }
        Ok((model, rel))
    }

    /// The surveys among `ids` the viewer may see (notification subjects, node).
    pub async fn visible_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<Vec<(survey::Model, Relation)>> {
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let models = survey::Entity::find()
            .filter(survey::Column::Id.is_in(ids.iter().copied()))
            .all(self.db())
            .await?;
        let audiences = Self::audiences(self.db(), ids).await?;
        let mut out = Vec::new();
        for model in models {
            let rows = audiences.get(&model.id).map(Vec::as_slice).unwrap_or(&[]);
            let rel = relation(scope, &model, rows).await?;
            if rel.sees {
                out.push((model, rel));
            }
        }
        Ok(out)
    }

    /// The surveys the viewer may see, newest first.
    pub async fn list(
        &self,
        scope: &Scope,
        statuses: Option<Vec<SurveyStatus>>,
        created_by_me: bool,
        page: &PageRequest,
    ) -> AppResult<Page<survey::Model>> {
        let me = scope.require_user()?;
        let mut query = survey::Entity::find();
        if let Some(condition) = visible(scope).await? {
            query = query.filter(condition);
        }
        if let Some(statuses) = statuses {
            query = query.filter(status_condition(&statuses, self.state.clock.now()));
        }
        if created_by_me {
            query = query.filter(survey::Column::CreatedBy.eq(me));
        }
        Keyset::<survey::Entity>::new()
            .desc(survey::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// The viewer's own response to each of `surveys` that has one (one statement): by user on
    /// named surveys, by the author's key (while the survey takes answers) on anonymous ones.
    pub async fn mine_among(
        &self,
        scope: &Scope,
        surveys: &[&survey::Model],
    ) -> AppResult<HashMap<Uuid, survey_response::Model>> {
        let me = scope.require_user()?;
        let mut keys = Vec::new();
        let mut named = Vec::new();
        for model in surveys {
            if model.status == DRAFT {
                continue;
            }
            if model.anonymous {
                if let Some(salt) = &model.respondent_salt {
                    keys.push(respondent_key(salt, "user", me));
                }
            } else {
                named.push(model.id);
            }
        }
        if keys.is_empty() && named.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = surveys.iter().map(|m| m.id).collect();
        let rows = survey_response::Entity::find()
            .filter(survey_response::Column::SurveyId.is_in(ids))
            .filter(
                Condition::any()
                    .add(survey_response::Column::AuthorKey.is_in(keys))
                    .add(
                        Condition::all()
                            .add(survey_response::Column::SurveyId.is_in(named))
                            .add(survey_response::Column::UserId.eq(me)),
                    ),
            )
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|r| (r.survey_id, r)).collect())
    }

    /// The answer rows of a response with their question's position.
    pub async fn answers_of(&self, response: Uuid) -> AppResult<Vec<(i32, survey_answer::Model)>> {
        let rows = survey_answer::Entity::find()
            .filter(survey_answer::Column::ResponseId.eq(response))
            .find_also_related(survey_question::Entity)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(answer, question)| (question.map_or(0, |q| q.position), answer))
            .collect())
    }

    // ----- drafting and publishing -----------------------------------------------------------

    /// The buildings a manager serves, `None` for administrators; `FORBIDDEN` for everyone else.
    async fn creator(&self, scope: &Scope) -> AppResult<Option<HashSet<Uuid>>> {
        scope.require_user()?;
        if scope.admin {
            return Ok(None);
        }
        let staff = guard::require_active_post(
            scope,
            StaffPost::Manager,
            "only administrators and managers create surveys",
        )
        .await?;
        Ok(Some(staff.served_buildings.clone()))
    }

    /// The staff members questions rate must exist (for a manager: serve one of their
    /// buildings); `NOT_FOUND` on the question's field otherwise.
    async fn check_staff(
        &self,
        questions: &[QuestionFields],
        served: Option<&HashSet<Uuid>>,
    ) -> AppResult<()> {
        let named: BTreeSet<Uuid> = questions.iter().filter_map(|q| q.staff_id).collect();
        if named.is_empty() {
            return Ok(());
        }
        let found: HashSet<Uuid> = staff_record::Entity::find()
            .select_only()
            .column(staff_record::Column::Id)
            .filter(staff_record::Column::Id.is_in(named.iter().copied()))
            .into_tuple::<Uuid>()
            .all(self.db())
            .await?
            .into_iter()
            .collect();
        let serving: HashSet<Uuid> = match served {
            None => found.clone(),
            Some(buildings) => staff_building::Entity::find()
                .select_only()
                .column(staff_building::Column::StaffId)
                .filter(staff_building::Column::StaffId.is_in(named.iter().copied()))
                .filter(staff_building::Column::BuildingId.is_in(buildings.iter().copied()))
                .into_tuple::<Uuid>()
                .all(self.db())
                .await?
                .into_iter()
                .collect(),
        };
        for (i, question) in questions.iter().enumerate() {
            if let Some(staff) = question.staff_id
                && !(found.contains(&staff) && serving.contains(&staff))
            {
                return Err(AppError::unknown_id(
                    format!("input.questions[{i}].staffId"),
                    "staff member",
                ));
            }
        }
        Ok(())
    }

    /// Audience rows for `id`; unit targets carry their building, so the building's managers
    /// find the survey and the facts reach the building.
    async fn audience_rows<C: ConnectionTrait>(
        db: &C,
        id: Uuid,
        audience: &Audience,
    ) -> AppResult<Vec<survey_audience::ActiveModel>> {
        let unit_buildings: HashMap<Uuid, Uuid> = if audience.unit_ids.is_empty() {
            HashMap::new()
        } else {
            unit::Entity::find()
                .select_only()
                .column(unit::Column::Id)
                .column(unit::Column::BuildingId)
                .filter(unit::Column::Id.is_in(audience.unit_ids.iter().copied()))
                .into_tuple::<(Uuid, Uuid)>()
                .all(db)
                .await?
                .into_iter()
                .collect()
        };
        Ok(audience
            .targets()
            .into_iter()
            .map(|t| survey_audience::ActiveModel {
                id: Set(Uuid::now_v7()),
                survey_id: Set(id),
                scope: Set(t.scope.to_owned()),
                building_id: Set(t
                    .building_id
                    .or_else(|| t.unit_id.and_then(|u| unit_buildings.get(&u).copied()))),
                floor: Set(t.floor),
                unit_id: Set(t.unit_id),
                role: Set(t.role),
            })
            .collect())
    }

    /// Drafts a survey (administrators anywhere; managers for the buildings they serve).
    pub async fn create(&self, scope: &Scope, fields: SurveyFields) -> AppResult<survey::Model> {
        let me = scope.require_user()?;
        let served = self.creator(scope).await?;
        check_targets(self.db(), &fields.audience, served.as_ref()).await?;
        self.check_staff(&fields.questions, served.as_ref()).await?;
        let now = self.state.clock.now();
        let id = Uuid::now_v7();
        let model = survey::ActiveModel {
            id: Set(id),
            title: Set(fields.title),
            description: Set(fields.description),
            anonymous: Set(fields.anonymous),
            once_per: Set(fields.once_per.as_str().to_owned()),
            opens_at: Set(fields.opens_at),
            closes_at: Set(fields.closes_at),
            remind_at: Set(fields.remind_at),
            status: Set(DRAFT.to_owned()),
            respondent_salt: Set(None),
            audience_size: Set(0),
            version: Set(1),
            created_by: Set(me),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(None),
            reminded_at: Set(None),
            sealed_at: Set(None),
        };
        let mut questions = Vec::new();
        let mut choices = Vec::new();
        for (position, q) in fields.questions.into_iter().enumerate() {
            let question_id = Uuid::now_v7();
            let bounds = q.scale.map(SurveyScale::bounds);
            questions.push(survey_question::ActiveModel {
                id: Set(question_id),
                survey_id: Set(id),
                position: Set(count(position as i64)),
                kind: Set(q.kind.as_str().to_owned()),
                prompt: Set(q.prompt),
                required: Set(q.required),
                scale_min: Set(bounds.map(|b| b.0)),
                scale_max: Set(bounds.map(|b| b.1)),
                indicator: Set(q.indicator.map(|i| i.as_str().to_owned())),
                staff_post: Set(q.staff_post.map(|p| p.as_str().to_owned())),
                staff_id: Set(q.staff_id),
            });
            for (i, label) in q.choices.into_iter().enumerate() {
                choices.push(survey_choice::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    survey_id: Set(id),
                    question_id: Set(question_id),
                    position: Set(count(i as i64)),
                    label: Set(label),
                });
            }
        }
        let rows = Self::audience_rows(self.db(), id, &fields.audience).await?;
        let write = Write::begin(self.state).await?;
        let model = survey::Entity::insert(model)
            .exec_with_returning(write.txn())
            .await?;
        survey_audience::Entity::insert_many(rows)
            .exec_without_returning(write.txn())
            .await?;
        survey_question::Entity::insert_many(questions)
            .exec_without_returning(write.txn())
            .await?;
        if !choices.is_empty() {
            survey_choice::Entity::insert_many(choices)
                .exec_without_returning(write.txn())
                .await?;
        }
        write.commit().await?;
        Ok(model)
    }

    /// The survey `id` when the viewer runs it; `NOT_FOUND` when they may not see it,
    /// `FORBIDDEN` when they see but do not run it.
    async fn run(&self, scope: &Scope, id: Uuid) -> AppResult<survey::Model> {
        let (model, rel) = self.get(scope, id).await?;
        if !rel.runs {
            return Err(AppError::Forbidden(
                "only the survey's creator and administrators publish it".to_owned(),
            ));
        }
        Ok(model)
    }

    /// The homes (unit → building) of an audience: units with a current resident among
    /// `users`, inside the audience's buildings, floors and units unless it names the estate or
    /// roles.
    async fn homes_of(
        &self,
        audience: &Audience,
        users: &HashSet<Uuid>,
    ) -> AppResult<HashMap<Uuid, Uuid>> {
        if users.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(Uuid, Uuid, i32)> = residency::Entity::find()
            .select_only()
            .column(residency::Column::UnitId)
            .column(unit::Column::BuildingId)
            .column(unit::Column::Floor)
            .inner_join(unit::Entity)
            .filter(current_residency(self.state.clock.today()))
            .filter(residency::Column::UserId.is_in(users.iter().copied()))
            .into_tuple()
            .all(self.db())
            .await?;
        let everywhere = audience.estate || !audience.roles.is_empty();
        Ok(rows
            .into_iter()
            .filter(|(unit, building, floor)| {
                everywhere
                    || audience.building_ids.contains(building)
                    || audience.floors.contains(&(*building, *floor))
                    || audience.unit_ids.contains(unit)
            })
            .map(|(unit, building, _)| (unit, building))
            .collect())
    }

    /// Publishes a draft: it opens at its time, and its audience is notified (inbox and live).
    pub async fn publish(&self, scope: &Scope, id: Uuid) -> AppResult<survey::Model> {
        let current = self.run(scope, id).await?;
        if current.status != DRAFT {
            return Err(AppError::InvalidState(
                "only a draft is published".to_owned(),
            ));
        }
        let now = self.state.clock.now();
        if current.closes_at <= now {
            return Err(AppError::InvalidState(
                "the survey's window has passed; draft another".to_owned(),
            ));
        }
        let audience = self.audience_of(id).await?;
        let users = recipients(self.db(), &audience, self.state.clock.today()).await?;
        let size = if current.once_per == SurveyOncePer::Unit.as_str() {
            self.homes_of(&audience, &users).await?.len()
        } else {
            users.len()
        };
        let mut write = Write::begin(self.state).await?;
        let model = survey::Entity::update_many()
            .col_expr(survey::Column::Status, Expr::value(PUBLISHED))
            .col_expr(survey::Column::PublishedAt, Expr::value(now))
            .col_expr(survey::Column::UpdatedAt, Expr::value(now))
            .col_expr(survey::Column::RespondentSalt, Expr::value(new_salt()))
            .col_expr(
                survey::Column::AudienceSize,
                Expr::value(count(size as i64)),
            )
            .col_expr(
                survey::Column::Version,
                Expr::col(survey::Column::Version).add(1),
            )
            .filter(survey::Column::Id.eq(id))
            .filter(survey::Column::Status.eq(DRAFT))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::InvalidState("only a draft is published".to_owned()))?;
        let window = format!(
            "Open {} to {}.",
            std::cmp::max(model.opens_at, now).format("%Y-%m-%d %H:%M UTC"),
            model.closes_at.format("%Y-%m-%d %H:%M UTC")
        );
        let privacy = if model.anonymous {
            " Answers are anonymous."
        } else {
            ""
        };
        Notifier::notify(
            &mut write,
            users,
            &Draft {
                category: NotificationCategory::Survey,
                priority: NotificationPriority::Normal,
                kind: "SURVEY_PUBLISHED".to_owned(),
                title: model.title.clone(),
                text: format!("{window}{privacy} {}", model.description),
                subject: subject(id),
            },
        )
        .await?;
        write.signal(Topic::SurveyResults(id));
        write.commit().await?;
        Ok(model)
    }

    // ----- responses -----------------------------------------------------------------------

    /// The open survey `id` the viewer may answer, with its questions.
    async fn answerable(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(survey::Model, Vec<Asked>, String)> {
        let (model, rel) = self
            .get(scope, id)
            .await
            .map_err(|e| e.on_field("input.surveyId"))?;
        if !rel.answers {
            return Err(AppError::Forbidden(
                "only the survey's audience answers it".to_owned(),
            ));
        }
        let now = self.state.clock.now();
        match status_at(&model, now) {
            SurveyStatus::Open => {}
            SurveyStatus::Scheduled => {
                return Err(AppError::InvalidState(
                    "the survey is not open yet".to_owned(),
                ));
            }
            _ => {
                return Err(AppError::InvalidState(
                    "the survey has closed: answers are no longer taken or changed".to_owned(),
                ));
            }
        }
        let salt = model
            .respondent_salt
            .clone()
            .ok_or_else(|| AppError::InvalidState("the survey has closed".to_owned()))?;
        let questions = survey_question::Entity::find()
            .filter(survey_question::Column::SurveyId.eq(id))
            .order_by_asc(survey_question::Column::Position)
            .all(self.db())
            .await?;
        let choices: Vec<(Uuid, Uuid)> = survey_choice::Entity::find()
            .select_only()
            .column(survey_choice::Column::QuestionId)
            .column(survey_choice::Column::Id)
            .filter(survey_choice::Column::SurveyId.eq(id))
            .into_tuple()
            .all(self.db())
            .await?;
        let asked = questions
            .into_iter()
            .map(|model| Asked {
                choices: choices
                    .iter()
                    .filter(|(q, _)| *q == model.id)
                    .map(|(_, c)| *c)
                    .collect(),
                model,
            })
            .collect();
        Ok((model, asked, salt))
    }

    /// Who the viewer answers as: themselves, or their home (`unit`: the one they name when
    /// they have several in the audience), with the building counted in the results.
    async fn respondent(
        &self,
        scope: &Scope,
        model: &survey::Model,
        salt: &str,
        unit_id: Option<Uuid>,
    ) -> AppResult<Respondent> {
        let me = scope.require_user()?;
        let audience = self.audience_of(model.id).await?;
        let home = scope.resident().await?;
        let homes: Vec<(Uuid, Uuid, i32)> = if home.units.is_empty() {
            Vec::new()
        } else {
            unit::Entity::find()
                .select_only()
                .column(unit::Column::Id)
                .column(unit::Column::BuildingId)
                .column(unit::Column::Floor)
                .filter(unit::Column::Id.is_in(home.units.iter().copied()))
                .order_by_asc(unit::Column::Id)
                .into_tuple()
                .all(self.db())
                .await?
        };
        let everywhere = audience.estate || guard::holds_any(&scope.roles, &audience.roles);
        let reached: Vec<(Uuid, Uuid)> = homes
            .iter()
            .filter(|(unit, building, floor)| {
                everywhere
                    || audience.building_ids.contains(building)
                    || audience.floors.contains(&(*building, *floor))
                    || audience.unit_ids.contains(unit)
            })
            .map(|(u, b, _)| (*u, *b))
            .collect();
        if let Some(unit) = unit_id
            && !reached.iter().any(|(u, _)| *u == unit)
        {
            return Err(AppError::unknown_id("input.unitId", "home in the audience"));
        }
        let author = respondent_key(salt, "user", me);
        if model.once_per == SurveyOncePer::Unit.as_str() {
            let chosen = match (unit_id, reached.as_slice()) {
                (Some(unit), _) => reached.iter().find(|(u, _)| *u == unit).copied(),
                (None, [only]) => Some(*only),
                (None, []) => None,
                (None, _) => {
                    return Err(AppError::bad_input(
                        "input.unitId",
                        "you have several homes in the survey's audience: name the one you answer for",
                    ));
                }
            };
            let (unit, building) = chosen.ok_or_else(|| {
                AppError::Forbidden(
                    "this survey is answered once per home, and you have no home in its audience"
                        .to_owned(),
                )
            })?;
            return Ok(Respondent {
                key: respondent_key(salt, "unit", unit),
                author,
                unit_id: Some(unit),
                building_id: Some(building),
            });
        }
        let building = match unit_id {
            Some(unit) => reached.iter().find(|(u, _)| *u == unit).map(|(_, b)| *b),
            None => reached.first().map(|(_, b)| *b),
        };
        let building = match building {
            Some(b) => Some(b),
            None => {
                let staff = scope.staff().await?;
                let named = audience.named_buildings();
                let mut served: Vec<Uuid> = staff.served_buildings.iter().copied().collect();
                served.sort();
                served
                    .iter()
                    .find(|b| named.contains(b))
                    .or(served.first())
                    .copied()
                    .or_else(|| homes.first().map(|(_, b, _)| *b))
            }
        };
        Ok(Respondent {
            key: author.clone(),
            author,
            unit_id: None,
            building_id: building,
        })
    }

    /// Checks `answers` against the questions: every problem is its own `BAD_USER_INPUT`
    /// naming the answer's field and the question; rows to write when all are right.
    fn check_answers(
        asked: &[Asked],
        answers: &[AnswerFields],
        survey_id: Uuid,
        response_id: Uuid,
    ) -> AppResult<Vec<survey_answer::ActiveModel>> {
        let mut check = Checks::new();
        let by_id: HashMap<Uuid, &Asked> = asked.iter().map(|a| (a.model.id, a)).collect();
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for (i, answer) in answers.iter().enumerate() {
            let at = |field: &str| format!("input.answers[{i}].{field}");
            let Some(question) = by_id.get(&answer.question_id) else {
                check.rule(false, &at("questionId"), "is not a question of this survey");
                continue;
            };
            if !seen.insert(answer.question_id) {
                check.rule(false, &at("questionId"), "answers a question twice");
                continue;
            }
            let q = &question.model;
            let name = format!("question {} ({})", q.position + 1, q.id);
            let kind = SurveyQuestionKind::parse(&q.kind);
            let row = |choice_id, scale, score, text| survey_answer::ActiveModel {
                id: Set(Uuid::new_v4()),
                survey_id: Set(survey_id),
                response_id: Set(response_id),
                question_id: Set(q.id),
                choice_id: Set(choice_id),
                scale: Set(scale),
                score: Set(score),
                text: Set(text),
            };
            let choices_given = !answer.choice_ids.is_empty();
            let wants_choices = matches!(
                kind,
                Some(SurveyQuestionKind::Single | SurveyQuestionKind::Multi)
            );
            check.rule(
                wants_choices || !choices_given,
                &at("choiceIds"),
                &format!("{name} takes no choices"),
            );
            check.rule(
                kind == Some(SurveyQuestionKind::Scale) || answer.scale.is_none(),
                &at("scale"),
                &format!("{name} takes no scale value"),
            );
            check.rule(
                kind == Some(SurveyQuestionKind::Text) || answer.text.is_none(),
                &at("text"),
                &format!("{name} takes no text"),
            );
            match kind {
                Some(SurveyQuestionKind::Single | SurveyQuestionKind::Multi) => {
                    let single = kind == Some(SurveyQuestionKind::Single);
                    let distinct: BTreeSet<Uuid> = answer.choice_ids.iter().copied().collect();
                    if distinct.is_empty() {
                        check.rule(false, &at("choiceIds"), &format!("{name} needs a choice"));
                    } else if single && distinct.len() > 1 {
                        check.rule(
                            false,
                            &at("choiceIds"),
                            &format!("{name} takes exactly one choice"),
                        );
                    } else if distinct.len() != answer.choice_ids.len() {
                        check.rule(false, &at("choiceIds"), "names a choice twice");
                    } else if distinct.iter().any(|c| !question.choices.contains(c)) {
                        check.rule(
                            false,
                            &at("choiceIds"),
                            &format!("names a choice that is not one of {name}"),
                        );
                    } else {
                        rows.extend(distinct.into_iter().map(|c| row(Some(c), None, None, None)));
                    }
                }
                Some(SurveyQuestionKind::Scale) => {
                    let (min, max) = (q.scale_min.unwrap_or(1), q.scale_max.unwrap_or(5));
                    match answer.scale {
                        Some(v) if (min..=max).contains(&v) => {
                            rows.push(row(None, Some(v), Some(normalise(v, min, max)), None));
                        }
                        Some(_) => check.rule(
                            false,
                            &at("scale"),
                            &format!("{name} takes a value from {min} to {max}"),
                        ),
                        None => check.rule(
                            false,
                            &at("scale"),
                            &format!("{name} needs a value from {min} to {max}"),
                        ),
                    }
                }
                Some(SurveyQuestionKind::Text) => match &answer.text {
                    Some(text) if !text.is_empty() => {
                        rows.push(row(None, None, None, Some(text.clone())));
                    }
                    _ => check.rule(false, &at("text"), &format!("{name} needs a text")),
                },
                None => return Err(AppError::internal("a question of an unknown kind")),
            }
        }
        let missing: Vec<String> = asked
            .iter()
            .filter(|a| a.model.required && !seen.contains(&a.model.id))
            .map(|a| format!("question {} ({})", a.model.position + 1, a.model.id))
            .collect();
        check.rule(
            missing.is_empty(),
            "input.answers",
            &format!("required and not answered: {}", missing.join(", ")),
        );
        check.finish(|| Some(rows))
    }

    /// The time recorded on a response: to the hour on anonymous surveys.
    fn stamp(model: &survey::Model, now: DateTime<Utc>) -> DateTime<Utc> {
        if model.anonymous {
            now.duration_trunc(Duration::hours(1)).unwrap_or(now)
        } else {
            now
        }
    }

    /// Submits the viewer's response (once per user or home: a second is `CONFLICT`, also when
    /// two arrive at once). On an anonymous survey the response keeps no user and no unit, and
    /// nothing written names the respondent: no event, no notification, no log line.
    pub async fn submit(
        &self,
        scope: &Scope,
        survey_id: Uuid,
        unit_id: Option<Uuid>,
        answers: Vec<AnswerFields>,
    ) -> AppResult<survey_response::Model> {
        let me = scope.require_user()?;
        let (model, asked, salt) = self.answerable(scope, survey_id).await?;
        let respondent = self.respondent(scope, &model, &salt, unit_id).await?;
        let response_id = if model.anonymous {
            Uuid::new_v4()
        } else {
            Uuid::now_v7()
        };
        let rows = Self::check_answers(&asked, &answers, survey_id, response_id)?;
        let write = Write::begin(self.state).await?;
        let at = Self::stamp(&model, write.now());
        let response = survey_response::ActiveModel {
            id: Set(response_id),
            survey_id: Set(survey_id),
            respondent_key: Set(respondent.key),
            author_key: Set(respondent.author),
            user_id: Set((!model.anonymous).then_some(me)),
            unit_id: Set(respondent.unit_id.filter(|_| !model.anonymous)),
            building_id: Set(respondent.building_id),
            submitted_at: Set(at),
            week: Set(week_of(write.now())),
            updated_at: Set(at),
        };
        let inserted = survey_response::Entity::insert(response)
            .on_conflict_do_nothing_on([
                survey_response::Column::SurveyId,
                survey_response::Column::RespondentKey,
            ])
            .exec_without_returning(write.txn())
            .await?;
        if !matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
            let whose = if model.once_per == SurveyOncePer::Unit.as_str() {
                "your home has already answered this survey"
            } else {
                "you have already answered this survey"
            };
            return Err(AppError::Conflict {
                field: Some("input.surveyId".to_owned()),
                message: format!("{whose}; change the response with updateSurveyResponse"),
            });
        }
        Self::write_answers(&write, rows).await?;
        let mut write = write;
        write.signal(Topic::SurveyResults(survey_id));
        let saved = survey_response::Entity::find_by_id(response_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::internal("a survey response vanished"))?;
        write.commit().await?;
        Ok(saved)
    }

    async fn write_answers(
        write: &Write<'_>,
        rows: Vec<survey_answer::ActiveModel>,
    ) -> AppResult<()> {
        for chunk in rows.chunks(500) {
            survey_answer::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(write.txn())
                .await?;
        }
        Ok(())
    }

    /// Replaces the answers of the viewer's own response while the survey is open.
    pub async fn update_response(
        &self,
        scope: &Scope,
        survey_id: Uuid,
        answers: Vec<AnswerFields>,
    ) -> AppResult<survey_response::Model> {
        let me = scope.require_user()?;
        let (model, asked, salt) = self.answerable(scope, survey_id).await?;
        let author = respondent_key(&salt, "user", me);
        let current = survey_response::Entity::find()
            .filter(survey_response::Column::SurveyId.eq(survey_id))
            .filter(survey_response::Column::AuthorKey.eq(author.as_str()))
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.surveyId", "response of yours"))?;
        let rows = Self::check_answers(&asked, &answers, survey_id, current.id)?;
        let mut write = Write::begin(self.state).await?;
        let at = Self::stamp(&model, write.now());
        let updated = survey_response::Entity::update_many()
            .col_expr(survey_response::Column::UpdatedAt, Expr::value(at))
            .filter(survey_response::Column::Id.eq(current.id))
            .filter(survey_response::Column::AuthorKey.eq(author.as_str()))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::unknown_id("input.surveyId", "response of yours"))?;
        survey_answer::Entity::delete_many()
            .filter(survey_answer::Column::ResponseId.eq(current.id))
            .exec(write.txn())
            .await?;
        Self::write_answers(&write, rows).await?;
        write.signal(Topic::SurveyResults(survey_id));
        write.commit().await?;
        Ok(updated)
    }

    // ----- results -------------------------------------------------------------------------

    /// The survey `id` when the viewer sees its results; `FORBIDDEN` when they see the survey
    /// only, `NOT_FOUND` when not even that.
    async fn with_results(&self, scope: &Scope, id: Uuid) -> AppResult<survey::Model> {
        let (model, rel) = self.get(scope, id).await?;
        if !rel.results {
            return Err(AppError::Forbidden(
                "only the survey's creator, administrators and managers of its buildings see its results"
                    .to_owned(),
            ));
        }
        Ok(model)
    }

    /// The live counts of a survey's results.
    pub async fn counts(&self, scope: &Scope, id: Uuid) -> AppResult<SurveyResultCounts> {
        let model = self.with_results(scope, id).await?;
        let responses: i64 = survey_response::Entity::find()
            .select_only()
            .column_as(survey_response::Column::Id.count(), "n")
            .filter(survey_response::Column::SurveyId.eq(id))
            .into_tuple()
            .one(self.db())
            .await?
            .unwrap_or(0);
        let (sum, n): (Option<f64>, i64) = survey_answer::Entity::find()
            .select_only()
            .column_as(survey_answer::Column::Score.sum(), "total")
            .column_as(survey_answer::Column::Score.count(), "n")
            .filter(survey_answer::Column::SurveyId.eq(id))
            .into_tuple()
            .one(self.db())
            .await?
            .unwrap_or((None, 0));
        Ok(SurveyResultCounts {
            survey_id: async_graphql::ID(id.to_string()),
            responses: count(responses),
            audience_size: model.audience_size,
            response_rate: ratio(responses, i64::from(model.audience_size)),
            satisfaction_index: (n > 0).then(|| sum.unwrap_or(0.0) / n as f64),
        })
    }

    /// Users (or homes) of the audience per building, as of now: residents count in the
    /// building of their home (the first reached by the audience), staff in the first building
    /// they serve that the audience names, everyone else under no building.
    async fn audience_by_building(
        &self,
        model: &survey::Model,
    ) -> AppResult<HashMap<Option<Uuid>, i64>> {
        let audience = self.audience_of(model.id).await?;
        let users = recipients(self.db(), &audience, self.state.clock.today()).await?;
        let mut out: HashMap<Option<Uuid>, i64> = HashMap::new();
        let homes = self.homes_of(&audience, &users).await?;
        if model.once_per == SurveyOncePer::Unit.as_str() {
            for building in homes.values() {
                *out.entry(Some(*building)).or_default() += 1;
            }
            return Ok(out);
        }
        let mut placed: HashMap<Uuid, Uuid> = HashMap::new();
        if !users.is_empty() {
            let lived: Vec<(Uuid, Uuid, Uuid)> = residency::Entity::find()
                .select_only()
                .column(residency::Column::UserId)
                .column(residency::Column::UnitId)
                .column(unit::Column::BuildingId)
                .inner_join(unit::Entity)
                .filter(current_residency(self.state.clock.today()))
                .filter(residency::Column::UserId.is_in(users.iter().copied()))
                .order_by_asc(residency::Column::UnitId)
                .into_tuple()
                .all(self.db())
                .await?;
            for (user, unit, building) in lived {
                if homes.contains_key(&unit) {
                    placed.entry(user).or_insert(building);
                }
            }
            let named = audience.named_buildings();
            let served: Vec<(Uuid, Uuid)> = staff_record::Entity::find()
                .select_only()
                .column(staff_record::Column::UserId)
                .column(staff_building::Column::BuildingId)
                .join(
                    sea_orm::JoinType::InnerJoin,
                    staff_record::Entity::belongs_to(staff_building::Entity)
                        .from(staff_record::Column::Id)
                        .to(staff_building::Column::StaffId)
                        .into(),
                )
                .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
                .filter(staff_record::Column::UserId.is_in(users.iter().copied()))
                .order_by_asc(staff_building::Column::BuildingId)
                .into_tuple()
                .all(self.db())
                .await?;
            for (user, building) in served {
                if named.contains(&building) {
                    placed.entry(user).or_insert(building);
                }
            }
        }
        for user in &users {
            *out.entry(placed.get(user).copied()).or_default() += 1;
        }
        Ok(out)
    }

    /// A survey's results: per question and per building, the response rate against the
    /// audience, the satisfaction index and its weeks. Every figure is an aggregate computed in
    /// SQL; no response is read one by one.
    pub async fn results(&self, scope: &Scope, id: Uuid) -> AppResult<SurveyResults> {
        let model = self.with_results(scope, id).await?;
        let now = self.state.clock.now();
        let questions = survey_question::Entity::find()
            .filter(survey_question::Column::SurveyId.eq(id))
            .order_by_asc(survey_question::Column::Position)
            .all(self.db())
            .await?;
        let choices = survey_choice::Entity::find()
            .filter(survey_choice::Column::SurveyId.eq(id))
            .order_by_asc(survey_choice::Column::Position)
            .all(self.db())
            .await?;
        let by_building: Vec<(Option<Uuid>, i64)> = survey_response::Entity::find()
            .select_only()
            .column(survey_response::Column::BuildingId)
            .column_as(survey_response::Column::Id.count(), "n")
            .filter(survey_response::Column::SurveyId.eq(id))
            .group_by(survey_response::Column::BuildingId)
            .into_tuple()
            .all(self.db())
            .await?;
        // (building, question, choice) → count
        let choice_counts: Vec<(Option<Uuid>, Uuid, Option<Uuid>, i64)> =
            survey_answer::Entity::find()
                .select_only()
                .column(survey_response::Column::BuildingId)
                .column(survey_answer::Column::QuestionId)
                .column(survey_answer::Column::ChoiceId)
                .column_as(survey_answer::Column::Id.count(), "n")
                .inner_join(survey_response::Entity)
                .filter(survey_answer::Column::SurveyId.eq(id))
                .filter(survey_answer::Column::ChoiceId.is_not_null())
                .group_by(survey_response::Column::BuildingId)
                .group_by(survey_answer::Column::QuestionId)
                .group_by(survey_answer::Column::ChoiceId)
                .into_tuple()
                .all(self.db())
                .await?;
        // (building, question, value) → count, sum of scores
        let scale_counts: Vec<ScaleCount> = survey_answer::Entity::find()
            .select_only()
            .column(survey_response::Column::BuildingId)
            .column(survey_answer::Column::QuestionId)
            .column(survey_answer::Column::Scale)
            .column_as(survey_answer::Column::Id.count(), "n")
            .column_as(survey_answer::Column::Score.sum(), "total")
            .inner_join(survey_response::Entity)
            .filter(survey_answer::Column::SurveyId.eq(id))
            .filter(survey_answer::Column::Scale.is_not_null())
            .group_by(survey_response::Column::BuildingId)
            .group_by(survey_answer::Column::QuestionId)
            .group_by(survey_answer::Column::Scale)
            .into_tuple()
            .all(self.db())
            .await?;
        // (building, question) → responses answering it
        let answered: Vec<(Option<Uuid>, Uuid, i64)> = survey_answer::Entity::find()
            .select_only()
            .column(survey_response::Column::BuildingId)
            .column(survey_answer::Column::QuestionId)
            .column_as(
                Expr::col((survey_answer::Entity, survey_answer::Column::ResponseId))
                    .count_distinct(),
                "n",
            )
            .inner_join(survey_response::Entity)
            .filter(survey_answer::Column::SurveyId.eq(id))
            .group_by(survey_response::Column::BuildingId)
            .group_by(survey_answer::Column::QuestionId)
            .into_tuple()
            .all(self.db())
            .await?;
        let texts: Vec<(Uuid, Option<String>)> = survey_answer::Entity::find()
            .select_only()
            .column(survey_answer::Column::QuestionId)
            .column(survey_answer::Column::Text)
            .filter(survey_answer::Column::SurveyId.eq(id))
            .filter(survey_answer::Column::Text.is_not_null())
            .order_by_asc(survey_answer::Column::Id)
            .limit((MAX_TEXTS * questions.len().max(1)) as u64)
            .into_tuple()
            .all(self.db())
            .await?;
        let weekly_responses: Vec<(NaiveDate, i64)> = survey_response::Entity::find()
            .select_only()
            .column(survey_response::Column::Week)
            .column_as(survey_response::Column::Id.count(), "n")
            .filter(survey_response::Column::SurveyId.eq(id))
            .group_by(survey_response::Column::Week)
            .into_tuple()
            .all(self.db())
            .await?;
        let weekly_scores: Vec<(NaiveDate, Option<f64>, i64)> = survey_answer::Entity::find()
            .select_only()
            .column(survey_response::Column::Week)
            .column_as(survey_answer::Column::Score.sum(), "total")
            .column_as(survey_answer::Column::Score.count(), "n")
            .inner_join(survey_response::Entity)
            .filter(survey_answer::Column::SurveyId.eq(id))
            .filter(survey_answer::Column::Score.is_not_null())
            .group_by(survey_response::Column::Week)
            .into_tuple()
            .all(self.db())
            .await?;
        let audience = self.audience_by_building(&model).await?;
        let mut building_ids: BTreeSet<Uuid> = by_building.iter().filter_map(|(b, _)| *b).collect();
        building_ids.extend(audience.keys().flatten());
        let names: HashMap<Uuid, String> = building::Entity::find()
            .select_only()
            .column(building::Column::Id)
            .column(building::Column::Name)
            .filter(building::Column::Id.is_in(building_ids.iter().copied()))
            .into_tuple::<(Uuid, String)>()
            .all(self.db())
            .await?
            .into_iter()
            .collect();

        // Builds the per-question figures of one group (`None`: everyone).
        let group = |only: Option<Option<Uuid>>, with_texts: bool| -> Vec<SurveyQuestionResult> {
            let within = |b: &Option<Uuid>| only.is_none_or(|o| o == *b);
            questions
                .iter()
                .filter_map(|q| {
                    let kind = SurveyQuestionKind::parse(&q.kind)?;
                    let n: i64 = answered
                        .iter()
                        .filter(|(b, qid, _)| within(b) && *qid == q.id)
                        .map(|(_, _, n)| n)
                        .sum();
                    let choice_list = choices
                        .iter()
                        .filter(|c| c.question_id == q.id)
                        .map(|c| SurveyChoiceCount {
                            choice_id: async_graphql::ID(c.id.to_string()),
                            label: c.label.clone(),
                            count: count(
                                choice_counts
                                    .iter()
                                    .filter(|(b, qid, cid, _)| {
                                        within(b) && *qid == q.id && *cid == Some(c.id)
                                    })
                                    .map(|(.., n)| n)
                                    .sum(),
                            ),
                        })
                        .collect();
                    let mut values: BTreeMap<i32, (i64, f64)> = BTreeMap::new();
                    for (b, qid, value, n, total) in &scale_counts {
                        if within(b)
                            && *qid == q.id
                            && let Some(value) = value
                        {
                            let entry = values.entry(*value).or_default();
                            entry.0 += n;
                            entry.1 += total.unwrap_or(0.0);
                        }
                    }
                    let scale_n: i64 = values.values().map(|(n, _)| n).sum();
                    let scale_sum: i64 = values.iter().map(|(v, (n, _))| i64::from(*v) * n).sum();
                    let score_sum: f64 = values.values().map(|(_, s)| s).sum();
                    Some(SurveyQuestionResult {
                        question_id: async_graphql::ID(q.id.to_string()),
                        prompt: q.prompt.clone(),
                        kind,
                        answered: count(n),
                        choices: choice_list,
                        scale: if kind == SurveyQuestionKind::Scale {
                            let (min, max) = (q.scale_min.unwrap_or(1), q.scale_max.unwrap_or(5));
                            (min..=max)
                                .map(|value| SurveyScaleCount {
                                    value,
                                    count: count(values.get(&value).map_or(0, |(n, _)| *n)),
                                })
                                .collect()
                        } else {
                            Vec::new()
                        },
                        mean: (scale_n > 0).then(|| scale_sum as f64 / scale_n as f64),
                        score: (scale_n > 0).then(|| score_sum / scale_n as f64),
                        texts: if with_texts {
                            texts
                                .iter()
                                .filter(|(qid, _)| *qid == q.id)
                                .filter_map(|(_, t)| t.clone())
                                .take(MAX_TEXTS)
                                .collect()
                        } else {
                            Vec::new()
                        },
                    })
                })
                .collect()
        };
        let index_of = |only: Option<Option<Uuid>>| -> Option<f64> {
            let (mut n, mut total) = (0i64, 0.0f64);
            for (b, _, _, count, sum) in &scale_counts {
                if only.is_none_or(|o| o == *b) {
                    n += count;
                    total += sum.unwrap_or(0.0);
                }
            }
            (n > 0).then(|| total / n as f64)
        };
        let responses: i64 = by_building.iter().map(|(_, n)| n).sum();
        let mut groups: BTreeSet<Option<Uuid>> = by_building.iter().map(|(b, _)| *b).collect();
        groups.extend(audience.keys().copied());
        let mut buildings: Vec<SurveyBuildingResult> = groups
            .into_iter()
            .map(|b| {
                let n = by_building
                    .iter()
                    .find(|(g, _)| *g == b)
                    .map_or(0, |(_, n)| *n);
                let size = audience.get(&b).copied().unwrap_or(0);
                let withheld = model.anonymous && n < MIN_GROUP;
                SurveyBuildingResult {
                    building_id: b.map(|b| async_graphql::ID(b.to_string())),
                    building_name: b.and_then(|b| names.get(&b).cloned()),
                    responses: count(n),
                    audience: count(size),
                    response_rate: ratio(n, size),
                    satisfaction_index: if withheld { None } else { index_of(Some(b)) },
                    questions: if withheld {
                        Vec::new()
                    } else {
                        group(Some(b), false)
                    },
                    withheld,
                }
            })
            .collect();
        buildings.sort_by(|a, b| {
            (a.building_name.is_none(), &a.building_name)
                .cmp(&(b.building_name.is_none(), &b.building_name))
        });
        let mut weeks: BTreeMap<NaiveDate, SatisfactionWeek> = BTreeMap::new();
        for (week, n) in weekly_responses {
            weeks.insert(
                week,
                SatisfactionWeek {
                    week: week.into(),
                    index: None,
                    responses: count(n),
                },
            );
        }
        for (week, total, n) in weekly_scores {
            if n > 0
                && let Some(entry) = weeks.get_mut(&week)
            {
                entry.index = Some(total.unwrap_or(0.0) / n as f64);
            }
        }
        Ok(SurveyResults {
            survey_id: async_graphql::ID(id.to_string()),
            status: status_at(&model, now),
            responses: count(responses),
            audience_size: model.audience_size,
            response_rate: ratio(responses, i64::from(model.audience_size)),
            satisfaction_index: index_of(None),
            questions: group(None, true),
            buildings,
            weeks: weeks.into_values().collect(),
        })
    }

    // ----- jobs ----------------------------------------------------------------------------

    /// Sends each due reminder once (claimed by a conditional update in the same write as its
    /// notifications, so of several instances exactly one sends it), then wipes the salt of
    /// anonymous surveys that have closed. Named surveys remind those who have not answered;
    /// anonymous ones remind the whole audience ("if you have not answered yet"), so that no
    /// inbox row or feed event tells who has.
    pub async fn run_reminders(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let due = survey::Entity::find()
            .filter(survey::Column::Status.eq(PUBLISHED))
            .filter(survey::Column::RemindAt.lte(now))
            .filter(survey::Column::RemindedAt.is_null())
            .filter(survey::Column::ClosesAt.gt(now))
            .order_by_asc(survey::Column::Id)
            .limit(100)
            .all(self.db())
            .await?;
        let mut done = 0;
        for model in due {
            let audience = self.audience_of(model.id).await?;
            let mut users = recipients(self.db(), &audience, self.state.clock.today()).await?;
            if !model.anonymous {
                let answered: Vec<(Option<Uuid>, Option<Uuid>)> = survey_response::Entity::find()
                    .select_only()
                    .column(survey_response::Column::UserId)
                    .column(survey_response::Column::UnitId)
                    .filter(survey_response::Column::SurveyId.eq(model.id))
                    .into_tuple()
                    .all(self.db())
                    .await?;
                let units: HashSet<Uuid> = answered.iter().filter_map(|(_, u)| *u).collect();
                for (user, _) in &answered {
                    if let Some(user) = user {
                        users.remove(user);
                    }
                }
                if !units.is_empty() {
                    let household: Vec<Uuid> = residency::Entity::find()
                        .select_only()
                        .column(residency::Column::UserId)
                        .filter(current_residency(self.state.clock.today()))
                        .filter(residency::Column::UnitId.is_in(units.iter().copied()))
                        .into_tuple()
                        .all(self.db())
                        .await?;
                    for user in household {
                        users.remove(&user);
                    }
                }
            }
            let mut write = Write::begin(self.state).await?;
            let claimed = survey::Entity::update_many()
                .col_expr(survey::Column::RemindedAt, Expr::value(now))
                .filter(survey::Column::Id.eq(model.id))
                .filter(survey::Column::RemindedAt.is_null())
                .exec(write.txn())
                .await?;
            if claimed.rows_affected == 0 {
                continue;
            }
            let text = if model.anonymous {
                format!(
                    "If you have not answered yet: the survey closes {}. Answers are anonymous.",
                    model.closes_at.format("%Y-%m-%d %H:%M UTC")
                )
            } else {
                format!(
                    "You have not answered yet: the survey closes {}.",
                    model.closes_at.format("%Y-%m-%d %H:%M UTC")
                )
            };
            Notifier::notify(
                &mut write,
                users,
                &Draft {
                    category: NotificationCategory::Survey,
                    priority: NotificationPriority::Normal,
                    kind: "SURVEY_REMINDER".to_owned(),
                    title: model.title.clone(),
                    text,
                    subject: subject(model.id),
                },
            )
            .await?;
            write.commit().await?;
            done += 1;
        }
        let write = Write::begin(self.state).await?;
        let sealed = survey::Entity::update_many()
            .col_expr(
                survey::Column::RespondentSalt,
                Expr::value(Option::<String>::None),
            )
            .col_expr(survey::Column::SealedAt, Expr::value(now))
            .filter(survey::Column::Anonymous.eq(true))
            .filter(survey::Column::Status.eq(PUBLISHED))
            .filter(survey::Column::ClosesAt.lte(now))
            .filter(survey::Column::SealedAt.is_null())
            .exec(write.txn())
            .await?;
        write.commit().await?;
        Ok(done + sealed.rows_affected as usize)
    }
}
