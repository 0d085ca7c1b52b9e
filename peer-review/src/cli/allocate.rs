//! `peer-review allocate`: give consultants' days to schools by need.
//!
//! Reads the GIAS schools, need, consultants and (optionally) SSPB categories,
//! last year's allocations and the rules file; calls the optimiser; checks the
//! result with the same `validate` the tests use and refuses to write an
//! invalid one; writes the plan as JSON and, on request, CSVs for a
//! spreadsheet.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use optimiser::allocate::{
    allocate, validate, AllocateError, Allocation, AllocationProblem, AllocationRules, SspbEntry,
};
use optimiser::model::{Consultant, School};

use formats::gias::{import_gias_file, ImportOptions, LaSelector};
use formats::inputs;

#[derive(Debug, Args)]
pub struct AllocateArgs {
    /// The schools: a GIAS extract (CSV, Windows-1252 or UTF-8).
    #[arg(long, value_name = "FILE")]
    pub schools: PathBuf,
    /// Keep only these local authorities of the GIAS file (code or name).
    #[arg(long = "la", value_name = "CODE|NAME")]
    pub las: Vec<LaSelector>,
    /// Need areas per school (need.csv: urn, area, priority, note).
    #[arg(long, value_name = "FILE")]
    pub need: PathBuf,
    /// The consultants (consultants.csv).
    #[arg(long, value_name = "FILE")]
    pub consultants: PathBuf,
    /// SSPB red/amber/green categories (sspb.csv).
    #[arg(long, value_name = "FILE")]
    pub sspb: Option<PathBuf>,
    /// Last year's allocations, for continuity (last_allocations.csv).
    #[arg(long = "last-allocations", value_name = "FILE")]
    pub last_allocations: Option<PathBuf>,
    /// The rules file (TOML); its `[allocation]` table is used.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Where to write the allocation (JSON).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also write allocations.csv, schools.csv and consultants.csv here.
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
}

pub fn run(args: &AllocateArgs) -> Result<()> {
    let problem = load_problem(args)?;
    let allocation = allocate(&problem).map_err(|e| blame(e, args))?;
    let violations = validate(&allocation, &problem);
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
        bail!(
            "the allocation breaks {} rule(s); nothing was written:\n{}",
            violations.len(),
            list.join("\n")
        );
    }
    super::output::write_json(&args.out, &allocation)?;
    println!("allocation written to {}", args.out.display());
    if let Some(dir) = &args.csv {
        write_csvs(dir, &problem, &allocation)?;
        println!(
            "allocations.csv, schools.csv and consultants.csv written to {}",
            dir.display()
        );
    }
    print!("{}", summary(&allocation));
    Ok(())
}

/// Reads every input file into the optimiser's problem.
pub fn load_problem(args: &AllocateArgs) -> Result<AllocationProblem> {
    let import = import_gias_file(
        &args.schools,
        &ImportOptions {
            las: args.las.clone(),
        },
    )?;
    let consultants = inputs::read_consultants(&args.consultants)?;
    let needs = inputs::read_need(&args.need)?;
    let sspb = match &args.sspb {
        Some(p) => inputs::read_sspb(p)?
            .into_iter()
            .map(|(urn, category)| SspbEntry { urn, category })
            .collect(),
        None => Vec::new(),
    };
    let past_allocations = match &args.last_allocations {
        Some(p) => inputs::read_last_allocations(p)?,
        None => Vec::new(),
    };
    let rules = match &args.rules {
        Some(p) => read_rules(p)?,
        None => AllocationRules::default(),
    };
    Ok(AllocationProblem {
        schools: import.schools,
        needs,
        consultants,
        past_allocations,
        sspb,
        rules,
    })
}

/// Names the input file an allocator error is about.
fn blame(e: AllocateError, args: &AllocateArgs) -> anyhow::Error {
    use AllocateError::*;
    let file = match &e {
        NeedForUnknownSchool { .. } | BadPriority { .. } => Some(&args.need),
        SspbForUnknownSchool(_) | ConflictingSspb { .. } => args.sspb.as_ref(),
        DuplicateConsultant(_) | BadDayRate { .. } | EmptyConsultantId(_) => {
            Some(&args.consultants)
        }
        DuplicateSchool(_) => Some(&args.schools),
        Rules(_) => args.rules.as_ref(),
        Solver { .. } => None,
    };
    match file {
        Some(f) => anyhow::anyhow!("{}: {e}", f.display()),
        None => anyhow::anyhow!("allocation failed: {e}"),
    }
}

/// The `[allocation]` table of a rules file; other tables belong to other
/// steps and are left to them. A file without the table means the defaults.
pub fn read_rules(path: &Path) -> Result<AllocationRules> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the rules file", path.display()))?;
    parse_rules(&text).with_context(|| format!("{}: bad rules", path.display()))
}

pub fn parse_rules(text: &str) -> Result<AllocationRules> {
    let table: toml::Table = toml::from_str(text)?;
    let rules = match table.get("allocation") {
        None => AllocationRules::default(),
        Some(v) => v
            .clone()
            .try_into::<AllocationRules>()
            .map_err(|e| anyhow::anyhow!("[allocation]: {e}"))?,
    };
    rules.check()?;
    Ok(rules)
}

fn write_csvs(dir: &Path, problem: &AllocationProblem, a: &Allocation) -> Result<()> {
    use std::collections::HashMap;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let schools: HashMap<_, &School> = problem.schools.iter().map(|s| (s.urn, s)).collect();
    let people: HashMap<&str, &Consultant> = problem
        .consultants
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    let rows = a
        .allocations
        .iter()
        .map(|l| {
            let school = schools.get(&l.urn);
            let c = people.get(l.consultant.as_str());
            let rate = c.map_or(0.0, |c| c.day_rate);
            vec![
                l.urn.to_string(),
                school.map_or(String::new(), |s| s.name.clone()),
                l.consultant.clone(),
                c.map_or(String::new(), |c| c.name.clone()),
                c.map_or(String::new(), |c| c.kind.key().to_string()),
                l.area.to_string(),
                l.days.to_string(),
                format!("{rate:.2}"),
                format!("{:.2}", rate * f64::from(l.days)),
            ]
        })
        .collect();
    super::output::write_csv(
        &dir.join("allocations.csv"),
        &[
            "urn",
            "school",
            "consultant",
            "consultant_name",
            "kind",
            "area",
            "days",
            "day_rate",
            "cost",
        ],
        rows,
    )?;
    let rows = a
        .schools
        .iter()
        .map(|s| {
            let short: u32 = s.shortfalls.iter().map(|f| f.days).sum();
            let reasons: Vec<String> = s
                .shortfalls
                .iter()
                .map(|f| {
                    let area = f.area.map_or("all areas".to_string(), |a| a.to_string());
                    let why: Vec<String> = f.reasons.iter().map(|r| r.to_string()).collect();
                    format!("{area} ({} days): {}", f.days, why.join("; "))
                })
                .collect();
            let areas: Vec<String> = s
                .areas
                .iter()
                .map(|x| format!("{} p{} {}/{}", x.area, x.priority, x.allocated, x.share))
                .collect();
            vec![
                s.urn.to_string(),
                s.name.clone(),
                s.phase.to_string(),
                s.tier.to_string(),
                s.tier_source.key().to_string(),
                s.entitlement.to_string(),
                s.allocated.to_string(),
                s.consultants.to_string(),
                areas.join(", "),
                short.to_string(),
                reasons.join(" | "),
            ]
        })
        .collect();
    super::output::write_csv(
        &dir.join("schools.csv"),
        &[
            "urn",
            "school",
            "phase",
            "tier",
            "tier_source",
            "entitlement",
            "allocated",
            "consultants",
            "areas (allocated/share)",
            "shortfall_days",
            "shortfall_reasons",
        ],
        rows,
    )?;
    let rows = a
        .consultants
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.name.clone(),
                c.kind.key().to_string(),
                c.available.to_string(),
                c.allocated.to_string(),
                c.available.saturating_sub(c.allocated).to_string(),
                c.schools.to_string(),
                format!("{:.2}", c.cost),
                format!("{:.1}", c.travel_km),
            ]
        })
        .collect();
    super::output::write_csv(
        &dir.join("consultants.csv"),
        &[
            "id",
            "name",
            "kind",
            "available",
            "allocated",
            "spare",
            "schools",
            "cost",
            "travel_km",
        ],
        rows,
    )
}

/// A few lines for the terminal: coverage by tier and the solver's figures.
pub fn summary(a: &Allocation) -> String {
    let mut s = String::new();
    for (tier, t) in &a.stats.coverage_by_tier {
        let pct = if t.demand > 0 {
            100.0 * t.allocated as f64 / t.demand as f64
        } else {
            100.0
        };
        s += &format!(
            "tier {tier}: {} schools, {} with need; {} of {} days ({pct:.0}%); {} with need got nothing\n",
            t.schools, t.with_need, t.allocated, t.demand, t.unserved
        );
    }
    let short = a
        .schools
        .iter()
        .filter(|x| !x.shortfalls.is_empty())
        .count();
    s += &format!(
        "{} lines, {} days, £{:.0}; {short} schools with a shortfall (see schools.csv or the JSON)\n",
        a.allocations.len(),
        a.cost.days,
        a.cost.total
    );
    s += &format!(
        "objective {:.1}, bound {:.1}, gap {:.4}%, {:.2} s{}\n",
        a.stats.objective,
        a.stats.bound,
        100.0 * a.stats.gap,
        a.stats.seconds,
        if a.stats.time_limited {
            " (stopped by the time limit)"
        } else {
            ""
        }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_come_from_the_allocation_table_with_defaults() {
        let r = parse_rules(
            "[triads]\nmax_km = 9\n\n[allocation]\nmax_travel_km = 30.0\nbudget = 50000.0\n\n[allocation.tier_days]\ntier1 = 20\n",
        )
        .unwrap();
        assert_eq!(r.max_travel_km, 30.0);
        assert_eq!(r.budget, Some(50_000.0));
        assert_eq!(r.tier_days.tier1, 20);
        assert_eq!(r.tier_days.tier2, 15);
        assert_eq!(parse_rules("").unwrap(), AllocationRules::default());
    }

    #[test]
    fn unknown_or_bad_rules_are_named() {
        let e = format!(
            "{:#}",
            parse_rules("[allocation]\nmax_travel = 3\n").unwrap_err()
        );
        assert!(e.contains("max_travel"), "{e}");
        let e = format!(
            "{:#}",
            parse_rules("[allocation]\nmax_travel_km = -3.0\n").unwrap_err()
        );
        assert!(e.contains("[allocation] max_travel_km"), "{e}");
    }
}
