//! Fan-out of committed case events to watch streams in this process.
//!
//! The store publishes each event after its transaction commits, in sequence
//! order. A watcher that falls behind (or starts from an earlier point) reads
//! the missed events back from the store, which keeps them all: the bus is a
//! doorbell, the `case_events` table is the record.

use std::sync::Arc;

use relais_core::case::CaseEvent;
use tokio::sync::broadcast;

/// How many events a slow watcher may lag before it re-reads from the store.
const CAPACITY: usize = 4096;

#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<CaseEvent>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Self { sender }
    }

    pub fn publish(&self, event: CaseEvent) {
        // No receiver means nobody is watching: nothing is lost, the store has it.
        let _ = self.sender.send(Arc::new(event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CaseEvent>> {
        self.sender.subscribe()
    }
}
