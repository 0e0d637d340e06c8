//! The one access helper: what the viewer of a request may see of the estate.
//!
//! A [`Scope`] has a *core* that costs nothing (the user id and roles from the token, hence
//! administrator and supervisor) and *facets* loaded from the database only when a resolver first
//! asks for them, then kept for the rest of the request: [`Resident`] (current homes) and
//! [`Staff`] (the staff record and the buildings it serves). A later domain adds its own facet
//! (volunteer, merchant, health staff) by implementing [`Facet`] in its own module and calling
//! `scope.facet::<MyFacet>().await?`; `Scope` itself does not change.
//!
//! Invariants:
//! - Anonymous callers have no scope: `ctx.scope()` refuses them with `UNAUTHENTICATED`, so no
//!   resolver can forget the check.
//! - A request that reads no facet runs no access query (a test counts the statements).
//! - Only an `ACTIVE` staff record serves buildings: onboarding, suspended and former staff get
//!   no building access.
//! - Subscriptions do not keep the scope they started with: they ask the per-process
//!   [`ScopeCache`](crate::auth::scope::ScopeCache) for every event, which forgets a user's scope
//!   (facets included) as soon as their residencies, staff record or roles change.
//! - Role checks are not made here: they live in [`crate::auth::guard`].

use std::{
    any::{Any, TypeId},
    collections::{HashMap, HashSet},
    future::Future,
    sync::{Arc, Mutex},
};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::{
    auth::{Role, Viewer, guard},
    error::{AppError, AppResult},
};
use entity::{residency, staff_building, staff_record, unit, user, user_role};

/// Part of a viewer's access loaded on demand: implement it for a new kind of access, then read
/// it with [`Scope::facet`]. `load` runs at most once per scope.
pub trait Facet: Send + Sync + Sized + 'static {
    /// Loads the facet for `scope`'s viewer (the empty facet when it does not apply).
    fn load(scope: &Scope) -> impl Future<Output = AppResult<Self>> + Send;
}

type Slot = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// What one viewer may see: a free core and facets loaded on first use.
pub struct Scope {
    /// The viewer's user id (none when anonymous or disabled).
    pub user_id: Option<Uuid>,
    /// The viewer's roles.
    pub roles: Vec<Role>,
    /// Administrator: everything.
    pub admin: bool,
    /// Supervisor: every building, unit and staff record, no household.
    pub supervisor: bool,
    db: DatabaseConnection,
    today: NaiveDate,
    facets: Mutex<HashMap<TypeId, Slot>>,
    shared: Option<Memos>,
}

/// The memos of shared facets, by type.
type Memos = Arc<Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>;

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("user_id", &self.user_id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// The resident facet: the viewer's current homes.
#[derive(Clone, Debug, Default)]
pub struct Resident {
    /// Units of the viewer's current residencies.
    pub units: HashSet<Uuid>,
    /// Buildings of those units.
    pub buildings: HashSet<Uuid>,
    /// Floors of those units, as (building, floor).
    pub floors: HashSet<(Uuid, i32)>,
}

/// The staff facet: the viewer's staff record (for `STAFF` holders) and what it serves.
#[derive(Clone, Debug, Default)]
pub struct Staff {
    /// The staff record, if any.
    pub id: Option<Uuid>,
    /// Its post (`MANAGER`, …), if any.
    pub post: Option<String>,
    /// Whether the record is `ACTIVE`.
    pub active: bool,
    /// Buildings served: empty unless the record is `ACTIVE`.
    pub served_buildings: HashSet<Uuid>,
}

/// Status of a staff record that serves its buildings.
pub const ACTIVE_STAFF: &str = "ACTIVE";

/// The ids of the units of `building`, as a subquery (`unit_id IN (…)`).
pub fn units_of_building(building: Uuid) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(unit::Column::Id)
        .from(unit::Entity)
        .and_where(unit::Column::BuildingId.eq(building))
        .to_owned()
}

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

impl Facet for Resident {
    async fn load(scope: &Scope) -> AppResult<Resident> {
        let Some(user_id) = scope.user_id else {
            return Ok(Resident::default());
        };
        // One statement: the current residencies joined with their units.
        let homes = residency::Entity::find()
            .filter(residency::Column::UserId.eq(user_id))
            .filter(current_residency(scope.today))
            .find_also_related(unit::Entity)
            .all(scope.db())
            .await?;
        let units: HashSet<Uuid> = homes.iter().map(|(r, _)| r.unit_id).collect();
        let rows: Vec<unit::Model> = homes.into_iter().filter_map(|(_, unit)| unit).collect();
        Ok(Resident {
            units,
            buildings: rows.iter().map(|u| u.building_id).collect(),
            floors: rows.iter().map(|u| (u.building_id, u.floor)).collect(),
        })
    }
}

impl Facet for Staff {
    async fn load(scope: &Scope) -> AppResult<Staff> {
        let Some(user_id) = scope.user_id else {
            return Ok(Staff::default());
        };
        if !guard::holds_any(&scope.roles, &[Role::Staff]) {
            return Ok(Staff::default());
        }
        let Some(record) = staff_record::Entity::find()
            .filter(staff_record::Column::UserId.eq(user_id))
            .one(scope.db())
            .await?
        else {
            return Ok(Staff::default());
        };
        let active = record.status == ACTIVE_STAFF;
        let served_buildings = if active {
            staff_building::Entity::find()
                .filter(staff_building::Column::StaffId.eq(record.id))
                .all(scope.db())
                .await?
                .into_iter()
                .map(|row| row.building_id)
                .collect()
        } else {
            HashSet::new()
        };
        Ok(Staff {
            id: Some(record.id),
            post: Some(record.post),
            active,
            served_buildings,
        })
    }
}

/// The resident and staff facet slots that one user's HTTP requests share between two changes
/// of their access (see [`ScopeCache::shared`](crate::auth::scope::ScopeCache::shared)): loaded
/// by the first request that reads them, reused by the next ones.
///
/// They also keep what those requests read that changes only with the same things (the
/// viewer's homes, their notice board): see [`Scope::shared_memo`].
#[derive(Clone, Default)]
pub struct SharedFacets {
    resident: Slot,
    staff: Slot,
    memos: Memos,
}

impl Scope {
    /// This scope with its resident and staff facets taken from `shared` (loaded there on
    /// first use, for every scope that shares them).
    pub fn with_shared(self, shared: &SharedFacets) -> Scope {
        {
            let mut facets = self
                .facets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            facets.insert(TypeId::of::<Resident>(), shared.resident.clone());
            facets.insert(TypeId::of::<Staff>(), shared.staff.clone());
        }
        Scope {
            shared: Some(shared.memos.clone()),
            ..self
        }
    }

    /// What the requests that share this scope's facets keep of type `T` (made with
    /// `T::default()` by the first that asks): it lives exactly as long as the facets, so it may
    /// hold anything that changes only with the viewer's access version, roles or day. `None`
    /// when the scope shares nothing (subscriptions, WebSocket operations, sharing turned off):
    /// the caller then reads afresh.
    pub fn shared_memo<T: Default + Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let memos = self.shared.as_ref()?;
        let memo = memos
            .lock()
            // A panic while holding the lock cannot leave the map half-changed: recover it.
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()))
            .clone();
        memo.downcast::<T>().ok()
    }

    /// The scope of `viewer` on `today`. Runs no query: facets load when first asked for.
    pub fn new(db: DatabaseConnection, viewer: &Viewer, today: NaiveDate) -> Scope {
        let (user_id, roles) = match viewer {
            Viewer::User(user) => (Some(user.id), user.roles.clone()),
            Viewer::Anonymous => (None, Vec::new()),
        };
        Scope {
            user_id,
            admin: guard::holds_any(&roles, &[Role::Admin]),
            supervisor: guard::holds_any(&roles, &[Role::Supervisor]),
            roles,
            db,
            today,
            facets: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// The scope of a user read afresh from the database (roles and status included), as a
    /// subscription needs it long after its request: a disabled user gets the empty scope.
    pub async fn load_user(
        db: &DatabaseConnection,
        user_id: Uuid,
        today: NaiveDate,
    ) -> AppResult<Scope> {
        let active = user::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .is_some_and(|u| u.status == "ACTIVE");
        if !active {
            return Ok(Scope::new(db.clone(), &Viewer::Anonymous, today));
        }
        let roles = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(user_id))
            .all(db)
            .await?
            .iter()
            .filter_map(|r| Role::parse(&r.role))
            .collect();
        let viewer = Viewer::User(crate::auth::AuthenticatedUser { id: user_id, roles });
        Ok(Scope::new(db.clone(), &viewer, today))
    }

    /// The database the facets load from.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The day the scope judges residencies on.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The facet `F` of this scope, loaded on first use and then reused (concurrent first uses
    /// load it once).
    pub async fn facet<F: Facet>(&self) -> AppResult<Arc<F>> {
        let slot = self
            .facets
            .lock()
            // A panic while holding the lock cannot leave the map half-changed: recover it.
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(TypeId::of::<F>())
            .or_default()
            .clone();
        let loaded = slot
            .get_or_try_init(|| async {
                F::load(self)
                    .await
                    .map(|facet| Arc::new(facet) as Arc<dyn Any + Send + Sync>)
            })
            .await?;
        loaded
            .clone()
            .downcast::<F>()
            .map_err(|_| AppError::internal("a facet slot holds another type"))
    }

    /// The resident facet (current homes).
    pub async fn resident(&self) -> AppResult<Arc<Resident>> {
        self.facet::<Resident>().await
    }

    /// The staff facet (staff record, served buildings).
    pub async fn staff(&self) -> AppResult<Arc<Staff>> {
        self.facet::<Staff>().await
    }

    /// The viewer's user id, or `UNAUTHENTICATED`.
    pub fn require_user(&self) -> AppResult<Uuid> {
        self.user_id.ok_or(AppError::Unauthenticated)
    }

    /// Whether the viewer is `user_id` or an administrator.
    pub fn is_self_or_admin(&self, user_id: Uuid) -> bool {
        self.admin || self.user_id == Some(user_id)
    }

    /// Sees every building and unit.
    pub fn sees_whole_estate(&self) -> bool {
        self.admin || self.supervisor
    }

    /// Buildings visible: `None` means all.
    pub async fn visible_buildings(&self) -> AppResult<Option<HashSet<Uuid>>> {
        if self.sees_whole_estate() {
            return Ok(None);
        }
        let (staff, resident) = (self.staff().await?, self.resident().await?);
        Ok(Some(
            staff
                .served_buildings
                .union(&resident.buildings)
                .copied()
                .collect(),
        ))
    }

    /// Condition on `unit` rows for the units visible: `None` means all. Staff see the units of
    /// the buildings they serve; residents their own units.
    pub async fn unit_condition(&self) -> AppResult<Option<Condition>> {
        if self.sees_whole_estate() {
            return Ok(None);
        }
        let (staff, resident) = (self.staff().await?, self.resident().await?);
        Ok(Some(
            Condition::any()
                .add(unit::Column::BuildingId.is_in(staff.served_buildings.iter().copied()))
                // sea-query renders an empty IN list as a false condition.
                .add(unit::Column::Id.is_in(resident.units.iter().copied())),
        ))
    }

    /// Whether `unit` is visible: the in-memory form of [`Scope::unit_condition`], for units
    /// that arrive through a loader rather than through the filtered query.
    pub async fn sees_unit(&self, unit: &unit::Model) -> AppResult<bool> {
        if self.sees_whole_estate() {
            return Ok(true);
        }
        Ok(self
            .staff()
            .await?
            .served_buildings
            .contains(&unit.building_id)
            || self.resident().await?.units.contains(&unit.id))
    }

    /// Whether the household of `unit_id` is visible: its current residents and administrators.
    pub async fn can_see_household(&self, unit_id: Uuid) -> AppResult<bool> {
        Ok(self.admin || self.resident().await?.units.contains(&unit_id))
    }

    /// Whether the viewer may change the household of `unit_id`.
    pub async fn can_manage_household(&self, unit_id: Uuid) -> AppResult<bool> {
        self.can_see_household(unit_id).await
    }

    /// Whether the viewer may see a resident's contact details given the buildings where the
    /// resident currently lives: administrators always, staff when they serve one of those
    /// buildings (work orders and care assignments use this).
    pub async fn can_see_resident_contact(
        &self,
        resident_buildings: &HashSet<Uuid>,
    ) -> AppResult<bool> {
        Ok(self.admin
            || !self
                .staff()
                .await?
                .served_buildings
                .is_disjoint(resident_buildings))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::auth::AuthenticatedUser;

    /// A scope over a disconnected database: any query would panic.
    fn scope_of(roles: &[Role]) -> Scope {
        let viewer = Viewer::User(AuthenticatedUser {
            id: Uuid::now_v7(),
            roles: roles.to_vec(),
        });
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        Scope::new(DatabaseConnection::default(), &viewer, today)
    }

    static LOADS: AtomicUsize = AtomicUsize::new(0);

    /// A facet a later domain could add, counting its loads.
    struct Volunteer(Uuid);

    impl Facet for Volunteer {
        async fn load(scope: &Scope) -> AppResult<Volunteer> {
            LOADS.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(Volunteer(scope.require_user()?))
        }
    }

    #[tokio::test]
    async fn a_facet_loads_once_per_scope_even_when_asked_for_concurrently() {
        let scope = scope_of(&[Role::Resident]);
        let (a, b) = tokio::join!(scope.facet::<Volunteer>(), scope.facet::<Volunteer>());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.0, scope.user_id.unwrap());
        assert_eq!(LOADS.load(Ordering::SeqCst), 1);
        scope.facet::<Volunteer>().await.unwrap();
        assert_eq!(LOADS.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_core_and_what_it_decides_run_no_query() {
        let admin = scope_of(&[Role::Admin]);
        assert!(admin.admin && !admin.supervisor);
        assert_eq!(admin.visible_buildings().await.unwrap(), None);
        assert!(admin.unit_condition().await.unwrap().is_none());
        assert!(admin.can_see_household(Uuid::now_v7()).await.unwrap());
        assert!(
            admin
                .can_see_resident_contact(&HashSet::new())
                .await
                .unwrap()
        );
        let supervisor = scope_of(&[Role::Supervisor]);
        assert_eq!(supervisor.visible_buildings().await.unwrap(), None);
        // Only STAFF holders have a staff record to look up.
        let merchant = scope_of(&[Role::Merchant]);
        let staff = merchant.staff().await.unwrap();
        assert!(staff.id.is_none() && staff.served_buildings.is_empty());
    }

    #[tokio::test]
    async fn a_disabled_or_anonymous_scope_has_empty_facets() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let scope = Scope::new(DatabaseConnection::default(), &Viewer::Anonymous, today);
        assert!(scope.require_user().is_err());
        assert!(scope.resident().await.unwrap().units.is_empty());
        assert!(scope.staff().await.unwrap().id.is_none());
        assert_eq!(
            scope.visible_buildings().await.unwrap(),
            Some(HashSet::new())
        );
    }
}

/// Whose staff records (and what hangs on them: certificates, training, acknowledgements, the
/// rewards and penalties ledger) the viewer may read: administrators and supervisors everyone's,
/// an active manager those of the staff serving any building they serve (themselves included),
/// other staff their own, residents and others none. Staff-professionalism domains read it with
/// `scope.facet::<StaffOversight>()`.
#[derive(Clone, Debug, Default)]
pub struct StaffOversight {
    /// Every staff record.
    pub all: bool,
    /// The staff records visible otherwise.
    pub staff: HashSet<Uuid>,
    /// The viewer's own staff record, if any.
    pub own: Option<Uuid>,
    /// Whether the viewer manages others (an active manager, or an administrator).
    pub manages: bool,
}

impl StaffOversight {
    /// Whether the viewer may read `staff_id`'s records.
    pub fn sees(&self, staff_id: Uuid) -> bool {
        self.all || self.staff.contains(&staff_id)
    }
}

impl Facet for StaffOversight {
    async fn load(scope: &Scope) -> AppResult<StaffOversight> {
        let staff = scope.staff().await?;
        let own = staff.id;
        if scope.admin || scope.supervisor {
            return Ok(StaffOversight {
                all: true,
                staff: HashSet::new(),
                own,
                manages: scope.admin,
            });
        }
        let mut visible: HashSet<Uuid> = own.into_iter().collect();
        let manager = staff.active
            && staff.post.as_deref()
                == Some(crate::domains::estate::types::StaffPost::Manager.as_str());
        if manager && !staff.served_buildings.is_empty() {
            visible.extend(
                staff_building::Entity::find()
                    .filter(
                        staff_building::Column::BuildingId
                            .is_in(staff.served_buildings.iter().copied()),
                    )
                    .all(scope.db())
                    .await?
                    .into_iter()
                    .map(|row| row.staff_id),
            );
        }
        Ok(StaffOversight {
            all: false,
            staff: visible,
            own,
            manages: manager,
        })
    }
}
