//! The harness of the end-to-end tests in `tests/`: each test spawns the
//! service on a random port over a fresh database, through `TestApp::spawn`,
//! once per backend that `backends()` finds.

pub mod app;
pub mod browser;
pub mod sample;
