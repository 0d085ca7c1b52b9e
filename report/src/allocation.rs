//! The consultants' allocation as people act on it: each consultant's
//! schools, areas and days, and each school by need with its shortfall said
//! in a sentence. Shared by the SIM's page and the allocation workbook so
//! that both say the same.

use std::collections::HashMap;

use optimiser::allocate::{Allocation, SchoolSummary, ShortfallReason};
use optimiser::model::Urn;

use crate::words;

/// One school a consultant goes to.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub school: String,
    pub urn: Urn,
    /// The need area, in words.
    pub area: String,
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConsultantView {
    pub name: String,
    pub kind: &'static str,
    pub given: u32,
    pub available: u32,
    pub visits: Vec<Visit>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchoolView {
    pub name: String,
    pub urn: Urn,
    pub phase: &'static str,
    pub tier: u8,
    pub entitled: u32,
    pub given: u32,
    /// "Ann Lee: maths, 2 days".
    pub consultants: Vec<String>,
    /// Whether days are missing, and why, in a sentence.
    pub shortfall: String,
}

fn days(n: u32) -> String {
    format!("{n} day{}", if n == 1 { "" } else { "s" })
}

/// Every consultant with the schools they go to, the busiest first.
pub fn by_consultant(a: &Allocation) -> Vec<ConsultantView> {
    let schools: HashMap<Urn, &str> = a.schools.iter().map(|s| (s.urn, s.name.as_str())).collect();
    let mut out: Vec<ConsultantView> = a
        .consultants
        .iter()
        .map(|c| {
            let mut visits: Vec<Visit> = a
                .allocations
                .iter()
                .filter(|l| l.consultant == c.id && l.days > 0)
                .map(|l| Visit {
                    school: schools.get(&l.urn).map_or_else(
                        || format!("the school with URN {}", l.urn),
                        |s| s.to_string(),
                    ),
                    urn: l.urn,
                    area: words::area(l.area),
                    days: l.days,
                })
                .collect();
            visits.sort_by(|x, y| x.school.cmp(&y.school).then(x.area.cmp(&y.area)));
            ConsultantView {
                name: c.name.clone(),
                kind: words::consultant_kind(c.kind),
                given: c.allocated,
                available: c.available,
                visits,
            }
        })
        .collect();
    out.sort_by(|x, y| y.given.cmp(&x.given).then(x.name.cmp(&y.name)));
    out
}

/// Every school by need: the highest tier of concern first, then the
/// largest shortfall, then the largest entitlement.
pub fn by_school(a: &Allocation) -> Vec<SchoolView> {
    let names: HashMap<&str, &str> = a
        .consultants
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let school_names: HashMap<Urn, &str> =
        a.schools.iter().map(|s| (s.urn, s.name.as_str())).collect();
    let name = |id: &str| {
        names
            .get(id)
            .map_or_else(|| id.to_string(), |n| n.to_string())
    };
    let mut rows: Vec<(u32, SchoolView)> = a
        .schools
        .iter()
        .map(|s| {
            let consultants = a
                .allocations
                .iter()
                .filter(|l| l.urn == s.urn && l.days > 0)
                .map(|l| {
                    format!(
                        "{}: {}, {}",
                        name(&l.consultant),
                        words::area(l.area),
                        days(l.days)
                    )
                })
                .collect();
            let short = s.entitlement.saturating_sub(s.allocated);
            (
                short,
                SchoolView {
                    name: s.name.clone(),
                    urn: s.urn,
                    phase: words::phase(s.phase),
                    tier: s.tier,
                    entitled: s.entitlement,
                    given: s.allocated,
                    consultants,
                    shortfall: shortfall(s, &name, &school_names),
                },
            )
        })
        .collect();
    rows.sort_by(|(sa, a), (sb, b)| {
        a.tier
            .cmp(&b.tier)
            .then(sb.cmp(sa))
            .then(b.entitled.cmp(&a.entitled))
            .then(a.name.cmp(&b.name))
    });
    rows.into_iter().map(|(_, v)| v).collect()
}

/// A school's shortfall in a sentence: "2 days short in SEND: no
/// consultant with SEND expertise had days left (Ann Lee gave hers to
/// Oak Primary)."
pub fn shortfall(
    s: &SchoolSummary,
    consultant: &dyn Fn(&str) -> String,
    schools: &HashMap<Urn, &str>,
) -> String {
    if s.entitlement == 0 {
        return "No days due at this tier.".into();
    }
    if s.allocated >= s.entitlement {
        return "Given in full.".into();
    }
    let parts: Vec<String> = s
        .shortfalls
        .iter()
        .map(|f| {
            let area = f.area.map(words::area);
            let why: Vec<String> = f
                .reasons
                .iter()
                .map(|r| reason(r, area.as_deref(), consultant, schools))
                .collect();
            let what = match &area {
                Some(a) => format!("{} short in {a}", days(f.days)),
                None => format!("{} short", days(f.days)),
            };
            if why.is_empty() {
                what
            } else {
                format!("{what}: {}", why.join("; "))
            }
        })
        .collect();
    let text = if parts.is_empty() {
        format!("{} short.", days(s.entitlement - s.allocated))
    } else {
        parts.join(". ") + "."
    };
    let mut c = text.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => text,
    }
}

fn reason(
    r: &ShortfallReason,
    area: Option<&str>,
    consultant: &dyn Fn(&str) -> String,
    schools: &HashMap<Urn, &str>,
) -> String {
    let area = area.unwrap_or("this area");
    match r {
        ShortfallReason::NoSpecialist { phase, .. } => format!(
            "no consultant has {area} expertise for {} schools",
            words::phase(*phase).to_lowercase()
        ),
        ShortfallReason::CapacityUsedUp { consultants } => {
            let went: Vec<String> = consultants
                .iter()
                .map(|c| {
                    let to: Vec<String> = c
                        .used_by
                        .iter()
                        .map(|u| schools.get(u).map_or_else(|| u.to_string(), |s| s.to_string()))
                        .collect();
                    format!("{} gave theirs to {}", consultant(&c.id), to.join(", "))
                })
                .collect();
            format!(
                "no consultant with {area} expertise had days left ({})",
                went.join("; ")
            )
        }
        ShortfallReason::BelowMinimumDeployment { min_days, consultants } => format!(
            "the consultants with {area} expertise who had days left ({}) had fewer than the {} a deployment needs",
            consultants.iter().map(|c| consultant(c)).collect::<Vec<_>>().join(", "),
            days(*min_days)
        ),
        ShortfallReason::NotChosen { consultants } => format!(
            "consultants with {area} expertise had days free but another consultant, travel or cost weighed against them ({})",
            consultants.iter().map(|c| consultant(c)).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn allocation() -> Allocation {
        let mut a = crate::fixture::allocation(json!({
            "allocations": [
                {"urn": "900001", "consultant": "c1", "area": "maths", "days": 3},
                {"urn": "900002", "consultant": "c1", "area": "send", "days": 1}
            ],
            "schools": [
                {"urn": "900002", "name": "Elm Primary", "phase": "primary", "tier": 3, "tier_source": "ofsted",
                 "entitlement": 4, "allocated": 1, "consultants": 1,
                 "areas": [], "shortfalls": [{"area": "send", "days": 3, "reasons": [
                    {"kind": "capacity_used_up", "consultants": [{"id": "c1", "used_by": ["900001"]}]}]}]},
                {"urn": "900001", "name": "Oak Primary", "phase": "primary", "tier": 1, "tier_source": "ofsted",
                 "entitlement": 3, "allocated": 3, "consultants": 1, "areas": [], "shortfalls": []},
                {"urn": "900003", "name": "Ash Primary", "phase": "primary", "tier": 4, "tier_source": "ofsted",
                 "entitlement": 0, "allocated": 0, "consultants": 0, "areas": [], "shortfalls": []}
            ],
            "consultants": [
                {"id": "c1", "name": "Ann Lee", "kind": "sle", "available": 4, "allocated": 4,
                 "schools": 2, "cost": 0.0, "travel_km": 10.0},
                {"id": "c2", "name": "Bo Ray", "kind": "tic", "available": 5, "allocated": 0,
                 "schools": 0, "cost": 0.0, "travel_km": 0.0}
            ],
            "cost": {"total": 0.0, "budget": null, "days": 4, "by_kind": {}, "by_tier": {}}
        }));
        a.allocations.sort_by_key(|l| l.urn);
        a
    }

    #[test]
    fn consultants_name_their_schools_and_schools_come_by_need() {
        let a = allocation();
        let c = by_consultant(&a);
        assert_eq!(c[0].name, "Ann Lee");
        assert_eq!(
            c[0].visits
                .iter()
                .map(|v| format!("{} {} {}", v.school, v.area, v.days))
                .collect::<Vec<_>>(),
            vec!["Elm Primary SEND 1", "Oak Primary Maths 3"]
        );
        assert!(c[1].visits.is_empty());
        let s = by_school(&a);
        let order: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(order, vec!["Oak Primary", "Elm Primary", "Ash Primary"]);
        assert_eq!(s[0].shortfall, "Given in full.");
        assert_eq!(s[0].consultants, vec!["Ann Lee: Maths, 3 days"]);
        assert_eq!(
            s[1].shortfall,
            "3 days short in SEND: no consultant with SEND expertise had days left (Ann Lee gave theirs to Oak Primary)."
        );
        assert_eq!(s[2].shortfall, "No days due at this tier.");
    }
}
