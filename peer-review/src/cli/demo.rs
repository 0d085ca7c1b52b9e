//! `peer-review demo`: the whole year on the sample authority in one
//! command, through the same storage and background jobs as the service.
//!
//! A fresh SQLite database; the year from `data/sample/calendar.toml`; the
//! sample's inputs stored as the SIM would upload them; a SIM, every head,
//! adviser and consultant invited; everyone's availability submitted (the
//! dates of `data/sample/availability.csv`, which `synth_schedule`
//! generated); then a matching job (groups, then dates) and an allocation
//! job, run by the service's job worker; the plan published; `report.html`
//! written; sign-in links printed; and the site served until Ctrl-C.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::Args;
use optimiser::allocate::Allocation;
use optimiser::model::{Adviser, School, Urn};
use optimiser::schedule::{Availability, Calendar, Person};
use optimiser::triads::Plan;
use tokio::net::TcpListener;

use super::output::write_atomic;
use super::serve::{create_sim, init_logs, instance_id};
use formats::calendar::read_calendar;
use formats::gias::{import_gias_file, ImportOptions};
use report::{self, Report};
use store::availability::{self, DateLevel};
use store::jobs::{self as job_store, allocations, Enqueued, Job, JobKind, JobState};
use store::people::{self, Invited, Invitee};
use store::years::{self, NewYear};
use store::{inputs, plans, Db};
use web::jobs::{self, problem::programme_year, Worker, WorkerConfig};
use web::{self, AppState, Config};

/// The demo's database, in the output folder; replaced by every run.
pub const DATABASE_FILE: &str = "peer-review-demo.db";
pub const REPORT_FILE: &str = "report.html";
/// The SIM the demo signs in as.
const SIM_NAME: &str = "Alex Morgan";
/// How long a job may take before the demo gives up (the sample takes seconds).
const JOB_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo database and report.html (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Where to serve the site afterwards (port 0: any free port).
    #[arg(long, env = "PEER_REVIEW_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Stop after the report: do not serve the site.
    #[arg(long)]
    pub no_serve: bool,
    /// The sample's folder (default: data/sample here, else in the source tree).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// What [`run_year`] needs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Folder for the database and the report.
    pub out: PathBuf,
    /// The sample's folder (see [`find_sample`]).
    pub data: PathBuf,
    /// How people reach the site, for the sign-in links.
    pub base_url: String,
}

/// A sign-in link and whose it is.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub who: String,
    pub link: String,
}

/// The year the demo ran, for printing and for tests.
#[derive(Debug, Clone)]
pub struct Demo {
    pub db: Db,
    pub database: PathBuf,
    pub report: PathBuf,
    pub year_id: i64,
    pub sim_id: i64,
    pub plan_version: i64,
    pub allocation_version: i64,
    /// Lines for the terminal: what was loaded, formed, dated and allocated.
    pub summary: Vec<String>,
    /// The SIM, a head, and a head who leads a review.
    pub sign_ins: Vec<SignIn>,
}

/// The sample's folder: `given`, else `data/sample` in the current
/// directory, else the one in the source tree this binary was built from.
pub fn find_sample(given: Option<&Path>) -> Result<PathBuf> {
    let has_sample = |p: &Path| p.join("schools.csv").is_file();
    if let Some(p) = given {
        if has_sample(p) {
            return Ok(p.to_path_buf());
        }
        bail!(
            "{} holds no schools.csv: not the sample's folder",
            p.display()
        );
    }
    let here = PathBuf::from("data/sample");
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample");
    for p in [&here, &built] {
        if has_sample(p) {
            // `peer-review/../data/sample` reads badly in messages.
            return Ok(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()));
        }
    }
    bail!(
        "cannot find the sample data: neither {} nor {} holds schools.csv; \
         run the demo from the repository, or pass --data DIR",
        std::env::current_dir()
            .unwrap_or_default()
            .join(&here)
            .display(),
        built.display()
    )
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let data = find_sample(args.data.as_deref())?;
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("."));
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(async {
            // Bind first: the sign-in links need the address actually bound.
            let listener = if args.no_serve {
                None
            } else {
                Some(
                    TcpListener::bind(&args.bind)
                        .await
                        .with_context(|| format!("cannot listen on {} (try --bind 127.0.0.1:0)", args.bind))?,
                )
            };
            let base_url = match &listener {
                Some(l) => format!("http://{}", l.local_addr()?),
                None => format!("http://{}", args.bind),
            };
            let started = Instant::now();
            let demo = run_year(&DemoOptions {
                out,
                data,
                base_url: base_url.clone(),
            })
            .await?;
            for line in &demo.summary {
                println!("{line}");
            }
            println!("done in {:.1} s", started.elapsed().as_secs_f64());
            println!();
            println!("Sign-in links (each works once; open them in different browsers or private windows):");
            for s in &demo.sign_ins {
                println!("  {}:\n    {}", s.who, s.link);
            }
            let Some(listener) = listener else {
                println!(
                    "\nTo serve the site: peer-review serve --database {} --bind {}",
                    demo.database.display(),
                    args.bind
                );
                return Ok(());
            };
            println!("\nServing {base_url} until Ctrl-C.");
            init_logs(false);
            serve(demo.db, listener, base_url).await
        })
}

/// Serves the site over the demo's database, with a job worker so that the
/// SIM can run matching and allocation again from the pages.
async fn serve(db: Db, listener: TcpListener, base_url: String) -> Result<()> {
    let state = AppState {
        db,
        config: Arc::new(Config {
            base_url,
            secure_cookies: false,
            instance_id: instance_id(),
            tiles: Some(web::tiles::Tiles::openstreetmap()),
            mail: None,
        }),
    };
    let worker = Worker::start(
        state.db.clone(),
        WorkerConfig::new(state.config.instance_id.clone()),
    );
    let served = web::serve(state, listener).await;
    worker.shutdown().await;
    served
}

/// The sample's files, read and checked before anything is stored.
struct Sample {
    schools: Vec<School>,
    heads: Vec<optimiser::model::Headteacher>,
    advisers: Vec<Adviser>,
    consultants: Vec<optimiser::model::Consultant>,
    history: Vec<optimiser::model::PastTriad>,
    sspb: Vec<(Urn, optimiser::model::SspbCategory)>,
    need: Vec<formats::inputs::NeedEntry>,
    last_allocations: Vec<formats::inputs::PastAllocation>,
    calendar: Calendar,
    availability: Availability,
}

impl Sample {
    fn read(dir: &Path) -> Result<Sample> {
        use formats::inputs as i;
        let f = |name: &str| dir.join(name);
        let import = import_gias_file(&f("schools.csv"), &ImportOptions::default())?;
        Ok(Sample {
            schools: import.schools,
            heads: i::read_heads(&f("heads.csv"))?,
            advisers: i::read_advisers(&f("advisers.csv"))?,
            consultants: i::read_consultants(&f("consultants.csv"))?,
            history: i::read_history(&f("history.csv"))?,
            sspb: i::read_sspb(&f("sspb.csv"))?,
            need: i::read_need(&f("need.csv"))?,
            last_allocations: i::read_last_allocations(&f("last_allocations.csv"))?,
            calendar: read_calendar(&f("calendar.toml"))?,
            availability: i::read_availability(&f("availability.csv"))?,
        })
    }
}

/// Runs the whole year into `opts.out`: database, jobs, report. Serves
/// nothing; [`run`] does that afterwards.
pub async fn run_year(opts: &DemoOptions) -> Result<Demo> {
    let sample = Sample::read(&opts.data)?;
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("cannot create {}", opts.out.display()))?;
    let out = std::fs::canonicalize(&opts.out).unwrap_or_else(|_| opts.out.clone());
    let database = out.join(DATABASE_FILE);
    let db = fresh_database(&database).await?;
    let mut summary = Vec::new();

    let sim_link = create_sim(&db, SIM_NAME, "", &opts.base_url).await?;
    let sim_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE role = 'sim'")
        .fetch_one(&db.read)
        .await?;
    let year_id = create_year(&db, &sample.calendar, sim_id).await?;
    store_inputs(&db, year_id, &sample, sim_id).await?;
    summary.push(format!(
        "loaded {}: {} schools, {} heads, {} advisers, {} consultants, {} past groups, {} needs",
        opts.data.display(),
        sample.schools.len(),
        sample.heads.len(),
        sample.advisers.len(),
        sample.consultants.len(),
        sample.history.len(),
        sample.need.len()
    ));
    let invited = invite_everyone(&db, &sample, sim_id, &opts.base_url).await?;
    let (people, dates, refused) = submit_availability(&db, year_id, &sample, &invited).await?;
    summary.push(format!(
        "availability: {people} people gave {dates} dates{}",
        match refused {
            0 => String::new(),
            n => format!(" ({n} refused by the calendar, as the site would)"),
        }
    ));

    // The same path as the SIM's buttons: queue a job, a worker runs it.
    let worker = Worker::start(db.clone(), WorkerConfig::new(instance_id()));
    let matching = run_job(&db, year_id, JobKind::Matching, sim_id).await;
    let allocation = match &matching {
        Ok(_) => run_job(&db, year_id, JobKind::Allocation, sim_id).await,
        Err(_) => Err(anyhow::anyhow!("not run")),
    };
    worker.shutdown().await;
    let matching = matching?;
    let allocation = allocation?;
    let plan_version = matching
        .result_version
        .context("the matching job stored no plan")?;
    // The SIM's check before publishing, then publishing, as on the site.
    let year = years::load(&db, year_id)
        .await?
        .context("the year vanished")?;
    let draft = plans::get(&db, year_id, plan_version)
        .await?
        .context("the matching job's plan vanished")?;
    if let Some(broken) = plans::violations(&db, &year, &draft.plan).await? {
        anyhow::ensure!(
            broken.is_empty(),
            "plan {plan_version} breaks rules, so it was not published: {}",
            broken.join("; ")
        );
    }
    anyhow::ensure!(
        plans::publish(&db, year_id, plan_version, sim_id).await?,
        "plan {plan_version} could not be published"
    );
    let allocation_version = allocation
        .result_version
        .context("the allocation job stored no allocation")?;

    let plan = plans::latest(&db, year_id, "published")
        .await?
        .context("no published plan")?
        .plan;
    let allocated = allocations::latest(&db, year_id)
        .await?
        .context("no allocation stored")?
        .allocation;
    let stored_availability = inputs::year_availability(&db, year_id).await?;
    let share = report::preferred_share(&plan, &stored_availability);
    summary.extend(plan_summary(&plan, plan_version, share));
    summary.extend(allocation_summary(&allocated));

    let title = report::title(&sample.schools, &year.name);
    let html = report::report_html(&Report {
        title: &title,
        plan: &plan,
        preferred_share: share,
        schools: &sample.schools,
        advisers: &sample.advisers,
        allocation: Some(&allocated),
    })
    .map_err(|e| anyhow::anyhow!("rendering the report: {e}"))?;
    let report_path = out.join(REPORT_FILE);
    write_atomic(&report_path, html.as_bytes())?;
    summary.push(format!(
        "report: {} (open it in a browser; it needs no network)",
        report_path.display()
    ));
    summary.push(format!("database: {}", database.display()));

    let mut sign_ins = vec![SignIn {
        who: format!("{SIM_NAME}, School Improvement Manager"),
        link: sim_link,
    }];
    sign_ins.extend(head_sign_ins(&plan, &sample.schools, &invited));
    Ok(Demo {
        db,
        database,
        report: report_path,
        year_id,
        sim_id,
        plan_version,
        allocation_version,
        summary,
        sign_ins,
    })
}

/// Opens a new, empty demo database, replacing the one an earlier run left.
async fn fresh_database(path: &Path) -> Result<Db> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot replace the old demo database {}", path.display())
                })
            }
        }
    }
    Db::connect(&path.display().to_string()).await
}

/// The year of the sample's calendar. Availability stays open for a
/// fortnight from today (within the window), so that heads signing in to
/// the served demo can still change their dates.
async fn create_year(db: &Db, calendar: &Calendar, sim_id: i64) -> Result<i64> {
    let start = programme_year(calendar);
    let deadline = (years::today() + chrono::Days::new(14))
        .min(calendar.last)
        .max(calendar.first);
    let year = NewYear {
        name: format!("{start}-{:02}", (start + 1) % 100),
        calendar: calendar.clone(),
        deadline,
        rules: String::new(),
    };
    app::years::check_new_year(&year)
        .map_err(|e| anyhow::anyhow!("the sample's calendar: {}", e.message))?;
    years::create(db, &year, sim_id).await
}

/// Every input of the sample as one upload each, in one transaction.
async fn store_inputs(db: &Db, year_id: i64, s: &Sample, sim_id: i64) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let by = Some(sim_id);
    let n = |len: usize, what: &str| format!("{len} {what}");
    inputs::store(
        &mut tx,
        year_id,
        "schools",
        "schools.csv",
        &s.schools,
        by,
        &n(s.schools.len(), "schools"),
    )
    .await?;
    inputs::store(
        &mut tx,
        year_id,
        "heads",
        "heads.csv",
        &s.heads,
        by,
        &n(s.heads.len(), "heads"),
    )
    .await?;
    inputs::store(
        &mut tx,
        year_id,
        "advisers",
        "advisers.csv",
        &s.advisers,
        by,
        &n(s.advisers.len(), "advisers"),
    )
    .await?;
    inputs::store(
        &mut tx,
        year_id,
        "consultants",
        "consultants.csv",
        &s.consultants,
        by,
        &n(s.consultants.len(), "consultants"),
    )
    .await?;
    inputs::store(
        &mut tx,
        year_id,
        "history",
        "history.csv",
        &s.history,
        by,
        &n(s.history.len(), "rows"),
    )
    .await?;
    inputs::store(
        &mut tx,
        year_id,
        "sspb",
        "sspb.csv",
        &s.sspb,
        by,
        &n(s.sspb.len(), "schools"),
    )
    .await?;
    inputs::store(
        &mut tx,
        year_id,
        "need",
        "need.csv",
        &s.need,
        by,
        &n(s.need.len(), "needs"),
    )
    .await?;
    inputs::store(
        &mut tx,
        year_id,
        "last_allocations",
        "last_allocations.csv",
        &s.last_allocations,
        by,
        &n(s.last_allocations.len(), "rows"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Users for every head, adviser and consultant, each with a sign-in link.
async fn invite_everyone(db: &Db, s: &Sample, sim_id: i64, base_url: &str) -> Result<Vec<Invited>> {
    let mut list: Vec<Invitee> = s
        .heads
        .iter()
        .map(|h| Invitee {
            role: "head",
            name: h.name.clone(),
            email: h.email.clone(),
            urn: Some(h.school.to_string()),
            ext_id: None,
        })
        .collect();
    list.extend(s.advisers.iter().map(|a| Invitee {
        role: "adviser",
        name: a.name.clone(),
        email: String::new(),
        urn: None,
        ext_id: Some(a.id.clone()),
    }));
    list.extend(s.consultants.iter().map(|c| Invitee {
        role: "consultant",
        name: c.name.clone(),
        email: String::new(),
        urn: None,
        ext_id: Some(c.id.clone()),
    }));
    people::invite(db, &list, sim_id, base_url).await
}

/// Each head's and adviser's dates, submitted as they would submit them on
/// the site: checked against the year's calendar first, so that a date the
/// site would refuse (a school's INSET day, say) is left out. Returns
/// (people, dates stored, dates refused).
async fn submit_availability(
    db: &Db,
    year_id: i64,
    s: &Sample,
    invited: &[Invited],
) -> Result<(usize, usize, usize)> {
    let year = years::load(db, year_id)
        .await?
        .context("the year vanished")?;
    let user: HashMap<(&str, &str), i64> = invited
        .iter()
        .filter_map(|i| {
            let key = i.urn.as_deref().or(i.ext_id.as_deref())?;
            Some(((i.role.as_str(), key), i.user_id))
        })
        .collect();
    let (mut people, mut stored, mut refused) = (0, 0, 0);
    for (person, dates) in &s.availability.people {
        let (role, key, urn) = match person {
            Person::Head(u) => ("head", u.to_string(), Some(u.to_string())),
            Person::Adviser(id) => ("adviser", id.clone(), None),
        };
        let Some(&user_id) = user.get(&(role, key.as_str())) else {
            bail!("availability.csv: {person} is not among the sample's heads and advisers");
        };
        let mut ok = Vec::new();
        for (&date, &level) in dates {
            let d = DateLevel { date, level };
            if app::availability::check(&year, urn.as_deref(), std::slice::from_ref(&d)).is_ok() {
                ok.push(d);
            } else {
                refused += 1;
            }
        }
        stored += ok.len();
        people += 1;
        availability::submit(db, year_id, user_id, &ok).await?;
    }
    Ok((people, stored, refused))
}

/// Queues a job as the SIM would and waits for the worker to end it.
async fn run_job(db: &Db, year_id: i64, kind: JobKind, sim_id: i64) -> Result<Job> {
    let job = match job_store::enqueue(db, year_id, kind, Some(sim_id)).await? {
        Enqueued::New(j) | Enqueued::Busy(j) => j,
    };
    jobs::wake();
    let started = Instant::now();
    loop {
        let now = job_store::get(db, job.id)
            .await?
            .with_context(|| format!("{kind} job {} vanished", job.id))?;
        match now.state {
            JobState::Succeeded => return Ok(now),
            JobState::Failed | JobState::Cancelled => {
                bail!(
                    "the {kind} job ended {}: {}",
                    now.state.as_str(),
                    now.message
                )
            }
            JobState::Queued | JobState::Running => {}
        }
        if started.elapsed() > JOB_TIMEOUT {
            bail!(
                "the {kind} job has not finished in {} s: {}",
                JOB_TIMEOUT.as_secs(),
                now.message
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn plan_summary(plan: &Plan, version: i64, share: Option<f64>) -> Vec<String> {
    let s = &plan.stats;
    let reviews: usize = plan.triads.iter().map(|t| t.reviews.len()).sum();
    let dated = plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter())
        .filter(|r| r.start.is_some())
        .count();
    vec![
        format!(
            "plan {version} published: {} groups ({} of four) placing {} of {} schools; {} left out",
            s.groups,
            s.groups_of_four,
            s.placed,
            s.schools,
            plan.unplaced.len()
        ),
        format!(
            "grouping: objective {:.2}, lower bound {:.2}, gap {}",
            s.objective,
            s.lower_bound,
            report::words::percent(s.gap)
        ),
        format!(
            "reviews: {dated} of {reviews} dated{}",
            share.map_or(String::new(), |x| format!(
                ", {} of person-days on preferred dates",
                report::words::percent(x)
            ))
        ),
    ]
}

fn allocation_summary(a: &Allocation) -> Vec<String> {
    let tiers: Vec<String> = a
        .stats
        .coverage_by_tier
        .iter()
        .filter(|(_, t)| t.demand > 0)
        .map(|(tier, t)| {
            format!(
                "tier {tier} {}",
                report::words::percent(t.allocated as f64 / t.demand as f64)
            )
        })
        .collect();
    vec![format!(
        "allocation: {} consultant days in {} lines; coverage {}; gap {}",
        a.cost.days,
        a.allocations.len(),
        if tiers.is_empty() {
            "nothing asked".to_string()
        } else {
            tiers.join(", ")
        },
        report::words::percent(a.stats.gap)
    )]
}

/// Links for the host of the earliest dated review and for the head who
/// leads it: both sides of one review.
fn head_sign_ins(plan: &Plan, schools: &[School], invited: &[Invited]) -> Vec<SignIn> {
    let name: HashMap<Urn, &str> = schools.iter().map(|s| (s.urn, s.name.as_str())).collect();
    let link = |urn: Urn| {
        invited
            .iter()
            .find(|i| i.role == "head" && i.urn.as_deref() == Some(urn.to_string().as_str()))
    };
    let first: Option<(NaiveDate, &optimiser::triads::plan::Review, &str)> = plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter().map(move |r| (t, r)))
        .filter_map(|(t, r)| Some((r.start?, r, t.id.as_str())))
        .min_by_key(|(d, r, _)| (*d, r.host));
    let Some((date, review, group)) = first else {
        return Vec::new();
    };
    let school = |u: Urn| name.get(&u).copied().unwrap_or("a school").to_string();
    let mut out = Vec::new();
    if let Some(h) = link(review.host) {
        out.push(SignIn {
            who: format!(
                "{}, head of {} (group {}; their school is reviewed on {})",
                h.name,
                school(review.host),
                report::words::group_number(group),
                report::words::date(date)
            ),
            link: h.link.clone(),
        });
    }
    if let Some(l) = link(review.lead) {
        out.push(SignIn {
            who: format!(
                "{}, head of {}, lead reviewer of {} on {}",
                l.name,
                school(review.lead),
                school(review.host),
                report::words::date(date)
            ),
            link: l.link.clone(),
        });
    }
    out
}
