//! Dating the reviews of a plan from everyone's availability.
//!
//! Every review needs consecutive school days inside the window on which the
//! host head, both visiting heads and the group's adviser are available and
//! no one is blacked out. `schedule` is the entry point; `validate` the one
//! check of a dated plan against every rule (and, given the schools and
//! advisers, of the groups and advisers too).
//!
//! The model (see `mip.rs`): binary `y[review, start]` over feasible starts
//! only; at most one start a review; one review per person per day; at most
//! `max_days_per_half_term` review days per person per half-term; starts of
//! one group's reviews at least `min_days_between_group_reviews` apart. Reviews
//! interact only through shared people, so each connected component of the
//! "shares a person" graph is its own MIP, solved in parallel.
//!
//! Before the model, `reassign` changes advisers where dates decide (within
//! every adviser rule of the grouping step), and gives one to a group left
//! without where one's dates fit; the plan's adviser terms and ledger follow.
//! In the model, a group's adviser may be let go (`weights.adviser_released`
//! points): its reviews then have starts on the heads' dates alone, and the
//! adviser's days go to their other groups. An adviser's dates are shared
//! by all their groups, which no group alone sees.

mod instance;
mod mip;
mod reasons;
mod reassign;
mod relax;
pub mod rules;
mod solve;
pub mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Adviser, School, Urn};
use crate::triads::{Plan, TriadRules};

// The calendar and availability types live in `crate::calendar`, shared
// with grouping; these paths are kept for callers.
pub use crate::calendar::{availability, days as calendar};
pub use crate::calendar::{
    Availability, Blackout, Calendar, HalfTerm, Level, Person, SchoolBlackout,
};
pub use rules::{ScheduleRules, ScheduleWeights};
pub use solve::schedule;
pub use validate::validate;

/// Everything the scheduler needs.
#[derive(Debug, Clone)]
pub struct ScheduleProblem {
    pub plan: Plan,
    /// The schools of the plan. Needed only to re-assign advisers and to
    /// check the groups again; may be empty.
    pub schools: Vec<School>,
    /// The advisers. Needed only to re-assign advisers; may be empty.
    pub advisers: Vec<Adviser>,
    /// The grouping rules the plan was made under (adviser kinds, budget).
    pub triad_rules: TriadRules,
    pub availability: Availability,
    pub calendar: Calendar,
    pub rules: ScheduleRules,
    /// A published dated plan: reviews keep its dates wherever they still can.
    pub previous: Option<Plan>,
}

/// The plan with every review dated (or given its reason), and the proof of
/// quality of the dating. Serialises as the plan with a `schedule` member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledPlan {
    #[serde(flatten)]
    pub plan: Plan,
    pub schedule: ScheduleStats,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleStats {
    pub window_first: Option<chrono::NaiveDate>,
    pub window_last: Option<chrono::NaiveDate>,
    pub reviews: usize,
    pub scheduled: usize,
    pub unscheduled: usize,
    /// Person-days of dated reviews on a date the person preferred.
    pub preferred_person_days: usize,
    pub person_days: usize,
    /// `preferred_person_days / person_days` (0 when nothing is dated).
    pub preferred_share: f64,
    /// Reviews whose date in `previous` changed (moved or lost).
    pub moved: usize,
    /// Advisers re-assigned so that a group's reviews could be dated, or
    /// given to a group that had none where their dates cost no review.
    pub advisers_reassigned: usize,
    /// Groups whose adviser dating let go, so that their reviews could be
    /// dated on their heads' dates alone (`weights.adviser_released`).
    #[serde(default)]
    pub advisers_released: usize,
    /// Points: `weights.unscheduled` per undated review, `weights.possible_day`
    /// per person-day on a merely possible date, `weights.moved` per review
    /// moved off (or left without) a published date that still works.
    pub objective: f64,
    /// No schedule under these rules scores below this.
    pub lower_bound: f64,
    /// (objective - lower_bound) / objective; 0 is proven optimal.
    pub gap: f64,
    pub components: usize,
    pub components_proven_optimal: usize,
    /// Start variables of the model (feasible review starts).
    pub variables: usize,
    pub seconds: f64,
    /// Reviews in the largest component.
    pub largest_component: usize,
    /// Review days per period name, over every person (for the burden report).
    pub days_by_period: BTreeMap<String, usize>,
    /// Reviews dated (the same as `scheduled`, under the name the grouping uses).
    #[serde(default)]
    pub dated: usize,
    /// No plan under these rules and availabilities, of any grouping of
    /// these schools that places as many of them as the plan does, dates
    /// more reviews (`triads::dated_bound`: heads' dates, advisers aside, so
    /// it holds under every adviser rule). None where the schools were not
    /// given.
    #[serde(default)]
    pub dated_bound: Option<usize>,
    /// `(dated_bound - dated) / dated_bound` (0 where the bound is 0).
    #[serde(default)]
    pub dated_gap: Option<f64>,
    /// Reviews left undated because a head of the group has offered no
    /// dates yet (`no_availability = "wait"`).
    #[serde(default)]
    pub awaiting: usize,
    /// Of those, the reviews their groups could date once the silent heads
    /// answer, free on every school day (`triads::ready_awaiting`). Dated
    /// plus these is what grouping under "wait" optimises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_awaiting: Option<usize>,
    /// No plan of these schools dates more reviews once the silent heads
    /// answer, free (`triads::answered_bound`); it bounds `dated +
    /// ready_awaiting`. None where nobody is silent or under "leave_out".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_bound: Option<usize>,
    /// What relaxing one rule would gain for this plan's groups and
    /// advisers, group by group ("advisers at one review per group: 11 more
    /// reviews dated"); limits shared between groups (an adviser's days)
    /// are left aside, so each is at most what it says.
    #[serde(default)]
    pub relaxations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleError {
    /// An input is inconsistent (calendar, rules, availability of unknown people).
    Input(String),
    /// HiGHS failed.
    Solver(String),
    /// The schedule broke a rule: a bug, reported rather than written.
    Invalid(Vec<String>),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::Input(m) => write!(f, "{m}"),
            ScheduleError::Solver(m) => write!(f, "solver: {m}"),
            ScheduleError::Invalid(v) => {
                write!(f, "the schedule breaks rules: {}", v.join("; "))
            }
        }
    }
}

impl std::error::Error for ScheduleError {}

/// Who a person is, for messages: "the head of 900001", "adviser ADV-01".
pub fn describe(p: &Person) -> String {
    match p {
        Person::Head(u) => format!("the head of {u}"),
        Person::Adviser(id) => format!("adviser {id}"),
    }
}

/// The heads a review needs, host first.
pub fn review_heads(host: Urn, reviewers: &[Urn]) -> Vec<Urn> {
    let mut v = vec![host];
    v.extend(reviewers.iter().copied().filter(|u| *u != host));
    v
}
