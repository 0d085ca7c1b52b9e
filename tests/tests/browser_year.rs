//! A whole year in a real browser (headless Chromium), from an empty
//! database to a published plan, through the pages only: the SIM creates the
//! year, uploads the schools from the GIAS file (Thurrock from the national
//! file in `../shared/data/` where it is present, the sample's own GIAS
//! extract otherwise), the heads and the advisers (as an Excel workbook),
//! and invites the heads by e-mail through a real SMTP server (postfix's
//! `smtp-sink`, which `scripts/test` starts); a head opens the link from the
//! message the server received and gives dates; the SIM matches and publishes;
//! the head's calendar subscription shows the review, and after a
//! re-publish that moves it, the same event (UID) with a higher SEQUENCE.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use chrono::Datelike;
use e2e::app::{backends, TestApp};
use e2e::browser::{click, fits_the_window, wait_for_text, Browser};
use fantoccini::{Client, Locator};
use formats::gias::{import_gias_file, ImportOptions};
use optimiser::model::School;
use peer_review::cli::demo::find_sample;

/// Thurrock's code in GIAS.
const THURROCK: u16 = 883;

/// The national GIAS file beside the project, where it is.
fn national_gias() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/gias-england-state-schools-2022.csv");
    // Chromium's file input takes canonical paths only.
    path.canonicalize().ok()
}

async fn button(c: &Client, words: &str) -> Result<()> {
    click(c, &format!("//button[normalize-space()=\"{words}\"]")).await
}

async fn link(c: &Client, words: &str) -> Result<()> {
    click(c, &format!("//a[normalize-space()=\"{words}\"]")).await
}

/// Signs in by an invitation link, as its recipient would.
async fn open_invitation(c: &Client, link: &str) -> Result<()> {
    c.goto(link).await?;
    button(c, "Sign in").await?;
    wait_for_text(c, "Welcome", 10).await?;
    Ok(())
}

/// Uploads `file` on an input's page and waits for it to be stored.
async fn upload(c: &Client, base: &str, year: i64, title: &str, file: &Path) -> Result<()> {
    c.goto(&format!("{base}/years/{year}/inputs")).await?;
    link(c, title).await?;
    wait_for_text(c, "Upload a new version", 10).await?;
    c.find(Locator::Css("input#file"))
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    button(c, "Upload").await?;
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    wait_for_text(c, &format!("Version 1 stored from {name}"), 20).await?;
    Ok(())
}

/// Starts matching from the dashboard, waits for the job and publishes the
/// plan it made through the confirmation page; returns the plan's version.
async fn match_and_publish(c: &Client, base: &str, year: i64) -> Result<i64> {
    c.goto(&format!("{base}/years/{year}")).await?;
    button(c, "Start matching").await?;
    // The job's page refreshes itself until the plan is made.
    let mut result = None;
    for _ in 0..6000 {
        if let Ok(a) = c.find(Locator::Id("job-result")).await {
            result = Some(a);
            break;
        }
        if let Ok(state) = c.find(Locator::Id("job-state")).await {
            let state = state.text().await.unwrap_or_default();
            ensure!(state != "failed" && state != "cancelled", "the job {state}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    result
        .context("the matching job never finished")?
        .click()
        .await?;
    let text = wait_for_text(c, "Before publishing", 20).await?;
    let version: i64 = c
        .current_url()
        .await?
        .path()
        .rsplit('/')
        .next()
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("a plan page: {text}"))?;
    link(c, &format!("Publish plan version {version}")).await?;
    wait_for_text(c, "Who will be told what", 10).await?;
    button(c, &format!("Publish plan version {version}")).await?;
    wait_for_text(c, "published", 10).await?;
    Ok(version)
}

/// The SIM signs in, in a browser of their own, matches and publishes.
async fn sim_publishes(app: &TestApp, sim: i64, year: i64, name: &str) {
    let invite = format!("{}/invite/{}", app.base, app.invitation(sim).await.unwrap());
    let base = app.base.clone();
    Browser::start(name)
        .await
        .unwrap()
        .unwrap()
        .run_within(Duration::from_secs(900), move |c| async move {
            c.set_window_size(1280, 900).await?;
            open_invitation(&c, &invite).await?;
            match_and_publish(&c, &base, year).await?;
            Ok(())
        })
        .await
        .unwrap();
}

/// The head's event in the calendar at `feed`: (UID, SEQUENCE, DTSTART).
async fn the_review(feed: &str, urn: u32) -> Result<(String, u32, String)> {
    let body = reqwest::get(feed).await?.error_for_status()?.text().await?;
    let unfolded = body.replace("\r\n ", "");
    for event in unfolded.split("BEGIN:VEVENT").skip(1) {
        let field = |name: &str| {
            event
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        };
        let uid = field("UID").unwrap_or_default();
        // A review over days that are not consecutive is one event per run
        // of days: the first is enough here.
        if uid.starts_with("review-")
            && (uid.contains(&format!("-{urn}@")) || uid.contains(&format!("-{urn}-part1@")))
        {
            let sequence = field("SEQUENCE").unwrap_or_else(|| "0".into()).parse()?;
            let start = field("DTSTART").context("a start")?;
            return Ok((uid, sequence, start));
        }
    }
    bail!("no review of {urn} in the calendar:\n{body}")
}

/// A head's address in this run (tests share the SMTP server's folder).
fn address(urn: u32) -> String {
    format!("head.{urn}@year-{}.example", std::process::id())
}

/// Heads for `schools`, as the SIM's own list would give them.
fn heads_csv(schools: &[School], dir: &Path) -> Result<PathBuf> {
    let path = dir.join("heads.csv");
    let mut out = String::from("urn,name,email\n");
    for (i, s) in schools.iter().enumerate() {
        out.push_str(&format!(
            "{},Head {} of {},{}\n",
            s.urn,
            i + 1,
            s.name.replace(',', " "),
            address(s.urn.0)
        ));
    }
    std::fs::write(&path, out)?;
    Ok(path)
}

/// The sample's advisers as the workbook a SIM saves from their sheet,
/// without links to the sample's schools (they are not in a real file).
fn adviser_address(id: &str) -> String {
    format!("{id}@advisers-{}.example", std::process::id())
}

fn advisers_xlsx(sample: &Path, dir: &Path) -> Result<PathBuf> {
    let text = std::fs::read_to_string(sample.join("advisers.csv"))?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers()?.clone();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, h)?;
    }
    for (r, row) in rows.records().enumerate() {
        let row = row?;
        // This run's own addresses: the SMTP server's folder is shared.
        let email = adviser_address(&row[0]);
        for (c, (h, v)) in headers.iter().zip(row.iter()).enumerate() {
            let v = match h {
                "linked_school" => "",
                "email" => &email,
                _ => v,
            };
            match v.parse::<f64>() {
                Ok(n) if h != "id" => sheet.write_number(r as u32 + 1, c as u16, n)?,
                _ => sheet.write_string(r as u32 + 1, c as u16, v)?,
            };
        }
    }
    let path = dir.join("advisers.xlsx");
    book.save(&path)?;
    Ok(path)
}

#[tokio::test]
async fn a_year_from_an_empty_database_to_a_published_plan() {
    let backend = backends().remove(0);
    let Some(sink) = e2e::smtp::sink("a_year_from_an_empty_database_to_a_published_plan") else {
        return;
    };
    if Browser::start("year_probe").await.unwrap().is_none() {
        return;
    }
    let sample = find_sample(None).unwrap();
    let (gias, la, schools) = match national_gias() {
        Some(file) => {
            let all = import_gias_file(&file, &ImportOptions::default()).unwrap();
            let thurrock: Vec<School> = all
                .schools
                .into_iter()
                .filter(|s| s.la_code == THURROCK)
                .collect();
            (file, THURROCK, thurrock)
        }
        None => {
            eprintln!(
                "the national GIAS file is not in ../shared/data/: the year runs on the sample's schools"
            );
            let file = sample.join("schools.csv").canonicalize().unwrap();
            let schools = import_gias_file(&file, &ImportOptions::default())
                .unwrap()
                .schools;
            let la = schools[0].la_code;
            (file, la, schools)
        }
    };
    let dir = std::env::temp_dir().join(format!("browser-year-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let heads = heads_csv(&schools, &dir).unwrap();
    let heads_count = schools.len();
    let advisers = advisers_xlsx(&sample, &dir).unwrap();
    // Heads and advisers (the sample's advisers file has their addresses).
    let invited = heads_count
        + formats::inputs::read_advisers(&sample.join("advisers.csv"))
            .unwrap()
            .len();

    let smtp =
        app::mail::Smtp::new(&sink.url, "Peer review <peer-review@council.example>").unwrap();
    let app = TestApp::spawn_with_mail(&backend, smtp).await.unwrap();
    let _worker = app.start_worker(30);
    let db = app.state.db.clone();
    let base = app.base.clone();
    // The first SIM, as `peer-review admin create-sim` makes them.
    let sim = app.user("sim", "Sam Manager", None, None).await.unwrap();

    // The SIM sets the year up and invites the heads.
    let invite = format!("{}/invite/{}", app.base, app.invitation(sim).await.unwrap());
    let b = base.clone();
    let g = gias.clone();
    Browser::start("year_sim_sets_up")
        .await
        .unwrap()
        .unwrap()
        .run_within(Duration::from_secs(300), move |c| async move {
            c.set_window_size(1280, 900).await?;
            open_invitation(&c, &invite).await?;
            link(&c, "Create a programme year").await?;
            wait_for_text(&c, "Half-terms", 10).await?;
            button(&c, "Create the year").await?;
            wait_for_text(&c, "Matching cannot start yet", 10).await?;
            let year: i64 = c
                .current_url()
                .await?
                .path()
                .trim_start_matches("/years/")
                .parse()?;
            c.goto(&format!("{b}/years/{year}/inputs/schools")).await?;
            c.find(Locator::Css("input#file"))
                .await?
                .send_keys(&g.display().to_string())
                .await?;
            button(&c, "Read the file").await?;
            wait_for_text(&c, "Choose the local authorities", 120).await?;
            c.find(Locator::Id(&format!("la-{la}")))
                .await?
                .click()
                .await?;
            button(&c, "Store the schools of the ticked authorities").await?;
            wait_for_text(&c, "Version 1 stored", 60).await?;
            upload(&c, &b, year, "Headteachers", &heads).await?;
            upload(&c, &b, year, "External advisers", &advisers).await?;
            c.goto(&format!("{b}/years/{year}")).await?;
            wait_for_text(&c, "Matching will use", 10).await?;
            link(&c, "Invite people").await?;
            wait_for_text(&c, "Messages go by e-mail", 10).await?;
            click(&c, "//button[@value='send']").await?;
            wait_for_text(&c, &format!("{invited} sent"), 60).await?;
            Ok(())
        })
        .await
        .unwrap();
    let year = store::years::list(&db).await.unwrap()[0].id;
    let stored: Vec<School> = store::inputs::latest(&db, year, "schools")
        .await
        .unwrap()
        .unwrap()
        .data;
    assert_eq!(stored.len(), schools.len());

    // Every head but one gave their dates earlier; the one opens the
    // invitation the SMTP server received.
    let head_urn = schools[0].urn.0;
    let mut head_user = 0;
    for p in store::people::list(&db).await.unwrap() {
        if p.role != "head" {
            continue;
        }
        if p.urn.as_deref() == Some(head_urn.to_string().as_str()) {
            head_user = p.id;
        } else {
            every_day_possible(&db, year, p.id).await;
        }
    }
    assert_ne!(head_user, 0, "the head of {head_urn} was not invited");
    // An adviser is invited too, as an adviser.
    let to_adviser = &sink.wait_for(&adviser_address("adv-01"), 1).await[0];
    assert!(
        to_adviser.body.contains("as an external adviser")
            && to_adviser.invitation_link().is_some(),
        "{}",
        to_adviser.body
    );
    let mail = &sink.wait_for(&address(head_urn), 1).await[0];
    let invite = mail.invitation_link().expect("a link in the invitation");
    assert!(invite.starts_with(&base), "{invite}");
    let b = base.clone();
    Browser::start("year_head_gives_dates")
        .await
        .unwrap()
        .unwrap()
        .run(move |c| async move {
            c.set_window_size(390, 844).await?;
            open_invitation(&c, &invite).await?;
            c.goto(&format!("{b}/years/{year}/availability")).await?;
            wait_for_text(&c, "Your availability", 10).await?;
            set_every_day(&c, "possible").await?;
            button(&c, "Save availability").await?;
            wait_for_text(&c, "Availability saved", 10).await?;
            Ok(())
        })
        .await
        .unwrap();

    // The SIM matches and publishes.
    sim_publishes(&app, sim, year, "year_sim_publishes").await;
    let published = store::plans::list(&db, year).await.unwrap()[0].0;

    // Every page the SIM and the head use fits a phone; the README's
    // pictures are taken on the way.
    let invite = format!("{}/invite/{}", app.base, app.invitation(sim).await.unwrap());
    let b = base.clone();
    Browser::start("year_sim_pages_fit_a_phone")
        .await
        .unwrap()
        .unwrap()
        .run(move |c| async move {
            open_invitation(&c, &invite).await?;
            let y = format!("/years/{year}");
            let plan = format!("{y}/plans/{published}");
            pictures(&c, &b, &plan, "plan", None).await?;
            pictures(&c, &b, &format!("{plan}#map"), "map", Some("map")).await?;
            pictures(&c, &b, &y, "dashboard", None).await?;
            pictures(&c, &b, &format!("{y}/messages"), "messages", None).await?;
            // A refused change by hand: each problem beside its field, what
            // was chosen kept.
            c.set_window_size(1280, 900).await?;
            c.goto(&format!("{b}{plan}")).await?;
            click(
                &c,
                "//summary[starts-with(normalize-space(), 'Change your hand')]",
            )
            .await?;
            let second = c
                .execute(
                    "const s = document.getElementById('exclude-b'); s.selectedIndex = 1; \
                     document.getElementById('exclude-a').value = s.value; return s.value;",
                    vec![],
                )
                .await?;
            button(&c, "Exclude the pair").await?;
            let text = wait_for_text(&c, "Not saved: there is a problem", 10).await?;
            let beside_b = c.find(Locator::Id("exclude-b-error")).await?.text().await?;
            ensure!(beside_b.contains("Choose two different schools"), "{text}");
            let beside_reason = c
                .find(Locator::Id("exclude-reason-error"))
                .await?
                .text()
                .await?;
            ensure!(
                beside_reason.contains("Say why these two schools should not be grouped"),
                "{text}"
            );
            let kept = c
                .find(Locator::Id("exclude-a"))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default();
            ensure!(
                serde_json::json!(kept) == second,
                "the first school chosen is lost: {kept} for {second}"
            );
            c.set_window_size(390, 844).await?;
            for path in [
                "/".to_string(),
                "/years/new".to_string(),
                y.clone(),
                format!("{y}/inputs"),
                format!("{y}/inputs/schools"),
                format!("{y}/inputs/heads"),
                format!("{y}/rules"),
                plan.clone(),
                format!("{plan}/publish"),
                format!("{y}/writeups"),
                format!("{y}/allocation"),
                format!("{y}/calendar-links"),
                format!("{y}/messages"),
            ] {
                fits_a_phone(&c, &b, &path).await?;
            }
            Ok(())
        })
        .await
        .unwrap();
    // The head's pages fit a phone; the head subscribes to their calendar,
    // then withdraws the day of their review.
    let invite = format!(
        "{}/invite/{}",
        app.base,
        app.invitation(head_user).await.unwrap()
    );
    let b = base.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    Browser::start("year_head_subscribes")
        .await
        .unwrap()
        .unwrap()
        .run(move |c| async move {
            open_invitation(&c, &invite).await?;
            let y = format!("/years/{year}");
            pictures(&c, &b, &y, "head", None).await?;
            c.set_window_size(390, 844).await?;
            for path in [
                "/".to_string(),
                format!("{y}/availability"),
                format!("{y}/choices"),
                y.clone(),
            ] {
                fits_a_phone(&c, &b, &path).await?;
            }
            button(&c, "Get my calendar address").await?;
            wait_for_text(&c, "Copy the address now", 10).await?;
            let feed = c
                .find(Locator::Id("feed-address"))
                .await?
                .prop("value")
                .await?
                .context("the address")?;
            let (_, _, start) = the_review(&feed, head_urn).await?;
            let day = chrono::NaiveDate::parse_from_str(&start[start.len() - 8..], "%Y%m%d")?;
            c.goto(&format!("{b}/years/{year}/availability")).await?;
            wait_for_text(&c, "Your availability", 10).await?;
            c.execute(
                "document.querySelector('td[data-date=\"' + arguments[0] + '\"] select').value = 'unavailable';",
                vec![serde_json::json!(day.to_string())],
            )
            .await?;
            button(&c, "Save availability").await?;
            wait_for_text(&c, "Availability saved", 10).await?;
            let _ = tx.send(feed);
            Ok(())
        })
        .await
        .unwrap();
    let feed = rx.await.unwrap();
    let (uid, sequence, start) = the_review(&feed, head_urn).await.unwrap();

    // The SIM matches again and publishes: the head's calendar moves the
    // same event.
    sim_publishes(&app, sim, year, "year_sim_publishes_again").await;
    let (uid2, sequence2, start2) = the_review(&feed, head_urn).await.unwrap();
    assert_eq!(uid2, uid);
    assert!(sequence2 > sequence, "SEQUENCE {sequence} then {sequence2}");
    assert_ne!(start2, start, "the review did not move");

    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await.unwrap();
}

/// Opens `path` at a phone's width and fails where the page scrolls
/// sideways (tables scroll inside their own boxes) or has no heading.
async fn fits_a_phone(c: &Client, base: &str, path: &str) -> Result<()> {
    c.goto(&format!("{base}{path}")).await?;
    c.find(Locator::Css("main h1"))
        .await
        .with_context(|| format!("{path} has no heading"))?;
    fits_the_window(c).await.with_context(|| path.to_string())
}

/// The page at `path` at a desktop's and a phone's width, scrolled to
/// `element` where given, kept as `NAME-1280.png` and `NAME-390.png` beside
/// the screenshots of failed tests and, where `PEER_REVIEW_PICTURES` names a
/// folder, there too (the README's pictures: `docs/pictures/`).
async fn pictures(
    c: &Client,
    base: &str,
    path: &str,
    name: &str,
    element: Option<&str>,
) -> Result<()> {
    for (width, height) in [(1280, 900), (390, 844)] {
        c.set_window_size(width, height).await?;
        c.goto(&format!("{base}{path}")).await?;
        c.find(Locator::Css("main h1")).await?;
        if let Some(id) = element {
            c.execute(
                "document.getElementById(arguments[0]).scrollIntoView();",
                vec![serde_json::json!(id)],
            )
            .await?;
            // Leaflet draws after the page.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let png = c.screenshot().await?;
        let file = format!("{name}-{width}.png");
        std::fs::create_dir_all(e2e::browser::screenshot_dir())?;
        std::fs::write(e2e::browser::screenshot_dir().join(&file), &png)?;
        if let Ok(dir) = std::env::var("PEER_REVIEW_PICTURES") {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(Path::new(&dir).join(&file), &png)?;
        }
    }
    Ok(())
}

/// Sets every open day of the availability page to `level`.
async fn set_every_day(c: &Client, level: &str) -> Result<()> {
    c.execute(
        "document.querySelectorAll('select.day-level').forEach(s => s.value = arguments[0]);",
        vec![serde_json::json!(level)],
    )
    .await?;
    Ok(())
}

/// A head's availability as an earlier submission: every school day of the
/// year possible.
async fn every_day_possible(db: &store::Db, year: i64, user: i64) {
    let y = store::years::load(db, year).await.unwrap().unwrap();
    let days: Vec<store::availability::DateLevel> = y
        .calendar
        .first
        .iter_days()
        .take_while(|d| *d <= y.calendar.last)
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .map(|date| store::availability::DateLevel {
            date,
            level: optimiser::schedule::Level::Possible,
        })
        .collect();
    store::availability::submit(db, year, user, &days)
        .await
        .unwrap();
}
