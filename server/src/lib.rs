//! The Relais server: gRPC API, authentication and policy, durable store.
//!
//! [`launch`] serves on a listener it is given, so tests bind `127.0.0.1:0`
//! and connect a real client to a real server on a real database.

pub mod api;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod config;
pub mod events;
pub mod files;
pub mod health;
pub mod pki;
pub mod sla;
pub mod store;
pub mod telemetry;
pub mod tls;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::{Context as _, bail};
use relais_core::{
    clock::{Clock, SystemClock},
    org::{AccountId, Role},
};
use relais_proto::v1::{
    admin_service_server::AdminServiceServer, audit_service_server::AuditServiceServer,
    batch_service_server::BatchServiceServer, case_service_server::CaseServiceServer,
    sla_service_server::SlaServiceServer,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Server, server::TcpIncoming};

use crate::{
    api::{AdminApi, AuditApi, BatchApi, CaseApi, Context, SlaApi},
    audit::AuditLog,
    auth::{
        Authenticator, TokenSettings,
        limits::Limits,
        token::{self, Secret},
    },
    config::Config,
    events::EventBus,
    health::HealthReporter,
    sla::Sweeper,
    store::{BootstrapAdmin, SqliteStore, Store},
    tls::ServerTls,
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
    let validity = TokenSettings::default().validity(Role::Admin);
    let (secret, record) = token::generate(Some(clock.now() + validity));
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
    tls::install_crypto_provider();
    let address = listener.local_addr()?;
    let transport = Transport::choose(&config, address)?;
    let events = EventBus::new();
    match Backend::open(&config, events.clone()).await? {
        Backend::Sqlite(store) => {
            warn_if_others_may_read(&store.files());
            serve(store, &config, events, clock, transport, listener, shutdown).await
        }
    }
}

/// Says, at each start, which database files other users of the machine
/// may read or change: they hold beneficiaries' data and the hashes of
/// tokens. Their permissions are left as they are: a group may be there on
/// purpose (backups), and changing them behind the operator's back would
/// hide whatever made them so.
fn warn_if_others_may_read(files: &[std::path::PathBuf]) {
    for path in files {
        match files::shared_mode(path) {
            Ok(None) => {}
            Ok(Some(mode)) => tracing::warn!(
                path = %path.display(),
                mode = %format_args!("{mode:04o}"),
                "other users of this machine may read or change the database file {} (mode \
                 {mode:04o}), which holds beneficiaries' data and token hashes: make it \
                 private with `chmod 600 {}`",
                path.display(),
                path.display(),
            ),
            Err(error) => tracing::warn!(
                path = %path.display(),
                %error,
                "cannot tell who may read the database file"
            ),
        }
    }
}

/// How the API is served, decided once at start-up.
enum Transport {
    Plaintext,
    Tls(Box<ServerTls>),
}

impl Transport {
    fn choose(config: &Config, address: SocketAddr) -> anyhow::Result<Transport> {
        let tls = &config.tls;
        match (&tls.cert, &tls.key) {
            (Some(_), Some(_)) => {
                if config.insecure_plaintext {
                    tracing::warn!("insecure_plaintext is ignored: TLS is configured");
                }
                let tls = ServerTls::load(tls).context("cannot set up TLS")?;
                Ok(Transport::Tls(Box::new(tls)))
            }
            (Some(_), None) => bail!(
                "TLS needs the certificate's private key as well: tls.cert (--tls-cert) is set \
                 but tls.key (--tls-key) is not"
            ),
            (None, Some(_)) => bail!(
                "TLS needs the certificate as well as its key: tls.key (--tls-key) is set but \
                 tls.cert (--tls-cert) is not"
            ),
            (None, None) if tls.client_ca.is_some() => bail!(
                "tls.client_ca (--tls-client-ca) lets clients present certificates, which \
                 only TLS carries: set tls.cert and tls.key (--tls-cert, --tls-key) too"
            ),
            (None, None) if !config.insecure_plaintext => bail!(
                "refusing to serve without TLS, which would send tokens and beneficiary data \
                 in clear: give a certificate and its key (--tls-cert FILE --tls-key FILE, or \
                 tls.cert and tls.key), or, to develop on this machine, pass \
                 --insecure-plaintext (insecure_plaintext = true) to serve plaintext on a \
                 loopback address"
            ),
            (None, None) => {
                refuse_plaintext_off_loopback(address)?;
                Ok(Transport::Plaintext)
            }
        }
    }
}

/// What reflection describes: the API, the health service, and the
/// `google.rpc` error details the API's errors carry, so that grpcurl and
/// buf curl decode a `BadRequest` or a `RetryInfo`. Served as v1 and as
/// v1alpha, the only version some clients speak (Python's grpcio-reflection).
fn reflection() -> tonic_reflection::server::Builder<'static> {
    [
        relais_proto::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_types::pb::FILE_DESCRIPTOR_SET,
    ]
    .into_iter()
    .fold(
        tonic_reflection::server::Builder::configure(),
        tonic_reflection::server::Builder::register_encoded_file_descriptor_set,
    )
}

/// Checks the start-up rules for transport security and reads the TLS
/// files, so that a configuration `launch` would refuse is refused before
/// anything else happens (creating the first administrator, for one).
pub fn check_transport(config: &Config, address: SocketAddr) -> anyhow::Result<()> {
    Transport::choose(config, address).map(drop)
}

/// Plaintext only where nothing crosses a network: the loopback interface.
pub fn refuse_plaintext_off_loopback(address: SocketAddr) -> anyhow::Result<()> {
    if !address.ip().is_loopback() {
        bail!(
            "refusing to listen on {address}: without TLS, Relais only serves a loopback address \
             (127.0.0.1 or ::1), so that tokens and beneficiary data never cross a network in \
             clear; give a certificate and its key (--tls-cert FILE --tls-key FILE) to serve \
             on other addresses"
        );
    }
    Ok(())
}

async fn serve<S: Store>(
    store: S,
    config: &Config,
    events: EventBus,
    clock: Arc<dyn Clock>,
    transport: Transport,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let stop = CancellationToken::new();
    let client_certificates = match &transport {
        Transport::Tls(tls) => tls.client_certificates(),
        Transport::Plaintext => None,
    };
    // The audit writer outlives the server so that the last requests' entries are stored.
    let audit_stop = CancellationToken::new();
    let (audit, auditing) = AuditLog::start(store.clone(), audit_stop.clone());
    let ctx = Context {
        auth: Authenticator {
            store: store.clone(),
            certificates: client_certificates,
            limits: Arc::new(Limits::new(&config.limits)),
        },
        store,
        clock,
        events,
        shutdown: stop.clone(),
        audit,
        tokens: TokenSettings::from(&config.tokens),
    };
    let purging = tokio::spawn(audit::purge_expired(
        ctx.store.clone(),
        Arc::clone(&ctx.clock),
        config.audit.retention_days,
        stop.clone(),
    ));
    let sweep_interval = Duration::from_millis(config.sla.sweep_interval_ms);
    let sweeper = Sweeper::new(ctx.store.clone(), Arc::clone(&ctx.clock), sweep_interval);
    let sweeping = tokio::spawn(sweeper.run(stop.clone()));
    let health = HealthReporter::new();
    health.set_serving::<CaseServiceServer<CaseApi<S>>>();
    health.set_serving::<AdminServiceServer<AdminApi<S>>>();
    health.set_serving::<SlaServiceServer<SlaApi<S>>>();
    health.set_serving::<AuditServiceServer<AuditApi<S>>>();
    health.set_serving::<BatchServiceServer<BatchApi<S>>>();
    let address = listener.local_addr()?;
    let max = config.limits.max_message_bytes;
    let router = Server::builder()
        .timeout(Duration::from_millis(config.limits.request_timeout_ms))
        .trace_fn(|request| tracing::info_span!("grpc", path = %request.uri().path()))
        .add_service(health.service(stop.clone()))
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?)
        .add_service(
            CaseServiceServer::new(CaseApi::new(ctx.clone()))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            AdminServiceServer::new(AdminApi::new(ctx.clone()))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            SlaServiceServer::new(SlaApi::new(ctx.clone()))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            BatchServiceServer::new(BatchApi::new(ctx.clone(), config.batches.limits()))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            AuditServiceServer::new(AuditApi::new(ctx))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        );
    let stopping = stop.clone();
    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down");
        stopping.cancel();
    };
    match transport {
        Transport::Plaintext => {
            tracing::info!(%address, tls = false, "serving the Relais API");
            let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
            router
                .serve_with_incoming_shutdown(incoming, signal)
                .await?;
        }
        Transport::Tls(tls) => {
            tracing::info!(
                %address,
                tls = true,
                client_certificates = tls.client_certificates().is_some(),
                "serving the Relais API"
            );
            let (incoming, accepting) = tls.serve_connections(listener, stop.clone());
            let served = router.serve_with_incoming_shutdown(incoming, signal).await;
            // Whatever ended the server, the listener closes before `launch` returns.
            stop.cancel();
            accepting.await?;
            served?;
        }
    }
    // The sweeper stops with the server; a pass under way finishes its transaction first.
    sweeping.await?;
    purging.await?;
    audit_stop.cancel();
    auditing.await?;
    Ok(())
}
