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

/// Reads and checks the `[triads]` table of a rules file, with the dating
/// rules of its `[schedule]` table joined (`ScheduleRules::apply_to`), so
/// that grouping scores groups by the rules the scheduler keeps. Every value
/// out of range is named.
pub fn read_triad_rules(path: &Path) -> Result<TriadRules> {
    let mut rules: TriadRules = read_toml_table(path, "triads")?;
    rules
        .check()
        .map_err(|e| anyhow::anyhow!("{}:\n{e}", path.display()))?;
    read_schedule_rules(path)?.apply_to(&mut rules);
    Ok(rules)
}

/// Reads and checks the `[schedule]` table of a rules file; other tables
/// belong to other steps. Every value out of range is named.
pub fn read_schedule_rules(path: &Path) -> Result<ScheduleRules> {
    let rules: ScheduleRules = read_toml_table(path, "schedule")?;
    rules
        .check()
        .map_err(|e| anyhow::anyhow!("{}:\n{e}", path.display()))?;
    Ok(rules)
}
