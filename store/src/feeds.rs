//! Calendar subscriptions as stored: each person's secret feed address of a
//! year (256 random bits; only the SHA-256 is kept, as for invitations),
//! and the events of the year's published plans with their SEQUENCE, written
//! in the publish's own transaction so that every person's feed agrees with
//! the plan that is published.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use formats::feed::{FeedEntry, Names, PlanEvent};
use optimiser::model::{Adviser, Headteacher, School};
use optimiser::triads::Plan;
use sqlx::{AnyConnection, Row};

use crate::tokens::{hash_token, new_token};
use crate::{audit, inputs, now, Db};

/// The events of `plan` with the year's schools, heads and advisers as
/// they are now: what a publish of it records.
pub async fn plan_events(db: &Db, year_id: i64, plan: &Plan) -> anyhow::Result<Vec<PlanEvent>> {
    let schools: Vec<School> = inputs::latest_or_default(db, year_id, "schools").await?;
    let mut heads: Vec<Headteacher> = inputs::latest_or_default(db, year_id, "heads").await?;
    let advisers: Vec<Adviser> = inputs::latest_or_default(db, year_id, "advisers").await?;
    // Heads invited to the service but missing from the heads' file still
    // have a name.
    let known: BTreeSet<String> = heads.iter().map(|h| h.school.to_string()).collect();
    let users = sqlx::query("SELECT name, urn FROM users WHERE role = 'head' AND urn IS NOT NULL")
        .fetch_all(&db.read)
        .await?;
    for row in users {
        let urn: String = row.try_get("urn")?;
        if known.contains(&urn) {
            continue;
        }
        if let Ok(u) = urn.parse::<u32>() {
            heads.push(Headteacher {
                school: optimiser::model::Urn(u),
                name: row.try_get("name")?,
                email: String::new(),
            });
        }
    }
    Ok(formats::feed::plan_events(
        year_id,
        plan,
        &Names {
            schools: &schools,
            heads: &heads,
            advisers: &advisers,
        },
    ))
}

/// Records the events of the plan version being published, inside the
/// publish's transaction: a new event starts at SEQUENCE 0; one whose
/// content changed, or that comes back after a cancellation, goes one up;
/// one the plan no longer has is cancelled, one up. People taken off an
/// event keep it, cancelled for them.
pub async fn record_publish(
    conn: &mut AnyConnection,
    year_id: i64,
    version: i64,
    events: &[PlanEvent],
) -> sqlx::Result<()> {
    let t = now();
    let rows = sqlx::query(
        "SELECT event_key, sequence, fingerprint, cancelled FROM calendar_events WHERE year_id = $1",
    )
    .bind(year_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut before: BTreeMap<String, (i64, String, bool)> = BTreeMap::new();
    for r in rows {
        before.insert(
            r.try_get("event_key")?,
            (
                r.try_get("sequence")?,
                r.try_get("fingerprint")?,
                r.try_get::<i64, _>("cancelled")? != 0,
            ),
        );
    }
    for e in events {
        let fingerprint = e.fingerprint();
        // A new event starts at SEQUENCE 0; a known one goes up by one where
        // it changed or comes back from a cancellation. Both statements take
        // the same parameters, so the event is bound once.
        let (sql, sequence) = match before.remove(&e.key) {
            None => (
                "INSERT INTO calendar_events (year_id, event_key, sequence, fingerprint, \
                 cancelled, first_day, end_day, summary, location, description, \
                 plan_version, updated_at) \
                 VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9, $10, $11)",
                0,
            ),
            Some((sequence, old, cancelled)) => (
                "UPDATE calendar_events SET sequence = $3, fingerprint = $4, cancelled = 0, \
                 first_day = $5, end_day = $6, summary = $7, location = $8, \
                 description = $9, plan_version = $10, updated_at = $11 \
                 WHERE year_id = $1 AND event_key = $2",
                if cancelled || old != fingerprint {
                    sequence + 1
                } else {
                    sequence
                },
            ),
        };
        sqlx::query(sql)
            .bind(year_id)
            .bind(&e.key)
            .bind(sequence)
            .bind(&fingerprint)
            .bind(e.first.to_string())
            .bind(e.end.to_string())
            .bind(&e.summary)
            .bind(&e.location)
            .bind(&e.description)
            .bind(version)
            .bind(t)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE calendar_attendees SET attending = 0 WHERE year_id = $1 AND event_key = $2",
        )
        .bind(year_id)
        .bind(&e.key)
        .execute(&mut *conn)
        .await?;
        for p in &e.people {
            let updated = sqlx::query(
                "UPDATE calendar_attendees SET attending = 1 \
                 WHERE year_id = $1 AND event_key = $2 AND person = $3",
            )
            .bind(year_id)
            .bind(&e.key)
            .bind(p)
            .execute(&mut *conn)
            .await?;
            if updated.rows_affected() == 0 {
                sqlx::query(
                    "INSERT INTO calendar_attendees (year_id, event_key, person, attending) \
                     VALUES ($1, $2, $3, 1)",
                )
                .bind(year_id)
                .bind(&e.key)
                .bind(p)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    // What is left was published before and is gone now.
    for (key, (sequence, _, cancelled)) in before {
        if cancelled {
            continue;
        }
        sqlx::query(
            "UPDATE calendar_events SET sequence = $1, cancelled = 1, plan_version = $2, \
             updated_at = $3 WHERE year_id = $4 AND event_key = $5",
        )
        .bind(sequence + 1)
        .bind(version)
        .bind(t)
        .bind(year_id)
        .bind(&key)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A person's events of the year (`person` as in `formats::feed::person_key`),
/// in date order: those they are in, and those they were in, cancelled.
pub async fn entries(db: &Db, year_id: i64, person: &str) -> anyhow::Result<Vec<FeedEntry>> {
    let rows = sqlx::query(
        "SELECT e.event_key, e.sequence, e.cancelled, a.attending, e.first_day, e.end_day, \
         e.summary, e.location, e.description \
         FROM calendar_events e JOIN calendar_attendees a \
           ON a.year_id = e.year_id AND a.event_key = e.event_key \
         WHERE e.year_id = $1 AND a.person = $2 \
         ORDER BY e.first_day, e.event_key",
    )
    .bind(year_id)
    .bind(person)
    .fetch_all(&db.read)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let day = |c: &str| -> anyhow::Result<NaiveDate> {
            let s: String = r.try_get(c)?;
            Ok(s.parse()?)
        };
        let sequence: i64 = r.try_get("sequence")?;
        out.push(FeedEntry {
            key: r.try_get("event_key")?,
            sequence: u32::try_from(sequence).unwrap_or(u32::MAX),
            cancelled: r.try_get::<i64, _>("cancelled")? != 0
                || r.try_get::<i64, _>("attending")? == 0,
            first: day("first_day")?,
            end: day("end_day")?,
            summary: r.try_get("summary")?,
            location: r.try_get("location")?,
            description: r.try_get("description")?,
        });
    }
    Ok(out)
}

/// Makes a new feed address for a person's year, revoking the live one
/// (the old address stops working at once); returns the token, the only
/// copy.
pub async fn issue(db: &Db, year_id: i64, user_id: i64, by: i64) -> anyhow::Result<String> {
    let mut tx = db.begin_write().await?;
    let t = now();
    revoke_live(&mut tx, year_id, user_id, by, t).await?;
    let token = new_token();
    sqlx::query(
        "INSERT INTO calendar_links (year_id, user_id, token_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(year_id)
    .bind(user_id)
    .bind(hash_token(&token))
    .bind(by)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Some(by),
        "calendar_link.issue",
        &format!("year {year_id} user {user_id}"),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Revokes a person's live feed address of the year; false where there was
/// none.
pub async fn revoke(db: &Db, year_id: i64, user_id: i64, by: i64) -> anyhow::Result<bool> {
    let mut tx = db.begin_write().await?;
    let revoked = revoke_live(&mut tx, year_id, user_id, by, now()).await?;
    if revoked {
        audit::record(
            &mut tx,
            Some(by),
            "calendar_link.revoke",
            &format!("year {year_id} user {user_id}"),
            "",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

async fn revoke_live(
    conn: &mut AnyConnection,
    year_id: i64,
    user_id: i64,
    by: i64,
    t: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE calendar_links SET revoked_at = $1, revoked_by = $2 \
         WHERE year_id = $3 AND user_id = $4 AND revoked_at IS NULL",
    )
    .bind(t)
    .bind(by)
    .bind(year_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// When the person's live feed address of the year was made, if they have one.
pub async fn live_since(db: &Db, year_id: i64, user_id: i64) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT created_at FROM calendar_links \
         WHERE year_id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(year_id)
    .bind(user_id)
    .fetch_optional(&db.read)
    .await?)
}

/// Every live feed address of the year: user id and when it was made.
pub async fn live_links(db: &Db, year_id: i64) -> anyhow::Result<BTreeMap<i64, i64>> {
    let rows = sqlx::query(
        "SELECT user_id, created_at FROM calendar_links WHERE year_id = $1 AND revoked_at IS NULL",
    )
    .bind(year_id)
    .fetch_all(&db.read)
    .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        out.insert(r.try_get("user_id")?, r.try_get("created_at")?);
    }
    Ok(out)
}

/// Whose live feed a token opens: (year id, user id); `None` for unknown and
/// revoked tokens alike.
pub async fn owner(db: &Db, token: &str) -> anyhow::Result<Option<(i64, i64)>> {
    let row = sqlx::query(
        "SELECT year_id, user_id FROM calendar_links \
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash_token(token))
    .fetch_optional(&db.read)
    .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("year_id")?, r.try_get("user_id")?)),
        None => None,
    })
}
