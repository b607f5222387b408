//! Domain refusals as gRPC statuses, where both the server's handlers and
//! the codec (which refuses requests before any handler runs) need them.

use relais_core::validation::Violations;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

/// `INVALID_ARGUMENT` naming every field and its reason, in the message and
/// as `google.rpc.BadRequest` field violations for programs.
pub fn invalid_argument(violations: Violations) -> Status {
    let message = format!("invalid request: {violations}");
    let details: Vec<FieldViolation> = violations
        .into_iter()
        .map(|issue| FieldViolation::new(issue.field, issue.reason))
        .collect();
    Status::with_error_details(
        Code::InvalidArgument,
        message,
        ErrorDetails::with_bad_request(details),
    )
}
