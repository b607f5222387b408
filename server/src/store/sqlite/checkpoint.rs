//! Copies the write-ahead log back into the database beside the writer.
//!
//! SQLite's default checkpoints run inside a commit, once the log passes
//! 1,000 pages: the writer then copies every page back and syncs the
//! database before its caller hears OK, a third of a prefecture file's
//! writing time. Checkpoints on a connection of their own run beside the
//! writer (WAL lets them), and copy a page rewritten by several commits once.
//! The writer still checkpoints past `WRITER_CHECKPOINT_PAGES`, should this
//! task ever fall behind, so the log stays bounded either way.

use std::time::Duration;

use sqlx::{Connection as _, SqliteConnection, sqlite::SqliteConnectOptions};
use tokio::task::JoinHandle;

/// How often the log is copied back: under load a few megabytes of log.
const INTERVAL: Duration = Duration::from_millis(200);

/// The log size, in pages (of 16 KiB in a new database: 64 MiB), past which
/// the writer checkpoints itself.
pub(super) const WRITER_CHECKPOINT_PAGES: &str = "4096";

/// The checkpointing task; stopped when dropped.
#[derive(Debug)]
pub(super) struct Checkpointer(JoinHandle<()>);

impl Checkpointer {
    /// Starts checkpointing the database `options` open.
    pub(super) async fn start(options: &SqliteConnectOptions) -> sqlx::Result<Self> {
        let mut conn = SqliteConnection::connect_with(options).await?;
        Ok(Self(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                // PASSIVE: copies what it can without waiting for the writer
                // or readers, so it never delays a request.
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&mut conn)
                    .await
                {
                    tracing::warn!(%error, "checkpointing the write-ahead log failed");
                }
            }
        })))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}
