//! Demo channels: a channel per building with a conversation between residents and staff, a
//! floor channel, a parents' interest group and an estate-wide staff room. Everything goes
//! through [`ChannelService`] as the administrator, the residents and the staff would, so the
//! events, read positions and notifications are the real ones. Each channel is skipped when one
//! with its name exists, so seeding twice adds nothing.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    app::AppState,
    domains::{
        channels::{
            service::{ChannelService, NewChannel, NewMessage},
            types::{ChannelJoinPolicy, ChannelKind, ChannelPostPolicy, ChannelVisibility},
        },
        estate::access::Scope,
    },
    error::{AppError, AppResult},
};
use entity::{building, channel, residency, unit, user};

/// The parents' group's name.
pub const PARENTS: &str = "Parents of Riverside Gardens";
/// The staff room's name.
pub const STAFF_ROOM: &str = "Staff room";

async fn scope(state: &AppState, email: &str) -> AppResult<Scope> {
    let id = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo user {email} missing")))?
        .id;
    Scope::load_user(&state.db, id, state.clock.today()).await
}

async fn exists(state: &AppState, name: &str) -> AppResult<bool> {
    Ok(channel::Entity::find()
        .filter(channel::Column::Name.eq(name))
        .one(&state.db)
        .await?
        .is_some())
}

fn new_channel(
    kind: ChannelKind,
    name: &str,
    description: &str,
    building_id: Option<Uuid>,
    floor: Option<i32>,
) -> NewChannel {
    NewChannel {
        kind,
        name: name.to_owned(),
        description: description.to_owned(),
        building_id,
        floor,
        post_policy: ChannelPostPolicy::Everyone,
        join_policy: ChannelJoinPolicy::Open,
        visibility: ChannelVisibility::Listed,
        slow_mode_seconds: 0,
    }
}

async fn say(state: &AppState, email: &str, channel: Uuid, text: &str) -> AppResult<()> {
    let scope = scope(state, email).await?;
    ChannelService::new(state)
        .post(
            &scope,
            NewMessage {
                channel_id: channel,
                text: text.to_owned(),
                reply_to_id: None,
                mention_ids: Vec::new(),
                reference_id: None,
            },
        )
        .await?;
    Ok(())
}

/// The email of the first demo resident (by number) living in `building`.
async fn first_resident(state: &AppState, building: Uuid) -> AppResult<Option<(String, i32)>> {
    for n in 1..=super::RESIDENTS {
        let email = format!("resident{n}@demo.test");
        let Some(user) = user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(&state.db)
            .await?
        else {
            continue;
        };
        let Some(home) = residency::Entity::find()
            .filter(residency::Column::UserId.eq(user.id))
            .one(&state.db)
            .await?
        else {
            continue;
        };
        if let Some(unit) = unit::Entity::find_by_id(home.unit_id)
            .one(&state.db)
            .await?
            && unit.building_id == building
        {
            return Ok(Some((email, unit.floor)));
        }
    }
    Ok(None)
}

/// Seeds the demo channels that are missing; returns how many it created.
pub async fn seed_channels(state: &AppState) -> AppResult<usize> {
    let admin = scope(state, super::DEMO_ADMIN).await?;
    let service = ChannelService::new(state);
    let mut created = 0;
    let buildings = building::Entity::find()
        .order_by_asc(building::Column::Id)
        .all(&state.db)
        .await?;
    for (i, building) in buildings.iter().enumerate() {
        let name = format!("{} neighbours", building.name);
        if exists(state, &name).await? {
            continue;
        }
        let Some((resident, floor)) = first_resident(state, building.id).await? else {
            continue;
        };
        let channel = service
            .create(
                &admin,
                new_channel(
                    ChannelKind::Building,
                    &name,
                    "Everyone who lives in the building and the staff who serve it.",
                    Some(building.id),
                    None,
                ),
            )
            .await?;
        created += 1;
        say(
            state,
            &resident,
            channel.id,
            "Is the lift on the east side working again?",
        )
        .await?;
        say(
            state,
            "staff1@demo.test",
            channel.id,
            "Yes, the technician finished this morning. Tell us here if it stops again.",
        )
        .await?;
        say(state, &resident, channel.id, "Thank you, that was quick!").await?;
        if i == 0 {
            let floor_name = format!("{} floor {floor}", building.name);
            if !exists(state, &floor_name).await? {
                let floor_channel = service
                    .create(
                        &admin,
                        new_channel(
                            ChannelKind::Floor,
                            &floor_name,
                            "Neighbours on this floor.",
                            Some(building.id),
                            Some(floor),
                        ),
                    )
                    .await?;
                created += 1;
                say(
                    state,
                    &resident,
                    floor_channel.id,
                    "We are having the corridor painted on Saturday: please keep shoes inside.",
                )
                .await?;
            }
            if !exists(state, PARENTS).await? {
                let parents = service
                    .create(
                        &admin,
                        new_channel(
                            ChannelKind::Interest,
                            PARENTS,
                            "Play dates, school runs and hand-me-downs.",
                            Some(building.id),
                            None,
                        ),
                    )
                    .await?;
                created += 1;
                let member = scope(state, &resident).await?;
                service.join(&member, parents.id).await?;
                say(
                    state,
                    &resident,
                    parents.id,
                    "Anyone up for the playground on Sunday morning?",
                )
                .await?;
            }
        }
    }
    if !exists(state, STAFF_ROOM).await? {
        let room = service
            .create(
                &admin,
                new_channel(
                    ChannelKind::Staff,
                    STAFF_ROOM,
                    "Every active staff member of the estate.",
                    None,
                    None,
                ),
            )
            .await?;
        created += 1;
        say(
            state,
            "staff12@demo.test",
            room.id,
            "Reminder: the fire drill is on Thursday at 10:00.",
        )
        .await?;
    }
    Ok(created)
}
