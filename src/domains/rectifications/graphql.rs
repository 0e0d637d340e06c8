//! GraphQL surface of rectifications, including the live subscriptions.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Duration, Utc};
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use super::{
    access::relation,
    service::{
        CHANGED, Change, ListFilter, MAX_EVIDENCE, NewRectification, RectificationService,
        StepInput,
    },
    types::{
        Evidence, Rectification, RectificationAction, RectificationEntry, RectificationEvent,
        RectificationSource, RectificationStatus,
    },
};
use crate::{
    error::{AppError, AppResult},
    events::{
        Topic,
        log::{parse_cursor, replay_then_live},
    },
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        text::Text,
    },
};

/// Longest problem, corrective action, note or reason.
const MAX_TEXT: usize = 4000;
/// Longest evidence note.
const MAX_NOTE: usize = 500;
/// Longest evidence link.
const MAX_URL: usize = 2000;
/// Furthest due date, in days from now.
const MAX_DUE_DAYS: i64 = 366;

/// Input of `openRectification`.
#[derive(InputObject)]
pub struct OpenRectificationInput {
    /// The building it concerns.
    pub building_id: ID,
    /// What found the problem.
    pub source: RectificationSource,
    /// The complaint, inspection, work order (required for `LOW_RATING`) or survey.
    pub source_id: Option<ID>,
    /// The staff record responsible: `ACTIVE` and serving the building.
    pub responsible_staff_id: ID,
    /// What is wrong (1–4000 characters).
    pub problem: String,
    /// What is to be done, if already known.
    pub corrective_action: Option<String>,
    /// Due by (in the future, within a year).
    pub due_at: DateTime<Utc>,
    /// A work order opened for the work (of the same building).
    pub work_order_id: Option<ID>,
}

/// One piece of evidence.
#[derive(InputObject)]
pub struct RectificationEvidenceInput {
    /// An `https://` link (a photo, a document).
    pub url: String,
    /// What it shows (up to 500 characters).
    pub note: Option<String>,
}

/// Input naming one rectification, optionally with the version you saw.
#[derive(InputObject)]
pub struct RectificationActionInput {
    /// The rectification.
    pub id: ID,
    /// The `version` you saw; the step is refused with `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Input of `recordRectification` and `submitRectification`.
#[derive(InputObject)]
pub struct RectificationWorkInput {
    /// The rectification.
    pub id: ID,
    /// The corrective action taken (replaces the stored one).
    pub corrective_action: Option<String>,
    /// The evidence, at most 10 items (replaces the stored list).
    pub evidence: Option<Vec<RectificationEvidenceInput>>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `verifyRectification`.
#[derive(InputObject)]
pub struct VerifyRectificationInput {
    /// The rectification.
    pub id: ID,
    /// A remark for the responsible person.
    pub note: Option<String>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `rejectRectification`.
#[derive(InputObject)]
pub struct RejectRectificationInput {
    /// The rectification.
    pub id: ID,
    /// Why it is sent back (required).
    pub reason: String,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Filter of `rectifications`.
#[derive(InputObject, Default)]
pub struct RectificationFilter {
    /// Only these statuses (one value or a list).
    pub status: Option<Vec<RectificationStatus>>,
    /// Only this source kind.
    pub source_kind: Option<RectificationSource>,
    /// Only this building.
    pub building_id: Option<ID>,
    /// Only this responsible staff record.
    pub responsible_staff_id: Option<ID>,
    /// `true`: only overdue ones (past due, not verified); `false`: only the others.
    pub overdue: Option<bool>,
    /// Only those you are responsible for.
    pub mine: Option<bool>,
}

/// Result of a rectification step.
#[derive(SimpleObject)]
pub struct RectificationPayload {
    /// The rectification after the step.
    pub rectification: Rectification,
}

fn text(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<MAX_TEXT>::parse(field, raw)?.into_inner())
}

fn opt_text(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    Ok(Text::<MAX_TEXT>::parse_opt(field, raw)?.map(Text::into_inner))
}

/// Checks an evidence list: at most [`MAX_EVIDENCE`] items, each an `https://` link with an
/// optional short note.
fn evidence(raw: Option<Vec<RectificationEvidenceInput>>) -> AppResult<Option<Vec<Evidence>>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.len() > MAX_EVIDENCE {
        return Err(AppError::bad_input(
            "input.evidence",
            format!("takes at most {MAX_EVIDENCE} items"),
        ));
    }
    raw.into_iter()
        .map(|item| {
            let url_ok = item.url.starts_with("https://")
                && item.url.len() > "https://".len()
                && item.url.len() <= MAX_URL
                && !item
                    .url
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control());
            if !url_ok {
                return Err(AppError::bad_input(
                    "input.evidence",
                    "each item needs an https:// url",
                ));
            }
            let note = Text::<MAX_NOTE>::parse_opt("input.evidence", item.note.as_deref())?
                .map(Text::into_inner);
            Ok(Evidence {
                url: item.url,
                note,
            })
        })
        .collect::<AppResult<Vec<_>>>()
        .map(Some)
}

async fn payload(
    ctx: &Context<'_>,
    model: entity::rectification::Model,
) -> async_graphql::Result<RectificationPayload> {
    Ok(RectificationPayload {
        rectification: Rectification::try_from_model(model, ctx.state().clock.now())?,
    })
}

/// Rectification queries.
#[derive(Default)]
pub struct RectificationQuery;

#[Object]
impl RectificationQuery {
    /// One rectification you may see.
    async fn rectification(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Rectification> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, _) = RectificationService::new(ctx.state())
            .get(scope, id)
            .await?;
        Ok(Rectification::try_from_model(
            model,
            ctx.state().clock.now(),
        )?)
    }

    /// The rectifications you may see, newest first (see the README's who-sees-what table):
    /// staff their own, managers their buildings', supervisors and administrators all.
    /// Residents and merchants: `FORBIDDEN`. Pages both ways (at most 100).
    #[allow(clippy::too_many_arguments)]
    async fn rectifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<RectificationFilter>,
    ) -> async_graphql::Result<CountedConnection<Rectification>> {
        let filter = filter.unwrap_or_default();
        let mut check = Checks::new();
        let page = check.field(PageRequest::parse(first, after, last, before));
        let building = check.field(parse_opt_id(
            "filter.buildingId",
            filter.building_id.as_ref(),
        ));
        let staff = check.field(parse_opt_id(
            "filter.responsibleStaffId",
            filter.responsible_staff_id.as_ref(),
        ));
        let (page, list) = check.finish(|| {
            Some((
                page?,
                ListFilter {
                    statuses: filter.status,
                    source: filter.source_kind,
                    building_id: building?,
                    responsible_staff_id: staff?,
                    overdue: filter.overdue,
                    mine: filter.mine.unwrap_or(false),
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let page = RectificationService::new(ctx.state())
            .list(scope, list, &page)
            .await?;
        let now = ctx.state().clock.now();
        Ok(page.try_into_counted_connection(|model| Rectification::try_from_model(model, now))?)
    }
}

/// Rectification mutations.
#[derive(Default)]
pub struct RectificationMutation;

async fn step(
    ctx: &Context<'_>,
    id: &ID,
    action: RectificationAction,
    expected_version: Option<i32>,
    input: StepInput,
) -> async_graphql::Result<RectificationPayload> {
    let id = parse_id("input.id", id)?;
    let scope = ctx.scope().await?;
    let model = RectificationService::new(ctx.state())
        .step(scope, id, action, expected_version, input)
        .await?;
    payload(ctx, model).await
}

#[Object]
impl RectificationMutation {
    /// Opens a rectification by hand (administrators, supervisors, and managers for their
    /// buildings). The responsible staff member must be `ACTIVE` and serve the building
    /// (`BAD_USER_INPUT` on `input.responsibleStaffId` otherwise); the due date must be in the
    /// future. They are notified at once.
    async fn open_rectification(
        &self,
        ctx: &Context<'_>,
        input: OpenRectificationInput,
    ) -> async_graphql::Result<RectificationPayload> {
        let now = ctx.state().clock.now();
        let mut check = Checks::new();
        let building_id = check.field(parse_id("input.buildingId", &input.building_id));
        let source_id = check.field(parse_opt_id("input.sourceId", input.source_id.as_ref()));
        let responsible = check.field(parse_id(
            "input.responsibleStaffId",
            &input.responsible_staff_id,
        ));
        let problem = check.field(text("input.problem", &input.problem));
        let corrective_action = check.field(opt_text(
            "input.correctiveAction",
            input.corrective_action.as_deref(),
        ));
        let work_order_id = check.field(parse_opt_id(
            "input.workOrderId",
            input.work_order_id.as_ref(),
        ));
        check.rule(input.due_at > now, "input.dueAt", "must be in the future");
        check.rule(
            input.due_at <= now + Duration::days(MAX_DUE_DAYS),
            "input.dueAt",
            "must be within a year",
        );
        check.rule(
            input.source != RectificationSource::LowRating || input.source_id.is_some(),
            "input.sourceId",
            "a LOW_RATING rectification names its work order",
        );
        let new = check.finish(|| {
            Some(NewRectification {
                building_id: building_id?,
                source: input.source,
                source_id: source_id?,
                responsible_staff_id: responsible?,
                problem: problem?,
                corrective_action: corrective_action?,
                due_at: input.due_at,
                work_order_id: work_order_id?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = RectificationService::new(ctx.state())
            .open_by_hand(scope, new)
            .await?;
        payload(ctx, model).await
    }

    /// The responsible staff member starts work (`OPEN` → `IN_PROGRESS`).
    async fn start_rectification(
        &self,
        ctx: &Context<'_>,
        input: RectificationActionInput,
    ) -> async_graphql::Result<RectificationPayload> {
        step(
            ctx,
            &input.id,
            RectificationAction::Start,
            input.expected_version,
            StepInput::default(),
        )
        .await
    }

    /// The responsible staff member records the corrective action and evidence while
    /// `IN_PROGRESS` (each given field replaces the stored one).
    async fn record_rectification(
        &self,
        ctx: &Context<'_>,
        input: RectificationWorkInput,
    ) -> async_graphql::Result<RectificationPayload> {
        let mut check = Checks::new();
        let corrective_action = check.field(opt_text(
            "input.correctiveAction",
            input.corrective_action.as_deref(),
        ));
        check.rule(
            input.corrective_action.is_some() || input.evidence.is_some(),
            "input.correctiveAction",
            "give the corrective action, the evidence, or both",
        );
        let evidence = check.field(evidence(input.evidence));
        let work = check.finish(|| {
            Some(StepInput {
                corrective_action: corrective_action?,
                evidence: evidence?,
                note: None,
            })
        })?;
        step(
            ctx,
            &input.id,
            RectificationAction::Record,
            input.expected_version,
            work,
        )
        .await
    }

    /// The responsible staff member submits the correction for verification
    /// (`IN_PROGRESS` → `SUBMITTED`): it needs a corrective action and at least one piece of
    /// evidence, given here or recorded before. The building's managers are notified.
    async fn submit_rectification(
        &self,
        ctx: &Context<'_>,
        input: RectificationWorkInput,
    ) -> async_graphql::Result<RectificationPayload> {
        let mut check = Checks::new();
        let corrective_action = check.field(opt_text(
            "input.correctiveAction",
            input.corrective_action.as_deref(),
        ));
        let evidence = check.field(evidence(input.evidence));
        let work = check.finish(|| {
            Some(StepInput {
                corrective_action: corrective_action?,
                evidence: evidence?,
                note: None,
            })
        })?;
        step(
            ctx,
            &input.id,
            RectificationAction::Submit,
            input.expected_version,
            work,
        )
        .await
    }

    /// A verifier (a manager of the building, a supervisor or an administrator; never the
    /// responsible person, `FORBIDDEN`) accepts the correction (`SUBMITTED` → `VERIFIED`).
    async fn verify_rectification(
        &self,
        ctx: &Context<'_>,
        input: VerifyRectificationInput,
    ) -> async_graphql::Result<RectificationPayload> {
        let note = opt_text("input.note", input.note.as_deref())?;
        step(
            ctx,
            &input.id,
            RectificationAction::Verify,
            input.expected_version,
            StepInput {
                note,
                ..StepInput::default()
            },
        )
        .await
    }

    /// A verifier sends the correction back with a reason (`SUBMITTED` → `IN_PROGRESS`; the
    /// timeline records `REJECT`). The responsible person is notified.
    async fn reject_rectification(
        &self,
        ctx: &Context<'_>,
        input: RejectRectificationInput,
    ) -> async_graphql::Result<RectificationPayload> {
        let reason = text("input.reason", &input.reason)?;
        step(
            ctx,
            &input.id,
            RectificationAction::Reject,
            input.expected_version,
            StepInput {
                note: Some(reason),
                ..StepInput::default()
            },
        )
        .await
    }
}

/// Rectification subscriptions.
#[derive(Default)]
pub struct RectificationSubscription;

/// The changes of the rectification topic the viewer may see now, optionally one's only.
async fn changes(
    ctx: &Context<'_>,
    only: Option<Uuid>,
    after: Option<String>,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RectificationEvent>> + use<>> {
    let me = ctx.require_user()?.id;
    let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
    let state = ctx.state().clone();
    if let Some(id) = only {
        // Following one needs the right to see it now.
        let scope = state.scopes.get(&state, me).await?;
        RectificationService::new(&state).get(&scope, id).await?;
    }
    let events =
        replay_then_live(state.db.clone(), &state.bus, Topic::Rectifications, after).await?;
    Ok(events.filter_map(move |event| {
        let state = state.clone();
        async move {
            let result: AppResult<Option<RectificationEvent>> = async {
                let event = event?;
                if event.kind != CHANGED {
                    return Ok(None);
                }
                let cursor = event.cursor();
                let change: Change =
                    serde_json::from_value(event.payload).map_err(AppError::internal)?;
                if only.is_some_and(|id| id != change.rectification.id) {
                    return Ok(None);
                }
                // Judged with the subscriber's rights now, event by event.
                let scope = state.scopes.get(&state, me).await?;
                if !relation(&scope, &change.rectification).await?.sees {
                    return Ok(None);
                }
                Ok(Some(RectificationEvent {
                    cursor,
                    change: RectificationEntry::try_from_model(change.entry)?,
                    rectification: Rectification::try_from_model(
                        change.rectification,
                        state.clock.now(),
                    )?,
                }))
            }
            .await;
            result.map_err(Into::into).transpose()
        }
    }))
}

#[Subscription]
impl RectificationSubscription {
    /// One rectification's changes, live. With `after` (a cursor from an earlier event) the
    /// changes since then come first, in order, with no gap and no duplicate.
    async fn rectification_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RectificationEvent>> + use<>>
    {
        let id = parse_id("id", &id)?;
        changes(ctx, Some(id), after).await
    }

    /// Every rectification you may see changing, live (a staff member's own, a manager's
    /// buildings', everything for supervisors and administrators), judged per event by your
    /// access at that moment; replays after `after` like `rectificationUpdated`.
    async fn rectification_feed(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RectificationEvent>> + use<>>
    {
        changes(ctx, None, after).await
    }
}
