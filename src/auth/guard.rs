//! Every role check in one place: the async-graphql guard for fields
//! (`#[graphql(guard = "RoleGuard::any(&[Role::Admin])")]`) and the checks services call with the
//! request's [`Scope`] (`require_admin`, `require_any`, `require_active_post`).
//!
//! Invariants:
//! - No other module compares roles or staff posts by hand: it calls one of these functions, so a
//!   change of policy (who counts as an administrator, which staff may act) is made here once.
//! - A refusal is `UNAUTHENTICATED` for anonymous callers and `FORBIDDEN` (with a message that
//!   names who may) for signed-in ones.
//! - Ownership and visibility (own unit, served building) are not role checks: they live in the
//!   services and in [`Scope`], where the data is.

use std::sync::Arc;

use uuid::Uuid;

use async_graphql::{Context, Guard};

use super::Role;
use crate::{
    domains::estate::{
        access::{Scope, Staff},
        types::StaffPost,
    },
    error::{AppError, AppResult},
    graphql::ContextExt,
};

/// Whether `held` includes at least one of `wanted`.
pub fn holds_any(held: &[Role], wanted: &[Role]) -> bool {
    wanted.iter().any(|role| held.contains(role))
}

/// Lets the field run when the viewer holds at least one of the roles.
pub struct RoleGuard {
    roles: &'static [Role],
}

impl RoleGuard {
    /// A guard for any of `roles`.
    pub const fn any(roles: &'static [Role]) -> RoleGuard {
        RoleGuard { roles }
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let user = ctx.viewer().require_user()?;
        if holds_any(&user.roles, self.roles) {
            Ok(())
        } else {
            Err(AppError::Forbidden("your roles do not allow this".to_owned()).into())
        }
    }
}

/// `FORBIDDEN` unless the viewer is an administrator.
pub fn require_admin(scope: &Scope) -> AppResult<()> {
    scope.require_user()?;
    if scope.admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("administrators only".to_owned()))
    }
}

/// `FORBIDDEN` unless the viewer holds at least one of `roles`.
pub fn require_any(scope: &Scope, roles: &[Role]) -> AppResult<()> {
    scope.require_user()?;
    if holds_any(&scope.roles, roles) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "your roles do not allow this".to_owned(),
        ))
    }
}

/// `NOT_FOUND` (`what`) unless the viewer is `user_id` or an administrator: for objects whose
/// existence is not told to others.
pub fn require_self_or_admin(scope: &Scope, user_id: Uuid, what: &'static str) -> AppResult<()> {
    scope.require_user()?;
    if scope.is_self_or_admin(user_id) {
        Ok(())
    } else {
        Err(AppError::NotFound(what))
    }
}

/// Whether the viewer holds an `ACTIVE` staff record with `post` (loads the staff facet).
pub async fn holds_active_post(scope: &Scope, post: StaffPost) -> AppResult<Option<Arc<Staff>>> {
    let staff = scope.staff().await?;
    let holds = staff.active && staff.post.as_deref() == Some(post.as_str());
    Ok(holds.then_some(staff))
}

/// The viewer's staff facet when they hold an `ACTIVE` staff record with `post`; `FORBIDDEN`
/// with `message` otherwise.
pub async fn require_active_post(
    scope: &Scope,
    post: StaffPost,
    message: &str,
) -> AppResult<Arc<Staff>> {
    scope.require_user()?;
    holds_active_post(scope, post)
        .await?
        .ok_or_else(|| AppError::Forbidden(message.to_owned()))
}
