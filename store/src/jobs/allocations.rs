//! Allocation versions of a year: each allocation job stores a new one; the
//! latest counts. (Kept beside the jobs that make them; `db::allocations`
//! would be the natural home once `db/mod.rs` names it.)

use optimiser::allocate::Allocation;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::{audit, insert_version, Column, Db};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllocationVersion {
    pub id: i64,
    pub year_id: i64,
    pub version: i64,
    pub job_id: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// `optimiser::allocate::Allocation`: assignments, per-school and
    /// per-consultant summaries with shortfall reasons, cost, stats.
    #[schema(value_type = Object)]
    pub allocation: Allocation,
}

/// Stores an allocation inside the caller's transaction; returns (id, version).
pub async fn insert(
    conn: &mut AnyConnection,
    year_id: i64,
    allocation: &Allocation,
    job_id: Option<i64>,
    user_id: Option<i64>,
) -> anyhow::Result<(i64, i64)> {
    let json = serde_json::to_string(allocation)?;
    let (id, version) = insert_version(
        &mut *conn,
        "allocations",
        &[("year_id", Column::Int(year_id))],
        &[
            ("data", Column::Text(&json)),
            ("job_id", Column::OptInt(job_id)),
        ],
    )
    .await?;
    audit::record(
        conn,
        user_id,
        "allocation.store",
        &format!("year {year_id} allocation {version}"),
        &format!(
            "{} lines, {} days, {} schools",
            allocation.allocations.len(),
            allocation.cost.days,
            allocation.schools.len()
        ),
    )
    .await?;
    Ok((id, version))
}

/// The year's latest allocation, if any.
pub async fn latest(db: &Db, year_id: i64) -> anyhow::Result<Option<AllocationVersion>> {
    let row = sqlx::query(
        "SELECT id, year_id, version, job_id, created_at, data FROM allocations \
         WHERE year_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(year_id)
    .fetch_optional(&db.read)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let data: String = row.try_get(5)?;
    Ok(Some(AllocationVersion {
        id: row.try_get(0)?,
        year_id: row.try_get(1)?,
        version: row.try_get(2)?,
        job_id: row.try_get(3)?,
        created_at: row.try_get(4)?,
        allocation: serde_json::from_str(&data)
            .map_err(|e| anyhow::anyhow!("stored allocation of year {year_id}: {e}"))?,
    }))
}
