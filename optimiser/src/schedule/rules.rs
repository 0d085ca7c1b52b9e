//! The `[schedule]` table of the rules file. Every item has a default.

use serde::{Deserialize, Serialize};

use crate::rules_check::{checked, Faults, RuleFault};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleWeights {
    /// Points for each review left without a date. Far above the rest, so
    /// that dating reviews comes first.
    pub unscheduled: f64,
    /// Points per person-day on a date the person marked only "possible"
    /// (so that preferred dates win).
    pub possible_day: f64,
    /// Points for moving a review away from its date in the previous plan
    /// (`--previous`), to another date or to none, when that date still works
    /// for everyone. Far above
    /// `unscheduled`, so that a published date stays put even where moving it
    /// would let another review be dated: people have planned around it.
    /// A review whose old date no longer works moves at no such cost.
    pub moved: f64,
    /// Points for letting a group's adviser go, so that its reviews are
    /// dated on its heads' dates alone where the adviser cannot come on
    /// enough of them (with their other groups' reviews and days). Below
    /// one undated review (`unscheduled`): a review that happens without
    /// its adviser is worth more than one that does not happen, so an
    /// adviser goes where that dates one more of the group's reviews, and
    /// the group is then offered another adviser free on its dates. Above
    /// half of one, so that an adviser is never let go for nothing. Never a
    /// pinned group's adviser.
    pub adviser_released: f64,
}

impl Default for ScheduleWeights {
    fn default() -> Self {
        ScheduleWeights {
            unscheduled: 1000.0,
            possible_day: 1.0,
            moved: 5000.0,
            adviser_released: 900.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleRules {
    /// Most review days one person takes part in per half-term (hosting,
    /// visiting or advising): the "not burdensome" rule.
    pub max_days_per_half_term: u32,
    /// Fewest calendar days between the starts of two reviews of one group.
    pub min_days_between_group_reviews: u32,
    /// Give a group another eligible adviser where its own shares no date
    /// with the heads for some review, and an adviser to a group that has
    /// none where one with days, budget and fitting dates exists.
    pub reassign_advisers: bool,
    pub weights: ScheduleWeights,
    /// Stop improving one component's schedule after this many seconds.
    pub time_limit_seconds: f64,
    /// Relative gap at which HiGHS may stop.
    pub mip_rel_gap: f64,
}

impl Default for ScheduleRules {
    fn default() -> Self {
        ScheduleRules {
            max_days_per_half_term: 3,
            min_days_between_group_reviews: 7,
            reassign_advisers: true,
            weights: ScheduleWeights::default(),
            time_limit_seconds: 10.0,
            mip_rel_gap: 1e-4,
        }
    }
}

impl ScheduleRules {
    /// The rules a group's dating follows, for reviews of `review_days`.
    pub fn dating(&self, review_days: u32) -> crate::dating::DatingRules {
        crate::dating::DatingRules {
            min_days_between_group_reviews: self.min_days_between_group_reviews,
            max_days_per_half_term: self.max_days_per_half_term,
            review_days,
        }
    }

    /// Gives the grouping rules this table's dating rules, so that grouping
    /// scores a group by the reviews its heads can keep under the same
    /// rules the scheduler dates them by. The one place both the command
    /// line and the service join the two tables.
    pub fn apply_to(&self, triads: &mut crate::triads::TriadRules) {
        triads.dating = self.dating(triads.review_days);
    }

    /// Checks values a file could get wrong before any work starts, each
    /// fault of `faults` on its own line.
    pub fn check(&self) -> Result<(), String> {
        checked(&self.faults())
    }

    /// Every value of the `[schedule]` table that cannot be used, each with
    /// its item and what to write instead.
    pub fn faults(&self) -> Vec<RuleFault> {
        let mut f = Faults::new("schedule");
        f.whole(
            "max_days_per_half_term",
            self.max_days_per_half_term.into(),
            "days",
            1,
            40,
        );
        f.whole(
            "min_days_between_group_reviews",
            self.min_days_between_group_reviews.into(),
            "days",
            0,
            366,
        );
        f.time_limit(self.time_limit_seconds);
        f.mip_rel_gap(self.mip_rel_gap);
        let mut list = f.list;
        let w = &self.weights;
        let mut f = Faults::new("schedule.weights");
        f.weights([
            ("unscheduled", w.unscheduled),
            ("possible_day", w.possible_day),
            ("moved", w.moved),
            ("adviser_released", w.adviser_released),
        ]);
        list.extend(f.list);
        list
    }
}
