//! The one error of the service: what went wrong, in words for a person, of
//! a kind the web layer turns into a status. A refused file or hand lists
//! every problem found, each with its line, field and value.

use serde::Serialize;

/// What kind of refusal: the web layer maps each to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request itself is wrong (400).
    BadRequest,
    /// Nobody is signed in (401).
    Unauthorized,
    /// The caller may not do this (403).
    Forbidden,
    /// No such thing, or not the caller's to see (404).
    NotFound,
    /// The state of the year does not allow it now (409).
    Conflict,
    /// The request is larger than the route allows (413).
    TooLarge,
    /// Well-formed but refused by the rules (422).
    Unprocessable,
    /// A fault of the server, logged in full and answered without detail (500).
    Internal,
}

/// One thing wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Line of the file (the header is line 1), where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column, or the field of a JSON body (`pin[2].schools[1]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The value at fault, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The whole problem in one line, for a person to read.
    pub message: String,
}

impl Problem {
    pub fn message(message: impl Into<String>) -> Problem {
        Problem {
            line: None,
            field: None,
            value: None,
            message: message.into(),
        }
    }
}

/// Most problems one answer lists; `more` counts the rest.
pub const MAX_PROBLEMS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub kind: Kind,
    /// Stable, machine-readable: `bad_request`, `forbidden`, `too_late`, ...
    pub code: &'static str,
    /// For a person to read: names the field and the value where there is one.
    pub message: String,
    /// Every problem found, where the refusal lists them (a file, a hand, a plan).
    pub problems: Vec<Problem>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            kind,
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(Kind::BadRequest, "bad_request", message)
    }
    pub fn unauthorized() -> AppError {
        AppError::new(
            Kind::Unauthorized,
            "unauthorized",
            "sign in first: follow your invitation link",
        )
    }
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Forbidden, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(Kind::NotFound, "not_found", message)
    }
    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Conflict, "conflict", message)
    }
    /// A deadline has passed.
    pub fn too_late(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Conflict, "too_late", message)
    }
    /// An input the use case needs has not been uploaded.
    pub fn missing_input(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Conflict, "missing_input", message)
    }
    pub fn too_large(message: impl Into<String>) -> AppError {
        AppError::new(Kind::TooLarge, "too_large", message)
    }
    /// A refusal that lists every problem found; `message` says what was refused.
    pub fn invalid(
        kind: Kind,
        code: &'static str,
        message: impl Into<String>,
        problems: Vec<Problem>,
    ) -> AppError {
        AppError {
            kind,
            code,
            message: message.into(),
            problems,
        }
    }
    /// A rejected upload: nothing was stored.
    pub fn invalid_file(file: &str, problems: Vec<Problem>) -> AppError {
        let first = problems
            .first()
            .map(|p| p.message.clone())
            .unwrap_or_default();
        AppError::invalid(
            Kind::BadRequest,
            "invalid_file",
            format!("{file} was not stored: {first}"),
            problems,
        )
    }
    pub fn internal(context: &str, err: impl std::fmt::Display) -> AppError {
        tracing::error!(%err, "{context}");
        AppError::new(
            Kind::Internal,
            "internal",
            "something went wrong on the server; it has been logged",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} ({}): {}", self.kind, self.code, self.message)
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
