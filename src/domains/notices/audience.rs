//! Who a notice is for: the audience model (estate, buildings, floors, units, roles), the people
//! it resolves to, and the one visibility rule that queries, subjects and subscriptions share.

use std::collections::HashSet;

use chrono::NaiveDate;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, sea_query::SelectStatement,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::NoticeStatus;
use crate::{
    auth::{Role, guard},
    domains::estate::access::{ACTIVE_STAFF, Scope, current_residency},
    error::{AppError, AppResult},
};
use entity::{
    building, notice, notice_audience, residency, staff_building, staff_record, unit, user,
    user_role,
};

/// Who a notice is for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Audience {
    /// Everyone.
    pub estate: bool,
    /// Everyone living in or serving these buildings.
    pub building_ids: Vec<Uuid>,
    /// Everyone living on these floors, as (building, floor).
    pub floors: Vec<(Uuid, i32)>,
    /// Everyone living in these units.
    pub unit_ids: Vec<Uuid>,
    /// Everyone holding these roles.
    pub roles: Vec<Role>,
}

impl Audience {
    /// Whether no target is named.
    pub fn is_empty(&self) -> bool {
        !self.estate
            && self.building_ids.is_empty()
            && self.floors.is_empty()
            && self.unit_ids.is_empty()
            && self.roles.is_empty()
    }

    /// `BAD_USER_INPUT` on `input.audience` when it names no target.
    pub fn require_targets(&self) -> AppResult<()> {
        if self.is_empty() {
            return Err(AppError::bad_input(
                "input.audience",
                "names no one: give the estate, buildings, floors, units or roles",
            ));
        }
        Ok(())
    }

    /// Whether the viewer described by `scope` is in the audience (the rule queries and
    /// subscriptions share).
    /// Reads the resident and staff facets only when the estate or a role does not decide.
    pub async fn includes(&self, scope: &Scope) -> AppResult<bool> {
        if scope.user_id.is_none() {
            return Ok(false);
        }
        if self.estate || guard::holds_any(&scope.roles, &self.roles) {
            return Ok(true);
        }
        let (home, staff) = (scope.resident().await?, scope.staff().await?);
        Ok(self
            .building_ids
            .iter()
            .any(|b| home.buildings.contains(b) || staff.served_buildings.contains(b))
            || self.floors.iter().any(|f| home.floors.contains(f))
            || self.unit_ids.iter().any(|u| home.units.contains(u)))
    }

    /// The audience as stored targets, one per row of an audience table.
    pub fn targets(&self) -> Vec<Target> {
        let target = |scope: &'static str,
                      building_id: Option<Uuid>,
                      floor: Option<i32>,
                      unit_id: Option<Uuid>,
                      role: Option<Role>| Target {
            scope,
            building_id,
            floor,
            unit_id,
            role: role.map(|r| r.as_str().to_owned()),
        };
        let mut targets = Vec::new();
        if self.estate {
            targets.push(target("ESTATE", None, None, None, None));
        }
        targets.extend(
            self.building_ids
                .iter()
                .map(|b| target("BUILDING", Some(*b), None, None, None)),
        );
        targets.extend(
            self.floors
                .iter()
                .map(|(b, f)| target("FLOOR", Some(*b), Some(*f), None, None)),
        );
        targets.extend(
            self.unit_ids
                .iter()
                .map(|u| target("UNIT", None, None, Some(*u), None)),
        );
        targets.extend(
            self.roles
                .iter()
                .map(|r| target("ROLE", None, None, None, Some(*r))),
        );
        targets
    }

    pub(crate) fn rows(&self, notice_id: Uuid) -> Vec<notice_audience::ActiveModel> {
        self.targets()
            .into_iter()
            .map(|t| notice_audience::ActiveModel {
                id: Set(Uuid::now_v7()),
                notice_id: Set(notice_id),
                scope: Set(t.scope.to_owned()),
                building_id: Set(t.building_id),
                floor: Set(t.floor),
                unit_id: Set(t.unit_id),
                role: Set(t.role),
            })
            .collect()
    }

    /// The audience stored as `rows`.
    pub fn from_rows(rows: &[notice_audience::Model]) -> Audience {
        Audience::from_targets(rows.iter().map(|r| {
            (
                r.scope.as_str(),
                r.building_id,
                r.floor,
                r.unit_id,
                r.role.as_deref(),
            )
        }))
    }

    /// The audience stored as these targets (scope, building, floor, unit, role), from any
    /// audience table.
    pub fn from_targets<'a>(
        rows: impl IntoIterator<
            Item = (
                &'a str,
                Option<Uuid>,
                Option<i32>,
                Option<Uuid>,
                Option<&'a str>,
            ),
        >,
    ) -> Audience {
        let mut audience = Audience::default();
        for row in rows {
            match row {
                ("ESTATE", ..) => audience.estate = true,
                ("BUILDING", Some(b), ..) => audience.building_ids.push(b),
                ("FLOOR", Some(b), Some(f), ..) => audience.floors.push((b, f)),
                ("UNIT", _, _, Some(u), _) => audience.unit_ids.push(u),
                ("ROLE", _, _, _, Some(r)) => audience.roles.extend(Role::parse(r)),
                _ => {}
            }
        }
        audience
    }

    /// The buildings the audience names, by building or floor.
    pub fn named_buildings(&self) -> HashSet<Uuid> {
        let mut buildings: HashSet<Uuid> = self.building_ids.iter().copied().collect();
        buildings.extend(self.floors.iter().map(|(b, _)| *b));
        buildings
    }
}

/// One audience target as stored (a row of `notice_audience`, `activity_audience`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `ESTATE`, `BUILDING`, `FLOOR`, `UNIT` or `ROLE`.
    pub scope: &'static str,
    /// Building (for `BUILDING` and `FLOOR`).
    pub building_id: Option<Uuid>,
    /// Floor (for `FLOOR`).
    pub floor: Option<i32>,
    /// Unit (for `UNIT`).
    pub unit_id: Option<Uuid>,
    /// Role (for `ROLE`).
    pub role: Option<String>,
}

/// A table of audience targets (one row per target of its owner: a notice, an activity), so the
/// visibility rule below is written once for every owner.
pub trait AudienceTable: EntityTrait {
    /// The owner's id.
    const OWNER: Self::Column;
    /// `ESTATE`, `BUILDING`, `FLOOR`, `UNIT` or `ROLE`.
    const SCOPE: Self::Column;
    /// Building.
    const BUILDING_ID: Self::Column;
    /// Floor.
    const FLOOR: Self::Column;
    /// Unit.
    const UNIT_ID: Self::Column;
    /// Role.
    const ROLE: Self::Column;
}

impl AudienceTable for notice_audience::Entity {
    const OWNER: notice_audience::Column = notice_audience::Column::NoticeId;
    const SCOPE: notice_audience::Column = notice_audience::Column::Scope;
    const BUILDING_ID: notice_audience::Column = notice_audience::Column::BuildingId;
    const FLOOR: notice_audience::Column = notice_audience::Column::Floor;
    const UNIT_ID: notice_audience::Column = notice_audience::Column::UnitId;
    const ROLE: notice_audience::Column = notice_audience::Column::Role;
}

/// Checks that every target of `audience` exists (`NOT_FOUND` on the input field naming it),
/// and, for a manager (`served`: the buildings they serve), that it lies in their buildings
/// (`FORBIDDEN`): no estate, no roles, buildings, floors and units of theirs only.
pub async fn check_targets<C: ConnectionTrait>(
    db: &C,
    audience: &Audience,
    served: Option<&HashSet<Uuid>>,
) -> AppResult<()> {
    audience.require_targets()?;
    let buildings = audience.named_buildings();
    let found: HashSet<Uuid> = building::Entity::find()
        .select_only()
        .column(building::Column::Id)
        .filter(building::Column::Id.is_in(buildings.iter().copied()))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    if audience.building_ids.iter().any(|b| !found.contains(b)) {
        return Err(AppError::unknown_id(
            "input.audience.buildingIds",
            "building",
        ));
    }
    if audience.floors.iter().any(|(b, _)| !found.contains(b)) {
        return Err(AppError::unknown_id("input.audience.floors", "building"));
    }
    let units: HashSet<Uuid> = audience.unit_ids.iter().copied().collect();
    let unit_buildings: Vec<Uuid> = unit::Entity::find()
        .select_only()
        .column(unit::Column::BuildingId)
        .filter(unit::Column::Id.is_in(units.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    if unit_buildings.len() != units.len() {
        return Err(AppError::unknown_id("input.audience.unitIds", "unit"));
    }
    if let Some(served) = served {
        let outside = |b: &Uuid| !served.contains(b);
        if audience.estate || !audience.roles.is_empty() {
            return Err(AppError::Forbidden(
                "managers publish to the buildings they serve, not to the estate or roles"
                    .to_owned(),
            ));
        }
        if buildings.iter().any(outside) || unit_buildings.iter().any(outside) {
            return Err(AppError::Forbidden(
                "managers publish only to the buildings they serve".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Active users in `audience`.
pub async fn recipients<C: ConnectionTrait>(
    db: &C,
    audience: &Audience,
    today: NaiveDate,
) -> AppResult<HashSet<Uuid>> {
    let mut users: HashSet<Uuid> = HashSet::new();
    if audience.estate {
        users.extend(
            user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .into_tuple::<Uuid>()
                .all(db)
                .await?,
        );
    } else {
        let mut units = Condition::any();
        let mut any_unit_target = false;
        if !audience.building_ids.is_empty() {
            units =
                units.add(unit::Column::BuildingId.is_in(audience.building_ids.iter().copied()));
            any_unit_target = true;
        }
        for (building, floor) in &audience.floors {
            units = units.add(
                Condition::all()
                    .add(unit::Column::BuildingId.eq(*building))
                    .add(unit::Column::Floor.eq(*floor)),
            );
            any_unit_target = true;
        }
        if !audience.unit_ids.is_empty() {
            units = units.add(unit::Column::Id.is_in(audience.unit_ids.iter().copied()));
            any_unit_target = true;
        }
        if any_unit_target {
            let residents: Vec<Uuid> = residency::Entity::find()
                .select_only()
                .column(residency::Column::UserId)
                .inner_join(unit::Entity)
                .filter(current_residency(today))
                .filter(units)
                .into_tuple()
                .all(db)
                .await?;
            users.extend(residents);
        }
        if !audience.building_ids.is_empty() {
            let staff: Vec<Uuid> = staff_record::Entity::find()
                .select_only()
                .column(staff_record::Column::UserId)
                .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
                .filter(
                    staff_record::Column::Id.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(staff_building::Column::StaffId)
                            .from(staff_building::Entity)
                            .and_where(
                                staff_building::Column::BuildingId
                                    .is_in(audience.building_ids.iter().copied()),
                            )
                            .to_owned(),
                    ),
                )
                .into_tuple()
                .all(db)
                .await?;
            users.extend(staff);
        }
        if !audience.roles.is_empty() {
            let holders: Vec<Uuid> = user_role::Entity::find()
                .select_only()
                .column(user_role::Column::UserId)
                .filter(user_role::Column::Role.is_in(audience.roles.iter().map(|r| r.as_str())))
                .into_tuple()
                .all(db)
                .await?;
            users.extend(holders);
        }
    }
    if users.is_empty() {
        return Ok(users);
    }
    let disabled: Vec<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Status.ne("ACTIVE"))
        .into_tuple()
        .all(db)
        .await?;
    for id in disabled {
        users.remove(&id);
    }
    Ok(users)
}

/// The condition on `notice` rows visible to `scope`: published and addressed to the viewer
/// (everything published, for administrators). Loads the resident and staff facets.
pub async fn visible(scope: &Scope) -> AppResult<Condition> {
    if scope.admin {
        return Ok(Condition::all());
    }
    Ok(Condition::all()
        .add(notice::Column::Status.eq(NoticeStatus::Published.as_str()))
        .add(notice::Column::Id.in_subquery(addressed::<notice_audience::Entity>(scope).await?)))
}

/// The owners (in table `T`) of the targets that include the viewer described by `scope`: the
/// whole estate, a building they live in or serve, a floor or unit they live on, or a role of
/// theirs, as a subquery. Loads the resident and staff facets.
pub async fn addressed<T: AudienceTable>(scope: &Scope) -> AppResult<SelectStatement> {
    let (home, staff) = (scope.resident().await?, scope.staff().await?);
    let mut targets = Condition::any().add(T::SCOPE.eq("ESTATE"));
    let buildings: Vec<Uuid> = home
        .buildings
        .union(&staff.served_buildings)
        .copied()
        .collect();
    targets = targets.add(
        Condition::all()
            .add(T::SCOPE.eq("BUILDING"))
            .add(T::BUILDING_ID.is_in(buildings)),
    );
    for (building, floor) in &home.floors {
        targets = targets.add(
            Condition::all()
                .add(T::SCOPE.eq("FLOOR"))
                .add(T::BUILDING_ID.eq(*building))
                .add(T::FLOOR.eq(*floor)),
        );
    }
    targets = targets.add(
        Condition::all()
            .add(T::SCOPE.eq("UNIT"))
            .add(T::UNIT_ID.is_in(home.units.iter().copied())),
    );
    targets = targets.add(
        Condition::all()
            .add(T::SCOPE.eq("ROLE"))
            .add(T::ROLE.is_in(scope.roles.iter().map(|r| r.as_str()))),
    );
    Ok(sea_orm::sea_query::Query::select()
        .column(T::OWNER)
        .from(T::default())
        .cond_where(targets)
        .to_owned())
}
