//! A preventive maintenance plan: for one asset or every asset of a kind in a building, a
//! checklist, a recurrence (calendar or meter), the service category and lead time.

use sea_orm::entity::prelude::*;

/// One plan.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "maintenance_plan")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The building.
    pub building_id: Uuid,
    /// The asset, for a plan of one asset.
    pub asset_id: Option<Uuid>,
    /// The asset kind, for a plan of every asset of a kind in the building.
    pub asset_kind: Option<String>,
    /// Name.
    pub name: String,
    /// The checklist: a JSON array of item texts, in order.
    pub checklist: String,
    /// `DAYS`, `WEEKS`, `MONTHS` or `METER`.
    pub recurrence: String,
    /// Every how many days, weeks, months or meter units.
    pub every: i32,
    /// The first due date of a calendar plan.
    pub anchor_on: Option<Date>,
    /// The service category of its work orders.
    pub category_id: Uuid,
    /// The qualification the work needs.
    pub qualification_id: Option<Uuid>,
    /// Days before the due date the work order is created.
    pub lead_days: i32,
    /// Days after the due date before an open occurrence is overdue.
    pub grace_days: i32,
    /// `ACTIVE` or `PAUSED`.
    pub status: String,
    /// Who created it.
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
