//! GraphQL surface of complaints, including the live subscription.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::{
    access::{relation, relation_to},
    service::{
        CHANGED, Change, ComplaintListFilter, ComplaintService, NewComplaint,
        NewComplaintRectification,
    },
    types::{Complaint, ComplaintEntry, ComplaintEvent, ComplaintKind, ComplaintStatus, View},
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

/// Longest title.
const MAX_TITLE: usize = 200;
/// Longest description, reply, note or reason.
const MAX_TEXT: usize = 4000;

/// Input of `submitComplaint`.
#[derive(InputObject)]
pub struct SubmitComplaintInput {
    /// What it is about.
    pub kind: ComplaintKind,
    /// Title (1–200 characters).
    pub title: String,
    /// Description (1–4000 characters).
    pub description: String,
    /// A work order it is about: one you may see, in the same building.
    pub work_order_id: Option<ID>,
    /// The staff member it is about (or praises): a staff record serving the building.
    pub staff_id: Option<ID>,
    /// Hide who you are from staff (you still follow the complaint; the daily limit still
    /// counts it). Default false.
    pub anonymous: Option<bool>,
    /// The building it concerns: required when you live in several, else your building.
    pub building_id: Option<ID>,
}

/// Input naming one complaint for a handling step, optionally with a note and the version you
/// saw.
#[derive(InputObject)]
pub struct ComplaintStepInput {
    /// The complaint.
    pub id: ID,
    /// A note for the timeline (visible to the complainant).
    pub note: Option<String>,
    /// The `version` you saw; the step is refused with `CONFLICT` if the complaint changed since.
    pub expected_version: Option<i32>,
}

/// Input of `assignComplaintHandler`.
#[derive(InputObject)]
pub struct AssignComplaintHandlerInput {
    /// The complaint.
    pub id: ID,
    /// The staff record to handle it (active, serving the building, never the staff member the
    /// complaint is about). Leave out to take it yourself.
    pub staff_id: Option<ID>,
    /// Why (staff only).
    pub note: Option<String>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `startComplaintRectification`.
#[derive(InputObject)]
pub struct StartComplaintRectificationInput {
    /// The complaint.
    pub id: ID,
    /// The staff record responsible for the rectification (serving the building).
    pub responsible_staff_id: ID,
    /// What is wrong (1–4000 characters); the complaint's title when left out.
    pub problem: Option<String>,
    /// What is to be done.
    pub corrective_action: Option<String>,
    /// Due by (in the future).
    pub due_at: DateTime<Utc>,
    /// A note for the timeline (visible to the complainant).
    pub note: Option<String>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `replyToComplaint`.
#[derive(InputObject)]
pub struct ReplyToComplaintInput {
    /// The complaint.
    pub id: ID,
    /// The reply to the complainant (1–4000 characters).
    pub reply: String,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `reopenComplaint` and `appealComplaint`.
#[derive(InputObject)]
pub struct ComplaintReasonInput {
    /// The complaint.
    pub id: ID,
    /// Why (required to appeal).
    pub reason: Option<String>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `rateComplaintHandling`.
#[derive(InputObject)]
pub struct RateComplaintHandlingInput {
    /// The complaint.
    pub id: ID,
    /// 1–5.
    pub score: i32,
    /// A comment (read by the handling staff).
    pub comment: Option<String>,
}

/// Input of `addComplaintNote`.
#[derive(InputObject)]
pub struct AddComplaintNoteInput {
    /// The complaint.
    pub id: ID,
    /// Text (1–4000 characters).
    pub body: String,
    /// Staff only: never shown to the complainant or the staff member concerned (handling staff
    /// and supervisors). Default false.
    pub internal: Option<bool>,
}

/// Filter of `complaints`.
#[derive(InputObject, Default)]
pub struct ComplaintFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<ComplaintStatus>>,
    /// Only these kinds.
    pub kinds: Option<Vec<ComplaintKind>>,
    /// Only this building.
    pub building_id: Option<ID>,
    /// Only complaints you submitted.
    pub mine: Option<bool>,
    /// Only complaints you handle.
    pub handled_by_me: Option<bool>,
}

/// Result of a complaint step.
#[derive(SimpleObject)]
pub struct ComplaintPayload {
    /// The complaint after the step, as you may see it.
    pub complaint: Complaint,
}

/// Result of `addComplaintNote`.
#[derive(SimpleObject)]
pub struct ComplaintNotePayload {
    /// The note, as a timeline entry.
    pub note: ComplaintEntry,
    /// The complaint, as you may see it.
    pub complaint: Complaint,
}

fn text<const MAX: usize>(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<MAX>::parse(field, raw)?.into_inner())
}

fn opt_text<const MAX: usize>(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    Ok(Text::<MAX>::parse_opt(field, raw)?.map(Text::into_inner))
}

/// The complaint as the viewer sees it now.
async fn present(ctx: &Context<'_>, model: entity::complaint::Model) -> AppResult<Complaint> {
    let scope = ctx.scope().await?;
    let rel = relation(scope, &model).await?;
    let state = ctx.state();
    Complaint::try_from_model(
        model,
        View::from(&rel),
        state.clock.now(),
        ComplaintService::new(state).reopen_window(),
    )
}

async fn payload(
    ctx: &Context<'_>,
    model: entity::complaint::Model,
) -> async_graphql::Result<ComplaintPayload> {
    Ok(ComplaintPayload {
        complaint: present(ctx, model).await?,
    })
}

/// Complaint queries.
#[derive(Default)]
pub struct ComplaintQuery;

#[Object]
impl ComplaintQuery {
    /// One complaint you may see (see the README's who-sees-what table).
    async fn complaint(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Complaint> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, _) = ComplaintService::new(ctx.state()).get(scope, id).await?;
        Ok(present(ctx, model).await?)
    }

    /// The complaints you may see, newest first. Pages both ways (at most 100).
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ComplaintFilter>,
    ) -> async_graphql::Result<CountedConnection<Complaint>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let building_id = parse_opt_id("filter.buildingId", filter.building_id.as_ref())?;
        let scope = ctx.scope().await?;
        let state = ctx.state();
        let service = ComplaintService::new(state);
        let page = service
            .list(
                scope,
                ComplaintListFilter {
                    statuses: filter.statuses,
                    kinds: filter.kinds,
                    building_id,
                    mine: filter.mine.unwrap_or(false),
                    handled_by_me: filter.handled_by_me.unwrap_or(false),
                },
                &page,
            )
            .await?;
        let mut views = Vec::with_capacity(page.items.len());
        for model in &page.items {
            views.push(View::from(&relation(scope, model).await?));
        }
        let mut views = views.into_iter();
        let (now, window) = (state.clock.now(), service.reopen_window());
        Ok(page.try_into_counted_connection(|model| {
            Complaint::try_from_model(model, views.next().unwrap_or_default(), now, window)
        })?)
    }
}

/// Complaint mutations.
#[derive(Default)]
pub struct ComplaintMutation;

#[Object]
impl ComplaintMutation {
    /// Submits a complaint, suggestion or praise about a building you live in (at most
    /// `--complaint-daily-limit` a day, then `RATE_LIMITED`). Anonymous complaints hide you from
    /// staff; you still follow them.
    async fn submit_complaint(
        &self,
        ctx: &Context<'_>,
        input: SubmitComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let mut check = Checks::new();
        let title = check.field(text::<MAX_TITLE>("input.title", &input.title));
        let description = check.field(text::<MAX_TEXT>("input.description", &input.description));
        let work_order_id = check.field(parse_opt_id(
            "input.workOrderId",
            input.work_order_id.as_ref(),
        ));
        let staff_id = check.field(parse_opt_id("input.staffId", input.staff_id.as_ref()));
        let building_id = check.field(parse_opt_id("input.buildingId", input.building_id.as_ref()));
        let new = check.finish(|| {
            Some(NewComplaint {
                kind: input.kind,
                title: title?,
                description: description?,
                building_id: building_id?,
                work_order_id: work_order_id?,
                staff_id: staff_id?,
                anonymous: input.anonymous.unwrap_or(false),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .submit(scope, new)
            .await?;
        payload(ctx, model).await
    }

    /// Gives the complaint a handler (the building's managers and administrators): a staff
    /// member serving the building, never the one it is about (`BAD_USER_INPUT` on
    /// `input.staffId`). Leave `staffId` out to take it yourself.
    async fn assign_complaint_handler(
        &self,
        ctx: &Context<'_>,
        input: AssignComplaintHandlerInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let staff = check.field(parse_opt_id("input.staffId", input.staff_id.as_ref()));
        let note = check.field(opt_text::<MAX_TEXT>("input.note", input.note.as_deref()));
        let (id, staff, note) = check.finish(|| Some((id?, staff?, note?)))?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .assign(scope, id, staff, note, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The handler (or a manager) acknowledges the complaint.
    async fn acknowledge_complaint(
        &self,
        ctx: &Context<'_>,
        input: ComplaintStepInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let (id, note) = step_input(&input)?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .acknowledge(scope, id, note, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The handler (or a manager) starts investigating.
    async fn start_complaint_investigation(
        &self,
        ctx: &Context<'_>,
        input: ComplaintStepInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let (id, note) = step_input(&input)?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .investigate(scope, id, note, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The handler (or a manager) opens a rectification for the complaint (source `COMPLAINT`),
    /// in the same transaction as the step to `RECTIFYING`.
    async fn start_complaint_rectification(
        &self,
        ctx: &Context<'_>,
        input: StartComplaintRectificationInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let responsible = check.field(parse_id(
            "input.responsibleStaffId",
            &input.responsible_staff_id,
        ));
        let problem = check.field(opt_text::<MAX_TEXT>(
            "input.problem",
            input.problem.as_deref(),
        ));
        let action = check.field(opt_text::<MAX_TEXT>(
            "input.correctiveAction",
            input.corrective_action.as_deref(),
        ));
        let note = check.field(opt_text::<MAX_TEXT>("input.note", input.note.as_deref()));
        check.rule(
            input.due_at > ctx.state().clock.now(),
            "input.dueAt",
            "must be in the future",
        );
        let (id, new, note) = check.finish(|| {
            Some((
                id?,
                NewComplaintRectification {
                    responsible_staff_id: responsible?,
                    problem: problem?,
                    corrective_action: action?,
                    due_at: input.due_at,
                },
                note?,
            ))
        })?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .rectify(scope, id, new, note, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// Replies to the complainant: the handler or a manager; on an appealed complaint, a
    /// supervisor or an administrator. The reply is what the complainant reads.
    async fn reply_to_complaint(
        &self,
        ctx: &Context<'_>,
        input: ReplyToComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let reply = check.field(text::<MAX_TEXT>("input.reply", &input.reply));
        let (id, reply) = check.finish(|| Some((id?, reply?)))?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .reply(scope, id, reply, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// Closes a replied complaint (the handler or a manager). Replied complaints also close by
    /// themselves once the reopen window has passed.
    async fn close_complaint(
        &self,
        ctx: &Context<'_>,
        input: ComplaintStepInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let (id, note) = step_input(&input)?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .close(scope, id, note, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The complainant reopens the complaint after its reply: once, within
    /// `--complaint-reopen-days` (`INVALID_STATE` otherwise).
    async fn reopen_complaint(
        &self,
        ctx: &Context<'_>,
        input: ComplaintReasonInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let reason = check.field(opt_text::<MAX_TEXT>(
            "input.reason",
            input.reason.as_deref(),
        ));
        let (id, reason) = check.finish(|| Some((id?, reason?)))?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .reopen(scope, id, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The complainant appeals to the supervisors after the reply: once, within the reopen
    /// window, with a reason. The supervisors answer with `replyToComplaint`.
    async fn appeal_complaint(
        &self,
        ctx: &Context<'_>,
        input: ComplaintReasonInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let reason = check.field(text::<MAX_TEXT>(
            "input.reason",
            input.reason.as_deref().unwrap_or(""),
        ));
        let (id, reason) = check.finish(|| Some((id?, reason?)))?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .appeal(scope, id, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The complainant rates the handling once the complaint is replied to: once (`CONFLICT`
    /// the second time).
    async fn rate_complaint_handling(
        &self,
        ctx: &Context<'_>,
        input: RateComplaintHandlingInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let comment = check.field(opt_text::<MAX_TEXT>(
            "input.comment",
            input.comment.as_deref(),
        ));
        check.rule(
            (1..=5).contains(&input.score),
            "input.score",
            "must be between 1 and 5",
        );
        let (id, comment) = check.finish(|| Some((id?, comment?)))?;
        let scope = ctx.scope().await?;
        let model = ComplaintService::new(ctx.state())
            .rate(scope, id, input.score, comment)
            .await?;
        payload(ctx, model).await
    }

    /// Adds a note to the timeline: the complainant's are visible to staff; staff notes are
    /// visible to the complainant unless `internal`.
    async fn add_complaint_note(
        &self,
        ctx: &Context<'_>,
        input: AddComplaintNoteInput,
    ) -> async_graphql::Result<ComplaintNotePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let body = check.field(text::<MAX_TEXT>("input.body", &input.body));
        let (id, body) = check.finish(|| Some((id?, body?)))?;
        let scope = ctx.scope().await?;
        let (model, entry) = ComplaintService::new(ctx.state())
            .note(scope, id, body, input.internal.unwrap_or(false))
            .await?;
        let complaint = present(ctx, model).await?;
        Ok(ComplaintNotePayload {
            note: ComplaintEntry::try_from_model(entry, complaint.view)?,
            complaint,
        })
    }
}

fn step_input(input: &ComplaintStepInput) -> AppResult<(uuid::Uuid, Option<String>)> {
    let mut check = Checks::new();
    let id = check.field(parse_id("input.id", &input.id));
    let note = check.field(opt_text::<MAX_TEXT>("input.note", input.note.as_deref()));
    check.finish(|| Some((id?, note?)))
}

/// Complaint subscriptions.
#[derive(Default)]
pub struct ComplaintSubscription;

#[Subscription]
impl ComplaintSubscription {
    /// One complaint's changes, live. With `after` (a cursor from an earlier event) the changes
    /// since then come first, in order, with no gap and no duplicate. Each event is judged by
    /// your access at that moment: internal notes reach the handling staff only, and an
    /// anonymous complainant is null for everyone else.
    async fn complaint_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ComplaintEvent>> + use<>>
    {
        let id = parse_id("id", &id)?;
        let me = ctx.require_user()?.id;
        let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
        let state = ctx.state().clone();
        // Following a complaint needs the right to see it now.
        let scope = state.scopes.get(&state, me).await?;
        let (found, _) = ComplaintService::new(&state).get(&scope, id).await?;
        let complainant = found.complainant_id;
        let events =
            replay_then_live(state.db.clone(), &state.bus, Topic::Complaints, after).await?;
        Ok(events.filter_map(move |event| {
            let state = state.clone();
            async move {
                let result: AppResult<Option<ComplaintEvent>> = async {
                    let event = event?;
                    if event.kind != CHANGED {
                        return Ok(None);
                    }
                    let cursor = event.cursor();
                    let change: Change =
                        serde_json::from_value(event.payload).map_err(AppError::internal)?;
                    if change.complaint.id != id {
                        return Ok(None);
                    }
                    // Judged with the subscriber's rights now, event by event; the payload never
                    // names an anonymous complainant, so the one read at subscription is used.
                    let scope = state.scopes.get(&state, me).await?;
                    let rel = relation_to(&scope, &change.complaint, complainant).await?;
                    if !rel.sees || (change.entry.internal && !rel.staff_view) {
                        return Ok(None);
                    }
                    let view = View::from(&rel);
                    let mut model = change.complaint;
                    model.complainant_id = complainant;
                    Ok(Some(ComplaintEvent {
                        cursor,
                        change: ComplaintEntry::try_from_model(change.entry, view)?,
                        complaint: Complaint::try_from_model(
                            model,
                            view,
                            state.clock.now(),
                            ComplaintService::new(&state).reopen_window(),
                        )?,
                    }))
                }
                .await;
                result.map_err(Into::into).transpose()
            }
        }))
    }
}
