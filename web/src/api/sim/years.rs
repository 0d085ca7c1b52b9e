//! Programme years: the SIM creates them and changes their rules; anyone
//! signed in lists them. The rules are in `app::years`.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;

use crate::api::doc::{Refused, RefusedOrMissing, Unsigned, YearPath};
use crate::api::Created;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Body, Signed, Sim, SimYear};
use crate::AppState;
use app::years::RulesSaved;
use store::years::{NewYear, Year, YearSummary};

/// Create a programme year: its calendar (checked), availability deadline
/// (not after the window) and rules (every table checked).
#[utoipa::path(post, path = "/api/years", tag = "sim",
    request_body = NewYear,
    responses(
        (status = 201, body = Year),
        (status = 400, description = "A bad calendar, deadline or rules; the message names it", body = ErrorBody),
        Refused,
        (status = 409, description = "A year of this name exists", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Sim(caller): Sim,
    Body(new): Body<NewYear>,
) -> AppResult<Created<Year>> {
    let year = app::years::create(&state.db, &caller, &new).await?;
    Ok(Created(year))
}

/// Every programme year, the latest first (anyone signed in).
#[utoipa::path(get, path = "/api/years", tag = "sim",
    responses((status = 200, body = Vec<YearSummary>), Unsigned))]
pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> AppResult<Json<Vec<YearSummary>>> {
    Ok(Json(app::years::list(&state.db, &caller).await?))
}

/// One year with its calendar and current rules.
#[utoipa::path(get, path = "/api/years/{year}", tag = "sim",
    params(YearPath),
    responses((status = 200, body = Year), RefusedOrMissing))]
pub async fn get(year: SimYear) -> Json<Year> {
    Json(app::years::get(&year))
}

/// Replace the year's rules (the body is the TOML text). The earlier text
/// stays as an earlier version of input kind `rules`.
#[utoipa::path(put, path = "/api/years/{year}/rules", tag = "sim",
    params(YearPath),
    request_body(content = String, content_type = "text/plain", description = "The rules file (TOML)"),
    responses(
        (status = 200, body = RulesSaved),
        (status = 400, description = "The rules do not parse or a value is out of range; the message names the line or item", body = ErrorBody),
        RefusedOrMissing,
    ))]
pub async fn put_rules(
    State(state): State<AppState>,
    year: SimYear,
    body: Bytes,
) -> AppResult<Json<RulesSaved>> {
    Ok(Json(app::years::put_rules(&state.db, &year, &body).await?))
}
