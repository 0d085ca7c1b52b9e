//! `/years/{year}`: one address per year, its page chosen by role (the
//! SIM's dashboard, a head's year), and the short pages of advisers and
//! consultants.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::head::{self, ReviewRow, YearQuery};
use super::views::{dates_text, school_names};
use super::{render, sim, Layout, PageResult, Viewer};
use crate::auth::{Caller, Role};
use crate::AppState;
use app::caller::year_or_404;
use report::words;
use store::{availability, inputs};

pub async fn show(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Path(year_id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> PageResult<Response> {
    match caller.role {
        Role::Sim => sim::dashboard(&state, &caller, year_id).await,
        Role::Head => head::year_page(&state, &caller, year_id, q).await,
        Role::Adviser => adviser_page(&state, &caller, year_id).await,
        Role::Consultant => consultant_page(&state, &caller, year_id).await,
    }
}

#[derive(Template)]
#[template(path = "pages/adviser_year.html")]
struct AdviserPage {
    layout: Layout,
    year_id: i64,
    year_name: String,
    availability: Option<String>,
    groups: Vec<(String, Vec<ReviewRow>)>,
    note: Option<String>,
    feed: super::feeds::FeedPanel,
}

async fn adviser_page(state: &AppState, caller: &Caller, year_id: i64) -> PageResult<Response> {
    let year = year_or_404(&state.db, year_id).await?;
    let availability = availability::current(&state.db, year_id, caller.user_id)
        .await?
        .map(|s| super::calendar::summary(&s.dates));
    let (groups, note) = match app::head::group::my_assignments(&state.db, caller, year_id).await {
        Ok(a) => (
            a.groups
                .iter()
                .map(|g| {
                    (
                        format!(
                            "{}: {}",
                            words::group(&g.group_id),
                            school_names(&g.schools)
                        ),
                        g.reviews
                            .iter()
                            .map(|r| ReviewRow::new(r, dates_text(&r.dates)))
                            .collect(),
                    )
                })
                .collect(),
            None,
        ),
        Err(e) if e.kind == app::Kind::NotFound => {
            (vec![], Some(super::views::sentence(&e.message)))
        }
        Err(e) => return Err(e.into()),
    };
    render(&AdviserPage {
        layout: Layout::new(format!("Peer review {}", year.name), Some(caller)),
        year_id,
        year_name: year.name.clone(),
        availability,
        groups,
        note,
        feed: super::feeds::panel(state, caller, year_id).await?,
    })
}

#[derive(Template)]
#[template(path = "pages/consultant_year.html")]
struct ConsultantPage {
    layout: Layout,
    year_name: String,
    version: Option<i64>,
    rows: Vec<(String, String, u32)>,
    feed: super::feeds::FeedPanel,
}

async fn consultant_page(state: &AppState, caller: &Caller, year_id: i64) -> PageResult<Response> {
    let year = year_or_404(&state.db, year_id).await?;
    let mine = match app::jobs::my_allocation(&state.db, caller, year_id).await {
        Ok(mine) => Some(mine),
        Err(e) if e.kind == app::Kind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let names: std::collections::HashMap<String, String> =
        inputs::latest::<Vec<optimiser::model::School>>(&state.db, year_id, "schools")
            .await?
            .map(|s| {
                s.data
                    .into_iter()
                    .map(|s| (s.urn.to_string(), s.name))
                    .collect()
            })
            .unwrap_or_default();
    let rows = mine
        .iter()
        .flat_map(|m| m.assignments.iter())
        .map(|a| {
            let urn = a.urn.to_string();
            (
                names.get(&urn).cloned().unwrap_or(format!("URN {urn}")),
                words::area(a.area),
                a.days,
            )
        })
        .collect();
    render(&ConsultantPage {
        layout: Layout::new(format!("Peer review {}", year.name), Some(caller)),
        year_name: year.name.clone(),
        version: mine.as_ref().map(|m| m.allocation_version),
        rows,
        feed: super::feeds::panel(state, caller, year_id).await?,
    })
}
