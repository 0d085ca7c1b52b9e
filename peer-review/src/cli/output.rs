//! Writing results so that a failure never leaves half a file: write to a
//! temporary file beside the target, then rename over it. The plan's
//! workbook and report are written here for `plan` and `schedule` alike.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f =
        fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Writes rows as CSV (header first) atomically.
pub fn write_csv(path: &Path, header: &[&str], rows: Vec<Vec<String>>) -> Result<()> {
    // The one writer, so every file's cells are neutralised the same way.
    let text = formats::export::csv_text(header, rows)?;
    write_atomic(path, text.as_bytes())
}

/// What names a plan's schools and people in its workbook and report.
pub struct Named<'a> {
    pub plan: &'a optimiser::triads::Plan,
    pub schools: &'a [optimiser::model::School],
    pub heads: &'a [optimiser::model::Headteacher],
    pub advisers: &'a [optimiser::model::Adviser],
    /// Everyone's dates, where known: the report's share of person-days
    /// on preferred dates.
    pub availability: Option<&'a optimiser::schedule::Availability>,
}

/// The plan as one Excel workbook (`--xlsx`).
pub fn write_workbook(path: &Path, n: &Named) -> Result<()> {
    let bytes = formats::workbook::plan_workbook(&formats::workbook::PlanBook {
        plan: n.plan,
        schools: n.schools,
        heads: n.heads,
        advisers: n.advisers,
        allocation: None,
    })?;
    write_atomic(path, &bytes)
}

/// The year's report of the plan, one HTML file (`--report`).
pub fn write_report(path: &Path, n: &Named) -> Result<()> {
    let year = n.plan.year;
    let title = report::title(n.schools, &format!("{year}-{:02}", (year + 1) % 100));
    let html = report::report_html(&report::Report {
        title: &title,
        plan: n.plan,
        preferred_share: n
            .availability
            .and_then(|a| report::preferred_share(n.plan, a)),
        schools: n.schools,
        advisers: n.advisers,
        allocation: None,
    })
    .map_err(|e| anyhow::anyhow!("rendering the report: {e}"))?;
    write_atomic(path, html.as_bytes())
}

/// The files besides `plan.json` that `plan` and `schedule` alike may write
/// a plan as, and the heads its workbook names.
#[derive(Debug, Args)]
pub struct PlanFiles {
    /// Also write the plan as one Excel workbook (.xlsx): groups, reviews
    /// (with their dates once dated), schools left out, advisers.
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// Also write the year's report: one HTML file with the map and every
    /// table, that opens offline and prints.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Heads of the schools (heads.csv): their names in the workbook.
    #[arg(long, value_name = "FILE")]
    pub heads: Option<PathBuf>,
}

impl PlanFiles {
    /// The heads, if a file of them was given; read before the long solve,
    /// so that a bad file fails at once.
    pub fn read_heads(&self) -> Result<Vec<optimiser::model::Headteacher>> {
        Ok(match &self.heads {
            Some(p) => formats::inputs::read_heads(p)?,
            None => vec![],
        })
    }

    /// Writes the workbook and the report that were asked for.
    pub fn write(&self, named: &Named) -> Result<()> {
        if let Some(path) = &self.xlsx {
            write_workbook(path, named)?;
        }
        if let Some(path) = &self.report {
            write_report(path, named)?;
        }
        Ok(())
    }
}
