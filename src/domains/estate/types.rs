//! GraphQL types of the estate, built from the entity models.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{
    BuildingById, CurrentResidentsLoader, HouseholdByUnit, StaffBuildingsLoader,
    StaffCategoriesLoader, UnitById,
};
use crate::{
    domains::identity::{loaders::UserById, types::User},
    error::{AppError, AppResult},
    graphql::{ContextExt, plain::Plain, scalars::Date},
    text_enum,
};
use entity::{building, household_member, residency, staff_record, unit};

text_enum! {
    /// What a unit is used for.
    pub enum UnitKind {
        /// A flat people live in.
        Flat => "FLAT",
        /// A shop or office.
        Commercial => "COMMERCIAL",
        /// A parking space.
        Parking => "PARKING",
    }
}

text_enum! {
    /// How a resident relates to a unit.
    pub enum ResidencyRelation {
        /// Owns the unit.
        Owner => "OWNER",
        /// Rents the unit.
        Tenant => "TENANT",
        /// Lives with the owner or tenant.
        Family => "FAMILY",
    }
}

text_enum! {
    /// Who a household member is.
    pub enum HouseholdMemberKind {
        /// A child.
        Child => "CHILD",
        /// An elderly person.
        Elder => "ELDER",
        /// A pet.
        Pet => "PET",
    }
}

text_enum! {
    /// A staff member's post.
    pub enum StaffPost {
        /// Customer service.
        CustomerService => "CUSTOMER_SERVICE",
        /// Repair technician.
        RepairTechnician => "REPAIR_TECHNICIAN",
        /// Electrician.
        Electrician => "ELECTRICIAN",
        /// Cleaner.
        Cleaner => "CLEANER",
        /// Gardener.
        Gardener => "GARDENER",
        /// Security guard.
        Security => "SECURITY",
        /// Fire-control operator.
        FireControl => "FIRE_CONTROL",
        /// Caregiver (childcare, elderly care).
        Caregiver => "CAREGIVER",
        /// Health assistant.
        HealthAssistant => "HEALTH_ASSISTANT",
        /// Manager.
        Manager => "MANAGER",
    }
}

text_enum! {
    /// Where a staff member stands.
    pub enum StaffStatus {
        /// Hired, still in pre-job training: may not work yet.
        Onboarding => "ONBOARDING",
        /// Working.
        Active => "ACTIVE",
        /// Temporarily suspended.
        Suspended => "SUSPENDED",
        /// Has left.
        Left => "LEFT",
    }
}

text_enum! {
    /// A category of service a staff member can deliver.
    pub enum ServiceCategory {
        /// Housekeeping.
        Housekeeping => "HOUSEKEEPING",
        /// Repair and maintenance.
        Repair => "REPAIR",
        /// Greening and landscaping.
        Greening => "GREENING",
        /// Cleaning.
        Cleaning => "CLEANING",
        /// Security.
        Security => "SECURITY",
        /// Fire safety.
        FireSafety => "FIRE_SAFETY",
        /// Facility maintenance.
        Facility => "FACILITY",
        /// Health management.
        Health => "HEALTH",
        /// Childcare.
        Childcare => "CHILDCARE",
        /// Elderly care.
        ElderlyCare => "ELDERLY_CARE",
        /// Pet care.
        PetCare => "PET_CARE",
        /// Customer service.
        CustomerService => "CUSTOMER_SERVICE",
    }
}

/// A building of the estate.
#[derive(SimpleObject, Clone)]
pub struct Building {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Opening hours of the building's service centre.
    pub service_centre_hours: String,
}

impl crate::graphql::plain::PlainFields for Building {
    fn plain_field(&self, name: &str) -> Option<async_graphql::Value> {
        use crate::graphql::plain::plain;
        Some(match name {
            "id" => plain(&self.id),
            "name" => plain(&self.name),
            "address" => plain(&self.address),
            "serviceCentreHours" => plain(&self.service_centre_hours),
            _ => return None,
        })
    }
}

impl From<building::Model> for Building {
    fn from(model: building::Model) -> Self {
        Building {
            id: ID(model.id.to_string()),
            name: model.name,
            address: model.address,
            service_centre_hours: model.service_centre_hours,
        }
    }
}

/// A unit: a flat, a shop or a parking space.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Unit {
    /// Id.
    pub id: ID,
    /// Floor (negative below ground).
    pub floor: i32,
    /// Number, unique within the building.
    pub number: String,
    /// What the unit is used for.
    pub kind: UnitKind,
    /// The unit id as a UUID.
    #[graphql(skip)]
    pub uuid: Uuid,
    /// The building id.
    #[graphql(skip)]
    pub building_id: Uuid,
}

impl Unit {
    /// From a model; fails on a kind the code does not know.
    pub fn try_from_model(model: unit::Model) -> AppResult<Unit> {
        Ok(Unit {
            id: ID(model.id.to_string()),
            floor: model.floor,
            kind: UnitKind::from_stored(&model.kind)?,
            number: model.number,
            uuid: model.id,
            building_id: model.building_id,
        })
    }
}

#[ComplexObject]
impl Unit {
    /// The building the unit is in.
    async fn building(&self, ctx: &Context<'_>) -> async_graphql::Result<Plain<Building>> {
        let building = ctx
            .loaders()?
            .load_one::<BuildingById>(self.building_id)
            .await?
            .ok_or(AppError::NotFound("building"))?;
        Ok(Plain(building.into()))
    }

    /// The household's members (children, elders, pets). Only the household and
    /// administrators see them; for anyone else the list is empty.
    async fn household_members(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Plain<HouseholdMember>>> {
        let scope = ctx.scope().await?;
        if !scope.can_see_household(self.uuid).await? {
            return Ok(Vec::new());
        }
        let members = ctx
            .loaders()?
            .load_one::<HouseholdByUnit>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(members
            .into_iter()
            .map(|member| HouseholdMember::try_from_model(member).map(Plain))
            .collect::<AppResult<_>>()?)
    }

    /// The people who live here now (current residencies, oldest first): names and how each
    /// relates to the unit. Only the unit's current residents and administrators see them; for
    /// anyone else (staff, managers and supervisors included) the list is empty.
    async fn residents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UnitResident>> {
        let scope = ctx.scope().await?;
        if !scope.can_see_household(self.uuid).await? {
            return Ok(Vec::new());
        }
        let residents = ctx
            .loaders()?
            .load_one::<CurrentResidentsLoader>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(residents
            .into_iter()
            .map(|(residency, user)| {
                Ok(UnitResident {
                    display_name: user.display_name,
                    relation: ResidencyRelation::from_stored(&residency.relation)?,
                })
            })
            .collect::<AppResult<_>>()?)
    }
}

/// Someone who lives in a unit now, as the unit's other residents see them.
#[derive(SimpleObject, Clone)]
pub struct UnitResident {
    /// The name they show to others.
    pub display_name: String,
    /// How they relate to the unit: owner, tenant or family.
    pub relation: ResidencyRelation,
}

/// A resident's link to a unit.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Residency {
    /// Id.
    pub id: ID,
    /// How the resident relates to the unit.
    pub relation: ResidencyRelation,
    /// Move-in date.
    pub moved_in: Date,
    /// Move-out date, if the residency ended or will end.
    pub moved_out: Option<Date>,
    /// The resident's user id.
    #[graphql(skip)]
    pub user_id: Uuid,
    /// The unit.
    #[graphql(skip)]
    pub unit: unit::Model,
}

#[ComplexObject]
impl Residency {
    /// The unit.
    async fn unit(&self) -> async_graphql::Result<Unit> {
        Ok(Unit::try_from_model(self.unit.clone())?)
    }

    /// The resident's user id (the same as `user.id`).
    async fn user_id(&self) -> ID {
        ID(self.user_id.to_string())
    }

    /// The resident. Null when you may not see that user: residencies are for administrators,
    /// and a user is visible to themself and administrators (as with `user(id:)`).
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let scope = ctx.scope().await?;
        if !scope.is_self_or_admin(self.user_id) {
            return Ok(None);
        }
        let user = ctx.loaders()?.load_one::<UserById>(self.user_id).await?;
        Ok(user.map(User::from))
    }
}

impl Residency {
    /// From a residency and its unit.
    pub fn try_from_models(model: residency::Model, unit: unit::Model) -> AppResult<Residency> {
        Ok(Residency {
            id: ID(model.id.to_string()),
            relation: ResidencyRelation::from_stored(&model.relation)?,
            moved_in: model.moved_in.into(),
            moved_out: model.moved_out.map(Date),
            user_id: model.user_id,
            unit,
        })
    }
}

/// A member of a household cared for by personalised services.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct HouseholdMember {
    /// Id.
    pub id: ID,
    /// The household's unit id (the same as `unit.id`).
    pub unit_id: ID,
    /// Child, elder or pet.
    pub kind: HouseholdMemberKind,
    /// Name.
    pub name: String,
    /// Birth date, when given.
    pub birth_date: Option<Date>,
    /// Species, for pets.
    pub species: Option<String>,
    /// Care needs.
    pub care_needs: String,
    /// When the household consented to keeping these details.
    pub consent_at: DateTime<Utc>,
    /// The unit id as a UUID.
    #[graphql(skip)]
    pub unit_uuid: Uuid,
}

impl crate::graphql::plain::PlainFields for HouseholdMember {
    fn plain_field(&self, name: &str) -> Option<async_graphql::Value> {
        use crate::graphql::plain::plain;
        Some(match name {
            "id" => plain(&self.id),
            "unitId" => plain(&self.unit_id),
            "kind" => plain(&self.kind),
            "name" => plain(&self.name),
            "birthDate" => plain(&self.birth_date),
            "species" => plain(&self.species),
            "careNeeds" => plain(&self.care_needs),
            "consentAt" => plain(&self.consent_at),
            _ => return None,
        })
    }
}

impl HouseholdMember {
    /// From a model.
    pub fn try_from_model(model: household_member::Model) -> AppResult<HouseholdMember> {
        Ok(HouseholdMember {
            id: ID(model.id.to_string()),
            unit_id: ID(model.unit_id.to_string()),
            kind: HouseholdMemberKind::from_stored(&model.kind)?,
            name: model.name,
            birth_date: model.birth_date.map(Date),
            species: model.species,
            care_needs: model.care_needs,
            consent_at: model.consent_at,
            unit_uuid: model.unit_id,
        })
    }
}

#[ComplexObject]
impl HouseholdMember {
    /// The household's unit. Null when you may not see that unit (as with `unit(id:)`); whoever
    /// sees a household member sees its unit, so this is null only by a change of rules.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        let scope = ctx.scope().await?;
        let Some(unit) = ctx.loaders()?.load_one::<UnitById>(self.unit_uuid).await? else {
            return Ok(None);
        };
        if !scope.sees_unit(&unit).await? {
            return Ok(None);
        }
        Ok(Some(Unit::try_from_model(unit)?))
    }
}

/// A staff member's employment record.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct StaffRecord {
    /// Id.
    pub id: ID,
    /// Post.
    pub post: StaffPost,
    /// Employee number.
    pub employee_number: String,
    /// Hire date.
    pub hire_date: Date,
    /// Status.
    pub status: StaffStatus,
    /// The record id as a UUID.
    #[graphql(skip)]
    pub uuid: Uuid,
    /// The staff member's user id.
    #[graphql(skip)]
    pub user_id: Uuid,
}

impl StaffRecord {
    /// From a model.
    pub fn try_from_model(model: staff_record::Model) -> AppResult<StaffRecord> {
        Ok(StaffRecord {
            id: ID(model.id.to_string()),
            post: StaffPost::from_stored(&model.post)?,
            employee_number: model.employee_number,
            hire_date: model.hire_date.into(),
            status: StaffStatus::from_stored(&model.status)?,
            uuid: model.id,
            user_id: model.user_id,
        })
    }
}

#[ComplexObject]
impl StaffRecord {
    /// The staff member's name, for everyone who may see the record (supervisors included).
    async fn display_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.user_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        Ok(user.display_name)
    }

    /// The staff member's user account (email, phone, roles). Null when you may not see that
    /// user: a user is visible to themself and administrators (as with `user(id:)`), so a
    /// supervisor reads names and posts of staff records, not their contact details.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let scope = ctx.scope().await?;
        if !scope.is_self_or_admin(self.user_id) {
            return Ok(None);
        }
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.user_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        Ok(Some(user.into()))
    }

    /// Buildings the staff member serves.
    async fn buildings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Building>> {
        let buildings = ctx
            .loaders()?
            .load_one::<StaffBuildingsLoader>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(buildings.into_iter().map(Building::from).collect())
    }

    /// Service categories the staff member works in.
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ServiceCategory>> {
        let categories = ctx
            .loaders()?
            .load_one::<StaffCategoriesLoader>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(categories)
    }
}
