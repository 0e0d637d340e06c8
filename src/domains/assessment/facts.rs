//! What each source says about a cycle's staff, read before the finalising write begins (the
//! embedded database has one writer connection). A few statements per source for the whole
//! group, never one per staff member.
//!
//! The rules, per source (each 0..=100):
//! - `RATINGS`: ratings created in the window of work orders assigned to the staff member;
//!   `attitude`, `quality` and `speed` feed attitude, skill and efficiency (the overall `score`
//!   when the resident left them out), the overall `score` resident satisfaction; 1–5 maps to
//!   0–100.
//! - `SLA`: work orders assigned to them and resolved in the window: the share without a
//!   response or resolution breach.
//! - `SURVEYS`: `surveys::facts::staff_scores` (answers tagged for them or their post).
//! - `PEER_REVIEWS`, `SUPERVISOR_SCORES`: the mean of the cycle's reviews that scored the
//!   indicator.
//! - `INSPECTIONS`: the mean total of inspections completed in the window in buildings they serve.
//! - `COMPLAINTS`: [`rules::complaints_sample`] over complaints naming them, submitted in the
//!   window: upheld = a `STAFF_CONDUCT` or `SERVICE_QUALITY` complaint that led to a
//!   rectification; praise = a `PRAISE` complaint.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::rules::{Facts, Indicator, ReviewKind, Sample, Source, complaints_sample};
use crate::{domains::complaints::types::ComplaintKind, error::AppResult};
use entity::{
    assessment_review, complaint, inspection, staff_building, work_order, work_order_rating,
};

/// Running mean.
#[derive(Default, Clone, Copy)]
struct Acc {
    sum: f64,
    n: u64,
}

impl Acc {
    fn add(&mut self, value: f64) {
        self.sum += value;
        self.n += 1;
    }

    fn sample(self) -> Sample {
        Sample {
            score: if self.n == 0 {
                0.0
            } else {
                self.sum / self.n as f64
            },
            samples: self.n,
        }
    }
}

/// A rating's assignee, score, attitude, quality and speed.
type RatingRow = (Option<Uuid>, i16, Option<i16>, Option<i16>, Option<i16>);

fn stars(v: i16) -> f64 {
    (f64::from(v.clamp(1, 5)) - 1.0) * 25.0
}

/// Every source's samples for `staff` (staff record id and post) over [from, to), with the
/// reviews of cycle `cycle_id`.
pub async fn gather<C: ConnectionTrait>(
    db: &C,
    cycle_id: Uuid,
    staff: &[(Uuid, String)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Facts>> {
    let ids: Vec<Uuid> = staff.iter().map(|(id, _)| *id).collect();
    let mut acc: HashMap<(Uuid, Indicator, Source), Acc> = HashMap::new();
    let mut put = |staff: Uuid, indicator: Indicator, source: Source, value: f64| {
        acc.entry((staff, indicator, source))
            .or_default()
            .add(value);
    };

    // Resident ratings of their work orders.
    let ratings: Vec<RatingRow> = work_order_rating::Entity::find()
        .select_only()
        .column(work_order::Column::AssigneeId)
        .column(work_order_rating::Column::Score)
        .column(work_order_rating::Column::Attitude)
        .column(work_order_rating::Column::Quality)
        .column(work_order_rating::Column::Speed)
        .join(JoinType::InnerJoin, rating_order())
        .filter(work_order::Column::AssigneeId.is_in(ids.iter().copied()))
        .filter(work_order_rating::Column::CreatedAt.gte(from))
        .filter(work_order_rating::Column::CreatedAt.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    for (assignee, score, attitude, quality, speed) in ratings {
        let Some(s) = assignee else { continue };
        put(
            s,
            Indicator::Attitude,
            Source::Ratings,
            stars(attitude.unwrap_or(score)),
        );
        put(
            s,
            Indicator::Skill,
            Source::Ratings,
            stars(quality.unwrap_or(score)),
        );
        put(
            s,
            Indicator::Efficiency,
            Source::Ratings,
            stars(speed.unwrap_or(score)),
        );
        put(
            s,
            Indicator::ResidentSatisfaction,
            Source::Ratings,
            stars(score),
        );
    }

    // SLA of the orders they resolved.
    let resolved: Vec<(Option<Uuid>, bool, bool)> = work_order::Entity::find()
        .select_only()
        .column(work_order::Column::AssigneeId)
        .column(work_order::Column::ResponseBreached)
        .column(work_order::Column::ResolutionBreached)
        .filter(work_order::Column::AssigneeId.is_in(ids.iter().copied()))
        .filter(work_order::Column::ResolvedAt.gte(from))
        .filter(work_order::Column::ResolvedAt.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    for (assignee, response, resolution) in resolved {
        let Some(s) = assignee else { continue };
        let on_time = if response || resolution { 0.0 } else { 100.0 };
        put(s, Indicator::Efficiency, Source::Sla, on_time);
    }

    // Inspections of the buildings they serve.
    let served: Vec<(Uuid, Uuid)> = staff_building::Entity::find()
        .select_only()
        .column(staff_building::Column::StaffId)
        .column(staff_building::Column::BuildingId)
        .filter(staff_building::Column::StaffId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let buildings: HashSet<Uuid> = served.iter().map(|(_, b)| *b).collect();
    let inspections: Vec<(Uuid, Option<i32>)> = inspection::Entity::find()
        .select_only()
        .column(inspection::Column::BuildingId)
        .column(inspection::Column::Total)
        .filter(inspection::Column::BuildingId.is_in(buildings))
        .filter(inspection::Column::Status.eq("COMPLETED"))
        .filter(inspection::Column::CompletedAt.gte(from))
        .filter(inspection::Column::CompletedAt.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    for (staff_id, building) in &served {
        for (b, total) in &inspections {
            if b == building
                && let Some(total) = total
            {
                put(
                    *staff_id,
                    Indicator::Skill,
                    Source::Inspections,
                    f64::from((*total).clamp(0, 100)),
                );
            }
        }
    }

    // Reviews entered in the cycle.
    let reviews = assessment_review::Entity::find()
        .filter(assessment_review::Column::CycleId.eq(cycle_id))
        .all(db)
        .await?;
    for review in reviews {
        let source = if review.kind == ReviewKind::Peer.as_str() {
            Source::PeerReviews
        } else {
            Source::SupervisorScores
        };
        let scores: HashMap<String, i32> =
            serde_json::from_str(&review.scores).map_err(crate::error::AppError::internal)?;
        for (indicator, score) in scores {
            if let Some(indicator) = Indicator::parse(&indicator) {
                put(review.staff_id, indicator, source, f64::from(score));
            }
        }
    }

    // Complaints upheld and praise.
    let complaints: Vec<(Option<Uuid>, String, Option<Uuid>)> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::StaffId)
        .column(complaint::Column::Kind)
        .column(complaint::Column::RectificationId)
        .filter(complaint::Column::StaffId.is_in(ids.iter().copied()))
        .filter(complaint::Column::CreatedAt.gte(from))
        .filter(complaint::Column::CreatedAt.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<Uuid, (u64, u64)> = HashMap::new();
    for (staff_id, kind, rectification) in complaints {
        let Some(s) = staff_id else { continue };
        let entry = counts.entry(s).or_default();
        if kind == ComplaintKind::Praise.as_str() {
            entry.1 += 1;
        } else if rectification.is_some()
            && (kind == ComplaintKind::StaffConduct.as_str()
                || kind == ComplaintKind::ServiceQuality.as_str())
        {
            entry.0 += 1;
        }
    }

    let mut out: HashMap<Uuid, Facts> = HashMap::new();
    for ((s, indicator, source), a) in acc {
        out.entry(s)
            .or_default()
            .insert((indicator, source), a.sample());
    }
    for (s, (upheld, praise)) in counts {
        if upheld + praise > 0 {
            out.entry(s).or_default().insert(
                (Indicator::Attitude, Source::Complaints),
                complaints_sample(upheld, praise),
            );
        }
    }
    for (s, sample) in survey_samples(db, staff, from, to).await? {
        out.entry(s)
            .or_default()
            .insert((Indicator::ResidentSatisfaction, Source::Surveys), sample);
    }
    Ok(out)
}

/// The join from a rating to its work order.
fn rating_order() -> sea_orm::RelationDef {
    work_order_rating::Entity::belongs_to(work_order::Entity)
        .from(work_order_rating::Column::WorkOrderId)
        .to(work_order::Column::Id)
        .into()
}

/// Survey answers tagged for the staff member or their post (the surveys domain's facts).
async fn survey_samples<C: ConnectionTrait>(
    db: &C,
    staff: &[(Uuid, String)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Sample>> {
    Ok(
        crate::domains::surveys::facts::staff_scores(db, staff, from, to)
            .await?
            .into_iter()
            .map(|(id, s)| {
                (
                    id,
                    Sample {
                        score: s.mean,
                        samples: s.samples,
                    },
                )
            })
            .collect(),
    )
}
