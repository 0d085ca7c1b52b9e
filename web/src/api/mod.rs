//! The JSON API. Every handler names its route in an `#[utoipa::path]` so
//! that `/api/openapi.json` lists every route with its bodies and errors.

pub mod availability;
mod doc;
pub mod head;
pub mod jobs;
pub mod sim;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use super::auth;
use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Peer review",
        description = "School-to-school peer review: availability, plans, write-ups and allocation. \
            Sign in by exchanging an invitation token at POST /api/session; send the session \
            token as `Authorization: Bearer`, or use the cookie and send `x-csrf-token` with changes."
    ),
    paths(
        auth::open_session,
        auth::close_session,
        auth::me,
        availability::get_own,
        availability::put_own,
    ),
    components(schemas(super::error::ErrorBody))
)]
pub struct ApiDoc;

/// The whole OpenAPI document: this module's paths and each part's own.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(sim::Doc::openapi());
    doc.merge(jobs::Doc::openapi());
    doc.merge(head::Doc::openapi());
    doc
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(sim::router())
        .merge(jobs::router())
        .merge(head::router())
        .route("/openapi.json", get(openapi))
        .route(
            "/session",
            axum::routing::post(auth::open_session).delete(auth::close_session),
        )
        .route("/me", get(auth::me))
        .route(
            "/years/{year}/availability",
            get(availability::get_own).put(availability::put_own),
        )
}

/// What a route that stores something answers: 201 with it as JSON.
pub struct Created<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, Json(self.0)).into_response()
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document())
}
