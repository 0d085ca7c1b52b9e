//! The pages' stylesheet and the one small script, served from the binary so
//! that a deployment is one file.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

const SITE_CSS: &str = include_str!("static/site.css");
const CALENDAR_JS: &str = include_str!("static/calendar.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/static/site.css",
            get(|| async { asset("text/css", SITE_CSS) }),
        )
        .route(
            "/static/calendar.js",
            get(|| async { asset("text/javascript", CALENDAR_JS) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&format!("{content_type}; charset=utf-8"))
                    .unwrap_or(HeaderValue::from_static("text/plain")),
            ),
            // An hour: a new release is picked up the same day.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}
