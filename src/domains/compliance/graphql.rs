//! GraphQL surface of staff compliance: the compliance board and a staff member's own profile.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::service::{Standing, overseen, standings};
use crate::{
    app::AppState,
    domains::estate::access::Scope,
    domains::{
        conduct::{graphql::policy_standing, service::ConductService, types::PolicyStanding},
        estate::{access::StaffOversight, types::StaffRecord},
        qualifications::{
            service::{CertificateFilter, QualificationService},
            types::StaffCertificate,
        },
        training::{service::TrainingService, types::TrainingRecord},
        work_orders::types::IneligibleReason,
    },
    error::AppResult,
    events::Topic,
    graphql::{ContextExt, ids::parse_opt_id, pagination::PageRequest},
};

/// One staff member on the compliance board.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct StaffCompliance {
    /// Whether nothing stands between them and work.
    pub compliant: bool,
    /// What does (the reasons `eligibleStaff` gives, apart from the order-specific ones).
    pub reasons: Vec<IneligibleReason>,
    #[graphql(skip)]
    record: entity::staff_record::Model,
}

#[ComplexObject]
impl StaffCompliance {
    /// The staff record (its status, post and name).
    async fn staff(&self) -> async_graphql::Result<StaffRecord> {
        Ok(StaffRecord::try_from_model(self.record.clone())?)
    }
}

impl From<Standing> for StaffCompliance {
    fn from(standing: Standing) -> Self {
        StaffCompliance {
            compliant: standing.reasons.is_empty(),
            reasons: standing.reasons,
            record: standing.record,
        }
    }
}

/// A deadline coming up for a staff member.
#[derive(SimpleObject, Clone)]
pub struct StaffDeadline {
    /// What falls due: `CERTIFICATE_EXPIRY`, `IN_SERVICE_TRAINING` or `POLICY_ACKNOWLEDGEMENT`.
    pub kind: String,
    /// When.
    pub due_at: DateTime<Utc>,
    /// What it concerns (a certificate number, a course, a policy).
    pub subject: String,
}

/// A staff member's own view of their standing.
#[derive(SimpleObject)]
pub struct MyStaffProfile {
    /// Their staff record and what stands between them and work.
    pub compliance: StaffCompliance,
    /// Their certificates.
    pub certificates: Vec<StaffCertificate>,
    /// Their training records, newest first.
    pub training_records: Vec<TrainingRecord>,
    /// Their standing on every policy that applies to their post.
    pub policy_acknowledgements: Vec<PolicyStanding>,
    /// Their rewards and penalties, newest first.
    pub ledger_entries: Vec<crate::domains::conduct::types::LedgerEntry>,
    /// What falls due next, soonest first.
    pub next_deadlines: Vec<StaffDeadline>,
}

/// Compliance queries.
#[derive(Default)]
pub struct ComplianceQuery;

#[Object]
impl ComplianceQuery {
    /// Every staff member you oversee (of one building, with `buildingId`), by employee number,
    /// with what stands between them and work: administrators and supervisors see everyone,
    /// managers the staff of the buildings they serve, staff themselves; others `FORBIDDEN`.
    async fn staff_compliance(
        &self,
        ctx: &Context<'_>,
        building_id: Option<ID>,
    ) -> async_graphql::Result<Vec<StaffCompliance>> {
        let building = parse_opt_id("buildingId", building_id.as_ref())?;
        let scope = ctx.scope().await?;
        let records = overseen(scope, building).await?;
        let state = ctx.state();
        Ok(standings(&state.db, records, state.clock.now())
            .await?
            .into_iter()
            .map(StaffCompliance::from)
            .collect())
    }

    /// Your own certificates, training, policy acknowledgements, rewards and penalties, and next
    /// deadlines; null when you have no staff record.
    async fn my_staff_profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<MyStaffProfile>> {
        let scope = ctx.scope().await?;
        let Some(own) = scope.facet::<StaffOversight>().await?.own else {
            return Ok(None);
        };
        let state = ctx.state();
        let now = state.clock.now();
        let Some(record) = entity::staff_record::Entity::find_by_id(own)
            .one(&state.db)
            .await
            .map_err(crate::error::AppError::from)?
        else {
            return Ok(None);
        };
        let page = PageRequest::first(100);
        let today = state.clock.today();
        let certificates = QualificationService::new(state)
            .certificates(
                scope,
                &CertificateFilter {
                    staff_id: Some(own),
                    status: None,
                },
                &page,
            )
            .await?
            .items;
        let records = TrainingService::new(state)
            .records(scope, Some(own), &page)
            .await?
            .items;
        let policies = ConductService::new(state)
            .standings(scope, Some(own))
            .await?;
        let ledger = ConductService::new(state)
            .list(scope, Some(own), None, &page)
            .await?
            .items;
        let mut deadlines = Vec::new();
        for certificate in &certificates {
            if let Some(expires) = certificate.expires_on
                && expires >= today
                && matches!(
                    certificate.status.as_str(),
                    "VALID" | "PENDING_VERIFICATION"
                )
            {
                deadlines.push(StaffDeadline {
                    kind: "CERTIFICATE_EXPIRY".to_owned(),
                    due_at: expires
                        .and_hms_opt(23, 59, 59)
                        .unwrap_or_default()
                        .and_utc(),
                    subject: certificate.number.clone(),
                });
            }
        }
        for record in &records {
            if let Some(until) = record.valid_until
                && until > now
            {
                deadlines.push(StaffDeadline {
                    kind: "IN_SERVICE_TRAINING".to_owned(),
                    due_at: until,
                    subject: record.course_id.to_string(),
                });
            }
        }
        for standing in &policies {
            if standing.acknowledgement.is_none() {
                deadlines.push(StaffDeadline {
                    kind: "POLICY_ACKNOWLEDGEMENT".to_owned(),
                    due_at: standing.due_by,
                    subject: standing.current.policy.clone(),
                });
            }
        }
        deadlines.sort_by_key(|d| d.due_at);
        let compliance = standings(&state.db, vec![record], now)
            .await?
            .into_iter()
            .next()
            .map(StaffCompliance::from);
        let Some(compliance) = compliance else {
            return Ok(None);
        };
        Ok(Some(MyStaffProfile {
            compliance,
            certificates: certificates
                .into_iter()
                .map(|m| StaffCertificate::try_from_model(m, today))
                .collect::<AppResult<_>>()?,
            training_records: records
                .into_iter()
                .map(TrainingRecord::try_from_model)
                .collect::<AppResult<_>>()?,
            policy_acknowledgements: policies
                .into_iter()
                .map(policy_standing)
                .collect::<AppResult<_>>()?,
            ledger_entries: ledger
                .into_iter()
                .map(crate::domains::conduct::types::LedgerEntry::try_from_model)
                .collect::<AppResult<_>>()?,
            next_deadlines: deadlines,
        }))
    }
}

/// The board as `scope`'s viewer sees it now.
async fn board(
    state: &AppState,
    scope: &Scope,
    building: Option<Uuid>,
) -> AppResult<Vec<StaffCompliance>> {
    let records = overseen(scope, building).await?;
    Ok(standings(&state.db, records, state.clock.now())
        .await?
        .into_iter()
        .map(StaffCompliance::from)
        .collect())
}

/// What a row of the board shows, to tell whether it changed.
fn shown(row: &StaffCompliance) -> (String, String, Vec<IneligibleReason>) {
    (
        row.record.status.clone(),
        row.record.post.clone(),
        row.reasons.clone(),
    )
}

/// Compliance subscriptions.
#[derive(Default)]
pub struct ComplianceSubscription;

#[Subscription]
impl ComplianceSubscription {
    /// The compliance board, live: first every staff member you oversee (of one building, with
    /// `buildingId`), then, whenever something that bears on compliance is written (a
    /// certificate, a training result, a policy or its acknowledgement, a ledger decision, a
    /// staff record), the rows whose status or reasons changed. Judged with your rights at each
    /// change. Deadlines that pass without a write (a policy's grace running out) show at the
    /// next change or query.
    async fn staff_compliance_changed(
        &self,
        ctx: &Context<'_>,
        building_id: Option<ID>,
    ) -> async_graphql::Result<
        impl Stream<Item = async_graphql::Result<Vec<StaffCompliance>>> + use<>,
    > {
        let me = ctx.require_user()?.id;
        let building = parse_opt_id("buildingId", building_id.as_ref())?;
        let state = ctx.state().clone();
        // Subscribed before the first board, so no change falls between the two.
        let live = state.bus.subscribe(&Topic::StaffCompliance).await;
        let scope = ctx.scope().await?;
        let first = board(&state, scope, building).await?;
        let seen: HashMap<Uuid, (String, String, Vec<IneligibleReason>)> = first
            .iter()
            .map(|row| (row.record.id, shown(row)))
            .collect();
        let updates = futures_util::stream::unfold(
            (live, seen, state),
            move |(mut live, mut seen, state)| async move {
                loop {
                    live.next().await?;
                    let scope = match state.scopes.get(&state, me).await {
                        Ok(scope) => scope,
                        Err(err) => return Some((Err(err.into()), (live, seen, state))),
                    };
                    let rows = match board(&state, &scope, building).await {
                        Ok(rows) => rows,
                        Err(err) => return Some((Err(err.into()), (live, seen, state))),
                    };
                    let changed: Vec<StaffCompliance> = rows
                        .into_iter()
                        .filter(|row| seen.get(&row.record.id) != Some(&shown(row)))
                        .collect();
                    if changed.is_empty() {
                        continue;
                    }
                    for row in &changed {
                        seen.insert(row.record.id, shown(row));
                    }
                    return Some((Ok(changed), (live, seen, state)));
                }
            },
        );
        Ok(futures_util::stream::once(async move { Ok(first) }).chain(updates))
    }
}
