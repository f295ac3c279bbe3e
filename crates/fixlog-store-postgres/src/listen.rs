//! Append notifications across replicas: `LISTEN fixlog_appends` (migration
//! `0100_append_notify.sql` makes every append transaction `NOTIFY` on commit).

use fixlog_store::StoreError;
use sqlx::postgres::PgListener;

use crate::database_error;

/// The notification channel the append trigger signals.
pub const APPEND_CHANNEL: &str = "fixlog_appends";

/// A dedicated connection listening for appends by any process on the database.
#[derive(Debug)]
pub struct AppendListener {
    listener: PgListener,
}

impl AppendListener {
    /// Connects to `url` and starts listening.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut listener = PgListener::connect(url).await.map_err(database_error)?;
        listener
            .listen(APPEND_CHANNEL)
            .await
            .map_err(database_error)?;
        Ok(Self { listener })
    }

    /// Waits for the next append notification. After a lost connection the listener
    /// reconnects and returns at once, since notifications may have been missed: the caller
    /// re-reads the log size either way.
    pub async fn wait(&mut self) -> Result<(), StoreError> {
        match self.listener.try_recv().await {
            Ok(_) => Ok(()),
            Err(error) => Err(database_error(error)),
        }
    }
}
