//! `peer-review serve` and `peer-review admin`: run the site, bootstrap it.

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use tokio::net::TcpListener;

use store::{audit, now, Db};
use web::{self, auth, AppState, Config};

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// `postgres://user@host/db`, `sqlite://FILE` or a file path (SQLite, created if missing).
    #[arg(
        long = "database",
        env = "DATABASE_URL",
        default_value = "peer-review.db"
    )]
    pub url: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, env = "PEER_REVIEW_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// How people reach the site, for links; defaults to http://BIND.
    #[arg(long, env = "PEER_REVIEW_BASE_URL")]
    pub base_url: Option<String>,
    /// Mark cookies Secure: set when a proxy serves the site over HTTPS.
    #[arg(long, env = "PEER_REVIEW_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, env = "PEER_REVIEW_LOG_JSON")]
    pub log_json: bool,
    /// Serve only: run no background jobs in this instance (others do).
    #[arg(long, env = "PEER_REVIEW_NO_WORKER")]
    pub no_worker: bool,
    /// Seconds a running job's lease lasts without a heartbeat; another
    /// instance takes the job over when its instance stops renewing it.
    #[arg(long, env = "PEER_REVIEW_LEASE_SECONDS", default_value_t = web::jobs::WorkerConfig::DEFAULT_LEASE_SECONDS)]
    pub lease_seconds: u64,
    /// The plan map's base map: a tile URL template ({z}, {x}, {y}) the
    /// visitor's browser loads, or `off` for none (towns are labelled either way).
    #[arg(long, env = "PEER_REVIEW_TILES", default_value = web::tiles::OPENSTREETMAP)]
    pub tiles: String,
    /// The credit the tile server's owner requires, as plain text (known for OpenStreetMap).
    #[arg(long, env = "PEER_REVIEW_TILES_ATTRIBUTION")]
    pub tiles_attribution: Option<String>,
    /// The SMTP server for invitations and reminders: `smtp://host:25`,
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host` (TLS). Without it the SIM downloads
    /// the messages as a mail-merge spreadsheet.
    #[arg(long, env = "PEER_REVIEW_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Whom the messages come from, e.g. "Peer review <peer-review@council.gov.uk>".
    #[arg(long, env = "PEER_REVIEW_MAIL_FROM")]
    pub mail_from: Option<String>,
}

/// The SMTP server and sender from the flags: both or neither.
pub fn mail_config(args: &ServeArgs) -> Result<Option<app::mail::Smtp>> {
    match (&args.smtp_url, &args.mail_from) {
        (None, None) => Ok(None),
        (Some(url), Some(from)) => app::mail::Smtp::new(url, from)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--smtp-url, --mail-from: {e}")),
        (Some(_), None) => {
            anyhow::bail!("--smtp-url needs --mail-from: whom the messages come from")
        }
        (None, Some(_)) => {
            anyhow::bail!("--mail-from needs --smtp-url: the server to send through")
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a School Improvement Manager and print their one-time sign-in link.
    CreateSim(CreateSimArgs),
}

#[derive(Debug, Args)]
pub struct CreateSimArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "")]
    pub email: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The site's address, for the link.
    #[arg(
        long,
        env = "PEER_REVIEW_BASE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub base_url: String,
}

pub fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) is harmless: keep the first.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn run_serve(args: &ServeArgs) -> Result<()> {
    init_logs(args.log_json);
    let tiles = web::tiles::Tiles::parse(&args.tiles, args.tiles_attribution.as_deref())?;
    let mail = mail_config(args)?;
    runtime()?.block_on(async {
        let db = Db::connect(&args.database.url).await?;
        let listener = TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let addr = listener.local_addr()?;
        let state = AppState {
            db,
            config: Arc::new(Config {
                base_url: args
                    .base_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{addr}")),
                secure_cookies: args.secure_cookies,
                instance_id: instance_id(),
                tiles,
                mail,
            }),
        };
        let worker = (!args.no_worker).then(|| {
            let mut cfg = web::jobs::WorkerConfig::new(state.config.instance_id.clone());
            cfg.lease = std::time::Duration::from_secs(args.lease_seconds);
            web::jobs::Worker::start(state.db.clone(), cfg)
        });
        let served = web::serve(state, listener).await;
        if let Some(w) = worker {
            w.shutdown().await;
        }
        served
    })
}

/// Unique per process, readable in job rows: host, pid and a random part.
pub fn instance_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{}", std::process::id(), &auth::new_token()[..8])
}

pub fn run_admin(cmd: &AdminCommand) -> Result<()> {
    match cmd {
        AdminCommand::CreateSim(a) => runtime()?.block_on(async {
            let db = Db::connect(&a.database.url).await?;
            let link = create_sim(&db, &a.name, &a.email, &a.base_url).await?;
            println!("Sign-in link for {} (works once): {link}", a.name);
            Ok(())
        }),
    }
}

/// Adds a SIM and returns their one-time sign-in link.
pub async fn create_sim(db: &Db, name: &str, email: &str, base_url: &str) -> Result<String> {
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (role, name, email, created_at) VALUES ('sim', $1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(email)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        None,
        "user.create",
        &format!("user {id}"),
        "sim, from the command line",
    )
    .await?;
    let token = auth::issue_invitation(&mut tx, id, None).await?;
    tx.commit().await?;
    Ok(format!("{}/invite/{token}", base_url.trim_end_matches('/')))
}
