//! The harness of the end-to-end tests in `tests/`: each test spawns the
//! service on a random port over a fresh database, through `TestApp::spawn`,
//! once per backend that `backends()` finds.

pub mod app;
pub mod browser;
pub mod sample;
pub mod smtp;

/// The date `offset` days from today (negative: before), today being the
/// service's own (the council's, Europe/London): a test's dates and the
/// service's deadlines agree at any hour.
pub fn day(offset: i64) -> chrono::NaiveDate {
    let today = store::years::today();
    if offset >= 0 {
        today + chrono::Days::new(offset as u64)
    } else {
        today - chrono::Days::new(offset.unsigned_abs())
    }
}
