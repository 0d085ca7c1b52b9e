//! Calendars that update themselves: each head, adviser and consultant has a
//! secret feed address per year that their calendar application fetches
//! without signing in. The address is the only key, so it is random, stored
//! hashed, shown once, and revocable by its owner and by the SIM; making a
//! new one revokes the old.

use chrono::Utc;
use serde::Serialize;
use store::feeds;
use store::people::{self, Person};
use store::tokens::Role;
use store::Db;

use crate::caller::{year_or_404, AnyYear, Caller, SimYear};
use crate::error::{AppError, AppResult};

/// The path of a feed under the site's address.
pub fn feed_path(token: &str) -> String {
    format!("/calendars/{token}.ics")
}

/// A feed address as its owner adds it: the https address to copy and the
/// webcal one that opens the calendar application.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedLink {
    pub https: String,
    pub webcal: String,
}

impl FeedLink {
    pub fn new(base_url: &str, token: &str) -> FeedLink {
        let https = format!("{}{}", base_url.trim_end_matches('/'), feed_path(token));
        let rest = https
            .strip_prefix("https://")
            .or_else(|| https.strip_prefix("http://"))
            .unwrap_or(&https);
        FeedLink {
            webcal: format!("webcal://{rest}"),
            https,
        }
    }
}

/// Whether a person of this role has a feed at all: the SIM has no events
/// of their own.
fn has_feed(role: Role) -> bool {
    matches!(role, Role::Head | Role::Adviser | Role::Consultant)
}

fn own(caller: &Caller) -> AppResult<()> {
    if has_feed(caller.role) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "calendar feeds are for heads, advisers and consultants; \
             the School Improvement Manager manages theirs from the calendar feeds page",
        ))
    }
}

/// When the caller's live feed address of the year was made (Unix seconds),
/// if they have one.
pub async fn mine(db: &Db, year: &AnyYear) -> AppResult<Option<i64>> {
    own(&year.caller)?;
    Ok(feeds::live_since(db, year.year.id, year.caller.user_id).await?)
}

/// A new feed address for the caller (the old one stops working).
pub async fn issue_mine(db: &Db, year: &AnyYear, base_url: &str) -> AppResult<FeedLink> {
    own(&year.caller)?;
    let token = feeds::issue(db, year.year.id, year.caller.user_id, year.caller.user_id).await?;
    Ok(FeedLink::new(base_url, &token))
}

/// Stops the caller's feed address; false where they had none.
pub async fn revoke_mine(db: &Db, year: &AnyYear) -> AppResult<bool> {
    own(&year.caller)?;
    Ok(feeds::revoke(db, year.year.id, year.caller.user_id, year.caller.user_id).await?)
}

/// A person whose feed the SIM manages, with when their live address was made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonFeed {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub live_since: Option<i64>,
}

/// Every head, adviser and consultant, and whether they have a live feed
/// address of the year.
pub async fn everyone(db: &Db, year: &SimYear) -> AppResult<Vec<PersonFeed>> {
    let live = feeds::live_links(db, year.year.id).await?;
    Ok(people::list(db)
        .await?
        .into_iter()
        .filter(|p| Role::parse(&p.role).is_some_and(has_feed))
        .map(|p| PersonFeed {
            live_since: live.get(&p.id).copied(),
            user_id: p.id,
            name: p.name,
            role: p.role,
        })
        .collect())
}

async fn person_with_feed(db: &Db, user_id: i64) -> AppResult<Person> {
    people::get(db, user_id)
        .await?
        .filter(|p| Role::parse(&p.role).is_some_and(has_feed))
        .ok_or_else(|| {
            AppError::not_found(format!("no head, adviser or consultant with id {user_id}"))
        })
}

/// The SIM makes a new feed address for a person (to send them), revoking
/// their old one.
pub async fn issue_for(
    db: &Db,
    year: &SimYear,
    user_id: i64,
    base_url: &str,
) -> AppResult<(Person, FeedLink)> {
    let person = person_with_feed(db, user_id).await?;
    let token = feeds::issue(db, year.year.id, user_id, year.caller.user_id).await?;
    Ok((person, FeedLink::new(base_url, &token)))
}

/// The SIM stops a person's feed address (a lost phone, a person who left);
/// false where they had none.
pub async fn revoke_for(db: &Db, year: &SimYear, user_id: i64) -> AppResult<(Person, bool)> {
    let person = person_with_feed(db, user_id).await?;
    let revoked = feeds::revoke(db, year.year.id, user_id, year.caller.user_id).await?;
    Ok((person, revoked))
}

/// The calendar a feed address opens: the events of the year's published
/// plans that concern its owner, those no longer theirs cancelled. Unknown
/// and revoked addresses are one 404 that says nothing of which it was.
/// `domain` is the right-hand side of every UID.
pub async fn calendar(db: &Db, token: &str, domain: &str) -> AppResult<String> {
    let gone = || AppError::not_found("no such calendar");
    let (year_id, user_id) = feeds::owner(db, token).await?.ok_or_else(gone)?;
    let person = people::get(db, user_id).await?.ok_or_else(gone)?;
    let year = year_or_404(db, year_id).await?;
    let key = match Role::parse(&person.role) {
        Some(Role::Head) => person.urn.as_ref().map(|u| format!("head:{u}")),
        Some(Role::Adviser) => person.ext_id.as_ref().map(|a| format!("adviser:{a}")),
        // Consultants' days are allocated without dates: their calendar is
        // empty, under its name, until allocations carry dates.
        _ => None,
    };
    let entries = match key {
        Some(k) => feeds::entries(db, year_id, &k).await?,
        None => vec![],
    };
    Ok(formats::feed::feed(
        &format!("Peer review {}: {}", year.name, person.name),
        &entries,
        domain,
        Utc::now(),
    ))
}

/// The site's host name, for calendar UIDs: a domain the council controls.
pub fn uid_domain(base_url: &str) -> String {
    let rest = base_url.split("://").nth(1).unwrap_or(base_url);
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    if host.is_empty() {
        "peer-review.invalid".into()
    } else {
        host.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_https_and_webcal_of_one_address() {
        let l = FeedLink::new("https://peer.example.gov.uk/", "abc");
        assert_eq!(l.https, "https://peer.example.gov.uk/calendars/abc.ics");
        assert_eq!(l.webcal, "webcal://peer.example.gov.uk/calendars/abc.ics");
        let l = FeedLink::new("http://127.0.0.1:8080", "t");
        assert_eq!(l.webcal, "webcal://127.0.0.1:8080/calendars/t.ics");
    }

    #[test]
    fn uid_domain_is_the_host() {
        for (base_url, host) in [
            ("https://a.example:8443/x", "a.example"),
            ("https://pr.council.example/x", "pr.council.example"),
            ("http://127.0.0.1:8080", "127.0.0.1"),
            ("", "peer-review.invalid"),
        ] {
            assert_eq!(uid_domain(base_url), host, "{base_url}");
        }
    }
}
