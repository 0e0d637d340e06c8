//! One movement of a resident's time bank: `EARNED` (verified volunteer hours), `DONATED` (given to a neighbour), `RECEIVED` (from one), `REDEEMED` (for a partner perk).

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "time_bank_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7 (also the history order).
    pub id: Uuid,
    /// Whose account.
    pub user_id: Uuid,
    /// `EARNED`, `DONATED`, `RECEIVED` or `REDEEMED`.
    pub kind: String,
    /// Minutes moved: positive in, negative out.
    pub minutes: i32,
    /// The balance after this entry.
    pub balance_after: i32,
    /// The other resident of a donation.
    pub counterpart_id: Option<Uuid>,
    /// The sign-up an `EARNED` entry pays for (unique: a sign-up earns once).
    pub sign_up_id: Option<Uuid>,
    /// What a redemption bought (a perk's reference), for the partners domain.
    pub reference: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// Who made the movement.
    pub created_by: Uuid,
    /// At.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
