//! A user who acts for a partner (a MERCHANT user, or a clinician or caregiver of a partner
//! institution); a user belongs to at most one partner.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "partner_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The user.
    pub user_id: Uuid,
    /// The partner.
    pub partner_id: Uuid,
    /// Since.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
