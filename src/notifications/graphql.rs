//! GraphQL surface of the inbox: notifications, unread count, marking read, mutes per category,
//! and the live `notificationReceived` subscription.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};

use super::{
    notifier::InboxSource,
    service::Inbox,
    subjects,
    types::{Notification, NotificationCategory, NotificationRow},
};
use crate::{
    error::{AppError, AppResult},
    events::{
        Topic,
        log::{parse_cursor, replay_rows_then_live, seq_cursor},
    },
    graphql::{
        ContextExt,
        ids::parse_id,
        pagination::{CountedConnection, PageRequest},
    },
};

/// Input of `markNotificationsRead`: give `ids`, or `all: true`.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// The notifications to mark read.
    ids: Option<Vec<ID>>,
    /// Mark every notification read.
    all: Option<bool>,
}

/// Result of `markNotificationsRead`.
#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// How many notifications changed.
    marked: u64,
    /// Unread notifications left.
    unread_count: u64,
}

/// Input of `setNotificationMutes`.
#[derive(InputObject)]
pub struct SetNotificationMutesInput {
    /// The categories to mute (replaces the current set). `EMERGENCY` notifications still
    /// arrive.
    categories: Vec<NotificationCategory>,
}

/// Result of `setNotificationMutes`.
#[derive(SimpleObject)]
pub struct SetNotificationMutesPayload {
    /// The muted categories now.
    categories: Vec<NotificationCategory>,
}

/// What happened in your inbox.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum NotificationEventKind {
    /// A new notification: add it to the inbox (and to the unread count while `readAt` is null).
    NotificationReceived,
    /// The notification was removed because what it was about was taken back (a withdrawn
    /// notice): drop the notification with this id from the inbox and, when it was unread, from
    /// the unread count. It is no longer listed or counted. A removal may name a notification
    /// you never got (it arrived and was removed while you were away): ignore it then.
    NotificationRemoved,
}

/// A change to your inbox delivered live: a new notification, or the removal of one.
#[derive(SimpleObject)]
pub struct NotificationEvent {
    /// Pass as `after` when resubscribing (the same cursors as the `notifications` connection).
    cursor: String,
    /// Whether the notification arrived or was removed.
    kind: NotificationEventKind,
    /// The notification: new, or, for a removal, as it was (its `subject` is null then).
    notification: Notification,
}

/// Inbox queries.
#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// Your notifications, newest first. Pages both ways (`first`/`after`, `last`/`before`, at
    /// most 100); an edge's cursor also works as `notificationReceived(after:)`.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        unread_only: Option<bool>,
    ) -> async_graphql::Result<CountedConnection<Notification>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let me = scope.require_user()?;
        let page = Inbox::new(ctx.state())
            .list(me, unread_only.unwrap_or(false), &page)
            .await?;
        // Subjects are resolved only when selected, through `edges` or `nodes`.
        let look = ctx.look_ahead();
        let with_subjects = look.field("edges").field("node").field("subject").exists()
            || look.field("nodes").field("subject").exists();
        let page = page.map(NotificationRow::from);
        let found = if with_subjects {
            subjects::resolve(ctx.state(), scope, &page.items).await?
        } else {
            Default::default()
        };
        Ok(page.into_counted_connection(|row| {
            // Several notifications of one page may share a subject: each gets it.
            let subject = found
                .get(&(row.subject_type.clone(), row.subject_id))
                .cloned();
            Notification::from_row(row, subject)
        }))
    }

    /// How many of your notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let me = ctx.require_user()?;
        // Read with the request's token check when the document named this field.
        if let Some(unread) = ctx.token_reads().unread {
            return Ok(unread);
        }
        Ok(Inbox::new(ctx.state()).unread_count(me.id).await?)
    }

    /// The notification categories you muted.
    async fn notification_mutes(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<NotificationCategory>> {
        let me = ctx.require_user()?;
        Ok(Inbox::new(ctx.state()).mutes(me.id).await?)
    }
}

/// Inbox mutations.
#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks notifications read: the given `ids`, or `all`.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> async_graphql::Result<MarkNotificationsReadPayload> {
        let me = ctx.require_user()?;
        let ids = match (input.ids, input.all.unwrap_or(false)) {
            (None, true) => None,
            (Some(ids), false) => Some(
                ids.iter()
                    .map(|id| parse_id("input.ids", id))
                    .collect::<AppResult<Vec<_>>>()?,
            ),
            _ => return Err(AppError::bad_input("input", "give either ids or all: true").into()),
        };
        let inbox = Inbox::new(ctx.state());
        let marked = inbox.mark_read(me.id, ids).await?;
        Ok(MarkNotificationsReadPayload {
            marked,
            unread_count: inbox.unread_count(me.id).await?,
        })
    }

    /// Chooses the categories you do not want notifications for (`EMERGENCY` ones still arrive).
    async fn set_notification_mutes(
        &self,
        ctx: &Context<'_>,
        input: SetNotificationMutesInput,
    ) -> async_graphql::Result<SetNotificationMutesPayload> {
        let me = ctx.require_user()?;
        let categories = Inbox::new(ctx.state())
            .set_mutes(me.id, &input.categories)
            .await?;
        Ok(SetNotificationMutesPayload { categories })
    }
}

/// Inbox subscriptions.
#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// Your inbox, live: each new notification (`NOTIFICATION_RECEIVED`) and each removal
    /// (`NOTIFICATION_REMOVED`, when what a notification was about is withdrawn). With `after`
    /// (a cursor from an earlier event or from the `notifications` connection) every change
    /// after it is replayed first, in order, then new ones follow with no gap and no duplicate.
    /// A notification removed since `after` is replayed once, as its removal, never as new.
    /// `subject` is judged with your rights when each notification is delivered.
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<NotificationEvent>> + use<>>
    {
        let me = ctx.require_user()?.id;
        let after = after.map(|c| parse_cursor("after", &c)).transpose()?;
        let with_subjects = ctx
            .look_ahead()
            .field("notification")
            .field("subject")
            .exists();
        let state = ctx.state().clone();
        // Boxed while they run: async-graphql keeps this future's space, and `then` keeps room
        // for one pending future, for the life of the subscription.
        let rows = Box::pin(replay_rows_then_live(
            state.db.clone(),
            &state.bus,
            Topic::UserFeed(me),
            InboxSource(me),
            after,
        ))
        .await?;
        Ok(rows.then(move |row: AppResult<NotificationRow>| {
            let state = state.clone();
            Box::pin(async move {
                let row = row?;
                let kind = if row.removed_at.is_some() {
                    NotificationEventKind::NotificationRemoved
                } else {
                    NotificationEventKind::NotificationReceived
                };
                let mut subject = None;
                if with_subjects && kind == NotificationEventKind::NotificationReceived {
                    let scope = state.scopes.get(&state, me).await?;
                    let key = (row.subject_type.clone(), row.subject_id);
                    subject = subjects::resolve(&state, &scope, std::slice::from_ref(&row))
                        .await?
                        .remove(&key);
                }
                Ok(NotificationEvent {
                    cursor: seq_cursor(row.seq),
                    kind,
                    notification: Notification::from_row(row, subject),
                })
            })
        }))
    }
}
