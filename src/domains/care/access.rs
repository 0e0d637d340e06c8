//! Who sees, manages and records which care plan, in one place: the list condition and the
//! per-plan checks used by queries, mutations, `node` and notification subjects.
//!
//! | viewer | sees plans and visits | creates, changes, ends plans | records visits |
//! |---|---|---|---|
//! | administrator | every plan | every plan | – |
//! | household (current residents of the member's unit) | their members' plans | theirs | – |
//! | manager (active `MANAGER` staff) | plans in the buildings they serve | those | – |
//! | staff caregiver | plans assigned to them | – | theirs |
//! | partner member (care agency, pet service) | plans assigned to the partner | – | theirs, while the partner is in business |
//! | anyone else | nothing (`NOT_FOUND`) | – | – |

use std::collections::HashSet;

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::{
    domains::{
        estate::{
            access::{Facet, Scope},
            types::StaffPost,
        },
        partners::facts::affiliation,
    },
    error::AppResult,
};
use entity::care_plan;

/// The care facet of a viewer: their households, the buildings they manage and whom they act
/// for as a caregiver.
#[derive(Clone, Debug, Default)]
pub struct CareViewer {
    /// The viewer.
    pub user_id: Option<Uuid>,
    /// Administrator.
    pub admin: bool,
    /// Units the viewer lives in now.
    pub units: HashSet<Uuid>,
    /// Buildings the viewer manages (active `MANAGER` staff).
    pub managed: HashSet<Uuid>,
    /// The partner the viewer acts for, if any.
    pub partner: Option<Uuid>,
}

impl Facet for CareViewer {
    async fn load(scope: &Scope) -> AppResult<CareViewer> {
        let Some(me) = scope.user_id else {
            return Ok(CareViewer::default());
        };
        let resident = scope.resident().await?;
        let staff = scope.staff().await?;
        let manager = staff.active && staff.post.as_deref() == Some(StaffPost::Manager.as_str());
        // Membership is what counts for seeing; recording checks the contract at that moment.
        let midnight = scope
            .today()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let partner = affiliation(scope.db(), me, midnight)
            .await?
            .map(|a| a.partner_id);
        Ok(CareViewer {
            user_id: Some(me),
            admin: scope.admin,
            units: resident.units.clone(),
            managed: if manager {
                staff.served_buildings.clone()
            } else {
                HashSet::new()
            },
            partner,
        })
    }
}

impl CareViewer {
    /// The plans the viewer sees, as a condition; `None`: every plan.
    pub fn condition(&self) -> Option<Condition> {
        if self.admin {
            return None;
        }
        let mut any = Condition::any()
            // sea-query renders an empty IN list as a false condition.
            .add(care_plan::Column::UnitId.is_in(self.units.iter().copied()))
            .add(care_plan::Column::BuildingId.is_in(self.managed.iter().copied()));
        if let Some(me) = self.user_id {
            any = any.add(care_plan::Column::CaregiverUserId.eq(me));
        }
        if let Some(partner) = self.partner {
            any = any.add(care_plan::Column::CaregiverPartnerId.eq(partner));
        }
        Some(any)
    }

    /// The plans the viewer is the caregiver of, as a condition.
    pub fn caregiver_condition(&self) -> Condition {
        let mut any = Condition::any().add(care_plan::Column::Id.is_in(Vec::<Uuid>::new()));
        if let Some(me) = self.user_id {
            any = any.add(care_plan::Column::CaregiverUserId.eq(me));
        }
        if let Some(partner) = self.partner {
            any = any.add(care_plan::Column::CaregiverPartnerId.eq(partner));
        }
        any
    }

    /// Whether the viewer creates and changes plans of a member of `unit_id` in `building_id`.
    pub fn manages_member(&self, unit_id: Uuid, building_id: Uuid) -> bool {
        self.admin || self.units.contains(&unit_id) || self.managed.contains(&building_id)
    }

    /// Whether the viewer changes and ends `plan`.
    pub fn manages(&self, plan: &care_plan::Model) -> bool {
        self.manages_member(plan.unit_id, plan.building_id)
    }

    /// Whether the viewer is `plan`'s caregiver (the staff member, or a member of the partner).
    pub fn is_caregiver(&self, plan: &care_plan::Model) -> bool {
        (self.user_id.is_some() && plan.caregiver_user_id == self.user_id)
            || (self.partner.is_some() && plan.caregiver_partner_id == self.partner)
    }

    /// Whether the viewer sees `plan` and its visits.
    pub fn sees(&self, plan: &care_plan::Model) -> bool {
        self.manages(plan) || self.is_caregiver(plan)
    }
}
