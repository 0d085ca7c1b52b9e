//! Extractors: who is asking, with their role and year checked before a
//! handler runs, and JSON bodies whose rejection is the service's one error
//! shape. Handlers take these instead of checking roles and looking up years
//! themselves.

use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::AppState;
use app::Caller;

/// The signed-in person of a request (401 when nobody is).
pub struct Signed(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .map(Signed)
            .ok_or_else(AppError::unauthorized)
    }
}

/// The signed-in SIM, on routes without a year (403 for anyone else),
/// refused before a body is read.
pub struct Sim(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Sim {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Signed(caller) = Signed::from_request_parts(parts, state).await?;
        caller.require_sim()?;
        Ok(Sim(caller))
    }
}

/// The route's `{name}` segment as written: a 404 saying `unreadable` where
/// the path cannot be read; a route without the segment is a mistake of
/// this service's, not of the request.
async fn segment(parts: &mut Parts, name: &str, unreadable: &str) -> Result<String, AppError> {
    let params = RawPathParams::from_request_parts(parts, &())
        .await
        .map_err(|_| AppError::not_found(unreadable))?;
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .ok_or_else(|| {
            AppError::internal(
                "route",
                format!("an extractor of {{{name}}} on a route without it"),
            )
        })
}

/// The `{year}` segment of the route as a year id; a segment that is not a
/// number names no year, so it is a 404 like an unknown one.
pub(crate) async fn year_id(parts: &mut Parts) -> Result<i64, AppError> {
    let raw = segment(parts, "year", "no such programme year").await?;
    raw.parse::<i64>()
        .map_err(|_| AppError::not_found(format!("no programme year {raw:?}")))
}

macro_rules! year_extractor {
    ($(#[$doc:meta])* $name:ident, $inner:ty) => {
        $(#[$doc])*
        pub struct $name(pub $inner);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let Signed(caller) = Signed::from_request_parts(parts, state).await?;
                let year_id = year_id(parts).await?;
                Ok($name(<$inner>::check(&state.db, caller, year_id).await?))
            }
        }

        impl std::ops::Deref for $name {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }
    };
}

year_extractor!(
    /// The SIM and the year of the route (403 for anyone else, checked
    /// before the year so that nobody learns which years exist).
    SimYear,
    app::SimYear
);
year_extractor!(
    /// A head, their school and the year of the route.
    HeadYear,
    app::HeadYear
);
year_extractor!(
    /// Anyone signed in and the year of the route.
    AnyYear,
    app::AnyYear
);

/// A JSON body that must be an object. axum's own rejection is plain text,
/// and serde reads an array into a struct field by field, so `[]` would pass
/// for an empty object: both are refused here in the service's error shape.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        if !value.is_object() {
            return Err(AppError::bad_request(
                "the body must be a JSON object ({ ... })",
            ));
        }
        serde_json::from_value(value)
            .map(Body)
            .map_err(|e| AppError::bad_request(format!("the body does not fit: {e}")))
    }
}

fn json_rejection(e: axum::extract::rejection::JsonRejection) -> AppError {
    use axum::extract::rejection::JsonRejection as R;
    match e {
        R::BytesRejection(b) if b.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the body is larger than this request allows",
            )
        }
        R::MissingJsonContentType(_) => {
            AppError::bad_request("send the body as JSON (Content-Type: application/json)")
        }
        other => AppError::bad_request(other.body_text()),
    }
}

/// The `{host_urn}` segment of the route as a school's URN, through the one
/// parse of URNs in addresses: a segment that is not a URN is a 404 in the
/// service's error shape.
pub struct HostUrn(pub optimiser::model::Urn);

impl<S: Send + Sync> FromRequestParts<S> for HostUrn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = segment(parts, "host_urn", "no such school").await?;
        Ok(HostUrn(app::head::parse_urn(&raw)?))
    }
}

/// A JSON body read exactly as `Body` reads it, whose refusal is handed to
/// the use case instead of answered at once: where who may do something
/// depends on more than the route (a write-up's lead), the use case checks
/// the caller first, so that a stranger learns nothing from a message about
/// the body. `Unchecked<Option<T>>` is `None` for a request without a body.
pub struct Unchecked<T>(pub app::AppResult<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Unchecked<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !req.headers().contains_key(axum::http::header::CONTENT_TYPE) {
            // Without a body only an optional one (`Option<T>`) reads as none.
            if let Ok(none) = serde_json::from_value::<T>(serde_json::Value::Null) {
                return Ok(Unchecked(Ok(none)));
            }
        }
        Ok(Unchecked(
            <Body<T> as FromRequest<S>>::from_request(req, state)
                .await
                .map(|Body(t)| t)
                .map_err(|e| match e.status {
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                        app::AppError::too_large(e.message)
                    }
                    _ => app::AppError::bad_request(e.message),
                }),
        ))
    }
}
