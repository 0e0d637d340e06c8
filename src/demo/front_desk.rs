//! The front-desk demo: parcels waiting on the shelves of both buildings (logged by the
//! reception and the gate), visitors expected today, and a blacklist entry at Building A. All
//! go through [`FrontDesk`] as the desk staff, the residents and the manager would. Skipped
//! when any parcel exists, so seeding twice adds nothing.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        front_desk::{
            service::{FrontDesk, NewBlacklistEntry, NewParcel, NewVisitor, plate_key},
            types::ParcelSize,
        },
    },
    error::{AppError, AppResult},
};
use entity::{parcel, residency, unit, user};

/// The reception (customer service) of both buildings.
const RECEPTION: &str = "staff1@demo.test";
/// The gate (security) of both buildings.
const GATE: &str = "staff8@demo.test";
/// The manager of both buildings.
const MANAGER: &str = "staff12@demo.test";

async fn user_id(state: &AppState, email: &str) -> AppResult<Uuid> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))
}

async fn scope(state: &AppState, email: &str) -> AppResult<Scope> {
    let id = user_id(state, email).await?;
    Scope::load_user(&state.db, id, state.clock.today()).await
}

async fn home(state: &AppState, email: &str) -> AppResult<unit::Model> {
    let id = user_id(state, email).await?;
    let unit_id = residency::Entity::find()
        .filter(residency::Column::UserId.eq(id))
        .one(&state.db)
        .await?
        .map(|r| r.unit_id)
        .ok_or_else(|| AppError::internal(format!("{email} has no home")))?;
    unit::Entity::find_by_id(unit_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal("a demo unit vanished"))
}

/// Seeds the front-desk demo unless a parcel exists. Returns the parcels it logged.
pub async fn seed_front_desk(state: &AppState) -> AppResult<usize> {
    if parcel::Entity::find().count(&state.db).await? > 0 {
        return Ok(0);
    }
    let desk = FrontDesk::new(state);
    let reception = scope(state, RECEPTION).await?;
    let gate = scope(state, GATE).await?;
    let parcels = [
        (
            &reception,
            "resident1@demo.test",
            "SF Express",
            "SF1402938475",
            ParcelSize::Small,
            "Shelf A-1",
        ),
        (
            &reception,
            "resident1@demo.test",
            "JD Logistics",
            "JD0087712345",
            ParcelSize::Large,
            "Floor by the window",
        ),
        (
            &gate,
            "resident2@demo.test",
            "China Post",
            "EMS7781920CN",
            ParcelSize::Medium,
            "Shelf A-2",
        ),
        (
            &gate,
            "resident25@demo.test",
            "ZTO Express",
            "ZTO55510293",
            ParcelSize::Small,
            "Shelf B-1",
        ),
    ];
    let count = parcels.len();
    for (who, resident, carrier, tracking, size, spot) in parcels {
        let unit = home(state, resident).await?;
        desk.log_parcel(
            who,
            NewParcel {
                unit_id: unit.id,
                carrier: carrier.to_owned(),
                tracking_number: tracking.to_owned(),
                size,
                storage_spot: spot.to_owned(),
            },
        )
        .await?;
    }
    let now = state.clock.now();
    let visitors = [
        (
            "resident1@demo.test",
            "Chen Jing",
            Duration::hours(-1),
            Duration::hours(3),
            2,
            None,
        ),
        (
            "resident25@demo.test",
            "Wu Tao",
            Duration::minutes(-30),
            Duration::hours(4),
            1,
            Some("沪A 52013"),
        ),
    ];
    for (resident, name, from, until, people, plate) in visitors {
        let unit = home(state, resident).await?;
        desk.register_visitor(
            &scope(state, resident).await?,
            NewVisitor {
                unit_id: Some(unit.id),
                name: name.to_owned(),
                from: now + from,
                until: now + until,
                people,
                car_plate: plate.map(plate_key),
            },
        )
        .await?;
    }
    let building_a = home(state, "resident1@demo.test").await?.building_id;
    desk.add_blacklist_entry(
        &scope(state, MANAGER).await?,
        NewBlacklistEntry {
            building_id: building_a,
            name: Some("Zhao Feng".to_owned()),
            car_plate: Some(plate_key("沪B 66666")),
            reason: "Door-to-door sales in the corridors after two warnings".to_owned(),
        },
    )
    .await?;
    Ok(count)
}
