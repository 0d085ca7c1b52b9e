//! The audit log: who changed what, when. Written in the same transaction as
//! the change it records, so the two can never disagree; read newest first.

use serde::Serialize;
use sqlx::AnyConnection;

use crate::Db;

/// Records one change. `action` is a short verb phrase ("availability.submit"),
/// `object` names what changed ("year 3 school 100001"), `detail` is free text.
pub async fn record(
    conn: &mut AnyConnection,
    user_id: Option<i64>,
    action: &str,
    object: &str,
    detail: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit (at, user_id, action, object, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(super::now())
    .bind(user_id)
    .bind(action)
    .bind(object)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// None for changes made from the command line.
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// `input.schools`, `plan.publish`, `invitation.issue`, ...
    pub action: String,
    pub object: String,
    pub detail: String,
}

/// Entries newest first: at most `limit`, older than `before` where given.
pub async fn entries(db: &Db, limit: i64, before: Option<i64>) -> anyhow::Result<Vec<AuditEntry>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.at, a.user_id, u.name AS user_name, a.action, a.object, a.detail \
         FROM audit a LEFT JOIN users u ON u.id = a.user_id \
         WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2",
    )
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.read)
    .await?)
}
