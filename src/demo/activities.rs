//! Demo activities: a past festival (attended, one no-show, feedback), a tai-chi morning going
//! on now, a free health-check day (a physical-exam day, full, with a waitlist), a children's
//! calligraphy class and a draft tournament. The future ones go through [`ActivityService`] as
//! the administrator, the manager and the residents would, so their notifications are the real
//! ones; the past and current ones are written directly (the service only takes activities that
//! start in the future). Each is skipped when an activity with its title exists, so seeding
//! twice adds nothing.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        activities::{
            service::{ActivityFields, ActivityService, NewSignUp, new_code},
            types::{ActivityKind, ActivitySignUpStatus, StoredStatus},
        },
        estate::access::Scope,
        notices::audience::Audience,
    },
    error::{AppError, AppResult},
    events::outbox::Write,
};
use entity::{
    activity, activity_audience, activity_feedback, activity_sign_up, building, residency, user,
};

const ADMIN: &str = super::DEMO_ADMIN;
const MANAGER: &str = "staff12@demo.test";
const EXAM_DAY: &str = "Free health check day";
const CALLIGRAPHY: &str = "Children's calligraphy class";
const TOURNAMENT: &str = "Table-tennis tournament";
const FESTIVAL: &str = "Mid-Autumn lantern evening";
const TAI_CHI: &str = "Morning tai chi in the garden";

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

fn resident(i: usize) -> String {
    format!("resident{i}@demo.test")
}

/// A building's id by the start of its name (`Building A`).
async fn building_named(state: &AppState, prefix: &str) -> AppResult<Uuid> {
    building::Entity::find()
        .filter(building::Column::Name.starts_with(prefix))
        .one(&state.db)
        .await?
        .map(|b| b.id)
        .ok_or_else(|| AppError::internal(format!("demo building {prefix} not found")))
}

#[allow(clippy::too_many_arguments)]
fn fields(
    kind: ActivityKind,
    title: &str,
    description: &str,
    place: &str,
    starts_at: DateTime<Utc>,
    hours: i64,
    capacity: i32,
    audience: Audience,
) -> ActivityFields {
    ActivityFields {
        kind,
        title: title.to_owned(),
        description: description.to_owned(),
        organiser_id: None,
        organiser_name: None,
        place: place.to_owned(),
        service_centre_id: None,
        starts_at,
        ends_at: starts_at + Duration::hours(hours),
        capacity,
        sign_up_opens_at: None,
        sign_up_closes_at: None,
        cancel_until: None,
        household_limit: None,
        members_allowed: true,
        audience,
    }
}

/// Seeds the demo activities that are missing; returns how many it added.
pub async fn seed_activities(state: &AppState) -> AppResult<usize> {
    let existing: HashSet<String> = activity::Entity::find()
        .select_only()
        .column(activity::Column::Title)
        .into_tuple()
        .all(&state.db)
        .await?
        .into_iter()
        .collect();
    let service = ActivityService::new(state);
    let now = state.clock.now();
    let day = |d: i64| now + Duration::days(d);
    let building_a = building_named(state, "Building A").await?;
    let building_b = building_named(state, "Building B").await?;
    let mut added = 0;

    if !existing.contains(EXAM_DAY) {
        let admin = scope(state, ADMIN).await?;
        let mut new = fields(
            ActivityKind::PhysicalExamDay,
            EXAM_DAY,
            "Blood pressure, blood sugar and eyesight checks by the community health centre's \
             doctors. Elders first; bring your medical card.",
            "Estate office, Building A ground floor",
            day(5),
            6,
            6,
            Audience {
                estate: true,
                ..Audience::default()
            },
        );
        new.organiser_id = Some(user_id(state, MANAGER).await?);
        new.organiser_name = Some("Community Health Centre".to_owned());
        new.household_limit = Some(2);
        let model = service.create(&admin, new).await?;
        service.publish(&admin, model.id).await?;
        // Nine residents for six seats: six confirmed, three on the waitlist.
        for i in 1..=9 {
            let who = scope(state, &resident(i)).await?;
            service
                .sign_up_for(
                    &who,
                    NewSignUp {
                        activity_id: model.id,
                        household_member_ids: Vec::new(),
                        include_self: true,
                    },
                )
                .await?;
        }
        added += 1;
    }

    if !existing.contains(CALLIGRAPHY) {
        let manager = scope(state, MANAGER).await?;
        let mut new = fields(
            ActivityKind::Culture,
            CALLIGRAPHY,
            "Brush, ink and patience: a first calligraphy class for children aged 6 to 12, \
             parents welcome.",
            "Community room, Building A",
            day(10),
            2,
            12,
            Audience {
                building_ids: vec![building_a],
                ..Audience::default()
            },
        );
        new.household_limit = Some(3);
        let model = service.create(&manager, new).await?;
        service.publish(&manager, model.id).await?;
        // resident1 brings their child.
        let parent = scope(state, &resident(1)).await?;
        let child = entity::household_member::Entity::find()
            .filter(
                entity::household_member::Column::UnitId
                    .is_in(parent.resident().await?.units.iter().copied()),
            )
            .filter(entity::household_member::Column::Kind.eq("CHILD"))
            .one(&state.db)
            .await?;
        service
            .sign_up_for(
                &parent,
                NewSignUp {
                    activity_id: model.id,
                    household_member_ids: child.into_iter().map(|c| c.id).collect(),
                    include_self: true,
                },
            )
            .await?;
        added += 1;
    }

    if !existing.contains(TOURNAMENT) {
        let manager = scope(state, MANAGER).await?;
        service
            .create(
                &manager,
                fields(
                    ActivityKind::Sports,
                    TOURNAMENT,
                    "Singles and doubles, all ages; rackets lent at the door.",
                    "Clubhouse, Building B",
                    day(20),
                    4,
                    32,
                    Audience {
                        building_ids: vec![building_b],
                        ..Audience::default()
                    },
                ),
            )
            .await?;
        added += 1;
    }

    if !existing.contains(FESTIVAL) {
        let id = written(
            state,
            fields(
                ActivityKind::Festival,
                FESTIVAL,
                "Lanterns, mooncakes and riddles in the central garden.",
                "Central garden",
                day(-8),
                3,
                40,
                Audience {
                    estate: true,
                    ..Audience::default()
                },
            ),
            &[
                (1, ActivitySignUpStatus::CheckedIn),
                (2, ActivitySignUpStatus::CheckedIn),
                (3, ActivitySignUpStatus::NoShow),
            ],
            &[
                (1, 5, "Lovely lanterns, the children loved the riddles."),
                (2, 4, ""),
            ],
        )
        .await?;
        activity::Entity::update_many()
            .col_expr(
                activity::Column::NoShowsMarkedAt,
                sea_orm::sea_query::Expr::value(day(-8) + Duration::hours(3)),
            )
            .filter(activity::Column::Id.eq(id))
            .exec(&state.db)
            .await?;
        added += 1;
    }

    if !existing.contains(TAI_CHI) {
        written(
            state,
            fields(
                ActivityKind::Sports,
                TAI_CHI,
                "Gentle tai chi for every age, led by a volunteer coach.",
                "Central garden",
                now - Duration::minutes(30),
                2,
                20,
                Audience {
                    estate: true,
                    ..Audience::default()
                },
            ),
            &[
                (4, ActivitySignUpStatus::CheckedIn),
                (5, ActivitySignUpStatus::Confirmed),
                (6, ActivitySignUpStatus::Confirmed),
            ],
            &[],
        )
        .await?;
        added += 1;
    }
    Ok(added)
}

/// Writes a published activity that has started (or ended) with its sign-ups (`resident<n>`,
/// one seat each) and feedback (`resident<n>`, rating, comment), organised by the manager.
async fn written(
    state: &AppState,
    fields: ActivityFields,
    sign_ups: &[(usize, ActivitySignUpStatus)],
    feedback: &[(usize, i32, &str)],
) -> AppResult<Uuid> {
    let organiser = user_id(state, MANAGER).await?;
    let admin = user_id(state, ADMIN).await?;
    let mut people = Vec::new();
    for (i, status) in sign_ups {
        let user = user_id(state, &resident(*i)).await?;
        let unit = residency::Entity::find()
            .filter(residency::Column::UserId.eq(user))
            .one(&state.db)
            .await?
            .map(|r| r.unit_id)
            .ok_or_else(|| AppError::internal("a demo resident without a home"))?;
        people.push((*i, user, unit, *status));
    }
    let id = Uuid::now_v7();
    let opened = fields.starts_at - Duration::days(14);
    let seated = people
        .iter()
        .filter(|(.., s)| *s != ActivitySignUpStatus::Waitlisted)
        .count();
    let write = Write::begin(state).await?;
    activity::Entity::insert(activity::ActiveModel {
        id: Set(id),
        kind: Set(fields.kind.as_str().to_owned()),
        title: Set(fields.title),
        description: Set(fields.description),
        organiser_id: Set(organiser),
        organiser_name: Set(None),
        place: Set(fields.place),
        service_centre_id: Set(None),
        starts_at: Set(fields.starts_at),
        ends_at: Set(fields.ends_at),
        capacity: Set(fields.capacity),
        sign_up_opens_at: Set(opened),
        sign_up_closes_at: Set(fields.starts_at),
        cancel_until: Set(fields.starts_at),
        household_limit: Set(2),
        members_allowed: Set(true),
        status: Set(StoredStatus::Published.as_str().to_owned()),
        seats_taken: Set(i32::try_from(seated).map_err(AppError::internal)?),
        waitlist_length: Set(0),
        waitlist_next: Set(1),
        version: Set(1),
        created_by: Set(admin),
        created_at: Set(opened),
        updated_at: Set(opened),
        published_at: Set(Some(opened)),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        no_shows_marked_at: Set(None),
    })
    .exec_without_returning(write.txn())
    .await?;
    let rows = ActivityService::audience_rows(write.txn(), id, &fields.audience).await?;
    activity_audience::Entity::insert_many(rows)
        .exec_without_returning(write.txn())
        .await?;
    let mut ids = Vec::new();
    for (i, user, unit, status) in &people {
        let sign_up = Uuid::now_v7();
        ids.push((*i, sign_up, *user));
        let checked = *status == ActivitySignUpStatus::CheckedIn;
        activity_sign_up::Entity::insert(activity_sign_up::ActiveModel {
            id: Set(sign_up),
            activity_id: Set(id),
            user_id: Set(*user),
            unit_id: Set(*unit),
            include_self: Set(true),
            seats: Set(1),
            status: Set(status.as_str().to_owned()),
            waitlist_seq: Set(None),
            check_in_code: Set(new_code()),
            created_at: Set(opened),
            updated_at: Set(opened),
            confirmed_at: Set(Some(opened)),
            checked_in_at: Set(checked.then_some(fields.starts_at)),
            checked_in_by: Set(checked.then_some(organiser)),
            cancelled_at: Set(None),
        })
        .exec_without_returning(write.txn())
        .await?;
    }
    for (i, rating, comment) in feedback {
        let Some((_, sign_up, user)) = ids.iter().find(|(n, ..)| n == i) else {
            continue;
        };
        activity_feedback::Entity::insert(activity_feedback::ActiveModel {
            id: Set(Uuid::now_v7()),
            activity_id: Set(id),
            sign_up_id: Set(*sign_up),
            user_id: Set(*user),
            rating: Set(*rating),
            comment: Set((!comment.is_empty()).then(|| (*comment).to_owned())),
            created_at: Set(fields.ends_at),
        })
        .exec_without_returning(write.txn())
        .await?;
    }
    write.commit().await?;
    Ok(id)
}
