//! The plan: groups, their reviews and advisers, who was left out and why,
//! and the proof of quality (objective, lower bound, gap).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{PhaseGroup, Urn};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub year: i32,
    pub triads: Vec<Triad>,
    pub unplaced: Vec<Unplaced>,
    /// Reviewer-days given and received, per placed school.
    pub ledger: Vec<LedgerEntry>,
    /// Adviser days and the council's cost.
    pub cost: CostLedger,
    /// Where the rules cannot all be met at once, which rules conflict.
    #[serde(default)]
    pub diagnosis: Vec<String>,
    /// Things the SIM should know that break no rule (pins that break a rule, unknown distances).
    #[serde(default)]
    pub warnings: Vec<String>,
    pub stats: Stats,
}

impl Plan {
    /// A plan of these groups alone, as tests and benchmarks make one: no
    /// school left out, no costs, no figures.
    pub fn of_groups(year: i32, triads: Vec<Triad>, ledger: Vec<LedgerEntry>) -> Plan {
        Plan {
            year,
            triads,
            unplaced: vec![],
            ledger,
            cost: CostLedger::default(),
            diagnosis: vec![],
            warnings: vec![],
            stats: Stats::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triad {
    pub id: String,
    pub phase: PhaseGroup,
    /// In rotation order: each school's review is led by the next one.
    pub schools: Vec<Urn>,
    pub adviser: Option<String>,
    /// Why the group has no adviser, where it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adviser_reason: Option<String>,
    pub reviews: Vec<Review>,
    /// Points by named term; their sum is the group's share of the objective.
    pub score: BTreeMap<String, f64>,
    /// The group's measures in their own units (km, %, points of FSM).
    pub metrics: GroupMetrics,
    /// Pairs whose distance is unknown, and other things to check by hand.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Fixed by the SIM.
    #[serde(default)]
    pub pinned: bool,
    /// Kept unchanged from the previous plan.
    #[serde(default)]
    pub kept: bool,
}

/// What follows "group" in a sentence: "12" for the optimiser's "G0012";
/// a group with a name of its own (a pinned one, say) keeps it.
/// The diagnosis line of a group left without an adviser, the one form
/// every step that gives or takes an adviser writes and looks for.
pub(crate) fn no_adviser_line(id: &str, why: &str) -> String {
    format!("group {} has no adviser: {why}", group_number(id))
}

pub fn group_number(id: &str) -> String {
    id.strip_prefix('G')
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<u64>().ok())
        .map_or_else(|| id.to_string(), |n| n.to_string())
}

impl Triad {
    /// A group not yet scored: no metrics, flags or reason, neither pinned
    /// nor kept.
    pub fn new(
        id: String,
        phase: PhaseGroup,
        schools: Vec<Urn>,
        adviser: Option<String>,
        reviews: Vec<Review>,
    ) -> Triad {
        Triad {
            id,
            phase,
            schools,
            adviser,
            adviser_reason: None,
            reviews,
            score: BTreeMap::new(),
            metrics: GroupMetrics::default(),
            flags: vec![],
            pinned: false,
            kept: false,
        }
    }

    pub fn total_score(&self) -> f64 {
        self.score.values().sum()
    }

    /// The adviser who attends review `r`: as the scheduler recorded it
    /// (none where it says why not), or on a plan not yet dated the group's.
    pub fn adviser_at<'a>(&'a self, r: &'a Review) -> Option<&'a str> {
        match (&r.adviser, &r.adviser_absent) {
            (Some(a), _) => Some(a),
            (None, Some(_)) => None,
            (None, None) => self.adviser.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupMetrics {
    /// Km driven by visiting heads, one way per visit; unknown distances count
    /// as the rules' assumed distance.
    pub travel_km: f64,
    /// Longest distance between two schools of the group, where known.
    pub max_distance_km: Option<f64>,
    /// Largest pupil number over smallest, as a percentage gap.
    pub size_gap_pct: f64,
    /// Highest FSM % minus lowest.
    pub fsm_gap_pts: f64,
    pub adviser_travel_km: Option<f64>,
    /// Fewest school days of the window any two heads of the group can both
    /// come on, over the pairs where both heads offered dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fewest_common_dates: Option<u32>,
}

/// One school's review: the host is visited by two heads of its group, one of whom leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub host: Urn,
    pub lead: Urn,
    /// Every visiting head, the lead first.
    pub reviewers: Vec<Urn>,
    pub days: u32,
    /// First day of the review, once scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// Every day of the review (consecutive school days), once scheduled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<NaiveDate>,
    /// Why the scheduler could not date the review: the people and the numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unscheduled_reason: Option<String>,
    /// The same reason as data, for words with people's names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undated: Option<Undated>,
    /// The adviser who attends this review, once the scheduler has dated the
    /// plan: with the host and the reviewers, everyone who comes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adviser: Option<String>,
    /// Why the review is held without an adviser (`adviser_presence =
    /// "one_review"`, or a group without one), in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adviser_absent: Option<String>,
    /// Calendar revision (ICS SEQUENCE): bumped each time a published date changes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sequence: u32,
}

impl Review {
    /// The review at `host` by `reviewers`, the first of whom leads, `days`
    /// long and not yet dated.
    pub fn new(host: Urn, reviewers: Vec<Urn>, days: u32) -> Review {
        Review {
            host,
            lead: reviewers[0],
            reviewers,
            days,
            start: None,
            dates: vec![],
            unscheduled_reason: None,
            undated: None,
            adviser: None,
            adviser_absent: None,
            sequence: 0,
        }
    }

    /// The reviews of a group in rotation order, not yet dated: each
    /// school's review is led by the next school, with the one after it.
    pub fn rotation(schools: &[Urn], days: u32) -> Vec<Review> {
        let k = schools.len();
        (0..k)
            .map(|i| {
                Review::new(
                    schools[i],
                    vec![schools[(i + 1) % k], schools[(i + 2) % k]],
                    days,
                )
            })
            .collect()
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unplaced {
    pub urn: Urn,
    /// The rule and the numbers that kept the school out.
    pub reason: String,
    /// The same reason as data, for words with schools' names (plans
    /// written before it have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<LeftOut>,
}

/// A person a reason names, by URN or adviser id, so that words can name
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "as", content = "id", rename_all = "snake_case")]
pub enum Who {
    Head(Urn),
    Adviser(String),
}

/// Why a review has no date: `Review::unscheduled_reason` as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Undated {
    /// These heads have offered no dates yet.
    AwaitingDates { heads: Vec<Urn> },
    /// The people share no run of `days` school days in the window; each
    /// with the number of school days they offered.
    NoCommonDate {
        offered: Vec<(Who, usize)>,
        days: usize,
        first: NaiveDate,
        last: NaiveDate,
    },
    /// Every start the people share is taken, each date with what took it.
    DatesTaken { dates: Vec<(NaiveDate, Blocker)> },
}

/// What keeps a review off a date its people share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blocker {
    /// `who` is at the review of `host` that day.
    OtherReview { who: Who, host: Urn },
    /// `who` already has `used` review days in the half-term, at most `cap`.
    HalfTermFull {
        who: Who,
        used: usize,
        cap: usize,
        half_term: String,
    },
    /// Another review of the group, at `host`, is `apart` days away and the
    /// rules want at least `gap`.
    GroupReviewClose { host: Urn, apart: i64, gap: i64 },
    /// Free, but the solver stopped at its time limit.
    TimeLimit,
}

/// The pair rule that left a school too few partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairRule {
    Travel,
    Trust,
    History,
    Exclusion,
    Availability,
}

/// Why a school was left out: `Unplaced::reason` as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeftOut {
    /// Its head offered no dates and the rules leave such schools out.
    NoDates,
    /// No other participating school of its phase (in its LA, where named).
    NoSamePhase {
        phase: PhaseGroup,
        la: Option<String>,
    },
    /// After the pair rules up to `rule`, fewer than two partners remain:
    /// `only` where one does.
    FewPartners {
        rule: PairRule,
        max_km: f64,
        only: Option<Urn>,
        offered: Option<u32>,
        nearest: Option<(Urn, f64)>,
    },
    /// No two of its possible partners may be grouped with each other.
    PartnersApart { partners: Vec<Urn> },
    /// Its possible partners are all needed in other groups.
    PartnersTaken { partners: usize, fours: bool },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub urn: Urn,
    pub days_given: u32,
    pub days_received: u32,
    pub leads: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CostLedger {
    pub budget: f64,
    pub total: f64,
    pub advisers: Vec<AdviserLoad>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviserLoad {
    pub id: String,
    pub groups: Vec<String>,
    pub days: u32,
    pub capacity_days: u32,
    pub day_rate: f64,
    pub cost: f64,
    /// Schools of this plan the adviser advised last year: a group holding
    /// one earns `weights.adviser_continuity` with this adviser. Kept here so
    /// that a later step changing advisers (the scheduler) scores them alike.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advised_last_year: Vec<Urn>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Points of the grouping: every group's score (adviser terms aside) plus
    /// the points of left-out schools.
    pub objective: f64,
    /// No plan under these rules can score below this.
    pub lower_bound: f64,
    /// (objective - lower_bound) / objective; 0 is proven optimal.
    pub gap: f64,
    pub seconds: f64,
    pub schools: usize,
    pub placed: usize,
    pub groups: usize,
    pub groups_of_four: usize,
    /// Independent parts the problem split into, and how many were proven optimal.
    pub components: usize,
    pub components_proven_optimal: usize,
    /// Candidate groups the solver kept in its master problem (every feasible
    /// group was priced; only these were ever worth adding).
    pub columns: usize,
    /// The adviser step, solved on the chosen groups: its points (part of the
    /// groups' scores, not of `objective`) and its own bound.
    pub adviser_objective: f64,
    pub adviser_lower_bound: f64,
    /// Where heads' dates are known: reviews of the plan's groups their
    /// heads can keep on the dates offered so far (each group alone, by the
    /// `[schedule]` rules; advisers aside, as the scheduler may change them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datable: Option<usize>,
    /// No plan under these rules and availabilities dates more reviews
    /// (`triads::dated_bound`; holds under every adviser rule). Placing
    /// schools comes first: the bound is over the plans that leave out no
    /// more of each part of the compatibility graph than this plan does, so
    /// a head who offered nothing is grouped there, not left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dated_bound: Option<usize>,
    /// Groups awaiting dates: a head offered none yet (`no_availability = "wait"`).
    #[serde(default)]
    pub awaiting_groups: usize,
    /// Reviews of the awaiting groups that their heads could keep once the
    /// silent heads answer, if they are then free on every school day (as
    /// grouping assumed). Dated plus these is what "wait" optimises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_awaiting: Option<usize>,
    /// No plan dates more than this once the silent heads answer, free
    /// (`triads::answered_bound`); None where nobody is silent or under
    /// "leave_out".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_bound: Option<usize>,
    /// Reviews the scheduler dated (None before it has run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dated: Option<usize>,
    /// What relaxing one rule would gain, as the scheduler found
    /// ("advisers at one review per group: 11 more reviews dated").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relaxations: Vec<String>,
}
