//! The browser chain works end to end: chromedriver starts, headless
//! Chromium opens a page of a running service, and a failing test leaves a
//! screenshot behind. The flows through the pages build on this harness.

use anyhow::{ensure, Context};
use e2e::app::{Backend, TestApp};
use e2e::browser::{screenshot_path, Browser};
use fantoccini::Locator;
use serde_json::Value;

#[tokio::test]
async fn chromium_opens_a_page_of_the_service() {
    let Some(browser) = Browser::start("chromium_opens_a_page_of_the_service")
        .await
        .unwrap()
    else {
        return;
    };
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();
    let base = app.base.clone();
    browser
        .run(move |c| async move {
            c.goto(&format!("{base}/health")).await?;
            let url = c.current_url().await?;
            ensure!(url.path() == "/health", "landed on {url}");
            // Chromium shows a JSON response as text in the body.
            let text = c.find(Locator::Css("body")).await?.text().await?;
            let health: Value =
                serde_json::from_str(text.trim()).with_context(|| format!("page text {text:?}"))?;
            ensure!(health["status"] == "ok", "health says {health}");
            // Scripts run: the page's own fetch reaches the API.
            let status = c
                .execute("return fetch('/api/me').then(r => r.status)", Vec::new())
                .await?;
            ensure!(status == 401, "GET /api/me unsigned answered {status}");
            Ok(())
        })
        .await
        .unwrap();
    app.stop().await.unwrap();
}

/// The failure path of the harness itself: an error and a panic in a test
/// body each leave a PNG screenshot of the page under target/.
#[tokio::test]
async fn a_failing_browser_test_leaves_a_screenshot() {
    let app = TestApp::spawn(&Backend::Sqlite).await.unwrap();

    let name = "browser_smoke_expected_error";
    let Some(browser) = Browser::start(name).await.unwrap() else {
        return;
    };
    let png = screenshot_path(name);
    let _ = std::fs::remove_file(&png);
    let base = app.base.clone();
    let err = browser
        .run(move |c| async move {
            c.goto(&format!("{base}/health")).await?;
            anyhow::bail!("failing on purpose")
        })
        .await
        .expect_err("the body failed, so must the run");
    let message = format!("{err:#}");
    assert!(message.contains("failing on purpose"), "{message}");
    assert!(message.contains(&png.display().to_string()), "{message}");
    assert_is_png(&png);
    assert!(png.with_extension("html").is_file());

    let name = "browser_smoke_expected_panic";
    let browser = Browser::start(name).await.unwrap().expect("started above");
    let png = screenshot_path(name);
    let _ = std::fs::remove_file(&png);
    let base = app.base.clone();
    let joined = tokio::spawn(browser.run(move |c| async move {
        c.goto(&format!("{base}/health")).await?;
        panic!("panicking on purpose");
    }))
    .await;
    let panic = joined.expect_err("the body panicked, so must the run");
    assert!(panic.is_panic());
    assert_is_png(&png);
    app.stop().await.unwrap();
}

fn assert_is_png(path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 100,
        "{} is not a PNG",
        path.display()
    );
}
