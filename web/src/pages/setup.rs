//! The SIM's set-up pages: a new year (`/years/new`, with an English school
//! year proposed and a preview of the school days it gives) and the rules
//! form (`/years/{year}/rules`, and the rules file to download). Adapters
//! over `app::setup`: the form's reading, the year's checks and the rules'
//! list all live there.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};

use super::{render, render_with, see_other, Layout, Page, PageResult, Viewer};
use crate::auth::Caller;
use crate::download::attachment;
use crate::extract::SimYear;
use crate::AppState;
use app::setup::rules_form::{self, Input, SectionView};
use app::setup::school_year::{self, SchoolDays};
use app::setup::year_form::{self, FieldErrors, Refused, YearForm, SPARE_ROWS};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/years/new", get(new_year).post(create_year))
        .route("/years/{year}/rules", get(rules).post(save_rules))
        .route("/years/{year}/rules.toml", get(rules_file))
}

/// One field of the new-year form.
struct Field {
    id: String,
    label: String,
    value: String,
    error: Option<String>,
}

fn field(errors: &FieldErrors, id: &str, label: &str, value: &str) -> Field {
    Field {
        id: id.into(),
        label: label.into(),
        value: value.into(),
        error: errors.get(id).cloned(),
    }
}

struct HalfTermRow {
    n: usize,
    name: Field,
    first: Field,
    last: Field,
}

struct BlackoutRow {
    n: usize,
    first: Field,
    last: Field,
    reason: Field,
}

#[derive(Template)]
#[template(path = "pages/new_year.html")]
struct NewYearPage {
    layout: Layout,
    name: Field,
    first: Field,
    last: Field,
    deadline: Field,
    half_terms: Vec<HalfTermRow>,
    blackouts: Vec<BlackoutRow>,
    /// Every problem, for the summary at the top: (field id, message).
    errors: Vec<(String, String)>,
    preview: Option<SchoolDays>,
}

/// The rows typed so far, then `SPARE_ROWS` blank ones to fill in (no
/// script adds rows), each with its index.
fn with_spares<T: Clone + Default>(rows: &[T]) -> impl Iterator<Item = (usize, T)> + '_ {
    rows.iter()
        .cloned()
        .chain(std::iter::repeat_n(T::default(), SPARE_ROWS))
        .enumerate()
}

fn new_year_page(
    caller: &Caller,
    form: &YearForm,
    errors: &FieldErrors,
    preview: Option<SchoolDays>,
) -> NewYearPage {
    let half_terms = with_spares(&form.half_terms)
        .map(|(i, r)| HalfTermRow {
            n: i + 1,
            name: field(errors, &format!("ht_name_{i}"), "Name", &r.name),
            first: field(errors, &format!("ht_first_{i}"), "First day", &r.first),
            last: field(errors, &format!("ht_last_{i}"), "Last day", &r.last),
        })
        .collect();
    let blackouts = with_spares(&form.blackouts)
        .map(|(i, r)| BlackoutRow {
            n: i + 1,
            first: field(errors, &format!("bo_first_{i}"), "First day", &r.first),
            last: field(
                errors,
                &format!("bo_last_{i}"),
                "Last day (if more than one day)",
                &r.last,
            ),
            reason: field(errors, &format!("bo_reason_{i}"), "Reason", &r.reason),
        })
        .collect();
    NewYearPage {
        layout: Layout::new("Create a programme year", Some(caller)),
        name: field(errors, "name", "Name of the year", &form.name),
        first: field(errors, "first", "First day of the window", &form.first),
        last: field(errors, "last", "Last day of the window", &form.last),
        deadline: field(errors, "deadline", "Availability deadline", &form.deadline),
        half_terms,
        blackouts,
        errors: errors
            .iter()
            .map(|(k, v)| {
                // A problem of the whole calendar has no field of its own.
                let target = if k == "form" { "first" } else { k.as_str() };
                (target.to_string(), v.clone())
            })
            .collect(),
        preview,
    }
}

/// `GET /years/new`: the form, filled with the next English school year.
pub async fn new_year(Viewer(caller): Viewer) -> PageResult<Response> {
    caller.require_sim()?;
    let form = YearForm::proposed(store::years::today());
    render(&new_year_page(&caller, &form, &FieldErrors::new(), None))
}

/// `POST /years/new`: Preview re-renders the form with the school days it
/// gives; Create makes the year and opens it, or shows the form as typed
/// with each problem beside its field.
pub async fn create_year(
    State(state): State<AppState>,
    Viewer(caller): Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    caller.require_sim()?;
    let form = YearForm::from_fields(&fields);
    let preview = fields.iter().any(|(k, v)| k == "action" && v == "preview");
    if preview {
        return match form.read() {
            Ok(new) => render(&new_year_page(
                &caller,
                &form,
                &FieldErrors::new(),
                Some(school_year::school_days(&new.calendar)),
            )),
            Err(errors) => render_with(
                StatusCode::BAD_REQUEST,
                &new_year_page(&caller, &form, &errors, None),
            ),
        };
    }
    match year_form::create(&state.db, &caller, &form).await {
        Ok(year) => Ok(see_other(&format!("/years/{}", year.id))),
        Err(Refused::Fields(errors)) => render_with(
            StatusCode::BAD_REQUEST,
            &new_year_page(&caller, &form, &errors, None),
        ),
        Err(Refused::Other(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/rules.html")]
struct RulesPage {
    layout: Layout,
    year_id: i64,
    year_name: String,
    sections: Vec<SectionView>,
    errors: Vec<(String, String)>,
    saved: Option<i64>,
}

impl RulesPage {
    fn is_number(&self, input: &Input) -> bool {
        matches!(
            input,
            Input::Number | Input::Whole | Input::OptionalNumber | Input::OptionalWhole
        )
    }

    fn is_kinds(&self, input: &Input) -> bool {
        *input == Input::AdviserKinds
    }
}

fn rules_page(
    sy: &app::SimYear,
    typed: Option<&[(String, String)]>,
    errors: &FieldErrors,
    saved: Option<i64>,
) -> PageResult<RulesPage> {
    let year = &sy.year;
    Ok(RulesPage {
        layout: Layout::new(format!("Rules for {}", year.name), Some(&sy.caller)),
        year_id: year.id,
        year_name: year.name.clone(),
        sections: rules_form::view(&year.rules, typed, errors)?,
        errors: errors
            .iter()
            .map(|(k, v)| {
                let target = if k == "form" {
                    "rules-form"
                } else {
                    k.as_str()
                };
                (target.to_string(), v.clone())
            })
            .collect(),
        saved,
    })
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<i64>,
}

/// `GET /years/{year}/rules`: every rule with its value, default and unit.
pub async fn rules(
    Page(year): Page<SimYear>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PageResult<Response> {
    render(&rules_page(&year, None, &FieldErrors::new(), q.saved)?)
}

/// `POST /years/{year}/rules`: saves the form as the next rules version.
pub async fn save_rules(
    State(state): State<AppState>,
    Page(year): Page<SimYear>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    match rules_form::save(&state.db, &year, &fields).await {
        Ok(saved) => Ok(see_other(&format!(
            "/years/{}/rules?saved={}",
            year.year.id, saved.version
        ))),
        Err(Refused::Fields(errors)) => render_with(
            StatusCode::BAD_REQUEST,
            &rules_page(&year, Some(&fields), &errors, None)?,
        ),
        Err(Refused::Other(e)) => Err(e.into()),
    }
}

/// `GET /years/{year}/rules.toml`: the rules file in force, as the API and
/// the command line read it.
pub async fn rules_file(Page(year): Page<SimYear>) -> PageResult<Response> {
    let text = if year.year.rules.trim().is_empty() {
        "# Every rule of this year is at its default.\n".to_string()
    } else {
        year.year.rules.clone()
    };
    Ok(attachment(
        "application/toml; charset=utf-8",
        "rules.toml",
        text,
    ))
}
