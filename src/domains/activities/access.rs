//! Who sees and runs which activity, in one place: the list condition and the per-activity
//! relation used by queries, mutations, node, notification subjects and the live seats.
//!
//! | viewer | sees | runs (edit, publish, cancel, sign-up list, feedback) | checks in |
//! |---|---|---|---|
//! | administrator | every activity, drafts included | every activity | every activity |
//! | organiser (the staff user named) and the creator | their activities, drafts included | theirs | theirs |
//! | manager (active `MANAGER` staff) | published activities addressed to a building they serve (or the estate) | – | those activities |
//! | anyone (residents, staff, supervisors, merchants) | published and cancelled activities addressed to them (the notices' rule) | – | – |

use std::collections::HashSet;

use sea_orm::{ColumnTrait, Condition, sea_query::Query};
use uuid::Uuid;

use super::types::StoredStatus;
use crate::{
    domains::{
        estate::{access::Scope, types::StaffPost},
        notices::audience::{Audience, AudienceTable, addressed},
    },
    error::AppResult,
};
use entity::{activity, activity_audience};

impl AudienceTable for activity_audience::Entity {
    const OWNER: activity_audience::Column = activity_audience::Column::ActivityId;
    const SCOPE: activity_audience::Column = activity_audience::Column::Scope;
    const BUILDING_ID: activity_audience::Column = activity_audience::Column::BuildingId;
    const FLOOR: activity_audience::Column = activity_audience::Column::Floor;
    const UNIT_ID: activity_audience::Column = activity_audience::Column::UnitId;
    const ROLE: activity_audience::Column = activity_audience::Column::Role;
}

/// The buildings whose active manager the viewer is (empty for everyone else).
async fn managed_buildings(scope: &Scope) -> AppResult<Option<HashSet<Uuid>>> {
    let staff = scope.staff().await?;
    let manager = staff.active && staff.post.as_deref() == Some(StaffPost::Manager.as_str());
    Ok(manager.then(|| staff.served_buildings.clone()))
}

/// The activities (ids, as a subquery) a manager of `buildings` checks in: those addressed to the
/// whole estate or to a building, floor or unit in one of them.
fn checked_in_by(buildings: &HashSet<Uuid>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(activity_audience::Column::ActivityId)
        .from(activity_audience::Entity)
        .cond_where(
            Condition::any()
                .add(activity_audience::Column::Scope.eq("ESTATE"))
                .add(activity_audience::Column::BuildingId.is_in(buildings.iter().copied())),
        )
        .to_owned()
}

/// The activities `scope` may see, as a condition; `None`: every activity.
pub async fn visible(scope: &Scope) -> AppResult<Option<Condition>> {
    let me = scope.require_user()?;
    if scope.admin {
        return Ok(None);
    }
    let published = activity::Column::Status.ne(StoredStatus::Draft.as_str());
    let mut any = Condition::any()
        .add(activity::Column::OrganiserId.eq(me))
        .add(activity::Column::CreatedBy.eq(me))
        .add(Condition::all().add(published.clone()).add(
            activity::Column::Id.in_subquery(addressed::<activity_audience::Entity>(scope).await?),
        ));
    if let Some(buildings) = managed_buildings(scope).await? {
        any = any.add(
            Condition::all()
                .add(published)
                .add(activity::Column::Id.in_subquery(checked_in_by(&buildings))),
        );
    }
    Ok(Some(any))
}

/// How the viewer relates to one activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// May see it.
    pub sees: bool,
    /// Runs it: edits the draft, publishes, cancels, sees the sign-ups, the audience and the
    /// feedback (administrators, the organiser, the creator).
    pub runs: bool,
    /// May check sign-ups in (those who run it, and managers of its buildings).
    pub checks_in: bool,
}

/// How `scope`'s viewer relates to `model`, whose audience rows are `audience`, judged now. Runs
/// no statement beyond the viewer's facets (read once per request), so a page of activities
/// costs nothing per item once their audiences are loaded in one batch.
pub async fn relation(
    scope: &Scope,
    model: &activity::Model,
    audience: &[activity_audience::Model],
) -> AppResult<Relation> {
    let Some(me) = scope.user_id else {
        return Ok(Relation::default());
    };
    if scope.admin || model.organiser_id == me || model.created_by == me {
        return Ok(Relation {
            sees: true,
            runs: true,
            checks_in: true,
        });
    }
    if model.status == StoredStatus::Draft.as_str() {
        return Ok(Relation::default());
    }
    if let Some(buildings) = managed_buildings(scope).await?
        && audience.iter().any(|row| {
            row.scope == "ESTATE" || row.building_id.is_some_and(|b| buildings.contains(&b))
        })
    {
        return Ok(Relation {
            sees: true,
            runs: false,
            checks_in: true,
        });
    }
    let targets = Audience::from_targets(audience.iter().map(|r| {
        (
            r.scope.as_str(),
            r.building_id,
            r.floor,
            r.unit_id,
            r.role.as_deref(),
        )
    }));
    Ok(Relation {
        sees: targets.includes(scope).await?,
        runs: false,
        checks_in: false,
    })
}
