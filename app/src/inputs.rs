//! The SIM's inputs of a year: uploads of the GIAS register and of the
//! project's own files (CSV, or an Excel workbook read by its first sheet),
//! each read by the reader the command line uses and stored as a new
//! version, all or nothing; the GIAS register in two steps (read and count
//! by local authority, then keep the authorities the SIM ticks); the list of
//! versions, one version, and restoring an earlier one as a new version.
//!
//! A refused file stores nothing and lists every problem found, each with
//! its line, the column heading as the file writes it, the value and what
//! is wanted.

use std::collections::{BTreeMap, BTreeSet};

use formats::gias::{self, ImportError, ImportOptions, LaSelector};
use formats::inputs::{self as readers, InputError};
use formats::spreadsheet;
use optimiser::model::{PhaseGroup, School};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::inputs::{self, InputSummary, VersionSummary};
use store::Db;

use crate::caller::SimYear;
use crate::error::{AppError, AppResult, Problem};
use crate::plans::{file_name, Download};

/// The kinds the SIM uploads as a file, in the order a year needs them:
/// every kind a year holds but the hand and the rules, which are typed.
pub const UPLOADED_KINDS: &[&str] = inputs::KINDS.split_at(8).0;

/// The kinds uploaded as the project's own files (CSV or .xlsx): all but
/// the GIAS register, which comes first.
pub const CSV_KINDS: &[&str] = UPLOADED_KINDS.split_at(1).1;

/// Most import warnings one answer lists (the summary counts them all).
const MAX_WARNINGS: usize = 100;

/// What the SIM calls an input: the words pages show, never the slug.
pub fn title(kind: &str) -> &'static str {
    match kind {
        "schools" => "Schools (GIAS register)",
        "heads" => "Headteachers",
        "advisers" => "External advisers",
        "consultants" => "Consultants",
        "history" => "Past groups",
        "sspb" => "SSPB categories",
        "need" => "Support need",
        "last_allocations" => "Last year's consultant days",
        "hand" => "Your changes by hand",
        "rules" => "Rules",
        _ => "Unknown input",
    }
}

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

/// A file name kept with a version: trimmed, at most 200 characters, no
/// control characters (it is shown on pages and in the audit log).
pub fn source_name(given: Option<&str>, default: &str) -> String {
    let n: String = given
        .unwrap_or("")
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if n.is_empty() {
        default.to_string()
    } else {
        n
    }
}

/// Where a project file reader found each of its problems.
pub fn input_problems(e: &InputError) -> Vec<Problem> {
    e.each().into_iter().map(input_problem).collect()
}

fn input_problem(e: &InputError) -> Problem {
    let message = e.to_string();
    let (line, field, value) = match e {
        InputError::NotUtf8 { line, .. } | InputError::BadRow { line, .. } => {
            (Some(*line), None, None)
        }
        InputError::MissingColumn { line, column, .. } => (Some(*line), Some(column.clone()), None),
        InputError::BadValue {
            line, field, value, ..
        } => (Some(*line), Some(field.clone()), Some(value.clone())),
        // Other faults (of the whole file, or of formats not uploaded
        // here) carry their place in the message.
        _ => (None, None, None),
    };
    Problem {
        line,
        field,
        value,
        message,
    }
}

/// Where the GIAS importer found its problem.
pub fn import_problem(e: &ImportError) -> Problem {
    let message = e.to_string();
    let (line, field, value) = match e {
        ImportError::Csv { line, .. } => (Some(*line as u64), None, None),
        ImportError::Value {
            line,
            column,
            value,
            ..
        } => (
            Some(*line as u64),
            Some(column.to_string()),
            Some(value.clone()),
        ),
        ImportError::DuplicateUrn { urn, line, .. } => (
            Some(*line as u64),
            Some("URN".into()),
            Some(urn.to_string()),
        ),
        ImportError::MissingColumns { columns } => (Some(1), Some(columns.join(", ")), None),
        ImportError::DuplicateColumn { column, .. } => (Some(1), Some(column.to_string()), None),
        ImportError::UnknownLa { selector } => (None, Some("la".into()), Some(selector.clone())),
        ImportError::Io { .. } | ImportError::Undecodable { .. } | ImportError::Empty => {
            (None, None, None)
        }
    };
    Problem {
        line,
        field,
        value,
        message,
    }
}

/// The parsed rows of one project file, as JSON.
fn parse(kind: &str, text: &str) -> Result<Value, InputError> {
    fn json<T: Serialize>(v: Vec<T>) -> Value {
        serde_json::to_value(v).unwrap_or(Value::Null)
    }
    Ok(match kind {
        "heads" => json(readers::parse_heads(text)?),
        "advisers" => json(readers::parse_advisers(text)?),
        "consultants" => json(readers::parse_consultants(text)?),
        "history" => json(readers::parse_history(text)?),
        "sspb" => json(readers::parse_sspb(text)?),
        "need" => json(readers::parse_need(text)?),
        _ => json(readers::parse_last_allocations(text)?),
    })
}

/// A kind of the project's own files, or the error that says where the
/// others go.
pub fn csv_kind(kind: &str) -> AppResult<()> {
    let elsewhere = match kind {
        "schools" => Some("POST /api/years/{year}/schools"),
        "hand" => Some("PUT /api/years/{year}/hand"),
        "rules" => Some("PUT /api/years/{year}/rules"),
        _ => None,
    };
    if let Some(route) = elsewhere {
        return Err(AppError::bad_request(format!(
            "{kind} is uploaded with {route}"
        )));
    }
    if !CSV_KINDS.contains(&kind) {
        return Err(AppError::not_found(format!(
            "no input kind {kind:?}: upload one of {}",
            CSV_KINDS.join(", ")
        )));
    }
    Ok(())
}

/// An uploaded kind, or a 404.
fn uploaded_kind(kind: &str) -> AppResult<()> {
    if UPLOADED_KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(AppError::not_found(format!("no input kind {kind:?}")))
    }
}

/// Uploads one of the project's files (`data/README.md` gives each format):
/// CSV (UTF-8, with or without a byte order mark) or an Excel workbook,
/// whose first worksheet is read as the CSV would be. Every problem is
/// listed and nothing is stored while there is one.
pub async fn upload(
    db: &Db,
    year: &SimYear,
    kind: &str,
    name: Option<&str>,
    bytes: Vec<u8>,
) -> AppResult<Uploaded> {
    csv_kind(kind)?;
    let xlsx = spreadsheet::is_xlsx(&bytes);
    let source = source_name(
        name,
        &format!("{kind}.{}", if xlsx { "xlsx" } else { "csv" }),
    );
    let invalid = |e: InputError| AppError::invalid_file(&source, input_problems(&e));
    let text = if xlsx {
        let file = source.clone();
        tokio::task::spawn_blocking(move || spreadsheet::first_sheet_as_csv(&file, &bytes))
            .await
            .map_err(|e| AppError::internal("reading a workbook", e))?
            .map_err(invalid)?
    } else {
        readers::upload_text(&format!("{kind}.csv"), bytes).map_err(invalid)?
    };
    let data = match parse(kind, &text) {
        Ok(data) => data,
        Err(e) => {
            let mut problems = input_problems(&e);
            if let Some(other) = wrong_kind(kind, &text, &e) {
                problems.insert(0, Problem::message(other));
            }
            return Err(AppError::invalid_file(&source, problems));
        }
    };
    let items = data.as_array().map_or(0, Vec::len);
    let mut tx = db.begin_write().await?;
    let version = inputs::store(
        &mut tx,
        year.year.id,
        kind,
        &source,
        &data,
        Some(year.caller.user_id),
        &format!("{items} rows"),
    )
    .await?;
    tx.commit().await?;
    Ok(uploaded(kind, version, source, items))
}

/// Where a file lacks a column of `kind` but has every column of another
/// kind: the sentence saying it looks like that other file.
fn wrong_kind(kind: &str, text: &str, e: &InputError) -> Option<String> {
    let missing = e
        .each()
        .iter()
        .any(|e| matches!(e, InputError::MissingColumn { .. }));
    if !missing {
        return None;
    }
    let other = readers::kinds_with_header(text)
        .into_iter()
        .find(|k| *k != kind)?;
    Some(format!(
        "This looks like the {} file, not the {} file: choose the right file, or upload it on the {} page.",
        title(other).to_lowercase(),
        title(kind).to_lowercase(),
        title(other).to_lowercase()
    ))
}

/// Reads a GIAS extract off the threads that serve requests (all England
/// takes a noticeable fraction of a second).
async fn import(bytes: Vec<u8>, las: Vec<LaSelector>, source: &str) -> AppResult<gias::Import> {
    let import =
        tokio::task::spawn_blocking(move || gias::import_gias(&bytes, &ImportOptions { las }))
            .await
            .map_err(|e| AppError::internal("GIAS import", e))?
            .map_err(|e| AppError::invalid_file(source, vec![import_problem(&e)]))?;
    if import.schools.is_empty() {
        let left_out: Vec<String> = import
            .skipped
            .iter()
            .map(|(why, n)| format!("{n} {why}"))
            .collect();
        return Err(AppError::invalid_file(
            source,
            vec![Problem::message(format!(
                "no open state-funded school to keep in {} rows (left out: {})",
                import.rows_read,
                left_out.join(", ")
            ))],
        ));
    }
    Ok(import)
}

/// Stores the schools of an import as the year's new schools version, in
/// `tx`, and says what was stored.
async fn store_schools(
    tx: &mut sqlx::AnyConnection,
    year: &SimYear,
    source: String,
    import: &gias::Import,
) -> AppResult<Uploaded> {
    let version = inputs::store(
        tx,
        year.year.id,
        "schools",
        &source,
        &import.schools,
        Some(year.caller.user_id),
        &format!(
            "{} schools of {} rows, {} warnings",
            import.schools.len(),
            import.rows_read,
            import.warnings.len()
        ),
    )
    .await?;
    let mut out = uploaded("schools", version, source, import.schools.len());
    out.summary = Some(gias::summary(import));
    out.warnings_total = import.warnings.len();
    out.warnings = import
        .warnings
        .iter()
        .take(MAX_WARNINGS)
        .map(|w| w.to_string())
        .collect();
    Ok(out)
}

/// Uploads the schools in one step: a GIAS extract (CSV, Windows-1252 or
/// UTF-8), keeping the open state-funded schools of the authorities named
/// (all where none are).
pub async fn upload_schools(
    db: &Db,
    year: &SimYear,
    las: Vec<LaSelector>,
    name: Option<&str>,
    bytes: Vec<u8>,
) -> AppResult<Uploaded> {
    let source = source_name(name, "schools.csv");
    let import = import(bytes, las, &source).await?;
    let mut tx = db.begin_write().await?;
    let out = store_schools(&mut tx, year, source, &import).await?;
    tx.commit().await?;
    Ok(out)
}

/// One local authority of a staged GIAS file.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StagedLa {
    pub code: u16,
    pub name: String,
    /// Open state-funded schools by phase, in the words pages use
    /// ("Primary", "Special and AP"); phases without a school left out.
    pub by_phase: Vec<(String, usize)>,
    pub schools: usize,
    /// Ticked at first: the authorities of the year's current schools.
    #[serde(default)]
    pub chosen: bool,
}

/// A GIAS file read and waiting for the SIM to choose its authorities.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Staged {
    pub id: i64,
    pub source_name: String,
    pub created_at: i64,
    /// Every authority with a school to keep, by name.
    pub las: Vec<StagedLa>,
}

fn las_of(schools: &[School], chosen: &BTreeSet<u16>) -> Vec<StagedLa> {
    let mut by_la: BTreeMap<(u16, String), BTreeMap<usize, usize>> = BTreeMap::new();
    for s in schools {
        let phase = PhaseGroup::ALL
            .iter()
            .position(|p| *p == s.phase_group())
            .unwrap_or(0);
        *by_la
            .entry((s.la_code, s.la_name.clone()))
            .or_default()
            .entry(phase)
            .or_default() += 1;
    }
    let mut las: Vec<StagedLa> = by_la
        .into_iter()
        .map(|((code, name), phases)| StagedLa {
            code,
            name,
            schools: phases.values().sum(),
            by_phase: phases
                .into_iter()
                .map(|(p, n)| (report::words::phase(PhaseGroup::ALL[p]).to_string(), n))
                .collect(),
            chosen: chosen.contains(&code),
        })
        .collect();
    las.sort_by_key(|l| l.name.to_lowercase());
    las
}

/// The first step of the schools upload: reads the whole GIAS file (every
/// problem refuses it, nothing kept), counts its open state-funded schools
/// by authority and phase, and keeps the file on the server for the second
/// step, so that it is sent once.
pub async fn stage_gias(
    db: &Db,
    year: &SimYear,
    name: Option<&str>,
    bytes: Vec<u8>,
) -> AppResult<Staged> {
    let source = source_name(name, "schools.csv");
    let text = gias::decode_text(&bytes)
        .map_err(|e| AppError::invalid_file(&source, vec![import_problem(&e)]))?;
    drop(bytes);
    if text.contains('\0') {
        return Err(AppError::invalid_file(
            &source,
            vec![Problem::message(
                "it contains NUL bytes, so it is not a CSV text file",
            )],
        ));
    }
    let text_bytes = text.clone().into_bytes();
    let import = import(text_bytes, Vec::new(), &source).await?;
    let current: BTreeSet<u16> = inputs::latest::<Vec<School>>(db, year.year.id, "schools")
        .await?
        .map(|s| s.data.iter().map(|s| s.la_code).collect())
        .unwrap_or_default();
    let las = las_of(&import.schools, &current);
    let mut tx = db.begin_write().await?;
    let id = inputs::stage_gias(
        &mut tx,
        year.year.id,
        year.caller.user_id,
        &source,
        &serde_json::to_string(&las)?,
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok(Staged {
        id,
        source_name: source,
        created_at: store::now(),
        las,
    })
}

/// A staged GIAS file of this SIM and year, or a 404 saying to upload again.
pub async fn staged(db: &Db, year: &SimYear, id: i64) -> AppResult<Staged> {
    let s = inputs::staged_gias(db, id, year.year.id, year.caller.user_id, false)
        .await?
        .ok_or_else(gone)?;
    Ok(Staged {
        id: s.id,
        source_name: s.source_name,
        created_at: s.created_at,
        las: serde_json::from_str(&s.las)?,
    })
}

fn gone() -> AppError {
    AppError::not_found(
        "that GIAS file is no longer waiting (it was stored, replaced or kept over a day): upload it again",
    )
}

/// The second step: keeps the open state-funded schools of the chosen
/// authorities (codes of the staged file) as the year's new schools
/// version, and drops the staged file, in one transaction.
pub async fn confirm_gias(db: &Db, year: &SimYear, id: i64, codes: &[u16]) -> AppResult<Uploaded> {
    let s = inputs::staged_gias(db, id, year.year.id, year.caller.user_id, true)
        .await?
        .ok_or_else(gone)?;
    let las: Vec<StagedLa> = serde_json::from_str(&s.las)?;
    if codes.is_empty() {
        return Err(AppError::invalid(
            crate::Kind::BadRequest,
            "no_la",
            "choose at least one local authority",
            vec![Problem {
                line: None,
                field: Some("la".into()),
                value: None,
                message: "Choose at least one local authority whose schools to keep".into(),
            }],
        ));
    }
    if let Some(code) = codes.iter().find(|c| !las.iter().any(|l| l.code == **c)) {
        return Err(AppError::bad_request(format!(
            "the file holds no open state-funded school of LA {code}"
        )));
    }
    let selectors = codes.iter().map(|c| LaSelector::Code(*c)).collect();
    let import = import(s.text.into_bytes(), selectors, &s.source_name).await?;
    let mut tx = db.begin_write().await?;
    let out = store_schools(&mut tx, year, s.source_name, &import).await?;
    inputs::drop_staged_gias(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Every kind of input of the year with its latest version.
pub async fn list(db: &Db, year: &SimYear) -> AppResult<Vec<InputSummary>> {
    Ok(inputs::list(db, year.year.id).await?)
}

/// Every version of one uploaded input, newest first.
pub async fn versions(db: &Db, year: &SimYear, kind: &str) -> AppResult<Vec<VersionSummary>> {
    uploaded_kind(kind)?;
    Ok(inputs::versions(db, year.year.id, kind).await?)
}

/// One stored version of an input.
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

/// One version of an input (the latest where `version` is None), any kind
/// the year holds.
pub async fn read(
    db: &Db,
    year: &SimYear,
    kind: &str,
    version: Option<i64>,
) -> AppResult<StoredInput> {
    if !inputs::KINDS.contains(&kind) {
        return Err(AppError::not_found(format!("no input kind {kind:?}")));
    }
    let stored = match version {
        None => inputs::latest::<Value>(db, year.year.id, kind)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no {kind} uploaded for this year yet")))?,
        Some(v) => inputs::version::<Value>(db, year.year.id, kind, v)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no version {v} of {kind}")))?,
    };
    Ok(StoredInput {
        kind: kind.to_string(),
        version: stored.version,
        source_name: stored.source_name,
        created_at: stored.created_at,
        data: stored.data,
    })
}

/// Restores an earlier version: its content becomes a new version (the
/// versions in between stay, nothing is overwritten or deleted).
pub async fn restore(db: &Db, year: &SimYear, kind: &str, version: i64) -> AppResult<Uploaded> {
    uploaded_kind(kind)?;
    let old = inputs::version::<Value>(db, year.year.id, kind, version)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no version {version} of {kind}")))?;
    let items = old.data.as_array().map_or(0, Vec::len);
    let mut tx = db.begin_write().await?;
    let new = inputs::store(
        &mut tx,
        year.year.id,
        kind,
        &old.source_name,
        &old.data,
        Some(year.caller.user_id),
        &format!("restored from version {version}, {items} rows"),
    )
    .await?;
    tx.commit().await?;
    Ok(uploaded(kind, new, old.source_name, items))
}

/// The current version of an input as the service holds it (JSON, as
/// read: the shape `store::inputs` documents), to keep or compare.
pub async fn download(db: &Db, year: &SimYear, kind: &str) -> AppResult<Download> {
    uploaded_kind(kind)?;
    let stored = read(db, year, kind, None).await?;
    Ok(Download {
        file_name: file_name(
            &year.year.name,
            &format!("{kind} version {}.json", stored.version),
        ),
        content_type: "application/json",
        bytes: serde_json::to_vec_pretty(&stored.data)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use optimiser::model::{Phase, Urn};

    fn school(urn: u32, la: u16, name: &str, phase: Phase) -> School {
        School {
            urn: Urn(urn),
            name: format!("School {urn}"),
            la_code: la,
            la_name: name.into(),
            phase,
            establishment_type: "Academy converter".into(),
            trust: None,
            location: None,
            postcode: None,
            town: None,
            pupils: None,
            fsm_percent: None,
            ofsted: None,
            last_inspection: None,
            religious_character: None,
        }
    }

    #[test]
    fn the_uploaded_kinds_are_the_stored_ones_but_the_typed() {
        assert_eq!(UPLOADED_KINDS.first(), Some(&"schools"));
        assert_eq!(UPLOADED_KINDS.last(), Some(&"last_allocations"));
        assert_eq!(UPLOADED_KINDS.len() + 2, inputs::KINDS.len());
        assert!(!UPLOADED_KINDS.contains(&"hand") && !UPLOADED_KINDS.contains(&"rules"));
        assert_eq!(CSV_KINDS, &UPLOADED_KINDS[1..]);
    }

    #[test]
    fn authorities_are_counted_by_phase_in_words_and_sorted_by_name() {
        let schools = [
            school(1, 883, "Thurrock", Phase::Primary),
            school(2, 883, "Thurrock", Phase::Primary),
            school(3, 883, "Thurrock", Phase::NotApplicable),
            school(4, 881, "Essex", Phase::Secondary),
        ];
        let las = las_of(&schools, &BTreeSet::from([883]));
        assert_eq!(las.len(), 2);
        assert_eq!((las[0].name.as_str(), las[0].chosen), ("Essex", false));
        assert_eq!(las[1].schools, 3);
        assert!(las[1].chosen);
        assert_eq!(
            las[1].by_phase,
            vec![
                ("Primary".to_string(), 2),
                ("Special and AP".to_string(), 1)
            ]
        );
    }

    #[test]
    fn a_heads_file_uploaded_as_advisers_is_named_for_what_it_is() {
        let text = "urn,name,email\n900001,Ann,a@x\n";
        let e = readers::parse_advisers(text).unwrap_err();
        let said = wrong_kind("advisers", text, &e).unwrap();
        assert!(
            said.starts_with(
                "This looks like the headteachers file, not the external advisers file"
            ),
            "{said}"
        );
        assert_eq!(source_name(Some(" a\u{7}.csv "), "x.csv"), "a.csv");
        assert_eq!(source_name(None, "x.csv"), "x.csv");
    }
}
