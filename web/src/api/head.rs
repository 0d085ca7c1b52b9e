//! What heads, lead reviewers and advisers do through the API: a head's own
//! school and choices, their group once the plan is published, the sharing
//! of their write-up; the lead's write-up of the review they lead; an
//! adviser's groups; and the SIM's view of where the write-ups stand.
//!
//! Every handler first checks who asks and for what: a head only ever reads
//! or changes their own school's things, and a write-up is read only as its
//! host chose (see `writeup`).

mod access;
mod choices;
mod group;
mod school;
mod sharing;
mod status;
mod writeup;

use axum::extract::rejection::JsonRejection;
use axum::routing::{get, post};
use axum::{Json, Router};
use optimiser::model::Urn;

use crate::error::{AppError, AppResult};
use crate::AppState;
use store::plans::{self, PlanVersion};

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    school::my_school,
    choices::get_choices,
    choices::put_choices,
    group::my_group,
    group::my_assignments,
    sharing::get_sharing,
    sharing::put_sharing,
    writeup::get_writeup,
    writeup::put_writeup,
    writeup::submit_writeup,
    writeup::list_versions,
    status::writeup_status,
))]
pub struct Doc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/years/{year}/my/school", get(school::my_school))
        .route(
            "/years/{year}/my/choices",
            get(choices::get_choices).put(choices::put_choices),
        )
        .route("/years/{year}/my/group", get(group::my_group))
        .route("/years/{year}/my/assignments", get(group::my_assignments))
        .route(
            "/years/{year}/my/sharing",
            get(sharing::get_sharing).put(sharing::put_sharing),
        )
        .route(
            "/years/{year}/reviews/{host_urn}/writeup",
            get(writeup::get_writeup).put(writeup::put_writeup),
        )
        .route(
            "/years/{year}/reviews/{host_urn}/writeup/submit",
            post(writeup::submit_writeup),
        )
        .route(
            "/years/{year}/reviews/{host_urn}/writeup/versions",
            get(writeup::list_versions),
        )
        .route("/years/{year}/writeups/status", get(status::writeup_status))
}

/// A JSON body, or a 400 in the API's error shape naming what was wrong
/// (axum's own rejection is plain text).
fn body<T>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    b.map(|Json(t)| t)
        .map_err(|e| AppError::bad_request(e.body_text()))
}

/// The year's published plan, or 404 saying there is none yet.
async fn published_or_404(state: &AppState, year_id: i64) -> AppResult<PlanVersion> {
    plans::latest(&state.db, year_id, "published")
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!(
                "the groups of year {year_id} are not published yet"
            ))
        })
}

/// A URN from a path or an account; None where it is not one.
fn urn(s: &str) -> Option<Urn> {
    s.parse().ok()
}
