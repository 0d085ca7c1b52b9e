//! Errors that list every problem found: a rejected upload names each line,
//! field and value; a rejected hand or plan each rule it breaks.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::error::AppError;

/// One thing wrong, and where: the application layer's own type.
pub use app::error::MAX_PROBLEMS;
pub use app::Problem;

/// The body of a 400/422 that lists problems.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemsBody {
    /// `invalid_file`, `invalid_hand`, `invalid_plan`, `unknown_people`.
    pub code: String,
    pub message: String,
    /// At most 100.
    pub errors: Vec<Problem>,
    /// Problems found beyond those listed.
    pub more: usize,
}

/// What a SIM handler fails with: the API's usual error, or a list.
#[derive(Debug)]
pub enum SimError {
    App(AppError),
    Problems {
        status: StatusCode,
        code: &'static str,
        message: String,
        errors: Vec<Problem>,
    },
}

pub type SimResult<T> = Result<T, SimError>;

impl SimError {
    /// A 400 listing problems; `message` says what was refused.
    pub fn invalid(code: &'static str, message: impl Into<String>, errors: Vec<Problem>) -> Self {
        SimError::Problems {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            errors,
        }
    }

    /// A rejected upload: nothing was stored.
    pub fn invalid_file(file: &str, errors: Vec<Problem>) -> Self {
        let first = errors
            .first()
            .map(|p| p.message.clone())
            .unwrap_or_default();
        SimError::invalid(
            "invalid_file",
            format!("{file} was not stored: {first}"),
            errors,
        )
    }
}

impl From<AppError> for SimError {
    fn from(e: AppError) -> Self {
        SimError::App(e)
    }
}

impl From<anyhow::Error> for SimError {
    fn from(e: anyhow::Error) -> Self {
        SimError::App(e.into())
    }
}

impl From<sqlx::Error> for SimError {
    fn from(e: sqlx::Error) -> Self {
        SimError::App(e.into())
    }
}

impl From<serde_json::Error> for SimError {
    fn from(e: serde_json::Error) -> Self {
        SimError::App(e.into())
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        match self {
            SimError::App(e) => e.into_response(),
            SimError::Problems {
                status,
                code,
                message,
                mut errors,
            } => {
                let more = errors.len().saturating_sub(MAX_PROBLEMS);
                errors.truncate(MAX_PROBLEMS);
                let body = ProblemsBody {
                    code: code.to_string(),
                    message,
                    errors,
                    more,
                };
                (status, Json(body)).into_response()
            }
        }
    }
}

impl From<app::AppError> for SimError {
    fn from(e: app::AppError) -> Self {
        if e.problems.is_empty() {
            SimError::App(e.into())
        } else {
            SimError::Problems {
                status: crate::error::status_of(e.kind),
                code: e.code,
                message: e.message,
                errors: e.problems,
            }
        }
    }
}
