//! Front-desk rules: logging parcels and giving them out once (a one-time code or a handover
//! to a named member of the household), unclaimed reminders, visitor passes checked in and out
//! within their window, and each building's visitor blacklist.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::{
    access::DeskAccess,
    types::{ParcelCollection, ParcelSize, ParcelStatus, VisitorPassStatus},
};
use crate::{
    app::AppState,
    domains::estate::{
        access::{Scope, current_residency},
        types::HouseholdMemberKind,
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{
    building, household_member, parcel, residency, unit, user, visitor_blacklist_entry,
    visitor_pass,
};

/// Notification subject type of a parcel.
pub const PARCEL_SUBJECT: &str = "PARCEL";
/// Notification subject type of a visitor pass.
pub const VISITOR_SUBJECT: &str = "VISITOR_PASS";
/// Unclaimed reminders a parcel sends at most.
pub const MAX_REMINDERS: i32 = 3;
/// Minutes a pass is honoured before its window opens and after it closes.
pub const GRACE_MINUTES: i64 = 15;
/// Longest window of one visitor pass.
pub const MAX_PASS_DAYS: i64 = 7;

/// Letters and digits that cannot be mistaken for one another when read out or typed.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Tries at a code free among waiting parcels (or passes) before giving up.
const CODE_TRIES: usize = 8;

/// A parcel as checked.
#[derive(Clone, Debug)]
pub struct NewParcel {
    /// The unit.
    pub unit_id: Uuid,
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Size.
    pub size: ParcelSize,
    /// Storage spot.
    pub storage_spot: String,
}

/// Who a parcel is handed to.
#[derive(Clone, Copy, Debug)]
pub enum Collector {
    /// A household member of the unit.
    Member(Uuid),
    /// A current resident of the unit.
    Resident(Uuid),
}

/// A visitor as checked.
#[derive(Clone, Debug)]
pub struct NewVisitor {
    /// The unit (the resident's only home when left out).
    pub unit_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Valid from.
    pub from: DateTime<Utc>,
    /// Valid until.
    pub until: DateTime<Utc>,
    /// Number of people.
    pub people: i32,
    /// Car plate, normalised.
    pub car_plate: Option<String>,
}

/// A blacklist entry as checked.
#[derive(Clone, Debug)]
pub struct NewBlacklistEntry {
    /// The building.
    pub building_id: Uuid,
    /// The name, as given.
    pub name: Option<String>,
    /// The car plate, normalised.
    pub car_plate: Option<String>,
    /// Why.
    pub reason: String,
}

/// Filter of the desk's shelf view.
#[derive(Clone, Debug, Default)]
pub struct ParcelFilter {
    /// One building.
    pub building_id: Option<Uuid>,
    /// One unit.
    pub unit_id: Option<Uuid>,
    /// The status (`WAITING` when left out: the shelf).
    pub status: Option<ParcelStatus>,
}

/// Filter of the desk's visitor list.
#[derive(Clone, Debug, Default)]
pub struct VisitorFilter {
    /// One building.
    pub building_id: Option<Uuid>,
    /// Passes whose window touches this day (today when left out).
    pub date: Option<NaiveDate>,
    /// One status.
    pub status: Option<VisitorPassStatus>,
}

/// A name as the blacklist compares it: lower case, inner spaces collapsed.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A car plate as stored and compared: upper case, without spaces or dashes.
pub fn plate_key(plate: &str) -> String {
    plate
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '·')
        .flat_map(char::to_uppercase)
        .collect()
}

/// A code typed at the desk, as stored: upper case, without spaces.
pub fn code_key(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

fn random_code(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

fn subject(kind: &'static str, id: Uuid) -> SubjectRef {
    SubjectRef { kind, id }
}

/// The users living in `unit_id` on `today`.
async fn residents_of<C: ConnectionTrait>(
    db: &C,
    unit_id: Uuid,
    today: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    Ok(residency::Entity::find()
        .select_only()
        .column(residency::Column::UserId)
        .filter(residency::Column::UnitId.eq(unit_id))
        .filter(current_residency(today))
        .into_tuple()
        .all(db)
        .await?)
}

/// The front-desk service.
pub struct FrontDesk<'a> {
    state: &'a AppState,
}

impl<'a> FrontDesk<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        FrontDesk { state }
    }

    async fn access(&self, scope: &Scope) -> AppResult<std::sync::Arc<DeskAccess>> {
        scope.require_user()?;
        scope.facet::<DeskAccess>().await
    }

    // ----- parcels ------------------------------------------------------------------------

    /// Logs a parcel for a unit (front-desk staff of its building, administrators) and tells
    /// the unit's residents at once, in the same transaction.
    pub async fn log_parcel(&self, scope: &Scope, new: NewParcel) -> AppResult<parcel::Model> {
        let me = scope.require_user()?;
        let access = self.access(scope).await?;
        let db = &self.state.db;
        let unit = unit::Entity::find_by_id(new.unit_id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::unknown_id("input.unitId", "unit"))?;
        if !access.at_desk(unit.building_id) {
            return Err(if scope.sees_unit(&unit).await? {
                AppError::Forbidden("only the building's front desk logs parcels".to_owned())
            } else {
                AppError::unknown_id("input.unitId", "unit")
            });
        }
        let residents = residents_of(db, unit.id, self.state.clock.today()).await?;
        let days = i64::from(self.state.config.parcel_reminder_days);
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let mut model = parcel::Model {
            id: Uuid::now_v7(),
            building_id: unit.building_id,
            unit_id: unit.id,
            carrier: new.carrier,
            tracking_number: new.tracking_number,
            size: new.size.as_str().to_owned(),
            storage_spot: new.storage_spot,
            status: ParcelStatus::Waiting.as_str().to_owned(),
            pickup_code: String::new(),
            waiting_code: None,
            logged_by: me,
            logged_at: now,
            next_reminder_at: Some(now + Duration::days(days)),
            reminders_sent: 0,
            collected_at: None,
            collected_by: None,
            collected_how: None,
            collector_user_id: None,
            collector_member_id: None,
            collector_name: None,
            updated_at: now,
        };
        let mut inserted = false;
        for _ in 0..CODE_TRIES {
            let code = random_code(6);
            model.pickup_code = code.clone();
            model.waiting_code = Some(code);
            let rows = parcel::Entity::insert(parcel::ActiveModel::from(model.clone()))
                .on_conflict(
                    OnConflict::column(parcel::Column::WaitingCode)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(write.txn())
                .await?;
            if rows == 1 {
                inserted = true;
                break;
            }
        }
        if !inserted {
            return Err(AppError::internal("no free parcel pickup code"));
        }
        Notifier::notify(
            &mut write,
            residents,
            &Draft {
                category: NotificationCategory::FrontDesk,
                priority: NotificationPriority::Normal,
                kind: "PARCEL_ARRIVED".to_owned(),
                title: format!("A parcel from {} is at the desk", model.carrier),
                text: format!(
                    "Kept at {}. Show your pickup code at the desk to collect it.",
                    model.storage_spot
                ),
                subject: subject(PARCEL_SUBJECT, model.id),
            },
        )
        .await?;
        write.commit().await?;
        Ok(model)
    }

    /// Gives out the waiting parcel whose pickup code is `code` (front-desk staff of its
    /// building). A code of a parcel already given out: `CONFLICT`; a code of no waiting parcel
    /// at the viewer's desks: `NOT_FOUND`. Nothing is written then.
    pub async fn pick_up(&self, scope: &Scope, code: &str) -> AppResult<parcel::Model> {
        let access = self.access(scope).await?;
        if !access.any_desk() {
            return Err(AppError::Forbidden(
                "only front-desk staff give out parcels".to_owned(),
            ));
        }
        let code = code_key(code);
        let db = &self.state.db;
        let mut query = parcel::Entity::find().filter(parcel::Column::WaitingCode.eq(&code));
        if !access.admin {
            query = query.filter(parcel::Column::BuildingId.is_in(access.desk.iter().copied()));
        }
        let Some(found) = query.one(db).await? else {
            let mut gone = parcel::Entity::find()
                .filter(parcel::Column::PickupCode.eq(&code))
                .filter(parcel::Column::Status.eq(ParcelStatus::Collected.as_str()));
            if !access.admin {
                gone = gone.filter(parcel::Column::BuildingId.is_in(access.desk.iter().copied()));
            }
            if let Some(gone) = gone
                .order_by_desc(parcel::Column::CollectedAt)
                .one(db)
                .await?
            {
                return Err(AppError::Conflict {
                    field: Some("input.code".to_owned()),
                    message: format!(
                        "this parcel was picked up already, at {}",
                        gone.collected_at
                            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                            .unwrap_or_default()
                    ),
                });
            }
            return Err(AppError::unknown_id("input.code", "waiting parcel"));
        };
        self.collect(scope, found, ParcelCollection::Code, None)
            .await
    }

    /// Hands a waiting parcel to a named household member or resident of its unit (front-desk
    /// staff of its building).
    pub async fn hand_over(
        &self,
        scope: &Scope,
        parcel_id: Uuid,
        to: Collector,
    ) -> AppResult<parcel::Model> {
        let access = self.access(scope).await?;
        let db = &self.state.db;
        let found = parcel::Entity::find_by_id(parcel_id)
            .one(db)
            .await?
            .filter(|p| access.sees(p.building_id, p.unit_id))
            .ok_or_else(|| AppError::unknown_id("input.parcelId", "parcel"))?;
        if !access.at_desk(found.building_id) {
            return Err(AppError::Forbidden(
                "only the building's front desk hands parcels over".to_owned(),
            ));
        }
        let collector = match to {
            Collector::Member(id) => {
                let member = household_member::Entity::find_by_id(id)
                    .one(db)
                    .await?
                    .filter(|m| m.unit_id == found.unit_id)
                    .ok_or_else(|| {
                        AppError::unknown_id("input.householdMemberId", "household member")
                    })?;
                if member.kind == HouseholdMemberKind::Pet.as_str() {
                    return Err(AppError::bad_input(
                        "input.householdMemberId",
                        "a pet cannot collect a parcel",
                    ));
                }
                (None, Some(member.id), member.name)
            }
            Collector::Resident(id) => {
                let lives = residents_of(db, found.unit_id, self.state.clock.today())
                    .await?
                    .contains(&id);
                let person = user::Entity::find_by_id(id)
                    .one(db)
                    .await?
                    .filter(|_| lives)
                    .ok_or_else(|| AppError::unknown_id("input.residentId", "resident"))?;
                (Some(person.id), None, person.display_name)
            }
        };
        self.collect(scope, found, ParcelCollection::Handover, Some(collector))
            .await
    }

    /// Takes `found` off the shelf once (a conditional update on its status: of two at once,
    /// one wins and the other is `CONFLICT`) and tells the unit's residents.
    async fn collect(
        &self,
        scope: &Scope,
        found: parcel::Model,
        how: ParcelCollection,
        collector: Option<(Option<Uuid>, Option<Uuid>, String)>,
    ) -> AppResult<parcel::Model> {
        let me = scope.require_user()?;
        if found.status != ParcelStatus::Waiting.as_str() {
            return Err(AppError::Conflict {
                field: None,
                message: "this parcel was collected already".to_owned(),
            });
        }
        let residents =
            residents_of(&self.state.db, found.unit_id, self.state.clock.today()).await?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let (user_id, member_id, name) = match collector {
            Some((user, member, name)) => (user, member, Some(name)),
            None => (None, None, None),
        };
        let changed = parcel::Entity::update_many()
            .col_expr(
                parcel::Column::Status,
                Expr::value(ParcelStatus::Collected.as_str()),
            )
            .col_expr(
                parcel::Column::WaitingCode,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                parcel::Column::NextReminderAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(parcel::Column::CollectedAt, Expr::value(Some(now)))
            .col_expr(parcel::Column::CollectedBy, Expr::value(Some(me)))
            .col_expr(
                parcel::Column::CollectedHow,
                Expr::value(Some(how.as_str())),
            )
            .col_expr(parcel::Column::CollectorUserId, Expr::value(user_id))
            .col_expr(parcel::Column::CollectorMemberId, Expr::value(member_id))
            .col_expr(parcel::Column::CollectorName, Expr::value(name.clone()))
            .col_expr(parcel::Column::UpdatedAt, Expr::value(now))
            .filter(parcel::Column::Id.eq(found.id))
            .filter(parcel::Column::Status.eq(ParcelStatus::Waiting.as_str()))
            .exec(write.txn())
            .await?;
        if changed.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: None,
                message: "this parcel was collected already".to_owned(),
            });
        }
        let text = match &name {
            Some(name) => format!("Handed over to {name} at the desk."),
            None => "Picked up at the desk with your pickup code.".to_owned(),
        };
        Notifier::notify(
            &mut write,
            residents,
            &Draft {
                category: NotificationCategory::FrontDesk,
                priority: NotificationPriority::Normal,
                kind: "PARCEL_COLLECTED".to_owned(),
                title: format!("Your parcel from {} was collected", found.carrier),
                text,
                subject: subject(PARCEL_SUBJECT, found.id),
            },
        )
        .await?;
        write.commit().await?;
        Ok(parcel::Model {
            status: ParcelStatus::Collected.as_str().to_owned(),
            waiting_code: None,
            next_reminder_at: None,
            collected_at: Some(now),
            collected_by: Some(me),
            collected_how: Some(how.as_str().to_owned()),
            collector_user_id: user_id,
            collector_member_id: member_id,
            collector_name: name,
            updated_at: now,
            ..found
        })
    }

    /// One parcel the viewer may see, or `NOT_FOUND`.
    pub async fn parcel(&self, scope: &Scope, id: Uuid) -> AppResult<(parcel::Model, bool)> {
        let access = self.access(scope).await?;
        let found = parcel::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .filter(|p| access.sees(p.building_id, p.unit_id))
            .ok_or(AppError::NotFound("parcel"))?;
        let resident = access.lives_in(found.unit_id);
        Ok((found, resident))
    }

    /// The parcels the viewer may see among `ids`, each with whether the viewer lives in its
    /// unit (notification subjects).
    pub async fn parcels_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<(parcel::Model, bool)>> {
        let access = self.access(scope).await?;
        Ok(parcel::Entity::find()
            .filter(parcel::Column::Id.is_in(ids))
            .all(&self.state.db)
            .await?
            .into_iter()
            .filter(|p| access.sees(p.building_id, p.unit_id))
            .map(|p| {
                let resident = access.lives_in(p.unit_id);
                (p, resident)
            })
            .collect())
    }

    /// The shelf view: parcels the viewer may see (waiting ones unless a status is asked), by
    /// storage spot.
    pub async fn parcels(
        &self,
        scope: &Scope,
        filter: ParcelFilter,
        page: &PageRequest,
    ) -> AppResult<(Page<parcel::Model>, std::sync::Arc<DeskAccess>)> {
        let access = self.access(scope).await?;
        let mut query = parcel::Entity::find().filter(
            parcel::Column::Status.eq(filter.status.unwrap_or(ParcelStatus::Waiting).as_str()),
        );
        if let Some(visible) = access.condition(parcel::Column::BuildingId, parcel::Column::UnitId)
        {
            query = query.filter(visible);
        }
        if let Some(building) = filter.building_id {
            query = query.filter(parcel::Column::BuildingId.eq(building));
        }
        if let Some(unit) = filter.unit_id {
            query = query.filter(parcel::Column::UnitId.eq(unit));
        }
        let page = Keyset::new()
            .asc(parcel::Column::StorageSpot)
            .asc(parcel::Column::Id)
            .fetch(&self.state.db, query, page)
            .await?;
        Ok((page, access))
    }

    /// The parcels of the viewer's homes, newest first.
    pub async fn my_parcels(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<parcel::Model>> {
        let access = self.access(scope).await?;
        let query = parcel::Entity::find()
            .filter(parcel::Column::UnitId.is_in(access.units.iter().copied()));
        Keyset::new()
            .desc(parcel::Column::LoggedAt)
            .desc(parcel::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    /// Sends the unclaimed reminders that are due: every parcel still waiting
    /// `parcel_reminder_days` after it was logged (and again after as many days, at most
    /// [`MAX_REMINDERS`] times). Each reminder is claimed with a conditional update on the
    /// count sent, in the write that sends it, so it goes once across instances.
    pub async fn run_reminders(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let days = i64::from(self.state.config.parcel_reminder_days);
        let due = parcel::Entity::find()
            .filter(parcel::Column::Status.eq(ParcelStatus::Waiting.as_str()))
            .filter(parcel::Column::NextReminderAt.lte(now))
            .order_by_asc(parcel::Column::Id)
            .limit(200)
            .all(&self.state.db)
            .await?;
        let mut done = 0;
        for model in due {
            let residents =
                residents_of(&self.state.db, model.unit_id, self.state.clock.today()).await?;
            let sent = model.reminders_sent + 1;
            let next = (sent < MAX_REMINDERS)
                .then(|| model.next_reminder_at.unwrap_or(now) + Duration::days(days));
            let mut write = Write::begin(self.state).await?;
            let claimed = parcel::Entity::update_many()
                .col_expr(parcel::Column::RemindersSent, Expr::value(sent))
                .col_expr(parcel::Column::NextReminderAt, Expr::value(next))
                .filter(parcel::Column::Id.eq(model.id))
                .filter(parcel::Column::Status.eq(ParcelStatus::Waiting.as_str()))
                .filter(parcel::Column::RemindersSent.eq(model.reminders_sent))
                .exec(write.txn())
                .await?;
            if claimed.rows_affected == 0 {
                continue;
            }
            let waited = (now - model.logged_at).num_days();
            Notifier::notify(
                &mut write,
                residents,
                &Draft {
                    category: NotificationCategory::FrontDesk,
                    priority: NotificationPriority::Normal,
                    kind: "PARCEL_REMINDER".to_owned(),
                    title: format!("Your parcel from {} is still at the desk", model.carrier),
                    text: format!(
                        "It has waited {waited} days at {}. Please collect it with your pickup code.",
                        model.storage_spot
                    ),
                    subject: subject(PARCEL_SUBJECT, model.id),
                },
            )
            .await?;
            write.commit().await?;
            done += 1;
        }
        Ok(done)
    }

    // ----- visitors -----------------------------------------------------------------------

    /// Registers a visitor for one of the viewer's homes, with a fresh pass code.
    pub async fn register_visitor(
        &self,
        scope: &Scope,
        new: NewVisitor,
    ) -> AppResult<visitor_pass::Model> {
        let me = scope.require_user()?;
        let access = self.access(scope).await?;
        let db = &self.state.db;
        let unit_id = match new.unit_id {
            Some(id) if access.lives_in(id) => id,
            Some(id) => {
                let seen = match unit::Entity::find_by_id(id).one(db).await? {
                    Some(unit) => scope.sees_unit(&unit).await?,
                    None => false,
                };
                return Err(if seen {
                    AppError::Forbidden(
                        "only the unit's residents register its visitors".to_owned(),
                    )
                } else {
                    AppError::unknown_id("input.unitId", "unit")
                });
            }
            None => {
                let mut homes = access.units.iter();
                match (homes.next(), homes.next()) {
                    (Some(home), None) => *home,
                    (None, _) => {
                        return Err(AppError::Forbidden(
                            "only residents register visitors".to_owned(),
                        ));
                    }
                    _ => {
                        return Err(AppError::bad_input(
                            "input.unitId",
                            "give the unit: you live in more than one",
                        ));
                    }
                }
            }
        };
        let now = self.state.clock.now();
        if new.until <= now {
            return Err(AppError::bad_input("input.until", "is in the past"));
        }
        let unit = unit::Entity::find_by_id(unit_id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::unknown_id("input.unitId", "unit"))?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let mut model = visitor_pass::Model {
            id: Uuid::now_v7(),
            building_id: unit.building_id,
            unit_id,
            registered_by: me,
            name: new.name,
            valid_from: new.from,
            valid_until: new.until,
            people: new.people,
            car_plate: new.car_plate,
            code: String::new(),
            status: VisitorPassStatus::Expected.as_str().to_owned(),
            checked_in_at: None,
            checked_in_by: None,
            checked_out_at: None,
            checked_out_by: None,
            created_at: now,
            updated_at: now,
        };
        let mut inserted = false;
        for _ in 0..CODE_TRIES {
            model.code = random_code(8);
            let rows = visitor_pass::Entity::insert(visitor_pass::ActiveModel::from(model.clone()))
                .on_conflict(
                    OnConflict::column(visitor_pass::Column::Code)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(write.txn())
                .await?;
            if rows == 1 {
                inserted = true;
                break;
            }
        }
        if !inserted {
            return Err(AppError::internal("no free visitor pass code"));
        }
        write.commit().await?;
        Ok(model)
    }

    /// Checks a visitor in by pass code (front-desk staff of the pass's building): refused for
    /// a pass outside its window (`INVALID_STATE`), a cancelled one (`INVALID_STATE`), one used
    /// already (`CONFLICT`) and a blacklisted name or car plate (`FORBIDDEN`); nothing is
    /// written then. The resident who registered the visitor is told.
    pub async fn check_in(&self, scope: &Scope, code: &str) -> AppResult<visitor_pass::Model> {
        let me = scope.require_user()?;
        let access = self.access(scope).await?;
        if !access.any_desk() {
            return Err(AppError::Forbidden(
                "only front-desk staff check visitors in".to_owned(),
            ));
        }
        let db = &self.state.db;
        let found = visitor_pass::Entity::find()
            .filter(visitor_pass::Column::Code.eq(code_key(code)))
            .one(db)
            .await?
            .filter(|p| access.at_desk(p.building_id))
            .ok_or_else(|| AppError::unknown_id("input.code", "visitor pass"))?;
        match VisitorPassStatus::from_stored(&found.status)? {
            VisitorPassStatus::Expected => {}
            VisitorPassStatus::Cancelled => {
                return Err(AppError::InvalidState("this pass was cancelled".to_owned()));
            }
            VisitorPassStatus::Arrived | VisitorPassStatus::Left => {
                return Err(AppError::Conflict {
                    field: Some("input.code".to_owned()),
                    message: "this visitor was checked in already".to_owned(),
                });
            }
        }
        let now = self.state.clock.now();
        let grace = Duration::minutes(GRACE_MINUTES);
        if now < found.valid_from - grace {
            return Err(AppError::InvalidState(format!(
                "this pass is not valid yet: it opens {}",
                found.valid_from.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        if now > found.valid_until + grace {
            return Err(AppError::InvalidState(format!(
                "this pass expired {}",
                found.valid_until.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        let entries = visitor_blacklist_entry::Entity::find()
            .filter(visitor_blacklist_entry::Column::BuildingId.eq(found.building_id))
            .all(db)
            .await?;
        let name = name_key(&found.name);
        let barred = entries.iter().any(|e| {
            e.name.as_deref().is_some_and(|n| name_key(n) == name)
                || (e.car_plate.is_some() && e.car_plate == found.car_plate)
        });
        if barred {
            return Err(AppError::Forbidden(
                "this visitor is on the building's blacklist: do not let them in".to_owned(),
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let changed = visitor_pass::Entity::update_many()
            .col_expr(
                visitor_pass::Column::Status,
                Expr::value(VisitorPassStatus::Arrived.as_str()),
            )
            .col_expr(visitor_pass::Column::CheckedInAt, Expr::value(Some(now)))
            .col_expr(visitor_pass::Column::CheckedInBy, Expr::value(Some(me)))
            .col_expr(visitor_pass::Column::UpdatedAt, Expr::value(now))
            .filter(visitor_pass::Column::Id.eq(found.id))
            .filter(visitor_pass::Column::Status.eq(VisitorPassStatus::Expected.as_str()))
            .exec(write.txn())
            .await?;
        if changed.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: Some("input.code".to_owned()),
                message: "this visitor was checked in already".to_owned(),
            });
        }
        let people = if found.people == 1 {
            String::new()
        } else {
            format!(" ({} people)", found.people)
        };
        Notifier::notify(
            &mut write,
            [found.registered_by],
            &Draft {
                category: NotificationCategory::FrontDesk,
                priority: NotificationPriority::Important,
                kind: "VISITOR_ARRIVED".to_owned(),
                title: format!("{} has arrived", found.name),
                text: format!("Checked in at the desk{people}."),
                subject: subject(VISITOR_SUBJECT, found.id),
            },
        )
        .await?;
        write.commit().await?;
        Ok(visitor_pass::Model {
            status: VisitorPassStatus::Arrived.as_str().to_owned(),
            checked_in_at: Some(now),
            checked_in_by: Some(me),
            updated_at: now,
            ..found
        })
    }

    /// A pass the viewer may see, or `NOT_FOUND` on `field`.
    async fn visible_pass(
        &self,
        access: &DeskAccess,
        id: Uuid,
        field: &str,
    ) -> AppResult<visitor_pass::Model> {
        visitor_pass::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .filter(|p| access.sees(p.building_id, p.unit_id))
            .ok_or_else(|| AppError::unknown_id(field, "visitor pass"))
    }

    /// Moves a pass from `from` to `to` with a conditional update.
    async fn step_pass(
        &self,
        found: visitor_pass::Model,
        from: VisitorPassStatus,
        to: VisitorPassStatus,
        me: Uuid,
    ) -> AppResult<visitor_pass::Model> {
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let mut update = visitor_pass::Entity::update_many()
            .col_expr(visitor_pass::Column::Status, Expr::value(to.as_str()))
            .col_expr(visitor_pass::Column::UpdatedAt, Expr::value(now))
            .filter(visitor_pass::Column::Id.eq(found.id))
            .filter(visitor_pass::Column::Status.eq(from.as_str()));
        if to == VisitorPassStatus::Left {
            update = update
                .col_expr(visitor_pass::Column::CheckedOutAt, Expr::value(Some(now)))
                .col_expr(visitor_pass::Column::CheckedOutBy, Expr::value(Some(me)));
        }
        if update.exec(write.txn()).await?.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: None,
                message: "the pass changed meanwhile; reload it".to_owned(),
            });
        }
        write.commit().await?;
        let left = to == VisitorPassStatus::Left;
        Ok(visitor_pass::Model {
            status: to.as_str().to_owned(),
            checked_out_at: if left {
                Some(now)
            } else {
                found.checked_out_at
            },
            checked_out_by: if left { Some(me) } else { found.checked_out_by },
            updated_at: now,
            ..found
        })
    }

    /// Checks an arrived visitor out (front-desk staff of the building).
    pub async fn check_out(&self, scope: &Scope, id: Uuid) -> AppResult<visitor_pass::Model> {
        let me = scope.require_user()?;
        let access = self.access(scope).await?;
        let found = self.visible_pass(&access, id, "input.passId").await?;
        if !access.at_desk(found.building_id) {
            return Err(AppError::Forbidden(
                "only the building's front desk checks visitors out".to_owned(),
            ));
        }
        if found.status != VisitorPassStatus::Arrived.as_str() {
            return Err(AppError::InvalidState(format!(
                "only an arrived visitor checks out; this pass is {}",
                found.status.to_lowercase()
            )));
        }
        self.step_pass(
            found,
            VisitorPassStatus::Arrived,
            VisitorPassStatus::Left,
            me,
        )
        .await
    }

    /// Cancels an expected visitor (the unit's residents, the building's front desk).
    pub async fn cancel_pass(&self, scope: &Scope, id: Uuid) -> AppResult<visitor_pass::Model> {
        let me = scope.require_user()?;
        let access = self.access(scope).await?;
        let found = self.visible_pass(&access, id, "input.passId").await?;
        if found.status != VisitorPassStatus::Expected.as_str() {
            return Err(AppError::InvalidState(format!(
                "only an expected visitor can be cancelled; this pass is {}",
                found.status.to_lowercase()
            )));
        }
        self.step_pass(
            found,
            VisitorPassStatus::Expected,
            VisitorPassStatus::Cancelled,
            me,
        )
        .await
    }

    /// One pass the viewer may see, or `NOT_FOUND`.
    pub async fn visitor_pass(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(visitor_pass::Model, bool)> {
        let access = self.access(scope).await?;
        let found = self
            .visible_pass(&access, id, "id")
            .await
            .map_err(|_| AppError::NotFound("visitor pass"))?;
        let resident = access.lives_in(found.unit_id);
        Ok((found, resident))
    }

    /// The passes the viewer may see among `ids`, each with whether the viewer lives in its
    /// unit (notification subjects).
    pub async fn passes_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<(visitor_pass::Model, bool)>> {
        let access = self.access(scope).await?;
        Ok(visitor_pass::Entity::find()
            .filter(visitor_pass::Column::Id.is_in(ids))
            .all(&self.state.db)
            .await?
            .into_iter()
            .filter(|p| access.sees(p.building_id, p.unit_id))
            .map(|p| {
                let resident = access.lives_in(p.unit_id);
                (p, resident)
            })
            .collect())
    }

    /// The desk's visitor list: passes the viewer may see whose window touches one day (today
    /// unless asked), by start.
    pub async fn visitors(
        &self,
        scope: &Scope,
        filter: VisitorFilter,
        page: &PageRequest,
    ) -> AppResult<(Page<visitor_pass::Model>, std::sync::Arc<DeskAccess>)> {
        let access = self.access(scope).await?;
        let day = filter.date.unwrap_or_else(|| self.state.clock.today());
        let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let end = start + Duration::days(1);
        let mut query = visitor_pass::Entity::find()
            .filter(visitor_pass::Column::ValidFrom.lt(end))
            .filter(visitor_pass::Column::ValidUntil.gte(start));
        if let Some(visible) = access.condition(
            visitor_pass::Column::BuildingId,
            visitor_pass::Column::UnitId,
        ) {
            query = query.filter(visible);
        }
        if let Some(building) = filter.building_id {
            query = query.filter(visitor_pass::Column::BuildingId.eq(building));
        }
        if let Some(status) = filter.status {
            query = query.filter(visitor_pass::Column::Status.eq(status.as_str()));
        }
        let page = Keyset::new()
            .asc(visitor_pass::Column::ValidFrom)
            .asc(visitor_pass::Column::Id)
            .fetch(&self.state.db, query, page)
            .await?;
        Ok((page, access))
    }

    /// The passes of the viewer's homes, latest start first.
    pub async fn my_visitors(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<visitor_pass::Model>> {
        let access = self.access(scope).await?;
        let query = visitor_pass::Entity::find()
            .filter(visitor_pass::Column::UnitId.is_in(access.units.iter().copied()));
        Keyset::new()
            .desc(visitor_pass::Column::ValidFrom)
            .desc(visitor_pass::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    // ----- the blacklist ------------------------------------------------------------------

    /// Adds a name, a car plate or both to a building's blacklist (administrators, the
    /// building's managers); the same entry twice is `CONFLICT`.
    pub async fn add_blacklist_entry(
        &self,
        scope: &Scope,
        new: NewBlacklistEntry,
    ) -> AppResult<visitor_blacklist_entry::Model> {
        let me = scope.require_user()?;
        let access = self.access(scope).await?;
        let known = building::Entity::find_by_id(new.building_id)
            .one(&self.state.db)
            .await?
            .is_some();
        if !known {
            return Err(AppError::unknown_id("input.buildingId", "building"));
        }
        if !access.keeps_blacklist(new.building_id) {
            let visible = scope
                .visible_buildings()
                .await?
                .is_none_or(|b| b.contains(&new.building_id));
            return Err(if visible {
                AppError::Forbidden(
                    "only administrators and the building's managers keep its blacklist".to_owned(),
                )
            } else {
                AppError::unknown_id("input.buildingId", "building")
            });
        }
        let key = format!(
            "{}|{}",
            new.name.as_deref().map(name_key).unwrap_or_default(),
            new.car_plate.as_deref().unwrap_or_default()
        );
        let write = Write::begin(self.state).await?;
        let model = visitor_blacklist_entry::Model {
            id: Uuid::now_v7(),
            building_id: new.building_id,
            name: new.name,
            car_plate: new.car_plate,
            match_key: key,
            reason: new.reason,
            created_by: me,
            created_at: write.now(),
        };
        let rows = visitor_blacklist_entry::Entity::insert(
            visitor_blacklist_entry::ActiveModel::from(model.clone()),
        )
        .on_conflict(
            OnConflict::columns([
                visitor_blacklist_entry::Column::BuildingId,
                visitor_blacklist_entry::Column::MatchKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        if rows == 0 {
            return Err(AppError::Conflict {
                field: None,
                message: "the building's blacklist has this entry already".to_owned(),
            });
        }
        write.commit().await?;
        Ok(model)
    }

    /// Removes a blacklist entry (administrators, the building's managers).
    pub async fn remove_blacklist_entry(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<visitor_blacklist_entry::Model> {
        let access = self.access(scope).await?;
        let found = visitor_blacklist_entry::Entity::find_by_id(id)
            .one(&self.state.db)
            .await?
            .filter(|e| access.at_desk(e.building_id))
            .ok_or_else(|| AppError::unknown_id("input.id", "blacklist entry"))?;
        if !access.keeps_blacklist(found.building_id) {
            return Err(AppError::Forbidden(
                "only administrators and the building's managers keep its blacklist".to_owned(),
            ));
        }
        let write = Write::begin(self.state).await?;
        visitor_blacklist_entry::Entity::delete_by_id(found.id)
            .exec(write.txn())
            .await?;
        write.commit().await?;
        Ok(found)
    }

    /// A building's blacklist, newest first: administrators and the building's front desk
    /// (managers included); empty for anyone else.
    pub async fn blacklist(
        &self,
        scope: &Scope,
        building_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<visitor_blacklist_entry::Model>> {
        let access = self.access(scope).await?;
        let mut query = visitor_blacklist_entry::Entity::find()
            .filter(visitor_blacklist_entry::Column::BuildingId.eq(building_id));
        if !access.at_desk(building_id) {
            query = query.filter(visitor_blacklist_entry::Column::Id.is_in(Vec::<Uuid>::new()));
        }
        Keyset::new()
            .desc(visitor_blacklist_entry::Column::CreatedAt)
            .desc(visitor_blacklist_entry::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }
}
