//! The test harness: a real `relais-server` on its own SQLite file, served on
//! `127.0.0.1:0` (plaintext, or TLS with certificates of its own), and real
//! clients for the accounts a scenario needs.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use jiff::{SignedDuration, Timestamp};
use relais_client::{ConnectOptions, RelaisClient, pb};
use relais_core::clock::{Clock, SystemClock};
use relais_server::{
    config::{Config, DatabaseUrl, SlaConfig, TlsConfig},
    pki::{Ca, Issued},
};
use tempfile::TempDir;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::{Code, Status};
use tonic_types::StatusExt;

/// Generated prefecture files live in the client library, whose `relais bench`
/// sends them too: one generator for the tests and the load.
pub use relais_client::{affiliations, samples::sample_case};

/// A running server with its own database. Dropping it stops the server and
/// deletes the database.
#[derive(Debug)]
pub struct TestServer {
    pub url: String,
    pub admin_token: String,
    directory: Arc<TempDir>,
    clock: Arc<dyn Clock>,
    tls: Option<Arc<TestPki>>,
    configure: Configure,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Changes a test server's configuration before it starts (lower limits,
/// shorter token lifetimes…).
pub type Configure = fn(&mut Config);

/// How a test server serves TLS.
#[derive(Debug, Clone)]
pub struct TlsSetup {
    /// Also let clients present certificates from a client CA of the
    /// harness's own ([`TestPki::client_ca`]).
    pub client_ca: bool,
    /// How often the server looks at its certificate files for a new one.
    pub reload_interval_ms: u64,
}

impl Default for TlsSetup {
    fn default() -> Self {
        TlsSetup {
            client_ca: false,
            reload_interval_ms: 10_000,
        }
    }
}

/// The certificates of a TLS test server, kept in its temporary directory.
#[derive(Debug)]
pub struct TestPki {
    /// The CA of the server's certificate: what clients trust.
    pub ca: Ca,
    /// The CA whose client certificates the server accepts, if asked for.
    pub client_ca: Option<Ca>,
    /// The files the server reads its certificate chain and key from.
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    setup: TlsSetup,
    client_ca_path: PathBuf,
}

impl TestPki {
    fn create(directory: &TempDir, setup: TlsSetup) -> TestPki {
        let folder = directory.path().join("pki");
        std::fs::create_dir_all(&folder).expect("a directory for certificates");
        let pki = TestPki {
            ca: Ca::generate().expect("a CA"),
            client_ca: setup
                .client_ca
                .then(|| Ca::generate().expect("a client CA")),
            cert_path: folder.join("server.pem"),
            key_path: folder.join("server.key"),
            setup,
            client_ca_path: folder.join("client-ca.pem"),
        };
        pki.replace_server_certificate();
        if let Some(client_ca) = &pki.client_ca {
            std::fs::write(&pki.client_ca_path, client_ca.cert_pem()).expect("client CA written");
        }
        pki
    }

    /// Issues the server a new certificate with a new key, for `localhost`
    /// and `127.0.0.1`, and puts it in place of the files the server reads,
    /// each replaced at once (written aside, then renamed).
    pub fn replace_server_certificate(&self) -> Issued {
        let names = ["localhost".to_owned(), "127.0.0.1".to_owned()];
        let issued = self
            .ca
            .server_cert(&names, std::time::Duration::from_secs(86_400))
            .expect("a server certificate");
        for (path, contents) in [
            (&self.key_path, &issued.key_pem),
            (&self.cert_path, &issued.chain_pem),
        ] {
            let aside = PathBuf::from(format!("{}.new", path.display()));
            std::fs::write(&aside, contents).expect("a certificate file written");
            std::fs::rename(&aside, path).expect("a certificate file replaced");
        }
        issued
    }

    /// A client certificate from the client CA, valid for a day.
    pub fn client_cert(&self, common_name: &str) -> Issued {
        let now = Timestamp::now();
        self.client_ca
            .as_ref()
            .expect("a server started with a client CA")
            .client_cert(
                common_name,
                now - SignedDuration::from_mins(5),
                now + SignedDuration::from_hours(24),
            )
            .expect("a client certificate")
    }

    fn config(&self) -> TlsConfig {
        TlsConfig {
            cert: Some(self.cert_path.clone()),
            key: Some(self.key_path.clone()),
            client_ca: self.client_ca.as_ref().map(|_| self.client_ca_path.clone()),
            reload_interval_ms: self.setup.reload_interval_ms,
        }
    }
}

/// A client certificate and key as [`ConnectOptions::client_identity`] takes them.
pub fn identity(issued: &Issued) -> (Vec<u8>, Vec<u8>) {
    (
        issued.chain_pem.clone().into_bytes(),
        issued.key_pem.clone().into_bytes(),
    )
}

impl TestServer {
    /// A server on a fresh database, with its first administrator.
    pub async fn start() -> TestServer {
        show_server_logs();
        let directory = Arc::new(TempDir::new().expect("a temporary directory"));
        TestServer::start_in(directory, None, Arc::new(SystemClock), None, None, |_| {}).await
    }

    /// A server on a fresh database whose time is `clock`.
    pub async fn start_with_clock(clock: Arc<dyn Clock>) -> TestServer {
        show_server_logs();
        let directory = Arc::new(TempDir::new().expect("a temporary directory"));
        TestServer::start_in(directory, None, clock, None, None, |_| {}).await
    }

    /// A server on a fresh database whose time is `clock` and whose
    /// configuration `configure` changes.
    pub async fn start_configured(clock: Arc<dyn Clock>, configure: Configure) -> TestServer {
        show_server_logs();
        let directory = Arc::new(TempDir::new().expect("a temporary directory"));
        TestServer::start_in(directory, None, clock, None, None, configure).await
    }

    /// A server on a fresh database that serves TLS, with a certificate for
    /// `localhost` and `127.0.0.1` from a CA of its own; its clients trust
    /// that CA.
    pub async fn start_tls(setup: TlsSetup) -> TestServer {
        show_server_logs();
        let directory = Arc::new(TempDir::new().expect("a temporary directory"));
        let pki = Arc::new(TestPki::create(&directory, setup));
        TestServer::start_in(
            directory,
            None,
            Arc::new(SystemClock),
            None,
            Some(pki),
            |_| {},
        )
        .await
    }

    async fn start_in(
        directory: Arc<TempDir>,
        admin_token: Option<String>,
        clock: Arc<dyn Clock>,
        address: Option<SocketAddr>,
        tls: Option<Arc<TestPki>>,
        configure: Configure,
    ) -> TestServer {
        let database = directory.path().join("relais.db");
        let mut config = Config {
            database_url: DatabaseUrl::new(format!("sqlite://{}", database.display())),
            // Often enough that a test moving its clock sees the events at once.
            sla: SlaConfig {
                sweep_interval_ms: 20,
            },
            tls: tls.as_ref().map(|pki| pki.config()).unwrap_or_default(),
            insecure_plaintext: tls.is_none(),
            ..Config::default()
        };
        configure(&mut config);
        let admin_token = match admin_token {
            Some(token) => token,
            None => relais_server::bootstrap(&config)
                .await
                .expect("bootstrap")
                .created
                .expect("a fresh database gets an administrator")
                .token
                .expose()
                .to_owned(),
        };
        let address = address.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = TcpListener::bind(address).await.expect("a free port");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!(
            "{scheme}://{}",
            listener.local_addr().expect("a bound address")
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(relais_server::launch_with_clock(
            config,
            listener,
            shutdown,
            Arc::clone(&clock),
        ));
        TestServer {
            url,
            admin_token,
            directory,
            clock,
            tls,
            configure,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.url
            .rsplit_once("://")
            .map_or(self.url.as_str(), |(_, address)| address)
            .parse()
            .expect("the server's address")
    }

    /// The server's certificates, when it serves TLS.
    pub fn pki(&self) -> Option<&TestPki> {
        self.tls.as_deref()
    }

    /// What a client needs to reach this server: `token`, and over TLS the
    /// CA to trust.
    pub fn connect_options(&self, token: Option<&str>) -> ConnectOptions {
        ConnectOptions {
            token: token.map(str::to_owned),
            ca_cert_pem: self
                .tls
                .as_ref()
                .map(|pki| pki.ca.cert_pem().as_bytes().to_vec()),
            client_identity: None,
        }
    }

    /// The SQLite file behind this server.
    pub fn database_path(&self) -> PathBuf {
        self.directory.path().join("relais.db")
    }

    /// Stops the server gracefully and starts a new one on the same database
    /// and address: what an operator's restart does. Connected clients see
    /// the connection drop and reconnect.
    pub async fn restart(mut self) -> TestServer {
        self.shutdown().await;
        let directory = Arc::clone(&self.directory);
        let token = self.admin_token.clone();
        let address = self.address();
        let clock = Arc::clone(&self.clock);
        let tls = self.tls.clone();
        let configure = self.configure;
        TestServer::start_in(directory, Some(token), clock, Some(address), tls, configure).await
    }

    /// Stops the server and waits until it has finished.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("the server task")
                .expect("the server stopped cleanly");
        }
    }

    pub async fn client(&self, token: &str) -> RelaisClient {
        RelaisClient::connect_with(&self.url, self.connect_options(Some(token)))
            .await
            .expect("connect")
    }

    pub async fn anonymous(&self) -> RelaisClient {
        RelaisClient::connect_with(&self.url, self.connect_options(None))
            .await
            .expect("connect")
    }

    pub async fn admin(&self) -> RelaisClient {
        self.client(&self.admin_token).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An organisation created for a scenario.
#[derive(Debug, Clone)]
pub struct Org {
    pub id: String,
    pub name: String,
}

/// An account created for a scenario, with its connected client.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
    pub token: String,
    pub client: RelaisClient,
}

/// The cast most scenarios need: two funds, two partner counters, an association.
#[derive(Debug)]
pub struct World {
    pub server: TestServer,
    pub admin: RelaisClient,
    /// CPAM de Paris (75).
    pub cpam: Org,
    /// CPAM de la Seine-Saint-Denis (93).
    pub cpam_93: Org,
    /// France Services Belleville (75): partner A.
    pub counter: Org,
    /// France Services Montreuil (93): partner B.
    pub other_counter: Org,
    pub association: Org,
    /// Agents of the CPAM de Paris.
    pub agent: User,
    pub second_agent: User,
    pub supervisor: User,
    /// An agent of the CPAM 93.
    pub agent_93: User,
    /// A facilitator of partner A.
    pub partner: User,
    /// A facilitator of partner B.
    pub other_partner: User,
    /// A volunteer of the association.
    pub volunteer: User,
    /// The data-protection officer of the CPAM de Paris, who reads the audit trail.
    pub auditor: User,
}

impl World {
    pub async fn new() -> World {
        World::on(TestServer::start().await).await
    }

    /// The cast on a server whose time is `clock`.
    pub async fn with_clock(clock: Arc<dyn Clock>) -> World {
        World::on(TestServer::start_with_clock(clock).await).await
    }

    /// The cast on `server`.
    pub async fn on(server: TestServer) -> World {
        let admin = server.admin().await;
        let cpam = create_org(&admin, "CPAM de Paris", pb::OrganisationKind::Cpam, "75").await;
        let cpam_93 = create_org(
            &admin,
            "CPAM de la Seine-Saint-Denis",
            pb::OrganisationKind::Cpam,
            "93",
        )
        .await;
        let counter = create_org(
            &admin,
            "France Services Belleville",
            pb::OrganisationKind::FranceServices,
            "75",
        )
        .await;
        let other_counter = create_org(
            &admin,
            "France Services Montreuil",
            pb::OrganisationKind::FranceServices,
            "93",
        )
        .await;
        let association = create_org(
            &admin,
            "Secours populaire Paris",
            pb::OrganisationKind::Association,
            "75",
        )
        .await;
        let agent = create_user(&server, &admin, &cpam, "Awa Diallo", pb::Role::CaisseAgent).await;
        let second_agent = create_user(
            &server,
            &admin,
            &cpam,
            "Bruno Lefèvre",
            pb::Role::CaisseAgent,
        )
        .await;
        let supervisor = create_user(
            &server,
            &admin,
            &cpam,
            "Claire Martin",
            pb::Role::Supervisor,
        )
        .await;
        let agent_93 = create_user(
            &server,
            &admin,
            &cpam_93,
            "Djamel Haddad",
            pb::Role::CaisseAgent,
        )
        .await;
        let partner = create_user(
            &server,
            &admin,
            &counter,
            "Inès Moreau",
            pb::Role::PartnerAgent,
        )
        .await;
        let other_partner = create_user(
            &server,
            &admin,
            &other_counter,
            "Jules Petit",
            pb::Role::PartnerAgent,
        )
        .await;
        let volunteer = create_user(
            &server,
            &admin,
            &association,
            "Karim Benali",
            pb::Role::PartnerAgent,
        )
        .await;
        let auditor = create_user(&server, &admin, &cpam, "Léa Girard", pb::Role::Auditor).await;
        World {
            server,
            admin,
            cpam,
            cpam_93,
            counter,
            other_counter,
            association,
            agent,
            second_agent,
            supervisor,
            agent_93,
            partner,
            other_partner,
            volunteer,
            auditor,
        }
    }

    /// The Paris prefecture's one-stop desk system, which sends affiliation
    /// files (a new prefecture organisation each call).
    pub async fn prefecture_desk(&self) -> User {
        let org = create_org(
            &self.admin,
            "Préfecture de Paris",
            pb::OrganisationKind::Prefecture,
            "75",
        )
        .await;
        create_user(
            &self.server,
            &self.admin,
            &org,
            "Guichet unique",
            pb::Role::PartnerSystem,
        )
        .await
    }

    /// Partner A submits [`sample_case`] and gets its reference back.
    pub async fn submitted_case(&self) -> pb::Case {
        self.partner
            .client
            .submit_case(sample_case())
            .await
            .expect("submit")
            .case
            .expect("a case")
    }
}

pub async fn create_org(
    admin: &RelaisClient,
    name: &str,
    kind: pb::OrganisationKind,
    departement: &str,
) -> Org {
    let organisation = admin
        .create_organisation(pb::CreateOrganisationRequest {
            request_id: String::new(),
            name: name.to_owned(),
            kind: kind.into(),
            departement: departement.to_owned(),
        })
        .await
        .expect("create organisation")
        .organisation
        .expect("an organisation");
    Org {
        id: organisation.id,
        name: organisation.name,
    }
}

pub async fn create_user(
    server: &TestServer,
    admin: &RelaisClient,
    org: &Org,
    name: &str,
    role: pb::Role,
) -> User {
    let email = format!(
        "{}@{}.test",
        name.to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "."),
        org.id
    );
    let created = admin
        .create_account(pb::CreateAccountRequest {
            request_id: String::new(),
            organisation_id: org.id.clone(),
            name: name.to_owned(),
            email,
            role: role.into(),
        })
        .await
        .expect("create account");
    let account = created.account.expect("an account");
    User {
        id: account.id,
        name: account.name,
        client: server.client(&created.token).await,
        token: created.token,
    }
}

/// The fields named by an INVALID_ARGUMENT status's field violations.
pub fn violated_fields(status: &Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|v| v.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// A raw request carrying `token`, for tests that drive the generated stubs
/// directly (to choose request ids themselves, for instance).
pub fn authorized<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let value = format!("Bearer {token}")
        .parse()
        .expect("a token is header-safe");
    request.metadata_mut().insert("authorization", value);
    request
}

/// The case without what changes from one reading to the next (the time
/// elapsed and left on its promises), to compare two readings of it.
pub fn at_rest(case: Option<pb::Case>) -> Option<pb::Case> {
    case.map(|mut case| {
        if let Some(sla) = case.sla.as_mut() {
            for promise in [sla.first_response.as_mut(), sla.resolution.as_mut()]
                .into_iter()
                .flatten()
            {
                promise.elapsed = None;
                promise.remaining = None;
            }
        }
        case
    })
}

pub mod logs {
    //! The logs of every server of a test binary, kept in memory to be read.

    use std::{
        io::Write,
        sync::{Arc, Mutex, OnceLock},
    };

    use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

    /// Every log line written since the capture started.
    #[derive(Debug, Clone, Default)]
    pub struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// Captures the process's logs at `filter` (an `EnvFilter` directive).
    /// The subscriber is the process's global one: the first call in a test
    /// binary installs it, later calls share it (whatever their filter), so a
    /// binary that captures should not expect `RUST_LOG` to show logs.
    pub fn capture(filter: &str) -> Captured {
        static CAPTURED: OnceLock<Captured> = OnceLock::new();
        CAPTURED
            .get_or_init(|| {
                let captured = Captured::default();
                tracing_subscriber::fmt()
                    .with_env_filter(EnvFilter::new(filter))
                    .with_writer(captured.clone())
                    .with_ansi(false)
                    .init();
                captured
            })
            .clone()
    }
}

/// With `RUST_LOG` set, the servers' logs go to the test's output, where the
/// cause of an internal error can be read.
fn show_server_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
    });
}
