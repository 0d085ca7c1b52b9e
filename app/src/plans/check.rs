//! What the SIM should know before publishing a plan version: what is
//! wrong or missing (reviews without dates, schools left out, availability
//! not returned, distances assumed, groups without an adviser, the advisers'
//! budget, a deadline not yet passed), who will be told what, and what the
//! plan is worth to people in km, gaps and dates rather than points.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use optimiser::model::{Adviser, Headteacher, School, Urn};
use optimiser::triads::plan::Plan;
use report::words;
use serde::Serialize;
use store::Db;

use super::{names, plan_or_404};
use crate::caller::SimYear;
use crate::error::AppResult;

/// Whether an item must be read before publishing or is for information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Information,
}

/// One item of the check panel: a heading sentence and its details.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckItem {
    pub severity: Severity,
    pub heading: String,
    pub details: Vec<String>,
}

impl CheckItem {
    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }
}

/// The check of a plan version before publishing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanCheck {
    pub version: i64,
    /// Warnings first, then information.
    pub items: Vec<CheckItem>,
    /// Who publishing tells what, in sentences.
    pub recipients: Vec<String>,
    /// What the plan is worth to people: (measure, in words).
    #[schema(value_type = Vec<Vec<String>>)]
    pub worth: Vec<(String, String)>,
}

impl PlanCheck {
    pub fn warnings(&self) -> impl Iterator<Item = &CheckItem> {
        self.items
            .iter()
            .filter(|i| i.severity == Severity::Warning)
    }
}

/// Names of schools, heads and advisers for sentences; an unknown one is
/// said by its reference rather than left blank.
#[derive(Debug, Default, Clone)]
pub struct PlanNames {
    pub schools: HashMap<Urn, String>,
    pub heads: HashMap<Urn, String>,
    pub advisers: HashMap<String, String>,
    /// The same names for the sentences `report::words` makes of reasons.
    pub words: words::Names,
}

impl PlanNames {
    pub fn new(schools: &[School], heads: &[Headteacher], advisers: &[Adviser]) -> Self {
        let schools: HashMap<Urn, String> =
            schools.iter().map(|s| (s.urn, s.name.clone())).collect();
        let advisers: HashMap<String, String> = advisers
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect();
        PlanNames {
            words: words::Names::new(schools.clone(), advisers.clone()),
            schools,
            heads: heads.iter().map(|h| (h.school, h.name.clone())).collect(),
            advisers,
        }
    }

    pub fn school(&self, u: Urn) -> String {
        self.schools
            .get(&u)
            .cloned()
            .unwrap_or_else(|| format!("the school with URN {u}"))
    }

    /// "Ann Lee (head, Oak Primary)", or the school's head where unnamed.
    pub fn head(&self, u: Urn) -> String {
        match self.heads.get(&u) {
            Some(h) => format!("{h} (head, {})", self.school(u)),
            None => format!("the head of {}", self.school(u)),
        }
    }

    pub fn adviser(&self, id: &str) -> String {
        match self.advisers.get(id) {
            Some(n) => format!("{n} (adviser)"),
            // A plan made before the adviser left the list.
            None => "an adviser no longer on this year's list".to_string(),
        }
    }
}

/// Everything the check reads, so that it is a pure function of it.
pub struct CheckInput<'a> {
    pub plan: &'a Plan,
    pub schools: &'a [School],
    pub names: &'a PlanNames,
    /// (returned, of) for heads and for advisers, where their input exists.
    pub heads_returned: Option<(usize, usize)>,
    pub advisers_returned: Option<(usize, usize)>,
    pub deadline: NaiveDate,
    pub today: NaiveDate,
}

/// The check panel of a plan version, from the year's current inputs.
pub async fn check(db: &Db, year: &SimYear, version: i64) -> AppResult<PlanCheck> {
    let pv = plan_or_404(db, year.year.id, version).await?;
    let n = names(db, year.year.id).await?;
    let plan_names = PlanNames::new(&n.schools, &n.heads, &n.advisers);
    let returns = crate::people::availability_status(db, year).await?;
    Ok(check_plan(
        version,
        &CheckInput {
            plan: &pv.plan,
            schools: &n.schools,
            names: &plan_names,
            heads_returned: returns.heads.map(|h| (h.submitted, h.of)),
            advisers_returned: returns.advisers.map(|a| (a.submitted, a.of)),
            deadline: year.year.deadline,
            today: store::years::today(),
        },
    ))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A reason a review has no date, grouped into what the SIM can act on.
/// The scheduler's reasons name people and numbers; here only their kind
/// counts.
fn reason_kind(r: &optimiser::triads::Review) -> &'static str {
    use optimiser::triads::Undated;
    match &r.undated {
        Some(Undated::AwaitingDates { .. }) => "a head of the group has offered no dates yet",
        Some(Undated::NoCommonDate { .. }) => "the people of the review have no free day in common",
        Some(Undated::DatesTaken { .. }) => {
            "every day their people share is taken by other reviews or the rules"
        }
        // Plans stored before reasons were kept as data.
        None => "another reason (see the group's reviews)",
    }
}

/// The check panel from its inputs; see [`check`].
pub fn check_plan(version: i64, input: &CheckInput) -> PlanCheck {
    let plan = input.plan;
    let names = input.names;
    let mut items = Vec::new();
    let reviews: Vec<_> = plan.triads.iter().flat_map(|t| &t.reviews).collect();
    let total = reviews.len();

    // Reviews not dated.
    match plan.stats.dated {
        None if total > 0 => items.push(CheckItem {
            severity: Severity::Warning,
            heading: format!(
                "None of the {} has a date: this plan was made without dating its reviews",
                plural(total, "review", "reviews")
            ),
            details: vec![
                "Heads would see their group but no dates. Run matching again once availability is in to date the reviews."
                    .into(),
            ],
        }),
        Some(dated) if dated < total => {
            let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
            for r in &reviews {
                if r.dates.is_empty() && r.start.is_none() {
                    *kinds.entry(reason_kind(r)).or_default() += 1;
                }
            }
            items.push(CheckItem {
                severity: Severity::Warning,
                heading: format!(
                    "{} of {} {} no date",
                    total - dated,
                    plural(total, "review", "reviews"),
                    if total - dated == 1 { "has" } else { "have" }
                ),
                details: kinds
                    .into_iter()
                    .map(|(k, n)| format!("{}: {k}", plural(n, "review", "reviews")))
                    .collect(),
            });
        }
        _ if total > 0 => items.push(CheckItem {
            severity: Severity::Information,
            heading: format!("Every one of the {} has a date", plural(total, "review", "reviews")),
            details: vec![],
        }),
        _ => {}
    }

    // Schools left out.
    if plan.unplaced.is_empty() {
        items.push(CheckItem {
            severity: Severity::Information,
            heading: "Every school is in a group".into(),
            details: vec![],
        });
    } else {
        items.push(CheckItem {
            severity: Severity::Warning,
            heading: format!(
                "{} left out of every group",
                plural(plan.unplaced.len(), "school is", "schools are")
            ),
            details: plan
                .unplaced
                .iter()
                .map(|u| {
                    format!(
                        "{}: {}",
                        names.school(u.urn),
                        words::unplaced(u, &names.words)
                    )
                })
                .collect(),
        });
    }

    // Availability returns.
    let mut returns = Vec::new();
    let mut all_in = true;
    for (who, r) in [
        ("heads", input.heads_returned),
        ("advisers", input.advisers_returned),
    ] {
        if let Some((done, of)) = r {
            all_in &= done >= of;
            returns.push(format!("{done} of {of} {who}"));
        }
    }
    if !returns.is_empty() {
        items.push(CheckItem {
            severity: if all_in {
                Severity::Information
            } else {
                Severity::Warning
            },
            heading: format!("Availability returned by {}", returns.join(" and ")),
            details: if all_in {
                vec![]
            } else {
                vec!["Reviews of people who have not given dates are grouped as if they were free, or left without a date.".into()]
            },
        });
    }

    // The deadline.
    if input.today <= input.deadline {
        items.push(CheckItem {
            severity: Severity::Warning,
            heading: format!(
                "The availability deadline has not passed: heads and advisers can change their dates until {}",
                words::date(input.deadline)
            ),
            details: vec![
                "Dates published now may no longer suit people who change theirs before the deadline.".into(),
            ],
        });
    } else {
        items.push(CheckItem {
            severity: Severity::Information,
            heading: format!(
                "The availability deadline passed on {}",
                words::date(input.deadline)
            ),
            details: vec![],
        });
    }

    // Distances assumed: a placed school without coordinates.
    let located: BTreeSet<Urn> = input
        .schools
        .iter()
        .filter(|s| s.location.is_some())
        .map(|s| s.urn)
        .collect();
    let known: BTreeSet<Urn> = input.schools.iter().map(|s| s.urn).collect();
    let unlocated: Vec<String> = plan
        .triads
        .iter()
        .flat_map(|t| &t.schools)
        .filter(|u| known.contains(u) && !located.contains(u))
        .map(|&u| names.school(u))
        .collect();
    if !unlocated.is_empty() {
        items.push(CheckItem {
            severity: Severity::Warning,
            heading: format!(
                "Distances are assumed for {} without a location",
                plural(unlocated.len(), "school", "schools")
            ),
            details: vec![format!(
                "{}: their travel is counted at the rules' assumed distance, not measured.",
                unlocated.join(", ")
            )],
        });
    }

    // Groups without an adviser.
    let unadvised: Vec<String> = plan
        .triads
        .iter()
        .filter(|t| t.adviser.is_none())
        .map(|t| {
            let schools: Vec<String> = t.schools.iter().map(|&u| names.school(u)).collect();
            match &t.adviser_reason {
                Some(why) => format!("{}: {why}", schools.join(", ")),
                None => schools.join(", "),
            }
        })
        .collect();
    if !unadvised.is_empty() {
        items.push(CheckItem {
            severity: Severity::Warning,
            heading: format!(
                "{} no adviser",
                plural(unadvised.len(), "group has", "groups have")
            ),
            details: unadvised,
        });
    } else if !plan.triads.is_empty() {
        items.push(CheckItem {
            severity: Severity::Information,
            heading: "Every group has an adviser".into(),
            details: vec![],
        });
    }

    // The advisers' budget.
    let c = &plan.cost;
    let days: u32 = c.advisers.iter().map(|a| a.days).sum();
    let over = c.budget > 0.0 && c.total > c.budget;
    items.push(CheckItem {
        severity: if over {
            Severity::Warning
        } else {
            Severity::Information
        },
        heading: if c.budget > 0.0 {
            format!(
                "Advisers cost {} of the {} budget{}",
                words::pounds(c.total),
                words::pounds(c.budget),
                if over { ": over budget" } else { "" }
            )
        } else {
            format!("Advisers cost {}", words::pounds(c.total))
        },
        details: vec![format!(
            "{} of advisers' time over {}",
            plural(days as usize, "day", "days"),
            plural(
                c.advisers.iter().filter(|a| a.days > 0).count(),
                "adviser",
                "advisers"
            )
        )],
    });

    items.sort_by_key(|i| i.severity == Severity::Information);
    PlanCheck {
        version,
        items,
        recipients: recipients(plan),
        worth: worth(plan),
    }
}

/// Who publishing tells what.
pub fn recipients(plan: &Plan) -> Vec<String> {
    let heads: usize = plan.triads.iter().map(|t| t.schools.len()).sum();
    let advisers: BTreeSet<&str> = plan
        .triads
        .iter()
        .filter_map(|t| t.adviser.as_deref())
        .collect();
    let dated = plan.stats.dated.unwrap_or(0) > 0;
    let what = if dated {
        "their groups, dates and roles"
    } else {
        "their groups and roles, without dates"
    };
    let mut out = vec![format!(
        "{} and {} will see {what}",
        plural(heads, "head", "heads"),
        plural(advisers.len(), "adviser", "advisers")
    )];
    if !plan.unplaced.is_empty() {
        out.push(format!(
            "{} whose school is left out will see that it is not in a group this year",
            plural(plan.unplaced.len(), "head", "heads")
        ));
    }
    out
}

/// What the plan is worth to people, measure by measure: km travelled,
/// gaps in size and context, dates shared, groups of four, left out.
pub fn worth(plan: &Plan) -> Vec<(String, String)> {
    let ts = &plan.triads;
    let mut out = Vec::new();
    if ts.is_empty() {
        return out;
    }
    let km: f64 = ts.iter().map(|t| t.metrics.travel_km).sum();
    out.push((
        "Travel".into(),
        format!(
            "visiting heads travel {km:.1} km in all, {:.1} km per group on average",
            km / ts.len() as f64
        ),
    ));
    let n = ts.len() as f64;
    let size_max = ts
        .iter()
        .map(|t| t.metrics.size_gap_pct)
        .fold(0.0, f64::max);
    let size_avg = ts.iter().map(|t| t.metrics.size_gap_pct).sum::<f64>() / n;
    out.push((
        "Size".into(),
        format!("schools of a group differ in size by {size_avg:.0} % on average, {size_max:.0} % at most"),
    ));
    let fsm_max = ts.iter().map(|t| t.metrics.fsm_gap_pts).fold(0.0, f64::max);
    let fsm_avg = ts.iter().map(|t| t.metrics.fsm_gap_pts).sum::<f64>() / n;
    out.push((
        "Context".into(),
        format!("free school meals differ by {fsm_avg:.1} points on average, {fsm_max:.1} at most"),
    ));
    let shared: Vec<u32> = ts
        .iter()
        .filter_map(|t| t.metrics.fewest_common_dates)
        .collect();
    if let Some(least) = shared.iter().min() {
        out.push((
            "Dates shared".into(),
            format!(
                "in {} the heads' offered dates are known; the two heads with the fewest in common share {}",
                plural(shared.len(), "group", "groups"),
                plural(*least as usize, "date", "dates")
            ),
        ));
    }
    let reviews: usize = ts.iter().map(|t| t.reviews.len()).sum();
    if let Some(d) = words::dated(&plan.stats, reviews) {
        out.push(("Reviews dated".into(), d));
    }
    let fours = ts.iter().filter(|t| t.schools.len() == 4).count();
    out.push((
        "Groups".into(),
        format!(
            "{} ({} of four); {} left out",
            ts.len(),
            fours,
            plural(plan.unplaced.len(), "school", "schools")
        ),
    ));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use optimiser::model::{Location, Phase, PhaseGroup};
    use optimiser::triads::plan::{
        AdviserLoad, CostLedger, GroupMetrics, Review, Stats, Triad, Unplaced,
    };

    pub fn school(urn: u32, name: &str, located: bool) -> School {
        School {
            urn: Urn(urn),
            name: name.into(),
            la_code: 883,
            la_name: "Thurrock".into(),
            phase: Phase::Primary,
            establishment_type: "Academy converter".into(),
            trust: None,
            location: located.then_some(Location {
                easting: 560_000.0,
                northing: 180_000.0,
            }),
            postcode: None,
            town: None,
            pupils: Some(200),
            fsm_percent: Some(20.0),
            ofsted: None,
            last_inspection: None,
            religious_character: None,
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub fn review(host: u32, lead: u32, on: Option<&str>, why: Option<&str>) -> Review {
        Review {
            host: Urn(host),
            lead: Urn(lead),
            reviewers: vec![Urn(lead)],
            days: 1,
            start: on.map(date),
            dates: on.map(date).into_iter().collect(),
            unscheduled_reason: why.map(str::to_string),
            undated: why.map(|_| optimiser::triads::Undated::AwaitingDates {
                heads: vec![Urn(900001)],
            }),
            adviser: None,
            adviser_absent: None,
            sequence: 0,
        }
    }

    /// A group of three in rotation order, dated where `on` gives dates.
    pub fn triad(id: &str, urns: [u32; 3], adviser: Option<&str>, on: [Option<&str>; 3]) -> Triad {
        Triad {
            id: id.into(),
            phase: PhaseGroup::Primary,
            schools: urns.iter().map(|&u| Urn(u)).collect(),
            adviser: adviser.map(str::to_string),
            adviser_reason: adviser
                .is_none()
                .then(|| "no adviser has days left".to_string()),
            reviews: (0..3)
                .map(|i| {
                    review(
                        urns[i],
                        urns[(i + 1) % 3],
                        on[i],
                        on[i]
                            .is_none()
                            .then_some("awaiting dates: 900001 offered no dates yet"),
                    )
                })
                .collect(),
            score: [("travel".to_string(), 10.0)].into_iter().collect(),
            metrics: GroupMetrics {
                travel_km: 12.0,
                size_gap_pct: 20.0,
                fsm_gap_pts: 4.0,
                ..Default::default()
            },
            flags: vec![],
            pinned: false,
            kept: false,
        }
    }

    pub fn plan(triads: Vec<Triad>, unplaced: Vec<u32>, dated: Option<usize>) -> Plan {
        Plan {
            year: 2026,
            triads,
            unplaced: unplaced
                .into_iter()
                .map(|u| Unplaced {
                    urn: Urn(u),
                    reason: "no other school of its phase within 20 km".into(),
                    why: None,
                })
                .collect(),
            ledger: vec![],
            cost: CostLedger {
                budget: 1000.0,
                total: 1500.0,
                advisers: vec![AdviserLoad {
                    id: "adv-1".into(),
                    groups: vec!["P1".into()],
                    days: 3,
                    capacity_days: 10,
                    day_rate: 500.0,
                    cost: 1500.0,
                    advised_last_year: vec![],
                }],
            },
            diagnosis: vec![],
            warnings: vec![],
            stats: Stats {
                dated,
                ..Default::default()
            },
        }
    }

    fn names() -> PlanNames {
        let schools: Vec<School> = (1..=7)
            .map(|i| school(i, &format!("School {i}"), i != 2))
            .collect();
        let heads = vec![Headteacher {
            school: Urn(1),
            name: "Ann Lee".into(),
            email: "ann@example.org".into(),
        }];
        PlanNames::new(&schools, &heads, &[adviser()])
    }

    /// The adviser `adv-1` of the tests' plans.
    pub(crate) fn adviser() -> Adviser {
        Adviser {
            id: "adv-1".into(),
            name: "Bea Cole".into(),
            kind: optimiser::model::AdviserKind::LaOfficer,
            phases: vec![PhaseGroup::Primary],
            capacity_days: 10,
            day_rate: 0.0,
            base: None,
            linked_school: None,
            linked_trust: None,
            email: None,
        }
    }

    fn input<'a>(
        plan: &'a Plan,
        schools: &'a [School],
        names: &'a PlanNames,
        today: &str,
    ) -> CheckInput<'a> {
        CheckInput {
            plan,
            schools,
            names,
            heads_returned: Some((3, 7)),
            advisers_returned: Some((1, 1)),
            deadline: date("2026-10-01"),
            today: date(today),
        }
    }

    #[test]
    fn an_undated_plan_before_the_deadline_warns_of_each_thing() {
        let p = plan(
            vec![
                triad("P1", [1, 2, 3], Some("adv-1"), [None, None, None]),
                triad(
                    "P2",
                    [4, 5, 6],
                    None,
                    [Some("2026-11-02"), None, Some("2026-11-09")],
                ),
            ],
            vec![7],
            Some(2),
        );
        let schools: Vec<School> = (1..=7)
            .map(|i| school(i, &format!("School {i}"), i != 2))
            .collect();
        let n = names();
        let c = check_plan(3, &input(&p, &schools, &n, "2026-09-20"));
        let warnings: Vec<&str> = c.warnings().map(|i| i.heading.as_str()).collect();
        assert!(
            warnings.contains(&"4 of 6 reviews have no date"),
            "{warnings:?}"
        );
        let undated = c
            .items
            .iter()
            .find(|i| i.heading.starts_with("4 of 6"))
            .unwrap();
        assert_eq!(
            undated.details,
            vec!["4 reviews: a head of the group has offered no dates yet"]
        );
        assert!(warnings.contains(&"1 school is left out of every group"));
        assert!(warnings.contains(&"Availability returned by 3 of 7 heads and 1 of 1 advisers"));
        assert!(warnings
            .iter()
            .any(|w| w.starts_with("The availability deadline has not passed")));
        assert!(warnings.contains(&"Distances are assumed for 1 school without a location"));
        assert!(c
            .items
            .iter()
            .any(|i| i.details.iter().any(|d| d.starts_with("School 2:"))));
        assert!(warnings.contains(&"1 group has no adviser"));
        assert!(warnings.contains(&"Advisers cost £1,500 of the £1,000 budget: over budget"));
        // Warnings come before information, and nothing here is information.
        assert!(c.items.iter().all(|i| i.severity == Severity::Warning));
        assert_eq!(
            c.recipients,
            vec![
                "6 heads and 1 adviser will see their groups, dates and roles",
                "1 head whose school is left out will see that it is not in a group this year"
            ]
        );
        assert!(c.worth[0]
            .1
            .starts_with("visiting heads travel 24.0 km in all"));
    }

    #[test]
    fn a_plan_never_dated_says_so_and_a_complete_one_only_informs() {
        let n = names();
        let schools: Vec<School> = (1..=7)
            .map(|i| school(i, &format!("School {i}"), true))
            .collect();
        let p = plan(
            vec![triad("P1", [1, 2, 3], Some("adv-1"), [None, None, None])],
            vec![],
            None,
        );
        let c = check_plan(1, &input(&p, &schools, &n, "2026-10-02"));
        assert!(c.items[0]
            .heading
            .starts_with("None of the 3 reviews has a date"));
        assert_eq!(
            c.recipients,
            vec!["3 heads and 1 adviser will see their groups and roles, without dates"]
        );

        let mut p = plan(
            vec![triad(
                "P1",
                [1, 3, 4],
                Some("adv-1"),
                [Some("2026-11-02"), Some("2026-11-09"), Some("2026-11-16")],
            )],
            vec![],
            Some(3),
        );
        p.cost.total = 900.0;
        let mut i = input(&p, &schools, &n, "2026-10-02");
        i.heads_returned = Some((7, 7));
        let c = check_plan(1, &i);
        assert_eq!(c.warnings().count(), 0, "{:?}", c.items);
        let headings: Vec<&str> = c.items.iter().map(|i| i.heading.as_str()).collect();
        assert!(headings.contains(&"Every one of the 3 reviews has a date"));
        assert!(headings.contains(&"Every school is in a group"));
        assert!(headings.contains(&"Every group has an adviser"));
        assert!(headings.contains(&"The availability deadline passed on Thu 1 Oct 2026"));
    }
}
