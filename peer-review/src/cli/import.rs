//! `peer-review import`: read a GIAS extract and report what it holds.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use formats::gias::{import_gias_file, summary, ImportOptions, LaSelector};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A GIAS extract (CSV, Windows-1252 or UTF-8).
    pub file: PathBuf,
    /// Keep only these local authorities (code such as 883, or name).
    #[arg(long = "la", value_name = "CODE|NAME")]
    pub las: Vec<LaSelector>,
    /// Write the imported schools as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ImportArgs) -> Result<()> {
    let import = import_gias_file(
        &args.file,
        &ImportOptions {
            las: args.las.clone(),
        },
    )?;
    print!("{}", summary(&import));
    for w in &import.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(out) = &args.out {
        super::output::write_json(out, &import.schools)?;
        println!("schools written to {}", out.display());
    }
    Ok(())
}
