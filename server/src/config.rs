//! Server configuration, layered: defaults, then a TOML file (`--config`),
//! then `RELAIS__*` environment variables (`RELAIS__DATABASE_URL`,
//! `RELAIS__LOG__FORMAT`), then command-line flags. Unknown keys are errors,
//! so a typo never silently falls back to a default.

use std::{fmt, net::SocketAddr, path::Path};

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

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            database_url: DatabaseUrl("sqlite://relais.db".to_owned()),
            log: LogConfig::default(),
            sla: SlaConfig::default(),
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
                database_url: None,
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
    fn passwords_stay_out_of_logs() {
        let url = DatabaseUrl::new("postgres://relais:s3cret@db.internal/relais");
        assert_eq!(url.to_string(), "postgres://relais:***@db.internal/relais");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.scheme(), "postgres");
    }
}
