//! GraphQL surface of group channels: queries, mutations and the two live subscriptions.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use super::{
    access::{ACTIVE, Access},
    reactions::ChannelReaction,
    service::{Activity, ChannelService, MESSAGE_EVENT, NewChannel, NewMessage},
    types::{
        Channel, ChannelJoinPolicy, ChannelKind, ChannelMessage, ChannelMessageChange,
        ChannelMessageEvent, ChannelModerationEntry, ChannelPostPolicy, ChannelUnread,
        ChannelVisibility, JoinableChannel, MessageEvent, MessageView, REFERENCE_KINDS,
    },
};
use crate::{
    domains::estate::access::Scope,
    error::{AppError, AppResult},
    events::{Delivery, Topic, live::judged, log::parse_cursor},
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        node::load_of,
        pagination::{CountedConnection, PageRequest},
        text::Text,
    },
};
/// Longest message, in characters.
pub const MAX_MESSAGE: usize = 2000;
/// Most members one message mentions.
pub const MAX_MENTIONS: usize = 20;
/// Longest mute, in minutes (30 days).
pub const MAX_MUTE_MINUTES: i32 = 43_200;
/// Longest slow mode, in seconds (one hour).
pub const MAX_SLOW_MODE: i32 = 3600;

/// Input of `createChannel`.
#[derive(InputObject)]
pub struct CreateChannelInput {
    /// BUILDING, FLOOR, INTEREST or STAFF (a DIRECT channel is opened with `openDirectChannel`).
    pub kind: ChannelKind,
    /// Name (1–100 characters).
    pub name: String,
    /// Description (at most 1000 characters).
    pub description: Option<String>,
    /// The building: required for BUILDING and FLOOR, optional for INTEREST and STAFF.
    pub building_id: Option<ID>,
    /// The floor (FLOOR only, required there).
    pub floor: Option<i32>,
    /// Who may post (default EVERYONE; STAFF makes an announcement channel).
    pub post_policy: Option<ChannelPostPolicy>,
    /// How an INTEREST channel is joined (default OPEN).
    pub join_policy: Option<ChannelJoinPolicy>,
    /// Whether an INTEREST channel is listed in `joinableChannels` (default LISTED).
    pub visibility: Option<ChannelVisibility>,
    /// Slow mode in seconds (0–3600, default 0).
    pub slow_mode_seconds: Option<i32>,
}

/// Input of `openDirectChannel`.
#[derive(InputObject)]
pub struct OpenDirectChannelInput {
    /// The building whose property office to talk to: required when you live in several.
    pub building_id: Option<ID>,
}

/// Input naming a channel.
#[derive(InputObject)]
pub struct ChannelInput {
    /// The channel.
    pub channel_id: ID,
}

/// Input naming a channel and one of its members.
#[derive(InputObject)]
pub struct ChannelMemberInput {
    /// The channel.
    pub channel_id: ID,
    /// The member (user id).
    pub user_id: ID,
}

/// Input of `postChannelMessage`.
#[derive(InputObject)]
pub struct PostChannelMessageInput {
    /// The channel.
    pub channel_id: ID,
    /// The text (1–2000 characters; a Markdown subset).
    pub text: String,
    /// The message this answers (of the same channel).
    pub reply_to_id: Option<ID>,
    /// Members to mention (at most 20, each a member of the channel): each is notified.
    pub mention_ids: Option<Vec<ID>>,
    /// A notice, work order or activity you may see, to link: each reader sees it only if
    /// they may.
    pub reference_id: Option<ID>,
}

/// Input of `editChannelMessage`.
#[derive(InputObject)]
pub struct EditChannelMessageInput {
    /// The message (yours, within 15 minutes of posting).
    pub message_id: ID,
    /// The new text (1–2000 characters).
    pub text: String,
}

/// Input naming a message.
#[derive(InputObject)]
pub struct ChannelMessageInput {
    /// The message.
    pub message_id: ID,
}

/// Input of `reactToChannelMessage` and `removeChannelMessageReaction`.
#[derive(InputObject)]
pub struct ChannelMessageReactionInput {
    /// The message.
    pub message_id: ID,
    /// The reaction.
    pub reaction: ChannelReaction,
}

/// Input of `markChannelRead`.
#[derive(InputObject)]
pub struct MarkChannelReadInput {
    /// The channel.
    pub channel_id: ID,
    /// The last message read (your position never moves back).
    pub message_id: ID,
}

/// Input of `reportChannelMessage` and `hideChannelMessage`.
#[derive(InputObject)]
pub struct ChannelMessageReasonInput {
    /// The message.
    pub message_id: ID,
    /// Why (1–1000 characters).
    pub reason: String,
}

/// Input of `muteChannelMember`.
#[derive(InputObject)]
pub struct MuteChannelMemberInput {
    /// The channel.
    pub channel_id: ID,
    /// The member (user id).
    pub user_id: ID,
    /// For how long (1–43200 minutes).
    pub minutes: i32,
    /// Why (1–1000 characters; the member sees it).
    pub reason: String,
}

/// Input of `removeChannelMember`.
#[derive(InputObject)]
pub struct RemoveChannelMemberInput {
    /// The INTEREST channel.
    pub channel_id: ID,
    /// The member (user id).
    pub user_id: ID,
    /// Why (1–1000 characters; the member sees it).
    pub reason: String,
}

/// A channel, as you see it.
#[derive(SimpleObject)]
pub struct ChannelPayload {
    /// The channel.
    pub channel: Channel,
}

/// The outcome of `joinChannel`.
#[derive(SimpleObject)]
pub struct JoinChannelPayload {
    /// `ACTIVE` (joined) or `PENDING` (waiting for a moderator's approval).
    pub status: String,
    /// The channel, once joined.
    pub channel: Option<Channel>,
}

/// A message, as you see it.
#[derive(SimpleObject)]
pub struct ChannelMessagePayload {
    /// The message.
    pub message: ChannelMessage,
}

/// A moderation action, as logged.
#[derive(SimpleObject)]
pub struct ChannelModerationPayload {
    /// The log entry.
    pub entry: ChannelModerationEntry,
}

/// The outcome of `reportChannelMessage`.
#[derive(SimpleObject)]
pub struct ReportChannelMessagePayload {
    /// Always true: the moderators were told.
    pub reported: bool,
}

fn reason(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<1000>::parse(field, raw)?.into_inner())
}

fn message_text(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<MAX_MESSAGE>::parse(field, raw)?.into_inner())
}

fn view(scope: &Scope, moderates: bool, ctx: &Context<'_>) -> AppResult<MessageView> {
    Ok(MessageView {
        me: scope.require_user()?,
        moderates,
        now: ctx.state().clock.now(),
    })
}

async fn present(ctx: &Context<'_>, id: Uuid) -> AppResult<Channel> {
    let scope = ctx.scope().await?;
    let me = scope.require_user()?;
    let service = ChannelService::new(ctx.state());
    // A fresh scope facet: the request may just have changed the viewer's memberships.
    let access =
        Access::of(&Scope::load_user(&ctx.state().db, me, ctx.state().clock.today()).await?)
            .await?;
    let model = service
        .load(id)
        .await?
        .ok_or(AppError::NotFound("channel"))?;
    let rel = access.relation(&model);
    let read = service.read_numbers(me, [id]).await?;
    Ok(Channel::new(
        model,
        rel,
        read.get(&id).copied().unwrap_or(0),
    ))
}

/// Channel queries.
#[derive(Default)]
pub struct ChannelQuery;

#[Object]
impl ChannelQuery {
    /// The channels you read, most recently active first, each with your unread count.
    async fn channels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Channel>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let me = scope.require_user()?;
        let service = ChannelService::new(ctx.state());
        let page = service.list(scope, &page).await?;
        let reads: HashMap<Uuid, i32> = service
            .read_numbers(me, page.items.iter().map(|(m, _)| m.id))
            .await?;
        Ok(page.into_counted_connection(|(model, rel)| {
            let read = reads.get(&model.id).copied().unwrap_or(0);
            Channel::new(model, rel, read)
        }))
    }

    /// A channel you read; `NOT_FOUND` otherwise.
    async fn channel(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Channel> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let me = scope.require_user()?;
        let service = ChannelService::new(ctx.state());
        let (model, rel) = service.get(scope, id).await?;
        let read = service.read_numbers(me, [id]).await?;
        Ok(Channel::new(
            model,
            rel,
            read.get(&id).copied().unwrap_or(0),
        ))
    }

    /// INTEREST channels you may join: listed ones of your buildings and of the whole estate.
    async fn joinable_channels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<JoinableChannel>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = ChannelService::new(ctx.state())
            .joinable(scope, &page)
            .await?;
        Ok(page.try_into_counted_connection(JoinableChannel::try_from_model)?)
    }

    /// A channel's messages, oldest first: `last: 50` gives the newest fifty, `before` pages
    /// back. `NOT_FOUND` for a channel you do not read.
    async fn channel_message_history(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<ChannelMessage>> {
        let mut check = Checks::new();
        let id = check.field(parse_id("channelId", &channel_id));
        let page = check.field(PageRequest::parse(first, after, last, before));
        let (id, page) = check.finish(|| Some((id?, page?)))?;
        let scope = ctx.scope().await?;
        let (page, names, rel) = ChannelService::new(ctx.state())
            .history(scope, id, &page)
            .await?;
        let view = view(scope, rel.moderates, ctx)?;
        Ok(page.into_counted_connection(|m| ChannelMessage::new(m, &names, view)))
    }
}

/// Channel mutations.
#[derive(Default)]
pub struct ChannelMutation;

#[Object]
impl ChannelMutation {
    /// Creates a channel: administrators any kind; a building's active manager its BUILDING,
    /// FLOOR, INTEREST and STAFF channels; residents INTEREST channels of their building when
    /// `--channel-residents-create-interest` is on. The creator of an INTEREST channel is its
    /// first member.
    async fn create_channel(
        &self,
        ctx: &Context<'_>,
        input: CreateChannelInput,
    ) -> async_graphql::Result<ChannelPayload> {
        let mut check = Checks::new();
        let name = check.field(Text::<100>::parse("input.name", &input.name));
        let description = check.field(Text::<1000, 0>::parse(
            "input.description",
            input.description.as_deref().unwrap_or(""),
        ));
        let building = check.field(parse_opt_id("input.buildingId", input.building_id.as_ref()));
        let kind = input.kind;
        check.rule(
            kind != ChannelKind::Direct,
            "input.kind",
            "DIRECT channels are opened with openDirectChannel",
        );
        let needs_building = matches!(kind, ChannelKind::Building | ChannelKind::Floor);
        check.rule(
            !needs_building || input.building_id.is_some(),
            "input.buildingId",
            "is required for BUILDING and FLOOR channels",
        );
        check.rule(
            (kind == ChannelKind::Floor) == input.floor.is_some(),
            "input.floor",
            "is required for FLOOR channels and only for them",
        );
        let slow = input.slow_mode_seconds.unwrap_or(0);
        check.rule(
            (0..=MAX_SLOW_MODE).contains(&slow),
            "input.slowModeSeconds",
            "must be between 0 and 3600",
        );
        let new = check.finish(|| {
            Some(NewChannel {
                kind,
                name: name?.into_inner(),
                description: description?.into_inner(),
                building_id: building?,
                floor: input.floor,
                post_policy: input.post_policy.unwrap_or(ChannelPostPolicy::Everyone),
                join_policy: input.join_policy.unwrap_or(ChannelJoinPolicy::Open),
                visibility: input.visibility.unwrap_or(ChannelVisibility::Listed),
                slow_mode_seconds: slow,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = ChannelService::new(ctx.state()).create(scope, new).await?;
        Ok(ChannelPayload {
            channel: present(ctx, model.id).await?,
        })
    }

    /// Opens (or returns) your service line to the property office of your building.
    async fn open_direct_channel(
        &self,
        ctx: &Context<'_>,
        input: OpenDirectChannelInput,
    ) -> async_graphql::Result<ChannelPayload> {
        let building = parse_opt_id("input.buildingId", input.building_id.as_ref())?;
        let scope = ctx.scope().await?;
        let model = ChannelService::new(ctx.state())
            .open_direct(scope, building)
            .await?;
        Ok(ChannelPayload {
            channel: present(ctx, model.id).await?,
        })
    }

    /// Joins an INTEREST channel: at once when it is OPEN, as a request when it needs APPROVAL.
    async fn join_channel(
        &self,
        ctx: &Context<'_>,
        input: ChannelInput,
    ) -> async_graphql::Result<JoinChannelPayload> {
        let id = parse_id("input.channelId", &input.channel_id)?;
        let scope = ctx.scope().await?;
        let status = ChannelService::new(ctx.state()).join(scope, id).await?;
        Ok(JoinChannelPayload {
            status: status.to_owned(),
            channel: if status == ACTIVE {
                Some(present(ctx, id).await?)
            } else {
                None
            },
        })
    }

    /// Leaves an INTEREST channel (you may join again).
    async fn leave_channel(
        &self,
        ctx: &Context<'_>,
        input: ChannelInput,
    ) -> async_graphql::Result<bool> {
        let id = parse_id("input.channelId", &input.channel_id)?;
        let scope = ctx.scope().await?;
        ChannelService::new(ctx.state()).leave(scope, id).await?;
        Ok(true)
    }

    /// A moderator approves a request to join an INTEREST channel.
    async fn approve_channel_member(
        &self,
        ctx: &Context<'_>,
        input: ChannelMemberInput,
    ) -> async_graphql::Result<bool> {
        let mut check = Checks::new();
        let channel = check.field(parse_id("input.channelId", &input.channel_id));
        let user = check.field(parse_id("input.userId", &input.user_id));
        let (channel, user) = check.finish(|| Some((channel?, user?)))?;
        let scope = ctx.scope().await?;
        ChannelService::new(ctx.state())
            .approve(scope, channel, user)
            .await?;
        Ok(true)
    }

    /// Posts a message. Refused with nothing written: a channel you are not in (`NOT_FOUND`
    /// on `input.channelId`), an announcement channel (`FORBIDDEN`), while muted
    /// (`FORBIDDEN`), faster than slow mode or the rate limits allow (`RATE_LIMITED` with
    /// `retryAfter`), an empty or over-long text or a blocked word (`BAD_USER_INPUT` on
    /// `input.text`).
    async fn post_channel_message(
        &self,
        ctx: &Context<'_>,
        input: PostChannelMessageInput,
    ) -> async_graphql::Result<ChannelMessagePayload> {
        let mut check = Checks::new();
        let channel = check.field(parse_id("input.channelId", &input.channel_id));
        let text = check.field(message_text("input.text", &input.text));
        let reply = check.field(parse_opt_id("input.replyToId", input.reply_to_id.as_ref()));
        let reference = check.field(parse_opt_id(
            "input.referenceId",
            input.reference_id.as_ref(),
        ));
        let mentions = input.mention_ids.unwrap_or_default();
        check.rule(
            mentions.len() <= MAX_MENTIONS,
            "input.mentionIds",
            "takes at most 20 members",
        );
        let mentions = check.field(
            mentions
                .iter()
                .map(|id| parse_id("input.mentionIds", id))
                .collect::<AppResult<Vec<Uuid>>>(),
        );
        let new = check.finish(|| {
            Some(NewMessage {
                channel_id: channel?,
                text: text?,
                reply_to_id: reply?,
                mention_ids: mentions?,
                reference_id: reference?,
            })
        })?;
        let scope = ctx.scope().await?;
        if let Some(reference) = new.reference_id
            && load_of(ctx, reference, REFERENCE_KINDS).await?.is_none()
        {
            return Err(AppError::unknown_id(
                "input.referenceId",
                "notice, work order or activity",
            )
            .into());
        }
        let (model, names, rel) = ChannelService::new(ctx.state()).post(scope, new).await?;
        Ok(ChannelMessagePayload {
            message: ChannelMessage::new(model, &names, view(scope, rel.moderates, ctx)?),
        })
    }

    /// Edits your message within 15 minutes of posting (`INVALID_STATE` after; `FORBIDDEN` on
    /// someone else's). The earlier text is kept for moderators.
    async fn edit_channel_message(
        &self,
        ctx: &Context<'_>,
        input: EditChannelMessageInput,
    ) -> async_graphql::Result<ChannelMessagePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.messageId", &input.message_id));
        let text = check.field(message_text("input.text", &input.text));
        let (id, text) = check.finish(|| Some((id?, text?)))?;
        let scope = ctx.scope().await?;
        let (model, names, rel) = ChannelService::new(ctx.state())
            .edit(scope, id, text)
            .await?;
        Ok(ChannelMessagePayload {
            message: ChannelMessage::new(model, &names, view(scope, rel.moderates, ctx)?),
        })
    }

    /// Deletes your message: its text goes, a tombstone stays.
    async fn delete_channel_message(
        &self,
        ctx: &Context<'_>,
        input: ChannelMessageInput,
    ) -> async_graphql::Result<ChannelMessagePayload> {
        let id = parse_id("input.messageId", &input.message_id)?;
        let scope = ctx.scope().await?;
        let (model, names, rel) = ChannelService::new(ctx.state()).delete(scope, id).await?;
        Ok(ChannelMessagePayload {
            message: ChannelMessage::new(model, &names, view(scope, rel.moderates, ctx)?),
        })
    }

    /// Reacts to a message of a channel you read (`NOT_FOUND` otherwise; `INVALID_STATE` on a
    /// deleted or hidden message or in an archived channel). Reacting again with the same
    /// reaction changes nothing. Muted members may react.
    async fn react_to_channel_message(
        &self,
        ctx: &Context<'_>,
        input: ChannelMessageReactionInput,
    ) -> async_graphql::Result<ChannelMessagePayload> {
        react(ctx, input, true).await
    }

    /// Takes back your reaction to a message (nothing changes when you had not chosen it).
    /// Refused as `reactToChannelMessage` is.
    async fn remove_channel_message_reaction(
        &self,
        ctx: &Context<'_>,
        input: ChannelMessageReactionInput,
    ) -> async_graphql::Result<ChannelMessagePayload> {
        react(ctx, input, false).await
    }

    /// Moves your read position in a channel to a message (never back); returns the channel
    /// with its new unread count.
    async fn mark_channel_read(
        &self,
        ctx: &Context<'_>,
        input: MarkChannelReadInput,
    ) -> async_graphql::Result<ChannelPayload> {
        let mut check = Checks::new();
        let channel = check.field(parse_id("input.channelId", &input.channel_id));
        let message = check.field(parse_id("input.messageId", &input.message_id));
        let (channel, message) = check.finish(|| Some((channel?, message?)))?;
        let scope = ctx.scope().await?;
        let (model, rel, read) = ChannelService::new(ctx.state())
            .mark_read(scope, channel, message)
            .await?;
        Ok(ChannelPayload {
            channel: Channel::new(model, rel, read),
        })
    }

    /// Reports a message to the channel's moderators (once per message: `CONFLICT` after).
    async fn report_channel_message(
        &self,
        ctx: &Context<'_>,
        input: ChannelMessageReasonInput,
    ) -> async_graphql::Result<ReportChannelMessagePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.messageId", &input.message_id));
        let why = check.field(reason("input.reason", &input.reason));
        let (id, why) = check.finish(|| Some((id?, why?)))?;
        let scope = ctx.scope().await?;
        ChannelService::new(ctx.state())
            .report(scope, id, why)
            .await?;
        Ok(ReportChannelMessagePayload { reported: true })
    }

    /// A moderator hides a message, with a reason (logged; its sender sees the reason).
    async fn hide_channel_message(
        &self,
        ctx: &Context<'_>,
        input: ChannelMessageReasonInput,
    ) -> async_graphql::Result<ChannelMessagePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.messageId", &input.message_id));
        let why = check.field(reason("input.reason", &input.reason));
        let (id, why) = check.finish(|| Some((id?, why?)))?;
        let scope = ctx.scope().await?;
        let (model, names, rel) = ChannelService::new(ctx.state())
            .hide(scope, id, why)
            .await?;
        Ok(ChannelMessagePayload {
            message: ChannelMessage::new(model, &names, view(scope, rel.moderates, ctx)?),
        })
    }

    /// A moderator mutes a member for a while, with a reason (logged; the member sees it).
    async fn mute_channel_member(
        &self,
        ctx: &Context<'_>,
        input: MuteChannelMemberInput,
    ) -> async_graphql::Result<ChannelModerationPayload> {
        let mut check = Checks::new();
        let channel = check.field(parse_id("input.channelId", &input.channel_id));
        let user = check.field(parse_id("input.userId", &input.user_id));
        let why = check.field(reason("input.reason", &input.reason));
        check.rule(
            (1..=MAX_MUTE_MINUTES).contains(&input.minutes),
            "input.minutes",
            "must be between 1 and 43200",
        );
        let (channel, user, why) = check.finish(|| Some((channel?, user?, why?)))?;
        let scope = ctx.scope().await?;
        let service = ChannelService::new(ctx.state());
        let entry = service
            .mute(scope, channel, user, i64::from(input.minutes), why)
            .await?;
        let names = service.names([entry.user_id, entry.moderator_id]).await?;
        Ok(ChannelModerationPayload {
            entry: ChannelModerationEntry::new(entry, &names),
        })
    }

    /// A moderator removes a member from an INTEREST channel, with a reason (logged; the
    /// member sees it and may not join again).
    async fn remove_channel_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveChannelMemberInput,
    ) -> async_graphql::Result<ChannelModerationPayload> {
        let mut check = Checks::new();
        let channel = check.field(parse_id("input.channelId", &input.channel_id));
        let user = check.field(parse_id("input.userId", &input.user_id));
        let why = check.field(reason("input.reason", &input.reason));
        let (channel, user, why) = check.finish(|| Some((channel?, user?, why?)))?;
        let scope = ctx.scope().await?;
        let service = ChannelService::new(ctx.state());
        let entry = service.remove(scope, channel, user, why).await?;
        let names = service.names([entry.user_id, entry.moderator_id]).await?;
        Ok(ChannelModerationPayload {
            entry: ChannelModerationEntry::new(entry, &names),
        })
    }
}

async fn react(
    ctx: &Context<'_>,
    input: ChannelMessageReactionInput,
    on: bool,
) -> async_graphql::Result<ChannelMessagePayload> {
    let id = parse_id("input.messageId", &input.message_id)?;
    let scope = ctx.scope().await?;
    let (model, names, rel, snapshot) = ChannelService::new(ctx.state())
        .react(scope, id, input.reaction, on)
        .await?;
    Ok(ChannelMessagePayload {
        message: ChannelMessage::new(model, &names, view(scope, rel.moderates, ctx)?)
            .with_reactions(Some(&snapshot)),
    })
}

/// The payload of a message event on a channel's topic.
#[derive(serde::Deserialize)]
struct Change {
    change: String,
    event: MessageEvent,
}

/// Channel subscriptions.
#[derive(Default)]
pub struct ChannelSubscription;

#[Subscription]
impl ChannelSubscription {
    /// A channel's messages as they are posted, edited, deleted and hidden. With `after` (a
    /// cursor from an earlier event) what happened since comes first, in order, with no gap
    /// and no duplicate. Each event is judged by your access at that moment: once you leave
    /// the channel (you move out, your staff assignment ends, a moderator removes you) nothing
    /// more arrives.
    async fn channel_messages(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChannelMessageEvent>> + use<>>
    {
        let id = parse_id("channelId", &channel_id)?;
        let me = ctx.require_user()?.id;
        let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
        let state = ctx.state().clone();
        // Every step is boxed while it runs: async-graphql keeps this future's space for the
        // life of the subscription.
        let scope = Box::pin(state.scopes.get(&state, me)).await?;
        let (channel, _) = Box::pin(ChannelService::new(&state).get(&scope, id))
            .await
            .map_err(|e| e.on_field("channelId"))?;
        let stream = judged(
            &state,
            me,
            Topic::Channel(id),
            after,
            move |state, scope, event: crate::events::live::LiveEvent<Change>| {
                let channel = channel.clone();
                async move {
                    if event.kind != MESSAGE_EVENT {
                        return Ok(None);
                    }
                    let rel = Access::of(&scope).await?.relation(&channel);
                    if !rel.reads {
                        return Ok(None);
                    }
                    let change = ChannelMessageChange::from_stored(&event.payload.change)?;
                    Ok(Some(ChannelMessageEvent {
                        cursor: event.cursor,
                        change,
                        message: ChannelMessage::new(
                            event.payload.event.message,
                            &event.payload.event.names,
                            MessageView {
                                me,
                                moderates: rel.moderates,
                                now: state.clock.now(),
                            },
                        )
                        .with_reactions(event.payload.event.reactions.as_ref()),
                    }))
                }
            },
        )
        .await?;
        Ok(stream)
    }

    /// Your unread count of a channel you read, whenever it changes (a message posted there,
    /// your read position moved on another device). Live only: read `channels` first.
    async fn channel_unread_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChannelUnread>> + use<>>
    {
        let me = ctx.require_user()?.id;
        let state = ctx.state().clone();
        let live = state.bus.subscribe(&Topic::ChannelActivity).await;
        Ok(live.filter_map(move |delivery| {
            let state = state.clone();
            async move {
                let activity: Activity = match delivery {
                    Delivery::Event(_) => delivery.decode()?,
                    _ => return None,
                };
                if activity.reader.is_some_and(|reader| reader != me) {
                    return None;
                }
                let result: AppResult<Option<ChannelUnread>> = async {
                    let scope = state.scopes.get(&state, me).await?;
                    if !Access::of(&scope).await?.relation(&activity.channel).reads {
                        return Ok(None);
                    }
                    let id = activity.channel.id;
                    let read = ChannelService::new(&state).read_numbers(me, [id]).await?;
                    let read = read.get(&id).copied().unwrap_or(0);
                    Ok(Some(ChannelUnread {
                        channel_id: ID(id.to_string()),
                        unread_count: (activity.channel.message_count - read).max(0),
                        message_count: activity.channel.message_count,
                    }))
                }
                .await;
                result.map_err(Into::into).transpose()
            }
        }))
    }
}
