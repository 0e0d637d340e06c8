//! The standard-compliance report: who may read it, the period it covers, and each figure with
//! the records behind it.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Query,
};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::{
        Role,
        guard::{holds_active_post, holds_any},
    },
    domains::{
        compliance::service::standings, estate::access::Scope, estate::types::StaffPost,
        surveys::facts::satisfaction, work_orders::types::IneligibleReason,
    },
    error::{AppError, AppResult},
};
use entity::{
    building, complaint, inspection, rectification, staff_building, staff_record, work_order,
    work_order_rating,
};

/// The longest period a report or the statistics cover, in days (`to - from`).
pub const MAX_SPAN_DAYS: i64 = 366;

/// An inspection not completed this long after its scheduled time counts as not done.
const INSPECTION_GRACE: Duration = Duration::hours(24);

/// The days a report covers: from the start of `from` to the end of `to` (UTC).
#[derive(Clone, Copy, Debug)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day (included).
    pub to: NaiveDate,
    /// The start of `from`.
    pub start: DateTime<Utc>,
    /// The start of the day after `to`.
    pub end: DateTime<Utc>,
}

impl Period {
    /// Checks the arguments `from` and `to`: `from` not after `to`, at most
    /// [`MAX_SPAN_DAYS`] apart; `BAD_USER_INPUT` on `to` otherwise.
    pub fn parse(from: NaiveDate, to: NaiveDate) -> AppResult<Period> {
        let problem = if from > to {
            Some("must not be before from")
        } else if (to - from).num_days() > MAX_SPAN_DAYS {
            Some("a period spans at most 366 days")
        } else {
            None
        };
        let end = match (problem, to.succ_opt()) {
            (Some(problem), _) => return Err(AppError::bad_input("to", problem)),
            (None, None) => return Err(AppError::bad_input("to", "is out of range")),
            (None, Some(end)) => end,
        };
        Ok(Period {
            from,
            to,
            start: from.and_time(NaiveTime::MIN).and_utc(),
            end: end.and_time(NaiveTime::MIN).and_utc(),
        })
    }
}

/// `FORBIDDEN` unless the viewer may read reports of `building` (the estate when `None`):
/// administrators and supervisors any, active managers the buildings they serve. An unknown
/// building is `NOT_FOUND` on `buildingId`.
pub async fn authorise(scope: &Scope, building: Option<Uuid>) -> AppResult<()> {
    scope.require_user()?;
    let overseer = holds_any(&scope.roles, &[Role::Admin, Role::Supervisor]);
    let manager = if overseer {
        None
    } else {
        let Some(staff) = holds_active_post(scope, StaffPost::Manager).await? else {
            return Err(AppError::Forbidden(
                "reports are for administrators, supervisors and managers".to_owned(),
            ));
        };
        Some(staff)
    };
    if let Some(id) = building
        && building::Entity::find_by_id(id).count(scope.db()).await? == 0
    {
        return Err(AppError::unknown_id("buildingId", "building"));
    }
    match (manager, building) {
        (None, _) => Ok(()),
        (Some(staff), Some(id)) if staff.served_buildings.contains(&id) => Ok(()),
        (Some(_), Some(_)) => Err(AppError::Forbidden(
            "managers read the reports of the buildings they serve".to_owned(),
        )),
        (Some(_), None) => Err(AppError::Forbidden(
            "the estate's report is for administrators and supervisors".to_owned(),
        )),
    }
}

/// How a record stands against a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Met the rule.
    Met,
    /// Missed it.
    Missed,
    /// Not judged yet (its deadline is still ahead).
    Pending,
}

/// The records behind one figure, by verdict, each list in the order the records were read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records that met the rule (the numerator).
    pub met: Vec<Uuid>,
    /// Records that missed it (with `met`, the denominator).
    pub missed: Vec<Uuid>,
    /// Records not judged yet.
    pub pending: Vec<Uuid>,
}

impl Tally {
    fn add(&mut self, id: Uuid, verdict: Verdict) {
        match verdict {
            Verdict::Met => self.met.push(id),
            Verdict::Missed => self.missed.push(id),
            Verdict::Pending => self.pending.push(id),
        }
    }

    fn met_unless(&mut self, id: Uuid, missed: bool) {
        self.add(
            id,
            if missed {
                Verdict::Missed
            } else {
                Verdict::Met
            },
        );
    }
}

/// Resident ratings of work orders.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ratings {
    /// Mean overall score (1–5), when there are ratings.
    pub average: Option<f64>,
    /// The orders rated.
    pub work_orders: Vec<Uuid>,
}

/// The standard-compliance report of a building or the estate over a period.
#[derive(Clone, Debug)]
pub struct Report {
    /// The building, or `None` for the estate.
    pub building: Option<Uuid>,
    /// The period.
    pub period: Period,
    /// The moment the records were judged at: the period's end, or now if earlier.
    pub judged_at: DateTime<Utc>,
    /// Staff (not `LEFT`) holding every certificate their post and groups require.
    pub staff_certified: Tally,
    /// Staff whose pre-job training is complete and in-service training current.
    pub staff_trained: Tally,
    /// Staff who acknowledged every policy version past its grace.
    pub policies_acknowledged: Tally,
    /// Announced inspections scheduled in the period: done (completed) or not.
    pub scheduled_inspections: Tally,
    /// Unannounced inspections scheduled in the period: done (completed) or not.
    pub unannounced_inspections: Tally,
    /// Complaints submitted in the period acknowledged by their deadline.
    pub complaints_acknowledged: Tally,
    /// Complaints submitted in the period first replied to within the reply window.
    pub complaints_replied: Tally,
    /// Rectifications due in the period verified by their due time.
    pub rectifications_on_time: Tally,
    /// Work orders submitted in the period (not cancelled or rejected) resolved within SLA.
    pub work_orders_within_sla: Tally,
    /// Ratings given in the period.
    pub ratings: Ratings,
    /// Mean of the survey SCALE answers (0–100) of responses from the building (or the
    /// estate) submitted in the period, when there are any.
    pub satisfaction_index: Option<f64>,
    /// Survey responses from the building (or the estate) submitted in the period.
    pub survey_responses: u64,
    /// Published surveys whose window overlaps the period and whose audience reaches the
    /// building (or any, for the estate).
    pub surveys_run: Vec<Uuid>,
}

/// Builds the report (the caller has checked access with [`authorise`]).
pub async fn report(state: &AppState, building: Option<Uuid>, period: Period) -> AppResult<Report> {
    let db = &state.db;
    let judged_at = Ord::min(state.clock.now(), period.end);
    let (staff_certified, staff_trained, policies_acknowledged) =
        staff_figures(db, building, judged_at).await?;
    let (scheduled_inspections, unannounced_inspections) =
        inspections(db, building, period, judged_at).await?;
    let reply_within = Duration::from_std(state.config.complaints.reply_within)
        .map_err(|e| AppError::internal(format!("reply window: {e}")))?;
    let (complaints_acknowledged, complaints_replied) =
        complaints(db, building, period, judged_at, reply_within).await?;
    let surveys = satisfaction(db, building, period.start, period.end).await?;
    Ok(Report {
        building,
        period,
        judged_at,
        staff_certified,
        staff_trained,
        policies_acknowledged,
        scheduled_inspections,
        unannounced_inspections,
        complaints_acknowledged,
        complaints_replied,
        rectifications_on_time: rectifications(db, building, period, judged_at).await?,
        work_orders_within_sla: work_orders(db, building, period, judged_at).await?,
        ratings: ratings(db, building, period).await?,
        satisfaction_index: surveys.index.map(round2),
        survey_responses: surveys.responses,
        surveys_run: surveys.surveys_run,
    })
}

/// The staff (not `LEFT`) serving `building`, or all, judged by the compliance rules.
async fn staff_figures<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    at: DateTime<Utc>,
) -> AppResult<(Tally, Tally, Tally)> {
    let mut query = staff_record::Entity::find()
        .filter(staff_record::Column::Status.ne("LEFT"))
        .order_by_asc(staff_record::Column::EmployeeNumber);
    if let Some(building) = building {
        query = query.filter(
            staff_record::Column::Id.in_subquery(
                Query::select()
                    .column(staff_building::Column::StaffId)
                    .from(staff_building::Entity)
                    .and_where(staff_building::Column::BuildingId.eq(building))
                    .to_owned(),
            ),
        );
    }
    let staff = query.all(db).await?;
    let (mut certified, mut trained, mut acknowledged) =
        (Tally::default(), Tally::default(), Tally::default());
    for standing in standings(db, staff, at).await? {
        let id = standing.record.id;
        let has = |reason: IneligibleReason| standing.reasons.contains(&reason);
        certified.met_unless(id, has(IneligibleReason::CertificateMissing));
        trained.met_unless(
            id,
            has(IneligibleReason::PreJobTrainingIncomplete)
                || has(IneligibleReason::InServiceTrainingLapsed),
        );
        acknowledged.met_unless(id, has(IneligibleReason::PolicyNotAcknowledged));
    }
    Ok((certified, trained, acknowledged))
}

/// Inspections scheduled in the period (not cancelled), by kind: done when completed, missed
/// when still not completed a day after their time.
async fn inspections<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
    at: DateTime<Utc>,
) -> AppResult<(Tally, Tally)> {
    let mut query = inspection::Entity::find()
        .select_only()
        .columns([
            inspection::Column::Id,
            inspection::Column::Kind,
            inspection::Column::Status,
            inspection::Column::ScheduledAt,
        ])
        .filter(inspection::Column::ScheduledAt.gte(period.start))
        .filter(inspection::Column::ScheduledAt.lt(period.end))
        .filter(inspection::Column::Status.ne("CANCELLED"))
        .order_by_asc(inspection::Column::ScheduledAt)
        .order_by_asc(inspection::Column::Id);
    if let Some(building) = building {
        query = query.filter(inspection::Column::BuildingId.eq(building));
    }
    let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = query.into_tuple().all(db).await?;
    let (mut scheduled, mut unannounced) = (Tally::default(), Tally::default());
    for (id, kind, status, when) in rows {
        let verdict = if status == "COMPLETED" {
            Verdict::Met
        } else if when + INSPECTION_GRACE <= at {
            Verdict::Missed
        } else {
            Verdict::Pending
        };
        if kind == "UNANNOUNCED" {
            unannounced.add(id, verdict);
        } else {
            scheduled.add(id, verdict);
        }
    }
    Ok((scheduled, unannounced))
}

/// Judges a step done at `done` (if yet) against `due`, at `at`.
fn judge(done: Option<DateTime<Utc>>, due: DateTime<Utc>, at: DateTime<Utc>) -> Verdict {
    match done {
        Some(done) if done <= due => Verdict::Met,
        Some(_) => Verdict::Missed,
        None if due < at => Verdict::Missed,
        None => Verdict::Pending,
    }
}

/// Complaints submitted in the period: acknowledged by `ack_due_at`, first replied within the
/// configured reply window of submission (a reopen's new deadline does not excuse a late first
/// reply).
async fn complaints<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
    at: DateTime<Utc>,
    reply_within: Duration,
) -> AppResult<(Tally, Tally)> {
    type Row = (
        Uuid,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let mut query = complaint::Entity::find()
        .select_only()
        .columns([
            complaint::Column::Id,
            complaint::Column::CreatedAt,
            complaint::Column::AckDueAt,
            complaint::Column::AcknowledgedAt,
            complaint::Column::FirstRepliedAt,
        ])
        .filter(complaint::Column::CreatedAt.gte(period.start))
        .filter(complaint::Column::CreatedAt.lt(period.end))
        .order_by_asc(complaint::Column::CreatedAt)
        .order_by_asc(complaint::Column::Id);
    if let Some(building) = building {
        query = query.filter(complaint::Column::BuildingId.eq(building));
    }
    let rows: Vec<Row> = query.into_tuple().all(db).await?;
    let (mut acknowledged, mut replied) = (Tally::default(), Tally::default());
    for (id, created, ack_due, ack, first_reply) in rows {
        acknowledged.add(id, judge(ack, ack_due, at));
        replied.add(id, judge(first_reply, created + reply_within, at));
    }
    Ok((acknowledged, replied))
}

/// Rectifications due in the period: on time when verified by their due time.
async fn rectifications<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
    at: DateTime<Utc>,
) -> AppResult<Tally> {
    let mut query = rectification::Entity::find()
        .select_only()
        .columns([
            rectification::Column::Id,
            rectification::Column::DueAt,
            rectification::Column::VerifiedAt,
        ])
        .filter(rectification::Column::DueAt.gte(period.start))
        .filter(rectification::Column::DueAt.lt(period.end))
        .order_by_asc(rectification::Column::DueAt)
        .order_by_asc(rectification::Column::Id);
    if let Some(building) = building {
        query = query.filter(rectification::Column::BuildingId.eq(building));
    }
    let rows: Vec<(Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> =
        query.into_tuple().all(db).await?;
    let mut tally = Tally::default();
    for (id, due, verified) in rows {
        tally.add(id, judge(verified, due, at));
    }
    Ok(tally)
}

/// Work orders submitted in the period, not cancelled or rejected: within SLA when resolved
/// with neither deadline breached (by the breach flags or the recorded times); missed when
/// either was; pending while neither deadline has passed (or the clocks are paused).
async fn work_orders<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
    at: DateTime<Utc>,
) -> AppResult<Tally> {
    type Row = (
        Uuid,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        bool,
        bool,
    );
    let mut query = work_order::Entity::find()
        .select_only()
        .columns([
            work_order::Column::Id,
            work_order::Column::ResponseDueAt,
            work_order::Column::ResolutionDueAt,
            work_order::Column::FirstResponseAt,
            work_order::Column::ResolvedAt,
            work_order::Column::PausedAt,
            work_order::Column::ResponseBreached,
            work_order::Column::ResolutionBreached,
        ])
        .filter(work_order::Column::CreatedAt.gte(period.start))
        .filter(work_order::Column::CreatedAt.lt(period.end))
        .filter(work_order::Column::Status.is_not_in(["CANCELLED", "REJECTED"]))
        .order_by_asc(work_order::Column::Id);
    if let Some(building) = building {
        query = query.filter(work_order::Column::BuildingId.eq(building));
    }
    let rows: Vec<Row> = query.into_tuple().all(db).await?;
    let mut tally = Tally::default();
    for (id, response_due, resolution_due, responded, resolved, paused, r_breach, s_breach) in rows
    {
        let running = if paused.is_some() {
            // The clocks stand still: the deadlines move on when it resumes.
            DateTime::<Utc>::MIN_UTC
        } else {
            at
        };
        let response = judge(responded, response_due, running);
        let resolution = judge(resolved, resolution_due, running);
        let verdict =
            if r_breach || s_breach || response == Verdict::Missed || resolution == Verdict::Missed
            {
                Verdict::Missed
            } else if resolution == Verdict::Met {
                Verdict::Met
            } else {
                Verdict::Pending
            };
        tally.add(id, verdict);
    }
    Ok(tally)
}

/// Ratings given in the period to orders of the building (or any).
async fn ratings<C: ConnectionTrait>(
    db: &C,
    building: Option<Uuid>,
    period: Period,
) -> AppResult<Ratings> {
    let mut query = work_order_rating::Entity::find()
        .select_only()
        .columns([
            work_order_rating::Column::WorkOrderId,
            work_order_rating::Column::Score,
        ])
        .filter(work_order_rating::Column::CreatedAt.gte(period.start))
        .filter(work_order_rating::Column::CreatedAt.lt(period.end))
        .order_by_asc(work_order_rating::Column::WorkOrderId);
    if let Some(building) = building {
        query = query.filter(
            work_order_rating::Column::WorkOrderId.in_subquery(
                Query::select()
                    .column(work_order::Column::Id)
                    .from(work_order::Entity)
                    .and_where(work_order::Column::BuildingId.eq(building))
                    .to_owned(),
            ),
        );
    }
    let rows: Vec<(Uuid, i16)> = query.into_tuple().all(db).await?;
    let sum: i64 = rows.iter().map(|(_, score)| i64::from(*score)).sum();
    let count = rows.len();
    Ok(Ratings {
        average: (count > 0).then(|| round2(sum as f64 / count as f64)),
        work_orders: rows.into_iter().map(|(id, _)| id).collect(),
    })
}

/// `value` rounded to two decimals.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
