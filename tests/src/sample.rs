//! The sample authority (`data/sample/`) as the tests read it.

use std::path::PathBuf;

use formats::gias::{import_gias_file, ImportOptions};
use formats::inputs::{read_advisers, read_history};
use optimiser::triads::{Scope, TriadProblem, TriadRules};

/// The folder of the sample authority's files.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/sample")
}

/// The sample's grouping problem: its schools, history and advisers under
/// the default rules, one LA at a time, programme year 2026.
pub fn triad_problem() -> TriadProblem {
    let dir = dir();
    TriadProblem {
        year: 2026,
        schools: import_gias_file(&dir.join("schools.csv"), &ImportOptions::default())
            .expect("the sample's schools")
            .schools,
        history: read_history(&dir.join("history.csv")).expect("the sample's history"),
        advisers: read_advisers(&dir.join("advisers.csv")).expect("the sample's advisers"),
        scope: Scope::PerLa,
        rules: TriadRules::default(),
        ..TriadProblem::default()
    }
}
