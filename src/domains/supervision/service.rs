//! Supervision rules and transactions: group membership, plans, inspections and their
//! completion.
//!
//! Every change runs in one [`Write`]. The viewer's facets and every check that reads the
//! database run before the write begins; the write then holds only the change, its event and
//! its notifications. Completion is claimed by a conditional update on the inspection's status
//! and version, so of two completions one wins and the other gets `INVALID_STATE`, and a failure
//! anywhere (a finding's rectification or work order) writes nothing at all.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Query,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::{Relation, Supervision, View, in_term, relation, visible},
    types::{
        FindingSeverity, InspectionAction, InspectionArea, InspectionKind, InspectionStatus,
        MemberRole, SupervisionGroup, SupervisionMember,
    },
};
use crate::{
    app::AppState,
    domains::{
        estate::access::{
            ACTIVE_STAFF, Scope, StaffOversight, current_residency, units_of_building,
        },
        estate::types::StaffPost,
        rectifications::{
            service::{NewRectification, open as open_rectification},
            types::RectificationSource,
        },
        work_orders::{
            service::{OpenedElsewhere, open_in as open_work_order},
            types::WorkOrderChannel,
        },
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
    building, inspection, inspection_finding, inspection_plan, inspection_plan_item,
    inspection_score, residency, service_category, staff_building, staff_record,
    supervision_member, user,
};

/// Event kind of every inspection change on [`Topic::Supervision`].
pub const CHANGED: &str = "INSPECTION_CHANGED";
/// Notification subject type of an inspection.
pub const SUBJECT: &str = "INSPECTION";

/// The payload of a [`CHANGED`] event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    /// What happened (`SCHEDULED`, `STARTED`, `COMPLETED`, `CANCELLED`).
    pub action: String,
    /// The inspection as committed.
    pub inspection: inspection::Model,
    /// The findings recorded by a completion.
    pub findings: Vec<inspection_finding::Model>,
    /// Who acted.
    pub actor_id: Option<Uuid>,
}

/// A membership to add, its fields already well-formed.
pub struct NewMember {
    /// The building whose group it is.
    pub building_id: Uuid,
    /// The member's user.
    pub user_id: Uuid,
    /// Their role.
    pub role: MemberRole,
    /// First day (today when not given).
    pub term_from: Option<NaiveDate>,
    /// First day they no longer count.
    pub term_until: Option<NaiveDate>,
}

/// A plan item as given.
pub struct NewItem {
    /// Area.
    pub area: InspectionArea,
    /// Title.
    pub title: String,
    /// Weight.
    pub weight: i32,
}

/// A plan to create, checked (weights sum to 100).
pub struct NewPlan {
    /// Name.
    pub name: String,
    /// Items, in order.
    pub items: Vec<NewItem>,
    /// The version it replaces (and retires).
    pub replaces: Option<Uuid>,
}

/// An inspection to schedule.
pub struct NewInspection {
    /// Building.
    pub building_id: Uuid,
    /// Plan.
    pub plan_id: Uuid,
    /// Announced in advance to the building's staff.
    pub announced: bool,
    /// When.
    pub scheduled_at: DateTime<Utc>,
    /// The inspector's user id (the caller when not given).
    pub inspector_id: Option<Uuid>,
}

/// One item's score as given.
pub struct NewScore {
    /// The plan item.
    pub item_id: Uuid,
    /// Points, 0..=weight.
    pub score: i32,
    /// Note.
    pub note: Option<String>,
}

/// One finding as given.
pub struct NewFinding {
    /// The plan item.
    pub item_id: Uuid,
    /// What was found.
    pub note: String,
    /// How serious.
    pub severity: FindingSeverity,
    /// The staff record responsible.
    pub responsible_staff_id: Uuid,
    /// Whether a work order is needed.
    pub needs_work: bool,
    /// The work order's catalogue category (required with `needs_work`).
    pub work_category_id: Option<Uuid>,
    /// The rectification's due time (by severity when not given).
    pub due_at: Option<DateTime<Utc>>,
    /// The corrective action, if known.
    pub corrective_action: Option<String>,
}

/// A completion as given.
pub struct Completion {
    /// The inspection.
    pub id: Uuid,
    /// Every item's score.
    pub scores: Vec<NewScore>,
    /// Findings.
    pub findings: Vec<NewFinding>,
    /// Summary.
    pub summary: Option<String>,
}

/// Supervision rules over the application state.
pub struct SupervisionService<'a> {
    state: &'a AppState,
}

impl<'a> SupervisionService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        SupervisionService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    // ---- groups ----

    /// `building`'s group as the viewer may see it (overseers, members, its staff and its
    /// residents); `NOT_FOUND` otherwise.
    pub async fn group(&self, scope: &Scope, building_id: Uuid) -> AppResult<SupervisionGroup> {
        scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        let exists = building::Entity::find_by_id(building_id)
            .one(self.db())
            .await?
            .is_some();
        if !exists || !facet.sees_group(building_id) {
            return Err(AppError::NotFound("building"));
        }
        let rows = supervision_member::Entity::find()
            .filter(supervision_member::Column::BuildingId.eq(building_id))
            .order_by_asc(supervision_member::Column::Id)
            .all(self.db())
            .await?;
        let reps: Vec<Uuid> = rows
            .iter()
            .filter(|m| m.role == MemberRole::Resident.as_str())
            .map(|m| m.user_id)
            .collect();
        let living = living_in(self.db(), building_id, reps, scope.today()).await?;
        let today = scope.today();
        let members = rows
            .into_iter()
            .map(|model| SupervisionMember {
                current: in_term(&model, today)
                    && (model.role != MemberRole::Resident.as_str()
                        || living.contains(&model.user_id)),
                model,
            })
            .collect();
        Ok(SupervisionGroup {
            building_id,
            members,
        })
    }

    /// Appoints a member (administrators and supervisors). A staff member needs an active
    /// staff record; a resident representative must live in the building now; a chair is
    /// either. One membership per person at a time, and one chair.
    pub async fn add_member(
        &self,
        scope: &Scope,
        new: NewMember,
    ) -> AppResult<supervision_member::Model> {
        let me = scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        if !facet.manages {
            return Err(AppError::Forbidden(
                "administrators and supervisors manage supervision groups".to_owned(),
            ));
        }
        let today = scope.today();
        let from = new.term_from.unwrap_or(today);
        building::Entity::find_by_id(new.building_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.buildingId", "building"))?;
        user::Entity::find_by_id(new.user_id)
            .one(self.db())
            .await?
            .filter(|u| u.status == "ACTIVE")
            .ok_or_else(|| AppError::unknown_id("input.userId", "user"))?;
        let staff = staff_record::Entity::find()
            .filter(staff_record::Column::UserId.eq(new.user_id))
            .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
            .one(self.db())
            .await?;
        let lives_here = living_in(self.db(), new.building_id, vec![new.user_id], today)
            .await?
            .contains(&new.user_id);
        let staff_id = match new.role {
            MemberRole::Staff => Some(staff.map(|s| s.id).ok_or_else(|| {
                AppError::bad_input("input.userId", "has no active staff record")
            })?),
            MemberRole::Resident => {
                if !lives_here {
                    return Err(AppError::bad_input(
                        "input.userId",
                        "does not live in this building: resident representatives are \
                         residents of the building",
                    ));
                }
                None
            }
            MemberRole::Chair => {
                if staff.is_none() && !lives_here {
                    return Err(AppError::bad_input(
                        "input.userId",
                        "a chair is a staff member or a resident of the building",
                    ));
                }
                staff.map(|s| s.id)
            }
        };
        let rows = supervision_member::Entity::find()
            .filter(supervision_member::Column::BuildingId.eq(new.building_id))
            .all(self.db())
            .await?;
        let overlaps = |m: &supervision_member::Model| {
            m.term_until.is_none_or(|until| from < until)
                && new.term_until.is_none_or(|until| m.term_from < until)
        };
        if rows.iter().any(|m| m.user_id == new.user_id && overlaps(m)) {
            return Err(AppError::Conflict {
                field: Some("input.userId".to_owned()),
                message: "is already a member of this group for part of that term".to_owned(),
            });
        }
        if new.role == MemberRole::Chair
            && rows
                .iter()
                .any(|m| m.role == MemberRole::Chair.as_str() && overlaps(m))
        {
            return Err(AppError::Conflict {
                field: Some("input.role".to_owned()),
                message: "the group has a chair for part of that term; end that term first"
                    .to_owned(),
            });
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let model = supervision_member::Model {
            id: Uuid::now_v7(),
            building_id: new.building_id,
            user_id: new.user_id,
            role: new.role.as_str().to_owned(),
            staff_id,
            term_from: from,
            term_until: new.term_until,
            appointed_by: Some(me),
            created_at: now,
            updated_at: now,
        };
        supervision_member::Entity::insert(supervision_member::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        write.access_changed(&[new.user_id])?;
        write.commit().await?;
        Ok(model)
    }

    /// Ends a membership (administrators and supervisors): it no longer counts from `until`
    /// (today when not given). A term only shortens.
    pub async fn end_member(
        &self,
        scope: &Scope,
        id: Uuid,
        until: Option<NaiveDate>,
    ) -> AppResult<supervision_member::Model> {
        scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        if !facet.manages {
            return Err(AppError::Forbidden(
                "administrators and supervisors manage supervision groups".to_owned(),
            ));
        }
        let member = supervision_member::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "supervision group member"))?;
        let until = until.unwrap_or(scope.today());
        if member.term_until.is_some_and(|t| t <= until) {
            return Err(AppError::InvalidState(
                "the term already ends by then".to_owned(),
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let updated = supervision_member::Entity::update_many()
            .set(supervision_member::ActiveModel {
                term_until: Set(Some(until)),
                updated_at: Set(now),
                ..Default::default()
            })
            .filter(supervision_member::Column::Id.eq(id))
            .filter(supervision_member::Column::UpdatedAt.eq(member.updated_at))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: Some("input.id".to_owned()),
                message: "the membership changed meanwhile; reload it".to_owned(),
            });
        }
        write.access_changed(&[member.user_id])?;
        write.commit().await?;
        Ok(supervision_member::Model {
            term_until: Some(until),
            updated_at: now,
            ..member
        })
    }

    // ---- plans ----

    /// Plans, newest first: overseers, group members and active staff.
    pub async fn plans(
        &self,
        scope: &Scope,
        include_retired: bool,
        page: &PageRequest,
    ) -> AppResult<Page<inspection_plan::Model>> {
        scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        if !facet.reads_plans() {
            return Err(AppError::Forbidden(
                "inspection plans are for the supervision group and staff".to_owned(),
            ));
        }
        let mut query = inspection_plan::Entity::find();
        if !include_retired {
            query = query.filter(inspection_plan::Column::RetiredAt.is_null());
        }
        Keyset::<inspection_plan::Entity>::new()
            .desc(inspection_plan::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One plan, for those who read plans; `NOT_FOUND` otherwise.
    pub async fn plan(&self, scope: &Scope, id: Uuid) -> AppResult<inspection_plan::Model> {
        scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        if !facet.reads_plans() {
            return Err(AppError::NotFound("inspection plan"));
        }
        inspection_plan::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("inspection plan"))
    }

    /// Makes a plan (administrators and supervisors); with `replaces`, a new version of that
    /// plan, which retires it.
    pub async fn create_plan(
        &self,
        scope: &Scope,
        new: NewPlan,
    ) -> AppResult<inspection_plan::Model> {
        let me = scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        if !facet.manages {
            return Err(AppError::Forbidden(
                "administrators and supervisors make inspection plans".to_owned(),
            ));
        }
        let replaced = match new.replaces {
            Some(id) => {
                let old = inspection_plan::Entity::find_by_id(id)
                    .one(self.db())
                    .await?
                    .ok_or_else(|| AppError::unknown_id("input.replacesId", "inspection plan"))?;
                if old.retired_at.is_some() {
                    return Err(AppError::InvalidState(
                        "that plan version is retired already; revise its newest version"
                            .to_owned(),
                    ));
                }
                Some(old)
            }
            None => None,
        };
        let write = Write::begin(self.state).await?;
        let now = write.now();
        if let Some(old) = &replaced {
            let retired = inspection_plan::Entity::update_many()
                .set(inspection_plan::ActiveModel {
                    retired_at: Set(Some(now)),
                    ..Default::default()
                })
                .filter(inspection_plan::Column::Id.eq(old.id))
                .filter(inspection_plan::Column::RetiredAt.is_null())
                .exec(write.txn())
                .await?;
            if retired.rows_affected != 1 {
                return Err(AppError::Conflict {
                    field: Some("input.replacesId".to_owned()),
                    message: "that plan was revised meanwhile".to_owned(),
                });
            }
        }
        let plan = inspection_plan::Model {
            id: Uuid::now_v7(),
            name: new.name,
            version: replaced.as_ref().map_or(1, |old| old.version + 1),
            replaces_id: replaced.map(|old| old.id),
            retired_at: None,
            created_by: Some(me),
            created_at: now,
        };
        inspection_plan::Entity::insert(inspection_plan::ActiveModel::from(plan.clone()))
            .exec_without_returning(write.txn())
            .await?;
        inspection_plan_item::Entity::insert_many(new.items.into_iter().enumerate().map(
            |(position, item)| inspection_plan_item::ActiveModel {
                id: Set(Uuid::now_v7()),
                plan_id: Set(plan.id),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                area: Set(item.area.as_str().to_owned()),
                title: Set(item.title),
                weight: Set(item.weight),
            },
        ))
        .exec_without_returning(write.txn())
        .await?;
        write.commit().await?;
        Ok(plan)
    }

    // ---- inspections ----

    /// One inspection the viewer may see, with how they relate to it; `NOT_FOUND` otherwise.
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<(inspection::Model, Relation)> {
        scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        let model = inspection::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("inspection"))?;
        let rel = relation(&facet, &model);
        if rel.view == View::None {
            return Err(AppError::NotFound("inspection"));
        }
        Ok((model, rel))
    }

    /// The inspections among `ids` the viewer may see (one statement): notification subjects.
    pub async fn visible_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<Vec<(inspection::Model, Relation)>> {
        let ids: HashSet<Uuid> = ids.into_iter().collect();
        if ids.is_empty() || scope.user_id.is_none() {
            return Ok(Vec::new());
        }
        let facet = scope.facet::<Supervision>().await?;
        let mut query = inspection::Entity::find().filter(inspection::Column::Id.is_in(ids));
        if let Some(condition) = visible(&facet) {
            query = query.filter(condition);
        }
        Ok(query
            .all(self.db())
            .await?
            .into_iter()
            .map(|model| {
                let rel = relation(&facet, &model);
                (model, rel)
            })
            .filter(|(_, rel)| rel.view != View::None)
            .collect())
    }

    /// The inspections the viewer may see, newest first, filtered; each with its view.
    pub async fn list(
        &self,
        scope: &Scope,
        building: Option<Uuid>,
        statuses: Option<Vec<InspectionStatus>>,
        kind: Option<InspectionKind>,
        page: &PageRequest,
    ) -> AppResult<Page<(inspection::Model, View)>> {
        scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        let mut query = inspection::Entity::find();
        if let Some(condition) = visible(&facet) {
            query = query.filter(condition);
        }
        if let Some(building) = building {
            query = query.filter(inspection::Column::BuildingId.eq(building));
        }
        if let Some(statuses) = statuses {
            query =
                query.filter(inspection::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
        }
        if let Some(kind) = kind {
            query = query.filter(inspection::Column::Kind.eq(kind.as_str()));
        }
        let page = Keyset::<inspection::Entity>::new()
            .desc(inspection::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        Ok(page.map(|model| {
            let view = relation(&facet, &model).view;
            (model, view)
        }))
    }

    /// Schedules an inspection (administrators, supervisors, the group's chair). The inspector
    /// (the caller when not named) must be a current member of the building's group. An
    /// announced one is told to the building's staff at once; an unannounced one to nobody but
    /// its inspector.
    pub async fn create_inspection(
        &self,
        scope: &Scope,
        new: NewInspection,
    ) -> AppResult<inspection::Model> {
        let me = scope.require_user()?;
        let facet = scope.facet::<Supervision>().await?;
        let now = self.state.clock.now();
        building::Entity::find_by_id(new.building_id)
            .one(self.db())
            .await?
            .filter(|_| facet.sees_group(new.building_id))
            .ok_or_else(|| AppError::unknown_id("input.buildingId", "building"))?;
        if !facet.schedules(new.building_id) {
            return Err(AppError::Forbidden(
                "administrators, supervisors and the group's chair schedule inspections".to_owned(),
            ));
        }
        let mut check = Checks::new();
        match inspection_plan::Entity::find_by_id(new.plan_id)
            .one(self.db())
            .await?
        {
            None => check.add(AppError::unknown_id("input.planId", "inspection plan")),
            Some(plan) => check.rule(
                plan.retired_at.is_none(),
                "input.planId",
                "is retired: schedule against its newest version",
            ),
        }
        check.rule(
            new.scheduled_at >= now - Duration::days(1),
            "input.scheduledAt",
            "must not be more than a day in the past",
        );
        let inspector = new.inspector_id.unwrap_or(me);
        let members = current_members(self.db(), new.building_id, scope.today()).await?;
        check.rule(
            members.contains_key(&inspector),
            "input.inspectorId",
            if new.inspector_id.is_some() {
                "is not a current member of this building's supervision group"
            } else {
                "is required: you are not a current member of this building's supervision group"
            },
        );
        check.done()?;
        let staff_users = if new.announced {
            building_staff_users(self.db(), new.building_id).await?
        } else {
            Vec::new()
        };
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let kind = if new.announced {
            InspectionKind::Scheduled
        } else {
            InspectionKind::Unannounced
        };
        let model = inspection::Model {
            id: Uuid::now_v7(),
            building_id: new.building_id,
            plan_id: new.plan_id,
            kind: kind.as_str().to_owned(),
            status: InspectionStatus::Planned.as_str().to_owned(),
            scheduled_at: new.scheduled_at,
            inspector_id: inspector,
            created_by: Some(me),
            started_at: None,
            completed_at: None,
            total: None,
            summary: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        inspection::Entity::insert(inspection::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        record(
            &mut write,
            &model,
            InspectionAction::Scheduled,
            Vec::new(),
            Some(me),
        )?;
        let when = model.scheduled_at.format("%Y-%m-%d %H:%M UTC");
        if new.announced {
            let staff: Vec<Uuid> = staff_users
                .into_iter()
                .filter(|u| *u != inspector)
                .collect();
            notify(
                &mut write,
                staff,
                &model,
                "SCHEDULED",
                format!("A supervision inspection is scheduled for {when}"),
            )
            .await?;
        }
        if inspector != me {
            notify(
                &mut write,
                vec![inspector],
                &model,
                "INSPECTOR",
                format!("You are to inspect on {when}"),
            )
            .await?;
        }
        write.commit().await?;
        Ok(model)
    }

    /// The inspector begins.
    pub async fn start(&self, scope: &Scope, id: Uuid) -> AppResult<inspection::Model> {
        let me = scope.require_user()?;
        let (model, rel) = self
            .get(scope, id)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        self.require_inspector(scope, &model, rel).await?;
        if model.status != InspectionStatus::Planned.as_str() {
            return Err(AppError::InvalidState(format!(
                "the inspection is {}, not PLANNED",
                model.status
            )));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let next = inspection::Model {
            status: InspectionStatus::InProgress.as_str().to_owned(),
            started_at: Some(now),
            version: model.version + 1,
            updated_at: now,
            ..model.clone()
        };
        claim(&write, &model, &next, &[InspectionStatus::Planned]).await?;
        record(
            &mut write,
            &next,
            InspectionAction::Started,
            Vec::new(),
            Some(me),
        )?;
        write.commit().await?;
        Ok(next)
    }

    /// Calls an inspection off before completion (administrators, supervisors, the chair).
    pub async fn cancel(&self, scope: &Scope, id: Uuid) -> AppResult<inspection::Model> {
        let me = scope.require_user()?;
        let (model, rel) = self
            .get(scope, id)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        if !rel.schedules {
            return Err(AppError::Forbidden(
                "administrators, supervisors and the group's chair cancel inspections".to_owned(),
            ));
        }
        let open = [InspectionStatus::Planned, InspectionStatus::InProgress];
        if !open.iter().any(|s| s.as_str() == model.status) {
            return Err(AppError::InvalidState(format!(
                "the inspection is {} already",
                model.status
            )));
        }
        let staff_users = if model.kind == InspectionKind::Scheduled.as_str() {
            building_staff_users(self.db(), model.building_id).await?
        } else {
            Vec::new()
        };
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let next = inspection::Model {
            status: InspectionStatus::Cancelled.as_str().to_owned(),
            version: model.version + 1,
            updated_at: now,
            ..model.clone()
        };
        claim(&write, &model, &next, &open).await?;
        record(
            &mut write,
            &next,
            InspectionAction::Cancelled,
            Vec::new(),
            Some(me),
        )?;
        notify(
            &mut write,
            staff_users,
            &next,
            "CANCELLED",
            "A scheduled supervision inspection was called off".to_owned(),
        )
        .await?;
        write.commit().await?;
        Ok(next)
    }

    async fn require_inspector(
        &self,
        scope: &Scope,
        model: &inspection::Model,
        rel: Relation,
    ) -> AppResult<()> {
        if !rel.inspector {
            return Err(AppError::Forbidden(
                "only the inspection's inspector scores it".to_owned(),
            ));
        }
        let facet = scope.facet::<Supervision>().await?;
        if !facet.member(model.building_id) {
            return Err(AppError::Forbidden(
                "you are no longer a member of this building's supervision group".to_owned(),
            ));
        }
        Ok(())
    }

    /// Scores and completes an inspection, once (its inspector, while a member): every plan
    /// item scored 0..=weight, the total their sum; each finding opens a rectification and,
    /// where it needs work, a work order, all in one write. Completed or cancelled already:
    /// `INVALID_STATE`, nothing written.
    pub async fn complete(
        &self,
        scope: &Scope,
        completion: Completion,
    ) -> AppResult<inspection::Model> {
        let me = scope.require_user()?;
        let (model, rel) = self
            .get(scope, completion.id)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        self.require_inspector(scope, &model, rel).await?;
        let open = [InspectionStatus::Planned, InspectionStatus::InProgress];
        if !open.iter().any(|s| s.as_str() == model.status) {
            return Err(AppError::InvalidState(format!(
                "the inspection is {} already: it is scored once",
                model.status
            )));
        }
        let items: HashMap<Uuid, inspection_plan_item::Model> =
            inspection_plan_item::Entity::find()
                .filter(inspection_plan_item::Column::PlanId.eq(model.plan_id))
                .all(self.db())
                .await?
                .into_iter()
                .map(|item| (item.id, item))
                .collect();
        let mut check = Checks::new();
        let mut scored: HashMap<Uuid, &NewScore> = HashMap::new();
        for (i, score) in completion.scores.iter().enumerate() {
            match items.get(&score.item_id) {
                None => check.rule(
                    false,
                    &format!("input.scores[{i}].itemId"),
                    "is not an item of this inspection's plan",
                ),
                Some(item) => {
                    check.rule(
                        (0..=item.weight).contains(&score.score),
                        &format!("input.scores[{i}].score"),
                        &format!("must be between 0 and the item's weight, {}", item.weight),
                    );
                    check.rule(
                        scored.insert(item.id, score).is_none(),
                        &format!("input.scores[{i}].itemId"),
                        "scores an item twice",
                    );
                }
            }
        }
        let missing = items.keys().filter(|id| !scored.contains_key(id)).count();
        check.rule(
            missing == 0,
            "input.scores",
            &format!("must score every item of the plan ({missing} missing)"),
        );
        // Responsible staff: active records serving the building.
        let wanted: HashSet<Uuid> = completion
            .findings
            .iter()
            .map(|f| f.responsible_staff_id)
            .collect();
        let serving: HashMap<Uuid, staff_record::Model> = if wanted.is_empty() {
            HashMap::new()
        } else {
            staff_record::Entity::find()
                .filter(staff_record::Column::Id.is_in(wanted))
                .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
                .filter(
                    staff_record::Column::Id.in_subquery(
                        Query::select()
                            .column(staff_building::Column::StaffId)
                            .from(staff_building::Entity)
                            .and_where(staff_building::Column::BuildingId.eq(model.building_id))
                            .to_owned(),
                    ),
                )
                .all(self.db())
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect()
        };
        let categories: HashSet<Uuid> = {
            let wanted: HashSet<Uuid> = completion
                .findings
                .iter()
                .filter_map(|f| f.work_category_id)
                .collect();
            if wanted.is_empty() {
                HashSet::new()
            } else {
                service_category::Entity::find()
                    .select_only()
                    .column(service_category::Column::Id)
                    .filter(service_category::Column::Id.is_in(wanted))
                    .filter(service_category::Column::Active.eq(true))
                    .into_tuple::<Uuid>()
                    .all(self.db())
                    .await?
                    .into_iter()
                    .collect()
            }
        };
        let now = self.state.clock.now();
        for (i, finding) in completion.findings.iter().enumerate() {
            check.rule(
                items.contains_key(&finding.item_id),
                &format!("input.findings[{i}].itemId"),
                "is not an item of this inspection's plan",
            );
            check.rule(
                serving.contains_key(&finding.responsible_staff_id),
                &format!("input.findings[{i}].responsibleStaffId"),
                "is not an active staff member serving this building",
            );
            match finding.work_category_id {
                Some(category) => check.rule(
                    categories.contains(&category),
                    &format!("input.findings[{i}].workCategoryId"),
                    "names no active service category",
                ),
                None => check.rule(
                    !finding.needs_work,
                    &format!("input.findings[{i}].workCategoryId"),
                    "is required when the finding needs work",
                ),
            }
            if let Some(due) = finding.due_at {
                check.rule(
                    due > now,
                    &format!("input.findings[{i}].dueAt"),
                    "must be in the future",
                );
            }
        }
        check.done()?;
        // Building managers hear of the result.
        let managers = building_manager_users(self.db(), model.building_id).await?;

        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let mut scores: Vec<inspection_score::Model> = completion
            .scores
            .iter()
            .filter_map(|score| {
                items
                    .get(&score.item_id)
                    .map(|item| inspection_score::Model {
                        id: Uuid::now_v7(),
                        inspection_id: model.id,
                        item_id: item.id,
                        position: item.position,
                        area: item.area.clone(),
                        title: item.title.clone(),
                        weight: item.weight,
                        score: score.score,
                        note: score.note.clone(),
                    })
            })
            .collect();
        scores.sort_by_key(|s| s.position);
        let total = scores.iter().map(|s| s.score).sum::<i32>();
        let next = inspection::Model {
            status: InspectionStatus::Completed.as_str().to_owned(),
            started_at: model.started_at.or(Some(now)),
            completed_at: Some(now),
            total: Some(total),
            summary: completion.summary.clone(),
            version: model.version + 1,
            updated_at: now,
            ..model.clone()
        };
        // The claim comes first: a second completion waits here for the first to commit,
        // then finds nothing to claim.
        claim(&write, &model, &next, &open).await?;
        if !scores.is_empty() {
            inspection_score::Entity::insert_many(
                scores
                    .iter()
                    .cloned()
                    .map(inspection_score::ActiveModel::from),
            )
            .exec_without_returning(write.txn())
            .await?;
        }
        let mut findings = Vec::with_capacity(completion.findings.len());
        for (i, finding) in completion.findings.into_iter().enumerate() {
            let (Some(item), Some(staff)) = (
                items.get(&finding.item_id),
                serving.get(&finding.responsible_staff_id),
            ) else {
                continue;
            };
            let work_order_id = match (finding.needs_work, finding.work_category_id) {
                (true, Some(category_id)) => Some(
                    open_work_order(
                        &mut write,
                        OpenedElsewhere {
                            building_id: model.building_id,
                            location: format!("Inspection finding: {}", item.title)
                                .chars()
                                .take(200)
                                .collect(),
                            category_id,
                            requester_id: me,
                            channel: WorkOrderChannel::Inspection,
                            title: format!("Inspection: {}", item.title)
                                .chars()
                                .take(200)
                                .collect(),
                            description: finding.note.clone(),
                            asset_id: None,
                        },
                    )
                    .await
                    .map_err(|err| err.on_field(&format!("input.findings[{i}].workCategoryId")))?
                    .id,
                ),
                _ => None,
            };
            let rectification = open_rectification(
                &mut write,
                Some(me),
                NewRectification {
                    building_id: model.building_id,
                    source: RectificationSource::Inspection,
                    source_id: Some(model.id),
                    responsible_staff_id: staff.id,
                    problem: format!("{}: {}", item.title, finding.note),
                    corrective_action: finding.corrective_action.clone(),
                    due_at: finding
                        .due_at
                        .unwrap_or(now + Duration::days(finding.severity.due_days())),
                    work_order_id,
                },
            )
            .await
            .map_err(|err| err.on_field(&format!("input.findings[{i}].responsibleStaffId")))?;
            findings.push(inspection_finding::Model {
                id: Uuid::now_v7(),
                inspection_id: model.id,
                item_id: item.id,
                area: item.area.clone(),
                severity: finding.severity.as_str().to_owned(),
                note: finding.note,
                responsible_staff_id: staff.id,
                needs_work: finding.needs_work,
                work_order_id,
                rectification_id: rectification.id,
                created_at: now,
            });
        }
        if !findings.is_empty() {
            inspection_finding::Entity::insert_many(
                findings
                    .iter()
                    .cloned()
                    .map(inspection_finding::ActiveModel::from),
            )
            .exec_without_returning(write.txn())
            .await?;
        }
        record(
            &mut write,
            &next,
            InspectionAction::Completed,
            findings.clone(),
            Some(me),
        )?;
        let mut recipients: Vec<Uuid> = managers;
        for finding in &findings {
            if let Some(staff) = serving.get(&finding.responsible_staff_id) {
                recipients.push(staff.user_id);
            }
        }
        recipients.sort();
        recipients.dedup();
        recipients.retain(|u| *u != me);
        notify(
            &mut write,
            recipients,
            &next,
            "COMPLETED",
            format!(
                "Supervision inspection completed: {total}/100, {} finding(s)",
                findings.len()
            ),
        )
        .await?;
        write.commit().await?;
        Ok(next)
    }

    /// A staff member's inspection results, newest first: each completed inspection with
    /// findings they answer for. For those who may read the staff member's records (overseers,
    /// their managers, themselves); `NOT_FOUND` otherwise.
    pub async fn staff_results(
        &self,
        scope: &Scope,
        staff_id: Uuid,
    ) -> AppResult<
        Vec<(
            inspection::Model,
            Vec<inspection_finding::Model>,
            Vec<inspection_score::Model>,
        )>,
    > {
        scope.require_user()?;
        let oversight = scope.facet::<StaffOversight>().await?;
        if !oversight.sees(staff_id) {
            return Err(AppError::NotFound("staff record"));
        }
        let findings = inspection_finding::Entity::find()
            .filter(inspection_finding::Column::ResponsibleStaffId.eq(staff_id))
            .all(self.db())
            .await?;
        let ids: HashSet<Uuid> = findings.iter().map(|f| f.inspection_id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let inspections = inspection::Entity::find()
            .filter(inspection::Column::Id.is_in(ids.iter().copied()))
            .filter(inspection::Column::Status.eq(InspectionStatus::Completed.as_str()))
            .order_by_desc(inspection::Column::CompletedAt)
            .order_by_desc(inspection::Column::Id)
            .all(self.db())
            .await?;
        let scores = inspection_score::Entity::find()
            .filter(inspection_score::Column::InspectionId.is_in(ids))
            .all(self.db())
            .await?;
        Ok(inspections
            .into_iter()
            .map(|model| {
                let mine = findings
                    .iter()
                    .filter(|f| f.inspection_id == model.id)
                    .cloned()
                    .collect();
                let its = scores
                    .iter()
                    .filter(|s| s.inspection_id == model.id)
                    .cloned()
                    .collect();
                (model, mine, its)
            })
            .collect())
    }
}

/// Claims a change of `model` to `next`, conditional on its version and on its status being
/// one of `from`: of two concurrent changes one wins, the other gets `INVALID_STATE`.
async fn claim(
    write: &Write<'_>,
    model: &inspection::Model,
    next: &inspection::Model,
    from: &[InspectionStatus],
) -> AppResult<()> {
    let updated = inspection::Entity::update_many()
        .set(sea_orm::ActiveModelTrait::reset_all(
            inspection::ActiveModel::from(next.clone()),
        ))
        .filter(inspection::Column::Id.eq(model.id))
        .filter(inspection::Column::Version.eq(model.version))
        .filter(inspection::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec(write.txn())
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::InvalidState(
            "the inspection changed meanwhile (completed or cancelled by another request)"
                .to_owned(),
        ));
    }
    Ok(())
}

/// Queues the board event of a change.
fn record(
    write: &mut Write<'_>,
    model: &inspection::Model,
    action: InspectionAction,
    findings: Vec<inspection_finding::Model>,
    actor: Option<Uuid>,
) -> AppResult<()> {
    let change = Change {
        action: action.as_str().to_owned(),
        inspection: model.clone(),
        findings,
        actor_id: actor,
    };
    write.event(
        Topic::Supervision,
        CHANGED,
        serde_json::to_value(&change).map_err(AppError::internal)?,
    );
    Ok(())
}

async fn notify(
    write: &mut Write<'_>,
    users: Vec<Uuid>,
    model: &inspection::Model,
    kind: &str,
    title: String,
) -> AppResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    Notifier::notify(
        write,
        users,
        &Draft {
            category: NotificationCategory::Inspection,
            priority: NotificationPriority::Important,
            kind: kind.to_owned(),
            title,
            text: model.scheduled_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            subject: SubjectRef {
                kind: SUBJECT,
                id: model.id,
            },
        },
    )
    .await?;
    Ok(())
}

/// Of `users`, those who live in `building` on `today` (one statement).
async fn living_in<C: ConnectionTrait>(
    db: &C,
    building: Uuid,
    users: Vec<Uuid>,
    today: NaiveDate,
) -> AppResult<HashSet<Uuid>> {
    if users.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(residency::Entity::find()
        .select_only()
        .column(residency::Column::UserId)
        .filter(residency::Column::UserId.is_in(users))
        .filter(current_residency(today))
        .filter(residency::Column::UnitId.in_subquery(units_of_building(building)))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The users who count as members of `building`'s group on `today`, with their roles.
pub async fn current_members<C: ConnectionTrait>(
    db: &C,
    building: Uuid,
    today: NaiveDate,
) -> AppResult<HashMap<Uuid, HashSet<MemberRole>>> {
    let rows = supervision_member::Entity::find()
        .filter(supervision_member::Column::BuildingId.eq(building))
        .filter(super::access::in_term_condition(today))
        .all(db)
        .await?;
    let reps = rows
        .iter()
        .filter(|m| m.role == MemberRole::Resident.as_str())
        .map(|m| m.user_id)
        .collect();
    let living = living_in(db, building, reps, today).await?;
    let mut out: HashMap<Uuid, HashSet<MemberRole>> = HashMap::new();
    for row in rows {
        let Some(role) = MemberRole::parse(&row.role) else {
            continue;
        };
        if role == MemberRole::Resident && !living.contains(&row.user_id) {
            continue;
        }
        out.entry(row.user_id).or_default().insert(role);
    }
    Ok(out)
}

/// The users of the active staff serving `building`.
async fn building_staff_users<C: ConnectionTrait>(db: &C, building: Uuid) -> AppResult<Vec<Uuid>> {
    serving_users(db, building, None).await
}

/// The users of the active managers serving `building`.
async fn building_manager_users<C: ConnectionTrait>(
    db: &C,
    building: Uuid,
) -> AppResult<Vec<Uuid>> {
    serving_users(db, building, Some(StaffPost::Manager)).await
}

async fn serving_users<C: ConnectionTrait>(
    db: &C,
    building: Uuid,
    post: Option<StaffPost>,
) -> AppResult<Vec<Uuid>> {
    let mut query = staff_record::Entity::find()
        .select_only()
        .column(staff_record::Column::UserId)
        .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
        .filter(
            staff_record::Column::Id.in_subquery(
                Query::select()
                    .column(staff_building::Column::StaffId)
                    .from(staff_building::Entity)
                    .and_where(staff_building::Column::BuildingId.eq(building))
                    .to_owned(),
            ),
        );
    if let Some(post) = post {
        query = query.filter(staff_record::Column::Post.eq(post.as_str()));
    }
    Ok(query.into_tuple::<Uuid>().all(db).await?)
}
