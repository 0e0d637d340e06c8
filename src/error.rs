//! One error type for the whole server and the stable codes clients switch on.
//!
//! Every failure a client can see carries `extensions.code` from [`ErrorCode`]. Internal failures
//! are logged in full where they happen and reach the client only as "internal error" plus the
//! request id, so no SQL, path or driver text ever leaks.

use std::fmt;

use async_graphql::ErrorExtensionValues;

/// The stable error codes of the API. Clients switch on these, never on message text; the list is
/// pinned by a test, so adding or renaming one is a deliberate API change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No valid credentials: missing, expired, tampered token, or a disabled account.
    Unauthenticated,
    /// The viewer is known but may not do this.
    Forbidden,
    /// The object does not exist or is not visible to the viewer.
    NotFound,
    /// An input value is invalid; `extensions.field` names it.
    BadUserInput,
    /// The change collides with existing data (for example a duplicate email).
    Conflict,
    /// The object is not in a state that allows this change.
    InvalidState,
    /// Too many attempts; retry later.
    RateLimited,
    /// The operation exceeds the depth, complexity or alias limits.
    QueryTooComplex,
    /// The document is not valid GraphQL syntax.
    GraphqlParseFailed,
    /// The document does not validate against the schema, its variables do not fit, or the
    /// operation to run cannot be determined.
    GraphqlValidationFailed,
    /// The HTTP request is not a well-formed GraphQL-over-HTTP request.
    BadRequest,
    /// The request used an HTTP method that is not allowed for it (mutations need POST).
    MethodNotAllowed,
    /// A POST body was not `application/json`.
    UnsupportedMediaType,
    /// The client accepts no media type the server can produce.
    NotAcceptable,
    /// The request body exceeds the configured limit.
    PayloadTooLarge,
    /// The request did not finish within the configured time.
    Timeout,
    /// Something failed inside the server; details are in the log under the request id.
    Internal,
}

impl ErrorCode {
    /// Every code, in documentation order.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::BadUserInput,
        ErrorCode::Conflict,
        ErrorCode::InvalidState,
        ErrorCode::RateLimited,
        ErrorCode::QueryTooComplex,
        ErrorCode::GraphqlParseFailed,
        ErrorCode::GraphqlValidationFailed,
        ErrorCode::BadRequest,
        ErrorCode::MethodNotAllowed,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::NotAcceptable,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Timeout,
        ErrorCode::Internal,
    ];

    /// The wire form, as it appears in `extensions.code`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::NotAcceptable => "NOT_ACCEPTABLE",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// The code whose wire form is `s`, if any.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|code| code.as_str() == s)
    }

    /// Position in [`ErrorCode::ALL`], used to index per-code counters.
    pub fn index(self) -> usize {
        ErrorCode::ALL
            .iter()
            .position(|code| *code == self)
            .unwrap_or(ErrorCode::ALL.len() - 1)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A boxed error kept as the cause of an [`AppError::Internal`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Every error a service can return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// See [`ErrorCode::Unauthenticated`].
    #[error("authentication required")]
    Unauthenticated,
    /// See [`ErrorCode::Unauthenticated`]: a sign-in that failed, without saying why (unknown
    /// email, wrong password and disabled account look the same).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// See [`ErrorCode::Forbidden`].
    #[error("{0}")]
    Forbidden(String),
    /// See [`ErrorCode::NotFound`]; the value names what was looked for.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// See [`ErrorCode::NotFound`]: a well-formed id in an input names nothing the viewer may
    /// see (`extensions.field` names the input, e.g. `input.unitId`).
    #[error("{what} not found")]
    UnknownId {
        /// The input field that carried the id, as the client spelled it.
        field: String,
        /// What the id should have named.
        what: &'static str,
    },
    /// See [`ErrorCode::BadUserInput`].
    #[error("{message}")]
    BadUserInput {
        /// The input field at fault, as the client spelled it (`input.email`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// See [`ErrorCode::BadUserInput`]: several fields of one input are invalid. Each becomes
    /// an error of its own in the response (see [`FieldProblems`]); build it with
    /// [`crate::graphql::checks::Checks`], which gives a lone problem as [`AppError::BadUserInput`].
    #[error("{}", .0.first().map_or("invalid input", |p| p.message.as_str()))]
    Invalid(Vec<FieldProblem>),
    /// See [`ErrorCode::Conflict`].
    #[error("{message}")]
    Conflict {
        /// The input field at fault, when one is.
        field: Option<String>,
        /// What collides.
        message: String,
    },
    /// See [`ErrorCode::InvalidState`].
    #[error("{0}")]
    InvalidState(String),
    /// See [`ErrorCode::RateLimited`].
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the next attempt may succeed.
        retry_after_secs: u64,
    },
    /// See [`ErrorCode::QueryTooComplex`].
    #[error("{0}")]
    QueryTooComplex(String),
    /// See [`ErrorCode::Internal`]. The cause is logged, never sent.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

/// Result alias used by services.
pub type AppResult<T> = Result<T, AppError>;

/// One invalid input field: what [`AppError::BadUserInput`] says, kept in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The input field at fault, as the client spelled it (`input.email`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldProblem {
    /// The problem as the error a client sees: `BAD_USER_INPUT` with `extensions.field`.
    pub fn into_error(self) -> async_graphql::Error {
        AppError::BadUserInput {
            field: self.field,
            message: self.message,
        }
        .into_masked()
    }
}

/// The problems of an [`AppError::Invalid`], carried to the response as the GraphQL error's
/// `source` (never serialized): the response step splits the one error into one per problem
/// (`http::response::finish_errors`). Until then the error reads as its first problem.
#[derive(Debug)]
pub struct FieldProblems(pub Vec<FieldProblem>);

impl AppError {
    /// A bad-input error on `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// `NOT_FOUND` on the input field `field` that carried a well-formed id naming nothing the
    /// viewer may see.
    pub fn unknown_id(field: impl Into<String>, what: &'static str) -> Self {
        AppError::UnknownId {
            field: field.into(),
            what,
        }
    }

    /// The error with a plain `NOT_FOUND` pinned on the input field `field` (the id in an input
    /// that named the missing object); any other error unchanged.
    pub fn on_field(self, field: &str) -> Self {
        match self {
            AppError::NotFound(what) => AppError::unknown_id(field, what),
            other => other,
        }
    }

    /// An internal error from any cause.
    pub fn internal(cause: impl Into<BoxError>) -> Self {
        AppError::Internal(cause.into())
    }

    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) | AppError::UnknownId { .. } => ErrorCode::NotFound,
            AppError::BadUserInput { .. } | AppError::Invalid(_) => ErrorCode::BadUserInput,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::InvalidState(_) => ErrorCode::InvalidState,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::QueryTooComplex(_) => ErrorCode::QueryTooComplex,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The GraphQL error extensions for this error (`code`, and `field` or `retryAfter`).
    fn extensions(&self) -> ErrorExtensionValues {
        let mut ext = ErrorExtensionValues::default();
        ext.set("code", self.code().as_str());
        match self {
            AppError::BadUserInput { field, .. }
            | AppError::UnknownId { field, .. }
            | AppError::Conflict {
                field: Some(field), ..
            } => ext.set("field", field.as_str()),
            AppError::Invalid(problems) => {
                if let Some(first) = problems.first() {
                    ext.set("field", first.field.as_str());
                }
            }
            AppError::RateLimited { retry_after_secs } => {
                ext.set("retryAfter", *retry_after_secs);
            }
            _ => {}
        }
        ext
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(cause) = &err {
            // Logged inside the request span, which carries the request id.
            tracing::error!(error = %cause, debug = ?cause, "internal error");
        }
        err.into_masked()
    }
}

/// A DataLoader failure, shared by every field that waited on the failed batch. Loaders only
/// read, so their failures are internal.
#[derive(Clone, Debug)]
pub struct LoadError(std::sync::Arc<AppError>);

impl From<sea_orm::DbErr> for LoadError {
    fn from(err: sea_orm::DbErr) -> Self {
        LoadError(std::sync::Arc::new(err.into()))
    }
}

impl From<LoadError> for async_graphql::Error {
    fn from(err: LoadError) -> Self {
        tracing::error!(error = %err.0, debug = ?err.0, "loader failed");
        AppError::Internal("loader failed".into()).into_masked()
    }
}

impl AppError {
    /// The error as sent, without logging it again. Several invalid fields travel as one error
    /// whose `source` holds them all, until the response splits it.
    fn into_masked(self) -> async_graphql::Error {
        let message = self.to_string();
        let extensions = Some(self.extensions());
        let source = match self {
            AppError::Invalid(problems) if problems.len() > 1 => {
                Some(std::sync::Arc::new(FieldProblems(problems))
                    as std::sync::Arc<dyn std::any::Any + Send + Sync>)
            }
            _ => None,
        };
        async_graphql::Error {
            message,
            source,
            extensions,
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return AppError::Conflict {
                field: None,
                message: "already exists".to_owned(),
            };
        }
        AppError::Internal(Box::new(err))
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl From<redis::RedisError> for AppError {
    fn from(err: redis::RedisError) -> Self {
        AppError::Internal(Box::new(err))
    }
}

/// Splits every error that carries several invalid fields into one error per field, each with
/// the carrier's path and locations: a client sees every problem of an input at once, each
/// shaped like a single `BAD_USER_INPUT`.
pub fn split_field_problems(errors: &mut Vec<async_graphql::ServerError>) {
    if !errors
        .iter()
        .any(|err| err.source::<FieldProblems>().is_some())
    {
        return;
    }
    let mut split = Vec::with_capacity(errors.len());
    for err in errors.drain(..) {
        match err.source::<FieldProblems>() {
            Some(FieldProblems(problems)) => {
                for problem in problems {
                    let error = problem.clone().into_error();
                    split.push(async_graphql::ServerError {
                        message: error.message,
                        source: None,
                        locations: err.locations.clone(),
                        path: err.path.clone(),
                        extensions: error.extensions,
                    });
                }
            }
            None => split.push(err),
        }
    }
    *errors = split;
}

/// Sets `extensions.code` (and keeps any extension already set) on a server error.
pub fn set_code(err: &mut async_graphql::ServerError, code: ErrorCode) {
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
}

/// The code already set on a server error, if any.
pub fn code_of(err: &async_graphql::ServerError) -> Option<ErrorCode> {
    match err.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(s) => ErrorCode::parse(s),
        _ => None,
    }
}
