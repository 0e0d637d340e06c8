//! GraphQL surface of facility assets and preventive maintenance.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::{
    maintenance::{ChecklistResult, Maintenance, NewPlan, PlanChanges, PlanFilter},
    service::{AssetChanges, AssetFilter, Assets, NewAsset},
    types::{
        Asset, AssetKind, AssetStatus, FacilityOutage, MaintenanceOccurrence, MaintenancePlan,
        MaintenancePlanStatus, MaintenanceRecurrence,
    },
};
use crate::{
    auth::guard,
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
        text::{Text, change},
    },
};

/// Filter of `assets`.
#[derive(InputObject, Default)]
pub struct AssetFilterInput {
    /// One building.
    pub building_id: Option<ID>,
    /// One kind.
    pub kind: Option<AssetKind>,
    /// One status.
    pub status: Option<AssetStatus>,
    /// Inspection certificates expiring on or before this date.
    pub certificate_expires_by: Option<Date>,
}

/// Input of `createAsset`.
#[derive(InputObject)]
pub struct CreateAssetInput {
    /// The building.
    pub building_id: ID,
    /// Kind.
    pub kind: AssetKind,
    /// Code (1–64 characters, unique in the building).
    pub code: String,
    /// Name (1–200 characters).
    pub name: String,
    /// Where in the building (1–200 characters).
    pub location: String,
    /// Make and model (up to 200 characters).
    pub model: Option<String>,
    /// Installed on.
    pub installed_on: Option<Date>,
    /// Warranty until.
    pub warranty_until: Option<Date>,
    /// The qualification required to service it.
    pub qualification_id: Option<ID>,
    /// Last day of its inspection certificate: required for elevators and fire equipment.
    pub certificate_expires_on: Option<Date>,
}

/// Input of `updateAsset`: what is given replaces what is stored (`null` clears).
#[derive(InputObject)]
pub struct UpdateAssetInput {
    /// The asset.
    pub id: ID,
    /// Kind.
    pub kind: Option<AssetKind>,
    /// Code.
    pub code: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Where.
    pub location: Option<String>,
    /// Make and model.
    #[graphql(default)]
    pub model: MaybeUndefined<String>,
    /// Installed on.
    #[graphql(default)]
    pub installed_on: MaybeUndefined<Date>,
    /// Warranty until.
    #[graphql(default)]
    pub warranty_until: MaybeUndefined<Date>,
    /// Qualification.
    #[graphql(default)]
    pub qualification_id: MaybeUndefined<ID>,
    /// Certificate expiry (a new date re-arms its reminders).
    #[graphql(default)]
    pub certificate_expires_on: MaybeUndefined<Date>,
}

/// Input of `setAssetStatus`.
#[derive(InputObject)]
pub struct SetAssetStatusInput {
    /// The asset.
    pub id: ID,
    /// The new status.
    pub status: AssetStatus,
    /// Why (1–500 characters).
    pub reason: String,
}

/// Input of `recordMeterReading`.
#[derive(InputObject)]
pub struct RecordMeterReadingInput {
    /// The asset.
    pub asset_id: ID,
    /// The reading (0 or more, never lower than the last).
    pub value: f64,
}

/// Result of an asset change.
#[derive(SimpleObject)]
pub struct AssetPayload {
    /// The asset after the change.
    pub asset: Asset,
}

/// Filter of `maintenancePlans`.
#[derive(InputObject, Default)]
pub struct MaintenancePlanFilterInput {
    /// One building.
    pub building_id: Option<ID>,
    /// One asset.
    pub asset_id: Option<ID>,
    /// One status.
    pub status: Option<MaintenancePlanStatus>,
}

/// Input of `createMaintenancePlan`.
#[derive(InputObject)]
pub struct CreateMaintenancePlanInput {
    /// The building.
    pub building_id: ID,
    /// One asset of the building; or give `assetKind`.
    pub asset_id: Option<ID>,
    /// Every asset of this kind in the building; or give `assetId`.
    pub asset_kind: Option<AssetKind>,
    /// Name (1–200 characters).
    pub name: String,
    /// The checklist, in order (1–50 distinct items of 1–200 characters).
    pub checklist: Vec<String>,
    /// How it recurs.
    pub recurrence: MaintenanceRecurrence,
    /// Every how many days, weeks, months (1–1000) or meter units (1–1000000).
    pub every: i32,
    /// The first due date (calendar plans: required).
    pub anchor_on: Option<Date>,
    /// The service category of its work orders (dispatched by the category's mode).
    pub category_id: ID,
    /// The qualification the work needs.
    pub qualification_id: Option<ID>,
    /// Days before the due date the work order is created (0–90, default 0).
    pub lead_days: Option<i32>,
    /// Days after the due date before an open occurrence is overdue (0–90, default 3).
    pub grace_days: Option<i32>,
}

/// Input of `updateMaintenancePlan`: what is given replaces what is stored.
#[derive(InputObject)]
pub struct UpdateMaintenancePlanInput {
    /// The plan.
    pub id: ID,
    /// Name.
    pub name: Option<String>,
    /// The checklist (the whole list).
    pub checklist: Option<Vec<String>>,
    /// Every N.
    pub every: Option<i32>,
    /// The first due date (calendar plans).
    pub anchor_on: Option<Date>,
    /// The category.
    pub category_id: Option<ID>,
    /// The qualification (`null` clears it).
    #[graphql(default)]
    pub qualification_id: MaybeUndefined<ID>,
    /// Lead days.
    pub lead_days: Option<i32>,
    /// Grace days.
    pub grace_days: Option<i32>,
}

/// Input naming a plan.
#[derive(InputObject)]
pub struct MaintenancePlanIdInput {
    /// The plan.
    pub id: ID,
}

/// Result of a plan change.
#[derive(SimpleObject)]
pub struct MaintenancePlanPayload {
    /// The plan after the change.
    pub plan: MaintenancePlan,
}

/// One checklist answer.
#[derive(InputObject)]
pub struct MaintenanceResultInput {
    /// The checklist item, as the plan says it.
    pub item: String,
    /// In order.
    pub ok: bool,
    /// A note (up to 500 characters).
    pub note: Option<String>,
}

/// Input of `completeMaintenance`.
#[derive(InputObject)]
pub struct CompleteMaintenanceInput {
    /// The occurrence.
    pub occurrence_id: ID,
    /// An answer for every checklist item.
    pub results: Vec<MaintenanceResultInput>,
}

/// Input of `skipMaintenance`.
#[derive(InputObject)]
pub struct SkipMaintenanceInput {
    /// The occurrence.
    pub occurrence_id: ID,
    /// Why (1–500 characters).
    pub reason: String,
}

/// Result of an occurrence step.
#[derive(SimpleObject)]
pub struct MaintenanceOccurrencePayload {
    /// The occurrence after the step.
    pub occurrence: MaintenanceOccurrence,
}

/// Asset and maintenance queries.
#[derive(Default)]
pub struct AssetQuery;

#[Object]
impl AssetQuery {
    /// Facility assets by building and code: staff of the building (repair technicians,
    /// electricians, security, fire control), its managers, supervisors and administrators;
    /// `FORBIDDEN` for others.
    async fn assets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AssetFilterInput>,
    ) -> async_graphql::Result<CountedConnection<Asset>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let building_id = parse_opt_id("filter.buildingId", filter.building_id.as_ref())?;
        let scope = ctx.scope().await?;
        let page = Assets::new(ctx.state())
            .list(
                scope,
                AssetFilter {
                    building_id,
                    kind: filter.kind,
                    status: filter.status,
                    certificate_expires_by: filter.certificate_expires_by.map(|d| d.0),
                },
                &page,
            )
            .await?;
        Ok(page.try_into_counted_connection(Asset::try_from_model)?)
    }

    /// One asset (`NOT_FOUND` unless you see its building's assets; residents never do).
    async fn asset(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Asset> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        Ok(Asset::try_from_model(
            Assets::new(ctx.state()).get(scope, id).await?,
        )?)
    }

    /// The shared facilities of a building out of service now (elevators, access gates, water
    /// pumps, lighting, playgrounds), newest first, without internal details: for its residents
    /// and those who see its assets; an empty list for anyone else.
    async fn building_facility_outages(
        &self,
        ctx: &Context<'_>,
        building_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<FacilityOutage>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let building_id = parse_id("buildingId", &building_id)?;
        let scope = ctx.scope().await?;
        let page = Assets::new(ctx.state())
            .outages(scope, building_id, &page)
            .await?;
        Ok(page.try_into_counted_connection(FacilityOutage::try_from_model)?)
    }

    /// Preventive maintenance plans by building and name (as `assets`).
    async fn maintenance_plans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MaintenancePlanFilterInput>,
    ) -> async_graphql::Result<CountedConnection<MaintenancePlan>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let mut check = Checks::new();
        let building_id = check.field(parse_opt_id(
            "filter.buildingId",
            filter.building_id.as_ref(),
        ));
        let asset_id = check.field(parse_opt_id("filter.assetId", filter.asset_id.as_ref()));
        let filter = check.finish(|| {
            Some(PlanFilter {
                building_id: building_id?,
                asset_id: asset_id?,
                status: filter.status,
            })
        })?;
        let scope = ctx.scope().await?;
        let page = Maintenance::new(ctx.state())
            .plans(scope, filter, &page)
            .await?;
        Ok(page.try_into_counted_connection(MaintenancePlan::try_from_model)?)
    }

    /// One maintenance plan.
    async fn maintenance_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<MaintenancePlan> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        Ok(MaintenancePlan::try_from_model(
            Maintenance::new(ctx.state()).plan(scope, id).await?,
        )?)
    }

    /// One maintenance occurrence: for those who see its building's assets, and the assignee
    /// of its work order.
    async fn maintenance_occurrence(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<MaintenanceOccurrence> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, plan) = Maintenance::new(ctx.state()).occurrence(scope, id).await?;
        Ok(MaintenanceOccurrence::try_from_model(
            model,
            plan.grace_days,
            ctx.state().clock.now(),
        )?)
    }
}

fn checklist(check: &mut Checks, items: &[String]) -> Vec<String> {
    check.rule(
        (1..=50).contains(&items.len()),
        "input.checklist",
        "give 1 to 50 items",
    );
    let mut out = Vec::new();
    for item in items {
        if let Some(text) = check.field(Text::<200>::parse("input.checklist", item)) {
            out.push(text.into_inner());
        }
    }
    let distinct: std::collections::HashSet<&String> = out.iter().collect();
    check.rule(
        distinct.len() == out.len(),
        "input.checklist",
        "names an item twice",
    );
    out
}

fn days(check: &mut Checks, field: &str, value: Option<i32>) {
    check.rule(
        value.is_none_or(|v| (0..=90).contains(&v)),
        field,
        "must be 0 to 90 days",
    );
}

/// Asset and maintenance mutations.
#[derive(Default)]
pub struct AssetMutation;

#[Object]
impl AssetMutation {
    /// Registers an asset (administrators, the building's managers). Elevators and fire
    /// equipment need `certificateExpiresOn` (`BAD_USER_INPUT`); a code the building already
    /// uses is `CONFLICT` on `input.code`.
    async fn create_asset(
        &self,
        ctx: &Context<'_>,
        input: CreateAssetInput,
    ) -> async_graphql::Result<AssetPayload> {
        let mut check = Checks::new();
        let building_id = check.field(parse_id("input.buildingId", &input.building_id));
        let code = check.field(Text::<64>::parse("input.code", &input.code));
        let name = check.field(Text::<200>::parse("input.name", &input.name));
        let location = check.field(Text::<200>::parse("input.location", &input.location));
        let model = check.field(Text::<200>::parse_opt(
            "input.model",
            input.model.as_deref(),
        ));
        let qualification_id = check.field(parse_opt_id(
            "input.qualificationId",
            input.qualification_id.as_ref(),
        ));
        check.rule(
            !input.kind.needs_certificate() || input.certificate_expires_on.is_some(),
            "input.certificateExpiresOn",
            "is required for elevators and fire equipment",
        );
        let new = check.finish(|| {
            Some(NewAsset {
                building_id: building_id?,
                kind: input.kind,
                code: code?.into_inner(),
                name: name?.into_inner(),
                location: location?.into_inner(),
                model: model?.map(Text::into_inner),
                installed_on: input.installed_on.map(|d| d.0),
                warranty_until: input.warranty_until.map(|d| d.0),
                qualification_id: qualification_id?,
                certificate_expires_on: input.certificate_expires_on.map(|d| d.0),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = Assets::new(ctx.state()).create(scope, new).await?;
        Ok(AssetPayload {
            asset: Asset::try_from_model(model)?,
        })
    }

    /// Changes an asset (administrators, the building's managers).
    async fn update_asset(
        &self,
        ctx: &Context<'_>,
        input: UpdateAssetInput,
    ) -> async_graphql::Result<AssetPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let code = check.field(Text::<64>::parse_opt("input.code", input.code.as_deref()));
        let name = check.field(Text::<200>::parse_opt("input.name", input.name.as_deref()));
        let location = check.field(Text::<200>::parse_opt(
            "input.location",
            input.location.as_deref(),
        ));
        let model = check.field(Text::<200>::parse_change("input.model", input.model));
        let qualification_id = check.field(
            change(input.qualification_id)
                .map(|q| q.map(|q| parse_id("input.qualificationId", &q)).transpose())
                .transpose(),
        );
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                AssetChanges {
                    kind: input.kind,
                    code: code?.map(Text::into_inner),
                    name: name?.map(Text::into_inner),
                    location: location?.map(Text::into_inner),
                    model: model?.map(|m| m.map(Text::into_inner)),
                    installed_on: change(input.installed_on).map(|d| d.map(|d| d.0)),
                    warranty_until: change(input.warranty_until).map(|d| d.map(|d| d.0)),
                    qualification_id: qualification_id?,
                    certificate_expires_on: change(input.certificate_expires_on)
                        .map(|d| d.map(|d| d.0)),
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let model = Assets::new(ctx.state()).update(scope, id, changes).await?;
        Ok(AssetPayload {
            asset: Asset::try_from_model(model)?,
        })
    }

    /// Changes an asset's status with a reason (administrators, the building's managers and
    /// the staff who see its assets). A shared facility going out of service (or back) tells
    /// the building's residents. The same status again, or a change of a retired asset, is
    /// `INVALID_STATE`.
    async fn set_asset_status(
        &self,
        ctx: &Context<'_>,
        input: SetAssetStatusInput,
    ) -> async_graphql::Result<AssetPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let reason = check.field(Text::<500>::parse("input.reason", &input.reason));
        let (id, reason) = check.finish(|| Some((id?, reason?.into_inner())))?;
        let scope = ctx.scope().await?;
        let model = Assets::new(ctx.state())
            .set_status(scope, id, input.status, reason)
            .await?;
        Ok(AssetPayload {
            asset: Asset::try_from_model(model)?,
        })
    }

    /// Records a meter reading of an asset (those who see it); meter plans fall due from it.
    async fn record_meter_reading(
        &self,
        ctx: &Context<'_>,
        input: RecordMeterReadingInput,
    ) -> async_graphql::Result<AssetPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.assetId", &input.asset_id));
        check.rule(
            input.value.is_finite() && input.value >= 0.0,
            "input.value",
            "must be a number of 0 or more",
        );
        let id = check.finish(|| id)?;
        let scope = ctx.scope().await?;
        let model = Assets::new(ctx.state())
            .record_meter(scope, id, input.value)
            .await?;
        Ok(AssetPayload {
            asset: Asset::try_from_model(model)?,
        })
    }

    /// Creates a preventive maintenance plan (administrators, the building's managers).
    async fn create_maintenance_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateMaintenancePlanInput,
    ) -> async_graphql::Result<MaintenancePlanPayload> {
        let mut check = Checks::new();
        let building_id = check.field(parse_id("input.buildingId", &input.building_id));
        let asset_id = check.field(parse_opt_id("input.assetId", input.asset_id.as_ref()));
        check.rule(
            input.asset_id.is_some() != input.asset_kind.is_some(),
            "input.assetId",
            "give either an asset or an asset kind",
        );
        let name = check.field(Text::<200>::parse("input.name", &input.name));
        let items = checklist(&mut check, &input.checklist);
        let meter = input.recurrence == MaintenanceRecurrence::Meter;
        check.rule(
            if meter {
                (1..=1_000_000).contains(&input.every)
            } else {
                (1..=1000).contains(&input.every)
            },
            "input.every",
            "must be 1 to 1000 (1 to 1000000 meter units)",
        );
        check.rule(
            meter || input.anchor_on.is_some(),
            "input.anchorOn",
            "is required for a calendar plan",
        );
        check.rule(
            !meter || input.anchor_on.is_none(),
            "input.anchorOn",
            "is for calendar plans only",
        );
        let category_id = check.field(parse_id("input.categoryId", &input.category_id));
        let qualification_id = check.field(parse_opt_id(
            "input.qualificationId",
            input.qualification_id.as_ref(),
        ));
        days(&mut check, "input.leadDays", input.lead_days);
        days(&mut check, "input.graceDays", input.grace_days);
        let new = check.finish(|| {
            Some(NewPlan {
                building_id: building_id?,
                asset_id: asset_id?,
                asset_kind: input.asset_kind,
                name: name?.into_inner(),
                checklist: items,
                recurrence: input.recurrence,
                every: input.every,
                anchor_on: input.anchor_on.map(|d| d.0),
                category_id: category_id?,
                qualification_id: qualification_id?,
                lead_days: input.lead_days.unwrap_or(0),
                grace_days: input.grace_days.unwrap_or(3),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = Maintenance::new(ctx.state())
            .create_plan(scope, new)
            .await?;
        Ok(MaintenancePlanPayload {
            plan: MaintenancePlan::try_from_model(model)?,
        })
    }

    /// Changes a plan (administrators, the building's managers); occurrences already created
    /// keep their dates.
    async fn update_maintenance_plan(
        &self,
        ctx: &Context<'_>,
        input: UpdateMaintenancePlanInput,
    ) -> async_graphql::Result<MaintenancePlanPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let name = check.field(Text::<200>::parse_opt("input.name", input.name.as_deref()));
        let items = input
            .checklist
            .as_deref()
            .map(|items| checklist(&mut check, items));
        check.rule(
            input.every.is_none_or(|e| (1..=1_000_000).contains(&e)),
            "input.every",
            "must be 1 or more",
        );
        let category_id = check.field(parse_opt_id("input.categoryId", input.category_id.as_ref()));
        let qualification_id = check.field(
            change(input.qualification_id)
                .map(|q| q.map(|q| parse_id("input.qualificationId", &q)).transpose())
                .transpose(),
        );
        days(&mut check, "input.leadDays", input.lead_days);
        days(&mut check, "input.graceDays", input.grace_days);
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                PlanChanges {
                    name: name?.map(Text::into_inner),
                    checklist: items,
                    every: input.every,
                    anchor_on: input.anchor_on.map(|d| d.0),
                    category_id: category_id?,
                    qualification_id: qualification_id?,
                    lead_days: input.lead_days,
                    grace_days: input.grace_days,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let model = Maintenance::new(ctx.state())
            .update_plan(scope, id, changes)
            .await?;
        Ok(MaintenancePlanPayload {
            plan: MaintenancePlan::try_from_model(model)?,
        })
    }

    /// Pauses a plan: it creates nothing until resumed (administrators, the building's
    /// managers).
    async fn pause_maintenance_plan(
        &self,
        ctx: &Context<'_>,
        input: MaintenancePlanIdInput,
    ) -> async_graphql::Result<MaintenancePlanPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = Maintenance::new(ctx.state())
            .set_plan_active(scope, id, false)
            .await?;
        Ok(MaintenancePlanPayload {
            plan: MaintenancePlan::try_from_model(model)?,
        })
    }

    /// Resumes a paused plan.
    async fn resume_maintenance_plan(
        &self,
        ctx: &Context<'_>,
        input: MaintenancePlanIdInput,
    ) -> async_graphql::Result<MaintenancePlanPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = Maintenance::new(ctx.state())
            .set_plan_active(scope, id, true)
            .await?;
        Ok(MaintenancePlanPayload {
            plan: MaintenancePlan::try_from_model(model)?,
        })
    }

    /// Completes a maintenance occurrence with an answer for every checklist item (the
    /// assignee of its work order; anyone else `FORBIDDEN`). A missing, unknown or repeated
    /// item is `BAD_USER_INPUT` on `input.results`; an occurrence already done or skipped is
    /// `INVALID_STATE`.
    async fn complete_maintenance(
        &self,
        ctx: &Context<'_>,
        input: CompleteMaintenanceInput,
    ) -> async_graphql::Result<MaintenanceOccurrencePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.occurrenceId", &input.occurrence_id));
        let mut results = Vec::new();
        for r in &input.results {
            let item = check.field(Text::<200>::parse("input.results.item", &r.item));
            let note = check.field(Text::<500>::parse_opt(
                "input.results.note",
                r.note.as_deref(),
            ));
            if let (Some(item), Some(note)) = (item, note) {
                results.push(ChecklistResult {
                    item: item.into_inner(),
                    ok: r.ok,
                    note: note.map(Text::into_inner),
                });
            }
        }
        let id = check.finish(|| id)?;
        let scope = ctx.scope().await?;
        let (model, plan) = Maintenance::new(ctx.state())
            .complete(scope, id, results)
            .await?;
        Ok(MaintenanceOccurrencePayload {
            occurrence: MaintenanceOccurrence::try_from_model(
                model,
                plan.grace_days,
                ctx.state().clock.now(),
            )?,
        })
    }

    /// Skips an open maintenance occurrence with a reason (administrators, the building's
    /// managers); its work order stays as it is.
    async fn skip_maintenance(
        &self,
        ctx: &Context<'_>,
        input: SkipMaintenanceInput,
    ) -> async_graphql::Result<MaintenanceOccurrencePayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.occurrenceId", &input.occurrence_id));
        let reason = check.field(Text::<500>::parse("input.reason", &input.reason));
        let (id, reason) = check.finish(|| Some((id?, reason?.into_inner())))?;
        let scope = ctx.scope().await?;
        let (model, plan) = Maintenance::new(ctx.state())
            .skip(scope, id, reason)
            .await?;
        Ok(MaintenanceOccurrencePayload {
            occurrence: MaintenanceOccurrence::try_from_model(
                model,
                plan.grace_days,
                ctx.state().clock.now(),
            )?,
        })
    }

    /// Runs the `preventive-maintenance` job (and the asset certificate reminders) now, for
    /// operators and tests (administrators): returns how many work orders it created.
    async fn run_maintenance_jobs_now(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let scope = ctx.scope().await?;
        guard::require_admin(scope)?;
        let outcome = Maintenance::new(ctx.state()).run().await?;
        Assets::new(ctx.state()).certificate_sweep().await?;
        Ok(i32::try_from(outcome.created).unwrap_or(i32::MAX))
    }
}
