//! GraphQL surface of reports: `standardComplianceReport` and `serviceStatistics`.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    service::{Period, Report, Tally, authorise, report, round2},
    statistics::{OpenCount, Share, Spread, Statistics, statistics},
};
use crate::{
    auth::guard::require_admin,
    error::AppResult,
    graphql::{ContextExt, checks::Checks, ids::parse_opt_id, scalars::Date},
};

/// One figure of the report: how many of the records judged met the standard, and which.
#[derive(SimpleObject, Clone, Debug)]
pub struct ComplianceFigure {
    /// Records that met the standard.
    pub numerator: i32,
    /// Records judged: those that met it and those that missed it (not those still pending).
    pub denominator: i32,
    /// `numerator / denominator` in percent, to two decimals; null when nothing was judged.
    pub percentage: Option<f64>,
    /// The records that met it, by id.
    pub met_ids: Vec<ID>,
    /// The records that missed it, by id.
    pub missed_ids: Vec<ID>,
    /// The records not judged yet (their deadline is still ahead), by id.
    pub pending_ids: Vec<ID>,
}

fn ids(ids: &[Uuid]) -> Vec<ID> {
    ids.iter().map(|id| ID(id.to_string())).collect()
}

fn percentage(part: i64, whole: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| round2(part as f64 * 100.0 / whole as f64))
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<&Tally> for ComplianceFigure {
    fn from(tally: &Tally) -> Self {
        let met = tally.met.len();
        let judged = met + tally.missed.len();
        ComplianceFigure {
            numerator: count(met),
            denominator: count(judged),
            percentage: percentage(
                i64::try_from(met).unwrap_or(i64::MAX),
                i64::try_from(judged).unwrap_or(i64::MAX),
            ),
            met_ids: ids(&tally.met),
            missed_ids: ids(&tally.missed),
            pending_ids: ids(&tally.pending),
        }
    }
}

/// How a building, or the estate, met the service standard over a period. Every figure lists
/// the records behind it by id (staff records, inspections, complaints, rectifications, work
/// orders: each readable again through its own query or `node`).
#[derive(SimpleObject, Clone, Debug)]
pub struct StandardComplianceReport {
    /// The building; null for the whole estate.
    pub building_id: Option<ID>,
    /// First day of the period.
    pub from: Date,
    /// Last day of the period (included).
    pub to: Date,
    /// When the records were judged: the end of the period, or now if the period is not over.
    pub judged_at: DateTime<Utc>,
    /// Staff (not `LEFT`) serving the building holding every certificate their post and
    /// groups require (staff record ids).
    pub staff_with_valid_certificates: ComplianceFigure,
    /// Staff whose pre-job training is complete and in-service training current.
    pub staff_with_training_current: ComplianceFigure,
    /// Staff who acknowledged every policy version past its grace period.
    pub staff_with_policies_acknowledged: ComplianceFigure,
    /// Announced inspections scheduled in the period (not cancelled) that were completed
    /// (inspection ids); one not completed a day after its time is missed.
    pub scheduled_inspections_done: ComplianceFigure,
    /// Unannounced inspections scheduled in the period that were completed.
    pub unannounced_inspections_done: ComplianceFigure,
    /// Complaints submitted in the period acknowledged by their deadline (the configured
    /// acknowledgement window; complaint ids).
    pub complaints_acknowledged_in_time: ComplianceFigure,
    /// Complaints submitted in the period first replied to within the configured reply window
    /// of submission.
    pub complaints_replied_in_time: ComplianceFigure,
    /// Rectifications due in the period verified by their due time (rectification ids).
    pub rectifications_closed_on_time: ComplianceFigure,
    /// Work orders submitted in the period (not cancelled or rejected) resolved with neither
    /// the response nor the resolution deadline breached (work order ids).
    pub work_orders_within_sla: ComplianceFigure,
    /// Mean overall rating (1–5, two decimals) of the ratings given in the period; null when
    /// none.
    pub rating_average: Option<f64>,
    /// The work orders those ratings are of.
    pub rated_work_order_ids: Vec<ID>,
    /// The satisfaction index: the mean of the survey scale answers (each on 0–100) of the
    /// responses from the building (or the estate) submitted in the period, two decimals; null
    /// when none.
    pub satisfaction_index: Option<f64>,
    /// Those responses (counted; anonymous responses name no one).
    pub survey_responses: i32,
    /// Surveys run: published surveys whose window overlaps the period and whose audience
    /// reaches the building (or any, for the estate).
    pub surveys_run: i32,
    /// Their ids.
    pub surveys_run_ids: Vec<ID>,
}

impl From<Report> for StandardComplianceReport {
    fn from(report: Report) -> Self {
        StandardComplianceReport {
            building_id: report.building.map(|id| ID(id.to_string())),
            from: Date(report.period.from),
            to: Date(report.period.to),
            judged_at: report.judged_at,
            staff_with_valid_certificates: (&report.staff_certified).into(),
            staff_with_training_current: (&report.staff_trained).into(),
            staff_with_policies_acknowledged: (&report.policies_acknowledged).into(),
            scheduled_inspections_done: (&report.scheduled_inspections).into(),
            unannounced_inspections_done: (&report.unannounced_inspections).into(),
            complaints_acknowledged_in_time: (&report.complaints_acknowledged).into(),
            complaints_replied_in_time: (&report.complaints_replied).into(),
            rectifications_closed_on_time: (&report.rectifications_on_time).into(),
            work_orders_within_sla: (&report.work_orders_within_sla).into(),
            rating_average: report.ratings.average,
            rated_work_order_ids: ids(&report.ratings.work_orders),
            satisfaction_index: report.satisfaction_index,
            survey_responses: i32::try_from(report.survey_responses).unwrap_or(i32::MAX),
            surveys_run: count(report.surveys_run.len()),
            surveys_run_ids: ids(&report.surveys_run),
        }
    }
}

/// A share of records.
#[derive(SimpleObject, Clone, Debug)]
pub struct StatisticsRate {
    /// The records that count.
    pub numerator: i32,
    /// All the records judged.
    pub denominator: i32,
    /// `numerator / denominator` in percent, to two decimals; null when nothing was judged.
    pub percentage: Option<f64>,
}

impl From<Share> for StatisticsRate {
    fn from(share: Share) -> Self {
        StatisticsRate {
            numerator: i32::try_from(share.part).unwrap_or(i32::MAX),
            denominator: i32::try_from(share.whole).unwrap_or(i32::MAX),
            percentage: percentage(share.part, share.whole),
        }
    }
}

/// How long something took: median and 90th percentile (nearest rank).
#[derive(SimpleObject, Clone, Debug)]
pub struct DurationSpread {
    /// Orders measured.
    pub count: i32,
    /// Median, in minutes (two decimals); null when none.
    pub median_minutes: Option<f64>,
    /// 90th percentile, in minutes (two decimals); null when none.
    pub p90_minutes: Option<f64>,
}

impl From<Spread> for DurationSpread {
    fn from(spread: Spread) -> Self {
        DurationSpread {
            count: i32::try_from(spread.count).unwrap_or(i32::MAX),
            median_minutes: spread.median_minutes,
            p90_minutes: spread.p90_minutes,
        }
    }
}

/// A count of records in one status.
#[derive(SimpleObject, Clone, Debug)]
pub struct StatusCount {
    /// The status, as the records' own status enum spells it.
    pub status: String,
    /// Records.
    pub count: i32,
}

/// Open work orders of one category.
#[derive(SimpleObject, Clone, Debug)]
pub struct CategoryCount {
    /// The category.
    pub category_id: ID,
    /// Its name.
    pub name: String,
    /// Open orders.
    pub count: i32,
}

/// The service at a glance, for administrators.
#[derive(SimpleObject, Clone, Debug)]
pub struct ServiceStatistics {
    /// The building; null for the whole estate.
    pub building_id: Option<ID>,
    /// First day of the period.
    pub from: Date,
    /// Last day of the period (included).
    pub to: Date,
    /// Work orders open now (not closed, cancelled or rejected).
    pub open_orders: i32,
    /// Those by status, most first.
    pub open_orders_by_status: Vec<StatusCount>,
    /// Those by category, most first.
    pub open_orders_by_category: Vec<CategoryCount>,
    /// Submission to first response of the orders submitted in the period.
    pub response_time: DurationSpread,
    /// Submission to resolution of the orders submitted in the period.
    pub resolution_time: DurationSpread,
    /// Orders submitted in the period (not cancelled or rejected) whose response or
    /// resolution deadline was breached.
    pub breach_rate: StatisticsRate,
    /// Complaints submitted in the period first replied to within the reply window, of those
    /// replied to or past it.
    pub complaint_reply_rate: StatisticsRate,
    /// Activities starting in the period (for a building: with the estate or the building in
    /// their audience), by status.
    pub activities_by_status: Vec<StatusCount>,
    /// Their sign-ups, by status.
    pub activity_sign_ups_by_status: Vec<StatusCount>,
}

fn status_counts(counts: Vec<(String, i64)>) -> Vec<StatusCount> {
    counts
        .into_iter()
        .map(|(status, n)| StatusCount {
            status,
            count: i32::try_from(n).unwrap_or(i32::MAX),
        })
        .collect()
}

fn service_statistics(
    building: Option<Uuid>,
    period: Period,
    stats: Statistics,
) -> ServiceStatistics {
    let small = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    ServiceStatistics {
        building_id: building.map(|id| ID(id.to_string())),
        from: Date(period.from),
        to: Date(period.to),
        open_orders: small(stats.open_by_status.iter().map(|c| c.count).sum()),
        open_orders_by_status: stats
            .open_by_status
            .into_iter()
            .map(|c: OpenCount| StatusCount {
                status: c.key,
                count: small(c.count),
            })
            .collect(),
        open_orders_by_category: stats
            .open_by_category
            .into_iter()
            .map(|c: OpenCount| CategoryCount {
                category_id: ID(c.key),
                name: c.name.unwrap_or_default(),
                count: small(c.count),
            })
            .collect(),
        response_time: stats.response.into(),
        resolution_time: stats.resolution.into(),
        breach_rate: stats.breaches.into(),
        complaint_reply_rate: stats.complaint_replies.into(),
        activities_by_status: status_counts(stats.activities.by_status),
        activity_sign_ups_by_status: status_counts(stats.activities.sign_ups_by_status),
    }
}

/// The checked arguments, every invalid one reported at once.
fn arguments(
    building_id: Option<&ID>,
    from: &Date,
    to: &Date,
) -> AppResult<(Option<Uuid>, Period)> {
    let mut check = Checks::new();
    let building = check.field(parse_opt_id("buildingId", building_id));
    let period = check.field(Period::parse(from.0, to.0));
    check.finish(|| Some((building?, period?)))
}

/// Report queries.
#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// How a building (or, with no `buildingId`, the estate) met the service standard from
    /// `from` to `to` (at most 366 days; `BAD_USER_INPUT` on `to` otherwise), each figure with
    /// the records behind it. Administrators and supervisors read any building and the estate,
    /// active managers the buildings they serve; others `FORBIDDEN`; an unknown building is
    /// `NOT_FOUND`.
    async fn standard_compliance_report(
        &self,
        ctx: &Context<'_>,
        building_id: Option<ID>,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<StandardComplianceReport> {
        let (building, period) = arguments(building_id.as_ref(), &from, &to)?;
        let scope = ctx.scope().await?;
        authorise(scope, building).await?;
        Ok(report(ctx.state(), building, period).await?.into())
    }

    /// The service at a glance (administrators only): open work orders by status and category,
    /// response and resolution times (median, 90th percentile), the breach rate, the complaint
    /// reply rate and activity counts, for orders, complaints and activities of `from` to `to`
    /// (at most 366 days), of a building or the estate.
    async fn service_statistics(
        &self,
        ctx: &Context<'_>,
        building_id: Option<ID>,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<ServiceStatistics> {
        let (building, period) = arguments(building_id.as_ref(), &from, &to)?;
        let scope = ctx.scope().await?;
        require_admin(scope)?;
        let stats = statistics(ctx.state(), building, period).await?;
        Ok(service_statistics(building, period, stats))
    }
}
