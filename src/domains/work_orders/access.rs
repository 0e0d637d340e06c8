//! Who sees which work orders, in one place: the list condition and the per-order check used by
//! queries, mutations and every live event.
//!
//! | viewer | sees |
//! |---|---|
//! | administrator, supervisor | every order (supervisors read only) |
//! | manager (active `MANAGER` staff) | orders in the buildings they serve |
//! | staff | orders assigned to them or that they assist, and unassigned `SUBMITTED` orders they are eligible for |
//! | resident | orders they requested, and orders on the units they live in now |

use std::collections::HashSet;

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::types::WorkOrderStatus;
use crate::{
    domains::estate::{
        access::{Facet, Scope},
        types::StaffPost,
    },
    error::AppResult,
};
use entity::{service_category, staff_category, work_order, work_order_assistant};

/// The work-order facet of a staff viewer: what their record serves.
#[derive(Debug, Default)]
pub struct WorkStaff {
    /// The active staff record, if any.
    pub id: Option<Uuid>,
    /// Whether it is an active manager.
    pub manager: bool,
    /// Buildings served.
    pub buildings: HashSet<Uuid>,
    /// Catalogue categories whose group the record works in.
    pub categories: HashSet<Uuid>,
    /// Orders the record assists on.
    pub assisting: HashSet<Uuid>,
}

impl Facet for WorkStaff {
    async fn load(scope: &Scope) -> AppResult<WorkStaff> {
        let staff = scope.staff().await?;
        let (Some(id), true) = (staff.id, staff.active) else {
            return Ok(WorkStaff::default());
        };
        let groups: Vec<String> = staff_category::Entity::find()
            .select_only()
            .column(staff_category::Column::Category)
            .filter(staff_category::Column::StaffId.eq(id))
            .into_tuple()
            .all(scope.db())
            .await?;
        let categories = if groups.is_empty() {
            HashSet::new()
        } else {
            service_category::Entity::find()
                .select_only()
                .column(service_category::Column::Id)
                .filter(service_category::Column::GroupKind.is_in(groups))
                .into_tuple::<Uuid>()
                .all(scope.db())
                .await?
                .into_iter()
                .collect()
        };
        let assisting = work_order_assistant::Entity::find()
            .select_only()
            .column(work_order_assistant::Column::WorkOrderId)
            .filter(work_order_assistant::Column::StaffId.eq(id))
            .into_tuple::<Uuid>()
            .all(scope.db())
            .await?
            .into_iter()
            .collect();
        Ok(WorkStaff {
            id: Some(id),
            manager: staff.post.as_deref() == Some(StaffPost::Manager.as_str()),
            buildings: staff.served_buildings.clone(),
            categories,
            assisting,
        })
    }
}

/// The orders `scope` may see, as a condition; `None`: every order.
pub async fn visible(scope: &Scope) -> AppResult<Option<Condition>> {
    let me = scope.require_user()?;
    if scope.admin || scope.supervisor {
        return Ok(None);
    }
    let mut any = Condition::any().add(work_order::Column::RequesterId.eq(me));
    let resident = scope.resident().await?;
    if !resident.units.is_empty() {
        any = any.add(work_order::Column::UnitId.is_in(resident.units.iter().copied()));
    }
    let staff = scope.facet::<WorkStaff>().await?;
    if let Some(id) = staff.id {
        if staff.manager {
            any = any.add(work_order::Column::BuildingId.is_in(staff.buildings.iter().copied()));
        }
        any = any.add(work_order::Column::AssigneeId.eq(id));
        if !staff.assisting.is_empty() {
            any = any.add(work_order::Column::Id.is_in(staff.assisting.iter().copied()));
        }
        if !staff.buildings.is_empty() && !staff.categories.is_empty() {
            any = any.add(
                Condition::all()
                    .add(work_order::Column::Status.eq(WorkOrderStatus::Submitted.as_str()))
                    .add(work_order::Column::AssigneeId.is_null())
                    .add(work_order::Column::BuildingId.is_in(staff.buildings.iter().copied()))
                    .add(work_order::Column::CategoryId.is_in(staff.categories.iter().copied())),
            );
        }
    }
    Ok(Some(any))
}

/// How the viewer relates to one order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// May see it at all.
    pub sees: bool,
    /// Sees it as staff (internal comments, assignment reasons, costs).
    pub staff_view: bool,
    /// May dispatch it (assign, reject, transfer, cancel with a reason): administrators and the
    /// building's managers.
    pub dispatcher: bool,
    /// Is its assignee.
    pub assignee: bool,
    /// Requested it.
    pub requester: bool,
    /// May grab it (eligible staff, unassigned and submitted).
    pub may_grab: bool,
}

/// How `scope`'s viewer relates to `order`, judged now.
pub async fn relation(scope: &Scope, order: &work_order::Model) -> AppResult<Relation> {
    let Some(me) = scope.user_id else {
        return Ok(Relation::default());
    };
    let mut rel = Relation {
        requester: order.requester_id == me,
        ..Relation::default()
    };
    if scope.admin {
        rel.sees = true;
        rel.staff_view = true;
        rel.dispatcher = true;
    }
    if scope.supervisor {
        rel.sees = true;
        rel.staff_view = true;
    }
    if rel.requester {
        rel.sees = true;
    }
    // The resident facet decides only whether an order is seen; skip it when that is settled.
    if !rel.sees
        && let Some(unit) = order.unit_id
        && scope.resident().await?.units.contains(&unit)
    {
        rel.sees = true;
    }
    let staff = scope.facet::<WorkStaff>().await?;
    if let Some(id) = staff.id {
        let serves = staff.buildings.contains(&order.building_id);
        if staff.manager && serves {
            rel.sees = true;
            rel.staff_view = true;
            rel.dispatcher = true;
        }
        if order.assignee_id == Some(id) || staff.assisting.contains(&order.id) {
            rel.sees = true;
            rel.staff_view = true;
            rel.assignee = order.assignee_id == Some(id);
        }
        let open =
            order.status == WorkOrderStatus::Submitted.as_str() && order.assignee_id.is_none();
        if open && serves && staff.categories.contains(&order.category_id) {
            rel.sees = true;
            rel.staff_view = true;
            rel.may_grab = true;
        }
    }
    Ok(rel)
}
