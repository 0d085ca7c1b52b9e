//! The year's report as one HTML file: headline figures, the map, groups,
//! reviews, schools left out, advisers and, where there is one, the
//! consultants' allocation. Inline CSS, no script, no external resource, so
//! it opens offline, reads on a phone (tables become cards) and prints.
//!
//! The template (`templates/report/report.html`) is askama's, which escapes
//! every value; this module turns the optimiser's results into rows of
//! ready-made text so that the template only lays them out.

use std::collections::HashMap;

use askama::Template;
use chrono::NaiveDate;
use optimiser::allocate::Allocation;
use optimiser::model::{Adviser, School, Urn};
use optimiser::schedule::{review_heads, Availability, Level, Person};
use optimiser::triads::Plan;

use super::{map, words};

/// Everything the report shows. Only `plan` and `schools` are required to
/// say something useful; the rest adds sections.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The heading: "Thamesmere peer review 2026-27".
    pub title: &'a str,
    /// The plan, dated where it was scheduled.
    pub plan: &'a Plan,
    /// Share of the dated reviews' person-days on dates the person
    /// preferred ([`preferred_share`] computes it from availability).
    pub preferred_share: Option<f64>,
    /// Names, phases and coordinates of the plan's schools.
    pub schools: &'a [School],
    /// Names and kinds of the advisers.
    pub advisers: &'a [Adviser],
    pub allocation: Option<&'a Allocation>,
}

/// The report's heading: "Thamesmere peer review 2026-27", naming every
/// local authority of the schools ("Thamesmere and Riverford ...").
pub fn title(schools: &[School], year: &str) -> String {
    let mut names: Vec<&str> = schools.iter().map(|s| s.la_name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let who = match names.as_slice() {
        [] => "The authority's".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    format!("{who} peer review {year}")
}

/// Renders the report. Deterministic: the same input gives the same bytes.
pub fn report_html(r: &Report) -> askama::Result<String> {
    Page::new(r).render()
}

/// Of the person-days of dated reviews (host, visiting heads and the
/// group's adviser, each day), the share on a date the person marked
/// preferred: the scheduler's `preferred_share`, recomputed from a stored
/// plan and the availability it was dated from. None where nothing is dated.
pub fn preferred_share(plan: &Plan, availability: &Availability) -> Option<f64> {
    let (mut preferred, mut all) = (0usize, 0usize);
    for t in &plan.triads {
        for r in &t.reviews {
            let mut people: Vec<Person> = review_heads(r.host, &r.reviewers)
                .into_iter()
                .map(Person::Head)
                .collect();
            people.extend(t.adviser_at(r).map(|a| Person::Adviser(a.to_string())));
            for d in &r.dates {
                for p in &people {
                    all += 1;
                    preferred += usize::from(availability.level(p, *d) == Some(Level::Preferred));
                }
            }
        }
    }
    (all > 0).then(|| preferred as f64 / all as f64)
}

struct Stat {
    label: &'static str,
    value: String,
    note: String,
}

fn stat(label: &'static str, value: impl ToString, note: impl ToString) -> Stat {
    Stat {
        label,
        value: value.to_string(),
        note: note.to_string(),
    }
}

struct SchoolRef {
    name: String,
    urn: String,
}

struct GroupRow {
    id: String,
    /// "Group 12".
    label: String,
    phase: &'static str,
    colour: &'static str,
    schools: Vec<SchoolRef>,
    adviser: String,
    adviser_note: String,
    score: String,
    terms: Vec<(String, String)>,
    notes: Vec<String>,
}

struct ReviewRow {
    /// The dates, or empty where the review is not dated.
    when: Vec<String>,
    reason: String,
    group: String,
    host: SchoolRef,
    lead: SchoolRef,
    others: Vec<SchoolRef>,
    adviser: String,
}

struct UnplacedRow {
    school: SchoolRef,
    phase: String,
    reason: String,
}

struct AdviserRow {
    name: String,
    kind: String,
    groups: String,
    days: u32,
    capacity: u32,
    rate: String,
    cost: String,
}

struct TierRow {
    tier: String,
    schools: u32,
    with_need: u32,
    demand: u64,
    allocated: u64,
    coverage: String,
    unserved: u32,
}

struct LineRow {
    consultant: String,
    kind: String,
    school: SchoolRef,
    area: String,
    days: u32,
}

struct ShortRow {
    school: SchoolRef,
    tier: u8,
    area: String,
    days: u32,
    reasons: Vec<String>,
}

struct AllocationView {
    stats: Vec<Stat>,
    tiers: Vec<TierRow>,
    lines: Vec<LineRow>,
    shortfalls: Vec<ShortRow>,
}

#[derive(Template)]
#[template(path = "report/report.html")]
struct Page {
    title: String,
    stats: Vec<Stat>,
    map: String,
    groups: Vec<GroupRow>,
    reviews: Vec<ReviewRow>,
    dated: usize,
    unplaced: Vec<UnplacedRow>,
    diagnosis: Vec<String>,
    warnings: Vec<String>,
    advisers: Vec<AdviserRow>,
    adviser_cost: String,
    allocation: Option<AllocationView>,
}

impl Page {
    fn new(r: &Report) -> Page {
        let names = Names::new(r.schools);
        // People by name; the plan's key only where the list lacks them.
        let adviser = |id: &str| {
            r.advisers.iter().find(|a| a.id == id).map_or_else(
                || "an adviser no longer on this year's list".to_string(),
                |a| a.name.clone(),
            )
        };
        let plan = r.plan;
        let said = words::Names::new(
            r.schools.iter().map(|s| (s.urn, s.name.clone())),
            r.advisers.iter().map(|a| (a.id.clone(), a.name.clone())),
        );
        let groups = plan
            .triads
            .iter()
            .map(|t| GroupRow {
                id: t.id.clone(),
                label: words::group(&t.id),
                phase: words::phase(t.phase),
                colour: map::phase_colour(t.phase),
                schools: t.schools.iter().map(|u| names.get(*u)).collect(),
                adviser: t.adviser.as_deref().map(&adviser).unwrap_or_default(),
                adviser_note: match (&t.adviser, &t.adviser_reason) {
                    (None, Some(why)) => why.clone(),
                    (None, None) => "no adviser".to_string(),
                    _ => String::new(),
                },
                score: words::points(t.total_score()),
                terms: t
                    .score
                    .iter()
                    .map(|(k, v)| (words::score_term(k), words::points(*v)))
                    .collect(),
                notes: t
                    .pinned
                    .then(|| "pinned by the SIM".to_string())
                    .into_iter()
                    .chain(t.kept.then(|| "kept from the previous plan".to_string()))
                    .chain(t.flags.iter().map(|f| words::sentence(f.clone())))
                    .collect(),
            })
            .collect();
        let mut reviews: Vec<(Option<NaiveDate>, ReviewRow)> = plan
            .triads
            .iter()
            .flat_map(|t| t.reviews.iter().map(move |v| (t, v)))
            .map(|(t, v)| {
                let row = ReviewRow {
                    when: v.dates.iter().map(|d| words::date(*d)).collect(),
                    reason: words::review_undated(v, &said).unwrap_or_default(),
                    group: t.id.clone(),
                    host: names.get(v.host),
                    lead: names.get(v.lead),
                    others: v
                        .reviewers
                        .iter()
                        .filter(|u| **u != v.lead)
                        .map(|u| names.get(*u))
                        .collect(),
                    adviser: t.adviser.as_deref().map(&adviser).unwrap_or_default(),
                };
                (v.start.or_else(|| v.dates.first().copied()), row)
            })
            .collect();
        // Dated reviews in date order, then the undated in plan order.
        reviews.sort_by_key(|(d, _)| (d.is_none(), *d));
        let dated = reviews.iter().filter(|(d, _)| d.is_some()).count();
        let unplaced = plan
            .unplaced
            .iter()
            .map(|u| UnplacedRow {
                school: names.get(u.urn),
                phase: names.phase(u.urn),
                reason: words::unplaced(u, &said),
            })
            .collect();
        let advisers = plan
            .cost
            .advisers
            .iter()
            .map(|a| {
                let known = r.advisers.iter().find(|x| x.id == a.id);
                AdviserRow {
                    name: known.map_or_else(|| a.id.clone(), |x| x.name.clone()),
                    kind: known
                        .map(|x| words::adviser_kind(x.kind).to_string())
                        .unwrap_or_default(),
                    groups: a.groups.join(", "),
                    days: a.days,
                    capacity: a.capacity_days,
                    rate: words::pounds(a.day_rate),
                    cost: words::pounds(a.cost),
                }
            })
            .collect();
        Page {
            title: r.title.to_string(),
            stats: headline(r, dated),
            map: map::map_figure(plan, r.schools),
            groups,
            reviews: reviews.into_iter().map(|(_, row)| row).collect(),
            dated,
            unplaced,
            diagnosis: plan.diagnosis.clone(),
            warnings: plan.warnings.clone(),
            advisers,
            adviser_cost: format!(
                "{} of a {} budget",
                words::pounds(plan.cost.total),
                words::pounds(plan.cost.budget)
            ),
            allocation: r.allocation.map(|a| allocation(a, &names)),
        }
    }
}

/// School names by URN; a school missing from the list shows its URN alone.
struct Names<'a> {
    by_urn: HashMap<Urn, &'a School>,
}

impl<'a> Names<'a> {
    fn new(schools: &'a [School]) -> Self {
        Names {
            by_urn: schools.iter().map(|s| (s.urn, s)).collect(),
        }
    }

    fn get(&self, urn: Urn) -> SchoolRef {
        SchoolRef {
            name: self.by_urn.get(&urn).map_or_else(
                || "(not in the list of schools)".to_string(),
                |s| s.name.clone(),
            ),
            urn: urn.to_string(),
        }
    }

    fn phase(&self, urn: Urn) -> String {
        self.by_urn
            .get(&urn)
            .map(|s| words::phase(s.phase_group()).to_string())
            .unwrap_or_default()
    }
}

fn headline(r: &Report, dated: usize) -> Vec<Stat> {
    let s = &r.plan.stats;
    let reviews: usize = r.plan.triads.iter().map(|t| t.reviews.len()).sum();
    let without = r.plan.triads.iter().filter(|t| t.adviser.is_none()).count();
    let mut out = vec![
        stat("Schools", s.schools, ""),
        stat(
            "Groups",
            s.groups,
            match s.groups_of_four {
                0 => "all of three".to_string(),
                1 => "1 of four".to_string(),
                n => format!("{n} of four"),
            },
        ),
        stat("Placed", s.placed, ""),
        stat("Left out", r.plan.unplaced.len(), "reasons below"),
        stat(
            "Objective",
            words::points(s.objective),
            "points; lower is better",
        ),
        stat(
            "Lower bound",
            words::points(s.lower_bound),
            "no plan under these rules scores less",
        ),
        stat(
            "Gap",
            words::percent(s.gap),
            format!(
                "{} of {} parts proven optimal",
                s.components_proven_optimal, s.components
            ),
        ),
        stat("Time", format!("{:.2} s", s.seconds), "to form the groups"),
    ];
    if dated > 0 {
        let note = match r.preferred_share {
            Some(x) => format!("{} of person-days on preferred dates", words::percent(x)),
            None => String::new(),
        };
        out.push(stat("Reviews dated", format!("{dated} of {reviews}"), note));
    }
    if let Some(b) = s.dated_bound {
        // The bound on dated reviews, and the gap to it, in plain words.
        out.push(stat(
            "Most datable",
            b,
            words::dated(s, reviews).unwrap_or_else(|| {
                "no plan under these rules and dates can date more reviews".into()
            }),
        ));
    }
    for line in &s.relaxations {
        out.push(stat("Relaxing one rule", "", line.clone()));
    }
    out.push(stat(
        "Adviser cost",
        words::pounds(r.plan.cost.total),
        match without {
            0 => "every group has an adviser".to_string(),
            1 => "1 group without an adviser".to_string(),
            n => format!("{n} groups without an adviser"),
        },
    ));
    out
}

fn allocation(a: &Allocation, names: &Names) -> AllocationView {
    let people: HashMap<&str, _> = a.consultants.iter().map(|c| (c.id.as_str(), c)).collect();
    let school = |urn: Urn| {
        let mut s = names.get(urn);
        // The allocation carries its own names; use them where the list has none.
        if !names.by_urn.contains_key(&urn) {
            if let Some(x) = a.schools.iter().find(|x| x.urn == urn) {
                s.name = x.name.clone();
            }
        }
        s
    };
    let stats = vec![
        stat(
            "Days given",
            a.cost.days,
            format!("{} lines", a.allocations.len()),
        ),
        stat(
            "Cost",
            words::pounds(a.cost.total),
            match a.cost.budget {
                Some(b) => format!("of a {} budget", words::pounds(b)),
                None => "no budget set".to_string(),
            },
        ),
        stat(
            "Gap",
            words::percent(a.stats.gap),
            if a.stats.time_limited {
                "stopped by the time limit"
            } else if a.stats.optimal {
                "proven optimal"
            } else {
                ""
            },
        ),
        stat(
            "Schools short",
            a.schools
                .iter()
                .filter(|s| !s.shortfalls.is_empty())
                .count(),
            "of days they are entitled to",
        ),
    ];
    let tiers = a
        .stats
        .coverage_by_tier
        .iter()
        .map(|(tier, t)| TierRow {
            tier: tier.clone(),
            schools: t.schools,
            with_need: t.with_need,
            demand: t.demand,
            allocated: t.allocated,
            coverage: if t.demand > 0 {
                words::percent(t.allocated as f64 / t.demand as f64)
            } else {
                "nothing asked".to_string()
            },
            unserved: t.unserved,
        })
        .collect();
    let lines = a
        .allocations
        .iter()
        .map(|l| {
            let c = people.get(l.consultant.as_str());
            LineRow {
                consultant: c.map_or_else(|| l.consultant.clone(), |c| c.name.clone()),
                kind: c
                    .map(|c| words::consultant_kind(c.kind).to_string())
                    .unwrap_or_default(),
                school: school(l.urn),
                area: words::area(l.area),
                days: l.days,
            }
        })
        .collect();
    let shortfalls = a
        .schools
        .iter()
        .flat_map(|s| s.shortfalls.iter().map(move |f| (s, f)))
        .map(|(s, f)| ShortRow {
            school: school(s.urn),
            tier: s.tier,
            area: f.area.map_or_else(|| "all areas".to_string(), words::area),
            days: f.days,
            reasons: f.reasons.iter().map(|x| x.to_string()).collect(),
        })
        .collect();
    AllocationView {
        stats,
        tiers,
        lines,
        shortfalls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    fn render(plan: &Plan, schools: &[School]) -> String {
        report_html(&Report {
            title: "Thamesmere peer review 2026-27",
            plan,
            preferred_share: Some(0.4),
            schools,
            advisers: &fixture::advisers(),
            allocation: None,
        })
        .unwrap()
    }

    #[test]
    fn holds_every_group_every_reason_and_the_map() {
        let (plan, schools) = fixture::plan();
        let html = render(&plan, &schools);
        assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
        for t in &plan.triads {
            assert!(html.contains(&format!("id=\"group-{}\"", t.id)), "{}", t.id);
        }
        for u in &plan.unplaced {
            assert!(html.contains(&crate::escape(&u.reason)), "{}", u.reason);
        }
        assert!(html.contains("<svg "));
        assert!(html.contains("Amara O&#39;Rowntree"));
        assert!(!html.contains("(adv-01)"), "advisers by name, not by key");
        assert!(html.contains("no adviser for secondary schools has days left"));
        assert!(html.contains("special schools: 1 school has no partner within 20 km"));
        assert!(html.contains("distance unknown, assumed 10 km"));
    }

    #[test]
    fn escapes_every_text_and_loads_nothing() {
        let (plan, schools) = fixture::plan();
        let html = render(&plan, &schools);
        assert!(html.contains("St Mary&#39;s &#38; St John&#39;s CofE Primary"));
        assert!(!html.contains("St Mary's"));
        assert!(!html.contains("<no partner>"));
        assert!(html.contains("900003 &#38; adviser adv-01 share no date"));
        for external in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
            assert!(!html.contains(external), "{external}");
        }
    }

    #[test]
    fn reviews_are_in_date_order_with_the_undated_last() {
        let (plan, schools) = fixture::plan();
        let html = render(&plan, &schools);
        let nov = html.find("Tue 3 Nov 2026").unwrap();
        let jan = html.find("Tue 12 Jan 2027").unwrap();
        let undated = html.find("share no date").unwrap();
        assert!(nov < jan && jan < undated);
        assert!(
            html.contains("Wed 13 Jan 2027"),
            "both days of a two-day review"
        );
        assert!(html.contains("2 of 10"), "reviews dated of all");
        assert!(html.contains("40.0 % of person-days on preferred dates"));
    }

    #[test]
    fn the_preferred_share_counts_every_person_day() {
        let (plan, _) = fixture::plan();
        let mut a = Availability::default();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // P01's first review: 900001 hosts, 900002 leads, 900003 second,
        // adviser adv-01, two days: 8 person-days; the second review 4 more.
        a.insert(Person::Head(Urn(900001)), d("2027-01-12"), Level::Preferred);
        a.insert(
            Person::Adviser("adv-01".into()),
            d("2027-01-13"),
            Level::Preferred,
        );
        a.insert(Person::Head(Urn(900002)), d("2027-01-13"), Level::Possible);
        let share = preferred_share(&plan, &a).unwrap();
        assert!((share - 2.0 / 12.0).abs() < 1e-9, "{share}");
        let mut undated = plan.clone();
        undated
            .triads
            .iter_mut()
            .flat_map(|t| t.reviews.iter_mut())
            .for_each(|r| r.dates.clear());
        assert_eq!(preferred_share(&undated, &a), None);
    }

    #[test]
    fn shows_the_allocation_when_given() {
        let (plan, schools) = fixture::plan();
        let allocation = fixture::allocation(serde_json::json!({
            "allocations": [
                {"urn": "900002", "consultant": "con-01", "area": "maths", "days": 5}
            ],
            "schools": [{
                "urn": "900002", "name": "Mill Green Primary School", "phase": "primary",
                "tier": 2, "tier_source": "ofsted", "entitlement": 15, "allocated": 5,
                "consultants": 1, "areas": [],
                "shortfalls": [{"area": "send", "days": 10, "reasons": [
                    {"kind": "no_specialist", "area": "send", "phase": "primary"}
                ]}]
            }],
            "consultants": [{
                "id": "con-01", "name": "Victor O'Rahman", "kind": "tic", "available": 40,
                "allocated": 5, "schools": 1, "cost": 2250.0, "travel_km": 12.0
            }],
            "cost": {"total": 2250.0, "budget": null, "days": 5, "by_kind": {}, "by_tier": {}},
            "stats": {
                "coverage_by_tier": {"2": {"schools": 1, "entitlement": 15, "with_need": 1,
                    "demand": 15, "allocated": 5, "unserved": 0, "min_ratio": 0.33}}
            },
        }));
        let with = report_html(&Report {
            title: "t",
            plan: &plan,
            preferred_share: None,
            schools: &schools,
            advisers: &[],
            allocation: Some(&allocation),
        })
        .unwrap();
        assert!(with.contains("Victor O&#39;Rahman"));
        assert!(!with.contains("con-01"), "consultants by name, not by key");
        assert!(with.contains("no consultant has the specialism send for primary schools"));
        assert!(with.contains("33.3 %"), "coverage of tier 2");
        assert!(!render(&plan, &schools).contains("id=\"consultants\""));
    }
}
