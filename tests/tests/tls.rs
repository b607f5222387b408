//! The API over TLS: who may connect, which versions, a certificate renewed
//! in place, and client certificates judged by the application rather than
//! refused at the handshake.

use std::{error::Error, sync::Arc, time::Duration};

use jiff::{SignedDuration, Timestamp};
use relais_client::{ConnectError, ConnectOptions, RelaisClient, RetryPolicy, pb};
use relais_server::{
    pki::{Ca, Issued},
    tls::{CertificateFingerprint, CertificateProblem, ClientCertificates},
};
use relais_tests::{TestServer, TlsSetup, identity};
use rustls::{
    ClientConfig, ProtocolVersion, RootCertStore,
    pki_types::{CertificateDer, ServerName, pem::PemObject},
    version::TLS12,
};
use sha2::{Digest, Sha256};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{TlsConnector, client::TlsStream};
use tonic::Code;

/// Bounds every wait on the server, so a test fails rather than hangs.
const PATIENCE: Duration = Duration::from_secs(10);

fn certificates(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("PEM certificates")
}

/// The SHA-256 of the public key in a PEM private key, computed apart from
/// the code under test.
fn spki_sha256(key_pem: &str) -> [u8; 32] {
    use rcgen::PublicKeyData as _;
    let key = rcgen::KeyPair::from_pem(key_pem).expect("a PEM key");
    Sha256::digest(key.subject_public_key_info()).into()
}

fn causes(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A rustls client that trusts `ca`, for what the Relais client does not
/// show: the certificate served, the version and protocol negotiated.
fn raw_client(ca: &Ca, versions: &[&'static rustls::SupportedProtocolVersion]) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for certificate in certificates(ca.cert_pem()) {
        roots.add(certificate).expect("a trust anchor");
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .expect("supported versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    TlsConnector::from(Arc::new(config))
}

async fn handshake(server: &TestServer, connector: &TlsConnector) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(server.address()).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("a server name");
    tokio::time::timeout(PATIENCE, connector.connect(name, tcp))
        .await
        .expect("a timely handshake")
        .expect("a TLS handshake")
}

async fn served_certificate(server: &TestServer) -> CertificateDer<'static> {
    let ca = &server.pki().expect("a TLS server").ca;
    let connection = handshake(server, &raw_client(ca, rustls::DEFAULT_VERSIONS)).await;
    connection
        .get_ref()
        .1
        .peer_certificates()
        .expect("a certificate")[0]
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_trusts_the_ca_calls_with_its_token() {
    let server = TestServer::start_tls(TlsSetup::default()).await;
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let admin = server.admin().await;
    let me = admin.who_am_i().await.expect("who am I over TLS");
    assert!(me.account.is_some());

    let ca = &server.pki().unwrap().ca;
    let connection = handshake(&server, &raw_client(ca, rustls::DEFAULT_VERSIONS)).await;
    let session = connection.get_ref().1;
    assert_eq!(session.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    assert_eq!(session.alpn_protocol(), Some(&b"h2"[..]));
    let connection = handshake(&server, &raw_client(ca, &[&TLS12])).await;
    assert_eq!(
        connection.get_ref().1.protocol_version(),
        Some(ProtocolVersion::TLSv1_2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_trusts_another_ca_is_refused_at_the_handshake() {
    let server = TestServer::start_tls(TlsSetup::default()).await;
    let stranger = Ca::generate().unwrap();
    let options = ConnectOptions {
        ca_cert_pem: Some(stranger.cert_pem().as_bytes().to_vec()),
        ..server.connect_options(Some(&server.admin_token))
    };
    let error = RelaisClient::connect_with(&server.url, options)
        .await
        .expect_err("a server certificate from an unknown CA");
    assert!(
        matches!(error, ConnectError::Unreachable { .. }),
        "{error:?}"
    );
    let causes = causes(&error);
    assert!(causes.contains("certificate"), "{causes}");
}

#[tokio::test(flavor = "multi_thread")]
async fn plaintext_http2_to_the_tls_port_gets_nothing() {
    let server = TestServer::start_tls(TlsSetup::default()).await;
    let url = format!("http://{}", server.address());
    let outcome = tokio::time::timeout(PATIENCE, async {
        let client = RelaisClient::connect(&url, Some(&server.admin_token)).await?;
        let once = RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        };
        client
            .with_retry(once)
            .who_am_i()
            .await
            .map_err(|status| status.into())
    })
    .await
    .expect("a timely failure");
    let outcome: Result<_, Box<dyn Error>> = outcome;
    assert!(outcome.is_err(), "plaintext was answered: {outcome:?}");
}

/// A TLS 1.1 ClientHello: TLS 1.1 in the record and in the hello, no
/// supported_versions extension. `with_signature_algorithms` adds the one
/// TLS 1.2 extension rustls requires, so that only the version is wrong.
fn tls11_client_hello(with_signature_algorithms: bool) -> Vec<u8> {
    let mut hello = vec![0x03, 0x02];
    hello.extend([0x5a; 32]); // random
    hello.push(0); // no session id
    let suites = [0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x2f];
    hello.extend(u16::try_from(suites.len()).unwrap().to_be_bytes());
    hello.extend(suites);
    hello.extend([1, 0]); // compression: null only
    if with_signature_algorithms {
        let schemes = [0x04, 0x03, 0x08, 0x04, 0x04, 0x01];
        let mut extension = vec![0x00, 0x0d];
        extension.extend(u16::try_from(schemes.len() + 2).unwrap().to_be_bytes());
        extension.extend(u16::try_from(schemes.len()).unwrap().to_be_bytes());
        extension.extend(schemes);
        hello.extend(u16::try_from(extension.len()).unwrap().to_be_bytes());
        hello.extend(extension);
    }
    let mut handshake = vec![0x01]; // ClientHello
    handshake.extend(&u32::try_from(hello.len()).unwrap().to_be_bytes()[1..]);
    handshake.extend(hello);
    let mut record = vec![0x16, 0x03, 0x02];
    record.extend(u16::try_from(handshake.len()).unwrap().to_be_bytes());
    record.extend(handshake);
    record
}

/// What the server answers a ClientHello with, up to its closing the connection.
async fn answer_to(server: &TestServer, hello: &[u8]) -> Vec<u8> {
    let mut tcp = TcpStream::connect(server.address()).await.unwrap();
    tcp.write_all(hello).await.unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut reply))
        .await
        .expect("the server answers and closes");
    reply
}

/// A fatal alert record: content type 21, level 2, then the description.
fn fatal_alert(reply: &[u8]) -> Option<u8> {
    match reply {
        [0x15, _, _, _, _, 2, description, ..] => Some(*description),
        _ => None,
    }
}

const HANDSHAKE_FAILURE: u8 = 40;
const PROTOCOL_VERSION: u8 = 70;

#[tokio::test(flavor = "multi_thread")]
async fn tls_1_1_clients_are_refused_with_a_fatal_alert() {
    let server = TestServer::start_tls(TlsSetup::default()).await;
    // With only the version wrong, the alert names it.
    let reply = answer_to(&server, &tls11_client_hello(true)).await;
    assert_eq!(fatal_alert(&reply), Some(PROTOCOL_VERSION), "{reply:02x?}");
    // As TLS 1.1 clients really send it (no TLS 1.2 extensions): refused as well.
    let reply = answer_to(&server, &tls11_client_hello(false)).await;
    assert_eq!(fatal_alert(&reply), Some(HANDSHAKE_FAILURE), "{reply:02x?}");
    // And the server still serves TLS 1.3 after both.
    server.admin().await.who_am_i().await.unwrap();
}

/// Waits, a bounded while, for fresh connections to be served `expected`.
async fn until_served(server: &TestServer, expected: &CertificateDer<'static>) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if served_certificate(server).await == *expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new certificate is still not served"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_replaced_on_disk_is_served_without_a_restart() {
    let server = TestServer::start_tls(TlsSetup {
        reload_interval_ms: 20,
        ..TlsSetup::default()
    })
    .await;
    let admin = server.admin().await;
    admin.who_am_i().await.unwrap();
    let before = served_certificate(&server).await;

    let renewed = server.pki().unwrap().replace_server_certificate();
    let expected = certificates(&renewed.chain_pem).remove(0);
    assert_ne!(before, expected);
    until_served(&server, &expected).await;

    // Connections made before go on with the certificate they started with.
    admin
        .who_am_i()
        .await
        .expect("an existing connection survives");
    server
        .client(&server.admin_token)
        .await
        .who_am_i()
        .await
        .unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sighup_reloads_the_certificate() {
    // No polling: only the signal can bring the new certificate in.
    let server = TestServer::start_tls(TlsSetup {
        reload_interval_ms: 0,
        ..TlsSetup::default()
    })
    .await;
    // Once the server answers, it listens for SIGHUP, which then no longer
    // ends this process.
    server.admin().await.who_am_i().await.unwrap();
    let renewed = server.pki().unwrap().replace_server_certificate();
    let expected = certificates(&renewed.chain_pem).remove(0);
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    until_served(&server, &expected).await;
}

fn client_cert(ca: &Ca, valid: std::ops::Range<SignedDuration>) -> Issued {
    let now = Timestamp::now();
    ca.client_cert(
        "0190f6f0-0000-7000-8000-000000000001",
        now + valid.start,
        now + valid.end,
    )
    .unwrap()
}

#[test]
fn client_certificates_are_judged_with_reasons() {
    let ca = Ca::generate().unwrap();
    let judge = ClientCertificates::from_pem(ca.cert_pem().as_bytes()).unwrap();
    let now = Timestamp::now();
    let hour = SignedDuration::from_hours(1);

    let good = client_cert(&ca, -hour..hour);
    let fingerprint = judge
        .check(&certificates(&good.chain_pem), now)
        .expect("a good certificate");
    assert_eq!(fingerprint.0, spki_sha256(&good.key_pem));
    assert_eq!(fingerprint, good.fingerprint);
    assert_eq!(
        CertificateFingerprint::parse(&fingerprint.to_string()),
        Ok(fingerprint)
    );

    let stranger = Ca::generate().unwrap();
    let foreign = client_cert(&stranger, -hour..hour);
    let problem = judge
        .check(&certificates(&foreign.chain_pem), now)
        .unwrap_err();
    assert_eq!(problem, CertificateProblem::UnknownCa);
    assert_eq!(
        problem.to_string(),
        "the client certificate was not issued by this service's CA"
    );

    let expired = client_cert(&ca, -hour * 48..-hour * 24);
    let problem = judge
        .check(&certificates(&expired.chain_pem), now)
        .unwrap_err();
    let ended = Timestamp::from_second((now - hour * 24).as_second()).unwrap();
    assert_eq!(problem, CertificateProblem::Expired { on: ended });
    assert!(
        problem
            .to_string()
            .starts_with("the client certificate expired on "),
        "{problem}"
    );

    let early = client_cert(&ca, hour..hour * 2);
    assert!(matches!(
        judge.check(&certificates(&early.chain_pem), now),
        Err(CertificateProblem::NotYetValid { .. })
    ));

    // A server's certificate from the same CA logs no one in.
    let server = ca
        .server_cert(&["localhost".to_owned()], Duration::from_secs(3_600))
        .unwrap();
    assert_eq!(
        judge.check(&certificates(&server.chain_pem)[..1], now),
        Err(CertificateProblem::NotForClientAuthentication)
    );

    assert_eq!(judge.check(&[], now), Err(CertificateProblem::Malformed));
    let garbage = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    assert_eq!(
        judge.check(&[garbage], now),
        Err(CertificateProblem::Malformed)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn any_client_certificate_completes_the_handshake_so_the_application_can_answer() {
    let server = TestServer::start_tls(TlsSetup {
        client_ca: true,
        ..TlsSetup::default()
    })
    .await;
    let pki = server.pki().unwrap();
    let hour = SignedDuration::from_hours(1);
    let stranger = Ca::generate().unwrap();
    let presented = [
        ("not bound", pki.client_cert("an account")),
        ("CA", client_cert(&stranger, -hour..hour)),
        (
            "expired",
            client_cert(pki.client_ca.as_ref().unwrap(), -hour * 48..-hour * 24),
        ),
    ];
    for (reason, certificate) in &presented {
        let options = ConnectOptions {
            client_identity: Some(identity(certificate)),
            ..server.connect_options(Some(&server.admin_token))
        };
        let client = RelaisClient::connect_with(&server.url, options)
            .await
            .unwrap_or_else(|error| panic!("{reason}: {}", causes(&error)));
        // The application's answer proves the server took the connection:
        // in TLS 1.3 the client is done with the handshake before the server
        // has judged it. A certificate that fails is refused even beside a
        // valid token: every credential presented must hold.
        let refused = client.who_am_i().await.unwrap_err();
        assert_eq!(
            refused.code(),
            Code::Unauthenticated,
            "{reason}: {refused:?}"
        );
        assert!(
            refused.message().contains(reason),
            "{reason}: {}",
            refused.message()
        );
    }
    // Without one, bearer tokens alone work.
    server.admin().await.who_am_i().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_certificate_needs_https() {
    let server = TestServer::start().await;
    let ca = Ca::generate().unwrap();
    let options = ConnectOptions {
        client_identity: Some(identity(&client_cert(
            &ca,
            -SignedDuration::from_hours(1)..SignedDuration::from_hours(1),
        ))),
        ..server.connect_options(None)
    };
    let error = RelaisClient::connect_with(&server.url, options)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectError::InvalidUrl { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("https://"), "{error}");
}

/// A client that presents `certificate` and no token.
async fn with_certificate(server: &TestServer, certificate: &Issued) -> RelaisClient {
    let options = ConnectOptions {
        client_identity: Some(identity(certificate)),
        ..server.connect_options(None)
    };
    RelaisClient::connect_with(&server.url, options)
        .await
        .expect("the handshake completes whatever the certificate")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_system_authenticates_with_a_bound_certificate_and_only_with_one() {
    let server = TestServer::start_tls(TlsSetup {
        client_ca: true,
        ..TlsSetup::default()
    })
    .await;
    let admin = server.admin().await;
    relais_tests::create_org(&admin, "CPAM de Paris", pb::OrganisationKind::Cpam, "75").await;
    let prefecture = relais_tests::create_org(
        &admin,
        "Préfecture de police de Paris",
        pb::OrganisationKind::Prefecture,
        "75",
    )
    .await;
    let system = relais_tests::create_user(
        &server,
        &admin,
        &prefecture,
        "AGDREF batch",
        pb::Role::PartnerSystem,
    )
    .await;
    let pki = server.pki().unwrap();
    let certificate = pki.client_cert(&system.id);

    // Unbound: the CA is right, but no account stands behind the key.
    let unbound = with_certificate(&server, &certificate).await;
    let refused = unbound.who_am_i().await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(
        refused.message().contains("not bound"),
        "{}",
        refused.message()
    );

    let binding = admin
        .bind_certificate(&system.id, &certificate.fingerprint.to_string())
        .await
        .unwrap()
        .binding
        .unwrap();
    assert_eq!(binding.account.unwrap().id, system.id);
    let me = unbound.who_am_i().await.expect("a bound certificate");
    assert_eq!(me.account.unwrap().id, system.id);
    let submitted = unbound
        .submit_case(relais_tests::sample_case())
        .await
        .expect("a partner system submits with its certificate");
    assert_eq!(
        submitted.case.unwrap().submitter_organisation.unwrap().id,
        prefecture.id
    );

    // Another CA's certificate for the same account, or an expired one from
    // the right CA, says why it is refused.
    let hour = SignedDuration::from_hours(1);
    let stranger = Ca::generate().unwrap();
    let foreign = client_cert(&stranger, -hour..hour);
    admin
        .bind_certificate(&system.id, &foreign.fingerprint.to_string())
        .await
        .unwrap();
    let refused = with_certificate(&server, &foreign)
        .await
        .who_am_i()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(refused.message().contains("CA"), "{}", refused.message());

    let expired = client_cert(pki.client_ca.as_ref().unwrap(), -hour * 48..-hour * 24);
    admin
        .bind_certificate(&system.id, &expired.fingerprint.to_string())
        .await
        .unwrap();
    let refused = with_certificate(&server, &expired)
        .await
        .who_am_i()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(
        refused.message().contains("expired"),
        "{}",
        refused.message()
    );

    // Unbinding takes effect at once, on the connection already open.
    admin
        .unbind_certificate(&certificate.fingerprint.to_string())
        .await
        .unwrap();
    let refused = unbound.who_am_i().await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);

    // A disabled account's certificate opens nothing either.
    admin
        .bind_certificate(&system.id, &certificate.fingerprint.to_string())
        .await
        .unwrap();
    unbound.who_am_i().await.unwrap();
    admin.disable_account(&system.id).await.unwrap();
    let refused = unbound.who_am_i().await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_client_ca_a_certificate_is_no_credential() {
    let server = TestServer::start_tls(TlsSetup::default()).await;
    let stranger = Ca::generate().unwrap();
    let hour = SignedDuration::from_hours(1);
    let certificate = client_cert(&stranger, -hour..hour);
    // The server does not ask for one, so the client never sends it.
    let refused = with_certificate(&server, &certificate)
        .await
        .who_am_i()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_and_a_certificate_of_two_accounts_are_refused() {
    let server = TestServer::start_tls(TlsSetup {
        client_ca: true,
        ..TlsSetup::default()
    })
    .await;
    let admin = server.admin().await;
    let prefecture = relais_tests::create_org(
        &admin,
        "Préfecture de police de Paris",
        pb::OrganisationKind::Prefecture,
        "75",
    )
    .await;
    let system = relais_tests::create_user(
        &server,
        &admin,
        &prefecture,
        "AGDREF batch",
        pb::Role::PartnerSystem,
    )
    .await;
    let certificate = server.pki().unwrap().client_cert(&system.id);
    admin
        .bind_certificate(&system.id, &certificate.fingerprint.to_string())
        .await
        .unwrap();
    let with_token = |token: &str| ConnectOptions {
        client_identity: Some(identity(&certificate)),
        ..server.connect_options(Some(token))
    };

    // The system's certificate with the administrator's token.
    let mixed = RelaisClient::connect_with(&server.url, with_token(&server.admin_token))
        .await
        .unwrap();
    let refused = mixed.who_am_i().await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
    assert!(
        refused.message().contains("different accounts"),
        "{}",
        refused.message()
    );
    assert!(!refused.message().contains(&server.admin_token));

    // Both of one account: served, as that account.
    let matching = RelaisClient::connect_with(&server.url, with_token(&system.token))
        .await
        .unwrap();
    let me = matching
        .who_am_i()
        .await
        .expect("one account, two credentials");
    assert_eq!(me.account.unwrap().id, system.id);
}
