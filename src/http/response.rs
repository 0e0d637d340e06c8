//! Turning GraphQL responses into what clients receive: every error gets a stable code, internal
//! errors are masked (with the request id), errors are counted; and the GraphQL-over-HTTP rules
//! for media types and status codes.

use async_graphql::{Response as GqlResponse, ServerError};
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use crate::{
    error::{ErrorCode, code_of, set_code, split_field_problems},
    graphql::{guardrails::RequestInfo, shape::ResponseShape},
    metrics::Metrics,
};

/// The two response media types of GraphQL over HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MediaType {
    /// `application/graphql-response+json`: status codes follow the outcome.
    GraphqlResponse,
    /// `application/json`: the legacy type, 200 for every well-formed request.
    Json,
}

impl MediaType {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }
}

/// How specifically an `Accept` media range names a type: `*/*` < `application/*` < exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Specificity {
    AnyType,
    AnySubtype,
    Exact,
}

/// The quality `accept` gives `media` (RFC 9110 §12.5.1: the most specific matching range
/// decides; q=0 refuses), with how it was matched. `None` when no range matches.
fn quality(accept: &[&str], media: MediaType) -> Option<(f32, Specificity)> {
    let essence = match media {
        MediaType::GraphqlResponse => "application/graphql-response+json",
        MediaType::Json => "application/json",
    };
    let mut found: Option<(f32, Specificity)> = None;
    for range in accept.iter().flat_map(|v| v.split(',')) {
        let mut parts = range.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let specificity = match name.as_str() {
            "*/*" => Specificity::AnyType,
            "application/*" => Specificity::AnySubtype,
            other if other == essence => Specificity::Exact,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| {
                let (key, value) = p.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| value.trim().parse::<f32>().ok())?
            })
            .next()
            .unwrap_or(1.0);
        if found.is_none_or(|(_, best)| specificity > best) {
            found = Some((q, specificity));
        }
    }
    found
}

/// Chooses the response media type from `Accept`:
/// - no header (or an empty one): `application/json`, as the GraphQL-over-HTTP spec asks for
///   clients that predate `application/graphql-response+json`;
/// - otherwise the type with the higher quality wins, each type taking the quality of the most
///   specific range that matches it (so `*/*, application/json;q=0` is
///   `application/graphql-response+json`);
/// - on equal quality a type the client named explicitly beats one only a wildcard matched;
///   when both are named, `application/graphql-response+json` wins; when only wildcards match
///   (`*/*`, `application/*`, as curl and many HTTP libraries send), `application/json`, the
///   type every client understands.
///
/// `None` when neither type is acceptable (then the answer is `406`).
pub(super) fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if accept.iter().all(|v| v.trim().is_empty()) {
        return Some(MediaType::Json);
    }
    let acceptable = |media| quality(&accept, media).filter(|(q, _)| *q > 0.0);
    match (
        acceptable(MediaType::GraphqlResponse),
        acceptable(MediaType::Json),
    ) {
        (None, None) => None,
        (Some(_), None) => Some(MediaType::GraphqlResponse),
        (None, Some(_)) => Some(MediaType::Json),
        (Some((modern_q, modern_how)), Some((json_q, _))) => {
            if modern_q != json_q {
                Some(if modern_q > json_q {
                    MediaType::GraphqlResponse
                } else {
                    MediaType::Json
                })
            } else if modern_how == Specificity::Exact {
                Some(MediaType::GraphqlResponse)
            } else {
                // `application/json` named explicitly, or both matched by wildcards only.
                Some(MediaType::Json)
            }
        }
    }
}

/// Whether `Accept` asks for HTML (a browser navigating to the endpoint).
pub(super) fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// An error response for a request that never reached GraphQL execution.
pub(super) fn request_error(
    status: StatusCode,
    code: ErrorCode,
    message: &str,
    metrics: &Metrics,
) -> Response {
    metrics.record_error(code);
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

/// Gives every error a code, masks internal ones, and counts them. An input with several
/// invalid fields becomes one `BAD_USER_INPUT` error per field here, before counting.
pub(crate) fn finish_errors(errors: &mut Vec<ServerError>, info: &RequestInfo, metrics: &Metrics) {
    split_field_problems(errors);
    for err in errors.iter_mut() {
        let code = match code_of(err) {
            Some(code) => code,
            // Without a code: before execution it is the validator's; during execution it is
            // something no service mapped, so it is treated as internal.
            None if !info.accepted() => ErrorCode::GraphqlValidationFailed,
            None => {
                tracing::error!(request_id = %info.request_id, error = %err.message, path = ?err.path, "unmapped error in a resolver");
                err.message = "internal error".to_owned();
                ErrorCode::Internal
            }
        };
        set_code(err, code);
        if code == ErrorCode::Internal {
            err.extensions
                .get_or_insert_with(Default::default)
                .set("requestId", &*info.request_id);
        }
        metrics.record_error(code);
    }
}

/// Orders the response's `data` by the selection and propagates nulls as the specification says.
pub(crate) fn shape_data(shape: &ResponseShape, info: &RequestInfo, response: &mut GqlResponse) {
    if let Some(document) = info.document() {
        shape.apply(
            document,
            info.operation_name(),
            &mut response.data,
            &response.errors,
        );
    }
}

/// The JSON of a GraphQL response: `data` only when execution started.
pub(crate) fn response_json(response: &GqlResponse, executed: bool) -> Value {
    let mut body = Map::new();
    if executed {
        body.insert(
            "data".to_owned(),
            serde_json::to_value(&response.data).unwrap_or(Value::Null),
        );
    }
    if !response.errors.is_empty() {
        body.insert(
            "errors".to_owned(),
            serde_json::to_value(&response.errors).unwrap_or_else(|_| json!([])),
        );
    }
    if !response.extensions.is_empty() {
        body.insert(
            "extensions".to_owned(),
            serde_json::to_value(&response.extensions).unwrap_or(Value::Null),
        );
    }
    Value::Object(body)
}

/// The body of a GraphQL response, serialized without an intermediate copy.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

/// A writer that refuses to grow past a limit.
struct Limited {
    bytes: Vec<u8>,
    limit: usize,
}

impl std::io::Write for Limited {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    // The serializer writes a response in many small pieces (a quote, a key, a comma), each
    // through `write_all`: one check and one copy each, inlined, rather than the default
    // `write_all`'s loop around an outlined `write`.
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.bytes.len() + buf.len() > self.limit {
            return Err(std::io::Error::other("response too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The JSON text of a GraphQL response (`data` only when execution started), or `None` when it
/// would pass `limit` bytes: serializing stops there.
pub(crate) fn response_bytes(
    response: &GqlResponse,
    executed: bool,
    limit: usize,
) -> Option<Vec<u8>> {
    let body = Body {
        data: executed.then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    // Most answers fit in the first allocation; larger ones grow from there.
    let mut out = Limited {
        bytes: Vec::with_capacity(limit.min(4096)),
        limit,
    };
    serde_json::to_writer(&mut out, &body).ok()?;
    Some(out.bytes)
}

/// The error answered instead of a response larger than `limit` bytes.
pub(crate) fn too_large_error(limit: usize) -> ServerError {
    let mut err = ServerError::new(
        format!(
            "the response would exceed {limit} bytes; ask for less (fewer fields, smaller pages)"
        ),
        None,
    );
    crate::error::set_code(&mut err, ErrorCode::QueryTooComplex);
    err
}

/// The HTTP answer to an executed (or refused) GraphQL request.
pub(super) fn graphql_response(
    mut response: GqlResponse,
    info: &RequestInfo,
    media: MediaType,
    metrics: &Metrics,
    max_response_bytes: usize,
    shape: &ResponseShape,
) -> Response {
    finish_errors(&mut response.errors, info, metrics);
    let executed = info.accepted();
    if executed {
        shape_data(shape, info, &mut response);
    }
    let refused_get = response
        .errors
        .iter()
        .any(|err| code_of(err) == Some(ErrorCode::MethodNotAllowed));
    let (body, too_large) = match response_bytes(&response, executed, max_response_bytes) {
        Some(bytes) => (bytes, false),
        None => {
            metrics.record_error(ErrorCode::QueryTooComplex);
            let refused = GqlResponse::from_errors(vec![too_large_error(max_response_bytes)]);
            (
                response_bytes(&refused, false, usize::MAX).unwrap_or_default(),
                true,
            )
        }
    };
    let status = if too_large && media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else if refused_get {
        StatusCode::METHOD_NOT_ALLOWED
    } else if executed || media == MediaType::Json {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut http = (status, body).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    if refused_get {
        http.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    http
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn accept_headers_are_negotiated_by_quality() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("")), Some(MediaType::Json));
        assert_eq!(
            negotiate(&accept("application/json")),
            Some(MediaType::Json)
        );
        assert_eq!(
            negotiate(&accept("application/graphql-response+json")),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(MediaType::Json)
        );
        // A tie between explicit types: the spec's type.
        assert_eq!(
            negotiate(&accept(
                "application/json, application/graphql-response+json"
            )),
            Some(MediaType::GraphqlResponse)
        );
        // Wildcards alone: the type every client understands.
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("application/*")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("*/*;q=0.8")), Some(MediaType::Json));
        // A named type beats a wildcard of the same quality.
        assert_eq!(
            negotiate(&accept("application/graphql-response+json, */*")),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "text/html, application/graphql-response+json;q=0.9, */*;q=0.9"
            )),
            Some(MediaType::GraphqlResponse)
        );
        // The most specific range decides a type's quality.
        assert_eq!(
            negotiate(&accept("*/*, application/json;q=0")),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept("*/*, application/graphql-response+json;q=0.5")),
            Some(MediaType::Json)
        );
        assert_eq!(
            negotiate(&accept("application/*;q=0, application/json")),
            Some(MediaType::Json)
        );
        assert_eq!(negotiate(&accept("text/plain")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
        assert_eq!(negotiate(&accept("*/*;q=0")), None);
    }
}
