//! A small plan for the report's tests: a group of three with an awkward
//! name, a group of four, a secondary group with a school off the map, one
//! school left out on the map and one unknown to the list of schools; and
//! small allocations of consultants' days. Built from JSON so that fields
//! the optimiser adds later with defaults do not break them.

use optimiser::allocate::{Allocation, AllocationRules};
use optimiser::model::{Adviser, School};
use optimiser::triads::plan::{CostLedger, GroupMetrics, Plan, Stats};
use serde_json::{json, Value};

fn school(urn: u32, name: &str, phase: &str, at: Option<(f64, f64)>) -> Value {
    json!({
        "urn": urn.to_string(),
        "name": name,
        "la_code": 940,
        "la_name": "Thamesmere",
        "phase": phase,
        "establishment_type": "Community school",
        "location": at.map(|(e, n)| json!({"easting": e, "northing": n})),
    })
}

fn group(id: &str, phase: &str, urns: &[u32], adviser: Option<&str>) -> Value {
    let n = urns.len();
    let reviews: Vec<Value> = (0..n)
        .map(|i| {
            let lead = urns[(i + 1) % n];
            let second = urns[(i + 2) % n];
            json!({
                "host": urns[i].to_string(),
                "lead": lead.to_string(),
                "reviewers": [lead.to_string(), second.to_string()],
                "days": 1,
            })
        })
        .collect();
    json!({
        "id": id,
        "phase": phase,
        "schools": urns.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
        "adviser": adviser,
        "reviews": reviews,
        "score": {"travel_km": 12.5, "size_gap_pct": 1.25},
        "metrics": serde_json::to_value(GroupMetrics::default()).unwrap(),
    })
}

pub fn plan() -> (Plan, Vec<School>) {
    let schools: Vec<School> = serde_json::from_value(json!([
        school(
            900001,
            "St Mary's & St John's CofE Primary",
            "Primary",
            Some((560000.0, 180000.0))
        ),
        school(
            900002,
            "Mill Green Primary School",
            "Primary",
            Some((562000.0, 181000.0))
        ),
        school(
            900003,
            "Pond Lane Primary School",
            "Primary",
            Some((561000.0, 183000.0))
        ),
        school(
            900004,
            "Whitethorn Academy",
            "Primary",
            Some((570000.0, 175000.0))
        ),
        school(
            900005,
            "Ashcombe Marsh Primary",
            "Primary",
            Some((571000.0, 176000.0))
        ),
        school(
            900006,
            "Kingsreach Infants",
            "Primary",
            Some((572000.0, 174000.0))
        ),
        school(
            900007,
            "Riverside Juniors",
            "Primary",
            Some((570500.0, 173000.0))
        ),
        school(
            900010,
            "Thamesbury High",
            "Secondary",
            Some((565000.0, 185000.0))
        ),
        school(900011, "Lonely Lane School", "Secondary", None),
        school(
            900012,
            "Marsh Academy",
            "Secondary",
            Some((566000.0, 178000.0))
        ),
        school(
            900020,
            "Far Fields Special School",
            "NotApplicable",
            Some((580000.0, 190000.0))
        ),
    ]))
    .unwrap();
    // GIAS's towns, spelled as GIAS spells them (one in capitals).
    let mut schools = schools;
    for s in &mut schools {
        s.town = match s.urn.0 {
            900001 | 900002 => Some("Grays".to_string()),
            900003 => Some("GRAYS ".to_string()),
            900004..=900007 => Some("Tilbury".to_string()),
            900010..=900012 => Some("Stanford-le-Hope".to_string()),
            _ => None,
        };
    }
    let mut p01 = group("P01", "primary", &[900001, 900002, 900003], Some("adv-01"));
    // The first review dated over two days, the second not dated.
    p01["reviews"][0]["days"] = json!(2);
    p01["reviews"][0]["start"] = json!("2027-01-12");
    p01["reviews"][0]["dates"] = json!(["2027-01-12", "2027-01-13"]);
    p01["reviews"][1]["unscheduled_reason"] =
        json!("the head of 900003 & adviser adv-01 share no date");
    p01["reviews"][2]["start"] = json!("2026-11-03");
    p01["reviews"][2]["dates"] = json!(["2026-11-03"]);
    let mut s01 = group("S01", "secondary", &[900010, 900011, 900012], None);
    s01["adviser_reason"] = json!("no adviser for secondary schools has days left");
    let plan = json!({
        "year": 2026,
        "triads": [
            p01,
            group("P02", "primary", &[900004, 900005, 900006, 900007], Some("adv-02")),
            s01,
        ],
        "unplaced": [
            {"urn": "900020", "reason": "<no partner> within 20 km of the same phase"},
            {"urn": "900099", "reason": "opted out"},
        ],
        "ledger": [],
        "cost": serde_json::to_value(CostLedger {
            budget: 0.0,
            total: 0.0,
            advisers: vec![],
        }).unwrap(),
        "diagnosis": ["special schools: 1 school has no partner within 20 km"],
        "warnings": ["pair 900010-900011: distance unknown, assumed 10 km"],
        "stats": serde_json::to_value(Stats {
            objective: 2123.25,
            lower_bound: 2120.0,
            gap: 0.0015,
            seconds: 0.25,
            schools: 12,
            placed: 10,
            groups: 3,
            groups_of_four: 1,
            components: 3,
            components_proven_optimal: 2,
            ..Stats::default()
        }).unwrap(),
    });
    (serde_json::from_value(plan).unwrap(), schools)
}

pub fn advisers() -> Vec<Adviser> {
    serde_json::from_value(json!([
        {"id": "adv-01", "name": "Amara O'Rowntree", "kind": "la_officer", "phases": ["primary"],
         "capacity_days": 20, "day_rate": 0.0},
        {"id": "adv-02", "name": "Oliver Driscoll", "kind": "tic", "phases": ["primary"],
         "capacity_days": 10, "day_rate": 450.0},
    ]))
    .unwrap()
}

/// An allocation from the JSON of its parts (`allocations`, `schools`,
/// `consultants`, `cost`); the figures of its solve, which a test may
/// override key by key under `stats`, and the default rules are filled in.
pub fn allocation(parts: Value) -> Allocation {
    let mut whole = json!({
        "stats": {
            "objective": 10.0, "bound": 10.0, "gap": 0.0, "seconds": 0.01,
            "optimal": true, "time_limited": false, "parts": 1,
            "largest_part_schools": 1, "arcs": 3,
            "terms": {"coverage": 10.0, "fairness": 0.0, "consultants": 0.0,
                      "continuity": 0.0, "travel": 0.0, "cost": 0.0},
            "coverage_by_tier": {},
            "fairness_inversions": 0
        },
        "rules": serde_json::to_value(AllocationRules::default()).unwrap(),
    });
    merge(&mut whole, parts);
    serde_json::from_value(whole).unwrap_or_else(|e| panic!("a test allocation: {e}"))
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}
