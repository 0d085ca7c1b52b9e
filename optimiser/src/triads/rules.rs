//! The organiser's rules for forming groups, read from the `[triads]` table
//! of the rules file. Every item has a default, so an empty file is valid.

use serde::{Deserialize, Serialize};

use crate::model::AdviserKind;
use crate::rules_check::{checked, Faults, RuleFault, MOST, MOST_KM};

/// A head who offered no dates, while others did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NoAvailability {
    /// Grouped as if free on every school day; the group is flagged
    /// "awaiting dates" and its reviews stay undated with that reason
    /// until the head answers.
    #[default]
    Wait,
    /// Left out of grouping (reason: no dates offered), so no group waits.
    LeaveOut,
}

/// Which reviews of a group its adviser attends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AdviserPresence {
    /// Every review: a review is dated only on a day the adviser can come.
    #[default]
    EveryReview,
    /// At least one review of the group (the one they moderate); the
    /// others are dated on the heads' dates alone.
    OneReview,
}

/// What to do with two schools of the same trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustRule {
    /// Never together ("professional distance").
    Forbid,
    /// Allowed, at `weights.same_trust` points per pair.
    Penalise,
    /// No rule.
    Allow,
}

/// Weights of the objective's named terms. Each term is documented in its unit;
/// the weight turns that unit into points, and the plan minimises total points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Points per km travelled by visiting heads (each head drives to the two
    /// reviews they take part in; one way).
    pub travel_km: f64,
    /// Points per unit of size gap: for each pair of a group, the difference in
    /// pupils as a percentage of the larger school.
    pub size_gap_pct: f64,
    /// Points per percentage point of difference in FSM % for each pair.
    pub fsm_gap_pts: f64,
    /// Points for a group with no school graded Good or Outstanding (only when
    /// `require_good_school` is on).
    pub no_good_school: f64,
    /// Points per same-trust pair when `trust = "penalise"`.
    pub same_trust: f64,
    /// Points for every group of four, so that fours appear only when they place a school.
    pub group_of_four: f64,
    /// Points for each participating school left out. Far above any group's
    /// score, so that placing schools comes first.
    pub unplaced: f64,
    /// Points saved by keeping a group of the previous plan unchanged (`--previous`).
    pub keep_previous: f64,
    /// Points for a group left without an adviser.
    pub no_adviser: f64,
    /// Points per km between an adviser's base and the schools of their group.
    pub adviser_travel_km: f64,
    /// Points saved by giving a group an adviser who advised one of its schools last year.
    pub adviser_continuity: f64,
    /// Points per pound the council pays advisers.
    pub adviser_cost_per_pound: f64,
    /// Points per available date two heads of a group share below
    /// `common_dates_wanted`, for each pair where both heads offered dates
    /// (a pair sharing none may not meet at all).
    pub few_common_dates: f64,
    /// Points per review of a group that its heads cannot all keep: the
    /// most of the group's reviews that can be dated on days its host and
    /// reviewers offered, under the `[schedule]` rules (one review a day,
    /// `min_days_between_group_reviews` apart, `max_days_per_half_term`),
    /// computed exactly for the group alone (`crate::dating`). Only where
    /// heads' availability is known. Below `unplaced / 3`, so that a group
    /// is still formed where its reviews cannot be dated. Above 0 it also
    /// gives a group only an adviser who can come on dates its heads can
    /// keep; 0 turns both off (grouping, then advisers, then dates).
    pub undated_review: f64,
    /// Points per pair of a group's heads of whom one has offered dates
    /// and the other none yet (`no_availability = "wait"`): the group's
    /// reviews wait for the silent head, so the one who answered waits on
    /// them. It gathers the silent heads into groups of their own where
    /// the other rules allow. A pair term, so that pricing prunes by it;
    /// below `(unplaced - group_of_four) / 3`, so that a silent head is
    /// still grouped, in a four where need be.
    pub awaiting_pair: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            travel_km: 1.0,
            size_gap_pct: 0.1,
            fsm_gap_pts: 0.2,
            no_good_school: 10.0,
            same_trust: 20.0,
            group_of_four: 60.0,
            unplaced: 1000.0,
            keep_previous: 200.0,
            no_adviser: 500.0,
            adviser_travel_km: 0.2,
            adviser_continuity: 5.0,
            adviser_cost_per_pound: 0.01,
            // A pair sharing one date pays 50 points, as much as 50 km of
            // driving: worth a longer trip, not worth leaving a school out.
            few_common_dates: 10.0,
            // A review that cannot happen: worth 300 km of driving, a third
            // of a school left out.
            undated_review: 300.0,
            // A group of three with one silent head pays 300 points, as
            // much as one review that cannot happen: its reviews wait, and
            // the head may yet answer with dates that fit.
            awaiting_pair: 150.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriadRules {
    /// The usual group size. Only 3 is supported; groups of `group_size + 1`
    /// are formed where otherwise a school would be left out.
    pub group_size: usize,
    /// Allow groups of four at all.
    pub allow_groups_of_four: bool,
    /// Most km (straight line) between any two schools of a group.
    pub max_distance_km: f64,
    /// Distance assumed, for the travel term only, between two schools of one
    /// LA where either has no coordinates. Such pairs are flagged in the plan.
    pub unknown_distance_km: f64,
    pub trust: TrustRule,
    /// No two schools that shared a group in this many most recent years (0: no rule).
    pub history_years: u32,
    /// Ask for at least one Good or Outstanding school in every group (a soft term).
    pub require_good_school: bool,
    /// Review days one review costs each person present (host head excluded).
    pub review_days: u32,
    /// School days of the window two heads of a group should both be
    /// available on, where both offered dates; each date short of it costs
    /// `weights.few_common_dates`. A group of three needs three review dates
    /// a week apart on which all three heads and the adviser can come, so a
    /// pair sharing only a few rarely gets all its reviews dated.
    pub common_dates_wanted: u32,
    /// Adviser kinds that may support a group.
    pub adviser_kinds: Vec<AdviserKind>,
    /// Pounds the council may spend on advisers this year (0: cost neutral).
    pub adviser_budget: f64,
    pub weights: Weights,
    /// Stop improving a component's plan after this many seconds.
    pub time_limit_seconds: f64,
    /// Components with more schools than this (national graphs) are solved
    /// region by region; the bound still covers the whole component.
    pub region_size: usize,
    /// Seed for every choice the optimiser breaks ties with.
    pub seed: u64,
    /// A head who offered no dates while others did: `"wait"` or `"leave_out"`.
    /// The same policy holds in grouping and in dating.
    pub no_availability: NoAvailability,
    /// Which reviews the adviser attends: `"every_review"` or `"one_review"`.
    pub adviser_presence: AdviserPresence,
    /// The dating rules grouping scores groups by: the `[schedule]` table's
    /// `min_days_between_group_reviews` and `max_days_per_half_term` (callers
    /// copy them in; not read from `[triads]`), with `review_days`.
    #[serde(skip)]
    pub dating: crate::dating::DatingRules,
}

impl Default for TriadRules {
    fn default() -> Self {
        TriadRules {
            group_size: 3,
            allow_groups_of_four: true,
            max_distance_km: 20.0,
            unknown_distance_km: 10.0,
            trust: TrustRule::Forbid,
            history_years: 2,
            require_good_school: false,
            review_days: 1,
            common_dates_wanted: 6,
            adviser_kinds: AdviserKind::ALL.to_vec(),
            adviser_budget: 0.0,
            weights: Weights::default(),
            time_limit_seconds: 8.0,
            region_size: 800,
            seed: 1,
            no_availability: NoAvailability::Wait,
            adviser_presence: AdviserPresence::EveryReview,
            dating: crate::dating::DatingRules::default(),
        }
    }
}

impl TriadRules {
    /// Checks values a file could get wrong before any work starts: the
    /// first line of `faults`, each naming its item.
    pub fn check(&self) -> Result<(), String> {
        checked(&self.faults())
    }

    /// Every value of the `[triads]` table that cannot be used, each with
    /// its item and what to write instead.
    pub fn faults(&self) -> Vec<RuleFault> {
        let mut f = Faults::new("triads");
        if self.group_size != 3 {
            f.add(
                "group_size",
                format!(
                    "{} is not supported; write 3 (groups of 4 are formed where needed)",
                    self.group_size
                ),
            );
        }
        f.number(
            "max_distance_km",
            self.max_distance_km,
            "km",
            0.0,
            true,
            MOST_KM,
        );
        f.unknown_distance(self.unknown_distance_km);
        f.whole("history_years", self.history_years.into(), "years", 0, 50);
        f.whole("review_days", self.review_days.into(), "days", 1, 10);
        f.whole(
            "common_dates_wanted",
            self.common_dates_wanted.into(),
            "days",
            0,
            366,
        );
        f.number(
            "adviser_budget",
            self.adviser_budget,
            "pounds",
            0.0,
            false,
            MOST,
        );
        f.time_limit(self.time_limit_seconds);
        f.whole(
            "region_size",
            self.region_size as u64,
            "schools",
            3,
            1_000_000,
        );
        let mut list = f.list;
        let w = &self.weights;
        let mut f = Faults::new("triads.weights");
        f.weights([
            ("travel_km", w.travel_km),
            ("size_gap_pct", w.size_gap_pct),
            ("fsm_gap_pts", w.fsm_gap_pts),
            ("no_good_school", w.no_good_school),
            ("same_trust", w.same_trust),
            ("group_of_four", w.group_of_four),
            ("unplaced", w.unplaced),
            ("keep_previous", w.keep_previous),
            ("no_adviser", w.no_adviser),
            ("adviser_travel_km", w.adviser_travel_km),
            ("adviser_continuity", w.adviser_continuity),
            ("adviser_cost_per_pound", w.adviser_cost_per_pound),
            ("few_common_dates", w.few_common_dates),
            ("undated_review", w.undated_review),
            ("awaiting_pair", w.awaiting_pair),
        ]);
        list.extend(f.list);
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones_and_valid() {
        let r = TriadRules::default();
        assert_eq!(r.max_distance_km, 20.0);
        assert_eq!(r.history_years, 2);
        assert_eq!(r.trust, TrustRule::Forbid);
        assert_eq!(r.adviser_budget, 0.0);
        assert!(r.check().is_ok());
    }

    #[test]
    fn bad_values_are_named() {
        let r = TriadRules {
            max_distance_km: -1.0,
            ..TriadRules::default()
        };
        assert!(r
            .check()
            .unwrap_err()
            .contains("[triads] max_distance_km = -1 is too small"));
    }

    #[test]
    fn every_fault_is_reported_not_only_the_first() {
        let mut r = TriadRules {
            adviser_budget: f64::NAN,
            time_limit_seconds: 1e300,
            max_distance_km: f64::INFINITY,
            ..TriadRules::default()
        };
        r.weights.unplaced = f64::NEG_INFINITY;
        let items: Vec<String> = r
            .faults()
            .iter()
            .map(|f| format!("{}.{}", f.table, f.item))
            .collect();
        assert_eq!(
            items,
            [
                "triads.max_distance_km",
                "triads.adviser_budget",
                "triads.time_limit_seconds",
                "triads.weights.unplaced"
            ]
        );
    }
}
