//! Service-centre DataLoaders: a centre's buildings, services, hours and exceptions, and the
//! nouns its entities are named by in `NOT_FOUND` errors.

use crate::{graphql::loaders::ColumnKey, store::Named};
use entity::{
    appointment, service_centre, service_centre_building, service_centre_exception,
    service_centre_hours, service_centre_service,
};

/// Building links by centre.
pub struct BuildingsByCentre;

impl ColumnKey for BuildingsByCentre {
    type Entity = service_centre_building::Entity;
    const COLUMN: service_centre_building::Column = service_centre_building::Column::CentreId;
}

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
