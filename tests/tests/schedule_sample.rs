//! Dating the sample authority's reviews end to end: plan, schedule, the
//! calendars parsed back by an independent parser, and re-publications after
//! one head's availability changes (entries updated, or cancelled).

use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::path::PathBuf;

use formats::calendar::read_calendar;
use formats::gias::{import_gias_file, ImportOptions};
use formats::ics::{calendars, review_uid, IcsOptions};
use formats::inputs::{read_advisers, read_availability, read_history};
use optimiser::schedule::{self, Person, ScheduleProblem, ScheduleRules, ScheduledPlan};
use optimiser::triads::plan::Triad;
use optimiser::triads::{self, Scope, TriadProblem, TriadRules};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/sample")
}

fn sample_problem() -> ScheduleProblem {
    let dir = sample();
    let schools = import_gias_file(&dir.join("schools.csv"), &ImportOptions::default())
        .unwrap()
        .schools;
    let advisers = read_advisers(&dir.join("advisers.csv")).unwrap();
    let tp = TriadProblem {
        year: 2026,
        schools: schools.clone(),
        history: read_history(&dir.join("history.csv")).unwrap(),
        advisers: advisers.clone(),
        scope: Scope::PerLa,
        rules: TriadRules::default(),
        ..TriadProblem::default()
    };
    let plan = triads::plan(&tp, &|_, _| {}).unwrap();
    ScheduleProblem {
        plan,
        schools,
        advisers,
        triad_rules: TriadRules::default(),
        availability: read_availability(&dir.join("availability.csv")).unwrap(),
        calendar: read_calendar(&dir.join("calendar.toml")).unwrap(),
        rules: ScheduleRules::default(),
        previous: None,
    }
}

fn ics_options() -> IcsOptions {
    IcsOptions {
        domain: "test.example".into(),
        stamp: chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
        names: HashMap::new(),
    }
}

/// UID -> (SEQUENCE, DTSTART) of every VEVENT, read with the `ical` crate.
fn parse(text: &str) -> BTreeMap<String, (u32, String)> {
    events(text)
        .into_iter()
        .map(|(uid, (seq, start, _))| (uid, (seq, start)))
        .collect()
}

/// UID -> (SEQUENCE, DTSTART, STATUS or "") of every VEVENT.
fn events(text: &str) -> BTreeMap<String, (u32, String, String)> {
    let mut out = BTreeMap::new();
    let reader = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    for cal in reader {
        let cal = cal.expect("a valid calendar");
        for e in cal.events {
            let get = |name: &str| {
                e.properties
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.value.clone())
                    .unwrap_or_else(|| panic!("no {name}"))
            };
            let seq: u32 = get("SEQUENCE").parse().unwrap();
            let status = e
                .properties
                .iter()
                .find(|p| p.name == "STATUS")
                .and_then(|p| p.value.clone())
                .unwrap_or_default();
            out.insert(get("UID"), (seq, get("DTSTART"), status));
        }
    }
    out
}

fn dated(p: &ScheduleProblem) -> ScheduledPlan {
    let out = schedule::schedule(p).unwrap();
    assert!(schedule::validate(&out.plan, p).is_empty());
    out
}

/// The first group of the dated plan that `fits` and has every review dated.
fn fully_dated(dated: &ScheduledPlan, fits: impl Fn(&Triad) -> bool) -> &Triad {
    dated
        .plan
        .triads
        .iter()
        .find(|t| fits(t) && t.reviews.iter().all(|r| r.start.is_some()))
        .expect("a group with every review dated")
}

#[test]
fn the_sample_is_dated_and_its_calendars_read_back() {
    let p = sample_problem();
    let out = dated(&p);
    let s = &out.schedule;
    assert_eq!(
        s.reviews,
        out.plan
            .triads
            .iter()
            .map(|t| t.reviews.len())
            .sum::<usize>()
    );
    assert!(s.scheduled * 10 >= s.reviews * 8, "{s:?}");
    assert_eq!(s.gap, 0.0, "{s:?}");
    assert!(s.preferred_share > 0.0);
    // Every undated review says why.
    for r in out.plan.triads.iter().flat_map(|t| &t.reviews) {
        assert_eq!(r.start.is_none(), r.unscheduled_reason.is_some());
    }
    let files = calendars(&out.plan, None, &ics_options());
    let mut events = 0;
    for (name, text) in &files {
        let parsed = parse(text);
        assert!(!parsed.is_empty(), "{name} has no event");
        events += parsed.len();
        if let Some(urn) = name
            .strip_prefix("school-")
            .and_then(|n| n.strip_suffix(".ics"))
        {
            let t = out
                .plan
                .triads
                .iter()
                .find(|t| t.schools.iter().any(|u| u.to_string() == urn))
                .unwrap();
            let r = t
                .reviews
                .iter()
                .find(|r| r.host.to_string() == urn)
                .unwrap();
            let uid = review_uid(&t.id, r.host, "test.example");
            let start = r.start.unwrap().format("%Y%m%d").to_string();
            assert_eq!(parsed[&uid], (0, start));
        }
    }
    // Per school one event per dated review; per person one per review they
    // are in: its host, its reviewers and its adviser where they attend (a
    // group whose adviser was let go has none).
    let expected: usize = out
        .plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter().map(move |r| (t, r)))
        .filter(|(_, r)| r.start.is_some())
        .map(|(t, r)| 2 + r.reviewers.len() + usize::from(t.adviser_at(r).is_some()))
        .sum();
    assert_eq!(events, expected);
    assert!(events >= s.scheduled * 4);
    // Same plan, same bytes.
    assert_eq!(calendars(&out.plan, None, &ics_options()), files);
}

#[test]
fn republishing_after_one_change_updates_entries_instead_of_duplicating() {
    let p = sample_problem();
    let first = dated(&p);
    let t = fully_dated(&first, |_| true);
    let r = &t.reviews[0];
    let who = Person::Head(r.host);
    let mut availability = p.availability.clone();
    availability
        .people
        .get_mut(&who)
        .unwrap()
        .remove(&r.start.unwrap());
    let second = dated(&ScheduleProblem {
        availability,
        previous: Some(first.plan.clone()),
        ..p.clone()
    });
    let before = calendars(&first.plan, None, &ics_options());
    let after = calendars(&second.plan, Some(&first.plan), &ics_options());
    let file = format!("head-{}.ics", r.host);
    let find = |v: &[(String, String)]| parse(&v.iter().find(|(n, _)| *n == file).unwrap().1);
    let (b, a) = (find(&before), find(&after));
    let uid = review_uid(&t.id, r.host, "test.example");
    // Same UID, a higher SEQUENCE, a new date; no new UID appears for it.
    assert_eq!(a[&uid].0, b[&uid].0 + 1);
    assert_ne!(a[&uid].1, b[&uid].1);
    assert!(a.keys().all(|k| b.contains_key(k)));
    // Only reviews of that head moved, and every move is counted.
    let mut moved = 0;
    for (t1, t2) in first.plan.triads.iter().zip(&second.plan.triads) {
        for (r1, r2) in t1.reviews.iter().zip(&t2.reviews) {
            if r1.start.is_some() && r1.start != r2.start {
                moved += 1;
                let heads: Vec<_> = std::iter::once(r2.host)
                    .chain(r2.reviewers.iter().copied())
                    .collect();
                assert!(heads.contains(&r.host), "review at {} moved", r2.host);
            }
        }
    }
    assert_eq!(moved, second.schedule.moved);
}

#[test]
fn reviews_that_lose_their_dates_are_cancelled_in_every_calendar_that_had_them() {
    let p = sample_problem();
    let first = dated(&p);
    let t = fully_dated(&first, |t| t.schools.len() == 3);
    // The host of the first review withdraws every date: in a group of three
    // each head is in every review, so the whole group loses its dates.
    let host = t.reviews[0].host;
    let mut availability = p.availability.clone();
    availability.people.remove(&Person::Head(host));
    let second = dated(&ScheduleProblem {
        availability,
        previous: Some(first.plan.clone()),
        ..p.clone()
    });
    let files: BTreeMap<String, String> =
        calendars(&second.plan, Some(&first.plan), &ics_options())
            .into_iter()
            .collect();
    let mut cancelled = 0;
    for r in &t.reviews {
        let uid = review_uid(&t.id, r.host, "test.example");
        let mut names: Vec<String> = std::iter::once(r.host)
            .chain(r.reviewers.iter().copied())
            .map(|u| format!("head-{u}.ics"))
            .collect();
        names.push(format!("school-{}.ics", r.host));
        names.extend(t.adviser.iter().map(|a| format!("adviser-{a}.ics")));
        for name in names {
            let (seq, start, status) = events(&files[&name])[&uid].clone();
            assert_eq!(status, "CANCELLED", "{name}");
            assert_eq!(seq, r.sequence + 1, "{name}");
            assert_eq!(start, r.start.unwrap().format("%Y%m%d").to_string());
            cancelled += 1;
        }
    }
    assert_eq!(cancelled, 3 * 5);
    // Nothing else is cancelled: every other entry is the new plan's.
    let total = files
        .values()
        .flat_map(|text| events(text).into_values())
        .filter(|e| e.2 == "CANCELLED")
        .count();
    assert_eq!(total, cancelled);
}
