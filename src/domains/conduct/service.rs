//! Conduct rules: publishing and acknowledging policies, who is unassignable for lack of an
//! acknowledgement, the rewards and penalties ledger with its approvals and appeals, and the
//! suspension job.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::types::{LedgerKind, LedgerSourceKind, LedgerStatus, PolicyKind};
use crate::{
    app::AppState,
    auth::{Role, guard},
    domains::estate::{
        access::{Scope, StaffOversight},
        types::{StaffPost, StaffStatus},
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{ledger_entry, policy_acknowledgement, policy_version, staff_record, user_role};

/// Notification subject type of a policy version.
pub const POLICY_SUBJECT: &str = "POLICY_VERSION";
/// Notification subject type of a ledger entry.
pub const LEDGER_SUBJECT: &str = "LEDGER_ENTRY";

/// How long after its approval a penalty may be appealed.
pub fn appeal_window() -> Duration {
    Duration::days(7)
}

/// Where an approved suspension stands (`ledger_entry.suspension_state`).
const PENDING: &str = "PENDING";
const ACTIVE: &str = "ACTIVE";
const ENDED: &str = "ENDED";

/// The steps of a ledger entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerAction {
    /// An administrator or supervisor (not the proposer, not the subject) approves.
    Approve,
    /// An administrator or supervisor (not the proposer, not the subject) rejects.
    Reject,
    /// The staff member appeals an approved penalty within [`appeal_window`].
    Appeal,
    /// A supervisor refuses the appeal.
    Uphold,
    /// A supervisor grants the appeal.
    Overturn,
}

/// Every legal step: (from, action, to). A step not here is `INVALID_STATE`.
pub const TRANSITIONS: &[(LedgerStatus, LedgerAction, LedgerStatus)] = &[
    (
        LedgerStatus::Proposed,
        LedgerAction::Approve,
        LedgerStatus::Approved,
    ),
    (
        LedgerStatus::Proposed,
        LedgerAction::Reject,
        LedgerStatus::Rejected,
    ),
    (
        LedgerStatus::Approved,
        LedgerAction::Appeal,
        LedgerStatus::Appealed,
    ),
    (
        LedgerStatus::Appealed,
        LedgerAction::Uphold,
        LedgerStatus::Upheld,
    ),
    (
        LedgerStatus::Appealed,
        LedgerAction::Overturn,
        LedgerStatus::Overturned,
    ),
];

/// A new policy version, checked.
#[derive(Clone, Debug)]
pub struct NewPolicyVersion {
    /// The policy.
    pub policy: PolicyKind,
    /// Title.
    pub title: String,
    /// Inline text.
    pub body: Option<String>,
    /// A link (`https://`).
    pub url: Option<String>,
    /// The posts it applies to (never empty).
    pub posts: Vec<StaffPost>,
    /// Days to acknowledge.
    pub grace_days: i32,
}

/// A proposed ledger entry, checked field by field (the kind-dependent rules are checked by
/// [`NewLedgerEntry::check`]).
#[derive(Clone, Debug)]
pub struct NewLedgerEntry {
    /// The staff record.
    pub staff_id: Uuid,
    /// What it records.
    pub kind: LedgerKind,
    /// Amount, normalised to two decimals.
    pub amount: Option<String>,
    /// Why.
    pub reason: String,
    /// The record a penalty rests on.
    pub source: Option<(LedgerSourceKind, Uuid)>,
    /// A suspension's period.
    pub suspension: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl NewLedgerEntry {
    /// The rules that depend on the kind, each problem on its field.
    pub fn check(&self, check: &mut crate::graphql::checks::Checks) {
        let kind = self.kind;
        if kind.has_amount() {
            check.rule(
                self.amount.as_deref().is_some_and(|a| a != "0.00"),
                "input.amount",
                "a bonus or fine needs an amount above zero",
            );
        } else {
            check.rule(
                self.amount.is_none(),
                "input.amount",
                "only a bonus or a fine has an amount",
            );
        }
        if kind.is_penalty() {
            check.rule(
                self.source.is_some(),
                "input.source",
                "a penalty needs the record it rests on (kind and id)",
            );
        }
        if kind == LedgerKind::Suspension {
            check.rule(
                self.suspension.is_some(),
                "input.suspensionUntil",
                "a suspension needs suspensionFrom and suspensionUntil",
            );
            if let Some((from, until)) = self.suspension {
                check.rule(
                    until > from,
                    "input.suspensionUntil",
                    "must be after suspensionFrom",
                );
            }
        } else {
            check.rule(
                self.suspension.is_none(),
                "input.suspensionFrom",
                "only a suspension has a period",
            );
        }
    }
}

/// One staff member's standing with one policy that applies to their post.
#[derive(Clone, Debug)]
pub struct Standing {
    /// The current version.
    pub current: policy_version::Model,
    /// Their acknowledgement of it.
    pub acknowledgement: Option<policy_acknowledgement::Model>,
    /// The highest version they acknowledged.
    pub acknowledged_version: Option<i32>,
    /// End of the grace period.
    pub due_by: DateTime<Utc>,
    /// Grace period over, not acknowledged.
    pub lapsed: bool,
}

/// When `version`'s grace period ends.
pub fn due_by(version: &policy_version::Model) -> DateTime<Utc> {
    version.published_at + Duration::days(i64::from(version.grace_days))
}

fn applies_to(version: &policy_version::Model, post: &str) -> bool {
    serde_json::from_str::<Vec<String>>(&version.posts)
        .map(|posts| posts.iter().any(|p| p == post))
        .unwrap_or(false)
}

/// The current (highest) version of each policy among `versions`.
fn current_versions(versions: &[policy_version::Model]) -> HashMap<&str, &policy_version::Model> {
    let mut current: HashMap<&str, &policy_version::Model> = HashMap::new();
    for v in versions {
        let slot = current.entry(v.policy.as_str()).or_insert(v);
        if v.version > slot.version {
            *slot = v;
        }
    }
    current
}

/// Staff among `staff` who are unassignable at `now` because the grace period of the current
/// version of a policy applying to their post ended without their acknowledgement. Two
/// statements whatever the number of staff (plus one per 500 staff beyond the first 500): the
/// versions, then the acknowledgements of the lapsed ones.
pub async fn unacknowledged<C: ConnectionTrait>(
    db: &C,
    staff: &[staff_record::Model],
    now: DateTime<Utc>,
) -> AppResult<HashSet<Uuid>> {
    if staff.is_empty() {
        return Ok(HashSet::new());
    }
    let versions = policy_version::Entity::find().all(db).await?;
    let lapsed: Vec<&policy_version::Model> = current_versions(&versions)
        .into_values()
        .filter(|v| now > due_by(v))
        .collect();
    if lapsed.is_empty() {
        return Ok(HashSet::new());
    }
    // Each staff member's lapsed versions.
    let owed: Vec<(Uuid, Vec<Uuid>)> = staff
        .iter()
        .map(|s| {
            let ids = lapsed
                .iter()
                .filter(|v| applies_to(v, &s.post))
                .map(|v| v.id)
                .collect::<Vec<_>>();
            (s.id, ids)
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    let mut acknowledged: HashSet<(Uuid, Uuid)> = HashSet::new();
    for chunk in owed.chunks(500) {
        let rows: Vec<(Uuid, Uuid)> = policy_acknowledgement::Entity::find()
            .select_only()
            .column(policy_acknowledgement::Column::StaffId)
            .column(policy_acknowledgement::Column::VersionId)
            .filter(policy_acknowledgement::Column::StaffId.is_in(chunk.iter().map(|(id, _)| *id)))
            .filter(policy_acknowledgement::Column::VersionId.is_in(lapsed.iter().map(|v| v.id)))
            .into_tuple()
            .all(db)
            .await?;
        acknowledged.extend(rows);
    }
    Ok(owed
        .into_iter()
        .filter(|(staff, ids)| ids.iter().any(|v| !acknowledged.contains(&(*staff, *v))))
        .map(|(staff, _)| staff)
        .collect())
}

/// Checks a rectification cited as a ledger entry's source, inside the proposal's write: it
/// exists and the proposer may see it (else `NOT_FOUND` on `input.source.id`), it is `VERIFIED`
/// (else `INVALID_STATE`), and the entry is about its responsible staff member (else
/// `BAD_USER_INPUT` on `input.staffId`).
async fn cited_rectification(
    scope: &Scope,
    write: &Write<'_>,
    id: Uuid,
    staff_id: Uuid,
) -> AppResult<()> {
    use crate::domains::rectifications::{access::relation, types::RectificationStatus};
    let Some(found) = entity::rectification::Entity::find_by_id(id)
        .one(write.txn())
        .await?
    else {
        return Err(AppError::unknown_id("input.source.id", "rectification"));
    };
    // The staff facet the relation reads is loaded already (the oversight check needs it).
    if !relation(scope, &found).await?.sees {
        return Err(AppError::unknown_id("input.source.id", "rectification"));
    }
    if found.status != RectificationStatus::Verified.as_str() {
        return Err(AppError::InvalidState(
            "a rectification is cited once it is verified".to_owned(),
        ));
    }
    if found.responsible_staff_id != staff_id {
        return Err(AppError::bad_input(
            "input.staffId",
            "is not the cited rectification's responsible staff member",
        ));
    }
    Ok(())
}

/// The viewer's oversight of staff records; `FORBIDDEN` for viewers who oversee none and have
/// no staff record (residents, merchants).
async fn oversight(scope: &Scope) -> AppResult<Arc<StaffOversight>> {
    scope.require_user()?;
    let oversight = scope.facet::<StaffOversight>().await?;
    if !oversight.all && oversight.own.is_none() && oversight.staff.is_empty() {
        return Err(AppError::Forbidden(
            "only staff, supervisors and administrators read conduct records".to_owned(),
        ));
    }
    Ok(oversight)
}

/// The conduct service.
pub struct ConductService<'a> {
    state: &'a AppState,
}

impl<'a> ConductService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        ConductService { state }
    }

    /// Every policy with its versions, newest first: staff, supervisors and administrators.
    pub async fn policies(
        &self,
        scope: &Scope,
    ) -> AppResult<Vec<(PolicyKind, Vec<policy_version::Model>)>> {
        oversight(scope).await?;
        let mut versions = policy_version::Entity::find().all(&self.state.db).await?;
        versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        let mut out = Vec::new();
        for kind in PolicyKind::ALL {
            let of: Vec<_> = versions
                .iter()
                .filter(|v| v.policy == kind.as_str())
                .cloned()
                .collect();
            if !of.is_empty() {
                out.push((*kind, of));
            }
        }
        Ok(out)
    }

    /// Publishes the next version of a policy (administrators) and tells the staff it applies
    /// to (category `TRAINING`).
    pub async fn publish(
        &self,
        scope: &Scope,
        new: NewPolicyVersion,
    ) -> AppResult<policy_version::Model> {
        guard::require_admin(scope)?;
        let me = scope.require_user()?;
        let mut write = Write::begin(self.state).await?;
        let last: Option<i32> = policy_version::Entity::find()
            .select_only()
            .column_as(policy_version::Column::Version.max(), "max")
            .filter(policy_version::Column::Policy.eq(new.policy.as_str()))
            .into_tuple::<Option<i32>>()
            .one(write.txn())
            .await?
            .flatten();
        let posts: Vec<&str> = new.posts.iter().map(|p| p.as_str()).collect();
        let model = policy_version::Model {
            id: Uuid::now_v7(),
            policy: new.policy.as_str().to_owned(),
            version: last.unwrap_or(0) + 1,
            title: new.title,
            body: new.body,
            url: new.url,
            posts: serde_json::to_string(&posts).map_err(AppError::internal)?,
            grace_days: new.grace_days,
            published_at: write.now(),
            published_by: me,
        };
        let inserted =
            policy_version::Entity::insert(policy_version::ActiveModel::from(model.clone()))
                .on_conflict(
                    OnConflict::columns([
                        policy_version::Column::Policy,
                        policy_version::Column::Version,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(write.txn())
                .await?;
        if inserted == 0 {
            return Err(AppError::Conflict {
                field: Some("input.policy".to_owned()),
                message: "another version of this policy was published meanwhile; try again"
                    .to_owned(),
            });
        }
        let recipients: Vec<Uuid> = staff_record::Entity::find()
            .select_only()
            .column(staff_record::Column::UserId)
            .filter(staff_record::Column::Post.is_in(posts.iter().copied()))
            .filter(staff_record::Column::Status.ne(StaffStatus::Left.as_str()))
            .into_tuple()
            .all(write.txn())
            .await?;
        Notifier::notify(
            &mut write,
            recipients,
            &Draft {
                category: NotificationCategory::Training,
                priority: NotificationPriority::Important,
                kind: "POLICY_PUBLISHED".to_owned(),
                title: format!(
                    "Please acknowledge: {} (version {})",
                    model.title, model.version
                ),
                text: format!(
                    "Acknowledge it within {} days to stay assignable to work.",
                    model.grace_days
                ),
                subject: SubjectRef {
                    kind: POLICY_SUBJECT,
                    id: model.id,
                },
            },
        )
        .await?;
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(model)
    }

    /// The viewer acknowledges `version_id`, which must be the current version of a policy
    /// applying to their post (else `INVALID_STATE`, nothing written). Twice is the same as once.
    pub async fn acknowledge(
        &self,
        scope: &Scope,
        version_id: Uuid,
    ) -> AppResult<policy_acknowledgement::Model> {
        scope.require_user()?;
        let staff = scope.staff().await?;
        let (Some(staff_id), Some(post)) = (staff.id, staff.post.clone()) else {
            return Err(AppError::Forbidden(
                "only staff acknowledge policies".to_owned(),
            ));
        };
        let mut write = Write::begin(self.state).await?;
        let version = policy_version::Entity::find_by_id(version_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("versionId", "policy version"))?;
        if !applies_to(&version, &post) {
            return Err(AppError::InvalidState(
                "this policy does not apply to your post".to_owned(),
            ));
        }
        let newer = policy_version::Entity::find()
            .filter(policy_version::Column::Policy.eq(version.policy.as_str()))
            .filter(policy_version::Column::Version.gt(version.version))
            .one(write.txn())
            .await?;
        if newer.is_some() {
            return Err(AppError::InvalidState(
                "a newer version of this policy exists: acknowledge the current one".to_owned(),
            ));
        }
        policy_acknowledgement::Entity::insert(policy_acknowledgement::ActiveModel {
            id: Set(Uuid::now_v7()),
            staff_id: Set(staff_id),
            version_id: Set(version.id),
            policy: Set(version.policy.clone()),
            acknowledged_at: Set(write.now()),
        })
        .on_conflict(
            OnConflict::columns([
                policy_acknowledgement::Column::StaffId,
                policy_acknowledgement::Column::VersionId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        let row = policy_acknowledgement::Entity::find()
            .filter(policy_acknowledgement::Column::StaffId.eq(staff_id))
            .filter(policy_acknowledgement::Column::VersionId.eq(version.id))
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::internal("an acknowledgement vanished"))?;
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(row)
    }

    /// Where `staff_id` (the viewer's own record when `None`) stands with every policy applying
    /// to their post, under [`StaffOversight`].
    pub async fn standings(
        &self,
        scope: &Scope,
        staff_id: Option<Uuid>,
    ) -> AppResult<Vec<Standing>> {
        let oversight = oversight(scope).await?;
        let staff_id = match staff_id.or(oversight.own) {
            Some(id) if oversight.sees(id) => id,
            Some(_) => return Err(AppError::unknown_id("staffId", "staff record")),
            None => return Err(AppError::bad_input("staffId", "give the staff record")),
        };
        let db = &self.state.db;
        let record = staff_record::Entity::find_by_id(staff_id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::unknown_id("staffId", "staff record"))?;
        let versions = policy_version::Entity::find().all(db).await?;
        let acks = policy_acknowledgement::Entity::find()
            .filter(policy_acknowledgement::Column::StaffId.eq(staff_id))
            .all(db)
            .await?;
        let by_id: HashMap<Uuid, &policy_version::Model> =
            versions.iter().map(|v| (v.id, v)).collect();
        let now = self.state.clock.now();
        let mut out = Vec::new();
        for kind in PolicyKind::ALL {
            let Some(current) = current_versions(&versions).get(kind.as_str()).copied() else {
                continue;
            };
            if !applies_to(current, &record.post) {
                continue;
            }
            let acknowledgement = acks.iter().find(|a| a.version_id == current.id).cloned();
            let acknowledged_version = acks
                .iter()
                .filter_map(|a| by_id.get(&a.version_id))
                .filter(|v| v.policy == current.policy)
                .map(|v| v.version)
                .max();
            let due = due_by(current);
            out.push(Standing {
                lapsed: acknowledgement.is_none() && now > due,
                current: current.clone(),
                acknowledgement,
                acknowledged_version,
                due_by: due,
            });
        }
        Ok(out)
    }

    /// Proposes a ledger entry: administrators for anyone, active managers for the staff of
    /// the buildings they serve, never for themselves. It waits for another person's approval.
    pub async fn propose(
        &self,
        scope: &Scope,
        new: NewLedgerEntry,
    ) -> AppResult<ledger_entry::Model> {
        let me = scope.require_user()?;
        let oversight = oversight(scope).await?;
        if !oversight.manages {
            return Err(AppError::Forbidden(
                "only administrators and managers propose rewards and penalties".to_owned(),
            ));
        }
        if !oversight.sees(new.staff_id) {
            return Err(AppError::unknown_id("input.staffId", "staff record"));
        }
        if oversight.own == Some(new.staff_id) {
            return Err(AppError::Forbidden(
                "you may not propose an entry about yourself".to_owned(),
            ));
        }
        if let Some((LedgerSourceKind::Rectification, _)) = new.source {
            // Its visibility is judged inside the write: load the facets it needs first.
            crate::domains::rectifications::access::standing(scope).await?;
        }
        let mut write = Write::begin(self.state).await?;
        if let Some((LedgerSourceKind::Rectification, id)) = new.source {
            cited_rectification(scope, &write, id, new.staff_id).await?;
        }
        let model = propose_in(&mut write, me, new).await?;
        write.commit().await?;
        Ok(model)
    }

    /// One entry the viewer may see (else `NOT_FOUND`).
    pub async fn entry(&self, scope: &Scope, id: Uuid) -> AppResult<ledger_entry::Model> {
        let oversight = oversight(scope).await?;
        ledger_entry::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .filter(|e| oversight.sees(e.staff_id))
            .ok_or(AppError::NotFound("ledger entry"))
    }

    /// A page of the entries the viewer may see, newest first.
    pub async fn list(
        &self,
        scope: &Scope,
        staff_id: Option<Uuid>,
        status: Option<LedgerStatus>,
        page: &PageRequest,
    ) -> AppResult<Page<ledger_entry::Model>> {
        let oversight = oversight(scope).await?;
        let mut query = ledger_entry::Entity::find();
        if let Some(staff_id) = staff_id {
            if !oversight.sees(staff_id) {
                return Err(AppError::unknown_id("staffId", "staff record"));
            }
            query = query.filter(ledger_entry::Column::StaffId.eq(staff_id));
        } else if !oversight.all {
            query =
                query.filter(ledger_entry::Column::StaffId.is_in(oversight.staff.iter().copied()));
        }
        if let Some(status) = status {
            query = query.filter(ledger_entry::Column::Status.eq(status.as_str()));
        }
        Keyset::new()
            .desc(ledger_entry::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    /// Takes `action` on entry `id` (see [`TRANSITIONS`]): who may is checked first
    /// (`FORBIDDEN`), then whether the step is legal now (`INVALID_STATE`); the status changes
    /// with a conditional update, so of two concurrent steps exactly one wins (`CONFLICT` for
    /// the other). Effects (suspension, notifications) are written in the same transaction.
    pub async fn act(
        &self,
        scope: &Scope,
        id: Uuid,
        action: LedgerAction,
        note: Option<String>,
    ) -> AppResult<ledger_entry::Model> {
        let me = scope.require_user()?;
        let oversight = oversight(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let entry = ledger_entry::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .filter(|e| oversight.sees(e.staff_id))
            .ok_or(AppError::NotFound("ledger entry"))?;
        let subject = staff_record::Entity::find_by_id(entry.staff_id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("staff record"))?;
        let kind = LedgerKind::from_stored(&entry.kind)?;
        let from = LedgerStatus::from_stored(&entry.status)?;
        let now = write.now();
        match action {
            LedgerAction::Approve | LedgerAction::Reject => {
                guard::require_any(scope, &[Role::Admin, Role::Supervisor])?;
                if entry.proposed_by == me {
                    return Err(AppError::Forbidden(
                        "someone other than the proposer decides".to_owned(),
                    ));
                }
            }
            LedgerAction::Appeal => {
                if subject.user_id != me {
                    return Err(AppError::Forbidden(
                        "only the staff member appeals".to_owned(),
                    ));
                }
                if !kind.is_penalty() {
                    return Err(AppError::InvalidState(
                        "only penalties may be appealed".to_owned(),
                    ));
                }
                if from == LedgerStatus::Approved
                    && entry.decided_at.is_none_or(|at| now > at + appeal_window())
                {
                    return Err(AppError::InvalidState(
                        "the 7 days to appeal are over".to_owned(),
                    ));
                }
            }
            LedgerAction::Uphold | LedgerAction::Overturn => {
                guard::require_any(scope, &[Role::Supervisor])?;
            }
        }
        if action != LedgerAction::Appeal && subject.user_id == me {
            return Err(AppError::Forbidden(
                "you may not decide an entry about yourself".to_owned(),
            ));
        }
        let Some(to) = TRANSITIONS
            .iter()
            .find(|(f, a, _)| *f == from && *a == action)
            .map(|(_, _, to)| *to)
        else {
            return Err(AppError::InvalidState(format!(
                "a {} entry cannot be {}",
                from.as_str().to_lowercase(),
                past(action)
            )));
        };
        let mut next = entry.clone();
        next.status = to.as_str().to_owned();
        next.updated_at = now;
        match action {
            LedgerAction::Approve | LedgerAction::Reject => {
                next.decided_by = Some(me);
                next.decided_at = Some(now);
                next.decision_note = note;
            }
            LedgerAction::Appeal => {
                next.appeal_reason = note;
                next.appealed_at = Some(now);
            }
            LedgerAction::Uphold | LedgerAction::Overturn => {
                next.appeal_decided_by = Some(me);
                next.appeal_decided_at = Some(now);
                next.appeal_note = note;
            }
        }
        let suspension = kind == LedgerKind::Suspension;
        // A suspension approved after its period is over never starts.
        let over = next.suspension_until.is_some_and(|until| until <= now);
        let starts_now = suspension
            && action == LedgerAction::Approve
            && !over
            && next.suspension_from.is_some_and(|from| from <= now);
        if suspension && action == LedgerAction::Approve {
            let state = match (starts_now, over) {
                (true, _) => ACTIVE,
                (false, true) => ENDED,
                (false, false) => PENDING,
            };
            next.suspension_state = Some(state.to_owned());
        }
        if suspension && action == LedgerAction::Overturn {
            next.suspension_state = Some(ENDED.to_owned());
        }
        let model =
            sea_orm::ActiveModelTrait::reset_all(ledger_entry::ActiveModel::from(next.clone()));
        // Conditional on the status and on the suspension state read: the job may have started
        // or ended the suspension meanwhile, and this step must not undo that unseen.
        let same_suspension = match entry.suspension_state.as_deref() {
            Some(state) => ledger_entry::Column::SuspensionState.eq(state),
            None => ledger_entry::Column::SuspensionState.is_null(),
        };
        let updated = ledger_entry::Entity::update_many()
            .set(model)
            .filter(ledger_entry::Column::Id.eq(entry.id))
            .filter(ledger_entry::Column::Status.eq(from.as_str()))
            .filter(same_suspension)
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: None,
                message: "the entry changed meanwhile; reload it".to_owned(),
            });
        }
        if starts_now {
            suspend(&mut write, &subject).await?;
        }
        // Only a running suspension is lifted: a record suspended for another reason stays so.
        if action == LedgerAction::Overturn && entry.suspension_state.as_deref() == Some(ACTIVE) {
            lift(&mut write, &subject, entry.id).await?;
        }
        if action == LedgerAction::Appeal {
            let supervisors: Vec<Uuid> = user_role::Entity::find()
                .select_only()
                .column(user_role::Column::UserId)
                .filter(user_role::Column::Role.eq(Role::Supervisor.as_str()))
                .into_tuple()
                .all(write.txn())
                .await?;
            notify(
                &mut write,
                supervisors,
                &next,
                "LEDGER_APPEALED",
                "A penalty was appealed",
            )
            .await?;
        } else {
            let title = format!("Your {} was {}", kind_word(kind), past(action));
            notify(
                &mut write,
                [subject.user_id],
                &next,
                "LEDGER_DECIDED",
                &title,
            )
            .await?;
        }
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(next)
    }

    /// Starts approved suspensions whose period began and ends those whose period is over,
    /// returning the staff records to `ACTIVE`. Each start and end is claimed with a conditional
    /// update on the entry's suspension state, so across instances each happens once.
    pub async fn sweep_suspensions(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let due = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::Kind.eq(LedgerKind::Suspension.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(ledger_entry::Column::SuspensionState.eq(PENDING))
                            .add(ledger_entry::Column::SuspensionFrom.lte(now)),
                    )
                    .add(
                        sea_orm::Condition::all()
                            .add(ledger_entry::Column::SuspensionState.eq(ACTIVE))
                            .add(ledger_entry::Column::SuspensionUntil.lte(now)),
                    ),
            )
            .all(&self.state.db)
            .await?;
        let mut done = 0;
        for entry in due {
            let ending = entry.suspension_until.is_some_and(|until| until <= now);
            let (from, to) = match entry.suspension_state.as_deref() {
                Some(PENDING) if !ending => (PENDING, ACTIVE),
                // A suspension approved late and already over never starts.
                Some(PENDING) => (PENDING, ENDED),
                _ => (ACTIVE, ENDED),
            };
            let mut write = Write::begin(self.state).await?;
            let claimed = ledger_entry::Entity::update_many()
                .col_expr(ledger_entry::Column::SuspensionState, Expr::value(to))
                .col_expr(ledger_entry::Column::UpdatedAt, Expr::value(now))
                .filter(ledger_entry::Column::Id.eq(entry.id))
                .filter(ledger_entry::Column::SuspensionState.eq(from))
                .exec(write.txn())
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            let Some(subject) = staff_record::Entity::find_by_id(entry.staff_id)
                .one(write.txn())
                .await?
            else {
                continue;
            };
            if to == ACTIVE {
                suspend(&mut write, &subject).await?;
            } else if from == ACTIVE {
                lift(&mut write, &subject, entry.id).await?;
                notify(
                    &mut write,
                    [subject.user_id],
                    &entry,
                    "SUSPENSION_ENDED",
                    "Your suspension is over",
                )
                .await?;
            }
            // Whatever changes here may change someone's standing on the compliance board.
            write.signal(crate::events::Topic::StaffCompliance);
            write.commit().await?;
            done += 1;
        }
        Ok(done)
    }
}

fn past(action: LedgerAction) -> &'static str {
    match action {
        LedgerAction::Approve => "approved",
        LedgerAction::Reject => "rejected",
        LedgerAction::Appeal => "appealed",
        LedgerAction::Uphold => "upheld",
        LedgerAction::Overturn => "overturned",
    }
}

fn kind_word(kind: LedgerKind) -> String {
    kind.as_str().to_lowercase()
}

/// Sets an active staff record `SUSPENDED` (a conditional update: a record that left stays so).
async fn suspend(write: &mut Write<'_>, subject: &staff_record::Model) -> AppResult<()> {
    let now = write.now();
    staff_record::Entity::update_many()
        .col_expr(
            staff_record::Column::Status,
            Expr::value(StaffStatus::Suspended.as_str()),
        )
        .col_expr(staff_record::Column::UpdatedAt, Expr::value(now))
        .filter(staff_record::Column::Id.eq(subject.id))
        .filter(staff_record::Column::Status.eq(StaffStatus::Active.as_str()))
        .exec(write.txn())
        .await?;
    write.access_changed(&[subject.user_id])
}

/// Returns a suspended staff record to `ACTIVE`, unless another suspension of theirs (not
/// `entry`) is still running.
async fn lift(write: &mut Write<'_>, subject: &staff_record::Model, entry: Uuid) -> AppResult<()> {
    let other = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::StaffId.eq(subject.id))
        .filter(ledger_entry::Column::Id.ne(entry))
        .filter(ledger_entry::Column::SuspensionState.eq(ACTIVE))
        .one(write.txn())
        .await?;
    if other.is_some() {
        return Ok(());
    }
    let now = write.now();
    staff_record::Entity::update_many()
        .col_expr(
            staff_record::Column::Status,
            Expr::value(StaffStatus::Active.as_str()),
        )
        .col_expr(staff_record::Column::UpdatedAt, Expr::value(now))
        .filter(staff_record::Column::Id.eq(subject.id))
        .filter(staff_record::Column::Status.eq(StaffStatus::Suspended.as_str()))
        .exec(write.txn())
        .await?;
    write.access_changed(&[subject.user_id])
}

/// Writes a proposed ledger entry inside `write` (the caller has checked who may propose it):
/// the row, the staff member's notification and the compliance signal. `proposed_by` may not be
/// the staff member's own user (`FORBIDDEN`); a `COMPLAINT` source must name an existing
/// complaint (`NOT_FOUND` on `input.source.id`). Other domains propose through this inside
/// their own write (a praised complaint's commendation).
pub async fn propose_in(
    write: &mut Write<'_>,
    proposed_by: Uuid,
    new: NewLedgerEntry,
) -> AppResult<ledger_entry::Model> {
    let me = proposed_by;
    let subject = staff_record::Entity::find_by_id(new.staff_id)
        .one(write.txn())
        .await?
        .ok_or_else(|| AppError::unknown_id("input.staffId", "staff record"))?;
    if subject.user_id == me {
        return Err(AppError::Forbidden(
            "you may not propose an entry about yourself".to_owned(),
        ));
    }
    if let Some((LedgerSourceKind::Complaint, id)) = new.source
        && entity::complaint::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .is_none()
    {
        return Err(AppError::unknown_id("input.source.id", "complaint"));
    }
    let now = write.now();
    let model = ledger_entry::Model {
        id: Uuid::now_v7(),
        staff_id: new.staff_id,
        kind: new.kind.as_str().to_owned(),
        status: LedgerStatus::Proposed.as_str().to_owned(),
        amount: new.amount,
        reason: new.reason,
        source_kind: new.source.map(|(k, _)| k.as_str().to_owned()),
        source_id: new.source.map(|(_, id)| id),
        suspension_from: new.suspension.map(|(from, _)| from),
        suspension_until: new.suspension.map(|(_, until)| until),
        suspension_state: None,
        proposed_by: me,
        proposed_at: now,
        decided_by: None,
        decided_at: None,
        decision_note: None,
        appeal_reason: None,
        appealed_at: None,
        appeal_decided_by: None,
        appeal_decided_at: None,
        appeal_note: None,
        updated_at: now,
    };
    ledger_entry::Entity::insert(ledger_entry::ActiveModel::from(model.clone()))
        .exec_without_returning(write.txn())
        .await?;
    // The staff member hears of a proposal about them at once, not only of its decision.
    notify(
        write,
        [subject.user_id],
        &model,
        "PROPOSED",
        "An entry about you was proposed in the rewards and penalties ledger",
    )
    .await?;
    // Whatever changes here may change someone's standing on the compliance board.
    write.signal(crate::events::Topic::StaffCompliance);
    Ok(model)
}

/// Tells `recipients` about `entry` (category `ASSESSMENT`: the closest to staff performance).
async fn notify(
    write: &mut Write<'_>,
    recipients: impl IntoIterator<Item = Uuid>,
    entry: &ledger_entry::Model,
    kind: &str,
    title: &str,
) -> AppResult<usize> {
    Notifier::notify(
        write,
        recipients,
        &Draft {
            category: NotificationCategory::Assessment,
            priority: NotificationPriority::Important,
            kind: kind.to_owned(),
            title: title.to_owned(),
            text: entry.reason.clone(),
            subject: SubjectRef {
                kind: LEDGER_SUBJECT,
                id: entry.id,
            },
        },
    )
    .await
}
