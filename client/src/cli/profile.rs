//! Profiles: named servers and how to reach them, kept in a TOML file so
//! that going from one fund's server to another's is `--profile lyon`
//! rather than four flags and a token pasted into the shell.

use std::{
    collections::BTreeMap,
    fs, io,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use tonic::Code;

use super::{Token, error::Failure};

/// The file as written; unknown keys are refused, so that a misspelt
/// `ca_cert` does not silently leave the server unverified.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, ProfileFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    url: Option<String>,
    ca_cert: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    token_file: Option<PathBuf>,
}

/// The chosen profile, its paths made absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) name: String,
    /// The file it was read from, to say where a bad setting comes from.
    pub(crate) file: PathBuf,
    pub(crate) url: Option<String>,
    pub(crate) ca_cert: Option<PathBuf>,
    /// The client certificate and its key: both or neither.
    pub(crate) client_identity: Option<(PathBuf, PathBuf)>,
    pub(crate) token_file: Option<PathBuf>,
}

impl Profile {
    /// Where a setting of this profile comes from: `ca_cert of profile paris (FILE)`.
    pub(crate) fn origin(&self, key: &str) -> String {
        format!("{key} of profile {} ({})", self.name, self.file.display())
    }
}

/// Where the profiles are when `RELAIS_CONFIG` does not say:
/// `$XDG_CONFIG_HOME/relais/config.toml`, else `~/.config/relais/config.toml`.
pub(crate) fn default_path(xdg_config_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    // The XDG specification ignores a relative XDG_CONFIG_HOME.
    let base = match xdg_config_home.filter(|dir| dir.is_absolute()) {
        Some(dir) => dir.to_path_buf(),
        None => home?.join(".config"),
    };
    Some(base.join("relais").join("config.toml"))
}

/// The profile `wanted` names (`--profile`, `RELAIS_PROFILE`), else the
/// file's `default_profile`, else none. A missing file is no error unless
/// a profile was asked for by name.
pub(crate) fn load(
    path: Option<&Path>,
    home: Option<&Path>,
    wanted: Option<&str>,
) -> Result<Option<Profile>, Failure> {
    let Some(path) = path else {
        return match wanted {
            None => Ok(None),
            Some(name) => Err(invalid(format!(
                "no profile named {name:?}: there is no configuration file \
                 (HOME is not set; RELAIS_CONFIG names one)"
            ))),
        };
    };
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return match wanted {
                None => Ok(None),
                Some(name) => Err(invalid(format!(
                    "no profile named {name:?}: {} does not exist",
                    path.display()
                ))
                .with_hint("RELAIS_CONFIG names another configuration file")),
            };
        }
        Err(e) => {
            return Err(invalid(format!(
                "cannot read the configuration {}: {e}",
                path.display()
            )));
        }
    };
    parse(&text, path, home, wanted)
}

fn parse(
    text: &str,
    path: &Path,
    home: Option<&Path>,
    wanted: Option<&str>,
) -> Result<Option<Profile>, Failure> {
    let mut file: ConfigFile = toml::from_str(text).map_err(|e| {
        invalid(format!(
            "invalid configuration {}: {}",
            path.display(),
            e.to_string().trim_end()
        ))
    })?;
    let (name, by_default) = match (wanted, &file.default_profile) {
        (Some(name), _) => (name.to_owned(), false),
        (None, Some(name)) => (name.clone(), true),
        (None, None) => return Ok(None),
    };
    let Some(settings) = file.profiles.remove(&name) else {
        let known = names(&file.profiles);
        let message = if by_default {
            format!(
                "the default_profile of {}, {name:?}, is not one of its profiles ({known})",
                path.display()
            )
        } else {
            format!(
                "no profile named {name:?} in {} (profiles: {known})",
                path.display()
            )
        };
        return Err(invalid(message));
    };
    let directory = path.parent().unwrap_or(Path::new(""));
    let resolve = |key: &str, value: Option<PathBuf>| -> Result<Option<PathBuf>, Failure> {
        value
            .map(|value| {
                absolute(&value, directory, home).map_err(|reason| {
                    invalid(format!(
                        "{key} of profile {name} ({}): {reason}",
                        path.display()
                    ))
                })
            })
            .transpose()
    };
    let client_identity = match (
        resolve("client_cert", settings.client_cert)?,
        resolve("client_key", settings.client_key)?,
    ) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => {
            return Err(invalid(format!(
                "profile {name} ({}) needs client_cert and client_key together, or neither",
                path.display()
            )));
        }
    };
    Ok(Some(Profile {
        url: settings.url,
        ca_cert: resolve("ca_cert", settings.ca_cert)?,
        client_identity,
        token_file: resolve("token_file", settings.token_file)?,
        name,
        file: path.to_path_buf(),
    }))
}

/// A path of the file made absolute: `~/` is the home directory, and a
/// relative path is relative to the file itself, so that a profile and its
/// certificates can be moved together.
fn absolute(value: &Path, directory: &Path, home: Option<&Path>) -> Result<PathBuf, String> {
    if let Ok(rest) = value.strip_prefix("~") {
        return home
            .map(|home| home.join(rest))
            .ok_or_else(|| format!("{} starts with ~ but HOME is not set", value.display()));
    }
    Ok(directory.join(value))
}

/// The token a `token_file` holds. Like ssh with a private key, a file
/// that others may read is refused: the token is as good as a password.
pub(crate) fn read_token(path: &Path, origin: &str) -> Result<Token, Failure> {
    let unreadable = |e: io::Error| {
        invalid(format!(
            "cannot read the token file {} ({origin}): {e}",
            path.display()
        ))
    };
    let metadata = fs::metadata(path).map_err(unreadable)?;
    check_private(path, &metadata, origin)?;
    let text = fs::read_to_string(path).map_err(unreadable)?;
    match text.trim() {
        "" => Err(invalid(format!(
            "the token file {} ({origin}) is empty",
            path.display()
        ))),
        token => Ok(Token::from(token.to_owned())),
    }
}

#[cfg(unix)]
fn check_private(path: &Path, metadata: &fs::Metadata, origin: &str) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    Err(Failure::local(
        Code::FailedPrecondition,
        format!(
            "permissions {mode:04o} for the token file {} ({origin}) are too open: \
             others than you may read the token",
            path.display()
        ),
    )
    .with_hint(format!("chmod 600 {}", path.display())))
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _metadata: &fs::Metadata, _origin: &str) -> Result<(), Failure> {
    Ok(())
}

fn invalid(message: String) -> Failure {
    Failure::local(Code::InvalidArgument, message)
}

/// `lyon, paris`, or `none` for a file without profiles.
fn names(profiles: &BTreeMap<String, ProfileFile>) -> String {
    if profiles.is_empty() {
        return "none".to_owned();
    }
    profiles.keys().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
default_profile = "paris"

[profiles.paris]
url = "https://relais.cpam-paris.example:50051"
ca_cert = "/etc/relais/ca.pem"
client_cert = "certs/paris.pem"
client_key = "~/keys/paris.key"
token_file = "paris.token"

[profiles.lyon]
url = "https://relais.cpam-lyon.example:50051"
"#;

    fn parsed(text: &str, wanted: Option<&str>) -> Result<Option<Profile>, Failure> {
        parse(
            text,
            Path::new("/home/awa/.config/relais/config.toml"),
            Some(Path::new("/home/awa")),
            wanted,
        )
    }

    #[test]
    fn the_default_profile_has_its_paths_made_absolute() {
        let profile = parsed(FILE, None).unwrap().unwrap();
        assert_eq!(profile.name, "paris");
        assert_eq!(
            profile.url.as_deref(),
            Some("https://relais.cpam-paris.example:50051")
        );
        assert_eq!(profile.ca_cert, Some(PathBuf::from("/etc/relais/ca.pem")));
        assert_eq!(
            profile.client_identity,
            Some((
                PathBuf::from("/home/awa/.config/relais/certs/paris.pem"),
                PathBuf::from("/home/awa/keys/paris.key")
            ))
        );
        assert_eq!(
            profile.token_file,
            Some(PathBuf::from("/home/awa/.config/relais/paris.token"))
        );
    }

    #[test]
    fn a_profile_asked_for_wins_over_the_default() {
        let profile = parsed(FILE, Some("lyon")).unwrap().unwrap();
        assert_eq!(profile.name, "lyon");
        assert_eq!(profile.ca_cert, None);
        assert_eq!(profile.client_identity, None);
    }

    #[test]
    fn without_a_default_no_profile_is_used() {
        let text = FILE.replace("default_profile = \"paris\"", "");
        assert_eq!(parsed(&text, None).unwrap(), None);
        assert_eq!(parsed("", None).unwrap(), None);
    }

    #[test]
    fn a_missing_profile_lists_the_known_ones() {
        let text = parsed(FILE, Some("marseille")).unwrap_err().human();
        assert!(
            text.contains("\"marseille\"") && text.contains("lyon, paris"),
            "{text}"
        );
        let text = parsed(&FILE.replace("= \"paris\"", "= \"nice\""), None)
            .unwrap_err()
            .human();
        assert!(
            text.contains("default_profile") && text.contains("lyon, paris"),
            "{text}"
        );
        let text = parsed("", Some("paris")).unwrap_err().human();
        assert!(text.contains("profiles: none"), "{text}");
    }

    #[test]
    fn unknown_keys_are_named_with_the_file() {
        for text in [
            "colour = \"blue\"",
            "[profiles.paris]\nurl = \"https://x:1\"\ncacert = \"ca.pem\"",
        ] {
            let human = parsed(text, None).unwrap_err().human();
            assert!(
                human.contains("/home/awa/.config/relais/config.toml"),
                "{human}"
            );
            let key = if text.contains("colour") {
                "colour"
            } else {
                "cacert"
            };
            assert!(human.contains(&format!("`{key}`")), "{human}");
        }
    }

    #[test]
    fn half_a_client_identity_is_refused() {
        let text = "[profiles.paris]\nclient_cert = \"paris.pem\"";
        let human = parsed(text, Some("paris")).unwrap_err().human();
        assert!(
            human.contains("client_cert and client_key together"),
            "{human}"
        );
    }

    #[test]
    fn a_tilde_needs_a_home() {
        let error = absolute(Path::new("~/x"), Path::new("/etc"), None).unwrap_err();
        assert!(error.contains("HOME"), "{error}");
        assert_eq!(
            absolute(Path::new("~user/x"), Path::new("/etc"), None),
            Ok(PathBuf::from("/etc/~user/x"))
        );
    }

    #[test]
    fn the_default_file_follows_xdg() {
        let home = Some(Path::new("/home/awa"));
        assert_eq!(
            default_path(None, home),
            Some(PathBuf::from("/home/awa/.config/relais/config.toml"))
        );
        assert_eq!(
            default_path(Some(Path::new("/xdg")), home),
            Some(PathBuf::from("/xdg/relais/config.toml"))
        );
        assert_eq!(
            default_path(Some(Path::new("relative")), home),
            Some(PathBuf::from("/home/awa/.config/relais/config.toml"))
        );
        assert_eq!(default_path(None, None), None);
    }

    #[test]
    fn a_missing_file_matters_only_for_a_named_profile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(load(Some(&path), None, None).unwrap(), None);
        let human = load(Some(&path), None, Some("paris")).unwrap_err().human();
        assert!(human.contains("does not exist"), "{human}");
    }

    #[cfg(unix)]
    #[test]
    fn a_token_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("paris.token");
        fs::write(&path, "rls_secret\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_token(&path, "here").unwrap().expose(), "rls_secret");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let human = read_token(&path, "here").unwrap_err().human();
        assert!(
            human.contains("0640") && human.contains("chmod 600"),
            "{human}"
        );
        assert!(!human.contains("rls_secret"), "{human}");
    }
}
