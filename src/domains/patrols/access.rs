//! Who sees and does what with patrols, in one place, for queries, lists, `node`, mutations,
//! notification subjects and live events.
//!
//! | viewer | routes and runs of a building | tag codes | create, change routes | start, scan, finish |
//! |---|---|---|---|---|
//! | administrator | all | yes | yes | finish any run |
//! | supervisor | all | no | no | no |
//! | active manager serving the building | all of the building | yes | yes | finish a run of the building |
//! | active staff serving the building with the route's post (`SECURITY`, `FIRE_CONTROL`) | that post's | no | no | start; scan and finish their own runs |
//! | other staff, residents, anyone else | none (`NOT_FOUND`) | – | – | – |

use std::collections::HashSet;

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::types::PatrolPost;
use crate::{
    domains::estate::{
        access::{Facet, Scope},
        types::StaffPost,
    },
    error::AppResult,
};
use entity::{patrol_route, patrol_run};

/// The patrol facet of a viewer.
#[derive(Debug, Default)]
pub struct Patrols {
    /// The viewer.
    pub user: Option<Uuid>,
    /// Administrator.
    pub admin: bool,
    /// Administrator or supervisor: sees everything.
    pub all: bool,
    /// Buildings the viewer serves as an active manager.
    pub managed: HashSet<Uuid>,
    /// The viewer's patrol post, when they are active staff of one.
    pub post: Option<PatrolPost>,
    /// Buildings the viewer serves with that post.
    pub guarded: HashSet<Uuid>,
}

impl Facet for Patrols {
    async fn load(scope: &Scope) -> AppResult<Patrols> {
        let Some(user) = scope.user_id else {
            return Ok(Patrols::default());
        };
        let staff = scope.staff().await?;
        let active = staff.active && staff.id.is_some();
        let post = staff.post.as_deref();
        let managed = if active && post == Some(StaffPost::Manager.as_str()) {
            staff.served_buildings.clone()
        } else {
            HashSet::new()
        };
        let patrol_post = if active {
            post.and_then(PatrolPost::parse)
        } else {
            None
        };
        Ok(Patrols {
            user: Some(user),
            admin: scope.admin,
            all: scope.admin || scope.supervisor,
            managed,
            post: patrol_post,
            guarded: if patrol_post.is_some() {
                staff.served_buildings.clone()
            } else {
                HashSet::new()
            },
        })
    }
}

impl Patrols {
    /// Sees the routes and runs of `post` in `building`.
    pub fn sees(&self, building: Uuid, post: &str) -> bool {
        self.all || self.managed.contains(&building) || self.guards(building, post)
    }

    /// Walks routes of `post` in `building` (starts their runs).
    pub fn guards(&self, building: Uuid, post: &str) -> bool {
        self.post.is_some_and(|p| p.as_str() == post) && self.guarded.contains(&building)
    }

    /// Reads tag codes and creates and changes routes of `building`.
    pub fn manages(&self, building: Uuid) -> bool {
        self.admin || self.managed.contains(&building)
    }

    /// May follow `building`'s security office feed.
    pub fn follows(&self, building: Uuid) -> bool {
        self.all || self.managed.contains(&building) || self.guarded.contains(&building)
    }

    /// Sees anything at all.
    pub fn any(&self) -> bool {
        self.all || !self.managed.is_empty() || !self.guarded.is_empty()
    }

    /// The routes the viewer may see, as a condition; `None`: every one.
    pub fn visible_routes(&self) -> Option<Condition> {
        if self.all {
            return None;
        }
        let mut any = Condition::any();
        if !self.managed.is_empty() {
            any = any.add(patrol_route::Column::BuildingId.is_in(self.managed.iter().copied()));
        }
        if let Some(post) = self.post
            && !self.guarded.is_empty()
        {
            any = any.add(
                Condition::all()
                    .add(patrol_route::Column::BuildingId.is_in(self.guarded.iter().copied()))
                    .add(patrol_route::Column::Post.eq(post.as_str())),
            );
        }
        Some(any)
    }

    /// The runs the viewer may see, as a condition; `None`: every one.
    pub fn visible_runs(&self) -> Option<Condition> {
        if self.all {
            return None;
        }
        let mut any = Condition::any();
        if !self.managed.is_empty() {
            any = any.add(patrol_run::Column::BuildingId.is_in(self.managed.iter().copied()));
        }
        if let Some(post) = self.post
            && !self.guarded.is_empty()
        {
            any = any.add(
                Condition::all()
                    .add(patrol_run::Column::BuildingId.is_in(self.guarded.iter().copied()))
                    .add(patrol_run::Column::Post.eq(post.as_str())),
            );
        }
        Some(any)
    }
}
