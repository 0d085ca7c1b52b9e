//! One external adviser for each group, chosen together for all groups so
//! that continuity, travel and cost are traded exactly as the weights say,
//! within every adviser's days and the council's budget.
//!
//! The model, solved by HiGHS through good_lp:
//! - `y[g,a]` binary, only for pairs that may meet at all: the adviser's kind
//!   is allowed, they are competent for the group's phase, linked to none of
//!   its schools or trusts, the group's days fit their year and its cost fits
//!   the budget;
//! - `z[g]` binary, the group has no adviser; `Σ_a y[g,a] + z[g] = 1`;
//! - `Σ_g days_g · y[g,a] ≤ capacity_a` and `Σ rate_a · days_g · y[g,a] ≤ budget`;
//! - a pinned adviser is fixed (`y = 1`) when they pass those rules, taking
//!   pins in group order while the days and money earlier pins took leave room;
//! - minimise the points: `no_adviser · z + adviser_travel_km · km +
//!   adviser_cost_per_pound · £ − adviser_continuity · [advised one of the
//!   schools last year] − keep_previous / 4 · [the previous plan's adviser]`.
//!
//! Why a quarter of `keep_previous`: that weight values a whole group kept
//! from the previous plan, of which the adviser is one part; a re-plan should
//! still not swap advisers the SIM has already told people about for a few
//! km. At the default weights it is worth 50 points: about 250 km of adviser
//! travel, a tenth of leaving a group without an adviser.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use good_lp::solvers::highs::highs;
use good_lp::{variable, Constraint, Expression, ProblemVariables, SolverModel, Variable};
use highs::{HighsModelStatus, HighsSolutionStatus};

use super::plan::{AdviserLoad, CostLedger};
use super::rules::TriadRules;
use crate::model::{Adviser, PhaseGroup, School};

/// Slack on money comparisons, so that a budget met to the penny is met.
const MONEY_EPS: f64 = 1e-6;
/// Points closer than this are a tie.
const POINTS_EPS: f64 = 1e-9;

/// What one group asks of the adviser step.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupNeed<'a> {
    pub id: String,
    pub phase: PhaseGroup,
    pub schools: Vec<&'a School>,
    /// Adviser of last year's group that held any of these schools (from
    /// history, year = problem year - 1): continuity bonus if the same adviser
    /// is chosen. May list several.
    pub last_year_advisers: Vec<String>,
    /// An adviser the SIM pinned: kept whenever the rules allow.
    pub pinned_adviser: Option<String>,
    /// The adviser the previous plan gave this same group: strongly preferred.
    pub previous_adviser: Option<String>,
}

/// The advisers chosen, with the points, travel and money behind the choice.
#[derive(Debug, Clone, PartialEq)]
pub struct AdviserPlan {
    /// Per group, in the order given: the adviser's id.
    pub adviser: Vec<Option<String>>,
    /// Per group without an adviser: why, naming the rules and numbers. Also
    /// set on such a group when its pin could not be kept, the pin's reason first.
    pub reason: Vec<Option<String>>,
    /// Per group, points by term: "adviser_travel", "adviser_cost",
    /// "adviser_continuity" and "adviser_previous" (both negative, present
    /// only when they apply), or "no_adviser".
    pub score: Vec<BTreeMap<String, f64>>,
    /// Per group: km from the adviser's base to each school of the group,
    /// summed; `None` without an adviser, or where a base or school location is unknown.
    pub travel_km: Vec<Option<f64>>,
    /// Budget, total cost and every adviser's load, unused ones too, by id.
    pub ledger: CostLedger,
    /// Sum of every group's points.
    pub objective: f64,
    /// No assignment under these rules scores below this.
    pub lower_bound: f64,
    /// Things the SIM should know that leave no group short: a pin that could
    /// not be kept on a group that got another adviser, an adviser id listed twice.
    pub warnings: Vec<String>,
}

/// Adviser days a group takes: one per review, one review per school.
pub fn group_days(schools: usize, rules: &TriadRules) -> u32 {
    let schools = u32::try_from(schools).unwrap_or(u32::MAX);
    rules.review_days.saturating_mul(schools)
}

/// Whether an adviser may advise a group at all: an allowed kind, competent
/// for its phase, linked to none of its schools or their trusts. Days and
/// money are shared between groups, so they are checked on the whole plan
/// (see [`AdviserPlan::ledger`]), not here.
pub fn adviser_can_serve(
    adviser: &Adviser,
    group_phase: PhaseGroup,
    schools: &[&School],
    rules: &TriadRules,
) -> Result<(), String> {
    let who = label(adviser);
    if !rules.adviser_kinds.contains(&adviser.kind) {
        return Err(format!(
            "{who} ({}) is not of a kind this year's rules take as advisers ({})",
            adviser.kind.words(),
            kinds_list(rules)
        ));
    }
    if !adviser.phases.contains(&group_phase) {
        return Err(format!(
            "{who} does not advise {} schools (only {})",
            group_phase.words(),
            phases_list(&adviser.phases)
        ));
    }
    match schools.iter().find_map(|s| conflict(adviser, s)) {
        Some(link) => Err(format!("{who} is linked to the group ({link})")),
        None => Ok(()),
    }
}

/// One adviser on one group as this step scores it, for a caller that
/// changes a group's adviser afterwards (the scheduler) and must leave the
/// plan's score as this step would have: the same terms, the same numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct AdviserScore {
    /// Points by term, as in [`AdviserPlan::score`].
    pub score: BTreeMap<String, f64>,
    /// As in [`AdviserPlan::travel_km`].
    pub travel_km: Option<f64>,
    /// Pounds the council pays for the group's days.
    pub cost: f64,
}

/// The points of `adviser` on `need`. Does not check the adviser rules
/// ([`adviser_can_serve`], capacity, budget): the caller has.
pub fn adviser_score(adviser: &Adviser, need: &GroupNeed, rules: &TriadRules) -> AdviserScore {
    let days = group_days(need.schools.len(), rules);
    let (terms, travel_km) = terms(adviser, need, days, rules);
    AdviserScore {
        score: pair_score(&terms),
        travel_km,
        cost: adviser.day_rate * f64::from(days),
    }
}

/// The score of a group left without an adviser.
pub fn no_adviser_score(rules: &TriadRules) -> BTreeMap<String, f64> {
    BTreeMap::from([("no_adviser".to_string(), rules.weights.no_adviser)])
}

/// The points of an adviser on a group by term, and the km behind the travel term.
fn terms(adv: &Adviser, need: &GroupNeed, days: u32, rules: &TriadRules) -> (Terms, Option<f64>) {
    let w = &rules.weights;
    let (assumed_km, travel_km) = travel(adv, &need.schools, rules);
    let terms = Terms {
        travel: w.adviser_travel_km * assumed_km,
        cost: w.adviser_cost_per_pound * adv.day_rate * f64::from(days),
        continuity: if need.last_year_advisers.contains(&adv.id) {
            -w.adviser_continuity
        } else {
            0.0
        },
        previous: if need.previous_adviser.as_ref() == Some(&adv.id) {
            -w.keep_previous / 4.0
        } else {
            0.0
        },
    };
    (terms, travel_km)
}

/// Chooses an adviser for every group it can, optimally under the weights
/// (or the best found within `rules.time_limit_seconds`, with its bound).
/// Deterministic: advisers are taken in id order and ties go to the lower id.
#[cfg(test)]
pub fn assign_advisers(
    groups: &[GroupNeed],
    advisers: &[Adviser],
    rules: &TriadRules,
) -> AdviserPlan {
    assign_advisers_dated(groups, advisers, rules, &|_, _| Ok(()))
}

/// Whether an adviser can come on dates group `g`'s heads can keep; the
/// error says why not.
pub type DatesFit<'f> = &'f dyn Fn(usize, &Adviser) -> Result<(), String>;

/// As [`assign_advisers`], giving a group only advisers `fits` accepts (a
/// pinned adviser is kept regardless): advisers and dates chosen together.
/// Why an adviser did not fit is part of a group's reason for having none.
pub fn assign_advisers_dated(
    groups: &[GroupNeed],
    advisers: &[Adviser],
    rules: &TriadRules,
    fits: DatesFit,
) -> AdviserPlan {
    let (roster, mut warnings) = roster(advisers);
    let inst = Instance::new(groups, roster, rules, fits);
    let start = greedy(&inst);
    let solved = if inst.pairs.is_empty() {
        // Nothing to decide: every group is without an adviser.
        None
    } else {
        solve_mip(&inst, &start, rules.time_limit_seconds)
    };
    let (mut choice, mip_bound) = match solved {
        Some(s) => {
            // HiGHS keeps the start as its incumbent, so this only guards
            // against a start it rejected or a solution off by a tolerance.
            let choice = s
                .choice
                .filter(|c| inst.is_valid(c) && inst.points(c) <= inst.points(&start))
                .unwrap_or(start);
            (choice, s.bound)
        }
        None => (start, None),
    };
    prefer_lower_ids(&inst, &mut choice);
    let mut plan = build_plan(groups, &inst, &choice, rules, &mut warnings);
    plan.lower_bound = lower_bound(&inst, mip_bound, plan.objective);
    plan.warnings = warnings;
    plan
}

// ---------------------------------------------------------------------------
// The instance: who may take which group, at how many points.

/// The points one choice scores, by term.
#[derive(Debug, Clone, Copy, Default)]
struct Terms {
    travel: f64,
    cost: f64,
    continuity: f64,
    previous: f64,
}

impl Terms {
    fn total(&self) -> f64 {
        self.travel + self.cost + self.continuity + self.previous
    }
}

/// An adviser who could take a group.
#[derive(Debug, Clone)]
struct Pair {
    group: usize,
    /// Index into the roster.
    adviser: usize,
    cost: f64,
    travel_km: Option<f64>,
    terms: Terms,
    points: f64,
}

struct Instance<'r> {
    /// Sorted by id, one adviser per id.
    roster: Vec<&'r Adviser>,
    days: Vec<u32>,
    pairs: Vec<Pair>,
    /// Pair indices of each group, in roster (id) order.
    by_group: Vec<Vec<usize>>,
    /// The pair a kept pin fixes.
    forced: Vec<Option<usize>>,
    /// Why a group's pin was not kept.
    pin_notes: Vec<Option<String>>,
    /// Advisers otherwise able to take the group who cannot come on dates
    /// its heads can keep.
    date_notes: Vec<Vec<String>>,
    budget: f64,
    no_adviser: f64,
}

impl<'r> Instance<'r> {
    fn new(
        groups: &[GroupNeed],
        roster: Vec<&'r Adviser>,
        rules: &TriadRules,
        fits: DatesFit,
    ) -> Self {
        let days: Vec<u32> = groups
            .iter()
            .map(|g| group_days(g.schools.len(), rules))
            .collect();
        let mut inst = Instance {
            roster,
            days,
            pairs: Vec::new(),
            by_group: vec![Vec::new(); groups.len()],
            forced: vec![None; groups.len()],
            pin_notes: vec![None; groups.len()],
            date_notes: vec![Vec::new(); groups.len()],
            budget: budget(rules),
            no_adviser: rules.weights.no_adviser,
        };
        for (g, need) in groups.iter().enumerate() {
            for a in 0..inst.roster.len() {
                if let Some(pair) = inst.pair(g, need, a, rules) {
                    let adv = inst.roster[a];
                    if need.pinned_adviser.as_ref() != Some(&adv.id) {
                        if let Err(why) = fits(g, adv) {
                            inst.date_notes[g].push(why);
                            continue;
                        }
                    }
                    inst.by_group[g].push(inst.pairs.len());
                    inst.pairs.push(pair);
                }
            }
        }
        inst.honour_pins(groups, rules);
        inst
    }

    fn pair(&self, g: usize, need: &GroupNeed, a: usize, rules: &TriadRules) -> Option<Pair> {
        let adv = self.roster[a];
        adviser_can_serve(adv, need.phase, &need.schools, rules).ok()?;
        let days = self.days[g];
        let cost = adv.day_rate * f64::from(days);
        // A rate that is not a number can never be shown to fit the budget.
        if days > adv.capacity_days || !affordable(cost, self.budget) {
            return None;
        }
        let (terms, travel_km) = terms(adv, need, days, rules);
        Some(Pair {
            group: g,
            adviser: a,
            cost,
            travel_km,
            terms,
            points: terms.total(),
        })
    }

    /// Fixes pinned advisers in group order while the rules allow, so that
    /// the fixed pairs alone never break capacity or budget.
    fn honour_pins(&mut self, groups: &[GroupNeed], rules: &TriadRules) {
        let mut load = Load::new(self.roster.len());
        for (g, need) in groups.iter().enumerate() {
            let Some(id) = &need.pinned_adviser else {
                continue;
            };
            match self.pin_pair(g, need, id, &load, rules) {
                Ok(p) => {
                    load.add(&self.pairs[p], self.days[g]);
                    self.forced[g] = Some(p);
                }
                Err(note) => self.pin_notes[g] = Some(note),
            }
        }
    }

    fn pin_pair(
        &self,
        g: usize,
        need: &GroupNeed,
        id: &str,
        load: &Load,
        rules: &TriadRules,
    ) -> Result<usize, String> {
        let Some(a) = self.roster.iter().position(|adv| adv.id == id) else {
            return Err(format!(
                "the adviser pinned to it, {id:?}, is not on the list of advisers"
            ));
        };
        let adv = self.roster[a];
        let not_kept = |why: String| format!("the adviser pinned to it could not be kept: {why}");
        adviser_can_serve(adv, need.phase, &need.schools, rules).map_err(not_kept)?;
        let days = self.days[g];
        let left = adv.capacity_days.saturating_sub(load.days[a]);
        if days > left {
            return Err(not_kept(format!(
                "{} has {left} of {} days left after earlier pins, the group needs {days}",
                label(adv),
                adv.capacity_days
            )));
        }
        let cost = adv.day_rate * f64::from(days);
        if !affordable(load.spent + cost, self.budget) {
            return Err(not_kept(format!(
                "{} would cost {} ({days} days at {}), and earlier pins leave {} of the {} budget",
                label(adv),
                pounds(cost),
                pounds(adv.day_rate),
                pounds(self.budget - load.spent),
                pounds(self.budget)
            )));
        }
        self.by_group[g]
            .iter()
            .copied()
            .find(|&p| self.pairs[p].adviser == a)
            .ok_or_else(|| not_kept(format!("{} cannot be costed", label(adv))))
    }

    fn load_of(&self, choice: &[Option<usize>]) -> Load {
        let mut load = Load::new(self.roster.len());
        for (g, p) in choice.iter().enumerate() {
            if let Some(p) = p {
                load.add(&self.pairs[*p], self.days[g]);
            }
        }
        load
    }

    fn points(&self, choice: &[Option<usize>]) -> f64 {
        choice
            .iter()
            .map(|p| p.map_or(self.no_adviser, |p| self.pairs[p].points))
            .sum()
    }

    /// Every hard rule on a complete choice, as a guard on what the solver returns.
    fn is_valid(&self, choice: &[Option<usize>]) -> bool {
        let shapes_match = choice.len() == self.days.len()
            && choice
                .iter()
                .enumerate()
                .all(|(g, p)| p.is_none_or(|p| self.pairs.get(p).is_some_and(|x| x.group == g)));
        if !shapes_match {
            return false;
        }
        let pins_kept = self
            .forced
            .iter()
            .zip(choice)
            .all(|(f, c)| f.is_none() || f == c);
        let load = self.load_of(choice);
        let within_days = self
            .roster
            .iter()
            .zip(&load.days)
            .all(|(adv, &d)| d <= adv.capacity_days);
        pins_kept && within_days && affordable(load.spent, self.budget)
    }
}

/// Days and money taken so far.
#[derive(Debug, Clone)]
struct Load {
    days: Vec<u32>,
    spent: f64,
}

impl Load {
    fn new(advisers: usize) -> Self {
        Load {
            days: vec![0; advisers],
            spent: 0.0,
        }
    }

    fn add(&mut self, pair: &Pair, days: u32) {
        let d = &mut self.days[pair.adviser];
        *d = d.saturating_add(days);
        self.spent += pair.cost;
    }

    fn remove(&mut self, pair: &Pair, days: u32) {
        let d = &mut self.days[pair.adviser];
        *d = d.saturating_sub(days);
        self.spent -= pair.cost;
    }
}

// ---------------------------------------------------------------------------
// Solving.

/// A feasible start: pins first, then each group in order takes its
/// best-scoring adviser with room left, where that beats having none.
fn greedy(inst: &Instance) -> Vec<Option<usize>> {
    let mut choice = inst.forced.clone();
    let mut load = inst.load_of(&choice);
    for (g, slot) in choice.iter_mut().enumerate() {
        if slot.is_some() {
            continue;
        }
        let best = inst.by_group[g]
            .iter()
            .copied()
            .filter(|&p| inst.pairs[p].points < inst.no_adviser - POINTS_EPS)
            .filter(|&p| fits(inst, &load, p))
            // Pairs are in id order and min_by keeps the first of equals.
            .min_by(|&p, &q| inst.pairs[p].points.total_cmp(&inst.pairs[q].points));
        if let Some(p) = best {
            load.add(&inst.pairs[p], inst.days[g]);
            *slot = Some(p);
        }
    }
    choice
}

fn fits(inst: &Instance, load: &Load, p: usize) -> bool {
    let pair = &inst.pairs[p];
    let capacity = inst.roster[pair.adviser].capacity_days;
    load.days[pair.adviser].saturating_add(inst.days[pair.group]) <= capacity
        && affordable(load.spent + pair.cost, inst.budget)
}

struct Solved {
    /// `None` where the solver found no assignment in time.
    choice: Option<Vec<Option<usize>>>,
    /// HiGHS's MIP dual bound, where it has a finite one.
    bound: Option<f64>,
}

/// Columns are added in this order, which is also HiGHS's column order:
/// good_lp passes variables to HiGHS in the order they were created.
struct Columns {
    y: Vec<Variable>,
    z: Vec<Variable>,
}

fn solve_mip(inst: &Instance, start: &[Option<usize>], time_limit: f64) -> Option<Solved> {
    let mut vars = ProblemVariables::new();
    let cols = add_columns(inst, &mut vars);
    let objective = objective(inst, &cols);
    let mut problem = vars.minimise(objective).using(highs);
    for c in constraints(inst, &cols) {
        problem.add_constraint(c);
    }
    // good_lp reports no MIP dual bound, so the model is run through the
    // highs crate directly, which can read it.
    let limit = if time_limit.is_finite() && time_limit > 0.0 {
        time_limit
    } else {
        f64::INFINITY
    };
    // Gap 0: prove optimality rather than stop at HiGHS's default 0.01 %.
    let mut model = crate::highs_run::prepare(problem, limit, 0.0).ok()?;
    // A start HiGHS rejects only costs time, so its failure is ignored.
    let _ = model.try_set_solution(Some(&start_columns(inst, start)), None, None, None);
    let solved = model.try_solve().ok()?;
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite());
    let has_solution = !matches!(
        solved.status(),
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible
    ) && solved.primal_solution_status() == HighsSolutionStatus::Feasible;
    let choice = has_solution.then(|| read_choice(inst, solved.get_solution().columns()));
    Some(Solved { choice, bound })
}

fn add_columns(inst: &Instance, vars: &mut ProblemVariables) -> Columns {
    let mut forced = vec![false; inst.pairs.len()];
    for p in inst.forced.iter().flatten() {
        forced[*p] = true;
    }
    let y = forced
        .iter()
        .map(|&f| {
            vars.add(if f {
                variable().binary().min(1)
            } else {
                variable().binary()
            })
        })
        .collect();
    let z = inst
        .forced
        .iter()
        .map(|f| {
            vars.add(if f.is_some() {
                variable().binary().max(0)
            } else {
                variable().binary()
            })
        })
        .collect();
    Columns { y, z }
}

fn objective(inst: &Instance, cols: &Columns) -> Expression {
    let mut e = Expression::with_capacity(cols.y.len() + cols.z.len());
    for (pair, &y) in inst.pairs.iter().zip(&cols.y) {
        e.add_mul(pair.points, y);
    }
    for &z in &cols.z {
        e.add_mul(inst.no_adviser, z);
    }
    e
}

fn constraints(inst: &Instance, cols: &Columns) -> Vec<Constraint> {
    let mut out = Vec::new();
    for (g, pairs) in inst.by_group.iter().enumerate() {
        let mut one = Expression::from(cols.z[g]);
        for &p in pairs {
            one.add_mul(1.0, cols.y[p]);
        }
        out.push(one.eq(1.0));
    }
    let mut days: Vec<Option<Expression>> = vec![None; inst.roster.len()];
    for (pair, &y) in inst.pairs.iter().zip(&cols.y) {
        let load = days[pair.adviser].get_or_insert_with(Expression::default);
        load.add_mul(f64::from(inst.days[pair.group]), y);
    }
    // Advisers no group may have need no row.
    for (load, adv) in days.into_iter().zip(&inst.roster) {
        if let Some(load) = load {
            out.push(load.leq(f64::from(adv.capacity_days)));
        }
    }
    let paid: Vec<usize> = (0..inst.pairs.len())
        .filter(|&p| inst.pairs[p].cost > 0.0)
        .collect();
    if inst.budget.is_finite() && !paid.is_empty() {
        let mut money = Expression::with_capacity(paid.len());
        for p in paid {
            money.add_mul(inst.pairs[p].cost, cols.y[p]);
        }
        out.push(money.leq(inst.budget));
    }
    out
}

fn start_columns(inst: &Instance, start: &[Option<usize>]) -> Vec<f64> {
    let mut cols = vec![0.0; inst.pairs.len() + start.len()];
    for (g, p) in start.iter().enumerate() {
        match p {
            Some(p) => cols[*p] = 1.0,
            None => cols[inst.pairs.len() + g] = 1.0,
        }
    }
    cols
}

fn read_choice(inst: &Instance, values: &[f64]) -> Vec<Option<usize>> {
    let mut choice = vec![None; inst.by_group.len()];
    for (p, pair) in inst.pairs.iter().enumerate() {
        let on = values.get(p).is_some_and(|&v| v > 0.5);
        if on && choice[pair.group].is_none() {
            choice[pair.group] = Some(p);
        }
    }
    choice
}

/// Moves a group to a lower-id adviser wherever that scores the same and
/// fits, so that equal choices do not depend on the solver's path.
fn prefer_lower_ids(inst: &Instance, choice: &mut [Option<usize>]) {
    let mut load = inst.load_of(choice);
    let mut moved = true;
    // Each move lowers some group's adviser index, so this ends.
    while moved {
        moved = false;
        for (g, slot) in choice.iter_mut().enumerate() {
            let Some(p) = *slot else { continue };
            if inst.forced[g].is_some() {
                continue;
            }
            load.remove(&inst.pairs[p], inst.days[g]);
            let better = inst.by_group[g]
                .iter()
                .copied()
                .take_while(|&q| inst.pairs[q].adviser < inst.pairs[p].adviser)
                .filter(|&q| (inst.pairs[q].points - inst.pairs[p].points).abs() <= POINTS_EPS)
                .find(|&q| fits(inst, &load, q));
            let kept = better.unwrap_or(p);
            load.add(&inst.pairs[kept], inst.days[g]);
            if kept != p {
                *slot = Some(kept);
                moved = true;
            }
        }
    }
}

/// The best of two valid bounds: HiGHS's MIP dual bound, and each group's
/// cheapest option on its own (capacity and budget dropped), which needs no
/// solver and covers a solve stopped before its root was done.
fn lower_bound(inst: &Instance, mip_bound: Option<f64>, objective: f64) -> f64 {
    let relaxed: f64 = (0..inst.by_group.len())
        .map(|g| match inst.forced[g] {
            Some(p) => inst.pairs[p].points,
            None => inst.by_group[g]
                .iter()
                .map(|&p| inst.pairs[p].points)
                .fold(inst.no_adviser, f64::min),
        })
        .sum();
    let bound = mip_bound.map_or(relaxed, |b| b.max(relaxed));
    // The solver's tolerances can put its bound a hair above the optimum.
    let slack = 1e-6 * objective.abs().max(1.0);
    if bound >= objective - slack {
        objective
    } else {
        bound
    }
}

// ---------------------------------------------------------------------------
// The plan and its explanations.

fn build_plan(
    groups: &[GroupNeed],
    inst: &Instance,
    choice: &[Option<usize>],
    rules: &TriadRules,
    warnings: &mut Vec<String>,
) -> AdviserPlan {
    let load = inst.load_of(choice);
    let n = groups.len();
    let mut plan = AdviserPlan {
        adviser: vec![None; n],
        reason: vec![None; n],
        score: vec![BTreeMap::new(); n],
        travel_km: vec![None; n],
        ledger: ledger(groups, inst, choice, rules),
        objective: 0.0,
        lower_bound: 0.0,
        warnings: Vec::new(),
    };
    for (g, need) in groups.iter().enumerate() {
        match choice[g] {
            Some(p) => {
                let pair = &inst.pairs[p];
                plan.adviser[g] = Some(inst.roster[pair.adviser].id.clone());
                plan.score[g] = pair_score(&pair.terms);
                plan.travel_km[g] = pair.travel_km;
                if let Some(note) = &inst.pin_notes[g] {
                    warnings.push(format!(
                        "group {}: {note}; {} advises it instead",
                        super::group_number(&need.id),
                        label(inst.roster[pair.adviser])
                    ));
                }
            }
            None => {
                plan.score[g] = no_adviser_score(rules);
                let mut why = explain(g, need, inst, &load, rules);
                if !inst.date_notes[g].is_empty() {
                    why = format!(
                        "{}; {why}",
                        capped(inst.date_notes[g].iter().map(String::as_str))
                    );
                }
                plan.reason[g] = Some(match &inst.pin_notes[g] {
                    Some(note) => format!("{note}; {why}"),
                    None => why,
                });
            }
        }
    }
    plan.objective = plan.score.iter().flat_map(|s| s.values()).sum();
    plan
}

fn pair_score(t: &Terms) -> BTreeMap<String, f64> {
    let mut s = BTreeMap::new();
    s.insert("adviser_travel".to_string(), t.travel);
    s.insert("adviser_cost".to_string(), t.cost);
    if t.continuity != 0.0 {
        s.insert("adviser_continuity".to_string(), t.continuity);
    }
    if t.previous != 0.0 {
        s.insert("adviser_previous".to_string(), t.previous);
    }
    s
}

fn ledger(
    groups: &[GroupNeed],
    inst: &Instance,
    choice: &[Option<usize>],
    rules: &TriadRules,
) -> CostLedger {
    let mut advisers: Vec<AdviserLoad> = inst
        .roster
        .iter()
        .map(|adv| AdviserLoad {
            id: adv.id.clone(),
            groups: Vec::new(),
            days: 0,
            capacity_days: adv.capacity_days,
            day_rate: adv.day_rate,
            cost: 0.0,
            advised_last_year: Vec::new(),
        })
        .collect();
    for (g, p) in choice.iter().enumerate() {
        if let Some(p) = p {
            let entry = &mut advisers[inst.pairs[*p].adviser];
            entry.groups.push(groups[g].id.clone());
            entry.days = entry.days.saturating_add(inst.days[g]);
        }
    }
    for entry in &mut advisers {
        entry.cost = entry.day_rate * f64::from(entry.days);
    }
    CostLedger {
        budget: rules.adviser_budget,
        total: advisers.iter().map(|a| a.cost).sum(),
        advisers,
    }
}

/// Why a competent adviser is not on a group left without one, in the order
/// the reason lists the causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cause {
    Full,
    BudgetLeft,
    Conflict,
    TooFewDays,
    OverBudget,
    /// Offered no dates the group's heads can keep (said in the dates
    /// note), so never a candidate.
    NoDates,
    /// Had room, but scored no better than having no adviser.
    Dearer,
}

struct Blocker {
    cause: Cause,
    /// The adviser and the numbers, as the reason shows them.
    item: String,
}

/// Names shown per cause before "and N more": enough to act on, short
/// enough to read in a large authority with dozens of advisers.
const NAMES_SHOWN: usize = 6;

fn blocker(g: usize, need: &GroupNeed, a: usize, inst: &Instance, load: &Load) -> Blocker {
    let adv = inst.roster[a];
    let who = label(adv);
    let days = inst.days[g];
    let cost = adv.day_rate * f64::from(days);
    let (cause, item) = if let Some(link) = need.schools.iter().find_map(|s| conflict(adv, s)) {
        (Cause::Conflict, format!("{who} ({link})"))
    } else if days > adv.capacity_days {
        let item = format!("{who} ({} days a year)", adv.capacity_days);
        (Cause::TooFewDays, item)
    } else if !affordable(cost, inst.budget) {
        let item = format!("{who} ({} at {}/day)", pounds(cost), pounds(adv.day_rate));
        (Cause::OverBudget, item)
    } else if load.days[a].saturating_add(days) > adv.capacity_days {
        let item = format!(
            "{who} ({} of {} days used)",
            load.days[a], adv.capacity_days
        );
        (Cause::Full, item)
    } else if !affordable(load.spent + cost, inst.budget) {
        (Cause::BudgetLeft, format!("{who} ({})", pounds(cost)))
    } else {
        match inst.by_group[g]
            .iter()
            .map(|&p| &inst.pairs[p])
            .find(|x| x.adviser == a)
        {
            Some(x) => (Cause::Dearer, format!("{who} ({:.1} points)", x.points)),
            None => (Cause::NoDates, who.to_string()),
        }
    };
    Blocker { cause, item }
}

fn heading(cause: Cause, inst: &Instance, load: &Load) -> String {
    match cause {
        Cause::Full => "no days left".into(),
        Cause::BudgetLeft => format!(
            "too dear for the {} of the {} budget left",
            pounds(inst.budget - load.spent),
            pounds(inst.budget)
        ),
        Cause::Conflict => "linked to a school or trust of the group".into(),
        Cause::TooFewDays => "fewer days a year than the group needs".into(),
        Cause::OverBudget => format!("dearer than the whole {} budget", pounds(inst.budget)),
        Cause::NoDates => "no dates the group's heads can keep".into(),
        Cause::Dearer => format!(
            "free, but no better for the group than no adviser ({} points)",
            inst.no_adviser
        ),
    }
}

/// The blockers grouped by cause: "full: A 24/24 days used; conflicts: B (trust X)".
fn summarise(blocked: &[&Blocker], inst: &Instance, load: &Load) -> String {
    let mut causes: Vec<Cause> = blocked.iter().map(|b| b.cause).collect();
    causes.sort();
    causes.dedup();
    let parts: Vec<String> = causes
        .into_iter()
        .map(|cause| {
            let items = blocked
                .iter()
                .filter(|b| b.cause == cause)
                .map(|b| b.item.as_str());
            format!("{}: {}", heading(cause, inst, load), capped(items))
        })
        .collect();
    parts.join("; ")
}

fn capped<'s>(items: impl Iterator<Item = &'s str>) -> String {
    let items: Vec<&str> = items.collect();
    if items.len() <= NAMES_SHOWN {
        return items.join(", ");
    }
    format!(
        "{} and {} more",
        items[..NAMES_SHOWN].join(", "),
        items.len() - NAMES_SHOWN
    )
}

fn explain(g: usize, need: &GroupNeed, inst: &Instance, load: &Load, rules: &TriadRules) -> String {
    if inst.roster.is_empty() {
        return "no advisers are listed".into();
    }
    let phase = need.phase;
    let phase_w = phase.words();
    let competent: Vec<usize> = (0..inst.roster.len())
        .filter(|&a| {
            let adv = inst.roster[a];
            rules.adviser_kinds.contains(&adv.kind) && adv.phases.contains(&phase)
        })
        .collect();
    if competent.is_empty() {
        return no_competent(phase, inst, rules);
    }
    let days = inst.days[g];
    let blocked: Vec<(usize, Blocker)> = competent
        .iter()
        .map(|&a| (a, blocker(g, need, a, inst, load)))
        .collect();
    let all: Vec<&Blocker> = blocked.iter().map(|(_, b)| b).collect();
    if all.iter().all(|b| b.cause == Cause::Conflict) {
        return format!(
            "every adviser for {phase_w} schools is linked to a school or trust of the group: {}",
            capped(all.iter().map(|b| b.item.as_str()))
        );
    }
    let priced_out = all
        .iter()
        .any(|b| matches!(b.cause, Cause::OverBudget | Cause::BudgetLeft));
    if inst.budget <= MONEY_EPS && priced_out {
        let in_house: Vec<&Blocker> = blocked
            .iter()
            .filter(|(a, _)| inst.roster[*a].day_rate <= 0.0)
            .map(|(_, b)| b)
            .collect();
        let mut s = format!(
            "budget {} allows only in-house advisers; ",
            pounds(inst.budget)
        );
        if in_house.is_empty() {
            let _ = write!(s, "no adviser for {phase_w} schools is in-house");
        } else {
            let _ = write!(
                s,
                "the in-house advisers for {phase_w} schools cannot take it (the group needs {days} days): {}",
                summarise(&in_house, inst, load)
            );
        }
        return s;
    }
    let short_of_days = all
        .iter()
        .all(|b| matches!(b.cause, Cause::Full | Cause::TooFewDays));
    let what = if short_of_days {
        "has capacity left"
    } else {
        "can take it"
    };
    format!(
        "no adviser for {phase_w} schools {what} (the group needs {days} days): {}",
        summarise(&all, inst, load)
    )
}

fn no_competent(phase: PhaseGroup, inst: &Instance, rules: &TriadRules) -> String {
    let mut s = format!(
        "no adviser of a kind this year's rules allow ({}) advises {} schools",
        kinds_list(rules),
        phase.words()
    );
    let other_kinds: Vec<String> = inst
        .roster
        .iter()
        .filter(|adv| adv.phases.contains(&phase))
        .map(|adv| format!("{} ({})", label(adv), adv.kind.words()))
        .collect();
    let other_kinds = capped(other_kinds.iter().map(String::as_str));
    if !other_kinds.is_empty() {
        let _ = write!(
            s,
            "; advisers for them of kinds the rules leave out: {other_kinds}"
        );
    }
    s
}

// ---------------------------------------------------------------------------
// Small helpers.

/// Advisers sorted by id, the first listed of any id kept.
fn roster(advisers: &[Adviser]) -> (Vec<&Adviser>, Vec<String>) {
    let mut sorted: Vec<&Adviser> = advisers.iter().collect();
    // Stable, so the first listed of an id stays first.
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut warnings = Vec::new();
    sorted.dedup_by(|later, kept| {
        let twice = later.id == kept.id;
        if twice {
            warnings.push(format!(
                "adviser id {} is listed twice; the first ({}) is used",
                kept.id,
                label(kept)
            ));
        }
        twice
    });
    (sorted, warnings)
}

/// Within the budget, to the penny; a sum that is not a number never is.
fn affordable(amount: f64, budget: f64) -> bool {
    amount <= budget + MONEY_EPS
}

fn budget(rules: &TriadRules) -> f64 {
    if rules.adviser_budget.is_nan() {
        0.0
    } else {
        rules.adviser_budget.max(0.0)
    }
}

/// Km for the travel term (unknown school locations count as the rules'
/// assumed distance), and the true sum where every location is known. An
/// adviser with no base has no travel term: nothing to measure from.
fn travel(adv: &Adviser, schools: &[&School], rules: &TriadRules) -> (f64, Option<f64>) {
    let Some(base) = adv.base else {
        return (0.0, None);
    };
    let known: Vec<Option<f64>> = schools
        .iter()
        .map(|s| s.location.map(|l| base.distance_km(&l)))
        .collect();
    let assumed = known
        .iter()
        .map(|k| k.unwrap_or(rules.unknown_distance_km))
        .sum();
    let exact = known.iter().copied().sum::<Option<f64>>();
    (assumed, exact)
}

/// How an adviser is linked to a school, if at all.
fn conflict(adv: &Adviser, school: &School) -> Option<String> {
    if !adv.conflicts_with(school) {
        return None;
    }
    if adv.linked_school == Some(school.urn) {
        Some(format!("own school {} ({})", school.name, school.urn))
    } else {
        let trust = school.trust.as_deref().unwrap_or_default();
        Some(format!("trust {trust}"))
    }
}

fn label(adv: &Adviser) -> &str {
    if adv.name.trim().is_empty() {
        &adv.id
    } else {
        &adv.name
    }
}

fn kinds_list(rules: &TriadRules) -> String {
    if rules.adviser_kinds.is_empty() {
        return "none".into();
    }
    let words: Vec<&str> = rules.adviser_kinds.iter().map(|k| k.words()).collect();
    words.join(", ")
}

fn phases_list(phases: &[PhaseGroup]) -> String {
    if phases.is_empty() {
        return "none".into();
    }
    let words: Vec<&str> = phases.iter().map(|p| p.words()).collect();
    words.join(", ")
}

fn pounds(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("£{x:.0}")
    } else {
        format!("£{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdviserKind, Location, Phase, Urn};

    fn school(urn: u32, km_east: f64, trust: Option<&str>, phase: Phase) -> School {
        School {
            urn: Urn(urn),
            name: format!("School {urn}"),
            la_code: 883,
            la_name: "Thurrock".into(),
            phase,
            establishment_type: "Academy converter".into(),
            trust: trust.map(String::from),
            location: Some(Location {
                easting: 560_000.0 + km_east * 1000.0,
                northing: 180_000.0,
            }),
            postcode: None,
            pupils: Some(300),
            fsm_percent: Some(20.0),
            ofsted: None,
            last_inspection: None,
            religious_character: None,
            town: None,
        }
    }

    fn primaries(first_urn: u32) -> Vec<School> {
        (0..3)
            .map(|i| school(first_urn + i, 0.0, None, Phase::Primary))
            .collect()
    }

    /// An in-house officer competent for primary, based `km_east` from the schools.
    fn adviser(id: &str, km_east: f64, capacity_days: u32) -> Adviser {
        Adviser {
            id: id.into(),
            name: format!("Adviser {}", id.to_uppercase()),
            kind: AdviserKind::LaOfficer,
            phases: vec![PhaseGroup::Primary],
            capacity_days,
            day_rate: 0.0,
            base: Some(Location {
                easting: 560_000.0 + km_east * 1000.0,
                northing: 180_000.0,
            }),
            linked_school: None,
            linked_trust: None,
            email: None,
        }
    }

    fn need<'a>(id: &str, schools: &'a [School]) -> GroupNeed<'a> {
        GroupNeed {
            id: id.into(),
            phase: schools[0].phase_group(),
            schools: schools.iter().collect(),
            last_year_advisers: Vec::new(),
            pinned_adviser: None,
            previous_adviser: None,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn continuity_beats_a_slightly_shorter_trip_when_the_weights_say_so() {
        let schools = primaries(100);
        let mut g = need("g1", &schools);
        g.last_year_advisers = vec!["far".into()];
        let advisers = [adviser("near", 1.0, 10), adviser("far", 5.0, 10)];
        let rules = TriadRules::default();
        let plan = assign_advisers(std::slice::from_ref(&g), &advisers, &rules);
        // near: 3 km × 0.2 = 0.6; far: 15 km × 0.2 − 5 = −2.
        assert_eq!(plan.adviser[0].as_deref(), Some("far"));
        assert!(close(plan.score[0]["adviser_continuity"], -5.0));
        assert!(close(plan.score[0]["adviser_travel"], 3.0));
        assert_eq!(
            plan.travel_km[0].map(|k| (k * 1e6).round() / 1e6),
            Some(15.0)
        );
        assert!(close(plan.objective, -2.0));
        assert!(close(plan.lower_bound, plan.objective));

        let mut weak = TriadRules::default();
        weak.weights.adviser_continuity = 1.0;
        let plan = assign_advisers(&[g], &advisers, &weak);
        assert_eq!(plan.adviser[0].as_deref(), Some("near"));
        assert!(!plan.score[0].contains_key("adviser_continuity"));
    }

    #[test]
    fn capacity_forces_a_second_adviser() {
        let (s1, s2) = (primaries(100), primaries(200));
        let groups = [need("g1", &s1), need("g2", &s2)];
        let advisers = [adviser("a", 1.0, 4), adviser("b", 10.0, 10)];
        let plan = assign_advisers(&groups, &advisers, &TriadRules::default());
        let mut chosen: Vec<_> = plan.adviser.iter().flatten().cloned().collect();
        chosen.sort();
        assert_eq!(chosen, ["a", "b"]);
        for load in &plan.ledger.advisers {
            assert_eq!(load.days, 3, "{load:?}");
        }
        assert!(close(plan.objective, 0.6 + 6.0));
        assert!(close(plan.lower_bound, plan.objective));
    }

    #[test]
    fn the_whole_year_is_planned_at_once_not_group_by_group() {
        // Taking groups in order would give g1 the adviser nearest to it (a,
        // 27 km against 30) and send b 90 km to g2; swapping them costs g1
        // 3 km more and saves g2 57.
        let s1 = primaries(100);
        let s2: Vec<School> = (0..3)
            .map(|i| school(200 + i, 20.0, None, Phase::Primary))
            .collect();
        let groups = [need("g1", &s1), need("g2", &s2)];
        let advisers = [adviser("a", 9.0, 3), adviser("b", -10.0, 3)];
        let plan = assign_advisers(&groups, &advisers, &TriadRules::default());
        assert_eq!(plan.adviser, [Some("b".to_string()), Some("a".to_string())]);
        assert!(close(plan.objective, 0.2 * (30.0 + 33.0)));
        assert!(close(plan.lower_bound, plan.objective));
    }

    #[test]
    fn a_full_adviser_is_named_with_their_days() {
        let (s1, s2) = (primaries(100), primaries(200));
        let groups = [need("g1", &s1), need("g2", &s2)];
        let plan = assign_advisers(&groups, &[adviser("a", 1.0, 4)], &TriadRules::default());
        assert_eq!(plan.adviser[0].as_deref(), Some("a"));
        assert_eq!(plan.adviser[1], None);
        let why = plan.reason[1].as_deref().unwrap_or_default();
        assert!(
            why.contains("no adviser for primary schools has capacity left"),
            "{why}"
        );
        assert!(
            why.ends_with("(the group needs 3 days): no days left: Adviser A (3 of 4 days used)"),
            "{why}"
        );
        assert!(close(plan.score[1]["no_adviser"], 500.0));
    }

    #[test]
    fn a_conflict_excludes_an_adviser() {
        let mut schools = primaries(100);
        schools[1].trust = Some("RIVERSIDE LEARNING TRUST".into());
        let mut linked = adviser("a", 1.0, 10);
        linked.linked_trust = Some("Riverside Learning Trust".into());
        let g = need("g1", &schools);
        let rules = TriadRules::default();
        let err = adviser_can_serve(&linked, g.phase, &g.schools, &rules).unwrap_err();
        assert!(err.contains("trust RIVERSIDE LEARNING TRUST"), "{err}");

        let plan = assign_advisers(
            std::slice::from_ref(&g),
            &[linked.clone(), adviser("b", 8.0, 10)],
            &rules,
        );
        assert_eq!(plan.adviser[0].as_deref(), Some("b"));

        let plan = assign_advisers(&[g], &[linked], &rules);
        let why = plan.reason[0].as_deref().unwrap_or_default();
        assert!(
            why.starts_with("every adviser for primary schools is linked"),
            "{why}"
        );
        assert!(
            why.ends_with("of the group: Adviser A (trust RIVERSIDE LEARNING TRUST)"),
            "{why}"
        );
    }

    #[test]
    fn own_school_is_a_conflict_too() {
        let schools = primaries(100);
        let mut nle = adviser("a", 0.0, 10);
        nle.linked_school = Some(Urn(102));
        let g = need("g1", &schools);
        let err = adviser_can_serve(&nle, g.phase, &g.schools, &TriadRules::default()).unwrap_err();
        assert!(err.contains("own school School 102 (102)"), "{err}");
    }

    fn inspector(rate: f64) -> Adviser {
        Adviser {
            kind: AdviserKind::Inspector,
            day_rate: rate,
            ..adviser("c", 2.0, 20)
        }
    }

    #[test]
    fn budget_zero_excludes_commissioned_advisers() {
        let schools = primaries(100);
        let plan = assign_advisers(
            &[need("g1", &schools)],
            &[inspector(400.0)],
            &TriadRules::default(),
        );
        assert_eq!(plan.adviser[0], None);
        let why = plan.reason[0].as_deref().unwrap_or_default();
        assert!(
            why.starts_with("budget £0 allows only in-house advisers"),
            "{why}"
        );
        assert!(
            why.contains("no adviser for primary schools is in-house"),
            "{why}"
        );
        assert_eq!(plan.ledger.total, 0.0);
        assert_eq!(plan.ledger.advisers.len(), 1);
    }

    #[test]
    fn a_budget_admits_commissioned_advisers_and_the_ledger_adds_up() {
        let (s1, s2) = (primaries(100), primaries(200));
        let groups = [need("g1", &s1), need("g2", &s2)];
        let rules = TriadRules {
            adviser_budget: 2000.0,
            ..TriadRules::default()
        };
        let plan = assign_advisers(&groups, &[inspector(400.0)], &rules);
        // 3 days at £400 each; a second group would bring it to £2400.
        assert_eq!(plan.adviser.iter().flatten().count(), 1);
        let load = &plan.ledger.advisers[0];
        assert_eq!(
            (load.days, load.cost, plan.ledger.total),
            (3, 1200.0, 1200.0)
        );
        assert_eq!(plan.ledger.budget, 2000.0);
        let (with, without) = match plan.adviser[0] {
            Some(_) => (0, 1),
            None => (1, 0),
        };
        assert!(close(plan.score[with]["adviser_cost"], 12.0));
        let why = plan.reason[without].as_deref().unwrap_or_default();
        assert!(
            why.ends_with("too dear for the £800 of the £2000 budget left: Adviser C (£1200)"),
            "{why}"
        );
    }

    #[test]
    fn a_pinned_adviser_is_kept() {
        let schools = primaries(100);
        let mut g = need("g1", &schools);
        g.pinned_adviser = Some("b".into());
        let advisers = [adviser("a", 1.0, 10), adviser("b", 12.0, 10)];
        let plan = assign_advisers(&[g], &advisers, &TriadRules::default());
        assert_eq!(plan.adviser[0].as_deref(), Some("b"));
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        assert!(close(plan.lower_bound, plan.objective));
    }

    #[test]
    fn a_pin_over_capacity_is_reported_not_kept() {
        let (s1, s2) = (primaries(100), primaries(200));
        let mut groups = [need("g1", &s1), need("g2", &s2)];
        for g in &mut groups {
            g.pinned_adviser = Some("a".into());
        }
        let advisers = [adviser("a", 1.0, 4), adviser("b", 12.0, 10)];
        let plan = assign_advisers(&groups, &advisers, &TriadRules::default());
        assert_eq!(plan.adviser, [Some("a".to_string()), Some("b".to_string())]);
        assert_eq!(plan.warnings.len(), 1);
        let w = &plan.warnings[0];
        assert!(
            w.contains("group g2: the adviser pinned to it could not be kept: Adviser A has 1 of 4 days left"),
            "{w}"
        );
        assert!(w.ends_with("Adviser B advises it instead"), "{w}");
    }

    #[test]
    fn an_unknown_pin_is_named_in_the_reason() {
        let schools = primaries(100);
        let mut g = need("g1", &schools);
        g.pinned_adviser = Some("zz".into());
        let plan = assign_advisers(&[g], &[], &TriadRules::default());
        let why = plan.reason[0].as_deref().unwrap_or_default();
        assert_eq!(
            why,
            "the adviser pinned to it, \"zz\", is not on the list of advisers; no advisers are listed"
        );
    }

    #[test]
    fn the_previous_plans_adviser_is_strongly_preferred() {
        let schools = primaries(100);
        let mut g = need("g1", &schools);
        g.previous_adviser = Some("b".into());
        let advisers = [adviser("a", 1.0, 10), adviser("b", 30.0, 10)];
        let plan = assign_advisers(&[g], &advisers, &TriadRules::default());
        assert_eq!(plan.adviser[0].as_deref(), Some("b"));
        assert!(close(plan.score[0]["adviser_previous"], -50.0));
    }

    #[test]
    fn no_eligible_adviser_gives_a_reason_naming_the_phase() {
        let schools: Vec<School> = (0..3)
            .map(|i| school(300 + i, 0.0, None, Phase::NotApplicable))
            .collect();
        let plan = assign_advisers(
            &[need("s1", &schools)],
            &[adviser("a", 1.0, 10)],
            &TriadRules::default(),
        );
        assert_eq!(
            plan.reason[0].as_deref(),
            Some("no adviser of a kind this year's rules allow (LA officer, TIC, NLE, inspector) advises special and AP schools")
        );
    }

    #[test]
    fn an_excluded_kind_is_named() {
        let schools = primaries(100);
        let nle = Adviser {
            kind: AdviserKind::Nle,
            ..adviser("n", 1.0, 10)
        };
        let rules = TriadRules {
            adviser_kinds: vec![AdviserKind::LaOfficer],
            ..TriadRules::default()
        };
        let plan = assign_advisers(&[need("g1", &schools)], &[nle], &rules);
        let why = plan.reason[0].as_deref().unwrap_or_default();
        assert!(
            why.contains("advisers for them of kinds the rules leave out: Adviser N (NLE)"),
            "{why}"
        );
    }

    #[test]
    fn empty_inputs_need_no_solver() {
        let plan = assign_advisers(&[], &[adviser("a", 1.0, 10)], &TriadRules::default());
        assert!(plan.adviser.is_empty() && plan.reason.is_empty());
        assert_eq!(plan.ledger.advisers.len(), 1);
        assert_eq!((plan.objective, plan.lower_bound), (0.0, 0.0));

        let (s1, s2) = (primaries(100), primaries(200));
        let plan = assign_advisers(
            &[need("g1", &s1), need("g2", &s2)],
            &[],
            &TriadRules::default(),
        );
        assert_eq!(plan.reason[1].as_deref(), Some("no advisers are listed"));
        assert_eq!((plan.objective, plan.lower_bound), (1000.0, 1000.0));
    }

    #[test]
    fn ties_go_to_the_lower_id() {
        let (s1, s2) = (primaries(100), primaries(200));
        let groups = [need("g1", &s1), need("g2", &s2)];
        let advisers = [adviser("b", 2.0, 10), adviser("a", 2.0, 10)];
        let plan = assign_advisers(&groups, &advisers, &TriadRules::default());
        assert_eq!(plan.adviser, [Some("a".to_string()), Some("a".to_string())]);
        assert_eq!(plan.ledger.advisers[0].id, "a");
        assert_eq!(plan.ledger.advisers[1].groups, Vec::<String>::new());
    }

    #[test]
    fn unknown_locations_give_no_km_but_an_assumed_travel_term() {
        let mut schools = primaries(100);
        schools[0].location = None;
        let g = need("g1", &schools);
        let plan = assign_advisers(
            std::slice::from_ref(&g),
            &[adviser("a", 1.0, 10)],
            &TriadRules::default(),
        );
        assert_eq!(plan.travel_km[0], None);
        // 10 km assumed for the school without coordinates, 1 km for each other.
        assert!(close(plan.score[0]["adviser_travel"], 0.2 * 12.0));

        let homeless = Adviser {
            base: None,
            ..adviser("h", 0.0, 10)
        };
        let plan = assign_advisers(&[g], &[homeless], &TriadRules::default());
        assert_eq!(plan.travel_km[0], None);
        assert_eq!(plan.score[0]["adviser_travel"], 0.0);
    }

    mod property {
        use super::*;
        use proptest::prelude::*;

        const PHASES: [Phase; 3] = [Phase::Primary, Phase::Secondary, Phase::NotApplicable];
        const TRUSTS: [Option<&str>; 3] = [None, Some("T ONE"), Some("T TWO")];
        const RATES: [f64; 4] = [0.0, 0.0, 250.0, 500.0];
        const BUDGETS: [f64; 3] = [0.0, 1000.0, 3000.0];

        /// (phase, schools as (trust, km east), last year's adviser, previous adviser)
        type GroupSpec = (
            usize,
            Vec<(usize, Option<u8>)>,
            Option<usize>,
            Option<usize>,
        );
        /// (kind, phase mask, capacity, rate, km east, linked trust, linked school)
        type AdviserSpec = (usize, u8, u32, usize, Option<u8>, usize, Option<usize>);

        fn group_spec() -> impl Strategy<Value = GroupSpec> {
            (
                0..3usize,
                prop::collection::vec((0..3usize, prop::option::of(0..30u8)), 3..=4),
                prop::option::of(0..4usize),
                prop::option::of(0..4usize),
            )
        }

        fn adviser_spec() -> impl Strategy<Value = AdviserSpec> {
            (
                0..4usize,
                1..8u8,
                0..10u32,
                0..4usize,
                prop::option::of(0..30u8),
                0..3usize,
                prop::option::of(0..16usize),
            )
        }

        fn build_schools(specs: &[GroupSpec]) -> Vec<Vec<School>> {
            let mut urn = 1000;
            specs
                .iter()
                .map(|(phase, members, _, _)| {
                    members
                        .iter()
                        .map(|&(trust, km)| {
                            urn += 1;
                            let mut s = school(
                                urn,
                                f64::from(km.unwrap_or(0)),
                                TRUSTS[trust],
                                PHASES[*phase],
                            );
                            if km.is_none() {
                                s.location = None;
                            }
                            s
                        })
                        .collect()
                })
                .collect()
        }

        fn build_advisers(specs: &[AdviserSpec]) -> Vec<Adviser> {
            specs
                .iter()
                .enumerate()
                .map(|(i, &(kind, mask, cap, rate, km, trust, linked))| Adviser {
                    kind: AdviserKind::ALL[kind],
                    phases: (0..3)
                        .filter(|b| mask & (1 << b) != 0)
                        .map(|b| PHASES[b].group())
                        .collect(),
                    day_rate: RATES[rate],
                    base: km.map(|k| Location {
                        easting: 560_000.0 + f64::from(k) * 1000.0,
                        northing: 181_000.0,
                    }),
                    linked_trust: TRUSTS[trust].map(String::from),
                    // URNs start at 1001, so some links hit a school.
                    linked_school: linked.map(|u| Urn(1001 + u as u32)),
                    ..adviser(&format!("a{i}"), 0.0, cap)
                })
                .collect()
        }

        fn build_needs<'a>(specs: &[GroupSpec], schools: &'a [Vec<School>]) -> Vec<GroupNeed<'a>> {
            specs
                .iter()
                .zip(schools)
                .enumerate()
                .map(|(i, ((_, _, last, prev), s))| GroupNeed {
                    last_year_advisers: last.map(|a| format!("a{a}")).into_iter().collect(),
                    previous_adviser: prev.map(|a| format!("a{a}")),
                    ..need(&format!("g{i}"), s)
                })
                .collect()
        }

        /// The best score over every assignment, by enumeration.
        fn brute_force(needs: &[GroupNeed], advisers: &[Adviser], rules: &TriadRules) -> f64 {
            let options = advisers.len() + 1;
            let combos = options.pow(needs.len() as u32);
            (0..combos)
                .filter_map(|mut code| {
                    let mut days = vec![0u32; advisers.len()];
                    let (mut spent, mut points) = (0.0, 0.0);
                    for n in needs {
                        let pick = code % options;
                        code /= options;
                        if pick == advisers.len() {
                            points += rules.weights.no_adviser;
                            continue;
                        }
                        let a = &advisers[pick];
                        adviser_can_serve(a, n.phase, &n.schools, rules).ok()?;
                        let d = group_days(n.schools.len(), rules);
                        days[pick] += d;
                        spent += a.day_rate * f64::from(d);
                        points += brute_points(n, a, d, rules);
                    }
                    let fits = days
                        .iter()
                        .zip(advisers)
                        .all(|(d, a)| *d <= a.capacity_days);
                    (fits && spent <= rules.adviser_budget + MONEY_EPS).then_some(points)
                })
                .fold(f64::INFINITY, f64::min)
        }

        fn brute_points(n: &GroupNeed, a: &Adviser, days: u32, rules: &TriadRules) -> f64 {
            let w = &rules.weights;
            let km: f64 = match a.base {
                None => 0.0,
                Some(b) => n
                    .schools
                    .iter()
                    .map(|s| {
                        s.location
                            .map_or(rules.unknown_distance_km, |l| b.distance_km(&l))
                    })
                    .sum(),
            };
            let mut p =
                w.adviser_travel_km * km + w.adviser_cost_per_pound * a.day_rate * f64::from(days);
            if n.last_year_advisers.contains(&a.id) {
                p -= w.adviser_continuity;
            }
            if n.previous_adviser.as_ref() == Some(&a.id) {
                p -= w.keep_previous / 4.0;
            }
            p
        }

        fn check_rules(
            plan: &AdviserPlan,
            needs: &[GroupNeed],
            advisers: &[Adviser],
            rules: &TriadRules,
        ) {
            assert_eq!(plan.ledger.advisers.len(), advisers.len());
            for (g, n) in needs.iter().enumerate() {
                assert_eq!(
                    plan.adviser[g].is_none(),
                    plan.reason[g].is_some(),
                    "{:?}",
                    plan.reason[g]
                );
                if let Some(id) = &plan.adviser[g] {
                    let a = advisers
                        .iter()
                        .find(|a| &a.id == id)
                        .expect("chosen adviser exists");
                    assert_eq!(adviser_can_serve(a, n.phase, &n.schools, rules), Ok(()));
                }
            }
            let mut total = 0.0;
            for load in &plan.ledger.advisers {
                let a = advisers
                    .iter()
                    .find(|a| a.id == load.id)
                    .expect("ledger adviser exists");
                let mine: Vec<usize> = (0..needs.len())
                    .filter(|&g| plan.adviser[g].as_ref() == Some(&a.id))
                    .collect();
                let days: u32 = mine
                    .iter()
                    .map(|&g| group_days(needs[g].schools.len(), rules))
                    .sum();
                let ids: Vec<String> = mine.iter().map(|&g| needs[g].id.clone()).collect();
                assert_eq!((&load.groups, load.days), (&ids, days));
                assert!(load.days <= a.capacity_days, "{load:?}");
                assert!(close(load.cost, a.day_rate * f64::from(days)));
                total += load.cost;
            }
            assert!(close(plan.ledger.total, total));
            assert!(plan.ledger.total <= rules.adviser_budget + MONEY_EPS);
            let summed: f64 = plan.score.iter().flat_map(|s| s.values()).sum();
            assert!(close(plan.objective, summed));
            assert!(plan.lower_bound <= plan.objective + 1e-6);
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            #[test]
            fn assignments_keep_every_rule_and_are_optimal(
                groups in prop::collection::vec(group_spec(), 0..=4),
                adviser_specs in prop::collection::vec(adviser_spec(), 0..=4),
                budget in 0..3usize,
                review_days in 1..=2u32,
                kinds in 1..16u8,
            ) {
                let schools = build_schools(&groups);
                let needs = build_needs(&groups, &schools);
                let advisers = build_advisers(&adviser_specs);
                let rules = TriadRules {
                    adviser_budget: BUDGETS[budget],
                    review_days,
                    adviser_kinds: AdviserKind::ALL.into_iter().enumerate().filter(|(i, _)| kinds & (1 << i) != 0).map(|(_, k)| k).collect(),
                    ..TriadRules::default()
                };
                let plan = assign_advisers(&needs, &advisers, &rules);
                check_rules(&plan, &needs, &advisers, &rules);
                let best = brute_force(&needs, &advisers, &rules);
                prop_assert!(close(plan.objective, best), "objective {} but best {}", plan.objective, best);
                prop_assert!(close(plan.lower_bound, plan.objective));
            }

            #[test]
            fn pins_never_break_a_rule(
                groups in prop::collection::vec(group_spec(), 1..=4),
                adviser_specs in prop::collection::vec(adviser_spec(), 1..=4),
                pins in prop::collection::vec(prop::option::of(0..5usize), 4),
                budget in 0..3usize,
            ) {
                let schools = build_schools(&groups);
                let mut needs = build_needs(&groups, &schools);
                for (n, pin) in needs.iter_mut().zip(&pins) {
                    n.pinned_adviser = pin.map(|a| format!("a{a}"));
                }
                let advisers = build_advisers(&adviser_specs);
                let rules = TriadRules { adviser_budget: BUDGETS[budget], ..TriadRules::default() };
                let plan = assign_advisers(&needs, &advisers, &rules);
                check_rules(&plan, &needs, &advisers, &rules);
                // The first pin that is valid on its own is always kept.
                let first = needs.iter().position(|n| n.pinned_adviser.is_some());
                if let Some(g) = first {
                    let n = &needs[g];
                    let pinned = advisers.iter().find(|a| Some(&a.id) == n.pinned_adviser.as_ref());
                    if let Some(a) = pinned {
                        let d = group_days(n.schools.len(), &rules);
                        let valid = adviser_can_serve(a, n.phase, &n.schools, &rules).is_ok()
                            && d <= a.capacity_days
                            && a.day_rate * f64::from(d) <= rules.adviser_budget;
                        prop_assert_eq!(valid, plan.adviser[g].as_ref() == Some(&a.id));
                    }
                }
            }
        }
    }
}
