//! The `relais-server` binary as an operator runs it.

use std::{
    io::{BufRead, BufReader, Read as _},
    path::Path,
    process::{Child, Command, Output, Stdio},
    thread::JoinHandle,
};

use relais_client::{ConnectOptions, RelaisClient, pb};

const BINARY: &str = env!("CARGO_BIN_EXE_relais-server");

struct Running {
    child: Child,
    url: String,
    /// The administrator token, when this start created the administrator.
    admin_token: Option<String>,
    /// Reads the logs as they come, so that the server never blocks on a
    /// full pipe; returns them once the server has ended.
    logs: Option<JoinHandle<String>>,
}

impl Running {
    /// Kills the server and returns what it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.logs
            .take()
            .map(|reading| reading.join().expect("the logs are read"))
            .unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn database_url(directory: &Path) -> String {
    format!("sqlite://{}", directory.join("relais.db").display())
}

/// Starts the server on a free port, in plaintext, and reads what it
/// prints until it serves.
fn start(directory: &Path) -> Running {
    start_with(directory, &["--insecure-plaintext"])
}

fn start_with(directory: &Path, transport: &[&str]) -> Running {
    let mut child = Command::new(BINARY)
        .args(transport)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &database_url(directory),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("relais-server starts");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let logs = std::thread::spawn(move || {
        let mut logs = String::new();
        let _ = stderr.read_to_string(&mut logs);
        logs
    });
    let stdout = child.stdout.take().expect("piped stdout");
    let mut admin_token = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("readable output");
        if let Some(token) = line.trim().strip_prefix("export RELAIS_TOKEN=") {
            admin_token = Some(token.to_owned());
        }
        if let Some(rest) = line.strip_prefix("Relais is serving on ") {
            let url = rest.split_whitespace().next().expect("a URL").to_owned();
            return Running {
                child,
                url,
                admin_token,
                logs: Some(logs),
            };
        }
    }
    let _ = child.kill();
    let status = child.wait();
    let logs = logs.join().unwrap_or_default();
    panic!("relais-server ended before serving: {status:?}\n{logs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_makes_a_ca_and_certificates_and_serves_tls_with_them() {
    let directory = tempfile::tempdir().unwrap();
    let pki = directory.path().join("pki");
    let pki = pki.to_str().unwrap();
    let made = run(&["pki", "init", "--dir", pki]);
    assert!(made.status.success(), "{made:?}");
    let issued = run(&[
        "pki",
        "server-cert",
        "--dir",
        pki,
        "--name",
        "localhost",
        "--name",
        "127.0.0.1",
    ]);
    assert!(issued.status.success(), "{issued:?}");
    let again = run(&["pki", "init", "--dir", pki]);
    assert!(!again.status.success(), "a CA is never replaced by mistake");

    let cert = format!("{pki}/server.pem");
    let key = format!("{pki}/server.key");
    let server = start_with(directory.path(), &["--tls-cert", &cert, "--tls-key", &key]);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let token = server.admin_token.clone().unwrap();
    let options = ConnectOptions {
        token: Some(token.clone()),
        ca_cert_pem: Some(std::fs::read(format!("{pki}/ca.pem")).unwrap()),
        client_identity: None,
    };
    let admin = RelaisClient::connect_with(&server.url, options)
        .await
        .expect("the client trusts the operator's CA");
    admin.who_am_i().await.unwrap();

    // Without the CA, the client trusts only the system's: refused.
    let refused = RelaisClient::connect(&server.url, Some(&token)).await;
    assert!(refused.is_err(), "an unknown CA is not trusted");
}

fn run(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .output()
        .expect("relais-server runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_start_prints_the_admin_token_once_and_acknowledged_cases_survive_a_kill() {
    let directory = tempfile::tempdir().unwrap();
    let first = start(directory.path());
    let token = first
        .admin_token
        .clone()
        .expect("a fresh database prints the administrator's token");
    let admin = RelaisClient::connect(&first.url, Some(&token))
        .await
        .unwrap();
    let cpam = admin
        .create_organisation(pb::CreateOrganisationRequest {
            name: "CPAM de Paris".to_owned(),
            kind: pb::OrganisationKind::Cpam.into(),
            departement: "75".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap();
    let counter = admin
        .create_organisation(pb::CreateOrganisationRequest {
            name: "France Services Belleville".to_owned(),
            kind: pb::OrganisationKind::FranceServices.into(),
            departement: "75".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .organisation
        .unwrap();
    assert!(cpam.organisation.is_some());
    let partner_token = admin
        .create_account(pb::CreateAccountRequest {
            organisation_id: counter.id,
            name: "Inès Moreau".to_owned(),
            email: "ines@fs-belleville.example".to_owned(),
            role: pb::Role::PartnerAgent.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .token;
    let partner = RelaisClient::connect(&first.url, Some(&partner_token))
        .await
        .unwrap();
    let mut acknowledged = Vec::new();
    for i in 0..10 {
        let case = partner.submit_case(case(i)).await.unwrap().case.unwrap();
        acknowledged.push(case.reference);
    }

    // No graceful shutdown: the process is killed outright.
    drop(first);

    let second = start(directory.path());
    assert!(
        second.admin_token.is_none(),
        "the token is printed on the first start only"
    );
    let partner = RelaisClient::connect(&second.url, Some(&partner_token))
        .await
        .unwrap();
    let listed = partner
        .list_cases(pb::ListCasesRequest::default())
        .await
        .unwrap();
    let references: Vec<String> = listed.cases.into_iter().map(|c| c.reference).collect();
    assert_eq!(references, acknowledged);
}

fn case(i: usize) -> pb::SubmitCaseRequest {
    pb::SubmitCaseRequest {
        category: pb::Category::RightsCertificate.into(),
        subject: format!("Attestation de droits {i}"),
        description: "Besoin d'une attestation pour une hospitalisation.".to_owned(),
        beneficiary: Some(pb::Beneficiary {
            last_name: "Martin".to_owned(),
            first_names: "Lucie".to_owned(),
            birth_date: "1980-02-03".to_owned(),
            residence: Some(pb::beneficiary::Residence::PostalAddress(
                pb::PostalAddress {
                    line1: "3 rue des Pyrénées".to_owned(),
                    postal_code: "75020".to_owned(),
                    city: "Paris".to_owned(),
                    ..Default::default()
                },
            )),
            ..Default::default()
        }),
        consent: Some(pb::Consent {
            r#type: pb::ConsentType::Phone.into(),
            date: "2026-02-01".to_owned(),
        }),
        ..Default::default()
    }
}

#[test]
fn bootstrap_prints_json_once_and_then_creates_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let url = database_url(directory.path());
    let first = run(&["bootstrap", "--json", "--database-url", &url]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(created["created"], true);
    assert!(created["token"].as_str().unwrap().starts_with("rls_"));
    assert!(created["account_id"].as_str().is_some());

    let second = run(&["bootstrap", "--json", "--database-url", &url]);
    assert!(second.status.success());
    let again: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(again, serde_json::json!({ "created": false }));
}

#[test]
fn plaintext_is_refused_off_loopback_with_the_reason() {
    let directory = tempfile::tempdir().unwrap();
    let url = database_url(directory.path());
    let output = run(&[
        "--insecure-plaintext",
        "--listen",
        "0.0.0.0:0",
        "--database-url",
        &url,
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("only serves a loopback address"),
        "{stderr}"
    );
    assert!(
        !directory.path().join("relais.db").exists(),
        "nothing is created before the transport is accepted"
    );
}

#[test]
fn without_tls_or_the_explicit_flag_the_server_refuses_to_start_and_says_how() {
    let directory = tempfile::tempdir().unwrap();
    let url = database_url(directory.path());
    let output = run(&["--listen", "127.0.0.1:0", "--database-url", &url]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--tls-cert"), "{stderr}");
    assert!(stderr.contains("--insecure-plaintext"), "{stderr}");
}

#[test]
fn a_misspelt_setting_is_an_error_not_a_default() {
    let directory = tempfile::tempdir().unwrap();
    let config = directory.path().join("relais.toml");
    std::fs::write(&config, "lisen = \"127.0.0.1:6000\"\n").unwrap();
    let output = run(&["bootstrap", "--config", config.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lisen"), "{stderr}");
}

/// The permission bits of `path`, in octal as `ls` and `chmod` show them.
#[cfg(unix)]
fn mode(path: &Path) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let metadata =
        std::fs::metadata(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    format!("{:04o}", metadata.permissions().mode() & 0o777)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_new_database_and_the_directory_made_for_it_are_private() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("data");
    let server = start(&data);
    // A write, so that SQLite has its write-ahead log and its index open.
    let admin = RelaisClient::connect(&server.url, server.admin_token.as_deref())
        .await
        .unwrap();
    admin
        .create_organisation(pb::CreateOrganisationRequest {
            name: "CPAM de Paris".to_owned(),
            kind: pb::OrganisationKind::Cpam.into(),
            departement: "75".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mode(&data), "0700", "the directory the server made");
    for file in ["relais.db", "relais.db-wal", "relais.db-shm"] {
        assert_eq!(mode(&data.join(file)), "0600", "{file}");
    }
}

/// Starts the server on `directory`'s database, waits until it answers
/// (it has then said all it says at start-up), and stops it: its logs.
async fn start_up_logs(directory: &Path, token: &str) -> String {
    let server = start(directory);
    RelaisClient::connect(&server.url, Some(token))
        .await
        .unwrap()
        .who_am_i()
        .await
        .expect("the server answers");
    server.stop()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_database_others_may_read_is_reported_at_start_up_and_left_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("relais.db");
    let token = start(directory.path()).admin_token.clone().unwrap();
    let quiet = start_up_logs(directory.path(), &token).await;
    assert!(!quiet.contains("chmod"), "a private database: {quiet}");

    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644)).unwrap();
    let logs = start_up_logs(directory.path(), &token).await;
    let path = database.display().to_string();
    let warning = logs
        .lines()
        .find(|line| line.contains("WARN") && line.contains(&format!("chmod 600 {path}")))
        .unwrap_or_else(|| panic!("no warning naming the fix:\n{logs}"));
    assert!(warning.contains("0644"), "{warning}");
    assert_eq!(
        mode(&database),
        "0644",
        "the operator decides, not the server"
    );
}
