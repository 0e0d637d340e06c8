//! Request guardrails as one async-graphql extension: transport rules that depend on the
//! operation (no mutations over GET, no subscriptions over HTTP), the depth, complexity and alias
//! limits, and an error code on every parse and validation error.
//!
//! It also records, in the request's [`RequestInfo`], the operation type (for metrics) and
//! whether the operation was accepted for execution: the HTTP layer needs that to answer
//! GraphQL-over-HTTP status codes, and the WebSocket layer to choose `error` over `next`.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicBool, Ordering},
};

use async_graphql::{
    ServerError, ServerResult, ValidationResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, NextValidation,
        ResolveInfo,
    },
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
    },
};

use crate::{
    config::QueryLimits,
    error::{ErrorCode, code_of, set_code},
    metrics::OperationKind,
};

/// How a request arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// HTTP GET: queries only.
    HttpGet,
    /// HTTP POST: queries and mutations.
    HttpPost,
    /// A graphql-transport-ws subscription message: every operation type.
    WebSocket,
}

/// Facts about one GraphQL request, shared between the transport and the extension.
#[derive(Debug)]
pub struct RequestInfo {
    /// How the request arrived.
    pub transport: Transport,
    /// The request id (also in logs and in internal errors).
    pub request_id: Arc<str>,
    operation_name: Option<String>,
    kind: OnceLock<OperationKind>,
    accepted: AtomicBool,
    document: OnceLock<Arc<ExecutableDocument>>,
}

impl RequestInfo {
    /// A fresh record for one request.
    pub fn new(
        transport: Transport,
        request_id: Arc<str>,
        operation_name: Option<String>,
    ) -> Arc<RequestInfo> {
        Arc::new(RequestInfo {
            transport,
            request_id,
            operation_name,
            kind: OnceLock::new(),
            accepted: AtomicBool::new(false),
            document: OnceLock::new(),
        })
    }

    /// The operation type, once the document was parsed and the operation chosen.
    pub fn kind(&self) -> OperationKind {
        self.kind.get().copied().unwrap_or(OperationKind::Invalid)
    }

    /// The parsed document, once it passed the parse-time checks (the response shaping walks
    /// it after execution).
    pub fn document(&self) -> Option<&ExecutableDocument> {
        self.document.get().map(|document| &**document)
    }

    /// The operation name the client sent.
    pub fn operation_name(&self) -> Option<&str> {
        self.operation_name.as_deref()
    }

    /// Whether the operation passed parsing and validation (so it was, or will be, executed).
    pub fn accepted(&self) -> bool {
        self.accepted.load(Ordering::Acquire)
    }
}

/// The extension factory added to the schema.
pub struct Guardrails {
    /// The configured limits.
    pub limits: QueryLimits,
}

impl ExtensionFactory for Guardrails {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardrailsExtension {
            limits: self.limits,
            introspection_only: AtomicBool::new(false),
        })
    }
}

struct GuardrailsExtension {
    limits: QueryLimits,
    introspection_only: AtomicBool,
}

fn error(code: ErrorCode, message: impl Into<String>) -> ServerError {
    let mut err = ServerError::new(message, None);
    set_code(&mut err, code);
    err
}

fn with_default_code(mut err: ServerError, code: ErrorCode) -> ServerError {
    if code_of(&err).is_none() {
        set_code(&mut err, code);
    }
    err
}

#[async_trait::async_trait]
impl Extension for GuardrailsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let nesting = nesting_depth(query, self.limits.max_nesting);
        if nesting > self.limits.max_nesting {
            return Err(error(
                ErrorCode::QueryTooComplex,
                format!(
                    "the document nests more than {} levels deep (selections, lists, objects)",
                    self.limits.max_nesting
                ),
            ));
        }
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(|err| with_default_code(err, ErrorCode::GraphqlParseFailed))?;
        let info = ctx.data_opt::<Arc<RequestInfo>>();

        let lists = introspection_lists(&doc);
        if lists > self.limits.max_introspection_lists {
            return Err(error(
                ErrorCode::QueryTooComplex,
                format!(
                    "the introspection chains {lists} list fields on one path; the limit is {}",
                    self.limits.max_introspection_lists
                ),
            ));
        }
        let aliases = count_aliases(&doc);
        if aliases > self.limits.max_aliases {
            return Err(error(
                ErrorCode::QueryTooComplex,
                format!(
                    "the operation uses {aliases} aliases; the limit is {}",
                    self.limits.max_aliases
                ),
            ));
        }

        let operation_name = info.and_then(|info| info.operation_name.as_deref());
        let operation = match (&doc.operations, operation_name) {
            (DocumentOperations::Single(op), None) => op,
            (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
                ops.values().next().ok_or_else(|| {
                    error(
                        ErrorCode::GraphqlValidationFailed,
                        "the document has no operation",
                    )
                })?
            }
            (DocumentOperations::Multiple(_), None) => {
                return Err(error(
                    ErrorCode::GraphqlValidationFailed,
                    "the document has several operations: operationName is required",
                ));
            }
            (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).ok_or_else(|| {
                error(
                    ErrorCode::GraphqlValidationFailed,
                    format!("unknown operation named \"{name}\""),
                )
            })?,
            (DocumentOperations::Single(_), Some(name)) => {
                return Err(error(
                    ErrorCode::GraphqlValidationFailed,
                    format!("unknown operation named \"{name}\""),
                ));
            }
        };
        // Coercing variable values is part of the request, not of execution: a required variable
        // that is missing makes the request invalid (async-graphql would only notice when the
        // field using it runs).
        for definition in &operation.node.variable_definitions {
            let definition = &definition.node;
            let provided = variables
                .get(&definition.name.node)
                .is_some_and(|value| *value != async_graphql::Value::Null);
            if !definition.var_type.node.nullable && definition.default_value.is_none() && !provided
            {
                return Err(error(
                    ErrorCode::GraphqlValidationFailed,
                    format!(
                        "variable ${} of type {} was not provided",
                        definition.name.node, definition.var_type.node
                    ),
                ));
            }
        }
        let ty = operation.node.ty;
        let kind = match ty {
            OperationType::Query => OperationKind::Query,
            OperationType::Mutation => OperationKind::Mutation,
            OperationType::Subscription => OperationKind::Subscription,
        };
        if let Some(info) = info {
            let _ = info.kind.set(kind);
            match (info.transport, ty) {
                (Transport::HttpGet, OperationType::Mutation) => {
                    return Err(error(
                        ErrorCode::MethodNotAllowed,
                        "mutations must be sent with POST",
                    ));
                }
                (Transport::HttpGet | Transport::HttpPost, OperationType::Subscription) => {
                    return Err(error(
                        ErrorCode::BadRequest,
                        "subscriptions need the WebSocket transport (graphql-transport-ws) on /graphql",
                    ));
                }
                _ => {}
            }
        }
        self.introspection_only.store(
            is_introspection_only(&operation.node.selection_set.node),
            Ordering::Relaxed,
        );
        if let Some(info) = info {
            let _ = info.document.set(Arc::new(doc.clone()));
        }
        Ok(doc)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<async_graphql::Value>> {
        // Every error our resolvers return carries a code (they return `AppError`). One without a
        // code comes from async-graphql turning an argument value into its type (an ID, a date, a
        // variable it could not coerce): that is the client's input.
        // Resolving (introspection above all) may never wait on anything; spending the task's
        // cooperative budget here makes it yield now and then, so the request timeout can fire
        // and other requests (and `/healthz`) get the thread.
        tokio::task::coop::consume_budget().await;
        next.run(ctx, info)
            .await
            .map_err(|err| with_default_code(err, ErrorCode::BadUserInput))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|err| with_default_code(err, ErrorCode::GraphqlValidationFailed))
                .collect::<Vec<_>>()
        })?;
        // The standard introspection query (GraphiQL's) is deeper than any sensible data query;
        // it is bounded by the recursion limit and by the introspection switch instead.
        if !self.introspection_only.load(Ordering::Relaxed) {
            if result.depth > self.limits.max_depth {
                return Err(vec![error(
                    ErrorCode::QueryTooComplex,
                    format!(
                        "the operation is nested {} levels deep; the limit is {}",
                        result.depth, self.limits.max_depth
                    ),
                )]);
            }
            if result.complexity > self.limits.max_complexity {
                return Err(vec![error(
                    ErrorCode::QueryTooComplex,
                    format!(
                        "the operation has complexity {}; the limit is {}",
                        result.complexity, self.limits.max_complexity
                    ),
                )]);
            }
        }
        if let Some(info) = ctx.data_opt::<Arc<RequestInfo>>() {
            info.accepted.store(true, Ordering::Release);
        }
        Ok(result)
    }
}

/// Aliased fields in every operation and fragment of the document.
fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + walk(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node))
        .sum();
    let fragments: usize = doc
        .fragments
        .values()
        .map(|fragment| walk(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

/// Whether every root field is `__schema`, `__type` or `__typename` (fragments count as data).
fn is_introspection_only(set: &SelectionSet) -> bool {
    set.items.iter().all(|selection| match &selection.node {
        Selection::Field(field) => field.node.name.node.starts_with("__"),
        _ => false,
    })
}

/// How deeply `query` nests `{`, `[` and `(` (selections, list and object values, arguments),
/// found by a scan that skips strings, block strings and comments: it runs before the parser,
/// whose recursion a deeply nested value would otherwise overflow. Stops counting past `limit`.
pub fn nesting_depth(query: &str, limit: usize) -> usize {
    let bytes = query.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped delimiter inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > limit {
                    return deepest;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Introspection fields whose value is a list: chained, each multiplies the response.
const INTROSPECTION_LISTS: &[&str] = &[
    "types",
    "fields",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "args",
    "directives",
];

/// The most list-valued introspection fields chained on one path below `__schema` or `__type`,
/// through fragments (each fragment is measured once; a fragment cycle, which validation refuses
/// later, counts as nothing).
fn introspection_lists(doc: &ExecutableDocument) -> usize {
    use std::collections::{HashMap, HashSet};

    /// Below `__schema` / `__type`: every field is an introspection field.
    fn walk<'a>(
        set: &'a SelectionSet,
        doc: &'a ExecutableDocument,
        memo: &mut HashMap<&'a str, Option<usize>>,
    ) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    usize::from(INTROSPECTION_LISTS.contains(&name))
                        + walk(&field.node.selection_set.node, doc, memo)
                }
                Selection::InlineFragment(fragment) => {
                    walk(&fragment.node.selection_set.node, doc, memo)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match memo.get(name) {
                        Some(Some(found)) => *found,
                        Some(None) => 0,
                        None => {
                            memo.insert(name, None);
                            let found = doc
                                .fragments
                                .get(&spread.node.fragment_name.node)
                                .map_or(0, |fragment| {
                                    walk(&fragment.node.selection_set.node, doc, memo)
                                });
                            memo.insert(name, Some(found));
                            found
                        }
                    }
                }
            })
            .max()
            .unwrap_or(0)
    }
    /// At the root of an operation (or in a fragment spread there).
    fn walk_root<'a>(
        set: &'a SelectionSet,
        doc: &'a ExecutableDocument,
        memo: &mut HashMap<&'a str, Option<usize>>,
        seen: &mut HashSet<&'a str>,
    ) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if name == "__schema" || name == "__type" {
                        walk(&field.node.selection_set.node, doc, memo)
                    } else {
                        0
                    }
                }
                Selection::InlineFragment(fragment) => {
                    walk_root(&fragment.node.selection_set.node, doc, memo, seen)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if !seen.insert(name) {
                        return 0;
                    }
                    doc.fragments
                        .get(&spread.node.fragment_name.node)
                        .map_or(0, |fragment| {
                            walk_root(&fragment.node.selection_set.node, doc, memo, seen)
                        })
                }
            })
            .max()
            .unwrap_or(0)
    }
    let mut memo = HashMap::new();
    let mut seen = HashSet::new();
    doc.operations
        .iter()
        .map(|(_, op)| walk_root(&op.node.selection_set.node, doc, &mut memo, &mut seen))
        .max()
        .unwrap_or(0)
}
