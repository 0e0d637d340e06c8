//! Assessment rules and transactions: cycles, reviews, finalisation and comments.
//!
//! Every change runs in one [`Write`]. The viewer's facets, the facts of every source and every
//! check that reads the database run before the write begins; the write then holds the claim
//! (a conditional update on the cycle's status and version), the rows, the ledger proposals,
//! the enrolments and the notifications.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    facts,
    rules::{
        CycleStatus, Grade, Indicator, IndicatorRule, Period, ReviewKind, Source,
        TRAINING_THRESHOLD, score,
    },
    types::StoredNeed,
};
use crate::{
    app::AppState,
    auth::{Role, guard},
    domains::{
        conduct::{
            service::{NewLedgerEntry, propose_in},
            types::{LedgerKind, LedgerSourceKind},
        },
        estate::{
            access::{Scope, StaffOversight},
            types::{StaffPost, StaffStatus},
        },
        training::types::TrainingResult,
    },
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{
    assessment_cycle, assessment_result, assessment_review, staff_building, staff_record,
    training_course, training_record, training_session,
};

/// Notification subject type of an assessment result.
pub const SUBJECT: &str = "ASSESSMENT_RESULT";

/// Who manages cycles and finalises them.
const MANAGERS: &[Role] = &[Role::Admin, Role::Supervisor];
/// Who reads cycles.
const READERS: &[Role] = &[Role::Admin, Role::Supervisor, Role::Staff];

/// A cycle to create, its fields well-formed (weights sum to 100).
pub struct NewCycle {
    /// Name.
    pub name: String,
    /// Period.
    pub period: Period,
    /// First day of the window (UTC midnight).
    pub starts_on: NaiveDate,
    /// Posts assessed (every post when empty).
    pub posts: Vec<StaffPost>,
    /// Indicators.
    pub indicators: Vec<IndicatorRule>,
    /// Minimum samples given (others take the default).
    pub minimums: Vec<(Source, u64)>,
    /// The finalised cycle it corrects.
    pub supersedes: Option<Uuid>,
}

/// Changes to an open cycle.
pub struct CycleChanges {
    /// The cycle.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New indicators (weights sum to 100).
    pub indicators: Option<Vec<IndicatorRule>>,
    /// Minimum samples to change.
    pub minimums: Vec<(Source, u64)>,
}

/// A review to enter, well-formed.
pub struct NewReview {
    /// The cycle.
    pub cycle_id: Uuid,
    /// The staff record reviewed.
    pub staff_id: Uuid,
    /// Peer or supervisor.
    pub kind: ReviewKind,
    /// Scores 0..=100 by indicator (no duplicates).
    pub scores: Vec<(Indicator, i32)>,
    /// Comment.
    pub comment: Option<String>,
}

/// Assessment rules over the application state.
pub struct AssessmentService<'a> {
    state: &'a AppState,
}

fn not_open() -> AppError {
    AppError::InvalidState(
        "a finalised cycle never changes: correct it with a new revision \
         (createAssessmentCycle with supersedesId)"
            .to_owned(),
    )
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

/// The minimums as stored: every source, defaults where not given.
fn minimums_json(given: &[(Source, u64)], base: Option<&str>) -> AppResult<String> {
    let mut map: HashMap<String, u64> = match base {
        Some(raw) => serde_json::from_str(raw).map_err(AppError::internal)?,
        None => super::rules::DEFAULT_MINIMUMS
            .iter()
            .map(|(s, n)| (s.as_str().to_owned(), *n))
            .collect(),
    };
    for (source, n) in given {
        map.insert(source.as_str().to_owned(), *n);
    }
    // A stable order keeps stored rows comparable.
    let ordered: std::collections::BTreeMap<_, _> = map.into_iter().collect();
    to_json(&ordered)
}

/// The posts a cycle assesses.
fn posts_of(cycle: &assessment_cycle::Model) -> AppResult<Vec<String>> {
    serde_json::from_str(&cycle.posts).map_err(AppError::internal)
}

fn in_group(cycle: &assessment_cycle::Model, staff: &staff_record::Model) -> AppResult<bool> {
    let posts = posts_of(cycle)?;
    Ok(staff.status != StaffStatus::Left.as_str()
        && staff.status != StaffStatus::Onboarding.as_str()
        && (posts.is_empty() || posts.contains(&staff.post)))
}

impl<'a> AssessmentService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        AssessmentService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Cycles, newest first (staff, supervisors, administrators).
    pub async fn cycles(
        &self,
        scope: &Scope,
        status: Option<CycleStatus>,
        page: &PageRequest,
    ) -> AppResult<Page<assessment_cycle::Model>> {
        guard::require_any(scope, READERS)?;
        let mut query = assessment_cycle::Entity::find();
        if let Some(status) = status {
            query = query.filter(assessment_cycle::Column::Status.eq(status.as_str()));
        }
        Keyset::new()
            .desc(assessment_cycle::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One cycle (staff, supervisors, administrators; `NOT_FOUND` for others).
    pub async fn cycle(&self, scope: &Scope, id: Uuid) -> AppResult<assessment_cycle::Model> {
        guard::require_any(scope, READERS).map_err(|_| AppError::NotFound("assessment cycle"))?;
        assessment_cycle::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("assessment cycle"))
    }

    async fn check_courses(&self, rules: &[IndicatorRule]) -> AppResult<()> {
        for (i, rule) in rules.iter().enumerate() {
            if let Some(course) = rule.training_course_id
                && training_course::Entity::find_by_id(course)
                    .one(self.db())
                    .await?
                    .is_none()
            {
                return Err(AppError::unknown_id(
                    format!("input.indicators[{i}].trainingCourseId"),
                    "training course",
                ));
            }
        }
        Ok(())
    }

    /// Creates an open cycle (administrators and supervisors). With `supersedes`, a correction
    /// of a finalised cycle: the next revision, which supersedes it when finalised.
    pub async fn create(&self, scope: &Scope, new: NewCycle) -> AppResult<assessment_cycle::Model> {
        let me = scope.require_user()?;
        guard::require_any(scope, MANAGERS)?;
        self.check_courses(&new.indicators).await?;
        let mut revision = 1;
        if let Some(old) = new.supersedes {
            let old = assessment_cycle::Entity::find_by_id(old)
                .one(self.db())
                .await?
                .ok_or_else(|| AppError::unknown_id("input.supersedesId", "assessment cycle"))?;
            if old.status != CycleStatus::Finalized.as_str() {
                return Err(AppError::InvalidState(
                    "only a finalised cycle (its latest revision) is corrected".to_owned(),
                ));
            }
            revision = old.revision + 1;
        }
        let starts_at = new
            .starts_on
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .ok_or_else(|| AppError::bad_input("input.startsOn", "is not a valid day"))?;
        let ends_at = starts_at
            .checked_add_months(Months::new(new.period.months()))
            .ok_or_else(|| AppError::bad_input("input.startsOn", "is too far ahead"))?;
        let posts: Vec<&str> = new.posts.iter().map(|p| p.as_str()).collect();
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let model = assessment_cycle::Model {
            id: Uuid::now_v7(),
            name: new.name,
            period: new.period.as_str().to_owned(),
            posts: to_json(&posts)?,
            starts_at,
            ends_at,
            indicators: to_json(&new.indicators)?,
            min_samples: minimums_json(&new.minimums, None)?,
            status: CycleStatus::Open.as_str().to_owned(),
            revision,
            supersedes: new.supersedes,
            version: 1,
            created_by: me,
            finalized_by: None,
            finalized_at: None,
            created_at: now,
            updated_at: now,
        };
        assessment_cycle::Entity::insert(assessment_cycle::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        write.commit().await?;
        Ok(model)
    }

    /// Changes an open cycle (administrators and supervisors); a finalised one is
    /// `INVALID_STATE`.
    pub async fn update(
        &self,
        scope: &Scope,
        changes: CycleChanges,
    ) -> AppResult<assessment_cycle::Model> {
        guard::require_any(scope, MANAGERS)?;
        let cycle = assessment_cycle::Entity::find_by_id(changes.id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "assessment cycle"))?;
        if cycle.status != CycleStatus::Open.as_str() {
            return Err(not_open());
        }
        if let Some(rules) = &changes.indicators {
            self.check_courses(rules).await?;
        }
        let mut next = cycle.clone();
        if let Some(name) = changes.name {
            next.name = name;
        }
        if let Some(rules) = &changes.indicators {
            next.indicators = to_json(rules)?;
        }
        next.min_samples = minimums_json(&changes.minimums, Some(&cycle.min_samples))?;
        let write = Write::begin(self.state).await?;
        next.updated_at = write.now();
        next.version = cycle.version + 1;
        let updated = assessment_cycle::Entity::update_many()
            .set(assessment_cycle::ActiveModel {
                name: Set(next.name.clone()),
                indicators: Set(next.indicators.clone()),
                min_samples: Set(next.min_samples.clone()),
                version: Set(next.version),
                updated_at: Set(next.updated_at),
                ..Default::default()
            })
            .filter(assessment_cycle::Column::Id.eq(cycle.id))
            .filter(assessment_cycle::Column::Status.eq(CycleStatus::Open.as_str()))
            .filter(assessment_cycle::Column::Version.eq(cycle.version))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: Some("input.id".to_owned()),
                message: "the cycle changed meanwhile; reload it".to_owned(),
            });
        }
        write.commit().await?;
        Ok(next)
    }

    /// Enters a peer review (an active staff member about a colleague sharing a building) or a
    /// supervisor score (administrators, supervisors, a manager about the staff they oversee)
    /// in an open cycle: one per reviewer, reviewee, kind and cycle; never about oneself.
    pub async fn review(
        &self,
        scope: &Scope,
        new: NewReview,
    ) -> AppResult<assessment_review::Model> {
        let me = scope.require_user()?;
        let staff = scope.staff().await?;
        if staff.id == Some(new.staff_id) {
            return Err(AppError::bad_input(
                "input.staffId",
                "you may not review yourself",
            ));
        }
        let unknown = || AppError::unknown_id("input.staffId", "staff record");
        match new.kind {
            ReviewKind::Peer => {
                if !staff.active {
                    return Err(AppError::Forbidden(
                        "peer reviews are entered by active staff".to_owned(),
                    ));
                }
            }
            ReviewKind::Supervisor => {
                let oversight = scope.facet::<StaffOversight>().await?;
                let may = scope.admin || scope.supervisor || oversight.manages;
                if !may {
                    return Err(AppError::Forbidden(
                        "supervisors, administrators and managers score staff".to_owned(),
                    ));
                }
                if !oversight.sees(new.staff_id) {
                    return Err(unknown());
                }
            }
        }
        let cycle = assessment_cycle::Entity::find_by_id(new.cycle_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.cycleId", "assessment cycle"))?;
        let reviewee = staff_record::Entity::find_by_id(new.staff_id)
            .one(self.db())
            .await?
            .ok_or_else(unknown)?;
        if new.kind == ReviewKind::Peer {
            let shares = staff_building::Entity::find()
                .filter(staff_building::Column::StaffId.eq(reviewee.id))
                .all(self.db())
                .await?
                .iter()
                .any(|row| staff.served_buildings.contains(&row.building_id));
            if !shares {
                return Err(unknown());
            }
        }
        if cycle.status != CycleStatus::Open.as_str() {
            return Err(not_open());
        }
        if !in_group(&cycle, &reviewee)? {
            return Err(AppError::bad_input(
                "input.staffId",
                "is not assessed in this cycle",
            ));
        }
        let scores: std::collections::BTreeMap<&str, i32> =
            new.scores.iter().map(|(i, s)| (i.as_str(), *s)).collect();
        let write = Write::begin(self.state).await?;
        let now = write.now();
        // Every review moves the cycle on, so a finalisation that read the facts before it
        // cannot commit without it.
        let bumped = assessment_cycle::Entity::update_many()
            .col_expr(
                assessment_cycle::Column::Version,
                Expr::col(assessment_cycle::Column::Version).add(1),
            )
            .filter(assessment_cycle::Column::Id.eq(cycle.id))
            .filter(assessment_cycle::Column::Status.eq(CycleStatus::Open.as_str()))
            .exec(write.txn())
            .await?;
        if bumped.rows_affected != 1 {
            return Err(not_open());
        }
        let model = assessment_review::Model {
            id: Uuid::now_v7(),
            cycle_id: cycle.id,
            kind: new.kind.as_str().to_owned(),
            reviewer_id: me,
            staff_id: reviewee.id,
            scores: to_json(&scores)?,
            comment: new.comment,
            created_at: now,
        };
        assessment_review::Entity::insert(assessment_review::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await
            .map_err(|err| match AppError::from(err) {
                AppError::Conflict { .. } => AppError::Conflict {
                    field: Some("input.staffId".to_owned()),
                    message: "you have already reviewed this staff member in this cycle".to_owned(),
                },
                other => other,
            })?;
        write.commit().await?;
        Ok(model)
    }

    /// Finalises an open cycle (administrators and supervisors), once: the results of every
    /// staff member of its group, their ledger proposals, enrolments and notifications, in one
    /// write. Of two finalisations one wins; the other, and any later one, is `CONFLICT`.
    pub async fn finalize(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(assessment_cycle::Model, usize)> {
        let me = scope.require_user()?;
        guard::require_any(scope, MANAGERS)?;
        let cycle = assessment_cycle::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "assessment cycle"))?;
        if cycle.status != CycleStatus::Open.as_str() {
            return Err(already_final());
        }
        let posts = posts_of(&cycle)?;
        let mut group = staff_record::Entity::find().filter(staff_record::Column::Status.is_in([
            StaffStatus::Active.as_str(),
            StaffStatus::Suspended.as_str(),
        ]));
        if !posts.is_empty() {
            group = group.filter(staff_record::Column::Post.is_in(posts));
        }
        let group = group
            .order_by_asc(staff_record::Column::Id)
            .all(self.db())
            .await?;
        let keys: Vec<(Uuid, String)> = group.iter().map(|s| (s.id, s.post.clone())).collect();
        let facts =
            facts::gather(self.db(), cycle.id, &keys, cycle.starts_at, cycle.ends_at).await?;
        let rules: Vec<IndicatorRule> =
            serde_json::from_str(&cycle.indicators).map_err(AppError::internal)?;
        let stored: HashMap<String, u64> =
            serde_json::from_str(&cycle.min_samples).map_err(AppError::internal)?;
        let minimums: HashMap<Source, u64> = stored
            .iter()
            .filter_map(|(s, n)| Source::parse(s).map(|s| (s, *n)))
            .collect();
        // Upcoming sessions of the cycle's courses, soonest first, and who is in them already.
        let courses: HashSet<Uuid> = rules.iter().filter_map(|r| r.training_course_id).collect();
        let now = self.state.clock.now();
        let sessions = training_session::Entity::find()
            .filter(training_session::Column::CourseId.is_in(courses))
            .filter(training_session::Column::StartsAt.gt(now))
            .order_by_asc(training_session::Column::StartsAt)
            .order_by_asc(training_session::Column::Id)
            .all(self.db())
            .await?;
        let enrolled: HashSet<(Uuid, Uuid)> = training_record::Entity::find()
            .filter(training_record::Column::SessionId.is_in(sessions.iter().map(|s| s.id)))
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| (r.session_id, r.staff_id))
            .collect();

        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let claimed = assessment_cycle::Entity::update_many()
            .set(assessment_cycle::ActiveModel {
                status: Set(CycleStatus::Finalized.as_str().to_owned()),
                version: Set(cycle.version + 1),
                finalized_by: Set(Some(me)),
                finalized_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            })
            .filter(assessment_cycle::Column::Id.eq(cycle.id))
            .filter(assessment_cycle::Column::Status.eq(CycleStatus::Open.as_str()))
            .filter(assessment_cycle::Column::Version.eq(cycle.version))
            .exec(write.txn())
            .await?;
        if claimed.rows_affected != 1 {
            return Err(already_final());
        }
        if let Some(old) = cycle.supersedes {
            assessment_cycle::Entity::update_many()
                .col_expr(
                    assessment_cycle::Column::Status,
                    Expr::value(CycleStatus::Superseded.as_str()),
                )
                .col_expr(assessment_cycle::Column::UpdatedAt, Expr::value(now))
                .filter(assessment_cycle::Column::Id.eq(old))
                .filter(assessment_cycle::Column::Status.eq(CycleStatus::Finalized.as_str()))
                .exec(write.txn())
                .await?;
        }
        let empty = HashMap::new();
        let mut rows = Vec::with_capacity(group.len());
        for staff in &group {
            let scored = score(&rules, &minimums, facts.get(&staff.id).unwrap_or(&empty));
            let result_id = Uuid::now_v7();
            let mut ledger_entry_id = None;
            let proposal = match scored.grade {
                Some(Grade::A) => Some(LedgerKind::Commendation),
                Some(Grade::D) => Some(LedgerKind::Warning),
                _ => None,
            };
            // Nobody proposes an entry about themselves: a finaliser's own result gets none.
            if let (Some(kind), Some(total)) = (proposal, scored.total)
                && staff.user_id != me
            {
                let entry = propose_in(
                    &mut write,
                    me,
                    NewLedgerEntry {
                        staff_id: staff.id,
                        kind,
                        amount: None,
                        reason: format!(
                            "Assessment \"{}\" (revision {}): total {total:.1}, grade {}",
                            cycle.name,
                            cycle.revision,
                            Grade::of(total).as_str()
                        ),
                        source: Some((LedgerSourceKind::Assessment, result_id)),
                        suspension: None,
                    },
                )
                .await?;
                ledger_entry_id = Some(entry.id);
            }
            let mut needs = Vec::new();
            for (part, rule) in scored.indicators.iter().zip(&rules) {
                let (Some(score), Some(course)) = (part.score, rule.training_course_id) else {
                    continue;
                };
                if score >= TRAINING_THRESHOLD {
                    continue;
                }
                let record = enrol_in(&mut write, &sessions, &enrolled, course, staff.id).await?;
                needs.push(StoredNeed {
                    indicator: part.indicator.clone(),
                    course_id: course,
                    training_record_id: record,
                });
            }
            rows.push(assessment_result::Model {
                id: result_id,
                cycle_id: cycle.id,
                staff_id: staff.id,
                total: scored.total,
                grade: scored.grade.map(|g| g.as_str().to_owned()),
                pay_factor: scored.grade.map(|g| g.pay_factor().to_owned()),
                indicators: to_json(&scored.indicators)?,
                left_out: to_json(&scored.left_out)?,
                ledger_entry_id,
                training: to_json(&needs)?,
                comment: None,
                commented_at: None,
                created_at: now,
            });
        }
        for chunk in rows.chunks(200) {
            assessment_result::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(assessment_result::ActiveModel::from),
            )
            .exec_without_returning(write.txn())
            .await?;
        }
        for (row, staff) in rows.iter().zip(&group) {
            let text = match (&row.grade, row.total) {
                (Some(grade), Some(total)) => format!(
                    "{}: total {total:.1}, grade {grade}, pay factor {}.",
                    cycle.name,
                    row.pay_factor.as_deref().unwrap_or("-")
                ),
                _ => format!("{}: too few samples for a total.", cycle.name),
            };
            Notifier::notify(
                &mut write,
                [staff.user_id],
                &Draft {
                    category: NotificationCategory::Assessment,
                    priority: NotificationPriority::Normal,
                    kind: "ASSESSMENT_FINAL".to_owned(),
                    title: "Your assessment result is final".to_owned(),
                    text,
                    subject: SubjectRef {
                        kind: SUBJECT,
                        id: row.id,
                    },
                },
            )
            .await?;
        }
        write.signal(Topic::StaffCompliance);
        write.commit().await?;
        let done = assessment_cycle::Model {
            status: CycleStatus::Finalized.as_str().to_owned(),
            version: cycle.version + 1,
            finalized_by: Some(me),
            finalized_at: Some(now),
            updated_at: now,
            ..cycle
        };
        Ok((done, rows.len()))
    }

    /// The results of `cycle_id` the viewer may see (staff their own, managers their
    /// buildings' staff, supervisors and administrators all), by staff record.
    pub async fn results(
        &self,
        scope: &Scope,
        cycle_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<assessment_result::Model>> {
        guard::require_any(scope, READERS)?;
        let oversight = scope.facet::<StaffOversight>().await?;
        assessment_cycle::Entity::find_by_id(cycle_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("cycleId", "assessment cycle"))?;
        let mut query = assessment_result::Entity::find()
            .filter(assessment_result::Column::CycleId.eq(cycle_id));
        if !oversight.all {
            query = query
                .filter(assessment_result::Column::StaffId.is_in(oversight.staff.iter().copied()));
        }
        Keyset::new()
            .asc(assessment_result::Column::StaffId)
            .fetch(self.db(), query, page)
            .await
    }

    /// The results among `ids` the viewer may see (notification subjects).
    pub async fn results_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<assessment_result::Model>> {
        let oversight = scope.facet::<StaffOversight>().await?;
        Ok(assessment_result::Entity::find()
            .filter(assessment_result::Column::Id.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|r| oversight.sees(r.staff_id))
            .collect())
    }

    /// The assessed staff member's comment on their own result (replacing an earlier one).
    pub async fn comment(
        &self,
        scope: &Scope,
        id: Uuid,
        comment: String,
    ) -> AppResult<assessment_result::Model> {
        scope.require_user()?;
        let oversight = scope.facet::<StaffOversight>().await?;
        let result = assessment_result::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .filter(|r| oversight.sees(r.staff_id))
            .ok_or_else(|| AppError::unknown_id("input.id", "assessment result"))?;
        if oversight.own != Some(result.staff_id) {
            return Err(AppError::Forbidden(
                "only the assessed staff member comments on a result".to_owned(),
            ));
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        assessment_result::Entity::update_many()
            .col_expr(
                assessment_result::Column::Comment,
                Expr::value(Some(comment.clone())),
            )
            .col_expr(
                assessment_result::Column::CommentedAt,
                Expr::value(Some(now)),
            )
            .filter(assessment_result::Column::Id.eq(id))
            .exec(write.txn())
            .await?;
        write.commit().await?;
        Ok(assessment_result::Model {
            comment: Some(comment),
            commented_at: Some(now),
            ..result
        })
    }
}

fn already_final() -> AppError {
    AppError::Conflict {
        field: Some("input.id".to_owned()),
        message: "the cycle is finalised already, or changed while it was being finalised \
                  (reload it)"
            .to_owned(),
    }
}

/// Enrols `staff_id` in the soonest upcoming session of `course` that has room and does not
/// have them yet, inside `write`: the seat is taken by a conditional update, so a full session
/// is skipped. None when no session had room.
async fn enrol_in(
    write: &mut Write<'_>,
    sessions: &[training_session::Model],
    enrolled: &HashSet<(Uuid, Uuid)>,
    course: Uuid,
    staff_id: Uuid,
) -> AppResult<Option<Uuid>> {
    let now: DateTime<Utc> = write.now();
    for session in sessions.iter().filter(|s| s.course_id == course) {
        if enrolled.contains(&(session.id, staff_id)) {
            return Ok(None);
        }
        let placed = training_session::Entity::update_many()
            .col_expr(
                training_session::Column::Enrolled,
                Expr::col(training_session::Column::Enrolled).add(1),
            )
            .filter(training_session::Column::Id.eq(session.id))
            .filter(
                Expr::col(training_session::Column::Enrolled)
                    .lt(Expr::col(training_session::Column::Capacity)),
            )
            .exec(write.txn())
            .await?;
        if placed.rows_affected != 1 {
            continue;
        }
        let id = Uuid::now_v7();
        let record = training_record::Model {
            id,
            session_id: session.id,
            course_id: course,
            staff_id,
            result: TrainingResult::Enrolled.as_str().to_owned(),
            attended: None,
            score: None,
            issued_at: None,
            valid_until: None,
            recorded_by: None,
            lapse_reminded_at: None,
            enrolled_at: now,
        };
        training_record::Entity::insert(training_record::ActiveModel::from(record))
            .exec_without_returning(write.txn())
            .await?;
        return Ok(Some(id));
    }
    Ok(None)
}
