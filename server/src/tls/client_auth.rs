//! Client certificates: asked for at the handshake, judged by the application.
//!
//! The handshake takes any certificate whose key the client proves it
//! holds; [`ClientCertificates::check`] then decides, per request, whether
//! the certificate was issued by the client CA and is valid now. A TLS alert
//! would tell the caller nothing; a gRPC status can say what is wrong.

use std::{fmt, path::Path, str::FromStr, sync::Arc, time::Duration};

use anyhow::Context as _;
use data_encoding::{HEXLOWER, HEXLOWER_PERMISSIVE};
use jiff::Timestamp;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme,
    client::danger::HandshakeSignatureValid,
    crypto::{CryptoProvider, WebPkiSupportedAlgorithms},
    pki_types::{CertificateDer, TrustAnchor, UnixTime, pem::PemObject},
    server::danger::{ClientCertVerified, ClientCertVerifier},
};
use sha2::{Digest, Sha256};
use webpki::{EndEntityCert, KeyUsage};

/// The DER value of id-kp-clientAuth (1.3.6.1.5.5.7.3.2). Required, not
/// merely allowed: a certificate without extended key usages could be a
/// server's, and must not log anyone in.
const CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

/// The client CA, and the judge of the certificates clients present.
pub struct ClientCertificates {
    anchors: Vec<TrustAnchor<'static>>,
    subjects: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for ClientCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificates")
            .field("certificate_authorities", &self.anchors.len())
            .finish_non_exhaustive()
    }
}

impl ClientCertificates {
    /// Trusts every certificate of a PEM file (the client CA, or several).
    pub fn from_pem_file(path: &Path) -> anyhow::Result<ClientCertificates> {
        let pem = super::read(path, "client CA file")?;
        ClientCertificates::from_pem(&pem).with_context(|| format!("in {}", path.display()))
    }

    /// Trusts every certificate of PEM text.
    pub fn from_pem(pem: &[u8]) -> anyhow::Result<ClientCertificates> {
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .context("not a valid PEM file")?;
        if certificates.is_empty() {
            anyhow::bail!("no CA certificate (expected PEM `BEGIN CERTIFICATE` blocks)");
        }
        let anchors = certificates
            .iter()
            .map(|der| {
                webpki::anchor_from_trusted_cert(der)
                    .map(|anchor| anchor.to_owned())
                    .map_err(|error| anyhow::anyhow!("an unreadable CA certificate: {error}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let subjects = anchors
            .iter()
            .map(|anchor| DistinguishedName::in_sequence(anchor.subject.as_ref()))
            .collect();
        Ok(ClientCertificates {
            anchors,
            subjects,
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        })
    }

    /// Checks a client's certificate chain (end entity first, as
    /// `tonic::Request::peer_certs` gives it) at `now`: issued by the client
    /// CA for client authentication, and valid. Returns the fingerprint of
    /// its public key, which an account is bound to.
    pub fn check(
        &self,
        chain: &[CertificateDer<'_>],
        now: Timestamp,
    ) -> Result<CertificateFingerprint, CertificateProblem> {
        let (end_entity, intermediates) =
            chain.split_first().ok_or(CertificateProblem::Malformed)?;
        let certificate =
            EndEntityCert::try_from(end_entity).map_err(|_| CertificateProblem::Malformed)?;
        certificate
            .verify_for_usage(
                self.algorithms.all,
                &self.anchors,
                intermediates,
                unix_time(now),
                KeyUsage::required(CLIENT_AUTH),
                None,
                None,
            )
            .map_err(CertificateProblem::from)?;
        Ok(CertificateFingerprint::of_spki(
            certificate.subject_public_key_info().as_ref(),
        ))
    }

    /// The handshake's side: ask for a certificate, hint at this CA, take
    /// whatever comes as long as the client proves it holds the key.
    pub(super) fn verifier(&self, provider: &CryptoProvider) -> Arc<dyn ClientCertVerifier> {
        Arc::new(OfferClientAuth {
            subjects: self.subjects.clone(),
            algorithms: provider.signature_verification_algorithms,
        })
    }
}

fn unix_time(now: Timestamp) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(
        u64::try_from(now.as_second()).unwrap_or(0),
    ))
}

fn timestamp(time: UnixTime) -> Timestamp {
    i64::try_from(time.as_secs())
        .ok()
        .and_then(|seconds| Timestamp::from_second(seconds).ok())
        .unwrap_or(Timestamp::MAX)
}

/// Why a client certificate is not accepted. The messages are for the
/// caller, and name no certificate content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateProblem {
    #[error("the client certificate was not issued by this service's CA")]
    UnknownCa,
    #[error("the client certificate expired on {on}")]
    Expired { on: Timestamp },
    #[error("the client certificate is not valid before {from}")]
    NotYetValid { from: Timestamp },
    #[error(
        "the client certificate is not meant for client authentication \
         (it lacks the clientAuth extended key usage)"
    )]
    NotForClientAuthentication,
    #[error("the client certificate could not be read")]
    Malformed,
    #[error("the client certificate was refused: {reason}")]
    Refused { reason: String },
}

impl From<webpki::Error> for CertificateProblem {
    fn from(error: webpki::Error) -> Self {
        use webpki::Error as E;
        match error {
            E::CertExpired { not_after, .. } => CertificateProblem::Expired {
                on: timestamp(not_after),
            },
            E::CertNotValidYet { not_before, .. } => CertificateProblem::NotYetValid {
                from: timestamp(not_before),
            },
            E::RequiredEkuNotFoundContext(_) => CertificateProblem::NotForClientAuthentication,
            // Signed by a key none of the trusted CAs hold, whatever the
            // certificate claims.
            E::UnknownIssuer
            | E::InvalidSignatureForPublicKey
            | E::UnsupportedSignatureAlgorithmContext(_)
            | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
                CertificateProblem::UnknownCa
            }
            E::BadDer
            | E::BadDerTime
            | E::TrailingData(_)
            | E::UnsupportedCertVersion
            | E::MalformedExtensions
            | E::ExtensionValueInvalid
            | E::InvalidCertValidity
            | E::UnsupportedCriticalExtension => CertificateProblem::Malformed,
            error => CertificateProblem::Refused {
                reason: error.to_string(),
            },
        }
    }
}

/// A certificate's identity for binding to an account: the SHA-256 of its
/// SubjectPublicKeyInfo (DER). It names the key, not the certificate, so a
/// certificate renewed with the same key keeps the binding; shown as 64
/// lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertificateFingerprint(pub [u8; 32]);

impl CertificateFingerprint {
    /// The fingerprint of a DER SubjectPublicKeyInfo.
    pub fn of_spki(spki_der: &[u8]) -> Self {
        CertificateFingerprint(Sha256::digest(spki_der).into())
    }

    /// The fingerprint of a certificate's public key, whoever issued it.
    pub fn of_certificate(
        certificate: &CertificateDer<'_>,
    ) -> Result<CertificateFingerprint, CertificateProblem> {
        let certificate =
            EndEntityCert::try_from(certificate).map_err(|_| CertificateProblem::Malformed)?;
        Ok(CertificateFingerprint::of_spki(
            certificate.subject_public_key_info().as_ref(),
        ))
    }

    /// Reads 64 hexadecimal digits, in either case, colons allowed between
    /// them (`AB:CD:…`, as some tools print fingerprints).
    pub fn parse(text: &str) -> Result<Self, FingerprintError> {
        let digits: String = text.trim().chars().filter(|&c| c != ':').collect();
        if digits.len() != 64 {
            return Err(FingerprintError);
        }
        let bytes = HEXLOWER_PERMISSIVE
            .decode(digits.as_bytes())
            .map_err(|_| FingerprintError)?;
        bytes
            .try_into()
            .map(CertificateFingerprint)
            .map_err(|_| FingerprintError)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for CertificateFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&HEXLOWER.encode(&self.0))
    }
}

impl fmt::Debug for CertificateFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificateFingerprint({self})")
    }
}

impl FromStr for CertificateFingerprint {
    type Err = FingerprintError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CertificateFingerprint::parse(text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a SHA-256 fingerprint: 64 hexadecimal digits, colons allowed")]
pub struct FingerprintError;

/// Asks for a client certificate without requiring one, and accepts any
/// (from another CA, expired…): the application judges it, and can say
/// why it refuses. Only the handshake signature is checked here, so the
/// client has proven it holds the certificate's key.
#[derive(Debug)]
struct OfferClientAuth {
    subjects: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for OfferClientAuth {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.subjects
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Bytes that are not a certificate cannot be judged later either.
        EndEntityCert::try_from(end_entity)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_back_with_or_without_colons() {
        let fingerprint = CertificateFingerprint::of_spki(b"a key");
        let text = fingerprint.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text, text.to_lowercase());
        assert_eq!(CertificateFingerprint::parse(&text), Ok(fingerprint));
        let colons = HEXLOWER
            .encode(&fingerprint.0)
            .to_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|pair| std::str::from_utf8(pair).unwrap())
            .collect::<Vec<_>>()
            .join(":");
        assert_eq!(colons.parse(), Ok(fingerprint));
        assert_eq!(
            CertificateFingerprint::parse(&text[..62]),
            Err(FingerprintError)
        );
        assert_eq!(
            CertificateFingerprint::parse(&format!("{}zz", &text[..62])),
            Err(FingerprintError)
        );
    }
}
