//! The SIM uploads the headteachers as an Excel workbook through the input
//! page's form, in a real browser (headless Chromium), by keyboard-reachable
//! controls and at a phone's width without sideways scrolling.

use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use e2e::app::{backends, TestApp};
use e2e::browser::Browser;
use fantoccini::{Client, Locator};
use optimiser::model::Headteacher;

fn sample(file: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/sample")
        .join(file)
}

/// Waits until `<main>` says `text` (pages load after clicks).
async fn wait_for_text(c: &Client, text: &str) -> Result<String> {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(main) = c.find(Locator::Css("main")).await {
            seen = main.text().await.unwrap_or_default();
            if seen.contains(text) {
                return Ok(seen);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the page never said {text:?}; it says {seen:?}")
}

/// Every visible form control has a label, and nothing is wider than the
/// window.
async fn check_page(c: &Client) -> Result<()> {
    let unlabelled = c
        .execute(
            "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]\
             .filter(e => !e.id || !document.querySelector('label[for=\"' + e.id + '\"]'))\
             .map(e => e.outerHTML);",
            vec![],
        )
        .await?;
    ensure!(
        unlabelled.as_array().is_none_or(Vec::is_empty),
        "controls without a label: {unlabelled}"
    );
    // The elements reaching past the window's right edge, outside the
    // tables' own scrolling boxes.
    let wide = c
        .execute(
            "const w = document.documentElement.clientWidth; \
             return [...document.querySelectorAll('body *')] \
             .filter(e => !(e.parentElement && e.parentElement.closest('.table-scroll')) && e.getBoundingClientRect().right > w + 1) \
             .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
            vec![],
        )
        .await?;
    ensure!(
        wide.as_array().is_none_or(Vec::is_empty),
        "the page scrolls sideways: {wide}"
    );
    let scrolls = c
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth;",
            vec![],
        )
        .await?;
    ensure!(
        scrolls == serde_json::json!(false),
        "the page scrolls sideways"
    );
    Ok(())
}

#[tokio::test]
async fn the_sim_uploads_the_heads_as_a_workbook() {
    let backend = backends().remove(0);
    let Some(browser) = Browser::start("the_sim_uploads_the_heads_as_a_workbook")
        .await
        .unwrap()
    else {
        return;
    };
    let app = TestApp::spawn(&backend).await.unwrap();
    let year = e2e::sample::year(&app, &[], &[], 100, 50, "").await;
    let sim = app.user("sim", "Sam Sim", None, None).await.unwrap();
    let token = app.invitation(sim).await.unwrap();
    let heads = formats::inputs::read_heads(&sample("heads.csv")).unwrap();
    // The workbook a SIM saves from their sheet: URNs as numbers.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["URN", "Name", "Email"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (i, h) in heads.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, f64::from(h.school.0)).unwrap();
        sheet.write_string(r, 1, &h.name).unwrap();
        sheet.write_string(r, 2, &h.email).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("uploads-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("heads.xlsx");
    book.save(&file).unwrap();
    let base = app.base.clone();
    let count = heads.len();
    let path = file.display().to_string();
    browser
        .run(move |c| async move {
            c.set_window_size(390, 844).await?;
            c.goto(&format!("{base}/invite/{token}")).await?;
            c.find(Locator::XPath("//button[normalize-space()='Sign in']"))
                .await?
                .click()
                .await?;
            wait_for_text(&c, "Welcome").await?;
            c.goto(&format!("{base}/years/{year}/inputs")).await?;
            wait_for_text(&c, "Not loaded").await?;
            check_page(&c).await?;
            c.find(Locator::LinkText("Headteachers"))
                .await
                .context("a link to the headteachers")?
                .click()
                .await?;
            wait_for_text(&c, "Upload a new version").await?;
            check_page(&c).await?;
            c.find(Locator::Css("input#file"))
                .await?
                .send_keys(&path)
                .await?;
            c.find(Locator::XPath("//button[normalize-space()='Upload']"))
                .await?
                .click()
                .await?;
            let text = wait_for_text(&c, "Version 1 stored from heads.xlsx").await?;
            ensure!(text.contains(&format!("{count} rows")), "{text}");
            check_page(&c).await?;
            Ok(())
        })
        .await
        .unwrap();
    let stored = store::inputs::latest::<Vec<Headteacher>>(&app.state.db, year, "heads")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.data, heads);
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await.unwrap();
}
