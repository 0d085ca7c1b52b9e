//! The rules file (`rules.toml`, one table per step) and the SIM's hand
//! (`hand.toml`: opt-outs, pinned groups, pairs to keep apart).

use std::path::Path;

use anyhow::Result;
use optimiser::model::Urn;
use optimiser::schedule::ScheduleRules;
use optimiser::triads::{Exclusion, Pin, TriadRules};
use serde::Deserialize;

use crate::inputs::{read_toml, read_toml_table};

/// The SIM's hand as a file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hand {
    #[serde(default)]
    pub opt_out: Vec<Urn>,
    #[serde(default)]
    pub pin: Vec<Pin>,
    #[serde(default)]
    pub exclude: Vec<Exclusion>,
}

pub fn read_hand(path: &Path) -> Result<Hand> {
    Ok(read_toml(path)?)
}

/// Reads the `[triads]` table of a rules file; other tables belong to other steps.
pub fn read_triad_rules(path: &Path) -> Result<TriadRules> {
    Ok(read_toml_table(path, "triads")?)
}

/// Reads the `[schedule]` table of a rules file; other tables belong to other steps.
pub fn read_schedule_rules(path: &Path) -> Result<ScheduleRules> {
    Ok(read_toml_table(path, "schedule")?)
}
