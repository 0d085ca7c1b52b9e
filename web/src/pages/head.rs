//! A head's pages of a year: the year page (availability and choices
//! before the deadline; group, dates, roles and write-ups after
//! publication), the choices form, and the sharing choice of their
//! school's write-up.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use optimiser::model::{NeedArea, School, Urn};
use serde::Deserialize;
use serde_json::json;

use super::availability::{long_date, when};
use super::views::{adviser_text, dates_text, school_name, school_names, school_text, sentence};
use super::{render, render_with, see_other, Layout, Page, PageResult};
use crate::auth::Caller;
use crate::extract::HeadYear;
use crate::AppState;
use app::head::group::{GroupView, MyPlace, ReviewView};
use report::words;
use store::writeups::{self, Directory};
use store::{availability, choices, inputs, years};

#[derive(Template)]
#[template(path = "pages/head_year.html")]
struct HeadYearPage {
    layout: Layout,
    year_id: i64,
    year_name: String,
    school: String,
    deadline: String,
    open: bool,
    availability: Option<String>,
    focus: Vec<String>,
    avoid: Vec<String>,
    choices_saved: bool,
    group: Option<GroupBox>,
    /// Where the school stands when there is no group to show.
    place: Place,
    /// Left out: no write-ups and no sharing choice to make.
    left_out: bool,
    my_urn: String,
    writeup: Option<String>,
    share_group: bool,
    sim_full: bool,
    sharing_chosen: Option<String>,
    sharing_saved: bool,
    leading: Vec<LeadLink>,
    feed: super::feeds::FeedPanel,
}

/// The group section's state when the school has no group to show.
enum Place {
    InGroup,
    NotPublished,
    /// Why the published plan leaves the school out, and what the SIM can do.
    LeftOut {
        why: String,
        remedy: String,
    },
    NotInPlan,
}

struct GroupBox {
    label: String,
    plan_version: i64,
    schools: Vec<String>,
    adviser: String,
    /// Some review of mine has dates: my calendar file has entries.
    dated: bool,
    roles: Vec<(String, String)>,
    reviews: Vec<ReviewRow>,
}

pub struct ReviewRow {
    pub host: String,
    pub lead: String,
    pub reviewers: String,
    pub dates: String,
}

impl ReviewRow {
    /// A review as a row; `dates` as the page says them.
    pub fn new(r: &ReviewView, dates: String) -> ReviewRow {
        ReviewRow {
            host: school_name(&r.host),
            lead: school_name(&r.lead),
            reviewers: school_names(&r.reviewers),
            dates,
        }
    }
}

struct LeadLink {
    host_urn: String,
    host: String,
    /// An undated review will not take place as planned: nothing to write up.
    dated: bool,
    dates: String,
}

fn group_box(g: &GroupView) -> GroupBox {
    GroupBox {
        label: report::words::group(&g.group_id),
        plan_version: g.plan_version,
        schools: g.schools.iter().map(school_text).collect(),
        // The reason a group has no adviser is the SIM's to act on (it
        // names other advisers and the budget): a head hears only that.
        adviser: match &g.adviser {
            Some(a) => adviser_text(a),
            None => "none this year; your group reviews without one".into(),
        },
        dated: g.my_roles.iter().any(|r| !r.dates.is_empty()),
        roles: g
            .my_roles
            .iter()
            .map(|r| (sentence(&r.description), dates_text(&r.dates)))
            .collect(),
        reviews: g
            .reviews
            .iter()
            .map(|r| {
                let dates = match &r.unscheduled_reason {
                    Some(why) if r.dates.is_empty() => {
                        format!("No date: this review cannot take place as planned. {why}")
                    }
                    _ => sentence(&dates_text(&r.dates)),
                };
                ReviewRow::new(r, dates)
            })
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct YearQuery {
    sharing: Option<String>,
    choices: Option<String>,
}

/// `GET /years/{year}` for a head.
pub async fn year_page(
    state: &AppState,
    caller: &Caller,
    year_id: i64,
    q: YearQuery,
) -> PageResult<Response> {
    let hy = app::HeadYear::check(&state.db, caller.clone(), year_id).await?;
    let urn = hy.urn.clone();
    let year = &hy.year;
    let dir = Directory::load(&state.db, year_id).await?;
    let school = urn
        .parse::<Urn>()
        .ok()
        .and_then(|u| dir.schools.get(&u).cloned())
        .unwrap_or_else(|| format!("URN {urn}"));
    let availability = availability::current(&state.db, year_id, caller.user_id)
        .await?
        .map(|s| {
            format!(
                "Version {} saved {}: {}.",
                s.version,
                when(s.submitted_at),
                super::calendar::summary(&s.dates)
            )
        });
    let saved_choices = choices::current(&state.db, year_id, &urn).await?;
    let (focus, avoid) = match &saved_choices {
        Some(c) => (
            c.choices.focus.iter().map(|&a| words::area(a)).collect(),
            c.choices
                .avoid
                .iter()
                .map(|a| {
                    let name = a
                        .urn
                        .parse::<Urn>()
                        .ok()
                        .and_then(|u| dir.schools.get(&u).cloned())
                        .unwrap_or_else(|| format!("URN {}", a.urn));
                    format!("{name}: {}", a.reason)
                })
                .collect(),
        ),
        None => (vec![], vec![]),
    };
    let (group, place) = match app::head::group::my_place(&state.db, &hy).await? {
        MyPlace::Group(g) => (Some(*g), Place::InGroup),
        MyPlace::NotPublished => (None, Place::NotPublished),
        MyPlace::LeftOut { why, remedy } => (None, Place::LeftOut { why, remedy }),
        MyPlace::NotInPlan => (None, Place::NotInPlan),
    };
    let leading = group
        .iter()
        .flat_map(|g| g.reviews.iter())
        .filter(|r| r.lead.urn == urn)
        .map(|r| LeadLink {
            host_urn: r.host.urn.clone(),
            host: school_name(&r.host),
            dated: !r.dates.is_empty(),
            dates: dates_text(&r.dates),
        })
        .collect();
    let writeup = writeups::versions(&state.db, year_id, &urn)
        .await?
        .last()
        .map(|v| {
            format!(
                "{} (version {}, saved {})",
                if v.status == "submitted" {
                    "Submitted"
                } else {
                    "Draft in progress"
                },
                v.version,
                when(v.saved_at)
            )
        });
    let sharing = writeups::sharing(&state.db, year_id, &urn).await?;
    render(&HeadYearPage {
        layout: Layout::new(format!("{}: {school}", year.name), Some(caller)),
        year_id,
        year_name: year.name.clone(),
        school,
        deadline: long_date(year.deadline),
        open: year.open_for_availability(years::today()),
        availability,
        focus,
        avoid,
        choices_saved: q.choices.is_some(),
        group: group.as_ref().map(group_box),
        left_out: matches!(place, Place::LeftOut { .. }),
        place,
        my_urn: urn,
        writeup,
        share_group: sharing.share_group,
        sim_full: sharing.sim_full,
        sharing_chosen: sharing.set_at.map(when),
        sharing_saved: q.sharing.is_some(),
        leading,
        feed: super::feeds::panel(state, caller, year_id).await?,
    })
}

#[derive(Deserialize)]
pub struct SharingForm {
    #[serde(default)]
    share_group: Option<String>,
    #[serde(default)]
    sim_full: Option<String>,
}

/// `POST /years/{year}/sharing`: who may read my school's write-up.
pub async fn save_sharing(
    State(state): State<AppState>,
    Page(hy): Page<HeadYear>,
    Form(form): Form<SharingForm>,
) -> PageResult<Response> {
    writeups::set_sharing(
        &state.db,
        hy.year.id,
        &hy.urn,
        hy.caller.user_id,
        form.share_group.is_some(),
        form.sim_full.is_some(),
    )
    .await?;
    Ok(see_other(&format!(
        "/years/{}?sharing=saved#writeups",
        hy.year.id
    )))
}

#[derive(Template)]
#[template(path = "pages/choices.html")]
struct ChoicesPage {
    layout: Layout,
    year_id: i64,
    year_name: String,
    deadline: String,
    open: bool,
    areas: Vec<AreaBox>,
    rows: Vec<AvoidRow>,
    schools: Vec<(String, String)>,
    saved: Option<String>,
    error: Option<String>,
    /// A problem of one field: (its id, what to do), said beside it.
    beside: Option<(String, String)>,
}

impl ChoicesPage {
    fn beside(&self, id: &str) -> Option<&str> {
        self.beside
            .as_ref()
            .filter(|(f, _)| f == id)
            .map(|(_, m)| m.as_str())
    }
}

/// A refusal of the choices ("avoid[2]: give a reason for avoiding URN
/// 100001") beside the row's field, in words with the school's name.
fn avoid_problem(
    message: &str,
    rows: &[AvoidRow],
    names: &[(String, String)],
) -> Option<(String, String)> {
    let rest = message.strip_prefix("avoid[")?;
    let (n, what) = rest.split_once("]: ")?;
    let i = n.parse::<usize>().ok()?.checked_sub(1)?;
    let row = rows.get(i)?;
    let name = names
        .iter()
        .find(|(u, _)| *u == row.urn)
        .map_or("this school", |(_, n)| n.as_str());
    let (field, text) = if what.starts_with("give a reason") {
        (
            "reason",
            format!("Give a reason for not being grouped with {name}"),
        )
    } else if what.starts_with("the reason is longer") {
        (
            "reason",
            format!("The reason {}", what.trim_start_matches("the reason ")),
        )
    } else if what.ends_with("is listed twice") {
        ("urn", format!("{name} is chosen twice: choose it once"))
    } else if what.ends_with("is your own school") {
        ("urn", "Choose a school other than your own".to_string())
    } else {
        ("urn", "Choose a school from the list".to_string())
    };
    Some((format!("avoid_{field}_{i}"), text))
}

struct AreaBox {
    key: &'static str,
    label: String,
    checked: bool,
}

struct AvoidRow {
    urn: String,
    reason: String,
}

/// Blank request rows offered below the saved ones (no script adds rows).
const BLANK_ROWS: usize = 2;

async fn choices_page(
    state: &AppState,
    hy: &app::HeadYear,
    focus: &[String],
    avoid: Vec<AvoidRow>,
) -> PageResult<ChoicesPage> {
    let year = &hy.year;
    let schools = inputs::latest_or_default::<Vec<School>>(&state.db, year.id, "schools").await?;
    let mut options: Vec<(String, String)> = schools
        .iter()
        .filter(|s| s.urn.to_string() != hy.urn)
        .map(|s| (s.urn.to_string(), format!("{} (URN {})", s.name, s.urn)))
        .collect();
    options.sort_by(|a, b| a.1.cmp(&b.1));
    let mut rows = avoid;
    rows.extend((0..BLANK_ROWS).map(|_| AvoidRow {
        urn: String::new(),
        reason: String::new(),
    }));
    Ok(ChoicesPage {
        layout: Layout::new(
            format!("Focus areas and requests, {}", year.name),
            Some(&hy.caller),
        ),
        year_id: year.id,
        year_name: year.name.clone(),
        deadline: long_date(year.deadline),
        open: year.open_for_availability(years::today()),
        areas: NeedArea::ALL
            .iter()
            .map(|a| AreaBox {
                key: a.key(),
                label: sentence(&words::area(*a)),
                checked: focus.iter().any(|f| f == a.key()),
            })
            .collect(),
        rows,
        schools: options,
        saved: None,
        error: None,
        beside: None,
    })
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<i64>,
}

/// `GET /years/{year}/choices`.
pub async fn choices_form(
    State(state): State<AppState>,
    Page(hy): Page<HeadYear>,
    Query(q): Query<SavedQuery>,
) -> PageResult<Response> {
    let current = choices::current(&state.db, hy.year.id, &hy.urn).await?;
    let (focus, avoid) = match &current {
        Some(c) => (
            c.choices
                .focus
                .iter()
                .map(|a| a.key().to_string())
                .collect(),
            c.choices
                .avoid
                .iter()
                .map(|a| AvoidRow {
                    urn: a.urn.clone(),
                    reason: a.reason.clone(),
                })
                .collect(),
        ),
        None => (vec![], vec![]),
    };
    let mut page = choices_page(&state, &hy, &focus, avoid).await?;
    if let (Some(_), Some(c)) = (q.saved, &current) {
        page.saved = Some(format!(
            "Saved as version {}: {} focus area{}, {} request{} not to be grouped with a school.",
            c.version,
            c.choices.focus.len(),
            if c.choices.focus.len() == 1 { "" } else { "s" },
            c.choices.avoid.len(),
            if c.choices.avoid.len() == 1 { "" } else { "s" },
        ));
    }
    render(&page)
}

/// The focus keys and request rows of a posted choices form. Rows are
/// `avoid_urn_N` / `avoid_reason_N`; a row without a school is dropped.
fn parse_choices(fields: &[(String, String)]) -> (Vec<String>, Vec<AvoidRow>) {
    let focus = fields
        .iter()
        .filter(|(k, _)| k == "focus")
        .map(|(_, v)| v.clone())
        .collect();
    let get = |name: String| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for (k, v) in fields {
        if let Some(i) = k.strip_prefix("avoid_urn_") {
            let reason = get(format!("avoid_reason_{i}"));
            if !v.trim().is_empty() {
                rows.push(AvoidRow {
                    urn: v.trim().to_string(),
                    reason,
                });
            }
        }
    }
    (focus, rows)
}

/// The posted focus areas and avoid rows as the choices the use case takes;
/// a focus area that is not one of the list is refused by name.
fn choices_of(focus: &[String], rows: &[AvoidRow]) -> app::AppResult<store::choices::Choices> {
    let focus = focus
        .iter()
        .map(|f| {
            serde_json::from_value(json!(f)).map_err(|_| {
                app::AppError::bad_request(format!(
                    "Focus areas: {f:?} is not one of the areas listed"
                ))
            })
        })
        .collect::<Result<Vec<NeedArea>, _>>()?;
    Ok(store::choices::Choices {
        focus,
        avoid: rows
            .iter()
            .map(|r| store::choices::Avoid {
                urn: r.urn.clone(),
                reason: r.reason.clone(),
            })
            .collect(),
    })
}

/// `POST /years/{year}/choices`: saved through the same use case as the API.
pub async fn save_choices(
    State(state): State<AppState>,
    Page(hy): Page<HeadYear>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (focus, rows) = parse_choices(&fields);
    let saved = match choices_of(&focus, &rows) {
        Ok(c) => app::head::choices::save(&state.db, &hy, &c).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(s) => Ok(see_other(&format!(
            "/years/{}/choices?saved={}#saved",
            hy.year.id, s.version
        ))),
        Err(e)
            if matches!(
                e.kind,
                app::Kind::BadRequest | app::Kind::NotFound | app::Kind::Conflict
            ) =>
        {
            let mut page = choices_page(&state, &hy, &focus, rows).await?;
            match avoid_problem(&e.message, &page.rows, &page.schools) {
                Some(b) => page.beside = Some(b),
                None => page.error = Some(e.message),
            }
            render_with(StatusCode::BAD_REQUEST, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::form_fields;

    #[test]
    fn a_refused_request_stands_beside_its_row() {
        let rows = vec![
            AvoidRow {
                urn: "900002".into(),
                reason: String::new(),
            },
            AvoidRow {
                urn: "900003".into(),
                reason: "x".into(),
            },
        ];
        let names = vec![("900002".to_string(), "Oak Primary (URN 900002)".to_string())];
        assert_eq!(
            avoid_problem(
                "avoid[1]: give a reason for avoiding URN 900002",
                &rows,
                &names
            ),
            Some((
                "avoid_reason_0".to_string(),
                "Give a reason for not being grouped with Oak Primary (URN 900002)".to_string()
            ))
        );
        assert_eq!(
            avoid_problem("avoid[2]: URN 900003 is listed twice", &rows, &names).map(|p| p.0),
            Some("avoid_urn_1".to_string())
        );
        assert_eq!(
            avoid_problem("focus[1]: maths is listed twice", &rows, &names),
            None
        );
        assert_eq!(
            avoid_problem("avoid[9]: give a reason", &rows, &names),
            None
        );
    }

    #[test]
    fn posted_choices_keep_rows_with_a_school() {
        let f = form_fields(&[
            ("csrf", "x"),
            ("focus", "maths"),
            ("focus", "send"),
            ("avoid_urn_0", "900002"),
            ("avoid_reason_0", " federation talks "),
            ("avoid_urn_1", ""),
            ("avoid_reason_1", "ignored"),
        ]);
        let (focus, rows) = parse_choices(&f);
        assert_eq!(focus, ["maths", "send"]);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].urn.as_str(), rows[0].reason.as_str()),
            ("900002", "federation talks")
        );
    }
}
