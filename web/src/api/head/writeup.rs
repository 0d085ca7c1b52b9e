//! The write-up of a review: the lead reviewer writes it (every save a new
//! version), the host head decides who else reads it (see `access`).
//!
//! A write-up holds the host's focus areas, the team and dates (filled in
//! from the published plan, never typed), what went well, what would be
//! even better if, optional estimates on a 4-point scale, an area of
//! excellence, the areas where support is needed, next steps and a
//! follow-up date. Safeguarding concerns are not part of it: they are
//! escalated at once to the designated people.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use crate::api::doc::{LeadOnly, ReviewPath, Unsigned};
use crate::api::Created;
use crate::error::AppResult;
use crate::extract::{AnyYear, HostUrn, Unchecked};
use crate::AppState;
use app::head::writeup::{self, VersionsView, WriteupView};
use store::writeups::{SavedVersion, WriteupInput};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    /// A given version; the latest when absent.
    pub version: Option<i64>,
}

/// The write-up of the review of `host_urn`: the latest version, or `?version=N`.
///
/// The lead reviewer and the host head read it in full; the other heads of
/// the group only where the host shared it with the group; the SIM in full
/// where the host consented, otherwise the anonymised summary (no school,
/// URN, person or free text: the focus areas, estimates, support needed,
/// the theme of the area of excellence, the dates and the status).
#[utoipa::path(get, path = "/api/years/{year}/reviews/{host_urn}/writeup", tag = "writeup",
    params(ReviewPath, VersionQuery),
    responses(
        (status = 200, body = WriteupView),
        Unsigned,
        (status = 403, description = "The caller may not read this write-up", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, no published plan, no such review, or nothing written yet", body = crate::error::ErrorBody),
    ))]
pub async fn get_writeup(
    State(state): State<AppState>,
    ay: AnyYear,
    HostUrn(host): HostUrn,
    Query(q): Query<VersionQuery>,
) -> AppResult<Json<WriteupView>> {
    Ok(Json(writeup::read(&state.db, &ay, host, q.version).await?))
}

/// Every version of the write-up, oldest first, without their text.
///
/// Readable by whoever may read the write-up (see the GET of the write-up);
/// in the summary view the author and lead are left out.
#[utoipa::path(get, path = "/api/years/{year}/reviews/{host_urn}/writeup/versions", tag = "writeup",
    params(ReviewPath),
    responses(
        (status = 200, body = VersionsView),
        Unsigned,
        (status = 403, description = "The caller may not read this write-up", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, no published plan or no such review", body = crate::error::ErrorBody),
    ))]
pub async fn list_versions(
    State(state): State<AppState>,
    ay: AnyYear,
    HostUrn(host): HostUrn,
) -> AppResult<Json<VersionsView>> {
    Ok(Json(writeup::versions(&state.db, &ay, host).await?))
}

/// Save the write-up as a draft: a new version, the earlier ones kept.
///
/// Only the lead reviewer of the review in the published plan may write.
/// Once the write-up has been submitted, a save is a correction: it must be
/// complete, and it is stored as a new submitted version (the write-up
/// never goes back to draft). Safeguarding concerns do not belong in a
/// write-up: escalate them at once to the designated people.
#[utoipa::path(put, path = "/api/years/{year}/reviews/{host_urn}/writeup", tag = "writeup",
    params(ReviewPath),
    request_body = WriteupInput,
    responses(
        (status = 201, body = SavedVersion),
        (status = 400, description = "A field too long, a grade off the scale, a follow-up date not after the review, an incomplete correction of a submitted write-up; the message names the field", body = crate::error::ErrorBody),
        LeadOnly,
    ))]
pub async fn put_writeup(
    State(state): State<AppState>,
    ay: AnyYear,
    HostUrn(host): HostUrn,
    Unchecked(req): Unchecked<WriteupInput>,
) -> AppResult<Created<SavedVersion>> {
    let saved = writeup::save(&state.db, &ay, host, req.map(Some), false).await?;
    Ok(Created(saved))
}

/// Submit the write-up: a new version with status `submitted`.
///
/// With a body, that text is submitted; without one, the latest saved
/// version. A submission needs strengths, areas to develop, next steps and
/// a follow-up date after the review. Safeguarding concerns do not belong
/// in a write-up: escalate them at once to the designated people.
#[utoipa::path(post, path = "/api/years/{year}/reviews/{host_urn}/writeup/submit", tag = "writeup",
    params(ReviewPath),
    request_body(content = WriteupInput, description = "Optional: the text to submit; without it the latest saved version is submitted"),
    responses(
        (status = 201, body = SavedVersion),
        (status = 400, description = "A required field is missing or a field is invalid; the message names it", body = crate::error::ErrorBody),
        LeadOnly,
        (status = 409, description = "No body and nothing saved to submit", body = crate::error::ErrorBody),
    ))]
pub async fn submit_writeup(
    State(state): State<AppState>,
    ay: AnyYear,
    HostUrn(host): HostUrn,
    Unchecked(req): Unchecked<Option<WriteupInput>>,
) -> AppResult<Created<SavedVersion>> {
    let saved = writeup::save(&state.db, &ay, host, req, true).await?;
    Ok(Created(saved))
}
