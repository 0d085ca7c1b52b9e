//! The SIM's checklist of a year: what is loaded, what is missing, who has
//! not answered, and whether matching can start and on what. What a job
//! needs is `jobs::required_inputs`, the same list `jobs::start` refuses by.

use store::jobs::JobKind;
use store::{inputs, Db};

use crate::caller::SimYear;
use crate::error::AppResult;
use crate::jobs::required_inputs;
use crate::people::{self, AvailabilityStatus};

/// Under this share of heads and advisers answered, starting matching comes
/// with a warning: groups formed now may not be able to meet.
pub const FEW_RETURNS: f64 = 0.5;

/// The uploads of a year, in the order a SIM loads them, with their words.
/// `kind` is `store::inputs::KINDS`' string, the upload page's address.
pub const UPLOADS: &[(&str, &str, &str)] = &[
    (
        "schools",
        "Schools",
        "The schools taking part, from the GIAS register.",
    ),
    (
        "heads",
        "Headteachers",
        "Each school's head, to invite and to name.",
    ),
    (
        "advisers",
        "External advisers",
        "Who may advise a group, their kind, capacity and cost.",
    ),
    (
        "history",
        "Past groups",
        "Earlier years' groups, so that partners change.",
    ),
    (
        "consultants",
        "Consultants",
        "Who gives schools days of support, in which areas.",
    ),
    (
        "need",
        "Schools' needs",
        "The areas each school needs support in.",
    ),
    (
        "sspb",
        "SSPB categories",
        "The progress board's red, amber or green for each school.",
    ),
    (
        "last_allocations",
        "Last year's allocation",
        "Last year's consultants' days, so that support continues.",
    ),
];

/// What an input is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Matching,
    Allocation,
    Optional,
}

impl Need {
    pub fn words(self) -> &'static str {
        match self {
            Need::Matching => "Needed to match",
            Need::Allocation => "Needed to allocate consultants",
            Need::Optional => "Optional",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Item {
    pub kind: &'static str,
    pub label: &'static str,
    pub about: &'static str,
    pub need: Need,
    /// Version, rows (where a list), Unix seconds: None while missing.
    pub loaded: Option<Loaded>,
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub version: i64,
    pub rows: Option<i64>,
    pub at: i64,
}

/// Whether "Start matching" can run, and on what.
#[derive(Debug, Clone)]
pub enum Start {
    /// Inputs matching needs are missing: their words.
    Blocked(Vec<&'static str>),
    Ready(Uses),
}

#[derive(Debug, Clone)]
pub struct Uses {
    pub schools: i64,
    pub heads: Option<i64>,
    pub advisers: Option<i64>,
    /// Heads and advisers who have given dates, and of how many.
    pub returns: usize,
    pub of: usize,
    /// Fewer than half have answered: say so before the SIM starts.
    pub few: bool,
}

#[derive(Debug)]
pub struct Checklist {
    pub items: Vec<Item>,
    pub rules_changed: bool,
    pub rules_version: Option<i64>,
    pub returns: AvailabilityStatus,
    pub start: Start,
}

fn need_of(kind: &str) -> Need {
    if required_inputs(JobKind::Matching).contains(&kind) {
        Need::Matching
    } else if required_inputs(JobKind::Allocation).contains(&kind) {
        Need::Allocation
    } else {
        Need::Optional
    }
}

/// The checklist of the SIM's year.
pub async fn of_year(db: &Db, year: &SimYear) -> AppResult<Checklist> {
    let list = inputs::list(db, year.year.id).await?;
    let loaded = |kind: &str| {
        list.iter()
            .find(|i| i.kind == kind)
            .and_then(|i| match (i.version, i.created_at) {
                (Some(version), Some(at)) => Some(Loaded {
                    version,
                    rows: i.items,
                    at,
                }),
                _ => None,
            })
    };
    let items: Vec<Item> = UPLOADS
        .iter()
        .map(|(kind, label, about)| Item {
            kind,
            label,
            about,
            need: need_of(kind),
            loaded: loaded(kind),
        })
        .collect();
    let returns = people::availability_status(db, year).await?;
    let rows = |kind: &str| loaded(kind).map(|l| l.rows.unwrap_or(0));
    let missing: Vec<&'static str> = items
        .iter()
        .filter(|i| i.need == Need::Matching && i.loaded.is_none())
        .map(|i| i.label)
        .collect();
    let start = if missing.is_empty() {
        let (mut given, mut of) = (0, 0);
        if let Some(h) = &returns.heads {
            given += h.submitted;
            of += h.of;
        }
        if let Some(a) = &returns.advisers {
            given += a.submitted;
            of += a.of;
        }
        Start::Ready(Uses {
            schools: rows("schools").unwrap_or(0),
            heads: rows("heads"),
            advisers: rows("advisers"),
            returns: given,
            of,
            few: of > 0 && (given as f64) < FEW_RETURNS * of as f64,
        })
    } else {
        Start::Blocked(missing)
    };
    Ok(Checklist {
        items,
        rules_changed: !year.year.rules.trim().is_empty()
            && store::years::parse_rules(&year.year.rules)
                .map(|r| Ok(r) != store::years::parse_rules(""))
                .unwrap_or(true),
        rules_version: loaded("rules").map(|l| l.version),
        returns,
        start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_upload_is_a_stored_kind_and_the_needs_come_from_the_jobs() {
        for (kind, _, _) in UPLOADS {
            assert!(store::inputs::KINDS.contains(kind), "{kind}");
        }
        // Every kind but the SIM's hand and the rules has a line.
        for kind in store::inputs::KINDS {
            assert!(
                UPLOADS.iter().any(|u| u.0 == *kind) || ["hand", "rules"].contains(kind),
                "{kind}"
            );
        }
        assert_eq!(need_of("schools"), Need::Matching);
        assert_eq!(need_of("consultants"), Need::Allocation);
        assert_eq!(need_of("history"), Need::Optional);
    }
}
