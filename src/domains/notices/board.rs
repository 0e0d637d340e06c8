//! Notice rules that read: the board in its order, one notice, notices as notification
//! subjects, the viewer's receipts, and the publishers' receipt counts.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use chrono::{DateTime, Utc};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    audience::{Audience, recipients, visible},
    service::{NoticeService, PUBLISHED},
    types::{NoticeKind, NoticeStatus},
};
use crate::{
    app::AppState,
    domains::estate::access::{Scope, current_residency},
    error::{AppError, AppResult},
    events::{
        Topic,
        log::{self, LoggedEvent, ReplayBatch, ReplaySource},
    },
    graphql::pagination::{Keyset, Page, PageRequest},
};
use entity::{notice, notice_audience, notice_receipt, residency, unit};

/// Read and acknowledgement counts of one notice.
#[derive(Clone, Debug, Serialize, Deserialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct NoticeReceiptStats {
    /// The notice.
    pub notice_id: async_graphql::ID,
    /// People in the audience when it was published.
    pub audience_size: i64,
    /// People who read it.
    pub read_count: i64,
    /// People who acknowledged it.
    pub acknowledged_count: i64,
}

/// The board's order: pinned first, then newest first.
pub fn board_order() -> Keyset<notice::Entity> {
    Keyset::new()
        .desc(notice::Column::Pinned)
        .desc(notice::Column::Id)
}

/// The audience of a notice.
pub async fn audience_of<C: ConnectionTrait>(db: &C, notice_id: Uuid) -> AppResult<Audience> {
    Ok(Audience::from_rows(
        &notice_audience::Entity::find()
            .filter(notice_audience::Column::NoticeId.eq(notice_id))
            .all(db)
            .await?,
    ))
}

/// The first page of one viewer's board, kept for the requests that share their facets.
#[derive(Default)]
struct BoardMemo(Mutex<Option<KeptBoard>>);

/// A kept first page and what it holds for.
struct KeptBoard {
    /// The notices topic's head it was read at (or after).
    head: i64,
    /// Its page size.
    size: usize,
    /// The first expiry among the visible notices: the page is stale from then on.
    until: Option<DateTime<Utc>>,
    page: Page<notice::Model>,
    /// What it counts against [`MAX_KEPT_BOARD_BYTES`].
    bytes: usize,
}

/// Bytes (roughly: the notices' texts and a fixed share per row) that kept boards may hold in
/// this process together: every user keeps a copy of their own, and a body may be 20,000
/// characters. Past it, pages are read afresh (one statement each) until kept ones go.
const MAX_KEPT_BOARD_BYTES: usize = 64 * 1024 * 1024;

/// Bytes the kept boards of this process hold now.
static KEPT_BOARD_BYTES: AtomicUsize = AtomicUsize::new(0);

impl KeptBoard {
    /// `page` read at `head`, counted against the process's budget; `None` when it does not
    /// fit.
    fn new(
        head: i64,
        size: usize,
        until: Option<DateTime<Utc>>,
        page: Page<notice::Model>,
    ) -> Option<KeptBoard> {
        let bytes = page
            .items
            .iter()
            .map(|n| n.title.len() + n.body.len() + 256)
            .sum::<usize>();
        let taken = KEPT_BOARD_BYTES.fetch_add(bytes, Ordering::Relaxed);
        if taken + bytes > MAX_KEPT_BOARD_BYTES {
            KEPT_BOARD_BYTES.fetch_sub(bytes, Ordering::Relaxed);
            return None;
        }
        Some(KeptBoard {
            head,
            size,
            until,
            page,
            bytes,
        })
    }
}

impl Drop for KeptBoard {
    fn drop(&mut self) {
        KEPT_BOARD_BYTES.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

impl BoardMemo {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<KeptBoard>> {
        // Replacing the value cannot leave it half-changed: recover a poisoned lock.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The kept page of `size` rows, if it holds at `head` and `now`.
    fn kept(&self, head: i64, size: usize, now: DateTime<Utc>) -> Option<Page<notice::Model>> {
        self.lock()
            .as_ref()
            .filter(|kept| {
                kept.head == head && kept.size == size && kept.until.is_none_or(|until| now < until)
            })
            .map(|kept| kept.page.clone())
    }

    /// Keeps `board`, unless a page read at a later head is kept already (a request that
    /// started before a publication may finish after one that started after it).
    fn keep(&self, board: KeptBoard) {
        let mut kept = self.lock();
        if kept.as_ref().is_none_or(|kept| kept.head <= board.head) {
            *kept = Some(board);
        }
    }
}

/// The board: what the viewer may read.
pub struct NoticeBoard<'a> {
    state: &'a AppState,
}

impl<'a> NoticeBoard<'a> {
    /// The board over `state`.
    pub fn new(state: &'a AppState) -> Self {
        NoticeBoard { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Notices visible to the viewer, pinned first, then newest first; expired ones only when
    /// asked for. Both directions, keyset cursors over (pinned, id).
    ///
    /// The plain first page (no cursor, filter or expired notices) is kept for the requests that
    /// share the viewer's facets when the request's token check answered the notices topic's
    /// head (`head`): it holds while the head is the same (every publication and withdrawal of a
    /// published notice moves it, in the same transaction) and until the first expiry among all
    /// the notices visible to the viewer (one statement, and never later than the first expiry
    /// among the listed ones, which is what changes the page). Administrators' pages are never
    /// kept: they list drafts and scheduled notices too, whose changes the topic does not carry.
    pub async fn notices(
        &self,
        scope: &Scope,
        include_expired: bool,
        kind: Option<NoticeKind>,
        page: &PageRequest,
        head: Option<i64>,
    ) -> AppResult<Page<notice::Model>> {
        scope.require_user()?;
        let now = self.state.clock.now();
        let memo = match head {
            Some(head)
                if !scope.admin && !include_expired && kind.is_none() && page.is_first_page() =>
            {
                scope
                    .shared_memo::<BoardMemo>()
                    .map(|memo| (memo, head, page.size()))
            }
            _ => None,
        };
        if let Some((memo, head, size)) = &memo
            && let Some(kept) = memo.kept(*head, *size, now)
        {
            return Ok(kept);
        }
        let mut query = notice::Entity::find().filter(visible(scope).await?);
        if !include_expired {
            query = query.filter(
                Condition::any()
                    .add(notice::Column::ExpiresAt.is_null())
                    .add(notice::Column::ExpiresAt.gt(now)),
            );
        }
        if let Some(kind) = kind {
            query = query.filter(notice::Column::Kind.eq(kind.as_str()));
        }
        let found = board_order().fetch(self.db(), query.clone(), page).await?;
        if let Some((memo, head, size)) = memo {
            // The first expiry among the listed notices (and those after them, which decide
            // whether a next page exists).
            let until: Option<DateTime<Utc>> = query
                .select_only()
                .column_as(notice::Column::ExpiresAt.min(), "until")
                .filter(notice::Column::ExpiresAt.gt(now))
                .into_tuple::<Option<DateTime<Utc>>>()
                .one(self.db())
                .await?
                .flatten();
            if let Some(board) = KeptBoard::new(head, size, until, found.clone()) {
                memo.keep(board);
            }
        }
        Ok(found)
    }

    /// One visible notice; `NOT_FOUND` for one the viewer may not see.
    pub async fn notice(&self, scope: &Scope, id: Uuid) -> AppResult<notice::Model> {
        scope.require_user()?;
        notice::Entity::find()
            .filter(notice::Column::Id.eq(id))
            .filter(visible(scope).await?)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("notice"))
    }

    /// The notices among `ids` the viewer may see (one statement), e.g. the subjects of a page
    /// of notifications or the links between corrections.
    pub async fn visible_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<HashMap<Uuid, notice::Model>> {
        let ids: HashSet<Uuid> = ids.into_iter().collect();
        if ids.is_empty() || scope.user_id.is_none() {
            return Ok(HashMap::new());
        }
        Ok(notice::Entity::find()
            .filter(notice::Column::Id.is_in(ids))
            .filter(visible(scope).await?)
            .all(self.db())
            .await?
            .into_iter()
            .map(|n| (n.id, n))
            .collect())
    }

    /// The viewer's receipts of `ids` (one statement).
    pub async fn receipts_of(
        &self,
        user_id: Uuid,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<HashMap<Uuid, notice_receipt::Model>> {
        Ok(notice_receipt::Entity::find()
            .filter(notice_receipt::Column::UserId.eq(user_id))
            .filter(notice_receipt::Column::NoticeId.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| (r.notice_id, r))
            .collect())
    }

    /// Read and acknowledgement counts (publishers).
    pub async fn stats(&self, scope: &Scope, id: Uuid) -> AppResult<NoticeReceiptStats> {
        NoticeService::new(self.state).manageable(scope, id).await?;
        self.recount(id).await
    }

    /// The counts, read again (after a change signal or a gap in the live updates).
    pub async fn recount(&self, id: Uuid) -> AppResult<NoticeReceiptStats> {
        let notice = notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("notice"))?;
        let receipts =
            notice_receipt::Entity::find().filter(notice_receipt::Column::NoticeId.eq(id));
        let read_count = receipts
            .clone()
            .filter(notice_receipt::Column::ReadAt.is_not_null())
            .count(self.db())
            .await?;
        let acknowledged_count = receipts
            .filter(notice_receipt::Column::AcknowledgedAt.is_not_null())
            .count(self.db())
            .await?;
        Ok(NoticeReceiptStats {
            notice_id: async_graphql::ID(id.to_string()),
            audience_size: i64::from(notice.audience_size),
            read_count: i64::try_from(read_count).unwrap_or(i64::MAX),
            acknowledged_count: i64::try_from(acknowledged_count).unwrap_or(i64::MAX),
        })
    }

    /// Units with residents in the audience of which nobody acknowledged the notice (publishers).
    pub async fn unacknowledged_units(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<Vec<unit::Model>> {
        NoticeService::new(self.state).manageable(scope, id).await?;
        if notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .is_none()
        {
            return Err(AppError::NotFound("notice"));
        }
        let today = self.state.clock.today();
        let audience = audience_of(self.db(), id).await?;
        let people = recipients(self.db(), &audience, today).await?;
        let homes = residency::Entity::find()
            .filter(residency::Column::UserId.is_in(people.iter().copied()))
            .filter(current_residency(today))
            .all(self.db())
            .await?;
        let acknowledged: HashSet<Uuid> = notice_receipt::Entity::find()
            .select_only()
            .column(notice_receipt::Column::UserId)
            .filter(notice_receipt::Column::NoticeId.eq(id))
            .filter(notice_receipt::Column::AcknowledgedAt.is_not_null())
            .into_tuple::<Uuid>()
            .all(self.db())
            .await?
            .into_iter()
            .collect();
        let done: HashSet<Uuid> = homes
            .iter()
            .filter(|h| acknowledged.contains(&h.user_id))
            .map(|h| h.unit_id)
            .collect();
        let pending: HashSet<Uuid> = homes
            .iter()
            .map(|h| h.unit_id)
            .filter(|u| !done.contains(u))
            .collect();
        Ok(unit::Entity::find()
            .filter(unit::Column::Id.is_in(pending))
            .order_by_asc(unit::Column::BuildingId)
            .order_by_asc(unit::Column::Number)
            .all(self.db())
            .await?)
    }
}

/// The notices topic's log as subscriptions replay it: a publication whose notice has since been
/// withdrawn is left out, so a replay never serves withdrawn content again.
pub struct NoticeLog;

impl ReplaySource for NoticeLog {
    type Row = LoggedEvent;

    async fn head(&self, db: &DatabaseConnection) -> AppResult<i64> {
        log::topic_head(db, &Topic::Notices.key()).await
    }

    async fn seq_of(&self, db: &DatabaseConnection, id: Uuid) -> AppResult<Option<i64>> {
        log::TopicLog(Topic::Notices.key()).seq_of(db, id).await
    }

    async fn rows_after(
        &self,
        db: &DatabaseConnection,
        after: i64,
    ) -> AppResult<ReplayBatch<LoggedEvent>> {
        let rows = log::rows_after(db, &Topic::Notices.key(), after).await?;
        let batch = ReplayBatch::all(rows);
        let published: Vec<Uuid> = batch
            .rows
            .iter()
            .filter(|e| e.kind == PUBLISHED)
            .filter_map(|e| e.payload["notice"]["id"].as_str())
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect();
        if published.is_empty() {
            return Ok(batch);
        }
        let withdrawn: HashSet<Uuid> = notice::Entity::find()
            .select_only()
            .column(notice::Column::Id)
            .filter(notice::Column::Id.is_in(published))
            .filter(notice::Column::Status.eq(NoticeStatus::Withdrawn.as_str()))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        Ok(ReplayBatch {
            rows: batch
                .rows
                .into_iter()
                .filter(|e| {
                    let id = e.payload["notice"]["id"].as_str();
                    !id.and_then(|id| Uuid::parse_str(id).ok())
                        .is_some_and(|id| withdrawn.contains(&id))
                })
                .collect(),
            ..batch
        })
    }
}
