//! The standard gRPC health service, `grpc.health.v1.Health`.
//!
//! Written here rather than taken from tonic-health, whose `Watch` ends
//! with NOT_FOUND on a service it does not know. The protocol says to send
//! SERVICE_UNKNOWN and keep the stream open: a load balancer or probe that
//! starts watching before a service is registered then learns of it without
//! reconnecting, and clients that see the stream end retry it in a loop.

use std::{collections::HashMap, pin::Pin, sync::Arc};

use futures::Stream;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, server::NamedService};
use tonic_health::pb::{
    HealthCheckRequest, HealthCheckResponse,
    health_check_response::ServingStatus as WireStatus,
    health_server::{Health, HealthServer},
};

pub use tonic_health::ServingStatus;

/// The statuses of the services, by name; `""` is the whole server.
type Statuses = HashMap<String, ServingStatus>;

/// Sets what the health service reports. Cheap to clone, so that whatever
/// learns that the server cannot serve (the database out of reach, say)
/// can hold one and say so, and say so again when it can.
#[derive(Debug, Clone)]
pub struct HealthReporter {
    statuses: Arc<watch::Sender<Statuses>>,
}

impl Default for HealthReporter {
    fn default() -> Self {
        HealthReporter::new()
    }
}

impl HealthReporter {
    /// Knows the whole server (`""`), serving, and no service yet.
    pub fn new() -> HealthReporter {
        let statuses = HashMap::from([(String::new(), ServingStatus::Serving)]);
        HealthReporter {
            statuses: Arc::new(watch::Sender::new(statuses)),
        }
    }

    /// Sets the status of the service named `service` (which becomes known
    /// if it was not); watchers hear of it only when it changes.
    pub fn set(&self, service: &str, status: ServingStatus) {
        self.statuses.send_if_modified(|statuses| {
            statuses.insert(service.to_owned(), status) != Some(status)
        });
    }

    /// Reports the gRPC service `S` as serving.
    pub fn set_serving<S: NamedService>(&self) {
        self.set(S::NAME, ServingStatus::Serving);
    }

    /// Sets every known service, the whole server included, to `status` at
    /// once: what a dependency all of them share (the database) going away
    /// or coming back means.
    pub fn set_all(&self, status: ServingStatus) {
        self.statuses.send_if_modified(|statuses| {
            let mut changed = false;
            for current in statuses.values_mut() {
                changed |= *current != status;
                *current = status;
            }
            changed
        });
    }

    /// The gRPC service that reports these statuses. Its watch streams end
    /// when `stop` is cancelled, so that they do not hold the server's
    /// graceful shutdown open.
    pub fn service(&self, stop: CancellationToken) -> HealthServer<HealthService> {
        HealthServer::new(HealthService {
            statuses: Arc::clone(&self.statuses),
            stop,
        })
    }
}

/// The `grpc.health.v1.Health` implementation; made by [`HealthReporter::service`].
#[derive(Debug)]
pub struct HealthService {
    statuses: Arc<watch::Sender<Statuses>>,
    stop: CancellationToken,
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

fn response(status: WireStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status.into(),
    }
}

#[tonic::async_trait]
impl Health for HealthService {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let service = request.into_inner().service;
        let status = self.statuses.borrow().get(&service).copied();
        match status {
            Some(status) => Ok(Response::new(response(status.into()))),
            None => Err(Status::not_found(format!(
                "no service {service:?} here; \"\" is the whole server"
            ))),
        }
    }

    type WatchStream = WatchStream;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<WatchStream>, Status> {
        let watching = Watching {
            service: request.into_inner().service,
            statuses: self.statuses.subscribe(),
            sent: None,
            stop: self.stop.clone(),
        };
        Ok(Response::new(Box::pin(futures::stream::unfold(
            watching,
            Watching::next,
        ))))
    }
}

/// One `Watch` call: what it watches, and what it last sent.
struct Watching {
    service: String,
    statuses: watch::Receiver<Statuses>,
    sent: Option<WireStatus>,
    stop: CancellationToken,
}

impl Watching {
    /// The first status, then each change, until the server stops.
    async fn next(mut self) -> Option<(Result<HealthCheckResponse, Status>, Watching)> {
        loop {
            let current = self
                .statuses
                .borrow_and_update()
                .get(&self.service)
                .map_or(WireStatus::ServiceUnknown, |status| (*status).into());
            // Another service's change wakes every watcher; only this one's is news.
            if self.sent != Some(current) {
                self.sent = Some(current);
                return Some((Ok(response(current)), self));
            }
            tokio::select! {
                biased;
                () = self.stop.cancelled() => return None,
                changed = self.statuses.changed() => changed.ok()?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt as _;

    use super::*;

    fn request(service: &str) -> Request<HealthCheckRequest> {
        Request::new(HealthCheckRequest {
            service: service.to_owned(),
        })
    }

    fn status(item: Option<Result<HealthCheckResponse, Status>>) -> WireStatus {
        item.expect("an item").expect("a status").status()
    }

    fn service(reporter: &HealthReporter, stop: &CancellationToken) -> HealthService {
        HealthService {
            statuses: Arc::clone(&reporter.statuses),
            stop: stop.clone(),
        }
    }

    #[tokio::test]
    async fn a_watched_service_that_becomes_known_is_reported_and_then_each_change() {
        let reporter = HealthReporter::new();
        let stop = CancellationToken::new();
        let health = service(&reporter, &stop);
        let mut late = health.watch(request("late")).await.unwrap().into_inner();
        assert_eq!(status(late.next().await), WireStatus::ServiceUnknown);

        reporter.set("other", ServingStatus::Serving);
        reporter.set("late", ServingStatus::Serving);
        assert_eq!(status(late.next().await), WireStatus::Serving);
        let mut whole = health.watch(request("")).await.unwrap().into_inner();
        assert_eq!(status(whole.next().await), WireStatus::Serving);

        reporter.set_all(ServingStatus::NotServing);
        assert_eq!(status(late.next().await), WireStatus::NotServing);
        assert_eq!(status(whole.next().await), WireStatus::NotServing);
        let checked = health.check(request("other")).await.unwrap().into_inner();
        assert_eq!(checked.status(), WireStatus::NotServing);

        stop.cancel();
        assert!(
            late.next().await.is_none(),
            "the server stops: the stream ends"
        );
        assert!(whole.next().await.is_none());
    }

    #[tokio::test]
    async fn check_knows_the_whole_server_and_not_a_stranger() {
        let reporter = HealthReporter::new();
        let health = service(&reporter, &CancellationToken::new());
        let whole = health.check(request("")).await.unwrap().into_inner();
        assert_eq!(whole.status(), WireStatus::Serving);
        let unknown = health.check(request("nope")).await.unwrap_err();
        assert_eq!(unknown.code(), tonic::Code::NotFound);
    }
}
