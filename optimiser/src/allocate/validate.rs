//! Every hard rule, checked on a result from any source. The tests and the
//! command line use this same function; nothing is trusted from the solver.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::eligibility::{self, qualified, reach, Reach};
use super::need;
use super::{Allocation, AllocationProblem};
use crate::model::{NeedArea, Urn};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    /// The problem itself is invalid, so nothing can be checked.
    Problem {
        message: String,
    },
    UnknownSchool {
        urn: Urn,
    },
    UnknownConsultant {
        id: String,
    },
    ZeroDays {
        urn: Urn,
        consultant: String,
        area: NeedArea,
    },
    DuplicateLine {
        urn: Urn,
        consultant: String,
        area: NeedArea,
    },
    AreaNotNeeded {
        urn: Urn,
        area: NeedArea,
    },
    NoSpecialism {
        urn: Urn,
        consultant: String,
        area: NeedArea,
    },
    WrongPhase {
        urn: Urn,
        consultant: String,
    },
    Conflict {
        urn: Urn,
        consultant: String,
    },
    OutOfReach {
        urn: Urn,
        consultant: String,
        distance_km: Option<f64>,
    },
    NotAmongNearest {
        urn: Urn,
        consultant: String,
        area: NeedArea,
    },
    OverCapacity {
        consultant: String,
        allocated: u32,
        available: u32,
    },
    OverEntitlement {
        urn: Urn,
        allocated: u32,
        entitlement: u32,
    },
    BelowMinimumDeployment {
        urn: Urn,
        consultant: String,
        days: u32,
        minimum: u32,
    },
    OverBudget {
        spent: f64,
        budget: f64,
    },
    SummaryMismatch {
        what: String,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Violation::*;
        match self {
            Problem { message } => write!(f, "invalid problem: {message}"),
            UnknownSchool { urn } => write!(f, "school {urn} is not in the problem"),
            UnknownConsultant { id } => write!(f, "consultant {id} is not in the problem"),
            ZeroDays {
                urn,
                consultant,
                area,
            } => {
                write!(f, "{consultant} at {urn} in {area}: a line of zero days")
            }
            DuplicateLine {
                urn,
                consultant,
                area,
            } => {
                write!(f, "{consultant} at {urn} in {area}: listed twice")
            }
            AreaNotNeeded { urn, area } => write!(f, "school {urn} has no recorded need in {area}"),
            NoSpecialism {
                urn,
                consultant,
                area,
            } => {
                write!(
                    f,
                    "{consultant} at {urn}: {area} is not one of their specialisms"
                )
            }
            WrongPhase { urn, consultant } => {
                write!(
                    f,
                    "{consultant} at {urn}: does not work with this school's phase"
                )
            }
            Conflict { urn, consultant } => {
                write!(f, "{consultant} at {urn}: their own school or trust")
            }
            OutOfReach {
                urn,
                consultant,
                distance_km,
            } => match distance_km {
                Some(d) => write!(f, "{consultant} at {urn}: {d:.1} km, beyond reach"),
                None => write!(f, "{consultant} at {urn}: outside their local authority"),
            },
            NotAmongNearest {
                urn,
                consultant,
                area,
            } => {
                write!(
                    f,
                    "{consultant} at {urn} in {area}: not among the nearest candidates"
                )
            }
            OverCapacity {
                consultant,
                allocated,
                available,
            } => {
                write!(
                    f,
                    "{consultant}: {allocated} days allocated, {available} available"
                )
            }
            OverEntitlement {
                urn,
                allocated,
                entitlement,
            } => {
                write!(
                    f,
                    "school {urn}: {allocated} days allocated, entitled to {entitlement}"
                )
            }
            BelowMinimumDeployment {
                urn,
                consultant,
                days,
                minimum,
            } => write!(
                f,
                "{consultant} at {urn}: {days} days, fewer than the minimum deployment of {minimum}"
            ),
            OverBudget { spent, budget } => write!(f, "£{spent:.2} spent of a £{budget:.2} budget"),
            SummaryMismatch { what } => write!(f, "summary disagrees with the lines: {what}"),
        }
    }
}

/// Checks every hard rule of `problem` on `allocation`; empty when valid.
pub fn validate(allocation: &Allocation, problem: &AllocationProblem) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Err(e) = problem.rules.check() {
        return vec![Violation::Problem {
            message: e.to_string(),
        }];
    }
    let needs = match need::assess(problem) {
        Ok(n) => n,
        Err(e) => {
            return vec![Violation::Problem {
                message: e.to_string(),
            }]
        }
    };
    let graph = eligibility::build(problem, &needs);
    let arcs: HashSet<(usize, usize)> = graph.arcs.iter().map(|a| (a.need, a.consultant)).collect();
    let need_of: HashMap<(usize, NeedArea), usize> = needs
        .areas
        .iter()
        .enumerate()
        .map(|(n, a)| ((a.school, a.area), n))
        .collect();

    let mut seen = HashSet::new();
    let mut consultant_days: BTreeMap<usize, u32> = BTreeMap::new();
    let mut school_days: BTreeMap<usize, u32> = BTreeMap::new();
    let mut pair_days: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    let mut spent = 0.0;
    for line in &allocation.allocations {
        let (urn, id, area) = (line.urn, line.consultant.clone(), line.area);
        let Some(&s) = needs.school_index.get(&urn) else {
            out.push(Violation::UnknownSchool { urn });
            continue;
        };
        let Some(&c) = needs.consultant_index.get(&line.consultant) else {
            out.push(Violation::UnknownConsultant { id });
            continue;
        };
        if line.days == 0 {
            out.push(Violation::ZeroDays {
                urn,
                consultant: id.clone(),
                area,
            });
        }
        if !seen.insert((s, c, area)) {
            out.push(Violation::DuplicateLine {
                urn,
                consultant: id.clone(),
                area,
            });
        }
        *consultant_days.entry(c).or_default() += line.days;
        *school_days.entry(s).or_default() += line.days;
        *pair_days.entry((s, c)).or_default() += line.days;
        let consultant = &problem.consultants[c];
        spent += consultant.day_rate * f64::from(line.days);
        let school = &problem.schools[s];
        let Some(&n) = need_of.get(&(s, area)) else {
            out.push(Violation::AreaNotNeeded { urn, area });
            continue;
        };
        if arcs.contains(&(n, c)) {
            continue;
        }
        // Not an arc: name the rule it breaks.
        if !consultant.specialisms.contains(&area) {
            out.push(Violation::NoSpecialism {
                urn,
                consultant: id,
                area,
            });
        } else if !qualified(consultant, area, school.phase_group()) {
            out.push(Violation::WrongPhase {
                urn,
                consultant: id,
            });
        } else {
            match reach(consultant, &graph.places[c], school, problem) {
                Reach::Conflict => out.push(Violation::Conflict {
                    urn,
                    consultant: id,
                }),
                Reach::TooFar(d) => out.push(Violation::OutOfReach {
                    urn,
                    consultant: id,
                    distance_km: d,
                }),
                // Reachable and qualified: only the candidate limit (or a
                // school with no entitlement, caught below) removes the arc.
                Reach::Yes(_)
                    if needs.schools[s].entitlement > 0 && consultant.days_available > 0 =>
                {
                    out.push(Violation::NotAmongNearest {
                        urn,
                        consultant: id,
                        area,
                    })
                }
                Reach::Yes(_) => {}
            }
        }
    }
    for (&c, &d) in &consultant_days {
        let available = problem.consultants[c].days_available;
        if d > available {
            out.push(Violation::OverCapacity {
                consultant: problem.consultants[c].id.clone(),
                allocated: d,
                available,
            });
        }
    }
    for (&s, &d) in &school_days {
        let entitlement = needs.schools[s].entitlement;
        if d > entitlement {
            out.push(Violation::OverEntitlement {
                urn: problem.schools[s].urn,
                allocated: d,
                entitlement,
            });
        }
    }
    let minimum = problem.rules.min_days_per_deployment;
    for (&(s, c), &d) in &pair_days {
        if d < minimum {
            out.push(Violation::BelowMinimumDeployment {
                urn: problem.schools[s].urn,
                consultant: problem.consultants[c].id.clone(),
                days: d,
                minimum,
            });
        }
    }
    if let Some(budget) = problem.rules.budget {
        // A cent of slack for the float sum of day rates.
        if spent > budget + 0.01 {
            out.push(Violation::OverBudget { spent, budget });
        }
    }
    check_summaries(
        allocation,
        problem,
        &needs,
        &school_days,
        &consultant_days,
        spent,
        &mut out,
    );
    out
}

/// The summaries a SIM reads must agree with the lines that are enacted.
fn check_summaries(
    allocation: &Allocation,
    problem: &AllocationProblem,
    needs: &need::Needs,
    school_days: &BTreeMap<usize, u32>,
    consultant_days: &BTreeMap<usize, u32>,
    spent: f64,
    out: &mut Vec<Violation>,
) {
    let mismatch = |what: String| Violation::SummaryMismatch { what };
    for summary in &allocation.schools {
        match needs.school_index.get(&summary.urn) {
            None => out.push(mismatch(format!(
                "school {} is not in the problem",
                summary.urn
            ))),
            Some(&s) => {
                let lines = school_days.get(&s).copied().unwrap_or(0);
                if summary.allocated != lines {
                    out.push(mismatch(format!(
                        "school {} shows {} days, its lines add up to {lines}",
                        summary.urn, summary.allocated
                    )));
                }
                if summary.entitlement != needs.schools[s].entitlement {
                    out.push(mismatch(format!(
                        "school {} shows entitlement {}, the rules give {}",
                        summary.urn, summary.entitlement, needs.schools[s].entitlement
                    )));
                }
            }
        }
    }
    for load in &allocation.consultants {
        let Some(&c) = needs.consultant_index.get(&load.id) else {
            out.push(mismatch(format!(
                "consultant {} is not in the problem",
                load.id
            )));
            continue;
        };
        let lines = consultant_days.get(&c).copied().unwrap_or(0);
        if load.allocated != lines {
            out.push(mismatch(format!(
                "consultant {} shows {} days, their lines add up to {lines}",
                load.id, load.allocated
            )));
        }
        if load.available != problem.consultants[c].days_available {
            out.push(mismatch(format!(
                "consultant {} shows wrong days available",
                load.id
            )));
        }
    }
    if (allocation.cost.total - spent).abs() > 0.01 {
        out.push(mismatch(format!(
            "cost ledger total £{:.2}, the lines cost £{spent:.2}",
            allocation.cost.total
        )));
    }
}
