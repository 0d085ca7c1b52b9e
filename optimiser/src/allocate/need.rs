//! From grades and the SIM's input to tiers, entitlements and per-area shares.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::{AllocateError, AllocationProblem, AllocationRules, TierSource};
use crate::model::{NeedArea, OfstedGrade, SspbCategory, Urn};

#[derive(Debug, Clone)]
pub(crate) struct SchoolNeed {
    pub tier: u8,
    pub tier_source: TierSource,
    pub entitlement: u32,
    /// Indices into [`Needs::areas`].
    pub areas: Range<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct AreaNeed {
    pub school: usize,
    pub area: NeedArea,
    pub priority: u8,
    /// This area's share of the school's entitlement.
    pub share: u32,
}

/// Parallel to `problem.schools`, plus every (school, area) need.
#[derive(Debug, Clone)]
pub(crate) struct Needs {
    pub schools: Vec<SchoolNeed>,
    pub areas: Vec<AreaNeed>,
    pub school_index: HashMap<Urn, usize>,
    pub consultant_index: HashMap<String, usize>,
}

/// The tier of a school: Ofsted's, moved by the SSPB where the rules say so;
/// the SSPB's alone (red 1, amber 2, green 3) where there is no grade; else
/// the rules' default.
pub(crate) fn tier_of(
    grade: Option<OfstedGrade>,
    sspb: Option<SspbCategory>,
    rules: &AllocationRules,
) -> (u8, TierSource) {
    match (grade, sspb) {
        (Some(g), Some(c)) if rules.sspb_moves_tier => {
            let t = g.tier();
            let moved = match c {
                SspbCategory::Red => t.saturating_sub(1).max(1),
                SspbCategory::Amber => t,
                SspbCategory::Green => (t + 1).min(4),
            };
            let source = if moved == t {
                TierSource::Ofsted
            } else {
                TierSource::OfstedMovedBySspb
            };
            (moved, source)
        }
        (Some(g), _) => (g.tier(), TierSource::Ofsted),
        (None, Some(c)) => {
            let t = match c {
                SspbCategory::Red => 1,
                SspbCategory::Amber => 2,
                SspbCategory::Green => 3,
            };
            (t, TierSource::Sspb)
        }
        (None, None) => (rules.ungraded_tier, TierSource::Default),
    }
}

/// Splits `total` days over areas in proportion to their weights, whole days
/// by largest remainder, ties to the earlier (more urgent) area.
pub(crate) fn split_by_weight(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() {
        return vec![];
    }
    if sum <= 0.0 {
        // No weights: equal shares.
        return split_by_weight(total, &vec![1.0; weights.len()]);
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut shares: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut left = total - shares.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

pub(crate) fn assess(problem: &AllocationProblem) -> Result<Needs, AllocateError> {
    let rules = &problem.rules;
    let mut school_index = HashMap::with_capacity(problem.schools.len());
    for (i, s) in problem.schools.iter().enumerate() {
        if school_index.insert(s.urn, i).is_some() {
            return Err(AllocateError::DuplicateSchool(s.urn));
        }
    }
    let mut consultant_index = HashMap::with_capacity(problem.consultants.len());
    for (i, c) in problem.consultants.iter().enumerate() {
        if c.id.trim().is_empty() {
            return Err(AllocateError::EmptyConsultantId(c.name.clone()));
        }
        if !(c.day_rate.is_finite() && c.day_rate >= 0.0) {
            return Err(AllocateError::BadDayRate {
                id: c.id.clone(),
                rate: c.day_rate,
            });
        }
        if consultant_index.insert(c.id.clone(), i).is_some() {
            return Err(AllocateError::DuplicateConsultant(c.id.clone()));
        }
    }
    let mut sspb: HashMap<Urn, SspbCategory> = HashMap::new();
    for e in &problem.sspb {
        if !school_index.contains_key(&e.urn) {
            return Err(AllocateError::SspbForUnknownSchool(e.urn));
        }
        if let Some(&first) = sspb.get(&e.urn) {
            if first != e.category {
                return Err(AllocateError::ConflictingSspb {
                    urn: e.urn,
                    first,
                    second: e.category,
                });
            }
        }
        sspb.insert(e.urn, e.category);
    }

    // The same area listed twice for a school (by the SIM and by a write-up,
    // say) is one need at its most urgent priority.
    let mut by_school: Vec<BTreeMap<NeedArea, u8>> = vec![BTreeMap::new(); problem.schools.len()];
    for (index, n) in problem.needs.iter().enumerate() {
        let Some(&s) = school_index.get(&n.urn) else {
            return Err(AllocateError::NeedForUnknownSchool {
                index,
                urn: n.urn,
                area: n.area,
            });
        };
        if !(1..=3).contains(&n.priority) {
            return Err(AllocateError::BadPriority {
                index,
                urn: n.urn,
                area: n.area,
                priority: n.priority,
            });
        }
        let p = by_school[s].entry(n.area).or_insert(n.priority);
        *p = (*p).min(n.priority);
    }

    let mut schools = Vec::with_capacity(problem.schools.len());
    let mut areas = Vec::new();
    for (s, school) in problem.schools.iter().enumerate() {
        let (tier, tier_source) = tier_of(school.ofsted, sspb.get(&school.urn).copied(), rules);
        let entitlement = rules.tier_days.for_tier(tier);
        let mut list: Vec<(NeedArea, u8)> = by_school[s].iter().map(|(&a, &p)| (a, p)).collect();
        // Most urgent first so that remainders go to urgent areas.
        list.sort_by_key(|&(a, p)| (p, a));
        let weights: Vec<f64> = list
            .iter()
            .map(|&(_, p)| rules.weights.priority(p))
            .collect();
        let shares = split_by_weight(entitlement, &weights);
        let start = areas.len();
        for (&(area, priority), share) in list.iter().zip(shares) {
            areas.push(AreaNeed {
                school: s,
                area,
                priority,
                share,
            });
        }
        schools.push(SchoolNeed {
            tier,
            tier_source,
            entitlement,
            areas: start..areas.len(),
        });
    }
    Ok(Needs {
        schools,
        areas,
        school_index,
        consultant_index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sspb_moves_and_replaces_the_ofsted_tier() {
        let r = AllocationRules::default();
        use OfstedGrade::*;
        use SspbCategory::*;
        assert_eq!(tier_of(Some(Good), None, &r), (3, TierSource::Ofsted));
        assert_eq!(
            tier_of(Some(Good), Some(Red), &r),
            (2, TierSource::OfstedMovedBySspb)
        );
        assert_eq!(
            tier_of(Some(Inadequate), Some(Red), &r),
            (1, TierSource::Ofsted)
        );
        assert_eq!(
            tier_of(Some(Outstanding), Some(Green), &r),
            (4, TierSource::Ofsted)
        );
        assert_eq!(tier_of(Some(RequiresImprovement), Some(Green), &r).0, 3);
        assert_eq!(tier_of(None, Some(Amber), &r), (2, TierSource::Sspb));
        assert_eq!(tier_of(None, None, &r), (3, TierSource::Default));
        let fixed = AllocationRules {
            sspb_moves_tier: false,
            ..r
        };
        assert_eq!(
            tier_of(Some(Good), Some(Red), &fixed),
            (3, TierSource::Ofsted)
        );
    }

    #[test]
    fn shares_add_up_and_favour_urgent_areas() {
        assert_eq!(split_by_weight(25, &[3.0, 2.0, 1.0]), vec![13, 8, 4]);
        assert_eq!(split_by_weight(4, &[3.0, 3.0, 3.0]), vec![2, 1, 1]);
        assert_eq!(split_by_weight(0, &[1.0, 1.0]), vec![0, 0]);
        assert_eq!(split_by_weight(5, &[0.0, 0.0]), vec![3, 2]);
        for total in 0..40 {
            let s = split_by_weight(total, &[3.0, 2.0, 2.0, 1.0]);
            assert_eq!(s.iter().sum::<u32>(), total);
        }
    }
}
