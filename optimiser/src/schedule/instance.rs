//! The reviews of a plan flattened for the model: who each needs, and the
//! starts on which all of them can come.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::review_heads;
use crate::calendar::Days;
use crate::calendar::{Availability, Level, Person};
use crate::model::Urn;
use crate::triads::{AdviserPresence, Plan};

/// One review of the plan.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub triad: usize,
    pub review: usize,
    pub host: Urn,
    /// Heads (host first), then the adviser where they attend this review.
    pub people: Vec<Person>,
    /// Why the adviser does not attend this review, where they do not.
    pub adviser_absent: Option<String>,
    /// The adviser in `people` may be let go with their whole group (see
    /// `Start::adviser`); never for a pinned group, whose adviser may be
    /// the SIM's choice.
    pub releasable: bool,
    pub len: usize,
    /// The start in the previous plan, if it had one.
    pub previous: Option<NaiveDate>,
    /// The previous start is still feasible: leaving it, for another date or
    /// for none, pays `weights.moved`.
    pub previous_works: bool,
    pub starts: Vec<Start>,
}

/// A start on which every person of the review can come on every day.
#[derive(Debug, Clone)]
pub(crate) struct Start {
    /// Index of the first school day.
    pub day: usize,
    /// Person-days on "possible" (not preferred) dates.
    pub possible: u32,
    pub preferred: u32,
    /// Differs from the previous plan's date while that date still works:
    /// a move that is not forced, and pays `weights.moved`.
    pub moved: bool,
    /// The review's adviser comes on this start. A releasable item also
    /// has starts on the heads' dates alone (false here), open only if the
    /// model lets the group's adviser go.
    pub adviser: bool,
}

pub(crate) struct Instance<'a> {
    pub days: Days,
    pub availability: &'a Availability,
    pub items: Vec<Item>,
}

impl<'a> Instance<'a> {
    /// The plan's reviews; the adviser attends every review, or under
    /// `AdviserPresence::OneReview` the one review of their group with the
    /// most starts they and its heads share (the first such review on a tie).
    pub fn new(
        plan: &Plan,
        days: Days,
        availability: &'a Availability,
        previous: &BTreeMap<(String, Urn), NaiveDate>,
        presence: AdviserPresence,
    ) -> Instance<'a> {
        let mut inst = Instance {
            days,
            availability,
            items: Vec::new(),
        };
        for (ti, t) in plan.triads.iter().enumerate() {
            let heads_of = |r: &crate::triads::Review| -> Vec<Person> {
                review_heads(r.host, &r.reviewers)
                    .into_iter()
                    .map(Person::Head)
                    .collect()
            };
            let attended: Option<usize> = match (&t.adviser, presence) {
                (None, _) => None,
                (Some(_), AdviserPresence::EveryReview) => None,
                (Some(a), AdviserPresence::OneReview) => {
                    let mut best: Option<(usize, usize)> = None;
                    for (ri, r) in t.reviews.iter().enumerate() {
                        let mut people = heads_of(r);
                        people.push(Person::Adviser(a.clone()));
                        let n = inst.starts(&people, r.days.max(1) as usize, None).len();
                        if best.is_none_or(|(_, m)| n > m) {
                            best = Some((ri, n));
                        }
                    }
                    best.map(|(ri, _)| ri)
                }
            };
            for (ri, r) in t.reviews.iter().enumerate() {
                let mut people = heads_of(r);
                let mut adviser_absent = None;
                match (&t.adviser, presence) {
                    (None, _) => {
                        adviser_absent = Some(format!(
                            "group {} has no adviser",
                            crate::triads::group_number(&t.id)
                        ));
                    }
                    (Some(a), AdviserPresence::EveryReview) => {
                        people.push(Person::Adviser(a.clone()));
                    }
                    (Some(a), AdviserPresence::OneReview) => {
                        if attended == Some(ri) {
                            people.push(Person::Adviser(a.clone()));
                        } else {
                            let at = attended.map(|x| t.reviews[x].host);
                            adviser_absent = Some(format!(
                                "this year's rules ask the adviser of group {} to one of its reviews: the one at the school with URN {}, whose heads share the most dates with them",
                                crate::triads::group_number(&t.id),
                                at.map_or_else(|| "none".to_string(), |u| u.to_string())
                            ));
                        }
                    }
                }
                let len = r.days.max(1) as usize;
                let prev = previous.get(&(t.id.clone(), r.host)).copied();
                let with_adviser = people.len() > heads_of(r).len();
                let releasable = with_adviser && !t.pinned;
                let mut starts = inst.starts(&people, len, prev);
                starts.iter_mut().for_each(|s| s.adviser = with_adviser);
                if releasable {
                    starts.extend(inst.starts(&heads_of(r), len, prev));
                }
                let previous_works = starts.iter().any(|s| Some(inst.days.days[s.day]) == prev);
                if !previous_works {
                    // The old date no longer works: wherever it goes is no worse.
                    starts.iter_mut().for_each(|s| s.moved = false);
                }
                inst.items.push(Item {
                    triad: ti,
                    review: ri,
                    host: r.host,
                    people,
                    adviser_absent,
                    releasable,
                    len,
                    previous: prev,
                    previous_works,
                    starts,
                });
            }
        }
        inst
    }

    /// The person's level on school day `day`, `None` where unavailable or
    /// their school is blacked out.
    pub fn level(&self, p: &Person, day: usize) -> Option<Level> {
        if let Person::Head(u) = p {
            if self
                .days
                .school_off
                .get(u)
                .is_some_and(|s| s.contains(&day))
            {
                return None;
            }
        }
        self.availability.level(p, self.days.days[day])
    }

    pub fn starts(&self, people: &[Person], len: usize, prev: Option<NaiveDate>) -> Vec<Start> {
        let mut out = Vec::new();
        for day in 0..self.days.days.len() {
            let Some(span) = self.days.span(day, len) else {
                continue;
            };
            let (mut possible, mut preferred) = (0, 0);
            let ok = span.clone().all(|d| {
                people.iter().all(|p| match self.level(p, d) {
                    Some(Level::Preferred) => {
                        preferred += 1;
                        true
                    }
                    Some(Level::Possible) => {
                        possible += 1;
                        true
                    }
                    None => false,
                })
            });
            if ok {
                out.push(Start {
                    day,
                    possible,
                    preferred,
                    moved: prev.is_some_and(|p| p != self.days.days[day]),
                    adviser: false,
                });
            }
        }
        out
    }

    /// School days the person can come on, within the window.
    pub fn offered(&self, p: &Person) -> usize {
        (0..self.days.days.len())
            .filter(|d| self.level(p, *d).is_some())
            .count()
    }
}

impl Item {
    /// Who comes on start `s`: everyone, or without the adviser on a start
    /// of the heads' dates alone.
    pub fn people_at<'p>(&'p self, s: &'p Start) -> impl Iterator<Item = &'p Person> + 'p {
        self.people
            .iter()
            .filter(move |p| s.adviser || matches!(p, Person::Head(_)))
    }

    /// The item once its group's adviser is let go (`released`) or kept:
    /// only the starts that choice leaves open, the adviser gone from
    /// `people` where released; `choice` (an index into the starts) is
    /// moved to the same start in the new list.
    pub fn settle(&mut self, released: Option<String>, choice: &mut Option<usize>) {
        if !self.releasable {
            return;
        }
        let keep = released.is_none();
        let chosen = choice.map(|c| self.starts[c].day);
        self.starts.retain(|s| s.adviser == keep);
        *choice = chosen.and_then(|d| self.starts.iter().position(|s| s.day == d));
        if let Some(why) = released {
            self.people.retain(|p| matches!(p, Person::Head(_)));
            self.adviser_absent = Some(why);
        }
        self.releasable = false;
    }
}

/// The previous plan's dates, by (group id, host).
pub(crate) fn previous_dates(previous: Option<&Plan>) -> BTreeMap<(String, Urn), NaiveDate> {
    let mut out = BTreeMap::new();
    for t in previous.map(|p| p.triads.as_slice()).unwrap_or_default() {
        for r in &t.reviews {
            if let Some(s) = r.start {
                out.insert((t.id.clone(), r.host), s);
            }
        }
    }
    out
}
