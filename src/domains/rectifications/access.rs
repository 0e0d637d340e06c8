//! Who sees and acts on which rectifications, in one place: the list condition and the
//! per-rectification relation used by queries, mutations, notifications and every live event.
//!
//! | viewer | sees | acts |
//! |---|---|---|
//! | administrator, supervisor | every rectification | open, verify or reject (never their own) |
//! | manager (active `MANAGER` staff) | those of the buildings they serve | open, verify or reject there (never their own) |
//! | member of a building's supervision group (in term; representatives while living there) | those of that building | none |
//! | staff | those they are responsible for | start, record, submit their own |
//! | resident, merchant | none | none |

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::{
    domains::{
        estate::{access::Scope, types::StaffPost},
        supervision::access::Supervision,
    },
    error::AppResult,
};
use entity::rectification;

/// The viewer's standing towards rectifications in general.
#[derive(Clone, Debug, Default)]
pub struct Standing {
    /// Sees every rectification (administrators and supervisors).
    pub all: bool,
    /// The buildings whose rectifications they oversee (an active manager's).
    pub managed: Vec<Uuid>,
    /// Their own staff record (any status: their own rectifications stay visible).
    pub own: Option<Uuid>,
    /// The buildings whose supervision group they are a current member of (they read those).
    pub grouped: Vec<Uuid>,
}

impl Standing {
    /// Whether the viewer may see any rectification at all (else lists are `FORBIDDEN`).
    pub fn any(&self) -> bool {
        self.all || !self.managed.is_empty() || self.own.is_some() || !self.grouped.is_empty()
    }

    /// Whether the viewer may open and verify rectifications in `building`.
    pub fn oversees(&self, building: Uuid) -> bool {
        self.all || self.managed.contains(&building)
    }
}

/// The viewer's standing, from the staff and supervision facets (loaded once per request;
/// callers that write call this before their write begins, so both are loaded by then).
pub async fn standing(scope: &Scope) -> AppResult<Standing> {
    if scope.user_id.is_none() {
        return Ok(Standing::default());
    }
    let staff = scope.staff().await?;
    let manager = staff.active && staff.post.as_deref() == Some(StaffPost::Manager.as_str());
    let mut managed: Vec<Uuid> = if manager {
        staff.served_buildings.iter().copied().collect()
    } else {
        Vec::new()
    };
    managed.sort();
    let all = scope.admin || scope.supervisor;
    // Those who see everything need not know their group memberships.
    let mut grouped: Vec<Uuid> = if all {
        Vec::new()
    } else {
        scope
            .facet::<Supervision>()
            .await?
            .member_of
            .keys()
            .copied()
            .collect()
    };
    grouped.sort();
    Ok(Standing {
        all,
        managed,
        own: staff.id,
        grouped,
    })
}

/// The rectifications `scope` may see, as a condition; `None`: every one. A viewer who may see
/// none gets a condition that matches nothing.
pub async fn visible(scope: &Scope) -> AppResult<Option<Condition>> {
    let standing = standing(scope).await?;
    if standing.all {
        return Ok(None);
    }
    let mut any = Condition::any()
        // sea-query renders an empty IN list as a false condition.
        .add(rectification::Column::BuildingId.is_in(standing.managed.iter().copied()))
        .add(rectification::Column::BuildingId.is_in(standing.grouped.iter().copied()));
    if let Some(own) = standing.own {
        any = any.add(rectification::Column::ResponsibleStaffId.eq(own));
    }
    Ok(Some(any))
}

/// How the viewer relates to one rectification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// May see it.
    pub sees: bool,
    /// Is the staff member responsible for it.
    pub responsible: bool,
    /// Oversees its building: may verify or reject it (unless responsible).
    pub verifier: bool,
}

/// How `scope`'s viewer relates to `model`, judged now.
pub async fn relation(scope: &Scope, model: &rectification::Model) -> AppResult<Relation> {
    let standing = standing(scope).await?;
    let responsible = standing.own == Some(model.responsible_staff_id);
    let verifier = standing.oversees(model.building_id);
    let grouped = standing.grouped.contains(&model.building_id);
    Ok(Relation {
        sees: responsible || verifier || grouped,
        responsible,
        verifier,
    })
}
