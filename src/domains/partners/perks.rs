//! Perk rules: who sees which perk, claiming one (a one-time code), redeeming a code, the lists
//! of redemptions and the usage statistics.
//!
//! | viewer | perks | redemptions |
//! |---|---|---|
//! | administrator | every perk; creates, changes and withdraws them | every redemption, statistics |
//! | a partner's MERCHANT member | their partner's perks | their partner's (the resident by display name only); redeems their codes |
//! | anyone else (residents) | active perks not yet ended, of a partner in business, addressed to them (the notices' rule) | their own |
//!
//! Merchants do not propose perks: administrators create them for a partner (a proposal flow
//! would be a later addition).
//!
//! A claim runs in one [`Write`]: the perk's counter is taken with
//! `UPDATE perk SET claimed = claimed + 1 WHERE id = ? AND claimed < total_limit AND …`, then
//! the resident's row with `UPDATE perk_claim SET claims = claims + 1 WHERE … AND claims <
//! per_resident_limit`, then (time-bank exchanges) the time bank is debited with a conditional
//! update and a `REDEEMED` entry, and the code is written. Any refusal rolls the whole claim
//! back. On PostgreSQL concurrent claims of one perk queue on the perk row; SQLite serialises
//! writes.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::Rng;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use uuid::Uuid;

use super::{
    facts::{affiliation, in_business},
    types::{PerkKind, PerkRedemptionStatus, PerkStatus},
};
use crate::{
    app::AppState,
    auth::{Role, guard},
    domains::{
        estate::access::Scope,
        notices::audience::{Audience, AudienceTable, addressed, check_targets},
        volunteers::{service::debit, types::TimeBankKind},
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{partner, perk, perk_audience, perk_claim, perk_redemption, time_bank_entry};

/// Subject type of redemption notifications.
pub const SUBJECT: &str = "PERK_REDEMPTION";
/// Letters of a redemption code (no 0/O, 1/I/L: read out and typed at a counter).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a redemption code (31^10 ≈ 8·10^14 codes).
pub const CODE_LENGTH: usize = 10;
/// A code is valid this long after its claim (never past the perk's window).
pub const CODE_VALID_DAYS: i64 = 30;
/// Most claims a perk may allow in all.
pub const MAX_TOTAL_LIMIT: i32 = 10_000;

impl AudienceTable for perk_audience::Entity {
    const OWNER: perk_audience::Column = perk_audience::Column::PerkId;
    const SCOPE: perk_audience::Column = perk_audience::Column::Scope;
    const BUILDING_ID: perk_audience::Column = perk_audience::Column::BuildingId;
    const FLOOR: perk_audience::Column = perk_audience::Column::Floor;
    const UNIT_ID: perk_audience::Column = perk_audience::Column::UnitId;
    const ROLE: perk_audience::Column = perk_audience::Column::Role;
}

/// A fresh redemption code.
fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// The code as typed: case, spaces and dashes do not matter.
pub fn normalise_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether `code` (normalised) could be a redemption code.
pub fn well_formed(code: &str) -> bool {
    code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// A new perk.
#[derive(Clone, Debug)]
pub struct PerkFields {
    /// The partner.
    pub partner_id: Uuid,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Kind.
    pub kind: PerkKind,
    /// Window start.
    pub starts_at: DateTime<Utc>,
    /// Window end.
    pub ends_at: DateTime<Utc>,
    /// Volunteer minutes earned needed.
    pub min_volunteer_minutes: i32,
    /// Time-bank minutes a claim costs (time-bank exchanges).
    pub time_bank_minutes: Option<i32>,
    /// Most claims in all.
    pub total_limit: i32,
    /// Most claims per resident.
    pub per_resident_limit: i32,
    /// Who it is for.
    pub audience: Audience,
}

/// Changes to a perk: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PerkChanges {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Window start.
    pub starts_at: Option<DateTime<Utc>>,
    /// Window end.
    pub ends_at: Option<DateTime<Utc>>,
    /// Volunteer minutes earned needed.
    pub min_volunteer_minutes: Option<i32>,
    /// Most claims in all (not below the claims made).
    pub total_limit: Option<i32>,
    /// Most claims per resident.
    pub per_resident_limit: Option<i32>,
    /// Audience (replaces it).
    pub audience: Option<Audience>,
}

/// How the viewer relates to one perk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PerkRelation {
    /// May see it.
    pub sees: bool,
    /// Administers it or acts for its partner (sees its redemptions and counts).
    pub runs: bool,
}

/// Whether the perk can still be claimed or redeemed at some point (active, not ended).
pub fn live(model: &perk::Model, now: DateTime<Utc>) -> bool {
    model.status == PerkStatus::Active.as_str() && now < model.ends_at
}

/// The Monday starting the week of `at`.
fn week_start(at: DateTime<Utc>) -> NaiveDate {
    let day = at.date_naive();
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// Perk rules over the application state.
pub struct PerkService<'a> {
    state: &'a AppState,
}

impl<'a> PerkService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        PerkService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The partner the viewer acts for as a MERCHANT, if any.
    async fn own_partner(&self, scope: &Scope) -> AppResult<Option<Uuid>> {
        let me = scope.require_user()?;
        if !guard::holds_any(&scope.roles, &[Role::Merchant]) {
            return Ok(None);
        }
        Ok(affiliation(self.db(), me, self.state.clock.now())
            .await?
            .map(|a| a.partner_id))
    }

    async fn audience_of<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Audience> {
        let rows = perk_audience::Entity::find()
            .filter(perk_audience::Column::PerkId.eq(id))
            .all(db)
            .await?;
        Ok(Audience::from_targets(rows.iter().map(|r| {
            (
                r.scope.as_str(),
                r.building_id,
                r.floor,
                r.unit_id,
                r.role.as_deref(),
            )
        })))
    }

    /// How the viewer relates to `model`.
    pub async fn relation(&self, scope: &Scope, model: &perk::Model) -> AppResult<PerkRelation> {
        scope.require_user()?;
        if scope.admin || self.own_partner(scope).await? == Some(model.partner_id) {
            return Ok(PerkRelation {
                sees: true,
                runs: true,
            });
        }
        let now = self.state.clock.now();
        if !live(model, now) {
            return Ok(PerkRelation::default());
        }
        let partner_ok = partner::Entity::find_by_id(model.partner_id)
            .one(self.db())
            .await?
            .is_some_and(|p| in_business(&p, now));
        let sees = partner_ok
            && Self::audience_of(self.db(), model.id)
                .await?
                .includes(scope)
                .await?;
        Ok(PerkRelation { sees, runs: false })
    }

    /// One perk the viewer may see; `NOT_FOUND` otherwise.
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<(perk::Model, PerkRelation)> {
        let model = perk::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("perk"))?;
        let rel = self.relation(scope, &model).await?;
        if !rel.sees {
            return Err(AppError::NotFound("perk"));
        }
        Ok((model, rel))
    }

    /// The perks the viewer may see, newest first, and the partner they act for.
    pub async fn list(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<(Page<perk::Model>, Option<Uuid>)> {
        scope.require_user()?;
        let now = self.state.clock.now();
        let own = self.own_partner(scope).await?;
        let mut query = perk::Entity::find();
        if !scope.admin {
            let in_business = Query::select()
                .column(partner::Column::Id)
                .from(partner::Entity)
                .cond_where(
                    Condition::all()
                        .add(partner::Column::Status.eq("ACTIVE"))
                        .add(partner::Column::ContractFrom.lte(now))
                        .add(
                            Condition::any()
                                .add(partner::Column::ContractUntil.is_null())
                                .add(partner::Column::ContractUntil.gt(now)),
                        ),
                )
                .to_owned();
            let addressed_live = Condition::all()
                .add(perk::Column::Status.eq(PerkStatus::Active.as_str()))
                .add(perk::Column::EndsAt.gt(now))
                .add(perk::Column::PartnerId.in_subquery(in_business))
                .add(
                    perk::Column::Id.in_subquery(addressed::<perk_audience::Entity>(scope).await?),
                );
            let mut any = Condition::any().add(addressed_live);
            if let Some(own) = own {
                any = any.add(perk::Column::PartnerId.eq(own));
            }
            query = query.filter(any);
        }
        let page = Keyset::<perk::Entity>::new()
            .desc(perk::Column::Id)
            .fetch(self.db(), query, page)
            .await?;
        Ok((page, own))
    }

    /// Whether the viewer runs each of `partners` (administrator, or acting for it).
    pub async fn runs_partner(&self, scope: &Scope) -> AppResult<Option<Uuid>> {
        self.own_partner(scope).await
    }

    fn check_window(
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        if ends_at <= starts_at {
            return Err(AppError::bad_input(
                "input.endsAt",
                "must be after startsAt",
            ));
        }
        if ends_at <= now {
            return Err(AppError::bad_input("input.endsAt", "must be in the future"));
        }
        Ok(())
    }

    /// Creates a perk for a partner (administrators).
    pub async fn create(&self, scope: &Scope, fields: PerkFields) -> AppResult<perk::Model> {
        guard::require_admin(scope)?;
        let me = scope.require_user()?;
        let now = self.state.clock.now();
        Self::check_window(fields.starts_at, fields.ends_at, now)?;
        if fields.per_resident_limit > fields.total_limit {
            return Err(AppError::bad_input(
                "input.perResidentLimit",
                "must not exceed totalLimit",
            ));
        }
        match (fields.kind, fields.time_bank_minutes) {
            (PerkKind::TimeBankExchange, None) => {
                return Err(AppError::bad_input(
                    "input.timeBankMinutes",
                    "a time-bank exchange names the minutes it costs",
                ));
            }
            (PerkKind::Discount | PerkKind::FreeService, Some(_)) => {
                return Err(AppError::bad_input(
                    "input.timeBankMinutes",
                    "only time-bank exchanges cost minutes",
                ));
            }
            _ => {}
        }
        partner::Entity::find_by_id(fields.partner_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.partnerId", "partner"))?;
        check_targets(self.db(), &fields.audience, None).await?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let model = perk::Model {
            id: Uuid::now_v7(),
            partner_id: fields.partner_id,
            title: fields.title,
            description: fields.description,
            kind: fields.kind.as_str().to_owned(),
            starts_at: fields.starts_at,
            ends_at: fields.ends_at,
            min_volunteer_minutes: fields.min_volunteer_minutes,
            time_bank_minutes: fields.time_bank_minutes,
            total_limit: fields.total_limit,
            per_resident_limit: fields.per_resident_limit,
            claimed: 0,
            redeemed: 0,
            status: PerkStatus::Active.as_str().to_owned(),
            created_by: me,
            created_at: now,
            updated_at: now,
        };
        perk::Entity::insert(perk::ActiveModel::from(model.clone()))
            .exec_without_returning(write.txn())
            .await?;
        write_audience(&mut write, model.id, &fields.audience).await?;
        write.commit().await?;
        Ok(model)
    }

    /// Changes a perk (administrators); a withdrawn one is `INVALID_STATE`.
    pub async fn update(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: PerkChanges,
    ) -> AppResult<perk::Model> {
        guard::require_admin(scope)?;
        let current = perk::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "perk"))?;
        if current.status != PerkStatus::Active.as_str() {
            return Err(AppError::InvalidState("the perk was withdrawn".to_owned()));
        }
        let now = self.state.clock.now();
        let starts_at = changes.starts_at.unwrap_or(current.starts_at);
        let ends_at = changes.ends_at.unwrap_or(current.ends_at);
        Self::check_window(starts_at, ends_at, now)?;
        let total = changes.total_limit.unwrap_or(current.total_limit);
        let per = changes
            .per_resident_limit
            .unwrap_or(current.per_resident_limit);
        if per > total {
            return Err(AppError::bad_input(
                "input.perResidentLimit",
                "must not exceed totalLimit",
            ));
        }
        if let Some(audience) = &changes.audience {
            check_targets(self.db(), audience, None).await?;
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let mut update = perk::Entity::update_many()
            .col_expr(perk::Column::StartsAt, Expr::value(starts_at))
            .col_expr(perk::Column::EndsAt, Expr::value(ends_at))
            .col_expr(perk::Column::TotalLimit, Expr::value(total))
            .col_expr(perk::Column::PerResidentLimit, Expr::value(per))
            .col_expr(perk::Column::UpdatedAt, Expr::value(now))
            .filter(perk::Column::Id.eq(id))
            .filter(perk::Column::Status.eq(PerkStatus::Active.as_str()))
            // The total never drops below the claims already made (read in this statement).
            .filter(perk::Column::Claimed.lte(total));
        if let Some(title) = changes.title {
            update = update.col_expr(perk::Column::Title, Expr::value(title));
        }
        if let Some(description) = changes.description {
            update = update.col_expr(perk::Column::Description, Expr::value(description));
        }
        if let Some(minutes) = changes.min_volunteer_minutes {
            update = update.col_expr(perk::Column::MinVolunteerMinutes, Expr::value(minutes));
        }
        if update.exec(write.txn()).await?.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "totalLimit is below the claims already made, or the perk was withdrawn".to_owned(),
            ));
        }
        if let Some(audience) = &changes.audience {
            perk_audience::Entity::delete_many()
                .filter(perk_audience::Column::PerkId.eq(id))
                .exec(write.txn())
                .await?;
            write_audience(&mut write, id, audience).await?;
        }
        let model = perk::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("perk"))?;
        write.commit().await?;
        Ok(model)
    }

    /// Withdraws a perk (administrators): no more claims, its outstanding codes are refused.
    pub async fn withdraw(&self, scope: &Scope, id: Uuid) -> AppResult<perk::Model> {
        guard::require_admin(scope)?;
        perk::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "perk"))?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let done = perk::Entity::update_many()
            .col_expr(
                perk::Column::Status,
                Expr::value(PerkStatus::Withdrawn.as_str()),
            )
            .col_expr(perk::Column::UpdatedAt, Expr::value(now))
            .filter(perk::Column::Id.eq(id))
            .filter(perk::Column::Status.eq(PerkStatus::Active.as_str()))
            .exec(write.txn())
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "the perk was already withdrawn".to_owned(),
            ));
        }
        let model = perk::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or(AppError::NotFound("perk"))?;
        write.commit().await?;
        Ok(model)
    }

    /// Volunteer minutes `user` has earned in the time bank (verified hours, whatever was
    /// spent or given since).
    pub async fn earned_minutes(&self, user: Uuid) -> AppResult<i64> {
        let minutes: Vec<i32> = time_bank_entry::Entity::find()
            .select_only()
            .column(time_bank_entry::Column::Minutes)
            .filter(time_bank_entry::Column::UserId.eq(user))
            .filter(time_bank_entry::Column::Kind.eq(TimeBankKind::Earned.as_str()))
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(minutes.into_iter().map(i64::from).sum())
    }

    /// A resident claims a perk addressed to them: a one-time code, within the limits.
    pub async fn claim(&self, scope: &Scope, perk_id: Uuid) -> AppResult<perk_redemption::Model> {
        let me = scope.require_user()?;
        guard::require_any(scope, &[Role::Resident])
            .map_err(|_| AppError::Forbidden("only residents claim perks".to_owned()))?;
        let model = perk::Entity::find_by_id(perk_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.perkId", "perk"))?;
        let now = self.state.clock.now();
        // As a member of its audience: administrators and merchants claim like anyone else.
        let partner_ok = partner::Entity::find_by_id(model.partner_id)
            .one(self.db())
            .await?
            .is_some_and(|p| in_business(&p, now));
        let addressed = live(&model, now)
            && partner_ok
            && Self::audience_of(self.db(), model.id)
                .await?
                .includes(scope)
                .await?;
        if !addressed {
            return Err(AppError::unknown_id("input.perkId", "perk"));
        }
        if now < model.starts_at {
            return Err(AppError::InvalidState(
                "the perk cannot be claimed yet".to_owned(),
            ));
        }
        if model.min_volunteer_minutes > 0
            && self.earned_minutes(me).await? < i64::from(model.min_volunteer_minutes)
        {
            return Err(AppError::Forbidden(format!(
                "this perk is for residents who have volunteered at least {} hours",
                f64::from(model.min_volunteer_minutes) / 60.0
            )));
        }
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let taken = perk::Entity::update_many()
            .col_expr(
                perk::Column::Claimed,
                Expr::col(perk::Column::Claimed).add(1),
            )
            .col_expr(perk::Column::UpdatedAt, Expr::value(now))
            .filter(perk::Column::Id.eq(perk_id))
            .filter(perk::Column::Status.eq(PerkStatus::Active.as_str()))
            .filter(perk::Column::StartsAt.lte(now))
            .filter(perk::Column::EndsAt.gt(now))
            .filter(Expr::col(perk::Column::Claimed).lt(Expr::col(perk::Column::TotalLimit)))
            .exec(write.txn())
            .await?;
        if taken.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "every code of this perk has been claimed".to_owned(),
            ));
        }
        perk_claim::Entity::insert(perk_claim::ActiveModel {
            perk_id: Set(perk_id),
            user_id: Set(me),
            claims: Set(0),
        })
        .on_conflict(
            OnConflict::columns([perk_claim::Column::PerkId, perk_claim::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        let mine = perk_claim::Entity::update_many()
            .col_expr(
                perk_claim::Column::Claims,
                Expr::col(perk_claim::Column::Claims).add(1),
            )
            .filter(perk_claim::Column::PerkId.eq(perk_id))
            .filter(perk_claim::Column::UserId.eq(me))
            .filter(perk_claim::Column::Claims.lt(model.per_resident_limit))
            .exec(write.txn())
            .await?;
        if mine.rows_affected != 1 {
            return Err(AppError::InvalidState(format!(
                "you have claimed this perk the most times allowed ({})",
                model.per_resident_limit
            )));
        }
        let cost = match PerkKind::parse(&model.kind) {
            Some(PerkKind::TimeBankExchange) => model.time_bank_minutes.unwrap_or(0),
            _ => 0,
        };
        if cost > 0 {
            let balance = debit(write.txn(), me, cost, now).await?.ok_or_else(|| {
                AppError::InvalidState(format!(
                    "your time bank holds fewer than the {cost} minutes this perk costs"
                ))
            })?;
            time_bank_entry::Entity::insert(time_bank_entry::ActiveModel::from(
                time_bank_entry::Model {
                    id: Uuid::now_v7(),
                    user_id: me,
                    kind: TimeBankKind::Redeemed.as_str().to_owned(),
                    minutes: -cost,
                    balance_after: balance,
                    counterpart_id: None,
                    sign_up_id: None,
                    reference: Some(format!("perk:{perk_id}")),
                    note: Some(model.title.clone()),
                    created_by: me,
                    created_at: now,
                },
            ))
            .exec_without_returning(write.txn())
            .await?;
        }
        let redemption = perk_redemption::Model {
            id: Uuid::now_v7(),
            perk_id,
            partner_id: model.partner_id,
            user_id: me,
            code: new_code(),
            status: PerkRedemptionStatus::Issued.as_str().to_owned(),
            time_bank_minutes: cost,
            claimed_at: now,
            expires_at: Ord::min(model.ends_at, now + Duration::days(CODE_VALID_DAYS)),
            redeemed_at: None,
            redeemed_by: None,
        };
        perk_redemption::Entity::insert(perk_redemption::ActiveModel::from(redemption.clone()))
            .exec_without_returning(write.txn())
            .await?;
        write.commit().await?;
        Ok(redemption)
    }

    /// A MERCHANT member of the perk's partner redeems a code: once (`CONFLICT` after), not
    /// past its expiry or the perk's window (`INVALID_STATE`); another partner's code is
    /// `NOT_FOUND`. The resident is told.
    pub async fn redeem(
        &self,
        scope: &Scope,
        code: &str,
    ) -> AppResult<(perk_redemption::Model, perk::Model)> {
        let me = scope.require_user()?;
        let Some(own) = self.own_partner(scope).await? else {
            return Err(AppError::Forbidden(
                "only a partner's merchants redeem codes".to_owned(),
            ));
        };
        let not_found = || AppError::unknown_id("input.code", "perk code");
        let redemption = perk_redemption::Entity::find()
            .filter(perk_redemption::Column::Code.eq(code))
            .one(self.db())
            .await?
            .filter(|r| r.partner_id == own)
            .ok_or_else(not_found)?;
        let model = perk::Entity::find_by_id(redemption.perk_id)
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        if redemption.status == PerkRedemptionStatus::Redeemed.as_str() {
            return Err(AppError::Conflict {
                field: Some("input.code".to_owned()),
                message: "this code was already redeemed".to_owned(),
            });
        }
        let now = self.state.clock.now();
        if now >= redemption.expires_at || !live(&model, now) {
            return Err(AppError::InvalidState("this code has expired".to_owned()));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let done = perk_redemption::Entity::update_many()
            .col_expr(
                perk_redemption::Column::Status,
                Expr::value(PerkRedemptionStatus::Redeemed.as_str()),
            )
            .col_expr(perk_redemption::Column::RedeemedAt, Expr::value(now))
            .col_expr(perk_redemption::Column::RedeemedBy, Expr::value(me))
            .filter(perk_redemption::Column::Id.eq(redemption.id))
            .filter(perk_redemption::Column::Status.eq(PerkRedemptionStatus::Issued.as_str()))
            .filter(perk_redemption::Column::ExpiresAt.gt(now))
            .exec(write.txn())
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: Some("input.code".to_owned()),
                message: "this code was already redeemed".to_owned(),
            });
        }
        perk::Entity::update_many()
            .col_expr(
                perk::Column::Redeemed,
                Expr::col(perk::Column::Redeemed).add(1),
            )
            .filter(perk::Column::Id.eq(model.id))
            .exec(write.txn())
            .await?;
        Notifier::notify(
            &mut write,
            [redemption.user_id],
            &Draft {
                category: NotificationCategory::Partner,
                priority: NotificationPriority::Normal,
                kind: "PERK_REDEEMED".to_owned(),
                title: format!("Your code for “{}” was redeemed", model.title),
                text: "The partner has accepted your code; it cannot be used again.".to_owned(),
                subject: SubjectRef {
                    kind: SUBJECT,
                    id: redemption.id,
                },
            },
        )
        .await?;
        let after = perk_redemption::Entity::find_by_id(redemption.id)
            .one(write.txn())
            .await?
            .ok_or_else(not_found)?;
        write.commit().await?;
        Ok((after, model))
    }

    /// The viewer's own redemptions, newest first.
    pub async fn mine(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<perk_redemption::Model>> {
        let me = scope.require_user()?;
        Keyset::<perk_redemption::Entity>::new()
            .desc(perk_redemption::Column::Id)
            .fetch(
                self.db(),
                perk_redemption::Entity::find().filter(perk_redemption::Column::UserId.eq(me)),
                page,
            )
            .await
    }

    /// A perk the viewer runs (administrator, or its partner's merchant); `NOT_FOUND` on
    /// `field` otherwise.
    async fn run_perk(&self, scope: &Scope, id: Uuid, field: &str) -> AppResult<perk::Model> {
        let model = perk::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id(field, "perk"))?;
        if scope.admin || self.own_partner(scope).await? == Some(model.partner_id) {
            Ok(model)
        } else {
            Err(AppError::unknown_id(field, "perk"))
        }
    }

    /// The redemptions of a perk, newest first (administrators and its partner's merchants).
    pub async fn of_perk(
        &self,
        scope: &Scope,
        perk_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<(perk::Model, Page<perk_redemption::Model>)> {
        let model = self.run_perk(scope, perk_id, "perkId").await?;
        let page = Keyset::<perk_redemption::Entity>::new()
            .desc(perk_redemption::Column::Id)
            .fetch(
                self.db(),
                perk_redemption::Entity::find().filter(perk_redemption::Column::PerkId.eq(perk_id)),
                page,
            )
            .await?;
        Ok((model, page))
    }

    /// The redemptions among `ids` the viewer may see (node, notification subjects), each with
    /// its perk, whether the viewer claimed it, and whether they run its perk.
    pub async fn redemptions_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<Vec<(perk_redemption::Model, bool, bool, bool)>> {
        let me = scope.require_user()?;
        let own = self.own_partner(scope).await?;
        let rows = perk_redemption::Entity::find()
            .filter(perk_redemption::Column::Id.is_in(ids))
            .all(self.db())
            .await?;
        let perk_ids: HashSet<Uuid> = rows.iter().map(|r| r.perk_id).collect();
        let perks: HashMap<Uuid, perk::Model> = perk::Entity::find()
            .filter(perk::Column::Id.is_in(perk_ids))
            .all(self.db())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let now = self.state.clock.now();
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let own_row = row.user_id == me;
                let runs = scope.admin || own == Some(row.partner_id);
                let live = perks.get(&row.perk_id).is_some_and(|p| live(p, now));
                (own_row || runs).then_some((row, live, own_row, runs))
            })
            .collect())
    }

    /// Whether each of `perks` is live now (for redemption statuses).
    pub async fn live_among(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<HashSet<Uuid>> {
        let now = self.state.clock.now();
        Ok(perk::Entity::find()
            .filter(perk::Column::Id.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|p| live(p, now))
            .map(|p| p.id)
            .collect())
    }

    /// Usage of a perk (administrators): codes claimed, redeemed, expired and outstanding,
    /// residents who claimed, by week.
    pub async fn statistics(&self, scope: &Scope, perk_id: Uuid) -> AppResult<PerkUsage> {
        guard::require_admin(scope)?;
        let model = perk::Entity::find_by_id(perk_id)
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id("perkId", "perk"))?;
        let rows = perk_redemption::Entity::find()
            .filter(perk_redemption::Column::PerkId.eq(perk_id))
            .all(self.db())
            .await?;
        let now = self.state.clock.now();
        let live = live(&model, now);
        let mut usage = PerkUsage::default();
        let mut residents = HashSet::new();
        for row in &rows {
            usage.claimed += 1;
            residents.insert(row.user_id);
            usage.weeks.entry(week_start(row.claimed_at)).or_default().0 += 1;
            if row.status == PerkRedemptionStatus::Redeemed.as_str() {
                usage.redeemed += 1;
                if let Some(at) = row.redeemed_at {
                    usage.weeks.entry(week_start(at)).or_default().1 += 1;
                }
            } else if now >= row.expires_at || !live {
                usage.expired += 1;
            } else {
                usage.outstanding += 1;
            }
        }
        usage.unique_residents = residents.len() as i32;
        Ok(usage)
    }
}

/// What [`PerkService::statistics`] counts.
#[derive(Clone, Debug, Default)]
pub struct PerkUsage {
    /// Codes claimed.
    pub claimed: i32,
    /// Codes redeemed.
    pub redeemed: i32,
    /// Codes expired unused.
    pub expired: i32,
    /// Codes still usable.
    pub outstanding: i32,
    /// Residents who claimed.
    pub unique_residents: i32,
    /// (claimed, redeemed) by the Monday starting the week.
    pub weeks: BTreeMap<NaiveDate, (i32, i32)>,
}

async fn write_audience(
    write: &mut Write<'_>,
    perk_id: Uuid,
    audience: &Audience,
) -> AppResult<()> {
    let rows: Vec<perk_audience::ActiveModel> = audience
        .targets()
        .into_iter()
        .map(|t| perk_audience::ActiveModel {
            id: Set(Uuid::now_v7()),
            perk_id: Set(perk_id),
            scope: Set(t.scope.to_owned()),
            building_id: Set(t.building_id),
            floor: Set(t.floor),
            unit_id: Set(t.unit_id),
            role: Set(t.role),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    perk_audience::Entity::insert_many(rows)
        .exec_without_returning(write.txn())
        .await?;
    Ok(())
}
