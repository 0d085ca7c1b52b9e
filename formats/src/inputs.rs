//! Readers for the project's own CSV files: headteachers, advisers,
//! consultants, past groups, SSPB categories, need, last year's consultant
//! allocations and availability; and for its TOML files (rules, calendar, the
//! SIM's hand), whose errors name the line, column and value too.
//! `data/README.md` documents every format.
//!
//! The SIM prepares these files in a spreadsheet, so the readers are lenient
//! about what spreadsheets do (a UTF-8 byte order mark, CRLF line ends,
//! columns in any order, extra columns, spaces around values) and strict about
//! content: one bad row rejects the whole file, with a one-line message naming
//! the file, line, field and value, because a half-read list of people would
//! silently produce a wrong plan.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use csv::StringRecord;
use optimiser::model::{
    Adviser, AdviserKind, Consultant, ConsultantKind, Headteacher, Location, NeedArea, PastTriad,
    PhaseGroup, SspbCategory, Urn,
};
use optimiser::schedule::{Availability, Level, Person};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use thiserror::Error;

const HEADS: &str = "heads.csv";
const ADVISERS: &str = "advisers.csv";
const CONSULTANTS: &str = "consultants.csv";
const HISTORY: &str = "history.csv";
const SSPB: &str = "sspb.csv";
const NEED: &str = "need.csv";
const LAST_ALLOCATIONS: &str = "last_allocations.csv";

/// Separates the items of a list inside one field (`primary;secondary`).
pub const LIST_SEPARATOR: char = ';';

/// Why a file was rejected. Every message is one line that names the file
/// and, where there is one, the line, field and value at fault.
#[derive(Debug, Error)]
pub enum InputError {
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} line {line}: the file is not UTF-8 text (save it as \"CSV UTF-8\")")]
    NotUtf8 { file: String, line: u64 },
    #[error("{file} line {line}: missing column \"{column}\"")]
    MissingColumn {
        file: String,
        line: u64,
        column: String,
    },
    #[error("{file} line {line}: {problem}")]
    BadRow {
        file: String,
        line: u64,
        problem: String,
    },
    #[error("{file} line {line}, field \"{field}\": {value:?} {problem}")]
    BadValue {
        file: String,
        line: u64,
        field: String,
        value: String,
        problem: String,
    },
    /// A TOML file: `value` is the text at fault as written in the file.
    #[error("{file} line {line}, column {column}, at {value}: {problem}")]
    BadToml {
        file: String,
        line: u64,
        column: u64,
        value: String,
        problem: String,
    },
    /// A fault of the whole file, with no one place to point at.
    #[error("{file}: {problem}")]
    BadFile { file: String, problem: String },
    /// More than one fault: every bad row is reported at once, so that the
    /// SIM mends the file in one go instead of one upload per mistake.
    #[error("{} (and {} more problems)", errors[0], errors.len() - 1)]
    Several {
        file: String,
        errors: Vec<InputError>,
    },
}

impl InputError {
    /// Each fault on its own: the faults of `Several`, or this one.
    pub fn each(&self) -> Vec<&InputError> {
        match self {
            InputError::Several { errors, .. } => errors.iter().collect(),
            other => vec![other],
        }
    }
}

/// No fault, one, or `Several`.
fn faults(file: &str, mut errors: Vec<InputError>) -> Result<(), InputError> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(InputError::Several {
            file: file.to_string(),
            errors,
        }),
    }
}

/// Reads every row with `read`, going on past a bad row so that all the
/// file's bad rows are reported together (the first fault of each).
fn each_row<T>(
    table: &Table,
    mut read: impl FnMut(&Row) -> Result<T, InputError>,
) -> Result<Vec<T>, InputError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in table.rows() {
        match read(&row) {
            Ok(v) => out.push(v),
            Err(e) => errors.push(e),
        }
    }
    faults(&table.file, errors)?;
    Ok(out)
}

// A row of `need.csv` is one support need of one school (its priority 2
// where the file leaves it empty), and a row of `last_allocations.csv` the
// days a consultant gave a school in an earlier year: the allocation's own
// types, so that what is read goes to it unchanged.
pub use optimiser::allocate::{NeedEntry, PastAllocation};

/// The priority of a need whose row leaves `priority` empty.
pub const DEFAULT_PRIORITY: u8 = 2;

pub fn read_heads(path: &Path) -> Result<Vec<Headteacher>, InputError> {
    read_with(path, heads_from)
}

pub fn parse_heads(text: &str) -> Result<Vec<Headteacher>, InputError> {
    heads_from(HEADS, text)
}

pub fn read_advisers(path: &Path) -> Result<Vec<Adviser>, InputError> {
    read_with(path, advisers_from)
}

pub fn parse_advisers(text: &str) -> Result<Vec<Adviser>, InputError> {
    advisers_from(ADVISERS, text)
}

pub fn read_consultants(path: &Path) -> Result<Vec<Consultant>, InputError> {
    read_with(path, consultants_from)
}

pub fn parse_consultants(text: &str) -> Result<Vec<Consultant>, InputError> {
    consultants_from(CONSULTANTS, text)
}

pub fn read_history(path: &Path) -> Result<Vec<PastTriad>, InputError> {
    read_with(path, history_from)
}

pub fn parse_history(text: &str) -> Result<Vec<PastTriad>, InputError> {
    history_from(HISTORY, text)
}

pub fn read_sspb(path: &Path) -> Result<Vec<(Urn, SspbCategory)>, InputError> {
    read_with(path, sspb_from)
}

pub fn parse_sspb(text: &str) -> Result<Vec<(Urn, SspbCategory)>, InputError> {
    sspb_from(SSPB, text)
}

pub fn read_need(path: &Path) -> Result<Vec<NeedEntry>, InputError> {
    read_with(path, need_from)
}

pub fn parse_need(text: &str) -> Result<Vec<NeedEntry>, InputError> {
    need_from(NEED, text)
}

pub fn read_last_allocations(path: &Path) -> Result<Vec<PastAllocation>, InputError> {
    read_with(path, last_allocations_from)
}

pub fn parse_last_allocations(text: &str) -> Result<Vec<PastAllocation>, InputError> {
    last_allocations_from(LAST_ALLOCATIONS, text)
}

/// Reads a file and parses it, naming the file as the user called it so that
/// messages point at what they actually uploaded.
fn read_with<T>(
    path: &Path,
    parse: fn(&str, &str) -> Result<Vec<T>, InputError>,
) -> Result<Vec<T>, InputError> {
    let (file, text) = read_text(path)?;
    parse(&file, &text)
}

/// The file's name as the user gave it, and its text.
fn read_text(path: &Path) -> Result<(String, String), InputError> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = std::fs::read(path).map_err(|source| InputError::Io {
        file: file.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count() as u64;
        InputError::NotUtf8 {
            file: file.clone(),
            line,
        }
    })?;
    Ok((file, text))
}

/// The columns each file must have, by the kind the service calls it.
pub const REQUIRED_COLUMNS: &[(&str, &[&str])] = &[
    ("heads", &["urn", "name", "email"]),
    (
        "advisers",
        &["id", "name", "kind", "phases", "capacity_days", "day_rate"],
    ),
    (
        "consultants",
        &[
            "id",
            "name",
            "kind",
            "specialisms",
            "phases",
            "days_available",
            "day_rate",
        ],
    ),
    ("history", &["year", "group_id", "urn"]),
    ("sspb", &["urn", "category"]),
    ("need", &["urn", "area"]),
    (
        "last_allocations",
        &["year", "consultant", "urn", "area", "days"],
    ),
];

fn required(kind: &str) -> &'static [&'static str] {
    REQUIRED_COLUMNS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, c)| *c)
}

/// The kinds whose required columns the header of `text` all has (its
/// first line, headings matched whatever their case), most specific first:
/// how a file uploaded as the wrong kind is recognised.
pub fn kinds_with_header(text: &str) -> Vec<&'static str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let Ok(header) = reader.headers() else {
        return Vec::new();
    };
    let names: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    let mut kinds: Vec<(&'static str, usize)> = REQUIRED_COLUMNS
        .iter()
        .filter(|(_, cols)| cols.iter().all(|c| names.iter().any(|n| n == c)))
        .map(|(k, cols)| (*k, cols.len()))
        .collect();
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
    kinds.into_iter().map(|(k, _)| k).collect()
}

fn heads_from(file: &str, text: &str) -> Result<Vec<Headteacher>, InputError> {
    let table = Table::parse(file, text, required("heads"))?;
    let mut seen = Seen::default();
    each_row(&table, |row| {
        let school = urn(row, "urn")?;
        seen.check(row, "urn", school)?;
        row.required("email")?;
        Ok(Headteacher {
            school,
            name: row.required("name")?.to_string(),
            email: email(row, "email")?.unwrap_or_default(),
        })
    })
}

fn advisers_from(file: &str, text: &str) -> Result<Vec<Adviser>, InputError> {
    let table = Table::parse(file, text, required("advisers"))?;
    let mut seen = Seen::default();
    each_row(&table, |row| {
        let id = row.required("id")?;
        seen.check(row, "id", id.to_string())?;
        Ok(Adviser {
            id: id.to_string(),
            name: row.required("name")?.to_string(),
            kind: choice::<AdviserKind>(row, "kind", ADVISER_KINDS)?,
            phases: list::<PhaseGroup>(row, "phases", PHASES)?,
            capacity_days: whole_number(row, "capacity_days")?,
            day_rate: pounds(row, "day_rate")?,
            base: location(row)?,
            linked_school: optional_urn(row, "linked_school")?,
            linked_trust: row.optional("linked_trust").map(str::to_string),
            email: email(row, "email")?,
        })
    })
}

fn consultants_from(file: &str, text: &str) -> Result<Vec<Consultant>, InputError> {
    let table = Table::parse(file, text, required("consultants"))?;
    let mut seen = Seen::default();
    each_row(&table, |row| {
        let id = row.required("id")?;
        seen.check(row, "id", id.to_string())?;
        Ok(Consultant {
            id: id.to_string(),
            name: row.required("name")?.to_string(),
            kind: choice::<ConsultantKind>(row, "kind", CONSULTANT_KINDS)?,
            specialisms: list::<NeedArea>(row, "specialisms", AREAS)?,
            phases: list::<PhaseGroup>(row, "phases", PHASES)?,
            days_available: whole_number(row, "days_available")?,
            home_school: optional_urn(row, "home_school")?,
            trust: row.optional("trust").map(str::to_string),
            base: location(row)?,
            day_rate: pounds(row, "day_rate")?,
            email: email(row, "email")?,
        })
    })
}

/// Rows sharing `(year, group_id)` form one group, in the order the groups
/// first appear; a school can be in only one group a year.
fn history_from(file: &str, text: &str) -> Result<Vec<PastTriad>, InputError> {
    let table = Table::parse(file, text, required("history"))?;
    let mut groups: Vec<PastTriad> = Vec::new();
    let mut group_index: HashMap<(i32, String), (usize, u64)> = HashMap::new();
    let mut seen = Seen::default();
    each_row(&table, |row| {
        let year = year(row, "year")?;
        let id = row.required("group_id")?.to_string();
        let school = urn(row, "urn")?;
        seen.check(row, "urn", (year, school))?;
        let adviser = row.optional("adviser").map(str::to_string);
        let (index, first_line) = *group_index.entry((year, id.clone())).or_insert_with(|| {
            groups.push(PastTriad {
                year,
                id,
                schools: Vec::new(),
                adviser: None,
            });
            (groups.len() - 1, row.line)
        });
        let group = &mut groups[index];
        group.schools.push(school);
        merge_adviser(row, group, adviser, first_line)
    })?;
    Ok(groups)
}

/// The adviser may be written on every row of a group or only on some, but
/// two different names for one group are a mistake worth stopping for.
fn merge_adviser(
    row: &Row,
    group: &mut PastTriad,
    adviser: Option<String>,
    first_line: u64,
) -> Result<(), InputError> {
    match (&group.adviser, adviser) {
        (Some(known), Some(given)) if *known != given => Err(row.bad(
            "adviser",
            &given,
            &format!(
                "differs from {known:?} given for group {:?} (first on line {first_line})",
                group.id
            ),
        )),
        (None, Some(given)) => {
            group.adviser = Some(given);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn sspb_from(file: &str, text: &str) -> Result<Vec<(Urn, SspbCategory)>, InputError> {
    let table = Table::parse(file, text, required("sspb"))?;
    let mut seen = Seen::default();
    each_row(&table, |row| {
        let school = urn(row, "urn")?;
        seen.check(row, "urn", school)?;
        Ok((school, choice(row, "category", CATEGORIES)?))
    })
}

fn need_from(file: &str, text: &str) -> Result<Vec<NeedEntry>, InputError> {
    let table = Table::parse(file, text, required("need"))?;
    let mut seen = Seen::default();
    each_row(&table, |row| {
        let school = urn(row, "urn")?;
        let area = choice::<NeedArea>(row, "area", AREAS)?;
        seen.check(row, "area", (school, area))?;
        Ok(NeedEntry {
            urn: school,
            area,
            priority: priority(row, "priority")?,
            note: row.optional("note").map(str::to_string),
        })
    })
}

fn last_allocations_from(file: &str, text: &str) -> Result<Vec<PastAllocation>, InputError> {
    let table = Table::parse(file, text, required("last_allocations"))?;
    each_row(&table, |row| {
        let days = whole_number(row, "days")?;
        if days == 0 {
            return Err(row.bad("days", row.text("days"), "is not at least 1 day"));
        }
        Ok(PastAllocation {
            year: year(row, "year")?,
            consultant: row.required("consultant")?.to_string(),
            urn: urn(row, "urn")?,
            area: choice(row, "area", AREAS)?,
            days,
        })
    })
}

/// A whole file read into records, with its columns looked up by name.
struct Table {
    file: String,
    columns: HashMap<String, usize>,
    /// The headings as the file writes them, for messages.
    headings: Vec<String>,
    /// Each record with the line it starts on.
    records: Vec<(u64, StringRecord)>,
}

impl Table {
    fn parse(file: &str, text: &str, required: &[&str]) -> Result<Table, InputError> {
        // Excel's "CSV UTF-8" starts with a byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = Lines::of(text);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| csv_error(file, &lines, &e))?
            .clone();
        let header_line = lines.at(header.position());
        let columns = column_index(file, header_line, &header)?;
        let missing: Vec<InputError> = required
            .iter()
            .filter(|c| !columns.contains_key(**c))
            .map(|missing| InputError::MissingColumn {
                file: file.to_string(),
                line: header_line,
                column: missing.to_string(),
            })
            .collect();
        faults(file, missing)?;
        let mut records = Vec::new();
        let mut errors = Vec::new();
        'records: for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(csv_error(file, &lines, &e));
                    continue;
                }
            };
            let line = lines.at(record.position());
            // Names and reasons go on into pages, calendars and
            // spreadsheets: a control character (NUL, an escape sequence)
            // has no business in any field of these files. Line breaks and
            // tabs stay: a note may take several lines of a cell (each
            // output escapes them for where it goes).
            for (i, value) in record.iter().enumerate() {
                if let Some(c) = value
                    .chars()
                    .find(|&c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                {
                    errors.push(InputError::BadValue {
                        file: file.to_string(),
                        line,
                        field: header.get(i).unwrap_or_default().to_string(),
                        value: value.to_string(),
                        problem: format!(
                            "contains the invisible character U+{:04X}; remove it",
                            c as u32
                        ),
                    });
                    continue 'records;
                }
            }
            records.push((line, record));
        }
        faults(file, errors)?;
        Ok(Table {
            file: file.to_string(),
            columns,
            headings: header.iter().map(str::to_string).collect(),
            records,
        })
    }

    fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(move |(line, record)| Row {
            table: self,
            record,
            line: *line,
        })
    }
}

/// Line numbers from byte offsets: the csv crate's own line count goes
/// wrong on CRLF files, which is what spreadsheets save. There a record's
/// offset is that of the `\n` ending the line before, hence the `<=`.
struct Lines {
    newlines: Vec<u64>,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i as u64)
            .collect();
        Lines { newlines }
    }

    fn at(&self, position: Option<&csv::Position>) -> u64 {
        let byte = position.map_or(0, |p| p.byte());
        1 + self.newlines.partition_point(|&nl| nl <= byte) as u64
    }
}

/// Header names match whatever their case, so `URN` and `urn` both work.
fn column_index(
    file: &str,
    line: u64,
    header: &StringRecord,
) -> Result<HashMap<String, usize>, InputError> {
    let mut columns = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let key = name.to_ascii_lowercase();
        if !key.is_empty() && columns.insert(key, i).is_some() {
            return Err(InputError::BadRow {
                file: file.to_string(),
                line,
                problem: format!("column {name:?} appears twice in the header"),
            });
        }
    }
    Ok(columns)
}

fn csv_error(file: &str, lines: &Lines, error: &csv::Error) -> InputError {
    let line = lines.at(error.position());
    let problem = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields where the header has {expected_len}"),
        _ => error.to_string(),
    };
    InputError::BadRow {
        file: file.to_string(),
        line,
        problem,
    }
}

/// One data row, with what a message about it needs.
struct Row<'a> {
    table: &'a Table,
    record: &'a StringRecord,
    line: u64,
}

impl<'a> Row<'a> {
    /// The trimmed value, empty where the row or the file lacks it.
    fn text(&self, field: &str) -> &'a str {
        self.table
            .columns
            .get(field)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }

    fn optional(&self, field: &str) -> Option<&'a str> {
        Some(self.text(field)).filter(|v| !v.is_empty())
    }

    fn required(&self, field: &str) -> Result<&'a str, InputError> {
        self.optional(field)
            .ok_or_else(|| self.bad(field, "", "is empty but a value is required"))
    }

    fn bad(&self, field: &str, value: &str, problem: &str) -> InputError {
        // The heading as the file writes it (`URN` where the reader says
        // `urn`), so that the SIM finds the column they typed.
        let heading = self
            .table
            .columns
            .get(field)
            .and_then(|&i| self.table.headings.get(i))
            .map_or(field, String::as_str);
        InputError::BadValue {
            file: self.table.file.clone(),
            line: self.line,
            field: heading.to_string(),
            value: value.to_string(),
            problem: problem.to_string(),
        }
    }
}

/// Remembers the line each key was first seen on, to report duplicates.
struct Seen<K> {
    first: HashMap<K, u64>,
}

impl<K> Default for Seen<K> {
    fn default() -> Self {
        Seen {
            first: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash> Seen<K> {
    fn check(&mut self, row: &Row, field: &str, key: K) -> Result<(), InputError> {
        match self.first.get(&key) {
            Some(first) => Err(row.bad(
                field,
                row.text(field),
                &format!("is listed twice (first on line {first})"),
            )),
            None => {
                self.first.insert(key, row.line);
                Ok(())
            }
        }
    }
}

const ADVISER_KINDS: &str = "an adviser kind (la_officer, tic, nle or inspector)";
const CONSULTANT_KINDS: &str = "a consultant kind (tic, sle or nle)";
const PHASES: &str = "a phase (nursery, primary, secondary or special_and_ap)";
const CATEGORIES: &str = "an SSPB category (red, amber or green)";
const AREAS: &str = "a need area (maths, english_phonics, eyfs, send, disadvantaged, \
                     attendance, behaviour, leadership, governance, assessment or curriculum)";

/// A value of one of the model's enums; `what` names the accepted values.
fn choice<T: FromStr>(row: &Row, field: &str, what: &str) -> Result<T, InputError> {
    let value = row.required(field)?;
    value
        .parse()
        .map_err(|_| row.bad(field, value, &format!("is not {what}")))
}

/// A `;`-separated list of at least one item; repeats are dropped.
fn list<T: FromStr + PartialEq>(row: &Row, field: &str, what: &str) -> Result<Vec<T>, InputError> {
    let mut items = Vec::new();
    for item in row.text(field).split(LIST_SEPARATOR).map(str::trim) {
        if item.is_empty() {
            continue;
        }
        let parsed: T = item
            .parse()
            .map_err(|_| row.bad(field, item, &format!("is not {what}")))?;
        if !items.contains(&parsed) {
            items.push(parsed);
        }
    }
    if items.is_empty() {
        return Err(row.bad(
            field,
            row.text(field),
            "is empty but at least one item is required",
        ));
    }
    Ok(items)
}

fn whole_number(row: &Row, field: &str) -> Result<u32, InputError> {
    let value = row.required(field)?;
    value
        .parse()
        .map_err(|_| row.bad(field, value, "is not a whole number"))
}

fn pounds(row: &Row, field: &str) -> Result<f64, InputError> {
    let value = row.required(field)?;
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| row.bad(field, value, "is not an amount in pounds (0 or more)"))
}

fn urn(row: &Row, field: &str) -> Result<Urn, InputError> {
    let value = row.required(field)?;
    parse_urn(row, field, value)
}

/// An e-mail address as far as a file can tell (the service checks it
/// fully before sending); None where the cell is empty.
fn email(row: &Row, field: &str) -> Result<Option<String>, InputError> {
    match row.optional(field) {
        None => Ok(None),
        Some(v) if v.contains('@') => Ok(Some(v.to_string())),
        Some(v) => Err(row.bad(field, v, "is not an email address")),
    }
}

fn optional_urn(row: &Row, field: &str) -> Result<Option<Urn>, InputError> {
    row.optional(field)
        .map(|value| parse_urn(row, field, value))
        .transpose()
}

fn parse_urn(row: &Row, field: &str, value: &str) -> Result<Urn, InputError> {
    value
        .parse()
        .map_err(|_| row.bad(field, value, "is not a URN (a positive whole number)"))
}

fn year(row: &Row, field: &str) -> Result<i32, InputError> {
    let value = row.required(field)?;
    value
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| row.bad(field, value, "is not a year (such as 2025)"))
}

fn priority(row: &Row, field: &str) -> Result<u8, InputError> {
    let Some(value) = row.optional(field) else {
        return Ok(DEFAULT_PRIORITY);
    };
    value
        .parse()
        .ok()
        .filter(|p| (1..=3).contains(p))
        .ok_or_else(|| row.bad(field, value, "is not a priority (1, 2 or 3)"))
}

/// Largest British National Grid values, in metres: anything beyond is a
/// typing slip or a latitude/longitude pasted into the wrong columns.
const MAX_EASTING: f64 = 700_000.0;
const MAX_NORTHING: f64 = 1_300_000.0;

/// `easting` and `northing` are optional together: one without the other
/// is more likely a mistake than a half-known position.
fn location(row: &Row) -> Result<Option<Location>, InputError> {
    let easting = optional_coordinate(row, "easting", MAX_EASTING)?;
    let northing = optional_coordinate(row, "northing", MAX_NORTHING)?;
    match (easting, northing) {
        (Some(easting), Some(northing)) => Ok(Some(Location { easting, northing })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(row.bad("northing", "", "is empty but easting is given")),
        (None, Some(_)) => Err(row.bad("easting", "", "is empty but northing is given")),
    }
}

fn optional_coordinate(row: &Row, field: &str, max: f64) -> Result<Option<f64>, InputError> {
    let Some(value) = row.optional(field) else {
        return Ok(None);
    };
    value
        .parse::<f64>()
        .ok()
        .filter(|v| (0.0..=max).contains(v))
        .map(Some)
        .ok_or_else(|| {
            row.bad(
                field,
                value,
                &format!("is not a grid coordinate in metres (0 to {max})"),
            )
        })
}

const AVAILABILITY: &str = "availability.csv";

pub fn read_availability(path: &Path) -> Result<Availability, InputError> {
    read_with(path, availability_from).map(|v| v.into_iter().next().unwrap_or_default())
}

pub fn parse_availability(text: &str) -> Result<Availability, InputError> {
    availability_from(AVAILABILITY, text).map(|v| v.into_iter().next().unwrap_or_default())
}

/// `person,date,level`: one row per date a person offers. A date listed twice
/// for one person is a mistake in the sheet, so it is rejected.
fn availability_from(file: &str, text: &str) -> Result<Vec<Availability>, InputError> {
    let table = Table::parse(file, text, &["person", "date", "level"])?;
    let mut seen = Seen::default();
    let mut out = Availability::default();
    for row in table.rows() {
        let raw = row.required("person")?;
        let person: Person = raw
            .parse()
            .map_err(|e: String| row.bad("person", raw, &e))?;
        let raw_date = row.required("date")?;
        let date = NaiveDate::parse_from_str(raw_date, "%Y-%m-%d")
            .map_err(|_| row.bad("date", raw_date, "is not a date YYYY-MM-DD"))?;
        let raw_level = row.required("level")?;
        let level: Level = raw_level
            .parse()
            .map_err(|_| row.bad("level", raw_level, "is not preferred or possible"))?;
        seen.check(&row, "date", (person.clone(), date))?;
        out.insert(person, date, level);
    }
    Ok(vec![out])
}

// ---------------------------------------------------------------------------
// TOML files.

/// Reads a whole TOML file into `T` (the calendar, the SIM's hand).
pub fn read_toml<T: DeserializeOwned>(path: &Path) -> Result<T, InputError> {
    let (file, text) = read_text(path)?;
    parse_toml(&file, &text)
}

/// Parses TOML into `T`; an error names the line, column and value. Dates
/// may be written bare (`2026-09-02`) or quoted: both reach `T` as strings,
/// which is how chrono reads them.
pub fn parse_toml<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, InputError> {
    let doc = toml_document(file, text)?;
    T::deserialize(toml::de::Deserializer::from(doc)).map_err(|e| toml_error(file, text, &e))
}

/// Reads one table of a file shared by several steps (`[triads]` of the
/// rules file); the other tables belong to the other steps. A file without
/// the table gives `T::default()`.
pub fn read_toml_table<T: DeserializeOwned + Default>(
    path: &Path,
    table: &str,
) -> Result<T, InputError> {
    let (file, text) = read_text(path)?;
    parse_toml_table(&file, &text, table)
}

pub fn parse_toml_table<T: DeserializeOwned + Default>(
    file: &str,
    text: &str,
    table: &str,
) -> Result<T, InputError> {
    let mut doc = toml_document(file, text)?;
    let others: Vec<_> = doc
        .get_ref()
        .keys()
        .filter(|k| k.get_ref().as_ref() != table)
        .cloned()
        .collect();
    for k in others {
        doc.get_mut().remove(&k);
    }
    // Read through the document, not a value cut out of it: only the
    // document deserializer keeps the spans that errors point with.
    let mut tables: std::collections::BTreeMap<String, T> =
        Deserialize::deserialize(toml::de::Deserializer::from(doc))
            .map_err(|e| toml_error(file, text, &e))?;
    Ok(tables.remove(table).unwrap_or_default())
}

/// The parsed document with every date turned into its string, spans kept.
fn toml_document<'i>(
    file: &str,
    text: &'i str,
) -> Result<toml::Spanned<toml::de::DeTable<'i>>, InputError> {
    let mut doc = toml::de::DeTable::parse(text).map_err(|e| toml_error(file, text, &e))?;
    dates_to_strings(doc.get_mut());
    Ok(doc)
}

fn dates_to_strings(table: &mut toml::de::DeTable<'_>) {
    for (_, v) in table.iter_mut() {
        date_to_string(v.get_mut());
    }
}

fn date_to_string(v: &mut toml::de::DeValue<'_>) {
    use toml::de::DeValue;
    match v {
        DeValue::Datetime(d) => *v = DeValue::String(d.to_string().into()),
        DeValue::Array(a) => a.iter_mut().for_each(|x| date_to_string(x.get_mut())),
        DeValue::Table(t) => dates_to_strings(t),
        _ => {}
    }
}

/// Most characters of a value quoted in a message.
const VALUE_SHOWN: usize = 40;

/// A toml error as one line: the line and column its span starts at, and
/// the text there (its first line, shortened).
fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> InputError {
    let problem = e.message().trim().replace('\n', " ");
    let Some(span) = e.span().filter(|s| s.start <= text.len()) else {
        return InputError::BadFile {
            file: file.to_string(),
            problem,
        };
    };
    let before = &text[..span.start];
    let line = 1 + before.matches('\n').count() as u64;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = 1 + text[line_start..span.start].chars().count() as u64;
    let raw = text.get(span.clone()).unwrap_or_default();
    let first = raw.lines().next().unwrap_or_default().trim();
    let mut value: String = first.chars().take(VALUE_SHOWN).collect();
    if value.len() < first.len() || raw.trim().lines().nth(1).is_some() {
        value.push_str("...");
    }
    if value.is_empty() {
        value = "the end of the file".into();
    }
    InputError::BadToml {
        file: file.to_string(),
        line,
        column,
        value,
        problem,
    }
}

// ---------------------------------------------------------------------------
// Uploads: the same files arriving as bytes over HTTP.

/// The text of an uploaded file, named `file` in messages: UTF-8 (a byte
/// order mark is left for the readers to skip), or an error naming the first
/// line that is not.
pub fn upload_text(file: &str, bytes: Vec<u8>) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        InputError::NotUtf8 {
            file: file.to_string(),
            line: 1 + good.iter().filter(|&&b| b == b'\n').count() as u64,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: InputError) -> String {
        e.to_string()
    }

    #[test]
    fn heads_read_in_any_column_order_with_extra_columns() {
        let text = "Email,URN,name,phone\nhead.900001@schools.example,900001,Ann Lee,0\n";
        let heads = parse_heads(text).unwrap();
        assert_eq!(
            heads,
            vec![Headteacher {
                school: Urn(900001),
                name: "Ann Lee".into(),
                email: "head.900001@schools.example".into(),
            }]
        );
    }

    #[test]
    fn control_characters_in_any_field_are_refused_with_their_place() {
        let text = "urn,name,email\n900001,\"Ann\u{1b}[31mLee\",a@x\n";
        assert_eq!(
            message(parse_heads(text).unwrap_err()),
            "heads.csv line 2, field \"name\": \"Ann\\u{1b}[31mLee\" contains the invisible character U+001B; remove it"
        );
        let text = "id,name,kind,phases,capacity_days,day_rate\nx,A\u{0}B,nle,primary,3,0\n";
        assert!(message(parse_advisers(text).unwrap_err()).contains("U+0000"));
    }

    #[test]
    fn heads_reject_a_school_listed_twice() {
        let text = "urn,name,email\n900001,A,a@x\n900001,B,b@x\n";
        assert_eq!(
            message(parse_heads(text).unwrap_err()),
            "heads.csv line 3, field \"urn\": \"900001\" is listed twice (first on line 2)"
        );
    }

    const ADVISERS_TEXT: &str = "\
id,name,kind,phases,capacity_days,day_rate,easting,northing,linked_school,linked_trust
la-1,Ruth Cole,la_officer,primary;special_and_ap,25,0,560100,180200,,
nle-1,Sam Hart,nle,secondary,12,500.5,,,900003,RIVER TRUST
";

    #[test]
    fn advisers_happy_path() {
        let advisers = parse_advisers(ADVISERS_TEXT).unwrap();
        assert_eq!(advisers.len(), 2);
        assert_eq!(advisers[0].kind, AdviserKind::LaOfficer);
        assert_eq!(
            advisers[0].phases,
            vec![PhaseGroup::Primary, PhaseGroup::SpecialAndAp]
        );
        assert_eq!(
            advisers[0].base,
            Some(Location {
                easting: 560100.0,
                northing: 180200.0
            })
        );
        assert_eq!(advisers[0].linked_school, None);
        assert_eq!(advisers[1].day_rate, 500.5);
        assert_eq!(advisers[1].base, None);
        assert_eq!(advisers[1].linked_school, Some(Urn(900003)));
        assert_eq!(advisers[1].linked_trust.as_deref(), Some("RIVER TRUST"));
    }

    #[test]
    fn optional_columns_may_be_left_out() {
        let text = "id,name,kind,phases,capacity_days,day_rate\na,A,tic,primary,10,450\n";
        let advisers = parse_advisers(text).unwrap();
        assert_eq!(advisers[0].base, None);
        assert_eq!(advisers[0].linked_trust, None);
        assert_eq!(advisers[0].email, None);
    }

    #[test]
    fn advisers_and_consultants_may_give_an_email_address() {
        let text = "id,name,kind,phases,capacity_days,day_rate,Email\n\
                    a,A,tic,primary,10,450,ada@council.example\n\
                    b,B,tic,primary,10,450,\n";
        let advisers = parse_advisers(text).unwrap();
        assert_eq!(advisers[0].email.as_deref(), Some("ada@council.example"));
        assert_eq!(advisers[1].email, None);
        let bad = "id,name,kind,phases,capacity_days,day_rate,Email\na,A,tic,primary,10,450,ada\n";
        assert_eq!(
            message(parse_advisers(bad).unwrap_err()),
            "advisers.csv line 2, field \"Email\": \"ada\" is not an email address"
        );
        let text = "id,name,kind,specialisms,phases,days_available,day_rate,email\n\
                    c,C,sle,maths,primary,15,0,cy@school.example\n";
        let consultants = parse_consultants(text).unwrap();
        assert_eq!(consultants[0].email.as_deref(), Some("cy@school.example"));
    }

    #[test]
    fn a_bad_number_names_file_line_field_and_value() {
        let text = ADVISERS_TEXT.to_string() + "tic-1,Jo Wren,tic,primary,ten,450,,,,\n";
        assert_eq!(
            message(parse_advisers(&text).unwrap_err()),
            "advisers.csv line 4, field \"capacity_days\": \"ten\" is not a whole number"
        );
    }

    #[test]
    fn a_bad_list_item_is_named_alone() {
        let text = "id,name,kind,phases,capacity_days,day_rate\na,A,tic,primary; infant,10,0\n";
        assert_eq!(
            message(parse_advisers(text).unwrap_err()),
            "advisers.csv line 2, field \"phases\": \"infant\" is not a phase \
             (nursery, primary, secondary or special_and_ap)"
        );
    }

    #[test]
    fn advisers_reject_a_duplicate_id_and_half_a_location() {
        let twice = ADVISERS_TEXT.to_string() + "la-1,Other,tic,primary,5,450,,,,\n";
        assert_eq!(
            message(parse_advisers(&twice).unwrap_err()),
            "advisers.csv line 4, field \"id\": \"la-1\" is listed twice (first on line 2)"
        );
        let half =
            "id,name,kind,phases,capacity_days,day_rate,easting\na,A,tic,primary,5,0,560000\n";
        assert_eq!(
            message(parse_advisers(half).unwrap_err()),
            "advisers.csv line 2, field \"northing\": \"\" is empty but easting is given"
        );
    }

    #[test]
    fn a_missing_column_is_named() {
        let text = "id,name,kind,phases,day_rate\na,A,tic,primary,450\n";
        assert_eq!(
            message(parse_advisers(text).unwrap_err()),
            "advisers.csv line 1: missing column \"capacity_days\""
        );
    }

    #[test]
    fn a_short_row_fails_the_whole_file() {
        let text = "urn,category\n900001,red\n900002\n";
        assert_eq!(
            message(parse_sspb(text).unwrap_err()),
            "sspb.csv line 3: has 1 fields where the header has 2"
        );
    }

    #[test]
    fn consultants_happy_path() {
        let text = "\
id,name,kind,specialisms,phases,days_available,home_school,trust,easting,northing,day_rate
sle-1,Kim Ray,sle,maths;send,primary,15,900004,OAK TRUST,561000,181000,350
tic-1,Lou Park,TIC,english;eyfs;leadership,primary;secondary,45,,,,,0
";
        let consultants = parse_consultants(text).unwrap();
        assert_eq!(consultants[0].kind, ConsultantKind::Sle);
        assert_eq!(
            consultants[0].specialisms,
            vec![NeedArea::Maths, NeedArea::Send]
        );
        assert_eq!(consultants[0].home_school, Some(Urn(900004)));
        assert_eq!(consultants[0].trust.as_deref(), Some("OAK TRUST"));
        assert_eq!(consultants[1].kind, ConsultantKind::Tic);
        assert_eq!(
            consultants[1].specialisms,
            vec![
                NeedArea::EnglishPhonics,
                NeedArea::Eyfs,
                NeedArea::Leadership
            ]
        );
        assert_eq!(consultants[1].days_available, 45);
        assert_eq!(consultants[1].home_school, None);
    }

    #[test]
    fn consultants_reject_an_unknown_specialism() {
        let text = "id,name,kind,specialisms,phases,days_available,day_rate\n\
                    a,A,sle,maths;music,primary,15,350\n";
        assert_eq!(
            message(parse_consultants(text).unwrap_err()),
            format!("consultants.csv line 2, field \"specialisms\": \"music\" is not {AREAS}")
        );
    }

    #[test]
    fn history_rows_form_groups() {
        let text = "\
year,group_id,urn,adviser
2025,P01,900001,la-1
2025,P01,900002,
2025,P01,900003,la-1
2024,P01,900001,
2024,P01,900004,la-2
2024,P01,900005,
";
        let groups = parse_history(text).unwrap();
        assert_eq!(
            groups,
            vec![
                PastTriad {
                    year: 2025,
                    id: "P01".into(),
                    schools: vec![Urn(900001), Urn(900002), Urn(900003)],
                    adviser: Some("la-1".into()),
                },
                PastTriad {
                    year: 2024,
                    id: "P01".into(),
                    schools: vec![Urn(900001), Urn(900004), Urn(900005)],
                    adviser: Some("la-2".into()),
                },
            ]
        );
    }

    #[test]
    fn history_rejects_two_advisers_for_one_group_and_a_school_twice_a_year() {
        let two = "year,group_id,urn,adviser\n2025,P01,900001,a\n2025,P01,900002,b\n";
        assert_eq!(
            message(parse_history(two).unwrap_err()),
            "history.csv line 3, field \"adviser\": \"b\" differs from \"a\" given for \
             group \"P01\" (first on line 2)"
        );
        let twice = "year,group_id,urn\n2025,P01,900001\n2025,P02,900001\n";
        assert_eq!(
            message(parse_history(twice).unwrap_err()),
            "history.csv line 3, field \"urn\": \"900001\" is listed twice (first on line 2)"
        );
    }

    #[test]
    fn sspb_happy_path_and_bad_category() {
        let sspb = parse_sspb("urn,category\n900001,Red\n900002,green\n").unwrap();
        assert_eq!(
            sspb,
            vec![
                (Urn(900001), SspbCategory::Red),
                (Urn(900002), SspbCategory::Green)
            ]
        );
        assert_eq!(
            message(parse_sspb("urn,category\n900001,purple\n").unwrap_err()),
            "sspb.csv line 2, field \"category\": \"purple\" is not an SSPB category \
             (red, amber or green)"
        );
    }

    #[test]
    fn need_defaults_priority_and_keeps_notes() {
        let text = "urn,area,priority,note\n900001,maths,1,\"KS2 maths, falling\"\n900001,send,,\n";
        let need = parse_need(text).unwrap();
        assert_eq!(
            need,
            vec![
                NeedEntry {
                    urn: Urn(900001),
                    area: NeedArea::Maths,
                    priority: 1,
                    note: Some("KS2 maths, falling".into()),
                },
                NeedEntry {
                    urn: Urn(900001),
                    area: NeedArea::Send,
                    priority: DEFAULT_PRIORITY,
                    note: None,
                },
            ]
        );
        assert_eq!(
            message(parse_need("urn,area,priority\n900001,maths,4\n").unwrap_err()),
            "need.csv line 2, field \"priority\": \"4\" is not a priority (1, 2 or 3)"
        );
    }

    #[test]
    fn last_allocations_happy_path_and_bad_urn() {
        let text = "year,consultant,urn,area,days\n2025,sle-1,900002,maths,4\n";
        assert_eq!(
            parse_last_allocations(text).unwrap(),
            vec![PastAllocation {
                year: 2025,
                consultant: "sle-1".into(),
                urn: Urn(900002),
                area: NeedArea::Maths,
                days: 4,
            }]
        );
        let bad = "year,consultant,urn,area,days\n2025,sle-1,9000O2,maths,4\n";
        assert_eq!(
            message(parse_last_allocations(bad).unwrap_err()),
            "last_allocations.csv line 2, field \"urn\": \"9000O2\" is not a URN \
             (a positive whole number)"
        );
    }

    #[test]
    fn bom_and_crlf_are_accepted_and_lines_still_count() {
        let text = "\u{feff}urn,name,email\r\n900001,Ann Lee,a@x\r\n900002,Bo Ng,b@x\r\n";
        assert_eq!(parse_heads(text).unwrap().len(), 2);
        let bad = "\u{feff}urn,category\r\n900001,red\r\n900002,\r\n";
        assert_eq!(
            message(parse_sspb(bad).unwrap_err()),
            "sspb.csv line 3, field \"category\": \"\" is empty but a value is required"
        );
        // A quoted note over two lines still leaves later lines numbered right.
        let multi = "urn,area,note\r\n900001,maths,\"two\r\nlines\"\r\n900002,music,\r\n";
        assert_eq!(
            message(parse_need(multi).unwrap_err()),
            format!("need.csv line 4, field \"area\": \"music\" is not {AREAS}")
        );
    }

    #[test]
    fn read_names_the_file_given_and_rejects_non_utf8() {
        let dir = std::env::temp_dir().join(format!("inputs-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("my sspb.csv");
        std::fs::write(&path, b"urn,category\n900001,red\n900002,gr\xe9en\n").unwrap();
        let error = message(read_sspb(&path).unwrap_err());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            error,
            "my sspb.csv line 3: the file is not UTF-8 text (save it as \"CSV UTF-8\")"
        );
        let missing = message(read_sspb(&dir.join("none.csv")).unwrap_err());
        assert!(
            missing.starts_with("none.csv: cannot read the file: "),
            "{missing}"
        );
    }

    mod toml_files {
        use optimiser::schedule::Calendar;
        use optimiser::triads::TriadRules;

        use super::super::*;

        fn calendar(text: &str) -> Result<Calendar, String> {
            parse_toml("calendar.toml", text).map_err(|e| e.to_string())
        }

        #[test]
        fn bare_and_quoted_dates_read_alike() {
            let bare = calendar("first = 2026-09-07\nlast = 2026-12-18\n").unwrap();
            let quoted = calendar("first = \"2026-09-07\"\nlast = \"2026-12-18\"\n").unwrap();
            assert_eq!(bare, quoted);
        }

        #[test]
        fn a_bad_date_names_line_column_and_value() {
            let text =
                "first = 2026-09-07\nlast = 2026-12-18\n\n[[blackout]]\nfirst = \"2026-02-30\"\n";
            assert_eq!(
                calendar(text).unwrap_err(),
                "calendar.toml line 5, column 9, at \"2026-02-30\": input is out of range"
            );
        }

        #[test]
        fn an_unknown_field_names_its_line() {
            let text = "first = 2026-09-07\nlast = 2026-12-18\n[[half_term]]\nname = \"Autumn 1\"\nfrist = 2026-09-02\nlast = 2026-10-23\n";
            let e = calendar(text).unwrap_err();
            assert!(
                e.starts_with("calendar.toml line 5, column 1, at frist: unknown field `frist`"),
                "{e}"
            );
        }

        #[test]
        fn a_missing_field_points_at_its_table() {
            let e = calendar("first = 2026-09-07\n").unwrap_err();
            assert!(e.contains("missing field `last`"), "{e}");
            let e =
                calendar("first = 2026-09-07\nlast = 2026-12-18\n[[half_term]]\nname = \"A\"\n")
                    .unwrap_err();
            assert!(e.starts_with("calendar.toml line 3"), "{e}");
        }

        #[test]
        fn broken_toml_names_line_and_column() {
            let e = calendar("first = 2026-09-07\nlast = = 2026\n").unwrap_err();
            assert!(e.starts_with("calendar.toml line 2, column 8"), "{e}");
        }

        #[test]
        fn a_rules_table_error_names_line_column_and_value() {
            let text = "[schedule]\nmax_days_per_half_term = 3\n\n[triads]\nmax_distance_km = \"twenty\"\n";
            let e = parse_toml_table::<TriadRules>("rules.toml", text, "triads")
                .unwrap_err()
                .to_string();
            assert_eq!(
                e,
                "rules.toml line 5, column 19, at \"twenty\": invalid type: string \"twenty\", expected f64"
            );
            // Other steps' tables are theirs to check; a missing table is the defaults.
            let other = "[allocation]\nwhatever = 1\n";
            let r: TriadRules = parse_toml_table("rules.toml", other, "triads").unwrap();
            assert_eq!(r, TriadRules::default());
            let e =
                parse_toml_table::<TriadRules>("rules.toml", "[triads]\nmax_km = 3\n", "triads")
                    .unwrap_err()
                    .to_string();
            assert!(
                e.starts_with("rules.toml line 2, column 1, at max_km: unknown field `max_km`"),
                "{e}"
            );
        }
    }
}
