//! The GraphQL schema: roots merged from one segment per domain, the request guardrails, and
//! the shared helpers every domain's resolvers use.
//!
//! Adding a domain is one line in each root below.

pub mod checks;
pub mod context;
pub mod guardrails;
pub mod ids;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod scalars;
pub mod shape;
pub mod text;
pub mod text_enum;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::{
    app::AppState,
    config::QueryLimits,
    domains::activities,
    domains::supervision,
    domains::{
        catalogue, complaints, compliance, conduct, estate, identity, notices, qualifications,
        service_centres, system, training, volunteers, work_orders,
    },
    notifications,
};

use crate::domains::rectifications;
use crate::domains::reports;
use crate::domains::surveys;

pub use context::ContextExt;

/// Root query type.
#[derive(MergedObject, Default)]
pub struct Query(
    identity::graphql::IdentityQuery,
    estate::graphql::EstateQuery,
    catalogue::graphql::CatalogueQuery,
    notices::graphql::NoticeQuery,
    work_orders::graphql::WorkOrderQuery,
    compliance::graphql::ComplianceQuery,
    qualifications::graphql::QualificationQuery,
    conduct::graphql::ConductQuery,
    training::graphql::TrainingQuery,
    notifications::graphql::NotificationQuery,
    supervision::graphql::SupervisionQuery,
    volunteers::graphql::VolunteerQuery,
    service_centres::graphql::ServiceCentreQuery,
    system::graphql::SystemQuery,
    node::NodeQuery,
    rectifications::graphql::RectificationQuery,
    complaints::graphql::ComplaintQuery,
    activities::graphql::ActivityQuery,
    reports::graphql::ReportQuery,
    crate::domains::channels::graphql::ChannelQuery,
    surveys::graphql::SurveyQuery,
    crate::domains::assessment::graphql::AssessmentQuery,
    crate::domains::assets::graphql::AssetQuery,
);

/// Root mutation type.
#[derive(MergedObject, Default)]
pub struct Mutation(
    identity::graphql::IdentityMutation,
    estate::graphql::EstateMutation,
    catalogue::graphql::CatalogueMutation,
    notices::graphql::NoticeMutation,
    work_orders::graphql::WorkOrderMutation,
    qualifications::graphql::QualificationMutation,
    conduct::graphql::ConductMutation,
    training::graphql::TrainingMutation,
    notifications::graphql::NotificationMutation,
    supervision::graphql::SupervisionMutation,
    volunteers::graphql::VolunteerMutation,
    service_centres::graphql::ServiceCentreMutation,
    system::graphql::SystemMutation,
    rectifications::graphql::RectificationMutation,
    complaints::graphql::ComplaintMutation,
    activities::graphql::ActivityMutation,
    crate::domains::channels::graphql::ChannelMutation,
    surveys::graphql::SurveyMutation,
    crate::domains::assessment::graphql::AssessmentMutation,
    crate::domains::assets::graphql::AssetMutation,
);

/// Root subscription type.
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    notices::graphql::NoticeSubscription,
    work_orders::graphql::WorkOrderSubscription,
    compliance::graphql::ComplianceSubscription,
    notifications::graphql::NotificationSubscription,
    supervision::graphql::SupervisionSubscription,
    system::graphql::SystemSubscription,
    rectifications::graphql::RectificationSubscription,
    complaints::graphql::ComplaintSubscription,
    activities::graphql::ActivitySubscription,
    crate::domains::channels::graphql::ChannelSubscription,
    surveys::graphql::SurveySubscription,
);

/// The schema type served.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    let builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    );
    // Types defined by the GraphQL library get our descriptions: it gives connections none
    // and describes `DateTime` by its Rust type.
    scalars::describe(pagination::describe(builder))
}

/// The schema bound to the application state, with limits and guardrails applied.
pub fn build(state: AppState, limits: QueryLimits, introspection: bool) -> AppSchema {
    let mut builder = builder()
        .extension(guardrails::Guardrails { limits })
        .limit_recursive_depth(64)
        .data(state);
    if !introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
