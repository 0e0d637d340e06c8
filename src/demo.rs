//! Demo data: a small, realistic estate to explore the API with (`resident-hub seed-demo`, or
//! `serve --demo`). Seeding is idempotent. The estate (accounts, buildings, units, households,
//! staff) is all-or-nothing: it runs in one transaction and is skipped when the demo
//! administrator already exists. Then the demo notices are published through the notices
//! service, as the demo administrator, each unless a notice of the demo administrator with its
//! title already exists (so a second run adds nothing, and an interrupted run, or a database
//! seeded before there were demo notices, gets the missing ones). The service catalogue
//! (categories with their service-level targets, offerings and a week of slots) is added the
//! same way: each demo category, with its offerings and slots, unless its code exists. So are
//! the demo qualifications, each with the demo staff's certificates of it, unless its code
//! exists, the conduct policies (each unless its version 1 exists), their acknowledgements
//! (each unless present) and the demo ledger entries (each unless one with its reason exists);
//! and the training courses (each with a past session the active staff passed and an upcoming
//! one), unless their codes exist. Last, the
//! demo work orders (one or more in every status) are submitted and taken through their steps by
//! the work-order service, each unless an order with its title exists ([`work_orders`]); then the
//! demo complaints (one in every status, one anonymous, one praise) through the complaint
//! service, each unless a complaint with its title exists ([`complaints`]).

mod activities;
mod assessment;
mod assets;
mod care;
mod channels;
mod community;
mod complaints;
mod front_desk;
mod health;
mod partners;
mod patrols;
mod rectifications;
mod supervision;
mod surveys;
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
        conduct::types::{LedgerKind, LedgerSourceKind, LedgerStatus, PolicyKind},
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
        training::types::{CourseDelivery, CourseKind, CourseTopic, TrainingResult},
    },
    error::{AppError, AppResult},
};
use entity::{
    building, household_member, ledger_entry, notice, policy_acknowledgement, policy_version,
    residency, service_category, service_category_sla, service_offering, service_slot,
    staff_building, staff_category, staff_record, training_course, training_course_post,
    training_record, training_session, unit, user, user_role,
};

pub use activities::seed_activities;
pub use assessment::{DEMO_FINAL_CYCLE, DEMO_OPEN_CYCLE, seed_assessment};
pub use assets::{DEMO_ELEVATOR, seed_assets};
pub use care::{
    CHILDCARE_BOOKING as CARE_CHILDCARE_BOOKING, ELDER_NEEDS as CARE_ELDER_NEEDS,
    PET_NEEDS as CARE_PET_NEEDS, seed_care,
};
pub use channels::seed_channels;
pub use community::seed_community_services;
pub use complaints::{complaint_plan, seed_complaints};
pub use front_desk::seed_front_desk;
pub use health::{DEMO_EXAM_DAY, seed_health};
pub use partners::seed_partners;
pub use patrols::{DEMO_ROUTE, seed_patrols};
pub use rectifications::{rectification_plan, seed_rectifications};
pub use supervision::seed_supervision;
pub use surveys::seed_surveys;
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
    seed_qualifications(state).await?;
    seed_conduct(state).await?;
    seed_training(state).await?;
    seed_work_orders(state).await?;
    seed_rectifications(state).await?;
    seed_complaints(state).await?;
    seed_supervision(state).await?;
    seed_activities(state).await?;
    seed_community_services(state).await?;
    seed_channels(state).await?;
    seed_surveys(state).await?;
    seed_assessment(state).await?;
    seed_partners(state).await?;
    seed_health(state).await?;
    front_desk::seed_front_desk(state).await?;
    seed_patrols(state).await?;
    seed_care(state).await?;
    seed_assets(state).await?;
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

/// A demo qualification: code, name, issuer, validity in months, the posts and groups that
/// require it.
struct DemoQualification {
    code: &'static str,
    name: &'static str,
    issuer: &'static str,
    validity_months: Option<i32>,
    posts: &'static [StaffPost],
    groups: &'static [ServiceCategory],
}

/// The demo qualifications, matching the demo staff's posts and groups.
const DEMO_QUALIFICATIONS: [DemoQualification; 8] = [
    DemoQualification {
        code: "LOW_VOLTAGE_ELECTRICIAN",
        name: "Low-voltage electrician licence",
        issuer: "Emergency Management Bureau",
        validity_months: Some(72),
        posts: &[StaffPost::Electrician],
        groups: &[],
    },
    DemoQualification {
        code: "FIRE_FACILITY_OPERATOR",
        name: "Fire-facility operator",
        issuer: "Fire Rescue Bureau",
        validity_months: Some(60),
        posts: &[StaffPost::FireControl],
        groups: &[ServiceCategory::FireSafety],
    },
    DemoQualification {
        code: "ELEVATOR_SAFETY",
        name: "Elevator safety management",
        issuer: "Market Supervision Administration",
        validity_months: Some(48),
        posts: &[],
        groups: &[ServiceCategory::Facility],
    },
    DemoQualification {
        code: "SECURITY_GUARD",
        name: "Security guard certificate",
        issuer: "Public Security Bureau",
        validity_months: None,
        posts: &[StaffPost::Security],
        groups: &[ServiceCategory::Security],
    },
    DemoQualification {
        code: "CHILDCARE",
        name: "Childcare worker",
        issuer: "Human Resources Bureau",
        validity_months: Some(36),
        posts: &[],
        groups: &[ServiceCategory::Childcare],
    },
    DemoQualification {
        code: "ELDERLY_CARE",
        name: "Elderly care worker",
        issuer: "Civil Affairs Bureau",
        validity_months: Some(36),
        posts: &[],
        groups: &[ServiceCategory::ElderlyCare],
    },
    DemoQualification {
        code: "HEALTH_ASSISTANT",
        name: "Health assistant",
        issuer: "Health Commission",
        validity_months: Some(24),
        posts: &[StaffPost::HealthAssistant],
        groups: &[ServiceCategory::Health],
    },
    DemoQualification {
        code: "FOOD_HYGIENE",
        name: "Food hygiene certificate",
        issuer: "Health Commission",
        validity_months: Some(12),
        posts: &[],
        groups: &[ServiceCategory::Housekeeping],
    },
];

/// Codes of the demo qualifications.
pub fn qualification_codes() -> Vec<&'static str> {
    DEMO_QUALIFICATIONS.iter().map(|q| q.code).collect()
}

/// How a demo certificate stands, relative to the clock's today.
#[derive(Clone, Copy)]
enum DemoCertificate {
    /// Verified, issued 90 days ago (expiry from the validity).
    Valid,
    /// Verified, expiring in 20 days.
    ExpiringSoon,
    /// Verified once, expired 30 days ago (a renewal is held too).
    Expired,
    /// Submitted a week ago, not verified yet.
    Pending,
}

/// The demo staff's certificates: (staff number `n` of `staffN@demo.test`, qualification code,
/// how it stands). Every active staff member holds what their post and groups need; staff11's
/// health assistant certificate expires within 30 days, staff10 holds an expired childcare
/// certificate beside its renewal, and staff6 (onboarding) waits for verification.
const DEMO_CERTIFICATES: [(usize, &str, DemoCertificate); 12] = [
    (2, "ELEVATOR_SAFETY", DemoCertificate::Valid),
    (4, "LOW_VOLTAGE_ELECTRICIAN", DemoCertificate::Valid),
    (4, "ELEVATOR_SAFETY", DemoCertificate::Valid),
    (5, "FOOD_HYGIENE", DemoCertificate::Valid),
    (6, "FOOD_HYGIENE", DemoCertificate::Pending),
    (8, "SECURITY_GUARD", DemoCertificate::Valid),
    (9, "FIRE_FACILITY_OPERATOR", DemoCertificate::Valid),
    (10, "CHILDCARE", DemoCertificate::Expired),
    (10, "CHILDCARE", DemoCertificate::Valid),
    (10, "ELDERLY_CARE", DemoCertificate::Valid),
    (11, "HEALTH_ASSISTANT", DemoCertificate::ExpiringSoon),
    (12, "SECURITY_GUARD", DemoCertificate::Valid),
];

/// Adds the demo qualifications whose code is not there yet, with their requirements and the
/// demo staff's certificates of them, in one transaction. Returns how many it added.
pub async fn seed_qualifications(state: &AppState) -> AppResult<usize> {
    use crate::domains::qualifications::{service, types::CertificateStatus};
    use entity::{qualification, qualification_requirement, staff_certificate};

    let existing: HashSet<String> = qualification::Entity::find()
        .filter(qualification::Column::Code.is_in(qualification_codes()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|q| q.code)
        .collect();
    let missing: Vec<&DemoQualification> = DEMO_QUALIFICATIONS
        .iter()
        .filter(|q| !existing.contains(q.code))
        .collect();
    if missing.is_empty() {
        return Ok(0);
    }
    let admin = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_ADMIN))
        .one(&state.db)
        .await?
        .map(|u| u.id);
    let txn = crate::db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let today = state.clock.today();
    for demo in &missing {
        let id = Uuid::now_v7();
        qualification::Entity::insert(qualification::ActiveModel {
            id: Set(id),
            code: Set(demo.code.to_owned()),
            name: Set(demo.name.to_owned()),
            issuer: Set(demo.issuer.to_owned()),
            validity_months: Set(demo.validity_months),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        let requirements: Vec<_> = demo
            .posts
            .iter()
            .map(|p| (service::POST, p.as_str()))
            .chain(demo.groups.iter().map(|g| (service::GROUP, g.as_str())))
            .map(|(kind, value)| qualification_requirement::ActiveModel {
                qualification_id: Set(id),
                kind: Set(kind.to_owned()),
                value: Set(value.to_owned()),
            })
            .collect();
        if !requirements.is_empty() {
            qualification_requirement::Entity::insert_many(requirements)
                .exec_without_returning(&txn)
                .await?;
        }
        for (n, _, standing) in DEMO_CERTIFICATES.iter().filter(|c| c.1 == demo.code) {
            let Some(staff) = staff_record::Entity::find()
                .filter(staff_record::Column::EmployeeNumber.eq(format!("RH-{n:04}")))
                .one(&txn)
                .await?
            else {
                continue;
            };
            let validity = chrono::Months::new(demo.validity_months.unwrap_or(0).unsigned_abs());
            let year_ago = today - chrono::Days::new(90);
            let (issued_on, expires_on, status) = match standing {
                DemoCertificate::Valid => (
                    year_ago,
                    demo.validity_months
                        .and_then(|_| year_ago.checked_add_months(validity)),
                    CertificateStatus::Valid,
                ),
                DemoCertificate::ExpiringSoon => (
                    today - chrono::Days::new(700),
                    Some(today + chrono::Days::new(20)),
                    CertificateStatus::Valid,
                ),
                DemoCertificate::Expired => (
                    today - chrono::Days::new(1200),
                    Some(today - chrono::Days::new(30)),
                    CertificateStatus::Expired,
                ),
                DemoCertificate::Pending => (
                    today - chrono::Days::new(7),
                    demo.validity_months
                        .and_then(|_| (today - chrono::Days::new(7)).checked_add_months(validity)),
                    CertificateStatus::PendingVerification,
                ),
            };
            let verified = !matches!(standing, DemoCertificate::Pending);
            let number = format!("{}-{n:04}-{}", demo.code, issued_on.format("%Y%m%d"));
            staff_certificate::Entity::insert(staff_certificate::ActiveModel {
                id: Set(Uuid::now_v7()),
                staff_id: Set(staff.id),
                qualification_id: Set(id),
                number: Set(number),
                issuer: Set(demo.issuer.to_owned()),
                issued_on: Set(issued_on),
                expires_on: Set(expires_on),
                evidence_url: Set(Some(format!(
                    "https://files.demo.test/certificates/{}-{n}.pdf",
                    demo.code.to_lowercase()
                ))),
                status: Set(status.as_str().to_owned()),
                verified_by: Set(admin.filter(|_| verified)),
                verified_at: Set(verified.then_some(now)),
                revoked_reason: Set(None),
                revoked_at: Set(None),
                // Reminders of the expired one are history: never sent again.
                warned_30: Set(matches!(standing, DemoCertificate::Expired)),
                warned_7: Set(matches!(standing, DemoCertificate::Expired)),
                expiry_notified: Set(matches!(standing, DemoCertificate::Expired)),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(missing.len())
}

/// The demo staff member who has not acknowledged the demo policies (past their grace period,
/// so unassignable): the fire-control operator.
pub const DEMO_UNACKNOWLEDGED: &str = "staff9@demo.test";

/// A demo ledger entry: about whom, what, its amount and status, the reason (which identifies
/// it: each is added unless an entry with its reason exists), whether it names a source
/// record, and who proposed it.
struct DemoEntry {
    staff: &'static str,
    kind: LedgerKind,
    amount: Option<&'static str>,
    status: LedgerStatus,
    reason: &'static str,
    sourced: bool,
    proposer: &'static str,
}

const DEMO_LEDGER: [DemoEntry; 4] = [
    DemoEntry {
        staff: "staff2@demo.test",
        kind: LedgerKind::Commendation,
        amount: None,
        status: LedgerStatus::Approved,
        reason: "Praised by three residents for the Lotus Court boiler repair.",
        sourced: false,
        proposer: DEMO_ADMIN,
    },
    DemoEntry {
        staff: "staff5@demo.test",
        kind: LedgerKind::Bonus,
        amount: Some("200.00"),
        status: LedgerStatus::Approved,
        reason: "Covered the typhoon clean-up over the weekend.",
        sourced: false,
        proposer: DEMO_ADMIN,
    },
    DemoEntry {
        staff: "staff8@demo.test",
        kind: LedgerKind::Warning,
        amount: None,
        status: LedgerStatus::Approved,
        reason: "Left the car-park gate unlocked on the night round.",
        sourced: true,
        proposer: "staff12@demo.test",
    },
    DemoEntry {
        staff: "staff6@demo.test",
        kind: LedgerKind::Fine,
        amount: Some("50.00"),
        status: LedgerStatus::Proposed,
        reason: "Missed two scheduled stairwell cleanings.",
        sourced: true,
        proposer: "staff12@demo.test",
    },
];

/// Seeds the conduct demo: the four policies (version 1, for every post, published 30 days ago
/// with 14 days' grace), acknowledgements of them by every staff member but
/// [`DEMO_UNACKNOWLEDGED`], and the demo ledger entries. Each piece is added only when missing,
/// so seeding again changes nothing. Returns how many rows it added.
pub async fn seed_conduct(state: &AppState) -> AppResult<usize> {
    use sea_orm::sea_query::OnConflict;
    let db = &state.db;
    let user_id = |email: &'static str| async move {
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?
            .map(|u| u.id)
            .ok_or(AppError::NotFound("demo user"))
    };
    let admin = user_id(DEMO_ADMIN).await?;
    let supervisor = user_id("supervisor1@demo.test").await?;
    let txn = crate::db::begin_write(db).await?;
    let now = state.clock.now();
    let published = now - chrono::Duration::days(30);
    let posts: Vec<&str> = StaffPost::ALL.iter().map(|p| p.as_str()).collect();
    let posts = serde_json::to_string(&posts).map_err(AppError::internal)?;
    let mut added = 0;
    for (policy, title, url) in [
        (
            PolicyKind::ServiceStandard,
            "Service standards",
            "https://hub.example/policies/service-standards",
        ),
        (
            PolicyKind::Workflow,
            "Workflow rules",
            "https://hub.example/policies/workflow",
        ),
        (
            PolicyKind::CodeOfConduct,
            "Code of conduct",
            "https://hub.example/policies/code-of-conduct",
        ),
        (
            PolicyKind::EmergencyProcedure,
            "Emergency procedure",
            "https://hub.example/policies/emergency",
        ),
    ] {
        added += policy_version::Entity::insert(policy_version::ActiveModel {
            id: Set(Uuid::now_v7()),
            policy: Set(policy.as_str().to_owned()),
            version: Set(1),
            title: Set(title.to_owned()),
            body: Set(None),
            url: Set(Some(url.to_owned())),
            posts: Set(posts.clone()),
            grace_days: Set(14),
            published_at: Set(published),
            published_by: Set(admin),
        })
        .on_conflict(
            OnConflict::columns([
                policy_version::Column::Policy,
                policy_version::Column::Version,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    let versions = policy_version::Entity::find()
        .filter(policy_version::Column::Version.eq(1))
        .all(&txn)
        .await?;
    let skipped = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_UNACKNOWLEDGED))
        .one(&txn)
        .await?
        .map(|u| u.id);
    let staff = staff_record::Entity::find().all(&txn).await?;
    let acknowledgements: Vec<policy_acknowledgement::ActiveModel> = staff
        .iter()
        .filter(|s| Some(s.user_id) != skipped)
        .flat_map(|s| {
            versions
                .iter()
                .map(move |v| policy_acknowledgement::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    staff_id: Set(s.id),
                    version_id: Set(v.id),
                    policy: Set(v.policy.clone()),
                    acknowledged_at: Set(published + chrono::Duration::days(2)),
                })
        })
        .collect();
    if !acknowledgements.is_empty() {
        added += policy_acknowledgement::Entity::insert_many(acknowledgements)
            .on_conflict(
                OnConflict::columns([
                    policy_acknowledgement::Column::StaffId,
                    policy_acknowledgement::Column::VersionId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    let existing: HashSet<String> = ledger_entry::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|e| e.reason)
        .collect();
    for DemoEntry {
        staff: email,
        kind,
        amount,
        status,
        reason,
        sourced,
        proposer,
    } in DEMO_LEDGER
    {
        if existing.contains(reason) {
            continue;
        }
        let subject = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("demo user"))?;
        let Some(record) = staff.iter().find(|s| s.user_id == subject.id) else {
            continue;
        };
        let proposer = user::Entity::find()
            .filter(user::Column::Email.eq(proposer))
            .one(&txn)
            .await?
            .map_or(admin, |u| u.id);
        let proposed_at = now - chrono::Duration::days(3);
        let decided = status != LedgerStatus::Proposed;
        ledger_entry::Entity::insert(ledger_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            staff_id: Set(record.id),
            kind: Set(kind.as_str().to_owned()),
            status: Set(status.as_str().to_owned()),
            amount: Set(amount.map(str::to_owned)),
            reason: Set(reason.to_owned()),
            source_kind: Set(sourced.then(|| LedgerSourceKind::Inspection.as_str().to_owned())),
            source_id: Set(sourced.then(Uuid::now_v7)),
            suspension_from: Set(None),
            suspension_until: Set(None),
            suspension_state: Set(None),
            proposed_by: Set(proposer),
            proposed_at: Set(proposed_at),
            decided_by: Set(decided.then_some(supervisor)),
            decided_at: Set(decided.then_some(proposed_at + chrono::Duration::days(1))),
            decision_note: Set(None),
            appeal_reason: Set(None),
            appealed_at: Set(None),
            appeal_decided_by: Set(None),
            appeal_decided_at: Set(None),
            appeal_note: Set(None),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        added += 1;
    }
    txn.commit().await?;
    Ok(usize::try_from(added).unwrap_or(usize::MAX))
}

/// A demo training course; `staff6` (onboarding) passes only those with `onboarding_pass`.
struct DemoCourse {
    code: &'static str,
    title: &'static str,
    topic: CourseTopic,
    delivery: CourseDelivery,
    kind: CourseKind,
    /// Required for these posts; empty: every post.
    posts: &'static [StaffPost],
    recurrence_months: Option<i32>,
    hours: i32,
    pass_score: i32,
    onboarding_pass: bool,
}

const DEMO_COURSES: [DemoCourse; 4] = [
    DemoCourse {
        code: "ORIENTATION",
        title: "Pre-job orientation: the estate, the rules, the law",
        topic: CourseTopic::LawAndRegulation,
        delivery: CourseDelivery::Classroom,
        kind: CourseKind::PreJob,
        posts: &[],
        recurrence_months: None,
        hours: 8,
        pass_score: 60,
        onboarding_pass: true,
    },
    DemoCourse {
        code: "CUSTOMER_SERVICE",
        title: "Customer service with residents",
        topic: CourseTopic::CustomerService,
        delivery: CourseDelivery::Online,
        kind: CourseKind::PreJob,
        posts: &[],
        recurrence_months: None,
        hours: 4,
        pass_score: 70,
        onboarding_pass: false,
    },
    DemoCourse {
        code: "EMERGENCY_DRILL",
        title: "Emergency handling drill: fire, flood, evacuation",
        topic: CourseTopic::EmergencyHandling,
        delivery: CourseDelivery::Drill,
        kind: CourseKind::JobSpecific,
        posts: &[
            StaffPost::Security,
            StaffPost::FireControl,
            StaffPost::Manager,
        ],
        recurrence_months: Some(6),
        hours: 3,
        pass_score: 60,
        onboarding_pass: false,
    },
    DemoCourse {
        code: "SAFETY_YEARLY",
        title: "Yearly safety at work",
        topic: CourseTopic::Safety,
        delivery: CourseDelivery::Classroom,
        kind: CourseKind::InService,
        posts: &[],
        recurrence_months: Some(12),
        hours: 4,
        pass_score: 60,
        onboarding_pass: false,
    },
];

/// Codes of the demo training courses.
pub fn training_codes() -> Vec<&'static str> {
    DEMO_COURSES.iter().map(|c| c.code).collect()
}

/// Adds each demo training course whose code is missing, with a past session in which every
/// `ACTIVE` demo staff member who must take it passed (the onboarding `staff6` passed only the
/// orientation, so a pre-job course is still missing and they stay unassignable), and an
/// upcoming session (`staff6` is enrolled in the customer-service one). Returns the courses
/// added.
pub async fn seed_training(state: &AppState) -> AppResult<usize> {
    let existing: HashSet<String> = training_course::Entity::find()
        .filter(training_course::Column::Code.is_in(training_codes()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let missing: Vec<&DemoCourse> = DEMO_COURSES
        .iter()
        .filter(|c| !existing.contains(c.code))
        .collect();
    if missing.is_empty() {
        return Ok(0);
    }
    let Some(trainer) = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_ADMIN))
        .one(&state.db)
        .await?
    else {
        return Ok(0);
    };
    let emails: Vec<String> = (1..=12).map(|n| format!("staff{n}@demo.test")).collect();
    let users: Vec<user::Model> = user::Entity::find()
        .filter(user::Column::Email.is_in(emails))
        .all(&state.db)
        .await?;
    let onboarding_user = users
        .iter()
        .find(|u| u.email == "staff6@demo.test")
        .map(|u| u.id);
    let staff: Vec<staff_record::Model> = staff_record::Entity::find()
        .filter(staff_record::Column::UserId.is_in(users.iter().map(|u| u.id)))
        .all(&state.db)
        .await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let now = state.clock.now();
    let at = |days: i64, hour: u32| -> AppResult<DateTime<Utc>> {
        let day = state.clock.today() + chrono::Duration::days(days);
        Ok(day
            .and_hms_opt(hour, 0, 0)
            .ok_or_else(|| AppError::internal("invalid demo session time"))?
            .and_utc())
    };
    for demo in &missing {
        let course_id = Uuid::now_v7();
        training_course::Entity::insert(training_course::ActiveModel {
            id: Set(course_id),
            code: Set(demo.code.to_owned()),
            title: Set(demo.title.to_owned()),
            topic: Set(demo.topic.as_str().to_owned()),
            delivery: Set(demo.delivery.as_str().to_owned()),
            kind: Set(demo.kind.as_str().to_owned()),
            recurrence_months: Set(demo.recurrence_months),
            hours: Set(demo.hours),
            pass_score: Set(demo.pass_score),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
        let posts: &[StaffPost] = if demo.posts.is_empty() {
            StaffPost::ALL
        } else {
            demo.posts
        };
        training_course_post::Entity::insert_many(posts.iter().map(|post| {
            training_course_post::ActiveModel {
                course_id: Set(course_id),
                post: Set(post.as_str().to_owned()),
            }
        }))
        .exec(&txn)
        .await?;
        let passers: Vec<&staff_record::Model> = staff
            .iter()
            .filter(|s| posts.iter().any(|p| p.as_str() == s.post))
            .filter(|s| {
                s.status == StaffStatus::Active.as_str()
                    || (demo.onboarding_pass && Some(s.user_id) == onboarding_user)
            })
            .collect();
        let (starts, ends) = (
            at(-60, 9)?,
            at(-60, 9 + demo.hours.unsigned_abs().clamp(1, 8))?,
        );
        let past = Uuid::now_v7();
        let upcoming = Uuid::now_v7();
        let enrolled_now: Vec<&staff_record::Model> = staff
            .iter()
            .filter(|_| demo.kind == CourseKind::PreJob && !demo.onboarding_pass)
            .filter(|s| Some(s.user_id) == onboarding_user)
            .collect();
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        training_session::Entity::insert_many([
            training_session::ActiveModel {
                id: Set(past),
                course_id: Set(course_id),
                starts_at: Set(starts),
                ends_at: Set(ends),
                place: Set(Some("Lotus Court, community room".to_owned())),
                link: Set(None),
                trainer_id: Set(trainer.id),
                capacity: Set(count(passers.len()).max(20)),
                enrolled: Set(count(passers.len())),
                created_at: Set(now),
            },
            training_session::ActiveModel {
                id: Set(upcoming),
                course_id: Set(course_id),
                starts_at: Set(at(7, 9)?),
                ends_at: Set(at(7, 9 + demo.hours.unsigned_abs().clamp(1, 8))?),
                place: Set(Some("Bamboo Court, meeting room".to_owned())),
                link: Set(None),
                trainer_id: Set(trainer.id),
                capacity: Set(20),
                enrolled: Set(count(enrolled_now.len())),
                created_at: Set(now),
            },
        ])
        .exec(&txn)
        .await?;
        let valid_until = demo
            .recurrence_months
            .and_then(|m| ends.checked_add_months(chrono::Months::new(m.unsigned_abs())));
        let mut records: Vec<training_record::ActiveModel> = passers
            .iter()
            .map(|s| training_record::ActiveModel {
                id: Set(Uuid::now_v7()),
                session_id: Set(past),
                course_id: Set(course_id),
                staff_id: Set(s.id),
                result: Set(TrainingResult::Passed.as_str().to_owned()),
                attended: Set(Some(true)),
                score: Set(Some(85)),
                issued_at: Set(Some(ends)),
                valid_until: Set(valid_until),
                recorded_by: Set(Some(trainer.id)),
                lapse_reminded_at: Set(None),
                enrolled_at: Set(starts - chrono::Duration::days(7)),
            })
            .collect();
        records.extend(enrolled_now.iter().map(|s| training_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(upcoming),
            course_id: Set(course_id),
            staff_id: Set(s.id),
            result: Set(TrainingResult::Enrolled.as_str().to_owned()),
            attended: Set(None),
            score: Set(None),
            issued_at: Set(None),
            valid_until: Set(None),
            recorded_by: Set(None),
            lapse_reminded_at: Set(None),
            enrolled_at: Set(now),
        }));
        if !records.is_empty() {
            training_record::Entity::insert_many(records)
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(missing.len())
}
