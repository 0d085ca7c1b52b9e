//! The SIM's inputs of a year (schools, advisers, consultants, history, SSPB
//! categories, need, last allocations, the SIM's hand), stored as JSON. Each
//! upload is a new version; the latest counts; earlier ones stay for audit.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::{audit, next_version, now, Db, Key};

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
    let row = sqlx::query(
        "SELECT version, source_name, created_at, data FROM inputs \
         WHERE year_id = $1 AND kind = $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(year_id)
    .bind(kind)
    .fetch_optional(&db.read)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let data: String = row.try_get(3)?;
    Ok(Some(Stored {
        version: row.try_get(0)?,
        source_name: row.try_get(1)?,
        created_at: row.try_get(2)?,
        data: serde_json::from_str(&data)
            .map_err(|e| anyhow::anyhow!("stored {kind} of year {year_id}: {e}"))?,
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
    let json = serde_json::to_string(data)?;
    let version = next_version(
        &mut *conn,
        "inputs",
        "year_id = $1 AND kind = $2",
        &[Key::Int(year_id), Key::Text(kind)],
    )
    .await?;
    sqlx::query(
        "INSERT INTO inputs (year_id, kind, version, source_name, data, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(year_id)
    .bind(kind)
    .bind(version)
    .bind(source_name)
    .bind(&json)
    .bind(user_id)
    .bind(now())
    .execute(&mut *conn)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn versions_accumulate_and_the_latest_counts() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        let year: i64 = sqlx::query_scalar(
            "INSERT INTO years (name, first_day, last_day, deadline, calendar, created_at) \
             VALUES ('2027', '2027-01-04', '2027-03-26', '2026-12-18', '{}', 0) RETURNING id",
        )
        .fetch_one(&db.write)
        .await
        .unwrap();
        assert!(latest::<Vec<String>>(&db, year, "history")
            .await
            .unwrap()
            .is_none());
        for (i, v) in [vec!["a"], vec!["a", "b"]].iter().enumerate() {
            let mut tx = db.write.begin().await.unwrap();
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
        let mut tx = db.write.begin().await.unwrap();
        assert!(store(&mut tx, year, "nonsense", "x", &1, None, "")
            .await
            .is_err());
    }
}
