//! The School Improvement Manager's API: programme years and their rules,
//! uploads of the year's inputs, invitations, availability follow-up, the
//! SIM's hand, plan versions with their spreadsheets and calendars, and the
//! audit log.
//!
//! Every route but the list of years is the SIM's alone (calendars of the
//! published plan also go to the heads and advisers they belong to). Each
//! change is one transaction that writes its audit entry.

mod audit;
mod hand;
mod people;
mod plans;
pub mod problems;
mod uploads;
mod years;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;

use crate::{AppState, INPUT_LIMIT, UPLOAD_LIMIT};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        years::create,
        years::list,
        years::get,
        years::put_rules,
        uploads::upload_schools,
        uploads::upload_input,
        uploads::list,
        uploads::get,
        uploads::versions,
        uploads::restore,
        people::invite,
        people::list,
        people::status,
        people::of_person,
        hand::put,
        hand::get,
        plans::list,
        plans::get,
        plans::publish,
        plans::check,
        plans::csv,
        plans::xlsx,
        plans::ics,
        audit::list,
    ),
    components(schemas(problems::ProblemsBody, problems::Problem))
)]
pub struct Doc;

pub fn router() -> Router<AppState> {
    // A GIAS extract of all England is about 60 MB; the project's own
    // files are a small fraction of that.
    let gias = || DefaultBodyLimit::max(UPLOAD_LIMIT);
    let csv = || DefaultBodyLimit::max(INPUT_LIMIT);
    Router::new()
        .route("/years", get(years::list).post(years::create))
        .route("/years/{year}", get(years::get))
        .route("/years/{year}/rules", put(years::put_rules))
        .route(
            "/years/{year}/schools",
            post(uploads::upload_schools).layer(gias()),
        )
        .route("/years/{year}/inputs", get(uploads::list))
        .route(
            "/years/{year}/inputs/{kind}",
            get(uploads::get).post(uploads::upload_input).layer(csv()),
        )
        .route(
            "/years/{year}/inputs/{kind}/versions",
            get(uploads::versions),
        )
        .route(
            "/years/{year}/inputs/{kind}/versions/{version}/restore",
            post(uploads::restore),
        )
        .route("/years/{year}/invitations", post(people::invite))
        .route("/people", get(people::list))
        .route("/years/{year}/availability/status", get(people::status))
        .route("/years/{year}/availability/{user}", get(people::of_person))
        .route("/years/{year}/hand", get(hand::get).put(hand::put))
        .route("/years/{year}/plans", get(plans::list))
        .route("/years/{year}/plans/{version}", get(plans::get))
        .route(
            "/years/{year}/plans/{version}/publish",
            post(plans::publish),
        )
        .route("/years/{year}/plans/{version}/csv/{name}", get(plans::csv))
        .route("/years/{year}/plans/{version}/xlsx", get(plans::xlsx))
        .route("/years/{year}/plans/{version}/check", get(plans::check))
        .route("/years/{year}/plans/{version}/ics/{file}", get(plans::ics))
        .route("/audit", get(audit::list))
}
