//! Compliance of a set of staff records, in a fixed number of statements.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    domains::{
        conduct::service::unacknowledged,
        estate::access::{Scope, StaffOversight},
        qualifications::service::missing_certificates,
        training::service::training_blockers,
        work_orders::types::IneligibleReason,
    },
    error::{AppError, AppResult},
};
use entity::{staff_building, staff_category, staff_record};

/// One staff member's standing.
pub struct Standing {
    /// The record.
    pub record: staff_record::Model,
    /// What stands between them and work; empty when compliant.
    pub reasons: Vec<IneligibleReason>,
}

/// The standing of every record in `staff`: status, certificates for their post and every group
/// they work in, pre-job and in-service training, and policy acknowledgements.
pub async fn standings<C: ConnectionTrait>(
    db: &C,
    staff: Vec<staff_record::Model>,
    now: DateTime<Utc>,
) -> AppResult<Vec<Standing>> {
    if staff.is_empty() {
        return Ok(Vec::new());
    }
    let groups: Vec<staff_category::Model> = staff_category::Entity::find()
        .filter(staff_category::Column::StaffId.is_in(staff.iter().map(|s| s.id)))
        .all(db)
        .await?;
    let mut by_group: HashMap<&str, Vec<staff_record::Model>> = HashMap::new();
    let records: HashMap<Uuid, &staff_record::Model> = staff.iter().map(|s| (s.id, s)).collect();
    for row in &groups {
        if let Some(record) = records.get(&row.staff_id) {
            by_group
                .entry(row.category.as_str())
                .or_default()
                .push((*record).clone());
        }
    }
    // The post's own requirements (no group), then each group's for those who work in it.
    let mut uncertified = missing_certificates(db, &staff, "", now).await?;
    for (group, members) in &by_group {
        uncertified.extend(missing_certificates(db, members, group, now).await?);
    }
    let unacknowledged: HashSet<Uuid> = unacknowledged(db, &staff, now).await?;
    let (untrained, lapsed) = training_blockers(db, &staff, now).await?;
    Ok(staff
        .into_iter()
        .map(|record| {
            let mut reasons = Vec::new();
            match record.status.as_str() {
                "ACTIVE" => {}
                "SUSPENDED" => reasons.push(IneligibleReason::Suspended),
                _ => reasons.push(IneligibleReason::NotActive),
            }
            for (set, reason) in [
                (&uncertified, IneligibleReason::CertificateMissing),
                (&untrained, IneligibleReason::PreJobTrainingIncomplete),
                (&lapsed, IneligibleReason::InServiceTrainingLapsed),
                (&unacknowledged, IneligibleReason::PolicyNotAcknowledged),
            ] {
                if set.contains(&record.id) {
                    reasons.push(reason);
                }
            }
            Standing { record, reasons }
        })
        .collect())
}

/// The staff records (not `LEFT`) the viewer oversees, optionally only those serving
/// `building`, by employee number; `FORBIDDEN` for viewers who oversee nobody but themselves
/// and have no staff record.
pub async fn overseen(
    scope: &Scope,
    building: Option<Uuid>,
) -> AppResult<Vec<staff_record::Model>> {
    scope.require_user()?;
    let oversight = scope.facet::<StaffOversight>().await?;
    if !oversight.all && oversight.staff.is_empty() {
        return Err(AppError::Forbidden(
            "staff compliance is for staff, managers, supervisors and administrators".to_owned(),
        ));
    }
    let mut query = staff_record::Entity::find().filter(staff_record::Column::Status.ne("LEFT"));
    if !oversight.all {
        query = query.filter(staff_record::Column::Id.is_in(oversight.staff.iter().copied()));
    }
    if let Some(building) = building {
        let serving: Vec<Uuid> = staff_building::Entity::find()
            .filter(staff_building::Column::BuildingId.eq(building))
            .all(scope.db())
            .await?
            .into_iter()
            .map(|row| row.staff_id)
            .collect();
        query = query.filter(staff_record::Column::Id.is_in(serving));
    }
    let mut records = query.all(scope.db()).await?;
    records.sort_by(|a, b| a.employee_number.cmp(&b.employee_number));
    Ok(records)
}
