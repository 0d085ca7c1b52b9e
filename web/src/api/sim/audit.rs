//! The audit log for the SIM: who changed what, newest first.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::AppState;
use store::Db;

/// Entries one request returns when it does not say.
const DEFAULT_LIMIT: i64 = 100;
/// Most entries one request returns.
const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// How many entries (1 to 1000; 100 if not given).
    pub limit: Option<i64>,
    /// Only entries older than this id: the next page starts at the last id seen.
    pub before: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// None for changes made from the command line.
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// `input.schools`, `plan.publish`, `invitation.issue`, ...
    pub action: String,
    pub object: String,
    pub detail: String,
}

/// Audit entries, newest first. (Reading belongs beside `store::audit::record`;
/// it lives here until that module grows a reader.)
async fn entries(db: &Db, limit: i64, before: Option<i64>) -> anyhow::Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT a.id, a.at, a.user_id, u.name, a.action, a.object, a.detail \
         FROM audit a LEFT JOIN users u ON u.id = a.user_id \
         WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2",
    )
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.read)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                user_id: r.try_get(2)?,
                user_name: r.try_get(3)?,
                action: r.try_get(4)?,
                object: r.try_get(5)?,
                detail: r.try_get(6)?,
            })
        })
        .collect()
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/audit", tag = "sim",
    params(AuditQuery),
    responses(
        (status = 200, body = Vec<AuditEntry>),
        (status = 400, description = "limit out of range", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    caller.require_sim()?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::bad_request(format!(
            "limit={limit}: give 1 to {MAX_LIMIT}"
        )));
    }
    Ok(Json(entries(&state.db, limit, q.before).await?))
}
