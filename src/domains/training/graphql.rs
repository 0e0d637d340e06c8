//! GraphQL surface of training: thin resolvers over [`TrainingService`]. Inputs are checked here
//! through one [`Checks`], so every invalid field is reported at once and the service sees only
//! checked values.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    service::{
        CourseChanges, IN_SERVICE_MAX_MONTHS, NewCourse, NewResult, NewSession, TrainingService,
    },
    types::{
        CourseDelivery, CourseKind, CourseTopic, TrainingCourse, TrainingRecord, TrainingSession,
    },
};
use crate::{
    auth::{Role, guard::RoleGuard},
    domains::{
        catalogue::input::{CategoryCode, bounded},
        estate::types::StaffPost,
    },
    error::AppResult,
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        text::Text,
    },
};

/// Longest recurrence of any course, in months (10 years).
const RECURRENCE_MAX: i32 = 120;
/// Most hours of one course.
const HOURS_MAX: i32 = 1000;
/// Most places of one session.
const CAPACITY_MAX: i32 = 1000;

/// Input of `createTrainingCourse`.
#[derive(InputObject)]
pub struct CreateTrainingCourseInput {
    /// Unique code: 2–40 characters of A–Z, 0–9 and _, starting with a letter (lower case is
    /// upper-cased).
    code: String,
    /// Title (1–200 characters).
    title: String,
    /// What it is about.
    topic: CourseTopic,
    /// How it is given.
    delivery: CourseDelivery,
    /// When in a career it is taken.
    kind: CourseKind,
    /// The staff posts that must pass it.
    #[graphql(default)]
    required_for: Vec<StaffPost>,
    /// Months a pass stays valid (1 to 120); omitted: forever. Required, and at most 12, for
    /// `IN_SERVICE` courses.
    recurrence_months: Option<i32>,
    /// Hours of training (1 to 1000).
    hours: i32,
    /// Least score that passes (0 to 100).
    pass_score: i32,
}

/// Input of `updateTrainingCourse`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateTrainingCourseInput {
    /// The course.
    id: ID,
    /// New title.
    title: Option<String>,
    /// New topic.
    topic: Option<CourseTopic>,
    /// New delivery.
    delivery: Option<CourseDelivery>,
    /// New kind.
    kind: Option<CourseKind>,
    /// The whole new set of posts that must pass it.
    required_for: Option<Vec<StaffPost>>,
    /// New recurrence in months (1 to 120); `null`: forever (not for `IN_SERVICE`). Passes
    /// already issued keep their validity.
    recurrence_months: MaybeUndefined<i32>,
    /// New hours (1 to 1000).
    hours: Option<i32>,
    /// New pass score (0 to 100); results already recorded keep theirs.
    pass_score: Option<i32>,
}

/// Result of `createTrainingCourse` and `updateTrainingCourse`.
#[derive(SimpleObject)]
pub struct TrainingCoursePayload {
    /// The course as stored.
    course: TrainingCourse,
}

/// Input of `createTrainingSession`.
#[derive(InputObject)]
pub struct CreateTrainingSessionInput {
    /// The course.
    course_id: ID,
    /// Starts at.
    starts_at: DateTime<Utc>,
    /// Ends at; after `startsAt`.
    ends_at: DateTime<Utc>,
    /// Where it takes place (up to 200 characters).
    place: Option<String>,
    /// Where to join it on line (up to 500 characters).
    link: Option<String>,
    /// The trainer's user id.
    trainer_id: ID,
    /// Most enrolments (1 to 1000).
    capacity: i32,
}

/// Result of `createTrainingSession`.
#[derive(SimpleObject)]
pub struct TrainingSessionPayload {
    /// The session as stored.
    session: TrainingSession,
}

/// Input of `enrolInSession`.
#[derive(InputObject)]
pub struct EnrolInSessionInput {
    /// The session.
    session_id: ID,
    /// The staff record to enrol; omitted: your own.
    staff_id: Option<ID>,
}

/// Input of `recordTrainingResult`.
#[derive(InputObject)]
pub struct RecordTrainingResultInput {
    /// The training record (the enrolment).
    record_id: ID,
    /// Whether they attended.
    attended: bool,
    /// Score (0 to 100); required when they attended.
    score: Option<i32>,
}

/// Result of `enrolInSession` and `recordTrainingResult`.
#[derive(SimpleObject)]
pub struct TrainingRecordPayload {
    /// The record as stored.
    record: TrainingRecord,
    /// Whether this result completed the staff member's onboarding (they are now `ACTIVE`).
    activated: bool,
}

fn opt_text<const N: usize>(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    Ok(Text::<N>::parse_opt(field, raw)?.map(Text::into_inner))
}

/// Training queries.
#[derive(Default)]
pub struct TrainingQuery;

#[Object]
impl TrainingQuery {
    /// Training courses, by code (staff, supervisors, administrators).
    async fn training_courses(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<TrainingCourse>> {
        let page = PageRequest::parse(first, after, None, None)?;
        let scope = ctx.scope().await?;
        let page = TrainingService::new(ctx.state())
            .courses(scope, &page)
            .await?;
        Ok(page.try_into_counted_connection(TrainingCourse::try_from_model)?)
    }

    /// Training sessions, earliest first (staff, supervisors, administrators).
    async fn training_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sessions of this course.")] course_id: Option<ID>,
        #[graphql(desc = "Only sessions starting at or after this time.")] from: Option<
            DateTime<Utc>,
        >,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<TrainingSession>> {
        let course_id = parse_opt_id("courseId", course_id.as_ref())?;
        let page = PageRequest::parse(first, after, None, None)?;
        let scope = ctx.scope().await?;
        let page = TrainingService::new(ctx.state())
            .sessions(scope, course_id, from, &page)
            .await?;
        Ok(page.into_counted_connection(TrainingSession::from))
    }

    /// Training records you oversee, newest enrolment first: your own; a manager's also those
    /// of the staff of their buildings; supervisors and administrators everyone's. Residents
    /// and merchants are `FORBIDDEN`.
    async fn training_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this staff record's (an id you may not see gives none).")]
        staff_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<TrainingRecord>> {
        let staff_id = parse_opt_id("staffId", staff_id.as_ref())?;
        let page = PageRequest::parse(first, after, None, None)?;
        let scope = ctx.scope().await?;
        let page = TrainingService::new(ctx.state())
            .records(scope, staff_id, &page)
            .await?;
        Ok(page.try_into_counted_connection(TrainingRecord::try_from_model)?)
    }
}

/// Training mutations.
#[derive(Default)]
pub struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// Adds a course (administrators). A code in use is `CONFLICT` on `input.code`.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn create_training_course(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingCourseInput,
    ) -> async_graphql::Result<TrainingCoursePayload> {
        let scope = ctx.scope().await?;
        let mut check = Checks::new();
        let code = check.field(CategoryCode::parse("input.code", &input.code));
        let title = check.field(Text::<200>::parse("input.title", &input.title));
        let recurrence = check.field(
            input
                .recurrence_months
                .map(|m| bounded("input.recurrenceMonths", m, 1, RECURRENCE_MAX))
                .transpose(),
        );
        if input.kind == CourseKind::InService {
            check.rule(
                input
                    .recurrence_months
                    .is_some_and(|m| m <= IN_SERVICE_MAX_MONTHS),
                "input.recurrenceMonths",
                "an IN_SERVICE course recurs at least every 12 months",
            );
        }
        let hours = check.field(bounded("input.hours", input.hours, 1, HOURS_MAX));
        let pass_score = check.field(bounded("input.passScore", input.pass_score, 0, 100));
        let mut required_for = input.required_for.clone();
        required_for.sort_by_key(|post| StaffPost::ALL.iter().position(|p| p == post));
        required_for.dedup();
        let new = check.finish(|| {
            Some(NewCourse {
                code: code?.as_str().to_owned(),
                title: title?.into_inner(),
                topic: input.topic,
                delivery: input.delivery,
                kind: input.kind,
                required_for,
                recurrence_months: recurrence?,
                hours: hours?,
                pass_score: pass_score?,
            })
        })?;
        let course = TrainingService::new(ctx.state())
            .create_course(scope, new)
            .await?;
        Ok(TrainingCoursePayload {
            course: TrainingCourse::try_from_model(course)?,
        })
    }

    /// Changes a course (administrators); `requiredFor`, when given, replaces the whole set.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn update_training_course(
        &self,
        ctx: &Context<'_>,
        input: UpdateTrainingCourseInput,
    ) -> async_graphql::Result<TrainingCoursePayload> {
        let scope = ctx.scope().await?;
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let title = check.field(opt_text::<200>("input.title", input.title.as_deref()));
        let recurrence = check.field(match input.recurrence_months {
            MaybeUndefined::Undefined => Ok(None),
            MaybeUndefined::Null => Ok(Some(None)),
            MaybeUndefined::Value(m) => {
                bounded("input.recurrenceMonths", m, 1, RECURRENCE_MAX).map(|m| Some(Some(m)))
            }
        });
        let hours = check.field(
            input
                .hours
                .map(|h| bounded("input.hours", h, 1, HOURS_MAX))
                .transpose(),
        );
        let pass_score = check.field(
            input
                .pass_score
                .map(|p| bounded("input.passScore", p, 0, 100))
                .transpose(),
        );
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                CourseChanges {
                    title: title?,
                    topic: input.topic,
                    delivery: input.delivery,
                    kind: input.kind,
                    required_for: input.required_for,
                    recurrence_months: recurrence?,
                    hours: hours?,
                    pass_score: pass_score?,
                },
            ))
        })?;
        let course = TrainingService::new(ctx.state())
            .update_course(scope, id, changes)
            .await?;
        Ok(TrainingCoursePayload {
            course: TrainingCourse::try_from_model(course)?,
        })
    }

    /// Schedules a session of a course (administrators).
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn create_training_session(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingSessionInput,
    ) -> async_graphql::Result<TrainingSessionPayload> {
        let scope = ctx.scope().await?;
        let mut check = Checks::new();
        let course_id = check.field(parse_id("input.courseId", &input.course_id));
        let trainer_id = check.field(parse_id("input.trainerId", &input.trainer_id));
        check.rule(
            input.ends_at > input.starts_at,
            "input.endsAt",
            "must be after startsAt",
        );
        let place = check.field(opt_text::<200>("input.place", input.place.as_deref()));
        let link = check.field(opt_text::<500>("input.link", input.link.as_deref()));
        let capacity = check.field(bounded("input.capacity", input.capacity, 1, CAPACITY_MAX));
        let new = check.finish(|| {
            Some(NewSession {
                course_id: course_id?,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                place: place?,
                link: link?,
                trainer_id: trainer_id?,
                capacity: capacity?,
            })
        })?;
        let session = TrainingService::new(ctx.state())
            .create_session(scope, new)
            .await?;
        Ok(TrainingSessionPayload {
            session: TrainingSession::from(session),
        })
    }

    /// Enrols a staff member in a session: yourself, or as a manager the staff of your
    /// buildings, or as an administrator anyone. Enrolled twice: `CONFLICT` on `input.staffId`;
    /// a full session: `CONFLICT` on `input.sessionId`.
    async fn enrol_in_session(
        &self,
        ctx: &Context<'_>,
        input: EnrolInSessionInput,
    ) -> async_graphql::Result<TrainingRecordPayload> {
        let scope = ctx.scope().await?;
        let mut check = Checks::new();
        let session_id = check.field(parse_id("input.sessionId", &input.session_id));
        let staff_id = check.field(parse_opt_id("input.staffId", input.staff_id.as_ref()));
        let (session_id, staff_id) = check.finish(|| Some((session_id?, staff_id?)))?;
        let record = TrainingService::new(ctx.state())
            .enrol(scope, session_id, staff_id)
            .await?;
        Ok(TrainingRecordPayload {
            record: TrainingRecord::try_from_model(record)?,
            activated: false,
        })
    }

    /// Records attendance and score (the session's trainer, a manager of the staff member, or
    /// an administrator): `PASSED` iff attended with at least the pass score. Completing the
    /// pre-job courses of an `ONBOARDING` staff member makes them `ACTIVE` in the same change.
    async fn record_training_result(
        &self,
        ctx: &Context<'_>,
        input: RecordTrainingResultInput,
    ) -> async_graphql::Result<TrainingRecordPayload> {
        let scope = ctx.scope().await?;
        let mut check = Checks::new();
        let record_id = check.field(parse_id("input.recordId", &input.record_id));
        let score = check.field(
            input
                .score
                .map(|s| bounded("input.score", s, 0, 100))
                .transpose(),
        );
        check.rule(
            !input.attended || input.score.is_some(),
            "input.score",
            "is required when they attended",
        );
        let new = check.finish(|| {
            Some(NewResult {
                record_id: record_id?,
                attended: input.attended,
                score: score?,
            })
        })?;
        let recorded = TrainingService::new(ctx.state())
            .record_result(scope, new)
            .await?;
        Ok(TrainingRecordPayload {
            record: TrainingRecord::try_from_model(recorded.record)?,
            activated: recorded.activated,
        })
    }
}
