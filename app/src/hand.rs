//! The SIM's hand: opt-outs, pinned groups and excluded pairs, checked
//! against the year's schools and advisers and kept as versions.

use std::collections::{BTreeMap, HashMap, HashSet};

use optimiser::model::{Adviser, School, Urn};
use optimiser::triads::TriadRules;
use serde::Serialize;
use store::inputs::{self, Hand};
use store::years::parse_rules;
use store::Db;

use crate::caller::SimYear;
use crate::error::{AppError, AppResult, Kind, Problem};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoredHand {
    /// 0 before the first hand is stored (then the hand is empty).
    pub version: i64,
    pub created_at: Option<i64>,
    pub hand: Hand,
}

/// The SIM's current hand (empty, version 0, before the first).
pub async fn get(db: &Db, year: &SimYear) -> AppResult<StoredHand> {
    Ok(
        match inputs::latest::<Hand>(db, year.year.id, "hand").await? {
            Some(s) => StoredHand {
                version: s.version,
                created_at: Some(s.created_at),
                hand: s.data,
            },
            None => StoredHand {
                version: 0,
                created_at: None,
                hand: Hand::default(),
            },
        },
    )
}

/// Replaces the SIM's hand. Every URN must be a school of the schools
/// input; a pin holds 3 (or 4) schools of one phase, none opted out or
/// pinned twice; a pinned adviser must be in the advisers input; an
/// exclusion names two schools and a reason. Every problem is listed and
/// nothing is stored when there is one.
pub async fn put(db: &Db, year: &SimYear, hand: Hand) -> AppResult<StoredHand> {
    let year_id = year.year.id;
    let schools = inputs::latest::<Vec<School>>(db, year_id, "schools")
        .await?
        .ok_or_else(|| AppError::missing_input("upload the schools of the year before the hand"))?;
    let advisers = inputs::latest::<Vec<Adviser>>(db, year_id, "advisers")
        .await?
        .map(|s| s.data);
    let rules = parse_rules(&year.year.rules)
        .map_err(|e| AppError::internal("stored rules", e))?
        .triads;
    let problems = problems(&hand, &schools.data, advisers.as_deref(), &rules);
    if let Some(first) = problems.first() {
        let message = format!("the hand was not stored: {}", first.message);
        return Err(AppError::invalid(
            Kind::BadRequest,
            "invalid_hand",
            message,
            problems,
        ));
    }
    let mut tx = db.begin_write().await?;
    let version = inputs::store(
        &mut tx,
        year_id,
        "hand",
        "hand.json",
        &hand,
        Some(year.caller.user_id),
        &format!(
            "{} opted out, {} pinned groups, {} excluded pairs",
            hand.opt_out.len(),
            hand.pin.len(),
            hand.exclude.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(StoredHand {
        version,
        created_at: Some(store::now()),
        hand,
    })
}

/// Every problem of a hand against the year's schools and advisers (None:
/// no advisers uploaded), each with its field (`pin[2].schools[1]`,
/// 1-based) and value. Pins may break distance, trust or history rules on
/// purpose (the plan then warns), but not the things no group can be:
/// unknown schools, mixed phases, a school in two places.
pub fn problems(
    hand: &Hand,
    schools: &[School],
    advisers: Option<&[Adviser]>,
    rules: &TriadRules,
) -> Vec<Problem> {
    let by_urn: HashMap<Urn, &School> = schools.iter().map(|s| (s.urn, s)).collect();
    let mut out = Vec::new();
    let mut fail = |field: String, value: String, message: &str| {
        out.push(Problem {
            line: None,
            message: format!("{field} {value:?} {message}"),
            field: Some(field),
            value: Some(value),
        })
    };
    let mut opted: HashSet<Urn> = HashSet::new();
    for (i, u) in hand.opt_out.iter().enumerate() {
        let field = format!("opt_out[{}]", i + 1);
        if !by_urn.contains_key(u) {
            fail(
                field,
                u.to_string(),
                "is not a school of the year's schools input",
            );
        } else if !opted.insert(*u) {
            fail(field, u.to_string(), "is listed twice");
        }
    }
    let max = if rules.allow_groups_of_four { 4 } else { 3 };
    let mut pinned: HashMap<Urn, usize> = HashMap::new();
    for (i, pin) in hand.pin.iter().enumerate() {
        let at = format!("pin[{}]", i + 1);
        if pin.schools.len() < 3 || pin.schools.len() > max {
            fail(
                format!("{at}.schools"),
                pin.schools.len().to_string(),
                &format!("schools: a group has 3 to {max} schools"),
            );
        }
        let mut phases = BTreeMap::new();
        for (j, u) in pin.schools.iter().enumerate() {
            let field = format!("{at}.schools[{}]", j + 1);
            let Some(school) = by_urn.get(u) else {
                fail(
                    field,
                    u.to_string(),
                    "is not a school of the year's schools input",
                );
                continue;
            };
            phases.insert(school.phase_group(), u);
            if opted.contains(u) {
                fail(field, u.to_string(), "opted out, so it cannot be pinned");
            } else if let Some(k) = pinned.insert(*u, i) {
                let msg = if k == i {
                    "is listed twice in this pin".to_string()
                } else {
                    format!("is already in pin[{}]", k + 1)
                };
                fail(field, u.to_string(), &msg);
            }
        }
        if phases.len() > 1 {
            let list: Vec<String> = phases.iter().map(|(p, u)| format!("{u} is {p}")).collect();
            fail(
                format!("{at}.schools"),
                list.join(", "),
                "mixes phases: a group is of one phase",
            );
        }
        if let Some(id) = &pin.adviser {
            match advisers {
                None => fail(
                    format!("{at}.adviser"),
                    id.clone(),
                    "names an adviser, but no advisers are uploaded",
                ),
                Some(list) if !list.iter().any(|a| &a.id == id) => fail(
                    format!("{at}.adviser"),
                    id.clone(),
                    "is not an adviser of the year's advisers input",
                ),
                Some(_) => {}
            }
        }
    }
    for (i, e) in hand.exclude.iter().enumerate() {
        let at = format!("exclude[{}]", i + 1);
        for (name, u) in [("a", e.a), ("b", e.b)] {
            if !by_urn.contains_key(&u) {
                fail(
                    format!("{at}.{name}"),
                    u.to_string(),
                    "is not a school of the year's schools input",
                );
            }
        }
        if e.a == e.b {
            fail(
                format!("{at}.b"),
                e.b.to_string(),
                "is the same school as a",
            );
        }
        if e.reason.trim().is_empty() {
            fail(format!("{at}.reason"), String::new(), "is empty: say why");
        } else if let Err(bad) = crate::text::check_line("Reason", &e.reason) {
            // The reason is shown on the plan page and in the audit log.
            let why = bad.message.trim_start_matches("Reason: ").to_string();
            fail(format!("{at}.reason"), e.reason.clone(), &why);
        }
    }
    out
}
