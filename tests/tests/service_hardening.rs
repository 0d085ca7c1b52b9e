//! Faults an outside test found in the service, each kept out here: two
//! instances writing one SQLite file, two publishes at once, a sign-in sent
//! from another website, errors outside the service's shape, and a file
//! read before the caller was checked.

use std::time::Duration;

use chrono::{Datelike, NaiveDate, Weekday};
use e2e::app::{backends, Backend, TestApp};
use e2e::day;
use optimiser::triads::{self, Plan};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use store::plans;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The sample's schools and advisers.
struct Inputs {
    schools: Vec<optimiser::model::School>,
    advisers: Vec<optimiser::model::Adviser>,
}

/// The sample's inputs and its plan.
fn sample() -> (Inputs, Plan) {
    let problem = e2e::sample::triad_problem();
    let plan = triads::plan(&problem, &|_, _| {}).unwrap();
    (
        Inputs {
            schools: problem.schools,
            advisers: problem.advisers,
        },
        plan,
    )
}

/// The `n`th weekday from 40 days on: a school day of the test year.
fn school_day(n: usize) -> NaiveDate {
    (40..)
        .map(day)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .nth(n)
        .unwrap()
}

/// A year open for availability for 30 more days, with the sample's
/// schools and advisers.
async fn year(app: &TestApp, s: &Inputs) -> i64 {
    e2e::sample::year(app, &s.schools, &s.advisers, 200, 30, "").await
}

/// Status, content type and body of an answer.
async fn answer(r: reqwest::RequestBuilder) -> (StatusCode, String, String) {
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

/// Sends the requests at once; each answer's status and body, in order.
async fn all_at_once(requests: Vec<reqwest::RequestBuilder>) -> Vec<(StatusCode, String)> {
    let handles: Vec<_> = requests
        .into_iter()
        .map(|r| {
            tokio::spawn(async move {
                let resp = r.send().await.unwrap();
                let status = resp.status();
                (status, resp.text().await.unwrap())
            })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// Asserts the service's error shape: JSON with a code and a sentence.
fn assert_error_shape(what: &str, (status, ct, body): &(StatusCode, String, String)) -> Value {
    assert!(
        ct.starts_with("application/json"),
        "{what}: {status} answered {ct:?}: {body}"
    );
    let v: Value = serde_json::from_str(body).unwrap();
    assert!(
        v["code"].as_str().is_some_and(|c| !c.is_empty())
            && v["message"].as_str().is_some_and(|m| m.len() > 10),
        "{what}: {body}"
    );
    v
}

/// Fault 2: with write transactions that began deferred, a second instance
/// on the same file made about a fifth of the saves fail with "database is
/// locked".
#[tokio::test]
async fn two_instances_on_one_sqlite_file_queue_their_writes() {
    let (s, _) = sample();
    let a = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let b = TestApp::spawn_on(&Backend::Sqlite, &a.database_url, None)
        .await
        .unwrap();
    let year = year(&a, &s).await;
    let mut heads = Vec::new();
    for school in s.schools.iter().take(8) {
        let urn = school.urn.to_string();
        heads.push(a.signed_in("head", "A head", Some(&urn)).await.unwrap());
    }
    // Every head saves a new version ten times, half through each instance,
    // all at once: each save reads the latest version before it writes.
    let mut requests = Vec::new();
    for round in 0..10 {
        for (i, head) in heads.iter().enumerate() {
            let app = if (i + round) % 2 == 0 { &a } else { &b };
            let dates = json!({ "dates": [{ "date": school_day(round), "level": "possible" }] });
            requests.push(
                app.request(
                    Method::PUT,
                    &format!("/api/years/{year}/availability"),
                    Some(head),
                )
                .json(&dates),
            );
        }
    }
    let failed: Vec<String> = all_at_once(requests)
        .await
        .into_iter()
        .filter(|(st, _)| *st != StatusCode::CREATED)
        .map(|(st, body)| format!("{st}: {body}"))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 80 saves failed: {failed:?}",
        failed.len()
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM availability")
        .fetch_one(&a.state.db.read)
        .await
        .unwrap();
    assert_eq!(stored, 80);
    b.stop().await.unwrap();
    a.stop().await.unwrap();
}

/// Fault 11: two publishes at once both answered 200, and one plan was
/// silently withdrawn. Publishing is a compare-and-set on the published
/// version; the loser hears which plan won.
#[tokio::test]
async fn of_two_publishes_at_once_one_wins_and_the_other_hears_which() {
    let (s, plan) = sample();
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let year = year(&app, &s).await;
        let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
        let mut refused = 0;
        for _round in 0..4 {
            let v1 = e2e::sample::draft(&app, year, &plan, sim.user_id).await;
            let v2 = e2e::sample::draft(&app, year, &plan, sim.user_id).await;
            let publish = |v: i64| {
                app.request(
                    Method::POST,
                    &format!("/api/years/{year}/plans/{v}/publish"),
                    Some(&sim),
                )
            };
            let answers = all_at_once(vec![publish(v1), publish(v2)]).await;
            let published = plans::published_version(&app.state.db, year)
                .await
                .unwrap()
                .expect("a plan is published");
            for ((status, body), v) in answers.iter().zip([v1, v2]) {
                match *status {
                    StatusCode::OK => {}
                    StatusCode::CONFLICT => {
                        refused += 1;
                        assert_ne!(v, published, "{}", backend.name());
                        assert!(
                            body.contains(&format!("plan version {published} was published"))
                                && body.contains(&format!("version {v} was not published")),
                            "{}: {body}",
                            backend.name()
                        );
                    }
                    other => panic!("{}: publish {v}: {other} {body}", backend.name()),
                }
            }
            let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
            assert!(ok >= 1, "{}: {answers:?}", backend.name());
        }
        // The two checks overlap every time on this service: a round where
        // both succeed would be one where the second saw the first's plan.
        assert!(
            refused >= 1,
            "{}: no publish was ever refused",
            backend.name()
        );
        let published: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM plans WHERE year_id = $1 AND status = 'published'",
        )
        .bind(year)
        .fetch_one(&app.state.db.read)
        .await
        .unwrap();
        assert_eq!(published, 1, "{}", backend.name());

        // In storage: a caller who saw no plan published is refused once
        // one is, and the answer names it.
        let v = e2e::sample::draft(&app, year, &plan, sim.user_id).await;
        let now = plans::published_version(&app.state.db, year).await.unwrap();
        assert_eq!(
            plans::publish_replacing(&app.state.db, year, v, sim.user_id, None)
                .await
                .unwrap(),
            plans::Publishing::Overtaken(now)
        );
        // And a version that is no draft is named as what it is.
        let (status, _, body) = answer(app.request(
            Method::POST,
            &format!("/api/years/{year}/plans/{}/publish", now.unwrap()),
            Some(&sim),
        ))
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body.contains("is already published"), "{body}");
        app.stop().await.unwrap();
    }
}

/// Fault 12: another website's page could post its own invitation and sign
/// the visitor's browser in as someone else.
#[tokio::test]
async fn a_sign_in_sent_from_another_website_is_refused() {
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let head = app
        .user("head", "Hana Head", Some("900001"), None)
        .await
        .unwrap();
    let token = app.invitation(head).await.unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |site: Option<&str>, origin: Option<&str>| {
        let mut r = no_redirects.post(format!("{}/invite/{token}", app.base));
        if let Some(s) = site {
            r = r.header("sec-fetch-site", s);
        }
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    for (site, origin) in [
        (Some("cross-site"), None),
        (Some("same-site"), None),
        (None, Some("https://evil.example")),
        (None, Some("null")),
    ] {
        let r = page(site, origin).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{site:?} {origin:?}");
        assert!(r.headers().get("set-cookie").is_none());
        let html = r.text().await.unwrap();
        assert!(html.contains("came from another website"), "{html}");
    }
    // The refused attempts did not use the link up: from the site itself
    // (or typed in) it still signs in.
    let r = page(Some("same-origin"), Some(&app.base)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers().get("set-cookie").is_some());

    let token = app.invitation(head).await.unwrap();
    let api = |origin: &str| {
        app.request(Method::POST, "/api/session", None)
            .header("origin", origin)
            .json(&json!({ "token": token }))
    };
    let refused = answer(api("https://evil.example")).await;
    assert_eq!(refused.0, StatusCode::FORBIDDEN);
    assert_error_shape("cross-site sign-in", &refused);
    let (status, _, _) = answer(api(&app.base)).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await.unwrap();
}

/// Fault 14: axum's own refusals (a path segment of the wrong type, an
/// address or method that does not exist, a body too large) were plain
/// text, and a 10 MB body got a 400.
#[tokio::test]
async fn every_error_is_in_the_services_shape() {
    let (s, _) = sample();
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let year = year(&app, &s).await;
    let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
    let ten_mb = format!("{{\"exclude\": \"{}\"}}", "x".repeat(10 << 20));
    let cases: Vec<(&str, StatusCode, reqwest::RequestBuilder)> = vec![
        (
            "unknown address",
            StatusCode::NOT_FOUND,
            app.request(Method::GET, "/api/no-such-thing", Some(&sim)),
        ),
        (
            "method the address does not take",
            StatusCode::METHOD_NOT_ALLOWED,
            app.request(Method::DELETE, "/api/years", Some(&sim)),
        ),
        (
            "job id not a number",
            StatusCode::NOT_FOUND,
            app.request(Method::GET, "/api/jobs/abc", Some(&sim)),
        ),
        (
            "plan version not a number",
            StatusCode::NOT_FOUND,
            app.request(
                Method::GET,
                &format!("/api/years/{year}/plans/x"),
                Some(&sim),
            ),
        ),
        (
            "a 10 MB body",
            StatusCode::PAYLOAD_TOO_LARGE,
            app.request(Method::PUT, &format!("/api/years/{year}/hand"), Some(&sim))
                .header("content-type", "application/json")
                .body(ten_mb.clone()),
        ),
        (
            "a 10 MB body signed out",
            StatusCode::PAYLOAD_TOO_LARGE,
            app.request(Method::POST, "/api/session", None)
                .header("content-type", "application/json")
                .body(ten_mb.clone()),
        ),
        (
            "a sign-in that is not JSON",
            StatusCode::BAD_REQUEST,
            app.request(Method::POST, "/api/session", None)
                .body("token=x"),
        ),
        (
            "a bad session",
            StatusCode::UNAUTHORIZED,
            app.request(Method::GET, "/api/me", None)
                .bearer_auth("nonsense"),
        ),
    ];
    for (what, want, request) in cases {
        let got = answer(request).await;
        assert_eq!(got.0, want, "{what}: {}", got.2);
        assert_error_shape(what, &got);
    }
    // Pages answer with a page.
    let cookie = format!("{}={}", web::auth::SESSION_COOKIE, sim.token);
    for path in ["/years/abc", "/years/1/plans/x", "/no-such-page"] {
        let (status, ct, body) = answer(
            reqwest::Client::new()
                .get(format!("{}{path}", app.base))
                .header("cookie", &cookie),
        )
        .await;
        assert!(status.is_client_error(), "{path}: {status}");
        assert!(ct.starts_with("text/html"), "{path}: {ct}: {body}");
        assert!(body.contains("Sam Sim"), "{path}: the page knows who asks");
    }
    app.stop().await.unwrap();
}

/// Fault 5: the upload's body was read (up to 128 MB) before the role was
/// checked. Now a head hears 403 while the body is still on its way.
#[tokio::test]
async fn an_upload_is_refused_before_its_body_is_read() {
    let (s, _) = sample();
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let year = year(&app, &s).await;
    let head = app
        .signed_in("head", "Hana Head", Some("900001"))
        .await
        .unwrap();
    let addr = app.base.trim_start_matches("http://").to_string();
    for path in [
        format!("/api/years/{year}/schools"),
        format!("/api/years/{year}/inputs/heads"),
    ] {
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head_lines = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: text/csv\r\nContent-Length: {}\r\n\r\n",
            head.token,
            100 << 20
        );
        conn.write_all(head_lines.as_bytes()).await.unwrap();
        conn.write_all(&vec![b'x'; 64 << 10]).await.unwrap();
        // The rest of the 100 MB never comes: an answer now means the body
        // was not waited for.
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf))
            .await
            .expect("answered before the body arrived")
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("HTTP/1.1 403"), "{path}: {text}");
    }
    app.stop().await.unwrap();
}

/// Fault 4 (in part): without the host's consent, estimates reach the SIM
/// only counted over five schools or more.
#[tokio::test]
async fn estimates_reach_the_sim_only_in_aggregate() {
    let (s, _) = sample();
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let year = year(&app, &s).await;
    let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
    let (status, _, body) = answer(app.request(
        Method::GET,
        &format!("/api/years/{year}/writeups/estimates"),
        Some(&sim),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["schools"].as_u64(), v["shown"].as_bool()),
        (Some(0), Some(false))
    );
    assert!(v["areas"].as_array().unwrap().is_empty());
    let head = app
        .signed_in("head", "Hana Head", Some("900001"))
        .await
        .unwrap();
    let (status, _, _) = answer(app.request(
        Method::GET,
        &format!("/api/years/{year}/writeups/estimates"),
        Some(&head),
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await.unwrap();
}

/// Fault 3 (the lists a page renders): every matching job adds a plan
/// version, and the dashboard lists the newest twenty and the published one.
#[tokio::test]
async fn the_dashboard_lists_the_newest_plan_versions_and_the_published_one() {
    let (s, plan) = sample();
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let year = year(&app, &s).await;
    let sim = app.signed_in("sim", "Sam Sim", None).await.unwrap();
    let first = e2e::sample::draft(&app, year, &plan, sim.user_id).await;
    assert!(plans::publish(&app.state.db, year, first, sim.user_id)
        .await
        .unwrap());
    for _ in 0..25 {
        e2e::sample::draft(&app, year, &plan, sim.user_id).await;
    }
    let (status, _, html) = answer(
        reqwest::Client::new()
            .get(format!("{}/years/{year}", app.base))
            .header(
                "cookie",
                format!("{}={}", web::auth::SESSION_COOKIE, sim.token),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed = html.matches(">Plan version ").count();
    assert_eq!(listed, 21, "the newest 20 and the published one");
    assert!(html.contains(&format!("plans/{first}\">Plan version {first}<")));
    assert!(
        html.contains("5 older versions, none of them published, not listed"),
        "{html}"
    );
    app.stop().await.unwrap();
}
