//! Identity rules: sign-in, session rotation, passwords, the viewer, and user administration.

use std::{net::IpAddr, sync::Arc};

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    input::{DisplayName, Email, Phone},
    throttle,
};
use crate::{
    app::AppState,
    apply_changes,
    auth::scope::AccessChanged,
    auth::scope::TokenReads,
    auth::token_cache::KeptCheck,
    auth::{
        AuthenticatedUser, Role, Viewer,
        password::{self, NewPassword},
        tokens::Claims,
    },
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    graphql::{
        checks::Checks,
        pagination::{Keyset, Page, PageRequest},
    },
    store::replace_links,
};
use entity::{notification, session, user, user_role};

/// How long an access token is valid.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
/// How long a refresh token is valid if unused.
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(30);

/// Account status, stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// May not sign in; existing tokens stop working.
    Disabled,
}

impl UserStatus {
    /// Stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "ACTIVE",
            UserStatus::Disabled => "DISABLED",
        }
    }
}

/// A user with their roles.
#[derive(Clone, Debug)]
pub struct UserRecord {
    /// The row.
    pub user: user::Model,
    /// Roles, in a stable order.
    pub roles: Vec<Role>,
}

impl UserRecord {
    /// Whether the account may be used.
    pub fn is_active(&self) -> bool {
        self.user.status == UserStatus::Active.as_str()
    }
}

/// A successful sign-in or refresh.
pub struct Session {
    /// Short-lived signed access token.
    pub access_token: String,
    /// Opaque single-use refresh token.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// The user.
    pub user: UserRecord,
}

/// What an administrator sets on a new user.
pub struct NewUser {
    /// Email.
    pub email: Email,
    /// Display name.
    pub display_name: DisplayName,
    /// Phone, if any.
    pub phone: Option<Phone>,
    /// Initial password.
    pub password: NewPassword,
    /// Roles.
    pub roles: Vec<Role>,
}

/// Changes to a user; `None` leaves a value as it is.
#[derive(Default)]
pub struct UserChanges {
    /// New display name.
    pub display_name: Option<DisplayName>,
    /// New phone (`Some(None)` removes it).
    pub phone: Option<Option<Phone>>,
    /// New roles (administrators only).
    pub roles: Option<Vec<Role>>,
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Loads roles of one user, sorted.
async fn roles_of<C: ConnectionTrait>(db: &C, user_id: Uuid) -> AppResult<Vec<Role>> {
    let mut roles: Vec<Role> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .iter()
        .filter_map(|row| Role::parse(&row.role))
        .collect();
    roles.sort_by_key(|role| role.as_str());
    Ok(roles)
}

/// The user's access version column (not in the entity: only the token check reads it).
const ACCESS_VERSION: &str = "access_version";
/// The alias of the joined role in the token check.
const JOINED_ROLE: &str = "joined_role";

/// The token check's column for the notices topic's head.
const NOTICES_HEAD: &str = "notices_head";

/// The token check's column for the viewer's unread count.
const UNREAD: &str = "unread_count";

/// One row of the token check: the user, their access version, one of their roles, and what
/// else it was asked to read.
struct StampedUser {
    user: user::Model,
    version: i64,
    role: Option<String>,
    notices_head: Option<i64>,
    unread: Option<i64>,
}

impl sea_orm::FromQueryResult for StampedUser {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        // Columns not asked for are absent; a head is NULL until the topic's first event.
        let optional = |column: &str| res.try_get::<Option<i64>>(pre, column).unwrap_or(None);
        Ok(StampedUser {
            user: user::Model::from_query_result(res, pre)?,
            version: res.try_get(pre, ACCESS_VERSION)?,
            role: res.try_get(pre, JOINED_ROLE)?,
            notices_head: optional(NOTICES_HEAD),
            unread: optional(UNREAD),
        })
    }
}

/// What a token check may read besides the user, in the same statement.
#[derive(Clone, Copy, Debug, Default)]
pub struct WantedReads {
    /// The notices topic's head (for the notice board kept in memory).
    pub notices_head: bool,
    /// The viewer's unread notification count.
    pub unread: bool,
}

impl WantedReads {
    /// What a document may need, judged from its text: naming a field is enough to ask (a
    /// document that never selects it only pays for a subquery).
    pub fn for_document(query: &str) -> WantedReads {
        WantedReads {
            notices_head: query.contains("notices"),
            unread: query.contains("unreadNotificationCount"),
        }
    }
}

/// Loads a user with roles.
pub async fn load_user<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Option<UserRecord>> {
    let Some(user) = user::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let roles = roles_of(db, id).await?;
    Ok(Some(UserRecord { user, roles }))
}

async fn set_roles(txn: &DatabaseTransaction, user_id: Uuid, roles: &[Role]) -> AppResult<()> {
    replace_links(
        txn,
        user_role::Column::UserId,
        user_id,
        roles.iter().copied(),
        |role| user_role::ActiveModel {
            user_id: Set(user_id),
            role: Set(role.as_str().to_owned()),
        },
    )
    .await
}

/// Revokes every live refresh token of a user.
async fn revoke_all_sessions<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Queues word that `users`' open connections end (every session), and their scopes go.
fn end_connections_of_users(write: &mut Write, users: &[Uuid]) -> AppResult<()> {
    write.access_change(&AccessChanged {
        users: Some(users.to_vec()),
        end_users: users.to_vec(),
        end_sessions: Vec::new(),
    })
}

/// Maps a unique-constraint failure on insert or update to a `CONFLICT` on `field`.
fn conflict_on(field: &str, message: &str) -> impl FnOnce(AppError) -> AppError {
    let (field, message) = (field.to_owned(), message.to_owned());
    move |err| match err {
        AppError::Conflict { .. } => AppError::Conflict {
            field: Some(field),
            message,
        },
        other => other,
    }
}

/// The identity service.
pub struct IdentityService<'a> {
    state: &'a AppState,
}

impl<'a> IdentityService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        IdentityService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The viewer for a bearer token and the token's claims: the signature and expiry are
    /// verified, then the user is loaded with their current roles, in the same statement that
    /// makes sure the token's session has not been revoked. A disabled user, a revoked session
    /// (`signOut`, `changePassword`, disabling) or an unknown user is `UNAUTHENTICATED`.
    pub async fn verify_token(&self, token: &str) -> AppResult<(Viewer, Claims)> {
        self.verify_token_with_user(token)
            .await
            .map(|(viewer, claims, _)| (viewer, claims))
    }

    /// Like [`Self::verify_token`], also answering the user as it was loaded, so that a request
    /// showing its own viewer need not load it again.
    pub async fn verify_token_with_user(
        &self,
        token: &str,
    ) -> AppResult<(Viewer, Claims, UserRecord)> {
        self.verify_token_stamped(token)
            .await
            .map(|(viewer, claims, record, _)| (viewer, claims, record))
    }

    /// Like [`Self::verify_token_with_user`], also answering the user's access version (raised
    /// by every change of their access or homes, see [`Write::access_changed`]). One statement:
    /// the user, their roles and version, provided the token's session is not revoked.
    pub async fn verify_token_stamped(
        &self,
        token: &str,
    ) -> AppResult<(Viewer, Claims, UserRecord, i64)> {
        self.verify_token_reading(token, WantedReads::default())
            .await
            .map(|(viewer, claims, record, version, _)| (viewer, claims, record, version))
    }

    /// Like [`Self::verify_token_stamped`], also reading in the same statement what `wanted`
    /// names (the notices topic's head, the viewer's unread count): the fields that can answer
    /// from them or from memory kept for them then need no statement of their own.
    pub async fn verify_token_reading(
        &self,
        token: &str,
        wanted: WantedReads,
    ) -> AppResult<(Viewer, Claims, UserRecord, i64, TokenReads)> {
        let claims = self
            .state
            .tokens
            .verify_claims(token, self.state.clock.now())?;
        let (viewer, record, version, reads) = self.read_checked(&claims, wanted).await?;
        Ok((viewer, claims, record, version, reads))
    }

    /// The statement of [`Self::verify_token_reading`], for claims verified already.
    async fn read_checked(
        &self,
        claims: &Claims,
        wanted: WantedReads,
    ) -> AppResult<(Viewer, UserRecord, i64, TokenReads)> {
        use sea_orm::sea_query::{Alias, Expr, Query, QueryStatementBuilder};
        use sea_orm::{JoinType, QuerySelect, RelationTrait};
        let revoked = Query::select()
            .expr(Expr::val(1))
            .from(session::Entity)
            .and_where(session::Column::FamilyId.eq(claims.sid))
            .and_where(session::Column::RevokedAt.is_not_null())
            .to_owned();
        let mut query = user::Entity::find_by_id(claims.sub)
            .filter(Expr::exists(revoked).not())
            .join(JoinType::LeftJoin, user::Relation::UserRole.def())
            .column_as(
                Expr::col((user::Entity, Alias::new(ACCESS_VERSION))),
                ACCESS_VERSION,
            )
            .column_as(user_role::Column::Role, JOINED_ROLE);
        if wanted.notices_head {
            let head = Query::select()
                .column(Alias::new("last"))
                .from(Alias::new("topic_sequence"))
                .and_where(Expr::col(Alias::new("topic")).eq(Topic::Notices.key()))
                .to_owned();
            query = query.column_as(
                Expr::SubQuery(None, Box::new(head.into_sub_query_statement())),
                NOTICES_HEAD,
            );
        }
        if wanted.unread {
            let unread = Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(notification::Entity)
                .and_where(notification::Column::UserId.eq(claims.sub))
                .and_where(notification::Column::ReadAt.is_null())
                .and_where(notification::Column::RemovedAt.is_null())
                .to_owned();
            query = query.column_as(
                Expr::SubQuery(None, Box::new(unread.into_sub_query_statement())),
                UNREAD,
            );
        }
        let rows = query.into_model::<StampedUser>().all(self.db()).await?;
        let Some(first) = rows.first() else {
            return Err(AppError::Unauthenticated);
        };
        let (user, version) = (first.user.clone(), first.version);
        if user.status != UserStatus::Active.as_str() {
            return Err(AppError::Unauthenticated);
        }
        let reads = TokenReads {
            // A topic nothing was published on yet has no row: position 0.
            notices_head: wanted.notices_head.then(|| first.notices_head.unwrap_or(0)),
            unread: wanted
                .unread
                .then(|| u64::try_from(first.unread.unwrap_or(0)).unwrap_or(0)),
        };
        let mut roles: Vec<Role> = rows
            .iter()
            .filter_map(|row| row.role.as_deref().and_then(Role::parse))
            .collect();
        roles.sort_by_key(|role| role.as_str());
        roles.dedup();
        let viewer = Viewer::User(AuthenticatedUser {
            id: user.id,
            roles: roles.clone(),
        });
        Ok((viewer, UserRecord { user, roles }, version, reads))
    }

    /// [`IdentityService::verify_token_reading`] for an HTTP request: answered from this
    /// instance's kept check of the token's session while it holds (see
    /// [`crate::auth::token_cache`]), otherwise from the database, and then kept. The token's
    /// signature and expiry are checked either way.
    pub async fn verify_token_kept(
        &self,
        token: &str,
        wanted: WantedReads,
    ) -> AppResult<KeptCheck> {
        let cache = &self.state.token_checks;
        let claims = self
            .state
            .tokens
            .verify_claims(token, self.state.clock.now())?;
        let generation = match cache.get(claims.sid, claims.sub, wanted) {
            Ok(kept) => return Ok(kept),
            Err(generation) => generation,
        };
        let (viewer, record, version, reads) = self.read_checked(&claims, wanted).await?;
        let check = KeptCheck {
            viewer,
            record: Arc::new(record),
            version,
            reads,
        };
        cache.keep(generation, claims.sid, claims.sub, &check);
        Ok(check)
    }

    async fn issue_session<C: ConnectionTrait>(
        &self,
        db: &C,
        user: UserRecord,
        family_id: Uuid,
        now: DateTime<Utc>,
    ) -> AppResult<Session> {
        let refresh_token = new_refresh_token();
        session::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user.user.id),
            family_id: Set(family_id),
            token_hash: Set(hash_token(&refresh_token)),
            expires_at: Set(now + REFRESH_TOKEN_TTL),
            created_at: Set(now),
            used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(db)
        .await?;
        let access_token = self.state.tokens.issue_for_session(
            &AuthenticatedUser {
                id: user.user.id,
                roles: user.roles.clone(),
            },
            family_id,
            now,
            ACCESS_TOKEN_TTL,
        )?;
        Ok(Session {
            access_token,
            refresh_token,
            expires_at: now + ACCESS_TOKEN_TTL,
            user,
        })
    }

    /// Signs in with email and password.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> AppResult<Session> {
        let email = Email::normalise(email);
        // No account has an address longer than an email may be, or one with control characters:
        // answer as for a wrong password before the throttle, whose key holds the address
        // (PostgreSQL cannot index a long one, nor store a NUL in text).
        if email.len() > Email::MAX_LEN || email.chars().any(char::is_control) {
            return Err(AppError::InvalidCredentials);
        }
        let now = self.state.clock.now();
        let keys = throttle::keys(&email, client);
        // Counted before the password is checked: parallel attempts past the limit stop here.
        let delay = throttle::admit(self.db(), &keys, now).await?;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(self.db())
            .await?;
        let matches =
            password::verify(password, found.as_ref().map(|u| u.password_hash.as_str())).await?;
        let user = match found {
            Some(user) if matches && user.status == UserStatus::Active.as_str() => user,
            // The attempt was counted as a failure already.
            _ => return Err(AppError::InvalidCredentials),
        };
        throttle::record_success(self.db(), &keys).await?;
        let roles = roles_of(self.db(), user.id).await?;
        let txn = crate::db::begin_write(self.db()).await?;
        let session = self
            .issue_session(&txn, UserRecord { user, roles }, Uuid::now_v7(), now)
            .await?;
        txn.commit().await?;
        Ok(session)
    }

    /// Exchanges a refresh token for a new session. A spent or revoked token revokes its family,
    /// except that a token spent less than the refresh grace ago (`--refresh-grace-secs`) gets a
    /// sibling session of the same family: two tabs that refresh at the same moment both stay
    /// signed in.
    pub async fn refresh(&self, refresh_token: &str) -> AppResult<Session> {
        let now = self.state.clock.now();
        let Some(row) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash_token(refresh_token)))
            .one(self.db())
            .await?
        else {
            return Err(AppError::Unauthenticated);
        };
        if row.revoked_at.is_some() {
            return self.reused(&row, now).await;
        }
        if row.expires_at <= now {
            return Err(AppError::Unauthenticated);
        }
        let txn = crate::db::begin_write(self.db()).await?;
        // Spend the token atomically: of two concurrent refreshes only one updates the row; the
        // other reads it again below, spent by the first.
        let spent = session::Entity::update_many()
            .col_expr(
                session::Column::UsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(session::Column::Id.eq(row.id))
            .filter(session::Column::UsedAt.is_null())
            .filter(session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if spent.rows_affected != 1 {
            // Read again inside the write: the winner of a race has committed by now.
            let current = session::Entity::find_by_id(row.id).one(&txn).await?;
            let grace = chrono::Duration::from_std(self.state.config.refresh_grace)
                .unwrap_or_else(|_| Duration::zero());
            let in_grace = current.as_ref().is_some_and(|current| {
                current.revoked_at.is_none()
                    && current.used_at.is_some_and(|used| now - used <= grace)
            });
            if !in_grace {
                txn.rollback().await?;
                return self.reused(&row, now).await;
            }
            tracing::debug!(user_id = %row.user_id, family_id = %row.family_id, "refresh token presented again within the grace window; issuing a sibling");
        }
        let user = match load_user(&txn, row.user_id).await? {
            Some(user) if user.is_active() => user,
            _ => return Err(AppError::Unauthenticated),
        };
        let session = self.issue_session(&txn, user, row.family_id, now).await?;
        txn.commit().await?;
        Ok(session)
    }

    /// A spent or revoked token presented again: its whole family is revoked.
    async fn reused(&self, row: &session::Model, now: DateTime<Utc>) -> AppResult<Session> {
        tracing::warn!(user_id = %row.user_id, family_id = %row.family_id, "refresh token reused; revoking its family");
        self.revoke_family(row.user_id, row.family_id, now).await?;
        Err(AppError::Unauthenticated)
    }

    /// Revokes a session family: its refresh tokens, its access tokens (their `sid`) and its
    /// open connections on every instance.
    async fn revoke_family(
        &self,
        user_id: Uuid,
        family_id: Uuid,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let mut write = Write::begin(self.state).await?;
        session::Entity::update_many()
            .col_expr(
                session::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(session::Column::FamilyId.eq(family_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(write.txn())
            .await?;
        write.access_change(&AccessChanged {
            users: Some(vec![user_id]),
            end_users: Vec::new(),
            end_sessions: vec![family_id],
        })?;
        write.commit().await?;
        Ok(())
    }

    /// Revokes the session family of `refresh_token`. Unknown tokens are ignored (signing out
    /// twice is not an error).
    pub async fn sign_out(&self, refresh_token: &str) -> AppResult<()> {
        if let Some(row) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash_token(refresh_token)))
            .one(self.db())
            .await?
        {
            self.revoke_family(row.user_id, row.family_id, self.state.clock.now())
                .await?;
        }
        Ok(())
    }

    /// Changes the viewer's password after checking the current one; every session is revoked.
    pub async fn change_password(
        &self,
        viewer: &Viewer,
        current: &str,
        new_password: &str,
    ) -> AppResult<UserRecord> {
        let me = viewer.require_user()?;
        let record = load_user(self.db(), me.id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        // Both fields are judged before either is refused, so a form learns of both at once.
        let mut check = Checks::new();
        check.rule(
            password::verify(current, Some(&record.user.password_hash)).await?,
            "input.currentPassword",
            "is not your current password",
        );
        let new_password = check.field(NewPassword::parse(
            "input.newPassword",
            new_password,
            Some(&record.user.email),
        ));
        let new_password = check.finish(|| new_password)?;
        let hash = password::hash(&new_password).await?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let txn = write.txn();
        let mut active: user::ActiveModel = record.user.clone().into();
        active.password_hash = Set(hash);
        active.updated_at = Set(now);
        let user = active.update(txn).await?;
        // Every session ends: refresh tokens, access tokens (their `sid`) and open sockets.
        revoke_all_sessions(txn, me.id, now).await?;
        end_connections_of_users(&mut write, &[me.id])?;
        write.commit().await?;
        Ok(UserRecord {
            user,
            roles: record.roles,
        })
    }

    /// Creates a user (administrators, the bootstrap and the CLI).
    pub async fn create_user(&self, new: NewUser) -> AppResult<UserRecord> {
        let hash = password::hash(&new.password).await?;
        let now = self.state.clock.now();
        let txn = crate::db::begin_write(self.db()).await?;
        let user = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(new.email.as_str().to_owned()),
            phone: Set(new.phone.map(Phone::into_inner)),
            display_name: Set(new.display_name.into_inner()),
            password_hash: Set(hash),
            status: Set(UserStatus::Active.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let user = self.insert_user(&txn, user).await?;
        set_roles(&txn, user.id, &new.roles).await?;
        txn.commit().await?;
        let roles = roles_of(self.db(), user.id).await?;
        Ok(UserRecord { user, roles })
    }

    async fn insert_user<C: ConnectionTrait>(
        &self,
        db: &C,
        user: user::ActiveModel,
    ) -> AppResult<user::Model> {
        let email = match &user.email {
            sea_orm::ActiveValue::Set(email) => email.clone(),
            _ => String::new(),
        };
        let phone = match &user.phone {
            sea_orm::ActiveValue::Set(phone) => phone.clone(),
            _ => None,
        };
        // Check first for a precise error; the unique indexes still guard against races.
        if user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(db)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict {
                field: Some("input.email".to_owned()),
                message: "a user with this email already exists".to_owned(),
            });
        }
        if let Some(phone) = &phone
            && user::Entity::find()
                .filter(user::Column::Phone.eq(phone.as_str()))
                .one(db)
                .await?
                .is_some()
        {
            return Err(AppError::Conflict {
                field: Some("input.phone".to_owned()),
                message: "a user with this phone number already exists".to_owned(),
            });
        }
        user.insert(db)
            .await
            .map_err(AppError::from)
            .map_err(conflict_on(
                "input.email",
                "a user with this email or phone already exists",
            ))
    }

    /// Applies `changes` to user `id`.
    pub async fn update_user(&self, id: Uuid, changes: UserChanges) -> AppResult<UserRecord> {
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        let record = load_user(txn, id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let mut active: user::ActiveModel = record.user.into();
        apply_changes!(active, { display_name: changes.display_name });
        if let Some(phone) = changes.phone {
            let phone = phone.map(Phone::into_inner);
            if let Some(phone) = &phone
                && user::Entity::find()
                    .filter(user::Column::Phone.eq(phone.as_str()))
                    .filter(user::Column::Id.ne(id))
                    .one(txn)
                    .await?
                    .is_some()
            {
                return Err(AppError::Conflict {
                    field: Some("input.phone".to_owned()),
                    message: "a user with this phone number already exists".to_owned(),
                });
            }
            active.phone = Set(phone);
        }
        active.updated_at = Set(write.now());
        let user = active
            .update(txn)
            .await
            .map_err(AppError::from)
            .map_err(conflict_on(
                "input.phone",
                "a user with this phone number already exists",
            ))?;
        if let Some(roles) = &changes.roles {
            set_roles(txn, id, roles).await?;
        }
        let roles = roles_of(txn, id).await?;
        if roles == record.roles {
            // Roles and status shape what open subscriptions may receive.
            write.access_changed(&[id])?;
        } else {
            // New roles: the user's open connections end (they reconnect with a new token).
            end_connections_of_users(&mut write, &[id])?;
        }
        write.commit().await?;
        Ok(UserRecord { user, roles })
    }

    /// Enables or disables a user; disabling revokes every session at once.
    pub async fn set_status(
        &self,
        viewer: &Viewer,
        id: Uuid,
        status: UserStatus,
    ) -> AppResult<UserRecord> {
        let me = viewer.require_user()?;
        if me.id == id && status == UserStatus::Disabled {
            return Err(AppError::InvalidState(
                "you cannot disable your own account".to_owned(),
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let txn = write.txn();
        let record = load_user(txn, id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let mut active: user::ActiveModel = record.user.into();
        active.status = Set(status.as_str().to_owned());
        active.updated_at = Set(now);
        let user = active.update(txn).await?;
        if status == UserStatus::Disabled {
            revoke_all_sessions(txn, id, now).await?;
            end_connections_of_users(&mut write, &[id])?;
        } else {
            // Roles and status shape what open subscriptions may receive.
            write.access_changed(&[id])?;
        }
        write.commit().await?;
        Ok(UserRecord {
            user,
            roles: record.roles,
        })
    }

    /// Creates the first administrator when there is none. Returns the generated password when
    /// one had to be made up (it is shown once and never stored in clear).
    pub async fn bootstrap_admin(
        &self,
        email: &str,
        password: Option<&str>,
    ) -> AppResult<Option<(UserRecord, Option<String>)>> {
        let has_admin = user_role::Entity::find()
            .filter(user_role::Column::Role.eq(Role::Admin.as_str()))
            .one(self.db())
            .await?
            .is_some();
        if has_admin {
            return Ok(None);
        }
        let (password, generated) = match password {
            Some(password) => (password.to_owned(), None),
            None => {
                let generated = new_refresh_token();
                (generated.clone(), Some(generated))
            }
        };
        let record = self
            .create_user(NewUser {
                email: Email::parse("RESIDENT_HUB_ADMIN_EMAIL", email)?,
                display_name: DisplayName::parse("displayName", "Administrator")?,
                phone: None,
                password: NewPassword::parse(
                    "RESIDENT_HUB_ADMIN_PASSWORD",
                    &password,
                    Some(email),
                )?,
                roles: vec![Role::Admin],
            })
            .await;
        match record {
            Ok(record) => Ok(Some((record, generated))),
            // Another instance starting at the same moment created it first.
            Err(AppError::Conflict { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Users, oldest first, for administrators (filtering by role and by name or email).
    pub async fn users(
        &self,
        role: Option<Role>,
        search: Option<&str>,
        page: &PageRequest,
    ) -> AppResult<Page<user::Model>> {
        // SQLite refuses a LIKE pattern over 50,000 bytes (INTERNAL); no name or email is long.
        if search.is_some_and(|s| s.trim().chars().count() > 200) {
            return Err(AppError::bad_input(
                "filter.search",
                "must be at most 200 characters",
            ));
        }
        Keyset::new()
            .asc(user::Column::Id)
            .fetch(self.db(), Self::users_query(role, search), page)
            .await
    }

    fn users_query(role: Option<Role>, search: Option<&str>) -> sea_orm::Select<user::Entity> {
        let mut query = user::Entity::find();
        if let Some(role) = role {
            query = query.filter(
                user::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(user_role::Column::UserId)
                        .from(user_role::Entity)
                        .and_where(user_role::Column::Role.eq(role.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
            let pattern = format!(
                "%{}%",
                search
                    .to_lowercase()
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            query = query.filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(
                            sea_orm::sea_query::Expr::col(user::Column::DisplayName),
                        ))
                        .like(pattern.as_str()),
                    )
                    .add(user::Column::Email.like(pattern.as_str())),
            );
        }
        query
    }
}
