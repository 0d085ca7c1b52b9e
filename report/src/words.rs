//! The words and number formats the report shows people, in one place so
//! that the map, the tables and the pages say the same thing.

use std::collections::HashMap;

use chrono::NaiveDate;
use optimiser::model::{AdviserKind, ConsultantKind, NeedArea, Phase, PhaseGroup, Urn};
use optimiser::triads::{Blocker, LeftOut, PairRule, Undated, Who};

/// A group as people call it: "Group 12" for the optimiser's "G0012"; a
/// group with a name of its own (a pinned one, say) keeps it: "Group North".
pub fn group(id: &str) -> String {
    format!("Group {}", group_number(id))
}

pub use optimiser::triads::group_number;

/// "Primary", "Special and AP".
pub fn phase(p: PhaseGroup) -> &'static str {
    match p {
        PhaseGroup::Nursery => "Nursery",
        PhaseGroup::Primary => "Primary",
        PhaseGroup::Secondary => "Secondary",
        PhaseGroup::SpecialAndAp => "Special and AP",
    }
}

/// A school's phase as GIAS and heads write it: "All-through", "16 plus".
pub fn school_phase(p: Phase) -> &'static str {
    match p {
        // What GIAS calls "Not applicable" is, for a state-funded school,
        // special or alternative provision.
        Phase::NotApplicable => "Special and AP",
        other => other.gias_name(),
    }
}

/// A need area as people write it: "EYFS", "SEND", "English and phonics".
pub fn area(a: NeedArea) -> String {
    match a {
        NeedArea::Maths => "Maths",
        NeedArea::EnglishPhonics => "English and phonics",
        NeedArea::Eyfs => "EYFS",
        NeedArea::Send => "SEND",
        NeedArea::Disadvantaged => "Disadvantaged",
        NeedArea::Attendance => "Attendance",
        NeedArea::Behaviour => "Behaviour",
        NeedArea::Leadership => "Leadership",
        NeedArea::Governance => "Governance",
        NeedArea::Assessment => "Assessment",
        NeedArea::Curriculum => "Curriculum",
    }
    .to_string()
}

/// A term of a group's score, in words: what the points are for.
pub fn score_term(key: &str) -> String {
    match key {
        "travel" => "Heads' travel".to_string(),
        "size" => "Difference in school size".to_string(),
        "context" => "Difference in free school meals".to_string(),
        "same_trust" => "Schools of the same trust".to_string(),
        "few_common_dates" => "Few dates the heads share".to_string(),
        "undated_reviews" => "Reviews that cannot be dated".to_string(),
        "awaiting_dates" => "Heads waiting for another head's dates".to_string(),
        "no_good_school" => "No school judged good or better".to_string(),
        "group_of_four" => "A group of four".to_string(),
        "keep_previous" => "Kept from the plan before (a bonus)".to_string(),
        "adviser_travel" => "Adviser's travel".to_string(),
        "adviser_cost" => "Adviser's cost".to_string(),
        "adviser_continuity" => "Same adviser as last year (a bonus)".to_string(),
        "adviser_previous" => "Adviser kept from the plan before (a bonus)".to_string(),
        "no_adviser" => "No adviser".to_string(),
        other => sentence(other.replace('_', " ")),
    }
}

/// Names for the schools and advisers a reason mentions; an unknown one is
/// said by its number, which is better than dropping it.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub schools: HashMap<Urn, String>,
    pub advisers: HashMap<String, String>,
}

impl Names {
    /// The plan's schools need the caller's register; advisers likewise.
    pub fn new(
        schools: impl IntoIterator<Item = (Urn, String)>,
        advisers: impl IntoIterator<Item = (String, String)>,
    ) -> Names {
        Names {
            schools: schools.into_iter().collect(),
            advisers: advisers.into_iter().collect(),
        }
    }

    pub fn school(&self, u: Urn) -> String {
        match self.schools.get(&u) {
            Some(n) => n.clone(),
            None => format!("the school with URN {u}"),
        }
    }

    pub fn adviser(&self, id: &str) -> String {
        match self.advisers.get(id) {
            Some(n) => n.clone(),
            None => "the adviser".to_string(),
        }
    }

    fn who(&self, w: &Who) -> String {
        match w {
            Who::Head(u) => format!("the head of {}", self.school(*u)),
            Who::Adviser(a) => self.adviser(a),
        }
    }
}

/// "Tuesday 3 March 2027", as GOV.UK writes dates in sentences.
pub fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// "a", "a and b", "a, b and c".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The text with its first letter upper case and the rest as it is
/// (school names keep their capitals).
pub fn sentence(s: String) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

fn days(n: usize) -> String {
    format!("{n} school day{}", if n == 1 { "" } else { "s" })
}

/// Why a school was left out, in sentences a head would write.
pub fn left_out(why: &LeftOut, names: &Names) -> String {
    match why {
        LeftOut::NoDates => "Its head has not offered any dates yet, and this year's rules \
             leave a school out until its head does."
            .to_string(),
        LeftOut::NoSamePhase { phase: p, la } => format!(
            "No other {} school{} is taking part this year, and groups are made \
             of schools of one phase.",
            phase(*p),
            la.as_ref().map(|l| format!(" in {l}")).unwrap_or_default()
        ),
        LeftOut::FewPartners {
            rule,
            max_km,
            only,
            offered,
            nearest,
        } => {
            let mut tests = vec![format!("within {max_km} km")];
            let order = [
                (PairRule::Trust, "outside its trust"),
                (PairRule::History, "not grouped with it in recent years"),
                (
                    PairRule::Exclusion,
                    "not on a list of schools to keep apart from it",
                ),
                (
                    PairRule::Availability,
                    "whose head shares a free day with its head",
                ),
            ];
            let upto = match rule {
                PairRule::Travel => 0,
                PairRule::Trust => 1,
                PairRule::History => 2,
                PairRule::Exclusion => 3,
                PairRule::Availability => 4,
            };
            tests.extend(order[..upto].iter().map(|(_, t)| t.to_string()));
            let found = match only {
                None => "there are none".to_string(),
                Some(u) => format!("there is only {}", names.school(*u)),
            };
            let mut out = format!(
                "A group needs two other schools of the same phase {}, and {found}.",
                and_list(&tests)
            );
            if let Some(n) = offered {
                out += &format!(" Its head offered {}.", days(*n as usize));
            }
            if let Some((u, km)) = nearest {
                out += &format!(
                    " The nearest school it could not be grouped with is {}, {km:.1} km away.",
                    names.school(*u)
                );
            }
            out
        }
        LeftOut::PartnersApart { partners } => {
            let list: Vec<String> = partners.iter().map(|u| names.school(*u)).collect();
            format!(
                "The schools it could be grouped with ({}) may not be grouped with each other.",
                and_list(&list)
            )
        }
        LeftOut::PartnersTaken { partners, fours } => format!(
            "The {partners} school{} it could be grouped with {} all needed in other groups, \
             and placing it would leave out as many schools as it places{}.",
            if *partners == 1 { "" } else { "s" },
            if *partners == 1 { "is" } else { "are" },
            if *fours {
                " (groups of four were tried)"
            } else {
                " (this year's rules do not allow groups of four)"
            }
        ),
    }
}

/// What the SIM can do about a left-out school, for the school's head.
pub fn left_out_remedy(why: Option<&LeftOut>) -> &'static str {
    match why {
        Some(LeftOut::NoDates) => {
            "Once you offer dates, the School Improvement Manager can plan the groups again to include your school."
        }
        _ => {
            "The School Improvement Manager can place your school in a group by hand, \
             or change this year's rules and plan the groups again. Contact them if you want to take part."
        }
    }
}

fn blocker(b: &Blocker, names: &Names) -> String {
    match b {
        Blocker::OtherReview { who, host } => format!(
            "{} is at the review of {} that day",
            names.who(who),
            names.school(*host)
        ),
        Blocker::HalfTermFull {
            who,
            used,
            cap,
            half_term,
        } => format!(
            "{} already has {} of reviews in {half_term}, and the rules allow at most {cap}",
            names.who(who),
            days(*used).replace("school day", "day")
        ),
        Blocker::GroupReviewClose { host, apart, gap } => format!(
            "the group's review of {} is {apart} days away, and the rules want at least {gap} days between them",
            names.school(*host)
        ),
        Blocker::TimeLimit => "it was left free when the planner's time ran out".to_string(),
    }
}

/// Most dates listed in a sentence; the rest are counted.
const LISTED: usize = 3;

/// Why a review has no date, in sentences, with people's names.
pub fn undated(why: &Undated, names: &Names) -> String {
    match why {
        Undated::AwaitingDates { heads } => {
            let who: Vec<String> = heads
                .iter()
                .map(|u| format!("the head of {}", names.school(*u)))
                .collect();
            sentence(format!(
                "{} {} not offered any dates yet.",
                and_list(&who),
                if heads.len() == 1 { "has" } else { "have" }
            ))
        }
        Undated::NoCommonDate {
            offered,
            days: len,
            first,
            last,
        } => {
            let who: Vec<String> = offered.iter().map(|(w, _)| names.who(w)).collect();
            let each: Vec<String> = offered
                .iter()
                .map(|(w, n)| format!("{} offered {}", names.who(w), days(*n)))
                .collect();
            let span = if *len > 1 {
                format!("{len} school days in a row")
            } else {
                "day".to_string()
            };
            sentence(format!(
                "{} have no {span} free together between {} and {}. {}.",
                and_list(&who),
                long_date(*first),
                long_date(*last),
                sentence(and_list(&each))
            ))
        }
        Undated::DatesTaken { dates } => {
            let listed: Vec<String> = dates
                .iter()
                .take(LISTED)
                .map(|(d, b)| format!("on {} {}", long_date(*d), blocker(b, names)))
                .collect();
            let more = dates.len().saturating_sub(LISTED);
            let n = dates.len();
            format!(
                "Every day its people share ({}) is taken by another review or the rules: {}{}.",
                if n == 1 {
                    "1 day".to_string()
                } else {
                    format!("{n} days")
                },
                listed.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            )
        }
    }
}

/// A review's reason for having no date: from the data where the plan has
/// it, else the stored text (plans written before the data).
pub fn review_undated(r: &optimiser::triads::Review, names: &Names) -> Option<String> {
    match (&r.undated, &r.unscheduled_reason) {
        (Some(u), _) => Some(undated(u, names)),
        (None, Some(t)) => Some(t.clone()),
        (None, None) => None,
    }
}

/// A left-out school's reason: from the data where the plan has it.
pub fn unplaced(u: &optimiser::triads::Unplaced, names: &Names) -> String {
    match &u.why {
        Some(w) => left_out(w, names),
        None => u.reason.clone(),
    }
}

pub fn consultant_kind(k: ConsultantKind) -> &'static str {
    match k {
        ConsultantKind::Tic => "TIC",
        ConsultantKind::Sle => "SLE",
        ConsultantKind::Nle => "NLE",
    }
}

pub fn adviser_kind(k: AdviserKind) -> &'static str {
    match k {
        AdviserKind::LaOfficer => "LA officer",
        AdviserKind::Tic => "TIC",
        AdviserKind::Nle => "NLE",
        AdviserKind::Inspector => "Inspector",
    }
}

/// Dated reviews against the bound, in plain words: "41 of 48 reviews
/// dated; no plan under these rules and dates can date more than 44".
/// None before the reviews are dated.
pub fn dated(stats: &optimiser::triads::Stats, reviews: usize) -> Option<String> {
    let dated = stats.dated?;
    let mut out = format!(
        "{dated} of {reviews} review{} dated",
        if reviews == 1 { "" } else { "s" }
    );
    if let Some(b) = stats.dated_bound {
        if b <= dated {
            out += &format!("; no plan under these rules and dates can date more (at most {b})");
        } else if b > reviews {
            // The bound is over every plan, also those that place schools
            // this one leaves out: "6 short" of 56 would read as missing
            // reviews that this plan does not have.
            out += &format!(
                "; a plan that placed more schools could date at most {b} \
                 under these rules and dates"
            );
        } else {
            out += &format!(
                "; no plan under these rules and dates can date more than {b} ({} short of that)",
                b - dated
            );
        }
    }
    if stats.awaiting_groups > 0 {
        out += &format!(
            "; {} group{} awaiting a head's dates",
            stats.awaiting_groups,
            if stats.awaiting_groups == 1 { "" } else { "s" }
        );
        if let (Some(ready), Some(b)) = (stats.ready_awaiting, stats.answered_bound) {
            out += &format!(
                "; if those heads are free when they answer, {ready} more could be dated ({} in all, where no plan could date more than {b})",
                dated + ready
            );
        }
    }
    Some(out)
}

/// "Tue 12 Jan 2027".
pub fn date(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

/// "£1,250" (whole pounds; day rates are whole pounds in practice).
pub fn pounds(x: f64) -> String {
    let whole = x.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if whole < 0 {
        format!("-£{out}")
    } else {
        format!("£{out}")
    }
}

/// A share as a percentage with the precision a gap needs: "0 %", "0.35 %".
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p == 0.0 {
        "0 %".to_string()
    } else if p.abs() < 10.0 {
        format!("{p:.2} %")
    } else {
        format!("{p:.1} %")
    }
}

/// Points of an objective, two decimals.
pub fn points(x: f64) -> String {
    format!("{x:.2}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_are_numbered_as_people_count() {
        assert_eq!(super::group("G0012"), "Group 12");
        assert_eq!(super::group("G0000"), "Group 0");
        assert_eq!(super::group("North 1"), "Group North 1");
        assert_eq!(super::group("G"), "Group G");
        assert_eq!(super::group("G12a"), "Group G12a");
    }

    use super::*;

    #[test]
    fn formats_money_dates_and_shares() {
        assert_eq!(pounds(0.0), "£0");
        assert_eq!(pounds(1250.4), "£1,250");
        assert_eq!(pounds(1234567.0), "£1,234,567");
        assert_eq!(pounds(-999.0), "-£999");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2027, 1, 12).unwrap()),
            "Tue 12 Jan 2027"
        );
        assert_eq!(percent(0.0), "0 %");
        assert_eq!(percent(0.0035), "0.35 %");
        assert_eq!(percent(0.426), "42.6 %");
        assert_eq!(area(NeedArea::Eyfs), "EYFS");
        assert_eq!(area(NeedArea::Send), "SEND");
        assert_eq!(phase(PhaseGroup::SpecialAndAp), "Special and AP");
        assert_eq!(school_phase(Phase::AllThrough), "All-through");
        assert_eq!(school_phase(Phase::SixteenPlus), "16 plus");
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2027, 3, 2).unwrap()),
            "Tuesday 2 March 2027"
        );
        assert_eq!(score_term("same_trust"), "Schools of the same trust");
        assert_eq!(score_term("new_term"), "New term");
        for a in NeedArea::ALL {
            assert!(!area(a).contains('_'), "{a:?}");
            // Exported files are read back as inputs.
            assert_eq!(area(a).parse::<NeedArea>(), Ok(a));
        }
    }

    fn names() -> Names {
        Names::new(
            [
                (Urn(900001), "Oakfield Primary".to_string()),
                (Urn(900002), "Elm Grove Primary".to_string()),
            ],
            [("adv-02".to_string(), "Ann Patel".to_string())],
        )
    }

    #[test]
    fn reasons_name_people_and_say_dates_in_words() {
        let d = |m, day| NaiveDate::from_ymd_opt(2027, m, day).unwrap();
        let n = names();
        let s = undated(
            &Undated::NoCommonDate {
                offered: vec![
                    (Who::Head(Urn(900001)), 3),
                    (Who::Adviser("adv-02".into()), 1),
                ],
                days: 1,
                first: d(1, 4),
                last: d(3, 26),
            },
            &n,
        );
        assert_eq!(
            s,
            "The head of Oakfield Primary and Ann Patel have no day free together \
             between Monday 4 January 2027 and Friday 26 March 2027. The head of \
             Oakfield Primary offered 3 school days and Ann Patel offered 1 school day."
        );
        let s = undated(
            &Undated::DatesTaken {
                dates: vec![(
                    d(1, 5),
                    Blocker::HalfTermFull {
                        who: Who::Adviser("adv-02".into()),
                        used: 3,
                        cap: 3,
                        half_term: "Spring 1".into(),
                    },
                )],
            },
            &n,
        );
        assert!(
            s.contains("Ann Patel already has 3 days of reviews in Spring 1"),
            "{s}"
        );
        assert!(!s.contains("adv-02") && !s.contains("900001"), "{s}");
        let s = left_out(
            &LeftOut::FewPartners {
                rule: PairRule::Trust,
                max_km: 20.0,
                only: Some(Urn(900002)),
                offered: None,
                nearest: Some((Urn(900003), 24.3)),
            },
            &n,
        );
        assert_eq!(
            s,
            "A group needs two other schools of the same phase within 20 km and outside its \
             trust, and there is only Elm Grove Primary. The nearest school it could not be \
             grouped with is the school with URN 900003, 24.3 km away."
        );
    }

    #[test]
    fn dated_reviews_are_said_against_the_bound() {
        let mut s = optimiser::triads::Stats::default();
        assert_eq!(dated(&s, 48), None);
        s.dated = Some(41);
        s.dated_bound = Some(44);
        assert_eq!(
            dated(&s, 48).unwrap(),
            "41 of 48 reviews dated; no plan under these rules and dates can date more than 44 (3 short of that)"
        );
        s.dated_bound = Some(50);
        assert_eq!(
            dated(&s, 48).unwrap(),
            "41 of 48 reviews dated; a plan that placed more schools could date at most 50 under these rules and dates"
        );
        s.dated_bound = Some(41);
        s.awaiting_groups = 2;
        assert_eq!(
            dated(&s, 48).unwrap(),
            "41 of 48 reviews dated; no plan under these rules and dates can date more (at most 41); 2 groups awaiting a head's dates"
        );
        s.ready_awaiting = Some(5);
        s.answered_bound = Some(47);
        assert_eq!(
            dated(&s, 48).unwrap(),
            "41 of 48 reviews dated; no plan under these rules and dates can date more (at most 41); 2 groups awaiting a head's dates; \
             if those heads are free when they answer, 5 more could be dated (46 in all, where no plan could date more than 47)"
        );
    }
}
