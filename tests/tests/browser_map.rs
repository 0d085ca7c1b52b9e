//! The plan's map in Chromium, with no network: the tile server is a port on
//! this machine where nothing listens, so every tile fails, as it would
//! offline. The map must still read: a marker for every school with
//! coordinates, the towns named from the schools' own GIAS towns, a legend
//! entry for every phase of the plan, the schools without coordinates listed
//! beside it; and the page fits a 390 px phone without scrolling sideways.
//! Without script the same page carries the SVG map with its town labels.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use e2e::app::{backends, fresh_database, TestApp};
use e2e::browser::Browser;
use fantoccini::{Client, Locator};
use optimiser::model::School;
use optimiser::triads;
use reqwest::Method;
use store::plans;

/// Nothing listens on the discard port: tiles fail at once.
const DEAD_TILES: &str = "http://127.0.0.1:9/{z}/{x}/{y}.png";

/// What the page should show, computed from the same data.
struct Expected {
    located: usize,
    towns: BTreeSet<String>,
    phases: BTreeSet<&'static str>,
    missing: Vec<String>,
}

/// The sample's plan stored as a draft, with three of its placed schools'
/// coordinates taken away; (year, version, expected).
async fn year_with_plan(app: &TestApp, sim: i64) -> Result<(i64, i64, Expected)> {
    let problem = e2e::sample::triad_problem();
    let plan = triads::plan(&problem, &|_, _| {})?;
    let mut schools: Vec<School> = problem.schools.clone();
    let without: Vec<_> = plan.triads.iter().map(|t| t.schools[0]).take(3).collect();
    for s in &mut schools {
        if without.contains(&s.urn) {
            s.location = None;
        }
    }
    let year = e2e::sample::year(app, &schools, &problem.advisers, 200, 14, "").await;
    let mut tx = app.state.db.begin_write().await?;
    let (_, version) = plans::insert_draft(&mut tx, year, &plan, None, Some(sim)).await?;
    tx.commit().await?;

    let data = report::map_data(&plan, &schools);
    let in_plan: BTreeSet<_> = plan
        .triads
        .iter()
        .flat_map(|t| t.schools.iter())
        .chain(plan.unplaced.iter().map(|u| &u.urn))
        .collect();
    let located = schools
        .iter()
        .filter(|s| in_plan.contains(&s.urn) && s.location.is_some())
        .count();
    ensure!(
        located == data.schools.len() && located > 20,
        "{located} located"
    );
    let towns: BTreeSet<String> = schools
        .iter()
        .filter(|s| in_plan.contains(&s.urn) && s.location.is_some())
        .filter_map(|s| s.town.clone())
        .collect();
    ensure!(towns.len() >= 3, "the sample has towns: {towns:?}");
    let phases = plan
        .triads
        .iter()
        .map(|t| report::words::phase(t.phase))
        .collect();
    let missing = without
        .iter()
        .map(|u| {
            schools
                .iter()
                .find(|s| s.urn == *u)
                .map(|s| s.name.clone())
                .context("a school of the plan")
        })
        .collect::<Result<_>>()?;
    Ok((
        year,
        version,
        Expected {
            located,
            towns,
            phases,
            missing,
        },
    ))
}

async fn texts(c: &Client, css: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await? {
        out.push(e.text().await?.trim().to_string());
    }
    Ok(out)
}

/// Waits for the web map to draw its markers; their count.
async fn markers(c: &Client, want: usize) -> Result<usize> {
    let mut n = 0;
    for _ in 0..100 {
        n = c
            .find_all(Locator::Css("#plan-web-map path.map-school"))
            .await?
            .len();
        if n >= want {
            return Ok(n);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(n)
}

async fn check_map(c: &Client, e: &Expected) -> Result<()> {
    let n = markers(c, e.located).await?;
    ensure!(
        n == e.located,
        "{n} markers for {} schools with coordinates",
        e.located
    );
    let left_out = c.find_all(Locator::Css("path.map-left-out")).await?.len();
    ensure!(left_out <= n, "{left_out} left out of {n}");
    // Town labels, from the schools' own towns: each drawn, each once.
    let towns = texts(c, "#plan-web-map .map-town span").await?;
    let drawn: BTreeSet<String> = towns.iter().cloned().collect();
    ensure!(
        drawn.len() == towns.len(),
        "a town labelled twice: {towns:?}"
    );
    ensure!(drawn == e.towns, "towns {drawn:?}, expected {:?}", e.towns);
    // A legend entry for every phase of the plan.
    let legend = texts(c, "#plan-map-legend li").await?;
    for p in &e.phases {
        ensure!(
            legend.iter().any(|l| l == p),
            "no legend entry for {p}: {legend:?}"
        );
    }
    // The schools without coordinates, by name, beside the map.
    let missing = texts(c, "#plan-map-missing li").await?;
    ensure!(missing.len() == e.missing.len(), "{missing:?}");
    for name in &e.missing {
        ensure!(
            missing.iter().any(|m| m.starts_with(name.as_str())),
            "{name} not listed: {missing:?}"
        );
    }
    // The SVG gives way to the web map; a marker names its school.
    let svg_hidden = c
        .execute("return document.querySelector('.map-svg').hidden;", vec![])
        .await?;
    ensure!(
        svg_hidden == serde_json::json!(true),
        "the SVG is still shown"
    );
    let tip = c
        .execute(
            "const m = document.querySelector('#plan-web-map path.map-school');\
             m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));\
             const t = document.querySelector('.leaflet-tooltip');\
             return t ? t.textContent : '';",
            vec![],
        )
        .await?;
    let tip = tip.as_str().unwrap_or_default().to_string();
    ensure!(
        tip.contains("Group ") || tip.contains("group ") || tip.contains("left out"),
        "tooltip {tip:?}"
    );
    // By keyboard too: every marker takes the focus, is named, and shows
    // its tooltip while focused.
    let unreachable = c
        .execute(
            "return [...document.querySelectorAll('#plan-web-map path.map-school')]\
               .filter(m => m.getAttribute('tabindex') !== '0' || !m.getAttribute('aria-label'))\
               .length;",
            vec![],
        )
        .await?;
    ensure!(
        unreachable == serde_json::json!(0),
        "{unreachable} markers out of reach of the keyboard"
    );
    let focused = c
        .execute(
            "const all = document.querySelectorAll('#plan-web-map path.map-school');\
             const m = all[all.length - 1];\
             m.focus();\
             const shown = [...document.querySelectorAll('.leaflet-tooltip')]\
               .map(t => t.textContent).join(' | ');\
             return [m.getAttribute('aria-label'), shown];",
            vec![],
        )
        .await?;
    let label = focused[0].as_str().unwrap_or_default();
    let shown = focused[1].as_str().unwrap_or_default();
    ensure!(
        !label.is_empty() && shown.contains(label.split(',').next().unwrap_or_default()),
        "focused marker {label:?} shows {shown:?}"
    );
    Ok(())
}

/// No element wider than the window: nothing to scroll sideways.
/// The map as drawn, beside the screenshots of failed tests, for people to
/// look at: the test cannot judge whether it reads well.
async fn keep_picture(c: &Client, name: &str) -> Result<()> {
    c.execute("document.getElementById('map').scrollIntoView();", vec![])
        .await?;
    let png = c.screenshot().await?;
    let path = e2e::browser::screenshot_path(name);
    std::fs::create_dir_all(e2e::browser::screenshot_dir())?;
    std::fs::write(&path, png).with_context(|| path.display().to_string())?;
    Ok(())
}

async fn spawn(backend: &e2e::app::Backend) -> Result<TestApp> {
    let (url, file) = fresh_database(backend).await?;
    let tiles = web::tiles::Tiles::parse(DEAD_TILES, Some("Tiles of this test"))?;
    TestApp::spawn_with_tiles(backend, &url, file, tiles).await
}

/// The page as a browser without script gets it, and the files the web map
/// needs, served from the binary.
#[tokio::test]
async fn the_plan_page_carries_the_svg_map_and_the_web_map_its_files() {
    for backend in backends() {
        let app = spawn(&backend).await.unwrap();
        let sim = app.user("sim", "Sam Manager", None, None).await.unwrap();
        let (year, version, expected) = year_with_plan(&app, sim).await.unwrap();
        let session = app.sign_in(sim).await.unwrap();
        let resp = app
            .send(
                Method::GET,
                &format!("/years/{year}/plans/{version}"),
                Some(&session),
            )
            .await;
        assert_eq!(resp.status(), 200);
        // Images from this site and the tile server, no other.
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("img-src 'self' data: http://127.0.0.1:9;"),
            "{csp}"
        );
        let html = resp.text().await.unwrap();
        assert!(html.contains("<script type=\"application/json\" id=\"plan-map-data\">"));
        // Town labels on the SVG: each one of the schools' towns (a label
        // that would cover a bigger town's is left out, so not every town).
        let svg_towns: Vec<&str> = html
            .split("<text class=\"town\"")
            .skip(1)
            .filter_map(|t| {
                t.split_once('>')
                    .and_then(|(_, r)| r.split_once("</text>"))
                    .map(|(n, _)| n)
            })
            .collect();
        assert!(!svg_towns.is_empty(), "no town on the SVG map");
        for t in &svg_towns {
            assert!(
                expected.towns.iter().any(|e| report::escape(e) == *t),
                "{t} is not a town of the schools"
            );
        }
        assert!(html.contains(&format!("Not on the map ({})", expected.missing.len())));
        for (path, kind) in [
            ("/static/leaflet/leaflet.js", "text/javascript"),
            ("/static/leaflet/leaflet.css", "text/css"),
            ("/static/leaflet/images/layers.png", "image/png"),
            ("/static/plan-map.js", "text/javascript"),
        ] {
            let r = app.send(Method::GET, path, None).await;
            assert_eq!(r.status(), 200, "{path}");
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            assert!(ct.starts_with(kind), "{path}: {ct}");
        }
        // The Leaflet version the documentation names.
        let js = app.get_text("/static/leaflet/leaflet.js", None).await;
        assert!(js.contains("Leaflet 1.9.4"));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_plan_map_reads_without_tiles_and_on_a_phone() {
    for backend in backends() {
        let name = format!("the_plan_map_{}", backend.name());
        let Some(browser) = Browser::start(&name).await.unwrap() else {
            return;
        };
        let app = spawn(&backend).await.unwrap();
        let sim = app.user("sim", "Sam Manager", None, None).await.unwrap();
        let (year, version, expected) = year_with_plan(&app, sim).await.unwrap();
        let page = format!("/years/{year}/plans/{version}");
        let token = app.invitation(sim).await.unwrap();
        let base = app.base.clone();
        browser
            .run(move |c| async move {
                c.goto(&format!("{base}/invite/{token}")).await?;
                c.find(Locator::XPath("//button[normalize-space()='Sign in']"))
                    .await?
                    .click()
                    .await?;
                for _ in 0..100 {
                    if c.current_url().await?.path() == "/" {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                c.goto(&format!("{base}{page}")).await?;
                check_map(&c, &expected).await.context("at 1280 px")?;
                keep_picture(&c, &format!("{name}-1280")).await?;

                c.set_window_size(390, 844).await?;
                c.goto(&format!("{base}{page}")).await?;
                check_map(&c, &expected).await.context("at 390 px")?;
                let width = c.execute("return window.innerWidth;", vec![]).await?;
                ensure!(
                    width.as_i64().unwrap_or(0) <= 400,
                    "the window is {width} px"
                );
                e2e::browser::fits_the_window(&c).await?;
                keep_picture(&c, &format!("{name}-390")).await
            })
            .await
            .unwrap();
        app.stop().await.unwrap();
    }
}
