//! The SIM's inputs of a year (schools, advisers, consultants, history, SSPB
//! categories, need, last allocations, the SIM's hand, the rules), stored as
//! JSON. Each upload is a new version; the latest counts; earlier ones stay
//! for audit.
//!
//! What each kind holds (the type to read it back with `latest`):
//!
//! | kind | JSON of |
//! | --- | --- |
//! | `schools` | `Vec<optimiser::model::School>` (GIAS import) |
//! | `heads` | `Vec<optimiser::model::Headteacher>` |
//! | `advisers` | `Vec<optimiser::model::Adviser>` |
//! | `consultants` | `Vec<optimiser::model::Consultant>` |
//! | `history` | `Vec<optimiser::model::PastTriad>` |
//! | `sspb` | `Vec<(Urn, SspbCategory)>` |
//! | `need` | `Vec<formats::inputs::NeedEntry>` |
//! | `last_allocations` | `Vec<formats::inputs::PastAllocation>` |
//! | `hand` | [`Hand`] |
//! | `rules` | the rules file's text (a JSON string); `years.rules` holds the latest |

use std::collections::HashMap;

use optimiser::model::{School, Urn};
use optimiser::schedule::{Availability, Person};
use optimiser::triads::{Exclusion, KnownDates, Pin, Scope, TriadProblem};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::availability::DateLevel;
use super::years::Year;
use super::{audit, insert_version, now, Column, Db};

/// The kinds of input a year holds.
pub const KINDS: &[&str] = &[
    "schools",
    "heads",
    "advisers",
    "consultants",
    "history",
    "sspb",
    "need",
    "last_allocations",
    "hand",
    "rules",
];

/// One stored version of an input.
#[derive(Debug, Clone)]
pub struct Stored<T> {
    pub version: i64,
    pub source_name: String,
    pub created_at: i64,
    pub data: T,
}

/// The latest version of an input, or None before the first upload.
pub async fn latest<T: DeserializeOwned>(
    db: &Db,
    year_id: i64,
    kind: &str,
) -> anyhow::Result<Option<Stored<T>>> {
    find(db, year_id, kind, None).await
}

/// The data of the latest version of an input, or none (empty) where
/// nothing of the kind was uploaded: for inputs a year may do without.
pub async fn latest_or_default<T: DeserializeOwned + Default>(
    db: &Db,
    year_id: i64,
    kind: &str,
) -> anyhow::Result<T> {
    Ok(latest(db, year_id, kind)
        .await?
        .map(|s| s.data)
        .unwrap_or_default())
}

/// One version of an input, the latest where `version` is None.
async fn find<T: DeserializeOwned>(
    db: &Db,
    year_id: i64,
    kind: &str,
    version: Option<i64>,
) -> anyhow::Result<Option<Stored<T>>> {
    let select = "SELECT version, source_name, created_at, data FROM inputs \
         WHERE year_id = $1 AND kind = $2";
    let (sql, what) = match version {
        None => (
            format!("{select} ORDER BY version DESC LIMIT 1"),
            format!("{kind} of year {year_id}"),
        ),
        Some(v) => (
            format!("{select} AND version = $3"),
            format!("{kind} version {v} of year {year_id}"),
        ),
    };
    let mut query = sqlx::query(&sql).bind(year_id).bind(kind);
    if let Some(v) = version {
        query = query.bind(v);
    }
    let Some(row) = query.fetch_optional(&db.read).await? else {
        return Ok(None);
    };
    let data: String = row.try_get(3)?;
    Ok(Some(Stored {
        version: row.try_get(0)?,
        source_name: row.try_get(1)?,
        created_at: row.try_get(2)?,
        data: serde_json::from_str(&data).map_err(|e| anyhow::anyhow!("stored {what}: {e}"))?,
    }))
}

/// Stores a new version of an input inside the caller's transaction and
/// records it in the audit log; returns the version.
pub async fn store<T: Serialize>(
    conn: &mut AnyConnection,
    year_id: i64,
    kind: &str,
    source_name: &str,
    data: &T,
    user_id: Option<i64>,
    summary: &str,
) -> anyhow::Result<i64> {
    anyhow::ensure!(KINDS.contains(&kind), "unknown input kind {kind}");
    let value = serde_json::to_value(data)?;
    // Kept beside the JSON so that lists of inputs need not parse it.
    let items = value.as_array().map(|a| a.len() as i64);
    let json = value.to_string();
    let (_, version) = insert_version(
        &mut *conn,
        "inputs",
        &[
            ("year_id", Column::Int(year_id)),
            ("kind", Column::Text(kind)),
        ],
        &[
            ("source_name", Column::Text(source_name)),
            ("data", Column::Text(&json)),
            ("created_by", Column::OptInt(user_id)),
            ("items", Column::OptInt(items)),
        ],
    )
    .await?;
    audit::record(
        conn,
        user_id,
        &format!("input.{kind}"),
        &format!("year {year_id}"),
        &format!("version {version} from {source_name}: {summary}"),
    )
    .await?;
    Ok(version)
}

/// The latest version of one kind of input, for the SIM's list; the
/// fields are None where the kind has not been uploaded yet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InputSummary {
    pub kind: String,
    /// Also the number of versions: they count up from 1.
    pub version: Option<i64>,
    /// The file name the SIM uploaded.
    pub source_name: Option<String>,
    /// Unix seconds.
    pub created_at: Option<i64>,
    pub created_by: Option<i64>,
    /// Schools or rows held; None for inputs that are not lists (hand, rules).
    pub items: Option<i64>,
}

/// Every kind of input of a year with its latest version, in `KINDS` order.
pub async fn list(db: &Db, year_id: i64) -> anyhow::Result<Vec<InputSummary>> {
    let rows = sqlx::query(
        "SELECT i.kind, i.version, i.source_name, i.created_at, i.created_by, i.items \
         FROM inputs i WHERE i.year_id = $1 AND i.version = \
         (SELECT MAX(j.version) FROM inputs j WHERE j.year_id = i.year_id AND j.kind = i.kind)",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    let mut latest: HashMap<String, InputSummary> = HashMap::new();
    for r in &rows {
        let kind: String = r.try_get(0)?;
        latest.insert(
            kind.clone(),
            InputSummary {
                kind,
                version: Some(r.try_get(1)?),
                source_name: Some(r.try_get(2)?),
                created_at: Some(r.try_get(3)?),
                created_by: r.try_get(4)?,
                items: r.try_get(5)?,
            },
        );
    }
    Ok(KINDS
        .iter()
        .map(|k| {
            latest.remove(*k).unwrap_or(InputSummary {
                kind: k.to_string(),
                version: None,
                source_name: None,
                created_at: None,
                created_by: None,
                items: None,
            })
        })
        .collect())
}

/// One version of an input, for the list of versions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct VersionSummary {
    pub version: i64,
    pub source_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Who uploaded or restored it, by name (None for the command line).
    pub created_by: Option<String>,
    /// Schools or rows held; None for inputs that are not lists.
    pub items: Option<i64>,
}

/// Every version of one input of a year, newest first.
pub async fn versions(db: &Db, year_id: i64, kind: &str) -> anyhow::Result<Vec<VersionSummary>> {
    Ok(sqlx::query_as(
        "SELECT i.version, i.source_name, i.created_at, u.name AS created_by, i.items \
         FROM inputs i LEFT JOIN users u ON u.id = i.created_by \
         WHERE i.year_id = $1 AND i.kind = $2 ORDER BY i.version DESC",
    )
    .bind(year_id)
    .bind(kind)
    .fetch_all(&db.read)
    .await?)
}

/// One version of an input, or None where there is no such version.
pub async fn version<T: DeserializeOwned>(
    db: &Db,
    year_id: i64,
    kind: &str,
    version: i64,
) -> anyhow::Result<Option<Stored<T>>> {
    find(db, year_id, kind, Some(version)).await
}

/// A GIAS file waiting for the SIM to choose its local authorities.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StagedGias {
    pub id: i64,
    pub source_name: String,
    pub created_at: i64,
    /// JSON the application layer wrote (the authorities and their counts).
    pub las: String,
    /// The file as UTF-8 text.
    pub text: String,
}

/// How long a staged GIAS file waits for its second step.
pub const STAGED_SECONDS: i64 = 24 * 3600;

/// Stages a GIAS file for one SIM and year, replacing their earlier staged
/// file of that year and dropping every expired one; returns its id.
pub async fn stage_gias(
    conn: &mut AnyConnection,
    year_id: i64,
    user_id: i64,
    source_name: &str,
    las: &str,
    text: &str,
) -> anyhow::Result<i64> {
    let at = now();
    sqlx::query(
        "DELETE FROM staged_gias WHERE created_at < $1 OR (year_id = $2 AND created_by = $3)",
    )
    .bind(at - STAGED_SECONDS)
    .bind(year_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO staged_gias (year_id, created_by, created_at, source_name, las, text) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(year_id)
    .bind(user_id)
    .bind(at)
    .bind(source_name)
    .bind(las)
    .bind(text)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A staged GIAS file of this SIM and year that has not expired; `with_text`
/// false leaves the (large) text out.
pub async fn staged_gias(
    db: &Db,
    id: i64,
    year_id: i64,
    user_id: i64,
    with_text: bool,
) -> anyhow::Result<Option<StagedGias>> {
    let sql = if with_text {
        "SELECT id, source_name, created_at, las, text FROM staged_gias \
         WHERE id = $1 AND year_id = $2 AND created_by = $3 AND created_at >= $4"
    } else {
        "SELECT id, source_name, created_at, las, '' AS text FROM staged_gias \
         WHERE id = $1 AND year_id = $2 AND created_by = $3 AND created_at >= $4"
    };
    Ok(sqlx::query_as(sql)
        .bind(id)
        .bind(year_id)
        .bind(user_id)
        .bind(now() - STAGED_SECONDS)
        .fetch_optional(&db.read)
        .await?)
}

/// Drops a staged GIAS file (in the transaction that stores its schools).
pub async fn drop_staged_gias(conn: &mut AnyConnection, id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM staged_gias WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The SIM's hand: schools that opted out, groups pinned by hand, pairs
/// never to be grouped. The JSON shape is the CLI's `--pins` file
/// (`cli::plan::Hand`) written as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hand {
    /// URNs of schools not taking part this year.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub opt_out: Vec<Urn>,
    /// Groups kept as given: `{"schools": [URN, ...], "adviser": "adv-01"}`
    /// (adviser optional).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub pin: Vec<Pin>,
    /// Pairs never grouped: `{"a": URN, "b": URN, "reason": "..."}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub exclude: Vec<Exclusion>,
}

/// Everyone's latest availability for a year, as the optimiser reads it:
/// heads by their school, advisers by their id in the inputs.
pub async fn year_availability(db: &Db, year_id: i64) -> anyhow::Result<Availability> {
    let rows = sqlx::query(
        "SELECT u.role, u.urn, u.ext_id, a.dates FROM availability a \
         JOIN users u ON u.id = a.user_id \
         WHERE a.year_id = $1 AND a.version = (SELECT MAX(b.version) FROM availability b \
         WHERE b.year_id = a.year_id AND b.user_id = a.user_id)",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    let mut out = Availability::default();
    for r in &rows {
        let role: String = r.try_get(0)?;
        let urn: Option<String> = r.try_get(1)?;
        let ext_id: Option<String> = r.try_get(2)?;
        let person = match (role.as_str(), urn, ext_id) {
            ("head", Some(u), _) => {
                Person::Head(u.parse().map_err(|e: String| anyhow::anyhow!(e))?)
            }
            ("adviser", _, Some(id)) => Person::Adviser(id),
            _ => continue,
        };
        let dates: String = r.try_get(3)?;
        for d in serde_json::from_str::<Vec<DateLevel>>(&dates)? {
            out.insert(person.clone(), d.date, d.level);
        }
    }
    Ok(out)
}

/// The grouping problem from the year's stored inputs: schools (None where
/// none are uploaded), history, advisers, the SIM's hand and the `[triads]`
/// rules. `programme_year` is the year the history rule counts back from.
/// Availability and a previous plan are left out: callers that use them add
/// them.
pub async fn triad_problem(
    db: &Db,
    year: &Year,
    programme_year: i32,
    scope: Scope,
) -> anyhow::Result<Option<TriadProblem>> {
    let Some(schools) = latest::<Vec<School>>(db, year.id, "schools").await? else {
        return Ok(None);
    };
    let rules = super::years::parse_rules(&year.rules)
        .map_err(|e| anyhow::anyhow!("rules of year {}: {e}", year.id))?;
    let history = latest(db, year.id, "history").await?.map(|s| s.data);
    let advisers = latest(db, year.id, "advisers").await?.map(|s| s.data);
    let hand: Hand = latest(db, year.id, "hand")
        .await?
        .map(|s| s.data)
        .unwrap_or_default();
    // Grouping sees the dates people offered so far, so that two heads with
    // no common date are never grouped; before anyone answers it sees none.
    let offered = year_availability(db, year.id).await?;
    let availability = (!offered.people.is_empty()).then(|| KnownDates {
        availability: offered,
        calendar: year.calendar.clone(),
    });
    Ok(Some(TriadProblem {
        year: programme_year,
        schools: schools.data,
        opted_out: hand.opt_out.into_iter().collect(),
        history: history.unwrap_or_default(),
        advisers: advisers.unwrap_or_default(),
        pins: hand.pin,
        exclusions: hand.exclude,
        scope,
        rules: rules.triads,
        previous: None,
        availability,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows;

    #[tokio::test]
    async fn versions_accumulate_and_the_latest_counts() {
        let db = test_rows::memory().await;
        let year = test_rows::year(&db).await;
        assert!(latest::<Vec<String>>(&db, year, "history")
            .await
            .unwrap()
            .is_none());
        for (i, v) in [vec!["a"], vec!["a", "b"]].iter().enumerate() {
            let mut tx = db.begin_write().await.unwrap();
            let n = store(&mut tx, year, "history", "h.csv", v, None, "")
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(n, i as i64 + 1);
        }
        let got = latest::<Vec<String>>(&db, year, "history")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((got.version, got.data.len()), (2, 2));
        let mut tx = db.begin_write().await.unwrap();
        assert!(store(&mut tx, year, "nonsense", "x", &1, None, "")
            .await
            .is_err());
    }
}
