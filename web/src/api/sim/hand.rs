//! The SIM's hand: opt-outs, pinned groups and excluded pairs, checked
//! against the year's schools and advisers and kept as versions.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use optimiser::model::{Adviser, School};
use serde::Serialize;

use super::problems::{json_body, Problem, SimError, SimResult};
use crate::api::availability::year_or_404;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::AppState;
use store::inputs::{self, Hand};
use store::years::parse_rules;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoredHand {
    /// 0 before the first hand is stored (then the hand is empty).
    pub version: i64,
    pub created_at: Option<i64>,
    pub hand: Hand,
}

/// Replace the SIM's hand. Every URN must be a school of the schools input;
/// a pin holds 3 (or 4) schools of one phase, none opted out or pinned
/// twice; a pinned adviser must be in the advisers input; an exclusion
/// names two schools and a reason. Every problem is listed.
#[utoipa::path(put, path = "/api/years/{year}/hand", tag = "sim",
    params(("year" = i64, Path, description = "Programme year id")),
    request_body = Hand,
    responses(
        (status = 201, body = StoredHand),
        (status = 400, description = "Each problem with its field and value; nothing stored", body = super::problems::ProblemsBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No schools uploaded yet", body = ErrorBody),
    ))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
    body: Result<Json<Hand>, JsonRejection>,
) -> SimResult<(StatusCode, Json<StoredHand>)> {
    caller.require_sim()?;
    let year = year_or_404(&state, year_id).await?;
    let hand = json_body(body)?;
    let schools = inputs::latest::<Vec<School>>(&state.db, year_id, "schools")
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::CONFLICT,
                "missing_input",
                "upload the schools of the year before the hand",
            )
        })?;
    let advisers = inputs::latest::<Vec<Adviser>>(&state.db, year_id, "advisers")
        .await?
        .map(|s| s.data);
    let rules = parse_rules(&year.rules)
        .map_err(|e| AppError::internal("stored rules", e))?
        .triads;
    let problems = hand.check(&schools.data, advisers.as_deref(), &rules);
    if !problems.is_empty() {
        let errors = problems
            .into_iter()
            .map(|p| Problem {
                line: None,
                message: format!("{} {:?} {}", p.field, p.value, p.message),
                field: Some(p.field),
                value: Some(p.value),
            })
            .collect::<Vec<_>>();
        return Err(SimError::invalid(
            "invalid_hand",
            format!("the hand was not stored: {}", errors[0].message),
            errors,
        ));
    }
    let mut tx = state.db.write.begin().await?;
    let version = inputs::store(
        &mut tx,
        year_id,
        "hand",
        "hand.json",
        &hand,
        Some(caller.user_id),
        &format!(
            "{} opted out, {} pinned groups, {} excluded pairs",
            hand.opt_out.len(),
            hand.pin.len(),
            hand.exclude.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(StoredHand {
            version,
            created_at: Some(store::now()),
            hand,
        }),
    ))
}

/// The SIM's current hand (empty, version 0, before the first).
#[utoipa::path(get, path = "/api/years/{year}/hand", tag = "sim",
    params(("year" = i64, Path, description = "Programme year id")),
    responses(
        (status = 200, body = StoredHand),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_id): Path<i64>,
) -> AppResult<Json<StoredHand>> {
    caller.require_sim()?;
    year_or_404(&state, year_id).await?;
    Ok(Json(
        match inputs::latest::<Hand>(&state.db, year_id, "hand").await? {
            Some(s) => StoredHand {
                version: s.version,
                created_at: Some(s.created_at),
                hand: s.data,
            },
            None => StoredHand {
                version: 0,
                created_at: None,
                hand: Hand::default(),
            },
        },
    ))
}
