//! GraphQL types of training, built from the entity models, and its enums.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{CourseById, PostsByCourse};
use crate::{
    domains::{
        estate::types::{StaffPost, StaffRecord},
        identity::loaders::UserById,
    },
    error::{AppError, AppResult},
    graphql::{ContextExt, loaders::ById},
    text_enum,
};
use entity::{staff_record, training_course, training_record, training_session};

text_enum! {
    /// What a course is about.
    pub enum CourseTopic {
        /// Serving residents.
        CustomerService => "CUSTOMER_SERVICE",
        /// Speaking and writing with residents and colleagues.
        Communication => "COMMUNICATION",
        /// Fire, flood, injury, evacuation.
        EmergencyHandling => "EMERGENCY_HANDLING",
        /// Laws and regulations of property services.
        LawAndRegulation => "LAW_AND_REGULATION",
        /// The craft of a post.
        JobSkill => "JOB_SKILL",
        /// Working safely.
        Safety => "SAFETY",
    }
}

text_enum! {
    /// How a course is given.
    pub enum CourseDelivery {
        /// On line.
        Online => "ONLINE",
        /// In a classroom.
        Classroom => "CLASSROOM",
        /// A practical drill.
        Drill => "DRILL",
        /// An examination.
        Exam => "EXAM",
    }
}

text_enum! {
    /// When in a career a course is taken.
    pub enum CourseKind {
        /// Before starting work: an `ONBOARDING` staff member becomes `ACTIVE` once every
        /// pre-job course required for their post is passed.
        PreJob => "PRE_JOB",
        /// Kept up while working (recurring at least yearly): without a valid pass a staff member
        /// cannot be assigned work.
        InService => "IN_SERVICE",
        /// For particular tasks of a post.
        JobSpecific => "JOB_SPECIFIC",
    }
}

text_enum! {
    /// Where a training record stands.
    pub enum TrainingResult {
        /// Enrolled; no result yet.
        Enrolled => "ENROLLED",
        /// Attended and scored at least the pass score.
        Passed => "PASSED",
        /// Absent or scored below the pass score.
        Failed => "FAILED",
    }
}

/// A training course.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TrainingCourse {
    /// Globally unique id.
    pub id: ID,
    /// Stable code, unique (`ORIENTATION`).
    pub code: String,
    /// Title.
    pub title: String,
    /// What it is about.
    pub topic: CourseTopic,
    /// How it is given.
    pub delivery: CourseDelivery,
    /// When in a career it is taken.
    pub kind: CourseKind,
    /// Months a pass stays valid; null: forever.
    pub recurrence_months: Option<i32>,
    /// Hours of training.
    pub hours: i32,
    /// Least score (0–100) that passes.
    pub pass_score: i32,
    /// The course id as a UUID.
    #[graphql(skip)]
    pub uuid: Uuid,
}

impl TrainingCourse {
    /// From a model; fails on a stored value the code does not know.
    pub fn try_from_model(model: training_course::Model) -> AppResult<TrainingCourse> {
        Ok(TrainingCourse {
            id: ID(model.id.to_string()),
            topic: CourseTopic::from_stored(&model.topic)?,
            delivery: CourseDelivery::from_stored(&model.delivery)?,
            kind: CourseKind::from_stored(&model.kind)?,
            code: model.code,
            title: model.title,
            recurrence_months: model.recurrence_months,
            hours: model.hours,
            pass_score: model.pass_score,
            uuid: model.id,
        })
    }
}

#[ComplexObject]
impl TrainingCourse {
    /// The staff posts that must pass it, in the order of `StaffPost`.
    async fn required_for(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StaffPost>> {
        let rows = ctx
            .loaders()?
            .load_one::<PostsByCourse>(self.uuid)
            .await?
            .unwrap_or_default();
        let mut posts = rows
            .iter()
            .map(|row| StaffPost::from_stored(&row.post))
            .collect::<AppResult<Vec<_>>>()?;
        posts.sort_by_key(|post| StaffPost::ALL.iter().position(|p| p == post));
        Ok(posts)
    }
}

/// A scheduled run of a course.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TrainingSession {
    /// Globally unique id.
    pub id: ID,
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at.
    pub ends_at: DateTime<Utc>,
    /// Where it takes place.
    pub place: Option<String>,
    /// Where to join it on line.
    pub link: Option<String>,
    /// The trainer's user id.
    pub trainer_id: ID,
    /// Most enrolments.
    pub capacity: i32,
    /// Enrolments taken.
    pub enrolled: i32,
    /// Places left (`capacity - enrolled`, never below 0).
    pub remaining: i32,
    /// The course id.
    #[graphql(skip)]
    pub course_id: Uuid,
    /// The trainer id as a UUID.
    #[graphql(skip)]
    pub trainer_uuid: Uuid,
}

impl From<training_session::Model> for TrainingSession {
    fn from(model: training_session::Model) -> Self {
        TrainingSession {
            id: ID(model.id.to_string()),
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            place: model.place,
            link: model.link,
            trainer_id: ID(model.trainer_id.to_string()),
            capacity: model.capacity,
            enrolled: model.enrolled,
            remaining: (model.capacity - model.enrolled).max(0),
            course_id: model.course_id,
            trainer_uuid: model.trainer_id,
        }
    }
}

async fn course(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<TrainingCourse> {
    let model = ctx
        .loaders()?
        .load_one::<CourseById>(id)
        .await?
        .ok_or(AppError::NotFound("training course"))?;
    Ok(TrainingCourse::try_from_model(model)?)
}

#[ComplexObject]
impl TrainingSession {
    /// The course it runs.
    async fn course(&self, ctx: &Context<'_>) -> async_graphql::Result<TrainingCourse> {
        course(ctx, self.course_id).await
    }

    /// The trainer's display name.
    async fn trainer_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.trainer_uuid)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        Ok(user.display_name)
    }
}

/// A staff member's enrolment in a session and its result.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TrainingRecord {
    /// Globally unique id.
    pub id: ID,
    /// The staff record's id.
    pub staff_id: ID,
    /// Where it stands.
    pub result: TrainingResult,
    /// Whether they attended; null until recorded.
    pub attended: Option<bool>,
    /// Score 0–100; null until recorded.
    pub score: Option<i32>,
    /// When the result was recorded.
    pub issued_at: Option<DateTime<Utc>>,
    /// Until when a pass counts; null for a pass without recurrence (forever) or no pass.
    pub valid_until: Option<DateTime<Utc>>,
    /// When they enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// The session.
    #[graphql(skip)]
    pub session_id: Uuid,
    /// The course.
    #[graphql(skip)]
    pub course_id: Uuid,
    /// The staff record as a UUID.
    #[graphql(skip)]
    pub staff_uuid: Uuid,
}

impl TrainingRecord {
    /// From a model; fails on a stored value the code does not know.
    pub fn try_from_model(model: training_record::Model) -> AppResult<TrainingRecord> {
        Ok(TrainingRecord {
            id: ID(model.id.to_string()),
            staff_id: ID(model.staff_id.to_string()),
            result: TrainingResult::from_stored(&model.result)?,
            attended: model.attended,
            score: model.score,
            issued_at: model.issued_at,
            valid_until: model.valid_until,
            enrolled_at: model.enrolled_at,
            session_id: model.session_id,
            course_id: model.course_id,
            staff_uuid: model.staff_id,
        })
    }
}

#[ComplexObject]
impl TrainingRecord {
    /// The course.
    async fn course(&self, ctx: &Context<'_>) -> async_graphql::Result<TrainingCourse> {
        course(ctx, self.course_id).await
    }

    /// The session.
    async fn session(&self, ctx: &Context<'_>) -> async_graphql::Result<TrainingSession> {
        let model = ctx
            .loaders()?
            .load_one::<ById<training_session::Entity>>(self.session_id)
            .await?
            .ok_or(AppError::NotFound("training session"))?;
        Ok(TrainingSession::from(model))
    }

    /// The staff member's record (post, status, name).
    async fn staff(&self, ctx: &Context<'_>) -> async_graphql::Result<StaffRecord> {
        let model = ctx
            .loaders()?
            .load_one::<ById<staff_record::Entity>>(self.staff_uuid)
            .await?
            .ok_or(AppError::NotFound("staff record"))?;
        Ok(StaffRecord::try_from_model(model)?)
    }

    /// Whether it is a pass that still counts now (by the server's clock).
    async fn valid(&self, ctx: &Context<'_>) -> bool {
        self.result == TrainingResult::Passed
            && self
                .valid_until
                .is_none_or(|until| until > ctx.state().clock.now())
    }
}
