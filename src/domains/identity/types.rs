//! GraphQL types of the identity domain, built from models so no column leaks by accident.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    loaders::RolesLoader,
    service::{Session, UserRecord, UserStatus},
};
use crate::{
    auth::Role,
    domains::estate::{
        loaders::{CurrentResidenciesLoader, StaffByUser},
        types::{Residency, StaffRecord, Unit},
    },
    error::AppResult,
    graphql::ContextExt,
};
use entity::user;

/// A person who can sign in.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct User {
    /// The user's id.
    pub id: ID,
    /// Email address (lower-case).
    pub email: String,
    /// Phone number in E.164 form.
    pub phone: Option<String>,
    /// Name shown to others.
    pub display_name: String,
    /// Whether the account may sign in.
    pub status: UserStatus,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// The id as a UUID, for loaders.
    #[graphql(skip)]
    pub uuid: Uuid,
    /// Roles when already loaded with the user (else the roles loader fetches them).
    #[graphql(skip)]
    pub known_roles: Option<Vec<Role>>,
}

#[ComplexObject]
impl User {
    /// Units of the user's current residencies. Visible to the user and administrators;
    /// empty for anyone else.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Unit>> {
        let scope = ctx.scope().await?;
        if !scope.is_self_or_admin(self.uuid) {
            return Ok(Vec::new());
        }
        let loaders = ctx.loaders()?;
        let homes = if scope.user_id == Some(self.uuid) {
            // The viewer's own homes (the home page): one statement with the buildings and,
            // when asked for, the households, priming their loaders; none while the requests
            // sharing the viewer's facets keep what one of them read.
            let members = ctx.look_ahead().field("householdMembers").exists();
            crate::domains::estate::homes::current_homes(loaders, scope, members).await?
        } else {
            loaders
                .load_one::<CurrentResidenciesLoader>(self.uuid)
                .await?
                .unwrap_or_default()
        };
        Ok(homes
            .into_iter()
            .map(|(_, unit)| Unit::try_from_model(unit))
            .collect::<AppResult<_>>()?)
    }

    /// The user's current residencies (moved in, not moved out as of today), oldest first: how
    /// they relate to each home (`OWNER`, `TENANT`, `FAMILY`), the unit and its building, and
    /// the dates. `viewer { residencies { … } }` is your own. Visible to the user and
    /// administrators; empty for anyone else.
    async fn residencies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Residency>> {
        let scope = ctx.scope().await?;
        if !scope.is_self_or_admin(self.uuid) {
            return Ok(Vec::new());
        }
        let homes = ctx
            .loaders()?
            .load_one::<CurrentResidenciesLoader>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(homes
            .into_iter()
            .map(|(residency, unit)| Residency::try_from_models(residency, unit))
            .collect::<AppResult<_>>()?)
    }

    /// The user's staff record, if they are staff. Visible to the user, supervisors and
    /// administrators.
    async fn staff_record(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffRecord>> {
        let scope = ctx.scope().await?;
        if !(scope.sees_whole_estate() || scope.user_id == Some(self.uuid)) {
            return Ok(None);
        }
        let record = ctx.loaders()?.load_one::<StaffByUser>(self.uuid).await?;
        Ok(record.map(StaffRecord::try_from_model).transpose()?)
    }

    /// The roles the user holds.
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Role>> {
        if let Some(roles) = &self.known_roles {
            return Ok(roles.clone());
        }
        let roles = ctx.loaders()?.load_one::<RolesLoader>(self.uuid).await?;
        Ok(roles.unwrap_or_default())
    }
}

fn status_of(model: &user::Model) -> UserStatus {
    if model.status == UserStatus::Disabled.as_str() {
        UserStatus::Disabled
    } else {
        UserStatus::Active
    }
}

impl From<user::Model> for User {
    fn from(model: user::Model) -> Self {
        User {
            id: ID(model.id.to_string()),
            status: status_of(&model),
            email: model.email,
            phone: model.phone,
            display_name: model.display_name,
            created_at: model.created_at,
            uuid: model.id,
            known_roles: None,
        }
    }
}

impl From<UserRecord> for User {
    fn from(record: UserRecord) -> Self {
        let mut user = User::from(record.user);
        user.known_roles = Some(record.roles);
        user
    }
}

/// A signed-in session.
#[derive(SimpleObject)]
pub struct SignInPayload {
    /// Send as `Authorization: Bearer <accessToken>`; valid until `expiresAt`.
    pub access_token: String,
    /// Exchange with `refreshSession` for a new session; single use.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
}

impl From<Session> for SignInPayload {
    fn from(session: Session) -> Self {
        SignInPayload {
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            expires_at: session.expires_at,
            user: session.user.into(),
        }
    }
}
