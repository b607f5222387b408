//! Files the server creates, with the permissions their contents call for:
//! private keys and the database (beneficiaries' data, token hashes) for the
//! server's user only. Unix permissions; elsewhere, what the system gives.

use std::{fs, io, path::Path};

/// Who may read a file the server creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrecy {
    /// Anyone on the machine (0644): certificates.
    Public,
    /// Its owner only (0600): keys, the database.
    Secret,
}

/// Creates `path`, which must not exist, with the permissions `secrecy`
/// asks for from the start: never, even for an instant, readable by others.
pub fn create_new(path: &Path, secrecy: Secrecy) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(match secrecy {
            Secrecy::Secret => 0o600,
            Secrecy::Public => 0o644,
        });
    }
    #[cfg(not(unix))]
    let _ = secrecy;
    options.open(path)
}

/// Creates the directory `dir` and its missing parents for their owner only
/// (0700). Directories that exist are left as they are.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The permission bits of `path` when its group or others may read or write
/// it; `None` when only its owner may, or when it does not exist.
pub fn shared_mode(path: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        match fs::metadata(path) {
            Ok(metadata) => {
                let mode = metadata.permissions().mode() & 0o777;
                Ok((mode & 0o066 != 0).then_some(mode))
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(None)
    }
}
