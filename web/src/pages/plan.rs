//! A plan version for the SIM: the groups as a table (score by term and an
//! explanation of each), the schools left out with their reasons, the map,
//! downloads (CSVs, one Excel workbook, the year's report as one HTML file,
//! served here too); the SIM's hand (pin a group, exclude a pair, opt a school
//! out, each stored as a new version of the `hand` input through the API's
//! checks) with re-run; and publish.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use optimiser::model::{School, Urn};
use optimiser::triads::plan::Triad;
use optimiser::triads::{Exclusion, Pin};
use serde::Deserialize;

use super::views::{adviser_text, dates_text, sentence};
use super::{render, see_other, Layout, Page, PageError, PageResult};
use crate::error::AppError;
use crate::extract::SimYear;
use crate::AppState;
use formats::export::{ALLOCATION_CSV, PLAN_CSVS};
use report::{self, words};
use store::inputs::{self, Hand};
use store::plans;
use store::writeups::Directory;

#[derive(Template)]
#[template(path = "pages/plan.html")]
struct PlanPage {
    layout: Layout,
    year_id: i64,
    version: i64,
    status: String,
    is_draft: bool,
    notice: Option<String>,
    stats: Vec<(&'static str, String)>,
    /// What to know before publishing, warnings first.
    check: app::plans::PlanCheck,
    /// Against the published plan and the version before.
    comparisons: Vec<app::plans::Comparison>,
    /// The raw score, kept as a detail.
    score: String,
    warnings: Vec<String>,
    diagnosis: Vec<String>,
    map: String,
    /// The web map's legend and the schools it cannot place.
    map_data: report::MapData,
    /// The web map's data, for `static/plan-map.js` (escaped for a script
    /// element by `report::script_json`).
    map_json: String,
    groups: Vec<GroupRow>,
    unplaced: Vec<(String, String)>,
    csvs: Vec<(&'static str, String)>,
    /// The year's allocation as CSV, once there is one.
    allocation_csv: Option<String>,
    hand_version: i64,
    pins: Vec<(usize, String)>,
    exclusions: Vec<(usize, String)>,
    opt_outs: Vec<(String, String)>,
    schools: Vec<(String, String)>,
    /// A change to the hand that was refused, with what was chosen kept.
    refusal: Option<HandRefusal>,
}

impl PlanPage {
    /// The problem to say beside a field of the hand's forms.
    fn beside(&self, id: &str) -> Option<&str> {
        self.refusal.as_ref().and_then(|r| {
            r.beside
                .iter()
                .find(|(f, _)| *f == id)
                .map(|(_, m)| m.as_str())
        })
    }

    /// What the exclusion form had chosen or typed, to show it again.
    fn kept(&self, id: &str) -> &str {
        match (&self.refusal, id) {
            (Some(r), "a") => &r.a,
            (Some(r), "b") => &r.b,
            (Some(r), "reason") => &r.reason,
            _ => "",
        }
    }
}

/// A refused change to the hand, in the page's words.
#[derive(Default)]
struct HandRefusal {
    /// Problems of no single field, at the top of "Your changes".
    general: Vec<String>,
    /// (a field's id, what to do), beside it.
    beside: Vec<(&'static str, String)>,
    a: String,
    b: String,
    reason: String,
}

impl HandRefusal {
    /// Every problem of a refused hand, the new exclusion's beside its
    /// fields (`exclusion`: its 1-based place in the hand) and the rest in
    /// sentences with the schools' names.
    fn of(
        problems: &[app::Problem],
        exclusion: Option<usize>,
        names: &HashMap<Urn, String>,
    ) -> HandRefusal {
        let mut r = HandRefusal::default();
        for p in problems {
            let field = p.field.as_deref().unwrap_or("");
            let value = p.value.as_deref().unwrap_or("");
            let what = p
                .message
                .strip_prefix(&format!("{field} {value:?} "))
                .unwrap_or(&p.message);
            let new_exclusion = exclusion.map(|n| format!("exclude[{n}]"));
            match new_exclusion
                .as_deref()
                .and_then(|at| field.strip_prefix(at))
            {
                Some(".b") if what.starts_with("is the same school") => r
                    .beside
                    .push(("exclude-b", "Choose two different schools".into())),
                Some(".a") => r
                    .beside
                    .push(("exclude-a", "Choose a school from the list".into())),
                Some(".b") => r
                    .beside
                    .push(("exclude-b", "Choose a school from the list".into())),
                Some(".reason") if value.trim().is_empty() => r.beside.push((
                    "exclude-reason",
                    "Say why these two schools should not be grouped".into(),
                )),
                Some(".reason") => r
                    .beside
                    .push(("exclude-reason", format!("The reason {what}"))),
                _ => {
                    let school = value
                        .parse::<Urn>()
                        .ok()
                        .and_then(|u| names.get(&u).cloned());
                    r.general.push(match school {
                        Some(name) => format!("{name} {}", hand_words(what)),
                        None => sentence(&hand_words(&p.message)),
                    });
                }
            }
        }
        r
    }
}

/// The hand's own references ("pin[2]") as people say them.
fn hand_words(text: &str) -> String {
    let mut out = text.to_string();
    for (from, to) in [
        ("pin[", "pinned group "),
        ("exclude[", "excluded pair "),
        ("opt_out[", "opted-out school "),
        ("schools[", "school "),
    ] {
        while let Some(at) = out.find(from) {
            let Some(close) = out[at..].find(']') else {
                break;
            };
            let n = out[at + from.len()..at + close].to_string();
            out.replace_range(at..at + close + 1, &format!("{to}{n}"));
        }
    }
    out
}

struct GroupRow {
    label: String,
    number: String,
    phase: &'static str,
    schools: String,
    urns: Vec<String>,
    adviser: String,
    adviser_id: String,
    reviews: Vec<String>,
    score: Vec<(String, String)>,
    total: String,
    explanation: String,
    calendars: Vec<(String, String)>,
}

/// Why a group is as it is, in words: how it was made (pinned, kept) and
/// its measures, then anything to check by hand.
pub fn explain(t: &Triad) -> String {
    let m = &t.metrics;
    let mut parts = Vec::new();
    if t.pinned {
        parts.push("Pinned by you".to_string());
    }
    if t.kept {
        parts.push("Kept from the published plan".to_string());
    }
    parts.push(format!(
        "visiting heads travel {:.1} km in all",
        m.travel_km
    ));
    if let Some(d) = m.max_distance_km {
        parts.push(format!("schools at most {d:.1} km apart"));
    }
    parts.push(format!("sizes differ by {:.0} %", m.size_gap_pct));
    parts.push(format!(
        "free school meals differ by {:.1} points",
        m.fsm_gap_pts
    ));
    if let Some(n) = m.fewest_common_dates {
        parts.push(format!("every pair of heads shares at least {n} dates"));
    }
    if let (None, Some(why)) = (&t.adviser, &t.adviser_reason) {
        parts.push(format!("no adviser: {why}"));
    }
    let mut text = parts.join("; ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text.push('.');
    // Each flag is a sentence of its own, to be checked by hand.
    for f in &t.flags {
        text.push(' ');
        text.push_str(&sentence(f));
        text.push('.');
    }
    text
}

fn names(schools: &[School]) -> HashMap<Urn, String> {
    schools.iter().map(|s| (s.urn, s.name.clone())).collect()
}

fn name_of(names: &HashMap<Urn, String>, u: Urn) -> String {
    names
        .get(&u)
        .cloned()
        .unwrap_or_else(|| format!("the school with URN {u}"))
}

#[derive(Deserialize)]
pub struct PlanQuery {
    published: Option<String>,
    hand: Option<i64>,
}

/// `GET /years/{year}/plans/{version}`.
pub async fn show(
    State(state): State<AppState>,
    Page(sim_year): Page<SimYear>,
    Path((_, version)): Path<(i64, i64)>,
    Query(q): Query<PlanQuery>,
) -> PageResult<Response> {
    plan_page(&state, &sim_year, version, &q, None).await
}

/// The plan page; with `refusal`, a refused change to the hand said beside
/// its form (status 400).
async fn plan_page(
    state: &AppState,
    sim_year: &app::SimYear,
    version: i64,
    q: &PlanQuery,
    refusal: Option<HandRefusal>,
) -> PageResult<Response> {
    let refused = refusal.is_some();
    let year_id = sim_year.year.id;
    let pv = plans::get(&state.db, year_id, version)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no plan version {version} in this year")))?;
    let schools = inputs::latest_or_default::<Vec<School>>(&state.db, year_id, "schools").await?;
    let names = names(&schools);
    let dir = Directory::load(&state.db, year_id).await?;
    let reason_names = words::Names::new(names.clone(), dir.advisers.clone());
    let plan = &pv.plan;
    let s = &plan.stats;
    let check = app::plans::check(&state.db, sim_year, version).await?;
    let comparisons = app::plans::comparisons(&state.db, sim_year, version).await?;
    let mut stats: Vec<(&'static str, String)> =
        vec![("Schools placed", format!("{} of {}", s.placed, s.schools))];
    for line in &s.relaxations {
        stats.push(("Relaxing one rule", line.clone()));
    }
    let score = format!(
        "{} points; no plan under these rules can score below {} (gap {}). Points weigh the measures above by the year's rules; lower is better.",
        words::points(s.objective),
        words::points(s.lower_bound),
        words::percent(s.gap)
    );
    let groups = plan
        .triads
        .iter()
        .map(|t| GroupRow {
            label: words::group(&t.id),
            number: words::group_number(&t.id),
            phase: words::phase(t.phase),
            schools: t
                .schools
                .iter()
                .map(|&u| name_of(&names, u))
                .collect::<Vec<_>>()
                .join(" → "),
            urns: t.schools.iter().map(|u| u.to_string()).collect(),
            adviser: t
                .adviser
                .as_deref()
                .map(|a| adviser_text(&dir.adviser(a)))
                .unwrap_or_else(|| "none".into()),
            adviser_id: t.adviser.clone().unwrap_or_default(),
            reviews: t
                .reviews
                .iter()
                .map(|r| {
                    let when = match (
                        words::review_undated(r, &reason_names),
                        r.dates.is_empty() && r.start.is_none(),
                    ) {
                        (Some(why), true) => format!("no date. {why}"),
                        _ => dates_text(&store::writeups::review_days(r)),
                    };
                    // Who attends beyond the heads: under "one review" the
                    // adviser comes to the review that names them.
                    let adviser = match (&t.adviser, &r.adviser_absent) {
                        (Some(a), Some(_)) => {
                            match t.reviews.iter().find(|o| o.adviser.is_some()) {
                                Some(o) => format!(
                                    " ({} comes only to the review of {})",
                                    reason_names.adviser(a),
                                    name_of(&names, o.host)
                                ),
                                None => format!(" (without {})", reason_names.adviser(a)),
                            }
                        }
                        _ => String::new(),
                    };
                    format!(
                        "{} led by {}: {when}{adviser}",
                        name_of(&names, r.host),
                        name_of(&names, r.lead)
                    )
                })
                .collect(),
            score: t
                .score
                .iter()
                .map(|(k, v)| (words::score_term(k), words::points(*v)))
                .collect(),
            total: words::points(t.total_score()),
            explanation: explain(t),
            calendars: t
                .schools
                .iter()
                .map(|&u| {
                    (
                        name_of(&names, u),
                        format!("/api/years/{year_id}/plans/{version}/ics/school-{u}.ics"),
                    )
                })
                .collect(),
        })
        .collect();
    let stored = app::hand::get(&state.db, sim_year).await?;
    let hand = &stored.hand;
    let mut options: Vec<(String, String)> = schools
        .iter()
        .map(|s| (s.urn.to_string(), format!("{} (URN {})", s.name, s.urn)))
        .collect();
    options.sort_by(|a, b| a.1.cmp(&b.1));
    let map_data = report::map_data(plan, &schools);
    let tiles = state.config.tiles.as_ref();
    let map_json = report::script_json(&serde_json::json!({
        "tiles": tiles.map(|t| serde_json::json!({
            "url": t.url_template,
            "attribution": t.attribution_html,
        })),
        "map": &map_data,
    }));
    let mut page = render(&PlanPage {
        layout: Layout::new(format!("Plan version {version}"), Some(&sim_year.caller)),
        year_id,
        version,
        status: pv.status.clone(),
        is_draft: pv.status == "draft",
        notice: match (&q.published, q.hand) {
            (Some(_), _) => Some(format!(
                "Plan version {version} is published. Heads see their groups, dates and roles now."
            )),
            (None, Some(v)) => Some(format!(
                "Your changes to the groups are saved as version {v}. Re-run matching to apply them."
            )),
            _ => None,
        },
        stats,
        check,
        comparisons,
        score,
        warnings: plan.warnings.clone(),
        diagnosis: plan.diagnosis.clone(),
        map: report::map_svg(plan, &schools),
        map_data,
        map_json,
        groups,
        unplaced: plan
            .unplaced
            .iter()
            .map(|u| (name_of(&names, u.urn), words::unplaced(u, &reason_names)))
            .collect(),
        csvs: PLAN_CSVS
            .iter()
            .map(|n| (*n, format!("/api/years/{year_id}/plans/{version}/csv/{n}")))
            .collect(),
        allocation_csv: store::jobs::allocations::latest(&state.db, year_id)
            .await?
            .map(|_| format!("/api/years/{year_id}/plans/{version}/csv/{ALLOCATION_CSV}")),
        hand_version: stored.version,
        pins: hand
            .pin
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let who = p
                    .schools
                    .iter()
                    .map(|&u| name_of(&names, u))
                    .collect::<Vec<_>>()
                    .join(", ");
                let adviser = p
                    .adviser
                    .as_deref()
                    .map(|a| format!(" with {}", reason_names.adviser(a)))
                    .unwrap_or_default();
                (i, format!("{who}{adviser}"))
            })
            .collect(),
        exclusions: hand
            .exclude
            .iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    i,
                    format!(
                        "{} and {}: {}",
                        name_of(&names, e.a),
                        name_of(&names, e.b),
                        e.reason
                    ),
                )
            })
            .collect(),
        opt_outs: hand
            .opt_out
            .iter()
            .map(|&u| (u.to_string(), name_of(&names, u)))
            .collect(),
        schools: options,
        refusal,
    })?;
    if refused {
        *page.status_mut() = StatusCode::BAD_REQUEST;
    }
    if let Some(t) = tiles {
        page.extensions_mut()
            .insert(super::TileOrigin(t.csp_origin.clone()));
    }
    Ok(page)
}

/// The hand with one change applied, from a posted form; the message of a
/// malformed form names the field.
fn changed_hand(mut hand: Hand, fields: &[(String, String)]) -> Result<Hand, String> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let urn = |name: &str| -> Result<Urn, String> {
        let v = get(name);
        v.parse()
            .map_err(|_| format!("{name}: {v:?} is not a school's URN"))
    };
    let index = |len: usize| -> Result<usize, String> {
        let v = get("index");
        v.parse::<usize>()
            .ok()
            .filter(|&i| i < len)
            .ok_or_else(|| format!("index: {v:?} is not an entry of your hand"))
    };
    match get("action").as_str() {
        "pin" => {
            let schools = fields
                .iter()
                .filter(|(k, _)| k == "school")
                .map(|(_, v)| {
                    v.parse()
                        .map_err(|_| format!("school: {v:?} is not a school's URN"))
                })
                .collect::<Result<Vec<Urn>, String>>()?;
            let adviser = Some(get("adviser")).filter(|a| !a.is_empty());
            hand.pin.push(Pin { schools, adviser });
        }
        "unpin" => {
            let i = index(hand.pin.len())?;
            hand.pin.remove(i);
        }
        "exclude" => {
            let (a, b) = (urn("a")?, urn("b")?);
            hand.exclude.push(Exclusion {
                a,
                b,
                reason: get("reason"),
            });
        }
        "unexclude" => {
            let i = index(hand.exclude.len())?;
            hand.exclude.remove(i);
        }
        "opt_out" => {
            let u = urn("urn")?;
            if !hand.opt_out.contains(&u) {
                hand.opt_out.push(u);
            }
        }
        "opt_in" => {
            let u = urn("urn")?;
            hand.opt_out.retain(|&x| x != u);
        }
        other => return Err(format!("action: {other:?} is not a change to the hand")),
    }
    Ok(hand)
}

/// `POST /years/{year}/hand`: one change to the SIM's hand, stored as a new
/// version through the API's checks; back to the plan it was made from.
pub async fn change_hand(
    State(state): State<AppState>,
    Page(sim_year): Page<SimYear>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let year_id = sim_year.year.id;
    let current = app::hand::get(&state.db, &sim_year).await?;
    let back: Option<i64> = fields
        .iter()
        .find(|(k, _)| k == "plan")
        .and_then(|(_, v)| v.parse().ok());
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // Refused: back on the plan page it came from, the problem beside the
    // form and what was chosen kept.
    let refuse = |mut refusal: HandRefusal, message: String| async {
        // A form of no plan page (the dashboard's): the error page.
        let Some(v) = back else {
            return Err(PageError::from(AppError::bad_request(message)));
        };
        refusal.a = field("a");
        refusal.b = field("b");
        refusal.reason = field("reason");
        let q = PlanQuery {
            published: None,
            hand: None,
        };
        plan_page(&state, &sim_year, v, &q, Some(refusal)).await
    };
    let exclusion = (field("action") == "exclude").then_some(current.hand.exclude.len() + 1);
    let hand = match changed_hand(current.hand, &fields) {
        Ok(h) => h,
        Err(message) => {
            let refusal = HandRefusal {
                general: vec![message.clone()],
                ..HandRefusal::default()
            };
            return refuse(refusal, message).await;
        }
    };
    let stored = match app::hand::put(&state.db, &sim_year, hand).await {
        Ok(s) => s,
        Err(e) if e.code == "invalid_hand" => {
            let schools =
                inputs::latest_or_default::<Vec<School>>(&state.db, year_id, "schools").await?;
            let refusal = HandRefusal::of(&e.problems, exclusion, &names(&schools));
            return refuse(refusal, e.message).await;
        }
        Err(e) => return Err(e.into()),
    };
    Ok(see_other(&match back {
        Some(v) => format!("/years/{year_id}/plans/{v}?hand={}#hand", stored.version),
        None => format!("/years/{year_id}"),
    }))
}

/// `GET /years/{year}/plans/{version}/report`: the year's report of this
/// plan version, one HTML file that opens offline and prints (saved under
/// a name that says which year and version it is).
pub async fn report(
    State(state): State<AppState>,
    Page(sim_year): Page<SimYear>,
    Path((_, version)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let file = app::plans::report(&state.db, &sim_year, version).await?;
    Ok(crate::download::inline(file))
}

#[derive(Template)]
#[template(path = "pages/publish_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    year_id: i64,
    version: i64,
    check: app::plans::PlanCheck,
    comparisons: Vec<app::plans::Comparison>,
}

/// `GET /years/{year}/plans/{version}/publish`: the confirmation step,
/// naming who will be told what and the warnings that remain.
pub async fn confirm_publish(
    State(state): State<AppState>,
    Page(sim_year): Page<SimYear>,
    Path((_, version)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let year_id = sim_year.year.id;
    let pv = app::plans::get(&state.db, &sim_year, version).await?;
    if pv.status != "draft" {
        return Ok(see_other(&format!("/years/{year_id}/plans/{version}")));
    }
    let check = app::plans::check(&state.db, &sim_year, version).await?;
    let comparisons = app::plans::comparisons(&state.db, &sim_year, version).await?;
    render(&ConfirmPage {
        layout: Layout::new(
            format!("Publish plan version {version}"),
            Some(&sim_year.caller),
        ),
        year_id,
        version,
        check,
        comparisons,
    })
}

/// `POST /years/{year}/plans/{version}/publish`: the plan is checked once
/// more against every rule.
pub async fn publish(
    State(state): State<AppState>,
    Page(sim_year): Page<SimYear>,
    Path((_, version)): Path<(i64, i64)>,
) -> PageResult<Response> {
    app::plans::publish(&state.db, &sim_year, version).await?;
    Ok(see_other(&format!(
        "/years/{}/plans/{version}?published=1#top",
        sim_year.year.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::form_fields;

    fn problem(field: &str, value: &str, what: &str) -> app::Problem {
        app::Problem {
            line: None,
            message: format!("{field} {value:?} {what}"),
            field: Some(field.into()),
            value: Some(value.into()),
        }
    }

    #[test]
    fn a_refused_hand_speaks_of_schools_and_fields() {
        let names: HashMap<Urn, String> = [(Urn(900002), "Oak Primary".to_string())].into();
        let r = HandRefusal::of(
            &[
                problem("exclude[2].b", "900002", "is the same school as a"),
                problem("exclude[2].reason", "", "is empty: say why"),
                problem("pin[1].schools[2]", "900002", "is already in pin[3]"),
                problem(
                    "exclude[1].a",
                    "900777",
                    "is not a school of the year's schools input",
                ),
            ],
            Some(2),
            &names,
        );
        assert_eq!(
            r.beside,
            vec![
                ("exclude-b", "Choose two different schools".to_string()),
                (
                    "exclude-reason",
                    "Say why these two schools should not be grouped".to_string()
                ),
            ]
        );
        assert_eq!(
            r.general,
            vec![
                "Oak Primary is already in pinned group 3".to_string(),
                "Excluded pair 1.a \"900777\" is not a school of the year's schools input"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn each_form_changes_one_thing_of_the_hand() {
        let hand = changed_hand(
            Hand::default(),
            &form_fields(&[
                ("action", "pin"),
                ("school", "900001"),
                ("school", "900002"),
                ("school", "900003"),
                ("adviser", "adv-01"),
            ]),
        )
        .unwrap();
        assert_eq!(hand.pin.len(), 1);
        assert_eq!(hand.pin[0].adviser.as_deref(), Some("adv-01"));
        let hand = changed_hand(
            hand,
            &form_fields(&[
                ("action", "exclude"),
                ("a", "900004"),
                ("b", "900005"),
                ("reason", "merger"),
            ]),
        )
        .unwrap();
        let hand = changed_hand(
            hand,
            &form_fields(&[("action", "opt_out"), ("urn", "900006")]),
        )
        .unwrap();
        let hand = changed_hand(
            hand,
            &form_fields(&[("action", "opt_out"), ("urn", "900006")]),
        )
        .unwrap();
        assert_eq!(hand.opt_out, vec![Urn(900006)]);
        assert_eq!(hand.exclude[0].reason, "merger");
        let hand =
            changed_hand(hand, &form_fields(&[("action", "unpin"), ("index", "0")])).unwrap();
        assert!(hand.pin.is_empty());
        let hand = changed_hand(
            hand,
            &form_fields(&[("action", "opt_in"), ("urn", "900006")]),
        )
        .unwrap();
        assert!(hand.opt_out.is_empty());
        assert!(changed_hand(
            hand.clone(),
            &form_fields(&[("action", "unexclude"), ("index", "3")])
        )
        .unwrap_err()
        .starts_with("index"));
        assert!(
            changed_hand(hand, &form_fields(&[("action", "exclude"), ("a", "x")]))
                .unwrap_err()
                .starts_with("a:")
        );
    }
}
