//! The whole `peer-review` command line behind one function, so that the
//! binary and the end-to-end tests' copy of it (`tests/src/bin/`, which
//! starts real service processes) run the same code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cli;

#[derive(Debug, Parser)]
#[command(
    name = "peer-review",
    version,
    about = "School-to-school peer review: triads, schedules, consultant allocation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The whole year on the sample authority: a fresh database, groups,
    /// dated reviews, consultants' days, report.html, then the site.
    Demo(cli::demo::DemoArgs),
    /// Read a GIAS extract and summarise it by local authority and phase.
    Import(cli::import::ImportArgs),
    /// Form the year's groups, their reviews and advisers.
    Plan(cli::plan::PlanArgs),
    /// Give consultants' days to schools by need.
    Allocate(cli::allocate::AllocateArgs),
    /// Date every review from everyone's availability; calendars per person and school.
    Schedule(cli::schedule::ScheduleArgs),
    /// Run the web service: pages, JSON API and background jobs.
    Serve(cli::serve::ServeArgs),
    /// Administration: bootstrap the first School Improvement Manager.
    #[command(subcommand)]
    Admin(cli::serve::AdminCommand),
}

/// Parses the process's arguments, runs the subcommand and prints its error.
pub fn main_entry() -> ExitCode {
    let args = Cli::parse();
    let result = match &args.command {
        Command::Demo(a) => cli::demo::run(a),
        Command::Import(a) => cli::import::run(a),
        Command::Plan(a) => cli::plan::run(a),
        Command::Allocate(a) => cli::allocate::run(a),
        Command::Schedule(a) => cli::schedule::run(a),
        Command::Serve(a) => cli::serve::run_serve(a),
        Command::Admin(a) => cli::serve::run_admin(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
