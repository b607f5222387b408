//! Transport security: the API over TLS 1.3 or 1.2 (rustls, ring only).
//!
//! The certificate and key are re-read while the server runs ([`reload`]),
//! so a renewed certificate is served without a restart. Client
//! certificates are optional: when a client CA is configured the handshake
//! asks for one but accepts any, and the application judges it with
//! [`ClientCertificates::check`], so a caller with a wrong certificate gets a
//! gRPC status that says why instead of an opaque TLS alert.

mod accept;
mod client_auth;
mod reload;

use std::{convert::Infallible, path::Path, sync::Arc, time::Duration};

use anyhow::Context as _;
use futures::Stream;
use rustls::{
    ServerConfig,
    crypto::CryptoProvider,
    server::{NoClientAuth, danger::ClientCertVerifier},
    version::{TLS12, TLS13},
};
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

pub use client_auth::{
    CertificateFingerprint, CertificateProblem, ClientCertificates, FingerprintError,
};
pub use rustls::pki_types::CertificateDer;
pub use tokio_rustls::server::TlsStream;

use crate::config::TlsConfig;
use reload::{CertificateFiles, ReloadingCertificate};

/// Makes ring the process's rustls crypto provider. Idempotent: when a
/// provider is already installed it stays, which is harmless because every
/// configuration built here names ring explicitly; the default only matters
/// to code that asks rustls for it (tonic's client, for one).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The provider every configuration here is built with, whatever the
/// process default is.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// What the server needs to serve TLS: the rustls configuration, the
/// certificate it swaps on reload, and the client CA if any.
#[derive(Debug)]
pub struct ServerTls {
    config: Arc<ServerConfig>,
    certificate: Arc<ReloadingCertificate>,
    files: CertificateFiles,
    reload_interval: Duration,
    client_certificates: Option<Arc<ClientCertificates>>,
}

impl ServerTls {
    /// Reads the certificate chain, the key and the client CA named by
    /// `config`. Fails when TLS is not configured or a file is unusable.
    pub fn load(config: &TlsConfig) -> anyhow::Result<ServerTls> {
        let (Some(cert), Some(key)) = (&config.cert, &config.key) else {
            anyhow::bail!("TLS needs both tls.cert and tls.key");
        };
        let provider = provider();
        let files = CertificateFiles::new(cert, key);
        let certificate = Arc::new(ReloadingCertificate::load(&files, &provider)?);
        let client_certificates = config
            .client_ca
            .as_deref()
            .map(ClientCertificates::from_pem_file)
            .transpose()?
            .map(Arc::new);
        let verifier: Arc<dyn ClientCertVerifier> = match &client_certificates {
            Some(clients) => clients.verifier(&provider),
            None => Arc::new(NoClientAuth),
        };
        let mut server = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&TLS13, &TLS12])
            .context("the TLS versions are not supported by the crypto provider")?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(Arc::clone(&certificate) as _);
        // gRPC is HTTP/2 only.
        server.alpn_protocols = vec![b"h2".to_vec()];
        Ok(ServerTls {
            config: Arc::new(server),
            certificate,
            files,
            reload_interval: Duration::from_millis(config.reload_interval_ms),
            client_certificates,
        })
    }

    /// The client CA's judge, for the authentication layer; `None` when no
    /// client CA is configured.
    pub fn client_certificates(&self) -> Option<Arc<ClientCertificates>> {
        self.client_certificates.clone()
    }

    /// Accepts connections on `listener` and completes their handshakes,
    /// and re-reads the certificate files when they change or on SIGHUP,
    /// until `stop` is cancelled. The stream's connections carry their
    /// peer certificates to tonic (`Request::peer_certs`). The handle
    /// completes once the listener is closed and the watch has ended.
    pub fn serve_connections(
        self,
        listener: TcpListener,
        stop: CancellationToken,
    ) -> (
        impl Stream<Item = Result<TlsStream<tokio::net::TcpStream>, Infallible>> + Send + 'static,
        JoinHandle<()>,
    ) {
        let hangups = reload::Hangups::new();
        let acceptor = tokio_rustls::TlsAcceptor::from(self.config);
        let (connections, accepting) = accept::accept(listener, acceptor, stop.clone());
        let watching = tokio::spawn(reload::watch(
            self.files,
            provider(),
            self.certificate,
            self.reload_interval,
            hangups,
            stop,
        ));
        let done = tokio::spawn(async move {
            for (task, what) in [(accepting, "accept"), (watching, "certificate watch")] {
                if let Err(error) = task.await {
                    tracing::error!(%error, task = what, "a TLS task failed");
                }
            }
        });
        (connections, done)
    }
}

/// Reads a whole file, naming it in the error.
fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the {what} {}", path.display()))
}
