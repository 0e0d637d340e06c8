//! Who a notice is for: the audience model (estate, buildings, floors, units, roles), the people
//! it resolves to, and the one visibility rule that queries, subjects and subscriptions share.

use std::collections::HashSet;

use chrono::NaiveDate;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
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
    notice, notice_audience, residency, staff_building, staff_record, unit, user, user_role,
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

    pub(crate) fn rows(&self, notice_id: Uuid) -> Vec<notice_audience::ActiveModel> {
        let row = |scope: &str,
                   building: Option<Uuid>,
                   floor: Option<i32>,
                   unit: Option<Uuid>,
                   role: Option<Role>| notice_audience::ActiveModel {
            id: Set(Uuid::now_v7()),
            notice_id: Set(notice_id),
            scope: Set(scope.to_owned()),
            building_id: Set(building),
            floor: Set(floor),
            unit_id: Set(unit),
            role: Set(role.map(|r| r.as_str().to_owned())),
        };
        let mut rows = Vec::new();
        if self.estate {
            rows.push(row("ESTATE", None, None, None, None));
        }
        rows.extend(
            self.building_ids
                .iter()
                .map(|b| row("BUILDING", Some(*b), None, None, None)),
        );
        rows.extend(
            self.floors
                .iter()
                .map(|(b, f)| row("FLOOR", Some(*b), Some(*f), None, None)),
        );
        rows.extend(
            self.unit_ids
                .iter()
                .map(|u| row("UNIT", None, None, Some(*u), None)),
        );
        rows.extend(
            self.roles
                .iter()
                .map(|r| row("ROLE", None, None, None, Some(*r))),
        );
        rows
    }

    /// The audience stored as `rows`.
    pub fn from_rows(rows: &[notice_audience::Model]) -> Audience {
        let mut audience = Audience::default();
        for row in rows {
            match (
                row.scope.as_str(),
                row.building_id,
                row.floor,
                row.unit_id,
                row.role.as_deref(),
            ) {
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
    let (home, staff) = (scope.resident().await?, scope.staff().await?);
    let mut targets = Condition::any().add(notice_audience::Column::Scope.eq("ESTATE"));
    let buildings: Vec<Uuid> = home
        .buildings
        .union(&staff.served_buildings)
        .copied()
        .collect();
    targets = targets.add(
        Condition::all()
            .add(notice_audience::Column::Scope.eq("BUILDING"))
            .add(notice_audience::Column::BuildingId.is_in(buildings)),
    );
    for (building, floor) in &home.floors {
        targets = targets.add(
            Condition::all()
                .add(notice_audience::Column::Scope.eq("FLOOR"))
                .add(notice_audience::Column::BuildingId.eq(*building))
                .add(notice_audience::Column::Floor.eq(*floor)),
        );
    }
    targets = targets.add(
        Condition::all()
            .add(notice_audience::Column::Scope.eq("UNIT"))
            .add(notice_audience::Column::UnitId.is_in(home.units.iter().copied())),
    );
    targets = targets.add(
        Condition::all()
            .add(notice_audience::Column::Scope.eq("ROLE"))
            .add(notice_audience::Column::Role.is_in(scope.roles.iter().map(|r| r.as_str()))),
    );
    Ok(Condition::all()
        .add(notice::Column::Status.eq(NoticeStatus::Published.as_str()))
        .add(
            notice::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(notice_audience::Column::NoticeId)
                    .from(notice_audience::Entity)
                    .cond_where(targets)
                    .to_owned(),
            ),
        ))
}
