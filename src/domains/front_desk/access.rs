//! Who the viewer is at the front desk: the buildings whose desk they staff, those they manage,
//! and the units they live in. Posts are judged through [`crate::auth::guard`].

use std::collections::HashSet;

use sea_orm::{ColumnTrait, Condition, sea_query::IntoCondition};
use uuid::Uuid;

use crate::{
    auth::guard,
    domains::estate::{
        access::{Facet, Scope},
        types::StaffPost,
    },
    error::AppResult,
};

/// The staff posts that work the front desk (reception, gate) besides managers.
pub const DESK_POSTS: [StaffPost; 3] = [
    StaffPost::CustomerService,
    StaffPost::Security,
    StaffPost::Manager,
];

/// The viewer's front-desk access.
#[derive(Clone, Debug, Default)]
pub struct DeskAccess {
    /// Administrator: every building.
    pub admin: bool,
    /// Buildings whose desk the viewer staffs (managers included).
    pub desk: HashSet<Uuid>,
    /// Buildings the viewer manages.
    pub manages: HashSet<Uuid>,
    /// The viewer's current homes.
    pub units: HashSet<Uuid>,
}

impl Facet for DeskAccess {
    async fn load(scope: &Scope) -> AppResult<DeskAccess> {
        let mut access = DeskAccess {
            admin: scope.admin,
            units: scope.resident().await?.units.clone(),
            ..DeskAccess::default()
        };
        for post in DESK_POSTS {
            if let Some(staff) = guard::holds_active_post(scope, post).await? {
                access.desk.extend(staff.served_buildings.iter().copied());
                if post == StaffPost::Manager {
                    access
                        .manages
                        .extend(staff.served_buildings.iter().copied());
                }
            }
        }
        Ok(access)
    }
}

impl DeskAccess {
    /// Works the desk of `building` (administrators everywhere).
    pub fn at_desk(&self, building: Uuid) -> bool {
        self.admin || self.desk.contains(&building)
    }

    /// Keeps the blacklist of `building`.
    pub fn keeps_blacklist(&self, building: Uuid) -> bool {
        self.admin || self.manages.contains(&building)
    }

    /// Works any desk at all.
    pub fn any_desk(&self) -> bool {
        self.admin || !self.desk.is_empty()
    }

    /// Lives in `unit` now.
    pub fn lives_in(&self, unit: Uuid) -> bool {
        self.units.contains(&unit)
    }

    /// Sees a parcel or pass of `unit` in `building`.
    pub fn sees(&self, building: Uuid, unit: Uuid) -> bool {
        self.at_desk(building) || self.lives_in(unit)
    }

    /// The rows visible, over the table's building and unit columns: `None` means all.
    pub fn condition<C: ColumnTrait>(&self, building: C, unit: C) -> Option<Condition> {
        if self.admin {
            return None;
        }
        Some(
            Condition::any()
                // sea-query renders an empty IN list as a false condition.
                .add(building.is_in(self.desk.iter().copied()))
                .add(unit.is_in(self.units.iter().copied()))
                .into_condition(),
        )
    }
}
