//! Plan versions of a year. A matching job adds a draft; the SIM publishes
//! one, which withdraws the one published before. Plans are never edited:
//! a change is a new version.

use std::collections::HashMap;

use optimiser::model::Urn;
use optimiser::schedule::{self, ScheduleProblem};
use optimiser::triads::{self, Plan, Scope};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::years::{parse_rules, Year};
use super::{audit, inputs, insert_version, now, Column, Db};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanVersion {
    pub id: i64,
    pub year_id: i64,
    pub version: i64,
    /// `draft`, `published` or `withdrawn`.
    pub status: String,
    pub job_id: Option<i64>,
    pub created_at: i64,
    pub published_at: Option<i64>,
    #[schema(value_type = Object)]
    pub plan: Plan,
}

const COLUMNS: &str = "id, year_id, version, status, job_id, created_at, published_at, plan";

fn from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<PlanVersion> {
    let plan: String = row.try_get(7)?;
    Ok(PlanVersion {
        id: row.try_get(0)?,
        year_id: row.try_get(1)?,
        version: row.try_get(2)?,
        status: row.try_get(3)?,
        job_id: row.try_get(4)?,
        created_at: row.try_get(5)?,
        published_at: row.try_get(6)?,
        plan: serde_json::from_str(&plan)?,
    })
}

/// Adds a draft inside the caller's transaction; returns (id, version).
pub async fn insert_draft(
    conn: &mut AnyConnection,
    year_id: i64,
    plan: &Plan,
    job_id: Option<i64>,
    user_id: Option<i64>,
) -> anyhow::Result<(i64, i64)> {
    let json = serde_json::to_string(plan)?;
    let summary = serde_json::to_string(&PlanSummary::of(plan))?;
    let (id, version) = insert_version(
        &mut *conn,
        "plans",
        &[("year_id", Column::Int(year_id))],
        &[
            ("status", Column::Text("draft")),
            ("plan", Column::Text(&json)),
            ("job_id", Column::OptInt(job_id)),
            ("summary", Column::Text(&summary)),
        ],
    )
    .await?;
    audit::record(
        conn,
        user_id,
        "plan.draft",
        &format!("year {year_id} plan {version}"),
        &format!(
            "{} groups, {} unplaced",
            plan.triads.len(),
            plan.unplaced.len()
        ),
    )
    .await?;
    Ok((id, version))
}

/// One version of the year's plan.
pub async fn get(db: &Db, year_id: i64, version: i64) -> anyhow::Result<Option<PlanVersion>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plans WHERE year_id = $1 AND version = $2"
    ))
    .bind(year_id)
    .bind(version)
    .fetch_optional(&db.read)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The latest plan of the year with this status (`draft`, `published`), if any.
pub async fn latest(db: &Db, year_id: i64, status: &str) -> anyhow::Result<Option<PlanVersion>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plans WHERE year_id = $1 AND status = $2 \
         ORDER BY version DESC LIMIT 1"
    ))
    .bind(year_id)
    .bind(status)
    .fetch_optional(&db.read)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The plan published before `version` (the one it replaces, or would
/// replace if published): the latest earlier version ever published.
pub async fn published_before(
    db: &Db,
    year_id: i64,
    version: i64,
) -> anyhow::Result<Option<PlanVersion>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plans WHERE year_id = $1 AND version < $2 \
         AND published_at IS NOT NULL ORDER BY version DESC LIMIT 1"
    ))
    .bind(year_id)
    .bind(version)
    .fetch_optional(&db.read)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every version of the year, newest first, without the plans themselves.
pub async fn list(db: &Db, year_id: i64) -> anyhow::Result<Vec<(i64, String, i64)>> {
    let rows = sqlx::query(
        "SELECT version, status, created_at FROM plans WHERE year_id = $1 ORDER BY version DESC",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// A plan's figures, kept beside it so that the versions list need not read
/// whole plans.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanSummary {
    pub schools: usize,
    pub placed: usize,
    pub unplaced: usize,
    pub groups: usize,
    pub groups_of_four: usize,
    pub groups_without_adviser: usize,
    pub reviews: usize,
    /// Reviews with dates (0 before scheduling).
    pub dated: usize,
    pub objective: f64,
    pub lower_bound: f64,
    /// (objective - lower_bound) / objective; 0 is proven optimal.
    pub gap: f64,
    /// Council cost of advisers, pounds.
    pub adviser_cost: f64,
    pub warnings: usize,
}

impl PlanSummary {
    pub fn of(plan: &Plan) -> PlanSummary {
        let reviews = plan.triads.iter().flat_map(|t| t.reviews.iter());
        PlanSummary {
            schools: plan.stats.schools,
            placed: plan.stats.placed,
            unplaced: plan.unplaced.len(),
            groups: plan.triads.len(),
            groups_of_four: plan.triads.iter().filter(|t| t.schools.len() == 4).count(),
            groups_without_adviser: plan.triads.iter().filter(|t| t.adviser.is_none()).count(),
            reviews: reviews.clone().count(),
            dated: reviews.filter(|r| r.start.is_some()).count(),
            objective: plan.stats.objective,
            lower_bound: plan.stats.lower_bound,
            gap: plan.stats.gap,
            adviser_cost: plan.cost.total,
            warnings: plan.warnings.len(),
        }
    }
}

/// One version in the list of a year's plans.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanListing {
    pub version: i64,
    /// `draft`, `published` or `withdrawn`.
    pub status: String,
    pub job_id: Option<i64>,
    pub created_at: i64,
    pub published_at: Option<i64>,
    /// None for plans stored before summaries were kept.
    pub summary: Option<PlanSummary>,
}

/// Every version of the year, newest first, with its figures.
pub async fn list_versions(db: &Db, year_id: i64) -> anyhow::Result<Vec<PlanListing>> {
    let rows = sqlx::query(
        "SELECT version, status, job_id, created_at, published_at, summary FROM plans \
         WHERE year_id = $1 ORDER BY version DESC",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    rows.iter()
        .map(|r| {
            let summary: String = r.try_get(5)?;
            Ok(PlanListing {
                version: r.try_get(0)?,
                status: r.try_get(1)?,
                job_id: r.try_get(2)?,
                created_at: r.try_get(3)?,
                published_at: r.try_get(4)?,
                summary: if summary.trim() == "{}" {
                    None
                } else {
                    Some(serde_json::from_str(&summary)?)
                },
            })
        })
        .collect()
}

/// A plan holds groups across authorities only when it was formed across
/// them (per authority, the optimiser never makes one; pins are exempt from
/// the rule), so the scope to check it under is read from the plan itself.
fn scope_of(plan: &Plan, la_of: &HashMap<Urn, u16>) -> Scope {
    let crosses = plan.triads.iter().filter(|t| !t.pinned).any(|t| {
        let mut las = t.schools.iter().filter_map(|u| la_of.get(u));
        las.next()
            .is_some_and(|first| las.any(|other| other != first))
    });
    if crosses {
        Scope::CrossLa
    } else {
        Scope::PerLa
    }
}

/// The last check before publishing: the plan against every rule with the
/// year's current inputs (schools, history, advisers, the SIM's hand, the
/// rules) and, for a dated plan, against the calendar and everyone's latest
/// availability. None where no schools are uploaded, so nothing can be
/// checked; otherwise every violation found (empty: valid).
pub async fn violations(db: &Db, year: &Year, plan: &Plan) -> anyhow::Result<Option<Vec<String>>> {
    let Some(mut problem) = inputs::triad_problem(db, year, plan.year, Scope::PerLa).await? else {
        return Ok(None);
    };
    let la_of: HashMap<Urn, u16> = problem.schools.iter().map(|s| (s.urn, s.la_code)).collect();
    problem.scope = scope_of(plan, &la_of);
    let mut out: Vec<String> = triads::validate(plan, &problem)
        .iter()
        .map(|v| v.to_string())
        .collect();
    let dated = plan
        .triads
        .iter()
        .flat_map(|t| t.reviews.iter())
        .any(|r| r.start.is_some());
    if dated {
        let rules = parse_rules(&year.rules)
            .map_err(|e| anyhow::anyhow!("rules of year {}: {e}", year.id))?;
        // Without schools the schedule check leaves the groups alone: the
        // full grouping check above has covered them, with the SIM's hand.
        let dates = ScheduleProblem {
            plan: plan.clone(),
            schools: Vec::new(),
            advisers: Vec::new(),
            triad_rules: rules.triads,
            availability: inputs::year_availability(db, year.id).await?,
            calendar: year.calendar.clone(),
            rules: rules.schedule,
            previous: None,
        };
        out.extend(
            schedule::validate(plan, &dates)
                .iter()
                .map(|v| v.to_string()),
        );
    }
    Ok(Some(out))
}

/// The version published now, if any.
pub async fn published_version(db: &Db, year_id: i64) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT version FROM plans WHERE year_id = $1 AND status = 'published'")
            .bind(year_id)
            .fetch_optional(&db.read)
            .await?,
    )
}

/// What became of a request to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publishing {
    Published,
    /// The version is not a draft of the year (now): its status, if it exists.
    NotDraft(Option<String>),
    /// Another version was published since the caller looked: the one
    /// published now (`None` where there is none any more).
    Overtaken(Option<i64>),
}

/// Publishes a draft in place of `expected`, the version the caller saw
/// published (a compare-and-set): if another was published meanwhile,
/// nothing changes and the answer names it. The plan published before
/// becomes `withdrawn`.
pub async fn publish_replacing(
    db: &Db,
    year_id: i64,
    version: i64,
    user_id: i64,
    expected: Option<i64>,
) -> anyhow::Result<Publishing> {
    let Some(pv) = get(db, year_id, version).await? else {
        return Ok(Publishing::NotDraft(None));
    };
    let events = crate::feeds::plan_events(db, year_id, &pv.plan).await?;
    publish_recording(db, year_id, version, user_id, expected, &events).await
}

/// `publish_replacing` with the calendar events of the version (from
/// `feeds::plan_events`), recorded in the publish's transaction.
pub async fn publish_recording(
    db: &Db,
    year_id: i64,
    version: i64,
    user_id: i64,
    expected: Option<i64>,
    events: &[formats::feed::PlanEvent],
) -> anyhow::Result<Publishing> {
    let mut tx = db.begin_write().await?;
    // A row lock on the year serialises publishers on PostgreSQL, so the
    // published version read next is the one committed last (on SQLite the
    // immediate transaction already holds the write lock).
    sqlx::query("UPDATE years SET name = name WHERE id = $1")
        .bind(year_id)
        .execute(&mut *tx)
        .await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM plans WHERE year_id = $1 AND version = $2")
            .bind(year_id)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
    if status.as_deref() != Some("draft") {
        return Ok(Publishing::NotDraft(status));
    }
    let current: Option<i64> =
        sqlx::query_scalar("SELECT version FROM plans WHERE year_id = $1 AND status = 'published'")
            .bind(year_id)
            .fetch_optional(&mut *tx)
            .await?;
    if current != expected {
        return Ok(Publishing::Overtaken(current));
    }
    let t = now();
    sqlx::query(
        "UPDATE plans SET status = 'withdrawn' WHERE year_id = $1 AND status = 'published'",
    )
    .bind(year_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE plans SET status = 'published', published_at = $1, published_by = $2 \
         WHERE year_id = $3 AND version = $4 AND status = 'draft'",
    )
    .bind(t)
    .bind(user_id)
    .bind(year_id)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    // In the same transaction: a feed never shows events of a plan that is
    // not the published one.
    crate::feeds::record_publish(&mut tx, year_id, version, events).await?;
    audit::record(
        &mut tx,
        Some(user_id),
        "plan.publish",
        &format!("year {year_id} plan {version}"),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(Publishing::Published)
}

/// Publishes a draft over whatever is published now (the command line and
/// set-up code, where nobody else publishes). False where the version is
/// not a draft of the year.
pub async fn publish(db: &Db, year_id: i64, version: i64, user_id: i64) -> anyhow::Result<bool> {
    loop {
        let current = published_version(db, year_id).await?;
        match publish_replacing(db, year_id, version, user_id, current).await? {
            Publishing::Published => return Ok(true),
            Publishing::NotDraft(_) => return Ok(false),
            Publishing::Overtaken(_) => continue,
        }
    }
}
