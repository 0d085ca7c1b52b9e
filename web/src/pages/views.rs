//! The small formatting helpers every page shares.

use chrono::NaiveDate;

use report::words;
use store::writeups::{AdviserRef, SchoolRef};

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

/// Schools by name, as a list in a sentence.
pub fn school_names(schools: &[SchoolRef]) -> String {
    schools
        .iter()
        .map(school_name)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn adviser_text(a: &AdviserRef) -> String {
    // A plan made before the adviser left the list names no one by id.
    a.name
        .clone()
        .unwrap_or_else(|| "an adviser no longer on this year's list".to_string())
}

/// The text with its first letter upper case and the rest as it is
/// (askama's `capitalize` lowers the rest, which school names must keep).
pub fn sentence(s: &str) -> String {
    report::words::sentence(s.to_string())
}

/// Each item in words, joined by commas, or `none` where there are none.
pub fn listed<T: Copy>(items: &[T], in_words: impl Fn(T) -> String, none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items
            .iter()
            .map(|&i| in_words(i))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// "Tue 12 Jan 2027, Wed 13 Jan 2027", or that there are none yet.
pub fn dates_text(dates: &[NaiveDate]) -> String {
    listed(dates, words::date, "not dated yet")
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
