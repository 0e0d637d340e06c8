//! Service-centre rules: centres and their hours, booking appointments into slots that never
//! overfill, walk-in queue numbers that never repeat, cancelling, serving, and opening a work
//! order from an appointment (channel `SERVICE_CENTRE`) in the same transaction.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use super::{
    hours::{format_time, hours_on, slot_starts},
    types::{AppointmentKind, AppointmentStatus},
};
use crate::{
    app::AppState,
    auth::guard,
    domains::{
        catalogue::types::Priority,
        estate::access::{Scope, current_residency},
        work_orders::{
            service::{NewWorkOrder, WorkOrderService},
            types::WorkOrderChannel,
        },
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
    store::find_or_not_found,
};
use entity::{
    appointment, appointment_slot, building, residency, service_category, service_centre,
    service_centre_building, service_centre_exception, service_centre_hours,
    service_centre_service, unit, work_order,
};

/// Notification subject type of an appointment.
pub const SUBJECT: &str = "APPOINTMENT";

/// An exception as checked: the date, its hours (`None`: closed) and a note.
pub type ExceptionFields = (NaiveDate, Option<(i32, i32)>, Option<String>);

/// A centre's details, checked (a list left out of a change keeps what is stored).
#[derive(Clone, Debug, Default)]
pub struct CentreFields {
    /// Name (unique).
    pub name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Phone (`Some(None)` clears it).
    pub phone: Option<Option<String>>,
    /// Email (`Some(None)` clears it).
    pub email: Option<Option<String>>,
    /// Buildings covered.
    pub building_ids: Option<Vec<Uuid>>,
    /// Services: (category, slot minutes, places per slot).
    pub services: Option<Vec<(Uuid, i32, i32)>>,
    /// Weekly hours: (weekday 1–7, opens, closes).
    pub hours: Option<Vec<(i32, i32, i32)>>,
    /// Exceptions: (date, hours or closed, note).
    pub exceptions: Option<Vec<ExceptionFields>>,
}

/// A booking or walk-in, checked.
#[derive(Clone, Debug)]
pub struct Booking {
    /// The centre.
    pub centre_id: Uuid,
    /// The service (catalogue category).
    pub category_id: Uuid,
    /// The slot's start; `None` for a walk-in now.
    pub starts_at: Option<DateTime<Utc>>,
    /// The resident, when staff at the centre book for one.
    pub resident_id: Option<Uuid>,
    /// A note.
    pub note: Option<String>,
}

/// What a work order opened from an appointment says.
#[derive(Clone, Debug)]
pub struct OrderFromAppointment {
    /// The unit (the resident's home in a building the centre covers when left out).
    pub unit_id: Option<Uuid>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Priority (the category's default when left out).
    pub priority: Option<Priority>,
}

/// A centre's hours of one day, for the API.
#[derive(Clone, Debug)]
pub struct DayHours {
    /// The date.
    pub date: NaiveDate,
    /// (opens, closes), `None` when closed.
    pub hours: Option<(i32, i32)>,
}

/// One bookable slot start with the places left.
#[derive(Clone, Debug)]
pub struct SlotView {
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at.
    pub ends_at: DateTime<Utc>,
    /// Places per slot.
    pub capacity: i32,
    /// Places left.
    pub places_left: i32,
}

/// The buildings `centre_id` covers.
pub async fn centre_buildings<C: ConnectionTrait>(
    db: &C,
    centre_id: Uuid,
) -> AppResult<HashSet<Uuid>> {
    Ok(service_centre_building::Entity::find()
        .filter(service_centre_building::Column::CentreId.eq(centre_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.building_id)
        .collect())
}

/// Whether the viewer works at `centre_id`: an administrator, or active staff serving a
/// building it covers.
async fn works_at(scope: &Scope, buildings: &HashSet<Uuid>) -> AppResult<bool> {
    if scope.admin {
        return Ok(true);
    }
    let staff = scope.staff().await?;
    Ok(staff.active && !staff.served_buildings.is_disjoint(buildings))
}

fn at(date: NaiveDate, minutes: i32) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
        + chrono::Duration::minutes(i64::from(minutes))
}

/// The service-centre service.
pub struct ServiceCentres<'a> {
    state: &'a AppState,
}

impl<'a> ServiceCentres<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        ServiceCentres { state }
    }

    /// Centres by name (everyone signed in: residents look for where to go).
    pub async fn centres(
        &self,
        scope: &Scope,
        building_id: Option<Uuid>,
        page: &PageRequest,
    ) -> AppResult<Page<service_centre::Model>> {
        scope.require_user()?;
        let mut query = service_centre::Entity::find();
        if let Some(building_id) = building_id {
            let ids: Vec<Uuid> = service_centre_building::Entity::find()
                .select_only()
                .column(service_centre_building::Column::CentreId)
                .filter(service_centre_building::Column::BuildingId.eq(building_id))
                .into_tuple()
                .all(&self.state.db)
                .await?;
            query = query.filter(service_centre::Column::Id.is_in(ids));
        }
        Keyset::new()
            .asc(service_centre::Column::Name)
            .asc(service_centre::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    /// One centre.
    pub async fn centre(&self, scope: &Scope, id: Uuid) -> AppResult<service_centre::Model> {
        scope.require_user()?;
        find_or_not_found::<service_centre::Entity, _>(&self.state.db, id).await
    }

    /// Creates a centre (administrators).
    pub async fn create_centre(
        &self,
        scope: &Scope,
        fields: CentreFields,
    ) -> AppResult<service_centre::Model> {
        guard::require_admin(scope)?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let model = service_centre::Model {
            id: Uuid::now_v7(),
            name: fields.name.clone().unwrap_or_default(),
            address: fields.address.clone().unwrap_or_default(),
            phone: fields.phone.clone().flatten(),
            email: fields.email.clone().flatten(),
            created_at: now,
            updated_at: now,
        };
        name_free(write.txn(), &model.name, None).await?;
        service_centre::Entity::insert(service_centre::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        replace_parts(write.txn(), model.id, &fields).await?;
        write.commit().await?;
        Ok(model)
    }

    /// Changes a centre (administrators): fields given replace what is stored; a list given
    /// replaces the whole list.
    pub async fn update_centre(
        &self,
        scope: &Scope,
        id: Uuid,
        fields: CentreFields,
    ) -> AppResult<service_centre::Model> {
        guard::require_admin(scope)?;
        let write = Write::begin(self.state).await?;
        let mut model = service_centre::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "service centre"))?;
        if let Some(name) = fields.name.clone() {
            name_free(write.txn(), &name, Some(id)).await?;
            model.name = name;
        }
        if let Some(address) = fields.address.clone() {
            model.address = address;
        }
        if let Some(phone) = fields.phone.clone() {
            model.phone = phone;
        }
        if let Some(email) = fields.email.clone() {
            model.email = email;
        }
        model.updated_at = write.now();
        service_centre::Entity::update(sea_orm::ActiveModelTrait::reset_all(
            service_centre::ActiveModel::from(model.clone()),
        ))
        .exec(write.txn())
        .await?;
        replace_parts(write.txn(), id, &fields).await?;
        write.commit().await?;
        Ok(model)
    }

    /// The hours of `centre_id` on `date`.
    pub async fn hours_on(&self, centre_id: Uuid, date: NaiveDate) -> AppResult<DayHours> {
        let (weekly, exceptions) = schedule(&self.state.db, centre_id).await?;
        Ok(DayHours {
            date,
            hours: hours_on(&weekly, &exceptions, date),
        })
    }

    /// The slots of a service at a centre on `date`, with the places left (none on a closed
    /// day or for a service the centre does not offer); past slots are left out.
    pub async fn slots(
        &self,
        centre_id: Uuid,
        category_id: Uuid,
        date: NaiveDate,
    ) -> AppResult<Vec<SlotView>> {
        let db = &self.state.db;
        let Some(service) = service_centre_service::Entity::find_by_id((centre_id, category_id))
            .one(db)
            .await?
        else {
            return Ok(Vec::new());
        };
        let (weekly, exceptions) = schedule(db, centre_id).await?;
        let Some((opens, closes)) = hours_on(&weekly, &exceptions, date) else {
            return Ok(Vec::new());
        };
        let booked = appointment_slot::Entity::find()
            .filter(appointment_slot::Column::CentreId.eq(centre_id))
            .filter(appointment_slot::Column::CategoryId.eq(category_id))
            .filter(appointment_slot::Column::StartsAt.gte(at(date, 0)))
            .filter(appointment_slot::Column::StartsAt.lt(at(date, super::hours::DAY_END)))
            .all(db)
            .await?;
        let now = self.state.clock.now();
        Ok(slot_starts(opens, closes, service.slot_minutes)
            .into_iter()
            .map(|start| at(date, start))
            .filter(|starts_at| *starts_at > now)
            .map(|starts_at| {
                let row = booked.iter().find(|s| s.starts_at == starts_at);
                let capacity = row.map_or(service.capacity, |s| s.capacity);
                SlotView {
                    starts_at,
                    ends_at: starts_at + chrono::Duration::minutes(i64::from(service.slot_minutes)),
                    capacity,
                    places_left: Ord::max(capacity - row.map_or(0, |s| s.booked), 0),
                }
            })
            .collect())
    }

    /// Books an appointment (`startsAt` given) or takes a walk-in queue number (left out). A
    /// resident books for themselves at a centre covering their building; staff at the centre
    /// and administrators for a resident (`residentId`). Outside opening hours or off the slot
    /// grid: `BAD_USER_INPUT` on `input.startsAt`; a full slot or the same slot twice:
    /// `CONFLICT`; a walk-in while the centre is closed: `INVALID_STATE`. Nothing is written
    /// then.
    pub async fn book(&self, scope: &Scope, booking: Booking) -> AppResult<appointment::Model> {
        let me = scope.require_user()?;
        let db = &self.state.db;
        let centre = service_centre::Entity::find_by_id(booking.centre_id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::unknown_id("input.centreId", "service centre"))?;
        let buildings = centre_buildings(db, centre.id).await?;
        let staff_side = works_at(scope, &buildings).await?;
        let resident = match booking.resident_id {
            Some(resident) if staff_side => {
                if !lives_in(db, scope, resident, &buildings).await? {
                    return Err(AppError::unknown_id("input.residentId", "resident"));
                }
                resident
            }
            Some(_) => {
                return Err(AppError::Forbidden(
                    "only staff at the centre book for a resident".to_owned(),
                ));
            }
            None => {
                if scope.resident().await?.buildings.is_disjoint(&buildings) {
                    return Err(AppError::Forbidden(
                        "this centre does not serve your building".to_owned(),
                    ));
                }
                me
            }
        };
        let service = service_centre_service::Entity::find_by_id((centre.id, booking.category_id))
            .one(db)
            .await?
            .ok_or_else(|| {
                AppError::bad_input("input.serviceId", "the centre does not offer this service")
            })?;
        let (weekly, exceptions) = schedule(db, centre.id).await?;
        let now = self.state.clock.now();
        let mut write = Write::begin(self.state).await?;
        let model = match booking.starts_at {
            Some(starts_at) => {
                let date = starts_at.date_naive();
                let minute = i32::try_from(starts_at.num_seconds_from_midnight() / 60).unwrap_or(0);
                let on_grid = starts_at.second() == 0 && starts_at.nanosecond() == 0;
                if starts_at <= now {
                    return Err(AppError::bad_input("input.startsAt", "is in the past"));
                }
                let Some((opens, closes)) = hours_on(&weekly, &exceptions, date) else {
                    return Err(AppError::bad_input(
                        "input.startsAt",
                        format!("outside opening hours: the centre is closed on {date}"),
                    ));
                };
                if !on_grid || !slot_starts(opens, closes, service.slot_minutes).contains(&minute) {
                    return Err(AppError::bad_input(
                        "input.startsAt",
                        format!(
                            "outside opening hours or not a slot start: on {date} the centre is \
                             open {}–{}, with a slot every {} minutes from the opening",
                            format_time(opens),
                            format_time(closes),
                            service.slot_minutes
                        ),
                    ));
                }
                let slot = slot_for(&write, &centre, &service, starts_at).await?;
                let model = appointment::Model {
                    id: Uuid::now_v7(),
                    centre_id: centre.id,
                    category_id: service.category_id,
                    user_id: resident,
                    kind: AppointmentKind::Booked.as_str().to_owned(),
                    status: AppointmentStatus::Booked.as_str().to_owned(),
                    slot_id: Some(slot),
                    active_slot_id: Some(slot),
                    starts_at: Some(starts_at),
                    day: date,
                    queue_number: None,
                    sort_at: starts_at,
                    note: booking.note,
                    work_order_id: None,
                    created_by: me,
                    created_at: now,
                    updated_at: now,
                };
                let inserted =
                    appointment::Entity::insert(appointment::ActiveModel::from(model.clone()))
                        .on_conflict(
                            OnConflict::columns([
                                appointment::Column::UserId,
                                appointment::Column::ActiveSlotId,
                            ])
                            .do_nothing()
                            .to_owned(),
                        )
                        .exec_without_returning(write.txn())
                        .await?;
                if inserted == 0 {
                    return Err(AppError::Conflict {
                        field: Some("input.startsAt".to_owned()),
                        message: "this resident already holds this slot".to_owned(),
                    });
                }
                let taken = appointment_slot::Entity::update_many()
                    .col_expr(
                        appointment_slot::Column::Booked,
                        Expr::col(appointment_slot::Column::Booked).add(1),
                    )
                    .filter(appointment_slot::Column::Id.eq(slot))
                    .filter(
                        Expr::col(appointment_slot::Column::Booked)
                            .lt(Expr::col(appointment_slot::Column::Capacity)),
                    )
                    .exec(write.txn())
                    .await?;
                if taken.rows_affected != 1 {
                    // Dropping the write rolls the appointment back.
                    return Err(AppError::Conflict {
                        field: Some("input.startsAt".to_owned()),
                        message: "this slot is full".to_owned(),
                    });
                }
                model
            }
            None => {
                let today = now.date_naive();
                let minute = i32::try_from(now.num_seconds_from_midnight() / 60).unwrap_or(0);
                let open = hours_on(&weekly, &exceptions, today)
                    .is_some_and(|(opens, closes)| (opens..closes).contains(&minute));
                if !open {
                    return Err(AppError::InvalidState(
                        "the centre is closed now: walk-ins are taken during opening hours"
                            .to_owned(),
                    ));
                }
                let number = next_queue_number(write.txn(), centre.id, today).await?;
                let model = appointment::Model {
                    id: Uuid::now_v7(),
                    centre_id: centre.id,
                    category_id: service.category_id,
                    user_id: resident,
                    kind: AppointmentKind::WalkIn.as_str().to_owned(),
                    status: AppointmentStatus::Waiting.as_str().to_owned(),
                    slot_id: None,
                    active_slot_id: None,
                    starts_at: None,
                    day: today,
                    queue_number: Some(number),
                    sort_at: now,
                    note: booking.note,
                    work_order_id: None,
                    created_by: me,
                    created_at: now,
                    updated_at: now,
                };
                appointment::Entity::insert(appointment::ActiveModel::from(model.clone()))
                    .exec_without_returning(write.txn())
                    .await?;
                model
            }
        };
        if resident != me {
            let when = match model.starts_at {
                Some(at) => format!("on {}", at.format("%Y-%m-%d at %H:%M UTC")),
                None => format!("today, queue number {}", model.queue_number.unwrap_or(0)),
            };
            notify(
                &mut write,
                resident,
                &model,
                "APPOINTMENT_BOOKED",
                format!("An appointment at {} was made for you", centre.name),
                format!("You are expected {when}."),
            )
            .await?;
        }
        write.commit().await?;
        Ok(model)
    }

    /// One appointment the viewer may see: their own, those of a centre they work at, any for
    /// administrators.
    pub async fn appointment(&self, scope: &Scope, id: Uuid) -> AppResult<appointment::Model> {
        let me = scope.require_user()?;
        let found = appointment::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .ok_or(AppError::NotFound("appointment"))?;
        if found.user_id == me
            || works_at(
                scope,
                &centre_buildings(&self.state.db, found.centre_id).await?,
            )
            .await?
        {
            return Ok(found);
        }
        Err(AppError::NotFound("appointment"))
    }

    /// The appointments among `ids` the viewer may see (for notification subjects): their
    /// own, and those of centres they work at (one statement, plus one per other centre).
    pub async fn appointments_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<appointment::Model>> {
        let me = scope.require_user()?;
        let rows = appointment::Entity::find()
            .filter(appointment::Column::Id.is_in(ids))
            .all(&self.state.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut centres: std::collections::HashMap<Uuid, bool> = std::collections::HashMap::new();
        for row in rows {
            let visible = if row.user_id == me {
                true
            } else if let Some(known) = centres.get(&row.centre_id) {
                *known
            } else {
                let works = works_at(
                    scope,
                    &centre_buildings(&self.state.db, row.centre_id).await?,
                )
                .await?;
                centres.insert(row.centre_id, works);
                works
            };
            if visible {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// The viewer's appointments, latest first.
    pub async fn mine(
        &self,
        scope: &Scope,
        status: Option<AppointmentStatus>,
        page: &PageRequest,
    ) -> AppResult<Page<appointment::Model>> {
        let me = scope.require_user()?;
        let mut query = appointment::Entity::find().filter(appointment::Column::UserId.eq(me));
        if let Some(status) = status {
            query = query.filter(appointment::Column::Status.eq(status.as_str()));
        }
        Keyset::new()
            .desc(appointment::Column::SortAt)
            .desc(appointment::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    /// A centre's appointments of one day, in the order they are due (bookings by start,
    /// walk-ins by arrival): staff at the centre and administrators.
    pub async fn day_list(
        &self,
        scope: &Scope,
        centre_id: Uuid,
        date: NaiveDate,
        status: Option<AppointmentStatus>,
        page: &PageRequest,
    ) -> AppResult<Page<appointment::Model>> {
        scope.require_user()?;
        find_or_not_found::<service_centre::Entity, _>(&self.state.db, centre_id)
            .await
            .map_err(|e| e.on_field("centreId"))?;
        if !works_at(scope, &centre_buildings(&self.state.db, centre_id).await?).await? {
            return Err(AppError::Forbidden(
                "only staff at the centre see its appointments".to_owned(),
            ));
        }
        let mut query = appointment::Entity::find()
            .filter(appointment::Column::CentreId.eq(centre_id))
            .filter(appointment::Column::Day.eq(date));
        if let Some(status) = status {
            query = query.filter(appointment::Column::Status.eq(status.as_str()));
        }
        Keyset::new()
            .asc(appointment::Column::SortAt)
            .asc(appointment::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    /// Loads an appointment for a change: `NOT_FOUND` when invisible; whether the viewer works
    /// at its centre.
    async fn for_change(&self, scope: &Scope, id: Uuid) -> AppResult<(appointment::Model, bool)> {
        let me = scope.require_user()?;
        let found = appointment::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "appointment"))?;
        let staff = works_at(
            scope,
            &centre_buildings(&self.state.db, found.centre_id).await?,
        )
        .await?;
        if !staff && found.user_id != me {
            return Err(AppError::unknown_id("input.id", "appointment"));
        }
        Ok((found, staff))
    }

    /// Cancels a live appointment: its resident (a booking before it starts, a walk-in while
    /// waiting), staff at the centre, administrators. A booked place is free again.
    pub async fn cancel(&self, scope: &Scope, id: Uuid) -> AppResult<appointment::Model> {
        let me = scope.require_user()?;
        let (found, staff) = self.for_change(scope, id).await?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let status = AppointmentStatus::from_stored(&found.status)?;
        if !matches!(
            status,
            AppointmentStatus::Booked | AppointmentStatus::Waiting
        ) {
            return Err(AppError::InvalidState(format!(
                "a {} appointment cannot be cancelled",
                found.status.to_lowercase()
            )));
        }
        if !staff && found.starts_at.is_some_and(|at| at <= now) {
            return Err(AppError::InvalidState(
                "the appointment has started: ask the centre".to_owned(),
            ));
        }
        let next = self
            .step(&mut write, &found, AppointmentStatus::Cancelled, None)
            .await?;
        if let Some(slot) = found.active_slot_id {
            appointment_slot::Entity::update_many()
                .col_expr(
                    appointment_slot::Column::Booked,
                    Expr::col(appointment_slot::Column::Booked).sub(1),
                )
                .filter(appointment_slot::Column::Id.eq(slot))
                .filter(appointment_slot::Column::Booked.gt(0))
                .exec(write.txn())
                .await?;
        }
        if found.user_id != me {
            let centre =
                find_or_not_found::<service_centre::Entity, _>(write.txn(), found.centre_id)
                    .await?;
            notify(
                &mut write,
                found.user_id,
                &next,
                "APPOINTMENT_CANCELLED",
                format!("Your appointment at {} was cancelled", centre.name),
                "The centre cancelled it; book again when it suits you.".to_owned(),
            )
            .await?;
        }
        write.commit().await?;
        Ok(next)
    }

    /// Marks a live appointment served (staff at the centre, administrators).
    pub async fn serve(&self, scope: &Scope, id: Uuid) -> AppResult<appointment::Model> {
        let (found, staff) = self.for_change(scope, id).await?;
        if !staff {
            return Err(AppError::Forbidden(
                "only staff at the centre serve appointments".to_owned(),
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let next = self
            .step(&mut write, &found, AppointmentStatus::Served, None)
            .await?;
        write.commit().await?;
        Ok(next)
    }

    /// Opens a work order for the appointment's resident in its service's category, with
    /// channel `SERVICE_CENTRE` (staff at the centre, administrators), and marks the
    /// appointment served with the order linked: one transaction, so there is never an order
    /// without its appointment or the other way round. Once per appointment.
    pub async fn open_work_order(
        &self,
        scope: &Scope,
        id: Uuid,
        order: OrderFromAppointment,
    ) -> AppResult<(appointment::Model, work_order::Model)> {
        let (found, staff) = self.for_change(scope, id).await?;
        if !staff {
            return Err(AppError::Forbidden(
                "only staff at the centre open work orders from appointments".to_owned(),
            ));
        }
        if found.work_order_id.is_some() {
            return Err(AppError::InvalidState(
                "a work order was opened from this appointment already".to_owned(),
            ));
        }
        let status = AppointmentStatus::from_stored(&found.status)?;
        if !matches!(
            status,
            AppointmentStatus::Booked | AppointmentStatus::Waiting
        ) {
            return Err(AppError::InvalidState(format!(
                "a {} appointment cannot open a work order",
                found.status.to_lowercase()
            )));
        }
        let db = &self.state.db;
        let unit_id = match order.unit_id {
            Some(unit) => unit,
            None => {
                let buildings = centre_buildings(db, found.centre_id).await?;
                let homes = homes_of(db, scope, found.user_id).await?;
                let mut covered = homes.iter().filter(|u| buildings.contains(&u.building_id));
                match (covered.next(), covered.next()) {
                    (Some(home), None) => home.id,
                    _ => {
                        return Err(AppError::bad_input(
                            "input.unitId",
                            "give the unit: the resident has no single home the centre covers",
                        ));
                    }
                }
            }
        };
        let orders = WorkOrderService::new(self.state);
        let prepared = orders
            .prepare_create(
                scope,
                NewWorkOrder {
                    category_id: found.category_id,
                    unit_id: Some(unit_id),
                    building_id: None,
                    location: None,
                    title: order.title,
                    description: order.description,
                    priority: order.priority,
                    channel: Some(WorkOrderChannel::ServiceCentre),
                    on_behalf_of: Some(found.user_id),
                    offering_id: None,
                    slot_id: None,
                    household_member_id: None,
                    asset_id: None,
                },
            )
            .await
            .map_err(|e| match e {
                AppError::NotFound("unit") => AppError::unknown_id("input.unitId", "unit"),
                other => other,
            })?;
        let mut write = Write::begin(self.state).await?;
        let submitted = orders.create_in(&mut write, prepared).await?;
        let next = self
            .step(
                &mut write,
                &found,
                AppointmentStatus::Served,
                Some(submitted.order.id),
            )
            .await?;
        write.commit().await?;
        Ok((next, submitted.order))
    }

    /// Moves a live appointment to `to` with a conditional update (of two steps at once, one
    /// wins; the other is `CONFLICT`).
    async fn step(
        &self,
        write: &mut Write<'_>,
        found: &appointment::Model,
        to: AppointmentStatus,
        work_order: Option<Uuid>,
    ) -> AppResult<appointment::Model> {
        let now = write.now();
        let mut update = appointment::Entity::update_many()
            .col_expr(appointment::Column::Status, Expr::value(to.as_str()))
            .col_expr(appointment::Column::UpdatedAt, Expr::value(now))
            .filter(appointment::Column::Id.eq(found.id))
            .filter(appointment::Column::Status.eq(found.status.as_str()))
            .filter(appointment::Column::WorkOrderId.is_null());
        if to == AppointmentStatus::Cancelled {
            update = update.col_expr(
                appointment::Column::ActiveSlotId,
                Expr::value(Option::<Uuid>::None),
            );
        }
        if let Some(order) = work_order {
            update = update.col_expr(appointment::Column::WorkOrderId, Expr::value(Some(order)));
        }
        let changed = update.exec(write.txn()).await?;
        if changed.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: None,
                message: "the appointment changed meanwhile; reload it".to_owned(),
            });
        }
        let mut next = found.clone();
        next.status = to.as_str().to_owned();
        next.updated_at = now;
        if to == AppointmentStatus::Cancelled {
            next.active_slot_id = None;
        }
        if work_order.is_some() {
            next.work_order_id = work_order;
        }
        Ok(next)
    }
}

/// Whether `user_id` lives now in one of `buildings`.
async fn lives_in<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    user_id: Uuid,
    buildings: &HashSet<Uuid>,
) -> AppResult<bool> {
    Ok(homes_of(db, scope, user_id)
        .await?
        .iter()
        .any(|u| buildings.contains(&u.building_id)))
}

/// The units `user_id` lives in now.
async fn homes_of<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    user_id: Uuid,
) -> AppResult<Vec<unit::Model>> {
    let units: Vec<Uuid> = residency::Entity::find()
        .select_only()
        .column(residency::Column::UnitId)
        .filter(residency::Column::UserId.eq(user_id))
        .filter(current_residency(scope.today()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(unit::Entity::find()
        .filter(unit::Column::Id.is_in(units))
        .all(db)
        .await?)
}

/// A centre's weekly hours and exceptions.
async fn schedule<C: ConnectionTrait>(
    db: &C,
    centre_id: Uuid,
) -> AppResult<(
    Vec<service_centre_hours::Model>,
    Vec<service_centre_exception::Model>,
)> {
    Ok((
        service_centre_hours::Entity::find()
            .filter(service_centre_hours::Column::CentreId.eq(centre_id))
            .all(db)
            .await?,
        service_centre_exception::Entity::find()
            .filter(service_centre_exception::Column::CentreId.eq(centre_id))
            .all(db)
            .await?,
    ))
}

/// The slot row of (centre, service, start), made on its first booking (two first bookings at
/// once meet on the unique key and share one row).
async fn slot_for(
    write: &Write<'_>,
    centre: &service_centre::Model,
    service: &service_centre_service::Model,
    starts_at: DateTime<Utc>,
) -> AppResult<Uuid> {
    appointment_slot::Entity::insert(appointment_slot::ActiveModel {
        id: Set(Uuid::now_v7()),
        centre_id: Set(centre.id),
        category_id: Set(service.category_id),
        starts_at: Set(starts_at),
        ends_at: Set(starts_at + chrono::Duration::minutes(i64::from(service.slot_minutes))),
        capacity: Set(service.capacity),
        booked: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            appointment_slot::Column::CentreId,
            appointment_slot::Column::CategoryId,
            appointment_slot::Column::StartsAt,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(write.txn())
    .await?;
    appointment_slot::Entity::find()
        .filter(appointment_slot::Column::CentreId.eq(centre.id))
        .filter(appointment_slot::Column::CategoryId.eq(service.category_id))
        .filter(appointment_slot::Column::StartsAt.eq(starts_at))
        .one(write.txn())
        .await?
        .map(|slot| slot.id)
        .ok_or_else(|| AppError::internal("an appointment slot vanished"))
}

/// The next walk-in number of a centre's day: one atomic upsert, so concurrent walk-ins never
/// get the same number (a unique index backs it).
async fn next_queue_number(
    txn: &sea_orm::DatabaseTransaction,
    centre_id: Uuid,
    day: NaiveDate,
) -> AppResult<i32> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO appointment_queue_counter (centre_id, day, last) VALUES ($1, $2, 1) \
             ON CONFLICT (centre_id, day) DO UPDATE \
             SET last = appointment_queue_counter.last + 1 RETURNING last"
        }
        _ => {
            "INSERT INTO appointment_queue_counter (centre_id, day, last) VALUES (?, ?, 1) \
             ON CONFLICT (centre_id, day) DO UPDATE \
             SET last = appointment_queue_counter.last + 1 RETURNING last"
        }
    };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [centre_id.into(), day.into()],
        ))
        .await?
        .ok_or_else(|| AppError::internal("the queue counter returned no row"))?;
    Ok(row.try_get("", "last")?)
}

/// Name taken by another centre: `CONFLICT` on `input.name`.
async fn name_free<C: ConnectionTrait>(db: &C, name: &str, except: Option<Uuid>) -> AppResult<()> {
    let mut query = service_centre::Entity::find().filter(service_centre::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(service_centre::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(AppError::Conflict {
            field: Some("input.name".to_owned()),
            message: "another service centre has this name".to_owned(),
        });
    }
    Ok(())
}

/// Replaces the lists `fields` gives (buildings, services, hours, exceptions), checking that
/// the buildings and categories exist.
async fn replace_parts<C: ConnectionTrait>(
    db: &C,
    centre_id: Uuid,
    fields: &CentreFields,
) -> AppResult<()> {
    if let Some(ids) = &fields.building_ids {
        let found = building::Entity::find()
            .filter(building::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        if found.len() != ids.iter().collect::<HashSet<_>>().len() {
            return Err(AppError::unknown_id("input.buildingIds", "building"));
        }
        service_centre_building::Entity::delete_many()
            .filter(service_centre_building::Column::CentreId.eq(centre_id))
            .exec(db)
            .await?;
        if !found.is_empty() {
            service_centre_building::Entity::insert_many(found.iter().map(|b| {
                service_centre_building::ActiveModel {
                    centre_id: Set(centre_id),
                    building_id: Set(b.id),
                }
            }))
            .exec_without_returning(db)
            .await?;
        }
    }
    if let Some(services) = &fields.services {
        let ids: HashSet<Uuid> = services.iter().map(|(id, _, _)| *id).collect();
        let found = service_category::Entity::find()
            .filter(service_category::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        if found.len() != ids.len() {
            return Err(AppError::unknown_id(
                "input.services.categoryId",
                "service category",
            ));
        }
        service_centre_service::Entity::delete_many()
            .filter(service_centre_service::Column::CentreId.eq(centre_id))
            .exec(db)
            .await?;
        if !services.is_empty() {
            service_centre_service::Entity::insert_many(services.iter().map(
                |(category, minutes, capacity)| service_centre_service::ActiveModel {
                    centre_id: Set(centre_id),
                    category_id: Set(*category),
                    slot_minutes: Set(*minutes),
                    capacity: Set(*capacity),
                },
            ))
            .exec_without_returning(db)
            .await?;
        }
    }
    if let Some(hours) = &fields.hours {
        service_centre_hours::Entity::delete_many()
            .filter(service_centre_hours::Column::CentreId.eq(centre_id))
            .exec(db)
            .await?;
        if !hours.is_empty() {
            service_centre_hours::Entity::insert_many(hours.iter().map(|(day, opens, closes)| {
                service_centre_hours::ActiveModel {
                    centre_id: Set(centre_id),
                    weekday: Set(*day),
                    opens: Set(*opens),
                    closes: Set(*closes),
                }
            }))
            .exec_without_returning(db)
            .await?;
        }
    }
    if let Some(exceptions) = &fields.exceptions {
        service_centre_exception::Entity::delete_many()
            .filter(service_centre_exception::Column::CentreId.eq(centre_id))
            .exec(db)
            .await?;
        if !exceptions.is_empty() {
            service_centre_exception::Entity::insert_many(exceptions.iter().map(
                |(date, hours, note)| service_centre_exception::ActiveModel {
                    centre_id: Set(centre_id),
                    date: Set(*date),
                    opens: Set(hours.map(|(o, _)| o)),
                    closes: Set(hours.map(|(_, c)| c)),
                    note: Set(note.clone()),
                },
            ))
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

async fn notify(
    write: &mut Write<'_>,
    user: Uuid,
    appointment: &appointment::Model,
    kind: &str,
    title: String,
    text: String,
) -> AppResult<usize> {
    Notifier::notify(
        write,
        [user],
        &Draft {
            category: NotificationCategory::WorkOrder,
            priority: NotificationPriority::Normal,
            kind: kind.to_owned(),
            title,
            text,
            subject: SubjectRef {
                kind: SUBJECT,
                id: appointment.id,
            },
        },
    )
    .await
}
