//! Headless Chromium for the browser tests, through chromedriver.
//!
//! `Browser::start` runs `chromedriver` (from `PEER_REVIEW_CHROMEDRIVER`) on a
//! free loopback port and opens a Chromium session with a fresh profile;
//! `Browser::run` runs a test's body against it and, when the body fails or
//! panics, saves a screenshot and the page's HTML under
//! `target/browser-screenshots/` before reporting the failure. Where the
//! variable is unset the tests skip with a message; `scripts/test` sets it.

use std::fs::File;
use std::future::Future;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// The chromedriver executable, e.g. `/usr/bin/chromedriver`.
pub const CHROMEDRIVER_ENV: &str = "PEER_REVIEW_CHROMEDRIVER";
/// The Chromium executable, e.g. `/usr/bin/chromium`; chromedriver looks
/// for one itself where this is unset.
pub const CHROMIUM_ENV: &str = "PEER_REVIEW_CHROMIUM";

/// How long chromedriver may take to answer after it starts.
const DRIVER_START: Duration = Duration::from_secs(20);
/// How long a test body may run before it counts as hung (and is
/// screenshotted like any failure).
const BODY_LIMIT: Duration = Duration::from_secs(120);
/// How long saving the evidence of a failure may take (the page may be hung).
const EVIDENCE_LIMIT: Duration = Duration::from_secs(20);

/// The flags Chromium needs here: headless as root (no sandbox), no GPU, and
/// no background connections (this machine's network refuses them, and a
/// test must not depend on any host but the service under test).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// A Chromium session for one test, with its own chromedriver and profile.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    profile: PathBuf,
    name: String,
}

impl Browser {
    /// Starts chromedriver and Chromium for the test `name` (which also
    /// names the screenshot). `Ok(None)`, with the reason on stderr, where
    /// `PEER_REVIEW_CHROMEDRIVER` is unset; an error where it is set but
    /// the browser does not start.
    pub async fn start(name: &str) -> Result<Option<Browser>> {
        let driver_path = match std::env::var(CHROMEDRIVER_ENV) {
            Ok(p) if !p.is_empty() => PathBuf::from(p),
            _ => {
                eprintln!(
                    "skipping browser test {name}: {CHROMEDRIVER_ENV} is not set (scripts/test sets it)"
                );
                return Ok(None);
            }
        };
        if !driver_path.is_file() {
            bail!(
                "{CHROMEDRIVER_ENV}={} does not exist (Debian package chromium-driver)",
                driver_path.display()
            );
        }
        let profile = fresh_dir(name)?;
        let port = free_port()?;
        let log_path = profile.join("chromedriver.log");
        let log = File::create(&log_path)?;
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group: Chromium inherits it, so that `Drop` can
            // end the browser with the driver (killing chromedriver alone
            // leaves Chromium running).
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", driver_path.display()))?;
        let mut browser = Browser {
            client: None,
            driver,
            profile,
            name: name.to_string(),
        };
        let url = format!("http://127.0.0.1:{port}");
        browser
            .wait_for_driver(&url, &log_path)
            .await
            .with_context(|| format!("chromedriver log: {}", read_tail(&log_path)))?;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(&browser.profile))
            .connect(&url)
            .await
            .with_context(|| {
                format!(
                    "opening a Chromium session; chromedriver log: {}",
                    read_tail(&log_path)
                )
            })?;
        browser.client = Some(client);
        Ok(Some(browser))
    }

    /// Polls chromedriver's `/status` until it is ready, or fails if it exits.
    async fn wait_for_driver(&mut self, url: &str, log: &Path) -> Result<()> {
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Some(status) = self.driver.try_wait()? {
                bail!("chromedriver exited at once ({status})");
            }
            if let Ok(resp) = http.get(format!("{url}/status")).send().await {
                if let Ok(v) = resp.json::<Value>().await {
                    if v["value"]["ready"] == json!(true) {
                        return Ok(());
                    }
                }
            }
            if started.elapsed() > DRIVER_START {
                bail!(
                    "chromedriver did not answer within {:?} (log {})",
                    DRIVER_START,
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs the test's body with the WebDriver client. When it fails, panics
    /// or hangs, the page is saved to `target/browser-screenshots/NAME.png`
    /// (and `NAME.html`) first; then the browser is closed and the failure
    /// reported (a panic is resumed as it was).
    pub async fn run<F, Fut>(self, body: F) -> Result<()>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.run_within(BODY_LIMIT, body).await
    }

    /// `run` for a body that may take up to `limit` (one that waits for a
    /// matching job, say).
    pub async fn run_within<F, Fut>(mut self, limit: Duration, body: F) -> Result<()>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        let client = self.client.take().context("the browser is not open")?;
        // A task of its own, so that a panic in the body is caught here and
        // the screenshot can still be taken.
        let task = tokio::spawn(body(client.clone()));
        let abort = task.abort_handle();
        let outcome = match tokio::time::timeout(limit, task).await {
            Ok(joined) => joined,
            Err(_) => {
                abort.abort();
                Ok(Err(anyhow!("the test did not finish within {limit:?}")))
            }
        };
        let failed = !matches!(outcome, Ok(Ok(())));
        let evidence = if failed {
            Some(save_evidence(&client, &self.name).await)
        } else {
            None
        };
        // Closing the session makes chromedriver quit Chromium cleanly.
        let _ = tokio::time::timeout(EVIDENCE_LIMIT, client.close()).await;
        let where_saved = match &evidence {
            Some(Ok(path)) => format!("screenshot: {}", path.display()),
            Some(Err(e)) => format!("no screenshot: {e:#}"),
            None => String::new(),
        };
        if failed {
            eprintln!("browser test {} failed; {where_saved}", self.name);
        }
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.context(where_saved)),
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(join) => Err(anyhow!("the test task was cancelled: {join}")),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and the Chromium it started.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Chromium headless with a fresh profile; the binary where one is named.
fn capabilities(profile: &Path) -> serde_json::Map<String, Value> {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
    args.push(format!(
        "--user-data-dir={}",
        profile.join("chromium").display()
    ));
    let mut options = json!({ "args": args });
    if let Ok(binary) = std::env::var(CHROMIUM_ENV) {
        if !binary.is_empty() {
            options["binary"] = json!(binary);
        }
    }
    let caps = json!({ "browserName": "chrome", "goog:chromeOptions": options });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// Where failed tests leave their screenshots: `target/browser-screenshots/`
/// of the workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("browser-screenshots")
}

/// The screenshot path of a test name (characters outside `[A-Za-z0-9_-]`
/// become `_`).
pub fn screenshot_path(name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    screenshot_dir().join(format!("{safe}.png"))
}

/// Saves the screenshot and the HTML of the current page; returns the PNG's path.
async fn save_evidence(client: &Client, name: &str) -> Result<PathBuf> {
    let png_path = screenshot_path(name);
    std::fs::create_dir_all(screenshot_dir())?;
    let png = tokio::time::timeout(EVIDENCE_LIMIT, client.screenshot())
        .await
        .context("the screenshot timed out")??;
    std::fs::write(&png_path, png)?;
    if let Ok(Ok(html)) = tokio::time::timeout(EVIDENCE_LIMIT, client.source()).await {
        let _ = std::fs::write(png_path.with_extension("html"), html);
    }
    Ok(png_path)
}

/// A free loopback port: bound by the system, then released for chromedriver.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A new empty directory under the system's temporary directory.
fn fresh_dir(name: &str) -> Result<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "pr-browser-{}-{}-{stamp}",
        std::process::id(),
        screenshot_path(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The end of a log file, to explain a failed start.
fn read_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(2000);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_string()
}

/// Waits up to `seconds` until `<main>` says `text` (pages load after
/// clicks); returns what it says.
pub async fn wait_for_text(c: &Client, text: &str, seconds: u64) -> Result<String> {
    let mut seen = String::new();
    for _ in 0..seconds * 10 {
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

/// Clicks what `xpath` finds.
pub async fn click(c: &Client, xpath: &str) -> Result<()> {
    c.find(Locator::XPath(xpath))
        .await
        .with_context(|| format!("nothing at {xpath}"))?
        .click()
        .await?;
    Ok(())
}

/// Fails where the page is wider than the window (it would scroll
/// sideways; tables scroll inside their own boxes).
pub async fn fits_the_window(c: &Client) -> Result<()> {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await?;
    let (scroll, client) = (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0));
    if client == 0 || scroll > client {
        bail!("the page is {scroll} px wide in a {client} px window");
    }
    Ok(())
}
