//! Access tokens: short-lived HS256 JWTs signed with a secret from the configuration or, when
//! none is configured, one generated once and kept in the data directory (mode 0600) so that
//! restarts keep sessions valid. Several instances must share `RESIDENT_HUB_JWT_SECRET`.
//!
//! Time comes from the caller (the [`Clock`](crate::clock::Clock)): `iat`/`exp` are stamped
//! with the injected `now`, and expiry is judged here against the injected `now` rather than by
//! the JWT library (which would read the system clock), with an explicit [`LEEWAY`].

use std::{
    collections::HashMap,
    io::Write,
    path::Path,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AuthenticatedUser, Role};
use crate::error::{AppError, AppResult};

/// File under the data directory that holds the generated secret.
pub const SECRET_FILE: &str = "jwt-secret";

/// Tolerance for clock skew between the instance that issued a token and the one verifying it:
/// a token is refused once `now > exp + LEEWAY`.
pub const LEEWAY: chrono::Duration = chrono::Duration::seconds(5);

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Roles granted at issue time.
    pub roles: Vec<Role>,
    /// The session (refresh-token family) the token belongs to: once that session is revoked
    /// (`signOut`, `changePassword`, disabling, refresh-token reuse) the token stops working.
    pub sid: Uuid,
}

/// Tokens verified at most before [`Verified`] starts again (a token is a few hundred bytes).
const MAX_VERIFIED: usize = 10_000;

/// Tokens whose signature verified, by their text, with their claims. A token's text decides
/// its signature and claims once and for all (the keys never change in a process), so a token
/// seen before skips the signature check and the decoding of its claims; its expiry is still
/// judged on every request. Only tokens that verified are kept, so text sent at random fills
/// nothing.
#[derive(Default)]
struct Verified(Mutex<HashMap<Box<str>, Claims>>);

impl Verified {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Claims>> {
        // Every change leaves the map whole: recover a poisoned lock.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, token: &str) -> Option<Claims> {
        self.lock().get(token).cloned()
    }

    fn keep(&self, token: &str, claims: &Claims) {
        let mut map = self.lock();
        if map.len() >= MAX_VERIFIED {
            map.clear();
        }
        map.insert(token.into(), claims.clone());
    }
}

/// Signing and verification keys.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    verified: Arc<Verified>,
}

impl TokenKeys {
    /// Keys from a secret of at least 32 bytes.
    pub fn from_secret(secret: &[u8]) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is judged in `verify` against the injected clock, not the system clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        // `sid` is required by `Claims` itself: a token without one does not decode.
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            verified: Arc::default(),
        }
    }

    /// Keys from the configured secret, else from `<data_dir>/jwt-secret`, generating it first.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> std::io::Result<TokenKeys> {
        if let Some(secret) = configured {
            return Ok(TokenKeys::from_secret(secret.as_bytes()));
        }
        let path = data_dir.join(SECRET_FILE);
        match std::fs::read(&path) {
            Ok(secret) if secret.len() >= 32 => return Ok(TokenKeys::from_secret(&secret)),
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} holds fewer than 32 bytes; delete it to generate a new secret",
                    path.display()
                )));
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        std::fs::create_dir_all(data_dir)?;
        let mut secret = [0u8; 64];
        rand::rng().fill_bytes(&mut secret);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(mut file) => {
                file.write_all(&secret)?;
                file.sync_all()?;
                Ok(TokenKeys::from_secret(&secret))
            }
            // Another process created it first: use theirs.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                TokenKeys::from_secret_file(&path)
            }
            Err(err) => Err(err),
        }
    }

    fn from_secret_file(path: &Path) -> std::io::Result<TokenKeys> {
        Ok(TokenKeys::from_secret(&std::fs::read(path)?))
    }

    /// Issues a token for `user` at `now`, valid for `ttl`, outside any session (tools and
    /// tests; it ends with its expiry or when the user is disabled).
    pub fn issue(
        &self,
        user: &AuthenticatedUser,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> AppResult<String> {
        self.issue_for_session(user, Uuid::now_v7(), now, ttl)
    }

    /// Issues a token for `user` in session `sid` at `now`, valid for `ttl`.
    pub fn issue_for_session(
        &self,
        user: &AuthenticatedUser,
        sid: Uuid,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> AppResult<String> {
        let claims = Claims {
            sub: user.id,
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            roles: user.roles.clone(),
            sid,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// Verifies a token at `now`: signature, algorithm, and expiry (`now` past `exp` by more
    /// than [`LEEWAY`] refuses it). Any failure is `UNAUTHENTICATED`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> AppResult<AuthenticatedUser> {
        let claims = self.verify_claims(token, now)?;
        Ok(AuthenticatedUser {
            id: claims.sub,
            roles: claims.roles,
        })
    }

    /// Verifies a token as [`verify`](Self::verify) does and returns its claims. A token that
    /// verified before is found by its text instead of checked again ([`Verified`]).
    pub fn verify_claims(&self, token: &str, now: DateTime<Utc>) -> AppResult<Claims> {
        let claims = match self.verified.get(token) {
            Some(claims) => claims,
            None => {
                let claims =
                    jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                        .map_err(|_| AppError::Unauthenticated)?
                        .claims;
                self.verified.keep(token, &claims);
                claims
            }
        };
        if now.timestamp() > claims.exp.saturating_add(LEEWAY.num_seconds()) {
            return Err(AppError::Unauthenticated);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> AuthenticatedUser {
        AuthenticatedUser {
            id: Uuid::now_v7(),
            roles: vec![Role::Admin],
        }
    }

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    #[test]
    fn an_issued_token_verifies_and_a_tampered_one_does_not() {
        let keys = TokenKeys::from_secret(&[7u8; 32]);
        let token = keys
            .issue(&user(), now(), chrono::Duration::minutes(5))
            .unwrap();
        assert_eq!(keys.verify(&token, now()).unwrap().roles, vec![Role::Admin]);
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.verify(&tampered, now()).is_err());
        let other = TokenKeys::from_secret(&[8u8; 32]);
        assert!(other.verify(&token, now()).is_err());
    }

    #[test]
    fn verified_tokens_are_kept_by_their_text_and_only_those_within_a_bound() {
        let keys = TokenKeys::from_secret(&[7u8; 32]);
        let who = user();
        let token = keys
            .issue(&who, now(), chrono::Duration::minutes(5))
            .unwrap();
        assert!(keys.verified.get(&token).is_none());
        let claims = keys.verify_claims(&token, now()).unwrap();
        let kept = keys.verified.get(&token).expect("a verified token is kept");
        assert_eq!(
            (kept.sub, kept.sid, kept.exp),
            (who.id, claims.sid, claims.exp)
        );
        // Found by its text the second time, with the same claims.
        let again = keys.verify_claims(&token, now()).unwrap();
        assert_eq!(
            (again.sub, again.sid, again.roles),
            (who.id, claims.sid, vec![Role::Admin])
        );
        // Text that does not verify is refused and not kept, even one character off a kept token.
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.verify_claims(&tampered, now()).is_err());
        assert!(keys.verified.get(&tampered).is_none());
        // Another secret shares nothing with these keys.
        assert!(
            TokenKeys::from_secret(&[8u8; 32])
                .verify(&token, now())
                .is_err()
        );
        // Bounded.
        for _ in 0..MAX_VERIFIED {
            let token = keys
                .issue(&user(), now(), chrono::Duration::minutes(5))
                .unwrap();
            keys.verify(&token, now()).unwrap();
        }
        assert!(keys.verified.lock().len() <= MAX_VERIFIED);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let keys = TokenKeys::from_secret(&[7u8; 32]);
        let token = keys
            .issue(&user(), now(), chrono::Duration::minutes(-5))
            .unwrap();
        assert!(matches!(
            keys.verify(&token, now()),
            Err(AppError::Unauthenticated)
        ));
    }

    #[test]
    fn expiry_is_judged_by_the_given_time_with_the_leeway() {
        let keys = TokenKeys::from_secret(&[7u8; 32]);
        let issued = now();
        let ttl = chrono::Duration::minutes(15);
        let token = keys.issue(&user(), issued, ttl).unwrap();
        let exp = issued + ttl;
        // Valid until `exp`, then within the leeway, refused just past it.
        assert!(keys.verify(&token, exp).is_ok());
        assert!(keys.verify(&token, exp + LEEWAY).is_ok());
        assert!(matches!(
            keys.verify(&token, exp + LEEWAY + chrono::Duration::seconds(1)),
            Err(AppError::Unauthenticated)
        ));
        // A token issued "in the future" of the system clock (a clock moved forward) is judged
        // by that clock too: the library's system-time check is not in the way.
        let later = issued + chrono::Duration::days(3);
        let token = keys.issue(&user(), later, ttl).unwrap();
        assert!(keys.verify(&token, later).is_ok());
        assert!(keys.verify(&token, later + ttl * 2).is_err());
    }

    #[test]
    fn the_generated_secret_is_kept_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("rh-secret-{}", Uuid::now_v7()));
        let first = TokenKeys::load(None, &dir).unwrap();
        let token = first
            .issue(&user(), now(), chrono::Duration::minutes(5))
            .unwrap();
        let second = TokenKeys::load(None, &dir).unwrap();
        assert!(second.verify(&token, now()).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
