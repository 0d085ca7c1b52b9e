//! The SIM's rules for an allocation: entitlements, reach, and the weights
//! that put the objectives in their order. Read from the `[allocation]` table
//! of the rules file; every item has a default.

use serde::{Deserialize, Serialize};

use super::AllocateError;
use crate::rules_check::{checked, Faults, RuleFault, MOST, MOST_KM};

/// Everything the SIM can tune. Units are given on each field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AllocationRules {
    /// Most days a school of each tier may receive this year.
    pub tier_days: TierDays,
    /// Tier of a school with neither an Ofsted grade nor an SSPB category.
    /// 3 (as Good) by default: most ungraded schools are academy converters
    /// of schools that were inspected under their old URN.
    pub ungraded_tier: u8,
    /// Whether the SSPB category moves a graded school's tier: red one tier
    /// towards more support, green one tier towards less, amber not at all.
    pub sspb_moves_tier: bool,
    /// Furthest a consultant travels to a school, straight line in km. Part
    /// of the posed problem: arcs beyond it do not exist.
    pub max_travel_km: f64,
    /// Distance assumed for travel cost when the consultant's base or the
    /// school's location is unknown, km.
    pub unknown_distance_km: f64,
    /// If set, each (school, area) need may only be served by its this-many
    /// nearest qualified consultants (ties by id). Part of the posed problem;
    /// meant for national runs where reach alone leaves too many choices.
    pub max_candidates_per_need: Option<usize>,
    /// Fewest days a consultant gives a school once deployed there (a
    /// diagnostic visit is two days).
    pub min_days_per_deployment: u32,
    /// Consultants per school above which each further one is penalised by
    /// `weights.extra_consultant`.
    pub preferred_max_consultants: u32,
    /// Most the council spends on day rates, pounds; none means no limit.
    /// A budget couples every part of the problem, so it is solved as one model.
    pub budget: Option<f64>,
    pub weights: Weights,
    /// Wall-clock limit for the whole solve, seconds. When it stops the
    /// search, the result is the best found, with its bound and gap.
    pub time_limit_seconds: f64,
    /// Relative gap at which the solver may stop, e.g. 0.0001.
    pub mip_rel_gap: f64,
    /// Parts with more arcs than this are solved in two steps: the LP
    /// relaxation (whose optimum is the bound) and then exact MIPs over the
    /// arcs that LP uses (the allocation). A solver setting, not a rule of
    /// the problem: the bound stays valid for the problem as posed.
    pub direct_mip_max_arcs: usize,
}

impl Default for AllocationRules {
    fn default() -> Self {
        AllocationRules {
            tier_days: TierDays::default(),
            ungraded_tier: 3,
            sspb_moves_tier: true,
            max_travel_km: 25.0,
            unknown_distance_km: 10.0,
            max_candidates_per_need: None,
            min_days_per_deployment: 2,
            preferred_max_consultants: 2,
            budget: None,
            weights: Weights::default(),
            time_limit_seconds: 60.0,
            mip_rel_gap: 1e-4,
            direct_mip_max_arcs: 4_000,
        }
    }
}

/// Days of support per tier (1 most concern .. 4 least).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TierDays {
    pub tier1: u32,
    pub tier2: u32,
    pub tier3: u32,
    pub tier4: u32,
}

impl Default for TierDays {
    fn default() -> Self {
        TierDays {
            tier1: 25,
            tier2: 15,
            tier3: 4,
            tier4: 0,
        }
    }
}

impl TierDays {
    pub fn for_tier(&self, tier: u8) -> u32 {
        match tier {
            1 => self.tier1,
            2 => self.tier2,
            3 => self.tier3,
            _ => self.tier4,
        }
    }
}

/// Objective weights, in points (the objective is maximised).
///
/// The defaults keep the issue's order: a day of need covered at a tier-1
/// school (at least 1000 x 1 points) outweighs anything the lower terms can
/// change by moving a couple of days; fairness is a per-ratio term worth
/// about 80 points a day at a 25-day school; the consultant-count, continuity,
/// travel and cost terms are each worth tens of points a day or less.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Points per day of need covered, by the school's tier (1..4).
    pub tier1: f64,
    pub tier2: f64,
    pub tier3: f64,
    pub tier4: f64,
    /// Multiplier by need priority (1 most urgent .. 3).
    pub priority1: f64,
    pub priority2: f64,
    pub priority3: f64,
    /// Multiplier (instead of the priority's) for days in an area beyond its
    /// share of the school's entitlement: still useful, but less so.
    pub overflow: f64,
    /// Points per unit of the lowest coverage ratio among the tier-1 (tier-2)
    /// schools that compete for the same consultants.
    pub fairness_tier1: f64,
    pub fairness_tier2: f64,
    /// Points lost per consultant deployed at a school.
    pub consultant_used: f64,
    /// Points lost per consultant beyond `preferred_max_consultants` at a school.
    pub extra_consultant: f64,
    /// Points gained per day a consultant continues last year's work in the
    /// same area at the same school.
    pub continuity_same_area: f64,
    /// Points gained per day a consultant returns to last year's school.
    pub continuity_same_school: f64,
    /// Points lost per km of (one-way, straight-line) travel per day.
    pub travel_per_km: f64,
    /// Points lost per pound of day rate.
    pub cost_per_pound: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            tier1: 1000.0,
            tier2: 200.0,
            tier3: 50.0,
            tier4: 10.0,
            priority1: 3.0,
            priority2: 2.0,
            priority3: 1.0,
            overflow: 0.25,
            fairness_tier1: 2000.0,
            fairness_tier2: 400.0,
            consultant_used: 5.0,
            extra_consultant: 40.0,
            continuity_same_area: 10.0,
            continuity_same_school: 5.0,
            travel_per_km: 0.5,
            cost_per_pound: 0.001,
        }
    }
}

impl Weights {
    pub fn tier(&self, tier: u8) -> f64 {
        match tier {
            1 => self.tier1,
            2 => self.tier2,
            3 => self.tier3,
            _ => self.tier4,
        }
    }

    pub fn priority(&self, priority: u8) -> f64 {
        match priority {
            1 => self.priority1,
            2 => self.priority2,
            _ => self.priority3,
        }
    }

    fn named(&self) -> [(&'static str, f64); 16] {
        [
            ("tier1", self.tier1),
            ("tier2", self.tier2),
            ("tier3", self.tier3),
            ("tier4", self.tier4),
            ("priority1", self.priority1),
            ("priority2", self.priority2),
            ("priority3", self.priority3),
            ("overflow", self.overflow),
            ("fairness_tier1", self.fairness_tier1),
            ("fairness_tier2", self.fairness_tier2),
            ("consultant_used", self.consultant_used),
            ("extra_consultant", self.extra_consultant),
            ("continuity_same_area", self.continuity_same_area),
            ("continuity_same_school", self.continuity_same_school),
            ("travel_per_km", self.travel_per_km),
            ("cost_per_pound", self.cost_per_pound),
        ]
    }
}

impl AllocationRules {
    /// Rejects values that would make the posed problem meaningless, each
    /// fault of `faults` on its own line.
    pub fn check(&self) -> Result<(), AllocateError> {
        checked(&self.faults()).map_err(AllocateError::Rules)
    }

    /// Every value of the `[allocation]` table that cannot be used, each
    /// with its item as the rules file spells it and what to write instead.
    pub fn faults(&self) -> Vec<RuleFault> {
        let mut f = Faults::new("allocation");
        if !(1..=4).contains(&self.ungraded_tier) {
            f.add(
                "ungraded_tier",
                format!("{} is not a tier; write 1, 2, 3 or 4", self.ungraded_tier),
            );
        }
        f.number(
            "max_travel_km",
            self.max_travel_km,
            "km",
            0.0,
            false,
            MOST_KM,
        );
        f.unknown_distance(self.unknown_distance_km);
        if let Some(n) = self.max_candidates_per_need {
            let range = "write a whole number of consultants from 1 up to 100000, or leave the item out for no limit";
            if n == 0 || n > 100_000 {
                f.add(
                    "max_candidates_per_need",
                    format!("{n} is out of range; {range}"),
                );
            }
        }
        f.whole(
            "min_days_per_deployment",
            self.min_days_per_deployment.into(),
            "days",
            1,
            366,
        );
        f.whole(
            "preferred_max_consultants",
            self.preferred_max_consultants.into(),
            "consultants",
            0,
            1000,
        );
        if let Some(b) = self.budget {
            f.number("budget", b, "pounds", 0.0, false, MOST);
        }
        f.time_limit(self.time_limit_seconds);
        f.mip_rel_gap(self.mip_rel_gap);
        f.whole(
            "direct_mip_max_arcs",
            self.direct_mip_max_arcs as u64,
            "arcs",
            0,
            100_000_000,
        );
        let mut list = f.list;
        let mut f = Faults::new("allocation.tier_days");
        let t = &self.tier_days;
        for (name, v) in [
            ("tier1", t.tier1),
            ("tier2", t.tier2),
            ("tier3", t.tier3),
            ("tier4", t.tier4),
        ] {
            f.whole(name, v.into(), "days", 0, 366);
        }
        list.extend(f.list);
        let mut f = Faults::new("allocation.weights");
        f.weights(self.weights.named());
        list.extend(f.list);
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_their_own_check() {
        AllocationRules::default().check().unwrap();
    }

    #[test]
    fn bad_values_name_the_item() {
        let r = AllocationRules {
            max_travel_km: -1.0,
            ..Default::default()
        };
        let e = r.check().unwrap_err().to_string();
        assert!(e.contains("[allocation] max_travel_km"), "{e}");
        let mut r = AllocationRules::default();
        r.weights.travel_per_km = f64::NAN;
        let e = r.check().unwrap_err().to_string();
        assert!(e.contains("[allocation.weights] travel_per_km"), "{e}");
    }

    #[test]
    fn json_with_missing_items_takes_defaults_and_unknown_items_fail() {
        let r: AllocationRules =
            serde_json::from_str(r#"{"tier_days": {"tier1": 30}, "budget": 1000.0}"#).unwrap();
        assert_eq!(r.tier_days.tier1, 30);
        assert_eq!(r.tier_days.tier2, 15);
        assert_eq!(r.budget, Some(1000.0));
        assert!(serde_json::from_str::<AllocationRules>(r#"{"max_travel": 3}"#).is_err());
    }
}
