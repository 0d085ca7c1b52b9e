//! `/years/{year}/reviews/{host}/writeup`: the lead reviewer's form (save a
//! draft; check, see exactly who will read what, then submit), and the
//! write-up as each reader may see it (in full, or the SIM's anonymised
//! summary), refused to anyone else.
//!
//! Reading and writing are the same use cases the API calls
//! (`app::head::writeup`): they decide who may read which view, fill in the
//! team and dates, and check every field, so the pages cannot drift from
//! the API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use optimiser::model::{NeedArea, Urn};
use serde::Deserialize;

use super::availability::{long_date, when};
use super::views::{adviser_text, dates_text, listed, school_name, school_text};
use super::{render, render_with, see_other, Layout, PageResult, Viewer};
use crate::auth::{Caller, Role};
use crate::error::AppError;
use crate::AppState;
use app::head::writeup::WriteupView;
use report::words;
use store::plans;
use store::writeups::{
    self, BodyField, BodyProblem, Directory, Estimates, Excellence, SavedVersion, Stored, Writeup,
    WriteupInput, Wrong,
};

/// The 4-point scale of the estimates, in the words heads know.
const SCALE: [(u8, &str); 4] = [
    (1, "1: Outstanding"),
    (2, "2: Good"),
    (3, "3: Requires improvement"),
    (4, "4: Inadequate"),
];

fn grade_text(g: Option<u8>) -> String {
    g.and_then(|g| SCALE.iter().find(|(n, _)| *n == g))
        .map(|(_, w)| w.to_string())
        .unwrap_or_else(|| "not estimated".into())
}

fn areas_text(areas: &[NeedArea]) -> String {
    listed(areas, words::area, "none")
}

/// A whole write-up, in words, for the read view and the confirmation.
pub struct Shown {
    host: String,
    lead: String,
    reviewers: String,
    adviser: String,
    dates: String,
    focus: String,
    strengths: String,
    areas_to_develop: String,
    estimates: Vec<(&'static str, String)>,
    excellence: Option<(String, String)>,
    support: String,
    next_steps: String,
    follow_up: String,
}

fn estimates_rows(e: &Estimates) -> Vec<(&'static str, String)> {
    vec![
        ("Leadership at all levels", grade_text(e.leadership)),
        (
            "Quality of provision and outcomes",
            grade_text(e.provision_and_outcomes),
        ),
        (
            "Provision for disadvantaged pupils and pupils with SEND",
            grade_text(e.disadvantaged_and_send),
        ),
    ]
}

fn shown(w: &Writeup) -> Shown {
    Shown {
        host: school_text(&w.team.host),
        lead: school_text(&w.team.lead),
        reviewers: w
            .team
            .reviewers
            .iter()
            .map(school_text)
            .collect::<Vec<_>>()
            .join(", "),
        adviser: w
            .team
            .adviser
            .as_ref()
            .map(adviser_text)
            .unwrap_or_else(|| "none".into()),
        dates: dates_text(&w.dates),
        focus: areas_text(&w.focus_areas),
        strengths: w.strengths.clone(),
        areas_to_develop: w.areas_to_develop.clone(),
        estimates: estimates_rows(&w.estimates),
        excellence: w
            .area_of_excellence
            .as_ref()
            .map(|e| (words::area(e.theme), e.description.clone())),
        support: areas_text(&w.support_needed),
        next_steps: w.next_steps.clone(),
        follow_up: w.follow_up.map(words::date).unwrap_or_default(),
    }
}

/// The form's values as typed, so that a refused form comes back as it was.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FormValues {
    strengths: String,
    areas_to_develop: String,
    leadership: String,
    provision_and_outcomes: String,
    disadvantaged_and_send: String,
    excellence_theme: String,
    excellence_description: String,
    support: Vec<String>,
    next_steps: String,
    follow_up: String,
}

fn grade_field(g: Option<u8>) -> String {
    g.map(|g| g.to_string()).unwrap_or_default()
}

impl FormValues {
    fn of(input: &WriteupInput) -> FormValues {
        FormValues {
            strengths: input.strengths.clone(),
            areas_to_develop: input.areas_to_develop.clone(),
            leadership: grade_field(input.estimates.leadership),
            provision_and_outcomes: grade_field(input.estimates.provision_and_outcomes),
            disadvantaged_and_send: grade_field(input.estimates.disadvantaged_and_send),
            excellence_theme: input
                .area_of_excellence
                .as_ref()
                .map(|e| e.theme.key().to_string())
                .unwrap_or_default(),
            excellence_description: input
                .area_of_excellence
                .as_ref()
                .map(|e| e.description.clone())
                .unwrap_or_default(),
            support: input
                .support_needed
                .iter()
                .map(|a| a.key().to_string())
                .collect(),
            next_steps: input.next_steps.clone(),
            follow_up: input.follow_up.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    fn from_fields(fields: &[(String, String)]) -> FormValues {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        FormValues {
            strengths: get("strengths"),
            areas_to_develop: get("areas_to_develop"),
            leadership: get("leadership"),
            provision_and_outcomes: get("provision_and_outcomes"),
            disadvantaged_and_send: get("disadvantaged_and_send"),
            excellence_theme: get("excellence_theme"),
            excellence_description: get("excellence_description"),
            support: fields
                .iter()
                .filter(|(k, _)| k == "support")
                .map(|(_, v)| v.clone())
                .collect(),
            next_steps: get("next_steps"),
            follow_up: get("follow_up"),
        }
    }

    /// What the lead typed as the API's input, or every field that cannot
    /// be read, each with what to do.
    fn to_input(&self) -> Result<WriteupInput, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let mut grade = |f: BodyField, v: &str| -> Option<u8> {
            match v.trim() {
                "" => None,
                t => {
                    let g = t.parse::<u8>().ok().filter(|g| (1..=4).contains(g));
                    if g.is_none() {
                        let (id, label) = form_field(f);
                        problems.push((
                            id,
                            format!("{label}: choose an estimate on the 4-point scale"),
                        ));
                    }
                    g
                }
            }
        };
        let estimates = Estimates {
            leadership: grade(BodyField::Leadership, &self.leadership),
            provision_and_outcomes: grade(
                BodyField::ProvisionAndOutcomes,
                &self.provision_and_outcomes,
            ),
            disadvantaged_and_send: grade(
                BodyField::DisadvantagedAndSend,
                &self.disadvantaged_and_send,
            ),
        };
        let excellence = match (
            self.excellence_theme.trim(),
            self.excellence_description.trim(),
        ) {
            ("", "") => None,
            ("", _) => {
                problems.push((
                    "excellence_theme",
                    "Choose the theme of the area of excellence, or clear what others could learn from"
                        .into(),
                ));
                None
            }
            (theme, description) => match theme.parse::<NeedArea>() {
                Ok(theme) => Some(Excellence {
                    theme,
                    description: description.to_string(),
                }),
                Err(_) => {
                    problems.push((
                        "excellence_theme",
                        "Choose the theme of the area of excellence from the list".into(),
                    ));
                    None
                }
            },
        };
        let mut support_needed = Vec::new();
        for v in &self.support {
            match v.parse::<NeedArea>() {
                Ok(a) => support_needed.push(a),
                Err(_) => {
                    problems.push(("support", "Tick the areas of support from the list".into()))
                }
            }
        }
        let follow_up = match self.follow_up.trim() {
            "" => None,
            t => match t.parse() {
                Ok(d) => Some(d),
                Err(_) => {
                    problems.push((
                        "follow_up",
                        format!("Enter the follow-up date as a date, for example 27 3 2027; {t:?} is not one"),
                    ));
                    None
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(WriteupInput {
            strengths: self.strengths.clone(),
            areas_to_develop: self.areas_to_develop.clone(),
            estimates,
            area_of_excellence: excellence,
            support_needed,
            next_steps: self.next_steps.clone(),
            follow_up,
        })
    }
}

/// The review being written up, from the published plan, in words.
struct Context {
    host_name: String,
    lead_urn: Urn,
    dates: String,
    /// The other heads of the group: they read it where the host shared it.
    others: Vec<String>,
}

async fn context(state: &AppState, year_id: i64, host: &str) -> PageResult<Option<Context>> {
    let Some(plan) = plans::latest(&state.db, year_id, "published").await? else {
        return Ok(None);
    };
    let Ok(host_urn) = host.parse::<Urn>() else {
        return Ok(None);
    };
    let Some((group, review)) = plan.plan.triads.iter().find_map(|t| {
        t.reviews
            .iter()
            .find(|r| r.host == host_urn)
            .map(|r| (t, r))
    }) else {
        return Ok(None);
    };
    let dir = Directory::load(&state.db, year_id).await?;
    Ok(Some(Context {
        host_name: school_name(&dir.school(review.host)),
        lead_urn: review.lead,
        dates: dates_text(&writeups::review_days(review)),
        others: group
            .schools
            .iter()
            .filter(|&&u| u != review.host && u != review.lead)
            .map(|&u| school_text(&dir.school(u)))
            .collect(),
    }))
}

fn is_lead(caller: &Caller, ctx: &Context) -> bool {
    caller.role == Role::Head && caller.urn.as_deref() == Some(ctx.lead_urn.to_string().as_str())
}

#[derive(Template)]
#[template(path = "pages/writeup_form.html")]
struct FormPage {
    layout: Layout,
    year_id: i64,
    host: String,
    host_name: String,
    dates: String,
    form: FormValues,
    areas: Vec<(&'static str, String)>,
    scale: [(u8, &'static str); 4],
    status: Option<String>,
    submitted: bool,
    notice: Option<String>,
    error: Option<String>,
    /// Problems of single fields: (the field's id, what to do), each said
    /// beside its field and listed at the top.
    problems: Vec<(&'static str, String)>,
}

impl FormPage {
    fn problem(&self, id: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, m)| m.as_str())
    }
}

/// A write-up field's id in the form and its label.
fn form_field(f: BodyField) -> (&'static str, &'static str) {
    match f {
        BodyField::Strengths => ("strengths", "What went well"),
        BodyField::AreasToDevelop => ("areas_to_develop", "Even better if"),
        BodyField::Leadership => ("leadership", "Leadership at all levels"),
        BodyField::ProvisionAndOutcomes => (
            "provision_and_outcomes",
            "Quality of provision and outcomes",
        ),
        BodyField::DisadvantagedAndSend => (
            "disadvantaged_and_send",
            "Provision for disadvantaged pupils and pupils with SEND",
        ),
        BodyField::ExcellenceDescription => {
            ("excellence_description", "What others could learn from")
        }
        BodyField::Support => ("support", "Support needed"),
        BodyField::NextSteps => ("next_steps", "Agreed next steps"),
        BodyField::FollowUp => ("follow_up", "Follow-up date"),
    }
}

/// A problem of the write-up in the form's words, beside its field.
fn form_problem(p: &BodyProblem) -> (&'static str, String) {
    let (id, label) = form_field(p.field);
    let message = match (&p.what, p.field) {
        (Wrong::Required, BodyField::Strengths) => "Say what went well before you submit".into(),
        (Wrong::Required, BodyField::AreasToDevelop) => {
            "Say what would make it even better before you submit".into()
        }
        (Wrong::Required, BodyField::NextSteps) => {
            "Enter the agreed next steps before you submit".into()
        }
        (Wrong::Required, BodyField::FollowUp) => "Enter a follow-up date before you submit".into(),
        (Wrong::Required, _) => format!("{label}: needed before you submit"),
        (Wrong::DescribeExcellence, _) => {
            "Say what others could learn from, or choose no theme".into()
        }
        (Wrong::TooLong { chars, max }, _) => {
            format!("{label} must be {max} characters or fewer; it has {chars}")
        }
        (Wrong::NotOnScale(_), _) => format!("{label}: choose an estimate on the 4-point scale"),
        (Wrong::Twice(a), _) => format!("{} is ticked twice", words::area(*a)),
        (Wrong::NotAfterReview { last, .. }, _) => format!(
            "The follow-up date must be after the review, which ends on {}",
            long_date(*last)
        ),
    };
    (id, message)
}

/// An error of the API's save in the form's words: beside its field where
/// it names one ("next_steps: ..."), else at the top.
fn saved_problem(message: &str) -> Result<(&'static str, String), String> {
    const FIELDS: [BodyField; 9] = [
        BodyField::Strengths,
        BodyField::AreasToDevelop,
        BodyField::Leadership,
        BodyField::ProvisionAndOutcomes,
        BodyField::DisadvantagedAndSend,
        BodyField::ExcellenceDescription,
        BodyField::Support,
        BodyField::NextSteps,
        BodyField::FollowUp,
    ];
    FIELDS
        .iter()
        .find_map(|&f| {
            let rest = message.strip_prefix(f.path())?;
            let rest = rest.split_once(": ").map(|(_, r)| r)?;
            let (id, label) = form_field(f);
            Some((id, format!("{label}: {rest}")))
        })
        .ok_or_else(|| message.to_string())
}

#[derive(Template)]
#[template(path = "pages/writeup_read.html")]
struct ReadPage {
    layout: Layout,
    year_id: i64,
    host_name: String,
    meta: String,
    full: Option<Shown>,
    summary: Option<SummaryShown>,
    is_host: bool,
}

struct SummaryShown {
    dates: String,
    focus: String,
    excellence_theme: String,
    support: String,
    follow_up: String,
    withheld: String,
}

#[derive(Template)]
#[template(path = "pages/writeup_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    year_id: i64,
    host: String,
    host_name: String,
    version: i64,
    shown: Shown,
    audience: Vec<String>,
}

fn area_options() -> Vec<(&'static str, String)> {
    NeedArea::ALL
        .iter()
        .map(|a| (a.key(), words::area(*a)))
        .collect()
}

#[derive(Deserialize)]
pub struct WriteupQuery {
    saved: Option<i64>,
    submitted: Option<i64>,
}

async fn latest(
    state: &AppState,
    caller: &Caller,
    year_id: i64,
    host: &str,
    version: Option<i64>,
) -> PageResult<Option<WriteupView>> {
    let host = app::head::parse_urn(host)?;
    let ay = app::AnyYear::check(&state.db, caller.clone(), year_id).await?;
    match app::head::writeup::read(&state.db, &ay, host, version).await {
        Ok(v) => Ok(Some(v)),
        // Nothing written yet (a caller who may not read it has already
        // been refused with a 403).
        Err(e) if e.kind == app::Kind::NotFound && e.message.contains("nothing is written") => {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Saves (or, with `submit`, submits) the lead's text through the use case.
async fn store_version(
    state: &AppState,
    caller: &Caller,
    year_id: i64,
    host: &str,
    input: WriteupInput,
    submit: bool,
) -> app::AppResult<SavedVersion> {
    let host = app::head::parse_urn(host)?;
    let ay = app::AnyYear::check(&state.db, caller.clone(), year_id).await?;
    app::head::writeup::save(&state.db, &ay, host, Ok(Some(input)), submit).await
}

fn form_page(
    caller: &Caller,
    year_id: i64,
    host: &str,
    ctx: &Context,
    form: FormValues,
    current: Option<&Stored>,
) -> FormPage {
    FormPage {
        layout: Layout::new(format!("Write-up: {}", ctx.host_name), Some(caller)),
        year_id,
        host: host.to_string(),
        host_name: ctx.host_name.clone(),
        dates: ctx.dates.clone(),
        form,
        areas: area_options(),
        scale: SCALE,
        status: current.map(|s| {
            format!(
                "{} version {}, saved {}",
                if s.status == "submitted" {
                    "Submitted:"
                } else {
                    "Draft:"
                },
                s.version,
                when(s.saved_at)
            )
        }),
        submitted: current.is_some_and(|s| s.status == "submitted"),
        notice: None,
        error: None,
        problems: Vec::new(),
    }
}

/// `GET`: the form for the lead, the write-up for its readers.
pub async fn show(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Path((year_id, host)): Path<(i64, String)>,
    Query(q): Query<WriteupQuery>,
) -> PageResult<Response> {
    let ctx = context(&state, year_id, &host).await?;
    let view = latest(&state, &caller, year_id, &host, None).await?;
    let Some(ctx) = ctx else {
        // The API answered above; where it did not refuse, there is no review.
        return Err(AppError::not_found(
            "this school is in no group of the published plan, so it has no review to write up",
        )
        .into());
    };
    if is_lead(&caller, &ctx) {
        let current = match &view {
            Some(WriteupView::Full(s)) => Some(s.as_ref()),
            _ => None,
        };
        let form = current
            .map(|s| FormValues::of(&s.body.input()))
            .unwrap_or_default();
        let mut page = form_page(&caller, year_id, &host, &ctx, form, current);
        page.notice = match (q.saved, q.submitted) {
            (_, Some(v)) => Some(format!(
                "Write-up submitted as version {v}. The host head has been given it; the people the host chose can read it now."
            )),
            (Some(v), None) => Some(format!("Draft saved as version {v}.")),
            _ => None,
        };
        return render(&page);
    }
    let is_host = caller.is_head_of(&host);
    let (meta, full, summary) = match &view {
        None => (
            "Nothing has been written yet.".to_string(),
            None,
            None,
        ),
        Some(WriteupView::Full(s)) => (
            format!(
                "{} version {}, saved {} by {}.",
                if s.status == "submitted" {
                    "Submitted"
                } else {
                    "Draft"
                },
                s.version,
                when(s.saved_at),
                s.author
            ),
            Some(shown(&s.body)),
            None,
        ),
        Some(WriteupView::Summary(s)) => (
            format!(
                "Anonymised summary of {} version {}, saved {}. The host has not shared the full write-up with you.",
                s.status, s.version, when(s.saved_at)
            ),
            None,
            Some(SummaryShown {
                dates: dates_text(&s.review_dates),
                focus: areas_text(&s.focus_areas),
                excellence_theme: s
                    .excellence_theme
                    .map(words::area)
                    .unwrap_or_else(|| "none".into()),
                support: areas_text(&s.support_needed),
                follow_up: s.follow_up.map(words::date).unwrap_or_default(),
                withheld: s.withheld.join(", ").replace(['_', '.'], " "),
            }),
        ),
    };
    render(&ReadPage {
        layout: Layout::new(format!("Write-up: {}", ctx.host_name), Some(&caller)),
        year_id,
        host_name: ctx.host_name.clone(),
        meta,
        full,
        summary,
        is_host,
    })
}

/// Who will read the write-up, in words, from the host's sharing choice.
fn audience(ctx: &Context, share_group: bool, sim_full: bool) -> Vec<String> {
    let mut out = vec![format!(
        "You, the lead reviewer, and the head of {} read the whole write-up.",
        ctx.host_name
    )];
    if !ctx.others.is_empty() {
        let others = ctx.others.join("; ");
        out.push(if share_group {
            format!("The rest of the group reads the whole write-up, as the host chose: {others}.")
        } else {
            format!("The rest of the group does not read it, as the host has not shared it with them: {others}.")
        });
    }
    out.push(if sim_full {
        "The School Improvement Manager reads the whole write-up: the host consented.".into()
    } else {
        "The School Improvement Manager reads only an anonymised summary: the focus areas, the support needed, the theme of the area of excellence and the dates; no estimates, school, person or written text.".into()
    });
    out.push("Nobody else reads it. The host head may change this choice at any time.".into());
    out
}

/// `POST`: `action=save` saves a draft; `action=review` saves, checks and
/// shows the confirmation; `action=submit` (from the confirmation, with the
/// version shown) submits exactly that version's text.
pub async fn save(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Path((year_id, host)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let ctx = context(&state, year_id, &host).await?;
    let Some(ctx) = ctx.filter(|c| is_lead(&caller, c)) else {
        return Err(AppError::forbidden(
            "only the lead reviewer of this review writes its write-up",
        )
        .into());
    };
    let action = fields
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
        .unwrap_or("save");
    if action == "submit" {
        let version: i64 = fields
            .iter()
            .find(|(k, _)| k == "version")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| AppError::bad_request("the version to submit is missing"))?;
        let Some(WriteupView::Full(shown_version)) =
            latest(&state, &caller, year_id, &host, Some(version)).await?
        else {
            return Err(AppError::not_found(format!("no version {version} to submit")).into());
        };
        let saved = store_version(
            &state,
            &caller,
            year_id,
            &host,
            shown_version.body.input(),
            true,
        )
        .await?;
        return Ok(see_other(&format!(
            "/years/{year_id}/reviews/{host}/writeup?submitted={}#notice",
            saved.version
        )));
    }
    let form = FormValues::from_fields(&fields);
    let refuse = |error: Option<String>, problems: Vec<(&'static str, String)>| {
        let mut page = form_page(&caller, year_id, &host, &ctx, form.clone(), None);
        page.error = error;
        page.problems = problems;
        render_with(StatusCode::BAD_REQUEST, &page)
    };
    let input = match form.to_input() {
        Ok(i) => i,
        Err(problems) => return refuse(None, problems),
    };
    let saved = match store_version(&state, &caller, year_id, &host, input, false).await {
        Ok(s) => s,
        Err(e) if e.kind == app::Kind::BadRequest => {
            return match saved_problem(&e.message) {
                Ok(p) => refuse(None, vec![p]),
                Err(m) => refuse(Some(m), Vec::new()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    if action != "review" || saved.status == "submitted" {
        // A save after submission is a correction, already submitted.
        return Ok(see_other(&format!(
            "/years/{year_id}/reviews/{host}/writeup?saved={}#notice",
            saved.version
        )));
    }
    let Some(WriteupView::Full(stored)) =
        latest(&state, &caller, year_id, &host, Some(saved.version)).await?
    else {
        return Err(AppError::not_found("the draft just saved is gone").into());
    };
    let problems = stored.body.problems(true);
    if !problems.is_empty() {
        let mut page = form_page(&caller, year_id, &host, &ctx, form, Some(&stored));
        page.error = Some(format!(
            "Your draft is saved (version {}), but it cannot be submitted yet.",
            saved.version
        ));
        page.problems = problems.iter().map(form_problem).collect();
        return render_with(StatusCode::BAD_REQUEST, &page);
    }
    let sharing = writeups::sharing(&state.db, year_id, &host).await?;
    render(&ConfirmPage {
        layout: Layout::new(
            format!("Submit the write-up: {}", ctx.host_name),
            Some(&caller),
        ),
        year_id,
        host: host.clone(),
        host_name: ctx.host_name.clone(),
        version: stored.version,
        shown: shown(&stored.body),
        audience: audience(&ctx, sharing.share_group, sharing.sim_full),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::form_fields;

    #[test]
    fn the_form_round_trips_and_names_bad_fields() {
        let f = FormValues::from_fields(&form_fields(&[
            ("csrf", "x"),
            ("strengths", "Reading"),
            ("areas_to_develop", "Maths"),
            ("leadership", "2"),
            ("provision_and_outcomes", ""),
            ("disadvantaged_and_send", "3"),
            ("excellence_theme", "english_phonics"),
            ("excellence_description", "Phonics"),
            ("support", "maths"),
            ("support", "send"),
            ("next_steps", "Visit"),
            ("follow_up", "2027-03-01"),
        ]));
        let input = f.to_input().unwrap();
        assert_eq!(input.estimates.leadership, Some(2));
        assert_eq!(input.estimates.provision_and_outcomes, None);
        assert_eq!(input.support_needed, vec![NeedArea::Maths, NeedArea::Send]);
        assert_eq!(
            input.area_of_excellence.as_ref().unwrap().theme,
            NeedArea::EnglishPhonics
        );
        assert_eq!(FormValues::of(&input), f);

        let bad = |pairs: &[(&str, &str)]| {
            FormValues::from_fields(&form_fields(pairs))
                .to_input()
                .unwrap_err()
        };
        let only = |pairs: &[(&str, &str)]| {
            let mut all = bad(pairs);
            assert_eq!(all.len(), 1, "{all:?}");
            all.remove(0)
        };
        let (id, m) = only(&[("leadership", "5")]);
        assert_eq!(id, "leadership");
        assert!(m.starts_with("Leadership at all levels"), "{m}");
        let (id, m) = only(&[("follow_up", "soon")]);
        assert_eq!(id, "follow_up");
        assert!(m.contains("\"soon\" is not one"), "{m}");
        assert_eq!(
            only(&[("excellence_description", "x")]).0,
            "excellence_theme"
        );
        assert_eq!(only(&[("support", "knitting")]).0, "support");
        // Every field that cannot be read at once, each by its own id.
        let ids: Vec<&str> = bad(&[("leadership", "0"), ("follow_up", "soon")])
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, vec!["leadership", "follow_up"]);
    }

    #[test]
    fn the_saved_texts_problems_stand_beside_their_fields() {
        assert_eq!(
            saved_problem("next_steps: 5001 characters, at most 5000"),
            Ok((
                "next_steps",
                "Agreed next steps: 5001 characters, at most 5000".to_string()
            ))
        );
        assert_eq!(
            saved_problem("support_needed[2]: maths is listed twice").map(|p| p.0),
            Ok("support")
        );
        assert!(saved_problem("What went well: holds a control character").is_err());
        let p = BodyProblem {
            field: BodyField::FollowUp,
            path: "follow_up".into(),
            what: Wrong::NotAfterReview {
                follow_up: "2027-03-01".parse().unwrap(),
                last: "2027-03-02".parse().unwrap(),
            },
        };
        assert_eq!(
            form_problem(&p),
            (
                "follow_up",
                "The follow-up date must be after the review, which ends on Tuesday 2 March 2027"
                    .to_string()
            )
        );
    }

    #[test]
    fn the_audience_follows_the_sharing_choice() {
        let ctx = Context {
            host_name: "Host School".into(),
            lead_urn: Urn(2),
            dates: String::new(),
            others: vec!["Third School (Tia)".into()],
        };
        let private = audience(&ctx, false, false).join(" ");
        assert!(private.contains("group does not read it"), "{private}");
        assert!(private.contains("anonymised summary"), "{private}");
        let shared = audience(&ctx, true, true).join(" ");
        assert!(
            shared.contains("reads the whole write-up, as the host chose: Third School (Tia)."),
            "{shared}"
        );
        assert!(shared.contains("Manager reads the whole"), "{shared}");
    }
}
