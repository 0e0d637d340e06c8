//! Channel rules and transactions: creating and joining channels, posting, editing, deleting,
//! reading positions, and moderation. Every access fact is read before the write begins.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::{ACTIVE, Access, LEFT, PENDING, REMOVED, Relation, TRACKING},
    reactions::{self, ChannelReaction, Snapshot},
    types::{
        ChannelJoinPolicy, ChannelKind, ChannelMessageChange, ChannelModerationAction,
        ChannelPostPolicy, ChannelVisibility, EDIT_WINDOW_MINUTES, MessageEvent, mention_ids,
    },
};
use crate::{
    app::AppState,
    auth::Role,
    domains::estate::{access::Scope, types::StaffPost},
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{
    channel, channel_member, channel_message, channel_message_edit, channel_moderation,
    channel_report, staff_building, staff_record, user, user_role,
};

/// Notification subject type of a channel message.
pub const SUBJECT: &str = "CHANNEL_MESSAGE";
/// Kind of the events on a channel's topic (the change is in the payload's `change`).
pub const MESSAGE_EVENT: &str = "CHANNEL_MESSAGE";
/// The rate-limit window.
const WINDOW_SECS: i64 = 60;

/// What `createChannel` asks for, checked.
pub struct NewChannel {
    /// Kind (not DIRECT: see `openDirectChannel`).
    pub kind: ChannelKind,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Building.
    pub building_id: Option<Uuid>,
    /// Floor (FLOOR).
    pub floor: Option<i32>,
    /// Who may post.
    pub post_policy: ChannelPostPolicy,
    /// How it is joined (INTEREST).
    pub join_policy: ChannelJoinPolicy,
    /// Listed for joining (INTEREST).
    pub visibility: ChannelVisibility,
    /// Slow mode in seconds.
    pub slow_mode_seconds: i32,
}

/// What `postChannelMessage` asks for, checked (the reference already resolved for the sender).
pub struct NewMessage {
    /// The channel.
    pub channel_id: Uuid,
    /// The text.
    pub text: String,
    /// The message it answers.
    pub reply_to_id: Option<Uuid>,
    /// Members mentioned.
    pub mention_ids: Vec<Uuid>,
    /// An object the sender may see.
    pub reference_id: Option<Uuid>,
}

/// The body of a message on [`Topic::ChannelActivity`]: a channel's count moved (a post), or a
/// reader's position did (`reader`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Activity {
    /// The channel as it now is.
    pub channel: channel::Model,
    /// The user whose read position moved, if that is what happened.
    pub reader: Option<Uuid>,
}

/// The channel rules.
pub struct ChannelService<'a> {
    state: &'a AppState,
}

impl<'a> ChannelService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        ChannelService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The channel row.
    pub async fn load(&self, id: Uuid) -> AppResult<Option<channel::Model>> {
        Ok(channel::Entity::find_by_id(id).one(self.db()).await?)
    }

    /// A channel the viewer reads, with their relation; `NOT_FOUND` otherwise.
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<(channel::Model, Relation)> {
        let access = Access::of(scope).await?;
        let channel = self.load(id).await?.ok_or(AppError::NotFound("channel"))?;
        let rel = access.relation(&channel);
        if !rel.reads {
            return Err(AppError::NotFound("channel"));
        }
        Ok((channel, rel))
    }

    /// The viewer's read positions in `channels` (0 where they have none).
    pub async fn read_numbers(
        &self,
        me: Uuid,
        channels: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<HashMap<Uuid, i32>> {
        Ok(channel_member::Entity::find()
            .select_only()
            .column(channel_member::Column::ChannelId)
            .column(channel_member::Column::ReadNumber)
            .filter(channel_member::Column::UserId.eq(me))
            .filter(channel_member::Column::ChannelId.is_in(channels))
            .into_tuple::<(Uuid, i32)>()
            .all(self.db())
            .await?
            .into_iter()
            .collect())
    }

    /// Display names of `users` (one statement).
    pub async fn names(
        &self,
        users: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<HashMap<Uuid, String>> {
        let ids: HashSet<Uuid> = users.into_iter().collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::DisplayName)
            .filter(user::Column::Id.is_in(ids))
            .into_tuple::<(Uuid, String)>()
            .all(self.db())
            .await?
            .into_iter()
            .collect())
    }

    /// The channels the viewer reads, most recently active first, with their relations.
    pub async fn list(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<(channel::Model, Relation)>> {
        let access = Access::of(scope).await?;
        let mut query = channel::Entity::find();
        if let Some(condition) = access.condition() {
            query = query.filter(condition);
        }
        let page = Keyset::<channel::Entity>::new()
            .desc(channel::Column::UpdatedAt)
            .desc(channel::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        Ok(page.map(|model| {
            let rel = access.relation(&model);
            (model, rel)
        }))
    }

    /// Listed INTEREST channels of the viewer's buildings (or of the whole estate) they are not
    /// in.
    pub async fn joinable(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<channel::Model>> {
        let me = scope.require_user()?;
        let access = Access::of(scope).await?;
        let mine: Vec<Uuid> = channel_member::Entity::find()
            .select_only()
            .column(channel_member::Column::ChannelId)
            .filter(channel_member::Column::UserId.eq(me))
            .filter(channel_member::Column::Status.is_in([ACTIVE, REMOVED]))
            .into_tuple()
            .all(self.db())
            .await?;
        let query = channel::Entity::find()
            .filter(channel::Column::Kind.eq(ChannelKind::Interest.as_str()))
            .filter(channel::Column::Visibility.eq(ChannelVisibility::Listed.as_str()))
            .filter(channel::Column::ArchivedAt.is_null())
            .filter(channel::Column::Id.is_not_in(mine))
            .filter(
                sea_orm::Condition::any()
                    .add(channel::Column::BuildingId.is_null())
                    .add(channel::Column::BuildingId.is_in(access.buildings())),
            );
        Keyset::<channel::Entity>::new()
            .asc(channel::Column::Name)
            .asc(channel::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// Creates a channel: administrators any kind; the active manager of a building its
    /// BUILDING, FLOOR, INTEREST and STAFF channels; residents INTEREST channels of their
    /// building when `--channel-residents-create-interest` allows. The creator of an INTEREST
    /// channel is its first member.
    pub async fn create(&self, scope: &Scope, new: NewChannel) -> AppResult<channel::Model> {
        let me = scope.require_user()?;
        let access = Access::of(scope).await?;
        let manager = crate::auth::guard::holds_active_post(scope, StaffPost::Manager)
            .await?
            .is_some_and(|staff| {
                new.building_id
                    .is_some_and(|b| staff.served_buildings.contains(&b))
            });
        let resident_may = new.kind == ChannelKind::Interest
            && self.state.config.channels.residents_create_interest
            && new.building_id.is_some_and(|b| access.homes().contains(&b));
        if !(scope.admin || manager || resident_may) {
            return Err(AppError::Forbidden(
                "you may not create this channel".to_owned(),
            ));
        }
        if let Some(b) = new.building_id
            && entity::building::Entity::find_by_id(b)
                .one(self.db())
                .await?
                .is_none()
        {
            return Err(AppError::unknown_id("input.buildingId", "building"));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let model = channel::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(new.kind.as_str().to_owned()),
            name: Set(new.name),
            description: Set(new.description),
            building_id: Set(new.building_id),
            floor: Set(new.floor),
            resident_id: Set(None),
            post_policy: Set(new.post_policy.as_str().to_owned()),
            join_policy: Set(new.join_policy.as_str().to_owned()),
            visibility: Set(new.visibility.as_str().to_owned()),
            slow_mode_seconds: Set(new.slow_mode_seconds),
            message_count: Set(0),
            created_by: Set(me),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let model = channel::Entity::insert(model)
            .exec_with_returning(write.txn())
            .await?;
        if new.kind == ChannelKind::Interest {
            insert_member(write.txn(), model.id, me, ACTIVE, now).await?;
            write.access_changed(&[me])?;
        }
        write.commit().await?;
        Ok(model)
    }

    /// The resident's service line to the property office of `building` (their only home's
    /// building when not given), opened on first use.
    pub async fn open_direct(
        &self,
        scope: &Scope,
        building: Option<Uuid>,
    ) -> AppResult<channel::Model> {
        let me = scope.require_user()?;
        let access = Access::of(scope).await?;
        let homes = access.homes();
        let building = match building {
            Some(b) if homes.contains(&b) => b,
            Some(_) => return Err(AppError::unknown_id("input.buildingId", "building")),
            None => {
                let mut homes = homes.iter();
                match (homes.next(), homes.next()) {
                    (Some(b), None) => *b,
                    (None, _) => {
                        return Err(AppError::Forbidden(
                            "only residents open a service line".to_owned(),
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(AppError::bad_input(
                            "input.buildingId",
                            "is required: you live in several buildings",
                        ));
                    }
                }
            }
        };
        let existing = || {
            channel::Entity::find()
                .filter(channel::Column::ResidentId.eq(me))
                .filter(channel::Column::BuildingId.eq(building))
                .one(self.db())
        };
        if let Some(found) = existing().await? {
            return Ok(found);
        }
        let names = self.names([me]).await?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        channel::Entity::insert(channel::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(ChannelKind::Direct.as_str().to_owned()),
            name: Set(format!(
                "{} and the property office",
                names.get(&me).cloned().unwrap_or_default()
            )),
            description: Set(String::new()),
            building_id: Set(Some(building)),
            floor: Set(None),
            resident_id: Set(Some(me)),
            post_policy: Set(ChannelPostPolicy::Everyone.as_str().to_owned()),
            join_policy: Set(ChannelJoinPolicy::Approval.as_str().to_owned()),
            visibility: Set(ChannelVisibility::Unlisted.as_str().to_owned()),
            slow_mode_seconds: Set(0),
            message_count: Set(0),
            created_by: Set(me),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                channel::Column::ResidentId,
                channel::Column::BuildingId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        write.commit().await?;
        existing()
            .await?
            .ok_or_else(|| AppError::internal("a service line went missing"))
    }

    /// Joins an INTEREST channel the viewer may find: at once when it is open, as a request
    /// when it needs approval. Someone removed by a moderator may not join again.
    pub async fn join(&self, scope: &Scope, id: Uuid) -> AppResult<&'static str> {
        let me = scope.require_user()?;
        let access = Access::of(scope).await?;
        let channel = self
            .load(id)
            .await?
            .filter(|c| {
                c.kind == ChannelKind::Interest.as_str()
                    && (access.relation(c).reads
                        || c.visibility == ChannelVisibility::Listed.as_str()
                            && c.building_id
                                .is_none_or(|b| access.buildings().contains(&b)))
            })
            .ok_or_else(|| AppError::unknown_id("input.channelId", "channel"))?;
        if channel.archived_at.is_some() {
            return Err(AppError::InvalidState("the channel is archived".to_owned()));
        }
        let existing = member_row(self.db(), id, me).await?;
        match existing.as_ref().map(|m| m.status.as_str()) {
            Some(ACTIVE) => return Ok(ACTIVE),
            Some(PENDING) => return Ok(PENDING),
            Some(REMOVED) => {
                return Err(AppError::Forbidden(
                    "a moderator removed you from this channel".to_owned(),
                ));
            }
            _ => {}
        }
        let status = if channel.join_policy == ChannelJoinPolicy::Open.as_str() {
            ACTIVE
        } else {
            PENDING
        };
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        insert_member(write.txn(), id, me, status, now).await?;
        set_status(write.txn(), id, me, status, now).await?;
        write.access_changed(&[me])?;
        write.commit().await?;
        Ok(status)
    }

    /// Leaves an INTEREST channel (the viewer may join again).
    pub async fn leave(&self, scope: &Scope, id: Uuid) -> AppResult<()> {
        let me = scope.require_user()?;
        let (channel, _) = self
            .get(scope, id)
            .await
            .map_err(|e| e.on_field("input.channelId"))?;
        if channel.kind != ChannelKind::Interest.as_str() {
            return Err(AppError::InvalidState(
                "only INTEREST channels are left; other memberships follow your home and work"
                    .to_owned(),
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        channel_member::Entity::update_many()
            .col_expr(channel_member::Column::Status, Expr::value(LEFT))
            .col_expr(channel_member::Column::UpdatedAt, Expr::value(now))
            .filter(channel_member::Column::ChannelId.eq(id))
            .filter(channel_member::Column::UserId.eq(me))
            .filter(channel_member::Column::Status.eq(ACTIVE))
            .exec(write.txn())
            .await?;
        write.access_changed(&[me])?;
        write.commit().await?;
        Ok(())
    }

    /// A moderator approves a request to join (or adds anyone who reads the building's
    /// channels).
    pub async fn approve(&self, scope: &Scope, id: Uuid, user_id: Uuid) -> AppResult<()> {
        let (channel, _) = self.moderated(scope, id).await?;
        if channel.kind != ChannelKind::Interest.as_str() {
            return Err(AppError::InvalidState(
                "only INTEREST channels have members to approve".to_owned(),
            ));
        }
        let row = member_row(self.db(), id, user_id)
            .await?
            .filter(|m| m.status == PENDING)
            .ok_or_else(|| AppError::unknown_id("input.userId", "request to join"))?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        set_status(write.txn(), id, row.user_id, ACTIVE, now).await?;
        write.access_changed(&[row.user_id])?;
        write.commit().await?;
        Ok(())
    }

    /// Posts a message. Refused, with nothing written: outside the channel (`NOT_FOUND` on
    /// `input.channelId`), an announcement channel for anyone but the property office
    /// (`FORBIDDEN`), muted (`FORBIDDEN`), slow mode or a rate limit (`RATE_LIMITED` with
    /// `retryAfter`), a blocked word (`BAD_USER_INPUT` on `input.text`).
    pub async fn post(
        &self,
        scope: &Scope,
        new: NewMessage,
    ) -> AppResult<(channel_message::Model, HashMap<Uuid, String>, Relation)> {
        let me = scope.require_user()?;
        let access = Access::of(scope).await?;
        let channel = self
            .load(new.channel_id)
            .await?
            .filter(|c| access.relation(c).reads)
            .ok_or_else(|| AppError::unknown_id("input.channelId", "channel"))?;
        let rel = access.relation(&channel);
        if channel.archived_at.is_some() {
            return Err(AppError::InvalidState("the channel is archived".to_owned()));
        }
        if channel.post_policy == ChannelPostPolicy::Staff.as_str() && !rel.office {
            return Err(AppError::Forbidden(
                "only the property office posts in this channel".to_owned(),
            ));
        }
        self.check_words("input.text", &new.text)?;
        if let Some(reply) = new.reply_to_id
            && channel_message::Entity::find_by_id(reply)
                .filter(channel_message::Column::ChannelId.eq(channel.id))
                .one(self.db())
                .await?
                .is_none()
        {
            return Err(AppError::unknown_id("input.replyToId", "message"));
        }
        let mut mentioned = Vec::new();
        for user_id in new.mention_ids {
            if mentioned.contains(&user_id) {
                continue;
            }
            let theirs = self.state.scopes.get(self.state, user_id).await?;
            if !Access::of(&theirs).await?.relation(&channel).reads {
                return Err(AppError::unknown_id("input.mentionIds", "member"));
            }
            mentioned.push(user_id);
        }
        let direct_to = if channel.kind == ChannelKind::Direct.as_str() {
            if channel.resident_id == Some(me) {
                self.office_of(channel.building_id).await?
            } else {
                channel.resident_id.into_iter().collect()
            }
        } else {
            Vec::new()
        };
        let names = self.names(mentioned.iter().copied().chain([me])).await?;
        let limits = &self.state.config.channels;

        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        // Take the next number: the channel row's lock holds other posters of this channel
        // until the commit, so the counts below see every earlier message.
        channel::Entity::update_many()
            .col_expr(
                channel::Column::MessageCount,
                Expr::col(channel::Column::MessageCount).add(1),
            )
            .col_expr(channel::Column::UpdatedAt, Expr::value(now))
            .filter(channel::Column::Id.eq(channel.id))
            .exec(write.txn())
            .await?;
        let current = channel::Entity::find_by_id(channel.id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("channel"))?;
        let member = member_row(write.txn(), channel.id, me).await?;
        if let Some(until) = member.as_ref().and_then(|m| m.muted_until)
            && until > now
        {
            return Err(AppError::Forbidden(format!(
                "a moderator muted you in this channel until {}",
                until.to_rfc3339()
            )));
        }
        let held = !(rel.office || rel.moderates);
        if held
            && channel.slow_mode_seconds > 0
            && let Some(last) = member.as_ref().and_then(|m| m.last_posted_at)
        {
            let next = last + Duration::seconds(i64::from(channel.slow_mode_seconds));
            if now < next {
                return Err(rate_limited(now, next));
            }
        }
        let since = now - Duration::seconds(WINDOW_SECS);
        if held {
            let mine = recent(
                write.txn(),
                channel.id,
                Some(me),
                since,
                limits.member_per_minute,
            )
            .await?;
            if let Some(oldest) = mine {
                return Err(rate_limited(now, oldest + Duration::seconds(WINDOW_SECS)));
            }
        }
        if let Some(oldest) = recent(
            write.txn(),
            channel.id,
            None,
            since,
            limits.channel_per_minute,
        )
        .await?
        {
            return Err(rate_limited(now, oldest + Duration::seconds(WINDOW_SECS)));
        }
        let message = channel_message::Entity::insert(channel_message::ActiveModel {
            id: Set(Uuid::now_v7()),
            channel_id: Set(channel.id),
            number: Set(current.message_count),
            sender_id: Set(me),
            text: Set(Some(new.text)),
            reply_to_id: Set(new.reply_to_id),
            ref_id: Set(new.reference_id),
            mentions: Set(mentioned
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",")),
            created_at: Set(now),
            edited_at: Set(None),
            deleted_at: Set(None),
            hidden_at: Set(None),
            hidden_by: Set(None),
            hidden_reason: Set(None),
        })
        .exec_with_returning(write.txn())
        .await?;
        insert_member(write.txn(), channel.id, me, TRACKING, now).await?;
        channel_member::Entity::update_many()
            .col_expr(channel_member::Column::LastPostedAt, Expr::value(now))
            .col_expr(
                channel_member::Column::ReadNumber,
                Expr::value(message.number),
            )
            .col_expr(channel_member::Column::UpdatedAt, Expr::value(now))
            .filter(channel_member::Column::ChannelId.eq(channel.id))
            .filter(channel_member::Column::UserId.eq(me))
            .exec(write.txn())
            .await?;
        self.publish(&mut write, &message, &names, ChannelMessageChange::Posted)
            .await?;
        write.signal_with(
            Topic::ChannelActivity,
            &serde_json::to_value(Activity {
                channel: current.clone(),
                reader: None,
            })
            .map_err(AppError::internal)?,
        );
        let sender = names.get(&me).cloned().unwrap_or_default();
        let snippet: String = message.text.clone().unwrap_or_default();
        let subject = SubjectRef {
            kind: SUBJECT,
            id: message.id,
        };
        let direct: HashSet<Uuid> = direct_to.into_iter().filter(|u| *u != me).collect();
        if !direct.is_empty() {
            Notifier::notify(
                &mut write,
                direct.iter().copied(),
                &Draft {
                    category: NotificationCategory::Channel,
                    priority: NotificationPriority::Normal,
                    kind: "CHANNEL_DIRECT_MESSAGE".to_owned(),
                    title: format!("{sender} in {}", channel.name),
                    text: snippet.clone(),
                    subject,
                },
            )
            .await?;
        }
        let mentions: Vec<Uuid> = mentioned
            .into_iter()
            .filter(|u| *u != me && !direct.contains(u))
            .collect();
        Notifier::notify(
            &mut write,
            mentions,
            &Draft {
                category: NotificationCategory::Channel,
                priority: NotificationPriority::Normal,
                kind: "CHANNEL_MENTION".to_owned(),
                title: format!("{sender} mentioned you in {}", channel.name),
                text: snippet,
                subject,
            },
        )
        .await?;
        write.commit().await?;
        Ok((message, names, rel))
    }

    /// Queues a message's event on its channel's topic, with its reactions as they now are
    /// (read in the transaction; a new message has none).
    async fn publish(
        &self,
        write: &mut Write<'_>,
        message: &channel_message::Model,
        names: &HashMap<Uuid, String>,
        change: ChannelMessageChange,
    ) -> AppResult<Snapshot> {
        let reactions = if change == ChannelMessageChange::Posted {
            Vec::new()
        } else {
            reactions::snapshot(write.txn(), message.id).await?
        };
        let payload = serde_json::json!({
            "change": change.as_str(),
            "event": MessageEvent {
                message: message.clone(),
                names: names.clone(),
                reactions: Some(reactions.clone()),
            },
        });
        write.event(Topic::Channel(message.channel_id), MESSAGE_EVENT, payload);
        Ok(reactions)
    }

    /// `BAD_USER_INPUT` on `field` when `text` holds a blocked word (`--channel-blocked-words`;
    /// whole words, any case).
    pub fn check_words(&self, field: &str, text: &str) -> AppResult<()> {
        let blocked = &self.state.config.channels.blocked_words;
        if blocked.is_empty() {
            return Ok(());
        }
        let lower = text.to_lowercase();
        let hit = lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| !word.is_empty() && blocked.iter().any(|b| b == word));
        if hit {
            return Err(AppError::bad_input(
                field,
                "contains a word this estate does not allow in channels",
            ));
        }
        Ok(())
    }

    /// Active staff users serving `building` (every active staff member without one).
    async fn office_of(&self, building: Option<Uuid>) -> AppResult<Vec<Uuid>> {
        self.staff_of(building, None).await
    }

    async fn staff_of(&self, building: Option<Uuid>, post: Option<&str>) -> AppResult<Vec<Uuid>> {
        let mut query = staff_record::Entity::find()
            .select_only()
            .column(staff_record::Column::UserId)
            .filter(staff_record::Column::Status.eq("ACTIVE"));
        if let Some(post) = post {
            query = query.filter(staff_record::Column::Post.eq(post));
        }
        if let Some(building) = building {
            let serving: Vec<Uuid> = staff_building::Entity::find()
                .select_only()
                .column(staff_building::Column::StaffId)
                .filter(staff_building::Column::BuildingId.eq(building))
                .into_tuple()
                .all(self.db())
                .await?;
            query = query.filter(staff_record::Column::Id.is_in(serving));
        }
        Ok(query.into_tuple().all(self.db()).await?)
    }

    /// The channel's moderators to tell of a report: its building's active managers, else the
    /// administrators.
    async fn moderators_of(&self, channel: &channel::Model) -> AppResult<Vec<Uuid>> {
        let managers = match channel.building_id {
            Some(b) => {
                self.staff_of(Some(b), Some(StaffPost::Manager.as_str()))
                    .await?
            }
            None => Vec::new(),
        };
        if !managers.is_empty() {
            return Ok(managers);
        }
        Ok(user_role::Entity::find()
            .select_only()
            .column(user_role::Column::UserId)
            .filter(user_role::Column::Role.eq(Role::Admin.as_str()))
            .into_tuple()
            .all(self.db())
            .await?)
    }

    /// The channel's messages the viewer reads, oldest first (page backward with `last`).
    pub async fn history(
        &self,
        scope: &Scope,
        channel_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<(
        Page<channel_message::Model>,
        HashMap<Uuid, String>,
        Relation,
    )> {
        let (_, rel) = self
            .get(scope, channel_id)
            .await
            .map_err(|e| e.on_field("channelId"))?;
        let query = channel_message::Entity::find()
            .filter(channel_message::Column::ChannelId.eq(channel_id));
        let page = Keyset::<channel_message::Entity>::new()
            .asc(channel_message::Column::Number)
            .asc(channel_message::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        let names = self.names(people(&page.items)).await?;
        Ok((page, names, rel))
    }

    /// One message the viewer reads, with its names and the viewer's relation to its channel.
    pub async fn message(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(channel_message::Model, HashMap<Uuid, String>, Relation)> {
        let message = channel_message::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("message"))?;
        let (_, rel) = self
            .get(scope, message.channel_id)
            .await
            .map_err(|_| AppError::NotFound("message"))?;
        let names = self.names(people(std::slice::from_ref(&message))).await?;
        Ok((message, names, rel))
    }

    /// The messages among `ids` the viewer reads (notification subjects).
    pub async fn messages_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<(channel_message::Model, HashMap<Uuid, String>, Relation)>> {
        let messages = channel_message::Entity::find()
            .filter(channel_message::Column::Id.is_in(ids))
            .all(self.db())
            .await?;
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let access = Access::of(scope).await?;
        let channels: HashMap<Uuid, channel::Model> = channel::Entity::find()
            .filter(channel::Column::Id.is_in(messages.iter().map(|m| m.channel_id)))
            .all(self.db())
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let names = self.names(people(&messages)).await?;
        Ok(messages
            .into_iter()
            .filter_map(|m| {
                let rel = access.relation(channels.get(&m.channel_id)?);
                rel.reads.then(|| (m, names.clone(), rel))
            })
            .collect())
    }

    /// Moves the viewer's read position to `message_id` (never back).
    pub async fn mark_read(
        &self,
        scope: &Scope,
        channel_id: Uuid,
        message_id: Uuid,
    ) -> AppResult<(channel::Model, Relation, i32)> {
        let me = scope.require_user()?;
        let (channel, rel) = self
            .get(scope, channel_id)
            .await
            .map_err(|e| e.on_field("input.channelId"))?;
        let message = channel_message::Entity::find_by_id(message_id)
            .filter(channel_message::Column::ChannelId.eq(channel_id))
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.messageId", "message"))?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        insert_member(write.txn(), channel_id, me, TRACKING, now).await?;
        channel_member::Entity::update_many()
            .col_expr(
                channel_member::Column::ReadNumber,
                Expr::value(message.number),
            )
            .col_expr(channel_member::Column::UpdatedAt, Expr::value(now))
            .filter(channel_member::Column::ChannelId.eq(channel_id))
            .filter(channel_member::Column::UserId.eq(me))
            .filter(channel_member::Column::ReadNumber.lt(message.number))
            .exec(write.txn())
            .await?;
        let read = member_row(write.txn(), channel_id, me)
            .await?
            .map_or(0, |m| m.read_number);
        write.signal_with(
            Topic::ChannelActivity,
            &serde_json::to_value(Activity {
                channel: channel.clone(),
                reader: Some(me),
            })
            .map_err(AppError::internal)?,
        );
        write.commit().await?;
        Ok((channel, rel, read))
    }

    /// The sender edits their message within 15 minutes of posting; the earlier text is kept
    /// for moderators.
    pub async fn edit(
        &self,
        scope: &Scope,
        id: Uuid,
        text: String,
    ) -> AppResult<(channel_message::Model, HashMap<Uuid, String>, Relation)> {
        let me = scope.require_user()?;
        let (message, names, rel) = self
            .message(scope, id)
            .await
            .map_err(|e| e.on_field("input.messageId"))?;
        if message.sender_id != me {
            return Err(AppError::Forbidden(
                "only its sender edits a message".to_owned(),
            ));
        }
        let Some(previous) = message
            .text
            .clone()
            .filter(|_| message.deleted_at.is_none())
        else {
            return Err(AppError::InvalidState("the message is deleted".to_owned()));
        };
        let now = self.state.clock.now();
        if now >= message.created_at + Duration::minutes(EDIT_WINDOW_MINUTES) {
            return Err(AppError::InvalidState(format!(
                "messages are edited within {EDIT_WINDOW_MINUTES} minutes of posting"
            )));
        }
        self.check_words("input.text", &text)?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let updated = channel_message::Entity::update_many()
            .col_expr(channel_message::Column::Text, Expr::value(Some(text)))
            .col_expr(channel_message::Column::EditedAt, Expr::value(now))
            .filter(channel_message::Column::Id.eq(id))
            .filter(channel_message::Column::DeletedAt.is_null())
            .filter(channel_message::Column::Text.eq(previous.clone()))
            .exec_with_returning(write.txn())
            .await?;
        let Some(updated) = updated.into_iter().next() else {
            return Err(AppError::Conflict {
                field: None,
                message: "the message changed meanwhile".to_owned(),
            });
        };
        channel_message_edit::Entity::insert(channel_message_edit::ActiveModel {
            id: Set(Uuid::now_v7()),
            message_id: Set(id),
            previous_text: Set(previous),
            edited_at: Set(now),
        })
        .exec_without_returning(write.txn())
        .await?;
        self.publish(&mut write, &updated, &names, ChannelMessageChange::Edited)
            .await?;
        write.commit().await?;
        Ok((updated, names, rel))
    }

    /// The sender deletes their message: the text goes, a tombstone stays.
    pub async fn delete(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(channel_message::Model, HashMap<Uuid, String>, Relation)> {
        let me = scope.require_user()?;
        let (message, names, rel) = self
            .message(scope, id)
            .await
            .map_err(|e| e.on_field("input.messageId"))?;
        if message.sender_id != me {
            return Err(AppError::Forbidden(
                "only its sender deletes a message".to_owned(),
            ));
        }
        if message.deleted_at.is_some() {
            return Err(AppError::InvalidState("the message is deleted".to_owned()));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let updated = channel_message::Entity::update_many()
            .col_expr(
                channel_message::Column::Text,
                Expr::value(Option::<String>::None),
            )
            .col_expr(channel_message::Column::DeletedAt, Expr::value(now))
            .filter(channel_message::Column::Id.eq(id))
            .filter(channel_message::Column::DeletedAt.is_null())
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::InvalidState("the message is deleted".to_owned()))?;
        self.publish(&mut write, &updated, &names, ChannelMessageChange::Deleted)
            .await?;
        write.commit().await?;
        Ok((updated, names, rel))
    }

    /// A member who reads the channel adds (`on`) or takes back a reaction to a message that is
    /// neither deleted nor hidden, in a channel not archived. Muted members may react (a mute
    /// stops posting only). Idempotent: adding a reaction that is there, or removing one that
    /// is not, changes nothing and publishes nothing. Returns the message and its reactions.
    pub async fn react(
        &self,
        scope: &Scope,
        id: Uuid,
        chosen: ChannelReaction,
        on: bool,
    ) -> AppResult<(
        channel_message::Model,
        HashMap<Uuid, String>,
        Relation,
        Snapshot,
    )> {
        let me = scope.require_user()?;
        let (message, names, rel) = self
            .message(scope, id)
            .await
            .map_err(|e| e.on_field("input.messageId"))?;
        let channel = self
            .load(message.channel_id)
            .await?
            .ok_or(AppError::NotFound("channel"))?;
        if channel.archived_at.is_some() {
            return Err(AppError::InvalidState("the channel is archived".to_owned()));
        }
        gone(&message)?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        // Lock the message row (and check it again): reactions to one message take turns, so
        // each event's snapshot holds every earlier change.
        let current = channel_message::Entity::update_many()
            .col_expr(
                channel_message::Column::Number,
                Expr::col(channel_message::Column::Number),
            )
            .filter(channel_message::Column::Id.eq(id))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("message"))?;
        gone(&current)?;
        let changed = if on {
            reactions::add(write.txn(), id, me, chosen, now).await?
        } else {
            reactions::remove(write.txn(), id, me, chosen).await?
        };
        let snapshot = if changed == 0 {
            reactions::snapshot(write.txn(), id).await?
        } else {
            self.publish(&mut write, &current, &names, ChannelMessageChange::Reacted)
                .await?
        };
        write.commit().await?;
        Ok((current, names, rel, snapshot))
    }

    /// A member reports a message to the moderators (once per message).
    pub async fn report(&self, scope: &Scope, id: Uuid, reason: String) -> AppResult<()> {
        let me = scope.require_user()?;
        let (message, _, _) = self
            .message(scope, id)
            .await
            .map_err(|e| e.on_field("input.messageId"))?;
        let channel = self
            .load(message.channel_id)
            .await?
            .ok_or(AppError::NotFound("channel"))?;
        let moderators = self.moderators_of(&channel).await?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let inserted = channel_report::Entity::insert(channel_report::ActiveModel {
            id: Set(Uuid::now_v7()),
            message_id: Set(id),
            channel_id: Set(channel.id),
            reporter_id: Set(me),
            reason: Set(reason),
            created_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                channel_report::Column::MessageId,
                channel_report::Column::ReporterId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        if inserted == 0 {
            return Err(AppError::Conflict {
                field: Some("input.messageId".to_owned()),
                message: "you reported this message already".to_owned(),
            });
        }
        Notifier::notify(
            &mut write,
            moderators,
            &Draft {
                category: NotificationCategory::Channel,
                priority: NotificationPriority::Normal,
                kind: "CHANNEL_MESSAGE_REPORTED".to_owned(),
                title: format!("A message in {} was reported", channel.name),
                text: String::new(),
                subject: SubjectRef { kind: SUBJECT, id },
            },
        )
        .await?;
        write.commit().await?;
        Ok(())
    }

    /// A channel the viewer moderates: `NOT_FOUND` when they do not read it, `FORBIDDEN` when
    /// they read but do not moderate it.
    async fn moderated(&self, scope: &Scope, id: Uuid) -> AppResult<(channel::Model, Relation)> {
        let (channel, rel) = self
            .get(scope, id)
            .await
            .map_err(|e| e.on_field("input.channelId"))?;
        if !rel.moderates {
            return Err(AppError::Forbidden("moderators only".to_owned()));
        }
        Ok((channel, rel))
    }

    /// A moderator hides a message, with a reason (logged, shown to its sender).
    pub async fn hide(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: String,
    ) -> AppResult<(channel_message::Model, HashMap<Uuid, String>, Relation)> {
        let me = scope.require_user()?;
        let (message, names, rel) = self
            .message(scope, id)
            .await
            .map_err(|e| e.on_field("input.messageId"))?;
        if !rel.moderates {
            return Err(AppError::Forbidden("moderators only".to_owned()));
        }
        if message.hidden_at.is_some() {
            return Err(AppError::InvalidState(
                "the message is hidden already".to_owned(),
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let updated = channel_message::Entity::update_many()
            .col_expr(channel_message::Column::HiddenAt, Expr::value(now))
            .col_expr(channel_message::Column::HiddenBy, Expr::value(me))
            .col_expr(
                channel_message::Column::HiddenReason,
                Expr::value(reason.clone()),
            )
            .filter(channel_message::Column::Id.eq(id))
            .filter(channel_message::Column::HiddenAt.is_null())
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::InvalidState("the message is hidden already".to_owned()))?;
        log(
            write.txn(),
            &updated.channel_id,
            updated.sender_id,
            Some(id),
            ChannelModerationAction::Hide,
            reason,
            me,
            None,
            now,
        )
        .await?;
        self.publish(&mut write, &updated, &names, ChannelMessageChange::Hidden)
            .await?;
        write.commit().await?;
        Ok((updated, names, rel))
    }

    /// A moderator mutes a member of the channel for `minutes`, with a reason.
    pub async fn mute(
        &self,
        scope: &Scope,
        id: Uuid,
        user_id: Uuid,
        minutes: i64,
        reason: String,
    ) -> AppResult<channel_moderation::Model> {
        let me = scope.require_user()?;
        let (channel, _) = self.moderated(scope, id).await?;
        let theirs = self.state.scopes.get(self.state, user_id).await?;
        if !Access::of(&theirs).await?.relation(&channel).reads {
            return Err(AppError::unknown_id("input.userId", "member"));
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let until = now + Duration::minutes(minutes);
        insert_member(write.txn(), id, user_id, TRACKING, now).await?;
        channel_member::Entity::update_many()
            .col_expr(channel_member::Column::MutedUntil, Expr::value(until))
            .col_expr(channel_member::Column::UpdatedAt, Expr::value(now))
            .filter(channel_member::Column::ChannelId.eq(id))
            .filter(channel_member::Column::UserId.eq(user_id))
            .exec(write.txn())
            .await?;
        let entry = log(
            write.txn(),
            &id,
            user_id,
            None,
            ChannelModerationAction::Mute,
            reason,
            me,
            Some(until),
            now,
        )
        .await?;
        write.commit().await?;
        Ok(entry)
    }

    /// A moderator removes a member from an INTEREST channel, with a reason; they may not join
    /// again.
    pub async fn remove(
        &self,
        scope: &Scope,
        id: Uuid,
        user_id: Uuid,
        reason: String,
    ) -> AppResult<channel_moderation::Model> {
        let me = scope.require_user()?;
        let (channel, _) = self.moderated(scope, id).await?;
        if channel.kind != ChannelKind::Interest.as_str() {
            return Err(AppError::InvalidState(
                "only INTEREST channels have members to remove".to_owned(),
            ));
        }
        member_row(self.db(), id, user_id)
            .await?
            .filter(|m| m.status == ACTIVE || m.status == PENDING)
            .ok_or_else(|| AppError::unknown_id("input.userId", "member"))?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        set_status(write.txn(), id, user_id, REMOVED, now).await?;
        let entry = log(
            write.txn(),
            &id,
            user_id,
            None,
            ChannelModerationAction::Remove,
            reason,
            me,
            None,
            now,
        )
        .await?;
        write.access_changed(&[user_id])?;
        write.commit().await?;
        Ok(entry)
    }

    /// The moderation log of `channel`: all of it for moderators, the viewer's own entries
    /// otherwise.
    pub async fn moderation_log(
        &self,
        scope: &Scope,
        channel: &channel::Model,
        rel: Relation,
        page: &PageRequest,
    ) -> AppResult<(Page<channel_moderation::Model>, HashMap<Uuid, String>)> {
        let me = scope.require_user()?;
        let mut query = channel_moderation::Entity::find()
            .filter(channel_moderation::Column::ChannelId.eq(channel.id));
        if !rel.moderates {
            query = query.filter(channel_moderation::Column::UserId.eq(me));
        }
        let page = Keyset::<channel_moderation::Entity>::new()
            .desc(channel_moderation::Column::CreatedAt)
            .desc(channel_moderation::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        let names = self
            .names(page.items.iter().flat_map(|m| [m.user_id, m.moderator_id]))
            .await?;
        Ok((page, names))
    }

    /// Reports of `channel`'s messages, newest first (the caller checked moderation).
    pub async fn reports(
        &self,
        channel: &channel::Model,
        page: &PageRequest,
    ) -> AppResult<(Page<channel_report::Model>, HashMap<Uuid, String>)> {
        let query =
            channel_report::Entity::find().filter(channel_report::Column::ChannelId.eq(channel.id));
        let page = Keyset::<channel_report::Entity>::new()
            .desc(channel_report::Column::CreatedAt)
            .desc(channel_report::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        let names = self.names(page.items.iter().map(|m| m.reporter_id)).await?;
        Ok((page, names))
    }

    /// Earlier texts of a message, oldest first (the caller checked moderation).
    pub async fn edits(&self, message: Uuid) -> AppResult<Vec<channel_message_edit::Model>> {
        Ok(channel_message_edit::Entity::find()
            .filter(channel_message_edit::Column::MessageId.eq(message))
            .order_by_asc(channel_message_edit::Column::EditedAt)
            .order_by_asc(channel_message_edit::Column::Id)
            .all(self.db())
            .await?)
    }
}

/// Senders and mentioned members of `messages`.
fn people(messages: &[channel_message::Model]) -> HashSet<Uuid> {
    messages
        .iter()
        .flat_map(|m| std::iter::once(m.sender_id).chain(mention_ids(&m.mentions)))
        .collect()
}

fn rate_limited(now: DateTime<Utc>, next: DateTime<Utc>) -> AppError {
    let wait = std::cmp::max((next - now).num_milliseconds(), 1);
    AppError::RateLimited {
        retry_after_secs: u64::try_from((wait + 999) / 1000).unwrap_or(1),
    }
}

/// When `limit` messages (of `sender`, or of anyone) were posted in the channel since `since`:
/// the oldest of them (the window frees a place then); `None` while under the limit.
async fn recent(
    db: &impl ConnectionTrait,
    channel: Uuid,
    sender: Option<Uuid>,
    since: DateTime<Utc>,
    limit: u32,
) -> AppResult<Option<DateTime<Utc>>> {
    let mut query = channel_message::Entity::find()
        .select_only()
        .column(channel_message::Column::CreatedAt)
        .filter(channel_message::Column::ChannelId.eq(channel))
        .filter(channel_message::Column::CreatedAt.gt(since));
    if let Some(sender) = sender {
        query = query.filter(channel_message::Column::SenderId.eq(sender));
    }
    let times: Vec<DateTime<Utc>> = query
        .order_by_desc(channel_message::Column::CreatedAt)
        .limit(u64::from(limit))
        .into_tuple()
        .all(db)
        .await?;
    Ok((times.len() as u64 >= u64::from(limit))
        .then(|| times.last().copied())
        .flatten())
}

async fn member_row(
    db: &impl ConnectionTrait,
    channel: Uuid,
    user: Uuid,
) -> AppResult<Option<channel_member::Model>> {
    Ok(channel_member::Entity::find()
        .filter(channel_member::Column::ChannelId.eq(channel))
        .filter(channel_member::Column::UserId.eq(user))
        .one(db)
        .await?)
}

/// Makes sure the user has a row in the channel (with `status` when new).
async fn insert_member(
    db: &impl ConnectionTrait,
    channel: Uuid,
    user: Uuid,
    status: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    channel_member::Entity::insert(channel_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel_id: Set(channel),
        user_id: Set(user),
        status: Set(status.to_owned()),
        read_number: Set(0),
        muted_until: Set(None),
        last_posted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            channel_member::Column::ChannelId,
            channel_member::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn set_status(
    db: &impl ConnectionTrait,
    channel: Uuid,
    user: Uuid,
    status: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    channel_member::Entity::update_many()
        .col_expr(channel_member::Column::Status, Expr::value(status))
        .col_expr(channel_member::Column::UpdatedAt, Expr::value(now))
        .filter(channel_member::Column::ChannelId.eq(channel))
        .filter(channel_member::Column::UserId.eq(user))
        .exec(db)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn log(
    db: &impl ConnectionTrait,
    channel: &Uuid,
    user: Uuid,
    message: Option<Uuid>,
    action: ChannelModerationAction,
    reason: String,
    moderator: Uuid,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<channel_moderation::Model> {
    Ok(
        channel_moderation::Entity::insert(channel_moderation::ActiveModel {
            id: Set(Uuid::now_v7()),
            channel_id: Set(*channel),
            user_id: Set(user),
            message_id: Set(message),
            action: Set(action.as_str().to_owned()),
            reason: Set(reason),
            moderator_id: Set(moderator),
            until: Set(until),
            created_at: Set(now),
        })
        .exec_with_returning(db)
        .await?,
    )
}

/// `INVALID_STATE` for a message no one reacts to any more: deleted or hidden.
fn gone(message: &channel_message::Model) -> AppResult<()> {
    if message.deleted_at.is_some() {
        return Err(AppError::InvalidState("the message is deleted".to_owned()));
    }
    if message.hidden_at.is_some() {
        return Err(AppError::InvalidState("the message is hidden".to_owned()));
    }
    Ok(())
}
