//! Opening a store from a database URL.

use std::sync::Arc;

use fixlog_store::{Store, StoreError};
use fixlog_store_postgres::PostgresStore;
use fixlog_store_sqlite::SqliteStore;

/// Opens the store named by `url`: `sqlite://PATH` / `sqlite::memory:` (embedded, default)
/// or `postgres://…` / `postgresql://…`.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::Database {
            message: format!(
                "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://…",
                url.split(':').next().unwrap_or_default()
            ),
        })
    }
}
