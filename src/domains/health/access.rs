//! Who reads which health data, in one place.
//!
//! | viewer | profile, exam results | consents, access log | consultations | clinician notes |
//! |---|---|---|---|---|
//! | the subject (a resident) | yes | yes | theirs | yes |
//! | current residents of the household (children, elders) | yes | yes | the household's | yes |
//! | active `HEALTH_ASSISTANT` staff | while a `HEALTH_STAFF` consent holds (logged) | – | those asked of health staff | the clinician who confirmed |
//! | members of a clinic partner | while a `CLINIC` consent naming it holds (logged) | – | those asked of the clinic | the clinician who confirmed |
//! | anyone else (managers, administrators, supervisors, merchants) | `NOT_FOUND` | `NOT_FOUND` | `NOT_FOUND` | – |

use std::collections::HashSet;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::types::{HealthConsentScope, HealthSubjectKind};
use crate::{
    app::AppState,
    auth::guard,
    domains::{estate::access::Scope, estate::types::StaffPost, partners::facts},
    error::{AppError, AppResult},
};
use entity::{health_consent, health_consultation, household_member};

/// Kind of partner whose members may be named in a `CLINIC` consent.
pub const CLINIC: &str = "CLINIC";

/// What the viewer is to health services: loaded once per request, before any write.
#[derive(Clone, Debug, Default)]
pub struct HealthViewer {
    /// The viewer.
    pub me: Uuid,
    /// Holds an active `HEALTH_ASSISTANT` staff record.
    pub health_staff: bool,
    /// The clinic partner (in business) the viewer acts for.
    pub clinic: Option<Uuid>,
    /// The viewer's current homes.
    pub units: HashSet<Uuid>,
}

impl HealthViewer {
    /// Loads the viewer's health side (staff post, clinic, homes).
    pub async fn load(state: &AppState, scope: &Scope) -> AppResult<HealthViewer> {
        let me = scope.require_user()?;
        let health_staff = guard::holds_active_post(scope, StaffPost::HealthAssistant)
            .await?
            .is_some();
        let clinic = facts::affiliation(&state.db, me, state.clock.now())
            .await?
            .filter(|a| a.kind == CLINIC && a.in_business)
            .map(|a| a.partner_id);
        let units = scope.resident().await?.units.clone();
        Ok(HealthViewer {
            me,
            health_staff,
            clinic,
            units,
        })
    }

    /// Whether the viewer is a provider of consultations (health staff or a clinic).
    pub fn provides(&self) -> bool {
        self.health_staff || self.clinic.is_some()
    }

    /// Whether the viewer is on the provider side of `c` (its health staff or its clinic).
    pub fn provider_of(&self, c: &health_consultation::Model) -> bool {
        match c.partner_id {
            None => self.health_staff,
            Some(partner) => self.clinic == Some(partner),
        }
    }

    /// Whether the viewer is on the resident side of `c`.
    pub fn owner_of_consultation(&self, c: &health_consultation::Model) -> bool {
        c.requested_by == self.me
            || c.subject_id == self.me
            || c.unit_id.is_some_and(|u| self.units.contains(&u))
    }

    /// Whether the viewer may see `c`.
    pub fn sees_consultation(&self, c: &health_consultation::Model) -> bool {
        self.owner_of_consultation(c) || self.provider_of(c)
    }

    /// Whether the viewer may read `c`'s clinician notes.
    pub fn sees_notes(&self, c: &health_consultation::Model) -> bool {
        self.owner_of_consultation(c) || c.clinician_id == Some(self.me)
    }

    /// The consultations the viewer sees, as a condition.
    pub fn consultation_condition(&self) -> Condition {
        let mut any = Condition::any()
            .add(health_consultation::Column::RequestedBy.eq(self.me))
            .add(health_consultation::Column::SubjectId.eq(self.me))
            .add(health_consultation::Column::UnitId.is_in(self.units.iter().copied()));
        if self.health_staff {
            any = any.add(health_consultation::Column::PartnerId.is_null());
        }
        if let Some(clinic) = self.clinic {
            any = any.add(health_consultation::Column::PartnerId.eq(clinic));
        }
        any
    }
}

/// A health subject as its owner side names it.
#[derive(Clone, Copy, Debug)]
pub struct Subject {
    /// The user or household member id.
    pub id: Uuid,
    /// Which of the two.
    pub kind: HealthSubjectKind,
    /// The household of a member.
    pub unit_id: Option<Uuid>,
}

/// The subject `subject_id` when the viewer is its owner side (themselves, or a current resident
/// of a child's or elder's household); a pet is `BAD_USER_INPUT` on `field`; anything else is
/// `NOT_FOUND` on `field`.
pub async fn owned_subject<C: ConnectionTrait>(
    db: &C,
    viewer: &HealthViewer,
    subject_id: Uuid,
    field: &str,
) -> AppResult<Subject> {
    if subject_id == viewer.me {
        return Ok(Subject {
            id: subject_id,
            kind: HealthSubjectKind::Resident,
            unit_id: None,
        });
    }
    let member = household_member::Entity::find_by_id(subject_id)
        .one(db)
        .await?
        .filter(|m| viewer.units.contains(&m.unit_id))
        .ok_or_else(|| AppError::unknown_id(field, "health subject"))?;
    if member.kind == "PET" {
        return Err(AppError::bad_input(
            field,
            "pets have no health profile: name a resident, a child or an elder",
        ));
    }
    Ok(Subject {
        id: subject_id,
        kind: HealthSubjectKind::HouseholdMember,
        unit_id: Some(member.unit_id),
    })
}

/// Under which live consent the viewer reads profile `profile_id`, if any: the reader role
/// (`HEALTH_STAFF` or `CLINIC`) and the clinic.
pub async fn consented_reader<C: ConnectionTrait>(
    db: &C,
    viewer: &HealthViewer,
    profile_id: Uuid,
) -> AppResult<Option<(HealthConsentScope, Option<Uuid>)>> {
    if !viewer.provides() {
        return Ok(None);
    }
    let live = health_consent::Entity::find()
        .filter(health_consent::Column::ProfileId.eq(profile_id))
        .filter(health_consent::Column::WithdrawnAt.is_null())
        .all(db)
        .await?;
    if viewer.health_staff
        && live
            .iter()
            .any(|c| c.scope == HealthConsentScope::HealthStaff.as_str())
    {
        return Ok(Some((HealthConsentScope::HealthStaff, None)));
    }
    if let Some(clinic) = viewer.clinic
        && live
            .iter()
            .any(|c| c.scope == HealthConsentScope::Clinic.as_str() && c.partner_id == Some(clinic))
    {
        return Ok(Some((HealthConsentScope::Clinic, Some(clinic))));
    }
    Ok(None)
}
