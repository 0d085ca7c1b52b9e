//! The SIM's hand: opt-outs, pinned groups and excluded pairs, checked
//! against the year's schools and advisers and kept as versions (the
//! rules are in `app::hand`).

use axum::extract::State;
use axum::Json;

use super::problems::SimResult;
use crate::api::doc::{RefusedOrMissing, YearPath};
use crate::api::Created;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Body, SimYear};
use crate::AppState;
use app::hand::StoredHand;
use store::inputs::Hand;

/// Replace the SIM's hand. Every URN must be a school of the schools input;
/// a pin holds 3 (or 4) schools of one phase, none opted out or pinned
/// twice; a pinned adviser must be in the advisers input; an exclusion
/// names two schools and a reason. Every problem is listed.
#[utoipa::path(put, path = "/api/years/{year}/hand", tag = "sim",
    params(YearPath),
    request_body = Hand,
    responses(
        (status = 201, body = StoredHand),
        (status = 400, description = "Each problem with its field and value; nothing stored", body = super::problems::ProblemsBody),
        RefusedOrMissing,
        (status = 409, description = "No schools uploaded yet", body = ErrorBody),
    ))]
pub async fn put(
    State(state): State<AppState>,
    year: SimYear,
    Body(hand): Body<Hand>,
) -> SimResult<Created<StoredHand>> {
    let stored = app::hand::put(&state.db, &year, hand).await?;
    Ok(Created(stored))
}

/// The SIM's current hand (empty, version 0, before the first).
#[utoipa::path(get, path = "/api/years/{year}/hand", tag = "sim",
    params(YearPath),
    responses((status = 200, body = StoredHand), RefusedOrMissing))]
pub async fn get(State(state): State<AppState>, year: SimYear) -> AppResult<Json<StoredHand>> {
    Ok(Json(app::hand::get(&state.db, &year).await?))
}
