//! Demo volunteers and service centres: three calls for volunteers (one past shift whose
//! attendance staff verified, so residents hold hours, and future shifts with sign-ups), a
//! donation between neighbours, and two service centres with weekly hours, an exception, and
//! booked and walk-in appointments. Each part is skipped when its first row exists, so seeding
//! twice adds nothing.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::ExprTrait};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        service_centres::types::{AppointmentKind, AppointmentStatus},
        volunteers::{
            service::{credit, debit, entry},
            types::{OpportunityKind, OpportunityStatus, SignUpStatus, TimeBankKind},
        },
    },
    error::{AppError, AppResult},
};
use entity::{
    appointment, appointment_queue_counter, appointment_slot, building, service_category,
    service_centre, service_centre_building, service_centre_exception, service_centre_hours,
    service_centre_service, time_bank_entry, user, volunteer_opportunity, volunteer_profile,
    volunteer_shift, volunteer_sign_up,
};

/// The demo centres' names.
pub const CENTRES: [&str; 2] = [
    "Lotus Court Service Station",
    "Riverside Community Service Centre",
];
/// The demo opportunities' titles.
pub const OPPORTUNITIES: [&str; 3] = [
    "Visiting elders who live alone",
    "Homework club for primary pupils",
    "Riverside clean-up day",
];

async fn user_id(state: &AppState, email: &str) -> AppResult<Uuid> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| AppError::internal(format!("demo account {email} is missing")))
}

async fn category(state: &AppState, code: &str) -> AppResult<Option<Uuid>> {
    Ok(service_category::Entity::find()
        .filter(service_category::Column::Code.eq(code))
        .one(&state.db)
        .await?
        .map(|c| c.id))
}

/// The next date after `from` that is not a weekend.
fn next_weekday(from: NaiveDate) -> NaiveDate {
    let mut day = from + Duration::days(1);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += Duration::days(1);
    }
    day
}

fn at(date: NaiveDate, h: u32, m: u32) -> chrono::DateTime<Utc> {
    date.and_hms_opt(h, m, 0).unwrap_or_default().and_utc()
}

/// A demo centre: name, address, phone, buildings, services (category, slot minutes, places),
/// weekly hours (weekday, opens, closes).
type CentrePlan = (
    &'static str,
    &'static str,
    &'static str,
    Vec<Uuid>,
    Vec<(Uuid, i32, i32)>,
    Vec<(i32, i32, i32)>,
);

/// Seeds the demo volunteers and service centres (see the module header). Returns how many
/// parts it added (0 on a second run).
pub async fn seed_community_services(state: &AppState) -> AppResult<usize> {
    let mut added = 0;
    if seed_volunteers(state).await? {
        added += 1;
    }
    if seed_centres(state).await? {
        added += 1;
    }
    Ok(added)
}

async fn seed_volunteers(state: &AppState) -> AppResult<bool> {
    let exists = volunteer_opportunity::Entity::find()
        .filter(volunteer_opportunity::Column::Title.eq(OPPORTUNITIES[0]))
        .one(&state.db)
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let coordinator = user_id(state, "staff1@demo.test").await?;
    let volunteers = [
        user_id(state, "resident1@demo.test").await?,
        user_id(state, "resident2@demo.test").await?,
        user_id(state, "resident25@demo.test").await?,
    ];
    let greening = category(state, "GREENING").await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let today = state.clock.today();
    let profiles = [
        (r#"["elder care","chess"]"#, "Weekday afternoons", true),
        (
            r#"["maths tutoring","first aid"]"#,
            "Saturday mornings",
            true,
        ),
        (r#"["gardening"]"#, "Sundays", false),
    ];
    for (user, (skills, availability, verified)) in volunteers.iter().zip(profiles) {
        volunteer_profile::Entity::insert(volunteer_profile::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(*user),
            skills: Set(skills.to_owned()),
            availability: Set(availability.to_owned()),
            verified: Set(verified),
            verified_by: Set(verified.then_some(coordinator)),
            verified_at: Set(verified.then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing_on([volunteer_profile::Column::UserId])
        .exec_without_returning(&txn)
        .await?;
    }
    let plans = [
        (
            OPPORTUNITIES[0],
            "Spend an afternoon with a neighbour who lives alone: a chat, a walk, help with a form.",
            OpportunityKind::ElderVisiting,
            None,
            "Building A, lobby",
        ),
        (
            OPPORTUNITIES[1],
            "Help pupils of the estate with their homework in the community room.",
            OpportunityKind::Tutoring,
            None,
            "Community room, Building B",
        ),
        (
            OPPORTUNITIES[2],
            "Pick up litter along the river path and plant bulbs by the gate.",
            OpportunityKind::Environment,
            greening,
            "Riverside gate",
        ),
    ];
    let mut shifts = Vec::new();
    for (title, description, kind, category_id, place) in plans {
        let id = Uuid::now_v7();
        volunteer_opportunity::Entity::insert(volunteer_opportunity::ActiveModel {
            id: Set(id),
            title: Set(title.to_owned()),
            description: Set(description.to_owned()),
            kind: Set(kind.as_str().to_owned()),
            activity_id: Set(None),
            category_id: Set(category_id),
            place: Set(Some(place.to_owned())),
            status: Set(OpportunityStatus::Open.as_str().to_owned()),
            created_by: Set(coordinator),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        // A shift a week ago (done) and one next week.
        for (offset, places) in [(-7, 4), (7, 6)] {
            let day = today + Duration::days(offset);
            let shift = Uuid::now_v7();
            volunteer_shift::Entity::insert(volunteer_shift::ActiveModel {
                id: Set(shift),
                opportunity_id: Set(id),
                starts_at: Set(at(day, 14, 0)),
                ends_at: Set(at(day, 16, 0)),
                places: Set(places),
                taken: Set(0),
                created_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
            shifts.push((id, shift, offset < 0));
        }
    }
    // The past elder-visiting and clean-up shifts: residents 1 and 2 came (verified: hours);
    // the future shifts have sign-ups waiting.
    let mut earned = Vec::new();
    for (index, (opportunity, shift, past)) in shifts.iter().enumerate() {
        let signers: &[usize] = match (index, past) {
            (0, true) => &[0, 1],
            (4, true) => &[0],
            (_, false) => &[0, 2],
            _ => &[],
        };
        for who in signers {
            let id = Uuid::now_v7();
            let attended = *past;
            volunteer_sign_up::Entity::insert(volunteer_sign_up::ActiveModel {
                id: Set(id),
                shift_id: Set(*shift),
                opportunity_id: Set(*opportunity),
                user_id: Set(volunteers[*who]),
                status: Set(if attended {
                    SignUpStatus::Attended
                } else {
                    SignUpStatus::SignedUp
                }
                .as_str()
                .to_owned()),
                active_shift_id: Set(Some(*shift)),
                minutes: Set(attended.then_some(120)),
                verified_by: Set(attended.then_some(coordinator)),
                verified_at: Set(attended.then_some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
            volunteer_shift::Entity::update_many()
                .col_expr(
                    volunteer_shift::Column::Taken,
                    sea_orm::sea_query::Expr::col(volunteer_shift::Column::Taken).add(1),
                )
                .filter(volunteer_shift::Column::Id.eq(*shift))
                .exec(&txn)
                .await?;
            if attended {
                earned.push((volunteers[*who], id));
            }
        }
    }
    let mut entries = Vec::new();
    for (user, sign_up) in earned {
        let balance = credit(&txn, user, 120, now).await?;
        entries.push(entry(
            user,
            TimeBankKind::Earned,
            120,
            balance,
            None,
            Some(sign_up),
            None,
            coordinator,
            now,
        ));
    }
    // Resident 1 gives half an hour to resident 2.
    if let Some(given) = debit(&txn, volunteers[0], 30, now).await? {
        let received = credit(&txn, volunteers[1], 30, now).await?;
        let note = Some("Thanks for watering my plants".to_owned());
        entries.push(entry(
            volunteers[0],
            TimeBankKind::Donated,
            -30,
            given,
            Some(volunteers[1]),
            None,
            note.clone(),
            volunteers[0],
            now,
        ));
        entries.push(entry(
            volunteers[1],
            TimeBankKind::Received,
            30,
            received,
            Some(volunteers[0]),
            None,
            note,
            volunteers[0],
            now,
        ));
    }
    time_bank_entry::Entity::insert_many(
        entries.into_iter().map(time_bank_entry::ActiveModel::from),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}

async fn seed_centres(state: &AppState) -> AppResult<bool> {
    let exists = service_centre::Entity::find()
        .filter(service_centre::Column::Name.eq(CENTRES[0]))
        .one(&state.db)
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let buildings: Vec<building::Model> = building::Entity::find().all(&state.db).await?;
    let building_a = buildings.iter().find(|b| b.name.starts_with("Building A"));
    let building_b = buildings.iter().find(|b| b.name.starts_with("Building B"));
    let (Some(building_a), Some(building_b)) = (building_a, building_b) else {
        tracing::warn!("demo buildings not found: service centres skipped");
        return Ok(false);
    };
    let codes = ["PLUMBING", "HOME_CLEANING", "HEALTH_CHECK", "ELECTRICAL"];
    let mut categories = Vec::new();
    for code in codes {
        match category(state, code).await? {
            Some(id) => categories.push(id),
            None => {
                tracing::warn!(code, "demo category not found: service centres skipped");
                return Ok(false);
            }
        }
    }
    let residents = [
        user_id(state, "resident1@demo.test").await?,
        user_id(state, "resident2@demo.test").await?,
        user_id(state, "resident25@demo.test").await?,
    ];
    let desk = user_id(state, "staff1@demo.test").await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let today = state.clock.today();
    let next_open = next_weekday(today);
    // (name, address, phone, buildings, services (category, minutes, places), hours).
    let plans: [CentrePlan; 2] = [
        (
            CENTRES[0],
            "18 Riverside Road, Block A, ground floor",
            "+86 21 5555 0101",
            vec![building_a.id],
            vec![(categories[0], 30, 2), (categories[1], 30, 1)],
            (1..=5)
                .map(|d| (d, 8 * 60 + 30, 17 * 60 + 30))
                .chain([(6, 9 * 60, 12 * 60)])
                .collect(),
        ),
        (
            CENTRES[1],
            "20 Riverside Road, community hall",
            "+86 21 5555 0202",
            vec![building_a.id, building_b.id],
            vec![(categories[2], 20, 3), (categories[3], 30, 2)],
            (1..=6).map(|d| (d, 9 * 60, 18 * 60)).collect(),
        ),
    ];
    let mut centre_ids = Vec::new();
    for (name, address, phone, covered, services, hours) in plans {
        let id = Uuid::now_v7();
        service_centre::Entity::insert(service_centre::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            address: Set(address.to_owned()),
            phone: Set(Some(phone.to_owned())),
            email: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        service_centre_building::Entity::insert_many(covered.iter().map(|b| {
            service_centre_building::ActiveModel {
                centre_id: Set(id),
                building_id: Set(*b),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        service_centre_service::Entity::insert_many(services.iter().map(|(c, m, p)| {
            service_centre_service::ActiveModel {
                centre_id: Set(id),
                category_id: Set(*c),
                slot_minutes: Set(*m),
                capacity: Set(*p),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        service_centre_hours::Entity::insert_many(hours.iter().map(|(d, o, c)| {
            service_centre_hours::ActiveModel {
                centre_id: Set(id),
                weekday: Set(*d),
                opens: Set(*o),
                closes: Set(*c),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        centre_ids.push(id);
    }
    // The station closes for a staff training day in two weeks; the centre shortens a day.
    service_centre_exception::Entity::insert_many([
        service_centre_exception::ActiveModel {
            centre_id: Set(centre_ids[0]),
            date: Set(next_weekday(today + Duration::days(13))),
            opens: Set(None),
            closes: Set(None),
            note: Set(Some("Staff training day".to_owned())),
        },
        service_centre_exception::ActiveModel {
            centre_id: Set(centre_ids[1]),
            date: Set(next_weekday(today + Duration::days(6))),
            opens: Set(Some(9 * 60)),
            closes: Set(Some(12 * 60)),
            note: Set(Some("Community festival in the afternoon".to_owned())),
        },
    ])
    .exec_without_returning(&txn)
    .await?;
    // Bookings on the next weekday at 10:00: resident 1 (plumbing, station), resident 25
    // (health check, centre); and a walk-in resident 2 was served today.
    let bookings = [
        (
            centre_ids[0],
            categories[0],
            30,
            2,
            residents[0],
            "The kitchen tap drips",
        ),
        (
            centre_ids[1],
            categories[2],
            20,
            3,
            residents[2],
            "Blood pressure check",
        ),
    ];
    for (centre, service, minutes, capacity, resident, note) in bookings {
        let starts = at(next_open, 10, 0);
        let slot = Uuid::now_v7();
        appointment_slot::Entity::insert(appointment_slot::ActiveModel {
            id: Set(slot),
            centre_id: Set(centre),
            category_id: Set(service),
            starts_at: Set(starts),
            ends_at: Set(starts + Duration::minutes(minutes)),
            capacity: Set(capacity),
            booked: Set(1),
        })
        .exec_without_returning(&txn)
        .await?;
        appointment::Entity::insert(appointment::ActiveModel::from(appointment::Model {
            id: Uuid::now_v7(),
            centre_id: centre,
            category_id: service,
            user_id: resident,
            kind: AppointmentKind::Booked.as_str().to_owned(),
            status: AppointmentStatus::Booked.as_str().to_owned(),
            slot_id: Some(slot),
            active_slot_id: Some(slot),
            starts_at: Some(starts),
            day: next_open,
            queue_number: None,
            sort_at: starts,
            note: Some(note.to_owned()),
            work_order_id: None,
            created_by: resident,
            created_at: now,
            updated_at: now,
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    appointment::Entity::insert(appointment::ActiveModel::from(appointment::Model {
        id: Uuid::now_v7(),
        centre_id: centre_ids[1],
        category_id: categories[3],
        user_id: residents[1],
        kind: AppointmentKind::WalkIn.as_str().to_owned(),
        status: AppointmentStatus::Served.as_str().to_owned(),
        slot_id: None,
        active_slot_id: None,
        starts_at: None,
        day: today,
        queue_number: Some(1),
        sort_at: now,
        note: Some("Asked how to read the electricity meter".to_owned()),
        work_order_id: None,
        created_by: desk,
        created_at: now,
        updated_at: now,
    }))
    .exec_without_returning(&txn)
    .await?;
    appointment_queue_counter::Entity::insert(appointment_queue_counter::ActiveModel {
        centre_id: Set(centre_ids[1]),
        day: Set(today),
        last: Set(1),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}
