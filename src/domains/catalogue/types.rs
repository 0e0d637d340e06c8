//! GraphQL types of the catalogue, built from the entity models, and its enums (shared with
//! work orders).

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    input,
    loaders::{CategoryById, OfferingsByCategory, SlaByCategory},
    service::{CatalogueService, SlotWindow, sla_targets},
};
use crate::{
    domains::estate::types::ServiceCategory,
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        pagination::{CountedConnection, PageRequest},
    },
    text_enum,
};
use entity::{service_category, service_offering, service_slot};

text_enum! {
    /// How urgent a work order is; each priority has its own service-level targets.
    pub enum Priority {
        /// Can wait.
        Low => "LOW",
        /// The usual.
        Normal => "NORMAL",
        /// Soon.
        High => "HIGH",
        /// Danger to people or property: at once.
        Emergency => "EMERGENCY",
    }
}

text_enum! {
    /// How a category's new work orders find their staff member.
    pub enum DispatchMode {
        /// A dispatcher (manager or administrator) assigns each order.
        Assign => "ASSIGN",
        /// Eligible staff see the order and one of them grabs it.
        Grab => "GRAB",
        /// Assigned at once to the eligible staff member with the fewest open orders.
        Auto => "AUTO",
    }
}

text_enum! {
    /// Where an offering is booked.
    pub enum OfferingChannel {
        /// In the app.
        Online => "ONLINE",
        /// At the building's service centre.
        ServiceCentre => "SERVICE_CENTRE",
    }
}

/// A category of the service catalogue ("Plumbing repair"), with its dispatch rules and
/// service-level targets. Named so because `ServiceCategory` is the estate's grouping enum,
/// which is this category's `group`.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct CatalogueCategory {
    /// Globally unique id.
    pub id: ID,
    /// Stable code, unique (`PLUMBING`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// What it covers.
    pub description: String,
    /// The estate service category it belongs to: staff who serve that group are eligible for
    /// its work orders.
    pub group: ServiceCategory,
    /// Whether a resident may open a work order for it themselves (otherwise staff open them).
    pub requestable: bool,
    /// Priority of a new order that names none.
    pub default_priority: Priority,
    /// Minutes before a due time at which the warning goes out.
    pub warning_minutes: i32,
    /// How its new orders find their staff member.
    pub dispatch_mode: DispatchMode,
    /// Whether its orders wait for a return visit before they close.
    pub return_visit_required: bool,
    /// Whether its orders carry an amount to pay.
    pub payable: bool,
    /// Whether it takes new orders; inactive categories are seen by administrators only.
    pub active: bool,
    /// The category id as a UUID.
    #[graphql(skip)]
    pub uuid: Uuid,
}

impl CatalogueCategory {
    /// From a model; fails on a stored value the code does not know.
    pub fn try_from_model(model: service_category::Model) -> AppResult<CatalogueCategory> {
        Ok(CatalogueCategory {
            id: ID(model.id.to_string()),
            group: ServiceCategory::from_stored(&model.group_kind)?,
            default_priority: Priority::from_stored(&model.default_priority)?,
            dispatch_mode: DispatchMode::from_stored(&model.dispatch_mode)?,
            code: model.code,
            name: model.name,
            description: model.description,
            requestable: model.requestable,
            warning_minutes: model.warning_minutes,
            return_visit_required: model.return_visit_required,
            payable: model.payable,
            active: model.active,
            uuid: model.id,
        })
    }
}

#[ComplexObject]
impl CatalogueCategory {
    /// Response and resolution targets, one for each priority, `LOW` to `EMERGENCY`.
    async fn sla(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SlaTarget>> {
        let rows = ctx
            .loaders()?
            .load_one::<SlaByCategory>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(sla_targets(&rows)?
            .into_iter()
            .map(SlaTarget::from)
            .collect())
    }

    /// Its offerings, oldest first: the active ones, and inactive ones too for administrators.
    async fn offerings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ServiceOffering>> {
        let scope = ctx.scope().await?;
        let offerings = ctx
            .loaders()?
            .load_one::<OfferingsByCategory>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(offerings
            .into_iter()
            .filter(|offering| scope.admin || offering.active)
            .map(ServiceOffering::try_from_model)
            .collect::<AppResult<_>>()?)
    }
}

/// A category's service-level targets for one priority.
#[derive(SimpleObject, Clone)]
pub struct SlaTarget {
    /// The priority.
    pub priority: Priority,
    /// Minutes from submission to the first response (acceptance).
    pub response_minutes: i32,
    /// Minutes from submission to resolution.
    pub resolution_minutes: i32,
}

impl From<input::SlaTarget> for SlaTarget {
    fn from(target: input::SlaTarget) -> Self {
        SlaTarget {
            priority: target.priority,
            response_minutes: target.response_minutes,
            resolution_minutes: target.resolution_minutes,
        }
    }
}

/// Something a resident books inside a category ("2-hour home cleaning"), in time slots.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ServiceOffering {
    /// Globally unique id.
    pub id: ID,
    /// Display name.
    pub name: String,
    /// What it includes.
    pub description: String,
    /// Price as a decimal string with two decimals (`"120.00"`); null when free or quoted on
    /// site.
    pub price: Option<String>,
    /// How long it takes, in minutes.
    pub duration_minutes: i32,
    /// Bookings each new slot takes unless the slot says otherwise.
    pub slot_capacity: i32,
    /// Where it is booked.
    pub channel: OfferingChannel,
    /// Whether it takes bookings; inactive offerings are seen by administrators only.
    pub active: bool,
    /// The offering id as a UUID.
    #[graphql(skip)]
    pub uuid: Uuid,
    /// The category id.
    #[graphql(skip)]
    pub category_id: Uuid,
}

impl ServiceOffering {
    /// From a model; fails on a stored value the code does not know.
    pub fn try_from_model(model: service_offering::Model) -> AppResult<ServiceOffering> {
        Ok(ServiceOffering {
            id: ID(model.id.to_string()),
            channel: OfferingChannel::from_stored(&model.channel)?,
            name: model.name,
            description: model.description,
            price: model.price,
            duration_minutes: model.duration_minutes,
            slot_capacity: model.slot_capacity,
            active: model.active,
            uuid: model.id,
            category_id: model.category_id,
        })
    }
}

#[ComplexObject]
impl ServiceOffering {
    /// The category it belongs to.
    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<CatalogueCategory> {
        let category = ctx
            .loaders()?
            .load_one::<CategoryById>(self.category_id)
            .await?
            .ok_or(AppError::NotFound("service category"))?;
        Ok(CatalogueCategory::try_from_model(category)?)
    }

    /// Its slots starting at or after `from` and before `to` (either may be left out),
    /// earliest first.
    async fn slots(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<ServiceSlot>> {
        let page = PageRequest::parse(first, after, None, None)?;
        let page = CatalogueService::new(ctx.state())
            .slots(self.uuid, &SlotWindow { from, to }, &page)
            .await?;
        Ok(page.into_counted_connection(ServiceSlot::from))
    }
}

/// A bookable time slot of an offering.
#[derive(SimpleObject, Clone)]
pub struct ServiceSlot {
    /// Id.
    pub id: ID,
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at.
    pub ends_at: DateTime<Utc>,
    /// Bookings it takes.
    pub capacity: i32,
    /// Bookings taken.
    pub booked: i32,
    /// Bookings still possible (`capacity - booked`, never below 0).
    pub remaining: i32,
}

impl From<service_slot::Model> for ServiceSlot {
    fn from(model: service_slot::Model) -> Self {
        ServiceSlot {
            id: ID(model.id.to_string()),
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            capacity: model.capacity,
            booked: model.booked,
            remaining: (model.capacity - model.booked).max(0),
        }
    }
}
