//! The optimiser's problems from a year's stored inputs: what the command
//! line builds from files (`cli::plan`, `cli::schedule`, `cli::allocate`),
//! built here from the database. The grouping problem itself comes from
//! `store::inputs::triad_problem` (schools, history, advisers, the SIM's hand,
//! `[triads]`), shared with the check before publishing; this module adds
//! what only a job needs: heads' do-not-group-with requests, the published
//! plan to change as little as possible, availability and the calendar for
//! the dates, and the allocation's inputs with the write-ups' support areas.

use std::collections::{BTreeMap, HashSet};

use chrono::Datelike;
use optimiser::allocate::{AllocationProblem, NeedEntry, PastAllocation, SspbEntry};
use optimiser::model::{Consultant, NeedArea, School, SspbCategory, Urn};
use optimiser::schedule::{Availability, Calendar, ScheduleRules};
use optimiser::triads::{Exclusion, Plan, Scope, TriadProblem};
use serde::Deserialize;

use formats::inputs::DEFAULT_PRIORITY;
use store::years::{parse_rules, Year};
use store::{inputs, plans, writeups, Db};

/// Everything the matching job needs: groups, then dates.
#[derive(Debug, Clone)]
pub struct MatchingInput {
    pub triads: TriadProblem,
    pub availability: Availability,
    pub calendar: Calendar,
    pub schedule_rules: ScheduleRules,
    /// Things the SIM should know about the inputs (requests skipped, say).
    pub notes: Vec<String>,
}

/// The programme year the history rule counts back from: the calendar year
/// in which the window opens, or the one before for a window opening before
/// August (a spring-only programme belongs to the school year begun before).
pub fn programme_year(calendar: &Calendar) -> i32 {
    let first = calendar.first;
    if first.month() >= 8 {
        first.year()
    } else {
        first.year() - 1
    }
}

pub async fn matching(db: &Db, year: &Year) -> anyhow::Result<MatchingInput> {
    let rules = parse_rules(&year.rules).map_err(|e| anyhow::anyhow!("the year's rules: {e}"))?;
    let Some(mut triads) =
        inputs::triad_problem(db, year, programme_year(&year.calendar), Scope::PerLa).await?
    else {
        anyhow::bail!("no schools uploaded for this year: upload the schools first");
    };
    anyhow::ensure!(
        !triads.schools.is_empty(),
        "the year's schools input lists no schools"
    );
    let mut notes = Vec::new();
    let known: HashSet<Urn> = triads.schools.iter().map(|s| s.urn).collect();
    let requests = avoid_requests(db, year.id).await?;
    triads
        .exclusions
        .extend(heads_exclusions(&requests, &known, &mut notes));
    let previous: Option<Plan> = plans::latest(db, year.id, "published")
        .await?
        .map(|p| p.plan);
    triads.previous = previous;
    Ok(MatchingInput {
        triads,
        availability: inputs::year_availability(db, year.id).await?,
        calendar: year.calendar.clone(),
        schedule_rules: rules.schedule,
        notes,
    })
}

/// One school's latest do-not-group-with list, as stored by `store::choices`:
/// `{"avoid":[{"urn":"...","reason":"..."}], "focus":[...]}`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AvoidRequest {
    pub urn: String,
    pub data: String,
}

async fn avoid_requests(db: &Db, year_id: i64) -> anyhow::Result<Vec<AvoidRequest>> {
    Ok(sqlx::query_as(
        "SELECT c.urn, c.data FROM school_choices c WHERE c.year_id = $1 AND c.version = \
         (SELECT MAX(d.version) FROM school_choices d WHERE d.year_id = c.year_id AND d.urn = c.urn) \
         ORDER BY c.urn",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?)
}

/// Heads' requests as exclusions. A request that cannot be honoured (an
/// unreadable entry, a school not among the year's) is skipped with a note
/// rather than failing the job: the head's other requests still count.
pub fn heads_exclusions(
    requests: &[AvoidRequest],
    known: &HashSet<Urn>,
    notes: &mut Vec<String>,
) -> Vec<Exclusion> {
    #[derive(Deserialize)]
    struct Choices {
        #[serde(default)]
        avoid: Vec<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct Avoid {
        urn: Urn,
        #[serde(default)]
        reason: String,
    }
    let mut out = Vec::new();
    for r in requests {
        let Ok(a) = r.urn.parse::<Urn>() else {
            notes.push(format!("choices of school {:?}: not a URN; skipped", r.urn));
            continue;
        };
        let choices: Choices = match serde_json::from_str(&r.data) {
            Ok(c) => c,
            Err(e) => {
                notes.push(format!("choices of school {a}: unreadable ({e}); skipped"));
                continue;
            }
        };
        for (i, entry) in choices.avoid.into_iter().enumerate() {
            let at = format!("school {a}'s request {} not to be grouped with", i + 1);
            match serde_json::from_value::<Avoid>(entry) {
                Ok(v) if !known.contains(&v.urn) || !known.contains(&a) => notes.push(format!(
                    "{at} {}: not among the year's schools; skipped",
                    v.urn
                )),
                Ok(v) if v.urn == a => {}
                Ok(v) => out.push(Exclusion {
                    a,
                    b: v.urn,
                    reason: if v.reason.trim().is_empty() {
                        format!("asked by the head of {a}")
                    } else {
                        format!("asked by the head of {a}: {}", v.reason.trim())
                    },
                }),
                Err(e) => notes.push(format!("{at}: unreadable ({e}); skipped")),
            }
        }
    }
    out
}

/// The SSPB input as stored (`[URN, category]` pairs, the reader's output),
/// or as objects with `urn` and `category`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Sspb {
    Pair(Urn, SspbCategory),
    Entry(SspbEntry),
}

/// The allocation problem of the year, and notes for the SIM.
pub async fn allocation(db: &Db, year: &Year) -> anyhow::Result<(AllocationProblem, Vec<String>)> {
    let rules = parse_rules(&year.rules).map_err(|e| anyhow::anyhow!("the year's rules: {e}"))?;
    let Some(schools) = inputs::latest::<Vec<School>>(db, year.id, "schools").await? else {
        anyhow::bail!("no schools uploaded for this year: upload the schools first");
    };
    let Some(consultants) = inputs::latest::<Vec<Consultant>>(db, year.id, "consultants").await?
    else {
        anyhow::bail!("no consultants uploaded for this year: upload the consultants first");
    };
    let need: Vec<NeedEntry> = inputs::latest_or_default(db, year.id, "need").await?;
    let sspb: Vec<Sspb> = inputs::latest_or_default(db, year.id, "sspb").await?;
    let past: Vec<PastAllocation> =
        inputs::latest_or_default(db, year.id, "last_allocations").await?;
    let support = writeups::support_needed_by_school(db, year.id).await?;
    let known: HashSet<Urn> = schools.data.iter().map(|s| s.urn).collect();
    let mut notes = Vec::new();
    let mut needs = need;
    needs.extend(writeup_needs(&support, &known, &mut notes));
    Ok((
        AllocationProblem {
            schools: schools.data,
            needs,
            consultants: consultants.data,
            past_allocations: past,
            sspb: sspb
                .into_iter()
                .map(|s| match s {
                    Sspb::Pair(urn, category) => SspbEntry { urn, category },
                    Sspb::Entry(e) => e,
                })
                .collect(),
            rules: rules.allocation,
        },
        notes,
    ))
}

/// The support areas of submitted write-ups as needs at the default
/// priority; the allocator merges an area the SIM listed too into one need
/// at the more urgent priority.
pub fn writeup_needs(
    support: &BTreeMap<Urn, Vec<NeedArea>>,
    known: &HashSet<Urn>,
    notes: &mut Vec<String>,
) -> Vec<NeedEntry> {
    let mut out = Vec::new();
    for (urn, areas) in support {
        if !known.contains(urn) {
            if !areas.is_empty() {
                notes.push(format!(
                    "the write-up of school {urn} asks for support, but the school is not among the year's schools; skipped"
                ));
            }
            continue;
        }
        out.extend(areas.iter().map(|&area| NeedEntry {
            urn: *urn,
            area,
            priority: DEFAULT_PRIORITY,
            note: Some("from the peer review write-up".into()),
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn cal(y: i32, m: u32) -> Calendar {
        let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        Calendar {
            first,
            last: first + chrono::Days::new(60),
            half_terms: vec![],
            blackouts: vec![],
            school_blackouts: vec![],
        }
    }

    #[test]
    fn the_programme_year_is_the_school_year_the_window_belongs_to() {
        assert_eq!(programme_year(&cal(2026, 9)), 2026);
        assert_eq!(programme_year(&cal(2027, 1)), 2026);
    }

    #[test]
    fn heads_requests_become_exclusions_and_bad_ones_are_noted() {
        let known: HashSet<Urn> = [1, 2, 3].into_iter().map(Urn).collect();
        let req = |urn: &str, data: &str| AvoidRequest {
            urn: urn.into(),
            data: data.into(),
        };
        let mut notes = Vec::new();
        let ex = heads_exclusions(
            &[
                req(
                    "1",
                    r#"{"focus":["maths"],"avoid":[{"urn":"2","reason":" merger "},{"urn":"9","reason":"x"}]}"#,
                ),
                req("2", r#"{"focus":[]}"#),
                req("3", "not json"),
                req("3x", "{}"),
            ],
            &known,
            &mut notes,
        );
        assert_eq!(
            ex,
            vec![Exclusion {
                a: Urn(1),
                b: Urn(2),
                reason: "asked by the head of 1: merger".into()
            }]
        );
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].contains("9"), "{notes:?}");
    }

    #[test]
    fn writeup_support_becomes_need_of_known_schools() {
        let known: HashSet<Urn> = [Urn(1)].into_iter().collect();
        let support: BTreeMap<Urn, Vec<NeedArea>> = [
            (Urn(1), vec![NeedArea::Maths, NeedArea::Send]),
            (Urn(5), vec![NeedArea::Maths]),
        ]
        .into_iter()
        .collect();
        let mut notes = Vec::new();
        let n = writeup_needs(&support, &known, &mut notes);
        assert_eq!(n.len(), 2);
        assert!(n.iter().all(|e| e.urn == Urn(1) && e.priority == 2));
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn sspb_reads_pairs_and_objects() {
        let v: Vec<Sspb> =
            serde_json::from_str(r#"[["100001","red"],{"urn":"100002","category":"green"}]"#)
                .unwrap();
        assert!(matches!(v[0], Sspb::Pair(Urn(100001), SspbCategory::Red)));
        assert!(matches!(&v[1], Sspb::Entry(e) if e.category == SspbCategory::Green));
    }
}
