//! The `peer-review` command line, built inside the test package so that
//! end-to-end tests can start (and kill) real service processes.

use std::process::ExitCode;

fn main() -> ExitCode {
    peer_review::cli::entry::main_entry()
}
