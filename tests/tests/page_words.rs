//! Every page, for every role, on a year with a published plan, in words
//! people read: no URN without its school's name, no adviser or consultant
//! id, no snake_case word, no "Eyfs" or "Send", no internal field name.
//! Then the edge states: a left-out school's head, a review without a date,
//! after the availability deadline and after publication.

use e2e::app::{backends, Session, TestApp};
use e2e::day;
use optimiser::model::{Adviser, School, Urn};
use optimiser::triads::{self, Plan, Undated, Who};
use reqwest::StatusCode;

struct Sample {
    schools: Vec<School>,
    advisers: Vec<Adviser>,
    plan: Plan,
    /// A school of a group of three with an adviser.
    in_group: Urn,
    /// The host of that group's review that has no date; `in_group` leads it.
    undated_host: Urn,
    left_out: Urn,
    adviser: String,
}

/// The sample under a travel limit short enough that the optimiser leaves
/// schools out (with its own reasons); one group's reviews dated, except
/// the one `in_group` leads, which has the reason a scheduler gives.
fn sample() -> Sample {
    let mut problem = e2e::sample::triad_problem();
    problem.rules.max_distance_km = 4.0;
    let (schools, advisers) = (problem.schools.clone(), problem.advisers.clone());
    let mut plan = triads::plan(&problem, &|_, _| {}).unwrap();
    let left_out = plan
        .unplaced
        .iter()
        .find(|u| u.why.is_some())
        .expect("a school left out with its reason")
        .urn;
    let gi = e2e::sample::group_of_three(&plan);
    let t = &mut plan.triads[gi];
    let adviser = t.adviser.clone().unwrap();
    let heads: Vec<Urn> = t.schools.clone();
    for (i, (r, offset)) in t.reviews.iter_mut().zip([20, 30, 40]).enumerate() {
        if i == 1 {
            r.unscheduled_reason = Some(format!(
                "review at {}: the heads of {} and adviser {adviser} share no date",
                r.host, heads[0]
            ));
            r.undated = Some(Undated::NoCommonDate {
                offered: heads
                    .iter()
                    .map(|u| (Who::Head(*u), 2))
                    .chain([(Who::Adviser(adviser.clone()), 0)])
                    .collect(),
                days: 1,
                first: day(-100),
                last: day(200),
            });
        } else {
            r.start = Some(day(offset));
            r.dates = vec![day(offset)];
        }
    }
    let undated_host = t.reviews[1].host;
    let in_group = t.reviews[1].lead;
    Sample {
        schools,
        advisers,
        plan,
        in_group,
        undated_host,
        left_out,
        adviser,
    }
}

struct Year {
    id: i64,
    sim: Session,
    head: Session,
    left_out_head: Session,
    adviser: Session,
    consultant: Session,
}

async fn year(app: &TestApp, s: &Sample, deadline_in: i64) -> Year {
    let id = e2e::sample::year(app, &s.schools, &s.advisers, 200, deadline_in, "").await;
    let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
    e2e::sample::publish(app, id, &s.plan, sim.user_id).await;
    let head = app
        .signed_in("head", "Hana Head", Some(&s.in_group.to_string()))
        .await
        .unwrap();
    let left_out_head = app
        .signed_in("head", "Lee Left", Some(&s.left_out.to_string()))
        .await
        .unwrap();
    let adviser_id = app
        .user("adviser", "Ada Adviser", None, Some(&s.adviser))
        .await
        .unwrap();
    let adviser = app.sign_in(adviser_id).await.unwrap();
    let consultant_id = app
        .user("consultant", "Con Consultant", None, Some("CON-WORDS"))
        .await
        .unwrap();
    let consultant = app.sign_in(consultant_id).await.unwrap();
    Year {
        id,
        sim,
        head,
        left_out_head,
        adviser,
        consultant,
    }
}

/// The text a person sees: no tags, scripts, styles or attributes; the
/// few entities askama writes decoded.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let lower = rest.get(..8).unwrap_or(rest).to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            "</script>"
        } else if lower.starts_with("<style") {
            "</style>"
        } else {
            ">"
        };
        let tag: String = rest[1..]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match rest.to_ascii_lowercase().find(skip_to) {
            Some(j) => rest = &rest[j + skip_to.len()..],
            None => rest = "",
        }
        // Inline elements sit inside a sentence; blocks and cells end a word.
        if !matches!(
            tag.as_str(),
            "strong" | "em" | "a" | "span" | "b" | "abbr" | "code"
        ) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
}

fn words_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '[' || c == ']'))
        .filter(|w| !w.is_empty())
}

/// What is wrong with a page's visible text, one line per fault.
fn faults(text: &str, schools: &[School]) -> Vec<String> {
    let mut out = Vec::new();
    for w in words_of(text) {
        let core = w.trim_matches(|c: char| c == '-' || c == '[' || c == ']');
        if core.contains('_') && core.chars().any(|c| c.is_ascii_lowercase()) {
            out.push(format!("snake_case word {core:?}"));
        }
        if core == "Eyfs" || core == "eyfs" || core == "Send" && !text.contains("Send ") {
            out.push(format!("area written {core:?}"));
        }
        let lower = core.to_ascii_lowercase();
        for prefix in ["adv-", "cons-", "con-"] {
            if lower.starts_with(prefix)
                && lower[prefix.len()..]
                    .starts_with(|c: char| c.is_ascii_digit() || c.is_ascii_uppercase())
            {
                out.push(format!("an id {core:?}"));
            }
        }
        if w.contains('[') && w.contains(']') {
            out.push(format!("a field name {core:?}"));
        }
    }
    for phrase in [
        "Score by term",
        "Your hand",
        "special_and_ap",
        "no_availability",
    ] {
        if text.contains(phrase) {
            out.push(format!("jargon {phrase:?}"));
        }
    }
    for s in schools {
        let urn = s.urn.to_string();
        let mut from = 0;
        while let Some(i) = text[from..].find(&urn) {
            let at = from + i;
            let before = &text[at.saturating_sub(s.name.len() + 40)..at];
            if !before.contains(&s.name) {
                let ctx = &text[at.saturating_sub(60)..(at + 20).min(text.len())];
                out.push(format!("URN {urn} without {:?}: {ctx:?}", s.name));
            }
            from = at + urn.len();
        }
    }
    out
}

#[test]
fn the_checks_catch_what_people_should_not_read() {
    let mut school = e2e::sample::triad_problem().schools.remove(0);
    school.urn = Urn(900006);
    school.name = "Oakfield Primary".into();
    let schools = [school];
    assert!(faults("Oakfield Primary (URN 900006)", &schools).is_empty());
    for bad in [
        "review at 900006: no date",
        "adviser adv-02 already has 3 review days",
        "Special and AP, special_and_ap",
        "Eyfs and maths",
        "exclude[1].b is the same school as a",
        "Score by term",
    ] {
        assert!(!faults(bad, &schools).is_empty(), "{bad}");
    }
    assert_eq!(
        visible("<p title=\"adv-01\">A<script>x_y()</script> &amp; <strong>B</strong>.</p>"),
        "A & B."
    );
}

#[tokio::test]
async fn every_page_for_every_role_is_in_words() {
    let s = sample();
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let y = year(&app, &s, 60).await;
        let id = y.id;
        let paths = [
            "/".to_string(),
            format!("/years/{id}"),
            format!("/years/{id}/availability"),
            format!("/years/{id}/choices"),
            format!("/years/{id}/plans/1"),
            format!("/years/{id}/plans/1/report"),
            format!("/years/{id}/writeups"),
            format!("/years/{id}/allocation"),
            format!("/years/{id}/messages"),
            format!("/years/{id}/messages?kind=published"),
            format!("/years/{id}/reviews/{}/writeup", s.undated_host),
            format!("/years/{id}/reviews/{}/writeup", s.in_group),
            format!("/years/{id}/reviews/{}/writeup", s.left_out),
        ];
        let mut all = Vec::new();
        let roles = [
            ("SIM", &y.sim),
            ("head", &y.head),
            ("left-out head", &y.left_out_head),
            ("adviser", &y.adviser),
            ("consultant", &y.consultant),
        ];
        let mut seen = 0;
        for (role, who) in roles {
            for p in &paths {
                let (status, html) = app.page(p, who).await;
                assert!(status.as_u16() < 500, "{role} {p}: {status}");
                if status == StatusCode::OK {
                    seen += 1;
                }
                for f in faults(&visible(&html), &s.schools) {
                    all.push(format!("{} {role} {p} ({status}): {f}", backend.name()));
                }
            }
        }
        assert!(seen >= 15, "only {seen} pages answered 200");
        assert!(all.is_empty(), "{} faults:\n{}", all.len(), all.join("\n"));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn edge_states_are_said_to_the_people_they_concern() {
    let s = sample();
    let name = |u: Urn| s.schools.iter().find(|x| x.urn == u).unwrap().name.clone();
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        // The deadline passed, the plan published.
        let y = year(&app, &s, -5).await;
        let id = y.id;

        // A left-out school: why in a sentence, what the SIM can do, no
        // promise of a group "once published", no write-up controls.
        let (status, html) = app.page(&format!("/years/{id}"), &y.left_out_head).await;
        assert_eq!(status, StatusCode::OK);
        let text = visible(&html);
        assert!(
            text.contains("Your school is not in a group this year"),
            "{text}"
        );
        assert!(text.contains("School Improvement Manager can"), "{text}");
        assert!(
            !text.contains("once the School Improvement Manager publishes"),
            "{text}"
        );
        assert!(
            !html.contains("/sharing\""),
            "no sharing form for a school without a group"
        );
        assert!(!html.contains("/writeup\""), "no write-up link");
        let why = s
            .plan
            .unplaced
            .iter()
            .find(|u| u.urn == s.left_out)
            .unwrap();
        let said = report::words::left_out(why.why.as_ref().unwrap(), &names(&s));
        assert!(text.contains(&said), "{said}\n{text}");
        assert!(
            !text.contains(&why.reason),
            "the rule's own text is not shown"
        );

        // A review without a date: the lead is told it will not take place
        // as planned and why, with names, and gets no write-up link for it.
        let (_, html) = app.page(&format!("/years/{id}"), &y.head).await;
        let text = visible(&html);
        assert!(
            text.contains("this review cannot take place as planned"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "have no day free together between {}",
                report::words::long_date(day(-100))
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("the head of {}", name(s.in_group))),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "You were to lead the review at {}, but it has no date",
                name(s.undated_host)
            )),
            "{text}"
        );
        assert!(
            !html.contains(&format!("/reviews/{}/writeup\"", s.undated_host)),
            "{html}"
        );

        // After publication: what changing dates now means.
        assert!(text.contains("If you cannot come on a date"), "{text}");
        assert!(
            text.contains("moving one review changes the day for everyone"),
            "{text}"
        );

        // After the deadline: the availability page says dates are closed
        // and whom to ask.
        let (status, html) = app
            .page(&format!("/years/{id}/availability"), &y.head)
            .await;
        assert_eq!(status, StatusCode::OK);
        let text = visible(&html);
        assert!(text.contains("closed"), "{text}");
        assert!(text.contains("School Improvement Manager"), "{text}");
        let f = faults(&text, &s.schools);
        assert!(f.is_empty(), "{f:?}");
        app.stop().await.unwrap();
    }
}

fn names(s: &Sample) -> report::words::Names {
    report::words::Names::new(
        s.schools.iter().map(|x| (x.urn, x.name.clone())),
        s.advisers.iter().map(|a| (a.id.clone(), a.name.clone())),
    )
}
