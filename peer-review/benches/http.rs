//! HTTP benchmark of the service: `cargo bench -p peer-review --bench http`.
//!
//! The service runs in this process on a fresh SQLite file (and, where
//! `PEER_REVIEW_BENCH_POSTGRES` names an admin URL, a second time on a fresh
//! PostgreSQL database), with one programme year and 64 heads signed in.
//! 64 clients on loopback, one keep-alive connection each, then replace
//! their head's availability (40 dates) with `PUT /api/years/{year}/availability`
//! as fast as the answers come, for a warm-up and then the measured period.
//!
//! The load generator is written here rather than taken from `wrk`: each
//! client finishes the request it has in flight when time is up, so every
//! submission the server stored was acknowledged to a client and can be
//! counted against the rows (`wrk` drops its connections mid-request).
//! Server and clients run on separate runtimes of two threads each, as two
//! processes sharing this machine's cores would.
//!
//! Printed: requests per second, latency percentiles, errors, and the check
//! that the 201s acknowledged equal the rows in `availability` and the audit
//! entries, and that each head's versions run 1..n without gaps.
//!
//! Options after `--`: `seconds=N` (measured period, default 20),
//! `warmup=N` (default 3), `clients=N` (default 64), `sqlite` or `postgres`
//! to run only that backend.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use store::{now, Db};
use web::{auth, AppState, Config};

/// The admin URL of a PostgreSQL server the benchmark may create a database on.
const POSTGRES_ENV: &str = "PEER_REVIEW_BENCH_POSTGRES";
/// Dates in each submission.
const DATES: usize = 40;
/// Different submissions each client cycles through (pre-serialised, so that
/// the clients spend their time on HTTP, not JSON).
const VARIANTS: usize = 4;

struct Options {
    seconds: u64,
    warmup: u64,
    clients: usize,
    only: Option<String>,
}

fn options() -> Result<Options> {
    let mut o = Options {
        seconds: 20,
        warmup: 3,
        clients: 64,
        only: None,
    };
    // `cargo bench` passes `--bench`; options are plain words.
    for a in std::env::args().skip(1).filter(|a| !a.starts_with('-')) {
        match a.split_once('=') {
            Some(("seconds", v)) => o.seconds = v.parse().context("seconds=N")?,
            Some(("warmup", v)) => o.warmup = v.parse().context("warmup=N")?,
            Some(("clients", v)) => o.clients = v.parse().context("clients=N")?,
            None if a == "sqlite" || a == "postgres" => o.only = Some(a),
            _ => bail!("unknown option {a}: seconds=N, warmup=N, clients=N, sqlite, postgres"),
        }
    }
    ensure!(
        o.clients > 0 && o.seconds > 0,
        "clients and seconds must be positive"
    );
    Ok(o)
}

fn main() -> Result<()> {
    let o = options()?;
    peer_review::cli::serve::init_logs(false);
    if o.only.as_deref() != Some("postgres") {
        let path = std::env::temp_dir().join(format!("pr-bench-http-{}.db", std::process::id()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let result = run("sqlite", &url, &o);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        result?;
    }
    if o.only.as_deref() != Some("sqlite") {
        match std::env::var(POSTGRES_ENV) {
            Ok(admin) if !admin.is_empty() => {
                let (url, name) = server_runtime()?.block_on(create_postgres_database(&admin))?;
                let result = run("postgres", &url, &o);
                server_runtime()?.block_on(drop_postgres_database(&admin, &name))?;
                result?;
            }
            _ => println!("http postgres: skipped ({POSTGRES_ENV} is not set)"),
        }
    }
    Ok(())
}

/// The runtime `peer-review serve` uses: multi-threaded, one worker per
/// core. Its threads are named, so that their CPU time can be told apart.
fn server_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .thread_name(SERVER_THREADS)
        .enable_all()
        .build()?)
}

/// Thread names, for the CPU account (`/proc` keeps 15 characters).
const SERVER_THREADS: &str = "bench-server";
const CLIENT_THREADS: &str = "bench-client";
const SQLITE_THREADS: &str = "sqlx-sqlite-wor";

/// CPU seconds (user + system) each group of this process's threads has
/// used: the server's runtime, the clients', SQLite's connection threads
/// (where sqlx runs every SQLite call), and the rest. Read from `/proc`, so
/// it counts what ran whatever else the machine was doing.
fn cpu_by_group() -> BTreeMap<&'static str, f64> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // "tid (comm) state ppid ...": utime and stime are the 12th and 13th
        // fields after the closing parenthesis, in clock ticks (USER_HZ, 100).
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let seconds = (ticks(11) + ticks(12)) / 100.0;
        let group = if comm.starts_with(SERVER_THREADS) {
            "server"
        } else if comm.starts_with(CLIENT_THREADS) {
            "clients"
        } else if comm.starts_with(SQLITE_THREADS) {
            "sqlite"
        } else {
            "other"
        };
        *out.entry(group).or_default() += seconds;
    }
    out
}

/// One benchmark on one database: set up, serve, load, check.
fn run(backend: &str, url: &str, o: &Options) -> Result<()> {
    let server_rt = server_runtime()?;
    let (state, fixture) = server_rt.block_on(set_up(url, o.clients))?;
    let listener = server_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = server_rt.spawn(web::serve_until(state.clone(), listener, async move {
        let _ = stopped.await;
    }));

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(CLIENT_THREADS)
        .enable_all()
        .build()?;
    let mut load = client_rt.block_on(drive(&base, &fixture, o))?;
    load.cpu_after = cpu_by_group();
    drop(client_rt);

    let _ = stop.send(());
    server_rt.block_on(server)??;
    let stored = server_rt.block_on(count_stored(&state.db, fixture.year_id))?;
    server_rt.block_on(async {
        state.db.read.close().await;
        state.db.write.close().await;
    });
    report(backend, o, &load, &stored)
}

/// The year and the signed-in heads, each with the bodies it will send.
struct Fixture {
    year_id: i64,
    heads: Vec<Head>,
}

struct Head {
    user_id: i64,
    token: String,
    bodies: Vec<Arc<Vec<u8>>>,
}

async fn set_up(url: &str, clients: usize) -> Result<(AppState, Fixture)> {
    let db = Db::connect(url).await?;
    let state = AppState {
        db,
        config: Arc::new(Config {
            base_url: "http://127.0.0.1".into(),
            secure_cookies: false,
            instance_id: "bench-http".into(),
            tiles: Some(web::tiles::Tiles::openstreetmap()),
            mail: None,
        }),
    };
    let today = chrono::Utc::now().date_naive();
    // A window that starts in two weeks and lasts about ten months, with
    // availability open for five more months: a year in its open phase.
    let first = today + Days::new(14);
    let last = first + Days::new(300);
    let deadline = today + Days::new(150);
    let calendar = serde_json::json!({ "first": first, "last": last });
    // Parsed as the service will read it, so a format change fails here.
    let _: optimiser::schedule::Calendar = serde_json::from_value(calendar.clone())?;
    let year_id: i64 = sqlx::query_scalar(
        "INSERT INTO years (name, first_day, last_day, deadline, calendar, rules, created_at) \
         VALUES ($1, $2, $3, $4, $5, '', $6) RETURNING id",
    )
    .bind("bench")
    .bind(first.to_string())
    .bind(last.to_string())
    .bind(deadline.to_string())
    .bind(calendar.to_string())
    .bind(now())
    .fetch_one(&state.db.write)
    .await?;

    let weekdays: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    ensure!(weekdays.len() > 5 * DATES, "the window is too short");
    let mut heads = Vec::with_capacity(clients);
    for i in 0..clients {
        let user_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (role, name, email, urn, created_at) \
             VALUES ('head', $1, '', $2, $3) RETURNING id",
        )
        .bind(format!("Head {i}"))
        .bind(format!("{}", 200_000 + i))
        .bind(now())
        .fetch_one(&state.db.write)
        .await?;
        let mut tx = state.db.begin_write().await?;
        let invitation = auth::issue_invitation(&mut tx, user_id, None).await?;
        tx.commit().await?;
        let session = auth::redeem_invitation(&state, &invitation)
            .await
            .map_err(|e| anyhow::anyhow!("signing in head {i}: {e}"))?;
        let bodies = (0..VARIANTS)
            .map(|v| Arc::new(body(&weekdays, i, v)))
            .collect();
        heads.push(Head {
            user_id,
            token: session.session_token,
            bodies,
        });
    }
    Ok((state, Fixture { year_id, heads }))
}

/// 40 distinct weekdays of the window, a third of them preferred, spread
/// differently for each head and variant.
fn body(weekdays: &[NaiveDate], head: usize, variant: usize) -> Vec<u8> {
    let n = weekdays.len();
    let dates: Vec<serde_json::Value> = (0..DATES)
        .map(|k| {
            let date = weekdays[(head * 7 + variant * 3 + k * 5) % n];
            let level = if (k + variant).is_multiple_of(3) {
                "preferred"
            } else {
                "possible"
            };
            serde_json::json!({ "date": date, "level": level })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "dates": dates })).expect("JSON of plain values")
}

/// What the clients saw.
#[derive(Default)]
struct Load {
    /// Latencies of the requests started in the measured period.
    latencies: Vec<Duration>,
    /// Requests completed in the measured period, any answer.
    measured: usize,
    /// The measured period as it ran (from its start to the last answer).
    measured_time: Duration,
    /// 201s over the whole run (warm-up included): each one is a stored version.
    created_by_user: BTreeMap<i64, i64>,
    /// Answers other than 201, and transport failures, by kind.
    errors: BTreeMap<String, usize>,
    /// The first error answer in full, to show what went wrong.
    first_error: Option<String>,
    /// CPU seconds by thread group when the measured period began and ended.
    cpu_before: BTreeMap<&'static str, f64>,
    cpu_after: BTreeMap<&'static str, f64>,
}

async fn drive(base: &str, fixture: &Fixture, o: &Options) -> Result<Load> {
    let url = format!("{base}/api/years/{}/availability", fixture.year_id);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(o.warmup);
    let until = measure_from + Duration::from_secs(o.seconds);
    let mut tasks = Vec::new();
    for head in &fixture.heads {
        // One client, so one keep-alive connection, per head, as a browser
        // tab of each head would have.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .build()?;
        let url = url.clone();
        let token = head.token.clone();
        let bodies = head.bodies.clone();
        let user_id = head.user_id;
        tasks.push(tokio::spawn(async move {
            let mut mine = Load::default();
            let mut created = 0i64;
            let mut last_answer = Instant::now();
            let mut i = 0usize;
            while Instant::now() < until {
                let sent = Instant::now();
                let body = bodies[i % bodies.len()].as_ref().clone();
                i += 1;
                let outcome = client
                    .put(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                let (kind, detail) = match outcome {
                    Ok(resp) if resp.status() == reqwest::StatusCode::CREATED => {
                        // Read the answer: a client is done when it has it.
                        let _ = resp.bytes().await;
                        created += 1;
                        (None, None)
                    }
                    Ok(resp) => {
                        let status = resp.status();
                        let text = resp.text().await.unwrap_or_default();
                        (Some(format!("HTTP {status}")), Some(text))
                    }
                    Err(e) => (Some(format!("transport: {e}")), None),
                };
                let answered = Instant::now();
                if sent >= measure_from {
                    mine.latencies.push(answered - sent);
                    mine.measured += 1;
                    last_answer = last_answer.max(answered);
                }
                if let Some(kind) = kind {
                    *mine.errors.entry(kind.clone()).or_default() += 1;
                    if mine.first_error.is_none() {
                        mine.first_error = Some(format!("{kind}: {}", detail.unwrap_or_default()));
                    }
                }
            }
            mine.created_by_user.insert(user_id, created);
            mine.measured_time = last_answer.saturating_duration_since(measure_from);
            mine
        }));
    }
    // The CPU account at the start of the measured period.
    let before = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        cpu_by_group()
    });
    let mut all = Load::default();
    for t in tasks {
        let mine = t.await?;
        all.latencies.extend(mine.latencies);
        all.measured += mine.measured;
        all.measured_time = all.measured_time.max(mine.measured_time);
        all.created_by_user.extend(mine.created_by_user);
        for (k, n) in mine.errors {
            *all.errors.entry(k).or_default() += n;
        }
        if all.first_error.is_none() {
            all.first_error = mine.first_error;
        }
    }
    all.cpu_before = before.await?;
    Ok(all)
}

/// What the database holds after the run.
struct Stored {
    rows: i64,
    audit: i64,
    /// Per user: (rows, highest version).
    by_user: BTreeMap<i64, (i64, i64)>,
}

async fn count_stored(db: &Db, year_id: i64) -> Result<Stored> {
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM availability WHERE year_id = $1")
        .bind(year_id)
        .fetch_one(&db.read)
        .await?;
    let audit: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'availability.submit'")
            .fetch_one(&db.read)
            .await?;
    let per_user: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT user_id, COUNT(*), MAX(version) FROM availability \
         WHERE year_id = $1 GROUP BY user_id",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    Ok(Stored {
        rows,
        audit,
        by_user: per_user.into_iter().map(|(u, n, v)| (u, (n, v))).collect(),
    })
}

/// The p-th percentile (nearest rank) of sorted durations, in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn report(backend: &str, o: &Options, load: &Load, stored: &Stored) -> Result<()> {
    let mut lat = load.latencies.clone();
    lat.sort_unstable();
    let secs = load.measured_time.as_secs_f64().max(1e-9);
    let rps = load.measured as f64 / secs;
    let errors: usize = load.errors.values().sum();
    let acknowledged: i64 = load.created_by_user.values().sum();
    let (p50, p90, p99) = (
        percentile_ms(&lat, 50.0),
        percentile_ms(&lat, 90.0),
        percentile_ms(&lat, 99.0),
    );
    let max = lat.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    println!(
        "http {backend}: PUT availability ({DATES} dates), {} clients, {:.1} s measured after {} s warm-up: \
         {rps:.0} requests/s; latency p50 {p50:.1} ms, p90 {p90:.1} ms, p99 {p99:.1} ms, max {max:.1} ms; \
         {} requests, {errors} errors",
        o.clients, secs, o.warmup, load.measured,
    );
    if load.measured > 0 {
        let per_request = |g: &str| {
            let used = load.cpu_after.get(g).copied().unwrap_or(0.0)
                - load.cpu_before.get(g).copied().unwrap_or(0.0);
            used / load.measured as f64 * 1e6
        };
        let all: f64 = ["server", "sqlite", "clients", "other"]
            .iter()
            .map(|g| per_request(g))
            .sum();
        println!(
            "http {backend}: CPU per request in this process {all:.0} us: server runtime {:.0} us, \
             SQLite threads {:.0} us, load generator {:.0} us, other {:.0} us \
             (2 cores at this cost: {:.0} requests/s; a PostgreSQL server's own CPU is not counted)",
            per_request("server"),
            per_request("sqlite"),
            per_request("clients"),
            per_request("other"),
            2e6 / all.max(1e-9),
        );
    }
    for (kind, n) in &load.errors {
        println!("  error {kind}: {n}");
    }
    if let Some(first) = &load.first_error {
        println!("  first error: {first}");
    }
    println!(
        "http {backend}: 201s acknowledged {acknowledged}, availability rows {}, audit entries {}",
        stored.rows, stored.audit
    );
    let met = rps >= 2000.0 && p99 < 100.0 && errors == 0;
    println!(
        "http {backend}: target >= 2,000 requests/s with p99 < 100 ms and no errors: {}",
        if met { "met" } else { "NOT met" }
    );
    // What was acknowledged is exactly what is stored, version by version.
    ensure!(
        acknowledged == stored.rows,
        "{backend}: {acknowledged} submissions acknowledged but {} rows stored",
        stored.rows
    );
    ensure!(
        stored.audit == stored.rows,
        "{backend}: {} audit entries for {} submissions",
        stored.audit,
        stored.rows
    );
    for (user, created) in &load.created_by_user {
        let (rows, top) = stored.by_user.get(user).copied().unwrap_or((0, 0));
        ensure!(
            rows == *created && top == *created,
            "{backend}: user {user} had {created} submissions acknowledged, {rows} rows, highest version {top}"
        );
    }
    Ok(())
}

async fn create_postgres_database(admin: &str) -> Result<(String, String)> {
    sqlx::any::install_default_drivers();
    let name = format!("pr_bench_http_{}", std::process::id());
    let pool = sqlx::AnyPool::connect(admin)
        .await
        .with_context(|| format!("connecting to {admin}"))?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&pool)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await?;
    pool.close().await;
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b)
        .context("the admin URL has no database part")?;
    Ok((format!("{base}/{name}"), name))
}

async fn drop_postgres_database(admin: &str, name: &str) -> Result<()> {
    let pool = sqlx::AnyPool::connect(admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&pool)
        .await?;
    pool.close().await;
    Ok(())
}
