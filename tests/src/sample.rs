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

/// A programme year straight in the database, `-100` to `last_in` days
/// from today with the availability deadline `deadline_in` days away
/// (negative: passed), the rules file `rules` and these schools and
/// advisers as its inputs; its id.
pub async fn year(
    app: &crate::app::TestApp,
    schools: &[optimiser::model::School],
    advisers: &[optimiser::model::Adviser],
    last_in: i64,
    deadline_in: i64,
    rules: &str,
) -> i64 {
    let db = &app.state.db;
    let calendar = optimiser::schedule::Calendar {
        first: crate::day(-100),
        last: crate::day(last_in),
        half_terms: vec![],
        blackouts: vec![],
        school_blackouts: vec![],
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO years (name, first_day, last_day, deadline, calendar, rules, created_at) \
         VALUES ('test year', $1, $2, $3, $4, $5, 0) RETURNING id",
    )
    .bind(calendar.first.to_string())
    .bind(calendar.last.to_string())
    .bind(crate::day(deadline_in).to_string())
    .bind(serde_json::to_string(&calendar).expect("a calendar is JSON"))
    .bind(rules)
    .fetch_one(&db.write)
    .await
    .expect("a new year");
    let mut tx = db.begin_write().await.expect("a transaction");
    store::inputs::store(&mut tx, id, "schools", "schools.csv", &schools, None, "")
        .await
        .expect("the schools stored");
    store::inputs::store(&mut tx, id, "advisers", "advisers.csv", &advisers, None, "")
        .await
        .expect("the advisers stored");
    tx.commit().await.expect("the year committed");
    id
}
