//! Calendar feeds: the secret address each head, adviser and consultant
//! adds to Outlook or Google Calendar once, the panel on their year page
//! that makes or stops it, the SIM's page of everyone's, and the feed itself
//! (`/calendars/{token}.ics`, no session: calendar applications have none).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::availability::when;
use super::{render, see_other, Layout, Page, PageResult};
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::{AnyYear, SimYear};
use crate::AppState;
use app::feeds::{self, FeedLink};
use app::Role;

/// The pages: inside the pages' error layer.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/years/{year}/calendar-link", post(issue_mine))
        .route("/years/{year}/calendar-link/revoke", post(revoke_mine))
        .route("/years/{year}/calendar-links", get(everyone))
        .route("/years/{year}/calendar-links/{user}", post(issue_for))
        .route(
            "/years/{year}/calendar-links/{user}/revoke",
            post(revoke_for),
        )
}

/// The feed: answered as a calendar or a bare 404, never as a page.
pub fn public() -> Router<AppState> {
    Router::new().route("/calendars/{file}", get(feed))
}

/// The calendar panel of a person's year page.
pub struct FeedPanel {
    pub year_id: i64,
    /// When their live address was made, in words; `None` without one.
    pub live_since: Option<String>,
    /// Consultants' days have no dates yet: their calendar stays empty.
    pub no_dates: bool,
}

/// The panel for the signed-in person's year page.
pub async fn panel(state: &AppState, caller: &Caller, year_id: i64) -> PageResult<FeedPanel> {
    let year = app::AnyYear::check(&state.db, caller.clone(), year_id).await?;
    Ok(FeedPanel {
        year_id,
        live_since: feeds::mine(&state.db, &year).await?.map(when),
        no_dates: caller.role == Role::Consultant,
    })
}

#[derive(Template)]
#[template(path = "pages/feed_link.html")]
struct LinkPage {
    layout: Layout,
    year_id: i64,
    /// Whose calendar, when the SIM made it for someone.
    for_whom: Option<String>,
    link: FeedLink,
}

async fn issue_mine(
    State(state): State<AppState>,
    Page(year): Page<AnyYear>,
) -> PageResult<Response> {
    let link = feeds::issue_mine(&state.db, &year, &state.config.base_url).await?;
    // Shown once, on this page: only its hash is kept.
    render(&LinkPage {
        layout: Layout::new("Your calendar address", Some(&year.caller)),
        year_id: year.year.id,
        for_whom: None,
        link,
    })
}

async fn revoke_mine(
    State(state): State<AppState>,
    Page(year): Page<AnyYear>,
) -> PageResult<Response> {
    feeds::revoke_mine(&state.db, &year).await?;
    Ok(see_other(&format!("/years/{}#calendar", year.year.id)))
}

struct Row {
    user_id: i64,
    name: String,
    role: &'static str,
    live_since: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/feed_everyone.html")]
struct EveryonePage {
    layout: Layout,
    year_id: i64,
    year_name: String,
    rows: Vec<Row>,
}

async fn everyone(
    State(state): State<AppState>,
    Page(year): Page<SimYear>,
) -> PageResult<Response> {
    let rows = feeds::everyone(&state.db, &year)
        .await?
        .into_iter()
        .map(|p| Row {
            user_id: p.user_id,
            role: Role::parse(&p.role).map(super::role_label).unwrap_or(""),
            name: p.name,
            live_since: p.live_since.map(when),
        })
        .collect();
    render(&EveryonePage {
        layout: Layout::new(
            format!("Calendar feeds: {}", year.year.name),
            Some(&year.caller),
        ),
        year_id: year.year.id,
        year_name: year.year.name.clone(),
        rows,
    })
}

async fn issue_for(
    State(state): State<AppState>,
    Page(year): Page<SimYear>,
    Path((_, user_id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let (person, link) =
        feeds::issue_for(&state.db, &year, user_id, &state.config.base_url).await?;
    render(&LinkPage {
        layout: Layout::new(
            format!("Calendar address for {}", person.name),
            Some(&year.caller),
        ),
        year_id: year.year.id,
        for_whom: Some(person.name),
        link,
    })
}

async fn revoke_for(
    State(state): State<AppState>,
    Page(year): Page<SimYear>,
    Path((_, user_id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    feeds::revoke_for(&state.db, &year, user_id).await?;
    Ok(see_other(&format!(
        "/years/{}/calendar-links",
        year.year.id
    )))
}

/// `GET /calendars/{token}.ics`: the token alone decides whose calendar.
async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics").filter(|t| !t.is_empty()) else {
        return not_found();
    };
    let domain = feeds::uid_domain(&state.config.base_url);
    match feeds::calendar(&state.db, token, &domain).await {
        Ok(body) => {
            let mut r = (StatusCode::OK, body).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            // Personal: no shared cache keeps it, and the address (the key)
            // is not sent on as a referrer.
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            h.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
            r
        }
        Err(e) if e.kind == app::Kind::NotFound => not_found(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// The same answer for a malformed, unknown or revoked address.
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not found\n",
    )
        .into_response()
}
