//! GraphQL surface of the front desk: parcels, visitor passes and the visitor blacklist.
//! Live updates reach residents through the notification feed (`notificationReceived`): a
//! parcel logged, collected or still waiting, and a visitor's arrival, are notifications.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    service::{
        Collector, FrontDesk, MAX_PASS_DAYS, NewBlacklistEntry, NewParcel, NewVisitor,
        ParcelFilter, VisitorFilter, code_key, plate_key,
    },
    types::{
        Parcel, ParcelSize, ParcelStatus, VisitorBlacklistEntry, VisitorPass, VisitorPassStatus,
    },
};
use crate::{
    error::AppError,
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
        text::Text,
    },
};

/// Input of `logParcel`.
#[derive(InputObject)]
pub struct LogParcelInput {
    /// The unit it is for.
    pub unit_id: ID,
    /// Carrier (1–100 characters).
    pub carrier: String,
    /// Tracking number (1–100 characters).
    pub tracking_number: String,
    /// Size; `SMALL` when left out.
    pub size: Option<ParcelSize>,
    /// Where it is kept (1–50 characters, e.g. `Shelf B-3`); `Desk` when left out.
    pub storage_spot: Option<String>,
}

/// Input of `pickUpParcel`.
#[derive(InputObject)]
pub struct PickUpParcelInput {
    /// The pickup code the resident shows.
    pub code: String,
}

/// Input of `handOverParcel`: give exactly one of `householdMemberId` and `residentId`.
#[derive(InputObject)]
pub struct HandOverParcelInput {
    /// The parcel.
    pub parcel_id: ID,
    /// A household member of the parcel's unit (not a pet).
    pub household_member_id: Option<ID>,
    /// A current resident of the parcel's unit (a user id).
    pub resident_id: Option<ID>,
}

/// Input of `registerVisitor`.
#[derive(InputObject)]
pub struct RegisterVisitorInput {
    /// The visitor's name (1–100 characters).
    pub name: String,
    /// Valid from.
    pub from: DateTime<Utc>,
    /// Valid until (after `from`, at most 7 days later, not in the past).
    pub until: DateTime<Utc>,
    /// Number of people (1–50); 1 when left out.
    pub people: Option<i32>,
    /// Car plate (2–20 characters), if they come by car.
    pub car_plate: Option<String>,
    /// Your unit; may be left out when you have one home.
    pub unit_id: Option<ID>,
}

/// Input of `checkInVisitor`.
#[derive(InputObject)]
pub struct CheckInVisitorInput {
    /// The pass code the visitor shows.
    pub code: String,
}

/// Input naming a visitor pass.
#[derive(InputObject)]
pub struct VisitorPassIdInput {
    /// The pass.
    pub pass_id: ID,
}

/// Input of `addVisitorBlacklistEntry`: a name, a car plate, or both.
#[derive(InputObject)]
pub struct AddVisitorBlacklistEntryInput {
    /// The building.
    pub building_id: ID,
    /// The name to refuse (1–100 characters; compared in any case).
    pub name: Option<String>,
    /// The car plate to refuse (2–20 characters).
    pub car_plate: Option<String>,
    /// Why (1–500 characters).
    pub reason: String,
}

/// Input of `removeVisitorBlacklistEntry`.
#[derive(InputObject)]
pub struct RemoveVisitorBlacklistEntryInput {
    /// The entry.
    pub id: ID,
}

/// Filter of `parcels`.
#[derive(InputObject, Default)]
pub struct ParcelFilterInput {
    /// One building.
    pub building_id: Option<ID>,
    /// One unit.
    pub unit_id: Option<ID>,
    /// The status; `WAITING` (the shelf) when left out.
    pub status: Option<ParcelStatus>,
}

/// Filter of `visitors`.
#[derive(InputObject, Default)]
pub struct VisitorFilterInput {
    /// One building.
    pub building_id: Option<ID>,
    /// Passes whose window touches this day; today when left out.
    pub date: Option<Date>,
    /// One status.
    pub status: Option<VisitorPassStatus>,
}

/// Result of a parcel step.
#[derive(SimpleObject)]
pub struct ParcelPayload {
    /// The parcel after the step.
    pub parcel: Parcel,
}

/// Result of a visitor-pass step.
#[derive(SimpleObject)]
pub struct VisitorPassPayload {
    /// The pass after the step.
    pub pass: VisitorPass,
}

/// Result of a blacklist change.
#[derive(SimpleObject)]
pub struct VisitorBlacklistEntryPayload {
    /// The entry added or removed.
    pub entry: VisitorBlacklistEntry,
}

/// Front-desk queries.
#[derive(Default)]
pub struct FrontDeskQuery;

#[Object]
impl FrontDeskQuery {
    /// The desk's shelf view: parcels you may see (the front desk and managers of the
    /// building, administrators, a unit's residents their own), waiting ones unless a status
    /// is asked, by storage spot. Pickup codes show only to the unit's residents.
    async fn parcels(
        &self,
        ctx: &Context<'_>,
        filter: Option<ParcelFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Parcel>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let mut check = Checks::new();
        let building_id = check.field(parse_opt_id(
            "filter.buildingId",
            filter.building_id.as_ref(),
        ));
        let unit_id = check.field(parse_opt_id("filter.unitId", filter.unit_id.as_ref()));
        let filter = check.finish(|| {
            Some(ParcelFilter {
                building_id: building_id?,
                unit_id: unit_id?,
                status: filter.status,
            })
        })?;
        let scope = ctx.scope().await?;
        let (page, access) = FrontDesk::new(ctx.state())
            .parcels(scope, filter, &page)
            .await?;
        Ok(page.try_into_counted_connection(|m| {
            let resident = access.lives_in(m.unit_id);
            Parcel::try_from_model(m, resident)
        })?)
    }

    /// Your homes' parcels, newest first, with their pickup codes while they wait.
    async fn my_parcels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Parcel>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = FrontDesk::new(ctx.state()).my_parcels(scope, &page).await?;
        Ok(page.try_into_counted_connection(|m| Parcel::try_from_model(m, true))?)
    }

    /// One parcel you may see.
    async fn parcel(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Parcel> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, resident) = FrontDesk::new(ctx.state()).parcel(scope, id).await?;
        Ok(Parcel::try_from_model(model, resident)?)
    }

    /// The desk's visitor list: passes you may see whose window touches one day (today when
    /// no date is given), by start. Pass codes show only to the unit's residents.
    async fn visitors(
        &self,
        ctx: &Context<'_>,
        filter: Option<VisitorFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<VisitorPass>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let building_id = parse_opt_id("filter.buildingId", filter.building_id.as_ref())?;
        let filter = VisitorFilter {
            building_id,
            date: filter.date.map(|d| d.0),
            status: filter.status,
        };
        let scope = ctx.scope().await?;
        let (page, access) = FrontDesk::new(ctx.state())
            .visitors(scope, filter, &page)
            .await?;
        Ok(page.try_into_counted_connection(|m| {
            let resident = access.lives_in(m.unit_id);
            VisitorPass::try_from_model(m, resident)
        })?)
    }

    /// Your homes' visitor passes, latest start first, with their codes.
    async fn my_visitors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<VisitorPass>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = FrontDesk::new(ctx.state())
            .my_visitors(scope, &page)
            .await?;
        Ok(page.try_into_counted_connection(|m| VisitorPass::try_from_model(m, true))?)
    }

    /// One visitor pass you may see.
    async fn visitor_pass(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<VisitorPass> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, resident) = FrontDesk::new(ctx.state()).visitor_pass(scope, id).await?;
        Ok(VisitorPass::try_from_model(model, resident)?)
    }

    /// A building's visitor blacklist, newest first (administrators and the building's front
    /// desk and managers; empty for anyone else).
    async fn visitor_blacklist(
        &self,
        ctx: &Context<'_>,
        building_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<VisitorBlacklistEntry>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let building_id = parse_id("buildingId", &building_id)?;
        let scope = ctx.scope().await?;
        let page = FrontDesk::new(ctx.state())
            .blacklist(scope, building_id, &page)
            .await?;
        Ok(page.into_counted_connection(VisitorBlacklistEntry::from))
    }
}

fn plate(field: &str, raw: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(raw) = raw else { return Ok(None) };
    let key = plate_key(raw);
    let count = key.chars().count();
    if !(2..=20).contains(&count) || !key.chars().all(char::is_alphanumeric) {
        return Err(AppError::bad_input(
            field,
            "must be 2 to 20 letters and digits (spaces and dashes are ignored)",
        ));
    }
    Ok(Some(key))
}

fn code(field: &str, raw: &str) -> Result<String, AppError> {
    let key = code_key(raw);
    if key.is_empty() || key.chars().count() > 16 || !key.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(AppError::bad_input(
            field,
            "must be the code shown, letters and digits",
        ));
    }
    Ok(key)
}

/// Front-desk mutations.
#[derive(Default)]
pub struct FrontDeskMutation;

#[Object]
impl FrontDeskMutation {
    /// Logs a parcel for a unit (the building's front desk: customer service, security,
    /// managers; administrators). The unit's residents are notified at once and see its
    /// pickup code.
    async fn log_parcel(
        &self,
        ctx: &Context<'_>,
        input: LogParcelInput,
    ) -> async_graphql::Result<ParcelPayload> {
        let mut check = Checks::new();
        let unit_id = check.field(parse_id("input.unitId", &input.unit_id));
        let carrier = check.field(Text::<100>::parse("input.carrier", &input.carrier));
        let tracking = check.field(Text::<100>::parse(
            "input.trackingNumber",
            &input.tracking_number,
        ));
        let spot = check.field(Text::<50>::parse_opt(
            "input.storageSpot",
            input.storage_spot.as_deref(),
        ));
        let new = check.finish(|| {
            Some(NewParcel {
                unit_id: unit_id?,
                carrier: carrier?.into_inner(),
                tracking_number: tracking?.into_inner(),
                size: input.size.unwrap_or(ParcelSize::Small),
                storage_spot: spot?.map_or_else(|| "Desk".to_owned(), Text::into_inner),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = FrontDesk::new(ctx.state()).log_parcel(scope, new).await?;
        Ok(ParcelPayload {
            parcel: Parcel::try_from_model(model, false)?,
        })
    }

    /// Gives out a waiting parcel by its pickup code (the building's front desk). Picked up
    /// already: `CONFLICT`; no waiting parcel has this code at your desks: `NOT_FOUND`.
    async fn pick_up_parcel(
        &self,
        ctx: &Context<'_>,
        input: PickUpParcelInput,
    ) -> async_graphql::Result<ParcelPayload> {
        let code = code("input.code", &input.code)?;
        let scope = ctx.scope().await?;
        let model = FrontDesk::new(ctx.state()).pick_up(scope, &code).await?;
        Ok(ParcelPayload {
            parcel: Parcel::try_from_model(model, false)?,
        })
    }

    /// Hands a waiting parcel to a named household member or resident of its unit (the
    /// building's front desk). Collected already: `CONFLICT`.
    async fn hand_over_parcel(
        &self,
        ctx: &Context<'_>,
        input: HandOverParcelInput,
    ) -> async_graphql::Result<ParcelPayload> {
        let mut check = Checks::new();
        let parcel_id = check.field(parse_id("input.parcelId", &input.parcel_id));
        let member = check.field(parse_opt_id(
            "input.householdMemberId",
            input.household_member_id.as_ref(),
        ));
        let resident = check.field(parse_opt_id("input.residentId", input.resident_id.as_ref()));
        check.rule(
            input.household_member_id.is_some() != input.resident_id.is_some(),
            "input.householdMemberId",
            "give exactly one of householdMemberId and residentId",
        );
        let (parcel_id, to) = check.finish(|| {
            let to = match (member?, resident?) {
                (Some(m), None) => Collector::Member(m),
                (None, Some(r)) => Collector::Resident(r),
                _ => return None,
            };
            Some((parcel_id?, to))
        })?;
        let scope = ctx.scope().await?;
        let model = FrontDesk::new(ctx.state())
            .hand_over(scope, parcel_id, to)
            .await?;
        Ok(ParcelPayload {
            parcel: Parcel::try_from_model(model, false)?,
        })
    }

    /// Registers a visitor for your home and returns the pass with its code.
    async fn register_visitor(
        &self,
        ctx: &Context<'_>,
        input: RegisterVisitorInput,
    ) -> async_graphql::Result<VisitorPassPayload> {
        let mut check = Checks::new();
        let name = check.field(Text::<100>::parse("input.name", &input.name));
        let unit_id = check.field(parse_opt_id("input.unitId", input.unit_id.as_ref()));
        let car_plate = check.field(plate("input.carPlate", input.car_plate.as_deref()));
        let people = input.people.unwrap_or(1);
        check.rule(
            (1..=50).contains(&people),
            "input.people",
            "must be 1 to 50",
        );
        check.rule(
            input.until > input.from,
            "input.until",
            "must be after from",
        );
        check.rule(
            input.until - input.from <= chrono::Duration::days(MAX_PASS_DAYS),
            "input.until",
            "a pass lasts at most 7 days",
        );
        let new = check.finish(|| {
            Some(NewVisitor {
                unit_id: unit_id?,
                name: name?.into_inner(),
                from: input.from,
                until: input.until,
                people,
                car_plate: car_plate?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = FrontDesk::new(ctx.state())
            .register_visitor(scope, new)
            .await?;
        Ok(VisitorPassPayload {
            pass: VisitorPass::try_from_model(model, true)?,
        })
    }

    /// Checks a visitor in by pass code (the building's front desk). Outside the pass's window
    /// (15 minutes' grace) or cancelled: `INVALID_STATE`; checked in already: `CONFLICT`; a
    /// name or car plate on the building's blacklist: `FORBIDDEN`. The resident who registered
    /// the visitor is notified.
    async fn check_in_visitor(
        &self,
        ctx: &Context<'_>,
        input: CheckInVisitorInput,
    ) -> async_graphql::Result<VisitorPassPayload> {
        let code = code("input.code", &input.code)?;
        let scope = ctx.scope().await?;
        let model = FrontDesk::new(ctx.state()).check_in(scope, &code).await?;
        Ok(VisitorPassPayload {
            pass: VisitorPass::try_from_model(model, false)?,
        })
    }

    /// Checks an arrived visitor out (the building's front desk).
    async fn check_out_visitor(
        &self,
        ctx: &Context<'_>,
        input: VisitorPassIdInput,
    ) -> async_graphql::Result<VisitorPassPayload> {
        let id = parse_id("input.passId", &input.pass_id)?;
        let scope = ctx.scope().await?;
        let model = FrontDesk::new(ctx.state()).check_out(scope, id).await?;
        Ok(VisitorPassPayload {
            pass: VisitorPass::try_from_model(model, false)?,
        })
    }

    /// Cancels an expected visitor (the unit's residents, the building's front desk).
    async fn cancel_visitor_pass(
        &self,
        ctx: &Context<'_>,
        input: VisitorPassIdInput,
    ) -> async_graphql::Result<VisitorPassPayload> {
        let id = parse_id("input.passId", &input.pass_id)?;
        let scope = ctx.scope().await?;
        let service = FrontDesk::new(ctx.state());
        let model = service.cancel_pass(scope, id).await?;
        let resident = scope.resident().await?.units.contains(&model.unit_id);
        Ok(VisitorPassPayload {
            pass: VisitorPass::try_from_model(model, resident)?,
        })
    }

    /// Adds a name, a car plate or both to a building's visitor blacklist (administrators,
    /// the building's managers). The same entry twice: `CONFLICT`.
    async fn add_visitor_blacklist_entry(
        &self,
        ctx: &Context<'_>,
        input: AddVisitorBlacklistEntryInput,
    ) -> async_graphql::Result<VisitorBlacklistEntryPayload> {
        let mut check = Checks::new();
        let building_id = check.field(parse_id("input.buildingId", &input.building_id));
        let name = check.field(Text::<100>::parse_opt("input.name", input.name.as_deref()));
        let car_plate = check.field(plate("input.carPlate", input.car_plate.as_deref()));
        let reason = check.field(Text::<500>::parse("input.reason", &input.reason));
        check.rule(
            input.name.is_some() || input.car_plate.is_some(),
            "input.name",
            "give a name, a car plate or both",
        );
        let new = check.finish(|| {
            Some(NewBlacklistEntry {
                building_id: building_id?,
                name: name?.map(Text::into_inner),
                car_plate: car_plate?,
                reason: reason?.into_inner(),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = FrontDesk::new(ctx.state())
            .add_blacklist_entry(scope, new)
            .await?;
        Ok(VisitorBlacklistEntryPayload {
            entry: model.into(),
        })
    }

    /// Removes an entry from a building's visitor blacklist (administrators, the building's
    /// managers).
    async fn remove_visitor_blacklist_entry(
        &self,
        ctx: &Context<'_>,
        input: RemoveVisitorBlacklistEntryInput,
    ) -> async_graphql::Result<VisitorBlacklistEntryPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = FrontDesk::new(ctx.state())
            .remove_blacklist_entry(scope, id)
            .await?;
        Ok(VisitorBlacklistEntryPayload {
            entry: model.into(),
        })
    }
}
