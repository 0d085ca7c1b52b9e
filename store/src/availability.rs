//! Availability as people submit it: every submission is a new version of the
//! whole set of dates; the latest version is the one that counts.

use chrono::NaiveDate;
use optimiser::schedule::Level;
use serde::{Deserialize, Serialize};

use super::{audit, insert_version, latest_json, Column, Db};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DateLevel {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// `preferred` or `possible`; a date not listed is unavailable.
    #[schema(value_type = String)]
    pub level: Level,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Submission {
    pub version: i64,
    /// Unix seconds.
    pub submitted_at: i64,
    pub dates: Vec<DateLevel>,
}

/// The latest submission of a person for a year.
pub async fn current(db: &Db, year_id: i64, user_id: i64) -> anyhow::Result<Option<Submission>> {
    let latest = latest_json(
        db,
        "availability",
        "dates",
        "year_id = $1 AND user_id = $2",
        &[Column::Int(year_id), Column::Int(user_id)],
        || format!("availability of user {user_id}, year {year_id}"),
    )
    .await?;
    Ok(latest.map(|(version, submitted_at, dates)| Submission {
        version,
        submitted_at,
        dates,
    }))
}

/// Stores a checked submission as the person's next version; returns it.
pub async fn submit(
    db: &Db,
    year_id: i64,
    user_id: i64,
    dates: &[DateLevel],
) -> anyhow::Result<i64> {
    let mut sorted = dates.to_vec();
    sorted.sort_by_key(|d| d.date);
    let json = serde_json::to_string(&sorted)?;
    let mut tx = db.begin_write().await?;
    let (_, version) = insert_version(
        &mut tx,
        "availability",
        &[
            ("year_id", Column::Int(year_id)),
            ("user_id", Column::Int(user_id)),
        ],
        &[("dates", Column::Text(&json))],
    )
    .await?;
    audit::record(
        &mut tx,
        Some(user_id),
        "availability.submit",
        &format!("year {year_id} user {user_id}"),
        &format!("version {version}, {} dates", sorted.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}
