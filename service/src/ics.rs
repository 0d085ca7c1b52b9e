//! Calendars (RFC 5545) of a dated plan: one per person and one per school,
//! one VEVENT per review. UIDs depend only on the group and the host, and
//! SEQUENCE comes from the plan, so re-publishing a changed plan updates
//! entries in people's calendars instead of duplicating them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

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
/// `adviser-<id>.ics`, `school-<URN>.ics`), in name order.
pub fn calendars(plan: &Plan, opts: &IcsOptions) -> Vec<(String, String)> {
    let mut files: BTreeMap<String, (String, Vec<Event>)> = BTreeMap::new();
    for t in &plan.triads {
        for r in &t.reviews {
            if r.start.is_none() || r.dates.is_empty() {
                continue;
            }
            let event = event(t, r, opts);
            let mut people: Vec<Person> = std::iter::once(r.host)
                .chain(r.reviewers.iter().copied())
                .map(Person::Head)
                .collect();
            if let Some(a) = &t.adviser {
                people.push(Person::Adviser(a.clone()));
            }
            for p in &people {
                let (file, title) = match p {
                    Person::Head(u) => (
                        format!("head-{u}.ics"),
                        format!("Peer reviews: head of {}", name(opts, *u)),
                    ),
                    Person::Adviser(a) => (
                        format!("adviser-{}.ics", safe(a)),
                        format!("Peer reviews: adviser {a}"),
                    ),
                };
                files
                    .entry(file)
                    .or_insert_with(|| (title, Vec::new()))
                    .1
                    .push(event.clone());
            }
            files
                .entry(format!("school-{}.ics", r.host))
                .or_insert_with(|| {
                    (
                        format!("Peer reviews at {}", name(opts, r.host)),
                        Vec::new(),
                    )
                })
                .1
                .push(event);
        }
    }
    files
        .into_iter()
        .map(|(file, (title, events))| {
            let mut cal = Calendar::new();
            cal.name(&title);
            for e in events {
                cal.push(e);
            }
            (file, cal.done().to_string())
        })
        .collect()
}

fn event(t: &Triad, r: &Review, opts: &IcsOptions) -> Event {
    let first = r.dates[0];
    let last = r.dates[r.dates.len() - 1];
    // All-day events end on the day after the last (DTEND is exclusive).
    let end = last.checked_add_days(Days::new(1)).unwrap_or(last);
    let reviewers: Vec<String> = r.reviewers.iter().map(|u| name(opts, *u)).collect();
    let adviser = t.adviser.as_deref().unwrap_or("none");
    let description = format!(
        "Group {}. Host: {}. Lead reviewer: {}. Reviewers: {}. Adviser: {adviser}.",
        t.id,
        name(opts, r.host),
        name(opts, r.lead),
        reviewers.join(", ")
    );
    Event::new()
        .uid(&review_uid(&t.id, r.host, &opts.domain))
        .sequence(r.sequence)
        .timestamp(opts.stamp)
        .summary(&format!("Peer review at {}", name(opts, r.host)))
        .description(&description)
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
