//! Who is available when: per person, dates marked preferred or possible;
//! every other date is unavailable.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::Urn;

/// A person who takes part in reviews: a school's head, or an adviser.
/// Written `head:<URN>` or `adviser:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Person {
    Head(Urn),
    Adviser(String),
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Person::Head(u) => write!(f, "head:{u}"),
            Person::Adviser(id) => write!(f, "adviser:{id}"),
        }
    }
}

impl FromStr for Person {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let (kind, rest) = t
            .split_once(':')
            .ok_or_else(|| format!("{s:?} is not head:<URN> or adviser:<id>"))?;
        match kind.trim().to_ascii_lowercase().as_str() {
            "head" => Ok(Person::Head(rest.parse()?)),
            "adviser" if !rest.trim().is_empty() => Ok(Person::Adviser(rest.trim().to_string())),
            _ => Err(format!("{s:?} is not head:<URN> or adviser:<id>")),
        }
    }
}

impl Serialize for Person {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Person {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Possible,
    Preferred,
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "preferred" => Ok(Level::Preferred),
            "possible" => Ok(Level::Possible),
            _ => Err(format!("{s:?} is not preferred or possible")),
        }
    }
}

/// Per person, the dates they offered. A person with no entry offered nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    pub people: BTreeMap<Person, BTreeMap<NaiveDate, Level>>,
}

impl Availability {
    pub fn level(&self, p: &Person, d: NaiveDate) -> Option<Level> {
        self.people.get(p).and_then(|m| m.get(&d).copied())
    }

    /// Marks a date; a date given twice keeps the better level.
    pub fn insert(&mut self, p: Person, d: NaiveDate, level: Level) {
        let e = self.people.entry(p).or_default().entry(d).or_insert(level);
        *e = (*e).max(level);
    }
}
