//! A running service for one test, and a client signed in as anyone.

use std::sync::Arc;

use anyhow::{Context, Result};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use store::{now, Db};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use web::{self, auth, AppState, Config};

/// Where a test's database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file in the temporary directory.
    Sqlite,
    /// A fresh database on the server of this admin URL.
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// The environment variable naming a PostgreSQL server the tests may create
/// databases on, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
/// `scripts/test` starts one and sets it.
pub const POSTGRES_ENV: &str = "PEER_REVIEW_TEST_POSTGRES";

/// SQLite always; PostgreSQL where `PEER_REVIEW_TEST_POSTGRES` is set.
/// Says so on stderr when PostgreSQL is skipped.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => v.push(Backend::Postgres(url)),
        _ => eprintln!("skipping PostgreSQL: {POSTGRES_ENV} is not set (scripts/test sets it)"),
    }
    v
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub state: AppState,
    pub backend: Backend,
    /// The database URL, for a second process on the same database.
    pub database_url: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<Result<()>>>,
    sqlite_file: Option<std::path::PathBuf>,
}

/// A signed-in user: the session token is sent as a bearer token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub token: String,
    pub csrf: String,
}

fn unique_name() -> String {
    format!(
        "pr_test_{}_{}",
        std::process::id(),
        &auth::new_token()[..10]
            .to_ascii_lowercase()
            .replace(['-', '_'], "x")
    )
}

/// A fresh, empty database for a test; returns its URL.
pub async fn fresh_database(backend: &Backend) -> Result<(String, Option<std::path::PathBuf>)> {
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
            Ok((format!("sqlite://{}?mode=rwc", path.display()), Some(path)))
        }
        Backend::Postgres(admin) => {
            sqlx::any::install_default_drivers();
            let name = unique_name();
            let pool = sqlx::AnyPool::connect(admin)
                .await
                .with_context(|| format!("connecting to {admin}"))?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await?;
            pool.close().await;
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b)
                .context("admin URL has no database part")?;
            Ok((format!("{base}/{name}"), None))
        }
    }
}

impl TestApp {
    /// A server on a random loopback port over a fresh database.
    pub async fn spawn(backend: &Backend) -> Result<TestApp> {
        let (url, sqlite_file) = fresh_database(backend).await?;
        Self::spawn_on(backend, &url, sqlite_file).await
    }

    /// A server over an existing database (a second instance).
    pub async fn spawn_on(
        backend: &Backend,
        url: &str,
        sqlite_file: Option<std::path::PathBuf>,
    ) -> Result<TestApp> {
        Self::spawn_with_tiles(
            backend,
            url,
            sqlite_file,
            Some(web::tiles::Tiles::openstreetmap()),
        )
        .await
    }

    /// A server over an existing database whose map loads its base map
    /// from `tiles` (None: no base map).
    pub async fn spawn_with_tiles(
        backend: &Backend,
        url: &str,
        sqlite_file: Option<std::path::PathBuf>,
        tiles: Option<web::tiles::Tiles>,
    ) -> Result<TestApp> {
        Self::spawn_configured(backend, url, sqlite_file, tiles, None).await
    }

    /// A server over a fresh database that sends e-mail through `smtp`
    /// (see `crate::smtp` for the test server).
    pub async fn spawn_with_mail(backend: &Backend, smtp: app::mail::Smtp) -> Result<TestApp> {
        let (url, sqlite_file) = fresh_database(backend).await?;
        Self::spawn_configured(
            backend,
            &url,
            sqlite_file,
            Some(web::tiles::Tiles::openstreetmap()),
            Some(smtp),
        )
        .await
    }

    async fn spawn_configured(
        backend: &Backend,
        url: &str,
        sqlite_file: Option<std::path::PathBuf>,
        tiles: Option<web::tiles::Tiles>,
        mail: Option<app::mail::Smtp>,
    ) -> Result<TestApp> {
        let db = Db::connect(url).await?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let state = AppState {
            db,
            config: Arc::new(Config {
                base_url: base.clone(),
                secure_cookies: false,
                instance_id: format!("test-{}", unique_name()),
                tiles,
                mail,
            }),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(web::serve_until(state.clone(), listener, async move {
            let _ = stopped.await;
        }));
        Ok(TestApp {
            base,
            state,
            backend: backend.clone(),
            database_url: url.to_string(),
            stop: Some(stop),
            server: Some(server),
            sqlite_file,
        })
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            h.await??;
        }
        Ok(())
    }

    /// Starts this instance's job worker with a lease of `lease_seconds`
    /// (the service runs one per process; tests start it when they want
    /// jobs to run). Shut it down before the test ends.
    pub fn start_worker(&self, lease_seconds: u64) -> web::jobs::Worker {
        let mut cfg = web::jobs::WorkerConfig::new(self.state.config.instance_id.clone());
        cfg.lease = std::time::Duration::from_secs(lease_seconds);
        web::jobs::Worker::start(self.state.db.clone(), cfg)
    }

    /// Adds a user straight into the database.
    pub async fn user(
        &self,
        role: &str,
        name: &str,
        urn: Option<&str>,
        ext_id: Option<&str>,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (role, name, email, urn, ext_id, created_at) \
             VALUES ($1, $2, '', $3, $4, $5) RETURNING id",
        )
        .bind(role)
        .bind(name)
        .bind(urn)
        .bind(ext_id)
        .bind(now())
        .fetch_one(&self.state.db.write)
        .await?;
        Ok(id)
    }

    /// An invitation token for a user, as a SIM would send it.
    pub async fn invitation(&self, user_id: i64) -> Result<String> {
        let mut tx = self.state.db.begin_write().await?;
        let token = auth::issue_invitation(&mut tx, user_id, None).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Signs a user in through the API, as their invitation link would.
    pub async fn sign_in(&self, user_id: i64) -> Result<Session> {
        let token = self.invitation(user_id).await?;
        let resp = reqwest::Client::new()
            .post(format!("{}/api/session", self.base))
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await?;
        anyhow::ensure!(
            resp.status() == StatusCode::OK,
            "sign-in: {}",
            resp.status()
        );
        let body: Value = resp.json().await?;
        Ok(Session {
            user_id,
            token: body["session_token"]
                .as_str()
                .context("session_token")?
                .into(),
            csrf: body["csrf_token"].as_str().context("csrf_token")?.into(),
        })
    }

    /// A new user of the role, signed in.
    pub async fn signed_in(&self, role: &str, name: &str, urn: Option<&str>) -> Result<Session> {
        let id = self.user(role, name, urn, None).await?;
        self.sign_in(id).await
    }

    /// A request to `path` (under the base), as `who` (bearer) or nobody.
    pub fn request(&self, method: Method, path: &str, who: Option<&Session>) -> RequestBuilder {
        let r = reqwest::Client::new().request(method, format!("{}{path}", self.base));
        match who {
            Some(s) => r.bearer_auth(&s.token),
            None => r,
        }
    }

    /// Sends a request without a body to `path` as `who` or nobody: the answer.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        who: Option<&Session>,
    ) -> reqwest::Response {
        self.request(method, path, who).send().await.unwrap()
    }

    /// A page as `who`: its status and body.
    pub async fn page(&self, path: &str, who: &Session) -> (StatusCode, String) {
        status_and_text(self.request(Method::GET, path, Some(who))).await
    }

    /// Posts a page's form as `who`, with the CSRF token the form carries:
    /// the status and body of the answer.
    pub async fn post_form(
        &self,
        path: &str,
        who: &Session,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut form = vec![("csrf", who.csrf.as_str())];
        form.extend_from_slice(fields);
        status_and_text(self.request(Method::POST, path, Some(who)).form(&form)).await
    }

    /// The body of a GET of `path` as `who` or nobody, whatever its status.
    pub async fn get_text(&self, path: &str, who: Option<&Session>) -> String {
        text(self.request(Method::GET, path, who)).await
    }

    /// The JSON body of a GET of `path` as `who` or nobody, whatever its status.
    pub async fn get_json(&self, path: &str, who: Option<&Session>) -> Value {
        json(self.request(Method::GET, path, who)).await
    }
}

/// Sends a request: the status and body of the answer.
pub async fn status_and_text(r: RequestBuilder) -> (StatusCode, String) {
    let resp = r.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// Sends a request: the body of the answer, whatever its status.
pub async fn text(r: RequestBuilder) -> String {
    r.send().await.unwrap().text().await.unwrap()
}

/// Sends a request: the body of the answer as JSON, whatever its status.
pub async fn json(r: RequestBuilder) -> Value {
    r.send().await.unwrap().json().await.unwrap()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(path) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}
