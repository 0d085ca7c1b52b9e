//! Errors of the HTTP API: `{"code","message"}` with the right status.
//! Internal errors are logged in full and answered without detail, so that
//! nothing about the database or another user leaks into a response.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `too_late`, `internal`, ...
    pub code: String,
    /// For a person to read: names the field and the value where there is one.
    pub message: String,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized() -> AppError {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in first: follow your invitation link",
        )
    }
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::CONFLICT, "conflict", message)
    }
    pub fn internal(context: &str, err: impl std::fmt::Display) -> AppError {
        tracing::error!(%err, "{context}");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on the server; it has been logged",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for AppError {}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> AppError {
        AppError::internal("database", e)
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> AppError {
        AppError::internal("server", format!("{e:#}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        AppError::internal("stored JSON", e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_string(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

/// The status of each kind of the application layer's refusals.
pub fn status_of(kind: app::Kind) -> StatusCode {
    match kind {
        app::Kind::BadRequest => StatusCode::BAD_REQUEST,
        app::Kind::Unauthorized => StatusCode::UNAUTHORIZED,
        app::Kind::Forbidden => StatusCode::FORBIDDEN,
        app::Kind::NotFound => StatusCode::NOT_FOUND,
        app::Kind::Conflict => StatusCode::CONFLICT,
        app::Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        app::Kind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        app::Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<app::AppError> for AppError {
    fn from(e: app::AppError) -> AppError {
        AppError::new(status_of(e.kind), e.code, e.message)
    }
}
