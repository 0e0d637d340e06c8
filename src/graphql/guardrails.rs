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

    /// Records what the guardrails would have recorded for a query whose document they
    /// accepted before ([`DocumentCache::accepted`]): it runs without them.
    pub(crate) fn accept_again(&self, document: Arc<ExecutableDocument>) {
        let _ = self.kind.set(OperationKind::Query);
        let _ = self.document.set(document);
        self.accepted.store(true, Ordering::Release);
    }
}

/// The extension factory added to the schema.
pub struct Guardrails {
    /// The configured limits.
    pub limits: QueryLimits,
    /// Documents that passed the parse-time checks, shared by every request of the schema.
    pub documents: Arc<DocumentCache>,
}

impl Guardrails {
    /// Guardrails with `limits` and an empty document cache.
    pub fn new(limits: QueryLimits) -> Guardrails {
        Guardrails {
            limits,
            documents: Arc::new(DocumentCache::default()),
        }
    }
}

impl ExtensionFactory for Guardrails {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardrailsExtension {
            limits: self.limits,
            documents: self.documents.clone(),
            prepared: OnceLock::new(),
        })
    }
}

/// Longest query text kept in the [`DocumentCache`]; longer documents are parsed every time.
const MAX_CACHED_QUERY: usize = 16 * 1024;
/// Documents kept before the cache starts again from empty (so a client sending ever new
/// documents costs a re-parse of the common ones now and then, never unbounded memory).
const MAX_CACHED_DOCUMENTS: usize = 512;

/// Parsed documents by query text, each with the checks already passed and its validation
/// result when it was validated without variables. An application sends the same few documents
/// over and over: parsing (a PEG parser) and validating them was about a tenth of the home
/// page's CPU. What is cached depends only on the text and the schema, never on the viewer.
#[derive(Default)]
pub struct DocumentCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, Arc<Prepared>>>,
}

impl DocumentCache {
    fn get(&self, query: &str) -> Option<Arc<Prepared>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(query)
            .cloned()
    }

    fn insert(&self, query: &str, prepared: Arc<Prepared>) {
        if query.len() > MAX_CACHED_QUERY {
            return;
        }
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_CACHED_DOCUMENTS {
            entries.clear();
        }
        entries.insert(query.to_owned(), prepared);
    }

    /// How many documents are cached (for tests).
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The document of `query` when the guardrails accepted its operation `operation_name`
    /// before, sent without variables, and it may run again without them: a query (so any
    /// transport may send it) with no `__schema`, `__type` or fragment at its root (so no
    /// introspection, whose resolving the guardrails' per-field hook keeps yielding). Only for a request that
    /// sends no variables either: nothing else the guardrails check depends on the request.
    pub fn accepted(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Option<Arc<ExecutableDocument>> {
        let prepared = self.get(query)?;
        let validated = prepared
            .validated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .any(|(name, _, again)| *again && name.as_deref() == operation_name);
        validated.then(|| prepared.document.clone())
    }
}

/// A document that passed the parse-time checks.
struct Prepared {
    document: Arc<ExecutableDocument>,
    /// Validation results without variables, by operation name (validation with variables
    /// depends on their values and always runs), each with whether the operation may run again
    /// without the guardrails (see [`DocumentCache::accepted`]).
    validated: std::sync::Mutex<Vec<(Option<String>, ValidationResult, bool)>>,
}

impl Prepared {
    fn validated(&self, operation_name: Option<&str>) -> Option<ValidationResult> {
        self.validated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(name, _, _)| name.as_deref() == operation_name)
            .map(|(_, result, _)| *result)
    }

    fn remember(&self, operation_name: Option<&str>, result: ValidationResult, again: bool) {
        let mut validated = self
            .validated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if validated.len() < 16
            && !validated
                .iter()
                .any(|(name, _, _)| name.as_deref() == operation_name)
        {
            validated.push((operation_name.map(str::to_owned), result, again));
        }
    }
}

struct GuardrailsExtension {
    limits: QueryLimits,
    documents: Arc<DocumentCache>,
    /// This request's document and what the validation hook needs to know of it.
    prepared: OnceLock<ThisRequest>,
}

/// What the parse hook found for the validation hook.
struct ThisRequest {
    prepared: Arc<Prepared>,
    /// Every root field is `__schema`, `__type` or `__typename`.
    introspection_only: bool,
    /// No variables were sent: the validation result may be kept.
    cacheable: bool,
    /// A query with no `__schema`, `__type` or fragment among its root selections.
    again: bool,
}

/// Gives an error raised while resolving a field the code it lacks. Every error our resolvers
/// return carries a code (they return `AppError`); one without a code comes from async-graphql
/// turning an argument value into its type (an ID, a date, a variable it could not coerce):
/// that is the client's input.
pub fn resolving_error(err: ServerError) -> ServerError {
    with_default_code(err, ErrorCode::BadUserInput)
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

impl GuardrailsExtension {
    /// The error for an operation past the depth or complexity limit. The standard
    /// introspection query (GraphiQL's) is deeper than any sensible data query; it is bounded
    /// by the recursion limit and by the introspection switch instead.
    fn over_limits(
        &self,
        result: &ValidationResult,
        introspection_only: bool,
    ) -> Option<ServerError> {
        if introspection_only {
            None
        } else if result.depth > self.limits.max_depth {
            Some(error(
                ErrorCode::QueryTooComplex,
                format!(
                    "the operation is nested {} levels deep; the limit is {}",
                    result.depth, self.limits.max_depth
                ),
            ))
        } else if result.complexity > self.limits.max_complexity {
            Some(error(
                ErrorCode::QueryTooComplex,
                format!(
                    "the operation has complexity {}; the limit is {}",
                    result.complexity, self.limits.max_complexity
                ),
            ))
        } else {
            None
        }
    }

    /// Parses `query` with the checks that depend on its text alone: nesting before the parser
    /// runs, then introspection lists and aliases.
    async fn parse_and_check(
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
        Ok(doc)
    }
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
        let cached = self.documents.get(query);
        let prepared = match cached {
            Some(prepared) => prepared,
            None => {
                let doc = self.parse_and_check(ctx, query, variables, next).await?;
                let prepared = Arc::new(Prepared {
                    document: Arc::new(doc),
                    validated: std::sync::Mutex::new(Vec::new()),
                });
                self.documents.insert(query, prepared.clone());
                prepared
            }
        };
        let doc = &*prepared.document;
        let info = ctx.data_opt::<Arc<RequestInfo>>();

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
        let root = &operation.node.selection_set.node;
        let introspection_only = is_introspection_only(root);
        let again = ty == OperationType::Query && !reads_the_schema(root);
        if let Some(info) = info {
            let _ = info.document.set(prepared.document.clone());
        }
        let document = doc.clone();
        let _ = self.prepared.set(ThisRequest {
            prepared,
            introspection_only,
            cacheable: variables.is_empty(),
            again,
        });
        Ok(document)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<async_graphql::Value>> {
        // Resolving (introspection above all) may never wait on anything; spending the task's
        // cooperative budget here makes it yield now and then, so the request timeout can fire
        // and other requests (and `/healthz`) get the thread.
        tokio::task::coop::consume_budget().await;
        next.run(ctx, info).await.map_err(resolving_error)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let operation_name = ctx
            .data_opt::<Arc<RequestInfo>>()
            .and_then(|info| info.operation_name());
        let this = self.prepared.get();
        let introspection_only = this.is_some_and(|this| this.introspection_only);
        let cacheable = this.filter(|this| this.cacheable);
        let result = match cacheable.and_then(|this| this.prepared.validated(operation_name)) {
            Some(result) => result,
            None => {
                let result = next.run(ctx).await.map_err(|errors| {
                    errors
                        .into_iter()
                        .map(|err| with_default_code(err, ErrorCode::GraphqlValidationFailed))
                        .collect::<Vec<_>>()
                })?;
                if let Some(this) = cacheable {
                    // Only an operation within the limits may run again without the guardrails.
                    let again =
                        this.again && self.over_limits(&result, introspection_only).is_none();
                    this.prepared.remember(operation_name, result, again);
                }
                result
            }
        };
        if let Some(err) = self.over_limits(&result, introspection_only) {
            return Err(vec![err]);
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

/// Whether the root selection may read the schema: a `__schema` or `__type` field, or a
/// fragment (which might hold one).
fn reads_the_schema(set: &SelectionSet) -> bool {
    set.items.iter().any(|selection| match &selection.node {
        Selection::Field(field) => matches!(field.node.name.node.as_str(), "__schema" | "__type"),
        _ => true,
    })
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
