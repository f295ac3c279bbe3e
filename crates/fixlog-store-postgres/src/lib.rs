//! PostgreSQL backend of the fixlog store, for several stateless `fixlog serve` replicas on
//! one database.
//!
//! Appends run in a transaction that first takes a transaction-scoped advisory lock, so the
//! database — not any process's memory — serializes them across replicas: one gap-free
//! sequence and one Merkle tree however many servers write. A trigger refuses `UPDATE`,
//! `DELETE` and `TRUNCATE` on entries and Merkle nodes.

use std::str::FromStr;
use std::time::Duration;

use fixlog_store::StoreError;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};

mod listen;
pub use listen::{APPEND_CHANNEL, AppendListener};

/// Key of the advisory lock that serializes appends ("fixlog" in ASCII).
const APPEND_LOCK: i64 = 0x0000_6669_786c_6f67;

/// The PostgreSQL store.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
}

fn database_error(error: sqlx::Error) -> StoreError {
    StoreError::Database {
        message: error.to_string(),
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`; an `options=-csearch_path=…` parameter selects a
    /// schema) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        // Every statement is planned with the table sizes of its execution. A generic plan
        // cached while the log was small (a sequential scan is cheapest over a few rows) is
        // otherwise kept until the next ANALYZE, which may never come (autovacuum off): the
        // scale run appended at 75 entries/s at 40k entries with such a plan. No JIT: every
        // statement here is a few index look-ups, and compiling one (when the planner's cost
        // crosses jit_above_cost, as it does on a large table without statistics) took longer
        // than running it (by-digest at 1M entries: 4 ms JIT, 1.3 ms execution).
        let options = PgConnectOptions::from_str(url)
            .map_err(database_error)?
            .options([("plan_cache_mode", "force_custom_plan"), ("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(database_error)?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool and runs the migrations.
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|error| StoreError::Database {
                message: format!("migration failed: {error}"),
            })?;
        Ok(Self { pool })
    }

    /// The underlying pool (for tests that tamper with rows on purpose).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Opens the append transaction and takes the log's writer lock.
async fn begin_append(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut *transaction)
        .await?;
    Ok(transaction)
}

fixlog_store_sql::sql_store!(PostgresStore, sqlx::Postgres, PgRow, begin_append);
fixlog_store_sql::sql_monitor_store!(PostgresStore, PgRow);

#[cfg(test)]
mod tests {
    use super::*;

    /// Creates a fresh schema on the server named by `FIXLOG_TEST_POSTGRES_URL` and returns a
    /// URL whose connections use it.
    async fn fresh_schema(base: &str) -> String {
        let schema = format!("fixlog_test_{}", fixlog_store::testing::unique_suffix());
        let pool = PgPool::connect(base).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&pool)
            .await
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}options=-csearch_path%3D{schema}")
    }

    #[tokio::test]
    async fn conformance_suite_on_postgres() {
        let Ok(base) = std::env::var("FIXLOG_TEST_POSTGRES_URL") else {
            if std::env::var("CI").is_ok() {
                panic!("FIXLOG_TEST_POSTGRES_URL must be set in CI");
            }
            eprintln!("skipped: FIXLOG_TEST_POSTGRES_URL is not set");
            return;
        };
        fixlog_store::testing::run_all(|| {
            let base = base.clone();
            async move {
                let url = fresh_schema(&base).await;
                PostgresStore::connect(&url).await.unwrap()
            }
        })
        .await;
    }
    #[tokio::test]
    async fn monitor_conformance_suite_on_postgres() {
        let Ok(base) = std::env::var("FIXLOG_TEST_POSTGRES_URL") else {
            if std::env::var("CI").is_ok() {
                panic!("FIXLOG_TEST_POSTGRES_URL must be set in CI");
            }
            eprintln!("skipped: FIXLOG_TEST_POSTGRES_URL is not set");
            return;
        };
        fixlog_store::monitor_testing::run_monitor_suite(|| {
            let base = base.clone();
            async move {
                let url = fresh_schema(&base).await;
                PostgresStore::connect(&url).await.unwrap()
            }
        })
        .await;
    }
}
