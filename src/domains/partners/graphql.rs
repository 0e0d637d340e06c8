//! GraphQL surface of partners and perks.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    perks::{MAX_TOTAL_LIMIT, PerkChanges, PerkFields, PerkService, normalise_code, well_formed},
    service::{PartnerChanges, PartnerFields, PartnerFilter, PartnerService},
    types::{
        Partner, PartnerKind, PartnerStatus, Perk, PerkKind, PerkRedemption, PerkStatistics,
        PerkWeekUsage, id_of,
    },
};
use crate::{
    domains::notices::graphql::NoticeAudienceInput,
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_ids, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        text::Text,
    },
};

/// Longest name or title.
const MAX_NAME: usize = 200;
/// Longest description.
const MAX_DESCRIPTION: usize = 4000;
/// Most volunteer hours a perk may ask for.
const MAX_HOURS: i32 = 10_000;
/// Most time-bank minutes a perk may cost.
const MAX_COST: i32 = 100_000;

fn text<const MAX: usize>(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<MAX>::parse(field, raw)?.into_inner())
}

fn opt_text<const MAX: usize>(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    Ok(Text::<MAX>::parse_opt(field, raw)?.map(Text::into_inner))
}

fn change_text<const MAX: usize>(
    field: &str,
    raw: MaybeUndefined<String>,
) -> AppResult<Option<Option<String>>> {
    Ok(Text::<MAX>::parse_change(field, raw)?.map(|v| v.map(Text::into_inner)))
}

fn in_range(field: &str, value: i32, min: i32, max: i32) -> AppResult<i32> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_input(
            field,
            format!("must be between {min} and {max}"),
        ))
    }
}

/// Input of `createPartner`.
#[derive(InputObject)]
pub struct CreatePartnerInput {
    /// Name (1–200 characters, unique).
    pub name: String,
    /// Kind.
    pub kind: PartnerKind,
    /// What it offers (1–4000 characters).
    pub description: String,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Contract start; now when left out.
    pub contract_from: Option<DateTime<Utc>>,
    /// Contract end (after the start); open-ended when left out.
    pub contract_until: Option<DateTime<Utc>>,
    /// The buildings it serves.
    pub building_ids: Option<Vec<ID>>,
}

/// Input of `updatePartner`: fields left out stay.
#[derive(InputObject)]
pub struct UpdatePartnerInput {
    /// The partner.
    pub id: ID,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Status (`ACTIVE`, `SUSPENDED`, `ENDED`).
    pub status: Option<PartnerStatus>,
    /// Contact person (`null` clears it).
    pub contact_name: MaybeUndefined<String>,
    /// Contact phone (`null` clears it).
    pub contact_phone: MaybeUndefined<String>,
    /// Contact email (`null` clears it).
    pub contact_email: MaybeUndefined<String>,
    /// Contract start.
    pub contract_from: Option<DateTime<Utc>>,
    /// Contract end (`null`: open-ended).
    pub contract_until: MaybeUndefined<DateTime<Utc>>,
    /// The buildings it serves (replaces them all).
    pub building_ids: Option<Vec<ID>>,
}

/// Input of `addPartnerMember` and `removePartnerMember`.
#[derive(InputObject)]
pub struct PartnerMemberInput {
    /// The partner.
    pub partner_id: ID,
    /// The user (holding the MERCHANT role).
    pub user_id: ID,
}

/// Filter of `partners`.
#[derive(InputObject, Default)]
pub struct PartnerFilterInput {
    /// Only this kind.
    pub kind: Option<PartnerKind>,
    /// Only this status.
    pub status: Option<PartnerStatus>,
    /// Only partners serving this building.
    pub building_id: Option<ID>,
}

/// Input of `createPerk`.
#[derive(InputObject)]
pub struct CreatePerkInput {
    /// The partner offering it.
    pub partner_id: ID,
    /// Title (1–200 characters).
    pub title: String,
    /// What the resident gets (1–4000 characters).
    pub description: String,
    /// Kind.
    pub kind: PerkKind,
    /// Claimable from; now when left out.
    pub starts_at: Option<DateTime<Utc>>,
    /// Claimable and redeemable until (in the future, after the start).
    pub ends_at: DateTime<Utc>,
    /// Who it is for (the notices' audience model).
    pub audience: NoticeAudienceInput,
    /// Volunteer hours a resident must have earned to claim it (0–10,000; 0 when left out).
    pub min_volunteer_hours: Option<i32>,
    /// Time-bank minutes a claim costs (1–100,000; time-bank exchanges only, and required there).
    pub time_bank_minutes: Option<i32>,
    /// Most claims in all (1–10,000).
    pub total_limit: i32,
    /// Most claims per resident (1 to the total); 1 when left out.
    pub per_resident_limit: Option<i32>,
}

/// Input of `updatePerk`: fields left out stay.
#[derive(InputObject)]
pub struct UpdatePerkInput {
    /// The perk.
    pub id: ID,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Window start.
    pub starts_at: Option<DateTime<Utc>>,
    /// Window end.
    pub ends_at: Option<DateTime<Utc>>,
    /// Volunteer hours needed.
    pub min_volunteer_hours: Option<i32>,
    /// Most claims in all (not below the claims made).
    pub total_limit: Option<i32>,
    /// Most claims per resident.
    pub per_resident_limit: Option<i32>,
    /// Who it is for (replaces the audience).
    pub audience: Option<NoticeAudienceInput>,
}

/// Input naming one perk.
#[derive(InputObject)]
pub struct PerkIdInput {
    /// The perk.
    pub id: ID,
}

/// Input of `claimPerk`.
#[derive(InputObject)]
pub struct ClaimPerkInput {
    /// The perk.
    pub perk_id: ID,
}

/// Input of `redeemPerkCode`.
#[derive(InputObject)]
pub struct RedeemPerkCodeInput {
    /// The code the resident shows (case, spaces and dashes do not matter).
    pub code: String,
}

/// Result of a change to a partner.
#[derive(SimpleObject)]
pub struct PartnerPayload {
    /// The partner after the change.
    pub partner: Partner,
}

/// Result of a change to a perk.
#[derive(SimpleObject)]
pub struct PerkPayload {
    /// The perk after the change.
    pub perk: Perk,
}

/// Result of `claimPerk` and `redeemPerkCode`.
#[derive(SimpleObject)]
pub struct PerkRedemptionPayload {
    /// The redemption (its code only to the resident who claimed it).
    pub redemption: PerkRedemption,
}

/// Partner and perk queries.
#[derive(Default)]
pub struct PartnerQuery;

#[Object]
impl PartnerQuery {
    /// The partners you may see, by name: administrators all, managers those serving their
    /// buildings (read-only), merchants their own.
    async fn partners(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<PartnerFilterInput>,
    ) -> async_graphql::Result<CountedConnection<Partner>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let building_id = parse_opt_id("filter.buildingId", filter.building_id.as_ref())?;
        let scope = ctx.scope().await?;
        let (page, view) = PartnerService::new(ctx.state())
            .list(
                scope,
                PartnerFilter {
                    kind: filter.kind,
                    status: filter.status,
                    building_id,
                },
                &page,
            )
            .await?;
        let now = ctx.state().clock.now();
        Ok(page.into_counted_connection(|m| {
            let members = view.sees_members(m.id);
            Partner::new(m, now, members)
        }))
    }

    /// One partner you may see.
    async fn partner(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Partner> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, members) = PartnerService::new(ctx.state()).get(scope, id).await?;
        Ok(Partner::new(model, ctx.state().clock.now(), members))
    }

    /// The partner you act for (MERCHANT members), or null.
    async fn my_partner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Partner>> {
        let scope = ctx.scope().await?;
        let now = ctx.state().clock.now();
        Ok(PartnerService::new(ctx.state())
            .mine(scope)
            .await?
            .map(|m| Partner::new(m, now, true)))
    }

    /// The perks you may see, newest first: residents those addressed to them (active, not
    /// ended, of a partner in business), merchants also their partner's, administrators all.
    async fn perks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Perk>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let (page, own) = PerkService::new(ctx.state()).list(scope, &page).await?;
        let now = ctx.state().clock.now();
        let admin = scope.admin;
        Ok(page.into_counted_connection(|m| {
            let runs = admin || own == Some(m.partner_id);
            Perk::new(m, now, runs)
        }))
    }

    /// One perk you may see.
    async fn perk(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Perk> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, rel) = PerkService::new(ctx.state()).get(scope, id).await?;
        Ok(Perk::new(model, ctx.state().clock.now(), rel.runs))
    }

    /// The perks you claimed, with their codes, newest first.
    async fn my_perk_redemptions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<PerkRedemption>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let service = PerkService::new(ctx.state());
        let page = service.mine(scope, &page).await?;
        let live = service
            .live_among(page.items.iter().map(|r| r.perk_id))
            .await?;
        let now = ctx.state().clock.now();
        Ok(page.into_counted_connection(|m| {
            let is_live = live.contains(&m.perk_id);
            PerkRedemption::new(m, is_live, now, true, false)
        }))
    }

    /// The redemptions of a perk, newest first: administrators and the partner's merchants
    /// (residents by display name only).
    async fn perk_redemptions(
        &self,
        ctx: &Context<'_>,
        perk_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<PerkRedemption>> {
        let perk_id = parse_id("perkId", &perk_id)?;
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let (perk, page) = PerkService::new(ctx.state())
            .of_perk(scope, perk_id, &page)
            .await?;
        let now = ctx.state().clock.now();
        let live = super::perks::live(&perk, now);
        Ok(page.into_counted_connection(|m| PerkRedemption::new(m, live, now, false, true)))
    }

    /// Usage of a perk (administrators).
    async fn perk_statistics(
        &self,
        ctx: &Context<'_>,
        perk_id: ID,
    ) -> async_graphql::Result<PerkStatistics> {
        let id = parse_id("perkId", &perk_id)?;
        let scope = ctx.scope().await?;
        let usage = PerkService::new(ctx.state()).statistics(scope, id).await?;
        Ok(PerkStatistics {
            perk_id: id_of(id),
            claimed: usage.claimed,
            redeemed: usage.redeemed,
            expired: usage.expired,
            outstanding: usage.outstanding,
            unique_residents: usage.unique_residents,
            by_week: usage
                .weeks
                .into_iter()
                .map(|(week, (claimed, redeemed))| PerkWeekUsage {
                    week_start: week.into(),
                    claimed,
                    redeemed,
                })
                .collect(),
        })
    }
}

/// Partner and perk mutations.
#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Registers a partner (administrators).
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        input: CreatePartnerInput,
    ) -> async_graphql::Result<PartnerPayload> {
        let mut check = Checks::new();
        let name = check.field(text::<MAX_NAME>("input.name", &input.name));
        let description = check.field(text::<MAX_DESCRIPTION>(
            "input.description",
            &input.description,
        ));
        let contact_name = check.field(opt_text::<200>(
            "input.contactName",
            input.contact_name.as_deref(),
        ));
        let contact_phone = check.field(opt_text::<64>(
            "input.contactPhone",
            input.contact_phone.as_deref(),
        ));
        let contact_email = check.field(opt_text::<320>(
            "input.contactEmail",
            input.contact_email.as_deref(),
        ));
        let buildings = check.field(parse_ids(
            "input.buildingIds",
            &input.building_ids.unwrap_or_default(),
        ));
        let now = ctx.state().clock.now();
        let fields = check.finish(|| {
            Some(PartnerFields {
                name: name?,
                kind: input.kind,
                description: description?,
                contact_name: contact_name?,
                contact_phone: contact_phone?,
                contact_email: contact_email?,
                contract_from: input.contract_from.unwrap_or(now),
                contract_until: input.contract_until,
                building_ids: buildings?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = PartnerService::new(ctx.state())
            .create(scope, fields)
            .await?;
        Ok(PartnerPayload {
            partner: Partner::new(model, ctx.state().clock.now(), true),
        })
    }

    /// Changes a partner: status, contract, buildings served, contact (administrators).
    async fn update_partner(
        &self,
        ctx: &Context<'_>,
        input: UpdatePartnerInput,
    ) -> async_graphql::Result<PartnerPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let name = check.field(
            input
                .name
                .as_deref()
                .map(|n| text::<MAX_NAME>("input.name", n))
                .transpose(),
        );
        let description = check.field(
            input
                .description
                .as_deref()
                .map(|d| text::<MAX_DESCRIPTION>("input.description", d))
                .transpose(),
        );
        let contact_name = check.field(change_text::<200>("input.contactName", input.contact_name));
        let contact_phone =
            check.field(change_text::<64>("input.contactPhone", input.contact_phone));
        let contact_email = check.field(change_text::<320>(
            "input.contactEmail",
            input.contact_email,
        ));
        let buildings = check.field(
            input
                .building_ids
                .as_ref()
                .map(|ids| parse_ids("input.buildingIds", ids))
                .transpose(),
        );
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                PartnerChanges {
                    name: name?,
                    description: description?,
                    status: input.status,
                    contact_name: contact_name?,
                    contact_phone: contact_phone?,
                    contact_email: contact_email?,
                    contract_from: input.contract_from,
                    contract_until: crate::graphql::text::change(input.contract_until),
                    building_ids: buildings?,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let model = PartnerService::new(ctx.state())
            .update(scope, id, changes)
            .await?;
        Ok(PartnerPayload {
            partner: Partner::new(model, ctx.state().clock.now(), true),
        })
    }

    /// Makes a MERCHANT user act for a partner (administrators); a user acts for one partner
    /// (`CONFLICT` otherwise).
    async fn add_partner_member(
        &self,
        ctx: &Context<'_>,
        input: PartnerMemberInput,
    ) -> async_graphql::Result<PartnerPayload> {
        let mut check = Checks::new();
        let partner = check.field(parse_id("input.partnerId", &input.partner_id));
        let user = check.field(parse_id("input.userId", &input.user_id));
        let (partner, user) = check.finish(|| Some((partner?, user?)))?;
        let scope = ctx.scope().await?;
        let model = PartnerService::new(ctx.state())
            .add_member(scope, partner, user)
            .await?;
        Ok(PartnerPayload {
            partner: Partner::new(model, ctx.state().clock.now(), true),
        })
    }

    /// Ends a user's membership of a partner (administrators).
    async fn remove_partner_member(
        &self,
        ctx: &Context<'_>,
        input: PartnerMemberInput,
    ) -> async_graphql::Result<PartnerPayload> {
        let mut check = Checks::new();
        let partner = check.field(parse_id("input.partnerId", &input.partner_id));
        let user = check.field(parse_id("input.userId", &input.user_id));
        let (partner, user) = check.finish(|| Some((partner?, user?)))?;
        let scope = ctx.scope().await?;
        let model = PartnerService::new(ctx.state())
            .remove_member(scope, partner, user)
            .await?;
        Ok(PartnerPayload {
            partner: Partner::new(model, ctx.state().clock.now(), true),
        })
    }

    /// Creates a perk for a partner (administrators; merchants do not propose perks).
    async fn create_perk(
        &self,
        ctx: &Context<'_>,
        input: CreatePerkInput,
    ) -> async_graphql::Result<PerkPayload> {
        let mut check = Checks::new();
        let partner = check.field(parse_id("input.partnerId", &input.partner_id));
        let title = check.field(text::<MAX_NAME>("input.title", &input.title));
        let description = check.field(text::<MAX_DESCRIPTION>(
            "input.description",
            &input.description,
        ));
        let hours = check.field(in_range(
            "input.minVolunteerHours",
            input.min_volunteer_hours.unwrap_or(0),
            0,
            MAX_HOURS,
        ));
        let cost = check.field(
            input
                .time_bank_minutes
                .map(|m| in_range("input.timeBankMinutes", m, 1, MAX_COST))
                .transpose(),
        );
        let total = check.field(in_range(
            "input.totalLimit",
            input.total_limit,
            1,
            MAX_TOTAL_LIMIT,
        ));
        let per = check.field(in_range(
            "input.perResidentLimit",
            input.per_resident_limit.unwrap_or(1),
            1,
            MAX_TOTAL_LIMIT,
        ));
        let audience = input.audience.parse(&mut check);
        let now = ctx.state().clock.now();
        let fields = check.finish(|| {
            Some(PerkFields {
                partner_id: partner?,
                title: title?,
                description: description?,
                kind: input.kind,
                starts_at: input.starts_at.unwrap_or(now),
                ends_at: input.ends_at,
                min_volunteer_minutes: hours? * 60,
                time_bank_minutes: cost?,
                total_limit: total?,
                per_resident_limit: per?,
                audience: audience?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = PerkService::new(ctx.state()).create(scope, fields).await?;
        Ok(PerkPayload {
            perk: Perk::new(model, ctx.state().clock.now(), true),
        })
    }

    /// Changes a perk (administrators).
    async fn update_perk(
        &self,
        ctx: &Context<'_>,
        input: UpdatePerkInput,
    ) -> async_graphql::Result<PerkPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let title = check.field(
            input
                .title
                .as_deref()
                .map(|t| text::<MAX_NAME>("input.title", t))
                .transpose(),
        );
        let description = check.field(
            input
                .description
                .as_deref()
                .map(|d| text::<MAX_DESCRIPTION>("input.description", d))
                .transpose(),
        );
        let hours = check.field(
            input
                .min_volunteer_hours
                .map(|h| in_range("input.minVolunteerHours", h, 0, MAX_HOURS))
                .transpose(),
        );
        let total = check.field(
            input
                .total_limit
                .map(|t| in_range("input.totalLimit", t, 1, MAX_TOTAL_LIMIT))
                .transpose(),
        );
        let per = check.field(
            input
                .per_resident_limit
                .map(|p| in_range("input.perResidentLimit", p, 1, MAX_TOTAL_LIMIT))
                .transpose(),
        );
        let audience = match input.audience {
            Some(audience) => audience.parse(&mut check).map(Some),
            None => Some(None),
        };
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                PerkChanges {
                    title: title?,
                    description: description?,
                    starts_at: input.starts_at,
                    ends_at: input.ends_at,
                    min_volunteer_minutes: hours?.map(|h| h * 60),
                    total_limit: total?,
                    per_resident_limit: per?,
                    audience: audience?,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let model = PerkService::new(ctx.state())
            .update(scope, id, changes)
            .await?;
        Ok(PerkPayload {
            perk: Perk::new(model, ctx.state().clock.now(), true),
        })
    }

    /// Withdraws a perk (administrators): no more claims; its outstanding codes are refused.
    async fn withdraw_perk(
        &self,
        ctx: &Context<'_>,
        input: PerkIdInput,
    ) -> async_graphql::Result<PerkPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = PerkService::new(ctx.state()).withdraw(scope, id).await?;
        Ok(PerkPayload {
            perk: Perk::new(model, ctx.state().clock.now(), true),
        })
    }

    /// Claims a perk addressed to you (residents): a one-time code to show the partner. Past a
    /// limit (all claimed, your own limit, a short time bank) is `INVALID_STATE`; too few
    /// volunteer hours `FORBIDDEN`; nothing is written then.
    async fn claim_perk(
        &self,
        ctx: &Context<'_>,
        input: ClaimPerkInput,
    ) -> async_graphql::Result<PerkRedemptionPayload> {
        let id = parse_id("input.perkId", &input.perk_id)?;
        let scope = ctx.scope().await?;
        let model = PerkService::new(ctx.state()).claim(scope, id).await?;
        Ok(PerkRedemptionPayload {
            redemption: PerkRedemption::new(model, true, ctx.state().clock.now(), true, false),
        })
    }

    /// Redeems a code (the perk's partner's MERCHANT members): once (`CONFLICT` after); an
    /// expired code is `INVALID_STATE`; another partner's code `NOT_FOUND`. The resident is
    /// told.
    async fn redeem_perk_code(
        &self,
        ctx: &Context<'_>,
        input: RedeemPerkCodeInput,
    ) -> async_graphql::Result<PerkRedemptionPayload> {
        let code = normalise_code(&input.code);
        if !well_formed(&code) {
            return Err(
                AppError::bad_input("input.code", "a code is 10 letters and digits").into(),
            );
        }
        let scope = ctx.scope().await?;
        let (model, perk) = PerkService::new(ctx.state()).redeem(scope, &code).await?;
        let now = ctx.state().clock.now();
        let live = super::perks::live(&perk, now);
        Ok(PerkRedemptionPayload {
            redemption: PerkRedemption::new(model, live, now, false, true),
        })
    }
}
