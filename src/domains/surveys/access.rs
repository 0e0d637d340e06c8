//! Who sees, answers and runs which survey, in one place: the list condition and the per-survey
//! relation used by queries, mutations, node, notification subjects and the live results.
//!
//! | viewer | sees | answers | runs (publish) | results |
//! |---|---|---|---|---|
//! | administrator | every survey, drafts included | when in the audience | every survey | every published survey |
//! | the creator (an administrator or manager) | theirs, drafts included | when in the audience | theirs | theirs |
//! | manager (active `MANAGER` staff) | published surveys addressed to the estate or to a building (floor, unit) they serve | when in the audience | – | those surveys |
//! | anyone else (residents, staff) | published surveys addressed to them (the notices' rule) | yes, while open | – | – |
//!
//! Nobody reads another person's response: a response is read only by the user who wrote it,
//! and results are aggregates.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, Condition, sea_query::Query};
use uuid::Uuid;

use super::types::{DRAFT, PUBLISHED};
use crate::{
    domains::{
        estate::{access::Scope, types::StaffPost},
        notices::audience::{Audience, addressed},
    },
    error::AppResult,
};
use entity::{survey, survey_audience};

/// The buildings whose active manager the viewer is (`None` for everyone else).
pub async fn managed_buildings(scope: &Scope) -> AppResult<Option<HashSet<Uuid>>> {
    let staff = scope.staff().await?;
    let manager = staff.active && staff.post.as_deref() == Some(StaffPost::Manager.as_str());
    Ok(manager.then(|| staff.served_buildings.clone()))
}

/// The surveys (ids, as a subquery) addressed to the estate or to a building, floor or unit in
/// one of `buildings`.
fn reaching(buildings: &HashSet<Uuid>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(survey_audience::Column::SurveyId)
        .from(survey_audience::Entity)
        .cond_where(
            Condition::any()
                .add(survey_audience::Column::Scope.eq("ESTATE"))
                .add(survey_audience::Column::BuildingId.is_in(buildings.iter().copied())),
        )
        .to_owned()
}

/// The surveys `scope` may see, as a condition; `None`: every survey.
pub async fn visible(scope: &Scope) -> AppResult<Option<Condition>> {
    let me = scope.require_user()?;
    if scope.admin {
        return Ok(None);
    }
    let published = survey::Column::Status.eq(PUBLISHED);
    let mut any = Condition::any().add(survey::Column::CreatedBy.eq(me)).add(
        Condition::all().add(published.clone()).add(
            survey::Column::Id.in_subquery(addressed::<survey_audience::Entity>(scope).await?),
        ),
    );
    if let Some(buildings) = managed_buildings(scope).await? {
        any = any.add(
            Condition::all()
                .add(published)
                .add(survey::Column::Id.in_subquery(reaching(&buildings))),
        );
    }
    Ok(Some(any))
}

/// How the viewer relates to one survey.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// May see it.
    pub sees: bool,
    /// Runs it: publishes the draft (administrators, the creator).
    pub runs: bool,
    /// Sees its results and audience (those who run it, and managers of a building in its
    /// audience).
    pub results: bool,
    /// Is in its audience, so answers it while it is open.
    pub answers: bool,
}

/// How `scope`'s viewer relates to `model`, whose audience rows are `audience`. Runs no
/// statement beyond the viewer's facets (read once per request).
pub async fn relation(
    scope: &Scope,
    model: &survey::Model,
    audience: &[survey_audience::Model],
) -> AppResult<Relation> {
    let Some(me) = scope.user_id else {
        return Ok(Relation::default());
    };
    let runs = scope.admin || model.created_by == me;
    if model.status == DRAFT {
        return Ok(Relation {
            sees: runs,
            runs,
            results: runs,
            answers: false,
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
    let answers = targets.includes(scope).await?;
    let manages = match managed_buildings(scope).await? {
        Some(buildings) => audience.iter().any(|row| {
            row.scope == "ESTATE" || row.building_id.is_some_and(|b| buildings.contains(&b))
        }),
        None => false,
    };
    Ok(Relation {
        sees: runs || manages || answers,
        runs,
        results: runs || manages,
        answers,
    })
}
