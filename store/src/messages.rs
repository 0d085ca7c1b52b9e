//! The message log: every e-mail the service sent or made for the SIM to
//! send (invitations, reminders, "your group is published"), who it went
//! to, what it said and what became of it. Sign-in links are never kept:
//! a message's body holds a placeholder where its link went.

use serde::Serialize;

use crate::{audit, now, Db};

/// A message as logged.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub year_id: i64,
    /// The recipient's user, where they have one.
    pub user_id: Option<i64>,
    pub recipient: String,
    /// Empty where the person has no e-mail address.
    pub address: String,
    /// `invitation`, `availability_reminder`, `writeup_reminder` or `published`.
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// `sent`, `failed` or `not_sent` (no SMTP: in a mail-merge spreadsheet).
    pub status: String,
    /// The SMTP server's answer, or why the message could not be sent.
    pub error: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// The message this one repeats.
    pub resent_of: Option<i64>,
}

/// A message to log.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub year_id: i64,
    pub user_id: Option<i64>,
    pub recipient: &'a str,
    pub address: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub error: Option<&'a str>,
    pub sent_at: Option<i64>,
    pub resent_of: Option<i64>,
}

const COLUMNS: &str = "id, year_id, user_id, recipient, address, kind, subject, body, status, \
     error, created_at, sent_at, resent_of";

/// Logs a message and its audit entry in one transaction; its id.
pub async fn record(db: &Db, by: i64, m: &NewMessage<'_>) -> anyhow::Result<i64> {
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (year_id, user_id, recipient, address, kind, subject, body, \
         status, error, created_by, created_at, sent_at, resent_of) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(m.year_id)
    .bind(m.user_id)
    .bind(m.recipient)
    .bind(m.address)
    .bind(m.kind)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.status)
    .bind(m.error)
    .bind(by)
    .bind(now())
    .bind(m.sent_at)
    .bind(m.resent_of)
    .fetch_one(&mut *tx)
    .await?;
    let mut detail = format!(
        "{} to {} <{}>: {}",
        m.kind, m.recipient, m.address, m.status
    );
    if let Some(r) = m.resent_of {
        detail.push_str(&format!(", resending message {r}"));
    }
    audit::record(
        &mut tx,
        Some(by),
        "message.log",
        &format!("message {id}"),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The year's messages, newest first, at most `limit`.
pub async fn list(db: &Db, year_id: i64, limit: i64) -> anyhow::Result<Vec<Message>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM messages WHERE year_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(year_id)
    .bind(limit)
    .fetch_all(&db.read)
    .await?)
}

/// The first sending of messages of `kind` logged from `first` to `last`,
/// in order (what one run of sending logged; repeats left out).
pub async fn between(
    db: &Db,
    year_id: i64,
    kind: &str,
    first: i64,
    last: i64,
) -> anyhow::Result<Vec<Message>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM messages WHERE year_id = $1 AND kind = $2 \
         AND id >= $3 AND id <= $4 AND resent_of IS NULL ORDER BY id"
    ))
    .bind(year_id)
    .bind(kind)
    .bind(first)
    .bind(last)
    .fetch_all(&db.read)
    .await?)
}

/// One message of the year.
pub async fn get(db: &Db, year_id: i64, id: i64) -> anyhow::Result<Option<Message>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM messages WHERE year_id = $1 AND id = $2"
    ))
    .bind(year_id)
    .bind(id)
    .fetch_optional(&db.read)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows;

    #[tokio::test]
    async fn a_message_is_logged_with_its_audit_entry_and_read_back() {
        let db = test_rows::memory().await;
        let sim = test_rows::user(&db, "sim", "S", None).await;
        let year = test_rows::year(&db).await;
        let m = NewMessage {
            year_id: year,
            user_id: None,
            recipient: "Ann Head",
            address: "ann@school.example",
            kind: "invitation",
            subject: "Peer review",
            body: "Dear Ann",
            status: "failed",
            error: Some("connection refused"),
            sent_at: None,
            resent_of: None,
        };
        let first = record(&db, sim, &m).await.unwrap();
        let second = record(
            &db,
            sim,
            &NewMessage {
                status: "sent",
                error: None,
                sent_at: Some(now()),
                resent_of: Some(first),
                ..m
            },
        )
        .await
        .unwrap();
        let all = list(&db, year, 10).await.unwrap();
        assert_eq!(
            all.iter().map(|m| m.id).collect::<Vec<_>>(),
            [second, first]
        );
        assert_eq!(all[0].resent_of, Some(first));
        assert_eq!(all[1].error.as_deref(), Some("connection refused"));
        assert!(get(&db, year, first).await.unwrap().is_some());
        assert!(get(&db, year + 1, first).await.unwrap().is_none());
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'message.log'")
                .fetch_one(&db.read)
                .await
                .unwrap();
        assert_eq!(audited, 2);
    }
}
