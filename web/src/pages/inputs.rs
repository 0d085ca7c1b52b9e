//! The SIM's inputs of a year: the list of every input, and a page per
//! input with its upload form (CSV or Excel workbook; the GIAS register as
//! CSV, in two steps: read, then choose the local authorities), every
//! problem of a refused file in a table beside the file field, the earlier
//! versions with Restore, and a download of the current version. Each
//! handler calls `app::inputs`, as the API does.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::availability::when;
use super::{render, render_refused, see_other, Layout, Page, PageResult};
use crate::error::AppError;
use crate::extract::SimYear;
use crate::{AppState, INPUT_LIMIT, UPLOAD_LIMIT};
use app::inputs::{self, StagedLa, UPLOADED_KINDS};
use app::{Kind, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/years/{year}/inputs", get(list))
        .route(
            "/years/{year}/inputs/schools",
            // A GIAS file of all England is about 60 MB.
            get(show)
                .post(upload_schools)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/years/{year}/inputs/{kind}",
            get(show_kind)
                .post(upload)
                .layer(DefaultBodyLimit::max(INPUT_LIMIT)),
        )
        .route("/years/{year}/inputs/{kind}/download", get(download))
        .route(
            "/years/{year}/inputs/{kind}/versions/{version}/restore",
            post(restore),
        )
        .route(
            "/years/{year}/inputs/schools/staged/{id}",
            get(staged).post(confirm),
        )
}

#[derive(Template)]
#[template(path = "pages/inputs.html")]
struct ListPage {
    layout: Layout,
    year_id: i64,
    year_name: String,
    rows: Vec<ListRow>,
}

struct ListRow {
    kind: &'static str,
    title: &'static str,
    loaded: bool,
    when: String,
    rows: String,
    file: String,
}

/// `GET /years/{year}/inputs`: every input the SIM uploads, loaded or not.
async fn list(State(state): State<AppState>, Page(sy): Page<SimYear>) -> PageResult<Response> {
    let all = inputs::list(&state.db, &sy).await?;
    let rows = UPLOADED_KINDS
        .iter()
        .map(|kind| {
            let i = all.iter().find(|i| i.kind == *kind);
            let at = i.and_then(|i| i.created_at);
            ListRow {
                kind,
                title: inputs::title(kind),
                loaded: at.is_some(),
                when: at.map(when).unwrap_or_default(),
                rows: i
                    .and_then(|i| i.items)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                file: i
                    .and_then(|i| i.source_name.clone())
                    .map(|f| {
                        format!(
                            "{f} (version {})",
                            i.and_then(|i| i.version).unwrap_or_default()
                        )
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    render(&ListPage {
        layout: Layout::new("Inputs", Some(&sy.caller)),
        year_id: sy.year.id,
        year_name: sy.year.name.clone(),
        rows,
    })
}

#[derive(Template)]
#[template(path = "pages/input.html")]
struct KindPage {
    layout: Layout,
    year_id: i64,
    kind: String,
    title: &'static str,
    /// What the file holds and how it is read.
    about: String,
    accept: &'static str,
    stored: Option<String>,
    /// The refusal of the file just sent, with every problem.
    refused: Option<Refused>,
    versions: Vec<VersionRow>,
}

struct Refused {
    message: String,
    faults: Vec<Fault>,
    more: usize,
}

/// One problem of a refused file, as the table shows it.
struct Fault {
    line: String,
    column: String,
    value: String,
    wanted: String,
}

struct VersionRow {
    version: i64,
    current: bool,
    file: String,
    who: String,
    when: String,
    rows: String,
}

#[derive(Deserialize)]
struct StoredQuery {
    stored: Option<i64>,
}

fn about(kind: &str) -> String {
    let columns = formats::inputs::REQUIRED_COLUMNS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, c)| c.join(", "))
        .unwrap_or_default();
    if kind == "schools" {
        "The register of schools as the Department for Education publishes it on Get Information about Schools: the CSV file of all establishments (about 60 MB for England), as downloaded. Excel workbooks are not taken for this file. After reading it, this service lists the local authorities it holds so that you choose whose schools to keep.".into()
    } else {
        format!(
            "A CSV file (saved as \"CSV UTF-8\") or an Excel workbook (.xlsx), whose first worksheet is read. The first row holds the column headings; these columns are needed: {columns}. Columns may be in any order, and other columns are ignored."
        )
    }
}

/// The "what is wrong, what is wanted" part of a problem's sentence: the
/// message without the file, line, column and value the table shows apart.
fn wanted(p: &Problem) -> String {
    let m = p.message.as_str();
    let rest = match &p.value {
        Some(v) => {
            let quoted = format!("{v:?} ");
            m.find(&quoted).map(|i| &m[i + quoted.len()..]).unwrap_or(m)
        }
        None if p.line.is_some() => m.split_once(": ").map_or(m, |(_, r)| r),
        None => m,
    };
    let mut out = super::views::sentence(rest);
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

fn refused(e: &app::AppError) -> Refused {
    let faults: Vec<Fault> = e
        .problems
        .iter()
        .take(app::error::MAX_PROBLEMS)
        .map(|p| Fault {
            line: p.line.map(|l| l.to_string()).unwrap_or_default(),
            column: p.field.clone().unwrap_or_default(),
            value: p.value.clone().unwrap_or_default(),
            wanted: wanted(p),
        })
        .collect();
    Refused {
        message: super::views::sentence(&e.message),
        more: e.problems.len().saturating_sub(faults.len()),
        faults,
    }
}

/// The page of one input, with what was just stored or refused.
async fn kind_page(
    state: &AppState,
    sy: &app::SimYear,
    kind: &str,
    stored: Option<i64>,
    refusal: Option<&app::AppError>,
) -> PageResult<Response> {
    let versions = inputs::versions(&state.db, sy, kind).await?;
    let stored = stored.and_then(|v| {
        versions.iter().find(|r| r.version == v).map(|r| {
            format!(
                "Version {v} stored from {}{}.",
                r.source_name,
                r.items
                    .map(|n| format!(
                        ": {n} {}",
                        if kind == "schools" { "schools" } else { "rows" }
                    ))
                    .unwrap_or_default()
            )
        })
    });
    let latest = versions.first().map(|v| v.version);
    let page = KindPage {
        layout: Layout::new(inputs::title(kind), Some(&sy.caller)),
        year_id: sy.year.id,
        kind: kind.to_string(),
        title: inputs::title(kind),
        about: about(kind),
        accept: if kind == "schools" {
            ".csv,text/csv"
        } else {
            ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
        stored,
        refused: refusal.map(refused),
        versions: versions
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                current: Some(v.version) == latest,
                file: v.source_name.clone(),
                who: v
                    .created_by
                    .clone()
                    .unwrap_or_else(|| "the command line".into()),
                when: when(v.created_at),
                rows: v.items.map(|n| n.to_string()).unwrap_or_default(),
            })
            .collect(),
    };
    render_refused(refusal.is_some(), &page)
}

async fn show(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
    Query(q): Query<StoredQuery>,
) -> PageResult<Response> {
    kind_page(&state, &sy, "schools", q.stored, None).await
}

/// `GET /years/{year}/inputs/{kind}`.
async fn show_kind(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
    Path((_, kind)): Path<(i64, String)>,
    Query(q): Query<StoredQuery>,
) -> PageResult<Response> {
    kind_page(&state, &sy, &kind, q.stored, None).await
}

/// The file of a multipart form (field `file`) with its name, or the
/// refusal that says to choose one.
async fn file_of(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Option<String>, Vec<u8>), app::AppError> {
    let choose = || {
        app::AppError::invalid(
            Kind::BadRequest,
            "no_file",
            "choose a file to upload",
            vec![Problem {
                line: None,
                field: None,
                value: None,
                message: "Choose a file to upload".into(),
            }],
        )
    };
    let mut multipart = multipart.map_err(|_| choose())?;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Err(choose()),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(app::AppError::too_large(
                    "the file is larger than this service takes (128 MB for the GIAS register, 32 MB for other files)",
                ))
            }
            Err(_) => return Err(choose()),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(app::AppError::too_large(
                    "the file is larger than this service takes (128 MB for the GIAS register, 32 MB for other files)",
                ))
            }
            Err(_) => return Err(choose()),
        };
        // A browser sends an empty part when no file was chosen.
        if bytes.is_empty() && name.as_deref().is_none_or(str::is_empty) {
            return Err(choose());
        }
        return Ok((name, bytes));
    }
}

/// Refusals of a file re-render its page with every problem beside the
/// field; anything else is the usual error page.
async fn refused_or<T>(
    state: &AppState,
    sy: &app::SimYear,
    kind: &str,
    result: Result<T, app::AppError>,
) -> PageResult<Result<T, Response>> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(e) if matches!(e.kind, Kind::BadRequest | Kind::TooLarge) => {
            Ok(Err(kind_page(state, sy, kind, None, Some(&e)).await?))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /years/{year}/inputs/{kind}` (multipart, CSRF token in the query).
async fn upload(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
    Path((_, kind)): Path<(i64, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    inputs::csv_kind(&kind).map_err(|e| {
        if e.kind == Kind::BadRequest {
            AppError::not_found(format!("no input kind {kind:?}"))
        } else {
            e.into()
        }
    })?;
    let file = file_of(multipart).await;
    let file = match refused_or(&state, &sy, &kind, file).await? {
        Ok(f) => f,
        Err(page) => return Ok(page),
    };
    let result = inputs::upload(&state.db, &sy, &kind, file.0.as_deref(), file.1).await;
    match refused_or(&state, &sy, &kind, result).await? {
        Ok(done) => Ok(see_other(&format!(
            "/years/{}/inputs/{kind}?stored={}",
            sy.year.id, done.version
        ))),
        Err(page) => Ok(page),
    }
}

/// `POST /years/{year}/inputs/schools`: the first step of the GIAS upload.
async fn upload_schools(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let file = file_of(multipart).await;
    let file = match refused_or(&state, &sy, "schools", file).await? {
        Ok(f) => f,
        Err(page) => return Ok(page),
    };
    let result = inputs::stage_gias(&state.db, &sy, file.0.as_deref(), file.1).await;
    match refused_or(&state, &sy, "schools", result).await? {
        Ok(staged) => Ok(see_other(&format!(
            "/years/{}/inputs/schools/staged/{}",
            sy.year.id, staged.id
        ))),
        Err(page) => Ok(page),
    }
}

#[derive(Template)]
#[template(path = "pages/input_las.html")]
struct LasPage {
    layout: Layout,
    year_id: i64,
    id: i64,
    source_name: String,
    uploaded: String,
    las: Vec<LaRow>,
    total: usize,
    error: Option<String>,
}

struct LaRow {
    code: u16,
    name: String,
    phases: String,
    schools: usize,
    chosen: bool,
}

fn las_page(
    sy: &app::SimYear,
    staged: &inputs::Staged,
    ticked: Option<&[u16]>,
    error: Option<String>,
) -> PageResult<Response> {
    let row = |l: &StagedLa| LaRow {
        code: l.code,
        name: l.name.clone(),
        phases: l
            .by_phase
            .iter()
            .map(|(p, n)| format!("{p} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        schools: l.schools,
        chosen: ticked.map_or(l.chosen, |t| t.contains(&l.code)),
    };
    let page = LasPage {
        layout: Layout::new("Choose the local authorities", Some(&sy.caller)),
        year_id: sy.year.id,
        id: staged.id,
        source_name: staged.source_name.clone(),
        uploaded: when(staged.created_at),
        total: staged.las.iter().map(|l| l.schools).sum(),
        las: staged.las.iter().map(row).collect(),
        error,
    };
    render_refused(page.error.is_some(), &page)
}

/// `GET /years/{year}/inputs/schools/staged/{id}`: the authorities the
/// file holds, with their schools by phase, to tick.
async fn staged(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
    Path((_, id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let staged = inputs::staged(&state.db, &sy, id).await?;
    las_page(&sy, &staged, None, None)
}

/// `POST /years/{year}/inputs/schools/staged/{id}`: keep the schools of
/// the ticked authorities (`la`, repeated).
async fn confirm(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
    Path((_, id)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    // Only codes the page offered can be ticked; anything else is not a
    // person's mistake and is refused as a bad request below.
    let mut codes = Vec::new();
    for (k, v) in &fields {
        if k == "la" {
            codes.push(
                v.parse::<u16>()
                    .map_err(|_| AppError::bad_request(format!("no local authority {v:?}")))?,
            );
        }
    }
    match inputs::confirm_gias(&state.db, &sy, id, &codes).await {
        Ok(done) => Ok(see_other(&format!(
            "/years/{}/inputs/schools?stored={}",
            sy.year.id, done.version
        ))),
        Err(e) if e.code == "no_la" => {
            let staged = inputs::staged(&state.db, &sy, id).await?;
            let message = e
                .problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or(e.message);
            las_page(&sy, &staged, Some(&codes), Some(message))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /years/{year}/inputs/{kind}/versions/{version}/restore`.
async fn restore(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
    Path((_, kind, version)): Path<(i64, String, i64)>,
) -> PageResult<Response> {
    let done = inputs::restore(&state.db, &sy, &kind, version).await?;
    Ok(see_other(&format!(
        "/years/{}/inputs/{kind}?stored={}",
        sy.year.id, done.version
    )))
}

/// `GET /years/{year}/inputs/{kind}/download`: the current version.
async fn download(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
    Path((_, kind)): Path<(i64, String)>,
) -> PageResult<Response> {
    let file = inputs::download(&state.db, &sy, &kind).await?;
    Ok(crate::download::download(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(e: formats::inputs::InputError) -> Problem {
        inputs::input_problems(&e).remove(0)
    }

    #[test]
    fn the_table_says_what_is_wanted_without_repeating_the_place() {
        let e = formats::inputs::parse_heads("URN,name,email\n1x,A,a@x\n").unwrap_err();
        let p = problem(e);
        assert_eq!(
            (p.line, p.field.as_deref(), p.value.as_deref()),
            (Some(2), Some("URN"), Some("1x"))
        );
        let w = wanted(&p);
        assert!(w.starts_with("Is not"), "{w}");
        assert!(w.ends_with('.') && !w.contains("line 2"), "{w}");
        let e = formats::inputs::parse_heads("urn,name\n1,A\n").unwrap_err();
        assert_eq!(wanted(&problem(e)), "Missing column \"email\".");
    }
}
