//! gRPC services. Each RPC authenticates, validates and converts the request,
//! calls the store once, and converts the result; rules live in `core`,
//! `auth::policy` and the store.

mod admin;
mod case;
mod error;

use std::{future::Future, sync::Arc, time::Instant};

use jiff::Timestamp;
use relais_core::{clock::Clock, request_id::RequestId, validation::Violations};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

pub use admin::AdminApi;
pub use case::CaseApi;
pub use error::ApiError;

use crate::{
    auth::{self, Principal},
    events::EventBus,
    store::Store,
};

/// What every service needs: the store, the clock, the event bus, and the
/// server's shutdown signal (which ends watch streams).
#[derive(Debug, Clone)]
pub struct Context<S> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
    pub events: EventBus,
    pub shutdown: CancellationToken,
}

impl<S: Store> Context<S> {
    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    async fn authenticate<T>(&self, request: &Request<T>) -> Result<Principal, ApiError> {
        Ok(auth::authenticate(&self.store, request.metadata(), self.now()).await?)
    }
}

/// Runs one RPC: maps its error to a status and records its outcome. Only the
/// code is logged, never the message, which may quote what the caller sent.
async fn respond<T>(
    rpc: &'static str,
    work: impl Future<Output = Result<T, ApiError>>,
) -> Result<Response<T>, Status> {
    let started = Instant::now();
    let result = work.await.map_err(Status::from);
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    match &result {
        Ok(_) => tracing::debug!(rpc, code = "OK", elapsed_ms, "rpc"),
        Err(status) => tracing::info!(rpc, code = ?status.code(), elapsed_ms, "rpc"),
    }
    result.map(Response::new)
}

/// Parses a request id, recording a violation when it is not acceptable.
fn request_id(violations: &mut Violations, value: &str) -> Option<RequestId> {
    RequestId::parse(value)
        .map_err(|reason| violations.add("request_id", reason))
        .ok()
}

/// A page size from the wire: 0 means the listing's default; negative is refused.
fn page_size(violations: &mut Violations, size: i32) -> u32 {
    u32::try_from(size).unwrap_or_else(|_| {
        violations.add("page_size", "must not be negative");
        0
    })
}
