//! `peer-review`: the command line of the school peer-review programme
//! (`peer_review::cli::entry` holds it, so that tests can run the same).

use std::process::ExitCode;

fn main() -> ExitCode {
    peer_review::cli::entry::main_entry()
}
