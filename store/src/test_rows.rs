//! What the storage tests start from: a fresh database and the rows most
//! of them need, written straight into the tables.

use crate::Db;

/// A fresh, migrated in-memory database.
pub(crate) async fn memory() -> Db {
    Db::connect("sqlite::memory:").await.unwrap()
}

/// A year of the spring term 2027, its deadline before Christmas; its id.
pub(crate) async fn year(db: &Db) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO years (name, first_day, last_day, deadline, calendar, created_at) \
         VALUES ('2027', '2027-01-04', '2027-03-26', '2026-12-18', '{}', 0) RETURNING id",
    )
    .fetch_one(&db.write)
    .await
    .unwrap()
}

/// A user of `role`, with a school where `urn` gives one; its id.
pub(crate) async fn user(db: &Db, role: &str, name: &str, urn: Option<&str>) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO users (role, name, urn, created_at) VALUES ($1, $2, $3, 0) RETURNING id",
    )
    .bind(role)
    .bind(name)
    .bind(urn)
    .fetch_one(&db.write)
    .await
    .unwrap()
}
