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
use serde::Deserialize;

use super::error::{AppError, AppResult};
use super::AppState;
use crate::extract::{Body as JsonObject, Signed};
use store::tokens;
pub use store::tokens::{
    hash_token, issue_invitation, new_token, NewSession, Role, INVITATION_SECONDS, SESSION_SECONDS,
};

pub use app::Caller;

pub const SESSION_COOKIE: &str = "pr_session";
/// Uses up an invitation and opens a session. The same error for unknown,
/// used and expired tokens, so that a link tells an attacker nothing.
pub async fn redeem_invitation(state: &AppState, token: &str) -> AppResult<NewSession> {
    tokens::redeem_invitation(&state.db, token)
        .await?
        .ok_or_else(|| {
            AppError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_invitation",
                "this invitation link is unknown, already used or expired; ask the School Improvement Manager for a new one",
            )
        })
}

/// Refuses a sign-in that another site's page sent (login CSRF: a page
/// elsewhere posts the attacker's own invitation and the victim's browser
/// ends up signed in as the attacker). Browsers say where a request comes
/// from in `Sec-Fetch-Site`, older ones in `Origin`; a client that sends
/// neither is not a browser, and has no victim's cookies to ride on.
pub fn from_this_site(state: &AppState, headers: &header::HeaderMap) -> AppResult<()> {
    let refused = || {
        AppError::forbidden(
            "this sign-in came from another website, so it was refused; \
             open your invitation link in the browser yourself",
        )
    };
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none": the user opened the link or typed the address.
        return match site.as_bytes() {
            b"same-origin" | b"none" => Ok(()),
            _ => Err(refused()),
        };
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    let authority = |url: &str| {
        url.split_once("://").map(|(_, rest)| {
            rest.split('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        })
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    let theirs = authority(origin);
    let ours = authority(&state.config.base_url);
    match theirs {
        Some(t) if Some(&t) == host.as_ref() || Some(&t) == ours.as_ref() => Ok(()),
        _ => Err(refused()),
    }
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
    Ok(tokens::find_session(&state.db, token)
        .await?
        .map(|row| Caller {
            session_id: row.session_id,
            csrf_token: row.csrf_token,
            user_id: row.user_id,
            role: row.role,
            name: row.name,
            urn: row.urn,
            ext_id: row.ext_id,
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
        (Some(c), Credential::Cookie, true) => {
            match check_csrf(&parts, body, &c.csrf_token).await {
                Ok(body) => body,
                // A page's form is answered with a page, the API in its shape.
                Err(e) if !crate::error::is_api(parts.uri.path()) => {
                    return Ok(crate::pages::session::error_page(Some(c), &e));
                }
                Err(e) => return Err(e),
            }
        }
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
        (status = 403, description = "Sent by another website's page (a browser says so in Sec-Fetch-Site or Origin)", body = super::error::ErrorBody),
    ))]
pub async fn open_session(
    State(state): State<AppState>,
    headers: header::HeaderMap,
    jar: CookieJar,
    JsonObject(req): JsonObject<RedeemRequest>,
) -> AppResult<impl IntoResponse> {
    from_this_site(&state, &headers)?;
    let session = redeem_invitation(&state, &req.token).await?;
    let jar = jar.add(session_cookie(&state, session.session_token.clone()));
    Ok((jar, Json(session)))
}

/// Sign out: the session ends now.
#[utoipa::path(delete, path = "/api/session", tag = "session",
    responses((status = 204, description = "Signed out")))]
pub async fn close_session(
    State(state): State<AppState>,
    Signed(caller): Signed,
    jar: CookieJar,
) -> AppResult<impl IntoResponse> {
    end_session(&state, &caller).await?;
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        axum::http::StatusCode::NO_CONTENT,
    ))
}

pub async fn end_session(state: &AppState, caller: &Caller) -> AppResult<()> {
    Ok(tokens::end_session(&state.db, caller.session_id, caller.user_id).await?)
}

/// Who is signed in, with the CSRF token to send with changes.
#[utoipa::path(get, path = "/api/me", tag = "session",
    responses(
        (status = 200, body = Caller),
        (status = 401, body = super::error::ErrorBody),
    ))]
pub async fn me(Signed(caller): Signed) -> Json<Caller> {
    Json(caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_in_constant_time() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
