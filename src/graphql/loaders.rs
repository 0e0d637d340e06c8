//! Per-request DataLoaders: every relation resolved per item goes through one of these, so a
//! page of N items with nested relations costs a constant number of statements.

use std::{collections::HashMap, hash::Hash};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::Role,
    domains::estate::{
        access::{Scope, current_residency},
        types::ServiceCategory,
    },
    error::LoadError,
};
use entity::{
    building, household_member, notice, residency, staff_building, staff_category, staff_record,
    unit, user, user_role,
};

/// The loaders of one request (or one WebSocket operation), and the viewer's access scope.
pub struct Loaders {
    /// Roles by user id.
    pub roles: DataLoader<RolesLoader, HashMapCache>,
    /// Users by id.
    pub users: DataLoader<UsersLoader, HashMapCache>,
    /// Buildings by id.
    pub buildings: DataLoader<BuildingsLoader, HashMapCache>,
    /// Units by id.
    pub units: DataLoader<UnitsLoader, HashMapCache>,
    /// Units of current residencies by user id.
    pub current_units: DataLoader<CurrentUnitsLoader, HashMapCache>,
    /// Household members by unit id.
    pub household: DataLoader<HouseholdLoader, HashMapCache>,
    /// Staff records by user id.
    pub staff_by_user: DataLoader<StaffByUserLoader, HashMapCache>,
    /// Served buildings by staff record id.
    pub staff_buildings: DataLoader<StaffBuildingsLoader, HashMapCache>,
    /// Service categories by staff record id.
    pub staff_categories: DataLoader<StaffCategoriesLoader, HashMapCache>,
    /// The newest notice superseding each notice.
    pub superseded_by: DataLoader<SupersededByLoader, HashMapCache>,
    /// The viewer's access scope, computed on first use.
    pub scope: tokio::sync::OnceCell<Scope>,
    /// The notices domain's loaders (made with the scope, on first use).
    pub notices: tokio::sync::OnceCell<crate::domains::notices::loaders::NoticeLoaders>,
}

impl Loaders {
    /// Fresh loaders over the state's database.
    pub fn new(state: &AppState) -> Loaders {
        let db = state.db.clone();
        let window = state.config.dataloader_window;
        Loaders {
            roles: loader(RolesLoader(db.clone()), window),
            users: loader(UsersLoader(db.clone()), window),
            buildings: loader(BuildingsLoader(db.clone()), window),
            units: loader(UnitsLoader(db.clone()), window),
            current_units: loader(CurrentUnitsLoader(db.clone()), window),
            household: loader(HouseholdLoader(db.clone()), window),
            staff_by_user: loader(StaffByUserLoader(db.clone()), window),
            staff_buildings: loader(StaffBuildingsLoader(db.clone()), window),
            staff_categories: loader(StaffCategoriesLoader(db.clone()), window),
            superseded_by: loader(SupersededByLoader(db), window),
            scope: tokio::sync::OnceCell::new(),
            notices: tokio::sync::OnceCell::new(),
        }
    }
}

/// A request-scoped loader that caches what it loaded, so a key asked for again (the same
/// building under many units) costs nothing. It gathers keys for `window` before querying:
/// async-graphql resolves a long list over several polling passes (the executor's fairness
/// yields between them), and keys registered after the window go into a second batch.
fn loader<T: Loader<Uuid>>(inner: T, window: std::time::Duration) -> DataLoader<T, HashMapCache> {
    DataLoader::with_cache(inner, tokio::spawn, HashMapCache::default()).delay(window)
}

/// Loader failures are shared between the fields waiting on one batch.
type Shared = LoadError;

/// Groups `rows` under their key, with an empty list for every key that has none.
fn group<K: Eq + Hash + Copy, R, V>(
    keys: &[K],
    rows: impl IntoIterator<Item = R>,
    split: impl Fn(R) -> (K, V),
) -> HashMap<K, Vec<V>> {
    let mut groups: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        let (key, value) = split(row);
        groups.entry(key).or_default().push(value);
    }
    groups
}

/// Roles of many users in one statement.
pub struct RolesLoader(DatabaseConnection);

impl Loader<Uuid> for RolesLoader {
    type Value = Vec<Role>;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Role>>, Shared> {
        let rows = user_role::Entity::find()
            .filter(user_role::Column::UserId.is_in(keys.iter().copied()))
            .order_by_asc(user_role::Column::Role)
            .all(&self.0)
            .await?;
        let mut roles = group(keys, rows, |row| (row.user_id, Role::parse(&row.role)));
        Ok(roles
            .drain()
            .map(|(k, v)| (k, v.into_iter().flatten().collect()))
            .collect())
    }
}

/// Users by id.
pub struct UsersLoader(DatabaseConnection);

impl Loader<Uuid> for UsersLoader {
    type Value = user::Model;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, user::Model>, Shared> {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Buildings by id.
pub struct BuildingsLoader(DatabaseConnection);

impl Loader<Uuid> for BuildingsLoader {
    type Value = building::Model;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, building::Model>, Shared> {
        let rows = building::Entity::find()
            .filter(building::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Units by id.
pub struct UnitsLoader(DatabaseConnection);

impl Loader<Uuid> for UnitsLoader {
    type Value = unit::Model;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, unit::Model>, Shared> {
        let rows = unit::Entity::find()
            .filter(unit::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Units of each user's current residencies.
pub struct CurrentUnitsLoader(DatabaseConnection);

impl Loader<Uuid> for CurrentUnitsLoader {
    type Value = Vec<unit::Model>;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<unit::Model>>, Shared> {
        let rows = residency::Entity::find()
            .filter(residency::Column::UserId.is_in(keys.iter().copied()))
            .filter(current_residency(Utc::now().date_naive()))
            .find_also_related(unit::Entity)
            .order_by_asc(residency::Column::Id)
            .all(&self.0)
            .await?;
        let mut units = group(keys, rows, |(residency, unit)| (residency.user_id, unit));
        Ok(units
            .drain()
            .map(|(k, v)| (k, v.into_iter().flatten().collect()))
            .collect())
    }
}

/// Household members of each unit.
pub struct HouseholdLoader(DatabaseConnection);

impl Loader<Uuid> for HouseholdLoader {
    type Value = Vec<household_member::Model>;
    type Error = Shared;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<household_member::Model>>, Shared> {
        let rows = household_member::Entity::find()
            .filter(household_member::Column::UnitId.is_in(keys.iter().copied()))
            .order_by_asc(household_member::Column::Id)
            .all(&self.0)
            .await?;
        Ok(group(keys, rows, |row| (row.unit_id, row)))
    }
}

/// The staff record of each user.
pub struct StaffByUserLoader(DatabaseConnection);

impl Loader<Uuid> for StaffByUserLoader {
    type Value = staff_record::Model;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, staff_record::Model>, Shared> {
        let rows = staff_record::Entity::find()
            .filter(staff_record::Column::UserId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|row| (row.user_id, row)).collect())
    }
}

/// Buildings each staff member serves.
pub struct StaffBuildingsLoader(DatabaseConnection);

impl Loader<Uuid> for StaffBuildingsLoader {
    type Value = Vec<building::Model>;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<building::Model>>, Shared> {
        let rows = staff_building::Entity::find()
            .filter(staff_building::Column::StaffId.is_in(keys.iter().copied()))
            .find_also_related(building::Entity)
            .order_by_asc(staff_building::Column::BuildingId)
            .all(&self.0)
            .await?;
        let mut buildings = group(keys, rows, |(link, building)| (link.staff_id, building));
        Ok(buildings
            .drain()
            .map(|(k, v)| (k, v.into_iter().flatten().collect()))
            .collect())
    }
}

/// Service categories of each staff member.
pub struct StaffCategoriesLoader(DatabaseConnection);

impl Loader<Uuid> for StaffCategoriesLoader {
    type Value = Vec<ServiceCategory>;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<ServiceCategory>>, Shared> {
        let rows = staff_category::Entity::find()
            .filter(staff_category::Column::StaffId.is_in(keys.iter().copied()))
            .order_by_asc(staff_category::Column::Category)
            .all(&self.0)
            .await?;
        let mut categories = group(keys, rows, |row| {
            (row.staff_id, ServiceCategory::parse(&row.category))
        });
        Ok(categories
            .drain()
            .map(|(k, v)| (k, v.into_iter().flatten().collect()))
            .collect())
    }
}

/// The newest notice that supersedes each notice.
pub struct SupersededByLoader(DatabaseConnection);

impl Loader<Uuid> for SupersededByLoader {
    type Value = Uuid;
    type Error = Shared;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Uuid>, Shared> {
        let rows = notice::Entity::find()
            .filter(notice::Column::SupersedesId.is_in(keys.iter().copied()))
            .filter(notice::Column::Status.ne("DRAFT"))
            .order_by_asc(notice::Column::Id)
            .all(&self.0)
            .await?;
        // Ascending order: a later correction overwrites an earlier one.
        Ok(rows
            .into_iter()
            .filter_map(|n| n.supersedes_id.map(|old| (old, n.id)))
            .collect())
    }
}
