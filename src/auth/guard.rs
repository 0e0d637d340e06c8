//! Role checks as async-graphql guards: `#[graphql(guard = "RoleGuard::any(&[Role::Admin])")]`.
//! Ownership and scope checks live in the services, where the data is.

use async_graphql::{Context, Guard};

use super::Role;
use crate::{error::AppError, graphql::ContextExt};

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
        let viewer = ctx.viewer();
        viewer.require_user()?;
        if self.roles.iter().any(|role| viewer.has_role(*role)) {
            Ok(())
        } else {
            Err(AppError::Forbidden("your roles do not allow this".to_owned()).into())
        }
    }
}
