//! Import of England's register of schools, "Get Information About Schools"
//! (GIAS), from the CSV extract the DfE publishes.
//!
//! The import is all-or-nothing: a malformed value in a row that would be
//! kept fails the whole import, so a council never plans with half a file.
//! Gaps that are normal in real data (no coordinates, no Ofsted rating yet,
//! an academy with no trust named) are warnings, and the school is kept with
//! that field unknown.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use csv::StringRecord;
use optimiser::model::{Location, OfstedGrade, Phase, School, Urn};

/// Column names exactly as GIAS publishes them.
pub mod column {
    pub const URN: &str = "URN";
    pub const LA_CODE: &str = "LA (code)";
    pub const LA_NAME: &str = "LA (name)";
    pub const NAME: &str = "EstablishmentName";
    pub const TYPE: &str = "TypeOfEstablishment (name)";
    pub const TYPE_GROUP: &str = "EstablishmentTypeGroup (name)";
    pub const STATUS: &str = "EstablishmentStatus (name)";
    pub const PHASE: &str = "PhaseOfEducation (name)";
    pub const RELIGIOUS_CHARACTER: &str = "ReligiousCharacter (name)";
    pub const PUPILS: &str = "NumberOfPupils";
    pub const FSM: &str = "PercentageFSM";
    pub const TRUST: &str = "Trusts (name)";
    pub const POSTCODE: &str = "Postcode";
    pub const TOWN: &str = "Town";
    pub const EASTING: &str = "Easting";
    pub const NORTHING: &str = "Northing";
    pub const LAST_INSPECTION: &str = "OfstedLastInsp";
    pub const OFSTED: &str = "OfstedRating (name)";

    /// Without these a row cannot be filtered or become a `School`.
    pub const REQUIRED: [&str; 7] = [URN, LA_CODE, LA_NAME, NAME, PHASE, STATUS, TYPE];

    /// Where one of these is absent, its field is unknown for every school.
    pub const OPTIONAL: [&str; 11] = [
        TYPE_GROUP,
        RELIGIOUS_CHARACTER,
        PUPILS,
        FSM,
        TRUST,
        POSTCODE,
        TOWN,
        EASTING,
        NORTHING,
        LAST_INSPECTION,
        OFSTED,
    ];
}

/// Which local authority to import: its GIAS code (883) or its name ("Thurrock").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaSelector {
    Code(u16),
    /// Matched against `LA (name)` ignoring case.
    Name(String),
}

impl LaSelector {
    fn matches_name(&self, la_name: &str) -> bool {
        match self {
            LaSelector::Code(_) => false,
            LaSelector::Name(name) => same_ignoring_case(la_name, name),
        }
    }
}

impl FromStr for LaSelector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() {
            return Err(
                "no local authority given: use an LA code such as 883 or a name such as Thurrock"
                    .into(),
            );
        }
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(LaSelector::Name(t.to_owned()));
        }
        t.parse()
            .map(LaSelector::Code)
            .map_err(|_| format!("LA code {t:?} is too large: GIAS LA codes have three digits"))
    }
}

impl fmt::Display for LaSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LaSelector::Code(code) => write!(f, "{code}"),
            LaSelector::Name(name) => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Local authorities to keep; empty keeps every one.
    pub las: Vec<LaSelector>,
}

/// The schools of one GIAS extract, with everything the SIM should know about
/// what was left out or is unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Import {
    /// In file order.
    pub schools: Vec<School>,
    pub warnings: Vec<ImportWarning>,
    /// Why rows were not kept (lower-case GIAS words such as "closed" or
    /// "independent schools") and how many.
    pub skipped: BTreeMap<String, usize>,
    /// Data rows in the file, the header not counted.
    pub rows_read: usize,
    /// Optional GIAS columns the file lacks: their fields are unknown for
    /// every school, which is reported once here rather than once per row.
    pub absent_columns: Vec<&'static str>,
}

/// The kinds of gap that keep a school but leave a field unknown, so that a
/// summary can count them ("2,017 schools have no coordinates").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningKind {
    NoCoordinates,
    NoOfstedRating,
    UnknownOfstedRating,
    AcademyWithoutTrust,
}

impl WarningKind {
    pub const ALL: [WarningKind; 4] = [
        WarningKind::NoCoordinates,
        WarningKind::NoOfstedRating,
        WarningKind::UnknownOfstedRating,
        WarningKind::AcademyWithoutTrust,
    ];

    /// "2,017 schools have no coordinates", in the singular where `n` is 1.
    pub fn describe_count(self, n: usize) -> String {
        let one = n == 1;
        let (noun, verb) = match (self, one) {
            (WarningKind::AcademyWithoutTrust, true) => ("academy or free school", "has"),
            (WarningKind::AcademyWithoutTrust, false) => ("academies or free schools", "have"),
            (_, true) => ("school", "has"),
            (_, false) => ("schools", "have"),
        };
        let what = match self {
            WarningKind::NoCoordinates => "no coordinates (Easting/Northing)",
            WarningKind::NoOfstedRating => "no Ofsted rating",
            WarningKind::UnknownOfstedRating => "an Ofsted rating that is not a known grade",
            WarningKind::AcademyWithoutTrust => "no trust named",
        };
        format!("{} {noun} {verb} {what}", thousands(n))
    }
}

/// A school kept with a field unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    /// Physical line in the file, header = 1.
    pub line: usize,
    pub urn: Urn,
    /// The GIAS column concerned.
    pub field: &'static str,
    pub kind: WarningKind,
    pub message: String,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, URN {}, column \"{}\": {}",
            self.line, self.urn, self.field, self.message
        )
    }
}

/// Why a file could not be imported. Each displays as one line that names
/// where the problem is, so the SIM can fix the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot read the file as text: {reason}")]
    Undecodable { reason: String },
    #[error("the file is empty: expected a GIAS extract whose first line names the columns")]
    Empty,
    #[error(
        "line 1: the header lacks required column{} {}; is this a GIAS extract?",
        if .columns.len() == 1 { "" } else { "s" },
        quoted_list(.columns)
    )]
    MissingColumns { columns: Vec<&'static str> },
    #[error("line 1: the header names column \"{column}\" twice (columns {first} and {second})")]
    DuplicateColumn {
        column: &'static str,
        first: usize,
        second: usize,
    },
    #[error("line {line}: {message}")]
    Csv { line: usize, message: String },
    #[error("line {line}, column \"{column}\": {} is not {expected}", shown(.value))]
    Value {
        line: usize,
        column: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(
        "line {line}, column \"URN\": \"{urn}\" appears twice (first on line {first_line}); a URN must be unique"
    )]
    DuplicateUrn {
        urn: Urn,
        first_line: usize,
        line: usize,
    },
    #[error(
        "no rows for local authority \"{selector}\" in the file: give the LA code or the LA name as GIAS spells it"
    )]
    UnknownLa { selector: String },
}

/// Reads a GIAS extract from disk; see [`import_gias`].
pub fn import_gias_file(path: &Path, opts: &ImportOptions) -> Result<Import, ImportError> {
    let bytes = std::fs::read(path).map_err(|error| ImportError::Io {
        path: path.to_owned(),
        error,
    })?;
    import_gias(&bytes, opts)
}

/// Imports the open state-funded schools of a GIAS extract (UTF-8, with or
/// without BOM, or Windows-1252 as the DfE publishes it).
pub fn import_gias(bytes: &[u8], opts: &ImportOptions) -> Result<Import, ImportError> {
    let text = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes());
    let header = reader.headers().map_err(|e| csv_error(&e, &mut lines))?;
    let (columns, absent) = Columns::locate(header)?;
    let mut importer = Importer::new(columns, absent, &opts.las);
    let mut record = StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {
                let line = record.position().map_or(0, |p| lines.line_of(p));
                importer.add(&record, line)?;
            }
            Ok(false) => break,
            Err(e) => return Err(csv_error(&e, &mut lines)),
        }
    }
    importer.finish()
}

/// The text of a GIAS file as the importer reads it (UTF-8 or
/// Windows-1252), for keeping a file between two steps of an upload.
pub fn decode_text(bytes: &[u8]) -> Result<String, ImportError> {
    decode(bytes).map(Cow::into_owned)
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Valid UTF-8 is taken as UTF-8; anything else as Windows-1252, the
/// encoding of the official download, which every byte sequence decodes as.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    reject_non_text(bytes)?;
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text))),
        // A file that declares UTF-8 but is not would decode to nonsense.
        Err(e) if bytes.starts_with(UTF8_BOM) => Err(ImportError::Undecodable {
            reason: format!(
                "it starts with a UTF-8 byte order mark but line {} is not valid UTF-8",
                LineCounter::new(bytes).line_at(e.valid_up_to())
            ),
        }),
        Err(_) => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0),
    }
}

/// Catches the files a SIM is likely to pick by mistake, which would
/// otherwise decode as Windows-1252 garbage and fail with a baffling message.
fn reject_non_text(bytes: &[u8]) -> Result<(), ImportError> {
    let reason = if bytes.starts_with(b"PK\x03\x04") {
        "it is a zip archive or an Excel workbook, not CSV: unzip the GIAS download or save the sheet as CSV"
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        "it is UTF-16 text: save it as \"CSV UTF-8\" or plain CSV"
    } else if bytes.iter().take(64 * 1024).any(|&b| b == 0) {
        "it contains NUL bytes, so it is not a CSV text file"
    } else {
        return Ok(());
    };
    Err(ImportError::Undecodable {
        reason: reason.into(),
    })
}

/// Physical line numbers, header = 1. csv's own `Position::line()` is one
/// short after CRLF (the official file's line ending) and after blank lines
/// (rust-csv issues #395 and #208), so lines are counted from byte offsets.
struct LineCounter<'t> {
    text: &'t [u8],
    /// Lines are counted up to here; records arrive in order, so each byte
    /// is looked at once.
    offset: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, position: &csv::Position) -> usize {
        self.line_at(usize::try_from(position.byte()).unwrap_or(usize::MAX))
    }

    /// The line of the first byte at or after `offset` that is not a line
    /// break: csv places a record's start on the break before it.
    fn line_at(&mut self, offset: usize) -> usize {
        let mut target = offset.min(self.text.len());
        while matches!(self.text.get(target), Some(b'\r' | b'\n')) {
            target += 1;
        }
        if target < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        self.line += (self.offset..target).filter(|&i| self.ends_line(i)).count();
        self.offset = target;
        self.line
    }

    /// LF, CRLF (counted at its LF) and a lone CR each end a line.
    fn ends_line(&self, i: usize) -> bool {
        match self.text[i] {
            b'\n' => true,
            b'\r' => self.text.get(i + 1) != Some(&b'\n'),
            _ => false,
        }
    }
}

fn csv_error(error: &csv::Error, lines: &mut LineCounter) -> ImportError {
    let line = error.position().map_or(lines.line, |p| lines.line_of(p));
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "the row has {len} fields but the header has {expected_len} (a stray quote mark or comma can cause this)"
        ),
        _ => error.to_string().replace(['\r', '\n'], " "),
    };
    ImportError::Csv { line, message }
}

/// Where each known column is in this file's header.
struct Columns {
    urn: usize,
    la_code: usize,
    la_name: usize,
    name: usize,
    type_name: usize,
    status: usize,
    phase: usize,
    type_group: Option<usize>,
    religious_character: Option<usize>,
    pupils: Option<usize>,
    fsm: Option<usize>,
    trust: Option<usize>,
    postcode: Option<usize>,
    town: Option<usize>,
    easting: Option<usize>,
    northing: Option<usize>,
    last_inspection: Option<usize>,
    ofsted: Option<usize>,
}

impl Columns {
    /// Also returns the optional columns the header lacks.
    fn locate(header: &StringRecord) -> Result<(Columns, Vec<&'static str>), ImportError> {
        let names: Vec<&str> = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}'))
            .collect();
        reject_duplicate_columns(&names)?;
        let find = |column: &str| names.iter().position(|n| *n == column);
        let mut missing = Vec::new();
        let mut required = |column: &'static str| {
            find(column).unwrap_or_else(|| {
                missing.push(column);
                0
            })
        };
        let columns = Columns {
            urn: required(column::URN),
            la_code: required(column::LA_CODE),
            la_name: required(column::LA_NAME),
            name: required(column::NAME),
            type_name: required(column::TYPE),
            status: required(column::STATUS),
            phase: required(column::PHASE),
            type_group: find(column::TYPE_GROUP),
            religious_character: find(column::RELIGIOUS_CHARACTER),
            pupils: find(column::PUPILS),
            fsm: find(column::FSM),
            trust: find(column::TRUST),
            postcode: find(column::POSTCODE),
            town: find(column::TOWN),
            easting: find(column::EASTING),
            northing: find(column::NORTHING),
            last_inspection: find(column::LAST_INSPECTION),
            ofsted: find(column::OFSTED),
        };
        if !missing.is_empty() {
            // Report in GIAS order, whatever order the closure saw them in.
            missing.sort_by_key(|m| column::REQUIRED.iter().position(|r| r == m));
            return Err(ImportError::MissingColumns { columns: missing });
        }
        let absent = column::OPTIONAL
            .into_iter()
            .filter(|c| find(c).is_none())
            .collect();
        Ok((columns, absent))
    }
}

/// A known column named twice leaves it ambiguous which one holds the data.
fn reject_duplicate_columns(names: &[&str]) -> Result<(), ImportError> {
    for column in column::REQUIRED.into_iter().chain(column::OPTIONAL) {
        let mut at = names.iter().enumerate().filter(|(_, n)| **n == column);
        if let (Some((first, _)), Some((second, _))) = (at.next(), at.next()) {
            return Err(ImportError::DuplicateColumn {
                column,
                first: first + 1,
                second: second + 1,
            });
        }
    }
    Ok(())
}

/// One data row and the physical line it starts on.
struct Row<'r> {
    record: &'r StringRecord,
    line: usize,
}

impl<'r> Row<'r> {
    fn text(&self, index: usize) -> &'r str {
        self.record.get(index).unwrap_or("").trim()
    }

    fn optional_text(&self, index: Option<usize>) -> Option<&'r str> {
        index.map(|i| self.text(i)).filter(|t| !t.is_empty())
    }

    fn invalid(&self, column: &'static str, value: &str, expected: &'static str) -> ImportError {
        ImportError::Value {
            line: self.line,
            column,
            value: value.to_owned(),
            expected,
        }
    }

    fn parse<T>(
        &self,
        index: usize,
        column: &'static str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, ImportError> {
        let text = self.text(index);
        parse(text).ok_or_else(|| self.invalid(column, text, expected))
    }

    /// An empty cell is an unknown value; anything else must parse.
    fn parse_optional<T>(
        &self,
        index: Option<usize>,
        column: &'static str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, ImportError> {
        match self.optional_text(index) {
            None => Ok(None),
            Some(text) => parse(text)
                .map(Some)
                .ok_or_else(|| self.invalid(column, text, expected)),
        }
    }

    fn required_text(
        &self,
        index: usize,
        column: &'static str,
        expected: &'static str,
    ) -> Result<&'r str, ImportError> {
        let text = self.text(index);
        if text.is_empty() {
            return Err(self.invalid(column, text, expected));
        }
        Ok(text)
    }

    fn is_blank(&self) -> bool {
        self.record.as_slice().trim().is_empty()
    }
}

/// Collects the warnings about one school.
struct Notes<'w> {
    warnings: &'w mut Vec<ImportWarning>,
    line: usize,
    urn: Urn,
}

impl Notes<'_> {
    fn add(&mut self, field: &'static str, kind: WarningKind, message: impl Into<String>) {
        self.warnings.push(ImportWarning {
            line: self.line,
            urn: self.urn,
            field,
            kind,
            message: message.into(),
        });
    }
}

/// Keeps rows of the selected local authorities, remembering which
/// selectors matched so that a misspelt one is an error, not an empty import.
struct LaFilter<'o> {
    selectors: &'o [LaSelector],
    matched: Vec<bool>,
}

impl<'o> LaFilter<'o> {
    fn new(selectors: &'o [LaSelector]) -> Self {
        LaFilter {
            selectors,
            matched: vec![false; selectors.len()],
        }
    }

    /// Runs before any other check, so with a code selector every row's LA
    /// code must be a number: a row with none cannot be placed.
    fn keeps(&mut self, row: &Row, columns: &Columns) -> Result<bool, ImportError> {
        if self.selectors.is_empty() {
            return Ok(true);
        }
        let mut keep = false;
        for (selector, matched) in self.selectors.iter().zip(self.matched.iter_mut()) {
            let hit = match selector {
                LaSelector::Code(code) => read_la_code(row, columns)? == *code,
                LaSelector::Name(_) => selector.matches_name(row.text(columns.la_name)),
            };
            if hit {
                *matched = true;
                keep = true;
            }
        }
        Ok(keep)
    }

    fn first_unmatched(&self) -> Option<&LaSelector> {
        self.selectors
            .iter()
            .zip(&self.matched)
            .find(|(_, matched)| !**matched)
            .map(|(selector, _)| selector)
    }
}

fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
    }
}

fn one_of(value: &str, words: &[&str]) -> bool {
    words.iter().any(|w| w.eq_ignore_ascii_case(value))
}

const OPEN_STATUSES: [&str; 2] = ["Open", "Open, but proposed to close"];

const STATE_FUNDED_GROUPS: [&str; 4] = [
    "Local authority maintained schools",
    "Academies",
    "Free Schools",
    "Special schools",
];

/// Groups whose schools belong to a trust, so a missing trust is a gap.
const ACADEMY_GROUPS: [&str; 2] = ["Academies", "Free Schools"];

/// Independent providers that GIAS files under the special schools group.
const EXCLUDED_TYPES: [&str; 2] = [
    "Non-maintained special school",
    "Special post 16 institution",
];

/// Used only where the file has no type group column.
const MAINTAINED_TYPES: [&str; 8] = [
    "Community school",
    "Voluntary aided school",
    "Voluntary controlled school",
    "Foundation school",
    "Local authority nursery school",
    "Pupil referral unit",
    "Community special school",
    "Foundation special school",
];

/// Academy-like types named without the "Academy" or "Free schools" prefix.
const OTHER_ACADEMY_TYPES: [&str; 3] = [
    "University technical college",
    "Studio schools",
    "City technology college",
];

/// Whether a row is an open state-funded school, and if not, why not.
enum Decision<'r> {
    Keep { academy: bool },
    Skip(&'r str),
}

fn classify<'r>(row: &Row<'r>, columns: &Columns) -> Decision<'r> {
    let status = row.text(columns.status);
    if !one_of(status, &OPEN_STATUSES) {
        return Decision::Skip(or_missing(status, "no establishment status"));
    }
    let type_name = row.text(columns.type_name);
    if one_of(type_name, &EXCLUDED_TYPES) {
        return Decision::Skip(type_name);
    }
    match columns.type_group {
        Some(index) => classify_by_group(row.text(index)),
        None => classify_by_type(type_name),
    }
}

fn classify_by_group(group: &str) -> Decision<'_> {
    if one_of(group, &STATE_FUNDED_GROUPS) {
        Decision::Keep {
            academy: one_of(group, &ACADEMY_GROUPS),
        }
    } else {
        Decision::Skip(or_missing(group, "no establishment type group"))
    }
}

fn classify_by_type(type_name: &str) -> Decision<'_> {
    let academy = starts_with_ignoring_case(type_name, "academy")
        || starts_with_ignoring_case(type_name, "free school")
        || one_of(type_name, &OTHER_ACADEMY_TYPES);
    if academy || one_of(type_name, &MAINTAINED_TYPES) {
        Decision::Keep { academy }
    } else {
        Decision::Skip(or_missing(type_name, "no establishment type"))
    }
}

fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn or_missing<'a>(value: &'a str, missing: &'static str) -> &'a str {
    if value.is_empty() {
        missing
    } else {
        value
    }
}

const LA_CODE_EXPECTED: &str = "an LA code (a whole number such as 883)";
const PHASE_EXPECTED: &str = "a GIAS phase (Nursery, Primary, Middle deemed primary, \
     Middle deemed secondary, Secondary, All-through, 16 plus or Not applicable)";
const DATE_EXPECTED: &str = "a date (YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)";
const EASTING_EXPECTED: &str = "an Easting in metres (0 to 700000)";
const NORTHING_EXPECTED: &str = "a Northing in metres (0 to 1300000)";

/// The extent of the British National Grid, in metres.
const MAX_EASTING: f64 = 700_000.0;
const MAX_NORTHING: f64 = 1_300_000.0;

fn read_la_code(row: &Row, columns: &Columns) -> Result<u16, ImportError> {
    row.parse(columns.la_code, column::LA_CODE, LA_CODE_EXPECTED, |t| {
        t.parse().ok()
    })
}

fn read_school(
    row: &Row,
    columns: &Columns,
    academy: bool,
    warnings: &mut Vec<ImportWarning>,
) -> Result<School, ImportError> {
    let urn = row.parse(columns.urn, column::URN, "a URN", |t| t.parse().ok())?;
    let mut notes = Notes {
        warnings,
        line: row.line,
        urn,
    };
    Ok(School {
        urn,
        name: row
            .required_text(columns.name, column::NAME, "a school name")?
            .to_owned(),
        la_code: read_la_code(row, columns)?,
        la_name: row
            .required_text(columns.la_name, column::LA_NAME, "a local authority name")?
            .to_owned(),
        phase: row.parse(
            columns.phase,
            column::PHASE,
            PHASE_EXPECTED,
            Phase::from_gias,
        )?,
        establishment_type: row.text(columns.type_name).to_owned(),
        trust: read_trust(row, columns, academy, &mut notes),
        location: read_location(row, columns, &mut notes)?,
        postcode: row.optional_text(columns.postcode).map(str::to_owned),
        pupils: row.parse_optional(columns.pupils, column::PUPILS, "a number of pupils", |t| {
            t.parse().ok()
        })?,
        fsm_percent: row.parse_optional(
            columns.fsm,
            column::FSM,
            "a percentage (0 to 100)",
            |t| parse_in_range(t, 100.0),
        )?,
        ofsted: read_ofsted(row, columns, &mut notes),
        last_inspection: row.parse_optional(
            columns.last_inspection,
            column::LAST_INSPECTION,
            DATE_EXPECTED,
            parse_date,
        )?,
        religious_character: religious_character(row.optional_text(columns.religious_character)),
        town: row.optional_text(columns.town).map(str::to_owned),
    })
}

/// Maintained schools have no trust; only an academy without one is a gap,
/// because the own-trust rule then cannot keep it apart from its trust.
fn read_trust(row: &Row, columns: &Columns, academy: bool, notes: &mut Notes) -> Option<String> {
    let index = columns.trust?;
    let trust = row.optional_text(Some(index)).map(str::to_owned);
    if trust.is_none() && academy {
        notes.add(
            column::TRUST,
            WarningKind::AcademyWithoutTrust,
            "an academy or free school with no trust named: the own-trust rule cannot apply to it",
        );
    }
    trust
}

fn read_location(
    row: &Row,
    columns: &Columns,
    notes: &mut Notes,
) -> Result<Option<Location>, ImportError> {
    let (Some(_), Some(_)) = (columns.easting, columns.northing) else {
        return Ok(None);
    };
    let easting = row.parse_optional(columns.easting, column::EASTING, EASTING_EXPECTED, |t| {
        parse_in_range(t, MAX_EASTING)
    })?;
    let northing =
        row.parse_optional(columns.northing, column::NORTHING, NORTHING_EXPECTED, |t| {
            parse_in_range(t, MAX_NORTHING)
        })?;
    let (field, message) = match (easting, northing) {
        // 0,0 lies in the sea off the Scillies: a placeholder, not a school.
        (Some(e), Some(n)) if e + n < 1.0 => (
            column::EASTING,
            "Easting and Northing are both 0: location treated as unknown",
        ),
        (Some(easting), Some(northing)) => return Ok(Some(Location { easting, northing })),
        (None, None) => (
            column::EASTING,
            "no Easting/Northing: distances to this school are unknown",
        ),
        (Some(_), None) => (
            column::NORTHING,
            "Northing is empty although Easting is given: location unknown",
        ),
        (None, Some(_)) => (
            column::EASTING,
            "Easting is empty although Northing is given: location unknown",
        ),
    };
    notes.add(field, WarningKind::NoCoordinates, message);
    Ok(None)
}

fn read_ofsted(row: &Row, columns: &Columns, notes: &mut Notes) -> Option<OfstedGrade> {
    let text = row.text(columns.ofsted?);
    if text.is_empty() {
        notes.add(
            column::OFSTED,
            WarningKind::NoOfstedRating,
            "no Ofsted rating (not yet inspected under this URN, or not published)",
        );
        return None;
    }
    let grade = OfstedGrade::from_gias(text);
    if grade.is_none() {
        notes.add(
            column::OFSTED,
            WarningKind::UnknownOfstedRating,
            format!(
                "Ofsted rating {} is not Outstanding, Good, Requires improvement or Inadequate: treated as unknown",
                shown(text)
            ),
        );
    }
    grade
}

/// GIAS spells "no religious character" several ways.
fn religious_character(text: Option<&str>) -> Option<String> {
    const NONE: [&str; 4] = [
        "Does not apply",
        "None",
        "No religious character",
        "Not reported",
    ];
    text.filter(|t| !one_of(t, &NONE)).map(str::to_owned)
}

fn parse_in_range(text: &str, max: f64) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| (0.0..=max).contains(v))
}

/// GIAS extracts write `YYYY-MM-DD`; its web downloads `DD-MM-YYYY` or
/// `DD/MM/YYYY`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let separator = if text.contains('/') { '/' } else { '-' };
    let mut parts = text.split(separator);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (year, month, day) = if a.len() == 4 && separator == '-' {
        (a, b, c)
    } else if c.len() == 4 {
        (c, b, a)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(
        i32::try_from(digits(year, 4)?).ok()?,
        digits(month, 2)?,
        digits(day, 2)?,
    )
}

/// Only plain digits: `str::parse` would also accept a sign.
fn digits(text: &str, max_len: usize) -> Option<u32> {
    let plain =
        !text.is_empty() && text.len() <= max_len && text.bytes().all(|b| b.is_ascii_digit());
    plain.then(|| text.parse().ok()).flatten()
}

/// The state of one import as rows stream past.
struct Importer<'o> {
    columns: Columns,
    filter: LaFilter<'o>,
    import: Import,
    /// The line each URN kept so far was on, to name both in an error.
    seen: HashMap<Urn, usize>,
}

impl<'o> Importer<'o> {
    fn new(columns: Columns, absent: Vec<&'static str>, selectors: &'o [LaSelector]) -> Self {
        Importer {
            columns,
            filter: LaFilter::new(selectors),
            import: Import {
                absent_columns: absent,
                ..Import::default()
            },
            seen: HashMap::new(),
        }
    }

    fn add(&mut self, record: &StringRecord, line: usize) -> Result<(), ImportError> {
        self.import.rows_read += 1;
        let row = Row { record, line };
        if row.is_blank() {
            self.skip("blank row");
            return Ok(());
        }
        if !self.filter.keeps(&row, &self.columns)? {
            self.skip("outside the selected local authorities");
            return Ok(());
        }
        let academy = match classify(&row, &self.columns) {
            Decision::Keep { academy } => academy,
            Decision::Skip(reason) => {
                self.skip(reason);
                return Ok(());
            }
        };
        let school = read_school(&row, &self.columns, academy, &mut self.import.warnings)?;
        if let Some(first_line) = self.seen.insert(school.urn, line) {
            return Err(ImportError::DuplicateUrn {
                urn: school.urn,
                first_line,
                line,
            });
        }
        self.import.schools.push(school);
        Ok(())
    }

    fn skip(&mut self, reason: &str) {
        *self
            .import
            .skipped
            .entry(reason.to_lowercase())
            .or_default() += 1;
    }

    fn finish(self) -> Result<Import, ImportError> {
        if let Some(selector) = self.filter.first_unmatched() {
            return Err(ImportError::UnknownLa {
                selector: selector.to_string(),
            });
        }
        Ok(self.import)
    }
}

/// A value quoted for a one-line message, shortened if it is long.
fn shown(value: &str) -> String {
    const MAX_CHARS: usize = 60;
    match value.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// 22205 -> "22,205".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 school", "2,017 schools".
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A plain-text report of an import for the SIM: schools per local authority
/// by phase, rows not kept and why, and the gaps in the data.
pub fn summary(import: &Import) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_summary(&mut out, import);
    out
}

fn write_summary(out: &mut String, import: &Import) -> fmt::Result {
    let skipped: usize = import.skipped.values().sum();
    writeln!(
        out,
        "GIAS import: {} read, {} kept, {} not kept.",
        counted(import.rows_read, "row", "rows"),
        counted(import.schools.len(), "school", "schools"),
        counted(skipped, "row", "rows")
    )?;
    writeln!(out)?;
    write_la_table(out, import)?;
    writeln!(out)?;
    write_skipped(out, import)?;
    writeln!(out)?;
    write_warnings(out, import)?;
    if !import.absent_columns.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Columns absent from the file (unknown for every school): {}",
            quoted_list(&import.absent_columns)
        )?;
    }
    Ok(())
}

/// Counts of one table row: schools by phase (in `Phase::ALL` order) and in all.
#[derive(Default)]
struct PhaseCounts {
    by_phase: [usize; Phase::ALL.len()],
    total: usize,
}

impl PhaseCounts {
    fn add(&mut self, phase: Phase) {
        if let Some(i) = Phase::ALL.iter().position(|p| *p == phase) {
            self.by_phase[i] += 1;
        }
        self.total += 1;
    }
}

fn write_la_table(out: &mut String, import: &Import) -> fmt::Result {
    let mut las: BTreeMap<u16, (&str, PhaseCounts)> = BTreeMap::new();
    let mut all = PhaseCounts::default();
    for school in &import.schools {
        let entry = las
            .entry(school.la_code)
            .or_insert_with(|| (school.la_name.as_str(), PhaseCounts::default()));
        entry.1.add(school.phase);
        all.add(school.phase);
    }
    let all_label = format!("All ({})", counted(las.len(), "LA", "LAs"));
    let names = las
        .values()
        .map(|(name, _)| *name)
        .chain([all_label.as_str()]);
    let table = LaTable::new(&all, names);
    table.write_header(out)?;
    for (code, (name, counts)) in &las {
        table.write_row(out, &code.to_string(), name, counts)?;
    }
    table.write_row(out, "", &all_label, &all)
}

/// Column layout of the per-LA table.
struct LaTable {
    /// Indexes into `Phase::ALL` of the phases shown.
    phases: Vec<usize>,
    phase_widths: Vec<usize>,
    name_width: usize,
    total_width: usize,
}

impl LaTable {
    fn new<'a>(all: &PhaseCounts, names: impl Iterator<Item = &'a str>) -> Self {
        // Only phases present get a column, so a one-LA table stays narrow.
        let phases: Vec<usize> = (0..Phase::ALL.len())
            .filter(|&i| all.by_phase[i] > 0)
            .collect();
        let number_width = thousands(all.total).len();
        LaTable {
            phase_widths: phases
                .iter()
                .map(|&i| Phase::ALL[i].gias_name().len().max(number_width))
                .collect(),
            phases,
            name_width: names
                .map(|n| n.chars().count())
                .chain(["Local authority".len()])
                .max()
                .unwrap_or(0),
            total_width: "Total".len().max(number_width),
        }
    }

    fn write_header(&self, out: &mut String) -> fmt::Result {
        let (name_width, total_width) = (self.name_width, self.total_width);
        write!(out, "{:<4} {:<name_width$}", "LA", "Local authority")?;
        for (&i, width) in self.phases.iter().zip(&self.phase_widths) {
            write!(out, "  {:>width$}", Phase::ALL[i].gias_name())?;
        }
        writeln!(out, "  {:>total_width$}", "Total")
    }

    fn write_row(
        &self,
        out: &mut String,
        code: &str,
        name: &str,
        counts: &PhaseCounts,
    ) -> fmt::Result {
        let (name_width, total_width) = (self.name_width, self.total_width);
        write!(out, "{code:<4} {name:<name_width$}")?;
        for (&i, width) in self.phases.iter().zip(&self.phase_widths) {
            write!(out, "  {:>width$}", thousands(counts.by_phase[i]))?;
        }
        writeln!(out, "  {:>total_width$}", thousands(counts.total))
    }
}

fn write_skipped(out: &mut String, import: &Import) -> fmt::Result {
    if import.skipped.is_empty() {
        return writeln!(out, "Rows not kept: none.");
    }
    writeln!(out, "Rows not kept:")?;
    let width = import
        .skipped
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0);
    for (reason, count) in &import.skipped {
        writeln!(out, "  {reason:<width$}  {:>8}", thousands(*count))?;
    }
    Ok(())
}

/// How many URNs each warning line lists before "and N more".
const URNS_LISTED: usize = 10;

fn write_warnings(out: &mut String, import: &Import) -> fmt::Result {
    if import.warnings.is_empty() {
        return writeln!(out, "Warnings: none.");
    }
    writeln!(
        out,
        "Warnings ({} in all):",
        thousands(import.warnings.len())
    )?;
    for kind in WarningKind::ALL {
        let urns: Vec<Urn> = import
            .warnings
            .iter()
            .filter(|w| w.kind == kind)
            .map(|w| w.urn)
            .collect();
        if urns.is_empty() {
            continue;
        }
        let listed: Vec<String> = urns.iter().take(URNS_LISTED).map(Urn::to_string).collect();
        write!(
            out,
            "  {}: URN {}",
            kind.describe_count(urns.len()),
            listed.join(", ")
        )?;
        if urns.len() > URNS_LISTED {
            write!(out, " and {} more", thousands(urns.len() - URNS_LISTED))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTF8_BOM_LF: &[u8] = include_bytes!("../tests/fixtures/gias-utf8-bom-lf.csv");
    const CP1252_CRLF: &[u8] = include_bytes!("../tests/fixtures/gias-cp1252-crlf.csv");

    /// A small extract built in the test: these columns, one valid default row
    /// that each test varies by column name.
    const COLUMNS: [&str; 15] = [
        "URN",
        "LA (code)",
        "LA (name)",
        "EstablishmentName",
        "TypeOfEstablishment (name)",
        "EstablishmentTypeGroup (name)",
        "EstablishmentStatus (name)",
        "PhaseOfEducation (name)",
        "Trusts (name)",
        "NumberOfPupils",
        "PercentageFSM",
        "Easting",
        "Northing",
        "OfstedLastInsp",
        "OfstedRating (name)",
    ];
    const DEFAULTS: [&str; 15] = [
        "100001",
        "883",
        "Thurrock",
        "Alpha Primary School",
        "Community school",
        "Local authority maintained schools",
        "Open",
        "Primary",
        "",
        "210",
        "15.5",
        "560000",
        "180000",
        "2019-05-14",
        "Good",
    ];

    fn quote(value: &str) -> String {
        format!("\"{}\"", value.replace('"', "\"\""))
    }

    fn row(overrides: &[(&str, &str)]) -> String {
        COLUMNS
            .iter()
            .zip(DEFAULTS)
            .map(|(column, default)| {
                let value = overrides
                    .iter()
                    .find(|(c, _)| c == column)
                    .map_or(default, |(_, v)| *v);
                quote(value)
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn file(rows: &[String]) -> Vec<u8> {
        let mut text = COLUMNS.map(quote).join(",");
        for r in rows {
            text.push('\n');
            text.push_str(r);
        }
        text.push('\n');
        text.into_bytes()
    }

    fn all() -> ImportOptions {
        ImportOptions::default()
    }

    fn only(selectors: &[&str]) -> ImportOptions {
        ImportOptions {
            las: selectors
                .iter()
                .map(|s| s.parse().expect("selector"))
                .collect(),
        }
    }

    fn urns(import: &Import) -> Vec<u32> {
        import.schools.iter().map(|s| s.urn.0).collect()
    }

    fn error(bytes: &[u8]) -> String {
        let message = import_gias(bytes, &all())
            .expect_err("import should fail")
            .to_string();
        assert!(!message.contains('\n'), "not one line: {message}");
        message
    }

    #[test]
    fn utf8_file_with_bom_shuffled_and_extra_columns() {
        let import = import_gias(UTF8_BOM_LF, &all()).expect("import");
        assert_eq!(import.rows_read, 8);
        assert_eq!(urns(&import), [900001, 900002, 900003, 900006, 900008]);
        let mary = &import.schools[0];
        assert_eq!(
            mary.name,
            "St Mary\u{2019}s Church of England Primary School"
        );
        assert_eq!(mary.la_code, 883);
        assert_eq!(mary.la_name, "Thurrock");
        assert_eq!(mary.phase, Phase::Primary);
        assert_eq!(mary.establishment_type, "Voluntary aided school");
        assert_eq!(mary.trust, None);
        assert_eq!(
            mary.location,
            Some(Location {
                easting: 561000.0,
                northing: 178000.0
            })
        );
        assert_eq!(mary.postcode.as_deref(), Some("RM17 6AA"));
        assert_eq!(mary.town.as_deref(), Some("Grays"));
        assert_eq!(mary.pupils, Some(210));
        assert_eq!(mary.fsm_percent, Some(18.5));
        assert_eq!(mary.ofsted, Some(OfstedGrade::Good));
        assert_eq!(mary.last_inspection, NaiveDate::from_ymd_opt(2019, 5, 14));
        assert_eq!(
            mary.religious_character.as_deref(),
            Some("Church of England")
        );
        assert_eq!(
            import.schools[1].trust.as_deref(),
            Some("GRAYS LEARNING TRUST")
        );
        assert_eq!(import.schools[1].religious_character, None);
        assert_eq!(import.schools[4].name, "\u{c9}glise Lane Primary School");
        assert_eq!(
            import.schools[4].last_inspection,
            NaiveDate::from_ymd_opt(2017, 3, 14)
        );
        assert_eq!(import.schools[4].religious_character, None);
        assert!(import.absent_columns.is_empty());
    }

    #[test]
    fn skipped_rows_are_counted_by_reason() {
        let import = import_gias(UTF8_BOM_LF, &all()).expect("import");
        let skipped: Vec<(&str, usize)> = import
            .skipped
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(
            skipped,
            [
                ("closed", 1),
                ("independent schools", 1),
                ("non-maintained special school", 1)
            ]
        );
    }

    #[test]
    fn gaps_become_structured_warnings() {
        let import = import_gias(UTF8_BOM_LF, &all()).expect("import");
        let found: Vec<(usize, u32, &str, WarningKind)> = import
            .warnings
            .iter()
            .map(|w| (w.line, w.urn.0, w.field, w.kind))
            .collect();
        assert_eq!(
            found,
            [
                (4, 900003, "Easting", WarningKind::NoCoordinates),
                (
                    4,
                    900003,
                    "OfstedRating (name)",
                    WarningKind::NoOfstedRating
                ),
                (7, 900006, "Trusts (name)", WarningKind::AcademyWithoutTrust),
            ]
        );
        let pru = &import.schools[2];
        assert_eq!(
            (pru.location, pru.ofsted, pru.fsm_percent),
            (None, None, None)
        );
        let shown = import.warnings[0].to_string();
        assert!(
            shown.starts_with("line 4, URN 900003, column \"Easting\": "),
            "{shown}"
        );
        assert!(!shown.contains('\n'));
    }

    #[test]
    fn windows_1252_file_with_crlf() {
        let import = import_gias(CP1252_CRLF, &all()).expect("import");
        assert_eq!(urns(&import), [900101, 900102, 900103]);
        assert_eq!(
            import.schools[0].name,
            "St Mary\u{2019}s Catholic Primary School"
        );
        assert_eq!(import.schools[2].name, "Cr\u{e8}che Lane Nursery School");
        assert_eq!(import.schools[2].phase, Phase::Nursery);
        assert_eq!(
            import.schools[0].last_inspection,
            NaiveDate::from_ymd_opt(2013, 4, 19)
        );
        assert_eq!(
            import.schools[1].ofsted,
            Some(OfstedGrade::RequiresImprovement)
        );
        // CRLF must not shift line numbers or leak into values.
        assert_eq!(import.warnings[0].line, 4);
        assert_eq!(import.schools[2].postcode.as_deref(), Some("RM17 6AC"));
        assert_eq!(import.skipped.get("closed"), Some(&1));
    }

    #[test]
    fn filters_by_la_code_and_by_name() {
        let by_code = import_gias(UTF8_BOM_LF, &only(&["881"])).expect("import");
        assert_eq!(urns(&by_code), [900006, 900008]);
        assert_eq!(
            by_code
                .skipped
                .get("outside the selected local authorities"),
            Some(&4)
        );
        let by_name = import_gias(UTF8_BOM_LF, &only(&["  tHURROCK "])).expect("import");
        assert_eq!(urns(&by_name), [900001, 900002, 900003]);
        let both = import_gias(UTF8_BOM_LF, &only(&["881", "Thurrock"])).expect("import");
        assert_eq!(both.schools.len(), 5);
    }

    #[test]
    fn a_selector_matching_nothing_is_an_error() {
        let e = import_gias(UTF8_BOM_LF, &only(&["Thurock"])).expect_err("typo");
        assert!(matches!(&e, ImportError::UnknownLa { selector } if selector == "Thurock"));
        assert!(e.to_string().contains("\"Thurock\""));
    }

    #[test]
    fn la_selector_parses_codes_and_names() {
        assert_eq!("883".parse(), Ok(LaSelector::Code(883)));
        assert_eq!(" Kent ".parse(), Ok(LaSelector::Name("Kent".into())));
        assert_eq!(
            "Bristol, City of".parse(),
            Ok(LaSelector::Name("Bristol, City of".into()))
        );
        assert!("99999999".parse::<LaSelector>().is_err());
        assert!("  ".parse::<LaSelector>().is_err());
        assert!(LaSelector::Name("ÉSSEX".into()).matches_name("éssex"));
    }

    #[test]
    fn malformed_urn_names_line_column_and_value() {
        let bytes = file(&[row(&[]), row(&[("URN", "12a4")])]);
        assert_eq!(
            error(&bytes),
            r#"line 3, column "URN": "12a4" is not a URN"#
        );
    }

    #[test]
    fn malformed_urn_in_a_skipped_row_is_ignored() {
        let bytes = file(&[
            row(&[]),
            row(&[("URN", "12a4"), ("EstablishmentStatus (name)", "Closed")]),
        ]);
        assert_eq!(
            urns(&import_gias(&bytes, &all()).expect("import")),
            [100001]
        );
    }

    #[test]
    fn malformed_kept_values_fail_the_whole_import() {
        let cases = [
            (
                "LA (code)",
                "88x",
                "line 2, column \"LA (code)\": \"88x\" is not an LA code",
            ),
            (
                "PhaseOfEducation (name)",
                "Infant",
                "line 2, column \"PhaseOfEducation (name)\": \"Infant\" is not a GIAS phase",
            ),
            (
                "NumberOfPupils",
                "2l0",
                "line 2, column \"NumberOfPupils\": \"2l0\" is not a number of pupils",
            ),
            (
                "PercentageFSM",
                "101",
                "line 2, column \"PercentageFSM\": \"101\" is not a percentage",
            ),
            (
                "Easting",
                "east",
                "line 2, column \"Easting\": \"east\" is not an Easting",
            ),
            (
                "Northing",
                "-5",
                "line 2, column \"Northing\": \"-5\" is not a Northing",
            ),
            (
                "OfstedLastInsp",
                "2019-13-01",
                "line 2, column \"OfstedLastInsp\": \"2019-13-01\" is not a date",
            ),
            (
                "EstablishmentName",
                "",
                "line 2, column \"EstablishmentName\": \"\" is not a school name",
            ),
        ];
        for (column, value, expected) in cases {
            let message = error(&file(&[row(&[(column, value)])]));
            assert!(message.starts_with(expected), "{message}");
        }
    }

    #[test]
    fn long_bad_values_are_shortened() {
        let long = "x".repeat(500);
        let message = error(&file(&[row(&[("URN", &long)])]));
        assert!(message.len() < 150, "{message}");
        assert!(message.contains('…'));
    }

    #[test]
    fn line_numbers_count_physical_lines() {
        let bytes = file(&[
            row(&[("EstablishmentName", "Two\nLine School")]),
            row(&[("URN", "100002")]),
            row(&[("URN", "x")]),
        ]);
        assert!(error(&bytes).starts_with("line 5, column \"URN\""));
    }

    #[test]
    fn line_numbers_survive_crlf_blank_lines_and_lone_cr() {
        let rows = [row(&[]), row(&[("URN", "100002")]), row(&[("URN", "x")])];
        let lf = String::from_utf8(file(&rows)).expect("utf-8");
        let crlf = lf.replace('\n', "\r\n");
        assert!(error(crlf.as_bytes()).starts_with("line 4, column \"URN\""));
        let cr = lf.replace('\n', "\r");
        assert!(error(cr.as_bytes()).starts_with("line 4, column \"URN\""));
        // Two blank lines after the header and two after the first row.
        let blanks = crlf.replacen("\r\n", "\r\n\r\n\r\n", 2);
        let message = error(blanks.as_bytes());
        assert!(message.starts_with("line 8, column \"URN\""), "{message}");
    }

    #[test]
    fn line_counter_counts_each_kind_of_break() {
        let mut lines = LineCounter::new(b"a\nb\r\nc\rd\r\n\r\ne");
        assert_eq!(lines.line_at(0), 1);
        assert_eq!(lines.line_at(2), 2);
        assert_eq!(lines.line_at(4), 3);
        assert_eq!(lines.line_at(7), 4);
        assert_eq!(lines.line_at(9), 6);
        assert_eq!(lines.line_at(2), 2);
    }

    #[test]
    fn missing_required_columns_are_all_named() {
        let text = "\"URN\",\"EstablishmentName\",\"LA (code)\",\"Easting\"\n\"100001\",\"A\",\"883\",\"1\"\n";
        let e = import_gias(text.as_bytes(), &all()).expect_err("missing columns");
        assert_eq!(
            e.to_string(),
            "line 1: the header lacks required columns \"LA (name)\", \"PhaseOfEducation (name)\", \
             \"EstablishmentStatus (name)\", \"TypeOfEstablishment (name)\"; is this a GIAS extract?"
        );
    }

    #[test]
    fn duplicate_urn_names_both_lines() {
        let bytes = file(&[row(&[]), row(&[("URN", "100002")]), row(&[])]);
        assert_eq!(
            error(&bytes),
            "line 4, column \"URN\": \"100001\" appears twice (first on line 2); a URN must be unique"
        );
    }

    #[test]
    fn duplicate_column_is_an_error() {
        let text = "URN,LA (code),LA (name),EstablishmentName,PhaseOfEducation (name),\
                    EstablishmentStatus (name),TypeOfEstablishment (name), URN \n";
        assert!(error(text.as_bytes()).contains("column \"URN\" twice (columns 1 and 8)"));
    }

    #[test]
    fn ragged_row_is_a_csv_error_with_its_line() {
        let mut bytes = file(&[row(&[])]);
        bytes.extend_from_slice(b"\"100002\",\"883\"\n");
        let message = error(&bytes);
        assert!(
            message.starts_with("line 3: the row has 2 fields but the header has 15"),
            "{message}"
        );
    }

    #[test]
    fn missing_coordinate_is_a_warning_and_no_location() {
        let bytes = file(&[
            row(&[("Northing", "")]),
            row(&[("URN", "100002"), ("Easting", "0"), ("Northing", "0")]),
        ]);
        let import = import_gias(&bytes, &all()).expect("import");
        assert_eq!(import.schools.len(), 2);
        assert!(import.schools.iter().all(|s| s.location.is_none()));
        let kinds: Vec<(&str, WarningKind)> =
            import.warnings.iter().map(|w| (w.field, w.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("Northing", WarningKind::NoCoordinates),
                ("Easting", WarningKind::NoCoordinates)
            ]
        );
    }

    #[test]
    fn trust_is_a_gap_only_for_academies() {
        let academy = [
            ("URN", "100002"),
            ("TypeOfEstablishment (name)", "Academy converter"),
            ("EstablishmentTypeGroup (name)", "Academies"),
        ];
        let import = import_gias(&file(&[row(&[]), row(&academy)]), &all()).expect("import");
        let kinds: Vec<(u32, WarningKind)> =
            import.warnings.iter().map(|w| (w.urn.0, w.kind)).collect();
        assert_eq!(kinds, [(100002, WarningKind::AcademyWithoutTrust)]);
    }

    #[test]
    fn absent_optional_columns_are_noted_once() {
        let text = "URN,LA (code),LA (name),EstablishmentName,PhaseOfEducation (name),\
                    EstablishmentStatus (name),TypeOfEstablishment (name)\n\
                    100001,883,Thurrock,Alpha,Primary,Open,Academy converter\n\
                    100002,883,Thurrock,Beta,Primary,Open,Other independent school\n";
        let import = import_gias(text.as_bytes(), &all()).expect("import");
        assert_eq!(urns(&import), [100001]);
        assert!(import.warnings.is_empty());
        assert_eq!(import.absent_columns.len(), column::OPTIONAL.len());
        assert_eq!(import.skipped.get("other independent school"), Some(&1));
        let school = &import.schools[0];
        assert_eq!(
            (school.location, school.ofsted, &school.trust),
            (None, None, &None)
        );
    }

    #[test]
    fn unknown_ofsted_word_is_a_warning() {
        let bytes = file(&[
            row(&[("OfstedRating (name)", "Serious Weaknesses")]),
            row(&[
                ("URN", "2"),
                ("OfstedRating (name)", "Insufficient evidence"),
            ]),
        ]);
        let import = import_gias(&bytes, &all()).expect("import");
        assert_eq!(import.schools[0].ofsted, Some(OfstedGrade::Inadequate));
        assert_eq!(import.schools[1].ofsted, None);
        assert_eq!(import.warnings[0].kind, WarningKind::UnknownOfstedRating);
    }

    #[test]
    fn dates_in_the_three_gias_shapes() {
        let expected = NaiveDate::from_ymd_opt(2019, 5, 4);
        for text in ["2019-05-04", "04-05-2019", "04/05/2019", "4/5/2019"] {
            assert_eq!(parse_date(text), expected, "{text}");
        }
        for text in [
            "2019/05/04",
            "2019-5",
            "+4-05-2019",
            "31-02-2019",
            "04-05-19",
            "2019-05-04-01",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn non_text_files_are_refused_clearly() {
        assert!(error(b"PK\x03\x04rest of a workbook").contains("Excel workbook"));
        assert!(error(b"\xFF\xFEU\0R\0N\0").contains("UTF-16"));
        let mut bom_then_1252 = b"\xEF\xBB\xBFURN\n".to_vec();
        bom_then_1252.extend_from_slice(b"St Mary\x92s\n");
        assert!(error(&bom_then_1252).contains("line 2 is not valid UTF-8"));
        assert!(matches!(
            import_gias(b"  \r\n", &all()),
            Err(ImportError::Empty)
        ));
    }

    #[test]
    fn blank_rows_are_skipped() {
        let mut bytes = file(&[row(&[])]);
        bytes.extend_from_slice(b",,,,,,,,,,,,,,\n");
        let import = import_gias(&bytes, &all()).expect("import");
        assert_eq!(import.schools.len(), 1);
        assert_eq!(import.skipped.get("blank row"), Some(&1));
    }

    #[test]
    fn file_errors_name_the_path() {
        let path = Path::new("/no/such/dir/gias.csv");
        let e = import_gias_file(path, &all()).expect_err("missing file");
        assert!(
            e.to_string()
                .starts_with("cannot read /no/such/dir/gias.csv: "),
            "{e}"
        );
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gias-cp1252-crlf.csv");
        assert_eq!(
            import_gias_file(&fixture, &all())
                .expect("import")
                .schools
                .len(),
            3
        );
    }

    #[test]
    fn summary_tables_schools_by_la_and_phase() {
        let import = import_gias(UTF8_BOM_LF, &all()).expect("import");
        let text = summary(&import);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "GIAS import: 8 rows read, 5 schools kept, 3 rows not kept."
        );
        assert_eq!(
            &lines[2..6],
            [
                "LA   Local authority  Primary  Secondary  Not applicable  Total",
                "881  Essex                  1          1               0      2",
                "883  Thurrock               1          1               1      3",
                "     All (2 LAs)            2          2               1      5",
            ]
        );
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().eq(["closed", "1"])),
            "{text}"
        );
        assert!(text.contains("1 school has no coordinates (Easting/Northing): URN 900003\n"));
        assert!(text.contains("1 academy or free school has no trust named: URN 900006\n"));
    }

    #[test]
    fn summary_lists_many_urns_compactly() {
        let rows: Vec<String> = (1..=13)
            .map(|n| row(&[("URN", &n.to_string()), ("Easting", ""), ("Northing", "")]))
            .collect();
        let text = summary(&import_gias(&file(&rows), &all()).expect("import"));
        assert!(
            text.contains("13 schools have no coordinates (Easting/Northing): URN 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 3 more\n"),
            "{text}"
        );
        assert_eq!(thousands(2017), "2,017");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
