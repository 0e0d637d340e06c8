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
pub mod plain;
pub mod root;
pub mod scalars;
pub mod shape;
pub mod shared;
pub mod text;
pub mod text_enum;

use std::sync::{Arc, OnceLock};

use async_graphql::{
    MergedObject, MergedSubscription, Schema, SchemaBuilder, ValidationMode,
    parser::types::ExecutableDocument,
};

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

pub use root::Query;

// The schema's `Query` is `root::Query`: this merge's type, with root fields answered through a
// table. (The doc comment below is the type's description in the schema.)
/// Root query type: the groups below, merged (one flat list of this many members overflows the
/// compiler's query depth when it lays out the resolver futures).
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryParts(PlatformQuery, StaffQuery, CommunityQuery, OperationsQuery);

/// Identity, estate, catalogue, notices, notifications and the platform's own queries.
#[derive(MergedObject, Default)]
pub struct PlatformQuery(
    identity::graphql::IdentityQuery,
    estate::graphql::EstateQuery,
    catalogue::graphql::CatalogueQuery,
    notices::graphql::NoticeQuery,
    notifications::graphql::NotificationQuery,
    system::graphql::SystemQuery,
    node::NodeQuery,
    reports::graphql::ReportQuery,
);

/// Work orders and the staff-quality domains.
#[derive(MergedObject, Default)]
pub struct StaffQuery(
    work_orders::graphql::WorkOrderQuery,
    compliance::graphql::ComplianceQuery,
    qualifications::graphql::QualificationQuery,
    conduct::graphql::ConductQuery,
    training::graphql::TrainingQuery,
    supervision::graphql::SupervisionQuery,
    rectifications::graphql::RectificationQuery,
    complaints::graphql::ComplaintQuery,
    crate::domains::assessment::graphql::AssessmentQuery,
);

/// Community, partners, health and care.
#[derive(MergedObject, Default)]
pub struct CommunityQuery(
    volunteers::graphql::VolunteerQuery,
    service_centres::graphql::ServiceCentreQuery,
    activities::graphql::ActivityQuery,
    crate::domains::channels::graphql::ChannelQuery,
    surveys::graphql::SurveyQuery,
    crate::domains::partners::graphql::PartnerQuery,
    crate::domains::health::graphql::HealthQuery,
    crate::domains::care::graphql::CareQuery,
);

/// Property operations: the front desk, assets and maintenance, patrols.
#[derive(MergedObject, Default)]
pub struct OperationsQuery(
    crate::domains::front_desk::graphql::FrontDeskQuery,
    crate::domains::patrols::graphql::PatrolQuery,
    crate::domains::assets::graphql::AssetQuery,
);

/// Root mutation type: the groups below, merged (as `Query`).
#[derive(MergedObject, Default)]
pub struct Mutation(
    PlatformMutation,
    StaffMutation,
    CommunityMutation,
    OperationsMutation,
);

/// Identity, estate, catalogue, notices, notifications and the platform's own mutations.
#[derive(MergedObject, Default)]
pub struct PlatformMutation(
    identity::graphql::IdentityMutation,
    estate::graphql::EstateMutation,
    catalogue::graphql::CatalogueMutation,
    notices::graphql::NoticeMutation,
    notifications::graphql::NotificationMutation,
    system::graphql::SystemMutation,
);

/// Work orders and the staff-quality domains.
#[derive(MergedObject, Default)]
pub struct StaffMutation(
    work_orders::graphql::WorkOrderMutation,
    qualifications::graphql::QualificationMutation,
    conduct::graphql::ConductMutation,
    training::graphql::TrainingMutation,
    supervision::graphql::SupervisionMutation,
    rectifications::graphql::RectificationMutation,
    complaints::graphql::ComplaintMutation,
    crate::domains::assessment::graphql::AssessmentMutation,
);

/// Community, partners, health and care.
#[derive(MergedObject, Default)]
pub struct CommunityMutation(
    volunteers::graphql::VolunteerMutation,
    service_centres::graphql::ServiceCentreMutation,
    activities::graphql::ActivityMutation,
    crate::domains::channels::graphql::ChannelMutation,
    surveys::graphql::SurveyMutation,
    crate::domains::partners::graphql::PartnerMutation,
    crate::domains::health::graphql::HealthMutation,
    crate::domains::care::graphql::CareMutation,
);

/// Property operations: the front desk, assets and maintenance, patrols.
#[derive(MergedObject, Default)]
pub struct OperationsMutation(
    crate::domains::front_desk::graphql::FrontDeskMutation,
    crate::domains::patrols::graphql::PatrolMutation,
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
    crate::domains::patrols::graphql::PatrolSubscription,
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

/// The schema bound to the application state, with limits and guardrails applied, and the
/// means to run the queries the guardrails accepted before without them.
pub fn build(
    state: AppState,
    limits: QueryLimits,
    introspection: bool,
) -> (AppSchema, Arc<AcceptedDocuments>) {
    let guardrails = guardrails::Guardrails::new(limits);
    let accepted = Arc::new(AcceptedDocuments {
        documents: guardrails.documents.clone(),
        schema: OnceLock::new(),
        state: state.clone(),
        introspection,
    });
    let mut builder = builder()
        .extension(guardrails)
        .limit_recursive_depth(64)
        .data(state);
    if !introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    (builder.finish(), accepted)
}

/// Queries the guardrails accepted before (parsed, validated, within the limits, sent without
/// variables), run again without any extension. With an extension, async-graphql builds a
/// boxed future and looks the field up in its registry for every field and list item it
/// resolves, to call the extension's resolve hook: about a tenth of the home page's CPU. The
/// hook's two duties are kept: errors get the same default code (`resolving_error`, applied
/// to the response), and only documents without introspection run here (their resolving is
/// what the hook's cooperative yield is for; a data query waits on the database or on a kept
/// answer, within the complexity limit).
pub struct AcceptedDocuments {
    documents: Arc<guardrails::DocumentCache>,
    schema: OnceLock<AppSchema>,
    state: AppState,
    introspection: bool,
}

impl AcceptedDocuments {
    /// The document of `query`'s operation `operation_name` when it may run again without the
    /// guardrails (see [`guardrails::DocumentCache::accepted`]), and the schema to run it on.
    pub fn get(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Option<(Arc<ExecutableDocument>, &AppSchema)> {
        let document = self.documents.accepted(query, operation_name)?;
        Some((document, self.schema()))
    }

    /// The schema without extensions, built on first use. It never validates a document the
    /// guardrails did not accept, so it validates only what execution needs (`Fast`: fragment
    /// cycles, complexity, depth, cache control). Federation is on only because async-graphql
    /// otherwise scans every type of the registry for federation keys on every root field it
    /// resolves; the `_service` field it adds is unreachable, since no document naming it
    /// passes the guarded schema's validation.
    fn schema(&self) -> &AppSchema {
        self.schema.get_or_init(|| {
            let mut builder = builder()
                .validation_mode(ValidationMode::Fast)
                .limit_recursive_depth(64)
                .enable_federation()
                .data(self.state.clone());
            if !self.introspection {
                builder = builder.disable_introspection().disable_suggestions();
            }
            builder.finish()
        })
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
