//! GraphQL types of service centres and appointments, built from the stored rows.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    hours::format_time,
    loaders::{CentreBuildings, ExceptionsByCentre, HoursByCentre, ServicesByCentre},
    service::{ServiceCentres, SlotView},
};
use crate::{
    domains::{catalogue::types::CatalogueCategory, estate::types::Building},
    error::AppResult,
    graphql::{
        ContextExt,
        ids::parse_id,
        loaders::{ByColumn, ById},
        scalars::Date,
    },
    text_enum,
};
use entity::{appointment, service_category, service_centre, service_centre_exception, user};

text_enum! {
    /// A day of the week.
    pub enum Weekday {
        /// Monday.
        Monday => "MONDAY",
        /// Tuesday.
        Tuesday => "TUESDAY",
        /// Wednesday.
        Wednesday => "WEDNESDAY",
        /// Thursday.
        Thursday => "THURSDAY",
        /// Friday.
        Friday => "FRIDAY",
        /// Saturday.
        Saturday => "SATURDAY",
        /// Sunday.
        Sunday => "SUNDAY",
    }
}

impl Weekday {
    /// 1 (Monday) to 7 (Sunday), as stored.
    pub fn number(self) -> i32 {
        Weekday::ALL
            .iter()
            .position(|d| *d == self)
            .map_or(1, |i| i as i32 + 1)
    }

    /// The day stored as `n`.
    pub fn from_number(n: i32) -> Weekday {
        usize::try_from(n - 1)
            .ok()
            .and_then(|i| Weekday::ALL.get(i).copied())
            .unwrap_or(Weekday::Monday)
    }
}

text_enum! {
    /// How an appointment was made.
    pub enum AppointmentKind {
        /// Booked into a time slot.
        Booked => "BOOKED",
        /// A walk-in with a queue number.
        WalkIn => "WALK_IN",
    }
}

text_enum! {
    /// Where an appointment stands.
    pub enum AppointmentStatus {
        /// Booked, not yet served.
        Booked => "BOOKED",
        /// A walk-in waiting in the queue.
        Waiting => "WAITING",
        /// Served (possibly with a work order opened from it).
        Served => "SERVED",
        /// Cancelled: a booked place is free again.
        Cancelled => "CANCELLED",
    }
}

fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

/// Regular opening hours on one weekday (times `HH:MM`, UTC).
#[derive(SimpleObject, Clone)]
pub struct OpeningHours {
    /// The weekday.
    pub weekday: Weekday,
    /// Opens at.
    pub opens: String,
    /// Closes at.
    pub closes: String,
}

/// Different hours on one date (a holiday, a training day).
#[derive(SimpleObject, Clone)]
pub struct OpeningException {
    /// The date.
    pub date: Date,
    /// Closed all day.
    pub closed: bool,
    /// Opens at, when open.
    pub opens: Option<String>,
    /// Closes at, when open.
    pub closes: Option<String>,
    /// Why.
    pub note: Option<String>,
}

impl From<service_centre_exception::Model> for OpeningException {
    fn from(model: service_centre_exception::Model) -> Self {
        let open = model.opens.zip(model.closes);
        OpeningException {
            date: model.date.into(),
            closed: open.is_none(),
            opens: open.map(|(o, _)| format_time(o)),
            closes: open.map(|(_, c)| format_time(c)),
            note: model.note,
        }
    }
}

/// The hours of one date, exceptions applied.
#[derive(SimpleObject, Clone)]
pub struct DayHours {
    /// The date.
    pub date: Date,
    /// Open at all that day.
    pub open: bool,
    /// Opens at.
    pub opens: Option<String>,
    /// Closes at.
    pub closes: Option<String>,
}

/// A service a centre offers, with its appointment slots.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct CentreService {
    /// Length of one appointment slot, in minutes.
    pub slot_minutes: i32,
    /// Appointments per slot.
    pub capacity: i32,
    #[graphql(skip)]
    category_uuid: Uuid,
}

#[ComplexObject]
impl CentreService {
    /// The service, a catalogue category (`serviceId` in bookings is its id).
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
}

/// A bookable slot with the places left.
#[derive(SimpleObject, Clone)]
pub struct AppointmentSlot {
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at.
    pub ends_at: DateTime<Utc>,
    /// Appointments it takes.
    pub capacity: i32,
    /// Places left.
    pub places_left: i32,
}

impl From<SlotView> for AppointmentSlot {
    fn from(view: SlotView) -> Self {
        AppointmentSlot {
            starts_at: view.starts_at,
            ends_at: view.ends_at,
            capacity: view.capacity,
            places_left: view.places_left,
        }
    }
}

/// A service centre (an offline service station).
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ServiceCentre {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    #[graphql(skip)]
    uuid: Uuid,
}

impl From<service_centre::Model> for ServiceCentre {
    fn from(model: service_centre::Model) -> Self {
        ServiceCentre {
            id: id_of(model.id),
            name: model.name,
            address: model.address,
            phone: model.phone,
            email: model.email,
            uuid: model.id,
        }
    }
}

#[ComplexObject]
impl ServiceCentre {
    /// The buildings it serves, by name.
    async fn buildings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Building>> {
        let found = ctx
            .loaders()?
            .load_one::<CentreBuildings>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(found.into_iter().map(Building::from).collect())
    }

    /// Its regular hours, Monday first (a weekday left out is closed).
    async fn opening_hours(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OpeningHours>> {
        let mut rows = ctx
            .loaders()?
            .load_one::<ByColumn<HoursByCentre>>(self.uuid)
            .await?
            .unwrap_or_default();
        rows.sort_by_key(|h| h.weekday);
        Ok(rows
            .into_iter()
            .map(|h| OpeningHours {
                weekday: Weekday::from_number(h.weekday),
                opens: format_time(h.opens),
                closes: format_time(h.closes),
            })
            .collect())
    }

    /// Dates with different hours, from today on, earliest first.
    async fn exceptions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OpeningException>> {
        let today = ctx.state().clock.today();
        let mut rows = ctx
            .loaders()?
            .load_one::<ByColumn<ExceptionsByCentre>>(self.uuid)
            .await?
            .unwrap_or_default();
        rows.retain(|e| e.date >= today);
        rows.sort_by_key(|e| e.date);
        Ok(rows.into_iter().map(OpeningException::from).collect())
    }

    /// The services it offers.
    async fn services(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CentreService>> {
        let rows = ctx
            .loaders()?
            .load_one::<ByColumn<ServicesByCentre>>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|s| CentreService {
                slot_minutes: s.slot_minutes,
                capacity: s.capacity,
                category_uuid: s.category_id,
            })
            .collect())
    }

    /// Its hours on `date` (exceptions applied).
    async fn hours_on(&self, ctx: &Context<'_>, date: Date) -> async_graphql::Result<DayHours> {
        let day = ServiceCentres::new(ctx.state())
            .hours_on(self.uuid, date.0)
            .await?;
        Ok(DayHours {
            date,
            open: day.hours.is_some(),
            opens: day.hours.map(|(o, _)| format_time(o)),
            closes: day.hours.map(|(_, c)| format_time(c)),
        })
    }

    /// The slots of one service on `date` that have not started, with the places left (empty
    /// on a closed day or for a service it does not offer).
    async fn appointment_slots(
        &self,
        ctx: &Context<'_>,
        service_id: ID,
        date: Date,
    ) -> async_graphql::Result<Vec<AppointmentSlot>> {
        let service_id = parse_id("serviceId", &service_id)?;
        let slots = ServiceCentres::new(ctx.state())
            .slots(self.uuid, service_id, date.0)
            .await?;
        Ok(slots.into_iter().map(AppointmentSlot::from).collect())
    }
}

/// An appointment at a service centre.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Appointment {
    /// Id.
    pub id: ID,
    /// Booked into a slot, or a walk-in.
    pub kind: AppointmentKind,
    /// Where it stands.
    pub status: AppointmentStatus,
    /// Start of a booked appointment.
    pub starts_at: Option<DateTime<Utc>>,
    /// The day it is for.
    pub day: Date,
    /// A walk-in's queue number (per centre and day).
    pub queue_number: Option<i32>,
    /// The resident's note.
    pub note: Option<String>,
    /// The work order opened from it (`workOrder(id:)` shows it to those who may see it).
    pub work_order_id: Option<ID>,
    /// Made at.
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    centre_uuid: Uuid,
    #[graphql(skip)]
    category_uuid: Uuid,
    #[graphql(skip)]
    user_uuid: Uuid,
}

impl Appointment {
    /// From a row.
    pub fn try_from_model(model: appointment::Model) -> AppResult<Self> {
        Ok(Appointment {
            id: id_of(model.id),
            kind: AppointmentKind::from_stored(&model.kind)?,
            status: AppointmentStatus::from_stored(&model.status)?,
            starts_at: model.starts_at,
            day: model.day.into(),
            queue_number: model.queue_number,
            note: model.note,
            work_order_id: model.work_order_id.map(id_of),
            created_at: model.created_at,
            centre_uuid: model.centre_id,
            category_uuid: model.category_id,
            user_uuid: model.user_id,
        })
    }
}

#[ComplexObject]
impl Appointment {
    /// The centre.
    async fn centre(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ServiceCentre>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<service_centre::Entity>>(self.centre_uuid)
            .await?;
        Ok(found.map(ServiceCentre::from))
    }

    /// The service (a catalogue category).
    async fn service(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CatalogueCategory>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<service_category::Entity>>(self.category_uuid)
            .await?;
        Ok(found.map(CatalogueCategory::try_from_model).transpose()?)
    }

    /// The resident it is for (a user id).
    async fn resident_id(&self) -> ID {
        id_of(self.user_uuid)
    }

    /// The resident's display name (the resident, staff at the centre and administrators see
    /// appointments).
    async fn resident_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<user::Entity>>(self.user_uuid)
            .await?;
        Ok(found.map(|u| u.display_name))
    }
}
