//! Spreadsheets of a plan as CSV text: what `peer-review plan --csv` and
//! `peer-review schedule --csv` write, produced in memory so that the
//! service can offer them as downloads and the command line writes the
//! same files; and the consultants' allocation as one CSV. Every file
//! starts with a UTF-8 byte-order mark, so that Excel reads accented
//! names as they are written.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use optimiser::allocate::Allocation;
use optimiser::model::{School, Urn};
use optimiser::triads::Plan;

/// The files `plan_csv` produces, in the order a listing shows them.
pub const PLAN_CSVS: [&str; 7] = [
    "groups.csv",
    "reviews.csv",
    "unplaced.csv",
    "ledger.csv",
    "advisers.csv",
    "score.csv",
    "schedule.csv",
];

/// One of `PLAN_CSVS` for the plan, or None for another name. `schools`
/// gives names; a school missing from it gets an empty name.
pub fn plan_csv(name: &str, plan: &Plan, schools: &[School]) -> Result<Option<String>> {
    let names = Names::new(schools);
    let text = match name {
        "groups.csv" => groups(plan, &names),
        "reviews.csv" => reviews(plan, &names),
        "unplaced.csv" => unplaced(plan, &names),
        "ledger.csv" => ledger(plan, &names),
        "advisers.csv" => advisers(plan),
        "score.csv" => score(plan),
        "schedule.csv" => schedule_csv(plan),
        _ => return Ok(None),
    }?;
    Ok(Some(text))
}

/// The byte-order mark every CSV starts with: without it Excel reads UTF-8
/// as the Windows code page, and "Thérèse" comes out garbled. Readers of
/// CSV (this project's among them) skip it.
pub const BOM: &str = "\u{feff}";

/// Rows as CSV text, the byte-order mark and the header first, every cell
/// through `cell`. Every CSV the product writes goes through here.
pub fn csv_text(header: &[&str], rows: Vec<Vec<String>>) -> Result<String> {
    let mut w = csv::Writer::from_writer(BOM.as_bytes().to_vec());
    w.write_record(header.iter().map(|h| cell(h).into_owned()))?;
    for r in rows {
        w.write_record(r.iter().map(|c| cell(c).into_owned()))?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(String::from_utf8(bytes)?)
}

/// The name of the allocation's CSV among the downloads.
pub const ALLOCATION_CSV: &str = "allocation.csv";

/// The consultants' allocation, one row per consultant, school and area:
/// who goes where, for what and for how many days, by name (the school's
/// URN in its own column), with the phase and need area in words.
pub fn allocation_csv(a: &Allocation) -> Result<String> {
    let people: HashMap<&str, _> = a.consultants.iter().map(|c| (c.id.as_str(), c)).collect();
    let schools: HashMap<Urn, _> = a.schools.iter().map(|s| (s.urn, s)).collect();
    csv_text(
        &[
            "consultant",
            "kind",
            "school",
            "urn",
            "phase",
            "area",
            "days",
        ],
        a.allocations
            .iter()
            .map(|l| {
                let c = people.get(l.consultant.as_str());
                let s = schools.get(&l.urn);
                vec![
                    c.map_or_else(|| l.consultant.clone(), |c| c.name.clone()),
                    c.map(|c| report::words::consultant_kind(c.kind))
                        .unwrap_or_default()
                        .to_string(),
                    s.map(|s| s.name.clone()).unwrap_or_default(),
                    l.urn.to_string(),
                    s.map(|s| report::words::phase(s.phase))
                        .unwrap_or_default()
                        .to_string(),
                    report::words::area(l.area),
                    l.days.to_string(),
                ]
            })
            .collect(),
    )
}

/// A cell a spreadsheet will show as text, never run as a formula (OWASP's
/// CSV injection advice): a cell that starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return gets a leading `'`. A school named `=HYPERLINK(...)`
/// comes from an import anyone could have edited, and councils open these
/// files in Excel. Numbers are left alone (`-3.50` is a number, not a
/// formula, and a quote would turn the column into text).
pub fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_number(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A plain decimal number as this module writes them (`-3`, `-0.25`).
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit())
}

struct Names<'a>(HashMap<Urn, &'a str>);

impl<'a> Names<'a> {
    fn new(schools: &'a [School]) -> Self {
        Names(schools.iter().map(|s| (s.urn, s.name.as_str())).collect())
    }
    fn of(&self, u: &Urn) -> String {
        self.0.get(u).map(|s| s.to_string()).unwrap_or_default()
    }
}

fn f(x: f64) -> String {
    format!("{x:.2}")
}

fn urns(v: &[Urn]) -> String {
    v.iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

/// One row per group: its schools in rotation order, adviser and score.
fn groups(plan: &Plan, names: &Names) -> Result<String> {
    csv_text(
        &[
            "group",
            "phase",
            "schools",
            "school names",
            "adviser",
            "score",
            "travel km",
            "max distance km",
            "size gap %",
            "FSM gap points",
            "flags",
        ],
        plan.triads
            .iter()
            .map(|t| {
                vec![
                    t.id.clone(),
                    t.phase.to_string(),
                    urns(&t.schools),
                    t.schools
                        .iter()
                        .map(|u| names.of(u))
                        .collect::<Vec<_>>()
                        .join("; "),
                    t.adviser.clone().unwrap_or_default(),
                    f(t.total_score()),
                    f(t.metrics.travel_km),
                    t.metrics
                        .max_distance_km
                        .map(f)
                        .unwrap_or_else(|| "unknown".into()),
                    f(t.metrics.size_gap_pct),
                    f(t.metrics.fsm_gap_pts),
                    t.flags.join("; "),
                ]
            })
            .collect(),
    )
}

/// One row per review: host, lead and second reviewer with names.
fn reviews(plan: &Plan, names: &Names) -> Result<String> {
    csv_text(
        &[
            "group",
            "host",
            "host name",
            "lead",
            "lead name",
            "second reviewer",
            "second reviewer name",
            "adviser",
            "days",
        ],
        plan.triads
            .iter()
            .flat_map(|t| {
                t.reviews.iter().map(move |r| {
                    let second = r.reviewers.get(1).copied();
                    vec![
                        t.id.clone(),
                        r.host.to_string(),
                        names.of(&r.host),
                        r.lead.to_string(),
                        names.of(&r.lead),
                        second.map(|u| u.to_string()).unwrap_or_default(),
                        second.map(|u| names.of(&u)).unwrap_or_default(),
                        t.adviser_at(r).unwrap_or_default().to_string(),
                        r.days.to_string(),
                    ]
                })
            })
            .collect(),
    )
}

/// Every school left out, with the reason in a sentence where the plan
/// keeps it as data (the optimiser's own words otherwise).
fn unplaced(plan: &Plan, names: &Names) -> Result<String> {
    let said = report::words::Names::new(
        names.0.iter().map(|(u, n)| (*u, n.to_string())),
        std::iter::empty(),
    );
    csv_text(
        &["urn", "name", "reason"],
        plan.unplaced
            .iter()
            .map(|u| {
                vec![
                    u.urn.to_string(),
                    names.of(&u.urn),
                    report::words::unplaced(u, &said),
                ]
            })
            .collect(),
    )
}

/// Reviewer-days given and received per placed school.
fn ledger(plan: &Plan, names: &Names) -> Result<String> {
    csv_text(
        &[
            "urn",
            "name",
            "reviewer days given",
            "reviewer days received",
            "leads",
        ],
        plan.ledger
            .iter()
            .map(|e| {
                vec![
                    e.urn.to_string(),
                    names.of(&e.urn),
                    e.days_given.to_string(),
                    e.days_received.to_string(),
                    e.leads.to_string(),
                ]
            })
            .collect(),
    )
}

/// Each adviser's groups, days and cost.
fn advisers(plan: &Plan) -> Result<String> {
    csv_text(
        &[
            "adviser",
            "groups",
            "days",
            "capacity days",
            "day rate",
            "cost",
        ],
        plan.cost
            .advisers
            .iter()
            .map(|a| {
                vec![
                    a.id.clone(),
                    a.groups.join(";"),
                    a.days.to_string(),
                    a.capacity_days.to_string(),
                    f(a.day_rate),
                    f(a.cost),
                ]
            })
            .collect(),
    )
}

/// The plan's points by named term, over every group.
fn score(plan: &Plan) -> Result<String> {
    let mut scores: BTreeMap<String, f64> = BTreeMap::new();
    for t in &plan.triads {
        for (k, v) in &t.score {
            *scores.entry(k.clone()).or_default() += v;
        }
    }
    csv_text(
        &["term", "points"],
        scores.into_iter().map(|(k, v)| vec![k, f(v)]).collect(),
    )
}

/// Every review with its dates or the reason it has none: the `reviews.csv`
/// of `peer-review schedule`.
pub fn schedule_csv(plan: &Plan) -> Result<String> {
    let list = |v: Vec<String>| v.join(";");
    csv_text(
        &[
            "group",
            "host",
            "lead",
            "reviewers",
            "adviser",
            "start",
            "dates",
            "days",
            "sequence",
            "unscheduled_reason",
        ],
        plan.triads
            .iter()
            .flat_map(|t| t.reviews.iter().map(move |r| (t, r)))
            .map(|(t, r)| {
                vec![
                    t.id.clone(),
                    r.host.to_string(),
                    r.lead.to_string(),
                    urns(&r.reviewers),
                    t.adviser.clone().unwrap_or_default(),
                    r.start.map(|d| d.to_string()).unwrap_or_default(),
                    list(r.dates.iter().map(|d| d.to_string()).collect()),
                    r.days.to_string(),
                    r.sequence.to_string(),
                    r.unscheduled_reason.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use optimiser::triads::plan::{CostLedger, Stats, Unplaced};

    fn empty_plan() -> Plan {
        Plan {
            year: 2026,
            triads: vec![],
            unplaced: vec![Unplaced {
                urn: Urn(900001),
                reason: "no partner, within 20 km".into(),
                why: None,
            }],
            ledger: vec![],
            cost: CostLedger::default(),
            diagnosis: vec![],
            warnings: vec![],
            stats: Stats::default(),
        }
    }

    #[test]
    fn every_listed_file_is_produced_and_quoted() {
        let plan = empty_plan();
        for name in PLAN_CSVS {
            let text = plan_csv(name, &plan, &[]).unwrap().unwrap();
            assert!(text.ends_with('\n'), "{name}");
        }
        assert!(plan_csv("other.csv", &plan, &[]).unwrap().is_none());
        let text = plan_csv("unplaced.csv", &plan, &[]).unwrap().unwrap();
        assert_eq!(
            text,
            "\u{feff}urn,name,reason\n900001,,\"no partner, within 20 km\"\n"
        );
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_written_as_text() {
        let names = [
            "=HYPERLINK(\"http://evil.example\",\"Open\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1",
            "\r=1",
            "Oak Primary",
            "-3.50",
            "12",
        ];
        let text = csv_text(
            &["name"],
            names.iter().map(|n| vec![n.to_string()]).collect(),
        )
        .unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let read: Vec<String> = r.records().map(|x| x.unwrap()[0].to_string()).collect();
        assert_eq!(
            read,
            [
                "'=HYPERLINK(\"http://evil.example\",\"Open\")",
                "'+1+cmd|' /C calc'!A0",
                "'-2+3",
                "'@SUM(A1:A9)",
                "'\t=1",
                "'\r=1",
                "Oak Primary",
                "-3.50",
                "12",
            ]
        );
    }

    #[test]
    fn school_names_in_every_plan_file_are_neutralised() {
        let mut plan = empty_plan();
        plan.ledger = vec![optimiser::triads::plan::LedgerEntry {
            urn: Urn(900001),
            days_given: 2,
            days_received: 2,
            leads: 1,
        }];
        let school: School = serde_json::from_value(serde_json::json!({
            "urn": "900001", "name": "=cmd|'/C calc'!A0", "la_code": 940, "la_name": "X",
            "phase": "Primary", "establishment_type": "Academy converter",
            "trust": null, "location": null, "postcode": null, "pupils": null,
            "fsm_percent": null, "ofsted": null, "last_inspection": null,
            "religious_character": null
        }))
        .unwrap();
        for name in ["unplaced.csv", "ledger.csv"] {
            let text = plan_csv(name, &plan, std::slice::from_ref(&school))
                .unwrap()
                .unwrap();
            assert!(text.contains("'=cmd"), "{name}: {text}");
            assert!(!text.contains(",=cmd"), "{name}: {text}");
        }
    }
}
