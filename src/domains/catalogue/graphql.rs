//! GraphQL surface of the catalogue: thin resolvers over [`CatalogueService`]. Inputs are parsed
//! here, so the service sees only checked values.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    input::{
        self, CAPACITY_MAX, CategoryCode, CategoryName, DURATION_MAX, Description, MINUTES_MAX,
        OfferingName, Price, SlaTable, bounded,
    },
    service::{
        CatalogueService, CategoryChanges, CategoryFilter, NewCategory, NewOffering, NewSlot,
        OfferingChanges,
    },
    types::{
        CatalogueCategory, DispatchMode, OfferingChannel, Priority, ServiceOffering, ServiceSlot,
    },
};
use crate::{
    auth::{Role, guard::RoleGuard},
    domains::estate::types::ServiceCategory,
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        ids::parse_id,
        pagination::{CountedConnection, PageRequest},
        text::change,
    },
};

/// Most slots one `createServiceSlots` call adds.
pub const MAX_SLOTS_PER_CALL: usize = 200;

/// A service-level target of one priority.
#[derive(InputObject, Clone, Copy)]
pub struct SlaTargetInput {
    /// The priority.
    priority: Priority,
    /// Minutes from submission to the first response (1 to 525600).
    response_minutes: i32,
    /// Minutes from submission to resolution (no less than the response time).
    resolution_minutes: i32,
}

fn parse_sla(field: &str, targets: &[SlaTargetInput]) -> AppResult<SlaTable> {
    let targets: Vec<input::SlaTarget> = targets
        .iter()
        .map(|t| input::SlaTarget {
            priority: t.priority,
            response_minutes: t.response_minutes,
            resolution_minutes: t.resolution_minutes,
        })
        .collect();
    SlaTable::parse(field, &targets)
}

fn parse_warning(value: Option<i32>) -> AppResult<Option<i32>> {
    value
        .map(|v| bounded("input.warningMinutes", v, 0, MINUTES_MAX))
        .transpose()
}

/// Input of `createServiceCategory`.
#[derive(InputObject)]
pub struct CreateServiceCategoryInput {
    /// Unique code: 2–40 characters of A–Z, 0–9 and _, starting with a letter (lower case is
    /// upper-cased).
    code: String,
    /// Name (1–100 characters).
    name: String,
    /// What it covers (up to 2000 characters).
    #[graphql(default)]
    description: String,
    /// The estate service category it belongs to.
    group: ServiceCategory,
    /// Whether residents may open orders for it themselves.
    #[graphql(default = true)]
    requestable: bool,
    /// Priority of an order that names none.
    #[graphql(default_with = "Priority::Normal")]
    default_priority: Priority,
    /// Minutes before a due time at which the warning goes out (0 to 525600).
    #[graphql(default = 30)]
    warning_minutes: i32,
    /// One target for each of the four priorities.
    sla: Vec<SlaTargetInput>,
    /// How its orders find their staff member.
    dispatch_mode: DispatchMode,
    /// Whether orders wait for a return visit before they close.
    #[graphql(default = false)]
    return_visit_required: bool,
    /// Whether orders carry an amount to pay.
    #[graphql(default = false)]
    payable: bool,
    /// Whether it takes orders now.
    #[graphql(default = true)]
    active: bool,
}

/// Input of `updateServiceCategory`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateServiceCategoryInput {
    /// The category.
    id: ID,
    /// New code.
    code: Option<String>,
    /// New name.
    name: Option<String>,
    /// New description.
    description: Option<String>,
    /// New group.
    group: Option<ServiceCategory>,
    /// Whether residents may open orders for it.
    requestable: Option<bool>,
    /// New default priority.
    default_priority: Option<Priority>,
    /// New warning minutes.
    warning_minutes: Option<i32>,
    /// A whole new service-level table (one target per priority); replaces the old one.
    sla: Option<Vec<SlaTargetInput>>,
    /// New dispatch mode.
    dispatch_mode: Option<DispatchMode>,
    /// Whether orders wait for a return visit.
    return_visit_required: Option<bool>,
    /// Whether orders carry an amount to pay.
    payable: Option<bool>,
    /// Whether it takes orders.
    active: Option<bool>,
}

/// Result of a category mutation.
#[derive(SimpleObject)]
pub struct ServiceCategoryPayload {
    /// The category as stored.
    category: CatalogueCategory,
}

/// Input of `createServiceOffering`.
#[derive(InputObject)]
pub struct CreateServiceOfferingInput {
    /// The category.
    category_id: ID,
    /// Name (1–100 characters).
    name: String,
    /// What it includes (up to 2000 characters).
    #[graphql(default)]
    description: String,
    /// Price: a non-negative amount with up to 8 digits before the point and 2 after
    /// (`"120.00"`); null or omitted when free or quoted on site.
    price: Option<String>,
    /// How long it takes, in minutes (1 to 1440).
    duration_minutes: i32,
    /// Bookings each new slot takes (1 to 1000).
    #[graphql(default = 1)]
    slot_capacity: i32,
    /// Where it is booked.
    #[graphql(default_with = "OfferingChannel::Online")]
    channel: OfferingChannel,
    /// Whether it takes bookings now.
    #[graphql(default = true)]
    active: bool,
}

/// Input of `updateServiceOffering`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateServiceOfferingInput {
    /// The offering.
    id: ID,
    /// New name.
    name: Option<String>,
    /// New description.
    description: Option<String>,
    /// New price; `null` clears it (free or quoted on site).
    price: MaybeUndefined<String>,
    /// New duration.
    duration_minutes: Option<i32>,
    /// New capacity of slots added from now on (existing slots keep theirs).
    slot_capacity: Option<i32>,
    /// New channel.
    channel: Option<OfferingChannel>,
    /// Whether it takes bookings.
    active: Option<bool>,
}

/// Result of an offering mutation.
#[derive(SimpleObject)]
pub struct ServiceOfferingPayload {
    /// The offering as stored.
    offering: ServiceOffering,
}

/// One slot to add.
#[derive(InputObject)]
pub struct ServiceSlotInput {
    /// Starts at.
    starts_at: DateTime<Utc>,
    /// Ends at; after `startsAt`.
    ends_at: DateTime<Utc>,
    /// Bookings it takes (1 to 1000); the offering's `slotCapacity` when omitted.
    capacity: Option<i32>,
}

/// Input of `createServiceSlots`.
#[derive(InputObject)]
pub struct CreateServiceSlotsInput {
    /// The offering.
    offering_id: ID,
    /// The slots (at most 200), each with a start the offering does not have yet.
    slots: Vec<ServiceSlotInput>,
}

/// Result of `createServiceSlots`.
#[derive(SimpleObject)]
pub struct ServiceSlotsPayload {
    /// The slots added, earliest first.
    slots: Vec<ServiceSlot>,
}

/// Input of `deleteServiceSlot`.
#[derive(InputObject)]
pub struct DeleteServiceSlotInput {
    /// The slot; it must have no bookings.
    id: ID,
}

/// Result of `deleteServiceSlot`.
#[derive(SimpleObject)]
pub struct DeleteServiceSlotPayload {
    /// The slot as it was.
    slot: ServiceSlot,
}

fn category(
    model: entity::service_category::Model,
) -> async_graphql::Result<ServiceCategoryPayload> {
    Ok(ServiceCategoryPayload {
        category: CatalogueCategory::try_from_model(model)?,
    })
}

fn offering(
    model: entity::service_offering::Model,
) -> async_graphql::Result<ServiceOfferingPayload> {
    Ok(ServiceOfferingPayload {
        offering: ServiceOffering::try_from_model(model)?,
    })
}

fn parse_slots(slots: Vec<ServiceSlotInput>) -> AppResult<Vec<NewSlot>> {
    if slots.is_empty() || slots.len() > MAX_SLOTS_PER_CALL {
        return Err(AppError::bad_input(
            "input.slots",
            format!("must hold 1 to {MAX_SLOTS_PER_CALL} slots"),
        ));
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            if slot.ends_at <= slot.starts_at {
                return Err(AppError::bad_input(
                    format!("input.slots[{i}].endsAt"),
                    "must be after startsAt",
                ));
            }
            let capacity = slot
                .capacity
                .map(|c| bounded(&format!("input.slots[{i}].capacity"), c, 1, CAPACITY_MAX))
                .transpose()?;
            Ok(NewSlot {
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                capacity,
            })
        })
        .collect()
}

/// Catalogue queries.
#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// Categories of the service catalogue, by code: the active ones for everyone signed in.
    async fn service_categories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only categories of this estate service category.")] group: Option<
            ServiceCategory,
        >,
        #[graphql(desc = "Inactive categories too (administrators only; `FORBIDDEN` otherwise).")]
        include_inactive: Option<bool>,
    ) -> async_graphql::Result<CountedConnection<CatalogueCategory>> {
        ctx.require_user()?;
        let page = PageRequest::parse(first, after, None, None)?;
        let filter = CategoryFilter {
            group,
            include_inactive: include_inactive.unwrap_or(false),
        };
        let scope = ctx.scope().await?;
        let page = CatalogueService::new(ctx.state())
            .categories(scope, &filter, &page)
            .await?;
        Ok(page.try_into_counted_connection(CatalogueCategory::try_from_model)?)
    }

    /// One category: an active one, or any for administrators.
    async fn service_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CatalogueCategory> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = CatalogueService::new(ctx.state())
            .category(scope, id)
            .await?;
        Ok(CatalogueCategory::try_from_model(model)?)
    }

    /// One offering: an active one in an active category, or any for administrators.
    async fn service_offering(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ServiceOffering> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = CatalogueService::new(ctx.state())
            .offering(scope, id)
            .await?;
        Ok(ServiceOffering::try_from_model(model)?)
    }
}

/// Catalogue mutations: administrators only (the field guard refuses anyone else before their
/// input is judged; the service checks again).
#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// Adds a category with its service-level targets (administrators). A code already in use
    /// is `CONFLICT` on `input.code`.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn create_service_category(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceCategoryInput,
    ) -> async_graphql::Result<ServiceCategoryPayload> {
        let scope = ctx.scope().await?;
        let new = NewCategory {
            code: CategoryCode::parse("input.code", &input.code)?,
            name: CategoryName::parse("input.name", &input.name)?,
            description: Description::parse("input.description", &input.description)?,
            group: input.group,
            requestable: input.requestable,
            default_priority: input.default_priority,
            warning_minutes: bounded(
                "input.warningMinutes",
                input.warning_minutes,
                0,
                MINUTES_MAX,
            )?,
            sla: parse_sla("input.sla", &input.sla)?,
            dispatch_mode: input.dispatch_mode,
            return_visit_required: input.return_visit_required,
            payable: input.payable,
            active: input.active,
        };
        let model = CatalogueService::new(ctx.state())
            .create_category(scope, new)
            .await?;
        category(model)
    }

    /// Changes a category (administrators); `sla`, when given, replaces the whole table.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn update_service_category(
        &self,
        ctx: &Context<'_>,
        input: UpdateServiceCategoryInput,
    ) -> async_graphql::Result<ServiceCategoryPayload> {
        let scope = ctx.scope().await?;
        let id = parse_id("input.id", &input.id)?;
        let changes = CategoryChanges {
            code: input
                .code
                .as_deref()
                .map(|c| CategoryCode::parse("input.code", c))
                .transpose()?,
            name: CategoryName::parse_opt("input.name", input.name.as_deref())?,
            description: Description::parse_opt("input.description", input.description.as_deref())?,
            group: input.group,
            requestable: input.requestable,
            default_priority: input.default_priority,
            warning_minutes: parse_warning(input.warning_minutes)?,
            sla: input
                .sla
                .as_deref()
                .map(|sla| parse_sla("input.sla", sla))
                .transpose()?,
            dispatch_mode: input.dispatch_mode,
            return_visit_required: input.return_visit_required,
            payable: input.payable,
            active: input.active,
        };
        let model = CatalogueService::new(ctx.state())
            .update_category(scope, id, changes)
            .await?;
        category(model)
    }

    /// Adds an offering to a category (administrators).
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn create_service_offering(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceOfferingInput,
    ) -> async_graphql::Result<ServiceOfferingPayload> {
        let scope = ctx.scope().await?;
        let new = NewOffering {
            category_id: parse_id("input.categoryId", &input.category_id)?,
            name: OfferingName::parse("input.name", &input.name)?,
            description: Description::parse("input.description", &input.description)?,
            price: input
                .price
                .as_deref()
                .map(|p| Price::parse("input.price", p))
                .transpose()?,
            duration_minutes: bounded(
                "input.durationMinutes",
                input.duration_minutes,
                1,
                DURATION_MAX,
            )?,
            slot_capacity: bounded("input.slotCapacity", input.slot_capacity, 1, CAPACITY_MAX)?,
            channel: input.channel,
            active: input.active,
        };
        let model = CatalogueService::new(ctx.state())
            .create_offering(scope, new)
            .await?;
        offering(model)
    }

    /// Changes an offering (administrators).
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn update_service_offering(
        &self,
        ctx: &Context<'_>,
        input: UpdateServiceOfferingInput,
    ) -> async_graphql::Result<ServiceOfferingPayload> {
        let scope = ctx.scope().await?;
        let id = parse_id("input.id", &input.id)?;
        let changes = OfferingChanges {
            name: OfferingName::parse_opt("input.name", input.name.as_deref())?,
            description: Description::parse_opt("input.description", input.description.as_deref())?,
            price: change(input.price)
                .map(|price| price.map(|p| Price::parse("input.price", &p)).transpose())
                .transpose()?,
            duration_minutes: input
                .duration_minutes
                .map(|d| bounded("input.durationMinutes", d, 1, DURATION_MAX))
                .transpose()?,
            slot_capacity: input
                .slot_capacity
                .map(|c| bounded("input.slotCapacity", c, 1, CAPACITY_MAX))
                .transpose()?,
            channel: input.channel,
            active: input.active,
        };
        let model = CatalogueService::new(ctx.state())
            .update_offering(scope, id, changes)
            .await?;
        offering(model)
    }

    /// Adds bookable slots to an offering, all or none (administrators). A start the offering
    /// already has, or one given twice, is `CONFLICT` on that slot's `startsAt`.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn create_service_slots(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceSlotsInput,
    ) -> async_graphql::Result<ServiceSlotsPayload> {
        let scope = ctx.scope().await?;
        let offering_id = parse_id("input.offeringId", &input.offering_id)?;
        let slots = parse_slots(input.slots)?;
        let slots = CatalogueService::new(ctx.state())
            .create_slots(scope, offering_id, slots)
            .await?;
        Ok(ServiceSlotsPayload {
            slots: slots.into_iter().map(ServiceSlot::from).collect(),
        })
    }

    /// Deletes a slot that has no bookings (administrators); `INVALID_STATE` once it has.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn delete_service_slot(
        &self,
        ctx: &Context<'_>,
        input: DeleteServiceSlotInput,
    ) -> async_graphql::Result<DeleteServiceSlotPayload> {
        let scope = ctx.scope().await?;
        let id = parse_id("input.id", &input.id)?;
        let slot = CatalogueService::new(ctx.state())
            .delete_slot(scope, id)
            .await?;
        Ok(DeleteServiceSlotPayload { slot: slot.into() })
    }
}
