//! Plan versions of a year. A matching job adds a draft; the SIM publishes
//! one, which withdraws the one published before. Plans are never edited:
//! a change is a new version.

use optimiser::triads::Plan;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::{audit, next_version, now, Db, Key};

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
    let version = next_version(&mut *conn, "plans", "year_id = $1", &[Key::Int(year_id)]).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO plans (year_id, version, status, plan, job_id, created_at) \
         VALUES ($1, $2, 'draft', $3, $4, $5) RETURNING id",
    )
    .bind(year_id)
    .bind(version)
    .bind(serde_json::to_string(plan)?)
    .bind(job_id)
    .bind(now())
    .fetch_one(&mut *conn)
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

/// Publishes a draft; the plan published before becomes `withdrawn`.
/// Returns false where the version is not a draft of the year.
pub async fn publish(db: &Db, year_id: i64, version: i64, user_id: i64) -> anyhow::Result<bool> {
    let mut tx = db.write.begin().await?;
    let t = now();
    sqlx::query(
        "UPDATE plans SET status = 'withdrawn' WHERE year_id = $1 AND status = 'published'",
    )
    .bind(year_id)
    .execute(&mut *tx)
    .await?;
    let changed = sqlx::query(
        "UPDATE plans SET status = 'published', published_at = $1, published_by = $2 \
         WHERE year_id = $3 AND version = $4 AND status = 'draft'",
    )
    .bind(t)
    .bind(user_id)
    .bind(year_id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        // Dropping the transaction rolls the withdrawal back.
        return Ok(false);
    }
    audit::record(
        &mut tx,
        Some(user_id),
        "plan.publish",
        &format!("year {year_id} plan {version}"),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
