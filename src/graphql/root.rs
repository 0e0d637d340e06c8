//! The root query type: a table from a root field's name to the part of the schema that
//! defines it.
//!
//! `#[derive(MergedObject)]` answers a root field by asking each merged part in turn (the last
//! one first) whether it knows the field; each part compares the name with every field it has,
//! inside a future nested in the previous part's. With 28 parts, each of the home page's three
//! root fields went through most of them. [`Query`] keeps the derived merge for the schema (the
//! type, its fields and their descriptions are [`QueryParts`]'s) and sends each root field
//! straight to its part, by a table built once from the parts' own registrations, in the
//! merge's order (where two parts had the same field, the one the merge asks first). A name the
//! table does not know, or a part that does not answer, goes through the derived merge.

use std::{borrow::Cow, collections::HashMap, sync::OnceLock};

use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerResult, Value,
    parser::types::Field,
    registry::Registry,
    resolver_utils::{ContainerType, resolve_container},
};

use super::{CommunityQuery, OperationsQuery, PlatformQuery, QueryParts, StaffQuery};

/// The root query type.
#[derive(Default)]
pub struct Query(QueryParts);

/// A part's name and its registration.
type PartInfo = (fn() -> Cow<'static, str>, fn(&mut Registry) -> String);

macro_rules! parts {
    ($($group:ident = $group_ty:ident ($($part:ident: $ty:ty),* $(,)?)),* $(,)?) => {
        /// One part of [`QueryParts`].
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Part { $($($part),*),* }

        /// Every part, in declaration order.
        fn parts() -> Vec<(Part, PartInfo)> {
            vec![$($((
                Part::$part,
                (
                    <$ty as OutputType>::type_name as fn() -> Cow<'static, str>,
                    <$ty as OutputType>::create_type_info as fn(&mut Registry) -> String,
                ),
            )),*),*]
        }

        impl Query {
            async fn part_field(&self, part: Part, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
                let QueryParts($($group),*) = &self.0;
                $(let $group_ty($($part),*) = $group;)*
                match part {
                    $($(Part::$part => $part.resolve_field(ctx).await,)*)*
                }
            }
        }
    };
}

parts!(
    platform = PlatformQuery(
        identity: crate::domains::identity::graphql::IdentityQuery,
        estate: crate::domains::estate::graphql::EstateQuery,
        catalogue: crate::domains::catalogue::graphql::CatalogueQuery,
        notices: crate::domains::notices::graphql::NoticeQuery,
        notifications: crate::notifications::graphql::NotificationQuery,
        system: crate::domains::system::graphql::SystemQuery,
        node: super::node::NodeQuery,
        reports: crate::domains::reports::graphql::ReportQuery,
    ),
    staff = StaffQuery(
        work_orders: crate::domains::work_orders::graphql::WorkOrderQuery,
        compliance: crate::domains::compliance::graphql::ComplianceQuery,
        qualifications: crate::domains::qualifications::graphql::QualificationQuery,
        conduct: crate::domains::conduct::graphql::ConductQuery,
        training: crate::domains::training::graphql::TrainingQuery,
        supervision: crate::domains::supervision::graphql::SupervisionQuery,
        rectifications: crate::domains::rectifications::graphql::RectificationQuery,
        complaints: crate::domains::complaints::graphql::ComplaintQuery,
        assessment: crate::domains::assessment::graphql::AssessmentQuery,
    ),
    community = CommunityQuery(
        volunteers: crate::domains::volunteers::graphql::VolunteerQuery,
        service_centres: crate::domains::service_centres::graphql::ServiceCentreQuery,
        activities: crate::domains::activities::graphql::ActivityQuery,
        channels: crate::domains::channels::graphql::ChannelQuery,
        surveys: crate::domains::surveys::graphql::SurveyQuery,
        partners: crate::domains::partners::graphql::PartnerQuery,
        health: crate::domains::health::graphql::HealthQuery,
        care: crate::domains::care::graphql::CareQuery,
    ),
    operations = OperationsQuery(
        front_desk: crate::domains::front_desk::graphql::FrontDeskQuery,
        patrols: crate::domains::patrols::graphql::PatrolQuery,
        assets: crate::domains::assets::graphql::AssetQuery,
    ),
);

/// The part answering each root field, built once.
fn routes() -> &'static HashMap<String, Part> {
    static ROUTES: OnceLock<HashMap<String, Part>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let mut registry = Registry::default();
        let mut routes = HashMap::new();
        // The derived merge asks the last part first: the first to claim a name keeps it.
        for (part, (type_name, create_type_info)) in parts().into_iter().rev() {
            create_type_info(&mut registry);
            let Some(fields) = registry.types.get(&*type_name()).and_then(|ty| ty.fields()) else {
                continue;
            };
            for name in fields.keys() {
                routes.entry(name.clone()).or_insert(part);
            }
        }
        routes
    })
}

impl ContainerType for Query {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        if let Some(part) = routes().get(ctx.item.node.name.node.as_str())
            && let Some(value) = self.part_field(*part, ctx).await?
        {
            return Ok(Some(value));
        }
        Box::pin(self.0.resolve_field(ctx)).await
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        Box::pin(self.0.find_entity(ctx, params)).await
    }
}

impl OutputType for Query {
    fn type_name() -> Cow<'static, str> {
        QueryParts::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        QueryParts::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl ObjectType for Query {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every root query field is routed to the part that the derived merge would ask first.
    #[test]
    fn every_root_field_is_routed() {
        let mut registry = Registry::default();
        let query = registry.create_fake_output_type::<Query>();
        let fields = query.fields().expect("Query has fields");
        assert!(fields.len() > 100, "{}", fields.len());
        let routes = routes();
        for name in fields.keys() {
            assert!(routes.contains_key(name), "{name} is not routed");
        }
        assert_eq!(routes.get("viewer"), Some(&Part::identity));
        assert_eq!(routes.get("notices"), Some(&Part::notices));
        assert_eq!(
            routes.get("unreadNotificationCount"),
            Some(&Part::notifications)
        );
        assert_eq!(routes.get("node"), Some(&Part::node));
    }
}
