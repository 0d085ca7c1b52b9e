//! The year through the pages, in a real browser (headless Chromium through
//! chromedriver), against a fresh service on a random port with the
//! sample's inputs loaded and the job worker running:
//!
//! - a head signs in through an invitation link and gives availability by
//!   clicking days on the calendar;
//! - the SIM starts matching from the dashboard, waits on the progress page
//!   and publishes the draft plan;
//! - a lead reviewer writes the write-up, checks who will read it, submits;
//! - the host head reads it; another head is refused it (403).
//!
//! Every page visited passes a short accessibility check: `lang="en"`, one
//! `<main>`, one `<h1>`, a label for every form control, a name for every
//! button; and, at a phone's width (390 px), no sideways scrolling. A failing step leaves a screenshot (see `e2e::browser`).
//!
//! `pages_work_without_javascript` posts the same forms as plain HTTP, as a
//! browser without script would, and runs wherever the tests run.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use e2e::app::{backends, TestApp};
use e2e::browser::{click, Browser};
use fantoccini::{Client, Locator};
use formats::gias::{import_gias_file, ImportOptions};
use optimiser::model::Urn;
use optimiser::schedule::Person;
use peer_review::cli::demo::find_sample;
use reqwest::StatusCode;
use store::availability::{self, DateLevel};
use store::years::{self, NewYear};
use store::{inputs, plans, Db};

/// The year as loaded: its id and who is who.
struct Loaded {
    year_id: i64,
    sim_id: i64,
    /// Every head's user id, by URN.
    heads: BTreeMap<String, i64>,
    /// An adviser's and a consultant's user ids, for their pages.
    others: Vec<i64>,
}

/// The head who gives availability through the calendar.
const CALENDAR_HEAD: &str = "900001";

/// The sample's year as the SIM would set it up: the year from its
/// calendar (availability open for a fortnight), schools, heads, advisers
/// and history stored as inputs, a user for the SIM, every head and every
/// adviser, and everyone's dates but `CALENDAR_HEAD`'s, who gives them on
/// the page.
async fn load_sample_year(app: &TestApp) -> Result<Loaded> {
    let dir = find_sample(None)?;
    let db = &app.state.db;
    let schools = import_gias_file(&dir.join("schools.csv"), &ImportOptions::default())?.schools;
    let heads = formats::inputs::read_heads(&dir.join("heads.csv"))?;
    let advisers = formats::inputs::read_advisers(&dir.join("advisers.csv"))?;
    let history = formats::inputs::read_history(&dir.join("history.csv"))?;
    let calendar = formats::calendar::read_calendar(&dir.join("calendar.toml"))?;
    let dates = formats::inputs::read_availability(&dir.join("availability.csv"))?;

    let sim_id = app.user("sim", "Sam Manager", None, None).await?;
    let deadline = (years::today() + chrono::Days::new(14))
        .min(calendar.last)
        .max(calendar.first);
    let year = NewYear {
        name: "2026-27".into(),
        calendar,
        deadline,
        rules: String::new(),
    };
    app::years::check_new_year(&year).map_err(|e| anyhow::Error::msg(e.message))?;
    let year_id = years::create(db, &year, sim_id).await?;
    let mut tx = db.begin_write().await?;
    let by = Some(sim_id);
    inputs::store(&mut tx, year_id, "schools", "schools.csv", &schools, by, "").await?;
    inputs::store(&mut tx, year_id, "heads", "heads.csv", &heads, by, "").await?;
    inputs::store(
        &mut tx,
        year_id,
        "advisers",
        "advisers.csv",
        &advisers,
        by,
        "",
    )
    .await?;
    inputs::store(&mut tx, year_id, "history", "history.csv", &history, by, "").await?;
    tx.commit().await?;

    let mut ids = BTreeMap::new();
    for h in &heads {
        let urn = h.school.to_string();
        let id = app.user("head", &h.name, Some(&urn), None).await?;
        ids.insert(urn, id);
    }
    let mut adviser_ids = BTreeMap::new();
    for a in &advisers {
        let id = app.user("adviser", &a.name, None, Some(&a.id)).await?;
        adviser_ids.insert(a.id.clone(), id);
    }
    let stored = years::load(db, year_id).await?.context("the year")?;
    for (person, offered) in &dates.people {
        let (user, urn) = match person {
            Person::Head(u) if u.to_string() == CALENDAR_HEAD => continue,
            Person::Head(u) => (ids.get(&u.to_string()), Some(u.to_string())),
            Person::Adviser(a) => (adviser_ids.get(a), None),
        };
        let Some(&user) = user else { continue };
        // As the site would: a date its calendar refuses is left out.
        let ok: Vec<DateLevel> = offered
            .iter()
            .map(|(&date, &level)| DateLevel { date, level })
            .filter(|d| {
                app::availability::check(&stored, urn.as_deref(), std::slice::from_ref(d)).is_ok()
            })
            .collect();
        availability::submit(db, year_id, user, &ok).await?;
    }
    let mut others: Vec<i64> = adviser_ids.values().take(1).copied().collect();
    others.push(
        app.user("consultant", "Cora Consultant", None, Some("con-01"))
            .await?,
    );
    Ok(Loaded {
        year_id,
        sim_id,
        heads: ids,
        others,
    })
}

/// The accessibility every page must pass; returns what fails.
const A11Y_SCRIPT: &str = r#"
const problems = [];
if (document.documentElement.getAttribute('lang') !== 'en') problems.push('<html> has no lang="en"');
if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one <main>');
if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one <h1>');
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden' || el.hidden) continue;
  const byFor = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
  const named = byFor || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!named) problems.push('no label for ' + (el.name || el.id || el.outerHTML.slice(0, 60)));
}
for (const b of document.querySelectorAll('button, a')) {
  const name = (b.getAttribute('aria-label') || b.textContent || '').trim();
  if (!name) problems.push('a ' + b.tagName.toLowerCase() + ' without a name');
}
for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push('an image without alt');
}
return problems;
"#;

async fn check_accessibility(c: &Client) -> Result<()> {
    let problems = c.execute(A11Y_SCRIPT, vec![]).await?;
    let list = problems.as_array().cloned().unwrap_or_default();
    let url = c.current_url().await?;
    ensure!(list.is_empty(), "accessibility of {url}: {problems}");
    phone_width(c).await
}

/// The width of a phone: every page must fit it without scrolling sideways.
const PHONE_WIDTH: u32 = 390;

/// The page at a phone's width (390 px): nothing may push the page wider
/// than the window (a table too wide stacks or scrolls inside its own box).
/// Every page the flows check for accessibility passes this too, for every
/// role that visits it; the window is put back afterwards.
async fn phone_width(c: &Client) -> Result<()> {
    let (w, h) = c.get_window_size().await?;
    c.set_window_size(PHONE_WIDTH, 844).await?;
    // A loaded machine may lay the page out again after the resize returns:
    // measure once the window has narrowed (or after 5 s, to say it did not).
    let mut measured = Err(anyhow::anyhow!("not measured"));
    for _ in 0..50 {
        measured = c
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .map_err(anyhow::Error::from);
        let narrowed = measured.as_ref().is_ok_and(|m| {
            m[1].as_u64()
                .is_some_and(|inner| inner <= u64::from(PHONE_WIDTH) + 20)
        });
        if narrowed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.set_window_size(w as u32, h as u32).await?;
    let measured = measured?;
    let scroll = measured[0].as_u64().unwrap_or(0);
    let inner = measured[1].as_u64().unwrap_or(0);
    let url = c.current_url().await?;
    ensure!(
        inner <= u64::from(PHONE_WIDTH) + 20,
        "the window did not narrow to a phone's width at {url}: {inner} px"
    );
    ensure!(
        scroll <= inner,
        "at {PHONE_WIDTH} px {url} scrolls sideways: {scroll} px wide in a {inner} px window"
    );
    Ok(())
}

async fn h1(c: &Client) -> Result<String> {
    Ok(c.find(Locator::Css("h1")).await?.text().await?)
}

async fn main_text(c: &Client) -> Result<String> {
    Ok(c.find(Locator::Css("main")).await?.text().await?)
}

fn button(text: &str) -> String {
    format!("//button[normalize-space()='{text}']")
}

async fn click_button(c: &Client, text: &str) -> Result<()> {
    click(c, &button(text)).await
}

async fn click_link(c: &Client, text: &str) -> Result<()> {
    c.find(Locator::LinkText(text))
        .await
        .with_context(|| format!("no link {text:?}"))?
        .click()
        .await?;
    Ok(())
}

/// Waits until the page's `<h1>` contains `text` (pages load after clicks).
async fn wait_for_h1(c: &Client, text: &str) -> Result<String> {
    for _ in 0..100 {
        if let Ok(t) = h1(c).await {
            if t.contains(text) {
                return Ok(t);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!(
        "the page's heading never said {text:?}; it says {:?}",
        h1(c).await.unwrap_or_default()
    )
}

/// Follows an invitation link and presses "Sign in", as a person would.
async fn sign_in(c: &Client, base: &str, token: &str) -> Result<()> {
    c.goto(&format!("{base}/invite/{token}")).await?;
    check_accessibility(c).await?;
    click_button(c, "Sign in").await?;
    wait_for_h1(c, "Welcome").await?;
    check_accessibility(c).await
}

async fn sign_out(c: &Client) -> Result<()> {
    click_button(c, "Sign out").await?;
    wait_for_h1(c, "Sign in with your invitation link").await?;
    Ok(())
}

/// The review of the published plan to write up: (host, lead), and a head
/// of another group.
async fn review_to_write(db: &Db, year_id: i64) -> Result<(String, String, String)> {
    let plan = plans::latest(db, year_id, "published")
        .await?
        .context("no published plan")?
        .plan;
    let group = plan.triads.first().context("the plan has no group")?;
    let review = group.reviews.first().context("the group has no review")?;
    let other: Urn = plan
        .triads
        .iter()
        .skip(1)
        .flat_map(|t| t.schools.iter().copied())
        .next()
        .context("the plan has one group only")?;
    Ok((
        review.host.to_string(),
        review.lead.to_string(),
        other.to_string(),
    ))
}

#[tokio::test]
async fn a_year_through_the_pages() {
    for backend in backends() {
        let name = format!("a_year_through_the_pages_{}", backend.name());
        let Some(browser) = Browser::start(&name).await.unwrap() else {
            return;
        };
        let app = TestApp::spawn(&backend).await.unwrap();
        let worker = app.start_worker(30);
        let loaded = load_sample_year(&app).await.unwrap();
        let base = app.base.clone();
        let db = app.state.db.clone();
        // Invitations are made up front: the body runs in its own task.
        let mut tokens = BTreeMap::new();
        tokens.insert(
            "calendar",
            app.invitation(loaded.heads[CALENDAR_HEAD]).await.unwrap(),
        );
        tokens.insert("sim", app.invitation(loaded.sim_id).await.unwrap());
        let heads = loaded.heads.clone();
        let year = loaded.year_id;
        let sim = loaded.sim_id;
        let others = loaded.others.clone();
        let invitations = InvitationMaker {
            db: db.clone(),
            heads: heads.clone(),
        };
        browser
            .run(move |c| async move {
                // 1. A head gives availability by clicking days.
                sign_in(&c, &base, &tokens["calendar"]).await?;
                click_link(&c, "Give your availability").await?;
                wait_for_h1(&c, "Your availability").await?;
                check_accessibility(&c).await?;
                // The check is not vacuous: it finds a control without a label.
                c.execute(
                    "const i = document.createElement('input'); i.id = 'unlabelled'; \
                     document.querySelector('main').appendChild(i);",
                    vec![],
                )
                .await?;
                ensure!(
                    check_accessibility(&c).await.is_err(),
                    "the accessibility check missed an input without a label"
                );
                c.execute("document.getElementById('unlabelled').remove()", vec![])
                    .await?;
                // Nor is the phone's width: a block wider than the phone fails it.
                c.execute(
                    "const d = document.createElement('div'); d.id = 'too-wide'; \
                     d.style.width = '600px'; d.textContent = 'wide'; \
                     document.querySelector('main').appendChild(d);",
                    vec![],
                )
                .await?;
                ensure!(
                    phone_width(&c).await.is_err(),
                    "the phone-width check missed a block 600 px wide"
                );
                c.execute("document.getElementById('too-wide').remove()", vec![])
                    .await?;
                phone_width(&c).await?;
                let days = c.find_all(Locator::Css("td.day button.day-toggle")).await?;
                ensure!(days.len() > 20, "only {} days to click", days.len());
                let locked = c.find_all(Locator::Css("td.day.locked")).await?;
                ensure!(!locked.is_empty(), "no locked day shown");
                // Unavailable → possible → preferred on the first; possible on two more.
                days[0].click().await?;
                days[0].click().await?;
                days[1].click().await?;
                days[2].click().await?;
                ensure!(
                    days[0].text().await? == "Preferred",
                    "the first day did not cycle"
                );
                click_button(&c, "Save availability").await?;
                c.wait()
                    .at_most(Duration::from_secs(10))
                    .for_element(Locator::Id("saved"))
                    .await?;
                let saved = c.find(Locator::Id("saved")).await?.text().await?;
                ensure!(
                    saved.contains("version 1")
                        && saved.contains("3 dates: 1 preferred, 2 possible"),
                    "confirmation: {saved}"
                );
                let stored = availability::current(&db, year, heads[CALENDAR_HEAD])
                    .await?
                    .context("nothing stored")?;
                ensure!(stored.dates.len() == 3, "stored {:?}", stored.dates);
                sign_out(&c).await?;

                // 2. The SIM runs matching through the pages and publishes.
                sign_in(&c, &base, &tokens["sim"]).await?;
                click_link(&c, "Dashboard").await?;
                wait_for_h1(&c, "Peer review 2026-27").await?;
                check_accessibility(&c).await?;
                let dash = main_text(&c).await?;
                ensure!(
                    dash.contains(&format!("Heads: {} of {}", heads.len(), heads.len())),
                    "availability returns not shown: {dash}"
                );
                click_button(&c, "Start matching").await?;
                wait_for_h1(&c, "Matching job").await?;
                check_accessibility(&c).await?;
                // The page refreshes itself until the job ends.
                let result = c
                    .wait()
                    .at_most(Duration::from_secs(60))
                    .for_element(Locator::Id("job-result"))
                    .await
                    .context("matching did not finish in 60 s")?;
                result.click().await?;
                wait_for_h1(&c, "Plan version 1").await?;
                check_accessibility(&c).await?;
                c.find(Locator::Css("figure.map svg")).await?;
                let csv = c
                    .execute(
                        "return fetch(document.querySelector('a[href$=\"groups.csv\"]').href)\
                         .then(r => r.status)",
                        vec![],
                    )
                    .await?;
                ensure!(csv == 200, "groups.csv answered {csv}");
                let plan_page = main_text(&c).await?;
                ensure!(
                    plan_page.contains("Before publishing") && plan_page.contains("On this page"),
                    "the plan page has no check panel: {plan_page}"
                );
                click_link(&c, "Publish plan version 1").await?;
                wait_for_h1(&c, "Publish plan version 1").await?;
                check_accessibility(&c).await?;
                let confirm = main_text(&c).await?;
                ensure!(
                    confirm.contains("Who will be told what") && confirm.contains("heads and"),
                    "the confirmation: {confirm}"
                );
                click_button(&c, "Publish plan version 1").await?;
                let notice = c
                    .wait()
                    .at_most(Duration::from_secs(10))
                    .for_element(Locator::Css(".notice-success"))
                    .await?
                    .text()
                    .await?;
                ensure!(
                    notice.contains("is published"),
                    "after publishing: {notice}"
                );
                sign_out(&c).await?;

                // 3. The lead reviewer writes up the review and submits it.
                let (host, lead, other) = review_to_write(&db, year).await?;
                sign_in(&c, &base, &invitations.token(&lead).await?).await?;
                click_link(&c, "Your group, dates and write-ups").await?;
                wait_for_h1(&c, "peer review 2026-27").await?;
                check_accessibility(&c).await?;
                c.find(Locator::XPath(
                    "//a[starts-with(normalize-space(), 'Write up the review at')]",
                ))
                .await?
                .click()
                .await?;
                wait_for_h1(&c, "Write up the review of").await?;
                check_accessibility(&c).await?;
                let strengths = "A reading culture in every classroom";
                c.find(Locator::Id("strengths"))
                    .await?
                    .send_keys(strengths)
                    .await?;
                c.find(Locator::Id("areas_to_develop"))
                    .await?
                    .send_keys("Fluency in KS2 mathematics")
                    .await?;
                // Submitting too early: each missing field says so beside
                // itself, and what was typed stays.
                click_button(&c, "Check and submit").await?;
                wait_for_h1(&c, "Write up the review of").await?;
                check_accessibility(&c).await?;
                let beside = c
                    .find(Locator::Id("next_steps-error"))
                    .await?
                    .text()
                    .await?;
                ensure!(
                    beside.contains("Enter the agreed next steps before you submit"),
                    "beside the next steps: {beside}"
                );
                c.find(Locator::Css("a[href='#follow_up']")).await?;
                let kept = c
                    .find(Locator::Id("strengths"))
                    .await?
                    .prop("value")
                    .await?
                    .unwrap_or_default();
                ensure!(kept == strengths, "what was typed is gone: {kept:?}");
                c.find(Locator::Id("next_steps"))
                    .await?
                    .send_keys("Visit the maths hub school before Easter")
                    .await?;
                // After every review of the window: date inputs take keys by locale, so set it.
                c.execute(
                    "document.getElementById('follow_up').value = '2027-07-30'",
                    vec![],
                )
                .await?;
                c.find(Locator::Id("support-maths")).await?.click().await?;
                click_button(&c, "Check and submit").await?;
                wait_for_h1(&c, "Check and submit the write-up").await?;
                check_accessibility(&c).await?;
                let confirm = main_text(&c).await?;
                ensure!(
                    confirm.contains("Who will read it")
                        && confirm.contains("anonymised summary")
                        && confirm.contains(strengths),
                    "confirmation step: {confirm}"
                );
                click_button(&c, "Submit write-up").await?;
                wait_for_h1(&c, "Write up the review of").await?;
                let done = main_text(&c).await?;
                ensure!(
                    done.contains("Write-up submitted as version"),
                    "after submit: {done}"
                );
                sign_out(&c).await?;

                // 4. The host head reads it.
                sign_in(&c, &base, &invitations.token(&host).await?).await?;
                click_link(&c, "Your group, dates and write-ups").await?;
                wait_for_h1(&c, "peer review 2026-27").await?;
                click_link(&c, "Read your school's write-up").await?;
                wait_for_h1(&c, "Review write-up").await?;
                check_accessibility(&c).await?;
                let read = main_text(&c).await?;
                ensure!(read.contains(strengths), "the host reads: {read}");
                sign_out(&c).await?;

                // 5. Another head is refused it.
                sign_in(&c, &base, &invitations.token(&other).await?).await?;
                let url = format!("{base}/years/{year}/reviews/{host}/writeup");
                c.goto(&url).await?;
                wait_for_h1(&c, "You cannot do this").await?;
                check_accessibility(&c).await?;
                let refused = main_text(&c).await?;
                ensure!(
                    !refused.contains(strengths) && refused.contains("What you can do instead"),
                    "the other head sees: {refused}"
                );
                let status = c
                    .execute("return fetch(location.href).then(r => r.status)", vec![])
                    .await?;
                ensure!(status == 403, "another head's request answered {status}");
                sign_out(&c).await?;

                // 6. The SIM follows the write-ups: this one submitted, and
                // readable only as the anonymised summary (the host never
                // consented to more).
                sign_in(&c, &base, &invitations.for_user(sim).await?).await?;
                c.goto(&format!("{base}/years/{year}/writeups")).await?;
                wait_for_h1(&c, "Write-up status").await?;
                check_accessibility(&c).await?;
                let list = main_text(&c).await?;
                ensure!(
                    list.contains(": 1 of ") && list.contains("Submitted (version"),
                    "write-up status: {list}"
                );
                c.find(Locator::Css(&format!("a[href$='/reviews/{host}/writeup']")))
                    .await?
                    .click()
                    .await?;
                wait_for_h1(&c, "Review write-up").await?;
                check_accessibility(&c).await?;
                // The allocation page, at a phone's width too.
                c.goto(&format!("{base}/years/{year}/allocation")).await?;
                wait_for_h1(&c, "Consultants' allocation").await?;
                check_accessibility(&c).await?;
                c.back().await?;
                wait_for_h1(&c, "Review write-up").await?;
                let summary = main_text(&c).await?;
                ensure!(
                    summary.contains("Anonymised summary")
                        && summary.contains("Maths")
                        && !summary.contains(strengths),
                    "the SIM reads: {summary}"
                );
                sign_out(&c).await?;

                // 7. An adviser's and a consultant's year, at a phone's width too.
                for user in others {
                    sign_in(&c, &base, &invitations.for_user(user).await?).await?;
                    c.goto(&format!("{base}/years/{year}")).await?;
                    c.wait()
                        .at_most(Duration::from_secs(10))
                        .for_element(Locator::Css("h1"))
                        .await?;
                    check_accessibility(&c).await?;
                    sign_out(&c).await?;
                }
                Ok(())
            })
            .await
            .unwrap();
        worker.shutdown().await;
        app.stop().await.unwrap();
    }
}

/// Issues invitation links from inside the browser task.
#[derive(Clone)]
struct InvitationMaker {
    db: Db,
    heads: BTreeMap<String, i64>,
}

impl InvitationMaker {
    /// A link for the head of `urn`.
    async fn token(&self, urn: &str) -> Result<String> {
        let user = *self
            .heads
            .get(urn)
            .with_context(|| format!("no head of {urn}"))?;
        self.for_user(user).await
    }

    async fn for_user(&self, user: i64) -> Result<String> {
        let mut tx = self.db.begin_write().await?;
        let token = web::auth::issue_invitation(&mut tx, user, None).await?;
        tx.commit().await?;
        Ok(token)
    }
}

/// The value of the first `name="csrf"` field of a page.
fn csrf_of(html: &str) -> Result<String> {
    let at = html
        .find("name=\"csrf\" value=\"")
        .context("no CSRF field on the page")?;
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    Ok(rest[..rest.find('"').context("unterminated value")?].to_string())
}

/// The forms work as plain HTML forms, without script: sign-in, the
/// calendar (refusing a weekend with the date named), the redirect of a
/// signed-out visit and the 403 page.
#[tokio::test]
async fn pages_work_without_javascript() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await.unwrap();
        let loaded = load_sample_year(&app).await.unwrap();
        let year = loaded.year_id;
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let base = &app.base;

        // Signed out: a protected page sends to the explanation.
        let resp = http
            .get(format!("{base}/years/{year}/availability"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.url().path(), "/sign-in");
        let text = resp.text().await.unwrap();
        assert!(text.contains("invitation link") && text.contains("lang=\"en\""));

        // The link itself changes nothing; the button signs in, once.
        let token = app.invitation(loaded.heads[CALENDAR_HEAD]).await.unwrap();
        let page = http
            .get(format!("{base}/invite/{token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let resp = http
            .post(format!("{base}/invite/{token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.url().path(), "/");
        assert!(resp.text().await.unwrap().contains("Welcome, James Nwosu"));
        let again = reqwest::Client::new()
            .post(format!("{base}/invite/{token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
        assert!(again.text().await.unwrap().contains("already used"));

        // The calendar as selects: a weekend is refused, naming the date.
        let url = format!("{base}/years/{year}/availability");
        let html = e2e::app::text(http.get(&url)).await;
        assert!(
            html.contains("<select id=\"day-2027-01-12\""),
            "no select for an open day"
        );
        assert!(
            !html.contains("name=\"day-2027-01-16\""),
            "a Saturday is offered"
        );
        let csrf = csrf_of(&html).unwrap();
        let (status, text) = e2e::app::status_and_text(http.post(&url).form(&[
            ("csrf", csrf.as_str()),
            ("day-2027-01-12", "preferred"),
            ("day-2027-01-16", "possible"),
        ]))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // Beside the day, with the day chosen before kept.
        let cell = &text[text
            .find("id=\"cell-2027-01-16\"")
            .expect("the refused day's cell")..];
        let cell = &cell[..cell.find("</td>").unwrap()];
        assert!(
            cell.contains("Saturday 16 January 2027 is a weekend day."),
            "{cell}"
        );
        assert!(
            text.contains(
                "<a href=\"#cell-2027-01-16\">Saturday 16 January 2027 is a weekend day.</a>"
            ),
            "the summary links to the day"
        );
        let kept = &text[text.find("<select id=\"day-2027-01-12\"").unwrap()..];
        let kept = &kept[..kept.find("</select>").unwrap()];
        assert!(kept.contains("value=\"preferred\" selected"), "{kept}");
        let saved = http
            .post(&url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("day-2027-01-12", "preferred"),
                ("day-2027-01-13", "possible"),
                ("day-2027-01-14", "unavailable"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::OK);
        assert!(saved.url().query().unwrap_or_default().contains("saved=1"));
        let text = saved.text().await.unwrap();
        assert!(
            text.contains("Availability saved")
                && text.contains("2 dates: 1 preferred, 1 possible")
        );
        // Without the CSRF token nothing is stored.
        let forged = http
            .post(&url)
            .form(&[("day-2027-01-12", "possible")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        let current = availability::current(&app.state.db, year, loaded.heads[CALENDAR_HEAD])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current.version, 1);

        // A head on the SIM's page: 403, with what they may do instead.
        let (status, text) =
            e2e::app::status_and_text(http.get(format!("{base}/years/{year}/writeups"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(
            text.contains("What you can do instead") && text.contains("<h1>"),
            "{text}"
        );

        // The dashboard of the year is the head's own page.
        let mine = e2e::app::text(http.get(format!("{base}/years/{year}"))).await;
        assert!(
            mine.contains("Your availability") && mine.contains("2 dates"),
            "{mine}"
        );

        // Focus areas and a request not to be grouped, whose reason is required.
        let url = format!("{base}/years/{year}/choices");
        let html = e2e::app::text(http.get(&url)).await;
        assert!(
            html.contains("id=\"focus-maths\""),
            "no focus areas offered"
        );
        let csrf = csrf_of(&html).unwrap();
        let (status, page) = e2e::app::status_and_text(http.post(&url).form(&[
            ("csrf", csrf.as_str()),
            ("focus", "maths"),
            ("avoid_urn_0", "900002"),
            ("avoid_reason_0", " "),
        ]))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // Beside the reason's field, naming the school, the choice kept.
        let beside = page
            .split("id=\"avoid_reason_0-error\"")
            .nth(1)
            .unwrap_or_else(|| panic!("no error beside the reason: {page}"));
        assert!(
            beside.contains("Give a reason for not being grouped with"),
            "{page}"
        );
        assert!(
            page.contains("<option value=\"900002\" selected>"),
            "{page}"
        );
        let text = e2e::app::text(http.post(&url).form(&[
            ("csrf", csrf.as_str()),
            ("focus", "maths"),
            ("focus", "send"),
            ("avoid_urn_0", "900002"),
            ("avoid_reason_0", "federation talks"),
            ("avoid_urn_1", ""),
            ("avoid_reason_1", ""),
        ]))
        .await;
        assert!(text.contains("2 focus areas, 1 request"), "{text}");

        // Who may read the school's write-up.
        let shared = e2e::app::text(
            http.post(format!("{base}/years/{year}/sharing"))
                .form(&[("csrf", csrf.as_str()), ("share_group", "yes")]),
        )
        .await;
        assert!(shared.contains("Your sharing choice is saved"));
        let sharing = store::writeups::sharing(&app.state.db, year, CALENDAR_HEAD)
            .await
            .unwrap();
        assert_eq!((sharing.share_group, sharing.sim_full), (true, false));

        // Sign out ends the session.
        let csrf = csrf_of(&mine).unwrap();
        let out = e2e::app::text(
            http.post(format!("{base}/sign-out"))
                .form(&[("csrf", csrf.as_str())]),
        )
        .await;
        assert!(out.contains("You have signed out"));
        let after = http
            .get(format!("{base}/years/{year}"))
            .send()
            .await
            .unwrap();
        assert_eq!(after.url().path(), "/sign-in");

        // The SIM: the dashboard counts returns; the hand changes by form,
        // through the API's checks.
        let sim = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let token = app.invitation(loaded.sim_id).await.unwrap();
        sim.post(format!("{base}/invite/{token}"))
            .send()
            .await
            .unwrap();
        let dash = e2e::app::text(sim.get(format!("{base}/years/{year}"))).await;
        let heads = loaded.heads.len();
        assert!(
            dash.contains(&format!("Heads: {heads} of {heads}")),
            "{dash}"
        );
        let csrf = csrf_of(&dash).unwrap();
        let hand_url = format!("{base}/years/{year}/hand");
        let opted = sim
            .post(&hand_url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("action", "opt_out"),
                ("urn", "900003"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(opted.url().path(), format!("/years/{year}"));
        let hand = inputs::latest::<inputs::Hand>(&app.state.db, year, "hand")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(hand.data.opt_out, vec![Urn(900003)]);
        let refused = sim
            .post(&hand_url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("action", "exclude"),
                ("a", "900004"),
                ("b", "900999"),
                ("reason", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert!(refused.text().await.unwrap().contains("900999"));
        for (page, says) in [
            ("writeups", "not published"),
            ("allocation", "No allocation yet"),
        ] {
            let resp = sim
                .get(format!("{base}/years/{year}/{page}"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{page}");
            let text = resp.text().await.unwrap();
            assert!(text.contains(says), "{page}: {text}");
        }
        app.stop().await.unwrap();
    }
}
