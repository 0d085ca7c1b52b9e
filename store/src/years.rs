//! Programme years: the window, calendar, deadline and rules of one year.
//!
//! The rules text changes over a year; `years.rules` holds the latest, and
//! every version (the first one included) is also kept as an input of kind
//! `rules`, so that nothing the SIM wrote is lost and the audit log can point
//! at a version.

use chrono::NaiveDate;
use optimiser::allocate::AllocationRules;
use optimiser::schedule::{Calendar, ScheduleRules};
use optimiser::triads::TriadRules;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::writeups::WriteupRules;
use super::{audit, inputs, now, Db};
use formats::inputs::{parse_toml, parse_toml_table};

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

/// A year in a list: what anyone signed in may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearSummary {
    pub id: i64,
    pub name: String,
    /// First day a review may take place.
    #[schema(value_type = String, format = Date)]
    pub first_day: NaiveDate,
    /// Last day a review may take place.
    #[schema(value_type = String, format = Date)]
    pub last_day: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
}

/// A new year as the SIM describes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewYear {
    /// For people to read: "2026-27".
    pub name: String,
    /// `optimiser::schedule::Calendar` as JSON: `first`, `last`, `half_term`,
    /// `blackout`, `school_blackout` (the calendar file's keys).
    #[schema(value_type = Object)]
    pub calendar: Calendar,
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    /// The rules file (TOML: `[triads]`, `[schedule]`, `[allocation]`, `[writeups]`);
    /// empty means every default.
    #[serde(default)]
    pub rules: String,
}

/// The rules of every step, read from one rules file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearRules {
    pub triads: TriadRules,
    pub schedule: ScheduleRules,
    pub allocation: AllocationRules,
    pub writeups: WriteupRules,
}

/// The tables a rules file may hold. Anything else is refused: a misspelt
/// `[triad]` would otherwise silently leave every grouping rule at its default.
pub const RULE_TABLES: [&str; 4] = ["triads", "schedule", "allocation", "writeups"];

/// Reads and checks a rules file: each table as the command line reads it
/// (`inputs::parse_toml_table`, as `cli::plan` and `cli::schedule` do), each
/// item defaulted and range-checked. Messages name the line, column and
/// value, or the table and item.
pub fn parse_rules(text: &str) -> Result<YearRules, String> {
    const FILE: &str = "rules";
    let err = |e: formats::inputs::InputError| e.to_string();
    let table: toml::Table = parse_toml(FILE, text).map_err(err)?;
    if let Some(other) = table.keys().find(|k| !RULE_TABLES.contains(&k.as_str())) {
        return Err(format!(
            "unknown table or item [{other}]: a rules file holds [{}]",
            RULE_TABLES.join("], [")
        ));
    }
    let mut triads: TriadRules = parse_toml_table(FILE, text, "triads").map_err(err)?;
    triads.check()?;
    let schedule: ScheduleRules = parse_toml_table(FILE, text, "schedule").map_err(err)?;
    schedule.check()?;
    // Grouping scores groups by the same dating rules the scheduler keeps.
    schedule.apply_to(&mut triads);
    let allocation: AllocationRules = parse_toml_table(FILE, text, "allocation").map_err(err)?;
    allocation.check().map_err(|e| e.to_string())?;
    let writeups = WriteupRules::from_toml(text)?;
    Ok(YearRules {
        triads,
        schedule,
        allocation,
        writeups,
    })
}

/// Whether a year already has this name (names tell years apart in lists).
pub async fn name_taken(db: &Db, name: &str) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM years WHERE name = $1")
        .bind(name.trim())
        .fetch_one(&db.read)
        .await?;
    Ok(n > 0)
}

/// Stores a checked new year with its rules as rules version 1; returns its id.
pub async fn create(db: &Db, year: &NewYear, user_id: i64) -> anyhow::Result<i64> {
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO years (name, first_day, last_day, deadline, calendar, rules, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(year.name.trim())
    .bind(year.calendar.first.to_string())
    .bind(year.calendar.last.to_string())
    .bind(year.deadline.to_string())
    .bind(serde_json::to_string(&year.calendar)?)
    .bind(&year.rules)
    .bind(user_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Some(user_id),
        "year.create",
        &format!("year {id}"),
        &format!(
            "{}: window {} to {}, deadline {}",
            year.name.trim(),
            year.calendar.first,
            year.calendar.last,
            year.deadline
        ),
    )
    .await?;
    inputs::store(
        &mut tx,
        id,
        "rules",
        "rules.toml",
        &year.rules,
        Some(user_id),
        &format!("{} bytes", year.rules.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces the year's rules with checked text: a new `rules` version, and
/// `years.rules` follows. Returns the version.
pub async fn set_rules(db: &Db, year_id: i64, text: &str, user_id: i64) -> anyhow::Result<i64> {
    let mut tx = db.begin_write().await?;
    let version = inputs::store(
        &mut tx,
        year_id,
        "rules",
        "rules.toml",
        &text,
        Some(user_id),
        &format!("{} bytes", text.len()),
    )
    .await?;
    sqlx::query("UPDATE years SET rules = $1 WHERE id = $2")
        .bind(text)
        .bind(year_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(version)
}

/// Every year, the latest window first.
pub async fn list(db: &Db) -> anyhow::Result<Vec<YearSummary>> {
    let rows = sqlx::query(
        "SELECT id, name, first_day, last_day, deadline FROM years ORDER BY first_day DESC, id DESC",
    )
    .fetch_all(&db.read)
    .await?;
    rows.iter()
        .map(|r| {
            let first: String = r.try_get(2)?;
            let last: String = r.try_get(3)?;
            let deadline: String = r.try_get(4)?;
            Ok(YearSummary {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                first_day: first.parse()?,
                last_day: last.parse()?,
                deadline: deadline.parse()?,
            })
        })
        .collect()
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

/// The time zone every deadline is kept in and every time is shown in.
pub const COUNCIL_TIME: chrono_tz::Tz = chrono_tz::Europe::London;

/// Today's date for deadlines, in the calendar the council works to.
pub fn today() -> NaiveDate {
    date_at(chrono::Utc::now())
}

/// The council's date at an instant: after 23:00 UTC in summer it is
/// already the next day in England.
pub fn date_at(at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    at.with_timezone(&COUNCIL_TIME).date_naive()
}

/// The council's wall-clock time at Unix `seconds`, if it is one.
pub fn local_time(seconds: i64) -> Option<chrono::DateTime<chrono_tz::Tz>> {
    chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.with_timezone(&COUNCIL_TIME))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows;

    /// At 00:30 BST on the day after a deadline, the deadline has passed:
    /// in UTC it would still be the deadline's day.
    #[test]
    fn the_date_is_the_councils_not_utcs() {
        use chrono::TimeZone;
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let summer_night = chrono::Utc
            .with_ymd_and_hms(2027, 6, 10, 23, 30, 0)
            .unwrap();
        assert_eq!(date_at(summer_night), d("2027-06-11"));
        let year = Year {
            id: 1,
            name: "y".into(),
            calendar: Calendar {
                first: d("2026-09-01"),
                last: d("2027-07-20"),
                half_terms: vec![],
                blackouts: vec![],
                school_blackouts: vec![],
            },
            deadline: d("2027-06-10"),
            rules: String::new(),
        };
        assert!(!year.open_for_availability(date_at(summer_night)));
        // In winter England keeps UTC.
        let winter_night = chrono::Utc
            .with_ymd_and_hms(2027, 1, 10, 23, 30, 0)
            .unwrap();
        assert_eq!(date_at(winter_night), d("2027-01-10"));
        let t = local_time(summer_night.timestamp()).unwrap();
        assert_eq!(t.format("%H:%M %Z").to_string(), "00:30 BST");
    }

    #[test]
    fn rules_are_read_table_by_table_with_defaults() {
        let r = parse_rules("").unwrap();
        assert_eq!(r, YearRules::default());
        let r = parse_rules(
            "[triads]\nmax_distance_km = 12\n[schedule]\nmax_days_per_half_term = 2\n\
             [allocation]\nmax_travel_km = 30.0\n",
        )
        .unwrap();
        assert_eq!(r.triads.max_distance_km, 12.0);
        assert_eq!(r.schedule.max_days_per_half_term, 2);
        // Grouping reads the dating rules of [schedule], as the scheduler does.
        assert_eq!(r.triads.dating, r.schedule.dating(r.triads.review_days));
        assert_eq!(r.triads.dating.max_days_per_half_term, 2);
        assert_eq!(r.allocation.max_travel_km, 30.0);
    }

    #[test]
    fn bad_rules_are_named() {
        let e = parse_rules("[triad]\nmax_distance_km = 12\n").unwrap_err();
        assert!(e.contains("[triad]"), "{e}");
        let e = parse_rules("[triads]\nmax_km = 12\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("max_km"), "{e}");
        let e = parse_rules("[triads]\nmax_distance_km = -1\n").unwrap_err();
        assert!(e.contains("max_distance_km"), "{e}");
        let e = parse_rules("[schedule]\nmax_days_per_half_term = 0\n").unwrap_err();
        assert!(e.contains("max_days_per_half_term"), "{e}");
        let e = parse_rules("[allocation]\nmax_travel_km = -3.0\n").unwrap_err();
        assert!(e.contains("max_travel_km"), "{e}");
        let e = parse_rules("[writeups]\ndue = 3\n").unwrap_err();
        assert!(e.contains("[writeups]") && e.contains("due"), "{e}");
        let e = parse_rules("[triads\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }

    #[tokio::test]
    async fn a_year_keeps_every_rules_version() {
        let db = test_rows::memory().await;
        let sim = test_rows::user(&db, "sim", "S", None).await;
        let first = NaiveDate::from_ymd_opt(2026, 9, 14).unwrap();
        let last = NaiveDate::from_ymd_opt(2027, 7, 16).unwrap();
        let new = NewYear {
            name: "2026-27".into(),
            calendar: Calendar {
                first,
                last,
                half_terms: vec![],
                blackouts: vec![],
                school_blackouts: vec![],
            },
            deadline: first,
            rules: "[triads]\nmax_distance_km = 15\n".into(),
        };
        let id = create(&db, &new, sim).await.unwrap();
        assert!(name_taken(&db, " 2026-27 ").await.unwrap());
        assert_eq!(set_rules(&db, id, "", sim).await.unwrap(), 2);
        let year = load(&db, id).await.unwrap().unwrap();
        assert_eq!(year.rules, "");
        let v1: String = sqlx::query_scalar(
            "SELECT data FROM inputs WHERE year_id = $1 AND kind = 'rules' AND version = 1",
        )
        .bind(id)
        .fetch_one(&db.read)
        .await
        .unwrap();
        assert_eq!(
            serde_json::from_str::<String>(&v1).unwrap(),
            "[triads]\nmax_distance_km = 15\n"
        );
        let listed = list(&db).await.unwrap();
        assert_eq!((listed[0].id, listed[0].first_day), (id, first));
    }
}
