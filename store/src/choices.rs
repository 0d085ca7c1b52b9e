//! A head's choices for their school's review: the focus areas they want
//! reviewed, and the schools they ask not to be grouped with (each with a
//! reason). Every save is a new version; the latest counts.
//!
//! The stored JSON is `{"focus":[area keys],"avoid":[{"urn":"...","reason":"..."}]}`;
//! the matching job reads exactly this shape from the latest version.

use optimiser::model::NeedArea;
use serde::{Deserialize, Serialize};

use super::{audit, insert_version, latest_json, Column, Db};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choices {
    /// Areas the host wants the review to look at, from its self-evaluation:
    /// need-area keys (`maths`, `english_phonics`, `eyfs`, `send`,
    /// `disadvantaged`, `attendance`, `behaviour`, `leadership`,
    /// `governance`, `assessment`, `curriculum`).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub focus: Vec<NeedArea>,
    /// Schools the head asks not to be grouped with this year.
    #[serde(default)]
    pub avoid: Vec<Avoid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Avoid {
    /// The other school's URN, as a string.
    pub urn: String,
    /// Why; the SIM reads it. Required.
    pub reason: String,
}

/// The latest saved choices of a school.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub version: i64,
    /// Unix seconds.
    pub saved_at: i64,
    pub choices: Choices,
}

/// Trims what people type, so that the matching job reads clean values.
fn tidy(choices: &Choices) -> Choices {
    Choices {
        focus: choices.focus.clone(),
        avoid: choices
            .avoid
            .iter()
            .map(|a| Avoid {
                urn: a.urn.trim().to_string(),
                reason: a.reason.trim().to_string(),
            })
            .collect(),
    }
}

/// The latest choices of a school for a year, if any were saved.
pub async fn current(db: &Db, year_id: i64, urn: &str) -> anyhow::Result<Option<Saved>> {
    let latest = latest_json(
        db,
        "school_choices",
        "data",
        "year_id = $1 AND urn = $2",
        &[Column::Int(year_id), Column::Text(urn)],
        || format!("choices of {urn}, year {year_id}"),
    )
    .await?;
    Ok(latest.map(|(version, saved_at, choices)| Saved {
        version,
        saved_at,
        choices,
    }))
}

/// Stores checked choices as the school's next version; returns it.
pub async fn save(
    db: &Db,
    year_id: i64,
    urn: &str,
    user_id: i64,
    choices: &Choices,
) -> anyhow::Result<i64> {
    let choices = tidy(choices);
    let json = serde_json::to_string(&choices)?;
    let mut tx = db.begin_write().await?;
    let (_, version) = insert_version(
        &mut tx,
        "school_choices",
        &[
            ("year_id", Column::Int(year_id)),
            ("urn", Column::Text(urn)),
        ],
        &[
            ("data", Column::Text(&json)),
            ("created_by", Column::Int(user_id)),
        ],
    )
    .await?;
    let avoided: Vec<&str> = choices.avoid.iter().map(|a| a.urn.as_str()).collect();
    audit::record(
        &mut tx,
        Some(user_id),
        "choices.save",
        &format!("year {year_id} school {urn}"),
        &format!(
            "version {version}, {} focus areas, avoid [{}]",
            choices.focus.len(),
            avoided.join(", ")
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows;

    fn avoid(urn: &str, reason: &str) -> Avoid {
        Avoid {
            urn: urn.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn the_stored_shape_is_the_one_the_matching_job_reads() {
        let c = tidy(&Choices {
            focus: vec![NeedArea::EnglishPhonics],
            avoid: vec![avoid(" 100002", " trust merger ")],
        });
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({
                "focus": ["english_phonics"],
                "avoid": [{"urn": "100002", "reason": "trust merger"}]
            })
        );
    }

    #[tokio::test]
    async fn every_save_is_a_new_version() {
        let db = test_rows::memory().await;
        let year = test_rows::year(&db).await;
        let user = test_rows::user(&db, "head", "H", Some("100001")).await;
        assert!(current(&db, year, "100001").await.unwrap().is_none());
        let first = Choices {
            focus: vec![NeedArea::Maths],
            avoid: vec![],
        };
        let second = Choices {
            focus: vec![NeedArea::Send],
            avoid: vec![avoid("100002", "x")],
        };
        assert_eq!(save(&db, year, "100001", user, &first).await.unwrap(), 1);
        assert_eq!(save(&db, year, "100001", user, &second).await.unwrap(), 2);
        let got = current(&db, year, "100001").await.unwrap().unwrap();
        assert_eq!((got.version, got.choices), (2, second));
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM school_choices")
            .fetch_one(&db.read)
            .await
            .unwrap();
        let audits: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'choices.save'")
                .fetch_one(&db.read)
                .await
                .unwrap();
        assert_eq!((rows, audits), (2, 2));
    }
}
