//! The HTTP surface: GraphQL over HTTP and WebSocket on `/graphql`, the playground, and the
//! operational endpoints. Layers add a request id (`x-request-id`, echoed back), tracing spans
//! and CORS for the configured SPA origins.

pub mod forwarded;
mod graphql;
pub mod limits;
mod ops;
mod playground;
mod response;
mod serve;
mod ws;

use std::time::Duration;

use axum::{
    Router,
    http::{HeaderName, HeaderValue, Method, header},
    routing::get,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

pub use serve::serve;

use crate::{app::AppState, graphql::AppSchema};

/// The request-id header, set when the client did not send one and echoed on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler shares.
#[derive(Clone)]
pub struct HttpContext {
    /// Application state.
    pub state: AppState,
    /// The GraphQL schema.
    pub schema: AppSchema,
    /// Queries the guardrails accepted before, run again without them.
    pub accepted: std::sync::Arc<crate::graphql::AcceptedDocuments>,
    /// Cancelled when the server shuts down; WebSockets close with 1001 then.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket tasks so shutdown can wait for their close frames.
    pub sockets: TaskTracker,
    /// Open WebSockets per user (bounded by `--ws-max-sockets-per-user`).
    pub user_sockets: std::sync::Arc<limits::UserSockets>,
    /// The schema's field types, for shaping responses as the specification says.
    pub shape: std::sync::Arc<crate::graphql::shape::ResponseShape>,
    /// The shared subscription groups of this server (see `ws::shared`).
    pub(crate) shared: std::sync::Arc<ws::SharedGroups>,
}

/// Builds the router with every route and layer.
pub fn router(ctx: HttpContext) -> Router {
    let cors = cors_layer(&ctx.state.config.cors_origins);
    let router = Router::new()
        .route("/", get(playground::page))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .with_state(ctx);
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::from_fn(drop_invalid_request_id))
}

/// Longest client-supplied request id kept.
const MAX_REQUEST_ID: usize = 128;

/// Whether a client's `x-request-id` may be used (logged, echoed, put into errors): at most
/// [`MAX_REQUEST_ID`] characters among letters, digits and `-_.:/+=`.
fn valid_request_id(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= MAX_REQUEST_ID
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
}

/// Removes a client's `x-request-id` that is not [`valid_request_id`] (or sent twice), so that
/// one is generated instead.
async fn drop_invalid_request_id(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = request.headers_mut();
    let mut values = headers.get_all(&REQUEST_ID).iter();
    let keep = match (values.next(), values.next()) {
        (Some(value), None) => valid_request_id(value.as_bytes()),
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !keep {
        headers.remove(&REQUEST_ID);
    }
    next.run(request).await
}

/// The router of the separate metrics listener (`--metrics-listen`): `/metrics` only.
pub fn metrics_router(ctx: HttpContext) -> Router {
    Router::new()
        .route("/metrics", get(ops::metrics))
        .with_state(ctx)
}

/// CORS for exact origins; `None` (no CORS headers at all) when none are configured.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                REQUEST_ID,
            ])
            .expose_headers([REQUEST_ID])
            .max_age(Duration::from_secs(3600)),
    )
}
