//! A user's current homes in one statement, for the home page's `viewer { units { building
//! householdMembers } }`: current residencies joined with their units and buildings, and with
//! the households' members when the page asks for them. What it read primes the request's
//! loaders (current residencies, buildings, households), so the nested fields resolve without a
//! statement of their own. Other users' units (an administrator's list) still go through the
//! batched [`CurrentResidenciesLoader`].

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, IdenStatic, Iterable, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationDef, RelationTrait, Select,
};
use uuid::Uuid;

use super::{
    access::{Scope, current_residency},
    loaders::{BuildingById, CurrentResidenciesLoader, HouseholdByUnit},
};
use crate::{error::AppResult, graphql::loaders::Loaders};
use entity::{building, household_member, residency, unit};

/// The current residencies of `scope`'s viewer on the scope's day with their units, oldest
/// first, read in one statement together with the buildings (and, with `members`, the
/// households' members), all of which prime `loaders`. Requests that share the viewer's facets
/// share what was read, too ([`Scope::shared_memo`]): every change to a resident's homes (their
/// residencies, a unit's floor or number, a building's name or address, a household's members)
/// raises the access version of the residents it concerns, which starts a new memo.
pub async fn current_homes(
    loaders: &Loaders,
    scope: &Scope,
    members: bool,
) -> AppResult<Vec<(residency::Model, unit::Model)>> {
    let user_id = scope.require_user()?;
    let memo = scope.shared_memo::<HomesMemo>();
    let kept = memo.as_ref().and_then(|memo| {
        memo.lock()
            .clone()
            .filter(|homes| homes.members || !members)
    });
    let homes = match kept {
        Some(homes) => homes,
        None => {
            let homes = Arc::new(read_homes(scope.db(), user_id, scope.today(), members).await?);
            if let Some(memo) = &memo {
                *memo.lock() = Some(homes.clone());
            }
            homes
        }
    };
    loaders
        .get::<CurrentResidenciesLoader>()
        .feed_one(user_id, homes.homes.clone())
        .await;
    loaders
        .get::<BuildingById>()
        .feed_many(homes.buildings.clone())
        .await;
    if homes.members {
        loaders
            .get::<HouseholdByUnit>()
            .feed_many(homes.households.clone())
            .await;
    }
    Ok(homes.homes.clone())
}

/// A viewer's homes as [`current_homes`] read them.
struct Homes {
    /// Whether the households' members were read.
    members: bool,
    homes: Vec<(residency::Model, unit::Model)>,
    buildings: HashMap<Uuid, building::Model>,
    households: HashMap<Uuid, Vec<household_member::Model>>,
}

/// The homes that requests sharing one viewer's facets read last.
#[derive(Default)]
struct HomesMemo(Mutex<Option<Arc<Homes>>>);

impl HomesMemo {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<Homes>>> {
        // Replacing the value cannot leave it half-changed: recover a poisoned lock.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The statement of [`current_homes`].
async fn read_homes(
    db: &DatabaseConnection,
    user_id: Uuid,
    today: NaiveDate,
    members: bool,
) -> AppResult<Homes> {
    let mut query = residency::Entity::find()
        .select_only()
        .filter(residency::Column::UserId.eq(user_id))
        .filter(current_residency(today))
        .join(JoinType::InnerJoin, residency::Relation::Unit.def())
        .join(JoinType::InnerJoin, unit_building());
    query = columns::<residency::Entity>(query, "r_");
    query = columns::<unit::Entity>(query, "u_");
    query = columns::<building::Entity>(query, "b_");
    if members {
        query = columns::<household_member::Entity>(
            query.join_rev(JoinType::LeftJoin, member_unit()),
            "m_",
        );
    }
    query = query.order_by_asc(residency::Column::Id);
    if members {
        query = query.order_by_asc(household_member::Column::Id);
    }
    let rows = query.into_model::<HomeRow>().all(db).await?;

    let mut homes: Vec<(residency::Model, unit::Model)> = Vec::new();
    let mut buildings: HashMap<Uuid, building::Model> = HashMap::new();
    let mut households: HashMap<Uuid, Vec<household_member::Model>> = HashMap::new();
    for row in rows {
        if homes.last().is_none_or(|(r, _)| r.id != row.residency.id) {
            households.entry(row.unit.id).or_default();
            homes.push((row.residency, row.unit.clone()));
        }
        if let Some(member) = row.member {
            let list = households.entry(row.unit.id).or_default();
            if !list.iter().any(|m| m.id == member.id) {
                list.push(member);
            }
        }
        buildings.insert(row.building.id, row.building);
    }
    Ok(Homes {
        members,
        homes,
        buildings,
        households,
    })
}

/// One row of [`current_homes`]: a residency, its unit and building, and one member (if any).
struct HomeRow {
    residency: residency::Model,
    unit: unit::Model,
    building: building::Model,
    member: Option<household_member::Model>,
}

impl FromQueryResult for HomeRow {
    fn from_query_result(res: &sea_orm::QueryResult, _: &str) -> Result<Self, sea_orm::DbErr> {
        // A unit without members (NULL columns), or members not asked for (no columns).
        let member =
            Option::<household_member::Model>::from_query_result(res, "m_").unwrap_or(None);
        Ok(HomeRow {
            residency: residency::Model::from_query_result(res, "r_")?,
            unit: unit::Model::from_query_result(res, "u_")?,
            building: building::Model::from_query_result(res, "b_")?,
            member,
        })
    }
}

/// Every column of `E`, named `<prefix><column>`.
fn columns<E: EntityTrait>(
    mut query: Select<residency::Entity>,
    prefix: &str,
) -> Select<residency::Entity> {
    for column in E::Column::iter() {
        query = query.column_as(
            sea_orm::sea_query::Expr::col((E::default(), column)),
            format!("{prefix}{}", column.as_str()),
        );
    }
    query
}

/// A unit's building.
fn unit_building() -> RelationDef {
    unit::Entity::belongs_to(building::Entity)
        .from(unit::Column::BuildingId)
        .to(building::Column::Id)
        .into()
}

/// A household member's unit (joined in reverse: from the unit to its members).
fn member_unit() -> RelationDef {
    household_member::Entity::belongs_to(unit::Entity)
        .from(household_member::Column::UnitId)
        .to(unit::Column::Id)
        .into()
}
