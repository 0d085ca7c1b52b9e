//! The SIM uploads the headteachers as an Excel workbook through the input
//! page's form, in a real browser (headless Chromium), by keyboard-reachable
//! controls and at a phone's width without sideways scrolling.

use anyhow::{ensure, Context, Result};
use e2e::app::{backends, TestApp};
use e2e::browser::{wait_for_text, Browser};
use fantoccini::{Client, Locator};
use optimiser::model::Headteacher;

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
    let heads = e2e::sample::heads();
    let dir = std::env::temp_dir().join(format!("uploads-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("heads.xlsx");
    std::fs::write(&file, e2e::sample::heads_workbook(&heads)).unwrap();
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
            wait_for_text(&c, "Welcome", 10).await?;
            c.goto(&format!("{base}/years/{year}/inputs")).await?;
            wait_for_text(&c, "Not loaded", 10).await?;
            check_page(&c).await?;
            c.find(Locator::LinkText("Headteachers"))
                .await
                .context("a link to the headteachers")?
                .click()
                .await?;
            wait_for_text(&c, "Upload a new version", 10).await?;
            check_page(&c).await?;
            c.find(Locator::Css("input#file"))
                .await?
                .send_keys(&path)
                .await?;
            c.find(Locator::XPath("//button[normalize-space()='Upload']"))
                .await?
                .click()
                .await?;
            let text = wait_for_text(&c, "Version 1 stored from heads.xlsx", 10).await?;
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
