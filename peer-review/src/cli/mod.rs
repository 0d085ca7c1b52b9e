//! The `peer-review` command line: one module per subcommand, each a thin
//! layer that reads files, calls the optimiser and writes results.

pub mod allocate;
pub mod demo;
pub mod entry;
pub mod import;
pub mod output;
pub mod plan;
pub mod progress;
pub mod schedule;
pub mod serve;
