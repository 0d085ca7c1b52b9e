//! Signing in and out through invitation links, the home page by role, and
//! the error page every other page falls back on.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;

use super::availability::long_date;
use super::{render, see_other, Layout, PageResult, Viewer};
use crate::auth::{self, Caller, MaybeCaller, Role};
use crate::error::AppError;
use crate::AppState;
use store::years::{self, YearSummary};

#[derive(Template)]
#[template(path = "pages/signed_out.html")]
struct SignedOutPage {
    layout: Layout,
    signed_in: bool,
    needed_for_page: bool,
    just_signed_out: bool,
}

#[derive(Deserialize)]
pub struct SignedOutQuery {
    /// The page a signed-out visitor asked for.
    from: Option<String>,
    /// Set after signing out.
    done: Option<String>,
}

/// `GET /sign-in`: there are no passwords; explains the invitation link.
pub async fn signed_out(
    MaybeCaller(caller): MaybeCaller,
    Query(q): Query<SignedOutQuery>,
) -> PageResult<Response> {
    render(&SignedOutPage {
        layout: Layout::new("Sign in", caller.as_ref()),
        signed_in: caller.is_some(),
        needed_for_page: q.from.is_some(),
        just_signed_out: q.done.is_some(),
    })
}

#[derive(Template)]
#[template(path = "pages/invite.html")]
struct InvitePage {
    layout: Layout,
    token: String,
}

/// `GET /invite/{token}`: only a button. The token is used up by the POST,
/// so that mail scanners that follow links do not spend it.
pub async fn invitation(
    MaybeCaller(caller): MaybeCaller,
    Path(token): Path<String>,
) -> PageResult<Response> {
    render(&InvitePage {
        layout: Layout::new("Sign in", caller.as_ref()),
        token,
    })
}

/// `POST /invite/{token}`: redeems the invitation, sets the session cookie.
pub async fn redeem(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    Path(token): Path<String>,
) -> PageResult<Response> {
    auth::from_this_site(&state, &headers)?;
    let session = auth::redeem_invitation(&state, &token).await?;
    let jar = jar.add(auth::session_cookie(&state, session.session_token));
    Ok((jar, see_other("/")).into_response())
}

/// `POST /sign-out`: ends the session and clears the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    jar: CookieJar,
) -> PageResult<Response> {
    auth::end_session(&state, &caller).await?;
    let jar = jar.remove(Cookie::build(auth::SESSION_COOKIE).path("/"));
    Ok((jar, see_other("/sign-in?done=1")).into_response())
}

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    layout: Layout,
    intro: &'static str,
    is_sim: bool,
    years: Vec<YearCard>,
}

struct YearCard {
    id: i64,
    name: String,
    window: String,
    deadline: String,
    links: Vec<Link>,
}

pub struct Link {
    pub href: String,
    pub text: String,
}

fn link(href: String, text: &str) -> Link {
    Link {
        href,
        text: text.to_string(),
    }
}

/// What each role does in a year, as links.
fn year_links(role: Role, y: &YearSummary) -> Vec<Link> {
    let id = y.id;
    match role {
        Role::Sim => vec![
            link(format!("/years/{id}"), "Dashboard"),
            link(format!("/years/{id}/writeups"), "Write-up status"),
            link(format!("/years/{id}/allocation"), "Consultants' allocation"),
        ],
        Role::Head => vec![
            link(
                format!("/years/{id}/availability"),
                "Give your availability",
            ),
            link(
                format!("/years/{id}/choices"),
                "Focus areas and grouping requests",
            ),
            link(format!("/years/{id}"), "Your group, dates and write-ups"),
        ],
        Role::Adviser => vec![link(
            format!("/years/{id}/availability"),
            "Give your availability",
        )],
        Role::Consultant => vec![],
    }
}

fn intro(role: Role) -> &'static str {
    match role {
        Role::Sim => "Run each programme year from its dashboard: availability returns, matching, the draft plan, publication, write-ups and consultants' days.",
        Role::Head => "Give the dates you can take part in reviews before the deadline. Once the plan is published you will find your group, your dates and the write-ups here.",
        Role::Adviser => "Give the dates you can support reviews before the deadline.",
        Role::Consultant => "The School Improvement Manager will send you the schools and days allocated to you.",
    }
}

/// `GET /`: what the signed-in person can do, year by year; the sign-in
/// hint for anyone else.
pub async fn home(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
) -> PageResult<Response> {
    let Some(caller) = caller else {
        return render(&SignedOutPage {
            layout: Layout::new("Peer review", None),
            signed_in: false,
            needed_for_page: false,
            just_signed_out: false,
        });
    };
    let years = years::list(&state.db).await?;
    let cards = years
        .iter()
        .map(|y| YearCard {
            id: y.id,
            name: y.name.clone(),
            window: format!(
                "{} to {}",
                y.first_day.format("%-d %B %Y"),
                y.last_day.format("%-d %B %Y")
            ),
            deadline: format!("Availability deadline: {}.", long_date(y.deadline)),
            links: year_links(caller.role, y),
        })
        .collect();
    render(&HomePage {
        layout: Layout::new(format!("Welcome, {}", caller.name), Some(&caller)),
        intro: intro(caller.role),
        is_sim: caller.role == Role::Sim,
        years: cards,
    })
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
    instead: String,
}

/// The page for an error: what went wrong and, for a refusal, what the
/// person may do instead.
pub fn error_page(caller: Option<&Caller>, err: &AppError) -> Response {
    let heading = match err.status {
        StatusCode::FORBIDDEN => "You cannot do this",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::UNAUTHORIZED => "Sign-in link not valid",
        StatusCode::CONFLICT => "Not possible now",
        s if s.is_server_error() => "Something went wrong",
        _ => "Please check and try again",
    };
    let instead = match (err.status, caller) {
        (StatusCode::FORBIDDEN, Some(c)) => format!(
            "You are signed in as {}, {}. {}",
            c.name,
            super::role_label(c.role),
            match c.role {
                Role::Sim => "You can run each year from its dashboard on your home page.",
                Role::Head => "You can give your availability, see your own group and dates, write up the reviews you lead and read your own school's write-up from your home page.",
                Role::Adviser => "You can give your availability from your home page.",
                Role::Consultant => "Your allocation comes from the School Improvement Manager.",
            }
        ),
        (StatusCode::UNAUTHORIZED, _) => "Ask the School Improvement Manager for a new invitation link.".into(),
        _ => String::new(),
    };
    let page = ErrorPage {
        layout: Layout::new(heading, caller),
        heading,
        message: super::views::sentence(&err.message),
        instead,
    };
    match page.render() {
        Ok(html) => (err.status, axum::response::Html(html)).into_response(),
        Err(e) => {
            tracing::error!(%e, "rendering the error page");
            (err.status, err.message.clone()).into_response()
        }
    }
}
