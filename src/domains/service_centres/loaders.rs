//! Service-centre DataLoaders: a centre's buildings, services, hours and exceptions, and the
//! nouns its entities are named by in `NOT_FOUND` errors.

use crate::{graphql::loaders::ColumnKey, store::Named};
use entity::{
    appointment, service_centre, service_centre_building, service_centre_exception,
    service_centre_hours, service_centre_service,
};

/// Services by centre.
pub struct ServicesByCentre;

impl ColumnKey for ServicesByCentre {
    type Entity = service_centre_service::Entity;
    const COLUMN: service_centre_service::Column = service_centre_service::Column::CentreId;
}

/// Weekly hours by centre.
pub struct HoursByCentre;

impl ColumnKey for HoursByCentre {
    type Entity = service_centre_hours::Entity;
    const COLUMN: service_centre_hours::Column = service_centre_hours::Column::CentreId;
}

/// Exceptions by centre.
pub struct ExceptionsByCentre;

impl ColumnKey for ExceptionsByCentre {
    type Entity = service_centre_exception::Entity;
    const COLUMN: service_centre_exception::Column = service_centre_exception::Column::CentreId;
}

impl Named for service_centre::Entity {
    const NOUN: &'static str = "service centre";
}

impl Named for appointment::Entity {
    const NOUN: &'static str = "appointment";
}

/// The buildings each centre covers, by name: the links and the buildings in one loader call
/// (two statements), so a page of centres never waits for a second batching round.
pub struct CentreBuildings(sea_orm::DatabaseConnection);

impl crate::graphql::loaders::DomainLoader for CentreBuildings {
    fn new(db: sea_orm::DatabaseConnection, _clock: &crate::clock::Clock) -> Self {
        CentreBuildings(db)
    }
}

impl async_graphql::dataloader::Loader<uuid::Uuid> for CentreBuildings {
    type Value = Vec<entity::building::Model>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[uuid::Uuid],
    ) -> Result<std::collections::HashMap<uuid::Uuid, Self::Value>, Self::Error> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let links = service_centre_building::Entity::find()
            .filter(service_centre_building::Column::CentreId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        let buildings = entity::building::Entity::find()
            .filter(entity::building::Column::Id.is_in(links.iter().map(|l| l.building_id)))
            .order_by_asc(entity::building::Column::Name)
            .all(&self.0)
            .await?;
        let mut out: std::collections::HashMap<uuid::Uuid, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for building in buildings {
            for link in links.iter().filter(|l| l.building_id == building.id) {
                out.entry(link.centre_id)
                    .or_default()
                    .push(building.clone());
            }
        }
        Ok(out)
    }
}
