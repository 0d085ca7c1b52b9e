//! The sample authority (`data/sample/`) as the tests read it.

use std::path::PathBuf;

use formats::gias::{import_gias_file, ImportOptions};
use formats::inputs::{read_advisers, read_heads, read_history};
use optimiser::model::Headteacher;
use optimiser::schedule::Calendar;
use optimiser::triads::{Plan, Scope, TriadProblem, TriadRules};

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
    let calendar = window(-100, last_in);
    let id = insert_year(db, "test year", &calendar, crate::day(deadline_in), rules).await;
    let mut tx = db.begin_write().await.expect("a transaction");
    store_schools_and_advisers(&mut tx, id, schools, advisers).await;
    tx.commit().await.expect("the year committed");
    id
}

/// Stores these schools and advisers as the year's inputs, inside the
/// caller's transaction.
pub async fn store_schools_and_advisers(
    conn: &mut sqlx::AnyConnection,
    year: i64,
    schools: &[optimiser::model::School],
    advisers: &[optimiser::model::Adviser],
) {
    store::inputs::store(conn, year, "schools", "schools.csv", &schools, None, "")
        .await
        .expect("the schools stored");
    store::inputs::store(conn, year, "advisers", "advisers.csv", &advisers, None, "")
        .await
        .expect("the advisers stored");
}

/// The sample's headteachers.
pub fn heads() -> Vec<Headteacher> {
    read_heads(&dir().join("heads.csv")).expect("the sample's heads")
}

/// Heads as the workbook a SIM saves from their sheet: the URN a number,
/// the headings capitalised.
pub fn heads_workbook(heads: &[Headteacher]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["URN", "Name", "Email"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (i, h) in heads.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, f64::from(h.school.0)).unwrap();
        sheet.write_string(r, 1, &h.name).unwrap();
        sheet.write_string(r, 2, &h.email).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// The first group of three with an adviser: the one tests date by hand.
pub fn group_of_three(plan: &Plan) -> usize {
    plan.triads
        .iter()
        .position(|t| t.schools.len() == 3 && t.adviser.is_some())
        .expect("the sample has a group of three with an adviser")
}

/// Stores `plan` as the year's next draft, made by `sim`; its version.
pub async fn draft(app: &crate::app::TestApp, year: i64, plan: &Plan, sim: i64) -> i64 {
    let mut tx = app.state.db.begin_write().await.unwrap();
    let (_, version) = store::plans::insert_draft(&mut tx, year, plan, None, Some(sim))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    version
}

/// Stores `plan` as a draft and publishes it, as `sim` would; its version.
pub async fn publish(app: &crate::app::TestApp, year: i64, plan: &Plan, sim: i64) -> i64 {
    let version = draft(app, year, plan, sim).await;
    assert!(store::plans::publish(&app.state.db, year, version, sim)
        .await
        .unwrap());
    version
}

/// A calendar of every day from `first_in` to `last_in` days from today,
/// with no half-terms or blackouts.
pub fn window(first_in: i64, last_in: i64) -> Calendar {
    Calendar {
        first: crate::day(first_in),
        last: crate::day(last_in),
        half_terms: vec![],
        blackouts: vec![],
        school_blackouts: vec![],
    }
}

/// A programme year straight in the database, without inputs; its id.
pub async fn insert_year(
    db: &store::Db,
    name: &str,
    calendar: &Calendar,
    deadline: chrono::NaiveDate,
    rules: &str,
) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO years (name, first_day, last_day, deadline, calendar, rules, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(name)
    .bind(calendar.first.to_string())
    .bind(calendar.last.to_string())
    .bind(deadline.to_string())
    .bind(serde_json::to_string(calendar).expect("a calendar is JSON"))
    .bind(rules)
    .bind(store::now())
    .fetch_one(&db.write)
    .await
    .expect("a new year")
}
