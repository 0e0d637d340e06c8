//! GraphQL types of facility assets and preventive maintenance.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    maintenance::{ChecklistResult, occurrence_status},
    service::Assets,
};
use crate::{
    domains::{
        catalogue::types::CatalogueCategory, estate::types::Building,
        qualifications::types::Qualification,
    },
    error::AppResult,
    graphql::{
        ContextExt,
        loaders::ById,
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
    },
    text_enum,
};
use entity::{
    asset, asset_history, building, maintenance_occurrence, maintenance_plan, qualification,
    service_category,
};

text_enum! {
    /// What kind of facility an asset is.
    pub enum AssetKind {
        /// An elevator (inspection certificate required).
        Elevator => "ELEVATOR",
        /// A fire extinguisher (inspection certificate required).
        FireExtinguisher => "FIRE_EXTINGUISHER",
        /// A fire hydrant (inspection certificate required).
        Hydrant => "HYDRANT",
        /// A fire alarm (inspection certificate required).
        FireAlarm => "FIRE_ALARM",
        /// A sprinkler pump (inspection certificate required).
        SprinklerPump => "SPRINKLER_PUMP",
        /// A water pump.
        WaterPump => "WATER_PUMP",
        /// A generator.
        Generator => "GENERATOR",
        /// A CCTV camera or system.
        Cctv => "CCTV",
        /// An access gate.
        AccessGate => "ACCESS_GATE",
        /// Heating, ventilation, air conditioning.
        Hvac => "HVAC",
        /// Lighting.
        Lighting => "LIGHTING",
        /// A playground.
        Playground => "PLAYGROUND",
        /// Anything else.
        Other => "OTHER",
    }
}

impl AssetKind {
    /// Kinds the law requires an inspection certificate for (elevators and fire equipment).
    pub fn needs_certificate(self) -> bool {
        matches!(
            self,
            AssetKind::Elevator
                | AssetKind::FireExtinguisher
                | AssetKind::Hydrant
                | AssetKind::FireAlarm
                | AssetKind::SprinklerPump
        )
    }

    /// Kinds whose overdue maintenance is an emergency (fire equipment and elevators).
    pub fn safety_critical(self) -> bool {
        self.needs_certificate()
    }

    /// Shared facilities whose outages residents are told of.
    pub fn shared(self) -> bool {
        matches!(
            self,
            AssetKind::Elevator
                | AssetKind::AccessGate
                | AssetKind::WaterPump
                | AssetKind::Lighting
                | AssetKind::Playground
        )
    }
}

text_enum! {
    /// Whether an asset works.
    pub enum AssetStatus {
        /// Working.
        InService => "IN_SERVICE",
        /// Not working (an outage).
        OutOfService => "OUT_OF_SERVICE",
        /// Taken out for good.
        Retired => "RETIRED",
    }
}

text_enum! {
    /// What an asset history entry records.
    pub enum AssetHistoryKind {
        /// A status change, with its reason.
        StatusChange => "STATUS_CHANGE",
        /// A work order about the asset.
        WorkOrder => "WORK_ORDER",
        /// A preventive maintenance occurrence (and its work order).
        Maintenance => "MAINTENANCE",
    }
}

text_enum! {
    /// How a maintenance plan recurs.
    pub enum MaintenanceRecurrence {
        /// Every N days from the anchor date.
        Days => "DAYS",
        /// Every N weeks from the anchor date.
        Weeks => "WEEKS",
        /// Every N months from the anchor date.
        Months => "MONTHS",
        /// Every N units of the asset's meter.
        Meter => "METER",
    }
}

text_enum! {
    /// Whether a plan produces work.
    pub enum MaintenancePlanStatus {
        /// Producing work orders.
        Active => "ACTIVE",
        /// Paused: produces nothing until resumed.
        Paused => "PAUSED",
    }
}

text_enum! {
    /// Where an occurrence stands (`PLANNED`, `ORDERED` and `OVERDUE` are read from the clock).
    pub enum MaintenanceOccurrenceStatus {
        /// Its work order is out ahead of the due date (the lead time).
        Planned => "PLANNED",
        /// Due now, its work order open.
        Ordered => "ORDERED",
        /// Completed with its checklist results.
        Done => "DONE",
        /// Skipped by a manager, with a reason.
        Skipped => "SKIPPED",
        /// Not completed by its due date plus the plan's grace days.
        Overdue => "OVERDUE",
    }
}

fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

/// A facility asset of a building.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Asset {
    /// Id.
    pub id: ID,
    /// Kind.
    pub kind: AssetKind,
    /// Code, unique in its building.
    pub code: String,
    /// Name.
    pub name: String,
    /// Where in the building.
    pub location: String,
    /// Make and model.
    pub model: Option<String>,
    /// Installed on.
    pub installed_on: Option<Date>,
    /// Warranty until.
    pub warranty_until: Option<Date>,
    /// Status.
    pub status: AssetStatus,
    /// Since when it has had that status.
    pub status_since: DateTime<Utc>,
    /// Last day of its inspection certificate (elevators and fire equipment).
    pub certificate_expires_on: Option<Date>,
    /// Last meter reading.
    pub meter_value: Option<f64>,
    /// When the meter was last read.
    pub meter_read_at: Option<DateTime<Utc>>,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// The row id.
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    building_uuid: Uuid,
    #[graphql(skip)]
    qualification_uuid: Option<Uuid>,
}

impl Asset {
    /// From a row.
    pub fn try_from_model(model: asset::Model) -> AppResult<Self> {
        Ok(Asset {
            id: id_of(model.id),
            kind: AssetKind::from_stored(&model.kind)?,
            code: model.code,
            name: model.name,
            location: model.location,
            model: model.model,
            installed_on: model.installed_on.map(Date),
            warranty_until: model.warranty_until.map(Date),
            status: AssetStatus::from_stored(&model.status)?,
            status_since: model.status_since,
            certificate_expires_on: model.certificate_expires_on.map(Date),
            meter_value: model.meter_value,
            meter_read_at: model.meter_read_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
            uuid: model.id,
            building_uuid: model.building_id,
            qualification_uuid: model.qualification_id,
        })
    }
}

#[ComplexObject]
impl Asset {
    /// Its building.
    async fn building(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Building>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<building::Entity>>(self.building_uuid)
            .await?;
        Ok(found.map(Building::from))
    }

    /// The qualification required to service it.
    async fn qualification(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Qualification>> {
        let Some(id) = self.qualification_uuid else {
            return Ok(None);
        };
        let found = ctx
            .loaders()?
            .load_one::<ById<qualification::Entity>>(id)
            .await?;
        Ok(found.map(Qualification::from))
    }

    /// Its history, newest first: status changes, work orders and maintenance.
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<AssetHistoryEntry>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let page = Assets::new(ctx.state()).history(self.uuid, &page).await?;
        Ok(page.try_into_counted_connection(AssetHistoryEntry::try_from_model)?)
    }
}

/// One entry of an asset's history.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct AssetHistoryEntry {
    /// Id.
    pub id: ID,
    /// What it records.
    pub kind: AssetHistoryKind,
    /// When.
    pub at: DateTime<Utc>,
    /// The work order (`workOrder(id:)` shows it to those who may see it).
    pub work_order_id: Option<ID>,
    /// Status before a change.
    pub from_status: Option<AssetStatus>,
    /// Status after a change.
    pub to_status: Option<AssetStatus>,
    /// Why it changed.
    pub reason: Option<String>,
    /// Who changed it (a user id).
    pub actor_id: Option<ID>,
    #[graphql(skip)]
    occurrence_uuid: Option<Uuid>,
}

impl AssetHistoryEntry {
    /// From a row.
    pub fn try_from_model(model: asset_history::Model) -> AppResult<Self> {
        Ok(AssetHistoryEntry {
            id: id_of(model.id),
            kind: AssetHistoryKind::from_stored(&model.kind)?,
            at: model.at,
            work_order_id: model.work_order_id.map(id_of),
            from_status: model
                .from_status
                .as_deref()
                .map(AssetStatus::from_stored)
                .transpose()?,
            to_status: model
                .to_status
                .as_deref()
                .map(AssetStatus::from_stored)
                .transpose()?,
            reason: model.reason,
            actor_id: model.actor_id.map(id_of),
            occurrence_uuid: model.occurrence_id,
        })
    }
}

#[ComplexObject]
impl AssetHistoryEntry {
    /// The maintenance occurrence, for `MAINTENANCE` entries.
    async fn occurrence(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<MaintenanceOccurrence>> {
        let Some(id) = self.occurrence_uuid else {
            return Ok(None);
        };
        let found = ctx
            .loaders()?
            .load_one::<ById<maintenance_occurrence::Entity>>(id)
            .await?;
        let now = ctx.state().clock.now();
        let grace = match &found {
            Some(o) => ctx
                .loaders()?
                .load_one::<ById<maintenance_plan::Entity>>(o.plan_id)
                .await?
                .map_or(0, |p| p.grace_days),
            None => 0,
        };
        Ok(found
            .map(|o| MaintenanceOccurrence::try_from_model(o, grace, now))
            .transpose()?)
    }
}

/// A current outage of a shared facility, as residents see it.
#[derive(SimpleObject, Clone)]
pub struct FacilityOutage {
    /// The kind of facility.
    pub kind: AssetKind,
    /// Its name.
    pub name: String,
    /// Where in the building.
    pub location: String,
    /// Out of service since.
    pub since: DateTime<Utc>,
}

impl FacilityOutage {
    /// From a row.
    pub fn try_from_model(model: asset::Model) -> AppResult<Self> {
        Ok(FacilityOutage {
            kind: AssetKind::from_stored(&model.kind)?,
            name: model.name,
            location: model.location,
            since: model.status_since,
        })
    }
}

/// A preventive maintenance plan.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct MaintenancePlan {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// The asset, for a plan of one asset (`asset(id:)`).
    pub asset_id: Option<ID>,
    /// The asset kind, for a plan of every asset of that kind in the building.
    pub asset_kind: Option<AssetKind>,
    /// The checklist, in order.
    pub checklist: Vec<String>,
    /// How it recurs.
    pub recurrence: MaintenanceRecurrence,
    /// Every how many days, weeks, months or meter units.
    pub every: i32,
    /// The first due date of a calendar plan.
    pub anchor_on: Option<Date>,
    /// Days before the due date the work order is created.
    pub lead_days: i32,
    /// Days after the due date before an open occurrence is overdue.
    pub grace_days: i32,
    /// Active or paused.
    pub status: MaintenancePlanStatus,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// The row id.
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    building_uuid: Uuid,
    #[graphql(skip)]
    category_uuid: Uuid,
    #[graphql(skip)]
    qualification_uuid: Option<Uuid>,
}

impl MaintenancePlan {
    /// From a row.
    pub fn try_from_model(model: maintenance_plan::Model) -> AppResult<Self> {
        Ok(MaintenancePlan {
            id: id_of(model.id),
            name: model.name,
            asset_id: model.asset_id.map(id_of),
            asset_kind: model
                .asset_kind
                .as_deref()
                .map(AssetKind::from_stored)
                .transpose()?,
            checklist: super::maintenance::checklist_of(&model.checklist),
            recurrence: MaintenanceRecurrence::from_stored(&model.recurrence)?,
            every: model.every,
            anchor_on: model.anchor_on.map(Date),
            lead_days: model.lead_days,
            grace_days: model.grace_days,
            status: MaintenancePlanStatus::from_stored(&model.status)?,
            created_at: model.created_at,
            uuid: model.id,
            building_uuid: model.building_id,
            category_uuid: model.category_id,
            qualification_uuid: model.qualification_id,
        })
    }
}

#[ComplexObject]
impl MaintenancePlan {
    /// Its building.
    async fn building(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Building>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<building::Entity>>(self.building_uuid)
            .await?;
        Ok(found.map(Building::from))
    }

    /// The service category of its work orders.
    async fn category(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<CatalogueCategory>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<service_category::Entity>>(self.category_uuid)
            .await?;
        Ok(found.map(CatalogueCategory::try_from_model).transpose()?)
    }

    /// The qualification the work needs.
    async fn qualification(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Qualification>> {
        let Some(id) = self.qualification_uuid else {
            return Ok(None);
        };
        let found = ctx
            .loaders()?
            .load_one::<ById<qualification::Entity>>(id)
            .await?;
        Ok(found.map(Qualification::from))
    }

    /// Its occurrences, latest due first.
    async fn occurrences(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<MaintenanceOccurrence>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let page = super::maintenance::Maintenance::new(ctx.state())
            .occurrences_of(self.uuid, &page)
            .await?;
        let now = ctx.state().clock.now();
        Ok(page.try_into_counted_connection(|o| {
            MaintenanceOccurrence::try_from_model(o, self.grace_days, now)
        })?)
    }
}

/// One answered checklist item.
#[derive(SimpleObject, Clone)]
pub struct MaintenanceChecklistResult {
    /// The item, as the checklist says it.
    pub item: String,
    /// Whether it was in order.
    pub ok: bool,
    /// A note.
    pub note: Option<String>,
}

/// One due occurrence of a plan for one asset, with its work order.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct MaintenanceOccurrence {
    /// Id.
    pub id: ID,
    /// Where it stands.
    pub status: MaintenanceOccurrenceStatus,
    /// When it is due (the end of its due date).
    pub due_at: DateTime<Utc>,
    /// The meter reading that made it due (meter plans).
    pub meter_threshold: Option<f64>,
    /// Its work order (`workOrder(id:)`).
    pub work_order_id: Option<ID>,
    /// Whether its lateness was escalated to the building's managers.
    pub escalated: bool,
    /// The checklist results, once done.
    pub results: Vec<MaintenanceChecklistResult>,
    /// Who completed it (a user id).
    pub completed_by_id: Option<ID>,
    /// When.
    pub completed_at: Option<DateTime<Utc>>,
    /// Why it was skipped.
    pub skip_reason: Option<String>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// The row id.
    #[graphql(skip)]
    pub uuid: Uuid,
    #[graphql(skip)]
    plan_uuid: Uuid,
    #[graphql(skip)]
    asset_uuid: Uuid,
}

impl MaintenanceOccurrence {
    /// From a row, its status read at `now` with the plan's grace days.
    pub fn try_from_model(
        model: maintenance_occurrence::Model,
        grace_days: i32,
        now: DateTime<Utc>,
    ) -> AppResult<Self> {
        let results: Vec<ChecklistResult> = model
            .results
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        Ok(MaintenanceOccurrence {
            id: id_of(model.id),
            status: occurrence_status(&model, grace_days, now)?,
            due_at: model.due_at,
            meter_threshold: model.meter_threshold,
            work_order_id: model.work_order_id.map(id_of),
            escalated: model.escalated,
            results: results
                .into_iter()
                .map(|r| MaintenanceChecklistResult {
                    item: r.item,
                    ok: r.ok,
                    note: r.note,
                })
                .collect(),
            completed_by_id: model.completed_by.map(id_of),
            completed_at: model.completed_at,
            skip_reason: model.skip_reason,
            created_at: model.created_at,
            uuid: model.id,
            plan_uuid: model.plan_id,
            asset_uuid: model.asset_id,
        })
    }
}

#[ComplexObject]
impl MaintenanceOccurrence {
    /// Its plan.
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MaintenancePlan>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<maintenance_plan::Entity>>(self.plan_uuid)
            .await?;
        Ok(found.map(MaintenancePlan::try_from_model).transpose()?)
    }

    /// Its asset.
    async fn asset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Asset>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<asset::Entity>>(self.asset_uuid)
            .await?;
        Ok(found.map(Asset::try_from_model).transpose()?)
    }
}
