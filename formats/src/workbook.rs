//! One Excel workbook (.xlsx) of a plan: the groups, the reviews with their
//! dates and people, the schools left out with their reasons, the advisers
//! and their cost and, where there is one, the consultants' allocation.
//!
//! People and schools are named, never shown as ids: schools by name with
//! the URN in a column of its own, advisers and consultants by name, phases
//! and need areas in the report's words. Every text cell is written as text,
//! so a name starting with `=` is never run as a formula; dates are real
//! dates, each sheet's header row stays in view and prints on every page.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use optimiser::allocate::Allocation;
use optimiser::model::{Adviser, Headteacher, School, Urn};
use optimiser::triads::Plan;
use report::words;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

/// The sheets, in the order the workbook holds them; `Allocation` only
/// where an allocation is given.
pub const SHEETS: [&str; 5] = ["Groups", "Reviews", "Left out", "Advisers", "Allocation"];

/// Everything the workbook shows. Lists may be empty: a school, head or
/// adviser missing from them is shown as the plan knows it.
#[derive(Debug, Clone, Copy)]
pub struct PlanBook<'a> {
    pub plan: &'a Plan,
    pub schools: &'a [School],
    pub heads: &'a [Headteacher],
    pub advisers: &'a [Adviser],
    pub allocation: Option<&'a Allocation>,
}

/// The workbook's bytes.
pub fn plan_workbook(b: &PlanBook) -> Result<Vec<u8>> {
    let names = Names::new(b);
    let mut book = Workbook::new();
    let formats = Formats::new();
    groups(book.add_worksheet(), b, &names, &formats)?;
    reviews(book.add_worksheet(), b, &names, &formats)?;
    left_out(book.add_worksheet(), b, &names, &formats)?;
    advisers(book.add_worksheet(), b, &names, &formats)?;
    if let Some(a) = b.allocation {
        allocation(book.add_worksheet(), a, &names, &formats)?;
    }
    Ok(book.save_to_buffer()?)
}

struct Formats {
    header: Format,
    date: Format,
    decimal: Format,
    pounds: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("ddd d mmm yyyy"),
            decimal: Format::new().set_num_format("0.00"),
            pounds: Format::new().set_num_format("£#,##0"),
        }
    }
}

/// Names of schools, heads and advisers by their keys.
struct Names<'a> {
    schools: HashMap<Urn, &'a School>,
    heads: HashMap<Urn, &'a str>,
    advisers: HashMap<&'a str, &'a Adviser>,
    /// The allocation's own school names, for schools the list lacks.
    allocated: HashMap<Urn, &'a str>,
}

impl<'a> Names<'a> {
    /// The names as the shared reasons' words take them.
    fn said(&self) -> report::words::Names {
        report::words::Names::new(
            self.schools.iter().map(|(u, s)| (*u, s.name.clone())),
            self.advisers
                .iter()
                .map(|(id, a)| (id.to_string(), a.name.clone())),
        )
    }

    fn new(b: &PlanBook<'a>) -> Self {
        Names {
            schools: b.schools.iter().map(|s| (s.urn, s)).collect(),
            heads: b
                .heads
                .iter()
                .map(|h| (h.school, h.name.as_str()))
                .collect(),
            advisers: b.advisers.iter().map(|a| (a.id.as_str(), a)).collect(),
            allocated: b
                .allocation
                .map(|a| a.schools.iter().map(|s| (s.urn, s.name.as_str())).collect())
                .unwrap_or_default(),
        }
    }

    fn school(&self, u: Urn) -> String {
        match (self.schools.get(&u), self.allocated.get(&u)) {
            (Some(s), _) => s.name.clone(),
            (None, Some(n)) => n.to_string(),
            (None, None) => "(not in the list of schools)".to_string(),
        }
    }

    fn phase(&self, u: Urn) -> &'static str {
        self.schools
            .get(&u)
            .map(|s| words::phase(s.phase_group()))
            .unwrap_or("")
    }

    fn head(&self, u: Urn) -> String {
        self.heads
            .get(&u)
            .map(|n| n.to_string())
            .unwrap_or_default()
    }

    /// The adviser's name, or the plan's key where the list lacks them.
    fn adviser(&self, id: &str) -> String {
        self.advisers
            .get(id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    }
}

/// One sheet being written: the next row, and each column's widest text
/// so that the widths fit what they hold.
struct Sheet<'w> {
    ws: &'w mut Worksheet,
    row: u32,
    /// The last row the header's filter covers (a total row stays out).
    last_data_row: u32,
    widths: Vec<usize>,
}

/// A cell of a row.
enum Cell {
    Text(String),
    /// Bold text: the label of a total.
    Strong(String),
    Number(f64, Num),
    Date(Option<NaiveDate>),
}

/// How a number shows.
#[derive(Clone, Copy)]
enum Num {
    /// As it is: days, counts.
    Whole,
    /// Two decimals: points, kilometres.
    Decimal,
    /// Whole pounds with a thousands separator.
    Pounds,
}

use Cell::{Date, Number, Strong, Text};

fn text(s: impl Into<String>) -> Cell {
    Text(s.into())
}

impl<'w> Sheet<'w> {
    fn new(ws: &'w mut Worksheet, name: &str, header: &[&str], f: &Formats) -> Result<Self> {
        ws.set_name(name)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &f.header)?;
        }
        ws.set_freeze_panes(1, 0)?;
        ws.set_repeat_rows(0, 0)?;
        ws.set_landscape();
        Ok(Sheet {
            ws,
            row: 1,
            last_data_row: 0,
            widths: header.iter().map(|h| h.chars().count() + 2).collect(),
        })
    }

    /// Writes a row: text as text (never a formula), numbers and dates as
    /// numbers a spreadsheet can add up and sort.
    fn row(&mut self, cells: Vec<Cell>, f: &Formats) -> Result<()> {
        let mut total = false;
        for (c, cell) in cells.into_iter().enumerate() {
            let (r, col) = (self.row, c as u16);
            let shown = match cell {
                Text(s) => {
                    if !s.is_empty() {
                        self.ws.write_string(r, col, &s)?;
                    }
                    s.chars().count()
                }
                Strong(s) => {
                    total = true;
                    self.ws.write_string_with_format(r, col, &s, &f.header)?;
                    s.chars().count()
                }
                Number(x, how) => {
                    let format = match how {
                        Num::Whole => None,
                        Num::Decimal => Some(&f.decimal),
                        Num::Pounds => Some(&f.pounds),
                    };
                    match format {
                        Some(format) => self.ws.write_number_with_format(r, col, x, format)?,
                        None => self.ws.write_number(r, col, x)?,
                    };
                    format!("{x:.2}").len() + 2
                }
                Date(Some(d)) => {
                    let day = ExcelDateTime::from_ymd(
                        u16::try_from(d.year())?,
                        d.month() as u8,
                        d.day() as u8,
                    )?;
                    self.ws.write_date_with_format(r, col, &day, &f.date)?;
                    16
                }
                Date(None) => 0,
            };
            if let Some(w) = self.widths.get_mut(c) {
                *w = (*w).max(shown + 1);
            }
        }
        if !total {
            self.last_data_row = self.row;
        }
        self.row += 1;
        Ok(())
    }

    /// Column widths from what the columns hold, within reason; a filter on
    /// the header over the rows of data.
    fn finish(self) -> Result<()> {
        for (c, w) in self.widths.iter().enumerate() {
            self.ws
                .set_column_width(c as u16, (*w).clamp(8, 60) as f64)?;
        }
        let last_col = self.widths.len().saturating_sub(1) as u16;
        self.ws
            .autofilter(0, 0, self.last_data_row.max(1), last_col)?;
        Ok(())
    }
}

fn groups(ws: &mut Worksheet, b: &PlanBook, n: &Names, f: &Formats) -> Result<()> {
    let widest = b
        .plan
        .triads
        .iter()
        .map(|t| t.schools.len())
        .max()
        .unwrap_or(3)
        .max(3);
    let mut header: Vec<String> = vec!["Group".into(), "Phase".into()];
    for i in 1..=widest {
        header.push(format!("School {i}"));
        header.push(format!("URN {i}"));
    }
    header.extend(
        ["Adviser", "Score (points)", "Travel (km)", "Notes"]
            .iter()
            .map(|s| s.to_string()),
    );
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut s = Sheet::new(ws, SHEETS[0], &header, f)?;
    for t in &b.plan.triads {
        let mut cells = vec![text(words::group(&t.id)), text(words::phase(t.phase))];
        for i in 0..widest {
            match t.schools.get(i) {
                Some(u) => {
                    cells.push(text(n.school(*u)));
                    cells.push(text(u.to_string()));
                }
                None => cells.extend([text(""), text("")]),
            }
        }
        let mut notes = Vec::new();
        if t.pinned {
            notes.push("pinned by the SIM".to_string());
        }
        if t.kept {
            notes.push("kept from the previous plan".to_string());
        }
        if let (None, Some(why)) = (&t.adviser, &t.adviser_reason) {
            notes.push(format!("no adviser: {why}"));
        }
        notes.extend(t.flags.iter().map(|f| words::sentence(f.clone())));
        cells.extend([
            text(
                t.adviser
                    .as_deref()
                    .map(|a| n.adviser(a))
                    .unwrap_or_default(),
            ),
            Number(t.total_score(), Num::Decimal),
            Number(t.metrics.travel_km, Num::Decimal),
            text(notes.join("; ")),
        ]);
        s.row(cells, f)?;
    }
    s.finish()
}

fn reviews(ws: &mut Worksheet, b: &PlanBook, n: &Names, f: &Formats) -> Result<()> {
    let said = n.said();
    let mut s = Sheet::new(
        ws,
        SHEETS[1],
        &[
            "Group",
            "First day",
            "Last day",
            "Days",
            "Host school",
            "Host URN",
            "Host head",
            "Lead reviewer's school",
            "Lead reviewer's URN",
            "Lead reviewer",
            "Other reviewers' schools",
            "Other reviewers' URNs",
            "Other reviewers",
            "Adviser",
            "Not dated because",
        ],
        f,
    )?;
    for t in &b.plan.triads {
        for r in &t.reviews {
            let others: Vec<Urn> = r
                .reviewers
                .iter()
                .copied()
                .filter(|u| *u != r.lead)
                .collect();
            let list = |of: &dyn Fn(Urn) -> String| {
                others.iter().map(|u| of(*u)).collect::<Vec<_>>().join("; ")
            };
            let first = r.dates.first().copied().or(r.start);
            let last = r.dates.last().copied().or(r.start);
            s.row(
                vec![
                    text(words::group(&t.id)),
                    Date(first),
                    Date(last),
                    Number(f64::from(r.days), Num::Whole),
                    text(n.school(r.host)),
                    text(r.host.to_string()),
                    text(n.head(r.host)),
                    text(n.school(r.lead)),
                    text(r.lead.to_string()),
                    text(n.head(r.lead)),
                    text(list(&|u| n.school(u))),
                    text(list(&|u| u.to_string())),
                    text(list(&|u| n.head(u))),
                    text(
                        t.adviser
                            .as_deref()
                            .map(|a| n.adviser(a))
                            .unwrap_or_default(),
                    ),
                    text(report::words::review_undated(r, &said).unwrap_or_default()),
                ],
                f,
            )?;
        }
    }
    s.finish()
}

fn left_out(ws: &mut Worksheet, b: &PlanBook, n: &Names, f: &Formats) -> Result<()> {
    let said = n.said();
    let mut s = Sheet::new(ws, SHEETS[2], &["School", "URN", "Phase", "Why"], f)?;
    for u in &b.plan.unplaced {
        s.row(
            vec![
                text(n.school(u.urn)),
                text(u.urn.to_string()),
                text(n.phase(u.urn)),
                text(report::words::unplaced(u, &said)),
            ],
            f,
        )?;
    }
    s.finish()
}

fn advisers(ws: &mut Worksheet, b: &PlanBook, n: &Names, f: &Formats) -> Result<()> {
    let mut s = Sheet::new(
        ws,
        SHEETS[3],
        &[
            "Adviser",
            "Kind",
            "Groups",
            "Days",
            "Capacity (days)",
            "Day rate",
            "Cost",
        ],
        f,
    )?;
    let cost = &b.plan.cost;
    for a in &cost.advisers {
        s.row(
            vec![
                text(n.adviser(&a.id)),
                text(
                    n.advisers
                        .get(a.id.as_str())
                        .map(|x| words::adviser_kind(x.kind))
                        .unwrap_or(""),
                ),
                text(a.groups.join(", ")),
                Number(f64::from(a.days), Num::Whole),
                Number(f64::from(a.capacity_days), Num::Whole),
                Number(a.day_rate, Num::Pounds),
                Number(a.cost, Num::Pounds),
            ],
            f,
        )?;
    }
    let days: u32 = cost.advisers.iter().map(|a| a.days).sum();
    s.row(
        vec![
            Strong("Total".into()),
            text(""),
            text(format!("budget {}", words::pounds(cost.budget))),
            Number(f64::from(days), Num::Whole),
            text(""),
            text(""),
            Number(cost.total, Num::Pounds),
        ],
        f,
    )?;
    s.finish()
}

fn allocation(ws: &mut Worksheet, a: &Allocation, n: &Names, f: &Formats) -> Result<()> {
    let mut s = Sheet::new(
        ws,
        SHEETS[4],
        &[
            "Consultant",
            "Kind",
            "School",
            "URN",
            "Phase",
            "Area",
            "Days",
        ],
        f,
    )?;
    let people: HashMap<&str, _> = a.consultants.iter().map(|c| (c.id.as_str(), c)).collect();
    let phase: HashMap<Urn, _> = a.schools.iter().map(|s| (s.urn, s.phase)).collect();
    for l in &a.allocations {
        let c = people.get(l.consultant.as_str());
        s.row(
            vec![
                text(c.map_or_else(|| l.consultant.clone(), |c| c.name.clone())),
                text(c.map(|c| words::consultant_kind(c.kind)).unwrap_or("")),
                text(n.school(l.urn)),
                text(l.urn.to_string()),
                text(phase.get(&l.urn).map(|p| words::phase(*p)).unwrap_or("")),
                text(words::area(l.area)),
                Number(f64::from(l.days), Num::Whole),
            ],
            f,
        )?;
    }
    s.finish()
}

/// The sheets of the allocation's own workbook.
pub const ALLOCATION_SHEETS: [&str; 2] = ["By consultant", "By school"];

/// The consultants' allocation as its own workbook: one sheet by consultant
/// (which school, for what, how many days) and one by school in order of
/// need (entitled, given, who comes and the shortfall in a sentence), in
/// the same words as the SIM's page.
pub fn allocation_workbook(a: &Allocation) -> Result<Vec<u8>> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let mut s = Sheet::new(
        book.add_worksheet(),
        ALLOCATION_SHEETS[0],
        &["Consultant", "Kind", "School", "URN", "Area", "Days"],
        &f,
    )?;
    for c in report::allocation::by_consultant(a) {
        if c.visits.is_empty() {
            s.row(
                vec![
                    text(c.name.clone()),
                    text(c.kind),
                    text(format!("No school: {} days available", c.available)),
                ],
                &f,
            )?;
        }
        for v in &c.visits {
            s.row(
                vec![
                    text(c.name.clone()),
                    text(c.kind),
                    text(v.school.clone()),
                    text(v.urn.to_string()),
                    text(v.area.clone()),
                    Number(f64::from(v.days), Num::Whole),
                ],
                &f,
            )?;
        }
    }
    s.finish()?;
    let mut s = Sheet::new(
        book.add_worksheet(),
        ALLOCATION_SHEETS[1],
        &[
            "School",
            "URN",
            "Phase",
            "Tier",
            "Entitled days",
            "Days given",
            "Consultants",
            "Shortfall",
        ],
        &f,
    )?;
    for v in report::allocation::by_school(a) {
        s.row(
            vec![
                text(v.name),
                text(v.urn.to_string()),
                text(v.phase),
                Number(f64::from(v.tier), Num::Whole),
                Number(f64::from(v.entitled), Num::Whole),
                Number(f64::from(v.given), Num::Whole),
                text(v.consultants.join("; ")),
                text(v.shortfall),
            ],
            &f,
        )?;
    }
    s.finish()?;
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    use serde_json::json;
    use std::io::Cursor;

    fn schools() -> Vec<School> {
        let school = |urn: u32, name: &str| {
            json!({
                "urn": urn.to_string(), "name": name, "la_code": 940, "la_name": "Thamesmere",
                "phase": "Primary", "establishment_type": "Community school",
            })
        };
        serde_json::from_value(json!([
            school(900001, "=HYPERLINK(\"http://evil.example\",\"Open\")"),
            school(900002, "Mill Green Primary School"),
            school(900003, "École Sainte-Thérèse Primary"),
            school(900004, "Far Fields Primary"),
        ]))
        .unwrap()
    }

    fn plan() -> Plan {
        let urns = ["900001", "900002", "900003"];
        let reviews: Vec<_> = (0..3)
            .map(|i| {
                json!({
                    "host": urns[i], "lead": urns[(i + 1) % 3],
                    "reviewers": [urns[(i + 1) % 3], urns[(i + 2) % 3]], "days": 1,
                })
            })
            .collect();
        let mut plan = json!({
            "year": 2026,
            "triads": [{
                "id": "P01", "phase": "primary", "schools": urns, "adviser": "adv-01",
                "reviews": reviews, "score": {"travel_km": 12.5},
                "metrics": serde_json::to_value(optimiser::triads::plan::GroupMetrics::default()).unwrap(),
            }],
            "unplaced": [{"urn": "900004", "reason": "no partner within 20 km"}],
            "ledger": [],
            "cost": {"budget": 5000.0, "total": 900.0, "advisers": [{
                "id": "adv-01", "groups": ["P01"], "days": 2, "capacity_days": 10,
                "day_rate": 450.0, "cost": 900.0,
            }]},
            "diagnosis": [],
            "warnings": [],
            "stats": serde_json::to_value(optimiser::triads::plan::Stats::default()).unwrap(),
        });
        plan["triads"][0]["reviews"][0]["start"] = json!("2027-01-12");
        plan["triads"][0]["reviews"][0]["dates"] = json!(["2027-01-12"]);
        plan["triads"][0]["reviews"][1]["unscheduled_reason"] = json!("no common date");
        serde_json::from_value(plan).unwrap()
    }

    fn advisers() -> Vec<Adviser> {
        serde_json::from_value(json!([{
            "id": "adv-01", "name": "Amara O'Rowntree", "kind": "tic", "phases": ["primary"],
            "capacity_days": 10, "day_rate": 450.0,
        }]))
        .unwrap()
    }

    fn heads() -> Vec<Headteacher> {
        serde_json::from_value(json!([
            {"school": "900002", "name": "James Nwosu", "email": "j@example.org"},
        ]))
        .unwrap()
    }

    fn read(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).unwrap()
    }

    fn cell(range: &calamine::Range<Data>, row: usize, col: usize) -> Data {
        range.get((row, col)).cloned().unwrap_or(Data::Empty)
    }

    #[test]
    fn a_workbook_reads_back_with_names_dates_and_text() {
        let (plan, schools, advisers, heads) = (plan(), schools(), advisers(), heads());
        let bytes = plan_workbook(&PlanBook {
            plan: &plan,
            schools: &schools,
            heads: &heads,
            advisers: &advisers,
            allocation: None,
        })
        .unwrap();
        let mut book = read(bytes);
        assert_eq!(book.sheet_names(), SHEETS[..4].to_vec());

        let groups = book.worksheet_range("Groups").unwrap();
        assert_eq!(cell(&groups, 0, 0), Data::String("Group".into()));
        assert_eq!(cell(&groups, 1, 1), Data::String("Primary".into()));
        // A name that looks like a formula stays text: no formula, same words.
        assert_eq!(
            cell(&groups, 1, 2),
            Data::String("=HYPERLINK(\"http://evil.example\",\"Open\")".into())
        );
        let formulas = book.worksheet_formula("Groups").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        assert_eq!(cell(&groups, 1, 3), Data::String("900001".into()));
        assert_eq!(
            cell(&groups, 1, 6),
            Data::String("École Sainte-Thérèse Primary".into())
        );
        assert_eq!(
            cell(&groups, 1, 8),
            Data::String("Amara O'Rowntree".into()),
            "the adviser by name"
        );

        let reviews = book.worksheet_range("Reviews").unwrap();
        assert_eq!(cell(&reviews, 0, 1), Data::String("First day".into()));
        match cell(&reviews, 1, 1) {
            Data::DateTime(d) => {
                assert!(d.is_datetime());
                // 12 January 2027 is Excel's day 46399.
                assert_eq!(d.as_f64(), 46399.0);
            }
            other => panic!("a date cell, not {other:?}"),
        }
        assert_eq!(cell(&reviews, 1, 9), Data::String("James Nwosu".into()));
        assert_eq!(cell(&reviews, 2, 2), Data::Empty, "an undated review");
        assert_eq!(cell(&reviews, 2, 14), Data::String("no common date".into()));

        let left = book.worksheet_range("Left out").unwrap();
        assert_eq!(cell(&left, 1, 0), Data::String("Far Fields Primary".into()));
        assert_eq!(cell(&left, 1, 2), Data::String("Primary".into()));

        let advisers = book.worksheet_range("Advisers").unwrap();
        assert_eq!(
            cell(&advisers, 1, 0),
            Data::String("Amara O'Rowntree".into())
        );
        assert_eq!(cell(&advisers, 1, 1), Data::String("TIC".into()));
        assert_eq!(cell(&advisers, 1, 6), Data::Float(900.0));
        assert_eq!(cell(&advisers, 2, 0), Data::String("Total".into()));
    }

    #[test]
    fn the_allocation_sheet_names_consultants_schools_and_areas() {
        let plan = plan();
        let allocation = report::fixture::allocation(json!({
            "allocations": [
                {"urn": "900002", "consultant": "con-01", "area": "english_phonics", "days": 5}
            ],
            "schools": [{
                "urn": "900002", "name": "Mill Green Primary School", "phase": "primary",
                "tier": 2, "tier_source": "ofsted", "entitlement": 15, "allocated": 5,
                "consultants": 1, "areas": [], "shortfalls": []
            }],
            "consultants": [{
                "id": "con-01", "name": "Victor O'Rahman", "kind": "sle", "available": 40,
                "allocated": 5, "schools": 1, "cost": 2250.0, "travel_km": 12.0
            }],
            "cost": {"total": 2250.0, "budget": null, "days": 5, "by_kind": {}, "by_tier": {}},
        }));
        let bytes = plan_workbook(&PlanBook {
            plan: &plan,
            schools: &[],
            heads: &[],
            advisers: &[],
            allocation: Some(&allocation),
        })
        .unwrap();
        let mut book = read(bytes);
        assert_eq!(book.sheet_names(), SHEETS.to_vec());
        let a = book.worksheet_range("Allocation").unwrap();
        let row: Vec<Data> = (0..7).map(|c| cell(&a, 1, c)).collect();
        assert_eq!(
            row,
            [
                Data::String("Victor O'Rahman".into()),
                Data::String("SLE".into()),
                Data::String("Mill Green Primary School".into()),
                Data::String("900002".into()),
                Data::String("Primary".into()),
                Data::String("English and phonics".into()),
                Data::Float(5.0),
            ]
        );

        // The allocation's own workbook: by consultant and by school.
        let mut own = read(allocation_workbook(&allocation).unwrap());
        assert_eq!(own.sheet_names(), ALLOCATION_SHEETS.to_vec());
        let c = own.worksheet_range("By consultant").unwrap();
        assert_eq!(
            cell(&c, 1, 2),
            Data::String("Mill Green Primary School".into())
        );
        assert_eq!(cell(&c, 1, 5), Data::Float(5.0));
        let s = own.worksheet_range("By school").unwrap();
        assert_eq!(
            cell(&s, 1, 6),
            Data::String("Victor O'Rahman: English and phonics, 5 days".into())
        );
        assert_eq!(cell(&s, 1, 7), Data::String("10 days short.".into()));
    }
}
