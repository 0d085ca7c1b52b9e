//! Programme years: the window, calendar, deadline and rules of one year.

use chrono::NaiveDate;
use optimiser::schedule::Calendar;
use serde::Serialize;
use sqlx::Row;

use super::Db;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Year {
    pub id: i64,
    pub name: String,
    /// Terms, half-terms and blackout dates (see `data/README.md`).
    #[schema(value_type = Object)]
    pub calendar: Calendar,
    /// Last day (inclusive) heads and advisers may change their availability.
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    /// The rules file (TOML) every step of the year reads.
    pub rules: String,
}

impl Year {
    /// Availability may change up to and including the deadline day.
    pub fn open_for_availability(&self, today: NaiveDate) -> bool {
        today <= self.deadline
    }
}

/// The year, or None where there is no such year.
pub async fn load(db: &Db, id: i64) -> anyhow::Result<Option<Year>> {
    let row = sqlx::query("SELECT id, name, calendar, deadline, rules FROM years WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.read)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let calendar: String = row.try_get(2)?;
    let deadline: String = row.try_get(3)?;
    Ok(Some(Year {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        calendar: serde_json::from_str(&calendar)?,
        deadline: deadline.parse()?,
        rules: row.try_get(4)?,
    }))
}

/// Today's date for deadlines, in the calendar the council works to.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}
