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
    use choices::{get_choices, put_choices};
    use sharing::{get_sharing, put_sharing};
    use writeup::{get_writeup, put_writeup};
    // Every route here is of one year, whose id the extractors read.
    let my = Router::new()
        .route("/school", get(school::my_school))
        .route("/choices", get(get_choices).put(put_choices))
        .route("/group", get(group::my_group))
        .route("/assignments", get(group::my_assignments))
        .route("/sharing", get(get_sharing).put(put_sharing));
    let review = "/reviews/{host_urn}/writeup";
    let year = Router::new()
        .nest("/my", my)
        .route(review, get(get_writeup).put(put_writeup))
        .route(&format!("{review}/submit"), post(writeup::submit_writeup))
        .route(&format!("{review}/versions"), get(writeup::list_versions))
        .route("/writeups/status", get(status::writeup_status))
        .route("/writeups/estimates", get(status::estimates));
    Router::new().nest("/years/{year}", year)
}
