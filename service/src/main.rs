//! `peer-review`: the command line of the school peer-review programme
//! (`service::cli::entry` holds it, so that tests can run the same).

use std::process::ExitCode;

fn main() -> ExitCode {
    service::cli::entry::main_entry()
}
