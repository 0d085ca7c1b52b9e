//! What changed between two plan versions, by school and person rather
//! than by score: groups kept, broken and new, reviews moved, advisers
//! changed, the people affected, and the measures and score that moved.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use optimiser::model::Urn;
use optimiser::triads::plan::{Plan, Review, Triad};
use report::words;
use serde::Serialize;
use store::plans as stored;
use store::Db;

use super::check::{worth, PlanNames};
use super::{names, plan_or_404};
use crate::caller::SimYear;
use crate::error::AppResult;

/// The difference of a plan version against another, in names.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PlanDiff {
    /// Each group by its schools' names.
    pub kept: Vec<String>,
    pub broken: Vec<String>,
    pub new: Vec<String>,
    /// "Oak Primary: Mon 2 Nov 2026 → Mon 9 Nov 2026".
    pub moved: Vec<String>,
    /// Kept groups whose adviser changed: "Oak, Elm, Ash: Bea Cole → none".
    pub advisers: Vec<String>,
    /// Everyone whose group, dates or adviser changed, by name.
    pub people: Vec<String>,
    /// Measures that moved: "Travel: ... → ...".
    pub measures: Vec<String>,
    /// The raw score and the terms that moved it, as a detail.
    pub score: Vec<String>,
}

impl PlanDiff {
    pub fn groups_unchanged(&self) -> bool {
        self.broken.is_empty() && self.new.is_empty()
    }

    /// Nothing at all changed that a person would see.
    pub fn nothing_for_people(&self) -> bool {
        self.groups_unchanged() && self.moved.is_empty() && self.advisers.is_empty()
    }
}

/// One comparison shown on the plan page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// "Against the published plan (version 2)".
    pub against: String,
    pub version: i64,
    pub diff: PlanDiff,
}

fn group_key(t: &Triad) -> BTreeSet<Urn> {
    t.schools.iter().copied().collect()
}

fn group_names(t: &Triad, n: &PlanNames) -> String {
    t.schools
        .iter()
        .map(|&u| n.school(u))
        .collect::<Vec<_>>()
        .join(", ")
}

fn when(r: &Review) -> String {
    let days: Vec<NaiveDate> = store::writeups::review_days(r);
    match (days.first(), days.last()) {
        (Some(&a), Some(&b)) if a != b => format!("{} to {}", words::date(a), words::date(b)),
        (Some(&a), _) => words::date(a),
        _ => "no date".into(),
    }
}

/// The words for a score term's key.
fn term(key: &str) -> String {
    match key {
        "travel" => "heads' travel".into(),
        "size" => "size gaps".into(),
        "context" => "free school meal gaps".into(),
        "same_trust" => "schools of one trust together".into(),
        "few_common_dates" => "dates heads share short of those wanted".into(),
        "no_good_school" => "groups without a Good school".into(),
        "group_of_four" => "groups of four".into(),
        "keep_previous" => "groups kept from before (a bonus)".into(),
        other => other.replace('_', " "),
    }
}

fn terms(p: &Plan) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for t in &p.triads {
        for (k, v) in &t.score {
            *out.entry(k.clone()).or_insert(0.0) += v;
        }
    }
    out
}

/// What changed from `old` to `new`.
pub fn diff(old: &Plan, new: &Plan, n: &PlanNames) -> PlanDiff {
    let mut d = PlanDiff::default();
    let old_groups: HashMap<BTreeSet<Urn>, &Triad> =
        old.triads.iter().map(|t| (group_key(t), t)).collect();
    let new_keys: BTreeSet<BTreeSet<Urn>> = new.triads.iter().map(group_key).collect();
    let mut heads: BTreeSet<Urn> = BTreeSet::new();
    let mut advisers: BTreeSet<String> = BTreeSet::new();

    for t in &new.triads {
        match old_groups.get(&group_key(t)) {
            Some(o) => {
                d.kept.push(group_names(t, n));
                if o.adviser != t.adviser {
                    let who = |a: &Option<String>| {
                        a.as_deref()
                            .map(|a| n.adviser(a))
                            .unwrap_or_else(|| "no adviser".into())
                    };
                    d.advisers.push(format!(
                        "{}: {} → {}",
                        group_names(t, n),
                        who(&o.adviser),
                        who(&t.adviser)
                    ));
                    advisers.extend(o.adviser.iter().chain(&t.adviser).cloned());
                    heads.extend(&t.schools);
                }
            }
            None => {
                d.new.push(group_names(t, n));
                heads.extend(&t.schools);
                advisers.extend(t.adviser.clone());
            }
        }
    }
    for t in &old.triads {
        if !new_keys.contains(&group_key(t)) {
            d.broken.push(group_names(t, n));
            heads.extend(&t.schools);
            advisers.extend(t.adviser.clone());
        }
    }

    // A review moved: the same host, other days.
    let old_reviews: HashMap<Urn, &Review> = old
        .triads
        .iter()
        .flat_map(|t| &t.reviews)
        .map(|r| (r.host, r))
        .collect();
    for t in &new.triads {
        for r in &t.reviews {
            let Some(o) = old_reviews.get(&r.host) else {
                continue;
            };
            let (a, b) = (when(o), when(r));
            if a != b {
                d.moved.push(format!("{}: {a} → {b}", n.school(r.host)));
                heads.insert(r.host);
                heads.extend(&r.reviewers);
                heads.extend(&o.reviewers);
                if let Some(a) = t.adviser_at(r) {
                    advisers.insert(a.to_string());
                }
            }
        }
    }
    d.people = heads
        .into_iter()
        .map(|u| n.head(u))
        .chain(advisers.iter().map(|a| n.adviser(a)))
        .collect();

    let (wo, wn) = (worth(old), worth(new));
    for (label, now) in &wn {
        match wo.iter().find(|(l, _)| l == label) {
            Some((_, before)) if before != now => {
                d.measures.push(format!("{label}: {before}; now {now}"))
            }
            None => d.measures.push(format!("{label}: now {now}")),
            _ => {}
        }
    }

    let (so, sn) = (old.stats.objective, new.stats.objective);
    if (so - sn).abs() >= 0.005 {
        d.score.push(format!(
            "Score {} → {} points (lower is better)",
            words::points(so),
            words::points(sn)
        ));
        let (to, tn) = (terms(old), terms(new));
        let keys: BTreeSet<&String> = to.keys().chain(tn.keys()).collect();
        for k in keys {
            let (a, b) = (
                to.get(k).copied().unwrap_or(0.0),
                tn.get(k).copied().unwrap_or(0.0),
            );
            if (a - b).abs() >= 0.005 {
                d.score.push(format!(
                    "{}: {} → {} points",
                    term(k),
                    words::points(a),
                    words::points(b)
                ));
            }
        }
        let (uo, un) = (old.unplaced.len(), new.unplaced.len());
        if uo != un {
            d.score.push(format!("schools left out: {uo} → {un}"));
        }
    }
    d
}

/// A plan version against the published plan (where another is published)
/// and against the version before it (where that is not the published one).
pub async fn comparisons(db: &Db, year: &SimYear, version: i64) -> AppResult<Vec<Comparison>> {
    let year_id = year.year.id;
    let pv = plan_or_404(db, year_id, version).await?;
    let n = names(db, year_id).await?;
    let pn = PlanNames::new(&n.schools, &n.heads, &n.advisers);
    let mut out = Vec::new();
    let published = stored::latest(db, year_id, "published").await?;
    if let Some(p) = published.as_ref().filter(|p| p.version != version) {
        out.push(Comparison {
            against: format!("Against the published plan (version {})", p.version),
            version: p.version,
            diff: diff(&p.plan, &pv.plan, &pn),
        });
    }
    if version > 1 {
        if let Some(prev) = stored::get(db, year_id, version - 1).await? {
            if published.as_ref().map(|p| p.version) != Some(prev.version) {
                out.push(Comparison {
                    against: format!("Against the version before (version {})", prev.version),
                    version: prev.version,
                    diff: diff(&prev.plan, &pv.plan, &pn),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::check::tests::{adviser, plan, triad};
    use super::*;
    use optimiser::model::Headteacher;

    fn names() -> PlanNames {
        let schools: Vec<_> = (1..=9)
            .map(|i| super::super::check::tests::school(i, &format!("School {i}"), true))
            .collect();
        let heads: Vec<Headteacher> = (1..=9)
            .map(|i| Headteacher {
                school: Urn(i),
                name: format!("Head {i}"),
                email: format!("h{i}@example.org"),
            })
            .collect();
        PlanNames::new(&schools, &heads, &[adviser()])
    }

    #[test]
    fn groups_kept_broken_and_new_with_moved_reviews_and_the_people() {
        let n = names();
        let d1 = [Some("2026-11-02"), Some("2026-11-09"), Some("2026-11-16")];
        let old = plan(
            vec![
                triad("P1", [1, 2, 3], Some("adv-1"), d1),
                triad("P2", [4, 5, 6], Some("adv-1"), d1),
            ],
            vec![7],
            Some(6),
        );
        let mut new = plan(
            vec![
                triad(
                    "P1",
                    [2, 3, 1],
                    Some("adv-1"),
                    [Some("2026-11-09"), Some("2026-11-16"), Some("2026-11-03")],
                ),
                triad("P2", [4, 5, 7], Some("adv-1"), d1),
            ],
            vec![6],
            Some(6),
        );
        new.stats.objective = 10.0;
        let d = diff(&old, &new, &n);
        assert_eq!(d.kept, vec!["School 2, School 3, School 1"]);
        assert_eq!(d.new, vec!["School 4, School 5, School 7"]);
        assert_eq!(d.broken, vec!["School 4, School 5, School 6"]);
        // School 1's review moved a day; Schools 4 and 5 kept their dates.
        assert_eq!(d.moved, vec!["School 1: Mon 2 Nov 2026 → Tue 3 Nov 2026"]);
        assert!(d.people.contains(&"Head 1 (head, School 1)".to_string()));
        assert!(d.people.contains(&"Head 6 (head, School 6)".to_string()));
        assert!(d.people.contains(&"Head 7 (head, School 7)".to_string()));
        assert!(d.people.contains(&"Bea Cole (adviser)".to_string()));
        assert!(!d.groups_unchanged());
        assert_eq!(d.score[0], "Score 0.00 → 10.00 points (lower is better)");
    }

    #[test]
    fn a_redraft_with_the_same_groups_says_what_moved() {
        let n = names();
        let mut old = plan(
            vec![triad("P1", [1, 2, 3], Some("adv-1"), [None, None, None])],
            vec![],
            Some(0),
        );
        old.stats.objective = 4697.71;
        old.triads[0]
            .score
            .insert("few_common_dates".into(), 3400.0);
        let mut new = old.clone();
        new.stats.objective = 1297.71;
        new.stats.dated = Some(3);
        new.triads[0].score.insert("few_common_dates".into(), 0.0);
        new.triads[0].adviser = None;
        for (r, day) in
            new.triads[0]
                .reviews
                .iter_mut()
                .zip(["2026-11-02", "2026-11-09", "2026-11-16"])
        {
            r.start = Some(day.parse().unwrap());
            r.dates = vec![day.parse().unwrap()];
            r.unscheduled_reason = None;
        }
        let d = diff(&old, &new, &n);
        assert!(d.groups_unchanged());
        assert!(!d.nothing_for_people());
        assert_eq!(d.moved.len(), 3);
        assert_eq!(d.moved[0], "School 1: no date → Mon 2 Nov 2026");
        assert_eq!(
            d.advisers,
            vec!["School 1, School 2, School 3: Bea Cole (adviser) → no adviser"]
        );
        assert_eq!(
            d.score,
            vec![
                "Score 4697.71 → 1297.71 points (lower is better)",
                "dates heads share short of those wanted: 3400.00 → 0.00 points"
            ]
        );
        assert!(
            d.measures
                .iter()
                .any(|m| m.starts_with("Reviews dated: 0 of 3")),
            "{:?}",
            d.measures
        );
        let same = diff(&new, &new, &n);
        assert!(same.nothing_for_people() && same.score.is_empty() && same.people.is_empty());
    }
}
