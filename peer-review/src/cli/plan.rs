//! `peer-review plan`: form the year's groups from a GIAS file and the SIM's inputs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use optimiser::model::School;
use optimiser::schedule::Person;
use optimiser::triads::{self, KnownDates, Plan, Scope, TriadProblem, TriadRules};

use super::output::{write_atomic, write_json, Named, PlanFiles};
use super::progress::Progress;
use formats::calendar::{default_calendar, read_calendar};
use formats::gias::{import_gias_file, ImportOptions, LaSelector};
use formats::inputs::{read_advisers, read_availability, read_history};
use formats::rules::{read_hand, read_triad_rules, Hand};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// GIAS extract of the schools (CSV).
    #[arg(long)]
    pub schools: PathBuf,
    /// Plan only these local authorities (code or name), each separately.
    #[arg(long = "la", value_name = "CODE|NAME", conflicts_with = "all")]
    pub las: Vec<LaSelector>,
    /// Plan every local authority in the file, each separately.
    #[arg(long)]
    pub all: bool,
    /// Group across authority boundaries: one graph for all schools read.
    #[arg(long)]
    pub cross_la: bool,
    /// Past groups (history.csv).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// External advisers (advisers.csv).
    #[arg(long)]
    pub advisers: Option<PathBuf>,
    /// Rules file (TOML, `[triads]` table).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// The SIM's hand (TOML): pinned groups, excluded pairs, opted-out schools.
    #[arg(long)]
    pub pins: Option<PathBuf>,
    /// A published plan to change as little as possible.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// Dates heads offer (CSV: person,date,level, as `schedule` reads it):
    /// two heads who share no available date are never grouped, and a pair
    /// sharing few pays `weights.few_common_dates` per date short.
    #[arg(long)]
    pub availability: Option<PathBuf>,
    /// Window, half-terms and blackouts (TOML) the dates count within.
    /// Without it: every weekday from 1 September of the year to 31 July after.
    #[arg(long, requires = "availability")]
    pub calendar: Option<PathBuf>,
    /// Programme year (its first calendar year); defaults to the year after the latest history.
    #[arg(long)]
    pub year: Option<i32>,
    #[arg(long)]
    pub out: PathBuf,
    /// Also write CSVs a spreadsheet opens: groups, reviews, unplaced, ledger, advisers.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    pub files: PlanFiles,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The SIM's hand, as a TOML file:
/// `opt_out = ["100001"]`, `[[pin]] schools = [...]  adviser = "A1"`,
/// `[[exclude]] a = "..." b = "..." reason = "..."`.
pub fn run(args: &PlanArgs) -> Result<()> {
    if args.las.is_empty() && !args.all && !args.cross_la {
        bail!(
            "say which schools to plan: --la CODE|NAME, --all (every LA separately) or --cross-la"
        );
    }
    let started = Instant::now();
    let import = import_gias_file(
        &args.schools,
        &ImportOptions {
            las: args.las.clone(),
        },
    )?;
    if import.schools.is_empty() {
        bail!(
            "no schools of the chosen local authorities in {}",
            args.schools.display()
        );
    }
    let problem = problem(args, import.schools)?;
    let heads = args.files.read_heads()?;
    let progress = Progress::new("forming groups", args.quiet);
    let p = progress.clone();
    let plan = triads::plan(&problem, &move |done, total| p.update(done, total));
    progress.finish();
    let plan = plan?;
    write_json(&args.out, &plan)?;
    if let Some(dir) = &args.csv {
        write_plan_csvs(dir, &plan, &problem.schools)?;
    }
    let named = Named {
        plan: &plan,
        schools: &problem.schools,
        heads: &heads,
        advisers: &problem.advisers,
        availability: problem.availability.as_ref().map(|k| &k.availability),
    };
    args.files.write(&named)?;
    print_summary(&plan, &problem, started.elapsed().as_secs_f64());
    Ok(())
}

fn problem(args: &PlanArgs, schools: Vec<School>) -> Result<TriadProblem> {
    // With the `[schedule]` table's dating rules: groups are scored by the
    // reviews their heads can keep under the rules the scheduler keeps.
    let rules = match &args.rules {
        Some(p) => read_triad_rules(p)?,
        None => TriadRules::default(),
    };
    rules.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    let history = match &args.history {
        Some(p) => read_history(p)?,
        None => vec![],
    };
    let advisers = match &args.advisers {
        Some(p) => read_advisers(p)?,
        None => vec![],
    };
    let hand = match &args.pins {
        Some(p) => read_hand(p)?,
        None => Hand::default(),
    };
    let previous: Option<Plan> = match &args.previous {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a plan", p.display()))?,
            )
        }
        None => None,
    };
    let year = args
        .year
        .or_else(|| history.iter().map(|h| h.year + 1).max())
        .unwrap_or_else(current_programme_year);
    let availability = known_dates(args, year)?;
    Ok(TriadProblem {
        year,
        schools,
        opted_out: hand.opt_out.into_iter().collect::<BTreeSet<_>>(),
        history,
        advisers,
        pins: hand.pin,
        exclusions: hand.exclude,
        scope: if args.cross_la {
            Scope::CrossLa
        } else {
            Scope::PerLa
        },
        rules,
        previous,
        availability,
    })
}

/// Heads' dates and the calendar they count within, where given.
fn known_dates(args: &PlanArgs, year: i32) -> Result<Option<KnownDates>> {
    let Some(path) = &args.availability else {
        return Ok(None);
    };
    let calendar = match &args.calendar {
        Some(p) => read_calendar(p)?,
        None => default_calendar(year)?,
    };
    Ok(Some(KnownDates {
        availability: read_availability(path)?,
        calendar,
    }))
}

/// The programme year runs September to July.
fn current_programme_year() -> i32 {
    use chrono::Datelike;
    let today = chrono::Local::now().date_naive();
    if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    }
}

fn print_summary(plan: &Plan, problem: &TriadProblem, seconds: f64) {
    let s = &plan.stats;
    println!(
        "{} groups ({} of four) placing {} of {} schools; {} left out",
        s.groups,
        s.groups_of_four,
        s.placed,
        s.schools,
        plan.unplaced.len()
    );
    println!(
        "objective {:.2}, lower bound {:.2}, gap {:.3}%; {} of {} components proven optimal",
        s.objective,
        s.lower_bound,
        s.gap * 100.0,
        s.components_proven_optimal,
        s.components
    );
    if let Some(k) = &problem.availability {
        let heads = k
            .availability
            .people
            .keys()
            .filter(|p| matches!(p, Person::Head(_)))
            .count();
        let short = plan
            .triads
            .iter()
            .filter(|t| t.score.contains_key("few_common_dates"))
            .count();
        println!(
            "availability: {heads} heads offered dates; {short} groups have a pair sharing fewer than {} (see flags)",
            problem.rules.common_dates_wanted
        );
        if let (Some(d), Some(b)) = (s.datable, s.dated_bound) {
            let reviews: usize = plan.triads.iter().map(|t| t.reviews.len()).sum();
            println!(
                "dates: the heads can keep {d} of {reviews} reviews; dated_bound {b} (no plan dates more), gap {:.1}%; {} groups awaiting dates",
                if b > 0 { 100.0 * b.saturating_sub(d) as f64 / b as f64 } else { 0.0 },
                s.awaiting_groups
            );
        }
        if let (Some(r), Some(b)) = (s.ready_awaiting, s.answered_bound) {
            let d = s.datable.unwrap_or(0);
            println!(
                "once the silent heads answer (if free): {} of answered_bound {b} ({d} now + {r} awaiting)",
                d + r
            );
        }
    }
    let without = plan.triads.iter().filter(|t| t.adviser.is_none()).count();
    println!(
        "advisers: {} groups without; council cost £{:.2} of £{:.2} budget",
        without, plan.cost.total, problem.rules.adviser_budget
    );
    // The plan holds every line; a screenful is enough here.
    for d in plan.diagnosis.iter().take(5) {
        println!("diagnosis: {d}");
    }
    if plan.diagnosis.len() > 5 {
        println!(
            "diagnosis: {} more in the plan file",
            plan.diagnosis.len() - 5
        );
    }
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    println!("{seconds:.2} s");
}

pub fn write_plan_csvs(dir: &Path, plan: &Plan, schools: &[School]) -> Result<()> {
    // The same spreadsheets the service offers as downloads, but the
    // schedule's, which `schedule` writes once the reviews are dated.
    for &name in formats::export::PLAN_CSVS
        .iter()
        .filter(|&&n| n != "schedule.csv")
    {
        let text = formats::export::plan_csv(name, plan, schools)?
            .with_context(|| format!("no spreadsheet called {name}"))?;
        write_atomic(&dir.join(name), text.as_bytes())?;
    }
    Ok(())
}
