//! Sign-in throttling. Failures are counted per account and per client address in the database
//! (so every instance sees them); past a threshold each further failure blocks the key for twice
//! as long, up to an hour. A success clears the account's counter.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};

use crate::error::{AppError, AppResult};
use entity::sign_in_throttle;

/// Failures forgotten after this long without another.
const WINDOW: Duration = Duration::minutes(15);
/// First block length.
const BASE_BLOCK: Duration = Duration::seconds(30);
/// Longest block.
const MAX_BLOCK: Duration = Duration::hours(1);

/// A throttled key and how many failures it tolerates before blocking.
pub struct Key {
    key: String,
    tolerated: i32,
}

/// The keys one sign-in attempt counts against.
pub fn keys(email: &str, client: Option<IpAddr>) -> Vec<Key> {
    let mut keys = vec![Key {
        key: format!("account:{email}"),
        tolerated: 5,
    }];
    // One address may serve many people (an office, a carrier NAT): it tolerates more.
    if let Some(ip) = client {
        keys.push(Key {
            key: format!("address:{ip}"),
            tolerated: 20,
        });
    }
    keys
}

/// `RATE_LIMITED` while any key is blocked.
pub async fn check(db: &DatabaseConnection, keys: &[Key], now: DateTime<Utc>) -> AppResult<()> {
    for key in keys {
        if let Some(row) = sign_in_throttle::Entity::find_by_id(key.key.clone())
            .one(db)
            .await?
            && let Some(until) = row.blocked_until
            && until > now
        {
            let retry_after_secs = u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1);
            return Err(AppError::RateLimited { retry_after_secs });
        }
    }
    Ok(())
}

/// Counts a failure against every key.
pub async fn record_failure(
    db: &DatabaseConnection,
    keys: &[Key],
    now: DateTime<Utc>,
) -> AppResult<()> {
    for key in keys {
        let existing = sign_in_throttle::Entity::find_by_id(key.key.clone())
            .one(db)
            .await?;
        let failures = match &existing {
            Some(row) if now - row.last_failure_at < WINDOW => row.failures.saturating_add(1),
            _ => 1,
        };
        let blocked_until = (failures >= key.tolerated).then(|| {
            let doublings = u32::try_from(failures - key.tolerated).unwrap_or(0).min(12);
            now + (BASE_BLOCK * 2_i32.pow(doublings)).min(MAX_BLOCK)
        });
        let row = sign_in_throttle::ActiveModel {
            key: Set(key.key.clone()),
            failures: Set(failures),
            last_failure_at: Set(now),
            blocked_until: Set(blocked_until),
        };
        if existing.is_some() {
            sign_in_throttle::Entity::update(row).exec(db).await?;
        } else {
            sign_in_throttle::Entity::insert(row).exec(db).await?;
        }
    }
    Ok(())
}

/// Clears the account's counter after a successful sign-in.
pub async fn record_success(db: &DatabaseConnection, keys: &[Key]) -> AppResult<()> {
    if let Some(account) = keys.first() {
        sign_in_throttle::Entity::delete_by_id(account.key.clone())
            .exec(db)
            .await?;
    }
    Ok(())
}
