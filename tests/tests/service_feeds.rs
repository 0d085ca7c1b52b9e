//! Calendar feeds end to end, on both databases: a person's secret address
//! serves the published plan's events for them without a session; a
//! re-publish that moves a review keeps its UID and raises its SEQUENCE; a
//! dropped review is cancelled; revoked addresses answer 404, re-issued ones
//! work; the SIM can revoke; one person's address never shows another's
//! reviews.

use std::collections::BTreeMap;
use std::io::BufReader;

use chrono::{Datelike, NaiveDate, Weekday};
use e2e::app::{backends, Session, TestApp};
use e2e::day;
use optimiser::model::{Adviser, School};
use optimiser::triads::{self, Plan};
use reqwest::{header, Method, StatusCode};

/// The first weekday `offset` days from today or after.
fn weekday(offset: i64) -> NaiveDate {
    let mut d = day(offset);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.succ_opt().unwrap();
    }
    d
}

struct Sample {
    schools: Vec<School>,
    advisers: Vec<Adviser>,
    plan: Plan,
    /// The group whose three reviews are dated, and another group with one.
    group: usize,
    other: usize,
}

fn sample() -> Sample {
    let problem = e2e::sample::triad_problem();
    let mut plan = triads::plan(&problem, &|_, _| {}).unwrap();
    let group = e2e::sample::group_of_three(&plan);
    let other = plan
        .triads
        .iter()
        .position(|t| {
            t.id != plan.triads[group].id
                && t.adviser.is_some()
                && t.adviser != plan.triads[group].adviser
        })
        .expect("another group with another adviser");
    for (r, offset) in plan.triads[group].reviews.iter_mut().zip([20, 30, 40]) {
        let d = weekday(offset);
        r.start = Some(d);
        r.dates = vec![d];
    }
    let r = &mut plan.triads[other].reviews[0];
    let d = weekday(25);
    r.start = Some(d);
    r.dates = vec![d];
    Sample {
        schools: problem.schools,
        advisers: problem.advisers,
        plan,
        group,
        other,
    }
}

/// Makes the caller's calendar address on their page; its path.
async fn address(app: &TestApp, year: i64, who: &Session) -> String {
    let (st, html) = app
        .post_form(&format!("/years/{year}/calendar-link"), who, &[])
        .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    path_in(app, &html)
}

/// The feed's path from the page that shows it once, checking the webcal
/// link beside it.
fn path_in(app: &TestApp, html: &str) -> String {
    let start = html.find("value=\"http").expect("the address to copy") + 7;
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let path = url
        .strip_prefix(&app.base)
        .expect("under the site")
        .to_string();
    assert!(
        path.starts_with("/calendars/") && path.ends_with(".ics"),
        "{path}"
    );
    let host = app.base.split("://").nth(1).unwrap();
    assert!(
        html.contains(&format!("href=\"webcal://{host}{path}\"")),
        "{html}"
    );
    assert!(html.contains("Outlook") && html.contains("Google Calendar"));
    path
}

/// An event as read back with the `ical` crate: property values by name.
type Ev = BTreeMap<String, String>;

/// Fetches a feed with no session: status, and (name, PRODID, events by UID).
async fn feed(
    app: &TestApp,
    path: &str,
) -> (StatusCode, Option<(String, String, BTreeMap<String, Ev>)>) {
    let resp = app.send(Method::GET, path, None).await;
    let status = resp.status();
    if status != StatusCode::OK {
        return (status, None);
    }
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "text/calendar; charset=utf-8"
    );
    let body = resp.text().await.unwrap();
    let mut cals = ical::IcalParser::new(BufReader::new(body.as_bytes()));
    let cal = cals
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    let prop = |n: &str| {
        cal.properties
            .iter()
            .find(|p| p.name == n)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    let events = cal
        .events
        .iter()
        .map(|e| {
            let ev: Ev = e
                .properties
                .iter()
                .map(|p| (p.name.clone(), p.value.clone().unwrap_or_default()))
                .collect();
            (ev["UID"].clone(), ev)
        })
        .collect();
    (status, Some((prop("X-WR-CALNAME"), prop("PRODID"), events)))
}

fn uid_of(events: &BTreeMap<String, Ev>, host: &str) -> String {
    events
        .keys()
        .find(|u| u.contains(&format!("-{host}@")))
        .unwrap_or_else(|| panic!("no event at {host}: {events:?}"))
        .clone()
}

#[tokio::test]
async fn feeds_follow_the_published_plan_and_only_their_owner() {
    let s = sample();
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let be = backend.name();
        let sim = app.signed_in("sim", "Sam Manager", None).await.unwrap();
        let y = e2e::sample::year(&app, &s.schools, &s.advisers, 100, 30, "").await;
        let g = &s.plan.triads[s.group];
        let urns: Vec<String> = g.reviews.iter().map(|r| r.host.to_string()).collect();
        let school = |u: &str| {
            s.schools
                .iter()
                .find(|x| x.urn.to_string() == u)
                .unwrap()
                .clone()
        };
        let head = app
            .signed_in("head", "Ann Host", Some(&urns[0]))
            .await
            .unwrap();
        let _reviewer = app
            .user("head", "Ben Visitor", Some(&urns[1]), None)
            .await
            .unwrap();
        let other_urn = s.plan.triads[s.other].reviews[0].host.to_string();
        let stranger = app
            .signed_in("head", "Cat Elsewhere", Some(&other_urn))
            .await
            .unwrap();
        let adviser_id = g.adviser.clone().unwrap();
        let adviser_user = app
            .user("adviser", "Dee Adviser", None, Some(&adviser_id))
            .await
            .unwrap();
        let adviser = app.sign_in(adviser_user).await.unwrap();
        e2e::sample::publish(&app, y, &s.plan, sim.user_id).await;

        // The year page offers the address; making it shows it once.
        let page = app.get_text(&format!("/years/{y}"), Some(&head)).await;
        assert!(page.contains("Get my calendar address"), "{be}: {page}");
        let mine = address(&app, y, &head).await;

        // No session: the head's own review, where and with whom.
        let (st, got) = feed(&app, &mine).await;
        assert_eq!(st, StatusCode::OK, "{be}");
        let (name, prodid, events) = got.unwrap();
        assert!(name.contains("Ann Host"), "{be}: {name}");
        assert_eq!(prodid, formats::feed::PRODID);
        assert_eq!(events.len(), 3, "{be}: hosts one, visits two: {events:?}");
        let own = uid_of(&events, &urns[0]);
        let e = &events[&own];
        let host = school(&urns[0]);
        assert!(e["LOCATION"].contains(&host.name), "{be}: {e:?}");
        if let Some(pc) = &host.postcode {
            assert!(e["LOCATION"].contains(pc.as_str()), "{be}: {e:?}");
        }
        assert!(e["DESCRIPTION"].contains("Ann Host"), "{be}: {e:?}");
        assert!(e["DESCRIPTION"].contains("Ben Visitor"), "{be}: {e:?}");
        assert!(
            !e["DESCRIPTION"].contains(&adviser_id),
            "{be}: names, not ids: {e:?}"
        );
        let adviser_name = &s.advisers.iter().find(|a| a.id == adviser_id).unwrap().name;
        assert!(
            e["DESCRIPTION"].contains(adviser_name.as_str()),
            "{be}: {e:?}"
        );
        assert_eq!(e["SEQUENCE"], "0");
        assert_eq!(e["DTSTART"], weekday(20).format("%Y%m%d").to_string());
        assert_eq!(e["STATUS"], "CONFIRMED");

        // Another head's address shows their review, none of this group's.
        let theirs = address(&app, y, &stranger).await;
        let (_, got) = feed(&app, &theirs).await;
        let (_, _, other_events) = got.unwrap();
        assert_eq!(other_events.len(), 1, "{be}: {other_events:?}");
        for u in &urns {
            assert!(
                !other_events.keys().any(|k| k.contains(&format!("-{u}@"))),
                "{be}: {other_events:?}"
            );
        }
        // The adviser sees the group's three reviews.
        let advisers = address(&app, y, &adviser).await;
        let (_, got) = feed(&app, &advisers).await;
        assert_eq!(got.unwrap().2.len(), 3, "{be}");

        // A re-publish that moves the review: same UID, higher SEQUENCE.
        let mut moved = s.plan.clone();
        let r = &mut moved.triads[s.group].reviews[0];
        r.start = Some(weekday(50));
        r.dates = vec![weekday(50)];
        e2e::sample::publish(&app, y, &moved, sim.user_id).await;
        let (_, got) = feed(&app, &mine).await;
        let events = got.unwrap().2;
        let e = &events[&own];
        assert_eq!(e["SEQUENCE"], "1", "{be}: {e:?}");
        assert_eq!(e["DTSTART"], weekday(50).format("%Y%m%d").to_string());
        // Reviews that did not change keep their SEQUENCE.
        assert_eq!(events[&uid_of(&events, &urns[1])]["SEQUENCE"], "0", "{be}");

        // A dropped review is cancelled, with a higher SEQUENCE.
        let mut dropped = moved.clone();
        let r = &mut dropped.triads[s.group].reviews[1];
        r.start = None;
        r.dates.clear();
        r.unscheduled_reason = Some("no date".into());
        e2e::sample::publish(&app, y, &dropped, sim.user_id).await;
        let (_, got) = feed(&app, &mine).await;
        let events = got.unwrap().2;
        let gone = &events[&uid_of(&events, &urns[1])];
        assert_eq!(gone["STATUS"], "CANCELLED", "{be}: {gone:?}");
        assert_eq!(gone["SEQUENCE"], "1", "{be}: {gone:?}");
        assert_eq!(
            events[&own]["SEQUENCE"], "1",
            "{be}: unchanged since the move"
        );

        // Revoked: 404 with no hint; the re-issued address works.
        let (st, _) = app
            .post_form(&format!("/years/{y}/calendar-link/revoke"), &head, &[])
            .await;
        assert!(st.is_success(), "{be}: {st}");
        let (st, _) = feed(&app, &mine).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{be}");
        let unknown = app
            .send(Method::GET, "/calendars/not-a-token.ics", None)
            .await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        // The same answer as for an address that never was, but for the path.
        let revoked = app.send(Method::GET, &mine, None).await;
        assert_eq!(
            revoked.text().await.unwrap().replace(&mine, "PATH"),
            unknown
                .text()
                .await
                .unwrap()
                .replace("/calendars/not-a-token.ics", "PATH")
        );
        let again = address(&app, y, &head).await;
        assert_ne!(again, mine);
        let (st, _) = feed(&app, &again).await;
        assert_eq!(st, StatusCode::OK, "{be}");

        // Only the SIM revokes someone else's address.
        let (st, _) = app
            .post_form(
                &format!("/years/{y}/calendar-links/{}/revoke", head.user_id),
                &stranger,
                &[],
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{be}");
        assert_eq!(feed(&app, &again).await.0, StatusCode::OK, "{be}");
        let list = app
            .get_text(&format!("/years/{y}/calendar-links"), Some(&sim))
            .await;
        assert!(
            list.contains("Ann Host") && list.contains("Dee Adviser"),
            "{be}: {list}"
        );
        let (st, _) = app
            .post_form(
                &format!("/years/{y}/calendar-links/{}/revoke", head.user_id),
                &sim,
                &[],
            )
            .await;
        assert!(st.is_success(), "{be}: {st}");
        assert_eq!(feed(&app, &again).await.0, StatusCode::NOT_FOUND, "{be}");
        // The SIM makes a new one to send; it opens the head's calendar.
        let (st, html) = app
            .post_form(
                &format!("/years/{y}/calendar-links/{}", head.user_id),
                &sim,
                &[],
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{be}");
        assert!(html.contains("Ann Host"), "{be}");
        let sent = path_in(&app, &html);
        let (_, got) = feed(&app, &sent).await;
        assert!(got.unwrap().0.contains("Ann Host"), "{be}");
        // The other feeds were untouched throughout.
        assert_eq!(feed(&app, &theirs).await.0, StatusCode::OK, "{be}");

        app.stop().await.unwrap();
    }
}
