//! GraphQL surface of conduct: policies, acknowledgements and the rewards and penalties ledger.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    service::{ConductService, LedgerAction, NewLedgerEntry, NewPolicyVersion},
    types::{
        LedgerEntry, LedgerKind, LedgerSourceKind, LedgerStatus, Policy, PolicyAcknowledgement,
        PolicyKind, PolicyStanding, PolicyVersion,
    },
};
use crate::{
    domains::{catalogue::input::Price, estate::types::StaffPost},
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        text::Text,
    },
};

/// Longest policy text or ledger reason.
const MAX_TEXT: usize = 20_000;
/// Longest note or appeal.
const MAX_NOTE: usize = 4000;
/// Longest grace period, in days.
const MAX_GRACE_DAYS: i32 = 365;
/// Grace period when none is given, in days.
const DEFAULT_GRACE_DAYS: i32 = 14;

/// Input of `publishPolicyVersion`.
#[derive(InputObject)]
pub struct PublishPolicyVersionInput {
    /// The policy.
    pub policy: PolicyKind,
    /// Title (1–200 characters).
    pub title: String,
    /// The text (give this, `url`, or both).
    pub body: Option<String>,
    /// A link to the document (`https://`).
    pub url: Option<String>,
    /// The posts that must acknowledge it; every post when left out.
    pub posts: Option<Vec<StaffPost>>,
    /// Days to acknowledge it (0–365, default 14).
    pub grace_days: Option<i32>,
}

/// The record a penalty rests on.
#[derive(InputObject)]
pub struct LedgerSourceInput {
    /// Its kind.
    pub kind: LedgerSourceKind,
    /// Its id.
    pub id: ID,
}

/// Input of `proposeLedgerEntry`.
#[derive(InputObject)]
pub struct ProposeLedgerEntryInput {
    /// The staff record.
    pub staff_id: ID,
    /// What it records.
    pub kind: LedgerKind,
    /// Amount, a decimal string (`"200.00"`): required for `BONUS` and `FINE`, refused otherwise.
    pub amount: Option<String>,
    /// Why (1–20000 characters).
    pub reason: String,
    /// The record it rests on: required for every penalty.
    pub source: Option<LedgerSourceInput>,
    /// Start of a suspension (`SUSPENSION` only, required there).
    pub suspension_from: Option<DateTime<Utc>>,
    /// End of a suspension (`SUSPENSION` only, required there).
    pub suspension_until: Option<DateTime<Utc>>,
}

/// Input of a decision on a ledger entry or its appeal.
#[derive(InputObject)]
pub struct LedgerDecisionInput {
    /// The entry.
    pub id: ID,
    /// A note for the staff member.
    pub note: Option<String>,
}

/// Input of `appealLedgerEntry`.
#[derive(InputObject)]
pub struct AppealLedgerEntryInput {
    /// The entry.
    pub id: ID,
    /// The grounds for the appeal (1–4000 characters).
    pub reason: String,
}

/// Result of `publishPolicyVersion`.
#[derive(SimpleObject)]
pub struct PolicyVersionPayload {
    /// The version published.
    pub version: PolicyVersion,
}

/// Result of `acknowledgePolicy`.
#[derive(SimpleObject)]
pub struct PolicyAcknowledgementPayload {
    /// The acknowledgement (the existing one when acknowledged before).
    pub acknowledgement: PolicyAcknowledgement,
}

/// Result of a ledger step.
#[derive(SimpleObject)]
pub struct LedgerEntryPayload {
    /// The entry after the step.
    pub entry: LedgerEntry,
}

/// Conduct queries.
#[derive(Default)]
pub struct ConductQuery;

#[Object]
impl ConductQuery {
    /// Every published policy with its current version and history (staff, supervisors,
    /// administrators).
    async fn policies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Policy>> {
        let scope = ctx.scope().await?;
        let policies = ConductService::new(ctx.state()).policies(scope).await?;
        let mut out = Vec::with_capacity(policies.len());
        for (kind, versions) in policies {
            let versions = versions
                .into_iter()
                .map(PolicyVersion::try_from_model)
                .collect::<AppResult<Vec<_>>>()?;
            let mut iter = versions.into_iter();
            if let Some(current) = iter.next() {
                let mut versions = vec![current.clone()];
                versions.extend(iter);
                out.push(Policy {
                    kind,
                    current,
                    versions,
                });
            }
        }
        Ok(out)
    }

    /// Where a staff member (yourself when `staffId` is left out) stands with every policy
    /// applying to their post: staff their own, managers their buildings' staff, supervisors
    /// and administrators everyone's.
    async fn policy_acknowledgements(
        &self,
        ctx: &Context<'_>,
        staff_id: Option<ID>,
    ) -> async_graphql::Result<Vec<PolicyStanding>> {
        let staff_id = parse_opt_id("staffId", staff_id.as_ref())?;
        let scope = ctx.scope().await?;
        let standings = ConductService::new(ctx.state())
            .standings(scope, staff_id)
            .await?;
        Ok(standings
            .into_iter()
            .map(policy_standing)
            .collect::<AppResult<Vec<_>>>()?)
    }

    /// Rewards and penalties you may see, newest first: of one staff member (`staffId`) or of
    /// everyone you oversee.
    async fn ledger_entries(
        &self,
        ctx: &Context<'_>,
        staff_id: Option<ID>,
        status: Option<LedgerStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<LedgerEntry>> {
        let page = PageRequest::parse(first, after, None, None)?;
        let staff_id = parse_opt_id("staffId", staff_id.as_ref())?;
        let scope = ctx.scope().await?;
        let page = ConductService::new(ctx.state())
            .list(scope, staff_id, status, &page)
            .await?;
        Ok(page.try_into_counted_connection(LedgerEntry::try_from_model)?)
    }

    /// One ledger entry you may see.
    async fn ledger_entry(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<LedgerEntry> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = ConductService::new(ctx.state()).entry(scope, id).await?;
        Ok(LedgerEntry::try_from_model(model)?)
    }
}

/// Conduct mutations.
#[derive(Default)]
pub struct ConductMutation;

#[Object]
impl ConductMutation {
    /// Publishes the next version of a policy (administrators); the staff it applies to are
    /// notified and must acknowledge it within its grace period.
    async fn publish_policy_version(
        &self,
        ctx: &Context<'_>,
        input: PublishPolicyVersionInput,
    ) -> async_graphql::Result<PolicyVersionPayload> {
        let mut check = Checks::new();
        let title = check.field(Text::<200>::parse("input.title", &input.title));
        let body = check.field(Text::<MAX_TEXT>::parse_opt(
            "input.body",
            input.body.as_deref(),
        ));
        let url = check.field(Text::<2000>::parse_opt("input.url", input.url.as_deref()));
        check.rule(
            input
                .url
                .as_deref()
                .is_none_or(|u| u.trim().starts_with("https://")),
            "input.url",
            "must be an https:// link",
        );
        check.rule(
            input.body.is_some() || input.url.is_some(),
            "input.body",
            "give the text, a link, or both",
        );
        let posts = input.posts.unwrap_or_else(|| StaffPost::ALL.to_vec());
        check.rule(!posts.is_empty(), "input.posts", "name at least one post");
        let grace_days = input.grace_days.unwrap_or(DEFAULT_GRACE_DAYS);
        check.rule(
            (0..=MAX_GRACE_DAYS).contains(&grace_days),
            "input.graceDays",
            "must be between 0 and 365",
        );
        let new = check.finish(|| {
            Some(NewPolicyVersion {
                policy: input.policy,
                title: title?.into_inner(),
                body: body?.map(Text::into_inner),
                url: url?.map(Text::into_inner),
                posts,
                grace_days,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = ConductService::new(ctx.state()).publish(scope, new).await?;
        Ok(PolicyVersionPayload {
            version: PolicyVersion::try_from_model(model)?,
        })
    }

    /// Acknowledges the current version of a policy applying to your post (an older version is
    /// `INVALID_STATE`); acknowledging again returns the first acknowledgement.
    async fn acknowledge_policy(
        &self,
        ctx: &Context<'_>,
        version_id: ID,
    ) -> async_graphql::Result<PolicyAcknowledgementPayload> {
        let version_id = parse_id("versionId", &version_id)?;
        let scope = ctx.scope().await?;
        let model = ConductService::new(ctx.state())
            .acknowledge(scope, version_id)
            .await?;
        Ok(PolicyAcknowledgementPayload {
            acknowledgement: PolicyAcknowledgement::try_from_model(model)?,
        })
    }

    /// Proposes a reward or penalty (administrators; managers for the staff of their
    /// buildings). It takes effect once someone else approves it.
    async fn propose_ledger_entry(
        &self,
        ctx: &Context<'_>,
        input: ProposeLedgerEntryInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        let mut check = Checks::new();
        let staff_id = check.field(parse_id("input.staffId", &input.staff_id));
        let amount = check.field(
            input
                .amount
                .as_deref()
                .map(|a| Price::parse("input.amount", a).map(String::from))
                .transpose(),
        );
        let reason = check.field(Text::<MAX_TEXT>::parse("input.reason", &input.reason));
        let source = check.field(
            input
                .source
                .as_ref()
                .map(|s| parse_id("input.source.id", &s.id).map(|id| (s.kind, id)))
                .transpose(),
        );
        let suspension = match (input.suspension_from, input.suspension_until) {
            (Some(from), Some(until)) => Some((from, until)),
            (None, None) => None,
            _ => {
                check.add(AppError::bad_input(
                    "input.suspensionUntil",
                    "give both suspensionFrom and suspensionUntil",
                ));
                None
            }
        };
        if let (Some(staff_id), Some(amount), Some(reason), Some(source)) =
            (staff_id, amount.clone(), reason.clone(), source)
        {
            NewLedgerEntry {
                staff_id,
                kind: input.kind,
                amount,
                reason: reason.into_inner(),
                source,
                suspension,
            }
            .check(&mut check);
        }
        let new = check.finish(|| {
            Some(NewLedgerEntry {
                staff_id: staff_id?,
                kind: input.kind,
                amount: amount?,
                reason: reason?.into_inner(),
                source: source?,
                suspension,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = ConductService::new(ctx.state()).propose(scope, new).await?;
        Ok(LedgerEntryPayload {
            entry: LedgerEntry::try_from_model(model)?,
        })
    }

    /// Approves a proposed entry (administrators and supervisors; not its proposer, not its
    /// subject). An approved suspension starts when its period does.
    async fn approve_ledger_entry(
        &self,
        ctx: &Context<'_>,
        input: LedgerDecisionInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        step(ctx, input.id, input.note, LedgerAction::Approve).await
    }

    /// Rejects a proposed entry (as for approving).
    async fn reject_ledger_entry(
        &self,
        ctx: &Context<'_>,
        input: LedgerDecisionInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        step(ctx, input.id, input.note, LedgerAction::Reject).await
    }

    /// Appeals an approved penalty about yourself, within 7 days of its approval.
    async fn appeal_ledger_entry(
        &self,
        ctx: &Context<'_>,
        input: AppealLedgerEntryInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        step(ctx, input.id, Some(input.reason), LedgerAction::Appeal).await
    }

    /// Refuses an appeal: the penalty stands (supervisors).
    async fn uphold_ledger_appeal(
        &self,
        ctx: &Context<'_>,
        input: LedgerDecisionInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        step(ctx, input.id, input.note, LedgerAction::Uphold).await
    }

    /// Grants an appeal: the penalty is withdrawn, and a running suspension ends now
    /// (supervisors).
    async fn overturn_ledger_appeal(
        &self,
        ctx: &Context<'_>,
        input: LedgerDecisionInput,
    ) -> async_graphql::Result<LedgerEntryPayload> {
        step(ctx, input.id, input.note, LedgerAction::Overturn).await
    }
}

/// Parses the id and note of a ledger step, then takes it.
async fn step(
    ctx: &Context<'_>,
    id: ID,
    note: Option<String>,
    action: LedgerAction,
) -> async_graphql::Result<LedgerEntryPayload> {
    let mut check = Checks::new();
    let id = check.field(parse_id("input.id", &id));
    let field = if action == LedgerAction::Appeal {
        "input.reason"
    } else {
        "input.note"
    };
    let note = check.field(Text::<MAX_NOTE>::parse_opt(field, note.as_deref()));
    let (id, note) = check.finish(|| Some((id?, note?.map(Text::into_inner))))?;
    let scope = ctx.scope().await?;
    let model = ConductService::new(ctx.state())
        .act(scope, id, action, note)
        .await?;
    Ok(LedgerEntryPayload {
        entry: LedgerEntry::try_from_model(model)?,
    })
}

/// A staff member's standing on one policy, as the API shows it.
pub(crate) fn policy_standing(s: super::service::Standing) -> AppResult<PolicyStanding> {
    Ok(PolicyStanding {
        policy: PolicyKind::from_stored(&s.current.policy)?,
        current: PolicyVersion::try_from_model(s.current)?,
        acknowledgement: s
            .acknowledgement
            .map(PolicyAcknowledgement::try_from_model)
            .transpose()?,
        acknowledged_version: s.acknowledged_version,
        due_by: s.due_by,
        lapsed: s.lapsed,
    })
}
