//! Who reads, posts in and moderates a channel: decided here alone, for lists, single
//! channels, messages, live events, notification subjects and message references.
//!
//! BUILDING, FLOOR, STAFF and DIRECT membership is derived from the viewer's scope (current
//! residencies, the buildings an `ACTIVE` staff record serves), so it follows moves and staff
//! assignments at once and no member row can go stale; INTEREST membership is an explicit
//! `ACTIVE` row, read through the [`Memberships`] facet (joining, approval and removal queue an
//! access change, so cached subscription scopes drop it).

use std::collections::HashSet;

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::types::ChannelKind;
use crate::{
    domains::estate::{
        access::{Facet, Scope},
        types::StaffPost,
    },
    error::AppResult,
};
use entity::{channel, channel_member};

/// Explicit member row: a member.
pub const ACTIVE: &str = "ACTIVE";
/// Explicit member row: asked to join a channel that needs approval.
pub const PENDING: &str = "PENDING";
/// Explicit member row: removed by a moderator (may not join again).
pub const REMOVED: &str = "REMOVED";
/// Explicit member row: left by themselves (may join again).
pub const LEFT: &str = "LEFT";
/// A row that only keeps the read position, mute and slow-mode clock of a derived member.
pub const TRACKING: &str = "TRACKING";

/// The viewer's explicit (INTEREST) memberships: the facet read once per scope.
#[derive(Debug, Default)]
pub struct Memberships {
    /// Channels with an `ACTIVE` row of the viewer.
    pub active: HashSet<Uuid>,
}

impl Facet for Memberships {
    async fn load(scope: &Scope) -> AppResult<Memberships> {
        let Some(user_id) = scope.user_id else {
            return Ok(Memberships::default());
        };
        let active = channel_member::Entity::find()
            .select_only()
            .column(channel_member::Column::ChannelId)
            .filter(channel_member::Column::UserId.eq(user_id))
            .filter(channel_member::Column::Status.eq(ACTIVE))
            .into_tuple::<Uuid>()
            .all(scope.db())
            .await?
            .into_iter()
            .collect();
        Ok(Memberships { active })
    }
}

/// The viewer's relation to one channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// Reads the channel (a member, or a moderator).
    pub reads: bool,
    /// Speaks for the property office here: staff serving the channel's building (any active
    /// staff for a channel without one) and administrators. May post in announcement channels
    /// and is not held by slow mode.
    pub office: bool,
    /// Moderates: administrators, and the active managers serving the channel's building.
    pub moderates: bool,
}

/// The facts of the viewer's access that channel rules need, read once.
pub struct Access {
    me: Option<Uuid>,
    admin: bool,
    homes: HashSet<Uuid>,
    floors: HashSet<(Uuid, i32)>,
    staff_active: bool,
    served: HashSet<Uuid>,
    managed: HashSet<Uuid>,
    interest: HashSet<Uuid>,
}

impl Access {
    /// Loads the resident, staff and membership facets of `scope` (call it before a write).
    pub async fn of(scope: &Scope) -> AppResult<Access> {
        let resident = scope.resident().await?;
        let staff = scope.staff().await?;
        let memberships = scope.facet::<Memberships>().await?;
        let manager = staff.active && staff.post.as_deref() == Some(StaffPost::Manager.as_str());
        Ok(Access {
            me: scope.user_id,
            admin: scope.admin,
            homes: resident.buildings.clone(),
            floors: resident.floors.clone(),
            staff_active: staff.active,
            served: staff.served_buildings.clone(),
            managed: if manager {
                staff.served_buildings.clone()
            } else {
                HashSet::new()
            },
            interest: memberships.active.clone(),
        })
    }

    /// The buildings the viewer lives in or serves.
    pub fn buildings(&self) -> HashSet<Uuid> {
        self.homes.union(&self.served).copied().collect()
    }

    /// The viewer's current homes' buildings.
    pub fn homes(&self) -> &HashSet<Uuid> {
        &self.homes
    }

    /// Whether the viewer is an active staff member.
    pub fn is_staff(&self) -> bool {
        self.staff_active
    }

    /// The viewer's relation to `channel`.
    pub fn relation(&self, channel: &channel::Model) -> Relation {
        let kind = ChannelKind::parse(&channel.kind);
        let building = channel.building_id;
        let serves = |b: Option<Uuid>| match b {
            Some(b) => self.served.contains(&b),
            None => self.staff_active,
        };
        let moderates = self.admin || building.is_some_and(|b| self.managed.contains(&b));
        let office = self.admin || serves(building);
        let member = match kind {
            Some(ChannelKind::Building) => {
                building.is_some_and(|b| self.homes.contains(&b) || self.served.contains(&b))
            }
            Some(ChannelKind::Floor) => match (building, channel.floor) {
                (Some(b), Some(f)) => self.floors.contains(&(b, f)),
                _ => false,
            },
            Some(ChannelKind::Interest) => self.interest.contains(&channel.id),
            Some(ChannelKind::Staff) => serves(building),
            Some(ChannelKind::Direct) => {
                channel.resident_id.is_some() && channel.resident_id == self.me || serves(building)
            }
            None => false,
        };
        Relation {
            reads: member || moderates,
            office,
            moderates,
        }
    }

    /// The channels the viewer reads, as a condition on `channel` (`None`: every channel).
    pub fn condition(&self) -> Option<Condition> {
        if self.admin {
            return None;
        }
        let kind = |k: ChannelKind| channel::Column::Kind.eq(k.as_str());
        let in_set = |set: &HashSet<Uuid>| channel::Column::BuildingId.is_in(set.iter().copied());
        let mut any = Condition::any()
            .add(
                Condition::all()
                    .add(kind(ChannelKind::Building))
                    .add(in_set(&self.buildings())),
            )
            .add(channel::Column::Id.is_in(self.interest.iter().copied()))
            .add(in_set(&self.managed));
        if !self.floors.is_empty() {
            let mut floors = Condition::any();
            for (b, f) in &self.floors {
                floors = floors.add(
                    Condition::all()
                        .add(channel::Column::BuildingId.eq(*b))
                        .add(channel::Column::Floor.eq(*f)),
                );
            }
            any = any.add(Condition::all().add(kind(ChannelKind::Floor)).add(floors));
        }
        if self.staff_active {
            any = any.add(
                Condition::all().add(kind(ChannelKind::Staff)).add(
                    Condition::any()
                        .add(channel::Column::BuildingId.is_null())
                        .add(in_set(&self.served)),
                ),
            );
        }
        let mut direct = Condition::any().add(in_set(&self.served));
        if let Some(me) = self.me {
            direct = direct.add(channel::Column::ResidentId.eq(me));
        }
        any = any.add(Condition::all().add(kind(ChannelKind::Direct)).add(direct));
        Some(any)
    }
}

/// The viewer's relation to `channel`, loading what it needs from `scope`.
pub async fn relation(scope: &Scope, channel: &channel::Model) -> AppResult<Relation> {
    Ok(Access::of(scope).await?.relation(channel))
}
