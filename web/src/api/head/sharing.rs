//! Who may read my school's write-up: the other heads of the group, and the
//! SIM in full (otherwise the SIM gets the anonymised summary).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::body;
use crate::api::availability::year_or_404;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::AppState;
use store::writeups::{self, Sharing};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingRequest {
    /// The other heads of the group may read the write-up in full.
    pub share_group: bool,
    /// The SIM may read it in full; otherwise the SIM reads only the
    /// anonymised summary (measures, support areas, dates, status).
    pub sim_full: bool,
}

/// Who may read my school's write-up.
///
/// Until I choose, nobody but the lead
/// and me reads it in full, and the SIM reads the anonymised summary.
#[utoipa::path(get, path = "/api/years/{year}/my/sharing", tag = "head",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = Sharing),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not a head", body = crate::error::ErrorBody),
        (status = 404, description = "No such year", body = crate::error::ErrorBody),
    ))]
pub async fn get_sharing(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<Sharing>> {
    let urn = caller.require_head()?;
    year_or_404(&state, year_id).await?;
    Ok(Json(writeups::sharing(&state.db, year_id, urn).await?))
}

/// Choose who may read my school's write-up.
///
/// Stored as a new version; applies at once to every version of the write-up.
#[utoipa::path(put, path = "/api/years/{year}/my/sharing", tag = "head",
    params(("year" = i64, Path, description = "Programme year id")),
    request_body = SharingRequest,
    responses(
        (status = 201, body = Sharing),
        (status = 400, description = "Malformed body", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not a head", body = crate::error::ErrorBody),
        (status = 404, description = "No such year", body = crate::error::ErrorBody),
    ))]
pub async fn put_sharing(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
    req: Result<Json<SharingRequest>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Sharing>)> {
    let urn = caller.require_head()?;
    year_or_404(&state, year_id).await?;
    let req = body(req)?;
    writeups::set_sharing(
        &state.db,
        year_id,
        urn,
        caller.user_id,
        req.share_group,
        req.sim_full,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(writeups::sharing(&state.db, year_id, urn).await?),
    ))
}
