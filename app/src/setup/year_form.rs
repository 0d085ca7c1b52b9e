//! The SIM's form for a new year: every field as typed, so that a refused
//! form comes back as it was sent, and each problem named beside its field.
//! The rules of a year are `years::check_new_year`'s; this only reads the
//! typed text into a `NewYear` and says where each problem belongs.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use optimiser::calendar::{Blackout, Calendar, HalfTerm};
use store::years::{NewYear, Year};
use store::Db;

use super::school_year;
use crate::caller::Caller;
use crate::error::Kind;
use crate::years;

/// Blank rows the form offers below the filled ones, so that a SIM without
/// script can add half-terms and blackouts (Preview adds more).
pub const SPARE_ROWS: usize = 2;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HalfTermRow {
    pub name: String,
    pub first: String,
    pub last: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlackoutRow {
    pub first: String,
    pub last: String,
    pub reason: String,
}

/// A new year as typed into the form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearForm {
    pub name: String,
    pub first: String,
    pub last: String,
    pub deadline: String,
    pub half_terms: Vec<HalfTermRow>,
    pub blackouts: Vec<BlackoutRow>,
}

/// Problems by field: the field's id in the form (`name`, `first`,
/// `ht_first_2`, `bo_reason_0`, ...) and a sentence naming its label.
pub type FieldErrors = BTreeMap<String, String>;

impl YearForm {
    /// The next English school year from `today` (the council's date):
    /// six half-terms, bank holidays and SATs week, for the SIM to edit.
    pub fn proposed(today: NaiveDate) -> YearForm {
        let (name, cal, deadline) = school_year::proposal(school_year::next_start_year(today));
        YearForm {
            name,
            first: cal.first.to_string(),
            last: cal.last.to_string(),
            deadline: deadline.to_string(),
            half_terms: cal
                .half_terms
                .iter()
                .map(|h| HalfTermRow {
                    name: h.name.clone(),
                    first: h.first.to_string(),
                    last: h.last.to_string(),
                })
                .collect(),
            blackouts: cal
                .blackouts
                .iter()
                .map(|b| BlackoutRow {
                    first: b.first.to_string(),
                    last: b.last.map(|d| d.to_string()).unwrap_or_default(),
                    reason: b.reason.clone(),
                })
                .collect(),
        }
    }

    /// Reads the posted fields (`name`, `first`, `last`, `deadline`,
    /// `ht_name_N`, `ht_first_N`, `ht_last_N`, `bo_first_N`, `bo_last_N`,
    /// `bo_reason_N`); rows are kept in N order, rows left wholly empty are
    /// dropped, and anything else is ignored.
    pub fn from_fields(fields: &[(String, String)]) -> YearForm {
        let mut form = YearForm::default();
        let mut hts: BTreeMap<usize, HalfTermRow> = BTreeMap::new();
        let mut bos: BTreeMap<usize, BlackoutRow> = BTreeMap::new();
        for (key, value) in fields {
            let value = value.clone();
            match key.as_str() {
                "name" => form.name = value,
                "first" => form.first = value,
                "last" => form.last = value,
                "deadline" => form.deadline = value,
                _ => {
                    let Some((prefix, n)) = key.rsplit_once('_') else {
                        continue;
                    };
                    // Far more rows than a year has would only be a way to
                    // make the server work.
                    let Some(n) = n.parse::<usize>().ok().filter(|n| *n < 200) else {
                        continue;
                    };
                    match prefix {
                        "ht_name" => hts.entry(n).or_default().name = value,
                        "ht_first" => hts.entry(n).or_default().first = value,
                        "ht_last" => hts.entry(n).or_default().last = value,
                        "bo_first" => bos.entry(n).or_default().first = value,
                        "bo_last" => bos.entry(n).or_default().last = value,
                        "bo_reason" => bos.entry(n).or_default().reason = value,
                        _ => {}
                    }
                }
            }
        }
        form.half_terms = hts
            .into_values()
            .filter(|r| !(r.name.trim().is_empty() && r.first.is_empty() && r.last.is_empty()))
            .collect();
        form.blackouts = bos
            .into_values()
            .filter(|r| !(r.reason.trim().is_empty() && r.first.is_empty() && r.last.is_empty()))
            .collect();
        form
    }

    /// The new year the form describes, or every problem by field. The
    /// year's own rules (`years::check_new_year`) run last, so the form
    /// refuses exactly what the API refuses.
    pub fn read(&self) -> Result<NewYear, FieldErrors> {
        let mut errors = FieldErrors::new();
        let first = date(&mut errors, "first", "First day of the window", &self.first);
        let last = date(&mut errors, "last", "Last day of the window", &self.last);
        let deadline = date(
            &mut errors,
            "deadline",
            "Availability deadline",
            &self.deadline,
        );
        if self.name.trim().is_empty() {
            errors.insert(
                "name".into(),
                "Enter a name for the year, such as 2027-28".into(),
            );
        }
        let mut half_terms = Vec::new();
        for (i, row) in self.half_terms.iter().enumerate() {
            let n = i + 1;
            if row.name.trim().is_empty() {
                errors.insert(
                    format!("ht_name_{i}"),
                    format!("Enter a name for half-term {n}, such as Autumn 1"),
                );
            } else if let Err(e) =
                crate::text::check_line(&format!("Name of half-term {n}"), &row.name)
            {
                errors.insert(format!("ht_name_{i}"), e.message);
            }
            let f = date(
                &mut errors,
                &format!("ht_first_{i}"),
                &format!("First day of half-term {n}"),
                &row.first,
            );
            let l = date(
                &mut errors,
                &format!("ht_last_{i}"),
                &format!("Last day of half-term {n}"),
                &row.last,
            );
            if let (Some(f), Some(l)) = (f, l) {
                if l < f {
                    errors.insert(
                        format!("ht_last_{i}"),
                        format!("Last day of half-term {n} must be on or after its first day"),
                    );
                }
                half_terms.push((i, f, l));
            }
        }
        let mut sorted = half_terms.clone();
        sorted.sort_by_key(|h| h.1);
        for w in sorted.windows(2) {
            if w[1].1 <= w[0].2 {
                errors
                    .entry(format!("ht_first_{}", w[1].0))
                    .or_insert(format!(
                        "Half-term {} overlaps half-term {}: start it after {}",
                        w[1].0 + 1,
                        w[0].0 + 1,
                        w[0].2
                    ));
            }
        }
        let mut blackouts = Vec::new();
        for (i, row) in self.blackouts.iter().enumerate() {
            let n = i + 1;
            let f = date(
                &mut errors,
                &format!("bo_first_{i}"),
                &format!("First day of blackout {n}"),
                &row.first,
            );
            let l = if row.last.trim().is_empty() {
                None
            } else {
                date(
                    &mut errors,
                    &format!("bo_last_{i}"),
                    &format!("Last day of blackout {n}"),
                    &row.last,
                )
            };
            if row.reason.trim().is_empty() {
                errors.insert(
                    format!("bo_reason_{i}"),
                    format!("Enter a reason for blackout {n}, such as Bank holiday"),
                );
            } else if let Err(e) =
                crate::text::check_line(&format!("Reason for blackout {n}"), &row.reason)
            {
                errors.insert(format!("bo_reason_{i}"), e.message);
            }
            if let (Some(f), Some(l)) = (f, l) {
                if l < f {
                    errors.insert(
                        format!("bo_last_{i}"),
                        format!("Last day of blackout {n} must be on or after its first day"),
                    );
                }
            }
            if let Some(f) = f {
                blackouts.push(Blackout {
                    first: f,
                    last: l,
                    reason: row.reason.trim().to_string(),
                });
            }
        }
        let (Some(first), Some(last), Some(deadline)) = (first, last, deadline) else {
            return Err(errors);
        };
        if last < first {
            errors.insert(
                "last".into(),
                "Last day of the window must be on or after its first day".into(),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let new = NewYear {
            name: self.name.trim().to_string(),
            calendar: Calendar {
                first,
                last,
                half_terms: self
                    .half_terms
                    .iter()
                    .zip(&half_terms)
                    .map(|(row, (_, f, l))| HalfTerm {
                        name: row.name.trim().to_string(),
                        first: *f,
                        last: *l,
                    })
                    .collect(),
                blackouts,
                school_blackouts: Vec::new(),
            },
            deadline,
            rules: String::new(),
        };
        years::check_new_year(&new).map_err(|e| field_of(&e.message))?;
        Ok(new)
    }
}

/// Places a message of `check_new_year` (`name: ...`, `calendar.last: ...`,
/// `deadline: ...`, `calendar: ...`) beside its field.
fn field_of(message: &str) -> FieldErrors {
    let (field, label, text) = match message.split_once(": ") {
        Some(("name", t)) => ("name", "Name", t),
        Some(("calendar.last", t)) => ("last", "Last day of the window", t),
        Some(("deadline", t)) => ("deadline", "Availability deadline", t),
        Some((_, t)) => ("form", "Calendar", t),
        None => ("form", "Calendar", message),
    };
    // The text check names the field itself: `name: remove ...`.
    let text = text.strip_prefix("name: ").unwrap_or(text);
    FieldErrors::from([(field.to_string(), format!("{label}: {text}"))])
}

fn date(errors: &mut FieldErrors, id: &str, label: &str, typed: &str) -> Option<NaiveDate> {
    let typed = typed.trim();
    if typed.is_empty() {
        errors.insert(id.into(), format!("Enter the {}", lower_first(label)));
        return None;
    }
    match typed.parse::<NaiveDate>() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.insert(
                id.into(),
                format!("{label} must be a real date, written like 2027-09-02"),
            );
            None
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Creates the year the form describes (the SIM only), or says what to
/// change beside each field; a name another year has is refused beside
/// the name.
pub async fn create(db: &Db, caller: &Caller, form: &YearForm) -> Result<Year, Refused> {
    caller.require_sim().map_err(Refused::Other)?;
    let new = form.read().map_err(Refused::Fields)?;
    match years::create(db, caller, &new).await {
        Ok(year) => Ok(year),
        Err(e) if e.kind == Kind::Conflict => Err(Refused::Fields(FieldErrors::from([(
            "name".to_string(),
            format!(
                "Name: a year named {} exists already; choose another name",
                new.name
            ),
        )]))),
        Err(e) if e.kind == Kind::BadRequest => Err(Refused::Fields(field_of(&e.message))),
        Err(e) => Err(Refused::Other(e)),
    }
}

/// Why a form did not create a year.
#[derive(Debug)]
pub enum Refused {
    /// Problems to show beside the fields, the form kept as typed.
    Fields(FieldErrors),
    /// Anything else (not the SIM, the database).
    Other(crate::AppError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_proposal_reads_back_as_a_valid_year() {
        let form = YearForm::proposed(d("2026-12-03"));
        assert_eq!(form.name, "2027-28");
        let new = form.read().unwrap();
        assert_eq!(new.calendar.half_terms.len(), 6);
        assert_eq!(new.deadline, d("2027-09-30"));
    }

    #[test]
    fn posted_rows_are_read_in_order_and_empty_rows_dropped() {
        let f = |k: &str, v: &str| (k.to_string(), v.to_string());
        let form = YearForm::from_fields(&[
            f("csrf", "x"),
            f("name", "2027-28"),
            f("ht_name_1", "Spring"),
            f("ht_first_1", "2028-01-04"),
            f("ht_last_1", "2028-03-31"),
            f("ht_name_0", "Autumn"),
            f("ht_first_0", "2027-09-02"),
            f("ht_last_0", "2027-12-17"),
            f("ht_name_2", " "),
            f("ht_first_2", ""),
            f("ht_last_2", ""),
            f("bo_first_0", "2027-12-27"),
            f("bo_last_0", ""),
            f("bo_reason_0", "Christmas Day"),
            f("bo_first_1", ""),
            f("bo_last_1", ""),
            f("bo_reason_1", ""),
            f("ht_name_99999999999999999999", "x"),
        ]);
        assert_eq!(form.half_terms.len(), 2);
        assert_eq!(form.half_terms[0].name, "Autumn");
        assert_eq!(form.blackouts.len(), 1);
    }

    #[test]
    fn each_problem_is_named_beside_its_field() {
        let mut form = YearForm::proposed(d("2026-12-03"));
        form.name = " ".into();
        form.first = "2027-02-30".into();
        form.half_terms[1].first = "2027-10-01".into();
        form.blackouts[0].reason = String::new();
        let e = form.read().unwrap_err();
        assert!(e["name"].starts_with("Enter a name"), "{e:?}");
        assert!(e["first"].contains("real date"), "{e:?}");
        assert!(e["ht_first_1"].contains("overlaps half-term 1"), "{e:?}");
        assert!(e["bo_reason_0"].starts_with("Enter a reason"), "{e:?}");
    }

    #[test]
    fn the_years_own_rules_are_placed_beside_the_field() {
        let mut form = YearForm::proposed(d("2026-12-03"));
        form.deadline = "2028-08-01".into();
        let e = form.read().unwrap_err();
        assert!(
            e["deadline"].starts_with("Availability deadline: "),
            "{e:?}"
        );
        let mut form = YearForm::proposed(d("2026-12-03"));
        form.last = "2029-09-01".into();
        let e = form.read().unwrap_err();
        assert!(e["last"].contains("18 months"), "{e:?}");
    }
}
