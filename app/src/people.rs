//! People: invitations for heads, advisers and consultants of the year's
//! inputs, the list of users, and who has given availability.

use std::collections::{BTreeSet, HashMap, HashSet};

use optimiser::model::{Adviser, Consultant, Headteacher, School, Urn};
use serde::{Deserialize, Serialize};
use store::availability::{self, Submission};
use store::inputs::{self, Hand};
use store::people::{self, Invited, Invitee, Person};
use store::Db;

use crate::caller::{Caller, SimYear};
use crate::error::{AppError, AppResult, Kind, Problem};

/// `"all"`, or a list of URNs (heads) or ids (advisers, consultants).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Selection<T> {
    Word(String),
    List(Vec<T>),
}

/// Whom to invite; kinds left out invite nobody of that kind.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    /// `"all"` (every school of the schools input) or URNs.
    #[serde(default)]
    #[schema(value_type = Option<Object>, example = json!(["900001", "900002"]))]
    pub heads: Option<Selection<Urn>>,
    /// `"all"` (every adviser of the advisers input) or ids.
    #[serde(default)]
    #[schema(value_type = Option<Object>, example = json!("all"))]
    pub advisers: Option<Selection<String>>,
    /// `"all"` (every consultant of the consultants input) or ids.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub consultants: Option<Selection<String>>,
}

/// The chosen items of an input: every one for `"all"`, else those listed
/// (each once), with a problem for each that is not in the input.
fn choose<'a, T, K>(
    field: &str,
    selection: &Selection<K>,
    all: &'a [T],
    key: impl Fn(&T) -> K,
    problems: &mut Vec<Problem>,
) -> Vec<&'a T>
where
    K: Eq + std::hash::Hash + Clone + std::fmt::Display,
{
    match selection {
        Selection::Word(w) if w == "all" => all.iter().collect(),
        Selection::Word(w) => {
            problems.push(Problem {
                line: None,
                field: Some(field.to_string()),
                value: Some(w.clone()),
                message: format!("{field}: {w:?} is neither \"all\" nor a list"),
            });
            Vec::new()
        }
        Selection::List(keys) => {
            let index: HashMap<K, &T> = all.iter().map(|t| (key(t), t)).collect();
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for (i, k) in keys.iter().enumerate() {
                match index.get(k) {
                    Some(t) if seen.insert(k.clone()) => out.push(*t),
                    Some(_) => {}
                    None => problems.push(Problem {
                        line: None,
                        field: Some(format!("{field}[{}]", i + 1)),
                        value: Some(k.to_string()),
                        message: format!(
                            "{field}[{}]: {k} is not in the year's {field} input",
                            i + 1
                        ),
                    }),
                }
            }
            out
        }
    }
}

/// The latest list of an input kind, or the refusal naming the upload that
/// is missing.
async fn needed<T: serde::de::DeserializeOwned>(
    db: &Db,
    year_id: i64,
    kind: &str,
) -> AppResult<Vec<T>> {
    inputs::latest::<Vec<T>>(db, year_id, kind)
        .await?
        .map(|s| s.data)
        .ok_or_else(|| AppError::missing_input(format!("upload the {kind} of the year first")))
}

/// Invites people of the year's inputs: creates the users that do not exist
/// yet (a head per school, named from the heads input where it has the
/// school; advisers and consultants by their id) and issues each a fresh
/// single-use link under `base_url`, revoking their unused ones. Unknown
/// URNs or ids are each listed and nobody is invited. The SIM sends the
/// links.
pub async fn invite(
    db: &Db,
    year: &SimYear,
    req: &InvitationRequest,
    base_url: &str,
) -> AppResult<Vec<Invited>> {
    let year_id = year.year.id;
    if req.heads.is_none() && req.advisers.is_none() && req.consultants.is_none() {
        return Err(AppError::bad_request(
            "say whom to invite: heads, advisers or consultants",
        ));
    }
    let mut problems = Vec::new();
    let mut invitees = Vec::new();
    if let Some(sel) = &req.heads {
        let schools: Vec<School> = needed(db, year_id, "schools").await?;
        let heads: Vec<Headteacher> = inputs::latest_or_default(db, year_id, "heads").await?;
        let by_urn: HashMap<Urn, &Headteacher> = heads.iter().map(|h| (h.school, h)).collect();
        for s in choose("heads", sel, &schools, |s| s.urn, &mut problems) {
            let head = by_urn.get(&s.urn);
            invitees.push(Invitee {
                role: "head",
                name: head.map_or_else(|| format!("Head of {}", s.name), |h| h.name.clone()),
                email: head.map(|h| h.email.clone()).unwrap_or_default(),
                urn: Some(s.urn.to_string()),
                ext_id: None,
            });
        }
    }
    if let Some(sel) = &req.advisers {
        let advisers: Vec<Adviser> = needed(db, year_id, "advisers").await?;
        for a in choose("advisers", sel, &advisers, |a| a.id.clone(), &mut problems) {
            invitees.push(Invitee {
                role: "adviser",
                name: a.name.clone(),
                email: a.email.clone().unwrap_or_default(),
                urn: None,
                ext_id: Some(a.id.clone()),
            });
        }
    }
    if let Some(sel) = &req.consultants {
        let consultants: Vec<Consultant> = needed(db, year_id, "consultants").await?;
        for c in choose(
            "consultants",
            sel,
            &consultants,
            |c| c.id.clone(),
            &mut problems,
        ) {
            invitees.push(Invitee {
                role: "consultant",
                name: c.name.clone(),
                email: c.email.clone().unwrap_or_default(),
                urn: None,
                ext_id: Some(c.id.clone()),
            });
        }
    }
    if !problems.is_empty() {
        return Err(AppError::invalid(
            Kind::BadRequest,
            "unknown_people",
            format!(
                "{} people are not in the year's inputs; nobody was invited",
                problems.len()
            ),
            problems,
        ));
    }
    let invited = people::invite(db, &invitees, year.caller.user_id, base_url).await?;
    Ok(invited)
}

/// Every user (no tokens): role, name, school or id, whether invited and
/// whether they have signed in.
pub async fn list(db: &Db, caller: &Caller) -> AppResult<Vec<Person>> {
    caller.require_sim()?;
    Ok(people::list(db).await?)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MissingHead {
    pub urn: String,
    /// The school's name.
    pub name: String,
    /// The head's name, where the heads input has it.
    pub head: Option<String>,
    /// Whether the head has a user (has been invited).
    pub invited: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MissingAdviser {
    pub id: String,
    pub name: String,
    pub invited: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HeadsStatus {
    pub submitted: usize,
    pub of: usize,
    pub missing: Vec<MissingHead>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdvisersStatus {
    pub submitted: usize,
    pub of: usize,
    pub missing: Vec<MissingAdviser>,
}

/// Who has given availability. None where the input people are counted
/// from is not uploaded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AvailabilityStatus {
    /// Heads of the schools input, less schools the SIM's hand opts out.
    pub heads: Option<HeadsStatus>,
    /// Advisers of the advisers input.
    pub advisers: Option<AdvisersStatus>,
}

/// How many heads and advisers have given availability, and who has not.
pub async fn availability_status(db: &Db, year: &SimYear) -> AppResult<AvailabilityStatus> {
    let year_id = year.year.id;
    let users = people::list(db).await?;
    let has_user = |role: &str, key: &str| {
        users.iter().any(|u| {
            u.role == role && (u.urn.as_deref() == Some(key) || u.ext_id.as_deref() == Some(key))
        })
    };
    let heads = match inputs::latest::<Vec<School>>(db, year_id, "schools").await? {
        None => None,
        Some(schools) => {
            let done: BTreeSet<String> = people::with_availability(db, year_id, "head").await?;
            let hand: Hand = inputs::latest_or_default(db, year_id, "hand").await?;
            let out: HashSet<Urn> = hand.opt_out.into_iter().collect();
            let names: HashMap<Urn, String> =
                inputs::latest::<Vec<Headteacher>>(db, year_id, "heads")
                    .await?
                    .map(|s| s.data.into_iter().map(|h| (h.school, h.name)).collect())
                    .unwrap_or_default();
            let taking_part: Vec<&School> = schools
                .data
                .iter()
                .filter(|s| !out.contains(&s.urn))
                .collect();
            let missing: Vec<MissingHead> = taking_part
                .iter()
                .filter(|s| !done.contains(&s.urn.to_string()))
                .map(|s| MissingHead {
                    urn: s.urn.to_string(),
                    name: s.name.clone(),
                    head: names.get(&s.urn).cloned(),
                    invited: has_user("head", &s.urn.to_string()),
                })
                .collect();
            Some(HeadsStatus {
                submitted: taking_part.len() - missing.len(),
                of: taking_part.len(),
                missing,
            })
        }
    };
    let advisers = match inputs::latest::<Vec<Adviser>>(db, year_id, "advisers").await? {
        None => None,
        Some(list) => {
            let done = people::with_availability(db, year_id, "adviser").await?;
            let missing: Vec<MissingAdviser> = list
                .data
                .iter()
                .filter(|a| !done.contains(&a.id))
                .map(|a| MissingAdviser {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    invited: has_user("adviser", &a.id),
                })
                .collect();
            Some(AdvisersStatus {
                submitted: list.data.len() - missing.len(),
                of: list.data.len(),
                missing,
            })
        }
    };
    Ok(AvailabilityStatus { heads, advisers })
}

/// One person's availability as the SIM sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonAvailability {
    pub person: Person,
    /// How many times they have submitted (the latest counts).
    pub versions: i64,
    pub latest: Option<Submission>,
}

/// Anyone's latest availability for the year, with how many versions they
/// have submitted.
pub async fn availability_of(
    db: &Db,
    year: &SimYear,
    user_id: i64,
) -> AppResult<PersonAvailability> {
    let year_id = year.year.id;
    let person = people::get(db, user_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {user_id}")))?;
    Ok(PersonAvailability {
        versions: people::availability_versions(db, year_id, user_id).await?,
        latest: availability::current(db, year_id, user_id).await?,
        person,
    })
}
