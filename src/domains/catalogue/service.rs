//! Catalogue rules: who reads which part of the catalogue, the administrators' changes (each one
//! transaction through the write path), and the slot bookkeeping work orders call inside their
//! own transactions (`book_slot`, `release_slot`, `sla_for`, `active_category`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Select,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    input::{CategoryCode, CategoryName, Description, OfferingName, Price, SlaTable, SlaTarget},
    types::{DispatchMode, OfferingChannel, Priority},
};
use crate::{
    app::AppState,
    apply_changes,
    auth::guard,
    domains::estate::{access::Scope, types::ServiceCategory},
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    store::{find_or_not_found, one_or_not_found, replace_links},
};
use entity::{service_category, service_category_sla, service_offering, service_slot};

/// A new category.
pub struct NewCategory {
    /// Unique code.
    pub code: CategoryCode,
    /// Name.
    pub name: CategoryName,
    /// Description.
    pub description: Description,
    /// The estate service category (group) it belongs to.
    pub group: ServiceCategory,
    /// Whether residents may open orders for it.
    pub requestable: bool,
    /// Priority of an order that names none.
    pub default_priority: Priority,
    /// Minutes before a due time at which the warning goes out.
    pub warning_minutes: i32,
    /// Service-level targets, one per priority.
    pub sla: SlaTable,
    /// How orders find their staff member.
    pub dispatch_mode: DispatchMode,
    /// Whether orders wait for a return visit.
    pub return_visit_required: bool,
    /// Whether orders carry an amount to pay.
    pub payable: bool,
    /// Whether it is offered now.
    pub active: bool,
}

/// Category changes; `None` leaves a field as it is, and `sla` replaces the whole table.
#[derive(Default)]
pub struct CategoryChanges {
    /// Code.
    pub code: Option<CategoryCode>,
    /// Name.
    pub name: Option<CategoryName>,
    /// Description.
    pub description: Option<Description>,
    /// Group.
    pub group: Option<ServiceCategory>,
    /// Requestable.
    pub requestable: Option<bool>,
    /// Default priority.
    pub default_priority: Option<Priority>,
    /// Warning minutes.
    pub warning_minutes: Option<i32>,
    /// The whole service-level table.
    pub sla: Option<SlaTable>,
    /// Dispatch mode.
    pub dispatch_mode: Option<DispatchMode>,
    /// Return visit required.
    pub return_visit_required: Option<bool>,
    /// Payable.
    pub payable: Option<bool>,
    /// Active.
    pub active: Option<bool>,
}

/// A new offering.
pub struct NewOffering {
    /// The category.
    pub category_id: Uuid,
    /// Name.
    pub name: OfferingName,
    /// Description.
    pub description: Description,
    /// Price; `None`: free or quoted on site.
    pub price: Option<Price>,
    /// Duration.
    pub duration_minutes: i32,
    /// Default capacity of its slots.
    pub slot_capacity: i32,
    /// Where it is booked.
    pub channel: OfferingChannel,
    /// Whether it takes bookings now.
    pub active: bool,
}

/// Offering changes; `None` leaves a field as it is (`price: Some(None)` clears the price).
#[derive(Default)]
pub struct OfferingChanges {
    /// Name.
    pub name: Option<OfferingName>,
    /// Description.
    pub description: Option<Description>,
    /// Price (`Some(None)` clears it).
    pub price: Option<Option<Price>>,
    /// Duration.
    pub duration_minutes: Option<i32>,
    /// Default slot capacity (existing slots keep theirs).
    pub slot_capacity: Option<i32>,
    /// Channel.
    pub channel: Option<OfferingChannel>,
    /// Active.
    pub active: Option<bool>,
}

/// A new slot; `capacity: None` takes the offering's `slot_capacity`.
pub struct NewSlot {
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at (after `starts_at`; checked at the edge).
    pub ends_at: DateTime<Utc>,
    /// Bookings it takes.
    pub capacity: Option<i32>,
}

/// Which categories a list shows.
#[derive(Default)]
pub struct CategoryFilter {
    /// Only this group.
    pub group: Option<ServiceCategory>,
    /// Inactive ones too (administrators only).
    pub include_inactive: bool,
}

/// The time window of a slot list: slots starting at or after `from` and before `to`.
#[derive(Default)]
pub struct SlotWindow {
    /// Earliest start.
    pub from: Option<DateTime<Utc>>,
    /// Start before this.
    pub to: Option<DateTime<Utc>>,
}

/// A unique-key violation from `result` becomes `CONFLICT` on `field`: the check before the
/// insert lost a race with a concurrent writer.
fn conflict_on<T>(field: &str, message: &str, result: AppResult<T>) -> AppResult<T> {
    result.map_err(|err| match err {
        AppError::Conflict { .. } => AppError::Conflict {
            field: Some(field.to_owned()),
            message: message.to_owned(),
        },
        other => other,
    })
}

const CODE_TAKEN: &str = "another category has this code";

async fn check_code<C: ConnectionTrait>(db: &C, code: &str, except: Option<Uuid>) -> AppResult<()> {
    let mut query =
        service_category::Entity::find().filter(service_category::Column::Code.eq(code));
    if let Some(id) = except {
        query = query.filter(service_category::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(AppError::Conflict {
            field: Some("input.code".to_owned()),
            message: CODE_TAKEN.to_owned(),
        });
    }
    Ok(())
}

async fn set_sla(
    txn: &sea_orm::DatabaseTransaction,
    category_id: Uuid,
    sla: &SlaTable,
) -> AppResult<()> {
    replace_links(
        txn,
        service_category_sla::Column::CategoryId,
        category_id,
        sla.targets()
            .iter()
            .map(|t| (t.priority, t.response_minutes, t.resolution_minutes)),
        |(priority, response, resolution)| service_category_sla::ActiveModel {
            category_id: Set(category_id),
            priority: Set(priority.as_str().to_owned()),
            response_minutes: Set(response),
            resolution_minutes: Set(resolution),
        },
    )
    .await
}

/// The catalogue service.
pub struct CatalogueService<'a> {
    state: &'a AppState,
}

impl<'a> CatalogueService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        CatalogueService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Categories: active ones for everyone signed in; inactive ones too for administrators
    /// who ask (`FORBIDDEN` for anyone else who asks).
    pub async fn categories(
        &self,
        scope: &Scope,
        filter: &CategoryFilter,
        page: &PageRequest,
    ) -> AppResult<Page<service_category::Model>> {
        scope.require_user()?;
        let mut query = service_category::Entity::find();
        if filter.include_inactive {
            guard::require_admin(scope)?;
        } else {
            query = query.filter(service_category::Column::Active.eq(true));
        }
        if let Some(group) = filter.group {
            query = query.filter(service_category::Column::GroupKind.eq(group.as_str()));
        }
        Keyset::new()
            .asc(service_category::Column::Code)
            .fetch(self.db(), query, page)
            .await
    }

    fn visible_categories(scope: &Scope) -> Select<service_category::Entity> {
        let query = service_category::Entity::find();
        if scope.admin {
            query
        } else {
            query.filter(service_category::Column::Active.eq(true))
        }
    }

    /// One category: any for administrators, an active one for everyone else (`NOT_FOUND`
    /// otherwise).
    pub async fn category(&self, scope: &Scope, id: Uuid) -> AppResult<service_category::Model> {
        scope.require_user()?;
        one_or_not_found(
            self.db(),
            Self::visible_categories(scope).filter(service_category::Column::Id.eq(id)),
        )
        .await
    }

    /// One offering: any for administrators; for everyone else an active one in an active
    /// category (`NOT_FOUND` otherwise).
    pub async fn offering(&self, scope: &Scope, id: Uuid) -> AppResult<service_offering::Model> {
        scope.require_user()?;
        let offering = find_or_not_found::<service_offering::Entity, _>(self.db(), id).await?;
        if scope.admin {
            return Ok(offering);
        }
        if !offering.active {
            return Err(AppError::NotFound("service offering"));
        }
        self.category(scope, offering.category_id)
            .await
            .map_err(|err| match err {
                AppError::NotFound(_) => AppError::NotFound("service offering"),
                other => other,
            })?;
        Ok(offering)
    }

    /// An offering's slots in a time window, earliest first. The caller has already shown the
    /// offering to the viewer.
    pub async fn slots(
        &self,
        offering_id: Uuid,
        window: &SlotWindow,
        page: &PageRequest,
    ) -> AppResult<Page<service_slot::Model>> {
        let mut query =
            service_slot::Entity::find().filter(service_slot::Column::OfferingId.eq(offering_id));
        if let Some(from) = window.from {
            query = query.filter(service_slot::Column::StartsAt.gte(from));
        }
        if let Some(to) = window.to {
            query = query.filter(service_slot::Column::StartsAt.lt(to));
        }
        Keyset::new()
            .asc(service_slot::Column::StartsAt)
            .fetch(self.db(), query, page)
            .await
    }

    /// Creates a category with its service-level table (administrators).
    pub async fn create_category(
        &self,
        scope: &Scope,
        new: NewCategory,
    ) -> AppResult<service_category::Model> {
        guard::require_admin(scope)?;
        let write = Write::begin(self.state).await?;
        let txn = write.txn();
        check_code(txn, new.code.as_str(), None).await?;
        let now = write.now();
        let inserted = service_category::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(new.code.into()),
            name: Set(new.name.into()),
            description: Set(new.description.into()),
            group_kind: Set(new.group.as_str().to_owned()),
            requestable: Set(new.requestable),
            default_priority: Set(new.default_priority.as_str().to_owned()),
            warning_minutes: Set(new.warning_minutes),
            dispatch_mode: Set(new.dispatch_mode.as_str().to_owned()),
            return_visit_required: Set(new.return_visit_required),
            payable: Set(new.payable),
            active: Set(new.active),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await;
        let category = conflict_on("input.code", CODE_TAKEN, inserted.map_err(AppError::from))?;
        set_sla(txn, category.id, &new.sla).await?;
        write.commit().await?;
        Ok(category)
    }

    /// Changes a category (administrators); a given `sla` replaces the whole table.
    pub async fn update_category(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: CategoryChanges,
    ) -> AppResult<service_category::Model> {
        guard::require_admin(scope)?;
        let write = Write::begin(self.state).await?;
        let txn = write.txn();
        let model = find_or_not_found::<service_category::Entity, _>(txn, id).await?;
        if let Some(code) = &changes.code {
            check_code(txn, code.as_str(), Some(id)).await?;
        }
        let mut active: service_category::ActiveModel = model.into();
        apply_changes!(active, {
            code: changes.code,
            name: changes.name,
            description: changes.description,
            group_kind: changes.group.map(ServiceCategory::as_str),
            requestable: changes.requestable,
            default_priority: changes.default_priority.map(Priority::as_str),
            warning_minutes: changes.warning_minutes,
            dispatch_mode: changes.dispatch_mode.map(DispatchMode::as_str),
            return_visit_required: changes.return_visit_required,
            payable: changes.payable,
            active: changes.active,
        });
        active.updated_at = Set(write.now());
        let category = conflict_on(
            "input.code",
            CODE_TAKEN,
            active.update(txn).await.map_err(AppError::from),
        )?;
        if let Some(sla) = &changes.sla {
            set_sla(txn, id, sla).await?;
        }
        write.commit().await?;
        Ok(category)
    }

    /// Adds an offering to a category (administrators).
    pub async fn create_offering(
        &self,
        scope: &Scope,
        new: NewOffering,
    ) -> AppResult<service_offering::Model> {
        guard::require_admin(scope)?;
        let write = Write::begin(self.state).await?;
        let txn = write.txn();
        if service_category::Entity::find_by_id(new.category_id)
            .one(txn)
            .await?
            .is_none()
        {
            return Err(AppError::bad_input(
                "input.categoryId",
                "names a category that does not exist",
            ));
        }
        let now = write.now();
        let offering = service_offering::ActiveModel {
            id: Set(Uuid::now_v7()),
            category_id: Set(new.category_id),
            name: Set(new.name.into()),
            description: Set(new.description.into()),
            price: Set(new.price.map(String::from)),
            duration_minutes: Set(new.duration_minutes),
            slot_capacity: Set(new.slot_capacity),
            channel: Set(new.channel.as_str().to_owned()),
            active: Set(new.active),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        write.commit().await?;
        Ok(offering)
    }

    /// Changes an offering (administrators).
    pub async fn update_offering(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: OfferingChanges,
    ) -> AppResult<service_offering::Model> {
        guard::require_admin(scope)?;
        let write = Write::begin(self.state).await?;
        let txn = write.txn();
        let model = find_or_not_found::<service_offering::Entity, _>(txn, id).await?;
        let mut active: service_offering::ActiveModel = model.into();
        apply_changes!(active, {
            name: changes.name,
            description: changes.description,
            price: changes.price.map(|price| price.map(String::from)),
            duration_minutes: changes.duration_minutes,
            slot_capacity: changes.slot_capacity,
            channel: changes.channel.map(OfferingChannel::as_str),
            active: changes.active,
        });
        active.updated_at = Set(write.now());
        let offering = active.update(txn).await?;
        write.commit().await?;
        Ok(offering)
    }

    /// Adds slots to an offering (administrators), all or none: a start the offering already
    /// has, or one given twice, is `CONFLICT` on that slot's `startsAt`.
    pub async fn create_slots(
        &self,
        scope: &Scope,
        offering_id: Uuid,
        slots: Vec<NewSlot>,
    ) -> AppResult<Vec<service_slot::Model>> {
        guard::require_admin(scope)?;
        let write = Write::begin(self.state).await?;
        let txn = write.txn();
        let offering = service_offering::Entity::find_by_id(offering_id)
            .one(txn)
            .await?
            .ok_or_else(|| {
                AppError::bad_input("input.offeringId", "names an offering that does not exist")
            })?;
        let taken: HashSet<DateTime<Utc>> = service_slot::Entity::find()
            .filter(service_slot::Column::OfferingId.eq(offering_id))
            .filter(service_slot::Column::StartsAt.is_in(slots.iter().map(|s| s.starts_at)))
            .all(txn)
            .await?
            .into_iter()
            .map(|slot| slot.starts_at)
            .collect();
        let mut given = HashSet::new();
        for (i, slot) in slots.iter().enumerate() {
            if taken.contains(&slot.starts_at) || !given.insert(slot.starts_at) {
                return Err(AppError::Conflict {
                    field: Some(format!("input.slots[{i}].startsAt")),
                    message: "the offering already has a slot starting then".to_owned(),
                });
            }
        }
        let now = write.now();
        let models: Vec<service_slot::Model> = slots
            .into_iter()
            .map(|slot| service_slot::Model {
                id: Uuid::now_v7(),
                offering_id,
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                capacity: slot.capacity.unwrap_or(offering.slot_capacity),
                booked: 0,
                created_at: now,
            })
            .collect();
        if !models.is_empty() {
            let inserted = service_slot::Entity::insert_many(
                models.iter().cloned().map(service_slot::ActiveModel::from),
            )
            .exec(txn)
            .await
            .map(|_| ())
            .map_err(AppError::from);
            conflict_on(
                "input.slots",
                "the offering already has a slot starting then",
                inserted,
            )?;
        }
        write.commit().await?;
        let mut models = models;
        models.sort_by_key(|slot| slot.starts_at);
        Ok(models)
    }

    /// Deletes a slot nobody has booked (administrators); `INVALID_STATE` once it has
    /// bookings. Returns the slot as it was.
    pub async fn delete_slot(&self, scope: &Scope, id: Uuid) -> AppResult<service_slot::Model> {
        guard::require_admin(scope)?;
        let write = Write::begin(self.state).await?;
        let txn = write.txn();
        let slot = find_or_not_found::<service_slot::Entity, _>(txn, id).await?;
        // Conditional, so a booking that commits first wins and the slot stays.
        let deleted = service_slot::Entity::delete_many()
            .filter(service_slot::Column::Id.eq(id))
            .filter(service_slot::Column::Booked.eq(0))
            .exec(txn)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(AppError::InvalidState(
                "the slot has bookings: release them first".to_owned(),
            ));
        }
        write.commit().await?;
        Ok(slot)
    }
}

/// Takes one place in `slot_id` for a booking of `offering_id`, inside the caller's
/// transaction. The slot must belong to the offering (`BAD_USER_INPUT` on `input.slotId`), the
/// offering must take bookings and the slot must start after `now` (`INVALID_STATE`), and it
/// must have room: one conditional `UPDATE … SET booked = booked + 1 WHERE booked < capacity`,
/// so concurrent bookings can never overbook; a full slot is `CONFLICT` on `input.slotId`.
pub async fn book_slot<C: ConnectionTrait>(
    db: &C,
    offering_id: Uuid,
    slot_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<service_slot::Model> {
    let slot = service_slot::Entity::find_by_id(slot_id)
        .one(db)
        .await?
        .filter(|slot| slot.offering_id == offering_id)
        .ok_or_else(|| AppError::bad_input("input.slotId", "is not a slot of this offering"))?;
    let offering_active = service_offering::Entity::find_by_id(offering_id)
        .one(db)
        .await?
        .is_some_and(|offering| offering.active);
    if !offering_active {
        return Err(AppError::InvalidState(
            "the offering takes no bookings".to_owned(),
        ));
    }
    if slot.starts_at <= now {
        return Err(AppError::InvalidState(
            "the slot has already started".to_owned(),
        ));
    }
    let taken = service_slot::Entity::update_many()
        .col_expr(
            service_slot::Column::Booked,
            Expr::col(service_slot::Column::Booked).add(1),
        )
        .filter(service_slot::Column::Id.eq(slot_id))
        .filter(
            Expr::col(service_slot::Column::Booked).lt(Expr::col(service_slot::Column::Capacity)),
        )
        .exec(db)
        .await?;
    if taken.rows_affected == 0 {
        return Err(AppError::Conflict {
            field: Some("input.slotId".to_owned()),
            message: "the slot is full".to_owned(),
        });
    }
    find_or_not_found::<service_slot::Entity, _>(db, slot_id).await
}

/// Gives back one place of `slot_id` (a cancelled booking), inside the caller's transaction;
/// `booked` never goes below 0. `NOT_FOUND` when the slot is gone.
pub async fn release_slot<C: ConnectionTrait>(db: &C, slot_id: Uuid) -> AppResult<()> {
    let released = service_slot::Entity::update_many()
        .col_expr(
            service_slot::Column::Booked,
            Expr::col(service_slot::Column::Booked).sub(1),
        )
        .filter(service_slot::Column::Id.eq(slot_id))
        .filter(service_slot::Column::Booked.gt(0))
        .exec(db)
        .await?;
    if released.rows_affected == 0 {
        find_or_not_found::<service_slot::Entity, _>(db, slot_id).await?;
    }
    Ok(())
}

/// The response and resolution minutes of `category_id` at `priority`; `NOT_FOUND` when the
/// category (or, by a broken invariant, its target) is missing.
pub async fn sla_for<C: ConnectionTrait>(
    db: &C,
    category_id: Uuid,
    priority: Priority,
) -> AppResult<(i32, i32)> {
    let target =
        service_category_sla::Entity::find_by_id((category_id, priority.as_str().to_owned()))
            .one(db)
            .await?
            .ok_or(AppError::NotFound("service-level target"))?;
    Ok((target.response_minutes, target.resolution_minutes))
}

/// The category `id` when it exists and is active (taking new orders); `NOT_FOUND` otherwise.
pub async fn active_category<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> AppResult<service_category::Model> {
    service_category::Entity::find_by_id(id)
        .filter(service_category::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("service category"))
}

/// The service-level targets of `rows` as parsed values, `LOW` to `EMERGENCY`.
pub fn sla_targets(rows: &[service_category_sla::Model]) -> AppResult<Vec<SlaTarget>> {
    let mut targets = rows
        .iter()
        .map(|row| {
            Ok(SlaTarget {
                priority: Priority::from_stored(&row.priority)?,
                response_minutes: row.response_minutes,
                resolution_minutes: row.resolution_minutes,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    targets.sort_by_key(|t| Priority::ALL.iter().position(|p| *p == t.priority));
    Ok(targets)
}
