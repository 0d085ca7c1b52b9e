//! The SIM's uploads: the GIAS extract and the project's own CSV files,
//! each read by the same reader the command line uses and stored as a new
//! version of the year's input, all or nothing. A rejected file stores
//! nothing and the answer names the line, field and value.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::Json;

use super::problems::SimResult;
use crate::api::doc::{Refused, RefusedOrMissing, YearPath};
use crate::api::Created;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::SimYear;
use crate::AppState;
use app::inputs::{StoredInput, Uploaded};
use formats::gias::LaSelector;
use store::inputs::{InputSummary, VersionSummary};

/// `la` (repeated, or comma-separated) and `name` of an upload's query.
/// Read by hand because the usual extractor keeps one value per key.
struct UploadQuery {
    las: Vec<LaSelector>,
    name: Option<String>,
}

fn upload_query(raw: Option<&str>) -> Result<UploadQuery, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| AppError::bad_request(format!("query: {e}")))?;
    let mut q = UploadQuery {
        las: Vec::new(),
        name: None,
    };
    for (k, v) in pairs {
        match k.as_str() {
            "la" => {
                for part in v.split(',').filter(|p| !p.trim().is_empty()) {
                    q.las.push(part.parse().map_err(|e: String| {
                        AppError::bad_request(format!("query la={part:?}: {e}"))
                    })?);
                }
            }
            "name" => {
                let n: String = v.trim().chars().take(200).collect();
                q.name = (!n.is_empty()).then_some(n);
            }
            // The CSRF token of a cookie-borne upload, checked already.
            "csrf" => {}
            other => {
                return Err(AppError::bad_request(format!(
                    "query: unknown parameter {other:?} (la, name)"
                )))
            }
        }
    }
    Ok(q)
}

/// Upload the schools: a GIAS extract as the body (CSV, Windows-1252 or
/// UTF-8), keeping open state-funded schools of the chosen authorities.
#[utoipa::path(post, path = "/api/years/{year}/schools", tag = "sim",
    params(
        YearPath,
        ("la" = Option<Vec<String>>, Query, description = "Keep only these LAs (code or name); repeat or separate with commas"),
        ("name" = Option<String>, Query, description = "The file's name, kept with the version"),
    ),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The GIAS extract"),
    responses(
        (status = 201, body = Uploaded),
        (status = 400, description = "The file was refused and nothing stored; each error names line, column and value", body = super::problems::ProblemsBody),
        RefusedOrMissing,
        (status = 413, description = "Larger than the upload limit"),
    ))]
pub async fn upload_schools(
    State(state): State<AppState>,
    // Before the body: nobody but the SIM makes the server read a file.
    SimYear(year): SimYear,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> SimResult<Created<Uploaded>> {
    let q = upload_query(raw.as_deref())?;
    let out =
        app::inputs::upload_schools(&state.db, &year, q.las, q.name.as_deref(), body.to_vec())
            .await?;
    Ok(Created(out))
}

/// Upload one of the project's CSV files (`data/README.md` gives each
/// format): heads, advisers, consultants, history, sspb, need,
/// last_allocations. UTF-8, with or without a byte order mark.
#[utoipa::path(post, path = "/api/years/{year}/inputs/{kind}", tag = "sim",
    params(
        YearPath,
        ("kind" = String, Path, description = "heads, advisers, consultants, history, sspb, need or last_allocations"),
        ("name" = Option<String>, Query, description = "The file's name, kept with the version"),
    ),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 201, body = Uploaded),
        (status = 400, description = "The file was refused and nothing stored; the error names line, field and value", body = super::problems::ProblemsBody),
        Refused,
        (status = 404, description = "No such year or kind", body = ErrorBody),
        (status = 413, description = "Larger than the upload limit"),
    ))]
pub async fn upload_input(
    State(state): State<AppState>,
    // Before the body: nobody but the SIM makes the server read a file.
    SimYear(year): SimYear,
    Path((_, kind)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> SimResult<Created<Uploaded>> {
    app::inputs::csv_kind(&kind)?;
    let q = upload_query(raw.as_deref())?;
    if !q.las.is_empty() {
        return Err(AppError::bad_request("la filters apply to the schools upload only").into());
    }
    let out =
        app::inputs::upload(&state.db, &year, &kind, q.name.as_deref(), body.to_vec()).await?;
    Ok(Created(out))
}

/// Every kind of input of the year with its latest version.
#[utoipa::path(get, path = "/api/years/{year}/inputs", tag = "sim",
    params(YearPath),
    responses((status = 200, body = Vec<InputSummary>), RefusedOrMissing))]
pub async fn list(
    State(state): State<AppState>,
    year: SimYear,
) -> AppResult<Json<Vec<InputSummary>>> {
    Ok(Json(app::inputs::list(&state.db, &year).await?))
}

/// The latest version of one input with its data (schools as imported,
/// rows as read).
#[utoipa::path(get, path = "/api/years/{year}/inputs/{kind}", tag = "sim",
    params(
        YearPath,
        ("kind" = String, Path, description = "An input kind"),
    ),
    responses(
        (status = 200, body = StoredInput),
        Refused,
        (status = 404, description = "No such year or kind, or nothing uploaded yet", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, kind)): Path<(String, String)>,
) -> AppResult<Json<StoredInput>> {
    Ok(Json(
        app::inputs::read(&state.db, &year, &kind, None).await?,
    ))
}

/// Every version of one uploaded input, newest first: who stored it, when,
/// from which file, how many rows.
#[utoipa::path(get, path = "/api/years/{year}/inputs/{kind}/versions", tag = "sim",
    params(
        YearPath,
        ("kind" = String, Path, description = "schools, heads, advisers, consultants, history, sspb, need or last_allocations"),
    ),
    responses(
        (status = 200, body = Vec<VersionSummary>),
        Refused,
        (status = 404, description = "No such year or kind", body = ErrorBody),
    ))]
pub async fn versions(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, kind)): Path<(String, String)>,
) -> AppResult<Json<Vec<VersionSummary>>> {
    Ok(Json(app::inputs::versions(&state.db, &year, &kind).await?))
}

/// Restores an earlier version of an input: its content becomes a new
/// version; nothing is overwritten or deleted.
#[utoipa::path(post, path = "/api/years/{year}/inputs/{kind}/versions/{version}/restore", tag = "sim",
    params(
        YearPath,
        ("kind" = String, Path, description = "schools, heads, advisers, consultants, history, sspb, need or last_allocations"),
        ("version" = i64, Path, description = "The version to restore"),
    ),
    responses(
        (status = 201, body = Uploaded),
        Refused,
        (status = 404, description = "No such year, kind or version", body = ErrorBody),
    ))]
pub async fn restore(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, kind, version)): Path<(String, String, i64)>,
) -> AppResult<Created<Uploaded>> {
    let out = app::inputs::restore(&state.db, &year, &kind, version).await?;
    Ok(Created(out))
}
