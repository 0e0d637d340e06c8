//! Refresh-token sessions. Only a hash of each token is stored. Every refresh spends its token
//! and issues the next one in the same family; presenting a spent token revokes the family.

use sea_orm::entity::prelude::*;

/// One refresh token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The signed-in user.
    pub user_id: Uuid,
    /// Every token descending from one sign-in shares this id.
    pub family_id: Uuid,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// When the token stops being accepted.
    pub expires_at: DateTimeUtc,
    /// Issued at.
    pub created_at: DateTimeUtc,
    /// When it was exchanged for the next token.
    pub used_at: Option<DateTimeUtc>,
    /// When it was revoked (sign-out, reuse, password change, disabled user).
    pub revoked_at: Option<DateTimeUtc>,
}

/// Sessions have no navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
