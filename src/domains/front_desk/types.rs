//! GraphQL types of the front desk, built from the stored rows and what the viewer may see.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    domains::estate::types::Unit,
    error::AppResult,
    graphql::{ContextExt, loaders::ById},
    text_enum,
};
use entity::{parcel, unit, visitor_blacklist_entry, visitor_pass};

text_enum! {
    /// How big a parcel is (which shelf it needs).
    pub enum ParcelSize {
        /// An envelope or a small box.
        Small => "SMALL",
        /// A shoe box.
        Medium => "MEDIUM",
        /// Bigger than a shoe box.
        Large => "LARGE",
        /// Needs the floor or a trolley.
        Oversized => "OVERSIZED",
    }
}

text_enum! {
    /// Where a parcel stands.
    pub enum ParcelStatus {
        /// On the shelf, waiting for the household.
        Waiting => "WAITING",
        /// Picked up or handed over.
        Collected => "COLLECTED",
    }
}

text_enum! {
    /// How a parcel left the shelf.
    pub enum ParcelCollection {
        /// With its pickup code.
        Code => "CODE",
        /// Handed to a named resident or household member.
        Handover => "HANDOVER",
    }
}

text_enum! {
    /// Where a visitor pass stands.
    pub enum VisitorPassStatus {
        /// Registered, the visitor not arrived yet.
        Expected => "EXPECTED",
        /// Checked in at the desk or gate.
        Arrived => "ARRIVED",
        /// Checked out.
        Left => "LEFT",
        /// Cancelled by the resident or the desk.
        Cancelled => "CANCELLED",
    }
}

fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

/// A parcel at the front desk.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Parcel {
    /// Id.
    pub id: ID,
    /// The unit it is for.
    pub unit_id: ID,
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Size.
    pub size: ParcelSize,
    /// Where it is kept at the desk.
    pub storage_spot: String,
    /// Where it stands.
    pub status: ParcelStatus,
    /// The one-time pickup code: only for the unit's current residents, and only while the
    /// parcel waits (null for everyone else, the desk included).
    pub pickup_code: Option<String>,
    /// When it was logged.
    pub logged_at: DateTime<Utc>,
    /// Unclaimed reminders sent so far.
    pub reminders_sent: i32,
    /// When it was collected.
    pub collected_at: Option<DateTime<Utc>>,
    /// How it was collected.
    pub collected_how: Option<ParcelCollection>,
    /// Who it was handed to (a handover), by name.
    pub collector_name: Option<String>,
    #[graphql(skip)]
    unit_uuid: Uuid,
}

impl Parcel {
    /// From a row; `resident` says whether the viewer lives in the parcel's unit now.
    pub fn try_from_model(model: parcel::Model, resident: bool) -> AppResult<Parcel> {
        let status = ParcelStatus::from_stored(&model.status)?;
        Ok(Parcel {
            id: id_of(model.id),
            unit_id: id_of(model.unit_id),
            carrier: model.carrier,
            tracking_number: model.tracking_number,
            size: ParcelSize::from_stored(&model.size)?,
            storage_spot: model.storage_spot,
            pickup_code: (resident && status == ParcelStatus::Waiting).then_some(model.pickup_code),
            status,
            logged_at: model.logged_at,
            reminders_sent: model.reminders_sent,
            collected_at: model.collected_at,
            collected_how: model
                .collected_how
                .as_deref()
                .map(ParcelCollection::from_stored)
                .transpose()?,
            collector_name: model.collector_name,
            unit_uuid: model.unit_id,
        })
    }
}

async fn unit_of(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Unit>> {
    let found = ctx.loaders()?.load_one::<ById<unit::Entity>>(id).await?;
    Ok(found.map(Unit::try_from_model).transpose()?)
}

#[ComplexObject]
impl Parcel {
    /// The unit (whoever sees the parcel sees its unit).
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        unit_of(ctx, self.unit_uuid).await
    }
}

/// A visitor pass.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct VisitorPass {
    /// Id.
    pub id: ID,
    /// The unit visited.
    pub unit_id: ID,
    /// The visitor's name.
    pub name: String,
    /// Valid from.
    pub valid_from: DateTime<Utc>,
    /// Valid until.
    pub valid_until: DateTime<Utc>,
    /// Number of people.
    pub people: i32,
    /// Car plate (upper case, without spaces), if any.
    pub car_plate: Option<String>,
    /// The pass code: only for the unit's current residents (the desk types it in, it never
    /// lists it).
    pub code: Option<String>,
    /// Where it stands.
    pub status: VisitorPassStatus,
    /// When the visitor arrived.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// When the visitor left.
    pub checked_out_at: Option<DateTime<Utc>>,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    unit_uuid: Uuid,
}

impl VisitorPass {
    /// From a row; `resident` says whether the viewer lives in the pass's unit now.
    pub fn try_from_model(model: visitor_pass::Model, resident: bool) -> AppResult<VisitorPass> {
        Ok(VisitorPass {
            id: id_of(model.id),
            unit_id: id_of(model.unit_id),
            name: model.name,
            valid_from: model.valid_from,
            valid_until: model.valid_until,
            people: model.people,
            car_plate: model.car_plate,
            code: resident.then_some(model.code),
            status: VisitorPassStatus::from_stored(&model.status)?,
            checked_in_at: model.checked_in_at,
            checked_out_at: model.checked_out_at,
            created_at: model.created_at,
            unit_uuid: model.unit_id,
        })
    }
}

#[ComplexObject]
impl VisitorPass {
    /// The unit visited.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        unit_of(ctx, self.unit_uuid).await
    }
}

/// An entry of a building's visitor blacklist: a name, a car plate, or both.
#[derive(SimpleObject, Clone)]
pub struct VisitorBlacklistEntry {
    /// Id.
    pub id: ID,
    /// The building.
    pub building_id: ID,
    /// The name refused (any case, spaces collapsed).
    pub name: Option<String>,
    /// The car plate refused (upper case, without spaces).
    pub car_plate: Option<String>,
    /// Why.
    pub reason: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

impl From<visitor_blacklist_entry::Model> for VisitorBlacklistEntry {
    fn from(model: visitor_blacklist_entry::Model) -> Self {
        VisitorBlacklistEntry {
            id: id_of(model.id),
            building_id: id_of(model.building_id),
            name: model.name,
            car_plate: model.car_plate,
            reason: model.reason,
            created_at: model.created_at,
        }
    }
}
