//! The sweeper: raises each case's SLA thresholds (at risk, breached,
//! escalations) as their instants pass.
//!
//! Each threshold is marked raised in the same transaction that records its
//! event, so it is raised once, whatever restarts happen; and a pass raises
//! everything whose instant is past, so nothing is missed while the server
//! was down. Changes to a case raise what is due first, too, so a late
//! answer never hides a breach.

use std::{sync::Arc, time::Duration};

use relais_core::clock::Clock;
use tokio_util::sync::CancellationToken;

use crate::store::{SlaStore, StoreResult};

/// Cases handled per transaction.
const BATCH: u32 = 500;

#[derive(Debug, Clone)]
pub struct Sweeper<S> {
    store: S,
    clock: Arc<dyn Clock>,
    interval: Duration,
}

impl<S: SlaStore> Sweeper<S> {
    pub fn new(store: S, clock: Arc<dyn Clock>, interval: Duration) -> Self {
        Self {
            store,
            clock,
            interval,
        }
    }

    /// Raises everything due now; returns how many cases it looked at.
    pub async fn sweep(&self) -> StoreResult<usize> {
        let now = self.clock.now();
        let mut total = 0;
        loop {
            let looked_at = self.store.sweep_sla(now, BATCH).await?;
            total += looked_at;
            if looked_at < BATCH as usize {
                return Ok(total);
            }
        }
    }

    /// Sweeps at start-up (catching up on what passed while the server was
    /// down), then every interval, until `stop`.
    pub async fn run(self, stop: CancellationToken) {
        loop {
            match self.sweep().await {
                Ok(0) => {}
                Ok(cases) => tracing::debug!(cases, "SLA sweep"),
                Err(error) => {
                    tracing::error!(%error, "SLA sweep failed; retrying at the next pass")
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(self.interval) => {}
            }
        }
    }
}
