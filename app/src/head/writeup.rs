//! The write-up of a review: the lead reviewer writes it (every save a new
//! version), the host head decides who else reads it (see `access`).
//!
//! A write-up holds the host's focus areas, the team and dates (filled in
//! from the published plan, never typed), what went well, what would be
//! even better if, optional estimates on a 4-point scale, an area of
//! excellence, the areas where support is needed, next steps and a
//! follow-up date. Safeguarding concerns are not part of it: they are
//! escalated at once to the designated people.

use optimiser::model::Urn;
use optimiser::triads::plan::{Review, Triad};
use serde::Serialize;
use store::plans::PlanVersion;
use store::writeups::{
    self, review_days, Directory, NewVersion, SavedVersion, Stored, Summary, VersionInfo, Writeup,
    WriteupInput,
};
use store::{choices, Db};

use super::access::{may_write, read_access, Read};
use super::published_or_404;
use crate::caller::{AnyYear, Caller, Role};
use crate::error::{AppError, AppResult};
use crate::text;

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

/// The review of `host` in the published plan, where the caller may know
/// of it.
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

/// Where there is no review of `host`, the SIM and the host's head hear so
/// (404); anyone else is refused (403) without learning whether it exists.
async fn locate(db: &Db, ay: &AnyYear, host: Urn) -> AppResult<Located> {
    let year_id = ay.year.id;
    let caller = &ay.caller;
    let plan = published_or_404(db, year_id).await?;
    let host_text = host.to_string();
    let found = plan.plan.triads.iter().enumerate().find_map(|(g, t)| {
        t.reviews
            .iter()
            .position(|r| r.host == host)
            .map(|r| (g, r))
    });
    let Some((group, review)) = found else {
        return Err(
            if caller.role == Role::Sim || caller.is_head_of(&host_text) {
                AppError::not_found(
                    "this school is in no group of the published plan, so it has no review to write up",
                )
            } else {
                refused()
            },
        );
    };
    Ok(Located {
        plan,
        host: host_text,
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
async fn reader(db: &Db, ay: &AnyYear, at: &Located) -> AppResult<Read> {
    let (group, review) = at.group();
    let sharing = writeups::sharing(db, ay.year.id, &at.host).await?;
    let latest = writeups::get(db, ay.year.id, &at.host, None).await?;
    read_access(
        &ay.caller,
        group,
        review,
        latest.as_ref().map(|s| s.lead_urn.as_str()),
        &sharing,
    )
    .ok_or_else(refused)
}

/// The write-up of the review of `host`: the latest version, or `version`,
/// in the form the caller may read.
pub async fn read(
    db: &Db,
    ay: &AnyYear,
    host: Urn,
    version: Option<i64>,
) -> AppResult<WriteupView> {
    let at = locate(db, ay, host).await?;
    let read = reader(db, ay, &at).await?;
    let stored = writeups::get(db, ay.year.id, &at.host, version)
        .await?
        .ok_or_else(|| match version {
            Some(v) => AppError::not_found(format!("the write-up of {host} has no version {v}")),
            None => {
                AppError::not_found(format!("nothing is written yet about the review of {host}"))
            }
        })?;
    Ok(match read {
        Read::Full => WriteupView::Full(Box::new(stored)),
        Read::Summary => WriteupView::Summary(Summary::of(&stored)),
    })
}

/// Every version of the write-up, oldest first, without their text; in the
/// summary view the author and lead are left out.
pub async fn versions(db: &Db, ay: &AnyYear, host: Urn) -> AppResult<VersionsView> {
    let at = locate(db, ay, host).await?;
    let read = reader(db, ay, &at).await?;
    let mut versions = writeups::versions(db, ay.year.id, &at.host).await?;
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
    Ok(VersionsView {
        view: view.to_string(),
        versions,
    })
}

/// The typed text of a write-up, refused where it holds control characters,
/// naming the field by the label of the form.
fn check_text(input: &WriteupInput) -> AppResult<()> {
    text::check_multiline("What went well", &input.strengths)?;
    text::check_multiline("Even better if", &input.areas_to_develop)?;
    if let Some(e) = &input.area_of_excellence {
        text::check_multiline("What others could learn from", &e.description)?;
    }
    text::check_multiline("Agreed next steps", &input.next_steps)
}

/// Stores one version written by the lead: the lead's text (or, without
/// one, the latest saved text) with the focus areas, team and dates filled
/// in now. `submit` submits it. `input` (a body not yet looked at) is read
/// only once the caller is known to be the lead.
pub async fn save(
    db: &Db,
    ay: &AnyYear,
    host: Urn,
    input: AppResult<Option<WriteupInput>>,
    submit: bool,
) -> AppResult<SavedVersion> {
    let caller: &Caller = &ay.caller;
    let year_id = ay.year.id;
    if caller.role != Role::Head {
        return Err(AppError::forbidden(
            "only the lead reviewer of the review writes its write-up",
        ));
    }
    let at = locate(db, ay, host).await?;
    let (group, review) = at.group();
    if !may_write(caller, review) {
        return Err(AppError::forbidden(format!(
            "only the lead reviewer of this review (the head of {}) writes its write-up",
            review.lead
        )));
    }
    // The text is looked at only once the caller may write: a stranger
    // learns nothing from a validation message.
    let input = match input? {
        Some(i) => {
            check_text(&i)?;
            i
        }
        None => writeups::get(db, year_id, &at.host, None)
            .await?
            .map(|s| s.body.input())
            .ok_or_else(|| {
                AppError::conflict("nothing to submit: send the write-up, or save a draft first")
            })?,
    };
    let focus = choices::current(db, year_id, &at.host)
        .await?
        .map(|c| c.choices.focus)
        .unwrap_or_default();
    let dir = Directory::load(db, year_id).await?;
    let body = Writeup::new(&input, focus, dir.team(group, review), review_days(review));
    let lead = review.lead.to_string();
    writeups::save(
        db,
        NewVersion {
            year_id,
            host_urn: &at.host,
            lead_urn: &lead,
            plan_id: at.plan.id,
            user_id: caller.user_id,
            submit,
            body: &body,
        },
    )
    .await?
    .map_err(AppError::bad_request)
}
