//! The HTTP service: JSON API under `/api`, pages for people, one `AppState`.
//!
//! Handlers are thin: they check who asks and for what, then call `store`
//! (storage) or the optimiser through `crate::jobs`. Every route passes
//! through `auth::authenticate`, which resolves the session once and guards
//! changes with the CSRF token.

pub mod api;
pub mod auth;
pub mod download;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod pages;
pub mod tiles;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{middleware, Json, Router};
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use error::AppResult;
use store::Db;

/// Largest request body outside uploads: an availability submission is a
/// few kilobytes; a megabyte leaves room and stops abuse.
pub const BODY_LIMIT: usize = 1 << 20;
/// Largest GIAS upload (an extract of all England is about 60 MB).
pub const UPLOAD_LIMIT: usize = 128 << 20;
/// Largest upload of the project's own files (heads, advisers, need, ...):
/// all England's heads are about 2 MB.
pub const INPUT_LIMIT: usize = 32 << 20;

#[derive(Debug, Clone)]
pub struct Config {
    /// How people reach the site, for links in invitations: `http://host:port`.
    pub base_url: String,
    /// Mark cookies Secure (set when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// Names this process in job leases; unique per running instance.
    pub instance_id: String,
    /// The base map under the plan's map; None: no tiles, the map draws
    /// towns and schools on a blank background.
    pub tiles: Option<tiles::Tiles>,
    /// The SMTP server invitations and reminders go through; None: the SIM
    /// downloads them as a mail-merge spreadsheet instead.
    pub mail: Option<app::mail::Smtp>,
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
}

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .nest("/api", api::router())
        .merge(pages::router())
        // Inside `authenticate`, so that an error page knows who is asking.
        .layer(middleware::from_fn(error::uniform_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Liveness and database reachability, for load balancers.
async fn health(State(state): State<AppState>) -> AppResult<Json<serde_json::Value>> {
    sqlx::query("SELECT 1").execute(&state.db.read).await?;
    Ok(Json(json!({"status": "ok"})))
}

/// Serves until SIGTERM or Ctrl-C; requests in flight finish first.
pub async fn serve(state: AppState, listener: TcpListener) -> anyhow::Result<()> {
    serve_until(state, listener, shutdown_signal()).await
}

/// Serves until `shutdown` resolves (tests stop servers this way).
pub async fn serve_until(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    tracing::info!(%addr, base_url = %state.config.base_url, "serving");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM (how service managers stop a process) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(%e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
