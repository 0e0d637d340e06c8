//! Passwords: the policy every new password must meet, and argon2id hashing on a blocking
//! thread so a sign-in never stalls the async runtime.
//!
//! Hashing takes ~19 MiB and a core for a while: at most [`limit_concurrency`] hashes run at
//! once in a process (one per core unless configured), the rest wait their turn, so a burst of
//! sign-ins cannot take gigabytes.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::error::{AppError, AppResult};

/// Shortest accepted password.
pub const MIN_LENGTH: usize = 10;
/// Longest accepted password (hashing cost grows with length).
pub const MAX_LENGTH: usize = 128;

/// A password that meets the policy.
pub struct NewPassword(String);

impl NewPassword {
    /// Checks `raw` against the policy: 10–128 characters, at least 5 different characters, and
    /// not the account's email. `field` names the input in errors.
    pub fn parse(field: &str, raw: &str, email: Option<&str>) -> AppResult<NewPassword> {
        let length = raw.chars().count();
        if length < MIN_LENGTH {
            return Err(AppError::bad_input(
                field,
                format!("must be at least {MIN_LENGTH} characters"),
            ));
        }
        if length > MAX_LENGTH {
            return Err(AppError::bad_input(
                field,
                format!("must be at most {MAX_LENGTH} characters"),
            ));
        }
        let mut distinct: Vec<char> = raw.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 5 {
            return Err(AppError::bad_input(
                field,
                "must use at least 5 different characters",
            ));
        }
        if email.is_some_and(|email| raw.eq_ignore_ascii_case(email)) {
            return Err(AppError::bad_input(field, "must not be the email address"));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    /// The password text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The process-wide cap on concurrent hashing.
static HASHING: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();

/// Sets how many password hashes may run at once in this process (at least 1). The first
/// setting wins (one process, one set of cores); without one, one per core.
pub fn limit_concurrency(permits: usize) {
    let _ = HASHING.set(tokio::sync::Semaphore::new(permits.max(1)));
}

/// Waits for a turn to hash.
async fn turn() -> AppResult<tokio::sync::SemaphorePermit<'static>> {
    HASHING
        .get_or_init(|| {
            tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            )
        })
        .acquire()
        .await
        .map_err(AppError::internal)
}

/// Hashes a password with argon2id (default parameters) on a blocking thread.
pub async fn hash(password: &NewPassword) -> AppResult<String> {
    let password = password.0.clone();
    let permit = turn().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| AppError::internal(err.to_string()))
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches `hash`, checked on a blocking thread. Without a hash (unknown
/// account) it checks against a decoy hash and answers `false`, so that a sign-in takes as long
/// whether or not the account exists.
pub async fn verify(password: &str, hash: Option<&str>) -> AppResult<bool> {
    let (password, hash) = (password.to_owned(), hash.map(str::to_owned));
    let permit = turn().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let argon2 = Argon2::default();
        match hash {
            Some(hash) => argon2
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok(),
            None => {
                let _ = argon2.verify_password(password.as_bytes(), decoy_hash());
                false
            }
        }
    })
    .await
    .map_err(AppError::internal)
}

/// A hash of a random password nobody knows, made once per process.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let secret = format!("{:x}", rand::random::<u128>());
        Argon2::default()
            .hash_password(secret.as_bytes())
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_weak_passwords() {
        assert!(NewPassword::parse("p", "short", None).is_err());
        assert!(NewPassword::parse("p", "aaaaaaaaaaaa", None).is_err());
        assert!(
            NewPassword::parse("p", "someone@example.org", Some("Someone@example.org")).is_err()
        );
        assert!(NewPassword::parse("p", &"ab1-".repeat(40), None).is_err());
        assert!(NewPassword::parse("p", "demo-password", None).is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let password = NewPassword::parse("p", "correct horse battery", None).unwrap();
        let hash = hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&hash)).await.unwrap());
        assert!(!verify("wrong horse battery", Some(&hash)).await.unwrap());
        assert!(!verify("anything", None).await.unwrap());
    }
}
