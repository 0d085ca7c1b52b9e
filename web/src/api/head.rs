//! What heads, lead reviewers and advisers do through the API: a head's own
//! school and choices, their group once the plan is published, the sharing
//! of their write-up; the lead's write-up of the review they lead; an
//! adviser's groups; and the SIM's view of where the write-ups stand.
//!
//! Each handler is an adapter: its extractors check who asks (and the year),
//! one call of `app::head` holds the rules, and the answer goes back as JSON.

mod choices;
mod group;
mod school;
mod sharing;
mod status;
mod writeup;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

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
    status::estimates,
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
        .route("/years/{year}/writeups/estimates", get(status::estimates))
}
