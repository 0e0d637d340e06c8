//! What other domains ask about partners: which partner a user acts for, and whether it is in
//! business today. Read before a write begins (see "Building a domain" in the README).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppResult;
use entity::{partner, partner_member};

/// The partner a user acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affiliation {
    /// The partner.
    pub partner_id: Uuid,
    /// Its kind (`PartnerKind` name, e.g. `CLINIC`).
    pub kind: String,
    /// Whether it is active and under contract at the moment asked about.
    pub in_business: bool,
}

/// The partner `user_id` acts for, if any, judged at `now` (one statement).
pub async fn affiliation<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<Affiliation>> {
    let found = partner::Entity::find()
        .filter(
            partner::Column::Id.in_subquery(
                Query::select()
                    .column(partner_member::Column::PartnerId)
                    .from(partner_member::Entity)
                    .and_where(partner_member::Column::UserId.eq(user_id))
                    .to_owned(),
            ),
        )
        .one(db)
        .await?;
    Ok(found.map(|partner| Affiliation {
        partner_id: partner.id,
        in_business: in_business(&partner, now),
        kind: partner.kind,
    }))
}

/// Whether a partner is active and its contract covers `now`.
pub fn in_business(partner: &partner::Model, now: DateTime<Utc>) -> bool {
    partner.status == "ACTIVE"
        && partner.contract_from <= now
        && partner.contract_until.is_none_or(|until| now < until)
}
