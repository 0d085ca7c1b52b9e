//! Turns chosen groups into the plan's groups: rotation, reviews, the score
//! by named term, and measures in their own units.

use std::collections::BTreeMap;

use super::compat::PairRules;
use super::plan::{GroupMetrics, Review, Triad};
use crate::model::School;

/// Orders a group so that each school's review is led by the next one and
/// the pairs that are driven twice are the shortest. Returns the order and
/// the km driven (one way per visit).
pub fn rotation<'a>(rules: &PairRules, schools: &[&'a School]) -> (Vec<&'a School>, f64) {
    let km = |a: &School, b: &School| rules.cost(a, b).km;
    match schools {
        [a, b, c] => {
            let mut v = vec![*a, *b, *c];
            v.sort_by_key(|s| s.urn);
            let t = 2.0 * (km(a, b) + km(a, c) + km(b, c));
            (v, t)
        }
        [a, b, c, d] => {
            let mut s = [*a, *b, *c, *d];
            s.sort_by_key(|x| x.urn);
            let [a, b, c, d] = s;
            // The diagonals of a rotation p0 p1 p2 p3 are (p0,p2) and (p1,p3).
            let options = [
                ([a, c, b, d], km(a, b) + km(c, d)),
                ([a, b, c, d], km(a, c) + km(b, d)),
                ([a, b, d, c], km(a, d) + km(b, c)),
            ];
            let (order, diag) = options
                .into_iter()
                .min_by(|x, y| x.1.total_cmp(&y.1))
                .unwrap_or(([a, b, c, d], 0.0));
            let all = km(a, b) + km(a, c) + km(a, d) + km(b, c) + km(b, d) + km(c, d);
            // Where heads' dates are known, the rotation also decides who
            // meets at each review: the least doubled travel plus undated
            // reviews' points, as the solver scored it (`quad_score`).
            if let Some(dt) = rules.dating() {
                let w = rules.problem().rules.weights.travel_km;
                let points = rules.problem().rules.weights.undated_review;
                let cost = |o: &[&School; 4], diag: f64| {
                    let urns: Vec<_> = o.iter().map(|s| s.urn).collect();
                    w * diag + dt.undated(&urns) as f64 * points
                };
                let (order, diag) = options
                    .into_iter()
                    .map(|(o, diag)| (cost(&o, diag), o, diag))
                    .min_by(|x, y| x.0.total_cmp(&y.0))
                    .map(|(_, o, diag)| (o, diag))
                    .unwrap_or(([a, b, c, d], 0.0));
                return (order.to_vec(), all + diag);
            }
            (order.to_vec(), all + diag)
        }
        _ => {
            let mut v = schools.to_vec();
            v.sort_by_key(|s| s.urn);
            (v, 0.0)
        }
    }
}

/// In rotation order, school i is reviewed by the next two, the first leading.
pub fn reviews(order: &[&School], days: u32) -> Vec<Review> {
    let k = order.len();
    (0..k)
        .map(|i| {
            let lead = order[(i + 1) % k].urn;
            let second = order[(i + 2) % k].urn;
            Review {
                host: order[i].urn,
                lead,
                reviewers: vec![lead, second],
                days,
                start: None,
                dates: Vec::new(),
                unscheduled_reason: None,
                undated: None,
                adviser: None,
                adviser_absent: None,
                sequence: 0,
            }
        })
        .collect()
}

/// Builds one group of the plan with its score by term. `bonus` is the
/// previous-plan bonus the group earned, if kept.
pub fn triad(id: String, rules: &PairRules, schools: &[&School], bonus: f64) -> Triad {
    let problem = rules.problem();
    let r = &problem.rules;
    let w = &r.weights;
    let (order, travel_km) = rotation(rules, schools);
    let mut size = 0.0;
    let mut fsm = 0.0;
    let mut same_trust = 0usize;
    let mut dates_short = 0u32;
    let mut awaiting = 0usize;
    let mut fewest_dates: Option<u32> = None;
    let mut flags = Vec::new();
    let mut max_km: Option<f64> = Some(0.0);
    for (i, a) in order.iter().enumerate() {
        for b in &order[i + 1..] {
            let c = rules.cost(a, b);
            size += c.size_gap_pct;
            fsm += c.fsm_gap_pts;
            same_trust += c.same_trust as usize;
            dates_short += c.dates_short;
            awaiting += usize::from(c.awaiting);
            if let Some(n) = c.common_dates {
                fewest_dates = Some(fewest_dates.map_or(n, |m| m.min(n)));
                if c.dates_short > 0 && n > 0 {
                    flags.push(format!(
                        "the heads of {} and {} share only {n} available dates ({} wanted)",
                        a.name, b.name, r.common_dates_wanted
                    ));
                }
            }
            if c.known {
                max_km = max_km.map(|m| m.max(c.km));
            } else {
                max_km = None;
                flags.push(format!(
                    "the distance between {} and {} is not known (one has no location), so {} km is assumed",
                    a.name, b.name, r.unknown_distance_km
                ));
            }
            if let Err(broken) = rules.check(a, b) {
                flags.push(format!(
                    "it breaks a rule: {}",
                    broken.describe(a, b, r.max_distance_km)
                ));
            }
        }
    }
    let mut score = BTreeMap::new();
    score.insert("travel".to_string(), w.travel_km * travel_km);
    score.insert("size".to_string(), w.size_gap_pct * size);
    score.insert("context".to_string(), w.fsm_gap_pts * fsm);
    if same_trust > 0 {
        score.insert("same_trust".to_string(), w.same_trust * same_trust as f64);
    }
    if dates_short > 0 {
        let points = w.few_common_dates * f64::from(dates_short);
        score.insert("few_common_dates".to_string(), points);
    }
    if awaiting > 0 && w.awaiting_pair > 0.0 {
        let points = w.awaiting_pair * awaiting as f64;
        score.insert("awaiting_dates".to_string(), points);
    }
    if let Some(dt) = rules.dating() {
        let urns: Vec<_> = order.iter().map(|s| s.urn).collect();
        let undated = dt.undated(&urns);
        if undated > 0 {
            score.insert(
                "undated_reviews".to_string(),
                w.undated_review * undated as f64,
            );
            flags.push(format!(
                "the heads can keep only {} of the group's {} reviews (rules: one review a day, {} days apart, at most {} review days per half-term)",
                order.len() - undated,
                order.len(),
                r.dating.min_days_between_group_reviews,
                r.dating.max_days_per_half_term
            ));
        }
        let silent: Vec<String> = order
            .iter()
            .filter(|s| dt.is_silent(s.urn))
            .map(|s| format!("{} ({})", s.name, s.urn))
            .collect();
        if !silent.is_empty() {
            flags.push(format!(
                "awaiting dates: the head of {} has offered no dates yet",
                silent.join(" and the head of ")
            ));
        }
    }
    if r.require_good_school
        && !order
            .iter()
            .any(|s| s.ofsted.is_some_and(|o| o.is_good_or_better()))
    {
        score.insert("no_good_school".to_string(), w.no_good_school);
    }
    if order.len() == 4 {
        score.insert("group_of_four".to_string(), w.group_of_four);
    }
    if bonus != 0.0 {
        score.insert("keep_previous".to_string(), -bonus);
    }
    let pupils: Vec<u32> = order.iter().filter_map(|s| s.pupils).collect();
    let size_gap_pct = match (pupils.iter().max(), pupils.iter().min()) {
        (Some(&hi), Some(&lo)) if hi > 0 => (hi - lo) as f64 / hi as f64 * 100.0,
        _ => 0.0,
    };
    let fsm: Vec<f64> = order.iter().filter_map(|s| s.fsm_percent).collect();
    let fsm_gap_pts = fsm.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
        - fsm.iter().cloned().fold(f64::INFINITY, f64::min);
    Triad {
        id,
        phase: order[0].phase_group(),
        schools: order.iter().map(|s| s.urn).collect(),
        adviser: None,
        adviser_reason: None,
        reviews: reviews(&order, r.review_days),
        score,
        metrics: GroupMetrics {
            travel_km,
            max_distance_km: max_km,
            size_gap_pct,
            fsm_gap_pts: if fsm.is_empty() { 0.0 } else { fsm_gap_pts },
            adviser_travel_km: None,
            fewest_common_dates: fewest_dates,
        },
        flags,
        pinned: false,
        kept: bonus != 0.0,
    }
}
