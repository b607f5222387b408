//! The audit trail's writer: entries are queued by the requests and appended
//! by one background task in batches, so that recording a read does not make
//! the reader wait for a synced write of its own. An entry reaches the disk
//! within one batch (milliseconds); reading the trail first flushes what is
//! queued, so an auditor sees everything recorded so far. The case's own
//! history records every change in the change's transaction: a crash may
//! lose the last queued audit entries, never a change's record.

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::store::{AuditEntry, AuditStore};

/// Entries queued before recorders wait for the writer.
const QUEUE: usize = 16_384;
/// Entries appended per transaction at most.
const BATCH: usize = 2_000;

enum Item {
    Entry(Box<AuditEntry>),
    /// Answered once everything queued before it is stored.
    Flush(oneshot::Sender<()>),
}

#[derive(Debug, Clone)]
pub struct AuditLog {
    sender: mpsc::Sender<Item>,
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Item::Entry(_) => f.write_str("Entry"),
            Item::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl AuditLog {
    /// Starts the writer; it drains the queue and stops once `stop` is
    /// cancelled and every recorder has gone.
    pub fn start<S: AuditStore>(
        store: S,
        stop: CancellationToken,
    ) -> (AuditLog, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let task = tokio::spawn(write(store, receiver, stop));
        (AuditLog { sender }, task)
    }

    pub async fn record(&self, entry: AuditEntry) {
        if self
            .sender
            .send(Item::Entry(Box::new(entry)))
            .await
            .is_err()
        {
            tracing::error!("the audit writer has stopped: an audit entry was not recorded");
        }
    }

    /// Waits until everything recorded so far is stored.
    pub async fn flush(&self) {
        let (done, stored) = oneshot::channel();
        if self.sender.send(Item::Flush(done)).await.is_ok() {
            let _ = stored.await;
        }
    }
}

async fn write<S: AuditStore>(
    store: S,
    mut receiver: mpsc::Receiver<Item>,
    stop: CancellationToken,
) {
    let mut batch = Vec::new();
    let mut flushes = Vec::new();
    loop {
        let first = tokio::select! {
            item = receiver.recv() => item,
            () = stop.cancelled() => {
                // Requests still running may record more: take what is queued, then stop.
                receiver.close();
                receiver.recv().await
            }
        };
        let Some(first) = first else {
            return;
        };
        let mut next = Some(first);
        while let Some(item) = next {
            match item {
                Item::Entry(entry) => batch.push(*entry),
                Item::Flush(done) => flushes.push(done),
            }
            next = if batch.len() < BATCH {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        if let Err(error) = store.append_audit(&batch).await {
            tracing::error!(%error, lost = batch.len(), "audit entries could not be stored");
        }
        batch.clear();
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

/// How often entries past their retention are deleted.
const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Deletes the entries older than `retention_days` at start-up and then
/// once a day, until `stop`.
pub async fn purge_expired<S: AuditStore>(
    store: S,
    clock: std::sync::Arc<dyn relais_core::clock::Clock>,
    retention_days: u32,
    stop: CancellationToken,
) {
    let retention = jiff::SignedDuration::from_hours(i64::from(retention_days) * 24);
    loop {
        match store.purge_audit(clock.now() - retention).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(
                purged,
                retention_days,
                "audit entries past retention deleted"
            ),
            Err(error) => {
                tracing::error!(%error, "audit entries past retention could not be deleted")
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(PURGE_INTERVAL) => {}
        }
    }
}
