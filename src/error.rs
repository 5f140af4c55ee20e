//! The hub's error type: a small fixed set of codes that `api` maps to gRPC
//! statuses. Messages never carry personal data, only field names and IDs.

/// What kind of failure this is; one code per gRPC status the hub returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidArgument,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    FailedPrecondition,
    Unauthenticated,
    Unavailable,
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid argument: {}", describe(.0))]
    InvalidArgument(Vec<FieldViolation>),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// A rule forbids the operation; `reason` is a stable UPPER_SNAKE code.
    #[error("{message}")]
    FailedPrecondition {
        reason: &'static str,
        message: String,
    },
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A fault inside the hub; logged in full, returned opaque.
    #[error("internal error: {0}")]
    Internal(String),
}

fn describe(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidArgument(_) => ErrorCode::InvalidArgument,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::AlreadyExists(_) => ErrorCode::AlreadyExists,
            Error::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Error::FailedPrecondition { .. } => ErrorCode::FailedPrecondition,
            Error::Unauthenticated => ErrorCode::Unauthenticated,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// One invalid field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Error::InvalidArgument(vec![FieldViolation::new(field, description)])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One invalid field of a request, named by its path in the API
/// (e.g. `record.address.postcode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// Collects violations so one answer names every bad field, not just the first.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// Keeps `Ok` values; records an `Err` against `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(description) => {
                self.0.push(FieldViolation::new(field, description));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, description: impl Into<String>) {
        self.0.push(FieldViolation::new(field, description));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> std::result::Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(self.0))
        }
    }
}

/// Why the service, or an operator's command, could not start or finish:
/// configuration, key and certificate files, the store's schema, the
/// search index, telemetry. Not a request's failure (that is `Error`): it
/// ends the process with its message, the causes joined by ": ". Carries
/// paths, settings and codes, never personal data.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(String);

pub type SetupResult<T> = std::result::Result<T, SetupError>;

impl SetupError {
    pub fn new(message: impl Into<String>) -> Self {
        SetupError(message.into())
    }
}

/// Adds what was being done to a failure, as `anyhow::Context` would,
/// for the library's own setup paths.
pub trait Context<T> {
    fn context(self, what: impl std::fmt::Display) -> SetupResult<T>;
    fn with_context<D: std::fmt::Display>(self, what: impl FnOnce() -> D) -> SetupResult<T>;
}

impl<T, E: std::fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl std::fmt::Display) -> SetupResult<T> {
        self.map_err(|e| SetupError(format!("{what}: {e}")))
    }

    fn with_context<D: std::fmt::Display>(self, what: impl FnOnce() -> D) -> SetupResult<T> {
        self.map_err(|e| SetupError(format!("{}: {e}", what())))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: impl std::fmt::Display) -> SetupResult<T> {
        self.ok_or_else(|| SetupError(what.to_string()))
    }

    fn with_context<D: std::fmt::Display>(self, what: impl FnOnce() -> D) -> SetupResult<T> {
        self.ok_or_else(|| SetupError(what().to_string()))
    }
}

/// The failures setup meets, kept with their own message.
macro_rules! setup_from {
    ($($t:ty),* $(,)?) => {
        $(impl From<$t> for SetupError {
            fn from(e: $t) -> Self {
                SetupError(e.to_string())
            }
        })*
    };
}

setup_from!(
    std::io::Error,
    crate::store::StoreError,
    sqlx::Error,
    sqlx::migrate::MigrateError,
    tantivy::TantivyError,
    tantivy::query::QueryParserError,
    tantivy::directory::error::OpenDirectoryError,
    toml::de::Error,
    serde_json::Error,
    csv::Error,
    tonic::transport::Error,
    tokio::task::JoinError,
    tonic_reflection::server::Error,
    async_nats::ConnectError,
    async_nats::jetstream::context::CreateStreamError,
    Error,
);
