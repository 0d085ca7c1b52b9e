//! The JSON the API answers, read back by pages (see `inproc`), and the
//! small formatting helpers every page shares.

use chrono::NaiveDate;
use serde::Deserialize;

use report::words;
use store::writeups::{AdviserRef, SchoolRef};

/// `GET /api/years/{year}/my/group` and each group of `my/assignments`.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupView {
    pub plan_version: i64,
    pub group_id: String,
    pub schools: Vec<SchoolRef>,
    pub adviser: Option<AdviserRef>,
    pub adviser_reason: Option<String>,
    pub reviews: Vec<ReviewView>,
    #[serde(default)]
    pub my_roles: Vec<MyRole>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReviewView {
    pub host: SchoolRef,
    pub lead: SchoolRef,
    pub reviewers: Vec<SchoolRef>,
    pub dates: Vec<NaiveDate>,
    pub unscheduled_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MyRole {
    pub dates: Vec<NaiveDate>,
    pub description: String,
}

/// `GET /api/years/{year}/my/assignments`.
#[derive(Debug, Clone, Deserialize)]
pub struct Assignments {
    pub groups: Vec<GroupView>,
}

/// `GET /api/years/{year}/availability/status`.
#[derive(Debug, Clone, Deserialize)]
pub struct AvailabilityStatus {
    pub heads: Option<Returned<MissingHead>>,
    pub advisers: Option<Returned<MissingAdviser>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Returned<M> {
    pub submitted: usize,
    pub of: usize,
    pub missing: Vec<M>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MissingHead {
    pub urn: String,
    pub name: String,
    pub head: Option<String>,
    pub invited: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MissingAdviser {
    pub id: String,
    pub name: String,
    pub invited: bool,
}

/// `GET /api/years/{year}/hand`.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredHand {
    pub version: i64,
    pub hand: store::inputs::Hand,
}

/// `GET /api/years/{year}/writeups/status`.
#[derive(Debug, Clone, Deserialize)]
pub struct WriteupStatusList {
    pub plan_version: i64,
    pub due_days: u32,
    pub reviews: Vec<ReviewStatus>,
    pub submitted: usize,
    pub overdue: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReviewStatus {
    pub group_id: String,
    pub host: SchoolRef,
    pub lead: SchoolRef,
    pub dates: Vec<NaiveDate>,
    /// `none`, `draft` or `submitted`.
    pub status: String,
    pub latest_version: Option<i64>,
    pub last_saved_at: Option<i64>,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
}

/// `GET /api/years/{year}/allocations/latest`.
#[derive(Debug, Clone, Deserialize)]
pub struct AllocationVersion {
    pub version: i64,
    pub created_at: i64,
    pub allocation: optimiser::allocate::Allocation,
}

/// Anything the API answers with an id (a job it queued).
#[derive(Debug, Clone, Deserialize)]
pub struct WithId {
    pub id: i64,
}

/// "Riverside Primary (Jo Bloggs)"; the URN where the name is unknown.
pub fn school_text(s: &SchoolRef) -> String {
    let name = s.name.clone().unwrap_or_else(|| format!("URN {}", s.urn));
    match &s.head {
        Some(h) => format!("{name} ({h})"),
        None => name,
    }
}

pub fn school_name(s: &SchoolRef) -> String {
    s.name.clone().unwrap_or_else(|| format!("URN {}", s.urn))
}

pub fn adviser_text(a: &AdviserRef) -> String {
    a.name.clone().unwrap_or_else(|| a.id.clone())
}

/// The text with its first letter upper case and the rest as it is
/// (askama's `capitalize` lowers the rest, which school names must keep).
pub fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// "Tue 12 Jan 2027, Wed 13 Jan 2027", or that there are none yet.
pub fn dates_text(dates: &[NaiveDate]) -> String {
    if dates.is_empty() {
        "not dated yet".to_string()
    } else {
        dates
            .iter()
            .map(|&d| words::date(d))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fall_back_to_urns_and_dates_to_words() {
        let s = SchoolRef {
            urn: "900001".into(),
            name: None,
            head: Some("Jo".into()),
        };
        assert_eq!(school_text(&s), "URN 900001 (Jo)");
        assert_eq!(dates_text(&[]), "not dated yet");
        assert_eq!(sentence("leading at Oak School"), "Leading at Oak School");
        assert_eq!(sentence(""), "");
        let d = NaiveDate::from_ymd_opt(2027, 1, 12).unwrap();
        assert_eq!(dates_text(&[d, d]), "Tue 12 Jan 2027, Tue 12 Jan 2027");
    }
}
