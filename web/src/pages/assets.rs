//! The pages' stylesheet and small scripts, and Leaflet 1.9.4 (BSD 2-Clause,
//! `web/vendor/leaflet/LICENSE`) for the plan's map, served from the binary so
//! that a deployment is one file and the map needs no third-party script.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

const SITE_CSS: &str = include_str!("static/site.css");
const CALENDAR_JS: &str = include_str!("static/calendar.js");
const PLAN_MAP_JS: &str = include_str!("static/plan-map.js");
const LEAFLET_JS: &str = include_str!("../../vendor/leaflet/leaflet.js");
const LEAFLET_CSS: &str = include_str!("../../vendor/leaflet/leaflet.css");
/// The images `leaflet.css` names, by the path it names them with.
const LEAFLET_IMAGES: [(&str, &[u8]); 5] = [
    (
        "layers.png",
        include_bytes!("../../vendor/leaflet/images/layers.png"),
    ),
    (
        "layers-2x.png",
        include_bytes!("../../vendor/leaflet/images/layers-2x.png"),
    ),
    (
        "marker-icon.png",
        include_bytes!("../../vendor/leaflet/images/marker-icon.png"),
    ),
    (
        "marker-icon-2x.png",
        include_bytes!("../../vendor/leaflet/images/marker-icon-2x.png"),
    ),
    (
        "marker-shadow.png",
        include_bytes!("../../vendor/leaflet/images/marker-shadow.png"),
    ),
];

/// The text assets: their address, type and text.
const TEXTS: [(&str, &str, &str); 5] = [
    ("/static/site.css", "text/css", SITE_CSS),
    ("/static/calendar.js", "text/javascript", CALENDAR_JS),
    ("/static/plan-map.js", "text/javascript", PLAN_MAP_JS),
    ("/static/leaflet/leaflet.js", "text/javascript", LEAFLET_JS),
    ("/static/leaflet/leaflet.css", "text/css", LEAFLET_CSS),
];

pub fn router() -> Router<AppState> {
    let mut r = Router::new();
    for (path, content_type, text) in TEXTS {
        r = r.route(path, get(move || async move { asset(content_type, text) }));
    }
    for (name, bytes) in LEAFLET_IMAGES {
        r = r.route(
            &format!("/static/leaflet/images/{name}"),
            get(move || async move { image(bytes) }),
        );
    }
    r
}

fn image(body: &'static [u8]) -> Response {
    cached(HeaderValue::from_static("image/png"), body)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let content_type = HeaderValue::from_str(&format!("{content_type}; charset=utf-8"))
        .unwrap_or(HeaderValue::from_static("text/plain"));
    cached(content_type, body)
}

/// An asset with its type, kept by browsers for an hour: a new release is
/// picked up the same day.
fn cached(content_type: HeaderValue, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}
