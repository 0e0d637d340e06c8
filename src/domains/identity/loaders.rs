//! Identity's DataLoaders and entity nouns: users and their roles, batched per request through
//! the generic loaders.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    auth::Role,
    clock::Clock,
    error::LoadError,
    graphql::loaders::{ById, DomainLoader, group},
    store::Named,
};
use entity::{user, user_role};

impl Named for user::Entity {
    const NOUN: &'static str = "user";
}

/// Users by id.
pub type UserById = ById<user::Entity>;

/// Roles of each user, in name order.
pub struct RolesLoader(DatabaseConnection);

impl DomainLoader for RolesLoader {
    fn new(db: DatabaseConnection, _clock: &Clock) -> Self {
        RolesLoader(db)
    }
}

impl async_graphql::dataloader::Loader<Uuid> for RolesLoader {
    type Value = Vec<Role>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Role>>, LoadError> {
        let rows = user_role::Entity::find()
            .filter(user_role::Column::UserId.is_in(keys.iter().copied()))
            .order_by_asc(user_role::Column::Role)
            .all(&self.0)
            .await?;
        let mut roles = group(keys, rows, |row| (row.user_id, Role::parse(&row.role)));
        Ok(roles
            .drain()
            .map(|(k, v)| (k, v.into_iter().flatten().collect()))
            .collect())
    }
}
