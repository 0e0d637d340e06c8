//! Per-request loaders of the notices domain, made with the viewer's scope so every link they
//! follow obeys the board's visibility rule: a notice's corrections, the notice it corrects, the
//! viewer's receipts and (for publishers) audiences, each in one statement per page.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    audience::{Audience, visible},
    types::NoticeStatus,
};
use crate::{app::AppState, domains::estate::access::Scope, error::LoadError, graphql::ContextExt};
use entity::{notice, notice_audience, notice_receipt};

/// The notice loaders of one request.
pub struct NoticeLoaders {
    /// Visible notices by id.
    pub visible: DataLoader<VisibleNotices, HashMapCache>,
    /// The newest visible, non-draft correction of each notice.
    pub superseding: DataLoader<SupersedingNotices, HashMapCache>,
    /// The viewer's receipt of each notice.
    pub receipts: DataLoader<ViewerReceipts, HashMapCache>,
    /// Audiences by notice id.
    pub audiences: DataLoader<Audiences, HashMapCache>,
    /// Whether the viewer publishes notices (administrator or active manager).
    pub publisher: bool,
}

impl NoticeLoaders {
    /// The loaders of the request behind `ctx` (made on first use).
    pub async fn of<'c>(
        ctx: &'c async_graphql::Context<'_>,
    ) -> async_graphql::Result<&'c NoticeLoaders> {
        let scope = ctx.scope().await?;
        let state = ctx.state();
        Ok(ctx
            .loaders()?
            .notices
            .get_or_try_init(|| NoticeLoaders::new(state, scope))
            .await?)
    }

    async fn new(state: &AppState, scope: &Scope) -> crate::error::AppResult<NoticeLoaders> {
        let publisher = super::service::NoticeService::new(state)
            .require_publisher(scope)
            .await
            .is_ok();
        // The visibility rule is fixed for the request: build it once, for every batch.
        let visible = Arc::new(visible(scope).await?);
        let db = state.db.clone();
        let window = state.config.dataloader_window;
        Ok(NoticeLoaders {
            visible: DataLoader::with_cache(
                VisibleNotices(db.clone(), visible.clone()),
                tokio::spawn,
                HashMapCache::default(),
            )
            .delay(window),
            superseding: DataLoader::with_cache(
                SupersedingNotices(db.clone(), visible),
                tokio::spawn,
                HashMapCache::default(),
            )
            .delay(window),
            receipts: DataLoader::with_cache(
                ViewerReceipts(db.clone(), scope.user_id.unwrap_or_default()),
                tokio::spawn,
                HashMapCache::default(),
            )
            .delay(window),
            audiences: DataLoader::with_cache(Audiences(db), tokio::spawn, HashMapCache::default())
                .delay(window),
            publisher,
        })
    }
}

/// Notices by id, only those the scope may see.
pub struct VisibleNotices(DatabaseConnection, Arc<Condition>);

impl Loader<Uuid> for VisibleNotices {
    type Value = notice::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, notice::Model>, LoadError> {
        let rows = notice::Entity::find()
            .filter(notice::Column::Id.is_in(keys.iter().copied()))
            .filter(Condition::clone(&self.1))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|n| (n.id, n)).collect())
    }
}

/// The newest correction of each notice that the scope may see.
pub struct SupersedingNotices(DatabaseConnection, Arc<Condition>);

impl Loader<Uuid> for SupersedingNotices {
    type Value = notice::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, notice::Model>, LoadError> {
        let rows = notice::Entity::find()
            .filter(notice::Column::SupersedesId.is_in(keys.iter().copied()))
            .filter(notice::Column::Status.ne(NoticeStatus::Draft.as_str()))
            .filter(Condition::clone(&self.1))
            .order_by_asc(notice::Column::Id)
            .all(&self.0)
            .await?;
        // Ascending order: a later correction overwrites an earlier one.
        Ok(rows
            .into_iter()
            .filter_map(|n| n.supersedes_id.map(|old| (old, n)))
            .collect())
    }
}

/// The viewer's receipts by notice id.
pub struct ViewerReceipts(DatabaseConnection, Uuid);

impl Loader<Uuid> for ViewerReceipts {
    type Value = notice_receipt::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, notice_receipt::Model>, LoadError> {
        let rows = notice_receipt::Entity::find()
            .filter(notice_receipt::Column::UserId.eq(self.1))
            .filter(notice_receipt::Column::NoticeId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|r| (r.notice_id, r)).collect())
    }
}

/// Audiences by notice id.
pub struct Audiences(DatabaseConnection);

impl Loader<Uuid> for Audiences {
    type Value = Audience;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Audience>, LoadError> {
        let rows = notice_audience::Entity::find()
            .filter(notice_audience::Column::NoticeId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        let mut grouped: HashMap<Uuid, Vec<notice_audience::Model>> = HashMap::new();
        for row in rows {
            grouped.entry(row.notice_id).or_default().push(row);
        }
        Ok(grouped
            .into_iter()
            .map(|(id, rows)| (id, Audience::from_rows(&rows)))
            .collect())
    }
}
