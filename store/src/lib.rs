//! Storage: one schema on SQLite (default, one file, WAL) or PostgreSQL
//! (several instances on one database), through sqlx's runtime-chosen driver.
//!
//! Queries are written once, in the SQL both backends accept: `$1`
//! placeholders, BIGINT for every integer and time (Unix seconds), TEXT for
//! dates (ISO 8601) and JSON. The backends differ only in the id columns of
//! the migrations, which a test keeps in step.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{install_default_drivers, AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

pub mod audit;
pub mod availability;
pub mod choices;
pub mod feeds;
pub mod inputs;
pub mod jobs;
pub mod messages;
pub mod people;
pub mod plans;
#[cfg(test)]
mod test_rows;
pub mod tokens;
pub mod writeups;
pub mod years;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a pool to read from and one to write through.
///
/// SQLite allows one writer at a time, and a transaction that reads before it
/// writes can fail at once with "database is locked" when another connection
/// wrote in between, whatever the busy timeout. Writes therefore go through a
/// pool of one connection there, queueing in the process instead of failing.
/// On PostgreSQL both are the same pool.
#[derive(Debug, Clone)]
pub struct Db {
    pub read: AnyPool,
    pub write: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Opens (creating an SQLite file if needed) and migrates the database.
    /// `url` is `postgres://...`, `sqlite://PATH`, `sqlite::memory:` or a plain path.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        install_default_drivers();
        let url = normalise_url(url);
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!("database URL must start with postgres:// or sqlite: (got {url})");
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| anyhow::anyhow!("database URL {url}: {e}"))?;
        let db = match backend {
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot connect to {url}: {e}"))?;
                Db {
                    read: pool.clone(),
                    write: pool,
                    backend,
                }
            }
            Backend::Sqlite => {
                let memory = url.contains(":memory:") || url.contains("mode=memory");
                let write = sqlite_pool(options.clone(), 1).await?;
                // An in-memory database exists once per connection, so it
                // gets the single connection for reads too.
                let read = if memory {
                    write.clone()
                } else {
                    sqlite_pool(options, 8).await?
                };
                Db {
                    read,
                    write,
                    backend,
                }
            }
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Begins a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`), so a second instance on the same
    /// file makes it wait for the busy timeout instead of failing with
    /// "database is locked" when a deferred transaction later tries to
    /// upgrade its read lock.
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.write.begin().await,
        }
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.write)
            .await
            .map_err(|e| anyhow::anyhow!("migrating the database: {e}"))
    }
}

async fn sqlite_pool(options: AnyConnectOptions, max: u32) -> anyhow::Result<AnyPool> {
    AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        // A local file connection cannot go stale; the ping sqlx sends before
        // each checkout costs a round trip to the connection's thread on
        // every request (measured: 8-14 % of the write throughput).
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers go on while one connection writes;
                // NORMAL syncs at checkpoints, which WAL keeps crash-safe.
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the SQLite database: {e}"))
}

/// A plain path becomes an SQLite URL that creates the file when missing.
fn normalise_url(url: &str) -> String {
    if url.contains("://") || url.starts_with("sqlite:") {
        if url.starts_with("sqlite://") && !url.contains('?') && !url.contains(":memory:") {
            return format!("{url}?mode=rwc");
        }
        return url.to_string();
    }
    format!("sqlite://{url}?mode=rwc")
}

/// Seconds since the Unix epoch: every time column.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A column's value, for the helpers of versioned rows.
#[derive(Debug, Clone, Copy)]
pub enum Column<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(&'a str),
}

/// The values as a query's arguments, `$1`, `$2`, ... in order.
fn key_arguments<'q>(keys: &[Column<'_>]) -> sqlx::Result<sqlx::any::AnyArguments<'q>> {
    use sqlx::Arguments;
    let mut args = sqlx::any::AnyArguments::default();
    for k in keys {
        match *k {
            Column::Int(v) => args.add(v),
            Column::OptInt(v) => args.add(v),
            Column::Text(v) => args.add(v.to_string()),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

/// Inserts the next version of a versioned row inside the writing
/// transaction: `keys` name the row whose versions are counted (as for
/// `next_version`), `columns` are the rest of the new version; `version`
/// and `created_at` are filled in. Returns the new row's id and version.
pub(crate) async fn insert_version(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    keys: &[(&str, Column<'_>)],
    columns: &[(&str, Column<'_>)],
) -> sqlx::Result<(i64, i64)> {
    let key_sql = keys
        .iter()
        .enumerate()
        .map(|(i, (name, _))| format!("{name} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    let key_values: Vec<Column> = keys.iter().map(|(_, v)| *v).collect();
    let version = next_version(&mut *conn, table, &key_sql, &key_values).await?;
    let created_at = now();
    let all: Vec<(&str, Column)> = keys
        .iter()
        .copied()
        .chain([
            ("version", Column::Int(version)),
            ("created_at", Column::Int(created_at)),
        ])
        .chain(columns.iter().copied())
        .collect();
    let names: Vec<&str> = all.iter().map(|(name, _)| *name).collect();
    let values: Vec<Column> = all.iter().map(|(_, v)| *v).collect();
    let placeholders: Vec<String> = (1..=all.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) RETURNING id",
        names.join(", "),
        placeholders.join(", ")
    );
    let id = sqlx::query_scalar_with::<_, i64, _>(&sql, key_arguments(&values)?)
        .fetch_one(&mut *conn)
        .await?;
    Ok((id, version))
}

/// The next version number of a versioned row, read inside the writing
/// transaction so that two submissions never take the same number (the
/// UNIQUE constraint backs this up on PostgreSQL, where writers run at once).
/// `key_sql` is the WHERE clause over `$1`, `$2`, ... bound to `keys`.
pub async fn next_version<'c, E>(
    exec: E,
    table: &str,
    key_sql: &str,
    keys: &[Column<'_>],
) -> sqlx::Result<i64>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = format!("SELECT COALESCE(MAX(version), 0) + 1 FROM {table} WHERE {key_sql}");
    sqlx::query_scalar_with::<_, i64, _>(&sql, key_arguments(keys)?)
        .fetch_one(exec)
        .await
}

/// The latest version of a row kept by version whose data is one JSON
/// column: its version, when it was saved and the data. `key_sql` and
/// `keys` name the row as for `next_version`; `what` names it in the error
/// of data that no longer reads.
pub(crate) async fn latest_json<T: serde::de::DeserializeOwned>(
    db: &Db,
    table: &str,
    json_column: &str,
    key_sql: &str,
    keys: &[Column<'_>],
    what: impl FnOnce() -> String,
) -> anyhow::Result<Option<(i64, i64, T)>> {
    let sql = format!(
        "SELECT version, created_at, {json_column} FROM {table} \
         WHERE {key_sql} ORDER BY version DESC LIMIT 1"
    );
    let q = sqlx::query_as_with::<_, (i64, i64, String), _>(&sql, key_arguments(keys)?);
    let Some((version, created_at, json)) = q.fetch_optional(&db.read).await? else {
        return Ok(None);
    };
    let data =
        serde_json::from_str(&json).map_err(|e| anyhow::anyhow!("stored {}: {e}", what()))?;
    Ok(Some((version, created_at, data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_become_sqlite_urls() {
        assert_eq!(normalise_url("x.db"), "sqlite://x.db?mode=rwc");
        assert_eq!(normalise_url("sqlite://x.db"), "sqlite://x.db?mode=rwc");
        assert_eq!(normalise_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(normalise_url("postgres://u@h/d"), "postgres://u@h/d");
    }

    /// The two migrations must describe one schema.
    #[test]
    fn migrations_differ_only_in_id_columns() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut names: Vec<_> = std::fs::read_dir(format!("{dir}/sqlite"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert!(!names.is_empty());
        for name in names {
            let name = name.to_string_lossy();
            let lite = std::fs::read_to_string(format!("{dir}/sqlite/{name}")).unwrap();
            let pg = std::fs::read_to_string(format!("{dir}/postgres/{name}"))
                .unwrap_or_else(|_| panic!("postgres/{name} is missing"));
            let strip = |s: &str| {
                s.lines()
                    .filter(|l| !l.starts_with("--"))
                    .map(|l| {
                        l.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "ID")
                            .replace("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "ID")
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&lite), strip(&pg), "{name} differs between backends");
        }
    }

    #[tokio::test]
    async fn migrates_a_fresh_sqlite_database() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&db.read)
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}
