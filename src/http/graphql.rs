//! GraphQL over HTTP on `/graphql`, following the GraphQL-over-HTTP specification: GET for
//! queries (mutations get 405), POST with a JSON body only (anything else gets 415: with the GET
//! rule this is the CSRF defence), a body size limit, a time limit, negotiated media types and
//! status codes, and no `data` entry when the operation never ran.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Instant,
};

use async_graphql::Variables;
use axum::{
    body::Body,
    extract::{
        ConnectInfo, Query, State, WebSocketUpgrade,
        rejection::{ExtensionRejection, QueryRejection},
        ws::rejection::WebSocketUpgradeRejection,
    },
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    HttpContext, REQUEST_ID, playground,
    response::{MediaType, graphql_response, negotiate, request_error, wants_html},
    ws,
};
use crate::{
    auth::{
        Viewer, bearer_token,
        scope::{AccessStamp, TokenReads},
    },
    domains::identity::{
        graphql::{ClientAddr, SignedInUser},
        service::{IdentityService, WantedReads},
    },
    error::ErrorCode,
    graphql::context::LazyLoaders,
    graphql::guardrails::{RequestInfo, Transport, resolving_error},
};

/// A GraphQL request as the client sent it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlBody {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
}

/// The query-string form of a GET request; variables arrive JSON-encoded.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
}

/// `GET /graphql`: a WebSocket upgrade, the playground for browsers, or a query.
pub(super) async fn get(
    State(ctx): State<HttpContext>,
    client: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    params: Result<Query<GetParams>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    if let Ok(upgrade) = upgrade {
        let client = ctx
            .state
            .config
            .trusted_proxies
            .client(client.as_ref().ok().map(|c| c.0), &headers);
        return ws::upgrade(ctx, upgrade, &headers, client);
    }
    let metrics = &ctx.state.metrics;
    let params = match params {
        Ok(Query(params)) => params,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "the query string is malformed",
                metrics,
            );
        }
    };
    if params.query.is_none() && wants_html(&headers) {
        return playground::html(&ctx);
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable(&ctx);
    };
    let variables = match params
        .variables
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => Some(map),
            Ok(Value::Null) => None,
            _ => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    "variables must be a JSON object",
                    metrics,
                );
            }
        },
    };
    let body = GraphqlBody {
        query: params.query,
        operation_name: params.operation_name,
        variables,
    };
    execute(
        &ctx,
        ctx.state
            .config
            .trusted_proxies
            .client(client.as_ref().ok().map(|c| c.0), &headers),
        &headers,
        body,
        Transport::HttpGet,
        media,
    )
    .await
}

/// `POST /graphql`: a JSON-encoded GraphQL request.
pub(super) async fn post(
    State(ctx): State<HttpContext>,
    client: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let metrics = &ctx.state.metrics;
    let Some(media) = negotiate(&headers) else {
        return not_acceptable(&ctx);
    };
    if !is_json(&headers) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "POST requests must have Content-Type: application/json",
            metrics,
        );
    }
    let limit = ctx.state.config.max_body_bytes;
    let read_timeout = ctx.state.config.body_read_timeout;
    let read = tokio::time::timeout(read_timeout, axum::body::to_bytes(body, limit)).await;
    let Ok(read) = read else {
        return request_error(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::Timeout,
            &format!(
                "the request body did not arrive within {} ms",
                read_timeout.as_millis()
            ),
            metrics,
        );
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(err) => {
            let too_large = std::error::Error::source(&err)
                .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            return if too_large {
                request_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    &format!("the request body exceeds {limit} bytes"),
                    metrics,
                )
            } else {
                request_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    "the request body could not be read",
                    metrics,
                )
            };
        }
    };
    // The common case in one pass; anything that does not read as a request is read again
    // through a JSON value, to say what is wrong with it. An array is never read as a request
    // (serde would take one as the struct's fields in order).
    let array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let direct = match array {
        true => None,
        false => serde_json::from_slice::<GraphqlBody>(&bytes).ok(),
    };
    let body = match direct.ok_or_else(|| serde_json::from_slice::<Value>(&bytes)) {
        Ok(body) => body,
        Err(Err(_)) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "the request body is not valid JSON",
                metrics,
            );
        }
        Err(Ok(Value::Array(_))) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "batched requests are not supported",
                metrics,
            );
        }
        Err(Ok(value)) => match serde_json::from_value::<GraphqlBody>(value) {
            Ok(body) => body,
            Err(err) => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    &format!("the request body is not a GraphQL request: {err}"),
                    metrics,
                );
            }
        },
    };
    execute(
        &ctx,
        ctx.state
            .config
            .trusted_proxies
            .client(client.as_ref().ok().map(|c| c.0), &headers),
        &headers,
        body,
        Transport::HttpPost,
        media,
    )
    .await
}

fn not_acceptable(ctx: &HttpContext) -> Response {
    request_error(
        StatusCode::NOT_ACCEPTABLE,
        ErrorCode::NotAcceptable,
        "accept application/graphql-response+json or application/json",
        &ctx.state.metrics,
    )
}

/// `application/json` (any charset parameter must be UTF-8).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or("").trim();
    let charset_ok = parts.all(|p| {
        let p = p.trim().to_ascii_lowercase();
        !p.starts_with("charset=") || matches!(p.as_str(), "charset=utf-8" | "charset=\"utf-8\"")
    });
    essence.eq_ignore_ascii_case("application/json") && charset_ok
}

/// What the token check found for a signed-in request: the user as loaded, their access
/// version, and what else it read for the document (request data, all three).
type Checked = (SignedInUser, AccessStamp, TokenReads);

/// The viewer named by the `Authorization` header, with the user record loaded to check it (and
/// what the document may need besides, read in the same statement): anonymous without one,
/// `None` when it does not verify or names a user who may no longer sign in.
async fn viewer(
    ctx: &HttpContext,
    headers: &HeaderMap,
    query: &str,
) -> Option<(Viewer, Option<Checked>)> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Some((Viewer::Anonymous, None));
    };
    let token = value.to_str().ok().and_then(bearer_token)?;
    IdentityService::new(&ctx.state)
        .verify_token_kept(token, WantedReads::for_document(query))
        .await
        .ok()
        .map(|check| {
            (
                check.viewer,
                Some((
                    SignedInUser(check.record),
                    AccessStamp(check.version),
                    check.reads,
                )),
            )
        })
}

/// The root fields that work whatever the `Authorization` header says.
pub const SESSION_MUTATIONS: [&str; 3] = ["signIn", "refreshSession", "signOut"];

/// Whether the operation to run is a mutation that selects only [`SESSION_MUTATIONS`] (and
/// `__typename`). Anything that does not parse, or is ambiguous, is not.
fn only_session_mutations(query: &str, operation_name: Option<&str>, max_nesting: usize) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
    if crate::graphql::guardrails::nesting_depth(query, max_nesting) > max_nesting {
        return false;
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let operation = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => match operations.get(name) {
            Some(operation) => operation,
            None => return false,
        },
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            match operations.values().next() {
                Some(operation) => operation,
                None => return false,
            }
        }
        (DocumentOperations::Multiple(_), None) => return false,
    };
    let items = &operation.node.selection_set.node.items;
    operation.node.ty == OperationType::Mutation
        && !items.is_empty()
        && items.iter().all(|item| match &item.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                name == "__typename" || SESSION_MUTATIONS.contains(&name)
            }
            Selection::FragmentSpread(_) | Selection::InlineFragment(_) => false,
        })
}

fn unauthenticated(ctx: &HttpContext) -> Response {
    let mut response = request_error(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
        "the access token is invalid or expired",
        &ctx.state.metrics,
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

pub(super) fn request_id(headers: &HeaderMap) -> Arc<str> {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(Arc::from)
        .unwrap_or_else(|| Arc::from(uuid::Uuid::now_v7().to_string()))
}

async fn execute(
    ctx: &HttpContext,
    client: Option<IpAddr>,
    headers: &HeaderMap,
    body: GraphqlBody,
    transport: Transport,
    media: MediaType,
) -> Response {
    let metrics = &ctx.state.metrics;
    let started = Instant::now();
    let Some(query) = body.query.filter(|q| !q.trim().is_empty()) else {
        return request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "the request has no query",
            metrics,
        );
    };
    let (viewer, signed_in) = match viewer(ctx, headers, &query).await {
        Some(found) => found,
        // The session mutations carry their own credentials: a client that attaches its stale
        // token to every request can still sign in, refresh or sign out.
        None if only_session_mutations(
            &query,
            body.operation_name.as_deref(),
            ctx.state.config.limits.max_nesting,
        ) =>
        {
            (Viewer::Anonymous, None)
        }
        None => return unauthenticated(ctx),
    };
    let info = RequestInfo::new(transport, request_id(headers), body.operation_name.clone());
    let mut request = async_graphql::Request::new(query)
        .data(viewer)
        .data(info.clone())
        .data(ClientAddr(client))
        .data(LazyLoaders::default());
    if let Some((signed_in, stamp, reads)) = signed_in {
        request = request.data(signed_in).data(stamp).data(reads);
    }
    if let Some(name) = body.operation_name {
        request = request.operation_name(name);
    }
    // A query the guardrails accepted before runs without them (`AcceptedDocuments`); its
    // errors get the code the guardrails' resolve hook would have given them.
    let mut schema = &ctx.schema;
    let mut unguarded = false;
    match body.variables {
        Some(variables) if !variables.is_empty() => {
            request = request.variables(Variables::from_json(Value::Object(variables)));
        }
        _ if ctx.state.config.reuse_accepted_documents => {
            if let Some((document, plain)) = ctx
                .accepted
                .get(&request.query, request.operation_name.as_deref())
            {
                request.set_parsed_query((*document).clone());
                info.accept_again(document);
                metrics.document_reused();
                (schema, unguarded) = (plain, true);
            }
        }
        _ => {}
    }
    let timeout = ctx.state.config.request_timeout;
    let response = match tokio::time::timeout(timeout, schema.execute(request)).await {
        Ok(mut response) => {
            if unguarded {
                response.errors = std::mem::take(&mut response.errors)
                    .into_iter()
                    .map(resolving_error)
                    .collect();
            }
            graphql_response(
                response,
                &info,
                media,
                metrics,
                ctx.state.config.max_response_bytes,
                &ctx.shape,
            )
        }
        Err(_) => request_error(
            StatusCode::GATEWAY_TIMEOUT,
            ErrorCode::Timeout,
            &format!("the request did not finish within {} s", timeout.as_secs()),
            metrics,
        ),
    };
    metrics.record_operation(info.kind(), started.elapsed());
    response
}
