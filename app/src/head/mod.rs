//! What heads, lead reviewers and advisers do: a head's own school and
//! choices, their group once the plan is published, the sharing of their
//! write-up; the lead's write-up of the review they lead; an adviser's
//! groups; and the SIM's view of where the write-ups stand.
//!
//! A head only ever reads or changes their own school's things, and a
//! write-up is read only as its host chose (see `access`).

pub mod access;
pub mod choices;
pub mod group;
pub mod school;
pub mod sharing;
pub mod status;
pub mod writeup;

use optimiser::model::Urn;
use store::plans::{self, PlanVersion};
use store::Db;

use crate::error::{AppError, AppResult};

/// The year's published plan, or 404 saying there is none yet.
pub(crate) async fn published_or_404(db: &Db, year_id: i64) -> AppResult<PlanVersion> {
    plans::latest(db, year_id, "published")
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!(
                "the groups of year {year_id} are not published yet"
            ))
        })
}

/// A school's URN from a path segment: the one parse of URNs that come in
/// through addresses. A segment that is not a URN names no school, so it is
/// a 404 like an unknown one.
pub fn parse_urn(segment: &str) -> AppResult<Urn> {
    segment
        .parse::<Urn>()
        .ok()
        .filter(|u| u.to_string() == segment)
        .ok_or_else(|| AppError::not_found(format!("no school has the URN {segment:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_urn_as_written_is_a_urn() {
        assert_eq!(parse_urn("900001").unwrap(), Urn(900001));
        for bad in [
            "",
            "0",
            "-1",
            "abc",
            " 900001",
            "900001 ",
            "0900001",
            "1e3",
            "99999999999",
        ] {
            let e = parse_urn(bad).unwrap_err();
            assert_eq!(e.kind, crate::Kind::NotFound, "{bad:?}");
        }
    }
}
