//! gRPC services. Each RPC authenticates, validates and converts the request,
//! calls the store once, and converts the result; rules live in `core`,
//! `auth::policy` and the store.

mod admin;
mod audit;
mod batch;
mod case;
mod error;
mod sla;
mod trail;

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Instant};

use jiff::Timestamp;
use relais_core::{
    case::Case,
    clock::Clock,
    org::OrganisationId,
    request_id::RequestId,
    sla::{Calendar, Calendars},
    validation::Violations,
};
use relais_proto::{
    convert::{self, CaseView},
    v1 as pb,
};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

pub use admin::AdminApi;
pub use audit::AuditApi;
pub use batch::BatchApi;
pub use case::CaseApi;
pub use error::ApiError;
pub use sla::SlaApi;
use trail::Trail;

use crate::{
    audit::AuditLog,
    auth::{Authenticator, Principal, TokenSettings, policy::Action},
    events::EventBus,
    store::Store,
};

/// What every service needs: the store, the clock, the event bus, the
/// server's shutdown signal (which ends watch streams), authentication, the
/// audit trail and the token settings.
#[derive(Debug, Clone)]
pub struct Context<S> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
    pub events: EventBus,
    pub shutdown: CancellationToken,
    pub auth: Authenticator<S>,
    pub audit: AuditLog,
    pub tokens: TokenSettings,
}

impl<S: Store> Context<S> {
    /// The time of a request, to the microsecond: what the store keeps, so
    /// that instants read back equal the ones computed from it.
    fn now(&self) -> Timestamp {
        let now = self.clock.now();
        Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now)
    }

    /// Identifies the caller, and notes it on the request's trail.
    async fn authenticate<T>(
        &self,
        request: &Request<T>,
        trail: &Trail,
    ) -> Result<Principal, ApiError> {
        let principal = self.auth.authenticate(request, self.now()).await?;
        trail.caller(&principal);
        Ok(principal)
    }

    /// Runs one RPC: maps its error to a status, logs its outcome (the code
    /// only: messages may quote what the caller sent) and records it in the
    /// audit trail when it changes something or reads beneficiary data.
    async fn respond<T>(
        &self,
        action: Action,
        peer: Option<SocketAddr>,
        work: impl AsyncFnOnce(&Trail) -> Result<T, ApiError>,
    ) -> Result<Response<T>, Status> {
        let started = Instant::now();
        let trail = Trail::default();
        let result = work(&trail).await.map_err(Status::from);
        let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        let rpc = action.rpc();
        let code = match &result {
            Ok(_) => tonic::Code::Ok,
            Err(status) => status.code(),
        };
        match &result {
            Ok(_) => tracing::debug!(rpc, code = ?code, elapsed_ms, "rpc"),
            Err(_) => tracing::info!(rpc, code = ?code, elapsed_ms, "rpc"),
        }
        for entry in trail.entries(action, code, peer, self.now()) {
            self.audit.record(entry).await;
        }
        result.map(Response::new)
    }

    /// Converts cases for a caller who may see `view` of them.
    fn output(&self, view: CaseView) -> CaseOutput<'_, S> {
        CaseOutput {
            store: &self.store,
            now: self.now(),
            view,
            round_the_clock: Calendar::round_the_clock(),
            calendars: HashMap::new(),
        }
    }
}

/// Cases as a caller receives them: converted for its view, with the time
/// left on each promise counted in the handling fund's calendar (loaded once
/// per fund and request).
struct CaseOutput<'a, S> {
    store: &'a S,
    now: Timestamp,
    view: CaseView,
    round_the_clock: Calendar,
    calendars: HashMap<OrganisationId, Option<Calendar>>,
}

impl<S: Store> CaseOutput<'_, S> {
    async fn case(&mut self, case: &Case) -> Result<pb::Case, ApiError> {
        let mut out = convert::case(case, self.view);
        if let Some(sla) = &case.sla {
            let handler = case.handler.id;
            if !self.calendars.contains_key(&handler) {
                let config = self.store.calendar_config(handler).await?;
                self.calendars
                    .insert(handler, config.map(|config| Calendar::new(&config)));
            }
            if let Some(Some(working)) = self.calendars.get(&handler) {
                let calendars = Calendars {
                    working,
                    round_the_clock: &self.round_the_clock,
                };
                out.sla = Some(convert::case_sla(sla, self.now, &calendars));
            }
        }
        Ok(out)
    }

    async fn cases(&mut self, cases: &[Case]) -> Result<Vec<pb::Case>, ApiError> {
        let mut out = Vec::with_capacity(cases.len());
        for case in cases {
            out.push(self.case(case).await?);
        }
        Ok(out)
    }
}

/// Parses a request id, recording a violation when it is not acceptable.
fn request_id(violations: &mut Violations, value: &str) -> Option<RequestId> {
    RequestId::parse(value)
        .map_err(|reason| violations.add("request_id", reason))
        .ok()
}

/// An optional filter: `None` when `text` is blank, else what `parse` makes
/// of it, a failure noted against `field`.
fn optional<T, E: ToString>(
    violations: &mut Violations,
    field: &str,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match text.trim() {
        "" => None,
        text => parse(text)
            .map_err(|error| violations.add(field, error.to_string()))
            .ok(),
    }
}

/// A page size from the wire: 0 means the listing's default; negative is refused.
fn page_size(violations: &mut Violations, size: i32) -> u32 {
    u32::try_from(size).unwrap_or_else(|_| {
        violations.add("page_size", "must not be negative");
        0
    })
}
