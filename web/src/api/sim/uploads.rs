//! The SIM's uploads: the GIAS extract and the project's own CSV files,
//! each read by the same reader the command line uses and stored as a new
//! version of the year's input, all or nothing. A rejected file stores
//! nothing and the answer names the line, field and value.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::Value;

use super::problems::{from_import_error, from_input_error, Problem, SimError, SimResult};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::SimYear;
use crate::AppState;
use formats::gias::{self, ImportOptions, LaSelector};
use formats::inputs::{self as readers, InputError};
use store::inputs::{self, InputSummary};

/// The kinds uploaded as CSV through `POST /api/years/{year}/inputs/{kind}`.
pub const CSV_KINDS: [&str; 7] = [
    "heads",
    "advisers",
    "consultants",
    "history",
    "sspb",
    "need",
    "last_allocations",
];

/// Most import warnings one answer lists (the summary counts them all).
const MAX_WARNINGS: usize = 100;

/// A stored upload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    pub kind: String,
    pub version: i64,
    pub source_name: String,
    /// Schools or rows stored.
    pub items: usize,
    /// For a GIAS extract: schools by LA and phase, rows left out and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Schools kept with a field unknown (no coordinates, no Ofsted grade),
    /// each naming its line; at most 100.
    pub warnings: Vec<String>,
    pub warnings_total: usize,
}

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

fn uploaded(kind: &str, version: i64, source_name: String, items: usize) -> Uploaded {
    Uploaded {
        kind: kind.to_string(),
        version,
        source_name,
        items,
        summary: None,
        warnings: Vec::new(),
        warnings_total: 0,
    }
}

/// Upload the schools: a GIAS extract as the body (CSV, Windows-1252 or
/// UTF-8), keeping open state-funded schools of the chosen authorities.
#[utoipa::path(post, path = "/api/years/{year}/schools", tag = "sim",
    params(
        ("year" = i64, Path, description = "Programme year id"),
        ("la" = Option<Vec<String>>, Query, description = "Keep only these LAs (code or name); repeat or separate with commas"),
        ("name" = Option<String>, Query, description = "The file's name, kept with the version"),
    ),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The GIAS extract"),
    responses(
        (status = 201, body = Uploaded),
        (status = 400, description = "The file was refused and nothing stored; each error names line, column and value", body = super::problems::ProblemsBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, description = "Larger than the upload limit"),
    ))]
pub async fn upload_schools(
    State(state): State<AppState>,
    // Before the body: nobody but the SIM makes the server read a file.
    SimYear(year): SimYear,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> SimResult<(StatusCode, Json<Uploaded>)> {
    let (year_id, caller) = (year.year.id, year.caller);
    let q = upload_query(raw.as_deref())?;
    let source = q.name.unwrap_or_else(|| "schools.csv".into());
    let opts = ImportOptions { las: q.las };
    // Reading all England takes a noticeable fraction of a second: off the
    // threads that serve requests.
    let import = tokio::task::spawn_blocking(move || gias::import_gias(&body, &opts))
        .await
        .map_err(|e| AppError::internal("GIAS import", e))?
        .map_err(|e| SimError::invalid_file(&source, vec![from_import_error(&e)]))?;
    if import.schools.is_empty() {
        let left_out: Vec<String> = import
            .skipped
            .iter()
            .map(|(why, n)| format!("{n} {why}"))
            .collect();
        return Err(SimError::invalid_file(
            &source,
            vec![Problem::message(format!(
                "no open state-funded school to keep in {} rows (left out: {})",
                import.rows_read,
                left_out.join(", ")
            ))],
        ));
    }
    let summary = gias::summary(&import);
    let mut tx = state.db.begin_write().await?;
    let version = inputs::store(
        &mut tx,
        year_id,
        "schools",
        &source,
        &import.schools,
        Some(caller.user_id),
        &format!(
            "{} schools of {} rows, {} warnings",
            import.schools.len(),
            import.rows_read,
            import.warnings.len()
        ),
    )
    .await?;
    tx.commit().await?;
    let mut out = uploaded("schools", version, source, import.schools.len());
    out.summary = Some(summary);
    out.warnings_total = import.warnings.len();
    out.warnings = import
        .warnings
        .iter()
        .take(MAX_WARNINGS)
        .map(|w| w.to_string())
        .collect();
    Ok((StatusCode::CREATED, Json(out)))
}

/// The parsed rows of one project CSV file, as JSON, and how many.
fn parse_csv(kind: &str, text: &str) -> Result<Option<Value>, InputError> {
    fn json<T: Serialize>(v: Vec<T>) -> Value {
        serde_json::to_value(v).unwrap_or(Value::Null)
    }
    Ok(Some(match kind {
        "heads" => json(readers::parse_heads(text)?),
        "advisers" => json(readers::parse_advisers(text)?),
        "consultants" => json(readers::parse_consultants(text)?),
        "history" => json(readers::parse_history(text)?),
        "sspb" => json(readers::parse_sspb(text)?),
        "need" => json(readers::parse_need(text)?),
        "last_allocations" => json(readers::parse_last_allocations(text)?),
        _ => return Ok(None),
    }))
}

/// Upload one of the project's CSV files (`data/README.md` gives each
/// format): heads, advisers, consultants, history, sspb, need,
/// last_allocations. UTF-8, with or without a byte order mark.
#[utoipa::path(post, path = "/api/years/{year}/inputs/{kind}", tag = "sim",
    params(
        ("year" = i64, Path, description = "Programme year id"),
        ("kind" = String, Path, description = "heads, advisers, consultants, history, sspb, need or last_allocations"),
        ("name" = Option<String>, Query, description = "The file's name, kept with the version"),
    ),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 201, body = Uploaded),
        (status = 400, description = "The file was refused and nothing stored; the error names line, field and value", body = super::problems::ProblemsBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
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
) -> SimResult<(StatusCode, Json<Uploaded>)> {
    let (year_id, caller) = (year.year.id, year.caller);
    let elsewhere = match kind.as_str() {
        "schools" => Some("POST /api/years/{year}/schools"),
        "hand" => Some("PUT /api/years/{year}/hand"),
        "rules" => Some("PUT /api/years/{year}/rules"),
        _ => None,
    };
    if let Some(route) = elsewhere {
        return Err(AppError::bad_request(format!("{kind} is uploaded with {route}")).into());
    }
    if !CSV_KINDS.contains(&kind.as_str()) {
        return Err(AppError::not_found(format!(
            "no input kind {kind:?}: upload one of {}",
            CSV_KINDS.join(", ")
        ))
        .into());
    }
    let q = upload_query(raw.as_deref())?;
    if !q.las.is_empty() {
        return Err(AppError::bad_request("la filters apply to the schools upload only").into());
    }
    let source = q.name.unwrap_or_else(|| format!("{kind}.csv"));
    let invalid = |e: InputError| SimError::invalid_file(&source, vec![from_input_error(&e)]);
    let text = readers::upload_text(&format!("{kind}.csv"), body.to_vec()).map_err(invalid)?;
    let data = parse_csv(&kind, &text)
        .map_err(invalid)?
        .ok_or_else(|| AppError::internal("upload", format!("no reader for {kind}")))?;
    let items = data.as_array().map_or(0, Vec::len);
    let mut tx = state.db.begin_write().await?;
    let version = inputs::store(
        &mut tx,
        year_id,
        &kind,
        &source,
        &data,
        Some(caller.user_id),
        &format!("{items} rows"),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(uploaded(&kind, version, source, items)),
    ))
}

/// Every kind of input of the year with its latest version.
#[utoipa::path(get, path = "/api/years/{year}/inputs", tag = "sim",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = Vec<InputSummary>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    year: SimYear,
) -> AppResult<Json<Vec<InputSummary>>> {
    Ok(Json(inputs::list(&state.db, year.year.id).await?))
}

/// The latest version of one input, as stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoredInput {
    pub kind: String,
    pub version: i64,
    pub source_name: String,
    pub created_at: i64,
    /// The stored JSON (see `store::inputs` for each kind's shape).
    #[schema(value_type = Object)]
    pub data: Value,
}

/// The latest version of one input with its data (schools as imported,
/// rows as read).
#[utoipa::path(get, path = "/api/years/{year}/inputs/{kind}", tag = "sim",
    params(
        ("year" = i64, Path, description = "Programme year id"),
        ("kind" = String, Path, description = "An input kind"),
    ),
    responses(
        (status = 200, body = StoredInput),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such year or kind, or nothing uploaded yet", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, kind)): Path<(String, String)>,
) -> AppResult<Json<StoredInput>> {
    let year_id = year.year.id;
    if !inputs::KINDS.contains(&kind.as_str()) {
        return Err(AppError::not_found(format!("no input kind {kind:?}")));
    }
    let stored = inputs::latest::<Value>(&state.db, year_id, &kind)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no {kind} uploaded for this year yet")))?;
    Ok(Json(StoredInput {
        kind,
        version: stored.version,
        source_name: stored.source_name,
        created_at: stored.created_at,
        data: stored.data,
    }))
}
