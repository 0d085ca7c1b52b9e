//! The domain model shared by every step: schools, people, history and need.
//!
//! Everything here is plain data with serde, so that the service can read it
//! from files or a database and hand it to the optimiser unchanged.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The unique reference number GIAS gives every English school.
///
/// Serialised as a string, as GIAS and the plan format publish it, so that
/// spreadsheets and JavaScript never mangle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Urn(pub u32);

impl fmt::Display for Urn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The largest URN: GIAS numbers schools with six digits.
pub const URN_MAX: u32 = 999_999;

impl Urn {
    /// A URN from its number, where it is one.
    pub fn new(n: u32) -> Option<Urn> {
        (1..=URN_MAX).contains(&n).then_some(Urn(n))
    }
}

/// The one reading of a URN, for files, forms, JSON and paths alike, so that
/// one school has one text everywhere it is stored or compared. Spaces
/// around it are dropped (spreadsheets pad cells); anything else that is not
/// the canonical digits is refused rather than read: `0900035` and
/// `+900035` would otherwise be a second name for 900035, under which a
/// write-up could be filed that the SIM and the host never see.
impl FromStr for Urn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim_matches(|c: char| c == ' ' || c == '\t');
        let canonical = !t.is_empty()
            && t.len() <= 6
            && t.bytes().all(|b| b.is_ascii_digit())
            && !t.starts_with('0');
        match t
            .parse::<u32>()
            .ok()
            .filter(|_| canonical)
            .and_then(Urn::new)
        {
            Some(u) => Ok(u),
            None => Err(format!(
                "{s:?} is not a URN: write the school's unique reference number as GIAS does, \
                 up to six digits with no sign or leading zero (such as 137104)"
            )),
        }
    }
}

impl Serialize for Urn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Urn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            N(u32),
        }
        match Raw::deserialize(d)? {
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
            Raw::N(n) => Urn::new(n).ok_or_else(|| {
                serde::de::Error::custom(format!("{n} is not a URN: up to six digits, from 1"))
            }),
        }
    }
}

/// A point on the British National Grid, in metres (GIAS `Easting`, `Northing`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub easting: f64,
    pub northing: f64,
}

impl Location {
    /// Straight-line distance in kilometres. The grid is a flat projection,
    /// accurate to well under 1 % over the distances that matter here.
    pub fn distance_km(&self, other: &Location) -> f64 {
        let de = self.easting - other.easting;
        let dn = self.northing - other.northing;
        (de * de + dn * dn).sqrt() / 1000.0
    }
}

/// GIAS `PhaseOfEducation (name)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Phase {
    Nursery,
    Primary,
    MiddleDeemedPrimary,
    MiddleDeemedSecondary,
    Secondary,
    AllThrough,
    SixteenPlus,
    /// Special schools and alternative provision mostly.
    NotApplicable,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Nursery,
        Phase::Primary,
        Phase::MiddleDeemedPrimary,
        Phase::MiddleDeemedSecondary,
        Phase::Secondary,
        Phase::AllThrough,
        Phase::SixteenPlus,
        Phase::NotApplicable,
    ];

    /// The words GIAS uses.
    pub fn gias_name(self) -> &'static str {
        match self {
            Phase::Nursery => "Nursery",
            Phase::Primary => "Primary",
            Phase::MiddleDeemedPrimary => "Middle deemed primary",
            Phase::MiddleDeemedSecondary => "Middle deemed secondary",
            Phase::Secondary => "Secondary",
            Phase::AllThrough => "All-through",
            Phase::SixteenPlus => "16 plus",
            Phase::NotApplicable => "Not applicable",
        }
    }

    pub fn from_gias(name: &str) -> Option<Phase> {
        let n = name.trim();
        Phase::ALL
            .into_iter()
            .find(|p| p.gias_name().eq_ignore_ascii_case(n))
    }

    /// The like-for-like group a school of this phase is matched within.
    pub fn group(self) -> PhaseGroup {
        match self {
            Phase::Nursery => PhaseGroup::Nursery,
            Phase::Primary | Phase::MiddleDeemedPrimary => PhaseGroup::Primary,
            Phase::MiddleDeemedSecondary
            | Phase::Secondary
            | Phase::AllThrough
            | Phase::SixteenPlus => PhaseGroup::Secondary,
            Phase::NotApplicable => PhaseGroup::SpecialAndAp,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.gias_name())
    }
}

/// Schools are only grouped with schools of the same phase group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseGroup {
    Nursery,
    Primary,
    Secondary,
    /// Special schools and alternative provision (GIAS phase "Not applicable").
    SpecialAndAp,
}

impl PhaseGroup {
    pub const ALL: [PhaseGroup; 4] = [
        PhaseGroup::Nursery,
        PhaseGroup::Primary,
        PhaseGroup::Secondary,
        PhaseGroup::SpecialAndAp,
    ];

    pub fn key(self) -> &'static str {
        match self {
            PhaseGroup::Nursery => "nursery",
            PhaseGroup::Primary => "primary",
            PhaseGroup::Secondary => "secondary",
            PhaseGroup::SpecialAndAp => "special_and_ap",
        }
    }

    /// As a sentence says it: "primary", "special and AP". Reasons people
    /// read use this; `key` is for files.
    pub fn words(self) -> &'static str {
        match self {
            PhaseGroup::Nursery => "nursery",
            PhaseGroup::Primary => "primary",
            PhaseGroup::Secondary => "secondary",
            PhaseGroup::SpecialAndAp => "special and AP",
        }
    }
}

impl fmt::Display for PhaseGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for PhaseGroup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match t.as_str() {
            "nursery" => Ok(PhaseGroup::Nursery),
            "primary" => Ok(PhaseGroup::Primary),
            "secondary" => Ok(PhaseGroup::Secondary),
            "special_and_ap" | "special" | "ap" | "not_applicable" => Ok(PhaseGroup::SpecialAndAp),
            _ => Err(format!(
                "unknown phase {s:?} (expected nursery, primary, secondary or special_and_ap)"
            )),
        }
    }
}

/// GIAS `OfstedRating (name)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OfstedGrade {
    Outstanding,
    Good,
    RequiresImprovement,
    Inadequate,
}

impl OfstedGrade {
    pub fn gias_name(self) -> &'static str {
        match self {
            OfstedGrade::Outstanding => "Outstanding",
            OfstedGrade::Good => "Good",
            OfstedGrade::RequiresImprovement => "Requires improvement",
            OfstedGrade::Inadequate => "Inadequate",
        }
    }

    pub fn from_gias(name: &str) -> Option<OfstedGrade> {
        let n = name.trim();
        [
            OfstedGrade::Outstanding,
            OfstedGrade::Good,
            OfstedGrade::RequiresImprovement,
            OfstedGrade::Inadequate,
        ]
        .into_iter()
        .find(|g| g.gias_name().eq_ignore_ascii_case(n))
        // "Serious Weaknesses" and "Special Measures" are both category 4.
        .or_else(|| {
            let l = n.to_ascii_lowercase();
            (l.contains("serious weakness") || l.contains("special measures"))
                .then_some(OfstedGrade::Inadequate)
        })
    }

    pub fn is_good_or_better(self) -> bool {
        matches!(self, OfstedGrade::Outstanding | OfstedGrade::Good)
    }

    /// The support tier of the council's tier table: 1 Inadequate .. 4 Outstanding.
    pub fn tier(self) -> u8 {
        match self {
            OfstedGrade::Inadequate => 1,
            OfstedGrade::RequiresImprovement => 2,
            OfstedGrade::Good => 3,
            OfstedGrade::Outstanding => 4,
        }
    }
}

/// One state-funded school, as imported from GIAS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub urn: Urn,
    pub name: String,
    pub la_code: u16,
    pub la_name: String,
    pub phase: Phase,
    pub establishment_type: String,
    /// `None` where the school belongs to no trust (most maintained schools).
    pub trust: Option<String>,
    /// `None` where GIAS has no Easting/Northing.
    pub location: Option<Location>,
    pub postcode: Option<String>,
    pub pupils: Option<u32>,
    pub fsm_percent: Option<f64>,
    pub ofsted: Option<OfstedGrade>,
    pub last_inspection: Option<NaiveDate>,
    pub religious_character: Option<String>,
    /// GIAS's Town: the place people know the school by, for the map's
    /// labels. Absent in schools stored before it was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
}

impl School {
    pub fn phase_group(&self) -> PhaseGroup {
        self.phase.group()
    }

    /// Straight-line distance, where both schools have coordinates.
    pub fn distance_km(&self, other: &School) -> Option<f64> {
        Some(self.location?.distance_km(&other.location?))
    }

    /// Two schools are in one trust only when both name the same trust.
    pub fn same_trust(&self, other: &School) -> bool {
        match (&self.trust, &other.trust) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

/// The headteacher of one school: the person who reviews and is reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headteacher {
    pub school: Urn,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviserKind {
    LaOfficer,
    Tic,
    Nle,
    Inspector,
}

impl AdviserKind {
    pub const ALL: [AdviserKind; 4] = [
        AdviserKind::LaOfficer,
        AdviserKind::Tic,
        AdviserKind::Nle,
        AdviserKind::Inspector,
    ];
    pub fn key(self) -> &'static str {
        match self {
            AdviserKind::LaOfficer => "la_officer",
            AdviserKind::Tic => "tic",
            AdviserKind::Nle => "nle",
            AdviserKind::Inspector => "inspector",
        }
    }

    /// As people write it: "LA officer", "TIC".
    pub fn words(self) -> &'static str {
        match self {
            AdviserKind::LaOfficer => "LA officer",
            AdviserKind::Tic => "TIC",
            AdviserKind::Nle => "NLE",
            AdviserKind::Inspector => "inspector",
        }
    }
}

impl FromStr for AdviserKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        AdviserKind::ALL
            .into_iter()
            .find(|k| k.key() == t)
            .ok_or_else(|| {
                format!("unknown adviser kind {s:?} (expected la_officer, tic, nle or inspector)")
            })
    }
}

/// Someone with "a wide view of standards" who supports a triad.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adviser {
    pub id: String,
    pub name: String,
    pub kind: AdviserKind,
    pub phases: Vec<PhaseGroup>,
    /// Days this adviser can give the programme this year.
    pub capacity_days: u32,
    /// Pounds per day charged to the council; 0 for in-house officers.
    pub day_rate: f64,
    pub base: Option<Location>,
    /// A school the adviser works at (an NLE's own school, say).
    pub linked_school: Option<Urn>,
    pub linked_trust: Option<String>,
    /// Where the service e-mails their invitation and reminders; not used
    /// by the optimiser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Adviser {
    /// Never advise a group holding one's own school or a school of one's own trust.
    pub fn conflicts_with(&self, school: &School) -> bool {
        self.linked_school == Some(school.urn)
            || match (&self.linked_trust, &school.trust) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsultantKind {
    Tic,
    Sle,
    Nle,
}

impl ConsultantKind {
    pub const ALL: [ConsultantKind; 3] = [
        ConsultantKind::Tic,
        ConsultantKind::Sle,
        ConsultantKind::Nle,
    ];

    /// The word the project's files use.
    pub fn key(self) -> &'static str {
        match self {
            ConsultantKind::Tic => "tic",
            ConsultantKind::Sle => "sle",
            ConsultantKind::Nle => "nle",
        }
    }
}

impl FromStr for ConsultantKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        if t == "lle" {
            return Ok(ConsultantKind::Nle);
        }
        match ConsultantKind::ALL.into_iter().find(|k| k.key() == t) {
            Some(k) => Ok(k),
            _ => Err(format!(
                "unknown consultant kind {s:?} (expected tic, sle or nle)"
            )),
        }
    }
}

/// The areas in which schools need support and consultants specialise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedArea {
    Maths,
    EnglishPhonics,
    Eyfs,
    Send,
    Disadvantaged,
    Attendance,
    Behaviour,
    Leadership,
    Governance,
    Assessment,
    Curriculum,
}

impl NeedArea {
    pub const ALL: [NeedArea; 11] = [
        NeedArea::Maths,
        NeedArea::EnglishPhonics,
        NeedArea::Eyfs,
        NeedArea::Send,
        NeedArea::Disadvantaged,
        NeedArea::Attendance,
        NeedArea::Behaviour,
        NeedArea::Leadership,
        NeedArea::Governance,
        NeedArea::Assessment,
        NeedArea::Curriculum,
    ];
    pub fn key(self) -> &'static str {
        match self {
            NeedArea::Maths => "maths",
            NeedArea::EnglishPhonics => "english_phonics",
            NeedArea::Eyfs => "eyfs",
            NeedArea::Send => "send",
            NeedArea::Disadvantaged => "disadvantaged",
            NeedArea::Attendance => "attendance",
            NeedArea::Behaviour => "behaviour",
            NeedArea::Leadership => "leadership",
            NeedArea::Governance => "governance",
            NeedArea::Assessment => "assessment",
            NeedArea::Curriculum => "curriculum",
        }
    }
}

impl fmt::Display for NeedArea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for NeedArea {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-', '/'], "_");
        let t = match t.as_str() {
            "english" | "phonics" | "english_and_phonics" => "english_phonics",
            "closing_the_gap" | "pupil_premium" => "disadvantaged",
            other => other,
        };
        NeedArea::ALL
            .into_iter()
            .find(|a| a.key() == t)
            .ok_or_else(|| format!("unknown need area {s:?}"))
    }
}

/// A TIC, SLE or NLE whose days the council allocates to schools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consultant {
    pub id: String,
    pub name: String,
    pub kind: ConsultantKind,
    pub specialisms: Vec<NeedArea>,
    pub phases: Vec<PhaseGroup>,
    pub days_available: u32,
    pub home_school: Option<Urn>,
    pub trust: Option<String>,
    pub base: Option<Location>,
    pub day_rate: f64,
    /// Where the service e-mails their invitation; not used by the optimiser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Consultant {
    /// A consultant never supports their own school or a school of their trust.
    pub fn conflicts_with(&self, school: &School) -> bool {
        self.home_school == Some(school.urn)
            || match (&self.trust, &school.trust) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    }
}

/// One group of an earlier year, as the history rule needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastTriad {
    /// The calendar year in which the programme year started (2025 for 2025-26).
    pub year: i32,
    pub id: String,
    pub schools: Vec<Urn>,
    pub adviser: Option<String>,
}

/// The Schools Standards and Progress Board's red-amber-green category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SspbCategory {
    Red,
    Amber,
    Green,
}

impl SspbCategory {
    pub const ALL: [SspbCategory; 3] =
        [SspbCategory::Red, SspbCategory::Amber, SspbCategory::Green];

    /// The word the project's files use.
    pub fn key(self) -> &'static str {
        match self {
            SspbCategory::Red => "red",
            SspbCategory::Amber => "amber",
            SspbCategory::Green => "green",
        }
    }
}

impl FromStr for SspbCategory {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        match SspbCategory::ALL.into_iter().find(|c| c.key() == t) {
            Some(c) => Ok(c),
            _ => Err(format!(
                "unknown SSPB category {s:?} (expected red, amber or green)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urn_serialises_as_string_and_reads_either() {
        assert_eq!(serde_json::to_string(&Urn(100000)).unwrap(), "\"100000\"");
        assert_eq!(serde_json::from_str::<Urn>("\"137\"").unwrap(), Urn(137));
        assert_eq!(serde_json::from_str::<Urn>("138").unwrap(), Urn(138));
        assert!("12a".parse::<Urn>().is_err());
        assert!("0".parse::<Urn>().is_err());
    }

    #[test]
    fn a_urn_has_one_text() {
        assert_eq!(" 900035 ".parse::<Urn>().unwrap().to_string(), "900035");
        for alias in [
            "0900035",
            "+900035",
            "-900035",
            "900035\0",
            "9000350",
            "900 035",
            "",
            "\u{663}00035",
            "900035\n",
            "0x1f",
            "1e5",
        ] {
            let e = alias.parse::<Urn>().unwrap_err();
            assert!(e.contains("is not a URN"), "{alias:?}: {e}");
        }
        assert!(serde_json::from_str::<Urn>("4294967295").is_err());
        assert!(serde_json::from_str::<Urn>("\"+900035\"").is_err());
    }

    #[test]
    fn phases_group_as_the_rules_say() {
        use Phase::*;
        assert_eq!(MiddleDeemedPrimary.group(), PhaseGroup::Primary);
        assert_eq!(MiddleDeemedSecondary.group(), PhaseGroup::Secondary);
        assert_eq!(AllThrough.group(), PhaseGroup::Secondary);
        assert_eq!(NotApplicable.group(), PhaseGroup::SpecialAndAp);
        assert_eq!(
            Phase::from_gias("middle deemed primary"),
            Some(MiddleDeemedPrimary)
        );
        assert_eq!(Phase::from_gias("All-through"), Some(AllThrough));
        assert_eq!(Phase::from_gias("Sixth form"), None);
    }

    #[test]
    fn grid_distance_is_in_km() {
        let a = Location {
            easting: 560000.0,
            northing: 180000.0,
        };
        let b = Location {
            easting: 563000.0,
            northing: 184000.0,
        };
        assert!((a.distance_km(&b) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn ofsted_names_and_tiers() {
        assert_eq!(
            OfstedGrade::from_gias("Requires improvement").map(|g| g.tier()),
            Some(2)
        );
        assert_eq!(
            OfstedGrade::from_gias("Serious Weaknesses"),
            Some(OfstedGrade::Inadequate)
        );
        assert_eq!(OfstedGrade::from_gias(""), None);
    }
}
