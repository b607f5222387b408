//! The command line's credentials against a real server: profiles, TLS and
//! client certificates, the life of a token, and the audit trail.

mod support;

use std::{
    fs,
    path::{Path, PathBuf},
};

use jiff::{SignedDuration, Timestamp};
use relais_client::pb;
use relais_tests::{TestServer, TlsSetup, World, create_org, create_user};
use serde_json::Value;
use support::{relais, relais_with};
use tempfile::TempDir;

async fn tls_server() -> TestServer {
    TestServer::start_tls(TlsSetup {
        client_ca: true,
        ..TlsSetup::default()
    })
    .await
}

/// Writes `text` to `name` in `dir` and gives its path as a string.
fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    fs::write(&path, text).expect("a file written");
    path.to_str().expect("a UTF-8 path").to_owned()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

/// The entries of a listing printed with `--json`.
fn items<'a>(json: &'a Value, key: &str) -> &'a Vec<Value> {
    json[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key:?} array in {json}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_says_where_the_server_is_and_who_calls() {
    let server = tls_server().await;
    let dir = TempDir::new().unwrap();
    write(&dir, "ca.pem", server.pki().unwrap().ca.cert_pem());
    let token_file = PathBuf::from(write(
        &dir,
        "admin.token",
        &format!("{}\n", server.admin_token),
    ));
    set_mode(&token_file, 0o600);
    // Relative paths: next to the file.
    let config = write(
        &dir,
        "config.toml",
        &format!(
            r#"default_profile = "paris"

[profiles.paris]
url = "{}"
ca_cert = "ca.pem"
token_file = "admin.token"

[profiles.lyon]
url = "https://127.0.0.1:1"
"#,
            server.url
        ),
    );
    let env = [("RELAIS_CONFIG", config.as_str())];

    let me = relais_with(&env, &["whoami", "--json"]).json();
    assert_eq!(me["account"]["role"], "ROLE_ADMIN", "{me}");
    relais_with(&env, &["--profile", "paris", "whoami"]).ok();
    let by_variable = [
        ("RELAIS_CONFIG", config.as_str()),
        ("RELAIS_PROFILE", "paris"),
    ];
    assert_eq!(
        relais_with(&by_variable, &["whoami", "-q"]).ok().trim(),
        me["account"]["id"].as_str().unwrap()
    );

    // A flag or a variable comes before the profile, one setting at a time.
    let stderr = relais_with(&env, &["--url", "https://127.0.0.1:1", "whoami"]).failed();
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    let with_token = [
        ("RELAIS_CONFIG", config.as_str()),
        ("RELAIS_TOKEN", "rls_not_a_token"),
    ];
    let stderr = relais_with(&with_token, &["whoami"]).failed();
    assert!(stderr.starts_with("relais: UNAUTHENTICATED: "), "{stderr}");

    // Without the CA, the server's certificate is not trusted, and the CLI says what to do.
    let stderr = relais(&server.url, Some(&server.admin_token), &["whoami"]).failed();
    assert!(stderr.contains("--ca-cert"), "{stderr}");

    let stderr = relais_with(&env, &["--profile", "other", "whoami"]).failed();
    assert!(
        stderr.contains("\"other\"") && stderr.contains("lyon, paris"),
        "{stderr}"
    );
    let stderr = relais_with(&[("RELAIS_PROFILE", "other")], &["whoami"]).failed();
    assert!(
        stderr.contains("/nonexistent/relais/config.toml does not exist"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_token_file_others_may_read_is_refused() {
    let server = tls_server().await;
    let dir = TempDir::new().unwrap();
    let ca = write(&dir, "ca.pem", server.pki().unwrap().ca.cert_pem());
    let token_file = write(&dir, "paris.token", &server.admin_token);
    set_mode(Path::new(&token_file), 0o644);
    // Absolute paths, and no default profile: asked for by name.
    let config = write(
        &dir,
        "config.toml",
        &format!(
            "[profiles.paris]\nurl = \"{}\"\nca_cert = \"{ca}\"\ntoken_file = \"{token_file}\"\n",
            server.url
        ),
    );
    let env = [
        ("RELAIS_CONFIG", config.as_str()),
        ("RELAIS_PROFILE", "paris"),
    ];
    let stderr = relais_with(&env, &["whoami"]).failed();
    assert!(
        stderr.contains(&format!("chmod 600 {token_file}")) && stderr.contains("0644"),
        "{stderr}"
    );
    assert!(!stderr.contains(&server.admin_token), "{stderr}");

    set_mode(Path::new(&token_file), 0o600);
    relais_with(&env, &["whoami"]).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bound_client_certificate_stands_for_its_account() {
    let server = tls_server().await;
    let admin = server.admin().await;
    let counter = create_org(
        &admin,
        "France Services Belleville",
        pb::OrganisationKind::FranceServices,
        "75",
    )
    .await;
    let system = create_user(
        &server,
        &admin,
        &counter,
        "Guichet numérique",
        pb::Role::PartnerSystem,
    )
    .await;
    let pki = server.pki().unwrap();
    let issued = pki.client_cert("guichet-numerique");
    let fingerprint = issued.fingerprint.to_string();
    let dir = TempDir::new().unwrap();
    let ca = write(&dir, "ca.pem", pki.ca.cert_pem());
    let cert = write(&dir, "client.pem", &issued.chain_pem);
    let key = write(&dir, "client.key", &issued.key_pem);
    let url = server.url.as_str();
    let as_admin = |args: &[&str]| {
        let mut all = vec!["--ca-cert", ca.as_str()];
        all.extend_from_slice(args);
        relais_with(
            &[("RELAIS_URL", url), ("RELAIS_TOKEN", &server.admin_token)],
            &all,
        )
    };
    let by_certificate = |args: &[&str]| {
        let mut all = vec![
            "--ca-cert",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &key,
        ];
        all.extend_from_slice(args);
        relais_with(&[("RELAIS_URL", url)], &all)
    };

    // Presented but not bound yet.
    let stderr = by_certificate(&["whoami"]).failed();
    assert!(stderr.contains("not bound"), "{stderr}");

    let bound = as_admin(&[
        "admin",
        "cert",
        "bind",
        "--account",
        &system.id,
        "--fingerprint",
        &fingerprint,
    ])
    .ok();
    assert!(
        bound.contains(&fingerprint) && bound.contains("Guichet numérique"),
        "{bound}"
    );
    let listed = as_admin(&["admin", "cert", "list", "--account", &system.id, "--json"]).json();
    let bindings = items(&listed, "bindings");
    assert_eq!(bindings.len(), 1, "{listed}");
    assert_eq!(bindings[0]["fingerprint"], fingerprint.as_str());
    assert_eq!(bindings[0]["account"]["id"], system.id.as_str());
    let table = as_admin(&["admin", "cert", "list"]).ok();
    assert!(
        table.starts_with("FINGERPRINT") && table.contains(&fingerprint),
        "{table}"
    );

    let me = by_certificate(&["whoami", "--json"]).json();
    assert_eq!(me["account"]["id"], system.id.as_str(), "{me}");
    let shown = by_certificate(&["whoami"]).ok();
    assert!(shown.contains("Guichet numérique"), "{shown}");

    // The same from the environment, and from a profile.
    let from_environment = [
        ("RELAIS_URL", url),
        ("RELAIS_CA_CERT", ca.as_str()),
        ("RELAIS_CLIENT_CERT", cert.as_str()),
        ("RELAIS_CLIENT_KEY", key.as_str()),
    ];
    assert_eq!(
        relais_with(&from_environment, &["whoami", "-q"])
            .ok()
            .trim(),
        system.id
    );
    let config = write(
        &dir,
        "config.toml",
        &format!(
            "default_profile = \"guichet\"\n[profiles.guichet]\nurl = \"{url}\"\n\
             ca_cert = \"ca.pem\"\nclient_cert = \"client.pem\"\nclient_key = \"client.key\"\n"
        ),
    );
    assert_eq!(
        relais_with(&[("RELAIS_CONFIG", &config)], &["whoami", "-q"])
            .ok()
            .trim(),
        system.id
    );

    let unbound = as_admin(&["admin", "cert", "unbind", &fingerprint, "-q"]).ok();
    assert_eq!(unbound.trim(), fingerprint);
    let stderr = by_certificate(&["whoami"]).failed();
    assert!(
        stderr.starts_with("relais: UNAUTHENTICATED: ") && stderr.contains("not bound"),
        "{stderr}"
    );
    // A certificate was given: no hint about a missing token.
    assert!(!stderr.contains("hint"), "{stderr}");
}

#[test]
fn transport_mistakes_are_named_before_any_call() {
    let dir = TempDir::new().unwrap();
    let offline = [("RELAIS_URL", "https://127.0.0.1:1")];
    let cert = write(
        &dir,
        "client.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    );

    let stderr = relais_with(&offline, &["--client-cert", &cert, "whoami"]).misused();
    assert!(
        stderr.contains("--client-key") && stderr.contains("--client-cert"),
        "{stderr}"
    );
    let stderr = relais_with(
        &[
            ("RELAIS_URL", "https://127.0.0.1:1"),
            ("RELAIS_CLIENT_KEY", &cert),
        ],
        &["whoami"],
    )
    .misused();
    assert!(stderr.contains("--client-cert"), "{stderr}");

    let missing = dir.path().join("missing.key");
    let missing = missing.to_str().unwrap();
    let stderr = relais_with(
        &offline,
        &["--client-cert", &cert, "--client-key", missing, "whoami"],
    )
    .failed();
    assert!(
        stderr.contains(missing) && stderr.contains("--client-key"),
        "{stderr}"
    );
    // A certificate where the key should be.
    let stderr = relais_with(
        &offline,
        &["--client-cert", &cert, "--client-key", &cert, "whoami"],
    )
    .failed();
    assert!(stderr.contains("private key"), "{stderr}");

    let config = write(
        &dir,
        "config.toml",
        "[profiles.paris]\nurl = \"https://127.0.0.1:1\"\ncacert = \"ca.pem\"\n",
    );
    let stderr = relais_with(&[("RELAIS_CONFIG", &config)], &["whoami"]).failed();
    assert!(
        stderr.contains(&config) && stderr.contains("cacert"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_issued_rotated_and_revoked() {
    let world = World::new().await;
    let url = world.server.url.as_str();
    let admin = Some(world.server.admin_token.as_str());
    let account = world.partner.id.as_str();
    let whoami = |token: &str| relais(url, Some(token), &["whoami", "-q"]);
    let tokens = || {
        let listed = relais(
            url,
            admin,
            &["admin", "token", "list", "--account", account, "--json"],
        )
        .json();
        items(&listed, "tokens").clone()
    };
    let token_with = |id: &str| {
        tokens()
            .into_iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("no token {id} listed"))
    };

    let first = relais(url, admin, &["admin", "token", "issue", account, "-q"]).ok();
    let first = first.trim();
    assert!(first.starts_with("rls_"), "{first:?}");
    assert_eq!(whoami(first).ok().trim(), account);

    let issued = relais(
        url,
        admin,
        &[
            "admin",
            "token",
            "issue",
            account,
            "--validity",
            "30d",
            "--json",
        ],
    )
    .json();
    let second = issued["token"].as_str().unwrap();
    let second_id = issued["token_id"].as_str().unwrap();
    let expires: Timestamp = issued["info"]["expire_time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let left = expires.duration_since(Timestamp::now());
    assert!(
        left > SignedDuration::from_hours(719) && left <= SignedDuration::from_hours(720),
        "{left:?}"
    );
    // The account's first token, and the two issued here.
    assert_eq!(tokens().len(), 3);
    let listed = token_with(second_id);
    assert_eq!(listed["active"], true, "{listed}");
    assert_eq!(listed["account"]["id"], account, "{listed}");

    let third = relais(
        url,
        admin,
        &["admin", "token", "rotate", second_id, "--grace", "0s", "-q"],
    )
    .ok();
    let third = third.trim();
    assert!(third.starts_with("rls_") && third != second, "{third:?}");
    assert_eq!(whoami(third).ok().trim(), account);
    let refused = whoami(second).failed();
    assert!(
        refused.starts_with("relais: UNAUTHENTICATED: "),
        "{refused}"
    );
    let replaced = token_with(second_id);
    assert_ne!(replaced["active"], true, "{replaced}");
    let third_id = replaced["replaced_by"].as_str().expect("replaced_by");
    let table = relais(
        url,
        admin,
        &["admin", "token", "list", "--account", account],
    )
    .ok();
    let row = table
        .lines()
        .find(|l| l.starts_with(second_id))
        .unwrap_or_else(|| panic!("no row for {second_id} in\n{table}"));
    assert!(row.contains(third_id) && row.ends_with(" no"), "{row}");
    assert!(
        table.lines().next().unwrap().contains("REPLACED BY"),
        "{table}"
    );

    let revoked = relais(url, admin, &["admin", "token", "revoke", third_id, "-q"]).ok();
    assert_eq!(revoked.trim(), third_id);
    let refused = whoami(third).failed();
    assert!(
        refused.starts_with("relais: UNAUTHENTICATED: "),
        "{refused}"
    );
    assert_ne!(token_with(third_id)["active"], true);
    // The account's other tokens still work.
    assert_eq!(whoami(first).ok().trim(), account);

    // With a grace period, both work for a while, and people are told until when.
    let fourth = relais(url, admin, &["admin", "token", "issue", account, "--json"]).json();
    let fourth_token = fourth["token"].as_str().unwrap();
    let rotated = relais(
        url,
        admin,
        &[
            "admin",
            "token",
            "rotate",
            fourth["token_id"].as_str().unwrap(),
            "--grace",
            "1h",
        ],
    )
    .ok();
    assert!(
        rotated.contains("\n  export RELAIS_TOKEN=rls_"),
        "{rotated}"
    );
    assert!(rotated.contains("keeps working until"), "{rotated}");
    assert!(!rotated.contains(fourth_token), "{rotated}");
    assert_eq!(whoami(fourth_token).ok().trim(), account);
}

#[tokio::test(flavor = "multi_thread")]
async fn auditors_see_who_read_a_case() {
    let world = World::new().await;
    let url = world.server.url.as_str();
    let auditor = create_user(
        &world.server,
        &world.admin,
        &world.cpam,
        "Odile Vernet",
        pb::Role::Auditor,
    )
    .await;
    let case = world.submitted_case().await;
    world
        .agent
        .client
        .get_case(&case.reference)
        .await
        .expect("the agent reads the case");
    let audit = |args: &[&str]| {
        let mut all = vec!["audit", "list"];
        all.extend_from_slice(args);
        relais(url, Some(&auditor.token), &all)
    };

    let listed = audit(&["--case", &case.reference, "--json"]).json();
    let entries = items(&listed, "entries");
    let by = |rpc: &str| {
        entries
            .iter()
            .find(|e| e["rpc"] == rpc)
            .unwrap_or_else(|| panic!("no {rpc} in {listed}"))
    };
    let submitted = by("relais.v1.CaseService/SubmitCase");
    assert_eq!(submitted["account"]["id"], world.partner.id.as_str());
    assert_eq!(submitted["outcome"], "OK");
    let read = by("relais.v1.CaseService/GetCase");
    assert_eq!(read["account"]["id"], world.agent.id.as_str());
    assert_eq!(read["case_reference"], case.reference.as_str());

    let table = audit(&["--case", &case.reference]).ok();
    let row = table
        .lines()
        .find(|l| l.contains("CaseService/GetCase"))
        .unwrap_or_else(|| panic!("no GetCase row in\n{table}"));
    for expected in ["Awa Diallo", "CPAM de Paris", &case.reference, "token:"] {
        assert!(row.contains(expected), "{expected:?} missing from {row:?}");
    }

    let agents = audit(&["--account", &world.agent.id, "--json"]).json();
    let entries = items(&agents, "entries");
    assert!(!entries.is_empty(), "{agents}");
    assert!(
        entries
            .iter()
            .all(|e| e["account"]["id"] == world.agent.id.as_str()),
        "{agents}"
    );
    let none = audit(&["--since", "2999-01-01", "--json"]).json();
    assert!(items(&none, "entries").is_empty(), "{none}");
    assert_eq!(audit(&["--limit", "1", "-q"]).ok().lines().count(), 1);

    let stderr = relais(url, Some(&world.partner.token), &["audit", "list"]).failed();
    assert!(
        stderr.starts_with("relais: PERMISSION_DENIED: "),
        "{stderr}"
    );
}

#[test]
fn bad_durations_and_instants_name_their_flag() {
    let offline = "http://127.0.0.1:1";
    for (args, flag) in [
        (
            &["admin", "token", "issue", "x", "--validity", "banana"][..],
            "--validity",
        ),
        (
            &["admin", "token", "rotate", "x", "--grace=-1h"][..],
            "--grace",
        ),
        (&["audit", "list", "--since", "yesterday"][..], "--since"),
    ] {
        let stderr = relais(offline, None, args).misused();
        assert!(stderr.contains(flag), "{stderr}");
    }
    let stderr = relais(
        offline,
        None,
        &["admin", "token", "issue", "x", "--validity", "banana"],
    )
    .misused();
    assert!(stderr.contains("30d"), "{stderr}");
}
