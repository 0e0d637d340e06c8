//! Partner and perk enums and GraphQL types.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::facts::in_business;
use crate::{
    domains::{
        estate::{loaders::BuildingById, types::Building},
        identity::loaders::UserById,
    },
    graphql::{
        ContextExt,
        loaders::{ByColumn, ById, ColumnKey},
        scalars::Date,
    },
    text_enum,
};
use entity::{partner, partner_building, partner_member, perk, perk_redemption};

text_enum! {
    /// What kind of partner.
    pub enum PartnerKind {
        /// A shop.
        Shop => "SHOP",
        /// A restaurant or café.
        Restaurant => "RESTAURANT",
        /// A clinic.
        Clinic => "CLINIC",
        /// A pharmacy.
        Pharmacy => "PHARMACY",
        /// A school or training centre.
        School => "SCHOOL",
        /// A care agency (child or elder care).
        CareAgency => "CARE_AGENCY",
        /// A pet service.
        PetService => "PET_SERVICE",
        /// Anything else.
        Other => "OTHER",
    }
}

text_enum! {
    /// Where a partnership stands.
    pub enum PartnerStatus {
        /// In business with the estate (while its contract runs).
        Active => "ACTIVE",
        /// Paused: its perks cannot be claimed.
        Suspended => "SUSPENDED",
        /// Over.
        Ended => "ENDED",
    }
}

text_enum! {
    /// What a perk gives.
    pub enum PerkKind {
        /// A discount.
        Discount => "DISCOUNT",
        /// A free service.
        FreeService => "FREE_SERVICE",
        /// A service paid with time-bank hours (the claim debits them).
        TimeBankExchange => "TIME_BANK_EXCHANGE",
    }
}

text_enum! {
    /// Whether a perk is offered.
    pub enum PerkStatus {
        /// Offered (within its window).
        Active => "ACTIVE",
        /// Taken back: no more claims, its codes are refused.
        Withdrawn => "WITHDRAWN",
    }
}

text_enum! {
    /// Where a redemption code stands.
    pub enum PerkRedemptionStatus {
        /// Claimed, not yet used.
        Issued => "ISSUED",
        /// Used at the partner.
        Redeemed => "REDEEMED",
        /// Past its expiry (or the perk's window) unused, or its perk was withdrawn.
        Expired => "EXPIRED",
    }
}

pub(crate) fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

/// The buildings a partner serves, by partner.
pub struct BuildingsByPartner;

impl ColumnKey for BuildingsByPartner {
    type Entity = partner_building::Entity;
    const COLUMN: partner_building::Column = partner_building::Column::PartnerId;
}

/// The members of a partner, by partner.
pub struct MembersByPartner;

impl ColumnKey for MembersByPartner {
    type Entity = partner_member::Entity;
    const COLUMN: partner_member::Column = partner_member::Column::PartnerId;
}

/// A merchant or institution partner.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Partner {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PartnerKind,
    /// What it offers.
    pub description: String,
    /// Status.
    pub status: PartnerStatus,
    /// Contract start.
    pub contract_from: DateTime<Utc>,
    /// Contract end (open-ended when null).
    pub contract_until: Option<DateTime<Utc>>,
    /// Active and under contract now.
    pub in_business: bool,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// The partner id.
    #[graphql(skip)]
    pub uuid: Uuid,
    /// Whether the viewer may see its members (administrators, its own members).
    #[graphql(skip)]
    pub sees_members: bool,
}

impl Partner {
    /// The type of `model`, judged at `now`.
    pub fn new(model: partner::Model, now: DateTime<Utc>, sees_members: bool) -> Partner {
        Partner {
            id: id_of(model.id),
            in_business: in_business(&model, now),
            kind: PartnerKind::parse(&model.kind).unwrap_or(PartnerKind::Other),
            status: PartnerStatus::parse(&model.status).unwrap_or(PartnerStatus::Ended),
            name: model.name,
            description: model.description,
            contract_from: model.contract_from,
            contract_until: model.contract_until,
            contact_name: model.contact_name,
            contact_phone: model.contact_phone,
            contact_email: model.contact_email,
            uuid: model.id,
            sees_members,
        }
    }
}

/// A user who acts for a partner.
#[derive(SimpleObject, Clone)]
pub struct PartnerMember {
    /// The user.
    pub user_id: ID,
    /// Their display name.
    pub display_name: String,
    /// Member since.
    pub since: DateTime<Utc>,
}

#[ComplexObject]
impl Partner {
    /// The buildings it serves, by name.
    async fn buildings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Building>> {
        let loaders = ctx.loaders()?;
        let rows = loaders
            .load_one::<ByColumn<BuildingsByPartner>>(self.uuid)
            .await?
            .unwrap_or_default();
        let found = loaders
            .get::<BuildingById>()
            .load_many(rows.iter().map(|r| r.building_id))
            .await?;
        let mut buildings: Vec<Building> = found.into_values().map(Building::from).collect();
        buildings.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(buildings)
    }

    /// The users who act for it; null unless you are an administrator or one of them.
    async fn members(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<PartnerMember>>> {
        if !self.sees_members {
            return Ok(None);
        }
        let loaders = ctx.loaders()?;
        let rows = loaders
            .load_one::<ByColumn<MembersByPartner>>(self.uuid)
            .await?
            .unwrap_or_default();
        let users = loaders
            .get::<UserById>()
            .load_many(rows.iter().map(|r| r.user_id))
            .await?;
        let mut members: Vec<PartnerMember> = rows
            .into_iter()
            .map(|row| PartnerMember {
                user_id: id_of(row.user_id),
                display_name: users
                    .get(&row.user_id)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default(),
                since: row.created_at,
            })
            .collect();
        members.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(Some(members))
    }
}

/// A perk a partner offers residents.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Perk {
    /// Id.
    pub id: ID,
    /// The partner offering it.
    pub partner_id: ID,
    /// Title.
    pub title: String,
    /// What you get.
    pub description: String,
    /// Kind.
    pub kind: PerkKind,
    /// Status.
    pub status: PerkStatus,
    /// Claimable from.
    pub starts_at: DateTime<Utc>,
    /// Claimable and redeemable until.
    pub ends_at: DateTime<Utc>,
    /// Whether it can be claimed now (active, in its window, places left).
    pub open: bool,
    /// Volunteer hours a resident must have earned in the time bank to claim it (0: none).
    pub min_volunteer_hours: f64,
    /// Time-bank minutes a claim costs (time-bank exchanges only).
    pub time_bank_minutes: Option<i32>,
    /// Most claims in all.
    pub total_limit: i32,
    /// Most claims per resident.
    pub per_resident_limit: i32,
    /// Claims so far.
    pub claimed: i32,
    /// Claims left.
    pub remaining: i32,
    /// The partner id.
    #[graphql(skip)]
    pub partner_uuid: Uuid,
    /// Codes redeemed.
    #[graphql(skip)]
    pub redeemed_count: i32,
    /// The viewer administers the perk or acts for its partner.
    #[graphql(skip)]
    pub runs: bool,
}

impl Perk {
    /// The type of `model` at `now`; `runs`: the viewer administers it or acts for its partner.
    pub fn new(model: perk::Model, now: DateTime<Utc>, runs: bool) -> Perk {
        let open = model.status == PerkStatus::Active.as_str()
            && model.starts_at <= now
            && now < model.ends_at
            && model.claimed < model.total_limit;
        Perk {
            id: id_of(model.id),
            partner_id: id_of(model.partner_id),
            kind: PerkKind::parse(&model.kind).unwrap_or(PerkKind::Discount),
            status: PerkStatus::parse(&model.status).unwrap_or(PerkStatus::Withdrawn),
            title: model.title,
            description: model.description,
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            open,
            min_volunteer_hours: f64::from(model.min_volunteer_minutes) / 60.0,
            time_bank_minutes: model.time_bank_minutes,
            total_limit: model.total_limit,
            per_resident_limit: model.per_resident_limit,
            claimed: model.claimed,
            remaining: (model.total_limit - model.claimed).max(0),
            partner_uuid: model.partner_id,
            redeemed_count: model.redeemed,
            runs,
        }
    }
}

#[ComplexObject]
impl Perk {
    /// The partner's name.
    async fn partner_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(ctx
            .loaders()?
            .load_one::<ById<partner::Entity>>(self.partner_uuid)
            .await?
            .map(|p| p.name)
            .unwrap_or_default())
    }

    /// Codes redeemed so far; null unless you administer it or act for its partner.
    async fn redeemed(&self) -> Option<i32> {
        self.runs.then_some(self.redeemed_count)
    }
}

/// A claimed perk: the code and what became of it. Carries the resident's display name only.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct PerkRedemption {
    /// Id.
    pub id: ID,
    /// The one-time code to show the partner; only to the resident who claimed it (null to
    /// others).
    pub code: Option<String>,
    /// Status (expiry judged now).
    pub status: PerkRedemptionStatus,
    /// Time-bank minutes the claim took.
    pub time_bank_minutes: i32,
    /// Claimed at.
    pub claimed_at: DateTime<Utc>,
    /// The code is refused from then on.
    pub expires_at: DateTime<Utc>,
    /// Redeemed at.
    pub redeemed_at: Option<DateTime<Utc>>,
    /// The perk id.
    #[graphql(skip)]
    pub perk_uuid: Uuid,
    /// The resident (never shown).
    #[graphql(skip)]
    pub user_uuid: Uuid,
    /// The viewer administers the perk or acts for its partner.
    #[graphql(skip)]
    pub runs: bool,
}

impl PerkRedemption {
    /// The type of `model` at `now`; `own`: the viewer claimed it (sees the code); `runs`: the
    /// viewer administers the perk or acts for its partner.
    pub fn new(
        model: perk_redemption::Model,
        perk_live: bool,
        now: DateTime<Utc>,
        own: bool,
        runs: bool,
    ) -> PerkRedemption {
        let status = if model.status == PerkRedemptionStatus::Redeemed.as_str() {
            PerkRedemptionStatus::Redeemed
        } else if now >= model.expires_at || !perk_live {
            PerkRedemptionStatus::Expired
        } else {
            PerkRedemptionStatus::Issued
        };
        PerkRedemption {
            id: id_of(model.id),
            code: own.then_some(model.code),
            status,
            time_bank_minutes: model.time_bank_minutes,
            claimed_at: model.claimed_at,
            expires_at: model.expires_at,
            redeemed_at: model.redeemed_at,
            perk_uuid: model.perk_id,
            user_uuid: model.user_id,
            runs,
        }
    }
}

#[ComplexObject]
impl PerkRedemption {
    /// The perk claimed.
    async fn perk(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Perk>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<perk::Entity>>(self.perk_uuid)
            .await?;
        let now = ctx.state().clock.now();
        Ok(found.map(|model| Perk::new(model, now, self.runs)))
    }

    /// The display name of the resident who claimed it (nothing else about them is shown).
    async fn resident_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(ctx
            .loaders()?
            .load_one::<UserById>(self.user_uuid)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default())
    }
}

/// Claims and redemptions of one week (weeks start on Monday, UTC).
#[derive(SimpleObject, Clone)]
pub struct PerkWeekUsage {
    /// The Monday the week starts on.
    pub week_start: Date,
    /// Codes claimed that week.
    pub claimed: i32,
    /// Codes redeemed that week.
    pub redeemed: i32,
}

/// Usage of one perk, for administrators.
#[derive(SimpleObject, Clone)]
pub struct PerkStatistics {
    /// The perk.
    pub perk_id: ID,
    /// Codes claimed.
    pub claimed: i32,
    /// Codes redeemed.
    pub redeemed: i32,
    /// Codes that expired unused.
    pub expired: i32,
    /// Codes still usable.
    pub outstanding: i32,
    /// Residents who claimed at least once.
    pub unique_residents: i32,
    /// By week, oldest first (weeks with no claim and no redemption left out).
    pub by_week: Vec<PerkWeekUsage>,
}
