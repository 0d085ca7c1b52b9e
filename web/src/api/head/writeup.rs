//! The write-up of a review: the lead reviewer writes it (every save a new
//! version), the host head decides who else reads it (see `access`).
//!
//! A write-up holds the host's focus areas, the team and dates (filled in
//! from the published plan, never typed), what went well, what would be
//! even better if, optional estimates on a 4-point scale, an area of
//! excellence, the areas where support is needed, next steps and a
//! follow-up date. Safeguarding concerns are not part of it: they are
//! escalated at once to the designated people.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use optimiser::triads::plan::{Review, Triad};
use serde::{Deserialize, Serialize};

use super::access::{may_write, read_access, Read};
use super::{body, published_or_404, urn};
use crate::api::availability::year_or_404;
use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult};
use crate::AppState;
use store::plans::PlanVersion;
use store::writeups::{
    self, review_days, Directory, NewVersion, SavedVersion, Stored, Summary, VersionInfo,
    WriteupInput,
};
use store::{choices, writeups::Writeup};

/// A write-up as the caller may see it: `{"view":"full", ...}` with the
/// whole version, or `{"view":"summary", ...}` with the anonymised summary
/// (for the SIM where the host has not consented to the full write-up).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum WriteupView {
    Full(Box<Stored>),
    Summary(Summary),
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionsView {
    /// `full` or `summary`: in the summary view authors are left out.
    pub view: String,
    /// Oldest first.
    pub versions: Vec<VersionInfo>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    /// A given version; the latest when absent.
    pub version: Option<i64>,
}

/// The review of `host` in the published plan, where the caller may know
/// of it. Where there is none, the SIM and the host's head hear so (404);
/// anyone else is refused (403) without learning whether it exists.
struct Located {
    plan: PlanVersion,
    host: String,
    /// Indices of the group in the plan and of the review in the group.
    group: usize,
    review: usize,
}

impl Located {
    fn group(&self) -> (&Triad, &Review) {
        let t = &self.plan.plan.triads[self.group];
        (t, &t.reviews[self.review])
    }
}

async fn locate(state: &AppState, caller: &Caller, year_id: i64, host: &str) -> AppResult<Located> {
    year_or_404(state, year_id).await?;
    let plan = published_or_404(state, year_id).await?;
    let found = urn(host).and_then(|u| {
        plan.plan
            .triads
            .iter()
            .enumerate()
            .find_map(|(g, t)| t.reviews.iter().position(|r| r.host == u).map(|r| (g, r)))
    });
    let Some((group, review)) = found else {
        return Err(if caller.role == Role::Sim || caller.is_head_of(host) {
            AppError::not_found(format!(
                "school {host} has no review in the published plan of year {year_id}"
            ))
        } else {
            refused()
        });
    };
    Ok(Located {
        plan,
        host: host.to_string(),
        group,
        review,
    })
}

fn refused() -> AppError {
    AppError::forbidden(
        "this write-up is not open to you: only the lead reviewer writes it, and only the lead, \
         the host head, the group where the host shared it and the School Improvement Manager \
         read it",
    )
}

/// How the caller may read the located write-up, or 403.
async fn reader(state: &AppState, caller: &Caller, year_id: i64, at: &Located) -> AppResult<Read> {
    let (group, review) = at.group();
    let sharing = writeups::sharing(&state.db, year_id, &at.host).await?;
    let latest = writeups::get(&state.db, year_id, &at.host, None).await?;
    read_access(
        caller,
        group,
        review,
        latest.as_ref().map(|s| s.lead_urn.as_str()),
        &sharing,
    )
    .ok_or_else(refused)
}

/// The write-up of the review of `host_urn`: the latest version, or `?version=N`.
///
/// The lead reviewer and the host head read it in full; the other heads of
/// the group only where the host shared it with the group; the SIM in full
/// where the host consented, otherwise the anonymised summary (no school,
/// URN, person or free text: the focus areas, estimates, support needed,
/// the theme of the area of excellence, the dates and the status).
#[utoipa::path(get, path = "/api/years/{year}/reviews/{host_urn}/writeup", tag = "writeup",
    params(
        ("year" = i64, Path, description = "Programme year id"),
        ("host_urn" = String, Path, description = "URN of the school reviewed"),
        VersionQuery,
    ),
    responses(
        (status = 200, body = WriteupView),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "The caller may not read this write-up", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, no published plan, no such review, or nothing written yet", body = crate::error::ErrorBody),
    ))]
pub async fn get_writeup(
    State(state): State<AppState>,
    caller: Caller,
    Path((year_id, host)): Path<(i64, String)>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Json<WriteupView>> {
    let at = locate(&state, &caller, year_id, &host).await?;
    let read = reader(&state, &caller, year_id, &at).await?;
    let stored = writeups::get(&state.db, year_id, &host, q.version)
        .await?
        .ok_or_else(|| match q.version {
            Some(v) => AppError::not_found(format!("the write-up of {host} has no version {v}")),
            None => {
                AppError::not_found(format!("nothing is written yet about the review of {host}"))
            }
        })?;
    Ok(Json(match read {
        Read::Full => WriteupView::Full(Box::new(stored)),
        Read::Summary => WriteupView::Summary(Summary::of(&stored)),
    }))
}

/// Every version of the write-up, oldest first, without their text.
///
/// Readable by whoever may read the write-up (see the GET of the write-up);
/// in the summary view the author and lead are left out.
#[utoipa::path(get, path = "/api/years/{year}/reviews/{host_urn}/writeup/versions", tag = "writeup",
    params(
        ("year" = i64, Path, description = "Programme year id"),
        ("host_urn" = String, Path, description = "URN of the school reviewed"),
    ),
    responses(
        (status = 200, body = VersionsView),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "The caller may not read this write-up", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, no published plan or no such review", body = crate::error::ErrorBody),
    ))]
pub async fn list_versions(
    State(state): State<AppState>,
    caller: Caller,
    Path((year_id, host)): Path<(i64, String)>,
) -> AppResult<Json<VersionsView>> {
    let at = locate(&state, &caller, year_id, &host).await?;
    let read = reader(&state, &caller, year_id, &at).await?;
    let mut versions = writeups::versions(&state.db, year_id, &host).await?;
    let view = match read {
        Read::Full => "full",
        Read::Summary => {
            for v in &mut versions {
                v.author = None;
                v.lead_urn = None;
            }
            "summary"
        }
    };
    Ok(Json(VersionsView {
        view: view.to_string(),
        versions,
    }))
}

/// Stores one version written by the lead: the lead's text with the focus
/// areas, team and dates filled in now.
async fn save(
    state: &AppState,
    caller: &Caller,
    year_id: i64,
    host: &str,
    input: AppResult<Option<WriteupInput>>,
    submit: bool,
) -> AppResult<(StatusCode, Json<SavedVersion>)> {
    if caller.role != Role::Head {
        return Err(AppError::forbidden(
            "only the lead reviewer of the review writes its write-up",
        ));
    }
    let at = locate(state, caller, year_id, host).await?;
    let (group, review) = at.group();
    if !may_write(caller, review) {
        return Err(AppError::forbidden(format!(
            "only the lead reviewer of this review (the head of {}) writes its write-up",
            review.lead
        )));
    }
    // The body is looked at only once the caller may write: a stranger
    // learns nothing from a validation message.
    let input = match input? {
        Some(i) => i,
        // Submitting without a body submits what was last saved.
        None => writeups::get(&state.db, year_id, host, None)
            .await?
            .map(|s| s.body.input())
            .ok_or_else(|| {
                AppError::conflict("nothing to submit: send the write-up, or save a draft first")
            })?,
    };
    let focus = choices::current(&state.db, year_id, host)
        .await?
        .map(|c| c.choices.focus)
        .unwrap_or_default();
    let dir = Directory::load(&state.db, year_id).await?;
    let body = Writeup::new(&input, focus, dir.team(group, review), review_days(review));
    let lead = review.lead.to_string();
    let saved = writeups::save(
        &state.db,
        NewVersion {
            year_id,
            host_urn: host,
            lead_urn: &lead,
            plan_id: at.plan.id,
            user_id: caller.user_id,
            submit,
            body: &body,
        },
    )
    .await?
    .map_err(AppError::bad_request)?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Save the write-up as a draft: a new version, the earlier ones kept.
///
/// Only the lead reviewer of the review in the published plan may write.
/// Once the write-up has been submitted, a save is a correction: it must be
/// complete, and it is stored as a new submitted version (the write-up
/// never goes back to draft). Safeguarding concerns do not belong in a
/// write-up: escalate them at once to the designated people.
#[utoipa::path(put, path = "/api/years/{year}/reviews/{host_urn}/writeup", tag = "writeup",
    params(
        ("year" = i64, Path, description = "Programme year id"),
        ("host_urn" = String, Path, description = "URN of the school reviewed"),
    ),
    request_body = WriteupInput,
    responses(
        (status = 201, body = SavedVersion),
        (status = 400, description = "A field too long, a grade off the scale, a follow-up date not after the review, an incomplete correction of a submitted write-up; the message names the field", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "The caller is not the lead reviewer of this review", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, no published plan or no such review", body = crate::error::ErrorBody),
    ))]
pub async fn put_writeup(
    State(state): State<AppState>,
    caller: Caller,
    Path((year_id, host)): Path<(i64, String)>,
    req: Result<Json<WriteupInput>, JsonRejection>,
) -> AppResult<(StatusCode, Json<SavedVersion>)> {
    save(&state, &caller, year_id, &host, body(req).map(Some), false).await
}

/// Submit the write-up: a new version with status `submitted`.
///
/// With a body, that text is submitted; without one, the latest saved
/// version. A submission needs strengths, areas to develop, next steps and
/// a follow-up date after the review. Safeguarding concerns do not belong
/// in a write-up: escalate them at once to the designated people.
#[utoipa::path(post, path = "/api/years/{year}/reviews/{host_urn}/writeup/submit", tag = "writeup",
    params(
        ("year" = i64, Path, description = "Programme year id"),
        ("host_urn" = String, Path, description = "URN of the school reviewed"),
    ),
    request_body(content = WriteupInput, description = "Optional: the text to submit; without it the latest saved version is submitted"),
    responses(
        (status = 201, body = SavedVersion),
        (status = 400, description = "A required field is missing or a field is invalid; the message names it", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "The caller is not the lead reviewer of this review", body = crate::error::ErrorBody),
        (status = 404, description = "No such year, no published plan or no such review", body = crate::error::ErrorBody),
        (status = 409, description = "No body and nothing saved to submit", body = crate::error::ErrorBody),
    ))]
pub async fn submit_writeup(
    State(state): State<AppState>,
    caller: Caller,
    Path((year_id, host)): Path<(i64, String)>,
    req: Result<Option<Json<WriteupInput>>, JsonRejection>,
) -> AppResult<(StatusCode, Json<SavedVersion>)> {
    let input = req
        .map(|o| o.map(|Json(i)| i))
        .map_err(|e| AppError::bad_request(e.body_text()));
    save(&state, &caller, year_id, &host, input, true).await
}
