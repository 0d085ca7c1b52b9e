//! The SIM's dashboard of a year, and the background jobs started from it:
//! start (matching or allocation), a progress page that refreshes itself
//! every second until the job ends, and cancel.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::availability::{long_date, when};
use super::views::sentence;
use super::{render, see_other, Layout, PageResult, Viewer};
use crate::auth::Caller;
use crate::error::AppError;
use crate::AppState;
use report::words;
use store::jobs::{self, Job, JobKind, JobState};
use store::plans;

/// Jobs the dashboard lists.
const JOBS_SHOWN: i64 = 5;
/// Plan versions the dashboard lists (the published one is always listed).
const PLANS_SHOWN: usize = 20;

#[derive(Template)]
#[template(path = "pages/sim_dashboard.html")]
struct Dashboard {
    layout: Layout,
    year_id: i64,
    year_name: String,
    window: String,
    deadline: String,
    heads: Option<Returns>,
    advisers: Option<Returns>,
    plans: Vec<PlanRow>,
    older_plans: usize,
    jobs: Vec<JobRow>,
    matching_active: Option<i64>,
    allocation_active: Option<i64>,
    checklist: Vec<CheckRow>,
    rules_line: String,
    start_blocked: Option<String>,
    start_uses: String,
    start_warning: Option<String>,
    /// How many heads have been invited and signed in; None before any.
    invited_line: Option<String>,
}

/// One line of the year's checklist.
struct CheckRow {
    kind: &'static str,
    label: &'static str,
    about: &'static str,
    need: &'static str,
    loaded: Option<String>,
}

struct Returns {
    submitted: usize,
    of: usize,
    missing: Vec<String>,
}

struct PlanRow {
    version: i64,
    status: String,
    created: String,
}

struct JobRow {
    id: i64,
    kind: &'static str,
    state: &'static str,
    message: String,
    created: String,
}

fn job_row(j: &Job) -> JobRow {
    JobRow {
        id: j.id,
        kind: j.kind.as_str(),
        state: j.state.as_str(),
        message: j.message.clone(),
        created: when(j.created_at),
    }
}

/// `GET /years/{year}` for the SIM.
pub async fn dashboard(state: &AppState, caller: &Caller, year_id: i64) -> PageResult<Response> {
    let sim_year = app::SimYear::check(&state.db, caller.clone(), year_id).await?;
    let status = app::people::availability_status(&state.db, &sim_year).await?;
    let year = &sim_year.year;
    let heads = status.heads.map(|h| Returns {
        submitted: h.submitted,
        of: h.of,
        missing: h
            .missing
            .iter()
            .map(|m| {
                let who = m.head.clone().unwrap_or_else(|| "head not known".into());
                let invited = if m.invited { "" } else { "; not invited yet" };
                format!("{}: {who}{invited}", m.name)
            })
            .collect(),
    });
    let advisers = status.advisers.map(|a| Returns {
        submitted: a.submitted,
        of: a.of,
        missing: a
            .missing
            .iter()
            .map(|m| {
                let invited = if m.invited { "" } else { " (not invited yet)" };
                format!("{}{invited}", m.name)
            })
            .collect(),
    });
    let check = app::setup::checklist::of_year(&state.db, &sim_year).await?;
    let checklist = check
        .items
        .iter()
        .map(|i| CheckRow {
            kind: i.kind,
            label: i.label,
            about: i.about,
            need: i.need.words(),
            loaded: i.loaded.as_ref().map(|l| {
                format!(
                    "Loaded {}{}{}",
                    when(l.at),
                    l.rows.map(|n| format!(", {n} rows")).unwrap_or_default(),
                    if l.version > 1 {
                        format!(" (version {})", l.version)
                    } else {
                        String::new()
                    }
                )
            }),
        })
        .collect();
    let rules_line = match (check.rules_changed, check.rules_version) {
        (true, Some(v)) => format!("Some rules changed from their defaults (version {v})."),
        (true, None) => "Some rules changed from their defaults.".to_string(),
        (false, _) => "Every rule is at its default.".to_string(),
    };
    let (start_blocked, start_uses, start_warning) = match &check.start {
        app::setup::checklist::Start::Blocked(missing) => (
            Some(format!(
                "Matching cannot start yet: load {} first.",
                join_words(missing)
            )),
            String::new(),
            None,
        ),
        app::setup::checklist::Start::Ready(u) => {
            let mut parts = vec![count(u.schools as usize, "school", "schools")];
            if let Some(h) = u.heads {
                parts.push(count(h as usize, "headteacher", "headteachers"));
            }
            parts.push(match u.advisers {
                Some(a) => count(a as usize, "adviser", "advisers"),
                None => "no advisers (groups will have none)".to_string(),
            });
            parts.push(format!(
                "the dates of {} of {} heads and advisers",
                u.returns, u.of
            ));
            let warning = u.few.then(|| {
                format!(
                    "Only {} of {} heads and advisers have given their dates. Groups formed now \
                     may not be able to meet; you can still start, and match again later.",
                    u.returns, u.of
                )
            });
            (
                None,
                format!("Matching will use {}.", join_words(&parts)),
                warning,
            )
        }
    };
    // Every matching job adds a version: the page lists the newest and the
    // published one, and says how many older ones it leaves out.
    let all_plans = plans::list(&state.db, year_id).await?;
    let plans: Vec<PlanRow> = all_plans
        .iter()
        .enumerate()
        .filter(|(i, (_, status, _))| *i < PLANS_SHOWN || status == "published")
        .map(|(_, (version, status, created_at))| PlanRow {
            version: *version,
            status: status.clone(),
            created: when(*created_at),
        })
        .collect();
    let older_plans = all_plans.len() - plans.len();
    let recent = jobs::list(&state.db, year_id, JOBS_SHOWN).await?;
    let active = |kind: JobKind| {
        recent
            .iter()
            .find(|j| j.kind == kind && !j.state.is_final())
            .map(|j| j.id)
    };
    let heads_users: Vec<_> = store::people::list(&state.db)
        .await?
        .into_iter()
        .filter(|p| p.role == "head" && p.invited_at.is_some())
        .collect();
    let invited_line = (!heads_users.is_empty()).then(|| {
        let signed_in = heads_users.iter().filter(|p| p.signed_in).count();
        format!(
            "{} heads invited, {signed_in} signed in.",
            heads_users.len()
        )
    });
    render(&Dashboard {
        invited_line,
        layout: Layout::new(format!("Dashboard {}", year.name), Some(caller)),
        year_id,
        year_name: year.name.clone(),
        window: format!(
            "{} to {}",
            words::date(year.calendar.first),
            words::date(year.calendar.last)
        ),
        deadline: long_date(year.deadline),
        heads,
        advisers,
        plans,
        older_plans,
        matching_active: active(JobKind::Matching),
        allocation_active: active(JobKind::Allocation),
        jobs: recent.iter().map(job_row).collect(),
        checklist,
        rules_line,
        start_blocked,
        start_uses,
        start_warning,
    })
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "a, b and c".
fn join_words<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[derive(Deserialize)]
pub struct StartForm {
    kind: String,
}

/// `POST /years/{year}/jobs`: queues a job, then shows its progress. Where
/// one of the kind is already running, shows that one.
pub async fn start(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Path(year_id): Path<i64>,
    Form(form): Form<StartForm>,
) -> PageResult<Response> {
    caller.require_sim()?;
    let kind = JobKind::parse(&form.kind)
        .ok_or_else(|| AppError::bad_request(format!("{:?} is not a kind of job", form.kind)))?;
    let sim_year = app::SimYear::check(&state.db, caller, year_id).await?;
    match crate::jobs::start(&state.db, &sim_year, kind).await {
        Ok(job) => Ok(see_other(&format!("/years/{year_id}/jobs/{}", job.id))),
        Err(e) if e.kind == app::Kind::Conflict && e.code == "conflict" => {
            match jobs::active(&state.db, year_id, kind).await? {
                Some(job) => Ok(see_other(&format!("/years/{year_id}/jobs/{}", job.id))),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/job.html")]
struct JobPage {
    layout: Layout,
    year_id: i64,
    job: JobRow,
    running: bool,
    done: i64,
    total: i64,
    percent: i64,
    cancel_requested: bool,
    result_link: Option<(String, String)>,
    failed: bool,
}

/// `GET /years/{year}/jobs/{id}`: the live progress bar. The page reloads
/// itself every second (a meta refresh: no script needed) until the job
/// has ended.
pub async fn progress(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Path((year_id, id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let job = app::jobs::of_year(&state.db, &caller, year_id, id).await?;
    let percent = if job.progress_total > 0 {
        (100 * job.progress_done / job.progress_total).clamp(0, 100)
    } else {
        0
    };
    let result_link = match (job.state, job.kind, job.result_version) {
        (JobState::Succeeded, JobKind::Matching, Some(v)) => Some((
            format!("/years/{year_id}/plans/{v}"),
            format!("Open the draft plan (version {v})"),
        )),
        (JobState::Succeeded, JobKind::Allocation, _) => Some((
            format!("/years/{year_id}/allocation"),
            "Open the allocation".to_string(),
        )),
        _ => None,
    };
    render(&JobPage {
        layout: Layout::new(
            format!("{} job {}", sentence(job.kind.as_str()), job.id),
            Some(&caller),
        ),
        year_id,
        running: !job.state.is_final(),
        done: job.progress_done,
        total: job.progress_total,
        percent,
        cancel_requested: job.cancel_requested,
        result_link,
        failed: job.state == JobState::Failed,
        job: job_row(&job),
    })
}

/// `POST /years/{year}/jobs/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Path((year_id, id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    app::jobs::of_year(&state.db, &caller, year_id, id).await?;
    app::jobs::cancel(&state.db, &caller, id).await?;
    Ok(see_other(&format!("/years/{year_id}/jobs/{id}")))
}
