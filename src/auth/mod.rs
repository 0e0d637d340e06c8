//! Who is calling: the [`Viewer`] built from a bearer token, and the roles it carries.
//!
//! HTTP requests carry `Authorization: Bearer <token>`; WebSocket clients put the same value in
//! the `connection_init` payload. A missing header means an anonymous viewer; a header that does
//! not verify is refused (`UNAUTHENTICATED` over HTTP, close 4403 over WebSocket), never
//! silently downgraded to anonymous.

pub mod guard;
pub mod password;
pub mod scope;
pub mod token_cache;
pub mod tokens;

use async_graphql::Enum;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A role a user may hold; a user may hold several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Enum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Lives in the estate.
    Resident,
    /// Service staff.
    Staff,
    /// Member of the service-quality supervision group.
    Supervisor,
    /// Property manager with full rights.
    Admin,
    /// Partner merchant.
    Merchant,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Resident,
        Role::Staff,
        Role::Supervisor,
        Role::Admin,
        Role::Merchant,
    ];

    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "RESIDENT",
            Role::Staff => "STAFF",
            Role::Supervisor => "SUPERVISOR",
            Role::Admin => "ADMIN",
            Role::Merchant => "MERCHANT",
        }
    }

    /// The role stored as `s`.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == s)
    }
}

/// A signed-in user as the token describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedUser {
    /// The user's id.
    pub id: Uuid,
    /// The roles granted when the token was issued.
    pub roles: Vec<Role>,
}

/// The caller of one request or WebSocket connection.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Viewer {
    /// No credentials were presented.
    #[default]
    Anonymous,
    /// A verified user.
    User(AuthenticatedUser),
}

impl Viewer {
    /// The signed-in user, or `UNAUTHENTICATED`.
    pub fn require_user(&self) -> AppResult<&AuthenticatedUser> {
        match self {
            Viewer::User(user) => Ok(user),
            Viewer::Anonymous => Err(AppError::Unauthenticated),
        }
    }
}

/// Extracts the token from an `Authorization` value (`Bearer <token>`, scheme case-insensitive).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_values_are_parsed_strictly() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }
}
