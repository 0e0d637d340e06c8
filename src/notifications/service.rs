//! The inbox: a user's notifications, unread count, marking read, and mutes per category.

use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use super::types::NotificationCategory;
use crate::{
    app::AppState,
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
};
use entity::{notification, notification_mute};

/// The inbox's order: newest first, in the order the notifications committed (the same order
/// `notificationReceived` delivers them in).
pub fn inbox_order() -> Keyset<notification::Entity> {
    Keyset::new().desc(notification::Column::Seq)
}

/// The inbox service.
pub struct Inbox<'a> {
    state: &'a AppState,
}

impl<'a> Inbox<'a> {
    /// The inbox over `state`.
    pub fn new(state: &'a AppState) -> Self {
        Inbox { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The user's notifications, newest first, removed ones left out; both directions, keyset
    /// cursors over the feed position.
    pub async fn list(
        &self,
        user_id: Uuid,
        unread_only: bool,
        page: &PageRequest,
    ) -> AppResult<Page<notification::Model>> {
        let mut query = notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::RemovedAt.is_null());
        if unread_only {
            query = query.filter(notification::Column::ReadAt.is_null());
        }
        inbox_order().fetch(self.db(), query, page).await
    }

    /// One notification of the user; `None` for anyone else's and for a removed one.
    pub async fn one(&self, user_id: Uuid, id: Uuid) -> AppResult<Option<notification::Model>> {
        Ok(notification::Entity::find_by_id(id)
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::RemovedAt.is_null())
            .one(self.db())
            .await?)
    }

    /// Unread notifications of the user (removed ones do not count): one plain `COUNT(*)`
    /// over the partial index of unread notifications, not a count over a subquery.
    pub async fn unread_count(&self, user_id: Uuid) -> AppResult<u64> {
        let count: Option<i64> = notification::Entity::find()
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "unread")
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .filter(notification::Column::RemovedAt.is_null())
            .into_tuple()
            .one(self.db())
            .await?;
        Ok(count.unwrap_or(0).max(0).unsigned_abs())
    }

    /// Marks the user's notifications read: the given ones, or all. Returns how many changed.
    /// Reading a notification also reads its subject where the subject has a read state of its
    /// own (a notice's receipt), in the same transaction: one read state.
    pub async fn mark_read(&self, user_id: Uuid, ids: Option<Vec<Uuid>>) -> AppResult<u64> {
        let mut write = Write::begin(self.state).await?;
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(write.now()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .filter(notification::Column::RemovedAt.is_null());
        if let Some(ids) = ids {
            // Every id must name one of the user's own notifications, read or not: another
            // user's is NOT_FOUND, like an unknown one.
            let unique: HashSet<Uuid> = ids.iter().copied().collect();
            let own = notification::Entity::find()
                .filter(notification::Column::UserId.eq(user_id))
                .filter(notification::Column::Id.is_in(unique.iter().copied()))
                .count(write.txn())
                .await?;
            if own != unique.len() as u64 {
                return Err(AppError::unknown_id("input.ids", "notification"));
            }
            update = update.filter(notification::Column::Id.is_in(ids));
        }
        let read = update.exec_with_returning(write.txn()).await?;
        if !read.is_empty() {
            write.unread_changed(&[user_id]);
        }
        super::subjects::on_read(&mut write, user_id, &read).await?;
        write.commit().await?;
        Ok(read.len() as u64)
    }

    /// The categories the user muted.
    pub async fn mutes(&self, user_id: Uuid) -> AppResult<Vec<NotificationCategory>> {
        let rows: Vec<String> = notification_mute::Entity::find()
            .select_only()
            .column(notification_mute::Column::Category)
            .filter(notification_mute::Column::UserId.eq(user_id))
            .into_tuple()
            .all(self.db())
            .await?;
        let mut categories: Vec<NotificationCategory> = rows
            .iter()
            .filter_map(|c| NotificationCategory::parse(c))
            .collect();
        categories.sort_by_key(|c| c.as_str());
        Ok(categories)
    }

    /// Replaces the user's muted categories.
    pub async fn set_mutes(
        &self,
        user_id: Uuid,
        categories: &[NotificationCategory],
    ) -> AppResult<Vec<NotificationCategory>> {
        let write = Write::begin(self.state).await?;
        notification_mute::Entity::delete_many()
            .filter(notification_mute::Column::UserId.eq(user_id))
            .exec(write.txn())
            .await?;
        let unique: HashSet<NotificationCategory> = categories.iter().copied().collect();
        if !unique.is_empty() {
            notification_mute::Entity::insert_many(unique.iter().map(|c| {
                notification_mute::ActiveModel {
                    user_id: sea_orm::ActiveValue::Set(user_id),
                    category: sea_orm::ActiveValue::Set(c.as_str().to_owned()),
                }
            }))
            .on_conflict_do_nothing_on([
                notification_mute::Column::UserId,
                notification_mute::Column::Category,
            ])
            .exec_without_returning(write.txn())
            .await?;
        }
        write.commit().await?;
        self.mutes(user_id).await
    }
}
