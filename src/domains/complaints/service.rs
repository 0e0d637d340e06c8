//! Complaint rules and transactions: submission (with the per-user limit), every step through
//! the one table in [`super::flow`], notes, ratings, the praise commendation, and the deadline
//! sweep.
//!
//! Every change runs in one [`Write`]: the conditional update of the complaint (its `version`
//! must still be the one read), the timeline entry, the live event, the notifications and any
//! rectification or ledger proposal commit together or not at all.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    Statement, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::{Relation, relation, visible},
    flow::{self, OPEN},
    types::{ComplaintAction, ComplaintKind, ComplaintStatus},
};
use crate::{
    app::AppState,
    auth::Role,
    domains::{
        conduct::{
            service::{NewLedgerEntry, propose_in},
            types::{LedgerKind, LedgerSourceKind},
        },
        estate::{access::Scope, types::StaffPost},
        rectifications::{
            service::{NewRectification, open},
            types::RectificationSource,
        },
        work_orders::service::WorkOrderService,
    },
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{complaint, complaint_entry, staff_building, staff_record, user_role};

/// Event kind of every complaint change.
pub const CHANGED: &str = "COMPLAINT_CHANGED";
/// Subject type of complaint notifications.
pub const SUBJECT: &str = "COMPLAINT";

/// A logged change, as it travels on the bus: the complaint after it (with the complainant
/// blanked to the nil id when anonymous) and the entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    /// The complaint after the change.
    pub complaint: complaint::Model,
    /// The timeline entry.
    pub entry: complaint_entry::Model,
}

/// What a new complaint says (formats already checked).
pub struct NewComplaint {
    /// Kind.
    pub kind: ComplaintKind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The building, when the complainant lives in several.
    pub building_id: Option<Uuid>,
    /// A work order the complainant may see.
    pub work_order_id: Option<Uuid>,
    /// A staff record serving the building.
    pub staff_id: Option<Uuid>,
    /// Hide the complainant from staff.
    pub anonymous: bool,
}

/// What a rectification opened from a complaint says.
pub struct NewComplaintRectification {
    /// The staff record responsible (serving the complaint's building).
    pub responsible_staff_id: Uuid,
    /// What is wrong; the complaint's title when left out.
    pub problem: Option<String>,
    /// What is to be done.
    pub corrective_action: Option<String>,
    /// Due by (in the future).
    pub due_at: DateTime<Utc>,
}

/// List filter.
#[derive(Default)]
pub struct ComplaintListFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<ComplaintStatus>>,
    /// Only these kinds.
    pub kinds: Option<Vec<ComplaintKind>>,
    /// Only this building.
    pub building_id: Option<Uuid>,
    /// Only complaints you submitted.
    pub mine: bool,
    /// Only complaints you handle.
    pub handled_by_me: bool,
}

/// How one step sets the complaint's columns beyond its status.
#[derive(Default)]
struct Edit {
    handler: Option<Uuid>,
    acknowledged: bool,
    reply: Option<String>,
    closed: bool,
    reopened: bool,
    appeal: Option<String>,
    rectification: Option<Uuid>,
    rating: Option<(i16, Option<String>)>,
    praise_entry: Option<Uuid>,
}

/// Who took a step.
#[derive(Clone, Copy)]
struct Actor {
    user: Option<Uuid>,
    complainant: bool,
}

impl Actor {
    fn system() -> Actor {
        Actor {
            user: None,
            complainant: false,
        }
    }
}

/// Complaint rules over the application state.
pub struct ComplaintService<'a> {
    state: &'a AppState,
}

impl<'a> ComplaintService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        ComplaintService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// How long after a reply the complainant may reopen or appeal.
    pub fn reopen_window(&self) -> Duration {
        chrono_of(self.state.config.complaints.reopen_window)
    }

    /// One complaint the viewer may see, with how they relate to it; `NOT_FOUND` otherwise.
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<(complaint::Model, Relation)> {
        scope.require_user()?;
        let found = complaint::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("complaint"))?;
        let rel = relation(scope, &found).await?;
        if !rel.sees {
            return Err(AppError::NotFound("complaint"));
        }
        Ok((found, rel))
    }

    /// The complaints among `ids` the viewer may see (one statement), e.g. notification
    /// subjects.
    pub async fn visible_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<Vec<(complaint::Model, Relation)>> {
        let ids: HashSet<Uuid> = ids.into_iter().collect();
        if ids.is_empty() || scope.user_id.is_none() {
            return Ok(Vec::new());
        }
        let mut query = complaint::Entity::find().filter(complaint::Column::Id.is_in(ids));
        if let Some(condition) = visible(scope).await? {
            query = query.filter(condition);
        }
        let mut out = Vec::new();
        for found in query.all(self.db()).await? {
            let rel = relation(scope, &found).await?;
            out.push((found, rel));
        }
        Ok(out)
    }

    /// The complaints the viewer may see, newest first, filtered.
    pub async fn list(
        &self,
        scope: &Scope,
        filter: ComplaintListFilter,
        page: &PageRequest,
    ) -> AppResult<Page<complaint::Model>> {
        let me = scope.require_user()?;
        let mut query = complaint::Entity::find();
        if let Some(condition) = visible(scope).await? {
            query = query.filter(condition);
        }
        if let Some(statuses) = filter.statuses {
            query =
                query.filter(complaint::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
        }
        if let Some(kinds) = filter.kinds {
            query = query.filter(complaint::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())));
        }
        if let Some(building) = filter.building_id {
            query = query.filter(complaint::Column::BuildingId.eq(building));
        }
        if filter.mine {
            query = query.filter(complaint::Column::ComplainantId.eq(me));
        }
        if filter.handled_by_me {
            let staff = scope.staff().await?;
            query = query.filter(complaint::Column::HandlerId.eq(staff.id.unwrap_or(Uuid::nil())));
        }
        Keyset::<complaint::Entity>::new()
            .desc(complaint::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// Submits a complaint: residents, for a building they live in, at most
    /// `complaint_daily_limit` in 24 hours (anonymous ones too).
    pub async fn submit(&self, scope: &Scope, new: NewComplaint) -> AppResult<complaint::Model> {
        let me = scope.require_user()?;
        let home = scope.resident().await?;
        scope.staff().await?;
        if home.buildings.is_empty() {
            return Err(AppError::Forbidden(
                "complaints are submitted by residents, for a building they live in".to_owned(),
            ));
        }
        let building_id = match new.building_id {
            Some(building) if home.buildings.contains(&building) => building,
            Some(_) => {
                return Err(AppError::bad_input(
                    "input.buildingId",
                    "must be a building you live in",
                ));
            }
            None => match home.buildings.iter().copied().collect::<Vec<_>>()[..] {
                [only] => only,
                _ => {
                    return Err(AppError::bad_input(
                        "input.buildingId",
                        "you live in several buildings: say which one the complaint is about",
                    ));
                }
            },
        };
        // The linked work order: one the complainant may see, in that building.
        if let Some(order) = new.work_order_id {
            let (order, _) = WorkOrderService::new(self.state)
                .get(scope, order)
                .await
                .map_err(|err| match err {
                    AppError::NotFound(_) => {
                        AppError::unknown_id("input.workOrderId", "work order")
                    }
                    other => other,
                })?;
            if order.building_id != building_id {
                return Err(AppError::bad_input(
                    "input.workOrderId",
                    "is a work order of another building",
                ));
            }
        }
        // The staff member concerned: a staff record serving that building.
        if let Some(staff) = new.staff_id {
            let serves = staff_building::Entity::find()
                .filter(staff_building::Column::StaffId.eq(staff))
                .filter(staff_building::Column::BuildingId.eq(building_id))
                .one(self.db())
                .await?
                .is_some();
            if !serves {
                return Err(AppError::unknown_id("input.staffId", "staff record"));
            }
        }
        let settings = self.state.config.complaints;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        take_quota(&write, me, now, settings.daily_limit).await?;
        let model = complaint::Model {
            id: Uuid::now_v7(),
            building_id,
            complainant_id: me,
            kind: new.kind.as_str().to_owned(),
            title: new.title,
            description: new.description,
            work_order_id: new.work_order_id,
            staff_id: new.staff_id,
            anonymous: new.anonymous,
            status: ComplaintStatus::Submitted.as_str().to_owned(),
            handler_id: None,
            ack_due_at: now + chrono_of(settings.ack_within),
            reply_due_at: now + chrono_of(settings.reply_within),
            acknowledged_at: None,
            replied_at: None,
            first_replied_at: None,
            closed_at: None,
            reply: None,
            reopen_count: 0,
            appealed_at: None,
            appeal_reason: None,
            rectification_id: None,
            rating: None,
            rating_comment: None,
            rated_at: None,
            praise_entry_id: None,
            ack_reminded_at: None,
            ack_escalated_at: None,
            reply_reminded_at: None,
            reply_escalated_at: None,
            version: 0,
            created_at: now,
            updated_at: now,
        };
        complaint::Entity::insert(complaint::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        let actor = Actor {
            user: Some(me),
            complainant: true,
        };
        let entry = entry(
            &model,
            actor,
            ComplaintAction::Submit,
            None,
            None,
            false,
            now,
        );
        record(&mut write, &model, entry).await?;
        let managers = managers_of(write.txn(), &model).await?;
        notify_staff(&mut write, &managers, &model, "A new complaint to handle").await?;
        write.commit().await?;
        tracing::info!(complaint = %model.id, kind = %model.kind, "complaint submitted");
        Ok(model)
    }

    /// Loads a complaint for a step by the viewer, checking the version they saw.
    async fn for_change(
        &self,
        write: &Write<'_>,
        scope: &Scope,
        id: Uuid,
        expected_version: Option<i32>,
    ) -> AppResult<(complaint::Model, Relation)> {
        let found = complaint::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("complaint"))?;
        let rel = relation(scope, &found).await?;
        if !rel.sees {
            return Err(AppError::NotFound("complaint"));
        }
        if let Some(expected) = expected_version
            && expected != found.version
        {
            return Err(stale());
        }
        Ok((found, rel))
    }

    /// Applies one step: the conditional update, the timeline entry and the live event.
    #[expect(
        clippy::too_many_arguments,
        reason = "one step's every part, as the work orders' apply"
    )]
    async fn apply(
        &self,
        write: &mut Write<'_>,
        found: &complaint::Model,
        actor: Actor,
        action: ComplaintAction,
        note: Option<String>,
        internal: bool,
        edit: Edit,
    ) -> AppResult<complaint::Model> {
        let from = ComplaintStatus::from_stored(&found.status)?;
        let to = flow::next(from, action)?;
        let now = write.now();
        let settings = self.state.config.complaints;
        let mut next = found.clone();
        next.status = to.as_str().to_owned();
        next.version = found.version + 1;
        next.updated_at = now;
        if let Some(handler) = edit.handler {
            next.handler_id = Some(handler);
        }
        if edit.acknowledged && next.acknowledged_at.is_none() {
            next.acknowledged_at = Some(now);
        }
        if let Some(reply) = edit.reply {
            next.reply = Some(reply);
            next.replied_at = Some(now);
            next.first_replied_at.get_or_insert(now);
            next.closed_at = None;
        }
        if edit.closed {
            next.closed_at = Some(now);
        }
        if edit.reopened || edit.appeal.is_some() {
            // A new round of handling: a new reply deadline, reminded and escalated afresh.
            next.reply_due_at = now + chrono_of(settings.reply_within);
            next.reply_reminded_at = None;
            next.reply_escalated_at = None;
            next.closed_at = None;
        }
        if edit.reopened {
            next.reopen_count += 1;
        }
        if let Some(reason) = edit.appeal {
            next.appealed_at = Some(now);
            next.appeal_reason = Some(reason);
        }
        if let Some(rectification) = edit.rectification {
            next.rectification_id = Some(rectification);
        }
        if let Some((score, comment)) = edit.rating {
            next.rating = Some(score);
            next.rating_comment = comment;
            next.rated_at = Some(now);
        }
        if let Some(entry) = edit.praise_entry {
            next.praise_entry_id = Some(entry);
        }
        let model =
            sea_orm::ActiveModelTrait::reset_all(complaint::ActiveModel::from(next.clone()));
        let updated = complaint::Entity::update_many()
            .set(model)
            .filter(complaint::Column::Id.eq(found.id))
            .filter(complaint::Column::Version.eq(found.version))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(stale());
        }
        let entry = entry(&next, actor, action, Some(from), note, internal, now);
        record(write, &next, entry).await?;
        Ok(next)
    }

    /// Runs one step for the viewer after `check` approves; tells the complainant of a status
    /// change they did not make.
    #[expect(
        clippy::too_many_arguments,
        reason = "one step's every part, with its check"
    )]
    async fn act(
        &self,
        scope: &Scope,
        id: Uuid,
        expected_version: Option<i32>,
        action: ComplaintAction,
        note: Option<String>,
        internal: bool,
        after: After,
        check: impl FnOnce(&complaint::Model, &Relation, DateTime<Utc>) -> AppResult<Edit>,
    ) -> AppResult<complaint::Model> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (found, rel) = self.for_change(&write, scope, id, expected_version).await?;
        let edit = check(&found, &rel, write.now())?;
        let actor = Actor {
            user: Some(me),
            complainant: rel.complainant,
        };
        let next = self
            .apply(&mut write, &found, actor, action, note, internal, edit)
            .await?;
        if !rel.complainant {
            notify_complainant(&mut write, &next, action).await?;
        }
        match after {
            After::Nothing => {}
            After::TellHandling(title) => self.notify_handling(&mut write, &next, title).await?,
            After::TellSupervisors => {
                let mut people = supervisors(write.txn()).await?;
                people.extend(managers_of(write.txn(), &next).await?);
                // And the building's supervision group, whose chair answers it with them.
                let group = crate::domains::supervision::service::current_members(
                    write.txn(),
                    next.building_id,
                    write.now().date_naive(),
                )
                .await?;
                people.extend(group.into_keys());
                people.sort_unstable();
                people.dedup();
                notify_staff(
                    &mut write,
                    &people,
                    &next,
                    "A complaint was appealed to the supervisors",
                )
                .await?;
            }
        }
        write.commit().await?;
        Ok(next)
    }

    /// Assigns the handler (managers of the building and administrators): a staff member
    /// serving the building, never the one the complaint is about; `None`: the caller takes it.
    pub async fn assign(
        &self,
        scope: &Scope,
        id: Uuid,
        staff_id: Option<Uuid>,
        note: Option<String>,
        expected_version: Option<i32>,
    ) -> AppResult<complaint::Model> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (found, rel) = self.for_change(&write, scope, id, expected_version).await?;
        require(
            rel.manages,
            "only the building's managers and administrators assign a complaint's handler",
        )?;
        let field = "input.staffId";
        let target = match staff_id.or(rel.staff_id) {
            Some(target) => target,
            None => {
                return Err(AppError::bad_input(
                    field,
                    "is required: you have no staff record to take the complaint yourself",
                ));
            }
        };
        if found.staff_id == Some(target) {
            return Err(AppError::bad_input(
                field,
                "is the staff member this complaint is about: the handler never is",
            ));
        }
        let record = staff_record::Entity::find_by_id(target)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id(field, "staff record"))?;
        let serves = staff_building::Entity::find()
            .filter(staff_building::Column::StaffId.eq(target))
            .filter(staff_building::Column::BuildingId.eq(found.building_id))
            .one(write.txn())
            .await?
            .is_some();
        if record.status != crate::domains::estate::access::ACTIVE_STAFF || !serves {
            return Err(AppError::bad_input(
                field,
                "must be an active staff member serving the complaint's building",
            ));
        }
        if found.handler_id == Some(target) {
            return Err(AppError::bad_input(field, "is already the handler"));
        }
        let actor = Actor {
            user: Some(me),
            complainant: false,
        };
        let next = self
            .apply(
                &mut write,
                &found,
                actor,
                ComplaintAction::Assign,
                note,
                true,
                Edit {
                    handler: Some(target),
                    ..Edit::default()
                },
            )
            .await?;
        if record.user_id != me {
            notify_staff(
                &mut write,
                &[record.user_id],
                &next,
                "A complaint was assigned to you",
            )
            .await?;
        }
        write.commit().await?;
        Ok(next)
    }

    /// The handler (or a manager) acknowledges the complaint.
    pub async fn acknowledge(
        &self,
        scope: &Scope,
        id: Uuid,
        note: Option<String>,
        v: Option<i32>,
    ) -> AppResult<complaint::Model> {
        self.act(
            scope,
            id,
            v,
            ComplaintAction::Acknowledge,
            note,
            false,
            After::Nothing,
            |_, rel, _| {
                require(rel.handles(), HANDLERS_ONLY)?;
                Ok(Edit {
                    acknowledged: true,
                    ..Edit::default()
                })
            },
        )
        .await
    }

    /// The handler (or a manager) starts the investigation.
    pub async fn investigate(
        &self,
        scope: &Scope,
        id: Uuid,
        note: Option<String>,
        v: Option<i32>,
    ) -> AppResult<complaint::Model> {
        self.act(
            scope,
            id,
            v,
            ComplaintAction::Investigate,
            note,
            false,
            After::Nothing,
            |_, rel, _| {
                require(rel.handles(), HANDLERS_ONLY)?;
                Ok(Edit::default())
            },
        )
        .await
    }

    /// The handler (or a manager) opens a rectification for the complaint, in the same write.
    pub async fn rectify(
        &self,
        scope: &Scope,
        id: Uuid,
        new: NewComplaintRectification,
        note: Option<String>,
        v: Option<i32>,
    ) -> AppResult<complaint::Model> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (found, rel) = self.for_change(&write, scope, id, v).await?;
        require(rel.handles(), HANDLERS_ONLY)?;
        // The step must be legal before anything is opened.
        flow::next(
            ComplaintStatus::from_stored(&found.status)?,
            ComplaintAction::Rectify,
        )?;
        if new.due_at <= write.now() {
            return Err(AppError::bad_input("input.dueAt", "must be in the future"));
        }
        let serves = staff_building::Entity::find()
            .filter(staff_building::Column::StaffId.eq(new.responsible_staff_id))
            .filter(staff_building::Column::BuildingId.eq(found.building_id))
            .one(write.txn())
            .await?
            .is_some();
        if !serves {
            return Err(AppError::unknown_id(
                "input.responsibleStaffId",
                "staff record",
            ));
        }
        let rectification = open(
            &mut write,
            Some(me),
            NewRectification {
                building_id: found.building_id,
                source: RectificationSource::Complaint,
                source_id: Some(found.id),
                responsible_staff_id: new.responsible_staff_id,
                problem: new.problem.unwrap_or_else(|| found.title.clone()),
                corrective_action: new.corrective_action,
                due_at: new.due_at,
                work_order_id: found.work_order_id,
            },
        )
        .await?;
        let actor = Actor {
            user: Some(me),
            complainant: false,
        };
        let next = self
            .apply(
                &mut write,
                &found,
                actor,
                ComplaintAction::Rectify,
                note,
                false,
                Edit {
                    rectification: Some(rectification.id),
                    ..Edit::default()
                },
            )
            .await?;
        notify_complainant(&mut write, &next, ComplaintAction::Rectify).await?;
        write.commit().await?;
        Ok(next)
    }

    /// Replies to the complainant: the handler or a manager while it is handled, a supervisor
    /// or an administrator once it is appealed. The first reply shows the complaint to the staff
    /// member concerned; praise of a staff member proposes a commendation.
    pub async fn reply(
        &self,
        scope: &Scope,
        id: Uuid,
        reply: String,
        v: Option<i32>,
    ) -> AppResult<complaint::Model> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (found, rel) = self.for_change(&write, scope, id, v).await?;
        let status = ComplaintStatus::from_stored(&found.status)?;
        if status == ComplaintStatus::Appealed {
            require(
                rel.supervisor || scope.admin,
                "an appeal is answered by a supervisor or an administrator",
            )?;
        } else {
            require(rel.handles(), HANDLERS_ONLY)?;
        }
        let actor = Actor {
            user: Some(me),
            complainant: false,
        };
        let mut next = self
            .apply(
                &mut write,
                &found,
                actor,
                ComplaintAction::Reply,
                Some(reply.clone()),
                false,
                Edit {
                    reply: Some(reply),
                    ..Edit::default()
                },
            )
            .await?;
        notify_complainant(&mut write, &next, ComplaintAction::Reply).await?;
        if let Some(staff) = next.staff_id
            && found.first_replied_at.is_none()
            && let Some(record) = staff_record::Entity::find_by_id(staff)
                .one(write.txn())
                .await?
        {
            let praise = next.kind == ComplaintKind::Praise.as_str();
            if praise && next.praise_entry_id.is_none() && record.user_id != me {
                let proposal = propose_in(
                    &mut write,
                    me,
                    NewLedgerEntry {
                        staff_id: staff,
                        kind: LedgerKind::Commendation,
                        amount: None,
                        reason: format!("Praised by a resident: {}", next.title),
                        source: Some((LedgerSourceKind::Complaint, next.id)),
                        suspension: None,
                    },
                )
                .await?;
                // Recorded on the row without another step: the reply's version stands.
                complaint::Entity::update_many()
                    .col_expr(complaint::Column::PraiseEntryId, Expr::value(proposal.id))
                    .filter(complaint::Column::Id.eq(next.id))
                    .exec(write.txn())
                    .await?;
                next.praise_entry_id = Some(proposal.id);
            }
            let title = if praise {
                "A resident's praise of you was answered"
            } else {
                "A complaint about you was answered"
            };
            notify_staff(&mut write, &[record.user_id], &next, title).await?;
        }
        write.commit().await?;
        Ok(next)
    }

    /// Closes a replied complaint (its handler or a manager).
    pub async fn close(
        &self,
        scope: &Scope,
        id: Uuid,
        note: Option<String>,
        v: Option<i32>,
    ) -> AppResult<complaint::Model> {
        self.act(
            scope,
            id,
            v,
            ComplaintAction::Close,
            note,
            false,
            After::Nothing,
            |_, rel, _| {
                require(rel.handles(), HANDLERS_ONLY)?;
                Ok(Edit {
                    closed: true,
                    ..Edit::default()
                })
            },
        )
        .await
    }

    /// The complainant reopens the complaint once, within the window after the reply.
    pub async fn reopen(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: Option<String>,
        v: Option<i32>,
    ) -> AppResult<complaint::Model> {
        let window = self.reopen_window();
        let next = self
            .act(
                scope,
                id,
                v,
                ComplaintAction::Reopen,
                reason,
                false,
                After::TellHandling("A complaint was reopened"),
                |found, rel, now| {
                    require(rel.complainant, "only the complainant reopens a complaint")?;
                    flow::next(
                        ComplaintStatus::from_stored(&found.status)?,
                        ComplaintAction::Reopen,
                    )?;
                    if found.reopen_count >= 1 {
                        return Err(AppError::InvalidState(
                            "a complaint is reopened once: appeal to the supervisors instead"
                                .to_owned(),
                        ));
                    }
                    within_window(found, now, window, "reopened")?;
                    Ok(Edit {
                        reopened: true,
                        ..Edit::default()
                    })
                },
            )
            .await?;
        Ok(next)
    }

    /// The complainant appeals to the supervisors, once, within the window after the reply.
    pub async fn appeal(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: String,
        v: Option<i32>,
    ) -> AppResult<complaint::Model> {
        let window = self.reopen_window();
        let note = reason.clone();
        let next = self
            .act(
                scope,
                id,
                v,
                ComplaintAction::Appeal,
                Some(note),
                false,
                After::TellSupervisors,
                |found, rel, now| {
                    require(rel.complainant, "only the complainant appeals a complaint")?;
                    flow::next(
                        ComplaintStatus::from_stored(&found.status)?,
                        ComplaintAction::Appeal,
                    )?;
                    if found.appealed_at.is_some() {
                        return Err(AppError::InvalidState(
                            "a complaint is appealed once".to_owned(),
                        ));
                    }
                    within_window(found, now, window, "appealed")?;
                    Ok(Edit {
                        appeal: Some(reason),
                        ..Edit::default()
                    })
                },
            )
            .await?;
        Ok(next)
    }

    /// The complainant rates the handling once, after the reply.
    pub async fn rate(
        &self,
        scope: &Scope,
        id: Uuid,
        score: i32,
        comment: Option<String>,
    ) -> AppResult<complaint::Model> {
        let score = i16::try_from(score)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .ok_or_else(|| AppError::bad_input("input.score", "must be between 1 and 5"))?;
        let note = Some(match &comment {
            Some(comment) => format!("{score}/5: {comment}"),
            None => format!("{score}/5"),
        });
        let next = self
            .act(
                scope,
                id,
                None,
                ComplaintAction::Rate,
                note,
                false,
                After::TellHandling("The complainant rated the handling"),
                |found, rel, _| {
                    require(rel.complainant, "only the complainant rates the handling")?;
                    flow::next(
                        ComplaintStatus::from_stored(&found.status)?,
                        ComplaintAction::Rate,
                    )?;
                    if found.rating.is_some() {
                        return Err(AppError::Conflict {
                            field: None,
                            message: "this complaint's handling is rated already".to_owned(),
                        });
                    }
                    Ok(Edit {
                        rating: Some((score, comment)),
                        ..Edit::default()
                    })
                },
            )
            .await?;
        Ok(next)
    }

    /// Adds a note: the handling staff and supervisors may write internal ones (never shown to
    /// the complainant or the staff member concerned); the complainant writes visible ones.
    pub async fn note(
        &self,
        scope: &Scope,
        id: Uuid,
        body: String,
        internal: bool,
    ) -> AppResult<(complaint::Model, complaint_entry::Model)> {
        let me = scope.require_user()?;
        prepare(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let (found, rel) = self.for_change(&write, scope, id, None).await?;
        let staff_side = rel.handles() || rel.supervisor;
        if internal && !staff_side {
            return Err(AppError::Forbidden(
                "internal notes are written by the handling staff".to_owned(),
            ));
        }
        require(
            staff_side || rel.complainant,
            "notes are written by the complainant and the handling staff",
        )?;
        let status = ComplaintStatus::from_stored(&found.status)?;
        let actor = Actor {
            user: Some(me),
            complainant: rel.complainant,
        };
        let entry = entry(
            &found,
            actor,
            ComplaintAction::Note,
            Some(status),
            Some(body),
            internal,
            write.now(),
        );
        record(&mut write, &found, entry.clone()).await?;
        if rel.complainant {
            self.notify_handling(&mut write, &found, "The complainant added a note")
                .await?;
        } else if !internal {
            notify_complainant(&mut write, &found, ComplaintAction::Note).await?;
        }
        write.commit().await?;
        Ok((found, entry))
    }

    /// Tells the handler and the building's managers (never the staff member concerned).
    async fn notify_handling(
        &self,
        write: &mut Write<'_>,
        found: &complaint::Model,
        title: &str,
    ) -> AppResult<()> {
        let mut people = managers_of(write.txn(), found).await?;
        if let Some(handler) = found.handler_id
            && let Some(record) = staff_record::Entity::find_by_id(handler)
                .one(write.txn())
                .await?
        {
            people.push(record.user_id);
        }
        notify_staff(write, &people, found, title).await
    }

    /// The deadline sweep: reminders before the acknowledgement and reply deadlines (to the
    /// handler and the building's managers), escalations after them (to the managers), each
    /// claimed by a conditional update so it goes out once across instances; and the closing
    /// of replied complaints whose reopen window has passed.
    pub async fn sweep(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let settings = self.state.config.complaints;
        let remind = chrono_of(settings.remind_before);
        let candidates = complaint::Entity::find()
            .filter(complaint::Column::Status.is_in(OPEN.iter().map(|s| s.as_str())))
            .filter(
                sea_orm::Condition::any()
                    .add(complaint::Column::AckEscalatedAt.is_null())
                    .add(complaint::Column::ReplyEscalatedAt.is_null()),
            )
            .all(self.db())
            .await?;
        let mut done = 0;
        for found in candidates {
            let unacknowledged = found.acknowledged_at.is_none();
            let checks = [
                (
                    unacknowledged
                        && found.ack_reminded_at.is_none()
                        && now >= found.ack_due_at - remind,
                    complaint::Column::AckRemindedAt,
                    "to be acknowledged soon",
                    false,
                ),
                (
                    unacknowledged && found.ack_escalated_at.is_none() && now > found.ack_due_at,
                    complaint::Column::AckEscalatedAt,
                    "not acknowledged in time",
                    true,
                ),
                (
                    found.reply_reminded_at.is_none() && now >= found.reply_due_at - remind,
                    complaint::Column::ReplyRemindedAt,
                    "to be replied to soon",
                    false,
                ),
                (
                    found.reply_escalated_at.is_none() && now > found.reply_due_at,
                    complaint::Column::ReplyEscalatedAt,
                    "not replied to in time",
                    true,
                ),
            ];
            for (due, flag, what, escalation) in checks {
                if !due {
                    continue;
                }
                let mut write = Write::begin(self.state).await?;
                let mut claim = complaint::Entity::update_many()
                    .col_expr(flag, Expr::value(now))
                    .filter(complaint::Column::Id.eq(found.id))
                    .filter(complaint::Column::Version.eq(found.version))
                    .filter(flag.is_null());
                if matches!(
                    flag,
                    complaint::Column::AckRemindedAt | complaint::Column::AckEscalatedAt
                ) {
                    claim = claim.filter(complaint::Column::AcknowledgedAt.is_null());
                }
                if claim.exec(write.txn()).await?.rows_affected != 1 {
                    // Another instance claimed it, or the complaint moved on meanwhile.
                    continue;
                }
                let mut people = managers_of(write.txn(), &found).await?;
                if !escalation
                    && let Some(handler) = found.handler_id
                    && let Some(record) = staff_record::Entity::find_by_id(handler)
                        .one(write.txn())
                        .await?
                {
                    people.push(record.user_id);
                }
                notify_staff(
                    &mut write,
                    &people,
                    &found,
                    &format!("A complaint is {what}"),
                )
                .await?;
                write.commit().await?;
                done += 1;
            }
        }
        // Replied, and the window to reopen or appeal has passed: closed by the system.
        let window = chrono_of(settings.reopen_window);
        let expired = complaint::Entity::find()
            .filter(complaint::Column::Status.eq(ComplaintStatus::Replied.as_str()))
            .filter(complaint::Column::RepliedAt.lt(now - window))
            .all(self.db())
            .await?;
        for found in expired {
            let mut write = Write::begin(self.state).await?;
            match self
                .apply(
                    &mut write,
                    &found,
                    Actor::system(),
                    ComplaintAction::Close,
                    Some("closed: the window to reopen or appeal has passed".to_owned()),
                    false,
                    Edit {
                        closed: true,
                        ..Edit::default()
                    },
                )
                .await
            {
                Ok(next) => {
                    notify_complainant(&mut write, &next, ComplaintAction::Close).await?;
                    write.commit().await?;
                    done += 1;
                }
                // Another instance (or the complainant) changed it first.
                Err(err) if err.code() == crate::error::ErrorCode::Conflict => {}
                Err(err) => return Err(err),
            }
        }
        Ok(done)
    }
}

/// What else a step tells, in its own write.
enum After {
    Nothing,
    /// The handler and the building's managers, with this title.
    TellHandling(&'static str),
    /// The supervisors and the building's managers (an appeal).
    TellSupervisors,
}

const HANDLERS_ONLY: &str =
    "only the complaint's handler, the building's managers and administrators handle it";

/// A `std` duration as a `chrono` one (configuration is validated to fit).
fn chrono_of(duration: std::time::Duration) -> Duration {
    Duration::from_std(duration).unwrap_or(Duration::MAX)
}

fn within_window(
    found: &complaint::Model,
    now: DateTime<Utc>,
    window: Duration,
    what: &str,
) -> AppResult<()> {
    match found.replied_at {
        Some(at) if now <= at + window => Ok(()),
        Some(at) => Err(AppError::InvalidState(format!(
            "the window to have a complaint {what} ended at {}",
            (at + window).to_rfc3339()
        ))),
        None => Err(AppError::InvalidState(format!(
            "a complaint is {what} after its reply"
        ))),
    }
}

/// Counts one submission against the user's 24-hour quota, in the submission's own
/// transaction: one upsert that starts a new window when the old one has passed. Its row lock
/// orders parallel submissions, and a refusal rolls the whole submission back.
async fn take_quota(
    write: &Write<'_>,
    user: Uuid,
    now: DateTime<Utc>,
    limit: u32,
) -> AppResult<()> {
    let txn = write.txn();
    let backend = txn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO complaint_quota (user_id, window_started_at, used) VALUES ($1, $2, 1) \
             ON CONFLICT (user_id) DO UPDATE SET \
             used = CASE WHEN complaint_quota.window_started_at <= $3 THEN 1 \
                    ELSE complaint_quota.used + 1 END, \
             window_started_at = CASE WHEN complaint_quota.window_started_at <= $3 THEN $2 \
                    ELSE complaint_quota.window_started_at END \
             RETURNING used, window_started_at"
        }
        _ => {
            "INSERT INTO complaint_quota (user_id, window_started_at, used) VALUES (?1, ?2, 1) \
             ON CONFLICT (user_id) DO UPDATE SET \
             used = CASE WHEN complaint_quota.window_started_at <= ?3 THEN 1 \
                    ELSE complaint_quota.used + 1 END, \
             window_started_at = CASE WHEN complaint_quota.window_started_at <= ?3 THEN ?2 \
                    ELSE complaint_quota.window_started_at END \
             RETURNING used, window_started_at"
        }
    };
    let window = Duration::hours(24);
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [user.into(), now.into(), (now - window).into()],
        ))
        .await?
        .ok_or_else(|| AppError::internal("the complaint quota returned no row"))?;
    let used: i32 = row.try_get("", "used")?;
    let started: DateTime<Utc> = row.try_get("", "window_started_at")?;
    if u32::try_from(used).unwrap_or(u32::MAX) > limit {
        let wait = Ord::max((started + window - now).num_seconds(), 1);
        return Err(AppError::RateLimited {
            retry_after_secs: u64::try_from(wait).unwrap_or(1),
        });
    }
    Ok(())
}

/// Loads the viewer's facets before a write begins (inside it they would need a second
/// connection while the first holds the write lock).
async fn prepare(scope: &Scope) -> AppResult<()> {
    scope.resident().await?;
    scope.staff().await?;
    scope
        .facet::<crate::domains::supervision::access::Supervision>()
        .await?;
    Ok(())
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
        message: "the complaint changed meanwhile; reload it and try again".to_owned(),
    }
}

fn entry(
    found: &complaint::Model,
    actor: Actor,
    action: ComplaintAction,
    from: Option<ComplaintStatus>,
    note: Option<String>,
    internal: bool,
    at: DateTime<Utc>,
) -> complaint_entry::Model {
    complaint_entry::Model {
        id: Uuid::now_v7(),
        complaint_id: found.id,
        // The anonymous complainant's own steps name no one.
        actor_id: actor
            .user
            .filter(|_| !(actor.complainant && found.anonymous)),
        by_complainant: actor.complainant,
        action: action.as_str().to_owned(),
        from_status: from.map(|s| s.as_str().to_owned()),
        to_status: found.status.clone(),
        note,
        internal,
        at,
    }
}

/// Writes the timeline entry and queues the live event, in `write`. The event never carries an
/// anonymous complainant's id.
async fn record(
    write: &mut Write<'_>,
    found: &complaint::Model,
    entry: complaint_entry::Model,
) -> AppResult<()> {
    complaint_entry::Entity::insert(complaint_entry::ActiveModel::from(entry.clone()))
        .exec_without_returning(write.txn())
        .await?;
    let mut complaint = found.clone();
    if complaint.anonymous {
        complaint.complainant_id = Uuid::nil();
    }
    let change = Change { complaint, entry };
    write.event(
        Topic::Complaints,
        CHANGED,
        serde_json::to_value(&change).map_err(AppError::internal)?,
    );
    Ok(())
}

/// The users of the active managers serving the complaint's building, but never the staff
/// member it is about.
async fn managers_of<C: ConnectionTrait>(db: &C, found: &complaint::Model) -> AppResult<Vec<Uuid>> {
    let serving: Vec<Uuid> = staff_building::Entity::find()
        .select_only()
        .column(staff_building::Column::StaffId)
        .filter(staff_building::Column::BuildingId.eq(found.building_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(staff_record::Entity::find()
        .filter(staff_record::Column::Id.is_in(serving))
        .filter(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
        .filter(staff_record::Column::Status.eq(crate::domains::estate::access::ACTIVE_STAFF))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| Some(r.id) != found.staff_id)
        .map(|r| r.user_id)
        .collect())
}

/// The users holding the `SUPERVISOR` role: they answer appeals, with the chair of the
/// building's supervision group.
async fn supervisors<C: ConnectionTrait>(db: &C) -> AppResult<Vec<Uuid>> {
    Ok(user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .filter(user_role::Column::Role.eq(Role::Supervisor.as_str()))
        .into_tuple()
        .all(db)
        .await?)
}

/// Tells the complainant of a step on their complaint (their inbox, category `COMPLAINT`).
async fn notify_complainant(
    write: &mut Write<'_>,
    found: &complaint::Model,
    action: ComplaintAction,
) -> AppResult<()> {
    let title = match action {
        ComplaintAction::Note => "A new note on your complaint".to_owned(),
        _ => format!("Your complaint was {}", action.past_tense()),
    };
    Notifier::notify(
        write,
        [found.complainant_id],
        &Draft {
            category: NotificationCategory::Complaint,
            priority: NotificationPriority::Normal,
            kind: action.as_str().to_owned(),
            title,
            text: found.title.clone(),
            subject: SubjectRef {
                kind: SUBJECT,
                id: found.id,
            },
        },
    )
    .await?;
    Ok(())
}

/// Tells staff about a complaint; the text names the complaint, never the complainant.
async fn notify_staff(
    write: &mut Write<'_>,
    users: &[Uuid],
    found: &complaint::Model,
    title: &str,
) -> AppResult<()> {
    let users: BTreeSet<Uuid> = users.iter().copied().collect();
    if users.is_empty() {
        return Ok(());
    }
    Notifier::notify(
        write,
        users,
        &Draft {
            category: NotificationCategory::Complaint,
            priority: NotificationPriority::Important,
            kind: "STAFF".to_owned(),
            title: title.to_owned(),
            text: found.title.clone(),
            subject: SubjectRef {
                kind: SUBJECT,
                id: found.id,
            },
        },
    )
    .await?;
    Ok(())
}
