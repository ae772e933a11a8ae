//! The server's one error type: every failure becomes an HTTP status with the contract's
//! JSON error body, and the message says what to fix.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use strm_model::{ErrorBody, Invalid};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds after which trying again makes sense (429, 503): a `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 429: the caller must wait `wait` before trying again.
    pub fn slow_down(message: impl Into<String>, wait: std::time::Duration) -> Self {
        ApiError {
            retry_after: Some(wait.as_secs_f64().ceil().max(1.0) as u64),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    /// 503: the server cannot take this now; try again after `secs`.
    pub fn busy(message: impl Into<String>, secs: u64) -> Self {
        ApiError {
            retry_after: Some(secs),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
        }
    }

    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body: is over the limit; a request body is at most 1 MiB ({} bytes)",
                strm_model::rules::MAX_BODY_BYTES
            ),
        )
    }

    /// Storage failures are logged in full here and shown to the caller only in outline.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {err}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{context} failed on the server; see the server log"),
        )
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody::new(self.status.as_u16(), self.message.clone())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::bad_request(e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::from(crate::sql::DbError::from(e))
    }
}

impl From<crate::sql::DbError> for ApiError {
    /// An unreachable database is a 503 with the reason (try again); a name another
    /// request (or node) wrote first, a 409.
    fn from(e: crate::sql::DbError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "the database is unavailable");
            return ApiError::busy(format!("{e}; try again shortly"), 1);
        }
        if e.is_unique_violation() {
            return ApiError::conflict(
                "another request created a resource of that name at the same time; \
                 list the resources to see it",
            );
        }
        ApiError::internal("database access", e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A response extension for handlers whose error bodies must stay as they are (the data
/// plane's `POST /event` answers 400 with a plain-text reason, as the 2021 drivers expect).
#[derive(Debug, Clone, Copy)]
pub struct KeepErrorBody;
