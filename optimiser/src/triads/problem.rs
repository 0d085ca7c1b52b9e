//! What the SIM asks of one year's grouping: who takes part, what happened
//! before, who can advise, and the SIM's own hand (pins and exclusions).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::plan::Plan;
use super::rules::TriadRules;
use crate::calendar::{Availability, Calendar};
use crate::model::{Adviser, PastTriad, School, Urn};

/// Whether groups stay inside one local authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every LA separately (`--all`, or the LAs chosen).
    #[default]
    PerLa,
    /// One graph across authority boundaries (`--cross-la`).
    CrossLa,
}

/// A group the SIM fixed by hand. It is kept as it is, even where it breaks
/// a rule (the plan then says which).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub schools: Vec<Urn>,
    #[serde(default)]
    pub adviser: Option<String>,
}

/// Two schools the SIM (or a head) asked never to be grouped together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    pub a: Urn,
    pub b: Urn,
    pub reason: String,
}

/// The dates heads offered, read against the programme's calendar. Where it
/// is known, grouping takes it into account (`compat`): two heads who both
/// offered dates and share none are never grouped, and a pair sharing fewer
/// than `rules.common_dates_wanted` pays `weights.few_common_dates`, so that
/// the schedule is feasible by construction wherever it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDates {
    /// Dates people offered (the schedule step's input); only heads' entries
    /// matter here. A head with no entry offered nothing and is unconstrained.
    pub availability: Availability,
    /// Window, school days and blackouts (a school's blackout counts for its
    /// head): an offered date counts only where a review could take place.
    pub calendar: Calendar,
}

#[derive(Debug, Clone, Default)]
pub struct TriadProblem {
    /// The programme year (its first calendar year, 2026 for 2026-27); the
    /// history rule counts back from it.
    pub year: i32,
    /// Every school that may take part.
    pub schools: Vec<School>,
    /// Schools that said no this year.
    pub opted_out: BTreeSet<Urn>,
    pub history: Vec<PastTriad>,
    pub advisers: Vec<Adviser>,
    pub pins: Vec<Pin>,
    pub exclusions: Vec<Exclusion>,
    pub scope: Scope,
    pub rules: TriadRules,
    /// A published plan to change as little as possible.
    pub previous: Option<Plan>,
    /// Heads' availability, where collected before grouping.
    pub availability: Option<KnownDates>,
}
