//! How to reach the server and whom to present: each setting from its flag
//! or environment variable, else from the profile, else the built-in default.

use std::{
    fs,
    path::{Path, PathBuf},
};

use clap::Args;
use relais_client::ConnectOptions;
use tonic::Code;

use super::{
    Token,
    error::Failure,
    profile::{self, Profile},
};

const DEFAULT_URL: &str = "http://127.0.0.1:50051";

#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub(crate) struct Transport {
    /// The Relais server [default: the profile's, else http://127.0.0.1:50051].
    #[arg(long, env = "RELAIS_URL", global = true)]
    url: Option<String>,
    /// Your bearer token (`rls_…`) [default: the profile's token_file].
    #[arg(long, env = "RELAIS_TOKEN", hide_env_values = true, global = true)]
    token: Option<Token>,
    /// The CA certificate (PEM) to trust for https:// [default: the
    /// profile's, else the system's certificate authorities].
    #[arg(long, env = "RELAIS_CA_CERT", value_name = "FILE", global = true)]
    ca_cert: Option<PathBuf>,
    /// A client certificate (PEM) to authenticate with instead of a token;
    /// needs --client-key.
    #[arg(
        long,
        env = "RELAIS_CLIENT_CERT",
        value_name = "FILE",
        global = true,
        requires = "client_key"
    )]
    client_cert: Option<PathBuf>,
    /// The private key (PEM) of --client-cert.
    #[arg(
        long,
        env = "RELAIS_CLIENT_KEY",
        value_name = "FILE",
        global = true,
        requires = "client_cert"
    )]
    client_key: Option<PathBuf>,
    /// The profile to use from the configuration file [default: its default_profile].
    #[arg(long, env = "RELAIS_PROFILE", value_name = "NAME", global = true)]
    profile: Option<String>,
    /// The configuration file holding the profiles [default:
    /// $XDG_CONFIG_HOME/relais/config.toml or ~/.config/relais/config.toml].
    #[arg(long, env = "RELAIS_CONFIG", value_name = "FILE", global = true)]
    config: Option<PathBuf>,
}

/// Everything needed to connect, read and checked.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) url: String,
    pub(crate) options: ConnectOptions,
}

impl Connection {
    pub(crate) fn resolve(transport: Transport) -> Result<Connection, Failure> {
        let home = non_empty_env("HOME");
        let config = transport.config.clone().or_else(|| {
            profile::default_path(non_empty_env("XDG_CONFIG_HOME").as_deref(), home.as_deref())
        });
        // An empty variable is an unset one, as a shell's `VAR= relais …` means.
        let wanted = transport
            .profile
            .as_deref()
            .filter(|n| !n.trim().is_empty());
        let profile = profile::load(config.as_deref(), home.as_deref(), wanted)?;
        Connection::from_layers(transport, profile.as_ref())
    }

    fn from_layers(transport: Transport, profile: Option<&Profile>) -> Result<Connection, Failure> {
        let flag = |flag: &str, env: &str| format!("{flag} or {env}");
        let url = transport
            .url
            .filter(|url| !url.trim().is_empty())
            .or_else(|| profile.and_then(|p| p.url.clone()))
            .unwrap_or_else(|| DEFAULT_URL.to_owned());
        let token = match (transport.token, profile) {
            (Some(token), _) if !token.expose().trim().is_empty() => Some(token),
            (_, Some(profile)) => match &profile.token_file {
                Some(path) => Some(profile::read_token(path, &profile.origin("token_file"))?),
                None => None,
            },
            _ => None,
        };
        let profile_ca = profile.and_then(|p| p.ca_cert.as_ref().map(|path| (p, path)));
        let ca_cert_pem = match (transport.ca_cert, profile_ca) {
            (Some(path), _) => Some(read_pem(
                &path,
                &flag("--ca-cert", "RELAIS_CA_CERT"),
                Pem::Certificate,
            )?),
            (None, Some((profile, path))) => Some(read_pem(
                path,
                &profile.origin("ca_cert"),
                Pem::Certificate,
            )?),
            (None, None) => None,
        };
        // A certificate and a key come as a pair from one place: half from
        // a flag and half from a profile would rarely belong together.
        let client_identity = match (transport.client_cert, transport.client_key) {
            (Some(cert), Some(key)) => Some((
                read_pem(
                    &cert,
                    &flag("--client-cert", "RELAIS_CLIENT_CERT"),
                    Pem::Certificate,
                )?,
                read_pem(&key, &flag("--client-key", "RELAIS_CLIENT_KEY"), Pem::Key)?,
            )),
            (None, None) => {
                match profile.and_then(|p| p.client_identity.as_ref().map(|i| (p, i))) {
                    Some((profile, (cert, key))) => Some((
                        read_pem(cert, &profile.origin("client_cert"), Pem::Certificate)?,
                        read_pem(key, &profile.origin("client_key"), Pem::Key)?,
                    )),
                    None => None,
                }
            }
            // clap requires each with the other; kept for a caller that does not.
            _ => {
                return Err(Failure::local(
                    Code::InvalidArgument,
                    "--client-cert and --client-key go together: give both, or neither",
                ));
            }
        };
        Ok(Connection {
            url,
            options: ConnectOptions {
                token: token.map(|t| t.expose().to_owned()),
                ca_cert_pem,
                client_identity,
            },
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Pem {
    Certificate,
    Key,
}

impl Pem {
    fn what(self) -> &'static str {
        match self {
            Pem::Certificate => "a PEM certificate",
            Pem::Key => "a PEM private key",
        }
    }

    /// The start of the PEM blocks this kind of file holds: `PRIVATE KEY`
    /// covers PKCS#8 and the older RSA and EC forms.
    fn holds(self, text: &str) -> bool {
        match self {
            Pem::Certificate => text.contains("-----BEGIN CERTIFICATE-----"),
            Pem::Key => text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----"),
        }
    }
}

/// A PEM file's bytes, with the file and where it was named in any error:
/// TLS libraries report a swapped certificate and key, or a DER file, only
/// as a failed handshake.
fn read_pem(path: &Path, origin: &str, kind: Pem) -> Result<Vec<u8>, Failure> {
    let bytes = fs::read(path).map_err(|e| {
        Failure::local(
            Code::InvalidArgument,
            format!("cannot read {} ({origin}): {e}", path.display()),
        )
    })?;
    if !kind.holds(&String::from_utf8_lossy(&bytes)) {
        return Err(Failure::local(
            Code::InvalidArgument,
            format!(
                "{} ({origin}) does not hold {}",
                path.display(),
                kind.what()
            ),
        ));
    }
    Ok(bytes)
}

fn non_empty_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

    fn transport() -> Transport {
        Transport {
            url: None,
            token: None,
            ca_cert: None,
            client_cert: None,
            client_key: None,
            profile: None,
            config: None,
        }
    }

    struct Files(tempfile::TempDir);

    impl Files {
        fn new() -> Files {
            let files = Files(tempfile::tempdir().unwrap());
            for (name, text) in [
                ("ca.pem", CERT),
                ("profile-ca.pem", CERT),
                ("client.pem", CERT),
                ("client.key", KEY),
            ] {
                fs::write(files.path(name), text).unwrap();
            }
            files
        }

        fn path(&self, name: &str) -> PathBuf {
            self.0.path().join(name)
        }

        fn profile(&self) -> Profile {
            Profile {
                name: "paris".to_owned(),
                file: self.path("config.toml"),
                url: Some("https://paris.example:50051".to_owned()),
                ca_cert: Some(self.path("profile-ca.pem")),
                client_identity: Some((self.path("client.pem"), self.path("client.key"))),
                token_file: None,
            }
        }
    }

    #[test]
    fn without_anything_the_local_server_is_used() {
        let connection = Connection::from_layers(transport(), None).unwrap();
        assert_eq!(connection.url, DEFAULT_URL);
        assert!(connection.options.token.is_none());
        assert!(connection.options.ca_cert_pem.is_none());
    }

    #[test]
    fn flags_win_over_the_profile_one_setting_at_a_time() {
        let files = Files::new();
        let profile = files.profile();
        let from_profile = Connection::from_layers(transport(), Some(&profile)).unwrap();
        assert_eq!(from_profile.url, "https://paris.example:50051");
        assert!(from_profile.options.client_identity.is_some());

        fs::write(files.path("ca.pem"), CERT.replace("MIIB", "MIIC")).unwrap();
        let flags = Transport {
            url: Some("https://lyon.example:50051".to_owned()),
            token: Some(Token::from("rls_flag".to_owned())),
            ca_cert: Some(files.path("ca.pem")),
            ..transport()
        };
        let connection = Connection::from_layers(flags, Some(&profile)).unwrap();
        assert_eq!(connection.url, "https://lyon.example:50051");
        assert_eq!(connection.options.token.as_deref(), Some("rls_flag"));
        assert!(
            String::from_utf8(connection.options.ca_cert_pem.unwrap())
                .unwrap()
                .contains("MIIC")
        );
        // Not given by a flag: still the profile's.
        assert!(connection.options.client_identity.is_some());
    }

    #[test]
    fn unreadable_files_are_named_with_their_flag() {
        let files = Files::new();
        let missing = Transport {
            ca_cert: Some(files.path("nope.pem")),
            ..transport()
        };
        let human = Connection::from_layers(missing, None).unwrap_err().human();
        assert!(
            human.contains("nope.pem") && human.contains("--ca-cert"),
            "{human}"
        );

        let swapped = Transport {
            client_cert: Some(files.path("client.key")),
            client_key: Some(files.path("client.pem")),
            ..transport()
        };
        let human = Connection::from_layers(swapped, None).unwrap_err().human();
        assert!(
            human.contains("client.key (--client-cert") && human.contains("PEM certificate"),
            "{human}"
        );

        let mut profile = files.profile();
        profile.ca_cert = Some(files.path("gone.pem"));
        let human = Connection::from_layers(transport(), Some(&profile))
            .unwrap_err()
            .human();
        assert!(
            human.contains("gone.pem") && human.contains("ca_cert of profile paris"),
            "{human}"
        );
    }

    #[test]
    fn half_a_client_identity_names_both_flags() {
        let files = Files::new();
        let half = Transport {
            client_cert: Some(files.path("client.pem")),
            ..transport()
        };
        let human = Connection::from_layers(half, None).unwrap_err().human();
        assert!(
            human.contains("--client-cert") && human.contains("--client-key"),
            "{human}"
        );
    }
}
