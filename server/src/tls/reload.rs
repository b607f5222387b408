//! The server's certificate, re-read while the server runs: certificates
//! are renewed every few weeks or months, and a restart would drop every
//! watch stream and every call in flight.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, PoisonError, RwLock},
    time::Duration,
};

use anyhow::{Context as _, bail};
use rustls::{
    crypto::CryptoProvider,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
};
use sha2::{Digest, Sha256};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// The certificate chain and private key files, as configured.
#[derive(Debug, Clone)]
pub(super) struct CertificateFiles {
    cert: PathBuf,
    key: PathBuf,
}

/// A digest of both files' contents: a change of either, even one that
/// keeps the size and the modification time, is seen.
type Contents = [u8; 32];

impl CertificateFiles {
    pub(super) fn new(cert: &Path, key: &Path) -> Self {
        CertificateFiles {
            cert: cert.to_owned(),
            key: key.to_owned(),
        }
    }

    fn read(&self) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
        Ok((
            super::read(&self.cert, "TLS certificate file")?,
            super::read(&self.key, "TLS key file")?,
        ))
    }

    fn certified_key(
        &self,
        cert_pem: &[u8],
        key_pem: &[u8],
        provider: &CryptoProvider,
    ) -> anyhow::Result<CertifiedKey> {
        let cert = self.cert.display();
        let key = self.key.display();
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{cert} is not a valid PEM file"))?;
        if chain.is_empty() {
            bail!("{cert} holds no certificate (expected PEM `BEGIN CERTIFICATE` blocks)");
        }
        // The PEM errors quote lines of the file: kept out of messages about a key.
        let private_key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| {
            anyhow::anyhow!(
                "{key} holds no usable private key (expected a PEM PKCS#8, PKCS#1 or SEC1 key)"
            )
        })?;
        CertifiedKey::from_der(chain, private_key, provider).map_err(|error| match error {
            rustls::Error::InconsistentKeys(_) => {
                anyhow::anyhow!("the key in {key} does not belong to the certificate in {cert}")
            }
            error => anyhow::anyhow!("cannot use {cert} with {key}: {error}"),
        })
    }
}

fn digest(cert_pem: &[u8], key_pem: &[u8]) -> Contents {
    let mut hasher = Sha256::new();
    // The length keeps "ab"+"c" apart from "a"+"bc".
    hasher.update((cert_pem.len() as u64).to_be_bytes());
    hasher.update(cert_pem);
    hasher.update(key_pem);
    hasher.finalize().into()
}

/// The certificate every handshake is answered with, swapped on reload.
#[derive(Debug)]
pub(super) struct ReloadingCertificate {
    current: RwLock<(Arc<CertifiedKey>, Contents)>,
}

impl ReloadingCertificate {
    pub(super) fn load(
        files: &CertificateFiles,
        provider: &CryptoProvider,
    ) -> anyhow::Result<ReloadingCertificate> {
        let (cert, key) = files.read()?;
        let certified = files.certified_key(&cert, &key, provider)?;
        Ok(ReloadingCertificate {
            current: RwLock::new((Arc::new(certified), digest(&cert, &key))),
        })
    }

    fn contents(&self) -> Contents {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .1
    }

    fn replace(&self, certified: CertifiedKey, contents: Contents) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) =
            (Arc::new(certified), contents);
    }
}

impl ResolvesServerCert for ReloadingCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Some(Arc::clone(&current.0))
    }
}

/// Re-reads the files every `interval` (never when it is zero) and on
/// SIGHUP, until `stop`. A file that cannot be read or used is reported
/// and the certificate being served stays.
pub(super) async fn watch(
    files: CertificateFiles,
    provider: Arc<CryptoProvider>,
    certificate: Arc<ReloadingCertificate>,
    interval: Duration,
    mut hangups: Hangups,
    stop: CancellationToken,
) {
    let mut ticks = (!interval.is_zero()).then(|| {
        let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ticks
    });
    let mut watcher = Watcher::new(files, provider, certificate);
    loop {
        let asked = tokio::select! {
            () = stop.cancelled() => return,
            () = tick(&mut ticks) => false,
            () = hangups.next() => true,
        };
        watcher.look(asked);
    }
}

/// What one look at the files found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Unchanged,
    Reloaded,
    /// A file could not be read: the previous certificate stays.
    Unreadable,
    /// The files were read but do not make a certificate and its key.
    Unusable,
}

struct Watcher {
    files: CertificateFiles,
    provider: Arc<CryptoProvider>,
    certificate: Arc<ReloadingCertificate>,
    // What was last found wanting, so that a bad file is reported once
    // rather than at every tick.
    refused: Option<Contents>,
    unreadable: Option<String>,
}

impl Watcher {
    fn new(
        files: CertificateFiles,
        provider: Arc<CryptoProvider>,
        certificate: Arc<ReloadingCertificate>,
    ) -> Self {
        Watcher {
            files,
            provider,
            certificate,
            refused: None,
            unreadable: None,
        }
    }

    /// Reads the files and swaps the certificate if they changed; `asked`
    /// (SIGHUP) reports even what was reported before.
    fn look(&mut self, asked: bool) -> Look {
        let (cert, key) = match self.files.read() {
            Ok(contents) => contents,
            Err(error) => {
                let error = format!("{error:#}");
                if asked || self.unreadable.as_ref() != Some(&error) {
                    tracing::warn!(
                        %error,
                        "cannot re-read the TLS certificate; still serving the previous one"
                    );
                }
                self.unreadable = Some(error);
                return Look::Unreadable;
            }
        };
        self.unreadable = None;
        let cert_path = self.files.cert.display();
        let contents = digest(&cert, &key);
        if contents == self.certificate.contents() {
            if asked {
                tracing::info!(cert = %cert_path, "the TLS certificate is unchanged");
            }
            return Look::Unchanged;
        }
        if self.refused == Some(contents) && !asked {
            return Look::Unusable;
        }
        match self.files.certified_key(&cert, &key, &self.provider) {
            Ok(certified) => {
                self.certificate.replace(certified, contents);
                self.refused = None;
                tracing::info!(cert = %cert_path, "reloaded the TLS certificate");
                Look::Reloaded
            }
            Err(error) => {
                self.refused = Some(contents);
                tracing::warn!(
                    error = %format!("{error:#}"),
                    "the new TLS certificate or key is unusable; still serving the previous one"
                );
                Look::Unusable
            }
        }
    }
}

async fn tick(ticks: &mut Option<tokio::time::Interval>) {
    match ticks {
        Some(ticks) => {
            ticks.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// SIGHUP, the usual "re-read your files" signal, where there is one.
/// Listened to from its creation on: once the server accepts connections,
/// a SIGHUP reloads rather than ends the process.
pub(super) struct Hangups {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangups {
    pub(super) fn new() -> Self {
        #[cfg(unix)]
        {
            let kind = tokio::signal::unix::SignalKind::hangup();
            let signal = tokio::signal::unix::signal(kind)
                .inspect_err(|error| {
                    tracing::warn!(%error, "SIGHUP will not reload the TLS certificate");
                })
                .ok();
            Hangups { signal }
        }
        #[cfg(not(unix))]
        Hangups {}
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.signal
            && signal.recv().await.is_some()
        {
            return;
        }
        std::future::pending().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::Ca;

    fn served(certificate: &ReloadingCertificate) -> CertificateDer<'static> {
        certificate.current.read().unwrap().0.cert[0].clone()
    }

    fn first_certificate(pem: &str) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
    }

    #[test]
    fn a_new_pair_is_swapped_in_and_a_bad_one_leaves_the_old_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let files = CertificateFiles::new(&dir.path().join("c.pem"), &dir.path().join("c.key"));
        let ca = Ca::generate().unwrap();
        let issue = || {
            ca.server_cert(&["localhost".to_owned()], Duration::from_secs(3_600))
                .unwrap()
        };
        let write = |issued: &crate::pki::Issued| {
            std::fs::write(&files.cert, &issued.chain_pem).unwrap();
            std::fs::write(&files.key, &issued.key_pem).unwrap();
        };
        let first = issue();
        write(&first);
        let provider = super::super::provider();
        let certificate = Arc::new(ReloadingCertificate::load(&files, &provider).unwrap());
        let mut watcher = Watcher::new(files.clone(), provider, Arc::clone(&certificate));
        assert_eq!(watcher.look(false), Look::Unchanged);

        // A certificate without its key: refused, and the first one stays.
        let second = issue();
        std::fs::write(&files.cert, &second.chain_pem).unwrap();
        assert_eq!(watcher.look(false), Look::Unusable);
        assert_eq!(served(&certificate), first_certificate(&first.chain_pem));

        std::fs::write(&files.key, &second.key_pem).unwrap();
        assert_eq!(watcher.look(false), Look::Reloaded);
        assert_eq!(served(&certificate), first_certificate(&second.chain_pem));

        std::fs::write(&files.cert, "not a certificate").unwrap();
        assert_eq!(watcher.look(false), Look::Unusable);
        std::fs::remove_file(&files.key).unwrap();
        assert_eq!(watcher.look(true), Look::Unreadable);
        assert_eq!(served(&certificate), first_certificate(&second.chain_pem));

        write(&first);
        assert_eq!(watcher.look(false), Look::Reloaded);
        assert_eq!(served(&certificate), first_certificate(&first.chain_pem));
    }

    #[test]
    fn load_names_the_file_at_fault() {
        let dir = tempfile::tempdir().unwrap();
        let files = CertificateFiles::new(&dir.path().join("c.pem"), &dir.path().join("c.key"));
        let provider = super::super::provider();
        let error = ReloadingCertificate::load(&files, &provider).unwrap_err();
        assert!(format!("{error:#}").contains("c.pem"), "{error:#}");

        let ca = Ca::generate().unwrap();
        let issued = ca
            .server_cert(&["localhost".to_owned()], Duration::from_secs(3_600))
            .unwrap();
        let other = ca
            .server_cert(&["localhost".to_owned()], Duration::from_secs(3_600))
            .unwrap();
        std::fs::write(&files.cert, &issued.chain_pem).unwrap();
        std::fs::write(&files.key, "-----BEGIN PRIVATE KEY-----\nAAAA\n").unwrap();
        let error = ReloadingCertificate::load(&files, &provider).unwrap_err();
        assert!(format!("{error:#}").contains("c.key"), "{error:#}");
        std::fs::write(&files.key, &other.key_pem).unwrap();
        let error = ReloadingCertificate::load(&files, &provider).unwrap_err();
        assert!(
            format!("{error:#}").contains("does not belong"),
            "{error:#}"
        );
    }
}
