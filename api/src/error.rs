//! One error type for everything a client can see.
//!
//! Each variant maps to a stable `extensions.code` (docs/ARCHITECTURE.md §5.3). Internal failures
//! are logged once, in full, with the request id, and reach the client only as `INTERNAL` with that
//! id: no SQL, no driver message, no stack. Database errors are classified here, in one place, so
//! that a unique-key violation becomes a CONFLICT wherever it happens.

use std::fmt;

use sea_orm::{DbErr, SqlErr, TransactionError};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The stable error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    RateLimited,
    AccountLocked,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::AccountLocked => "ACCOUNT_LOCKED",
            Self::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No credentials, or credentials that are unknown, expired or revoked.
    #[error("{0}")]
    Unauthenticated(&'static str),

    /// The caller is known but lacks the permission.
    #[error("{0}")]
    Forbidden(String),

    /// Absent, or belonging to another organization: the two are indistinguishable on purpose.
    #[error("{0} not found")]
    NotFound(&'static str),

    /// Input that fails validation; `field` is the input path (`input.name`).
    #[error("{field}: {message}")]
    Validation { field: String, message: String },

    /// The request is well-formed but clashes with the current state.
    #[error("{0}")]
    Conflict(String),

    #[error("rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },

    /// The right password for an account locked by failed attempts. Only ever answered after
    /// the correct password, so it tells nothing to someone guessing.
    #[error("this account is locked after too many failed attempts; it unlocks at {until}")]
    AccountLocked {
        until: chrono::DateTime<chrono::Utc>,
    },

    /// Anything else. Never shown to the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Validation { .. } => ErrorCode::BadUserInput,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::AccountLocked { .. } => ErrorCode::AccountLocked,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Prefixes the field path of a validation error (`name` -> `input.name`).
    pub fn in_field(self, parent: &str) -> Self {
        match self {
            Self::Validation { field, message } => Self::Validation {
                field: format!("{parent}.{field}"),
                message,
            },
            other => other,
        }
    }
}

impl From<DbErr> for AppError {
    /// Constraint violations are the client's business (they raced another request, or named
    /// something that is in use); everything else is ours and is masked.
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("a record with the same unique value already exists".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::Conflict("the record is referenced by, or refers to, another record".into())
            }
            _ if is_sqlite_restrict(&err) => {
                Self::Conflict("the record is referenced by, or refers to, another record".into())
            }
            _ => Self::Internal(anyhow::Error::new(err).context("database error")),
        }
    }
}

/// SQLite reports a delete refused by an `ON DELETE RESTRICT` foreign key as
/// SQLITE_CONSTRAINT_TRIGGER (extended code 1811, "FOREIGN KEY constraint failed"), which
/// `DbErr::sql_err` does not recognise (it knows 787, the code of the other foreign-key
/// failures).
fn is_sqlite_restrict(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    let sqlx::Error::Database(e) = &**e else {
        return false;
    };
    e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
        && e.code().as_deref() == Some("1811")
        && e.message().contains("FOREIGN KEY")
}

impl From<TransactionError<AppError>> for AppError {
    fn from(err: TransactionError<AppError>) -> Self {
        match err {
            TransactionError::Connection(db) => db.into(),
            TransactionError::Transaction(app) => app,
        }
    }
}

tokio::task_local! {
    /// The id of the HTTP request (or WebSocket operation) being served, for logs and for the
    /// masked message of an INTERNAL error. Set by the transport around execution.
    pub static REQUEST_ID: String;
}

/// The current request id, or a fresh one when running outside a request (a background task).
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::now_v7().simple().to_string())
}

/// Gives every error of a GraphQL response its stable code, masking internal ones.
///
/// Resolvers return `AppError` through `?`; async-graphql keeps the original error as the
/// `source` of the GraphQL error. Doing the classification here, once per response rather than
/// at each `?`, means no path can forget it: an INTERNAL error's text never reaches a client,
/// however it got there. Errors raised by async-graphql itself (parse, validation, argument
/// coercion, limits) are the client's input and get BAD_USER_INPUT.
pub fn finalize_errors(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        finalize_error(error);
    }
}

pub fn finalize_error(error: &mut async_graphql::ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    let Some(app) = error
        .source
        .as_ref()
        .and_then(|s| s.downcast_ref::<AppError>())
    else {
        if extensions.get("code").is_none() {
            extensions.set("code", ErrorCode::BadUserInput.as_str());
        }
        return;
    };
    let code = app.code();
    extensions.set("code", code.as_str());
    match app {
        AppError::Internal(inner) => {
            let request_id = current_request_id();
            tracing::error!(%request_id, error = ?inner, "internal error");
            error.message = format!("internal error (request id {request_id})");
            extensions.set("requestId", request_id);
        }
        AppError::Validation { field, .. } => extensions.set("field", field.clone()),
        AppError::RateLimited { retry_after_secs } => {
            extensions.set("retryAfter", *retry_after_secs)
        }
        AppError::AccountLocked { until } => {
            let seconds = (*until - chrono::Utc::now()).num_seconds().max(1);
            extensions.set(
                "lockedUntil",
                until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
            extensions.set("retryAfter", seconds);
        }
        _ => {}
    }
}

/// A request-level GraphQL error response (no `data`) for an error raised before execution.
pub fn request_error(err: AppError) -> async_graphql::Response {
    let mut server_error =
        async_graphql::Error::from(err).into_server_error(async_graphql::Pos::default());
    server_error.locations.clear();
    finalize_error(&mut server_error);
    async_graphql::Response::from_errors(vec![server_error])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finalized(err: AppError) -> async_graphql::ServerError {
        let mut server_error =
            async_graphql::Error::from(err).into_server_error(async_graphql::Pos::default());
        finalize_error(&mut server_error);
        server_error
    }

    fn code_of(err: &async_graphql::ServerError) -> Option<String> {
        match err.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    #[test]
    fn internal_errors_are_masked_and_carry_a_request_id() {
        let err = finalized(AppError::Internal(anyhow::anyhow!(
            "SELECT secret FROM users"
        )));
        assert!(!err.message.contains("SELECT"), "{}", err.message);
        assert_eq!(code_of(&err).as_deref(), Some("INTERNAL"));
        assert!(
            err.extensions
                .as_ref()
                .and_then(|e| e.get("requestId"))
                .is_some()
        );
    }

    #[test]
    fn validation_errors_name_the_field() {
        let err = finalized(AppError::validation("input.name", "must not be empty"));
        assert_eq!(code_of(&err).as_deref(), Some("BAD_USER_INPUT"));
        assert!(err.message.contains("input.name"));
        let field = err
            .extensions
            .as_ref()
            .and_then(|e| e.get("field"))
            .cloned();
        assert_eq!(
            field,
            Some(async_graphql::Value::String("input.name".into()))
        );
    }

    #[test]
    fn errors_of_the_graphql_engine_are_bad_user_input() {
        let mut err = async_graphql::ServerError::new("Unknown field \"nope\"", None);
        finalize_error(&mut err);
        assert_eq!(code_of(&err).as_deref(), Some("BAD_USER_INPUT"));
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let err = finalized(AppError::RateLimited {
            retry_after_secs: 7,
        });
        assert_eq!(code_of(&err).as_deref(), Some("RATE_LIMITED"));
        assert_eq!(
            err.extensions
                .as_ref()
                .and_then(|e| e.get("retryAfter"))
                .cloned(),
            Some(async_graphql::Value::from(7))
        );
    }

    #[test]
    fn a_generic_database_error_is_internal() {
        let err: AppError = DbErr::Custom("syntax error at or near".into()).into();
        assert_eq!(err.code(), ErrorCode::Internal);
    }
}
