//! GraphQL surface of notices, including the live subscriptions.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, future::BoxFuture, stream::BoxStream};
use serde::Deserialize;
use std::sync::Arc;

use super::{
    audience::Audience,
    board::{NoticeBoard, NoticeLog, NoticeReceiptStats},
    service::{MAX_BODY, NewNotice, NoticeService, PUBLISHED, Publication, WITHDRAWN, Withdrawal},
    types::{Notice, NoticeKind, NoticePriority},
};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::Role,
    domains::estate::{access::Scope, types::Unit},
    error::{AppError, AppResult},
    events::{
        Topic,
        log::{Cursor, LoggedEvent, ReplaySource, parse_cursor, replay_rows_then_live},
    },
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_ids, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        plain::Plain,
        shared::{Admits, ResumeAfter, Shape, ShareableField, SharedEvent, SharedProbe},
        text::Text,
    },
};

/// A floor of a building, as an audience target.
#[derive(InputObject)]
pub struct NoticeFloorInput {
    /// The building.
    building_id: ID,
    /// The floor.
    floor: i32,
}

/// Who a notice is for; every target given is included.
#[derive(InputObject, Default)]
pub struct NoticeAudienceInput {
    /// The whole estate.
    estate: Option<bool>,
    /// Everyone living in or serving these buildings.
    building_ids: Option<Vec<ID>>,
    /// Everyone living on these floors.
    floors: Option<Vec<NoticeFloorInput>>,
    /// Everyone living in these units.
    unit_ids: Option<Vec<ID>>,
    /// Everyone holding these roles.
    roles: Option<Vec<Role>>,
}

impl NoticeAudienceInput {
    /// The audience, or `None` with each malformed id list and an empty audience recorded.
    pub(crate) fn parse(self, check: &mut Checks) -> Option<Audience> {
        let mut ids = |field: &str, ids: Option<Vec<ID>>| {
            check.field(parse_ids(field, &ids.unwrap_or_default()))
        };
        let building_ids = ids("input.audience.buildingIds", self.building_ids);
        let unit_ids = ids("input.audience.unitIds", self.unit_ids);
        let floors = check.field(
            self.floors
                .unwrap_or_default()
                .into_iter()
                .map(|f| Ok((parse_id("input.audience.floors", &f.building_id)?, f.floor)))
                .collect::<AppResult<Vec<_>>>(),
        );
        let audience = Audience {
            estate: self.estate.unwrap_or(false),
            building_ids: building_ids?,
            floors: floors?,
            unit_ids: unit_ids?,
            roles: self.roles.unwrap_or_default(),
        };
        check.field(audience.require_targets())?;
        Some(audience)
    }
}

/// Input of `publishNotice`.
#[derive(InputObject)]
pub struct PublishNoticeInput {
    /// Title (1–200 characters).
    title: String,
    /// Body in Markdown (up to 20,000 characters).
    body: String,
    /// Kind.
    kind: NoticeKind,
    /// Priority; `NORMAL` when omitted.
    priority: Option<NoticePriority>,
    /// Who the notice is for.
    audience: NoticeAudienceInput,
    /// When to publish; now when omitted or past.
    publish_at: Option<DateTime<Utc>>,
    /// When it stops being shown by default; must be after the publication time.
    expires_at: Option<DateTime<Utc>>,
    /// Show it above the others.
    pinned: Option<bool>,
    /// Ask readers to acknowledge it.
    requires_ack: Option<bool>,
    /// The notice this one corrects (it stays, linked to this one).
    supersedes: Option<ID>,
}

/// A notice's title: 1–200 characters, trimmed.
pub type NoticeTitle = Text<200>;
/// A notice's body (Markdown): 1–20,000 characters, trimmed.
pub type NoticeBody = Text<MAX_BODY>;

impl PublishNoticeInput {
    /// Every field checked at once (`now` places `expiresAt` after the publication time).
    fn parse(self, draft: bool, now: DateTime<Utc>) -> AppResult<NewNotice> {
        let mut check = Checks::new();
        let title = check.field(NoticeTitle::parse("input.title", &self.title));
        let body = check.field(NoticeBody::parse("input.body", &self.body));
        let audience = self.audience.parse(&mut check);
        let publish_at = NewNotice::publication_time(self.publish_at, now);
        check.field(NewNotice::check_expiry(publish_at, self.expires_at));
        let supersedes = check.field(parse_opt_id("input.supersedes", self.supersedes.as_ref()));
        check.finish(|| {
            Some(NewNotice {
                title: title?.into_inner(),
                body: body?.into_inner(),
                kind: self.kind,
                priority: self.priority.unwrap_or(NoticePriority::Normal),
                audience: audience?,
                publish_at: self.publish_at,
                expires_at: self.expires_at,
                pinned: self.pinned.unwrap_or(false),
                requires_ack: self.requires_ack.unwrap_or(false),
                supersedes: supersedes?,
                draft,
            })
        })
    }
}

/// Input of `publishNoticeDraft`.
#[derive(InputObject)]
pub struct PublishNoticeDraftInput {
    /// The draft.
    id: ID,
    /// When to publish; now when omitted or past.
    publish_at: Option<DateTime<Utc>>,
}

/// Input of `withdrawNotice`.
#[derive(InputObject)]
pub struct WithdrawNoticeInput {
    /// The notice.
    id: ID,
}

/// Result of `publishNotice`, `createNoticeDraft`, `publishNoticeDraft` and `withdrawNotice`.
#[derive(SimpleObject)]
pub struct PublishNoticePayload {
    /// The notice (status `PUBLISHED`, or `SCHEDULED` for a future `publishAt`).
    notice: Notice,
}

/// Input of `markNoticeRead` and `acknowledgeNotice`.
#[derive(InputObject)]
pub struct NoticeReceiptInput {
    /// The notice.
    notice_id: ID,
}

/// Result of `markNoticeRead` and `acknowledgeNotice`.
#[derive(SimpleObject)]
pub struct NoticeReceiptPayload {
    /// The notice.
    notice: Notice,
    /// When you first read it.
    read_at: Option<DateTime<Utc>>,
    /// When you acknowledged it.
    acknowledged_at: Option<DateTime<Utc>>,
}

/// What happened on your board.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum NoticeEventKind {
    /// A notice was published for you: add `notice` to the board.
    NoticePublished,
    /// A notice addressed to you was withdrawn: drop the notice `noticeId` from the board
    /// (`notice` is null: a withdrawn notice is no longer readable). It may name a notice you
    /// never got (published and withdrawn while you were away): ignore it then.
    NoticeWithdrawn,
}

/// A change to your board delivered live: a publication or a withdrawal.
#[derive(SimpleObject)]
pub struct NoticeEvent {
    /// Pass as `after` when resubscribing.
    cursor: String,
    /// Whether the notice was published or withdrawn.
    kind: NoticeEventKind,
    /// The notice's id, for either kind.
    notice_id: ID,
    /// The notice published; null for a withdrawal.
    notice: Option<Notice>,
}

/// Notice queries.
#[derive(Default)]
pub struct NoticeQuery;

#[Object]
impl NoticeQuery {
    /// Notices addressed to you (all, for administrators): pinned first, then newest first.
    /// Expired notices are left out unless `includeExpired` is true. Pages both ways
    /// (`first`/`after`, `last`/`before`, at most 100).
    #[allow(clippy::too_many_arguments)]
    async fn notices(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        include_expired: Option<bool>,
        kind: Option<NoticeKind>,
    ) -> async_graphql::Result<CountedConnection<Plain<Notice>>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = NoticeBoard::new(ctx.state())
            .notices(
                scope,
                include_expired.unwrap_or(false),
                kind,
                &page,
                ctx.token_reads().notices_head,
            )
            .await?;
        let now = ctx.state().clock.now();
        Ok(page
            .try_into_counted_connection(|model| Notice::try_from_model(model, now).map(Plain))?)
    }

    /// One notice addressed to you.
    async fn notice(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Notice> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = NoticeBoard::new(ctx.state()).notice(scope, id).await?;
        Ok(Notice::try_from_model(model, ctx.state().clock.now())?)
    }

    /// Read and acknowledgement counts of a notice (administrators and managers).
    async fn notice_receipt_stats(
        &self,
        ctx: &Context<'_>,
        notice_id: ID,
    ) -> async_graphql::Result<NoticeReceiptStats> {
        ctx.require_user()?;
        let id = parse_id("noticeId", &notice_id)?;
        let scope = ctx.scope().await?;
        Ok(NoticeBoard::new(ctx.state()).stats(scope, id).await?)
    }

    /// Units whose residents are in a notice's audience and none of whom acknowledged it
    /// (administrators and managers).
    async fn unacknowledged_units(
        &self,
        ctx: &Context<'_>,
        notice_id: ID,
    ) -> async_graphql::Result<Vec<Unit>> {
        ctx.require_user()?;
        let id = parse_id("noticeId", &notice_id)?;
        let scope = ctx.scope().await?;
        let units = NoticeBoard::new(ctx.state())
            .unacknowledged_units(scope, id)
            .await?;
        Ok(units
            .into_iter()
            .map(Unit::try_from_model)
            .collect::<AppResult<_>>()?)
    }
}

/// Notice mutations.
#[derive(Default)]
pub struct NoticeMutation;

#[Object]
impl NoticeMutation {
    /// Publishes a notice to its audience now, or schedules it (administrators and managers).
    /// Everyone in the audience gets a notification, except those who muted its kind (unless it
    /// is an emergency).
    async fn publish_notice(
        &self,
        ctx: &Context<'_>,
        input: PublishNoticeInput,
    ) -> async_graphql::Result<PublishNoticePayload> {
        ctx.require_user()?;
        let new = input.parse(false, ctx.state().clock.now())?;
        let scope = ctx.scope().await?;
        let model = NoticeService::new(ctx.state()).publish(scope, new).await?;
        Ok(PublishNoticePayload {
            notice: Notice::try_from_model(model, ctx.state().clock.now())?,
        })
    }

    /// Saves a notice as a draft, visible to publishers only (administrators and managers).
    async fn create_notice_draft(
        &self,
        ctx: &Context<'_>,
        input: PublishNoticeInput,
    ) -> async_graphql::Result<PublishNoticePayload> {
        ctx.require_user()?;
        let new = input.parse(true, ctx.state().clock.now())?;
        let scope = ctx.scope().await?;
        let model = NoticeService::new(ctx.state()).publish(scope, new).await?;
        Ok(PublishNoticePayload {
            notice: Notice::try_from_model(model, ctx.state().clock.now())?,
        })
    }

    /// Publishes a draft now, or schedules it (administrators and managers).
    async fn publish_notice_draft(
        &self,
        ctx: &Context<'_>,
        input: PublishNoticeDraftInput,
    ) -> async_graphql::Result<PublishNoticePayload> {
        ctx.require_user()?;
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = NoticeService::new(ctx.state())
            .publish_draft(scope, id, input.publish_at)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(PublishNoticePayload {
            notice: Notice::try_from_model(model, ctx.state().clock.now())?,
        })
    }

    /// Withdraws a notice: it leaves the board, and a scheduled one is never published
    /// (administrators and managers).
    async fn withdraw_notice(
        &self,
        ctx: &Context<'_>,
        input: WithdrawNoticeInput,
    ) -> async_graphql::Result<PublishNoticePayload> {
        ctx.require_user()?;
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = NoticeService::new(ctx.state())
            .withdraw(scope, id)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(PublishNoticePayload {
            notice: Notice::try_from_model(model, ctx.state().clock.now())?,
        })
    }

    /// Records that you read a notice addressed to you (idempotent).
    async fn mark_notice_read(
        &self,
        ctx: &Context<'_>,
        input: NoticeReceiptInput,
    ) -> async_graphql::Result<NoticeReceiptPayload> {
        receipt(ctx, input, false).await
    }

    /// Acknowledges a notice addressed to you (idempotent; also marks it read).
    async fn acknowledge_notice(
        &self,
        ctx: &Context<'_>,
        input: NoticeReceiptInput,
    ) -> async_graphql::Result<NoticeReceiptPayload> {
        receipt(ctx, input, true).await
    }
}

async fn receipt(
    ctx: &Context<'_>,
    input: NoticeReceiptInput,
    acknowledge: bool,
) -> async_graphql::Result<NoticeReceiptPayload> {
    ctx.require_user()?;
    let id = parse_id("input.noticeId", &input.notice_id)?;
    let scope = ctx.scope().await?;
    let (notice, receipt) = NoticeService::new(ctx.state())
        .receipt(scope, id, acknowledge)
        .await
        .map_err(|err| err.on_field("input.noticeId"))?;
    Ok(NoticeReceiptPayload {
        notice: Notice::try_from_model(notice, ctx.state().clock.now())?,
        read_at: receipt.read_at,
        acknowledged_at: receipt.acknowledged_at,
    })
}

/// Notice subscriptions.
#[derive(Default)]
pub struct NoticeSubscription;

#[Subscription]
impl NoticeSubscription {
    /// Your board, live: notices published for you (`NOTICE_PUBLISHED`) and withdrawals of
    /// notices addressed to you (`NOTICE_WITHDRAWN`, with `noticeId` and a null `notice`). With
    /// `after` (a cursor from an earlier event) the events since then come first, in order; a
    /// notice withdrawn since then is never replayed as published, only its withdrawal.
    async fn notice_published(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<BoxStream<'static, async_graphql::Result<NoticeEvent>>> {
        let state = ctx.state().clone();
        // One execution for a whole shared group: each member's judgement decides delivery.
        if let Some(SharedEvent(event)) = ctx.data_opt::<SharedEvent>() {
            let item = BoardEvent::decode(event)
                .map(|decoded| decoded.into_item(event.cursor(), state.clock.now()));
            return Ok(futures_util::stream::iter(item.map(|r| r.map_err(Into::into))).boxed());
        }
        let me = ctx.require_user()?.id;
        let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
        if ctx.data_opt::<SharedProbe>().is_some() {
            // Checked; the group serves it (and warms its scope while it joins).
            return Ok(futures_util::stream::empty().boxed());
        }
        let after = after.or(ctx
            .data_opt::<ResumeAfter>()
            .map(|resume| Cursor::Seq(resume.0)));
        // Boxed: async-graphql keeps the space of this future for the life of the subscription,
        // and setting up (scope, facets, replay position) would make it several KiB. Made only
        // once it is this subscription's turn, so a burst of subscribers queues cheaply.
        Ok(state
            .in_turn(|| notice_events(state.clone(), me, after))
            .await?
            .boxed())
    }

    /// Read and acknowledgement counts of a notice, live, as readers act (administrators and
    /// managers). The current counts come first.
    async fn notice_receipts_changed(
        &self,
        ctx: &Context<'_>,
        notice_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<NoticeReceiptStats>> + use<>>
    {
        let me = ctx.require_user()?.id;
        let id = parse_id("noticeId", &notice_id)?;
        let state = ctx.state();
        // Subscribed before the first count, so no change can fall between the two.
        let live = state.bus.subscribe(&Topic::NoticeReceipts(id)).await;
        let scope = ctx.scope().await?;
        let current = NoticeBoard::new(state).stats(scope, id).await?;
        let state = state.clone();
        // Every change signal, and every gap, means: count again, after the commit, so
        // concurrent readers never leave a stale number showing. Each count is checked against
        // the watcher's rights now: a publisher who loses them gets FORBIDDEN and the stream ends.
        let updates = futures_util::stream::unfold((live, false), move |(mut live, ended)| {
            let state = state.clone();
            async move {
                if ended {
                    return None;
                }
                live.next().await?;
                let scope = match state.scopes.get(&state, me).await {
                    Ok(scope) => scope,
                    Err(err) => return Some((Err(err.into()), (live, true))),
                };
                let result = NoticeBoard::new(&state).stats(&scope, id).await;
                let ended = result.is_err();
                Some((result.map_err(async_graphql::Error::from), (live, ended)))
            }
        });
        Ok(futures_util::stream::once(async move { Ok(current) }).chain(updates))
    }
}

/// `noticePublished` as a shared subscription (see `graphql::shared`): its payload reads only
/// the event, so the sockets running one document share its execution.
pub(crate) static SHARED_NOTICE_PUBLISHED: ShareableField = ShareableField {
    name: "noticePublished",
    shape: &NOTICE_EVENT_SHAPE,
    live: |state| {
        Box::pin(async move {
            replay_rows_then_live(
                state.db.clone(),
                &state.bus,
                Topic::Notices,
                NoticeLog,
                None,
            )
            .await
        })
    },
    head: |state| Box::pin(async move { NoticeLog.head(&state.db).await }),
    warm: |state, user| Box::pin(warm_scope(state, user)),
    judgement: |event| {
        let audience = BoardEvent::decode(event)?.audience().cloned();
        Some(Arc::new(BoardAudience(audience)) as Arc<dyn Admits>)
    },
};

/// `NoticeEvent`'s fields that read nothing of the viewer.
static NOTICE_EVENT_SHAPE: Shape = Shape {
    fields: &[
        ("cursor", None),
        ("kind", None),
        ("noticeId", None),
        ("notice", Some(&NOTICE_SHAPE)),
    ],
};

/// `Notice`'s stored fields (its resolved ones read access or the viewer).
static NOTICE_SHAPE: Shape = Shape {
    fields: &[
        ("id", None),
        ("title", None),
        ("body", None),
        ("kind", None),
        ("priority", None),
        ("status", None),
        ("publishAt", None),
        ("expiresAt", None),
        ("pinned", None),
        ("requiresAck", None),
    ],
};

/// Who may receive one board event: its audience (`None`: anyone, for a withdrawal from before
/// audiences were recorded, which names only an id).
struct BoardAudience(Option<Audience>);

impl BoardAudience {
    async fn admits_scope(audience: Option<&Audience>, scope: &Scope) -> AppResult<bool> {
        Ok(match audience {
            None => true,
            Some(audience) => scope.admin || audience.includes(scope).await?,
        })
    }
}

impl Admits for BoardAudience {
    fn admits<'a>(
        &'a self,
        _state: &'a AppState,
        scope: &'a Scope,
    ) -> BoxFuture<'a, AppResult<bool>> {
        Box::pin(BoardAudience::admits_scope(self.0.as_ref(), scope))
    }
}

/// An event of the notices topic that the board shows, decoded.
enum BoardEvent {
    Published(Publication),
    Withdrawn(Withdrawal),
}

impl BoardEvent {
    /// `None` for another kind, or a payload that does not decode (logged).
    fn decode(event: &LoggedEvent) -> Option<BoardEvent> {
        let decoded = match event.kind.as_str() {
            PUBLISHED => Publication::deserialize(&event.payload).map(BoardEvent::Published),
            WITHDRAWN => Withdrawal::deserialize(&event.payload).map(BoardEvent::Withdrawn),
            _ => return None,
        };
        decoded
            .inspect_err(
                |err| tracing::warn!(error = %err, kind = %event.kind, "undecodable board event"),
            )
            .ok()
    }

    /// Who it is for (see [`BoardAudience`]).
    fn audience(&self) -> Option<&Audience> {
        match self {
            BoardEvent::Published(publication) => Some(&publication.audience),
            BoardEvent::Withdrawn(withdrawal) => withdrawal.audience.as_ref(),
        }
    }

    /// The item every receiver gets; the notice's status is judged at `now`.
    fn into_item(self, cursor: String, now: DateTime<Utc>) -> AppResult<NoticeEvent> {
        Ok(match self {
            BoardEvent::Withdrawn(withdrawal) => NoticeEvent {
                cursor,
                kind: NoticeEventKind::NoticeWithdrawn,
                notice_id: ID(withdrawal.id.to_string()),
                notice: None,
            },
            BoardEvent::Published(publication) => NoticeEvent {
                cursor,
                kind: NoticeEventKind::NoticePublished,
                notice_id: ID(publication.notice.id.to_string()),
                notice: Some(Notice::try_from_model(publication.notice.into(), now)?),
            },
        })
    }
}

/// Loads the subscriber's scope and the facets the audience rule reads, while subscribing: the
/// first notice fanned out to thousands of sockets then finds every scope in the cache instead
/// of loading them all at once.
async fn warm_scope(state: AppState, me: Uuid) -> AppResult<()> {
    let scope = state.scopes.get(&state, me).await?;
    scope.resident().await?;
    scope.staff().await?;
    Ok(())
}

/// `noticePublished`'s events for `me` (see there).
async fn notice_events(
    state: AppState,
    me: Uuid,
    after: Option<Cursor>,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<NoticeEvent>> + use<>> {
    warm_scope(state.clone(), me).await?;
    let events = replay_rows_then_live(
        state.db.clone(),
        &state.bus,
        Topic::Notices,
        NoticeLog,
        after,
    )
    .await?;
    // Each event's judgement is boxed too: `filter_map` keeps room for one inline.
    Ok(events.filter_map(move |event| {
        let state = state.clone();
        Box::pin(async move {
            let result = async {
                let event = event?;
                // Judged with the subscriber's rights now, not when they subscribed: a
                // resident who moved out stops receiving that building's notices. A
                // withdrawal is judged like the publication was.
                let Some(decoded) = BoardEvent::decode(&event) else {
                    return Ok(None);
                };
                let scope = state.scopes.get(&state, me).await?;
                if !BoardAudience::admits_scope(decoded.audience(), &scope).await? {
                    return Ok(None);
                }
                decoded
                    .into_item(event.cursor(), state.clock.now())
                    .map(Some)
            }
            .await;
            result
                .map_err(|e: AppError| async_graphql::Error::from(e))
                .transpose()
        })
    }))
}
