//! The audit log for the SIM: who changed what, newest first. An adapter
//! over `app::audit`.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use crate::api::doc::Refused;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Signed;
use crate::AppState;
use store::audit::AuditEntry;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// How many entries (1 to 1000; 100 if not given).
    pub limit: Option<i64>,
    /// Only entries older than this id: the next page starts at the last id seen.
    pub before: Option<i64>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/audit", tag = "sim",
    params(AuditQuery),
    responses(
        (status = 200, body = Vec<AuditEntry>),
        (status = 400, description = "limit out of range", body = ErrorBody),
        Refused,
    ))]
pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    Ok(Json(
        app::audit::list(&state.db, &caller, q.limit, q.before).await?,
    ))
}
