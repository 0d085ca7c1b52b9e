//! E-mail end to end, on both databases: the SIM sends invitations through
//! a real SMTP server (postfix's smtp-sink, started by `scripts/test`), a
//! head opens the link in the message and signs in; sending one again
//! issues a new link and the old one stops working; a server that cannot
//! be reached is logged and shown, never a server error; without SMTP the
//! SIM downloads the mail-merge spreadsheet; only the SIM gets in.

use e2e::app::{backends, Session, TestApp};
use e2e::smtp;
use optimiser::model::{Headteacher, School};
use reqwest::{header, Method, StatusCode};

const FROM: &str = "Peer review <peer-review@council.example>";

/// A head of the test: school, name and e-mail address (empty: none).
struct Head {
    urn: String,
    name: String,
    email: String,
}

/// A year of three schools, two heads with addresses of this test's own
/// and one without; the deadline 30 days away.
async fn year(app: &TestApp) -> (i64, Session, Vec<Head>) {
    let schools: Vec<School> = e2e::sample::triad_problem()
        .schools
        .into_iter()
        .take(3)
        .collect();
    let year = e2e::sample::year(app, &schools, &[], 200, 30, "").await;
    let tag = &web::auth::new_token()[..8]
        .to_ascii_lowercase()
        .replace(['-', '_'], "x");
    let heads: Vec<Head> = schools
        .iter()
        .enumerate()
        .map(|(i, s)| Head {
            urn: s.urn.to_string(),
            name: ["Siân Jones", "Tom Okafor", "Ruth Bell"][i].to_string(),
            email: if i < 2 {
                format!("head{i}-{tag}@school.example")
            } else {
                String::new()
            },
        })
        .collect();
    let file: Vec<Headteacher> = schools
        .iter()
        .zip(&heads)
        .map(|(s, h)| Headteacher {
            school: s.urn,
            name: h.name.clone(),
            email: h.email.clone(),
        })
        .collect();
    let db = &app.state.db;
    let mut tx = db.begin_write().await.unwrap();
    store::inputs::store(&mut tx, year, "heads", "heads.csv", &file, None, "")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sim = app.signed_in("sim", "Sam Manager", None).await.unwrap();
    (year, sim, heads)
}

/// Opens an invitation link as a person would: the page, then its button.
/// The status of the sign-in (303 with a session cookie when it works).
async fn open_link(app: &TestApp, link: &str) -> StatusCode {
    let path = link.strip_prefix(&app.base).expect("a link to this site");
    let page = reqwest::get(link).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "{link}");
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    if resp.status() == StatusCode::SEE_OTHER {
        assert!(
            resp.headers().get(header::SET_COOKIE).is_some(),
            "a session cookie"
        );
    }
    resp.status()
}

/// The SIM presses Send on the invitations: status and page.
async fn send_invitations(app: &TestApp, year: i64, sim: &Session) -> (StatusCode, String) {
    let path = format!("/years/{year}/messages");
    app.post_form(&path, sim, &[("kind", "invitation"), ("action", "send")])
        .await
}

/// Sends messages of `kind` from the page without following the answer's
/// redirect: the answer itself.
async fn send_unfollowed(app: &TestApp, year: i64, sim: &Session, kind: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/years/{year}/messages", app.base))
        .bearer_auth(&sim.token)
        .form(&[
            ("csrf", sim.csrf.as_str()),
            ("kind", kind),
            ("action", "send"),
        ])
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, year: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(year)
        .fetch_one(&app.state.db.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn invitations_go_by_smtp_and_their_links_sign_heads_in() {
    let Some(sink) = smtp::sink("invitations_go_by_smtp_and_their_links_sign_heads_in") else {
        return;
    };
    for backend in backends() {
        let smtp = app::mail::Smtp::new(&sink.url, FROM).unwrap();
        let app = TestApp::spawn_with_mail(&backend, smtp).await.unwrap();
        let (year, sim, heads) = year(&app).await;

        let (st, html) = app.page(&format!("/years/{year}/messages"), &sim).await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(html.contains("Siân Jones") && html.contains(&heads[1].email));
        assert!(html.contains("no e-mail address"), "{html}");
        assert!(html.contains("[your sign-in link]"), "the preview: {html}");
        assert!(html.contains("Send 2 messages"), "{html}");

        let (st, html) = send_invitations(&app, year, &sim).await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(html.contains("2 sent, 1 not sent"), "{html}");
        assert!(html.contains("Ruth Bell: no e-mail address"), "{html}");
        // The outcome is a page of its own: reloading it shows the outcome
        // again and sends nothing.
        let logged = "SELECT COUNT(*) FROM messages WHERE year_id = $1";
        let before = count(&app, logged, year).await;
        let resp = send_unfollowed(&app, year, &sim, "writeup_reminder").await;
        // A kind that cannot go yet (no plan published) is refused, nothing logged.
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        assert_eq!(count(&app, logged, year).await, before);
        let first: i64 = sqlx::query_scalar("SELECT MIN(id) FROM messages WHERE year_id = $1")
            .bind(year)
            .fetch_one(&app.state.db.read)
            .await
            .unwrap();
        let outcome = format!(
            "/years/{year}/messages?kind=invitation&sent={first}-{}",
            first + 2
        );
        let (st, again) = app.page(&outcome, &sim).await;
        assert_eq!(st, StatusCode::OK, "{again}");
        assert!(
            again.contains("2 sent, 1 not sent") && again.contains("Ruth Bell: no e-mail address"),
            "{again}"
        );
        assert_eq!(count(&app, logged, year).await, before);

        let mail = &sink.wait_for(&heads[0].email, 1).await[0];
        assert_eq!(
            mail.header("Subject"),
            Some("Peer review test year: your sign-in link")
        );
        assert!(mail
            .header("From")
            .unwrap()
            .contains("peer-review@council.example"));
        assert!(mail.body.starts_with("Dear Siân Jones,\n"), "{}", mail.body);
        assert!(mail.body.contains("Sam Manager"), "{}", mail.body);
        let link = mail.invitation_link().expect("a sign-in link");
        assert_eq!(open_link(&app, &link).await, StatusCode::SEE_OTHER);
        // A link works once.
        assert_eq!(open_link(&app, &link).await, StatusCode::UNAUTHORIZED);

        // The log keeps the message, never the link.
        let sent = count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE year_id = $1 AND status = 'sent'",
            year,
        )
        .await;
        assert_eq!(sent, 2);
        let failed = count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE year_id = $1 AND status = 'failed' AND address = ''",
            year,
        )
        .await;
        assert_eq!(failed, 1);
        let token = link.rsplit('/').next().unwrap();
        let leaked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE body LIKE $1")
            .bind(format!("%{token}%"))
            .fetch_one(&app.state.db.read)
            .await
            .unwrap();
        assert_eq!(leaked, 0);

        // Resending the second head's invitation: a new link; the first stops working.
        let first = sink.wait_for(&heads[1].email, 1).await[0]
            .invitation_link()
            .unwrap();
        let id: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE address = $1")
            .bind(&heads[1].email)
            .fetch_one(&app.state.db.read)
            .await
            .unwrap();
        let (st, html) = app
            .post_form(&format!("/years/{year}/messages/{id}/resend"), &sim, &[])
            .await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(html.contains("Sent to Tom Okafor again"), "{html}");
        let both = sink.wait_for(&heads[1].email, 2).await;
        let second = both
            .iter()
            .filter_map(|m| m.invitation_link())
            .find(|l| *l != first)
            .expect("a new link");
        assert_eq!(open_link(&app, &first).await, StatusCode::UNAUTHORIZED);
        assert_eq!(open_link(&app, &second).await, StatusCode::SEE_OTHER);
        let resent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE resent_of = $1")
            .bind(id)
            .fetch_one(&app.state.db.read)
            .await
            .unwrap();
        assert_eq!(resent, 1);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_logged_and_shown() {
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for backend in backends() {
        let smtp = app::mail::Smtp::new(&format!("smtp://127.0.0.1:{closed}"), FROM).unwrap();
        let app = TestApp::spawn_with_mail(&backend, smtp).await.unwrap();
        let (year, sim, _) = year(&app).await;
        let (st, html) = send_invitations(&app, year, &sim).await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(html.contains("0 sent, 3 not sent"), "{html}");
        assert!(html.contains("the SMTP server refused or failed"), "{html}");
        let logged: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT status, error FROM messages WHERE year_id = $1 AND address <> ''",
        )
        .bind(year)
        .fetch_all(&app.state.db.read)
        .await
        .unwrap();
        assert_eq!(logged.len(), 2);
        assert!(logged
            .iter()
            .all(|(s, e)| s == "failed" && e.as_deref().is_some_and(|e| !e.is_empty())));
        // The log shows the error, with a Resend button.
        let (_, html) = app.page(&format!("/years/{year}/messages"), &sim).await;
        assert!(
            html.contains("Not sent: failed") && html.contains("Resend"),
            "{html}"
        );
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn without_smtp_the_sim_downloads_a_mail_merge_spreadsheet() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let (year, sim, heads) = year(&app).await;
        let (st, html) = app.page(&format!("/years/{year}/messages"), &sim).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("Download mail-merge spreadsheet"), "{html}");

        let resp = app
            .request(Method::POST, &format!("/years/{year}/messages"), Some(&sim))
            .form(&[
                ("csrf", sim.csrf.as_str()),
                ("kind", "invitation"),
                ("action", "download"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let bytes = resp.bytes().await.unwrap();
        assert!(
            bytes.starts_with("\u{feff}".as_bytes()),
            "a byte-order mark"
        );
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            ["name", "email", "subject", "body", "link"]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3, "a row per head, with or without an address");
        for (row, head) in rows.iter().zip(&heads) {
            assert_eq!(&row[0], head.name);
            assert_eq!(&row[1], head.email);
            assert!(row[3].contains(&row[4]), "the body holds the link");
        }
        assert_eq!(open_link(&app, &rows[2][4]).await, StatusCode::SEE_OTHER);
        let not_sent = count(
            &app,
            "SELECT COUNT(*) FROM messages WHERE year_id = $1 AND status = 'not_sent'",
            year,
        )
        .await;
        assert_eq!(not_sent, 3);

        // Without SMTP an invitation sent again, and a new link for one
        // person, are logged as not sent: their links are shown to the SIM.
        let (first, user): (i64, i64) = sqlx::query_as(
            "SELECT id, user_id FROM messages WHERE year_id = $1 ORDER BY id LIMIT 1",
        )
        .bind(year)
        .fetch_one(&app.state.db.read)
        .await
        .unwrap();
        for path in [
            format!("/years/{year}/messages/{first}/resend"),
            format!("/years/{year}/people/{user}/link"),
        ] {
            let (st, html) = app.post_form(&path, &sim, &[]).await;
            assert_eq!(st, StatusCode::OK, "{path}: {html}");
        }
        let shown: Vec<Option<i64>> = sqlx::query_scalar(
            "SELECT resent_of FROM messages WHERE year_id = $1 AND status = 'not_sent' \
             AND error = 'no SMTP server is configured: the link was shown to the SIM' ORDER BY id",
        )
        .bind(year)
        .fetch_all(&app.state.db.read)
        .await
        .unwrap();
        assert_eq!(shown, [Some(first), None]);

        // A reminder before it is due: the problem beside the field, what was typed kept.
        for (typed, says) in [
            ("7", "The deadline is 30 days away"),
            ("seven", "must be a whole number"),
        ] {
            let (st, html) = app
                .post_form(
                    &format!("/years/{year}/messages"),
                    &sim,
                    &[
                        ("kind", "availability_reminder"),
                        ("days", typed),
                        ("action", "download"),
                    ],
                )
                .await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{html}");
            assert!(html.contains(says), "{html}");
            assert!(html.contains(&format!("value=\"{typed}\"")), "{html}");
            assert!(html.contains("aria-invalid=\"true\""), "{html}");
        }
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn only_the_sim_gets_the_messages() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let (year, _sim, heads) = year(&app).await;
        let head = app
            .signed_in("head", &heads[0].name, Some(&heads[0].urn))
            .await
            .unwrap();
        let (st, _) = app.page(&format!("/years/{year}/messages"), &head).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        for path in [
            format!("/years/{year}/messages"),
            format!("/years/{year}/messages/1/resend"),
            format!("/years/{year}/people/{}/link", head.user_id),
        ] {
            let (st, _) = app.post_form(&path, &head, &[("kind", "invitation")]).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{path}");
        }
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn advisers_are_invited_and_told_the_groups_they_advise() {
    let Some(sink) = smtp::sink("advisers_are_invited_and_told_the_groups_they_advise") else {
        return;
    };
    // The messages are made the same way on both databases (the test above
    // runs on both); SQLite alone here.
    let backend = backends().remove(0);
    let smtp = app::mail::Smtp::new(&sink.url, FROM).unwrap();
    let app = TestApp::spawn_with_mail(&backend, smtp).await.unwrap();
    let problem = e2e::sample::triad_problem();
    let plan = optimiser::triads::plan(&problem, &|_, _| {}).unwrap();
    let group = plan
        .triads
        .iter()
        .find(|t| t.adviser.is_some())
        .expect("a group with an adviser")
        .clone();
    let adviser = group.adviser.clone().unwrap();
    let tag = web::auth::new_token()[..8]
        .to_ascii_lowercase()
        .replace(['-', '_'], "x");
    let address = format!("{adviser}-{tag}@advisers.example");
    // Only the group's adviser has an address in the advisers file.
    let mut advisers = problem.advisers.clone();
    for a in &mut advisers {
        a.email = (a.id == adviser).then(|| address.clone());
    }
    let year = e2e::sample::year(&app, &problem.schools, &advisers, 200, 30, "").await;
    let sim = app.signed_in("sim", "Sam Manager", None).await.unwrap();

    let (st, html) = app.page(&format!("/years/{year}/messages"), &sim).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(
        html.contains("no e-mail address: add it to the advisers file"),
        "{html}"
    );
    let (st, html) = app
        .post_form(
            &format!("/years/{year}/messages"),
            &sim,
            &[("kind", "invitation"), ("action", "send")],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let invitation = &sink.wait_for(&address, 1).await[0];
    assert!(
        invitation.body.contains("as an external adviser")
            && invitation.body.contains("the groups you advise"),
        "{}",
        invitation.body
    );
    let link = invitation.invitation_link().expect("a sign-in link");
    assert_eq!(open_link(&app, &link).await, StatusCode::SEE_OTHER);

    // Invited, signed in, no dates given: the reminder to give dates is for them too.
    let name = &advisers.iter().find(|a| a.id == adviser).unwrap().name;
    let (st, html) = app
        .page(
            &format!("/years/{year}/messages?kind=availability_reminder"),
            &sim,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    // The recipients, not the log of messages sent below them.
    let recipients =
        &html[html.find("id=\"recipients\"").unwrap()..html.find("id=\"log\"").unwrap()];
    assert!(
        recipients.contains(&address) && recipients.contains(name.as_str()),
        "{name} ({address}) not among the reminded: {recipients}"
    );

    // Published: the adviser hears of the groups they advise, by name.
    let mut tx = app.state.db.begin_write().await.unwrap();
    let (_, version) = store::plans::insert_draft(&mut tx, year, &plan, None, Some(sim.user_id))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        store::plans::publish(&app.state.db, year, version, sim.user_id)
            .await
            .unwrap()
    );
    // Sent, the POST answers 303 to the outcome's own page.
    let resp = send_unfollowed(&app, year, &sim, "published").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(to.contains("kind=published&sent="), "{to}");
    let (st, html) = app.page(&to, &sim).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains(" sent"), "{html}");
    let both = sink.wait_for(&address, 2).await;
    let told = both
        .iter()
        .find(|m| {
            m.header("Subject")
                .is_some_and(|s| s.ends_with("the groups you advise"))
        })
        .expect("the message on the groups they advise");
    assert!(
        told.body
            .contains(&format!("{}:", report::words::group(&group.id))),
        "{}",
        told.body
    );
    for u in &group.schools {
        let name = &problem.schools.iter().find(|s| s.urn == *u).unwrap().name;
        assert!(told.body.contains(name.as_str()), "{name}: {}", told.body);
    }
    assert!(!told.body.contains(&adviser), "no id: {}", told.body);
    app.stop().await.unwrap();
}
