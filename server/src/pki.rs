//! A small certificate authority, enough to serve TLS and hand out client
//! certificates without other tools (`relais-server pki …`), and for tests
//! to make the certificates they need: expired ones, other CAs'.
//!
//! Any other CA will do: the server only needs a certificate chain and its
//! key, clients only the CA certificate they trust.

use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context as _, bail};
use jiff::{SignedDuration, Timestamp};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData as _, SerialNumber,
};
use rustls::pki_types::{CertificateDer, pem::PemObject};
use time::OffsetDateTime;

use crate::{
    files::{self, Secrecy},
    tls::CertificateFingerprint,
};

/// How long `pki init`'s CA lasts: it is the one thing every client trusts,
/// so replacing it means touching every client.
pub const CA_VALIDITY: Duration = Duration::from_secs(3_652 * 86_400);
/// Server certificates: 397 days, the longest browsers accept.
pub const SERVER_DAYS: u32 = 397;
pub const CLIENT_DAYS: u32 = 365;

/// Certificates are dated a little in the past, so that a client whose clock
/// is slightly behind does not find a brand new certificate not yet valid.
const BACKDATE: SignedDuration = SignedDuration::from_mins(5);

/// A certificate authority: its certificate and its signing key.
pub struct Ca {
    key: KeyPair,
    params: CertificateParams,
    cert_pem: String,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field("name", &ca_common_name(&self.key))
            .finish_non_exhaustive()
    }
}

/// A certificate issued by a [`Ca`], with its new private key.
pub struct Issued {
    /// PEM: the certificate, then (for a server) the CA's, as a server sends them.
    pub chain_pem: String,
    /// PEM PKCS#8 private key.
    pub key_pem: String,
    /// SHA-256 of the certificate's SubjectPublicKeyInfo.
    pub fingerprint: CertificateFingerprint,
    pub not_after: Timestamp,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("fingerprint", &self.fingerprint)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl Ca {
    /// A new CA, valid from now for [`CA_VALIDITY`].
    pub fn generate() -> anyhow::Result<Ca> {
        let now = Timestamp::now();
        let until = now + SignedDuration::try_from(CA_VALIDITY)?;
        Ca::generate_valid(now - BACKDATE, until)
    }

    /// A new CA valid between two instants.
    pub fn generate_valid(not_before: Timestamp, not_after: Timestamp) -> anyhow::Result<Ca> {
        let key = KeyPair::generate().context("cannot generate the CA's key")?;
        let mut params = ca_params(&key);
        params.not_before = date(not_before)?;
        params.not_after = date(not_after)?;
        params.serial_number = Some(serial()?);
        let cert = params
            .self_signed(&key)
            .context("cannot sign the CA certificate")?;
        Ok(Ca {
            key,
            params,
            cert_pem: cert.pem(),
        })
    }

    /// A CA made by [`Ca::generate`] (or `pki init`), read back from its PEM
    /// certificate and key.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> anyhow::Result<Ca> {
        let key = KeyPair::from_pem(key_pem).context("not a usable private key")?;
        let cert =
            CertificateDer::from_pem_slice(cert_pem.as_bytes()).context("not a PEM certificate")?;
        let anchor = webpki::anchor_from_trusted_cert(&cert)
            .map_err(|error| anyhow::anyhow!("an unreadable certificate: {error}"))?;
        if webpki::spki_for_anchor(&anchor).as_ref() != key.subject_public_key_info() {
            bail!("the CA key does not belong to the CA certificate");
        }
        // Only the name, key usages and key identifier of the CA go into the
        // certificates it signs; they are rebuilt from the key, and the
        // rebuilt name must be the certificate's.
        let params = ca_params(&key);
        let rebuilt = params.self_signed(&key)?;
        let rebuilt = webpki::anchor_from_trusted_cert(rebuilt.der())
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        if rebuilt.subject != anchor.subject {
            bail!(
                "this CA was not made by `relais-server pki init`: issue certificates from it \
                 with the tools it was made with"
            );
        }
        Ok(Ca {
            key,
            params,
            cert_pem: cert_pem.to_owned(),
        })
    }

    /// The CA certificate that clients (or the server, for client
    /// certificates) trust.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA's private key: whoever holds it can issue certificates.
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// A server certificate for DNS names and IP addresses (the first name
    /// is also its common name), valid from now for `validity`.
    pub fn server_cert(&self, names: &[String], validity: Duration) -> anyhow::Result<Issued> {
        let Some(first) = names.first() else {
            bail!("a server certificate needs at least one name");
        };
        let mut params = CertificateParams::new(names.to_vec())
            .context("a name is neither a DNS name nor an IP address")?;
        params.distinguished_name = name(first);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let now = Timestamp::now();
        let not_after = now + SignedDuration::try_from(validity)?;
        let mut issued = self.issue(params, now - BACKDATE, not_after)?;
        issued.chain_pem.push_str(&self.cert_pem);
        Ok(issued)
    }

    /// A client certificate whose common name is `common_name` (an account
    /// id), for client authentication only, valid between two instants (in
    /// the past, to test expiry).
    pub fn client_cert(
        &self,
        common_name: &str,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> anyhow::Result<Issued> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = name(common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, not_before, not_after)
    }

    fn issue(
        &self,
        mut params: CertificateParams,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> anyhow::Result<Issued> {
        if not_after <= not_before {
            bail!("a certificate must end after it starts");
        }
        params.not_before = date(not_before)?;
        params.not_after = date(not_after)?;
        params.serial_number = Some(serial()?);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().context("cannot generate a key")?;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params
            .signed_by(&key, &issuer)
            .context("cannot sign the certificate")?;
        Ok(Issued {
            chain_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            fingerprint: CertificateFingerprint::of_spki(&key.subject_public_key_info()),
            not_after: Timestamp::from_second(not_after.as_second())?,
        })
    }
}

/// The parameters of a CA that go into what it signs, all derived from its
/// key: its name carries the key's fingerprint, so two CAs made by `pki
/// init` never share a name, and the name is found again from `ca.key`.
fn ca_params(key: &KeyPair) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "Relais");
    name.push(DnType::CommonName, ca_common_name(key));
    params.distinguished_name = name;
    // Signs end-entity certificates only.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn ca_common_name(key: &KeyPair) -> String {
    let fingerprint = CertificateFingerprint::of_spki(&key.subject_public_key_info()).to_string();
    format!("Relais CA {}", &fingerprint[..16])
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn date(instant: Timestamp) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(instant.as_second())
        .with_context(|| format!("{instant} cannot be a certificate's date"))
}

/// 128 random bits: serial numbers must not repeat under one CA.
fn serial() -> anyhow::Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    // Positive, and without the leading zero byte DER would then need.
    bytes[0] = (bytes[0] & 0x7f).max(1);
    Ok(SerialNumber::from_slice(&bytes))
}

// ----------------------------------------------------------------- files

/// The files of a CA directory.
#[derive(Debug, Clone)]
pub struct CaDir {
    dir: PathBuf,
}

impl CaDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CaDir { dir: dir.into() }
    }

    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn ca_key(&self) -> PathBuf {
        self.dir.join("ca.key")
    }

    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    pub fn client_cert(&self, account: &str) -> PathBuf {
        self.dir.join(format!("client-{account}.pem"))
    }

    pub fn client_key(&self, account: &str) -> PathBuf {
        self.dir.join(format!("client-{account}.key"))
    }

    /// `pki init`: a new CA in the directory (created if need be).
    pub fn init(&self, force: bool) -> anyhow::Result<Ca> {
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        let ca = Ca::generate()?;
        write_all(
            &[
                (self.ca_cert(), ca.cert_pem(), Secrecy::Public),
                (self.ca_key(), &ca.key_pem(), Secrecy::Secret),
            ],
            force,
        )?;
        Ok(ca)
    }

    /// The CA `pki init` made here.
    pub fn load(&self) -> anyhow::Result<Ca> {
        let read = |path: PathBuf| {
            fs::read_to_string(&path).with_context(|| {
                format!(
                    "cannot read {} (run `relais-server pki init --dir {}` first)",
                    path.display(),
                    self.dir.display()
                )
            })
        };
        let cert = read(self.ca_cert())?;
        let key = read(self.ca_key())?;
        Ca::from_pem(&cert, &key).with_context(|| format!("in {}", self.dir.display()))
    }

    /// `pki server-cert`: `server.pem` (chain) and `server.key`.
    pub fn issue_server(&self, names: &[String], days: u32, force: bool) -> anyhow::Result<Issued> {
        let ca = self.load()?;
        refuse_overwrite(&[self.server_cert(), self.server_key()], force)?;
        let issued = ca.server_cert(names, days_duration(days)?)?;
        write_all(
            &[
                (self.server_cert(), &issued.chain_pem, Secrecy::Public),
                (self.server_key(), &issued.key_pem, Secrecy::Secret),
            ],
            force,
        )?;
        Ok(issued)
    }

    /// `pki client-cert`: `client-ACCOUNT.pem` and `client-ACCOUNT.key`.
    pub fn issue_client(&self, account: &str, days: u32, force: bool) -> anyhow::Result<Issued> {
        let ca = self.load()?;
        let (cert, key) = (self.client_cert(account), self.client_key(account));
        refuse_overwrite(&[cert.clone(), key.clone()], force)?;
        let now = Timestamp::now();
        let until = now + SignedDuration::try_from(days_duration(days)?)?;
        let issued = ca.client_cert(account, now - BACKDATE, until)?;
        write_all(
            &[
                (cert, &issued.chain_pem, Secrecy::Public),
                (key, &issued.key_pem, Secrecy::Secret),
            ],
            force,
        )?;
        Ok(issued)
    }
}

fn days_duration(days: u32) -> anyhow::Result<Duration> {
    if days == 0 {
        bail!("a certificate must be valid for at least one day");
    }
    Ok(Duration::from_secs(u64::from(days) * 86_400))
}

/// Checks every file before writing any, so a refusal leaves nothing half done.
fn refuse_overwrite(paths: &[PathBuf], force: bool) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    for path in paths {
        if path.exists() {
            bail!(
                "{} exists: refusing to overwrite it (pass --force to replace it)",
                path.display()
            );
        }
    }
    Ok(())
}

fn write_all(files: &[(PathBuf, &str, Secrecy)], force: bool) -> anyhow::Result<()> {
    let paths: Vec<PathBuf> = files.iter().map(|(path, ..)| path.clone()).collect();
    refuse_overwrite(&paths, force)?;
    for (path, contents, secrecy) in files {
        write_new(path, contents, *secrecy)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn write_new(path: &Path, contents: &str, secrecy: Secrecy) -> std::io::Result<()> {
    // Removed rather than truncated, so that a key file is never, even for
    // an instant, an old file's permissions with new contents.
    match fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut file = files::create_new(path, secrecy)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_reads_back_and_refuses_a_key_that_is_not_its_own() {
        let ca = Ca::generate().unwrap();
        let again = Ca::from_pem(ca.cert_pem(), &ca.key_pem()).unwrap();
        assert_eq!(
            ca_common_name(&ca.key),
            ca_common_name(&again.key),
            "the name is rebuilt from the key"
        );
        let other = Ca::generate().unwrap();
        let error = Ca::from_pem(ca.cert_pem(), &other.key_pem()).unwrap_err();
        assert!(error.to_string().contains("does not belong"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_private_and_files_are_not_overwritten_without_force() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let pki = CaDir::new(dir.path().join("pki"));
        pki.init(false).unwrap();
        let mode = |path: PathBuf| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(pki.ca_key()), 0o600);
        assert_eq!(mode(pki.ca_cert()), 0o644);
        let before = fs::read(pki.ca_key()).unwrap();
        let error = pki.init(false).unwrap_err();
        assert!(error.to_string().contains("--force"), "{error}");
        assert_eq!(fs::read(pki.ca_key()).unwrap(), before);

        pki.issue_server(&["localhost".to_owned()], 30, false)
            .unwrap();
        assert_eq!(mode(pki.server_key()), 0o600);
        assert!(
            pki.issue_server(&["localhost".to_owned()], 30, false)
                .is_err()
        );
        pki.issue_server(&["localhost".to_owned()], 30, true)
            .unwrap();
        pki.init(true).unwrap();
        assert_ne!(fs::read(pki.ca_key()).unwrap(), before);
    }
}
