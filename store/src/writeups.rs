//! Review write-ups: what the lead reviewer records after a review, one row
//! per saved version (draft or submitted), never overwritten; and the host
//! head's choice of who may read it (`sharing`, also versioned).
//!
//! The stored body is the JSON of [`Writeup`]: what the lead typed, plus the
//! focus areas, team and dates filled in from the host's choices and the
//! published plan at the time of saving, so that every version reads on its
//! own. Its top-level `support_needed` (need-area keys) is what the
//! allocation reads as a school's need.
//!
//! Safeguarding concerns are not part of a write-up: they are escalated at
//! once to the designated people, never written here.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use optimiser::model::{NeedArea, Urn};
use optimiser::triads::plan::{Review, Triad};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{audit, inputs, insert_version, Column, Db};

/// Longest free-text field, in characters: a few pages.
pub const TEXT_MAX_CHARS: usize = 10_000;
/// Longest description of the area of excellence.
pub const EXCELLENCE_MAX_CHARS: usize = 2_000;

/// The lead's optional estimates, each on the 4-point scale heads know from
/// inspection: 1 outstanding, 2 good, 3 requires improvement, 4 inadequate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Estimates {
    /// Leadership at all levels.
    #[serde(default)]
    pub leadership: Option<u8>,
    /// Quality of provision and outcomes.
    #[serde(default)]
    pub provision_and_outcomes: Option<u8>,
    /// Provision for disadvantaged pupils and pupils with SEND.
    #[serde(default)]
    pub disadvantaged_and_send: Option<u8>,
}

impl Estimates {
    pub fn named(&self) -> [(&'static str, Option<u8>); 3] {
        [
            ("leadership", self.leadership),
            ("provision_and_outcomes", self.provision_and_outcomes),
            ("disadvantaged_and_send", self.disadvantaged_and_send),
        ]
    }
}

/// Something the host does well enough for others to learn from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Excellence {
    /// Its theme, a need-area key: the only part an anonymised summary keeps.
    #[schema(value_type = String)]
    pub theme: NeedArea,
    pub description: String,
}

/// What the lead reviewer writes. Drafts may leave anything empty; a
/// submission needs strengths, areas to develop, next steps and a follow-up
/// date. Safeguarding concerns do not belong here: escalate them at once to
/// the designated safeguarding lead and the council's designated officer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteupInput {
    /// What went well.
    #[serde(default)]
    pub strengths: String,
    /// Even better if.
    #[serde(default)]
    pub areas_to_develop: String,
    #[serde(default)]
    pub estimates: Estimates,
    #[serde(default)]
    pub area_of_excellence: Option<Excellence>,
    /// Areas in which the host needs support (need-area keys); empty when none.
    /// The allocation of consultants' days reads these.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub support_needed: Vec<NeedArea>,
    /// Agreed next steps.
    #[serde(default)]
    pub next_steps: String,
    /// When the group comes back to the next steps; after the review.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub follow_up: Option<NaiveDate>,
}

/// A school as a write-up or a group names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SchoolRef {
    pub urn: String,
    /// From the year's schools; None where the school is not among them.
    pub name: Option<String>,
    /// The head's name, where known.
    pub head: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdviserRef {
    pub id: String,
    pub name: Option<String>,
}

/// Who took part in a review, from the published plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Team {
    pub host: SchoolRef,
    pub lead: SchoolRef,
    /// Every visiting head, the lead first.
    pub reviewers: Vec<SchoolRef>,
    pub adviser: Option<AdviserRef>,
}

/// One version of a write-up as stored: the lead's text plus what the
/// service filled in (focus areas, team, dates) when it was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Writeup {
    /// The host's focus areas (its latest choices when this was saved).
    #[schema(value_type = Vec<String>)]
    pub focus_areas: Vec<NeedArea>,
    pub team: Team,
    /// The days of the review; empty where it is not dated yet.
    #[schema(value_type = Vec<String>)]
    pub dates: Vec<NaiveDate>,
    pub strengths: String,
    pub areas_to_develop: String,
    pub estimates: Estimates,
    pub area_of_excellence: Option<Excellence>,
    #[schema(value_type = Vec<String>)]
    pub support_needed: Vec<NeedArea>,
    pub next_steps: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub follow_up: Option<NaiveDate>,
}

impl Writeup {
    /// The lead's text with the filled-in parts; text is trimmed.
    pub fn new(
        input: &WriteupInput,
        focus_areas: Vec<NeedArea>,
        team: Team,
        dates: Vec<NaiveDate>,
    ) -> Writeup {
        Writeup {
            focus_areas,
            team,
            dates,
            strengths: input.strengths.trim().to_string(),
            areas_to_develop: input.areas_to_develop.trim().to_string(),
            estimates: input.estimates.clone(),
            area_of_excellence: input.area_of_excellence.as_ref().map(|e| Excellence {
                theme: e.theme,
                description: e.description.trim().to_string(),
            }),
            support_needed: input.support_needed.clone(),
            next_steps: input.next_steps.trim().to_string(),
            follow_up: input.follow_up,
        }
    }

    /// What the lead typed, to edit further.
    pub fn input(&self) -> WriteupInput {
        WriteupInput {
            strengths: self.strengths.clone(),
            areas_to_develop: self.areas_to_develop.clone(),
            estimates: self.estimates.clone(),
            area_of_excellence: self.area_of_excellence.clone(),
            support_needed: self.support_needed.clone(),
            next_steps: self.next_steps.clone(),
            follow_up: self.follow_up,
        }
    }

    /// Checks lengths, grades and dates always, and the required fields of a
    /// submission when `submission`. The message names the field and value
    /// (the first of `problems`).
    pub fn check(&self, submission: bool) -> Result<(), String> {
        match self.problems(submission).first() {
            Some(p) => Err(p.to_string()),
            None => Ok(()),
        }
    }

    /// Every problem of the text at once, each naming its field, so that a
    /// form can say each beside its own field.
    pub fn problems(&self, submission: bool) -> Vec<BodyProblem> {
        let mut out = Vec::new();
        let mut add = |field: BodyField, path: String, what: Wrong| {
            out.push(BodyProblem { field, path, what });
        };
        for (field, text) in [
            (BodyField::Strengths, &self.strengths),
            (BodyField::AreasToDevelop, &self.areas_to_develop),
            (BodyField::NextSteps, &self.next_steps),
        ] {
            let n = text.chars().count();
            if n > TEXT_MAX_CHARS {
                add(
                    field,
                    field.path().into(),
                    Wrong::TooLong {
                        chars: n,
                        max: TEXT_MAX_CHARS,
                    },
                );
            } else if submission && n == 0 {
                add(field, field.path().into(), Wrong::Required);
            }
        }
        if let Some(e) = &self.area_of_excellence {
            let n = e.description.chars().count();
            let field = BodyField::ExcellenceDescription;
            if n > EXCELLENCE_MAX_CHARS {
                add(
                    field,
                    field.path().into(),
                    Wrong::TooLong {
                        chars: n,
                        max: EXCELLENCE_MAX_CHARS,
                    },
                );
            } else if submission && n == 0 {
                add(field, field.path().into(), Wrong::DescribeExcellence);
            }
        }
        for ((name, grade), field) in self.estimates.named().into_iter().zip([
            BodyField::Leadership,
            BodyField::ProvisionAndOutcomes,
            BodyField::DisadvantagedAndSend,
        ]) {
            if let Some(g) = grade {
                if !(1..=4).contains(&g) {
                    add(field, format!("estimates.{name}"), Wrong::NotOnScale(g));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for (i, a) in self.support_needed.iter().enumerate() {
            if !seen.insert(a) {
                add(
                    BodyField::Support,
                    format!("support_needed[{}]", i + 1),
                    Wrong::Twice(*a),
                );
            }
        }
        match (self.follow_up, self.dates.last()) {
            (None, _) if submission => {
                add(BodyField::FollowUp, "follow_up".into(), Wrong::Required)
            }
            (Some(f), Some(&last)) if f <= last => add(
                BodyField::FollowUp,
                "follow_up".into(),
                Wrong::NotAfterReview { follow_up: f, last },
            ),
            _ => {}
        }
        out
    }
}

/// A field of the write-up, as the form and the API name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyField {
    Strengths,
    AreasToDevelop,
    Leadership,
    ProvisionAndOutcomes,
    DisadvantagedAndSend,
    ExcellenceDescription,
    Support,
    NextSteps,
    FollowUp,
}

impl BodyField {
    /// The field's name in the API's JSON.
    pub fn path(self) -> &'static str {
        match self {
            BodyField::Strengths => "strengths",
            BodyField::AreasToDevelop => "areas_to_develop",
            BodyField::Leadership => "estimates.leadership",
            BodyField::ProvisionAndOutcomes => "estimates.provision_and_outcomes",
            BodyField::DisadvantagedAndSend => "estimates.disadvantaged_and_send",
            BodyField::ExcellenceDescription => "area_of_excellence.description",
            BodyField::Support => "support_needed",
            BodyField::NextSteps => "next_steps",
            BodyField::FollowUp => "follow_up",
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrong {
    Required,
    DescribeExcellence,
    TooLong {
        chars: usize,
        max: usize,
    },
    NotOnScale(u8),
    Twice(NeedArea),
    NotAfterReview {
        follow_up: NaiveDate,
        last: NaiveDate,
    },
}

/// One problem of a write-up's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyProblem {
    pub field: BodyField,
    /// Where in the API's JSON: "support_needed[2]".
    pub path: String,
    pub what: Wrong,
}

impl std::fmt::Display for BodyProblem {
    /// The API's message: the field's path, then what is wrong.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = &self.path;
        match &self.what {
            Wrong::Required => write!(f, "{path}: required to submit"),
            Wrong::DescribeExcellence => write!(
                f,
                "{path}: describe the area of excellence, or leave it out"
            ),
            Wrong::TooLong { chars, max } => {
                write!(f, "{path}: {chars} characters, at most {max}")
            }
            Wrong::NotOnScale(g) => write!(
                f,
                "{path}: {g} is not on the 4-point scale (1 outstanding to 4 inadequate)"
            ),
            Wrong::Twice(a) => write!(f, "{path}: {a} is listed twice"),
            Wrong::NotAfterReview { follow_up, last } => write!(
                f,
                "{path}: {follow_up} is not after the review (its last day is {last})"
            ),
        }
    }
}

/// The days of a review: its dates once scheduled, else its start if set.
pub fn review_days(review: &Review) -> Vec<NaiveDate> {
    if review.dates.is_empty() {
        review.start.into_iter().collect()
    } else {
        review.dates.clone()
    }
}

/// The names a team or a group shows: schools from the year's `schools`
/// input; heads from their accounts, else the `heads` input; advisers from
/// the `advisers` input. Only names are decoded, so the rest of each input
/// may change shape without breaking this.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub schools: BTreeMap<Urn, String>,
    pub heads: BTreeMap<Urn, String>,
    pub advisers: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct SchoolName {
    urn: Urn,
    name: String,
}

#[derive(Deserialize)]
struct HeadName {
    school: Urn,
    name: String,
}

#[derive(Deserialize)]
struct AdviserName {
    id: String,
    name: String,
}

impl Directory {
    pub async fn load(db: &Db, year_id: i64) -> anyhow::Result<Directory> {
        let mut d = Directory::default();
        if let Some(s) = inputs::latest::<Vec<SchoolName>>(db, year_id, "schools").await? {
            d.schools = s.data.into_iter().map(|s| (s.urn, s.name)).collect();
        }
        if let Some(h) = inputs::latest::<Vec<HeadName>>(db, year_id, "heads").await? {
            d.heads = h.data.into_iter().map(|h| (h.school, h.name)).collect();
        }
        let rows =
            sqlx::query("SELECT urn, name FROM users WHERE role = 'head' AND urn IS NOT NULL")
                .fetch_all(&db.read)
                .await?;
        for row in rows {
            let urn: String = row.try_get(0)?;
            if let Ok(urn) = urn.parse() {
                d.heads.insert(urn, row.try_get(1)?);
            }
        }
        if let Some(a) = inputs::latest::<Vec<AdviserName>>(db, year_id, "advisers").await? {
            d.advisers = a.data.into_iter().map(|a| (a.id, a.name)).collect();
        }
        Ok(d)
    }

    pub fn school(&self, urn: Urn) -> SchoolRef {
        SchoolRef {
            urn: urn.to_string(),
            name: self.schools.get(&urn).cloned(),
            head: self.heads.get(&urn).cloned(),
        }
    }

    pub fn adviser(&self, id: &str) -> AdviserRef {
        AdviserRef {
            id: id.to_string(),
            name: self.advisers.get(id).cloned(),
        }
    }

    /// The team of a review of this group.
    pub fn team(&self, triad: &Triad, review: &Review) -> Team {
        Team {
            host: self.school(review.host),
            lead: self.school(review.lead),
            reviewers: review.reviewers.iter().map(|&u| self.school(u)).collect(),
            adviser: triad.adviser.as_deref().map(|a| self.adviser(a)),
        }
    }
}

/// One stored version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stored {
    pub version: i64,
    /// `draft` or `submitted`.
    pub status: String,
    /// The published plan (row id) the version was written under.
    pub plan_id: i64,
    pub lead_urn: String,
    /// Unix seconds.
    pub saved_at: i64,
    /// Who saved it.
    pub author: String,
    pub body: Writeup,
}

/// A version without its body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    pub version: i64,
    pub status: String,
    pub saved_at: i64,
    /// Who saved it and as lead of which school; None in the anonymised
    /// view (and the author None where no user saved it).
    pub author: Option<String>,
    pub lead_urn: Option<String>,
}

/// What a reader without the host's consent to the full write-up gets: no
/// school, URN or person, no free text and no estimates (a grade attached
/// to a school is exactly what the host did not consent to share). It keeps
/// what the programme needs by school: the focus areas, the support needed
/// (the allocation of consultants reads it), the theme of the area of
/// excellence, the review and follow-up dates and the status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub version: i64,
    pub status: String,
    pub saved_at: i64,
    #[schema(value_type = Vec<String>)]
    pub review_dates: Vec<NaiveDate>,
    #[schema(value_type = Vec<String>)]
    pub focus_areas: Vec<NeedArea>,
    #[schema(value_type = Option<String>)]
    pub excellence_theme: Option<NeedArea>,
    #[schema(value_type = Vec<String>)]
    pub support_needed: Vec<NeedArea>,
    #[schema(value_type = Option<String>, format = Date)]
    pub follow_up: Option<NaiveDate>,
    /// The fields left out of this view.
    pub withheld: Vec<String>,
}

impl Summary {
    pub fn of(s: &Stored) -> Summary {
        let b = &s.body;
        Summary {
            version: s.version,
            status: s.status.clone(),
            saved_at: s.saved_at,
            review_dates: b.dates.clone(),
            focus_areas: b.focus_areas.clone(),
            excellence_theme: b.area_of_excellence.as_ref().map(|e| e.theme),
            support_needed: b.support_needed.clone(),
            follow_up: b.follow_up,
            withheld: [
                "team",
                "strengths",
                "areas_to_develop",
                "estimates",
                "area_of_excellence.description",
                "next_steps",
                "author",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// A version to store.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub year_id: i64,
    pub host_urn: &'a str,
    pub lead_urn: &'a str,
    /// Row id of the published plan the lead writes under.
    pub plan_id: i64,
    pub user_id: i64,
    /// Submit (rather than save a draft).
    pub submit: bool,
    pub body: &'a Writeup,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SavedVersion {
    pub version: i64,
    pub status: String,
}

/// Stores a version. Once a write-up has been submitted every later version
/// is a correction of the submitted report: it is checked as a submission
/// and stored as `submitted`, so the write-up never falls back to draft (nor
/// becomes overdue again). Decided inside the writing transaction, so that a
/// draft saved in another tab cannot undo a submission.
///
/// The outer error is a storage failure; the inner one says what in the
/// content was refused.
pub async fn save(db: &Db, v: NewVersion<'_>) -> anyhow::Result<Result<SavedVersion, String>> {
    let mut tx = db.begin_write().await?;
    let submitted_before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM writeups WHERE year_id = $1 AND host_urn = $2 AND status = 'submitted'",
    )
    .bind(v.year_id)
    .bind(v.host_urn)
    .fetch_one(&mut *tx)
    .await?;
    let as_submission = v.submit || submitted_before > 0;
    if let Err(e) = v.body.check(as_submission) {
        return Ok(Err(e));
    }
    let status = if as_submission { "submitted" } else { "draft" };
    let body = serde_json::to_string(v.body)?;
    let (_, version) = insert_version(
        &mut tx,
        "writeups",
        &[
            ("year_id", Column::Int(v.year_id)),
            ("host_urn", Column::Text(v.host_urn)),
        ],
        &[
            ("lead_urn", Column::Text(v.lead_urn)),
            ("plan_id", Column::Int(v.plan_id)),
            ("status", Column::Text(status)),
            ("body", Column::Text(&body)),
            ("created_by", Column::Int(v.user_id)),
        ],
    )
    .await?;
    let action = match (v.submit, submitted_before > 0) {
        (_, true) => "writeup.correct",
        (true, false) => "writeup.submit",
        (false, false) => "writeup.draft",
    };
    audit::record(
        &mut tx,
        Some(v.user_id),
        action,
        &format!("year {} writeup of {}", v.year_id, v.host_urn),
        &format!("version {version}, {status}, lead {}", v.lead_urn),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(SavedVersion {
        version,
        status: status.to_string(),
    }))
}

const STORED_COLUMNS: &str = "w.version, w.status, w.plan_id, w.lead_urn, w.created_at, \
     COALESCE(u.name, ''), w.body FROM writeups w LEFT JOIN users u ON u.id = w.created_by";

fn stored_from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<Stored> {
    let body: String = row.try_get(6)?;
    Ok(Stored {
        version: row.try_get(0)?,
        status: row.try_get(1)?,
        plan_id: row.try_get(2)?,
        lead_urn: row.try_get(3)?,
        saved_at: row.try_get(4)?,
        author: row.try_get(5)?,
        body: serde_json::from_str(&body)?,
    })
}

/// The latest version of a host's write-up, or one given version.
pub async fn get(
    db: &Db,
    year_id: i64,
    host_urn: &str,
    version: Option<i64>,
) -> anyhow::Result<Option<Stored>> {
    let row = match version {
        None => {
            sqlx::query(&format!(
                "SELECT {STORED_COLUMNS} WHERE w.year_id = $1 AND w.host_urn = $2 \
                 ORDER BY w.version DESC LIMIT 1"
            ))
            .bind(year_id)
            .bind(host_urn)
            .fetch_optional(&db.read)
            .await?
        }
        Some(v) => {
            sqlx::query(&format!(
            "SELECT {STORED_COLUMNS} WHERE w.year_id = $1 AND w.host_urn = $2 AND w.version = $3"
        ))
            .bind(year_id)
            .bind(host_urn)
            .bind(v)
            .fetch_optional(&db.read)
            .await?
        }
    };
    row.as_ref().map(stored_from_row).transpose()
}

/// Every version of a host's write-up, oldest first, without bodies.
pub async fn versions(db: &Db, year_id: i64, host_urn: &str) -> anyhow::Result<Vec<VersionInfo>> {
    let rows = sqlx::query(
        "SELECT w.version, w.status, w.created_at, u.name, w.lead_urn \
         FROM writeups w LEFT JOIN users u ON u.id = w.created_by \
         WHERE w.year_id = $1 AND w.host_urn = $2 ORDER BY w.version",
    )
    .bind(year_id)
    .bind(host_urn)
    .fetch_all(&db.read)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(VersionInfo {
                version: r.try_get(0)?,
                status: r.try_get(1)?,
                saved_at: r.try_get(2)?,
                author: r.try_get(3)?,
                lead_urn: Some(r.try_get(4)?),
            })
        })
        .collect()
}

/// Where each host's write-up stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub latest_version: i64,
    /// `draft` or `submitted`, of the latest version.
    pub status: String,
    pub last_saved_at: i64,
    pub first_submitted_at: Option<i64>,
}

/// The progress of every write-up of the year, by host URN.
pub async fn progress(db: &Db, year_id: i64) -> anyhow::Result<BTreeMap<String, Progress>> {
    let rows = sqlx::query(
        "SELECT host_urn, version, status, created_at FROM writeups \
         WHERE year_id = $1 ORDER BY host_urn, version",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    let mut out: BTreeMap<String, Progress> = BTreeMap::new();
    for r in rows {
        let host: String = r.try_get(0)?;
        let status: String = r.try_get(2)?;
        let at: i64 = r.try_get(3)?;
        let p = out.entry(host).or_insert(Progress {
            latest_version: 0,
            status: String::new(),
            last_saved_at: at,
            first_submitted_at: None,
        });
        p.latest_version = r.try_get(1)?;
        p.last_saved_at = at;
        if status == "submitted" && p.first_submitted_at.is_none() {
            p.first_submitted_at = Some(at);
        }
        p.status = status;
    }
    Ok(out)
}

/// A part of the latest submitted write-up of each host of the year
/// (drafts do not count), by host URN as stored.
async fn latest_submitted<T: serde::de::DeserializeOwned>(
    db: &Db,
    year_id: i64,
) -> anyhow::Result<BTreeMap<String, T>> {
    let rows = sqlx::query(
        "SELECT host_urn, body FROM writeups WHERE year_id = $1 AND status = 'submitted' \
         ORDER BY host_urn, version",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let host: String = r.try_get(0)?;
        let body: String = r.try_get(1)?;
        // Rows come in version order: the last one of a host stays.
        out.insert(host, serde_json::from_str(&body)?);
    }
    Ok(out)
}

/// The support each school needs according to its latest submitted
/// write-up of the year: the allocation's need.
pub async fn support_needed_by_school(
    db: &Db,
    year_id: i64,
) -> anyhow::Result<BTreeMap<Urn, Vec<NeedArea>>> {
    #[derive(Deserialize)]
    struct Support {
        #[serde(default)]
        support_needed: Vec<NeedArea>,
    }
    latest_submitted::<Support>(db, year_id)
        .await?
        .into_iter()
        .map(|(host, s)| {
            let urn: Urn = host
                .parse()
                .map_err(|e| anyhow::anyhow!("write-up host {host}: {e}"))?;
            Ok((urn, s.support_needed))
        })
        .collect()
}

/// The estimates of the latest submitted write-up of every school whose
/// head has not let the SIM read it in full, one entry per school. For a
/// view in aggregate only: no entry says which school it is.
pub async fn estimates_without_consent(db: &Db, year_id: i64) -> anyhow::Result<Vec<Estimates>> {
    #[derive(Deserialize)]
    struct Graded {
        #[serde(default)]
        estimates: Estimates,
    }
    let rows =
        sqlx::query("SELECT urn, sim_full FROM sharing WHERE year_id = $1 ORDER BY urn, version")
            .bind(year_id)
            .fetch_all(&db.read)
            .await?;
    let mut shared = BTreeMap::new();
    for r in rows {
        // Version order: each school's latest choice stays.
        shared.insert(r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)? != 0);
    }
    Ok(latest_submitted::<Graded>(db, year_id)
        .await?
        .into_iter()
        .filter(|(urn, _)| !shared.get(urn).copied().unwrap_or(false))
        .map(|(_, g)| g.estimates)
        .collect())
}

/// Who may read a school's write-up, as its head chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Sharing {
    /// The other heads of the group read it in full.
    pub share_group: bool,
    /// The SIM reads it in full; otherwise only the anonymised summary.
    pub sim_full: bool,
    /// None where the head never chose: nothing is shared then.
    pub version: Option<i64>,
    pub set_at: Option<i64>,
}

/// The school's latest sharing choice; nothing shared where none was made.
pub async fn sharing(db: &Db, year_id: i64, urn: &str) -> anyhow::Result<Sharing> {
    let row = sqlx::query(
        "SELECT share_group, sim_full, version, created_at FROM sharing \
         WHERE year_id = $1 AND urn = $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(year_id)
    .bind(urn)
    .fetch_optional(&db.read)
    .await?;
    let Some(row) = row else {
        return Ok(Sharing {
            share_group: false,
            sim_full: false,
            version: None,
            set_at: None,
        });
    };
    Ok(Sharing {
        share_group: row.try_get::<i64, _>(0)? != 0,
        sim_full: row.try_get::<i64, _>(1)? != 0,
        version: Some(row.try_get(2)?),
        set_at: Some(row.try_get(3)?),
    })
}

/// Stores the head's choice as the school's next version; returns it.
pub async fn set_sharing(
    db: &Db,
    year_id: i64,
    urn: &str,
    user_id: i64,
    share_group: bool,
    sim_full: bool,
) -> anyhow::Result<i64> {
    let mut tx = db.begin_write().await?;
    let (_, version) = insert_version(
        &mut tx,
        "sharing",
        &[
            ("year_id", Column::Int(year_id)),
            ("urn", Column::Text(urn)),
        ],
        &[
            ("share_group", Column::Int(i64::from(share_group))),
            ("sim_full", Column::Int(i64::from(sim_full))),
            ("created_by", Column::Int(user_id)),
        ],
    )
    .await?;
    audit::record(
        &mut tx,
        Some(user_id),
        "sharing.set",
        &format!("year {year_id} school {urn}"),
        &format!("version {version}, group {share_group}, sim full {sim_full}"),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// The `[writeups]` table of the year's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteupRules {
    /// Days after a review's last day by which its write-up is due.
    pub due_days: u32,
}

impl Default for WriteupRules {
    fn default() -> Self {
        WriteupRules { due_days: 14 }
    }
}

impl WriteupRules {
    /// Reads `[writeups]` from the rules file; other tables belong to other steps.
    pub fn from_toml(text: &str) -> Result<WriteupRules, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        match table.get("writeups") {
            None => Ok(WriteupRules::default()),
            Some(v) => v
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| format!("[writeups]: {e}")),
        }
    }

    /// The day a write-up is due, from the review's last day.
    pub fn due(&self, last_day: NaiveDate) -> NaiveDate {
        last_day + chrono::Days::new(u64::from(self.due_days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn school(urn: &str) -> SchoolRef {
        SchoolRef {
            urn: urn.into(),
            name: Some(format!("School {urn}")),
            head: None,
        }
    }

    fn body(input: &WriteupInput) -> Writeup {
        Writeup::new(
            input,
            vec![NeedArea::Maths],
            Team {
                host: school("100001"),
                lead: school("100002"),
                reviewers: vec![school("100002"), school("100003")],
                adviser: None,
            },
            vec![day("2027-01-12")],
        )
    }

    fn complete() -> WriteupInput {
        WriteupInput {
            strengths: "Reading culture".into(),
            areas_to_develop: "Maths fluency in KS2".into(),
            estimates: Estimates {
                leadership: Some(2),
                ..Estimates::default()
            },
            area_of_excellence: None,
            support_needed: vec![NeedArea::Maths],
            next_steps: "Visit a maths hub school".into(),
            follow_up: Some(day("2027-03-01")),
        }
    }

    #[test]
    fn drafts_may_be_incomplete_submissions_may_not() {
        let empty = body(&WriteupInput::default());
        assert_eq!(empty.check(false), Ok(()));
        assert_eq!(
            empty.check(true),
            Err("strengths: required to submit".into())
        );
        assert_eq!(body(&complete()).check(true), Ok(()));
        let mut no_date = complete();
        no_date.follow_up = None;
        assert_eq!(body(&no_date).check(false), Ok(()));
        assert!(body(&no_date)
            .check(true)
            .unwrap_err()
            .contains("follow_up"));
    }

    #[test]
    fn grades_dates_lengths_and_repeats_are_checked() {
        let mut w = complete();
        w.estimates.disadvantaged_and_send = Some(5);
        assert!(body(&w)
            .check(false)
            .unwrap_err()
            .starts_with("estimates.disadvantaged_and_send: 5"));
        let mut w = complete();
        w.follow_up = Some(day("2027-01-12"));
        assert!(body(&w).check(false).unwrap_err().contains("not after"));
        let mut w = complete();
        w.strengths = "x".repeat(TEXT_MAX_CHARS + 1);
        assert!(body(&w).check(false).unwrap_err().starts_with("strengths:"));
        let mut w = complete();
        w.support_needed = vec![NeedArea::Send, NeedArea::Send];
        assert!(body(&w)
            .check(false)
            .unwrap_err()
            .starts_with("support_needed[2]"));
    }

    #[test]
    fn the_summary_names_nobody_and_keeps_no_free_text() {
        let mut w = complete();
        w.area_of_excellence = Some(Excellence {
            theme: NeedArea::EnglishPhonics,
            description: "Mrs Smith's phonics programme".into(),
        });
        let stored = Stored {
            version: 3,
            status: "submitted".into(),
            plan_id: 1,
            lead_urn: "100002".into(),
            saved_at: 0,
            author: "Lead Person".into(),
            body: body(&w),
        };
        let text = serde_json::to_string(&Summary::of(&stored)).unwrap();
        for secret in [
            "100001",
            "100002",
            "School",
            "Lead Person",
            "Reading culture",
            "Smith",
            "maths hub",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("english_phonics") && text.contains("maths"));
        // No estimate, which would grade the school the host did not share.
        assert!(!text.contains("leadership"), "{text}");
    }

    #[test]
    fn the_stored_body_carries_support_needed_at_the_top() {
        let v = serde_json::to_value(body(&complete())).unwrap();
        assert_eq!(v["support_needed"], serde_json::json!(["maths"]));
        assert_eq!(v["team"]["lead"]["urn"], "100002");
    }

    #[test]
    fn rules_default_to_fourteen_days_and_ignore_other_tables() {
        assert_eq!(WriteupRules::from_toml("").unwrap().due_days, 14);
        let r = WriteupRules::from_toml("[triads]\nmax_distance_km = 5\n[writeups]\ndue_days = 7")
            .unwrap();
        assert_eq!(r.due(day("2027-01-12")), day("2027-01-19"));
        assert!(WriteupRules::from_toml("[writeups]\ndue = 3")
            .unwrap_err()
            .contains("[writeups]"));
    }

    async fn year_and_user(db: &Db) -> (i64, i64, i64) {
        let year = test_rows::year(db).await;
        let user = test_rows::user(db, "head", "Lee", Some("100002")).await;
        let plan: i64 = sqlx::query_scalar(
            "INSERT INTO plans (year_id, version, status, plan, created_at) \
             VALUES ($1, 1, 'published', '{}', 0) RETURNING id",
        )
        .bind(year)
        .fetch_one(&db.write)
        .await
        .unwrap();
        (year, user, plan)
    }

    #[tokio::test]
    async fn versions_accumulate_and_a_submission_stays_submitted() {
        let db = test_rows::memory().await;
        let (year, user, plan) = year_and_user(&db).await;
        let draft = body(&WriteupInput::default());
        let full = body(&complete());
        let v = |submit, body| NewVersion {
            year_id: year,
            host_urn: "100001",
            lead_urn: "100002",
            plan_id: plan,
            user_id: user,
            submit,
            body,
        };
        let saved = save(&db, v(false, &draft)).await.unwrap().unwrap();
        assert_eq!((saved.version, saved.status.as_str()), (1, "draft"));
        assert!(save(&db, v(true, &draft)).await.unwrap().is_err());
        let saved = save(&db, v(true, &full)).await.unwrap().unwrap();
        assert_eq!((saved.version, saved.status.as_str()), (2, "submitted"));
        // After submission an incomplete save is refused, a complete one
        // is a new submitted version.
        assert!(save(&db, v(false, &draft)).await.unwrap().is_err());
        let saved = save(&db, v(false, &full)).await.unwrap().unwrap();
        assert_eq!((saved.version, saved.status.as_str()), (3, "submitted"));

        let all = versions(&db, year, "100001").await.unwrap();
        assert_eq!(
            all.iter().map(|v| v.status.as_str()).collect::<Vec<_>>(),
            ["draft", "submitted", "submitted"]
        );
        assert_eq!(all[0].author.as_deref(), Some("Lee"));
        // A version whose author's row is missing names nobody rather than
        // "" (only a database edited by hand gets there: the key checks are
        // off for that).
        let mut conn = db.write.acquire().await.unwrap();
        for sql in [
            "PRAGMA foreign_keys = OFF",
            "UPDATE writeups SET created_by = 999999 WHERE version = 2",
            "PRAGMA foreign_keys = ON",
        ] {
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
        drop(conn);
        let all = versions(&db, year, "100001").await.unwrap();
        assert_eq!(all[1].author, None);
        let first = get(&db, year, "100001", Some(1)).await.unwrap().unwrap();
        assert_eq!((first.body, first.author.as_str()), (draft, "Lee"));
        let p = &progress(&db, year).await.unwrap()["100001"];
        assert_eq!((p.latest_version, p.status.as_str()), (3, "submitted"));
        assert!(p.first_submitted_at.is_some());
        let need = support_needed_by_school(&db, year).await.unwrap();
        assert_eq!(need[&Urn(100001)], vec![NeedArea::Maths]);
        let audits: Vec<String> = sqlx::query_scalar("SELECT action FROM audit ORDER BY id")
            .fetch_all(&db.read)
            .await
            .unwrap();
        assert_eq!(
            audits,
            ["writeup.draft", "writeup.submit", "writeup.correct"]
        );
    }

    #[tokio::test]
    async fn sharing_defaults_to_nothing_and_is_versioned() {
        let db = test_rows::memory().await;
        let (year, user, _) = year_and_user(&db).await;
        let none = sharing(&db, year, "100001").await.unwrap();
        assert_eq!(
            (none.share_group, none.sim_full, none.version),
            (false, false, None)
        );
        set_sharing(&db, year, "100001", user, true, false)
            .await
            .unwrap();
        assert_eq!(
            set_sharing(&db, year, "100001", user, true, true)
                .await
                .unwrap(),
            2
        );
        let s = sharing(&db, year, "100001").await.unwrap();
        assert_eq!(
            (s.share_group, s.sim_full, s.version),
            (true, true, Some(2))
        );
    }
}
