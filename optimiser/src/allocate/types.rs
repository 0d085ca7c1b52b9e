//! The allocation's inputs and its output, all plain serde data.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::AllocationRules;
use crate::model::{Consultant, ConsultantKind, NeedArea, PhaseGroup, School, SspbCategory, Urn};

/// One area in which a school needs support, from the SIM or a write-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedEntry {
    pub urn: Urn,
    pub area: NeedArea,
    /// 1 most urgent .. 3 least.
    pub priority: u8,
    #[serde(default)]
    pub note: Option<String>,
}

/// Days a consultant gave a school in an area in an earlier year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastAllocation {
    /// The calendar year in which that programme year started.
    pub year: i32,
    pub consultant: String,
    pub urn: Urn,
    pub area: NeedArea,
    pub days: u32,
}

/// The SSPB's category for one school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SspbEntry {
    pub urn: Urn,
    pub category: SspbCategory,
}

/// Everything one allocation run needs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AllocationProblem {
    pub schools: Vec<School>,
    pub needs: Vec<NeedEntry>,
    pub consultants: Vec<Consultant>,
    /// Only the latest year present counts as "last year" for continuity.
    pub past_allocations: Vec<PastAllocation>,
    pub sspb: Vec<SspbEntry>,
    pub rules: AllocationRules,
}

/// Input the allocator refuses, naming what is wrong and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AllocateError {
    #[error("school {0} appears more than once in the schools list")]
    DuplicateSchool(Urn),
    #[error("consultant id {0:?} appears more than once in the consultants list")]
    DuplicateConsultant(String),
    #[error("need entry {} (school {urn}, {area}): no such school in the schools list", index + 1)]
    /// `index` counts from 0; the message counts from 1.
    NeedForUnknownSchool {
        index: usize,
        urn: Urn,
        area: NeedArea,
    },
    #[error("need entry {} (school {urn}, {area}): priority {priority} is not 1, 2 or 3", index + 1)]
    BadPriority {
        index: usize,
        urn: Urn,
        area: NeedArea,
        priority: u8,
    },
    #[error("SSPB entry for school {0}: no such school in the schools list")]
    SspbForUnknownSchool(Urn),
    #[error("SSPB lists school {urn} as both {first:?} and {second:?}")]
    ConflictingSspb {
        urn: Urn,
        first: SspbCategory,
        second: SspbCategory,
    },
    #[error("consultant {id:?}: day rate {rate} is not a sum in pounds, 0 or more")]
    BadDayRate { id: String, rate: f64 },
    #[error("consultant {0:?}: empty id")]
    EmptyConsultantId(String),
    #[error("rules: {0}")]
    Rules(String),
    #[error("solver failed on part {part} of the problem: {message}")]
    Solver { part: usize, message: String },
}

/// Where a school's tier came from, so the SIM can check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierSource {
    Ofsted,
    OfstedMovedBySspb,
    Sspb,
    Default,
}

impl TierSource {
    pub fn key(self) -> &'static str {
        match self {
            TierSource::Ofsted => "ofsted",
            TierSource::OfstedMovedBySspb => "ofsted_moved_by_sspb",
            TierSource::Sspb => "sspb",
            TierSource::Default => "default",
        }
    }
}

/// One line of the plan: whole days of one consultant at one school in one area.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Assignment {
    pub urn: Urn,
    pub consultant: String,
    pub area: NeedArea,
    pub days: u32,
}

/// The whole result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub allocations: Vec<Assignment>,
    pub schools: Vec<SchoolSummary>,
    pub consultants: Vec<ConsultantLoad>,
    pub cost: CostLedger,
    pub stats: Stats,
    /// The rules of the problem as posed, so that the bound can be checked
    /// against what was asked.
    pub rules: AllocationRules,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolSummary {
    pub urn: Urn,
    pub name: String,
    pub phase: PhaseGroup,
    pub tier: u8,
    pub tier_source: TierSource,
    pub entitlement: u32,
    pub allocated: u32,
    pub consultants: u32,
    pub areas: Vec<AreaSummary>,
    pub shortfalls: Vec<Shortfall>,
}

/// One need area of a school: its share of the entitlement and what it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaSummary {
    pub area: NeedArea,
    pub priority: u8,
    /// This area's share of the entitlement, split by priority.
    pub share: u32,
    pub allocated: u32,
}

/// Days of a school's need left uncovered, with every cause found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shortfall {
    /// `None` for a school with entitlement but no need areas.
    pub area: Option<NeedArea>,
    pub days: u32,
    pub reasons: Vec<ShortfallReason>,
}

/// Why days are missing. Each names its cause so the SIM knows what to change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShortfallReason {
    /// The school has an entitlement but no need area was recorded.
    NoNeedRecorded,
    /// No consultant at all has this specialism for this phase.
    NoSpecialist { area: NeedArea, phase: PhaseGroup },
    /// Specialists exist, but none may serve this school.
    NoneWithinReach {
        area: NeedArea,
        phase: PhaseGroup,
        max_travel_km: f64,
        /// The nearest specialist beyond reach, km, where known.
        nearest_km: Option<f64>,
        /// Specialists excluded as from the school's own school or trust.
        conflicted: u32,
        /// Specialists excluded by `max_candidates_per_need`.
        not_among_nearest: u32,
    },
    /// Every specialist who may serve this need has given their days elsewhere.
    CapacityUsedUp { consultants: Vec<BusyConsultant> },
    /// Specialists have days left, but fewer than the minimum deployment.
    BelowMinimumDeployment {
        min_days: u32,
        consultants: Vec<String>,
    },
    /// The school's entitlement went to its other areas.
    EntitlementUsedElsewhere,
    /// The budget is spent.
    BudgetSpent { budget: f64, spent: f64 },
    /// Specialists had days free but the plan did not use them: the penalty
    /// for another consultant at the school, travel or cost outweighed them,
    /// or the time limit stopped the search (see the gap).
    NotChosen { consultants: Vec<String> },
}

/// A consultant who could have served the need, and where their days went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusyConsultant {
    pub id: String,
    pub used_by: Vec<Urn>,
}

impl fmt::Display for ShortfallReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ShortfallReason::*;
        match self {
            NoNeedRecorded => write!(f, "no need area recorded for this school"),
            NoSpecialist { area, phase } => {
                write!(f, "no consultant has the specialism {area} for {phase} schools")
            }
            NoneWithinReach {
                area,
                phase,
                max_travel_km,
                nearest_km,
                conflicted,
                not_among_nearest,
            } => {
                write!(f, "no {area} specialist for {phase} schools within reach ({max_travel_km} km")?;
                if let Some(d) = nearest_km {
                    write!(f, "; nearest {d:.1} km")?;
                }
                if *conflicted > 0 {
                    write!(f, "; {conflicted} from the school's own school or trust")?;
                }
                if *not_among_nearest > 0 {
                    write!(f, "; {not_among_nearest} not among the nearest candidates")?;
                }
                write!(f, ")")
            }
            CapacityUsedUp { consultants } => {
                write!(f, "capacity used up:")?;
                for (i, c) in consultants.iter().enumerate() {
                    let sep = if i == 0 { " " } else { "; " };
                    let urns: Vec<String> = c.used_by.iter().map(|u| u.to_string()).collect();
                    write!(f, "{sep}{} by {}", c.id, urns.join(", "))?;
                }
                Ok(())
            }
            BelowMinimumDeployment { min_days, consultants } => write!(
                f,
                "specialists with days left have fewer than the {min_days}-day minimum: {}",
                consultants.join(", ")
            ),
            EntitlementUsedElsewhere => write!(f, "entitlement used by the school's other areas"),
            BudgetSpent { budget, spent } => {
                write!(f, "budget spent (£{spent:.0} of £{budget:.0})")
            }
            NotChosen { consultants } => write!(
                f,
                "specialists with free days not chosen (another consultant, travel or cost outweighed them, or the time limit): {}",
                consultants.join(", ")
            ),
        }
    }
}

/// One consultant's load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsultantLoad {
    pub id: String,
    pub name: String,
    pub kind: ConsultantKind,
    pub available: u32,
    pub allocated: u32,
    pub schools: u32,
    pub cost: f64,
    /// Sum over days of the one-way distance to the school, km.
    pub travel_km: f64,
}

/// What the allocation costs the council in day rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostLedger {
    pub total: f64,
    pub budget: Option<f64>,
    pub days: u32,
    pub by_kind: BTreeMap<ConsultantKind, KindCost>,
    /// Keyed by tier, "1".."4".
    pub by_tier: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct KindCost {
    pub days: u32,
    pub cost: f64,
}

/// Solver figures. `bound` is an upper bound on the objective of any
/// allocation of the posed problem; `gap` = (bound - objective) / |bound|.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Objective of the returned allocation, points (maximised).
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub seconds: f64,
    /// True when every part was solved to within `mip_rel_gap`.
    pub optimal: bool,
    /// True when the time limit stopped at least one part.
    pub time_limited: bool,
    pub parts: u32,
    pub largest_part_schools: u32,
    pub arcs: u64,
    pub terms: ObjectiveTerms,
    /// Keyed by tier, "1".."4".
    pub coverage_by_tier: BTreeMap<String, TierCoverage>,
    /// Tier-1 needs left with nothing while a consultant who could serve
    /// them gives days in that area to a tier-3 school (0 when optimal).
    pub fairness_inversions: u32,
}

/// The objective broken into its named terms (penalties are negative).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ObjectiveTerms {
    pub coverage: f64,
    pub fairness: f64,
    pub consultants: f64,
    pub continuity: f64,
    pub travel: f64,
    pub cost: f64,
}

impl ObjectiveTerms {
    pub fn total(&self) -> f64 {
        self.coverage + self.fairness + self.consultants + self.continuity + self.travel + self.cost
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TierCoverage {
    pub schools: u32,
    pub entitlement: u64,
    /// Entitled schools with at least one need area recorded.
    pub with_need: u32,
    /// Their entitlement: the days the plan could give.
    pub demand: u64,
    pub allocated: u64,
    /// Entitled schools with a need that received nothing.
    pub unserved: u32,
    /// Lowest allocated / entitlement among entitled schools with a need.
    pub min_ratio: f64,
}
