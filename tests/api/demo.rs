//! The demo seed's content: what a first start with `--demo` shows in the playground.

use std::collections::HashMap;

use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The titles on the notice board of a demo account, in board order.
async fn board(app: &TestApp, email: &str) -> Vec<(String, bool)> {
    let (_, json) = app
        .graphql(
            "mutation($e: String!) { signIn(input: { email: $e, password: \"demo-password\" }) { accessToken } }",
            json!({ "e": email }),
            None,
        )
        .await;
    let token = json["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} signs in: {json}"))
        .to_owned();
    let (status, json) = app
        .graphql(
            "{ notices(first: 50) { edges { node { title pinned } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    json["data"]["notices"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{email}: {json}"))
        .iter()
        .map(|edge: &Value| {
            (
                edge["node"]["title"].as_str().unwrap().to_owned(),
                edge["node"]["pinned"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Called by the demo seed test (in `estate.rs`) after it has seeded twice: every demo notice
/// exists exactly once, and demo accounts see theirs on the board.
pub async fn assert_demo_notices(app: &TestApp) {
    let titles = resident_hub::demo::notice_titles();
    let notices = entity::notice::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for notice in &notices {
        *counts.entry(notice.title.as_str()).or_default() += 1;
    }
    for title in &titles {
        assert_eq!(counts.get(title), Some(&1), "{title}: {counts:?}");
    }
    assert_eq!(notices.len(), titles.len(), "{counts:?}");
    assert!(
        notices
            .iter()
            .any(|n| n.priority == "EMERGENCY" && n.status == "PUBLISHED"),
        "an emergency notice"
    );
    assert!(
        notices.iter().any(|n| n.requires_ack),
        "one needs an acknowledgement"
    );

    // A resident of Building A: the pinned welcome first, their building's notice, not
    // Building B's nor the staff one.
    let a = board(app, "resident1@demo.test").await;
    assert!(!a.is_empty(), "the board of a demo resident is not empty");
    assert!(a[0].1, "pinned first: {a:?}");
    let has = |board: &[(String, bool)], part: &str| board.iter().any(|(t, _)| t.contains(part));
    assert!(has(&a, "Lotus Court"), "{a:?}");
    assert!(has(&a, "Typhoon"), "{a:?}");
    assert!(!has(&a, "Bamboo Court"), "{a:?}");
    assert!(!has(&a, "Staff:"), "{a:?}");
    // A resident of Building B sees that building's notice instead.
    let b = board(app, "resident25@demo.test").await;
    assert!(has(&b, "Bamboo Court") && !has(&b, "Lotus Court"), "{b:?}");
    // Staff see the staff briefing.
    let staff = board(app, "staff1@demo.test").await;
    assert!(has(&staff, "Staff:"), "{staff:?}");
    // And staff1, who serves both buildings, sees every demo notice.
    assert_eq!(staff.len(), titles.len(), "{staff:?}");
}

/// Called by the demo seed test after it has seeded twice: every demo category exists exactly
/// once with a full service-level table, the named offerings have their prices, and their slots
/// lie in the week after the clock's today.
pub async fn assert_demo_catalogue(app: &TestApp) {
    let db = &app.state.db;
    let codes = resident_hub::demo::catalogue_codes();
    let categories = entity::service_category::Entity::find()
        .all(db)
        .await
        .unwrap();
    assert_eq!(categories.len(), codes.len(), "each demo category once");
    for code in &codes {
        assert_eq!(
            categories.iter().filter(|c| c.code == *code).count(),
            1,
            "{code}"
        );
    }
    let sla = entity::service_category_sla::Entity::find()
        .all(db)
        .await
        .unwrap();
    assert_eq!(sla.len(), 4 * codes.len(), "four targets per category");
    let modes: std::collections::HashSet<_> = categories
        .iter()
        .map(|c| c.dispatch_mode.as_str())
        .collect();
    assert_eq!(modes.len(), 3, "AUTO, GRAB and ASSIGN: {modes:?}");
    let offerings = entity::service_offering::Entity::find()
        .all(db)
        .await
        .unwrap();
    for (name, price) in [
        ("2-hour home cleaning", "120.00"),
        ("Pet walk", "40.00"),
        ("AC maintenance", "180.00"),
    ] {
        let found: Vec<_> = offerings.iter().filter(|o| o.name == name).collect();
        assert_eq!(found.len(), 1, "{name}");
        assert_eq!(found[0].price.as_deref(), Some(price), "{name}");
    }
    let slots = entity::service_slot::Entity::find().all(db).await.unwrap();
    assert_eq!(
        slots.len(),
        offerings.len() * 14,
        "two slots a day for a week"
    );
    let now = app.state.clock.now();
    assert!(
        slots
            .iter()
            .all(|s| s.starts_at > now && s.starts_at < now + chrono::Duration::days(9)),
        "slots lie in the coming week"
    );

    // A resident reads it through the API.
    let (_, json) = app
        .graphql(
            "mutation { signIn(input: { email: \"resident1@demo.test\", password: \"demo-password\" }) { accessToken } }",
            json!({}),
            None,
        )
        .await;
    let token = json["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, json) = app
        .graphql(
            "{ serviceCategories(first: 50) { totalCount edges { node { code offerings { name price } } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(
        json["data"]["serviceCategories"]["totalCount"],
        codes.len(),
        "{json}"
    );
}

/// Called by the demo seed test after it has seeded twice: every demo training course exists
/// once, every active demo staff member holds every required pre-job and in-service pass, and
/// the onboarding `staff6` still misses a pre-job course (so stays unassignable).
pub async fn assert_demo_training(app: &TestApp) {
    use resident_hub::domains::training::service::training_blockers;
    let db = &app.state.db;
    let codes = resident_hub::demo::training_codes();
    let courses = entity::training_course::Entity::find()
        .all(db)
        .await
        .unwrap();
    assert_eq!(courses.len(), codes.len(), "each demo course once");
    for code in &codes {
        assert_eq!(
            courses.iter().filter(|c| c.code == *code).count(),
            1,
            "{code}"
        );
    }
    let kinds: std::collections::HashSet<_> = courses.iter().map(|c| c.kind.as_str()).collect();
    assert!(
        kinds.contains("PRE_JOB") && kinds.contains("IN_SERVICE"),
        "{kinds:?}"
    );
    let staff = entity::staff_record::Entity::find().all(db).await.unwrap();
    let (pre_job, lapsed) = training_blockers(db, &staff, app.state.clock.now())
        .await
        .unwrap();
    let onboarding: Vec<_> = staff.iter().filter(|s| s.status == "ONBOARDING").collect();
    assert_eq!(onboarding.len(), 1, "staff6");
    let staff6 = onboarding[0].id;
    assert_eq!(
        pre_job,
        std::collections::HashSet::from([staff6]),
        "{pre_job:?}"
    );
    assert!(
        lapsed.iter().all(|id| *id == staff6),
        "active demo staff hold their in-service passes: {lapsed:?}"
    );
    let sessions = entity::training_session::Entity::find()
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        sessions.len(),
        2 * codes.len(),
        "a past and an upcoming session each"
    );
    assert!(sessions.iter().all(|s| s.enrolled <= s.capacity));
}

/// Signs a demo account in and returns its access token.
async fn sign_in(app: &TestApp, email: &str) -> String {
    let (_, json) = app
        .graphql(
            "mutation($e: String!) { signIn(input: { email: $e, password: \"demo-password\" }) { accessToken } }",
            json!({ "e": email }),
            None,
        )
        .await;
    json["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} signs in: {json}"))
        .to_owned()
}

/// The titles and statuses of the work orders a demo account sees, newest first.
async fn work_orders_of(app: &TestApp, email: &str) -> Vec<(String, String)> {
    let token = sign_in(app, email).await;
    let (status, json) = app
        .graphql(
            "{ workOrders(first: 50) { edges { node { title status } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    json["data"]["workOrders"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{email}: {json}"))
        .iter()
        .map(|edge| {
            (
                edge["node"]["title"].as_str().unwrap().to_owned(),
                edge["node"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Called by the demo seed test after it has seeded twice: every demo work order exists exactly
/// once, in its planned status, requested by its resident; together they cover every status and
/// both buildings; their timelines, rating and booking are the service's; and demo accounts see
/// them as the README says.
pub async fn assert_demo_work_orders(app: &TestApp) {
    use resident_hub::domains::work_orders::types::WorkOrderStatus;
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};

    let db = &app.state.db;
    let plan = resident_hub::demo::work_order_plan();
    // Orders found on the demo patrol are the patrol demo's own (tests/api/patrols.rs), orders
    // of preventive maintenance the asset demo's job's; the demo care booking (a household
    // member attached) is checked by `assert_demo_care`.
    let (_care_bookings, orders): (Vec<_>, Vec<_>) = entity::work_order::Entity::find()
        .filter(entity::work_order::Column::Channel.is_not_in(["PATROL", "MAINTENANCE"]))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .partition(|o| o.household_member_id.is_some());
    assert_eq!(orders.len(), plan.len(), "each demo order once");
    let users: HashMap<uuid::Uuid, String> = entity::user::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    for (title, requester, status) in &plan {
        let found: Vec<_> = orders.iter().filter(|o| o.title == *title).collect();
        assert_eq!(found.len(), 1, "{title}");
        assert_eq!(found[0].status, status.as_str(), "{title}");
        assert_eq!(&users[&found[0].requester_id], requester, "{title}");
    }
    for status in WorkOrderStatus::ALL {
        assert!(
            orders.iter().any(|o| o.status == status.as_str()),
            "no demo order is {status:?}"
        );
    }
    let buildings: std::collections::HashSet<_> = orders.iter().map(|o| o.building_id).collect();
    assert_eq!(buildings.len(), 2, "orders in both buildings");
    let requesters: std::collections::HashSet<_> = orders.iter().map(|o| o.requester_id).collect();
    assert_eq!(requesters.len(), plan.len(), "a different resident each");

    // Driven through the service: a timeline entry per step, the closed order rated, the
    // cleaning booked into a slot, the requesters notified.
    let by_title = |title: &str| orders.iter().find(|o| o.title == title).unwrap();
    let closed = by_title("Walk Doudou on Saturday morning");
    let actions: Vec<String> = entity::work_order_entry::Entity::find()
        .filter(entity::work_order_entry::Column::WorkOrderId.eq(closed.id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["SUBMIT", "GRAB", "START", "RESOLVE", "CLOSE"],
        "the closed order's timeline"
    );
    let rating = entity::work_order_rating::Entity::find_by_id(closed.id)
        .one(db)
        .await
        .unwrap()
        .expect("the closed order is rated");
    assert_eq!(rating.score, 5);
    assert_eq!(closed.amount.as_deref(), Some("40.00"));
    assert!(
        by_title("Cleaning before the family visits")
            .slot_id
            .is_some(),
        "the cleaning is booked into a slot"
    );
    let booked: i32 = entity::service_slot::Entity::find()
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|s| s.booked)
        .sum();
    assert_eq!(booked, 1, "one slot booked, once");
    let notified = entity::notification::Entity::find()
        .filter(entity::notification::Column::SubjectId.eq(closed.id))
        .count(db)
        .await
        .unwrap();
    assert!(notified > 0, "the requester heard of their order");

    // What the README promises demo accounts.
    let staff2 = work_orders_of(app, "staff2@demo.test").await;
    assert_eq!(
        staff2,
        [("Kitchen tap drips".to_owned(), "ASSIGNED".to_owned())],
        "staff2 has resident1's tap to accept"
    );
    let manager: Vec<_> = work_orders_of(app, "staff12@demo.test")
        .await
        .into_iter()
        .filter(|(title, _)| plan.iter().any(|(t, _, _)| t == title))
        .collect();
    assert_eq!(
        manager.len(),
        plan.len(),
        "the manager sees both buildings'"
    );
    let housekeeper = work_orders_of(app, "staff5@demo.test").await;
    assert_eq!(
        housekeeper,
        [(
            "Cleaning before the family visits".to_owned(),
            "SUBMITTED".to_owned()
        )],
        "staff5 may grab the cleaning"
    );
    let resident1 = work_orders_of(app, "resident1@demo.test").await;
    assert_eq!(
        resident1,
        [("Kitchen tap drips".to_owned(), "ASSIGNED".to_owned())]
    );
    // resident29 lives in resident1's flat: the flat's order is theirs to see too.
    assert_eq!(work_orders_of(app, "resident29@demo.test").await, resident1);
}
