//! The audit log: who changed what, when. Written in the same transaction as
//! the change it records, so the two can never disagree.

use sqlx::AnyConnection;

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
