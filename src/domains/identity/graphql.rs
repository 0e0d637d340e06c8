//! GraphQL surface of identity: the viewer, sign-in and sessions, and user administration.

use std::net::IpAddr;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::{
    input::{DisplayName, Email, Phone},
    service::{IdentityService, NewUser, UserChanges, UserStatus, load_user},
    types::{SignInPayload, User},
};
use crate::{
    auth::{
        Role, Viewer,
        guard::{self, RoleGuard},
        password::NewPassword,
    },
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        checks::Checks,
        ids::parse_id,
        pagination::{CountedConnection, PageRequest},
        text::change,
    },
};

/// The client address of the request, when the transport knows it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

/// Input of `signIn`.
#[derive(InputObject)]
pub struct SignInInput {
    /// Email address (any case).
    email: String,
    /// Password.
    password: String,
}

/// The user a request's token named, as loaded when the token was checked (same request).
#[derive(Clone)]
pub struct SignedInUser(pub std::sync::Arc<super::service::UserRecord>);

/// Input of `refreshSession`.
#[derive(InputObject)]
pub struct RefreshSessionInput {
    /// The refresh token from the last sign-in or refresh.
    refresh_token: String,
}

/// Input of `signOut`.
#[derive(InputObject)]
pub struct SignOutInput {
    /// The session's current refresh token; its whole session is revoked.
    refresh_token: String,
}

/// Result of `signOut`.
#[derive(SimpleObject)]
pub struct SignOutPayload {
    /// Always true: signing out of an unknown or ended session is not an error.
    signed_out: bool,
}

/// Input of `changePassword`.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The current password.
    current_password: String,
    /// The new password: 10–128 characters, at least 5 different ones, not the email.
    new_password: String,
}

/// Result of a mutation that changes one user.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The user as changed.
    user: User,
}

/// Input of `createUser`.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Email address; unique regardless of case.
    email: String,
    /// Name shown to others.
    display_name: String,
    /// Phone number (international form); unique when given.
    phone: Option<String>,
    /// Initial password, to be changed by the user.
    password: String,
    /// Roles to grant.
    roles: Vec<Role>,
}

/// Input of `updateUser`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// The user to change.
    id: ID,
    /// New display name.
    display_name: Option<String>,
    /// New phone number; `null` removes it.
    phone: MaybeUndefined<String>,
    /// New set of roles.
    roles: Option<Vec<Role>>,
}

/// Input of `updateMyProfile`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateMyProfileInput {
    /// New display name.
    display_name: Option<String>,
    /// New phone number; `null` removes it.
    phone: MaybeUndefined<String>,
}

/// Input of `disableUser` and `enableUser`.
#[derive(InputObject)]
pub struct SetUserStatusInput {
    /// The user.
    id: ID,
}

/// Filter of `users`.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Only users holding this role.
    role: Option<Role>,
    /// Only users whose name or email contains this text (any case).
    search: Option<String>,
}

fn phone_change(field: &str, phone: MaybeUndefined<String>) -> AppResult<Option<Option<Phone>>> {
    change(phone)
        .map(|raw| raw.map(|raw| Phone::parse(field, &raw)).transpose())
        .transpose()
}

/// Identity queries.
#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in user; null when anonymous.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Viewer::User(me) = ctx.viewer() else {
            return Ok(None);
        };
        // The request already loaded its user to check the token: no second round trip.
        if let Some(SignedInUser(record)) = ctx.data_opt::<SignedInUser>()
            && record.user.id == me.id
        {
            return Ok(Some(User::from((**record).clone())));
        }
        Ok(load_user(&ctx.state().db, me.id).await?.map(User::from))
    }

    /// One user: yourself, or anyone for administrators.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let id = parse_id("id", &id)?;
        guard::require_self_or_admin(ctx.scope().await?, id, "user")?;
        let user = load_user(&ctx.state().db, id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        Ok(user.into())
    }

    /// Users, oldest first (administrators).
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<UserFilter>,
    ) -> async_graphql::Result<CountedConnection<User>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        if let Some(search) = &filter.search {
            crate::graphql::text::check_characters("filter.search", search, false)?;
        }
        let page = IdentityService::new(ctx.state())
            .users(filter.role, filter.search.as_deref(), &page)
            .await?;
        Ok(page.into_counted_connection(User::from))
    }
}

/// Identity mutations.
#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Signs in. Wrong email and wrong password get the same `UNAUTHENTICATED` answer; repeated
    /// failures get `RATE_LIMITED` for a growing period. Works whatever the `Authorization`
    /// header says (an expired or invalid token is ignored when an operation selects only
    /// `signIn`, `refreshSession` and `signOut`).
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        input: SignInInput,
    ) -> async_graphql::Result<SignInPayload> {
        let client = ctx.data_opt::<ClientAddr>().and_then(|addr| addr.0);
        let session = IdentityService::new(ctx.state())
            .sign_in(&input.email, &input.password, client)
            .await?;
        Ok(session.into())
    }

    /// Exchanges a refresh token for a new session. The old token is spent: presenting it again
    /// within the refresh grace (30 s by default; a second tab refreshing at the same moment)
    /// gets a sibling session, presenting it later revokes the whole session. Works whatever the
    /// `Authorization` header says.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> async_graphql::Result<SignInPayload> {
        let session = IdentityService::new(ctx.state())
            .refresh(&input.refresh_token)
            .await?;
        Ok(session.into())
    }

    /// Ends a session: its refresh tokens, access tokens and sockets stop working. Works
    /// whatever the `Authorization` header says.
    async fn sign_out(
        &self,
        ctx: &Context<'_>,
        input: SignOutInput,
    ) -> async_graphql::Result<SignOutPayload> {
        IdentityService::new(ctx.state())
            .sign_out(&input.refresh_token)
            .await?;
        Ok(SignOutPayload { signed_out: true })
    }

    /// Changes your password; every session of yours is revoked (sign in again).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<UserPayload> {
        let user = IdentityService::new(ctx.state())
            .change_password(ctx.viewer(), &input.current_password, &input.new_password)
            .await?;
        Ok(UserPayload { user: user.into() })
    }

    /// Changes your own name or phone.
    async fn update_my_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateMyProfileInput,
    ) -> async_graphql::Result<UserPayload> {
        let me = ctx.require_user()?;
        let mut check = Checks::new();
        let display_name = check.field(DisplayName::parse_opt(
            "input.displayName",
            input.display_name.as_deref(),
        ));
        let phone = check.field(phone_change("input.phone", input.phone));
        let changes = check.finish(|| {
            Some(UserChanges {
                display_name: display_name?,
                phone: phone?,
                roles: None,
            })
        })?;
        let user = IdentityService::new(ctx.state())
            .update_user(me.id, changes)
            .await?;
        Ok(UserPayload { user: user.into() })
    }

    /// Creates a user (administrators).
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let mut check = Checks::new();
        let email = check.field(Email::parse("input.email", &input.email));
        let display_name =
            check.field(DisplayName::parse("input.displayName", &input.display_name));
        let phone = check.field(
            input
                .phone
                .map(|p| Phone::parse("input.phone", &p))
                .transpose(),
        );
        let password = check.field(NewPassword::parse(
            "input.password",
            &input.password,
            Some(&Email::normalise(&input.email)),
        ));
        let new = check.finish(|| {
            Some(NewUser {
                email: email?,
                display_name: display_name?,
                phone: phone?,
                password: password?,
                roles: input.roles,
            })
        })?;
        let user = IdentityService::new(ctx.state()).create_user(new).await?;
        Ok(UserPayload { user: user.into() })
    }

    /// Changes a user's name, phone or roles (administrators).
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let display_name = check.field(DisplayName::parse_opt(
            "input.displayName",
            input.display_name.as_deref(),
        ));
        let phone = check.field(phone_change("input.phone", input.phone));
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                UserChanges {
                    display_name: display_name?,
                    phone: phone?,
                    roles: input.roles,
                },
            ))
        })?;
        let user = IdentityService::new(ctx.state())
            .update_user(id, changes)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(UserPayload { user: user.into() })
    }

    /// Disables a user: they cannot sign in, and their tokens stop working at once
    /// (administrators).
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        input: SetUserStatusInput,
    ) -> async_graphql::Result<UserPayload> {
        let id = parse_id("input.id", &input.id)?;
        let user = IdentityService::new(ctx.state())
            .set_status(ctx.viewer(), id, UserStatus::Disabled)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(UserPayload { user: user.into() })
    }

    /// Enables a disabled user again (administrators).
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn enable_user(
        &self,
        ctx: &Context<'_>,
        input: SetUserStatusInput,
    ) -> async_graphql::Result<UserPayload> {
        let id = parse_id("input.id", &input.id)?;
        let user = IdentityService::new(ctx.state())
            .set_status(ctx.viewer(), id, UserStatus::Active)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        Ok(UserPayload { user: user.into() })
    }
}
