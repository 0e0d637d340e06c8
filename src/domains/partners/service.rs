//! Partner rules: who sees which partner, registering and changing partners, and their members.
//!
//! | viewer | sees |
//! |---|---|
//! | administrator | every partner, with its members; changes them |
//! | manager (active `MANAGER` staff) | partners serving a building they serve (read-only, no members) |
//! | a partner's member (MERCHANT) | their own partner, with its members (`myPartner`) |
//! | anyone else | none (`NOT_FOUND`) |

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, sea_query::OnConflict, sea_query::Query,
};
use uuid::Uuid;

use super::{
    facts::{Affiliation, affiliation},
    types::{PartnerKind, PartnerStatus},
};
use crate::{
    app::AppState,
    auth::{Role, guard},
    domains::estate::{access::Scope, types::StaffPost},
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
};
use entity::{building, partner, partner_building, partner_member, user, user_role};

/// How the viewer stands towards partners.
#[derive(Clone, Debug, Default)]
pub struct PartnerView {
    /// Administrator: every partner.
    pub admin: bool,
    /// The buildings the viewer manages (active managers).
    pub managed: Option<HashSet<Uuid>>,
    /// The partner the viewer acts for.
    pub own: Option<Affiliation>,
}

impl PartnerView {
    /// The viewer's standing (loads the staff facet and the viewer's membership).
    pub async fn of(state: &AppState, scope: &Scope) -> AppResult<PartnerView> {
        let me = scope.require_user()?;
        if scope.admin {
            return Ok(PartnerView {
                admin: true,
                ..Default::default()
            });
        }
        let managed = guard::holds_active_post(scope, StaffPost::Manager)
            .await?
            .map(|staff| staff.served_buildings.clone());
        let own = if guard::holds_any(&scope.roles, &[Role::Merchant]) {
            affiliation(&state.db, me, state.clock.now()).await?
        } else {
            None
        };
        Ok(PartnerView {
            admin: false,
            managed,
            own,
        })
    }

    /// The partner the viewer acts for, if any.
    pub fn own_partner(&self) -> Option<Uuid> {
        self.own.as_ref().map(|a| a.partner_id)
    }

    /// Whether the viewer sees the members of `partner`.
    pub fn sees_members(&self, partner: Uuid) -> bool {
        self.admin || self.own_partner() == Some(partner)
    }

    /// The partners the viewer may see, as a condition (`None`: all).
    fn condition(&self) -> Option<Condition> {
        if self.admin {
            return None;
        }
        let mut any = Condition::any().add(partner::Column::Id.is_in(self.own_partner()));
        if let Some(buildings) = &self.managed {
            any = any.add(
                partner::Column::Id.in_subquery(
                    Query::select()
                        .column(partner_building::Column::PartnerId)
                        .from(partner_building::Entity)
                        .and_where(
                            partner_building::Column::BuildingId.is_in(buildings.iter().copied()),
                        )
                        .to_owned(),
                ),
            );
        }
        Some(any)
    }
}

/// A new partner.
#[derive(Clone, Debug)]
pub struct PartnerFields {
    /// Name (unique).
    pub name: String,
    /// Kind.
    pub kind: PartnerKind,
    /// Description.
    pub description: String,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Contract start.
    pub contract_from: DateTime<Utc>,
    /// Contract end.
    pub contract_until: Option<DateTime<Utc>>,
    /// Buildings served.
    pub building_ids: Vec<Uuid>,
}

/// Changes to a partner: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PartnerChanges {
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Status.
    pub status: Option<PartnerStatus>,
    /// Contact person (`Some(None)` clears it).
    pub contact_name: Option<Option<String>>,
    /// Contact phone.
    pub contact_phone: Option<Option<String>>,
    /// Contact email.
    pub contact_email: Option<Option<String>>,
    /// Contract start.
    pub contract_from: Option<DateTime<Utc>>,
    /// Contract end (`Some(None)`: open-ended).
    pub contract_until: Option<Option<DateTime<Utc>>>,
    /// Buildings served (replaces them all).
    pub building_ids: Option<Vec<Uuid>>,
}

/// Filter of `partners`.
#[derive(Clone, Debug, Default)]
pub struct PartnerFilter {
    /// Only this kind.
    pub kind: Option<PartnerKind>,
    /// Only this status.
    pub status: Option<PartnerStatus>,
    /// Only partners serving this building.
    pub building_id: Option<Uuid>,
}

/// Partner rules over the application state.
pub struct PartnerService<'a> {
    state: &'a AppState,
}

impl<'a> PartnerService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        PartnerService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// One partner the viewer may see, and whether they see its members; `NOT_FOUND` otherwise.
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<(partner::Model, bool)> {
        let view = PartnerView::of(self.state, scope).await?;
        let mut query = partner::Entity::find_by_id(id);
        if let Some(condition) = view.condition() {
            query = query.filter(condition);
        }
        let model = query
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("partner"))?;
        let members = view.sees_members(model.id);
        Ok((model, members))
    }

    /// The partner the viewer acts for, if any.
    pub async fn mine(&self, scope: &Scope) -> AppResult<Option<partner::Model>> {
        let view = PartnerView::of(self.state, scope).await?;
        match view.own_partner() {
            Some(id) => Ok(partner::Entity::find_by_id(id).one(self.db()).await?),
            None => Ok(None),
        }
    }

    /// The partners the viewer may see, by name.
    pub async fn list(
        &self,
        scope: &Scope,
        filter: PartnerFilter,
        page: &PageRequest,
    ) -> AppResult<(Page<partner::Model>, PartnerView)> {
        let view = PartnerView::of(self.state, scope).await?;
        let mut query = partner::Entity::find();
        if let Some(condition) = view.condition() {
            query = query.filter(condition);
        }
        if let Some(kind) = filter.kind {
            query = query.filter(partner::Column::Kind.eq(kind.as_str()));
        }
        if let Some(status) = filter.status {
            query = query.filter(partner::Column::Status.eq(status.as_str()));
        }
        if let Some(building) = filter.building_id {
            query = query.filter(
                partner::Column::Id.in_subquery(
                    Query::select()
                        .column(partner_building::Column::PartnerId)
                        .from(partner_building::Entity)
                        .and_where(partner_building::Column::BuildingId.eq(building))
                        .to_owned(),
                ),
            );
        }
        let page = Keyset::<partner::Entity>::new()
            .asc(partner::Column::Name)
            .asc(partner::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        Ok((page, view))
    }

    async fn check_buildings(&self, ids: &[Uuid]) -> AppResult<()> {
        let wanted: HashSet<Uuid> = ids.iter().copied().collect();
        let found = building::Entity::find()
            .filter(building::Column::Id.is_in(wanted.iter().copied()))
            .count(self.db())
            .await?;
        if found as usize != wanted.len() {
            return Err(AppError::unknown_id("input.buildingIds", "building"));
        }
        Ok(())
    }

    async fn check_name_free(&self, name: &str, except: Option<Uuid>) -> AppResult<()> {
        let mut query = partner::Entity::find().filter(partner::Column::Name.eq(name));
        if let Some(id) = except {
            query = query.filter(partner::Column::Id.ne(id));
        }
        if query.count(self.db()).await? > 0 {
            return Err(AppError::Conflict {
                field: Some("input.name".to_owned()),
                message: "a partner with this name exists".to_owned(),
            });
        }
        Ok(())
    }

    /// Registers a partner (administrators).
    pub async fn create(&self, scope: &Scope, fields: PartnerFields) -> AppResult<partner::Model> {
        guard::require_admin(scope)?;
        let me = scope.require_user()?;
        check_contract(fields.contract_from, fields.contract_until)?;
        self.check_buildings(&fields.building_ids).await?;
        self.check_name_free(&fields.name, None).await?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let model = partner::Model {
            id: Uuid::now_v7(),
            name: fields.name,
            kind: fields.kind.as_str().to_owned(),
            description: fields.description,
            contact_name: fields.contact_name,
            contact_phone: fields.contact_phone,
            contact_email: fields.contact_email,
            contract_from: fields.contract_from,
            contract_until: fields.contract_until,
            status: PartnerStatus::Active.as_str().to_owned(),
            created_by: me,
            created_at: now,
            updated_at: now,
        };
        partner::Entity::insert(partner::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        set_buildings(&write, model.id, &fields.building_ids).await?;
        write.commit().await?;
        Ok(model)
    }

    /// Changes a partner (administrators).
    pub async fn update(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: PartnerChanges,
    ) -> AppResult<partner::Model> {
        guard::require_admin(scope)?;
        let current = partner::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "partner"))?;
        let from = changes.contract_from.unwrap_or(current.contract_from);
        let until = changes.contract_until.unwrap_or(current.contract_until);
        check_contract(from, until)?;
        if let Some(ids) = &changes.building_ids {
            self.check_buildings(ids).await?;
        }
        if let Some(name) = &changes.name {
            self.check_name_free(name, Some(id)).await?;
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let mut model = current;
        if let Some(name) = changes.name {
            model.name = name;
        }
        if let Some(description) = changes.description {
            model.description = description;
        }
        if let Some(status) = changes.status {
            model.status = status.as_str().to_owned();
        }
        if let Some(v) = changes.contact_name {
            model.contact_name = v;
        }
        if let Some(v) = changes.contact_phone {
            model.contact_phone = v;
        }
        if let Some(v) = changes.contact_email {
            model.contact_email = v;
        }
        model.contract_from = from;
        model.contract_until = until;
        model.updated_at = now;
        let mut active = partner::ActiveModel::from(model.clone());
        active.id = sea_orm::ActiveValue::Unchanged(model.id);
        partner::Entity::update(active).exec(write.txn()).await?;
        if let Some(ids) = changes.building_ids {
            partner_building::Entity::delete_many()
                .filter(partner_building::Column::PartnerId.eq(id))
                .exec(write.txn())
                .await?;
            set_buildings(&write, id, &ids).await?;
        }
        write.commit().await?;
        Ok(model)
    }

    /// Makes a MERCHANT user a member of a partner (administrators). A user acts for one
    /// partner: `CONFLICT` when they already do.
    pub async fn add_member(
        &self,
        scope: &Scope,
        partner_id: Uuid,
        user_id: Uuid,
    ) -> AppResult<partner::Model> {
        guard::require_admin(scope)?;
        let model = partner::Entity::find_by_id(partner_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.partnerId", "partner"))?;
        user::Entity::find_by_id(user_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.userId", "user"))?;
        let merchant = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(user_id))
            .filter(user_role::Column::Role.eq(Role::Merchant.as_str()))
            .count(self.db())
            .await?
            > 0;
        if !merchant {
            return Err(AppError::bad_input(
                "input.userId",
                "must hold the MERCHANT role",
            ));
        }
        let conflict = || AppError::Conflict {
            field: Some("input.userId".to_owned()),
            message: "this user already acts for a partner".to_owned(),
        };
        if partner_member::Entity::find_by_id(user_id)
            .one(self.db())
            .await?
            .is_some()
        {
            return Err(conflict());
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let added = partner_member::Entity::insert(partner_member::ActiveModel {
            user_id: Set(user_id),
            partner_id: Set(partner_id),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(partner_member::Column::UserId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        if added != 1 {
            return Err(conflict());
        }
        write.commit().await?;
        Ok(model)
    }

    /// Ends a user's membership of a partner (administrators); `NOT_FOUND` on `input.userId`
    /// when they are not a member of it.
    pub async fn remove_member(
        &self,
        scope: &Scope,
        partner_id: Uuid,
        user_id: Uuid,
    ) -> AppResult<partner::Model> {
        guard::require_admin(scope)?;
        let model = partner::Entity::find_by_id(partner_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.partnerId", "partner"))?;
        let write = Write::begin(self.state).await?;
        let removed = partner_member::Entity::delete_many()
            .filter(partner_member::Column::UserId.eq(user_id))
            .filter(partner_member::Column::PartnerId.eq(partner_id))
            .exec(write.txn())
            .await?;
        if removed.rows_affected != 1 {
            return Err(AppError::unknown_id("input.userId", "partner member"));
        }
        write.commit().await?;
        Ok(model)
    }

    /// The member ids of a partner (for tests and the demo).
    pub async fn member_ids(&self, partner_id: Uuid) -> AppResult<Vec<Uuid>> {
        Ok(partner_member::Entity::find()
            .select_only()
            .column(partner_member::Column::UserId)
            .filter(partner_member::Column::PartnerId.eq(partner_id))
            .into_tuple()
            .all(self.db())
            .await?)
    }
}

fn check_contract(from: DateTime<Utc>, until: Option<DateTime<Utc>>) -> AppResult<()> {
    if until.is_some_and(|until| until <= from) {
        return Err(AppError::bad_input(
            "input.contractUntil",
            "must be after contractFrom",
        ));
    }
    Ok(())
}

async fn set_buildings(write: &Write<'_>, partner_id: Uuid, ids: &[Uuid]) -> AppResult<()> {
    let unique: HashSet<Uuid> = ids.iter().copied().collect();
    if unique.is_empty() {
        return Ok(());
    }
    partner_building::Entity::insert_many(unique.into_iter().map(|building_id| {
        partner_building::ActiveModel {
            partner_id: Set(partner_id),
            building_id: Set(building_id),
        }
    }))
    .exec_without_returning(write.txn())
    .await?;
    Ok(())
}
