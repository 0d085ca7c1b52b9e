//! Calendars (RFC 5545) of a dated plan: one per person and one per school,
//! one VEVENT per review. UIDs depend only on the group and the host, and
//! SEQUENCE comes from the plan, so re-publishing a changed plan updates
//! entries in people's calendars instead of duplicating them.
//!
//! Given the previously published plan, every entry a calendar had that the
//! new plan no longer puts there (the review is gone, lost its date, or the
//! person is no longer in it) is published once more with STATUS:CANCELLED
//! and a higher SEQUENCE, so that calendar clients remove it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Days, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use optimiser::model::Urn;
use optimiser::schedule::Person;
use optimiser::triads::plan::{Review, Triad};
use optimiser::triads::Plan;

pub struct IcsOptions {
    /// Right-hand side of every UID; a domain the council controls.
    pub domain: String,
    /// DTSTAMP of every event. Fixed by the caller so that the same plan
    /// always gives the same files.
    pub stamp: DateTime<Utc>,
    /// School names for summaries, where known.
    pub names: HashMap<Urn, String>,
}

/// The UID of a review: stable across re-plans as long as the group keeps its id.
pub fn review_uid(group: &str, host: Urn, domain: &str) -> String {
    format!(
        "review-{:016x}@{domain}",
        fnv1a(&format!("{group}\u{1f}{host}"))
    )
}

/// FNV-1a, written out because std's hashers may change between releases
/// and UIDs must not.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Every calendar of the plan, by file name (`head-<URN>.ics`,
/// `adviser-<id>.ics`, `school-<URN>.ics`), in name order. With the
/// previously published plan, entries it had that this plan drops are
/// cancelled, in the calendars that had them (a file may then hold only
/// cancellations).
pub fn calendars(plan: &Plan, previous: Option<&Plan>, opts: &IcsOptions) -> Vec<(String, String)> {
    let mut files: BTreeMap<String, (String, Vec<Event>)> = BTreeMap::new();
    let mut published: BTreeSet<(String, String)> = BTreeSet::new();
    for (t, r) in dated(plan) {
        let event = event(t, r, opts);
        let uid = review_uid(&t.id, r.host, &opts.domain);
        for (file, title) in calendars_of(t, r, opts) {
            published.insert((file.clone(), uid.clone()));
            files
                .entry(file)
                .or_insert_with(|| (title, Vec::new()))
                .1
                .push(event.clone());
        }
    }
    let now: HashMap<String, u32> = plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter().map(move |r| (t, r)))
        .map(|(t, r)| (review_uid(&t.id, r.host, &opts.domain), r.sequence))
        .collect();
    for (t, r) in previous.map(dated).into_iter().flatten() {
        let uid = review_uid(&t.id, r.host, &opts.domain);
        // Above what was published, and at least the new plan's revision.
        let sequence = (r.sequence + 1).max(now.get(&uid).copied().unwrap_or(0));
        for (file, title) in calendars_of(t, r, opts) {
            if published.contains(&(file.clone(), uid.clone())) {
                continue;
            }
            files
                .entry(file)
                .or_insert_with(|| (title, Vec::new()))
                .1
                .push(cancellation(t, r, sequence, opts));
        }
    }
    files
        .into_iter()
        .map(|(file, (title, events))| {
            let mut cal = Calendar::new();
            cal.name(&text(&title));
            for e in events {
                cal.push(e);
            }
            (file, cal.done().to_string())
        })
        .collect()
}

/// The dated reviews of a plan, with their groups.
fn dated(plan: &Plan) -> impl Iterator<Item = (&Triad, &Review)> {
    plan.triads
        .iter()
        .flat_map(|t| t.reviews.iter().map(move |r| (t, r)))
        .filter(|(_, r)| r.start.is_some() && !r.dates.is_empty())
}

/// The calendars a review appears in, as (file, calendar title): each head's
/// and the adviser's, and the host school's.
fn calendars_of(t: &Triad, r: &Review, opts: &IcsOptions) -> Vec<(String, String)> {
    let mut people: Vec<Person> = std::iter::once(r.host)
        .chain(r.reviewers.iter().copied())
        .map(Person::Head)
        .collect();
    if let Some(a) = t.adviser_at(r) {
        people.push(Person::Adviser(a.to_string()));
    }
    let mut out: Vec<(String, String)> = people
        .iter()
        .map(|p| match p {
            Person::Head(u) => (
                format!("head-{u}.ics"),
                format!("Peer reviews: head of {}", name(opts, *u)),
            ),
            Person::Adviser(a) => (adviser_file(a), format!("Peer reviews: adviser {a}")),
        })
        .collect();
    out.push((
        format!("school-{}.ics", r.host),
        format!("Peer reviews at {}", name(opts, r.host)),
    ));
    out
}

fn event(t: &Triad, r: &Review, opts: &IcsOptions) -> Event {
    let reviewers: Vec<String> = r.reviewers.iter().map(|u| name(opts, *u)).collect();
    let adviser = t.adviser_at(r).unwrap_or("none");
    let description = format!(
        "{}. Host: {}. Lead reviewer: {}. Reviewers: {}. Adviser: {adviser}.",
        report::words::group(&t.id),
        name(opts, r.host),
        name(opts, r.lead),
        reviewers.join(", ")
    );
    all_day(r, opts)
        .uid(&text(&review_uid(&t.id, r.host, &opts.domain)))
        .sequence(r.sequence)
        .summary(&text(&format!("Peer review at {}", name(opts, r.host))))
        .description(&text(&description))
        .done()
}

/// The published entry of `r` withdrawn: same UID and dates, a higher SEQUENCE.
fn cancellation(t: &Triad, r: &Review, sequence: u32, opts: &IcsOptions) -> Event {
    all_day(r, opts)
        .uid(&text(&review_uid(&t.id, r.host, &opts.domain)))
        .sequence(sequence)
        .status(EventStatus::Cancelled)
        .summary(&text(&format!(
            "Cancelled: peer review at {}",
            name(opts, r.host)
        )))
        .description(&text(&format!(
            "This review (group {}) is no longer in your plan.",
            t.id
        )))
        .done()
}

/// An all-day event over the review's dates, stamped.
fn all_day(r: &Review, opts: &IcsOptions) -> Event {
    let first = r.dates[0];
    let last = r.dates[r.dates.len() - 1];
    // All-day events end on the day after the last (DTEND is exclusive).
    let end = last.checked_add_days(Days::new(1)).unwrap_or(last);
    Event::new()
        .timestamp(opts.stamp)
        .starts(first)
        .ends(end)
        .done()
}

fn name(opts: &IcsOptions, u: Urn) -> String {
    match opts.names.get(&u) {
        Some(n) => format!("{n} ({u})"),
        None => format!("school {u}"),
    }
}

/// The value of a text property. RFC 5545 escapes line breaks inside TEXT as
/// `\n`, but a bare CR (or any other control character) in a school's name
/// would end the content line in some readers and start a property of the
/// name's choosing (ATTENDEE:, X-...). Names never need them: each becomes
/// a space, and runs of spaces one.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            ' '
        } else {
            c
        };
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    out
}

/// The calendar file of an adviser: `adviser-<id>.ics`, characters other
/// than letters, digits, `-` and `_` of the id replaced by `_`.
pub fn adviser_file(id: &str) -> String {
    format!("adviser-{}.ics", safe(id))
}

/// A file-name-safe form of an id.
fn safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::BufReader;

    use chrono::NaiveDate;
    use optimiser::model::PhaseGroup;

    use super::*;

    fn opts() -> IcsOptions {
        IcsOptions {
            domain: "test.example".into(),
            stamp: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            names: HashMap::new(),
        }
    }

    /// A group of 1, 2, 3 advised by `adviser`, each review dated a week apart.
    fn plan(adviser: &str) -> Plan {
        let urns = [Urn(1), Urn(2), Urn(3)];
        let mut reviews = Review::rotation(&urns, 1);
        for (i, r) in reviews.iter_mut().enumerate() {
            let date = NaiveDate::from_ymd_opt(2026, 10, 5 + 7 * i as u32).unwrap();
            r.start = Some(date);
            r.dates = vec![date];
            r.sequence = 2;
        }
        let group = Triad::new(
            "G0001".into(),
            PhaseGroup::Primary,
            urns.to_vec(),
            Some(adviser.into()),
            reviews,
        );
        Plan::of_groups(2026, vec![group], vec![])
    }

    /// Per file, UID -> (SEQUENCE, STATUS), read back with the `ical` crate.
    fn read(files: &[(String, String)]) -> BTreeMap<String, BTreeMap<String, (u32, String)>> {
        let mut out = BTreeMap::new();
        for (name, text) in files {
            let mut events = BTreeMap::new();
            for cal in ical::IcalParser::new(BufReader::new(text.as_bytes())) {
                for e in cal.expect("a valid calendar").events {
                    let get = |n: &str| {
                        e.properties
                            .iter()
                            .find(|p| p.name == n)
                            .and_then(|p| p.value.clone())
                    };
                    let seq = get("SEQUENCE").unwrap().parse().unwrap();
                    let status = get("STATUS").unwrap_or_default();
                    events.insert(get("UID").unwrap(), (seq, status));
                }
            }
            out.insert(name.clone(), events);
        }
        out
    }

    #[test]
    fn adviser_files_are_named_as_the_calendars_name_them() {
        for (id, file) in [
            ("adv-01", "adviser-adv-01.ics"),
            ("a b/c", "adviser-a_b_c.ics"),
        ] {
            assert_eq!(adviser_file(id), file);
        }
    }

    #[test]
    fn the_same_plan_again_cancels_nothing() {
        let p = plan("A1");
        assert_eq!(
            calendars(&p, Some(&p), &opts()),
            calendars(&p, None, &opts())
        );
    }

    #[test]
    fn an_adviser_taken_off_a_review_has_it_cancelled() {
        let before = plan("A1");
        let after = plan("A2");
        let files = read(&calendars(&after, Some(&before), &opts()));
        let uid = review_uid("G0001", Urn(1), "test.example");
        assert_eq!(files["adviser-A1.ics"][&uid], (3, "CANCELLED".into()));
        assert_eq!(files["adviser-A2.ics"][&uid], (2, String::new()));
        // The heads and the school keep their entry as it was.
        assert_eq!(files["head-1.ics"][&uid], (2, String::new()));
        assert_eq!(files["school-1.ics"][&uid], (2, String::new()));
        assert_eq!(files["adviser-A1.ics"].len(), 3);
    }

    #[test]
    fn a_review_that_lost_its_date_is_cancelled_everywhere_it_was() {
        let before = plan("A1");
        let mut after = before.clone();
        let r = &mut after.triads[0].reviews[1];
        r.start = None;
        r.dates.clear();
        r.unscheduled_reason = Some("no date".into());
        r.sequence = 3;
        // The whole second group is gone too.
        let mut gone = before.triads[0].clone();
        gone.id = "G0002".into();
        let before = Plan {
            triads: vec![before.triads[0].clone(), gone],
            ..before
        };
        let files = read(&calendars(&after, Some(&before), &opts()));
        let lost = review_uid("G0001", Urn(2), "test.example");
        let dissolved = review_uid("G0002", Urn(2), "test.example");
        for f in [
            "head-1.ics",
            "head-2.ics",
            "head-3.ics",
            "adviser-A1.ics",
            "school-2.ics",
        ] {
            assert_eq!(files[f][&lost], (3, "CANCELLED".into()), "{f}");
            assert_eq!(files[f][&dissolved], (3, "CANCELLED".into()), "{f}");
        }
        let kept = review_uid("G0001", Urn(1), "test.example");
        assert_eq!(files["head-2.ics"][&kept], (2, String::new()));
    }

    #[test]
    fn control_characters_in_names_cannot_add_properties() {
        let p = plan("A1\rATTENDEE:mailto:x@evil.example");
        let mut o = opts();
        o.names.insert(
            Urn(1),
            "Oak\rATTENDEE:mailto:spy@evil.example\nX-INJECTED:1\r\n\tDTSTART:19990101\u{7}\u{85}"
                .into(),
        );
        for (file, body) in calendars(&p, Some(&plan("A2")), &o) {
            // Every content line ends CRLF and holds no other control character.
            for line in body.split("\r\n") {
                assert!(
                    !line.chars().any(|c| c.is_control() && c != '\t'),
                    "{file}: {line:?}"
                );
            }
            for cal in ical::IcalParser::new(BufReader::new(body.as_bytes())) {
                let cal = cal.expect("a valid calendar");
                for e in cal.events {
                    let names: Vec<&str> = e.properties.iter().map(|p| p.name.as_str()).collect();
                    assert!(
                        !names
                            .iter()
                            .any(|n| *n == "ATTENDEE" || n.starts_with("X-")),
                        "{file}: {names:?}"
                    );
                    let dtstarts = names.iter().filter(|n| **n == "DTSTART").count();
                    assert_eq!(dtstarts, 1, "{file}: {names:?}");
                }
                assert!(
                    !cal.properties.iter().any(|p| p.name == "ATTENDEE"),
                    "{file}"
                );
            }
            if file == "school-1.ics" {
                let unfolded = body.replace("\r\n ", "");
                assert!(
                    unfolded.contains(
                        "Oak ATTENDEE:mailto:spy@evil.example X-INJECTED:1 DTSTART:19990101"
                    ),
                    "{unfolded}"
                );
            }
        }
    }

    #[test]
    fn text_keeps_ordinary_names_and_drops_control_characters() {
        assert_eq!(text("St Mary's C of E, Grays"), "St Mary's C of E, Grays");
        assert_eq!(text("A\r\nB\u{0}C\u{1b}[0m"), "A B C [0m");
    }
}
