//! What the benchmarks share: the national GIAS file, the instances named
//! on the command line, the sample authority, and advisers generated for
//! authorities that have no advisers file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use formats::gias::{import_gias_file, ImportOptions, LaSelector};
use formats::inputs::{read_advisers, read_history};
use optimiser::model::{Adviser, AdviserKind, PastTriad, PhaseGroup, School};

/// The seed of every generated calendar and availability.
pub const SEED: u64 = 2026;

/// An adviser's year under the default burden rule: 3 days in each of 6 half-terms.
pub const ADVISER_DAYS: u32 = 18;

/// The national GIAS extract of the larger instances; outside the
/// repository, so a benchmark skips those instances where it is absent.
pub fn england_gias() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/gias-england-state-schools-2022.csv")
}

/// The national GIAS file, or None having said which instances are
/// `skipped` without it.
pub fn england_gias_or_skip(skipped: &str) -> Option<PathBuf> {
    let file = england_gias();
    if file.exists() {
        Some(file)
    } else {
        println!("{skipped}: {} is absent", file.display());
        None
    }
}

/// The instances named on the command line (the words that are not
/// options, such as the `--bench` cargo passes).
pub fn named_instances() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect()
}

/// The sample authority's schools, advisers and past groups.
pub fn sample_authority() -> (Vec<School>, Vec<Adviser>, Vec<PastTriad>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample");
    let schools = import_gias_file(&dir.join("schools.csv"), &ImportOptions::default())
        .expect("sample schools")
        .schools;
    let advisers = read_advisers(&dir.join("advisers.csv")).expect("sample advisers");
    let history = read_history(&dir.join("history.csv")).expect("sample history");
    (schools, advisers, history)
}

/// The schools of one local authority in a GIAS file.
pub fn la_schools(file: &Path, code: u16) -> Vec<School> {
    let las = vec![LaSelector::Code(code)];
    import_gias_file(file, &ImportOptions { las })
        .expect("GIAS")
        .schools
}

/// In-house advisers for a set of schools: one per five groups of each phase.
pub fn advisers_for(schools: &[School], prefix: &str) -> Vec<Adviser> {
    let mut by_phase: BTreeMap<PhaseGroup, usize> = BTreeMap::new();
    for s in schools {
        *by_phase.entry(s.phase_group()).or_default() += 1;
    }
    let mut out = Vec::new();
    for (phase, n) in by_phase {
        for k in 0..(n / 3).div_ceil(5) {
            out.push(Adviser {
                id: format!("{prefix}-{}-{k:03}", phase.key()),
                name: format!("Adviser {k}"),
                kind: AdviserKind::LaOfficer,
                phases: vec![phase],
                capacity_days: ADVISER_DAYS,
                day_rate: 0.0,
                base: None,
                linked_school: None,
                linked_trust: None,
                email: None,
            });
        }
    }
    out
}
