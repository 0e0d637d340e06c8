//! Demo patrols: Building A's night security round (every 2 hours from 22:00 to 06:00 UTC,
//! every day; four checkpoints), made by its manager, and one run walked by its security
//! guard: the first checkpoint normal, an abnormal finding at the second that opened a work
//! order (fire-safety check), the third normal, and the fourth missed when the run finished.
//! Everything goes through [`PatrolService`] as the people concerned, so events and the work
//! order are the real ones. Nothing is added when the demo route exists, so seeding twice adds
//! nothing.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        estate::access::Scope,
        patrols::{
            schedule::{Schedule, Window},
            service::{NewCheckpoint, NewRoute, PatrolService, Scan, StartTarget},
            types::{PatrolFinding, PatrolPost},
        },
    },
    error::{AppError, AppResult},
};
use entity::{building, patrol_route, service_category, user};

/// The demo route's name (its presence means the patrol demo is seeded).
pub const DEMO_ROUTE: &str = "Night security round";

/// The manager who makes the route.
const MANAGER: &str = "staff12@demo.test";
/// The security guard who walks it.
const GUARD: &str = "staff8@demo.test";

/// The checkpoints: (name, location, expected minutes; 15 either side, so the demo's scans,
/// made at once, are all on time).
const CHECKPOINTS: [(&str, &str, i32); 4] = [
    ("Main gate", "Building A, north entrance", 0),
    ("Car park stairs", "Building A, car park level -1", 5),
    ("Pump room", "Building A, basement", 10),
    ("Roof access", "Building A, 18th floor", 15),
];

async fn scope_of(state: &AppState, email: &str) -> AppResult<Scope> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} not found")))?;
    Scope::load_user(&state.db, found.id, state.clock.today()).await
}

/// Seeds the demo patrol route and its run (see the module's documentation). Returns how
/// many runs it made.
pub async fn seed_patrols(state: &AppState) -> AppResult<usize> {
    let present = patrol_route::Entity::find()
        .filter(patrol_route::Column::Name.eq(DEMO_ROUTE))
        .one(&state.db)
        .await?
        .is_some();
    if present {
        return Ok(0);
    }
    let building_a = building::Entity::find()
        .filter(building::Column::Name.starts_with("Building A"))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal("demo Building A not found"))?
        .id;
    let category = service_category::Entity::find()
        .filter(service_category::Column::Code.eq("FIRE_SAFETY_CHECK"))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal("demo category FIRE_SAFETY_CHECK not found"))?
        .id;
    let service = PatrolService::new(state);
    let manager = scope_of(state, MANAGER).await?;
    let (route, checkpoints, _) = service
        .create_route(
            &manager,
            NewRoute {
                building_id: building_a,
                name: DEMO_ROUTE.to_owned(),
                post: PatrolPost::Security,
                schedule: Schedule {
                    days: ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
                        .map(str::to_owned)
                        .to_vec(),
                    start_times: Vec::new(),
                    window: Some(Window {
                        start: "22:00".to_owned(),
                        end: "06:00".to_owned(),
                        interval: 120,
                    }),
                },
                grace_minutes: 15,
                checkpoints: CHECKPOINTS
                    .iter()
                    .map(|(name, location, minutes)| NewCheckpoint {
                        id: None,
                        name: (*name).to_owned(),
                        location: (*location).to_owned(),
                        expected_minutes: *minutes,
                        tolerance_minutes: 15,
                    })
                    .collect(),
            },
        )
        .await?;
    let guard = scope_of(state, GUARD).await?;
    let (run, _) = service.start(&guard, StartTarget::Route(route.id)).await?;
    let scan =
        |code: &str, finding: PatrolFinding, note: Option<&str>, category: Option<Uuid>| Scan {
            run_id: run.id,
            code: code.to_owned(),
            finding,
            note: note.map(str::to_owned),
            photo_url: category.map(|_| "https://photos.example/patrol/exit-light.jpg".to_owned()),
            work_category_id: category,
            rectification: false,
        };
    service
        .scan(
            &guard,
            scan(&checkpoints[0].code, PatrolFinding::Normal, None, None),
        )
        .await?;
    service
        .scan(
            &guard,
            scan(
                &checkpoints[1].code,
                PatrolFinding::Abnormal,
                Some("Emergency exit light out on the car park stairs"),
                Some(category),
            ),
        )
        .await?;
    service
        .scan(
            &guard,
            scan(&checkpoints[2].code, PatrolFinding::Normal, None, None),
        )
        .await?;
    service.finish(&guard, run.id).await?;
    Ok(1)
}
