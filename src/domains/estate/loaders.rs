//! The estate's DataLoaders and entity nouns: relations of buildings, units, households and
//! staff resolved per item, batched per request through the generic loaders.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{access::current_residency, types::ServiceCategory};
use crate::{
    clock::Clock,
    error::LoadError,
    graphql::loaders::{ByColumn, ById, ColumnKey, DomainLoader, OneByColumn, group},
    store::Named,
};
use entity::{
    building, household_member, residency, staff_building, staff_category, staff_record, unit, user,
};

impl Named for building::Entity {
    const NOUN: &'static str = "building";
}
impl Named for unit::Entity {
    const NOUN: &'static str = "unit";
}
impl Named for residency::Entity {
    const NOUN: &'static str = "residency";
}
impl Named for household_member::Entity {
    const NOUN: &'static str = "household member";
}
impl Named for staff_record::Entity {
    const NOUN: &'static str = "staff record";
}

/// Buildings by id.
pub type BuildingById = ById<building::Entity>;
/// Units by id.
pub type UnitById = ById<unit::Entity>;

/// A household member's unit.
pub struct MemberUnit;
impl ColumnKey for MemberUnit {
    type Entity = household_member::Entity;
    const COLUMN: household_member::Column = household_member::Column::UnitId;
}
/// Household members by unit, oldest first.
pub type HouseholdByUnit = ByColumn<MemberUnit>;

/// A staff record's user.
pub struct StaffUser;
impl ColumnKey for StaffUser {
    type Entity = staff_record::Entity;
    const COLUMN: staff_record::Column = staff_record::Column::UserId;
}
/// The staff record of each user.
pub type StaffByUser = OneByColumn<StaffUser>;

/// Each user's current residencies with their units ("current" on the clock's today), oldest
/// first.
pub struct CurrentResidenciesLoader(DatabaseConnection, Clock);

impl DomainLoader for CurrentResidenciesLoader {
    fn new(db: DatabaseConnection, clock: &Clock) -> Self {
        CurrentResidenciesLoader(db, clock.clone())
    }
}

impl async_graphql::dataloader::Loader<Uuid> for CurrentResidenciesLoader {
    type Value = Vec<(residency::Model, unit::Model)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<(residency::Model, unit::Model)>>, LoadError> {
        let rows = residency::Entity::find()
            .filter(residency::Column::UserId.is_in(keys.iter().copied()))
            .filter(current_residency(self.1.today()))
            .find_also_related(unit::Entity)
            .order_by_asc(residency::Column::Id)
            .all(&self.0)
            .await?;
        let mut homes = group(keys, rows, |(residency, unit)| {
            (residency.user_id, unit.map(|unit| (residency, unit)))
        });
        Ok(homes
            .drain()
            .map(|(k, v)| (k, v.into_iter().flatten().collect()))
            .collect())
    }
}

/// Each unit's current residents with their users ("current" on the clock's today), oldest
/// residency first: two statements for any number of units.
pub struct CurrentResidentsLoader(DatabaseConnection, Clock);

impl DomainLoader for CurrentResidentsLoader {
    fn new(db: DatabaseConnection, clock: &Clock) -> Self {
        CurrentResidentsLoader(db, clock.clone())
    }
}

impl async_graphql::dataloader::Loader<Uuid> for CurrentResidentsLoader {
    type Value = Vec<(residency::Model, user::Model)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<(residency::Model, user::Model)>>, LoadError> {
        let residencies = residency::Entity::find()
            .filter(residency::Column::UnitId.is_in(keys.iter().copied()))
            .filter(current_residency(self.1.today()))
            .order_by_asc(residency::Column::MovedIn)
            .order_by_asc(residency::Column::Id)
            .all(&self.0)
            .await?;
        let users: HashMap<Uuid, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(residencies.iter().map(|r| r.user_id)))
            .all(&self.0)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut residents = group(keys, residencies, |residency| {
            let user = users.get(&residency.user_id).cloned();
            (residency.unit_id, user.map(|user| (residency, user)))
        });
        Ok(residents
            .drain()
            .map(|(k, v)| (k, v.into_iter().flatten().collect()))
            .collect())
    }
}

/// Buildings each staff member serves.
pub struct StaffBuildingsLoader(DatabaseConnection);

impl DomainLoader for StaffBuildingsLoader {
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        StaffBuildingsLoader(db)
    }
}

impl async_graphql::dataloader::Loader<Uuid> for StaffBuildingsLoader {
    type Value = Vec<building::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<building::Model>>, LoadError> {
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

impl DomainLoader for StaffCategoriesLoader {
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        StaffCategoriesLoader(db)
    }
}

impl async_graphql::dataloader::Loader<Uuid> for StaffCategoriesLoader {
    type Value = Vec<ServiceCategory>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<ServiceCategory>>, LoadError> {
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
