//! The words and number formats the report shows people, in one place so
//! that the map, the tables and the pages say the same thing.

use chrono::NaiveDate;
use optimiser::model::{AdviserKind, ConsultantKind, NeedArea, PhaseGroup};

/// "Primary", "Special and AP".
pub fn phase(p: PhaseGroup) -> &'static str {
    match p {
        PhaseGroup::Nursery => "Nursery",
        PhaseGroup::Primary => "Primary",
        PhaseGroup::Secondary => "Secondary",
        PhaseGroup::SpecialAndAp => "Special and AP",
    }
}

/// "english phonics" for `english_phonics`: the key, readable.
pub fn area(a: NeedArea) -> String {
    a.key().replace('_', " ")
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
        assert_eq!(
            area(NeedArea::ALL[0]),
            NeedArea::ALL[0].key().replace('_', " ")
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
