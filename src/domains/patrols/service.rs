//! Patrol rules and transactions.
//!
//! Every change runs in one [`Write`]: the run's row is claimed by a conditional update (its
//! status, and for a scan the position to scan next), so of two concurrent scans or starts one
//! wins and the other writes nothing; a scan's finding opens its work order or rectification in
//! the same transaction, with the live events.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::Patrols,
    schedule::Schedule,
    types::{PatrolCheckpointStatus, PatrolFinding, PatrolPost, PatrolRunAction, PatrolRunStatus},
};
use crate::{
    app::AppState,
    domains::{
        estate::{
            access::{ACTIVE_STAFF, Scope},
            types::StaffPost,
        },
        rectifications::{
            service::{NewRectification, open as open_rectification},
            types::RectificationSource,
        },
        work_orders::{
            service::{OpenedElsewhere, open_in as open_work_order},
            types::WorkOrderChannel,
        },
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
    building, patrol_checkpoint, patrol_route, patrol_run, patrol_run_checkpoint, service_category,
    staff_building, staff_record,
};

/// Notification subject type of a patrol run.
pub const SUBJECT: &str = "PATROL_RUN";

/// Event kind of every change on [`Topic::Patrols`].
pub const UPDATED: &str = "PATROL_RUN_UPDATED";

/// How far ahead the job makes scheduled runs.
pub const HORIZON_HOURS: i64 = 24;

/// Most checkpoints on a route.
pub const MAX_CHECKPOINTS: usize = 50;

/// Days a rectification opened by a patrol finding is due in.
pub const RECTIFICATION_DAYS: i64 = 3;

/// The payload of an [`UPDATED`] event: the run after the change, what happened, and the
/// checkpoint concerned.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    /// The run as committed.
    pub run: patrol_run::Model,
    /// A [`PatrolRunAction`]'s stored form.
    pub action: String,
    /// The checkpoint concerned.
    pub checkpoint: Option<patrol_run_checkpoint::Model>,
}

/// A checkpoint of a new or changed route, checked by the resolver.
#[derive(Clone, Debug)]
pub struct NewCheckpoint {
    /// An existing checkpoint of the route to keep (with its tag code); `None`: a new one.
    pub id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Where it is.
    pub location: String,
    /// Minutes after the start it is expected at.
    pub expected_minutes: i32,
    /// Minutes either side still on time.
    pub tolerance_minutes: i32,
}

/// A route to create, checked by the resolver.
#[derive(Clone, Debug)]
pub struct NewRoute {
    /// The building.
    pub building_id: Uuid,
    /// Name.
    pub name: String,
    /// The post that walks it.
    pub post: PatrolPost,
    /// When runs start.
    pub schedule: Schedule,
    /// Grace before a run counts as not started.
    pub grace_minutes: i32,
    /// The checkpoints, in order.
    pub checkpoints: Vec<NewCheckpoint>,
}

/// Changes to a route; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct RouteChanges {
    /// Name.
    pub name: Option<String>,
    /// Schedule (future scheduled runs are made again).
    pub schedule: Option<Schedule>,
    /// Grace (future scheduled runs are made again).
    pub grace_minutes: Option<i32>,
    /// Active (inactive routes get no new runs; future scheduled ones are dropped).
    pub active: Option<bool>,
    /// The whole new list of checkpoints, in order.
    pub checkpoints: Option<Vec<NewCheckpoint>>,
}

/// Which run to start.
#[derive(Clone, Copy, Debug)]
pub enum StartTarget {
    /// The route's run due now (scheduled, not started, starting within the grace), or an ad
    /// hoc run when none is.
    Route(Uuid),
    /// This scheduled run.
    Run(Uuid),
}

/// A scan, checked by the resolver.
#[derive(Clone, Debug)]
pub struct Scan {
    /// The run.
    pub run_id: Uuid,
    /// The tag's code.
    pub code: String,
    /// The finding.
    pub finding: PatrolFinding,
    /// Its note.
    pub note: Option<String>,
    /// Its photo.
    pub photo_url: Option<String>,
    /// For an abnormal finding: the work order's category.
    pub work_category_id: Option<Uuid>,
    /// For an abnormal finding: open a rectification.
    pub rectification: bool,
}

/// Filter of `patrolRoutes`.
#[derive(Clone, Debug, Default)]
pub struct RouteFilter {
    /// Only this building.
    pub building_id: Option<Uuid>,
    /// Only this post.
    pub post: Option<PatrolPost>,
    /// Only active (or inactive) routes.
    pub active: Option<bool>,
}

/// Filter of `patrolRuns`.
#[derive(Clone, Debug, Default)]
pub struct RunFilter {
    /// Only this building.
    pub building_id: Option<Uuid>,
    /// Only this route.
    pub route_id: Option<Uuid>,
    /// Only these statuses.
    pub statuses: Option<Vec<PatrolRunStatus>>,
}

/// A route with its current checkpoints and whether the viewer reads their codes.
pub type RouteView = (patrol_route::Model, Vec<patrol_checkpoint::Model>, bool);

/// A run with its checkpoints.
pub type RunView = (patrol_run::Model, Vec<patrol_run_checkpoint::Model>);

/// Patrol rules over the application state.
pub struct PatrolService<'a> {
    state: &'a AppState,
}

const WAITING: [&str; 2] = [
    PatrolRunStatus::Scheduled.as_str(),
    PatrolRunStatus::NotStarted.as_str(),
];

impl<'a> PatrolService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        PatrolService { state }
    }

    fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.state.db
    }

    async fn facet(scope: &Scope) -> AppResult<Arc<Patrols>> {
        scope.require_user()?;
        scope.facet::<Patrols>().await
    }

    /// One route the viewer may see; `NOT_FOUND` otherwise.
    pub async fn route(&self, scope: &Scope, id: Uuid) -> AppResult<RouteView> {
        let facet = Self::facet(scope).await?;
        let model = patrol_route::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .filter(|r| facet.sees(r.building_id, &r.post))
            .ok_or(AppError::NotFound("patrol route"))?;
        let mut checkpoints = checkpoints_of(self.db(), &[model.id]).await?;
        let codes = facet.manages(model.building_id);
        Ok((
            model.clone(),
            checkpoints.remove(&model.id).unwrap_or_default(),
            codes,
        ))
    }

    /// The routes the viewer may see, newest first.
    pub async fn routes(
        &self,
        scope: &Scope,
        filter: RouteFilter,
        page: &PageRequest,
    ) -> AppResult<Page<RouteView>> {
        let facet = Self::facet(scope).await?;
        let mut query = patrol_route::Entity::find();
        if let Some(condition) = facet.visible_routes() {
            query = query.filter(condition);
        }
        if let Some(building) = filter.building_id {
            query = query.filter(patrol_route::Column::BuildingId.eq(building));
        }
        if let Some(post) = filter.post {
            query = query.filter(patrol_route::Column::Post.eq(post.as_str()));
        }
        if let Some(active) = filter.active {
            query = query.filter(patrol_route::Column::Active.eq(active));
        }
        let page = Keyset::<patrol_route::Entity>::new()
            .desc(patrol_route::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
        let mut checkpoints = checkpoints_of(self.db(), &ids).await?;
        Ok(page.map(|route| {
            let codes = facet.manages(route.building_id);
            let list = checkpoints.remove(&route.id).unwrap_or_default();
            (route, list, codes)
        }))
    }

    /// One run the viewer may see; `NOT_FOUND` otherwise.
    pub async fn run(&self, scope: &Scope, id: Uuid) -> AppResult<patrol_run::Model> {
        let facet = Self::facet(scope).await?;
        patrol_run::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .filter(|r| facet.sees(r.building_id, &r.post))
            .ok_or(AppError::NotFound("patrol run"))
    }

    /// The runs among `ids` the viewer may see (one statement), e.g. notification subjects.
    pub async fn runs_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<Vec<patrol_run::Model>> {
        let ids: Vec<Uuid> = ids.into_iter().collect();
        if ids.is_empty() || scope.user_id.is_none() {
            return Ok(Vec::new());
        }
        let facet = Self::facet(scope).await?;
        let mut query = patrol_run::Entity::find().filter(patrol_run::Column::Id.is_in(ids));
        if let Some(condition) = facet.visible_runs() {
            query = query.filter(condition);
        }
        Ok(query.all(self.db()).await?)
    }

    /// The runs the viewer may see, newest first, with their checkpoints.
    pub async fn runs(
        &self,
        scope: &Scope,
        filter: RunFilter,
        page: &PageRequest,
    ) -> AppResult<Page<RunView>> {
        let facet = Self::facet(scope).await?;
        let mut query = patrol_run::Entity::find();
        if let Some(condition) = facet.visible_runs() {
            query = query.filter(condition);
        }
        if let Some(building) = filter.building_id {
            query = query.filter(patrol_run::Column::BuildingId.eq(building));
        }
        if let Some(route) = filter.route_id {
            query = query.filter(patrol_run::Column::RouteId.eq(route));
        }
        if let Some(statuses) = filter.statuses {
            query =
                query.filter(patrol_run::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
        }
        let page = Keyset::<patrol_run::Entity>::new()
            .desc(patrol_run::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
        let mut items = run_checkpoints_of(self.db(), &ids).await?;
        Ok(page.map(|run| {
            let list = items.remove(&run.id).unwrap_or_default();
            (run, list)
        }))
    }

    /// Creates a route (administrators and the building's active managers).
    pub async fn create_route(&self, scope: &Scope, new: NewRoute) -> AppResult<RouteView> {
        let me = scope.require_user()?;
        let facet = Self::facet(scope).await?;
        if !facet.manages(new.building_id) {
            // Staff of the building see it (and supervisors every one): for them it is a
            // matter of rights, for anyone else the building is not there.
            let staff = scope.staff().await?;
            if facet.all || (staff.active && staff.served_buildings.contains(&new.building_id)) {
                return Err(AppError::Forbidden(
                    "only the building's managers and administrators make patrol routes".to_owned(),
                ));
            }
            return Err(AppError::unknown_id("input.buildingId", "building"));
        }
        if building::Entity::find_by_id(new.building_id)
            .one(self.db())
            .await?
            .is_none()
        {
            return Err(AppError::unknown_id("input.buildingId", "building"));
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let route = patrol_route::Model {
            id: Uuid::now_v7(),
            building_id: new.building_id,
            name: new.name,
            post: new.post.as_str().to_owned(),
            schedule: new.schedule.to_stored()?,
            grace_minutes: new.grace_minutes,
            active: true,
            materialised_until: now,
            version: 1,
            created_by: me,
            created_at: now,
            updated_at: now,
        };
        patrol_route::Entity::insert(patrol_route::ActiveModel::from(route.clone()))
            .exec_without_returning(write.txn())
            .await?;
        let checkpoints: Vec<patrol_checkpoint::Model> = new
            .checkpoints
            .into_iter()
            .enumerate()
            .map(|(i, c)| fresh_checkpoint(route.id, i, c))
            .collect();
        patrol_checkpoint::Entity::insert_many(
            checkpoints
                .iter()
                .cloned()
                .map(patrol_checkpoint::ActiveModel::from),
        )
        .exec_without_returning(write.txn())
        .await?;
        write.commit().await?;
        Ok((route, checkpoints, true))
    }

    /// Changes a route (administrators and the building's active managers). A new schedule,
    /// grace or activity drops the route's future scheduled runs not yet started, and the job
    /// makes them again; runs under way keep their own copy of the checkpoints.
    pub async fn update_route(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: RouteChanges,
    ) -> AppResult<RouteView> {
        let facet = Self::facet(scope).await?;
        let model = patrol_route::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .filter(|r| facet.sees(r.building_id, &r.post))
            .ok_or_else(|| AppError::unknown_id("input.id", "patrol route"))?;
        if !facet.manages(model.building_id) {
            return Err(AppError::Forbidden(
                "only the building's managers and administrators change patrol routes".to_owned(),
            ));
        }
        let current = checkpoints_of(self.db(), &[model.id])
            .await?
            .remove(&model.id)
            .unwrap_or_default();
        if let Some(list) = &changes.checkpoints {
            for (i, c) in list.iter().enumerate() {
                if let Some(cid) = c.id
                    && !current.iter().any(|k| k.id == cid)
                {
                    return Err(AppError::bad_input(
                        format!("input.checkpoints[{i}].id"),
                        "is not a checkpoint of this route",
                    ));
                }
            }
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let mut next = model.clone();
        if let Some(name) = changes.name {
            next.name = name;
        }
        let reschedule = changes.schedule.is_some()
            || changes.grace_minutes.is_some()
            || changes.active.is_some();
        if let Some(schedule) = &changes.schedule {
            next.schedule = schedule.to_stored()?;
        }
        if let Some(grace) = changes.grace_minutes {
            next.grace_minutes = grace;
        }
        if let Some(active) = changes.active {
            next.active = active;
        }
        if reschedule {
            next.materialised_until = now;
            patrol_run::Entity::delete_many()
                .filter(patrol_run::Column::RouteId.eq(model.id))
                .filter(patrol_run::Column::Status.eq(PatrolRunStatus::Scheduled.as_str()))
                .filter(patrol_run::Column::ScheduledAt.gt(now))
                .exec(write.txn())
                .await?;
        }
        next.version = model.version + 1;
        next.updated_at = now;
        let updated = patrol_route::Entity::update_many()
            .col_expr(patrol_route::Column::Name, Expr::value(next.name.clone()))
            .col_expr(
                patrol_route::Column::Schedule,
                Expr::value(next.schedule.clone()),
            )
            .col_expr(
                patrol_route::Column::GraceMinutes,
                Expr::value(next.grace_minutes),
            )
            .col_expr(patrol_route::Column::Active, Expr::value(next.active))
            .col_expr(
                patrol_route::Column::MaterialisedUntil,
                Expr::value(next.materialised_until),
            )
            .col_expr(patrol_route::Column::Version, Expr::value(next.version))
            .col_expr(patrol_route::Column::UpdatedAt, Expr::value(now))
            .filter(patrol_route::Column::Id.eq(model.id))
            .filter(patrol_route::Column::Version.eq(model.version))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: None,
                message: "the route changed meanwhile; reload it and try again".to_owned(),
            });
        }
        let checkpoints = match changes.checkpoints {
            None => current,
            Some(list) => {
                let kept: Vec<Uuid> = list.iter().filter_map(|c| c.id).collect();
                patrol_checkpoint::Entity::update_many()
                    .col_expr(patrol_checkpoint::Column::Retired, Expr::value(true))
                    .filter(patrol_checkpoint::Column::RouteId.eq(model.id))
                    .filter(patrol_checkpoint::Column::Id.is_not_in(kept))
                    .exec(write.txn())
                    .await?;
                let mut out = Vec::with_capacity(list.len());
                for (i, c) in list.into_iter().enumerate() {
                    match c.id {
                        Some(cid) => {
                            let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
                            patrol_checkpoint::Entity::update_many()
                                .col_expr(
                                    patrol_checkpoint::Column::Position,
                                    Expr::value(position),
                                )
                                .col_expr(
                                    patrol_checkpoint::Column::Name,
                                    Expr::value(c.name.clone()),
                                )
                                .col_expr(
                                    patrol_checkpoint::Column::Location,
                                    Expr::value(c.location.clone()),
                                )
                                .col_expr(
                                    patrol_checkpoint::Column::ExpectedMinutes,
                                    Expr::value(c.expected_minutes),
                                )
                                .col_expr(
                                    patrol_checkpoint::Column::ToleranceMinutes,
                                    Expr::value(c.tolerance_minutes),
                                )
                                .filter(patrol_checkpoint::Column::Id.eq(cid))
                                .exec(write.txn())
                                .await?;
                            let code = current
                                .iter()
                                .find(|k| k.id == cid)
                                .map(|k| k.code.clone())
                                .unwrap_or_default();
                            out.push(patrol_checkpoint::Model {
                                id: cid,
                                route_id: model.id,
                                position,
                                name: c.name,
                                location: c.location,
                                code,
                                expected_minutes: c.expected_minutes,
                                tolerance_minutes: c.tolerance_minutes,
                                retired: false,
                            });
                        }
                        None => {
                            let fresh = fresh_checkpoint(model.id, i, c);
                            patrol_checkpoint::Entity::insert(
                                patrol_checkpoint::ActiveModel::from(fresh.clone()),
                            )
                            .exec_without_returning(write.txn())
                            .await?;
                            out.push(fresh);
                        }
                    }
                }
                out
            }
        };
        write.commit().await?;
        Ok((next, checkpoints, true))
    }

    /// Starts a run: a scheduled one (`SCHEDULED` or `NOT_STARTED`), or, by route, the one due
    /// now or an ad hoc one. Only active staff with the route's post serving the building.
    pub async fn start(&self, scope: &Scope, target: StartTarget) -> AppResult<RunView> {
        let me = scope.require_user()?;
        let facet = Self::facet(scope).await?;
        let (route, run) = match target {
            StartTarget::Run(id) => {
                let run = patrol_run::Entity::find_by_id(id)
                    .one(self.db())
                    .await?
                    .filter(|r| facet.sees(r.building_id, &r.post))
                    .ok_or_else(|| AppError::unknown_id("input.runId", "patrol run"))?;
                let route = patrol_route::Entity::find_by_id(run.route_id)
                    .one(self.db())
                    .await?
                    .ok_or_else(|| AppError::internal("a patrol run without its route"))?;
                (route, Some(run))
            }
            StartTarget::Route(id) => {
                let route = patrol_route::Entity::find_by_id(id)
                    .one(self.db())
                    .await?
                    .filter(|r| facet.sees(r.building_id, &r.post))
                    .ok_or_else(|| AppError::unknown_id("input.routeId", "patrol route"))?;
                (route, None)
            }
        };
        if !facet.guards(route.building_id, &route.post) {
            return Err(AppError::Forbidden(format!(
                "only {} staff serving the building start its patrol runs",
                route.post
            )));
        }
        if let Some(run) = &run
            && !WAITING.contains(&run.status.as_str())
        {
            return Err(AppError::InvalidState(format!(
                "this run is {} and cannot be started",
                run.status
            )));
        }
        if run.is_none() && !route.active {
            return Err(AppError::InvalidState(
                "this route is not active".to_owned(),
            ));
        }
        let checkpoints = checkpoints_of(self.db(), &[route.id])
            .await?
            .remove(&route.id)
            .unwrap_or_default();
        if checkpoints.is_empty() {
            return Err(AppError::InvalidState(
                "this route has no checkpoints".to_owned(),
            ));
        }
        let count = i32::try_from(checkpoints.len()).unwrap_or(i32::MAX);
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let waiting = match run {
            Some(run) => Some(run),
            None => {
                patrol_run::Entity::find()
                    .filter(patrol_run::Column::RouteId.eq(route.id))
                    .filter(patrol_run::Column::Status.is_in(WAITING))
                    .filter(
                        patrol_run::Column::ScheduledAt
                            .lte(now + Duration::minutes(i64::from(route.grace_minutes))),
                    )
                    .order_by_desc(patrol_run::Column::ScheduledAt)
                    .one(write.txn())
                    .await?
            }
        };
        let run = match waiting {
            Some(run) => {
                let claimed = patrol_run::Entity::update_many()
                    .col_expr(
                        patrol_run::Column::Status,
                        Expr::value(PatrolRunStatus::InProgress.as_str()),
                    )
                    .col_expr(patrol_run::Column::GuardId, Expr::value(me))
                    .col_expr(patrol_run::Column::StartedAt, Expr::value(now))
                    .col_expr(patrol_run::Column::NextPosition, Expr::value(1))
                    .col_expr(patrol_run::Column::CheckpointCount, Expr::value(count))
                    .col_expr(patrol_run::Column::Version, Expr::value(run.version + 1))
                    .col_expr(patrol_run::Column::UpdatedAt, Expr::value(now))
                    .filter(patrol_run::Column::Id.eq(run.id))
                    .filter(patrol_run::Column::Status.is_in(WAITING))
                    .exec(write.txn())
                    .await?;
                if claimed.rows_affected != 1 {
                    return Err(AppError::InvalidState(
                        "this run was started meanwhile".to_owned(),
                    ));
                }
                patrol_run::Model {
                    status: PatrolRunStatus::InProgress.as_str().to_owned(),
                    guard_id: Some(me),
                    started_at: Some(now),
                    next_position: 1,
                    checkpoint_count: count,
                    version: run.version + 1,
                    updated_at: now,
                    ..run
                }
            }
            None => {
                let run = patrol_run::Model {
                    id: Uuid::now_v7(),
                    route_id: route.id,
                    building_id: route.building_id,
                    post: route.post.clone(),
                    status: PatrolRunStatus::InProgress.as_str().to_owned(),
                    scheduled_at: None,
                    due_by: None,
                    guard_id: Some(me),
                    started_at: Some(now),
                    finished_at: None,
                    alerted_at: None,
                    next_position: 1,
                    checkpoint_count: count,
                    scanned_count: 0,
                    late_count: 0,
                    missed_count: 0,
                    abnormal_count: 0,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                patrol_run::Entity::insert(patrol_run::ActiveModel::from(run.clone()))
                    .exec_without_returning(write.txn())
                    .await?;
                run
            }
        };
        let items: Vec<patrol_run_checkpoint::Model> = checkpoints
            .iter()
            .map(|c| patrol_run_checkpoint::Model {
                id: Uuid::now_v7(),
                run_id: run.id,
                checkpoint_id: c.id,
                position: c.position,
                name: c.name.clone(),
                location: c.location.clone(),
                expected_at: now + Duration::minutes(i64::from(c.expected_minutes)),
                tolerance_minutes: c.tolerance_minutes,
                status: PatrolCheckpointStatus::Pending.as_str().to_owned(),
                scanned_at: None,
                scanned_by: None,
                finding: None,
                note: None,
                photo_url: None,
                work_order_id: None,
                rectification_id: None,
            })
            .collect();
        patrol_run_checkpoint::Entity::insert_many(
            items
                .iter()
                .cloned()
                .map(patrol_run_checkpoint::ActiveModel::from),
        )
        .exec_without_returning(write.txn())
        .await?;
        record(&mut write, &run, PatrolRunAction::Started, None)?;
        write.commit().await?;
        Ok((run, items))
    }

    /// Scans a checkpoint of the viewer's run, in order. See the README for the answers to
    /// bad scans; none of them writes anything.
    pub async fn scan(
        &self,
        scope: &Scope,
        scan: Scan,
    ) -> AppResult<(patrol_run::Model, patrol_run_checkpoint::Model)> {
        let me = scope.require_user()?;
        let facet = Self::facet(scope).await?;
        let run = patrol_run::Entity::find_by_id(scan.run_id)
            .one(self.db())
            .await?
            .filter(|r| facet.sees(r.building_id, &r.post))
            .ok_or_else(|| AppError::unknown_id("input.runId", "patrol run"))?;
        if run.guard_id != Some(me) {
            return Err(AppError::Forbidden(
                "only the run's guard scans its checkpoints".to_owned(),
            ));
        }
        if run.status != PatrolRunStatus::InProgress.as_str() {
            return Err(AppError::InvalidState(format!(
                "this run is {}, not in progress",
                run.status
            )));
        }
        let items = run_checkpoints_of(self.db(), &[run.id])
            .await?
            .remove(&run.id)
            .unwrap_or_default();
        let tag = patrol_checkpoint::Entity::find()
            .filter(patrol_checkpoint::Column::Code.eq(scan.code.as_str()))
            .filter(patrol_checkpoint::Column::RouteId.eq(run.route_id))
            .one(self.db())
            .await?;
        let Some(item) = tag.and_then(|tag| items.iter().find(|i| i.checkpoint_id == tag.id))
        else {
            return Err(AppError::bad_input(
                "input.code",
                "is not the code of a checkpoint of this run",
            ));
        };
        if item.status != PatrolCheckpointStatus::Pending.as_str() {
            return Err(AppError::Conflict {
                field: Some("input.code".to_owned()),
                message: format!("checkpoint {} was already scanned in this run", item.name),
            });
        }
        if item.position != run.next_position {
            let expected = items
                .iter()
                .find(|i| i.position == run.next_position)
                .map_or_else(|| "an earlier checkpoint".to_owned(), |i| i.name.clone());
            return Err(AppError::InvalidState(format!(
                "out of order: checkpoint {} is number {}; scan {} (number {}) first",
                item.name, item.position, expected, run.next_position
            )));
        }
        let abnormal = scan.finding == PatrolFinding::Abnormal;
        if let Some(category) = scan.work_category_id {
            let active = service_category::Entity::find_by_id(category)
                .one(self.db())
                .await?
                .is_some_and(|c| c.active);
            if !active {
                return Err(AppError::unknown_id(
                    "input.workCategoryId",
                    "service category",
                ));
            }
        }
        let responsible = if abnormal && scan.rectification {
            Some(
                first_manager(self.db(), run.building_id)
                    .await?
                    .ok_or_else(|| {
                        AppError::InvalidState(
                            "the building has no active manager to answer for a rectification"
                                .to_owned(),
                        )
                    })?,
            )
        } else {
            None
        };
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let tolerance = Duration::minutes(i64::from(item.tolerance_minutes));
        let late = now > item.expected_at + tolerance || now < item.expected_at - tolerance;
        let claimed = patrol_run::Entity::update_many()
            .col_expr(
                patrol_run::Column::NextPosition,
                Expr::value(item.position + 1),
            )
            .col_expr(
                patrol_run::Column::ScannedCount,
                Expr::col(patrol_run::Column::ScannedCount).add(1),
            )
            .col_expr(
                patrol_run::Column::LateCount,
                Expr::col(patrol_run::Column::LateCount).add(i32::from(late)),
            )
            .col_expr(
                patrol_run::Column::AbnormalCount,
                Expr::col(patrol_run::Column::AbnormalCount).add(i32::from(abnormal)),
            )
            .col_expr(
                patrol_run::Column::Version,
                Expr::col(patrol_run::Column::Version).add(1),
            )
            .col_expr(patrol_run::Column::UpdatedAt, Expr::value(now))
            .filter(patrol_run::Column::Id.eq(run.id))
            .filter(patrol_run::Column::Status.eq(PatrolRunStatus::InProgress.as_str()))
            .filter(patrol_run::Column::NextPosition.eq(item.position))
            .exec(write.txn())
            .await?;
        if claimed.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: Some("input.code".to_owned()),
                message: "the run changed meanwhile (another scan); reload it".to_owned(),
            });
        }
        let title: String = format!("Patrol: {} at {}", item.name, item.location)
            .chars()
            .take(200)
            .collect();
        let note = scan.note.clone().unwrap_or_default();
        let work_order_id = match (abnormal, scan.work_category_id) {
            (true, Some(category_id)) => Some(
                open_work_order(
                    &mut write,
                    OpenedElsewhere {
                        building_id: run.building_id,
                        location: item.location.chars().take(200).collect(),
                        category_id,
                        requester_id: me,
                        channel: WorkOrderChannel::Patrol,
                        title: title.clone(),
                        description: note.clone(),
                        asset_id: None,
                    },
                )
                .await
                .map_err(|err| err.on_field("input.workCategoryId"))?
                .id,
            ),
            _ => None,
        };
        let rectification_id = match responsible {
            Some(staff) => Some(
                open_rectification(
                    &mut write,
                    Some(me),
                    NewRectification {
                        building_id: run.building_id,
                        source: RectificationSource::Patrol,
                        source_id: Some(run.id),
                        responsible_staff_id: staff,
                        problem: format!("{title}: {note}"),
                        corrective_action: None,
                        due_at: now + Duration::days(RECTIFICATION_DAYS),
                        work_order_id,
                    },
                )
                .await?
                .id,
            ),
            None => None,
        };
        let status = if late {
            PatrolCheckpointStatus::Late
        } else {
            PatrolCheckpointStatus::Scanned
        };
        let scanned = patrol_run_checkpoint::Model {
            status: status.as_str().to_owned(),
            scanned_at: Some(now),
            scanned_by: Some(me),
            finding: Some(scan.finding.as_str().to_owned()),
            note: scan.note,
            photo_url: scan.photo_url,
            work_order_id,
            rectification_id,
            ..item.clone()
        };
        patrol_run_checkpoint::Entity::update_many()
            .col_expr(
                patrol_run_checkpoint::Column::Status,
                Expr::value(scanned.status.clone()),
            )
            .col_expr(patrol_run_checkpoint::Column::ScannedAt, Expr::value(now))
            .col_expr(patrol_run_checkpoint::Column::ScannedBy, Expr::value(me))
            .col_expr(
                patrol_run_checkpoint::Column::Finding,
                Expr::value(scanned.finding.clone()),
            )
            .col_expr(
                patrol_run_checkpoint::Column::Note,
                Expr::value(scanned.note.clone()),
            )
            .col_expr(
                patrol_run_checkpoint::Column::PhotoUrl,
                Expr::value(scanned.photo_url.clone()),
            )
            .col_expr(
                patrol_run_checkpoint::Column::WorkOrderId,
                Expr::value(work_order_id),
            )
            .col_expr(
                patrol_run_checkpoint::Column::RectificationId,
                Expr::value(rectification_id),
            )
            .filter(patrol_run_checkpoint::Column::Id.eq(item.id))
            .exec(write.txn())
            .await?;
        let run = patrol_run::Entity::find_by_id(run.id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::internal("a claimed patrol run vanished"))?;
        let action = if late {
            PatrolRunAction::Late
        } else {
            PatrolRunAction::Scanned
        };
        record(&mut write, &run, action, Some(&scanned))?;
        if abnormal {
            record(&mut write, &run, PatrolRunAction::Finding, Some(&scanned))?;
        }
        write.commit().await?;
        Ok((run, scanned))
    }

    /// Finishes a run in progress (its guard, the building's managers, administrators): every
    /// checkpoint not scanned is flagged `MISSED`.
    pub async fn finish(&self, scope: &Scope, id: Uuid) -> AppResult<RunView> {
        let me = scope.require_user()?;
        let facet = Self::facet(scope).await?;
        let run = patrol_run::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .filter(|r| facet.sees(r.building_id, &r.post))
            .ok_or_else(|| AppError::unknown_id("input.runId", "patrol run"))?;
        if run.guard_id != Some(me) && !facet.manages(run.building_id) {
            return Err(AppError::Forbidden(
                "only the run's guard, the building's managers and administrators finish a run"
                    .to_owned(),
            ));
        }
        if run.status != PatrolRunStatus::InProgress.as_str() {
            return Err(AppError::InvalidState(format!(
                "this run is {}, not in progress",
                run.status
            )));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let pending = PatrolCheckpointStatus::Pending.as_str();
        let missed = patrol_run_checkpoint::Entity::find()
            .filter(patrol_run_checkpoint::Column::RunId.eq(run.id))
            .filter(patrol_run_checkpoint::Column::Status.eq(pending))
            .order_by_asc(patrol_run_checkpoint::Column::Position)
            .all(write.txn())
            .await?;
        let missed_count = i32::try_from(missed.len()).unwrap_or(i32::MAX);
        let claimed = patrol_run::Entity::update_many()
            .col_expr(
                patrol_run::Column::Status,
                Expr::value(PatrolRunStatus::Finished.as_str()),
            )
            .col_expr(patrol_run::Column::FinishedAt, Expr::value(now))
            .col_expr(patrol_run::Column::MissedCount, Expr::value(missed_count))
            .col_expr(
                patrol_run::Column::Version,
                Expr::col(patrol_run::Column::Version).add(1),
            )
            .col_expr(patrol_run::Column::UpdatedAt, Expr::value(now))
            .filter(patrol_run::Column::Id.eq(run.id))
            .filter(patrol_run::Column::Status.eq(PatrolRunStatus::InProgress.as_str()))
            .filter(patrol_run::Column::Version.eq(run.version))
            .exec(write.txn())
            .await?;
        if claimed.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: None,
                message: "the run changed meanwhile; reload it and try again".to_owned(),
            });
        }
        patrol_run_checkpoint::Entity::update_many()
            .col_expr(
                patrol_run_checkpoint::Column::Status,
                Expr::value(PatrolCheckpointStatus::Missed.as_str()),
            )
            .filter(patrol_run_checkpoint::Column::RunId.eq(run.id))
            .filter(patrol_run_checkpoint::Column::Status.eq(pending))
            .exec(write.txn())
            .await?;
        let run = patrol_run::Entity::find_by_id(run.id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::internal("a claimed patrol run vanished"))?;
        for item in &missed {
            let item = patrol_run_checkpoint::Model {
                status: PatrolCheckpointStatus::Missed.as_str().to_owned(),
                ..item.clone()
            };
            record(&mut write, &run, PatrolRunAction::Missed, Some(&item))?;
        }
        record(&mut write, &run, PatrolRunAction::Finished, None)?;
        let items = patrol_run_checkpoint::Entity::find()
            .filter(patrol_run_checkpoint::Column::RunId.eq(run.id))
            .order_by_asc(patrol_run_checkpoint::Column::Position)
            .all(write.txn())
            .await?;
        write.commit().await?;
        Ok((run, items))
    }

    /// The job: makes the scheduled runs of every active route up to the horizon (each
    /// route's stretch claimed by a conditional update of `materialised_until`), then flags
    /// every scheduled run not started by its due time `NOT_STARTED` and alerts the building's
    /// managers (each run claimed by a conditional update of its status): once across
    /// instances. Returns the runs made plus the runs flagged.
    pub async fn sweep(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let horizon = now + Duration::hours(HORIZON_HOURS);
        let mut done = 0;
        let routes = patrol_route::Entity::find()
            .filter(patrol_route::Column::Active.eq(true))
            .filter(patrol_route::Column::MaterialisedUntil.lt(horizon))
            .all(self.db())
            .await?;
        for route in routes {
            let schedule = Schedule::from_stored(&route.schedule)?;
            let starts = schedule.occurrences(route.materialised_until, horizon);
            let write = Write::begin(self.state).await?;
            let claimed = patrol_route::Entity::update_many()
                .col_expr(
                    patrol_route::Column::MaterialisedUntil,
                    Expr::value(horizon),
                )
                .filter(patrol_route::Column::Id.eq(route.id))
                .filter(patrol_route::Column::MaterialisedUntil.eq(route.materialised_until))
                .filter(patrol_route::Column::Active.eq(true))
                .exec(write.txn())
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            let grace = Duration::minutes(i64::from(route.grace_minutes));
            let runs: Vec<patrol_run::ActiveModel> = starts
                .iter()
                .map(|at| {
                    patrol_run::ActiveModel::from(scheduled_run(&route, *at, *at + grace, now))
                })
                .collect();
            let made = runs.len();
            if !runs.is_empty() {
                patrol_run::Entity::insert_many(runs)
                    .on_conflict(
                        OnConflict::columns([
                            patrol_run::Column::RouteId,
                            patrol_run::Column::ScheduledAt,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .exec_without_returning(write.txn())
                    .await?;
            }
            write.commit().await?;
            done += made;
        }
        let late = patrol_run::Entity::find()
            .filter(patrol_run::Column::Status.eq(PatrolRunStatus::Scheduled.as_str()))
            .filter(patrol_run::Column::DueBy.lt(now))
            .order_by_asc(patrol_run::Column::DueBy)
            .all(self.db())
            .await?;
        for run in late {
            let managers = manager_users(self.db(), run.building_id).await?;
            let route_name = patrol_route::Entity::find_by_id(run.route_id)
                .one(self.db())
                .await?
                .map(|r| r.name)
                .unwrap_or_default();
            let mut write = Write::begin(self.state).await?;
            let claimed = patrol_run::Entity::update_many()
                .col_expr(
                    patrol_run::Column::Status,
                    Expr::value(PatrolRunStatus::NotStarted.as_str()),
                )
                .col_expr(patrol_run::Column::AlertedAt, Expr::value(now))
                .col_expr(
                    patrol_run::Column::Version,
                    Expr::col(patrol_run::Column::Version).add(1),
                )
                .col_expr(patrol_run::Column::UpdatedAt, Expr::value(now))
                .filter(patrol_run::Column::Id.eq(run.id))
                .filter(patrol_run::Column::Status.eq(PatrolRunStatus::Scheduled.as_str()))
                .filter(patrol_run::Column::AlertedAt.is_null())
                .exec(write.txn())
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            let flagged = patrol_run::Model {
                status: PatrolRunStatus::NotStarted.as_str().to_owned(),
                alerted_at: Some(now),
                version: run.version + 1,
                updated_at: now,
                ..run
            };
            record(&mut write, &flagged, PatrolRunAction::NotStarted, None)?;
            let when = flagged
                .scheduled_at
                .map(|at| at.format("%H:%M UTC").to_string())
                .unwrap_or_default();
            Notifier::notify(
                &mut write,
                managers,
                &Draft {
                    category: NotificationCategory::Patrol,
                    priority: NotificationPriority::Important,
                    kind: "NOT_STARTED".to_owned(),
                    title: "A patrol run was not started".to_owned(),
                    text: format!("{route_name}: the run due at {when} has not started"),
                    subject: SubjectRef {
                        kind: SUBJECT,
                        id: flagged.id,
                    },
                },
            )
            .await?;
            write.commit().await?;
            done += 1;
        }
        Ok(done)
    }
}

/// A new checkpoint at index `i` with a fresh random tag code.
fn fresh_checkpoint(route: Uuid, i: usize, c: NewCheckpoint) -> patrol_checkpoint::Model {
    patrol_checkpoint::Model {
        id: Uuid::now_v7(),
        route_id: route,
        position: i32::try_from(i + 1).unwrap_or(i32::MAX),
        name: c.name,
        location: c.location,
        code: new_code(),
        expected_minutes: c.expected_minutes,
        tolerance_minutes: c.tolerance_minutes,
        retired: false,
    }
}

/// A random tag code: `PT-` and 20 characters from an alphabet without look-alikes.
pub fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let body: String = (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("PT-{body}")
}

/// A scheduled run of `route` starting at `at`.
fn scheduled_run(
    route: &patrol_route::Model,
    at: DateTime<Utc>,
    due_by: DateTime<Utc>,
    now: DateTime<Utc>,
) -> patrol_run::Model {
    patrol_run::Model {
        id: Uuid::now_v7(),
        route_id: route.id,
        building_id: route.building_id,
        post: route.post.clone(),
        status: PatrolRunStatus::Scheduled.as_str().to_owned(),
        scheduled_at: Some(at),
        due_by: Some(due_by),
        guard_id: None,
        started_at: None,
        finished_at: None,
        alerted_at: None,
        next_position: 1,
        checkpoint_count: 0,
        scanned_count: 0,
        late_count: 0,
        missed_count: 0,
        abnormal_count: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Queues the live event of a run's change.
fn record(
    write: &mut Write<'_>,
    run: &patrol_run::Model,
    action: PatrolRunAction,
    checkpoint: Option<&patrol_run_checkpoint::Model>,
) -> AppResult<()> {
    let change = Change {
        run: run.clone(),
        action: action.as_str().to_owned(),
        checkpoint: checkpoint.cloned(),
    };
    write.event(
        Topic::Patrols,
        UPDATED,
        serde_json::to_value(&change).map_err(AppError::internal)?,
    );
    Ok(())
}

/// The current checkpoints of `routes`, in order, by route (one statement).
pub async fn checkpoints_of<C: ConnectionTrait>(
    db: &C,
    routes: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<patrol_checkpoint::Model>>> {
    let mut out: HashMap<Uuid, Vec<patrol_checkpoint::Model>> = HashMap::new();
    if routes.is_empty() {
        return Ok(out);
    }
    let rows = patrol_checkpoint::Entity::find()
        .filter(patrol_checkpoint::Column::RouteId.is_in(routes.iter().copied()))
        .filter(patrol_checkpoint::Column::Retired.eq(false))
        .order_by_asc(patrol_checkpoint::Column::Position)
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.route_id).or_default().push(row);
    }
    Ok(out)
}

/// The checkpoints of `runs`, in order, by run (one statement).
pub async fn run_checkpoints_of<C: ConnectionTrait>(
    db: &C,
    runs: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<patrol_run_checkpoint::Model>>> {
    let mut out: HashMap<Uuid, Vec<patrol_run_checkpoint::Model>> = HashMap::new();
    if runs.is_empty() {
        return Ok(out);
    }
    let rows = patrol_run_checkpoint::Entity::find()
        .filter(patrol_run_checkpoint::Column::RunId.is_in(runs.iter().copied()))
        .order_by_asc(patrol_run_checkpoint::Column::Position)
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.run_id).or_default().push(row);
    }
    Ok(out)
}

fn serving(building: Uuid) -> Condition {
    Condition::all()
        .add(staff_record::Column::Status.eq(ACTIVE_STAFF))
        .add(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
        .add(
            staff_record::Column::Id.in_subquery(
                Query::select()
                    .column(staff_building::Column::StaffId)
                    .from(staff_building::Entity)
                    .and_where(staff_building::Column::BuildingId.eq(building))
                    .to_owned(),
            ),
        )
}

/// The users of the active managers serving `building`.
async fn manager_users<C: ConnectionTrait>(db: &C, building: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(staff_record::Entity::find()
        .select_only()
        .column(staff_record::Column::UserId)
        .filter(serving(building))
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

/// The staff record of the building's first active manager by employee number.
async fn first_manager<C: ConnectionTrait>(db: &C, building: Uuid) -> AppResult<Option<Uuid>> {
    Ok(staff_record::Entity::find()
        .filter(serving(building))
        .order_by_asc(staff_record::Column::EmployeeNumber)
        .one(db)
        .await?
        .map(|r| r.id))
}
