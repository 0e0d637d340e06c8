//! Who sees which groups, plans and inspections, in one place: the list condition and the
//! per-inspection relation used by queries, mutations, `node`, notification subjects and every
//! live event.
//!
//! | viewer | inspections of a building | detail |
//! |---|---|---|
//! | administrator, supervisor | all | full |
//! | a current member of the building's group (chair, staff member, resident representative), and the inspector | all, unannounced ones too, before completion | full |
//! | staff serving the building (managers included: they are inspected) | scheduled ones from their creation; unannounced ones once completed | full |
//! | residents of the building | completed ones only | results: total and area scores, no items, findings, staff or inspector |
//! | others | none | – |

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::types::{InspectionKind, InspectionStatus, MemberRole};
use crate::{
    domains::estate::{
        access::{Facet, Scope},
        types::StaffPost,
    },
    error::AppResult,
};
use entity::{inspection, supervision_member};

/// Whether a membership row counts on `today`: within its term (`termUntil` is the first day
/// it no longer counts).
pub fn in_term(member: &supervision_member::Model, today: chrono::NaiveDate) -> bool {
    member.term_from <= today && member.term_until.is_none_or(|until| until > today)
}

/// The condition for memberships in term on `today`.
pub fn in_term_condition(today: chrono::NaiveDate) -> Condition {
    Condition::all()
        .add(supervision_member::Column::TermFrom.lte(today))
        .add(
            Condition::any()
                .add(supervision_member::Column::TermUntil.is_null())
                .add(supervision_member::Column::TermUntil.gt(today)),
        )
}

/// The supervision facet of a viewer: their current memberships and what they serve or live in.
#[derive(Debug, Default)]
pub struct Supervision {
    /// The viewer's user id.
    pub user: Option<Uuid>,
    /// Administrator or supervisor: sees everything.
    pub all: bool,
    /// May manage groups and plans (administrators and supervisors).
    pub manages: bool,
    /// Buildings whose group the viewer is a current member of, with the roles held there
    /// (resident representatives only while they live in the building).
    pub member_of: HashMap<Uuid, HashSet<MemberRole>>,
    /// Buildings the viewer serves as active staff.
    pub staff_of: HashSet<Uuid>,
    /// Whether the viewer is an active manager.
    pub manager: bool,
    /// The viewer's active staff record.
    pub staff_id: Option<Uuid>,
    /// Buildings the viewer lives in now.
    pub resident_of: HashSet<Uuid>,
}

impl Facet for Supervision {
    async fn load(scope: &Scope) -> AppResult<Supervision> {
        let Some(user) = scope.user_id else {
            return Ok(Supervision::default());
        };
        let resident = scope.resident().await?;
        let staff = scope.staff().await?;
        let rows = supervision_member::Entity::find()
            .filter(supervision_member::Column::UserId.eq(user))
            .filter(in_term_condition(scope.today()))
            .all(scope.db())
            .await?;
        let mut member_of: HashMap<Uuid, HashSet<MemberRole>> = HashMap::new();
        for row in rows {
            let Some(role) = MemberRole::parse(&row.role) else {
                continue;
            };
            // A representative who moved out is no longer one.
            if role == MemberRole::Resident && !resident.buildings.contains(&row.building_id) {
                continue;
            }
            member_of.entry(row.building_id).or_default().insert(role);
        }
        let active = staff.active && staff.id.is_some();
        Ok(Supervision {
            user: Some(user),
            all: scope.admin || scope.supervisor,
            manages: scope.admin || scope.supervisor,
            member_of,
            staff_of: if active {
                staff.served_buildings.clone()
            } else {
                HashSet::new()
            },
            manager: active && staff.post.as_deref() == Some(StaffPost::Manager.as_str()),
            staff_id: if active { staff.id } else { None },
            resident_of: resident.buildings.clone(),
        })
    }
}

impl Supervision {
    /// Whether the viewer is a current member of `building`'s group.
    pub fn member(&self, building: Uuid) -> bool {
        self.member_of.contains_key(&building)
    }

    /// Whether the viewer chairs `building`'s group now.
    pub fn chair(&self, building: Uuid) -> bool {
        self.member_of
            .get(&building)
            .is_some_and(|roles| roles.contains(&MemberRole::Chair))
    }

    /// Whether the viewer may see `building`'s group (and follow its board): the estate's
    /// overseers, its members, its staff and its residents.
    pub fn sees_group(&self, building: Uuid) -> bool {
        self.all
            || self.member(building)
            || self.staff_of.contains(&building)
            || self.resident_of.contains(&building)
    }

    /// Whether the viewer may read inspection plans: overseers, any current member, active
    /// staff.
    pub fn reads_plans(&self) -> bool {
        self.all || !self.member_of.is_empty() || self.staff_id.is_some()
    }

    /// May schedule inspections of `building`: overseers and the group's chair.
    pub fn schedules(&self, building: Uuid) -> bool {
        self.all || self.chair(building)
    }
}

/// How much of an inspection the viewer sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum View {
    /// Nothing: it is `NOT_FOUND` to them.
    #[default]
    None,
    /// Building-level results only: total and area scores.
    Results,
    /// Everything: items, findings, staff, inspector.
    Full,
}

/// How the viewer relates to one inspection (as it is in `model`: a live event is judged by the
/// inspection as it was when written).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// What they see.
    pub view: View,
    /// Is its inspector.
    pub inspector: bool,
    /// May schedule, cancel (overseers and the group's chair).
    pub schedules: bool,
}

/// How `facet`'s viewer relates to `model` now.
pub fn relation(facet: &Supervision, model: &inspection::Model) -> Relation {
    let building = model.building_id;
    let inspector = facet.user == Some(model.inspector_id);
    let completed = model.status == InspectionStatus::Completed.as_str();
    let announced = model.kind == InspectionKind::Scheduled.as_str();
    // The group and the inspector see everything; the building's staff (managers included)
    // what is announced, and the rest once completed.
    let overseer = facet.all || facet.member(building) || inspector;
    let staff_sees = facet.staff_of.contains(&building) && (announced || completed);
    let view = if overseer || staff_sees {
        View::Full
    } else if facet.resident_of.contains(&building) && completed {
        View::Results
    } else {
        View::None
    };
    Relation {
        view,
        inspector,
        schedules: facet.schedules(building),
    }
}

/// The inspections `facet`'s viewer may see, as a condition; `None`: every one.
pub fn visible(facet: &Supervision) -> Option<Condition> {
    if facet.all {
        return None;
    }
    let completed = inspection::Column::Status.eq(InspectionStatus::Completed.as_str());
    let mut any = Condition::any();
    if let Some(me) = facet.user {
        any = any.add(inspection::Column::InspectorId.eq(me));
    }
    if !facet.member_of.is_empty() {
        any = any.add(inspection::Column::BuildingId.is_in(facet.member_of.keys().copied()));
    }
    if !facet.staff_of.is_empty() {
        any = any.add(
            Condition::all()
                .add(inspection::Column::BuildingId.is_in(facet.staff_of.iter().copied()))
                .add(
                    Condition::any()
                        .add(inspection::Column::Kind.eq(InspectionKind::Scheduled.as_str()))
                        .add(completed.clone()),
                ),
        );
    }
    if !facet.resident_of.is_empty() {
        any = any.add(
            Condition::all()
                .add(inspection::Column::BuildingId.is_in(facet.resident_of.iter().copied()))
                .add(completed),
        );
    }
    Some(any)
}
