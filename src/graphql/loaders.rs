//! Per-request DataLoaders: every relation resolved per item goes through one of these, so a
//! page of N items with nested relations costs a constant number of statements.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{app::AppState, auth::Role, error::AppError};
use entity::user_role;

/// The loaders of one request (or one WebSocket operation).
pub struct Loaders {
    /// Roles by user id.
    pub roles: DataLoader<RolesLoader>,
}

impl Loaders {
    /// Fresh loaders over the state's database.
    pub fn new(state: &AppState) -> Loaders {
        Loaders {
            roles: DataLoader::new(
                RolesLoader {
                    db: state.db.clone(),
                },
                tokio::spawn,
            ),
        }
    }
}

/// Loads the roles of many users in one statement.
pub struct RolesLoader {
    db: DatabaseConnection,
}

impl Loader<Uuid> for RolesLoader {
    type Value = Vec<Role>;
    type Error = std::sync::Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Role>>, Self::Error> {
        let rows = user_role::Entity::find()
            .filter(user_role::Column::UserId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|err| std::sync::Arc::new(AppError::from(err)))?;
        let mut roles: HashMap<Uuid, Vec<Role>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            if let (Some(list), Some(role)) = (roles.get_mut(&row.user_id), Role::parse(&row.role))
            {
                list.push(role);
            }
        }
        for list in roles.values_mut() {
            list.sort_by_key(|role| role.as_str());
        }
        Ok(roles)
    }
}
