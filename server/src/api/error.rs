//! The one table from errors to gRPC status codes.

use std::error::Error as _;

use relais_core::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::{auth::AuthError, store::StoreError};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A client stream that failed as it was read: its status stands.
    #[error("{}", .0.message())]
    Stream(Status),
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Domain(e) | ApiError::Store(StoreError::Rejected(e)) => domain_status(e),
            ApiError::Auth(AuthError::Store(e)) | ApiError::Store(e) => internal_status(&e),
            ApiError::Auth(e @ AuthError::TooManyRequests { retry_after }) => {
                Status::with_error_details(
                    Code::ResourceExhausted,
                    format!("{e} (in {:.1} s)", retry_after.as_secs_f64().max(0.1)),
                    ErrorDetails::with_retry_info(Some(retry_after)),
                )
            }
            ApiError::Auth(e) => Status::unauthenticated(e.to_string()),
            ApiError::Stream(status) => status,
        }
    }
}

fn domain_status(error: Error) -> Status {
    match error {
        Error::Invalid(violations) => relais_proto::status::invalid_argument(violations),
        e @ Error::NotFound(_) => Status::not_found(e.to_string()),
        Error::AlreadyExists(message) => Status::already_exists(message),
        Error::FailedPrecondition(message) => Status::failed_precondition(message),
        Error::PermissionDenied(message) => Status::permission_denied(message),
    }
}

/// Logs the whole cause chain under an incident id and tells the client only
/// the id: causes may hold SQL, paths or data that are not the client's business.
fn internal_status(error: &StoreError) -> Status {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    match error {
        // Worth retrying: the client library does, with the same request id.
        StoreError::Unavailable(_) => {
            tracing::warn!(error = %error, causes = ?causes, "database unavailable");
            return Status::unavailable("the service cannot reach its database; retry shortly");
        }
        StoreError::Conflict(_) => {
            tracing::info!(error = %error, causes = ?causes, "transaction conflict");
            return Status::aborted(
                "the change collided with a concurrent one and was not made; retry it",
            );
        }
        _ => {}
    }
    let incident = uuid::Uuid::now_v7();
    tracing::error!(%incident, error = %error, causes = ?causes, "request failed");
    Status::internal(format!(
        "internal error (incident {incident}); the operators can look it up"
    ))
}

#[cfg(test)]
mod tests {
    use relais_core::validation::Violations;

    use super::*;

    #[test]
    fn violations_become_invalid_argument_with_field_details() {
        let mut violations = Violations::default();
        violations.add("beneficiary.nir", "the key does not match");
        violations.add("subject", "required");
        let status = Status::from(ApiError::Domain(Error::Invalid(violations)));
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        let fields: Vec<&str> = details
            .bad_request()
            .expect("a BadRequest detail")
            .field_violations
            .iter()
            .map(|v| v.field.as_str())
            .collect();
        assert_eq!(fields, ["beneficiary.nir", "subject"]);
        assert!(
            status
                .message()
                .contains("beneficiary.nir: the key does not match")
        );
    }

    #[test]
    fn each_domain_error_has_its_code() {
        let cases = [
            (Error::NotFound("case R-0000-0000".into()), Code::NotFound),
            (Error::AlreadyExists("x".into()), Code::AlreadyExists),
            (
                Error::FailedPrecondition("x".into()),
                Code::FailedPrecondition,
            ),
            (Error::PermissionDenied("x".into()), Code::PermissionDenied),
        ];
        for (error, code) in cases {
            assert_eq!(Status::from(ApiError::Domain(error)).code(), code);
        }
        assert_eq!(
            Status::from(ApiError::Auth(AuthError::Missing)).code(),
            Code::Unauthenticated
        );
        let wait = std::time::Duration::from_millis(1500);
        let limited = Status::from(ApiError::Auth(AuthError::TooManyRequests {
            retry_after: wait,
        }));
        assert_eq!(limited.code(), Code::ResourceExhausted);
        assert_eq!(
            limited
                .get_error_details()
                .retry_info()
                .unwrap()
                .retry_delay,
            Some(wait)
        );
        let unavailable =
            Status::from(ApiError::Store(StoreError::from(sqlx::Error::PoolTimedOut)));
        assert_eq!(unavailable.code(), Code::Unavailable);
        let conflict = Status::from(ApiError::Store(StoreError::Conflict("busy".into())));
        assert_eq!(conflict.code(), Code::Aborted);
        let internal = Status::from(ApiError::Store(StoreError::Corrupt("secret detail".into())));
        assert_eq!(internal.code(), Code::Internal);
        assert!(!internal.message().contains("secret detail"));
    }
}
