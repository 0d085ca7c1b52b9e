//! The programme's calendar: the window, the half-terms (school days are the
//! weekdays inside one), and blackout dates for everyone or one school.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::model::Urn;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HalfTerm {
    pub name: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// Days nobody (or one school) takes part in a review: bank holidays, the
/// SATs week, INSET days, an expected inspection. `last` defaults to `first`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blackout {
    pub first: NaiveDate,
    #[serde(default)]
    pub last: Option<NaiveDate>,
    #[serde(default)]
    pub reason: String,
}

impl Blackout {
    pub fn last_day(&self) -> NaiveDate {
        self.last.unwrap_or(self.first)
    }
    pub fn covers(&self, d: NaiveDate) -> bool {
        self.first <= d && d <= self.last_day()
    }
}

/// A blackout of one school; its head takes part in no review on those days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolBlackout {
    pub urn: Urn,
    pub first: NaiveDate,
    #[serde(default)]
    pub last: Option<NaiveDate>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// First and last day a review may take place.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Term dates, by half-term. Empty: every weekday of the window is a
    /// school day, and the whole window counts as one period for the burden rule.
    #[serde(default, rename = "half_term")]
    pub half_terms: Vec<HalfTerm>,
    #[serde(default, rename = "blackout")]
    pub blackouts: Vec<Blackout>,
    #[serde(default, rename = "school_blackout")]
    pub school_blackouts: Vec<SchoolBlackout>,
}

impl Calendar {
    /// Checks the dates a file could get wrong.
    pub fn check(&self) -> Result<(), String> {
        if self.last < self.first {
            return Err(format!(
                "the window ends ({}) before it starts ({})",
                self.last, self.first
            ));
        }
        let mut sorted: Vec<&HalfTerm> = self.half_terms.iter().collect();
        sorted.sort_by_key(|h| h.first);
        for h in &sorted {
            if h.last < h.first {
                return Err(format!(
                    "half-term {:?} ends ({}) before it starts ({})",
                    h.name, h.last, h.first
                ));
            }
        }
        for w in sorted.windows(2) {
            if w[1].first <= w[0].last {
                return Err(format!(
                    "half-terms {:?} and {:?} overlap",
                    w[0].name, w[1].name
                ));
            }
        }
        for b in &self.blackouts {
            if b.last_day() < b.first {
                return Err(format!("blackout from {} ends before it starts", b.first));
            }
        }
        for b in &self.school_blackouts {
            if b.last.unwrap_or(b.first) < b.first {
                return Err(format!(
                    "blackout of school {} from {} ends before it starts",
                    b.urn, b.first
                ));
            }
        }
        Ok(())
    }
}

/// The calendar turned into indexed school days, for fast lookups.
#[derive(Debug, Clone)]
pub struct Days {
    /// School days in order: weekdays of the window inside a half-term and
    /// outside every global blackout.
    pub days: Vec<NaiveDate>,
    /// Half-term of each school day (index into `periods`).
    pub period: Vec<usize>,
    /// Names of the periods the burden rule counts in.
    pub periods: Vec<String>,
    pub index: BTreeMap<NaiveDate, usize>,
    /// Per school, the school days it is blacked out.
    pub school_off: BTreeMap<Urn, BTreeSet<usize>>,
}

impl Days {
    pub fn new(cal: &Calendar) -> Days {
        let mut half_terms: Vec<&HalfTerm> = cal.half_terms.iter().collect();
        half_terms.sort_by_key(|h| h.first);
        let periods: Vec<String> = if half_terms.is_empty() {
            vec!["the window".to_string()]
        } else {
            half_terms.iter().map(|h| h.name.clone()).collect()
        };
        let mut days = Vec::new();
        let mut period = Vec::new();
        let mut d = cal.first;
        while d <= cal.last {
            let weekday = !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            let p = if half_terms.is_empty() {
                Some(0)
            } else {
                half_terms.iter().position(|h| h.first <= d && d <= h.last)
            };
            if let (true, Some(p)) = (weekday, p) {
                if !cal.blackouts.iter().any(|b| b.covers(d)) {
                    days.push(d);
                    period.push(p);
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        let index: BTreeMap<NaiveDate, usize> =
            days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        let mut school_off: BTreeMap<Urn, BTreeSet<usize>> = BTreeMap::new();
        for b in &cal.school_blackouts {
            let last = b.last.unwrap_or(b.first);
            let set = school_off.entry(b.urn).or_default();
            for (d, i) in index.range(b.first..=last) {
                debug_assert!(*d <= last);
                set.insert(*i);
            }
        }
        Days {
            days,
            period,
            periods,
            index,
            school_off,
        }
    }

    /// The school days a review of `len` days starting on day `start` takes:
    /// consecutive school days inside one half-term.
    pub fn span(&self, start: usize, len: usize) -> Option<std::ops::Range<usize>> {
        let end = start + len;
        if len == 0 || end > self.days.len() {
            return None;
        }
        let p = self.period[start];
        let same_period = self.period[start..end].iter().all(|q| *q == p);
        // A global blackout inside the run breaks it: the days must follow
        // one another on the school calendar, weekends aside.
        let contiguous = self.days[start..end].windows(2).all(|w| {
            let gap = (w[1] - w[0]).num_days();
            gap == 1 || (gap == 3 && w[0].weekday() == Weekday::Fri)
        });
        (same_period && contiguous).then_some(start..end)
    }
}
