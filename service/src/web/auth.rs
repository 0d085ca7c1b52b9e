//! Who is asking: invitation links, sessions and CSRF.
//!
//! Invitation links carry a single-use random token; the database keeps only
//! its SHA-256 (a stolen database gives no working link). Redeeming one makes
//! a session: a second random token, also stored hashed, sent back as an
//! HttpOnly, SameSite cookie (pages) or usable as a bearer token (API
//! clients). Every state-changing request that rides on the cookie must also
//! carry the session's CSRF token: header `x-csrf-token`, form field `csrf`,
//! or query parameter `csrf` (multipart uploads).

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::error::{AppError, AppResult};
use super::AppState;
use crate::db::{audit, now};

pub const SESSION_COOKIE: &str = "pr_session";
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

/// The signed-in user of a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Caller {
    pub user_id: i64,
    pub role: Role,
    pub name: String,
    /// The head's school.
    pub urn: Option<String>,
    /// The adviser's or consultant's id in the year's inputs.
    pub ext_id: Option<String>,
    #[serde(skip)]
    pub session_id: i64,
    /// To send back in `x-csrf-token` (or form field `csrf`) with every change.
    pub csrf_token: String,
}

impl Caller {
    pub fn require_sim(&self) -> AppResult<()> {
        if self.role == Role::Sim {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "only the School Improvement Manager may do this",
            ))
        }
    }

    /// The caller is the head of this school.
    pub fn is_head_of(&self, urn: &str) -> bool {
        self.role == Role::Head && self.urn.as_deref() == Some(urn)
    }

    pub fn require_head(&self) -> AppResult<&str> {
        match (&self.role, &self.urn) {
            (Role::Head, Some(urn)) => Ok(urn),
            _ => Err(AppError::forbidden("only a school's head may do this")),
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

/// Uses up an invitation and opens a session. The same error for unknown,
/// used and expired tokens, so that a link tells an attacker nothing.
pub async fn redeem_invitation(state: &AppState, token: &str) -> AppResult<NewSession> {
    let mut tx = state.db.write.begin().await?;
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
        return Err(AppError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "invalid_invitation",
            "this invitation link is unknown, already used or expired; ask the School Improvement Manager for a new one",
        ));
    };
    let user_id: i64 = row.try_get(0)?;
    let user = sqlx::query("SELECT role, name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    let role_text: String = user.try_get(0)?;
    let role = Role::parse(&role_text)
        .ok_or_else(|| AppError::internal("users.role", format!("unknown role {role_text}")))?;
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
    Ok(NewSession {
        session_token,
        csrf_token,
        user_id,
        role,
        name,
    })
}

/// The session cookie for a new session.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        // Lax, not Strict: a head who follows a link from an e-mail arrives
        // signed in. Changes are guarded by the CSRF token instead.
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .max_age(time::Duration::seconds(SESSION_SECONDS))
        .build()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    Cookie,
    Bearer,
}

async fn find_session(state: &AppState, token: &str) -> AppResult<Option<Caller>> {
    let row = sqlx::query(
        "SELECT s.id, s.csrf_token, u.id, u.role, u.name, u.urn, u.ext_id \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(hash_token(token))
    .bind(now())
    .fetch_optional(&state.db.read)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role_text: String = row.try_get(3)?;
    Ok(Some(Caller {
        session_id: row.try_get(0)?,
        csrf_token: row.try_get(1)?,
        user_id: row.try_get(2)?,
        role: Role::parse(&role_text)
            .ok_or_else(|| AppError::internal("users.role", format!("unknown role {role_text}")))?,
        name: row.try_get(4)?,
        urn: row.try_get(5)?,
        ext_id: row.try_get(6)?,
    }))
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Middleware on every route: resolves the caller once (the `Caller`
/// extractor reads it back) and refuses a cookie-borne change without the
/// session's CSRF token.
pub async fn authenticate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let (mut parts, body) = request.into_parts();
    let (token, credential) = match bearer(&parts) {
        Some(t) => (Some(t.to_string()), Credential::Bearer),
        None => (
            CookieJar::from_headers(&parts.headers)
                .get(SESSION_COOKIE)
                .map(|c| c.value().to_string()),
            Credential::Cookie,
        ),
    };
    let caller = match token {
        Some(t) => find_session(&state, &t).await?,
        None => None,
    };
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = match (&caller, credential, unsafe_method) {
        (Some(c), Credential::Cookie, true) => check_csrf(&parts, body, &c.csrf_token).await?,
        _ => body,
    };
    if let Some(c) = caller {
        parts.extensions.insert(c);
    }
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// Largest form body read to find its CSRF field; forms are small.
const FORM_LIMIT: usize = 1 << 20;

async fn check_csrf(parts: &Parts, body: Body, expected: &str) -> AppResult<Body> {
    let refused =
        || AppError::forbidden("missing or wrong CSRF token; reload the page and try again");
    let header_token = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    let query_token = parts.uri.query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v)
    });
    if let Some(t) = header_token.map(str::to_string).or(query_token) {
        return if constant_time_eq(t.as_bytes(), expected.as_bytes()) {
            Ok(body)
        } else {
            Err(refused())
        };
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refused());
    }
    let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
        AppError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the form is too large",
        )
    })?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| AppError::bad_request(format!("form: {e}")))?;
    match fields.iter().find(|(k, _)| k == "csrf") {
        Some((_, t)) if constant_time_eq(t.as_bytes(), expected.as_bytes()) => {
            Ok(Body::from(bytes))
        }
        _ => Err(refused()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(AppError::unauthorized)
    }
}

/// The caller if signed in; pages use it to choose between content and the sign-in hint.
pub struct MaybeCaller(pub Option<Caller>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeCaller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeCaller(parts.extensions.get::<Caller>().cloned()))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RedeemRequest {
    /// The token of the invitation link (the last part of `/invite/TOKEN`).
    pub token: String,
}

/// Exchange an invitation token for a session.
#[utoipa::path(post, path = "/api/session", tag = "session",
    request_body = RedeemRequest,
    responses(
        (status = 200, description = "Signed in; the cookie is set as well", body = NewSession),
        (status = 401, description = "Unknown, used or expired invitation", body = super::error::ErrorBody),
    ))]
pub async fn open_session(
    State(state): State<AppState>,
    jar: CookieJar,
    Json(req): Json<RedeemRequest>,
) -> AppResult<impl IntoResponse> {
    let session = redeem_invitation(&state, &req.token).await?;
    let jar = jar.add(session_cookie(&state, session.session_token.clone()));
    Ok((jar, Json(session)))
}

/// Sign out: the session ends now.
#[utoipa::path(delete, path = "/api/session", tag = "session",
    responses((status = 204, description = "Signed out")))]
pub async fn close_session(
    State(state): State<AppState>,
    caller: Caller,
    jar: CookieJar,
) -> AppResult<impl IntoResponse> {
    end_session(&state, &caller).await?;
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        axum::http::StatusCode::NO_CONTENT,
    ))
}

pub async fn end_session(state: &AppState, caller: &Caller) -> AppResult<()> {
    let mut tx = state.db.write.begin().await?;
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
        .bind(now())
        .bind(caller.session_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Some(caller.user_id),
        "session.close",
        &format!("user {}", caller.user_id),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who is signed in, with the CSRF token to send with changes.
#[utoipa::path(get, path = "/api/me", tag = "session",
    responses(
        (status = 200, body = Caller),
        (status = 401, body = super::error::ErrorBody),
    ))]
pub async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
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

    #[test]
    fn compares_in_constant_time() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
