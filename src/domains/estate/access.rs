//! The one access helper: what the viewer of a request may see of the estate, computed once per
//! request from their roles, current residencies and served buildings.
//!
//! Invariants:
//! - Anonymous callers have no scope: [`Scope::of`] (and `ctx.scope()`) refuse them with
//!   `UNAUTHENTICATED`, so no resolver can forget the check.
//! - Only an `ACTIVE` staff record serves buildings: onboarding, suspended and former staff get
//!   no building access.
//! - Subscriptions do not keep the scope they started with: they ask the per-process
//!   [`ScopeCache`](crate::auth::scope::ScopeCache) for every event, which forgets a user's scope
//!   as soon as their residencies, staff record or roles change.

use std::collections::HashSet;

use async_graphql::Context;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer},
    error::{AppError, AppResult},
    graphql::ContextExt,
};
use entity::{residency, staff_building, staff_record, unit, user, user_role};

/// What one viewer may see.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// The viewer's user id (none when anonymous).
    pub user_id: Option<Uuid>,
    /// Administrator: everything.
    pub admin: bool,
    /// Supervisor: every building, unit and staff record, no household.
    pub supervisor: bool,
    /// The viewer's staff record, if any.
    pub staff_id: Option<Uuid>,
    /// Buildings the viewer serves as staff.
    pub served_buildings: HashSet<Uuid>,
    /// Units of the viewer's current residencies.
    pub home_units: HashSet<Uuid>,
    /// Buildings of those units.
    pub home_buildings: HashSet<Uuid>,
    /// Floors of those units, as (building, floor).
    pub home_floors: HashSet<(Uuid, i32)>,
    /// The viewer's roles.
    pub roles: Vec<Role>,
}

/// Status of a staff record that serves its buildings.
pub const ACTIVE_STAFF: &str = "ACTIVE";

/// Condition for residencies current on `today`: moved in, not moved out.
pub fn current_residency(today: NaiveDate) -> Condition {
    Condition::all()
        .add(residency::Column::MovedIn.lte(today))
        .add(
            Condition::any()
                .add(residency::Column::MovedOut.is_null())
                .add(residency::Column::MovedOut.gt(today)),
        )
}

impl Scope {
    /// The scope of a user read afresh from the database (roles and status included), as a
    /// subscription needs it long after its request: a disabled user gets the empty scope.
    pub async fn load_user<C: ConnectionTrait>(
        db: &C,
        user_id: Uuid,
        today: NaiveDate,
    ) -> AppResult<Scope> {
        let active = user::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .is_some_and(|u| u.status == "ACTIVE");
        if !active {
            return Ok(Scope::default());
        }
        let roles = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(user_id))
            .all(db)
            .await?
            .iter()
            .filter_map(|r| Role::parse(&r.role))
            .collect();
        let viewer = Viewer::User(crate::auth::AuthenticatedUser { id: user_id, roles });
        Scope::load(db, &viewer, today).await
    }

    /// Computes the scope of `viewer` on `today` (four small queries at most).
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        viewer: &Viewer,
        today: NaiveDate,
    ) -> AppResult<Scope> {
        let Viewer::User(user) = viewer else {
            return Ok(Scope::default());
        };
        let mut scope = Scope {
            user_id: Some(user.id),
            admin: viewer.has_role(Role::Admin),
            supervisor: viewer.has_role(Role::Supervisor),
            roles: user.roles.clone(),
            ..Scope::default()
        };
        if viewer.has_role(Role::Staff)
            && let Some(record) = staff_record::Entity::find()
                .filter(staff_record::Column::UserId.eq(user.id))
                .one(db)
                .await?
        {
            scope.staff_id = Some(record.id);
            if record.status == ACTIVE_STAFF {
                scope.served_buildings = staff_building::Entity::find()
                    .filter(staff_building::Column::StaffId.eq(record.id))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|row| row.building_id)
                    .collect();
            }
        }
        let homes = residency::Entity::find()
            .filter(residency::Column::UserId.eq(user.id))
            .filter(current_residency(today))
            .all(db)
            .await?;
        if !homes.is_empty() {
            scope.home_units = homes.iter().map(|r| r.unit_id).collect();
            let units = unit::Entity::find()
                .filter(unit::Column::Id.is_in(scope.home_units.iter().copied()))
                .all(db)
                .await?;
            scope.home_buildings = units.iter().map(|u| u.building_id).collect();
            scope.home_floors = units.iter().map(|u| (u.building_id, u.floor)).collect();
        }
        Ok(scope)
    }

    /// The scope of the signed-in caller behind `ctx`, computed on first use and then reused;
    /// `UNAUTHENTICATED` for anonymous callers.
    pub async fn of<'c>(ctx: &'c Context<'_>) -> AppResult<&'c Scope> {
        ctx.viewer().require_user()?;
        let loaders = ctx.loaders()?;
        let state = ctx.state();
        loaders
            .scope
            .get_or_try_init(|| Scope::load(&state.db, ctx.viewer(), state.clock.today()))
            .await
    }

    /// The viewer's user id, or `UNAUTHENTICATED`.
    pub fn require_user(&self) -> AppResult<Uuid> {
        self.user_id.ok_or(AppError::Unauthenticated)
    }

    /// Sees every building and unit.
    pub fn sees_whole_estate(&self) -> bool {
        self.admin || self.supervisor
    }

    /// Buildings visible: `None` means all.
    pub fn visible_buildings(&self) -> Option<HashSet<Uuid>> {
        if self.sees_whole_estate() {
            return None;
        }
        Some(
            self.served_buildings
                .union(&self.home_buildings)
                .copied()
                .collect(),
        )
    }

    /// Condition on `unit` rows for the units visible: `None` means all. Staff see the units of
    /// the buildings they serve; residents their own units.
    pub fn unit_condition(&self) -> Option<Condition> {
        if self.sees_whole_estate() {
            return None;
        }
        Some(
            Condition::any()
                .add(unit::Column::BuildingId.is_in(self.served_buildings.iter().copied()))
                // sea-query renders an empty IN list as a false condition.
                .add(unit::Column::Id.is_in(self.home_units.iter().copied())),
        )
    }

    /// Whether the household of `unit_id` is visible: its current residents and administrators.
    pub fn can_see_household(&self, unit_id: Uuid) -> bool {
        self.admin || self.home_units.contains(&unit_id)
    }

    /// Whether the viewer may change the household of `unit_id`.
    pub fn can_manage_household(&self, unit_id: Uuid) -> bool {
        self.can_see_household(unit_id)
    }

    /// Whether the viewer may see a resident's contact details given the buildings where the
    /// resident currently lives: administrators always, staff when they serve one of those
    /// buildings (work orders and care assignments use this).
    pub fn can_see_resident_contact(&self, resident_buildings: &HashSet<Uuid>) -> bool {
        self.admin || !self.served_buildings.is_disjoint(resident_buildings)
    }

    /// `FORBIDDEN` unless the viewer is an administrator.
    pub fn require_admin(&self) -> AppResult<()> {
        if self.admin {
            Ok(())
        } else {
            Err(AppError::Forbidden("administrators only".to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_follow_the_buildings_served() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let staff = Scope {
            served_buildings: [a].into_iter().collect(),
            ..Scope::default()
        };
        assert!(staff.can_see_resident_contact(&[a, b].into_iter().collect()));
        assert!(!staff.can_see_resident_contact(&[b].into_iter().collect()));
        let admin = Scope {
            admin: true,
            ..Scope::default()
        };
        assert!(admin.can_see_resident_contact(&[b].into_iter().collect()));
        let resident = Scope {
            home_units: [a].into_iter().collect(),
            ..Scope::default()
        };
        assert!(resident.can_see_household(a) && !resident.can_see_household(b));
        assert!(!resident.can_see_resident_contact(&[a].into_iter().collect()));
    }
}
