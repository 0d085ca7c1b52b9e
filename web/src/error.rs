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

// Failures below the application layer are logged and hidden as `app`
// does it, so that the API and the use cases say the same.
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> AppError {
        app::AppError::from(e).into()
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> AppError {
        app::AppError::from(e).into()
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        app::AppError::from(e).into()
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

/// Largest plain-text refusal read back to be reshaped; axum's are a line.
const REFUSAL_LIMIT: usize = 16 << 10;

/// Every error answer in the service's shape. axum refuses some requests
/// itself, in plain text or with no body at all: a path segment of the
/// wrong type, an address or method that does not exist, a body over the
/// route's limit. The API answers those as `{"code","message"}` like every
/// other error, and the pages as a page.
pub async fn uniform_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let caller = request.extensions().get::<app::Caller>().cloned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let api = is_api(&path);
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let shaped = if api {
        content_type.starts_with("application/json")
    } else {
        content_type.starts_with("text/html")
    };
    if shaped {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), REFUSAL_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let err = refusal(status, &method, &path, &text);
    if api {
        err.into_response()
    } else {
        crate::pages::session::error_page(caller.as_ref(), &err)
    }
}

/// Whether an address belongs to the JSON API.
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// One of axum's own refusals as the service's error, in words.
fn refusal(status: StatusCode, method: &axum::http::Method, path: &str, text: &str) -> AppError {
    // A path segment of the wrong type ("Invalid URL: Cannot parse `abc`
    // to a `i64`") names nothing that exists: not found, as an unknown year
    // is, and in words.
    let status = if status == StatusCode::BAD_REQUEST && text.starts_with("Invalid URL") {
        StatusCode::NOT_FOUND
    } else {
        status
    };
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", format!("there is nothing at {path}")),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            format!("{path} does not take {method} requests"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            "the body is larger than this address accepts".to_string(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            format!("this address does not take that kind of body: {text}"),
        ),
        s if s.is_server_error() => (
            "internal",
            "something went wrong on the server; it has been logged".to_string(),
        ),
        _ if text.is_empty() => (
            "bad_request",
            format!(
                "the request was refused ({})",
                status.canonical_reason().unwrap_or("bad request")
            ),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ("unprocessable", text.to_string()),
        _ => ("bad_request", text.to_string()),
    };
    if status.is_server_error() {
        tracing::error!(%status, %path, body = %text, "a refusal from outside the handlers");
    }
    AppError::new(status, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axums_refusals_read_as_sentences() {
        let get = axum::http::Method::GET;
        let e = refusal(StatusCode::NOT_FOUND, &get, "/api/nope", "");
        assert_eq!(
            (e.code, e.message.as_str()),
            ("not_found", "there is nothing at /api/nope")
        );
        let e = refusal(StatusCode::METHOD_NOT_ALLOWED, &get, "/api/session", "");
        assert_eq!(e.message, "/api/session does not take GET requests");
        let e = refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &get,
            "/",
            "length limit exceeded",
        );
        assert_eq!(e.code, "too_large");
        let e = refusal(
            StatusCode::BAD_REQUEST,
            &get,
            "/y/x",
            "Invalid URL: Cannot parse `x`",
        );
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        assert_eq!(e.message, "there is nothing at /y/x");
        let e = refusal(StatusCode::BAD_REQUEST, &get, "/", "expected a value");
        assert_eq!(
            (e.code, e.message.as_str()),
            ("bad_request", "expected a value")
        );
        let e = refusal(StatusCode::INTERNAL_SERVER_ERROR, &get, "/", "a secret");
        assert!(!e.message.contains("secret"));
    }
}
