//! Estate rules: who may read and change buildings, units, residencies, households and staff
//! records, with every write in one transaction.

use std::collections::HashSet;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, Select,
};
use uuid::Uuid;

use super::{
    access::{Scope, units_of_building},
    types::{
        HouseholdMemberKind, ResidencyRelation, ServiceCategory, StaffPost, StaffStatus, UnitKind,
    },
};
use crate::{
    app::AppState,
    apply_changes,
    auth::{Role, guard},
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::{
        pagination::{Keyset, Page, PageRequest},
        text::{OptionalText, Text},
    },
    store::{find_or_not_found, one_or_not_found, replace_links},
};
use entity::{
    building, household_member, residency, staff_building, staff_category, staff_record, unit,
    user, user_role,
};

pub use crate::graphql::text::{optional_text, text};

/// A building's name.
pub type BuildingName = Text<100>;
/// A street address.
pub type Address = Text<300>;
/// Opening hours of a service centre, e.g. "Mon–Sat 08:00–20:00" (may be empty).
pub type OpeningHours = OptionalText<200>;
/// A unit's number, unique within its building.
pub type UnitNumber = Text<20>;
/// A household member's name.
pub type MemberName = Text<100>;
/// A pet's species.
pub type Species = Text<50>;
/// Care needs of a household member (may be empty).
pub type CareNeeds = OptionalText<1000>;
/// An employee number, unique.
pub type EmployeeNumber = Text<32>;

/// A new building.
pub struct NewBuilding {
    /// Name.
    pub name: BuildingName,
    /// Address.
    pub address: Address,
    /// Service-centre hours.
    pub service_centre_hours: OpeningHours,
}

/// Building changes.
#[derive(Default)]
pub struct BuildingChanges {
    /// Name.
    pub name: Option<BuildingName>,
    /// Address.
    pub address: Option<Address>,
    /// Service-centre hours.
    pub service_centre_hours: Option<OpeningHours>,
}

/// A new unit.
pub struct NewUnit {
    /// Building.
    pub building_id: Uuid,
    /// Floor.
    pub floor: i32,
    /// Number.
    pub number: UnitNumber,
    /// Kind.
    pub kind: UnitKind,
}

/// Unit changes.
#[derive(Default)]
pub struct UnitChanges {
    /// Floor.
    pub floor: Option<i32>,
    /// Number.
    pub number: Option<UnitNumber>,
    /// Kind.
    pub kind: Option<UnitKind>,
}

/// A new residency.
pub struct NewResidency {
    /// Resident.
    pub user_id: Uuid,
    /// Unit.
    pub unit_id: Uuid,
    /// Relation.
    pub relation: ResidencyRelation,
    /// Move-in date.
    pub moved_in: NaiveDate,
}

/// A new household member.
pub struct NewHouseholdMember {
    /// Household (unit).
    pub unit_id: Uuid,
    /// Kind.
    pub kind: HouseholdMemberKind,
    /// Name.
    pub name: MemberName,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Species (pets).
    pub species: Option<Species>,
    /// Care needs.
    pub care_needs: CareNeeds,
}

/// Household member changes.
#[derive(Default)]
pub struct HouseholdMemberChanges {
    /// Name.
    pub name: Option<MemberName>,
    /// Birth date (`Some(None)` clears it).
    pub birth_date: Option<Option<NaiveDate>>,
    /// Species (`Some(None)` clears it).
    pub species: Option<Option<Species>>,
    /// Care needs.
    pub care_needs: Option<CareNeeds>,
}

/// A new staff record.
pub struct NewStaffRecord {
    /// The user employed.
    pub user_id: Uuid,
    /// Post.
    pub post: StaffPost,
    /// Employee number.
    pub employee_number: EmployeeNumber,
    /// Hire date.
    pub hire_date: NaiveDate,
    /// Status.
    pub status: StaffStatus,
    /// Buildings served.
    pub building_ids: Vec<Uuid>,
    /// Categories.
    pub categories: Vec<ServiceCategory>,
}

/// Staff record changes.
#[derive(Default)]
pub struct StaffRecordChanges {
    /// Post.
    pub post: Option<StaffPost>,
    /// Status.
    pub status: Option<StaffStatus>,
    /// Buildings served.
    pub building_ids: Option<Vec<Uuid>>,
    /// Categories.
    pub categories: Option<Vec<ServiceCategory>>,
}

/// Filters of lists.
#[derive(Default)]
pub struct EstateFilter {
    /// Building.
    pub building_id: Option<Uuid>,
    /// Unit.
    pub unit_id: Option<Uuid>,
    /// User.
    pub user_id: Option<Uuid>,
    /// Unit kind.
    pub unit_kind: Option<UnitKind>,
    /// Household member kind.
    pub member_kind: Option<HouseholdMemberKind>,
    /// Staff post.
    pub post: Option<StaffPost>,
    /// Staff status.
    pub status: Option<StaffStatus>,
}

async fn grant_role<C: ConnectionTrait>(db: &C, user_id: Uuid, role: Role) -> AppResult<()> {
    let has = user_role::Entity::find_by_id((user_id, role.as_str().to_owned()))
        .one(db)
        .await?
        .is_some();
    if !has {
        user_role::Entity::insert(user_role::ActiveModel {
            user_id: Set(user_id),
            role: Set(role.as_str().to_owned()),
        })
        .exec(db)
        .await?;
    }
    Ok(())
}

async fn require_buildings<C: ConnectionTrait>(db: &C, field: &str, ids: &[Uuid]) -> AppResult<()> {
    let unique: HashSet<Uuid> = ids.iter().copied().collect();
    let found = building::Entity::find()
        .filter(building::Column::Id.is_in(unique.iter().copied()))
        .count(db)
        .await?;
    if found != unique.len() as u64 {
        return Err(AppError::unknown_id(field, "building"));
    }
    Ok(())
}

async fn set_staff_links(
    txn: &DatabaseTransaction,
    staff_id: Uuid,
    building_ids: Option<&[Uuid]>,
    categories: Option<&[ServiceCategory]>,
) -> AppResult<()> {
    if let Some(ids) = building_ids {
        replace_links(
            txn,
            staff_building::Column::StaffId,
            staff_id,
            ids.iter().copied(),
            |building_id| staff_building::ActiveModel {
                staff_id: Set(staff_id),
                building_id: Set(building_id),
            },
        )
        .await?;
    }
    if let Some(categories) = categories {
        replace_links(
            txn,
            staff_category::Column::StaffId,
            staff_id,
            categories.iter().copied(),
            |category| staff_category::ActiveModel {
                staff_id: Set(staff_id),
                category: Set(category.as_str().to_owned()),
            },
        )
        .await?;
    }
    Ok(())
}

/// The estate service.
pub struct EstateService<'a> {
    state: &'a AppState,
}

impl<'a> EstateService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        EstateService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    async fn buildings_query(scope: &Scope) -> AppResult<Select<building::Entity>> {
        let query = building::Entity::find();
        Ok(match scope.visible_buildings().await? {
            None => query,
            Some(ids) => query.filter(building::Column::Id.is_in(ids)),
        })
    }

    /// Buildings visible to the viewer.
    pub async fn buildings(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<building::Model>> {
        Keyset::new()
            .asc(building::Column::Id)
            .fetch(self.db(), Self::buildings_query(scope).await?, page)
            .await
    }

    /// One visible building.
    pub async fn building(&self, scope: &Scope, id: Uuid) -> AppResult<building::Model> {
        one_or_not_found(
            self.db(),
            Self::buildings_query(scope)
                .await?
                .filter(building::Column::Id.eq(id)),
        )
        .await
    }

    /// Creates a building (administrators).
    pub async fn create_building(
        &self,
        scope: &Scope,
        new: NewBuilding,
    ) -> AppResult<building::Model> {
        guard::require_admin(scope)?;
        let now = self.state.clock.now();
        Ok(building::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name.into()),
            address: Set(new.address.into()),
            service_centre_hours: Set(new.service_centre_hours.into()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(self.db())
        .await?)
    }

    /// Changes a building (administrators).
    pub async fn update_building(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: BuildingChanges,
    ) -> AppResult<building::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let model = find_or_not_found::<building::Entity, _>(write.txn(), id).await?;
        let mut active: building::ActiveModel = model.into();
        apply_changes!(active, {
            name: changes.name,
            address: changes.address,
            service_centre_hours: changes.service_centre_hours,
        });
        active.updated_at = Set(write.now());
        let building = active.update(write.txn()).await?;
        // The residents' homes read the building: their next requests read it again.
        let today = self.state.clock.today();
        let residents = residents_of(write.txn(), Homes::Building(id), today).await?;
        write.access_changed(&residents)?;
        write.commit().await?;
        Ok(building)
    }

    async fn units_query(scope: &Scope, filter: &EstateFilter) -> AppResult<Select<unit::Entity>> {
        let mut query = unit::Entity::find();
        if let Some(condition) = scope.unit_condition().await? {
            query = query.filter(condition);
        }
        if let Some(building_id) = filter.building_id {
            query = query.filter(unit::Column::BuildingId.eq(building_id));
        }
        if let Some(kind) = filter.unit_kind {
            query = query.filter(unit::Column::Kind.eq(kind.as_str()));
        }
        Ok(query)
    }

    /// Units visible to the viewer.
    pub async fn units(
        &self,
        scope: &Scope,
        filter: &EstateFilter,
        page: &PageRequest,
    ) -> AppResult<Page<unit::Model>> {
        Keyset::new()
            .asc(unit::Column::Id)
            .fetch(self.db(), Self::units_query(scope, filter).await?, page)
            .await
    }

    /// One visible unit.
    pub async fn unit(&self, scope: &Scope, id: Uuid) -> AppResult<unit::Model> {
        one_or_not_found(
            self.db(),
            Self::units_query(scope, &EstateFilter::default())
                .await?
                .filter(unit::Column::Id.eq(id)),
        )
        .await
    }

    async fn check_unit_number<C: ConnectionTrait>(
        db: &C,
        building_id: Uuid,
        number: &str,
        except: Option<Uuid>,
    ) -> AppResult<()> {
        let mut query = unit::Entity::find()
            .filter(unit::Column::BuildingId.eq(building_id))
            .filter(unit::Column::Number.eq(number));
        if let Some(id) = except {
            query = query.filter(unit::Column::Id.ne(id));
        }
        if query.one(db).await?.is_some() {
            return Err(AppError::Conflict {
                field: Some("input.number".to_owned()),
                message: "the building already has a unit with this number".to_owned(),
            });
        }
        Ok(())
    }

    /// Creates a unit (administrators).
    pub async fn create_unit(&self, scope: &Scope, new: NewUnit) -> AppResult<unit::Model> {
        guard::require_admin(scope)?;
        let txn = crate::db::begin_write(self.db()).await?;
        require_buildings(&txn, "input.buildingId", &[new.building_id]).await?;
        Self::check_unit_number(&txn, new.building_id, &new.number, None).await?;
        let unit = unit::ActiveModel {
            id: Set(Uuid::now_v7()),
            building_id: Set(new.building_id),
            floor: Set(new.floor),
            number: Set(new.number.into()),
            kind: Set(new.kind.as_str().to_owned()),
            created_at: Set(self.state.clock.now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(unit)
    }

    /// Changes a unit (administrators).
    pub async fn update_unit(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: UnitChanges,
    ) -> AppResult<unit::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        let model = find_or_not_found::<unit::Entity, _>(txn, id).await?;
        if let Some(number) = &changes.number {
            Self::check_unit_number(txn, model.building_id, number, Some(id)).await?;
        }
        let mut active: unit::ActiveModel = model.into();
        apply_changes!(active, {
            floor: changes.floor,
            number: changes.number,
            kind: changes.kind.map(|kind| kind.as_str()),
        });
        let unit = active.update(txn).await?;
        // A floor decides which floor notices reach the residents, and their homes show the
        // unit: their next requests (and open subscriptions) judge them afresh.
        let residents = residents_of(txn, Homes::Unit(id), self.state.clock.today()).await?;
        write.access_changed(&residents)?;
        write.commit().await?;
        Ok(unit)
    }

    /// Links a resident to a unit and grants them the resident role (administrators).
    pub async fn create_residency(
        &self,
        scope: &Scope,
        new: NewResidency,
    ) -> AppResult<(residency::Model, unit::Model)> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        if user::Entity::find_by_id(new.user_id)
            .one(txn)
            .await?
            .is_none()
        {
            return Err(AppError::unknown_id("input.userId", "user"));
        }
        let unit = unit::Entity::find_by_id(new.unit_id)
            .one(txn)
            .await?
            .ok_or(AppError::unknown_id("input.unitId", "unit"))?;
        let overlapping = residency::Entity::find()
            .filter(residency::Column::UserId.eq(new.user_id))
            .filter(residency::Column::UnitId.eq(new.unit_id))
            .filter(
                sea_orm::Condition::any()
                    .add(residency::Column::MovedOut.is_null())
                    .add(residency::Column::MovedOut.gt(new.moved_in)),
            )
            .one(txn)
            .await?;
        if overlapping.is_some() {
            return Err(AppError::Conflict {
                field: Some("input.unitId".to_owned()),
                message: "the resident already lives in this unit".to_owned(),
            });
        }
        let residency = residency::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(new.user_id),
            unit_id: Set(new.unit_id),
            relation: Set(new.relation.as_str().to_owned()),
            moved_in: Set(new.moved_in),
            moved_out: Set(None),
            created_at: Set(write.now()),
        }
        .insert(txn)
        .await?;
        grant_role(txn, new.user_id, Role::Resident).await?;
        // Open subscriptions judge the next event with the resident's new homes.
        write.access_changed(&[new.user_id])?;
        write.commit().await?;
        Ok((residency, unit))
    }

    /// Residencies (administrators), optionally of one user or unit, or only current ones.
    pub async fn residencies(
        &self,
        scope: &Scope,
        filter: &EstateFilter,
        current_only: bool,
        page: &PageRequest,
    ) -> AppResult<Page<(residency::Model, unit::Model)>> {
        guard::require_admin(scope)?;
        let mut query = residency::Entity::find();
        if let Some(user_id) = filter.user_id {
            query = query.filter(residency::Column::UserId.eq(user_id));
        }
        if let Some(unit_id) = filter.unit_id {
            query = query.filter(residency::Column::UnitId.eq(unit_id));
        }
        if current_only {
            query = query.filter(super::access::current_residency(self.state.clock.today()));
        }
        let page = Keyset::new()
            .asc(residency::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        let units: std::collections::HashMap<Uuid, unit::Model> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(page.items.iter().map(|r| r.unit_id)))
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        page.try_map(|r| {
            let unit = units
                .get(&r.unit_id)
                .cloned()
                .ok_or(AppError::NotFound("unit"))?;
            Ok((r, unit))
        })
    }

    /// One residency with its unit (administrators, as for the list; `NOT_FOUND` for anyone
    /// else, so it does not tell whether the residency exists).
    pub async fn residency(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(residency::Model, unit::Model)> {
        if !scope.admin {
            return Err(AppError::NotFound("residency"));
        }
        let (model, unit) = residency::Entity::find_by_id(id)
            .find_also_related(unit::Entity)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("residency"))?;
        Ok((model, unit.ok_or(AppError::NotFound("unit"))?))
    }

    /// Ends a residency on `moved_out` (administrators).
    pub async fn end_residency(
        &self,
        scope: &Scope,
        id: Uuid,
        moved_out: NaiveDate,
    ) -> AppResult<(residency::Model, unit::Model)> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        let (model, unit) = residency::Entity::find_by_id(id)
            .find_also_related(unit::Entity)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound("residency"))?;
        let unit = unit.ok_or(AppError::NotFound("unit"))?;
        if moved_out < model.moved_in {
            return Err(AppError::bad_input(
                "input.movedOut",
                "is before the move-in date",
            ));
        }
        let mut active: residency::ActiveModel = model.into();
        active.moved_out = Set(Some(moved_out));
        let residency = active.update(txn).await?;
        // Open subscriptions judge the next event with the resident's new homes.
        write.access_changed(&[residency.user_id])?;
        write.commit().await?;
        Ok((residency, unit))
    }

    async fn household_query(
        scope: &Scope,
        filter: &EstateFilter,
    ) -> AppResult<Select<household_member::Entity>> {
        let mut query = household_member::Entity::find();
        if !scope.admin {
            let resident = scope.resident().await?;
            if resident.units.is_empty() {
                return Err(AppError::Forbidden(
                    "only a household and administrators see its members".to_owned(),
                ));
            }
            query = query
                .filter(household_member::Column::UnitId.is_in(resident.units.iter().copied()));
        }
        if let Some(unit_id) = filter.unit_id {
            query = query.filter(household_member::Column::UnitId.eq(unit_id));
        }
        if let Some(kind) = filter.member_kind {
            query = query.filter(household_member::Column::Kind.eq(kind.as_str()));
        }
        Ok(query)
    }

    /// Household members visible to the viewer: their own households', or all for
    /// administrators; `FORBIDDEN` for anyone else.
    pub async fn household_members(
        &self,
        scope: &Scope,
        filter: &EstateFilter,
        page: &PageRequest,
    ) -> AppResult<Page<household_member::Model>> {
        let query = Self::household_query(scope, filter).await?;
        Keyset::new()
            .asc(household_member::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One visible household member.
    pub async fn household_member(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<household_member::Model> {
        let member = household_member::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("household member"))?;
        if !scope.can_see_household(member.unit_id).await? {
            return Err(AppError::NotFound("household member"));
        }
        Ok(member)
    }

    /// Adds a member to one of the viewer's households (or any, for administrators).
    pub async fn add_household_member(
        &self,
        scope: &Scope,
        new: NewHouseholdMember,
    ) -> AppResult<household_member::Model> {
        // A unit the viewer cannot see is NOT_FOUND, like an unknown one; one they see but do
        // not live in (staff, supervisors) is FORBIDDEN.
        self.unit(scope, new.unit_id)
            .await
            .map_err(|err| err.on_field("input.unitId"))?;
        if !scope.can_manage_household(new.unit_id).await? {
            return Err(AppError::Forbidden(
                "you can only add members to your own household".to_owned(),
            ));
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let member = household_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            unit_id: Set(new.unit_id),
            kind: Set(new.kind.as_str().to_owned()),
            name: Set(new.name.into()),
            birth_date: Set(new.birth_date),
            species: Set(new.species.map(String::from)),
            care_needs: Set(new.care_needs.into()),
            consent_at: Set(now),
            created_at: Set(now),
        }
        .insert(write.txn())
        .await?;
        household_changed(write, member.unit_id).await?;
        Ok(member)
    }

    /// Changes a member of one of the viewer's households.
    pub async fn update_household_member(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: HouseholdMemberChanges,
    ) -> AppResult<household_member::Model> {
        let model = self.household_member(scope, id).await?;
        let write = Write::begin(self.state).await?;
        let mut active: household_member::ActiveModel = model.into();
        apply_changes!(active, {
            name: changes.name,
            birth_date: changes.birth_date,
            species: changes.species.map(|species| species.map(String::from)),
            care_needs: changes.care_needs,
        });
        let member = active.update(write.txn()).await?;
        household_changed(write, member.unit_id).await?;
        Ok(member)
    }

    /// Removes a member of one of the viewer's households.
    pub async fn remove_household_member(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<household_member::Model> {
        let model = self.household_member(scope, id).await?;
        let write = Write::begin(self.state).await?;
        household_member::Entity::delete_by_id(id)
            .exec(write.txn())
            .await?;
        household_changed(write, model.unit_id).await?;
        Ok(model)
    }

    async fn staff_query(
        scope: &Scope,
        filter: &EstateFilter,
    ) -> AppResult<Select<staff_record::Entity>> {
        let mut query = staff_record::Entity::find();
        if !scope.sees_whole_estate() {
            match scope.staff().await?.id {
                Some(own) => query = query.filter(staff_record::Column::Id.eq(own)),
                None => {
                    return Err(AppError::Forbidden(
                        "only staff, supervisors and administrators see staff records".to_owned(),
                    ));
                }
            }
        }
        if let Some(building_id) = filter.building_id {
            query = query.filter(
                staff_record::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(staff_building::Column::StaffId)
                        .from(staff_building::Entity)
                        .and_where(staff_building::Column::BuildingId.eq(building_id))
                        .to_owned(),
                ),
            );
        }
        if let Some(post) = filter.post {
            query = query.filter(staff_record::Column::Post.eq(post.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(staff_record::Column::Status.eq(status.as_str()));
        }
        Ok(query)
    }

    /// Staff records visible to the viewer.
    pub async fn staff_records(
        &self,
        scope: &Scope,
        filter: &EstateFilter,
        page: &PageRequest,
    ) -> AppResult<Page<staff_record::Model>> {
        let query = Self::staff_query(scope, filter).await?;
        Keyset::new()
            .asc(staff_record::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One visible staff record.
    pub async fn staff_record(&self, scope: &Scope, id: Uuid) -> AppResult<staff_record::Model> {
        let query = Self::staff_query(scope, &EstateFilter::default())
            .await
            .map_err(|_| AppError::NotFound("staff record"))?;
        one_or_not_found(self.db(), query.filter(staff_record::Column::Id.eq(id))).await
    }

    /// Records a user as staff and grants the staff role (administrators).
    pub async fn create_staff_record(
        &self,
        scope: &Scope,
        new: NewStaffRecord,
    ) -> AppResult<staff_record::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        if user::Entity::find_by_id(new.user_id)
            .one(txn)
            .await?
            .is_none()
        {
            return Err(AppError::unknown_id("input.userId", "user"));
        }
        if staff_record::Entity::find()
            .filter(staff_record::Column::UserId.eq(new.user_id))
            .one(txn)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict {
                field: Some("input.userId".to_owned()),
                message: "the user already has a staff record".to_owned(),
            });
        }
        if staff_record::Entity::find()
            .filter(staff_record::Column::EmployeeNumber.eq(new.employee_number.as_str()))
            .one(txn)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict {
                field: Some("input.employeeNumber".to_owned()),
                message: "another staff member has this employee number".to_owned(),
            });
        }
        require_buildings(txn, "input.buildingIds", &new.building_ids).await?;
        let now = write.now();
        let record = staff_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(new.user_id),
            post: Set(new.post.as_str().to_owned()),
            employee_number: Set(new.employee_number.into()),
            hire_date: Set(new.hire_date),
            status: Set(new.status.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        set_staff_links(
            txn,
            record.id,
            Some(&new.building_ids),
            Some(&new.categories),
        )
        .await?;
        grant_role(txn, new.user_id, Role::Staff).await?;
        // Served buildings follow the record: open subscriptions see the change at once.
        write.access_changed(&[new.user_id])?;
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(record)
    }

    /// Changes a staff record (administrators).
    pub async fn update_staff_record(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: StaffRecordChanges,
    ) -> AppResult<staff_record::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        let model = find_or_not_found::<staff_record::Entity, _>(txn, id).await?;
        if let Some(ids) = &changes.building_ids {
            require_buildings(txn, "input.buildingIds", ids).await?;
        }
        let mut active: staff_record::ActiveModel = model.into();
        apply_changes!(active, {
            post: changes.post.map(|post| post.as_str()),
            status: changes.status.map(|status| status.as_str()),
        });
        active.updated_at = Set(write.now());
        let record = active.update(txn).await?;
        set_staff_links(
            txn,
            id,
            changes.building_ids.as_deref(),
            changes.categories.as_deref(),
        )
        .await?;
        // Served buildings follow the record: open subscriptions see the change at once.
        write.access_changed(&[record.user_id])?;
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(record)
    }
}

/// Where residents live, for [`residents_of`].
enum Homes {
    Unit(Uuid),
    Building(Uuid),
}

/// The users living in `homes` on `today` or from a later day (their residency has not ended): those whose homes, as their requests keep them, change with it.
async fn residents_of<C: ConnectionTrait>(
    db: &C,
    homes: Homes,
    today: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    use sea_orm::QuerySelect;
    let mut query = residency::Entity::find()
        .select_only()
        .column(residency::Column::UserId)
        .distinct()
        .filter(
            sea_orm::Condition::any()
                .add(residency::Column::MovedOut.is_null())
                .add(residency::Column::MovedOut.gt(today)),
        );
    query = match homes {
        Homes::Unit(unit) => query.filter(residency::Column::UnitId.eq(unit)),
        Homes::Building(building) => {
            query.filter(residency::Column::UnitId.in_subquery(units_of_building(building)))
        }
    };
    Ok(query.into_tuple::<Uuid>().all(db).await?)
}

/// Commits `write`, a change to the household of `unit`: its residents' homes show the
/// household, so their next requests read it again.
async fn household_changed(mut write: Write<'_>, unit: Uuid) -> AppResult<()> {
    let today = write.state().clock.today();
    let residents = residents_of(write.txn(), Homes::Unit(unit), today).await?;
    write.access_changed(&residents)?;
    write.commit().await?;
    Ok(())
}
