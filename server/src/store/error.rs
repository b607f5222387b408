//! Why a store operation failed, in terms the rest of the server can act on
//! whatever the database: the domain's refusal, a database that cannot be
//! reached now (retry later), a transaction that lost a race with another
//! (retry now), or a fault. The database's own error stays inside as the
//! cause, for the logs.

use std::error::Error as StdError;

/// The cause of a failure, kept for the logs only.
pub type Cause = Box<dyn StdError + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The domain refused the operation (not found, invalid, illegal transition…).
    #[error(transparent)]
    Rejected(#[from] relais_core::Error),
    /// The database cannot be reached or is saturated: the same call may
    /// succeed in a moment (UNAVAILABLE).
    #[error("the database is unavailable")]
    Unavailable(#[source] Cause),
    /// The transaction lost a race with a concurrent one (a serialization
    /// failure, a deadlock, a busy database) and changed nothing: the same
    /// call may be retried at once (ABORTED).
    #[error("the change collided with a concurrent one")]
    Conflict(#[source] Cause),
    /// The database failed in a way a retry will not mend.
    #[error("database error")]
    Backend(#[source] Cause),
    /// A stored value no longer reads as the domain expects.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database's file or directory could not be made.
    #[error("cannot create {}", path.display())]
    Create {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreError::Unavailable(Box::new(error)),
            sqlx::Error::Database(database) => match database.code().as_deref() {
                Some(code) if is_conflict(code) => StoreError::Conflict(Box::new(error)),
                Some(code) if is_unreachable(code) => StoreError::Unavailable(Box::new(error)),
                _ => StoreError::Backend(Box::new(error)),
            },
            _ => StoreError::Backend(Box::new(error)),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Backend(Box::new(error))
    }
}

/// Codes of a transaction that lost a race: PostgreSQL's serialization
/// failure and deadlock (SQLSTATE class 40), SQLite's busy and locked
/// (primary result codes 5 and 6, and their extended codes).
fn is_conflict(code: &str) -> bool {
    code.starts_with("40")
        || code
            .parse::<i32>()
            .is_ok_and(|sqlite| matches!(sqlite & 0xff, 5 | 6))
}

/// PostgreSQL's codes of a server that cannot serve now: connection
/// exceptions (class 08), too many connections, shutting down (class 57P).
fn is_unreachable(code: &str) -> bool {
    code.starts_with("08") || code == "53300" || code.starts_with("57P")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_told_apart() {
        for conflict in ["40001", "40P01", "5", "517", "6", "262"] {
            assert!(is_conflict(conflict), "{conflict}");
        }
        for other in ["23505", "19", "2067", "1555"] {
            assert!(!is_conflict(other), "{other}");
        }
        for unreachable in ["08006", "53300", "57P01"] {
            assert!(is_unreachable(unreachable), "{unreachable}");
        }
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::Backend(_)
        ));
    }
}
