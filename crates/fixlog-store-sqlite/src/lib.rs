//! SQLite backend of the fixlog store: the embedded default.
//!
//! One file in WAL mode. Appends take SQLite's write lock with `BEGIN IMMEDIATE`, so
//! concurrent appends from several tasks (or processes on the same file) are serialized by
//! the database. Entries and Merkle nodes are insert-only; triggers in the migration refuse
//! `UPDATE` and `DELETE` on them.

use std::str::FromStr;
use std::time::Duration;

use fixlog_store::StoreError;
use sqlx::SqlitePool;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};

/// The SQLite store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path` or
    /// `sqlite::memory:`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(database_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let in_memory = url.contains(":memory:");
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep exactly one.
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(database_error)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|error| StoreError::Database {
                message: format!("migration failed: {error}"),
            })?;
        Ok(Self { pool })
    }

    /// The underlying pool (for tests that tamper with rows on purpose).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn database_error(error: sqlx::Error) -> StoreError {
    StoreError::Database {
        message: error.to_string(),
    }
}

/// Opens the append transaction with SQLite's write lock taken up front.
async fn begin_append(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

fixlog_store_sql::sql_store!(SqliteStore, sqlx::Sqlite, SqliteRow, begin_append);
fixlog_store_sql::sql_monitor_store!(SqliteStore, SqliteRow);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn conformance_suite_on_sqlite() {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", directory.path().join("t.db").display());
        fixlog_store::testing::run_all(|| {
            let url = url.clone();
            async move {
                // A fresh file per test case.
                let name = format!("{}-{}", url, fixlog_store::testing::unique_suffix());
                SqliteStore::connect(&name).await.unwrap()
            }
        })
        .await;
    }
    #[tokio::test]
    async fn monitor_conformance_suite_on_sqlite() {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", directory.path().join("m.db").display());
        fixlog_store::monitor_testing::run_monitor_suite(|| {
            let url = url.clone();
            async move {
                let name = format!("{}-{}", url, fixlog_store::testing::unique_suffix());
                SqliteStore::connect(&name).await.unwrap()
            }
        })
        .await;
    }
}
