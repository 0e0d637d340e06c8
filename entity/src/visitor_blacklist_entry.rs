//! A building's visitor blacklist entry: a name, a car plate or both, refused at check-in.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "visitor_blacklist_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// Id (UUID v7).
    pub id: Uuid,
    /// The building.
    pub building_id: Uuid,
    /// The name, as given.
    pub name: Option<String>,
    /// The car plate, normalised.
    pub car_plate: Option<String>,
    /// Name key and plate, normalised (`name|PLATE`): one entry per building and key.
    pub match_key: String,
    /// Why.
    pub reason: String,
    /// Who added it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
