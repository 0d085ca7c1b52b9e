//! People: the users the SIM invites (a head per school, advisers and
//! consultants by their id in the year's inputs), their invitation links,
//! and who has given availability.
//!
//! Re-inviting someone revokes their unused links before issuing a fresh
//! one: a SIM re-invites because a mail went astray or to the wrong
//! address, and the old link should then stop working.

use std::collections::BTreeSet;

use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::{audit, now, Db};
use crate::tokens;

/// A user as the SIM sees them; tokens never leave the database.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: i64,
    /// `sim`, `head`, `adviser` or `consultant`.
    pub role: String,
    pub name: String,
    pub email: String,
    /// The head's school.
    pub urn: Option<String>,
    /// The adviser's or consultant's id in the year's inputs.
    pub ext_id: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When the latest invitation was issued, if ever.
    pub invited_at: Option<i64>,
    /// Whether an invitation of theirs has been used (they have signed in).
    pub signed_in: bool,
}

const PERSON_SQL: &str = "SELECT u.id, u.role, u.name, u.email, u.urn, u.ext_id, u.created_at, \
     (SELECT MAX(i.created_at) FROM invitations i WHERE i.user_id = u.id), \
     (SELECT COUNT(*) FROM invitations i WHERE i.user_id = u.id AND i.used_at IS NOT NULL) \
     FROM users u";

fn person(r: &sqlx::any::AnyRow) -> anyhow::Result<Person> {
    let used: i64 = r.try_get(8)?;
    Ok(Person {
        id: r.try_get(0)?,
        role: r.try_get(1)?,
        name: r.try_get(2)?,
        email: r.try_get(3)?,
        urn: r.try_get(4)?,
        ext_id: r.try_get(5)?,
        created_at: r.try_get(6)?,
        invited_at: r.try_get(7)?,
        signed_in: used > 0,
    })
}

/// Every user, by role then name.
pub async fn list(db: &Db) -> anyhow::Result<Vec<Person>> {
    let rows = sqlx::query(&format!("{PERSON_SQL} ORDER BY u.role, u.name, u.id"))
        .fetch_all(&db.read)
        .await?;
    rows.iter().map(person).collect()
}

pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<Person>> {
    let row = sqlx::query(&format!("{PERSON_SQL} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&db.read)
        .await?;
    row.as_ref().map(person).transpose()
}

/// Someone to invite, as the year's inputs describe them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// `head`, `adviser` or `consultant`.
    pub role: &'static str,
    pub name: String,
    pub email: String,
    /// Heads: their school.
    pub urn: Option<String>,
    /// Advisers and consultants: their id in the inputs.
    pub ext_id: Option<String>,
}

/// An invitation issued: the link is the only copy of the token.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invited {
    pub user_id: i64,
    pub role: String,
    pub name: String,
    pub email: String,
    pub urn: Option<String>,
    pub ext_id: Option<String>,
    /// The user was made by this invitation (false: they existed already).
    pub created: bool,
    /// `{base_url}/invite/{token}`: single use, valid for 30 days.
    pub link: String,
}

/// Finds the user the invitee is (a head by school, others by role and id)
/// or creates them. Where the inputs now give another name or e-mail, the
/// user follows them; a changed e-mail means another person holds the post,
/// so the user's sessions end. Returns (id, created).
async fn find_or_create(
    conn: &mut AnyConnection,
    who: &Invitee,
    by: i64,
) -> anyhow::Result<(i64, bool)> {
    let found = match (&who.urn, &who.ext_id) {
        (Some(urn), _) if who.role == "head" => {
            sqlx::query("SELECT id, name, email FROM users WHERE role = 'head' AND urn = $1")
                .bind(urn)
                .fetch_optional(&mut *conn)
                .await?
        }
        (_, Some(ext)) => {
            sqlx::query("SELECT id, name, email FROM users WHERE role = $1 AND ext_id = $2")
                .bind(who.role)
                .bind(ext)
                .fetch_optional(&mut *conn)
                .await?
        }
        _ => anyhow::bail!("an invitee needs a school (heads) or an id (others)"),
    };
    if let Some(row) = found {
        let id: i64 = row.try_get(0)?;
        let name: String = row.try_get(1)?;
        let email: String = row.try_get(2)?;
        let new_email = !who.email.is_empty() && who.email != email;
        if name != who.name || new_email {
            let email_now = if who.email.is_empty() {
                &email
            } else {
                &who.email
            };
            sqlx::query("UPDATE users SET name = $1, email = $2 WHERE id = $3")
                .bind(&who.name)
                .bind(email_now)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            let mut detail = format!(
                "name {name:?} -> {:?}, email {email:?} -> {email_now:?}",
                who.name
            );
            if new_email && !email.is_empty() {
                let t = now();
                sqlx::query(
                    "UPDATE sessions SET expires_at = $1 WHERE user_id = $2 AND expires_at > $1",
                )
                .bind(t)
                .bind(id)
                .execute(&mut *conn)
                .await?;
                detail.push_str("; sessions ended");
            }
            audit::record(
                conn,
                Some(by),
                "user.update",
                &format!("user {id}"),
                &detail,
            )
            .await?;
        }
        return Ok((id, false));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (role, name, email, urn, ext_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(who.role)
    .bind(&who.name)
    .bind(&who.email)
    .bind(&who.urn)
    .bind(&who.ext_id)
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    let key = who.urn.as_deref().or(who.ext_id.as_deref()).unwrap_or("");
    audit::record(
        conn,
        Some(by),
        "user.create",
        &format!("user {id}"),
        &format!("{} {key}: {}", who.role, who.name),
    )
    .await?;
    Ok((id, true))
}

/// Makes every unused, unexpired link of a user stop working now; returns how many.
async fn revoke_unused(conn: &mut AnyConnection, user_id: i64, by: i64) -> anyhow::Result<u64> {
    let t = now();
    let n = sqlx::query(
        "UPDATE invitations SET expires_at = $1 \
         WHERE user_id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(t)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n > 0 {
        audit::record(
            conn,
            Some(by),
            "invitation.revoke",
            &format!("user {user_id}"),
            &format!("{n} unused link(s), replaced by a new one"),
        )
        .await?;
    }
    Ok(n)
}

/// Creates missing users and issues each invitee a fresh link, all in one
/// transaction (all or nothing).
pub async fn invite(
    db: &Db,
    invitees: &[Invitee],
    by: i64,
    base_url: &str,
) -> anyhow::Result<Vec<Invited>> {
    let base = base_url.trim_end_matches('/');
    let mut tx = db.begin_write().await?;
    let mut out = Vec::with_capacity(invitees.len());
    for who in invitees {
        let (user_id, created) = find_or_create(&mut tx, who, by).await?;
        revoke_unused(&mut tx, user_id, by).await?;
        let token = tokens::issue_invitation(&mut tx, user_id, Some(by)).await?;
        out.push(Invited {
            user_id,
            role: who.role.to_string(),
            name: who.name.clone(),
            email: who.email.clone(),
            urn: who.urn.clone(),
            ext_id: who.ext_id.clone(),
            created,
            link: format!("{base}/invite/{token}"),
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// A fresh link for one user, their unused ones revoked, in one
/// transaction; `{base_url}/invite/{token}`. None for an unknown user.
pub async fn reissue(
    db: &Db,
    user_id: i64,
    by: i64,
    base_url: &str,
) -> anyhow::Result<Option<String>> {
    let mut tx = db.begin_write().await?;
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    if exists == 0 {
        return Ok(None);
    }
    revoke_unused(&mut tx, user_id, by).await?;
    let token = tokens::issue_invitation(&mut tx, user_id, Some(by)).await?;
    tx.commit().await?;
    Ok(Some(format!(
        "{}/invite/{token}",
        base_url.trim_end_matches('/')
    )))
}

/// The keys (URN for heads, id for advisers) of users of the role who have
/// given availability for the year at least once.
pub async fn with_availability(
    db: &Db,
    year_id: i64,
    role: &str,
) -> anyhow::Result<BTreeSet<String>> {
    let rows = sqlx::query(
        "SELECT u.urn, u.ext_id FROM users u WHERE u.role = $1 AND EXISTS \
         (SELECT 1 FROM availability a WHERE a.year_id = $2 AND a.user_id = u.id)",
    )
    .bind(role)
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    let mut out = BTreeSet::new();
    for r in &rows {
        let urn: Option<String> = r.try_get(0)?;
        let ext: Option<String> = r.try_get(1)?;
        if let Some(k) = if role == "head" { urn } else { ext } {
            out.insert(k);
        }
    }
    Ok(out)
}

/// How many times a user has submitted availability for the year.
pub async fn availability_versions(db: &Db, year_id: i64, user_id: i64) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM availability WHERE year_id = $1 AND user_id = $2")
            .bind(year_id)
            .bind(user_id)
            .fetch_one(&db.read)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows;

    fn head(urn: &str, name: &str, email: &str) -> Invitee {
        Invitee {
            role: "head",
            name: name.into(),
            email: email.into(),
            urn: Some(urn.into()),
            ext_id: None,
        }
    }

    #[tokio::test]
    async fn reinviting_revokes_the_unused_link_and_follows_the_inputs() {
        let db = test_rows::memory().await;
        let sim = test_rows::user(&db, "sim", "S", None).await;
        let adviser = Invitee {
            role: "adviser",
            name: "Ada".into(),
            email: String::new(),
            urn: None,
            ext_id: Some("adv-01".into()),
        };
        let first = invite(
            &db,
            &[head("900001", "A", "a@x"), adviser.clone()],
            sim,
            "http://h/",
        )
        .await
        .unwrap();
        assert!(first.iter().all(|i| i.created));
        assert!(first[0].link.starts_with("http://h/invite/"));
        let again = invite(&db, &[head("900001", "B", "b@x"), adviser], sim, "http://h")
            .await
            .unwrap();
        assert_eq!(again[0].user_id, first[0].user_id);
        assert_eq!(again[1].user_id, first[1].user_id);
        assert!(!again[0].created);
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM invitations WHERE user_id = $1 AND expires_at > $2",
        )
        .bind(first[0].user_id)
        .bind(now())
        .fetch_one(&db.read)
        .await
        .unwrap();
        assert_eq!(live, 1, "the first link is revoked");
        let p = get(&db, first[0].user_id).await.unwrap().unwrap();
        assert_eq!((p.name.as_str(), p.email.as_str()), ("B", "b@x"));
        assert!(p.invited_at.is_some() && !p.signed_in);
        assert_eq!(list(&db).await.unwrap().len(), 3);
    }
}
