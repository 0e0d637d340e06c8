//! Reactions to channel messages: a small fixed set, one row per message, member and reaction.
//!
//! A reaction is written through the write path with its event on the channel's topic (change
//! `REACTED`), carrying the message's reactions as they now are, so `channelMessages`
//! subscribers (replay included) read nothing to show the new counts. Pages read the counts
//! through [`ReactionLoader`]: one statement per page, the viewer's own flag in the same query.

use std::collections::{BTreeMap, HashMap};

use async_graphql::{
    SimpleObject,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, OnConflict},
};
use uuid::Uuid;

use crate::{
    error::{AppResult, LoadError},
    graphql::ContextExt,
    text_enum,
};
use entity::channel_message_reaction as reaction;

text_enum! {
    /// A reaction to a channel message.
    pub enum ChannelReaction {
        /// 👍
        ThumbsUp => "THUMBS_UP",
        /// ❤️
        Heart => "HEART",
        /// 😄
        Laugh => "LAUGH",
        /// 😮
        Surprised => "SURPRISED",
        /// 😢
        Sad => "SAD",
        /// 🙏
        Thanks => "THANKS",
    }
}

/// How many members reacted to a message with one reaction.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct ChannelReactionCount {
    /// The reaction.
    pub reaction: ChannelReaction,
    /// How many members chose it (at least one).
    pub count: i32,
    /// Whether you are one of them.
    pub reacted_by_me: bool,
}

/// A message's reactions as they are after a change: who chose each (stored in the event, so
/// every reader's own flag comes without a query).
pub type Snapshot = Vec<(String, Vec<Uuid>)>;

/// The counts `me` sees in a snapshot, in the fixed order of [`ChannelReaction`].
pub fn counts_of(snapshot: &Snapshot, me: Uuid) -> Vec<ChannelReactionCount> {
    let mut counts: Vec<ChannelReactionCount> = snapshot
        .iter()
        .filter(|(_, users)| !users.is_empty())
        .filter_map(|(stored, users)| {
            Some(ChannelReactionCount {
                reaction: ChannelReaction::parse(stored)?,
                count: i32::try_from(users.len()).unwrap_or(i32::MAX),
                reacted_by_me: users.contains(&me),
            })
        })
        .collect();
    sort(&mut counts);
    counts
}

fn sort(counts: &mut [ChannelReactionCount]) {
    counts.sort_by_key(|c| {
        ChannelReaction::ALL
            .iter()
            .position(|r| *r == c.reaction)
            .unwrap_or(usize::MAX)
    });
}

/// The message's reactions, read in the writing transaction `db` (after the change).
pub async fn snapshot(db: &impl ConnectionTrait, message: Uuid) -> AppResult<Snapshot> {
    let rows: Vec<(String, Uuid)> = reaction::Entity::find()
        .select_only()
        .column(reaction::Column::Reaction)
        .column(reaction::Column::UserId)
        .filter(reaction::Column::MessageId.eq(message))
        .into_tuple()
        .all(db)
        .await?;
    let mut by: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for (stored, user) in rows {
        by.entry(stored).or_default().push(user);
    }
    Ok(by.into_iter().collect())
}

/// Adds `me`'s reaction to a message (nothing when it is there already).
pub async fn add(
    db: &impl ConnectionTrait,
    message: Uuid,
    me: Uuid,
    chosen: ChannelReaction,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(reaction::Entity::insert(reaction::ActiveModel {
        message_id: Set(message),
        user_id: Set(me),
        reaction: Set(chosen.as_str().to_owned()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            reaction::Column::MessageId,
            reaction::Column::UserId,
            reaction::Column::Reaction,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?)
}

/// Removes `me`'s reaction from a message (nothing when it is not there).
pub async fn remove(
    db: &impl ConnectionTrait,
    message: Uuid,
    me: Uuid,
    chosen: ChannelReaction,
) -> AppResult<u64> {
    Ok(reaction::Entity::delete_many()
        .filter(reaction::Column::MessageId.eq(message))
        .filter(reaction::Column::UserId.eq(me))
        .filter(reaction::Column::Reaction.eq(chosen.as_str()))
        .exec(db)
        .await?
        .rows_affected)
}

/// The reaction counts of messages as one viewer sees them: one grouped statement per batch,
/// with the viewer's own flag summed in the same query.
pub struct ReactionLoader {
    db: DatabaseConnection,
    me: Uuid,
}

impl Loader<Uuid> for ReactionLoader {
    type Value = Vec<ChannelReactionCount>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mine =
            Func::sum(Expr::case(Expr::col(reaction::Column::UserId).eq(self.me), 1).finally(0));
        let rows: Vec<(Uuid, String, i64, i64)> = reaction::Entity::find()
            .select_only()
            .column(reaction::Column::MessageId)
            .column(reaction::Column::Reaction)
            .column_as(Expr::col(reaction::Column::UserId).count(), "n")
            .column_as(Expr::from(mine), "mine")
            .filter(reaction::Column::MessageId.is_in(keys.iter().copied()))
            .group_by(reaction::Column::MessageId)
            .group_by(reaction::Column::Reaction)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut out: HashMap<Uuid, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (message, stored, n, mine) in rows {
            let Some(chosen) = ChannelReaction::parse(&stored) else {
                continue;
            };
            out.entry(message).or_default().push(ChannelReactionCount {
                reaction: chosen,
                count: i32::try_from(n).unwrap_or(i32::MAX),
                reacted_by_me: mine > 0,
            });
        }
        for counts in out.values_mut() {
            sort(counts);
        }
        Ok(out)
    }
}

/// The request's reaction loader (made on first use, for the viewer).
pub async fn loader<'c>(
    ctx: &'c async_graphql::Context<'_>,
    me: Uuid,
) -> async_graphql::Result<&'c DataLoader<ReactionLoader, HashMapCache>> {
    let state = ctx.state();
    Ok(ctx
        .loaders()?
        .channel_reactions
        .get_or_init(|| async {
            DataLoader::with_cache(
                ReactionLoader {
                    db: state.db.clone(),
                    me,
                },
                tokio::spawn,
                HashMapCache::default(),
            )
            .delay(state.config.dataloader_window)
        })
        .await)
}
