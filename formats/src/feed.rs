//! Subscription calendars (RFC 5545): the events of a published plan as a
//! person's calendar application fetches them again and again from one
//! secret address, so that a re-published plan updates or cancels them
//! without anyone importing a file.
//!
//! Two halves, both pure: [`plan_events`] turns a plan into the events
//! everyone shares (one per review, or per run of weekdays where a review's
//! days straddle a weekend), each with a stable key and the people it
//! concerns; the service records them with a SEQUENCE when a plan is
//! published. [`feed`] writes one person's calendar from what was recorded.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

use optimiser::model::{Adviser, Headteacher, School, Urn};
use optimiser::schedule::Person;
use optimiser::triads::Plan;

use crate::ics::text;

/// The product's PRODID: who wrote the calendar (RFC 5545 3.7.3).
pub const PRODID: &str = "-//School peer review//Peer review plan//EN";

/// How often calendar applications should fetch the feed again.
pub const REFRESH: &str = "PT12H";

/// One event of a published plan, as everyone in it sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEvent {
    /// Stable across plan versions: the year and the host school (and the
    /// part, where a review is split around a weekend), never the plan's
    /// version or a group id that re-planning renumbers.
    pub key: String,
    /// First day, and the day after the last (DTEND of an all-day event is
    /// exclusive).
    pub first: NaiveDate,
    pub end: NaiveDate,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// Who has it in their calendar, as [`person_key`]s, sorted.
    pub people: Vec<String>,
}

impl PlanEvent {
    /// What a calendar shows of the event, hashed: when it changes between
    /// two publishes the event's SEQUENCE goes up.
    pub fn fingerprint(&self) -> String {
        let joined = [
            self.first.to_string(),
            self.end.to_string(),
            self.summary.clone(),
            self.location.clone(),
            self.description.clone(),
            self.people.join(","),
        ]
        .join("\u{1f}");
        format!("{:016x}", fnv1a(&joined))
    }
}

/// How a person is named in recorded events: `head:<URN>` or
/// `adviser:<id>`, as the users table knows them (a head's URN, an
/// adviser's id in the year's inputs).
pub fn person_key(p: &Person) -> String {
    match p {
        Person::Head(u) => format!("head:{u}"),
        Person::Adviser(a) => format!("adviser:{a}"),
    }
}

/// What names the events: the year's schools, heads and advisers.
pub struct Names<'a> {
    pub schools: &'a [School],
    pub heads: &'a [Headteacher],
    pub advisers: &'a [Adviser],
}

/// The events of a plan: every dated review, with the host school's name
/// and address as its location and the people by name. `year` makes keys
/// unique between years (the year's id).
pub fn plan_events(year: i64, plan: &Plan, names: &Names) -> Vec<PlanEvent> {
    let schools: HashMap<Urn, &School> = names.schools.iter().map(|s| (s.urn, s)).collect();
    let heads: HashMap<Urn, &str> = names
        .heads
        .iter()
        .map(|h| (h.school, h.name.as_str()))
        .collect();
    let advisers: HashMap<&str, &str> = names
        .advisers
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let school = |u: Urn| {
        schools
            .get(&u)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| format!("school with URN {u}"))
    };
    let head = |u: Urn| match heads.get(&u) {
        Some(h) => format!("{h} ({})", school(u)),
        None => format!("the head of {}", school(u)),
    };
    let mut out = Vec::new();
    for t in &plan.triads {
        for r in &t.reviews {
            if r.start.is_none() || r.dates.is_empty() {
                continue;
            }
            let adviser = t.adviser_at(r);
            let mut people: Vec<String> = std::iter::once(r.host)
                .chain(r.reviewers.iter().copied())
                .map(|u| person_key(&Person::Head(u)))
                .collect();
            if let Some(a) = adviser {
                people.push(person_key(&Person::Adviser(a.to_string())));
            }
            people.sort();
            people.dedup();
            let others: Vec<String> = r
                .reviewers
                .iter()
                .filter(|u| **u != r.lead)
                .map(|u| head(*u))
                .collect();
            let mut description = format!(
                "Peer review of {}. Host: {}. Lead reviewer: {}.",
                school(r.host),
                head(r.host),
                head(r.lead)
            );
            if !others.is_empty() {
                description.push_str(&format!(" Reviewers: {}.", others.join(", ")));
            }
            description.push_str(&match adviser {
                Some(a) => format!(
                    " Adviser: {}.",
                    advisers
                        .get(a)
                        .copied()
                        .unwrap_or("an adviser not in the year's list")
                ),
                None => " No adviser at this review.".to_string(),
            });
            let location = schools
                .get(&r.host)
                .map(|s| location(s))
                .unwrap_or_else(|| school(r.host));
            let runs = weekday_runs(&r.dates);
            let parts = runs.len();
            for (i, (first, last)) in runs.into_iter().enumerate() {
                let key = if i == 0 {
                    format!("review-{year}-{}", r.host)
                } else {
                    format!("review-{year}-{}-part{}", r.host, i + 1)
                };
                let summary = if parts > 1 {
                    format!(
                        "Peer review at {} (part {} of {parts})",
                        school(r.host),
                        i + 1
                    )
                } else {
                    format!("Peer review at {}", school(r.host))
                };
                out.push(PlanEvent {
                    key,
                    first,
                    end: last.checked_add_days(Days::new(1)).unwrap_or(last),
                    summary,
                    location: location.clone(),
                    description: description.clone(),
                    people: people.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// A school's name and address as one line: name, town and postcode where
/// GIAS has them (what a map search in a calendar application finds).
pub fn location(s: &School) -> String {
    std::iter::once(s.name.as_str())
        .chain(s.town.as_deref())
        .chain(s.postcode.as_deref())
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The review's days as runs of consecutive weekdays: an all-day event over
/// a Friday and the Monday after would otherwise cover the weekend in
/// people's calendars. Weekend days themselves are left out.
fn weekday_runs(dates: &[NaiveDate]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut days: Vec<NaiveDate> = dates
        .iter()
        .copied()
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    days.sort();
    days.dedup();
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for d in days {
        match runs.last_mut() {
            Some((_, last)) if last.succ_opt() == Some(d) => *last = d,
            _ => runs.push((d, d)),
        }
    }
    runs
}

/// One event of a person's feed, as recorded at the latest publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub key: String,
    pub sequence: u32,
    /// Gone from the plan, or the person is no longer in it.
    pub cancelled: bool,
    pub first: NaiveDate,
    pub end: NaiveDate,
    pub summary: String,
    pub location: String,
    pub description: String,
}

/// A person's subscription calendar: named for them and the year, fetched
/// again every [`REFRESH`], all-day events (no time zone needed; the
/// calendar still says Europe/London, the council's), cancelled entries as
/// STATUS:CANCELLED with their SEQUENCE so that applications remove them.
/// `domain` is the right-hand side of every UID; `stamp` the DTSTAMP.
pub fn feed(name: &str, entries: &[FeedEntry], domain: &str, stamp: DateTime<Utc>) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name(&text(name))
        .timezone("Europe/London")
        .append_property(
            Property::new("REFRESH-INTERVAL", REFRESH)
                .add_parameter("VALUE", "DURATION")
                .done(),
        )
        .append_property(Property::new("X-PUBLISHED-TTL", REFRESH));
    for e in entries {
        let mut ev = Event::new();
        ev.uid(&format!("{}@{domain}", e.key))
            .timestamp(stamp)
            .sequence(e.sequence)
            .starts(e.first)
            .ends(e.end)
            .location(&text(&e.location));
        if e.cancelled {
            ev.status(EventStatus::Cancelled)
                .summary(&text(&format!("Cancelled: {}", e.summary)))
                .description(&text(&format!(
                    "This is no longer in your published plan. It was: {}",
                    e.description
                )));
        } else {
            ev.status(EventStatus::Confirmed)
                .summary(&text(&e.summary))
                .description(&text(&e.description));
        }
        cal.push(ev.done());
    }
    cal.done().to_string()
}

/// FNV-1a, written out because std's hashers may change between releases
/// and recorded fingerprints must not.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::io::BufReader;

    use optimiser::model::{AdviserKind, PhaseGroup};
    use optimiser::triads::plan::{Review, Triad};

    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    /// A group of 1, 2, 3 advised by A1; the review at 1 on `dates`.
    fn plan(dates: Vec<NaiveDate>) -> Plan {
        let urns = [Urn(1), Urn(2), Urn(3)];
        let mut reviews = Review::rotation(&urns, 0);
        for (i, r) in reviews.iter_mut().enumerate() {
            r.dates = if i == 0 {
                dates.clone()
            } else {
                vec![d(10, 5 + 7 * i as u32)]
            };
            r.days = r.dates.len() as u32;
            r.start = r.dates.first().copied();
        }
        let group = Triad::new(
            "G0001".into(),
            PhaseGroup::Primary,
            urns.to_vec(),
            Some("A1".into()),
            reviews,
        );
        Plan::of_groups(2026, vec![group], vec![])
    }

    fn names() -> (Vec<School>, Vec<Headteacher>, Vec<Adviser>) {
        let mut school: School = serde_json::from_value(serde_json::json!({
            "urn": 1, "name": "Oak Primary", "la_code": 883, "la_name": "Thurrock",
            "phase": "Primary", "establishment_type": "Academy converter",
            "trust": null, "location": null, "postcode": "RM17 6AA", "pupils": null,
            "fsm_percent": null, "ofsted": null, "last_inspection": null,
            "religious_character": null
        }))
        .expect("a school");
        let oak = school.clone();
        school.urn = Urn(2);
        school.name = "Elm, \"Juniors\"; Grays".into();
        school.postcode = None;
        let heads = vec![Headteacher {
            school: Urn(1),
            name: "Ann Host".into(),
            email: String::new(),
        }];
        let adviser: Adviser = serde_json::from_value(serde_json::json!({
            "id": "A1", "name": "Dee Adviser", "kind": AdviserKind::LaOfficer,
            "phases": ["primary"], "capacity_days": 10, "day_rate": 0.0, "base": null,
            "linked_school": null, "linked_trust": null
        }))
        .expect("an adviser");
        (vec![oak, school], heads, vec![adviser])
    }

    fn events(p: &Plan) -> Vec<PlanEvent> {
        let (schools, heads, advisers) = names();
        plan_events(
            7,
            p,
            &Names {
                schools: &schools,
                heads: &heads,
                advisers: &advisers,
            },
        )
    }

    #[test]
    fn the_location_names_the_town_where_gias_gives_it() {
        let (mut schools, _, _) = names();
        schools[0].town = Some("Grays".into());
        assert_eq!(location(&schools[0]), "Oak Primary, Grays, RM17 6AA");
        schools[0].town = Some("  ".into());
        assert_eq!(location(&schools[0]), "Oak Primary, RM17 6AA");
    }

    #[test]
    fn events_name_people_and_place_and_keep_their_key_when_moved() {
        let before = events(&plan(vec![d(10, 5)]));
        assert_eq!(before.len(), 3);
        let oak = &before[0];
        assert_eq!(oak.key, "review-7-1");
        assert_eq!(oak.location, "Oak Primary, RM17 6AA");
        assert!(
            oak.description.contains("Host: Ann Host (Oak Primary)"),
            "{}",
            oak.description
        );
        assert!(
            oak.description.contains("Adviser: Dee Adviser."),
            "{}",
            oak.description
        );
        assert!(!oak.description.contains("A1"), "{}", oak.description);
        assert_eq!(oak.people, ["adviser:A1", "head:1", "head:2", "head:3"]);
        let after = events(&plan(vec![d(10, 6)]));
        assert_eq!(after[0].key, oak.key);
        assert_ne!(after[0].fingerprint(), oak.fingerprint());
        assert_eq!(after[1].fingerprint(), before[1].fingerprint());
    }

    #[test]
    fn a_review_over_a_weekend_is_two_events_of_weekdays() {
        // Friday 9 and Monday 12 October 2026, and a stray Saturday.
        let e = events(&plan(vec![d(10, 9), d(10, 10), d(10, 12), d(10, 13)]));
        let oak: Vec<_> = e
            .iter()
            .filter(|e| e.key.starts_with("review-7-1"))
            .collect();
        assert_eq!(oak.len(), 2);
        assert_eq!((oak[0].first, oak[0].end), (d(10, 9), d(10, 10)));
        assert_eq!((oak[1].first, oak[1].end), (d(10, 12), d(10, 14)));
        assert_eq!(oak[1].key, "review-7-1-part2");
        for e in &e {
            let mut day = e.first;
            while day < e.end {
                assert!(
                    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                    "{e:?}"
                );
                day = day.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn the_feed_reads_back_with_its_name_refresh_and_cancellations() {
        let e = events(&plan(vec![d(10, 5)]));
        let entries: Vec<FeedEntry> = e
            .iter()
            .enumerate()
            .map(|(i, e)| FeedEntry {
                key: e.key.clone(),
                sequence: i as u32,
                cancelled: i == 1,
                first: e.first,
                end: e.end,
                summary: e.summary.clone(),
                location: e.location.clone(),
                description: e.description.clone(),
            })
            .collect();
        let stamp = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let body = feed(
            "Peer review 2026-27: Ann\r\nX-EVIL:1",
            &entries,
            "x.example",
            stamp,
        );
        for line in body.split("\r\n") {
            assert!(line.len() <= 75, "folded: {line:?}");
        }
        let cal = ical::IcalParser::new(BufReader::new(body.as_bytes()))
            .next()
            .unwrap()
            .expect("a valid calendar");
        let prop = |n: &str| {
            cal.properties
                .iter()
                .find(|p| p.name == n)
                .and_then(|p| p.value.clone())
        };
        assert_eq!(prop("PRODID").as_deref(), Some(PRODID));
        assert_eq!(
            prop("X-WR-CALNAME").as_deref(),
            Some("Peer review 2026-27: Ann X-EVIL:1")
        );
        assert_eq!(prop("REFRESH-INTERVAL").as_deref(), Some("PT12H"));
        assert_eq!(prop("X-PUBLISHED-TTL").as_deref(), Some("PT12H"));
        assert!(prop("X-EVIL").is_none());
        assert_eq!(cal.events.len(), 3);
        let get = |i: usize, n: &str| {
            cal.events[i]
                .properties
                .iter()
                .find(|p| p.name == n)
                .and_then(|p| p.value.clone())
                .unwrap_or_default()
        };
        assert_eq!(get(0, "UID"), "review-7-1@x.example");
        assert_eq!(get(0, "DTSTART"), "20261005");
        assert_eq!(get(0, "DTEND"), "20261006");
        assert_eq!(get(1, "STATUS"), "CANCELLED");
        assert_eq!(get(1, "SEQUENCE"), "1");
        assert!(get(1, "SUMMARY").starts_with("Cancelled: "));
        // Commas and semicolons of a school's name are escaped, not fields.
        assert!(
            get(1, "LOCATION").contains("Elm\\, \"Juniors\"\\; Grays"),
            "{}",
            get(1, "LOCATION")
        );
    }
}
