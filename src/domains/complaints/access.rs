//! Who sees which complaints, in one place: the list condition and the per-complaint check used
//! by queries, mutations, notifications and every live event.
//!
//! | viewer | sees | internal notes | the complainant of an anonymous complaint |
//! |---|---|---|---|
//! | administrator | every complaint | yes | no |
//! | supervisor (`SUPERVISOR` role) | every complaint | yes | no |
//! | manager (active `MANAGER` serving the building) | the building's complaints | yes | no |
//! | handler | the complaints they handle | yes | no |
//! | chair or staff member of the building's supervision group (in term) | the building's complaints | yes | no |
//! | resident representative in the building's group (in term, living there) | the building's complaints | no | no |
//! | staff member concerned | their complaint once it has been replied to | no | no |
//! | complainant | their own complaints | no | yes (themselves) |
//! | other residents and staff | nothing | – | – |
//!
//! The staff member a complaint is about has no rights over it as a manager, handler or group
//! member: until it is replied to they do not see it at all, and then only as the person
//! concerned. The group's chair answers appeals with the `SUPERVISOR` role holders.

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::{
    domains::{
        estate::{access::Scope, types::StaffPost},
        supervision::{access::Supervision, types::MemberRole},
    },
    error::AppResult,
};
use entity::complaint;

/// The complaints `scope` may see, as a condition; `None`: every complaint.
pub async fn visible(scope: &Scope) -> AppResult<Option<Condition>> {
    let me = scope.require_user()?;
    if scope.admin || scope.supervisor {
        return Ok(None);
    }
    let mut any = Condition::any().add(complaint::Column::ComplainantId.eq(me));
    let staff = scope.staff().await?;
    let group = scope.facet::<Supervision>().await?;
    if !group.member_of.is_empty() {
        // The building's supervision group, but never about oneself before the reply.
        let mut of_group = Condition::all()
            .add(complaint::Column::BuildingId.is_in(group.member_of.keys().copied()));
        if let Some(id) = staff.id {
            of_group = of_group.add(
                Condition::any()
                    .add(complaint::Column::StaffId.is_null())
                    .add(complaint::Column::StaffId.ne(id)),
            );
        }
        any = any.add(of_group);
    }
    if let (Some(id), true) = (staff.id, staff.active) {
        let manager = staff.post.as_deref() == Some(StaffPost::Manager.as_str());
        if manager && !staff.served_buildings.is_empty() {
            any = any.add(
                Condition::all()
                    .add(
                        complaint::Column::BuildingId.is_in(staff.served_buildings.iter().copied()),
                    )
                    .add(
                        Condition::any()
                            .add(complaint::Column::StaffId.is_null())
                            .add(complaint::Column::StaffId.ne(id)),
                    ),
            );
        }
        any = any.add(complaint::Column::HandlerId.eq(id)).add(
            Condition::all()
                .add(complaint::Column::StaffId.eq(id))
                .add(complaint::Column::FirstRepliedAt.is_not_null()),
        );
    } else if let Some(id) = staff.id {
        // A former or suspended staff member still sees what was said about them.
        any = any.add(
            Condition::all()
                .add(complaint::Column::StaffId.eq(id))
                .add(complaint::Column::FirstRepliedAt.is_not_null()),
        );
    }
    Ok(Some(any))
}

/// How the viewer relates to one complaint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// May see it at all.
    pub sees: bool,
    /// Reads internal notes.
    pub staff_view: bool,
    /// Sees who the complainant is.
    pub shows_complainant: bool,
    /// Is the complainant.
    pub complainant: bool,
    /// Manages it: an administrator, or an active manager serving its building (assigns the
    /// handler, takes every handling step).
    pub manages: bool,
    /// Is its handler.
    pub handler: bool,
    /// Holds the `SUPERVISOR` role (answers appeals).
    pub supervisor: bool,
    /// Is the staff member it is about.
    pub subject: bool,
    /// The viewer's active staff record, if any.
    pub staff_id: Option<Uuid>,
}

impl Relation {
    /// Takes handling steps (acknowledge, investigate, rectify, reply, close, internal notes).
    pub fn handles(&self) -> bool {
        self.manages || self.handler
    }
}

/// How `scope`'s viewer relates to `complaint` (whose `complainant_id` is `complainant`: the
/// caller passes the real one, which live events do not carry for anonymous complaints).
pub async fn relation_to(
    scope: &Scope,
    complaint: &complaint::Model,
    complainant: Uuid,
) -> AppResult<Relation> {
    let Some(me) = scope.user_id else {
        return Ok(Relation::default());
    };
    let mut rel = Relation {
        complainant: complainant == me,
        supervisor: scope.supervisor,
        ..Relation::default()
    };
    if scope.admin {
        rel.sees = true;
        rel.staff_view = true;
        rel.manages = true;
    }
    if scope.supervisor {
        rel.sees = true;
        rel.staff_view = true;
    }
    let staff = scope.staff().await?;
    let is_subject = staff.id.is_some() && complaint.staff_id == staff.id;
    let group = scope.facet::<Supervision>().await?;
    if let Some(roles) = group.member_of.get(&complaint.building_id)
        && !is_subject
    {
        rel.sees = true;
        // Representatives are residents: internal notes are for the group's staff side.
        if roles.contains(&MemberRole::Chair) || roles.contains(&MemberRole::Staff) {
            rel.staff_view = true;
        }
        if roles.contains(&MemberRole::Chair) {
            rel.supervisor = true;
        }
    }
    if let Some(id) = staff.id {
        rel.subject = complaint.staff_id == Some(id);
        if rel.subject {
            // The person concerned never handles it, whatever their post.
            rel.manages = false;
            if complaint.first_replied_at.is_some() {
                rel.sees = true;
            }
        } else if staff.active {
            rel.staff_id = Some(id);
            let manager = staff.post.as_deref() == Some(StaffPost::Manager.as_str());
            if manager && staff.served_buildings.contains(&complaint.building_id) {
                rel.sees = true;
                rel.staff_view = true;
                rel.manages = true;
            }
            if complaint.handler_id == Some(id) {
                rel.sees = true;
                rel.staff_view = true;
                rel.handler = true;
            }
        }
    }
    if rel.complainant {
        rel.sees = true;
        // The complainant reads what is meant for them, whatever else they are.
        rel.staff_view = false;
    }
    rel.shows_complainant = rel.complainant || !complaint.anonymous;
    Ok(rel)
}

/// How `scope`'s viewer relates to `complaint`, judged now.
pub async fn relation(scope: &Scope, complaint: &complaint::Model) -> AppResult<Relation> {
    relation_to(scope, complaint, complaint.complainant_id).await
}
