//! Programme years: the SIM creates them and changes their rules; anyone
//! signed in lists them.

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use super::problems::json_body;
use crate::api::availability::year_or_404;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::AppState;
use store::years::{self, NewYear, Year, YearSummary};

/// Create a programme year: its calendar (checked), availability deadline
/// (not after the window) and rules (every table checked).
#[utoipa::path(post, path = "/api/years", tag = "sim",
    request_body = NewYear,
    responses(
        (status = 201, body = Year),
        (status = 400, description = "A bad calendar, deadline or rules; the message names it", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "A year of this name exists", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewYear>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Year>)> {
    caller.require_sim()?;
    let new = json_body(body)?;
    new.check().map_err(AppError::bad_request)?;
    if years::name_taken(&state.db, &new.name).await? {
        return Err(AppError::conflict(format!(
            "a year named {:?} exists already",
            new.name.trim()
        )));
    }
    let id = years::create(&state.db, &new, caller.user_id).await?;
    Ok((StatusCode::CREATED, Json(year_or_404(&state, id).await?)))
}

/// Every programme year, the latest first (anyone signed in).
#[utoipa::path(get, path = "/api/years", tag = "sim",
    responses(
        (status = 200, body = Vec<YearSummary>),
        (status = 401, body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
) -> AppResult<Json<Vec<YearSummary>>> {
    Ok(Json(years::list(&state.db).await?))
}

/// One year with its calendar and current rules.
#[utoipa::path(get, path = "/api/years/{year}", tag = "sim",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = Year),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<Year>> {
    caller.require_sim()?;
    Ok(Json(year_or_404(&state, year_id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesSaved {
    /// The rules' version; every earlier one is kept as input kind `rules`.
    pub version: i64,
}

/// Replace the year's rules (the body is the TOML text). The earlier text
/// stays as an earlier version of input kind `rules`.
#[utoipa::path(put, path = "/api/years/{year}/rules", tag = "sim",
    params(("year" = i64, Path, description = "Programme year id")),
    request_body(content = String, content_type = "text/plain", description = "The rules file (TOML)"),
    responses(
        (status = 200, body = RulesSaved),
        (status = 400, description = "The rules do not parse or a value is out of range; the message names the line or item", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn put_rules(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
    body: Bytes,
) -> AppResult<Json<RulesSaved>> {
    caller.require_sim()?;
    year_or_404(&state, year_id).await?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| AppError::bad_request("rules: the text is not UTF-8"))?;
    years::parse_rules(&text).map_err(|e| AppError::bad_request(format!("rules: {e}")))?;
    let version = years::set_rules(&state.db, year_id, &text, caller.user_id).await?;
    Ok(Json(RulesSaved { version }))
}
