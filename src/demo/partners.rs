//! Demo partners and perks: one partner of every kind, serving the demo buildings, with the demo
//! merchant (`merchant1@demo.test`, "Lotus Bakery") a member of the shop; three perks (an
//! estate-wide discount at the bakery, a free service for Building A, a time-bank exchange for
//! residents with volunteer hours), claimed by a few residents, some codes redeemed by the
//! bakery. Everything goes through the partner and perk services as the administrator, the
//! residents and the merchant would. Nothing is added when the bakery partner exists.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        notices::audience::Audience,
        partners::{
            perks::{PerkFields, PerkService},
            service::{PartnerFields, PartnerService},
            types::{PartnerKind, PerkKind},
        },
    },
    error::{AppError, AppResult},
};
use entity::{building, partner, user};

/// Name of the demo shop partner (the demo merchant's).
pub const BAKERY: &str = "Lotus Bakery";
const MERCHANT: &str = "merchant1@demo.test";

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

/// Seeds the demo partners and perks (see the module docs); the number of partners added.
pub async fn seed_partners(state: &AppState) -> AppResult<usize> {
    let present = partner::Entity::find()
        .filter(partner::Column::Name.eq(BAKERY))
        .one(&state.db)
        .await?
        .is_some();
    if present {
        return Ok(0);
    }
    let admin = scope(state, super::DEMO_ADMIN).await?;
    let mut buildings = building::Entity::find().all(&state.db).await?;
    buildings.sort_by(|a, b| a.name.cmp(&b.name));
    let all: Vec<Uuid> = buildings.iter().map(|b| b.id).collect();
    let first: Vec<Uuid> = all.iter().take(1).copied().collect();
    let now = state.clock.now();
    let partners = PartnerService::new(state);
    let plan: [(&str, PartnerKind, &str, &[Uuid]); 8] = [
        (
            BAKERY,
            PartnerKind::Shop,
            "Bread, cakes and mooncakes baked on the corner.",
            all.as_slice(),
        ),
        (
            "Riverside Noodle House",
            PartnerKind::Restaurant,
            "Hand-pulled noodles; delivers to both buildings.",
            all.as_slice(),
        ),
        (
            "Garden Family Clinic",
            PartnerKind::Clinic,
            "General practice, check-ups and vaccinations.",
            all.as_slice(),
        ),
        (
            "Green Cross Pharmacy",
            PartnerKind::Pharmacy,
            "Prescriptions and advice; home delivery for elders.",
            all.as_slice(),
        ),
        (
            "Little Scholars Centre",
            PartnerKind::School,
            "After-school tutoring and art classes.",
            first.as_slice(),
        ),
        (
            "Silver Years Care",
            PartnerKind::CareAgency,
            "Elder check-ins, day care and home help.",
            all.as_slice(),
        ),
        (
            "Happy Paws",
            PartnerKind::PetService,
            "Dog walking, grooming and pet sitting.",
            all.as_slice(),
        ),
        (
            "Fix-It Bikes",
            PartnerKind::Other,
            "Bicycle repairs at the gate on Saturdays.",
            first.as_slice(),
        ),
    ];
    let mut ids = Vec::new();
    for (name, kind, description, served) in plan {
        let model = partners
            .create(
                &admin,
                PartnerFields {
                    name: name.to_owned(),
                    kind,
                    description: description.to_owned(),
                    contact_name: Some("Partner desk".to_owned()),
                    contact_phone: Some("+86 20 5555 0100".to_owned()),
                    contact_email: None,
                    contract_from: now - Duration::days(90),
                    contract_until: Some(now + Duration::days(365)),
                    building_ids: served.to_vec(),
                },
            )
            .await?;
        ids.push(model.id);
    }
    let bakery = ids[0];
    let merchant = user_id(state, MERCHANT).await?;
    partners.add_member(&admin, bakery, merchant).await?;

    let perks = PerkService::new(state);
    let discount = perks
        .create(
            &admin,
            PerkFields {
                partner_id: bakery,
                title: "10% off any cake".to_owned(),
                description: "Show your code at the counter for 10% off one cake.".to_owned(),
                kind: PerkKind::Discount,
                starts_at: now,
                ends_at: now + Duration::days(60),
                min_volunteer_minutes: 0,
                time_bank_minutes: None,
                total_limit: 200,
                per_resident_limit: 2,
                audience: Audience {
                    estate: true,
                    ..Audience::default()
                },
            },
        )
        .await?;
    perks
        .create(
            &admin,
            PerkFields {
                partner_id: ids[6],
                title: "A free dog walk".to_owned(),
                description: "One 30-minute walk for a dog of Building A.".to_owned(),
                kind: PerkKind::FreeService,
                starts_at: now,
                ends_at: now + Duration::days(30),
                min_volunteer_minutes: 0,
                time_bank_minutes: None,
                total_limit: 20,
                per_resident_limit: 1,
                audience: Audience {
                    building_ids: first.clone(),
                    ..Audience::default()
                },
            },
        )
        .await?;
    perks
        .create(
            &admin,
            PerkFields {
                partner_id: ids[5],
                title: "Two hours of home help for volunteer hours".to_owned(),
                description: "Exchange two time-bank hours for two hours of home help.".to_owned(),
                kind: PerkKind::TimeBankExchange,
                starts_at: now,
                ends_at: now + Duration::days(90),
                min_volunteer_minutes: 60,
                time_bank_minutes: Some(120),
                total_limit: 10,
                per_resident_limit: 1,
                audience: Audience {
                    estate: true,
                    ..Audience::default()
                },
            },
        )
        .await?;
    // A few residents claim the bakery discount; the bakery redeems two codes.
    let merchant_scope = scope(state, MERCHANT).await?;
    for (n, email) in [
        "resident1@demo.test",
        "resident2@demo.test",
        "resident25@demo.test",
    ]
    .into_iter()
    .enumerate()
    {
        let resident = scope(state, email).await?;
        let code = perks.claim(&resident, discount.id).await?;
        if n < 2 {
            perks.redeem(&merchant_scope, &code.code).await?;
        }
    }
    Ok(ids.len())
}
