//! `peer-review schedule`: date every review of a plan from availability.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{TimeZone, Utc};
use clap::Args;

use optimiser::schedule::{self, ScheduleProblem, ScheduleRules, ScheduledPlan};
use optimiser::triads::{Plan, TriadRules};

use super::output::{write_atomic, write_json, Named, PlanFiles};
use formats::calendar::{default_calendar, read_calendar};
use formats::gias::{import_gias_file, ImportOptions};
use formats::ics::{calendars, IcsOptions};
use formats::inputs::{read_advisers, read_availability};
use formats::rules::{read_schedule_rules, read_triad_rules};

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// The plan to date (plan.json from `peer-review plan`).
    #[arg(long)]
    pub plan: PathBuf,
    /// Dates people offer (CSV: person,date,level).
    #[arg(long)]
    pub availability: PathBuf,
    /// Window, half-terms and blackouts (TOML). Without it: every weekday
    /// from 1 September of the plan's year to 31 July after.
    #[arg(long)]
    pub calendar: Option<PathBuf>,
    /// Rules file (TOML): `[schedule]`, and `[triads]` for the adviser rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// GIAS extract of the schools: names in calendars, and the group and
    /// adviser rules checked again with the dates.
    #[arg(long)]
    pub schools: Option<PathBuf>,
    /// External advisers (advisers.csv): lets the scheduler re-assign an
    /// adviser whose dates fit none of a group's reviews.
    #[arg(long)]
    pub advisers: Option<PathBuf>,
    /// A published dated plan: only reviews that must move are moved.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    #[arg(long)]
    pub out: PathBuf,
    /// Write calendars (.ics) per person and per school into this folder.
    #[arg(long)]
    pub ics: Option<PathBuf>,
    /// Write reviews.csv (every review with its dates or reason) into this folder.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    pub files: PlanFiles,
    /// Domain of the calendar entries' UIDs.
    #[arg(long, default_value = "peer-review.schools.example")]
    pub ics_domain: String,
}

pub fn run(args: &ScheduleArgs) -> Result<()> {
    let plan = read_plan(&args.plan)?;
    let (rules, triad_rules) = match &args.rules {
        Some(p) => (read_schedule_rules(p)?, read_triad_rules(p)?),
        None => (ScheduleRules::default(), TriadRules::default()),
    };
    rules.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    let calendar = match &args.calendar {
        Some(p) => read_calendar(p)?,
        None => default_calendar(plan.year)?,
    };
    let availability = read_availability(&args.availability)?;
    let schools = match &args.schools {
        Some(p) => {
            let in_plan: HashSet<_> = plan
                .triads
                .iter()
                .flat_map(|t| t.schools.iter().copied())
                .chain(plan.unplaced.iter().map(|u| u.urn))
                .collect();
            let import = import_gias_file(p, &ImportOptions::default())?;
            import
                .schools
                .into_iter()
                .filter(|s| in_plan.contains(&s.urn))
                .collect()
        }
        None => Vec::new(),
    };
    let advisers = match &args.advisers {
        Some(p) => read_advisers(p)?,
        None => Vec::new(),
    };
    let previous = args.previous.as_deref().map(read_plan).transpose()?;
    let heads = args.files.read_heads()?;
    let problem = ScheduleProblem {
        plan,
        schools,
        advisers,
        triad_rules,
        availability,
        calendar,
        rules,
        previous,
    };
    let dated = schedule::schedule(&problem).map_err(|e| anyhow::anyhow!("{e}"))?;
    // `schedule` checks its own result; the file is written only if the
    // check, run once more on exactly what is written, passes.
    let violations = schedule::validate(&dated.plan, &problem);
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
        bail!("refusing to write an invalid schedule: {}", list.join("; "));
    }
    write_json(&args.out, &dated)?;
    if let Some(dir) = &args.ics {
        write_ics(dir, &dated, &problem, &args.ics_domain)?;
    }
    if let Some(dir) = &args.csv {
        write_reviews_csv(&dir.join("reviews.csv"), &dated.plan)?;
    }
    let named = Named {
        plan: &dated.plan,
        schools: &problem.schools,
        heads: &heads,
        advisers: &problem.advisers,
        availability: Some(&problem.availability),
    };
    args.files.write(&named)?;
    print_summary(&dated);
    Ok(())
}

fn read_plan(path: &Path) -> Result<Plan> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a plan", path.display()))
}

fn write_ics(
    dir: &Path,
    dated: &ScheduledPlan,
    problem: &ScheduleProblem,
    domain: &str,
) -> Result<()> {
    let first = dated
        .schedule
        .window_first
        .unwrap_or(problem.calendar.first);
    let stamp = Utc.from_utc_datetime(&first.and_time(chrono::NaiveTime::MIN));
    let names: HashMap<_, _> = problem
        .schools
        .iter()
        .map(|s| (s.urn, s.name.clone()))
        .collect();
    let opts = IcsOptions {
        domain: domain.to_string(),
        stamp,
        names,
    };
    for (file, text) in calendars(&dated.plan, problem.previous.as_ref(), &opts) {
        write_atomic(&dir.join(file), text.as_bytes())?;
    }
    Ok(())
}

pub fn write_reviews_csv(path: &Path, plan: &Plan) -> Result<()> {
    // The service's schedule.csv, so that both list a review alike.
    write_atomic(path, formats::export::schedule_csv(plan)?.as_bytes())
}

fn print_summary(dated: &ScheduledPlan) {
    let s = &dated.schedule;
    println!(
        "{} of {} reviews dated; {:.1}% of person-days on preferred dates; {} moved from the previous plan; {} advisers re-assigned; {} let go so that their groups could be dated",
        s.scheduled,
        s.reviews,
        s.preferred_share * 100.0,
        s.moved,
        s.advisers_reassigned,
        s.advisers_released
    );
    println!(
        "objective {:.2}, lower bound {:.2}, gap {:.3}%; {} of {} components proven optimal; {:.2} s",
        s.objective,
        s.lower_bound,
        s.gap * 100.0,
        s.components_proven_optimal,
        s.components,
        s.seconds
    );
    match (s.dated_bound, s.dated_gap) {
        (Some(b), Some(g)) => println!(
            "dated {}, dated_bound {b} (no plan under these rules and availabilities dates more), gap {:.1}%; {} awaiting a head's dates",
            s.dated,
            g * 100.0,
            s.awaiting
        ),
        _ => println!("dated {}; {} awaiting a head's dates", s.dated, s.awaiting),
    }
    if let (Some(r), Some(b)) = (s.ready_awaiting, s.answered_bound) {
        println!(
            "once the silent heads answer (if free): {} of answered_bound {b} ({} dated + {r} awaiting)",
            s.dated + r,
            s.dated
        );
    }
    for r in &s.relaxations {
        println!("relaxing one rule: {r}");
    }
    let undated: Vec<&String> = dated
        .plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter())
        .filter_map(|r| r.unscheduled_reason.as_ref())
        .collect();
    for r in undated.iter().take(5) {
        println!("undated: {r}");
    }
    if undated.len() > 5 {
        println!("undated: {} more in the plan file", undated.len() - 5);
    }
}
