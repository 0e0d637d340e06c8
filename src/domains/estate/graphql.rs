//! GraphQL surface of the estate: thin resolvers over [`EstateService`].

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;

use super::{
    service::{
        Address, BuildingChanges, BuildingName, CareNeeds, EmployeeNumber, EstateFilter,
        EstateService, HouseholdMemberChanges, MemberName, NewBuilding, NewHouseholdMember,
        NewResidency, NewStaffRecord, NewUnit, OpeningHours, Species, StaffRecordChanges,
        UnitChanges, UnitNumber,
    },
    types::{
        Building, HouseholdMember, HouseholdMemberKind, Residency, ResidencyRelation,
        ServiceCategory, StaffPost, StaffRecord, StaffStatus, Unit, UnitKind,
    },
};
use crate::graphql::{
    ContextExt,
    checks::Checks,
    ids::{parse_id, parse_ids, parse_opt_id},
    pagination::{CountedConnection, PageRequest},
    scalars::Date,
    text::change,
};

/// Filter of `units`.
#[derive(InputObject, Default)]
pub struct UnitFilter {
    /// Only units of this building.
    building_id: Option<ID>,
    /// Only units of this kind.
    kind: Option<UnitKind>,
}

/// Filter of `householdMembers`.
#[derive(InputObject, Default)]
pub struct HouseholdMemberFilter {
    /// Only members of this household (unit).
    unit_id: Option<ID>,
    /// Only members of this kind.
    kind: Option<HouseholdMemberKind>,
}

/// Filter of `residencies`.
#[derive(InputObject, Default)]
pub struct ResidencyFilter {
    /// Only residencies of this user.
    user_id: Option<ID>,
    /// Only residencies in this unit.
    unit_id: Option<ID>,
    /// Only current residencies (moved in, not moved out).
    current: Option<bool>,
}

/// Filter of `staffRecords`.
#[derive(InputObject, Default)]
pub struct StaffRecordFilter {
    /// Only staff serving this building.
    building_id: Option<ID>,
    /// Only staff in this post.
    post: Option<StaffPost>,
    /// Only staff with this status.
    status: Option<StaffStatus>,
}

/// Input of `createBuilding`.
#[derive(InputObject)]
pub struct CreateBuildingInput {
    /// Name (1–100 characters).
    name: String,
    /// Street address (1–300 characters).
    address: String,
    /// Opening hours of the service centre, e.g. "Mon–Sat 08:00–20:00".
    service_centre_hours: Option<String>,
}

/// Input of `updateBuilding`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateBuildingInput {
    /// The building.
    id: ID,
    /// New name.
    name: Option<String>,
    /// New address.
    address: Option<String>,
    /// New service-centre hours.
    service_centre_hours: Option<String>,
}

/// Result of a building mutation.
#[derive(SimpleObject)]
pub struct BuildingPayload {
    /// The building as stored.
    building: Building,
}

/// Input of `createUnit`.
#[derive(InputObject)]
pub struct CreateUnitInput {
    /// The building.
    building_id: ID,
    /// Floor (negative below ground).
    floor: i32,
    /// Number, unique within the building.
    number: String,
    /// What the unit is used for.
    kind: UnitKind,
}

/// Input of `updateUnit`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUnitInput {
    /// The unit.
    id: ID,
    /// New floor.
    floor: Option<i32>,
    /// New number.
    number: Option<String>,
    /// New kind.
    kind: Option<UnitKind>,
}

/// Result of a unit mutation.
#[derive(SimpleObject)]
pub struct UnitPayload {
    /// The unit as stored.
    unit: Unit,
}

/// Input of `createResidency`.
#[derive(InputObject)]
pub struct CreateResidencyInput {
    /// The resident.
    user_id: ID,
    /// The unit.
    unit_id: ID,
    /// How the resident relates to the unit.
    relation: ResidencyRelation,
    /// Move-in date.
    moved_in: Date,
}

/// Input of `endResidency`.
#[derive(InputObject)]
pub struct EndResidencyInput {
    /// The residency.
    id: ID,
    /// Move-out date (not before the move-in date).
    moved_out: Date,
}

/// Result of a residency mutation.
#[derive(SimpleObject)]
pub struct ResidencyPayload {
    /// The residency as stored.
    residency: Residency,
}

/// Input of `addHouseholdMember`.
#[derive(InputObject)]
pub struct AddHouseholdMemberInput {
    /// The household (one of your units).
    unit_id: ID,
    /// Child, elder or pet.
    kind: HouseholdMemberKind,
    /// Name (1–100 characters).
    name: String,
    /// Birth date.
    birth_date: Option<Date>,
    /// Species, for pets.
    species: Option<String>,
    /// Care needs (up to 1000 characters).
    care_needs: Option<String>,
    /// Must be true: the household agrees to these details being kept for personalised services.
    consent: bool,
}

/// Input of `updateHouseholdMember`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateHouseholdMemberInput {
    /// The member.
    id: ID,
    /// New name.
    name: Option<String>,
    /// New birth date; `null` clears it.
    birth_date: MaybeUndefined<Date>,
    /// New species; `null` clears it.
    species: MaybeUndefined<String>,
    /// New care needs.
    care_needs: Option<String>,
}

/// Input of `removeHouseholdMember`.
#[derive(InputObject)]
pub struct RemoveHouseholdMemberInput {
    /// The member.
    id: ID,
}

/// Result of a household mutation.
#[derive(SimpleObject)]
pub struct HouseholdMemberPayload {
    /// The member as stored (or as it was, when removed).
    household_member: HouseholdMember,
}

/// Input of `createStaffRecord`.
#[derive(InputObject)]
pub struct CreateStaffRecordInput {
    /// The user employed.
    user_id: ID,
    /// Post.
    post: StaffPost,
    /// Employee number, unique.
    employee_number: String,
    /// Hire date.
    hire_date: Date,
    /// Status; `ONBOARDING` when omitted (pre-job training comes first).
    status: Option<StaffStatus>,
    /// Buildings served.
    building_ids: Vec<ID>,
    /// Service categories.
    categories: Vec<ServiceCategory>,
}

/// Input of `updateStaffRecord`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateStaffRecordInput {
    /// The staff record.
    id: ID,
    /// New post.
    post: Option<StaffPost>,
    /// New status.
    status: Option<StaffStatus>,
    /// New set of buildings served.
    building_ids: Option<Vec<ID>>,
    /// New set of categories.
    categories: Option<Vec<ServiceCategory>>,
}

/// Result of a staff-record mutation.
#[derive(SimpleObject)]
pub struct StaffRecordPayload {
    /// The record as stored.
    staff_record: StaffRecord,
}

/// Estate queries.
#[derive(Default)]
pub struct EstateQuery;

#[Object]
impl EstateQuery {
    /// Buildings you can see: all for administrators and supervisors, the ones you serve or
    /// live in otherwise.
    async fn buildings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Building>> {
        ctx.require_user()?;
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = EstateService::new(ctx.state())
            .buildings(scope, &page)
            .await?;
        Ok(page.into_counted_connection(Building::from))
    }

    /// One building you can see.
    async fn building(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Building> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        Ok(EstateService::new(ctx.state())
            .building(scope, id)
            .await?
            .into())
    }

    /// Units you can see: all for administrators and supervisors, those of the buildings you
    /// serve, or your own.
    async fn units(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<UnitFilter>,
    ) -> async_graphql::Result<CountedConnection<Unit>> {
        ctx.require_user()?;
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let filter = EstateFilter {
            building_id: parse_opt_id("filter.buildingId", filter.building_id.as_ref())?,
            unit_kind: filter.kind,
            ..EstateFilter::default()
        };
        let scope = ctx.scope().await?;
        let page = EstateService::new(ctx.state())
            .units(scope, &filter, &page)
            .await?;
        Ok(page.try_into_counted_connection(Unit::try_from_model)?)
    }

    /// One unit you can see.
    async fn unit(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Unit> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        Ok(Unit::try_from_model(
            EstateService::new(ctx.state()).unit(scope, id).await?,
        )?)
    }

    /// Residencies, oldest first (administrators).
    async fn residencies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ResidencyFilter>,
    ) -> async_graphql::Result<CountedConnection<Residency>> {
        ctx.require_user()?;
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let current = filter.current.unwrap_or(false);
        let mut check = Checks::new();
        let user_id = check.field(parse_opt_id("filter.userId", filter.user_id.as_ref()));
        let unit_id = check.field(parse_opt_id("filter.unitId", filter.unit_id.as_ref()));
        let filter = check.finish(|| {
            Some(EstateFilter {
                user_id: user_id?,
                unit_id: unit_id?,
                ..EstateFilter::default()
            })
        })?;
        let scope = ctx.scope().await?;
        let page = EstateService::new(ctx.state())
            .residencies(scope, &filter, current, &page)
            .await?;
        Ok(page.try_into_counted_connection(|(r, u)| Residency::try_from_models(r, u))?)
    }

    /// Household members: your own households' for residents, all for administrators.
    async fn household_members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<HouseholdMemberFilter>,
    ) -> async_graphql::Result<CountedConnection<HouseholdMember>> {
        ctx.require_user()?;
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let filter = EstateFilter {
            unit_id: parse_opt_id("filter.unitId", filter.unit_id.as_ref())?,
            member_kind: filter.kind,
            ..EstateFilter::default()
        };
        let scope = ctx.scope().await?;
        let page = EstateService::new(ctx.state())
            .household_members(scope, &filter, &page)
            .await?;
        Ok(page.try_into_counted_connection(HouseholdMember::try_from_model)?)
    }

    /// One household member of your household (any, for administrators).
    async fn household_member(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<HouseholdMember> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        Ok(HouseholdMember::try_from_model(
            EstateService::new(ctx.state())
                .household_member(scope, id)
                .await?,
        )?)
    }

    /// Staff records: all for administrators and supervisors, your own for staff.
    async fn staff_records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<StaffRecordFilter>,
    ) -> async_graphql::Result<CountedConnection<StaffRecord>> {
        ctx.require_user()?;
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let filter = EstateFilter {
            building_id: parse_opt_id("filter.buildingId", filter.building_id.as_ref())?,
            post: filter.post,
            status: filter.status,
            ..EstateFilter::default()
        };
        let scope = ctx.scope().await?;
        let page = EstateService::new(ctx.state())
            .staff_records(scope, &filter, &page)
            .await?;
        Ok(page.try_into_counted_connection(StaffRecord::try_from_model)?)
    }

    /// One staff record you can see.
    async fn staff_record(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<StaffRecord> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        Ok(StaffRecord::try_from_model(
            EstateService::new(ctx.state())
                .staff_record(scope, id)
                .await?,
        )?)
    }
}

/// Estate mutations.
#[derive(Default)]
pub struct EstateMutation;

#[Object]
impl EstateMutation {
    /// Adds a building (administrators).
    async fn create_building(
        &self,
        ctx: &Context<'_>,
        input: CreateBuildingInput,
    ) -> async_graphql::Result<BuildingPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let name = check.field(BuildingName::parse("input.name", &input.name));
        let address = check.field(Address::parse("input.address", &input.address));
        let hours = check.field(OpeningHours::parse(
            "input.serviceCentreHours",
            input.service_centre_hours.as_deref().unwrap_or(""),
        ));
        let new = check.finish(|| {
            Some(NewBuilding {
                name: name?,
                address: address?,
                service_centre_hours: hours?,
            })
        })?;
        let scope = ctx.scope().await?;
        let building = EstateService::new(ctx.state())
            .create_building(scope, new)
            .await?;
        Ok(BuildingPayload {
            building: building.into(),
        })
    }

    /// Changes a building (administrators).
    async fn update_building(
        &self,
        ctx: &Context<'_>,
        input: UpdateBuildingInput,
    ) -> async_graphql::Result<BuildingPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let name = check.field(BuildingName::parse_opt("input.name", input.name.as_deref()));
        let address = check.field(Address::parse_opt(
            "input.address",
            input.address.as_deref(),
        ));
        let hours = check.field(OpeningHours::parse_opt(
            "input.serviceCentreHours",
            input.service_centre_hours.as_deref(),
        ));
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                BuildingChanges {
                    name: name?,
                    address: address?,
                    service_centre_hours: hours?,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let building = EstateService::new(ctx.state())
            .update_building(scope, id, changes)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(BuildingPayload {
            building: building.into(),
        })
    }

    /// Adds a unit to a building (administrators).
    async fn create_unit(
        &self,
        ctx: &Context<'_>,
        input: CreateUnitInput,
    ) -> async_graphql::Result<UnitPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let building_id = check.field(parse_id("input.buildingId", &input.building_id));
        let number = check.field(UnitNumber::parse("input.number", &input.number));
        let new = check.finish(|| {
            Some(NewUnit {
                building_id: building_id?,
                floor: input.floor,
                number: number?,
                kind: input.kind,
            })
        })?;
        let scope = ctx.scope().await?;
        let unit = EstateService::new(ctx.state())
            .create_unit(scope, new)
            .await?;
        Ok(UnitPayload {
            unit: Unit::try_from_model(unit)?,
        })
    }

    /// Changes a unit (administrators).
    async fn update_unit(
        &self,
        ctx: &Context<'_>,
        input: UpdateUnitInput,
    ) -> async_graphql::Result<UnitPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let number = check.field(UnitNumber::parse_opt(
            "input.number",
            input.number.as_deref(),
        ));
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                UnitChanges {
                    floor: input.floor,
                    number: number?,
                    kind: input.kind,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let unit = EstateService::new(ctx.state())
            .update_unit(scope, id, changes)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(UnitPayload {
            unit: Unit::try_from_model(unit)?,
        })
    }

    /// Records that a user lives in a unit; grants the resident role (administrators).
    async fn create_residency(
        &self,
        ctx: &Context<'_>,
        input: CreateResidencyInput,
    ) -> async_graphql::Result<ResidencyPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let user_id = check.field(parse_id("input.userId", &input.user_id));
        let unit_id = check.field(parse_id("input.unitId", &input.unit_id));
        let new = check.finish(|| {
            Some(NewResidency {
                user_id: user_id?,
                unit_id: unit_id?,
                relation: input.relation,
                moved_in: input.moved_in.into(),
            })
        })?;
        let scope = ctx.scope().await?;
        let (residency, unit) = EstateService::new(ctx.state())
            .create_residency(scope, new)
            .await?;
        Ok(ResidencyPayload {
            residency: Residency::try_from_models(residency, unit)?,
        })
    }

    /// Ends a residency; from the move-out date on it grants no access (administrators).
    async fn end_residency(
        &self,
        ctx: &Context<'_>,
        input: EndResidencyInput,
    ) -> async_graphql::Result<ResidencyPayload> {
        ctx.require_user()?;
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let (residency, unit) = EstateService::new(ctx.state())
            .end_residency(scope, id, input.moved_out.into())
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(ResidencyPayload {
            residency: Residency::try_from_models(residency, unit)?,
        })
    }

    /// Adds a child, elder or pet to your household, with your consent to keeping the details.
    async fn add_household_member(
        &self,
        ctx: &Context<'_>,
        input: AddHouseholdMemberInput,
    ) -> async_graphql::Result<HouseholdMemberPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let unit_id = check.field(parse_id("input.unitId", &input.unit_id));
        let name = check.field(MemberName::parse("input.name", &input.name));
        let species = check.field(Species::parse_opt(
            "input.species",
            input.species.as_deref(),
        ));
        let care_needs = check.field(CareNeeds::parse(
            "input.careNeeds",
            input.care_needs.as_deref().unwrap_or(""),
        ));
        check.rule(
            input.consent,
            "input.consent",
            "must be true: details are kept only with the household's consent",
        );
        let new = check.finish(|| {
            Some(NewHouseholdMember {
                unit_id: unit_id?,
                kind: input.kind,
                name: name?,
                birth_date: input.birth_date.map(NaiveDate::from),
                species: species?,
                care_needs: care_needs?,
            })
        })?;
        let scope = ctx.scope().await?;
        let member = EstateService::new(ctx.state())
            .add_household_member(scope, new)
            .await?;
        Ok(HouseholdMemberPayload {
            household_member: HouseholdMember::try_from_model(member)?,
        })
    }

    /// Changes a member of your household.
    async fn update_household_member(
        &self,
        ctx: &Context<'_>,
        input: UpdateHouseholdMemberInput,
    ) -> async_graphql::Result<HouseholdMemberPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let name = check.field(MemberName::parse_opt("input.name", input.name.as_deref()));
        let species = check.field(Species::parse_change("input.species", input.species));
        let care_needs = check.field(CareNeeds::parse_opt(
            "input.careNeeds",
            input.care_needs.as_deref(),
        ));
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                HouseholdMemberChanges {
                    name: name?,
                    birth_date: change(input.birth_date).map(|d| d.map(NaiveDate::from)),
                    species: species?,
                    care_needs: care_needs?,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let member = EstateService::new(ctx.state())
            .update_household_member(scope, id, changes)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(HouseholdMemberPayload {
            household_member: HouseholdMember::try_from_model(member)?,
        })
    }

    /// Removes a member of your household.
    async fn remove_household_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveHouseholdMemberInput,
    ) -> async_graphql::Result<HouseholdMemberPayload> {
        ctx.require_user()?;
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let member = EstateService::new(ctx.state())
            .remove_household_member(scope, id)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(HouseholdMemberPayload {
            household_member: HouseholdMember::try_from_model(member)?,
        })
    }

    /// Records a user as staff; grants the staff role (administrators).
    async fn create_staff_record(
        &self,
        ctx: &Context<'_>,
        input: CreateStaffRecordInput,
    ) -> async_graphql::Result<StaffRecordPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let user_id = check.field(parse_id("input.userId", &input.user_id));
        let employee_number = check.field(EmployeeNumber::parse(
            "input.employeeNumber",
            &input.employee_number,
        ));
        let building_ids = check.field(parse_ids("input.buildingIds", &input.building_ids));
        let new = check.finish(|| {
            Some(NewStaffRecord {
                user_id: user_id?,
                post: input.post,
                employee_number: employee_number?,
                hire_date: input.hire_date.into(),
                status: input.status.unwrap_or(StaffStatus::Onboarding),
                building_ids: building_ids?,
                categories: input.categories,
            })
        })?;
        let scope = ctx.scope().await?;
        let record = EstateService::new(ctx.state())
            .create_staff_record(scope, new)
            .await?;
        Ok(StaffRecordPayload {
            staff_record: StaffRecord::try_from_model(record)?,
        })
    }

    /// Changes a staff record (administrators).
    async fn update_staff_record(
        &self,
        ctx: &Context<'_>,
        input: UpdateStaffRecordInput,
    ) -> async_graphql::Result<StaffRecordPayload> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let building_ids = check.field(
            input
                .building_ids
                .as_deref()
                .map(|ids| parse_ids("input.buildingIds", ids))
                .transpose(),
        );
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                StaffRecordChanges {
                    post: input.post,
                    status: input.status,
                    building_ids: building_ids?,
                    categories: input.categories,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let record = EstateService::new(ctx.state())
            .update_staff_record(scope, id, changes)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(StaffRecordPayload {
            staff_record: StaffRecord::try_from_model(record)?,
        })
    }
}
