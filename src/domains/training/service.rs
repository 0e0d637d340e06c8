//! Training rules: courses and sessions (administrators), enrolment with its capacity, results
//! and what they change (onboarding ends when the pre-job courses are passed), the blockers
//! work-order eligibility reads, and the reminder job before an in-service pass lapses.
//!
//! Every change runs in one [`Write`]: the enrolment and its place in the session, or the result
//! and the staff status it completes, commit together or not at all.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Months, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::types::{CourseDelivery, CourseKind, CourseTopic, TrainingResult};
use crate::{
    app::AppState,
    apply_changes,
    auth::{Role, guard},
    domains::estate::{
        access::{Scope, StaffOversight},
        types::{StaffPost, StaffStatus},
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
    store::{find_or_not_found, replace_links},
};
use entity::{
    staff_building, staff_record, staff_status_change, training_course, training_course_post,
    training_record, training_session, user,
};

/// Subject type of training notifications (a training record).
pub const SUBJECT: &str = "TRAINING_RECORD";
/// Days before an in-service pass lapses at which the staff member and their managers hear.
pub const LAPSE_NOTICE_DAYS: i64 = 30;
/// Longest recurrence of an in-service course, in months.
pub const IN_SERVICE_MAX_MONTHS: i32 = 12;
/// Most ids in one `IN` list.
const CHUNK: usize = 1000;

/// The roles that read courses, sessions and (under [`StaffOversight`]) records.
const READERS: &[Role] = &[Role::Staff, Role::Supervisor, Role::Admin];

/// A new course, every field checked.
pub struct NewCourse {
    /// Unique code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Topic.
    pub topic: CourseTopic,
    /// Delivery.
    pub delivery: CourseDelivery,
    /// Kind.
    pub kind: CourseKind,
    /// Posts it is required for (no duplicates).
    pub required_for: Vec<StaffPost>,
    /// Months a pass stays valid.
    pub recurrence_months: Option<i32>,
    /// Hours.
    pub hours: i32,
    /// Pass score 0–100.
    pub pass_score: i32,
}

/// Changes to a course, every present field checked; absent fields stay.
#[derive(Default)]
pub struct CourseChanges {
    /// New title.
    pub title: Option<String>,
    /// New topic.
    pub topic: Option<CourseTopic>,
    /// New delivery.
    pub delivery: Option<CourseDelivery>,
    /// New kind.
    pub kind: Option<CourseKind>,
    /// The whole new set of posts it is required for.
    pub required_for: Option<Vec<StaffPost>>,
    /// New recurrence (`Some(None)`: forever).
    pub recurrence_months: Option<Option<i32>>,
    /// New hours.
    pub hours: Option<i32>,
    /// New pass score.
    pub pass_score: Option<i32>,
}

/// A new session, every field checked.
pub struct NewSession {
    /// The course.
    pub course_id: Uuid,
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at (after `starts_at`).
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub place: Option<String>,
    /// Link.
    pub link: Option<String>,
    /// The trainer's user id.
    pub trainer_id: Uuid,
    /// Most enrolments.
    pub capacity: i32,
}

/// A result to record, every field checked.
pub struct NewResult {
    /// The record (enrolment).
    pub record_id: Uuid,
    /// Whether they attended.
    pub attended: bool,
    /// Score 0–100 (none when absent).
    pub score: Option<i32>,
}

/// What a recorded result changed.
pub struct Recorded {
    /// The record after the result.
    pub record: training_record::Model,
    /// Whether it completed onboarding (the staff record became `ACTIVE`).
    pub activated: bool,
}

/// Training reads and changes.
pub struct TrainingService<'a> {
    state: &'a AppState,
}

impl<'a> TrainingService<'a> {
    /// A service over the application state.
    pub fn new(state: &'a AppState) -> Self {
        TrainingService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Courses, by code (staff, supervisors, administrators).
    pub async fn courses(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<training_course::Model>> {
        guard::require_any(scope, READERS)?;
        Keyset::new()
            .asc(training_course::Column::Code)
            .fetch(self.db(), training_course::Entity::find(), page)
            .await
    }

    /// One course (readers); `NOT_FOUND` for others, so `node` answers null.
    pub async fn course(&self, scope: &Scope, id: Uuid) -> AppResult<training_course::Model> {
        guard::require_any(scope, READERS).map_err(|_| AppError::NotFound("training course"))?;
        training_course::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("training course"))
    }

    /// Sessions, earliest first, of one course and from a time when given.
    pub async fn sessions(
        &self,
        scope: &Scope,
        course_id: Option<Uuid>,
        from: Option<DateTime<Utc>>,
        page: &PageRequest,
    ) -> AppResult<Page<training_session::Model>> {
        guard::require_any(scope, READERS)?;
        let mut query = training_session::Entity::find();
        if let Some(course) = course_id {
            query = query.filter(training_session::Column::CourseId.eq(course));
        }
        if let Some(from) = from {
            query = query.filter(training_session::Column::StartsAt.gte(from));
        }
        Keyset::new()
            .asc(training_session::Column::StartsAt)
            .asc(training_session::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One session (readers).
    pub async fn session(&self, scope: &Scope, id: Uuid) -> AppResult<training_session::Model> {
        guard::require_any(scope, READERS).map_err(|_| AppError::NotFound("training session"))?;
        training_session::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("training session"))
    }

    /// Training records the viewer oversees (their own; a manager's buildings' staff;
    /// everyone's for supervisors and administrators), newest enrolment first; `staff_id`
    /// narrows the list (to nothing when that staff member is not visible).
    pub async fn records(
        &self,
        scope: &Scope,
        staff_id: Option<Uuid>,
        page: &PageRequest,
    ) -> AppResult<Page<training_record::Model>> {
        guard::require_any(scope, READERS)?;
        let oversight = scope.facet::<StaffOversight>().await?;
        let mut query = training_record::Entity::find();
        if !oversight.all {
            query = query
                .filter(training_record::Column::StaffId.is_in(oversight.staff.iter().copied()));
        }
        if let Some(staff) = staff_id {
            query = query.filter(training_record::Column::StaffId.eq(staff));
        }
        Keyset::new()
            .desc(training_record::Column::EnrolledAt)
            .desc(training_record::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One record the viewer oversees.
    pub async fn record(&self, scope: &Scope, id: Uuid) -> AppResult<training_record::Model> {
        guard::require_any(scope, READERS).map_err(|_| AppError::NotFound("training record"))?;
        let oversight = scope.facet::<StaffOversight>().await?;
        training_record::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .filter(|record| oversight.sees(record.staff_id))
            .ok_or(AppError::NotFound("training record"))
    }

    /// The records among `ids` the viewer oversees, in one statement (notification subjects).
    pub async fn records_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<training_record::Model>> {
        if guard::require_any(scope, READERS).is_err() || ids.is_empty() {
            return Ok(Vec::new());
        }
        let oversight = scope.facet::<StaffOversight>().await?;
        Ok(training_record::Entity::find()
            .filter(training_record::Column::Id.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|record| oversight.sees(record.staff_id))
            .collect())
    }

    /// Adds a course with the posts it is required for (administrators). A code in use is
    /// `CONFLICT` on `input.code`.
    pub async fn create_course(
        &self,
        scope: &Scope,
        new: NewCourse,
    ) -> AppResult<training_course::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let taken = training_course::Entity::find()
            .filter(training_course::Column::Code.eq(new.code.as_str()))
            .one(write.txn())
            .await?;
        if taken.is_some() {
            return Err(AppError::Conflict {
                field: Some("input.code".to_owned()),
                message: "a course has this code".to_owned(),
            });
        }
        let now = write.now();
        let course = training_course::Model {
            id: Uuid::now_v7(),
            code: new.code,
            title: new.title,
            topic: new.topic.as_str().to_owned(),
            delivery: new.delivery.as_str().to_owned(),
            kind: new.kind.as_str().to_owned(),
            recurrence_months: new.recurrence_months,
            hours: new.hours,
            pass_score: new.pass_score,
            created_at: now,
            updated_at: now,
        };
        training_course::Entity::insert(training_course::ActiveModel::from(course.clone()))
            .exec_without_returning(write.txn())
            .await?;
        if !new.required_for.is_empty() {
            training_course_post::Entity::insert_many(new.required_for.iter().map(|post| {
                training_course_post::ActiveModel {
                    course_id: Set(course.id),
                    post: Set(post.as_str().to_owned()),
                }
            }))
            .exec_without_returning(write.txn())
            .await?;
        }
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(course)
    }

    /// Changes a course (administrators). The result must still keep the rules: an
    /// `IN_SERVICE` course recurs at most every 12 months (`BAD_USER_INPUT` on
    /// `input.recurrenceMonths`). Passes already issued keep their validity.
    pub async fn update_course(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: CourseChanges,
    ) -> AppResult<training_course::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        let model = find_or_not_found::<training_course::Entity, _>(txn, id)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        let kind = changes
            .kind
            .map_or_else(|| CourseKind::from_stored(&model.kind), Ok)?;
        let recurrence = changes.recurrence_months.unwrap_or(model.recurrence_months);
        if kind == CourseKind::InService && recurrence.is_none_or(|m| m > IN_SERVICE_MAX_MONTHS) {
            return Err(AppError::bad_input(
                "input.recurrenceMonths",
                "an IN_SERVICE course recurs at least every 12 months",
            ));
        }
        let mut active: training_course::ActiveModel = model.into();
        apply_changes!(active, {
            title: changes.title,
            topic: changes.topic.map(|t| t.as_str()),
            delivery: changes.delivery.map(|d| d.as_str()),
            kind: changes.kind.map(|k| k.as_str()),
            recurrence_months: changes.recurrence_months,
            hours: changes.hours,
            pass_score: changes.pass_score,
        });
        active.updated_at = Set(write.now());
        let course = active.update(txn).await?;
        if let Some(posts) = changes.required_for {
            replace_links(
                txn,
                training_course_post::Column::CourseId,
                id,
                posts,
                |post| training_course_post::ActiveModel {
                    course_id: Set(id),
                    post: Set(post.as_str().to_owned()),
                },
            )
            .await?;
        }
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(course)
    }

    /// Schedules a session of a course (administrators). An unknown course or trainer is
    /// `NOT_FOUND` on its field.
    pub async fn create_session(
        &self,
        scope: &Scope,
        new: NewSession,
    ) -> AppResult<training_session::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        training_course::Entity::find_by_id(new.course_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.courseId", "training course"))?;
        user::Entity::find_by_id(new.trainer_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.trainerId", "user"))?;
        let session = training_session::Model {
            id: Uuid::now_v7(),
            course_id: new.course_id,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            place: new.place,
            link: new.link,
            trainer_id: new.trainer_id,
            capacity: new.capacity,
            enrolled: 0,
            created_at: write.now(),
        };
        training_session::Entity::insert(training_session::ActiveModel::from(session.clone()))
            .exec_without_returning(write.txn())
            .await?;
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(session)
    }

    /// Enrols a staff member in a session: themselves, or (as a manager) staff of their
    /// buildings, or (as an administrator) anyone. A second enrolment is `CONFLICT` on
    /// `input.staffId`, a full session `CONFLICT` on `input.sessionId`: the place is taken with
    /// one conditional update, so concurrent enrolments never overfill it.
    pub async fn enrol(
        &self,
        scope: &Scope,
        session_id: Uuid,
        staff_id: Option<Uuid>,
    ) -> AppResult<training_record::Model> {
        guard::require_any(scope, READERS)?;
        // Facets load before the write begins (inside it they would need a second connection).
        let oversight = scope.facet::<StaffOversight>().await?;
        let staff_id = match staff_id.or(oversight.own) {
            Some(id) => id,
            None => {
                return Err(AppError::bad_input(
                    "input.staffId",
                    "is required: you have no staff record",
                ));
            }
        };
        let allowed =
            oversight.own == Some(staff_id) || (oversight.manages && oversight.sees(staff_id));
        if !allowed {
            return Err(if oversight.sees(staff_id) {
                AppError::Forbidden(
                    "staff enrol themselves; managers their buildings' staff".to_owned(),
                )
            } else {
                AppError::unknown_id("input.staffId", "staff record")
            });
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let session = training_session::Entity::find_by_id(session_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.sessionId", "training session"))?;
        let staff = staff_record::Entity::find_by_id(staff_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.staffId", "staff record"))?;
        if staff.status == StaffStatus::Left.as_str() {
            return Err(AppError::InvalidState(
                "the staff member has left".to_owned(),
            ));
        }
        if session.starts_at <= now {
            return Err(AppError::InvalidState(
                "the session has already started".to_owned(),
            ));
        }
        let taken = training_record::Entity::find()
            .filter(training_record::Column::SessionId.eq(session.id))
            .filter(training_record::Column::StaffId.eq(staff.id))
            .one(write.txn())
            .await?;
        if taken.is_some() {
            return Err(already_enrolled());
        }
        let record = training_record::Model {
            id: Uuid::now_v7(),
            session_id: session.id,
            course_id: session.course_id,
            staff_id: staff.id,
            result: TrainingResult::Enrolled.as_str().to_owned(),
            attended: None,
            score: None,
            issued_at: None,
            valid_until: None,
            recorded_by: None,
            lapse_reminded_at: None,
            enrolled_at: now,
        };
        // Two enrolments of one person at once: the unique index lets one through.
        training_record::Entity::insert(training_record::ActiveModel::from(record.clone()))
            .exec_without_returning(write.txn())
            .await
            .map_err(|err| match AppError::from(err) {
                AppError::Conflict { .. } => already_enrolled(),
                other => other,
            })?;
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
            return Err(AppError::Conflict {
                field: Some("input.sessionId".to_owned()),
                message: "the session is full".to_owned(),
            });
        }
        // The staff member hears of the enrolment (a manager may have made it for them).
        Notifier::notify(
            &mut write,
            [staff.user_id],
            &Draft {
                category: NotificationCategory::Training,
                priority: NotificationPriority::Normal,
                kind: "ENROLLED".to_owned(),
                title: "You are enrolled in a training session".to_owned(),
                text: format!(
                    "The session starts {}.",
                    session.starts_at.format("%Y-%m-%d %H:%M UTC")
                ),
                subject: subject(record.id),
            },
        )
        .await?;
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(record)
    }

    /// Records attendance and score (the session's trainer, a manager overseeing the staff
    /// member, or an administrator): `PASSED` iff attended with at least the pass score. In the
    /// same transaction, an `ONBOARDING` staff member who now holds a valid pass of every
    /// pre-job course of their post becomes `ACTIVE` (history row, access change, notification).
    pub async fn record_result(&self, scope: &Scope, new: NewResult) -> AppResult<Recorded> {
        let me = scope.require_user()?;
        guard::require_any(scope, READERS)?;
        let oversight = scope.facet::<StaffOversight>().await?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let record = training_record::Entity::find_by_id(new.record_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.recordId", "training record"))?;
        let session = training_session::Entity::find_by_id(record.session_id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("training session"))?;
        let allowed =
            session.trainer_id == me || (oversight.manages && oversight.sees(record.staff_id));
        if !allowed {
            return Err(if oversight.sees(record.staff_id) {
                AppError::Forbidden(
                    "the trainer, a manager of the staff member or an administrator records results"
                        .to_owned(),
                )
            } else {
                AppError::unknown_id("input.recordId", "training record")
            });
        }
        let course = training_course::Entity::find_by_id(record.course_id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("training course"))?;
        let passed = new.attended && new.score.is_some_and(|score| score >= course.pass_score);
        let valid_until = match (passed, course.recurrence_months) {
            (true, Some(months)) => Some(
                now.checked_add_months(Months::new(u32::try_from(months).unwrap_or(0)))
                    .ok_or_else(|| AppError::internal("validity out of range"))?,
            ),
            _ => None,
        };
        let result = if passed {
            TrainingResult::Passed
        } else {
            TrainingResult::Failed
        };
        let record = training_record::Model {
            result: result.as_str().to_owned(),
            attended: Some(new.attended),
            score: new.score,
            issued_at: Some(now),
            valid_until,
            recorded_by: Some(me),
            lapse_reminded_at: None,
            ..record
        };
        training_record::Entity::update(training_record::ActiveModel {
            id: Set(record.id),
            result: Set(record.result.clone()),
            attended: Set(record.attended),
            score: Set(record.score),
            issued_at: Set(record.issued_at),
            valid_until: Set(record.valid_until),
            recorded_by: Set(record.recorded_by),
            lapse_reminded_at: Set(None),
            ..Default::default()
        })
        .exec(write.txn())
        .await?;
        let staff = staff_record::Entity::find_by_id(record.staff_id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("staff record"))?;
        Notifier::notify(
            &mut write,
            [staff.user_id],
            &Draft {
                category: NotificationCategory::Training,
                priority: NotificationPriority::Normal,
                kind: "TRAINING_RESULT".to_owned(),
                title: format!(
                    "{}: {}",
                    course.title,
                    if passed { "passed" } else { "not passed" }
                ),
                text: match new.score {
                    Some(score) => format!("Score {score} (pass score {}).", course.pass_score),
                    None => "Absent.".to_owned(),
                },
                subject: subject(record.id),
            },
        )
        .await?;
        let mut activated = false;
        if passed && staff.status == StaffStatus::Onboarding.as_str() {
            let (pre_job, _) =
                training_blockers(write.txn(), std::slice::from_ref(&staff), now).await?;
            if !pre_job.contains(&staff.id) {
                activated = activate(&mut write, &staff, me, record.id).await?;
            }
        }
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(Recorded { record, activated })
    }

    /// The reminder job: for every in-service pass lapsing within [`LAPSE_NOTICE_DAYS`] and not
    /// renewed, tells the staff member and the active managers of their buildings, once: each
    /// record is claimed with a conditional update, so two instances never both send it.
    pub async fn remind_lapsing(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let horizon = now + Duration::days(LAPSE_NOTICE_DAYS);
        let in_service: Vec<training_course::Model> = training_course::Entity::find()
            .filter(training_course::Column::Kind.eq(CourseKind::InService.as_str()))
            .all(self.db())
            .await?;
        if in_service.is_empty() {
            return Ok(0);
        }
        let courses: HashMap<Uuid, training_course::Model> =
            in_service.into_iter().map(|c| (c.id, c)).collect();
        let due = training_record::Entity::find()
            .filter(training_record::Column::Result.eq(TrainingResult::Passed.as_str()))
            .filter(training_record::Column::CourseId.is_in(courses.keys().copied()))
            .filter(training_record::Column::LapseRemindedAt.is_null())
            .filter(training_record::Column::ValidUntil.gt(now))
            .filter(training_record::Column::ValidUntil.lte(horizon))
            .all(self.db())
            .await?;
        let mut done = 0;
        for record in due {
            let mut write = Write::begin(self.state).await?;
            let claimed = training_record::Entity::update_many()
                .col_expr(
                    training_record::Column::LapseRemindedAt,
                    Expr::value(write.now()),
                )
                .filter(training_record::Column::Id.eq(record.id))
                .filter(training_record::Column::LapseRemindedAt.is_null())
                .exec(write.txn())
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            // A later pass of the same course renews it: nothing lapses, nobody is told.
            let renewed = training_record::Entity::find()
                .filter(training_record::Column::StaffId.eq(record.staff_id))
                .filter(training_record::Column::CourseId.eq(record.course_id))
                .filter(training_record::Column::Result.eq(TrainingResult::Passed.as_str()))
                .filter(training_record::Column::ValidUntil.gt(record.valid_until))
                .one(write.txn())
                .await?
                .is_some();
            let staff = staff_record::Entity::find_by_id(record.staff_id)
                .one(write.txn())
                .await?;
            if let (false, Some(staff), Some(course)) =
                (renewed, staff, courses.get(&record.course_id))
                && staff.status != StaffStatus::Left.as_str()
            {
                let mut people = managers_of(write.txn(), &staff).await?;
                people.push(staff.user_id);
                let until = record
                    .valid_until
                    .map(|t| t.date_naive().to_string())
                    .unwrap_or_default();
                Notifier::notify(
                    &mut write,
                    people,
                    &Draft {
                        category: NotificationCategory::Training,
                        priority: NotificationPriority::Important,
                        kind: "IN_SERVICE_LAPSING".to_owned(),
                        title: format!("{} lapses on {until}", course.title),
                        text: format!(
                            "{} ({}) must pass it again by {until} or cannot be assigned work.",
                            staff.employee_number, staff.post
                        ),
                        subject: subject(record.id),
                    },
                )
                .await?;
                done += 1;
            }
            // Whatever changes here may change someone's standing on the compliance board.
            write.signal(crate::events::Topic::StaffCompliance);
            write.commit().await?;
        }
        Ok(done)
    }
}

fn already_enrolled() -> AppError {
    AppError::Conflict {
        field: Some("input.staffId".to_owned()),
        message: "already enrolled in this session".to_owned(),
    }
}

fn subject(id: Uuid) -> SubjectRef {
    SubjectRef { kind: SUBJECT, id }
}

/// Makes an `ONBOARDING` record `ACTIVE` (conditionally, so a concurrent change wins cleanly),
/// writes the history row, tells the user, and queues the access change (their served
/// buildings open at once, on every instance).
async fn activate(
    write: &mut Write<'_>,
    staff: &staff_record::Model,
    actor: Uuid,
    record_id: Uuid,
) -> AppResult<bool> {
    let now = write.now();
    let changed = staff_record::Entity::update_many()
        .col_expr(
            staff_record::Column::Status,
            Expr::value(StaffStatus::Active.as_str()),
        )
        .col_expr(staff_record::Column::UpdatedAt, Expr::value(now))
        .filter(staff_record::Column::Id.eq(staff.id))
        .filter(staff_record::Column::Status.eq(StaffStatus::Onboarding.as_str()))
        .exec(write.txn())
        .await?;
    if changed.rows_affected != 1 {
        return Ok(false);
    }
    staff_status_change::Entity::insert(staff_status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        staff_id: Set(staff.id),
        from_status: Set(StaffStatus::Onboarding.as_str().to_owned()),
        to_status: Set(StaffStatus::Active.as_str().to_owned()),
        reason: Set("every pre-job course of the post is passed".to_owned()),
        actor_id: Set(Some(actor)),
        training_record_id: Set(Some(record_id)),
        at: Set(now),
    })
    .exec_without_returning(write.txn())
    .await?;
    write.access_changed(&[staff.user_id])?;
    Notifier::notify(
        write,
        [staff.user_id],
        &Draft {
            category: NotificationCategory::Training,
            priority: NotificationPriority::Important,
            kind: "ONBOARDING_COMPLETE".to_owned(),
            title: "Pre-job training complete: you are active".to_owned(),
            text: "Every pre-job course of your post is passed; you may now be assigned work."
                .to_owned(),
            subject: subject(record_id),
        },
    )
    .await?;
    Ok(true)
}

/// The users of the active managers serving any building `staff` serves (not `staff` itself).
async fn managers_of<C: ConnectionTrait>(
    db: &C,
    staff: &staff_record::Model,
) -> AppResult<Vec<Uuid>> {
    let buildings: Vec<Uuid> = staff_building::Entity::find()
        .filter(staff_building::Column::StaffId.eq(staff.id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.building_id)
        .collect();
    if buildings.is_empty() {
        return Ok(Vec::new());
    }
    let managers = staff_record::Entity::find()
        .filter(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
        .filter(staff_record::Column::Status.eq(StaffStatus::Active.as_str()))
        .filter(staff_record::Column::Id.ne(staff.id))
        .filter(
            staff_record::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(staff_building::Column::StaffId)
                    .from(staff_building::Entity)
                    .and_where(staff_building::Column::BuildingId.is_in(buildings))
                    .to_owned(),
            ),
        )
        .all(db)
        .await?;
    Ok(managers.into_iter().map(|m| m.user_id).collect())
}

/// Which of `staff` training blocks from work, as of `now`: (staff record ids missing a valid
/// pass of a `PRE_JOB` course required for their post, ids missing a valid pass of an
/// `IN_SERVICE` course required for their post). A post with no required course of a kind is
/// never blocked by that kind. Costs two statements plus one per 1,000 staff, whatever the
/// number of courses.
pub async fn training_blockers<C: ConnectionTrait>(
    db: &C,
    staff: &[staff_record::Model],
    now: DateTime<Utc>,
) -> AppResult<(HashSet<Uuid>, HashSet<Uuid>)> {
    let (mut pre_job, mut in_service) = (HashSet::new(), HashSet::new());
    if staff.is_empty() {
        return Ok((pre_job, in_service));
    }
    let posts: HashSet<&str> = staff.iter().map(|s| s.post.as_str()).collect();
    let kinds: HashMap<Uuid, CourseKind> = training_course::Entity::find()
        .filter(
            training_course::Column::Kind
                .is_in([CourseKind::PreJob.as_str(), CourseKind::InService.as_str()]),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|c| Ok((c.id, CourseKind::from_stored(&c.kind)?)))
        .collect::<AppResult<_>>()?;
    if kinds.is_empty() {
        return Ok((pre_job, in_service));
    }
    // Post → the required courses of the two kinds.
    let mut required: HashMap<String, Vec<Uuid>> = HashMap::new();
    for row in training_course_post::Entity::find()
        .filter(training_course_post::Column::Post.is_in(posts.iter().copied()))
        .filter(training_course_post::Column::CourseId.is_in(kinds.keys().copied()))
        .all(db)
        .await?
    {
        required.entry(row.post).or_default().push(row.course_id);
    }
    let concerned: Vec<&staff_record::Model> = staff
        .iter()
        .filter(|s| required.contains_key(&s.post))
        .collect();
    let mut held: HashSet<(Uuid, Uuid)> = HashSet::new();
    for chunk in concerned.chunks(CHUNK) {
        let rows: Vec<(Uuid, Uuid)> = training_record::Entity::find()
            .select_only()
            .column(training_record::Column::StaffId)
            .column(training_record::Column::CourseId)
            .distinct()
            .filter(training_record::Column::StaffId.is_in(chunk.iter().map(|s| s.id)))
            .filter(training_record::Column::Result.eq(TrainingResult::Passed.as_str()))
            .filter(
                Condition::any()
                    .add(training_record::Column::ValidUntil.is_null())
                    .add(training_record::Column::ValidUntil.gt(now)),
            )
            .into_tuple()
            .all(db)
            .await?;
        held.extend(rows);
    }
    for member in concerned {
        for course in &required[&member.post] {
            if held.contains(&(member.id, *course)) {
                continue;
            }
            match kinds.get(course) {
                Some(CourseKind::PreJob) => pre_job.insert(member.id),
                Some(CourseKind::InService) => in_service.insert(member.id),
                _ => false,
            };
        }
    }
    Ok((pre_job, in_service))
}
