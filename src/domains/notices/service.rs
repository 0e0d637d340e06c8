//! Notice and notification rules.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::{NoticeKind, NoticePriority, NoticeStatus, NotificationRow};
use crate::{
    app::AppState,
    auth::Role,
    domains::estate::{
        access::{Scope, current_residency},
        types::StaffPost,
    },
    error::{AppError, AppResult},
    events::{
        Topic,
        log::{self, LoggedEvent, REPLAY_BATCH, ReplaySource},
    },
};
use entity::{
    building, notice, notice_audience, notice_receipt, notification, notification_mute, residency,
    staff_building, staff_record, unit, user, user_role,
};

/// Longest notice body, in characters.
pub const MAX_BODY: usize = 20_000;
/// Notifications inserted per statement.
const INSERT_CHUNK: usize = 1000;
/// Event kind of a publication in the event log.
const PUBLISHED: &str = "NOTICE_PUBLISHED";

/// Who a notice is for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Audience {
    /// Everyone.
    pub estate: bool,
    /// Everyone living in or serving these buildings.
    pub building_ids: Vec<Uuid>,
    /// Everyone living on these floors, as (building, floor).
    pub floors: Vec<(Uuid, i32)>,
    /// Everyone living in these units.
    pub unit_ids: Vec<Uuid>,
    /// Everyone holding these roles.
    pub roles: Vec<Role>,
}

impl Audience {
    /// Whether no target is named.
    pub fn is_empty(&self) -> bool {
        !self.estate
            && self.building_ids.is_empty()
            && self.floors.is_empty()
            && self.unit_ids.is_empty()
            && self.roles.is_empty()
    }

    /// Whether the viewer described by `scope` is in the audience (the rule queries and
    /// subscriptions share).
    pub fn includes(&self, scope: &Scope) -> bool {
        scope.user_id.is_some()
            && (self.estate
                || self.building_ids.iter().any(|b| {
                    scope.home_buildings.contains(b) || scope.served_buildings.contains(b)
                })
                || self.floors.iter().any(|f| scope.home_floors.contains(f))
                || self.unit_ids.iter().any(|u| scope.home_units.contains(u))
                || self.roles.iter().any(|r| scope.roles.contains(r)))
    }

    fn rows(&self, notice_id: Uuid) -> Vec<notice_audience::ActiveModel> {
        let row = |scope: &str,
                   building: Option<Uuid>,
                   floor: Option<i32>,
                   unit: Option<Uuid>,
                   role: Option<Role>| notice_audience::ActiveModel {
            id: Set(Uuid::now_v7()),
            notice_id: Set(notice_id),
            scope: Set(scope.to_owned()),
            building_id: Set(building),
            floor: Set(floor),
            unit_id: Set(unit),
            role: Set(role.map(|r| r.as_str().to_owned())),
        };
        let mut rows = Vec::new();
        if self.estate {
            rows.push(row("ESTATE", None, None, None, None));
        }
        rows.extend(
            self.building_ids
                .iter()
                .map(|b| row("BUILDING", Some(*b), None, None, None)),
        );
        rows.extend(
            self.floors
                .iter()
                .map(|(b, f)| row("FLOOR", Some(*b), Some(*f), None, None)),
        );
        rows.extend(
            self.unit_ids
                .iter()
                .map(|u| row("UNIT", None, None, Some(*u), None)),
        );
        rows.extend(
            self.roles
                .iter()
                .map(|r| row("ROLE", None, None, None, Some(*r))),
        );
        rows
    }

    fn from_rows(rows: &[notice_audience::Model]) -> Audience {
        let mut audience = Audience::default();
        for row in rows {
            match (
                row.scope.as_str(),
                row.building_id,
                row.floor,
                row.unit_id,
                row.role.as_deref(),
            ) {
                ("ESTATE", ..) => audience.estate = true,
                ("BUILDING", Some(b), ..) => audience.building_ids.push(b),
                ("FLOOR", Some(b), Some(f), ..) => audience.floors.push((b, f)),
                ("UNIT", _, _, Some(u), _) => audience.unit_ids.push(u),
                ("ROLE", _, _, _, Some(r)) => audience.roles.extend(Role::parse(r)),
                _ => {}
            }
        }
        audience
    }
}

/// A notice to publish.
pub struct NewNotice {
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Kind.
    pub kind: NoticeKind,
    /// Priority.
    pub priority: NoticePriority,
    /// Audience.
    pub audience: Audience,
    /// Publication time; now when absent or past.
    pub publish_at: Option<DateTime<Utc>>,
    /// Expiry time.
    pub expires_at: Option<DateTime<Utc>>,
    /// Pinned.
    pub pinned: bool,
    /// Requires acknowledgement.
    pub requires_ack: bool,
    /// The notice this corrects.
    pub supersedes: Option<Uuid>,
    /// Keep it as a draft instead of publishing.
    pub draft: bool,
}

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

/// A notice as it travels on the bus and in the event log.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeSnapshot {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Kind.
    pub kind: String,
    /// Priority.
    pub priority: String,
    /// Publication time.
    pub publish_at: DateTime<Utc>,
    /// Expiry time.
    pub expires_at: Option<DateTime<Utc>>,
    /// Pinned.
    pub pinned: bool,
    /// Requires acknowledgement.
    pub requires_ack: bool,
    /// Corrected notice.
    pub supersedes_id: Option<Uuid>,
    /// Author.
    pub author_id: Uuid,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

impl From<&notice::Model> for NoticeSnapshot {
    fn from(m: &notice::Model) -> Self {
        NoticeSnapshot {
            id: m.id,
            title: m.title.clone(),
            body: m.body.clone(),
            kind: m.kind.clone(),
            priority: m.priority.clone(),
            publish_at: m.publish_at,
            expires_at: m.expires_at,
            pinned: m.pinned,
            requires_ack: m.requires_ack,
            supersedes_id: m.supersedes_id,
            author_id: m.author_id,
            created_at: m.created_at,
        }
    }
}

impl From<NoticeSnapshot> for notice::Model {
    fn from(s: NoticeSnapshot) -> Self {
        notice::Model {
            id: s.id,
            title: s.title,
            body: s.body,
            kind: s.kind,
            priority: s.priority,
            status: NoticeStatus::Published.as_str().to_owned(),
            publish_at: s.publish_at,
            expires_at: s.expires_at,
            pinned: s.pinned,
            requires_ack: s.requires_ack,
            author_id: s.author_id,
            supersedes_id: s.supersedes_id,
            audience_size: 0,
            created_at: s.created_at,
        }
    }
}

/// The payload of a publication event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Publication {
    /// The notice.
    pub notice: NoticeSnapshot,
    /// Its audience.
    pub audience: Audience,
}

/// What a committed publication still has to put on the bus.
pub struct Delivery {
    event: LoggedEvent,
    notifications: Vec<NotificationRow>,
}

impl Delivery {
    /// Publishes the notice event and every recipient's notification (call after commit).
    pub async fn send(self, state: &AppState) {
        state.bus.publish(&Topic::Notices, &self.event).await;
        let feed: Vec<(Topic, NotificationRow)> = self
            .notifications
            .into_iter()
            .map(|row| (Topic::UserFeed(row.user_id), row))
            .collect();
        state.bus.publish_many(&feed).await;
    }
}

/// Active users in `audience`.
pub async fn recipients<C: ConnectionTrait>(
    db: &C,
    audience: &Audience,
) -> AppResult<HashSet<Uuid>> {
    let mut users: HashSet<Uuid> = HashSet::new();
    if audience.estate {
        users.extend(
            user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .into_tuple::<Uuid>()
                .all(db)
                .await?,
        );
    } else {
        let mut units = Condition::any();
        let mut any_unit_target = false;
        if !audience.building_ids.is_empty() {
            units =
                units.add(unit::Column::BuildingId.is_in(audience.building_ids.iter().copied()));
            any_unit_target = true;
        }
        for (building, floor) in &audience.floors {
            units = units.add(
                Condition::all()
                    .add(unit::Column::BuildingId.eq(*building))
                    .add(unit::Column::Floor.eq(*floor)),
            );
            any_unit_target = true;
        }
        if !audience.unit_ids.is_empty() {
            units = units.add(unit::Column::Id.is_in(audience.unit_ids.iter().copied()));
            any_unit_target = true;
        }
        if any_unit_target {
            let residents: Vec<Uuid> = residency::Entity::find()
                .select_only()
                .column(residency::Column::UserId)
                .inner_join(unit::Entity)
                .filter(current_residency(Utc::now().date_naive()))
                .filter(units)
                .into_tuple()
                .all(db)
                .await?;
            users.extend(residents);
        }
        if !audience.building_ids.is_empty() {
            let staff: Vec<Uuid> = staff_record::Entity::find()
                .select_only()
                .column(staff_record::Column::UserId)
                .filter(
                    staff_record::Column::Id.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(staff_building::Column::StaffId)
                            .from(staff_building::Entity)
                            .and_where(
                                staff_building::Column::BuildingId
                                    .is_in(audience.building_ids.iter().copied()),
                            )
                            .to_owned(),
                    ),
                )
                .into_tuple()
                .all(db)
                .await?;
            users.extend(staff);
        }
        if !audience.roles.is_empty() {
            let holders: Vec<Uuid> = user_role::Entity::find()
                .select_only()
                .column(user_role::Column::UserId)
                .filter(user_role::Column::Role.is_in(audience.roles.iter().map(|r| r.as_str())))
                .into_tuple()
                .all(db)
                .await?;
            users.extend(holders);
        }
    }
    if users.is_empty() {
        return Ok(users);
    }
    let disabled: Vec<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Status.ne("ACTIVE"))
        .into_tuple()
        .all(db)
        .await?;
    for id in disabled {
        users.remove(&id);
    }
    Ok(users)
}

/// Writes notifications for `users` (the audience's [`recipients`], resolved once by the caller)
/// and the event-log row of a notice being published, inside `txn`.
pub async fn deliver<C: ConnectionTrait>(
    txn: &C,
    notice: &notice::Model,
    audience: &Audience,
    mut users: HashSet<Uuid>,
) -> AppResult<Delivery> {
    notice::Entity::update_many()
        .col_expr(
            notice::Column::AudienceSize,
            Expr::value(i32::try_from(users.len()).unwrap_or(i32::MAX)),
        )
        .filter(notice::Column::Id.eq(notice.id))
        .exec(txn)
        .await?;
    if notice.priority != NoticePriority::Emergency.as_str() {
        let muted: Vec<Uuid> = notification_mute::Entity::find()
            .select_only()
            .column(notification_mute::Column::UserId)
            .filter(notification_mute::Column::Kind.eq(notice.kind.as_str()))
            .into_tuple()
            .all(txn)
            .await?;
        for id in muted {
            users.remove(&id);
        }
    }
    let now = Utc::now();
    let mut users: Vec<Uuid> = users.into_iter().collect();
    users.sort_unstable();
    let text: String = notice.body.chars().take(140).collect();
    let rows: Vec<NotificationRow> = users
        .into_iter()
        .map(|user_id| NotificationRow {
            id: Uuid::now_v7(),
            user_id,
            kind: notice.kind.clone(),
            title: notice.title.clone(),
            text: text.clone(),
            subject_type: "NOTICE".to_owned(),
            subject_id: notice.id,
            created_at: now,
            read_at: None,
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        notification::Entity::insert_many(chunk.iter().map(|r| notification::ActiveModel {
            id: Set(r.id),
            user_id: Set(r.user_id),
            kind: Set(r.kind.clone()),
            title: Set(r.title.clone()),
            text: Set(r.text.clone()),
            subject_type: Set(r.subject_type.clone()),
            subject_id: Set(r.subject_id),
            created_at: Set(r.created_at),
            read_at: Set(None),
        }))
        .exec(txn)
        .await?;
    }
    let payload = serde_json::to_value(Publication {
        notice: NoticeSnapshot::from(notice),
        audience: audience.clone(),
    })
    .map_err(AppError::internal)?;
    let event = log::append(txn, &Topic::Notices, PUBLISHED, payload).await?;
    Ok(Delivery {
        event,
        notifications: rows,
    })
}

/// Reads a user's notifications after a cursor, for replay.
pub struct InboxSource(pub Uuid);

impl ReplaySource for InboxSource {
    type Row = NotificationRow;

    async fn rows_after(
        &self,
        db: &DatabaseConnection,
        after: Uuid,
    ) -> AppResult<Vec<NotificationRow>> {
        let rows = notification::Entity::find()
            .filter(notification::Column::UserId.eq(self.0))
            .filter(notification::Column::Id.gt(after))
            .order_by_asc(notification::Column::Id)
            .limit(REPLAY_BATCH)
            .all(db)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// One page of notices, pinned first then newest first.
pub struct NoticePage {
    /// The notices.
    pub items: Vec<notice::Model>,
    /// More after these.
    pub has_next: bool,
}

/// The cursor of a notice in the board's order.
pub fn notice_cursor(notice: &notice::Model) -> String {
    format!("{}:{}", u8::from(notice.pinned), notice.id)
}

fn parse_notice_cursor(cursor: &str) -> AppResult<(bool, Uuid)> {
    let bad = || AppError::bad_input("after", "is not a valid cursor");
    let (pinned, id) = cursor.split_once(':').ok_or_else(bad)?;
    let pinned = match pinned {
        "1" => true,
        "0" => false,
        _ => return Err(bad()),
    };
    Ok((pinned, Uuid::parse_str(id).map_err(|_| bad())?))
}

/// The notice service.
pub struct NoticeService<'a> {
    state: &'a AppState,
}

impl<'a> NoticeService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        NoticeService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    async fn require_publisher(&self, scope: &Scope) -> AppResult<Uuid> {
        let user_id = scope.user_id.ok_or(AppError::Unauthenticated)?;
        if scope.admin {
            return Ok(user_id);
        }
        if let Some(staff_id) = scope.staff_id
            && let Some(record) = staff_record::Entity::find_by_id(staff_id)
                .one(self.db())
                .await?
            && record.post == StaffPost::Manager.as_str()
            && record.status == "ACTIVE"
        {
            return Ok(user_id);
        }
        Err(AppError::Forbidden(
            "only administrators and managers publish notices".to_owned(),
        ))
    }

    async fn check_audience(&self, audience: &Audience) -> AppResult<()> {
        if audience.is_empty() {
            return Err(AppError::bad_input(
                "input.audience",
                "names no one: give the estate, buildings, floors, units or roles",
            ));
        }
        let mut buildings: HashSet<Uuid> = audience.building_ids.iter().copied().collect();
        buildings.extend(audience.floors.iter().map(|(b, _)| *b));
        let found = building::Entity::find()
            .filter(building::Column::Id.is_in(buildings.iter().copied()))
            .count(self.db())
            .await?;
        if found != buildings.len() as u64 {
            return Err(AppError::bad_input(
                "input.audience.buildingIds",
                "names a building that does not exist",
            ));
        }
        let units: HashSet<Uuid> = audience.unit_ids.iter().copied().collect();
        let found = unit::Entity::find()
            .filter(unit::Column::Id.is_in(units.iter().copied()))
            .count(self.db())
            .await?;
        if found != units.len() as u64 {
            return Err(AppError::bad_input(
                "input.audience.unitIds",
                "names a unit that does not exist",
            ));
        }
        Ok(())
    }

    /// Publishes a notice now, or schedules it for `publish_at`.
    pub async fn publish(&self, scope: &Scope, new: NewNotice) -> AppResult<notice::Model> {
        let author = self.require_publisher(scope).await?;
        let now = Utc::now();
        let publish_at = new.publish_at.filter(|at| *at > now).unwrap_or(now);
        if new.expires_at.is_some_and(|expires| expires <= publish_at) {
            return Err(AppError::bad_input(
                "input.expiresAt",
                "must be after the publication time",
            ));
        }
        self.check_audience(&new.audience).await?;
        let users = recipients(self.db(), &new.audience).await?;
        if users.is_empty() {
            return Err(AppError::bad_input("input.audience", "matches nobody"));
        }
        if let Some(old) = new.supersedes
            && notice::Entity::find_by_id(old)
                .one(self.db())
                .await?
                .is_none()
        {
            return Err(AppError::bad_input(
                "input.supersedes",
                "names a notice that does not exist",
            ));
        }
        let scheduled = publish_at > now;
        let status = if new.draft {
            NoticeStatus::Draft
        } else if scheduled {
            NoticeStatus::Scheduled
        } else {
            NoticeStatus::Published
        };
        let model = notice::Model {
            id: Uuid::now_v7(),
            title: new.title,
            body: new.body,
            kind: new.kind.as_str().to_owned(),
            priority: new.priority.as_str().to_owned(),
            status: status.as_str().to_owned(),
            publish_at,
            expires_at: new.expires_at,
            pinned: new.pinned,
            requires_ack: new.requires_ack,
            author_id: author,
            supersedes_id: new.supersedes,
            audience_size: 0,
            created_at: now,
        };
        let txn = self.db().begin().await?;
        notice::Entity::insert(notice::ActiveModel::from(model.clone()))
            .exec(&txn)
            .await?;
        notice_audience::Entity::insert_many(new.audience.rows(model.id))
            .exec(&txn)
            .await?;
        let delivery = if status == NoticeStatus::Published {
            Some(deliver(&txn, &model, &new.audience, users).await?)
        } else {
            None
        };
        txn.commit().await?;
        if let Some(delivery) = delivery {
            delivery.send(self.state).await;
        }
        Ok(model)
    }

    /// Publishes every scheduled notice that is due. Each is claimed with a conditional update,
    /// so with several instances each notice is published by exactly one of them.
    pub async fn publish_due(&self) -> AppResult<usize> {
        let now = Utc::now();
        let due = notice::Entity::find()
            .filter(notice::Column::Status.eq(NoticeStatus::Scheduled.as_str()))
            .filter(notice::Column::PublishAt.lte(now))
            .order_by_asc(notice::Column::PublishAt)
            .limit(20)
            .all(self.db())
            .await?;
        let mut published = 0;
        for notice in due {
            let txn = self.db().begin().await?;
            let claimed = notice::Entity::update_many()
                .col_expr(
                    notice::Column::Status,
                    Expr::value(NoticeStatus::Published.as_str()),
                )
                .filter(notice::Column::Id.eq(notice.id))
                .filter(notice::Column::Status.eq(NoticeStatus::Scheduled.as_str()))
                .exec(&txn)
                .await?;
            if claimed.rows_affected != 1 {
                txn.rollback().await?;
                continue;
            }
            let audience = Audience::from_rows(
                &notice_audience::Entity::find()
                    .filter(notice_audience::Column::NoticeId.eq(notice.id))
                    .all(&txn)
                    .await?,
            );
            let users = recipients(&txn, &audience).await?;
            let delivery = deliver(&txn, &notice, &audience, users).await?;
            txn.commit().await?;
            delivery.send(self.state).await;
            published += 1;
        }
        Ok(published)
    }

    /// Publishes a draft now, or schedules it for `publish_at`.
    pub async fn publish_draft(
        &self,
        scope: &Scope,
        id: Uuid,
        publish_at: Option<DateTime<Utc>>,
    ) -> AppResult<notice::Model> {
        self.require_publisher(scope).await?;
        let now = Utc::now();
        let draft = notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("notice"))?;
        if draft.status != NoticeStatus::Draft.as_str() {
            return Err(AppError::InvalidState(
                "only a draft can be published this way".to_owned(),
            ));
        }
        let publish_at = publish_at.filter(|at| *at > now).unwrap_or(now);
        if draft
            .expires_at
            .is_some_and(|expires| expires <= publish_at)
        {
            return Err(AppError::bad_input(
                "input.publishAt",
                "is after the notice's expiry time",
            ));
        }
        let audience = self.audience(id).await?;
        let users = recipients(self.db(), &audience).await?;
        if users.is_empty() {
            return Err(AppError::bad_input(
                "input.id",
                "the draft's audience matches nobody",
            ));
        }
        let status = if publish_at > now {
            NoticeStatus::Scheduled
        } else {
            NoticeStatus::Published
        };
        let txn = self.db().begin().await?;
        let claimed = notice::Entity::update_many()
            .col_expr(notice::Column::Status, Expr::value(status.as_str()))
            .col_expr(notice::Column::PublishAt, Expr::value(publish_at))
            .filter(notice::Column::Id.eq(id))
            .filter(notice::Column::Status.eq(NoticeStatus::Draft.as_str()))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "the draft was published or withdrawn meanwhile".to_owned(),
            ));
        }
        let model = notice::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("notice"))?;
        let delivery = if status == NoticeStatus::Published {
            Some(deliver(&txn, &model, &audience, users).await?)
        } else {
            None
        };
        txn.commit().await?;
        if let Some(delivery) = delivery {
            delivery.send(self.state).await;
        }
        Ok(notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .unwrap_or(model))
    }

    /// Withdraws a notice: it leaves the board, and a scheduled one is never published.
    /// Withdrawing twice is not an error.
    pub async fn withdraw(&self, scope: &Scope, id: Uuid) -> AppResult<notice::Model> {
        self.require_publisher(scope).await?;
        let notice = notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("notice"))?;
        if notice.status != NoticeStatus::Withdrawn.as_str() {
            notice::Entity::update_many()
                .col_expr(
                    notice::Column::Status,
                    Expr::value(NoticeStatus::Withdrawn.as_str()),
                )
                .filter(notice::Column::Id.eq(id))
                .exec(self.db())
                .await?;
        }
        notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("notice"))
    }

    /// Read and acknowledgement counts (publishers).
    pub async fn stats(&self, scope: &Scope, id: Uuid) -> AppResult<NoticeReceiptStats> {
        self.require_publisher(scope).await?;
        self.count_receipts(id).await
    }

    /// The counts again, after a gap in the live updates.
    pub async fn recount(&self, id: Uuid) -> AppResult<NoticeReceiptStats> {
        self.count_receipts(id).await
    }

    async fn count_receipts(&self, id: Uuid) -> AppResult<NoticeReceiptStats> {
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
        self.require_publisher(scope).await?;
        let audience = self.audience(id).await?;
        let people = recipients(self.db(), &audience).await?;
        let homes = residency::Entity::find()
            .filter(residency::Column::UserId.is_in(people.iter().copied()))
            .filter(current_residency(Utc::now().date_naive()))
            .all(self.db())
            .await?;
        let acknowledged: HashSet<Uuid> = notice_receipt::Entity::find()
            .filter(notice_receipt::Column::NoticeId.eq(id))
            .filter(notice_receipt::Column::AcknowledgedAt.is_not_null())
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| r.user_id)
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

    /// The audience of a notice.
    pub async fn audience(&self, notice_id: Uuid) -> AppResult<Audience> {
        Ok(Audience::from_rows(
            &notice_audience::Entity::find()
                .filter(notice_audience::Column::NoticeId.eq(notice_id))
                .all(self.db())
                .await?,
        ))
    }

    fn visible(scope: &Scope) -> Condition {
        if scope.admin {
            return Condition::all();
        }
        let mut targets = Condition::any().add(notice_audience::Column::Scope.eq("ESTATE"));
        let buildings: Vec<Uuid> = scope
            .home_buildings
            .union(&scope.served_buildings)
            .copied()
            .collect();
        targets = targets.add(
            Condition::all()
                .add(notice_audience::Column::Scope.eq("BUILDING"))
                .add(notice_audience::Column::BuildingId.is_in(buildings)),
        );
        for (building, floor) in &scope.home_floors {
            targets = targets.add(
                Condition::all()
                    .add(notice_audience::Column::Scope.eq("FLOOR"))
                    .add(notice_audience::Column::BuildingId.eq(*building))
                    .add(notice_audience::Column::Floor.eq(*floor)),
            );
        }
        targets = targets.add(
            Condition::all()
                .add(notice_audience::Column::Scope.eq("UNIT"))
                .add(notice_audience::Column::UnitId.is_in(scope.home_units.iter().copied())),
        );
        targets = targets.add(
            Condition::all()
                .add(notice_audience::Column::Scope.eq("ROLE"))
                .add(notice_audience::Column::Role.is_in(scope.roles.iter().map(|r| r.as_str()))),
        );
        Condition::all()
            .add(notice::Column::Status.eq(NoticeStatus::Published.as_str()))
            .add(
                notice::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(notice_audience::Column::NoticeId)
                        .from(notice_audience::Entity)
                        .cond_where(targets)
                        .to_owned(),
                ),
            )
    }

    /// Notices visible to the viewer, pinned first, then newest first; expired ones only when
    /// asked for.
    pub async fn notices(
        &self,
        scope: &Scope,
        include_expired: bool,
        kind: Option<NoticeKind>,
        first: usize,
        after: Option<&str>,
    ) -> AppResult<NoticePage> {
        if scope.user_id.is_none() {
            return Err(AppError::Unauthenticated);
        }
        let now = Utc::now();
        let mut query = notice::Entity::find().filter(Self::visible(scope));
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
        if let Some(after) = after {
            let (pinned, id) = parse_notice_cursor(after)?;
            query = query.filter(
                Condition::any().add(notice::Column::Pinned.lt(pinned)).add(
                    Condition::all()
                        .add(notice::Column::Pinned.eq(pinned))
                        .add(notice::Column::Id.lt(id)),
                ),
            );
        }
        let mut items = query
            .order_by_desc(notice::Column::Pinned)
            .order_by_desc(notice::Column::Id)
            .limit(first as u64 + 1)
            .all(self.db())
            .await?;
        let has_next = items.len() > first;
        items.truncate(first);
        Ok(NoticePage { items, has_next })
    }

    /// One visible notice.
    pub async fn notice(&self, scope: &Scope, id: Uuid) -> AppResult<notice::Model> {
        if scope.user_id.is_none() {
            return Err(AppError::Unauthenticated);
        }
        notice::Entity::find()
            .filter(notice::Column::Id.eq(id))
            .filter(Self::visible(scope))
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("notice"))
    }

    /// Records that the viewer read (and, with `acknowledge`, acknowledged) a notice addressed to
    /// them. Idempotent: the first times are kept.
    pub async fn receipt(
        &self,
        scope: &Scope,
        id: Uuid,
        acknowledge: bool,
    ) -> AppResult<notice::Model> {
        let notice = self.notice(scope, id).await?;
        let user_id = scope.user_id.ok_or(AppError::Unauthenticated)?;
        let now = Utc::now();
        let txn = self.db().begin().await?;
        let existing = notice_receipt::Entity::find_by_id((id, user_id))
            .one(&txn)
            .await?;
        match existing {
            None => {
                notice_receipt::Entity::insert(notice_receipt::ActiveModel {
                    notice_id: Set(id),
                    user_id: Set(user_id),
                    read_at: Set(Some(now)),
                    acknowledged_at: Set(acknowledge.then_some(now)),
                })
                .exec(&txn)
                .await?;
            }
            Some(receipt) if acknowledge && receipt.acknowledged_at.is_none() => {
                notice_receipt::Entity::update(notice_receipt::ActiveModel {
                    notice_id: Set(id),
                    user_id: Set(user_id),
                    read_at: Set(receipt.read_at.or(Some(now))),
                    acknowledged_at: Set(Some(now)),
                })
                .exec(&txn)
                .await?;
            }
            Some(_) => {
                txn.commit().await?;
                return Ok(notice);
            }
        }
        txn.commit().await?;
        match self.count_receipts(id).await {
            Ok(stats) => {
                self.state
                    .bus
                    .publish(&Topic::NoticeReceipts(id), &stats)
                    .await
            }
            Err(err) => tracing::warn!(error = %err, "receipt counts not published"),
        }
        Ok(notice)
    }

    /// The viewer's receipt of a notice, if any.
    pub async fn my_receipt(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<Option<notice_receipt::Model>> {
        let Some(user_id) = scope.user_id else {
            return Ok(None);
        };
        Ok(notice_receipt::Entity::find_by_id((id, user_id))
            .one(self.db())
            .await?)
    }

    /// The viewer's notifications, newest first.
    pub async fn notifications(
        &self,
        user_id: Uuid,
        unread_only: bool,
        first: usize,
        after: Option<Uuid>,
    ) -> AppResult<(Vec<notification::Model>, bool)> {
        let mut query =
            notification::Entity::find().filter(notification::Column::UserId.eq(user_id));
        if unread_only {
            query = query.filter(notification::Column::ReadAt.is_null());
        }
        if let Some(after) = after {
            query = query.filter(notification::Column::Id.lt(after));
        }
        let mut items = query
            .order_by_desc(notification::Column::Id)
            .limit(first as u64 + 1)
            .all(self.db())
            .await?;
        let has_next = items.len() > first;
        items.truncate(first);
        Ok((items, has_next))
    }

    /// Unread notifications of the viewer.
    pub async fn unread_count(&self, user_id: Uuid) -> AppResult<u64> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .count(self.db())
            .await?)
    }

    /// Marks the viewer's notifications read: the given ones, or all. Returns how many changed.
    pub async fn mark_read(&self, user_id: Uuid, ids: Option<Vec<Uuid>>) -> AppResult<u64> {
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null());
        if let Some(ids) = ids {
            update = update.filter(notification::Column::Id.is_in(ids));
        }
        Ok(update.exec(self.db()).await?.rows_affected)
    }

    /// The notice kinds the viewer muted.
    pub async fn mutes(&self, user_id: Uuid) -> AppResult<Vec<NoticeKind>> {
        let rows = notification_mute::Entity::find()
            .filter(notification_mute::Column::UserId.eq(user_id))
            .all(self.db())
            .await?;
        let mut kinds: Vec<NoticeKind> = rows
            .iter()
            .filter_map(|r| NoticeKind::parse(&r.kind))
            .collect();
        kinds.sort_by_key(|k| k.as_str());
        Ok(kinds)
    }

    /// Replaces the viewer's muted kinds.
    pub async fn set_mutes(
        &self,
        user_id: Uuid,
        kinds: &[NoticeKind],
    ) -> AppResult<Vec<NoticeKind>> {
        let txn = self.db().begin().await?;
        notification_mute::Entity::delete_many()
            .filter(notification_mute::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let unique: HashSet<NoticeKind> = kinds.iter().copied().collect();
        if !unique.is_empty() {
            notification_mute::Entity::insert_many(unique.iter().map(|k| {
                notification_mute::ActiveModel {
                    user_id: Set(user_id),
                    kind: Set(k.as_str().to_owned()),
                }
            }))
            .exec(&txn)
            .await?;
        }
        txn.commit().await?;
        self.mutes(user_id).await
    }
}
