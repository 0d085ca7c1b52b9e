//! After publication, for the SIM: where each write-up stands (overdue ones
//! marked), and the consultants' allocation with a button to run it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::availability::when;
use super::views::{dates_text, school_name, school_text};
use super::{render, Layout, Page, PageResult};
use crate::download::download;
use crate::extract::SimYear;
use crate::AppState;
use report::words;

#[derive(Template)]
#[template(path = "pages/writeups.html")]
struct WriteupsPage {
    layout: Layout,
    year_id: i64,
    summary: Option<String>,
    rows: Vec<StatusRow>,
    note: Option<String>,
    estimates: app::head::status::EstimatesInAggregate,
}

struct StatusRow {
    group: String,
    host_urn: String,
    host: String,
    lead: String,
    dates: String,
    status: String,
    due: String,
    overdue: bool,
}

/// `GET /years/{year}/writeups`: the SIM's view of every write-up's status.
pub async fn writeups(
    State(state): State<AppState>,
    Page(sy): Page<SimYear>,
) -> PageResult<Response> {
    let year = &sy.year;
    let list = app::head::status::writeup_status(&state.db, &sy).await;
    let (summary, rows, note) = match list {
        Ok(l) => (
            Some(format!(
                "Plan version {}: {} of {} write-ups submitted, {} overdue (due {} days after the review's last day).",
                l.plan_version,
                l.submitted,
                l.reviews.len(),
                l.overdue,
                l.due_days
            )),
            l.reviews
                .iter()
                .map(|r| StatusRow {
                    group: r.group_id.clone(),
                    host_urn: r.host.urn.clone(),
                    host: school_name(&r.host),
                    lead: school_text(&r.lead),
                    dates: dates_text(&r.dates),
                    status: match (r.status.as_str(), r.latest_version, r.last_saved_at) {
                        ("none", _, _) => "Nothing saved".to_string(),
                        (s, Some(v), Some(at)) => format!(
                            "{} (version {v}, {})",
                            if s == "submitted" { "Submitted" } else { "Draft" },
                            when(at)
                        ),
                        (s, _, _) => s.to_string(),
                    },
                    due: r.due.map(words::date).unwrap_or_else(|| "when dated".into()),
                    overdue: r.overdue,
                })
                .collect(),
            None,
        ),
        Err(e) if e.kind == app::Kind::NotFound => (None, vec![], Some(super::views::sentence(&e.message))),
        Err(e) => return Err(e.into()),
    };
    let estimates = app::head::status::estimates_in_aggregate(&state.db, &sy).await?;
    render(&WriteupsPage {
        layout: Layout::new(format!("Write-ups {}", year.name), Some(&sy.caller)),
        year_id: sy.year.id,
        summary,
        rows,
        note,
        estimates,
    })
}

#[derive(Template)]
#[template(path = "pages/allocation.html")]
struct AllocationPage {
    layout: Layout,
    year_id: i64,
    summary: Option<String>,
    schools: Vec<report::allocation::SchoolView>,
    consultants: Vec<report::allocation::ConsultantView>,
}

/// `GET /years/{year}/allocation`: the latest allocation, by consultant and
/// by school in order of need.
pub async fn allocation(
    State(state): State<AppState>,
    Page(sim_year): Page<SimYear>,
) -> PageResult<Response> {
    let year = &sim_year.year;
    let latest = match app::jobs::latest_allocation(&state.db, &sim_year).await {
        Ok(latest) => Some(latest),
        Err(e) if e.kind == app::Kind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let (summary, schools, consultants) = match &latest {
        None => (None, vec![], vec![]),
        Some(v) => {
            let a = &v.allocation;
            let given: u32 = a.schools.iter().map(|s| s.allocated).sum();
            let owed: u32 = a.schools.iter().map(|s| s.entitlement).sum();
            (
                Some(format!(
                    "Version {}, made {}: {given} of {owed} entitled days given to {} schools; cost {}.",
                    v.version,
                    when(v.created_at),
                    a.schools.iter().filter(|s| s.allocated > 0).count(),
                    words::pounds(a.cost.total)
                )),
                report::allocation::by_school(a),
                report::allocation::by_consultant(a),
            )
        }
    };
    render(&AllocationPage {
        layout: Layout::new(
            format!("Consultants' allocation {}", year.name),
            Some(&sim_year.caller),
        ),
        year_id: sim_year.year.id,
        summary,
        schools,
        consultants,
    })
}

/// `GET /years/{year}/allocation/xlsx`: the latest allocation as a workbook.
pub async fn allocation_xlsx(
    State(state): State<AppState>,
    Page(sim_year): Page<SimYear>,
) -> PageResult<Response> {
    let file = app::plans::allocation_xlsx(&state.db, &sim_year).await?;
    Ok(download(file))
}
