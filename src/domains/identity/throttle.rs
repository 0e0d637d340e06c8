//! Sign-in throttling, counted in the database so every instance sees it.
//!
//! Every attempt is counted *before* its password is checked, in one conditional statement per
//! key (`UPDATE … WHERE not blocked … RETURNING`, or the first `INSERT`), so that of any number of
//! parallel attempts only as many as a key tolerates go on to the (costly) check:
//!
//! - **Account** (`account:<email>`): 5 attempts in a 15-minute window; the attempt that reaches
//!   the limit blocks the account for 30 s, each further one (after the block) for twice as
//!   long, up to an hour. A blocked account answers `RATE_LIMITED` without checking anything. A
//!   successful sign-in clears the counter.
//! - **Client address** (`address:<ip>`): never blocks. Past 20 failed attempts in the window,
//!   each attempt from that address first waits (0.5 s doubling per further failure, at most
//!   [`MAX_ADDRESS_DELAY`]): an address is slowed down, but a correct password from it still
//!   signs in, so one noisy client behind a shared address (an office, a carrier NAT, a proxy)
//!   cannot lock anyone out. A successful sign-in takes its attempt back off the address.

use std::{net::IpAddr, time::Duration as StdDuration};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};

use crate::error::{AppError, AppResult};
use entity::sign_in_throttle::{self, Column};

/// Failures forgotten after this long without another.
const WINDOW: Duration = Duration::minutes(15);
/// First block length.
const BASE_BLOCK: Duration = Duration::seconds(30);
/// Longest block.
const MAX_BLOCK: Duration = Duration::hours(1);
/// Doublings of the block, at most (30 s · 2^7 passes an hour).
const MAX_DOUBLINGS: i32 = 12;
/// Attempts tolerated per account.
const ACCOUNT_TOLERATED: i32 = 5;
/// Failed attempts tolerated per client address before it is slowed down.
const ADDRESS_TOLERATED: i32 = 20;
/// First delay of a slowed-down address.
const BASE_ADDRESS_DELAY: StdDuration = StdDuration::from_millis(500);
/// Longest delay of a slowed-down address.
pub const MAX_ADDRESS_DELAY: StdDuration = StdDuration::from_secs(5);

/// The keys one sign-in attempt counts against.
pub struct Keys {
    account: String,
    address: Option<String>,
}

/// The keys of an attempt on `email` from `client`.
pub fn keys(email: &str, client: Option<IpAddr>) -> Keys {
    Keys {
        account: format!("account:{email}"),
        address: client.map(|ip| format!("address:{}", ip.to_canonical())),
    }
}

/// How long a block lasts once `failures` reached `tolerated`.
fn block_for(failures: i32, tolerated: i32) -> Duration {
    let doublings = u32::try_from(Ord::clamp(failures - tolerated, 0, MAX_DOUBLINGS)).unwrap_or(0);
    (BASE_BLOCK * 2_i32.pow(doublings)).min(MAX_BLOCK)
}

/// The failure count after one more attempt at `now`: the window starts again after a pause.
fn next_failures(now: DateTime<Utc>) -> SimpleExpr {
    Expr::case(Column::LastFailureAt.lt(now - WINDOW), 1)
        .finally(Expr::col(Column::Failures).add(1))
        .into()
}

/// Counts one attempt against `key` atomically and returns the count including it; `None`
/// when the key is blocked (`blocking`) and the attempt was not counted.
async fn count(
    db: &DatabaseConnection,
    key: &str,
    tolerated: i32,
    blocking: bool,
    now: DateTime<Utc>,
) -> AppResult<Option<i32>> {
    loop {
        // The first attempt in a while creates the row.
        let inserted = sign_in_throttle::Entity::insert(sign_in_throttle::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(1),
            last_failure_at: Set(now),
            blocked_until: Set((blocking && tolerated <= 1).then(|| now + block_for(1, tolerated))),
        })
        .on_conflict_do_nothing()
        .exec(db)
        .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
            return Ok(Some(1));
        }
        let mut update = sign_in_throttle::Entity::update_many()
            .col_expr(Column::Failures, next_failures(now))
            .col_expr(Column::LastFailureAt, Expr::value(now))
            .filter(Column::Key.eq(key));
        if blocking {
            // The attempt that reaches the limit blocks the key in the same statement, so
            // parallel attempts find it blocked at once.
            let mut block = Expr::case(
                next_failures(now).lt(tolerated),
                Expr::value(None::<DateTime<Utc>>),
            );
            for failures in tolerated..tolerated + MAX_DOUBLINGS {
                block = block.case(
                    next_failures(now).eq(failures),
                    Expr::value(now + block_for(failures, tolerated)),
                );
            }
            let block = block.finally(Expr::value(
                now + block_for(tolerated + MAX_DOUBLINGS, tolerated),
            ));
            update = update.col_expr(Column::BlockedUntil, block.into()).filter(
                sea_orm::Condition::any()
                    .add(Column::BlockedUntil.is_null())
                    .add(Column::BlockedUntil.lte(now)),
            );
        }
        let rows = update.exec_with_returning(db).await?;
        match rows.first() {
            Some(row) => return Ok(Some(row.failures)),
            None if blocking => {
                // Blocked (or the row was deleted meanwhile: try again).
                let row = sign_in_throttle::Entity::find_by_id(key.to_owned())
                    .one(db)
                    .await?;
                if row.is_some() {
                    return Ok(None);
                }
            }
            None => {}
        }
    }
}

/// Counts an attempt before its password is checked: `RATE_LIMITED` when the account is
/// blocked, else how long the attempt must wait first (a slowed-down address).
pub async fn admit(
    db: &DatabaseConnection,
    keys: &Keys,
    now: DateTime<Utc>,
) -> AppResult<StdDuration> {
    let retry_after = |db: &DatabaseConnection| {
        let key = keys.account.clone();
        let db = db.clone();
        async move {
            let until = sign_in_throttle::Entity::find_by_id(key)
                .one(&db)
                .await?
                .and_then(|row| row.blocked_until);
            let secs = until.map_or(1, |until| Ord::max((until - now).num_seconds(), 1));
            Ok::<_, AppError>(AppError::RateLimited {
                retry_after_secs: u64::try_from(secs).unwrap_or(1),
            })
        }
    };
    // The attempt that reaches the limit blocks the account in the statement that counts it;
    // the database serialises writes to the row, so a parallel attempt finds the block (past
    // the limit, only the first attempt after a block has ended is counted and checked).
    if count(db, &keys.account, ACCOUNT_TOLERATED, true, now)
        .await?
        .is_none()
    {
        return Err(retry_after(db).await?);
    }
    let Some(address) = &keys.address else {
        return Ok(StdDuration::ZERO);
    };
    let failures = count(db, address, ADDRESS_TOLERATED, false, now)
        .await?
        .unwrap_or(0);
    Ok(address_delay(failures))
}

/// How long an attempt from an address with `failures` (this one included) waits.
fn address_delay(failures: i32) -> StdDuration {
    if failures <= ADDRESS_TOLERATED {
        return StdDuration::ZERO;
    }
    let doublings = u32::try_from(Ord::min(failures - ADDRESS_TOLERATED - 1, 16)).unwrap_or(0);
    BASE_ADDRESS_DELAY
        .saturating_mul(2_u32.saturating_pow(doublings))
        .min(MAX_ADDRESS_DELAY)
}

/// After a successful sign-in: clears the account's counter and takes the attempt back off the
/// address.
pub async fn record_success(db: &DatabaseConnection, keys: &Keys) -> AppResult<()> {
    sign_in_throttle::Entity::delete_by_id(keys.account.clone())
        .exec(db)
        .await?;
    if let Some(address) = &keys.address {
        sign_in_throttle::Entity::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
            .filter(Column::Key.eq(address.as_str()))
            .filter(Column::Failures.gt(0))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_double_up_to_an_hour_and_address_delays_stay_short() {
        assert_eq!(block_for(5, 5), Duration::seconds(30));
        assert_eq!(block_for(6, 5), Duration::seconds(60));
        assert_eq!(block_for(40, 5), MAX_BLOCK);
        assert_eq!(address_delay(20), StdDuration::ZERO);
        assert_eq!(address_delay(21), BASE_ADDRESS_DELAY);
        assert_eq!(address_delay(22), BASE_ADDRESS_DELAY * 2);
        assert_eq!(address_delay(500), MAX_ADDRESS_DELAY);
    }
}
