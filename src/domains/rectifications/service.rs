//! Rectification rules and transactions.
//!
//! Every step runs in one [`Write`]: the conditional update of the rectification (its
//! `version` must still be the one read, so of two concurrent steps one wins and the other gets
//! `CONFLICT`), the timeline entry, the live event and the notifications commit together or
//! not at all.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::{Relation, relation, standing, visible},
    flow,
    types::{Evidence, RectificationAction, RectificationSource, RectificationStatus},
};
use crate::{
    app::AppState,
    auth::Role,
    domains::estate::{
        access::{ACTIVE_STAFF, Scope},
        types::StaffPost,
    },
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    graphql::{
        checks::Checks,
        pagination::{Keyset, Page, PageRequest},
    },
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{
    building, rectification, rectification_entry, staff_building, staff_record, user, user_role,
    work_order,
};

/// The highest work-order rating that opens a rectification.
pub const LOW_RATING: i32 = 2;

/// Most pieces of evidence one rectification holds.
pub const MAX_EVIDENCE: usize = 10;

/// Notification subject type of a rectification.
pub const RECTIFICATION_SUBJECT: &str = "RECTIFICATION";

/// Event kind of every change on [`Topic::Rectifications`].
pub const CHANGED: &str = "RECTIFICATION_CHANGED";

/// The payload of a [`CHANGED`] event: the rectification after the step and the step's entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    /// The rectification as committed.
    pub rectification: rectification::Model,
    /// The timeline entry of the step.
    pub entry: rectification_entry::Model,
}

/// A rectification to open, already checked by its caller (who decides who may open one).
#[derive(Clone, Debug)]
pub struct NewRectification {
    /// The building it concerns.
    pub building_id: Uuid,
    /// What found the problem.
    pub source: RectificationSource,
    /// The complaint, inspection, work order or survey behind it.
    pub source_id: Option<Uuid>,
    /// The staff record responsible for it.
    pub responsible_staff_id: Uuid,
    /// What is wrong.
    pub problem: String,
    /// What is to be done, if already known.
    pub corrective_action: Option<String>,
    /// Due by.
    pub due_at: DateTime<Utc>,
    /// A work order opened for the work, if any.
    pub work_order_id: Option<Uuid>,
}

/// Opens a rectification inside `write` (the write of whatever found the problem): the row,
/// its first timeline entry, its live event and the responsible person's notification.
/// `opened_by` is `None` when the system opens it. A responsible staff record that does not
/// exist is `NOT_FOUND` on `input.responsibleStaffId`.
pub async fn open(
    write: &mut Write<'_>,
    opened_by: Option<Uuid>,
    new: NewRectification,
) -> AppResult<rectification::Model> {
    let responsible = staff_record::Entity::find_by_id(new.responsible_staff_id)
        .one(write.txn())
        .await?
        .ok_or_else(|| AppError::unknown_id("input.responsibleStaffId", "staff record"))?;
    let now = write.now();
    let model = rectification::Model {
        id: Uuid::now_v7(),
        building_id: new.building_id,
        source_kind: new.source.as_str().to_owned(),
        source_id: new.source_id,
        responsible_staff_id: new.responsible_staff_id,
        problem: new.problem,
        corrective_action: new.corrective_action,
        evidence: "[]".to_owned(),
        due_at: new.due_at,
        status: RectificationStatus::Open.as_str().to_owned(),
        work_order_id: new.work_order_id,
        opened_by,
        opened_at: now,
        submitted_at: None,
        verified_by: None,
        verified_at: None,
        overdue_at: None,
        reminded_at: None,
        version: 1,
        updated_at: now,
    };
    rectification::Entity::insert(rectification::ActiveModel::from(model.clone()))
        .exec_without_returning(write.txn())
        .await?;
    let entry = rectification_entry::Model {
        id: Uuid::now_v7(),
        rectification_id: model.id,
        actor_id: opened_by,
        action: "OPEN".to_owned(),
        from_status: None,
        to_status: model.status.clone(),
        note: None,
        at: now,
    };
    record(write, &model, entry).await?;
    Notifier::notify(
        write,
        [responsible.user_id],
        &Draft {
            category: NotificationCategory::Rectification,
            priority: NotificationPriority::Important,
            kind: "OPENED".to_owned(),
            title: "A rectification was assigned to you".to_owned(),
            text: model.problem.chars().take(200).collect(),
            subject: SubjectRef {
                kind: RECTIFICATION_SUBJECT,
                id: model.id,
            },
        },
    )
    .await?;
    Ok(model)
}

/// Writes a timeline entry and queues the live event, in `write`.
pub async fn record(
    write: &mut Write<'_>,
    rectification: &rectification::Model,
    entry: rectification_entry::Model,
) -> AppResult<()> {
    rectification_entry::Entity::insert(rectification_entry::ActiveModel::from(entry.clone()))
        .exec_without_returning(write.txn())
        .await?;
    let change = Change {
        rectification: rectification.clone(),
        entry,
    };
    write.event(
        Topic::Rectifications,
        CHANGED,
        serde_json::to_value(&change).map_err(AppError::internal)?,
    );
    Ok(())
}

/// A filter of `rectifications`.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<RectificationStatus>>,
    /// Only this source kind.
    pub source: Option<RectificationSource>,
    /// Only this building.
    pub building_id: Option<Uuid>,
    /// Only this responsible staff record.
    pub responsible_staff_id: Option<Uuid>,
    /// Only overdue ones (`true`) or only those that are not (`false`).
    pub overdue: Option<bool>,
    /// Only those the viewer is responsible for.
    pub mine: bool,
}

/// What a step brings besides its action.
#[derive(Clone, Debug, Default)]
pub struct StepInput {
    /// The corrective action (replaces the stored one).
    pub corrective_action: Option<String>,
    /// The evidence (replaces the stored list).
    pub evidence: Option<Vec<Evidence>>,
    /// A note: a rejection's reason, a verifier's remark.
    pub note: Option<String>,
}

/// Rectification rules over the application state.
pub struct RectificationService<'a> {
    state: &'a AppState,
}

impl<'a> RectificationService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        RectificationService { state }
    }

    /// One rectification the viewer may see, with how they relate to it; `NOT_FOUND` otherwise.
    pub async fn get(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(rectification::Model, Relation)> {
        scope.require_user()?;
        let model = rectification::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .ok_or(AppError::NotFound("rectification"))?;
        let rel = relation(scope, &model).await?;
        if !rel.sees {
            return Err(AppError::NotFound("rectification"));
        }
        Ok((model, rel))
    }

    /// The rectifications among `ids` the viewer may see (one statement), e.g. the subjects of
    /// a page of notifications.
    pub async fn visible_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<Vec<rectification::Model>> {
        let ids: HashSet<Uuid> = ids.into_iter().collect();
        if ids.is_empty() || scope.user_id.is_none() {
            return Ok(Vec::new());
        }
        let mut query = rectification::Entity::find().filter(rectification::Column::Id.is_in(ids));
        if let Some(condition) = visible(scope).await? {
            query = query.filter(condition);
        }
        Ok(query.all(&self.state.db).await?)
    }

    /// The rectifications the viewer may see, newest first, filtered. Viewers who may see none
    /// (residents, merchants) are `FORBIDDEN`.
    pub async fn list(
        &self,
        scope: &Scope,
        filter: ListFilter,
        page: &PageRequest,
    ) -> AppResult<Page<rectification::Model>> {
        scope.require_user()?;
        let standing = standing(scope).await?;
        if !standing.any() {
            return Err(AppError::Forbidden(
                "rectifications are for staff, managers, supervisors and administrators".to_owned(),
            ));
        }
        let mut query = rectification::Entity::find();
        if let Some(condition) = visible(scope).await? {
            query = query.filter(condition);
        }
        if let Some(statuses) = filter.statuses {
            query = query
                .filter(rectification::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
        }
        if let Some(source) = filter.source {
            query = query.filter(rectification::Column::SourceKind.eq(source.as_str()));
        }
        if let Some(building) = filter.building_id {
            query = query.filter(rectification::Column::BuildingId.eq(building));
        }
        if let Some(staff) = filter.responsible_staff_id {
            query = query.filter(rectification::Column::ResponsibleStaffId.eq(staff));
        }
        if filter.mine {
            // A viewer without a staff record is responsible for nothing.
            query = query.filter(rectification::Column::ResponsibleStaffId.is_in(standing.own));
        }
        if let Some(overdue) = filter.overdue {
            let now = self.state.clock.now();
            let late = sea_orm::Condition::all()
                .add(rectification::Column::Status.ne(RectificationStatus::Verified.as_str()))
                .add(rectification::Column::DueAt.lt(now));
            query = query.filter(if overdue { late } else { late.not() });
        }
        Keyset::<rectification::Entity>::new()
            .desc(rectification::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    /// Opens a rectification by hand: an administrator, a supervisor, or an active manager of
    /// the building. The responsible staff record must be `ACTIVE` and serve the building; a
    /// `LOW_RATING` source must be a work order of the building (complaint and inspection
    /// sources are not checked here: those domains open theirs through [`open`]).
    pub async fn open_by_hand(
        &self,
        scope: &Scope,
        new: NewRectification,
    ) -> AppResult<rectification::Model> {
        let me = scope.require_user()?;
        // Facets load before the write begins.
        let standing = standing(scope).await?;
        if !standing.all && standing.managed.is_empty() {
            return Err(AppError::Forbidden(
                "only managers, supervisors and administrators open rectifications".to_owned(),
            ));
        }
        if !standing.oversees(new.building_id) {
            return Err(AppError::unknown_id("input.buildingId", "building"));
        }
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        if building::Entity::find_by_id(new.building_id)
            .one(txn)
            .await?
            .is_none()
        {
            return Err(AppError::unknown_id("input.buildingId", "building"));
        }
        let responsible = staff_record::Entity::find_by_id(new.responsible_staff_id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::unknown_id("input.responsibleStaffId", "staff record"))?;
        if responsible.status != ACTIVE_STAFF {
            return Err(AppError::bad_input(
                "input.responsibleStaffId",
                "this staff member is not active",
            ));
        }
        let serves = staff_building::Entity::find()
            .filter(staff_building::Column::StaffId.eq(responsible.id))
            .filter(staff_building::Column::BuildingId.eq(new.building_id))
            .count(txn)
            .await?
            > 0;
        if !serves {
            return Err(AppError::bad_input(
                "input.responsibleStaffId",
                "this staff member does not serve the building",
            ));
        }
        let order_in_building = |field: &'static str, id: Uuid| async move {
            let found = work_order::Entity::find_by_id(id).one(txn).await?;
            match found {
                Some(order) if order.building_id == new.building_id => Ok(()),
                _ => Err(AppError::unknown_id(field, "work order")),
            }
        };
        if new.source == RectificationSource::LowRating
            && let Some(id) = new.source_id
        {
            order_in_building("input.sourceId", id).await?;
        }
        if let Some(id) = new.work_order_id {
            order_in_building("input.workOrderId", id).await?;
        }
        let model = open(&mut write, Some(me), new).await?;
        write.commit().await?;
        Ok(model)
    }

    /// Takes one step of the transition table on rectification `id` for the viewer: the
    /// responsible person starts, records and submits; a verifier (a manager of the building,
    /// a supervisor or an administrator, never the responsible person) verifies or rejects.
    pub async fn step(
        &self,
        scope: &Scope,
        id: Uuid,
        action: RectificationAction,
        expected_version: Option<i32>,
        input: StepInput,
    ) -> AppResult<rectification::Model> {
        let me = scope.require_user()?;
        // Facets load before the write begins.
        standing(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let model = rectification::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("rectification"))?;
        let rel = relation(scope, &model).await?;
        if !rel.sees {
            return Err(AppError::NotFound("rectification"));
        }
        let responsible = staff_record::Entity::find_by_id(model.responsible_staff_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::internal("a rectification without its staff record"))?;
        match action {
            RectificationAction::Verify | RectificationAction::Reject => {
                if rel.responsible || responsible.user_id == me {
                    return Err(AppError::Forbidden(
                        "the responsible person never verifies or rejects their own \
                         rectification"
                            .to_owned(),
                    ));
                }
                require(
                    rel.verifier,
                    "only a manager of the building, a supervisor or an administrator verifies",
                )?;
            }
            _ => require(
                rel.responsible,
                "only the responsible staff member works on a rectification",
            )?,
        }
        if let Some(expected) = expected_version
            && expected != model.version
        {
            return Err(stale());
        }
        let from = RectificationStatus::from_stored(&model.status)?;
        let to = flow::next(from, action)?;
        let now = write.now();
        let mut next = model.clone();
        next.status = to.as_str().to_owned();
        next.version = model.version + 1;
        next.updated_at = now;
        if let Some(corrective_action) = input.corrective_action {
            next.corrective_action = Some(corrective_action);
        }
        if let Some(evidence) = input.evidence {
            next.evidence = serde_json::to_string(&evidence).map_err(AppError::internal)?;
        }
        match action {
            RectificationAction::Submit => {
                let mut check = Checks::new();
                check.rule(
                    next.corrective_action
                        .as_deref()
                        .is_some_and(|a| !a.trim().is_empty()),
                    "input.correctiveAction",
                    "a submission needs the corrective action taken",
                );
                check.rule(
                    !super::types::evidence_of(&next.evidence).is_empty(),
                    "input.evidence",
                    "a submission needs at least one piece of evidence",
                );
                check.done()?;
                next.submitted_at = Some(now);
            }
            RectificationAction::Verify => {
                next.verified_by = Some(me);
                next.verified_at = Some(now);
            }
            _ => {}
        }
        // Only the columns a step owns are written (the sweep's flags are left alone); the
        // version condition guards against lost updates.
        let updated = rectification::Entity::update_many()
            .col_expr(
                rectification::Column::Status,
                Expr::value(next.status.clone()),
            )
            .col_expr(rectification::Column::Version, Expr::value(next.version))
            .col_expr(rectification::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                rectification::Column::CorrectiveAction,
                Expr::value(next.corrective_action.clone()),
            )
            .col_expr(
                rectification::Column::Evidence,
                Expr::value(next.evidence.clone()),
            )
            .col_expr(
                rectification::Column::SubmittedAt,
                Expr::value(next.submitted_at),
            )
            .col_expr(
                rectification::Column::VerifiedBy,
                Expr::value(next.verified_by),
            )
            .col_expr(
                rectification::Column::VerifiedAt,
                Expr::value(next.verified_at),
            )
            .filter(rectification::Column::Id.eq(model.id))
            .filter(rectification::Column::Version.eq(model.version))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(stale());
        }
        let entry = rectification_entry::Model {
            id: Uuid::now_v7(),
            rectification_id: next.id,
            actor_id: Some(me),
            action: action.as_str().to_owned(),
            from_status: Some(from.as_str().to_owned()),
            to_status: to.as_str().to_owned(),
            note: input.note.clone(),
            at: now,
        };
        record(&mut write, &next, entry).await?;
        let short = |text: &str| text.chars().take(200).collect::<String>();
        match action {
            RectificationAction::Submit => {
                let verifiers = verifiers_of(write.txn(), &next, responsible.user_id).await?;
                notify(
                    &mut write,
                    &verifiers,
                    &next,
                    "SUBMITTED",
                    "A rectification awaits your verification",
                    short(&next.problem),
                )
                .await?;
            }
            RectificationAction::Verify => {
                notify(
                    &mut write,
                    &[responsible.user_id],
                    &next,
                    "VERIFIED",
                    "Your rectification was verified",
                    short(input.note.as_deref().unwrap_or(&next.problem)),
                )
                .await?;
            }
            RectificationAction::Reject => {
                notify(
                    &mut write,
                    &[responsible.user_id],
                    &next,
                    "REJECTED",
                    "Your rectification was sent back",
                    short(input.note.as_deref().unwrap_or_default()),
                )
                .await?;
            }
            _ => {}
        }
        write.commit().await?;
        Ok(next)
    }

    /// The overdue sweep and the reminders: a rectification past its due date and not verified
    /// is flagged once (`overdue_at`, claimed with a conditional update, so once across
    /// instances) with an `OVERDUE` timeline entry, and its responsible person and the
    /// building's managers are told; one due within the reminder window and not yet submitted
    /// reminds its responsible person once (`reminded_at`, claimed the same way).
    pub async fn sweep(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let verified = RectificationStatus::Verified.as_str();
        let mut done = 0;
        let late = rectification::Entity::find()
            .filter(rectification::Column::Status.ne(verified))
            .filter(rectification::Column::OverdueAt.is_null())
            .filter(rectification::Column::DueAt.lt(now))
            .all(&self.state.db)
            .await?;
        for candidate in late {
            let mut write = Write::begin(self.state).await?;
            let claimed = rectification::Entity::update_many()
                .col_expr(rectification::Column::OverdueAt, Expr::value(now))
                .filter(rectification::Column::Id.eq(candidate.id))
                .filter(rectification::Column::OverdueAt.is_null())
                .filter(rectification::Column::Status.ne(verified))
                .exec(write.txn())
                .await?;
            if claimed.rows_affected != 1 {
                // Another instance flagged it, or it was verified meanwhile.
                continue;
            }
            let Some(model) = rectification::Entity::find_by_id(candidate.id)
                .one(write.txn())
                .await?
            else {
                continue;
            };
            let entry = rectification_entry::Model {
                id: Uuid::now_v7(),
                rectification_id: model.id,
                actor_id: None,
                action: RectificationAction::Overdue.as_str().to_owned(),
                from_status: Some(model.status.clone()),
                to_status: model.status.clone(),
                note: None,
                at: now,
            };
            record(&mut write, &model, entry).await?;
            let mut people = managers_of(write.txn(), model.building_id).await?;
            if let Some(record) = staff_record::Entity::find_by_id(model.responsible_staff_id)
                .one(write.txn())
                .await?
            {
                people.push(record.user_id);
            }
            notify(
                &mut write,
                &people,
                &model,
                "OVERDUE",
                "A rectification is overdue",
                model.problem.chars().take(200).collect(),
            )
            .await?;
            write.commit().await?;
            done += 1;
        }
        let window = Duration::hours(i64::from(self.state.config.rectification_reminder_hours));
        if window > Duration::zero() {
            let waiting = [
                RectificationStatus::Open.as_str(),
                RectificationStatus::InProgress.as_str(),
            ];
            let soon = rectification::Entity::find()
                .filter(rectification::Column::Status.is_in(waiting))
                .filter(rectification::Column::RemindedAt.is_null())
                .filter(rectification::Column::OverdueAt.is_null())
                .filter(rectification::Column::DueAt.gte(now))
                .filter(rectification::Column::DueAt.lte(now + window))
                .all(&self.state.db)
                .await?;
            for model in soon {
                let mut write = Write::begin(self.state).await?;
                let claimed = rectification::Entity::update_many()
                    .col_expr(rectification::Column::RemindedAt, Expr::value(now))
                    .filter(rectification::Column::Id.eq(model.id))
                    .filter(rectification::Column::RemindedAt.is_null())
                    .exec(write.txn())
                    .await?;
                if claimed.rows_affected != 1 {
                    continue;
                }
                let Some(record) = staff_record::Entity::find_by_id(model.responsible_staff_id)
                    .one(write.txn())
                    .await?
                else {
                    continue;
                };
                notify(
                    &mut write,
                    &[record.user_id],
                    &model,
                    "DUE_SOON",
                    "A rectification is due soon",
                    model.problem.chars().take(200).collect(),
                )
                .await?;
                write.commit().await?;
                done += 1;
            }
        }
        Ok(done)
    }
}

/// Opens the rectification of a work order rated 2 or less, inside the rating's write: source
/// `LOW_RATING` and the order, due in `--rectification-low-rating-days`. The responsible person
/// is the order's assignee while their record is `ACTIVE`; otherwise (no assignee, or one who
/// left) the building's first active manager by employee number; with neither, none is
/// opened (and a warning is logged). An order that has one already gets no second.
pub async fn open_for_low_rating(
    write: &mut Write<'_>,
    order: &work_order::Model,
    score: i32,
    comment: Option<&str>,
) -> AppResult<Option<rectification::Model>> {
    let txn = write.txn();
    let already = rectification::Entity::find()
        .filter(rectification::Column::SourceKind.eq(RectificationSource::LowRating.as_str()))
        .filter(rectification::Column::SourceId.eq(order.id))
        .count(txn)
        .await?
        > 0;
    if already {
        return Ok(None);
    }
    let assignee = match order.assignee_id {
        Some(id) => staff_record::Entity::find_by_id(id)
            .one(txn)
            .await?
            .filter(|r| r.status == ACTIVE_STAFF),
        None => None,
    };
    let responsible = match assignee {
        Some(record) => Some(record),
        None => {
            let serving: Vec<Uuid> = staff_building::Entity::find()
                .select_only()
                .column(staff_building::Column::StaffId)
                .filter(staff_building::Column::BuildingId.eq(order.building_id))
                .into_tuple()
                .all(txn)
                .await?;
            staff_record::Entity::find()
                .filter(staff_record::Column::Id.is_in(serving))
                .filter(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
                .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
                .order_by_asc(staff_record::Column::EmployeeNumber)
                .one(txn)
                .await?
        }
    };
    let Some(responsible) = responsible else {
        tracing::warn!(
            work_order = %order.id,
            "a low rating found no one responsible: no rectification opened"
        );
        return Ok(None);
    };
    let days = i64::from(write.state().config.rectification_low_rating_days);
    let mut problem = format!(
        "Work order {} ({}) was rated {score} out of 5",
        order.number, order.title
    );
    if let Some(comment) = comment {
        problem.push_str(": ");
        problem.push_str(comment);
    }
    let due_at = write.now() + Duration::days(days);
    open(
        write,
        None,
        NewRectification {
            building_id: order.building_id,
            source: RectificationSource::LowRating,
            source_id: Some(order.id),
            responsible_staff_id: responsible.id,
            problem,
            corrective_action: None,
            due_at,
            work_order_id: Some(order.id),
        },
    )
    .await
    .map(Some)
}

fn require(allowed: bool, message: &str) -> AppResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(message.to_owned()))
    }
}

fn stale() -> AppError {
    AppError::Conflict {
        field: Some("input.expectedVersion".to_owned()),
        message: "the rectification changed meanwhile; reload it and try again".to_owned(),
    }
}

/// The users of the active managers serving `building`.
async fn managers_of<C: ConnectionTrait>(db: &C, building: Uuid) -> AppResult<Vec<Uuid>> {
    let serving: Vec<Uuid> = staff_building::Entity::find()
        .select_only()
        .column(staff_building::Column::StaffId)
        .filter(staff_building::Column::BuildingId.eq(building))
        .into_tuple()
        .all(db)
        .await?;
    Ok(staff_record::Entity::find()
        .filter(staff_record::Column::Id.is_in(serving))
        .filter(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
        .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}

/// Who hears of a submission: the building's active managers, or, when it has none besides
/// the responsible person, the active supervisors. Never the responsible person.
async fn verifiers_of<C: ConnectionTrait>(
    db: &C,
    model: &rectification::Model,
    responsible_user: Uuid,
) -> AppResult<Vec<Uuid>> {
    let mut people: Vec<Uuid> = managers_of(db, model.building_id)
        .await?
        .into_iter()
        .filter(|u| *u != responsible_user)
        .collect();
    if people.is_empty() {
        let supervisors: Vec<Uuid> = user_role::Entity::find()
            .select_only()
            .column(user_role::Column::UserId)
            .filter(user_role::Column::Role.eq(Role::Supervisor.as_str()))
            .into_tuple()
            .all(db)
            .await?;
        people = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Id.is_in(supervisors))
            .filter(user::Column::Status.eq("ACTIVE"))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .into_iter()
            .filter(|u| *u != responsible_user)
            .collect();
    }
    Ok(people)
}

/// Notifies `people` of a step of `model` (inbox and live, category `RECTIFICATION`).
async fn notify(
    write: &mut Write<'_>,
    people: &[Uuid],
    model: &rectification::Model,
    kind: &str,
    title: &str,
    text: String,
) -> AppResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    Notifier::notify(
        write,
        people.iter().copied(),
        &Draft {
            category: NotificationCategory::Rectification,
            priority: NotificationPriority::Important,
            kind: kind.to_owned(),
            title: title.to_owned(),
            text,
            subject: SubjectRef {
                kind: RECTIFICATION_SUBJECT,
                id: model.id,
            },
        },
    )
    .await
    .map(|_| ())
}
