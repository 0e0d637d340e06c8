//! Channel enums and GraphQL types. A person in a channel is a display name and an id, never a
//! contact detail.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::Relation,
    reactions::{ChannelReactionCount, Snapshot, counts_of, loader},
    service::ChannelService,
};
use crate::{
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        node::{Node, NodeKind, load_of},
        pagination::{CountedConnection, PageRequest},
    },
    text_enum,
};
use entity::{channel, channel_message, channel_moderation, channel_report};

/// How long after posting its sender may edit a message.
pub const EDIT_WINDOW_MINUTES: i64 = 15;

/// The kinds of object a message may link to.
pub const REFERENCE_KINDS: &[NodeKind] =
    &[NodeKind::Notice, NodeKind::WorkOrder, NodeKind::Activity];

text_enum! {
    /// What a channel gathers.
    pub enum ChannelKind {
        /// A building's residents and the staff serving it.
        Building => "BUILDING",
        /// The residents of one floor of a building.
        Floor => "FLOOR",
        /// An interest group: members join (freely or on approval).
        Interest => "INTEREST",
        /// Staff only (of one building, or every active staff member).
        Staff => "STAFF",
        /// A resident and the property office: a service line.
        Direct => "DIRECT",
    }
}

text_enum! {
    /// Who may post.
    pub enum ChannelPostPolicy {
        /// Every member.
        Everyone => "EVERYONE",
        /// The property office only: an announcement channel.
        Staff => "STAFF",
    }
}

text_enum! {
    /// How an INTEREST channel is joined.
    pub enum ChannelJoinPolicy {
        /// Anyone who may find it joins at once.
        Open => "OPEN",
        /// A moderator approves each request.
        Approval => "APPROVAL",
    }
}

text_enum! {
    /// Whether an INTEREST channel is listed in `joinableChannels`.
    pub enum ChannelVisibility {
        /// Listed to residents and staff of its building (of the estate, without one).
        Listed => "LISTED",
        /// Joined by invitation (a moderator adds members) only.
        Unlisted => "UNLISTED",
    }
}

text_enum! {
    /// A moderation action.
    pub enum ChannelModerationAction {
        /// A message was hidden.
        Hide => "HIDE",
        /// A member was muted for a period.
        Mute => "MUTE",
        /// A member was removed from an INTEREST channel.
        Remove => "REMOVE",
    }
}

text_enum! {
    /// What happened to a message, in `channelMessages`.
    pub enum ChannelMessageChange {
        /// Posted.
        Posted => "POSTED",
        /// Edited by its sender.
        Edited => "EDITED",
        /// Deleted by its sender (a tombstone stays).
        Deleted => "DELETED",
        /// Hidden by a moderator.
        Hidden => "HIDDEN",
        /// A member added or removed a reaction (`reactions` holds the new counts).
        Reacted => "REACTED",
    }
}

/// A person as a channel shows them: a display name, never contact details.
#[derive(SimpleObject, Clone, Debug)]
pub struct ChannelPerson {
    /// User id.
    pub id: ID,
    /// Display name.
    pub display_name: String,
}

fn person(id: Uuid, names: &HashMap<Uuid, String>) -> ChannelPerson {
    ChannelPerson {
        id: ID(id.to_string()),
        display_name: names.get(&id).cloned().unwrap_or_default(),
    }
}

/// The body of a message event on a channel's topic: the row, and the display names it shows
/// (so live subscribers read nothing to present it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MessageEvent {
    /// The message as it now is.
    pub message: channel_message::Model,
    /// Display names of its sender and mentioned members.
    pub names: HashMap<Uuid, String>,
    /// Its reactions after the change, and who chose each (absent in events written before
    /// reactions existed: readers then load them).
    #[serde(default)]
    pub reactions: Option<Snapshot>,
}

/// A channel you read.
#[derive(Clone)]
pub struct Channel {
    id: ID,
    model: channel::Model,
    rel: Relation,
    read_number: i32,
}

impl Channel {
    /// The channel as a viewer with relation `rel` and read position `read_number` sees it.
    pub fn new(model: channel::Model, rel: Relation, read_number: i32) -> Channel {
        Channel {
            id: ID(model.id.to_string()),
            model,
            rel,
            read_number,
        }
    }
}

/// A group channel you read: building, floor, interest group, staff or your service line.
#[Object]
impl Channel {
    /// Id.
    pub async fn id(&self) -> &ID {
        &self.id
    }
    /// Kind.
    async fn kind(&self) -> async_graphql::Result<ChannelKind> {
        Ok(ChannelKind::from_stored(&self.model.kind)?)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// Description (may be empty).
    async fn description(&self) -> &str {
        &self.model.description
    }
    /// The building (BUILDING, FLOOR, DIRECT; INTEREST and STAFF channels may have none).
    async fn building_id(&self) -> Option<ID> {
        self.model.building_id.map(|id| ID(id.to_string()))
    }
    /// The floor of a FLOOR channel.
    async fn floor(&self) -> Option<i32> {
        self.model.floor
    }
    /// Who may post.
    async fn post_policy(&self) -> async_graphql::Result<ChannelPostPolicy> {
        Ok(ChannelPostPolicy::from_stored(&self.model.post_policy)?)
    }
    /// How it is joined (INTEREST).
    async fn join_policy(&self) -> async_graphql::Result<ChannelJoinPolicy> {
        Ok(ChannelJoinPolicy::from_stored(&self.model.join_policy)?)
    }
    /// Whether it is listed for joining (INTEREST).
    async fn visibility(&self) -> async_graphql::Result<ChannelVisibility> {
        Ok(ChannelVisibility::from_stored(&self.model.visibility)?)
    }
    /// Slow mode: the least number of seconds between two messages of one member (0: off; the
    /// property office is not held by it).
    async fn slow_mode_seconds(&self) -> i32 {
        self.model.slow_mode_seconds
    }
    /// Messages posted so far.
    async fn message_count(&self) -> i32 {
        self.model.message_count
    }
    /// Messages after your read position (posting moves it to your message).
    async fn unread_count(&self) -> i32 {
        (self.model.message_count - self.read_number).max(0)
    }
    /// Whether you may post here now (muting and slow mode aside).
    async fn can_post(&self) -> bool {
        self.rel.reads
            && self.model.archived_at.is_none()
            && (self.model.post_policy == ChannelPostPolicy::Everyone.as_str() || self.rel.office)
    }
    /// Whether you moderate it.
    async fn moderator(&self) -> bool {
        self.rel.moderates
    }
    /// Archived at (read only from then on).
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.model.archived_at
    }
    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// The moderation log: every action for moderators; for anyone else, the actions that
    /// affected them. Newest first.
    async fn moderation_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<ChannelModerationEntry>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let (page, names) = ChannelService::new(ctx.state())
            .moderation_log(scope, &self.model, self.rel, &page)
            .await?;
        Ok(page.into_counted_connection(|m| ChannelModerationEntry::new(m, &names)))
    }
    /// Reports of messages, newest first (moderators only: `FORBIDDEN` otherwise).
    async fn reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<ChannelReport>> {
        let page = PageRequest::parse(first, after, last, before)?;
        if !self.rel.moderates {
            return Err(AppError::Forbidden("moderators only".to_owned()).into());
        }
        let (page, names) = ChannelService::new(ctx.state())
            .reports(&self.model, &page)
            .await?;
        Ok(page.into_counted_connection(|m| ChannelReport::new(m, &names)))
    }
}

/// How a viewer sees messages.
#[derive(Clone, Copy, Debug)]
pub struct MessageView {
    /// The viewer.
    pub me: Uuid,
    /// Whether they moderate the channel (hidden texts and edit histories).
    pub moderates: bool,
    /// Now, for the edit window.
    pub now: DateTime<Utc>,
}

/// A message in a channel.
#[derive(Clone)]
pub struct ChannelMessage {
    id: ID,
    model: channel_message::Model,
    sender: ChannelPerson,
    mentions: Vec<ChannelPerson>,
    view: MessageView,
    reactions: Option<Vec<ChannelReactionCount>>,
}

impl ChannelMessage {
    /// The message as `view` sees it; `names` holds the display names of its people.
    pub fn new(
        model: channel_message::Model,
        names: &HashMap<Uuid, String>,
        view: MessageView,
    ) -> ChannelMessage {
        ChannelMessage {
            id: ID(model.id.to_string()),
            sender: person(model.sender_id, names),
            mentions: mention_ids(&model.mentions)
                .into_iter()
                .map(|id| person(id, names))
                .collect(),
            model,
            view,
            reactions: None,
        }
    }

    /// The message with its reactions known (from an event's snapshot), so nothing is loaded.
    pub fn with_reactions(mut self, snapshot: Option<&Snapshot>) -> ChannelMessage {
        if let Some(snapshot) = snapshot {
            self.reactions = Some(counts_of(snapshot, self.view.me));
        }
        self
    }
}

/// The ids in a stored mention list.
pub fn mention_ids(stored: &str) -> Vec<Uuid> {
    stored
        .split(',')
        .filter_map(|s| Uuid::parse_str(s.trim()).ok())
        .collect()
}

/// A message in a channel. Its people are display names only; its text is null once deleted
/// or hidden.
#[Object]
impl ChannelMessage {
    /// Id.
    pub async fn id(&self) -> &ID {
        &self.id
    }
    /// The channel.
    async fn channel_id(&self) -> ID {
        ID(self.model.channel_id.to_string())
    }
    /// Position in the channel (1, 2, 3, …).
    async fn number(&self) -> i32 {
        self.model.number
    }
    /// Who wrote it (display name only).
    async fn sender(&self) -> &ChannelPerson {
        &self.sender
    }
    /// The text (a Markdown subset: emphasis, links, lists, code). Null once deleted, and when
    /// hidden (except for moderators).
    async fn text(&self) -> Option<&str> {
        if self.model.hidden_at.is_some() && !self.view.moderates {
            return None;
        }
        self.model.text.as_deref()
    }
    /// Deleted by its sender: a tombstone.
    async fn deleted(&self) -> bool {
        self.model.deleted_at.is_some()
    }
    /// Hidden by a moderator.
    async fn hidden(&self) -> bool {
        self.model.hidden_at.is_some()
    }
    /// Why it was hidden (for moderators and its sender).
    async fn hidden_reason(&self) -> Option<&str> {
        if self.view.moderates || self.view.me == self.model.sender_id {
            self.model.hidden_reason.as_deref()
        } else {
            None
        }
    }
    /// The message it answers.
    async fn reply_to_id(&self) -> Option<ID> {
        self.model.reply_to_id.map(|id| ID(id.to_string()))
    }
    /// The object it links to (a notice, work order or activity), resolved for you: null when
    /// you may not see it (or it is gone).
    async fn reference(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        let Some(id) = self.model.ref_id else {
            return Ok(None);
        };
        if self.model.hidden_at.is_some() && !self.view.moderates || self.model.deleted_at.is_some()
        {
            return Ok(None);
        }
        Ok(load_of(ctx, id, REFERENCE_KINDS).await?)
    }
    /// Members it mentions.
    async fn mentions(&self) -> &[ChannelPerson] {
        &self.mentions
    }
    /// Reactions: each chosen one with how many members chose it and whether you did, in the
    /// fixed order of `ChannelReaction`.
    async fn reactions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ChannelReactionCount>> {
        if let Some(known) = &self.reactions {
            return Ok(known.clone());
        }
        Ok(loader(ctx, self.view.me)
            .await?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default())
    }
    /// Posted at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// Last edited at.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.model.edited_at
    }
    /// Whether you may still edit it (your own, not deleted, within 15 minutes of posting).
    async fn editable(&self) -> bool {
        self.model.sender_id == self.view.me
            && self.model.deleted_at.is_none()
            && self.view.now < self.model.created_at + Duration::minutes(EDIT_WINDOW_MINUTES)
    }
    /// Earlier texts, oldest first (moderators only; null for others).
    async fn edit_history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<ChannelMessageEdit>>> {
        if !self.view.moderates {
            return Ok(None);
        }
        let edits = ChannelService::new(ctx.state())
            .edits(self.model.id)
            .await?;
        Ok(Some(
            edits
                .into_iter()
                .map(|e| ChannelMessageEdit {
                    text: e.previous_text,
                    replaced_at: e.edited_at,
                })
                .collect(),
        ))
    }
}

/// An earlier text of an edited message.
#[derive(SimpleObject, Clone)]
pub struct ChannelMessageEdit {
    /// The text before the edit.
    pub text: String,
    /// When it was replaced.
    pub replaced_at: DateTime<Utc>,
}

/// One change of a message, live.
#[derive(SimpleObject, Clone)]
pub struct ChannelMessageEvent {
    /// Pass as `after` to resume after this event.
    pub cursor: String,
    /// What happened.
    pub change: ChannelMessageChange,
    /// The message as it now is.
    pub message: ChannelMessage,
}

/// A channel's unread count changed for you.
#[derive(SimpleObject, Clone)]
pub struct ChannelUnread {
    /// The channel.
    pub channel_id: ID,
    /// Messages after your read position.
    pub unread_count: i32,
    /// Messages posted so far.
    pub message_count: i32,
}

/// An entry of the moderation log.
#[derive(SimpleObject, Clone)]
pub struct ChannelModerationEntry {
    /// Id.
    pub id: ID,
    /// The channel.
    pub channel_id: ID,
    /// What was done.
    pub action: ChannelModerationAction,
    /// The member affected.
    pub member: ChannelPerson,
    /// The message, for a hide.
    pub message_id: Option<ID>,
    /// Why.
    pub reason: String,
    /// Until when (a mute).
    pub until: Option<DateTime<Utc>>,
    /// The moderator.
    pub moderator: ChannelPerson,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl ChannelModerationEntry {
    /// The entry, with the display names of the people it names.
    pub fn new(m: channel_moderation::Model, names: &HashMap<Uuid, String>) -> Self {
        ChannelModerationEntry {
            id: ID(m.id.to_string()),
            channel_id: ID(m.channel_id.to_string()),
            action: ChannelModerationAction::parse(&m.action)
                .unwrap_or(ChannelModerationAction::Hide),
            member: person(m.user_id, names),
            message_id: m.message_id.map(|id| ID(id.to_string())),
            reason: m.reason,
            until: m.until,
            moderator: person(m.moderator_id, names),
            created_at: m.created_at,
        }
    }
}

/// A member's report of a message.
#[derive(SimpleObject, Clone)]
pub struct ChannelReport {
    /// Id.
    pub id: ID,
    /// The message.
    pub message_id: ID,
    /// Who reported it.
    pub reporter: ChannelPerson,
    /// Why.
    pub reason: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl ChannelReport {
    /// The report, with its reporter's display name.
    pub fn new(m: channel_report::Model, names: &HashMap<Uuid, String>) -> Self {
        ChannelReport {
            id: ID(m.id.to_string()),
            message_id: ID(m.message_id.to_string()),
            reporter: person(m.reporter_id, names),
            reason: m.reason,
            created_at: m.created_at,
        }
    }
}

/// An INTEREST channel you may join (what it is, nothing of its messages).
#[derive(SimpleObject, Clone)]
pub struct JoinableChannel {
    /// Id (pass to `joinChannel`).
    pub id: ID,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// How it is joined.
    pub join_policy: ChannelJoinPolicy,
}

impl JoinableChannel {
    /// From the row.
    pub fn try_from_model(m: channel::Model) -> AppResult<JoinableChannel> {
        Ok(JoinableChannel {
            id: ID(m.id.to_string()),
            join_policy: ChannelJoinPolicy::from_stored(&m.join_policy)?,
            name: m.name,
            description: m.description,
        })
    }
}
