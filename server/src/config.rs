//! Server configuration, layered: defaults, then a TOML file (`--config`),
//! then `RELAIS__*` environment variables (`RELAIS__DATABASE_URL`,
//! `RELAIS__LOG__FORMAT`), then command-line flags. Unknown keys are errors,
//! so a typo never silently falls back to a default.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the gRPC API listens.
    pub listen: SocketAddr,
    /// `sqlite://FILE` (created if missing).
    pub database_url: DatabaseUrl,
    pub log: LogConfig,
    pub sla: SlaConfig,
    pub tls: TlsConfig,
    pub tokens: TokensConfig,
    pub limits: LimitsConfig,
    pub audit: AuditConfig,
    pub batches: BatchesConfig,
    /// Serve without TLS. Only for development: plaintext is refused
    /// unless this is set, and even then only on a loopback address.
    pub insecure_plaintext: bool,
}

/// Transport security. TLS is on when `cert` and `key` are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain: the server's certificate first, then any
    /// intermediates.
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of the certificate.
    pub key: Option<PathBuf>,
    /// PEM certificate(s) of the CA that issues client certificates. When
    /// set, clients may present a certificate (bearer tokens still work).
    pub client_ca: Option<PathBuf>,
    /// Milliseconds between two looks at `cert` and `key` for a renewed
    /// certificate; 0 looks only on SIGHUP.
    pub reload_interval_ms: u64,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            cert: None,
            key: None,
            client_ca: None,
            reload_interval_ms: 10_000,
        }
    }
}

impl TlsConfig {
    /// Whether the API is served over TLS.
    pub fn enabled(&self) -> bool {
        self.cert.is_some() && self.key.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaConfig {
    /// Milliseconds between two passes of the sweeper that raises at-risk,
    /// breach and escalation events (they come at most this late).
    pub sweep_interval_ms: u64,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            sweep_interval_ms: 15_000,
        }
    }
}

/// How long tokens last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokensConfig {
    /// Days a token issued to a person (agent, supervisor, administrator,
    /// auditor) lasts, unless the administrator asks for less.
    pub person_validity_days: u32,
    /// Days a partner system's token lasts: systems are rotated by scripts,
    /// less often than people log in.
    pub system_validity_days: u32,
    /// Hours a rotated token keeps working, so that every place that uses
    /// it can be given the new one.
    pub rotation_grace_hours: u32,
}

impl Default for TokensConfig {
    fn default() -> Self {
        TokensConfig {
            person_validity_days: 90,
            system_validity_days: 365,
            rotation_grace_hours: 24,
        }
    }
}

/// Abuse limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Sustained requests per second per account.
    pub requests_per_second: u32,
    /// Requests an account may make at once above the sustained rate.
    pub burst: u32,
    /// Failed authentications per peer address and minute answered at
    /// once; beyond, each failure is answered late (valid credentials from
    /// the same address never are).
    pub failed_authentications_per_minute: u32,
    /// Milliseconds the first failure beyond that allowance waits for its
    /// answer; each further failure of the minute waits twice as long.
    pub failed_authentication_delay_ms: u64,
    /// The longest a failed authentication waits for its answer, in
    /// milliseconds. Keep it under `request_timeout_ms`.
    pub failed_authentication_max_delay_ms: u64,
    /// The largest request or response message, in bytes.
    pub max_message_bytes: usize,
    /// Milliseconds a request may run before it ends with DEADLINE_EXCEEDED
    /// (a shorter `grpc-timeout` from the client wins). Watch streams are
    /// not cut: the deadline covers the call until its first response.
    pub request_timeout_ms: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            requests_per_second: 50,
            burst: 200,
            failed_authentications_per_minute: 20,
            failed_authentication_delay_ms: 250,
            failed_authentication_max_delay_ms: 5_000,
            max_message_bytes: 4 * 1024 * 1024,
            request_timeout_ms: 30_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Days audit entries are kept; older ones are deleted once a day.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            retention_days: 366,
        }
    }
}

/// Prefecture affiliation files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchesConfig {
    /// Rows (persons) one file may hold.
    pub max_rows: u64,
    /// Bytes one row may take, all its cells together.
    pub max_row_bytes: usize,
}

impl Default for BatchesConfig {
    fn default() -> Self {
        let limits = relais_core::batch::BatchLimits::default();
        BatchesConfig {
            max_rows: limits.max_rows,
            max_row_bytes: limits.max_row_bytes,
        }
    }
}

impl BatchesConfig {
    pub fn limits(&self) -> relais_core::batch::BatchLimits {
        relais_core::batch::BatchLimits {
            max_rows: self.max_rows,
            max_row_bytes: self.max_row_bytes,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            database_url: DatabaseUrl("sqlite://relais.db".to_owned()),
            log: LogConfig::default(),
            sla: SlaConfig::default(),
            tls: TlsConfig::default(),
            tokens: TokensConfig::default(),
            limits: LimitsConfig::default(),
            audit: AuditConfig::default(),
            batches: BatchesConfig::default(),
            insecure_plaintext: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `relais_server=debug,info`.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            filter: "info".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people reading a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A database URL. May carry a password, so `Debug` and `Display` hide it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `sqlite`, `postgres`… (the part before `:`).
    pub fn scheme(&self) -> &str {
        self.0.split_once(':').map_or("", |(scheme, _)| scheme)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // scheme://user:password@host/db -> scheme://user:***@host/db
        let url = &self.0;
        if let Some((scheme, rest)) = url.split_once("://")
            && let Some((credentials, host)) = rest.split_once('@')
            && let Some((user, _password)) = credentials.split_once(':')
        {
            return write!(f, "{scheme}://{user}:***@{host}");
        }
        f.write_str(url)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<DatabaseUrl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_plaintext: Option<bool>,
    #[serde(skip_serializing_if = "TlsOverrides::is_empty")]
    pub tls: TlsOverrides,
}

/// TLS files given on the command line; each replaces its own setting only.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ca: Option<PathBuf>,
}

impl TlsOverrides {
    fn is_empty(&self) -> bool {
        self.cert.is_none() && self.key.is_none() && self.client_ca.is_none()
    }
}

impl Config {
    /// Reads the layers in order; `file` must exist when given.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("RELAIS__").split("__"))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(
        clippy::result_large_err,
        reason = "figment's test jail decides the closure's error type"
    )]
    fn layers_apply_in_order_and_unknown_keys_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "relais.toml",
                "listen = \"127.0.0.1:6000\"\n[log]\nformat = \"json\"\n",
            )?;
            jail.set_env("RELAIS__DATABASE_URL", "sqlite://from-env.db");
            let config =
                Config::load(Some(Path::new("relais.toml")), &Overrides::default()).unwrap();
            assert_eq!(config.listen, SocketAddr::from(([127, 0, 0, 1], 6000)));
            assert_eq!(config.log.format, LogFormat::Json);
            assert_eq!(config.database_url.expose(), "sqlite://from-env.db");

            let flags = Overrides {
                listen: Some(SocketAddr::from(([127, 0, 0, 1], 7000))),
                ..Overrides::default()
            };
            let config = Config::load(Some(Path::new("relais.toml")), &flags).unwrap();
            assert_eq!(config.listen.port(), 7000);
            assert_eq!(config.database_url.expose(), "sqlite://from-env.db");

            jail.create_file("typo.toml", "lisen = \"127.0.0.1:6000\"\n")?;
            let error =
                Config::load(Some(Path::new("typo.toml")), &Overrides::default()).unwrap_err();
            assert!(error.to_string().contains("lisen"), "{error}");
            Ok(())
        });
    }

    #[test]
    #[allow(
        clippy::result_large_err,
        reason = "figment's test jail decides the closure's error type"
    )]
    fn tls_flags_replace_only_their_own_settings() {
        figment::Jail::expect_with(|jail| {
            let config = Config::load(None, &Overrides::default()).unwrap();
            assert_eq!(config.tls, TlsConfig::default());
            assert!(!config.tls.enabled());
            assert!(!config.insecure_plaintext);

            jail.create_file(
                "relais.toml",
                "[tls]\ncert = \"file.pem\"\nkey = \"file.key\"\nreload_interval_ms = 500\n",
            )?;
            jail.set_env("RELAIS__TLS__CLIENT_CA", "clients.pem");
            let flags = Overrides {
                insecure_plaintext: Some(true),
                tls: TlsOverrides {
                    cert: Some(PathBuf::from("flag.pem")),
                    ..TlsOverrides::default()
                },
                ..Overrides::default()
            };
            let config = Config::load(Some(Path::new("relais.toml")), &flags).unwrap();
            assert_eq!(config.tls.cert, Some(PathBuf::from("flag.pem")));
            assert_eq!(config.tls.key, Some(PathBuf::from("file.key")));
            assert_eq!(config.tls.client_ca, Some(PathBuf::from("clients.pem")));
            assert_eq!(config.tls.reload_interval_ms, 500);
            assert!(config.tls.enabled());
            assert!(config.insecure_plaintext);

            jail.create_file("typo.toml", "[tls]\ncertificate = \"x.pem\"\n")?;
            let error =
                Config::load(Some(Path::new("typo.toml")), &Overrides::default()).unwrap_err();
            assert!(error.to_string().contains("certificate"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn passwords_stay_out_of_logs() {
        let url = DatabaseUrl::new("postgres://relais:s3cret@db.internal/relais");
        assert_eq!(url.to_string(), "postgres://relais:***@db.internal/relais");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.scheme(), "postgres");
    }
}
