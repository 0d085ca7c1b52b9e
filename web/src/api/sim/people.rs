//! People: invitations for heads, advisers and consultants of the year's
//! inputs, the list of users, and who has given availability. Adapters over
//! `app::people`.

use axum::extract::{Path, State};
use axum::Json;

use super::problems::SimResult;
use crate::api::doc::{Refused, RefusedOrMissing, YearPath};
use crate::api::Created;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Body, Signed, SimYear};
use crate::AppState;
use app::people::{self, AvailabilityStatus, InvitationRequest, PersonAvailability};
use store::people::{Invited, Person};

/// Invite people of the year's inputs: creates the users that do not exist
/// yet (a head per school, named from the heads input where it has the
/// school; advisers and consultants by their id) and issues each a fresh
/// single-use link, revoking their unused ones. The SIM sends the links.
#[utoipa::path(post, path = "/api/years/{year}/invitations", tag = "sim",
    params(YearPath),
    request_body = InvitationRequest,
    responses(
        (status = 201, description = "One link per person, in the order asked", body = Vec<Invited>),
        (status = 400, description = "Unknown URNs or ids, each listed; nobody was invited", body = super::problems::ProblemsBody),
        RefusedOrMissing,
        (status = 409, description = "The input people are chosen from is not uploaded", body = ErrorBody),
    ))]
pub async fn invite(
    State(state): State<AppState>,
    year: SimYear,
    Body(req): Body<InvitationRequest>,
) -> SimResult<Created<Vec<Invited>>> {
    let invited = people::invite(&state.db, &year, &req, &state.config.base_url).await?;
    Ok(Created(invited))
}

/// Every user (no tokens): role, name, school or id, whether invited and
/// whether they have signed in.
#[utoipa::path(get, path = "/api/people", tag = "sim",
    responses((status = 200, body = Vec<Person>), Refused))]
pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> AppResult<Json<Vec<Person>>> {
    Ok(Json(people::list(&state.db, &caller).await?))
}

/// How many heads and advisers have given availability, and who has not.
#[utoipa::path(get, path = "/api/years/{year}/availability/status", tag = "sim",
    params(YearPath),
    responses((status = 200, body = AvailabilityStatus), RefusedOrMissing))]
pub async fn status(
    State(state): State<AppState>,
    year: SimYear,
) -> AppResult<Json<AvailabilityStatus>> {
    Ok(Json(people::availability_status(&state.db, &year).await?))
}

/// Anyone's latest availability for the year, with how many versions they
/// have submitted.
#[utoipa::path(get, path = "/api/years/{year}/availability/{user}", tag = "sim",
    params(
        YearPath,
        ("user" = i64, Path, description = "User id"),
    ),
    responses(
        (status = 200, body = PersonAvailability),
        Refused,
        (status = 404, description = "No such year or user", body = ErrorBody),
    ))]
pub async fn of_person(
    State(state): State<AppState>,
    year: SimYear,
    Path((_, user_id)): Path<(i64, i64)>,
) -> AppResult<Json<PersonAvailability>> {
    Ok(Json(
        people::availability_of(&state.db, &year, user_id).await?,
    ))
}
