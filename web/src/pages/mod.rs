//! Pages for people: server-rendered HTML (askama templates in
//! `templates/pages/`), usable without JavaScript, by keyboard and on a phone.
//!
//! Handlers are as thin as the API's: they call the same `app` use cases the
//! API calls (and `store` for plain reads), and render a template.
//! Errors go through [`PageError`]: the `render_errors` layer turns them into
//! a page saying what went wrong and what the person may do instead, and
//! sends a signed-out visitor to the page explaining invitation links.

mod assets;
mod availability;
mod calendar;
mod feeds;
mod followup;
mod head;
mod inputs;
mod mail;
mod plan;
pub(crate) mod session;
mod setup;
mod sim;
mod views;
mod writeup;
mod year;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::{Caller, Role};
use crate::error::AppError;
use crate::extract::Signed;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(session::home))
        .route("/sign-in", get(session::signed_out))
        .route(
            "/invite/{token}",
            get(session::invitation).post(session::redeem),
        )
        .route("/sign-out", post(session::sign_out))
        .route("/years/{year}", get(year::show))
        .route(
            "/years/{year}/availability",
            get(availability::show).post(availability::save),
        )
        .route(
            "/years/{year}/choices",
            get(head::choices_form).post(head::save_choices),
        )
        .route("/years/{year}/sharing", post(head::save_sharing))
        .route(
            "/years/{year}/reviews/{host}/writeup",
            get(writeup::show).post(writeup::save),
        )
        .route("/years/{year}/jobs", post(sim::start))
        .route("/years/{year}/jobs/{id}", get(sim::progress))
        .route("/years/{year}/jobs/{id}/cancel", post(sim::cancel))
        .route("/years/{year}/plans/{version}", get(plan::show))
        .route("/years/{year}/plans/{version}/report", get(plan::report))
        .route(
            "/years/{year}/plans/{version}/publish",
            get(plan::confirm_publish).post(plan::publish),
        )
        .route("/years/{year}/hand", post(plan::change_hand))
        .route("/years/{year}/writeups", get(followup::writeups))
        .route("/years/{year}/allocation", get(followup::allocation))
        .merge(inputs::router())
        .merge(setup::router())
        .merge(feeds::pages())
        .merge(mail::router())
        .route(
            "/years/{year}/allocation/xlsx",
            get(followup::allocation_xlsx),
        )
        .layer(middleware::from_fn(render_errors))
        // Outside the error layer: assets never fail and need no page headers.
        .merge(assets::router())
        // Outside too: calendar applications get a calendar or a bare 404.
        .merge(feeds::public())
}

/// An error a page handler returns; rendered as a page by `render_errors`.
#[derive(Debug)]
pub struct PageError(pub AppError);

pub type PageResult<T> = Result<T, PageError>;

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        // The layer renders it with the visitor's own links; the body here
        // is only what a client sees if the layer is ever bypassed.
        let mut r = (self.0.status, self.0.message.clone()).into_response();
        r.extensions_mut().insert(RenderError(self.0));
        r
    }
}

#[derive(Debug, Clone)]
struct RenderError(AppError);

/// Turns `PageError`s into pages, and marks every page as not to be cached:
/// pages show availability and write-ups, which are personal.
async fn render_errors(request: Request, next: Next) -> Response {
    let caller = request.extensions().get::<Caller>().cloned();
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    if let Some(RenderError(err)) = response.extensions_mut().remove::<RenderError>() {
        response = if err.code == "unauthorized" {
            Redirect::to(&format!("/sign-in?from={}", urlencode(&path))).into_response()
        } else {
            session::error_page(caller.as_ref(), &err)
        };
    }
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    // A page with the web map names the tile server it loads images from.
    let tiles = response
        .extensions_mut()
        .remove::<TileOrigin>()
        .map(|t| format!(" {}", t.0))
        .unwrap_or_default();
    // Scripts and styles from this site only; inline styles stay allowed
    // for the SVG map's attributes and Leaflet's positioning. No framing
    // (click-jacking).
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:{tiles}; frame-ancestors 'none'; form-action 'self'"
    );
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        )),
    );
    response
}

/// A posted form's fields as the handlers read them, for their tests.
#[cfg(test)]
pub(crate) fn form_fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Set on a page's response by a handler that shows the web map: the tile
/// server's origin (checked by `tiles::Tiles::parse`) for the CSP's img-src.
#[derive(Debug, Clone)]
pub struct TileOrigin(pub String);

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|q| q.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// The signed-in person of a page; a signed-out visit is sent to the page
/// that explains invitation links.
pub struct Viewer(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Signed(caller) = Signed::from_request_parts(parts, state).await?;
        Ok(Viewer(caller))
    }
}

/// One of the API's extractors (`crate::extract`: `SimYear`, `HeadYear`,
/// `AnyYear`) on a page: the same checks in the same order, its refusal
/// rendered as a page and a signed-out visitor sent to sign in.
pub struct Page<T>(pub T);

impl<T> FromRequestParts<AppState> for Page<T>
where
    T: FromRequestParts<AppState, Rejection = AppError>,
{
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        T::from_request_parts(parts, state)
            .await
            .map(Page)
            .map_err(PageError)
    }
}

/// What every page's frame shows: the title and who is signed in.
pub struct Layout {
    pub title: String,
    pub user: Option<UserBar>,
    /// The session's CSRF token, for every form (empty when signed out).
    pub csrf: String,
}

pub struct UserBar {
    pub name: String,
    pub role: &'static str,
}

impl Layout {
    pub fn new(title: impl Into<String>, caller: Option<&Caller>) -> Layout {
        Layout {
            title: title.into(),
            user: caller.map(|c| UserBar {
                name: c.name.clone(),
                role: role_label(c.role),
            }),
            csrf: caller.map(|c| c.csrf_token.clone()).unwrap_or_default(),
        }
    }
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Sim => "School Improvement Manager",
        Role::Head => "headteacher",
        Role::Adviser => "external adviser",
        Role::Consultant => "consultant",
    }
}

/// Renders a template as a 200 page.
pub fn render<T: askama::Template>(t: &T) -> PageResult<Response> {
    render_with(StatusCode::OK, t)
}

pub fn render_with<T: askama::Template>(status: StatusCode, t: &T) -> PageResult<Response> {
    let html = t.render().map_err(|e| AppError::internal("template", e))?;
    Ok((status, Html(html)).into_response())
}

/// A page that may show a refusal of what was sent: 400 when it does, so
/// that the form's answer says it was not taken.
pub fn render_refused<T: askama::Template>(refused: bool, t: &T) -> PageResult<Response> {
    let status = if refused {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_with(status, t)
}

/// After a successful form: back to a page with GET (so reloading does not
/// post again).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}
