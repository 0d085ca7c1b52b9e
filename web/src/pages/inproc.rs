//! Calls into the JSON API in process, as the signed-in person.
//!
//! Where the API holds a rule of its own beyond storage (who may read a
//! write-up and in which form, how a write-up's team and dates are filled
//! in, a head's roles in their group), a page asks the API rather than
//! repeating the rule: the request carries the page's `Caller`, so the API
//! decides exactly as it does for any client, and its refusals (403, 404,
//! 400 naming the field) come back as the page's errors. The outer
//! middleware has already checked the session and the page form's CSRF
//! token.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tower::ServiceExt;

use crate::auth::Caller;
use crate::error::AppError;
use crate::{api, AppState, BODY_LIMIT};

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

/// The API's error codes as `AppError` codes (which are static words).
fn code_word(code: &str) -> &'static str {
    match code {
        "bad_request" => "bad_request",
        "unauthorized" => "unauthorized",
        "forbidden" => "forbidden",
        "not_found" => "not_found",
        "conflict" => "conflict",
        "too_late" => "too_late",
        "internal" => "internal",
        _ => "api_error",
    }
}

/// `method /api{path}` as `caller`, with an optional JSON body; the
/// answer's JSON, or the API's error as an `AppError`.
pub async fn call<T: DeserializeOwned>(
    state: &AppState,
    caller: &Caller,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<T, AppError> {
    let mut builder = Request::builder().method(method).uri(path);
    let body = match body {
        Some(v) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let mut request = builder
        .body(body)
        .map_err(|e| AppError::internal("in-process request", e))?;
    request.extensions_mut().insert(caller.clone());
    let response = api::router()
        .with_state(state.clone())
        .oneshot(request)
        .await
        .map_err(|e| AppError::internal("in-process request", e))?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), BODY_LIMIT * 16)
        .await
        .map_err(|e| AppError::internal("in-process response", e))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| AppError::internal(&format!("in-process answer of {path}"), e));
    }
    Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(e) => AppError::new(status, code_word(&e.code), e.message),
        Err(_) if status == StatusCode::NOT_FOUND => AppError::not_found(format!("no {path}")),
        Err(_) => AppError::new(
            status,
            "api_error",
            String::from_utf8_lossy(&bytes).into_owned(),
        ),
    })
}

/// Like [`call`], with a 404 as None (nothing there yet).
pub async fn call_optional<T: DeserializeOwned>(
    state: &AppState,
    caller: &Caller,
    path: &str,
) -> Result<Option<T>, AppError> {
    match call(state, caller, Method::GET, path, None).await {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.status == StatusCode::NOT_FOUND => Ok(None),
        Err(e) => Err(e),
    }
}
