//! Invitation links and sessions as stored: tokens are 256 random bits and
//! the database keeps only their SHA-256, so a copy of the database opens no
//! door.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::{audit, now, Db};

/// How long a session lasts; heads come back over weeks, so days not hours.
pub const SESSION_SECONDS: i64 = 14 * 24 * 3600;
/// How long an invitation link stays valid.
pub const INVITATION_SECONDS: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Sim,
    Head,
    Adviser,
    Consultant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sim => "sim",
            Role::Head => "head",
            Role::Adviser => "adviser",
            Role::Consultant => "consultant",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "sim" => Some(Role::Sim),
            "head" => Some(Role::Head),
            "adviser" => Some(Role::Adviser),
            "consultant" => Some(Role::Consultant),
            _ => None,
        }
    }
}

/// A new random token: 256 bits from the operating system's CSPRNG.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token. The tokens carry 256 random bits, so
/// a fast hash is enough: there is nothing to guess by brute force.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes an invitation for a user and returns its token (the only copy).
pub async fn issue_invitation(
    conn: &mut AnyConnection,
    user_id: i64,
    created_by: Option<i64>,
) -> sqlx::Result<String> {
    let token = new_token();
    let t = now();
    sqlx::query(
        "INSERT INTO invitations (user_id, token_hash, expires_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(hash_token(&token))
    .bind(t + INVITATION_SECONDS)
    .bind(created_by)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        created_by,
        "invitation.issue",
        &format!("user {user_id}"),
        "",
    )
    .await?;
    Ok(token)
}

/// A session made from an invitation: the token goes into the cookie.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewSession {
    pub session_token: String,
    pub csrf_token: String,
    pub user_id: i64,
    pub role: Role,
    pub name: String,
}

/// Uses up an invitation and opens a session; `None` for unknown, used and
/// expired tokens alike.
pub async fn redeem_invitation(db: &Db, token: &str) -> anyhow::Result<Option<NewSession>> {
    let mut tx = db.begin_write().await?;
    let t = now();
    // The conditional UPDATE is the single use: of two concurrent redeemers,
    // only one sees a row change.
    let row = sqlx::query(
        "UPDATE invitations SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id",
    )
    .bind(t)
    .bind(hash_token(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let user_id: i64 = row.try_get(0)?;
    let user = sqlx::query("SELECT role, name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    let role_text: String = user.try_get(0)?;
    let role = Role::parse(&role_text)
        .ok_or_else(|| anyhow::anyhow!("users.role: unknown role {role_text}"))?;
    let name: String = user.try_get(1)?;
    let session_token = new_token();
    let csrf_token = new_token();
    sqlx::query(
        "INSERT INTO sessions (user_id, token_hash, csrf_token, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(hash_token(&session_token))
    .bind(&csrf_token)
    .bind(t + SESSION_SECONDS)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Some(user_id),
        "session.open",
        &format!("user {user_id}"),
        "by invitation",
    )
    .await?;
    tx.commit().await?;
    Ok(Some(NewSession {
        session_token,
        csrf_token,
        user_id,
        role,
        name,
    }))
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub session_id: i64,
    pub csrf_token: String,
    pub user_id: i64,
    pub role: Role,
    pub name: String,
    pub urn: Option<String>,
    pub ext_id: Option<String>,
}

/// The live session of a token, if any.
pub async fn find_session(db: &Db, token: &str) -> anyhow::Result<Option<SessionRow>> {
    let row = sqlx::query(
        "SELECT s.id, s.csrf_token, u.id, u.role, u.name, u.urn, u.ext_id \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(hash_token(token))
    .bind(now())
    .fetch_optional(&db.read)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role_text: String = row.try_get("role")?;
    Ok(Some(SessionRow {
        session_id: row.try_get(0)?,
        csrf_token: row.try_get("csrf_token")?,
        user_id: row.try_get(2)?,
        role: Role::parse(&role_text)
            .ok_or_else(|| anyhow::anyhow!("users.role: unknown role {role_text}"))?,
        name: row.try_get("name")?,
        urn: row.try_get("urn")?,
        ext_id: row.try_get("ext_id")?,
    }))
}

/// Ends a session now.
pub async fn end_session(db: &Db, session_id: i64, user_id: i64) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
        .bind(now())
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Some(user_id),
        "session.close",
        &format!("user {user_id}"),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_hex() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        let h = hash_token(&a);
        assert_eq!(h.len(), 64);
        assert_ne!(h, hash_token(&b));
        assert_eq!(h, hash_token(&a));
    }
}
