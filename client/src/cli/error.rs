//! Why a command failed, whether the server said so or the CLI found out
//! first, shown on stderr for people and as a JSON object for programs.

use std::error::Error as _;

use relais_client::ConnectError;
use relais_core::validation::Violations;
use serde::Serialize;
use tonic::{Code, Status};
use tonic_types::StatusExt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    code: Code,
    message: String,
    violations: Vec<Violation>,
    /// Whether the server answered with this status: only then is its code
    /// worth showing to a person.
    from_server: bool,
    hint: Option<String>,
    /// Nothing left to tell: stdout was closed by its reader.
    silent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Violation {
    pub(crate) field: String,
    pub(crate) description: String,
}

impl Failure {
    /// A failure found without the server's help.
    pub(crate) fn local(code: Code, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            violations: Vec::new(),
            from_server: false,
            hint: None,
            silent: false,
        }
    }

    /// A request the local validation refused, in the very form the server
    /// would have refused it, so that users see one kind of error either way.
    pub(crate) fn invalid(violations: &Violations) -> Self {
        Failure {
            code: Code::InvalidArgument,
            message: format!("invalid request: {violations}"),
            violations: violations
                .iter()
                .map(|issue| Violation {
                    field: issue.field.clone(),
                    description: issue.reason.clone(),
                })
                .collect(),
            from_server: true,
            hint: None,
            silent: false,
        }
    }

    pub(crate) fn connect(error: &ConnectError) -> Self {
        let code = match error {
            ConnectError::InvalidUrl { .. } => Code::InvalidArgument,
            ConnectError::Unreachable { .. } => Code::Unavailable,
            ConnectError::InvalidToken => Code::Unauthenticated,
        };
        let message = with_causes(error.to_string(), error.source());
        // rustls names the problem in its own terms; say what to do about it.
        let hint = if message.contains("UnknownIssuer") {
            Some(
                "the server's certificate is not from an authority this machine trusts: \
                 pass the CA's certificate with --ca-cert (or RELAIS_CA_CERT)",
            )
        } else if message.contains("NotValidForName") {
            Some("the server's certificate is not for this host name: check --url")
        } else {
            None
        };
        let failure = Failure::local(code, message);
        match hint {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        }
    }

    pub(crate) fn stdout_closed() -> Self {
        Failure {
            silent: true,
            ..Failure::local(Code::Cancelled, "stdout closed")
        }
    }

    /// The same failure, not printed again: the output already holds it (a
    /// report in JSON, which a second JSON document would make unparsable),
    /// and only the exit status is left to tell.
    pub(crate) fn shown(self) -> Self {
        Failure {
            silent: true,
            ..self
        }
    }

    pub(crate) fn with_hint(self, hint: impl Into<String>) -> Self {
        Failure {
            hint: Some(hint.into()),
            ..self
        }
    }

    pub(crate) fn code(&self) -> Code {
        self.code
    }

    pub(crate) fn is_silent(&self) -> bool {
        self.silent
    }

    /// The lines for stderr.
    pub(crate) fn human(&self) -> String {
        let mut text = if !self.violations.is_empty() {
            let mut text = format!(
                "relais: invalid request ({}):\n",
                relais_proto::code_name(self.code)
            );
            for violation in &self.violations {
                text.push_str(&format!(
                    "  {}: {}\n",
                    violation.field, violation.description
                ));
            }
            text
        } else if self.from_server {
            format!(
                "relais: {}: {}\n",
                relais_proto::code_name(self.code),
                self.message
            )
        } else {
            format!("relais: {}\n", self.message)
        };
        if let Some(hint) = &self.hint {
            text.push_str(&format!("relais: hint: {hint}\n"));
        }
        text
    }

    /// `{"error": {"code": …, "message": …, "field_violations": […]}}`.
    pub(crate) fn json(&self) -> ErrorJson<'_> {
        ErrorJson {
            error: ErrorFields {
                code: relais_proto::code_name(self.code),
                message: &self.message,
                field_violations: &self.violations,
            },
        }
    }
}

/// A failure as JSON, its fields in a fixed order.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorJson<'a> {
    error: ErrorFields<'a>,
}

#[derive(Debug, Serialize)]
struct ErrorFields<'a> {
    code: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[Violation]>::is_empty")]
    field_violations: &'a [Violation],
}

impl From<Status> for Failure {
    fn from(status: Status) -> Self {
        let violations = status
            .get_error_details()
            .bad_request()
            .map(|bad| {
                bad.field_violations
                    .iter()
                    .map(|v| Violation {
                        field: v.field.clone(),
                        description: v.description.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        // A status made on this side of the wire (a dropped connection) has
        // a source, and its message says little without it.
        let message = with_causes(status.message().to_owned(), status.source());
        Failure {
            code: status.code(),
            message,
            violations,
            from_server: true,
            hint: None,
            silent: false,
        }
    }
}

/// A message and its causes on one line; transport errors say little on their own.
fn with_causes(mut text: String, mut source: Option<&(dyn std::error::Error + 'static)>) -> String {
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use tonic_types::{ErrorDetails, FieldViolation};

    use super::*;

    fn json_of(failure: &Failure) -> Value {
        serde_json::to_value(failure.json()).unwrap()
    }

    #[test]
    fn a_server_status_shows_its_code() {
        let failure = Failure::from(Status::not_found("case R-7K3M-9QX2"));
        assert_eq!(failure.human(), "relais: NOT_FOUND: case R-7K3M-9QX2\n");
        assert_eq!(json_of(&failure)["error"]["code"], "NOT_FOUND");
        assert!(json_of(&failure)["error"].get("field_violations").is_none());
    }

    #[test]
    fn field_violations_are_listed_one_per_line() {
        let details = ErrorDetails::with_bad_request(vec![
            FieldViolation::new("beneficiary.nir", "the key does not match"),
            FieldViolation::new("subject", "required"),
        ]);
        let status = Status::with_error_details(Code::InvalidArgument, "invalid", details);
        let failure = Failure::from(status);
        assert_eq!(
            failure.human(),
            "relais: invalid request (INVALID_ARGUMENT):\n  beneficiary.nir: the key does not match\n  subject: required\n"
        );
        let json = json_of(&failure);
        assert_eq!(
            json["error"]["field_violations"][1],
            json!({"field": "subject", "description": "required"})
        );
    }

    #[test]
    fn local_validation_looks_like_the_servers() {
        let mut violations = Violations::default();
        violations.add("beneficiary.nir", "the key does not match");
        violations.add("subject", "required");
        let details = ErrorDetails::with_bad_request(vec![
            FieldViolation::new("beneficiary.nir", "the key does not match"),
            FieldViolation::new("subject", "required"),
        ]);
        let server = Failure::from(Status::with_error_details(
            Code::InvalidArgument,
            format!("invalid request: {violations}"),
            details,
        ));
        assert_eq!(Failure::invalid(&violations), server);
    }

    #[test]
    fn transport_failures_tell_their_cause_once() {
        let cause = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer went away");
        let failure = Failure::from(Status::from_error(Box::new(cause)));
        let text = failure.human();
        assert_eq!(text.matches("peer went away").count(), 1, "{text}");
    }

    #[test]
    fn local_failures_and_hints() {
        let failure = Failure::local(Code::NotFound, "no organisation is named \"X\"")
            .with_hint("see relais admin org list");
        assert_eq!(
            failure.human(),
            "relais: no organisation is named \"X\"\nrelais: hint: see relais admin org list\n"
        );
    }
}
