//! GraphQL types and stored enums of patrols.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::schedule::Schedule;
use crate::{
    error::{AppError, AppResult},
    graphql::ContextExt,
    text_enum,
};
use entity::{patrol_checkpoint, patrol_route, patrol_run, patrol_run_checkpoint};

text_enum! {
    /// The staff post that walks a route.
    pub enum PatrolPost {
        /// Security guards.
        Security => "SECURITY",
        /// Fire-control operators.
        FireControl => "FIRE_CONTROL",
    }
}

text_enum! {
    /// A day of the week.
    pub enum PatrolWeekday {
        /// Monday.
        Mon => "MON",
        /// Tuesday.
        Tue => "TUE",
        /// Wednesday.
        Wed => "WED",
        /// Thursday.
        Thu => "THU",
        /// Friday.
        Fri => "FRI",
        /// Saturday.
        Sat => "SAT",
        /// Sunday.
        Sun => "SUN",
    }
}

text_enum! {
    /// Where a patrol run stands.
    pub enum PatrolRunStatus {
        /// Made from the schedule, waiting for its guard.
        Scheduled => "SCHEDULED",
        /// Started: checkpoints are being scanned.
        InProgress => "IN_PROGRESS",
        /// Finished: every unscanned checkpoint was flagged missed.
        Finished => "FINISHED",
        /// Not started by its scheduled start plus the route's grace: the building's managers
        /// were alerted. A guard may still start it, late.
        NotStarted => "NOT_STARTED",
    }
}

text_enum! {
    /// Where one checkpoint of a run stands.
    pub enum PatrolCheckpointStatus {
        /// Not scanned yet.
        Pending => "PENDING",
        /// Scanned within its window.
        Scanned => "SCANNED",
        /// Scanned outside its window (early or late): recorded, and flagged.
        Late => "LATE",
        /// Not scanned when the run finished.
        Missed => "MISSED",
    }
}

text_enum! {
    /// What the guard found at a checkpoint.
    pub enum PatrolFinding {
        /// All in order.
        Normal => "NORMAL",
        /// Something is wrong: opens a work order or a rectification.
        Abnormal => "ABNORMAL",
    }
}

text_enum! {
    /// What happened to a run, in `patrolRunUpdated`.
    pub enum PatrolRunAction {
        /// The guard started it.
        Started => "STARTED",
        /// A checkpoint was scanned within its window.
        Scanned => "SCANNED",
        /// A checkpoint was scanned outside its window.
        Late => "LATE",
        /// A checkpoint was flagged missed when the run finished.
        Missed => "MISSED",
        /// An abnormal finding was recorded at a checkpoint.
        Finding => "FINDING",
        /// The run finished.
        Finished => "FINISHED",
        /// The run was not started in time (the managers were alerted).
        NotStarted => "NOT_STARTED",
    }
}

/// A route's schedule (times are UTC; a window that closes at or before it opens runs past
/// midnight).
#[derive(SimpleObject, Clone)]
pub struct PatrolSchedule {
    /// Days on which runs start (or on which the window opens).
    pub days: Vec<PatrolWeekday>,
    /// Fixed start times, `HH:MM`.
    pub start_times: Vec<String>,
    /// The window's opening, `HH:MM`, when runs repeat within a window.
    pub window_start: Option<String>,
    /// The window's closing, `HH:MM`: no run starts at or after it.
    pub window_end: Option<String>,
    /// Minutes between runs within the window.
    pub interval_minutes: Option<i32>,
}

impl PatrolSchedule {
    /// From the stored schedule.
    pub fn from_schedule(schedule: &Schedule) -> AppResult<PatrolSchedule> {
        Ok(PatrolSchedule {
            days: schedule
                .days
                .iter()
                .map(|d| PatrolWeekday::from_stored(d))
                .collect::<AppResult<_>>()?,
            start_times: schedule.start_times.clone(),
            window_start: schedule.window.as_ref().map(|w| w.start.clone()),
            window_end: schedule.window.as_ref().map(|w| w.end.clone()),
            interval_minutes: schedule.window.as_ref().map(|w| w.interval),
        })
    }
}

/// A checkpoint of a route.
#[derive(SimpleObject, Clone)]
pub struct PatrolCheckpoint {
    /// Id (pass it back in `updatePatrolRoute` to keep the checkpoint and its tag).
    pub id: ID,
    /// 1-based place in the route's order.
    pub position: i32,
    /// Name.
    pub name: String,
    /// Where it is.
    pub location: String,
    /// The QR or NFC tag's code: for the building's managers and administrators only (null
    /// for everyone else).
    pub code: Option<String>,
    /// Minutes after the run's start it is expected at.
    pub expected_minutes: i32,
    /// Minutes either side of the expected time that still count as on time.
    pub tolerance_minutes: i32,
}

impl PatrolCheckpoint {
    /// From a model; the code only when `codes`.
    pub fn new(model: patrol_checkpoint::Model, codes: bool) -> PatrolCheckpoint {
        PatrolCheckpoint {
            id: ID(model.id.to_string()),
            position: model.position,
            name: model.name,
            location: model.location,
            code: codes.then_some(model.code),
            expected_minutes: model.expected_minutes,
            tolerance_minutes: model.tolerance_minutes,
        }
    }
}

/// A patrol route of a building.
#[derive(SimpleObject, Clone)]
pub struct PatrolRoute {
    /// Id.
    pub id: ID,
    /// The building patrolled.
    pub building_id: ID,
    /// Name.
    pub name: String,
    /// The post that walks it.
    pub post: PatrolPost,
    /// When runs start.
    pub schedule: PatrolSchedule,
    /// Minutes after a scheduled start before the run is `NOT_STARTED` and the managers are
    /// alerted.
    pub grace_minutes: i32,
    /// Whether runs are still scheduled.
    pub active: bool,
    /// The checkpoints, in order (retired ones left out).
    pub checkpoints: Vec<PatrolCheckpoint>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl PatrolRoute {
    /// From a route and its current checkpoints (in order); codes only when `codes`.
    pub fn new(
        model: patrol_route::Model,
        checkpoints: Vec<patrol_checkpoint::Model>,
        codes: bool,
    ) -> AppResult<PatrolRoute> {
        Ok(PatrolRoute {
            id: ID(model.id.to_string()),
            building_id: ID(model.building_id.to_string()),
            name: model.name,
            post: PatrolPost::from_stored(&model.post)?,
            schedule: PatrolSchedule::from_schedule(&Schedule::from_stored(&model.schedule)?)?,
            grace_minutes: model.grace_minutes,
            active: model.active,
            checkpoints: checkpoints
                .into_iter()
                .map(|c| PatrolCheckpoint::new(c, codes))
                .collect(),
            created_at: model.created_at,
            updated_at: model.updated_at,
        })
    }
}

/// One checkpoint of a run: when it was expected, and what happened there.
#[derive(SimpleObject, Clone)]
pub struct PatrolRunCheckpoint {
    /// Id.
    pub id: ID,
    /// The route's checkpoint.
    pub checkpoint_id: ID,
    /// 1-based place in the run's order.
    pub position: i32,
    /// Name.
    pub name: String,
    /// Where it is.
    pub location: String,
    /// Expected at: the run's start plus the checkpoint's minutes.
    pub expected_at: DateTime<Utc>,
    /// Minutes either side that still count as on time.
    pub tolerance_minutes: i32,
    /// Where it stands.
    pub status: PatrolCheckpointStatus,
    /// Scanned at.
    pub scanned_at: Option<DateTime<Utc>>,
    /// Who scanned it (their user id).
    pub scanned_by_id: Option<ID>,
    /// The finding recorded with the scan.
    pub finding: Option<PatrolFinding>,
    /// The finding's note.
    pub note: Option<String>,
    /// The finding's photo.
    pub photo_url: Option<String>,
    /// The work order an abnormal finding opened.
    pub work_order_id: Option<ID>,
    /// The rectification an abnormal finding opened.
    pub rectification_id: Option<ID>,
}

fn id_of(id: Option<Uuid>) -> Option<ID> {
    id.map(|id| ID(id.to_string()))
}

impl PatrolRunCheckpoint {
    /// From a model.
    pub fn try_from_model(model: patrol_run_checkpoint::Model) -> AppResult<PatrolRunCheckpoint> {
        Ok(PatrolRunCheckpoint {
            id: ID(model.id.to_string()),
            checkpoint_id: ID(model.checkpoint_id.to_string()),
            position: model.position,
            name: model.name,
            location: model.location,
            expected_at: model.expected_at,
            tolerance_minutes: model.tolerance_minutes,
            status: PatrolCheckpointStatus::from_stored(&model.status)?,
            scanned_at: model.scanned_at,
            scanned_by_id: id_of(model.scanned_by),
            finding: model
                .finding
                .as_deref()
                .map(PatrolFinding::from_stored)
                .transpose()?,
            note: model.note,
            photo_url: model.photo_url,
            work_order_id: id_of(model.work_order_id),
            rectification_id: id_of(model.rectification_id),
        })
    }
}

/// One patrol run.
#[derive(Clone)]
pub struct PatrolRun {
    id: ID,
    /// The stored run.
    pub model: patrol_run::Model,
    /// Its checkpoints when already loaded.
    pub checkpoints: Option<Vec<patrol_run_checkpoint::Model>>,
}

impl PatrolRun {
    /// From a model and, when loaded, its checkpoints.
    pub fn new(
        model: patrol_run::Model,
        checkpoints: Option<Vec<patrol_run_checkpoint::Model>>,
    ) -> PatrolRun {
        PatrolRun {
            id: ID(model.id.to_string()),
            model,
            checkpoints,
        }
    }
}

/// One patrol run of a route: scheduled by the `patrol-runs` job or started ad hoc, its guard,
/// status, tallies and checkpoints.
#[Object]
impl PatrolRun {
    /// Id.
    pub async fn id(&self) -> &ID {
        &self.id
    }

    /// The route.
    async fn route_id(&self) -> ID {
        ID(self.model.route_id.to_string())
    }

    /// The building.
    async fn building_id(&self) -> ID {
        ID(self.model.building_id.to_string())
    }

    /// The post that walks it.
    async fn post(&self) -> async_graphql::Result<PatrolPost> {
        Ok(PatrolPost::from_stored(&self.model.post)?)
    }

    /// Where it stands.
    async fn status(&self) -> async_graphql::Result<PatrolRunStatus> {
        Ok(PatrolRunStatus::from_stored(&self.model.status)?)
    }

    /// The scheduled start; null for a run started ad hoc.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.model.scheduled_at
    }

    /// The latest start before it counts as not started (scheduled start plus grace).
    async fn due_by(&self) -> Option<DateTime<Utc>> {
        self.model.due_by
    }

    /// The guard's user id, once started.
    async fn guard_id(&self) -> Option<ID> {
        id_of(self.model.guard_id)
    }

    /// Started at.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.model.started_at
    }

    /// Finished at.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.model.finished_at
    }

    /// When it was flagged not started and the managers were alerted (it stays set if the
    /// run is started later).
    async fn not_started_alerted_at(&self) -> Option<DateTime<Utc>> {
        self.model.alerted_at
    }

    /// Checkpoints in the run (0 until started).
    async fn checkpoint_count(&self) -> i32 {
        self.model.checkpoint_count
    }

    /// Checkpoints scanned, late ones included.
    async fn scanned_count(&self) -> i32 {
        self.model.scanned_count
    }

    /// Checkpoints scanned outside their window.
    async fn late_count(&self) -> i32 {
        self.model.late_count
    }

    /// Checkpoints missed.
    async fn missed_count(&self) -> i32 {
        self.model.missed_count
    }

    /// Abnormal findings.
    async fn abnormal_count(&self) -> i32 {
        self.model.abnormal_count
    }

    /// The run's checkpoints in order (empty until it starts).
    async fn checkpoints(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<PatrolRunCheckpoint>> {
        let rows = match &self.checkpoints {
            Some(rows) => rows.clone(),
            None => patrol_run_checkpoint::Entity::find()
                .filter(patrol_run_checkpoint::Column::RunId.eq(self.model.id))
                .order_by_asc(patrol_run_checkpoint::Column::Position)
                .all(&ctx.state().db)
                .await
                .map_err(AppError::from)?,
        };
        Ok(rows
            .into_iter()
            .map(PatrolRunCheckpoint::try_from_model)
            .collect::<AppResult<_>>()?)
    }
}

/// One change of a run, in `patrolRunUpdated`.
#[derive(SimpleObject)]
pub struct PatrolRunEvent {
    /// Pass as `after` to resume after this event.
    pub cursor: String,
    /// What happened.
    pub action: PatrolRunAction,
    /// The run after the change.
    pub run: PatrolRun,
    /// The checkpoint concerned (scans, misses, findings).
    pub checkpoint: Option<PatrolRunCheckpoint>,
}
