//! The Relais server: gRPC API, authentication and policy, durable store.
//!
//! [`launch`] serves on a listener it is given, so tests bind `127.0.0.1:0`
//! and connect a real client to a real server on a real database.

pub mod api;
pub mod auth;
pub mod config;
pub mod events;
pub mod sla;
pub mod store;
pub mod telemetry;

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::{Context as _, bail};
use relais_core::{
    clock::{Clock, SystemClock},
    org::AccountId,
};
use relais_proto::v1::{
    admin_service_server::AdminServiceServer, case_service_server::CaseServiceServer,
    sla_service_server::SlaServiceServer,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Server, server::TcpIncoming};

use crate::{
    api::{AdminApi, CaseApi, Context, SlaApi},
    auth::token::{self, Secret},
    config::Config,
    events::EventBus,
    sla::Sweeper,
    store::{BootstrapAdmin, SqliteStore, Store},
};

/// What `bootstrap` did.
#[derive(Debug)]
pub struct Bootstrapped {
    /// `Some` when this call created the first administrator.
    pub created: Option<FirstAdmin>,
}

#[derive(Debug)]
pub struct FirstAdmin {
    pub account_id: AccountId,
    pub email: String,
    /// Shown once: only its hash is stored.
    pub token: Secret,
}

/// A store chosen by the database URL's scheme.
enum Backend {
    Sqlite(SqliteStore),
}

impl Backend {
    async fn open(config: &Config, events: EventBus) -> anyhow::Result<Backend> {
        let url = &config.database_url;
        match url.scheme() {
            "sqlite" => {
                let store = SqliteStore::open(url.expose(), events)
                    .await
                    .with_context(|| format!("cannot open the SQLite database {url}"))?;
                Ok(Backend::Sqlite(store))
            }
            "postgres" | "postgresql" => {
                bail!(
                    "PostgreSQL is not supported by this version of Relais yet; use sqlite://FILE"
                )
            }
            other => bail!("unsupported database URL scheme {other:?} in {url}: use sqlite://FILE"),
        }
    }
}

/// Creates the first administrator account if the database has none.
/// Idempotent: once an administrator exists, it creates nothing.
pub async fn bootstrap(config: &Config) -> anyhow::Result<Bootstrapped> {
    let Backend::Sqlite(store) = Backend::open(config, EventBus::new()).await?;
    bootstrap_with(&store, &SystemClock).await
}

async fn bootstrap_with<S: Store>(store: &S, clock: &dyn Clock) -> anyhow::Result<Bootstrapped> {
    let (secret, record) = token::generate();
    let admin = BootstrapAdmin {
        organisation_name: "Relais operators".to_owned(),
        name: "Administrator".to_owned(),
        email: "admin@relais.invalid".to_owned(),
        token: record,
    };
    let created = store.bootstrap_admin(&admin, clock.now()).await?;
    Ok(Bootstrapped {
        created: created.map(|account| FirstAdmin {
            account_id: account.id,
            email: account.email,
            token: secret,
        }),
    })
}

/// Serves the API on `listener` until `shutdown` completes, then stops
/// accepting requests, ends watch streams and returns.
pub async fn launch(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    launch_with_clock(config, listener, shutdown, Arc::new(SystemClock)).await
}

/// [`launch`] with a given clock, for tests that move time.
pub async fn launch_with_clock(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    refuse_plaintext_off_loopback(address)?;
    let events = EventBus::new();
    let sweep_interval = std::time::Duration::from_millis(config.sla.sweep_interval_ms);
    match Backend::open(&config, events.clone()).await? {
        Backend::Sqlite(store) => {
            serve(store, events, clock, sweep_interval, listener, shutdown).await
        }
    }
}

/// TLS comes later: until then, only this machine may talk to the server.
pub fn refuse_plaintext_off_loopback(address: SocketAddr) -> anyhow::Result<()> {
    if !address.ip().is_loopback() {
        bail!(
            "refusing to listen on {address}: without TLS, Relais only serves a loopback address \
             (127.0.0.1 or ::1), so that tokens and beneficiary data never cross a network in clear"
        );
    }
    Ok(())
}

async fn serve<S: Store>(
    store: S,
    events: EventBus,
    clock: Arc<dyn Clock>,
    sweep_interval: std::time::Duration,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let stop = CancellationToken::new();
    let ctx = Context {
        store,
        clock,
        events,
        shutdown: stop.clone(),
    };
    let sweeper = Sweeper::new(ctx.store.clone(), Arc::clone(&ctx.clock), sweep_interval);
    let sweeping = tokio::spawn(sweeper.run(stop.clone()));
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<CaseServiceServer<CaseApi<S>>>()
        .await;
    health_reporter
        .set_serving::<AdminServiceServer<AdminApi<S>>>()
        .await;
    health_reporter
        .set_serving::<SlaServiceServer<SlaApi<S>>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(relais_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let address = listener.local_addr()?;
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tracing::info!(%address, "serving the Relais API");
    Server::builder()
        .trace_fn(|request| tracing::info_span!("grpc", path = %request.uri().path()))
        .add_service(health)
        .add_service(reflection)
        .add_service(CaseServiceServer::new(CaseApi::new(ctx.clone())))
        .add_service(AdminServiceServer::new(AdminApi::new(ctx.clone())))
        .add_service(SlaServiceServer::new(SlaApi::new(ctx)))
        .serve_with_incoming_shutdown(incoming, async move {
            shutdown.await;
            tracing::info!("shutting down");
            stop.cancel();
        })
        .await?;
    // The sweeper stops with the server; a pass under way finishes its transaction first.
    sweeping.await?;
    Ok(())
}
