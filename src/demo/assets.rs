//! Demo facility assets and preventive maintenance: one asset of every kind in Building A
//! (Building B gets an elevator and an extinguisher), the A elevator's inspection certificate
//! expiring in 20 days, three plans (a monthly elevator service due in ten days, a monthly
//! extinguisher check and a monthly fire-alarm test due today), the job run so the due ones
//! produced their work orders, and the fire-alarm test assigned to the fire-control operator
//! (staff9) and completed with its checklist results. Everything goes through the services as
//! the manager (staff12) and staff9. Nothing is added when the demo elevator exists, so seeding
//! twice adds nothing.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        assets::{
            maintenance::{ChecklistResult, Maintenance, NewPlan},
            service::{Assets, NewAsset},
            types::{AssetKind, MaintenanceRecurrence},
        },
        estate::access::Scope,
        work_orders::service::WorkOrderService,
    },
    error::{AppError, AppResult},
};
use entity::{
    asset, building, maintenance_occurrence, qualification, service_category, staff_record, user,
};

/// The demo elevator's code (its presence means the asset demo is seeded).
pub const DEMO_ELEVATOR: &str = "A-EL-01";
const MANAGER: &str = "staff12@demo.test";
const FIRE_OPERATOR: &str = "staff9@demo.test";

async fn scope_of(state: &AppState, email: &str) -> AppResult<(Scope, Uuid)> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))?;
    Ok((
        Scope::load_user(&state.db, found.id, state.clock.today()).await?,
        found.id,
    ))
}

async fn building_named(state: &AppState, prefix: &str) -> AppResult<Uuid> {
    Ok(building::Entity::find()
        .filter(building::Column::Name.starts_with(prefix))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo {prefix} not found")))?
        .id)
}

async fn category(state: &AppState, code: &str) -> AppResult<Uuid> {
    Ok(service_category::Entity::find()
        .filter(service_category::Column::Code.eq(code))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo category {code} not found")))?
        .id)
}

async fn qualification_id(state: &AppState, code: &str) -> AppResult<Option<Uuid>> {
    Ok(qualification::Entity::find()
        .filter(qualification::Column::Code.eq(code))
        .one(&state.db)
        .await?
        .map(|q| q.id))
}

/// The fire-alarm test's checklist.
const ALARM_CHECKLIST: [&str; 3] = [
    "Panel shows no faults",
    "Test a call point on every floor",
    "Sounders audible in the stairwells",
];

/// Seeds the asset demo unless the demo elevator exists; returns how many assets it added.
pub async fn seed_assets(state: &AppState) -> AppResult<usize> {
    let a = building_named(state, "Building A").await?;
    let b = building_named(state, "Building B").await?;
    if asset::Entity::find()
        .filter(asset::Column::BuildingId.eq(a))
        .filter(asset::Column::Code.eq(DEMO_ELEVATOR))
        .one(&state.db)
        .await?
        .is_some()
    {
        return Ok(0);
    }
    let (manager, _) = scope_of(state, MANAGER).await?;
    let today = state.clock.today();
    let elevator_safety = qualification_id(state, "ELEVATOR_SAFETY").await?;
    let fire_operator = qualification_id(state, "FIRE_FACILITY_OPERATOR").await?;
    let electrician = qualification_id(state, "LOW_VOLTAGE_ELECTRICIAN").await?;
    let assets = Assets::new(state);
    let mut added = 0;
    let mut ids = std::collections::HashMap::new();
    for kind in AssetKind::ALL {
        let (code, name, location, qual) = match kind {
            AssetKind::Elevator => (
                DEMO_ELEVATOR,
                "Passenger lift 1",
                "Core, east",
                elevator_safety,
            ),
            AssetKind::FireExtinguisher => {
                ("A-FE-01", "Extinguisher, lobby", "Lobby", fire_operator)
            }
            AssetKind::Hydrant => ("A-HY-01", "Hydrant, forecourt", "Forecourt", fire_operator),
            AssetKind::FireAlarm => (
                "A-FA-01",
                "Fire alarm panel",
                "Security office",
                fire_operator,
            ),
            AssetKind::SprinklerPump => (
                "A-SP-01",
                "Sprinkler pump",
                "Basement plant room",
                fire_operator,
            ),
            AssetKind::WaterPump => (
                "A-WP-01",
                "Booster water pump",
                "Basement plant room",
                electrician,
            ),
            AssetKind::Generator => (
                "A-GN-01",
                "Standby generator",
                "Basement plant room",
                electrician,
            ),
            AssetKind::Cctv => ("A-CC-01", "CCTV recorder", "Security office", None),
            AssetKind::AccessGate => ("A-AG-01", "Pedestrian gate", "Main entrance", None),
            AssetKind::Hvac => ("A-HV-01", "Lobby air handler", "Roof", None),
            AssetKind::Lighting => ("A-LT-01", "Corridor lighting", "Floors 1–6", electrician),
            AssetKind::Playground => ("A-PG-01", "Children's playground", "Garden", None),
            AssetKind::Other => ("A-OT-01", "Parcel lockers", "Lobby", None),
        };
        let certificate = kind.needs_certificate().then(|| {
            if *kind == AssetKind::Elevator {
                today + Duration::days(20)
            } else {
                today + Duration::days(200)
            }
        });
        let model = assets
            .create(
                &manager,
                NewAsset {
                    building_id: a,
                    kind: *kind,
                    code: code.to_owned(),
                    name: name.to_owned(),
                    location: location.to_owned(),
                    model: Some("Demo model".to_owned()),
                    installed_on: Some(today - Duration::days(900)),
                    warranty_until: Some(today + Duration::days(200)),
                    qualification_id: qual,
                    certificate_expires_on: certificate,
                },
            )
            .await?;
        ids.insert(*kind, model.id);
        added += 1;
    }
    for (kind, code, name) in [
        (AssetKind::Elevator, "B-EL-01", "Passenger lift 1"),
        (
            AssetKind::FireExtinguisher,
            "B-FE-01",
            "Extinguisher, lobby",
        ),
    ] {
        assets
            .create(
                &manager,
                NewAsset {
                    building_id: b,
                    kind,
                    code: code.to_owned(),
                    name: name.to_owned(),
                    location: "Lobby".to_owned(),
                    model: None,
                    installed_on: None,
                    warranty_until: None,
                    qualification_id: None,
                    certificate_expires_on: Some(today + Duration::days(300)),
                },
            )
            .await?;
        added += 1;
    }
    let maintenance = Maintenance::new(state);
    let fire = category(state, "FIRE_SAFETY_CHECK").await?;
    let lift = category(state, "LIFT_FAULT").await?;
    let plans = [
        (
            "Monthly lift service",
            ids.get(&AssetKind::Elevator).copied(),
            None,
            vec![
                "Doors and sensors",
                "Brakes",
                "Emergency phone",
                "Pit and car top clean",
            ],
            lift,
            elevator_safety,
            today + Duration::days(10),
            3,
        ),
        (
            "Monthly extinguisher check",
            None,
            Some(AssetKind::FireExtinguisher),
            vec![
                "Pressure in the green",
                "Seal and pin intact",
                "Label in date",
            ],
            fire,
            fire_operator,
            today,
            0,
        ),
        (
            "Monthly fire-alarm test",
            ids.get(&AssetKind::FireAlarm).copied(),
            None,
            ALARM_CHECKLIST.to_vec(),
            fire,
            fire_operator,
            today,
            0,
        ),
    ];
    for (name, asset_id, asset_kind, checklist, category_id, qual, anchor, lead) in plans {
        maintenance
            .create_plan(
                &manager,
                NewPlan {
                    building_id: a,
                    asset_id,
                    asset_kind,
                    name: name.to_owned(),
                    checklist: checklist.into_iter().map(str::to_owned).collect(),
                    recurrence: MaintenanceRecurrence::Months,
                    every: 1,
                    anchor_on: Some(anchor),
                    category_id,
                    qualification_id: qual,
                    lead_days: lead,
                    grace_days: 3,
                },
            )
            .await?;
    }
    maintenance.run().await?;
    // The fire-alarm test: assigned to the fire-control operator, who completes it.
    let Some(alarm) = ids.get(&AssetKind::FireAlarm).copied() else {
        return Ok(added);
    };
    let Some(occurrence) = maintenance_occurrence::Entity::find()
        .filter(maintenance_occurrence::Column::AssetId.eq(alarm))
        .one(&state.db)
        .await?
    else {
        return Ok(added);
    };
    let (operator, operator_user) = scope_of(state, FIRE_OPERATOR).await?;
    let Some(record) = staff_record::Entity::find()
        .filter(staff_record::Column::UserId.eq(operator_user))
        .one(&state.db)
        .await?
    else {
        return Ok(added);
    };
    if let Some(order) = occurrence.work_order_id {
        if let Err(err) = WorkOrderService::new(state)
            .assign(&manager, order, record.id, None, None)
            .await
        {
            tracing::warn!(error = %err, "demo fire-alarm test not assigned");
            return Ok(added);
        }
        maintenance
            .complete(
                &operator,
                occurrence.id,
                ALARM_CHECKLIST
                    .iter()
                    .enumerate()
                    .map(|(i, item)| ChecklistResult {
                        item: (*item).to_owned(),
                        ok: i != 2,
                        note: (i == 2)
                            .then(|| "Stairwell B sounder faint: ticket raised".to_owned()),
                    })
                    .collect(),
            )
            .await?;
    }
    Ok(added)
}
