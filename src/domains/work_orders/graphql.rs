//! GraphQL surface of work orders, including the live subscriptions.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use super::{
    access::relation,
    service::{CHANGED, Change, NewRating, NewWorkOrder, WorkOrderService},
    types::{
        CommentVisibility, EligibleStaff, HoldReason, WorkOrder, WorkOrderChannel,
        WorkOrderComment, WorkOrderEntry, WorkOrderEvent, WorkOrderStatus,
    },
};
use crate::{
    domains::catalogue::types::Priority,
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
/// Longest description, reason or comment.
const MAX_TEXT: usize = 4000;

/// Input of `createWorkOrder`.
#[derive(InputObject)]
pub struct CreateWorkOrderInput {
    /// The catalogue category.
    pub category_id: ID,
    /// The unit concerned. Leave out for a public area and give `buildingId` and `location`.
    pub unit_id: Option<ID>,
    /// The building of a public-area order.
    pub building_id: Option<ID>,
    /// Where in the building (public areas).
    pub location: Option<String>,
    /// Title (1–200 characters).
    pub title: String,
    /// Description (1–4000 characters).
    pub description: String,
    /// Priority; the category's default when left out.
    pub priority: Option<Priority>,
    /// How it arrived (staff only; residents' orders are `APP`).
    pub channel: Option<WorkOrderChannel>,
    /// Staff entering an order for a resident: that resident's user id.
    pub on_behalf_of: Option<ID>,
    /// A bookable offering of the category (see `serviceCategory { offerings }`).
    pub offering_id: Option<ID>,
    /// A slot of that offering; a full slot is `CONFLICT` on `input.slotId`.
    pub slot_id: Option<ID>,
    /// The household member a personalised service (childcare, elderly care, pet care) is for:
    /// a member of the order's unit, where the requester lives; otherwise `BAD_USER_INPUT` on
    /// `input.householdMemberId`.
    pub household_member_id: Option<ID>,
    /// The facility asset it concerns (staff and managers; an asset of the order's building,
    /// else `BAD_USER_INPUT` on `input.assetId`).
    pub asset_id: Option<ID>,
}

/// Input naming one order, optionally with the version you saw.
#[derive(InputObject)]
pub struct WorkOrderActionInput {
    /// The order.
    pub id: ID,
    /// The `version` you saw; the change is refused with `CONFLICT` if the order changed since.
    pub expected_version: Option<i32>,
}

/// Input naming one order and a reason.
#[derive(InputObject)]
pub struct WorkOrderReasonInput {
    /// The order.
    pub id: ID,
    /// Why (required for rejections and returns, and when staff cancel).
    pub reason: Option<String>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `assignWorkOrder` and `transferWorkOrder`.
#[derive(InputObject)]
pub struct AssignWorkOrderInput {
    /// The order.
    pub id: ID,
    /// The staff record to give it to (see `eligibleStaff`).
    pub staff_id: ID,
    /// Why (staff-only).
    pub reason: Option<String>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `addWorkOrderAssistant` and `removeWorkOrderAssistant`.
#[derive(InputObject)]
pub struct WorkOrderAssistantInput {
    /// The order.
    pub id: ID,
    /// The staff record.
    pub staff_id: ID,
}

/// Input of `holdWorkOrder`.
#[derive(InputObject)]
pub struct HoldWorkOrderInput {
    /// The order.
    pub id: ID,
    /// Why it waits, in words (shown on the timeline).
    pub reason: String,
    /// What it waits for: `AWAITING_PARTS`, `AWAITING_RESIDENT` and `AWAITING_CONTRACTOR` stop
    /// the service-level clocks; `OTHER` (the default) does not.
    pub kind: Option<HoldReason>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `resolveWorkOrder`.
#[derive(InputObject)]
pub struct ResolveWorkOrderInput {
    /// The order.
    pub id: ID,
    /// What was done.
    pub resolution: String,
    /// Amount to pay, a decimal string (`"120.00"`), for payable categories.
    pub amount: Option<String>,
    /// The `version` you saw.
    pub expected_version: Option<i32>,
}

/// Input of `rateWorkOrder`.
#[derive(InputObject)]
pub struct RateWorkOrderInput {
    /// The order.
    pub id: ID,
    /// Overall, 1–5.
    pub score: i32,
    /// Speed, 1–5.
    pub speed: Option<i32>,
    /// Attitude, 1–5.
    pub attitude: Option<i32>,
    /// Quality, 1–5.
    pub quality: Option<i32>,
    /// Tags (e.g. `punctual`).
    pub tags: Option<Vec<String>>,
    /// Comment.
    pub comment: Option<String>,
    /// Not fixed: reopens the order instead of closing it.
    pub not_fixed: Option<bool>,
}

/// Input of `replyToWorkOrderRating`.
#[derive(InputObject)]
pub struct ReplyToRatingInput {
    /// The order.
    pub id: ID,
    /// The reply.
    pub reply: String,
}

/// Input of `recordReturnVisit`.
#[derive(InputObject)]
pub struct ReturnVisitInput {
    /// The order.
    pub id: ID,
    /// What the resident said.
    pub note: Option<String>,
}

/// Input of `addWorkOrderComment`.
#[derive(InputObject)]
pub struct AddWorkOrderCommentInput {
    /// The order.
    pub id: ID,
    /// Text.
    pub body: String,
    /// Who reads it; residents write `RESIDENT_VISIBLE` only.
    pub visibility: Option<CommentVisibility>,
    /// Attachment URLs (`https://`).
    pub attachments: Option<Vec<String>>,
}

/// Filter of `workOrders`.
#[derive(InputObject, Default)]
pub struct WorkOrderFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<WorkOrderStatus>>,
    /// Only this building.
    pub building_id: Option<ID>,
    /// Only orders you requested.
    pub mine: Option<bool>,
}

/// Result of a work-order change.
#[derive(SimpleObject)]
pub struct WorkOrderPayload {
    /// The order after the change.
    pub work_order: WorkOrder,
    /// Things worth knowing (e.g. the same text was submitted within 24 hours).
    pub warnings: Vec<String>,
}

/// Result of `addWorkOrderComment`.
#[derive(SimpleObject)]
pub struct WorkOrderCommentPayload {
    /// The comment.
    pub comment: WorkOrderComment,
    /// The order it is on, as you may see it.
    pub work_order: WorkOrder,
}

fn text<const MAX: usize>(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<MAX>::parse(field, raw)?.into_inner())
}

fn opt_text<const MAX: usize>(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    Ok(Text::<MAX>::parse_opt(field, raw)?.map(Text::into_inner))
}

fn decimal(field: &str, raw: Option<String>) -> AppResult<Option<String>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let (whole, cents) = raw.split_once('.').unwrap_or((&raw, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 8
        && whole.chars().all(|c| c.is_ascii_digit())
        && cents.len() <= 2
        && cents.chars().all(|c| c.is_ascii_digit());
    if !ok {
        return Err(AppError::bad_input(
            field,
            "must be a non-negative decimal such as 120.00",
        ));
    }
    Ok(Some(raw))
}

async fn payload(
    ctx: &Context<'_>,
    model: entity::work_order::Model,
) -> async_graphql::Result<WorkOrderPayload> {
    let scope = ctx.scope().await?;
    let rel = relation(scope, &model).await?;
    Ok(WorkOrderPayload {
        work_order: WorkOrder::try_from_model(model, rel.staff_view)?,
        warnings: Vec::new(),
    })
}

/// Work-order queries.
#[derive(Default)]
pub struct WorkOrderQuery;

#[Object]
impl WorkOrderQuery {
    /// One work order you may see.
    async fn work_order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<WorkOrder> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, rel) = WorkOrderService::new(ctx.state()).get(scope, id).await?;
        Ok(WorkOrder::try_from_model(model, rel.staff_view)?)
    }

    /// The work orders you may see, newest first (see the README's who-sees-what table). Pages
    /// both ways (at most 100).
    #[allow(clippy::too_many_arguments)]
    async fn work_orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<WorkOrderFilter>,
    ) -> async_graphql::Result<CountedConnection<WorkOrder>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let building = filter
            .building_id
            .map(|id| parse_id("filter.buildingId", &id))
            .transpose()?;
        let scope = ctx.scope().await?;
        let page = WorkOrderService::new(ctx.state())
            .list(
                scope,
                filter.statuses,
                building,
                filter.mine.unwrap_or(false),
                &page,
            )
            .await?;
        let mut staff_views = Vec::with_capacity(page.items.len());
        for model in &page.items {
            staff_views.push(relation(scope, model).await?.staff_view);
        }
        let mut views = staff_views.into_iter();
        Ok(page.try_into_counted_connection(|model| {
            WorkOrder::try_from_model(model, views.next().unwrap_or(false))
        })?)
    }

    /// Every staff member considered for an order, with whether they may take it and what
    /// blocks the others (dispatchers and supervisors).
    async fn eligible_staff(
        &self,
        ctx: &Context<'_>,
        work_order_id: ID,
    ) -> async_graphql::Result<Vec<EligibleStaff>> {
        let id = parse_id("workOrderId", &work_order_id)?;
        let scope = ctx.scope().await?;
        Ok(WorkOrderService::new(ctx.state())
            .eligible_staff(scope, id)
            .await?)
    }
}

/// Work-order mutations.
#[derive(Default)]
pub struct WorkOrderMutation;

#[Object]
impl WorkOrderMutation {
    /// Books a service or reports a problem. Residents: for their home (or a public area of their
    /// building), at most 5 a day; staff may enter one on a resident's behalf. Categories
    /// dispatched automatically are assigned at once.
    async fn create_work_order(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkOrderInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        // Every malformed field is reported at once.
        let mut check = Checks::new();
        let category_id = check.field(parse_id("input.categoryId", &input.category_id));
        let unit_id = check.field(parse_opt_id("input.unitId", input.unit_id.as_ref()));
        let building_id = check.field(parse_opt_id("input.buildingId", input.building_id.as_ref()));
        let location = check.field(opt_text::<200>("input.location", input.location.as_deref()));
        let title = check.field(text::<MAX_TITLE>("input.title", &input.title));
        let description = check.field(text::<MAX_TEXT>("input.description", &input.description));
        let on_behalf_of = check.field(parse_opt_id(
            "input.onBehalfOf",
            input.on_behalf_of.as_ref(),
        ));
        let offering_id = check.field(parse_opt_id("input.offeringId", input.offering_id.as_ref()));
        let slot_id = check.field(parse_opt_id("input.slotId", input.slot_id.as_ref()));
        let household_member_id = check.field(parse_opt_id(
            "input.householdMemberId",
            input.household_member_id.as_ref(),
        ));
        let asset_id = check.field(parse_opt_id("input.assetId", input.asset_id.as_ref()));
        let new = check.finish(|| {
            Some(NewWorkOrder {
                category_id: category_id?,
                unit_id: unit_id?,
                building_id: building_id?,
                location: location?,
                title: title?,
                description: description?,
                priority: input.priority,
                channel: input.channel,
                on_behalf_of: on_behalf_of?,
                offering_id: offering_id?,
                slot_id: slot_id?,
                household_member_id: household_member_id?,
                asset_id: asset_id?,
            })
        })?;
        let scope = ctx.scope().await?;
        let submitted = WorkOrderService::new(ctx.state())
            .create(scope, new)
            .await?;
        let mut out = payload(ctx, submitted.order).await?;
        out.warnings = submitted.warnings;
        Ok(out)
    }

    /// Gives an order to an eligible staff member (dispatchers: administrators and the
    /// building's managers).
    async fn assign_work_order(
        &self,
        ctx: &Context<'_>,
        input: AssignWorkOrderInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let staff = parse_id("input.staffId", &input.staff_id)?;
        let reason = opt_text::<MAX_TEXT>("input.reason", input.reason.as_deref())?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .assign(scope, id, staff, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// Hands an order to another eligible staff member (its assignee or a dispatcher).
    async fn transfer_work_order(
        &self,
        ctx: &Context<'_>,
        input: AssignWorkOrderInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let staff = parse_id("input.staffId", &input.staff_id)?;
        let reason = opt_text::<MAX_TEXT>("input.reason", input.reason.as_deref())?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .transfer(scope, id, staff, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// Takes an unassigned order of a grab-dispatched category, accepting it at once. Of many
    /// staff grabbing at the same time one wins; the others get `CONFLICT`.
    async fn grab_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderActionInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state()).grab(scope, id).await?;
        payload(ctx, model).await
    }

    /// The assignee accepts the order (its first response).
    async fn accept_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderActionInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .accept(scope, id, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The assignee starts work.
    async fn start_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderActionInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .start(scope, id, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The assignee puts the order on hold, with a reason.
    async fn hold_work_order(
        &self,
        ctx: &Context<'_>,
        input: HoldWorkOrderInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let reason = text::<MAX_TEXT>("input.reason", &input.reason)?;
        let kind = input.kind.unwrap_or(HoldReason::Other);
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .hold(scope, id, kind, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The assignee resumes work after a hold.
    async fn resume_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderActionInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .resume(scope, id, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The assignee resolves the order.
    async fn resolve_work_order(
        &self,
        ctx: &Context<'_>,
        input: ResolveWorkOrderInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let resolution = text::<MAX_TEXT>("input.resolution", &input.resolution)?;
        let amount = decimal("input.amount", input.amount)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .resolve(scope, id, resolution, amount, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The requester rates a resolved order, once; `notFixed` reopens it.
    async fn rate_work_order(
        &self,
        ctx: &Context<'_>,
        input: RateWorkOrderInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let comment = opt_text::<MAX_TEXT>("input.comment", input.comment.as_deref())?;
        let tags = input
            .tags
            .unwrap_or_default()
            .iter()
            .map(|tag| text::<40>("input.tags", tag))
            .collect::<AppResult<Vec<_>>>()?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .rate(
                scope,
                id,
                NewRating {
                    score: input.score,
                    speed: input.speed,
                    attitude: input.attitude,
                    quality: input.quality,
                    tags,
                    comment,
                    not_fixed: input.not_fixed.unwrap_or(false),
                },
            )
            .await?;
        payload(ctx, model).await
    }

    /// The assignee answers the rating, once.
    async fn reply_to_work_order_rating(
        &self,
        ctx: &Context<'_>,
        input: ReplyToRatingInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let reply = text::<MAX_TEXT>("input.reply", &input.reply)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .reply_to_rating(scope, id, reply)
            .await?;
        payload(ctx, model).await
    }

    /// The requester reopens a resolved order (within 7 days); the second reopen escalates to the
    /// building's managers.
    async fn reopen_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderReasonInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let reason = opt_text::<MAX_TEXT>("input.reason", input.reason.as_deref())?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .reopen(scope, id, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// Cancels an order: its requester before work starts, or a dispatcher with a reason.
    async fn cancel_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderReasonInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let reason = opt_text::<MAX_TEXT>("input.reason", input.reason.as_deref())?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .cancel(scope, id, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// A dispatcher refuses an order, with a reason.
    async fn reject_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderReasonInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let reason = text::<MAX_TEXT>("input.reason", input.reason.as_deref().unwrap_or(""))?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .reject(scope, id, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// The assignee gives the order back for dispatch, with a reason.
    async fn return_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderReasonInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let reason = text::<MAX_TEXT>("input.reason", input.reason.as_deref().unwrap_or(""))?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .give_back(scope, id, reason, input.expected_version)
            .await?;
        payload(ctx, model).await
    }

    /// Customer service (or a dispatcher) records the return visit of a resolved order.
    async fn record_return_visit(
        &self,
        ctx: &Context<'_>,
        input: ReturnVisitInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let note = opt_text::<MAX_TEXT>("input.note", input.note.as_deref())?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .record_return_visit(scope, id, note)
            .await?;
        payload(ctx, model).await
    }

    /// The requester urges an order past its due time (once an hour); its assignee and the
    /// building's managers are told.
    async fn urge_work_order(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderActionInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state()).urge(scope, id).await?;
        payload(ctx, model).await
    }

    /// Adds an eligible staff member as an assistant (the assignee or a dispatcher); assistants
    /// see the order and its internal data.
    async fn add_work_order_assistant(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderAssistantInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let staff = parse_id("input.staffId", &input.staff_id)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .set_assistant(scope, id, staff, true)
            .await?;
        payload(ctx, model).await
    }

    /// Removes an assistant (the assignee or a dispatcher).
    async fn remove_work_order_assistant(
        &self,
        ctx: &Context<'_>,
        input: WorkOrderAssistantInput,
    ) -> async_graphql::Result<WorkOrderPayload> {
        let id = parse_id("input.id", &input.id)?;
        let staff = parse_id("input.staffId", &input.staff_id)?;
        let scope = ctx.scope().await?;
        let model = WorkOrderService::new(ctx.state())
            .set_assistant(scope, id, staff, false)
            .await?;
        payload(ctx, model).await
    }

    /// Comments on an order you may see; internal comments are for staff.
    async fn add_work_order_comment(
        &self,
        ctx: &Context<'_>,
        input: AddWorkOrderCommentInput,
    ) -> async_graphql::Result<WorkOrderCommentPayload> {
        let id = parse_id("input.id", &input.id)?;
        let body = text::<MAX_TEXT>("input.body", &input.body)?;
        let attachments = input
            .attachments
            .unwrap_or_default()
            .into_iter()
            .map(|url| {
                if url.starts_with("https://")
                    && url.len() <= 2000
                    && !url.chars().any(char::is_whitespace)
                {
                    Ok(url)
                } else {
                    Err(AppError::bad_input(
                        "input.attachments",
                        "must be https:// URLs",
                    ))
                }
            })
            .collect::<AppResult<Vec<_>>>()?;
        let scope = ctx.scope().await?;
        let comment = WorkOrderService::new(ctx.state())
            .comment(
                scope,
                id,
                body,
                input
                    .visibility
                    .unwrap_or(CommentVisibility::ResidentVisible),
                attachments,
            )
            .await?;
        let (model, rel) = WorkOrderService::new(ctx.state()).get(scope, id).await?;
        Ok(WorkOrderCommentPayload {
            comment: WorkOrderComment::try_from_model(comment)?,
            work_order: WorkOrder::try_from_model(model, rel.staff_view)?,
        })
    }
}

/// Work-order subscriptions.
#[derive(Default)]
pub struct WorkOrderSubscription;

/// The changes of the work-order topic the viewer may see now, optionally one order's only.
async fn changes(
    ctx: &Context<'_>,
    only: Option<Uuid>,
    after: Option<String>,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<WorkOrderEvent>> + use<>> {
    let me = ctx.require_user()?.id;
    let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
    let state = ctx.state().clone();
    if let Some(id) = only {
        // Subscribing to one order needs the right to see it now.
        let scope = state.scopes.get(&state, me).await?;
        WorkOrderService::new(&state).get(&scope, id).await?;
    }
    let events = replay_then_live(state.db.clone(), &state.bus, Topic::WorkOrders, after).await?;
    Ok(events.filter_map(move |event| {
        let state = state.clone();
        async move {
            let result: AppResult<Option<WorkOrderEvent>> = async {
                let event = event?;
                if event.kind != CHANGED {
                    return Ok(None);
                }
                let cursor = event.cursor();
                let change: Change =
                    serde_json::from_value(event.payload).map_err(AppError::internal)?;
                if only.is_some_and(|id| id != change.order.id) {
                    return Ok(None);
                }
                // Judged with the subscriber's rights now, event by event.
                let scope = state.scopes.get(&state, me).await?;
                let rel = relation(&scope, &change.order).await?;
                if !rel.sees {
                    return Ok(None);
                }
                Ok(Some(WorkOrderEvent {
                    cursor,
                    change: WorkOrderEntry::try_from_model(change.entry, rel.staff_view)?,
                    work_order: WorkOrder::try_from_model(change.order, rel.staff_view)?,
                }))
            }
            .await;
            result.map_err(Into::into).transpose()
        }
    }))
}

#[Subscription]
impl WorkOrderSubscription {
    /// One order's changes, live. With `after` (a cursor from an earlier event) the changes
    /// since then come first, in order, with no gap and no duplicate.
    async fn work_order_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<WorkOrderEvent>> + use<>>
    {
        let id = parse_id("id", &id)?;
        changes(ctx, Some(id), after).await
    }

    /// Every order you may see changing, live: a requester's own, a staff member's queue, a
    /// manager's dispatch board. Filtered per event by your access at that moment; internal
    /// data is removed for residents.
    async fn work_order_feed(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<WorkOrderEvent>> + use<>>
    {
        changes(ctx, None, after).await
    }
}
