//! GraphQL surface of service centres and appointments.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    hours::parse_time,
    service::{Booking, CentreFields, OrderFromAppointment, ServiceCentres},
    types::{Appointment, AppointmentStatus, ServiceCentre, Weekday},
};
use crate::{
    domains::{
        catalogue::types::Priority,
        identity::input::{Email, Phone},
        work_orders::types::WorkOrder,
    },
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_ids, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
        text::Text,
    },
};

/// Regular hours of one weekday.
#[derive(InputObject)]
pub struct OpeningHoursInput {
    /// The weekday (each at most once).
    pub weekday: Weekday,
    /// Opens at, `HH:MM`.
    pub opens: String,
    /// Closes at, `HH:MM` (after opening; `24:00` at the latest).
    pub closes: String,
}

/// Different hours on one date.
#[derive(InputObject)]
pub struct OpeningExceptionInput {
    /// The date (each at most once).
    pub date: Date,
    /// Opens at, `HH:MM`; leave `opens` and `closes` out for a day closed.
    pub opens: Option<String>,
    /// Closes at, `HH:MM`.
    pub closes: Option<String>,
    /// Why (up to 200 characters).
    pub note: Option<String>,
}

/// A service a centre offers.
#[derive(InputObject)]
pub struct CentreServiceInput {
    /// The catalogue category.
    pub service_id: ID,
    /// Length of one appointment slot, in minutes (5–480).
    pub slot_minutes: i32,
    /// Appointments per slot (1–100).
    pub capacity: i32,
}

/// Input of `createServiceCentre`.
#[derive(InputObject)]
pub struct CreateServiceCentreInput {
    /// Name (1–100 characters, unique).
    pub name: String,
    /// Address (1–300 characters).
    pub address: String,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// The buildings it serves.
    pub building_ids: Vec<ID>,
    /// The services it offers.
    pub services: Vec<CentreServiceInput>,
    /// Regular hours (a weekday left out is closed).
    pub opening_hours: Vec<OpeningHoursInput>,
    /// Dates with different hours.
    pub exceptions: Option<Vec<OpeningExceptionInput>>,
}

/// Input of `updateServiceCentre`: what is given replaces what is stored (a list the whole
/// list).
#[derive(InputObject)]
pub struct UpdateServiceCentreInput {
    /// The centre.
    pub id: ID,
    /// Name (unique).
    pub name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// The buildings it serves.
    pub building_ids: Option<Vec<ID>>,
    /// The services it offers.
    pub services: Option<Vec<CentreServiceInput>>,
    /// Regular hours.
    pub opening_hours: Option<Vec<OpeningHoursInput>>,
    /// Dates with different hours.
    pub exceptions: Option<Vec<OpeningExceptionInput>>,
}

/// Input of `bookAppointment`.
#[derive(InputObject)]
pub struct BookAppointmentInput {
    /// The centre.
    pub centre_id: ID,
    /// The service (a catalogue category the centre offers).
    pub service_id: ID,
    /// The slot's start (see `ServiceCentre.appointmentSlots`); leave it out to take a walk-in
    /// queue number now.
    pub starts_at: Option<DateTime<Utc>>,
    /// The resident, when staff at the centre book for one.
    pub resident_id: Option<ID>,
    /// A note for the centre (up to 500 characters).
    pub note: Option<String>,
}

/// Input naming an appointment.
#[derive(InputObject)]
pub struct AppointmentIdInput {
    /// The appointment.
    pub id: ID,
}

/// Input of `openWorkOrderFromAppointment`.
#[derive(InputObject)]
pub struct OpenWorkOrderFromAppointmentInput {
    /// The appointment.
    pub appointment_id: ID,
    /// The unit (the resident's home the centre covers when left out).
    pub unit_id: Option<ID>,
    /// Title (1–200 characters).
    pub title: String,
    /// Description (1–4000 characters).
    pub description: String,
    /// Priority; the category's default when left out.
    pub priority: Option<Priority>,
}

/// Result of a centre change.
#[derive(SimpleObject)]
pub struct ServiceCentrePayload {
    /// The centre after the change.
    pub centre: ServiceCentre,
}

/// Result of an appointment step.
#[derive(SimpleObject)]
pub struct AppointmentPayload {
    /// The appointment after the step.
    pub appointment: Appointment,
}

/// Result of `openWorkOrderFromAppointment`.
#[derive(SimpleObject)]
pub struct OpenWorkOrderFromAppointmentPayload {
    /// The appointment, now served.
    pub appointment: Appointment,
    /// The work order opened (channel `SERVICE_CENTRE`).
    pub work_order: Box<WorkOrder>,
}

/// Service-centre queries.
#[derive(Default)]
pub struct ServiceCentreQuery;

#[Object]
impl ServiceCentreQuery {
    /// Service centres by name (everyone signed in), optionally those serving one building.
    async fn service_centres(
        &self,
        ctx: &Context<'_>,
        building_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<ServiceCentre>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let building_id = parse_opt_id("buildingId", building_id.as_ref())?;
        let scope = ctx.scope().await?;
        let page = ServiceCentres::new(ctx.state())
            .centres(scope, building_id, &page)
            .await?;
        Ok(page.into_counted_connection(ServiceCentre::from))
    }

    /// One service centre.
    async fn service_centre(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ServiceCentre> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        Ok(ServiceCentres::new(ctx.state())
            .centre(scope, id)
            .await?
            .into())
    }

    /// Your appointments, latest first.
    async fn my_appointments(
        &self,
        ctx: &Context<'_>,
        status: Option<AppointmentStatus>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Appointment>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = ServiceCentres::new(ctx.state())
            .mine(scope, status, &page)
            .await?;
        Ok(page.try_into_counted_connection(Appointment::try_from_model)?)
    }

    /// A centre's appointments of one day in the order they are due: bookings by start,
    /// walk-ins by arrival (staff at the centre and administrators).
    #[allow(clippy::too_many_arguments)]
    async fn centre_appointments(
        &self,
        ctx: &Context<'_>,
        centre_id: ID,
        date: Date,
        status: Option<AppointmentStatus>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Appointment>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let centre_id = parse_id("centreId", &centre_id)?;
        let scope = ctx.scope().await?;
        let page = ServiceCentres::new(ctx.state())
            .day_list(scope, centre_id, date.0, status, &page)
            .await?;
        Ok(page.try_into_counted_connection(Appointment::try_from_model)?)
    }

    /// One appointment: yours, one at a centre you work at, any for administrators.
    async fn appointment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Appointment> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = ServiceCentres::new(ctx.state())
            .appointment(scope, id)
            .await?;
        Ok(Appointment::try_from_model(model)?)
    }
}

/// Checks the parts of a centre input shared by create and update.
#[allow(clippy::too_many_arguments)]
fn centre_fields(
    check: &mut Checks,
    name: Option<&str>,
    address: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
    building_ids: Option<&[ID]>,
    services: Option<&[CentreServiceInput]>,
    hours: Option<&[OpeningHoursInput]>,
    exceptions: Option<&[OpeningExceptionInput]>,
) -> Option<CentreFields> {
    let name = check.field(Text::<100>::parse_opt("input.name", name));
    let address = check.field(Text::<300>::parse_opt("input.address", address));
    let phone = check.field(phone.map(|p| Phone::parse("input.phone", p)).transpose());
    let email = check.field(email.map(|e| Email::parse("input.email", e)).transpose());
    let building_ids = check.field(
        building_ids
            .map(|ids| parse_ids("input.buildingIds", ids))
            .transpose(),
    );
    let mut parsed_services = Vec::new();
    for s in services.unwrap_or_default() {
        let id = check.field(parse_id("input.services.serviceId", &s.service_id));
        check.rule(
            (5..=480).contains(&s.slot_minutes),
            "input.services.slotMinutes",
            "must be 5 to 480 minutes",
        );
        check.rule(
            (1..=100).contains(&s.capacity),
            "input.services.capacity",
            "must be 1 to 100",
        );
        if let Some(id) = id {
            parsed_services.push((id, s.slot_minutes, s.capacity));
        }
    }
    let mut ids = std::collections::HashSet::new();
    check.rule(
        parsed_services.iter().all(|(id, _, _)| ids.insert(*id)),
        "input.services",
        "names a service twice",
    );
    let mut parsed_hours = Vec::new();
    let mut days = std::collections::HashSet::new();
    for h in hours.unwrap_or_default() {
        let opens = check.field(parse_time("input.openingHours.opens", &h.opens));
        let closes = check.field(parse_time("input.openingHours.closes", &h.closes));
        check.rule(
            days.insert(h.weekday),
            "input.openingHours",
            "names a weekday twice",
        );
        if let (Some(opens), Some(closes)) = (opens, closes) {
            check.rule(
                closes > opens,
                "input.openingHours.closes",
                "must be after opening",
            );
            parsed_hours.push((h.weekday.number(), opens, closes));
        }
    }
    let mut parsed_exceptions = Vec::new();
    let mut dates = std::collections::HashSet::new();
    for e in exceptions.unwrap_or_default() {
        check.rule(
            dates.insert(e.date),
            "input.exceptions",
            "names a date twice",
        );
        let note = check.field(Text::<200>::parse_opt(
            "input.exceptions.note",
            e.note.as_deref(),
        ));
        let hours = match (e.opens.as_deref(), e.closes.as_deref()) {
            (None, None) => Some(None),
            (Some(o), Some(c)) => {
                let o = check.field(parse_time("input.exceptions.opens", o));
                let c = check.field(parse_time("input.exceptions.closes", c));
                match (o, c) {
                    (Some(o), Some(c)) if c > o => Some(Some((o, c))),
                    (Some(_), Some(_)) => {
                        check.rule(false, "input.exceptions.closes", "must be after opening");
                        None
                    }
                    _ => None,
                }
            }
            _ => {
                check.rule(
                    false,
                    "input.exceptions.opens",
                    "give both opens and closes, or neither for a day closed",
                );
                None
            }
        };
        if let (Some(hours), Some(note)) = (hours, note) {
            parsed_exceptions.push((e.date.0, hours, note.map(Text::into_inner)));
        }
    }
    Some(CentreFields {
        name: name?.map(Text::into_inner),
        address: address?.map(Text::into_inner),
        phone: phone?.map(|p| Some(p.into_inner())),
        email: email?.map(|e| Some(e.as_str().to_owned())),
        building_ids: building_ids?,
        services: services.map(|_| parsed_services),
        hours: hours.map(|_| parsed_hours),
        exceptions: exceptions.map(|_| parsed_exceptions),
    })
}

/// Service-centre mutations.
#[derive(Default)]
pub struct ServiceCentreMutation;

#[Object]
impl ServiceCentreMutation {
    /// Creates a service centre (administrators).
    async fn create_service_centre(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceCentreInput,
    ) -> async_graphql::Result<ServiceCentrePayload> {
        let mut check = Checks::new();
        let fields = centre_fields(
            &mut check,
            Some(&input.name),
            Some(&input.address),
            input.phone.as_deref(),
            input.email.as_deref(),
            Some(&input.building_ids),
            Some(&input.services),
            Some(&input.opening_hours),
            Some(input.exceptions.as_deref().unwrap_or_default()),
        );
        let fields = check.finish(|| fields)?;
        let scope = ctx.scope().await?;
        let model = ServiceCentres::new(ctx.state())
            .create_centre(scope, fields)
            .await?;
        Ok(ServiceCentrePayload {
            centre: model.into(),
        })
    }

    /// Changes a service centre (administrators): what is given replaces what is stored.
    async fn update_service_centre(
        &self,
        ctx: &Context<'_>,
        input: UpdateServiceCentreInput,
    ) -> async_graphql::Result<ServiceCentrePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let fields = centre_fields(
            &mut check,
            input.name.as_deref(),
            input.address.as_deref(),
            input.phone.as_deref(),
            input.email.as_deref(),
            input.building_ids.as_deref(),
            input.services.as_deref(),
            input.opening_hours.as_deref(),
            input.exceptions.as_deref(),
        );
        let (id, fields) = check.finish(|| Some((id?, fields?)))?;
        let scope = ctx.scope().await?;
        let model = ServiceCentres::new(ctx.state())
            .update_centre(scope, id, fields)
            .await?;
        Ok(ServiceCentrePayload {
            centre: model.into(),
        })
    }

    /// Books an appointment into a slot (`startsAt`) or takes a walk-in queue number (no
    /// `startsAt`). Residents book for themselves at a centre covering their building; staff at
    /// the centre for a resident (`residentId`). Outside opening hours: `BAD_USER_INPUT` on
    /// `input.startsAt`; a full slot or the same slot twice: `CONFLICT`; a walk-in while the
    /// centre is closed: `INVALID_STATE`.
    async fn book_appointment(
        &self,
        ctx: &Context<'_>,
        input: BookAppointmentInput,
    ) -> async_graphql::Result<AppointmentPayload> {
        let mut check = Checks::new();
        let centre_id = check.field(parse_id("input.centreId", &input.centre_id));
        let category_id = check.field(parse_id("input.serviceId", &input.service_id));
        let resident_id = check.field(parse_opt_id("input.residentId", input.resident_id.as_ref()));
        let note = check.field(Text::<500>::parse_opt("input.note", input.note.as_deref()));
        let booking = check.finish(|| {
            Some(Booking {
                centre_id: centre_id?,
                category_id: category_id?,
                starts_at: input.starts_at,
                resident_id: resident_id?,
                note: note?.map(Text::into_inner),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = ServiceCentres::new(ctx.state())
            .book(scope, booking)
            .await?;
        Ok(AppointmentPayload {
            appointment: Appointment::try_from_model(model)?,
        })
    }

    /// Cancels an appointment: yours before it starts (a walk-in while waiting); staff at the
    /// centre and administrators any live one. A booked place is free again.
    async fn cancel_appointment(
        &self,
        ctx: &Context<'_>,
        input: AppointmentIdInput,
    ) -> async_graphql::Result<AppointmentPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = ServiceCentres::new(ctx.state()).cancel(scope, id).await?;
        Ok(AppointmentPayload {
            appointment: Appointment::try_from_model(model)?,
        })
    }

    /// Marks an appointment served (staff at the centre, administrators).
    async fn serve_appointment(
        &self,
        ctx: &Context<'_>,
        input: AppointmentIdInput,
    ) -> async_graphql::Result<AppointmentPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = ServiceCentres::new(ctx.state()).serve(scope, id).await?;
        Ok(AppointmentPayload {
            appointment: Appointment::try_from_model(model)?,
        })
    }

    /// Opens a work order for the appointment's resident in its service's category, with
    /// channel `SERVICE_CENTRE`, and marks the appointment served (staff at the centre,
    /// administrators; once per appointment).
    async fn open_work_order_from_appointment(
        &self,
        ctx: &Context<'_>,
        input: OpenWorkOrderFromAppointmentInput,
    ) -> async_graphql::Result<OpenWorkOrderFromAppointmentPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.appointmentId", &input.appointment_id));
        let unit_id = check.field(parse_opt_id("input.unitId", input.unit_id.as_ref()));
        let title = check.field(Text::<200>::parse("input.title", &input.title));
        let description = check.field(Text::<4000>::parse("input.description", &input.description));
        let (id, order) = check.finish(|| {
            Some((
                id?,
                OrderFromAppointment {
                    unit_id: unit_id?,
                    title: title?.into_inner(),
                    description: description?.into_inner(),
                    priority: input.priority,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let (appointment, order) = ServiceCentres::new(ctx.state())
            .open_work_order(scope, id, order)
            .await
            .map_err(|e| match e {
                crate::error::AppError::UnknownId { field, what } if field == "input.id" => {
                    crate::error::AppError::UnknownId {
                        field: "input.appointmentId".to_owned(),
                        what,
                    }
                }
                other => other,
            })?;
        Ok(OpenWorkOrderFromAppointmentPayload {
            appointment: Appointment::try_from_model(appointment)?,
            work_order: Box::new(WorkOrder::try_from_model(order, true)?),
        })
    }
}
