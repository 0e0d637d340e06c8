//! Demo data: a small, realistic estate to explore the API with (`resident-hub seed-demo`, or
//! `serve --demo`). Seeding is idempotent. The estate (accounts, buildings, units, households,
//! staff) is all-or-nothing: it runs in one transaction and is skipped when the demo
//! administrator already exists. Then the demo notices are published through the notices
//! service, as the demo administrator, each unless a notice of the demo administrator with its
//! title already exists (so a second run adds nothing, and an interrupted run, or a database
//! seeded before there were demo notices, gets the missing ones). The service catalogue
//! (categories with their service-level targets, offerings and a week of slots) is added the
//! same way: each demo category, with its offerings and slots, unless its code exists. Last, the
//! demo work orders (one or more in every status) are submitted and taken through their steps by
//! the work-order service, each unless an order with its title exists ([`work_orders`]).

mod work_orders;

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::{AuthenticatedUser, Role, Viewer, password},
    domains::{
        catalogue::types::{DispatchMode, OfferingChannel, Priority},
        estate::{
            access::Scope,
            types::{
                HouseholdMemberKind, ResidencyRelation, ServiceCategory, StaffPost, StaffStatus,
                UnitKind,
            },
        },
        notices::{
            audience::Audience,
            service::{NewNotice, NoticeService},
            types::{NoticeKind, NoticePriority},
        },
    },
    error::{AppError, AppResult},
};
use entity::{
    building, household_member, notice, residency, service_category, service_category_sla,
    service_offering, service_slot, staff_building, staff_category, staff_record, unit, user,
    user_role,
};

pub use work_orders::{seed_work_orders, work_order_plan};

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password";
/// The demo administrator.
pub const DEMO_ADMIN: &str = "admin@demo.test";
/// Number of demo residents (`resident1@demo.test` …).
pub const RESIDENTS: usize = 32;

const FAMILY_NAMES: [&str; 16] = [
    "Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Hu",
    "Zhu", "Gao", "Lin",
];
const GIVEN_NAMES: [&str; 16] = [
    "Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Qiang", "Xiu", "Jun", "Hui", "Tao", "Ling", "Bo",
    "Na", "Hao", "Mei",
];

/// What a seed run did.
#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The estate was created.
    Created {
        /// Users created.
        users: usize,
        /// Units created.
        units: usize,
    },
    /// The demo data was already there; nothing changed.
    AlreadyPresent,
}

fn name(i: usize) -> String {
    format!(
        "{} {}",
        FAMILY_NAMES[i % FAMILY_NAMES.len()],
        GIVEN_NAMES[(i * 7 + 3) % GIVEN_NAMES.len()]
    )
}

fn date(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| AppError::internal("invalid demo date"))
}

struct Seeder<'c, C: ConnectionTrait> {
    db: &'c C,
    hash: String,
    users: usize,
    now: DateTime<Utc>,
}

impl<C: ConnectionTrait> Seeder<'_, C> {
    async fn user(&mut self, email: &str, display_name: &str, roles: &[Role]) -> AppResult<Uuid> {
        let now = self.now;
        let id = Uuid::now_v7();
        user::Entity::insert(user::ActiveModel {
            id: Set(id),
            email: Set(email.to_owned()),
            phone: Set(None),
            display_name: Set(display_name.to_owned()),
            password_hash: Set(self.hash.clone()),
            status: Set("ACTIVE".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(self.db)
        .await?;
        user_role::Entity::insert_many(roles.iter().map(|role| user_role::ActiveModel {
            user_id: Set(id),
            role: Set(role.as_str().to_owned()),
        }))
        .exec(self.db)
        .await?;
        self.users += 1;
        Ok(id)
    }
}

/// Seeds the demo estate unless it is already there, then adds the demo notices, catalogue
/// categories and work orders that are missing. `AlreadyPresent` when the estate was there
/// (missing demo notices, categories and orders are still added).
pub async fn seed(state: &AppState) -> AppResult<SeedOutcome> {
    let outcome = seed_estate(state).await?;
    seed_notices(state).await?;
    seed_catalogue(state).await?;
    seed_work_orders(state).await?;
    Ok(outcome)
}

/// Where a demo notice goes.
enum DemoAudience {
    Estate,
    /// A building, by its index in the demo's list.
    Building(usize),
    Role(Role),
}

struct DemoNotice {
    title: &'static str,
    body: &'static str,
    kind: NoticeKind,
    priority: NoticePriority,
    audience: DemoAudience,
    pinned: bool,
    requires_ack: bool,
}

/// Titles of the demo notices, in publication order.
pub fn notice_titles() -> Vec<&'static str> {
    demo_notices().iter().map(|n| n.title).collect()
}

/// The demo notices, oldest first (the board shows pinned ones first, then the newest).
fn demo_notices() -> [DemoNotice; 6] {
    [
        DemoNotice {
            title: "Welcome to Riverside Gardens",
            body: "The estate office is in Building A, ground floor, open **every day 08:00–20:00**.\n\n\
                   - Repairs and cleaning: report them here, or call the service desk on 400-820-1818.\n\
                   - Parcels are kept at the security desk of each building for 7 days.\n\
                   - Quiet hours are 22:00–07:00.",
            kind: NoticeKind::General,
            priority: NoticePriority::Normal,
            audience: DemoAudience::Estate,
            pinned: true,
            requires_ack: false,
        },
        DemoNotice {
            title: "Mid-Autumn lantern evening in the central garden",
            body: "Join your neighbours on Saturday from 18:30 by the pond: lantern making for \
                   children, mooncakes from Lotus Bakery and tea. Bring a folding chair if you can.",
            kind: NoticeKind::Activity,
            priority: NoticePriority::Normal,
            audience: DemoAudience::Estate,
            pinned: false,
            requires_ack: false,
        },
        DemoNotice {
            title: "Lotus Court: water off Tuesday 09:00–12:00",
            body: "The riser pipe on floors 3–6 of Building A is being replaced. Water will be off in \
                   every flat of the building from 09:00 to 12:00 on Tuesday. Please keep some \
                   drinking water ready, and **acknowledge this notice** so we know you have seen it.",
            kind: NoticeKind::Maintenance,
            priority: NoticePriority::Important,
            audience: DemoAudience::Building(0),
            pinned: false,
            requires_ack: true,
        },
        DemoNotice {
            title: "Bamboo Court: lift 2 out of service on Thursday",
            body: "Lift 2 of Building B gets its annual safety inspection on Thursday from 13:00 to \
                   17:00. Lift 1 runs as usual. Residents who need help with the stairs can call the \
                   service desk.",
            kind: NoticeKind::Outage,
            priority: NoticePriority::Normal,
            audience: DemoAudience::Building(1),
            pinned: false,
            requires_ack: false,
        },
        DemoNotice {
            title: "Staff: fire-drill briefing on Monday",
            body: "All on-site staff: briefing in the estate office on Monday at 08:30, before the \
                   quarterly fire drill. Fire-control staff bring the drill plan.",
            kind: NoticeKind::Fire,
            priority: NoticePriority::Important,
            audience: DemoAudience::Role(Role::Staff),
            pinned: false,
            requires_ack: false,
        },
        DemoNotice {
            title: "Typhoon warning: secure balconies and windows tonight",
            body: "The observatory has raised a typhoon warning from 20:00 today. Bring in or tie \
                   down everything on balconies and window sills, close windows, and keep away from \
                   the car-park ramps, which may flood. The security team is on duty all night.",
            kind: NoticeKind::Safety,
            priority: NoticePriority::Emergency,
            audience: DemoAudience::Estate,
            pinned: false,
            requires_ack: false,
        },
    ]
}

/// Publishes the demo notices that are not there yet, as the demo administrator, through the
/// notices service (so they come with their notifications and events). Returns how many it
/// published.
async fn seed_notices(state: &AppState) -> AppResult<usize> {
    let Some(admin) = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_ADMIN))
        .one(&state.db)
        .await?
    else {
        return Ok(0);
    };
    let existing: HashSet<String> = notice::Entity::find()
        .filter(notice::Column::AuthorId.eq(admin.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|n| n.title)
        .collect();
    let missing: Vec<DemoNotice> = demo_notices()
        .into_iter()
        .filter(|n| !existing.contains(n.title))
        .collect();
    if missing.is_empty() {
        return Ok(0);
    }
    // A demo building renamed or removed since: its notice is left out rather than failing
    // `serve --demo` at every start.
    let names = DEMO_BUILDINGS.map(|(name, _, _)| name);
    let found = building::Entity::find()
        .filter(building::Column::Name.is_in(names))
        .all(&state.db)
        .await?;
    let building = |i: usize| found.iter().find(|b| b.name == names[i]).map(|b| b.id);
    let viewer = Viewer::User(AuthenticatedUser {
        id: admin.id,
        roles: vec![Role::Admin],
    });
    let scope = Scope::new(state.db.clone(), &viewer, state.clock.today());
    let service = NoticeService::new(state);
    let mut published = 0;
    for demo in missing {
        let audience = match demo.audience {
            DemoAudience::Estate => Audience {
                estate: true,
                ..Audience::default()
            },
            DemoAudience::Building(i) => match building(i) {
                Some(id) => Audience {
                    building_ids: vec![id],
                    ..Audience::default()
                },
                None => {
                    tracing::warn!(
                        title = demo.title,
                        "demo building not found: notice skipped"
                    );
                    continue;
                }
            },
            DemoAudience::Role(role) => Audience {
                roles: vec![role],
                ..Audience::default()
            },
        };
        service
            .publish(
                &scope,
                NewNotice {
                    title: demo.title.to_owned(),
                    body: demo.body.to_owned(),
                    kind: demo.kind,
                    priority: demo.priority,
                    audience,
                    publish_at: None,
                    expires_at: None,
                    pinned: demo.pinned,
                    requires_ack: demo.requires_ack,
                    supersedes: None,
                    draft: false,
                },
            )
            .await?;
        published += 1;
    }
    Ok(published)
}

/// The demo buildings: name, address, service-centre hours.
const DEMO_BUILDINGS: [(&str, &str, &str); 2] = [
    (
        "Building A · Lotus Court",
        "18 Riverside Road, Block A",
        "Mon–Sun 08:00–20:00",
    ),
    (
        "Building B · Bamboo Court",
        "18 Riverside Road, Block B",
        "Mon–Sat 08:30–18:30",
    ),
];

/// Seeds the estate alone (one transaction) unless the demo administrator exists: no notices.
/// [`seed`] is the demo seed; this is for tests that want the demo estate with an empty board.
pub async fn seed_estate(state: &AppState) -> AppResult<SeedOutcome> {
    let exists = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_ADMIN))
        .one(&state.db)
        .await?
        .is_some();
    if exists {
        return Ok(SeedOutcome::AlreadyPresent);
    }
    // One hash for every demo account: they share a published password anyway, and hashing 48
    // times would only slow the seed down.
    let hash = password::hash(&password::NewPassword::parse(
        "password",
        DEMO_PASSWORD,
        None,
    )?)
    .await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let mut seeder = Seeder {
        db: &txn,
        hash,
        users: 0,
        now,
    };

    seeder
        .user(DEMO_ADMIN, "Estate Manager", &[Role::Admin])
        .await?;
    seeder
        .user(
            "supervisor1@demo.test",
            "Quality Supervisor",
            &[Role::Supervisor],
        )
        .await?;
    seeder
        .user("merchant1@demo.test", "Lotus Bakery", &[Role::Merchant])
        .await?;

    let buildings = DEMO_BUILDINGS;
    let mut building_ids = Vec::new();
    let mut flats = Vec::new();
    let mut unit_count = 0;
    for (name, address, hours) in buildings {
        let id = Uuid::now_v7();
        building::Entity::insert(building::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            address: Set(address.to_owned()),
            service_centre_hours: Set(hours.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
        building_ids.push(id);
        let mut units = Vec::new();
        for floor in 1..=6 {
            for n in 1..=4 {
                units.push((floor, format!("{floor}0{n}"), UnitKind::Flat));
            }
        }
        units.push((1, "S01".to_owned(), UnitKind::Commercial));
        units.push((1, "S02".to_owned(), UnitKind::Commercial));
        for n in 1..=4 {
            units.push((-1, format!("P{n:02}"), UnitKind::Parking));
        }
        unit_count += units.len();
        let models: Vec<unit::ActiveModel> = units
            .into_iter()
            .map(|(floor, number, kind)| {
                let id = Uuid::now_v7();
                if kind == UnitKind::Flat {
                    flats.push(id);
                }
                unit::ActiveModel {
                    id: Set(id),
                    building_id: Set(building_ids[building_ids.len() - 1]),
                    floor: Set(floor),
                    number: Set(number),
                    kind: Set(kind.as_str().to_owned()),
                    created_at: Set(now),
                }
            })
            .collect();
        unit::Entity::insert_many(models).exec(&txn).await?;
    }

    let mut residencies = Vec::new();
    let mut members = Vec::new();
    for i in 1..=RESIDENTS {
        let id = seeder
            .user(
                &format!("resident{i}@demo.test"),
                &name(i),
                &[Role::Resident],
            )
            .await?;
        // The last four residents are family members sharing the first four flats.
        let (flat, relation) = if i > RESIDENTS - 4 {
            (flats[i - (RESIDENTS - 4) - 1], ResidencyRelation::Family)
        } else if i % 3 == 0 {
            (flats[i - 1], ResidencyRelation::Tenant)
        } else {
            (flats[i - 1], ResidencyRelation::Owner)
        };
        residencies.push(residency::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(id),
            unit_id: Set(flat),
            relation: Set(relation.as_str().to_owned()),
            moved_in: Set(date(
                2018 + (i % 7) as i32,
                1 + (i % 12) as u32,
                1 + (i % 27) as u32,
            )?),
            moved_out: Set(None),
            created_at: Set(now),
        });
        if relation == ResidencyRelation::Family {
            continue;
        }
        let member = |kind: HouseholdMemberKind,
                      name: String,
                      birth: Option<NaiveDate>,
                      species: Option<&str>,
                      needs: &str| household_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            unit_id: Set(flat),
            kind: Set(kind.as_str().to_owned()),
            name: Set(name),
            birth_date: Set(birth),
            species: Set(species.map(str::to_owned)),
            care_needs: Set(needs.to_owned()),
            consent_at: Set(now),
            created_at: Set(now),
        };
        if i % 2 == 1 {
            members.push(member(
                HouseholdMemberKind::Child,
                format!("Little {}", GIVEN_NAMES[i % 16]),
                Some(date(2015 + (i % 8) as i32, 3, 14)?),
                None,
                "After-school pick-up on weekdays",
            ));
        }
        if i % 4 == 2 {
            members.push(member(
                HouseholdMemberKind::Elder,
                format!("Grandma {}", FAMILY_NAMES[i % 16]),
                Some(date(1942 + (i % 10) as i32, 9, 2)?),
                None,
                "Blood-pressure check twice a week; uses a walker",
            ));
        }
        if i % 5 == 0 {
            let (pet, species) = if i % 2 == 0 {
                ("Doudou", "dog")
            } else {
                ("Mimi", "cat")
            };
            members.push(member(
                HouseholdMemberKind::Pet,
                pet.to_owned(),
                None,
                Some(species),
                "Walks or feeding when the family travels",
            ));
        }
    }
    residency::Entity::insert_many(residencies)
        .exec(&txn)
        .await?;
    household_member::Entity::insert_many(members)
        .exec(&txn)
        .await?;

    let staff: [(StaffPost, &[ServiceCategory], &[usize], StaffStatus); 12] = [
        (
            StaffPost::CustomerService,
            &[ServiceCategory::CustomerService],
            &[0, 1],
            StaffStatus::Active,
        ),
        (
            StaffPost::RepairTechnician,
            &[ServiceCategory::Repair, ServiceCategory::Facility],
            &[0],
            StaffStatus::Active,
        ),
        (
            StaffPost::RepairTechnician,
            &[ServiceCategory::Repair],
            &[1],
            StaffStatus::Active,
        ),
        (
            StaffPost::Electrician,
            &[ServiceCategory::Repair, ServiceCategory::Facility],
            &[0, 1],
            StaffStatus::Active,
        ),
        (
            StaffPost::Cleaner,
            &[ServiceCategory::Cleaning, ServiceCategory::Housekeeping],
            &[0],
            StaffStatus::Active,
        ),
        (
            StaffPost::Cleaner,
            &[ServiceCategory::Cleaning],
            &[1],
            StaffStatus::Onboarding,
        ),
        (
            StaffPost::Gardener,
            &[ServiceCategory::Greening],
            &[0, 1],
            StaffStatus::Active,
        ),
        (
            StaffPost::Security,
            &[ServiceCategory::Security],
            &[0, 1],
            StaffStatus::Active,
        ),
        (
            StaffPost::FireControl,
            &[ServiceCategory::FireSafety],
            &[0, 1],
            StaffStatus::Active,
        ),
        (
            StaffPost::Caregiver,
            &[
                ServiceCategory::Childcare,
                ServiceCategory::ElderlyCare,
                ServiceCategory::PetCare,
            ],
            &[0],
            StaffStatus::Active,
        ),
        (
            StaffPost::HealthAssistant,
            &[ServiceCategory::Health],
            &[0, 1],
            StaffStatus::Active,
        ),
        (
            StaffPost::Manager,
            &[ServiceCategory::CustomerService],
            &[0, 1],
            StaffStatus::Active,
        ),
    ];
    for (i, (post, categories, buildings, status)) in staff.iter().enumerate() {
        let n = i + 1;
        let user_id = seeder
            .user(
                &format!("staff{n}@demo.test"),
                &name(100 + n),
                &[Role::Staff],
            )
            .await?;
        let staff_id = Uuid::now_v7();
        staff_record::Entity::insert(staff_record::ActiveModel {
            id: Set(staff_id),
            user_id: Set(user_id),
            post: Set(post.as_str().to_owned()),
            employee_number: Set(format!("RH-{n:04}")),
            hire_date: Set(date(2019 + (n % 6) as i32, 1 + (n % 12) as u32, 10)?),
            status: Set(status.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
        staff_building::Entity::insert_many(buildings.iter().map(|b| {
            staff_building::ActiveModel {
                staff_id: Set(staff_id),
                building_id: Set(building_ids[*b]),
            }
        }))
        .exec(&txn)
        .await?;
        staff_category::Entity::insert_many(categories.iter().map(|c| {
            staff_category::ActiveModel {
                staff_id: Set(staff_id),
                category: Set(c.as_str().to_owned()),
            }
        }))
        .exec(&txn)
        .await?;
    }
    let users = seeder.users;
    txn.commit().await?;
    Ok(SeedOutcome::Created {
        users,
        units: unit_count,
    })
}

/// A demo catalogue category: code, name, description, group, dispatch mode, default priority,
/// payable, return visit, and the normal priority's (response, resolution) minutes, from which
/// the other priorities' targets are derived.
struct DemoCategory {
    code: &'static str,
    name: &'static str,
    description: &'static str,
    group: ServiceCategory,
    dispatch: DispatchMode,
    default_priority: Priority,
    payable: bool,
    return_visit: bool,
    normal: (i32, i32),
    offerings: &'static [DemoOffering],
}

/// A demo offering: name, description, price, duration, slot capacity.
struct DemoOffering {
    name: &'static str,
    description: &'static str,
    price: Option<&'static str>,
    minutes: i32,
    capacity: i32,
}

/// The demo catalogue: one or more categories for every group residents ask for.
const DEMO_CATALOGUE: [DemoCategory; 11] = [
    DemoCategory {
        code: "PLUMBING",
        name: "Plumbing repair",
        description: "Leaks, blocked drains, taps, toilets and water heaters.",
        group: ServiceCategory::Repair,
        dispatch: DispatchMode::Auto,
        default_priority: Priority::Normal,
        payable: false,
        return_visit: true,
        normal: (60, 1440),
        offerings: &[],
    },
    DemoCategory {
        code: "ELECTRICAL",
        name: "Electrical repair",
        description: "Sockets, switches, lights, breakers and household appliances.",
        group: ServiceCategory::Repair,
        dispatch: DispatchMode::Auto,
        default_priority: Priority::Normal,
        payable: false,
        return_visit: true,
        normal: (60, 1440),
        offerings: &[DemoOffering {
            name: "AC maintenance",
            description: "Filter cleaning, gas check and a test run of one air conditioner.",
            price: Some("180.00"),
            minutes: 90,
            capacity: 2,
        }],
    },
    DemoCategory {
        code: "HOME_CLEANING",
        name: "Home cleaning",
        description: "Cleaning inside your flat by the estate's housekeeping team.",
        group: ServiceCategory::Housekeeping,
        dispatch: DispatchMode::Grab,
        default_priority: Priority::Low,
        payable: true,
        return_visit: false,
        normal: (240, 2880),
        offerings: &[DemoOffering {
            name: "2-hour home cleaning",
            description: "Kitchen, bathroom, floors and dusting; materials included.",
            price: Some("120.00"),
            minutes: 120,
            capacity: 3,
        }],
    },
    DemoCategory {
        code: "GREENING",
        name: "Garden and greening",
        description: "Trimming, planting and watering of shared and private gardens.",
        group: ServiceCategory::Greening,
        dispatch: DispatchMode::Assign,
        default_priority: Priority::Low,
        payable: false,
        return_visit: false,
        normal: (480, 4320),
        offerings: &[],
    },
    DemoCategory {
        code: "PET_CARE",
        name: "Pet care",
        description: "Walks, feeding and company for pets while the family is away.",
        group: ServiceCategory::PetCare,
        dispatch: DispatchMode::Grab,
        default_priority: Priority::Normal,
        payable: true,
        return_visit: false,
        normal: (120, 1440),
        offerings: &[DemoOffering {
            name: "Pet walk",
            description: "A 45-minute walk around the estate's paths.",
            price: Some("40.00"),
            minutes: 45,
            capacity: 4,
        }],
    },
    DemoCategory {
        code: "ELDERLY_CARE",
        name: "Elderly care visit",
        description: "Home visits, company and help with daily tasks for elderly residents.",
        group: ServiceCategory::ElderlyCare,
        dispatch: DispatchMode::Assign,
        default_priority: Priority::Normal,
        payable: true,
        return_visit: true,
        normal: (120, 1440),
        offerings: &[],
    },
    DemoCategory {
        code: "CHILDCARE",
        name: "Childcare",
        description: "After-school pick-up and care by the estate's caregivers.",
        group: ServiceCategory::Childcare,
        dispatch: DispatchMode::Assign,
        default_priority: Priority::Normal,
        payable: true,
        return_visit: false,
        normal: (120, 1440),
        offerings: &[],
    },
    DemoCategory {
        code: "SECURITY_PATROL",
        name: "Security patrol request",
        description: "Ask the security team to check a place or escort you home.",
        group: ServiceCategory::Security,
        dispatch: DispatchMode::Assign,
        default_priority: Priority::High,
        payable: false,
        return_visit: false,
        normal: (15, 120),
        offerings: &[],
    },
    DemoCategory {
        code: "FIRE_SAFETY_CHECK",
        name: "Fire-safety check",
        description: "Smoke detectors, extinguishers and escape routes checked in your flat.",
        group: ServiceCategory::FireSafety,
        dispatch: DispatchMode::Assign,
        default_priority: Priority::Normal,
        payable: false,
        return_visit: false,
        normal: (240, 4320),
        offerings: &[],
    },
    DemoCategory {
        code: "LIFT_FAULT",
        name: "Lift and facility fault",
        description: "Lifts, doors, lighting and other shared equipment out of order.",
        group: ServiceCategory::Facility,
        dispatch: DispatchMode::Auto,
        default_priority: Priority::High,
        payable: false,
        return_visit: true,
        normal: (30, 480),
        offerings: &[],
    },
    DemoCategory {
        code: "HEALTH_CHECK",
        name: "Health check",
        description: "Blood pressure, blood sugar and a chat with the health assistant.",
        group: ServiceCategory::Health,
        dispatch: DispatchMode::Assign,
        default_priority: Priority::Low,
        payable: false,
        return_visit: false,
        normal: (480, 2880),
        offerings: &[],
    },
];

/// Codes of the demo catalogue's categories.
pub fn catalogue_codes() -> Vec<&'static str> {
    DEMO_CATALOGUE.iter().map(|c| c.code).collect()
}

/// The targets of every priority from the normal one's: low takes twice as long, high half,
/// emergency a quarter (never under 5 minutes to respond).
fn demo_sla(
    category_id: Uuid,
    (response, resolution): (i32, i32),
) -> Vec<service_category_sla::ActiveModel> {
    [
        (Priority::Low, 2, 1),
        (Priority::Normal, 1, 1),
        (Priority::High, 1, 2),
        (Priority::Emergency, 1, 4),
    ]
    .into_iter()
    .map(
        |(priority, times, divide)| service_category_sla::ActiveModel {
            category_id: Set(category_id),
            priority: Set(priority.as_str().to_owned()),
            response_minutes: Set((response * times / divide).max(5)),
            resolution_minutes: Set((resolution * times / divide).max(30)),
        },
    )
    .collect()
}

/// Adds the demo categories whose code is not there yet, each with its service-level targets,
/// offerings and two slots a day (09:00 and 14:00 UTC) for the 7 days after the clock's today,
/// in one transaction. Returns how many categories it added.
pub async fn seed_catalogue(state: &AppState) -> AppResult<usize> {
    let existing: HashSet<String> = service_category::Entity::find()
        .filter(service_category::Column::Code.is_in(catalogue_codes()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let missing: Vec<&DemoCategory> = DEMO_CATALOGUE
        .iter()
        .filter(|c| !existing.contains(c.code))
        .collect();
    if missing.is_empty() {
        return Ok(0);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let today = state.clock.today();
    for demo in &missing {
        let category_id = Uuid::now_v7();
        service_category::Entity::insert(service_category::ActiveModel {
            id: Set(category_id),
            code: Set(demo.code.to_owned()),
            name: Set(demo.name.to_owned()),
            description: Set(demo.description.to_owned()),
            group_kind: Set(demo.group.as_str().to_owned()),
            requestable: Set(true),
            default_priority: Set(demo.default_priority.as_str().to_owned()),
            warning_minutes: Set((demo.normal.0 / 2).max(10)),
            dispatch_mode: Set(demo.dispatch.as_str().to_owned()),
            return_visit_required: Set(demo.return_visit),
            payable: Set(demo.payable),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
        service_category_sla::Entity::insert_many(demo_sla(category_id, demo.normal))
            .exec(&txn)
            .await?;
        for offering in demo.offerings {
            let offering_id = Uuid::now_v7();
            service_offering::Entity::insert(service_offering::ActiveModel {
                id: Set(offering_id),
                category_id: Set(category_id),
                name: Set(offering.name.to_owned()),
                description: Set(offering.description.to_owned()),
                price: Set(offering.price.map(str::to_owned)),
                duration_minutes: Set(offering.minutes),
                slot_capacity: Set(offering.capacity),
                channel: Set(OfferingChannel::Online.as_str().to_owned()),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec(&txn)
            .await?;
            let mut slots = Vec::new();
            for day in 1..=7 {
                for hour in [9, 14] {
                    let starts_at = (today + chrono::Days::new(day))
                        .and_hms_opt(hour, 0, 0)
                        .ok_or_else(|| AppError::internal("invalid demo slot time"))?
                        .and_utc();
                    slots.push(service_slot::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        offering_id: Set(offering_id),
                        starts_at: Set(starts_at),
                        ends_at: Set(starts_at + chrono::Duration::minutes(offering.minutes.into())),
                        capacity: Set(offering.capacity),
                        booked: Set(0),
                        created_at: Set(now),
                    });
                }
            }
            service_slot::Entity::insert_many(slots).exec(&txn).await?;
        }
    }
    txn.commit().await?;
    Ok(missing.len())
}
