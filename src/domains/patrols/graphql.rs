//! GraphQL surface of patrols: routes, runs, scans and the security office feed.

use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use futures_util::Stream;

use super::{
    access::Patrols,
    schedule::{MAX_INTERVAL, MAX_START_TIMES, MIN_INTERVAL, Schedule, Window, parse_time},
    service::{
        Change, MAX_CHECKPOINTS, NewCheckpoint, NewRoute, PatrolService, RouteChanges, RouteFilter,
        RunFilter, Scan, StartTarget, UPDATED,
    },
    types::{
        PatrolFinding, PatrolPost, PatrolRoute, PatrolRun, PatrolRunAction, PatrolRunCheckpoint,
        PatrolRunEvent, PatrolRunStatus, PatrolWeekday,
    },
};
use crate::{
    error::AppError,
    events::{
        Topic,
        live::{LiveEvent, judged},
        log::parse_cursor,
    },
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        text::Text,
    },
};

/// Longest checkpoint or route name, and location.
const MAX_NAME: usize = 200;
/// Longest finding note.
const MAX_NOTE: usize = 2000;
/// Longest tag code.
const MAX_CODE: usize = 64;
/// Longest photo URL.
const MAX_URL: usize = 2000;
/// Latest expected minute of a checkpoint after the start.
const MAX_EXPECTED: i32 = 1440;
/// Largest tolerance and grace, in minutes.
const MAX_TOLERANCE: i32 = 240;
/// Tolerance when none is given.
const DEFAULT_TOLERANCE: i32 = 10;
/// Grace when none is given.
const DEFAULT_GRACE: i32 = 15;

/// When a route's runs start. Either `startTimes` or the window (`windowStart`, `windowEnd`,
/// `intervalMinutes`), not both. Times are `HH:MM`, UTC.
#[derive(InputObject)]
pub struct PatrolScheduleInput {
    /// Days on which runs start (for a window: the day it opens); 1–7 distinct days.
    pub days: Vec<PatrolWeekday>,
    /// Fixed start times (1–24, distinct), e.g. `["08:00", "20:00"]`.
    pub start_times: Option<Vec<String>>,
    /// The window's opening: the first run starts here.
    pub window_start: Option<String>,
    /// The window's closing (at or before the opening: the next day); no run starts at or
    /// after it. `22:00`–`06:00` every 120 minutes starts runs at 22:00, 00:00, 02:00, 04:00.
    pub window_end: Option<String>,
    /// Minutes between runs in the window (15–720).
    pub interval_minutes: Option<i32>,
}

/// A checkpoint of a route.
#[derive(InputObject)]
pub struct PatrolCheckpointInput {
    /// In `updatePatrolRoute`: an existing checkpoint of the route to keep (with its tag
    /// code). Left out: a new checkpoint with a new random tag code.
    pub id: Option<ID>,
    /// Name (1–200 characters).
    pub name: String,
    /// Where it is (1–200 characters).
    pub location: String,
    /// Minutes after the run's start it is expected at (0–1440; never less than the previous
    /// checkpoint's).
    pub expected_minutes: i32,
    /// Minutes either side of the expected time still on time (0–240; 10 when left out).
    pub tolerance_minutes: Option<i32>,
}

/// Input of `createPatrolRoute`.
#[derive(InputObject)]
pub struct CreatePatrolRouteInput {
    /// The building.
    pub building_id: ID,
    /// Name (1–200 characters).
    pub name: String,
    /// The post that walks it.
    pub post: PatrolPost,
    /// When its runs start.
    pub schedule: PatrolScheduleInput,
    /// Minutes after a scheduled start before the run is `NOT_STARTED` (0–240; 15 when left
    /// out).
    pub grace_minutes: Option<i32>,
    /// The checkpoints in order (1–50).
    pub checkpoints: Vec<PatrolCheckpointInput>,
}

/// Input of `updatePatrolRoute`: what is left out stays.
#[derive(InputObject)]
pub struct UpdatePatrolRouteInput {
    /// The route.
    pub id: ID,
    /// Name.
    pub name: Option<String>,
    /// A new schedule: future scheduled runs not yet started are made again.
    pub schedule: Option<PatrolScheduleInput>,
    /// A new grace (as for a new schedule).
    pub grace_minutes: Option<i32>,
    /// `false` stops scheduling (future scheduled runs are dropped); `true` resumes.
    pub active: Option<bool>,
    /// The whole new list of checkpoints, in order (1–50); runs under way keep theirs.
    pub checkpoints: Option<Vec<PatrolCheckpointInput>>,
}

/// Input of `startPatrolRun`: exactly one of `routeId` and `runId`.
#[derive(InputObject)]
pub struct StartPatrolRunInput {
    /// The route: its run due now (scheduled, not yet started, starting within the route's
    /// grace from now; the latest such), or else a new ad hoc run.
    pub route_id: Option<ID>,
    /// A scheduled run (`SCHEDULED` or `NOT_STARTED`).
    pub run_id: Option<ID>,
}

/// Input of `scanCheckpoint`.
#[derive(InputObject)]
pub struct ScanCheckpointInput {
    /// Your run in progress.
    pub run_id: ID,
    /// The code read from the checkpoint's QR or NFC tag.
    pub code: String,
    /// What you found (`NORMAL` when left out).
    pub finding: Option<PatrolFinding>,
    /// A note (up to 2000 characters; required for `ABNORMAL`).
    pub note: Option<String>,
    /// A photo, as an `https://` URL.
    pub photo_url: Option<String>,
    /// `ABNORMAL` only: open a work order in this active service category.
    pub work_category_id: Option<ID>,
    /// `ABNORMAL` only: open a rectification (the building's first active manager answers
    /// for it). An abnormal finding needs a work category, this, or both.
    pub open_rectification: Option<bool>,
}

/// Input naming a run.
#[derive(InputObject)]
pub struct FinishPatrolRunInput {
    /// The run in progress.
    pub run_id: ID,
}

/// Filter of `patrolRoutes`.
#[derive(InputObject, Default)]
pub struct PatrolRouteFilter {
    /// Only this building.
    pub building_id: Option<ID>,
    /// Only this post.
    pub post: Option<PatrolPost>,
    /// Only active (or inactive) routes.
    pub active: Option<bool>,
}

/// Filter of `patrolRuns`.
#[derive(InputObject, Default)]
pub struct PatrolRunFilter {
    /// Only this building.
    pub building_id: Option<ID>,
    /// Only this route.
    pub route_id: Option<ID>,
    /// Only these statuses.
    pub statuses: Option<Vec<PatrolRunStatus>>,
}

/// Result of a route change.
#[derive(SimpleObject)]
pub struct PatrolRoutePayload {
    /// The route after the change.
    pub route: PatrolRoute,
}

/// Result of starting or finishing a run.
#[derive(SimpleObject)]
pub struct PatrolRunPayload {
    /// The run after the change.
    pub run: PatrolRun,
}

/// Result of a scan.
#[derive(SimpleObject)]
pub struct PatrolScanPayload {
    /// The run after the scan.
    pub run: PatrolRun,
    /// The checkpoint scanned, with its status (`SCANNED` or `LATE`) and finding.
    pub checkpoint: PatrolRunCheckpoint,
}

fn parse_schedule(
    check: &mut Checks,
    field: &str,
    input: &PatrolScheduleInput,
) -> Option<Schedule> {
    let days: HashSet<PatrolWeekday> = input.days.iter().copied().collect();
    check.rule(
        !input.days.is_empty() && days.len() == input.days.len(),
        &format!("{field}.days"),
        "takes 1 to 7 distinct days",
    );
    let window = input.window_start.is_some()
        || input.window_end.is_some()
        || input.interval_minutes.is_some();
    let times = input.start_times.as_ref().is_some_and(|t| !t.is_empty());
    check.rule(
        times != window,
        field,
        "takes either startTimes or windowStart, windowEnd and intervalMinutes",
    );
    let mut ok = true;
    let mut start_times = Vec::new();
    if let Some(list) = &input.start_times {
        let distinct: HashSet<&String> = list.iter().collect();
        let good = list.len() <= MAX_START_TIMES
            && distinct.len() == list.len()
            && list.iter().all(|t| parse_time(t).is_some());
        check.rule(
            good,
            &format!("{field}.startTimes"),
            "takes at most 24 distinct times, each HH:MM (00:00–23:59)",
        );
        ok &= good;
        start_times = list.clone();
        start_times.sort();
    }
    let mut parsed_window = None;
    if window {
        let mut part = |name: &str, raw: &Option<String>| {
            let good = raw.as_deref().and_then(parse_time).is_some();
            check.rule(
                good,
                &format!("{field}.{name}"),
                "must be a time HH:MM (00:00–23:59)",
            );
            good
        };
        let start_ok = part("windowStart", &input.window_start);
        let end_ok = part("windowEnd", &input.window_end);
        let interval = input.interval_minutes.unwrap_or(0);
        let interval_ok = (MIN_INTERVAL..=MAX_INTERVAL).contains(&interval);
        check.rule(
            interval_ok,
            &format!("{field}.intervalMinutes"),
            "must be between 15 and 720",
        );
        ok &= start_ok && end_ok && interval_ok;
        if ok {
            parsed_window = Some(Window {
                start: input.window_start.clone().unwrap_or_default(),
                end: input.window_end.clone().unwrap_or_default(),
                interval,
            });
        }
    }
    let mut days: Vec<PatrolWeekday> = days.into_iter().collect();
    days.sort_by_key(|d| PatrolWeekday::ALL.iter().position(|x| x == d));
    ok.then(|| Schedule {
        days: days.iter().map(|d| d.as_str().to_owned()).collect(),
        start_times,
        window: parsed_window,
    })
}

fn parse_checkpoints(
    check: &mut Checks,
    field: &str,
    list: &[PatrolCheckpointInput],
) -> Vec<NewCheckpoint> {
    check.rule(
        (1..=MAX_CHECKPOINTS).contains(&list.len()),
        field,
        "takes 1 to 50 checkpoints",
    );
    let mut out = Vec::with_capacity(list.len());
    let mut previous = 0;
    let mut ids = HashSet::new();
    for (i, c) in list.iter().enumerate() {
        let at = |name: &str| format!("{field}[{i}].{name}");
        let id = check.field(parse_opt_id(&at("id"), c.id.as_ref()));
        if let Some(Some(id)) = id {
            check.rule(ids.insert(id), &at("id"), "names a checkpoint twice");
        }
        let name = check.field(Text::<MAX_NAME>::parse(&at("name"), &c.name));
        let location = check.field(Text::<MAX_NAME>::parse(&at("location"), &c.location));
        check.rule(
            (0..=MAX_EXPECTED).contains(&c.expected_minutes),
            &at("expectedMinutes"),
            "must be between 0 and 1440",
        );
        check.rule(
            c.expected_minutes >= previous,
            &at("expectedMinutes"),
            "must not be earlier than the previous checkpoint's",
        );
        previous = c.expected_minutes;
        let tolerance = c.tolerance_minutes.unwrap_or(DEFAULT_TOLERANCE);
        check.rule(
            (0..=MAX_TOLERANCE).contains(&tolerance),
            &at("toleranceMinutes"),
            "must be between 0 and 240",
        );
        if let (Some(id), Some(name), Some(location)) = (id, name, location) {
            out.push(NewCheckpoint {
                id,
                name: name.into_inner(),
                location: location.into_inner(),
                expected_minutes: c.expected_minutes,
                tolerance_minutes: tolerance,
            });
        }
    }
    out
}

fn grace_rule(check: &mut Checks, grace: i32) {
    check.rule(
        (0..=MAX_TOLERANCE).contains(&grace),
        "input.graceMinutes",
        "must be between 0 and 240",
    );
}

/// Whether `url` is an `https://` URL of sane length without spaces or control characters.
fn https_url(url: &str) -> bool {
    url.starts_with("https://")
        && url.len() > "https://".len()
        && url.len() <= MAX_URL
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn route_payload(view: super::service::RouteView) -> async_graphql::Result<PatrolRoutePayload> {
    let (model, checkpoints, codes) = view;
    Ok(PatrolRoutePayload {
        route: PatrolRoute::new(model, checkpoints, codes)?,
    })
}

/// Patrol queries.
#[derive(Default)]
pub struct PatrolQuery;

#[Object]
impl PatrolQuery {
    /// The patrol routes you may see, newest first: the building's staff of the route's post,
    /// its managers, supervisors and administrators. Tag codes only for managers and
    /// administrators.
    async fn patrol_routes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<PatrolRouteFilter>,
    ) -> async_graphql::Result<CountedConnection<PatrolRoute>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let building = parse_opt_id("filter.buildingId", filter.building_id.as_ref())?;
        let scope = ctx.scope().await?;
        let page = PatrolService::new(ctx.state())
            .routes(
                scope,
                RouteFilter {
                    building_id: building,
                    post: filter.post,
                    active: filter.active,
                },
                &page,
            )
            .await?;
        Ok(
            page.try_into_counted_connection(|(model, checkpoints, codes)| {
                PatrolRoute::new(model, checkpoints, codes)
            })?,
        )
    }

    /// One patrol route you may see.
    async fn patrol_route(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<PatrolRoute> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, checkpoints, codes) = PatrolService::new(ctx.state()).route(scope, id).await?;
        Ok(PatrolRoute::new(model, checkpoints, codes)?)
    }

    /// The patrol runs you may see (as routes), newest first.
    async fn patrol_runs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<PatrolRunFilter>,
    ) -> async_graphql::Result<CountedConnection<PatrolRun>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let mut check = Checks::new();
        let building = check.field(parse_opt_id(
            "filter.buildingId",
            filter.building_id.as_ref(),
        ));
        let route = check.field(parse_opt_id("filter.routeId", filter.route_id.as_ref()));
        let (building, route) = check.finish(|| Some((building?, route?)))?;
        let scope = ctx.scope().await?;
        let page = PatrolService::new(ctx.state())
            .runs(
                scope,
                RunFilter {
                    building_id: building,
                    route_id: route,
                    statuses: filter.statuses,
                },
                &page,
            )
            .await?;
        Ok(page.into_counted_connection(|(model, items)| PatrolRun::new(model, Some(items))))
    }

    /// One patrol run you may see.
    async fn patrol_run(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<PatrolRun> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = PatrolService::new(ctx.state()).run(scope, id).await?;
        Ok(PatrolRun::new(model, None))
    }
}

/// Patrol mutations.
#[derive(Default)]
pub struct PatrolMutation;

#[Object]
impl PatrolMutation {
    /// Makes a patrol route (the building's active managers and administrators); each
    /// checkpoint gets a random tag code. The `patrol-runs` job makes its scheduled runs.
    async fn create_patrol_route(
        &self,
        ctx: &Context<'_>,
        input: CreatePatrolRouteInput,
    ) -> async_graphql::Result<PatrolRoutePayload> {
        let mut check = Checks::new();
        let building = check.field(parse_id("input.buildingId", &input.building_id));
        let name = check.field(Text::<MAX_NAME>::parse("input.name", &input.name));
        let schedule = parse_schedule(&mut check, "input.schedule", &input.schedule);
        let grace = input.grace_minutes.unwrap_or(DEFAULT_GRACE);
        grace_rule(&mut check, grace);
        let checkpoints = parse_checkpoints(&mut check, "input.checkpoints", &input.checkpoints);
        for (i, c) in checkpoints.iter().enumerate() {
            check.rule(
                c.id.is_none(),
                &format!("input.checkpoints[{i}].id"),
                "a new route has only new checkpoints",
            );
        }
        let new = check.finish(|| {
            Some(NewRoute {
                building_id: building?,
                name: name?.into_inner(),
                post: input.post,
                schedule: schedule?,
                grace_minutes: grace,
                checkpoints,
            })
        })?;
        let scope = ctx.scope().await?;
        route_payload(
            PatrolService::new(ctx.state())
                .create_route(scope, new)
                .await?,
        )
    }

    /// Changes a patrol route (the building's active managers and administrators).
    async fn update_patrol_route(
        &self,
        ctx: &Context<'_>,
        input: UpdatePatrolRouteInput,
    ) -> async_graphql::Result<PatrolRoutePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let name = check.field(Text::<MAX_NAME>::parse_opt(
            "input.name",
            input.name.as_deref(),
        ));
        let schedule = input
            .schedule
            .as_ref()
            .map(|s| parse_schedule(&mut check, "input.schedule", s));
        if let Some(grace) = input.grace_minutes {
            grace_rule(&mut check, grace);
        }
        let checkpoints = input
            .checkpoints
            .as_ref()
            .map(|list| parse_checkpoints(&mut check, "input.checkpoints", list));
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                RouteChanges {
                    name: name?.map(Text::into_inner),
                    schedule: match schedule {
                        Some(parsed) => Some(parsed?),
                        None => None,
                    },
                    grace_minutes: input.grace_minutes,
                    active: input.active,
                    checkpoints,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        route_payload(
            PatrolService::new(ctx.state())
                .update_route(scope, id, changes)
                .await?,
        )
    }

    /// Starts a patrol run (active staff with the route's post serving the building): a
    /// scheduled run by `runId`, or by `routeId` the run due now or a new ad hoc one. The
    /// run's checkpoints are expected at its start plus their minutes.
    async fn start_patrol_run(
        &self,
        ctx: &Context<'_>,
        input: StartPatrolRunInput,
    ) -> async_graphql::Result<PatrolRunPayload> {
        let mut check = Checks::new();
        let route = check.field(parse_opt_id("input.routeId", input.route_id.as_ref()));
        let run = check.field(parse_opt_id("input.runId", input.run_id.as_ref()));
        check.rule(
            input.route_id.is_some() != input.run_id.is_some(),
            "input",
            "takes exactly one of routeId and runId",
        );
        let target = check.finish(|| match (route?, run?) {
            (Some(route), None) => Some(StartTarget::Route(route)),
            (None, Some(run)) => Some(StartTarget::Run(run)),
            _ => None,
        })?;
        let scope = ctx.scope().await?;
        let (model, items) = PatrolService::new(ctx.state()).start(scope, target).await?;
        Ok(PatrolRunPayload {
            run: PatrolRun::new(model, Some(items)),
        })
    }

    /// Scans a checkpoint of your run, in order. A scan outside the checkpoint's window is
    /// recorded and flagged `LATE`. An `ABNORMAL` finding opens a work order (channel
    /// `PATROL`) and/or a rectification (source `PATROL`) in the same transaction. Refused
    /// with nothing written: an unknown code or one of another route `BAD_USER_INPUT` on
    /// `input.code`; a checkpoint already scanned `CONFLICT` on `input.code`; a checkpoint out
    /// of order `INVALID_STATE` (the message names the one to scan next); someone else's run
    /// `FORBIDDEN`; a run not in progress `INVALID_STATE`.
    async fn scan_checkpoint(
        &self,
        ctx: &Context<'_>,
        input: ScanCheckpointInput,
    ) -> async_graphql::Result<PatrolScanPayload> {
        let mut check = Checks::new();
        let run = check.field(parse_id("input.runId", &input.run_id));
        let code = check.field(Text::<MAX_CODE>::parse("input.code", &input.code));
        let note = check.field(Text::<MAX_NOTE>::parse_opt(
            "input.note",
            input.note.as_deref(),
        ));
        if let Some(url) = &input.photo_url {
            check.rule(https_url(url), "input.photoUrl", "must be an https:// URL");
        }
        let category = check.field(parse_opt_id(
            "input.workCategoryId",
            input.work_category_id.as_ref(),
        ));
        let finding = input.finding.unwrap_or(PatrolFinding::Normal);
        let rectification = input.open_rectification.unwrap_or(false);
        if finding == PatrolFinding::Abnormal {
            check.rule(
                input.note.is_some(),
                "input.note",
                "an ABNORMAL finding needs a note",
            );
            check.rule(
                input.work_category_id.is_some() || rectification,
                "input.workCategoryId",
                "an ABNORMAL finding opens a work order (workCategoryId) or a rectification \
                 (openRectification)",
            );
        } else {
            check.rule(
                input.work_category_id.is_none() && !rectification,
                "input.finding",
                "only an ABNORMAL finding opens a work order or a rectification",
            );
        }
        let scan = check.finish(|| {
            Some(Scan {
                run_id: run?,
                code: code?.into_inner(),
                finding,
                note: note?.map(Text::into_inner),
                photo_url: input.photo_url.clone(),
                work_category_id: category?,
                rectification,
            })
        })?;
        let scope = ctx.scope().await?;
        let (model, item) = PatrolService::new(ctx.state()).scan(scope, scan).await?;
        Ok(PatrolScanPayload {
            run: PatrolRun::new(model, None),
            checkpoint: PatrolRunCheckpoint::try_from_model(item)?,
        })
    }

    /// Finishes a run in progress (its guard, the building's managers, administrators): every
    /// checkpoint not scanned is flagged `MISSED`.
    async fn finish_patrol_run(
        &self,
        ctx: &Context<'_>,
        input: FinishPatrolRunInput,
    ) -> async_graphql::Result<PatrolRunPayload> {
        let id = parse_id("input.runId", &input.run_id)?;
        let scope = ctx.scope().await?;
        let (model, items) = PatrolService::new(ctx.state()).finish(scope, id).await?;
        Ok(PatrolRunPayload {
            run: PatrolRun::new(model, Some(items)),
        })
    }
}

/// Patrol subscriptions.
#[derive(Default)]
pub struct PatrolSubscription;

#[Subscription]
impl PatrolSubscription {
    /// A building's patrol runs, live, for its security office (the building's managers and
    /// its staff of a patrol post, supervisors, administrators): runs started, checkpoints
    /// scanned, late or missed, findings, runs finished and runs not started in time. Each
    /// event is judged by your access when it is delivered (staff get their own post's runs
    /// only). With `after` (a cursor from an earlier event) the events since then come first,
    /// in order, with no gap and no duplicate.
    async fn patrol_run_updated(
        &self,
        ctx: &Context<'_>,
        building_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<PatrolRunEvent>> + use<>>
    {
        let building = parse_id("buildingId", &building_id)?;
        let me = ctx.require_user()?.id;
        let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
        let state = ctx.state().clone();
        {
            let scope = state.scopes.get(&state, me).await?;
            if !scope.facet::<Patrols>().await?.follows(building) {
                return Err(AppError::NotFound("building").into());
            }
        }
        let stream = judged(
            &state,
            me,
            Topic::Patrols,
            after,
            move |_state, scope, event: LiveEvent<Change>| async move {
                if event.kind != UPDATED || event.payload.run.building_id != building {
                    return Ok(None);
                }
                let facet = scope.facet::<Patrols>().await?;
                let run = event.payload.run;
                if !facet.sees(run.building_id, &run.post) {
                    return Ok(None);
                }
                Ok(Some(PatrolRunEvent {
                    cursor: event.cursor,
                    action: PatrolRunAction::from_stored(&event.payload.action)?,
                    run: PatrolRun::new(run, None),
                    checkpoint: event
                        .payload
                        .checkpoint
                        .map(PatrolRunCheckpoint::try_from_model)
                        .transpose()?,
                }))
            },
        )
        .await?;
        Ok(stream)
    }
}
