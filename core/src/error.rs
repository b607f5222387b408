//! The domain's one error type. The server maps each variant to a gRPC code in
//! one place; the client and the CLI show them as they are.

use crate::validation::Violations;

/// Why the domain refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Some fields are wrong; each violation names its field and the reason.
    #[error("invalid request: {0}")]
    Invalid(Violations),
    /// The thing does not exist, or the caller may not know that it exists.
    #[error("{0} not found")]
    NotFound(String),
    /// A create collided with something that exists (a unique name, a reused request id).
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is valid but the current state does not allow it
    /// (an illegal transition, no fund to route a case to).
    #[error("{0}")]
    FailedPrecondition(String),
    /// The caller knows the thing exists but may not do this to it.
    #[error("{0}")]
    PermissionDenied(String),
}

impl Error {
    /// A single-field violation, for checks made outside a whole-request validation.
    pub fn invalid_field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut violations = Violations::default();
        violations.add(field, reason);
        Error::Invalid(violations)
    }
}

impl From<Violations> for Error {
    fn from(violations: Violations) -> Self {
        Error::Invalid(violations)
    }
}
