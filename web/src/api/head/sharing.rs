//! Who may read my school's write-up: the other heads of the group, and the
//! SIM in full (otherwise the SIM gets only what the programme needs by
//! school).

use axum::extract::State;
use axum::Json;

use crate::api::doc::{HeadsOnlyOrNoYear, YearPath};
use crate::api::Created;
use crate::error::AppResult;
use crate::extract::{Body, HeadYear};
use crate::AppState;
use app::head::sharing::{self, SharingRequest};
use store::writeups::Sharing;

/// Who may read my school's write-up.
///
/// Until I choose, nobody but the lead
/// and me reads it in full, and the SIM reads the anonymised summary.
#[utoipa::path(get, path = "/api/years/{year}/my/sharing", tag = "head",
    params(YearPath),
    responses(
        (status = 200, body = Sharing),
        HeadsOnlyOrNoYear,
    ))]
pub async fn get_sharing(State(state): State<AppState>, hy: HeadYear) -> AppResult<Json<Sharing>> {
    Ok(Json(sharing::get(&state.db, &hy).await?))
}

/// Choose who may read my school's write-up.
///
/// Stored as a new version; applies at once to every version of the write-up.
#[utoipa::path(put, path = "/api/years/{year}/my/sharing", tag = "head",
    params(YearPath),
    request_body = SharingRequest,
    responses(
        (status = 201, body = Sharing),
        (status = 400, description = "Malformed body", body = crate::error::ErrorBody),
        HeadsOnlyOrNoYear,
    ))]
pub async fn put_sharing(
    State(state): State<AppState>,
    hy: HeadYear,
    Body(req): Body<SharingRequest>,
) -> AppResult<Created<Sharing>> {
    Ok(Created(sharing::set(&state.db, &hy, &req).await?))
}
