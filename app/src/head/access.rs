//! Who may read and write a review's write-up: one pure decision, so that
//! every route applies the same rule and the tests can try every case.
//!
//! - The lead reviewer of the review in the published plan writes it; nobody
//!   else does (not the host, not the other reviewers, not the SIM).
//! - The host head and the lead read it in full, and so does the lead who
//!   wrote the latest version where a re-published plan changed the lead.
//! - The other heads of the group read it in full only where the host
//!   shared it with the group.
//! - The SIM reads it in full only where the host consented (`sim_full`),
//!   otherwise the anonymised summary.
//! - Everyone else (other heads, advisers, consultants): nothing.

use optimiser::triads::plan::{Review, Triad};

use crate::caller::{Caller, Role};
use store::writeups::Sharing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Full,
    Summary,
}

/// How the caller may read the write-up of `review` (in `group`), if at all.
/// `author_lead` is the lead URN of the latest stored version, if any.
pub fn read_access(
    caller: &Caller,
    group: &Triad,
    review: &Review,
    author_lead: Option<&str>,
    sharing: &Sharing,
) -> Option<Read> {
    match caller.role {
        Role::Sim if sharing.sim_full => Some(Read::Full),
        Role::Sim => Some(Read::Summary),
        Role::Head => {
            let urn = caller.urn.as_deref()?;
            let is = |u: optimiser::model::Urn| u.to_string() == urn;
            let in_group = group.schools.iter().any(|&u| is(u));
            let own = is(review.host) || is(review.lead) || author_lead == Some(urn);
            (own || (in_group && sharing.share_group)).then_some(Read::Full)
        }
        Role::Adviser | Role::Consultant => None,
    }
}

/// Only the lead of the review in the published plan writes its write-up.
pub fn may_write(caller: &Caller, review: &Review) -> bool {
    caller.role == Role::Head && caller.urn.as_deref() == Some(review.lead.to_string().as_str())
}

#[cfg(test)]
mod tests {
    use optimiser::model::{PhaseGroup, Urn};

    use super::*;

    fn caller(role: Role, urn: Option<&str>) -> Caller {
        Caller {
            user_id: 1,
            role,
            name: "x".into(),
            urn: urn.map(String::from),
            ext_id: None,
            session_id: 1,
            csrf_token: String::new(),
        }
    }

    fn group() -> (Triad, Review) {
        let review = Review::new(Urn(1), vec![Urn(2), Urn(3)], 1);
        let triad = Triad::new(
            "G1".into(),
            PhaseGroup::Primary,
            vec![Urn(1), Urn(2), Urn(3)],
            Some("adv-01".into()),
            vec![review.clone()],
        );
        (triad, review)
    }

    fn sharing(share_group: bool, sim_full: bool) -> Sharing {
        Sharing {
            share_group,
            sim_full,
            version: None,
            set_at: None,
        }
    }

    #[test]
    fn every_reader_gets_what_the_host_chose() {
        let (g, r) = group();
        let head = |u: &str| caller(Role::Head, Some(u));
        let none = sharing(false, false);
        let all = sharing(true, true);
        assert_eq!(
            read_access(&head("1"), &g, &r, None, &none),
            Some(Read::Full)
        );
        assert_eq!(
            read_access(&head("2"), &g, &r, None, &none),
            Some(Read::Full)
        );
        assert_eq!(read_access(&head("3"), &g, &r, None, &none), None);
        assert_eq!(
            read_access(&head("3"), &g, &r, None, &all),
            Some(Read::Full)
        );
        assert_eq!(read_access(&head("4"), &g, &r, None, &all), None);
        assert_eq!(
            read_access(&head("4"), &g, &r, Some("4"), &none),
            Some(Read::Full),
            "the lead who wrote it under an earlier plan"
        );
        let sim = caller(Role::Sim, None);
        assert_eq!(read_access(&sim, &g, &r, None, &none), Some(Read::Summary));
        assert_eq!(
            read_access(&sim, &g, &r, None, &sharing(true, false)),
            Some(Read::Summary)
        );
        assert_eq!(
            read_access(&sim, &g, &r, None, &sharing(false, true)),
            Some(Read::Full)
        );
        let adviser = caller(Role::Adviser, None);
        assert_eq!(read_access(&adviser, &g, &r, None, &all), None);
        assert_eq!(
            read_access(&caller(Role::Head, None), &g, &r, None, &all),
            None
        );
    }

    #[test]
    fn only_the_lead_writes() {
        let (_, r) = group();
        assert!(may_write(&caller(Role::Head, Some("2")), &r));
        for c in [
            caller(Role::Head, Some("1")),
            caller(Role::Head, Some("3")),
            caller(Role::Sim, None),
            caller(Role::Adviser, Some("2")),
        ] {
            assert!(!may_write(&c, &r), "{c:?}");
        }
    }
}
