//! The matching job's work: groups, then dates for every review, checked
//! against every rule before anything is stored.

use std::collections::HashSet;

use optimiser::model::Urn;
use optimiser::schedule::{self, ScheduleProblem};
use optimiser::triads::{self, Plan};

use super::control::Control;
use super::problem::MatchingInput;

/// Forms the groups and dates the reviews. `ctl` receives progress and may
/// stop the grouping between components. The plan returned has passed both
/// `triads::validate` (with the SIM's hand and the heads' requests) and
/// `schedule::validate` (dates, availability, advisers).
pub fn compute(input: &MatchingInput, ctl: &Control) -> anyhow::Result<(Plan, String)> {
    ctl.phase("forming groups (components solved)", 0);
    let plan = triads::plan(&input.triads, &|done, total| ctl.progress(done, total))
        .map_err(|e| anyhow::anyhow!("forming groups: {e}"))?;
    ctl.checkpoint();
    ctl.phase("dating reviews", 0);
    let in_plan: HashSet<Urn> = plan
        .triads
        .iter()
        .flat_map(|t| t.schools.iter().copied())
        .chain(plan.unplaced.iter().map(|u| u.urn))
        .collect();
    let problem = ScheduleProblem {
        plan,
        schools: input
            .triads
            .schools
            .iter()
            .filter(|s| in_plan.contains(&s.urn))
            .cloned()
            .collect(),
        advisers: input.triads.advisers.clone(),
        triad_rules: input.triads.rules.clone(),
        availability: input.availability.clone(),
        calendar: input.calendar.clone(),
        rules: input.schedule_rules.clone(),
        previous: input.triads.previous.clone(),
    };
    let dated = schedule::schedule(&problem).map_err(|e| anyhow::anyhow!("dating reviews: {e}"))?;
    ctl.checkpoint();
    let mut broken: Vec<String> = schedule::validate(&dated.plan, &problem)
        .iter()
        .map(|v| v.to_string())
        .collect();
    broken.extend(
        triads::validate(&dated.plan, &input.triads)
            .iter()
            .map(|v| v.to_string()),
    );
    if !broken.is_empty() {
        anyhow::bail!(
            "the plan breaks {} rule(s), so it was not stored (a defect, please report it): {}",
            broken.len(),
            broken.join("; ")
        );
    }
    let summary = summary(&dated.plan, &dated.schedule, &input.notes);
    Ok((dated.plan, summary))
}

fn summary(plan: &Plan, dates: &schedule::ScheduleStats, notes: &[String]) -> String {
    let s = &plan.stats;
    let mut out = format!(
        "{} groups placing {} of {} schools ({} left out), grouping gap {:.2}%; \
         {} of {} reviews dated",
        s.groups,
        s.placed,
        s.schools,
        plan.unplaced.len(),
        s.gap * 100.0,
        dates.scheduled,
        dates.reviews
    );
    if !notes.is_empty() {
        out += &format!(
            "; {} note(s) on the inputs: {}",
            notes.len(),
            notes.join("; ")
        );
    }
    out
}
