//! Asset rules: who sees and manages a building's assets, the register (create, change,
//! status with its history and residents' outage notices, meter readings), the history, the
//! residents' outage view, and the certificate reminder sweep.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::types::{AssetHistoryKind, AssetKind, AssetStatus};
use crate::{
    app::AppState,
    auth::guard,
    domains::{
        estate::{
            access::{ACTIVE_STAFF, Scope, current_residency},
            types::StaffPost,
        },
        qualifications::service::{FIRST_REMINDER_DAYS, SECOND_REMINDER_DAYS, expired_from},
        work_orders::types::WorkOrderChannel,
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
    store::Named,
};
use entity::{
    asset, asset_history, building, qualification, residency, staff_building, staff_record, unit,
    work_order,
};

/// Notification subject type of an asset (outages, certificate reminders).
pub const SUBJECT: &str = "ASSET";

/// Staff posts that see and look after the assets of the buildings they serve (besides
/// managers, who also manage them).
pub const ASSET_POSTS: [StaffPost; 4] = [
    StaffPost::RepairTechnician,
    StaffPost::Electrician,
    StaffPost::Security,
    StaffPost::FireControl,
];

impl Named for asset::Entity {
    const NOUN: &'static str = "asset";
}

impl Named for entity::maintenance_plan::Entity {
    const NOUN: &'static str = "maintenance plan";
}

impl Named for entity::maintenance_occurrence::Entity {
    const NOUN: &'static str = "maintenance occurrence";
}

/// How the viewer relates to assets: which buildings' assets they see and manage.
#[derive(Clone, Debug, Default)]
pub struct AssetAccess {
    /// Sees every building's (administrators, supervisors).
    pub all: bool,
    /// Manages every building's (administrators).
    pub manage_all: bool,
    /// Buildings whose assets they see.
    pub sees: HashSet<Uuid>,
    /// Buildings whose assets and plans they manage (active managers serving them).
    pub manages: HashSet<Uuid>,
}

impl AssetAccess {
    /// The viewer's access.
    pub async fn of(scope: &Scope) -> AppResult<AssetAccess> {
        scope.require_user()?;
        let mut access = AssetAccess {
            all: scope.admin || scope.supervisor,
            manage_all: scope.admin,
            ..AssetAccess::default()
        };
        let staff = scope.staff().await?;
        if staff.active
            && let Some(post) = staff.post.as_deref()
        {
            if post == StaffPost::Manager.as_str() {
                access.manages = staff.served_buildings.clone();
                access.sees = staff.served_buildings.clone();
            } else if ASSET_POSTS.iter().any(|p| p.as_str() == post) {
                access.sees = staff.served_buildings.clone();
            }
        }
        Ok(access)
    }

    /// Whether they see `building`'s assets.
    pub fn sees(&self, building: Uuid) -> bool {
        self.all || self.sees.contains(&building)
    }

    /// Whether they manage `building`'s assets and plans.
    pub fn manages(&self, building: Uuid) -> bool {
        self.manage_all || self.manages.contains(&building)
    }

    /// Whether they see any building's assets.
    pub fn any(&self) -> bool {
        self.all || !self.sees.is_empty()
    }

    /// `FORBIDDEN` unless they see some building's assets.
    pub fn require_any(&self) -> AppResult<()> {
        if self.any() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "facility assets are for the buildings' staff, managers, supervisors and \
                 administrators"
                    .to_owned(),
            ))
        }
    }
}

/// A new asset, checked.
#[derive(Clone, Debug)]
pub struct NewAsset {
    /// Building.
    pub building_id: Uuid,
    /// Kind.
    pub kind: AssetKind,
    /// Code (unique in the building).
    pub code: String,
    /// Name.
    pub name: String,
    /// Where.
    pub location: String,
    /// Make and model.
    pub model: Option<String>,
    /// Installed on.
    pub installed_on: Option<NaiveDate>,
    /// Warranty until.
    pub warranty_until: Option<NaiveDate>,
    /// Qualification required to service it.
    pub qualification_id: Option<Uuid>,
    /// Inspection certificate expiry.
    pub certificate_expires_on: Option<NaiveDate>,
}

/// Asset changes; `None` keeps a field, `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct AssetChanges {
    /// Kind.
    pub kind: Option<AssetKind>,
    /// Code.
    pub code: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Where.
    pub location: Option<String>,
    /// Make and model.
    pub model: Option<Option<String>>,
    /// Installed on.
    pub installed_on: Option<Option<NaiveDate>>,
    /// Warranty until.
    pub warranty_until: Option<Option<NaiveDate>>,
    /// Qualification.
    pub qualification_id: Option<Option<Uuid>>,
    /// Certificate expiry.
    pub certificate_expires_on: Option<Option<NaiveDate>>,
}

/// A list filter, checked.
#[derive(Clone, Debug, Default)]
pub struct AssetFilter {
    /// One building.
    pub building_id: Option<Uuid>,
    /// One kind.
    pub kind: Option<AssetKind>,
    /// One status.
    pub status: Option<AssetStatus>,
    /// Certificates expiring on or before this date.
    pub certificate_expires_by: Option<NaiveDate>,
}

const CERTIFICATE_REQUIRED: &str = "is required for elevators and fire equipment";
const CODE_TAKEN: &str = "another asset of this building has this code";

/// The asset `asset_id` for an order in `building_id`: `NOT_FOUND` on `input.assetId` when
/// there is none, `BAD_USER_INPUT` when it is another building's.
pub async fn check_in_building<C: ConnectionTrait>(
    db: &C,
    asset_id: Uuid,
    building_id: Uuid,
) -> AppResult<()> {
    let found = asset::Entity::find_by_id(asset_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::unknown_id("input.assetId", "asset"))?;
    if found.building_id != building_id {
        return Err(AppError::bad_input(
            "input.assetId",
            "is an asset of another building than the order's",
        ));
    }
    Ok(())
}

/// Adds a new work order about an asset to the asset's history (called where every order is
/// born; orders of preventive maintenance are recorded with their occurrence instead).
pub async fn record_work_order<C: ConnectionTrait>(
    db: &C,
    order: &work_order::Model,
) -> AppResult<()> {
    let Some(asset_id) = order.asset_id else {
        return Ok(());
    };
    if order.channel == WorkOrderChannel::Maintenance.as_str() {
        return Ok(());
    }
    history_row(
        db,
        asset_history::Model {
            id: Uuid::now_v7(),
            asset_id,
            kind: AssetHistoryKind::WorkOrder.as_str().to_owned(),
            at: order.created_at,
            work_order_id: Some(order.id),
            occurrence_id: None,
            from_status: None,
            to_status: None,
            reason: None,
            actor_id: Some(order.requester_id),
        },
    )
    .await
}

/// Inserts one history entry.
pub async fn history_row<C: ConnectionTrait>(db: &C, row: asset_history::Model) -> AppResult<()> {
    asset_history::Entity::insert(asset_history::ActiveModel::from(row))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The users of the active managers serving `building`.
pub async fn managers_of<C: ConnectionTrait>(db: &C, building: Uuid) -> AppResult<Vec<Uuid>> {
    let serving: Vec<Uuid> = staff_building::Entity::find()
        .select_only()
        .column(staff_building::Column::StaffId)
        .filter(staff_building::Column::BuildingId.eq(building))
        .into_tuple()
        .all(db)
        .await?;
    Ok(staff_record::Entity::find()
        .filter(staff_record::Column::Id.is_in(serving))
        .filter(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
        .filter(staff_record::Column::Status.eq(ACTIVE_STAFF))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}

/// The users living in `building` on `today`.
async fn residents_of<C: ConnectionTrait>(
    db: &C,
    building: Uuid,
    today: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    let users: Vec<Uuid> = residency::Entity::find()
        .select_only()
        .column(residency::Column::UserId)
        .filter(current_residency(today))
        .filter(
            residency::Column::UnitId.in_subquery(
                Query::select()
                    .column(unit::Column::Id)
                    .from(unit::Entity)
                    .and_where(Expr::col(unit::Column::BuildingId).eq(building))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    let unique: HashSet<Uuid> = users.into_iter().collect();
    Ok(unique.into_iter().collect())
}

/// Sends a facility notification about `asset`.
async fn notify(
    write: &mut Write<'_>,
    users: Vec<Uuid>,
    model: &asset::Model,
    kind: &str,
    title: String,
    priority: NotificationPriority,
) -> AppResult<()> {
    Notifier::notify(
        write,
        users,
        &Draft {
            category: NotificationCategory::Facility,
            priority,
            kind: kind.to_owned(),
            title,
            text: format!("{} ({})", model.name, model.location),
            subject: SubjectRef {
                kind: SUBJECT,
                id: model.id,
            },
        },
    )
    .await?;
    Ok(())
}

/// The asset service.
pub struct Assets<'a> {
    state: &'a AppState,
}

impl<'a> Assets<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        Assets { state }
    }

    fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.state.db
    }

    /// Assets the viewer sees, by building, kind and code.
    pub async fn list(
        &self,
        scope: &Scope,
        filter: AssetFilter,
        page: &PageRequest,
    ) -> AppResult<Page<asset::Model>> {
        let access = AssetAccess::of(scope).await?;
        access.require_any()?;
        let mut query = asset::Entity::find();
        if !access.all {
            query = query.filter(asset::Column::BuildingId.is_in(access.sees.iter().copied()));
        }
        if let Some(building) = filter.building_id {
            query = query.filter(asset::Column::BuildingId.eq(building));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(asset::Column::Kind.eq(kind.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(asset::Column::Status.eq(status.as_str()));
        }
        if let Some(by) = filter.certificate_expires_by {
            query = query.filter(asset::Column::CertificateExpiresOn.lte(by));
        }
        Keyset::new()
            .asc(asset::Column::BuildingId)
            .asc(asset::Column::Code)
            .asc(asset::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One asset the viewer sees (`NOT_FOUND` otherwise, residents included).
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<asset::Model> {
        let access = AssetAccess::of(scope).await?;
        let found = asset::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("asset"))?;
        if !access.sees(found.building_id) {
            return Err(AppError::NotFound("asset"));
        }
        Ok(found)
    }

    /// The assets among `ids` the viewer sees (notification subjects, node).
    pub async fn visible_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<asset::Model>> {
        let access = AssetAccess::of(scope).await?;
        Ok(asset::Entity::find()
            .filter(asset::Column::Id.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|a| access.sees(a.building_id))
            .collect())
    }

    /// The outages among `ids` a resident may see: shared facilities out of service now in a
    /// building they live in.
    pub async fn outages_among(
        &self,
        scope: &Scope,
        ids: HashSet<Uuid>,
    ) -> AppResult<Vec<asset::Model>> {
        let homes = scope.resident().await?;
        Ok(asset::Entity::find()
            .filter(asset::Column::Id.is_in(ids))
            .filter(asset::Column::Status.eq(AssetStatus::OutOfService.as_str()))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|a| {
                homes.buildings.contains(&a.building_id)
                    && AssetKind::parse(&a.kind).is_some_and(AssetKind::shared)
            })
            .collect())
    }

    /// The current outages of shared facilities of `building`: for its residents and those who
    /// see its assets (an empty list for anyone else).
    pub async fn outages(
        &self,
        scope: &Scope,
        building: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<asset::Model>> {
        let access = AssetAccess::of(scope).await?;
        let lives_there = scope.resident().await?.buildings.contains(&building);
        let allowed = lives_there || access.sees(building);
        let shared: Vec<&str> = AssetKind::ALL
            .iter()
            .filter(|k| k.shared())
            .map(|k| k.as_str())
            .collect();
        let mut query = asset::Entity::find()
            .filter(asset::Column::BuildingId.eq(building))
            .filter(asset::Column::Status.eq(AssetStatus::OutOfService.as_str()))
            .filter(asset::Column::Kind.is_in(shared));
        if !allowed {
            query = query.filter(asset::Column::Id.is_in(Vec::<Uuid>::new()));
        }
        Keyset::new()
            .desc(asset::Column::StatusSince)
            .desc(asset::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// An asset's history, newest first (the caller has checked the asset is visible).
    pub async fn history(
        &self,
        asset_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<asset_history::Model>> {
        Keyset::new()
            .desc(asset_history::Column::At)
            .desc(asset_history::Column::Id)
            .fetch(
                self.db(),
                asset_history::Entity::find().filter(asset_history::Column::AssetId.eq(asset_id)),
                page,
            )
            .await
    }

    /// Registers an asset (administrators, the building's managers).
    pub async fn create(&self, scope: &Scope, new: NewAsset) -> AppResult<asset::Model> {
        let me = scope.require_user()?;
        let access = AssetAccess::of(scope).await?;
        building::Entity::find_by_id(new.building_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.buildingId", "building"))?;
        if !access.manages(new.building_id) {
            return Err(AppError::Forbidden(
                "administrators and the building's managers register assets".to_owned(),
            ));
        }
        if new.kind.needs_certificate() && new.certificate_expires_on.is_none() {
            return Err(AppError::bad_input(
                "input.certificateExpiresOn",
                CERTIFICATE_REQUIRED,
            ));
        }
        if let Some(q) = new.qualification_id {
            qualification_exists(self.db(), q).await?;
        }
        code_free(self.db(), new.building_id, &new.code, None).await?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let model = asset::Model {
            id: Uuid::now_v7(),
            building_id: new.building_id,
            kind: new.kind.as_str().to_owned(),
            code: new.code,
            name: new.name,
            location: new.location,
            model: new.model,
            installed_on: new.installed_on,
            warranty_until: new.warranty_until,
            status: AssetStatus::InService.as_str().to_owned(),
            status_since: now,
            qualification_id: new.qualification_id,
            certificate_expires_on: new.certificate_expires_on,
            certificate_warned_30: false,
            certificate_warned_7: false,
            certificate_expired_notified: false,
            meter_value: None,
            meter_read_at: None,
            created_by: me,
            created_at: now,
            updated_at: now,
        };
        asset::Entity::insert(asset::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await
            .map_err(|e| code_conflict(e.into()))?;
        write.commit().await?;
        Ok(model)
    }

    /// Changes an asset (administrators, the building's managers). A new certificate expiry
    /// re-arms its reminders.
    pub async fn update(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: AssetChanges,
    ) -> AppResult<asset::Model> {
        let current = self
            .get(scope, id)
            .await
            .map_err(|e| e.on_field("input.id"))?;
        let access = AssetAccess::of(scope).await?;
        if !access.manages(current.building_id) {
            return Err(AppError::Forbidden(
                "administrators and the building's managers change assets".to_owned(),
            ));
        }
        let mut next = current.clone();
        if let Some(kind) = changes.kind {
            next.kind = kind.as_str().to_owned();
        }
        if let Some(code) = changes.code {
            code_free(self.db(), next.building_id, &code, Some(id)).await?;
            next.code = code;
        }
        if let Some(name) = changes.name {
            next.name = name;
        }
        if let Some(location) = changes.location {
            next.location = location;
        }
        if let Some(model) = changes.model {
            next.model = model;
        }
        if let Some(on) = changes.installed_on {
            next.installed_on = on;
        }
        if let Some(until) = changes.warranty_until {
            next.warranty_until = until;
        }
        if let Some(q) = changes.qualification_id {
            if let Some(q) = q {
                qualification_exists(self.db(), q).await?;
            }
            next.qualification_id = q;
        }
        if let Some(expires) = changes.certificate_expires_on {
            if expires != next.certificate_expires_on {
                next.certificate_warned_30 = false;
                next.certificate_warned_7 = false;
                next.certificate_expired_notified = false;
            }
            next.certificate_expires_on = expires;
        }
        if AssetKind::from_stored(&next.kind)?.needs_certificate()
            && next.certificate_expires_on.is_none()
        {
            return Err(AppError::bad_input(
                "input.certificateExpiresOn",
                CERTIFICATE_REQUIRED,
            ));
        }
        let write = Write::begin(self.state).await?;
        next.updated_at = write.now();
        let updated = asset::Entity::update_many()
            .set(sea_orm::ActiveModelTrait::reset_all(
                asset::ActiveModel::from(next.clone()),
            ))
            .filter(asset::Column::Id.eq(id))
            .filter(asset::Column::UpdatedAt.eq(current.updated_at))
            .exec(write.txn())
            .await
            .map_err(|e| code_conflict(e.into()))?;
        if updated.rows_affected != 1 {
            return Err(changed_meanwhile());
        }
        write.commit().await?;
        Ok(next)
    }

    /// Changes an asset's status with a reason (administrators, the building's managers and
    /// the staff who see its assets): one conditional update, its history entry, and for a
    /// shared facility going out of (or back into) service, the building's residents told.
    pub async fn set_status(
        &self,
        scope: &Scope,
        id: Uuid,
        to: AssetStatus,
        reason: String,
    ) -> AppResult<asset::Model> {
        let me = scope.require_user()?;
        let current = self
            .get(scope, id)
            .await
            .map_err(|e| e.on_field("input.id"))?;
        let access = AssetAccess::of(scope).await?;
        if !access.manages(current.building_id) && !access.sees.contains(&current.building_id) {
            return Err(AppError::Forbidden(
                "the building's staff and managers, and administrators, change an asset's \
                 status"
                    .to_owned(),
            ));
        }
        let from = AssetStatus::from_stored(&current.status)?;
        if from == to {
            return Err(AppError::InvalidState(format!(
                "the asset is already {}",
                to.as_str()
            )));
        }
        if from == AssetStatus::Retired {
            return Err(AppError::InvalidState(
                "a retired asset does not change status".to_owned(),
            ));
        }
        let kind = AssetKind::from_stored(&current.kind)?;
        let today = self.state.clock.today();
        let residents = if kind.shared()
            && (to == AssetStatus::OutOfService || from == AssetStatus::OutOfService)
        {
            residents_of(self.db(), current.building_id, today).await?
        } else {
            Vec::new()
        };
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let updated = asset::Entity::update_many()
            .col_expr(asset::Column::Status, Expr::value(to.as_str()))
            .col_expr(asset::Column::StatusSince, Expr::value(now))
            .col_expr(asset::Column::UpdatedAt, Expr::value(now))
            .filter(asset::Column::Id.eq(id))
            .filter(asset::Column::Status.eq(from.as_str()))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(changed_meanwhile());
        }
        history_row(
            write.txn(),
            asset_history::Model {
                id: Uuid::now_v7(),
                asset_id: id,
                kind: AssetHistoryKind::StatusChange.as_str().to_owned(),
                at: now,
                work_order_id: None,
                occurrence_id: None,
                from_status: Some(from.as_str().to_owned()),
                to_status: Some(to.as_str().to_owned()),
                reason: Some(reason),
                actor_id: Some(me),
            },
        )
        .await?;
        let mut next = current.clone();
        next.status = to.as_str().to_owned();
        next.status_since = now;
        next.updated_at = now;
        if !residents.is_empty() {
            let (kind_text, title) = if to == AssetStatus::OutOfService {
                (
                    "FACILITY_OUT_OF_SERVICE",
                    format!("Out of service: {}", next.name),
                )
            } else {
                (
                    "FACILITY_BACK_IN_SERVICE",
                    format!("Back in service: {}", next.name),
                )
            };
            notify(
                &mut write,
                residents,
                &next,
                kind_text,
                title,
                NotificationPriority::Important,
            )
            .await?;
        }
        write.commit().await?;
        Ok(next)
    }

    /// Records a meter reading (those who see the asset): never lower than the last one.
    pub async fn record_meter(
        &self,
        scope: &Scope,
        id: Uuid,
        value: f64,
    ) -> AppResult<asset::Model> {
        let current = self
            .get(scope, id)
            .await
            .map_err(|e| e.on_field("input.assetId"))?;
        if current.meter_value.is_some_and(|last| value < last) {
            return Err(AppError::bad_input(
                "input.value",
                "is lower than the last reading",
            ));
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let updated = asset::Entity::update_many()
            .col_expr(asset::Column::MeterValue, Expr::value(value))
            .col_expr(asset::Column::MeterReadAt, Expr::value(now))
            .col_expr(asset::Column::UpdatedAt, Expr::value(now))
            .filter(asset::Column::Id.eq(id))
            .filter(asset::Column::UpdatedAt.eq(current.updated_at))
            .exec(write.txn())
            .await?;
        if updated.rows_affected != 1 {
            return Err(changed_meanwhile());
        }
        write.commit().await?;
        let mut next = current;
        next.meter_value = Some(value);
        next.meter_read_at = Some(now);
        next.updated_at = now;
        Ok(next)
    }

    /// The certificate sweep: for each asset whose certificate's 30-day, 7-day or expiry
    /// moment has come, claims that reminder with a conditional update (earlier ones not sent
    /// are claimed with it: only the most urgent goes out) and tells the building's managers.
    pub async fn certificate_sweep(&self) -> AppResult<usize> {
        use asset::Column as C;
        let now = self.state.clock.now();
        let horizon = now.date_naive() + Duration::days(FIRST_REMINDER_DAYS);
        let candidates = asset::Entity::find()
            .filter(C::CertificateExpiresOn.is_not_null())
            .filter(C::CertificateExpiresOn.lte(horizon))
            .filter(C::CertificateExpiredNotified.eq(false))
            .filter(C::Status.ne(AssetStatus::Retired.as_str()))
            .all(self.db())
            .await?;
        let mut done = 0;
        for model in candidates {
            let Some(expires_on) = model.certificate_expires_on else {
                continue;
            };
            let at: DateTime<Utc> = expired_from(expires_on);
            let stages = [
                (at, C::CertificateExpiredNotified, "ASSET_CERT_EXPIRED"),
                (
                    at - Duration::days(SECOND_REMINDER_DAYS),
                    C::CertificateWarned7,
                    "ASSET_CERT_EXPIRES_IN_7_DAYS",
                ),
                (
                    at - Duration::days(FIRST_REMINDER_DAYS),
                    C::CertificateWarned30,
                    "ASSET_CERT_EXPIRES_IN_30_DAYS",
                ),
            ];
            let Some(index) = stages.iter().position(|(from, _, _)| now >= *from) else {
                continue;
            };
            let (_, flag, kind) = stages[index];
            let managers = managers_of(self.db(), model.building_id).await?;
            let mut write = Write::begin(self.state).await?;
            let mut claim = asset::Entity::update_many()
                .filter(C::Id.eq(model.id))
                .filter(C::CertificateExpiresOn.eq(expires_on))
                .filter(flag.eq(false));
            for (_, earlier, _) in &stages[index..] {
                claim = claim.col_expr(*earlier, Expr::value(true));
            }
            if claim.exec(write.txn()).await?.rows_affected != 1 {
                continue;
            }
            let (title, priority) = if index == 0 {
                (
                    format!(
                        "{} ({}): inspection certificate expired",
                        model.name, model.code
                    ),
                    NotificationPriority::Important,
                )
            } else {
                (
                    format!(
                        "{} ({}): inspection certificate expires on {expires_on}",
                        model.name, model.code
                    ),
                    NotificationPriority::Normal,
                )
            };
            notify(&mut write, managers, &model, kind, title, priority).await?;
            write.commit().await?;
            done += 1;
        }
        Ok(done)
    }
}

/// `NOT_FOUND` on `input.qualificationId` unless the qualification exists.
async fn qualification_exists<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    qualification::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::unknown_id("input.qualificationId", "qualification"))?;
    Ok(())
}

/// `CONFLICT` on `input.code` when another asset of the building has `code`.
async fn code_free<C: ConnectionTrait>(
    db: &C,
    building: Uuid,
    code: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    let mut query = asset::Entity::find()
        .filter(asset::Column::BuildingId.eq(building))
        .filter(asset::Column::Code.eq(code));
    if let Some(id) = except {
        query = query.filter(asset::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(AppError::Conflict {
            field: Some("input.code".to_owned()),
            message: CODE_TAKEN.to_owned(),
        });
    }
    Ok(())
}

/// A unique-key violation on the code lost a race: `CONFLICT` on `input.code`.
fn code_conflict(err: AppError) -> AppError {
    match err {
        AppError::Conflict { .. } => AppError::Conflict {
            field: Some("input.code".to_owned()),
            message: CODE_TAKEN.to_owned(),
        },
        other => other,
    }
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict {
        field: None,
        message: "the asset changed meanwhile; reload it and try again".to_owned(),
    }
}

/// `FORBIDDEN` unless the viewer is an administrator (operators' tools).
pub fn require_admin(scope: &Scope) -> AppResult<()> {
    guard::require_admin(scope)
}
