//! A head's choices for their school: focus areas and schools to avoid.

use std::collections::BTreeSet;

use optimiser::model::School;
use serde::Serialize;
use store::choices::{self, Choices, Saved};
use store::{years, Db};

use super::school::{own_school, year_schools};
use crate::caller::HeadYear;
use crate::error::{AppError, AppResult};
use crate::text;

/// Longest reason accepted: a sentence or two, not a letter.
pub const REASON_MAX_CHARS: usize = 500;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChoicesSaved {
    pub version: i64,
}

/// My school's latest choices (404 before the first save).
pub async fn get(db: &Db, hy: &HeadYear) -> AppResult<Saved> {
    choices::current(db, hy.year.id, &hy.urn)
        .await?
        .ok_or_else(|| AppError::not_found("no choices saved yet"))
}

/// Replace my school's focus areas and requests not to be grouped with
/// named schools: each avoided school one of the year's, not my own, with a
/// reason. A new version, the earlier ones kept; refused after the deadline.
pub async fn save(db: &Db, hy: &HeadYear, req: &Choices) -> AppResult<ChoicesSaved> {
    let year = &hy.year;
    if !year.open_for_availability(years::today()) {
        return Err(AppError::too_late(format!(
            "choices closed on {}",
            year.deadline
        )));
    }
    let schools = year_schools(db, year.id).await?;
    own_school(&schools, year.id, &hy.urn)?;
    for a in &req.avoid {
        text::check_line("Reason", &a.reason)?;
    }
    check(req, &hy.urn, &schools).map_err(AppError::bad_request)?;
    let version = choices::save(db, year.id, &hy.urn, hy.caller.user_id, req).await?;
    Ok(ChoicesSaved { version })
}

/// Checks choices against the year's schools. `own` is the head's school.
/// The message names the entry (1-based) and the value.
pub fn check(choices: &Choices, own: &str, schools: &[School]) -> Result<(), String> {
    let mut focus = BTreeSet::new();
    for (i, area) in choices.focus.iter().enumerate() {
        if !focus.insert(area) {
            return Err(format!("focus[{}]: {area} is listed twice", i + 1));
        }
    }
    let mut seen = BTreeSet::new();
    for (i, a) in choices.avoid.iter().enumerate() {
        let at = format!("avoid[{}]", i + 1);
        let urn = a.urn.trim();
        let known = urn
            .parse()
            .ok()
            .is_some_and(|u| schools.iter().any(|s| s.urn == u));
        if !known {
            return Err(format!(
                "{at}: URN {urn:?} is not one of this year's schools"
            ));
        }
        if urn == own {
            return Err(format!("{at}: URN {urn} is your own school"));
        }
        if !seen.insert(urn) {
            return Err(format!("{at}: URN {urn} is listed twice"));
        }
        let reason = a.reason.trim();
        if reason.is_empty() {
            return Err(format!("{at}: give a reason for avoiding URN {urn}"));
        }
        if reason.chars().count() > REASON_MAX_CHARS {
            return Err(format!(
                "{at}: the reason is longer than {REASON_MAX_CHARS} characters"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use optimiser::model::{NeedArea, Phase, Urn};
    use store::choices::Avoid;

    fn school(urn: u32) -> School {
        School {
            urn: Urn(urn),
            name: format!("School {urn}"),
            la_code: 940,
            la_name: "Thamesmere".into(),
            phase: Phase::Primary,
            establishment_type: "Academy converter".into(),
            trust: None,
            location: None,
            postcode: None,
            pupils: None,
            fsm_percent: None,
            ofsted: None,
            last_inspection: None,
            religious_character: None,
            town: None,
        }
    }

    fn avoid(urn: &str, reason: &str) -> Avoid {
        Avoid {
            urn: urn.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn checks_name_the_entry_and_the_value() {
        let schools = [school(100001), school(100002), school(100003)];
        let ok = Choices {
            focus: vec![NeedArea::Maths, NeedArea::Send],
            avoid: vec![avoid(" 100002 ", "federation talks")],
        };
        assert_eq!(check(&ok, "100001", &schools), Ok(()));
        let err = |c: Choices| check(&c, "100001", &schools).unwrap_err();
        assert!(err(Choices {
            avoid: vec![avoid("999999", "x")],
            ..Choices::default()
        })
        .contains("avoid[1]: URN \"999999\""));
        assert!(err(Choices {
            avoid: vec![avoid("100001", "x")],
            ..Choices::default()
        })
        .contains("your own school"));
        assert!(err(Choices {
            avoid: vec![avoid("100003", "  ")],
            ..Choices::default()
        })
        .contains("give a reason"));
        assert!(err(Choices {
            avoid: vec![avoid("100002", "a"), avoid("100002", "b")],
            ..Choices::default()
        })
        .contains("avoid[2]"));
        assert!(err(Choices {
            focus: vec![NeedArea::Maths, NeedArea::Maths],
            ..Choices::default()
        })
        .contains("focus[2]: maths"));
    }
}
